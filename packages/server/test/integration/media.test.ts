import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createRoomServer, type RoomServer } from '../../src/index.js';
import { framesAdvance, MediaUser } from '../helpers/MediaUser.js';
import { eventually } from '../helpers/RpcTestClient.js';

// The real server with the werift SFU, real libwebrtc peers: frames are encoded, forwarded
// through the server and decoded on the far side.
let server: RoomServer;
let users: MediaUser[] = [];

before(async () => {
  server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'warn', reconnectionGraceMs: 200 });
});
after(async () => {
  await server.close();
});
afterEach(async () => {
  for (const u of users) u.close();
  users = [];
  await eventually(async () => {
    const s = await server.stats();
    return s.rooms === 0 && s.participants === 0 && s.media.peerConnections === 0;
  }, 8000, 'the server to release everything');
});

async function join(name: string, room: string, dataChannels = false): Promise<MediaUser> {
  const u = await MediaUser.join(server.wsUrl, name, room, dataChannels);
  users.push(u);
  return u;
}

describe('media through the room server', () => {
  it('loopback: a publisher with doLoopback decodes its own video', async () => {
    const alice = await join('alice', 'loop');
    const peer = await alice.publish({ loopback: true });
    await peer.waitForFramesReceived(10);
  });

  it('3 publishers each watched by the other 2; unpublish and unsubscribe affect only their stream', async () => {
    const names = ['ann', 'ben', 'cat'];
    const u = await Promise.all(names.map((n) => join(n, 'three')));
    await Promise.all(u.map((x) => x.publish()));
    for (const x of u) for (const y of u) if (x !== y) await x.subscribe(y.name);
    await Promise.all(u.flatMap((x) => [...x.subscribers.values()].map((s) => s.waitForFrames(10, 20_000))));
    let stats = await server.stats();
    assert.equal(stats.media.publishers, 3);
    assert.equal(stats.media.subscribers, 6);
    assert.ok(stats.media.rtpPacketsOut > 0);

    // ann unsubscribes from ben: only ann loses ben
    const [ann, ben, cat] = u as [MediaUser, MediaUser, MediaUser];
    await ann.unsubscribe('ben');
    await eventually(async () => (await server.stats()).media.subscribers === 5, 5000, 'one subscriber released');
    const annBen = ann.subscribers.get('ben')!;
    assert.equal(await framesAdvance(() => annBen.framesDecoded()), false, 'ann no longer decodes ben');
    assert.equal(await framesAdvance(() => cat.subscribers.get('ben')!.framesDecoded()), true, 'cat still decodes ben');

    // cat unpublishes: ann and ben lose cat, keep the rest, and are told
    await cat.unpublish();
    for (const x of [ann, ben]) await x.rpc.waitForNotification('participantUnpublished', (p) => p.name === 'cat');
    await eventually(async () => (await server.stats()).media.subscribers === 3, 5000, 'subscribers of cat released');
    stats = await server.stats();
    assert.equal(stats.media.publishers, 2);
    assert.equal(stats.participants, 3, 'cat is still in the room');
    assert.equal(await framesAdvance(() => ben.subscribers.get('cat')!.framesDecoded()), false, 'ben no longer gets cat');
    assert.equal(await framesAdvance(() => ben.subscribers.get('ann')!.framesDecoded()), true, 'ben still gets ann');
    assert.equal(await framesAdvance(() => cat.subscribers.get('ann')!.framesDecoded()), true, 'cat still gets ann');
  });

  it('data channel messages reach subscribers that negotiated one', async () => {
    const alice = await join('alice', 'data', true);
    const bob = await join('bob', 'data');
    const carol = await join('carol', 'data');
    const pub = await alice.publish({ dataChannel: true });
    const withChannel = await bob.subscribe('alice', { dataChannel: true });
    const without = await carol.subscribe('alice');
    await pub.waitForDataChannelOpen();
    await withChannel.waitForDataChannelOpen();
    await without.waitForFrames(3);
    pub.sendData('hello');
    pub.sendData('world');
    await withChannel.waitForMessages(2);
    assert.deepEqual(withChannel.messages(), ['hello', 'world']);
    assert.deepEqual(without.messages(), []);
    assert.ok((await server.stats()).media.dataMessagesOut >= 2);
  });

  it('leave, socket loss and room close release every peer connection', async () => {
    const a = await join('a', 'bye');
    const b = await join('b', 'bye');
    const c = await join('c', 'bye');
    await a.publish();
    await b.publish();
    await b.subscribe('a');
    await c.subscribe('a');
    await c.subscribe('b');
    await c.subscribers.get('b')!.waitForFrames(5);
    assert.equal((await server.stats()).media.peerConnections, 5);
    await a.rpc.request('leaveRoom', {});
    await eventually(async () => (await server.stats()).media.peerConnections === 2, 5000, 'a and its subscribers released');
    b.close(); // socket loss: released after the grace period
    await eventually(async () => (await server.stats()).media.peerConnections === 0, 5000, 'b released');
    assert.deepEqual((await c.rpc.waitForNotification('participantLeft', (p) => p.name === 'b', 3000)).params, { name: 'b' });
    const res = await fetch(`${server.url}/close?room=bye`);
    assert.equal(res.status, 200);
    await c.rpc.waitForNotification('roomClosed');
  });
});
