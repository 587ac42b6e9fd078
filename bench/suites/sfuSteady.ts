/**
 * The steady SFU benchmark (issue 14, item 1): fixed load points of 1, 2 and 3 rooms of 10
 * participants (the sfu suite's generator and streams), our server and Janus VideoRoom
 * interleaved — for each repetition, each point: ours, then Janus — each run on a freshly
 * started server process and a fresh generator, so that no run inherits another's heap, rooms
 * or JIT state. For each point and server: the median, min and max over the repetitions of
 * added latency p50 / p99 / max and % over 10 ms, loss, server cores, video subscriber streams
 * per core, CPU µs per outgoing packet, RSS and RSS per peer connection; and the per-repetition
 * comparisons with Janus (lib/steadyFigures.ts). The ramp (suites/sfu.ts) stays for capacity.
 *
 * Keys: `sfuSteady.rooms<N>.<ours|janus>.<figure>`, `sfuSteady.rooms<N>.ratioToJanus.*`,
 * `sfuSteady.rooms<N>.differenceToJanus.*`. `BENCH_SFU_STEADY_REPS` sets the repetitions (1–20),
 * `BENCH_SFU_STEADY_ROOMS` the points (e.g. `1` or `1,2`) for a quicker before/after at one point.
 */
import { janusUnavailable } from '../lib/janusProcess.js';
import type { BenchSuite, Metrics } from '../lib/results.js';
import { measurePoint, type PointSize } from '../lib/sfuPoint.js';
import { withSfu, type SfuServerKind } from '../lib/sfuServers.js';
import { keysOfPoint, pointMetrics, pointNotMeasured, SERVERS, type PointRuns } from '../lib/steadyFigures.js';

interface SteadySize extends PointSize {
  points: number[];
  reps: number;
}

/** Every load point the suite knows; a size measures some of them. */
const POINTS = [1, 2, 3];

const SIZES: Record<'smoke' | 'quick' | 'full', SteadySize> = {
  smoke: { points: [1], reps: 1, participants: 3, settleSeconds: 1, windowSeconds: 2 },
  quick: { points: [1, 2, 3], reps: 1, participants: 10, settleSeconds: 2, windowSeconds: 5 },
  full: { points: [1, 2, 3], reps: 3, participants: 10, settleSeconds: 3, windowSeconds: 10 },
};

function repsFromEnvironment(fallback: number): number {
  const raw = process.env.BENCH_SFU_STEADY_REPS;
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new Error(`BENCH_SFU_STEADY_REPS must be an integer from 1 to 20, not ${raw}`);
  return n;
}

function pointsFromEnvironment(fallback: number[]): number[] {
  const raw = process.env.BENCH_SFU_STEADY_ROOMS;
  if (raw === undefined || raw === '') return fallback;
  const points = raw.split(',').map(Number);
  if (points.some((n) => !POINTS.includes(n))) throw new Error(`BENCH_SFU_STEADY_ROOMS must list points among ${POINTS.join(', ')}, not ${raw}`);
  return [...new Set(points)].sort((a, b) => a - b);
}

export const sfuSteady: BenchSuite = {
  name: 'sfu-steady',
  keys: POINTS.flatMap(keysOfPoint),
  async run(mode, log) {
    const size = SIZES[mode];
    const reps = mode === 'smoke' ? size.reps : repsFromEnvironment(size.reps);
    const measured = mode === 'smoke' ? size.points : pointsFromEnvironment(size.points);
    const janusMissing = janusUnavailable();
    if (janusMissing) log(`  Janus VideoRoom: skipped: ${janusMissing}`);
    const servers: SfuServerKind[] = SERVERS.filter((s) => s !== 'janus' || !janusMissing);
    const points = new Map<number, PointRuns>(
      measured.map((rooms) => [
        rooms,
        { rooms, participants: size.participants, runs: { ours: [], janus: [] }, failures: { ours: [], janus: [] }, skipped: janusMissing ? { janus: janusMissing } : {}, descriptions: {} },
      ]),
    );
    // Repetition-major, so that a drift of the machine over the run spreads over every point
    // instead of landing on one; ours and Janus back to back at each point.
    for (let rep = 1; rep <= reps; rep++) {
      for (const rooms of measured) {
        const p = points.get(rooms)!;
        for (const server of servers) {
          const t = performance.now();
          try {
            const result = await withSfu(server, async (s) => {
              p.descriptions[server] = s.description;
              return measurePoint(s, rooms, size);
            });
            p.runs[server].push({ rep, result });
            const s = result.step;
            log(
              `  rep ${rep}/${reps}, ${rooms} room(s) of ${size.participants}, ${server}: server ${s.serverCores} cores (generator ${s.generatorCores}, machine ${s.machineCores}), ` +
                `${s.streamsPerCore} streams/core, ${s.cpuMicrosPerOutPacket} µs/out packet, loss ${s.lossPct} %, latency p50 ${s.latencyP50Ms} p99 ${s.latencyP99Ms} max ${s.latencyMaxMs} ms ` +
                `(${s.latencyOver10MsPct} % over 10 ms), RSS ${s.serverRssMB} MB (idle ${result.idleRssMB}) for ${result.peerConnections} peer connections` +
                (result.notConnected ? `, ${result.notConnected} not connected after setup` : '') +
                (result.errors.length ? `; errors: ${result.errors.join('; ')}` : '') +
                ` [${((performance.now() - t) / 1000).toFixed(1)} s]`,
            );
          } catch (e) {
            // One failed run does not void the others; the figures say how many repetitions they hold.
            p.failures[server].push(`rep ${rep}: ${(e as Error).message}`);
            log(`  rep ${rep}/${reps}, ${rooms} room(s), ${server}: FAILED: ${(e as Error).stack ?? String(e)}`);
          }
        }
      }
    }
    const metrics: Metrics = {};
    for (const rooms of POINTS) {
      const p = points.get(rooms);
      Object.assign(metrics, p ? pointMetrics(p) : pointNotMeasured(rooms, `this run measured ${measured.join(', ')} room(s) only`));
    }
    return metrics;
  },
};
