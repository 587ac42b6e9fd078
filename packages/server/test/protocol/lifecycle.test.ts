import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { eventually, FAKE_OFFER, RpcTestClient } from '../helpers/RpcTestClient.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A server with `graceMs`; alice and bob in room r1, bob's socket dropped (his session kept). */
async function aliceWithBobsSocketGone(graceMs: number) {
  t = await startTestServer({ reconnectionGraceMs: graceMs });
  const alice = await t.join('alice', 'r1');
  const bob = await t.connect();
  const sessionId = (await bob.request('joinRoom', { user: 'bob', room: 'r1' })).result!.sessionId as string;
  bob.terminate();
  await new Promise((r) => setTimeout(r, 50));
  return { alice, sessionId };
}

describe('socket loss, grace period and resumption', () => {
  it('a dropped socket gives participantLeft after the grace period, not before', async () => {
    t = await startTestServer({ reconnectionGraceMs: 300 });
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    await bob.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    const droppedAt = Date.now();
    bob.terminate();
    const left = await alice.waitForNotification('participantLeft', () => true, 3000);
    assert.deepEqual(left.params, { name: 'bob' });
    assert.ok(Date.now() - droppedAt >= 250, 'not before the grace period');
    const late = await (await t.connect()).request('joinRoom', { user: 'bob', room: 'r1' });
    assert.ok(late.result, 'the name is free afterwards');
    await eventually(async () => (await t!.server.stats()).media.peerConnections === 0, 2000, 'publisher released');
  });

  it('a join under the name of a session without a socket takes it over at once; a live holder still gets 104', async () => {
    t = await startTestServer({ reconnectionGraceMs: 60_000 });
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    await bob.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    const taken = await (await t.connect()).request('joinRoom', { user: 'bob', room: 'r1' });
    assert.equal(taken.error?.code, 104, 'a name held by a live socket is refused');
    const oldSession = (await bob.request('ping', {})).result!.sessionId as string;
    bob.terminate();
    await eventually(async () => (await t!.server.stats()).sessionsInGrace === 1, 2000, 'bob in his grace period');

    const startedAt = Date.now();
    const again = await t.connect();
    const joined = await again.request('joinRoom', { user: 'bob', room: 'r1' });
    assert.ok(joined.result, `the stale session is taken over: ${JSON.stringify(joined.error)}`);
    assert.ok(Date.now() - startedAt < 5000, 'at once, not after the 60 s grace period');
    assert.notEqual(joined.result.sessionId, oldSession);
    assert.deepEqual(joined.result.value, [{ id: 'alice' }], 'the old bob and his stream are gone');
    // The room saw the old participant leave (its stream with it), then the new one join.
    await alice.waitForNotification('participantJoined', (p) => p.id === 'bob' && alice.count('participantLeft') === 1);
    const seen = alice.notifications.map((n) => `${n.method} ${String(n.params.id ?? n.params.name ?? '')}`);
    assert.deepEqual(seen.slice(-3), ['participantPublished bob', 'participantLeft bob', 'participantJoined bob']);
    const stats = await t.server.stats();
    assert.equal(stats.participants, 2);
    assert.equal(stats.sessionsInGrace, 0, 'the stale session is ended, not left to expire');
    await eventually(async () => (await t!.server.stats()).media.peerConnections === 0, 2000, 'the stale publisher released');
    // The old session cannot come back any more.
    const resume = await (await t.connect()).request('connect', { sessionId: oldSession });
    assert.equal(resume.error?.code, 40007);
  });

  it('connect {sessionId} on a new socket resumes the session within the grace period', async () => {
    t = await startTestServer({ reconnectionGraceMs: 2000 });
    const alice = await t.join('alice', 'r1');
    const bob = await t.connect();
    const joined = await bob.request('joinRoom', { user: 'bob', room: 'r1' });
    const sessionId = joined.result!.sessionId as string;
    bob.terminate();
    await new Promise((r) => setTimeout(r, 50));
    const resumed = await t.connect();
    const r = await resumed.request('connect', { sessionId });
    assert.equal(r.result?.value, 'reconnection successful');
    assert.equal(r.result?.sessionId, sessionId);
    await alice.request('sendMessage', { message: 'welcome back', userMessage: 'alice', roomMessage: 'r1' });
    await resumed.waitForNotification('sendMessage', (p) => p.message === 'welcome back');
    const own = await resumed.request('sendMessage', { message: 'thanks', userMessage: 'bob', roomMessage: 'r1' });
    assert.equal(own.result?.sessionId, sessionId);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(alice.count('participantLeft'), 0);
    const unknown = await (await t.connect()).request('connect', { sessionId: 'nope' });
    assert.equal(unknown.error?.code, 40007);
  });

  it('a resumed session gets, in order, what the room notified while its socket was gone', async () => {
    const { alice, sessionId } = await aliceWithBobsSocketGone(5000);
    await t!.join('carol', 'r1');
    for (let i = 0; i < 3; i++) await alice.request('sendMessage', { message: `missed ${i}`, userMessage: 'alice', roomMessage: 'r1' });
    const resumed = await t!.connect();
    assert.equal((await resumed.request('connect', { sessionId })).result?.value, 'reconnection successful');
    await resumed.waitForNotification('sendMessage', (p) => p.message === 'missed 2');
    const seen = resumed.notifications.map((n) => (n.method === 'sendMessage' ? `message ${String(n.params.message)}` : `${n.method} ${String(n.params.id ?? '')}`));
    assert.deepEqual(seen, ['participantJoined carol', 'message missed 0', 'message missed 1', 'message missed 2']);
    // Nothing is replayed twice, and what comes next arrives as usual.
    await alice.request('sendMessage', { message: 'live', userMessage: 'alice', roomMessage: 'r1' });
    await resumed.waitForNotification('sendMessage', (p) => p.message === 'live');
    assert.equal(resumed.count('sendMessage'), 4);
  });

  it('keeps at most the newest 1,000 notifications for a session without a socket', async () => {
    const { alice, sessionId } = await aliceWithBobsSocketGone(10_000);
    for (let i = 0; i < 1005; i++) await alice.request('sendMessage', { message: `m${i}`, userMessage: 'alice', roomMessage: 'r1' });
    const resumed = await t!.connect();
    await resumed.request('connect', { sessionId });
    await resumed.waitForNotification('sendMessage', (p) => p.message === 'm1004');
    const messages = resumed.notifications.filter((n) => n.method === 'sendMessage').map((n) => n.params.message);
    assert.equal(messages.length, 1000);
    assert.equal(messages[0], 'm5', 'the oldest five were dropped');
  });

  it('the ping watchdog closes a socket that stops pinging, then the grace period evicts', async () => {
    t = await startTestServer({ reconnectionGraceMs: 100 });
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    await bob.request('ping', { interval: 100 });
    const closed = await bob.closed;
    assert.ok(closed.code !== 1000 || closed.reason !== 'left the room');
    await alice.waitForNotification('participantLeft', (p) => p.name === 'bob', 3000);
    // a client that keeps pinging stays
    await alice.request('ping', { interval: 100 });
    const keepAlive = setInterval(() => void alice.request('ping').catch(() => undefined), 80);
    await new Promise((r) => setTimeout(r, 500));
    clearInterval(keepAlive);
    assert.equal(alice.ws.readyState, alice.ws.OPEN);
  });
});

describe('REST', () => {
  it('/getAllRooms and /close as in the original', async () => {
    t = await startTestServer();
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    await t.join('carol', 'r2');
    assert.deepEqual((await (await t.http('/getAllRooms')).json()).sort(), ['r1', 'r2']);
    const missing = await t.http('/close?room=nope');
    assert.equal(missing.status, 404);
    const closed = await t.http('/close?room=r1');
    assert.equal(closed.status, 200);
    for (const c of [alice, bob]) assert.deepEqual((await c.waitForNotification('roomClosed')).params, { room: 'r1' });
    assert.deepEqual(await (await t.http('/getAllRooms')).json(), ['r2']);
    assert.equal(alice.count('participantLeft'), 0);
    const rejoin = await alice.request('joinRoom', { user: 'alice', room: 'r1' });
    assert.deepEqual(rejoin.result?.value, [], 'the room can be created again');
    assert.equal(await (await t.http('/getUpdateSpeakerInterval')).json(), 1800);
    assert.equal(await (await t.http('/getThresholdSpeaker')).json(), -50);
  });

  it('admin API lists, closes and evicts, behind the secret', async () => {
    t = await startTestServer({ adminSecret: 's3cret' });
    const auth = { authorization: 'Bearer s3cret' };
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    const carol = await t.join('carol', 'r1');
    await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    assert.equal((await t.http('/api/rooms')).status, 401);
    assert.equal((await t.http('/api/rooms', { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await t.http('/close?room=r1')).status, 401);
    const list = await (await t.http('/api/rooms', { headers: auth })).json();
    assert.deepEqual(list.map((r: { name: string; participants: number }) => [r.name, r.participants]), [['r1', 3]]);
    const room = await (await t.http('/api/rooms/r1', { headers: auth })).json();
    const a = room.participants.find((p: { name: string }) => p.name === 'alice');
    assert.deepEqual(a.streams.map((s: { id: string }) => s.id), ['webcam']);
    assert.equal((await t.http('/api/rooms/none', { headers: auth })).status, 404);

    const evict = await t.http('/api/rooms/r1/participants/bob', { method: 'DELETE', headers: auth });
    assert.equal(evict.status, 204);
    await bob.waitForNotification('participantEvicted');
    for (const c of [alice, carol]) assert.deepEqual((await c.waitForNotification('participantLeft')).params, { name: 'bob' });
    assert.equal((await t.http('/api/rooms/r1/participants/bob', { method: 'DELETE', headers: auth })).status, 404);

    const close = await t.http('/api/rooms/r1', { method: 'DELETE', headers: auth });
    assert.equal(close.status, 204);
    for (const c of [alice, carol]) await c.waitForNotification('roomClosed');
    assert.equal(bob.count('roomClosed'), 0, 'the evicted user is no longer in the room');
    const stats = await (await t.http('/api/stats', { headers: auth })).json();
    assert.equal(stats.rooms, 0);
    assert.equal(stats.participants, 0);
    await eventually(async () => (await t!.server.stats()).media.peerConnections === 0, 2000, 'media released');
  });

  it('serves static mounts (with or without a trailing slash) and never outside them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-static-'));
    try {
      mkdirSync(join(dir, 'site'));
      writeFileSync(join(dir, 'site', 'index.html'), '<p>hello</p>');
      writeFileSync(join(dir, 'secret.txt'), 'no');
      t = await startTestServer({ staticMounts: [{ prefix: '/a/', dir: join(dir, 'site') + '/' }, { prefix: '/', dir: join(dir, 'site') }] });
      for (const path of ['/a/index.html', '/a/', '/', '/index.html']) {
        const res = await t.http(path);
        assert.equal(res.status, 200, path);
        assert.equal(await res.text(), '<p>hello</p>');
        assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      }
      for (const path of ['/a/../secret.txt', '/a/%2e%2e/secret.txt', '/%2e%2e/secret.txt', '/a/..%2fsecret.txt']) {
        assert.equal((await t.http(path)).status, 404, path);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('unknown paths give 404 and the websocket only lives at /room', async () => {
    t = await startTestServer();
    assert.equal((await t.http('/nothing')).status, 404);
    await assert.rejects(RpcTestClient.connect(t.server.wsUrl.replace('/room', '/other')));
  });
});

describe('shutdown', () => {
  it('close() sends roomClosed, closes every socket and releases media', async () => {
    t = await startTestServer();
    const alice = await t.join('alice', 'r1');
    await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    await t.server.close();
    await alice.waitForNotification('roomClosed');
    await alice.closed;
    assert.equal(t.engine.endpoints.size, 0);
  });
});
