/**
 * The synthetic RTP of the SFU load: what one publisher sends (Sender) and what one subscriber
 * counts (Receiver), the same whichever server is under test.
 *
 * - video: negotiated as VP8, 1,200-byte RTP packets at 52 packets/s (~499 kbit/s of RTP);
 * - audio: negotiated as Opus, 120-byte RTP packets at 50 packets/s (20 ms frames).
 * Every payload carries, after one descriptor byte, the send time (performance.timeOrigin +
 * performance.now(), float64) so the receiving peer (same process, same clock) measures the
 * time through the SFU. Loss per subscriber stream is counted from the RTP sequence numbers the
 * subscriber receives: 1 − received / (highest − first + 1) over the measurement window.
 */
import type { Track } from 'node-datachannel';

export const VIDEO_PACKET_BYTES = 1200;
export const VIDEO_PACKETS_PER_SECOND = 52;
export const AUDIO_PACKET_BYTES = 120;
export const AUDIO_PACKETS_PER_SECOND = 50;

export const now = (): number => performance.timeOrigin + performance.now();

/** One outgoing synthetic RTP stream. */
export class Sender {
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

  /** Sends the packets due by `t` (skips them, sequence numbers included, when `send` is false). */
  pump(t: number, send = true): void {
    while (this.#nextDue <= t) {
      this.#nextDue += this.#intervalMs;
      if (!send || !this.track.isOpen()) continue;
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
export class Receiver {
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

/** The payload type an SDP maps to `codec` (e.g. VP8, opus). */
export function payloadTypeOf(sdp: string, codec: string): number {
  const m = new RegExp(`a=rtpmap:(\\d+) ${codec}/`, 'i').exec(sdp);
  if (!m) throw new Error(`the SDP has no ${codec} payload type`);
  return Number(m[1]);
}
