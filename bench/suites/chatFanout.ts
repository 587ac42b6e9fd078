/**
 * signalling.chatFanoutP99Ms: a room of 100 signalling-only participants; messages sent with
 * sendMessage at a steady rate by rotating senders, each reaching all 100 members (the sender
 * included). Latency of one delivery = time the member's socket receives the `sendMessage`
 * notification minus the time the request was sent, on one clock (the load generator's).
 */
import { LoadClient, connectMany, until } from '../lib/rpc.js';
import { measured, type BenchSuite } from '../lib/results.js';
import { cpuMicros, startServerProcess } from '../lib/serverHandle.js';
import { percentile, round } from '../lib/stats.js';

const SIZES = {
  smoke: { members: 10, messages: 5, warmup: 2, ratePerSecond: 50 },
  quick: { members: 100, messages: 300, warmup: 50, ratePerSecond: 50 },
  full: { members: 100, messages: 1000, warmup: 100, ratePerSecond: 50 },
};

export const chatFanout: BenchSuite = {
  name: 'chat-fanout',
  keys: ['signalling.chatFanoutP99Ms'],
  async run(mode, log) {
    const size = SIZES[mode];
    const server = await startServerProcess({ serverOptions: { reconnectionGraceMs: 0 } });
    const room = 'chat-bench';
    let clients: LoadClient[] = [];
    try {
      clients = await connectMany(server.wsUrl, size.members, 20);
      for (let i = 0; i < clients.length; i++) await clients[i].join(room, `user-${i}`);

      const sentAt = new Map<number, number>();
      const delivered = new Map<number, number>();
      const lastArrival = new Map<number, number>();
      let measuring = false;
      const latencies: number[] = [];
      for (const c of clients) {
        c.onNotification = (method, params, receivedAt) => {
          if (method !== 'sendMessage') return;
          const seq = Number(String(params.message).slice(4));
          const t0 = sentAt.get(seq);
          if (t0 === undefined) return;
          if (measuring) latencies.push(receivedAt - t0);
          delivered.set(seq, (delivered.get(seq) ?? 0) + 1);
          lastArrival.set(seq, receivedAt);
        };
      }

      let seq = 0;
      const send = async (count: number) => {
        const first = seq;
        const interval = 1000 / size.ratePerSecond;
        const start = performance.now();
        for (let k = 0; k < count; k++) {
          // Open loop: message k leaves at start + k * interval, whatever the answers do.
          const due = start + k * interval;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const s = seq++;
          const sender = s % clients.length;
          sentAt.set(s, performance.now());
          void clients[sender].request('sendMessage', { message: `msg:${s}`, userMessage: `user-${sender}`, roomMessage: room });
        }
        await until(() => {
          for (let s = first; s < seq; s++) if ((delivered.get(s) ?? 0) < size.members) return false;
          return true;
        }, 30_000, 'every message to reach every member');
        return first;
      };

      await send(size.warmup);
      measuring = true;
      const before = await server.usage();
      const first = await send(size.messages);
      const after = await server.usage();
      const allReached = [];
      for (let s = first; s < seq; s++) allReached.push((lastArrival.get(s) ?? Number.NaN) - (sentAt.get(s) ?? Number.NaN));
      const deliveries = latencies.length;
      log(`  ${size.messages} messages x ${size.members} members = ${deliveries} deliveries, p50 ${round(percentile(latencies, 50))} ms, p99 ${round(percentile(latencies, 99))} ms`);
      return {
        'signalling.chatFanoutP99Ms': measured(round(percentile(latencies, 99)), 'ms', '< 20', {
          p50Ms: round(percentile(latencies, 50)),
          p99Ms: round(percentile(latencies, 99)),
          maxMs: round(Math.max(...latencies)),
          allMembersReachedP50Ms: round(percentile(allReached, 50)),
          allMembersReachedP99Ms: round(percentile(allReached, 99)),
          members: size.members,
          messages: size.messages,
          deliveries,
          messagesPerSecond: size.ratePerSecond,
          serverCpuMicrosPerDelivery: round((cpuMicros(after) - cpuMicros(before)) / deliveries),
        }),
      };
    } finally {
      for (const c of clients) c.terminate();
      await server.close();
    }
  },
};
