/**
 * The main thread's side of one media worker thread: numbered calls with their pending promises,
 * and the worker's events and logs handed to the pool. When the thread ends, every pending call
 * settles (nothing waits forever on a dead worker).
 */
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { MediaEngineError } from '../MediaEngine.js';
import type { MediaLogFn } from '../werift/log.js';
import type { MediaWorkerData, WorkerCalls, WorkerEvent, WorkerMessage, WorkerMethod, WorkerRequest } from './protocol.js';
import { spawnMediaWorker } from './spawnWorker.js';

interface Pending {
  method: WorkerMethod;
  resolve(value: unknown): void;
  reject(error: MediaEngineError): void;
}

export interface MediaWorkerHooks {
  onEvent(event: WorkerEvent): void;
  log: MediaLogFn;
  /** The thread ended; `expected` is false unless close() ended it. */
  onExit(handle: MediaWorkerHandle, reason: string, expected: boolean): void;
}

/** Calls that still succeed when their worker dies: the endpoints they would free are gone with it. */
const SETTLED_BY_DEATH: ReadonlySet<WorkerMethod> = new Set(['release', 'close']);
/** How long close() lets a worker release its endpoints before the thread is terminated. */
const CLOSE_GRACE_MS = 5_000;

export class MediaWorkerHandle {
  readonly index: number;
  readonly threadId: number;
  readonly #worker: Worker;
  readonly #hooks: MediaWorkerHooks;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #ready = false;
  #alive = true;
  #closing: Promise<void> | undefined;
  #lastError: string | undefined;
  #lastHeardAt = Date.now();
  #lastUtilization: EventLoopUtilization | undefined;
  #activeMs = 0;

  constructor(data: MediaWorkerData, hooks: MediaWorkerHooks) {
    this.index = data.index;
    this.#hooks = hooks;
    this.#worker = spawnMediaWorker(data);
    this.threadId = this.#worker.threadId;
    // An idle worker must not keep the process alive; a pending call does (see #track).
    this.#worker.unref();
    this.#worker.on('message', (message: WorkerMessage) => this.#onMessage(message));
    // Without an 'error' listener, an exception in the worker would be rethrown in the main thread.
    this.#worker.on('error', (error: Error) => {
      this.#lastError = error.message;
      hooks.log('error', 'media worker failed', { worker: this.index, error: error.message });
    });
    this.#worker.on('exit', (code) => this.#onExit(code));
  }

  /** When the thread last sent anything (Date.now()): the last time it was known alive. */
  get lastHeardAt(): number {
    return this.#lastHeardAt;
  }

  /**
   * How busy the thread's event loop was since the previous call (0..1) and its busy time since
   * it started. Read from this thread, so a worker whose loop is blocked still answers (busy: 1).
   */
  takeUtilization(): { utilization: number; activeSeconds: number } {
    const now = this.#worker.performance.eventLoopUtilization();
    const window = this.#lastUtilization ? this.#worker.performance.eventLoopUtilization(now, this.#lastUtilization) : now;
    this.#lastUtilization = now;
    // Node derives the busy time as elapsed minus idle from two clocks: over a window of a few
    // microseconds it comes out slightly negative (measured: utilization -1.6), and the total
    // can step back by as much. Clamped, so that a counter made of it never goes down.
    this.#activeMs = Math.max(this.#activeMs, now.active);
    const utilization = Number.isFinite(window.utilization) ? Math.min(1, Math.max(0, window.utilization)) : 0;
    return { utilization, activeSeconds: this.#activeMs / 1000 };
  }

  /** Whether the engine in the thread started (a worker that dies before that never worked). */
  get ready(): boolean {
    return this.#ready;
  }

  /** The thread has not ended (its 'exit' event has not fired). */
  get running(): boolean {
    return this.#alive;
  }

  /** Running and taking work (not being closed). */
  get alive(): boolean {
    return this.#alive && this.#closing === undefined;
  }

  call<M extends WorkerMethod>(method: M, ...args: WorkerCalls[M]['args']): Promise<WorkerCalls[M]['result']> {
    if (!this.#alive) {
      if (SETTLED_BY_DEATH.has(method)) return Promise.resolve(undefined);
      return Promise.reject(new MediaEngineError('internal', `media worker ${this.index} is not running`));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      try {
        this.#worker.postMessage({ type: 'call', id, method, args } as WorkerRequest);
      } catch (error) {
        // Arguments that cannot be cloned (functions, class instances with private state).
        const kind = method === 'addIceCandidate' ? 'candidate' : method === 'publish' || method === 'subscribe' ? 'sdp' : 'internal';
        reject(new MediaEngineError(kind, `cannot pass the arguments of ${method} to the media worker: ${(error as Error).message}`));
        return;
      }
      this.#pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject });
      if (this.#pending.size === 1) this.#worker.ref();
    });
  }

  /** Closes the engine in the thread (its endpoints announce 'closed'), then ends the thread. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (!this.#alive) return;
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_GRACE_MS);
      });
      try {
        await Promise.race([this.call('close').catch(() => {}), grace]);
      } finally {
        clearTimeout(timer);
      }
      if (this.#alive) await this.#worker.terminate();
    })();
    return this.#closing;
  }

  #onMessage(message: WorkerMessage): void {
    this.#lastHeardAt = Date.now();
    switch (message.type) {
      case 'ready':
        this.#ready = true;
        return;
      case 'log':
        this.#hooks.log(message.level, message.message, { ...message.fields, worker: this.index });
        return;
      case 'event':
        this.#hooks.onEvent(message);
        return;
      case 'result': {
        const pending = this.#pending.get(message.id);
        if (!pending) return;
        this.#settle(message.id);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(new MediaEngineError(message.error.kind, message.error.message));
        return;
      }
    }
  }

  #settle(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker.unref();
  }

  #onExit(code: number): void {
    this.#alive = false;
    const expected = this.#closing !== undefined;
    const reason = this.#lastError ?? `exit code ${code}`;
    for (const [id, pending] of [...this.#pending]) {
      this.#settle(id);
      if (SETTLED_BY_DEATH.has(pending.method)) pending.resolve(undefined);
      else if (expected) pending.reject(new MediaEngineError('closed', 'media engine is closed'));
      else pending.reject(new MediaEngineError('internal', `media worker ${this.index} stopped (${reason}) before answering ${pending.method}`));
    }
    this.#hooks.onExit(this, reason, expected);
  }
}
