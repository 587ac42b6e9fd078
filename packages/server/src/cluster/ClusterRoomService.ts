/**
 * The room layer as a node's signalling and admin API see it in a cluster: the same RoomService
 * as in one process, but each command goes to the node that owns its room (this one through
 * RoomHost, another over the bus). A join claims its room for the least loaded live node on the
 * room's first join. Views and stats gather every live node's. When Redis cannot be reached, the
 * rooms this node owns keep working and anything that needs another node gets a clear error.
 */
import { Errors, type RpcErrorObject } from '@kurento-room/protocol';
import type { AdminCommand, SessionCommand } from '../boundary/commands.js';
import type { AdminOutcome, CommandOutcome } from '../boundary/outputs.js';
import type { RoomService } from '../boundary/RoomService.js';
import type { RoomStats, RoomView } from '../boundary/views.js';
import type { Logger } from '../log.js';
import type { ClusterBus } from './ClusterBus.js';
import { ClusterError } from './ClusterError.js';
import type { NodeRequest } from './messages.js';
import type { NodeRegistry } from './NodeRegistry.js';
import type { RoomDirectory } from './RoomDirectory.js';
import type { RoomHost } from './RoomHost.js';
import type { SessionDirectory } from './SessionDirectory.js';

export interface NodeStats extends RoomStats {
  node: string;
}

export class ClusterRoomService implements RoomService {
  /** Room -> owning node, for the rooms of this node's sessions (dropped when the owner dies). */
  readonly #owners = new Map<string, string>();

  constructor(
    readonly nodeId: string,
    private readonly host: RoomHost,
    /** This node's own room layer (views, stats, admin of its rooms). */
    private readonly local: RoomService,
    private readonly bus: ClusterBus,
    private readonly registry: NodeRegistry,
    private readonly directory: RoomDirectory,
    private readonly sessionsDirectory: SessionDirectory,
    private readonly log: Logger,
  ) {}

  async execute(command: SessionCommand): Promise<CommandOutcome> {
    const room = command.room;
    let owner: string;
    try {
      owner = room === undefined ? this.nodeId : await this.#ownerFor(room, command.kind === 'request' && command.method === 'joinRoom');
    } catch (error) {
      return this.#unavailable(command, error);
    }
    let outcome: CommandOutcome;
    if (owner === this.nodeId) outcome = await this.host.execute(this.nodeId, command);
    else {
      try {
        outcome = (await this.bus.request(owner, { type: 'execute', command } satisfies NodeRequest)) as CommandOutcome;
      } catch (error) {
        return this.#unavailable(command, error);
      }
    }
    await this.#track(command, owner, outcome);
    return outcome;
  }

  async administer(command: AdminCommand): Promise<AdminOutcome> {
    const owner = await this.directory.owner(command.room).catch(() => this.#owners.get(command.room) ?? null);
    if (owner === null || owner === this.nodeId) {
      const outcome = await this.local.administer(command);
      await this.host.afterAdmin(command.room);
      return outcome;
    }
    return (await this.bus.request(owner, { type: 'administer', command } satisfies NodeRequest)) as AdminOutcome;
  }

  async roomNames(): Promise<string[]> {
    const names = await this.#gather<string[]>({ type: 'roomNames' }, () => this.local.roomNames());
    return [...new Set(names.flatMap(({ value }) => value))].sort();
  }

  async describeRooms(): Promise<RoomView[]> {
    const views = await this.#gather<RoomView[]>({ type: 'describeRooms' }, () => this.local.describeRooms());
    return views.flatMap(({ node, value }) => value.map((room) => ({ ...room, node })));
  }

  async describeRoom(name: string): Promise<RoomView | null> {
    const owner = await this.directory.owner(name).catch(() => null);
    if (owner === null || owner === this.nodeId) {
      const view = await this.local.describeRoom(name);
      return view && { ...view, node: this.nodeId };
    }
    const view = (await this.bus.request(owner, { type: 'describeRoom', name } satisfies NodeRequest)) as RoomView | null;
    return view && { ...view, node: owner };
  }

  /** The total over live nodes; `nodeStats()` gives each. */
  async stats(): Promise<RoomStats> {
    const all = await this.nodeStats();
    const total: RoomStats = { rooms: 0, participants: 0, publishers: 0, subscriptions: 0, pendingCandidates: 0 };
    for (const s of all) for (const key of Object.keys(total) as Array<keyof RoomStats>) total[key] += s[key];
    return total;
  }

  async nodeStats(): Promise<NodeStats[]> {
    const stats = await this.#gather<RoomStats>({ type: 'stats' }, () => this.local.stats());
    return stats.map(({ node, value }) => ({ node, ...value }));
  }

  /** Records a room's owner learnt elsewhere (a resumption, a re-claim). */
  remember(room: string, owner: string): void {
    this.#owners.set(room, owner);
  }

  /** Rooms whose owner died: forget them (their sessions are being ended by the caller). */
  roomsOwnedBy(nodeId: string): string[] {
    const rooms: string[] = [];
    for (const [room, owner] of this.#owners) if (owner === nodeId) rooms.push(room);
    for (const room of rooms) this.#owners.delete(room);
    return rooms;
  }

  /**
   * Where a room's commands go. A join always asks the directory (a claim), since the room may
   * have emptied and moved since this node last saw it; the others go where the session joined.
   */
  async #ownerFor(room: string, joining: boolean): Promise<string> {
    // Redis down: the rooms this node hosts keep working.
    if (!this.directory.available() && (await this.local.describeRoom(room)) !== null) return this.nodeId;
    const cached = this.#owners.get(room);
    if (!joining && cached !== undefined && (cached === this.nodeId || this.registry.isLive(cached))) return cached;
    if (!joining) return (await this.directory.owner(room)) ?? this.nodeId;
    const owner = await this.directory.claim(room, this.registry.leastLoaded());
    this.#owners.set(room, owner);
    return owner;
  }

  /** Keeps the owner cache and the session directory in step with what the command did. */
  async #track(command: SessionCommand, owner: string, outcome: CommandOutcome): Promise<void> {
    if (command.kind === 'request' && command.method === 'joinRoom') {
      if ('result' in outcome.answer) {
        this.#owners.set(command.params.room, owner);
        await this.sessionsDirectory.set(command.sessionId, { room: command.params.room, node: owner }).catch(() => undefined);
      }
      return;
    }
    const left = command.kind === 'endSession' || (command.kind === 'request' && command.method === 'leaveRoom' && 'result' in outcome.answer);
    if (left) await this.sessionsDirectory.delete(command.sessionId).catch(() => undefined);
  }

  /** A command that could not reach its room's node: a clear error for a request, nothing for the rest. */
  #unavailable(command: SessionCommand, error: unknown): CommandOutcome {
    const message = error instanceof ClusterError ? error.message : `The room's node could not be reached: ${(error as Error).message}`;
    this.log.warn('command not delivered', { session: command.sessionId, room: command.room, kind: command.kind, error: message });
    const { code, message: text } = Errors.unavailable(message);
    const rpcError: RpcErrorObject = { code, message: text };
    return { answer: command.kind === 'request' ? { error: rpcError } : { result: {} }, before: [], after: [], ended: [] };
  }

  /** Asks every live node (this one locally); nodes that do not answer are left out and logged. */
  async #gather<T>(request: NodeRequest, local: () => Promise<T>): Promise<Array<{ node: string; value: T }>> {
    const others = this.registry.liveNodes().filter((n) => n.id !== this.nodeId).map((n) => n.id);
    const answers = await Promise.all(
      others.map(async (node) => {
        try {
          return { node, value: (await this.bus.request(node, request)) as T };
        } catch (error) {
          this.log.warn('a node did not answer a cluster view', { node, error: (error as Error).message });
          return null;
        }
      }),
    );
    return [{ node: this.nodeId, value: await local() }, ...answers.filter((a): a is { node: string; value: T } => a !== null)];
  }
}
