import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeLayout, fitGrid, MIN_TILE_WIDTH, TILE_ASPECT, TILE_GAP, type Rect } from '../src/layout.js';
import { chooseSpotlight, type SpotlightTile } from '../src/spotlight.js';

const overlap = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (r: Rect, width: number, height: number) => r.x >= 0 && r.y >= 0 && r.x + r.width <= width && r.y + r.height <= height;

/** Every box inside the stage, none overlapping another. */
function assertPlaced(rects: Rect[], width: number, height: number, what: string): void {
  rects.forEach((r, i) => {
    assert.ok(inside(r, width, height), `${what}: tile ${i} ${JSON.stringify(r)} inside ${width}x${height}`);
    for (let j = i + 1; j < rects.length; j++) assert.ok(!overlap(r, rects[j]!), `${what}: tiles ${i} and ${j} overlap`);
  });
}

const STAGES: [number, number][] = [
  [1264, 660], // a laptop window, less the bars
  [1904, 950], // full HD
  [374, 700], // a phone in portrait
  [828, 260], // a phone in landscape
];

test('grid: 1 to 16 tiles, equal, 4:3, inside the stage, not overlapping, and as large as any other column count allows', () => {
  for (const [width, height] of STAGES) {
    for (let count = 1; count <= 16; count++) {
      const what = `${count} tiles in ${width}x${height}`;
      const { rects, height: contentHeight } = computeLayout({ count, width, height });
      assert.equal(rects.length, count, what);
      const first = rects[0]!;
      for (const r of rects) assert.deepEqual([r.width, r.height], [first.width, first.height], `${what}: equal tiles`);
      assert.ok(Math.abs(first.width / first.height - TILE_ASPECT) < 0.02, `${what}: 4:3 (${first.width}x${first.height})`);
      if (first.width > MIN_TILE_WIDTH) {
        assert.equal(contentHeight, height, `${what}: no scrolling`);
        assertPlaced(rects, width, height, what);
        // No other number of columns gives larger tiles.
        for (let columns = 1; columns <= count; columns++) {
          const rows = Math.ceil(count / columns);
          const w = Math.min((width - TILE_GAP * (columns - 1)) / columns, ((height - TILE_GAP * (rows - 1)) / rows) * TILE_ASPECT);
          assert.ok(first.width >= Math.floor(w), `${what}: ${columns} columns would give ${w}, the grid gives ${first.width}`);
        }
      } else {
        // Too many for the stage: tiles keep a usable size and the grid scrolls.
        assert.equal(first.width, MIN_TILE_WIDTH, what);
        assertPlaced(rects, width, contentHeight, what);
      }
    }
  }
});

test('grid: the shapes people expect', () => {
  const shape = (count: number, width: number, height: number) => {
    const fit = fitGrid(count, width, height);
    return `${fit.columns}x${fit.rows}`;
  };
  assert.equal(shape(2, 1264, 660), '2x1', 'two side by side on a wide screen');
  assert.equal(shape(2, 374, 700), '1x2', 'two stacked on a phone in portrait');
  assert.equal(shape(4, 1264, 660), '2x2');
  assert.equal(shape(6, 1264, 660), '3x2');
  assert.equal(shape(12, 1264, 660), '4x3');
  assert.equal(shape(12, 374, 700), '2x6');
  // A short last row is centred.
  const { rects } = computeLayout({ count: 3, width: 1264, height: 660 });
  const bottom = rects[2]!;
  assert.ok(Math.abs(bottom.x + bottom.width / 2 - 1264 / 2) <= 1, 'the third of three is centred under the first two');
});

test('grid: many more people than fit scroll instead of shrinking to nothing', () => {
  const { rects, height } = computeLayout({ count: 60, width: 374, height: 700 });
  assert.ok(height > 700);
  assert.equal(rects[0]!.width, MIN_TILE_WIDTH);
  assertPlaced(rects, 374, height, '60 tiles on a phone');
});

test('spotlight: the large tile takes most of the stage; the filmstrip is on the right in landscape and below in portrait', () => {
  for (const [width, height] of STAGES) {
    for (const count of [1, 2, 3, 6, 12, 20]) {
      const spotlight = count > 2 ? 2 : 0;
      const what = `${count} tiles in ${width}x${height}, spotlight ${spotlight}`;
      const { rects } = computeLayout({ count, spotlight, width, height });
      assertPlaced(rects, width, height, what);
      const big = rects[spotlight]!;
      const area = (r: Rect) => r.width * r.height;
      assert.ok(area(big) >= 0.55 * width * height, `${what}: the spotlight has ${Math.round((100 * area(big)) / (width * height))} % of the stage`);
      rects.forEach((r, i) => {
        if (i === spotlight) return;
        assert.ok(area(r) < area(big) / 4, `${what}: tile ${i} is a thumbnail`);
        if (width >= height) assert.ok(r.x >= big.x + big.width, `${what}: tile ${i} right of the spotlight`);
        else assert.ok(r.y >= big.y + big.height, `${what}: tile ${i} below the spotlight`);
      });
    }
  }
});

test('spotlight: a known picture shape gives the large box that shape, centred, so nothing is letterboxed; a camera on a phone in portrait loses its sides', () => {
  const wide = computeLayout({ count: 3, spotlight: 0, width: 1264, height: 660, spotlightAspect: 16 / 9 }).rects[0]!;
  assert.ok(Math.abs(wide.width / wide.height - 16 / 9) < 0.01, JSON.stringify(wide));
  const camera = computeLayout({ count: 1, spotlight: 0, width: 1264, height: 660, spotlightAspect: 4 / 3 }).rects[0]!;
  assert.deepEqual(camera, { x: 192, y: 0, width: 880, height: 660 });
  // A camera in a space taller than its picture (a phone in portrait) loses its sides, down to 3:4.
  const portrait = computeLayout({ count: 2, spotlight: 0, width: 374, height: 700, spotlightAspect: 4 / 3, spotlightCrop: true }).rects[0]!;
  assert.ok(Math.abs(portrait.width / portrait.height - 3 / 4) < 0.01 && portrait.width === 374, JSON.stringify(portrait));
  const screen = computeLayout({ count: 2, spotlight: 0, width: 374, height: 700, spotlightAspect: 16 / 9 }).rects[0]!;
  assert.ok(Math.abs(screen.width / screen.height - 16 / 9) < 0.02, `a screen is never cropped: ${JSON.stringify(screen)}`);
  const wideCamera = computeLayout({ count: 2, spotlight: 0, width: 1264, height: 660, spotlightAspect: 4 / 3, spotlightCrop: true }).rects[0]!;
  assert.ok(Math.abs(wideCamera.width / wideCamera.height - 4 / 3) < 0.01, `in a wide space a camera keeps its shape: ${JSON.stringify(wideCamera)}`);
  const unknown = computeLayout({ count: 1, spotlight: 0, width: 1264, height: 660 }).rects[0]!;
  assert.deepEqual(unknown, { x: 0, y: 0, width: 1264, height: 660 });
});

test('spotlight choice: pinned, else someone else\'s screen, else the speaker in speaker view, else one-to-one, else the grid', () => {
  const me: SpotlightTile = { id: 'me_webcam', local: true, screen: false };
  const myScreen: SpotlightTile = { id: 'me_screen', local: true, screen: true };
  const ann: SpotlightTile = { id: 'ann_webcam', local: false, screen: false };
  const bob: SpotlightTile = { id: 'bob_webcam', local: false, screen: false };
  const bobScreen: SpotlightTile = { id: 'bob_screen', local: false, screen: true };
  const grid = { speakerView: false };
  assert.equal(chooseSpotlight({ tiles: [me], ...grid }), 'me_webcam', 'alone: one\'s own tile');
  assert.equal(chooseSpotlight({ tiles: [me, ann], ...grid }), 'ann_webcam', 'one-to-one: the other person');
  assert.equal(chooseSpotlight({ tiles: [me, ann, bob], ...grid }), undefined, 'three: the grid');
  assert.equal(chooseSpotlight({ tiles: [me, ann, bob], pinned: 'me_webcam', ...grid }), 'me_webcam', 'a pin wins');
  assert.equal(chooseSpotlight({ tiles: [me, ann, bob, bobScreen], ...grid }), 'bob_screen', 'a shared screen for everyone');
  assert.equal(chooseSpotlight({ tiles: [me, ann, bob, bobScreen], pinned: 'ann_webcam', ...grid }), 'ann_webcam', 'a pin wins over a screen');
  assert.equal(chooseSpotlight({ tiles: [me, myScreen, ann, bob], ...grid }), undefined, 'one\'s own screen is not put large');
  assert.equal(chooseSpotlight({ tiles: [me, myScreen], ...grid }), undefined, 'alone with one\'s own screen: both in the grid');
  assert.equal(chooseSpotlight({ tiles: [me, ann, bob], pinned: 'gone_webcam', ...grid }), undefined, 'a pin of a tile that left is ignored');
  const speaker = { speakerView: true };
  assert.equal(chooseSpotlight({ tiles: [me, ann, bob], ...speaker }), 'ann_webcam', 'speaker view before anyone spoke: the first other person');
  assert.equal(chooseSpotlight({ tiles: [me, ann, bob], speaker: 'bob_webcam', ...speaker }), 'bob_webcam', 'speaker view follows the speaker');
  assert.equal(chooseSpotlight({ tiles: [me, ann, bob, bobScreen], speaker: 'ann_webcam', ...speaker }), 'bob_screen', 'a screen before the speaker');
  assert.equal(chooseSpotlight({ tiles: [me], ...speaker }), 'me_webcam');
});
