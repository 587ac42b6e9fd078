// Detection of dead peers by the werift engine (src/media/werift/LivenessMonitor.ts and
// peerActivity.ts): the monitor's timing on a mocked clock, the werift fields the activity
// counter reads, and a remote close reported as a failure with its cause.
import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { RTCPeerConnection } from 'werift';
import type { EndpointFault, EndpointState } from '../../src/media/MediaEngine.js';
import { LivenessMonitor } from '../../src/media/werift/LivenessMonitor.js';
import { inboundActivity } from '../../src/media/werift/peerActivity.js';
import { WeriftMediaEngine } from '../../src/media/werift/WeriftMediaEngine.js';
import { createPublisherPeer, waitUntil, type PublisherPeer } from '../helpers/wrtcPeers.js';
import { CandidateRouter, publish, TestPeers } from './wiring.js';

const peers = new TestPeers({ width: 160, height: 120, fps: 15 });

afterEach(() => {
  peers.closeAll();
  mock.timers.reset();
});

describe('liveness monitor', () => {
  function watched(activity: () => number) {
    const silences: number[] = [];
    return { silences, watched: { activity, onSilent: (ms: number) => silences.push(ms) } };
  }

  it('reports an endpoint silent for the timeout once, and never one that is heard from', () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'] });
    const monitor = new LivenessMonitor(5000);
    let heard = 0;
    const live = watched(() => heard);
    const dead = watched(() => 7);
    monitor.watch('live', live.watched);
    monitor.watch('dead', dead.watched);
    for (let t = 0; t < 20_000; t += 500) {
      heard++;
      mock.timers.tick(500);
    }
    assert.deepEqual(live.silences, []);
    assert.equal(dead.silences.length, 1);
    assert.ok(dead.silences[0]! >= 5000 && dead.silences[0]! <= 5500, String(dead.silences[0]));
    monitor.close();
  });

  it('counts a stalled thread as two intervals of silence at most', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    let now = 0;
    const monitor = new LivenessMonitor(5000, () => now);
    const endpoint = watched(() => 1);
    monitor.watch('x', endpoint.watched);
    const tick = (ms: number) => {
      now += ms;
      mock.timers.tick(500);
    };
    tick(500);
    // The thread read no sockets for 20 s: the peer's packets wait unread, it is not silent.
    tick(20_000);
    tick(500);
    assert.deepEqual(endpoint.silences, []);
    // The stall counted 1 s (two intervals); real silence is counted interval by interval.
    for (let i = 0; i < 6; i++) tick(500);
    assert.deepEqual(endpoint.silences, []);
    tick(500);
    assert.deepEqual(endpoint.silences, [5000]);
    monitor.close();
  });

  it('is off with a timeout of 0', () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'] });
    const monitor = new LivenessMonitor(0);
    const endpoint = watched(() => 1);
    monitor.watch('x', endpoint.watched);
    for (let t = 0; t < 60_000; t += 500) mock.timers.tick(500);
    assert.deepEqual(endpoint.silences, []);
    monitor.close();
  });
});

/** A werift answerer for a libwebrtc publisher, connected by hand (the engine hides its pcs). */
async function connectWerift(peer: PublisherPeer): Promise<RTCPeerConnection> {
  const pc = new RTCPeerConnection({ iceServers: [], iceAdditionalHostAddresses: ['127.0.0.1'] });
  await pc.setRemoteDescription({ type: 'offer', sdp: await peer.createOffer() });
  await pc.setLocalDescription(await pc.createAnswer());
  await waitUntil(() => pc.iceGatheringState === 'complete', 5000, 'werift gathering');
  peer.onLocalCandidate((c) => void pc.addIceCandidate(c).catch(() => undefined));
  await peer.setAnswer(pc.localDescription!.sdp);
  return pc;
}

describe('werift peer activity', () => {
  it('reads counters that the installed werift keeps and that grow while media flows', async () => {
    const peer = peers.pub({ audio: true, video: true });
    const pc = await connectWerift(peer);
    try {
      const agent = pc.iceTransports[0]!.connection as unknown as Record<string, unknown>;
      assert.ok(Array.isArray(agent.checkList), 'checkList');
      await waitUntil(() => pc.connectionState === 'connected', 10_000, 'connected');
      const pair = (agent.checkList as Array<Record<string, unknown>>)[0]!;
      for (const field of ['packetsReceived', 'requestsReceived', 'responsesReceived']) assert.equal(typeof pair[field], 'number', field);
      assert.equal(typeof pc.dtlsTransports[0]!.packetsReceived, 'number');
      const first = inboundActivity(pc);
      await waitUntil(() => inboundActivity(pc) > first + 20, 10_000, 'activity growing with the media');
    } finally {
      await pc.close();
    }
  });

  it('a remote close (DTLS close_notify) is reported failed with its cause, and the engine does not revive it', async () => {
    const engine = new WeriftMediaEngine();
    const router = new CandidateRouter(engine);
    const states: Array<[string, EndpointState, EndpointFault | undefined]> = [];
    engine.on('endpointState', (id, state, fault) => states.push([id, state, fault]));
    try {
      const peer = peers.track(createPublisherPeer({ width: 160, height: 120, fps: 15 }));
      await publish(engine, router, 'alice', peer);
      await waitUntil(() => states.some(([, s]) => s === 'connected'), 10_000, 'connected');
      peer.close();
      await waitUntil(() => states.some(([, s]) => s === 'failed'), 5000, 'failed');
      const failed = states.filter(([, s]) => s === 'failed');
      assert.equal(failed.length, 1);
      assert.equal(failed[0]![2]?.cause, 'dtls-closed');
      assert.equal(typeof failed[0]![2]?.silentMs, 'number');
      // The owner decides: the endpoint stays until released, then announces 'closed'.
      assert.equal((await engine.stats()).peerConnections, 1);
      await engine.release('alice');
      assert.deepEqual(states.at(-1)?.slice(0, 2), ['alice', 'closed']);
    } finally {
      await engine.close();
    }
  });
});
