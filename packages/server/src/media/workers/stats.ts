import type { EngineStats } from '../MediaEngine.js';

export function emptyStats(): EngineStats {
  return {
    publishers: 0,
    subscribers: 0,
    peerConnections: 0,
    rtpPacketsIn: 0,
    rtpBytesIn: 0,
    rtpPacketsOut: 0,
    rtpBytesOut: 0,
    dataMessagesIn: 0,
    dataMessagesOut: 0,
    keyFrameRequests: 0,
    nacksReceived: 0,
    nackedPackets: 0,
    reportedLostPackets: 0,
    videoFilters: 0,
  };
}

/** Adds the per-worker figures; every field of EngineStats is a count, so sums are meaningful. */
export function addStats(a: EngineStats, b: EngineStats): EngineStats {
  const sum = emptyStats();
  for (const key of Object.keys(sum) as Array<keyof typeof sum>) sum[key] = (a[key] ?? 0) + (b[key] ?? 0);
  return sum;
}
