/**
 * Webhooks: room events POSTed as JSON to the operator's URLs, signed with HMAC-SHA256 of the raw
 * body. Delivery never slows the room: `send()` only queues. Per URL and per room, events go out
 * one at a time in the order they happened (a receiver sees `participant_joined` before that
 * participant's `participant_left`); different rooms do not wait for each other. A failed
 * delivery is retried with a doubling backoff until `giveUpAfterMs`, so a receiver that is down
 * for less than that loses nothing. Queues are bounded: past `maxPending` per URL the oldest
 * events are dropped, with a warning.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';

export type WebhookEventName =
  | 'room_started'
  | 'room_finished'
  | 'participant_joined'
  | 'participant_left'
  | 'stream_published'
  | 'stream_unpublished';

/** The JSON body of one webhook request. */
export interface WebhookPayload {
  /** Unique per event: a receiver can drop a repeat delivery by it. */
  id: string;
  event: WebhookEventName;
  /** When the event happened, ISO 8601. */
  createdAt: string;
  room: { name: string };
  participant?: { id: string };
  stream?: { id: string; typeOfVideo: 'CAMERA' | 'SCREEN' };
  /** The server node the event happened on (clusters). */
  node?: string;
}

export type WebhookEventInput = Omit<WebhookPayload, 'id' | 'createdAt'>;

export const SIGNATURE_HEADER = 'X-Kurento-Room-Signature';

/** `sha256=<hex HMAC-SHA256 of the raw body>`, as sent in SIGNATURE_HEADER. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface WebhookOptions {
  urls: string[];
  /** Signs every body; without it requests go unsigned (start-up warns). */
  secret?: string;
  log: Logger;
  /** First wait after a failed delivery; it doubles up to `maxBackoffMs`. Default 500. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** An event still undelivered this long after it happened is dropped. Default 300,000 (5 min). */
  giveUpAfterMs?: number;
  /** Events waiting per URL before the oldest are dropped. Default 10,000. */
  maxPending?: number;
  /** Time limit of one request. Default 5,000 ms. */
  requestTimeoutMs?: number;
  /** Stamped on every event as `node`. */
  node?: string;
  fetch?: typeof fetch;
}

interface Queued {
  payload: WebhookPayload;
  body: string;
  /** When it was queued, for giving up. */
  since: number;
  /** Dropped from a full queue while its delivery was under way: that delivery stops retrying. */
  abandoned?: boolean;
}

/** One receiver URL: a FIFO per room, one delivery in flight per room. */
class Target {
  readonly #rooms = new Map<string, Queued[]>();
  readonly #busy = new Set<string>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #pending = 0;
  delivered = 0;
  dropped = 0;
  #closed = false;

  constructor(
    readonly url: string,
    private readonly options: Required<Omit<WebhookOptions, 'urls' | 'secret' | 'node'>> & { secret?: string },
  ) {}

  get pending(): number {
    return this.#pending;
  }

  push(item: Queued): void {
    if (this.#closed) return;
    if (this.#pending >= this.options.maxPending) this.#dropOldest();
    let queue = this.#rooms.get(item.payload.room.name);
    if (!queue) this.#rooms.set(item.payload.room.name, (queue = []));
    queue.push(item);
    this.#pending++;
    this.#pump(item.payload.room.name);
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #dropOldest(): void {
    let oldest: [string, Queued[]] | undefined;
    for (const entry of this.#rooms) if (entry[1].length > 0 && (!oldest || entry[1][0]!.since < oldest[1][0]!.since)) oldest = entry;
    if (!oldest) return;
    const [room, queue] = oldest;
    const lost = queue.shift()!;
    // A head under delivery is abandoned rather than waited for, so the bound holds even when
    // every room has a delivery in flight.
    lost.abandoned = true;
    this.#pending--;
    this.dropped++;
    this.options.log.warn('webhook queue full: oldest event dropped', { url: this.url, limit: this.options.maxPending, event: lost.payload.event, room });
  }

  #pump(room: string): void {
    if (this.#busy.has(room) || this.#closed) return;
    const queue = this.#rooms.get(room);
    const head = queue?.[0];
    if (!queue || !head) {
      this.#rooms.delete(room);
      return;
    }
    this.#busy.add(room);
    void this.#deliver(head, this.options.initialBackoffMs).then(() => {
      this.#busy.delete(room);
      if (queue[0] === head) {
        queue.shift();
        this.#pending--;
      }
      this.#pump(room);
    });
  }

  /** Resolves when `item` is delivered or given up on; never rejects. */
  async #deliver(item: Queued, backoff: number): Promise<void> {
    for (;;) {
      if (this.#closed || item.abandoned) return;
      const failure = await this.#post(item.body);
      if (item.abandoned) return;
      if (failure === null) {
        this.delivered++;
        return;
      }
      if (Date.now() + backoff - item.since > this.options.giveUpAfterMs) {
        this.dropped++;
        this.options.log.error('webhook given up', { url: this.url, event: item.payload.event, room: item.payload.room.name, id: item.payload.id, error: failure });
        return;
      }
      this.options.log.warn('webhook delivery failed; retrying', { url: this.url, event: item.payload.event, id: item.payload.id, error: failure, retryInMs: backoff });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          resolve();
        }, backoff);
        this.#timers.add(timer);
      });
      backoff = Math.min(backoff * 2, this.options.maxBackoffMs);
    }
  }

  /** null on a 2xx answer, else what went wrong. */
  async #post(body: string): Promise<string | null> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.secret) headers[SIGNATURE_HEADER] = webhookSignature(this.options.secret, body);
    try {
      const response = await this.options.fetch(this.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.options.requestTimeoutMs) });
      await response.arrayBuffer().catch(() => undefined);
      return response.ok ? null : `HTTP ${response.status}`;
    } catch (error) {
      return (error as Error).message;
    }
  }
}

export class WebhookSender {
  readonly #targets: Target[];
  readonly #node: string | undefined;

  constructor(options: WebhookOptions) {
    for (const url of options.urls) {
      const protocol = new URL(url).protocol;
      if (protocol !== 'http:' && protocol !== 'https:') throw new RangeError(`webhook URL must be http(s), got '${url}'`);
    }
    const resolved = {
      log: options.log,
      initialBackoffMs: options.initialBackoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
      giveUpAfterMs: options.giveUpAfterMs ?? 300_000,
      maxPending: options.maxPending ?? 10_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
      fetch: options.fetch ?? fetch,
      ...(options.secret ? { secret: options.secret } : {}),
    };
    this.#targets = options.urls.map((url) => new Target(url, resolved));
    this.#node = options.node;
  }

  /** Queues an event for every URL; returns at once. */
  send(event: WebhookEventInput): WebhookPayload {
    const payload: WebhookPayload = {
      id: randomUUID(),
      event: event.event,
      createdAt: new Date().toISOString(),
      room: event.room,
      ...(event.participant ? { participant: event.participant } : {}),
      ...(event.stream ? { stream: event.stream } : {}),
      ...(this.#node ? { node: this.#node } : {}),
    };
    const body = JSON.stringify(payload);
    const since = Date.now();
    for (const target of this.#targets) target.push({ payload, body, since });
    return payload;
  }

  stats(): { url: string; pending: number; delivered: number; dropped: number }[] {
    return this.#targets.map((t) => ({ url: t.url, pending: t.pending, delivered: t.delivered, dropped: t.dropped }));
  }

  /**
   * Gives queued events up to `flushMs` to go out (a shutdown's `room_finished` among them), then
   * stops retrying and sending; idempotent.
   */
  async close(flushMs = 2000): Promise<void> {
    const deadline = Date.now() + flushMs;
    while (Date.now() < deadline && this.#targets.some((t) => t.pending > 0)) await new Promise((r) => setTimeout(r, 20));
    for (const target of this.#targets) target.close();
  }
}
