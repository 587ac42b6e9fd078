// A browser whose UDP is blocked still gets the call, over ICE-TCP: Chromium told by its own
// policy to send no UDP at all (--webrtc-ip-handling-policy=disable_non_proxied_udp, what
// an administrator's WebRtcIPHandling policy does) joins through the minimal example page a
// server with --ice-tcp-port, and presents frames of the other person's video; every peer
// connection of the page has a TCP candidate pair selected.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRoomServer, type RoomServer } from '@kurento-room/server';
import type { Page } from 'playwright-core';
import { chromiumAvailable, chromiumPath, launchChromium, waitForFrames, type LaunchedBrowser } from '../../../testing/chromium.js';
import { ensureBrowserScript } from '../../../testing/clientBuild.js';
import { examplesDir, joinMinimalExample } from './support/minimalExample.js';

const skip = chromiumAvailable() ? false : `Chromium not found at ${chromiumPath} (install it or set CHROMIUM_PATH)`;

// Keeps every RTCPeerConnection the page makes, so the test can ask each which pair it selected.
const KEEP_PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      window.__pcs.push(this);
    }
  };
})()`;

// For each connected peer connection: the protocol of the local candidate of its selected pair.
const SELECTED_PROTOCOLS = `(async () => {
  const out = [];
  for (const pc of window.__pcs) {
    if (pc.connectionState !== 'connected') continue;
    const stats = [...(await pc.getStats()).values()];
    const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
    const local = stats.find((s) => s.id === pair?.localCandidateId);
    out.push(local ? local.protocol : 'none');
  }
  return out;
})()`;

describe('a browser with UDP blocked, over ICE-TCP', { skip }, () => {
  let server: RoomServer;
  let chromium: LaunchedBrowser;

  before(async () => {
    ensureBrowserScript();
    server = await createRoomServer({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'warn',
      media: { iceTcpPort: 0 },
      staticMounts: [{ prefix: '/examples/', dir: examplesDir }],
    });
    chromium = await launchChromium(['--webrtc-ip-handling-policy=disable_non_proxied_udp']);
  });

  after(async () => {
    await chromium?.close();
    await server?.close();
  });

  function join(user: string, room: string): Promise<Page> {
    return joinMinimalExample(chromium, server.url, user, room, (page) => page.addInitScript(KEEP_PEER_CONNECTIONS));
  }

  it('two people join and see each other decoded, every connection on TCP', async () => {
    const alice = await join('alice', 'tcp-only');
    const bob = await join('bob', 'tcp-only');
    const aliceSawBob = await waitForFrames(alice, '#videos > video#native-video-bob_webcam', 10, 45_000);
    const bobSawAlice = await waitForFrames(bob, '#videos > video#native-video-alice_webcam', 10, 45_000);
    assert.ok(aliceSawBob >= 10 && bobSawAlice >= 10, `frames presented: alice saw ${aliceSawBob}, bob saw ${bobSawAlice}`);
    for (const page of [alice, bob]) {
      const protocols = (await page.evaluate(SELECTED_PROTOCOLS)) as string[];
      // Each page publishes one stream and receives the other's.
      assert.deepEqual(protocols, ['tcp', 'tcp']);
    }
    await Promise.all([alice.close(), bob.close()]);
  });
});
