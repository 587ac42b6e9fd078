import type { EngineStats } from '../MediaEngine.js';

export function emptyStats(): EngineStats {
  return {
    publishers: 0,
    subscribers: 0,
    peerConnections: 0,
    rtpPacketsIn: 0,
    rtpPacketsOut: 0,
    dataMessagesOut: 0,
    keyFrameRequests: 0,
    videoFilters: 0,
  };
}

/** Adds the per-worker figures; every field of EngineStats is a count, so sums are meaningful. */
export function addStats(a: EngineStats, b: EngineStats): EngineStats {
  return {
    publishers: a.publishers + b.publishers,
    subscribers: a.subscribers + b.subscribers,
    peerConnections: a.peerConnections + b.peerConnections,
    rtpPacketsIn: a.rtpPacketsIn + b.rtpPacketsIn,
    rtpPacketsOut: a.rtpPacketsOut + b.rtpPacketsOut,
    dataMessagesOut: a.dataMessagesOut + b.dataMessagesOut,
    keyFrameRequests: a.keyFrameRequests + b.keyFrameRequests,
    videoFilters: a.videoFilters + b.videoFilters,
  };
}
