// Real media for the client in Node, through @roamhq/wrtc (libwebrtc): a getUserMedia that
// captures synthetic moving video and a sine tone, and a counter of decoded video frames.
import wrtc from '@roamhq/wrtc';
import type { GetUserMedia } from '../../src/index.js';

const { nonstandard } = wrtc;

export interface SyntheticMediaOptions {
  width?: number;
  height?: number;
  fps?: number;
}

/** Everything started here that must stop for the process to exit (pumps and sinks). */
const running = new Set<() => void>();

/** Stops every pump and sink still running (a safety net for failed tests). */
export function stopAllMedia(): void {
  for (const stop of [...running]) stop();
}

/** A repeating task that ends by itself once `track` has been stopped. */
function pump(track: MediaStreamTrack, periodMs: number, tick: () => void): void {
  const stop = () => {
    clearInterval(timer);
    running.delete(stop);
  };
  const timer = setInterval(() => {
    if (track.readyState === 'ended') stop();
    else tick();
  }, periodMs);
  running.add(stop);
}

/**
 * `getUserMedia` for Node: a MediaStream of wrtc tracks fed by `RTCVideoSource` (I420 frames of a
 * diagonal gradient that moves every frame) and `RTCAudioSource` (a 440 Hz sine every 10 ms).
 * Each feed stops when its track is stopped. `captures` records every stream handed out.
 */
export function syntheticGetUserMedia(options: SyntheticMediaOptions = {}): GetUserMedia & { captures: MediaStream[] } {
  const { width = 320, height = 240, fps = 15 } = options;
  const captures: MediaStream[] = [];
  const getUserMedia = async (constraints: MediaStreamConstraints): Promise<MediaStream> => {
    const tracks: MediaStreamTrack[] = [];
    if (constraints.audio) {
      const source = new nonstandard.RTCAudioSource();
      const track = source.createTrack() as unknown as MediaStreamTrack;
      const sampleRate = 48_000;
      const samples = new Int16Array(sampleRate / 100);
      let phase = 0;
      pump(track, 10, () => {
        for (let i = 0; i < samples.length; i++) {
          samples[i] = Math.round(6000 * Math.sin(phase));
          phase += (2 * Math.PI * 440) / sampleRate;
        }
        source.onData({ samples, sampleRate });
      });
      tracks.push(track);
    }
    if (constraints.video) {
      const source = new nonstandard.RTCVideoSource();
      const track = source.createTrack() as unknown as MediaStreamTrack;
      const data = new Uint8Array((width * height * 3) / 2);
      data.fill(128, width * height);
      let frame = 0;
      pump(track, Math.round(1000 / fps), () => {
        const shift = frame++ * 4;
        for (let y = 0; y < height; y++) {
          const row = y * width;
          for (let x = 0; x < width; x++) data[row + x] = (x + y + shift) & 0xff;
        }
        source.onFrame({ width, height, data });
      });
      tracks.push(track);
    }
    const stream = new wrtc.MediaStream(tracks as never) as unknown as MediaStream;
    captures.push(stream);
    return stream;
  };
  return Object.assign(getUserMedia, { captures });
}

export interface FrameCounter {
  /** Frames decoded so far. */
  readonly frames: number;
  stop(): void;
}

/** Counts the frames decoded from the first video track of `media` (a received stream). */
export function countDecodedFrames(media: MediaStream): FrameCounter {
  const track = media.getVideoTracks()[0];
  if (!track) throw new Error('the stream has no video track');
  const sink = new nonstandard.RTCVideoSink(track as never);
  const counter = {
    frames: 0,
    stop() {
      sink.stop();
      running.delete(counter.stop);
    },
  };
  sink.onframe = () => {
    counter.frames++;
  };
  running.add(counter.stop);
  return counter;
}
