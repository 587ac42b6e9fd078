// A live subscriber that sends no media and no RTCP reports (libdatachannel's receive-only peers,
// as the benchmark's generator has them) is heard from only through ICE consent: werift's checks,
// answered every 4-6 s (RFC 7675's 5 s ± 20 %). The server's inactivity timeout (its default, as
// deployed) must outlast that, or such peers are released as dead while they receive: at the
// former default of 5 s, 17-19 of 90 benchmark subscriptions were released within 40 s.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRoomServer, type RoomServer } from '@kurento-room/server';
import { startRtpLoad, type RtpLoad } from '../../../../bench/lib/rtpLoadHandle.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Three consent intervals at least: at a 5 s timeout, each 4-6 s gap had an even chance to kill. */
const QUIET_MS = 18_000;

describe('receive-only peers that send no RTCP stay connected (default inactivity timeout)', () => {
  let server: RoomServer;
  let load: RtpLoad;

  before(async () => {
    server = await createRoomServer({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'warn',
    });
    load = await startRtpLoad({ driver: 'kurento-room', wsUrl: server.wsUrl, bindAddress: '127.0.0.1' });
  });

  after(async () => {
    await load?.close();
    await server?.close();
  });

  it(`a room of 3 node-datachannel peers keeps all 6 subscriptions for ${QUIET_MS / 1000} s and every stream flows`, async () => {
    const added = await load.addRooms(['quiet'], 3);
    assert.equal(added.states.connected, added.peers, `connected: ${JSON.stringify(added.states)} ${added.notConnected.join(', ')}`);
    await sleep(QUIET_MS);
    const stats = await server.stats();
    assert.deepEqual([stats.media.publishers, stats.media.subscribers, stats.subscriptions], [3, 6, 6]);
    await load.startWindow();
    await sleep(2_000);
    const window = await load.stopWindow();
    assert.equal(window.subscriberStreams, 12, "a video and an audio stream per subscription");
    // Every subscribed stream received packets in the window: none was released.
    assert.deepEqual([window.streams.video.silent, window.streams.audio.silent], [0, 0], JSON.stringify(window.streams));
    assert.ok(window.streams.video.received > 0 && window.streams.audio.received > 0);
  });
});
