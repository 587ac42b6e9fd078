/**
 * Paces every Sender of the generator and counts what its subscribers receive over a
 * measurement window: per-stream loss, send → receive latency, the generator's own CPU time.
 * Shared by every signalling driver, so the figures of each server under test are counted the
 * same way.
 */
import { AUDIO_PACKETS_PER_SECOND, Receiver, Sender, VIDEO_PACKETS_PER_SECOND, now } from './rtpStreams.js';

const TICK_MS = 5;

export interface StreamTotals {
  received: number;
  expected: number;
  /** Streams that received nothing during the window. */
  silent: number;
  worstLossPct: number;
  /** Packets received / expected on the streams that received at least one packet. */
  connectedReceived: number;
  connectedExpected: number;
}

export interface WindowResult {
  seconds: number;
  generatorCpuMicros: number;
  packetsSent: number;
  streams: { video: StreamTotals; audio: StreamTotals };
  subscriberStreams: number;
  latency: { samples: number; p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number; over10Ms: number };
}

/** What one subscriber peer connection receives: its video and audio streams. */
export class Subscription {
  /** Payload types, known once the SDP exchange says them; packets of other types are ignored. */
  videoPt = -1;
  audioPt = -1;

  constructor(
    readonly video: Receiver,
    readonly audio: Receiver,
    readonly meter: Meter,
  ) {}

  readonly onPacket = (b: Buffer): void => {
    if (b.length < 12) return;
    const second = b[1];
    if (second >= 192 && second <= 223) return; // RTCP
    const pt = second & 0x7f;
    const r = pt === this.videoPt ? this.video : pt === this.audioPt ? this.audio : undefined;
    if (!r) return;
    r.onSeq(b.readUInt16BE(2));
    // Past the CSRCs and the header extensions (an SFU may add its own) to the payload.
    let offset = 12 + 4 * (b[0] & 0x0f);
    if (b[0] & 0x10) offset += 4 + 4 * b.readUInt16BE(offset + 2);
    if (offset + 9 <= b.length) this.meter.recordLatency(now() - b.readDoubleBE(offset + 1));
  };
}

export class Meter {
  readonly #senders: Sender[] = [];
  readonly #receivers: Receiver[] = [];
  #latencies = new Float64Array(1 << 16);
  #latencyCount = 0;
  #open = false;
  #startedAt = 0;
  #cpu = process.cpuUsage();
  #sentBefore = 0;
  readonly #timer: NodeJS.Timeout;

  constructor() {
    // One timer for every stream: a timer per stream would cost more than the sending itself.
    this.#timer = setInterval(() => {
      const t = now();
      for (const s of this.#senders) s.pump(t, this.sending);
    }, TICK_MS);
  }

  /** False holds every stream's packets (they are skipped, not queued): connections without media, for the memory probe. */
  sending = true;

  addSender(sender: Sender): void {
    this.#senders.push(sender);
  }

  addSubscription(): Subscription {
    const s = new Subscription(new Receiver('video'), new Receiver('audio'), this);
    this.#receivers.push(s.video, s.audio);
    return s;
  }

  recordLatency(ms: number): void {
    if (!this.#open) return;
    if (this.#latencyCount === this.#latencies.length) {
      const bigger = new Float64Array(this.#latencies.length * 2);
      bigger.set(this.#latencies);
      this.#latencies = bigger;
    }
    this.#latencies[this.#latencyCount++] = ms;
  }

  startWindow(): void {
    for (const r of this.#receivers) r.reset();
    this.#latencyCount = 0;
    this.#open = true;
    this.#startedAt = performance.now();
    this.#cpu = process.cpuUsage();
    this.#sentBefore = this.#sent();
  }

  stopWindow(): WindowResult {
    this.#open = false;
    const seconds = (performance.now() - this.#startedAt) / 1000;
    const cpu = process.cpuUsage(this.#cpu);
    const sorted = this.#latencies.slice(0, this.#latencyCount).sort();
    const totals = (): StreamTotals => ({ received: 0, expected: 0, silent: 0, worstLossPct: 0, connectedReceived: 0, connectedExpected: 0 });
    const streams = { video: totals(), audio: totals() };
    for (const r of this.#receivers) {
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
      packetsSent: this.#sent() - this.#sentBefore,
      streams,
      subscriberStreams: this.#receivers.length,
      latency: {
        samples: this.#latencyCount,
        p50Ms: percentile(sorted, 0.5),
        p90Ms: percentile(sorted, 0.9),
        p99Ms: percentile(sorted, 0.99),
        maxMs: percentile(sorted, 1),
        over10Ms: this.#latencyCount - lowerBound(sorted, 10),
      },
    };
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #sent(): number {
    return this.#senders.reduce((n, s) => n + s.sent, 0);
  }
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
