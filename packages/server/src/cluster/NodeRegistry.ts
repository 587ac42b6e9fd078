/**
 * The cluster's node registry: each node writes a heartbeat key with a TTL (its load inside)
 * every `heartbeatMs`, and reads everyone's. A node whose key has been missing for longer than
 * the TTL while Redis was up is dead (`nodeDown`); a node whose key appears is `nodeUp`. While
 * Redis is down nobody is declared dead: the nodes cannot see each other, which says nothing
 * about whether they live, and after Redis returns (even empty) everyone gets one TTL to
 * register again before the checks resume.
 */
import type { Logger } from '../log.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { ClusterError } from './ClusterError.js';
import type { ClusterKeys } from './keys.js';
import type { RedisLink } from './RedisLink.js';

export interface NodeLoad {
  rooms: number;
  participants: number;
  peerConnections: number;
  /** Share of one core used by the node's main thread since the last heartbeat, 0..1+. */
  cpu: number;
}

export interface NodeInfo {
  id: string;
  /** Where the node's HTTP/WebSocket server listens, as it announces it (for operators and tests). */
  address: string;
  draining: boolean;
  startedAt: number;
  updatedAt: number;
  load: NodeLoad;
}

export interface NodeRegistryEvents {
  nodeUp: [info: NodeInfo];
  nodeDown: [nodeId: string];
}

export interface NodeRegistryOptions {
  heartbeatMs?: number;
  ttlMs?: number;
}

export class NodeRegistry extends TypedEmitter<NodeRegistryEvents> {
  readonly heartbeatMs: number;
  readonly ttlMs: number;
  /** The live nodes as last read, this node included. */
  readonly #nodes = new Map<string, NodeInfo>();
  /** When each known node's key was last seen. */
  readonly #lastSeen = new Map<string, number>();
  #timer?: ReturnType<typeof setInterval>;
  /** Since when Redis has been up without a break (0: down). */
  #upSince = 0;
  #draining = false;
  readonly #startedAt = Date.now();
  #beating?: Promise<void>;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: ClusterKeys,
    readonly nodeId: string,
    private readonly address: string | (() => string),
    private readonly load: () => NodeLoad | Promise<NodeLoad>,
    private readonly log: Logger,
    options: NodeRegistryOptions = {},
  ) {
    super();
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.ttlMs = options.ttlMs ?? 4000;
    link.on('up', () => {
      this.#upSince = Date.now();
      void this.beat();
    });
    link.on('down', () => (this.#upSince = 0));
    if (link.up) this.#upSince = Date.now();
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.#timer.unref();
    void this.beat();
  }

  /** Draining nodes take no new rooms; announced with the next heartbeat (sent now). */
  async setDraining(draining: boolean): Promise<void> {
    this.#draining = draining;
    await this.beat();
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Live nodes as last read (this node included while Redis is up). */
  liveNodes(): NodeInfo[] {
    return [...this.#nodes.values()];
  }

  isLive(nodeId: string): boolean {
    return this.#nodes.has(nodeId);
  }

  /** The live, non-draining node with the least load: the home of a new room. */
  leastLoaded(): string {
    const candidates = this.liveNodes().filter((n) => !n.draining);
    if (candidates.length === 0) throw new ClusterError('NO_NODE', 'No live node takes new rooms (all draining or none registered)');
    candidates.sort(
      (a, b) =>
        a.load.peerConnections - b.load.peerConnections ||
        a.load.participants - b.load.participants ||
        a.load.rooms - b.load.rooms ||
        a.load.cpu - b.load.cpu ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    return candidates[0]!.id;
  }

  /** One heartbeat and one read of the others; concurrent calls share the one in flight. */
  beat(): Promise<void> {
    this.#beating ??= this.#beat().finally(() => (this.#beating = undefined));
    return this.#beating;
  }

  async #beat(): Promise<void> {
    if (!this.link.up) return;
    let load: NodeLoad;
    try {
      load = await this.load();
    } catch {
      load = { rooms: 0, participants: 0, peerConnections: 0, cpu: 0 };
    }
    const self: NodeInfo = {
      id: this.nodeId,
      address: typeof this.address === 'string' ? this.address : this.address(),
      draining: this.#draining,
      startedAt: this.#startedAt,
      updatedAt: Date.now(),
      load,
    };
    try {
      const redis = this.link.commands;
      await redis.multi().set(this.keys.node(this.nodeId), JSON.stringify(self), 'PX', this.ttlMs).sadd(this.keys.nodes(), this.nodeId).exec();
      const ids = await redis.smembers(this.keys.nodes());
      const values = ids.length ? await redis.mget(...ids.map((id) => this.keys.node(id))) : [];
      this.#read(ids, values);
    } catch (error) {
      this.log.debug('heartbeat failed', { error: (error as Error).message });
    }
  }

  #read(ids: string[], values: (string | null)[]): void {
    const now = Date.now();
    // After Redis came back, give every node one TTL to write its key again before judging.
    const judging = this.#upSince > 0 && now - this.#upSince >= this.ttlMs;
    // Ids in the set whose key we never saw: nodes that died before this one started.
    const stale: string[] = [];
    ids.forEach((id, i) => {
      const raw = values[i];
      if (raw == null) {
        if (!this.#lastSeen.has(id)) stale.push(id);
        return;
      }
      let info: NodeInfo;
      try {
        info = JSON.parse(raw) as NodeInfo;
      } catch {
        return;
      }
      this.#lastSeen.set(id, now);
      const known = this.#nodes.has(id);
      this.#nodes.set(id, info);
      if (!known) {
        this.log.info('node up', { node: id, address: info.address });
        this.emit('nodeUp', info);
      }
    });
    const listed = new Set(ids);
    for (const [id, seen] of this.#lastSeen) {
      // Out of the set: the node left cleanly (close()). Key missing for a TTL: it died.
      const left = !listed.has(id);
      if (id === this.nodeId || !judging || (!left && now - seen < this.ttlMs)) continue;
      this.#lastSeen.delete(id);
      stale.push(id);
      if (this.#nodes.delete(id)) {
        if (left) this.log.info('node left', { node: id });
        else this.log.warn('node down: no heartbeat', { node: id, afterMs: now - seen });
        this.emit('nodeDown', id);
      }
    }
    if (judging && stale.length) this.link.commands.srem(this.keys.nodes(), ...stale).catch(() => undefined);
  }

  /** Stops the heartbeats and deletes this node's key (a clean leave: the others see it at once). */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.link.up) {
      await this.link.commands
        .multi()
        .del(this.keys.node(this.nodeId))
        .srem(this.keys.nodes(), this.nodeId)
        .exec()
        .catch(() => undefined);
    }
    this.removeAllListeners();
  }
}
