import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { RoomError, type KurentoRoomClient, type Room } from '../src/index.js';
import { FakeMediaStream, FakePeerConnection, LOCAL_CANDIDATE, fakeGetUserMedia } from './support/fakeMedia.js';
import { FakeRoomServer, NO_ANSWER, SESSION_ID, type Received } from './support/fakeServer.js';
import { connect, delay, nextEvent, record, until } from './support/harness.js';

let server: FakeRoomServer;
let kurento: KurentoRoomClient;
let constraints: unknown[];
beforeEach(async () => {
  FakePeerConnection.reset();
  constraints = [];
  server = await FakeRoomServer.start({
    joinRoom: () => ({ value: [{ id: 'alice', streams: [{ id: 'webcam' }] }], sessionId: SESSION_ID }),
  });
  kurento = await connect(server, { getUserMedia: fakeGetUserMedia(constraints) });
});
afterEach(async () => {
  await kurento.close(true);
  await server.close();
});

async function joined(): Promise<Room> {
  const room = kurento.Room({ room: 'r1', user: 'bob' });
  await room.connect();
  return room;
}

test('init() asks getUserMedia with the given constraints and emits access-accepted', async () => {
  const room = kurento.Room({ room: 'r1', user: 'bob' });
  const stream = kurento.Stream(room, { audio: false, video: { width: { ideal: 640 } } });
  const accepted = nextEvent(stream, 'access-accepted');
  assert.equal(await stream.init(), true);
  assert.equal((await accepted).stream, stream);
  assert.deepEqual(constraints, [{ audio: false, video: { width: { ideal: 640 } } }]);
  assert.equal(stream.getID(), 'webcam');
  assert.equal(stream.getGlobalID(), 'bob_webcam');
  assert.equal(stream.getParticipant(), room.getLocalParticipant());
  assert.equal(room.getStreams()['bob_webcam'], stream);
  assert.ok(stream.getMediaStream() instanceof FakeMediaStream);
  const defaults = kurento.Stream(room, { id: 'screen' });
  await defaults.init();
  assert.deepEqual(constraints[1], { audio: true, video: true });
});

test('init() emits access-denied when getUserMedia fails', async () => {
  const denying = await connect(server, { getUserMedia: fakeGetUserMedia([], true) });
  try {
    const room = denying.Room({ room: 'r1', user: 'bob' });
    const stream = denying.Stream(room, {});
    const denied = nextEvent(stream, 'access-denied');
    assert.equal(await stream.init(), false);
    const { error } = await denied;
    assert.equal((error as Error).name, 'NotAllowedError');
  } finally {
    await denying.close(true);
  }
});

test('publish(): sendonly offer, publishVideo {sdpOffer, doLoopback:false, track fields}, stream-published after the answer is applied', async () => {
  const room = await joined();
  const stream = kurento.Stream(room, {});
  await stream.init();
  let answerAppliedAtEvent: unknown = 'not emitted';
  room.on('stream-published', ({ stream: s }) => {
    assert.equal(s, stream);
    answerAppliedAtEvent = s.getRTCPeerConnection()!.remoteDescription;
  });
  await stream.publish();
  const publish = server.requests('publishVideo')[0]!;
  const pc = FakePeerConnection.instances.find((p) => p.directions.includes('sendonly'))!;
  // The track fields are an extension: an original server ignores them.
  const tracks = { hasAudio: true, hasVideo: true, audioActive: true, videoActive: true, typeOfVideo: 'CAMERA' };
  assert.deepEqual(publish.params, { sdpOffer: pc.localDescription!.sdp, doLoopback: false, ...tracks });
  assert.deepEqual(pc.directions, ['sendonly', 'sendonly']);
  assert.deepEqual(answerAppliedAtEvent, { type: 'answer', sdp: 'v=0 fake-answer' });
  assert.equal(stream.isConnected(), true);
  // own candidates go out with the own user name
  await until(() => server.requests('onIceCandidate').some((r) => r.params!.endpointName === 'bob'), 'own candidate');
  const candidate = server.requests('onIceCandidate').find((r) => r.params!.endpointName === 'bob')!;
  assert.deepEqual(candidate.params, { endpointName: 'bob', sender: 'bob_webcam', ...LOCAL_CANDIDATE });
});

test('a second publish() while publishing does not send a second publishVideo', async () => {
  const room = await joined();
  const stream = kurento.Stream(room, {});
  await stream.init();
  await Promise.all([stream.publish(), stream.publish()]);
  await stream.publish();
  assert.equal(server.requests('publishVideo').length, 1);
});

test('publish() before joining fails with error-room and sends nothing', async () => {
  const room = kurento.Room({ room: 'r1', user: 'bob' });
  const stream = kurento.Stream(room, {});
  await stream.init();
  const failed = nextEvent(room, 'error-room');
  await assert.rejects(stream.publish(), /not joined to room 'r1'/);
  assert.match((await failed).error.message, /Publishing 'bob_webcam'.*not joined/);
  assert.equal(server.requests('publishVideo').length, 0);
  assert.equal(FakePeerConnection.instances.length, 0);
});

test('unpublish() tells the server and closes the connection; publishing again works', async () => {
  const room = await joined();
  const stream = kurento.Stream(room, {});
  await stream.init();
  await stream.publish();
  const pc = stream.getRTCPeerConnection() as unknown as FakePeerConnection;
  await stream.unpublish();
  assert.deepEqual(server.requests('unpublishVideo')[0]!.params, {});
  assert.equal(pc.closed, true);
  assert.equal(stream.isConnected(), false);
  const media = stream.getLocalMediaStream() as unknown as FakeMediaStream;
  assert.ok(media.getTracks().every((t) => !t.stopped), 'the capture stays for a later publish');
  await stream.publish();
  assert.equal(server.requests('publishVideo').length, 2);
});

test('a stream other than webcam sends its streamId and uses its global id as endpointName', async () => {
  const room = await joined();
  const screen = kurento.Stream(room, { id: 'screen', audio: false });
  await screen.init();
  await screen.publish();
  assert.equal(server.requests('publishVideo')[0]!.params!.streamId, 'screen');
  await until(() => server.requests('onIceCandidate').some((r) => r.params!.endpointName === 'bob_screen'), 'screen candidate');
  const pc = screen.getRTCPeerConnection() as unknown as FakePeerConnection;
  server.notify('iceCandidate', { endpointName: 'bob_screen', candidate: 'candidate:2 1 udp 1 10.0.0.2 2 typ host', sdpMid: '0', sdpMLineIndex: 0 });
  await until(() => pc.candidates.length === 1, 'screen candidate applied');
  await screen.unpublish();
  assert.deepEqual(server.requests('unpublishVideo')[0]!.params, { streamId: 'screen' });
});

test('ICE: remote candidates are held until the answer is applied and routed by endpointName', async () => {
  let releaseAnswer!: () => void;
  const answerGate = new Promise<void>((resolve) => (releaseAnswer = resolve));
  server.handlers.publishVideo = async () => {
    await answerGate;
    return { sdpAnswer: 'v=0 publish-answer', sessionId: SESSION_ID };
  };
  const room = await joined();
  await until(() => room.getStreams()['alice_webcam']?.isConnected() === true, 'subscribed to alice');
  const subscriptionPc = room.getStreams()['alice_webcam']!.getRTCPeerConnection() as unknown as FakePeerConnection;
  const stream = kurento.Stream(room, {});
  await stream.init();
  const published = stream.publish();
  await server.next('publishVideo', 0);
  const publishPc = stream.getRTCPeerConnection() as unknown as FakePeerConnection;
  const own = { endpointName: 'bob', candidate: 'candidate:1 1 UDP 2013266431 10.0.0.2 23456 typ host', sdpMid: '0', sdpMLineIndex: 0 };
  const theirs = { endpointName: 'alice', candidate: 'candidate:3 1 UDP 2013266431 10.0.0.3 3456 typ host', sdpMid: '1', sdpMLineIndex: 1 };
  server.notify('iceCandidate', own);
  server.notify('iceCandidate', theirs);
  server.notify('iceCandidate', { ...theirs, endpointName: 'nobody' });
  await until(() => subscriptionPc.candidates.length === 1, 'alice candidate');
  assert.deepEqual(subscriptionPc.candidates, [{ candidate: theirs.candidate, sdpMid: '1', sdpMLineIndex: 1 }]);
  assert.equal(publishPc.remoteDescription, null);
  assert.deepEqual(publishPc.candidates, [], 'held until the answer');
  releaseAnswer();
  await published;
  assert.deepEqual(publishPc.candidates, [{ candidate: own.candidate, sdpMid: '0', sdpMLineIndex: 0 }]);
  // the subscription's own candidates name the publisher
  const sent = server.requests('onIceCandidate').map((r: Received) => r.params!.endpointName);
  assert.ok(sent.includes('alice'));
  assert.ok(sent.includes('bob'));
});

test('loopback: subscribeToMyRemote() publishes sendrecv with doLoopback:true and emits stream-subscribed for the local stream', async () => {
  const room = await joined();
  const stream = kurento.Stream(room, {});
  await stream.init();
  stream.subscribeToMyRemote();
  assert.equal(stream.displayMyRemote(), true);
  const subscribed: unknown[] = [];
  room.on('stream-subscribed', ({ stream: s }) => subscribed.push(s));
  await stream.publish();
  assert.equal(server.requests('publishVideo')[0]!.params!.doLoopback, true);
  const pc = stream.getRTCPeerConnection() as unknown as FakePeerConnection;
  assert.deepEqual(pc.directions, ['sendrecv', 'sendrecv']);
  assert.ok(subscribed.includes(stream));
  assert.equal(stream.getMediaStream(), pc.remoteStream as unknown, 'the looped-back media is displayed');
  assert.notEqual(stream.getLocalMediaStream(), stream.getMediaStream());
});

test('data: joinRoom with dataChannels, a channel on publish and on subscriptions, data events, sendData', async () => {
  const room = kurento.Room({ room: 'r1', user: 'bob' });
  const local = kurento.Stream(room, { data: true });
  await local.init();
  await room.connect();
  assert.deepEqual(server.requests('joinRoom')[0]!.params, { user: 'bob', room: 'r1', dataChannels: true });
  await until(() => room.getStreams()['alice_webcam']?.isConnected() === true, 'subscribed');
  const remote = room.getStreams()['alice_webcam']!;
  const subscriptionPc = remote.getRTCPeerConnection() as unknown as FakePeerConnection;
  assert.equal(subscriptionPc.channels.length, 1);
  assert.equal(subscriptionPc.channels[0]!.label, 'alice_webcam');
  const data = nextEvent(remote, 'data');
  subscriptionPc.channels[0]!.onmessage!({ data: 'hello from alice' });
  assert.deepEqual(await data, { stream: remote, data: 'hello from alice' });

  assert.throws(() => local.sendData('too early'), /data channel of stream 'bob_webcam' is not open/);
  await local.publish();
  const publishPc = local.getRTCPeerConnection() as unknown as FakePeerConnection;
  assert.equal(local.isDataChannelOpened(), true);
  local.sendData('hi everyone');
  assert.deepEqual(publishPc.channels[0]!.sent, ['hi everyone']);
});

test('without data no channel is created and joinRoom has no dataChannels', async () => {
  const room = await joined();
  await until(() => room.getStreams()['alice_webcam']?.isConnected() === true, 'subscribed');
  assert.deepEqual(server.requests('joinRoom')[0]!.params, { user: 'bob', room: 'r1' });
  assert.equal(FakePeerConnection.instances[0]!.channels.length, 0);
});

test('setAudioEnabled / setVideoEnabled toggle the local tracks; getters follow', async () => {
  const room = kurento.Room({ room: 'r1', user: 'bob' });
  const stream = kurento.Stream(room, {});
  await stream.init();
  const media = stream.getLocalMediaStream() as unknown as FakeMediaStream;
  stream.setAudioEnabled(false);
  assert.equal(stream.isAudioEnabled(), false);
  assert.deepEqual(media.getAudioTracks().map((t) => t.enabled), [false]);
  assert.deepEqual(media.getVideoTracks().map((t) => t.enabled), [true]);
  stream.setVideoEnabled(false);
  stream.setAudioEnabled(true);
  assert.deepEqual(media.getTracks().map((t) => [t.kind, t.enabled]), [['audio', true], ['video', false]]);
  assert.equal(stream.isVideoEnabled(), false);
  await room.connect();
  await stream.publish();
  const peer = stream.getWebRtcPeer()!;
  peer.videoEnabled = true;
  assert.equal(media.getVideoTracks()[0]!.enabled, true);
});

test('a publish answer error goes to error-room and closes the connection', async () => {
  server.handlers.publishVideo = () => ({ error: { code: 303, message: 'Unable to create publisher endpoint' } });
  const room = await joined();
  const stream = kurento.Stream(room, {});
  await stream.init();
  const failed = nextEvent(room, 'error-room');
  await assert.rejects(stream.publish(), (e: RoomError) => e.code === 303);
  assert.equal((await failed).error.code, 303);
  const pc = FakePeerConnection.instances.find((p) => p.directions.includes('sendonly'))!;
  assert.equal(pc.closed, true);
  assert.equal(stream.isConnected(), false);
});

test('a subscription whose answer never comes times out into error-room', async () => {
  server.handlers.receiveVideoFrom = () => NO_ANSWER;
  const slow = await connect(server, { requestTimeout: 120 });
  try {
    const room = slow.Room({ room: 'r1', user: 'bob' });
    const failed = nextEvent(room, 'error-room');
    await room.connect();
    const { error } = await failed;
    assert.equal(error.code, 803);
    assert.match(error.message, /receiveVideoFrom/);
    await delay(10);
    assert.equal(room.getStreams()['alice_webcam']!.isConnected(), false);
  } finally {
    await slow.close(true);
  }
});

test('setVideoEnabled / setAudioEnabled on a published stream send streamPropertyChanged; an original server refusing it is no error', async () => {
  const room = await joined();
  const stream = kurento.Stream(room, {});
  await stream.init();
  // Muted before publishing: publishVideo carries the state, nothing else is sent.
  stream.setAudioEnabled(false);
  await stream.publish();
  assert.equal(server.requests('publishVideo')[0]!.params!.audioActive, false);
  assert.equal(server.requests('streamPropertyChanged').length, 0);
  const errors = record(room, ['error-room']);
  stream.setVideoEnabled(false);
  const sent = await server.next('streamPropertyChanged', 0);
  assert.deepEqual(sent.params, { streamId: 'webcam', property: 'videoActive', newValue: false });
  assert.equal(stream.getLocalMediaStream()!.getVideoTracks()[0]!.enabled, false, 'the track is disabled all the same');
  assert.equal(stream.isVideoActive(), false);
  // The same state again sends nothing; the fake server answers -32601 as the original would.
  stream.setVideoEnabled(false);
  stream.setVideoEnabled(true);
  assert.deepEqual((await server.next('streamPropertyChanged', 1)).params, { streamId: 'webcam', property: 'videoActive', newValue: true });
  await delay(50);
  assert.equal(server.requests('streamPropertyChanged').length, 2);
  assert.deepEqual(errors, [], 'no error-room for a server without mute signalling');
});
