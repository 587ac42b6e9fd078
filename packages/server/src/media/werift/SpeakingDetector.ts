/**
 * Whether one published audio track is speaking, from the RFC 6464 levels of its packets. Pure:
 * time comes in as an argument, so tests drive it without clocks.
 *
 * The receive path only adds each packet's level to a running sum (addSample: two additions).
 * Every `update(now)` (a few times a second) turns the window since the previous update into
 * one mean level, smooths it, and applies hysteresis: a track starts speaking only once its
 * level has stayed above `startDbov` for `startMs`, and stops only after it has stayed below the
 * lower `stopDbov` for the longer `stopMs`. Two thresholds and two delays keep the set of
 * speakers from flapping on every breath between words, and a cough from making a speaker.
 *
 * Only the level counts, not the V (voice activity) bit: libwebrtc, which every Chromium-based
 * client uses, sets V on digitally silent packets as well (level 127, V 1), so the bit tells
 * nothing the level does not.
 */
import { SILENCE_LEVEL } from './audioLevel.js';

export interface SpeakingDetectorOptions {
  /** Smoothed level (dBov, -127..0) a track must stay above, for startMs, to start speaking. */
  startDbov: number;
  /** Smoothed level (dBov) a speaking track must stay below, for stopMs, to stop. At most startDbov. */
  stopDbov: number;
  /** How long the level stays above startDbov before the track speaks (ms). */
  startMs: number;
  /** How long the level stays below stopDbov before the track stops speaking (ms). */
  stopMs: number;
  /** Weight of the newest window in the smoothed level, 0 < smoothing <= 1 (1: no smoothing). */
  smoothing: number;
}

/**
 * Defaults for voice captured by a browser (its gain control keeps speech around -20 to -35 dBov
 * and its noise suppression keeps a quiet room below -60). The mean of a window takes the pauses
 * between syllables in, so speech averages lower than its peaks: the start threshold is set low
 * enough for a normal voice, and the stop threshold 10 dB under it.
 */
export const DEFAULT_SPEAKING_OPTIONS: Readonly<SpeakingDetectorOptions> = {
  startDbov: -50,
  stopDbov: -60,
  startMs: 200,
  stopMs: 1000,
  smoothing: 0.6,
};

export function validateSpeakingOptions(o: SpeakingDetectorOptions): void {
  const finite = (name: keyof SpeakingDetectorOptions) => {
    if (typeof o[name] !== 'number' || !Number.isFinite(o[name])) throw new RangeError(`speaker detection '${name}' must be a finite number, got ${String(o[name])}`);
  };
  for (const name of ['startDbov', 'stopDbov', 'startMs', 'stopMs', 'smoothing'] as const) finite(name);
  if (o.startDbov > 0 || o.startDbov < -SILENCE_LEVEL) throw new RangeError(`speaker detection 'startDbov' must be within -127..0, got ${o.startDbov}`);
  if (o.stopDbov > o.startDbov || o.stopDbov < -SILENCE_LEVEL) {
    throw new RangeError(`speaker detection 'stopDbov' must be within -127..startDbov (${o.startDbov}), got ${o.stopDbov}`);
  }
  if (o.startMs < 0 || o.stopMs < 0) throw new RangeError('speaker detection startMs and stopMs must not be negative');
  if (o.smoothing <= 0 || o.smoothing > 1) throw new RangeError(`speaker detection 'smoothing' must be within (0, 1], got ${o.smoothing}`);
}

export class SpeakingDetector {
  readonly #options: Readonly<SpeakingDetectorOptions>;
  /** Sum and count of the levels (-dBov, 0..127) received since the last update. */
  #sum = 0;
  #count = 0;
  /** Smoothed level in dBov (-127 silence .. 0 loudest). */
  #level = -SILENCE_LEVEL;
  #speaking = false;
  /** Since when (update time) the level has been on the other side of the relevant threshold; -1: not. */
  #crossedAt = -1;

  constructor(options: Readonly<SpeakingDetectorOptions> = DEFAULT_SPEAKING_OPTIONS) {
    validateSpeakingOptions(options);
    this.#options = options;
  }

  /** One packet's level, 0 (0 dBov) .. 127 (-127 dBov): the low seven bits of the extension byte. */
  addSample(level: number): void {
    this.#sum += level;
    this.#count++;
  }

  /** Smoothed level in dBov: -127 (silence) .. 0. */
  get level(): number {
    return this.#level;
  }

  get speaking(): boolean {
    return this.#speaking;
  }

  /**
   * Closes the window of samples at `nowMs` (any monotonic clock in ms) and returns whether the
   * track's speaking state changed. A window without packets counts as silence: a muted
   * microphone may send nothing at all (DTX), and a track that stopped is quiet.
   */
  update(nowMs: number): boolean {
    const mean = this.#count > 0 ? this.#sum / this.#count : SILENCE_LEVEL;
    this.#sum = 0;
    this.#count = 0;
    this.#level += this.#options.smoothing * (-mean - this.#level);
    const o = this.#options;
    // Speaking: watch for the level going below the stop threshold; quiet: above the start one.
    const crossed = this.#speaking ? this.#level < o.stopDbov : this.#level > o.startDbov;
    if (!crossed) {
      this.#crossedAt = -1;
      return false;
    }
    if (this.#crossedAt < 0) this.#crossedAt = nowMs;
    if (nowMs - this.#crossedAt < (this.#speaking ? o.stopMs : o.startMs)) return false;
    this.#speaking = !this.#speaking;
    this.#crossedAt = -1;
    return true;
  }
}
