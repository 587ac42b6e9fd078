import {
  DEFAULT_STREAM_ID,
  Notification,
  RoomError,
  RoomErrorCode,
  type JoinRoomResult,
  type NotificationParamsMap,
  type PeerInfo,
  type StreamInfo,
} from '@kurento-room/protocol';
import { Emitter } from './Emitter.js';
import type { Environment } from './environment.js';
import type { RoomEventMap } from './events.js';
import { Participant } from './Participant.js';
import { SpeakerDetector } from './SpeakerDetector.js';
import { Stream } from './Stream.js';
import { handled } from './util.js';

export interface RoomOptions {
  /** Room name. */
  room: string;
  /** Local user name. */
  user: string;
  /** Subscribe automatically to every remote stream (default true; false really disables it). */
  subscribeToStreams?: boolean;
  /** Period of `update-main-speaker`, in ms (default 1500). */
  updateSpeakerInterval?: number;
  /** Audio level in dB above which a stream is speaking (default -50). */
  thresholdSpeaker?: number;
}

/** What a Room needs from its KurentoRoom connection. */
export interface RoomConnection {
  readonly env: Environment;
  request<T = any>(method: string, params?: Record<string, unknown>): Promise<T>;
  closeConnection(): void;
}

type RoomState = 'idle' | 'joining' | 'joined' | 'closed' | 'left';

/** A room session: join, the participants and their streams, and the room events. */
export class Room extends Emitter<RoomEventMap> {
  readonly name: string;
  readonly user: string;
  readonly subscribeToStreams: boolean;
  readonly updateSpeakerInterval: number;
  readonly thresholdSpeaker: number;
  /** Whether the room was joined with `dataChannels` (a local stream has `data: true`). */
  dataChannels = false;
  private state: RoomState = 'idle';
  /** STUN/TURN servers from the server's join result. */
  private serverIceServers?: RTCIceServer[];
  private readonly localParticipant: Participant;
  private participants = new Map<string, Participant>();
  private streams = new Map<string, Stream>();
  /**
   * Global ids of the streams speaking: in the order they started (the client's own detection),
   * or loudest first as the server listed them (`serverSpeakers`).
   */
  private speaking: string[] = [];
  /**
   * The server detects speakers: it sent `activeSpeakersChanged` (which it does right after the
   * join result), so the client's own detection stays off. An original server never sends it.
   */
  private serverSpeakers = false;
  private detectors = new Map<Stream, SpeakerDetector>();
  private speakerTimer?: ReturnType<typeof setInterval>;
  private audioContext?: AudioContext;

  constructor(
    private readonly kurento: RoomConnection,
    options: RoomOptions,
  ) {
    super();
    this.name = options.room;
    this.user = options.user;
    this.subscribeToStreams = options.subscribeToStreams ?? true;
    this.updateSpeakerInterval = options.updateSpeakerInterval ?? 1500;
    this.thresholdSpeaker = options.thresholdSpeaker ?? -50;
    this.localParticipant = new Participant(this, true, options.user);
    this.participants.set(options.user, this.localParticipant);
  }

  get env(): Environment {
    return this.kurento.env;
  }

  /** Whether the room is joined (between `room-connected` and leave, close, eviction or loss). */
  isConnected(): boolean {
    return this.state === 'joined';
  }

  getLocalParticipant(): Participant {
    return this.localParticipant;
  }

  /** Every participant known in the room, the local one included, keyed by user name. */
  getParticipants(): Record<string, Participant> {
    return Object.fromEntries(this.participants);
  }

  /** Every stream of the room, local and remote, keyed by global id (`<user>_<streamId>`). */
  getStreams(): Record<string, Stream> {
    return Object.fromEntries(this.streams);
  }

  /**
   * Joins the room (`joinRoom`). Emits `room-connected` with the participants already there
   * (subscribing to their streams unless `subscribeToStreams` is false), or `error-room`.
   */
  connect(): Promise<void> {
    return handled(this.join());
  }

  subscribe(stream: Stream): Promise<void> {
    return stream.subscribe();
  }

  unsubscribe(stream: Stream): Promise<void> {
    return stream.unsubscribe();
  }

  /** The original's `disconnect(stream)`: unpublish a local stream, unsubscribe from a remote one. */
  disconnect(stream: Stream): Promise<void> {
    return stream.isLocal() ? stream.unpublish() : stream.unsubscribe();
  }

  /**
   * Leaves the room: sends `leaveRoom` (unless `forced`), closes every connection, stops the
   * local capture and the speaker timers, then closes the WebSocket.
   */
  leave(forced = false): Promise<void> {
    return handled(this.doLeave(forced));
  }

  /**
   * @internal The configuration of this room's peer connections: the STUN/TURN servers the server
   * handed out, with the application's own `rtcConfiguration` merged over them (its `iceServers`,
   * when given, win).
   */
  rtcConfiguration(): RTCConfiguration | undefined {
    const own = this.env.rtcConfiguration;
    if (!this.serverIceServers) return own;
    return { iceServers: this.serverIceServers, ...own };
  }

  /** @internal Sends a request on the room's connection. */
  request<T = any>(method: string, params: Record<string, unknown>): Promise<T> {
    return this.kurento.request<T>(method, params);
  }

  /** @internal Emits `error-room` for a failure and returns it as a RoomError. */
  reportError(error: unknown, context: string): RoomError {
    const roomError =
      error instanceof RoomError
        ? error
        : new RoomError(RoomErrorCode.MEDIA_GENERIC, `${context}: ${error instanceof Error ? error.message : String(error)}`);
    this.emit('error-room', { error: roomError });
    return roomError;
  }

  /** @internal Throws unless joined. */
  assertJoined(what: string): void {
    if (this.state !== 'joined') {
      throw new RoomError(RoomErrorCode.ROOM_GENERIC, `${what}: not joined to room '${this.name}' (call connect() and wait for room-connected)`);
    }
  }

  /** @internal */
  registerStream(stream: Stream): void {
    this.streams.set(stream.getGlobalID(), stream);
  }

  /** @internal Whether `stream` is the room's stream under its global id (not removed or replaced). */
  holds(stream: Stream): boolean {
    return this.streams.get(stream.getGlobalID()) === stream;
  }

  /** @internal */
  unregisterStream(stream: Stream): void {
    if (this.streams.get(stream.getGlobalID()) === stream) this.streams.delete(stream.getGlobalID());
  }

  /** @internal Watches a received stream's audio for speaker events (needs an AudioContext), unless the server does. */
  startSpeakerDetection(stream: Stream): void {
    if (this.serverSpeakers) return;
    const AudioContext = this.env.AudioContext;
    const media = stream.getMediaStream();
    if (!AudioContext || !media || media.getAudioTracks().length === 0 || this.detectors.has(stream)) return;
    const context = (this.audioContext ??= new AudioContext());
    const id = stream.getGlobalID();
    const detector = new SpeakerDetector(context, media, this.thresholdSpeaker, (speaking) => {
      this.speaking = this.speaking.filter((other) => other !== id);
      if (speaking) this.speaking.push(id);
      this.emit(speaking ? 'stream-speaking' : 'stream-stopped-speaking', { participantId: id });
    });
    this.detectors.set(stream, detector);
  }

  /** @internal */
  stopSpeakerDetection(stream: Stream): void {
    const detector = this.detectors.get(stream);
    if (!detector) return;
    this.detectors.delete(stream);
    detector.stop();
  }

  /** @internal A server notification, from the connection. */
  handleNotification(method: string, params: Record<string, unknown>): void {
    if (this.state !== 'joining' && this.state !== 'joined') return;
    switch (method) {
      case Notification.participantJoined:
        return this.onParticipantJoined(params as unknown as NotificationParamsMap['participantJoined']);
      case Notification.participantPublished:
        return this.onParticipantPublished(params as unknown as NotificationParamsMap['participantPublished']);
      case Notification.participantUnpublished:
        return this.onParticipantUnpublished(params as unknown as NotificationParamsMap['participantUnpublished']);
      case Notification.participantLeft:
        return this.onParticipantLeft(params as unknown as NotificationParamsMap['participantLeft']);
      case Notification.participantEvicted:
        this.emit('participant-evicted', { localParticipant: this.localParticipant });
        return this.endSession();
      case Notification.roomClosed:
        this.emit('room-closed', { room: typeof params.room === 'string' ? params.room : this.name });
        return this.endSession();
      case Notification.sendMessage: {
        const { room, user, message } = params as unknown as NotificationParamsMap['sendMessage'];
        return this.emit('newMessage', { room, user, message });
      }
      case Notification.mediaError:
        return this.onMediaError(params as unknown as NotificationParamsMap['mediaError']);
      case Notification.iceCandidate:
        return this.onIceCandidate(params as unknown as NotificationParamsMap['iceCandidate']);
      case Notification.customNotification:
        return this.emit('custom-message-received', { params });
      case Notification.streamPropertyChanged:
        return this.onStreamPropertyChanged(params as unknown as NotificationParamsMap['streamPropertyChanged']);
      case Notification.activeSpeakersChanged:
        return this.onActiveSpeakersChanged(params as unknown as NotificationParamsMap['activeSpeakersChanged']);
    }
  }

  /** @internal The WebSocket dropped; the connection tries to resume the session. */
  handleReconnecting(): void {
    if (this.state === 'joined') this.emit('reconnecting', { room: this.name });
  }

  /** @internal The session was resumed on a new WebSocket; the media never stopped. */
  handleReconnected(): void {
    if (this.state === 'joined') this.emit('reconnected', { room: this.name, rejoined: false });
  }

  /**
   * @internal The server no longer has this session (it restarted, or the grace period ended):
   * joins again under the same name on the connection's new socket, brings the participants and
   * streams up to date with the join result (`participant-left`, `participant-joined`,
   * `stream-added`, `stream-removed` for what changed meanwhile), then publishes the local
   * streams and subscribes to the remote ones again. Rejects when the join is refused.
   */
  async rejoin(): Promise<void> {
    if (this.state !== 'joined') return;
    const result = await this.request<JoinRoomResult>('joinRoom', this.joinParams());
    if (this.state !== 'joined') return;
    // Streams that appear in the join result are subscribed as new ones; only the streams from
    // before the loss that are still there need a new connection.
    const before = [...this.streams.values()];
    this.takeIceServers(result);
    this.reconcile(Array.isArray(result?.value) ? result.value : []);
    this.emit('reconnected', { room: this.name, rejoined: true });
    for (const stream of before) if (this.holds(stream)) void stream.recover(true);
  }

  /** @internal The WebSocket closed without the application asking for it, and could not be resumed. */
  handleConnectionLost(): void {
    if (this.state !== 'joined') return;
    this.emit('lost-connection', { room: this.name });
    this.endSession();
  }

  private async join(): Promise<void> {
    if (this.state === 'joining' || this.state === 'joined' || this.state === 'left') {
      throw this.reportError(
        new RoomError(RoomErrorCode.ROOM_GENERIC, `Cannot join room '${this.name}': the room is ${this.state === 'left' ? 'left' : 'already joined or joining'}`),
        'join',
      );
    }
    this.state = 'joining';
    this.dataChannels = Object.values(this.localParticipant.getStreams()).some((s) => s.isDataChannelEnabled());
    let result: JoinRoomResult;
    try {
      result = await this.request<JoinRoomResult>('joinRoom', this.joinParams());
    } catch (error) {
      if (this.state === 'joining') this.state = 'idle';
      throw this.reportError(error, `Joining room '${this.name}' failed`);
    }
    if (this.state !== 'joining') return;
    this.state = 'joined';
    this.takeIceServers(result);
    const participants: Participant[] = [];
    const streams: Stream[] = [];
    for (const peer of Array.isArray(result?.value) ? result.value : []) {
      if (typeof peer?.id !== 'string' || peer.id === this.user) continue;
      const participant = this.participantFor(peer.id);
      participants.push(participant);
      for (const info of peer.streams ?? []) streams.push(this.remoteStream(participant, info));
    }
    this.speakerTimer = setInterval(() => {
      const main = this.mainSpeaker();
      if (main !== undefined) this.emit('update-main-speaker', { participantId: main });
    }, this.updateSpeakerInterval);
    if (this.subscribeToStreams) for (const stream of streams) stream.subscribe();
    this.emit('room-connected', { participants, streams });
  }

  private takeIceServers(result: JoinRoomResult | undefined): void {
    const servers = result?.iceServers;
    this.serverIceServers = Array.isArray(servers) ? (servers as RTCIceServer[]) : undefined;
  }

  private joinParams(): Record<string, unknown> {
    return { user: this.user, room: this.name, ...(this.dataChannels ? { dataChannels: true } : {}) };
  }

  /** Applies a fresh join result to the participants and streams known before the session was lost. */
  private reconcile(peers: PeerInfo[]): void {
    const present = new Map<string, StreamInfo[]>();
    for (const peer of peers) if (typeof peer?.id === 'string' && peer.id !== this.user) present.set(peer.id, Array.isArray(peer.streams) ? peer.streams : []);
    for (const participant of [...this.participants.values()]) {
      if (!participant.isLocal() && !present.has(participant.getID())) this.onParticipantLeft({ name: participant.getID() });
    }
    for (const [id, streams] of present) {
      const known = this.participants.get(id);
      if (!known) {
        this.onParticipantJoined({ id });
        if (streams.length > 0) this.onParticipantPublished({ id, streams });
        continue;
      }
      const ids = new Set(streams.map((info) => (typeof info?.id === 'string' ? info.id : DEFAULT_STREAM_ID)));
      for (const streamId of Object.keys(known.getStreams())) if (!ids.has(streamId)) this.onParticipantUnpublished({ name: id, streamId });
      const added = streams.filter((info) => !known.getStream(typeof info?.id === 'string' ? info.id : DEFAULT_STREAM_ID));
      // Streams kept across the rejoin take the state that changed meanwhile (a mute while away).
      for (const info of streams) if (typeof info?.id === 'string') known.getStream(info.id)?.applyInfo(info);
      if (added.length > 0) this.onParticipantPublished({ id, streams: added });
    }
  }

  private async doLeave(forced: boolean): Promise<void> {
    if (this.state === 'left') return;
    const joined = this.state === 'joined' || this.state === 'joining';
    this.state = 'left';
    this.stopSpeakers();
    for (const participant of this.participants.values()) participant.dispose();
    for (const participant of [...this.participants.values()]) if (!participant.isLocal()) this.dropParticipant(participant);
    try {
      if (joined && !forced) await this.request('leaveRoom', {});
    } catch (error) {
      throw this.reportError(error, `Leaving room '${this.name}' failed`);
    } finally {
      this.kurento.closeConnection();
    }
  }

  /** The server no longer has us in the room (closed, evicted, connection lost): release everything but the capture. */
  private endSession(): void {
    this.state = 'closed';
    this.stopSpeakers();
    for (const participant of [...this.participants.values()]) {
      if (participant.isLocal()) {
        for (const stream of Object.values(participant.getStreams())) stream.disconnect();
      } else {
        participant.dispose();
        this.dropParticipant(participant);
      }
    }
  }

  private stopSpeakers(): void {
    if (this.speakerTimer !== undefined) clearInterval(this.speakerTimer);
    this.speakerTimer = undefined;
    for (const stream of [...this.detectors.keys()]) this.stopSpeakerDetection(stream);
    this.speaking = [];
    // A later join learns again whether the server detects speakers.
    this.serverSpeakers = false;
    this.audioContext?.close().catch(() => undefined);
    this.audioContext = undefined;
  }

  /** The main speaker: the latest one (own detection), or the server's loudest remote stream. */
  private mainSpeaker(): string | undefined {
    if (!this.serverSpeakers) return this.speaking[this.speaking.length - 1];
    return this.speaking.find((id) => this.streams.get(id)?.isLocal() === false);
  }

  /**
   * The server's speakers, loudest first. The first list (right after the join result) switches
   * the client's own detection off for good: from then on the server's list alone makes
   * `stream-speaking` / `stream-stopped-speaking` (the difference from the previous list),
   * `active-speakers-changed` and `update-main-speaker`.
   */
  private onActiveSpeakersChanged({ speakers }: NotificationParamsMap['activeSpeakersChanged']): void {
    if (!Array.isArray(speakers)) return;
    if (!this.serverSpeakers) {
      for (const stream of [...this.detectors.keys()]) this.stopSpeakerDetection(stream);
      this.serverSpeakers = true;
      this.speaking = [];
    }
    const streams: Stream[] = [];
    for (const speaker of speakers) {
      const streamId = typeof speaker?.streamId === 'string' ? speaker.streamId : DEFAULT_STREAM_ID;
      const stream = typeof speaker?.id === 'string' ? this.participants.get(speaker.id)?.getStream(streamId) : undefined;
      if (stream && !streams.includes(stream)) streams.push(stream);
    }
    this.setServerSpeakers(streams);
  }

  /** Makes `streams` the speakers, with the events of what changed. */
  private setServerSpeakers(streams: Stream[]): void {
    const before = this.speaking;
    const mainBefore = this.mainSpeaker();
    this.speaking = streams.map((s) => s.getGlobalID());
    for (const id of before) if (!this.speaking.includes(id)) this.emit('stream-stopped-speaking', { participantId: id });
    for (const id of this.speaking) if (!before.includes(id)) this.emit('stream-speaking', { participantId: id });
    this.emit('active-speakers-changed', { streams });
    const main = this.mainSpeaker();
    if (main !== undefined && main !== mainBefore) this.emit('update-main-speaker', { participantId: main });
  }

  /**
   * A stream is about to go away: with the server's speakers, it leaves them first (the server
   * sends its list before it announces the end of a stream, so this acts only when the client
   * learns of the end otherwise, e.g. from a rejoin).
   */
  private dropServerSpeaker(stream: Stream): void {
    const gone = stream.getGlobalID();
    if (!this.serverSpeakers || !this.speaking.includes(gone)) return;
    const rest: Stream[] = [];
    for (const id of this.speaking) {
      const other = this.streams.get(id);
      if (id !== gone && other) rest.push(other);
    }
    this.setServerSpeakers(rest);
  }

  private participantFor(id: string): Participant {
    let participant = this.participants.get(id);
    if (!participant) {
      participant = new Participant(this, false, id);
      this.participants.set(id, participant);
    }
    return participant;
  }

  private dropParticipant(participant: Participant): void {
    for (const id of Object.keys(participant.getStreams())) participant.removeStream(id);
    this.participants.delete(participant.getID());
  }

  /** A remote stream for a published stream id; a stale one of the same id is replaced. */
  private remoteStream(participant: Participant, info: StreamInfo): Stream {
    const stream = new Stream(this, { participant, id: typeof info?.id === 'string' ? info.id : DEFAULT_STREAM_ID }, false);
    if (info && typeof info === 'object') stream.applyInfo(info);
    participant.addStream(stream);
    return stream;
  }

  /** A publisher muted or unmuted a track of one of its streams. */
  private onStreamPropertyChanged({ id, streamId, property, newValue, reason }: NotificationParamsMap['streamPropertyChanged']): void {
    const stream = this.participants.get(id)?.getStream(typeof streamId === 'string' ? streamId : DEFAULT_STREAM_ID);
    if (!stream || stream.isLocal() || (property !== 'audioActive' && property !== 'videoActive') || typeof newValue !== 'boolean') return;
    stream.applyProperty(property, newValue);
    this.emit('stream-property-changed', { stream, property, newValue, reason: String(reason) });
  }

  private onParticipantJoined({ id }: { id: string }): void {
    if (typeof id !== 'string' || id === this.user) return;
    this.emit('participant-joined', { participant: this.participantFor(id) });
  }

  private onParticipantPublished({ id, streams }: NotificationParamsMap['participantPublished']): void {
    if (typeof id !== 'string' || id === this.user) return;
    const participant = this.participantFor(id);
    const added = (Array.isArray(streams) ? streams : [{ id: DEFAULT_STREAM_ID }]).map((info) => this.remoteStream(participant, info));
    this.emit('participant-published', { participant });
    for (const stream of added) {
      this.emit('stream-added', { stream });
      if (this.subscribeToStreams) stream.subscribe();
    }
  }

  private onParticipantUnpublished({ name, streamId }: NotificationParamsMap['participantUnpublished']): void {
    const participant = this.participants.get(name);
    if (!participant || participant.isLocal()) return;
    const id = typeof streamId === 'string' ? streamId : DEFAULT_STREAM_ID;
    const known = participant.getStream(id);
    if (known) this.dropServerSpeaker(known);
    const stream = participant.removeStream(id);
    if (!stream) return;
    this.emit('participant-unpublished', { participant, stream });
    this.emit('stream-removed', { stream });
    stream.dispose();
  }

  private onParticipantLeft({ name }: NotificationParamsMap['participantLeft']): void {
    const participant = this.participants.get(name);
    if (!participant || participant.isLocal()) return;
    const streams = Object.values(participant.getStreams());
    for (const stream of streams) this.dropServerSpeaker(stream);
    this.dropParticipant(participant);
    this.emit('participant-left', { participant });
    for (const stream of streams) this.emit('stream-removed', { stream });
    for (const stream of streams) stream.dispose();
  }

  /**
   * The stream a server message names: by `sender`, its global id (this project's server sends
   * it), else by the original's `endpointName`, where a user name means that user's `webcam` and
   * anything else a global id (ambiguous when user `alice_screen` meets alice's `screen`: ids.ts).
   */
  private streamForEndpoint(endpointName: unknown, sender: unknown): Stream | undefined {
    if (typeof sender === 'string') return this.streams.get(sender);
    if (typeof endpointName !== 'string') return undefined;
    const owner = this.participants.get(endpointName);
    return owner ? owner.getStream(DEFAULT_STREAM_ID) : this.streams.get(endpointName);
  }

  private onIceCandidate({ endpointName, sender, candidate, sdpMid, sdpMLineIndex }: NotificationParamsMap['iceCandidate']): void {
    const stream = this.streamForEndpoint(endpointName, sender);
    if (!stream) return;
    stream.addRemoteCandidate({ candidate, sdpMid, sdpMLineIndex }).catch((error) => {
      this.reportError(error, `Adding an ICE candidate of '${endpointName}' failed`);
    });
  }

  /**
   * The server lost a connection of ours (`endpointName` says which; an original server does not
   * say): that stream is published or subscribed again, the others go on.
   */
  private onMediaError({ error, endpointName, sender }: NotificationParamsMap['mediaError']): void {
    const stream = this.streamForEndpoint(endpointName, sender);
    this.emit('error-media', stream ? { error: String(error), stream } : { error: String(error) });
    if (stream) void stream.recover(true);
  }
}
