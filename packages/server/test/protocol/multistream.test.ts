// Several streams per participant (a webcam and a screen at once) and the one naming rule of
// streams (ids.ts), driven through the protocol with the fake media engine: per-stream publish,
// unpublish, subscribe, mute and faults; a late joiner's join result; a streamId with '_'
// refused with a message that says why; and user `alice_screen` next to alice's `screen`, whose
// original endpointName is the same string, told apart by `sender` everywhere.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FAKE_OFFER, type RpcTestClient } from '../helpers/RpcTestClient.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

/** A camera with a microphone. */
const AV_OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendonly\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendonly\r\n';
const WEBCAM = { id: 'webcam', hasAudio: true, hasVideo: true, audioActive: true, videoActive: true, typeOfVideo: 'CAMERA' };
const SCREEN = { id: 'screen', hasAudio: false, hasVideo: true, audioActive: false, videoActive: true, typeOfVideo: 'SCREEN' };

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.close();
});

/** The engine id of the live endpoint whose label is exactly `label` (ids are `<kind>-<n>-<label>`). */
function endpointId(kind: 'pub' | 'sub', label: string): string {
  const id = [...t.engine.endpoints.keys()].find((k) => new RegExp(`^${kind}-\\d+-`).test(k) && k.replace(/^\w+-\d+-/, '') === label);
  assert.ok(id, `a ${kind} endpoint ${label} in ${[...t.engine.endpoints.keys()].join(', ')}`);
  return id;
}

function candidatesOf(kind: 'pub' | 'sub', label: string): string[] {
  return t.engine.endpoints.get(endpointId(kind, label))!.candidates.map((c) => c.candidate);
}

async function joinValue(user: string, room: string): Promise<{ client: RpcTestClient; value: unknown }> {
  const client = await t.connect();
  const r = await client.request('joinRoom', { user, room });
  assert.equal(r.error, undefined);
  return { client, value: r.result?.value };
}

async function dump(room: string) {
  return (await (await t.http(`/api/rooms/${room}`)).json()) as {
    participants: Array<{ name: string; streams: Array<{ id: string }>; subscriptions: Array<{ sender: string }> }>;
  };
}

const candidate = (n: number) => ({ candidate: `candidate:${n} 1 udp 1 10.0.0.${n} ${n} typ host`, sdpMid: '0', sdpMLineIndex: 0 });

/** Lets notifications already sent arrive before counting them. */
const settle = () => new Promise((r) => setTimeout(r, 50));

describe('a webcam and a screen of one participant', () => {
  async function publishBoth(room: string): Promise<{ alice: RpcTestClient; bob: RpcTestClient }> {
    const alice = await t.join('alice', room);
    const bob = await t.join('bob', room);
    assert.ok((await alice.request('publishVideo', { sdpOffer: AV_OFFER, doLoopback: false })).result);
    const screen = await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false, streamId: 'screen', typeOfVideo: 'SCREEN' });
    assert.ok(screen.result, JSON.stringify(screen.error));
    for (const sender of ['alice_webcam', 'alice_screen']) assert.ok((await bob.request('receiveVideoFrom', { sender, sdpOffer: FAKE_OFFER })).result);
    return { alice, bob };
  }

  it('one participantPublished per stream with its fields; a late joiner finds both; each subscribed on its own endpoint', async () => {
    const { bob } = await publishBoth('two');
    await bob.waitForNotification('participantPublished', (p) => (p.streams as Array<{ id: string }>)[0]?.id === 'screen');
    const published = bob.notifications.filter((n) => n.method === 'participantPublished').map((n) => n.params);
    assert.deepEqual(published, [
      { id: 'alice', streams: [WEBCAM] },
      { id: 'alice', streams: [SCREEN] },
    ]);
    const { value } = await joinValue('carol', 'two');
    assert.deepEqual(value, [
      { id: 'alice', streams: [WEBCAM, SCREEN] },
      { id: 'bob' },
    ]);
    const pubWebcam = endpointId('pub', 'alice_webcam');
    const pubScreen = endpointId('pub', 'alice_screen');
    assert.notEqual(pubWebcam, pubScreen, 'two peer connections');
    assert.equal(t.engine.endpoints.get(endpointId('sub', 'bob<alice_webcam'))!.publisherId, pubWebcam);
    assert.equal(t.engine.endpoints.get(endpointId('sub', 'bob<alice_screen'))!.publisherId, pubScreen);
  });

  it('muting the screen changes the screen alone: its notification names it, the engine pauses its endpoint', async () => {
    const { alice, bob } = await publishBoth('mute');
    assert.ok((await alice.request('streamPropertyChanged', { streamId: 'screen', property: 'videoActive', newValue: false })).result);
    const changed = await bob.waitForNotification('streamPropertyChanged');
    assert.deepEqual(changed.params, { id: 'alice', streamId: 'screen', property: 'videoActive', newValue: false, reason: 'publisherAction' });
    assert.deepEqual(t.engine.videoActiveCalls, [{ publisherId: endpointId('pub', 'alice_screen'), active: false }]);
    const { value } = await joinValue('carol', 'mute');
    assert.deepEqual(value, [
      { id: 'alice', streams: [WEBCAM, { ...SCREEN, videoActive: false }] },
      { id: 'bob' },
    ]);
  });

  it('unpublishing the screen leaves the webcam published and watched; then the webcam goes without a streamId', async () => {
    const { alice, bob } = await publishBoth('unpub');
    const pubWebcam = endpointId('pub', 'alice_webcam');
    const subWebcam = endpointId('sub', 'bob<alice_webcam');
    const pubScreen = endpointId('pub', 'alice_screen');
    const subScreen = endpointId('sub', 'bob<alice_screen');
    assert.ok((await alice.request('unpublishVideo', { streamId: 'screen' })).result);
    assert.deepEqual((await bob.waitForNotification('participantUnpublished')).params, { name: 'alice', streamId: 'screen' });
    for (const id of [pubScreen, subScreen]) assert.equal(t.engine.endpoints.has(id), false, `${id} released`);
    for (const id of [pubWebcam, subWebcam]) assert.equal(t.engine.endpoints.has(id), true, `${id} kept`);
    const state = await dump('unpub');
    assert.deepEqual(state.participants.find((p) => p.name === 'alice')?.streams.map((s) => s.id), ['webcam']);
    assert.deepEqual(state.participants.find((p) => p.name === 'bob')?.subscriptions.map((s) => s.sender), ['alice_webcam']);
    assert.deepEqual((await joinValue('carol', 'unpub')).value, [
      { id: 'alice', streams: [WEBCAM] },
      { id: 'bob' },
    ]);
    // A candidate for the gone screen, a second unpublish of it, and the webcam still takes candidates.
    assert.equal((await alice.request('unpublishVideo', { streamId: 'screen' })).error?.code, 105);
    assert.ok((await bob.request('onIceCandidate', { endpointName: 'alice', sender: 'alice_webcam', ...candidate(9) })).result);
    assert.deepEqual(candidatesOf('sub', 'bob<alice_webcam'), [candidate(9).candidate]);
    assert.ok((await alice.request('unpublishVideo', {})).result);
    await bob.waitForNotification('participantUnpublished', (p) => p.streamId === undefined);
    assert.deepEqual(bob.notifications.filter((n) => n.method === 'participantUnpublished').map((n) => n.params), [
      { name: 'alice', streamId: 'screen' },
      { name: 'alice' },
    ]);
  });

  it('a fault of the screen publication takes the screen alone; the webcam and its subscription stay', async () => {
    const { alice, bob } = await publishBoth('fault');
    t.engine.emitEvent('endpointState', endpointId('pub', 'alice_screen'), 'failed', { cause: 'inactive', silentMs: 5000 });
    assert.deepEqual((await bob.waitForNotification('participantUnpublished')).params, { name: 'alice', streamId: 'screen' });
    const error = await alice.waitForNotification('mediaError');
    assert.equal(error.params.endpointName, 'alice_screen');
    assert.equal(error.params.sender, 'alice_screen');
    assert.equal(t.engine.endpoints.has(endpointId('pub', 'alice_webcam')), true);
    assert.equal(t.engine.endpoints.has(endpointId('sub', 'bob<alice_webcam')), true);
    const state = await dump('fault');
    assert.deepEqual(state.participants.find((p) => p.name === 'bob')?.subscriptions.map((s) => s.sender), ['alice_webcam']);
    // The screen can be published again beside the webcam.
    assert.ok((await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false, streamId: 'screen', typeOfVideo: 'SCREEN' })).result);
  });
});

describe("the naming rule: '<user>_<streamId>' split at the last '_'", () => {
  it("a publish whose streamId has '_' is refused (-32602) with the reason; nothing is published", async () => {
    const alice = await t.join('alice', 'rule');
    const bob = await t.join('bob', 'rule');
    const r = await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false, streamId: 'my_screen' });
    assert.equal(r.error?.code, -32602);
    assert.equal(
      r.error?.message,
      "Request element 'streamId' must be 1-64 letters, digits or '-', got 'my_screen': '_' separates the user name from the stream id in '<user>_<streamId>', so a stream id cannot contain it",
    );
    await settle();
    assert.equal(bob.count('participantPublished'), 0);
    assert.equal(t.engine.endpoints.size, 0);
  });

  describe("user 'alice_screen' (webcam) and user 'alice' (screen) in one room", () => {
    /** alice_screen publishes its webcam, alice her screen; the global ids differ, the original endpointNames do not. */
    async function room(): Promise<{ alice: RpcTestClient; aliceScreen: RpcTestClient; bob: RpcTestClient }> {
      const aliceScreen = await t.join('alice_screen', 'amb');
      const alice = await t.join('alice', 'amb');
      const bob = await t.join('bob', 'amb');
      assert.ok((await aliceScreen.request('publishVideo', { sdpOffer: AV_OFFER, doLoopback: false })).result);
      assert.ok((await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false, streamId: 'screen', typeOfVideo: 'SCREEN' })).result);
      return { alice, aliceScreen, bob };
    }

    it('the join result and participantPublished tell them apart; each subscription reaches its own publisher', async () => {
      const { alice, aliceScreen, bob } = await room();
      const { value } = await joinValue('carol', 'amb');
      assert.deepEqual(value, [
        { id: 'alice_screen', streams: [WEBCAM] },
        { id: 'alice', streams: [SCREEN] },
        { id: 'bob' },
      ]);
      assert.ok((await bob.request('receiveVideoFrom', { sender: 'alice_screen_webcam', sdpOffer: FAKE_OFFER })).result);
      assert.ok((await bob.request('receiveVideoFrom', { sender: 'alice_screen', sdpOffer: FAKE_OFFER })).result);
      // Each watches the other: alice_screen's subscription and alice's own stream share a name with a publication of theirs.
      assert.ok((await aliceScreen.request('receiveVideoFrom', { sender: 'alice_screen', sdpOffer: FAKE_OFFER })).result);
      assert.ok((await alice.request('receiveVideoFrom', { sender: 'alice_screen_webcam', sdpOffer: FAKE_OFFER })).result);
      const camera = endpointId('pub', 'alice_screen_webcam');
      const screen = endpointId('pub', 'alice_screen');
      assert.equal(t.engine.endpoints.get(endpointId('sub', 'bob<alice_screen_webcam'))!.publisherId, camera);
      assert.equal(t.engine.endpoints.get(endpointId('sub', 'bob<alice_screen'))!.publisherId, screen);
      assert.equal(t.engine.endpoints.get(endpointId('sub', 'alice_screen<alice_screen'))!.publisherId, screen);
      assert.equal(t.engine.endpoints.get(endpointId('sub', 'alice<alice_screen_webcam'))!.publisherId, camera);
    });

    it('candidates with sender land on the right endpoint although every endpointName is alice_screen', async () => {
      const { alice, aliceScreen, bob } = await room();
      // Sent before the subscriptions exist: kept per stream, then given to the right endpoint.
      assert.ok((await bob.request('onIceCandidate', { endpointName: 'alice_screen', sender: 'alice_screen', ...candidate(1) })).result);
      assert.ok((await bob.request('onIceCandidate', { endpointName: 'alice_screen', sender: 'alice_screen_webcam', ...candidate(2) })).result);
      assert.ok((await bob.request('receiveVideoFrom', { sender: 'alice_screen_webcam', sdpOffer: FAKE_OFFER })).result);
      assert.ok((await bob.request('receiveVideoFrom', { sender: 'alice_screen', sdpOffer: FAKE_OFFER })).result);
      assert.ok((await bob.request('onIceCandidate', { endpointName: 'alice_screen', sender: 'alice_screen', ...candidate(3) })).result);
      assert.deepEqual(candidatesOf('sub', 'bob<alice_screen'), [candidate(1).candidate, candidate(3).candidate]);
      assert.deepEqual(candidatesOf('sub', 'bob<alice_screen_webcam'), [candidate(2).candidate]);

      // alice_screen's own webcam and its subscription to alice's screen.
      assert.ok((await aliceScreen.request('receiveVideoFrom', { sender: 'alice_screen', sdpOffer: FAKE_OFFER })).result);
      assert.ok((await aliceScreen.request('onIceCandidate', { endpointName: 'alice_screen', sender: 'alice_screen_webcam', ...candidate(4) })).result);
      assert.ok((await aliceScreen.request('onIceCandidate', { endpointName: 'alice_screen', sender: 'alice_screen', ...candidate(5) })).result);
      assert.deepEqual(candidatesOf('pub', 'alice_screen_webcam'), [candidate(4).candidate]);
      assert.deepEqual(candidatesOf('sub', 'alice_screen<alice_screen'), [candidate(5).candidate]);

      // alice's own screen and her subscription to alice_screen's webcam.
      assert.ok((await alice.request('receiveVideoFrom', { sender: 'alice_screen_webcam', sdpOffer: FAKE_OFFER })).result);
      assert.ok((await alice.request('onIceCandidate', { endpointName: 'alice_screen', sender: 'alice_screen', ...candidate(6) })).result);
      assert.ok((await alice.request('onIceCandidate', { endpointName: 'alice_screen', sender: 'alice_screen_webcam', ...candidate(7) })).result);
      assert.deepEqual(candidatesOf('pub', 'alice_screen'), [candidate(6).candidate]);
      assert.deepEqual(candidatesOf('sub', 'alice<alice_screen_webcam'), [candidate(7).candidate]);

      const bad = await bob.request('onIceCandidate', { endpointName: 'alice_screen', sender: 'nounderscore', ...candidate(8) });
      assert.equal(bad.error?.code, -32602);
      assert.match(bad.error!.message, /Request element 'sender' must be '<user>_<streamId>', got 'nounderscore'/);
    });

    it('the server names each endpoint by sender in iceCandidate and mediaError', async () => {
      const { bob } = await room();
      assert.ok((await bob.request('receiveVideoFrom', { sender: 'alice_screen_webcam', sdpOffer: FAKE_OFFER })).result);
      assert.ok((await bob.request('receiveVideoFrom', { sender: 'alice_screen', sdpOffer: FAKE_OFFER })).result);
      await bob.waitForNotification('iceCandidate', (p) => p.sender === 'alice_screen');
      await bob.waitForNotification('iceCandidate', (p) => p.sender === 'alice_screen_webcam');
      for (const n of bob.notifications.filter((x) => x.method === 'iceCandidate')) assert.equal(n.params.endpointName, 'alice_screen');

      t.engine.emitEvent('endpointState', endpointId('sub', 'bob<alice_screen'), 'failed', { cause: 'dtls-failed', silentMs: 0 });
      const error = await bob.waitForNotification('mediaError');
      assert.deepEqual({ endpointName: error.params.endpointName, sender: error.params.sender }, { endpointName: 'alice_screen', sender: 'alice_screen' });
      assert.deepEqual((await dump('amb')).participants.find((p) => p.name === 'bob')?.subscriptions.map((s) => s.sender), ['alice_screen_webcam']);
    });

    it("an original client's endpointName (no sender) keeps the original reading: a user's name is that user's webcam", async () => {
      const { bob } = await room();
      assert.ok((await bob.request('receiveVideoFrom', { sender: 'alice_screen_webcam', sdpOffer: FAKE_OFFER })).result);
      assert.ok((await bob.request('onIceCandidate', { endpointName: 'alice_screen', ...candidate(1) })).result);
      assert.deepEqual(candidatesOf('sub', 'bob<alice_screen_webcam'), [candidate(1).candidate]);
      assert.ok((await bob.request('unsubscribeFromVideo', { sender: 'alice_screen_webcam' })).result);
      assert.equal(t.engine.endpoints.has(endpointId('pub', 'alice_screen_webcam')), true, 'the publication stays');
      assert.deepEqual((await dump('amb')).participants.find((p) => p.name === 'bob')?.subscriptions, []);
    });
  });
});
