import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { mintAccessToken } from '../../src/auth/accessToken.js';
import { decideAdminAccess, isLoopbackAddress } from '../../src/http/adminAccess.js';
import { createLogger } from '../../src/log.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

const TOKENS = 'token-secret-for-tests';
const admin = (grant: boolean) => mintAccessToken(TOKENS, { room: 'any', user: grant ? 'ops' : 'guest', grants: { admin: grant } });

describe('admin API access', () => {
  it('without an admin secret: reads open, changes only from loopback or with an admin token', () => {
    const outside = { remoteAddress: '203.0.113.7' };
    assert.deepEqual(decideAdminAccess({}, { ...outside, mutating: false }), { allowed: true, via: 'open' });
    const refused = decideAdminAccess({}, { ...outside, mutating: true });
    assert.deepEqual(refused, {
      allowed: false,
      status: 403,
      message: 'admin API: without --admin-secret, calls that change rooms are only accepted from this machine (loopback)',
    });
    for (const local of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.8.9.10']) {
      assert.deepEqual(decideAdminAccess({}, { remoteAddress: local, mutating: true }), { allowed: true, via: 'loopback' }, local);
    }
    assert.equal(isLoopbackAddress('10.0.0.1'), false);
    assert.equal(isLoopbackAddress('::ffff:192.0.2.1'), false);
    assert.equal(isLoopbackAddress(undefined), false);
    // With tokens configured, an admin-grant token works from anywhere; one without the grant does not.
    assert.deepEqual(decideAdminAccess({ tokenSecret: TOKENS }, { ...outside, mutating: true, authorization: `Bearer ${admin(true)}` }), {
      allowed: true,
      via: 'token',
      subject: 'ops',
    });
    assert.deepEqual(decideAdminAccess({ tokenSecret: TOKENS }, { ...outside, mutating: true, authorization: `Bearer ${admin(false)}` }), {
      allowed: false,
      status: 403,
      message: "the access token of 'guest' has no admin grant",
    });
    const forged = decideAdminAccess({ tokenSecret: 'other' }, { ...outside, mutating: true, authorization: `Bearer ${admin(true)}` });
    assert.equal(forged.allowed, false);
    assert.match((forged as { message: string }).message, /signature is invalid/);
    assert.match((decideAdminAccess({ tokenSecret: TOKENS }, { ...outside, mutating: true }) as { message: string }).message, /or with an access token that has the admin grant/);
  });

  it('with an admin secret every call needs it or an admin token, from loopback too', () => {
    const config = { adminSecret: 's3cret', tokenSecret: TOKENS };
    const local = { remoteAddress: '127.0.0.1' };
    assert.equal(decideAdminAccess(config, { ...local, mutating: false }).allowed, false);
    assert.equal(decideAdminAccess(config, { ...local, mutating: true, authorization: 'Bearer wrong' }).allowed, false);
    assert.deepEqual(decideAdminAccess(config, { ...local, mutating: true, authorization: 'Bearer s3cret' }), { allowed: true, via: 'secret' });
    assert.deepEqual(decideAdminAccess(config, { ...local, mutating: true, authorization: `bearer ${admin(true)}` }), { allowed: true, via: 'token', subject: 'ops' });
  });
});

describe('admin API over HTTP', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('an admin-grant token closes a room; every admin action and refusal is logged; start-up warns without a secret', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger('info', 'server', (line) => lines.push(JSON.parse(line)));
    t = await startTestServer({ tokenSecret: TOKENS, logger, logLevel: 'info' });
    assert.ok(lines.some((l) => l.level === 'warn' && /no --admin-secret/.test(String(l.msg))), 'start-up warning');
    await t.join('alice', 'r1', { token: mintAccessToken(TOKENS, { room: 'r1', user: 'alice' }) });
    const refused = await t.http('/api/rooms/r1', { method: 'DELETE', headers: { authorization: `Bearer ${admin(false)}` } });
    assert.equal(refused.status, 403);
    assert.deepEqual(await refused.json(), { error: "the access token of 'guest' has no admin grant" });
    const closed = await t.http('/api/rooms/r1', { method: 'DELETE', headers: { authorization: `Bearer ${admin(true)}` } });
    assert.equal(closed.status, 204);
    assert.equal((await t.server.stats()).rooms, 0);
    const audit = lines.filter((l) => l.module === 'server.admin');
    assert.deepEqual(
      audit.map((l) => [l.level, l.msg, l.action ?? l.status, l.via ?? null, l.subject ?? null]),
      [
        ['warn', 'admin request refused', 403, null, null],
        ['info', 'admin action', 'close room', 'token', 'ops'],
      ],
    );
    // From loopback without a bearer, changes are still accepted (and logged as such).
    await t.join('bob', 'r2', { token: mintAccessToken(TOKENS, { room: 'r2', user: 'bob' }) });
    assert.equal((await t.http('/close?room=r2')).status, 200);
    assert.equal(lines.filter((l) => l.msg === 'admin action').at(-1)!.via, 'loopback');
  });
});
