/**
 * Media across nodes: users connected to three different nodes of a cluster (real Redis, the
 * werift SFU in each node) publish and subscribe in one room; their peer connections are answered
 * by the room node's SFU, the ICE candidates cross nodes, and every user decodes everybody's video.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRoomServer, type RoomServer } from '../../src/index.js';
import { MediaUser } from '../helpers/MediaUser.js';
import { eventually } from '../helpers/RpcTestClient.js';
import { startRedis, type TestRedis } from '../../../../testing/redis.js';

const SMALL = { width: 160, height: 120, fps: 15 } as const;

describe('media across cluster nodes', () => {
  let redis: TestRedis;
  let nodes: RoomServer[] = [];
  const users: MediaUser[] = [];

  before(async () => {
    redis = await startRedis();
    nodes = await Promise.all(
      ['m1', 'm2', 'm3'].map((nodeId) =>
        createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'error', media: { workers: 1 }, cluster: { redisUrl: redis.url, nodeId, keyPrefix: 'media:', heartbeatMs: 200, nodeTtlMs: 1000 } }),
      ),
    );
    await eventually(async () => (await nodes[0]!.clusterStats())!.nodes.length === 3, 5000, 'three nodes');
  });
  after(async () => {
    for (const u of users) u.close();
    await Promise.all(nodes.map((n) => n.close()));
    await redis?.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
  });

  it('three users on three nodes decode each other; only the room node carries media', async () => {
    const names = ['ann', 'ben', 'cat'];
    for (const [i, name] of names.entries()) users.push(await MediaUser.join(nodes[i]!.wsUrl, name, 'stage'));
    for (const user of users) await user.publish(SMALL);
    for (const user of users) for (const other of names.filter((n) => n !== user.name)) await user.subscribe(other);
    for (const user of users) {
      for (const other of names.filter((n) => n !== user.name)) {
        const peer = user.subscribers.get(other)!;
        await eventually(() => peer.framesDecoded() >= 10, 30_000, `${user.name} decoding ${other}`);
      }
    }
    const stats = await Promise.all(nodes.map((n) => n.stats()));
    const owner = (await nodes[0]!.clusterStats())!.nodes.find((n) => n.rooms === 1)!.node;
    for (const [i, s] of stats.entries()) {
      const expected = nodes[i]!.nodeId === owner ? 9 : 0;
      assert.equal(s.media.peerConnections, expected, `${nodes[i]!.nodeId}: peer connections`);
    }
    console.log(`# room node ${owner}; every user decoded 10 frames of each other user`);
  });
});
