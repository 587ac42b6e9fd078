import { Errors, type PeerInfo } from '@kurento-room/protocol';
import type { NotificationSink } from '../boundary/NotificationSink.js';
import type { Notice } from '../boundary/outputs.js';
import type { RoomStats, RoomView } from '../boundary/views.js';
import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import type { Logger } from '../log.js';
import type { MediaEngine } from '../media/MediaEngine.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { ActiveSpeakers } from './ActiveSpeakers.js';
import { MediaController } from './MediaController.js';
import { Participant } from './Participant.js';
import { Room } from './Room.js';

export interface RoomManagerEvents {
  roomCreated: [room: string];
  roomClosed: [room: string];
  participantJoined: [room: string, user: string];
  participantLeft: [room: string, user: string, reason: LeaveReason];
}

export type LeaveReason = 'left' | 'evicted' | 'disconnected' | 'roomClosed';

/**
 * Rooms and their membership: join, leave, eviction, admin close and chat. A room is created by
 * its first join and disappears with its last participant. Every notification is made here, as
 * data: an operation a session asked for adds its notices to the `out` list its caller hands in
 * (they travel with the command's outcome); what the admin does goes to the sink.
 */
export class RoomManager extends TypedEmitter<RoomManagerEvents> {
  readonly #rooms = new Map<string, Room>();
  /** Each participant by its session: commands name sessions, not participants. */
  readonly #bySession = new Map<string, Participant>();
  readonly media: MediaController;
  /** `activeSpeakersChanged` of every room, from the engine's `activeSpeakers`. */
  readonly speakers: ActiveSpeakers;
  #closed = false;

  constructor(
    engine: MediaEngine,
    private readonly sink: NotificationSink,
    private readonly log: Logger,
    /** The server's bounds; the room logic enforces rooms, participants, endpoints, names and candidates. */
    readonly limits: Readonly<Limits> = DEFAULT_LIMITS,
  ) {
    super();
    this.media = new MediaController(engine, (name) => this.#rooms.get(name), sink, log.child('media'));
    this.speakers = new ActiveSpeakers(engine.detectsSpeakers === true, this.media.endpoints, (name) => this.#rooms.get(name), sink, log.child('speakers'));
    engine.on('activeSpeakers', (room, publisherIds) => this.speakers.onEngineReport(room, publisherIds));
    this.media.on('streamUnpublished', (room) => this.speakers.refresh(room));
    this.on('roomClosed', (room) => this.speakers.forget(room));
  }

  getRoom(name: string): Room | undefined {
    return this.#rooms.get(name);
  }

  roomNames(): string[] {
    return [...this.#rooms.keys()];
  }

  /** The participant a session is, if it is in a room. */
  participantOf(sessionId: string): Participant | undefined {
    return this.#bySession.get(sessionId);
  }

  /**
   * Adds a participant. Everyone already in the room is told (`participantJoined`, added to
   * `out`), so the joiner's response comes after those notifications.
   */
  join(sessionId: string, user: string, roomName: string, dataChannels: boolean, out: Notice[]): { participant: Participant; peers: PeerInfo[] } {
    if (user === '') throw Errors.emptyUserName();
    if (roomName === '') throw Errors.emptyRoomName();
    if (this.#closed) throw Errors.roomClosing(user, roomName);
    let room = this.#rooms.get(roomName);
    if (room?.closing) throw Errors.roomClosing(user, roomName);
    if (room?.get(user)) throw Errors.userExists(user, roomName);
    if (room && room.participants.size >= this.limits.participantsPerRoom) throw Errors.roomFull(roomName, this.limits.participantsPerRoom);
    if (!room && this.#rooms.size >= this.limits.rooms) throw Errors.tooManyRooms(roomName, this.limits.rooms);
    if (!room) {
      room = new Room(roomName);
      this.#rooms.set(roomName, room);
      this.log.info('room created', { room: roomName });
      this.emit('roomCreated', roomName);
    }
    const peers: PeerInfo[] = [];
    for (const other of room.participants.values()) {
      const streams = other.liveStreams();
      peers.push(streams.length > 0 ? { id: other.name, streams } : { id: other.name });
    }
    const participant = new Participant(sessionId, user, roomName, dataChannels, this.limits.pendingCandidates);
    out.push(room.notice('participantJoined', { id: user }));
    room.participants.set(user, participant);
    this.#bySession.set(sessionId, participant);
    this.log.info('participant joined', { room: roomName, user, participants: room.participants.size });
    this.emit('participantJoined', roomName, user);
    return { participant, peers };
  }

  /** Removes a participant who leaves of its own accord: `participantLeft` to the others. */
  leave(participant: Participant, out: Notice[]): void {
    this.remove(participant, 'left', out);
  }

  /** Removes a participant against its will: `participantEvicted` to it, `participantLeft` to the rest. */
  evict(participant: Participant, reason: LeaveReason, out: Notice[]): void {
    if (!this.isMember(participant)) return;
    out.push(participant.notice('participantEvicted', {}));
    this.remove(participant, reason, out);
  }

  /** Admin eviction (notifications to the sink). Returns false when there is no such participant. */
  evictUser(roomName: string, user: string): boolean {
    const participant = this.#rooms.get(roomName)?.get(user);
    if (!participant) return false;
    const out: Notice[] = [];
    this.evict(participant, 'evicted', out);
    this.sink.deliver(out);
    return true;
  }

  /** Admin close: `roomClosed` to everyone (through the sink), then the room is gone (a later join re-creates it). */
  closeRoom(roomName: string): boolean {
    const room = this.#rooms.get(roomName);
    if (!room || room.closing) return false;
    room.closing = true;
    this.sink.deliver([room.notice('roomClosed', { room: roomName })]);
    for (const p of [...room.participants.values()]) {
      room.participants.delete(p.name);
      this.#bySession.delete(p.sessionId);
      this.media.releaseParticipant(room, p);
      this.emit('participantLeft', roomName, p.name, 'roomClosed');
    }
    this.#rooms.delete(roomName);
    this.log.info('room closed', { room: roomName, by: 'admin' });
    this.emit('roomClosed', roomName);
    return true;
  }

  /** Chat: the sender must name itself and its room; everyone in the room gets it, the sender too. */
  sendMessage(participant: Participant, userMessage: string, roomMessage: string, message: string): Notice<'sendMessage'> {
    if (userMessage !== participant.name) throw Errors.userNameMismatch(userMessage);
    if (roomMessage !== participant.roomName) throw Errors.roomNameMismatch(roomMessage);
    const room = this.requireRoom(participant);
    return room.notice('sendMessage', { room: room.name, user: participant.name, message });
  }

  isMember(participant: Participant): boolean {
    return this.#rooms.get(participant.roomName)?.get(participant.name) === participant;
  }

  requireRoom(participant: Participant): Room {
    const room = this.#rooms.get(participant.roomName);
    if (!room || room.get(participant.name) !== participant) throw Errors.notJoined(participant.sessionId);
    return room;
  }

  stats(): RoomStats {
    const stats: RoomStats = { rooms: this.#rooms.size, participants: 0, publishers: 0, subscriptions: 0, pendingCandidates: 0 };
    for (const room of this.#rooms.values()) {
      for (const p of room.participants.values()) {
        stats.participants++;
        stats.publishers += p.published.size;
        stats.subscriptions += p.subscriptions.size;
        stats.pendingCandidates += p.pendingCandidateCount();
      }
    }
    return stats;
  }

  dump(): RoomView[] {
    return [...this.#rooms.values()].map((room) => room.dump());
  }

  /** Closes every room; idempotent. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const name of [...this.#rooms.keys()]) this.closeRoom(name);
    }
    await this.media.settled();
  }

  private remove(participant: Participant, reason: LeaveReason, out: Notice[]): void {
    const room = this.#rooms.get(participant.roomName);
    if (!room || room.get(participant.name) !== participant) return;
    room.participants.delete(participant.name);
    this.#bySession.delete(participant.sessionId);
    this.media.releaseParticipant(room, participant);
    out.push(room.notice('participantLeft', { name: participant.name }));
    this.log.info('participant left', { room: room.name, user: participant.name, reason, participants: room.participants.size });
    this.emit('participantLeft', room.name, participant.name, reason);
    if (room.participants.size === 0) {
      this.#rooms.delete(room.name);
      this.log.info('room closed', { room: room.name, by: 'last participant left' });
      this.emit('roomClosed', room.name);
    }
  }
}
