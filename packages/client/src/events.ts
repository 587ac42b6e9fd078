import type { RoomError, StreamProperty } from '@kurento-room/protocol';
import type { Participant } from './Participant.js';
import type { Stream } from './Stream.js';

/** Events of a `Room`, with the payload each listener receives. */
export interface RoomEventMap {
  /** `joinRoom` succeeded: the remote participants already in the room and their streams. */
  'room-connected': { participants: Participant[]; streams: Stream[] };
  /** A request of this room failed (join, publish, subscribe, unpublish, message, ...). */
  'error-room': { error: RoomError };
  /** The server closed the room; the local participant is no longer in it. */
  'room-closed': { room: string };
  'participant-joined': { participant: Participant };
  'participant-left': { participant: Participant };
  /** The server evicted the local participant. */
  'participant-evicted': { localParticipant: Participant };
  'participant-published': { participant: Participant };
  /** A remote participant stopped publishing `stream`; it is still in the room. */
  'participant-unpublished': { participant: Participant; stream: Stream };
  /** The local stream is published: the server's answer has been applied. */
  'stream-published': { stream: Stream };
  /** A remote stream (or the local loopback) is received: the answer has been applied. */
  'stream-subscribed': { stream: Stream };
  /** A remote participant published a new stream. */
  'stream-added': { stream: Stream };
  /**
   * A stream went away: a remote one was unpublished or its participant left; a local screen
   * stream (`screen: true`) whose capture ended by itself (the browser's "Stop sharing") was
   * unpublished and released (`stream.isLocal()` tells them apart).
   */
  'stream-removed': { stream: Stream };
  /**
   * A `mediaError` notification of the server. `stream`: the stream whose connection the server
   * lost (when the server names it); the client publishes or subscribes it again by itself.
   */
  'error-media': { error: string; stream?: Stream };
  /**
   * A remote publisher muted (`newValue` false) or unmuted a track of `stream`; the stream's
   * `isAudioActive()` / `isVideoActive()` already answer the new state. `reason`: the server's,
   * e.g. `publisherAction`.
   */
  'stream-property-changed': { stream: Stream; property: StreamProperty; newValue: boolean; reason: string };
  /** A chat message of the room, including the echo of one's own. */
  newMessage: { room: string; user: string; message: string };
  /**
   * A stream started speaking. `participantId` is the stream's global id, `<user>_<streamId>`, as
   * in the original. With a server that detects speakers (it sends `activeSpeakersChanged`) this
   * follows the server's list, local streams included; with an original server the client
   * listens to each received stream itself (thresholdSpeaker).
   */
  'stream-speaking': { participantId: string };
  'stream-stopped-speaking': { participantId: string };
  /**
   * The stream to show as the main speaker. With an original server: the most recent speaker,
   * every `updateSpeakerInterval` ms while someone speaks. With a server that detects speakers:
   * its loudest remote stream, at once when that changes and again every `updateSpeakerInterval`
   * ms while it speaks (one's own streams never become the main speaker).
   */
  'update-main-speaker': { participantId: string };
  /**
   * The server's speakers changed (`activeSpeakersChanged`): the streams speaking now, loudest
   * first, local ones included; empty when nobody speaks. Never emitted with an original server.
   */
  'active-speakers-changed': { streams: Stream[] };
  /** A `custonNotification` of the server. */
  'custom-message-received': { params: Record<string, unknown> };
  /** The server stayed unreachable (or refused to take the client back) for `reconnectTimeout` while in the room. */
  'lost-connection': { room: string };
  /** The WebSocket dropped while in the room; the client is getting back in (media goes on, or freezes if the server is gone). */
  reconnecting: { room: string };
  /**
   * Back in the room. `rejoined: false`: the session was resumed on a new WebSocket, the media
   * never stopped, notifications of the gap follow. `rejoined: true`: the session was gone
   * (server restarted, grace period over), so the client joined again under the same name and is
   * publishing and subscribing its streams again (`stream-published` / `stream-subscribed` follow).
   */
  reconnected: { room: string; rejoined: boolean };
}

/** Data received on a stream's data channel. */
export type StreamData = string | ArrayBuffer | Blob | ArrayBufferView;

/** Events of a `Stream`. */
export interface StreamEventMap {
  /** `init()` obtained the camera and microphone. */
  'access-accepted': { stream: Stream };
  /** `init()` was refused (or no device matched the constraints). */
  'access-denied': { stream: Stream; error: unknown };
  /** A message arrived on the stream's data channel. */
  data: { stream: Stream; data: StreamData };
}
