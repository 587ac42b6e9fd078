/**
 * browser.connectToFirstFrameP50Ms and …P95Ms: two Chromium pages with fake camera and microphone against
 * the real server (own process, default werift SFU). Page A joins and publishes; page B, camera
 * already granted, is timed inside the page from `room.connect()` to the first presented frame
 * of A's video (requestVideoFrameCallback). B also publishes on room-connected, as an
 * application does. Fresh browser contexts and a fresh room for every run; a fresh server and
 * Chromium for every repetition of runs (below).
 */
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { closePages, publishThenWatch } from '../lib/firstFramePages.js';
import { chromiumAvailable, chromiumPath, launchChromium } from '../../testing/chromium.js';
import { ensureBrowserScript } from '../../testing/clientBuild.js';
import { measured, notMeasured, type BenchSuite } from '../lib/results.js';
import { startServerProcess } from '../lib/serverHandle.js';
import { median, percentile, round, spreadOf } from '../lib/stats.js';

/**
 * Repetitions, each on a fresh server process and a fresh Chromium, of `runs` timed connections
 * each: a repetition gives a p50 and a p95, and the figures are their medians across the
 * repetitions (with min and max), so that one slow start of a server or a browser does not make
 * the figure (product.md: medians of repetitions, with their spread).
 */
const SIZES = { smoke: { reps: 1, runs: 1 }, quick: { reps: 2, runs: 5 }, full: { reps: 3, runs: 10 } };

const P50_BUDGET = '< 300';
const P95_BUDGET = '< 600';

interface Repetition {
  samples: number[];
  roomConnected: number[];
  streamSeen: number[];
}

const pagesDir = fileURLToPath(new URL('../pages/', import.meta.url));

async function errorsOf(page: Page): Promise<string[]> {
  return page.evaluate('window.benchErrors || []') as Promise<string[]>;
}

/** One repetition: a fresh server and Chromium, `runs` timed connections, each in a fresh room and browser contexts. */
async function repetition(runs: number, log: (line: string) => void): Promise<Repetition> {
  const server = await startServerProcess({ serverOptions: { staticMounts: [{ prefix: '/bench-pages/', dir: pagesDir }] } });
  const chromium = await launchChromium();
  const samples: number[] = [];
  const roomConnected: number[] = [];
  const streamSeen: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const room = `first-frame-${r}-${Date.now()}`;
      const { a, b } = await publishThenWatch(chromium, server.url, room);
      try {
        try {
          await b.waitForFunction('window.benchFirstFrameMs !== undefined', undefined, { timeout: 20_000, polling: 20 });
        } catch (error) {
          throw new Error(`no frame of a's video on b's page; page errors: ${JSON.stringify([...(await errorsOf(a)), ...(await errorsOf(b))])}`, { cause: error });
        }
        const [ms, connected, seen] = (await b.evaluate('[window.benchFirstFrameMs, window.benchRoomConnectedMs, window.benchStreamSeenMs]')) as number[];
        samples.push(ms);
        roomConnected.push(connected);
        streamSeen.push(seen);
        log(`run ${r + 1}/${runs}: ${round(ms, 1)} ms (room-connected at ${round(connected, 1)} ms, stream known at ${round(seen, 1)} ms)`);
      } finally {
        await closePages({ a, b });
      }
    }
  } finally {
    await chromium.close();
    await server.close();
  }
  return { samples, roomConnected, streamSeen };
}

export const browserFirstFrame: BenchSuite = {
  name: 'browser',
  keys: ['browser.connectToFirstFrameP50Ms', 'browser.connectToFirstFrameP95Ms'],
  async run(mode, log) {
    if (!chromiumAvailable()) {
      const why = `Chromium not found at ${chromiumPath}`;
      return { 'browser.connectToFirstFrameP50Ms': notMeasured('ms', P50_BUDGET, why), 'browser.connectToFirstFrameP95Ms': notMeasured('ms', P95_BUDGET, why) };
    }
    ensureBrowserScript();
    const { reps, runs } = SIZES[mode];
    const done: Repetition[] = [];
    for (let rep = 1; rep <= reps; rep++) {
      const r = await repetition(runs, (line) => log(`  rep ${rep}/${reps}, ${line}`));
      done.push(r);
      log(`  rep ${rep}/${reps}: p50 ${round(percentile(r.samples, 50), 1)} ms, p95 ${round(percentile(r.samples, 95), 1)} ms`);
    }
    const p50s = done.map((r) => percentile(r.samples, 50));
    const p95s = done.map((r) => percentile(r.samples, 95));
    const all = done.flatMap((r) => r.samples);
    const across = (values: number[]) => {
      const s = spreadOf(values);
      return { min: round(s.min, 1), max: round(s.max, 1), spread: s.spread === null ? null : round(s.spread, 3) };
    };
    const shared = {
      reps,
      runsPerRep: runs,
      allRunsMinMs: round(Math.min(...all), 1),
      allRunsMaxMs: round(Math.max(...all), 1),
      roomConnectedP50Ms: round(median(done.map((r) => percentile(r.roomConnected, 50))), 1),
      streamKnownP50Ms: round(median(done.map((r) => percentile(r.streamSeen, 50))), 1),
      samplesMsPerRep: done.map((r) => r.samples.map((s) => round(s, 1))),
    };
    return {
      'browser.connectToFirstFrameP50Ms': measured(round(median(p50s), 1), 'ms', P50_BUDGET, {
        ...across(p50s),
        p50Ms: round(median(p50s), 1),
        p95Ms: round(median(p95s), 1),
        perRepP50Ms: p50s.map((v) => round(v, 1)),
        ...shared,
      }),
      'browser.connectToFirstFrameP95Ms': measured(round(median(p95s), 1), 'ms', P95_BUDGET, {
        ...across(p95s),
        perRepP95Ms: p95s.map((v) => round(v, 1)),
        ...shared,
      }),
    };
  },
};
