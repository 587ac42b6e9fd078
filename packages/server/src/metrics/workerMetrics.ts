/**
 * The load of each media worker thread, labelled `worker` (its index in the pool). Per-thread CPU
 * time cannot be read on Node 20 from inside a worker; the event loop's utilization (the share of
 * time spent running code rather than waiting for I/O) can, and for a thread that does nothing
 * but handle packets it is the CPU it takes, up to waits inside system calls.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LoopDelay, ThreadHeap } from '../media/MediaEngine.js';
import { PREFIX } from './names.js';
import type { ScrapeSnapshot } from './ScrapeSnapshot.js';

const DELAY_STATS: ReadonlyArray<keyof LoopDelay> = ['mean', 'p50', 'p99', 'max'];
const HEAP_KINDS: ReadonlyArray<[label: string, key: keyof ThreadHeap]> = [
  ['total', 'totalBytes'],
  ['used', 'usedBytes'],
  ['external', 'externalBytes'],
  ['malloced', 'mallocedBytes'],
];

export function registerWorkerMetrics(registry: Registry, snapshot: ScrapeSnapshot): void {
  // Series of a worker that is gone (the pool closed) disappear: each scrape starts afresh.
  new Gauge({
    name: `${PREFIX}media_worker_event_loop_utilization`,
    help: "Share of the time since the previous scrape that the media worker's event loop spent running code, 0..1 (1: saturated)",
    labelNames: ['worker'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const t of (await snapshot.get()).threads) this.set({ worker: String(t.worker) }, t.utilization);
    },
  });
  new Counter({
    name: `${PREFIX}media_worker_event_loop_active_seconds_total`,
    help: "Time the media worker's event loop spent running code since the thread started; rate() of it is the utilization over any window",
    labelNames: ['worker'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const t of (await snapshot.get()).threads) this.inc({ worker: String(t.worker) }, t.activeSeconds);
    },
  });
  new Gauge({
    name: `${PREFIX}media_worker_event_loop_delay_seconds`,
    help: "Event-loop delay of the media worker since the previous scrape, by stat (mean, p50, p99, max): how late its packets are handled. Absent for a worker that did not answer within 1 s",
    labelNames: ['worker', 'stat'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const t of (await snapshot.get()).threads) {
        if (!t.eventLoopDelay) continue;
        for (const stat of DELAY_STATS) this.set({ worker: String(t.worker), stat }, t.eventLoopDelay[stat]);
      }
    },
  });
  new Gauge({
    name: `${PREFIX}media_worker_heap_bytes`,
    help: "The media worker's V8 heap by kind: total (held by V8), used, external (Buffers and ArrayBuffers its objects hold), malloced (V8's own). The process's RSS holds every thread's; this says which isolate holds what. Absent for a worker that did not answer within 1 s",
    labelNames: ['worker', 'kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const t of (await snapshot.get()).threads) {
        if (!t.heap) continue;
        for (const [kind, key] of HEAP_KINDS) this.set({ worker: String(t.worker), kind }, t.heap[key]);
      }
    },
  });
}
