/** How often the audio level is sampled, in ms. */
export const SPEAKER_POLL_MS = 50;
/** Consecutive quiet samples after which a speaker counts as stopped. */
export const SPEAKER_QUIET_SAMPLES = 6;

/**
 * Voice activity of one MediaStream with the Web Audio API: the loudest frequency bin of an
 * AnalyserNode (in dBFS) compared with `threshold` (the `thresholdSpeaker` option, -50 by
 * default). Calls `onChange(true)` when the level first exceeds it, and `onChange(false)` after
 * SPEAKER_QUIET_SAMPLES samples below it.
 */
export class SpeakerDetector {
  private timer: ReturnType<typeof setInterval>;
  private source: MediaStreamAudioSourceNode;
  private analyser: AnalyserNode;
  private speaking = false;
  private quiet = 0;

  constructor(
    context: AudioContext,
    media: MediaStream,
    private readonly threshold: number,
    private readonly onChange: (speaking: boolean) => void,
  ) {
    this.source = context.createMediaStreamSource(media);
    this.analyser = context.createAnalyser();
    this.analyser.fftSize = 512;
    this.analyser.smoothingTimeConstant = 0.1;
    this.source.connect(this.analyser);
    const bins = new Float32Array(this.analyser.frequencyBinCount);
    this.timer = setInterval(() => this.sample(bins), SPEAKER_POLL_MS);
  }

  /** The loudest bin of the current spectrum, in dB (-Infinity for silence). */
  level(bins: Float32Array<ArrayBuffer>): number {
    this.analyser.getFloatFrequencyData(bins);
    let max = -Infinity;
    for (const value of bins) if (value > max && value < 0) max = value;
    return max;
  }

  stop(): void {
    clearInterval(this.timer);
    this.source.disconnect();
    if (this.speaking) {
      this.speaking = false;
      this.onChange(false);
    }
  }

  private sample(bins: Float32Array<ArrayBuffer>): void {
    if (this.level(bins) > this.threshold) {
      this.quiet = 0;
      if (!this.speaking) {
        this.speaking = true;
        this.onChange(true);
      }
    } else if (this.speaking && ++this.quiet >= SPEAKER_QUIET_SAMPLES) {
      this.speaking = false;
      this.quiet = 0;
      this.onChange(false);
    }
  }
}
