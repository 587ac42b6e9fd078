import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { verifyAccessToken } from '../../src/auth/accessToken.js';
import { ConfigError, parseConfig, USAGE } from '../../src/config.js';
import { DEFAULT_LIMITS } from '../../src/limits.js';
import { runTokenCommand } from '../../src/tokenCommand.js';
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
    for (const flag of ['--port', '--host', '--tls-cert', '--tls-key', '--admin-secret', '--log-level', '--grace-ms', '--ice-ports', '--ice-udp-port', 'ICE_UDP_PORT', '--ice-tcp-port', 'ICE_TCP_PORT', '--media-workers', 'MEDIA_WORKERS', '--media-inactivity-ms', 'MEDIA_INACTIVITY_MS', '--allowed-origins', '--max-rooms', '--help']) {
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

  it('--max-* flags and their environment variables set the limits; --help lists them with their defaults', () => {
    const parsed = parseConfig(['--max-rooms', '5', '--max-send-buffer=1048576'], { MAX_ROOMS: '9', MAX_MESSAGE_CHARS: '500', MAX_REQUEST_RATE: '20' });
    assert.equal(parsed.help, false);
    if (!parsed.help) assert.deepEqual(parsed.options.limits, { rooms: 5, sendBufferBytes: 1_048_576, messageChars: 500, requestsPerSecond: 20 });
    const none = parseConfig([], {});
    assert.deepEqual(!none.help && none.options.limits, {}, 'no flag, no override: the defaults of limits.ts apply');
    assert.throws(() => parseConfig(['--max-participants', '0'], {}), /--max-participants must be an integer from 1 to/);
    assert.throws(() => parseConfig([], { MAX_NAME_CHARS: 'many' }), /--max-name-chars must be an integer/);
    for (const [flag, env, value] of [
      ['--max-frame-chars', 'MAX_FRAME_CHARS', DEFAULT_LIMITS.frameChars],
      ['--max-message-chars', 'MAX_MESSAGE_CHARS', DEFAULT_LIMITS.messageChars],
      ['--max-name-chars', 'MAX_NAME_CHARS', DEFAULT_LIMITS.nameChars],
      ['--max-pending-candidates', 'MAX_PENDING_CANDIDATES', DEFAULT_LIMITS.pendingCandidates],
      ['--max-endpoints', 'MAX_ENDPOINTS', DEFAULT_LIMITS.endpointsPerParticipant],
      ['--max-participants', 'MAX_PARTICIPANTS', DEFAULT_LIMITS.participantsPerRoom],
      ['--max-rooms', 'MAX_ROOMS', DEFAULT_LIMITS.rooms],
      ['--max-request-rate', 'MAX_REQUEST_RATE', DEFAULT_LIMITS.requestsPerSecond],
      ['--max-request-burst', 'MAX_REQUEST_BURST', DEFAULT_LIMITS.requestBurst],
      ['--max-send-buffer', 'MAX_SEND_BUFFER', DEFAULT_LIMITS.sendBufferBytes],
    ] as const) {
      assert.match(USAGE, new RegExp(`${flag} <n> .*\\(${env}, default ${value}\\)`), flag);
    }
  });

  it('--allowed-origins / ALLOWED_ORIGINS: a list of origins, * or nothing for any', () => {
    const parsed = parseConfig(['--allowed-origins', 'https://meet.example.com, http://localhost:8080'], {});
    assert.deepEqual(!parsed.help && parsed.options.allowedOrigins, ['https://meet.example.com', 'http://localhost:8080']);
    const env = parseConfig([], { ALLOWED_ORIGINS: 'https://a.example' });
    assert.deepEqual(!env.help && env.options.allowedOrigins, ['https://a.example']);
    for (const any of [parseConfig([], {}), parseConfig(['--allowed-origins', '*'], {})]) assert.equal(!any.help && any.options.allowedOrigins, undefined);
    assert.throws(() => parseConfig(['--allowed-origins', 'meet.example.com'], {}), /--allowed-origins takes origins like https:\/\/meet.example.com, got 'meet.example.com'/);
    assert.throws(() => parseConfig(['--allowed-origins', 'https://a.example/app'], {}), /no path\), got 'https:\/\/a.example\/app'/);
    assert.throws(() => parseConfig(['--allowed-origins', ' , '], {}), /--allowed-origins needs at least one origin, or '\*' for any/);
    assert.ok(USAGE.includes('ALLOWED_ORIGINS'));
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

describe('command line: token', () => {
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', cli, 'token', ...args], { env: { ...process.env, TOKEN_SECRET: '', ...env } });

  it('prints a token alone on standard output, signed with --token-secret or TOKEN_SECRET, with the asked grants', () => {
    const out = run(['--room', 'standup', '--user', 'José Müller', '--ttl', '600', '--no-publish', '--admin'], { TOKEN_SECRET: 'from-env' });
    assert.equal(out.status, 0, out.stderr.toString());
    const token = out.stdout.toString();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const claims = verifyAccessToken('from-env', token.trim());
    assert.equal(claims.sub, 'José Müller');
    assert.equal(claims.room, 'standup');
    assert.ok(Math.abs(claims.exp - (Date.now() / 1000 + 600)) < 60);
    assert.deepEqual(claims.grants, { publish: false, subscribe: true, data: true, admin: true });
    const flag = run(['--room', 'r', '--user', 'u', '--token-secret', 'from-flag'], { TOKEN_SECRET: 'from-env' });
    assert.deepEqual(verifyAccessToken('from-flag', flag.stdout.toString().trim()).grants, { publish: true, subscribe: true, data: true, admin: false });
  });

  it('says what is missing (exit code 2 from the command line)', () => {
    for (const [args, env, message] of [
      [['--room', 'r', '--user', 'u'], {}, /a secret is needed: --token-secret <s> or TOKEN_SECRET/],
      [['--user', 'u'], { TOKEN_SECRET: 's' }, /--room is required/],
      [['--room', 'r'], { TOKEN_SECRET: 's' }, /--user is required/],
      [['--room', 'r', '--user', 'u', '--ttl', '0'], { TOKEN_SECRET: 's' }, /--ttl must be a whole number of seconds/],
      [['--room', 'r', '--user', 'u', '--bogus'], { TOKEN_SECRET: 's' }, /Unknown option '--bogus'/],
    ] as const) {
      assert.throws(() => runTokenCommand([...args], env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    }
    const out = run(['--room', 'r', '--user', 'u']);
    assert.equal(out.status, 2);
    assert.equal(out.stdout.toString(), '');
    assert.match(out.stderr.toString(), /a secret is needed[\s\S]*Usage: kurento-room-server token/);
  });
});
