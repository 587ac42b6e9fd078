import { randomBytes } from 'node:crypto';
import { notificationFrame, type NotificationParamsMap } from '@kurento-room/protocol';
import type { Participant } from '../room/Participant.js';
import type { RpcConnection } from './RpcConnection.js';

export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * A JSON-RPC session: outlives its WebSocket for the reconnection grace period, so a client can
 * resume it (`connect {sessionId}`) on a new socket. Room requests of one session run one at a
 * time, in arrival order.
 */
export class Session {
  readonly id = newSessionId();
  connection: RpcConnection | null;
  participant: Participant | null = null;
  /** Ping interval announced by the client; undefined until the first ping. */
  pingIntervalMs: number | undefined;
  watchdog: NodeJS.Timeout | undefined;
  graceTimer: NodeJS.Timeout | undefined;
  closed = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(connection: RpcConnection) {
    this.connection = connection;
  }

  notify<M extends keyof NotificationParamsMap>(method: M, params: NotificationParamsMap[M]): void {
    this.connection?.send(notificationFrame(method, params as Record<string, unknown>));
  }

  /** Runs `task` after every task queued before it has finished. */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  clearTimers(): void {
    clearTimeout(this.watchdog);
    clearTimeout(this.graceTimer);
    this.watchdog = undefined;
    this.graceTimer = undefined;
  }
}
