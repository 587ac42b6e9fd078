// The client library against a cluster of three server nodes (separate processes, one Redis),
// media through @roamhq/wrtc: users on different nodes in one room, and each failure of issue 13:
// the room's node killed, an edge killed, a drain, Redis stopped and started again. Each test
// prints how long the users took to be back (the closing note and docs/scaling.md quote them).
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { JsonRpcErrorCode } from '@kurento-room/protocol';
import type { WebSocket } from 'ws';
import { until } from './support/harness.js';
import { stopAllMedia } from './support/nodeMedia.js';
import { keepsDecoding, NodeUser } from './support/nodeUser.js';
import { Balancer, ownerOf, rawRequest, startCluster, type Cluster, type NodeProcess } from './support/clusterBed.js';

let cluster: Cluster | undefined;
const users: NodeUser[] = [];
const sockets: WebSocket[] = [];
const balancers: Balancer[] = [];

afterEach(async () => {
  for (const user of users.splice(0)) {
    user.stopCounters();
    await user.kurento.close(true).catch(() => undefined);
  }
  for (const ws of sockets.splice(0)) ws.terminate();
  for (const b of balancers.splice(0)) await b.close();
  stopAllMedia();
  await cluster?.close();
  cluster = undefined;
});

function report(what: string, ms: number): void {
  console.log(`# cluster recovery: ${what}: ${ms} ms`);
}

async function join(wsUrl: string, name: string, room: string): Promise<NodeUser> {
  const user = await NodeUser.join(wsUrl, name, room, true, { reconnectTimeout: 30_000 });
  users.push(user);
  return user;
}

/**
 * Creates `room` (a bare client joins it through the first node) and tells which node owns it and
 * which two do not: the users then join through those, so that every command crosses nodes.
 */
async function roomWithOwner(room: string): Promise<{ owner: NodeProcess; edges: [NodeProcess, NodeProcess] }> {
  const { ws, response } = await rawRequest(cluster!.nodes[0]!.wsUrl, 'joinRoom', { user: 'keeper', room });
  sockets.push(ws);
  assert.equal(response.error, undefined, response.error?.message);
  const ownerId = await ownerOf(cluster!.nodes[0]!, room);
  const owner = cluster!.nodes.find((n) => n.id === ownerId)!;
  const others = cluster!.nodes.filter((n) => n !== owner);
  return { owner, edges: [others[0]!, others[1]!] };
}

async function decodingBothWays(a: NodeUser, b: NodeUser, frames = 10, ms = 30_000): Promise<void> {
  const [fromB, fromA] = [a.frames(b.name), b.frames(a.name)];
  await Promise.all([a.waitForFrames(b.name, fromB + frames, ms), b.waitForFrames(a.name, fromA + frames, ms)]);
}

describe('client library against three server nodes through Redis', () => {
  it("the room's node killed: everyone is back in the room on another node and decoding", async () => {
    cluster = await startCluster(['k1', 'k2', 'k3']);
    const { owner, edges } = await roomWithOwner('crash');
    const alice = await join(edges[0].wsUrl, 'alice', 'crash');
    const bob = await join(edges[1].wsUrl, 'bob', 'crash');
    await decodingBothWays(alice, bob);

    const killed = Date.now();
    owner.child.kill('SIGKILL');
    const [a, b] = await Promise.all([
      alice.waitForEvent('reconnected', (e) => e.rejoined === true, 30_000),
      bob.waitForEvent('reconnected', (e) => e.rejoined === true, 30_000),
    ]);
    assert.deepEqual([a, b], [{ room: 'crash', rejoined: true }, { room: 'crash', rejoined: true }]);
    await until(() => alice.received.get('bob_webcam')?.stream.isConnected() === true && bob.received.get('alice_webcam')?.stream.isConnected() === true, 'resubscribed', 30_000);
    await decodingBothWays(alice, bob);
    report('room node SIGKILL to both decoding again', Date.now() - killed);
    const newOwner = await ownerOf(edges[0], 'crash');
    assert.ok(newOwner === edges[0].id || newOwner === edges[1].id, `room now on ${newOwner}`);
    assert.equal(alice.eventsOf('lost-connection').length + bob.eventsOf('lost-connection').length, 0);
  });

  it('an edge killed: its client resumes through another node, the media never stops', async () => {
    cluster = await startCluster(['e1', 'e2', 'e3']);
    const { owner, edges } = await roomWithOwner('edge');
    const balancer = await new Balancer(edges[0].port).listen();
    balancers.push(balancer);
    const alice = await join(balancer.wsUrl, 'alice', 'edge');
    const bob = await join(edges[1].wsUrl, 'bob', 'edge');
    await decodingBothWays(alice, bob);

    const killed = Date.now();
    // The load balancer sends new connections to a live node (here: the room's own).
    balancer.target = owner.port;
    edges[0].child.kill('SIGKILL');
    const back = await alice.waitForEvent('reconnected', () => true, 30_000);
    report('edge SIGKILL to session resumed through another node', Date.now() - killed);
    assert.deepEqual(back, { room: 'edge', rejoined: false }, 'resumed, not rejoined');
    assert.ok(await keepsDecoding(() => bob.frames('alice')), 'bob kept decoding alice');
    assert.ok(await keepsDecoding(() => alice.frames('bob')), 'alice kept decoding bob');
    // Commands and notifications go through the new edge.
    await alice.kurento.sendMessage('edge', 'alice', 'through the new edge');
    await bob.waitForEvent('newMessage', (m) => m.message === 'through the new edge', 10_000);
    assert.equal(bob.eventsOf('participant-left').length, 0, 'nobody left');
  });

  it('a drain (SIGTERM): no new rooms on the node, then its room moves and everyone decodes again', async () => {
    cluster = await startCluster(['d1', 'd2', 'd3'], ['--drain-timeout', '4000']);
    const { owner, edges } = await roomWithOwner('drain');
    const alice = await join(edges[0].wsUrl, 'alice', 'drain');
    const bob = await join(edges[1].wsUrl, 'bob', 'drain');
    await decodingBothWays(alice, bob);

    const signalled = Date.now();
    owner.child.kill('SIGTERM');
    // Not ready at once; new rooms go elsewhere, even when asked through the draining node.
    for (let i = 0; ; i++) {
      const status = await fetch(`${owner.url}/ready`).then((r) => r.status, () => 0);
      if (status === 503) break;
      assert.ok(i < 100, `/ready still ${status}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const { ws, response } = await rawRequest(owner.wsUrl, 'joinRoom', { user: 'late', room: 'fresh' });
    sockets.push(ws);
    assert.equal(response.error, undefined, response.error?.message);
    assert.notEqual(await ownerOf(edges[0], 'fresh'), owner.id);
    // The room still runs until the drain timeout.
    assert.ok(await keepsDecoding(() => bob.frames('alice'), 5, 2000), 'media goes on while draining');
    await Promise.all([alice.waitForEvent('reconnected', (e) => e.rejoined === true, 30_000), bob.waitForEvent('reconnected', (e) => e.rejoined === true, 30_000)]);
    await until(() => alice.received.get('bob_webcam')?.stream.isConnected() === true && bob.received.get('alice_webcam')?.stream.isConnected() === true, 'resubscribed', 30_000);
    await decodingBothWays(alice, bob);
    report('drain: SIGTERM to both decoding on another node (drain timeout 4000 ms)', Date.now() - signalled);
    assert.equal(await owner.exited, 0, 'the drained node exits cleanly');
    assert.ok([edges[0].id, edges[1].id].includes((await ownerOf(edges[0], 'drain'))!));
  });

  it('Redis stopped: the room goes on, new cross-node actions get a clear error; Redis back empty: the cluster recovers', async () => {
    cluster = await startCluster(['r1', 'r2', 'r3']);
    const { owner, edges } = await roomWithOwner('store');
    const alice = await join(edges[0].wsUrl, 'alice', 'store');
    const bob = await join(edges[1].wsUrl, 'bob', 'store');
    await decodingBothWays(alice, bob);

    await cluster.redis.stop(true);
    assert.ok(await keepsDecoding(() => bob.frames('alice')), 'media goes on without Redis');
    assert.ok(await keepsDecoding(() => alice.frames('bob')), 'both ways');
    const refused = await rawRequest(edges[0].wsUrl, 'joinRoom', { user: 'eve', room: 'newroom' });
    sockets.push(refused.ws);
    assert.equal(refused.response.error?.code, JsonRpcErrorCode.UNAVAILABLE);
    assert.match(refused.response.error!.message, /Redis/);

    const restarted = Date.now();
    await cluster.redis.start();
    // Cross-node chat works again once the nodes are back on the bus.
    let delivered = false;
    bob.room.on('newMessage', (m: { message: string }) => (delivered ||= m.message.startsWith('after redis')));
    for (let i = 0; !delivered; i++) {
      assert.ok(Date.now() - restarted < 30_000, 'chat did not cross nodes again');
      await alice.kurento.sendMessage('store', 'alice', `after redis ${i}`).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    }
    report('Redis restarted empty to cross-node chat delivered', Date.now() - restarted);
    // The owner claimed its room again; new rooms can be made; nobody left or rejoined.
    for (let i = 0; (await ownerOf(edges[1], 'store')) !== owner.id; i++) {
      assert.ok(i < 100, 'the room was not claimed again by its node');
      await new Promise((r) => setTimeout(r, 100));
    }
    const fresh = await rawRequest(edges[0].wsUrl, 'joinRoom', { user: 'eve', room: 'newroom' });
    sockets.push(fresh.ws);
    assert.equal(fresh.response.error, undefined, fresh.response.error?.message);
    assert.equal(alice.eventsOf('reconnected').length + bob.eventsOf('reconnected').length, 0);
    assert.equal(alice.eventsOf('participant-left').length + bob.eventsOf('participant-left').length, 0);
    await decodingBothWays(alice, bob, 5);
  });
});
