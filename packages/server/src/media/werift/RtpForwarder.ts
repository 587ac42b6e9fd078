/**
 * Feeds one subscriber's RTCRtpSender from a publisher track. werift's `sendRtp` rewrites the
 * packet it is given (SSRC, payload type, sequence/timestamp offsets, header extensions) and keeps
 * it for NACK retransmission, so each subscriber gets its own header object; the payload buffer is
 * shared since nobody writes to it. The sender's offsets start at zero, so a subscriber that joins
 * late sees the publisher's sequence space under its own SSRC: one continuous stream.
 */
import { RtpHeader, RtpPacket, type RTCRtpHeaderExtensionParameters, type RTCRtpSender } from 'werift';
import { SENDER_OWNED_EXTENSIONS } from './codecs.js';
import type { Counters } from './counters.js';

type Extension = RtpHeader['extensions'][number];

const NO_EXTENSIONS: Extension[] = [];

/**
 * Maps the publisher's header extension ids to the subscriber's (0 = drop). Extensions the
 * sender writes itself are dropped: werift copies incoming values over its own when ids collide.
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
  readonly #sender: RTCRtpSender;
  readonly #idMap: Uint8Array | undefined;
  readonly #counters: Counters;
  readonly #onError: (error: unknown) => void;

  constructor(sender: RTCRtpSender, idMap: Uint8Array | undefined, counters: Counters, onError: (error: unknown) => void) {
    this.#sender = sender;
    this.#idMap = idMap;
    this.#counters = counters;
    this.#onError = onError;
  }

  forward(rtp: RtpPacket): void {
    if (this.#sender.stopped || this.#sender.dtlsTransport?.state !== 'connected') return;
    const header = new RtpHeader(rtp.header);
    header.extensions = this.#mapExtensions(rtp.header.extensions);
    this.#counters.rtpPacketsOut++;
    this.#sender.sendRtp(new RtpPacket(header, rtp.payload)).catch(this.#onError);
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
