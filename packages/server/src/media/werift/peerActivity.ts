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
  nominated?: AgentPair;
  checkList: AgentPair[];
}

/**
 * A counter of what arrived from the remote, or undefined while no ICE pair is nominated
 * (before ICE completes there is nothing to watch).
 */
export function inboundActivity(pc: RTCPeerConnection): number | undefined {
  let connected = false;
  let total = 0;
  for (const transport of pc.iceTransports) {
    const agent = transport.connection as unknown as Agent;
    if (agent.nominated) connected = true;
    for (const pair of agent.checkList) total += pair.packetsReceived + pair.requestsReceived + pair.responsesReceived;
  }
  if (!connected) return undefined;
  // SRTP and SRTCP, counted by the DTLS transport whichever socket they arrive on.
  for (const transport of pc.dtlsTransports) total += transport.packetsReceived;
  return total;
}
