import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { eventually, FAKE_OFFER, FAKE_OFFER_TRACKS, type RpcTestClient } from '../helpers/RpcTestClient.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.close();
});

describe('transport methods', () => {
  it('answers ping with pong', async () => {
    const c = await t.connect();
    const r = await c.request('ping', { interval: 3000 });
    assert.equal(r.result?.value, 'pong');
    assert.equal(typeof r.result?.sessionId, 'string');
    const again = await c.request('ping');
    assert.equal(again.result?.value, 'pong');
  });

  it('answers an unknown method with -32601 naming it', async () => {
    const c = await t.connect();
    const r = await c.request('fooBar', {});
    assert.equal(r.error?.code, -32601);
    assert.match(r.error!.message, /fooBar/);
  });

  it('closeSession answers bye, evicts the participant and closes the socket', async () => {
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    const r = await bob.request('closeSession');
    assert.equal(r.result?.value, 'bye');
    await bob.closed;
    const left = await alice.waitForNotification('participantLeft');
    assert.deepEqual(left.params, { name: 'bob' });
  });
});

describe('joinRoom', () => {
  it('returns the other participants wrapped in value, with sessionId', async () => {
    const alice = await t.connect();
    const first = await alice.request('joinRoom', { user: 'alice', room: 'r1' });
    assert.deepEqual(first.result?.value, []);
    assert.equal(typeof first.result?.sessionId, 'string');

    const bob = await t.connect();
    const second = await bob.request('joinRoom', { user: 'bob', room: 'r1' });
    assert.deepEqual(second.result?.value, [{ id: 'alice' }]);
    const joined = await alice.waitForNotification('participantJoined');
    assert.deepEqual(joined.params, { id: 'bob' });
    assert.equal(bob.count('participantJoined'), 0, 'the joiner is not told about itself');
  });

  it('lists publishers with their streams', async () => {
    const alice = await t.join('alice', 'r1');
    await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    const bob = await t.connect();
    const r = await bob.request('joinRoom', { user: 'bob', room: 'r1' });
    // The track fields (an extension) come from the offer: FAKE_OFFER sends video only.
    assert.deepEqual(r.result?.value, [{ id: 'alice', streams: [{ id: 'webcam', ...FAKE_OFFER_TRACKS }] }]);
  });

  it('n joins give n(n-1)/2 participantJoined, and rooms are isolated', async () => {
    const n = 5;
    const r1: RpcTestClient[] = [];
    const r2: RpcTestClient[] = [];
    for (let i = 0; i < n; i++) {
      r1.push(await t.join(`u${i}`, 'r1'));
      r2.push(await t.join(`u${i}`, 'r2'));
    }
    await eventually(() => r1.reduce((s, c) => s + c.count('participantJoined'), 0) === (n * (n - 1)) / 2, 3000, 'joins r1');
    await eventually(() => r2.reduce((s, c) => s + c.count('participantJoined'), 0) === (n * (n - 1)) / 2, 3000, 'joins r2');
    // k-th joiner is told about the n-1-k who came after it
    r1.forEach((c, k) => assert.equal(c.count('participantJoined'), n - 1 - k));
    const msg = await r1[0]!.request('sendMessage', { message: 'only r1', userMessage: 'u0', roomMessage: 'r1' });
    assert.ok(msg.result);
    await eventually(() => r1.every((c) => c.count('sendMessage') === 1), 3000, 'r1 chat');
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(r2.every((c) => c.count('sendMessage') === 0), 'no chat leaks into r2');
  });

  it('refuses a taken name with 104 naming user and room', async () => {
    await t.join('alice', 'r1');
    const c = await t.connect();
    const r = await c.request('joinRoom', { user: 'alice', room: 'r1' });
    assert.equal(r.error?.code, 104);
    assert.equal(r.error?.message, "User 'alice' already exists in room 'r1'");
    const ok = await c.request('joinRoom', { user: 'alice2', room: 'r1' });
    assert.ok(ok.result, 'the same socket can join under another name');
  });

  it('refuses an empty name with 999 and a second join on the same socket', async () => {
    const c = await t.connect();
    const empty = await c.request('joinRoom', { user: '', room: 'r1' });
    assert.equal(empty.error?.code, 999);
    assert.match(empty.error!.message, /Empty user name/);
    await c.request('joinRoom', { user: 'alice', room: 'r1' });
    const again = await c.request('joinRoom', { user: 'other', room: 'r2' });
    assert.equal(again.error?.code, 104);
    assert.match(again.error!.message, /already joined room 'r1' as 'alice'/);
    const stats = await t.server.stats();
    assert.equal(stats.participants, 1);
  });
});

describe('publishing and subscribing', () => {
  it('publishVideo answers, then tells everyone but the publisher', async () => {
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    const r = await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    assert.match(String(r.result?.sdpAnswer), /^v=0/);
    assert.equal(typeof r.result?.sessionId, 'string');
    const published = await bob.waitForNotification('participantPublished');
    assert.deepEqual(published.params, { id: 'alice', streams: [{ id: 'webcam', ...FAKE_OFFER_TRACKS }] });
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(alice.count('participantPublished'), 0);
  });

  it('refuses a second publish of the same stream, and garbage SDP leaves nothing behind', async () => {
    const alice = await t.join('alice', 'r1');
    const bad = await alice.request('publishVideo', { sdpOffer: 'hello', doLoopback: false });
    assert.equal(bad.error?.code, 302);
    assert.match(bad.error!.message, /publishing user 'alice'/);
    assert.equal((await t.server.stats()).media.publishers, 0);
    const ok = await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    assert.ok(ok.result?.sdpAnswer);
    const twice = await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    assert.equal(twice.error?.code, 303);
    assert.match(twice.error!.message, /already publishing stream 'webcam'/);
    assert.equal((await t.server.stats()).media.publishers, 1);
  });

  it('receiveVideoFrom validates the sender and supports names with _', async () => {
    const pub = await t.join('john_doe', 'r1');
    const sub = await t.join('bob', 'r1');
    const notPublishing = await sub.request('receiveVideoFrom', { sender: 'john_doe_webcam', sdpOffer: FAKE_OFFER });
    assert.equal(notPublishing.error?.code, 105);
    await pub.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    const r = await sub.request('receiveVideoFrom', { sender: 'john_doe_webcam', sdpOffer: FAKE_OFFER });
    assert.ok(r.result?.sdpAnswer, JSON.stringify(r));
    const unknown = await sub.request('receiveVideoFrom', { sender: 'nobody_webcam', sdpOffer: FAKE_OFFER });
    assert.equal(unknown.error?.code, 102);
    assert.match(unknown.error!.message, /'nobody' not found in room 'r1'/);
    const self = await pub.request('receiveVideoFrom', { sender: 'john_doe_webcam', sdpOffer: FAKE_OFFER });
    assert.equal(self.error?.code, 105);
    const noUnderscore = await sub.request('receiveVideoFrom', { sender: 'johndoe', sdpOffer: FAKE_OFFER });
    assert.equal(noUnderscore.error?.code, -32602);
    const twice = await sub.request('receiveVideoFrom', { sender: 'john_doe_webcam', sdpOffer: FAKE_OFFER });
    assert.match(twice.error?.message ?? '', /already subscribed/);
    const stats = await t.server.stats();
    assert.equal(stats.media.subscribers, 1);
    assert.ok(t.engine.keyFrameRequests.length >= 1, 'a new subscriber causes a keyframe request');
  });

  it('unsubscribeFromVideo frees the subscription; a second one still succeeds', async () => {
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    await bob.request('receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: FAKE_OFFER });
    assert.equal((await t.server.stats()).media.subscribers, 1);
    const r = await bob.request('unsubscribeFromVideo', { sender: 'alice_webcam' });
    assert.ok(r.result);
    await eventually(async () => (await t.server.stats()).media.subscribers === 0, 2000, 'subscriber released');
    const again = await bob.request('unsubscribeFromVideo', { sender: 'alice_webcam' });
    assert.ok(again.result);
    const unknown = await bob.request('unsubscribeFromVideo', { sender: 'carol_webcam' });
    assert.equal(unknown.error?.code, 102);
  });

  it('unpublishVideo tears down subscriptions and the participant stays', async () => {
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    const carol = await t.join('carol', 'r1');
    await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    await bob.request('receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: FAKE_OFFER });
    await carol.request('receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: FAKE_OFFER });
    assert.equal((await t.server.stats()).media.subscribers, 2);
    const r = await alice.request('unpublishVideo', {});
    assert.ok(r.result);
    for (const c of [bob, carol]) assert.deepEqual((await c.waitForNotification('participantUnpublished')).params, { name: 'alice' });
    assert.equal(alice.count('participantUnpublished'), 0);
    await eventually(async () => (await t.server.stats()).media.peerConnections === 0, 2000, 'media released');
    const stats = await t.server.stats();
    assert.equal(stats.participants, 3);
    assert.equal(stats.subscriptions, 0);
    const notStreaming = await alice.request('unpublishVideo', {});
    assert.equal(notStreaming.error?.code, 105);
    const republish = await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    assert.ok(republish.result, 're-publishing works');
  });
});

describe('ICE candidates', () => {
  const cand = (n: number) => ({ candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${5000 + n} typ host`, sdpMid: '0', sdpMLineIndex: 0 });

  it('buffers candidates sent before the offer and delivers them to the endpoint', async () => {
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    assert.ok((await alice.request('onIceCandidate', { endpointName: 'alice', ...cand(1) })).result);
    await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    assert.ok((await alice.request('onIceCandidate', { endpointName: 'alice', ...cand(2) })).result);
    const pubId = [...t.engine.endpoints.keys()].find((k) => k.startsWith('pub-'))!;
    assert.deepEqual(t.engine.candidatesOf(pubId).map((c) => c.candidate), [cand(1).candidate, cand(2).candidate]);

    assert.ok((await bob.request('onIceCandidate', { endpointName: 'alice', ...cand(3) })).result);
    await bob.request('receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: FAKE_OFFER });
    const subId = [...t.engine.endpoints.keys()].find((k) => k.startsWith('sub-'))!;
    assert.deepEqual(t.engine.candidatesOf(subId).map((c) => c.candidate), [cand(3).candidate]);
  });

  it('routes server candidates by endpointName: own name for publishing, the publisher for subscriptions', async () => {
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    const a = await alice.waitForNotification('iceCandidate');
    assert.equal(a.params.endpointName, 'alice');
    assert.equal(typeof a.params.sdpMLineIndex, 'number');
    await bob.request('receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: FAKE_OFFER });
    const b = await bob.waitForNotification('iceCandidate');
    assert.equal(b.params.endpointName, 'alice');
  });

  it('rejects candidates for unknown endpoints and malformed candidates', async () => {
    const alice = await t.join('alice', 'r1');
    const r = await alice.request('onIceCandidate', { endpointName: 'ghost', ...cand(1) });
    assert.equal(r.error?.code, 102);
    assert.match(r.error!.message, /'ghost'/);
    await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
    const bad = await alice.request('onIceCandidate', { endpointName: 'alice', candidate: 'garbage', sdpMid: '0', sdpMLineIndex: 0 });
    assert.equal(bad.error?.code, -32602);
  });
});

describe('chat, leave and custom requests', () => {
  it('sendMessage answers then reaches everyone, sender included', async () => {
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    const before = alice.frames.length;
    const r = await alice.request('sendMessage', { message: 'hi <b>there</b>', userMessage: 'alice', roomMessage: 'r1' });
    assert.ok(r.result);
    for (const c of [alice, bob]) {
      const n = await c.waitForNotification('sendMessage');
      assert.deepEqual(n.params, { room: 'r1', user: 'alice', message: 'hi <b>there</b>' });
    }
    const order = alice.frames.slice(before).map((f) => ((f as { method?: string }).method ? 'notification' : 'response'));
    assert.deepEqual(order, ['response', 'notification']);
    const wrongUser = await alice.request('sendMessage', { message: 'x', userMessage: 'bob', roomMessage: 'r1' });
    assert.equal(wrongUser.error?.code, 102);
    const wrongRoom = await alice.request('sendMessage', { message: 'x', userMessage: 'alice', roomMessage: 'r9' });
    assert.equal(wrongRoom.error?.code, 202);
  });

  it('leaveRoom tells the others, answers, then closes the socket; the room goes with its last member', async () => {
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    assert.deepEqual(await (await t.http('/getAllRooms')).json(), ['r1']);
    const r = await bob.request('leaveRoom', {});
    assert.ok(r.result?.sessionId);
    assert.deepEqual((await alice.waitForNotification('participantLeft')).params, { name: 'bob' });
    const closed = await bob.closed;
    assert.equal(closed.code, 1000);
    await alice.request('leaveRoom', {});
    assert.deepEqual(await (await t.http('/getAllRooms')).json(), []);
  });

  it('leaveRoom before a join gets an answer', async () => {
    const c = await t.connect();
    const r = await c.request('leaveRoom', {});
    assert.equal(r.error?.code, 102);
  });

  it('customRequest without a handler is a clear error; with one it gets the answer', async () => {
    const alice = await t.join('alice', 'r1');
    const r = await alice.request('customRequest', { hat: true });
    assert.equal(r.error?.code, -32601);
    assert.match(r.error!.message, /customRequest/);
    await t.close();
    t = await startTestServer({
      customRequestHandler: (ctx) => {
        if (ctx.params.fail) throw new Error('boom');
        return { echoed: ctx.params.hat, user: ctx.user, room: ctx.room };
      },
    });
    const bob = await t.join('bob', 'r2');
    const ok = await bob.request('customRequest', { hat: true });
    assert.equal(ok.result?.echoed, true);
    assert.equal(ok.result?.user, 'bob');
    assert.equal(typeof ok.result?.sessionId, 'string');
    const failed = await bob.request('customRequest', { fail: true });
    assert.equal(failed.error?.code, -32603);
    assert.match(failed.error!.message, /boom/);
  });
});
