import { DEFAULT_STREAM_ID, Errors, globalStreamId, parseSender, RoomError, RoomErrorCode } from '@kurento-room/protocol';
import type { Logger } from '../log.js';
import {
  MediaEngineError,
  type FilterSupport,
  type IceCandidateInit,
  type MediaEngine,
  type VideoFilterSpec,
} from '../media/MediaEngine.js';
import type { NotificationSink } from '../boundary/NotificationSink.js';
import type { Notice } from '../boundary/outputs.js';
import { EndpointDirectory } from './EndpointDirectory.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { FaultCascade } from './FaultCascade.js';
import type { Participant, PublishedStream } from './Participant.js';
import type { ResolvedTracks } from './streamTracks.js';
import type { Room } from './Room.js';

/** Translates a media engine failure into the error the client gets. */
function toRoomError(error: unknown, context: string): RoomError {
  if (error instanceof RoomError) return error;
  if (error instanceof MediaEngineError) {
    switch (error.kind) {
      case 'sdp':
        return new RoomError(RoomErrorCode.MEDIA_SDP, `${context}: ${error.message}`);
      case 'candidate':
        return Errors.invalidParams(`${context}: ${error.message}`);
      case 'unsupported':
        return new RoomError(RoomErrorCode.MEDIA_GENERIC, `${context}: ${error.message}`);
      case 'unknown-endpoint':
      case 'closed':
        return new RoomError(RoomErrorCode.MEDIA_ENDPOINT, `${context}: ${error.message}`);
      default:
        return new RoomError(RoomErrorCode.MEDIA_ENDPOINT, `${context}: ${error.message}`);
    }
  }
  return new RoomError(RoomErrorCode.MEDIA_ENDPOINT, `${context}: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * Publications, subscriptions and ICE routing of participants, on top of the media engine.
 * Room state changes happen synchronously; every await on the engine is followed by a check
 * that the state it started from still holds, since a leave or unpublish may have run meanwhile.
 */
/** Publications that start and end, for whoever follows the room model (webhooks, metrics). */
export interface MediaControllerEvents {
  streamPublished: [room: string, user: string, streamId: string];
  /** Whatever ended it: unpublishVideo, a leave, an eviction, a closed room, a media fault. */
  streamUnpublished: [room: string, user: string, streamId: string];
}

export class MediaController extends TypedEmitter<MediaControllerEvents> {
  readonly endpoints = new EndpointDirectory();
  readonly #pendingReleases = new Set<Promise<void>>();
  readonly #faults: FaultCascade;

  constructor(
    private readonly engine: MediaEngine,
    private readonly lookupRoom: (name: string) => Room | undefined,
    /** Where what the engine reports on its own (candidates, errors, failures) goes. */
    sink: NotificationSink,
    private readonly log: Logger,
  ) {
    super();
    this.#faults = new FaultCascade(this, lookupRoom, sink, log);
    engine.on('iceCandidate', (endpointId, candidate) => {
      const owner = this.endpoints.get(endpointId);
      if (!owner) return;
      sink.deliver([
        owner.participant.notice('iceCandidate', {
          endpointName: owner.endpointName,
            sender: owner.sender,
          candidate: candidate.candidate,
          sdpMid: candidate.sdpMid,
          sdpMLineIndex: candidate.sdpMLineIndex,
        }),
      ]);
    });
    engine.on('mediaError', (endpointId, message) => {
      const owner = this.endpoints.get(endpointId);
      if (!owner) return;
      this.log.warn('media error', { room: owner.participant.roomName, user: owner.participant.name, endpoint: endpointId, error: message });
      sink.deliver([owner.participant.notice('mediaError', { error: message })]);
    });
    engine.on('videoFilterEnded', (endpointId, reason) => {
      const owner = this.endpoints.get(endpointId);
      if (!owner) return;
      const p = owner.participant;
      for (const stream of p.published.values()) {
        if (stream.endpointId === endpointId) delete stream.filter;
      }
      this.log.warn('video filter ended; the original video flows again', { room: p.roomName, user: p.name, endpoint: endpointId, reason });
    });
    engine.on('endpointState', (endpointId, state, fault) => {
      const owner = this.endpoints.get(endpointId);
      if (!owner) return;
      this.log.debug('endpoint state', { room: owner.participant.roomName, user: owner.participant.name, endpoint: endpointId, state });
      if (state === 'failed') this.#faults.onFailed(endpointId, fault);
    });
  }

  async publish(p: Participant, streamId: string, sdpOffer: string, loopback: boolean, tracks: ResolvedTracks): Promise<string> {
    if (p.published.has(streamId)) throw Errors.alreadyPublishing(p.name, streamId);
    const endpointId = this.endpoints.newId('pub', `${p.name}_${streamId}`);
    const endpointName = p.ownEndpointName(streamId);
    const sender = globalStreamId(p.name, streamId);
    const stream: PublishedStream = { streamId, endpointId, loopback, phase: 'negotiating', tracks: { ...tracks } };
    p.published.set(streamId, stream);
    this.endpoints.set(endpointId, { participant: p, endpointName, sender, kind: 'publisher' });
    let answer: string;
    try {
      ({ sdpAnswer: answer } = await this.engine.publish({ endpointId, sdpOffer, loopback, dataChannels: p.dataChannels, group: p.roomName }));
    } catch (error) {
      if (p.published.get(streamId) === stream) p.published.delete(streamId);
      this.endpoints.delete(endpointId);
      this.release(endpointId);
      throw toRoomError(error, `Error generating SDP response for publishing user '${p.name}'`);
    }
    if (p.published.get(streamId) !== stream) {
      // The participant left (or was evicted) while the engine negotiated.
      this.endpoints.delete(endpointId);
      this.release(endpointId);
      throw Errors.notJoined(p.sessionId);
    }
    // Published with the camera muted: nothing of it is forwarded until it is unmuted.
    if (tracks.hasVideo && !tracks.videoActive) await this.engine.setVideoActive(endpointId, false).catch(() => undefined);
    if (p.published.get(streamId) !== stream) throw Errors.notJoined(p.sessionId);
    stream.phase = 'live';
    this.emit('streamPublished', p.roomName, p.name, streamId);
    await this.flushCandidates(p, sender, endpointId);
    this.log.info('stream published', { room: p.roomName, user: p.name, stream: streamId, loopback });
    return answer;
  }

  /**
   * Records a mute or unmute of one of the participant's live streams; for `videoActive` the
   * engine stops or restarts forwarding its video. Returns whether the value changed (an unchanged
   * value is answered but not announced).
   */
  async setStreamProperty(p: Participant, streamId: string, property: 'audioActive' | 'videoActive', value: boolean): Promise<boolean> {
    const stream = p.published.get(streamId);
    if (!stream || stream.phase !== 'live') throw Errors.notStreaming(p.name, streamId);
    const has = property === 'audioActive' ? stream.tracks.hasAudio : stream.tracks.hasVideo;
    if (value && !has) {
      throw Errors.invalidParams(`Stream '${streamId}' of '${p.name}' has no ${property === 'audioActive' ? 'audio' : 'video'} track to turn on`);
    }
    if (stream.tracks[property] === value) return false;
    stream.tracks[property] = value;
    if (property === 'videoActive') {
      try {
        await this.engine.setVideoActive(stream.endpointId, value);
      } catch (error) {
        throw toRoomError(error, `Cannot ${value ? 'resume' : 'pause'} the video of '${p.name}' (stream '${streamId}')`);
      }
    }
    this.log.debug('stream property changed', { room: p.roomName, user: p.name, stream: streamId, property, value });
    return p.published.get(streamId) === stream;
  }

  /** Whether video filters can run in this server's media engine. */
  filterSupport(): Promise<FilterSupport> {
    return this.engine.filterSupport();
  }

  /** The filter on one of the participant's live streams (undefined: none or not published). */
  videoFilter(p: Participant, streamId: string): VideoFilterSpec | undefined {
    return p.published.get(streamId)?.filter;
  }

  /**
   * Puts a filter on (or with null, takes it off) a live stream of the participant. The engine
   * ends a stream's filter with the stream, so unpublish, leave and close need nothing more here.
   */
  async setVideoFilter(p: Participant, streamId: string, filter: VideoFilterSpec | null): Promise<void> {
    const stream = p.published.get(streamId);
    if (!stream || stream.phase !== 'live') throw Errors.notStreaming(p.name, streamId);
    if (stream.filterChanging) throw new RoomError(RoomErrorCode.MEDIA_GENERIC, `A filter change of stream '${streamId}' of '${p.name}' is already in progress`);
    stream.filterChanging = true;
    try {
      await this.engine.setVideoFilter(stream.endpointId, filter);
    } catch (error) {
      throw toRoomError(error, `Cannot ${filter ? 'apply' : 'remove'} the video filter of '${p.name}' (stream '${streamId}')`);
    } finally {
      stream.filterChanging = false;
    }
    if (p.published.get(streamId) !== stream) throw Errors.notStreaming(p.name, streamId);
    if (filter) stream.filter = filter;
    else delete stream.filter;
    this.log.info(filter ? 'video filter on' : 'video filter off', { room: p.roomName, user: p.name, stream: streamId, ...(filter ? { filter: filter.type } : {}) });
  }

  /** Ends a publication and every subscription to it. Returns false when it was not published. */
  unpublish(room: Room, p: Participant, streamId: string): boolean {
    const stream = p.published.get(streamId);
    if (!stream) return false;
    p.published.delete(streamId);
    this.endpoints.delete(stream.endpointId);
    p.dropCandidates(globalStreamId(p.name, streamId));
    this.dropSubscriptionsTo(room, p.name, streamId);
    this.release(stream.endpointId);
    this.log.info('stream unpublished', { room: p.roomName, user: p.name, stream: streamId });
    if (stream.phase === 'live') this.emit('streamUnpublished', p.roomName, p.name, streamId);
    return true;
  }

  /**
   * What tells the rest of the room that a publication ended (`streamId` only for streams other
   * than the webcam, as the original names them). Separate from unpublish() because a client's
   * unpublishVideo gets its answer between the two.
   */
  announceUnpublished(room: Room, p: Participant, streamId: string): Notice<'participantUnpublished'> {
    const params = streamId === DEFAULT_STREAM_ID ? { name: p.name } : { name: p.name, streamId };
    return room.notice('participantUnpublished', params, p.name);
  }

  async subscribe(room: Room, p: Participant, sender: string, sdpOffer: string): Promise<string> {
    const parsed = parseSender(sender);
    if (!parsed) throw Errors.invalidParams(`Request element 'sender' must be '<user>_<streamId>', got '${sender}'`);
    const publisher = room.get(parsed.user);
    if (!publisher) throw Errors.userNotFound(parsed.user, room.name);
    if (publisher === p) throw Errors.selfSubscribe(p.name);
    const stream = publisher.published.get(parsed.streamId);
    if (!stream || stream.phase !== 'live') throw Errors.senderNotStreaming(parsed.user, parsed.streamId, room.name);
    const key = globalStreamId(parsed.user, parsed.streamId);
    if (p.subscriptions.has(key)) throw Errors.alreadySubscribed(p.name, key);

    const endpointId = this.endpoints.newId('sub', `${p.name}<${key}`);
    const endpointName = publisher.ownEndpointName(parsed.streamId);
    const subscription = {
      sender: key,
      publisherName: publisher.name,
      streamId: parsed.streamId,
      endpointId,
      publisherEndpointId: stream.endpointId,
      phase: 'negotiating' as 'negotiating' | 'live',
    };
    p.subscriptions.set(key, subscription);
    this.endpoints.set(endpointId, { participant: p, endpointName, sender: key, kind: 'subscriber' });
    let answer: string;
    try {
      ({ sdpAnswer: answer } = await this.engine.subscribe({
        endpointId,
        publisherId: stream.endpointId,
        sdpOffer,
        dataChannels: true,
        // The room keeps all its media on one worker thread of a pooled engine.
        group: room.name,
      }));
    } catch (error) {
      if (p.subscriptions.get(key) === subscription) p.subscriptions.delete(key);
      this.endpoints.delete(endpointId);
      this.release(endpointId);
      throw toRoomError(error, `Unable to generate SDP answer when subscribing '${p.name}' to '${key}'`);
    }
    const stillSubscribed = p.subscriptions.get(key) === subscription;
    const stillPublished = publisher.published.get(parsed.streamId) === stream && room.get(publisher.name) === publisher;
    if (!stillSubscribed || !stillPublished) {
      if (stillSubscribed) p.subscriptions.delete(key);
      this.endpoints.delete(endpointId);
      this.release(endpointId);
      if (!stillSubscribed) throw Errors.notJoined(p.sessionId);
      throw Errors.senderNotStreaming(parsed.user, parsed.streamId, room.name);
    }
    subscription.phase = 'live';
    await this.flushCandidates(p, key, endpointId);
    this.log.debug('subscribed', { room: room.name, user: p.name, sender: key });
    return answer;
  }

  /** Returns false when there was no such subscription (which the protocol still answers with success). */
  unsubscribe(p: Participant, sender: string): boolean {
    const parsed = parseSender(sender);
    const key = parsed ? globalStreamId(parsed.user, parsed.streamId) : sender;
    const subscription = p.subscriptions.get(key);
    if (!subscription) return false;
    p.subscriptions.delete(key);
    this.endpoints.delete(subscription.endpointId);
    this.release(subscription.endpointId);
    return true;
  }

  /**
   * Routes a client's candidate to one of its endpoints: its own publication or its
   * subscription to another's stream (see #candidateTarget). Candidates for endpoints that do not
   * exist yet are kept, under the stream's global id, until they do.
   */
  async addIceCandidate(room: Room, p: Participant, endpointName: string, candidate: IceCandidateInit, sender?: string): Promise<void> {
    const target = this.#candidateTarget(room, p, endpointName, sender);
    const shown = sender ?? endpointName;
    if (target.user === p.name) {
      const stream = p.published.get(target.streamId);
      if (stream?.phase === 'live') return this.addToEngine(stream.endpointId, candidate, shown);
      // The publishVideo may still be on its way: candidates can race ahead of it.
      p.bufferCandidate(target.key, candidate);
      return;
    }
    const subscription = p.subscriptions.get(target.key);
    if (subscription?.phase === 'live') return this.addToEngine(subscription.endpointId, candidate, shown);
    if (subscription || room.get(target.user)) {
      p.bufferCandidate(target.key, candidate);
      return;
    }
    throw Errors.unknownEndpoint(shown, p.name);
  }

  /**
   * Which stream a candidate belongs to. `sender` (`<user>_<streamId>`, this project's clients
   * send it) says it unambiguously. Without it (an original client) the `endpointName` is read as
   * the original meant it: one's own name is one's own webcam, `<own name>_<streamId>` another
   * own stream, another participant's name that participant's webcam, anything else a global id.
   * That reading is ambiguous when user `alice_screen` and alice's `screen` meet in one room;
   * original clients only know webcam streams, for which it is right.
   */
  #candidateTarget(room: Room, p: Participant, endpointName: string, sender: string | undefined): { user: string; streamId: string; key: string } {
    const target = (user: string, streamId: string) => ({ user, streamId, key: globalStreamId(user, streamId) });
    if (sender !== undefined) {
      const parsed = parseSender(sender);
      if (!parsed) throw Errors.invalidParams(`Request element 'sender' must be '<user>_<streamId>', got '${sender}'`);
      return target(parsed.user, parsed.streamId);
    }
    if (endpointName === p.name) return target(p.name, DEFAULT_STREAM_ID);
    const parsed = parseSender(endpointName);
    if (parsed?.user === p.name) return target(p.name, parsed.streamId);
    if (room.get(endpointName)) return target(endpointName, DEFAULT_STREAM_ID);
    if (parsed) return target(parsed.user, parsed.streamId);
    throw Errors.unknownEndpoint(endpointName, p.name);
  }

  /** Frees every endpoint the participant holds and every subscription others hold to it. */
  releaseParticipant(room: Room, p: Participant): void {
    for (const streamId of [...p.published.keys()]) this.unpublish(room, p, streamId);
    for (const sender of [...p.subscriptions.keys()]) this.unsubscribe(p, sender);
  }

  /** Resolves when every release started so far has completed (for orderly shutdown and tests). */
  async settled(): Promise<void> {
    while (this.#pendingReleases.size > 0) await Promise.allSettled([...this.#pendingReleases]);
  }

  private dropSubscriptionsTo(room: Room, publisherName: string, streamId: string): void {
    const key = globalStreamId(publisherName, streamId);
    for (const other of room.participants.values()) {
      const subscription = other.subscriptions.get(key);
      if (!subscription) continue;
      other.subscriptions.delete(key);
      this.endpoints.delete(subscription.endpointId);
      // The engine releases a publisher's subscribers with it; releasing again is harmless.
      this.release(subscription.endpointId);
    }
  }

  private async flushCandidates(p: Participant, endpointName: string, endpointId: string): Promise<void> {
    for (const candidate of p.takeCandidates(endpointName)) {
      try {
        await this.engine.addIceCandidate(endpointId, candidate);
      } catch (error) {
        this.log.warn('buffered candidate rejected', { user: p.name, endpoint: endpointName, error: (error as Error).message });
      }
    }
  }

  private async addToEngine(endpointId: string, candidate: IceCandidateInit, endpointName: string): Promise<void> {
    try {
      await this.engine.addIceCandidate(endpointId, candidate);
    } catch (error) {
      throw toRoomError(error, `Invalid ICE candidate for endpoint '${endpointName}'`);
    }
  }

  private release(endpointId: string): void {
    const done = this.engine.release(endpointId).catch((error: unknown) => {
      this.log.error('endpoint release failed', { endpoint: endpointId, error: (error as Error).message });
    });
    this.#pendingReleases.add(done);
    void done.finally(() => this.#pendingReleases.delete(done));
  }
}
