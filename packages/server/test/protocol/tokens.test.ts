import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import { mintAccessToken, type MintOptions } from '../../src/auth/accessToken.js';
import { eventually, FAKE_OFFER, RpcTestClient } from '../helpers/RpcTestClient.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

const SECRET = 'room-token-secret';
const token = (user: string, room: string, extra: Partial<MintOptions> = {}) => mintAccessToken(SECRET, { user, room, ...extra });

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function withAlice(): Promise<{ t: TestServer; alice: RpcTestClient }> {
  t = await startTestServer({ tokenSecret: SECRET });
  const alice = await t.join('alice', 'r1', { token: token('alice', 'r1') });
  return { t, alice };
}

describe('access tokens on joinRoom', () => {
  it('refuses every bad token with its own cause, and nothing changes in the room', async () => {
    const { t, alice } = await withAlice();
    const now = Date.now();
    const forged = (() => {
      const [h, p] = token('bob', 'r1').split('.');
      return `${h}.${p}.${createHmac('sha256', 'another secret').update(`${h}.${p}`).digest('base64url')}`;
    })();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /^Access denied: an access token is required: pass it as the 'token' parameter of joinRoom or as 'access_token' in the WebSocket URL$/],
      [{ token: 'not-a-jwt' }, /^Access denied: access token is malformed: expected three base64url parts/],
      [{ token: token('bob', 'r1', { ttlSeconds: 60, now: now - 3_600_000 }) }, /^Access denied: access token expired at /],
      [{ token: token('bob', 'r1', { notBeforeSeconds: 3600 }) }, /^Access denied: access token is not valid before /],
      [{ token: forged }, /^Access denied: access token signature is invalid/],
      [{ token: token('bob', 'r2') }, /^Access denied: access token is for room 'r2', not 'r1'$/],
      [{ token: token('mallory', 'r1') }, /^Access denied: access token is for user 'mallory', not 'bob'$/],
    ];
    for (const [extra, message] of cases) {
      const c = await t.connect();
      const r = await c.request('joinRoom', { user: 'bob', room: 'r1', ...extra });
      assert.equal(r.error?.code, -32001, JSON.stringify(extra));
      assert.match(r.error!.message, message);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(alice.count('participantJoined'), 0, 'the room saw nobody join');
    const stats = await t.server.stats();
    assert.equal(stats.participants, 1);
  });

  it('takes the token from the joinRoom parameter or from access_token in the WebSocket URL', async () => {
    const { t, alice } = await withAlice();
    const viaUrl = await RpcTestClient.connect(`${t.server.wsUrl}?access_token=${encodeURIComponent(token('bob', 'r1'))}`);
    t.clients.push(viaUrl);
    const r = await viaUrl.request('joinRoom', { user: 'bob', room: 'r1' });
    assert.ok(r.result, JSON.stringify(r.error));
    await alice.waitForNotification('participantJoined', (p) => p.id === 'bob');
    // A URL token for someone else does not help a join under another name.
    const other = await RpcTestClient.connect(`${t.server.wsUrl}?access_token=${encodeURIComponent(token('bob', 'r1'))}`);
    t.clients.push(other);
    assert.match((await other.request('joinRoom', { user: 'carol', room: 'r1' })).error!.message, /for user 'bob', not 'carol'/);
  });

  it('a participant without the publish, subscribe or data grant is refused that, and only that', async () => {
    const { t, alice } = await withAlice();
    await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    const viewer = await t.join('viewer', 'r1', { token: token('viewer', 'r1', { grants: { publish: false } }) });
    const refusedPublish = await viewer.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    assert.equal(refusedPublish.error?.code, -32003);
    assert.equal(refusedPublish.error?.message, "Participant 'viewer' may not publish: its access token has no 'publish' grant");
    assert.ok((await viewer.request('receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: FAKE_OFFER })).result, 'it may still receive');

    const talker = await t.join('talker', 'r1', { token: token('talker', 'r1', { grants: { subscribe: false } }) });
    const refusedSubscribe = await talker.request('receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: FAKE_OFFER });
    assert.equal(refusedSubscribe.error?.code, -32003);
    assert.equal(refusedSubscribe.error?.message, "Participant 'talker' may not receive streams: its access token has no 'subscribe' grant");
    assert.ok((await talker.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false })).result, 'it may still publish');

    const quiet = await t.connect();
    const refusedData = await quiet.request('joinRoom', { user: 'quiet', room: 'r1', dataChannels: true, token: token('quiet', 'r1', { grants: { data: false } }) });
    assert.equal(refusedData.error?.code, -32003);
    assert.equal(refusedData.error?.message, "Participant 'quiet' may not use data channels: its access token has no 'data' grant");
    assert.ok((await quiet.request('joinRoom', { user: 'quiet', room: 'r1', token: token('quiet', 'r1', { grants: { data: false } }) })).result, 'without data channels it joins');
    const stats = await t.server.stats();
    assert.equal(stats.participants, 4);
    assert.equal(stats.publishers, 2);
  });

  it('a refused join does not take over a stale session; a valid one does', async () => {
    t = await startTestServer({ tokenSecret: SECRET, reconnectionGraceMs: 60_000 });
    const alice = await t.join('alice', 'r1', { token: token('alice', 'r1') });
    const bob = await t.join('bob', 'r1', { token: token('bob', 'r1') });
    bob.terminate();
    await eventually(async () => (await t!.server.stats()).sessionsInGrace === 1, 2000, 'bob in grace');
    const thief = await t.connect();
    assert.equal((await thief.request('joinRoom', { user: 'bob', room: 'r1' })).error?.code, -32001);
    assert.equal((await t.server.stats()).sessionsInGrace, 1, 'the stale session is untouched');
    assert.equal(alice.count('participantLeft'), 0);
    const back = await t.connect();
    assert.ok((await back.request('joinRoom', { user: 'bob', room: 'r1', token: token('bob', 'r1') })).result);
    await alice.waitForNotification('participantJoined', (p) => p.id === 'bob' && alice.count('participantLeft') === 1);
  });

  it('without a token secret, tokens are ignored and everyone may do everything (the original)', async () => {
    t = await startTestServer();
    const c = await t.join('anyone', 'r1', { dataChannels: true });
    assert.ok((await c.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false })).result);
    assert.ok((await (await t.connect()).request('joinRoom', { user: 'other', room: 'r1', token: 'whatever.it.is' })).result);
  });
});
