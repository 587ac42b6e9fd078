import { EventEmitter } from 'node:events';
import {
  MediaEngineError,
  type EngineStats,
  type FilterSupport,
  type IceCandidateInit,
  type MediaEngine,
  type MediaEngineEvents,
  type PublishRequest,
  type SubscribeRequest,
  type VideoFilterSpec,
} from '../../src/media/MediaEngine.js';
import { createCounters } from '../../src/media/werift/counters.js';

interface FakeEndpoint {
  kind: 'publisher' | 'subscriber';
  /** The group (room) a publisher was published in. */
  group?: string;
  publisherId?: string;
  candidates: IceCandidateInit[];
  filter?: VideoFilterSpec;
}

/**
 * A media engine without media, for tests of the signalling and room logic: it answers offers
 * that look like SDP, rejects the rest, and keeps the same endpoint bookkeeping as a real engine
 * (releasing a publisher releases its subscribers), so leaks show in its stats.
 */
export class FakeMediaEngine implements MediaEngine {
  readonly endpoints = new Map<string, FakeEndpoint>();
  readonly keyFrameRequests: string[] = [];
  readonly #events = new EventEmitter();
  /** Delay of publish/subscribe answers, to let tests race other requests against them. */
  negotiationDelayMs = 0;
  /** What filterSupport() answers; tests switch it to exercise both cases. */
  support: FilterSupport = { available: true, missing: [] };
  /** It reports speakers when a test calls speak(). */
  readonly detectsSpeakers = true;
  /** Every setVideoFilter call, in order. */
  readonly filterCalls: Array<{ publisherId: string; filter: VideoFilterSpec | null }> = [];

  on<K extends keyof MediaEngineEvents>(event: K, listener: (...args: MediaEngineEvents[K]) => void): this {
    this.#events.on(event, listener as (...a: unknown[]) => void);
    return this;
  }
  off<K extends keyof MediaEngineEvents>(event: K, listener: (...args: MediaEngineEvents[K]) => void): this {
    this.#events.off(event, listener as (...a: unknown[]) => void);
    return this;
  }
  emitEvent<K extends keyof MediaEngineEvents>(event: K, ...args: MediaEngineEvents[K]): void {
    this.#events.emit(event, ...args);
  }

  private async negotiate(endpointId: string, sdpOffer: string): Promise<string> {
    if (this.negotiationDelayMs > 0) await new Promise((r) => setTimeout(r, this.negotiationDelayMs));
    if (!sdpOffer.startsWith('v=0') || !sdpOffer.includes('m=')) throw new MediaEngineError('sdp', 'offer is not an SDP with media sections');
    if (this.endpoints.has(endpointId)) throw new MediaEngineError('internal', `endpoint ${endpointId} exists`);
    return `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=fake answer for ${endpointId}\r\nt=0 0\r\n`;
  }

  async publish(request: PublishRequest) {
    const sdpAnswer = await this.negotiate(request.endpointId, request.sdpOffer);
    this.endpoints.set(request.endpointId, { kind: 'publisher', candidates: [], ...(request.group !== undefined ? { group: request.group } : {}) });
    // Like a real engine, candidates are gathered right after the answer is made.
    setImmediate(() =>
      this.emitEvent('iceCandidate', request.endpointId, { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 }),
    );
    return { sdpAnswer };
  }

  async subscribe(request: SubscribeRequest) {
    const publisher = this.endpoints.get(request.publisherId);
    if (!publisher || publisher.kind !== 'publisher') throw new MediaEngineError('unknown-endpoint', `no publisher ${request.publisherId}`);
    const sdpAnswer = await this.negotiate(request.endpointId, request.sdpOffer);
    if (!this.endpoints.has(request.publisherId)) throw new MediaEngineError('closed', 'publisher released during negotiation');
    this.endpoints.set(request.endpointId, { kind: 'subscriber', publisherId: request.publisherId, candidates: [] });
    this.keyFrameRequests.push(request.publisherId);
    setImmediate(() =>
      this.emitEvent('iceCandidate', request.endpointId, { candidate: 'candidate:2 1 udp 2122260223 127.0.0.1 50001 typ host', sdpMid: '0', sdpMLineIndex: 0 }),
    );
    return { sdpAnswer };
  }

  async addIceCandidate(endpointId: string, candidate: IceCandidateInit) {
    const endpoint = this.endpoints.get(endpointId);
    if (!endpoint) throw new MediaEngineError('unknown-endpoint', `no endpoint ${endpointId}`);
    if (!candidate.candidate.startsWith('candidate:')) throw new MediaEngineError('candidate', `malformed candidate '${candidate.candidate}'`);
    endpoint.candidates.push(candidate);
  }

  async requestKeyFrame(publisherId: string) {
    this.keyFrameRequests.push(publisherId);
  }

  /** Every setVideoActive call, in order. */
  readonly videoActiveCalls: Array<{ publisherId: string; active: boolean }> = [];

  async setVideoActive(publisherId: string, active: boolean) {
    const endpoint = this.endpoints.get(publisherId);
    if (!endpoint || endpoint.kind !== 'publisher') throw new MediaEngineError('unknown-endpoint', `no publisher ${publisherId}`);
    this.videoActiveCalls.push({ publisherId, active });
  }

  async filterSupport(): Promise<FilterSupport> {
    return { ...this.support, missing: [...this.support.missing] };
  }

  /** Records the filter on the publisher; refuses like a real engine when filters cannot run. */
  async setVideoFilter(publisherId: string, filter: VideoFilterSpec | null) {
    const endpoint = this.endpoints.get(publisherId);
    if (!endpoint || endpoint.kind !== 'publisher') throw new MediaEngineError('unknown-endpoint', `no publisher ${publisherId}`);
    if (filter && !this.support.available) throw new MediaEngineError('unsupported', `video filters are not available; install: ${this.support.missing.join(' ')}`);
    this.filterCalls.push({ publisherId, filter });
    if (filter) endpoint.filter = filter;
    else delete endpoint.filter;
  }

  /** Simulates a filter process dying: the engine drops the filter and says so. */
  endFilter(publisherId: string, reason = 'filter process exited (SIGKILL)') {
    const endpoint = this.endpoints.get(publisherId);
    if (!endpoint?.filter) return;
    delete endpoint.filter;
    this.emitEvent('videoFilterEnded', publisherId, reason);
  }

  /**
   * Reports the speakers of `group` as a real engine does (`activeSpeakers`): only live
   * publishers of that group, loudest first. Throws for an id a real engine could not report,
   * so a test cannot make the room layer look at endpoints that do not exist.
   */
  speak(group: string, publisherIds: string[]): void {
    for (const id of publisherIds) {
      const endpoint = this.endpoints.get(id);
      if (endpoint?.kind !== 'publisher' || endpoint.group !== group) throw new Error(`${id} is not a publisher of group ${group}`);
    }
    this.emitEvent('activeSpeakers', group, [...publisherIds]);
  }

  /** The id of the live publisher whose id ends with `suffix` (ids are the room layer's choice). */
  publisherId(suffix: string): string {
    for (const [id, e] of this.endpoints) if (e.kind === 'publisher' && id.endsWith(suffix)) return id;
    throw new Error(`no publisher endpoint ending with ${suffix}`);
  }

  async release(endpointId: string) {
    const endpoint = this.endpoints.get(endpointId);
    if (!endpoint) return;
    this.endpoints.delete(endpointId);
    if (endpoint.kind === 'publisher') {
      for (const [id, e] of this.endpoints) if (e.publisherId === endpointId) this.endpoints.delete(id);
    }
  }

  async stats(): Promise<EngineStats> {
    let publishers = 0;
    let subscribers = 0;
    let videoFilters = 0;
    for (const e of this.endpoints.values()) {
      e.kind === 'publisher' ? publishers++ : subscribers++;
      if (e.filter) videoFilters++;
    }
    return {
      publishers,
      subscribers,
      peerConnections: this.endpoints.size,
      ...createCounters(),
      keyFrameRequests: this.keyFrameRequests.length,
      videoFilters,
    };
  }

  async close() {
    this.endpoints.clear();
  }

  /** Candidates the engine received for an endpoint (to check buffering and routing). */
  candidatesOf(endpointId: string): IceCandidateInit[] {
    return this.endpoints.get(endpointId)?.candidates ?? [];
  }
}
