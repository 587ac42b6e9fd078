/**
 * Reading and trimming a client's SDP offer before werift sees it. werift negotiates codecs by
 * MIME type only and keeps every `rtx` whose own `apt` it never checks, which lets orphan RTX
 * entries and unwanted codecs into the answer and confuses its receiver (it reads NACK/PLI/TWCC
 * support from the lowest payload type). Cutting the offer down to exactly the codecs we forward
 * keeps payload types, feedback and the answer consistent.
 */
import { MediaEngineError } from '../MediaEngine.js';

export type MediaKind = 'audio' | 'video' | 'application';

export interface OfferedCodec {
  payloadType: number;
  /** Encoding name as written in the offer, e.g. `VP8`, `opus`, `rtx`. */
  name: string;
  clockRate: number;
  channels?: number;
  /** The `a=fmtp` parameters, '' when absent. */
  fmtp: string;
  feedback: string[];
}

export interface OfferSection {
  index: number;
  kind: MediaKind;
  mid: string | undefined;
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  rejected: boolean;
  codecs: OfferedCodec[];
}

export interface OfferSummary {
  sections: OfferSection[];
}

const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

function splitLines(sdp: string): string[] {
  return sdp.split(/\r?\n/).filter((line) => line.length > 0);
}

/** Parses the parts of an offer the engine decides on; rejects anything that is not a WebRTC offer. */
export function inspectOffer(sdp: unknown): OfferSummary {
  if (typeof sdp !== 'string' || sdp.length === 0) throw new MediaEngineError('sdp', 'SDP offer is empty or not a string');
  if (sdp.length > 256 * 1024) throw new MediaEngineError('sdp', 'SDP offer is larger than 256 KiB');
  const lines = splitLines(sdp);
  if (lines[0] !== 'v=0') throw new MediaEngineError('sdp', "SDP offer does not start with 'v=0'");
  const sections: OfferSection[] = [];
  let current: OfferSection | undefined;
  let sessionHasFingerprint = false;
  const fingerprints = new Set<number>();
  for (const line of lines) {
    if (line.startsWith('m=')) {
      const [kind, port] = line.slice(2).split(' ');
      current = {
        index: sections.length,
        kind: (kind as MediaKind) ?? 'audio',
        mid: undefined,
        direction: 'sendrecv',
        rejected: port === '0',
        codecs: [],
      };
      if (kind !== 'audio' && kind !== 'video' && kind !== 'application') {
        throw new MediaEngineError('sdp', `SDP offer has an unsupported media kind '${kind}'`);
      }
      const fmts = line.split(' ').slice(3);
      if (kind !== 'application') {
        for (const fmt of fmts) {
          const payloadType = Number(fmt);
          if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > 127) {
            throw new MediaEngineError('sdp', `SDP offer has an invalid payload type '${fmt}' in m-line ${sections.length}`);
          }
          current.codecs.push({ payloadType, name: '', clockRate: 0, fmtp: '', feedback: [] });
        }
      }
      sections.push(current);
      continue;
    }
    if (!line.startsWith('a=')) continue;
    const attr = line.slice(2);
    if (attr.startsWith('fingerprint:')) {
      if (current) fingerprints.add(current.index);
      else sessionHasFingerprint = true;
    }
    if (!current) continue;
    if (attr.startsWith('mid:')) current.mid = attr.slice(4).trim();
    else if (DIRECTIONS.has(attr)) current.direction = attr as OfferSection['direction'];
    else if (attr.startsWith('rtpmap:')) {
      const match = /^rtpmap:(\d+) ([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(attr);
      const codec = match && current.codecs.find((c) => c.payloadType === Number(match[1]));
      if (codec && match) {
        codec.name = match[2]!;
        codec.clockRate = Number(match[3]);
        if (match[4]) codec.channels = Number(match[4]);
      }
    } else if (attr.startsWith('fmtp:')) {
      const match = /^fmtp:(\d+) (.*)$/.exec(attr);
      const codec = match && current.codecs.find((c) => c.payloadType === Number(match[1]));
      if (codec && match) codec.fmtp = match[2]!.trim();
    } else if (attr.startsWith('rtcp-fb:')) {
      const match = /^rtcp-fb:(\d+|\*) (.*)$/.exec(attr);
      if (match) {
        for (const codec of current.codecs) {
          if (match[1] === '*' || codec.payloadType === Number(match[1])) codec.feedback.push(match[2]!.trim());
        }
      }
    }
  }
  if (sections.length === 0) throw new MediaEngineError('sdp', 'SDP offer has no media sections');
  if (!lines.some((l) => l.startsWith('a=ice-ufrag:'))) throw new MediaEngineError('sdp', 'SDP offer has no ICE credentials (a=ice-ufrag)');
  if (!sessionHasFingerprint && sections.some((s) => !s.rejected && !fingerprints.has(s.index))) {
    throw new MediaEngineError('sdp', 'SDP offer has no DTLS fingerprint');
  }
  for (const section of sections) {
    // Static payload types (0, 8, ...) may legally omit rtpmap; we never forward those anyway.
    section.codecs = section.codecs.filter((c) => c.name !== '');
  }
  return { sections };
}

export interface SectionPlan {
  /** Payload types to keep in this m-section, in offer order. */
  keep: ReadonlySet<number>;
  /** rtcp-fb values to drop from the kept codecs (e.g. 'transport-cc' for audio). */
  dropFeedback?: ReadonlySet<string>;
}

/**
 * Rewrites the offer so each planned m-section carries only the kept payload types.
 * Sections without a plan are left as they are.
 */
export function restrictOffer(sdp: string, plans: ReadonlyMap<number, SectionPlan>): string {
  const out: string[] = [];
  let sectionIndex = -1;
  let plan: SectionPlan | undefined;
  for (const line of splitLines(sdp)) {
    if (line.startsWith('m=')) {
      sectionIndex++;
      plan = plans.get(sectionIndex);
      if (plan) {
        const parts = line.split(' ');
        const kept = parts.slice(3).filter((fmt) => plan!.keep.has(Number(fmt)));
        out.push([...parts.slice(0, 3), ...kept].join(' '));
        continue;
      }
    } else if (plan) {
      const match = /^a=(rtpmap|fmtp|rtcp-fb):(\d+|\*)(?: (.*))?$/.exec(line);
      if (match) {
        if (match[2] !== '*' && !plan.keep.has(Number(match[2]))) continue;
        if (match[1] === 'rtcp-fb' && plan.dropFeedback?.has((match[3] ?? '').trim())) continue;
      }
    }
    out.push(line);
  }
  return out.join('\r\n') + '\r\n';
}
