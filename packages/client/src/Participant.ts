import type { Room } from './Room.js';
import type { Stream } from './Stream.js';

/** A member of a room: the local user or a remote one, with the streams it publishes. */
export class Participant {
  private streams: Record<string, Stream> = {};

  constructor(
    readonly room: Room,
    private readonly local: boolean,
    private id: string,
  ) {}

  getID(): string {
    return this.id;
  }

  /** The original's setter; only meaningful before the participant has streams. */
  setId(id: string): void {
    this.id = id;
  }

  isLocal(): boolean {
    return this.local;
  }

  /** This participant's streams keyed by stream id (`webcam`, `screen`, ...). */
  getStreams(): Record<string, Stream> {
    return { ...this.streams };
  }

  getStream(streamId: string): Stream | undefined {
    return this.streams[streamId];
  }

  /** Adds (or replaces) a stream, and registers it in the room under its global id. */
  addStream(stream: Stream): void {
    const previous = this.streams[stream.getID()];
    if (previous === stream) return;
    if (previous) this.removeStream(previous.getID())?.dispose();
    this.streams[stream.getID()] = stream;
    this.room.registerStream(stream);
  }

  /** Removes a stream from the participant and the room, and returns it. */
  removeStream(streamId: string): Stream | undefined {
    const stream = this.streams[streamId];
    if (!stream) return undefined;
    delete this.streams[streamId];
    this.room.unregisterStream(stream);
    return stream;
  }

  /** Disposes every stream (closes peer connections, stops local tracks, removes elements). */
  dispose(): void {
    for (const stream of Object.values(this.streams)) stream.dispose();
  }
}
