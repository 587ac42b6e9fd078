/**
 * Any mix of tracks through the werift engine, against real libwebrtc peers (@roamhq/wrtc):
 * every publisher shape (audio+video, video only, audio only) watched by every subscriber
 * shape, and loopback of each. Video is proven by decoded frames, audio by RTP packets received.
 * The video-only publisher used to be unwatchable: libwebrtc refused the answer ("The m= section
 * with mid='1' should be rejected") because the audio section it answered sat in the BUNDLE
 * group with port 0.
 */
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import type { MediaEngine } from '../../src/media/MediaEngine.js';
import { createWeriftMediaEngine } from '../../src/media/werift/index.js';
import { waitUntil } from '../helpers/wrtcPeers.js';
import { CandidateRouter, publish, rejectsWith, subscribe, TestPeers } from './wiring.js';

const MEDIA_TIMEOUT = 15_000;
const peers = new TestPeers({ width: 160, height: 120 });
let engine: MediaEngine | undefined;

type Shape = { audio: boolean; video: boolean };
const SHAPES: Record<string, Shape> = {
  'audio+video': { audio: true, video: true },
  'video only': { audio: false, video: true },
  'audio only': { audio: true, video: false },
};

afterEach(async () => {
  peers.closeAll();
  await engine?.close();
  engine = undefined;
});

after(async () => {
  // libwebrtc finishes closing on its own threads (see weriftEngine.test.ts).
  await new Promise((resolve) => setTimeout(resolve, 500));
});

/** Polls an async statistic until it is positive. */
async function waitForPositive(read: () => Promise<number>, what: string): Promise<void> {
  let value = 0;
  const started = Date.now();
  while ((value = await read()) <= 0) {
    if (Date.now() - started > MEDIA_TIMEOUT) throw new Error(`${what} stayed at ${value}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('any mix of tracks', () => {
  for (const [pubName, pubShape] of Object.entries(SHAPES)) {
    for (const [subName, subShape] of Object.entries(SHAPES)) {
      const audio = pubShape.audio && subShape.audio;
      const video = pubShape.video && subShape.video;
      const title = `${pubName} publisher, subscriber asking ${subName}`;
      if (!audio && !video) {
        it(`${title}: refused, naming the publisher`, async () => {
          engine = createWeriftMediaEngine();
          const router = new CandidateRouter(engine);
          await publish(engine, router, 'pub', peers.pub(pubShape));
          await rejectsWith(subscribe(engine, router, 'sub<-pub', 'pub', peers.sub(subShape)), 'sdp', /publisher pub/);
        });
        continue;
      }
      it(`${title}: receives ${[audio && 'audio', video && 'video'].filter(Boolean).join(' and ')}`, async () => {
        engine = createWeriftMediaEngine();
        const router = new CandidateRouter(engine);
        await publish(engine, router, 'pub', peers.pub(pubShape));
        const subscriber = peers.sub(subShape);
        await subscribe(engine, router, 'sub<-pub', 'pub', subscriber);
        if (video) await subscriber.waitForFrames(5, MEDIA_TIMEOUT);
        if (audio) await waitForPositive(() => subscriber.statSum('inbound-rtp', 'audio', 'packetsReceived'), 'audio packets received');
        if (!video) assert.equal(subscriber.framesDecoded(), 0, 'no video was expected');
      });
    }
  }

  for (const [name, shape] of Object.entries(SHAPES)) {
    it(`${name} loopback comes back on the publishing connection`, async () => {
      engine = createWeriftMediaEngine();
      const router = new CandidateRouter(engine);
      const publisher = peers.pub({ ...shape, loopback: true });
      await publish(engine, router, 'self', publisher, { loopback: true });
      if (shape.video) await publisher.waitForFramesReceived(5, MEDIA_TIMEOUT);
      if (shape.audio) await waitForPositive(() => publisher.statSum('inbound-rtp', 'audio', 'packetsReceived'), 'looped-back audio packets');
    });
  }
});


describe('muted video', () => {
  it('forwards no video packet while videoActive is false, and frames decode again at once after unmute', async () => {
    engine = createWeriftMediaEngine();
    const router = new CandidateRouter(engine);
    // Video only, so every packet the engine forwards is video.
    const publisher = peers.pub({ audio: false, video: true });
    await publish(engine, router, 'pub', publisher);
    const subscriber = peers.sub({ audio: false, video: true });
    await subscribe(engine, router, 'sub<-pub', 'pub', subscriber);
    await subscriber.waitForFrames(5, MEDIA_TIMEOUT);

    // The in-process engine pauses before the call returns, so the counters read right after it
    // are exact: packets keep coming in and not one goes out.
    await engine.setVideoActive('pub', false);
    const paused = await engine.stats();
    const framesWhenPaused = publisher.framesSent();
    await waitUntil(() => publisher.framesSent() >= framesWhenPaused + 20, MEDIA_TIMEOUT, 'the publisher to send 20 more frames');
    await waitForPositive(async () => (await engine!.stats()).rtpPacketsIn - paused.rtpPacketsIn - 20, 'more than 20 packets received while muted');
    const stillPaused = await engine.stats();
    assert.equal(stillPaused.rtpPacketsOut, paused.rtpPacketsOut, 'video packets were forwarded while muted');
    const decodedWhilePaused = subscriber.framesDecoded();

    await engine.setVideoActive('pub', true);
    await waitForPositive(async () => (await engine!.stats()).keyFrameRequests - stillPaused.keyFrameRequests, 'a keyframe request on unmute');
    await subscriber.waitForFrames(decodedWhilePaused + 10, MEDIA_TIMEOUT);
    assert.ok((await engine.stats()).rtpPacketsOut > stillPaused.rtpPacketsOut);
  });
});
