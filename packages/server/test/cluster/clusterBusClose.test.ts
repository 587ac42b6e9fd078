/**
 * A request between nodes still being published when its node closes (or its timeout fires)
 * must reject for its caller only: before the fix it also surfaced as an unhandled rejection,
 * which ends a Node process (seen as a crash of a node closing under the cluster benchmark).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClusterBus } from '../../src/cluster/ClusterBus.js';
import { ClusterError } from '../../src/cluster/ClusterError.js';
import { ClusterKeys } from '../../src/cluster/keys.js';
import { RedisLink } from '../../src/cluster/RedisLink.js';
import { createLogger } from '../../src/log.js';
import { redisAvailable, startRedis, type TestRedis } from '../../../../testing/redis.js';

const log = createLogger('silent');

describe('ClusterBus closing with a request in flight', { skip: redisAvailable() ? false : 'redis-server is not installed' }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.close();
  });

  it('rejects the request with NODE_GONE and leaves no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    const link = new RedisLink(redis.url, log);
    try {
      await link.connect();
      const bus = new ClusterBus(link, new ClusterKeys('busclose:'), 'a', log);
      await bus.start();
      // close() runs while the request's PUBLISH is still on its way to Redis.
      const request = bus.request('b', { type: 'stats' });
      bus.close();
      await assert.rejects(request, (error: unknown) => error instanceof ClusterError && error.code === 'NODE_GONE');
      // Unhandled rejections are reported once the microtasks have run: give them a turn of the loop.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(unhandled.map((e) => (e as Error).message), []);
    } finally {
      process.off('unhandledRejection', record);
      await link.close();
    }
  });
});
