/**
 * The cluster's Redis building blocks against a real redis-server on a free loopback port:
 * heartbeats and failure detection, atomic room claims, request/reply between nodes, and what
 * each does while Redis is down and after it returns empty.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClusterBus, RemoteError } from '../../src/cluster/ClusterBus.js';
import { ClusterError } from '../../src/cluster/ClusterError.js';
import { ClusterKeys } from '../../src/cluster/keys.js';
import { NodeRegistry, type NodeLoad } from '../../src/cluster/NodeRegistry.js';
import { RedisLink } from '../../src/cluster/RedisLink.js';
import { RoomDirectory } from '../../src/cluster/RoomDirectory.js';
import { createLogger } from '../../src/log.js';
import { startRedis, type TestRedis } from '../../../../testing/redis.js';

const log = createLogger('silent');
const idle = (): NodeLoad => ({ rooms: 0, participants: 0, peerConnections: 0, cpu: 0 });

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface TestNode {
  id: string;
  link: RedisLink;
  registry: NodeRegistry;
  rooms: RoomDirectory;
  bus: ClusterBus;
  close(): Promise<void>;
}

async function node(redis: TestRedis, id: string, keys: ClusterKeys, load: () => NodeLoad = idle): Promise<TestNode> {
  const link = new RedisLink(redis.url, log);
  await link.connect();
  const registry = new NodeRegistry(link, keys, id, `127.0.0.1:${id}`, load, log, { heartbeatMs: 100, ttlMs: 500 });
  const bus = new ClusterBus(link, keys, id, log, { requestTimeoutMs: 1000, maxPending: 3 });
  await bus.start();
  registry.start();
  return {
    id,
    link,
    registry,
    rooms: new RoomDirectory(link, keys),
    bus,
    async close() {
      bus.close();
      await registry.close();
      await link.close();
    },
  };
}

describe('cluster primitives on a real Redis', () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.close();
  });

  it('nodes see each other with their load; a node that stops beating is declared down after the TTL, one that leaves cleanly at once', async () => {
    const keys = new ClusterKeys('t1:');
    const a = await node(redis, 'a', keys);
    const b = await node(redis, 'b', keys, () => ({ rooms: 2, participants: 5, peerConnections: 9, cpu: 0.1 }));
    const c = await node(redis, 'c', keys);
    try {
      await waitFor('three live nodes', () => a.registry.liveNodes().length === 3);
      assert.deepEqual(a.registry.liveNodes().find((n) => n.id === 'b')!.load, { rooms: 2, participants: 5, peerConnections: 9, cpu: 0.1 });
      // a and c are idle; ties broken by id.
      assert.equal(a.registry.leastLoaded(), 'a');
      await a.registry.setDraining(true);
      await waitFor('a seen draining', () => c.registry.liveNodes().find((n) => n.id === 'a')?.draining === true);
      assert.equal(c.registry.leastLoaded(), 'c');

      const down: string[] = [];
      a.registry.on('nodeDown', (id) => down.push(id));
      // b dies without a word: its connection drops, its key expires after the TTL.
      const silenced = Date.now();
      await b.link.close();
      await b.registry.close();
      await waitFor('b declared down', () => down.includes('b'));
      const elapsed = Date.now() - silenced;
      assert.ok(elapsed >= 400, `b was declared down after ${elapsed} ms, before its TTL could expire`);
      assert.equal(a.registry.isLive('b'), false);
      b.bus.close();

      // c leaves cleanly (its key and its entry deleted): down at the next read, no TTL wait.
      await c.close();
      await a.registry.beat();
      assert.ok(down.includes('c'));
      assert.deepEqual(a.registry.liveNodes().map((n) => n.id), ['a']);
    } finally {
      await a.close();
      await c.close();
    }
  });

  it('a room claimed by many nodes at once gets one owner; the owner releases it; a dead owner loses it to the next claim', async () => {
    const keys = new ClusterKeys('t2:');
    const nodes = await Promise.all(['n1', 'n2', 'n3'].map((id) => node(redis, id, keys)));
    try {
      await waitFor('three live nodes', () => nodes[0]!.registry.liveNodes().length === 3);
      const claims = await Promise.all(Array.from({ length: 30 }, (_, i) => nodes[i % 3]!.rooms.claim('lobby', nodes[i % 3]!.id)));
      assert.equal(new Set(claims).size, 1, `owners: ${[...new Set(claims)].join(', ')}`);
      const owner = claims[0]!;
      assert.equal(await nodes[1]!.rooms.owner('lobby'), owner);
      assert.deepEqual(await nodes[0]!.rooms.roomsOf(owner), ['lobby']);
      assert.deepEqual(await nodes[2]!.rooms.all(), new Map([['lobby', owner]]));

      // Only the owner's release counts.
      const other = nodes.find((n) => n.id !== owner)!;
      assert.equal(await other.rooms.release('lobby', other.id), false);
      assert.equal(await nodes[0]!.rooms.owner('lobby'), owner);
      assert.equal(await nodes[0]!.rooms.release('lobby', owner), true);
      assert.equal(await nodes[0]!.rooms.owner('lobby'), null);

      // n1 owns 'hall' and dies: the next claim moves it.
      assert.equal(await nodes[0]!.rooms.claim('hall', 'n1'), 'n1');
      await nodes[0]!.close();
      assert.equal(await nodes[1]!.rooms.owner('hall'), null);
      assert.equal(await nodes[1]!.rooms.claim('hall', 'n2'), 'n2');
      assert.deepEqual(await nodes[1]!.rooms.roomsOf('n1'), []);
      assert.deepEqual(await nodes[1]!.rooms.roomsOf('n2'), ['hall']);
      // A candidate without a heartbeat (dead, not yet noticed by the claimant) gets nothing.
      await assert.rejects(nodes[1]!.rooms.claim('attic', 'n1'), (e: unknown) => e instanceof ClusterError && e.code === 'NODE_GONE');
      assert.equal(await nodes[1]!.rooms.owner('attic'), null);
    } finally {
      await nodes[1]!.close();
      await nodes[2]!.close();
    }
  });

  it('requests are answered across nodes; errors, a gone node, a silent node and too many waiting requests are clear errors', async () => {
    const keys = new ClusterKeys('t3:');
    const a = await node(redis, 'a', keys);
    const b = await node(redis, 'b', keys);
    try {
      b.bus.handle(async (from, body) => {
        const { op, value } = body as { op: string; value: number };
        if (op === 'double') return { from, doubled: value * 2 };
        if (op === 'hang') return new Promise(() => undefined);
        throw Object.assign(new Error(`unknown op ${op}`), { code: 'BAD_OP' });
      });
      assert.deepEqual(await a.bus.request('b', { op: 'double', value: 21 }), { from: 'a', doubled: 42 });
      await assert.rejects(a.bus.request('b', { op: 'nope', value: 0 }), (e: unknown) => e instanceof RemoteError && e.code === 'BAD_OP' && /unknown op nope/.test(e.message));
      await assert.rejects(a.bus.request('ghost', { op: 'double', value: 1 }), (e: unknown) => e instanceof ClusterError && e.code === 'NODE_GONE');
      await assert.rejects(a.bus.request('b', { op: 'hang', value: 0 }, 300), (e: unknown) => e instanceof ClusterError && e.code === 'NODE_TIMEOUT');
      const hanging = [1, 2, 3].map(() => a.bus.request('b', { op: 'hang', value: 0 }, 500).catch((e: Error) => e));
      await assert.rejects(a.bus.request('b', { op: 'double', value: 1 }), (e: unknown) => e instanceof ClusterError && e.code === 'BUSY');
      for (const e of await Promise.all(hanging)) assert.equal((e as ClusterError).code, 'NODE_TIMEOUT');

      const posts: unknown[] = [];
      b.bus.on('post', (from, body) => posts.push({ from, body }));
      assert.equal(await a.bus.post('b', { hello: 1 }), true);
      assert.equal(await a.bus.post('ghost', { hello: 2 }), false);
      await waitFor('the post', () => posts.length === 1);
      assert.deepEqual(posts, [{ from: 'a', body: { hello: 1 } }]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('Redis stopped: clear errors, nobody declared down; Redis back empty: nodes register again, re-claim, and requests flow', async () => {
    const own = await startRedis();
    const keys = new ClusterKeys('t4:');
    const a = await node(own, 'a', keys);
    const b = await node(own, 'b', keys);
    try {
      b.bus.handle(async () => 'pong');
      await waitFor('two live nodes', () => a.registry.liveNodes().length === 2);
      assert.equal(await a.rooms.claim('kept', 'a'), 'a');
      const down: string[] = [];
      a.registry.on('nodeDown', (id) => down.push(id));
      b.registry.on('nodeDown', (id) => down.push(id));

      await own.stop(true);
      await waitFor('a sees Redis down', () => !a.link.up);
      await assert.rejects(a.rooms.claim('new', 'a'), (e: unknown) => e instanceof ClusterError && e.code === 'REDIS_UNAVAILABLE');
      await assert.rejects(a.bus.request('b', {}), (e: unknown) => e instanceof ClusterError && e.code === 'REDIS_UNAVAILABLE');
      await new Promise((r) => setTimeout(r, 1000));

      await own.start();
      await waitFor('both links up', () => a.link.up && b.link.up);
      // Empty Redis: the room key is gone until its holder claims it again.
      assert.equal(await b.rooms.owner('kept'), null);
      await a.registry.beat();
      assert.equal(await a.rooms.claim('kept', 'a'), 'a');
      await waitFor('both nodes registered again', async () => (await b.link.commands.smembers(keys.nodes())).length === 2);
      assert.equal(await a.bus.request('b', {}), 'pong');
      // Past the registration grace: still nobody declared down.
      await new Promise((r) => setTimeout(r, 800));
      assert.deepEqual(down, []);
      assert.equal(a.registry.liveNodes().length, 2);
    } finally {
      await a.close();
      await b.close();
      await own.close();
    }
  });
});
