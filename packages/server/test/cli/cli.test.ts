import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { parseConfig } from '../../src/config.js';
import { eventually } from '../helpers/RpcTestClient.js';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; listening: Promise<{ url: string; rpc: string }>; exit: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', cli, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  const listening = new Promise<{ url: string; rpc: string }>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      for (const line of err.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg: string; url: string; rpc: string };
        if (entry.msg === 'listening') resolve(entry);
      }
    });
    child.on('exit', () => reject(new Error(`exited before listening: ${err}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, listening, exit, stderr: () => err };
}

function ping(url: string, options: WebSocket.ClientOptions = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { interval: 3000 } })));
    ws.on('message', (data) => {
      resolve(JSON.parse(data.toString()));
      ws.close();
    });
  });
}

describe('command line', () => {
  it('--help lists every option', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--conditions=source', cli, '--help']).toString();
    for (const flag of ['--port', '--host', '--tls-cert', '--tls-key', '--admin-secret', '--log-level', '--grace-ms', '--ice-ports', '--media-workers', 'MEDIA_WORKERS', '--media-inactivity-ms', 'MEDIA_INACTIVITY_MS', '--help']) {
      assert.ok(out.includes(flag), flag);
    }
  });

  it('reads flags before environment variables and rejects bad values', () => {
    const parsed = parseConfig(['--port', '9000'], { PORT: '7000', ADMIN_SECRET: 'x', LOG_LEVEL: 'warn' });
    assert.equal(parsed.help, false);
    if (!parsed.help) {
      assert.equal(parsed.options.port, 9000);
      assert.equal(parsed.options.adminSecret, 'x');
      assert.equal(parsed.options.logLevel, 'warn');
    }
    const env = parseConfig([], { PORT: '7000' });
    assert.equal(!env.help && env.options.port, 7000);
    assert.throws(() => parseConfig(['--port', 'abc'], {}), /--port must be an integer/);
    assert.throws(() => parseConfig(['--tls-cert', 'a'], {}), /go together/);
    assert.throws(() => parseConfig(['--bogus'], {}), /bogus/);
  });

  it('logs where it listens, serves /room, and exits 0 on SIGTERM', async () => {
    const run = startCli(['--port', '0', '--host', '127.0.0.1']);
    const { rpc } = await run.listening;
    assert.match(rpc, /^ws:\/\/127\.0\.0\.1:\d+\/room$/);
    const pong = (await ping(rpc)) as { result: { value: string } };
    assert.equal(pong.result.value, 'pong');
    await eventually(() => run.stderr().includes('video filters'), 30_000, 'the start-up line about video filters');
    run.child.kill('SIGTERM');
    assert.equal(await run.exit, 0);
    assert.match(run.stderr(), /"msg":"closed"/);
    // One start-up line says whether the hat filter can run (this machine has GStreamer or not).
    const filterLines = run.stderr().split('\n').filter((l) => l.includes('video filters'));
    assert.equal(filterLines.length, 1, run.stderr());
    assert.match(filterLines[0]!, /video filters (available|unavailable)/);
  });

  it('--media-workers / MEDIA_WORKERS sets the number of media threads', () => {
    const flag = parseConfig(['--media-workers', '3'], { MEDIA_WORKERS: '1' });
    assert.equal(!flag.help && flag.options.media?.workers, 3);
    const env = parseConfig([], { MEDIA_WORKERS: '0' });
    assert.equal(!env.help && env.options.media?.workers, 0);
    const unset = parseConfig([], {});
    assert.equal(!unset.help && unset.options.media?.workers, undefined);
    assert.throws(() => parseConfig(['--media-workers=-1'], {}), /--media-workers must be an integer/);
    assert.throws(() => parseConfig(['--media-workers', 'two'], {}), /--media-workers must be an integer/);
  });

  it('--media-inactivity-ms / MEDIA_INACTIVITY_MS sets when a silent peer connection is dead', () => {
    const flag = parseConfig(['--media-inactivity-ms', '3000'], { MEDIA_INACTIVITY_MS: '1000' });
    assert.equal(!flag.help && flag.options.media?.inactivityTimeoutMs, 3000);
    const env = parseConfig([], { MEDIA_INACTIVITY_MS: '0' });
    assert.equal(!env.help && env.options.media?.inactivityTimeoutMs, 0);
    const unset = parseConfig([], {});
    assert.equal(!unset.help && unset.options.media?.inactivityTimeoutMs, undefined);
    assert.throws(() => parseConfig(['--media-inactivity-ms', 'soon'], {}), /--media-inactivity-ms must be an integer/);
  });

  it('the default configuration answers the demo hat request', () => {
    const parsed = parseConfig([], {});
    assert.equal(parsed.help, false);
    assert.equal(typeof (!parsed.help && parsed.options.customRequestHandler), 'function');
  });

  it('serves WSS with --tls-cert/--tls-key and exits 0 on SIGINT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-tls-'));
    try {
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
      const run = startCli(['--port', '0', '--host', '127.0.0.1', '--tls-cert', cert, '--tls-key', key]);
      const { rpc, url } = await run.listening;
      assert.match(rpc, /^wss:\/\//);
      assert.match(url, /^https:\/\//);
      const pong = (await ping(rpc, { rejectUnauthorized: false })) as { result: { value: string } };
      assert.equal(pong.result.value, 'pong');
      run.child.kill('SIGINT');
      assert.equal(await run.exit, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
