/**
 * prom-client's process metrics (CPU, memory, heap, the main thread's event-loop lag, GC,
 * handles), registered once per process and shown by every server's /metrics: they describe the
 * process, not a server, and each registration starts an event-loop monitor and a GC observer
 * that nothing can stop, which a process creating many servers (the tests) would pile up.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { PREFIX } from './names.js';

let registry: Registry | undefined;

export function processMetricsRegistry(): Registry {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: PREFIX });
  }
  return registry;
}
