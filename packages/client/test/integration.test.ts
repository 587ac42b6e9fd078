// The client library against the REAL room server of this repository (werift SFU inside), with
// `ws` and @roamhq/wrtc injected: synthetic video and audio are encoded by libwebrtc, forwarded by
// the server and decoded on the far side, where decoded frames are counted.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import wrtc from '@roamhq/wrtc';
import { createRoomServer, type RoomServer } from '@kurento-room/server';
import { WebSocket } from 'ws';
import { WorkerPoolMediaEngine } from '../../server/src/media/workers/index.js';
import { KurentoRoom, type KurentoRoomClient, type Room, type RoomEventMap, type Stream } from '../src/index.js';
import { delay, nextEvent, until } from './support/harness.js';
import { countDecodedFrames, stopAllMedia, syntheticGetUserMedia, type FrameCounter } from './support/nodeMedia.js';

let server: RoomServer;
const users: User[] = [];

/** One participant: a KurentoRoom connection, its room and (optionally) its published camera. */
class User {
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

  static async join(name: string, roomName: string, publish = true, on: RoomServer = server): Promise<User> {
    const sockets: WebSocket[] = [];
    class RecordedWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    }
    const kurento = await new Promise<KurentoRoomClient>((resolve, reject) => {
      KurentoRoom(on.wsUrl, (error, k) => (error ? reject(error) : resolve(k!)), {
        WebSocket: RecordedWebSocket as any,
        RTCPeerConnection: wrtc.RTCPeerConnection as any,
        getUserMedia: syntheticGetUserMedia({ width: 320, height: 240, fps: 15 }),
        requestTimeout: 10_000,
      });
    });
    const room = kurento.Room({ room: roomName, user: name });
    const user = new User(name, kurento, room, sockets);
    users.push(user);
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
async function keepsDecoding(frames: () => number, by = 5, ms = 8000): Promise<boolean> {
  const start = frames();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (frames() >= start + by) return true;
    await delay(50);
  }
  return false;
}

async function serverReleased(): Promise<void> {
  let last: Awaited<ReturnType<RoomServer['stats']>> | undefined;
  const end = Date.now() + 8000;
  while (Date.now() < end) {
    last = await server.stats();
    if (last.rooms === 0 && last.participants === 0 && last.media.peerConnections === 0) return;
    await delay(50);
  }
  assert.fail(`the server still holds rooms=${last?.rooms} participants=${last?.participants} peerConnections=${last?.media.peerConnections}`);
}

before(async () => {
  server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'warn' });
});

/** Runs `test` against a server of its own (other options), then leaves its users and closes it. */
async function withOwnServer(options: Parameters<typeof createRoomServer>[0], test: (own: RoomServer) => Promise<void>): Promise<void> {
  const own = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'warn', ...options });
  try {
    await test(own);
  } finally {
    for (const user of users.splice(0)) {
      user.stopCounters();
      await user.room.leave().catch(() => undefined);
    }
    await own.close();
  }
}

afterEach(async () => {
  for (const user of users.splice(0)) {
    user.stopCounters();
    await user.room.leave().catch(() => undefined);
  }
  stopAllMedia();
  await serverReleased();
});

after(async () => {
  stopAllMedia();
  await server.close();
});

describe('client library against the real room server, media through @roamhq/wrtc', () => {
  it('two participants see each other: decoded video both ways', async () => {
    const alice = await User.join('alice', 'two');
    const bob = await User.join('bob', 'two');
    await Promise.all([alice.waitForFrames('bob', 15), bob.waitForFrames('alice', 15)]);
    // alice learnt of bob by notification, bob found alice in the join result.
    assert.equal(alice.eventsOf('participant-joined')[0]?.participant.getID(), 'bob');
    assert.equal(alice.eventsOf('stream-added')[0]?.stream.getGlobalID(), 'bob_webcam');
    assert.deepEqual(Object.keys(bob.room.getStreams()).sort(), ['alice_webcam', 'bob_webcam']);
    const remote = bob.room.getStreams().alice_webcam!;
    assert.equal(remote.isConnected(), true);
    assert.deepEqual(remote.getMediaStream()!.getTracks().map((t) => t.kind).sort(), ['audio', 'video']);
    const stats = await server.stats();
    assert.equal(stats.participants, 2);
    assert.equal(stats.media.publishers, 2);
    assert.equal(stats.media.subscribers, 2);
  });

  it('three participants all see each other: 6 remote streams decoding', async () => {
    const names = ['ann', 'ben', 'cat'];
    const all: User[] = [];
    for (const name of names) all.push(await User.join(name, 'three'));
    await Promise.all(all.flatMap((u) => names.filter((n) => n !== u.name).map((n) => u.waitForFrames(n, 10, 25_000))));
    for (const u of all) assert.equal(u.received.size, 2, `${u.name} receives the two others`);
    const stats = await server.stats();
    assert.equal(stats.media.publishers, 3);
    assert.equal(stats.media.subscribers, 6);
  });

  it('chat: sendMessage reaches everyone in the room, the sender included', async () => {
    const all = [await User.join('amy', 'chat', false), await User.join('bo', 'chat', false), await User.join('cy', 'chat', false)];
    const outsider = await User.join('dee', 'elsewhere', false);
    await all[1]!.kurento.sendMessage('chat', 'bo', 'hello from bo');
    for (const u of all) {
      const message = await u.waitForEvent('newMessage', (m) => m.message === 'hello from bo');
      assert.deepEqual(message, { room: 'chat', user: 'bo', message: 'hello from bo' });
    }
    await delay(200);
    assert.deepEqual(outsider.eventsOf('newMessage'), [], 'another room gets nothing');
    for (const u of all) assert.equal(u.eventsOf('newMessage').length, 1, `${u.name} got the message once`);
  });

  it('unpublish: the others get participant-unpublished + stream-removed, the participant stays, only its video stops', async () => {
    const ann = await User.join('ann', 'unpub');
    const ben = await User.join('ben', 'unpub');
    const cat = await User.join('cat', 'unpub');
    await Promise.all([ann, ben, cat].flatMap((u) => ['ann', 'ben', 'cat'].filter((n) => n !== u.name).map((n) => u.waitForFrames(n, 5, 25_000))));

    const catStream = cat.local!;
    await cat.kurento.disconnectParticipant(catStream);
    let unpublishedAtAnn: Stream | undefined;
    for (const u of [ann, ben]) {
      const unpublished = await u.waitForEvent('participant-unpublished', (e) => e.participant.getID() === 'cat');
      assert.equal(unpublished.stream.getGlobalID(), 'cat_webcam');
      const removed = await u.waitForEvent('stream-removed', (e) => e.stream.getGlobalID() === 'cat_webcam');
      assert.equal(removed.stream, unpublished.stream);
      if (u === ann) unpublishedAtAnn = unpublished.stream;
      assert.deepEqual(u.eventsOf('participant-left'), [], `${u.name}: an unpublish is not a leave`);
      assert.ok(u.room.getParticipants().cat, `${u.name} still lists cat`);
      assert.equal(u.room.getStreams().cat_webcam, undefined, `${u.name} no longer lists cat's stream`);
    }
    assert.equal(catStream.isConnected(), false);
    assert.equal(cat.room.isConnected(), true, 'cat is still in the room');
    let stats = await server.stats();
    assert.equal(stats.participants, 3);
    for (let i = 0; i < 100 && (stats.media.publishers !== 2 || stats.media.subscribers !== 4); i++) {
      await delay(50);
      stats = await server.stats();
    }
    assert.equal(stats.media.publishers, 2);
    assert.equal(stats.media.subscribers, 4);

    // cat's video no longer arrives anywhere; everything else keeps decoding.
    await delay(300);
    assert.equal(await keepsDecoding(() => ann.frames('cat'), 1, 1500), false, 'ann no longer decodes cat');
    assert.equal(await keepsDecoding(() => ben.frames('cat'), 1, 500), false, 'ben no longer decodes cat');
    assert.equal(await keepsDecoding(() => ann.frames('ben')), true, 'ann still decodes ben');
    assert.equal(await keepsDecoding(() => ben.frames('ann')), true, 'ben still decodes ann');
    assert.equal(await keepsDecoding(() => cat.frames('ann')), true, 'cat still decodes ann');
    assert.equal(await keepsDecoding(() => cat.frames('ben')), true, 'cat still decodes ben');

    // The capture stayed: cat can publish again and is seen again.
    const readded = ann.waitForEvent('stream-added', (e) => e.stream.getGlobalID() === 'cat_webcam', 10_000, ann.events.length);
    await catStream.publish();
    const again: Stream = (await readded).stream;
    assert.notEqual(again, unpublishedAtAnn, 'a new remote stream');
    await until(() => ann.received.get('cat_webcam')?.stream === again && ann.frames('cat') >= 5, 'ann to decode cat again', 20_000);
  });

  it('a dropped socket is resumed: media goes on, and room events reach the resumed session', async () => {
    await User.join('alice', 'resume');
    const bob = await User.join('bob', 'resume');
    await bob.waitForFrames('alice', 10);
    bob.sockets.at(-1)!.terminate();
    await bob.waitForEvent('reconnecting', () => true);
    // Whether carol's join lands before or after the resumption, bob must learn of it (the
    // server replays what a session missed: test/protocol/lifecycle.test.ts).
    const carol = await User.join('carol', 'resume');
    await bob.waitForEvent('reconnected', () => true, 10_000);
    await bob.waitForEvent('participant-joined', (p) => p.participant.getID() === 'carol');
    await Promise.all([bob.waitForFrames('carol', 10), carol.waitForFrames('bob', 10)]);
    assert.ok(await keepsDecoding(() => bob.frames('alice')), "bob kept decoding alice's video");
    assert.equal(bob.eventsOf('lost-connection').length, 0);
    assert.equal((await server.stats()).participants, 3, 'resumed, not joined again');
  });

  it('a session the server let go (grace period over) is rejoined by itself: republished, resubscribed, decoding again', async () => {
    await withOwnServer({ reconnectionGraceMs: 200, media: { workers: 1 } }, async (strict) => {
      const alice = await User.join('alice', 'expiry', true, strict);
      const bob = await User.join('bob', 'expiry', true, strict);
      await Promise.all([alice.waitForFrames('bob', 5), bob.waitForFrames('alice', 5)]);
      // bob's network is gone longer than the grace period: the server evicts him.
      const refuse = (socket: WebSocket) => socket.on('open', () => socket.terminate());
      const originalPush = bob.sockets.push.bind(bob.sockets);
      let cut = true;
      bob.sockets.push = (...added: WebSocket[]) => {
        if (cut) added.forEach(refuse);
        return originalPush(...added);
      };
      bob.sockets.at(-1)!.terminate();
      await alice.waitForEvent('participant-left', (e) => e.participant.getID() === 'bob', 5000);
      const sinceLeft = alice.events.length;
      cut = false;
      const back = await bob.waitForEvent('reconnected', () => true, 12_000);
      assert.deepEqual(back, { room: 'expiry', rejoined: true });
      await alice.waitForEvent('participant-joined', (e) => e.participant.getID() === 'bob', 5000, sinceLeft);
      // Frames of the new subscriptions, both ways.
      await until(() => alice.received.get('bob_webcam')?.stream.isConnected() === true, 'alice subscribed to the new bob', 15_000);
      const [fromBob, fromAlice] = [alice.frames('bob'), bob.frames('alice')];
      await Promise.all([alice.waitForFrames('bob', fromBob + 10), bob.waitForFrames('alice', fromAlice + 10)]);
      assert.equal(bob.eventsOf('lost-connection').length, 0);
      const stats = await strict.stats();
      assert.equal(stats.participants, 2);
      assert.equal(stats.media.publishers, 2);
      assert.equal(stats.media.subscribers, 2);
    });
  });

  it('a media worker that dies mid-call: its streams come back by themselves (republished, resubscribed, decoding)', async () => {
    const engine = new WorkerPoolMediaEngine({ workers: 2 });
    await withOwnServer({ logLevel: 'silent', mediaEngine: engine }, async (pooled) => {
      const alice = await User.join('alice', 'crash', true, pooled);
      const bob = await User.join('bob', 'crash', true, pooled);
      await Promise.all([alice.waitForFrames('bob', 5), bob.waitForFrames('alice', 5)]);
      const worker = (await engine.workerInfo()).find((w) => w.groups.includes('crash'))!;
      const [aliceStream, bobStream] = [alice.received.get('bob_webcam')!.stream, bob.received.get('alice_webcam')!.stream];
      const since = [alice.events.length, bob.events.length];
      // The call dies with its worker.
      await engine.crashWorkerForTesting(worker.index).catch(() => undefined);
      // The room model followed the dead worker: each saw the other's stream go, then come back.
      await alice.waitForEvent('participant-unpublished', (e) => e.participant.getID() === 'bob', 10_000, since[0]);
      await bob.waitForEvent('participant-unpublished', (e) => e.participant.getID() === 'alice', 10_000, since[1]);
      await until(() => alice.received.get('bob_webcam')!.stream !== aliceStream && bob.received.get('alice_webcam')!.stream !== bobStream, 'new subscriptions', 20_000);
      await Promise.all([alice.waitForFrames('bob', 10), bob.waitForFrames('alice', 10)]);
      assert.equal(alice.eventsOf('lost-connection').length + bob.eventsOf('lost-connection').length, 0);
      assert.equal(alice.room.isConnected() && bob.room.isConnected(), true, 'nobody left the room');
      const stats = await pooled.stats();
      assert.equal(stats.media.publishers, 2);
      assert.equal(stats.media.subscribers, 2);
    });
  });

  it('leave: the others get participant-left, and the server is back to zero', async () => {
    const alice = await User.join('alice', 'leave');
    const bob = await User.join('bob', 'leave');
    await Promise.all([alice.waitForFrames('bob', 5), bob.waitForFrames('alice', 5)]);

    bob.stopCounters();
    await bob.room.leave();
    const left = await alice.waitForEvent('participant-left', (e) => e.participant.getID() === 'bob');
    assert.equal(left.participant.getID(), 'bob');
    const removed = await alice.waitForEvent('stream-removed', (e) => e.stream.getGlobalID() === 'bob_webcam');
    assert.equal(removed.stream.isConnected(), false);
    assert.equal(alice.room.getParticipants().bob, undefined);
    assert.equal(bob.kurento.isConnected(), false, 'leave closes the WebSocket');
    assert.ok(bob.local!.getLocalMediaStream()!.getTracks().every((t) => t.readyState === 'ended'), 'leave stops the capture');
    let stats = await server.stats();
    for (let i = 0; i < 100 && (stats.participants !== 1 || stats.media.peerConnections !== 1); i++) {
      await delay(50);
      stats = await server.stats();
    }
    assert.equal(stats.participants, 1);
    assert.equal(stats.media.peerConnections, 1, "only alice's publisher remains");

    alice.stopCounters();
    await alice.room.leave();
    await serverReleased();
  });
});
