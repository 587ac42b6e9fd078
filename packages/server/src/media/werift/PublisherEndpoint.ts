/**
 * A publisher: answers the client's sendonly (or, for loopback, sendrecv) offer, exposes its
 * incoming tracks to subscribers, requests keyframes for them, and relays its data channel.
 */
import {
  MediaStream,
  PictureLossIndication,
  RtcpPayloadSpecificFeedback,
  ReceiverEstimatedMaxBitrate,
  type RTCDataChannel,
  type RTCRtpTransceiver,
} from 'werift';
import { MediaEngineError } from '../MediaEngine.js';
import { choosePublisherCodec, planFor, weriftCodecs, weriftHeaderExtensions, type CodecChoice } from './codecs.js';
import { streamIdFor } from './answerSdp.js';
import { DataRelay } from './DataRelay.js';
import { KeyFrameThrottle } from './KeyFrameThrottle.js';
import { errorMessage } from './log.js';
import { inspectOffer, restrictOffer, type SectionPlan } from './offerSdp.js';
import { PeerEndpoint, type EndpointContext } from './PeerEndpoint.js';
import { PublishedTrack } from './PublishedTrack.js';
import { RtpForwarder, extensionIdMap } from './RtpForwarder.js';
import type { SpeakingDetector, SpeakingDetectorOptions } from './SpeakingDetector.js';
import type { SubscriberEndpoint } from './SubscriberEndpoint.js';
import { VideoFilterRun, type VideoFilterRunOptions } from './VideoFilterRun.js';
import type { FaceOverlayFilterSpec } from '../MediaEngine.js';

export interface PublisherOptions {
  loopback: boolean;
  dataChannels: boolean;
  keyFrameIntervalMs: number;
  /** Upper bound advertised with REMB; 0 disables REMB. */
  maxBitrate: number;
  /** Watch the audio tracks for speech (RFC 6464 levels) with these settings; absent: do not. */
  speaking?: Readonly<SpeakingDetectorOptions>;
}

const REMB_INTERVAL_MS = 1000;

export class PublisherEndpoint extends PeerEndpoint {
  readonly tracks: PublishedTrack[] = [];
  readonly subscribers = new Set<SubscriberEndpoint>();
  readonly dataRelay: DataRelay;
  readonly #options: PublisherOptions;
  readonly #throttle: KeyFrameThrottle;
  readonly #choices: Map<number, CodecChoice>;
  readonly #offerSdp: string;
  #rembTimer: NodeJS.Timeout | undefined;
  #filter: VideoFilterRun | undefined;
  /** Filter changes run one after another. */
  #filterQueue: Promise<unknown> = Promise.resolve();

  /** Validates the offer synchronously, so a bad one never creates a peer connection. */
  static prepare(offerSdp: string): { sdp: string; choices: Map<number, CodecChoice> } {
    const summary = inspectOffer(offerSdp);
    const choices = new Map<number, CodecChoice>();
    const plans = new Map<number, SectionPlan>();
    for (const section of summary.sections) {
      if (section.rejected || section.kind === 'application') continue;
      if (section.direction === 'recvonly' || section.direction === 'inactive') continue;
      const choice = choosePublisherCodec(section);
      choices.set(section.index, choice);
      plans.set(section.index, planFor(choice));
    }
    if (choices.size === 0) throw new MediaEngineError('sdp', 'publisher offer sends no audio or video');
    return { sdp: restrictOffer(offerSdp, plans), choices };
  }

  constructor(id: string, ctx: EndpointContext, offerSdp: string, options: PublisherOptions) {
    const prepared = PublisherEndpoint.prepare(offerSdp);
    super(id, ctx, {
      codecs: weriftCodecs([...prepared.choices.values()]),
      headerExtensions: weriftHeaderExtensions(),
    });
    this.#offerSdp = prepared.sdp;
    this.#choices = prepared.choices;
    this.#options = options;
    this.#throttle = new KeyFrameThrottle(options.keyFrameIntervalMs, () => this.#sendPli());
    this.dataRelay = new DataRelay(ctx.counters, (error) =>
      ctx.log('warn', 'data relay send failed', { endpointId: id, error: errorMessage(error) }),
    );
    if (options.dataChannels) {
      this.listen(this.pc.onDataChannel, (channel: RTCDataChannel) => {
        this.listen(channel.onMessage, (message) => {
          ctx.counters.dataMessagesIn++;
          this.dataRelay.broadcast(message);
        });
      });
    }
  }

  async negotiate(): Promise<string> {
    if (this.#options.loopback) {
      // Pre-created sendrecv transceivers are matched to the offer's m-lines by kind, in order,
      // so the answer sends back on the very sections it receives on.
      const streams = [new MediaStream({ id: streamIdFor(this.id) })];
      for (const choice of this.#choices.values()) this.pc.addTransceiver(choice.kind, { direction: 'sendrecv', streams });
    }
    const sdp = await this.answer(this.#offerSdp);
    this.#attachTracks();
    if (this.tracks.length === 0) {
      throw new MediaEngineError('sdp', 'publisher offer has no media stream with an SSRC to receive');
    }
    return sdp;
  }

  #attachTracks(): void {
    for (const transceiver of this.pc.getTransceivers()) {
      const choice = transceiver.mLineIndex === undefined ? undefined : this.#choices.get(transceiver.mLineIndex);
      const track = transceiver.receiver.tracks[0];
      if (!choice || !track) continue;
      const published = new PublishedTrack(transceiver, track, choice, this.ctx.counters, this.#options.speaking);
      this.tracks.push(published);
      if (this.#options.loopback && transceiver.direction === 'sendrecv') this.#loopBack(published, transceiver);
    }
  }

  #loopBack(published: PublishedTrack, transceiver: RTCRtpTransceiver): void {
    const idMap = extensionIdMap(published.headerExtensions, transceiver.headerExtensions);
    published.addSink(
      new RtpForwarder(transceiver.sender, idMap, this.ctx.counters, (error) =>
        this.ctx.log('debug', 'loopback send failed', { endpointId: this.id, error: errorMessage(error) }),
        published.codec.clockRate,
      ),
    );
    this.listen(transceiver.sender.onPictureLossIndication, () => this.requestKeyFrame());
  }

  /** The speaking detectors of the audio tracks that carry levels. */
  get speechDetectors(): SpeakingDetector[] {
    const out: SpeakingDetector[] = [];
    for (const t of this.tracks) if (t.speech) out.push(t.speech);
    return out;
  }

  /** The published track a subscriber's n-th section of `kind` receives. */
  trackFor(kind: 'audio' | 'video', nth: number): PublishedTrack | undefined {
    return this.tracks.filter((t) => t.kind === kind)[nth];
  }

  get videoFilter(): VideoFilterRun | undefined {
    return this.#filter;
  }

  /**
   * Runs `filter` on the video track (replacing a running one), or removes the filter with null.
   * `onEnded` hears of a filter whose process died on its own.
   */
  setVideoFilter(filter: FaceOverlayFilterSpec | null, options: VideoFilterRunOptions, onEnded: (reason: string) => void): Promise<void> {
    const run = async () => {
      const old = this.#filter;
      this.#filter = undefined;
      await old?.stop();
      if (!filter || this.closed) return;
      const track = this.tracks.find((t) => t.kind === 'video');
      if (!track) throw new MediaEngineError('unsupported', `publisher ${this.id} sends no video to filter`);
      if (!track.switchable) throw new MediaEngineError('unsupported', `video filters need VP8 video; publisher ${this.id} sends ${track.codec.name}`);
      const filterRun: VideoFilterRun = new VideoFilterRun(track, filter, options, () => this.requestKeyFrame(), this.ctx.log, (reason) => {
        if (this.#filter === filterRun) this.#filter = undefined;
        onEnded(reason);
      });
      this.#filter = filterRun;
      try {
        await filterRun.start();
      } catch (error) {
        if (this.#filter === filterRun) this.#filter = undefined;
        throw error;
      }
      if (this.closed) {
        filterRun.kill();
        throw new MediaEngineError('closed', `publisher ${this.id} closed while its filter started`);
      }
      this.ctx.log('info', 'video filter on', { endpointId: this.id, type: filter.type, pid: filterRun.pid });
    };
    const done = this.#filterQueue.then(run, run);
    this.#filterQueue = done.catch(() => {});
    return done;
  }

  /**
   * Pauses (false) or resumes (true) forwarding of the video to subscribers and loopback; on
   * resume a keyframe is asked for at once, so every subscriber's picture comes back without
   * waiting for the publisher's next periodic keyframe.
   */
  setVideoActive(active: boolean): void {
    for (const track of this.tracks) if (track.kind === 'video') track.setPaused(!active);
    if (active) this.requestKeyFrame();
  }

  requestKeyFrame(): void {
    if (this.closed || !this.tracks.some((t) => t.kind === 'video')) return;
    this.#throttle.request();
  }

  #sendPli(): void {
    if (this.closed || this.state !== 'connected') return;
    let sent = false;
    for (const published of this.tracks) {
      const ssrc = published.ssrc;
      if (published.kind !== 'video' || ssrc === undefined) continue;
      const receiver = published.transceiver.receiver;
      const packet = new RtcpPayloadSpecificFeedback({
        feedback: new PictureLossIndication({ senderSsrc: receiver.rtcpSsrc, mediaSsrc: ssrc }),
      });
      receiver.dtlsTransport.sendRtcp([packet]).catch((error: unknown) =>
        this.ctx.log('debug', 'PLI send failed', { endpointId: this.id, error: errorMessage(error) }),
      );
      sent = true;
    }
    if (sent) this.ctx.counters.keyFrameRequests++;
  }

  protected override onStateChange(state: string): void {
    if (state === 'connected') {
      if (this.#options.loopback) this.requestKeyFrame();
      this.#startRemb();
    } else {
      this.#stopRemb();
    }
  }

  /**
   * REMB tells the publisher's encoder how much the SFU accepts. It is a cap, not an estimate:
   * with transport-cc negotiated the publisher's own delay-based estimator does the ramp-up from
   * werift's transport-wide feedback, and this keeps it under `maxBitrate`.
   */
  #startRemb(): void {
    if (this.#rembTimer || this.#options.maxBitrate <= 0) return;
    const video = this.tracks.filter((t) => t.kind === 'video' && t.ssrc !== undefined);
    if (video.length === 0) return;
    const { brExp, brMantissa } = rembBitrate(this.#options.maxBitrate);
    const send = () => {
      for (const published of video) {
        const receiver = published.transceiver.receiver;
        const packet = new RtcpPayloadSpecificFeedback({
          feedback: new ReceiverEstimatedMaxBitrate({
            senderSsrc: receiver.rtcpSsrc,
            mediaSsrc: 0,
            ssrcNum: 1,
            brExp,
            brMantissa,
            ssrcFeedbacks: [published.ssrc!],
          }),
        });
        receiver.dtlsTransport.sendRtcp([packet]).catch(() => {});
      }
    };
    send();
    this.#rembTimer = setInterval(send, REMB_INTERVAL_MS);
  }

  #stopRemb(): void {
    if (this.#rembTimer) clearInterval(this.#rembTimer);
    this.#rembTimer = undefined;
  }

  protected override onClose(): void {
    this.#filter?.kill();
    this.#filter = undefined;
    this.#stopRemb();
    this.#throttle.close();
    for (const published of this.tracks) published.close();
    this.dataRelay.clear();
  }
}

/** REMB's 6-bit exponent / 18-bit mantissa encoding of a bitrate in bit/s. */
export function rembBitrate(bitrate: number): { brExp: number; brMantissa: number } {
  let brExp = 0;
  let mantissa = Math.max(0, Math.floor(bitrate));
  while (mantissa >= 1 << 18) {
    mantissa = Math.floor(mantissa / 2);
    brExp++;
  }
  return { brExp, brMantissa: mantissa };
}
