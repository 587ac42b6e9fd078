/**
 * Two corrections to werift's ICE agent, which it exposes no option for. Both reach into the
 * agent's fields (`connection.stunServer`, `checkList`, `checkComplete`), so they are kept here,
 * typed narrowly, and checked by test/media/iceWorkarounds.test.ts against the installed werift.
 */
import { CandidatePairState, type PeerConfig, type RTCPeerConnection } from 'werift';

interface AgentPair {
  state: CandidatePairState;
  nominated: boolean;
  priority: number;
}

interface Agent {
  state: string;
  stunServer?: unknown;
  iceControlling: boolean;
  nominated?: AgentPair;
  checkList: AgentPair[];
  checkComplete(pair: AgentPair): void;
}

function agents(pc: RTCPeerConnection): Agent[] {
  return pc.iceTransports.map((t) => t.connection as unknown as Agent);
}

/** Whether the configuration names a STUN server (a TURN-only one leaves werift's fallback on). */
export function hasStunServer(config: Partial<PeerConfig>): boolean {
  return (config.iceServers ?? []).some((server) => [server.urls].flat().some((url) => /^stuns?:/i.test(url)));
}

/**
 * werift falls back to stun.l.google.com when no STUN server is configured, and waits for that
 * query before its answer is ready: a DNS lookup and a packet to Google per peer connection that
 * nobody asked for (measured: room setup 16 s per room of 10 instead of 2 s, because the lookups
 * queue in libuv's thread pool). Call after setRemoteDescription, before setLocalDescription.
 */
export function skipUnconfiguredStun(pc: RTCPeerConnection): void {
  for (const agent of agents(pc)) agent.stunServer = undefined;
}

/** How long a validated pair may wait for the controlling peer's nomination. */
export const NOMINATION_GRACE_MS = 2000;
const WATCH_INTERVAL_MS = 250;

/**
 * As the controlled agent, werift only completes ICE on the controlling peer's USE-CANDIDATE.
 * libjuice (libdatachannel) can consider a pair nominated without werift ever seeing that
 * request: when werift's thread stalls (many handshakes at once), a late success response to an
 * earlier check, answered after the nomination was requested, is taken by libjuice as the answer
 * to the nominating one. libjuice then waits for DTLS, werift for the nomination, for ever (seen
 * in the SFU benchmark: 3-8 of 100 peer connections per room stuck in `connecting`). When a pair
 * has been valid for NOMINATION_GRACE_MS with no nomination, the best valid pair is adopted as
 * the remote's choice. Returns a function that stops watching.
 */
export function watchNomination(pc: RTCPeerConnection, onAdopt: () => void): () => void {
  const validSince = new Map<Agent, number>();
  const tried = new Set<Agent>();
  const timer = setInterval(() => {
    let pending = false;
    for (const agent of agents(pc)) {
      if (tried.has(agent) || agent.nominated || agent.iceControlling || agent.state === 'closed' || agent.state === 'failed') continue;
      pending = true;
      const valid = agent.checkList.filter((p) => p.state === CandidatePairState.SUCCEEDED);
      if (valid.length === 0) continue;
      const since = validSince.get(agent) ?? Date.now();
      validSince.set(agent, since);
      if (Date.now() - since < NOMINATION_GRACE_MS) continue;
      const best = valid.reduce((a, b) => (b.priority > a.priority ? b : a));
      best.nominated = true;
      try {
        agent.checkComplete(best);
      } catch {
        // This runs from a timer: nothing werift throws may reach the process.
      }
      // One attempt per agent: werift either took the pair or will not take any (e.g. a stale
      // generation), and retrying every tick would only repeat the warning.
      tried.add(agent);
      if (agent.nominated === best) onAdopt();
    }
    if (!pending) clearInterval(timer);
  }, WATCH_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
