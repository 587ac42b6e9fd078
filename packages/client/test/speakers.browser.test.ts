// Server-side active speakers in real Chromium against the real server. Two publishers run in
// Chromium processes of their own, because the fake microphone's sound is a process flag
// (--use-file-for-fake-audio-capture): one plays a 440 Hz tone, one a silent file, both written
// here as PCM WAV files. A third page only receives. Chromium (libwebrtc) writes the RFC 6464
// audio level of what it encodes into every audio packet; the server must name the tone
// publisher and never the silent one, and every page's client events must follow its lists.
// The pages' own detection is set so it can never fire (thresholdSpeaker 0 dB), so every
// speaker event seen here comes from the server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createRoomServer, type RoomServer } from '@kurento-room/server';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumPath, launchChromium, type LaunchedBrowser } from '../../../testing/chromium.js';
import { ensureBrowserScript } from '../../../testing/clientBuild.js';

const pagesDir = join(fileURLToPath(new URL('..', import.meta.url)), 'test', 'pages');
const skip = chromiumAvailable() ? false : `Chromium not found at ${chromiumPath} (install it or set CHROMIUM_PATH)`;
const TIMEOUT = 45_000;

/** A mono 16-bit PCM WAV file of `samples` at `rate` Hz. */
function wav(samples: Int16Array, rate: number): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28); // bytes per second
  header.writeUInt16LE(2, 32); // bytes per frame
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Two seconds (Chromium loops the file) of a 440 Hz tone at `amplitude` (0: digital silence). */
function toneSamples(amplitude: number, rate = 48_000): Int16Array {
  const samples = new Int16Array(rate * 2);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / rate));
  return samples;
}

async function events(page: Page): Promise<string[]> {
  return page.$$eval('#events > li', (items) => items.map((li) => li.textContent ?? ''));
}

async function waitForEvent(page: Page, text: string, timeout = TIMEOUT): Promise<void> {
  try {
    await page.waitForFunction((t) => [...document.querySelectorAll('#events > li')].some((li) => li.textContent === t), text, { timeout, polling: 100 });
  } catch (error) {
    throw new Error(`'${text}' never appeared; the page logged ${JSON.stringify(await events(page))}`, { cause: error });
  }
}

/** Waits until the latest speaker list the page logged is `expected` (comma-separated ids). */
async function waitForLatestList(page: Page, expected: string): Promise<void> {
  try {
    await page.waitForFunction(
      (want) => {
        const lists = [...document.querySelectorAll('#events > li')].map((li) => li.textContent ?? '').filter((e) => e.startsWith('active-speakers-changed '));
        return lists.length > 0 && lists[lists.length - 1] === 'active-speakers-changed ' + want;
      },
      expected,
      { timeout: TIMEOUT, polling: 100 },
    );
  } catch (error) {
    throw new Error(`the latest speaker list never became '${expected}'; the page logged ${JSON.stringify(await events(page))}`, { cause: error });
  }
}

/** The speaker lists a page's room emitted, in order, as the comma-separated ids the page logged. */
async function speakerLists(page: Page): Promise<string[]> {
  return (await events(page)).filter((e) => e.startsWith('active-speakers-changed ')).map((e) => e.slice('active-speakers-changed '.length));
}

describe('server-side active speakers in Chromium', { skip }, () => {
  let server: RoomServer;
  let dir: string;
  const browsers: LaunchedBrowser[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    ensureBrowserScript();
    dir = mkdtempSync(join(tmpdir(), 'kr-speakers-'));
    writeFileSync(join(dir, 'tone.wav'), wav(toneSamples(16_000), 48_000));
    writeFileSync(join(dir, 'silent.wav'), wav(toneSamples(0), 48_000));
    server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'warn', media: { prestartWorkers: true }, staticMounts: [{ prefix: '/test-pages/', dir: pagesDir }] });
    // Answered once the media workers have loaded werift (seconds on a busy machine), so the
    // pages' publish requests do not spend their timeout waiting for a thread to start.
    await server.stats();
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A page in a Chromium process of its own, whose fake microphone plays `audioFile` when given. */
  async function open(user: string, query: string, audioFile?: string): Promise<Page> {
    const browser = await launchChromium(audioFile ? [`--use-file-for-fake-audio-capture=${join(dir, audioFile)}`] : []);
    browsers.push(browser);
    const page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${user}: ${error.message}`));
    await page.goto(`${server.url}/test-pages/speakers.html?room=talk&user=${user}&threshold=0&${query}`);
    return page;
  }

  it('names the tone publisher and never the silent one; stream-speaking, update-main-speaker and active-speakers-changed follow', async () => {
    const tone = await open('tone', 'publish=1', 'tone.wav');
    const silent = await open('silent', 'publish=1', 'silent.wav');
    await waitForEvent(tone, 'stream-published');
    await waitForEvent(silent, 'stream-published');
    const watcher = await open('watcher', 'publish=0');
    await waitForEvent(watcher, 'stream-subscribed tone_webcam');
    await waitForEvent(watcher, 'stream-subscribed silent_webcam');

    // The server's list reaches every page as Stream objects, and drives the events.
    await waitForEvent(watcher, 'active-speakers-changed tone_webcam');
    await waitForEvent(watcher, 'stream-speaking tone_webcam');
    await waitForEvent(watcher, 'update-main-speaker tone_webcam');
    await waitForEvent(silent, 'active-speakers-changed tone_webcam');
    await waitForEvent(silent, 'update-main-speaker tone_webcam');
    // The tone publisher hears of its own stream speaking, which is never its main speaker.
    await waitForEvent(tone, 'active-speakers-changed tone_webcam');
    await waitForEvent(tone, 'stream-speaking tone_webcam');

    // Audio of both publishers reaches the watcher: the silent one is silent, not missing.
    for (const id of ['tone_webcam', 'silent_webcam']) {
      await watcher.waitForFunction((globalId) => (window as any).inbound(globalId, 'audio', 'totalSamplesReceived').then((n: number) => n > 0), id, {
        timeout: TIMEOUT,
        polling: 200,
      });
    }
    // Three more seconds of both sending.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    for (const [name, page] of [['tone', tone], ['silent', silent], ['watcher', watcher]] as const) {
      const logged = await events(page);
      assert.deepEqual(logged.filter((e) => e.includes('silent_webcam') && !e.startsWith('stream-subscribed')), [], `${name} named the silent publisher: ${JSON.stringify(logged)}`);
      const lists = await speakerLists(page);
      assert.equal(lists.at(-1), 'tone_webcam', `${name}'s latest list: ${JSON.stringify(lists)}`);
      assert.ok(lists.every((l) => l === '' || l === 'tone_webcam'), `${name}'s lists: ${JSON.stringify(lists)}`);
      assert.deepEqual(logged.filter((e) => /error|denied/.test(e)), [], `${name}: ${JSON.stringify(logged)}`);
    }
    assert.ok(!(await events(tone)).includes('update-main-speaker tone_webcam'), 'one is never one\'s own main speaker');
    const watcherLog = await events(watcher);
    assert.ok(
      watcherLog.indexOf('stream-speaking tone_webcam') < watcherLog.indexOf('active-speakers-changed tone_webcam') &&
        watcherLog.indexOf('active-speakers-changed tone_webcam') < watcherLog.indexOf('update-main-speaker tone_webcam'),
      `events in order: ${JSON.stringify(watcherLog)}`,
    );

    // The tone stops publishing: everyone hears that it stopped speaking.
    await tone.evaluate(() => (window as any).unpublish());
    await waitForEvent(watcher, 'stream-stopped-speaking tone_webcam');
    await waitForLatestList(watcher, '');
    await waitForEvent(silent, 'stream-stopped-speaking tone_webcam');
    await waitForLatestList(silent, '');
    assert.deepEqual(pageErrors, []);
  });
});
