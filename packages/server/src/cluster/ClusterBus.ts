/**
 * Messages between nodes over Redis pub/sub: each node subscribes to its own inbox channel.
 * Two shapes, both plain JSON: a one-way `post` (notifications from a room node to the edge
 * that holds a session), and a `request` answered by one `reply` (a command from an edge to the
 * node that owns the room). A request fails with a clear ClusterError when Redis is down, when
 * nobody listens on the target's inbox (node gone), or when no reply comes within the timeout;
 * the number of requests waiting for replies is bounded.
 */
import type { Logger } from '../log.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { ClusterError } from './ClusterError.js';
import type { ClusterKeys } from './keys.js';
import type { RedisLink } from './RedisLink.js';

/** What travels: `body` is whatever the layers above put there, plain data only. */
type Envelope =
  | { kind: 'post'; from: string; body: unknown }
  | { kind: 'request'; from: string; id: number; body: unknown }
  | { kind: 'reply'; from: string; id: number; ok: true; value: unknown }
  | { kind: 'reply'; from: string; id: number; ok: false; error: { code?: string; message: string } };

export interface ClusterBusEvents {
  /** A one-way message from another node. */
  post: [from: string, body: unknown];
}

/** Answers a request from another node; a thrown error travels back as `{code, message}`. */
export type RequestHandler = (from: string, body: unknown) => Promise<unknown>;

/** A request that failed on the node that handled it. */
export class RemoteError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export interface ClusterBusOptions {
  requestTimeoutMs?: number;
  maxPending?: number;
}

export class ClusterBus extends TypedEmitter<ClusterBusEvents> {
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #handler?: RequestHandler;
  readonly requestTimeoutMs: number;
  readonly maxPending: number;
  #closed = false;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: ClusterKeys,
    readonly nodeId: string,
    private readonly log: Logger,
    options: ClusterBusOptions = {},
  ) {
    super();
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.maxPending = options.maxPending ?? 10_000;
    const inbox = keys.inbox(nodeId);
    link.on('message', (channel, message) => {
      if (channel === inbox) this.#receive(message);
    });
  }

  /** Subscribes to this node's inbox. */
  async start(): Promise<void> {
    await this.link.subscribe(this.keys.inbox(this.nodeId));
  }

  handle(handler: RequestHandler): void {
    this.#handler = handler;
  }

  /** Sends a one-way message; false when nobody received it (target gone or Redis down). */
  async post(to: string, body: unknown): Promise<boolean> {
    if (!this.link.up) return false;
    try {
      return (await this.#publish(to, { kind: 'post', from: this.nodeId, body })) > 0;
    } catch {
      return false;
    }
  }

  /** Sends a request and waits for its reply. */
  async request(to: string, body: unknown, timeoutMs = this.requestTimeoutMs): Promise<unknown> {
    this.link.assertUp();
    if (this.#pending.size >= this.maxPending) {
      throw new ClusterError('BUSY', `${this.maxPending} requests to other nodes are already waiting for replies`);
    }
    const id = this.#nextId++;
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ClusterError('NODE_TIMEOUT', `Node ${to} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
    // The caller holds `reply` only once the PUBLISH below is done: a rejection before that (the
    // bus closing, the timeout) must not count as unhandled, which would end the process.
    reply.catch(() => undefined);
    let receivers: number;
    try {
      receivers = await this.#publish(to, { kind: 'request', from: this.nodeId, id, body });
    } catch (error) {
      this.#settle(id, undefined, new ClusterError('REDIS_UNAVAILABLE', `Could not reach node ${to}: ${(error as Error).message}`));
      return reply;
    }
    if (receivers === 0) this.#settle(id, undefined, new ClusterError('NODE_GONE', `Node ${to} is not listening`));
    return reply;
  }

  #publish(to: string, envelope: Envelope): Promise<number> {
    return this.link.commands.publish(this.keys.inbox(to), JSON.stringify(envelope));
  }

  #settle(id: number, value: unknown, error?: Error): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(value);
  }

  #receive(message: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      this.log.warn('unreadable cluster message', { length: message.length });
      return;
    }
    switch (envelope.kind) {
      case 'post':
        this.emit('post', envelope.from, envelope.body);
        return;
      case 'reply':
        if (envelope.ok) this.#settle(envelope.id, envelope.value);
        else this.#settle(envelope.id, undefined, new RemoteError(envelope.error.code, envelope.error.message));
        return;
      case 'request':
        void this.#answer(envelope.from, envelope.id, envelope.body);
        return;
    }
  }

  async #answer(from: string, id: number, body: unknown): Promise<void> {
    let reply: Envelope;
    try {
      if (!this.#handler) throw new ClusterError('NODE_GONE', `Node ${this.nodeId} takes no requests`);
      const value = await this.#handler(from, body);
      reply = { kind: 'reply', from: this.nodeId, id, ok: true, value: value ?? null };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      reply = {
        kind: 'reply',
        from: this.nodeId,
        id,
        ok: false,
        error: { code: typeof code === 'string' || typeof code === 'number' ? String(code) : undefined, message: (error as Error).message },
      };
    }
    if (this.#closed) return;
    await this.#publish(from, reply).catch((error: Error) => this.log.warn('reply lost', { to: from, error: error.message }));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of [...this.#pending.keys()]) this.#settle(id, undefined, new ClusterError('NODE_GONE', 'This node is closing'));
    this.removeAllListeners();
  }
}
