/**
 * One reading of the server's live state per scrape. prom-client starts every metric's collect
 * callback in the same tick; they share the reading in flight instead of each asking the media
 * workers again, and every gauge of one scrape then describes the same moment.
 */
import type { ThreadLoad } from '../media/MediaEngine.js';
import type { RoomServerStats } from '../RoomServer.js';

export interface Snapshot {
  stats: RoomServerStats;
  threads: ThreadLoad[];
}

export class ScrapeSnapshot {
  readonly #read: () => Promise<Snapshot>;
  #inFlight: Promise<Snapshot> | undefined;

  constructor(read: () => Promise<Snapshot>) {
    this.#read = read;
  }

  /** The reading in flight, or a new one: never a finished reading, so nothing is stale. */
  get(): Promise<Snapshot> {
    if (!this.#inFlight) {
      const reading = this.#read();
      this.#inFlight = reading;
      const done = () => {
        if (this.#inFlight === reading) this.#inFlight = undefined;
      };
      reading.then(done, done);
    }
    return this.#inFlight;
  }
}
