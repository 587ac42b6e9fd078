/**
 * The original project's browser scenarios (reference section 4.2) against the demo: every page
 * that should see a stream proves it by decoded frames; a stream that goes must leave the page.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumAvailable } from '../../../testing/chromium.js';
import {
  cspViolations,
  expectNoVideo,
  expectServerEmpty,
  expectStillPlaying,
  expectVideos,
  join,
  leave,
  spotlightName,
  startBed,
  thumb,
  type DemoBed,
} from './support.js';

describe('demo in Chromium: media scenarios', { skip: !chromiumAvailable() && 'no Chromium' }, () => {
  let bed: DemoBed;
  before(async () => {
    bed = await startBed();
  });
  afterEach(async () => {
    await bed.closePages();
  });
  after(async () => {
    await bed?.close();
  });

  const people = (n: number) => Promise.all(Array.from({ length: n }, () => bed.open()));

  test('one user sees their own video, then leaves', async () => {
    const [page] = await people(1);
    await join(page!, 'solo', 'r1');
    await expectVideos(page!, ['solo']);
    assert.equal(await spotlightName(page!), 'solo (you)');
    assert.equal(await page!.textContent('#callRoomName'), 'r1');
    await leave(page!);
    assert.equal(await page!.$(thumb('solo')), null);
    await expectServerEmpty(bed.server);
  });

  test('two users see each other', async () => {
    const [a, b] = await people(2);
    await join(a!, 'ann', 'r2');
    await join(b!, 'ben', 'r2');
    await expectVideos(a!, ['ann', 'ben']);
    await expectVideos(b!, ['ann', 'ben']);
    // Someone else's video takes the main area rather than one's own.
    assert.equal(await spotlightName(a!), 'ben');
    await leave(a!);
    await expectNoVideo(b!, 'ann');
    await leave(b!);
    await expectServerEmpty(bed.server);
  });

  test('the demo runs under its Content-Security-Policy: a call reports no violation, inline code is refused', async () => {
    const policy = (await fetch(bed.server.url + '/')).headers.get('content-security-policy') ?? '';
    assert.match(policy, /script-src 'self'/);
    const [a, b] = await people(2);
    await join(a!, 'cspA', 'csp');
    await join(b!, 'cspB', 'csp');
    await expectVideos(a!, ['cspA', 'cspB']);
    await expectVideos(b!, ['cspA', 'cspB']);
    assert.deepEqual(await cspViolations(a!), []);
    assert.deepEqual(await cspViolations(b!), []);
    // The policy is in force and a breach is seen: an injected inline script does not run.
    type Probe = { __cspViolations: string[]; __inline?: number };
    await a!.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inline = 1';
      document.body.append(script);
    });
    await a!.waitForFunction(() => (window as unknown as Probe).__cspViolations.length > 0);
    assert.equal(await a!.evaluate(() => (window as unknown as Probe).__inline), undefined);
    assert.deepEqual(await cspViolations(a!), ['script-src-elem blocked inline']);
    await a!.evaluate(() => void ((window as unknown as Probe).__cspViolations.length = 0));
    await leave(a!);
    await leave(b!);
  });

  test('four users joining one after another all see each other; leaving one by one', async () => {
    const names = ['alice', 'bob', 'carol', 'dave'];
    const pages = await people(4);
    for (let i = 0; i < names.length; i++) {
      await join(pages[i]!, names[i]!, 'r4');
      // The newcomer sees everyone present, and everyone present sees the newcomer.
      await expectVideos(pages[i]!, names.slice(0, i + 1));
      for (let j = 0; j < i; j++) await expectVideos(pages[j]!, [names[i]!]);
    }
    assert.equal(await pages[0]!.textContent('#participantCount'), '4 people');
    for (let i = 0; i < names.length; i++) {
      await leave(pages[i]!);
      for (let j = i + 1; j < names.length; j++) {
        await expectNoVideo(pages[j]!, names[i]!);
        if (j === i + 1 && j < names.length - 1) await expectStillPlaying(pages[j]!, names[names.length - 1]!);
      }
    }
    await expectServerEmpty(bed.server);
  });

  test('users joining and leaving in parallel, twice (page reloaded the second time)', async () => {
    const names = ['p0', 'p1', 'p2'];
    const pages = await people(3);
    for (let round = 0; round < 2; round++) {
      if (round > 0) await Promise.all(pages.map((p) => p.reload().then(() => p.waitForSelector('#joinView:not([hidden])'))));
      await Promise.all(pages.map((p, i) => join(p, names[i]!, 'rp')));
      await Promise.all(pages.map((p) => expectVideos(p, names)));
      await Promise.all(pages.map((p) => leave(p)));
      for (const p of pages) for (const name of names) assert.equal(await p.$(thumb(name)), null);
      await expectServerEmpty(bed.server);
    }
  });

  test('one user entering and leaving five times in a row, reloading the page each time', async () => {
    const [page] = await people(1);
    for (let i = 0; i < 5; i++) {
      if (i > 0) {
        await page!.reload();
        await page!.waitForSelector('#joinView:not([hidden])');
      }
      await join(page!, 'quick', 'rq');
      await expectVideos(page!, ['quick'], 3);
      await leave(page!);
      assert.equal(await page!.isHidden('#joinError'), true, `round ${i}: no error shown`);
    }
    await expectServerEmpty(bed.server);
  });

  async function threeInRoom(room: string): Promise<{ pages: Page[]; names: string[] }> {
    const names = ['x0', 'x1', 'x2'].map((n) => `${n}${room}`);
    const pages = await people(3);
    for (let i = 0; i < 3; i++) await join(pages[i]!, names[i]!, room);
    await Promise.all(pages.map((p) => expectVideos(p, names)));
    return { pages, names };
  }

  test('unpublish one of three: the other two lose that stream and keep the rest', async () => {
    const { pages, names } = await threeInRoom('ru');
    const [p0, p1, p2] = pages as [Page, Page, Page];
    const [n0, n1, n2] = names as [string, string, string];
    // The button on one's own tile stops sending it: unpublish.
    const send = `${thumb(n1)} .tile-send`;
    assert.equal(await p1.getAttribute(send, 'aria-label'), 'Stop sending your video');
    await p1.click(send);
    for (const p of [p0, p2]) await expectNoVideo(p, n1);
    await expectStillPlaying(p0, n2);
    await expectStillPlaying(p2, n0);
    // The unpublisher still receives the others and keeps a local preview marked as not sent.
    await expectStillPlaying(p1, n0);
    await expectStillPlaying(p1, n2);
    assert.equal(await p1.textContent(`${thumb(n1)} .tile-state`), 'Not sending');
    // The same button publishes again, and the others receive it again.
    assert.equal(await p1.getAttribute(send, 'aria-label'), 'Send your video again');
    await p1.click(send);
    await expectVideos(p0, [n1]);
    await expectVideos(p2, [n1]);
    for (const p of pages) await leave(p);
    await expectServerEmpty(bed.server);
  });

  test('unsubscribe from one of three: only the unsubscriber loses it', async () => {
    const { pages, names } = await threeInRoom('rs');
    const [p0, p1, p2] = pages as [Page, Page, Page];
    const [n0, n1, n2] = names as [string, string, string];
    await p0.click(`${thumb(n2)} .tile-pin`); // pin n2 as the large tile...
    assert.equal(await spotlightName(p0), n2);
    const stop = `${thumb(n2)} .tile-stop`;
    assert.equal(await p0.getAttribute(stop, 'aria-label'), `Stop receiving ${n2}'s video`);
    await p0.click(stop); // ...and stop receiving it: unsubscribe
    await expectNoVideo(p0, n2);
    await expectStillPlaying(p0, n1);
    await expectStillPlaying(p1, n2);
    await expectStillPlaying(p2, n2);
    await expectStillPlaying(p2, n0);
    // Its chip subscribes again.
    await p0.click(`#paused-${n2}_webcam`);
    await expectVideos(p0, [n2]);
    for (const p of pages) await leave(p);
    await expectServerEmpty(bed.server);
  });
});
