/**
 * Which codecs the SFU accepts and how a subscriber is matched to what its publisher sends.
 * Forwarding never transcodes, so every section carries exactly one media codec (plus its RTX):
 * the publisher's first acceptable codec, and for a subscriber the same codec under the
 * subscriber's own payload type.
 */
import {
  RTCRtpCodecParameters,
  RTCRtpHeaderExtensionParameters,
  RTP_EXTENSION_URI,
  useAbsSendTime,
  useAudioLevelIndication,
  useSdesMid,
  useTransportWideCC,
} from 'werift';
import { MediaEngineError } from '../MediaEngine.js';
import type { OfferSection, OfferedCodec, SectionPlan } from './offerSdp.js';

/** A negotiated media codec of a published track, as plain data. */
export interface CodecChoice {
  kind: 'audio' | 'video';
  payloadType: number;
  name: string;
  clockRate: number;
  channels?: number;
  fmtp: string;
  rtxPayloadType?: number;
}

const ACCEPTED: Record<'audio' | 'video', readonly string[]> = {
  audio: ['opus'],
  video: ['vp8', 'h264'],
};

function fmtpParams(fmtp: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of fmtp.split(';')) {
    const [key, value] = part.split('=');
    if (key && value !== undefined) params.set(key.trim().toLowerCase(), value.trim().toLowerCase());
  }
  return params;
}

function rtxFor(section: OfferSection, payloadType: number): OfferedCodec | undefined {
  return section.codecs.find((c) => c.name.toLowerCase() === 'rtx' && fmtpParams(c.fmtp).get('apt') === String(payloadType));
}

function toChoice(kind: 'audio' | 'video', codec: OfferedCodec, section: OfferSection): CodecChoice {
  const rtx = kind === 'video' ? rtxFor(section, codec.payloadType) : undefined;
  // werift reads NACK support from the receiver's lowest payload type; an RTX below its media
  // codec would switch NACK generation off, so such an RTX is left out (plain retransmission).
  const usableRtx = rtx && rtx.payloadType > codec.payloadType ? rtx.payloadType : undefined;
  return {
    kind,
    payloadType: codec.payloadType,
    name: codec.name,
    clockRate: codec.clockRate,
    channels: codec.channels,
    fmtp: codec.fmtp,
    rtxPayloadType: usableRtx,
  };
}

/** The codec a publisher's section will send: the client's first preference we can forward. */
export function choosePublisherCodec(section: OfferSection): CodecChoice {
  const kind = section.kind;
  if (kind !== 'audio' && kind !== 'video') throw new MediaEngineError('internal', `no codecs for ${kind}`);
  const accepted = ACCEPTED[kind];
  const candidates = section.codecs.filter((c) => accepted.includes(c.name.toLowerCase()));
  // Among H264 variants prefer packetization-mode=1, which every browser decodes.
  const best =
    candidates.find((c) => c.name.toLowerCase() !== 'h264' || fmtpParams(c.fmtp).get('packetization-mode') === '1') ??
    candidates[0];
  if (!best) {
    const offered = [...new Set(section.codecs.map((c) => c.name))].join(', ') || 'none';
    throw new MediaEngineError('sdp', `${kind} m-line ${section.index} offers no supported codec (offered: ${offered}; supported: ${accepted.join(', ')})`);
  }
  return toChoice(kind, best, section);
}

function h264Compatible(a: string, b: string): boolean {
  const pa = fmtpParams(a);
  const pb = fmtpParams(b);
  const mode = (p: Map<string, string>) => p.get('packetization-mode') ?? '0';
  // profile_idc + constraint flags must match; the level byte may differ (decoders accept lower).
  const profile = (p: Map<string, string>) => (p.get('profile-level-id') ?? '42e01f').slice(0, 4);
  return mode(pa) === mode(pb) && profile(pa) === profile(pb);
}

/** The subscriber's payload type for exactly what the publisher sends in `source`. */
export function matchSubscriberCodec(section: OfferSection, source: CodecChoice): CodecChoice {
  const name = source.name.toLowerCase();
  const match = section.codecs.find(
    (c) =>
      c.name.toLowerCase() === name &&
      c.clockRate === source.clockRate &&
      (name !== 'h264' || h264Compatible(c.fmtp, source.fmtp)),
  );
  if (!match) {
    throw new MediaEngineError(
      'sdp',
      `${section.kind} m-line ${section.index} of the subscriber offer cannot receive ${source.name}/${source.clockRate}, the codec the publisher sends`,
    );
  }
  return toChoice(source.kind, match, section);
}

/** What to keep of an offer section so that only `choice` (and its RTX) is negotiated. */
export function planFor(choice: CodecChoice): SectionPlan {
  const keep = new Set<number>([choice.payloadType]);
  if (choice.rtxPayloadType !== undefined) keep.add(choice.rtxPayloadType);
  // Audio carries no transport-wide sequence numbers here (the extension is video only), so
  // transport-cc feedback for it would only make werift track packets it cannot report on.
  return { keep, dropFeedback: choice.kind === 'audio' ? new Set(['transport-cc']) : undefined };
}

/** werift codec parameters mirroring the chosen codecs (payload types as in the offer). */
export function weriftCodecs(choices: readonly CodecChoice[]): { audio: RTCRtpCodecParameters[]; video: RTCRtpCodecParameters[] } {
  const result = { audio: [] as RTCRtpCodecParameters[], video: [] as RTCRtpCodecParameters[] };
  const seen = new Set<string>();
  for (const choice of choices) {
    // werift matches offered codecs to its configuration by MIME type, so one entry per type.
    const mime = `${choice.kind}/${choice.name}`.toLowerCase();
    if (seen.has(mime)) continue;
    seen.add(mime);
    result[choice.kind].push(
      new RTCRtpCodecParameters({
        mimeType: `${choice.kind}/${choice.name}`,
        clockRate: choice.clockRate,
        channels: choice.channels,
        payloadType: choice.payloadType,
        parameters: choice.fmtp || undefined,
      }),
    );
    if (choice.rtxPayloadType !== undefined && !seen.has(`${choice.kind}/rtx`)) {
      seen.add(`${choice.kind}/rtx`);
      result[choice.kind].push(
        new RTCRtpCodecParameters({
          mimeType: `${choice.kind}/rtx`,
          clockRate: choice.clockRate,
          payloadType: choice.rtxPayloadType,
          parameters: `apt=${choice.payloadType}`,
        }),
      );
    }
  }
  return result;
}

/**
 * Header extensions werift may negotiate. Transport-wide CC is video only: it carries the
 * bandwidth feedback that lets a publisher's encoder ramp up, and the subscriber side uses it
 * for the same purpose. The audio level (RFC 6464) is what the server's speaker detection reads
 * from a publisher's audio (audioLevel.ts); subscribers get it forwarded under their own id.
 */
export function weriftHeaderExtensions(): { audio: RTCRtpHeaderExtensionParameters[]; video: RTCRtpHeaderExtensionParameters[] } {
  return {
    audio: [useSdesMid(), useAudioLevelIndication()],
    video: [useSdesMid(), useAbsSendTime(), useTransportWideCC()],
  };
}

/** Extensions werift's sender writes itself; copying the publisher's values would corrupt them. */
export const SENDER_OWNED_EXTENSIONS: ReadonlySet<string> = new Set([
  RTP_EXTENSION_URI.sdesMid,
  RTP_EXTENSION_URI.sdesRTPStreamID,
  RTP_EXTENSION_URI.repairedRtpStreamId,
  RTP_EXTENSION_URI.transportWideCC,
  RTP_EXTENSION_URI.absSendTime,
]);
