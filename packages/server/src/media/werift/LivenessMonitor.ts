/**
 * Declares endpoints dead when nothing arrives from their remote peer for a while. werift's own
 * check is RFC 7675 consent expiry, 30 s after the last answered consent request, fixed in its
 * bundle; a browser that is killed (no DTLS close_notify) would hold its room's resources that
 * long, beyond the room's grace period. A live WebRTC peer is never silent for seconds: it sends
 * media, RTCP reports (about every second) and ICE keepalives (every 2.5 s in libwebrtc), and
 * answers werift's consent requests (every 4-6 s). One timer per engine polls every watched
 * endpoint's activity counter.
 */
export interface Watched {
  /** A counter that grows whenever the remote is heard from. */
  activity(): number;
  /** Called once, when the remote has been silent for the timeout. */
  onSilent(silentMs: number): void;
}

interface Entry {
  watched: Watched;
  last: number;
  silentMs: number;
}

export class LivenessMonitor {
  readonly #timeoutMs: number;
  readonly #intervalMs: number;
  readonly #entries = new Map<string, Entry>();
  #timer: NodeJS.Timeout | undefined;
  #lastTick = 0;

  readonly #now: () => number;

  /** `timeoutMs` 0 turns the monitor off (werift's 30 s consent expiry remains). `now` is for tests. */
  constructor(timeoutMs: number, now: () => number = Date.now) {
    this.#timeoutMs = timeoutMs;
    this.#now = now;
    // Fine enough that detection lands within a tenth of the timeout after it.
    this.#intervalMs = Math.min(1000, Math.max(50, Math.round(timeoutMs / 10)));
  }

  get enabled(): boolean {
    return this.#timeoutMs > 0;
  }

  watch(id: string, watched: Watched): void {
    if (!this.enabled) return;
    this.#entries.set(id, { watched, last: Number.NaN, silentMs: 0 });
    if (!this.#timer) {
      this.#lastTick = this.#now();
      this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
      // Watching never keeps a process alive.
      this.#timer.unref();
    }
  }

  unwatch(id: string): void {
    this.#entries.delete(id);
    if (this.#entries.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** How long the endpoint's remote has been silent, as far as the monitor has seen (0 if unknown). */
  silentMs(id: string): number {
    return this.#entries.get(id)?.silentMs ?? 0;
  }

  #tick(): void {
    const now = this.#now();
    // A thread that stalled (a burst of handshakes, a GC pause) read no sockets meanwhile: the
    // stall counts as at most two intervals of silence, so it never condemns a live peer.
    const elapsed = Math.min(now - this.#lastTick, 2 * this.#intervalMs);
    this.#lastTick = now;
    for (const [id, entry] of [...this.#entries]) {
      let activity: number;
      try {
        activity = entry.watched.activity();
      } catch {
        // werift internals that cannot be read say nothing about the peer: never a death sentence.
        activity = Number.NaN;
      }
      if (Number.isNaN(activity) || activity !== entry.last) {
        entry.last = activity;
        entry.silentMs = 0;
        continue;
      }
      entry.silentMs += elapsed;
      if (entry.silentMs < this.#timeoutMs) continue;
      this.unwatch(id);
      entry.watched.onSilent(entry.silentMs);
    }
  }

  close(): void {
    this.#entries.clear();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
