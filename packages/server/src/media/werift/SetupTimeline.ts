/**
 * When each step of one endpoint's connection set-up happened, in milliseconds since the endpoint
 * was created, for one debug log line. The time from subscribing to the first decoded frame is a
 * product budget spread over ICE, DTLS, the keyframe request and the publisher's answer to it;
 * this line says which step took it (docs/first-frame.md reads these lines). Each mark is kept
 * once (the first time), from a fixed set of names: nothing grows with traffic.
 */
export type SetupMark =
  | 'answered'
  | 'firstLocalCandidate'
  | 'firstRemoteCandidate'
  | 'iceChecking'
  | 'iceConnected'
  | 'dtlsConnecting'
  | 'dtlsConnected'
  | 'connected'
  | 'keyFrameRequested'
  | 'pliReceived'
  | 'firstRtpForwarded'
  | 'firstKeyFrameForwarded';

export interface SetupTimelineRecord {
  /** Wall-clock time of creation (ms since the epoch), to line up with other processes' clocks. */
  startedAt: number;
  /** Milliseconds after creation, one decimal. */
  marks: Partial<Record<SetupMark, number>>;
}

export class SetupTimeline {
  readonly #start = performance.now();
  readonly #startedAt = performance.timeOrigin + this.#start;
  readonly #marks: Partial<Record<SetupMark, number>> = {};
  #done = false;

  mark(name: SetupMark): void {
    if (this.#done || this.#marks[name] !== undefined) return;
    this.#marks[name] = Math.round((performance.now() - this.#start) * 10) / 10;
  }

  /** The record, once: later calls return undefined (the line is logged once per endpoint). */
  finish(): SetupTimelineRecord | undefined {
    if (this.#done) return undefined;
    this.#done = true;
    return { startedAt: Math.round(this.#startedAt * 10) / 10, marks: { ...this.#marks } };
  }
}
