import { EventEmitter } from 'node:events';

/** An EventEmitter whose event names and payloads are checked against an event map. */
export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  on<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this {
    this.#emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /**
   * Listener exceptions are caught and logged by the caller's `onListenerError`, never rethrown into the emitter.
   * `rawListeners` (not `listeners`) so that a `once` registration runs through Node's wrapper,
   * which removes it before calling it; `listeners` unwraps it, and it would fire on every emit.
   */
  protected emit<K extends keyof Events & string>(event: K, ...args: Events[K]): void {
    for (const listener of this.#emitter.rawListeners(event)) {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch (error) {
        this.onListenerError(event, error);
      }
    }
  }

  protected onListenerError(event: string, error: unknown): void {
    console.error(`listener of '${event}' threw`, error);
  }

  removeAllListeners(): void {
    this.#emitter.removeAllListeners();
  }
}
