import { hostname } from 'node:os';

/** What makes a server a node of a cluster (the `--redis`, `--node-id`, `--drain-timeout` flags). */
export interface ClusterOptions {
  /** `redis://host:port`: the cluster's shared store and message bus. */
  redisUrl: string;
  /** This node's name; default `<hostname>-<port>`. */
  nodeId?: string;
  /** On drain (SIGTERM), how long rooms may go on before their participants are moved. Default 60 s. */
  drainTimeoutMs?: number;
  /** Heartbeat period and TTL of the node key, in ms (defaults 1000 and 3000). */
  heartbeatMs?: number;
  nodeTtlMs?: number;
  /** Key prefix, so that several clusters (or tests) can share one Redis. Default `kr:`. */
  keyPrefix?: string;
}

export const DEFAULT_DRAIN_TIMEOUT_MS = 60_000;

/** The default node id: unique per host and port, readable in logs and metrics. */
export function defaultNodeId(port: number): string {
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 50) || 'node';
  return `${host}-${port}`;
}

/** The Redis URL fit for logs and errors: a password in it is replaced by `***`. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable Redis URL)';
  }
}
