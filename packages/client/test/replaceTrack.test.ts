// Stream.replaceTrack against the real room server (werift inside) with @roamhq/wrtc: a published
// camera is replaced by a source of another brightness and the subscriber decodes the new picture
// on the same subscription, with no new negotiation; the new track keeps the mute state; what
// cannot be replaced without a negotiation is refused and leaves the stream as it was.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import wrtc from '@roamhq/wrtc';
import { createRoomServer, type RoomServer } from '@kurento-room/server';
import { WebSocket } from 'ws';
import { KurentoRoom, type KurentoRoomClient, type Room, type Stream } from '../src/index.js';
import { until } from './support/harness.js';
import { stopAllMedia, syntheticGetUserMedia } from './support/nodeMedia.js';

const { nonstandard } = wrtc;
const WIDTH = 160;
const HEIGHT = 120;

let server: RoomServer;
const rooms: Room[] = [];
/** Stops the feeds and sinks this file starts itself (nodeMedia's own are stopped by stopAllMedia). */
const stops: (() => void)[] = [];

before(async () => {
  server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'warn', media: { workers: 1 } });
});

after(async () => {
  for (const stop of stops.splice(0)) stop();
  for (const room of rooms) await room.leave().catch(() => undefined);
  stopAllMedia();
  await server.close();
});

/** A video track of flat frames of one luma (the synthetic camera is a gradient averaging ~127). */
function flatVideoTrack(luma: number): MediaStreamTrack {
  const source = new nonstandard.RTCVideoSource();
  const track = source.createTrack() as unknown as MediaStreamTrack;
  const data = new Uint8Array((WIDTH * HEIGHT * 3) / 2);
  data.fill(luma, 0, WIDTH * HEIGHT);
  data.fill(128, WIDTH * HEIGHT);
  const timer = setInterval(() => {
    if (track.readyState === 'ended') clearInterval(timer);
    else source.onFrame({ width: WIDTH, height: HEIGHT, data });
  }, 66);
  stops.push(() => clearInterval(timer));
  return track;
}

/** A silent audio track (a microphone picked instead of the first). */
function audioTrack(): MediaStreamTrack {
  const source = new nonstandard.RTCAudioSource();
  const track = source.createTrack() as unknown as MediaStreamTrack;
  const samples = new Int16Array(480);
  const timer = setInterval(() => {
    if (track.readyState === 'ended') clearInterval(timer);
    else source.onData({ samples, sampleRate: 48_000 });
  }, 10);
  stops.push(() => clearInterval(timer));
  return track;
}

/** Counts the frames decoded from a received stream and keeps the mean luma of the latest one. */
function watchPicture(media: MediaStream): { frames: number; luma: number } {
  const sink = new nonstandard.RTCVideoSink(media.getVideoTracks()[0] as never);
  const seen = { frames: 0, luma: -1 };
  sink.onframe = ({ frame }: { frame: { width: number; height: number; data: Uint8Array } }) => {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < frame.width * frame.height; i += 7, n++) sum += frame.data[i]!;
    seen.frames++;
    seen.luma = sum / n;
  };
  stops.unshift(() => sink.stop());
  return seen;
}

interface Joined {
  room: Room;
  local?: Stream;
  /** The methods of every request the room sent, in order. */
  requests: string[];
}

async function join(user: string, publish?: { audio: boolean; video: boolean }): Promise<Joined> {
  const kurento = await new Promise<KurentoRoomClient>((resolve, reject) => {
    KurentoRoom(server.wsUrl, (error, k) => (error ? reject(error) : resolve(k!)), {
      WebSocket: WebSocket as any,
      RTCPeerConnection: wrtc.RTCPeerConnection as any,
      getUserMedia: syntheticGetUserMedia({ width: WIDTH, height: HEIGHT, fps: 15 }),
      requestTimeout: 10_000,
    });
  });
  const room = kurento.Room({ room: 'replace', user });
  rooms.push(room);
  const requests: string[] = [];
  const send = room.request.bind(room);
  room.request = (method, params) => {
    requests.push(method);
    return send(method, params);
  };
  let local: Stream | undefined;
  if (publish) {
    local = kurento.Stream(room, publish);
    assert.equal(await local.init(), true);
  }
  await room.connect();
  if (local) await local.publish();
  return { room, local, requests };
}

describe('Stream.replaceTrack', () => {
  it('a published camera is replaced without a negotiation: the subscriber decodes the new picture on the same subscription', async () => {
    const alice = await join('alice', { audio: true, video: true });
    const local = alice.local!;
    const bob = await join('bob');
    const bobEvents: string[] = [];
    bob.room.on('stream-added', ({ stream }) => bobEvents.push(`added ${stream.getGlobalID()}`));
    bob.room.on('stream-removed', ({ stream }) => bobEvents.push(`removed ${stream.getGlobalID()}`));
    const seen = bob.room.getStreams()['alice_webcam']!;
    await until(() => seen.getMediaStream() !== undefined, 'bob to receive alice', 15_000);
    const picture = watchPicture(seen.getMediaStream()!);
    await until(() => picture.frames >= 5, 'bob to decode the gradient', 15_000);
    assert.ok(picture.luma > 90 && picture.luma < 165, `the gradient averages ~127 (${picture.luma})`);

    const pc = local.getRTCPeerConnection()!;
    const offer = pc.localDescription!.sdp;
    const camera = local.getLocalMediaStream()!.getVideoTracks()[0]!;
    const dark = flatVideoTrack(20);
    await local.replaceTrack(dark);

    assert.equal(camera.readyState, 'ended', 'the previous camera is stopped');
    assert.deepEqual(local.getLocalMediaStream()!.getVideoTracks(), [dark]);
    assert.equal(local.getLocalMediaStream()!.getAudioTracks().length, 1, 'the microphone stays');
    assert.equal(local.getRTCPeerConnection(), pc, 'the same connection');
    assert.equal(pc.getSenders().find((s) => s.track?.kind === 'video')?.track, dark, 'its sender sends the new track');
    // The old camera is stopped, so frames decoded from now on come from the new track; the
    // flat picture is told from the gradient by its brightness.
    const before = picture.frames;
    await until(() => picture.frames >= before + 5 && picture.luma < 50, `bob to decode the dark picture (luma ${picture.luma})`, 15_000);
    assert.equal(pc.localDescription!.sdp, offer, 'no new offer');
    assert.equal(pc.signalingState, 'stable');
    assert.deepEqual(alice.requests.filter((m) => m === 'publishVideo'), ['publishVideo'], 'one publishVideo, before the replacement');
    assert.deepEqual(bobEvents, [], 'no stream-removed / stream-added at the subscriber');
    assert.equal(bob.room.getStreams()['alice_webcam'], seen, 'the same remote stream');
  });

  it('the new track takes the mute state; a replacement the stream cannot take is refused and changes nothing', async () => {
    const carol = await join('carol', { audio: true, video: true });
    const local = carol.local!;
    local.setAudioEnabled(false);
    const microphone = audioTrack();
    await local.replaceTrack(microphone);
    assert.equal(microphone.enabled, false, 'a muted stream stays muted with the new microphone');
    assert.equal(local.isAudioActive(), false);
    local.setAudioEnabled(true);
    assert.equal(microphone.enabled, true, 'and unmuting reaches the new track');
    assert.equal(local.getRTCPeerConnection()!.getSenders().find((s) => s.track?.kind === 'audio')?.track, microphone);

    const videoOnly = (await join('dave', { audio: false, video: true })).local!;
    const camera = videoOnly.getLocalMediaStream()!.getVideoTracks()[0]!;
    const extra = audioTrack();
    await assert.rejects(videoOnly.replaceTrack(extra), /Stream 'dave_webcam' has no audio track to replace: adding one needs a new negotiation/);
    assert.equal(extra.readyState, 'live', 'the refused track is left alone');
    assert.deepEqual(videoOnly.getLocalMediaStream()!.getTracks(), [camera], 'the stream is unchanged');
    assert.equal(camera.readyState, 'live');
    extra.stop();

    const ended = flatVideoTrack(200);
    ended.stop();
    await assert.rejects(videoOnly.replaceTrack(ended), /The new video track for 'dave_webcam' has ended/);
    assert.deepEqual(videoOnly.getLocalMediaStream()!.getTracks(), [camera]);

    const erin = await join('erin');
    const remote = erin.room.getStreams()['carol_webcam']!;
    await assert.rejects(remote.replaceTrack(flatVideoTrack(200)), /Stream 'carol_webcam' is remote: only the tracks of a local stream can be replaced/);
  });
});
