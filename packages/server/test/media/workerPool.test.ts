/**
 * The media engine spread over worker threads: placement of rooms, media through a worker
 * (frames decoded by a libwebrtc subscriber), errors across the thread boundary, shutdown and
 * survival of a crashed worker.
 */
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { after, afterEach, describe, it } from 'node:test';
import { createRoomServer } from '../../src/index.js';
import { type EndpointState } from '../../src/media/MediaEngine.js';
import { WeriftMediaEngine } from '../../src/media/werift/WeriftMediaEngine.js';
import { WorkerPoolMediaEngine, type WorkerPoolMediaEngineOptions } from '../../src/media/workers/index.js';
import { createSocket } from 'node:dgram';
import { waitUntil, type PublisherPeerOptions, type SubscriberPeerOptions } from '../helpers/wrtcPeers.js';
import { CandidateRouter, publish, rejectsWith, subscribe, TestPeers } from './wiring.js';

const FRAMES = 10;
const MEDIA_TIMEOUT = 15_000;
// Small video: four peers encode or decode at once on a shared two-core machine.
const SMALL = { width: 160, height: 120, fps: 15 } as const;

let pools: WorkerPoolMediaEngine[] = [];
const peers = new TestPeers(SMALL);
const pub = (options: PublisherPeerOptions = {}) => peers.pub(options);
const sub = (options: SubscriberPeerOptions = {}) => peers.sub(options);

function pool(options: WorkerPoolMediaEngineOptions = {}): { engine: WorkerPoolMediaEngine; router: CandidateRouter; states: Array<[string, EndpointState]> } {
  const engine = new WorkerPoolMediaEngine({ workers: 2, ...options });
  pools.push(engine);
  const states: Array<[string, EndpointState]> = [];
  engine.on('endpointState', (id, state) => states.push([id, state]));
  return { engine, router: new CandidateRouter(engine), states };
}




afterEach(async () => {
  peers.closeAll();
  await Promise.all(pools.map((p) => p.close()));
  pools = [];
});

after(async () => {
  // libwebrtc finishes closing on its own threads; exiting before it is done can abort the
  // process in the binding's finalizers (a @roamhq/wrtc teardown race, not an engine fault).
  await new Promise((resolve) => setTimeout(resolve, 500));
});

describe('worker pool media engine', () => {
  it('puts two rooms on two workers, keeps a room on its worker, and forwards decoded video', async () => {
    const { engine, router } = pool();
    await publish(engine, router, 'alice', pub(), { group: 'roomA' });
    await publish(engine, router, 'bob', pub(), { group: 'roomB' });
    const carol = sub();
    const dave = sub();
    await subscribe(engine, router, 'carol<-alice', 'alice', carol, { group: 'roomA' });
    await subscribe(engine, router, 'dave<-bob', 'bob', dave, { group: 'roomB' });
    await Promise.all([carol.waitForFrames(FRAMES, MEDIA_TIMEOUT), dave.waitForFrames(FRAMES, MEDIA_TIMEOUT)]);

    let info = await engine.workerInfo();
    assert.equal(info.length, 2);
    assert.notEqual(info[0]!.threadId, info[1]!.threadId);
    const a = info.find((w) => w.groups.includes('roomA'));
    const b = info.find((w) => w.groups.includes('roomB'));
    assert.ok(a && b && a !== b, `rooms on distinct workers: ${JSON.stringify(info.map((w) => w.groups))}`);
    // The workers' own engines hold the endpoints, one publisher and one subscriber each.
    for (const w of [a, b]) {
      assert.equal(w.stats.publishers, 1, JSON.stringify(w));
      assert.equal(w.stats.subscribers, 1, JSON.stringify(w));
      assert.ok(w.stats.rtpPacketsOut > 0, JSON.stringify(w));
    }
    const total = await engine.stats();
    assert.equal(total.workers, 2);
    assert.equal(total.publishers, 2);
    assert.equal(total.subscribers, 2);
    // Counters only grow, and the total was read after the per-worker figures.
    assert.ok(total.rtpPacketsOut >= a.stats.rtpPacketsOut + b.stats.rtpPacketsOut, 'the sum covers both workers');

    // With a second subscriber room A's worker holds more endpoints (3 against 2), so the least
    // loaded worker is room B's; a new publisher of room A still joins its room's worker.
    await subscribe(engine, router, 'frank<-alice', 'alice', sub({ video: false }), { group: 'roomA' });
    info = await engine.workerInfo();
    assert.equal(info.find((w) => w.index === a.index)!.endpoints, 3);
    assert.equal(info.find((w) => w.index === b.index)!.endpoints, 2);
    await publish(engine, router, 'erin', pub({ video: false }), { group: 'roomA' });
    info = await engine.workerInfo();
    assert.equal(info.find((w) => w.index === a.index)!.stats.publishers, 2);
    assert.equal(info.find((w) => w.index === b.index)!.stats.publishers, 1);
    // A new room goes to the least loaded worker: room B's.
    await publish(engine, router, 'gus', pub({ video: false }), { group: 'roomC' });
    info = await engine.workerInfo();
    assert.deepEqual(info.find((w) => w.index === b.index)!.groups.sort(), ['roomB', 'roomC']);

    // Releasing a publisher releases its subscriber in the worker, and the pool forgets both
    // (and room B, now empty); room C's publisher stays.
    await engine.release('bob');
    await rejectsWith(engine.addIceCandidate('dave<-bob', { candidate: '', sdpMid: '0', sdpMLineIndex: 0 }), 'unknown-endpoint');
    info = await engine.workerInfo();
    const afterRelease = info.find((w) => w.index === b.index)!;
    assert.equal(afterRelease.stats.peerConnections, 1, JSON.stringify(afterRelease));
    assert.equal(afterRelease.endpoints, 1);
    assert.deepEqual(afterRelease.groups, ['roomC']);
  });

  it('gives worker i the shared UDP port base + i, and every connection of a worker its port', async () => {
    const base = await twoFreeUdpPorts();
    const { engine, router } = pool({ iceUdpPort: base });
    const answers = new Map<string, string>();
    answers.set('alice', await publish(engine, router, 'alice', pub(), { group: 'roomA' }));
    answers.set('bob', await publish(engine, router, 'bob', pub(), { group: 'roomB' }));
    const carol = sub();
    answers.set('carol<-alice', await subscribe(engine, router, 'carol<-alice', 'alice', carol, { group: 'roomA' }));
    await carol.waitForFrames(FRAMES, MEDIA_TIMEOUT);
    const info = await engine.workerInfo();
    const portOfRoom = (room: string) => base + info.find((w) => w.groups.includes(room))!.index;
    assert.notEqual(portOfRoom('roomA'), portOfRoom('roomB'));
    for (const [id, room] of [['alice', 'roomA'], ['carol<-alice', 'roomA'], ['bob', 'roomB']] as const) {
      const lines = answers.get(id)!.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
      const ports = new Set([...lines.map((l) => l.slice(2)), ...(router.seen.get(id) ?? []).map((c) => c.candidate)].map((c) => Number(c.split(' ')[5])));
      assert.deepEqual([...ports], [portOfRoom(room)], id);
    }
    assert.throws(() => new WorkerPoolMediaEngine({ workers: 4, iceUdpPort: 65534 }), /iceUdpPort 65534 with 4 media workers needs ports up to 65537/);
  });

  it('delivers MediaEngineErrors from a worker with their kind and message', async () => {
    const { engine, router } = pool();
    const local = new WeriftMediaEngine();
    try {
      const offer = 'v=0\r\nthis is not sdp\r\n';
      const inThread = await rejectsWith(local.publish({ endpointId: 'x', sdpOffer: offer, loopback: false, dataChannels: false }), 'sdp');
      const viaWorker = await rejectsWith(engine.publish({ endpointId: 'x', sdpOffer: offer, loopback: false, dataChannels: false, group: 'g' }), 'sdp');
      assert.equal(viaWorker.message, inThread.message);
    } finally {
      await local.close();
    }
    // A failed publish leaves nothing behind: the same id can be used again.
    await publish(engine, router, 'x', pub({ video: false }), { group: 'g' });
    await rejectsWith(engine.addIceCandidate('x', { candidate: 42 } as never), 'candidate', /string `candidate`/);
    await rejectsWith(engine.setVideoFilter('x', { type: 'sepia' } as never), 'unsupported', /unknown video filter "sepia"/);
    await rejectsWith(engine.publish({ endpointId: 'x', sdpOffer: '', loopback: false, dataChannels: false }), 'internal', /already exists/);
    await rejectsWith(engine.requestKeyFrame('nobody'), 'unknown-endpoint');
    await engine.close();
    await rejectsWith(engine.publish({ endpointId: 'y', sdpOffer: '', loopback: false, dataChannels: false }), 'closed');
  });

  it('starts a thread when a room is first placed on it, up to its size, and ends every thread on close(), once', async () => {
    const { engine, router } = pool();
    // Idle: no isolate, and asking what filters can run starts none either.
    await engine.filterSupport();
    assert.equal(engine.liveWorkers, 0);
    const idle = await engine.stats();
    assert.equal(idle.workers, 0);
    assert.equal(idle.maxWorkers, 2);
    assert.deepEqual(await engine.threadLoad(), []);
    await publish(engine, router, 'alice', pub({ video: false }), { group: 'roomA' });
    assert.equal(engine.liveWorkers, 1, 'one room, one thread');
    await publish(engine, router, 'amy', pub({ video: false }), { group: 'roomA' });
    assert.equal(engine.liveWorkers, 1, 'the same room stays on its thread');
    await publish(engine, router, 'bob', pub({ video: false }), { group: 'roomB' });
    await publish(engine, router, 'cid', pub({ video: false }), { group: 'roomC' });
    assert.equal(engine.liveWorkers, 2, 'never more threads than the size');
    const info = await engine.workerInfo();
    assert.deepEqual(info.map((w) => w.groups.length).sort(), [1, 2], `three rooms on two threads: ${JSON.stringify(info.map((w) => w.groups))}`);
    assert.equal((await engine.stats()).workers, 2);
    await Promise.all([engine.close(), engine.close()]);
    // Counted down by the threads' 'exit' events, not by the pool's own bookkeeping.
    assert.equal(engine.liveWorkers, 0);
    assert.equal((await engine.stats()).workers, 0);
    await engine.close();
  });

  it('stops a thread left without endpoints after idleWorkerStopMs, and starts one again for a new room', async () => {
    const { engine, router } = pool({ idleWorkerStopMs: 200 });
    assert.throws(() => new WorkerPoolMediaEngine({ workers: 2, idleWorkerStopMs: -1 }), /idleWorkerStopMs must be a non-negative number/);
    await publish(engine, router, 'alice', pub({ video: false }), { group: 'roomA' });
    await publish(engine, router, 'bob', pub({ video: false }), { group: 'roomB' });
    assert.equal(engine.liveWorkers, 2);
    // Both DTLS handshakes done (one per thread), then room B ends.
    const deadline = Date.now() + MEDIA_TIMEOUT;
    while ((await engine.stats()).srtpSessionsAesCm < 2) {
      assert.ok(Date.now() < deadline, 'both publishers connected');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await engine.release('bob');
    // Counted by the threads' 'exit' events: room B's thread ends, room A's goes on.
    await waitUntil(() => engine.liveWorkers === 1, 10_000, "room B's thread to end");
    // The stopped thread's counters stay in the totals (Prometheus counters must not go down).
    assert.equal((await engine.stats()).srtpSessionsAesCm, 2);
    const [left] = await engine.workerInfo();
    assert.deepEqual(left!.groups, ['roomA']);
    assert.equal(left!.stats.publishers, 1);
    // A new room starts a thread again, and media flows through it.
    await publish(engine, router, 'zed', pub(), { group: 'roomC' });
    const yan = sub();
    await subscribe(engine, router, 'yan<-zed', 'zed', yan, { group: 'roomC' });
    await yan.waitForFrames(FRAMES, MEDIA_TIMEOUT);
    assert.equal(engine.liveWorkers, 2);
  });

  it('with prestartWorkers starts every thread with the pool, and keeps it when its rooms end', async () => {
    const { engine, router } = pool({ prestartWorkers: true, idleWorkerStopMs: 0 });
    assert.equal(engine.liveWorkers, 2);
    // Answered by both threads once they have loaded werift.
    assert.equal((await engine.stats()).workers, 2);
    await publish(engine, router, 'alice', pub({ video: false }), { group: 'roomA' });
    await engine.release('alice');
    // A timer of 0 ms would have fired by the time a worker answers a call made after it.
    assert.equal((await engine.stats()).workers, 2);
    assert.equal(engine.liveWorkers, 2);
  });

  it('reports the load of each worker thread: event-loop utilization, delay and heap', async () => {
    const { engine, router } = pool();
    await publish(engine, router, 'alice', pub({ video: false }), { group: 'roomA' });
    await publish(engine, router, 'bob', pub({ video: false }), { group: 'roomB' });
    assert.equal((await engine.stats()).workers, 2, 'both engines answer');
    const first = await engine.threadLoad();
    const second = await engine.threadLoad();
    assert.deepEqual(first.map((l) => l.worker), [0, 1]);
    for (const [i, load] of second.entries()) {
      assert.equal(load.worker, i);
      assert.ok(load.utilization >= 0 && load.utilization <= 1, JSON.stringify(load));
      // Loading werift alone keeps a thread busy; the busy time only grows.
      assert.ok(first[i]!.activeSeconds > 0 && load.activeSeconds >= first[i]!.activeSeconds, JSON.stringify([first[i], load]));
      const delay = load.eventLoopDelay;
      assert.ok(delay, 'a running worker answers its loop delay');
      assert.ok(delay.mean >= 0 && delay.p50 >= 0 && delay.p50 <= delay.p99 && delay.p99 <= delay.max, JSON.stringify(delay));
      const heap = load.heap;
      assert.ok(heap, 'a running worker answers its heap');
      // werift alone is megabytes of code and objects in the isolate.
      assert.ok(heap.usedBytes > 1_000_000 && heap.usedBytes <= heap.totalBytes && heap.mallocedBytes > 0, JSON.stringify(heap));
    }
    await engine.close();
    assert.deepEqual(await engine.threadLoad(), [], 'no thread, no load');
  });

  it('survives a crashed worker: its calls and endpoints fail cleanly, a replacement takes new rooms', async () => {
    const { engine, router, states } = pool();
    await publish(engine, router, 'alice', pub(), { group: 'roomA' });
    const carol = sub();
    await subscribe(engine, router, 'carol<-alice', 'alice', carol, { group: 'roomA' });
    await carol.waitForFrames(FRAMES, MEDIA_TIMEOUT);
    const before = await engine.workerInfo();
    const victim = before.find((w) => w.groups.includes('roomA'))!;

    // A call sent after the crash request is never answered by the dying worker.
    const late = pub({ video: false });
    const lateOffer = await late.createOffer();
    const crash = engine.crashWorkerForTesting(victim.index);
    const pending = engine.publish({ endpointId: 'late', sdpOffer: lateOffer, loopback: false, dataChannels: false, group: 'roomA' });
    await rejectsWith(crash, 'internal', new RegExp(`media worker ${victim.index} stopped \\(.*crashed on request`));
    await rejectsWith(pending, 'internal', /stopped .* before answering publish/);

    await waitUntil(() => states.some(([id, s]) => id === 'alice' && s === 'failed') && states.some(([id, s]) => id === 'carol<-alice' && s === 'failed'), 5_000, 'endpoints of the dead worker reported failed');
    await rejectsWith(engine.addIceCandidate('alice', { candidate: '', sdpMid: '0', sdpMLineIndex: 0 }), 'unknown-endpoint');
    await engine.release('alice');

    // The dead thread ended; no thread replaces it until a room needs one (the only thread
    // started so far was the one room A was on).
    assert.equal(before.length, 1);
    assert.equal(engine.liveWorkers, 0, 'the dead thread ended');
    assert.deepEqual(await engine.workerInfo(), []);
    // A new room gets media through the pool, in a new thread.
    await publish(engine, router, 'zed', pub(), { group: 'roomC' });
    const yan = sub();
    await subscribe(engine, router, 'yan<-zed', 'zed', yan, { group: 'roomC' });
    await yan.waitForFrames(FRAMES, MEDIA_TIMEOUT);
    // Room A starts afresh too, in the dead thread's slot, on a new thread.
    await publish(engine, router, 'alice2', pub({ video: false }), { group: 'roomA' });
    assert.equal((await engine.stats()).publishers, 2);
    const after = await engine.workerInfo();
    assert.equal(after.length, 2);
    assert.equal(engine.liveWorkers, 2);
    assert.ok(!after.some((w) => w.threadId === victim.threadId), 'the dead thread is gone');
  });

  it('is the room server default on several cores, and one worker means media in this thread', async () => {
    const byDefault = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
    try {
      const cores = availableParallelism();
      const { workers, maxWorkers } = (await byDefault.stats()).media;
      assert.equal(maxWorkers, cores > 1 ? cores : undefined);
      // An idle server holds no worker thread; the in-thread engine has none at all.
      assert.equal(workers, cores > 1 ? 0 : undefined);
    } finally {
      await byDefault.close();
    }
    const pooled = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', media: { workers: 2 } });
    try {
      assert.equal((await pooled.stats()).media.maxWorkers, 2);
    } finally {
      await pooled.close();
    }
    const single = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', media: { workers: 1 } });
    try {
      const { workers, maxWorkers } = (await single.stats()).media;
      assert.equal(workers, undefined);
      assert.equal(maxWorkers, undefined);
    } finally {
      await single.close();
    }
  });
});

/** A port p such that p and p + 1 are free for UDP now. */
async function twoFreeUdpPorts(): Promise<number> {
  const bind = (port: number) =>
    new Promise<ReturnType<typeof createSocket> | undefined>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(undefined));
      socket.bind(port, () => resolve(socket));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await bind(0);
    if (!first) continue;
    const port = first.address().port;
    const second = port < 65535 ? await bind(port + 1) : undefined;
    first.close();
    second?.close();
    if (second) return port;
  }
  throw new Error('no two consecutive free UDP ports');
}
