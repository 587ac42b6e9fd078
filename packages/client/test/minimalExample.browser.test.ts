// The minimal example of the API reference (docs/examples/minimal.html), this exact file, in real
// Chromium with fake camera and microphone against the real room server: two people fill in the
// join form, each sees the other's video (frames presented by the <video> element, so decoded),
// and a chat message sent from one page arrives on both.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRoomServer, type RoomServer } from '@kurento-room/server';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumPath, launchChromium, waitForFrames, type LaunchedBrowser } from '../../../testing/chromium.js';
import { ensureBrowserScript } from '../../../testing/clientBuild.js';
import { examplesDir, joinMinimalExample } from './support/minimalExample.js';

const skip = chromiumAvailable() ? false : `Chromium not found at ${chromiumPath} (install it or set CHROMIUM_PATH)`;

function messages(page: Page): Promise<string[]> {
  return page.$$eval('#messages > li', (items) => items.map((li) => li.textContent ?? ''));
}

async function waitForMessage(page: Page, text: string): Promise<void> {
  try {
    await page.waitForFunction((t) => [...document.querySelectorAll('#messages > li')].some((li) => li.textContent === t), text, {
      timeout: 20_000,
      polling: 100,
    });
  } catch (error) {
    const status = await page.$eval('#status', (p) => p.textContent);
    throw new Error(`'${text}' never arrived; messages ${JSON.stringify(await messages(page))}, status '${status}'`, { cause: error });
  }
}

describe('the minimal example of docs/client-api.md in Chromium', { skip }, () => {
  let server: RoomServer;
  let chromium: LaunchedBrowser;
  const pageErrors: string[] = [];

  before(async () => {
    ensureBrowserScript();
    // Served as docs/client-api.md tells a library user to serve it: a static mount next to /js/ and /room.
    server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'warn', staticMounts: [{ prefix: '/examples/', dir: examplesDir }] });
    chromium = await launchChromium();
  });

  after(async () => {
    await chromium?.close();
    await server?.close();
  });

  /** Opens the example and joins through its form, as a person would. */
  function join(user: string, room: string): Promise<Page> {
    return joinMinimalExample(chromium, server.url, user, room, async (page) => void page.on('pageerror', (error) => pageErrors.push(`${user}: ${error.message}`)));
  }

  it('two people join, see each other decoded, and chat', async () => {
    const alice = await join('alice', 'example');
    const bob = await join('bob', 'example');

    // Each page shows its own camera (muted) and the other's video, which presents frames.
    for (const [page, self] of [[alice, 'alice'], [bob, 'bob']] as const) {
      const local = await page.waitForSelector(`#videos > video#native-video-${self}_webcam`);
      assert.equal(await local.evaluate((v) => (v as HTMLVideoElement).muted), true, `${self}'s own video is muted`);
    }
    // alice was there first: bob's video reaches her through stream-added, hers reaches bob through room-connected.
    const aliceSawBob = await waitForFrames(alice, '#videos > video#native-video-bob_webcam', 10, 30_000);
    const bobSawAlice = await waitForFrames(bob, '#videos > video#native-video-alice_webcam', 10, 30_000);
    assert.ok(aliceSawBob >= 10, `alice presented ${aliceSawBob} frames of bob`);
    assert.ok(bobSawAlice >= 10, `bob presented ${bobSawAlice} frames of alice`);
    for (const [page, other] of [[alice, 'bob'], [bob, 'alice']] as const) {
      const size = await page.$eval(`#native-video-${other}_webcam`, (v) => [(v as HTMLVideoElement).videoWidth, (v as HTMLVideoElement).videoHeight]);
      assert.ok(size[0]! > 0 && size[1]! > 0, `the decoded video of ${other} has a size (${size.join('x')})`);
    }

    // Chat through the page's form: the message reaches the other page and comes back to the sender.
    assert.equal(await bob.isVisible('#chat'), true, 'the chat form is shown once in the room');
    await bob.fill('#message', 'hello from bob');
    await bob.click('#chat button');
    await waitForMessage(alice, 'bob: hello from bob');
    await waitForMessage(bob, 'bob: hello from bob');
    assert.deepEqual(await messages(alice), ['bob: hello from bob']);

    for (const [page, user] of [[alice, 'alice'], [bob, 'bob']] as const) {
      assert.equal(await page.$eval('#status', (p) => p.textContent), `${user} in example`, `no error shown on ${user}'s page`);
    }
    assert.deepEqual(pageErrors, []);
    const stats = await server.stats();
    assert.equal(stats.participants, 2);
    assert.equal(stats.media.publishers, 2);
    assert.equal(stats.media.subscribers, 2);
    await Promise.all([alice.close(), bob.close()]);
  });
});
