/**
 * The demo's hat button end to end: a Chromium page whose fake camera plays a photo of a face
 * turns the hat on; another page watching it sees the pixels above the face change, then match
 * the photo again once the hat is off. Needs GStreamer (the server's filter), ffmpeg and the
 * photo from Debian's python3-skimage; `.ci/run` installs them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { createHatRequestHandler } from '@kurento-room/server';
import { chromiumAvailable } from '../../../testing/chromium.js';
import { expectServerEmpty, expectVideos, leave, startBed, thumb, video, type DemoBed } from './support.js';

const PHOTO = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';
const screenshotPath = fileURLToPath(new URL('../../../docs/images/demo-hat.png', import.meta.url));

function missingTool(): string | undefined {
  if (!chromiumAvailable()) return 'Chromium is not installed';
  if (!existsSync(PHOTO)) return `${PHOTO} is missing (apt-get install python3-skimage)`;
  for (const [tool, args] of [['ffmpeg', ['-version']], ['gst-inspect-1.0', ['faceoverlay']]] as const) {
    try {
      execFileSync(tool, args, { stdio: 'ignore' });
    } catch {
      return `${tool} ${args.join(' ')} failed (see .ci/run for the packages)`;
    }
  }
  return undefined;
}

/**
 * Mean luma (0-255) of a region of a page's video, the region given as fractions of the frame.
 * Evaluated from a string: tsx's keepNames would wrap a function in a helper the page lacks.
 */
async function regionLuma(page: Page, selector: string, box: { x: number; y: number; w: number; h: number }): Promise<number> {
  return page.evaluate(`(() => {
    const v = document.querySelector(${JSON.stringify(selector)});
    const c = document.createElement('canvas');
    c.width = v.videoWidth; c.height = v.videoHeight;
    const g = c.getContext('2d');
    g.drawImage(v, 0, 0);
    const b = ${JSON.stringify(box)};
    const x = Math.round(b.x * c.width), y = Math.round(b.y * c.height), w = Math.round(b.w * c.width), h = Math.round(b.h * c.height);
    const d = g.getImageData(x, y, w, h).data;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) sum += 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    return sum / (d.length / 4);
  })()`);
}

/**
 * Joins at the standard 640x480: at the low quality of the other tests the face is ~38 pixels
 * wide, at the edge of what the Haar cascade finds, and detection came and went between runs.
 */
async function joinStandard(page: Page, user: string, room: string): Promise<void> {
  await page.fill('#name', user);
  await page.fill('#roomName', room);
  await page.selectOption('#quality', 'standard');
  await page.click('#joinBtn');
  await page.waitForSelector('#callView:not([hidden])', { timeout: 20_000 });
  await page.waitForSelector(thumb(user), { state: 'attached' });
}

const skip = missingTool();
if (skip) console.log(`# hat e2e skipped: ${skip}`);

describe('the hat button', { skip }, () => {
  let dir: string;
  let bed: DemoBed;

  before(async () => {
    dir = mkdtempSync(pathJoin(tmpdir(), 'demo-hat-'));
    const y4m = pathJoin(dir, 'face.y4m');
    // The photo in a 640x480 frame on a grey background with room above the head, as a short
    // clip that Chromium's fake camera loops.
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-loop', '1', '-i', PHOTO, '-vf', 'scale=384:384,pad=640:480:128:96:color=0xc0c0c0,fps=15', '-t', '2', '-pix_fmt', 'yuv420p', y4m]);
    bed = await startBed({ customRequestHandler: createHatRequestHandler(), chromiumArgs: [`--use-file-for-fake-video-capture=${y4m}`] });
  });

  after(async () => {
    await bed?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the watcher sees the hat above the face, and the photo again once it is off', async () => {
    const alice = await bed.open();
    const bob = await bed.open();
    await joinStandard(alice, 'alice', 'hat');
    await joinStandard(bob, 'bob', 'hat');
    await expectVideos(bob, ['alice']);
    await bob.click('#video-alice_webcam');
    // Where the face is in the frame (found by GStreamer's facedetect on the still): the region
    // just above it is covered by the hat; a corner of the grey background is not.
    const above = { x: 0.41, y: 0.15, w: 0.11, h: 0.12 };
    const corner = { x: 0.02, y: 0.85, w: 0.12, h: 0.12 };
    const before = { above: await regionLuma(bob, video('alice'), above), corner: await regionLuma(bob, video('alice'), corner) };

    await alice.click('#buttonHat');
    await alice.waitForSelector('text=Hat filter on.');
    assert.equal((await bed.server.stats()).media.videoFilters, 1);
    await new Promise((r) => setTimeout(r, 4000));
    const withHat = { above: await regionLuma(bob, video('alice'), above), corner: await regionLuma(bob, video('alice'), corner) };
    if (process.env.UPDATE_SCREENSHOTS) await bob.screenshot({ path: screenshotPath });

    await alice.click('#buttonHat');
    await alice.waitForSelector('text=Hat filter off.');
    await new Promise((r) => setTimeout(r, 3000));
    const afterOff = { above: await regionLuma(bob, video('alice'), above), corner: await regionLuma(bob, video('alice'), corner) };
    console.log(`# mean luma above the face / in a corner: ${JSON.stringify({ before, withHat, afterOff })}`);

    assert.ok(Math.abs(withHat.above - before.above) > 30, `the hat changes the region above the face (${before.above} -> ${withHat.above})`);
    assert.ok(Math.abs(withHat.corner - before.corner) < 15, `the background stays (${before.corner} -> ${withHat.corner})`);
    assert.ok(Math.abs(afterOff.above - before.above) < 15, `with the hat off the photo is back (${before.above} -> ${afterOff.above})`);
    await expectVideos(bob, ['alice']);
    await leave(alice);
    await leave(bob);
    await expectServerEmpty(bed.server);
    assert.equal((await bed.server.stats()).media.videoFilters, 0);
  });
});
