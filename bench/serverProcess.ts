/**
 * The room server under test, in its own process so that its RSS and CPU time are measured
 * apart from the load generator. Started by lib/serverHandle.ts with an IPC channel:
 * - options (JSON) come in the BENCH_SERVER_OPTIONS environment variable; command-line flags of
 *   `kurento-room-server` (a JSON array) in BENCH_SERVER_ARGS, read by the CLI's own parser, so a
 *   cluster node is configured exactly as `--redis URL --node-id ID` configure it (the JSON
 *   options, when both are given, win; their `cluster` fields are merged into the flags' own);
 * - it sends { type: 'ready', wsUrl, url } once listening;
 * - it answers { type: 'usage', id, gc? } with { type: 'usage', id, rssBytes, heapUsedBytes,
 *   cpuUserMicros, cpuSystemMicros, stats, media } (gc() first when asked and exposed; media is the
 *   engine's counters, e.g. rtpPacketsIn / rtpPacketsOut; with BENCH_PROBE=1 also `probe`, this
 *   thread's loop delay and GC since the previous answer, lib/threadProbe.ts);
 * - { type: 'close' } closes the server and exits.
 */
import { createRoomServer, type RoomServerOptions } from '@kurento-room/server';
import { startThreadProbe } from './lib/threadProbe.js';
import { parseConfig } from '../packages/server/src/config.js';

const options = JSON.parse(process.env.BENCH_SERVER_OPTIONS ?? '{}') as RoomServerOptions;
const args = JSON.parse(process.env.BENCH_SERVER_ARGS ?? '[]') as string[];
// The environment is left out of the parse: the figures must not depend on the variables of the
// shell that ran the benchmark (PORT, REDIS_URL ...), only on the flags the suite chose.
const parsed = args.length > 0 ? parseConfig(args, {}) : undefined;
if (parsed?.help) throw new Error('BENCH_SERVER_ARGS asked for --help');
const fromFlags = parsed && !parsed.help ? parsed.options : {};
// `cluster` is merged rather than replaced, so JSON can add what no flag sets (the heartbeat TTL).
const cluster = fromFlags.cluster || options.cluster ? { cluster: { ...fromFlags.cluster, ...options.cluster } as RoomServerOptions['cluster'] } : {};
// BENCH_PROBE=1: event-loop delay (1 ms resolution) and GC pauses of this thread, which is
// where the media runs with `media: {workers: 1}` (bench/fastpath.ts).
const probe = process.env.BENCH_PROBE === '1' ? startThreadProbe() : undefined;
const server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'warn', ...fromFlags, ...options, ...cluster });

type Request = { type: 'usage'; id: number; gc?: boolean } | { type: 'close' };

const send = (message: unknown): void => {
  process.send?.(message);
};

process.on('message', (raw) => {
  const message = raw as Request;
  if (message.type === 'usage') {
    void (async () => {
      const collect = (globalThis as { gc?: () => void }).gc;
      if (message.gc && collect) {
        // Two passes and a turn of the event loop in between let finalizers run.
        collect();
        await new Promise((r) => setImmediate(r));
        collect();
      }
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      const stats = await server.stats();
      send({
        type: 'usage',
        id: message.id,
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        cpuUserMicros: cpu.user,
        cpuSystemMicros: cpu.system,
        stats: { rooms: stats.rooms, participants: stats.participants, connections: stats.connections, sessions: stats.sessions },
        media: { ...stats.media },
        ...(probe ? { probe: probe.take() } : {}),
      });
    })();
  } else if (message.type === 'close') {
    void server.close().finally(() => process.exit(0));
  }
});
process.on('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});

send({ type: 'ready', wsUrl: server.wsUrl, url: server.url });
