import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { turnCredentials } from '../../src/ice/iceServers.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('iceServers in the join result', () => {
  it('carries the static servers and per-user TURN credentials', async () => {
    t = await startTestServer({
      ice: { static: [{ urls: 'stun:stun.example.org:3478' }], turn: { urls: ['turn:turn.example.org:3478'], secret: 'north', ttlSeconds: 600 } },
    });
    const c = await t.connect();
    const before = Date.now();
    const r = await c.request('joinRoom', { user: 'José Müller', room: 'r1' });
    const servers = r.result!.iceServers as { urls: unknown; username?: string; credential?: string }[];
    assert.equal(servers.length, 2);
    assert.deepEqual(servers[0], { urls: 'stun:stun.example.org:3478' });
    const [expiry, user] = servers[1]!.username!.split(/:(.*)/s) as [string, string];
    assert.equal(user, 'José Müller');
    assert.ok(Math.abs(Number(expiry) - (before / 1000 + 600)) < 5);
    assert.deepEqual(servers[1], { urls: ['turn:turn.example.org:3478'], ...turnCredentials('north', 'José Müller', 600, Number(expiry) * 1000 - 600_000) });
  });

  it('is absent without configuration: the original result shape', async () => {
    t = await startTestServer();
    const r = await (await t.connect()).request('joinRoom', { user: 'bob', room: 'r1' });
    assert.deepEqual(Object.keys(r.result!).sort(), ['sessionId', 'value']);
  });
});
