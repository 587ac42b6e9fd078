/**
 * Entry of a media worker thread: one WeriftMediaEngine whose calls arrive as messages from the
 * pool and whose events and logs go back as messages. All rooms placed on this worker share its
 * JavaScript thread, so their packets never wait behind another core's rooms.
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { MediaEngineError, type MediaEngineEvents } from '../MediaEngine.js';
import { errorMessage, type MediaLogFn } from '../werift/log.js';
import { WeriftMediaEngine } from '../werift/WeriftMediaEngine.js';
import { LoopDelayWindow } from './LoopDelayWindow.js';
import type { MediaWorkerData, WorkerError, WorkerMessage, WorkerRequest } from './protocol.js';

if (!parentPort) throw new Error('mediaWorker runs only as a worker thread');
const port = parentPort;
const data = workerData as MediaWorkerData;

function send(message: WorkerMessage): void {
  port.postMessage(message);
}

const log: MediaLogFn = (level, message, fields) => {
  try {
    send({ type: 'log', level, message, ...(fields ? { fields } : {}) });
  } catch {
    // A field that cannot be cloned (e.g. a function) must not lose the line.
    send({ type: 'log', level, message, fields: { fields: JSON.stringify(fields) } });
  }
};

const engine = new WeriftMediaEngine({ ...data.engine, logger: log });
const loopDelay = new LoopDelayWindow();
// Every event of the engine goes to the pool, which relays it as it comes. A record rather than
// a list, so that an event added to MediaEngineEvents cannot be forgotten here.
const forwarded: { [K in keyof MediaEngineEvents]: true } = {
  iceCandidate: true,
  endpointState: true,
  mediaError: true,
  videoFilterEnded: true,
  activeSpeakers: true,
};
for (const event of Object.keys(forwarded) as Array<keyof MediaEngineEvents>) {
  engine.on(event, (...args: MediaEngineEvents[typeof event]) => send({ type: 'event', event, args } as WorkerMessage));
}

function toWorkerError(error: unknown): WorkerError {
  if (error instanceof MediaEngineError) return { kind: error.kind, message: error.message };
  return { kind: 'internal', message: errorMessage(error) };
}

async function dispatch(request: WorkerRequest): Promise<unknown> {
  switch (request.method) {
    case 'publish':
      return engine.publish(...request.args);
    case 'subscribe':
      return engine.subscribe(...request.args);
    case 'addIceCandidate':
      return engine.addIceCandidate(...request.args);
    case 'requestKeyFrame':
      return engine.requestKeyFrame(...request.args);
    case 'setVideoActive':
      return engine.setVideoActive(...request.args);
    case 'release':
      return engine.release(...request.args);
    case 'setVideoFilter':
      return engine.setVideoFilter(...request.args);
    case 'filterSupport':
      return engine.filterSupport();
    case 'stats':
      return engine.stats();
    case 'loopDelay':
      return loopDelay.take();
    case 'heap': {
      const h = getHeapStatistics();
      return { totalBytes: h.total_heap_size, usedBytes: h.used_heap_size, externalBytes: h.external_memory, mallocedBytes: h.malloced_memory };
    }
    case 'close':
      loopDelay.close();
      return engine.close();
    case 'crash':
      throw new Error('crash requests are handled before dispatch');
  }
}

port.on('message', (request: WorkerRequest) => {
  if (request.method === 'crash') {
    // Thrown from the event handler, outside any promise, so it is uncaught like a bug in a
    // werift callback: the thread dies with this call and every later one unanswered.
    throw new Error(`media worker ${data.index} crashed on request (test hook)`);
  }
  dispatch(request).then(
    (value) => send({ type: 'result', id: request.id, ok: true, value }),
    (error: unknown) => send({ type: 'result', id: request.id, ok: false, error: toWorkerError(error) }),
  );
});

send({ type: 'ready' });
