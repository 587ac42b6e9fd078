// Track fields of streams (hasAudio, hasVideo, audioActive, videoActive, typeOfVideo) and mute
// signalling (streamPropertyChanged), with the fake media engine: both are optional extensions,
// so an original client in the same room (no new fields, ignoring the new notification) must
// keep publishing, subscribing and chatting as before.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FAKE_OFFER, type RpcTestClient } from '../helpers/RpcTestClient.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

/** An offer sending audio and video, as a camera with a microphone does. */
const AV_OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendonly\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendonly\r\n';
/** Video sent, audio only received: the stream has no audio. */
const VIDEO_ONLY_OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=recvonly\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendonly\r\n';

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.close();
});

async function joinResult(c: RpcTestClient, user: string, room: string): Promise<unknown> {
  const r = await c.request('joinRoom', { user, room });
  assert.equal(r.error, undefined);
  return r.result?.value;
}

/** Lets notifications already sent arrive before counting them. */
const settle = () => new Promise((r) => setTimeout(r, 50));

describe('track fields of streams', () => {
  it("are read from an original client's offer, in participantPublished and in the join result", async () => {
    const alice = await t.join('alice', 'tracks');
    const bob = await t.join('bob', 'tracks');
    assert.ok((await alice.request('publishVideo', { sdpOffer: AV_OFFER, doLoopback: false })).result);
    const both = { id: 'webcam', hasAudio: true, hasVideo: true, audioActive: true, videoActive: true, typeOfVideo: 'CAMERA' };
    assert.deepEqual((await bob.waitForNotification('participantPublished')).params, { id: 'alice', streams: [both] });
    assert.ok((await bob.request('publishVideo', { sdpOffer: VIDEO_ONLY_OFFER, doLoopback: false })).result);
    const carol = await t.connect();
    assert.deepEqual(await joinResult(carol, 'carol', 'tracks'), [
      { id: 'alice', streams: [both] },
      { id: 'bob', streams: [{ id: 'webcam', hasAudio: false, hasVideo: true, audioActive: false, videoActive: true, typeOfVideo: 'CAMERA' }] },
    ]);
  });

  it('are taken from publishVideo when given; a stream published muted is paused at once', async () => {
    const alice = await t.join('alice', 'tracks');
    const bob = await t.join('bob', 'tracks');
    const r = await alice.request('publishVideo', {
      sdpOffer: AV_OFFER,
      doLoopback: false,
      streamId: 'screen',
      hasAudio: false,
      videoActive: false,
      typeOfVideo: 'SCREEN',
    });
    assert.ok(r.result, JSON.stringify(r.error));
    const published = await bob.waitForNotification('participantPublished');
    assert.deepEqual(published.params, {
      id: 'alice',
      streams: [{ id: 'screen', hasAudio: false, hasVideo: true, audioActive: false, videoActive: false, typeOfVideo: 'SCREEN' }],
    });
    assert.deepEqual(
      t.engine.videoActiveCalls.map((c) => c.active),
      [false],
      'the engine was told to hold the muted video back',
    );
  });

  it('are validated: a wrong type names the field (-32602)', async () => {
    const alice = await t.join('alice', 'tracks');
    const badType = await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false, typeOfVideo: 'WINDOW' });
    assert.equal(badType.error?.code, -32602);
    assert.match(badType.error!.message, /'typeOfVideo' must be one of 'CAMERA', 'SCREEN', got "WINDOW"/);
    const badFlag = await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false, hasAudio: 'yes' });
    assert.equal(badFlag.error?.code, -32602);
    assert.match(badFlag.error!.message, /'hasAudio' must be a boolean, got string/);
    assert.equal(t.engine.endpoints.size, 0, 'nothing was published');
  });
});

describe('streamPropertyChanged', () => {
  it('tells the rest of the room, pauses and resumes the video, and late joiners see the state; an original client is unaffected', async () => {
    const alice = await t.join('alice', 'mute');
    const bob = await t.join('bob', 'mute');
    // carol is an original client: she publishes with no track fields and knows nothing of mute.
    const carol = await t.join('carol', 'mute');
    assert.ok((await alice.request('publishVideo', { sdpOffer: AV_OFFER, doLoopback: false })).result);
    assert.ok((await carol.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false })).result);
    assert.ok((await carol.request('receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: FAKE_OFFER })).result);

    const off = await alice.request('streamPropertyChanged', { streamId: 'webcam', property: 'videoActive', newValue: false });
    assert.equal(typeof off.result?.sessionId, 'string', JSON.stringify(off.error));
    const expected = { id: 'alice', streamId: 'webcam', property: 'videoActive', newValue: false, reason: 'publisherAction' };
    for (const other of [bob, carol]) {
      assert.deepEqual((await other.waitForNotification('streamPropertyChanged')).params, expected);
    }
    const aliceEndpoint = [...t.engine.endpoints.entries()].find(([id, e]) => e.kind === 'publisher' && id.includes('alice'))![0];
    assert.deepEqual(t.engine.videoActiveCalls, [{ publisherId: aliceEndpoint, active: false }]);

    assert.ok((await alice.request('streamPropertyChanged', { streamId: 'webcam', property: 'audioActive', newValue: false })).result);
    await bob.waitForNotification('streamPropertyChanged', (p) => p.property === 'audioActive');
    const dave = await t.connect();
    assert.deepEqual(await joinResult(dave, 'dave', 'mute'), [
      { id: 'alice', streams: [{ id: 'webcam', hasAudio: true, hasVideo: true, audioActive: false, videoActive: false, typeOfVideo: 'CAMERA' }] },
      { id: 'bob' },
      { id: 'carol', streams: [{ id: 'webcam', hasAudio: false, hasVideo: true, audioActive: false, videoActive: true, typeOfVideo: 'CAMERA' }] },
    ]);

    // Unmuting resumes the video; the same value again is answered and not announced.
    assert.ok((await alice.request('streamPropertyChanged', { streamId: 'webcam', property: 'videoActive', newValue: true })).result);
    await dave.waitForNotification('streamPropertyChanged', (p) => p.newValue === true);
    assert.deepEqual(t.engine.videoActiveCalls.map((c) => c.active), [false, true]);
    assert.ok((await alice.request('streamPropertyChanged', { streamId: 'webcam', property: 'videoActive', newValue: true })).result);
    await settle();
    assert.equal(bob.count('streamPropertyChanged'), 3);
    assert.equal(alice.count('streamPropertyChanged'), 0, 'the publisher is not told of its own change');

    // The original client goes on as before.
    const chat = await carol.request('sendMessage', { message: 'still here', userMessage: 'carol', roomMessage: 'mute' });
    assert.ok(chat.result);
    await bob.waitForNotification('sendMessage', (p) => p.message === 'still here');
    assert.ok((await carol.request('unsubscribeFromVideo', { sender: 'alice_webcam' })).result);
  });

  it('refuses bad params (-32602), a stream not published, and turning on a track the stream lacks', async () => {
    const alice = await t.join('alice', 'mute');
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ streamId: 'webcam', property: 'frameRate', newValue: false }, /'property' must be one of 'audioActive', 'videoActive', got "frameRate"/],
      [{ streamId: 'webcam', property: 'videoActive', newValue: 'off' }, /'newValue' must be a boolean, got string/],
      [{ property: 'videoActive', newValue: false }, /'streamId' is missing/],
      [{ streamId: 'webcam', newValue: false }, /'property' is missing/],
    ];
    for (const [params, message] of cases) {
      const r = await alice.request('streamPropertyChanged', params);
      assert.equal(r.error?.code, -32602, JSON.stringify(params));
      assert.match(r.error!.message, message);
    }
    const notPublished = await alice.request('streamPropertyChanged', { streamId: 'webcam', property: 'videoActive', newValue: false });
    assert.ok(notPublished.error, 'a stream that is not published has no property to change');
    assert.match(notPublished.error.message, /alice/);
    assert.match(notPublished.error.message, /webcam/);

    assert.ok((await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false })).result);
    const noAudio = await alice.request('streamPropertyChanged', { streamId: 'webcam', property: 'audioActive', newValue: true });
    assert.equal(noAudio.error?.code, -32602);
    assert.match(noAudio.error!.message, /Stream 'webcam' of 'alice' has no audio track to turn on/);
    const outsider = await t.connect();
    const notJoined = await outsider.request('streamPropertyChanged', { streamId: 'webcam', property: 'videoActive', newValue: false });
    assert.ok(notJoined.error);
  });
});
