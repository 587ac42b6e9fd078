/**
 * SFU forwarding (issue 6, part 2): rooms of 10 participants, each publishing Opus-sized audio
 * (50 packets/s) and ~500 kbit/s VP8-negotiated video (52 packets/s of 1,200 bytes) over SRTP and
 * subscribing to the 9 others, all through the real protocol (joinRoom, publishVideo,
 * receiveVideoFrom). Rooms are added one at a time until loss passes 1 %, the server's CPU
 * saturates or the size's room limit is reached. The server runs in its own process
 * (serverHandle.ts), the node-datachannel peers in another (rtpLoad.ts); each one's CPU time is
 * measured apart.
 *
 * - `sfu.subscriberStreamsPerCore`: video subscriber streams forwarded per core of server CPU
 *   (streams / (server CPU seconds per second)) at the last load with loss under 1 %.
 * - `sfu.lossPct`, `sfu.cpuMicrosPerOutPacket` (server CPU per RTP packet sent to a subscriber,
 *   audio and video), `sfu.serverRssMB`: at that same load.
 * - `sfu.addedLatencyP99Ms`: send → receive time of every packet, at the step with half the rooms
 *   of that load (p50 in the details).
 * The Janus comparison is not measured (see docs/benchmarks.md).
 */
import { cpus } from 'node:os';
import { measured, notMeasured, type BenchSuite, type Metrics } from '../lib/results.js';
import { cpuMicros, startServerProcess, type ServerUsage } from '../lib/serverHandle.js';
import { startRtpLoad, type LoadWindow } from '../lib/rtpLoadHandle.js';

const JANUS_REASON =
  'Janus comparison not run yet: it needs `apt-get install janus`, a Janus VideoRoom driver for the load generator and the same ramp (see docs/benchmarks.md)';

interface Size {
  participants: number;
  maxRooms: number;
  settleSeconds: number;
  windowSeconds: number;
}

const SIZES: Record<'smoke' | 'quick' | 'full', Size> = {
  smoke: { participants: 3, maxRooms: 1, settleSeconds: 1, windowSeconds: 2 },
  quick: { participants: 10, maxRooms: 3, settleSeconds: 2, windowSeconds: 4 },
  full: { participants: 10, maxRooms: 16, settleSeconds: 3, windowSeconds: 10 },
};

export interface SfuStep {
  rooms: number;
  videoStreams: number;
  serverCores: number;
  generatorCores: number;
  streamsPerCore: number;
  lossPct: number;
  videoLossPct: number;
  audioLossPct: number;
  worstStreamLossPct: number;
  silentStreams: number;
  /** Loss counted only on the streams that received packets (without the silent ones). */
  receivingStreamsLossPct: number;
  rtpInPerSecond: number;
  rtpOutPerSecond: number;
  cpuMicrosPerOutPacket: number;
  serverRssMB: number;
  latencyP50Ms: number;
  latencyP90Ms: number;
  latencyP99Ms: number;
  /** Share of packets that took over 10 ms, in %. */
  latencyOver10MsPct: number;
  latencyMaxMs: number;
  latencySamples: number;
}

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;
const pct = (received: number, expected: number): number => (expected > 0 ? (100 * Math.max(0, expected - received)) / expected : 0);

function step(rooms: number, size: Size, u0: ServerUsage, u1: ServerUsage, w: LoadWindow, wallMicros: number): SfuStep {
  const serverCpu = cpuMicros(u1) - cpuMicros(u0);
  const outPackets = u1.media.rtpPacketsOut - u0.media.rtpPacketsOut;
  const inPackets = u1.media.rtpPacketsIn - u0.media.rtpPacketsIn;
  const serverCores = serverCpu / wallMicros;
  const videoStreams = rooms * size.participants * (size.participants - 1);
  const { video, audio } = w.streams;
  return {
    rooms,
    videoStreams,
    serverCores: round(serverCores, 3),
    generatorCores: round(w.generatorCpuMicros / (w.seconds * 1e6), 3),
    streamsPerCore: round(videoStreams / serverCores, 1),
    lossPct: round(pct(video.received + audio.received, video.expected + audio.expected), 3),
    videoLossPct: round(pct(video.received, video.expected), 3),
    audioLossPct: round(pct(audio.received, audio.expected), 3),
    worstStreamLossPct: round(Math.max(video.worstLossPct, audio.worstLossPct), 2),
    silentStreams: video.silent + audio.silent,
    receivingStreamsLossPct: round(pct(video.connectedReceived + audio.connectedReceived, video.connectedExpected + audio.connectedExpected), 3),
    rtpInPerSecond: Math.round(inPackets / (wallMicros / 1e6)),
    rtpOutPerSecond: Math.round(outPackets / (wallMicros / 1e6)),
    cpuMicrosPerOutPacket: round(outPackets > 0 ? serverCpu / outPackets : NaN, 2),
    serverRssMB: round(u1.rssBytes / 2 ** 20, 1),
    latencyP50Ms: round(w.latency.p50Ms, 3),
    latencyP90Ms: round(w.latency.p90Ms, 3),
    latencyP99Ms: round(w.latency.p99Ms, 3),
    latencyOver10MsPct: round(w.latency.samples > 0 ? (100 * w.latency.over10Ms) / w.latency.samples : 0, 3),
    latencyMaxMs: round(w.latency.maxMs, 2),
    latencySamples: w.latency.samples,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const sfu: BenchSuite = {
  name: 'sfu',
  keys: [
    'sfu.subscriberStreamsPerCore',
    'sfu.lossPct',
    'sfu.cpuMicrosPerOutPacket',
    'sfu.serverRssMB',
    'sfu.addedLatencyP99Ms',
    'janus.subscriberStreamsPerCore',
    'janus.lossPct',
    'janus.cpuMicrosPerOutPacket',
    'janus.serverRssMB',
    'janus.addedLatencyP99Ms',
    'sfu.ratioToJanus',
  ],
  async run(mode, log) {
    const size = SIZES[mode];
    const cores = cpus().length;
    const server = await startServerProcess();
    const load = await startRtpLoad().catch(async (e: unknown) => {
      await server.close();
      throw e;
    });
    const steps: SfuStep[] = [];
    const setupProblems: string[] = [];
    let stopReason = `room limit of the ${mode} size (${size.maxRooms}) reached`;
    try {
      for (let rooms = 1; rooms <= size.maxRooms; rooms++) {
        const t = performance.now();
        const added = await load.addRooms(server.wsUrl, [`sfu-bench-${rooms}`], size.participants);
        const setupSeconds = (performance.now() - t) / 1000;
        const notConnected = added.peers - (added.states.connected ?? 0);
        if (notConnected > 0) {
          // Reported, not hidden: their streams count as lost in the window below.
          log(`  ${rooms} room(s): ${notConnected} of ${added.peers} peer connections not connected 15 s after setup: ${JSON.stringify(added.states)}; ${added.notConnected.join(', ')}`);
          setupProblems.push(`${rooms} rooms: ${notConnected} of ${added.peers} peer connections not connected after setup (${JSON.stringify(added.states)})`);
        }
        await sleep(size.settleSeconds * 1000);
        const u0 = await server.usage();
        const w0 = performance.now();
        await load.startWindow();
        await sleep(size.windowSeconds * 1000);
        const w = await load.stopWindow();
        const u1 = await server.usage();
        const s = step(rooms, size, u0, u1, w, (performance.now() - w0) * 1000);
        steps.push(s);
        log(
          `  ${rooms} room(s), ${s.videoStreams} video subscriber streams: server ${s.serverCores} cores, generator ${s.generatorCores} cores, ` +
            `loss ${s.lossPct} % (video ${s.videoLossPct} %, worst stream ${s.worstStreamLossPct} %, silent streams ${s.silentStreams}, loss on the receiving streams ${s.receivingStreamsLossPct} %), ` +
            `out ${s.rtpOutPerSecond} pkt/s, ${s.cpuMicrosPerOutPacket} µs/out packet, latency p50 ${s.latencyP50Ms} p90 ${s.latencyP90Ms} p99 ${s.latencyP99Ms} ms (${s.latencyOver10MsPct} % over 10 ms), ` +
            `RSS ${s.serverRssMB} MB (setup ${setupSeconds.toFixed(1)} s)` +
            (w.errors.length ? `; errors: ${w.errors.join('; ')}` : ''),
        );
        if (s.lossPct >= 1 || s.videoLossPct >= 1) {
          stopReason = `loss ${s.lossPct} % (video ${s.videoLossPct} %) at ${rooms} rooms`;
          break;
        }
        if (s.serverCores >= 0.95 * cores) {
          stopReason = `server CPU saturated (${s.serverCores} of ${cores} cores) at ${rooms} rooms`;
          break;
        }
        if (s.serverCores + s.generatorCores >= 0.95 * cores) {
          stopReason = `machine CPU saturated (server ${s.serverCores} + generator ${s.generatorCores} of ${cores} cores) at ${rooms} rooms`;
          break;
        }
      }
    } finally {
      await load.close();
      await server.close();
    }
    log(`  stopped: ${stopReason}`);

    const good = steps.filter((s) => s.lossPct < 1 && s.videoLossPct < 1);
    const last = good.at(-1);
    const m: Metrics = {};
    if (!last) {
      const reason = `loss was 1 % or more already at 1 room (${steps[0]?.lossPct} %)`;
      m['sfu.subscriberStreamsPerCore'] = notMeasured('streams/core', '>= 300', reason);
      m['sfu.lossPct'] = measured(steps[0]?.lossPct ?? NaN, '%', '< 1', { ...steps[0] });
      m['sfu.cpuMicrosPerOutPacket'] = notMeasured('µs/packet', undefined, reason);
      m['sfu.serverRssMB'] = notMeasured('MB', undefined, reason);
      m['sfu.addedLatencyP99Ms'] = notMeasured('ms', '< 5', reason);
    } else {
      const halfRooms = Math.max(1, Math.round(last.rooms / 2));
      const half = steps.find((s) => s.rooms === halfRooms) ?? last;
      const common = { participantsPerRoom: size.participants, windowSeconds: size.windowSeconds, stopReason, setupProblems: setupProblems.join('; ') || 'none', generator: 'node-datachannel (libdatachannel), own process' };
      m['sfu.subscriberStreamsPerCore'] = measured(last.streamsPerCore, 'streams/core', '>= 300', {
        rooms: last.rooms,
        videoStreams: last.videoStreams,
        serverCores: last.serverCores,
        generatorCores: last.generatorCores,
        lossPct: last.lossPct,
        rtpOutPerSecond: last.rtpOutPerSecond,
        ...common,
        steps,
      });
      m['sfu.lossPct'] = measured(last.lossPct, '%', '< 1', {
        rooms: last.rooms,
        videoLossPct: last.videoLossPct,
        audioLossPct: last.audioLossPct,
        worstStreamLossPct: last.worstStreamLossPct,
        silentStreams: last.silentStreams,
        receivingStreamsLossPct: last.receivingStreamsLossPct,
      });
      m['sfu.cpuMicrosPerOutPacket'] = measured(last.cpuMicrosPerOutPacket, 'µs/packet', undefined, {
        rooms: last.rooms,
        rtpOutPerSecond: last.rtpOutPerSecond,
        rtpInPerSecond: last.rtpInPerSecond,
        serverCores: last.serverCores,
      });
      m['sfu.serverRssMB'] = measured(last.serverRssMB, 'MB', undefined, { rooms: last.rooms, peerConnections: last.rooms * size.participants * size.participants });
      m['sfu.addedLatencyP99Ms'] = measured(half.latencyP99Ms, 'ms', '< 5', {
        rooms: half.rooms,
        p50Ms: half.latencyP50Ms,
        p90Ms: half.latencyP90Ms,
        p99Ms: half.latencyP99Ms,
        over10MsPct: half.latencyOver10MsPct,
        maxMs: half.latencyMaxMs,
        samples: half.latencySamples,
        lossPct: half.lossPct,
      });
    }
    m['janus.subscriberStreamsPerCore'] = notMeasured('streams/core', undefined, JANUS_REASON);
    m['janus.lossPct'] = notMeasured('%', undefined, JANUS_REASON);
    m['janus.cpuMicrosPerOutPacket'] = notMeasured('µs/packet', undefined, JANUS_REASON);
    m['janus.serverRssMB'] = notMeasured('MB', undefined, JANUS_REASON);
    m['janus.addedLatencyP99Ms'] = notMeasured('ms', undefined, JANUS_REASON);
    m['sfu.ratioToJanus'] = notMeasured('x', undefined, JANUS_REASON);
    return m;
  },
};
