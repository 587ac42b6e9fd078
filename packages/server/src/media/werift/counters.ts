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
  /** DTLS handshakes completed with SRTP AES_CM_128_HMAC_SHA1_80 (the profile the SFU prefers as DTLS server). */
  srtpSessionsAesCm: number;
  /** DTLS handshakes completed with SRTP AEAD_AES_128_GCM (the peer chose, or offered nothing else). */
  srtpSessionsAesGcm: number;
  /** Retransmitted DTLS handshake messages the server ignored (dtlsRepeatGuard.ts). */
  dtlsRepeatsDropped: number;
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
    srtpSessionsAesCm: 0,
    srtpSessionsAesGcm: 0,
    dtlsRepeatsDropped: 0,
  };
}

/** Counts one completed DTLS handshake under its SRTP profile (RFC 5764 / 7714 numbers). */
export function countSrtpSession(counters: Counters, profile: number | undefined): void {
  if (profile === 1) counters.srtpSessionsAesCm++;
  else if (profile === 7) counters.srtpSessionsAesGcm++;
}
