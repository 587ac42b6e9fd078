/**
 * Faults cascade through the real server: a peer connection closed without a word, a peer whose
 * process is killed, a client gone before it connected, a media worker that dies. Real libwebrtc peers, the werift SFU in this
 * thread and in worker threads. Each test prints the time from the fault to the release.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, it } from 'node:test';
import { createRoomServer, type RoomServer } from '../../src/index.js';
import { WorkerPoolMediaEngine } from '../../src/media/workers/index.js';
import { MediaUser } from '../helpers/MediaUser.js';
import { createPublisherPeer } from '../helpers/wrtcPeers.js';
import { eventually } from '../helpers/RpcTestClient.js';

/** The product's grace period: every fault must be cleaned up within it. */
const GRACE_MS = 10_000;
const SMALL = { width: 160, height: 120, fps: 15 } as const;
const udpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
const killablePeer = fileURLToPath(new URL('../helpers/killablePeer.ts', import.meta.url));

function report(what: string, ms: number): void {
  console.log(`# fault release time: ${what}: ${ms} ms`);
}

/** Polls until `check` holds and returns the time since `since` (ms); fails past GRACE_MS. */
async function releasedWithinGrace(since: number, what: string, check: () => Promise<boolean>): Promise<number> {
  await eventually(check, GRACE_MS - (Date.now() - since), what);
  return Date.now() - since;
}

interface Mode {
  label: string;
  /** Media in this thread (sockets visible here) or spread over worker threads. */
  workers: number;
}

for (const mode of [{ label: 'media in this thread', workers: 1 }, { label: 'media worker pool', workers: 2 }] satisfies Mode[]) {
  describe(`faults cascade to the room (${mode.label})`, () => {
    let server: RoomServer;
    let users: MediaUser[] = [];
    let children: ChildProcess[] = [];
    /** UDP sockets the server holds for itself: the engine's shared ICE port (media in this thread). */
    let ownSockets = 0;

    before(async () => {
      // A grace period longer than the product's: a release within GRACE_MS is the media
      // layer's detection, never the session's grace expiring.
      server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'warn', reconnectionGraceMs: 60_000, media: { workers: mode.workers } });
      ownSockets = udpSockets();
    });
    after(async () => {
      await server.close();
      // libwebrtc finishes closing on its own threads (see workerPool.test.ts).
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
    afterEach(async () => {
      for (const u of users) u.close();
      users = [];
      for (const c of children) c.kill('SIGKILL');
      children = [];
      for (const name of server.rooms.roomNames()) server.rooms.closeRoom(name);
      await eventually(async () => (await server.stats()).media.peerConnections === 0, 8000, 'the server to release everything');
    });

    async function join(name: string, room: string): Promise<MediaUser> {
      const u = await MediaUser.join(server.wsUrl, name, room);
      users.push(u);
      return u;
    }

    async function roomDump(room: string): Promise<{ participants: Array<{ name: string; streams: unknown[]; subscriptions: unknown[] }> }> {
      const res = await fetch(`${server.url}/api/rooms/${room}`);
      assert.equal(res.status, 200);
      return (await res.json()) as never;
    }

    it('(a) a subscriber whose peer connection closes without signalling is released and told', async () => {
      const alice = await join('alice', 'a');
      const bob = await join('bob', 'a');
      await alice.publish(SMALL);
      const sockets = udpSockets();
      const watcher = await bob.subscribe('alice');
      await watcher.waitForFrames(5);
      assert.equal((await server.stats()).media.subscribers, 1);

      const t0 = Date.now();
      watcher.close();
      const error = await bob.rpc.waitForNotification('mediaError', (p) => p.endpointName === 'alice', GRACE_MS);
      const toError = Date.now() - t0;
      const toZero = await releasedWithinGrace(t0, 'the subscription released', async () => {
        const s = await server.stats();
        return s.subscriptions === 0 && s.media.subscribers === 0 && s.media.peerConnections === 1;
      });
      report(`(a) subscriber pc closed, ${mode.label}: mediaError after ${toError} ms, stats at zero after`, toZero);
      assert.match(error.params.error as string, /endpoint 'alice'/);
      const dump = await roomDump('a');
      assert.deepEqual(dump.participants.find((p) => p.name === 'bob')?.subscriptions, []);
      assert.equal(dump.participants.length, 2, 'bob is still in the room');
      assert.equal(alice.rpc.count('mediaError'), 0, 'the publisher is not affected');
      if (mode.workers === 1) await eventually(() => udpSockets() === sockets, 2000, 'the subscriber UDP sockets closed');

      // bob may subscribe again, and decodes alice's video again.
      const again = await bob.subscribe('alice');
      await again.waitForFrames(5);
    });

    it('(b) a publisher whose peer connection closes is unpublished; it can publish again', async () => {
      const alice = await join('alice', 'b');
      const bob = await join('bob', 'b');
      const camera = await alice.publish(SMALL);
      const watcher = await bob.subscribe('alice');
      await watcher.waitForFrames(5);

      const t0 = Date.now();
      camera.close();
      await bob.rpc.waitForNotification('participantUnpublished', (p) => p.name === 'alice', GRACE_MS);
      const toUnpublished = Date.now() - t0;
      const error = await alice.rpc.waitForNotification('mediaError', (p) => p.endpointName === 'alice', GRACE_MS);
      const toZero = await releasedWithinGrace(t0, 'the publication and its subscription released', async () => {
        const s = await server.stats();
        return s.publishers === 0 && s.subscriptions === 0 && s.media.peerConnections === 0;
      });
      report(`(b) publisher pc closed, ${mode.label}: participantUnpublished after ${toUnpublished} ms, stats at zero after`, toZero);
      assert.match(error.params.error as string, /endpoint 'alice'/);
      assert.deepEqual((await bob.rpc.waitForNotification('participantUnpublished')).params, { name: 'alice' });
      assert.equal(bob.rpc.count('mediaError'), 0, 'a subscriber of a dead publication hears participantUnpublished only');
      const dump = await roomDump('b');
      for (const p of dump.participants) assert.deepEqual([p.streams, p.subscriptions], [[], []], JSON.stringify(p));
      if (mode.workers === 1) await eventually(() => udpSockets() === ownSockets, 2000, 'every UDP socket closed');

      await alice.publish(SMALL);
      await bob.rpc.waitForNotification('participantPublished', (p) => p.id === 'alice');
      const again = await bob.subscribe('alice');
      await again.waitForFrames(5);
    });

    it('(e) a client that vanishes after its offer is answered, before any connectivity check, is released', async () => {
      const alice = await join('alice', 'e');
      const bob = await join('bob', 'e');
      // The offer comes from a real peer that is closed before the answer: to the server, a
      // client that died right after sending its offer. (Left open, the peer answers the
      // server's connectivity and consent checks, its ICE agent needing only its own password,
      // and it is alive as far as the server can tell.)
      const mute = createPublisherPeer(SMALL);
      const sdpOffer = await mute.createOffer();
      mute.close();
      const r = await alice.rpc.request('publishVideo', { sdpOffer, doLoopback: false });
      assert.ok(r.result?.sdpAnswer);
      const t0 = Date.now();
      await bob.rpc.waitForNotification('participantPublished', (p) => p.id === 'alice');
      await bob.rpc.waitForNotification('participantUnpublished', (p) => p.name === 'alice', GRACE_MS);
      const error = await alice.rpc.waitForNotification('mediaError', (p) => p.endpointName === 'alice', 1000);
      assert.match(error.params.error as string, /^MEDIA_INACTIVE/);
      const toZero = await releasedWithinGrace(t0, 'the unconnected publication released', async () => {
        const s = await server.stats();
        return s.publishers === 0 && s.media.peerConnections === 0;
      });
      report(`(e) client gone before connecting, ${mode.label}: stats at zero after`, toZero);
      if (mode.workers === 1) await eventually(() => udpSockets() === ownSockets, 2000, 'every UDP socket closed');
    });

    for (const role of ['subscriber', 'publisher'] as const) {
      it(`(c) a ${role} whose process is killed is released within the grace period`, async () => {
        const room = `c-${role}`;
        const alice = role === 'subscriber' ? await join('alice', room) : undefined;
        await alice?.publish(SMALL);
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', '--conditions=source', killablePeer, server.wsUrl, room, 'carol', ...(role === 'subscriber' ? ['subscribe', 'alice'] : ['publish'])],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        children.push(child);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('the child peer did not get ready')), 40_000);
          child.stdout!.on('data', (chunk: Buffer) => {
            if (chunk.toString().includes('READY')) {
              clearTimeout(timer);
              resolve();
            }
          });
          child.once('exit', (code) => reject(new Error(`the child peer exited (${code})`)));
        });
        const observer = role === 'publisher' ? await join('dave', room) : undefined;
        const watcher = await observer?.subscribe('carol');
        await watcher?.waitForFrames(5);

        const t0 = Date.now();
        child.kill('SIGKILL');
        const toZero = await releasedWithinGrace(t0, `the killed ${role} released`, async () => {
          const s = await server.stats();
          return role === 'subscriber' ? s.media.subscribers === 0 && s.subscriptions === 0 : s.media.peerConnections === 0 && s.publishers === 0 && s.subscriptions === 0;
        });
        report(`(c) ${role} process killed, ${mode.label}: stats at zero after`, toZero);
        // The session of the killed process is still in its (60 s) grace period: the media
        // layer found the dead peer, not the signalling.
        const dump = await roomDump(room);
        assert.ok(dump.participants.some((p) => p.name === 'carol'), 'carol is still in the room, in her grace period');
        if (observer) await observer.rpc.waitForNotification('participantUnpublished', (p) => p.name === 'carol', 1000);
        if (alice) {
          // Only the dead peer's endpoint went: the publication it watched is untouched.
          assert.equal((await server.stats()).media.publishers, 1);
          assert.equal(alice.rpc.count('mediaError') + alice.rpc.count('participantUnpublished'), 0);
        }
        if (mode.workers === 1 && role === 'publisher') await eventually(() => udpSockets() === ownSockets, 2000, 'every UDP socket closed');
      });
    }
  });
}

describe('faults cascade to the room (a media worker dies)', () => {
  let server: RoomServer;
  let engine: WorkerPoolMediaEngine;
  let users: MediaUser[] = [];

  before(async () => {
    // Both threads up from the start and a crashed one replaced at once, as this test counts them.
    engine = new WorkerPoolMediaEngine({ workers: 2, prestartWorkers: true });
    server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'warn', mediaEngine: engine });
  });
  after(async () => {
    for (const u of users) u.close();
    await server.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
  });

  async function join(name: string, room: string): Promise<MediaUser> {
    const u = await MediaUser.join(server.wsUrl, name, room);
    users.push(u);
    return u;
  }

  it('(d) unpublishes and releases what the dead worker held; a new publication works', async () => {
    const alice = await join('alice', 'd');
    const bob = await join('bob', 'd');
    await alice.publish(SMALL);
    const watcher = await bob.subscribe('alice');
    await watcher.waitForFrames(5);
    const victim = (await engine.workerInfo()).find((w) => w.groups.includes('d'))!;

    const t0 = Date.now();
    await engine.crashWorkerForTesting(victim.index).catch(() => undefined);
    await bob.rpc.waitForNotification('participantUnpublished', (p) => p.name === 'alice', GRACE_MS);
    const toUnpublished = Date.now() - t0;
    await bob.rpc.waitForNotification('mediaError', (p) => p.endpointName === 'alice', GRACE_MS);
    await alice.rpc.waitForNotification('mediaError', (p) => p.endpointName === 'alice', GRACE_MS);
    const toZero = await releasedWithinGrace(t0, 'the dead worker\'s endpoints released', async () => {
      const s = await server.stats();
      return s.publishers === 0 && s.subscriptions === 0 && s.media.peerConnections === 0;
    });
    // The replacement thread loads werift before it counts (seconds on a busy machine).
    await eventually(async () => (await server.stats()).media.workers === 2, 20_000, 'the replacement worker running');
    report(`(d) media worker killed: participantUnpublished after ${toUnpublished} ms, stats at zero after`, toZero);
    // Each owner heard of its own endpoint before the publication went.
    const bobOrder = bob.rpc.notifications.map((n) => n.method).filter((m) => m === 'mediaError' || m === 'participantUnpublished');
    assert.deepEqual(bobOrder, ['mediaError', 'participantUnpublished']);

    await alice.publish(SMALL);
    await bob.rpc.waitForNotification('participantPublished', (p) => p.id === 'alice');
    const again = await bob.subscribe('alice');
    await again.waitForFrames(5);
    assert.equal((await engine.workerInfo()).length, 2);
  });
});
