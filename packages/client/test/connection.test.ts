import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { afterEach, beforeEach, test } from 'node:test';
import { KurentoRoom, KurentoRoomClient, RoomError } from '../src/index.js';
import { FakeRoomServer, NO_ANSWER, SESSION_ID } from './support/fakeServer.js';
import { connect, delay, nextEvent, testOptions, until } from './support/harness.js';

let server: FakeRoomServer;
const clients: KurentoRoomClient[] = [];
beforeEach(async () => {
  server = await FakeRoomServer.start();
});
afterEach(async () => {
  for (const k of clients.splice(0)) await k.close(true);
  await server.close();
});

async function open(extra = {}): Promise<KurentoRoomClient> {
  const k = await connect(server, extra);
  clients.push(k);
  return k;
}

test('KurentoRoom works with and without new and calls back (null, kurento) once connected', async () => {
  const plain = await new Promise<KurentoRoomClient>((resolve, reject) =>
    KurentoRoom(server.url, (e, k) => (e ? reject(e) : resolve(k!)), testOptions()),
  );
  clients.push(plain);
  assert.ok(plain instanceof KurentoRoomClient);
  assert.ok(plain instanceof KurentoRoom);
  assert.equal(plain.isConnected(), true);
  let constructed: KurentoRoomClient | undefined;
  const viaNew = await new Promise<KurentoRoomClient>((resolve, reject) => {
    constructed = new KurentoRoom(server.url, (e, k) => (e ? reject(e) : resolve(k!)), testOptions());
  });
  clients.push(viaNew);
  assert.equal(viaNew, constructed);
});

test('the callback gets the error when the connection cannot be made', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const result = await new Promise<{ error: Error | null; kurento?: KurentoRoomClient }>((resolve) =>
    KurentoRoom(`ws://127.0.0.1:${port}/room`, (error, kurento) => resolve({ error, kurento }), testOptions()),
  );
  assert.ok(result.error instanceof Error);
  assert.match(result.error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.equal(result.kurento, undefined);
});

test('the first ping carries {interval}, later ones none, ids count from 0 with the requests', async () => {
  const k = await open({ pingInterval: 40 });
  const first = await server.nth('ping', 0);
  assert.deepEqual(first, { jsonrpc: '2.0', id: 0, method: 'ping', params: { interval: 40 } } as unknown);
  const second = await server.nth('ping', 1);
  assert.equal(second.params, undefined);
  assert.equal(second.id, 1);
  const result = await k.sendRequest('customRequest', { hat: true });
  assert.deepEqual(result, { sessionId: SESSION_ID });
  const custom = server.requests('customRequest')[0]!;
  assert.ok(custom.id > second.id, 'request ids continue after the pings');
  assert.ok(Number.isInteger(custom.id));
});

test('a ping without answer closes the connection and reports lost-connection in the room (resumption off)', async () => {
  server.handlers.ping = () => NO_ANSWER;
  const k = await open({ pingInterval: 30, requestTimeout: 100, reconnectTimeout: 0 });
  const room = k.Room({ room: 'r1', user: 'bob' });
  const lost = nextEvent(room, 'lost-connection');
  await room.connect();
  assert.deepEqual(await lost, { room: 'r1' });
  assert.equal(k.isConnected(), false);
});

test('every request has a timeout: a silent server gives error-room with a transport error', async () => {
  server.handlers.joinRoom = () => NO_ANSWER;
  const k = await open({ requestTimeout: 150 });
  const room = k.Room({ room: 'r1', user: 'bob' });
  const failed = nextEvent(room, 'error-room');
  const started = Date.now();
  await assert.rejects(room.connect(), (e: RoomError) => e.code === 803);
  const { error } = await failed;
  assert.ok(error instanceof RoomError);
  assert.equal(error.code, 803);
  assert.match(error.message, /joinRoom.*no answer within 150 ms/);
  assert.ok(Date.now() - started >= 140);
});

test('setRpcParams merges its keys into every request', async () => {
  const k = await open();
  k.setRpcParams({ token: 'secret' });
  const room = k.Room({ room: 'r1', user: 'bob' });
  await room.connect();
  await k.sendMessage('r1', 'bob', 'hi');
  assert.deepEqual(server.requests('joinRoom')[0]!.params, { user: 'bob', room: 'r1', token: 'secret' });
  assert.deepEqual(server.requests('sendMessage')[0]!.params, { message: 'hi', userMessage: 'bob', roomMessage: 'r1', token: 'secret' });
});

test('sendRequest and sendCustomRequest call back (null, result) and (error)', async () => {
  server.handlers.customRequest = (params) =>
    params.hat === true ? { sessionId: SESSION_ID } : { error: { code: -1, message: 'RuntimeException:Unsupported method' } };
  const k = await open();
  const ok = await new Promise<unknown[]>((resolve) => k.sendCustomRequest({ hat: true }, (...args) => resolve(args)));
  assert.deepEqual(ok, [null, { sessionId: SESSION_ID }]);
  const failed = await new Promise<unknown[]>((resolve) => k.sendCustomRequest({ marker: 1 }, (...args) => resolve(args)));
  assert.ok(failed[0] instanceof RoomError);
  assert.equal((failed[0] as RoomError).code, -1);
  assert.equal((failed[0] as RoomError).message, 'RuntimeException:Unsupported method');
  const noParams = await new Promise<unknown[]>((resolve) => k.sendRequest('unknownThing', (...args) => resolve(args)));
  assert.equal((noParams[0] as RoomError).code, -32601);
  assert.deepEqual(server.requests('unknownThing')[0]!.params, {});
});

test('close() without a room closes the socket', async () => {
  const k = await open();
  await until(() => server.socket !== undefined, 'server socket');
  const closed = new Promise((resolve) => server.socket!.once('close', resolve));
  await k.close();
  await closed;
  assert.equal(k.isConnected(), false);
  await assert.rejects(k.sendRequest('customRequest', {}), (e: RoomError) => e.code === 803);
});

test('the server closing the socket while in a room emits lost-connection once (resumption off)', async () => {
  const k = await open({ reconnectTimeout: 0 });
  const room = k.Room({ room: 'r1', user: 'bob' });
  await room.connect();
  let count = 0;
  room.on('lost-connection', () => count++);
  server.socket!.terminate();
  await until(() => count === 1, 'lost-connection');
  await delay(30);
  assert.equal(count, 1);
  assert.equal(room.isConnected(), false);
});
