/**
 * Debian's Chromium driven by playwright-core, with fake camera and microphone, for end-to-end
 * tests. `CHROMIUM_PATH` overrides the executable.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(chromiumPath);
}

/** Flags that work as root on these machines and keep Chromium off the network. */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

export interface LaunchedBrowser {
  browser: Browser;
  /** A new isolated context (its own cookies, storage and permissions), like a separate user. */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(extraArgs: string[] = []): Promise<LaunchedBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'kr-chromium-'));
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...extraArgs],
  });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async newPage() {
      const context = await browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1280, height: 800 } });
      contexts.push(context);
      return context.newPage();
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts counting decoded frames of the `<video>` matching `selector` (requestVideoFrameCallback
 * fires once per frame presented, i.e. decoded and rendered). Read with `decodedFrames`.
 */
export async function watchVideoFrames(page: Page, selector: string): Promise<void> {
  await page.waitForSelector(selector, { state: 'attached' });
  // A source string rather than a function: tsx compiles test files with esbuild's keepNames,
  // which would wrap a named function in a `__name` helper that the page does not have.
  await page.evaluate(`(() => {
    const video = document.querySelector(${JSON.stringify(selector)});
    if (video.__frames !== undefined) return;
    video.__frames = 0;
    const onFrame = () => {
      video.__frames++;
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  })()`);
}

export function decodedFrames(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => (document.querySelector(sel) as (HTMLVideoElement & { __frames?: number }) | null)?.__frames ?? -1, selector);
}

/** Waits until the watched video has presented at least `count` frames. */
export async function waitForFrames(page: Page, selector: string, count: number, timeoutMs = 20_000): Promise<number> {
  await watchVideoFrames(page, selector);
  await page.waitForFunction(
    ([sel, n]) => ((document.querySelector(sel as string) as (HTMLVideoElement & { __frames?: number }) | null)?.__frames ?? 0) >= (n as number),
    [selector, count] as const,
    { timeout: timeoutMs, polling: 100 },
  );
  return decodedFrames(page, selector);
}

/**
 * Waits until the `<video>` matching `selector` presents `count` frames from now on, following
 * the element if the page replaces it meanwhile (a stream that is subscribed again gets a new
 * tile): frames shown before the call do not count, so this proves that media flows again.
 */
export async function waitForNewFrames(page: Page, selector: string, count: number, timeoutMs = 30_000): Promise<void> {
  await page.evaluate(
    `new Promise((resolve, reject) => {
      const selector = ${JSON.stringify(selector)};
      const deadline = Date.now() + ${timeoutMs};
      let watched = null;
      let frames = 0;
      const tick = () => {
        const current = document.querySelector(selector);
        if (current !== watched) {
          watched = current;
          frames = 0;
          if (current) {
            const onFrame = () => {
              if (watched !== current) return;
              frames++;
              current.requestVideoFrameCallback(onFrame);
            };
            current.requestVideoFrameCallback(onFrame);
          }
        }
        if (frames >= ${count}) resolve(frames);
        else if (Date.now() > deadline) reject(new Error('only ' + frames + ' new frames in ' + selector + ' within ${timeoutMs} ms'));
        else setTimeout(tick, 50);
      };
      tick();
    })`,
  );
}
