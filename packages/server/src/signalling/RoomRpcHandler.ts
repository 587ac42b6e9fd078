import {
  DEFAULT_STREAM_ID,
  Errors,
  PUBLISHER_ACTION,
  isKnownMethod,
  parseSender,
  validateParams,
  type RequestParamsMap,
} from '@kurento-room/protocol';
import { admitJoin } from '../auth/joinAccess.js';
import { iceServersFor, type IceConfig } from '../ice/iceServers.js';
import type { Logger } from '../log.js';
import type { FilterSupport, VideoFilterSpec } from '../media/MediaEngine.js';
import { streamInfo, type Participant } from '../room/Participant.js';
import { resolveTracks } from '../room/streamTracks.js';
import type { RoomManager } from '../room/RoomManager.js';
import type { Session } from './Session.js';

/** What an application registers to answer `customRequest`. */
export interface CustomRequestContext {
  params: Record<string, unknown>;
  sessionId: string;
  user: string;
  room: string;
  /** The requester's published stream ids. */
  publishedStreams: string[];
  /** Server-side video filters on the requester's own published streams. */
  videoFilters: VideoFilterAccess;
}

/** What a custom request handler may do with the requester's video filters. */
export interface VideoFilterAccess {
  /** Whether the media engine can run filters here (and what to install if not). */
  support(): Promise<FilterSupport>;
  /** The filter on one of the requester's streams, if any. */
  get(streamId: string): VideoFilterSpec | undefined;
  /** Puts a filter on a live stream of the requester (null takes it off); rejects with a RoomError. */
  set(streamId: string, filter: VideoFilterSpec | null): Promise<void>;
}
export type CustomRequestHandler = (
  context: CustomRequestContext,
) => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;

/** A handler's answer, and what must happen once the answer is on the wire. */
export interface Outcome {
  result: Record<string, unknown>;
  after?: () => void;
}

/** How the room methods are configured. */
export interface RoomMethodOptions {
  customRequestHandler?: CustomRequestHandler;
  /** With a secret, joins need an access token (auth/joinAccess.ts). */
  tokenSecret?: string;
  /** STUN/TURN servers for the join result (ice/iceServers.ts). */
  ice?: IceConfig;
}

/** What the room methods need from the layer that owns the sessions. */
export interface SessionHooks {
  /** The session left its room: its socket is closed, as the original does. */
  onLeft(session: Session): void;
  /**
   * A join wants `user` in `room`: if a session without a socket (in its grace period) holds that
   * name, it is ended now, so a client that lost its tab or its session can come back at once.
   */
  releaseStaleHolder(room: string, user: string): void;
}

type RoomMethod = Exclude<keyof RequestParamsMap, 'ping' | 'closeSession'>;
type Handler<M extends RoomMethod> = (session: Session, params: RequestParamsMap[M]) => Promise<Outcome> | Outcome;

/**
 * The room methods of the protocol. Params arrive validated; each handler maps one request to
 * room operations and gives back the wire result plus the notifications that follow it.
 */
export class RoomRpcHandler {
  constructor(
    private readonly rooms: RoomManager,
    private readonly log: Logger,
    private readonly sessions: SessionHooks,
    private readonly options: RoomMethodOptions,
  ) {}

  isRoomMethod(method: string): method is RoomMethod {
    return isKnownMethod(method) && method !== 'ping' && method !== 'closeSession';
  }

  async handle(session: Session, method: RoomMethod, rawParams: Record<string, unknown> | undefined): Promise<Outcome> {
    const checked = validateParams(method, rawParams, this.rooms.limits);
    if (!checked.ok) throw checked.error;
    const handler = this.handlers[method] as Handler<typeof method>;
    return handler(session, checked.params);
  }

  private member(session: Session): Participant {
    const p = session.participant;
    if (!p || !this.rooms.isMember(p)) throw Errors.notJoined(session.id);
    return p;
  }

  /** A new publication or subscription must stay within the participant's endpoint limit. */
  private checkEndpointRoom(p: Participant): void {
    const max = this.rooms.limits.endpointsPerParticipant;
    if (p.published.size + p.subscriptions.size >= max) throw Errors.tooManyEndpoints(p.name, max);
  }

  private readonly handlers: { [M in RoomMethod]: Handler<M> } = {
    joinRoom: (session, { user, room, dataChannels, token }) => {
      const current = session.participant;
      if (current && this.rooms.isMember(current)) throw Errors.alreadyJoined(current.name, current.roomName);
      // Checked before anything changes: a refused join must not take over a stale session.
      const grants = admitJoin(this.options.tokenSecret, { user, room, dataChannels: dataChannels === true, paramToken: token, urlToken: session.connection?.accessToken });
      this.sessions.releaseStaleHolder(room, user);
      const { participant, peers } = this.rooms.join(session.id, user, room, dataChannels === true, (m, p) =>
        session.notify(m, p),
      );
      participant.grants = grants;
      session.participant = participant;
      const iceServers = iceServersFor(this.options.ice, user);
      const speakers = this.rooms.speakers;
      return {
        // The original result: what the server can do beyond it is told by the notification below.
        result: iceServers ? { value: peers, iceServers } : { value: peers },
        after: () => {
          // The room's speakers as they are (often none): the client learns that the server
          // detects them before any stream of the room reaches it, and who speaks already.
          if (speakers.enabled && this.rooms.isMember(participant)) participant.notify('activeSpeakersChanged', { speakers: speakers.current(room) });
        },
      };
    },

    publishVideo: async (session, params) => {
      const { sdpOffer, doLoopback, streamId = DEFAULT_STREAM_ID } = params;
      const p = this.member(session);
      if (!p.grants.publish) throw Errors.notGranted(p.name, 'publish', 'publish');
      this.checkEndpointRoom(p);
      const sdpAnswer = await this.rooms.media.publish(p, streamId, sdpOffer, doLoopback, resolveTracks(params, sdpOffer));
      return {
        result: { sdpAnswer },
        after: () => {
          const room = this.rooms.getRoom(p.roomName);
          const stream = p.published.get(streamId);
          if (room && stream?.phase === 'live') room.broadcast('participantPublished', { id: p.name, streams: [streamInfo(stream)] }, p.name);
        },
      };
    },

    streamPropertyChanged: async (session, { streamId, property, newValue }) => {
      const p = this.member(session);
      const changed = await this.rooms.media.setStreamProperty(p, streamId, property, newValue);
      return {
        result: {},
        after: () => {
          const room = this.rooms.getRoom(p.roomName);
          if (!changed || !room || !this.rooms.isMember(p)) return;
          room.broadcast('streamPropertyChanged', { id: p.name, streamId, property, newValue, reason: PUBLISHER_ACTION }, p.name);
          // A muted microphone leaves the speakers at once; an unmuted one that the engine still hears comes back.
          if (property === 'audioActive') this.rooms.speakers.refresh(room.name);
        },
      };
    },

    unpublishVideo: (session, { streamId = DEFAULT_STREAM_ID }) => {
      const p = this.member(session);
      const room = this.rooms.requireRoom(p);
      if (!this.rooms.media.unpublish(room, p, streamId)) throw Errors.notStreaming(p.name, streamId);
      return { result: {}, after: () => this.rooms.media.announceUnpublished(room, p, streamId) };
    },

    receiveVideoFrom: async (session, { sender, sdpOffer }) => {
      const p = this.member(session);
      if (!p.grants.subscribe) throw Errors.notGranted(p.name, 'receive streams', 'subscribe');
      this.checkEndpointRoom(p);
      const sdpAnswer = await this.rooms.media.subscribe(this.rooms.requireRoom(p), p, sender, sdpOffer);
      return { result: { sdpAnswer } };
    },

    unsubscribeFromVideo: (session, { sender }) => {
      const p = this.member(session);
      const room = this.rooms.requireRoom(p);
      // The one rule of ids.ts; a sender without '_' is taken as a bare user name.
      const user = parseSender(sender)?.user ?? sender;
      if (!room.get(user) && !p.subscriptions.has(sender)) throw Errors.userNotFound(user, room.name);
      if (!this.rooms.media.unsubscribe(p, sender)) {
        this.log.debug('unsubscribe without subscription', { room: room.name, user: p.name, sender });
      }
      return { result: {} };
    },

    onIceCandidate: async (session, { endpointName, sender, candidate, sdpMid, sdpMLineIndex }) => {
      const p = this.member(session);
      await this.rooms.media.addIceCandidate(this.rooms.requireRoom(p), p, endpointName, { candidate, sdpMid, sdpMLineIndex }, sender);
      return { result: {} };
    },

    leaveRoom: (session) => {
      const p = this.member(session);
      this.rooms.leave(p);
      session.participant = null;
      return { result: {}, after: () => this.sessions.onLeft(session) };
    },

    sendMessage: (session, { message, userMessage, roomMessage }) => {
      const p = this.member(session);
      // Validate before answering; the fan-out follows the answer, as in the original.
      if (userMessage !== p.name) throw Errors.userNameMismatch(userMessage);
      if (roomMessage !== p.roomName) throw Errors.roomNameMismatch(roomMessage);
      return { result: {}, after: () => this.rooms.sendMessage(p, userMessage, roomMessage, message) };
    },

    customRequest: async (session, params) => {
      const customRequestHandler = this.options.customRequestHandler;
      if (!customRequestHandler) throw Errors.customRequestUnsupported();
      const p = this.member(session);
      const result = await customRequestHandler({
        params,
        sessionId: session.id,
        user: p.name,
        room: p.roomName,
        publishedStreams: [...p.published.values()].filter((s) => s.phase === 'live').map((s) => s.streamId),
        videoFilters: {
          support: () => this.rooms.media.filterSupport(),
          get: (streamId) => this.rooms.media.videoFilter(p, streamId),
          set: async (streamId, filter) => {
            if (!this.rooms.isMember(p)) throw Errors.notJoined(session.id);
            await this.rooms.media.setVideoFilter(p, streamId, filter);
          },
        },
      });
      return { result: result ?? {} };
    },
  };
}
