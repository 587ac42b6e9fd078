import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { RoomServerOptions } from '../../src/index.js';
import { eventually, FAKE_OFFER, type RpcTestClient } from '../helpers/RpcTestClient.js';
import { MAX_QUEUED_REQUESTS } from '../../src/signalling/Session.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(options: RoomServerOptions): Promise<TestServer> {
  t = await startTestServer(options);
  return t;
}

const chat = (c: RpcTestClient, user: string, room: string, message: string) => c.request('sendMessage', { message, userMessage: user, roomMessage: room });

/** The refused request changed nothing: the others in the room still chat. */
async function othersStillChat(from: RpcTestClient, user: string, room: string, to: RpcTestClient): Promise<void> {
  const text = `still here ${Math.random()}`;
  assert.ok((await chat(from, user, room, text)).result, 'the chat request is answered');
  await to.waitForNotification('sendMessage', (p) => p.message === text);
}

describe('every bound has a clear error past it and affects nothing else', () => {
  it('chat message length: -32602 naming the element and the limit', async () => {
    const s = await start({ limits: { messageChars: 1000 } });
    const alice = await s.join('alice', 'r');
    const bob = await s.join('bob', 'r');
    const r = await chat(alice, 'alice', 'r', 'x'.repeat(1001));
    assert.equal(r.error?.code, -32602);
    assert.equal(r.error?.message, "Request element 'message' is longer than 1000 characters");
    assert.ok((await chat(alice, 'alice', 'r', 'x'.repeat(1000))).result, 'a message at the limit passes');
    await othersStillChat(bob, 'bob', 'r', alice);
    assert.equal(bob.notifications.filter((n) => n.method === 'sendMessage' && String(n.params.message).length > 1000).length, 0);
  });

  it('names: control characters and markup refused with -32602, letters of any script accepted', async () => {
    const s = await start({ limits: { nameChars: 20 } });
    const c = await s.connect();
    for (const [user, room, pattern] of [
      ['ali\u0000ce', 'r', /'user' may contain only letters, digits, spaces and '-', '_', '.', '@'; the control or invisible character U\+0000 at position 3/],
      ['\u001b[2Jbob', 'r', /'user' .* U\+001B at position 0/],
      ['carol', 'r\u0007', /'room' .* U\+0007 at position 1/],
      ['<img src=x>', 'r', /'<' \(U\+003C\)/],
      ['a'.repeat(21), 'r', /'user' is longer than 20 characters/],
    ] as const) {
      const r = await c.request('joinRoom', { user, room });
      assert.equal(r.error?.code, -32602, JSON.stringify(user));
      assert.match(r.error!.message, pattern);
    }
    assert.equal((await s.server.stats()).rooms, 0, 'no refused join created a room');
    const jose = await s.join('José Müller', 'Café Zürich');
    const yuki = await s.join('山田 太郎', 'Café Zürich');
    const joined = await yuki.request('sendMessage', { message: 'こんにちは', userMessage: '山田 太郎', roomMessage: 'Café Zürich' });
    assert.ok(joined.result);
    const got = await jose.waitForNotification('sendMessage');
    assert.deepEqual(got.params, { room: 'Café Zürich', user: '山田 太郎', message: 'こんにちは' });
  });

  it('pending candidates: bounded per participant over all endpoint names, -32602 past it', async () => {
    const s = await start({ limits: { pendingCandidates: 50 } });
    const alice = await s.join('alice', 'r');
    const bob = await s.join('bob', 'r');
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        alice.request('onIceCandidate', { endpointName: `alice_invented${i}`, candidate: `candidate:${i} 1 udp 1 10.0.0.1 9 typ host`, sdpMid: '0', sdpMLineIndex: 0 }),
      ),
    );
    assert.equal(answers.filter((a) => a.result).length, 50);
    const refused = answers.filter((a) => a.error);
    assert.equal(refused.length, 150);
    for (const a of refused) assert.equal(a.error!.code, -32602);
    assert.match(refused[0]!.error!.message, /ICE candidate for endpoint 'alice_invented50' refused: participant 'alice' already has 50 candidates waiting/);
    const stats = (await (await s.http('/api/stats')).json()) as { pendingCandidates: number };
    assert.equal(stats.pendingCandidates, 50, '/api/stats stays bounded');
    // Bob's own candidates are his own budget; alice still publishes.
    assert.ok((await bob.request('onIceCandidate', { endpointName: 'bob', candidate: 'candidate:1 1 udp 1 10.0.0.2 9 typ host', sdpMid: '0', sdpMLineIndex: 0 })).result);
    assert.ok((await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false })).result?.sdpAnswer);
    await othersStillChat(bob, 'bob', 'r', alice);
  });

  it('endpoints per participant: 303 past the limit, nothing created; freeing one makes room', async () => {
    const s = await start({ limits: { endpointsPerParticipant: 2 } });
    const alice = await s.join('alice', 'r');
    const bob = await s.join('bob', 'r');
    const carol = await s.join('carol', 'r');
    for (const c of [alice, bob, carol]) assert.ok((await c.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false })).result);
    assert.ok((await alice.request('receiveVideoFrom', { sender: 'bob_webcam', sdpOffer: FAKE_OFFER })).result);
    const before = await s.server.stats();
    const r = await alice.request('receiveVideoFrom', { sender: 'carol_webcam', sdpOffer: FAKE_OFFER });
    assert.equal(r.error?.code, 303);
    assert.equal(r.error?.message, "Participant 'alice' already has 2 publications and subscriptions, the most this server allows; unpublish or unsubscribe first");
    const screen = await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false, streamId: 'screen' });
    assert.equal(screen.error?.code, 303);
    const after = await s.server.stats();
    assert.equal(after.subscriptions, before.subscriptions);
    assert.equal(after.media.peerConnections, before.media.peerConnections);
    assert.ok((await alice.request('unsubscribeFromVideo', { sender: 'bob_webcam' })).result);
    assert.ok((await alice.request('receiveVideoFrom', { sender: 'carol_webcam', sdpOffer: FAKE_OFFER })).result);
    assert.ok((await bob.request('receiveVideoFrom', { sender: 'carol_webcam', sdpOffer: FAKE_OFFER })).result, 'bob has his own budget');
    await othersStillChat(carol, 'carol', 'r', alice);
  });

  it('participants per room: 201 "is full", the room unchanged; a leave makes room', async () => {
    const s = await start({ limits: { participantsPerRoom: 2 } });
    const alice = await s.join('alice', 'r');
    const bob = await s.join('bob', 'r');
    const carol = await s.connect();
    const r = await carol.request('joinRoom', { user: 'carol', room: 'r' });
    assert.equal(r.error?.code, 201);
    assert.equal(r.error?.message, "Room 'r' is full: it has 2 participants, the most this server allows in one room");
    assert.equal(alice.count('participantJoined'), 1, 'only bob was announced');
    assert.ok((await carol.request('joinRoom', { user: 'carol', room: 'other' })).result, 'another room takes her');
    await othersStillChat(alice, 'alice', 'r', bob);
    await bob.request('leaveRoom', {});
    const dave = await s.connect();
    assert.ok((await dave.request('joinRoom', { user: 'dave', room: 'r' })).result);
  });

  it('rooms per server: 204 past the limit; joining an existing room still works', async () => {
    const s = await start({ limits: { rooms: 2 } });
    const alice = await s.join('alice', 'r1');
    await s.join('bob', 'r2');
    const carol = await s.connect();
    const r = await carol.request('joinRoom', { user: 'carol', room: 'r3' });
    assert.equal(r.error?.code, 204);
    assert.equal(r.error?.message, "Room 'r3' cannot be created: this server already has 2 rooms, the most it allows");
    assert.deepEqual((await (await s.http('/getAllRooms')).json()).sort(), ['r1', 'r2']);
    assert.ok((await carol.request('joinRoom', { user: 'carol', room: 'r1' })).result);
    await othersStillChat(carol, 'carol', 'r1', alice);
  });

  it('request rate: a burst past the bucket gets -32029, the socket stays and serves once the rate allows', async () => {
    const s = await start({ limits: { requestsPerSecond: 5, requestBurst: 10 } });
    const alice = await s.join('alice', 'r'); // the join took one token
    const bob = await s.join('bob', 'r');
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => chat(alice, 'alice', 'r', `m${i}`)));
    const accepted = answers.filter((a) => a.result).length;
    const refused = answers.filter((a) => a.error);
    assert.ok(accepted >= 9 && accepted <= 15, `about the burst passes (${accepted})`);
    assert.equal(refused.length, 40 - accepted);
    for (const a of refused) assert.equal(a.error!.code, -32029);
    assert.match(refused[0]!.error!.message, /^Too many requests: 'sendMessage' refused; this socket may send 5 requests per second \(bursts of 10\), retry later$/);
    assert.ok((await alice.request('ping')).result, 'pings pass, so the watchdog keeps the socket');
    await eventually(() => bob.count('sendMessage') === accepted, 2000, 'the accepted messages delivered');
    await new Promise((r) => setTimeout(r, 500));
    await othersStillChat(alice, 'alice', 'r', bob);
    assert.equal(bob.count('sendMessage'), accepted + 1, 'refused messages never reached the room');
    assert.equal(alice.ws.readyState, WebSocket.OPEN);
  });

  it('requests queued behind a slow one: past MAX_QUEUED_REQUESTS waiting, -32029 at once; the queued ones are all answered', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // A rate limit out of the way, so that only the queue bound refuses.
    t = await startTestServer({ customRequestHandler: () => gate.then(() => ({ done: true })), limits: { requestsPerSecond: 100_000, requestBurst: 100_000 } });
    const c = await t.join('pipeliner', 'r1');
    // One request runs (held by the gate), MAX_QUEUED_REQUESTS wait behind it, the rest are refused.
    const sent = MAX_QUEUED_REQUESTS + 6;
    const answers = Array.from({ length: sent }, () => c.request('customRequest', {}, 20_000));
    await eventually(() => c.frames.length >= 5 + 1, 10_000, 'the refusals');
    release();
    const all = await Promise.all(answers);
    const refused = all.filter((r) => r.error);
    assert.equal(refused.length, 5);
    for (const r of refused) {
      assert.equal(r.error!.code, -32029);
      assert.equal(r.error!.message, `Too many requests waiting: this session already has ${MAX_QUEUED_REQUESTS} requests queued behind a slow one; wait for their answers`);
    }
    assert.ok(all.slice(0, MAX_QUEUED_REQUESTS + 1).every((r) => r.result?.done === true), 'the first ones, in order, all answered');
    // The session goes on.
    assert.ok((await c.request('sendMessage', { message: 'still here', userMessage: 'pipeliner', roomMessage: 'r1' })).result);
  });

  it('ping interval: 1e9 ms is clamped, the watchdog does not overflow and drop the socket', async () => {
    const s = await start({});
    const c = await s.join('alice', 'r');
    const bob = await s.join('bob', 'r');
    assert.ok((await c.request('ping', { interval: 1e9 })).result);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    assert.equal((await s.server.stats()).sessionsInGrace, 0);
    await othersStillChat(c, 'alice', 'r', bob);
  });
});

describe('a client that stops reading', () => {
  it('is closed with 4008 once its outgoing buffer passes the limit; its session goes to grace; the server holds no more for it', async () => {
    const sendBufferBytes = 1 << 20;
    const s = await start({ limits: { sendBufferBytes, messageChars: 200_000, frameChars: 300_000 }, reconnectionGraceMs: 5000 });
    const alice = await s.join('alice', 'r');
    const bob = await s.join('bob', 'r');
    // A raw socket that joins, then stops reading.
    const slow = new WebSocket(s.server.wsUrl);
    try {
      await new Promise((resolve, reject) => slow.once('open', resolve).once('error', reject));
      let received = 0;
      slow.on('message', (data: Buffer) => (received += data.length));
      const closed = new Promise<{ code: number; reason: string }>((resolve) => slow.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
      slow.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'joinRoom', params: { user: 'slow', room: 'r' } }));
      await alice.waitForNotification('participantJoined', (p) => p.id === 'slow');
      (slow as unknown as { _socket: { pause(): void } })._socket.pause();

      const big = 'x'.repeat(200_000);
      let sent = 0;
      while ((await s.server.stats()).sessionsInGrace === 0) {
        assert.ok(sent < 500, 'the stalled socket was dropped before 100 MB piled up for it');
        assert.ok((await chat(alice, 'alice', 'r', big)).result);
        sent++;
      }
      assert.equal((await s.server.stats()).participants, 3, 'within the grace period the participant stays');
      assert.equal(bob.count('participantLeft'), 0);
      // Once it is dropped nothing more is queued on its socket, however much the room says.
      for (let i = 0; i < 60; i++, sent++) assert.ok((await chat(alice, 'alice', 'r', big)).result);

      (slow as unknown as { _socket: { resume(): void } })._socket.resume();
      const { code, reason } = await closed;
      assert.equal(code, 4008);
      assert.equal(reason, `outgoing buffer over ${sendBufferBytes} bytes: the client does not read`);
      assert.ok(received < (sent * big.length) / 2, `the server held a bounded amount for it (${received} of ${sent * big.length} bytes reached it)`);
      const left = await bob.waitForNotification('participantLeft', (p) => p.name === 'slow', 8000);
      assert.deepEqual(left.params, { name: 'slow' });
      await eventually(() => bob.count('sendMessage') === sent, 5000, 'bob got every message');
      await othersStillChat(alice, 'alice', 'r', bob);
    } finally {
      slow.terminate();
    }
  });
});
