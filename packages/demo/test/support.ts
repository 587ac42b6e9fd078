/**
 * End-to-end test support: a room server serving the built demo, Chromium pages (one isolated
 * context each, like separate people) and the user actions and checks of the original browser
 * tests (reference section 4.2), with media proven by counting decoded frames.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { createRoomServer, demoContentSecurityPolicy, type CustomRequestHandler, type RoomServer } from '@kurento-room/server';
import { launchChromium, waitForFrames, type LaunchedBrowser } from '../../../testing/chromium.js';
import { ensureBrowserScript } from '../../../testing/clientBuild.js';

/** The built demo, served at `/` as `npm start` does. */
export const demoDist = fileURLToPath(new URL('../dist', import.meta.url));
/** Pages of the tests themselves (the light participant `bot.html`), served at `/test-pages/`. */
const testPages = fileURLToPath(new URL('./pages', import.meta.url));
const buildScript = fileURLToPath(new URL('../scripts/build.mjs', import.meta.url));

/** Frames every watched video must present to count as "playing". */
export const FRAMES = 8;

/** Builds the demo unless dist/ is newer than its sources (esbuild: well under a second). */
export function ensureDemoBuilt(): void {
  execFileSync(process.execPath, [buildScript, '--if-stale'], { stdio: 'inherit' });
}

export interface DemoBed {
  server: RoomServer;
  browser: LaunchedBrowser;
  pages: Set<Page>;
  /**
   * A new person: an isolated browser context with the join view loaded (`setup` runs before it
   * loads; `context`, e.g. a phone's viewport with isMobile and hasTouch, replaces the default
   * 1280 x 800 desktop window).
   */
  open(path?: string, setup?: (page: Page) => Promise<unknown>, context?: BrowserContextOptions): Promise<Page>;
  /**
   * A page of light participants (test/pages/bot.html), all in one browser process: each one
   * added publishes a drawn picture and the fake microphone, subscribes to nobody, and `add`
   * resolves once it sends.
   */
  crowd(room: string): Promise<Crowd>;
  /** One light participant in a page of its own. */
  bot(room: string, user: string, options?: BotOptions): Promise<Page>;
  /** Closes the pages opened so far (each test's `afterEach`). */
  closePages(): Promise<void>;
  close(): Promise<void>;
}

export interface BotOptions {
  /** Colour of its picture, 0-359. */
  hue?: number;
  muted?: boolean;
  cameraOff?: boolean;
}

export interface Crowd {
  page: Page;
  add(user: string, options?: BotOptions): Promise<void>;
}

export interface BedOptions {
  adminSecret?: string;
  customRequestHandler?: CustomRequestHandler;
  /** Extra Chromium flags, e.g. a video file for the fake camera. */
  chromiumArgs?: string[];
  reconnectionGraceMs?: number;
}

export async function startBed(options: BedOptions = {}): Promise<DemoBed> {
  ensureDemoBuilt();
  ensureBrowserScript(); // /js/KurentoRoom.js, which bot.html uses
  const server = await createRoomServer({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'warn',
    adminSecret: options.adminSecret,
    customRequestHandler: options.customRequestHandler,
    reconnectionGraceMs: options.reconnectionGraceMs,
    // The demo's Content-Security-Policy, as `npm start` serves it: the tests prove the demo works under it.
    staticMounts: [
      { prefix: '/test-pages/', dir: testPages },
      { prefix: '/', dir: demoDist, contentSecurityPolicy: demoContentSecurityPolicy },
    ],
  });
  let browser: LaunchedBrowser;
  try {
    browser = await launchChromium(options.chromiumArgs);
  } catch (error) {
    await server.close();
    throw error;
  }
  const pages = new Set<Page>();
  const bed: DemoBed = {
    server,
    browser,
    pages,
    async open(path = '/', setup, context) {
      const page = context
        ? await (await browser.browser.newContext({ permissions: ['camera', 'microphone'], ...context })).newPage()
        : await browser.newPage();
      pages.add(page);
      await setup?.(page);
      // Surface page errors in the test output: they are bugs even when a test passes.
      page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
      await page.addInitScript(() => {
        const w = window as unknown as { __cspViolations: string[] };
        w.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI}`));
      });
      // Generous: on a loaded machine a page with a camera preview can take a while to load.
      await page.goto(server.url + path, { timeout: 60_000 });
      await page.waitForSelector('#joinView:not([hidden])', { timeout: 60_000 });
      return page;
    },
    async crowd(room) {
      const page = await browser.newPage();
      pages.add(page);
      page.on('pageerror', (error) => console.error(`[bot page error] ${error.message}`));
      await page.goto(`${server.url}/test-pages/bot.html?${new URLSearchParams({ room })}`, { timeout: 60_000 });
      return {
        page,
        async add(user, { hue = 210, muted = false, cameraOff = false } = {}) {
          const person = { user, hue, muted, cameraOff };
          await page.evaluate((p) => (window as unknown as { addPerson(p: unknown): Promise<void> }).addPerson(p), person);
        },
      };
    },
    async bot(room, user, options) {
      const crowd = await bed.crowd(room);
      await crowd.add(user, options);
      return crowd.page;
    },
    /** Closes the pages; fails when one of them broke the demo's Content-Security-Policy. */
    async closePages() {
      const violations: string[] = [];
      for (const page of pages) {
        violations.push(...(await cspViolations(page).catch(() => [])));
        await page.context().close().catch(() => undefined);
      }
      pages.clear();
      assert.deepEqual(violations, [], 'Content-Security-Policy violations in the demo');
    },
    async close() {
      await bed.closePages();
      await browser.close();
      await server.close();
    },
  };
  return bed;
}

/** The Content-Security-Policy violations the page has reported since it loaded. */
export function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => [...((window as unknown as { __cspViolations?: string[] }).__cspViolations ?? [])]);
}

/** Types the names into the join form and submits (low video quality: 2 cores, many pages). */
export async function submitJoin(page: Page, user: string, room: string): Promise<void> {
  await page.fill('#name', user);
  await page.fill('#roomName', room);
  await page.selectOption('#quality', 'low');
  await page.click('#joinBtn');
}

/** Joins and waits for the call view with one's own thumbnail. */
export async function join(page: Page, user: string, room: string): Promise<void> {
  await submitJoin(page, user, room);
  await page.waitForSelector('#callView:not([hidden])', { timeout: 20_000 });
  await page.waitForSelector(thumb(user), { state: 'attached' });
}

/** Clicks Leave and waits for the join view to be usable again. */
export async function leave(page: Page): Promise<void> {
  await page.click('#buttonLeaveRoom');
  await page.waitForSelector('#joinView:not([hidden])');
  await page.waitForSelector('#joinBtn:not([disabled])');
}

// Attribute selectors: names may hold spaces and letters that an `#id` selector cannot.
export const thumb = (user: string, streamId = 'webcam') => `[id="video-${user}_${streamId}"]`;
export const video = (user: string, streamId = 'webcam') => `[id="native-video-${user}_${streamId}"]`;

/** The name on the tile shown large (the spotlight), or null when the stage is a plain grid. */
export async function spotlightName(page: Page): Promise<string | null> {
  await page.waitForFunction(() => document.getElementById('stage')?.querySelector('.tile') !== null);
  // The stage lays out on the next animation frame after a change.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  return page.$eval('#stage', (stage) => stage.querySelector('.tile.spotlight .tile-name')?.textContent ?? null);
}

/** Every user's video plays in `page` (the original's verify + waitForStream, by decoded frames). */
export async function expectVideos(page: Page, users: string[], frames = FRAMES): Promise<void> {
  for (const user of users) await waitForFrames(page, video(user), frames, 30_000);
}

/** The page has no thumbnail for `user` (it goes within the timeout). */
export async function expectNoVideo(page: Page, user: string): Promise<void> {
  await page.waitForSelector(thumb(user), { state: 'detached', timeout: 15_000 });
}

/** `user`'s video keeps presenting new frames in `page` (not merely still attached). */
export async function expectStillPlaying(page: Page, user: string, more = FRAMES): Promise<void> {
  const now = await waitForFrames(page, video(user), 1, 15_000);
  await waitForFrames(page, video(user), now + more, 15_000);
}

/** Polls `check` until it returns true (server-side state settles asynchronously). */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the server holds no participant any more (every page left cleanly). */
export async function expectServerEmpty(server: RoomServer): Promise<void> {
  await eventually('the server to hold no participant', async () => (await server.stats()).participants === 0);
}

