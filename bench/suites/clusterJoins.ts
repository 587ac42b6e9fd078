/**
 * cluster.joinsPerSecond (issue 13, "Measured"): signalling-only participants joining rooms of 10
 * through a cluster of 3 nodes (one Redis, each node its own process started with `--redis URL
 * --node-id ID`), client i connected to node i mod 3, so every room has members on every node and
 * rooms are claimed all over the cluster; against the same load on a cluster of 1 node (its own
 * Redis), and on a single server without Redis. The three stay up side by side and each
 * repetition runs them in a rotated order, so that other work on a shared machine falls on all of
 * them alike. As in signalling-joins, sockets are opened first and only the joinRoom requests are
 * timed, `concurrency` in flight. CPU per join counts every node and Redis.
 */
import { loadavg } from 'node:os';
import { BENCH_HEARTBEAT_MS, BENCH_NODE_TTL_MS, BENCH_SERVER_FLAGS, redisUnavailable, startCluster, type BenchCluster } from '../lib/clusterNodes.js';
import { LoadClient, pool, until } from '../lib/rpc.js';
import { measured, notMeasured, type BenchSuite, type Metrics } from '../lib/results.js';
import { cpuMicros, startServerProcess, type ServerHandle } from '../lib/serverHandle.js';
import { median, percentile, round } from '../lib/stats.js';
import { ROOM_SIZE } from './signallingJoins.js';

const SIZES = {
  smoke: { participants: 30, reps: 1, warmup: 0, concurrency: 8 },
  quick: { participants: 2000, reps: 3, warmup: 1000, concurrency: 64 },
  full: { participants: 4000, reps: 5, warmup: 2000, concurrency: 64 },
};

/** One configuration under the same load: its servers and how to read their CPU time. */
interface Target {
  name: 'threeNodes' | 'oneNode' | 'singleServer';
  servers: ServerHandle[];
  cluster?: BenchCluster;
}

interface Round {
  joinsPerSecond: number;
  /** CPU of the servers and of Redis over the timed joins, in µs. */
  serverCpuMicros: number;
  redisCpuMicros: number;
  latencies: number[];
  /** Rooms each node owned at the end of the joins. */
  roomsPerNode: number[];
  /** Share of joins whose client's node did not own the room (the request crossed nodes). */
  crossNodeJoinsPct?: number;
}

const loadAverage = () => loadavg().map((l) => round(l));

async function cpuOf(target: Target): Promise<{ server: number; redis: number }> {
  if (target.cluster) {
    const { nodesMicros, redisMicros } = await target.cluster.cpu();
    return { server: nodesMicros, redis: redisMicros };
  }
  return { server: cpuMicros(await target.servers[0]!.usage()), redis: 0 };
}

async function participants(target: Target): Promise<number[]> {
  return Promise.all(target.servers.map(async (s) => (await s.usage()).stats.participants));
}

/** `count` clients, client i on server i mod n, join rooms of ROOM_SIZE; the joins are timed. */
async function joinRound(target: Target, tag: string, count: number, concurrency: number): Promise<Round> {
  const clients: LoadClient[] = new Array(count);
  try {
    await pool(count, concurrency, async (i) => {
      clients[i] = await LoadClient.connect(target.servers[i % target.servers.length]!.wsUrl);
    });
    const before = await cpuOf(target);
    const latencies: number[] = [];
    const start = performance.now();
    await pool(count, concurrency, async (i) => {
      const t = performance.now();
      await clients[i]!.join(`${tag}-room-${Math.floor(i / ROOM_SIZE)}`, `user-${i}`);
      latencies.push(performance.now() - t);
    });
    const elapsedMs = performance.now() - start;
    const after = await cpuOf(target);
    const joined = (await participants(target)).reduce((a, b) => a + b, 0);
    if (joined !== count) throw new Error(`${target.name}: ${joined} of ${count} participants joined`);
    const roomsPerNode = await Promise.all(target.servers.map(async (s) => (await s.usage()).stats.rooms));
    let crossNodeJoinsPct: number | undefined;
    if (target.cluster && target.servers.length > 1) {
      // Which node owns each room, from the cluster's own view (any node gathers every node's).
      const response = await fetch(`${target.servers[0]!.url}/api/rooms`);
      const rooms = (await response.json()) as Array<{ name: string; node: string }>;
      const owner = new Map(rooms.map((r) => [r.name, r.node]));
      const ids = target.cluster.nodes.map((n) => n.id);
      let crossed = 0;
      for (let i = 0; i < count; i++) if (owner.get(`${tag}-room-${Math.floor(i / ROOM_SIZE)}`) !== ids[i % ids.length]) crossed++;
      crossNodeJoinsPct = round((crossed / count) * 100, 1);
    }
    return {
      joinsPerSecond: (count / elapsedMs) * 1000,
      serverCpuMicros: after.server - before.server,
      redisCpuMicros: after.redis - before.redis,
      latencies,
      roomsPerNode,
      crossNodeJoinsPct,
    };
  } finally {
    // Leave as they joined, `concurrency` at a time, before the sockets go. Thousands of sockets
    // cut at once make thousands of cross-node commands at once; on a loaded 2-core machine that
    // starved the nodes' heartbeats past their TTL (nodes declared dead while alive) and timed
    // out commands (participants left behind on their room node): a failure test, not a join
    // figure. What was seen is in docs/scaling.md ("Known limits").
    await pool(count, concurrency, async (i) => {
      await clients[i]?.request('leaveRoom', {}).catch(() => undefined);
    });
    for (const c of clients) c?.terminate();
    await until(async () => (await participants(target)).every((p) => p === 0), 60_000, `the participants of ${target.name} to leave`);
  }
}

function summary(rounds: Round[], participantsPerRep: number) {
  const jps = rounds.map((r) => r.joinsPerSecond);
  const cpuPerJoin = median(rounds.map((r) => (r.serverCpuMicros + r.redisCpuMicros) / participantsPerRep));
  const all = rounds.flatMap((r) => r.latencies);
  return {
    joinsPerSecond: Math.round(median(jps)),
    min: Math.round(Math.min(...jps)),
    max: Math.round(Math.max(...jps)),
    perRep: jps.map((v) => Math.round(v)),
    cpuMicrosPerJoin: Math.round(cpuPerJoin),
    redisCpuMicrosPerJoin: Math.round(median(rounds.map((r) => r.redisCpuMicros / participantsPerRep))),
    joinsPerCpuSecond: Math.round(1e6 / cpuPerJoin),
    joinLatencyP50Ms: round(percentile(all, 50)),
    joinLatencyP99Ms: round(percentile(all, 99)),
  };
}

export const clusterJoins: BenchSuite = {
  name: 'cluster-joins',
  keys: ['cluster.joinsPerSecond'],
  async run(mode, log) {
    const unavailable = redisUnavailable();
    if (unavailable) {
      log(`  skipped: ${unavailable}`);
      return { 'cluster.joinsPerSecond': notMeasured('joins/s', undefined, unavailable) };
    }
    const size = SIZES[mode];
    const loadAverageAtStart = loadAverage();
    const targets: Target[] = [];
    try {
      const three = await startCluster(3, 'bench');
      targets.push({ name: 'threeNodes', servers: three.nodes.map((n) => n.server), cluster: three });
      const one = await startCluster(1, 'solo');
      targets.push({ name: 'oneNode', servers: one.nodes.map((n) => n.server), cluster: one });
      targets.push({ name: 'singleServer', servers: [await startServerProcess({ cliArgs: BENCH_SERVER_FLAGS })] });

      if (size.warmup > 0) for (const target of targets) await joinRound(target, `warmup-${target.name}`, size.warmup, size.concurrency);
      const rounds = new Map<Target['name'], Round[]>(targets.map((t) => [t.name, []]));
      for (let r = 0; r < size.reps; r++) {
        // Rotated order: a burst of other work on the machine does not always hit the same one.
        const order = targets.map((_, k) => targets[(k + r) % targets.length]!);
        for (const target of order) {
          const round1 = await joinRound(target, `rep${r}-${target.name}`, size.participants, size.concurrency);
          rounds.get(target.name)!.push(round1);
          log(
            `  rep ${r + 1}/${size.reps} ${target.name}: ${Math.round(round1.joinsPerSecond)} joins/s, CPU ${Math.round((round1.serverCpuMicros + round1.redisCpuMicros) / size.participants)} µs/join` +
              (target.cluster ? ` (Redis ${Math.round(round1.redisCpuMicros / size.participants)})` : '') +
              (target.servers.length > 1 ? `, rooms per node ${round1.roomsPerNode.join('/')}, ${round1.crossNodeJoinsPct}% of joins crossed nodes` : '') +
              `, load average ${loadAverage().join(' ')}`,
          );
        }
      }
      const three3 = summary(rounds.get('threeNodes')!, size.participants);
      const one1 = summary(rounds.get('oneNode')!, size.participants);
      const single = summary(rounds.get('singleServer')!, size.participants);
      const metrics: Metrics = {
        'cluster.joinsPerSecond': measured(three3.joinsPerSecond, 'joins/s', undefined, {
          min: three3.min,
          max: three3.max,
          oneNodeJoinsPerSecond: one1.joinsPerSecond,
          oneNodeMin: one1.min,
          oneNodeMax: one1.max,
          ratioToOneNode: round(three3.joinsPerSecond / one1.joinsPerSecond),
          singleServerJoinsPerSecond: single.joinsPerSecond,
          singleServerMin: single.min,
          singleServerMax: single.max,
          threeNodes: three3,
          oneNode: one1,
          singleServer: single,
          roomsPerNodePerRep: rounds.get('threeNodes')!.map((r) => r.roomsPerNode),
          crossNodeJoinsPctPerRep: rounds.get('threeNodes')!.map((r) => r.crossNodeJoinsPct),
          participantsPerRep: size.participants,
          reps: size.reps,
          roomSize: ROOM_SIZE,
          concurrency: size.concurrency,
          nodeHeartbeatMs: BENCH_HEARTBEAT_MS,
          nodeTtlMs: BENCH_NODE_TTL_MS,
          loadAverageAtStart,
          loadAverageAtEnd: loadAverage(),
        }),
      };
      return metrics;
    } finally {
      await Promise.allSettled(targets.map((t) => (t.cluster ? t.cluster.close() : Promise.all(t.servers.map((s) => s.close())))));
    }
  },
};
