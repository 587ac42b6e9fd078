import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { AccessTokenError, checkAudience, mintAccessToken, verifyAccessToken, type AccessTokenFault } from '../../src/auth/accessToken.js';

const SECRET = 'test-secret-0123456789';
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

function refused(fault: AccessTokenFault, message: RegExp, run: () => unknown): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof AccessTokenError, `an AccessTokenError, got ${String(error)}`);
    assert.equal(error.fault, fault);
    assert.match(error.message, message);
    return true;
  });
}

/** A token signed like a JWT library would, with any header and payload. */
function forge(header: Record<string, unknown>, payload: Record<string, unknown>, secret = SECRET): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('access tokens (HS256 JWT)', () => {
  it('mints a standard JWT that verifies, with default grants', () => {
    const token = mintAccessToken(SECRET, { room: 'standup', user: 'José Müller', now: NOW });
    const [header, payload] = token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
    assert.equal(payload.exp - payload.iat, 3600);
    const claims = verifyAccessToken(SECRET, token, NOW + 1000);
    assert.deepEqual(claims, { sub: 'José Müller', room: 'standup', exp: NOW / 1000 + 3600, grants: { publish: true, subscribe: true, data: true, admin: false } });
    checkAudience(claims, 'José Müller', 'standup');
  });

  it('agrees with the well-known jwt.io HS256 example (signature accepted, then the missing room named)', () => {
    const example =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    refused('malformed', /'room' must be a non-empty string/, () => verifyAccessToken('your-256-bit-secret', example));
    refused('signature', /signature is invalid/, () => verifyAccessToken('another secret', example));
  });

  it('keeps explicit grants and the ttl', () => {
    const token = mintAccessToken(SECRET, { room: 'r', user: 'u', ttlSeconds: 60, grants: { publish: false, admin: true }, now: NOW });
    const claims = verifyAccessToken(SECRET, token, NOW);
    assert.deepEqual(claims.grants, { publish: false, subscribe: true, data: true, admin: true });
    assert.equal(claims.exp, NOW / 1000 + 60);
  });

  it('refuses each fault with its own message', () => {
    const good = mintAccessToken(SECRET, { room: 'r', user: 'u', now: NOW });
    refused('missing', /an access token is required: pass it as the 'token' parameter of joinRoom or as 'access_token'/, () => verifyAccessToken(SECRET, undefined));
    refused('missing', /required/, () => verifyAccessToken(SECRET, ''));
    refused('malformed', /must be a string/, () => verifyAccessToken(SECRET, 42));
    refused('malformed', /three base64url parts/, () => verifyAccessToken(SECRET, 'abc.def'));
    refused('malformed', /three base64url parts/, () => verifyAccessToken(SECRET, `${good}.x`));
    refused('malformed', /longer than 8192 characters/, () => verifyAccessToken(SECRET, 'a'.repeat(9000)));
    refused('malformed', /header is not base64url-encoded JSON/, () => verifyAccessToken(SECRET, `abc.${good.split('.')[1]}.${good.split('.')[2]}`));
    refused('algorithm', /algorithm 'none' is not accepted: only HS256 is/, () => verifyAccessToken(SECRET, forge({ alg: 'none' }, { sub: 'u', room: 'r', exp: 9e9 })));
    refused('algorithm', /algorithm 'HS512'/, () => verifyAccessToken(SECRET, forge({ alg: 'HS512' }, { sub: 'u', room: 'r', exp: 9e9 })));
    refused('signature', /not signed with this server's token secret/, () => verifyAccessToken('another secret', good, NOW));
    const [h, p, s] = good.split('.') as [string, string, string];
    const tampered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), room: 'other' })).toString('base64url');
    refused('signature', /signature is invalid/, () => verifyAccessToken(SECRET, `${h}.${tampered}.${s}`, NOW));
    refused('expired', /expired at 2026-12-01T13:00:00.000Z/, () => verifyAccessToken(SECRET, good, NOW + 3600_000 + 31_000));
    assert.ok(verifyAccessToken(SECRET, good, NOW + 3600_000 + 29_000), 'a clock 29 s off is forgiven');
    const later = mintAccessToken(SECRET, { room: 'r', user: 'u', notBeforeSeconds: 600, now: NOW });
    refused('not-yet-valid', /not valid before 2026-12-01T12:10:00.000Z/, () => verifyAccessToken(SECRET, later, NOW));
    assert.ok(verifyAccessToken(SECRET, later, NOW + 600_000));
    refused('malformed', /'exp' \(expiry, seconds since 1970\) must be a number/, () => verifyAccessToken(SECRET, forge({ alg: 'HS256' }, { sub: 'u', room: 'r' })));
    refused('malformed', /'sub' \(the user name\)/, () => verifyAccessToken(SECRET, forge({ alg: 'HS256' }, { room: 'r', exp: 9e9 })));
    refused('malformed', /'grants.publish' must be a boolean/, () => verifyAccessToken(SECRET, forge({ alg: 'HS256' }, { sub: 'u', room: 'r', exp: 9e9, grants: { publish: 'yes' } })));
    const claims = verifyAccessToken(SECRET, good, NOW);
    refused('wrong-room', /access token is for room 'r', not 'elsewhere'/, () => checkAudience(claims, 'u', 'elsewhere'));
    refused('wrong-user', /access token is for user 'u', not 'mallory'/, () => checkAudience(claims, 'mallory', 'r'));
  });
});
