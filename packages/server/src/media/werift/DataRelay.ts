/** Delivers a publisher's data channel messages to the subscribers that negotiated a channel. */
import type { RTCDataChannel } from 'werift';
import type { Counters } from './counters.js';

export class DataRelay {
  readonly #channels = new Set<RTCDataChannel>();
  readonly #counters: Counters;
  readonly #onError: (error: unknown) => void;

  constructor(counters: Counters, onError: (error: unknown) => void) {
    this.#counters = counters;
    this.#onError = onError;
  }

  add(channel: RTCDataChannel): void {
    this.#channels.add(channel);
  }

  remove(channel: RTCDataChannel): void {
    this.#channels.delete(channel);
  }

  get size(): number {
    return this.#channels.size;
  }

  broadcast(message: string | Buffer): void {
    for (const channel of this.#channels) {
      if (channel.readyState !== 'open') continue;
      try {
        channel.send(message);
        this.#counters.dataMessagesOut++;
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  clear(): void {
    this.#channels.clear();
  }
}
