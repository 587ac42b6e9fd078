/**
 * /metrics of the real server (werift SFU on two worker threads) with real libwebrtc peers:
 * every gauge against the live state and /api/stats, media counters growing while frames are
 * decoded on the far side, the JSON-RPC counters of a known sequence, the load of each worker.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRoomServer, type RoomServer } from '../../src/index.js';
import { scrape, type Exposition } from '../helpers/exposition.js';
import { MediaUser } from '../helpers/MediaUser.js';
import { RpcTestClient } from '../helpers/RpcTestClient.js';

let server: RoomServer;
const users: MediaUser[] = [];
const clients: RpcTestClient[] = [];

before(async () => {
  server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'warn', media: { workers: 2 } });
});
after(async () => {
  for (const u of users) u.close();
  for (const c of clients) c.terminate();
  await server.close();
  // libwebrtc finishes closing on its own threads; exiting before it is done can abort the
  // process in the binding's finalizers (a @roamhq/wrtc teardown race, not a server fault).
  await new Promise((resolve) => setTimeout(resolve, 500));
});

async function join(name: string, room: string, dataChannels = false): Promise<MediaUser> {
  const u = await MediaUser.join(server.wsUrl, name, room, dataChannels);
  users.push(u);
  return u;
}

const GAUGES = {
  kurento_room_rooms: (s: Stats) => s.rooms,
  kurento_room_participants: (s: Stats) => s.participants,
  kurento_room_publishers: (s: Stats) => s.publishers,
  kurento_room_subscriptions: (s: Stats) => s.subscriptions,
  kurento_room_sessions: (s: Stats) => s.sessions,
  kurento_room_sessions_in_grace: (s: Stats) => s.sessionsInGrace,
  kurento_room_websocket_connections: (s: Stats) => s.connections,
  kurento_room_media_publishers: (s: Stats) => s.media.publishers,
  kurento_room_media_subscribers: (s: Stats) => s.media.subscribers,
  kurento_room_peer_connections: (s: Stats) => s.media.peerConnections,
  kurento_room_media_workers: (s: Stats) => s.media.workers ?? 0,
} as const;
type Stats = Awaited<ReturnType<RoomServer['stats']>>;

const MEDIA_COUNTERS = ['kurento_room_rtp_packets_received_total', 'kurento_room_rtp_bytes_received_total', 'kurento_room_rtp_packets_sent_total', 'kurento_room_rtp_bytes_sent_total'];

const rpc = (m: Exposition, method: string, code: string) => m.value('kurento_room_rpc_requests_total', { method, code });

describe('/metrics with real media on two workers', () => {
  it('gauges are the live state, media counters grow with the media, requests and workers are reported', async () => {
    const alice = await join('alice', 'metrics-a', true);
    const bob = await join('bob', 'metrics-a', true);
    const carol = await join('carol', 'metrics-b');
    const intruder = await RpcTestClient.connect(server.wsUrl);
    clients.push(intruder);
    assert.equal((await intruder.request('joinRoom', { user: 'alice', room: 'metrics-a' })).error?.code, 104);
    assert.equal((await intruder.request('mineBitcoin', {})).error?.code, -32601);

    const pub = await alice.publish({ dataChannel: true });
    const sub = await bob.subscribe('alice', { dataChannel: true });
    const loop = await carol.publish({ loopback: true });
    await Promise.all([sub.waitForFrames(5), loop.waitForFramesReceived(5), pub.waitForDataChannelOpen(), sub.waitForDataChannelOpen()]);
    pub.sendData('one');
    pub.sendData('two');
    await sub.waitForMessages(2);

    // Gauges: the scrape, /api/stats and the state the test built all agree.
    const first = await scrape(server.url);
    const api = (await (await fetch(`${server.url}/api/stats`)).json()) as Stats;
    const live = await server.stats();
    const built = {
      kurento_room_rooms: 2,
      kurento_room_participants: 3,
      kurento_room_publishers: 2,
      kurento_room_subscriptions: 1,
      kurento_room_sessions: 4,
      kurento_room_sessions_in_grace: 0,
      kurento_room_websocket_connections: 4,
      kurento_room_media_publishers: 2,
      kurento_room_media_subscribers: 1,
      kurento_room_peer_connections: 3,
      kurento_room_media_workers: 2,
    };
    for (const [name, read] of Object.entries(GAUGES)) {
      assert.equal(first.types.get(name), 'gauge', name);
      assert.equal(first.value(name), read(api), `${name} against /api/stats`);
      assert.equal(first.value(name), read(live), `${name} against server.stats()`);
      assert.equal(first.value(name), built[name as keyof typeof built], `${name} against what the test built`);
    }

    // Counters grow while media flows: compared across frames decoded, not across time.
    for (const name of MEDIA_COUNTERS) {
      assert.equal(first.types.get(name), 'counter', name);
      assert.ok(first.value(name)! > 0, name);
    }
    await sub.waitForFrames(sub.framesDecoded() + 10);
    const second = await scrape(server.url);
    for (const name of MEDIA_COUNTERS) assert.ok(second.value(name)! > first.value(name)!, `${name} grows: ${first.value(name)} -> ${second.value(name)}`);
    assert.ok(second.value('kurento_room_rtp_bytes_sent_total')! > 12 * second.value('kurento_room_rtp_packets_sent_total')!, 'bytes are bytes, not packets');
    assert.ok(second.value('kurento_room_keyframe_requests_total')! >= 1, 'a keyframe was asked for the new subscriber');
    assert.equal(second.value('kurento_room_data_channel_messages_received_total'), 2);
    assert.equal(second.value('kurento_room_data_channel_messages_sent_total'), 2);
    for (const name of ['kurento_room_nacks_received_total', 'kurento_room_nacked_packets_total', 'kurento_room_subscriber_reported_lost_packets_total']) {
      assert.equal(second.types.get(name), 'counter', name);
      assert.ok(second.value(name)! >= 0, name);
    }

    // The JSON-RPC sequence above.
    assert.equal(rpc(second, 'joinRoom', 'ok'), 3);
    assert.equal(rpc(second, 'joinRoom', '104'), 1);
    assert.equal(rpc(second, 'unknown', '-32601'), 1);
    assert.equal(rpc(second, 'publishVideo', 'ok'), 2);
    assert.equal(rpc(second, 'receiveVideoFrom', 'ok'), 1);
    assert.ok(rpc(second, 'onIceCandidate', 'ok')! >= 1);
    assert.ok(!second.samples.some((s) => s.labels.method === 'mineBitcoin'), 'the raw method name is no label');
    assert.equal(second.value('kurento_room_rpc_request_duration_seconds_count', { method: 'joinRoom' }), 4);
    assert.equal(second.value('kurento_room_rpc_request_duration_seconds_count', { method: 'publishVideo' }), 2);
    assert.ok(second.value('kurento_room_rpc_request_duration_seconds_sum', { method: 'publishVideo' })! > 0);

    // Each worker's load.
    for (const worker of ['0', '1']) {
      const utilization = second.value('kurento_room_media_worker_event_loop_utilization', { worker });
      assert.ok(utilization !== undefined && utilization >= 0 && utilization <= 1, `utilization of worker ${worker}: ${utilization}`);
      assert.ok(second.value('kurento_room_media_worker_event_loop_active_seconds_total', { worker })! > 0, `busy time of worker ${worker}`);
      for (const stat of ['mean', 'p50', 'p99', 'max']) {
        assert.ok(second.value('kurento_room_media_worker_event_loop_delay_seconds', { worker, stat })! >= 0, `delay ${stat} of worker ${worker}`);
      }
      const used = second.value('kurento_room_media_worker_heap_bytes', { worker, kind: 'used' })!;
      assert.ok(used > 1_000_000 && used <= second.value('kurento_room_media_worker_heap_bytes', { worker, kind: 'total' })!, `heap of worker ${worker}: ${used}`);
    }
    assert.equal(second.all('kurento_room_media_worker_event_loop_utilization').length, 2, 'one series per worker');
    assert.ok(second.value('kurento_room_process_cpu_user_seconds_total')! > 0, 'process metrics');
  });
});
