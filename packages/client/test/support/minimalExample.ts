/**
 * docs/examples/minimal.html as the Chromium tests use it: served from a static mount as
 * docs/client-api.md tells a library user to serve it, and joined through its form as a person
 * would (shared by minimalExample.browser.test.ts and iceTcp.browser.test.ts).
 */
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';

export const examplesDir = fileURLToPath(new URL('../../../../docs/examples/', import.meta.url));

/** Opens the example on `serverUrl` (prepared by `setup` first) and joins `room` as `user`. */
export async function joinMinimalExample(
  chromium: Pick<Browser, 'newPage'>,
  serverUrl: string,
  user: string,
  room: string,
  setup?: (page: Page) => Promise<unknown>,
): Promise<Page> {
  const page = await chromium.newPage();
  await setup?.(page);
  await page.goto(`${serverUrl}/examples/minimal.html`);
  await page.fill('#user', user);
  await page.fill('#room', room);
  await page.click('#join button');
  await page.waitForFunction((text) => document.getElementById('status')?.textContent === text, `${user} in ${room}`, { timeout: 20_000, polling: 100 });
  return page;
}
