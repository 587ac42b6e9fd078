// STUN/TURN servers from the join result (`iceServers`, an extension) are used for every peer
// connection, with the application's own `rtcConfiguration` merged over them.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { KurentoRoomClient } from '../src/index.js';
import { FakePeerConnection } from './support/fakeMedia.js';
import { FakeRoomServer, SESSION_ID } from './support/fakeServer.js';
import { connect, until } from './support/harness.js';

const TURN = { urls: ['turn:turn.example.org:3478?transport=udp'], username: '1767268800:bob', credential: 'c2VjcmV0' };
let server: FakeRoomServer;
let kurento: KurentoRoomClient | undefined;
beforeEach(async () => {
  FakePeerConnection.reset();
  server = await FakeRoomServer.start({
    joinRoom: () => ({ value: [{ id: 'alice', streams: [{ id: 'webcam' }] }], iceServers: [TURN], sessionId: SESSION_ID }),
  });
});
afterEach(async () => {
  await kurento?.close(true);
  await server.close();
});

async function configurations(rtcConfiguration?: RTCConfiguration): Promise<unknown[]> {
  kurento = await connect(server, rtcConfiguration ? { rtcConfiguration } : {});
  const room = kurento.Room({ room: 'r1', user: 'bob' });
  await room.connect();
  const local = kurento.Stream(room, {});
  await local.init();
  await local.publish();
  await until(() => FakePeerConnection.instances.length === 2, 'publisher and subscriber connections');
  return FakePeerConnection.instances.map((pc) => pc.configuration);
}

test("the join result's iceServers configure every peer connection", async () => {
  assert.deepEqual(await configurations(), [{ iceServers: [TURN] }, { iceServers: [TURN] }]);
});

test("the application's rtcConfiguration is merged over them", async () => {
  assert.deepEqual(await configurations({ iceTransportPolicy: 'relay' }), [
    { iceServers: [TURN], iceTransportPolicy: 'relay' },
    { iceServers: [TURN], iceTransportPolicy: 'relay' },
  ]);
});

test("the application's own iceServers win", async () => {
  const own = [{ urls: 'stun:stun.example.com:3478' }];
  assert.deepEqual(await configurations({ iceServers: own }), [{ iceServers: own }, { iceServers: own }]);
});

test('without iceServers in the join result the configuration is the application one (original servers)', async () => {
  server.handlers.joinRoom = () => ({ value: [{ id: 'alice', streams: [{ id: 'webcam' }] }], sessionId: SESSION_ID });
  assert.deepEqual(await configurations(), [undefined, undefined]);
});
