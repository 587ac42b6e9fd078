/**
 * One fixed SFU load point against one freshly started server: a new load generator process sets
 * up all the point's rooms, waits for the peers (at most 15 s, as the ramp does), lets the load
 * settle, then measures one window, with the same figures as a ramp step (sfuRamp.ts's `step`).
 * The server's RSS before any load is read too, so memory per peer connection can be given both
 * as RSS / peer connections and as the growth over the idle server.
 */
import { startRtpLoad } from './rtpLoadHandle.js';
import { measureWindow, type ServerUnderTest, type SfuStep } from './sfuRamp.js';

export interface PointSize {
  participants: number;
  settleSeconds: number;
  windowSeconds: number;
}

export interface PointResult {
  step: SfuStep;
  peerConnections: number;
  /** The server's RSS once started, before the generator connected. */
  idleRssMB: number;
  setupSeconds: number;
  /** Peer connections not connected when the setup wait ended (their streams count as lost). */
  notConnected: number;
  /** Problems the generator saw during the window (closed sockets, hung-up peers), at most 10. */
  errors: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function measurePoint(server: ServerUnderTest, rooms: number, size: PointSize): Promise<PointResult> {
  const idle = await server.usage();
  const load = await startRtpLoad(server.load);
  try {
    const t = performance.now();
    const names = Array.from({ length: rooms }, (_, i) => `sfu-steady-${i + 1}`);
    const added = await load.addRooms(names, size.participants);
    const setupSeconds = (performance.now() - t) / 1000;
    await sleep(size.settleSeconds * 1000);
    const { step: s, errors } = await measureWindow(server, load, rooms, size);
    return {
      step: s,
      peerConnections: added.peers,
      idleRssMB: Math.round((idle.rssBytes / 2 ** 20) * 10) / 10,
      setupSeconds: Math.round(setupSeconds * 10) / 10,
      notConnected: added.peers - (added.states.connected ?? 0),
      errors,
    };
  } finally {
    await load.close();
  }
}
