/**
 * A cluster under test: one Redis (Debian's redis-server on a free loopback port, no persistence,
 * testing/redis.ts) and server nodes in processes of their own (serverProcess.ts), each made by
 * the CLI's parser from the flags an operator would write: `--redis URL --node-id ID`. Resolves
 * once every node sees all the others in the registry, so the first join can go to any of them.
 */
import { redisAvailable, redisServerPath, startRedis, type TestRedis } from '../../testing/redis.js';
import { redisCpuMicros } from './redisInfo.js';
import { until } from './rpc.js';
import { cpuMicros, startServerProcess, type ServerHandle } from './serverHandle.js';

/**
 * Flags of every server of the cluster suites: loopback, a free port, no reconnection grace (a
 * terminated load client leaves at once, as in signalling-joins), and media in the main thread
 * (the suites are signalling-only; three processes with a worker per core would only add idle
 * threads to a shared machine).
 */
export const BENCH_SERVER_FLAGS = ['--port', '0', '--host', '127.0.0.1', '--log-level', 'warn', '--grace-ms', '0', '--media-workers', '1'];

/**
 * The nodes' heartbeat TTL. The default (3 s, with a heartbeat every 1 s; the CLI has no flag for
 * either) declared live nodes dead under this benchmark's own join load on a shared 2-core
 * machine: a node busy with a backlog of joins answered its heartbeat more than 3 s late, the
 * others ended their sessions in its rooms, and participants were left behind on it. The
 * figures are of the data path, so the nodes get a TTL that such stalls stay under; the false
 * deaths are reported in docs/scaling.md ("Known limits").
 */
export const BENCH_NODE_TTL_MS = 10_000;
export const BENCH_HEARTBEAT_MS = 1000;

const REDIS_INSTALL_HINT = 'apt-get install -y redis-server';

/** Why a cluster cannot be run here, or undefined when it can. */
export function redisUnavailable(): string | undefined {
  return redisAvailable() ? undefined : `redis-server is not installed (${redisServerPath} not found; ${REDIS_INSTALL_HINT})`;
}

export interface BenchNode {
  id: string;
  server: ServerHandle;
}

export interface BenchCluster {
  redis: TestRedis;
  nodes: BenchNode[];
  /** The node owning `room`, as every node's `/api/rooms/NAME` names it. */
  ownerOf(room: string): Promise<string>;
  /** CPU time so far of the nodes (their sum) and of Redis, in µs. */
  cpu(): Promise<{ nodesMicros: number; redisMicros: number }>;
  close(): Promise<void>;
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.json();
}

/** Starts Redis and `count` nodes named `<prefix>-1` ... `<prefix>-<count>`. */
export async function startCluster(count: number, prefix: string): Promise<BenchCluster> {
  const redis = await startRedis();
  const nodes: BenchNode[] = [];
  const close = async () => {
    await Promise.allSettled(nodes.map((n) => n.server.close()));
    await redis.close();
  };
  try {
    // One at a time: the start-ups (tsx compiling the server) would only compete for the cores.
    for (let i = 1; i <= count; i++) {
      const id = `${prefix}-${i}`;
      nodes.push({
        id,
        server: await startServerProcess({
          cliArgs: [...BENCH_SERVER_FLAGS, '--redis', redis.url, '--node-id', id],
          serverOptions: { cluster: { heartbeatMs: BENCH_HEARTBEAT_MS, nodeTtlMs: BENCH_NODE_TTL_MS } },
        }),
      });
    }
    await until(
      async () => {
        for (const { server } of nodes) {
          const stats = (await getJson(`${server.url}/api/stats`)) as { cluster?: { nodes: unknown[] } };
          if ((stats.cluster?.nodes.length ?? 0) !== count) return false;
        }
        return true;
      },
      60_000,
      `all ${count} nodes to see each other`,
    );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    redis,
    nodes,
    async ownerOf(room) {
      const view = (await getJson(`${nodes[0]!.server.url}/api/rooms/${encodeURIComponent(room)}`)) as { node?: string };
      if (typeof view.node !== 'string') throw new Error(`/api/rooms/${room} names no owning node`);
      return view.node;
    },
    async cpu() {
      const usages = await Promise.all(nodes.map((n) => n.server.usage()));
      return { nodesMicros: usages.reduce((sum, u) => sum + cpuMicros(u), 0), redisMicros: await redisCpuMicros(redis.port) };
    },
    close,
  };
}
