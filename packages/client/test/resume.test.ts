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
    ['reconnected', { room: 'r1' }],
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

test('a refused resumption (the session is gone) gives lost-connection after one attempt', async () => {
  server.handlers.connect = () => ({ error: { code: 40007, message: "reconnection error: no session 'k3l1fake' to resume" } });
  const { room } = await joined();
  const events = record(room, ['reconnecting', 'reconnected', 'lost-connection']);
  server.socket!.terminate();
  await until(() => events.some(([type]) => type === 'lost-connection'), 'lost-connection');
  await delay(400);
  assert.deepEqual(events.map(([type]) => type), ['reconnecting', 'lost-connection']);
  assert.equal(server.requests('connect').length, 1);
  assert.equal(room.isConnected(), false);
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
