import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { RoomError, type KurentoRoomClient, type Room } from '../src/index.js';
import { FakePeerConnection } from './support/fakeMedia.js';
import { FakeRoomServer, SESSION_ID } from './support/fakeServer.js';
import { connect, delay, nextEvent, record, until } from './support/harness.js';

let server: FakeRoomServer;
let kurento: KurentoRoomClient;
beforeEach(async () => {
  FakePeerConnection.reset();
  server = await FakeRoomServer.start({
    joinRoom: () => ({
      value: [{ id: 'alice', streams: [{ id: 'webcam' }] }, { id: 'carol' }],
      sessionId: SESSION_ID,
    }),
  });
  kurento = await connect(server);
});
afterEach(async () => {
  await kurento.close(true);
  await server.close();
});

const ids = (list: { getID(): string }[]) => list.map((x) => x.getID()).sort();

async function joined(options: Partial<Parameters<KurentoRoomClient['Room']>[0]> = {}): Promise<Room> {
  const room = kurento.Room({ room: 'r1', user: 'bob', ...options });
  const connected = nextEvent(room, 'room-connected');
  await room.connect();
  await connected;
  return room;
}

test('join with existing publishers: room-connected lists them and their streams are subscribed', async () => {
  const room = kurento.Room({ room: 'r1', user: 'bob' });
  const log = record(room, ['room-connected', 'stream-subscribed', 'stream-added']);
  await room.connect();
  assert.deepEqual(server.requests('joinRoom')[0]!.params, { user: 'bob', room: 'r1' });
  const [type, event] = log[0]! as ['room-connected', { participants: { getID(): string }[]; streams: { getGlobalID(): string }[] }];
  assert.equal(type, 'room-connected');
  assert.deepEqual(ids(event.participants), ['alice', 'carol']);
  assert.deepEqual(event.streams.map((s) => s.getGlobalID()), ['alice_webcam']);
  const subscribe = await server.next('receiveVideoFrom', 0);
  assert.equal(subscribe.params!.sender, 'alice_webcam');
  assert.match(String(subscribe.params!.sdpOffer), /fake-offer recvonly,recvonly/);
  await until(() => log.some(([t]) => t === 'stream-subscribed'), 'stream-subscribed');
  const stream = room.getStreams()['alice_webcam']!;
  assert.ok(stream);
  assert.equal(stream.getParticipant().getID(), 'alice');
  assert.equal(stream.isLocal(), false);
  assert.equal(log.filter(([t]) => t === 'stream-added').length, 0, 'streams of the join list come with room-connected');
  const pc = FakePeerConnection.instances[0]!;
  assert.deepEqual(pc.remoteDescription, { type: 'answer', sdp: 'v=0 fake-answer' });
  assert.equal(stream.getMediaStream(), pc.remoteStream as unknown);
  assert.deepEqual(Object.keys(room.getParticipants()).sort(), ['alice', 'bob', 'carol']);
  assert.equal(room.getParticipants()['bob'], room.getLocalParticipant());
  assert.equal(room.getLocalParticipant().isLocal(), true);
  assert.equal(room.getParticipants()['alice']!.isLocal(), false);
});

test('subscribeToStreams: false really disables automatic subscription', async () => {
  const room = await joined({ subscribeToStreams: false });
  const added = nextEvent(room, 'stream-added');
  server.notify('participantPublished', { id: 'carol', streams: [{ id: 'webcam' }] });
  const { stream } = await added;
  await delay(30);
  assert.equal(server.requests('receiveVideoFrom').length, 0);
  assert.equal(FakePeerConnection.instances.length, 0);
  const subscribed = nextEvent(room, 'stream-subscribed');
  await room.subscribe(stream);
  assert.equal((await subscribed).stream, stream);
  assert.equal(server.requests('receiveVideoFrom')[0]!.params!.sender, 'carol_webcam');
});

test('participantJoined then participantPublished: participant-joined, participant-published, stream-added, subscription', async () => {
  const room = await joined();
  const log = record(room, ['participant-joined', 'participant-published', 'stream-added']);
  server.notify('participantJoined', { id: 'dave' });
  server.notify('participantPublished', { id: 'dave', streams: [{ id: 'webcam' }] });
  const subscribe = await server.next('receiveVideoFrom', 1);
  assert.equal(subscribe.params!.sender, 'dave_webcam');
  assert.deepEqual(
    log.map(([t]) => t),
    ['participant-joined', 'participant-published', 'stream-added'],
  );
  const dave = (log[0]![1] as { participant: { getID(): string } }).participant;
  assert.equal(dave.getID(), 'dave');
  assert.equal((log[1]![1] as { participant: unknown }).participant, dave, 'the same Participant object is kept');
  assert.equal((log[2]![1] as { stream: { getGlobalID(): string } }).stream.getGlobalID(), 'dave_webcam');
  assert.ok(room.getStreams()['dave_webcam']);
  assert.ok(room.getStreams()['alice_webcam'], 'streams of different users do not collide');
});

test('participantUnpublished is not a leave: participant-unpublished and stream-removed, the participant stays', async () => {
  const room = await joined();
  await until(() => room.getStreams()['alice_webcam']?.isConnected() === true, 'subscribed');
  const pc = FakePeerConnection.instances[0]!;
  const log = record(room, ['participant-unpublished', 'stream-removed', 'participant-left']);
  server.notify('participantUnpublished', { name: 'alice' });
  await until(() => log.length === 2, 'two events');
  assert.deepEqual(log.map(([t]) => t), ['participant-unpublished', 'stream-removed']);
  const { participant, stream } = log[0]![1] as { participant: { getID(): string }; stream: unknown };
  assert.equal(participant.getID(), 'alice');
  assert.equal((log[1]![1] as { stream: unknown }).stream, stream);
  assert.ok(room.getParticipants()['alice'], 'alice is still in the room');
  assert.equal(room.getStreams()['alice_webcam'], undefined);
  assert.deepEqual(room.getParticipants()['alice']!.getStreams(), {});
  assert.equal(pc.closed, true, 'the subscription connection is closed');
  assert.equal(server.requests('unsubscribeFromVideo').length, 0);

  // she publishes again, then really leaves
  server.notify('participantPublished', { id: 'alice', streams: [{ id: 'webcam' }] });
  await server.next('receiveVideoFrom', 1);
  server.notify('participantLeft', { name: 'alice' });
  await until(() => log.some(([t]) => t === 'participant-left'), 'participant-left');
  assert.deepEqual(log.map(([t]) => t), ['participant-unpublished', 'stream-removed', 'participant-left', 'stream-removed']);
  assert.equal((log[2]![1] as { participant: unknown }).participant, participant, 'the same participant object leaves');
  assert.equal(room.getParticipants()['alice'], undefined);
  assert.equal(FakePeerConnection.instances[1]!.closed, true);
});

test('participantLeft of a participant without streams emits participant-left only', async () => {
  const room = await joined();
  const log = record(room, ['participant-left', 'stream-removed']);
  server.notify('participantLeft', { name: 'carol' });
  await until(() => log.length > 0, 'participant-left');
  await delay(20);
  assert.deepEqual(log.map(([t]) => t), ['participant-left']);
  assert.equal(room.getParticipants()['carol'], undefined);
});

test('leave() sends leaveRoom, closes every connection and the socket, stops the capture, no lost-connection', async () => {
  const room = await joined();
  const local = kurento.Stream(room, { audio: true, video: true });
  await local.init();
  await local.publish();
  await until(() => room.getStreams()['alice_webcam']?.isConnected() === true, 'subscribed');
  let lost = 0;
  room.on('lost-connection', () => lost++);
  const closed = new Promise((resolve) => server.socket!.once('close', resolve));
  await room.leave();
  await closed;
  assert.deepEqual(server.requests('leaveRoom')[0]!.params, {});
  assert.ok(FakePeerConnection.instances.every((pc) => pc.closed));
  const media = local.getLocalMediaStream() as unknown as { getTracks(): { stopped: boolean }[] };
  assert.ok(media.getTracks().every((t) => t.stopped));
  assert.equal(kurento.isConnected(), false);
  await delay(20);
  assert.equal(lost, 0);
  assert.equal(room.isConnected(), false);
});

test('kurento.close(true) leaves without sending leaveRoom', async () => {
  const room = await joined();
  await kurento.close(true);
  await delay(20);
  assert.equal(server.requests('leaveRoom').length, 0);
  assert.equal(room.isConnected(), false);
  assert.equal(kurento.isConnected(), false);
});

test('participantEvicted emits participant-evicted with the local participant and ends the session', async () => {
  const room = await joined();
  await until(() => room.getStreams()['alice_webcam']?.isConnected() === true, 'subscribed');
  const evicted = nextEvent(room, 'participant-evicted');
  server.notify('participantEvicted', {});
  assert.equal((await evicted).localParticipant, room.getLocalParticipant());
  assert.equal(room.isConnected(), false);
  assert.equal(FakePeerConnection.instances[0]!.closed, true);
});

test('roomClosed emits room-closed {room}', async () => {
  const room = await joined();
  const closed = nextEvent(room, 'room-closed');
  server.notify('roomClosed', { room: 'r1' });
  assert.deepEqual(await closed, { room: 'r1' });
  assert.equal(room.isConnected(), false);
  assert.deepEqual(Object.keys(room.getParticipants()), ['bob']);
});

test('chat: sendMessage sends {message, userMessage, roomMessage} and the echo arrives as newMessage', async () => {
  const room = await joined();
  const message = nextEvent(room, 'newMessage');
  await kurento.sendMessage('r1', 'bob', 'hello all');
  assert.deepEqual(server.requests('sendMessage')[0]!.params, { message: 'hello all', userMessage: 'bob', roomMessage: 'r1' });
  assert.deepEqual(await message, { room: 'r1', user: 'bob', message: 'hello all' });
});

test('a join error goes to error-room with the server code and message', async () => {
  server.handlers.joinRoom = () => ({ error: { code: 104, message: "User 'bob' already exists in room 'r1'" } });
  const room = kurento.Room({ room: 'r1', user: 'bob' });
  const failed = nextEvent(room, 'error-room');
  let connected = false;
  room.on('room-connected', () => (connected = true));
  await assert.rejects(room.connect(), (e: RoomError) => e.code === 104);
  const { error } = await failed;
  assert.ok(error instanceof RoomError);
  assert.equal(error.code, 104);
  assert.equal(error.message, "User 'bob' already exists in room 'r1'");
  assert.equal(connected, false);
  assert.equal(room.isConnected(), false);
});

test('a failed subscription and a failed chat message go to error-room', async () => {
  server.handlers.receiveVideoFrom = () => ({ error: { code: 105, message: "User 'alice' is not streaming media in room 'r1'" } });
  server.handlers.sendMessage = () => ({ error: { code: 202, message: "Provided room name 'rX' differs from the participant's room" } });
  const room = kurento.Room({ room: 'r1', user: 'bob' });
  const errors: RoomError[] = [];
  room.on('error-room', ({ error }) => errors.push(error));
  await room.connect();
  await until(() => errors.length === 1, 'subscription error');
  assert.equal(errors[0]!.code, 105);
  assert.equal(FakePeerConnection.instances[0]!.closed, true);
  assert.equal(room.getStreams()['alice_webcam']!.isConnected(), false);
  await assert.rejects(kurento.sendMessage('rX', 'bob', 'x'));
  assert.equal(errors[1]!.code, 202);
});

test('mediaError goes to error-media, custonNotification to custom-message-received', async () => {
  const room = await joined();
  const media = nextEvent(room, 'error-media');
  const custom = nextEvent(room, 'custom-message-received');
  server.notify('mediaError', { error: 'TEST_ERR: Fake media error(errCode=101)' });
  server.notify('custonNotification', { MarkerFilterState: 1 });
  assert.deepEqual(await media, { error: 'TEST_ERR: Fake media error(errCode=101)' });
  assert.deepEqual(await custom, { params: { MarkerFilterState: 1 } });
});

test('remote streams can be unsubscribed and subscribed again', async () => {
  const room = await joined();
  await until(() => room.getStreams()['alice_webcam']?.isConnected() === true, 'subscribed');
  const stream = room.getStreams()['alice_webcam']!;
  await kurento.disconnectParticipant(stream);
  assert.deepEqual(server.requests('unsubscribeFromVideo')[0]!.params, { sender: 'alice_webcam' });
  assert.equal(FakePeerConnection.instances[0]!.closed, true);
  assert.ok(room.getParticipants()['alice'], 'unsubscribing keeps the participant');
  await room.subscribe(stream);
  assert.equal(server.requests('receiveVideoFrom').length, 2);
  assert.equal(stream.isConnected(), true);
});

test('user names containing "_" work: global ids and routing', async () => {
  server.handlers.joinRoom = () => ({ value: [{ id: 'mary_ann', streams: [{ id: 'webcam' }] }], sessionId: SESSION_ID });
  const room = await joined();
  const subscribe = await server.next('receiveVideoFrom', 0);
  assert.equal(subscribe.params!.sender, 'mary_ann_webcam');
  await until(() => room.getStreams()['mary_ann_webcam']?.isConnected() === true, 'subscribed');
  server.notify('iceCandidate', { endpointName: 'mary_ann', candidate: 'candidate:9 1 udp 1 10.0.0.9 9 typ host', sdpMid: '1', sdpMLineIndex: 1 });
  await until(() => FakePeerConnection.instances[0]!.candidates.length === 1, 'candidate added');
});
