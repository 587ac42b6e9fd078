// The client library against the REAL room server of this repository (werift SFU inside), with
// `ws` and @roamhq/wrtc injected: synthetic video and audio are encoded by libwebrtc, forwarded by
// the server and decoded on the far side, where decoded frames are counted.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createRoomServer, type RoomServer } from '@kurento-room/server';
import type { WebSocket } from 'ws';
import { WorkerPoolMediaEngine } from '../../server/src/media/workers/index.js';
import { delay, nextEvent, until } from './support/harness.js';
import type { Stream } from '../src/index.js';
import { stopAllMedia } from './support/nodeMedia.js';
import { keepsDecoding, NodeUser } from './support/nodeUser.js';

let server: RoomServer;
const users: NodeUser[] = [];

/** Joins through `on` (the shared server by default) and keeps the user for the clean-up. */
async function joinUser(name: string, roomName: string, publish = true, on: RoomServer = server): Promise<NodeUser> {
  const user = await NodeUser.join(on.wsUrl, name, roomName, publish);
  users.push(user);
  return user;
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
    const alice = await joinUser('alice', 'two');
    const bob = await joinUser('bob', 'two');
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
    const all: NodeUser[] = [];
    for (const name of names) all.push(await joinUser(name, 'three'));
    await Promise.all(all.flatMap((u) => names.filter((n) => n !== u.name).map((n) => u.waitForFrames(n, 10, 25_000))));
    for (const u of all) assert.equal(u.received.size, 2, `${u.name} receives the two others`);
    const stats = await server.stats();
    assert.equal(stats.media.publishers, 3);
    assert.equal(stats.media.subscribers, 6);
  });

  it('chat: sendMessage reaches everyone in the room, the sender included', async () => {
    const all = [await joinUser('amy', 'chat', false), await joinUser('bo', 'chat', false), await joinUser('cy', 'chat', false)];
    const outsider = await joinUser('dee', 'elsewhere', false);
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
    const ann = await joinUser('ann', 'unpub');
    const ben = await joinUser('ben', 'unpub');
    const cat = await joinUser('cat', 'unpub');
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
    await joinUser('alice', 'resume');
    const bob = await joinUser('bob', 'resume');
    await bob.waitForFrames('alice', 10);
    bob.sockets.at(-1)!.terminate();
    await bob.waitForEvent('reconnecting', () => true);
    // Whether carol's join lands before or after the resumption, bob must learn of it (the
    // server replays what a session missed: test/protocol/lifecycle.test.ts).
    const carol = await joinUser('carol', 'resume');
    await bob.waitForEvent('reconnected', () => true, 10_000);
    await bob.waitForEvent('participant-joined', (p) => p.participant.getID() === 'carol');
    await Promise.all([bob.waitForFrames('carol', 10), carol.waitForFrames('bob', 10)]);
    assert.ok(await keepsDecoding(() => bob.frames('alice')), "bob kept decoding alice's video");
    assert.equal(bob.eventsOf('lost-connection').length, 0);
    assert.equal((await server.stats()).participants, 3, 'resumed, not joined again');
  });

  it('a session the server let go (grace period over) is rejoined by itself: republished, resubscribed, decoding again', async () => {
    await withOwnServer({ reconnectionGraceMs: 200, media: { workers: 1 } }, async (strict) => {
      const alice = await joinUser('alice', 'expiry', true, strict);
      const bob = await joinUser('bob', 'expiry', true, strict);
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
      const alice = await joinUser('alice', 'crash', true, pooled);
      const bob = await joinUser('bob', 'crash', true, pooled);
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
    const alice = await joinUser('alice', 'leave');
    const bob = await joinUser('bob', 'leave');
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
