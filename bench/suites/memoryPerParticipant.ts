/**
 * signalling.memoryPerParticipantKB: growth of the server process's RSS per idle, joined,
 * signalling-only participant (its WebSocket, session and room membership), 2,000 of them in
 * rooms of 10. The server runs with --expose-gc and collects garbage before each reading; a
 * warm-up round of joins and leaves comes before the baseline so that compiled code and pools
 * are not counted as per-participant memory. Each repetition uses a fresh server process.
 */
import { connectMany, pool, until, type LoadClient } from '../lib/rpc.js';
import { measured, type BenchSuite } from '../lib/results.js';
import { startServerProcess } from '../lib/serverHandle.js';
import { median, round } from '../lib/stats.js';
import { ROOM_SIZE } from './signallingJoins.js';

const SIZES = {
  smoke: { participants: 50, reps: 1, warmup: 20, idleMs: 100 },
  quick: { participants: 2000, reps: 1, warmup: 300, idleMs: 1000 },
  full: { participants: 2000, reps: 3, warmup: 300, idleMs: 2000 },
};

async function joinAll(url: string, tag: string, count: number): Promise<LoadClient[]> {
  const clients = await connectMany(url, count, 32);
  await pool(count, 32, (i) => clients[i].join(`${tag}-room-${Math.floor(i / ROOM_SIZE)}`, `user-${i}`));
  return clients;
}

export const memoryPerParticipant: BenchSuite = {
  name: 'memory',
  keys: ['signalling.memoryPerParticipantKB'],
  async run(mode, log) {
    const size = SIZES[mode];
    const reps = [];
    for (let r = 0; r < size.reps; r++) {
      const server = await startServerProcess({ serverOptions: { reconnectionGraceMs: 0 }, nodeFlags: ['--expose-gc'] });
      let clients: LoadClient[] = [];
      try {
        const warm = await joinAll(server.wsUrl, 'warmup', size.warmup);
        for (const c of warm) c.terminate();
        await until(async () => {
          const s = (await server.usage()).stats;
          return s.participants === 0 && s.connections === 0;
        }, 30_000, 'the warm-up participants to leave');
        await new Promise((res) => setTimeout(res, size.idleMs));
        const before = await server.usage({ gc: true });
        clients = await joinAll(server.wsUrl, 'idle', size.participants);
        await new Promise((res) => setTimeout(res, size.idleMs));
        const after = await server.usage({ gc: true });
        if (after.stats.participants !== size.participants) throw new Error(`${after.stats.participants} participants joined, expected ${size.participants}`);
        const rssKB = (after.rssBytes - before.rssBytes) / size.participants / 1024;
        const heapKB = (after.heapUsedBytes - before.heapUsedBytes) / size.participants / 1024;
        log(`  rep ${r + 1}/${size.reps}: RSS ${round(before.rssBytes / 2 ** 20, 1)} -> ${round(after.rssBytes / 2 ** 20, 1)} MB, ${round(rssKB)} kB/participant (JS heap ${round(heapKB)} kB)`);
        reps.push({ rssKB, heapKB, baselineRssMB: before.rssBytes / 2 ** 20, loadedRssMB: after.rssBytes / 2 ** 20 });
      } finally {
        for (const c of clients) c.terminate();
        await server.close();
      }
    }
    return {
      'signalling.memoryPerParticipantKB': measured(round(median(reps.map((r) => r.rssKB))), 'kB', '< 50', {
        heapUsedKBPerParticipant: round(median(reps.map((r) => r.heapKB))),
        baselineRssMB: round(median(reps.map((r) => r.baselineRssMB)), 1),
        loadedRssMB: round(median(reps.map((r) => r.loadedRssMB)), 1),
        participants: size.participants,
        roomSize: ROOM_SIZE,
        reps: size.reps,
        perRepKB: reps.map((r) => round(r.rssKB)),
      }),
    };
  },
};
