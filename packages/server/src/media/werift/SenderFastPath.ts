/**
 * Sends forwarded RTP to one subscriber without werift's `RTCRtpSender.sendRtp`. The profile of
 * the SFU benchmark showed that call costing more than the SRTP encryption per packet: an NTP
 * time built through a string split, the sender's extensions rebuilt, merged and sorted, a
 * bandwidth-estimator entry nobody reads, and three `async` layers (a promise and a microtask
 * each) before the socket is reached. This path does what the subscriber needs, synchronously:
 * - the sender's SSRC and payload type, its own header extensions (MID, abs-send-time,
 *   transport-wide sequence number) next to the mapped publisher ones;
 * - the packet's plaintext kept in the sender's history ring (RtpHistory.ts), which stands in
 *   for werift's `rtpCache`, so werift still answers NACKs (and wraps RTX) from it;
 * - the counters werift's RTCP sender reports come from (packets, octets, RTP and NTP time);
 * - SRTP with the transport's context, from the bytes in the ring (AES-CM/HMAC-SHA1-80 through
 *   srtpAesCm.ts with no OpenSSL object per packet, AES-GCM through srtpGcm.ts), then one
 *   datagram on the nominated ICE pair.
 * It reads werift fields that are not public API; test/media/forwarding.test.ts checks what a
 * subscriber receives through it (SSRC, extensions, sender reports, NACK retransmission).
 */
import { RTP_EXTENSION_URI, RtpPacket, type RtpHeader, type RTCRtpSender } from 'werift';
import { headerSize, writable, writeHeader } from './rtpBytes.js';
import { AUDIO_HISTORY_BYTES, RtpHistory, VIDEO_HISTORY_BYTES } from './RtpHistory.js';
import { encryptRtpAesCmPacket, type WeriftCmContext } from './srtpAesCm.js';
import { encryptRtpGcmPacket, type WeriftSrtpContext } from './srtpGcm.js';

type Extension = RtpHeader['extensions'][number];

interface UdpTransport {
  type: string;
  closed: boolean;
  socket: { send(data: Buffer, port: number, address: string): void };
  send(data: Buffer, addr: readonly [string, number]): Promise<void>;
}

interface IceAgent {
  /** `protocol.type` is 'stun' for a plain UDP pair; TURN and TCP pairs have no `transport`. */
  nominated?: { protocol: { type: string; transport?: UdpTransport }; remoteAddr: readonly [string, number]; packetsSent: number; bytesSent: number };
  canSendApplicationData(): boolean;
  /** werift's own send on the nominated pair: wraps for TURN, frames for TCP. */
  send(data: Buffer): Promise<void>;
}

interface DtlsInternals {
  state: string;
  transportSequenceNumber: number;
  bytesSent: number;
  packetsSent: number;
  srtp: { encrypt(payload: Buffer, header: RtpHeader): Buffer; localContext: WeriftSrtpContext & WeriftCmContext };
  iceTransport: { connection: IceAgent };
}

interface SenderInternals {
  kind: string;
  ssrc: number;
  stopped: boolean;
  mid?: string;
  codec?: { payloadType: number };
  headerExtensions: Array<{ id: number; uri: string }>;
  dtlsTransport?: DtlsInternals;
  rtpCache: unknown[];
  packetCount: number;
  octetCount: number;
  rtpTimestamp: number;
  ntpTimestamp: bigint;
  rtcpRunning: boolean;
  runRtcp(): Promise<void>;
}

/** Milliseconds from the NTP epoch (1900) to the Unix epoch. */
const NTP_EPOCH_OFFSET_MS = 2_208_988_800_000;

/**
 * The 64-bit NTP timestamp (RFC 5905: seconds since 1900 in the high 32 bits, modulo 2^32 so it
 * survives the 2036 era rollover, and the fraction in the low 32) of a Unix time in ms.
 */
export function ntpFromUnixMs(unixMs: number): bigint {
  const ms = unixMs + NTP_EPOCH_OFFSET_MS;
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.floor(((ms - seconds * 1000) / 1000) * 0x1_0000_0000);
  return (BigInt(seconds >>> 0) << 32n) | BigInt(fraction >>> 0);
}

export class SenderFastPath {
  readonly #sender: SenderInternals;
  readonly #history: RtpHistory;
  #ids: { mid: number; absSendTime: number; transportCc: number } | undefined;
  #midPayload: Buffer | undefined;
  /** When the newest packet went out; the NTP time of RTCP reports is derived lazily from it. */
  #lastSentAt = 0;

  constructor(sender: RTCRtpSender) {
    this.#sender = sender as unknown as SenderInternals;
    this.#history = new RtpHistory(this.#sender.kind === 'audio' ? AUDIO_HISTORY_BYTES : VIDEO_HISTORY_BYTES);
    this.#sender.rtpCache = this.#history.view;
    // Computing the NTP time per packet is wasted work: werift reads it only when it writes a
    // sender report, every 0.5-1.5 s. Answer that read from the last send time instead; the
    // same value on every read, since werift reads it twice per report (the report, and the
    // LSR it matches receiver reports against).
    const lastSentAt = () => this.#lastSentAt;
    Object.defineProperty(this.#sender, 'ntpTimestamp', {
      configurable: true,
      get: () => (lastSentAt() === 0 ? 0n : ntpFromUnixMs(performance.timeOrigin + lastSentAt())),
      set: () => undefined,
    });
  }

  /** Whether a packet sent now would leave: connected, negotiated, not stopped. */
  get ready(): boolean {
    const s = this.#sender;
    return !s.stopped && s.dtlsTransport?.state === 'connected' && s.codec !== undefined;
  }

  /**
   * Sends `header` (already renumbered, carrying only the forwarded extensions) with `payload`.
   * The header object becomes the sender's: it is kept for retransmission.
   */
  send(header: RtpHeader, payload: Buffer): void {
    const s = this.#sender;
    const transport = s.dtlsTransport!;
    header.ssrc = s.ssrc;
    header.payloadType = s.codec!.payloadType;
    header.extensions = this.#withOwnExtensions(header.extensions, transport);
    const plain = this.#keep(header, payload);
    s.rtpTimestamp = header.timestamp;
    // 32-bit fields of the sender report: werift's serializer throws on larger values.
    s.octetCount = (s.octetCount + payload.length) >>> 0;
    s.packetCount = (s.packetCount + 1) >>> 0;
    this.#lastSentAt = performance.now();
    if (!s.rtcpRunning) void s.runRtcp();

    const ctx = transport.srtp.localContext;
    const encrypted =
      (plain &&
        (encryptRtpAesCmPacket(ctx, plain.bytes, plain.headerSize, header.ssrc, header.sequenceNumber) ??
          encryptRtpGcmPacket(ctx, plain.bytes, plain.headerSize, header.ssrc, header.sequenceNumber))) ??
      transport.srtp.encrypt(payload, header);
    const agent = transport.iceTransport.connection;
    const pair = agent.nominated;
    if (!pair || !agent.canSendApplicationData()) return;
    const udp = pair.protocol.type === 'stun' ? pair.protocol.transport : undefined;
    if (udp?.closed) return;
    transport.bytesSent += encrypted.length;
    transport.packetsSent++;
    if (udp?.type === 'udp') {
      udp.socket.send(encrypted, pair.remoteAddr[1], pair.remoteAddr[0]);
      pair.packetsSent++;
      pair.bytesSent += encrypted.length;
    } else {
      // TURN and TCP pairs: werift wraps or frames the packet (and counts it on the pair).
      void agent.send(encrypted).catch(() => undefined);
    }
  }

  /**
   * Writes the packet's plaintext into the history ring; returns its bytes there (a view) and
   * its header's size, or undefined for a header only werift can write (then kept through
   * werift's serializer) or a packet larger than the ring.
   */
  #keep(header: RtpHeader, payload: Buffer): { bytes: Buffer; headerSize: number } | undefined {
    const history = this.#history;
    if (!writable(header)) {
      history.storePacket(new RtpPacket(header, payload));
      return undefined;
    }
    const size = headerSize(header);
    const at = history.reserve(header.sequenceNumber, size + payload.length);
    if (at === undefined) return undefined;
    const ring = history.buffer;
    writeHeader(header, ring, at);
    payload.copy(ring, at + size);
    return { bytes: ring.subarray(at, at + size + payload.length), headerSize: size };
  }

  #withOwnExtensions(forwarded: Extension[], transport: DtlsInternals): Extension[] {
    const ids = (this.#ids ??= this.#negotiatedIds());
    const out: Extension[] = [];
    if (ids.mid && this.#sender.mid) out.push({ id: ids.mid, payload: (this.#midPayload ??= Buffer.from(this.#sender.mid)) });
    if (ids.absSendTime) {
      // 6.18 fixed-point seconds, 24 bits (abs-send-time draft).
      const seconds = (performance.timeOrigin + performance.now()) / 1000;
      const value = Math.floor(seconds * 262_144) % 0x100_0000;
      const b = Buffer.allocUnsafe(3);
      b.writeUIntBE(value, 0, 3);
      out.push({ id: ids.absSendTime, payload: b });
    }
    if (ids.transportCc) {
      transport.transportSequenceNumber = (transport.transportSequenceNumber + 1) & 0xffff;
      const b = Buffer.allocUnsafe(2);
      b.writeUInt16BE(transport.transportSequenceNumber, 0);
      out.push({ id: ids.transportCc, payload: b });
    }
    for (const ext of forwarded) out.push(ext);
    return out.length > 1 ? out.sort((a, b) => a.id - b.id) : out;
  }

  #negotiatedIds(): { mid: number; absSendTime: number; transportCc: number } {
    const idOf = (uri: string) => this.#sender.headerExtensions.find((e) => e.uri === uri)?.id ?? 0;
    return {
      mid: idOf(RTP_EXTENSION_URI.sdesMid),
      absSendTime: idOf(RTP_EXTENSION_URI.absSendTime),
      transportCc: idOf(RTP_EXTENSION_URI.transportWideCC),
    };
  }
}
