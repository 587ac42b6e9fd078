/**
 * JSON-RPC requests counted by method and outcome, and their latency: from a request's arrival
 * to its answer, queueing behind the session's earlier requests included, since that is what the
 * client waits.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { RpcObserver } from '../signalling/RpcConnection.js';
import { PREFIX } from './names.js';
import { codeLabel, methodLabel } from './rpcLabels.js';

/** From 1 ms (a ping) to 10 s (a publish whose media negotiation stalls). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class RpcMetrics implements RpcObserver {
  readonly #requests: Counter<'method' | 'code'>;
  readonly #latency: Histogram<'method'>;

  constructor(registry: Registry) {
    this.#requests = new Counter({
      name: `${PREFIX}rpc_requests_total`,
      help: "JSON-RPC requests answered, by method (`unknown` for a method the protocol does not have, `invalid` for a frame that was not a request) and code (`ok` for a result, else the JSON-RPC error code, e.g. 104 for a taken user name)",
      labelNames: ['method', 'code'],
      registers: [registry],
    });
    this.#latency = new Histogram({
      name: `${PREFIX}rpc_request_duration_seconds`,
      help: 'Time from the arrival of a JSON-RPC request to its answer, by method (results and errors alike)',
      labelNames: ['method'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
  }

  answered(method: string | undefined, code: number | undefined, seconds: number | undefined): void {
    const label = methodLabel(method);
    this.#requests.inc({ method: label, code: codeLabel(code) });
    if (seconds !== undefined) this.#latency.observe({ method: label }, seconds);
  }
}
