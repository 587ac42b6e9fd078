/**
 * Limits keyframe requests to one per interval per publisher. A request inside the interval is
 * not dropped but deferred to the end of it: a subscriber that connects just after a keyframe
 * was requested for another one still gets a fresh keyframe of its own.
 */
export class KeyFrameThrottle {
  readonly #intervalMs: number;
  readonly #send: () => void;
  #last = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(intervalMs: number, send: () => void) {
    this.#intervalMs = intervalMs;
    this.#send = send;
  }

  request(): void {
    if (this.#closed || this.#timer) return;
    const wait = this.#last + this.#intervalMs - performance.now();
    if (wait <= 0) {
      this.#fire();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#fire();
    }, wait);
  }

  #fire(): void {
    if (this.#closed) return;
    this.#last = performance.now();
    this.#send();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
