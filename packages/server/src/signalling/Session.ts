import { randomBytes } from 'node:crypto';
import { Errors } from '@kurento-room/protocol';
import type { RpcConnection } from './RpcConnection.js';

/**
 * Room requests of one session waiting for the one before them; more get -32029 at once. A
 * client joining a full room (100 participants) pipelines ~99 subscriptions and their candidates
 * behind slow negotiations, several hundred requests, so the bound is the default request burst.
 */
export const MAX_QUEUED_REQUESTS = 1000;

/** Notifications kept for a session without a socket; a busy room makes a few per second. */
export const MAX_MISSED_NOTIFICATIONS = 1000;

export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

/** The room a session joined, as its signalling knows it: where its commands go. */
export interface SessionRoom {
  name: string;
  user: string;
}

/**
 * A JSON-RPC session: outlives its WebSocket for the reconnection grace period, so a client can
 * resume it (`connect {sessionId}`) on a new socket. Room requests of one session run one at a
 * time, in arrival order.
 */
export class Session {
  readonly id: string;
  connection: RpcConnection | null;
  /**
   * Set by a successful join, cleared by a successful leave. The room layer is the authority on
   * membership (an admin may have evicted the participant since); this says whether the session
   * is worth keeping through a lost socket and where its commands go.
   */
  room: SessionRoom | null = null;
  /** Ping interval announced by the client; undefined until the first ping. */
  pingIntervalMs: number | undefined;
  watchdog: NodeJS.Timeout | undefined;
  graceTimer: NodeJS.Timeout | undefined;
  closed = false;
  #queue: Promise<unknown> = Promise.resolve();
  /** Requests queued and not started yet. */
  #waiting = 0;
  /**
   * What happened in the room while the socket was gone (someone joined, published, wrote): a
   * client that resumes gets it in order, or its view of the room would silently diverge.
   */
  #missed: string[] = [];
  /** Frames dropped because more than MAX_MISSED_NOTIFICATIONS piled up. */
  missedDropped = 0;

  /** `id`: a session resumed through this server that another one started (cluster). */
  constructor(connection: RpcConnection, id: string = newSessionId()) {
    this.connection = connection;
    this.id = id;
  }

  /** Sends a notification frame, or keeps it for a resumption while the socket is gone. */
  send(frame: string): void {
    if (this.connection) this.connection.send(frame);
    else if (this.room && !this.closed) this.#keepMissed(frame);
  }

  #keepMissed(frame: string): void {
    this.#missed.push(frame);
    if (this.#missed.length > MAX_MISSED_NOTIFICATIONS) {
      this.#missed.shift();
      this.missedDropped++;
    }
  }

  /** Hands over the notification frames kept while the socket was gone (the client resumed elsewhere). */
  takeMissed(): string[] {
    return this.#missed.splice(0);
  }

  /** Sends the notifications kept while the socket was gone to the (new) socket; returns how many. */
  replayMissed(): number {
    const frames = this.#missed.splice(0);
    for (const frame of frames) this.connection?.send(frame);
    return frames.length;
  }

  /**
   * Runs `task` after every task queued before it has finished. A client may pipeline requests
   * faster than slow ones (publish, subscribe) complete; past MAX_QUEUED_REQUESTS waiting, a new
   * one is refused at once instead of holding its params in memory.
   */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    if (this.#waiting >= MAX_QUEUED_REQUESTS) return Promise.reject(Errors.tooManyQueued(MAX_QUEUED_REQUESTS));
    this.#waiting++;
    const counted = () => {
      this.#waiting--;
      return task();
    };
    const run = this.#queue.then(counted, counted);
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
