/**
 * Feeds one subscriber's RTCRtpSender from a publisher track. The send path rewrites the header
 * it is given (SSRC, payload type, header extensions) and keeps it for NACK retransmission, so
 * each subscriber gets its own header object; the payload buffer is shared since nobody writes to
 * it. Numbering starts from the publisher's, so a subscriber that joins late sees the publisher's
 * sequence space under its own SSRC: one continuous stream.
 *
 * When the track's source changes (a video filter goes on or off), `rebase()` makes the next
 * packet continue this subscriber's sequence numbers and timestamps where the previous source
 * left them, so the subscriber sees one stream (same SSRC, no sequence jump, time moving on).
 */
import { RtpHeader, type RtpPacket, type RTCRtpHeaderExtensionParameters, type RTCRtpSender } from 'werift';
import { SENDER_OWNED_EXTENSIONS } from './codecs.js';
import type { Counters } from './counters.js';
import { SenderFastPath } from './SenderFastPath.js';
import { isVp8KeyFrameStart } from './vp8.js';

type Extension = RtpHeader['extensions'][number];

const NO_EXTENSIONS: Extension[] = [];

/**
 * Maps the publisher's header extension ids to the subscriber's (0 = drop). Extensions the
 * send path writes itself (SenderFastPath) are dropped: the packet would carry their id twice.
 */
export function extensionIdMap(
  from: readonly RTCRtpHeaderExtensionParameters[],
  to: readonly RTCRtpHeaderExtensionParameters[],
): Uint8Array | undefined {
  const map = new Uint8Array(256);
  let any = false;
  for (const ext of from) {
    if (SENDER_OWNED_EXTENSIONS.has(ext.uri)) continue;
    const target = to.find((t) => t.uri === ext.uri);
    if (target && ext.id > 0 && ext.id < 256) {
      map[ext.id] = target.id;
      any = true;
    }
  }
  return any ? map : undefined;
}

export class RtpForwarder {
  readonly #path: SenderFastPath;
  readonly #idMap: Uint8Array | undefined;
  readonly #counters: Counters;
  readonly #onError: (error: unknown) => void;
  readonly #ticksPerMs: number;
  #seqDelta = 0;
  #tsDelta = 0;
  #lastSeq = -1;
  #lastTs = 0;
  #lastAt = 0;
  #rebase = false;
  /** Told of the first packet forwarded and the first VP8 keyframe start, then dropped. */
  #firstPackets: ((keyFrame: boolean) => void) | undefined;
  #sentAny = false;

  constructor(
    sender: RTCRtpSender,
    idMap: Uint8Array | undefined,
    counters: Counters,
    onError: (error: unknown) => void,
    clockRate = 90_000,
  ) {
    this.#path = new SenderFastPath(sender);
    this.#idMap = idMap;
    this.#counters = counters;
    this.#onError = onError;
    this.#ticksPerMs = clockRate / 1000;
  }

  /**
   * Calls `watcher(false)` after the first packet is sent and `watcher(true)` after the first
   * one that starts a VP8 keyframe (for the set-up timeline); costs one test per packet until then.
   */
  watchFirstPackets(watcher: (keyFrame: boolean) => void): void {
    this.#firstPackets = watcher;
  }

  /** The next packet comes from another source: continue the outgoing numbering from here. */
  rebase(): void {
    this.#rebase = true;
  }

  forward(rtp: RtpPacket): void {
    if (!this.#path.ready) return;
    const header = new RtpHeader(rtp.header);
    // werift's parser strips a packet's padding bytes from its payload; the flag must go too, or
    // the subscriber reads the payload's last byte as a padding length.
    header.padding = false;
    header.extensions = this.#mapExtensions(rtp.header.extensions);
    this.#renumber(header);
    this.#counters.rtpPacketsOut++;
    try {
      this.#path.send(header, rtp.payload);
      // Counted after send(), which puts the sender's own extensions in the header; serializeSize
      // only adds up lengths (no allocation).
      this.#counters.rtpBytesOut += header.serializeSize + rtp.payload.length;
      if (this.#firstPackets) this.#noteFirst(rtp.payload);
    } catch (error) {
      this.#onError(error);
    }
  }

  #noteFirst(payload: Buffer): void {
    const watcher = this.#firstPackets!;
    if (!this.#sentAny) {
      this.#sentAny = true;
      watcher(false);
    }
    if (isVp8KeyFrameStart(payload)) {
      this.#firstPackets = undefined;
      watcher(true);
    }
  }

  #renumber(header: RtpHeader): void {
    const now = performance.now();
    if (this.#rebase) {
      this.#rebase = false;
      if (this.#lastSeq >= 0) {
        this.#seqDelta = (this.#lastSeq + 1 - header.sequenceNumber) & 0xffff;
        const elapsed = Math.max(1, Math.round((now - this.#lastAt) * this.#ticksPerMs));
        this.#tsDelta = (this.#lastTs + elapsed - header.timestamp) >>> 0;
      }
    }
    if (this.#seqDelta !== 0) header.sequenceNumber = (header.sequenceNumber + this.#seqDelta) & 0xffff;
    if (this.#tsDelta !== 0) header.timestamp = (header.timestamp + this.#tsDelta) >>> 0;
    // Remember the newest packet (not a late, reordered one) as the point to continue from.
    if (this.#lastSeq < 0 || ((header.sequenceNumber - this.#lastSeq) & 0xffff) < 0x8000) {
      this.#lastSeq = header.sequenceNumber;
      this.#lastTs = header.timestamp;
      this.#lastAt = now;
    }
  }

  #mapExtensions(extensions: Extension[]): Extension[] {
    const map = this.#idMap;
    if (!map || extensions.length === 0) return NO_EXTENSIONS;
    let out: Extension[] | undefined;
    for (const ext of extensions) {
      const id = map[ext.id];
      if (id) (out ??= []).push(id === ext.id ? ext : { id, payload: ext.payload });
    }
    return out ?? NO_EXTENSIONS;
  }
}
