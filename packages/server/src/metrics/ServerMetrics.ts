/**
 * The metrics of one room server, served at /metrics. Each server has a registry of its own
 * (not prom-client's global one), so that two servers in one process, as in the tests, neither
 * clash on names nor mix their figures; the process metrics are added to it.
 */
import { Registry } from 'prom-client';
import { registerLiveGauges } from './liveGauges.js';
import { registerMediaCounters } from './mediaCounters.js';
import { processMetricsRegistry } from './processMetrics.js';
import { RpcMetrics } from './RpcMetrics.js';
import { ScrapeSnapshot, type Snapshot } from './ScrapeSnapshot.js';
import { registerWorkerMetrics } from './workerMetrics.js';

export class ServerMetrics {
  /** This server's metrics and the process metrics. */
  readonly #exposed: Registry;
  /** Give it to the signalling layer: it counts every JSON-RPC answer. */
  readonly rpc: RpcMetrics;

  /** `node`: in a cluster, every series is labelled with the node's id. */
  constructor(read: () => Promise<Snapshot>, node?: string) {
    const own = new Registry();
    const snapshot = new ScrapeSnapshot(read);
    this.rpc = new RpcMetrics(own);
    registerLiveGauges(own, snapshot);
    registerMediaCounters(own, snapshot);
    registerWorkerMetrics(own, snapshot);
    this.#exposed = Registry.merge([own, processMetricsRegistry()]);
    if (node !== undefined) this.#exposed.setDefaultLabels({ node });
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.#exposed.contentType, body: await this.#exposed.metrics() };
  }
}
