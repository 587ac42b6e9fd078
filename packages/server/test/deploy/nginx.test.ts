/**
 * The nginx site of docs/deploy.md, run for real: nginx (unprivileged, on free loopback ports,
 * everything in a temp folder) with the documented site file included as it is, only its ports
 * and certificate paths substituted, in front of a room server. Joins a room through it over
 * wss and loads pages through it, so the documented WebSocket proxying cannot rot.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, RpcTestClient } from '../helpers/RpcTestClient.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';
import { freeTcpPort } from '../../src/util/freePort.js';

const siteFile = fileURLToPath(new URL('../../../../docs/deploy/nginx-site.conf', import.meta.url));

function findNginx(): string | undefined {
  for (const candidate of [process.env.NGINX_PATH, '/usr/sbin/nginx', 'nginx']) {
    if (candidate && spawnSync(candidate, ['-v'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}
const nginx = findNginx();

/** The documented text must still contain what the test substitutes, or the doc drifted. */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  assert.ok(at >= 0 && text.indexOf(from, at + 1) < 0, `docs/deploy/nginx-site.conf should contain '${from}' exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET through nginx; https with its self-signed certificate. */
function get(url: string): Promise<Answer> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('nginx in front of the room server (docs/deploy/nginx-site.conf)', { skip: nginx ? false : 'nginx is not installed (apt-get install nginx; or set NGINX_PATH)' }, () => {
  let dir: string;
  let room: TestServer;
  let proxy: ChildProcess | undefined;
  let proxyExit: Promise<unknown> = Promise.resolve();
  let https: string;
  let http: string;
  const clients: RpcTestClient[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kr-nginx-'));
    // Run as root, nginx's workers drop to nobody: they must be able to enter this folder.
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>behind nginx</title>\n');
    room = await startTestServer({ staticMounts: [{ prefix: '/', dir }] });
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const [httpsPort, httpPort] = [await freeTcpPort(), await freeTcpPort()];
    https = `https://127.0.0.1:${httpsPort}`;
    http = `http://127.0.0.1:${httpPort}`;

    let site = readFileSync(siteFile, 'utf8');
    site = replaceOnce(site, 'server 127.0.0.1:8080;', `server 127.0.0.1:${room.server.port};`);
    site = replaceOnce(site, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
    site = replaceOnce(site, 'listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`);
    site = replaceOnce(site, '/etc/letsencrypt/live/rooms.example.com/fullchain.pem', cert);
    site = replaceOnce(site, '/etc/letsencrypt/live/rooms.example.com/privkey.pem', key);
    writeFileSync(join(dir, 'site.conf'), site);
    // The main configuration a distribution would have, pointed into the temp folder.
    const root = process.getuid?.() === 0;
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        'daemon off;',
        root ? 'user nobody nogroup;' : '',
        'worker_processes 1;',
        `pid ${join(dir, 'nginx.pid')};`,
        `error_log ${join(dir, 'error.log')} info;`,
        'events { worker_connections 64; }',
        'http {',
        `  access_log ${join(dir, 'access.log')};`,
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, t)};`),
        `  include ${join(dir, 'site.conf')};`,
        '}',
        '',
      ].join('\n'),
    );
    const errorLog = join(dir, 'error.log');
    const child = spawn(nginx!, ['-p', dir, '-e', errorLog, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    proxy = child;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    let exited = false;
    proxyExit = new Promise((resolve) => child.on('exit', () => resolve((exited = true))));
    const log = () => `${stderr}${existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''}`;
    await eventually(
      async () => {
        if (exited) throw new Error(`nginx exited: ${log()}`);
        return get(`${https}/health`).then(
          (answer) => answer.status === 200,
          () => false,
        );
      },
      30_000,
      'nginx to answer',
    );
  });

  after(async () => {
    for (const c of clients) c.terminate();
    if (proxy && proxy.exitCode === null && proxy.signalCode === null) {
      proxy.kill('SIGTERM'); // fast shutdown, workers included
      await proxyExit;
    }
    await room?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves / and the REST API through https', async () => {
    const page = await get(`${https}/`);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /behind nginx/);
    const rooms = await get(`${https}/getAllRooms`);
    assert.equal(rooms.status, 200);
    assert.deepEqual(JSON.parse(rooms.body), []);
  });

  it('redirects plain http to https and keeps /metrics to the inside', async () => {
    const plain = await get(`${http}/some/page`);
    assert.equal(plain.status, 301);
    assert.match(String(plain.headers.location), /^https:\/\/127\.0\.0\.1(:\d+)?\/some\/page$/);
    assert.equal((await get(`${https}/metrics`)).status, 404);
  });

  it('joins a room over the proxied WebSocket and sees the next participant join', async () => {
    const alice = await RpcTestClient.connect(`${https.replace('https', 'wss')}/room`, { rejectUnauthorized: false });
    clients.push(alice);
    const joined = await alice.request('joinRoom', { user: 'alice', room: 'proxied' });
    assert.equal(joined.error, undefined, JSON.stringify(joined.error));
    assert.equal(typeof joined.result?.sessionId, 'string');
    assert.deepEqual(joined.result?.value, []);

    const bob = await RpcTestClient.connect(`${https.replace('https', 'wss')}/room`, { rejectUnauthorized: false });
    clients.push(bob);
    const bobJoined = await bob.request('joinRoom', { user: 'bob', room: 'proxied' });
    assert.equal(typeof bobJoined.result?.sessionId, 'string');
    const seen = await alice.waitForNotification('participantJoined');
    assert.equal(seen.params.id, 'bob');
    // Both sockets are held by the room server through nginx.
    assert.deepEqual(JSON.parse((await get(`${https}/getAllRooms`)).body), ['proxied']);
  });
});
