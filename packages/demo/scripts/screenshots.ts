// Regenerates the screenshots of docs/demo.md: the join view, calls of 1, 2, 6 and 12 people, a
// shared screen, and a phone in portrait and in landscape. Real Chromium with fake devices
// against a room server started here; "alice" is a real demo page, the others are light test
// participants (packages/demo/test/pages/bot.html, all in one page) publishing a drawn picture
// and the fake microphone, so that twelve people fit on a small machine.
//
//   node --import tsx --conditions=source packages/demo/scripts/screenshots.ts [name ...]
//
// With names (e.g. `phone-portrait`), only those are made.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { waitForFrames } from '../../../testing/chromium.js';
import { join, startBed, video, type DemoBed } from '../test/support.js';

const out = fileURLToPath(new URL('../../../docs/images/', import.meta.url));
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const NAMES = ['bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia'];

/** Waits until every tile on the page shows moving video (or is a camera-off tile), then for the layout to settle. */
async function settle(page: Page): Promise<void> {
  const ids = await page.$$eval('#stage .tile video', (videos) => videos.map((v) => v.id));
  for (const id of ids) {
    try {
      await waitForFrames(page, `[id="${id}"]`, 5, 120_000);
    } catch (error) {
      // A camera turned off (the server holds its video back) shows its avatar instead.
      if (!(await page.$(`.tile[data-video-off] [id="${id}"]`))) throw error;
    }
  }
  // The tiles move with a 0.25 s transition.
  await page.waitForTimeout(600);
}

async function shoot(page: Page, name: string): Promise<void> {
  // Away from the tiles, whose buttons show on hover (the join click left the pointer over one).
  await page.mouse.move(1, 1);
  await settle(page);
  await page.screenshot({ path: `${out}demo-${name}.png`, timeout: 120_000 });
  console.log(`wrote docs/images/demo-${name}.png`);
}

/** `count` people in `room`: alice on a page (returned), the others as bots. */
async function call(bed: DemoBed, room: string, count: number, page?: Page): Promise<Page> {
  const alice = page ?? (await bed.open());
  await join(alice, 'alice', room);
  const crowd = count > 1 ? await bed.crowd(room) : undefined;
  for (let i = 1; i < count; i++) {
    // A few with their microphone or camera off, as in a real call.
    await crowd!.add(NAMES[i - 1]!, { hue: (i * 47) % 360, muted: i % 4 === 2, cameraOff: i === 5 });
  }
  // Generous: on a loaded machine a connection may fail and be made again before it settles.
  await alice.waitForFunction((n) => document.querySelectorAll('#stage .tile').length === n, count, { timeout: 120_000 }).catch(async (error) => {
    const tiles = await alice.$$eval('#stage .tile', (found) => found.map((t) => t.id));
    throw new Error(`${count} tiles expected, the page has ${tiles.length}: ${tiles.join(', ')}`, { cause: error });
  });
  return alice;
}

const shots: Record<string, (bed: DemoBed) => Promise<void>> = {
  async 'join'(bed) {
    const page = await bed.open('/#/rooms/standup');
    await page.fill('#name', 'alice');
    await waitForFrames(page, '#previewVideo', 5);
    await page.screenshot({ path: `${out}demo-join.png` });
    console.log('wrote docs/images/demo-join.png');
  },
  async '1-person'(bed) {
    await shoot(await call(bed, 'solo', 1), '1-person');
  },
  async '2-people'(bed) {
    await shoot(await call(bed, 'pair', 2), '2-people');
  },
  async '6-people'(bed) {
    await shoot(await call(bed, 'six', 6), '6-people');
  },
  async '12-people'(bed) {
    await shoot(await call(bed, 'twelve', 12), '12-people');
  },
  async 'screen-share'(bed) {
    const alice = await call(bed, 'share', 3);
    const dave = await bed.open();
    await join(dave, 'dave', 'share');
    await dave.click('#buttonScreen');
    await waitForFrames(alice, video('dave', 'screen'), 5, 30_000);
    await shoot(alice, 'screen-share');
  },
  async 'phone-portrait'(bed) {
    const phone = await bed.open('/', undefined, PHONE);
    await call(bed, 'phone', 4, phone);
    await shoot(phone, 'phone-portrait');
  },
  async 'phone-landscape'(bed) {
    const phone = await bed.open('/', undefined, { ...PHONE, viewport: { width: 844, height: 390 } });
    await call(bed, 'landscape', 2, phone);
    await shoot(phone, 'phone-landscape');
  },
};

const wanted = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const bed = await startBed();
try {
  for (const [name, make] of Object.entries(shots)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    await make(bed);
    await bed.closePages();
  }
} finally {
  await bed.close();
}
