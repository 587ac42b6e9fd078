/** Why a cluster operation failed, with a code a caller can branch on and a clear message. */
export type ClusterErrorCode =
  /** Redis cannot be reached: cross-node actions are refused until it returns. */
  | 'REDIS_UNAVAILABLE'
  /** The node that owns the room (or holds the session) did not answer in time. */
  | 'NODE_TIMEOUT'
  /** The node that owns the room is gone (no heartbeat). */
  | 'NODE_GONE'
  /** No live node may take a new room (all draining, or none registered). */
  | 'NO_NODE'
  /** Too many requests in flight to other nodes. */
  | 'BUSY';

export class ClusterError extends Error {
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ClusterError';
  }
}
