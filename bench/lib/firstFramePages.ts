/**
 * The two pages of a first-frame measurement (bench/pages/connect.html): `a` joins `room` and
 * publishes its fake camera; then `b` (prepared by `setup`, e.g. an init script) joins and watches
 * `a`, starting its clock at `room.connect()`. Shared by the suite (browserFirstFrame.ts) and the
 * step-by-step breakdown (firstFrameTimeline.ts) so both time exactly the same thing.
 */
import type { Browser, Page } from 'playwright-core';

const WAIT = { timeout: 20_000, polling: 20 } as const;

export async function publishThenWatch(chromium: Pick<Browser, 'newPage'>, serverUrl: string, room: string, setup?: (b: Page) => Promise<unknown>): Promise<{ a: Page; b: Page }> {
  const a = await chromium.newPage();
  const b = await chromium.newPage();
  const base = `${serverUrl}/bench-pages/connect.html?room=${room}`;
  try {
    await a.goto(`${base}&user=a`);
    await a.waitForFunction('window.benchReady === true', undefined, WAIT);
    await a.evaluate('window.benchConnect()');
    await a.waitForFunction('window.benchPublished === true', undefined, WAIT);
    await setup?.(b);
    await b.goto(`${base}&user=b&watch=a`);
    await b.waitForFunction('window.benchReady === true', undefined, WAIT);
    await b.evaluate('window.benchConnect()');
  } catch (error) {
    await closePages({ a, b });
    throw error;
  }
  return { a, b };
}

export async function closePages({ a, b }: { a: Page; b: Page }): Promise<void> {
  await a.context().close().catch(() => undefined);
  await b.context().close().catch(() => undefined);
}
