// A tiny run of every benchmark of bench/ (issue 6), so that they keep working: each produces
// its metrics with finite numbers of the right shape. No timing assertions: the figures of a
// smoke run mean nothing; `npm run bench` measures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromiumAvailable } from '../../../testing/chromium.js';
import { formatTable, type Metric, type Metrics } from '../../../bench/lib/results.js';
import { janusUnavailable } from '../../../bench/lib/janusProcess.js';
import { browserFirstFrame } from '../../../bench/suites/browserFirstFrame.js';
import { chatFanout } from '../../../bench/suites/chatFanout.js';
import { clientBundle } from '../../../bench/suites/clientBundle.js';
import { redisUnavailable } from '../../../bench/lib/clusterNodes.js';
import { clusterJoins } from '../../../bench/suites/clusterJoins.js';
import { clusterLatency } from '../../../bench/suites/clusterLatency.js';
import { memoryPerParticipant } from '../../../bench/suites/memoryPerParticipant.js';
import { sfu } from '../../../bench/suites/sfu.js';
import { sfuSteady } from '../../../bench/suites/sfuSteady.js';
import { COMPARISONS, FIGURES, pointMetrics, type PointRuns } from '../../../bench/lib/steadyFigures.js';
import type { PointResult } from '../../../bench/lib/sfuPoint.js';
import type { SfuStep } from '../../../bench/lib/sfuRamp.js';
import { signallingJoins } from '../../../bench/suites/signallingJoins.js';
import type { BenchSuite } from '../../../bench/lib/results.js';

const quiet = () => undefined;

function assertMeasured(metrics: Metrics, key: string, detailKeys: string[], hasBudget = true): Metric {
  const m = metrics[key];
  assert.ok(m, `${key} is reported`);
  assert.equal(typeof m.value, 'number', `${key} has a value`);
  assert.ok(Number.isFinite(m.value), `${key} is finite: ${m.value}`);
  assert.ok((m.value as number) >= 0, `${key} is not negative`);
  if (hasBudget) assert.equal(typeof m.ok, 'boolean', `${key} is checked against its budget`);
  for (const d of detailKeys) assert.ok(Number.isFinite(m.details?.[d]), `${key} details.${d} is a finite number: ${String(m.details?.[d])}`);
  return m;
}

async function smoke(suite: BenchSuite): Promise<Metrics> {
  const metrics = await suite.run('smoke', quiet);
  assert.deepEqual(Object.keys(metrics).sort(), [...suite.keys].sort(), `${suite.name} reports exactly its keys`);
  return metrics;
}

describe('benchmarks (smoke runs, tiny sizes)', () => {
  it('client.bundleGzipBytes', async () => {
    const m = assertMeasured(await smoke(clientBundle), 'client.bundleGzipBytes', ['minifiedBytes']);
    assert.ok((m.value as number) > 0 && (m.value as number) < (m.details!.minifiedBytes as number));
  });

  it('signalling.joinsPerSecond (server in its own process)', async () => {
    const m = assertMeasured(await smoke(signallingJoins), 'signalling.joinsPerSecond', ['joinsPerServerCpuSecond', 'joinLatencyP99Ms', 'participantsPerRep']);
    assert.ok((m.value as number) > 0);
  });

  it('signalling.chatFanoutP99Ms (every message reaches every member)', async () => {
    const m = assertMeasured(await smoke(chatFanout), 'signalling.chatFanoutP99Ms', ['p50Ms', 'p99Ms', 'allMembersReachedP99Ms', 'deliveries']);
    assert.equal(m.details!.deliveries, (m.details!.members as number) * (m.details!.messages as number));
  });

  it('signalling.memoryPerParticipantKB', async () => {
    // RSS growth over a few dozen participants may be zero or even negative; only the shape counts.
    const metrics = await smoke(memoryPerParticipant);
    const m = metrics['signalling.memoryPerParticipantKB'];
    assert.ok(Number.isFinite(m.value));
    assert.ok(Number.isFinite(m.details?.heapUsedKBPerParticipant));
    assert.ok((m.details!.baselineRssMB as number) > 0);
  });

  it('browser.connectToFirstFrameP50Ms / P95Ms (one repetition of one run)', { skip: chromiumAvailable() ? false : 'Chromium not installed' }, async () => {
    const metrics = await smoke(browserFirstFrame);
    const p50 = assertMeasured(metrics, 'browser.connectToFirstFrameP50Ms', ['p50Ms', 'p95Ms', 'min', 'max', 'reps', 'runsPerRep']);
    const p95 = assertMeasured(metrics, 'browser.connectToFirstFrameP95Ms', ['min', 'max', 'reps', 'runsPerRep']);
    // One repetition of one run: its p50 and p95 are that run, and so are the medians.
    assert.deepEqual(p50.details!.samplesMsPerRep, [[p50.value]]);
    assert.equal(p95.value, p50.value);
  });

  // One smoke run of the sfu suite serves both tests below: ours, then Janus when installed.
  let sfuRun: Promise<Metrics> | undefined;
  const sfuMetrics = () => (sfuRun ??= smoke(sfu));
  const janusMissing = janusUnavailable();

  it('sfu.* (one room of 3 node-datachannel peers through the real protocol)', async () => {
    const metrics = await sfuMetrics();
    const streams = assertMeasured(metrics, 'sfu.subscriberStreamsPerCore', ['rooms', 'videoStreams', 'serverCores', 'generatorCores', 'machineCores', 'rtpOutPerSecond']);
    assert.equal(streams.details!.videoStreams, 3 * 2, 'every participant receives the 2 others');
    assert.ok((streams.details!.rtpOutPerSecond as number) > 0, 'the SFU forwarded RTP');
    assertMeasured(metrics, 'sfu.lossPct', ['videoLossPct', 'audioLossPct', 'worstStreamLossPct', 'silentStreams']);
    assertMeasured(metrics, 'sfu.cpuMicrosPerOutPacket', ['rtpOutPerSecond', 'rtpInPerSecond'], false);
    assert.ok((assertMeasured(metrics, 'sfu.serverRssMB', [], false).value as number) > 0);
    const latency = assertMeasured(metrics, 'sfu.addedLatencyP99Ms', ['p50Ms', 'p99Ms', 'samples']);
    assert.ok((latency.details!.samples as number) > 0, 'packets reached the subscribers');
    if (janusMissing) {
      for (const [key, m] of Object.entries(metrics).filter(([k]) => k.startsWith('janus.') || k === 'sfu.ratioToJanus')) {
        assert.equal(m.value, null, key);
        assert.match(m.reason ?? '', /apt-get install -y janus|Janus/, key);
      }
      assert.match(formatTable(metrics), /not measured yet/);
    }
  });

  it('janus.* (the same room against Janus VideoRoom, started by the benchmark)', { skip: janusMissing ?? false }, async () => {
    const metrics = await sfuMetrics();
    const streams = assertMeasured(metrics, 'janus.subscriberStreamsPerCore', ['rooms', 'videoStreams', 'serverCores', 'generatorCores', 'machineCores', 'rtpOutPerSecond'], false);
    assert.equal(streams.details!.videoStreams, 3 * 2, 'every participant receives the 2 others');
    assert.ok((streams.details!.rtpOutPerSecond as number) > 0, 'Janus forwarded RTP to the subscribers');
    assertMeasured(metrics, 'janus.lossPct', ['videoLossPct', 'audioLossPct', 'worstStreamLossPct', 'silentStreams'], false);
    const perPacket = assertMeasured(metrics, 'janus.cpuMicrosPerOutPacket', ['rtpOutPerSecond', 'rtpInPerSecond', 'serverCores'], false);
    assert.match(String(perPacket.details!.packetsCountedBy), /subscribers received/);
    assert.ok((assertMeasured(metrics, 'janus.serverRssMB', [], false).value as number) > 0);
    const latency = assertMeasured(metrics, 'janus.addedLatencyP99Ms', ['p50Ms', 'p99Ms', 'samples'], false);
    assert.ok((latency.details!.samples as number) > 0, 'packets reached the subscribers through Janus');
    const ratio = assertMeasured(metrics, 'sfu.ratioToJanus', ['oursStreamsPerCore', 'janusStreamsPerCore'], false);
    assert.ok((ratio.value as number) > 0);
    assert.ok(Math.abs((ratio.value as number) - (ratio.details!.oursStreamsPerCore as number) / (ratio.details!.janusStreamsPerCore as number)) < 0.01, 'ours / Janus');
  });

  it('sfuSteady figures: medians of repetitions, ratios to Janus per repetition, lossy repetitions out of the per-core figures', () => {
    const run = (streamsPerCore: number, latencyP99Ms: number, serverRssMB: number, lossPct = 0): PointResult => ({
      step: { streamsPerCore, latencyP99Ms, serverRssMB, lossPct, videoLossPct: lossPct, latencyP50Ms: 1, latencyMaxMs: 20, latencyOver10MsPct: 0.5, serverCores: 90 / streamsPerCore, cpuMicrosPerOutPacket: 40 } as SfuStep,
      peerConnections: 100,
      idleRssMB: 20,
      setupSeconds: 1,
      notConnected: 0,
      errors: [],
    });
    const p: PointRuns = {
      rooms: 1,
      participants: 10,
      runs: {
        ours: [{ rep: 1, result: run(300, 6, 220) }, { rep: 2, result: run(330, 4, 200) }, { rep: 3, result: run(900, 50, 260, 5) }],
        janus: [{ rep: 1, result: run(250, 3, 45) }, { rep: 2, result: run(300, 3.5, 50) }, { rep: 3, result: run(240, 2, 40) }],
      },
      failures: { ours: [], janus: [] },
      skipped: {},
      descriptions: {},
    };
    const m = pointMetrics(p);
    // Rep 3 of ours lost 5 %: out of streams per core (and its ratio), kept in latency and RSS.
    assert.equal(m['sfuSteady.rooms1.ours.subscriberStreamsPerCore']!.value, 315);
    assert.deepEqual(m['sfuSteady.rooms1.ours.subscriberStreamsPerCore']!.details!.lossyReps, [3]);
    assert.equal(m['sfuSteady.rooms1.ours.addedLatencyP99Ms']!.value, 6);
    assert.equal(m['sfuSteady.rooms1.ours.addedLatencyP99Ms']!.ok, false, 'p99 6 ms is over the budget of 5');
    assert.equal(m['sfuSteady.rooms1.ours.rssPerPeerConnectionMB']!.value, 2.2);
    // Ratios of the same repetition, then their median: 300/250 = 1.2 and 330/300 = 1.1.
    const ratio = m['sfuSteady.rooms1.ratioToJanus.subscriberStreamsPerCore']!;
    assert.equal(ratio.value, 1.15);
    assert.equal(ratio.details!.min, 1.1);
    assert.equal(ratio.details!.max, 1.2);
    assert.equal(ratio.details!.spread, 0.087);
    assert.equal(ratio.ok, false, '1.15 is under 1.3');
    // RSS per peer connection: 220/45, 200/50, 260/40 → median 4.889; differences of p99: 3, 0.5, 48 → 3.
    assert.equal(m['sfuSteady.rooms1.ratioToJanus.rssPerPeerConnectionMB']!.value, 4.889);
    assert.equal(m['sfuSteady.rooms1.differenceToJanus.addedLatencyP99Ms']!.value, 3);
    assert.equal(m['sfuSteady.rooms1.differenceToJanus.addedLatencyP99Ms']!.details!.max, 48);
    // Without Janus: its figures and the comparisons say why.
    const alone = pointMetrics({ ...p, runs: { ours: p.runs.ours, janus: [] }, skipped: { janus: 'Janus is not installed' } });
    assert.equal(alone['sfuSteady.rooms1.ratioToJanus.subscriberStreamsPerCore']!.value, null);
    assert.equal(alone['sfuSteady.rooms1.janus.lossPct']!.reason, 'Janus is not installed');
  });

  it('sfuSteady.* (one fixed point of 1 room of 3, one repetition per server, each on a fresh server)', async () => {
    const metrics = await smoke(sfuSteady);
    const servers = janusMissing ? ['ours'] : ['ours', 'janus'];
    for (const server of servers) {
      for (const f of FIGURES) {
        const m = assertMeasured(metrics, `sfuSteady.rooms1.${server}.${f.name}`, ['min', 'max', 'reps', 'peerConnections'], false);
        assert.equal(m.details!.reps, 1, `${server}.${f.name}: one repetition`);
        assert.equal(m.details!.peerConnections, 3 * 3, 'a room of 3: 3 publications and 6 subscriptions');
        assert.ok((m.details!.min as number) <= (m.value as number) && (m.value as number) <= (m.details!.max as number), `${server}.${f.name}: min <= median <= max`);
      }
      const runs = metrics[`sfuSteady.rooms1.${server}.serverCores`]!.details!.runs as { videoStreams: number; rtpOutPerSecond: number; latencySamples: number }[];
      assert.equal(runs.length, 1);
      assert.equal(runs[0]!.videoStreams, 3 * 2, 'every participant receives the 2 others');
      assert.ok(runs[0]!.rtpOutPerSecond > 0, `${server} forwarded RTP`);
      assert.ok(runs[0]!.latencySamples > 0, `packets reached the subscribers through ${server}`);
      assert.ok((metrics[`sfuSteady.rooms1.${server}.serverRssMB`]!.value as number) > 0);
    }
    assert.equal(typeof metrics['sfuSteady.rooms1.ours.addedLatencyP99Ms']!.ok, 'boolean', 'our p99 is checked against its budget at 1 room');
    for (const rooms of [2, 3]) for (const [key, m] of Object.entries(metrics).filter(([k]) => k.startsWith(`sfuSteady.rooms${rooms}.`))) assert.match(m.reason ?? '', /this run measured 1 room\(s\) only/, key);
    for (const c of COMPARISONS) {
      const key = `sfuSteady.rooms1.${c.key}`;
      if (janusMissing) {
        assert.equal(metrics[key]!.value, null, key);
        assert.match(metrics[key]!.reason ?? '', /apt-get install -y janus|Janus/, key);
        continue;
      }
      // A difference of latencies may be negative; a ratio is positive.
      const m = metrics[key]!;
      assert.ok(typeof m.value === 'number' && Number.isFinite(m.value), `${key}: ${m.value}`);
      assert.equal(m.details!.spread, 0, `${key}: one repetition spans nothing`);
      if (c.unit === 'x') assert.ok(m.value > 0, key);
    }
    if (!janusMissing) {
      const ours = metrics['sfuSteady.rooms1.ours.subscriberStreamsPerCore']!.value as number;
      const janus = metrics['sfuSteady.rooms1.janus.subscriberStreamsPerCore']!.value as number;
      assert.ok(Math.abs((metrics['sfuSteady.rooms1.ratioToJanus.subscriberStreamsPerCore']!.value as number) - ours / janus) < 0.01 * (ours / janus), 'ours / Janus');
    }
  });

  // The cluster suites start Redis and server nodes (each in its own process) themselves.
  const redisMissing = redisUnavailable();

  it('cluster.joinsPerSecond (3 nodes, 1 node and a single server under the same joins)', async () => {
    const metrics = await smoke(clusterJoins);
    if (redisMissing) {
      assert.equal(metrics['cluster.joinsPerSecond']!.value, null);
      assert.match(metrics['cluster.joinsPerSecond']!.reason ?? '', /apt-get install -y redis-server/);
      return;
    }
    const m = assertMeasured(metrics, 'cluster.joinsPerSecond', ['min', 'max', 'oneNodeJoinsPerSecond', 'singleServerJoinsPerSecond', 'ratioToOneNode', 'participantsPerRep'], false);
    assert.ok((m.value as number) > 0 && (m.details!.oneNodeJoinsPerSecond as number) > 0 && (m.details!.singleServerJoinsPerSecond as number) > 0);
    // Every room of the repetition was owned by exactly one of the three nodes.
    const rooms = m.details!.roomsPerNodePerRep as number[][];
    assert.equal(rooms.length, m.details!.reps);
    for (const perNode of rooms) {
      assert.equal(perNode.length, 3);
      assert.equal(perNode.reduce((a, b) => a + b, 0), (m.details!.participantsPerRep as number) / (m.details!.roomSize as number));
    }
    for (const pct of m.details!.crossNodeJoinsPctPerRep as number[]) assert.ok(pct >= 0 && pct <= 100, `crossed: ${pct}%`);
    for (const config of ['threeNodes', 'oneNode', 'singleServer']) {
      const figures = m.details![config] as Record<string, number>;
      for (const key of ['cpuMicrosPerJoin', 'joinsPerCpuSecond', 'joinLatencyP50Ms', 'joinLatencyP99Ms']) assert.ok(Number.isFinite(figures[key]) && figures[key]! > 0, `${config}.${key}: ${figures[key]}`);
    }
    assert.ok((m.details!.threeNodes as Record<string, number>).redisCpuMicrosPerJoin! > 0, 'Redis worked for the three nodes');
  });

  it('cluster.*AddedLatency* (a room with members on 3 nodes: every message reaches every member)', async () => {
    const metrics = await smoke(clusterLatency);
    if (redisMissing) {
      for (const key of clusterLatency.keys) {
        assert.equal(metrics[key]!.value, null, key);
        assert.match(metrics[key]!.reason ?? '', /apt-get install -y redis-server/, key);
      }
      return;
    }
    for (const key of clusterLatency.keys) {
      // A difference of two latencies: finite, of either sign in a tiny run.
      const m = metrics[key]!;
      assert.ok(typeof m.value === 'number' && Number.isFinite(m.value), `${key}: ${m.value}`);
      assert.ok(Number.isFinite(m.details?.min) && Number.isFinite(m.details?.max), key);
    }
    const request = metrics['cluster.requestAddedLatencyP50Ms']!.details!;
    const messages = request.messagesPerRep as number;
    const samples = request.samplesPerRep as { edge: number; roomNode: number };
    // Two of the six members are on the room node, and the members take turns.
    assert.equal(samples.roomNode * 3, messages);
    assert.equal(samples.edge + samples.roomNode, messages);
    assert.ok((request.edgeP50Ms as number) > 0 && (request.roomNodeP50Ms as number) > 0);
    const notification = metrics['cluster.notificationAddedLatencyP99Ms']!.details!;
    assert.equal(notification.deliveriesPerRep, (notification.members as number) * messages, 'every message reached every member');
    const pairs = notification.pairs as Record<string, { p50Ms: number; p99Ms: number; samplesPerRep: number }>;
    assert.deepEqual(
      Object.fromEntries(Object.entries(pairs).map(([pair, p]) => [pair, p.samplesPerRep])),
      { local: (messages / 3) * 2, toEdge: (messages / 3) * 4, fromEdge: ((messages * 2) / 3) * 2, sameEdge: ((messages * 2) / 3) * 2, edgeToEdge: ((messages * 2) / 3) * 2 },
    );
    for (const [pair, p] of Object.entries(pairs)) assert.ok(p.p50Ms > 0 && p.p99Ms >= p.p50Ms, `${pair}: ${JSON.stringify(p)}`);
  });
});
