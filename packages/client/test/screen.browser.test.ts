// Several streams per participant and screen sharing in real Chromium (fake camera and
// microphone) against the real server. The screen is captured by the client itself with
// `screen: true`: headless Chromium's getDisplayMedia works with --use-fake-ui-for-media-stream
// (one of the shared launch flags), which picks a screen without a prompt; the
// --auto-select-desktop-capture-source and --auto-accept-this-tab-capture flags alone leave the
// call pending. Video is proven by frames each <video> presented, and told apart by its shape: the
// page asks the fake camera for 640x360 (16:9) and the screen for a height of 240, which the fake
// screen gives at 4:3 (a display capture keeps its aspect; WebRTC scaling keeps it too).
//
// "Stop sharing" is the browser's own button: the capture's video track fires `ended`. A page
// cannot press it and track.stop() fires no `ended`, so the page dispatches `ended` on the
// track, which is what the client listens to; the client then stops the track itself.
//
// A refusal is real too: --use-fake-ui-for-media-stream=deny makes getDisplayMedia reject with
// NotAllowedError, which the client reports as access-denied.
//
// Also mute and unmute of a webcam's audio and video as events and state, in Chromium, for early
// watchers and for a late joiner (tracks.test.ts covers the same with Node's libwebrtc).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, it } from 'node:test';
import { createRoomServer, type RoomServer } from '@kurento-room/server';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumPath, launchChromium, waitForFrames, waitForNewFrames, type LaunchedBrowser } from '../../../testing/chromium.js';
import { ensureBrowserScript } from '../../../testing/clientBuild.js';

const pagesDir = join(fileURLToPath(new URL('..', import.meta.url)), 'test', 'pages');
const skip = chromiumAvailable() ? false : `Chromium not found at ${chromiumPath} (install it or set CHROMIUM_PATH)`;
/** The machine is shared and loaded: conditions are waited for, never timed. */
const WAIT_MS = 60_000;

async function events(page: Page): Promise<string[]> {
  return page.$$eval('#events > li', (items) => items.map((li) => li.textContent ?? ''));
}

async function waitForEvent(page: Page, text: string): Promise<void> {
  try {
    await page.waitForFunction((t) => [...document.querySelectorAll('#events > li')].some((li) => li.textContent === t), text, {
      timeout: WAIT_MS,
      polling: 100,
    });
  } catch (error) {
    throw new Error(`'${text}' never appeared; the page logged ${JSON.stringify(await events(page))}`, { cause: error });
  }
}

const video = (globalId: string) => `#participants video#native-video-${globalId}`;

/** Width over height of what a remote stream's <video> shows. */
function aspect(page: Page, globalId: string): Promise<number> {
  return page.$eval(video(globalId), (v) => (v as HTMLVideoElement).videoWidth / (v as HTMLVideoElement).videoHeight);
}

const CAMERA_ASPECT = 16 / 9;
const SCREEN_ASPECT = 4 / 3;

async function assertShape(page: Page, globalId: string, expected: number): Promise<void> {
  const got = await aspect(page, globalId);
  assert.ok(Math.abs(got - expected) < 0.05, `${globalId} shows a ${got.toFixed(3)} picture, expected ${expected.toFixed(3)}`);
}

/** Waits for 10 frames presented by a remote stream's <video>; a failure says what the page logged. */
async function decodes(page: Page, globalId: string, fresh = false): Promise<void> {
  try {
    if (fresh) await waitForNewFrames(page, video(globalId), 10, WAIT_MS);
    else assert.ok((await waitForFrames(page, video(globalId), 10, WAIT_MS)) >= 10);
  } catch (error) {
    throw new Error(`${globalId} did not decode; the page logged ${JSON.stringify(await events(page))}`, { cause: error });
  }
}

function state(page: Page, globalId: string): Promise<Record<string, unknown> | null> {
  return page.evaluate((id) => (window as any).state(id), globalId);
}

async function noErrors(pages: Page[]): Promise<void> {
  for (const page of pages) assert.deepEqual((await events(page)).filter((e) => /error|denied/.test(e)), []);
}

describe('webcam and screen of one participant in Chromium', { skip }, () => {
  let server: RoomServer;
  let chromium: LaunchedBrowser;
  const pageErrors: string[] = [];
  /** The pages of the running test, closed after it even when it fails (they would load the next one). */
  let pages: Page[] = [];

  before(async () => {
    ensureBrowserScript();
    server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'warn', staticMounts: [{ prefix: '/test-pages/', dir: pagesDir }] });
    chromium = await launchChromium();
  });

  afterEach(async () => {
    await Promise.all(pages.map((p) => p.close().catch(() => undefined)));
    pages = [];
  });

  after(async () => {
    await chromium?.close();
    await server?.close();
  });

  async function open(room: string, user: string, query = ''): Promise<Page> {
    const page = await chromium.newPage();
    pages.push(page);
    page.on('pageerror', (error) => pageErrors.push(`${user}: ${error.message}`));
    await page.goto(`${server.url}/test-pages/screen.html?room=${room}&user=${user}&${query}`);
    return page;
  }

  it('two watchers and a late joiner decode both; mute is seen by all; Stop sharing removes the screen while the webcam plays on', async () => {
    const w1 = await open('share', 'w1');
    const w2 = await open('share', 'w2');
    for (const w of [w1, w2]) await waitForEvent(w, 'room-connected ');
    const ann = await open('share', 'ann', 'webcam=1&screen=1');
    await waitForEvent(ann, 'stream-published ann_webcam');
    await waitForEvent(ann, 'stream-published ann_screen');

    // One stream-added per stream, each subscribed on its own connection; 4 videos decode.
    for (const w of [w1, w2]) {
      await waitForEvent(w, 'stream-subscribed ann_webcam');
      await waitForEvent(w, 'stream-subscribed ann_screen');
      assert.deepEqual((await events(w)).filter((e) => e.startsWith('stream-added')).sort(), ['stream-added ann_screen', 'stream-added ann_webcam']);
    }
    for (const w of [w1, w2]) {
      for (const id of ['ann_webcam', 'ann_screen']) await decodes(w, id);
      await assertShape(w, 'ann_webcam', CAMERA_ASPECT);
      await assertShape(w, 'ann_screen', SCREEN_ASPECT);
      assert.deepEqual(await state(w, 'ann_screen'), { hasAudio: false, hasVideo: true, audioActive: false, videoActive: true, typeOfVideo: 'SCREEN' });
      assert.deepEqual(await state(w, 'ann_webcam'), { hasAudio: true, hasVideo: true, audioActive: true, videoActive: true, typeOfVideo: 'CAMERA' });
    }

    // Mute: early watchers get the events and the state.
    await ann.evaluate(() => {
      (window as any).mute('audio', false);
      (window as any).mute('video', false);
    });
    for (const w of [w1, w2]) {
      await waitForEvent(w, 'stream-property-changed ann_webcam audioActive false');
      await waitForEvent(w, 'stream-property-changed ann_webcam videoActive false');
      assert.deepEqual(await state(w, 'ann_webcam'), { hasAudio: true, hasVideo: true, audioActive: false, videoActive: false, typeOfVideo: 'CAMERA' });
    }

    // A late joiner finds both streams, the mute state, and decodes the screen.
    const late = await open('share', 'late');
    await waitForEvent(late, 'room-connected ann_screen ann_webcam');
    await waitForEvent(late, 'stream-subscribed ann_screen');
    await waitForEvent(late, 'stream-subscribed ann_webcam');
    assert.deepEqual(await state(late, 'ann_webcam'), { hasAudio: true, hasVideo: true, audioActive: false, videoActive: false, typeOfVideo: 'CAMERA' });
    await decodes(late, 'ann_screen');
    await assertShape(late, 'ann_screen', SCREEN_ASPECT);

    // Unmute: everyone gets the events, and the webcam decodes again for the late joiner too.
    await ann.evaluate(() => {
      (window as any).mute('audio', true);
      (window as any).mute('video', true);
    });
    for (const w of [w1, w2, late]) {
      await waitForEvent(w, 'stream-property-changed ann_webcam audioActive true');
      await waitForEvent(w, 'stream-property-changed ann_webcam videoActive true');
      assert.deepEqual(await state(w, 'ann_webcam'), { hasAudio: true, hasVideo: true, audioActive: true, videoActive: true, typeOfVideo: 'CAMERA' });
      await decodes(w, 'ann_webcam', true);
    }
    await assertShape(late, 'ann_webcam', CAMERA_ASPECT);

    // Stop sharing: the screen goes for everyone, the capture is released, the webcam plays on.
    await ann.evaluate(() => (window as any).stopSharing());
    await waitForEvent(ann, 'stream-removed ann_screen local');
    assert.equal(await ann.evaluate(() => (window as any).trackState()), 'ended', 'the client stopped the capture');
    for (const w of [w1, w2, late]) {
      await waitForEvent(w, 'stream-removed ann_screen remote');
      await w.waitForSelector(video('ann_screen'), { state: 'detached', timeout: WAIT_MS });
      await decodes(w, 'ann_webcam', true);
      assert.equal(await state(w, 'ann_screen'), null);
    }
    await noErrors([ann, w1, w2, late]);
    assert.deepEqual(pageErrors, []);
  });

  it('a user who refuses to share the screen: access-denied with NotAllowedError, nothing published', async () => {
    // --use-fake-ui-for-media-stream=deny answers every capture prompt with a refusal.
    const refusing = await launchChromium(['--use-fake-ui-for-media-stream=deny']);
    try {
      const page = await refusing.newPage();
      await page.goto(`${server.url}/test-pages/screen.html?room=refused&user=shy&screen=1`);
      await waitForEvent(page, 'access-denied screen NotAllowedError');
      assert.deepEqual(await events(page), ['access-denied screen NotAllowedError']);
    } finally {
      await refusing.close();
    }
    assert.equal((await fetch(`${server.url}/api/rooms/refused`)).status, 404, 'the page did not join');
  });

  it("user 'alice_screen' (webcam) and user 'alice' (screen): everybody receives the right stream from each", async () => {
    const cam = await open('names', 'alice_screen', 'webcam=1');
    const scr = await open('names', 'alice', 'screen=1');
    await waitForEvent(cam, 'stream-published alice_screen_webcam');
    await waitForEvent(scr, 'stream-published alice_screen');
    const bob = await open('names', 'bob');
    await waitForEvent(bob, 'room-connected alice_screen alice_screen_webcam');

    // bob watches both; each of the two watches the other, whose stream has its own endpointName.
    const watching: Array<[Page, string, number]> = [
      [bob, 'alice_screen_webcam', CAMERA_ASPECT],
      [bob, 'alice_screen', SCREEN_ASPECT],
      [cam, 'alice_screen', SCREEN_ASPECT],
      [scr, 'alice_screen_webcam', CAMERA_ASPECT],
    ];
    for (const [page, id, shape] of watching) {
      await waitForEvent(page, `stream-subscribed ${id}`);
      await decodes(page, id);
      await assertShape(page, id, shape);
    }
    assert.equal((await state(bob, 'alice_screen'))?.typeOfVideo, 'SCREEN');
    assert.equal((await state(bob, 'alice_screen_webcam'))?.typeOfVideo, 'CAMERA');
    await noErrors([cam, scr, bob]);
    assert.deepEqual(pageErrors, []);
  });
});
