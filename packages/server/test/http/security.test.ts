import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { ensureBrowserScript } from '../../../../testing/clientBuild.js';
import { demoContentSecurityPolicy } from '../../src/index.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Resolves with the HTTP status of the upgrade: 101 when the socket opened, the refusal's status otherwise. */
function upgradeStatus(url: string, origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (error) => reject(error));
  });
}

describe('WebSocket origin check (--allowed-origins)', () => {
  it('refuses other origins with 403 before the upgrade; allows the listed ones and clients without Origin', async () => {
    t = await startTestServer({ allowedOrigins: ['https://meet.example.com', 'http://localhost:8080/'] });
    const url = t.server.wsUrl;
    assert.equal(await upgradeStatus(url, 'https://evil.example'), 403);
    assert.equal(await upgradeStatus(url, 'null'), 403, 'sandboxed frames and file: pages');
    assert.equal(await upgradeStatus(url, 'https://meet.example.com.evil.example'), 403);
    assert.equal(await upgradeStatus(url, 'http://meet.example.com'), 403, 'the scheme is part of the origin');
    const stats = await t.server.stats();
    assert.equal(stats.connections + stats.sessions, 0, 'refused upgrades left no connection or session');
    assert.equal(await upgradeStatus(url, 'https://meet.example.com'), 101);
    assert.equal(await upgradeStatus(url, 'https://MEET.example.com:443'), 101, 'compared as normalized origins');
    assert.equal(await upgradeStatus(url, 'http://localhost:8080'), 101);
    assert.equal(await upgradeStatus(url), 101, 'no Origin header: a non-browser client');
  });

  it('by default any origin may connect, as in the original', async () => {
    t = await startTestServer();
    assert.equal(await upgradeStatus(t.server.wsUrl, 'https://anywhere.example'), 101);
  });

  it('a refused upgrade says why', async () => {
    t = await startTestServer({ allowedOrigins: ['https://meet.example.com'] });
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(t!.server.url + '/room', {
        headers: { connection: 'Upgrade', upgrade: 'websocket', origin: 'https://evil.example', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      req.on('upgrade', () => reject(new Error('the upgrade went through')));
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 403);
    assert.equal(body, "WebSocket connections from origin 'https://evil.example' are not allowed on this server\n");
  });
});

describe('security headers', () => {
  let dir: string;
  before(() => {
    ensureBrowserScript();
    dir = mkdtempSync(join(tmpdir(), 'kr-pages-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>demo</title>');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function assertCommon(res: Response, path: string): void {
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
  }

  it('the demo page carries its policy; the client script and REST answers a nothing-policy', async () => {
    t = await startTestServer({ staticMounts: [{ prefix: '/', dir, contentSecurityPolicy: demoContentSecurityPolicy }] });
    const page = await t.http('/');
    assert.equal(page.status, 200);
    assertCommon(page, '/');
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "media-src 'self' blob: mediastream:", "object-src 'none'", "frame-ancestors 'none'"]) {
      assert.ok(csp.includes(directive), `${directive} in ${csp}`);
    }
    assert.ok(csp.includes(`connect-src 'self' ws://127.0.0.1:${t.server.port} wss://127.0.0.1:${t.server.port}`), csp);
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);

    for (const path of ['/js/KurentoRoom.js', '/api/stats', '/getAllRooms', '/no-such-thing']) {
      const res = await t.http(path);
      assert.equal(res.status, path === '/no-such-thing' ? 404 : 200, path);
      assertCommon(res, path);
      assert.equal(res.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'", path);
    }
  });

  it("a mount without a policy serves its pages without one (the mounter's pages, the mounter's policy)", async () => {
    t = await startTestServer({ staticMounts: [{ prefix: '/app/', dir }] });
    const res = await t.http('/app/');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-security-policy'), null);
    assertCommon(res, '/app/');
  });

  it('a Host header that is not a plain host adds nothing to the policy', () => {
    assert.ok(!demoContentSecurityPolicy("x; script-src 'unsafe-inline'").includes('unsafe-inline'));
    assert.ok(demoContentSecurityPolicy(undefined).includes("connect-src 'self';"));
  });
});
