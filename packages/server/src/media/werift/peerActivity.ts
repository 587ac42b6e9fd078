/**
 * How much a peer connection has heard from its remote: a counter that grows with every SRTP or
 * SRTCP packet, every STUN request or response and every other datagram werift counts for the
 * connection. werift counts these anyway; reading its counters from a timer costs nothing per
 * packet, where a listener on every datagram would. The fields are werift internals, so they
 * are read here only, typed narrowly, and checked by test/media/peerActivity.test.ts against the
 * installed werift.
 *
 * Every pair counts, not just the nominated one: werift counts datagrams on a pair only when they
 * arrive on the nominated pair's own socket, and libwebrtc often sends its media from another
 * local address of the same host (seen: 0 datagrams counted on the nominated pair of a
 * publisher streaming video), leaving werift's consent responses, 4-6 s apart, as the only sign
 * of life there.
 */
import type { RTCPeerConnection } from 'werift';

interface AgentPair {
  packetsReceived: number;
  requestsReceived: number;
  responsesReceived: number;
}

interface Agent {
  checkList: AgentPair[];
}

/**
 * A counter of what arrived from the remote. It counts from the answer on, before ICE connects
 * too: a live client starts its connectivity checks at once (peer-reflexive pairs count their
 * requests), so one that sends nothing at all is gone (or cannot reach us) and its endpoint
 * would otherwise wait for ever, werift never failing an ICE agent that has no remote candidate.
 */
export function inboundActivity(pc: RTCPeerConnection): number {
  let total = 0;
  for (const transport of pc.iceTransports) {
    const agent = transport.connection as unknown as Agent;
    for (const pair of agent.checkList) total += pair.packetsReceived + pair.requestsReceived + pair.responsesReceived;
  }
  // SRTP and SRTCP, counted by the DTLS transport whichever socket they arrive on.
  for (const transport of pc.dtlsTransports) total += transport.packetsReceived;
  return total;
}
