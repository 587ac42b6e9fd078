/**
 * The room server under test, in its own process so that its RSS and CPU time are measured
 * apart from the load generator. Started by lib/serverHandle.ts with an IPC channel:
 * - options (JSON) come in the BENCH_SERVER_OPTIONS environment variable;
 * - it sends { type: 'ready', wsUrl, url } once listening;
 * - it answers { type: 'usage', id, gc? } with { type: 'usage', id, rssBytes, heapUsedBytes,
 *   cpuUserMicros, cpuSystemMicros, stats, media } (gc() first when asked and exposed; media is the
 *   engine's counters, e.g. rtpPacketsIn / rtpPacketsOut);
 * - { type: 'close' } closes the server and exits.
 */
import { createRoomServer, type RoomServerOptions } from '@kurento-room/server';

const options = JSON.parse(process.env.BENCH_SERVER_OPTIONS ?? '{}') as RoomServerOptions;
const server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'warn', ...options });

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
