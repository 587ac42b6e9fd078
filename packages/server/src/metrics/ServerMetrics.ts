/**
 * The metrics of one room server, served at /metrics. Each server has a registry of its own
 * (not prom-client's global one), so that two servers in one process, as in the tests, neither
 * clash on names nor mix their figures.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerLiveGauges } from './liveGauges.js';
import { registerMediaCounters } from './mediaCounters.js';
import { PREFIX } from './names.js';
import { RpcMetrics } from './RpcMetrics.js';
import { ScrapeSnapshot, type Snapshot } from './ScrapeSnapshot.js';
import { registerWorkerMetrics } from './workerMetrics.js';

export class ServerMetrics {
  readonly #registry = new Registry();
  /** Give it to the signalling layer: it counts every JSON-RPC answer. */
  readonly rpc: RpcMetrics;

  constructor(read: () => Promise<Snapshot>) {
    const snapshot = new ScrapeSnapshot(read);
    this.rpc = new RpcMetrics(this.#registry);
    registerLiveGauges(this.#registry, snapshot);
    registerMediaCounters(this.#registry, snapshot);
    registerWorkerMetrics(this.#registry, snapshot);
    // Process figures: CPU, memory, heap, main event-loop lag, GC, handles.
    collectDefaultMetrics({ register: this.#registry, prefix: PREFIX });
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.#registry.contentType, body: await this.#registry.metrics() };
  }
}
