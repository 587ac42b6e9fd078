/**
 * signalling.joinsPerSecond: signalling-only participants (no media) joining rooms of 10 on a
 * server in its own process. Sockets are opened first; the figure times the joinRoom requests
 * only (each join also makes the server notify the room's earlier members), `concurrency`
 * requests in flight at a time. The server's CPU time over the same window gives joins per
 * server CPU second, i.e. per core, which is less sensitive to other load on the machine.
 */
import { connectMany, pool, until } from '../lib/rpc.js';
import { measured, type BenchSuite, type Metrics } from '../lib/results.js';
import { cpuMicros, startServerProcess } from '../lib/serverHandle.js';
import { median, percentile, round } from '../lib/stats.js';

export const ROOM_SIZE = 10;

const SIZES = {
  smoke: { participants: 40, reps: 1, warmup: 20, concurrency: 8 },
  quick: { participants: 2000, reps: 3, warmup: 1000, concurrency: 64 },
  full: { participants: 4000, reps: 5, warmup: 2000, concurrency: 64 },
};

export const signallingJoins: BenchSuite = {
  name: 'signalling-joins',
  keys: ['signalling.joinsPerSecond'],
  async run(mode, log) {
    const size = SIZES[mode];
    const server = await startServerProcess({ serverOptions: { reconnectionGraceMs: 0 } });
    try {
      const round1 = async (tag: string, count: number) => {
        const connectStart = performance.now();
        const clients = await connectMany(server.wsUrl, count, size.concurrency);
        const connectMs = performance.now() - connectStart;
        const before = await server.usage();
        const latencies: number[] = [];
        const start = performance.now();
        await pool(count, size.concurrency, async (i) => {
          const t = performance.now();
          await clients[i].join(`${tag}-room-${Math.floor(i / ROOM_SIZE)}`, `user-${i}`);
          latencies.push(performance.now() - t);
        });
        const elapsedMs = performance.now() - start;
        const after = await server.usage();
        if (after.stats.participants < count) throw new Error(`only ${after.stats.participants} of ${count} participants joined`);
        for (const c of clients) c.terminate();
        await until(async () => (await server.usage()).stats.participants === 0, 30_000, 'the participants to leave');
        return { elapsedMs, connectMs, serverCpuMicros: cpuMicros(after) - cpuMicros(before), latencies };
      };
      if (size.warmup > 0) await round1('warmup', size.warmup);
      const reps = [];
      for (let r = 0; r < size.reps; r++) {
        const rep = await round1(`rep${r}`, size.participants);
        const joinsPerSecond = (size.participants / rep.elapsedMs) * 1000;
        log(`  rep ${r + 1}/${size.reps}: ${size.participants} joins in ${round(rep.elapsedMs)} ms = ${Math.round(joinsPerSecond)} joins/s, server CPU ${Math.round(rep.serverCpuMicros / size.participants)} µs/join`);
        reps.push({ ...rep, joinsPerSecond });
      }
      const jps = median(reps.map((r) => r.joinsPerSecond));
      const cpuPerJoin = median(reps.map((r) => r.serverCpuMicros / size.participants));
      const all = reps.flatMap((r) => r.latencies);
      const metrics: Metrics = {
        'signalling.joinsPerSecond': measured(Math.round(jps), 'joins/s', '>= 1000', {
          joinsPerServerCpuSecond: Math.round(1e6 / cpuPerJoin),
          serverCpuMicrosPerJoin: Math.round(cpuPerJoin),
          joinLatencyP50Ms: round(percentile(all, 50)),
          joinLatencyP99Ms: round(percentile(all, 99)),
          connectsPerSecond: Math.round(median(reps.map((r) => (size.participants / r.connectMs) * 1000))),
          participantsPerRep: size.participants,
          reps: size.reps,
          roomSize: ROOM_SIZE,
          concurrency: size.concurrency,
          perRepJoinsPerSecond: reps.map((r) => Math.round(r.joinsPerSecond)),
        }),
      };
      return metrics;
    } finally {
      await server.close();
    }
  },
};
