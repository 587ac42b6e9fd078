/**
 * /metrics and /ready on a server with the fake media engine: the live gauges against /api/stats,
 * the JSON-RPC counters and their bounded labels, one registry per server, readiness during
 * shutdown. test/integration/metrics.media.test.ts does the same with real media.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createRoomServer, type RoomServer } from '../../src/index.js';
import { parseExposition, scrape, type Exposition } from '../helpers/exposition.js';
import { FakeMediaEngine } from '../helpers/FakeMediaEngine.js';
import { eventually, FAKE_OFFER } from '../helpers/RpcTestClient.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

let t: TestServer | undefined;
const extra: RoomServer[] = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  await Promise.all(extra.splice(0).map((s) => s.close()));
});

type Stats = Awaited<ReturnType<RoomServer['stats']>>;

/** Every live gauge against the figure /api/stats gives for it. */
function assertGaugesMatch(m: Exposition, stats: Stats): void {
  const expected: Record<string, number> = {
    kurento_room_rooms: stats.rooms,
    kurento_room_participants: stats.participants,
    kurento_room_publishers: stats.publishers,
    kurento_room_subscriptions: stats.subscriptions,
    kurento_room_pending_ice_candidates: stats.pendingCandidates,
    kurento_room_sessions: stats.sessions,
    kurento_room_sessions_in_grace: stats.sessionsInGrace,
    kurento_room_websocket_connections: stats.connections,
    kurento_room_media_publishers: stats.media.publishers,
    kurento_room_media_subscribers: stats.media.subscribers,
    kurento_room_peer_connections: stats.media.peerConnections,
    kurento_room_video_filters: stats.media.videoFilters,
    kurento_room_media_workers: stats.media.workers ?? 0,
  };
  for (const [name, value] of Object.entries(expected)) {
    assert.equal(m.types.get(name), 'gauge', name);
    assert.equal(m.value(name), value, name);
  }
}

describe('/metrics', () => {
  it('gauges read the live state: the figures of /api/stats, sessions in grace included', async () => {
    t = await startTestServer({ reconnectionGraceMs: 60_000 });
    const alice = await t.join('alice', 'r1');
    const bob = await t.join('bob', 'r1');
    await t.join('carol', 'r2');
    await t.connect(); // a session that joined nothing
    assert.ok((await alice.request('publishVideo', { sdpOffer: FAKE_OFFER, doLoopback: false })).result);
    assert.ok((await bob.request('receiveVideoFrom', { sender: 'alice_webcam', sdpOffer: FAKE_OFFER })).result);
    bob.terminate(); // bob's session waits for a reconnection
    await eventually(async () => (await t!.server.stats()).sessionsInGrace === 1, 5000, "bob's session in grace");

    const m = await scrape(t.server.url);
    const stats = (await (await t.http('/api/stats')).json()) as Stats;
    assertGaugesMatch(m, stats);
    // And the state itself, so that a gauge and /api/stats cannot agree on a wrong figure.
    assert.deepEqual(
      [stats.rooms, stats.participants, stats.publishers, stats.subscriptions, stats.sessions, stats.sessionsInGrace, stats.connections],
      [2, 3, 1, 1, 4, 1, 3],
    );
    assert.deepEqual([stats.media.publishers, stats.media.subscribers, stats.media.peerConnections], [1, 1, 2]);
    assert.equal(m.value('kurento_room_keyframe_requests_total'), stats.media.keyFrameRequests);
    assert.equal(m.types.get('kurento_room_rtp_packets_received_total'), 'counter');
  });

  it('counts JSON-RPC requests by method and code, times them, and files unknown methods under one label', async () => {
    t = await startTestServer();
    await t.join('alice', 'r');
    const c = await t.connect();
    assert.equal((await c.request('joinRoom', { user: 'alice', room: 'r' })).error?.code, 104);
    assert.ok((await c.request('ping', { interval: 5000 })).result);
    assert.equal((await c.request('fooBar', {})).error?.code, -32601);
    assert.equal((await c.request('made-up/method', {})).error?.code, -32601);
    void c.sendRaw('this is not json');
    await c.waitForFrame((f) => (f.error as { code?: number } | undefined)?.code === -32700);

    const m = await scrape(t.server.url);
    assert.equal(m.types.get('kurento_room_rpc_requests_total'), 'counter');
    assert.equal(m.value('kurento_room_rpc_requests_total', { method: 'joinRoom', code: 'ok' }), 1);
    assert.equal(m.value('kurento_room_rpc_requests_total', { method: 'joinRoom', code: '104' }), 1);
    assert.equal(m.value('kurento_room_rpc_requests_total', { method: 'ping', code: 'ok' }), 1);
    assert.equal(m.value('kurento_room_rpc_requests_total', { method: 'unknown', code: '-32601' }), 2);
    assert.equal(m.value('kurento_room_rpc_requests_total', { method: 'invalid', code: '-32700' }), 1);
    assert.equal(m.all('kurento_room_rpc_requests_total').length, 5, 'no other series');
    const methods = new Set(m.samples.map((s) => s.labels.method).filter((x) => x !== undefined));
    assert.deepEqual([...methods].sort(), ['invalid', 'joinRoom', 'ping', 'unknown'], 'no client-chosen label value');

    assert.equal(m.types.get('kurento_room_rpc_request_duration_seconds'), 'histogram');
    assert.equal(m.value('kurento_room_rpc_request_duration_seconds_count', { method: 'joinRoom' }), 2);
    assert.equal(m.value('kurento_room_rpc_request_duration_seconds_bucket', { method: 'joinRoom', le: '+Inf' }), 2);
    assert.equal(m.value('kurento_room_rpc_request_duration_seconds_count', { method: 'unknown' }), 2);
    assert.ok(m.value('kurento_room_rpc_request_duration_seconds_sum', { method: 'joinRoom' })! > 0);
    // A frame that never was a request has no arrival to time from.
    assert.equal(m.value('kurento_room_rpc_request_duration_seconds_count', { method: 'invalid' }), undefined);
  });

  it('counts a request refused for the rate under its method', async () => {
    t = await startTestServer({ limits: { requestsPerSecond: 1, requestBurst: 1 } });
    const c = await t.connect();
    // The burst of one is spent by the first (refused for its missing params); the second is
    // refused for the rate before it reaches the room logic.
    const answers = await Promise.all([c.request('sendMessage', {}), c.request('sendMessage', {})]);
    assert.deepEqual(answers.map((a) => a.error?.code), [-32602, -32029]);
    const m = await scrape(t.server.url);
    assert.equal(m.value('kurento_room_rpc_requests_total', { method: 'sendMessage', code: '-32602' }), 1);
    assert.equal(m.value('kurento_room_rpc_requests_total', { method: 'sendMessage', code: '-32029' }), 1);
  });

  it('each server has a registry of its own, process metrics included', async () => {
    t = await startTestServer();
    await t.join('alice', 'r');
    const other = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', mediaEngine: new FakeMediaEngine() });
    extra.push(other);
    const mine = await scrape(t.server.url);
    const theirs = await scrape(other.url);
    assert.equal(mine.value('kurento_room_rpc_requests_total', { method: 'joinRoom', code: 'ok' }), 1);
    assert.equal(theirs.value('kurento_room_rpc_requests_total', { method: 'joinRoom', code: 'ok' }), undefined);
    assert.equal(theirs.value('kurento_room_participants'), 0);
    for (const m of [mine, theirs]) {
      assert.equal(m.types.get('kurento_room_process_cpu_user_seconds_total'), 'counter');
      assert.ok(m.value('kurento_room_process_resident_memory_bytes') !== undefined || m.value('kurento_room_nodejs_heap_size_used_bytes')! > 0);
      assert.ok(m.samples.every((s) => s.name.startsWith('kurento_room_')), 'every name has the prefix');
    }
  });
});

/** A fake engine whose close() waits until the test lets it go, holding the server in its shutdown. */
class HeldCloseEngine extends FakeMediaEngine {
  #release!: () => void;
  readonly #released = new Promise<void>((resolve) => (this.#release = resolve));
  #started!: () => void;
  readonly closeStarted = new Promise<void>((resolve) => (this.#started = resolve));

  override async close(): Promise<void> {
    this.#started();
    await this.#released;
    return super.close();
  }

  letCloseFinish(): void {
    this.#release();
  }
}

describe('/ready', () => {
  it('answers 200, then 503 from the moment close() starts, while /health still answers', async () => {
    const engine = new HeldCloseEngine();
    const server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', mediaEngine: engine });
    const url = server.url;
    const ready = await fetch(`${url}/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });

    const closing = server.close();
    await engine.closeStarted;
    const during = await fetch(`${url}/ready`);
    assert.equal(during.status, 503);
    assert.deepEqual(await during.json(), { status: 'shutting down' });
    assert.equal((await fetch(`${url}/health`)).status, 200, 'alive until the socket closes');
    assert.equal((await fetch(`${url}/metrics`)).status, 200, 'still scraped during the shutdown');

    engine.letCloseFinish();
    await closing;
    await assert.rejects(fetch(`${url}/health`), 'the socket is closed');
  });
});

// parseExposition is exercised on everything above; its escape handling needs a line of its own.
describe('exposition parser (test helper)', () => {
  it('reads labels with escapes, +Inf and timestamps', () => {
    const m = parseExposition('# TYPE x counter\nx{a="q\\"uote",b="back\\\\slash"} 3 1700000000\ny{le="+Inf"} +Inf\n');
    assert.equal(m.value('x', { a: 'q"uote', b: 'back\\slash' }), 3);
    assert.equal(m.value('y'), Infinity);
    assert.equal(m.types.get('x'), 'counter');
  });
});
