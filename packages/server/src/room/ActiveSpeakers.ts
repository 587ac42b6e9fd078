/**
 * `activeSpeakersChanged {speakers: [{id, streamId}]}` for each room: the media engine names the
 * speaking publisher endpoints of a group (the room) when they change; this turns them into the
 * room's streams and tells every participant when the list (set or order) differs from what the
 * room was last told. The engine already limits its reports to a few a second per room.
 *
 * A new notification, which an original client ignores (it handles the methods it knows).
 */
import type { ActiveSpeaker } from '@kurento-room/protocol';
import type { NotificationSink } from '../boundary/NotificationSink.js';
import type { Logger } from '../log.js';
import type { EndpointDirectory } from './EndpointDirectory.js';
import type { Room } from './Room.js';

function sameSpeakers(a: readonly ActiveSpeaker[], b: readonly ActiveSpeaker[]): boolean {
  return a.length === b.length && a.every((s, i) => s.id === b[i]!.id && s.streamId === b[i]!.streamId);
}

export class ActiveSpeakers {
  /** What each room was last told; a room is here only while its list is not empty. */
  readonly #told = new Map<string, ActiveSpeaker[]>();
  /** The engine's last report per room (kept to re-read it when a microphone is unmuted); only non-empty ones. */
  readonly #reported = new Map<string, readonly string[]>();

  constructor(
    /** Whether the media engine reports speakers at all (joiners get the list only then). */
    readonly enabled: boolean,
    private readonly endpoints: EndpointDirectory,
    private readonly lookupRoom: (name: string) => Room | undefined,
    private readonly sink: NotificationSink,
    private readonly log: Logger,
  ) {}

  /** The engine's report for group `roomName`: publisher endpoint ids, loudest first. */
  onEngineReport(roomName: string, publisherIds: readonly string[]): void {
    const room = this.lookupRoom(roomName);
    if (!room || room.closing) return;
    if (publisherIds.length > 0) this.#reported.set(roomName, [...publisherIds]);
    else this.#reported.delete(roomName);
    this.refresh(roomName);
  }

  /**
   * Reads the engine's last report again against the room's streams now: after an unpublish or
   * a leave (the stream leaves the list at once, even when the engine cannot report again
   * because its worker died), a mute (likewise) or an unmute (a voice the engine never stopped
   * hearing comes back without waiting for the engine's next change).
   */
  refresh(roomName: string): void {
    const room = this.lookupRoom(roomName);
    if (!room || room.closing) return;
    const speakers: ActiveSpeaker[] = [];
    const publisherIds = this.#reported.get(roomName) ?? [];
    for (const endpointId of publisherIds) {
      const speaker = this.#speakerOf(room, endpointId);
      if (speaker) speakers.push(speaker);
    }
    this.#tell(room, speakers);
  }

  /** The room's current list, for a participant that joins while someone speaks. */
  current(roomName: string): ActiveSpeaker[] {
    return [...(this.#told.get(roomName) ?? [])];
  }

  /** The room is gone: forget it. */
  forget(roomName: string): void {
    this.#told.delete(roomName);
    this.#reported.delete(roomName);
  }

  #tell(room: Room, speakers: ActiveSpeaker[]): void {
    const before = this.#told.get(room.name) ?? [];
    if (sameSpeakers(before, speakers)) return;
    if (speakers.length > 0) this.#told.set(room.name, speakers);
    else this.#told.delete(room.name);
    this.log.debug('active speakers', { room: room.name, speakers: speakers.map((s) => `${s.id}/${s.streamId}`).join(',') });
    this.sink.deliver([room.notice('activeSpeakersChanged', { speakers })]);
  }

  /** The live stream of a member of `room` that a publisher endpoint carries; undefined for anything else. */
  #speakerOf(room: Room, endpointId: string): ActiveSpeaker | undefined {
    const owner = this.endpoints.get(endpointId);
    if (!owner || owner.kind !== 'publisher') return undefined;
    const p = owner.participant;
    if (room.get(p.name) !== p) return undefined;
    for (const stream of p.published.values()) {
      if (stream.endpointId !== endpointId) continue;
      // A muted microphone is not speaking, whatever the engine heard before the mute.
      if (stream.phase !== 'live' || stream.tracks.audioActive === false) return undefined;
      return { id: p.name, streamId: stream.streamId };
    }
    return undefined;
  }
}
