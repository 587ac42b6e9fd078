/**
 * browser.connectToFirstFrameP50Ms: two Chromium pages with fake camera and microphone against
 * the real server (own process, default werift SFU). Page A joins and publishes; page B, camera
 * already granted, is timed inside the page from `room.connect()` to the first presented frame
 * of A's video (requestVideoFrameCallback). B also publishes on room-connected, as an
 * application does. Fresh browser contexts and a fresh room for every run; one Chromium.
 */
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumPath, launchChromium } from '../../testing/chromium.js';
import { ensureBrowserScript } from '../../testing/clientBuild.js';
import { measured, notMeasured, type BenchSuite } from '../lib/results.js';
import { startServerProcess } from '../lib/serverHandle.js';
import { percentile, round } from '../lib/stats.js';

const RUNS = { smoke: 1, quick: 5, full: 10 };

const pagesDir = fileURLToPath(new URL('../pages/', import.meta.url));

async function errorsOf(page: Page): Promise<string[]> {
  return page.evaluate('window.benchErrors || []') as Promise<string[]>;
}

export const browserFirstFrame: BenchSuite = {
  name: 'browser',
  keys: ['browser.connectToFirstFrameP50Ms'],
  async run(mode, log) {
    if (!chromiumAvailable()) {
      return { 'browser.connectToFirstFrameP50Ms': notMeasured('ms', '< 500', `Chromium not found at ${chromiumPath}`) };
    }
    ensureBrowserScript();
    const runs = RUNS[mode];
    const server = await startServerProcess({ serverOptions: { staticMounts: [{ prefix: '/bench-pages/', dir: pagesDir }] } });
    const chromium = await launchChromium();
    const samples: number[] = [];
    const roomConnected: number[] = [];
    const streamSeen: number[] = [];
    try {
      for (let r = 0; r < runs; r++) {
        const room = `first-frame-${r}-${Date.now()}`;
        const a = await chromium.newPage();
        const b = await chromium.newPage();
        try {
          const base = `${server.url}/bench-pages/connect.html?room=${room}`;
          await a.goto(`${base}&user=a`);
          await a.waitForFunction('window.benchReady === true', undefined, { timeout: 20_000, polling: 20 });
          await a.evaluate('window.benchConnect()');
          await a.waitForFunction('window.benchPublished === true', undefined, { timeout: 20_000, polling: 20 });
          await b.goto(`${base}&user=b&watch=a`);
          await b.waitForFunction('window.benchReady === true', undefined, { timeout: 20_000, polling: 20 });
          await b.evaluate('window.benchConnect()');
          try {
            await b.waitForFunction('window.benchFirstFrameMs !== undefined', undefined, { timeout: 20_000, polling: 20 });
          } catch (error) {
            throw new Error(`no frame of a's video on b's page; page errors: ${JSON.stringify([...(await errorsOf(a)), ...(await errorsOf(b))])}`, { cause: error });
          }
          const [ms, connected, seen] = (await b.evaluate('[window.benchFirstFrameMs, window.benchRoomConnectedMs, window.benchStreamSeenMs]')) as number[];
          samples.push(ms);
          roomConnected.push(connected);
          streamSeen.push(seen);
          log(`  run ${r + 1}/${runs}: ${round(ms, 1)} ms (room-connected at ${round(connected, 1)} ms, stream known at ${round(seen, 1)} ms)`);
        } finally {
          await a.context().close().catch(() => undefined);
          await b.context().close().catch(() => undefined);
        }
      }
    } finally {
      await chromium.close();
      await server.close();
    }
    return {
      'browser.connectToFirstFrameP50Ms': measured(round(percentile(samples, 50), 1), 'ms', '< 500', {
        p50Ms: round(percentile(samples, 50), 1),
        p95Ms: round(percentile(samples, 95), 1),
        minMs: round(Math.min(...samples), 1),
        maxMs: round(Math.max(...samples), 1),
        runs,
        roomConnectedP50Ms: round(percentile(roomConnected, 50), 1),
        streamKnownP50Ms: round(percentile(streamSeen, 50), 1),
        samplesMs: samples.map((s) => round(s, 1)),
      }),
    };
  },
};
