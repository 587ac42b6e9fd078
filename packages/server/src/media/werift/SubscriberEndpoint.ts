/**
 * A subscriber: answers the client's recvonly offer with senders fed from one publisher's tracks,
 * in the publisher's codec under the subscriber's payload types. Keyframe needs of the subscriber
 * (connection up, PLI, FIR) become throttled keyframe requests to the publisher.
 */
import {
  MediaStream,
  PictureLossIndication,
  RtcpPayloadSpecificFeedback,
  type RTCDataChannel,
  type RTCDtlsTransport,
  type RtcpPacket,
} from 'werift';
import { MediaEngineError } from '../MediaEngine.js';
import { choosePublisherCodec, matchSubscriberCodec, planFor, weriftCodecs, weriftHeaderExtensions, type CodecChoice } from './codecs.js';
import { acceptInactive, streamIdFor } from './answerSdp.js';
import { errorMessage } from './log.js';
import { inspectOffer, restrictOffer, type SectionPlan } from './offerSdp.js';
import { PeerEndpoint, type EndpointContext } from './PeerEndpoint.js';
import type { PublishedTrack } from './PublishedTrack.js';
import type { PublisherEndpoint } from './PublisherEndpoint.js';
import { RtpForwarder, extensionIdMap } from './RtpForwarder.js';
import { SubscriberRtcpAccounting } from './SubscriberRtcpAccounting.js';

/** RFC 5104 feedback message type of a Full Intra Request (werift does not export its class). */
const FIR_FMT = 4;

interface SectionSource {
  kind: 'audio' | 'video';
  /** The offer's `a=mid` of this section. */
  mid: string | undefined;
  choice: CodecChoice;
  /** Undefined when the publisher has no track for this section: it is answered inactive. */
  source: PublishedTrack | undefined;
}

export class SubscriberEndpoint extends PeerEndpoint {
  readonly publisher: PublisherEndpoint;
  readonly #sections: Map<number, SectionSource>;
  readonly #offerSdp: string;
  readonly #dataChannels: boolean;
  readonly #links: Array<{ source: PublishedTrack; forwarder: RtpForwarder }> = [];
  readonly #channels = new Set<RTCDataChannel>();
  #keyFrameAsked = false;

  static prepare(offerSdp: string, publisher: PublisherEndpoint): { sdp: string; sections: Map<number, SectionSource> } {
    const summary = inspectOffer(offerSdp);
    const sections = new Map<number, SectionSource>();
    const plans = new Map<number, SectionPlan>();
    const seen = { audio: 0, video: 0 };
    for (const section of summary.sections) {
      if (section.rejected || section.kind === 'application') continue;
      const kind = section.kind;
      const source = publisher.trackFor(kind, seen[kind]++);
      const choice = source ? matchSubscriberCodec(section, source.codec) : choosePublisherCodec(section);
      sections.set(section.index, { kind, mid: section.mid, choice, source });
      plans.set(section.index, planFor(choice));
    }
    if (![...sections.values()].some((s) => s.source)) {
      throw new MediaEngineError('sdp', `subscriber offer has no audio or video section matching what publisher ${publisher.id} sends`);
    }
    return { sdp: restrictOffer(offerSdp, plans), sections };
  }

  constructor(id: string, ctx: EndpointContext, publisher: PublisherEndpoint, offerSdp: string, dataChannels: boolean) {
    const prepared = SubscriberEndpoint.prepare(offerSdp, publisher);
    super(id, ctx, {
      codecs: weriftCodecs([...prepared.sections.values()].map((s) => s.choice)),
      headerExtensions: weriftHeaderExtensions(),
    });
    this.publisher = publisher;
    this.#sections = prepared.sections;
    this.#offerSdp = prepared.sdp;
    this.#dataChannels = dataChannels;
    if (dataChannels) {
      this.listen(this.pc.onDataChannel, (channel: RTCDataChannel) => {
        this.#channels.add(channel);
        publisher.dataRelay.add(channel);
      });
    }
  }

  get wantsData(): boolean {
    return this.#dataChannels;
  }

  async negotiate(): Promise<string> {
    // Sections are matched to transceivers by kind and order; sendonly ones get the publisher's
    // media, inactive ones answer a section the publisher has nothing for.
    // One stream named after the publisher, so the client's ontrack sees audio and video together.
    const streams = [new MediaStream({ id: streamIdFor(this.publisher.id) })];
    for (const section of this.#sections.values()) {
      this.pc.addTransceiver(section.kind, { direction: section.source ? 'sendonly' : 'inactive', streams });
    }
    const sdp = await this.answer(this.#offerSdp);
    this.#link();
    const idle = [...this.#sections.values()].filter((s) => !s.source && s.mid !== undefined).map((s) => s.mid!);
    return acceptInactive(sdp, new Set(idle));
  }

  #link(): void {
    const transports = new Set<RTCDtlsTransport>();
    for (const transceiver of this.pc.getTransceivers()) {
      const section = transceiver.mLineIndex === undefined ? undefined : this.#sections.get(transceiver.mLineIndex);
      if (!section?.source) continue;
      const idMap = extensionIdMap(section.source.headerExtensions, transceiver.headerExtensions);
      const forwarder = new RtpForwarder(transceiver.sender, idMap, this.ctx.counters, (error) =>
        this.ctx.log('debug', 'forwarding to subscriber failed', { endpointId: this.id, error: errorMessage(error) }),
        section.source.codec.clockRate,
      );
      // The timeline ends with the first keyframe forwarded: from then on the subscriber can decode.
      if (section.source.switchable) {
        forwarder.watchFirstPackets((keyFrame) => {
          if (!keyFrame) return this.timeline.mark('firstRtpForwarded');
          this.timeline.mark('firstKeyFrameForwarded');
          this.logTimeline();
        });
      }
      section.source.addSink(forwarder);
      this.#links.push({ source: section.source, forwarder });
      if (transceiver.dtlsTransport) transports.add(transceiver.dtlsTransport);
    }
    // FIR carries no media SSRC in its common header, so werift's router cannot hand it to a
    // sender; listening on the transport sees both PLI and FIR.
    const accounting = new SubscriberRtcpAccounting(this.ctx.counters);
    for (const transport of transports) {
      this.listen(transport.onRtcp, (packet: RtcpPacket) => {
        accounting.count(packet);
        if (packet.type !== RtcpPayloadSpecificFeedback.type) return;
        const count = (packet as RtcpPayloadSpecificFeedback).feedback?.count;
        if (count === PictureLossIndication.count || count === FIR_FMT) {
          this.timeline.mark('pliReceived');
          this.publisher.requestKeyFrame();
        }
      });
    }
  }

  /**
   * The new subscriber's keyframe is asked for the moment its DTLS handshake completes (SRTP can
   * flow), not when it is set up: a keyframe sent before that is lost, and the throttle would then
   * hold the useful request back for its whole interval (measured: first frame at ~490 ms after
   * subscribing instead of ~200 ms). Nor later, at the connection's 'connected', which werift
   * reports only once the data channels' SCTP is up too. Video is forwarded from the start: the
   * subscriber's browser asks for a keyframe itself if this one is lost. (Holding a new
   * subscriber's video until a keyframe, tried at this stop, left Chromium subscribers over
   * ICE-TCP and in a four-user demo scenario without video in CI: removed, docs/first-frame.md.)
   */
  protected override onDtlsConnected(): void {
    if (this.#keyFrameAsked) return;
    this.#keyFrameAsked = true;
    this.timeline.mark('keyFrameRequested');
    this.publisher.requestKeyFrame();
  }

  protected override onClose(): void {
    for (const { source, forwarder } of this.#links.splice(0)) source.removeSink(forwarder);
    for (const channel of this.#channels) this.publisher.dataRelay.remove(channel);
    this.#channels.clear();
  }
}
