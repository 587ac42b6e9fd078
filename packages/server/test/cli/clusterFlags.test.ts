import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultNodeId, redactRedisUrl } from '../../src/cluster/ClusterOptions.js';
import { options, rejects } from './configHelpers.js';

describe('cluster flags', () => {
  it('--redis / REDIS_URL, --node-id / NODE_ID and --drain-timeout / DRAIN_TIMEOUT make a node; without --redis there is none', () => {
    assert.deepEqual(options(['--redis', 'redis://10.0.0.5:6379', '--node-id', 'east-1', '--drain-timeout', '30000']).cluster, {
      redisUrl: 'redis://10.0.0.5:6379',
      nodeId: 'east-1',
      drainTimeoutMs: 30_000,
    });
    assert.deepEqual(options([], { REDIS_URL: 'rediss://r.example:6380', NODE_ID: 'b', DRAIN_TIMEOUT: '0' }).cluster, { redisUrl: 'rediss://r.example:6380', nodeId: 'b', drainTimeoutMs: 0 });
    assert.deepEqual(options(['--redis', 'redis://flag:1'], { REDIS_URL: 'redis://env:2' }).cluster, { redisUrl: 'redis://flag:1' });
    assert.equal(options([]).cluster, undefined);
  });

  it('rejects a URL that is not redis, a bad node id, and node flags without --redis', () => {
    rejects(['--redis', 'http://r:6379'], {}, "--redis takes a redis:// or rediss:// URL, e.g. redis://10.0.0.5:6379, got 'http://r:6379'");
    rejects(['--redis', 'redis://r', '--node-id', 'a b'], {}, "--node-id takes 1-64 letters, digits, '.', '_' or '-', got 'a b'");
    rejects(['--node-id', 'a'], {}, '--node-id needs --redis (REDIS_URL): a node id names this server in a cluster');
    rejects([], { DRAIN_TIMEOUT: '5' }, /--drain-timeout needs --redis/);
    rejects(['--redis', 'redis://r', '--drain-timeout', '-1'], {}, /--drain-timeout/);
  });

  it('the default node id is the host name and the port, in characters a key and a label take', () => {
    assert.match(defaultNodeId(8080), /^[A-Za-z0-9._-]+-8080$/);
  });

  it('a password in the Redis URL never reaches the logs', () => {
    assert.equal(redactRedisUrl('redis://:s3cret@10.0.0.5:6379/0'), 'redis://:***@10.0.0.5:6379/0');
    assert.equal(redactRedisUrl('rediss://user:s3cret@r.example:6380'), 'rediss://user:***@r.example:6380');
    assert.equal(redactRedisUrl('redis://10.0.0.5:6379'), 'redis://10.0.0.5:6379');
  });
});
