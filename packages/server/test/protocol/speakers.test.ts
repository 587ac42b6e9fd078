// activeSpeakersChanged {speakers: [{id, streamId}]}, the room side: the fake media engine
// reports speaking publishers as the werift engine does (its own test proves the audio part),
// and every participant, an original client among them, sees the room's notifications.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { eventually, FAKE_OFFER, type RpcTestClient } from '../helpers/RpcTestClient.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

const AV_OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendonly\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendonly\r\n';

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.close();
});

/** Lets notifications already sent arrive before counting them. */
const settle = () => new Promise((r) => setTimeout(r, 50));

/** Every activeSpeakersChanged a client got, as `user/stream` lists. */
function speakerLists(c: RpcTestClient): string[][] {
  return c.notifications
    .filter((n) => n.method === 'activeSpeakersChanged')
    .map((n) => (n.params.speakers as Array<{ id: string; streamId: string }>).map((s) => `${s.id}/${s.streamId}`));
}

/** Waits until the client's latest activeSpeakersChanged is `expected` (`user/stream` entries). */
async function waitForSpeakers(c: RpcTestClient, expected: string[]): Promise<void> {
  const latest = () => JSON.stringify(speakerLists(c).at(-1));
  await eventually(() => latest() === JSON.stringify(expected), 5000, `speakers ${JSON.stringify(expected)} (latest: ${latest()})`).catch(() => {
    assert.fail(`the latest activeSpeakersChanged is ${latest()}, not ${JSON.stringify(expected)}`);
  });
}

async function publish(c: RpcTestClient, params: Record<string, unknown> = {}): Promise<void> {
  const r = await c.request('publishVideo', { sdpOffer: AV_OFFER, doLoopback: false, ...params });
  assert.ok(r.result, JSON.stringify(r.error));
}

describe('activeSpeakersChanged', () => {
  it('comes right after the join result with the speakers as they are (none yet)', async () => {
    const alice = await t.connect();
    const r = await alice.request('joinRoom', { user: 'alice', room: 'talk' });
    assert.deepEqual(Object.keys(r.result!).sort(), ['sessionId', 'value'], 'the join result keeps the original shape');
    const answerAt = alice.frames.findIndex((f) => (f as { id?: unknown }).id === r.id);
    const next = await alice.waitForFrame((f) => f.method === 'activeSpeakersChanged', answerAt + 1);
    assert.deepEqual(next, { jsonrpc: '2.0', method: 'activeSpeakersChanged', params: { speakers: [] } });
    assert.equal(alice.frames.indexOf(next), answerAt + 1, 'the very next frame');
  });

  it("names the engine's speakers loudest first to everyone, only on a change of set or order", async () => {
    const alice = await t.join('alice', 'talk');
    const bob = await t.join('bob', 'talk');
    const carol = await t.join('carol', 'talk');
    await publish(alice);
    await publish(bob, { streamId: 'screen', typeOfVideo: 'SCREEN' });
    const a = t.engine.publisherId('-alice_webcam');
    const b = t.engine.publisherId('-bob_screen');

    t.engine.speak('talk', [b, a]);
    for (const c of [alice, bob, carol]) await waitForSpeakers(c, ['bob/screen', 'alice/webcam']);
    t.engine.speak('talk', [b, a]);
    await settle();
    assert.deepEqual(speakerLists(carol), [[], ['bob/screen', 'alice/webcam']], 'the same list again is not sent');
    t.engine.speak('talk', [a, b]);
    await waitForSpeakers(carol, ['alice/webcam', 'bob/screen']);
    t.engine.speak('talk', []);
    await waitForSpeakers(carol, []);
    assert.deepEqual(speakerLists(carol), [[], ['bob/screen', 'alice/webcam'], ['alice/webcam', 'bob/screen'], []]);
    assert.deepEqual(speakerLists(alice), speakerLists(carol), 'the speakers themselves are told too');
  });

  it('a report of another room, or naming a publisher already released, changes nothing here', async () => {
    const alice = await t.join('alice', 'talk');
    const bob = await t.join('bob', 'other');
    await publish(alice);
    await publish(bob);
    const a = t.engine.publisherId('-alice_webcam');
    const b = t.engine.publisherId('-bob_webcam');
    t.engine.speak('other', [b]);
    await waitForSpeakers(bob, ['bob/webcam']);
    // A report that was on its way from a worker while alice unpublished.
    assert.ok((await alice.request('unpublishVideo', {})).result);
    t.engine.emitEvent('activeSpeakers', 'talk', [a]);
    // Subscriber endpoints and unknown ids are not publications either.
    t.engine.emitEvent('activeSpeakers', 'talk', ['sub-99-nobody', 'no-such-endpoint']);
    await settle();
    assert.deepEqual(speakerLists(alice), [[]]);
    assert.deepEqual(speakerLists(bob), [[], ['bob/webcam']]);
  });

  it('a speaker that unpublishes, mutes or leaves goes from the list at once; an unmuted one still heard comes back', async () => {
    const alice = await t.join('alice', 'talk');
    const bob = await t.join('bob', 'talk');
    const carol = await t.join('carol', 'talk');
    await publish(alice);
    await publish(bob);
    const a = t.engine.publisherId('-alice_webcam');
    const b = t.engine.publisherId('-bob_webcam');
    t.engine.speak('talk', [a, b]);
    await waitForSpeakers(carol, ['alice/webcam', 'bob/webcam']);

    assert.ok((await alice.request('streamPropertyChanged', { streamId: 'webcam', property: 'audioActive', newValue: false })).result);
    await waitForSpeakers(carol, ['bob/webcam']);
    // Unmuted before the engine noticed the silence: its last report still names alice.
    assert.ok((await alice.request('streamPropertyChanged', { streamId: 'webcam', property: 'audioActive', newValue: true })).result);
    await waitForSpeakers(carol, ['alice/webcam', 'bob/webcam']);

    // An unpublish: the list without bob comes before participantUnpublished.
    assert.ok((await bob.request('unpublishVideo', {})).result);
    await carol.waitForNotification('participantUnpublished', (p) => p.name === 'bob');
    assert.deepEqual(speakerLists(carol).at(-1), ['alice/webcam']);
    const methods = carol.notifications.map((n) => n.method);
    assert.ok(methods.lastIndexOf('activeSpeakersChanged') < methods.lastIndexOf('participantUnpublished'));

    // A leave.
    assert.ok((await alice.request('leaveRoom', {})).result);
    await carol.waitForNotification('participantLeft', (p) => p.name === 'alice');
    assert.deepEqual(speakerLists(carol).at(-1), []);
  });

  it('a participant that joins while someone speaks gets the list after its join result', async () => {
    const alice = await t.join('alice', 'talk');
    await publish(alice);
    t.engine.speak('talk', [t.engine.publisherId('-alice_webcam')]);
    await waitForSpeakers(alice, ['alice/webcam']);
    const dave = await t.join('dave', 'talk');
    await waitForSpeakers(dave, ['alice/webcam']);
    assert.deepEqual(speakerLists(dave), [['alice/webcam']]);
  });

  it('a closed room forgets its speakers: the same name later starts with none', async () => {
    const alice = await t.join('alice', 'talk');
    await publish(alice);
    t.engine.speak('talk', [t.engine.publisherId('-alice_webcam')]);
    await waitForSpeakers(alice, ['alice/webcam']);
    assert.equal((await t.http('/close?room=talk')).status, 200);
    await alice.waitForNotification('roomClosed');
    const erin = await t.join('erin', 'talk');
    await waitForSpeakers(erin, []);
    assert.deepEqual(t.server.rooms.speakers.current('talk'), []);
  });

  it('an original client in the room, which knows nothing of it, goes on publishing, subscribing and chatting', async () => {
    const alice = await t.join('alice', 'talk');
    // carol is an original client: no track fields, and a notification she does not know is one she ignores.
    const carol = await t.join('carol', 'talk');
    await publish(alice);
    assert.ok((await carol.request('publishVideo', { sdpOffer: AV_OFFER, doLoopback: false })).result);
    const a = t.engine.publisherId('-alice_webcam');
    const c = t.engine.publisherId('-carol_webcam');
    t.engine.speak('talk', [a, c]);
    await waitForSpeakers(carol, ['alice/webcam', 'carol/webcam']);
    assert.ok((await carol.request('receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: FAKE_OFFER })).result);
    t.engine.speak('talk', [c]);
    const chat = await carol.request('sendMessage', { message: 'still here', userMessage: 'carol', roomMessage: 'talk' });
    assert.ok(chat.result);
    await alice.waitForNotification('sendMessage', (p) => p.message === 'still here');
    assert.ok((await carol.request('unsubscribeFromVideo', { sender: 'alice_webcam' })).result);
    assert.ok((await carol.request('unpublishVideo', {})).result);
    assert.ok((await carol.request('leaveRoom', {})).result);
    await alice.waitForNotification('participantLeft', (p) => p.name === 'carol');
  });
});
