/**
 * Debian's coturn (`turnserver`) on loopback for tests: REST-API credentials (use-auth-secret),
 * UDP only, loopback peers allowed (the SFU under test listens on 127.0.0.1). Started on free
 * ports, stopped by `stop()`; `TURNSERVER_PATH` overrides the executable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort } from '../packages/server/src/util/freePort.js';

export const turnserverPath = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';

export function coturnAvailable(): boolean {
  return existsSync(turnserverPath);
}

export interface Coturn {
  /** `turn:127.0.0.1:<port>?transport=udp` */
  url: string;
  secret: string;
  stop(): Promise<void>;
}

export async function startCoturn(secret = 'coturn-test-secret'): Promise<Coturn> {
  const port = await freeUdpPort();
  // Relay ports: a block of 200 somewhere in 50000-59799, away from the kernel's ephemeral range.
  const minPort = 50_000 + Math.floor(Math.random() * 49) * 200;
  const dir = mkdtempSync(join(tmpdir(), 'kr-coturn-'));
  const child: ChildProcess = spawn(
    turnserverPath,
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      `--min-port=${minPort}`,
      `--max-port=${minPort + 199}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=kurento-room.test',
      '--no-tls',
      '--no-dtls',
      '--no-tcp',
      '--no-cli',
      '--allow-loopback-peers',
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      `--userdb=${join(dir, 'turndb')}`,
      '--log-file=stdout',
      '--simple-log',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Ready once it reports its relay ports, or it failed.
  const deadline = Date.now() + 10_000;
  while (!/Total (General|UDP)|relay ports initialization|IPv4\. UDP listener opened/.test(output)) {
    if (child.exitCode !== null) throw new Error(`turnserver exited with ${child.exitCode}: ${output.slice(-2000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`turnserver did not start: ${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 200));
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    secret,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
