// The browser build of the client library in real Chromium (fake camera and microphone), against
// the real room server: a plain HTML page (test/pages/basic.html) loads /js/KurentoRoom.js with a
// <script> tag and uses only the documented API. Two pages in one room see each other's video
// (decoded frames counted), chat, and leave.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createRoomServer, type RoomServer } from '@kurento-room/server';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumPath, launchChromium, waitForFrames, type LaunchedBrowser } from '../../../testing/chromium.js';
import { ensureBrowserScript } from '../../../testing/clientBuild.js';

const clientDir = fileURLToPath(new URL('..', import.meta.url));
const pagesDir = join(clientDir, 'test', 'pages');

const skip = chromiumAvailable() ? false : `Chromium not found at ${chromiumPath} (install it or set CHROMIUM_PATH)`;
if (skip) console.log(`# skipping the browser tests: ${skip}`);

/** The text lines of a list of the page. */
function lines(page: Page, listId: string): Promise<string[]> {
  return page.$$eval(`#${listId} > li`, (items) => items.map((li) => li.textContent ?? ''));
}

async function waitForLine(page: Page, listId: string, text: string, timeout = 15_000): Promise<void> {
  try {
    await page.waitForFunction(
      ([id, t]) => [...document.querySelectorAll(`#${id} > li`)].some((li) => li.textContent === t),
      [listId, text] as const,
      { timeout, polling: 50 },
    );
  } catch (error) {
    throw new Error(`'${text}' never appeared in #${listId}; it holds ${JSON.stringify(await lines(page, listId))}`, { cause: error });
  }
}

describe('browser build in Chromium against the real server', { skip }, () => {
  let server: RoomServer;
  let chromium: LaunchedBrowser;
  const pageErrors: string[] = [];

  before(async () => {
    ensureBrowserScript();
    server = await createRoomServer({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'warn',
      staticMounts: [{ prefix: '/test-pages/', dir: pagesDir }],
    });
    chromium = await launchChromium();
  });

  after(async () => {
    await chromium?.close();
    await server?.close();
  });

  async function open(user: string, room: string): Promise<Page> {
    const page = await chromium.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${user}: ${error.message}`));
    await page.goto(`${server.url}/test-pages/basic.html?room=${encodeURIComponent(room)}&user=${encodeURIComponent(user)}`);
    assert.equal(await page.evaluate(() => typeof (window as any).KurentoRoom), 'function', 'the script defines the global KurentoRoom');
    await waitForLine(page, 'events', 'stream-published');
    return page;
  }

  it('two pages see each other, chat, and leave; the server is back to zero', async () => {
    const alice = await open('alice', 'browser-room');
    const bob = await open('bob', 'browser-room');

    // Each page shows its own camera and the other's video, named after the documented convention.
    for (const [page, self] of [[alice, 'alice'], [bob, 'bob']] as const) {
      const local = await page.$(`#local > video#native-video-${self}_webcam`);
      assert.ok(local, `${self}'s page shows its own camera`);
      assert.equal(await local.evaluate((v) => (v as HTMLVideoElement).muted), true, 'the local video is muted');
    }
    await waitForLine(alice, 'events', 'stream-added bob_webcam');
    const aliceSawBob = await waitForFrames(alice, '#participants video#native-video-bob_webcam', 10);
    const bobSawAlice = await waitForFrames(bob, '#participants video#native-video-alice_webcam', 10);
    assert.ok(aliceSawBob >= 10 && bobSawAlice >= 10);
    assert.equal(await bob.$eval('#name-alice_webcam', (e) => e.textContent), 'alice', "bob's page names alice's thumbnail");
    let stats = await server.stats();
    assert.equal(stats.participants, 2);
    assert.equal(stats.media.publishers, 2);
    assert.equal(stats.media.subscribers, 2);
    // Chromium offers AES-GCM and AES-CM; the SFU, as DTLS server, chose AES-CM for all four
    // connections (its profile with one reused cipher per session: dtlsServerRole.ts).
    assert.deepEqual([stats.media.srtpSessionsAesCm, stats.media.srtpSessionsAesGcm], [4, 0]);

    // Chat through the page's form; markup in a message stays text.
    const text = 'hi <b>alice</b> & co';
    await bob.fill('#message', text);
    await bob.click('#send');
    for (const page of [alice, bob]) await waitForLine(page, 'messages', `bob: ${text}`);
    assert.deepEqual(await lines(alice, 'messages'), [`bob: ${text}`]);
    assert.equal(await alice.$$eval('#messages b', (b) => b.length), 0, 'the message is shown as text, not HTML');
    await alice.fill('#message', 'hello bob');
    await alice.click('#send');
    await waitForLine(bob, 'messages', 'alice: hello bob');
    assert.deepEqual(await lines(bob, 'messages'), [`bob: ${text}`, 'alice: hello bob']);

    // bob leaves: alice is told and bob's video goes away; then alice leaves.
    await bob.click('#leave');
    await waitForLine(bob, 'events', 'left');
    await waitForLine(alice, 'events', 'participant-left bob');
    await waitForLine(alice, 'events', 'stream-removed bob_webcam');
    await alice.waitForSelector('#native-video-bob_webcam', { state: 'detached' });
    await alice.click('#leave');
    await waitForLine(alice, 'events', 'left');

    const end = Date.now() + 8000;
    do {
      stats = await server.stats();
      if (stats.rooms === 0 && stats.participants === 0 && stats.media.peerConnections === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    } while (Date.now() < end);
    assert.deepEqual(
      { rooms: stats.rooms, participants: stats.participants, peerConnections: stats.media.peerConnections },
      { rooms: 0, participants: 0, peerConnections: 0 },
    );
    for (const page of [alice, bob]) {
      const errors = (await lines(page, 'events')).filter((line) => /error|denied/.test(line));
      assert.deepEqual(errors, [], 'no error events in the page');
    }
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the pages');
  });
});
