// Track fields and mute state through the client library, against the real room server (werift
// inside) with @roamhq/wrtc: what a remote stream answers (hasAudio, hasVideo, isAudioActive,
// isVideoActive, getTypeOfVideo), the `stream-property-changed` events an early joiner gets when
// the publisher calls setVideoEnabled / setAudioEnabled, the state a late joiner finds in the
// join result, and a subscriber of a video-only publisher offering video alone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import wrtc from '@roamhq/wrtc';
import { createRoomServer, type RoomServer } from '@kurento-room/server';
import { WebSocket } from 'ws';
import { KurentoRoom, type KurentoRoomClient, type Room, type RoomEventMap, type Stream } from '../src/index.js';
import { until } from './support/harness.js';
import { countDecodedFrames, stopAllMedia, syntheticGetUserMedia, type FrameCounter } from './support/nodeMedia.js';

let server: RoomServer;
const rooms: Room[] = [];
const counters: FrameCounter[] = [];

interface Joined {
  kurento: KurentoRoomClient;
  room: Room;
  local?: Stream;
  changes: RoomEventMap['stream-property-changed'][];
  connected: RoomEventMap['room-connected'];
  frames: Map<string, FrameCounter>;
}

async function join(user: string, publish?: { audio: boolean; video: boolean }): Promise<Joined> {
  const kurento = await new Promise<KurentoRoomClient>((resolve, reject) => {
    KurentoRoom(server.wsUrl, (error, k) => (error ? reject(error) : resolve(k!)), {
      WebSocket: WebSocket as any,
      RTCPeerConnection: wrtc.RTCPeerConnection as any,
      getUserMedia: syntheticGetUserMedia({ width: 160, height: 120, fps: 15 }),
      requestTimeout: 10_000,
    });
  });
  const room = kurento.Room({ room: 'tracks', user });
  rooms.push(room);
  const changes: Joined['changes'] = [];
  const frames = new Map<string, FrameCounter>();
  room.on('stream-property-changed', (event) => changes.push(event));
  room.on('stream-subscribed', ({ stream }) => {
    const media = stream.getMediaStream();
    if (stream.isLocal() || !media || media.getVideoTracks().length === 0) return;
    const counter = countDecodedFrames(media);
    counters.push(counter);
    frames.set(stream.getGlobalID(), counter);
  });
  const connected = new Promise<RoomEventMap['room-connected']>((resolve) => room.on('room-connected', resolve));
  let local: Stream | undefined;
  if (publish) {
    local = kurento.Stream(room, publish);
    assert.equal(await local.init(), true);
  }
  await room.connect();
  if (local) await local.publish();
  return { kurento, room, local, changes, connected: await connected, frames };
}

const state = (s: Stream) => ({
  hasAudio: s.hasAudio(),
  hasVideo: s.hasVideo(),
  audioActive: s.isAudioActive(),
  videoActive: s.isVideoActive(),
  typeOfVideo: s.getTypeOfVideo(),
});

before(async () => {
  server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'warn' });
});

after(async () => {
  // Frame sinks go before their connections, as in integration.test.ts.
  for (const counter of counters) counter.stop();
  for (const room of rooms) await room.leave().catch(() => undefined);
  stopAllMedia();
  await server.close();
});

describe('track fields and mute state in the client', () => {
  it('early joiners get stream-property-changed, late joiners the current state, and video decodes again after unmute', async () => {
    const alice = await join('alice', { audio: true, video: true });
    assert.deepEqual(state(alice.local!), { hasAudio: true, hasVideo: true, audioActive: true, videoActive: true, typeOfVideo: 'CAMERA' });
    const bob = await join('bob');
    const seen = bob.room.getStreams()['alice_webcam']!;
    assert.deepEqual(state(seen), { hasAudio: true, hasVideo: true, audioActive: true, videoActive: true, typeOfVideo: 'CAMERA' });
    await until(() => (bob.frames.get('alice_webcam')?.frames ?? 0) >= 5, 'bob to decode alice', 15_000);

    alice.local!.setVideoEnabled(false);
    alice.local!.setAudioEnabled(false);
    assert.equal(alice.local!.getLocalMediaStream()!.getVideoTracks()[0]!.enabled, false, 'the local track is disabled too');
    await until(() => bob.changes.length === 2, 'bob to hear of both mutes', 5000);
    assert.deepEqual(
      bob.changes.map((c) => [c.stream, c.property, c.newValue, c.reason]),
      [
        [seen, 'videoActive', false, 'publisherAction'],
        [seen, 'audioActive', false, 'publisherAction'],
      ],
    );
    assert.deepEqual(state(seen), { hasAudio: true, hasVideo: true, audioActive: false, videoActive: false, typeOfVideo: 'CAMERA' });

    const carol = await join('carol');
    const late = carol.connected.streams.find((s) => s.getGlobalID() === 'alice_webcam')!;
    assert.deepEqual(state(late), { hasAudio: true, hasVideo: true, audioActive: false, videoActive: false, typeOfVideo: 'CAMERA' });

    const before = bob.frames.get('alice_webcam')!.frames;
    alice.local!.setVideoEnabled(true);
    for (const who of [bob, carol]) {
      await until(() => who.changes.some((c) => c.property === 'videoActive' && c.newValue === true), 'the unmute to arrive', 5000);
    }
    assert.equal(late.isVideoActive(), true);
    assert.equal(seen.isVideoActive(), true);
    await until(() => bob.frames.get('alice_webcam')!.frames >= before + 5, 'bob to decode alice again after the unmute', 15_000);
    assert.equal(alice.changes.length, 0, 'the publisher gets no event of its own change');
  });

  it('a video-only publisher: its stream says so, and a subscriber offers to receive video alone', async () => {
    await join('dave', { audio: false, video: true });
    const erin = await join('erin');
    const stream = erin.room.getStreams()['dave_webcam']!;
    assert.deepEqual(state(stream), { hasAudio: false, hasVideo: true, audioActive: false, videoActive: true, typeOfVideo: 'CAMERA' });
    await until(() => (erin.frames.get('dave_webcam')?.frames ?? 0) >= 5, 'erin to decode dave', 15_000);
    const kinds = stream.getRTCPeerConnection()!.getTransceivers().map((t) => t.receiver.track.kind);
    assert.deepEqual(kinds, ['video']);
  });
});
