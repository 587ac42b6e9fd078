/**
 * A fixed-load probe of the media fast path (docs/media-performance.md): one server process with
 * the media in its main thread (`media: {workers: 1}`, so the thread probe sees the media's own
 * loop delay and GC), the SFU benchmark's generator at a fixed number of rooms, then repeated
 * measurement windows. Prints one JSON line per window and a median line.
 *
 *   node --import tsx --conditions=source bench/fastpath.ts [--rooms 1] [--participants 10]
 *        [--windows 3] [--seconds 10] [--settle 5] [--node-flag --max-semi-space-size=32]
 */
import { parseArgs } from 'node:util';
import { startRtpLoad } from './lib/rtpLoadHandle.js';
import { cpuMicros, startServerProcess, type ServerUsage } from './lib/serverHandle.js';
import type { ProbeWindow } from './lib/threadProbe.js';

const { values } = parseArgs({
  options: {
    rooms: { type: 'string', default: '1' },
    participants: { type: 'string', default: '10' },
    windows: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    settle: { type: 'string', default: '5' },
    'node-flag': { type: 'string', multiple: true, default: [] },
    label: { type: 'string', default: '' },
  },
});
const rooms = Number(values.rooms);
const participants = Number(values.participants);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r2 = (x: number) => Math.round(x * 100) / 100;

process.env.BENCH_PROBE = '1';
const server = await startServerProcess({ serverOptions: { media: { workers: 1 } }, nodeFlags: values['node-flag'] });
const load = await startRtpLoad({ driver: 'kurento-room', wsUrl: server.wsUrl, bindAddress: '127.0.0.1' });
const rows: Array<Record<string, number>> = [];
try {
  for (let i = 0; i < rooms; i++) {
    const added = await load.addRooms([`fastpath-${i}`], participants);
    const notConnected = added.peers - (added.states.connected ?? 0);
    if (notConnected > 0) console.error(`room ${i}: ${notConnected} of ${added.peers} peer connections not connected`);
  }
  await sleep(Number(values.settle) * 1000);
  for (let i = 0; i < Number(values.windows); i++) {
    const u0 = await server.usage();
    await load.startWindow();
    const t0 = performance.now();
    await sleep(Number(values.seconds) * 1000);
    const w = await load.stopWindow();
    const u1 = (await server.usage()) as ServerUsage & { probe: ProbeWindow };
    const wallMicros = (performance.now() - t0) * 1000;
    const out = u1.media.rtpPacketsOut - u0.media.rtpPacketsOut;
    const cpu = cpuMicros(u1) - cpuMicros(u0);
    const { video, audio } = w.streams;
    const row = {
      loopP99Ms: r2(u1.probe.loopDelayMs.p99),
      loopP999Ms: r2(u1.probe.loopDelayMs.p999),
      loopMaxMs: r2(u1.probe.loopDelayMs.max),
      scavenges: u1.probe.scavenge.count,
      scavengeMs: r2(u1.probe.scavenge.totalMs),
      scavengeMaxMs: r2(u1.probe.scavenge.maxMs),
      markSweeps: u1.probe.markSweep.count,
      markSweepMs: r2(u1.probe.markSweep.totalMs),
      serverCores: r2(cpu / wallMicros),
      cpuMicrosPerOutPacket: r2(cpu / out),
      outPerSecond: Math.round(out / (wallMicros / 1e6)),
      rssMB: r2(u1.rssBytes / 2 ** 20),
      latencyP50Ms: r2(w.latency.p50Ms),
      latencyP99Ms: r2(w.latency.p99Ms),
      over10MsPct: r2(w.latency.samples ? (100 * w.latency.over10Ms) / w.latency.samples : 0),
      lossPct: r2(100 * Math.max(0, 1 - (video.received + audio.received) / Math.max(1, video.expected + audio.expected))),
    };
    rows.push(row);
    console.log(JSON.stringify({ label: values.label, window: i, ...row }));
  }
  const med: Record<string, number> = {};
  for (const key of Object.keys(rows[0]!)) med[key] = median(rows.map((r) => r[key]!));
  console.log(JSON.stringify({ label: values.label, median: med, rooms, participants, nodeFlags: values['node-flag'] }));
} finally {
  await load.close();
  await server.close();
}
