/**
 * SFU forwarding (issue 6, part 2): rooms of 10 participants, each publishing Opus-sized audio
 * (50 packets/s) and ~500 kbit/s VP8-negotiated video (52 packets/s of 1,200 bytes) over SRTP and
 * subscribing to the 9 others, one peer connection per publication and per subscription. The
 * same ramp (lib/sfuRamp.ts: rooms added until 1 % loss or CPU saturation) runs against our
 * server through our protocol (joinRoom, publishVideo, receiveVideoFrom), then against Janus
 * VideoRoom through its WebSocket API, with the same node-datachannel generator in its own
 * process (lib/rtpLoad.ts), the same streams and the same counting.
 *
 * - `sfu.subscriberStreamsPerCore`: video subscriber streams forwarded per core of server CPU
 *   (streams / (server CPU seconds per second)) at the last load with loss under 1 %.
 * - `sfu.lossPct`, `sfu.cpuMicrosPerOutPacket` (server CPU per RTP packet sent to a subscriber,
 *   audio and video), `sfu.serverRssMB`: at that same load.
 * - `sfu.addedLatencyP99Ms`: send → receive time of every packet, at the step with half the rooms
 *   of that load (p50 in the details).
 * - `janus.*`: the same five for Janus (its CPU and RSS from /proc; per out packet = per packet
 *   its subscribers received, as Janus has no counter we read), and `sfu.ratioToJanus` = our
 *   streams per core / Janus's. Not measured, with the reason, where Janus is not installed.
 */
import { measured, notMeasured, type BenchSuite, type Metrics } from '../lib/results.js';
import { janusUnavailable } from '../lib/janusProcess.js';
import { ramp, type RampResult, type RampSize } from '../lib/sfuRamp.js';
import { withSfu } from '../lib/sfuServers.js';

const SIZES: Record<'smoke' | 'quick' | 'full', RampSize> = {
  smoke: { participants: 3, maxRooms: 1, settleSeconds: 1, windowSeconds: 2 },
  quick: { participants: 10, maxRooms: 3, settleSeconds: 2, windowSeconds: 4 },
  full: { participants: 10, maxRooms: 16, settleSeconds: 3, windowSeconds: 10 },
};

const GENERATOR = 'node-datachannel (libdatachannel), own process';

/** The five figures of one server under test, under `prefix`; budgets only for ours (product.md). */
function figures(prefix: 'sfu' | 'janus', r: RampResult, size: RampSize, extra: Record<string, unknown>): Metrics {
  const budget = (b: string) => (prefix === 'sfu' ? b : undefined);
  const good = r.steps.filter((s) => s.lossPct < 1 && s.videoLossPct < 1);
  const last = good.at(-1);
  const m: Metrics = {};
  if (!last) {
    const reason = `loss was 1 % or more already at 1 room (${r.steps[0]?.lossPct} %)`;
    m[`${prefix}.subscriberStreamsPerCore`] = notMeasured('streams/core', budget('>= 300'), reason);
    m[`${prefix}.lossPct`] = measured(r.steps[0]?.lossPct ?? NaN, '%', budget('< 1'), { ...r.steps[0] });
    m[`${prefix}.cpuMicrosPerOutPacket`] = notMeasured('µs/packet', undefined, reason);
    m[`${prefix}.serverRssMB`] = notMeasured('MB', undefined, reason);
    m[`${prefix}.addedLatencyP99Ms`] = notMeasured('ms', budget('< 5'), reason);
    return m;
  }
  const halfRooms = Math.max(1, Math.round(last.rooms / 2));
  const half = r.steps.find((s) => s.rooms === halfRooms) ?? last;
  m[`${prefix}.subscriberStreamsPerCore`] = measured(last.streamsPerCore, 'streams/core', budget('>= 300'), {
    rooms: last.rooms,
    videoStreams: last.videoStreams,
    serverCores: last.serverCores,
    generatorCores: last.generatorCores,
    machineCores: last.machineCores,
    lossPct: last.lossPct,
    rtpOutPerSecond: last.rtpOutPerSecond,
    participantsPerRoom: size.participants,
    windowSeconds: size.windowSeconds,
    stopReason: r.stopReason,
    setupProblems: r.setupProblems.join('; ') || 'none',
    generator: GENERATOR,
    ...extra,
    steps: r.steps,
  });
  m[`${prefix}.lossPct`] = measured(last.lossPct, '%', budget('< 1'), {
    rooms: last.rooms,
    videoLossPct: last.videoLossPct,
    audioLossPct: last.audioLossPct,
    worstStreamLossPct: last.worstStreamLossPct,
    silentStreams: last.silentStreams,
    receivingStreamsLossPct: last.receivingStreamsLossPct,
  });
  m[`${prefix}.cpuMicrosPerOutPacket`] = measured(last.cpuMicrosPerOutPacket, 'µs/packet', undefined, {
    rooms: last.rooms,
    rtpOutPerSecond: last.rtpOutPerSecond,
    rtpInPerSecond: last.rtpInPerSecond,
    serverCores: last.serverCores,
    packetsCountedBy:
      last.packetsCountedBy === 'server'
        ? "the server's own counters (media.rtpPacketsOut / rtpPacketsIn)"
        : 'the generator: out = RTP packets the subscribers received, in = packets the publishers sent (Janus keeps no counter we read)',
  });
  m[`${prefix}.serverRssMB`] = measured(last.serverRssMB, 'MB', undefined, { rooms: last.rooms, peerConnections: last.rooms * size.participants * size.participants });
  m[`${prefix}.addedLatencyP99Ms`] = measured(half.latencyP99Ms, 'ms', budget('< 5'), {
    rooms: half.rooms,
    p50Ms: half.latencyP50Ms,
    p90Ms: half.latencyP90Ms,
    p99Ms: half.latencyP99Ms,
    over10MsPct: half.latencyOver10MsPct,
    maxMs: half.latencyMaxMs,
    samples: half.latencySamples,
    lossPct: half.lossPct,
  });
  return m;
}

const JANUS_KEYS: [string, string][] = [
  ['janus.subscriberStreamsPerCore', 'streams/core'],
  ['janus.lossPct', '%'],
  ['janus.cpuMicrosPerOutPacket', 'µs/packet'],
  ['janus.serverRssMB', 'MB'],
  ['janus.addedLatencyP99Ms', 'ms'],
  ['sfu.ratioToJanus', 'x'],
];

function janusNotMeasured(reason: string): Metrics {
  return Object.fromEntries(JANUS_KEYS.map(([key, unit]) => [key, notMeasured(unit, undefined, reason)]));
}

export const sfu: BenchSuite = {
  name: 'sfu',
  keys: ['sfu.subscriberStreamsPerCore', 'sfu.lossPct', 'sfu.cpuMicrosPerOutPacket', 'sfu.serverRssMB', 'sfu.addedLatencyP99Ms', ...JANUS_KEYS.map(([key]) => key)],
  async run(mode, log) {
    const size = SIZES[mode];
    log('  our server (Kurento Room protocol):');
    const ours = figures('sfu', await withSfu('ours', (server) => ramp(server, size, mode, log)), size, { server: 'ours as deployed (node packages/server/dist/cli.js)' });
    const unavailable = janusUnavailable();
    if (unavailable) {
      log(`  Janus VideoRoom: skipped: ${unavailable}`);
      return { ...ours, ...janusNotMeasured(unavailable) };
    }
    log('  Janus VideoRoom (same load, same generator):');
    let janus: Metrics;
    try {
      janus = figures('janus', await withSfu('janus', (server) => ramp(server, size, mode, log)), size, { server: 'Janus VideoRoom (/usr/bin/janus), CPU and RSS from /proc' });
    } catch (e) {
      // Our figures stand on their own; a failed Janus run leaves its keys unmeasured, with why.
      log(`  Janus VideoRoom: FAILED: ${(e as Error).stack ?? String(e)}`);
      return { ...ours, ...janusNotMeasured(`the Janus run failed: ${(e as Error).message}`) };
    }
    const a = ours['sfu.subscriberStreamsPerCore'];
    const b = janus['janus.subscriberStreamsPerCore'];
    const ratio =
      a.value !== null && b.value !== null
        ? measured(Math.round((a.value / b.value) * 1000) / 1000, 'x', undefined, {
            oursStreamsPerCore: a.value,
            janusStreamsPerCore: b.value,
            oursRooms: a.details?.rooms,
            janusRooms: b.details?.rooms,
            oursStopReason: a.details?.stopReason,
            janusStopReason: b.details?.stopReason,
          })
        : notMeasured('x', undefined, `needs both streams-per-core figures (ours: ${a.value ?? a.reason}; Janus: ${b.value ?? b.reason})`);
    return { ...ours, ...janus, 'sfu.ratioToJanus': ratio };
  },
};
