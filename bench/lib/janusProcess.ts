/**
 * Janus (the Debian package's /usr/bin/janus) started by the benchmark from a configuration it
 * writes into a temporary folder: only the WebSocket transport, on a free loopback port; only
 * the VideoRoom plugin, with its defaults; no STUN/TURN, no event handlers, no external loggers,
 * errors-only logging kept in memory (shown when it fails to start). Stopped with SIGTERM, then
 * SIGKILL; the folder is removed. Its CPU and RSS come from /proc (procUsage.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { procUsage, type ProcUsage } from './procUsage.js';
import { freeTcpPort } from '../../packages/server/src/util/freePort.js';

export const JANUS_BIN = process.env.JANUS_PATH ?? '/usr/bin/janus';
export const JANUS_INSTALL_HINT = 'apt-get install -y janus';

/** Where the Debian package puts the plugin folders (multiarch), and where a source build does. */
const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu/janus', '/usr/lib/aarch64-linux-gnu/janus', '/usr/lib/janus', '/usr/local/lib/janus', '/opt/janus/lib/janus'];

function libDir(): string | undefined {
  return LIB_DIRS.find((d) => existsSync(join(d, 'plugins', 'libjanus_videoroom.so')) && existsSync(join(d, 'transports', 'libjanus_websockets.so')));
}

/**
 * The address where Janus and the generator's peers meet. Not 127.0.0.1: libnice, which Janus
 * gathers with, skips loopback interfaces; with `ice_enforce_list = "lo"` this Janus 1.1.2 still
 * offered only the machine's other addresses, which a peer bound to 127.0.0.1 never reaches. So
 * both use the machine's first non-loopback IPv4 address (Janus through `ice_enforce_list`, the
 * peers through their bind address); the kernel delivers packets to its own address through the
 * loopback path all the same, so the media never leaves the machine.
 */
export function iceAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

/** Why Janus cannot be measured here, or undefined when it can. */
export function janusUnavailable(): string | undefined {
  if (!existsSync(JANUS_BIN)) return `Janus is not installed (${JANUS_BIN} not found; ${JANUS_INSTALL_HINT})`;
  if (!libDir()) return `Janus's VideoRoom plugin or WebSocket transport not found in ${LIB_DIRS.join(', ')} (${JANUS_INSTALL_HINT})`;
  if (!iceAddress()) return 'no non-loopback IPv4 address on this machine for Janus ICE candidates (libnice skips loopback)';
  return undefined;
}

export interface JanusProcess {
  pid: number;
  wsUrl: string;
  /** The address Janus gathers ICE candidates on; the peers must bind to it. */
  iceAddress: string;
  usage(): ProcUsage;
  close(): Promise<void>;
}

/** Every library of `folder` but the ones kept, for the `disable` lists. */
function allBut(folder: string, keep: string[]): string {
  if (!existsSync(folder)) return '';
  return readdirSync(folder)
    .filter((f) => /^libjanus_\w+\.so$/.test(f) && !keep.includes(f))
    .join(',');
}

function writeConfig(dir: string, lib: string, port: number, address: string): void {
  writeFileSync(
    join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${lib}/plugins"
  transports_folder = "${lib}/transports"
  events_folder = "${lib}/events"
  loggers_folder = "${lib}/loggers"
  debug_level = 2
  debug_colors = false
}
media: {
  ipv6 = false
}
nat: {
  ice_enforce_list = "${address}"
}
plugins: {
  disable = "${allBut(join(lib, 'plugins'), ['libjanus_videoroom.so'])}"
}
transports: {
  disable = "${allBut(join(lib, 'transports'), ['libjanus_websockets.so'])}"
}
loggers: {
  disable = "${allBut(join(lib, 'loggers'), [])}"
}
events: {
  broadcast = false
}
`,
  );
  writeFileSync(
    join(dir, 'janus.transport.websockets.jcfg'),
    `general: {
  json = "plain"
  ws = true
  ws_ip = "127.0.0.1"
  ws_port = ${port}
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
`,
  );
  // No static rooms: the load creates its own through the API.
  writeFileSync(join(dir, 'janus.plugin.videoroom.jcfg'), 'general: {\n}\n');
}

/** Resolves once Janus answers an `info` request on its WebSocket. */
async function answers(wsUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Janus exited (code ${child.exitCode}, signal ${child.signalCode})`);
    const ok = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(wsUrl, 'janus-protocol');
      const done = (result: boolean) => {
        ws.terminate();
        resolve(result);
      };
      ws.once('open', () => ws.send(JSON.stringify({ janus: 'info', transaction: 'ready' })));
      ws.once('message', (data) => done((JSON.parse(data.toString()) as { janus?: string }).janus === 'server_info'));
      ws.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`Janus did not answer on ${wsUrl} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startJanus(): Promise<JanusProcess> {
  const reason = janusUnavailable();
  if (reason) throw new Error(reason);
  const lib = libDir()!;
  const address = iceAddress()!;
  const dir = mkdtempSync(join(tmpdir(), 'bench-janus-'));
  const port = await freeTcpPort();
  writeConfig(dir, lib, port, address);
  const child = spawn(JANUS_BIN, ['--configs-folder', dir, '--config', join(dir, 'janus.jcfg'), '--disable-colors'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - 40));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  // A spawn failure (e.g. not executable) comes as 'error' without an 'exit'.
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      output.push(`cannot start ${JANUS_BIN}: ${error.message}`);
      resolve();
    });
  });
  // A benchmark that dies must not leave Janus running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const wsUrl = `ws://127.0.0.1:${port}`;
  try {
    await answers(wsUrl, child, 15_000);
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}; its last output:\n${output.join('\n')}`);
  }
  return { pid: child.pid!, wsUrl, iceAddress: address, usage: () => procUsage(child.pid!), close: stop };
}
