// Any mix of tracks in real Chromium (fake camera and microphone) against the real server:
// video-only, audio+video and audio-only publishers, each watched by a page that asks for audio
// and video, and each publisher shape watching its own loopback. Video is proven by frames
// the <video> element presented, audio by RTP packets counted in the subscriber's getStats.
// A video-only publisher used to leave every subscriber with "Failed to set remote answer sdp:
// The m= section with mid='1' should be rejected". The client now offers only the kinds the
// publisher has (hasAudio / hasVideo of its stream entry); the server's answer to an offer that
// asks for audio of a video-only publisher (an original client) is covered with libwebrtc in
// packages/server/test/media/trackMix.test.ts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createRoomServer, type RoomServer } from '@kurento-room/server';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumPath, launchChromium, waitForFrames, type LaunchedBrowser } from '../../../testing/chromium.js';
import { ensureBrowserScript } from '../../../testing/clientBuild.js';

const pagesDir = join(fileURLToPath(new URL('..', import.meta.url)), 'test', 'pages');
const skip = chromiumAvailable() ? false : `Chromium not found at ${chromiumPath} (install it or set CHROMIUM_PATH)`;

async function events(page: Page): Promise<string[]> {
  return page.$$eval('#events > li', (items) => items.map((li) => li.textContent ?? ''));
}

async function waitForEvent(page: Page, text: string): Promise<void> {
  try {
    await page.waitForFunction((t) => [...document.querySelectorAll('#events > li')].some((li) => li.textContent === t), text, {
      timeout: 15_000,
      polling: 50,
    });
  } catch (error) {
    throw new Error(`'${text}' never appeared; the page logged ${JSON.stringify(await events(page))}`, { cause: error });
  }
}

/** Waits until the inbound-rtp `field` of `kind` on the connection of `globalId` is positive. */
async function waitForInbound(page: Page, globalId: string, kind: 'audio' | 'video', field: string): Promise<number> {
  await page.waitForFunction(
    ([id, k, f]) => (window as any).inbound(id, k, f).then((n: number) => n > 0),
    [globalId, kind, field] as const,
    { timeout: 15_000, polling: 100 },
  );
  return page.evaluate(([id, k, f]) => (window as any).inbound(id, k, f) as Promise<number>, [globalId, kind, field] as const);
}

describe('any mix of tracks in Chromium', { skip }, () => {
  let server: RoomServer;
  let chromium: LaunchedBrowser;
  const pageErrors: string[] = [];

  before(async () => {
    ensureBrowserScript();
    server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'warn', staticMounts: [{ prefix: '/test-pages/', dir: pagesDir }] });
    chromium = await launchChromium();
  });

  after(async () => {
    await chromium?.close();
    await server?.close();
  });

  async function open(room: string, user: string, query: string): Promise<Page> {
    const page = await chromium.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${user}: ${error.message}`));
    await page.goto(`${server.url}/test-pages/tracks.html?room=${room}&user=${user}&${query}`);
    return page;
  }

  it('a video-only publisher (with loopback) is watched by a subscriber with the default receive options', async () => {
    const publisher = await open('video-only', 'cam', 'audio=0&video=1&loopback=1');
    await waitForEvent(publisher, 'stream-published');
    // The local tile shows the looped-back media once it arrives.
    assert.ok((await waitForFrames(publisher, '#local video', 10)) >= 10);
    const watcher = await open('video-only', 'watcher', 'publish=0');
    await waitForEvent(watcher, 'stream-subscribed cam_webcam');
    assert.ok((await waitForFrames(watcher, '#participants video#native-video-cam_webcam', 10)) >= 10);
    assert.ok((await waitForInbound(watcher, 'cam_webcam', 'video', 'framesDecoded')) > 0);
    assert.equal(await watcher.evaluate(() => (window as any).inbound('cam_webcam', 'audio', 'packetsReceived')), 0, 'no audio from a video-only publisher');
    for (const page of [publisher, watcher]) assert.deepEqual((await events(page)).filter((e) => /error|denied/.test(e)), []);
    await Promise.all([publisher.close(), watcher.close()]);
  });

  it('audio+video and audio-only publishers with loopback get their own media back: frames decoded, audio samples received', async () => {
    const both = await open('loop-av', 'both', 'audio=1&video=1&loopback=1');
    const mic = await open('loop-a', 'mic', 'audio=1&video=0&loopback=1');
    await waitForEvent(both, 'stream-subscribed both_webcam');
    await waitForEvent(mic, 'stream-subscribed mic_webcam');
    assert.ok((await waitForFrames(both, '#local video', 10)) >= 10);
    assert.ok((await waitForInbound(both, 'both_webcam', 'video', 'framesDecoded')) > 0);
    assert.ok((await waitForInbound(both, 'both_webcam', 'audio', 'totalSamplesReceived')) > 0);
    assert.ok((await waitForInbound(mic, 'mic_webcam', 'audio', 'totalSamplesReceived')) > 0);
    assert.equal(await mic.evaluate(() => (window as any).inbound('mic_webcam', 'video', 'packetsReceived')), 0, 'no video looped back to an audio-only publisher');
    for (const page of [both, mic]) assert.deepEqual((await events(page)).filter((e) => /error|denied/.test(e)), []);
    await Promise.all([both.close(), mic.close()]);
  });

  it('audio+video and audio-only publishers are watched: frames decoded, audio samples received', async () => {
    const both = await open('mixed', 'both', 'audio=1&video=1');
    const mic = await open('mixed', 'mic', 'audio=1&video=0');
    await waitForEvent(both, 'stream-published');
    await waitForEvent(mic, 'stream-published');
    const watcher = await open('mixed', 'watcher', 'publish=0');
    await waitForEvent(watcher, 'stream-subscribed both_webcam');
    await waitForEvent(watcher, 'stream-subscribed mic_webcam');
    assert.ok((await waitForFrames(watcher, '#participants video#native-video-both_webcam', 10)) >= 10);
    assert.ok((await waitForInbound(watcher, 'both_webcam', 'audio', 'totalSamplesReceived')) > 0);
    assert.ok((await waitForInbound(watcher, 'mic_webcam', 'audio', 'totalSamplesReceived')) > 0);
    assert.equal(await watcher.evaluate(() => (window as any).inbound('mic_webcam', 'video', 'packetsReceived')), 0, 'no video from an audio-only publisher');
    for (const page of [both, mic, watcher]) assert.deepEqual((await events(page)).filter((e) => /error|denied/.test(e)), []);
    assert.deepEqual(pageErrors, []);
    await Promise.all([both.close(), mic.close(), watcher.close()]);
  });
});
