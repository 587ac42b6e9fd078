/**
 * The MediaEngine spread over worker threads: up to N threads (default: one per core), each
 * running a WeriftMediaEngine. Every endpoint of a group (a room) lives in one worker, because a
 * subscriber takes its RTP straight from its publisher's in-memory track; groups are spread over
 * workers by load. This class only routes: it keeps which worker holds which endpoint and relays
 * events.
 *
 * A thread is started when a group is first placed on it, not with the pool: each one is an
 * isolate with werift loaded, ~29 MB of the process's RSS before any connection as deployed, ~50
 * MB run from source through tsx (docs/media-performance.md, "Memory per peer connection"), so
 * an idle server holds none and a server with one room holds one. A thread left without endpoints is stopped after
 * `idleWorkerStopMs`, so the memory comes back when rooms end.
 */
import { availableParallelism } from 'node:os';
import { assertEngineOpen, assertNewEndpointId } from '../engineGuards.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import {
  MediaEngineError,
  type EngineStats,
  type FilterSupport,
  type IceCandidateInit,
  type MediaEngine,
  type MediaEngineEvents,
  type NegotiationResult,
  type PublishRequest,
  type SubscribeRequest,
  type ThreadLoad,
  type VideoFilterSpec,
} from '../MediaEngine.js';
import { probeGstreamer } from '../werift/gstSupport.js';
import { errorMessage, toLogFn, type MediaLogFn, type MediaLogger } from '../werift/log.js';
import type { WeriftMediaEngineOptions } from '../werift/WeriftMediaEngine.js';
import { MediaWorkerHandle } from './MediaWorkerHandle.js';
import type { WorkerEvent } from './protocol.js';
import { addStats, emptyStats } from './stats.js';
import { validateWorkerPorts, workerPorts } from './workerPorts.js';

export interface WorkerPoolMediaEngineOptions extends Omit<WeriftMediaEngineOptions, 'logger'> {
  /** Number of worker threads. Default: the number of cores (`os.availableParallelism()`). */
  workers?: number;
  /** Receives the workers' logs (with a `worker` field) and the pool's own. */
  logger?: MediaLogFn | MediaLogger;
  /**
   * How long a worker thread left without endpoints keeps running before it is stopped, its
   * memory returned (a later room starts a new one), in ms. Default 30,000: a room that empties
   * and fills again at once does not pay for a thread start.
   */
  idleWorkerStopMs?: number;
  /**
   * Start every thread with the pool, replace a crashed one at once and never stop one for
   * idleness: the first room on each thread then does not wait for it to load werift, at the
   * cost of every thread's memory while idle. Default false.
   */
  prestartWorkers?: boolean;
}

const DEFAULT_IDLE_WORKER_STOP_MS = 30_000;

/** How long threadLoad() waits for a worker's event-loop delay. */
const LOAD_TIMEOUT_MS = 1000;

/** Resolves as `promise` does, or to undefined after `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Endpoints placed together: a named group (room) or, without a name, one publisher and its subscribers. */
interface Group {
  name: string | undefined;
  worker: MediaWorkerHandle;
  endpoints: number;
}

interface Endpoint {
  group: Group;
  /** Set for a subscriber: the publisher it receives from. */
  publisherId?: string;
  /** Set for a publisher: its subscribers, released with it by the worker. */
  subscribers?: Set<string>;
}

/** What one worker holds, for operators and tests. */
export interface WorkerInfo {
  index: number;
  threadId: number;
  /** Endpoints the pool placed on this worker. */
  endpoints: number;
  /** Named groups (rooms) placed on this worker. */
  groups: string[];
  /** The worker engine's own statistics. */
  stats: EngineStats;
}

export class WorkerPoolMediaEngine extends TypedEmitter<MediaEngineEvents> implements MediaEngine {
  readonly #size: number;
  readonly #slots: Array<MediaWorkerHandle | undefined>;
  readonly #engineOptions: Omit<WeriftMediaEngineOptions, 'logger'>;
  readonly #log: MediaLogFn;
  readonly #endpoints = new Map<string, Endpoint>();
  readonly #groups = new Map<string, Group>();
  readonly #load = new Map<MediaWorkerHandle, number>();
  /** Stop timers of workers without endpoints: at most one per worker. */
  readonly #idleTimers = new Map<MediaWorkerHandle, NodeJS.Timeout>();
  /** Counters of the threads stopped for being idle (endpoint counts zeroed: they had none). */
  #retired: EngineStats = emptyStats();
  readonly #idleStopMs: number;
  readonly #prestart: boolean;
  /** Every started thread until it ends, including ones being closed or replaced. */
  readonly #threads = new Set<MediaWorkerHandle>();
  /** Where the search for the least loaded worker starts, so that ties go round-robin. */
  #cursor = 0;
  #filterSupport: Promise<FilterSupport> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Every worker runs an engine with the same options, so they all report speakers or none does. */
  readonly detectsSpeakers: boolean;

  constructor(options: WorkerPoolMediaEngineOptions = {}) {
    super();
    const { workers, logger, idleWorkerStopMs, prestartWorkers, ...engineOptions } = options;
    this.#prestart = prestartWorkers === true;
    this.#idleStopMs = idleWorkerStopMs ?? DEFAULT_IDLE_WORKER_STOP_MS;
    if (!Number.isFinite(this.#idleStopMs) || this.#idleStopMs < 0) throw new RangeError(`idleWorkerStopMs must be a non-negative number, got ${String(idleWorkerStopMs)}`);
    this.#size = workers ?? availableParallelism();
    if (!Number.isInteger(this.#size) || this.#size < 1) throw new RangeError(`workers must be a positive integer, got ${String(workers)}`);
    validateWorkerPorts(engineOptions, this.#size);
    this.#engineOptions = engineOptions;
    this.detectsSpeakers = engineOptions.speakerDetection !== false;
    this.#log = toLogFn(logger);
    this.#slots = new Array<MediaWorkerHandle | undefined>(this.#size).fill(undefined);
    // Without prestartWorkers, no thread yet: #groupFor starts each one when it first gets a group.
    if (this.#prestart) for (let i = 0; i < this.#size; i++) this.#workerAt(i);
  }

  /** Threads that have not ended, counted until each one's 'exit' event. */
  get liveWorkers(): number {
    return this.#threads.size;
  }

  protected override onListenerError(event: string, error: unknown): void {
    this.#log('error', 'media engine listener threw', { event, error: errorMessage(error) });
  }

  async publish(request: PublishRequest): Promise<NegotiationResult> {
    this.#assertOpen();
    const { endpointId } = request;
    this.#assertNewId(endpointId);
    const group = this.#groupFor(request.group);
    this.#add(endpointId, { group, subscribers: new Set() });
    try {
      return await group.worker.call('publish', request);
    } catch (error) {
      this.#forget(endpointId);
      throw error;
    }
  }

  async subscribe(request: SubscribeRequest): Promise<NegotiationResult> {
    this.#assertOpen();
    const { endpointId, publisherId } = request;
    this.#assertNewId(endpointId);
    const publisher = this.#endpoints.get(publisherId);
    if (!publisher?.subscribers) throw new MediaEngineError('unknown-endpoint', `unknown publisher endpoint ${String(publisherId)}`);
    // The subscriber goes where its publisher is, whatever group it names.
    this.#add(endpointId, { group: publisher.group, publisherId });
    publisher.subscribers.add(endpointId);
    try {
      return await publisher.group.worker.call('subscribe', request);
    } catch (error) {
      this.#forget(endpointId);
      throw error;
    }
  }

  async addIceCandidate(endpointId: string, candidate: IceCandidateInit): Promise<void> {
    this.#assertOpen();
    const endpoint = this.#endpoints.get(endpointId);
    if (!endpoint) throw new MediaEngineError('unknown-endpoint', `unknown endpoint ${String(endpointId)}`);
    await endpoint.group.worker.call('addIceCandidate', endpointId, candidate);
  }

  async requestKeyFrame(publisherId: string): Promise<void> {
    this.#assertOpen();
    await this.#publisherWorker(publisherId).call('requestKeyFrame', publisherId);
  }

  async setVideoActive(publisherId: string, active: boolean): Promise<void> {
    this.#assertOpen();
    await this.#publisherWorker(publisherId).call('setVideoActive', publisherId, active);
  }

  async setVideoFilter(publisherId: string, filter: VideoFilterSpec | null): Promise<void> {
    this.#assertOpen();
    await this.#publisherWorker(publisherId).call('setVideoFilter', publisherId, filter);
  }

  async release(endpointId: string): Promise<void> {
    const endpoint = this.#endpoints.get(endpointId);
    if (!endpoint) return;
    // Forgotten at once, as the in-thread engine does: later calls for this id are refused.
    this.#forget(endpointId);
    await endpoint.group.worker.call('release', endpointId);
  }

  filterSupport(): Promise<FilterSupport> {
    if (!this.#filterSupport) {
      this.#assertOpen();
      // Every worker runs on the same machine with the same options: one answer holds for all,
      // and it is found here (GStreamer's tools are asked, werift is not needed), so that asking
      // (the CLI does at start) starts no worker thread.
      const filters = this.#engineOptions.filters ?? {};
      const probe =
        filters.enabled === false
          ? Promise.resolve<FilterSupport>({ available: false, missing: [], reason: 'video filters are disabled in this server' })
          : probeGstreamer(filters.gstreamer ?? {});
      this.#filterSupport = probe;
      probe.catch(() => {
        if (this.#filterSupport === probe) this.#filterSupport = undefined;
      });
    }
    return this.#filterSupport;
  }

  /**
   * Sum over the running workers and the counters of the threads stopped for being idle, plus the
   * number of workers and the most the pool starts. Counters of a crashed worker are lost with it.
   */
  async stats(): Promise<EngineStats> {
    const workers = this.#slots.filter((w): w is MediaWorkerHandle => w?.alive === true);
    const results = await Promise.allSettled(workers.map((w) => w.call('stats')));
    let total = this.#retired;
    for (const r of results) if (r.status === 'fulfilled') total = addStats(total, r.value);
    return { ...total, workers: workers.length, maxWorkers: this.#size };
  }

  /**
   * Per running worker, over the window since the previous call: how busy its event loop was
   * (read from here) and how late, and its heap now (asked of the worker, which a blocked loop
   * cannot answer: both are then left out after LOAD_TIMEOUT_MS rather than holding up the caller).
   */
  async threadLoad(): Promise<ThreadLoad[]> {
    const workers = this.#slots.filter((w): w is MediaWorkerHandle => w?.alive === true);
    return Promise.all(
      workers.map(async (w) => {
        const [delay, heap] = await Promise.all([
          withTimeout(w.call('loopDelay'), LOAD_TIMEOUT_MS).catch(() => undefined),
          withTimeout(w.call('heap'), LOAD_TIMEOUT_MS).catch(() => undefined),
        ]);
        return { worker: w.index, ...w.takeUtilization(), ...(delay ? { eventLoopDelay: delay } : {}), ...(heap ? { heap } : {}) };
      }),
    );
  }

  /** Per running worker: what the pool placed there and what its engine reports. */
  async workerInfo(): Promise<WorkerInfo[]> {
    const workers = this.#slots.filter((w): w is MediaWorkerHandle => w?.alive === true);
    return Promise.all(
      workers.map(async (w) => ({
        index: w.index,
        threadId: w.threadId,
        endpoints: this.#load.get(w) ?? 0,
        groups: [...this.#groups.values()].filter((g) => g.worker === w && g.name !== undefined).map((g) => g.name as string),
        stats: await w.call('stats'),
      })),
    );
  }

  /** Test hook: makes worker `index` die of an uncaught exception. */
  async crashWorkerForTesting(index: number): Promise<void> {
    const worker = this.#slots[index];
    if (!worker?.alive) throw new MediaEngineError('internal', `no running media worker ${index}`);
    await worker.call('crash');
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      for (const timer of this.#idleTimers.values()) clearTimeout(timer);
      this.#idleTimers.clear();
      await Promise.all(this.#slots.map((w) => w?.close()));
      this.#slots.fill(undefined);
      this.#endpoints.clear();
      this.#groups.clear();
      this.#load.clear();
      this.#log('info', 'media worker pool closed');
    })();
    return this.#closing;
  }

  #assertOpen(): void {
    assertEngineOpen(this.#closed);
  }

  #assertNewId(endpointId: unknown): asserts endpointId is string {
    assertNewEndpointId(this.#endpoints, endpointId);
  }

  #publisherWorker(publisherId: string): MediaWorkerHandle {
    const endpoint = this.#endpoints.get(publisherId);
    if (!endpoint?.subscribers) throw new MediaEngineError('unknown-endpoint', `unknown publisher endpoint ${String(publisherId)}`);
    return endpoint.group.worker;
  }

  /** The running worker of slot `i`, started if the slot is empty (first use, or after a crash or a failed start). */
  #workerAt(i: number): MediaWorkerHandle {
    const current = this.#slots[i];
    if (current?.alive) return current;
    const worker = new MediaWorkerHandle(
      { index: i, engine: workerPorts(this.#engineOptions, i) },
      {
        log: this.#log,
        onEvent: (event) => this.#relay(event),
        onExit: (handle, reason, expected) => this.#onWorkerExit(handle, reason, expected),
      },
    );
    this.#slots[i] = worker;
    this.#load.set(worker, 0);
    this.#threads.add(worker);
    return worker;
  }

  /** The group's existing placement, or the least loaded worker for a new group. */
  #groupFor(name: string | undefined): Group {
    if (name !== undefined) {
      const existing = this.#groups.get(name);
      if (existing?.worker.alive) return existing;
    }
    let best = -1;
    let bestLoad = Infinity;
    for (let k = 0; k < this.#size; k++) {
      const i = (this.#cursor + k) % this.#size;
      const worker = this.#slots[i];
      const load = worker?.alive ? (this.#load.get(worker) ?? 0) : 0;
      if (load < bestLoad) {
        best = i;
        bestLoad = load;
      }
    }
    this.#cursor = (best + 1) % this.#size;
    const group: Group = { name, worker: this.#workerAt(best), endpoints: 0 };
    if (name !== undefined) this.#groups.set(name, group);
    return group;
  }

  #add(endpointId: string, endpoint: Endpoint): void {
    this.#endpoints.set(endpointId, endpoint);
    endpoint.group.endpoints++;
    const worker = endpoint.group.worker;
    this.#load.set(worker, (this.#load.get(worker) ?? 0) + 1);
    this.#cancelIdleStop(worker);
  }

  /** Drops an endpoint (and a publisher's subscribers, which its worker releases with it). */
  #forget(endpointId: string): void {
    const endpoint = this.#endpoints.get(endpointId);
    if (!endpoint) return;
    this.#endpoints.delete(endpointId);
    const { group } = endpoint;
    group.endpoints--;
    if (group.endpoints === 0 && group.name !== undefined && this.#groups.get(group.name) === group) this.#groups.delete(group.name);
    const load = this.#load.get(group.worker);
    if (load !== undefined) this.#load.set(group.worker, load - 1);
    if (load === 1) this.#scheduleIdleStop(group.worker);
    if (endpoint.publisherId !== undefined) this.#endpoints.get(endpoint.publisherId)?.subscribers?.delete(endpointId);
    for (const subscriberId of endpoint.subscribers ?? []) this.#forget(subscriberId);
  }

  /** Stops `worker` after #idleStopMs unless it gets an endpoint meanwhile. */
  #scheduleIdleStop(worker: MediaWorkerHandle): void {
    if (this.#closed || this.#prestart) return;
    this.#cancelIdleStop(worker);
    const timer = setTimeout(() => {
      this.#idleTimers.delete(worker);
      if (this.#closed || !worker.alive || (this.#load.get(worker) ?? 0) > 0) return;
      this.#log('info', 'media worker stopped: no endpoints left', { worker: worker.index, idleMs: this.#idleStopMs });
      // Its counters are kept (asked before the close, which the thread answers after them), so
      // that the engine's *_total counters do not go down when an idle thread stops.
      const last = withTimeout(worker.call('stats'), LOAD_TIMEOUT_MS).catch(() => undefined);
      // Its slot then holds a closed handle, which #workerAt replaces when a room needs it.
      void worker.close();
      void last.then((stats) => {
        if (stats) this.#retired = addStats(this.#retired, { ...stats, publishers: 0, subscribers: 0, peerConnections: 0, videoFilters: 0 });
      });
    }, this.#idleStopMs);
    // An idle pool must not keep the process alive.
    timer.unref();
    this.#idleTimers.set(worker, timer);
  }

  #cancelIdleStop(worker: MediaWorkerHandle): void {
    const timer = this.#idleTimers.get(worker);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#idleTimers.delete(worker);
  }

  #relay(event: WorkerEvent): void {
    // The worker's engine emitted exactly these arguments for this event name.
    (this.emit as (name: string, ...args: unknown[]) => void)(event.event, ...event.args);
  }

  #onWorkerExit(worker: MediaWorkerHandle, reason: string, expected: boolean): void {
    this.#threads.delete(worker);
    this.#load.delete(worker);
    this.#cancelIdleStop(worker);
    if (expected || this.#closed) return;
    // Subscribers first: each owner hears of its own endpoint before a publisher's failure
    // takes the subscriptions to it away (a room releases those with the publication).
    const lost = [...this.#endpoints]
      .filter(([, e]) => e.group.worker === worker)
      .sort(([, a], [, b]) => Number(a.subscribers !== undefined) - Number(b.subscribers !== undefined))
      .map(([id]) => id);
    this.#log('error', 'media worker stopped; its endpoints failed', { worker: worker.index, reason, endpoints: lost.length });
    for (const id of lost) this.#endpoints.delete(id);
    for (const [name, group] of this.#groups) if (group.worker === worker) this.#groups.delete(name);
    // Without prestartWorkers, no replacement now: as at start, the slot gets a thread when a
    // group is next placed on it. With it, one at once, unless the thread never started (it
    // would fail again at once: its replacement then waits for a new group).
    if (this.#prestart && worker.ready && this.#slots[worker.index] === worker) this.#workerAt(worker.index);
    const silentMs = Date.now() - worker.lastHeardAt;
    for (const id of lost) this.emit('endpointState', id, 'failed', { cause: 'worker-died', silentMs });
  }
}
