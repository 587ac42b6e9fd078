/**
 * Our server as deployed: `node packages/server/dist/cli.js` (what `npm start` and the package's
 * `kurento-room-server` run), no tsx and no IPC, observed from outside as Janus is: CPU time and
 * RSS of the whole process from /proc, RTP counters from its Prometheus `/metrics`. The SFU
 * suites measure this one: the tsx loader of the source harness (serverHandle.ts) costs the
 * main thread a loader thread of its own and every media worker a compiler, about 30 MB + 21 MB
 * per worker that a deployment does not carry (docs/media-performance.md, "Memory per peer
 * connection"). Needs a build (`npm run bench` builds first).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { procUsage } from './procUsage.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliServerOptions {
  /** The checkout whose build runs (default this one), e.g. another for a before/after. */
  root?: string;
  /** Extra flags of `kurento-room-server`, e.g. ['--media-workers', '1']. */
  args?: string[];
  /** Node flags, e.g. ['--cpu-prof']. */
  nodeFlags?: string[];
}

export interface CliUsage {
  cpuMicros: number;
  rssBytes: number;
  /** Absent when /metrics has no such counter (the caller then counts from the generator). */
  rtpPacketsIn?: number;
  rtpPacketsOut?: number;
}

export interface CliServer {
  pid: number;
  url: string;
  wsUrl: string;
  usage(): Promise<CliUsage>;
  /** The `/metrics` text. */
  metrics(): Promise<string>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** The value of the first sample of `name` in a Prometheus text exposition (undefined when absent). */
export function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  const value = line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
  return Number.isFinite(value) ? value : undefined;
}

export async function startCliServer(options: CliServerOptions = {}): Promise<CliServer> {
  const cli = resolve(options.root ?? ROOT, 'packages/server/dist/cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const port = await freePort();
  const args = [cli, '--port', String(port), '--host', '127.0.0.1', '--log-level', 'warn', ...(options.args ?? [])];
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const metrics = async (): Promise<string> => (await fetch(`${url}/metrics`)).text();
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited (${child.exitCode ?? child.signalCode})`);
    if (await fetch(`${url}/metrics`).then((r) => r.ok, () => false)) break;
    if (i > 600) {
      child.kill('SIGKILL');
      throw new Error('the server did not answer within 60 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid!,
    url,
    wsUrl: `ws://127.0.0.1:${port}/room`,
    metrics,
    async usage() {
      const text = await metrics();
      const { cpuMicros, rssBytes } = procUsage(child.pid!);
      const rtpPacketsIn = metricValue(text, 'kurento_room_rtp_packets_received_total');
      const rtpPacketsOut = metricValue(text, 'kurento_room_rtp_packets_sent_total');
      return { cpuMicros, rssBytes, ...(rtpPacketsIn === undefined ? {} : { rtpPacketsIn }), ...(rtpPacketsOut === undefined ? {} : { rtpPacketsOut }) };
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
