/**
 * Sharing one's screen: a second stream `screen` (video only, typeOfVideo `SCREEN`) published
 * next to the camera. When the capture ends from outside (the browser's own "Stop sharing" bar
 * ends the track), the stream is unpublished and released.
 */
import type { KurentoRoomClient, Room, Stream } from '@kurento-room/client';

/**
 * Captures the screen and makes its stream. Kept in this one function: the client library is
 * getting a `screen: true` option (getDisplayMedia in `init()`) that will replace the capture here.
 */
export async function createScreenStream(kurento: KurentoRoomClient, room: Room): Promise<Stream> {
  // A screen changes little: 15 frames a second at most keeps the encoder (and everyone's decoder) light.
  const mediaStream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 10, max: 15 } }, audio: false });
  return kurento.Stream(room, { id: 'screen', mediaStream, typeOfVideo: 'SCREEN', audio: false, video: true });
}

export interface ScreenShareHooks {
  /** The stream exists (show its tile); it is being published. */
  started(stream: Stream): void;
  /** Sharing ended, by the button, the browser or a failure (remove its tile). */
  stopped(stream: Stream): void;
}

export class ScreenShare {
  private stream?: Stream;
  private starting = false;

  constructor(
    private readonly kurento: KurentoRoomClient,
    private readonly room: Room,
    private readonly hooks: ScreenShareHooks,
  ) {}

  isSharing(): boolean {
    return this.stream !== undefined;
  }

  /** Asks the browser for a screen and publishes it. Rejects when the user cancels or publishing fails. */
  async start(): Promise<void> {
    if (this.stream || this.starting) return;
    this.starting = true;
    let stream: Stream;
    try {
      stream = await createScreenStream(this.kurento, this.room);
      if (!(await stream.init())) throw new Error('the screen capture could not start');
    } finally {
      this.starting = false;
    }
    this.stream = stream;
    stream.getLocalMediaStream()?.getVideoTracks()[0]?.addEventListener('ended', () => void this.stop(stream));
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
}
