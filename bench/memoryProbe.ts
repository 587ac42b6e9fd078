/**
 * Memory probe of our SFU (issue 14, "RSS per peer connection"; docs/media-performance.md,
 * "Memory per peer connection"). Starts the server in its own process as the steady benchmark
 * does (lib/serverHandle.ts, the options of lib/sfuServers.ts: none), drives N rooms of 10 with
 * the SFU benchmark's generator (lib/rtpLoadHandle.ts, the same peers and streams as
 * lib/sfuPoint.ts), and reads the server process at three moments:
 *
 *   idle       3 s after the server is ready, before any connection;
 *   connected  every peer connection set up, the publishers' RTP held back (the generator's
 *              `media` switch); read at once, since the server fails a connection whose remote
 *              is silent for 5 s (each reading says how many connections the server holds);
 *   media      after --media-seconds of RTP (default 10).
 *
 * Each reading: VmRSS and /proc/PID/smaps_rollup (anonymous vs file-backed), the thread count,
 * and each isolate's V8 heap: the main thread's from prom-client's process metrics and each
 * media worker's from `kurento_room_media_worker_heap_bytes`, both scraped from /metrics. RSS
 * cannot be split per thread (threads share one address space: /proc/PID/task/N/status shows the
 * process's), so the heaps say which isolate holds what and the rest is native (malloc, OpenSSL,
 * sockets, code). Prints one JSON line per run, then the medians over the runs.
 *
 *   npx tsx bench/memoryProbe.ts [--rooms 1] [--participants 10] [--media-seconds 10] [--runs 3]
 *        [--dist] [--workers N] [--node-flag --max-semi-space-size=1 ...] [--label text]
 *
 * --dist runs the compiled server (`npm run build` first) instead of the TypeScript source
 * through tsx (what the benchmark runs); the harness file (serverProcess.ts) still loads tsx.
 * --cli DIR runs `node DIR/packages/server/dist/cli.js` alone, as `npm start` and the package
 * do, with no tsx and no IPC (DIR: a checkout, built; `.` for this one): the process as deployed.
 * Environment variables (e.g. MALLOC_ARENA_MAX) pass to the server process.
 * --media-during-setup sends RTP from each publisher's answer on, as the benchmark does: for
 * many rooms, whose setup outlasts the server's 5 s silence limit; the connected reading then
 * includes that media.
 *
 * --snapshots (with --workers 1, so that the media runs in the main thread) writes a V8 heap
 * snapshot of that thread at the idle and connected readings into the current folder
 * (Heap.*.heapsnapshot, by Node's --heapsnapshot-signal), for bench/heapSnapshotDiff.ts; writing
 * one stops the server for seconds, so those runs' other figures are not comparable.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startRtpLoad } from './lib/rtpLoadHandle.js';
import { startCliServer } from './lib/cliServer.js';
import { startServerProcess, type ServerHandle } from './lib/serverHandle.js';

const { values } = parseArgs({
  options: {
    rooms: { type: 'string', default: '1' },
    participants: { type: 'string', default: '10' },
    'media-seconds': { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    dist: { type: 'boolean', default: false },
    workers: { type: 'string' },
    snapshots: { type: 'boolean', default: false },
    cli: { type: 'string' },
    'media-during-setup': { type: 'boolean', default: false },
    'node-flag': { type: 'string', multiple: true, default: [] },
    label: { type: 'string', default: '' },
  },
});
const rooms = Number(values.rooms);
const participants = Number(values.participants);
const mediaSeconds = Number(values['media-seconds']);
const runs = Number(values.runs);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
if (values.snapshots && values.workers !== '1') throw new Error('--snapshots needs --workers 1: a snapshot is of the main thread');
const snapshotFlags = values.snapshots ? ['--heapsnapshot-signal=SIGUSR2'] : [];

/** Has the server write a heap snapshot and waits until the file stops growing. */
async function snapshot(pid: number): Promise<void> {
  const files = () => readdirSync('.').filter((f) => f.startsWith('Heap.') && f.includes(`.${pid}.`) && f.endsWith('.heapsnapshot'));
  const before = files().length;
  process.kill(pid, 'SIGUSR2');
  let size = -1;
  for (let i = 0; i < 600; i++) {
    await sleep(500);
    const all = files();
    if (all.length <= before) continue;
    const now = statSync(all.sort().at(-1)!).size;
    if (now > 0 && now === size) return;
    size = now;
  }
  throw new Error('no heap snapshot within 5 minutes');
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

type Reading = Record<string, number>;

/** smaps_rollup's fields in kB, as MB. */
function rollup(pid: number): Reading {
  const out: Reading = {};
  for (const line of readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').split('\n')) {
    const m = /^(Rss|Pss_Anon|Pss_File|Anonymous|Private_Dirty|Shared_Clean):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]!] = mb(Number(m[2]) * 1024);
  }
  return out;
}

/** `name{labels} value` lines of a Prometheus exposition whose name is `name`. */
function samples(text: string, name: string): Array<{ labels: string; value: number }> {
  const out: Array<{ labels: string; value: number }> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\w+)(\{[^}]*\})? (\S+)/.exec(line);
    if (m && m[1] === name) out.push({ labels: m[2] ?? '', value: Number(m[3]) });
  }
  return out;
}

/** What the probe needs of a server process: its pid, URLs and stop. */
type Probed = Pick<ServerHandle, 'pid' | 'url' | 'wsUrl' | 'close'>;

/** `node DIR/packages/server/dist/cli.js` on a free port (lib/cliServer.ts), ready once /metrics answers. */
async function startCli(dir: string): Promise<Probed> {
  const args = values.workers !== undefined ? ['--media-workers', values.workers] : [];
  return startCliServer({ root: dir, args, nodeFlags: [...values['node-flag'], ...snapshotFlags] });
}

async function read(server: Probed): Promise<Reading> {
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const one = (name: string) => samples(metrics, name)[0]?.value ?? NaN;
  const rssKB = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1]);
  const usage = { rssBytes: rssKB * 1024, media: { peerConnections: one('kurento_room_peer_connections') } };
  const workerHeap = (kind: string) => samples(metrics, 'kurento_room_media_worker_heap_bytes').filter((s) => s.labels.includes(`kind="${kind}"`));
  const workersTotal = workerHeap('total').reduce((a, s) => a + s.value, 0);
  const r = rollup(server.pid);
  return {
    rssMB: mb(usage.rssBytes),
    anonMB: r.Anonymous ?? NaN,
    fileMB: r.Pss_File ?? NaN,
    threads: readdirSync(`/proc/${server.pid}/task`).length,
    mainHeapTotalMB: mb(one('kurento_room_nodejs_heap_size_total_bytes')),
    mainHeapUsedMB: mb(one('kurento_room_nodejs_heap_size_used_bytes')),
    mainExternalMB: mb(one('kurento_room_nodejs_external_memory_bytes')),
    workers: workerHeap('total').length,
    workersHeapTotalMB: mb(workersTotal),
    workersHeapUsedMB: mb(workerHeap('used').reduce((a, s) => a + s.value, 0)),
    workersExternalMB: mb(workerHeap('external').reduce((a, s) => a + s.value, 0)),
    workersMallocedMB: mb(workerHeap('malloced').reduce((a, s) => a + s.value, 0)),
    // What no isolate's heap accounts for: native code and data, malloc, thread stacks.
    outsideHeapsMB: mb(usage.rssBytes - one('kurento_room_nodejs_heap_size_total_bytes') - workersTotal),
    peerConnections: usage.media.peerConnections,
  };
}

async function probe(run: number): Promise<Record<string, Reading | number>> {
  const serverOptions = values.workers !== undefined ? { media: { workers: Number(values.workers) } } : {};
  const server =
    values.cli !== undefined
      ? await startCli(values.cli)
      : await startServerProcess({ serverOptions, nodeFlags: [...values['node-flag'], ...snapshotFlags], fromSource: !values.dist });
  try {
    // The media workers load werift after the server is ready; 5 s covers that on a loaded machine.
    await sleep(5000);
    const idle = await read(server);
    if (values.snapshots) await snapshot(server.pid);
    const load = await startRtpLoad({ driver: 'kurento-room', wsUrl: server.wsUrl, bindAddress: '127.0.0.1' });
    try {
      if (!values['media-during-setup']) await load.setMedia(false);
      const names = Array.from({ length: rooms }, (_, i) => `memory-${run}-${i + 1}`);
      const added = await load.addRooms(names, participants);
      const notConnected = added.peers - (added.states.connected ?? 0);
      if (notConnected > 0) console.error(`run ${run}: ${notConnected} of ${added.peers} peer connections not connected after setup`);
      const connected = await read(server);
      if (values.snapshots) await snapshot(server.pid);
      await load.setMedia(true);
      await load.startWindow();
      await sleep(mediaSeconds * 1000);
      const window = await load.stopWindow();
      const media = await read(server);
      const { video, audio } = window.streams;
      const lossPct = 100 * Math.max(0, 1 - (video.received + audio.received) / Math.max(1, video.expected + audio.expected));
      const pcs = added.peers;
      return {
        idle,
        connected,
        media,
        peerConnections: pcs,
        notConnected,
        lossPct: Math.round(lossPct * 100) / 100,
        // Per connection the server holds at that reading (one failed meanwhile is not counted).
        connectedGrowthPerPcMB: Math.round(((connected.rssMB! - idle.rssMB!) / connected.peerConnections!) * 1000) / 1000,
        mediaGrowthPerPcMB: Math.round(((media.rssMB! - idle.rssMB!) / media.peerConnections!) * 1000) / 1000,
        rssPerPcMB: Math.round((media.rssMB! / media.peerConnections!) * 1000) / 1000,
      };
    } finally {
      await load.close();
    }
  } finally {
    await server.close();
  }
}

const results: Array<Record<string, Reading | number>> = [];
for (let run = 1; run <= runs; run++) {
  const result = await probe(run);
  results.push(result);
  console.log(JSON.stringify({ label: values.label, run, rooms, participants, ...result }));
}
// Medians, field by field, over the runs.
const summary: Record<string, Reading | number> = {};
for (const key of Object.keys(results[0]!)) {
  const first = results[0]![key]!;
  if (typeof first === 'number') summary[key] = median(results.map((r) => r[key] as number));
  else {
    const m: Reading = {};
    for (const field of Object.keys(first)) m[field] = median(results.map((r) => (r[key] as Reading)[field]!));
    summary[key] = m;
  }
}
console.log(
  JSON.stringify({ label: values.label, median: summary, runs, rooms, participants, dist: values.dist, cli: values.cli, workers: values.workers ?? 'default', nodeFlags: values['node-flag'] }),
);
