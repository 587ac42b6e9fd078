// One stream's connection dying (product.md section 3, reconnection tier one): the server names
// it in `mediaError {endpointName}`, or its peer connection fails here; that stream alone is
// published or subscribed again, the rest of the room goes on.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { KurentoRoomClient, Room, RoomError, Stream } from '../src/index.js';
import { FakePeerConnection } from './support/fakeMedia.js';
import { FakeRoomServer, SESSION_ID } from './support/fakeServer.js';
import { connect, delay, nextEvent, until } from './support/harness.js';

let server: FakeRoomServer;
let kurento: KurentoRoomClient;
beforeEach(async () => {
  FakePeerConnection.reset();
  server = await FakeRoomServer.start({
    joinRoom: () => ({ value: [{ id: 'alice', streams: [{ id: 'webcam' }] }], sessionId: SESSION_ID }),
  });
  kurento = await connect(server);
});
afterEach(async () => {
  await kurento.close(true);
  await server.close();
});

const fake = (stream: Stream) => stream.getRTCPeerConnection() as unknown as FakePeerConnection;

/** Bob in r1, subscribed to alice's webcam and publishing his own. */
async function inCall(): Promise<{ room: Room; local: Stream; alice: Stream }> {
  const room = kurento.Room({ room: 'r1', user: 'bob' });
  await room.connect();
  const local = kurento.Stream(room, {});
  await local.init();
  await local.publish();
  await until(() => room.getStreams()['alice_webcam']?.isConnected() === true, 'subscribed to alice');
  return { room, local, alice: room.getStreams()['alice_webcam']! };
}

test('mediaError naming a subscription: error-media with the stream, then only that stream is subscribed again', async () => {
  const { room, local, alice } = await inCall();
  const [oldSub, oldPub] = [fake(alice), fake(local)];
  const media = nextEvent(room, 'error-media');
  const subscribed = nextEvent(room, 'stream-subscribed');
  server.notify('mediaError', { error: 'ICE_FAILED: connection lost', endpointName: 'alice' });
  const event = await media;
  assert.equal(event.error, 'ICE_FAILED: connection lost');
  assert.equal(event.stream, alice);
  assert.equal((await subscribed).stream, alice);
  assert.equal(oldSub.closed, true, 'the dead connection is closed');
  assert.notEqual(fake(alice), oldSub);
  assert.equal(alice.isConnected(), true);
  assert.deepEqual(server.requests('receiveVideoFrom').map((r) => r.params!.sender), ['alice_webcam', 'alice_webcam']);
  assert.equal(server.requests('unsubscribeFromVideo').length, 0, 'the server already released it');
  assert.equal(fake(local), oldPub, 'the publication is untouched');
  assert.equal(server.requests('publishVideo').length, 1);
});

test('mediaError naming the own publication: it is published again', async () => {
  const { room, local } = await inCall();
  const published = nextEvent(room, 'stream-published');
  server.notify('mediaError', { error: 'DTLS closed', endpointName: 'bob' });
  assert.equal((await published).stream, local);
  assert.equal(server.requests('publishVideo').length, 2);
  assert.equal(server.requests('unpublishVideo').length, 0);
  assert.equal(local.isConnected(), true);
});

test('a mediaError without endpointName (an original server) is only reported', async () => {
  const { room } = await inCall();
  const media = nextEvent(room, 'error-media');
  server.notify('mediaError', { error: 'TEST_ERR' });
  assert.deepEqual(await media, { error: 'TEST_ERR' });
  await delay(50);
  assert.equal(server.requests('receiveVideoFrom').length, 1);
  assert.equal(server.requests('publishVideo').length, 1);
});

test('a peer connection that fails here is released on the server and negotiated again', async () => {
  const { local, alice } = await inCall();
  const oldSub = fake(alice);
  oldSub.fail();
  await until(() => server.requests('receiveVideoFrom').length === 2 && alice.isConnected(), 'resubscribed');
  assert.deepEqual(server.requests('unsubscribeFromVideo').map((r) => r.params), [{ sender: 'alice_webcam' }]);
  assert.equal(oldSub.closed, true);
  fake(local).fail();
  await until(() => server.requests('publishVideo').length === 2 && local.isConnected(), 'republished');
  assert.deepEqual(server.requests('unpublishVideo').map((r) => r.params), [{}]);
});

test('a stream that keeps failing gives up after 5 recoveries a minute, with error-room', async () => {
  const { room, alice } = await inCall();
  const errors: RoomError[] = [];
  room.on('error-room', ({ error }) => errors.push(error));
  for (let i = 0; i < 5; i++) {
    fake(alice).fail();
    await until(() => server.requests('receiveVideoFrom').length === i + 2 && alice.isConnected(), `recovery ${i + 1}`);
  }
  fake(alice).fail();
  await until(() => errors.length === 1, 'giving up');
  assert.match(errors[0]!.message, /Giving up on stream 'alice_webcam': its connection failed 6 times within 60 s; call subscribe\(\) to try again/);
  assert.equal(alice.isConnected(), false);
  assert.equal(server.requests('receiveVideoFrom').length, 6, 'no seventh attempt');
  // The application may still ask again.
  await alice.subscribe();
  assert.equal(alice.isConnected(), true);
});

test('an unsubscribed or unpublished stream is not brought back', async () => {
  const { local, alice } = await inCall();
  await alice.unsubscribe();
  await local.unpublish();
  server.notify('mediaError', { error: 'late', endpointName: 'alice' });
  server.notify('mediaError', { error: 'late', endpointName: 'bob' });
  await delay(50);
  assert.equal(server.requests('receiveVideoFrom').length, 1);
  assert.equal(server.requests('publishVideo').length, 1);
});
