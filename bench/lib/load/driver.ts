/**
 * What a server's signalling has to do for the SFU load: set up rooms in which every participant
 * publishes audio + video and subscribes to every other participant, one peer connection per
 * publication and per subscription. The media side (peers, synthetic RTP, counting) is the
 * generator's and the same for every driver; a driver only speaks its server's protocol.
 */
import type { Peers } from './peers.js';
import { pool } from '../rpc.js';

export type DriverName = 'kurento-room' | 'janus';

/** Which server the generator loads, and where. */
export interface LoadTarget {
  driver: DriverName;
  wsUrl: string;
  /** The local address the peers gather on; the server must reach it (see janusProcess.ts). */
  bindAddress: string;
}

export interface DriverContext {
  wsUrl: string;
  peers: Peers;
  /** Problems seen outside a request (a socket closed, a peer hung up), for the window's report. */
  onError(message: string): void;
}

export interface LoadDriver {
  /** Sets up one room of `participants`; resolves once every publication and subscription was negotiated. */
  addRoom(room: string, participants: number): Promise<void>;
  /** Closes the signalling connections. */
  close(): void;
}

/** Runs `task` over `items` with at most `concurrency` in flight (rpc.ts's pool, over items). */
export function inPool<T>(items: T[], concurrency: number, task: (item: T, i: number) => Promise<void>): Promise<void> {
  return pool(items.length, concurrency, (i) => task(items[i]!, i));
}
