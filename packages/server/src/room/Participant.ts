import { DEFAULT_STREAM_ID, globalStreamId, type NotificationParamsMap } from '@kurento-room/protocol';
import type { IceCandidateInit, VideoFilterSpec } from '../media/MediaEngine.js';

/** Sends a notification to the participant's client (through its JSON-RPC session). */
export type Notify = <M extends keyof NotificationParamsMap>(method: M, params: NotificationParamsMap[M]) => void;

export type EndpointPhase = 'negotiating' | 'live';

export interface PublishedStream {
  readonly streamId: string;
  readonly endpointId: string;
  readonly loopback: boolean;
  phase: EndpointPhase;
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

/** Remote candidates kept per endpoint name until that endpoint exists. */
const MAX_PENDING_CANDIDATES = 64;

/**
 * One user in one room. Holds its published streams, its subscriptions and the ICE candidates
 * that arrived before the endpoint they belong to. Pure state: media calls happen elsewhere.
 */
export class Participant {
  readonly published = new Map<string, PublishedStream>();
  readonly subscriptions = new Map<string, Subscription>();
  readonly #pendingCandidates = new Map<string, IceCandidateInit[]>();
  readonly joinedAt = Date.now();

  constructor(
    readonly sessionId: string,
    readonly name: string,
    readonly roomName: string,
    readonly dataChannels: boolean,
    readonly notify: Notify,
  ) {}

  /** Streams whose publication completed, in the `streams` shape of the protocol. */
  liveStreams(): { id: string }[] {
    const out: { id: string }[] = [];
    for (const s of this.published.values()) if (s.phase === 'live') out.push({ id: s.streamId });
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
    return streamId === DEFAULT_STREAM_ID ? this.name : globalStreamId(this.name, streamId);
  }

  bufferCandidate(endpointName: string, candidate: IceCandidateInit): void {
    let list = this.#pendingCandidates.get(endpointName);
    if (!list) {
      list = [];
      this.#pendingCandidates.set(endpointName, list);
    }
    // A client trickles a handful of candidates per connection; beyond the bound, the oldest go.
    if (list.length >= MAX_PENDING_CANDIDATES) list.shift();
    list.push(candidate);
  }

  takeCandidates(endpointName: string): IceCandidateInit[] {
    const list = this.#pendingCandidates.get(endpointName) ?? [];
    this.#pendingCandidates.delete(endpointName);
    return list;
  }

  dropCandidates(endpointName: string): void {
    this.#pendingCandidates.delete(endpointName);
  }

  pendingCandidateCount(): number {
    let n = 0;
    for (const list of this.#pendingCandidates.values()) n += list.length;
    return n;
  }

  dump() {
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
