/** Engine-wide packet and message counters, bumped in place on the hot path. */
export interface Counters {
  rtpPacketsIn: number;
  rtpPacketsOut: number;
  dataMessagesOut: number;
  keyFrameRequests: number;
}

export function createCounters(): Counters {
  return { rtpPacketsIn: 0, rtpPacketsOut: 0, dataMessagesOut: 0, keyFrameRequests: 0 };
}
