import type { EngineStats } from '../MediaEngine.js';
import { createCounters } from '../werift/counters.js';

/** Every figure at zero: the engine counters (one list of them, in werift/counters.ts) and the endpoint counts. */
export function emptyStats(): EngineStats {
  return { publishers: 0, subscribers: 0, peerConnections: 0, videoFilters: 0, ...createCounters(), iceDroppedDatagrams: 0, iceDroppedTcpConnections: 0 };
}

/** Adds the per-worker figures; every field of EngineStats is a count, so sums are meaningful. */
export function addStats(a: EngineStats, b: EngineStats): EngineStats {
  const sum = emptyStats();
  for (const key of Object.keys(sum) as Array<keyof typeof sum>) sum[key] = (a[key] ?? 0) + (b[key] ?? 0);
  return sum;
}
