/**
 * A video filter running on one published track: feeds the track's original packets to a
 * GStreamer pipeline, switches the track's subscribers to the filtered output at its first
 * keyframe, and on stop (or when the process dies) switches them back at the publisher's next
 * keyframe before the process goes. Keyframe requests to the publisher are repeated until each
 * switch has happened, since a lost PLI or keyframe must not leave a switch pending.
 */
import type { FaceOverlayFilterSpec } from '../MediaEngine.js';
import { MediaEngineError } from '../MediaEngine.js';
import { GstFilterPipeline } from './GstFilterPipeline.js';
import type { GstreamerOptions } from './gstSupport.js';
import { errorMessage, type MediaLogFn } from './log.js';
import type { PublishedTrack, TrackSource } from './PublishedTrack.js';

export interface VideoFilterRunOptions {
  gst: GstreamerOptions;
  bitrate: number;
  keyFrameMaxDistance: number;
  /** How long start() waits for the first filtered packet. */
  startTimeoutMs: number;
  /** How long stop() waits for the publisher's keyframe before switching back regardless. */
  switchBackTimeoutMs: number;
}

const KEYFRAME_RETRY_MS = 600;

export class VideoFilterRun {
  readonly filter: FaceOverlayFilterSpec;
  readonly #track: PublishedTrack;
  readonly #options: VideoFilterRunOptions;
  readonly #requestKeyFrame: () => void;
  readonly #log: MediaLogFn;
  readonly #onEnded: (reason: string) => void;
  #pipeline: GstFilterPipeline | undefined;
  #retry: NodeJS.Timeout | undefined;
  #offSwitch: (() => void) | undefined;
  #ended = false;
  #started = false;

  constructor(
    track: PublishedTrack,
    filter: FaceOverlayFilterSpec,
    options: VideoFilterRunOptions,
    requestKeyFrame: () => void,
    log: MediaLogFn,
    onEnded: (reason: string) => void,
  ) {
    this.#track = track;
    this.filter = filter;
    this.#options = options;
    this.#requestKeyFrame = requestKeyFrame;
    this.#log = log;
    this.#onEnded = onEnded;
  }

  get pid(): number | undefined {
    return this.#pipeline?.pid;
  }

  /** Resolves once filtered video comes out of the pipeline; rejects (and cleans up) otherwise. */
  async start(): Promise<void> {
    const track = this.#track;
    let firstPacket!: () => void;
    let failed!: (error: Error) => void;
    const outcome = new Promise<void>((resolve, reject) => {
      firstPacket = resolve;
      failed = reject;
    });
    const pipeline = await GstFilterPipeline.start({
      gst: this.#options.gst,
      filter: this.filter,
      payloadType: track.codec.payloadType,
      clockRate: track.codec.clockRate,
      bitrate: this.#options.bitrate,
      keyFrameMaxDistance: this.#options.keyFrameMaxDistance,
      onPacket: (rtp) => {
        firstPacket();
        if (!this.#ended) track.feedFiltered(rtp);
      },
      onExit: (reason) => {
        failed(new MediaEngineError('internal', reason));
        this.#died(reason);
      },
    }).catch((error: unknown) => {
      throw new MediaEngineError('unsupported', `cannot start the filter process: ${errorMessage(error)}`);
    });
    this.#pipeline = pipeline;
    track.setTap((rtp) => pipeline.send(rtp));
    track.want('filtered');
    this.#waitForSwitch('filtered');
    const timer = setTimeout(
      () => failed(new MediaEngineError('internal', `no video came out of the filter within ${this.#options.startTimeoutMs} ms`)),
      this.#options.startTimeoutMs,
    );
    try {
      await outcome;
      this.#started = true;
    } catch (error) {
      await this.stop();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Switches subscribers back to the original video, then ends the process. */
  async stop(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    const track = this.#track;
    track.want('original');
    if (track.activeSource !== 'original' && this.#pipeline?.running) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          off();
          track.forceSwitch('original');
          resolve();
        }, this.#options.switchBackTimeoutMs);
        const off = track.onSwitch((source) => {
          if (source !== 'original') return;
          clearTimeout(timer);
          off();
          resolve();
        });
        this.#waitForSwitch('original');
      });
    }
    this.#clearRetry();
    track.setTap(undefined);
    await this.#pipeline?.stop();
  }

  /** Ends the process at once (the publisher is closing). */
  kill(): void {
    this.#ended = true;
    this.#clearRetry();
    this.#track.setTap(undefined);
    this.#pipeline?.kill();
  }

  /** Asks the publisher for keyframes until the track has switched to `source`. */
  #waitForSwitch(source: TrackSource): void {
    this.#clearRetry();
    if (this.#track.activeSource === source) return;
    this.#offSwitch = this.#track.onSwitch((now) => {
      if (now === source) this.#clearRetry();
    });
    this.#requestKeyFrame();
    this.#retry = setInterval(() => this.#requestKeyFrame(), KEYFRAME_RETRY_MS);
  }

  #clearRetry(): void {
    if (this.#retry) clearInterval(this.#retry);
    this.#retry = undefined;
    this.#offSwitch?.();
    this.#offSwitch = undefined;
  }

  #died(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#log('warn', 'video filter process ended', { pid: this.#pipeline?.pid, reason });
    this.#track.setTap(undefined);
    this.#track.want('original');
    // The original flows again at the publisher's next keyframe; until then nothing is lost
    // that a decoder needs, since the filtered source has stopped anyway.
    this.#waitForSwitch('original');
    // A failure during start() is that call's error, not a separate event.
    if (this.#started) this.#onEnded(reason);
  }
}
