/**
 * One incoming track of a publisher and the forwarders fed from it. The fan-out loop is the
 * media hot path: a counter bump and one forward call per sink, no logging, no allocation here.
 *
 * A video track has two possible sources: the publisher's own packets ('original') and, while a
 * video filter runs, the filter's output ('filtered'). Sinks receive exactly one source at a
 * time; a change of source waits for the first packet of a keyframe of the new source (so every
 * decoder can go on without a gap) and rebases each sink's numbering there. Until then the old
 * source keeps flowing.
 */
import type { MediaStreamTrack, RTCRtpHeaderExtensionParameters, RTCRtpTransceiver, RtpPacket } from 'werift';
import { audioLevelExtensionId, levelOf, readAudioLevel } from './audioLevel.js';
import type { CodecChoice } from './codecs.js';
import type { Counters } from './counters.js';
import type { RtpForwarder } from './RtpForwarder.js';
import { SpeakingDetector, type SpeakingDetectorOptions } from './SpeakingDetector.js';
import { isVp8KeyFrameStart } from './vp8.js';

export type TrackSource = 'original' | 'filtered';

export class PublishedTrack {
  readonly kind: 'audio' | 'video';
  readonly codec: CodecChoice;
  readonly transceiver: RTCRtpTransceiver;
  readonly track: MediaStreamTrack;
  readonly #sinks = new Set<RtpForwarder>();
  readonly #counters: Counters;
  #unsubscribe: (() => void) | undefined;
  #active: TrackSource = 'original';
  #wanted: TrackSource = 'original';
  /** Receives every original packet while a filter runs (the filter's input). */
  #tap: ((rtp: RtpPacket) => void) | undefined;
  readonly #switchListeners = new Set<(source: TrackSource) => void>();
  /** The publisher muted this track: nothing goes to the sinks (the tap still sees it). */
  #paused = false;
  /** Unmuted, waiting for a keyframe (VP8) before the sinks get packets again. */
  #resuming = false;
  /**
   * Whether this audio track is speaking, from the RFC 6464 level of its packets; undefined for
   * video, or when the publisher did not negotiate the audio level extension.
   */
  readonly speech: SpeakingDetector | undefined;
  /** The publisher's id of the audio level extension (0: not negotiated). */
  readonly #audioLevelId: number;

  constructor(
    transceiver: RTCRtpTransceiver,
    track: MediaStreamTrack,
    codec: CodecChoice,
    counters: Counters,
    speaking?: Readonly<SpeakingDetectorOptions>,
  ) {
    this.kind = codec.kind;
    this.codec = codec;
    this.transceiver = transceiver;
    this.track = track;
    this.#counters = counters;
    this.#audioLevelId = this.kind === 'audio' && speaking ? audioLevelExtensionId(transceiver.headerExtensions) : 0;
    this.speech = this.#audioLevelId !== 0 ? new SpeakingDetector(speaking) : undefined;
    const speech = this.speech;
    const levelId = this.#audioLevelId;
    this.#unsubscribe = track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
      this.#counters.rtpPacketsIn++;
      // The decrypted packet's size, from fields werift's parser already filled in.
      this.#counters.rtpBytesIn += rtp.header.payloadOffset + rtp.payload.length + rtp.header.paddingSize;
      if (speech) {
        // One byte of the already parsed header, no allocation.
        const byte = readAudioLevel(rtp.header.extensions, levelId);
        if (byte >= 0) speech.addSample(levelOf(byte));
      }
      if (this.#tap) this.#tap(rtp);
      if (this.#active !== 'original' && !this.#switchOn(rtp, 'original')) return;
      if ((this.#paused || this.#resuming) && !this.#resumeOn(rtp)) return;
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

  /** Whether the sinks can be switched between sources at keyframes (VP8 video). */
  get switchable(): boolean {
    return this.kind === 'video' && this.codec.name.toLowerCase() === 'vp8';
  }

  /** The source the sinks receive now. */
  get activeSource(): TrackSource {
    return this.#active;
  }

  /** Asks for a change of source; it happens at the next keyframe of that source. */
  want(source: TrackSource): void {
    this.#wanted = source;
  }

  /** Switches now, without waiting for a keyframe (the new source's decoders recover on a later one). */
  forceSwitch(source: TrackSource): void {
    this.#wanted = source;
    if (this.#active !== source) this.#switch(source);
  }

  setTap(tap: ((rtp: RtpPacket) => void) | undefined): void {
    this.#tap = tap;
  }

  /** A packet of the filtered video, in the publisher's payload type. */
  feedFiltered(rtp: RtpPacket): void {
    if (this.#active !== 'filtered' && !this.#switchOn(rtp, 'filtered')) return;
    if ((this.#paused || this.#resuming) && !this.#resumeOn(rtp)) return;
    for (const sink of this.#sinks) sink.forward(rtp);
  }

  get paused(): boolean {
    return this.#paused;
  }

  /**
   * Stops (true) or restarts (false) forwarding to every sink. A muted camera still sends black
   * frames; holding them back saves every subscriber's bandwidth. After a pause the sinks resume
   * at a keyframe (VP8; the caller asks the publisher for one) with their numbering rebased, so
   * each subscriber sees one continuous stream rather than a gap to NACK.
   */
  setPaused(paused: boolean): void {
    if (paused === this.#paused) return;
    this.#paused = paused;
    this.#resuming = !paused;
  }

  /** Whether `rtp` ends a pause (not paused any more and, for VP8, a keyframe starts). */
  #resumeOn(rtp: RtpPacket): boolean {
    if (this.#paused) return false;
    if (this.switchable && !isVp8KeyFrameStart(rtp.payload)) return false;
    this.#resuming = false;
    for (const sink of this.#sinks) sink.rebase();
    return true;
  }

  onSwitch(listener: (source: TrackSource) => void): () => void {
    this.#switchListeners.add(listener);
    return () => this.#switchListeners.delete(listener);
  }

  /** Switches to `source` if it is wanted and `rtp` starts a keyframe; tells whether `rtp` is to be forwarded. */
  #switchOn(rtp: RtpPacket, source: TrackSource): boolean {
    if (this.#wanted !== source || !isVp8KeyFrameStart(rtp.payload)) return false;
    this.#switch(source);
    return true;
  }

  #switch(source: TrackSource): void {
    this.#active = source;
    for (const sink of this.#sinks) sink.rebase();
    for (const listener of this.#switchListeners) listener(source);
  }

  addSink(sink: RtpForwarder): void {
    this.#sinks.add(sink);
  }

  removeSink(sink: RtpForwarder): void {
    this.#sinks.delete(sink);
  }

  close(): void {
    this.#sinks.clear();
    this.#switchListeners.clear();
    this.#tap = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
