/**
 * The stage's layout in Chromium: a grid that fits 1 to 12 people (every tile on screen, equal,
 * 4:3, as large as the stage allows, each decoding), a window resized, and a phone in portrait
 * and in landscape (touch, small screen): the large tile really is large, every control is on
 * screen and big enough to tap, nothing scrolls sideways. The other people are light test
 * participants (test/pages/bot.html) so that twelve fit on a small machine.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumAvailable, waitForFrames, waitForNewFrames } from '../../../testing/chromium.js';
import { computeLayout } from '../src/layout.js';
import { expectServerEmpty, join, leave, spotlightName, startBed, thumb, video, type DemoBed } from './support.js';

interface Box {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The boxes of the stage and of its tiles on screen, once the layout has settled. */
async function boxes(page: Page): Promise<{ stage: Box; tiles: Box[] }> {
  // The stage lays out on the next animation frame after a resize (ResizeObserver) and the tiles
  // then move with a 0.25 s transition; on a loaded machine that takes longer than any fixed
  // wait, so read until no tile is moving and two reads a frame apart agree.
  // A string: tsx's keepNames would wrap a named function in a helper the page lacks.
  const read = `(() => {
    const stage = document.getElementById('stage');
    const box = (e) => { const r = e.getBoundingClientRect(); return { id: e.id, x: r.x, y: r.y, width: r.width, height: r.height }; };
    return { stage: box(stage), tiles: [...stage.querySelectorAll('.tile')].map(box) };
  })()`;
  // Polled from here: the demo's Content-Security-Policy bars waitForFunction's string evaluation.
  const probe = `(() => {
    const stage = document.getElementById('stage');
    const moving = stage.getAnimations({ subtree: true }).some((a) => a instanceof CSSTransition && a.playState === 'running' && ['transform', 'width', 'height'].includes(a.transitionProperty));
    return JSON.stringify({ moving, boxes: ${read} });
  })()`;
  const deadline = Date.now() + 30_000;
  let last = '';
  for (;;) {
    const now = JSON.parse((await page.evaluate(probe)) as string) as { moving: boolean; boxes: unknown };
    const seen = JSON.stringify(now.boxes);
    if (!now.moving && seen === last) break;
    if (Date.now() > deadline) throw new Error(`the stage's layout did not settle in 30 s: ${seen}`);
    last = seen;
    await page.waitForTimeout(150);
  }
  return page.evaluate(read);
}

const overlap = (a: Box, b: Box) => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
const inside = (r: Box, s: Box) => r.x >= s.x - 0.5 && r.y >= s.y - 0.5 && r.x + r.width <= s.x + s.width + 0.5 && r.y + r.height <= s.y + s.height + 0.5;

/** Every tile inside the stage and none over another. */
function assertOnScreen({ stage, tiles }: { stage: Box; tiles: Box[] }, what: string): void {
  tiles.forEach((t, i) => {
    assert.ok(inside(t, stage), `${what}: ${t.id} ${JSON.stringify(t)} is inside the stage ${JSON.stringify(stage)}`);
    for (const other of tiles.slice(i + 1)) assert.ok(!overlap(t, other), `${what}: ${t.id} and ${other.id} overlap`);
  });
}

/** The grid: equal 4:3 tiles of the size layout.ts computes for this stage, all on screen. */
async function assertGrid(page: Page, count: number): Promise<Box[]> {
  const found = await boxes(page);
  const what = `${count} people`;
  assert.equal(found.tiles.length, count, what);
  assertOnScreen(found, what);
  const expected = computeLayout({ count, width: found.stage.width, height: found.stage.height }).rects[0]!;
  for (const t of found.tiles) {
    assert.ok(Math.abs(t.width - expected.width) <= 1 && Math.abs(t.height - expected.height) <= 1, `${what}: ${t.id} is ${t.width}x${t.height}, the grid's tiles ${expected.width}x${expected.height}`);
    assert.ok(Math.abs(t.width / t.height - 4 / 3) < 0.02, `${what}: ${t.id} keeps 4:3`);
  }
  // The grid uses the stage: its tiles fill it in width or in height.
  const right = Math.max(...found.tiles.map((t) => t.x + t.width)) - Math.min(...found.tiles.map((t) => t.x));
  const down = Math.max(...found.tiles.map((t) => t.y + t.height)) - Math.min(...found.tiles.map((t) => t.y));
  assert.ok(right > found.stage.width * 0.9 || down > found.stage.height * 0.9, `${what}: the grid spans ${right}x${down} of ${found.stage.width}x${found.stage.height}`);
  return found.tiles;
}

const NAMES = ['bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj'];

describe('demo in Chromium: layout', { skip: !chromiumAvailable() && 'no Chromium' }, () => {
  let bed: DemoBed;
  before(async () => {
    bed = await startBed();
  });
  afterEach(async () => {
    await bed.closePages();
    await expectServerEmpty(bed.server);
  });
  after(async () => {
    await bed?.close();
  });

  test('the grid fits 1 to 12 people, every tile decoding, and follows the window\'s size', async () => {
    const page = await bed.open();
    await join(page, 'viewer', 'grid');
    await waitForFrames(page, video('viewer'), 3);
    assert.equal(await spotlightName(page), 'viewer (you)', 'alone: one\'s own tile fills the stage');
    assertOnScreen(await boxes(page), '1 person');
    const crowd = await bed.crowd('grid');
    for (let i = 0; i < NAMES.length; i++) {
      const count = i + 2;
      await crowd.add(NAMES[i]!, { hue: i * 33 });
      await page.waitForSelector(thumb(NAMES[i]!));
      await waitForFrames(page, video(NAMES[i]!), 3, 60_000);
      if (count === 2) {
        // One-to-one: the other person large, oneself in the filmstrip.
        assert.equal(await spotlightName(page), 'bob');
        const found = await boxes(page);
        assertOnScreen(found, '2 people');
        const [own, other] = [found.tiles.find((t) => t.id === 'video-viewer_webcam')!, found.tiles.find((t) => t.id === 'video-bob_webcam')!];
        assert.ok(other.width * other.height > 8 * own.width * own.height, 'the other person is the large tile');
      } else if ([3, 4, 6, 9, 12].includes(count)) {
        assert.equal(await spotlightName(page), null, `${count} people: a grid`);
        await assertGrid(page, count);
      }
    }
    // Every one of the twelve still decodes.
    for (const user of ['viewer', ...NAMES]) await waitForNewFrames(page, video(user), 3);
    // A smaller window: a denser grid, still all on screen.
    await page.setViewportSize({ width: 900, height: 640 });
    const small = await assertGrid(page, 12);
    assert.ok(small[0]!.width < 300);
    // Pinning one makes it the large tile with the eleven others in the filmstrip.
    await page.click(`${thumb('carol')} .tile-pin`);
    assert.equal(await spotlightName(page), 'carol');
    const pinned = await boxes(page);
    assertOnScreen(pinned, 'pinned');
    const big = pinned.tiles.find((t) => t.id === 'video-carol_webcam')!;
    for (const t of pinned.tiles) if (t !== big) assert.ok(t.x >= big.x + big.width, `${t.id} is in the filmstrip on the right`);
    await page.click(`${thumb('carol')} .tile-pin`);
    assert.equal(await spotlightName(page), null, 'unpinned: the grid again');
    await leave(page);
  });

  test('a phone in portrait and in landscape: the large tile is large, every control on screen and big enough to tap, nothing sideways', async () => {
    const phone = await bed.open('/', undefined, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const sideways = () => phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.equal(await sideways(), 0, 'the join view fits the width');
    await join(phone, 'pocket', 'phone');
    await bed.bot('phone', 'desk', { hue: 150 });
    await waitForFrames(phone, video('desk'), 3, 30_000);

    for (const [width, height] of [
      [390, 844],
      [844, 390],
    ] as const) {
      const what = width < height ? 'portrait' : 'landscape';
      await phone.setViewportSize({ width, height });
      assert.equal(await spotlightName(phone), 'desk', what);
      const found = await boxes(phone);
      assertOnScreen(found, what);
      const own = found.tiles.find((t) => t.id === 'video-pocket_webcam')!;
      const other = found.tiles.find((t) => t.id === 'video-desk_webcam')!;
      // The landscape bug: the main video came out smaller than the thumbnails.
      assert.ok(other.width * other.height > 4 * own.width * own.height, `${what}: the large tile ${other.width}x${other.height}, own ${own.width}x${own.height}`);
      assert.ok(other.width * other.height > 0.35 * width * height, `${what}: the large tile has ${Math.round((100 * other.width * other.height) / (width * height))} % of the screen`);
      assert.equal(await sideways(), 0, `${what}: nothing scrolls sideways`);
      const controls = await phone.$$eval('.toolbar button, .call-bar button', (buttons) =>
        buttons
          .filter((b) => getComputedStyle(b).display !== 'none' && !(b as HTMLElement).hidden)
          .map((b) => {
            const r = b.getBoundingClientRect();
            return { id: b.id, name: b.getAttribute('aria-label') ?? b.textContent?.trim() ?? '', x: r.x, y: r.y, width: r.width, height: r.height };
          }),
      );
      assert.ok(controls.length >= 9, `${what}: ${controls.map((c) => c.id).join(', ')}`);
      for (const c of controls) {
        assert.ok(c.x >= 0 && c.y >= 0 && c.x + c.width <= width && c.y + c.height <= height, `${what}: ${c.id} is on screen (${JSON.stringify(c)})`);
        assert.ok(c.width >= 40 && c.height >= 40, `${what}: ${c.id} is ${c.width}x${c.height}, big enough to tap`);
        assert.ok(c.name.length > 0, `${what}: ${c.id} has a name`);
      }
      // Icon-only on a phone, yet each button keeps its name for screen readers.
      assert.ok((await phone.$eval('#buttonMic .label', (l) => l.getBoundingClientRect().width)) <= 1, `${what}: the label is not shown`);
      assert.equal(await phone.textContent('#buttonMic .label'), 'Mute');
      // The chat covers the videos, not the controls, and its × closes it.
      await phone.tap('#buttonChat');
      const panel = (await phone.$eval('#chatPanel', (p) => p.getBoundingClientRect().toJSON())) as Box;
      assert.ok(panel.width >= width - 1, `${what}: the chat takes the whole width`);
      assert.ok(await phone.isVisible('#buttonLeaveRoom'), `${what}: the controls stay visible`);
      await phone.tap('#closeChat');
      await phone.waitForSelector('#chatPanel', { state: 'hidden' });
      await waitForNewFrames(phone, video('desk'), 3);
    }
    await leave(phone);
  });
});
