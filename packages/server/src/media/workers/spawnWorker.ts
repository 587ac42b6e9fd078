/**
 * Starts a media worker thread from compiled JavaScript (dist, `npm start`) or from TypeScript
 * source (tests and tools run through tsx with the `source` export condition).
 */
import { Worker } from 'node:worker_threads';
import type { MediaWorkerData } from './protocol.js';

/** This module runs from source when it is itself a .ts file (loaded through tsx). */
const fromSource = import.meta.url.endsWith('.ts');
const entry = new URL(fromSource ? './mediaWorker.ts' : './mediaWorker.js', import.meta.url);

/**
 * Bootstrap of a worker in source mode. On Node 20, `--import tsx` in a worker's execArgv does
 * not make the worker's own loader understand TypeScript (its entry fails with "Unknown file
 * extension .ts"), so the worker registers tsx itself before importing the entry. tsx is resolved
 * here, in the main thread, where it is known to be loaded.
 */
function sourceBootstrap(): string {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
}

export function spawnMediaWorker(data: MediaWorkerData): Worker {
  // execArgv is left to its default, inheritance from this thread, so `--conditions=source` also
  // applies in the worker. Passing `process.execArgv` explicitly instead would make Node validate
  // it and refuse process-wide flags such as --expose-gc (ERR_WORKER_INVALID_EXEC_ARGV).
  if (fromSource) return new Worker(sourceBootstrap(), { eval: true, workerData: data });
  return new Worker(entry, { workerData: data });
}
