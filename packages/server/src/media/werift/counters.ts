/**
 * Engine-wide packet and message counters, bumped in place on the hot path (plain integer
 * additions: nothing on the per-packet path may allocate or call out).
 */
export interface Counters {
  rtpPacketsIn: number;
  /** Size of the received RTP packets (header, payload and padding, after SRTP decryption). */
  rtpBytesIn: number;
  rtpPacketsOut: number;
  /** Size of the sent RTP packets (header and payload, before SRTP encryption). */
  rtpBytesOut: number;
  dataMessagesIn: number;
  dataMessagesOut: number;
  keyFrameRequests: number;
  nacksReceived: number;
  nackedPackets: number;
  reportedLostPackets: number;
}

export function createCounters(): Counters {
  return {
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
  };
}
