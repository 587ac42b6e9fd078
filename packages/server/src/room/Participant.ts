import { DEFAULT_GRANTS, type Grants } from '../auth/accessToken.js';
import { DEFAULT_STREAM_ID, Errors, endpointNameOf, globalStreamId, type NotificationParamsMap, type StreamInfo } from '@kurento-room/protocol';
import type { Notice } from '../boundary/outputs.js';
import type { EndpointPhase, ParticipantView } from '../boundary/views.js';
import { DEFAULT_LIMITS } from '../limits.js';
import type { IceCandidateInit, VideoFilterSpec } from '../media/MediaEngine.js';
import type { ResolvedTracks } from './streamTracks.js';

export interface PublishedStream {
  readonly streamId: string;
  readonly endpointId: string;
  readonly loopback: boolean;
  phase: EndpointPhase;
  /** What the stream carries and which of its tracks are on (changed by streamPropertyChanged). */
  readonly tracks: ResolvedTracks;
  /** The video filter on this stream, if any. */
  filter?: VideoFilterSpec;
  /** A filter change is in progress (changes of one stream do not overlap). */
  filterChanging?: boolean;
}

export interface Subscription {
  /** `<publisher>_<streamId>` */
  readonly sender: string;
  readonly publisherName: string;
  readonly streamId: string;
  readonly endpointId: string;
  /** The publisher endpoint this subscription was made to; a re-publish makes it stale. */
  readonly publisherEndpointId: string;
  phase: EndpointPhase;
}

/** A published stream as a stream entry of the join result and of `participantPublished`. */
export function streamInfo(s: PublishedStream): StreamInfo {
  return { id: s.streamId, ...s.tracks };
}

/** Remote candidates kept per endpoint name until that endpoint exists (the oldest go past it). */
const MAX_PENDING_PER_ENDPOINT = 64;

/**
 * One user in one room. Holds its published streams, its subscriptions and the ICE candidates
 * that arrived before the endpoint they belong to. Pure state: media calls happen elsewhere.
 */
export class Participant {
  readonly published = new Map<string, PublishedStream>();
  readonly subscriptions = new Map<string, Subscription>();
  readonly #pendingCandidates = new Map<string, IceCandidateInit[]>();
  /** Candidates in #pendingCandidates, over all endpoint names. */
  #pendingTotal = 0;
  readonly joinedAt = Date.now();

  /** What this participant's access token allows (everything but admin when the server needs no token). */
  grants: Readonly<Grants> = DEFAULT_GRANTS;
  /**
   * Whether its session has a socket. One without (in its reconnection grace period) gives up
   * its name to a new join at once, so that a crashed tab can come back.
   */
  connected = true;

  constructor(
    /** The JSON-RPC session it belongs to: notifications for it are addressed there. */
    readonly sessionId: string,
    readonly name: string,
    readonly roomName: string,
    readonly dataChannels: boolean,
    /** Pending candidates kept over all endpoint names: names are client input, so the per-name bound alone bounds nothing. */
    private readonly maxPendingCandidates: number = DEFAULT_LIMITS.pendingCandidates,
  ) {}

  /** A notification for this participant alone. */
  notice<M extends keyof NotificationParamsMap>(method: M, params: NotificationParamsMap[M]): Notice<M> {
    return { sessionIds: [this.sessionId], method, params };
  }

  /** Streams whose publication completed, in the `streams` shape of the protocol (track fields included). */
  liveStreams(): StreamInfo[] {
    const out: StreamInfo[] = [];
    for (const s of this.published.values()) if (s.phase === 'live') out.push(streamInfo(s));
    return out;
  }

  isPublishing(streamId: string): boolean {
    return this.published.get(streamId)?.phase === 'live';
  }

  /**
   * The endpoint name the protocol uses for one of this participant's own publications: the user
   * name for the camera stream (as in the original), `<user>_<streamId>` for any other stream.
   */
  ownEndpointName(streamId: string): string {
    return endpointNameOf(this.name, streamId);
  }

  /** Keeps a candidate until its endpoint exists; throws (-32602) when the participant's total is reached. */
  bufferCandidate(endpointName: string, candidate: IceCandidateInit): void {
    const list = this.#pendingCandidates.get(endpointName);
    // A client trickles a handful of candidates per connection; beyond the bound, the oldest go.
    if (list && list.length >= MAX_PENDING_PER_ENDPOINT) {
      list.shift();
      list.push(candidate);
      return;
    }
    if (this.#pendingTotal >= this.maxPendingCandidates) throw Errors.tooManyPendingCandidates(this.name, endpointName, this.maxPendingCandidates);
    if (list) list.push(candidate);
    else this.#pendingCandidates.set(endpointName, [candidate]);
    this.#pendingTotal++;
  }

  takeCandidates(endpointName: string): IceCandidateInit[] {
    const list = this.#pendingCandidates.get(endpointName) ?? [];
    this.dropCandidates(endpointName);
    return list;
  }

  dropCandidates(endpointName: string): void {
    this.#pendingTotal -= this.#pendingCandidates.get(endpointName)?.length ?? 0;
    this.#pendingCandidates.delete(endpointName);
  }

  pendingCandidateCount(): number {
    return this.#pendingTotal;
  }

  dump(): ParticipantView {
    return {
      name: this.name,
      joinedAt: new Date(this.joinedAt).toISOString(),
      dataChannels: this.dataChannels,
      streams: [...this.published.values()].map((s) => ({
        id: s.streamId,
        phase: s.phase,
        loopback: s.loopback,
        ...(s.filter ? { filter: s.filter.type } : {}),
      })),
      subscriptions: [...this.subscriptions.values()].map((s) => ({ sender: s.sender, phase: s.phase })),
    };
  }
}
