/**
 * One incoming track of a publisher and the forwarders fed from it. The fan-out loop is the
 * media hot path: a counter bump and one forward call per sink, no logging, no allocation here.
 */
import type { MediaStreamTrack, RTCRtpHeaderExtensionParameters, RTCRtpTransceiver, RtpPacket } from 'werift';
import type { CodecChoice } from './codecs.js';
import type { Counters } from './counters.js';
import type { RtpForwarder } from './RtpForwarder.js';

export class PublishedTrack {
  readonly kind: 'audio' | 'video';
  readonly codec: CodecChoice;
  readonly transceiver: RTCRtpTransceiver;
  readonly track: MediaStreamTrack;
  readonly #sinks = new Set<RtpForwarder>();
  readonly #counters: Counters;
  #unsubscribe: (() => void) | undefined;

  constructor(transceiver: RTCRtpTransceiver, track: MediaStreamTrack, codec: CodecChoice, counters: Counters) {
    this.kind = codec.kind;
    this.codec = codec;
    this.transceiver = transceiver;
    this.track = track;
    this.#counters = counters;
    this.#unsubscribe = track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
      this.#counters.rtpPacketsIn++;
      for (const sink of this.#sinks) sink.forward(rtp);
    }).unSubscribe;
  }

  /** Header extensions as negotiated with the publisher (its ids). */
  get headerExtensions(): readonly RTCRtpHeaderExtensionParameters[] {
    return this.transceiver.headerExtensions;
  }

  /** The publisher's media SSRC, known from its offer. */
  get ssrc(): number | undefined {
    return this.track.ssrc;
  }

  addSink(sink: RtpForwarder): void {
    this.#sinks.add(sink);
  }

  removeSink(sink: RtpForwarder): void {
    this.#sinks.delete(sink);
  }

  close(): void {
    this.#sinks.clear();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
