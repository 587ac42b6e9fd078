/**
 * A server as a node of a cluster: its Redis link, its heartbeat in the registry, the bus to the
 * other nodes, the host of the rooms it owns and the room service its signalling calls. It also
 * owns the reactions to the cluster's faults:
 * - a node died: the rooms it owned are lost; this node's sessions in them are ended (their
 *   clients rejoin, and the join claims the room again on a live node), and the sessions this
 *   node hosts for it as an edge wait the grace period for their clients to resume elsewhere;
 * - Redis came back (maybe empty): the node registers again (NodeRegistry) and re-claims the
 *   rooms it hosts;
 * - drain: no new rooms here, rooms go on until empty or the drain timeout, then their
 *   participants are moved (their sessions ended so that their clients rejoin on other nodes).
 */
import type { AdminCommand } from '../boundary/commands.js';
import type { NotificationSink } from '../boundary/NotificationSink.js';
import type { RoomService } from '../boundary/RoomService.js';
import type { Logger } from '../log.js';
import { ClusterBus } from './ClusterBus.js';
import { ClusterRoomService } from './ClusterRoomService.js';
import type { ClusterOptions } from './ClusterOptions.js';
import { DEFAULT_DRAIN_TIMEOUT_MS } from './ClusterOptions.js';
import { ClusterKeys } from './keys.js';
import type { AdoptResult, NodePost, NodeRequest } from './messages.js';
import { NodeRegistry, type NodeLoad } from './NodeRegistry.js';
import { RedisLink } from './RedisLink.js';
import { RoomDirectory } from './RoomDirectory.js';
import { RoomHost } from './RoomHost.js';
import { SessionDirectory } from './SessionDirectory.js';

/** What the node needs from the signalling layer that holds its sessions. */
export interface EdgeSessions extends NotificationSink {
  /** Ends sessions here without a word to their room; their sockets close so clients rejoin. */
  endSessions(sessionIds: string[], reason: string): void;
  /** Ids of the sessions held here that are in `room`. */
  sessionsInRoom(room: string): string[];
  /** Ends a session held here whose client resumed through another node; returns the frames kept for it. */
  releaseSession(sessionId: string): string[];
}

export interface ClusterNodeDeps {
  nodeId: string;
  /** Where this node serves (its URL), as announced to the others. */
  address: () => string;
  options: ClusterOptions;
  /** This node's own room layer. */
  local: RoomService;
  sessions: EdgeSessions;
  graceMs: number;
  load: () => NodeLoad | Promise<NodeLoad>;
  log: Logger;
}

export class ClusterNode {
  readonly nodeId: string;
  readonly link: RedisLink;
  readonly registry: NodeRegistry;
  readonly bus: ClusterBus;
  readonly rooms: RoomDirectory;
  readonly sessionLocations: SessionDirectory;
  readonly host: RoomHost;
  readonly service: ClusterRoomService;
  readonly drainTimeoutMs: number;
  #closed = false;

  constructor(private readonly deps: ClusterNodeDeps) {
    const { options, log } = deps;
    this.nodeId = deps.nodeId;
    this.drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    const keys = new ClusterKeys(options.keyPrefix);
    this.link = new RedisLink(options.redisUrl, log.child('redis'));
    this.registry = new NodeRegistry(this.link, keys, this.nodeId, deps.address, deps.load, log.child('registry'), {
      heartbeatMs: options.heartbeatMs ?? 1000,
      ttlMs: options.nodeTtlMs ?? 3000,
    });
    this.bus = new ClusterBus(this.link, keys, this.nodeId, log.child('bus'));
    this.rooms = new RoomDirectory(this.link, keys);
    this.sessionLocations = new SessionDirectory(this.link, keys);
    this.host = new RoomHost(
      this.nodeId,
      deps.local,
      deps.sessions,
      this.bus,
      this.rooms,
      deps.graceMs,
      log.child('host'),
      (ids, reason) => deps.sessions.endSessions(ids, reason),
      async (node, sessionId) =>
        node === this.nodeId
          ? deps.sessions.releaseSession(sessionId)
          : ((await this.bus.request(node, { type: 'release', sessionId } satisfies NodeRequest)) as string[]),
    );
    this.service = new ClusterRoomService(this.nodeId, this.host, deps.local, this.bus, this.registry, this.rooms, this.sessionLocations, log.child('rooms'));

    this.bus.handle((from, body) => this.#answer(from, body as NodeRequest));
    this.bus.on('post', (from, body) => this.#receive(from, body as NodePost));
    this.registry.on('nodeDown', (id) => this.#nodeDown(id));
    this.link.on('up', () => void this.#reclaim());
  }

  /** Connects to Redis (waits up to `timeoutMs`), subscribes and starts the heartbeats. */
  async start(timeoutMs = 10_000): Promise<void> {
    await this.link.connect(timeoutMs);
    await this.bus.start();
    this.registry.start();
    await this.registry.beat();
  }

  /** Finds which node holds a session that is not here, for `connect {sessionId}` through this node. */
  async adopt(sessionId: string): Promise<AdoptResult | null> {
    const location = await this.sessionLocations.get(sessionId).catch(() => null);
    if (location === null) return null;
    try {
      const result =
        location.node === this.nodeId
          ? await this.host.adopt(this.nodeId, sessionId)
          : ((await this.bus.request(location.node, { type: 'adopt', sessionId } satisfies NodeRequest)) as AdoptResult);
      this.service.remember(location.room, location.node);
      return result;
    } catch (error) {
      this.deps.log.info('session could not be resumed through this node', { session: sessionId, node: location.node, error: (error as Error).message });
      return null;
    }
  }

  /**
   * Drains: no new rooms, then waits until this node hosts no room or `drainTimeoutMs` passed,
   * then moves the participants of what is left. Resolves when nothing is hosted here.
   */
  async drain(): Promise<void> {
    this.deps.log.info('draining', { node: this.nodeId, timeoutMs: this.drainTimeoutMs });
    await this.registry.setDraining(true);
    const deadline = Date.now() + this.drainTimeoutMs;
    while (Date.now() < deadline && (await this.deps.local.roomNames()).length > 0) await new Promise((r) => setTimeout(r, 250));
    const left = await this.deps.local.roomNames();
    if (left.length) this.deps.log.info('drain timeout: moving rooms to other nodes', { rooms: left });
    for (const room of left) await this.host.moveRoom(room);
  }

  get draining(): boolean {
    return this.registry.draining;
  }

  async #answer(from: string, request: NodeRequest): Promise<unknown> {
    switch (request.type) {
      case 'execute':
        return this.host.execute(from, request.command);
      case 'administer': {
        const outcome = await this.deps.local.administer(request.command as AdminCommand);
        await this.host.afterAdmin(request.command.room);
        return outcome;
      }
      case 'roomNames':
        return this.deps.local.roomNames();
      case 'describeRooms':
        return this.deps.local.describeRooms();
      case 'describeRoom':
        return this.deps.local.describeRoom(request.name);
      case 'stats':
        return this.deps.local.stats();
      case 'adopt':
        return this.host.adopt(from, request.sessionId);
      case 'release':
        return this.deps.sessions.releaseSession(request.sessionId);
    }
  }

  #receive(from: string, post: NodePost): void {
    switch (post.type) {
      case 'notices':
        this.deps.sessions.deliver(post.notices);
        return;
      case 'ended':
        this.deps.log.info('sessions ended by their room node', { node: from, sessions: post.sessionIds.length, reason: post.reason });
        this.deps.sessions.endSessions(post.sessionIds, post.reason);
        return;
    }
  }

  /** Another node died: end this node's sessions in its rooms, look after its sessions in ours. */
  #nodeDown(nodeId: string): void {
    const lost = this.service.roomsOwnedBy(nodeId);
    for (const room of lost) {
      const sessions = this.deps.sessions.sessionsInRoom(room);
      this.deps.log.warn('room lost with its node; its sessions rejoin', { room, node: nodeId, sessions: sessions.length });
      this.deps.sessions.endSessions(sessions, 'room-node-lost');
    }
    this.host.edgeDown(nodeId);
  }

  /** After Redis came back (maybe empty): claim again every room hosted here. */
  async #reclaim(): Promise<void> {
    if (this.#closed) return;
    // Registered first: a claim for a node without a heartbeat key is refused.
    await this.registry.beat();
    for (const room of await this.deps.local.roomNames()) {
      try {
        const owner = await this.rooms.claim(room, this.nodeId);
        if (owner !== this.nodeId) this.deps.log.warn('a room hosted here is claimed by another node', { room, owner });
        else this.service.remember(room, this.nodeId);
      } catch (error) {
        this.deps.log.warn('could not re-claim a room', { room, error: (error as Error).message });
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.host.close();
    this.bus.close();
    await this.registry.close();
    await this.link.close();
  }
}
