// A participant in Node tests against a real server: the client library over a recorded
// WebSocket, libwebrtc peer connections (@roamhq/wrtc), a synthetic camera, and a decoded-frame
// counter on every received stream.
import assert from 'node:assert/strict';
import wrtc from '@roamhq/wrtc';
import { WebSocket } from 'ws';
import { KurentoRoom, type KurentoRoomClient, type KurentoRoomOptions, type Room, type RoomEventMap, type Stream } from '../../src/index.js';
import { delay, nextEvent, until } from './harness.js';
import { countDecodedFrames, syntheticGetUserMedia, type FrameCounter } from './nodeMedia.js';

/** One participant: a KurentoRoom connection, its room and (optionally) its published camera. */
export class NodeUser {
  readonly received = new Map<string, { stream: Stream; counter: FrameCounter }>();
  readonly events: { type: keyof RoomEventMap; payload: any }[] = [];
  local?: Stream;

  private constructor(
    readonly name: string,
    readonly kurento: KurentoRoomClient,
    readonly room: Room,
    /** Every WebSocket the client opened, newest last (a test cuts one like a network failure). */
    readonly sockets: WebSocket[],
  ) {
    // Every received remote stream gets a decoded-frame counter on its video track.
    room.on('stream-subscribed', ({ stream }) => {
      if (stream.isLocal()) return;
      const media = stream.getMediaStream();
      assert.ok(media, `${name}: stream-subscribed for ${stream.getGlobalID()} without a media stream`);
      this.received.get(stream.getGlobalID())?.counter.stop();
      this.received.set(stream.getGlobalID(), { stream, counter: countDecodedFrames(media) });
    });
    for (const type of ['participant-joined', 'participant-left', 'participant-published', 'participant-unpublished', 'stream-added', 'stream-removed', 'newMessage', 'error-room', 'reconnecting', 'reconnected', 'lost-connection'] as const) {
      room.on(type, (payload) => this.events.push({ type, payload }));
    }
  }

  static async join(wsUrl: string, name: string, roomName: string, publish = true, options: KurentoRoomOptions = {}): Promise<NodeUser> {
    const sockets: WebSocket[] = [];
    class RecordedWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    }
    const kurento = await new Promise<KurentoRoomClient>((resolve, reject) => {
      KurentoRoom(wsUrl, (error, k) => (error ? reject(error) : resolve(k!)), {
        WebSocket: RecordedWebSocket as any,
        RTCPeerConnection: wrtc.RTCPeerConnection as any,
        getUserMedia: syntheticGetUserMedia({ width: 320, height: 240, fps: 15 }),
        requestTimeout: 10_000,
        ...options,
      });
    });
    const room = kurento.Room({ room: roomName, user: name });
    const user = new NodeUser(name, kurento, room, sockets);
    if (publish) {
      const local = kurento.Stream(room, { audio: true, video: true });
      user.local = local;
      const accepted = nextEvent(local, 'access-accepted', 5000);
      assert.equal(await local.init(), true, `${name}: access to the synthetic camera`);
      await accepted;
      const published = nextEvent(room, 'stream-published', 10_000);
      await room.connect();
      await local.publish();
      assert.equal((await published).stream, local);
    } else {
      await room.connect();
    }
    return user;
  }

  frames(from: string): number {
    return this.received.get(`${from}_webcam`)?.counter.frames ?? 0;
  }

  async waitForFrames(from: string, count: number, ms = 20_000): Promise<void> {
    await until(() => this.frames(from) >= count, `${this.name} to decode ${count} frames of ${from} (got ${this.frames(from)})`, ms);
  }

  /** Waits until `type` was emitted with a payload matching `match`, counting events from index `since` on. */
  async waitForEvent(type: keyof RoomEventMap, match: (payload: any) => boolean, ms = 5000, since = 0): Promise<any> {
    const find = () => this.events.slice(since).find((e) => e.type === type && match(e.payload));
    await until(() => !!find(), `${this.name} to get '${type}'`, ms);
    return find()!.payload;
  }

  eventsOf(type: keyof RoomEventMap): any[] {
    return this.events.filter((e) => e.type === type).map((e) => e.payload);
  }

  stopCounters(): void {
    for (const { counter } of this.received.values()) counter.stop();
  }
}

/** Whether `frames()` grows by at least `by` within `ms` (media still flowing). */
export async function keepsDecoding(frames: () => number, by = 5, ms = 8000): Promise<boolean> {
  const start = frames();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (frames() >= start + by) return true;
    await delay(50);
  }
  return false;
}
