/**
 * The event-loop delay of the thread it runs in, over windows: each take() reports the delay
 * since the previous one and starts a new window. A worker's loop delay is what its packets wait
 * before being handled, so it is the first sign of a worker carrying too many rooms. It must be
 * measured inside the thread: the main thread only sees how busy a worker is, not how late.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { LoopDelay } from '../MediaEngine.js';

/** Sampling period of the delay, in ms: Node's default; a timer this slow costs nothing measurable. */
const RESOLUTION_MS = 10;
const NS_PER_S = 1e9;

export class LoopDelayWindow {
  readonly #histogram: IntervalHistogram;
  /** The last window with samples, answered again for a window too short to hold one. */
  #last: LoopDelay = { mean: 0, p50: 0, p99: 0, max: 0 };

  constructor() {
    this.#histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.#histogram.enable();
  }

  take(): LoopDelay {
    const h = this.#histogram;
    if (h.count > 0) {
      // The histogram holds the time between the sampling timer's runs, period included (an idle
      // loop reads 10 ms): what is left past the period is how late the loop was.
      const late = (ns: number) => Math.max(0, ns - RESOLUTION_MS * 1e6) / NS_PER_S;
      this.#last = { mean: late(h.mean), p50: late(h.percentile(50)), p99: late(h.percentile(99)), max: late(h.max) };
    }
    h.reset();
    return this.#last;
  }

  close(): void {
    this.#histogram.disable();
  }
}
