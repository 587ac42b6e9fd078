// Session resumption (product.md section 3): a socket that drops while in a room is replaced and
// the session resumed with `connect {sessionId}`; `lost-connection` only when that fails.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { KurentoRoomClient } from '../src/index.js';
import { FakeRoomServer, SESSION_ID } from './support/fakeServer.js';
import { connect, delay, nextEvent, record, until } from './support/harness.js';

let server: FakeRoomServer;
const clients: KurentoRoomClient[] = [];
beforeEach(async () => {
  server = await FakeRoomServer.start({ connect: (params) => ({ value: 'reconnection successful', sessionId: params.sessionId }) });
});
afterEach(async () => {
  for (const k of clients.splice(0)) await k.close(true);
  await server.close();
});

async function joined(extra = {}) {
  const k = await connect(server, extra);
  clients.push(k);
  const room = k.Room({ room: 'r1', user: 'bob' });
  await room.connect();
  return { k, room };
}

test('a dropped socket is resumed: reconnecting, connect {sessionId} on a new socket, reconnected, notifications again', async () => {
  const { k, room } = await joined();
  const events = record(room, ['reconnecting', 'reconnected', 'lost-connection']);
  const first = server.socket;
  server.socket!.terminate();
  await until(() => events.some(([type]) => type === 'reconnected'), 'reconnected');
  assert.deepEqual(events, [
    ['reconnecting', { room: 'r1' }],
    ['reconnected', { room: 'r1', rejoined: false }],
  ]);
  assert.notEqual(server.socket, first, 'a new socket');
  assert.deepEqual(server.requests('connect').map((r) => r.params), [{ sessionId: SESSION_ID }]);
  assert.equal(k.isConnected(), true);
  assert.equal(room.isConnected(), true);
  const message = nextEvent(room, 'newMessage');
  server.notify('sendMessage', { room: 'r1', user: 'alice', message: 'back?' });
  assert.deepEqual(await message, { room: 'r1', user: 'alice', message: 'back?' });
  await k.sendMessage('r1', 'bob', 'yes');
  assert.equal(server.requests('sendMessage').length, 1, 'requests go over the new socket');
});

test('a refused resumption (the session is gone) rejoins under the same name, brings the room up to date, republishes and resubscribes', async () => {
  server.handlers.connect = () => ({ error: { code: 40007, message: "reconnection error: no session 'k3l1fake' to resume" } });
  server.handlers.joinRoom = () => ({ value: [{ id: 'alice', streams: [{ id: 'webcam' }] }, { id: 'carol' }], sessionId: SESSION_ID });
  const { k, room } = await joined();
  const local = k.Stream(room, {});
  await local.init();
  await local.publish();
  await until(() => room.getStreams()['alice_webcam']?.isConnected() === true, 'subscribed to alice');
  const alice = room.getStreams()['alice_webcam']!;
  const oldPeers = [local.getRTCPeerConnection(), alice.getRTCPeerConnection()];

  // After a restart the server knows nothing: carol is gone, dave came, alice publishes again.
  server.handlers.joinRoom = () => ({ value: [{ id: 'alice', streams: [{ id: 'webcam' }] }, { id: 'dave', streams: [{ id: 'webcam' }] }], sessionId: 'fresh' });
  const events = record(room, ['reconnecting', 'reconnected', 'lost-connection', 'participant-left', 'participant-joined', 'stream-published', 'stream-subscribed']);
  server.socket!.terminate();
  await until(() => events.filter(([type]) => type === 'stream-published' || type === 'stream-subscribed').length === 3, 'published and subscribed again');
  const types = events.map(([type, e]) => `${String(type)}${type === 'participant-left' || type === 'participant-joined' ? ` ${(e as { participant: { getID(): string } }).participant.getID()}` : ''}`);
  assert.deepEqual(types.slice(0, 4), ['reconnecting', 'participant-left carol', 'participant-joined dave', 'reconnected']);
  assert.deepEqual(events[3]![1], { room: 'r1', rejoined: true });
  assert.deepEqual(types.slice(4).sort(), ['stream-published', 'stream-subscribed', 'stream-subscribed']);
  assert.equal(server.requests('connect').length, 1, 'one refused resumption, then the join');
  assert.deepEqual(server.requests('joinRoom')[1]!.params, { user: 'bob', room: 'r1' });
  assert.equal(server.requests('publishVideo').length, 2);
  await delay(50);
  assert.deepEqual(
    server.requests('receiveVideoFrom').map((r) => r.params!.sender).sort(),
    ['alice_webcam', 'alice_webcam', 'dave_webcam'],
    "alice's stream subscribed again, dave's new one once",
  );
  assert.equal(server.requests('unpublishVideo').length + server.requests('unsubscribeFromVideo').length, 0, 'nothing to release on a server that lost the session');
  assert.equal(room.getStreams()['alice_webcam'], alice, 'the same Stream object, so the application keeps its video element');
  assert.ok(oldPeers.every((pc) => (pc as unknown as { closed: boolean }).closed), 'the dead connections are closed');
  assert.notEqual(local.getRTCPeerConnection(), oldPeers[0]);
  assert.notEqual(alice.getRTCPeerConnection(), oldPeers[1]);
  assert.equal(room.isConnected(), true);
  assert.deepEqual(Object.keys(room.getParticipants()).sort(), ['alice', 'bob', 'dave']);
});

test('a rejoin the server refuses (the name is held by a live socket) gives lost-connection after one attempt', async () => {
  server.handlers.connect = () => ({ error: { code: 40007, message: "reconnection error: no session 'k3l1fake' to resume" } });
  const { room } = await joined();
  server.handlers.joinRoom = () => ({ error: { code: 104, message: "User 'bob' already exists in room 'r1'" } });
  const events = record(room, ['reconnecting', 'reconnected', 'lost-connection']);
  server.socket!.terminate();
  await until(() => events.some(([type]) => type === 'lost-connection'), 'lost-connection');
  await delay(400);
  assert.deepEqual(events.map(([type]) => type), ['reconnecting', 'lost-connection']);
  assert.equal(server.requests('connect').length, 1);
  assert.equal(server.requests('joinRoom').length, 2);
  assert.equal(room.isConnected(), false);
});

test('a server that comes back empty after a while (restarted): the client keeps trying and rejoins', async () => {
  const { room } = await joined();
  const url = server.url;
  const events = record(room, ['reconnecting', 'reconnected', 'lost-connection']);
  await server.close();
  await delay(600);
  server = await FakeRoomServer.start({}, Number(new URL(url).port));
  await until(() => events.some(([type]) => type === 'reconnected'), 'reconnected', 8000);
  assert.deepEqual(events, [
    ['reconnecting', { room: 'r1' }],
    ['reconnected', { room: 'r1', rejoined: true }],
  ]);
  assert.equal(server.requests('connect').length, 1);
  assert.equal(server.requests('joinRoom').length, 1);
});

test('a server that stays away gives lost-connection once reconnectTimeout has run out', async () => {
  const { k, room } = await joined({ reconnectTimeout: 700 });
  const events = record(room, ['reconnecting', 'reconnected', 'lost-connection']);
  const droppedAt = Date.now();
  await server.close();
  await until(() => events.some(([type]) => type === 'lost-connection'), 'lost-connection', 4000);
  assert.ok(Date.now() - droppedAt >= 600, 'it kept trying for about reconnectTimeout');
  assert.deepEqual(events.map(([type]) => type), ['reconnecting', 'lost-connection']);
  assert.equal(k.isConnected(), false);
  server = await FakeRoomServer.start(); // for afterEach
});

test('leaving while reconnecting stops the attempts without lost-connection', async () => {
  server.handlers.connect = () => new Promise(() => undefined); // never answers
  const { k, room } = await joined({ requestTimeout: 300 });
  const events = record(room, ['reconnecting', 'reconnected', 'lost-connection']);
  server.socket!.terminate();
  await server.next('connect', 0);
  await k.close(true);
  const attempts = server.requests('connect').length;
  await delay(800);
  assert.deepEqual(events.map(([type]) => type), ['reconnecting']);
  assert.equal(server.requests('connect').length, attempts, 'no attempt after leaving');
  assert.equal(k.isConnected(), false);
});
