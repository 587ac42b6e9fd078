import type { MediaEngine } from '../MediaEngine.js';
import { WorkerPoolMediaEngine, type WorkerPoolMediaEngineOptions } from './WorkerPoolMediaEngine.js';

export { WorkerPoolMediaEngine } from './WorkerPoolMediaEngine.js';
export type { WorkerInfo, WorkerPoolMediaEngineOptions } from './WorkerPoolMediaEngine.js';

/** The werift SFU on worker threads (one per core by default), rooms spread over them. */
export function createWorkerPoolMediaEngine(options: WorkerPoolMediaEngineOptions = {}): MediaEngine {
  return new WorkerPoolMediaEngine(options);
}
