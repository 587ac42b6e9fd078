/**
 * Sharing one's screen: a second stream `screen` (video only, typeOfVideo `SCREEN`) published
 * next to the camera, captured by the client library itself (`screen: true`: getDisplayMedia in
 * `init()`). When the capture ends from outside (the browser's own "Stop sharing" bar), the
 * library unpublishes and releases the stream and the room emits `stream-removed` for it.
 */
import type { KurentoRoomClient, Room, Stream } from '@kurento-room/client';

export interface ScreenShareHooks {
  /** The stream exists (show its tile); it is being published. */
  started(stream: Stream): void;
  /** Sharing ended, by the button, the browser or a failure (remove its tile). */
  stopped(stream: Stream): void;
}

export class ScreenShare {
  private stream?: Stream;
  private starting = false;
  private readonly onRemoved = ({ stream }: { stream: Stream }) => {
    // The library ended it (the capture stopped): it is already unpublished and released.
    if (stream !== this.stream) return;
    this.stream = undefined;
    this.hooks.stopped(stream);
  };

  constructor(
    private readonly kurento: KurentoRoomClient,
    private readonly room: Room,
    private readonly hooks: ScreenShareHooks,
  ) {
    room.on('stream-removed', this.onRemoved);
  }

  isSharing(): boolean {
    return this.stream !== undefined;
  }

  /** Asks the browser for a screen and publishes it. Rejects when the user cancels or publishing fails. */
  async start(): Promise<void> {
    if (this.stream || this.starting) return;
    this.starting = true;
    // A screen changes little: 15 frames a second at most keeps the encoder (and everyone's decoder) light.
    const stream = this.kurento.Stream(this.room, { id: 'screen', screen: true, audio: false, video: { frameRate: { ideal: 10, max: 15 } } });
    try {
      let refusal: unknown;
      stream.on('access-denied', ({ error }) => (refusal = error));
      if (!(await stream.init())) {
        this.room.getLocalParticipant().removeStream(stream.getID());
        throw refusal ?? new Error('the screen capture could not start');
      }
    } finally {
      this.starting = false;
    }
    this.stream = stream;
    this.hooks.started(stream);
    try {
      await stream.publish();
    } catch (error) {
      await this.stop(stream);
      throw error;
    }
  }

  /** Stops sharing (`current`: only if that stream is still the one shared). */
  async stop(current = this.stream): Promise<void> {
    const stream = this.stream;
    if (!stream || stream !== current) return;
    this.stream = undefined;
    this.hooks.stopped(stream);
    try {
      if (this.room.isConnected()) await stream.unpublish();
    } finally {
      this.room.getLocalParticipant().removeStream(stream.getID());
      stream.dispose();
    }
  }

  /** Stops listening to the room (the call view is going). */
  destroy(): void {
    this.room.off('stream-removed', this.onRemoved);
  }
}
