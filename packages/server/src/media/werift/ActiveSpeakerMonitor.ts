/**
 * The speakers of each group (room) of an engine: every `intervalMs` the speaking detectors of
 * the group's publishers close their window, and when the ordered set of speaking publishers
 * changed, `onChange(group, publisherIds)` hears the new one (loudest first; empty when nobody
 * speaks any more). So a group is reported at most once per interval, whatever its packets do.
 *
 * One timer for the whole engine, running only while some publisher is watched. Groups and
 * members are removed with their publishers, so everything held here is bounded by the engine's
 * own endpoints.
 */
import { rankSpeakers, sameOrder, DEFAULT_RANK_MARGIN_DB } from './rankSpeakers.js';
import type { SpeakingDetector } from './SpeakingDetector.js';

/** How often the groups are evaluated: at most this many reports per group and second is 1000 / it. */
export const DEFAULT_SPEAKER_INTERVAL_MS = 250;

interface Group {
  /** Publisher id → the detectors of its audio tracks. */
  readonly members: Map<string, readonly SpeakingDetector[]>;
  /** The order last reported. */
  last: string[];
}

export interface ActiveSpeakerMonitorOptions {
  intervalMs: number;
  /** Level difference (dB) that reorders two speakers already ranked. */
  rankMarginDb?: number;
  /** The clock (ms); tests pass their own. */
  now?: () => number;
}

export class ActiveSpeakerMonitor {
  readonly #groups = new Map<string, Group>();
  /** Publisher id → its group's name. */
  readonly #groupOf = new Map<string, string>();
  readonly #onChange: (group: string, publisherIds: string[]) => void;
  readonly #intervalMs: number;
  readonly #marginDb: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(onChange: (group: string, publisherIds: string[]) => void, options: ActiveSpeakerMonitorOptions) {
    if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0) {
      throw new RangeError(`speaker interval must be a positive number of ms, got ${String(options.intervalMs)}`);
    }
    this.#onChange = onChange;
    this.#intervalMs = options.intervalMs;
    this.#marginDb = options.rankMarginDb ?? DEFAULT_RANK_MARGIN_DB;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Watches the audio tracks of publisher `publisherId` of `group`. */
  add(group: string, publisherId: string, detectors: readonly SpeakingDetector[]): void {
    if (detectors.length === 0 || this.#groupOf.has(publisherId)) return;
    let g = this.#groups.get(group);
    if (!g) {
      g = { members: new Map(), last: [] };
      this.#groups.set(group, g);
    }
    g.members.set(publisherId, detectors);
    this.#groupOf.set(publisherId, group);
    this.#timer ??= setInterval(() => this.tick(), this.#intervalMs);
    // The ticks must not keep a process alive that has nothing else to do.
    this.#timer.unref();
  }

  /**
   * Stops watching a publisher. Its group learns of it at the next tick (a speaker that went
   * away is a change like any other), and a group left empty goes after that report.
   */
  remove(publisherId: string): void {
    const group = this.#groupOf.get(publisherId);
    if (group === undefined) return;
    this.#groupOf.delete(publisherId);
    this.#groups.get(group)?.members.delete(publisherId);
  }

  /** Evaluates every group now (the timer's work; public for tests that drive time themselves). */
  tick(): void {
    const now = this.#now();
    for (const [name, g] of this.#groups) {
      const levels = new Map<string, number>();
      for (const [id, detectors] of g.members) {
        let loudest = -Infinity;
        for (const d of detectors) {
          d.update(now);
          if (d.speaking && d.level > loudest) loudest = d.level;
        }
        if (loudest > -Infinity) levels.set(id, loudest);
      }
      const order = rankSpeakers(g.last, levels, this.#marginDb);
      if (!sameOrder(order, g.last)) {
        g.last = order;
        this.#onChange(name, [...order]);
      }
      if (g.members.size === 0) this.#groups.delete(name);
    }
    if (this.#groups.size === 0) this.#stop();
  }

  /** Groups watched, for tests and stats. */
  get groups(): number {
    return this.#groups.size;
  }

  close(): void {
    this.#stop();
    this.#groups.clear();
    this.#groupOf.clear();
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
