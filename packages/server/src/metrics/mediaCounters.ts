/**
 * The media engine's packet and message counters as Prometheus counters. The engine (each
 * worker's) counts with plain integer increments on the packet path; they are read here at scrape
 * time. A media worker that crashes takes its counts with it: the total then drops, which
 * Prometheus's rate() takes for a counter reset.
 */
import { Counter, type Registry } from 'prom-client';
import type { EngineStats } from '../media/MediaEngine.js';
import { PREFIX } from './names.js';
import type { ScrapeSnapshot } from './ScrapeSnapshot.js';

const COUNTERS: ReadonlyArray<[name: string, help: string, field: keyof EngineStats]> = [
  ['rtp_packets_received_total', 'RTP packets received from publishers', 'rtpPacketsIn'],
  ['rtp_bytes_received_total', 'Bytes of the RTP packets received from publishers (RTP header, payload and padding; SRTP overhead and UDP/IP headers not included)', 'rtpBytesIn'],
  ['rtp_packets_sent_total', 'RTP packets sent to subscribers and loopbacks (retransmissions answering NACKs not included)', 'rtpPacketsOut'],
  ['rtp_bytes_sent_total', 'Bytes of the RTP packets sent to subscribers and loopbacks (RTP header and payload; SRTP overhead and UDP/IP headers not included)', 'rtpBytesOut'],
  ['nacks_received_total', 'RTCP generic NACK messages received from subscribers (the SFU retransmits from its send history; NACKs werift sends to publishers are not counted)', 'nacksReceived'],
  ['nacked_packets_total', 'RTP packets that subscribers asked to be retransmitted in their NACKs', 'nackedPackets'],
  ['keyframe_requests_total', 'Keyframe requests (RTCP PLI) sent to publishers, after the per-publisher throttle', 'keyFrameRequests'],
  [
    'subscriber_reported_lost_packets_total',
    'Packets that subscribers declared lost in their RTCP receiver reports (the increases of each stream\'s cumulative loss); rate() of it over rate() of rtp_packets_sent_total is the loss fraction subscribers see',
    'reportedLostPackets',
  ],
  ['srtp_sessions_aes_cm_total', 'DTLS handshakes completed with SRTP AES_CM_128_HMAC_SHA1_80, which the SFU prefers when it is the DTLS server (one reused cipher per session)', 'srtpSessionsAesCm'],
  ['srtp_sessions_aes_gcm_total', 'DTLS handshakes completed with SRTP AEAD_AES_128_GCM (the peer was the DTLS server or offered no AES-CM)', 'srtpSessionsAesGcm'],
  ['dtls_repeated_handshake_messages_dropped_total', 'Retransmitted DTLS handshake messages the server ignored because werift would have acted on them twice and broken the handshake (dtlsRepeatGuard.ts)', 'dtlsRepeatsDropped'],
  ['data_channel_messages_received_total', 'Data channel messages received from publishers', 'dataMessagesIn'],
  ['data_channel_messages_sent_total', 'Data channel messages delivered to subscribers', 'dataMessagesOut'],
  ['ice_dropped_datagrams_total', 'Datagrams the shared ICE UDP ports dropped: an unknown ICE username fragment, or an address no peer connection has used', 'iceDroppedDatagrams'],
  ['ice_dropped_tcp_connections_total', 'ICE-TCP connections the shared TCP ports closed before any peer connection took them (no STUN check first, unknown username fragment, too many, silent)', 'iceDroppedTcpConnections'],
];

export function registerMediaCounters(registry: Registry, snapshot: ScrapeSnapshot): void {
  for (const [name, help, field] of COUNTERS) {
    new Counter({
      name: `${PREFIX}${name}`,
      help,
      registers: [registry],
      async collect() {
        const value = (await snapshot.get()).stats.media[field] ?? 0;
        // A counter has no set(): the engine's total replaces the previous one.
        this.reset();
        this.inc(value);
      },
    });
  }
}
