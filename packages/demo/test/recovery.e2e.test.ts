/**
 * Getting back into a call with no user action (product.md section 3, reconnection in two
 * tiers): the room server killed (SIGKILL) and started again on the same port, and a tab that
 * crashed and was opened again under the same name. Media is proven by frames decoded after
 * the fault, not by elements on the page.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumAvailable, launchChromium, waitForNewFrames, type LaunchedBrowser } from '../../../testing/chromium.js';
import { ensureDemoBuilt, eventually, expectServerEmpty, expectVideos, FRAMES, join, leave, startBed, video, type DemoBed } from './support.js';
import { freeTcpPort } from '../../server/src/util/freePort.js';

const cli = fileURLToPath(new URL('../../server/dist/cli.js', import.meta.url));

/** The command-line server (demo at `/`) in a process of its own, so that it can be killed. */
async function startServerProcess(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, '--port', String(port), '--host', '127.0.0.1', '--log-level', 'warn', '--media-workers', '1'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/health`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    const up = await fetch(url).then((r) => r.ok, () => false);
    if (up) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the server did not start within 20 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function participants(port: number, room: string): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${port}/api/rooms/${room}`);
  if (!response.ok) return [];
  const body = (await response.json()) as { participants: { name: string; streams: { phase: string }[] }[] };
  return body.participants.filter((p) => p.streams.some((s) => s.phase === 'live')).map((p) => p.name).sort();
}

describe('demo in Chromium: back in the call with no user action', { skip: !chromiumAvailable() && 'no Chromium' }, () => {
  describe('the server is killed and started again', () => {
    let browser: LaunchedBrowser;
    let server: ChildProcess | undefined;
    before(async () => {
      ensureDemoBuilt();
      browser = await launchChromium();
    });
    after(async () => {
      server?.kill('SIGKILL');
      await browser?.close();
    });

    test('both pages rejoin by themselves and decode each other again', async () => {
      const port = await freeTcpPort();
      server = await startServerProcess(port);
      const open = async (): Promise<Page> => {
        const page = await browser.newPage();
        page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
        await page.goto(`http://127.0.0.1:${port}/`);
        await page.waitForSelector('#joinView:not([hidden])');
        return page;
      };
      const [ann, ben] = [await open(), await open()];
      await join(ann, 'ann', 'phoenix');
      await join(ben, 'ben', 'phoenix');
      await expectVideos(ann, ['ben']);
      await expectVideos(ben, ['ann']);

      server.kill('SIGKILL');
      await once(server, 'exit');
      for (const page of [ann, ben]) await page.waitForSelector('#reconnectingNotice:not([hidden])', { timeout: 10_000 });
      server = await startServerProcess(port);
      const restartedAt = Date.now();

      await Promise.all([waitForNewFrames(ann, video('ben'), FRAMES, 30_000), waitForNewFrames(ben, video('ann'), FRAMES, 30_000)]);
      const toMedia = Date.now() - restartedAt;
      console.log(`# time from the server listening again to ${FRAMES} new frames decoded on both pages: ${toMedia} ms`);
      for (const page of [ann, ben]) {
        assert.equal(await page.getAttribute('#reconnectedNotice', 'data-rejoined'), 'true');
        assert.equal(await page.isHidden('#reconnectingNotice'), true, 'the banner is gone');
        assert.equal(await page.isVisible('#dialog[open]'), false, 'no dialog: nothing for the user to do');
      }
      assert.deepEqual(await participants(port, 'phoenix'), ['ann', 'ben'], 'both publish on the new server');
      await leave(ann);
      await leave(ben);
    });
  });

  describe('a tab crashes', () => {
    let bed: DemoBed;
    before(async () => {
      // A long grace period: coming back must not wait for it.
      bed = await startBed({ reconnectionGraceMs: 60_000 });
    });
    afterEach(async () => {
      await bed.closePages();
      await expectServerEmpty(bed.server);
    });
    after(async () => {
      await bed?.close();
    });

    test('reopened under the same name, it is joined at once and seen by the others', async () => {
      const stays = await bed.open();
      const crashes = await bed.open();
      await join(stays, 'stays', 'crashy');
      await join(crashes, 'crashes', 'crashy');
      await expectVideos(stays, ['crashes']);

      const cdp = await crashes.context().newCDPSession(crashes);
      cdp.send('Page.crash').catch(() => undefined); // answered by the crash itself
      await eventually('the server to see the socket gone', async () => (await bed.server.stats()).sessionsInGrace === 1, 20_000);

      const reopened = await bed.open();
      const startedAt = Date.now();
      await join(reopened, 'crashes', 'crashy');
      const joinedIn = Date.now() - startedAt;
      console.log(`# rejoin under the same name after a tab crash: joined in ${joinedIn} ms (grace period 60 s)`);
      assert.ok(joinedIn < 30_000, 'not after the grace period');
      assert.equal(await reopened.isVisible('#joinError'), false);
      await waitForNewFrames(stays, video('crashes'), FRAMES);
      await expectVideos(reopened, ['stays', 'crashes']);
      const stats = await bed.server.stats();
      assert.equal(stats.participants, 2);
      assert.equal(stats.sessionsInGrace, 0, 'the crashed session was taken over, not left to expire');
      await leave(reopened);
      await leave(stays);
    });
  });
});
