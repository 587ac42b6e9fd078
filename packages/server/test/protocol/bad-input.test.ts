import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { eventually, FAKE_OFFER } from '../helpers/RpcTestClient.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer({ maxFrameChars: 10_000, reconnectionGraceMs: 150 });
});
afterEach(async () => {
  await t.close();
});

/** After the bad input, the room still works for everyone and nothing is left over. */
async function assertRoomStillServes(): Promise<void> {
  const alice = await t.join('witness-a', 'witness');
  const bob = await t.join('witness-b', 'witness');
  await alice.request('sendMessage', { message: 'still here', userMessage: 'witness-a', roomMessage: 'witness' });
  await bob.waitForNotification('sendMessage', (p) => p.message === 'still here');
}

describe('bad input gets a clear JSON-RPC error and changes nothing else', () => {
  it('malformed JSON: -32700 with id null', async () => {
    const c = await t.connect();
    await c.sendRaw('{"jsonrpc":"2.0","id":1,"method":');
    const err = await c.waitForFrame((f) => 'error' in f);
    assert.equal(err.id, null);
    assert.equal((err.error as { code: number }).code, -32700);
    assert.match((err.error as { message: string }).message, /Parse error/);
    assert.ok((await c.request('ping')).result, 'the socket keeps working');
    await assertRoomStillServes();
  });

  it('non-object frames, batches, binary frames and missing ids: -32600', async () => {
    const c = await t.connect();
    const frames: Array<string | Buffer> = ['42', '"text"', 'null', '[{"jsonrpc":"2.0","id":1,"method":"ping"}]', Buffer.from([1, 2, 3]), '{"jsonrpc":"2.0","method":"joinRoom","params":{"user":"a","room":"r"}}', '{"id":5,"method":"ping"}'];
    for (const [i, frame] of frames.entries()) {
      const before = c.frames.length;
      if (Buffer.isBuffer(frame)) c.ws.send(frame, { binary: true });
      else await c.sendRaw(frame);
      const err = await c.waitForFrame((f) => 'error' in f, before);
      assert.equal((err.error as { code: number }).code, -32600, `frame ${i}`);
    }
    assert.equal((await t.server.stats()).participants, 0, 'the id-less joinRoom did nothing');
  });

  it('wrong types and missing params: -32602 naming the element', async () => {
    const c = await t.connect();
    const cases: Array<[string, Record<string, unknown> | undefined, RegExp]> = [
      ['joinRoom', { user: 7, room: 'r' }, /'user' must be a string, got number/],
      ['joinRoom', { room: 'r' }, /'user' is missing/],
      ['joinRoom', undefined, /'user' is missing/],
      ['joinRoom', { user: 'a', room: 'r', dataChannels: 'yes' }, /'dataChannels' must be a boolean/],
      ['publishVideo', { sdpOffer: FAKE_OFFER }, /'doLoopback' is missing/],
      ['publishVideo', { sdpOffer: ['x'], doLoopback: false }, /'sdpOffer' must be a string, got array/],
      ['receiveVideoFrom', { sender: 'a_webcam' }, /'sdpOffer' is missing/],
      ['onIceCandidate', { endpointName: 'a', candidate: 'c', sdpMid: '0', sdpMLineIndex: 1.5 }, /'sdpMLineIndex' must be an integer/],
      ['sendMessage', { message: 'x', userMessage: 'a' }, /'roomMessage' is missing/],
    ];
    for (const [method, params, pattern] of cases) {
      const r = await c.request(method, params);
      assert.equal(r.error?.code, -32602, method);
      assert.match(r.error!.message, pattern);
    }
    const params = await c.sendRaw('{"jsonrpc":"2.0","id":77,"method":"joinRoom","params":"alice"}', 77);
    assert.equal(params.error?.code, -32602);
    assert.equal((await t.server.stats()).rooms, 0);
  });

  it('oversized frames: -32600 naming the limit, the socket survives', async () => {
    const c = await t.connect();
    await c.sendRaw(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'joinRoom', params: { user: 'x'.repeat(20_000), room: 'r' } }));
    const err = await c.waitForFrame((f) => 'error' in f);
    assert.equal((err.error as { code: number }).code, -32600);
    assert.match((err.error as { message: string }).message, /exceeds the limit of 10000/);
    assert.ok((await c.request('ping')).result);
    assert.equal((await t.server.stats()).rooms, 0);
  });

  it('requests before join and after leave or eviction: 102', async () => {
    const c = await t.connect();
    for (const [method, params] of [
      ['publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false }],
      ['unpublishVideo', {}],
      ['receiveVideoFrom', { sender: 'a_webcam', sdpOffer: FAKE_OFFER }],
      ['unsubscribeFromVideo', { sender: 'a_webcam' }],
      ['onIceCandidate', { endpointName: 'a', candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 }],
      ['sendMessage', { message: 'm', userMessage: 'a', roomMessage: 'r' }],
    ] as const) {
      const r = await c.request(method, params);
      assert.equal(r.error?.code, 102, method);
      assert.match(r.error!.message, /No participant with id '.+' was found/);
    }
    const alice = await t.join('alice', 'r1');
    await t.join('bob', 'r1');
    const evicted = await t.http('/api/rooms/r1/participants/alice', { method: 'DELETE' });
    assert.equal(evicted.status, 204);
    await alice.waitForNotification('participantEvicted');
    const after = await alice.request('sendMessage', { message: 'm', userMessage: 'alice', roomMessage: 'r1' });
    assert.equal(after.error?.code, 102);
  });

  it('SDP garbage in a subscription leaves nothing behind', async () => {
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    const r = await bob.request('receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: 'not sdp at all' });
    assert.equal(r.error?.code, 302);
    assert.match(r.error!.message, /subscribing 'bob' to 'alice_webcam'/);
    const stats = await t.server.stats();
    assert.equal(stats.media.subscribers, 0);
    assert.equal(stats.subscriptions, 0);
    const retry = await bob.request('receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: FAKE_OFFER });
    assert.ok(retry.result?.sdpAnswer);
  });

  it('a socket dropped mid-negotiation is cleaned up after the grace period', async () => {
    t.engine.negotiationDelayMs = 100;
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    void alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    alice.terminate();
    const left = await bob.waitForNotification('participantLeft', () => true, 3000);
    assert.deepEqual(left.params, { name: 'alice' });
    await eventually(async () => {
      const s = await t.server.stats();
      return s.media.peerConnections === 0 && s.participants === 1 && s.sessions === 1;
    }, 3000, 'alice fully released');
    await assertRoomStillServes();
  });

  it('a subscriber racing an unpublish gets an error and leaks nothing', async () => {
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    t.engine.negotiationDelayMs = 80;
    const subscribing = bob.request('receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: FAKE_OFFER });
    await new Promise((r) => setTimeout(r, 20));
    await alice.request('unpublishVideo', {});
    const r = await subscribing;
    assert.ok(r.error, 'the subscription cannot complete');
    await eventually(async () => (await t.server.stats()).media.peerConnections === 0, 2000, 'no endpoints left');
    assert.equal((await t.server.stats()).subscriptions, 0);
  });
});
