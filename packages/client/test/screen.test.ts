// Screen streams and several streams per participant in the client, against a scripted server
// with fake media: `screen: true` captures with getDisplayMedia (not getUserMedia), a refusal is
// access-denied, the browser's own "Stop sharing" unpublishes and releases the stream and the room
// emits stream-removed for it while the webcam stays, and server messages for user `alice_screen`
// and alice's `screen` reach the right connection through `sender`.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { KurentoRoomClient, Room, Stream } from '../src/index.js';
import { FakeMediaStream, FakePeerConnection, FakeTrack, fakeGetUserMedia } from './support/fakeMedia.js';
import { FakeRoomServer, SESSION_ID } from './support/fakeServer.js';
import { connect, nextEvent, record, until } from './support/harness.js';

let server: FakeRoomServer;
let kurento: KurentoRoomClient;
let cameraAsks: unknown[];
let displayAsks: unknown[];
/** What the next getDisplayMedia does: give a screen capture, or refuse as a user who says no. */
let refuseDisplay: boolean;

function fakeGetDisplayMedia() {
  return async (options: unknown) => {
    displayAsks.push(options);
    if (refuseDisplay) throw Object.assign(new Error('Permission denied by user'), { name: 'NotAllowedError' });
    return new FakeMediaStream([new FakeTrack('video')]) as unknown as MediaStream;
  };
}

beforeEach(async () => {
  FakePeerConnection.reset();
  cameraAsks = [];
  displayAsks = [];
  refuseDisplay = false;
  server = await FakeRoomServer.start();
  kurento = await connect(server, { getUserMedia: fakeGetUserMedia(cameraAsks), getDisplayMedia: fakeGetDisplayMedia() as never });
});
afterEach(async () => {
  await kurento.close(true);
  await server.close();
});

async function joined(user = 'bob'): Promise<Room> {
  const room = kurento.Room({ room: 'r1', user });
  await room.connect();
  return room;
}

const videoTrack = (stream: Stream) => stream.getLocalMediaStream()!.getVideoTracks()[0] as unknown as FakeTrack;

describe('screen streams', () => {
  it('screen: true captures with getDisplayMedia, without audio by default, and publishes as SCREEN', async () => {
    const room = await joined();
    const screen = kurento.Stream(room, { id: 'screen', screen: true });
    const accepted = nextEvent(screen, 'access-accepted');
    assert.equal(await screen.init(), true);
    await accepted;
    assert.deepEqual(displayAsks, [{ audio: false, video: true }]);
    assert.deepEqual(cameraAsks, [], 'the camera is not asked for');
    assert.equal(screen.getTypeOfVideo(), 'SCREEN');
    await screen.publish();
    const publish = server.requests('publishVideo')[0]!.params!;
    assert.equal(publish.streamId, 'screen');
    assert.deepEqual(
      { hasAudio: publish.hasAudio, hasVideo: publish.hasVideo, typeOfVideo: publish.typeOfVideo },
      { hasAudio: false, hasVideo: true, typeOfVideo: 'SCREEN' },
    );
  });

  it('audio: true asks the display capture for sound; video constraints go to it too', async () => {
    const room = await joined();
    const screen = kurento.Stream(room, { id: 'screen', screen: true, audio: true, video: { frameRate: 5 } });
    assert.equal(await screen.init(), true);
    assert.deepEqual(displayAsks, [{ audio: true, video: { frameRate: 5 } }]);
  });

  it('a given mediaStream wins over the capture; typeOfVideo is still SCREEN', async () => {
    const room = await joined();
    const canvasCapture = new FakeMediaStream([new FakeTrack('video')]) as unknown as MediaStream;
    const screen = kurento.Stream(room, { id: 'screen', screen: true, mediaStream: canvasCapture });
    assert.equal(await screen.init(), true);
    assert.deepEqual(displayAsks, []);
    assert.equal(screen.getLocalMediaStream(), canvasCapture);
    assert.equal(screen.getTypeOfVideo(), 'SCREEN');
  });

  it('a user who refuses the share gets access-denied with the browser error; nothing is published', async () => {
    const room = await joined();
    refuseDisplay = true;
    const screen = kurento.Stream(room, { id: 'screen', screen: true, audio: false });
    const denied = nextEvent(screen, 'access-denied');
    assert.equal(await screen.init(), false);
    assert.equal(((await denied).error as Error).name, 'NotAllowedError');
    assert.equal(server.requests('publishVideo').length, 0);
  });

  it('video: false cannot be a screen capture: access-denied names it, getDisplayMedia is not called', async () => {
    const room = await joined();
    const screen = kurento.Stream(room, { id: 'screen', screen: true, video: false });
    const denied = nextEvent(screen, 'access-denied');
    assert.equal(await screen.init(), false);
    assert.match(String((await denied).error), /A screen stream has video/);
    assert.deepEqual(displayAsks, []);
  });

  it("the browser's Stop sharing unpublishes and releases the screen and emits stream-removed; the webcam stays", async () => {
    const room = await joined();
    const webcam = kurento.Stream(room, {});
    const screen = kurento.Stream(room, { id: 'screen', screen: true, audio: false });
    await webcam.init();
    await screen.init();
    await webcam.publish();
    await screen.publish();
    assert.deepEqual(Object.keys(room.getLocalParticipant().getStreams()).sort(), ['screen', 'webcam']);
    const screenPc = screen.getRTCPeerConnection() as unknown as FakePeerConnection;
    const webcamPc = webcam.getRTCPeerConnection() as unknown as FakePeerConnection;
    const removed = nextEvent(room, 'stream-removed');

    videoTrack(screen).end();

    assert.equal((await removed).stream, screen);
    await until(() => server.requests('unpublishVideo').length === 1, 'unpublishVideo');
    assert.deepEqual(server.requests('unpublishVideo')[0]!.params, { streamId: 'screen' });
    assert.equal(screenPc.closed, true);
    assert.equal(screen.isConnected(), false);
    assert.ok(screen.getLocalMediaStream()!.getTracks().every((t) => (t as unknown as FakeTrack).stopped), 'capture released');
    assert.deepEqual(Object.keys(room.getLocalParticipant().getStreams()), ['webcam']);
    assert.deepEqual(Object.keys(room.getStreams()), ['bob_webcam']);
    assert.equal(webcamPc.closed, false);
    assert.equal(webcam.isConnected(), true);
  });

  it('the application stopping a screen track itself, or disposing the stream, is no Stop sharing', async () => {
    const room = await joined();
    const screen = kurento.Stream(room, { id: 'screen', screen: true });
    await screen.init();
    await screen.publish();
    const events = record(room, ['stream-removed']);
    videoTrack(screen).stop();
    screen.dispose();
    // A track that ends after the stream was disposed finds nobody listening.
    videoTrack(screen).end();
    // A request answered after these: an unpublishVideo sent meanwhile would have arrived first.
    await room.request('customRequest', {});
    assert.deepEqual(events, []);
    assert.equal(server.requests('unpublishVideo').length, 0);
  });

  it('a camera stream whose track ends is left to the application (only screen streams follow their capture)', async () => {
    const room = await joined();
    const webcam = kurento.Stream(room, {});
    await webcam.init();
    await webcam.publish();
    const events = record(room, ['stream-removed']);
    videoTrack(webcam).end();
    await room.request('customRequest', {});
    assert.deepEqual(events, []);
    assert.equal(webcam.isConnected(), true);
    assert.equal(server.requests('unpublishVideo').length, 0);
  });
});

describe("user 'alice_screen' and alice's 'screen' in one room", () => {
  beforeEach(() => {
    server.handlers.joinRoom = () => ({
      value: [
        { id: 'alice_screen', streams: [{ id: 'webcam', hasAudio: true, hasVideo: true, typeOfVideo: 'CAMERA' }] },
        { id: 'alice', streams: [{ id: 'screen', hasAudio: false, hasVideo: true, typeOfVideo: 'SCREEN' }] },
      ],
      sessionId: SESSION_ID,
    });
  });

  async function subscribedRoom(): Promise<{ room: Room; camera: FakePeerConnection; screen: FakePeerConnection }> {
    const room = await joined();
    await until(() => Object.values(room.getStreams()).every((s) => s.isConnected()), 'both subscribed');
    const streams = room.getStreams();
    assert.deepEqual(Object.keys(streams).sort(), ['alice_screen', 'alice_screen_webcam']);
    assert.equal(streams['alice_screen']!.getParticipant().getID(), 'alice');
    assert.equal(streams['alice_screen']!.getTypeOfVideo(), 'SCREEN');
    assert.equal(streams['alice_screen_webcam']!.getParticipant().getID(), 'alice_screen');
    assert.equal(streams['alice_screen_webcam']!.getTypeOfVideo(), 'CAMERA');
    return {
      room,
      camera: streams['alice_screen_webcam']!.getRTCPeerConnection() as unknown as FakePeerConnection,
      screen: streams['alice_screen']!.getRTCPeerConnection() as unknown as FakePeerConnection,
    };
  }

  it('subscribes to each by its global id and sends candidates naming each by sender', async () => {
    await subscribedRoom();
    const senders = server.requests('receiveVideoFrom').map((r) => r.params!.sender).sort();
    assert.deepEqual(senders, ['alice_screen', 'alice_screen_webcam']);
    await until(() => new Set(server.requests('onIceCandidate').map((r) => r.params!.sender)).size === 2, 'candidates of both');
    for (const r of server.requests('onIceCandidate')) {
      // Both endpoints have the original endpointName 'alice_screen'; only sender tells them apart.
      assert.equal(r.params!.endpointName, 'alice_screen');
    }
  });

  it('routes iceCandidate by sender: the same endpointName reaches two different connections', async () => {
    const { camera, screen } = await subscribedRoom();
    const base = { endpointName: 'alice_screen', sdpMid: '0', sdpMLineIndex: 0 };
    server.notify('iceCandidate', { ...base, sender: 'alice_screen', candidate: 'candidate:7 1 udp 1 10.0.0.7 7 typ host' });
    server.notify('iceCandidate', { ...base, sender: 'alice_screen_webcam', candidate: 'candidate:8 1 udp 1 10.0.0.8 8 typ host' });
    await until(() => camera.candidates.length === 1 && screen.candidates.length === 1, 'one candidate each');
    assert.match((screen.candidates[0] as RTCIceCandidateInit).candidate!, /^candidate:7 /);
    assert.match((camera.candidates[0] as RTCIceCandidateInit).candidate!, /^candidate:8 /);
  });

  it("a mediaError naming alice's screen by sender recovers that subscription only", async () => {
    const { room, camera, screen } = await subscribedRoom();
    const failed = nextEvent(room, 'error-media');
    server.notify('mediaError', { error: 'ICE_FAILED', endpointName: 'alice_screen', sender: 'alice_screen' });
    assert.equal((await failed).stream, room.getStreams()['alice_screen']);
    await until(() => server.requests('receiveVideoFrom').length === 3, 'the screen subscribed again');
    assert.equal(server.requests('receiveVideoFrom')[2]!.params!.sender, 'alice_screen');
    assert.equal(screen.closed, true);
    assert.equal(camera.closed, false);
  });
});
