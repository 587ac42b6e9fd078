/** A listener of one event of an event map. */
export type Listener<T> = (event: T) => void;

/**
 * A small typed event emitter. `M` maps each event name to its payload type, so
 * `room.on('stream-added', (e) => e.stream)` is checked. Listeners run in registration order;
 * a listener that throws does not stop the others nor the library: the error is rethrown
 * asynchronously, where the host reports it.
 */
export class Emitter<M extends object> {
  private listeners: { [K in keyof M]?: Listener<M[K]>[] } = {};
  /** The listener each `once` wrapper stands for, so that `off(type, listener)` finds the wrapper. */
  private readonly onceOriginals = new WeakMap<Listener<never>, Listener<never>>();

  on<K extends keyof M>(type: K, listener: Listener<M[K]>): this {
    (this.listeners[type] ??= []).push(listener);
    return this;
  }

  /** Listens for the next occurrence only. */
  once<K extends keyof M>(type: K, listener: Listener<M[K]>): this {
    const wrapper: Listener<M[K]> = (event) => {
      this.off(type, wrapper);
      listener(event);
    };
    this.onceOriginals.set(wrapper, listener);
    return this.on(type, wrapper);
  }

  /** Removes one registration of `listener` (or every listener of `type` when none is given). */
  off<K extends keyof M>(type: K, listener?: Listener<M[K]>): this {
    const list = this.listeners[type];
    if (!list) return this;
    if (!listener) {
      delete this.listeners[type];
      return this;
    }
    const at = list.findIndex((l) => l === listener || this.onceOriginals.get(l) === listener);
    if (at >= 0) list.splice(at, 1);
    return this;
  }

  addEventListener<K extends keyof M>(type: K, listener: Listener<M[K]>): this {
    return this.on(type, listener);
  }

  removeEventListener<K extends keyof M>(type: K, listener?: Listener<M[K]>): this {
    return this.off(type, listener);
  }

  /** Emits `event` to the listeners of `type`. */
  emit<K extends keyof M>(type: K, event: M[K]): void {
    const list = this.listeners[type];
    if (!list) return;
    for (const listener of [...list]) {
      try {
        listener(event);
      } catch (error) {
        setTimeout(() => {
          throw error;
        });
      }
    }
  }

  /** The original API's form (EventEmitter.js): the payload is the first element of `args`. */
  emitEvent<K extends keyof M>(type: K, args: [M[K]]): void {
    this.emit(type, args[0]);
  }
}
