/**
 * The Redis keys and channels of a cluster, in one place. Every key starts with the cluster's
 * prefix (`kr:` by default) so that several clusters, or tests, can share one Redis.
 */
export class ClusterKeys {
  constructor(readonly prefix = 'kr:') {}

  /** STRING, JSON NodeInfo, with a TTL: the node's heartbeat. Gone = node dead. */
  node(nodeId: string): string {
    return `${this.prefix}node:${nodeId}`;
  }
  /** SET of node ids that have registered (dead ones are pruned by whoever notices). */
  nodes(): string {
    return `${this.prefix}nodes`;
  }
  /** STRING: the id of the node that owns the room. */
  room(roomName: string): string {
    return `${this.prefix}room:${roomName}`;
  }
  /** SET of room names the node owns (to re-claim them after Redis came back empty). */
  nodeRooms(nodeId: string): string {
    return `${this.prefix}noderooms:${nodeId}`;
  }
  /** STRING, JSON SessionLocation, with a TTL refreshed by the edge: where a session lives, for resumption through any node. */
  session(sessionId: string): string {
    return `${this.prefix}session:${sessionId}`;
  }
  /** Pub/sub channel of one node: commands, replies and notifications addressed to it. */
  inbox(nodeId: string): string {
    return `${this.prefix}inbox:${nodeId}`;
  }
}
