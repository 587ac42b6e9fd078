// Server-side active speakers end to end: the real room server with its werift SFU on worker
// threads, real libwebrtc publishers (one sends a 440 Hz tone, one digital silence), and every
// participant driven as an original Kurento Room client would be (it handles iceCandidate and
// ignores notifications it does not know). The levels come from libwebrtc's own RFC 6464
// header extension; nothing in the test fakes them.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createRoomServer, type RoomServer } from '../../src/index.js';
import { MediaUser } from '../helpers/MediaUser.js';
import { eventually, type RpcTestClient } from '../helpers/RpcTestClient.js';

const TIMEOUT = 30_000;
let server: RoomServer;
let users: MediaUser[] = [];

before(async () => {
  server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'warn', media: { workers: 2, prestartWorkers: true } });
  // Answered once both media workers have loaded werift (many seconds on a busy machine), so
  // that the 15 s a publish may take is spent negotiating, not waiting for a thread to start.
  assert.equal((await server.stats()).media.workers, 2);
});
after(async () => {
  await server.close();
  // libwebrtc finishes closing on its own threads (see the media tests).
  await new Promise((resolve) => setTimeout(resolve, 500));
});
afterEach(async () => {
  for (const u of users) u.close();
  users = [];
  await eventually(async () => (await server.stats()).media.peerConnections === 0, 8000, 'the server to release everything');
});

async function join(name: string, room: string): Promise<MediaUser> {
  const u = await MediaUser.join(server.wsUrl, name, room);
  users.push(u);
  return u;
}

/** Every activeSpeakersChanged a client got, as `user/stream` lists. */
function speakerLists(c: RpcTestClient): string[][] {
  return c.notifications
    .filter((n) => n.method === 'activeSpeakersChanged')
    .map((n) => (n.params.speakers as Array<{ id: string; streamId: string }>).map((s) => `${s.id}/${s.streamId}`));
}

describe('active speakers through the room server', () => {
  it('names the publisher of a tone to everyone, never the silent one; an original client subscribes and chats meanwhile', async () => {
    const tone = await join('tone', 'speakers');
    const silent = await join('silent', 'speakers');
    const carol = await join('carol', 'speakers');
    await tone.publish({ video: false, toneAmplitude: 8000 });
    await silent.publish({ video: false, toneAmplitude: 0 });
    const toneAudio = await carol.subscribe('tone', { video: false });
    const silentAudio = await carol.subscribe('silent', { video: false });

    for (const u of [tone, silent, carol]) {
      await eventually(() => speakerLists(u.rpc).some((l) => l.includes('tone/webcam')), TIMEOUT, `${u.name} to hear of tone speaking (got ${JSON.stringify(speakerLists(u.rpc))})`);
    }
    // The media went on through it all: carol receives both publishers' audio.
    for (const [name, peer] of [['tone', toneAudio], ['silent', silentAudio]] as const) {
      await eventually(async () => (await peer.statSum('inbound-rtp', 'audio', 'packetsReceived')) > 0, TIMEOUT, `audio of ${name} at carol`);
    }
    // Three seconds of a steady tone and steady silence: one list, no flapping, never the silent one.
    const before = speakerLists(carol.rpc).length;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(speakerLists(carol.rpc).length, before, `no change while nothing changes: ${JSON.stringify(speakerLists(carol.rpc))}`);
    for (const u of [tone, silent, carol]) {
      assert.deepEqual(speakerLists(u.rpc), [[], ['tone/webcam']], `${u.name} got ${JSON.stringify(speakerLists(u.rpc))}`);
    }

    // The original client's requests are all answered as before.
    const chat = await carol.rpc.request('sendMessage', { message: 'hello', userMessage: 'carol', roomMessage: 'speakers' });
    assert.ok(chat.result, JSON.stringify(chat.error));
    await tone.rpc.waitForNotification('sendMessage', (p) => p.message === 'hello');

    // A participant joining now hears at once who speaks.
    const dave = await join('dave', 'speakers');
    await eventually(() => speakerLists(dave.rpc).length > 0, 5000, 'the list after the join');
    assert.deepEqual(speakerLists(dave.rpc), [['tone/webcam']]);

    // The speaker unpublishes: everyone is told nobody speaks.
    await tone.unpublish();
    for (const u of [silent, carol, dave]) {
      await eventually(() => JSON.stringify(speakerLists(u.rpc).at(-1)) === '[]', TIMEOUT, `${u.name} to hear that nobody speaks`);
      assert.ok(!speakerLists(u.rpc).flat().includes('silent/webcam'), `${u.name} never heard of silent speaking`);
    }
  });
});
