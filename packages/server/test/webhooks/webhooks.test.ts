import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { createLogger } from '../../src/log.js';
import { webhookSignature, WebhookSender, type WebhookPayload } from '../../src/webhooks/WebhookSender.js';
import { eventually, FAKE_OFFER } from '../helpers/RpcTestClient.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

const SECRET = 'hook-secret';
const quiet = createLogger('silent');

/** A webhook receiver on loopback that verifies each signature against the raw body. */
class Receiver {
  readonly received: WebhookPayload[] = [];
  readonly badSignatures: string[] = [];
  status = 200;
  server?: Server;
  port = 0;

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.#take(req).then(() => res.writeHead(this.status).end()));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  async #take(req: IncomingMessage): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (req.headers['x-kurento-room-signature'] !== webhookSignature(SECRET, body)) this.badSignatures.push(body);
    if (this.status < 300) this.received.push(JSON.parse(body) as WebhookPayload);
  }

  summary(): string[] {
    return this.received.map((e) => [e.event, e.room.name, e.participant?.id].filter(Boolean).join(' '));
  }
}

let receivers: Receiver[] = [];
let senders: WebhookSender[] = [];
let t: TestServer | undefined;
afterEach(async () => {
  for (const s of senders) await s.close(0);
  await t?.close();
  for (const r of receivers) await r.stop();
  receivers = [];
  senders = [];
  t = undefined;
});

async function receiver(): Promise<Receiver> {
  const r = await new Receiver().start();
  receivers.push(r);
  return r;
}

describe('webhooks', () => {
  it('room lifecycle events reach every URL, signed, in order, with the documented fields', async () => {
    const [a, b] = [await receiver(), await receiver()];
    t = await startTestServer({ webhooks: { urls: [a.url, b.url], secret: SECRET } });
    const alice = await t.join('alice', 'hooks');
    const bob = await t.join('bob', 'hooks');
    await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    await bob.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false, streamId: 'screen' });
    await alice.request('unpublishVideo', {});
    await alice.request('leaveRoom', {});
    bob.request('leaveRoom', {});
    const expected = [
      'room_started hooks',
      'participant_joined hooks alice',
      'participant_joined hooks bob',
      'stream_published hooks alice',
      'stream_published hooks bob',
      'stream_unpublished hooks alice',
      'participant_left hooks alice',
      'stream_unpublished hooks bob',
      'participant_left hooks bob',
      'room_finished hooks',
    ];
    for (const r of [a, b]) {
      await eventually(() => r.received.length === expected.length, 5000, 'all events');
      assert.deepEqual(r.summary(), expected);
      assert.deepEqual(r.badSignatures, []);
    }
    assert.deepEqual(a.received[4]!.stream, { id: 'screen', typeOfVideo: 'SCREEN' });
    assert.deepEqual(a.received[5]!.stream, { id: 'webcam', typeOfVideo: 'CAMERA' });
    const joined = a.received[1]!;
    assert.deepEqual(Object.keys(joined).sort(), ['createdAt', 'event', 'id', 'participant', 'room']);
    assert.match(joined.id, /^[0-9a-f-]{36}$/);
    assert.ok(Date.now() - Date.parse(joined.createdAt) < 10_000);
    assert.deepEqual(joined.participant, { id: 'alice' });
    assert.equal(new Set(a.received.map((e) => e.id)).size, expected.length, 'unique ids');
    assert.deepEqual(b.received.map((e) => e.id), a.received.map((e) => e.id), 'the same events to both URLs');
  });

  it('a receiver that is down for a while loses nothing, and gets the events in order once back', async () => {
    const r = await receiver();
    const port = r.port;
    await r.stop();
    const sender = new WebhookSender({ urls: [`http://127.0.0.1:${port}/hooks`], secret: SECRET, log: quiet, initialBackoffMs: 50, maxBackoffMs: 400 });
    senders.push(sender);
    for (let i = 0; i < 5; i++) sender.send({ event: 'participant_joined', room: { name: 'down' }, participant: { id: `u${i}` } });
    sender.send({ event: 'room_started', room: { name: 'other' } });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(sender.stats().map((s) => s.pending), [6], 'kept while the receiver is down');
    await r.start(port);
    await eventually(() => r.received.length === 6, 10_000, 'delivery after the receiver came back');
    const down = r.received.filter((e) => e.room.name === 'down').map((e) => e.participant!.id);
    assert.deepEqual(down, ['u0', 'u1', 'u2', 'u3', 'u4'], 'in order within the room');
    assert.deepEqual(r.badSignatures, []);
    assert.deepEqual(sender.stats()[0], { url: `http://127.0.0.1:${port}/hooks`, pending: 0, delivered: 6, dropped: 0 });
  });

  it('an error answer is retried; an event older than giveUpAfterMs is given up; the queue is bounded', async () => {
    const r = await receiver();
    r.status = 503;
    const sender = new WebhookSender({ urls: [r.url], secret: SECRET, log: quiet, initialBackoffMs: 30, maxBackoffMs: 60, giveUpAfterMs: 400, maxPending: 3 });
    senders.push(sender);
    for (let i = 0; i < 5; i++) sender.send({ event: 'participant_left', room: { name: `room${i}` }, participant: { id: 'x' } });
    assert.equal(sender.stats()[0]!.pending, 3, 'at most maxPending wait');
    await eventually(() => sender.stats()[0]!.pending === 0, 5000, 'given up');
    assert.deepEqual(sender.stats()[0], { url: r.url, pending: 0, delivered: 0, dropped: 5 });
    r.status = 200;
    sender.send({ event: 'room_finished', room: { name: 'after' } });
    await eventually(() => r.received.length === 1, 5000, 'later events still go');
  });

  it('refuses a URL that is not http(s)', () => {
    assert.throws(() => new WebhookSender({ urls: ['ftp://example.invalid/'], log: quiet }), /webhook URL must be http\(s\), got 'ftp:\/\/example.invalid\/'/);
  });
});
