/**
 * The room-owning half of a node: runs commands for the rooms this node owns, whichever edge
 * they come from, and sends each notification to the node holding its session (this node's own
 * sessions directly, the others over the bus). It remembers which edge holds each of its
 * sessions (set by every command, bounded by the participants of its rooms), releases a room's
 * ownership when the room empties, and looks after the sessions of an edge that died: they wait
 * the grace period for their client to resume through another node (`adopt`), with their
 * notifications kept, and are ended after it.
 */
import type { SessionCommand } from '../boundary/commands.js';
import type { NotificationSink } from '../boundary/NotificationSink.js';
import type { CommandOutcome, Notice } from '../boundary/outputs.js';
import type { RoomService } from '../boundary/RoomService.js';
import type { Logger } from '../log.js';
import { MAX_MISSED_NOTIFICATIONS } from '../signalling/Session.js';
import type { ClusterBus } from './ClusterBus.js';
import type { AdoptResult, NodePost } from './messages.js';
import type { RoomDirectory } from './RoomDirectory.js';

/** A session of one of this node's rooms whose edge died: waiting for its client to come back. */
interface Orphan {
  room: string;
  user: string;
  missed: Notice[];
  timer: ReturnType<typeof setTimeout>;
}

export interface HostedSession {
  edge: string;
  room: string;
  user?: string;
}

export class RoomHost implements NotificationSink {
  /** Session id -> where it is held and which room it is in; only sessions of rooms hosted here. */
  readonly #sessions = new Map<string, HostedSession>();
  readonly #orphans = new Map<string, Orphan>();

  constructor(
    readonly nodeId: string,
    private readonly local: RoomService,
    /** This node's own sessions (the signalling layer's registry). */
    private readonly localSessions: NotificationSink,
    private readonly bus: ClusterBus,
    private readonly directory: RoomDirectory,
    private readonly graceMs: number,
    private readonly log: Logger,
    /** Ends sessions held by this node without a word to the room (their participant is gone). */
    private readonly endLocalSessions: (sessionIds: string[], reason: 'taken-over' | 'moved' | 'adopted') => void,
    /** Asks the edge `node` to end a session and hand over its kept frames (this node's own or over the bus). */
    private readonly releaseAt: (node: string, sessionId: string) => Promise<string[]>,
  ) {}

  /** Runs a command from `edge`; the outcome keeps only the notifications for that edge's sessions. */
  async execute(edge: string, command: SessionCommand): Promise<CommandOutcome> {
    const known = this.#sessions.get(command.sessionId);
    if (command.room !== undefined) {
      this.#sessions.set(command.sessionId, { edge, room: command.room, user: known?.room === command.room ? known.user : undefined });
    }
    const outcome = await this.local.execute(command);
    if (command.kind === 'request' && command.method === 'joinRoom' && 'result' in outcome.answer) {
      this.#sessions.set(command.sessionId, { edge, room: command.params.room, user: command.params.user });
    }
    const before = this.#split(edge, outcome.before);
    const after = this.#split(edge, outcome.after);
    const ended = this.#endElsewhere(edge, outcome.ended);
    const gone =
      command.kind === 'endSession' ||
      (command.kind === 'request' && command.method === 'leaveRoom' && 'result' in outcome.answer) ||
      (command.kind === 'request' && command.method === 'joinRoom' && 'error' in outcome.answer && known === undefined);
    if (gone) this.#forget(command.sessionId);
    if (command.room !== undefined) await this.#releaseIfEmpty(command.room);
    return { answer: outcome.answer, before, after, ended };
  }

  /** Notifications the room layer sends on its own (media, admin): routed to their edges. */
  deliver(notices: readonly Notice[]): void {
    this.localSessions.deliver(this.#split(this.nodeId, notices));
  }

  /** Rooms whose participants left through an admin action: release what emptied. */
  async afterAdmin(room: string): Promise<void> {
    await this.#releaseIfEmpty(room);
  }

  /**
   * A client resumes through `edge`: the session's notifications go there from now on. Throws
   * when this node does not host the session.
   */
  async adopt(edge: string, sessionId: string): Promise<AdoptResult> {
    const hosted = this.#sessions.get(sessionId);
    if (!hosted || hosted.user === undefined) throw Object.assign(new Error(`no session '${sessionId}' in a room of node ${this.nodeId}`), { code: 'NO_SESSION' });
    const orphan = this.#orphans.get(sessionId);
    const previous = hosted.edge;
    let frames: string[] = [];
    if (orphan) {
      clearTimeout(orphan.timer);
      this.#orphans.delete(sessionId);
    } else if (previous !== edge) {
      // The old edge still holds it, its socket gone or going: it hands over what it kept.
      frames = await this.releaseAt(previous, sessionId).catch((error: Error) => {
        this.log.warn('the previous edge did not hand a session over', { session: sessionId, node: previous, error: error.message });
        return [];
      });
    }
    this.#sessions.set(sessionId, { ...hosted, edge });
    void this.local.execute({ kind: 'connection', sessionId, room: hosted.room, connected: true }).then((o) => this.#routeAll(o));
    return { room: hosted.room, user: hosted.user, missed: orphan?.missed ?? [], frames };
  }

  /** An edge died: its sessions in rooms here wait the grace period for their clients. */
  edgeDown(edge: string): void {
    for (const [sessionId, hosted] of this.#sessions) {
      if (hosted.edge !== edge || hosted.user === undefined || this.#orphans.has(sessionId)) continue;
      this.log.info('edge lost, session kept for resumption', { session: sessionId, edge, room: hosted.room, graceMs: this.graceMs });
      void this.local.execute({ kind: 'connection', sessionId, room: hosted.room, connected: false }).then((o) => this.#routeAll(o));
      const timer = setTimeout(() => void this.#expire(sessionId), this.graceMs);
      timer.unref();
      this.#orphans.set(sessionId, { room: hosted.room, user: hosted.user, missed: [], timer });
    }
  }

  /** Sessions held by `edge` in rooms here, by room (draining: to be moved). */
  sessionsByRoom(): Map<string, Array<{ sessionId: string; edge: string }>> {
    const rooms = new Map<string, Array<{ sessionId: string; edge: string }>>();
    for (const [sessionId, { room, edge }] of this.#sessions) {
      const list = rooms.get(room) ?? [];
      list.push({ sessionId, edge });
      rooms.set(room, list);
    }
    return rooms;
  }

  /** Ends every session of `room` at its edge (their clients rejoin elsewhere) and closes the room here. */
  async moveRoom(room: string): Promise<void> {
    const members = this.sessionsByRoom().get(room) ?? [];
    const byEdge = new Map<string, string[]>();
    for (const { sessionId, edge } of members) byEdge.set(edge, [...(byEdge.get(edge) ?? []), sessionId]);
    // Release first, so that the rejoins claim the room on another node.
    await this.directory.release(room, this.nodeId).catch(() => undefined);
    for (const [edge, sessionIds] of byEdge) {
      if (edge === this.nodeId) this.endLocalSessions(sessionIds, 'moved');
      else this.#post(edge, { type: 'ended', sessionIds, reason: 'moved' });
    }
    for (const { sessionId } of members) this.#forget(sessionId);
    await this.local.administer({ kind: 'closeRoom', room });
  }

  async #expire(sessionId: string): Promise<void> {
    const orphan = this.#orphans.get(sessionId);
    if (!orphan) return;
    this.#orphans.delete(sessionId);
    this.log.info('session expired after its edge died', { session: sessionId, room: orphan.room });
    const outcome = await this.local.execute({ kind: 'endSession', sessionId, room: orphan.room, reason: 'disconnected' });
    this.#forget(sessionId);
    this.#routeAll(outcome);
    await this.#releaseIfEmpty(orphan.room);
  }

  #routeAll(outcome: CommandOutcome): void {
    this.deliver([...outcome.before, ...outcome.after]);
  }

  #forget(sessionId: string): void {
    const orphan = this.#orphans.get(sessionId);
    if (orphan) clearTimeout(orphan.timer);
    this.#orphans.delete(sessionId);
    this.#sessions.delete(sessionId);
  }

  async #releaseIfEmpty(room: string): Promise<void> {
    if ((await this.local.describeRoom(room)) !== null) return;
    try {
      if (await this.directory.release(room, this.nodeId)) this.log.info('room released', { room });
    } catch (error) {
      // Redis down: the claim stays until this node re-registers; a later claim on a dead owner moves it anyway.
      this.log.warn('could not release an empty room', { room, error: (error as Error).message });
    }
  }

  /** Keeps the notices for `edge`'s sessions (and sessions unknown here, which are this node's own); sends the rest. */
  #split(edge: string, notices: readonly Notice[]): Notice[] {
    const kept: Notice[] = [];
    const here: Notice[] = [];
    const elsewhere = new Map<string, Notice[]>();
    for (const notice of notices) {
      const groups = new Map<string, string[]>();
      for (const id of notice.sessionIds) {
        const orphan = this.#orphans.get(id);
        if (orphan) {
          orphan.missed.push({ ...notice, sessionIds: [id] });
          if (orphan.missed.length > MAX_MISSED_NOTIFICATIONS) orphan.missed.shift();
          continue;
        }
        const target = this.#sessions.get(id)?.edge ?? this.nodeId;
        groups.set(target, [...(groups.get(target) ?? []), id]);
      }
      for (const [target, sessionIds] of groups) {
        const part = { ...notice, sessionIds };
        if (target === edge) kept.push(part);
        else if (target === this.nodeId) here.push(part);
        else elsewhere.set(target, [...(elsewhere.get(target) ?? []), part]);
      }
    }
    if (here.length) this.localSessions.deliver(here);
    for (const [target, list] of elsewhere) this.#post(target, { type: 'notices', notices: list });
    return kept;
  }

  /** Sessions a command ended for good: those held by other nodes are told to their edge. */
  #endElsewhere(edge: string, ended: string[]): string[] {
    const kept: string[] = [];
    for (const id of ended) {
      const target = this.#sessions.get(id)?.edge ?? edge;
      this.#forget(id);
      if (target === edge) kept.push(id);
      else if (target === this.nodeId) this.endLocalSessions([id], 'taken-over');
      else this.#post(target, { type: 'ended', sessionIds: [id], reason: 'taken-over' });
    }
    return kept;
  }

  #post(edge: string, body: NodePost): void {
    void this.bus.post(edge, body).then((received) => {
      if (!received) this.log.warn('a notification for another node was lost', { node: edge, type: body.type });
    });
  }

  close(): void {
    for (const orphan of this.#orphans.values()) clearTimeout(orphan.timer);
    this.#orphans.clear();
    this.#sessions.clear();
  }
}
