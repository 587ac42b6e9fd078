/**
 * The SFU ramp, the same for every server under test: a load generator process (rtpLoadHandle.ts)
 * aimed at the server adds rooms one at a time; after each, a settle time, then a measurement
 * window over which the server's CPU and RSS and the generator's counts are taken. It stops at
 * 1 % loss, when the server uses 95 % of the cores, when server + generator do, or at the size's
 * room limit.
 */
import { cpus } from 'node:os';
import { machineBusyMicros } from './procUsage.js';
import { startRtpLoad, type LoadTarget, type LoadWindow, type RtpLoad } from './rtpLoadHandle.js';

export interface RampSize {
  participants: number;
  maxRooms: number;
  settleSeconds: number;
  windowSeconds: number;
}

export interface ServerReading {
  cpuMicros: number;
  rssBytes: number;
  /** The server's own RTP counters, when it keeps them (ours does, Janus has none we can read). */
  rtpPacketsIn?: number;
  rtpPacketsOut?: number;
}

export interface ServerUnderTest {
  load: LoadTarget;
  usage(): Promise<ServerReading>;
}

export interface SfuStep {
  rooms: number;
  videoStreams: number;
  serverCores: number;
  generatorCores: number;
  /** Busy cores of the whole machine (/proc/stat): server, generator, kernel and any other work. */
  machineCores: number;
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
  /** Where the packet counts come from: the server's counters, or the generator's (sent / received by the subscribers). */
  packetsCountedBy: 'server' | 'generator';
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

export interface RampResult {
  steps: SfuStep[];
  stopReason: string;
  setupProblems: string[];
}

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;
const pct = (received: number, expected: number): number => (expected > 0 ? (100 * Math.max(0, expected - received)) / expected : 0);

/** One window's figures from the server's readings around it and the generator's counts (also used by sfuPoint.ts). */
export function step(rooms: number, size: Pick<RampSize, 'participants'>, u0: ServerReading, u1: ServerReading, w: LoadWindow, wallMicros: number, machineMicros: number): SfuStep {
  const serverCpu = u1.cpuMicros - u0.cpuMicros;
  const { video, audio } = w.streams;
  const counted = u0.rtpPacketsOut !== undefined && u1.rtpPacketsOut !== undefined;
  const outPackets = counted ? u1.rtpPacketsOut! - u0.rtpPacketsOut! : video.received + audio.received;
  const inPackets = counted ? (u1.rtpPacketsIn ?? 0) - (u0.rtpPacketsIn ?? 0) : w.packetsSent;
  const serverCores = serverCpu / wallMicros;
  const videoStreams = rooms * size.participants * (size.participants - 1);
  return {
    rooms,
    videoStreams,
    serverCores: round(serverCores, 3),
    generatorCores: round(w.generatorCpuMicros / (w.seconds * 1e6), 3),
    machineCores: round(machineMicros / wallMicros, 3),
    streamsPerCore: round(videoStreams / serverCores, 1),
    lossPct: round(pct(video.received + audio.received, video.expected + audio.expected), 3),
    videoLossPct: round(pct(video.received, video.expected), 3),
    audioLossPct: round(pct(audio.received, audio.expected), 3),
    worstStreamLossPct: round(Math.max(video.worstLossPct, audio.worstLossPct), 2),
    silentStreams: video.silent + audio.silent,
    receivingStreamsLossPct: round(pct(video.connectedReceived + audio.connectedReceived, video.connectedExpected + audio.connectedExpected), 3),
    rtpInPerSecond: Math.round(inPackets / (wallMicros / 1e6)),
    rtpOutPerSecond: Math.round(outPackets / (wallMicros / 1e6)),
    packetsCountedBy: counted ? 'server' : 'generator',
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

/** One measurement window at the current load: the server's readings around it and the generator's counts. */
export async function measureWindow(
  server: Pick<ServerUnderTest, 'usage'>,
  load: Pick<RtpLoad, 'startWindow' | 'stopWindow'>,
  rooms: number,
  size: Pick<RampSize, 'participants' | 'windowSeconds'>,
): Promise<{ step: SfuStep; errors: string[] }> {
  const u0 = await server.usage();
  const m0 = machineBusyMicros();
  const w0 = performance.now();
  await load.startWindow();
  await sleep(size.windowSeconds * 1000);
  const w = await load.stopWindow();
  const u1 = await server.usage();
  return { step: step(rooms, size, u0, u1, w, (performance.now() - w0) * 1000, machineBusyMicros() - m0), errors: w.errors };
}

export async function ramp(server: ServerUnderTest, size: RampSize, mode: string, log: (line: string) => void): Promise<RampResult> {
  const cores = cpus().length;
  const load = await startRtpLoad(server.load);
  const steps: SfuStep[] = [];
  const setupProblems: string[] = [];
  let stopReason = `room limit of the ${mode} size (${size.maxRooms}) reached`;
  try {
    for (let rooms = 1; rooms <= size.maxRooms; rooms++) {
      const t = performance.now();
      const added = await load.addRooms([`sfu-bench-${rooms}`], size.participants);
      const setupSeconds = (performance.now() - t) / 1000;
      const notConnected = added.peers - (added.states.connected ?? 0);
      if (notConnected > 0) {
        // Reported, not hidden: their streams count as lost in the window below.
        log(`  ${rooms} room(s): ${notConnected} of ${added.peers} peer connections not connected 15 s after setup: ${JSON.stringify(added.states)}; ${added.notConnected.join(', ')}`);
        setupProblems.push(`${rooms} rooms: ${notConnected} of ${added.peers} peer connections not connected after setup (${JSON.stringify(added.states)})`);
      }
      await sleep(size.settleSeconds * 1000);
      const { step: s, errors } = await measureWindow(server, load, rooms, size);
      steps.push(s);
      log(
        `  ${rooms} room(s), ${s.videoStreams} video subscriber streams: server ${s.serverCores} cores, generator ${s.generatorCores} cores, machine ${s.machineCores} cores busy, ` +
          `loss ${s.lossPct} % (video ${s.videoLossPct} %, worst stream ${s.worstStreamLossPct} %, silent streams ${s.silentStreams}, loss on the receiving streams ${s.receivingStreamsLossPct} %), ` +
          `out ${s.rtpOutPerSecond} pkt/s, ${s.cpuMicrosPerOutPacket} µs/out packet, latency p50 ${s.latencyP50Ms} p90 ${s.latencyP90Ms} p99 ${s.latencyP99Ms} ms (${s.latencyOver10MsPct} % over 10 ms), ` +
          `RSS ${s.serverRssMB} MB (setup ${setupSeconds.toFixed(1)} s)` +
          (errors.length ? `; errors: ${errors.join('; ')}` : ''),
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
  }
  log(`  stopped: ${stopReason}`);
  return { steps, stopReason, setupProblems };
}
