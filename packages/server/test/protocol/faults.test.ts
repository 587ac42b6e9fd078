// The room model follows media faults (src/room/FaultCascade.ts), driven through the protocol
// with the fake engine reporting endpoints failed: what each client is told, what is released,
// and that late, repeated and simultaneous failures change nothing more.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { eventually, FAKE_OFFER, type RpcTestClient } from '../helpers/RpcTestClient.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.close();
});

/** The engine id of a live endpoint: ids are `<kind>-<sequence>-<label>`. */
function endpointId(kind: 'pub' | 'sub', label: string): string {
  const id = [...t.engine.endpoints.keys()].find((k) => k.startsWith(`${kind}-`) && k.endsWith(`-${label}`));
  assert.ok(id, `a ${kind} endpoint ${label} in ${[...t.engine.endpoints.keys()].join(', ')}`);
  return id;
}

async function room(name: string): Promise<{ participants: Array<{ name: string; streams: Array<{ id: string }>; subscriptions: Array<{ sender: string }> }> }> {
  return (await (await t.http(`/api/rooms/${name}`)).json()) as never;
}

/** Lets notifications caused by a failure reach the clients. */
const settle = () => new Promise((r) => setTimeout(r, 100));

async function publishAndWatch(streamId?: string, roomName = 'f'): Promise<{ alice: RpcTestClient; bob: RpcTestClient; carol: RpcTestClient }> {
  const alice = await t.join('alice', roomName);
  const bob = await t.join('bob', roomName);
  const carol = await t.join('carol', roomName);
  const sender = `alice_${streamId ?? 'webcam'}`;
  assert.ok((await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false, ...(streamId ? { streamId } : {}) })).result);
  for (const c of [bob, carol]) assert.ok((await c.request('receiveVideoFrom', { sender, sdpOffer: FAKE_OFFER })).result);
  return { alice, bob, carol };
}

describe('media faults', () => {
  it('a dead subscription is released and its owner told which endpoint died', async () => {
    const { alice, bob, carol } = await publishAndWatch();
    const id = endpointId('sub', 'bob<alice_webcam');
    t.engine.emitEvent('endpointState', id, 'failed', { cause: 'dtls-closed', silentMs: 0 });
    const error = await bob.waitForNotification('mediaError');
    assert.equal(error.params.endpointName, 'alice');
    assert.match(error.params.error as string, /^CONNECTION_CLOSED: .*endpoint 'alice'/);
    assert.equal(t.engine.endpoints.has(id), false, 'the engine endpoint is released');
    const dump = await room('f');
    assert.deepEqual(dump.participants.find((p) => p.name === 'bob')?.subscriptions, []);
    assert.deepEqual(dump.participants.find((p) => p.name === 'carol')?.subscriptions.map((s) => s.sender), ['alice_webcam']);
    assert.equal((await t.server.stats()).subscriptions, 1);

    // A second report of the same failure, and one after the release, change nothing.
    t.engine.emitEvent('endpointState', id, 'failed', { cause: 'inactive', silentMs: 5000 });
    await settle();
    assert.equal(bob.count('mediaError'), 1);
    for (const c of [alice, carol]) assert.equal(c.count('mediaError') + c.count('participantUnpublished'), 0);

    // bob may subscribe again.
    assert.ok((await bob.request('receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: FAKE_OFFER })).result);
    assert.equal((await t.server.stats()).media.subscribers, 2);
  });

  it('a dead publication is unpublished: participantUnpublished (with streamId) to the others, mediaError to its owner', async () => {
    const { alice, bob, carol } = await publishAndWatch('screen');
    t.engine.emitEvent('endpointState', endpointId('pub', 'alice_screen'), 'failed', { cause: 'inactive', silentMs: 5012 });
    for (const c of [bob, carol]) assert.deepEqual((await c.waitForNotification('participantUnpublished')).params, { name: 'alice', streamId: 'screen' });
    const error = await alice.waitForNotification('mediaError');
    assert.equal(error.params.endpointName, 'alice_screen');
    assert.match(error.params.error as string, /^MEDIA_INACTIVE: nothing arrived on endpoint 'alice_screen' for 5012 ms/);
    await eventually(async () => (await t.server.stats()).media.peerConnections === 0, 2000, 'every endpoint released');
    const stats = await t.server.stats();
    assert.deepEqual([stats.participants, stats.publishers, stats.subscriptions], [3, 0, 0]);
    await settle();
    assert.equal(alice.count('participantUnpublished'), 0);
    for (const c of [bob, carol]) assert.equal(c.count('mediaError'), 0, 'subscribers hear participantUnpublished only');
    // The owner may publish the stream again.
    assert.ok((await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false, streamId: 'screen' })).result);
    await bob.waitForNotification('participantPublished');
  });

  it('a failure without a known cause is an ICE failure', async () => {
    const { bob } = await publishAndWatch();
    t.engine.emitEvent('endpointState', endpointId('sub', 'bob<alice_webcam'), 'failed');
    const error = await bob.waitForNotification('mediaError');
    assert.match(error.params.error as string, /^ICE_FAILED: connection of endpoint 'alice' failed; it was released\(errCode=304\)$/);
    assert.equal(error.params.endpointName, 'alice');
  });

  it('simultaneous failures of a publication and its subscriptions, in either order, are each told once', async () => {
    for (const order of ['subscribers first', 'publisher first']) {
      const { alice, bob, carol } = await publishAndWatch(undefined, order);
      const ids = [endpointId('pub', 'alice_webcam'), endpointId('sub', 'bob<alice_webcam'), endpointId('sub', 'carol<alice_webcam')];
      if (order === 'subscribers first') ids.reverse();
      for (const id of ids) t.engine.emitEvent('endpointState', id, 'failed', { cause: 'worker-died', silentMs: 3 });
      await settle();
      assert.equal(alice.count('mediaError'), 1, order);
      for (const c of [bob, carol]) {
        assert.equal(c.count('participantUnpublished'), 1, order);
        // Told of its own subscription only if that failure came before the publication's.
        assert.equal(c.count('mediaError'), order === 'subscribers first' ? 1 : 0, order);
      }
      await eventually(async () => (await t.server.stats()).media.peerConnections === 0, 2000, 'every endpoint released');
      assert.deepEqual((await t.server.stats()).subscriptions, 0);
      for (const c of [alice, bob, carol]) assert.ok((await c.request('leaveRoom', {})).result);
    }
  });

  it('a client that closes its own connection and then says so gets no mediaError: its request wins', async () => {
    const { alice, bob, carol } = await publishAndWatch();
    const pub = endpointId('pub', 'alice_webcam');
    const carolSub = endpointId('sub', 'carol<alice_webcam');
    // The DTLS close_notify of a pc.close() overtakes the request the client sends right after.
    t.engine.emitEvent('endpointState', carolSub, 'failed', { cause: 'dtls-closed', silentMs: 0 });
    assert.ok((await carol.request('leaveRoom', {})).result);
    t.engine.emitEvent('endpointState', pub, 'failed', { cause: 'dtls-closed', silentMs: 0 });
    assert.ok((await alice.request('unpublishVideo', {})).result, 'not an error: the stream was still published');
    await new Promise((r) => setTimeout(r, 1500));
    for (const c of [alice, bob, carol]) assert.equal(c.count('mediaError'), 0);
    assert.equal(bob.count('participantUnpublished'), 1);
    assert.equal((await t.server.stats()).media.peerConnections, 0);
  });

  it('a failure racing an unpublish, an unsubscribe or a leave finds nothing left to do', async () => {
    const { alice, bob, carol } = await publishAndWatch();
    const pub = endpointId('pub', 'alice_webcam');
    const bobSub = endpointId('sub', 'bob<alice_webcam');
    const carolSub = endpointId('sub', 'carol<alice_webcam');
    // Failure first: the unpublish that follows finds nothing published.
    t.engine.emitEvent('endpointState', bobSub, 'failed', { cause: 'dtls-closed' });
    await bob.waitForNotification('mediaError', (p) => p.endpointName === 'alice');
    assert.equal(t.engine.endpoints.has(bobSub), false, 'released by the failure');
    assert.ok((await bob.request('unsubscribeFromVideo', { sender: 'alice_webcam' })).result, 'unsubscribing twice still succeeds');
    // Leave first: the failure of what the leaver held finds no owner.
    assert.ok((await carol.request('leaveRoom', {})).result);
    t.engine.emitEvent('endpointState', carolSub, 'failed', { cause: 'inactive', silentMs: 5000 });
    // Unpublish first, then the failure of the released publisher.
    assert.ok((await alice.request('unpublishVideo', {})).result);
    t.engine.emitEvent('endpointState', pub, 'failed', { cause: 'dtls-closed' });
    await settle();
    assert.equal(alice.count('mediaError'), 0);
    assert.equal(bob.count('mediaError'), 1);
    assert.equal(bob.count('participantUnpublished'), 1);
    assert.equal(carol.count('mediaError'), 0);
    const stats = await t.server.stats();
    assert.deepEqual([stats.participants, stats.publishers, stats.subscriptions, stats.media.peerConnections], [2, 0, 0, 0]);
  });
});
