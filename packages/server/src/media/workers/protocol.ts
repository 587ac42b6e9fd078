/**
 * Messages between the worker pool (main thread) and a media worker thread. Everything here is
 * structured-clone data: the MediaEngine interface was designed with plain-data arguments and
 * results so that it can cross this boundary unchanged.
 */
import type {
  EngineStats,
  FilterSupport,
  IceCandidateInit,
  LoopDelay,
  ThreadHeap,
  MediaEngineEvents,
  MediaErrorKind,
  NegotiationResult,
  PublishRequest,
  SubscribeRequest,
  VideoFilterSpec,
} from '../MediaEngine.js';
import type { MediaLogLevel } from '../werift/log.js';
import type { WeriftMediaEngineOptions } from '../werift/WeriftMediaEngine.js';

/** What a worker is started with (its `workerData`): the engine options minus the logger, which logs back through messages. */
export interface MediaWorkerData {
  index: number;
  engine: Omit<WeriftMediaEngineOptions, 'logger'>;
}

/** Arguments and result of every call a worker answers. */
export interface WorkerCalls {
  publish: { args: [request: PublishRequest]; result: NegotiationResult };
  subscribe: { args: [request: SubscribeRequest]; result: NegotiationResult };
  addIceCandidate: { args: [endpointId: string, candidate: IceCandidateInit]; result: void };
  requestKeyFrame: { args: [publisherId: string]; result: void };
  setVideoActive: { args: [publisherId: string, active: boolean]; result: void };
  release: { args: [endpointId: string]; result: void };
  setVideoFilter: { args: [publisherId: string, filter: VideoFilterSpec | null]; result: void };
  filterSupport: { args: []; result: FilterSupport };
  stats: { args: []; result: EngineStats };
  /** The worker's event-loop delay since the previous call. */
  loopDelay: { args: []; result: LoopDelay };
  /** The worker's V8 heap now. */
  heap: { args: []; result: ThreadHeap };
  close: { args: []; result: void };
  /** Test hook: the worker dies of an uncaught exception, as it would on a bug in the media code. */
  crash: { args: []; result: void };
}
export type WorkerMethod = keyof WorkerCalls;

/** Main thread → worker: one call, answered by exactly one `result` with the same id. */
export type WorkerRequest = { [M in WorkerMethod]: { type: 'call'; id: number; method: M; args: WorkerCalls[M]['args'] } }[WorkerMethod];

/** A MediaEngineError (or any failure, as kind 'internal') reduced to what survives cloning. */
export interface WorkerError {
  kind: MediaErrorKind;
  message: string;
}

export type WorkerResult = { type: 'result'; id: number; ok: true; value: unknown } | { type: 'result'; id: number; ok: false; error: WorkerError };

export type WorkerEvent = { [K in keyof MediaEngineEvents]: { type: 'event'; event: K; args: MediaEngineEvents[K] } }[keyof MediaEngineEvents];

export interface WorkerLog {
  type: 'log';
  level: MediaLogLevel;
  message: string;
  fields?: Record<string, unknown>;
}

/** The engine inside the worker is constructed and listening. */
export interface WorkerReady {
  type: 'ready';
}

/** Worker → main thread. */
export type WorkerMessage = WorkerResult | WorkerEvent | WorkerLog | WorkerReady;
