import { DEFAULT_STREAM_ID, Errors, PUBLISHER_ACTION, parseSender, RoomError, type RpcErrorObject } from '@kurento-room/protocol';
import { admitJoin } from '../auth/joinAccess.js';
import type { AdminCommand, RequestCommand, RoomMethod, SessionCommand } from '../boundary/commands.js';
import type { AdminOutcome, CommandOutcome } from '../boundary/outputs.js';
import type { RoomService } from '../boundary/RoomService.js';
import type { RoomStats, RoomView } from '../boundary/views.js';
import { iceServersFor, type IceConfig } from '../ice/iceServers.js';
import type { Logger } from '../log.js';
import { customRequestContext, type CustomRequestHandler } from './customRequest.js';
import { streamInfo, type Participant } from './Participant.js';
import type { RoomManager } from './RoomManager.js';
import { resolveTracks } from './streamTracks.js';

/** How the room methods are configured. */
export interface RoomServiceOptions {
  customRequestHandler?: CustomRequestHandler;
  /** With a secret, joins need an access token (auth/joinAccess.ts). */
  tokenSecret?: string;
  /** STUN/TURN servers for the join result (ice/iceServers.ts). */
  ice?: IceConfig;
}

type Result = Record<string, unknown>;
type Request<M extends RoomMethod> = Extract<RequestCommand, { method: M }>;
type Handler<M extends RoomMethod> = (command: Request<M>, out: CommandOutcome) => Promise<Result> | Result;

/**
 * The room layer in this process: runs each command on the RoomManager and gives back the answer
 * and the notifications it made, as plain data. Each request handler maps one protocol request
 * to room operations, as the original's RoomManager calls did.
 */
export class LocalRoomService implements RoomService {
  constructor(
    private readonly rooms: RoomManager,
    private readonly log: Logger,
    private readonly options: RoomServiceOptions,
  ) {}

  async execute(command: SessionCommand): Promise<CommandOutcome> {
    const outcome: CommandOutcome = { answer: { result: {} }, before: [], after: [], ended: [] };
    try {
      outcome.answer = { result: await this.#run(command, outcome) };
    } catch (error) {
      // What the command already did stays done and its notifications still go out (a join
      // that took over a stale name and then failed has removed the stale participant).
      outcome.answer = { error: this.#fault(command, error) };
    }
    return outcome;
  }

  async administer(command: AdminCommand): Promise<AdminOutcome> {
    switch (command.kind) {
      case 'closeRoom':
        return { found: this.rooms.closeRoom(command.room) };
      case 'evict':
        return { found: this.rooms.evictUser(command.room, command.user) };
    }
  }

  async roomNames(): Promise<string[]> {
    return this.rooms.roomNames();
  }

  async describeRooms(): Promise<RoomView[]> {
    return this.rooms.dump();
  }

  async describeRoom(name: string): Promise<RoomView | null> {
    return this.rooms.getRoom(name)?.dump() ?? null;
  }

  async stats(): Promise<RoomStats> {
    return this.rooms.stats();
  }

  #run(command: SessionCommand, out: CommandOutcome): Promise<Result> | Result {
    switch (command.kind) {
      case 'request': {
        const handler = this.handlers[command.method] as Handler<RoomMethod>;
        return handler(command as Request<RoomMethod>, out);
      }
      case 'connection': {
        const p = this.#participant(command);
        if (p) p.connected = command.connected;
        return {};
      }
      case 'endSession': {
        const p = this.#participant(command);
        if (p) this.rooms.evict(p, command.reason, out.before);
        return {};
      }
    }
  }

  #fault(command: SessionCommand, error: unknown): RpcErrorObject {
    if (error instanceof RoomError) return error.toJSON();
    const what = command.kind === 'request' ? command.method : command.kind;
    this.log.error('request crashed', { session: command.sessionId, method: what, error: (error as Error)?.stack ?? String(error) });
    return Errors.internal(`Internal error while handling '${what}': ${(error as Error)?.message ?? error}`).toJSON();
  }

  /** The session's participant, in the room the command names when it names one. */
  #participant(command: SessionCommand): Participant | undefined {
    const p = this.rooms.participantOf(command.sessionId);
    return p && (command.room === undefined || command.room === p.roomName) ? p : undefined;
  }

  private member(command: SessionCommand): Participant {
    const p = this.#participant(command);
    if (!p) throw Errors.notJoined(command.sessionId);
    return p;
  }

  /** A new publication or subscription must stay within the participant's endpoint limit. */
  private checkEndpointRoom(p: Participant): void {
    const max = this.rooms.limits.endpointsPerParticipant;
    if (p.published.size + p.subscriptions.size >= max) throw Errors.tooManyEndpoints(p.name, max);
  }

  private readonly handlers: { [M in RoomMethod]: Handler<M> } = {
    joinRoom: ({ sessionId, params: { user, room, dataChannels, token } }, out) => {
      const current = this.rooms.participantOf(sessionId);
      if (current) throw Errors.alreadyJoined(current.name, current.roomName);
      // Checked before anything changes: a refused join must not take over a stale session.
      const grants = admitJoin(this.options.tokenSecret, { user, room, dataChannels: dataChannels === true, token });
      const holder = this.rooms.getRoom(room)?.get(user);
      if (holder && !holder.connected) {
        // The room sees the stale participant leave, then the new one join.
        this.log.info('stale session taken over by a new join', { session: holder.sessionId, user, room });
        this.rooms.evict(holder, 'disconnected', out.before);
        out.ended.push(holder.sessionId);
      }
      const { participant, peers } = this.rooms.join(sessionId, user, room, dataChannels === true, out.before);
      participant.grants = grants;
      // The room's speakers as they are (often none), right after the answer: the client learns
      // that the server detects them before any stream of the room reaches it, and who speaks
      // already. The join result keeps the original's shape.
      if (this.rooms.speakers.enabled) out.after.push(participant.notice('activeSpeakersChanged', { speakers: this.rooms.speakers.current(room) }));
      const iceServers = iceServersFor(this.options.ice, user);
      return iceServers ? { value: peers, iceServers } : { value: peers };
    },

    publishVideo: async (command, out) => {
      const { params } = command;
      const { sdpOffer, doLoopback, streamId = DEFAULT_STREAM_ID } = params;
      const p = this.member(command);
      if (!p.grants.publish) throw Errors.notGranted(p.name, 'publish', 'publish');
      this.checkEndpointRoom(p);
      const sdpAnswer = await this.rooms.media.publish(p, streamId, sdpOffer, doLoopback, resolveTracks(params, sdpOffer));
      const room = this.rooms.getRoom(p.roomName);
      const stream = p.published.get(streamId);
      if (room && stream?.phase === 'live') out.after.push(room.notice('participantPublished', { id: p.name, streams: [streamInfo(stream)] }, p.name));
      return { sdpAnswer };
    },

    streamPropertyChanged: async (command, out) => {
      const { streamId, property, newValue } = command.params;
      const p = this.member(command);
      const changed = await this.rooms.media.setStreamProperty(p, streamId, property, newValue);
      const room = this.rooms.getRoom(p.roomName);
      if (changed && room && this.rooms.isMember(p)) {
        out.after.push(room.notice('streamPropertyChanged', { id: p.name, streamId, property, newValue, reason: PUBLISHER_ACTION }, p.name));
        // A muted microphone leaves the speakers at once; an unmuted one that the engine still hears comes back.
        if (property === 'audioActive') this.rooms.speakers.refresh(room.name);
      }
      return {};
    },

    unpublishVideo: (command, out) => {
      const { streamId = DEFAULT_STREAM_ID } = command.params;
      const p = this.member(command);
      const room = this.rooms.requireRoom(p);
      if (!this.rooms.media.unpublish(room, p, streamId)) throw Errors.notStreaming(p.name, streamId);
      out.after.push(this.rooms.media.announceUnpublished(room, p, streamId));
      return {};
    },

    receiveVideoFrom: async (command) => {
      const { sender, sdpOffer } = command.params;
      const p = this.member(command);
      if (!p.grants.subscribe) throw Errors.notGranted(p.name, 'receive streams', 'subscribe');
      this.checkEndpointRoom(p);
      const sdpAnswer = await this.rooms.media.subscribe(this.rooms.requireRoom(p), p, sender, sdpOffer);
      return { sdpAnswer };
    },

    unsubscribeFromVideo: (command) => {
      const { sender } = command.params;
      const p = this.member(command);
      const room = this.rooms.requireRoom(p);
      // The one rule of ids.ts; a sender without '_' is taken as a bare user name.
      const user = parseSender(sender)?.user ?? sender;
      if (!room.get(user) && !p.subscriptions.has(sender)) throw Errors.userNotFound(user, room.name);
      if (!this.rooms.media.unsubscribe(p, sender)) {
        this.log.debug('unsubscribe without subscription', { room: room.name, user: p.name, sender });
      }
      return {};
    },

    onIceCandidate: async (command) => {
      const { endpointName, sender, candidate, sdpMid, sdpMLineIndex } = command.params;
      const p = this.member(command);
      await this.rooms.media.addIceCandidate(this.rooms.requireRoom(p), p, endpointName, { candidate, sdpMid, sdpMLineIndex }, sender);
      return {};
    },

    leaveRoom: (command, out) => {
      this.rooms.leave(this.member(command), out.before);
      return {};
    },

    sendMessage: (command, out) => {
      const { message, userMessage, roomMessage } = command.params;
      // Checked before the answer; the fan-out follows it, as in the original.
      out.after.push(this.rooms.sendMessage(this.member(command), userMessage, roomMessage, message));
      return {};
    },

    customRequest: async (command) => {
      const customRequestHandler = this.options.customRequestHandler;
      if (!customRequestHandler) throw Errors.customRequestUnsupported();
      const p = this.member(command);
      return (await customRequestHandler(customRequestContext(this.rooms, p, command.params))) ?? {};
    },
  };
}
