/**
 * The SFU load generator, run in its own process (started by rtpLoadHandle.ts over IPC) so that
 * its CPU time is measured apart from the server's. Peers are node-datachannel (libdatachannel:
 * native ICE, DTLS, SRTP; no codecs) sending synthetic RTP through the room server's real
 * protocol: every participant joins with a JSON-RPC WebSocket (rpc.ts), publishes audio + video
 * with `publishVideo` and subscribes to every other participant with `receiveVideoFrom`. The
 * client always offers; its offer carries its candidates (gathering is waited for), the server's
 * candidates arrive as `iceCandidate` notifications and are added only after the answer is set
 * (libdatachannel aborts the process on a candidate before the remote description).
 *
 * Synthetic media, paced from one 5 ms timer:
 * - video: negotiated as VP8, 1,200-byte RTP packets at 52 packets/s (~499 kbit/s of RTP);
 * - audio: negotiated as Opus, 120-byte RTP packets at 50 packets/s (20 ms frames).
 * Every payload carries, after one descriptor byte, the send time (performance.timeOrigin +
 * performance.now(), float64) so the receiving peer (same process, same clock) measures the
 * time through the SFU. Loss per subscriber stream is counted from the RTP sequence numbers the
 * subscriber receives: 1 − received / (highest − first + 1) over the measurement window.
 *
 * IPC requests (each answered with { type: 'reply', id, ... }):
 *   { type: 'addRooms', id, wsUrl, rooms: string[], participants }
 *   { type: 'startWindow', id }  — zero the receive counters and latency samples
 *   { type: 'stopWindow', id }   — per-stream loss, latency percentiles, generator CPU
 *   { type: 'close', id }
 */
import nodeDataChannel, { type PeerConnection, type Track } from 'node-datachannel';
import { LoadClient } from './rpc.js';

const VIDEO_PACKET_BYTES = 1200;
const VIDEO_PACKETS_PER_SECOND = 52;
const AUDIO_PACKET_BYTES = 120;
const AUDIO_PACKETS_PER_SECOND = 50;
const TICK_MS = 5;

const now = (): number => performance.timeOrigin + performance.now();

/** One outgoing synthetic RTP stream. */
class Sender {
  #seq = Math.floor(Math.random() * 0xffff);
  #nextDue: number;
  readonly #packet: Buffer;
  readonly #intervalMs: number;
  readonly #start = now();
  sent = 0;

  constructor(
    readonly track: Track,
    readonly ssrc: number,
    payloadType: number,
    readonly clockRate: number,
    bytes: number,
    packetsPerSecond: number,
    phaseMs: number,
  ) {
    this.#packet = Buffer.alloc(bytes);
    this.#packet[0] = 0x80;
    this.#packet[1] = payloadType & 0x7f;
    this.#packet.writeUInt32BE(ssrc >>> 0, 8);
    this.#packet[12] = 0x10; // VP8 payload descriptor: start of partition (an Opus TOC byte for audio)
    this.#intervalMs = 1000 / packetsPerSecond;
    this.#nextDue = this.#start + phaseMs;
  }

  /** Sends the packets due by `t`. */
  pump(t: number): void {
    while (this.#nextDue <= t) {
      this.#nextDue += this.#intervalMs;
      if (!this.track.isOpen()) continue;
      const p = this.#packet;
      this.#seq = (this.#seq + 1) & 0xffff;
      p.writeUInt16BE(this.#seq, 2);
      p.writeUInt32BE(Math.floor(((t - this.#start) * this.clockRate) / 1000) >>> 0, 4);
      p.writeDoubleBE(now(), 13);
      this.track.sendMessageBinary(p);
      this.sent++;
    }
  }
}

/** One incoming stream at a subscriber, counted by sequence number. */
class Receiver {
  received = 0;
  #first = -1;
  #highest = -1; // extended
  #cycles = 0;
  #last = -1;

  constructor(readonly kind: 'audio' | 'video') {}

  reset(): void {
    this.received = 0;
    this.#first = -1;
    this.#highest = -1;
    this.#cycles = 0;
    this.#last = -1;
  }

  onSeq(seq: number): void {
    if (this.#last >= 0 && seq < this.#last && this.#last - seq > 0x8000) this.#cycles += 0x10000;
    const ext = this.#cycles + seq;
    if (this.#first < 0) this.#first = ext;
    if (ext > this.#highest) this.#highest = ext;
    this.#last = seq;
    this.received++;
  }

  get expected(): number {
    return this.#first < 0 ? 0 : this.#highest - this.#first + 1;
  }
}

interface Participant {
  user: string;
  client: LoadClient;
  publisher?: PeerConnection;
  subscriptions: Map<string, PeerConnection>;
  /** Candidates that arrived before the answer, per endpoint name. */
  early: Map<string, { candidate: string; mid: string }[]>;
  remoteSet: Set<string>;
}

const peers: PeerConnection[] = [];
const names = new WeakMap<PeerConnection, string>();
const tracks: Track[] = []; // kept referenced: libdatachannel closes tracks that are collected
const senders: Sender[] = [];
const receivers: Receiver[] = [];
const participants: Participant[] = [];
let latencies = new Float64Array(1 << 16);
let latencyCount = 0;
let windowOpen = false;
let errors: string[] = [];

function recordLatency(ms: number): void {
  if (!windowOpen) return;
  if (latencyCount === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2);
    bigger.set(latencies);
    latencies = bigger;
  }
  latencies[latencyCount++] = ms;
}

setInterval(() => {
  const t = now();
  for (const s of senders) s.pump(t);
}, TICK_MS);

function newPeer(name: string): PeerConnection {
  const pc = new nodeDataChannel.PeerConnection(name, { iceServers: [], bindAddress: '127.0.0.1', disableAutoNegotiation: true });
  peers.push(pc);
  names.set(pc, name);
  return pc;
}

/** Sets the local offer and waits until its candidates are gathered; returns the SDP. */
function offer(pc: PeerConnection): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('ICE gathering did not complete within 10 s')), 10_000);
    pc.onGatheringStateChange((state) => {
      if (state === 'complete') {
        clearTimeout(timer);
        resolve(pc.localDescription()!.sdp);
      }
    });
    pc.setLocalDescription('offer');
  });
}

function payloadTypeOf(sdp: string, codec: string): number {
  const m = new RegExp(`a=rtpmap:(\\d+) ${codec}/`, 'i').exec(sdp);
  if (!m) throw new Error(`the answer has no ${codec} payload type`);
  return Number(m[1]);
}

function applyAnswer(p: Participant, endpoint: string, pc: PeerConnection, sdp: string): void {
  pc.setRemoteDescription(sdp, 'answer');
  p.remoteSet.add(endpoint);
  for (const c of p.early.get(endpoint) ?? []) pc.addRemoteCandidate(c.candidate, c.mid);
  p.early.delete(endpoint);
}

/** Routes a server candidate to the right peer, holding it until that peer's answer is set. */
function onServerCandidate(p: Participant, params: Record<string, unknown>): void {
  const name = String(params.endpointName ?? '');
  const candidate = String(params.candidate ?? '');
  if (!candidate) return;
  const mid = params.sdpMid === undefined || params.sdpMid === null ? '0' : String(params.sdpMid);
  const key = name === p.user || name === `${p.user}_webcam` ? 'publisher' : name.replace(/_webcam$/, '');
  const pc = key === 'publisher' ? p.publisher : p.subscriptions.get(key);
  if (pc && p.remoteSet.has(key)) pc.addRemoteCandidate(candidate, mid);
  else {
    const list = p.early.get(key) ?? [];
    list.push({ candidate, mid });
    p.early.set(key, list);
  }
}

let ssrcBase = 0x1000_0000 + Math.floor(Math.random() * 0x1000_0000);

async function publish(p: Participant, index: number): Promise<void> {
  const pc = newPeer(`${p.user}-pub`);
  p.publisher = pc;
  const videoSsrc = ssrcBase++;
  const audioSsrc = ssrcBase++;
  const video = new nodeDataChannel.Video('0', 'SendOnly');
  video.addVP8Codec(96);
  video.addSSRC(videoSsrc, `${p.user}-cam`, `${p.user}-stream`, `${p.user}-video`);
  const audio = new nodeDataChannel.Audio('1', 'SendOnly');
  audio.addOpusCodec(111);
  audio.addSSRC(audioSsrc, `${p.user}-cam`, `${p.user}-stream`, `${p.user}-audio`);
  const videoTrack = pc.addTrack(video);
  const audioTrack = pc.addTrack(audio);
  tracks.push(videoTrack, audioTrack);
  const sdpOffer = await offer(pc);
  const reply = await p.client.request('publishVideo', { sdpOffer, doLoopback: false });
  if (reply.error) throw new Error(`publishVideo ${p.user}: ${reply.error.message}`);
  const sdpAnswer = String(reply.result?.sdpAnswer ?? '');
  applyAnswer(p, 'publisher', pc, sdpAnswer);
  // Stagger the streams so that the publishers do not all send in the same millisecond.
  const phase = (index * 7.3) % 20;
  senders.push(new Sender(videoTrack, videoSsrc, payloadTypeOf(sdpAnswer, 'VP8'), 90_000, VIDEO_PACKET_BYTES, VIDEO_PACKETS_PER_SECOND, phase));
  senders.push(new Sender(audioTrack, audioSsrc, payloadTypeOf(sdpAnswer, 'opus'), 48_000, AUDIO_PACKET_BYTES, AUDIO_PACKETS_PER_SECOND, phase + 3));
}

async function subscribe(p: Participant, sender: string): Promise<void> {
  const pc = newPeer(`${p.user}-sub-${sender}`);
  p.subscriptions.set(sender, pc);
  const video = new nodeDataChannel.Video('0', 'RecvOnly');
  video.addVP8Codec(96);
  const audio = new nodeDataChannel.Audio('1', 'RecvOnly');
  audio.addOpusCodec(111);
  const rVideo = new Receiver('video');
  const rAudio = new Receiver('audio');
  receivers.push(rVideo, rAudio);
  let videoPt = -1;
  let audioPt = -1;
  const onPacket = (b: Buffer): void => {
    if (b.length < 12) return;
    const second = b[1];
    if (second >= 192 && second <= 223) return; // RTCP
    const pt = second & 0x7f;
    const r = pt === videoPt ? rVideo : pt === audioPt ? rAudio : undefined;
    if (!r) return;
    r.onSeq(b.readUInt16BE(2));
    let offset = 12 + 4 * (b[0] & 0x0f);
    if (b[0] & 0x10) offset += 4 + 4 * b.readUInt16BE(offset + 2);
    if (offset + 9 <= b.length) recordLatency(now() - b.readDoubleBE(offset + 1));
  };
  for (const media of [video, audio]) {
    const track = pc.addTrack(media);
    tracks.push(track);
    track.onMessage(onPacket);
  }
  const sdpOffer = await offer(pc);
  const reply = await p.client.request('receiveVideoFrom', { sender: `${sender}_webcam`, sdpOffer });
  if (reply.error) throw new Error(`receiveVideoFrom ${p.user} <- ${sender}: ${reply.error.message}`);
  const sdpAnswer = String(reply.result?.sdpAnswer ?? '');
  videoPt = payloadTypeOf(sdpAnswer, 'VP8');
  audioPt = payloadTypeOf(sdpAnswer, 'opus');
  applyAnswer(p, sender, pc, sdpAnswer);
}

async function inPool<T>(items: T[], concurrency: number, task: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i], i);
      }
    }),
  );
}

async function addRooms(wsUrl: string, rooms: string[], size: number): Promise<void> {
  for (const room of rooms) {
    const members: Participant[] = [];
    for (let i = 0; i < size; i++) {
      const client = await LoadClient.connect(wsUrl);
      const p: Participant = { user: `${room}-u${i}`, client, subscriptions: new Map(), early: new Map(), remoteSet: new Set() };
      client.onNotification = (method, params) => {
        if (method === 'iceCandidate') onServerCandidate(p, params);
      };
      client.ws.on('close', () => errors.push(`${p.user}: signalling socket closed`));
      await client.join(room, p.user);
      members.push(p);
    }
    await inPool(members, 10, (p) => publish(p, participants.length + members.indexOf(p)));
    const pairs = members.flatMap((p) => members.filter((o) => o !== p).map((o) => [p, o.user] as const));
    await inPool(pairs, 24, ([p, sender]) => subscribe(p, sender));
    participants.push(...members);
  }
  // Wait (at most 15 s) for every peer connection to be connected (ICE + DTLS done). Peers still
  // not connected then are left as they are and reported: their streams count as lost.
  const deadline = Date.now() + 15_000;
  while (peers.some((pc) => pc.state() !== 'connected') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

let windowStartedAt = 0;
let windowCpu = process.cpuUsage();
let windowSent = 0;

function startWindow(): void {
  for (const r of receivers) r.reset();
  latencyCount = 0;
  windowOpen = true;
  windowStartedAt = performance.now();
  windowCpu = process.cpuUsage();
  windowSent = senders.reduce((n, s) => n + s.sent, 0);
  errors = [];
}

function stopWindow(): Record<string, unknown> {
  windowOpen = false;
  const seconds = (performance.now() - windowStartedAt) / 1000;
  const cpu = process.cpuUsage(windowCpu);
  const sorted = latencies.slice(0, latencyCount).sort();
  const totals = () => ({ received: 0, expected: 0, silent: 0, worstLossPct: 0, connectedReceived: 0, connectedExpected: 0 });
  const streams = { video: totals(), audio: totals() };
  for (const r of receivers) {
    const s = streams[r.kind];
    // A stream that got nothing in the window lost all its publisher's packets (about rate × time).
    const expected = r.expected > 0 ? r.expected : Math.round(seconds * (r.kind === 'video' ? VIDEO_PACKETS_PER_SECOND : AUDIO_PACKETS_PER_SECOND));
    if (r.expected === 0) s.silent++;
    else {
      s.connectedReceived += r.received;
      s.connectedExpected += r.expected;
    }
    s.received += r.received;
    s.expected += expected;
    s.worstLossPct = Math.max(s.worstLossPct, expected > 0 ? (100 * Math.max(0, expected - r.received)) / expected : 0);
  }
  return {
    seconds,
    generatorCpuMicros: cpu.user + cpu.system,
    packetsSent: senders.reduce((n, s) => n + s.sent, 0) - windowSent,
    streams,
    subscriberStreams: receivers.length,
    latency: {
      samples: latencyCount,
      p50Ms: percentile(sorted, 0.5),
      p90Ms: percentile(sorted, 0.9),
      p99Ms: percentile(sorted, 0.99),
      maxMs: percentile(sorted, 1),
      over10Ms: latencyCount - lowerBound(sorted, 10),
    },
    errors: errors.slice(0, 10),
    peerStates: countStates(),
  };
}

/** Names and ICE/signalling states of the peer connections that are not connected, for the report. */
function notConnected(): string[] {
  return peers
    .filter((pc) => pc.state() !== 'connected')
    .slice(0, 10)
    .map((pc) => `${names.get(pc)} (state ${pc.state()}, ice ${pc.iceState()}, signalling ${pc.signalingState()}, gathering ${pc.gatheringState()})`);
}

function countStates(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pc of peers) out[pc.state()] = (out[pc.state()] ?? 0) + 1;
  return out;
}

type Request =
  | { type: 'addRooms'; id: number; wsUrl: string; rooms: string[]; participants: number }
  | { type: 'startWindow'; id: number }
  | { type: 'stopWindow'; id: number }
  | { type: 'close'; id: number };

function shutdown(): void {
  for (const p of participants) p.client.terminate();
  for (const pc of peers) pc.close();
  nodeDataChannel.cleanup();
  process.exit(0);
}

process.on('message', (raw) => {
  const m = raw as Request;
  const reply = (body: Record<string, unknown>) => process.send?.({ type: 'reply', id: m.id, ...body });
  if (m.type === 'addRooms') {
    addRooms(m.wsUrl, m.rooms, m.participants).then(
      () => reply({ ok: true, peers: peers.length, states: countStates(), notConnected: notConnected() }),
      (e: unknown) => reply({ ok: false, error: (e as Error).message }),
    );
  } else if (m.type === 'startWindow') {
    startWindow();
    reply({ ok: true });
  } else if (m.type === 'stopWindow') {
    reply({ ok: true, ...stopWindow() });
  } else if (m.type === 'close') {
    reply({ ok: true });
    setTimeout(shutdown, 50);
  }
});
process.on('disconnect', shutdown);
process.send?.({ type: 'ready' });
