/**
 * The node's two connections to Redis (ioredis): one for commands, one subscribed to the node's
 * inbox (a connection in subscriber mode cannot send other commands). Commands fail at once
 * while Redis is unreachable (no offline queue: a cross-node action must get a clear error, not
 * wait without bound); ioredis reconnects by itself and `up` fires when both connections are
 * ready again, so the node can register itself and re-claim its rooms.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { ClusterError } from './ClusterError.js';
import { redactRedisUrl } from './ClusterOptions.js';

export interface RedisLinkEvents {
  /** Both connections ready (first time and after every outage). */
  up: [];
  /** A connection lost. */
  down: [];
  /** A message on a subscribed channel. */
  message: [channel: string, message: string];
}

/** How long between reconnection attempts, in ms: short, so the cluster recovers quickly. */
const RETRY_MS = 300;

export class RedisLink extends TypedEmitter<RedisLinkEvents> {
  readonly commands: Redis;
  readonly subscriber: Redis;
  #up = false;
  #closed = false;
  readonly #channels = new Set<string>();

  constructor(
    readonly url: string,
    private readonly log: Logger,
  ) {
    super();
    const options = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      retryStrategy: () => RETRY_MS,
    };
    this.commands = new Redis(url, { ...options, connectionName: 'kr-commands' });
    this.subscriber = new Redis(url, { ...options, connectionName: 'kr-subscriber', autoResubscribe: false });
    for (const client of [this.commands, this.subscriber]) {
      client.on('ready', () => this.#update());
      client.on('close', () => this.#update());
      client.on('end', () => this.#update());
      // Connection errors are reported by the state change; without a listener ioredis prints them.
      client.on('error', (error: Error) => this.log.debug('redis connection error', { error: error.message }));
    }
    this.subscriber.on('message', (channel: string, message: string) => this.emit('message', channel, message));
  }

  get up(): boolean {
    return this.#up;
  }

  /** Connects both; resolves when ready, or rejects after `timeoutMs` (ioredis keeps retrying). */
  async connect(timeoutMs = 5000): Promise<void> {
    this.commands.connect().catch(() => undefined);
    this.subscriber.connect().catch(() => undefined);
    if (this.#up) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('up', onUp);
        reject(new ClusterError('REDIS_UNAVAILABLE', `Redis at ${redactRedisUrl(this.url)} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const onUp = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once('up', onUp);
    });
  }

  /** Subscribes to a channel now and again after every reconnection. */
  async subscribe(channel: string): Promise<void> {
    this.#channels.add(channel);
    if (this.subscriber.status === 'ready') await this.subscriber.subscribe(channel);
  }

  /** Throws REDIS_UNAVAILABLE when a command cannot be sent now. */
  assertUp(): void {
    if (!this.#up) throw new ClusterError('REDIS_UNAVAILABLE', 'Redis is unreachable: cross-node actions are refused until it returns');
  }

  #update(): void {
    if (this.#closed) return;
    const ready = this.commands.status === 'ready' && this.subscriber.status === 'ready';
    if (ready === this.#up) return;
    if (ready) {
      // Resubscribe before announcing `up`, so that replies to what the listeners send arrive.
      const channels = [...this.#channels];
      const resubscribed = channels.length ? this.subscriber.subscribe(...channels) : Promise.resolve(0);
      resubscribed.then(
        () => {
          if (this.#closed || this.#up) return;
          this.#up = true;
          this.log.info('redis up', { url: redactRedisUrl(this.url) });
          this.emit('up');
        },
        (error: Error) => this.log.warn('redis resubscribe failed', { error: error.message }),
      );
    } else {
      this.#up = false;
      this.log.warn('redis down', { url: redactRedisUrl(this.url) });
      this.emit('down');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#up = false;
    this.removeAllListeners();
    await Promise.allSettled([this.commands.quit(), this.subscriber.quit()]);
    this.commands.disconnect();
    this.subscriber.disconnect();
  }
}
