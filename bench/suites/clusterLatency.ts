/**
 * What crossing nodes adds (issue 13, "Measured"), on a cluster of 3 nodes (one Redis, each node
 * its own process started with `--redis URL --node-id ID`). Each repetition makes a fresh room
 * with 2 signalling-only members connected to each node; the room is owned by one of the nodes
 * (the room node), the other two are edges for it. Members take turns sending `sendMessage` at a
 * steady rate (open loop); every message reaches all 6 members. All times are on the load
 * generator's clock.
 *
 * - Request: the sendMessage round trip (request sent -> answer received) of a member on an edge
 *   (the request goes to the room node over Redis and the answer comes back) against that of a
 *   member on the room node. cluster.requestAddedLatencyP50Ms / P99Ms = edge p50 / p99 minus
 *   room-node p50 / p99.
 * - Notification: the same message's delivery (request sent -> `sendMessage` notification
 *   received) to a member on an edge against one on the room node, the sender on the room node in
 *   both cases, so the only difference is the notification's trip from the room node to the edge
 *   over Redis. cluster.notificationAddedLatencyP50Ms / P99Ms = edge minus room node. The details
 *   give every other pair too (sender on an edge, receiver on the same edge, on the other edge, on
 *   the room node).
 *
 * Each figure is the median over repetitions of the per-repetition difference, with min and max.
 */
import { loadavg } from 'node:os';
import { BENCH_HEARTBEAT_MS, BENCH_NODE_TTL_MS, redisUnavailable, startCluster, type BenchCluster } from '../lib/clusterNodes.js';
import { LoadClient, until } from '../lib/rpc.js';
import { measured, notMeasured, type BenchSuite, type Metric, type Metrics } from '../lib/results.js';
import { median, percentile, round } from '../lib/stats.js';

const SIZES = {
  smoke: { reps: 1, messages: 12, warmup: 6, ratePerSecond: 50 },
  quick: { reps: 3, messages: 300, warmup: 30, ratePerSecond: 50 },
  full: { reps: 5, messages: 600, warmup: 60, ratePerSecond: 50 },
};

const MEMBERS_PER_NODE = 2;

/** Where a delivery went, by where its sender and receiver are connected. */
const PAIRS = ['local', 'toEdge', 'fromEdge', 'sameEdge', 'edgeToEdge'] as const;
type Pair = (typeof PAIRS)[number];
/** local: both on the room node; toEdge: sender on the room node, receiver on an edge; fromEdge: sender on an edge, receiver on the room node; sameEdge / edgeToEdge: both on edges, the same one / different ones. */
function pairOf(senderNode: number, receiverNode: number, roomNode: number): Pair {
  if (senderNode === roomNode) return receiverNode === roomNode ? 'local' : 'toEdge';
  if (receiverNode === roomNode) return 'fromEdge';
  return receiverNode === senderNode ? 'sameEdge' : 'edgeToEdge';
}

interface Rep {
  roomNode: string;
  request: { roomNode: number[]; edge: number[] };
  delivery: Record<Pair, number[]>;
}

const loadAverage = () => loadavg().map((l) => round(l));

async function runRep(cluster: BenchCluster, r: number, size: (typeof SIZES)['quick']): Promise<Rep> {
  const room = `cross-node-${r}`;
  const nodeCount = cluster.nodes.length;
  const members: Array<{ client: LoadClient; node: number; user: string }> = [];
  try {
    for (let k = 0; k < nodeCount * MEMBERS_PER_NODE; k++) {
      const node = k % nodeCount;
      members.push({ client: await LoadClient.connect(cluster.nodes[node]!.server.wsUrl), node, user: `member-${k}` });
    }
    for (const m of members) await m.client.join(room, m.user);
    const roomNodeId = await cluster.ownerOf(room);
    const roomNode = cluster.nodes.findIndex((n) => n.id === roomNodeId);
    if (roomNode < 0) throw new Error(`room ${room} is owned by ${roomNodeId}, not a node of this cluster`);

    const sentAt = new Map<number, { at: number; sender: number }>();
    const delivered = new Map<number, number>();
    let measuring = false;
    const rep: Rep = { roomNode: roomNodeId, request: { roomNode: [], edge: [] }, delivery: Object.fromEntries(PAIRS.map((p) => [p, []])) as unknown as Record<Pair, number[]> };
    members.forEach((m, receiver) => {
      m.client.onNotification = (method, params, receivedAt) => {
        if (method !== 'sendMessage') return;
        const seq = Number(String(params.message).slice('msg:'.length));
        const sent = sentAt.get(seq);
        if (sent === undefined) return;
        delivered.set(seq, (delivered.get(seq) ?? 0) + 1);
        if (measuring) rep.delivery[pairOf(members[sent.sender]!.node, members[receiver]!.node, roomNode)].push(receivedAt - sent.at);
      };
    });

    let seq = 0;
    const send = async (count: number) => {
      const first = seq;
      const answers: Promise<void>[] = [];
      const start = performance.now();
      for (let k = 0; k < count; k++) {
        // Open loop: message k leaves at start + k * interval, whatever the answers do.
        const wait = start + (k * 1000) / size.ratePerSecond - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const s = seq++;
        const sender = s % members.length;
        const at = performance.now();
        sentAt.set(s, { at, sender });
        const counted = measuring;
        answers.push(
          members[sender]!.client.request('sendMessage', { message: `msg:${s}`, userMessage: members[sender]!.user, roomMessage: room }).then((reply) => {
            const rtt = performance.now() - at;
            if (reply.error) throw new Error(`sendMessage through ${cluster.nodes[members[sender]!.node]!.id} refused: ${reply.error.message}`);
            if (counted) (members[sender]!.node === roomNode ? rep.request.roomNode : rep.request.edge).push(rtt);
          }),
        );
      }
      await Promise.all(answers);
      await until(() => {
        for (let s = first; s < seq; s++) if ((delivered.get(s) ?? 0) < members.length) return false;
        return true;
      }, 60_000, 'every message to reach every member');
    };
    await send(size.warmup);
    measuring = true;
    await send(size.messages);
    return rep;
  } finally {
    for (const m of members) m.client.terminate();
    await until(async () => {
      const usages = await Promise.all(cluster.nodes.map((n) => n.server.usage()));
      return usages.every((u) => u.stats.participants === 0);
    }, 60_000, `the members of ${room} to leave`);
  }
}

/** A figure from per-repetition differences: their median, min and max, with the two sides' medians. */
function added(reps: Rep[], p: number, cross: (rep: Rep) => number[], base: (rep: Rep) => number[], crossName: string, baseName: string, extra: Record<string, unknown>): Metric {
  const diffs = reps.map((rep) => percentile(cross(rep), p) - percentile(base(rep), p));
  return measured(round(median(diffs)), 'ms', undefined, {
    min: round(Math.min(...diffs)),
    max: round(Math.max(...diffs)),
    [`${crossName}P${p}Ms`]: round(median(reps.map((rep) => percentile(cross(rep), p)))),
    [`${baseName}P${p}Ms`]: round(median(reps.map((rep) => percentile(base(rep), p)))),
    perRep: diffs.map((d) => round(d)),
    ...extra,
  });
}

const KEYS = ['cluster.requestAddedLatencyP50Ms', 'cluster.requestAddedLatencyP99Ms', 'cluster.notificationAddedLatencyP50Ms', 'cluster.notificationAddedLatencyP99Ms'];

export const clusterLatency: BenchSuite = {
  name: 'cluster-latency',
  keys: KEYS,
  async run(mode, log) {
    const unavailable = redisUnavailable();
    if (unavailable) {
      log(`  skipped: ${unavailable}`);
      return Object.fromEntries(KEYS.map((key) => [key, notMeasured('ms', undefined, unavailable)]));
    }
    const size = SIZES[mode];
    const loadAverageAtStart = loadAverage();
    const cluster = await startCluster(3, 'bench');
    try {
      const reps: Rep[] = [];
      for (let r = 0; r < size.reps; r++) {
        const rep = await runRep(cluster, r, size);
        reps.push(rep);
        const q = (values: number[]) => `${round(percentile(values, 50))}/${round(percentile(values, 99))}`;
        log(
          `  rep ${r + 1}/${size.reps} (room node ${rep.roomNode}): request p50/p99 edge ${q(rep.request.edge)} vs room node ${q(rep.request.roomNode)} ms; ` +
            `notification to an edge ${q(rep.delivery.toEdge)} vs on the room node ${q(rep.delivery.local)} ms; load average ${loadAverage().join(' ')}`,
        );
      }
      // Every pair's p50 and p99 (medians over repetitions) and sample counts, for docs/scaling.md.
      const pairs = Object.fromEntries(
        PAIRS.map((p) => [
          p,
          {
            p50Ms: round(median(reps.map((rep) => percentile(rep.delivery[p], 50)))),
            p99Ms: round(median(reps.map((rep) => percentile(rep.delivery[p], 99)))),
            samplesPerRep: reps[0]!.delivery[p].length,
          },
        ]),
      );
      const common = {
        messagesPerRep: size.messages,
        messagesPerSecond: size.ratePerSecond,
        members: MEMBERS_PER_NODE * cluster.nodes.length,
        reps: size.reps,
        roomNodes: reps.map((rep) => rep.roomNode),
        nodeHeartbeatMs: BENCH_HEARTBEAT_MS,
        nodeTtlMs: BENCH_NODE_TTL_MS,
        loadAverageAtStart,
        loadAverageAtEnd: loadAverage(),
      };
      const requestExtra = { ...common, samplesPerRep: { edge: reps[0]!.request.edge.length, roomNode: reps[0]!.request.roomNode.length } };
      const notificationExtra = { ...common, deliveriesPerRep: PAIRS.reduce((n, p) => n + reps[0]!.delivery[p].length, 0), pairs };
      const metrics: Metrics = {
        'cluster.requestAddedLatencyP50Ms': added(reps, 50, (rep) => rep.request.edge, (rep) => rep.request.roomNode, 'edge', 'roomNode', requestExtra),
        'cluster.requestAddedLatencyP99Ms': added(reps, 99, (rep) => rep.request.edge, (rep) => rep.request.roomNode, 'edge', 'roomNode', requestExtra),
        'cluster.notificationAddedLatencyP50Ms': added(reps, 50, (rep) => rep.delivery.toEdge, (rep) => rep.delivery.local, 'toEdge', 'roomNode', notificationExtra),
        'cluster.notificationAddedLatencyP99Ms': added(reps, 99, (rep) => rep.delivery.toEdge, (rep) => rep.delivery.local, 'toEdge', 'roomNode', notificationExtra),
      };
      return metrics;
    } finally {
      await cluster.close();
    }
  },
};
