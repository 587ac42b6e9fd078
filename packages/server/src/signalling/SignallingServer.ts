import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  Defaults,
  Errors,
  JsonRpcErrorCode,
  RoomError,
  validateParams,
  type JsonRpcId,
  type JsonRpcRequest,
  type ParamLimits,
} from '@kurento-room/protocol';
import { isRoomMethod, type RequestCommand, type RoomMethod, type SessionCommand } from '../boundary/commands.js';
import type { Answer, CommandOutcome, Notice } from '../boundary/outputs.js';
import type { RoomService } from '../boundary/RoomService.js';
import { clampPingInterval, SEND_BUFFER_CLOSE_CODE } from '../limits.js';
import type { Logger } from '../log.js';
import { RpcConnection, type ConnectionLimits, type RpcObserver } from './RpcConnection.js';
import { Session } from './Session.js';
import type { SessionRegistry } from './SessionRegistry.js';

export interface SignallingOptions {
  /** Frame size, request rate and outgoing buffer of each socket (see limits.ts), and the string bounds of request params. */
  limits: ConnectionLimits & ParamLimits;
  /** How long a session outlives its socket before its participant is evicted. */
  reconnectionGraceMs: number;
  /** Hears every JSON-RPC answer sent (metrics). */
  rpcObserver?: RpcObserver;
  /**
   * In a cluster: a `connect {sessionId}` for a session this server does not hold asks where it
   * lives; non-null means its room node now sends its notifications here.
   */
  adoptSession?: (sessionId: string) => Promise<AdoptedSession | null>;
}

/** A session taken over from another node of a cluster (its client resumed through this one). */
export interface AdoptedSession {
  room: string;
  user: string;
  /** What the room sent while the session had no edge. */
  missed: Notice[];
  /** What its previous edge kept while its socket was gone (JSON-RPC frames). */
  frames: string[];
}

/** Why sessions are ended here without a word to their room, and the close code their socket gets. */
const END_CLOSE: Record<string, [number, string]> = {
  'taken-over': [1000, 'session taken over by a new join'],
  adopted: [4001, 'session resumed elsewhere'],
  // The client library reconnects; its resumption is refused, so it joins the room again (full rejoin).
  moved: [4010, 'room moved to another node'],
  'room-node-lost': [4010, 'room lost with its node'],
};

export interface SignallingStats {
  connections: number;
  sessions: number;
  sessionsInGrace: number;
}

/**
 * The JSON-RPC endpoint: accepts WebSockets, owns the sessions, answers the transport methods
 * (ping, closeSession, connect) and turns room requests, one at a time per session, into
 * commands for the room layer. What comes back is data: an answer for the requester and
 * notifications addressed to sessions, which it delivers to those it holds (as it does what the
 * room layer sends on its own, through the registry as the notification sink).
 */
export class SignallingServer {
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<RpcConnection>();
  #closed = false;

  constructor(
    private readonly rooms: RoomService,
    private readonly sessions: SessionRegistry,
    private readonly options: SignallingOptions,
    private readonly log: Logger,
  ) {
    // ws enforces a hard cap well above the protocol's limit, so that a frame just over the
    // limit still gets a readable JSON-RPC error instead of a dropped socket.
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(4 * options.limits.frameChars, 1 << 20) });
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    // A browser cannot set headers on a WebSocket, so a token may come in the URL's query.
    const urlToken = new URL(request.url ?? '/', 'http://x').searchParams.get('access_token') ?? undefined;
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request.socket.remoteAddress ?? '', urlToken));
  }

  stats(): SignallingStats {
    let inGrace = 0;
    for (const s of this.sessions.values()) if (!s.connection) inGrace++;
    return { connections: this.#connections.size, sessions: this.sessions.size, sessionsInGrace: inGrace };
  }

  /** Closes every socket and session; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const session of [...this.sessions.values()]) void this.endSession(session);
    for (const c of this.#connections) c.close(1001, 'server shutting down');
    this.#wss.close();
  }

  private accept(ws: WebSocket, remoteAddress: string, urlToken: string | undefined): void {
    const connection = new RpcConnection(ws, this.options.limits, remoteAddress, urlToken, this.options.rpcObserver);
    this.#connections.add(connection);
    let session = new Session(connection);
    this.sessions.add(session);
    this.log.debug('connection opened', { connection: connection.id, session: session.id, remote: remoteAddress });

    connection.on('request', (request) => {
      if (request.method === 'connect') {
        const wanted = request.params?.sessionId;
        if (typeof wanted === 'string' && !this.sessions.get(wanted) && this.options.adoptSession && !session.room) {
          void this.adopt(session, connection, request, wanted).then((adopted) => {
            if (adopted) session = adopted;
          });
          return;
        }
        const resumed = this.resume(session, connection, request);
        if (resumed) session = resumed;
        return;
      }
      this.dispatch(session, connection, request);
    });
    connection.on('close', (code) => {
      this.#connections.delete(connection);
      if (code === SEND_BUFFER_CLOSE_CODE) this.log.warn('dropped a socket that stopped reading', { connection: connection.id, session: session.id });
      else this.log.debug('connection closed', { connection: connection.id, session: session.id, code });
      if (session.connection === connection) this.onSocketLost(session);
    });
  }

  private dispatch(session: Session, connection: RpcConnection, request: JsonRpcRequest): void {
    const { id, method, params } = request;
    if (method === 'ping') {
      this.onPing(session, params);
      connection.sendResult(id, { value: 'pong', sessionId: session.id });
      return;
    }
    if (method === 'closeSession') {
      connection.sendResult(id, { value: 'bye', sessionId: session.id });
      // Closed once the participant is gone, so that its participantEvicted still reaches it.
      void this.endSession(session).then(() => connection.close(1000, 'session closed'));
      return;
    }
    if (!isRoomMethod(method)) {
      connection.sendError(id, Errors.methodNotFound(method));
      return;
    }
    session
      .enqueue(() => this.runRequest(session, connection, id, method, params))
      .catch((error: unknown) => {
        if (error instanceof RoomError) {
          this.log.debug('request failed', { session: session.id, method, code: error.code, error: error.message });
          connection.sendError(id, error);
        } else {
          this.log.error('request crashed', { session: session.id, method, error: (error as Error)?.stack ?? String(error) });
          connection.sendError(id, Errors.internal(`Internal error while handling '${method}': ${(error as Error)?.message ?? error}`));
        }
      });
  }

  /**
   * Validates a room request and runs it as a command, built when its turn comes so that it
   * names the room the requests before it joined. Rejects with the RoomError to answer when the
   * params are bad.
   */
  private async runRequest(session: Session, connection: RpcConnection, id: JsonRpcId, method: RoomMethod, raw: Record<string, unknown> | undefined): Promise<void> {
    const checked = validateParams(method, raw, this.options.limits);
    if (!checked.ok) throw checked.error;
    let command = { kind: 'request', sessionId: session.id, method, params: checked.params } as RequestCommand;
    if (command.method === 'joinRoom') {
      // The join's token is its param, else the one in the URL of the socket it came on.
      const token = command.params.token ?? session.connection?.accessToken;
      command = { ...command, room: command.params.room, params: token === undefined ? command.params : { ...command.params, token } };
    } else if (session.room) {
      command = { ...command, room: session.room.name };
    }
    const outcome = await this.rooms.execute(command);
    this.complete(session, connection, id, command, outcome);
  }

  /** Answers a request and updates what the session knows of its room. */
  private complete(session: Session, connection: RpcConnection, id: JsonRpcId, command: RequestCommand, outcome: CommandOutcome): void {
    this.deliver(outcome, (answer) => {
      if ('error' in answer) {
        const { code, message, data } = answer.error;
        this.log.debug('request failed', { session: session.id, method: command.method, code, error: message });
        connection.sendError(id, new RoomError(code, message, data));
        return;
      }
      if (command.method === 'joinRoom') session.room = { name: command.params.room, user: command.params.user };
      if (command.method === 'leaveRoom') session.room = null;
      connection.sendResult(id, { ...answer.result, sessionId: session.id });
    });
    // The original closes the session's socket once `leaveRoom` is answered.
    if (command.method === 'leaveRoom' && !('error' in outcome.answer)) session.connection?.close(1000, 'left the room');
  }

  /** kurento-jsonrpc's watchdog: after the first ping, close the socket when 3 intervals pass without one. */
  private onPing(session: Session, params: Record<string, unknown> | undefined): void {
    const interval = params?.interval;
    if (typeof interval === 'number' && Number.isFinite(interval) && interval > 0) session.pingIntervalMs = clampPingInterval(interval);
    else if (session.pingIntervalMs === undefined) session.pingIntervalMs = Defaults.maxPingIntervalMs;
    clearTimeout(session.watchdog);
    const limit = session.pingIntervalMs * Defaults.missedPingsToClose;
    session.watchdog = setTimeout(() => {
      this.log.info('ping watchdog closed a silent socket', { session: session.id, afterMs: limit });
      session.connection?.terminate();
    }, limit);
    session.watchdog.unref();
  }

  /** The socket is gone: keep the session for the grace period, then evict its participant. */
  private onSocketLost(session: Session): void {
    session.connection = null;
    clearTimeout(session.watchdog);
    if (session.closed) return;
    if (!session.room) {
      void this.endSession(session);
      return;
    }
    this.log.info('socket lost, session kept for resumption', {
      session: session.id,
      user: session.room.user,
      room: session.room.name,
      graceMs: this.options.reconnectionGraceMs,
    });
    void this.tell({ kind: 'connection', sessionId: session.id, room: session.room.name, connected: false });
    session.graceTimer = setTimeout(() => {
      this.log.info('session expired', { session: session.id });
      void this.endSession(session, 'disconnected');
    }, this.options.reconnectionGraceMs);
  }

  /** `connect {sessionId}` rebinds a session that lost its socket to this one. */
  private resume(current: Session, connection: RpcConnection, request: JsonRpcRequest): Session | null {
    const wanted = request.params?.sessionId;
    const target = typeof wanted === 'string' ? this.sessions.get(wanted) : undefined;
    if (!target || target.closed || target === current) {
      if (target === current) {
        connection.sendResult(request.id, { value: 'reconnection successful', sessionId: current.id });
        return null;
      }
      connection.sendError(request.id, new RoomError(JsonRpcErrorCode.RECONNECTION_ERROR, `reconnection error: no session '${String(wanted)}' to resume`));
      return null;
    }
    if (current.room) {
      connection.sendError(request.id, new RoomError(JsonRpcErrorCode.RECONNECTION_ERROR, 'reconnection error: this socket already has a session in a room'));
      return null;
    }
    clearTimeout(target.graceTimer);
    target.graceTimer = undefined;
    const previous = target.connection;
    target.connection = connection;
    if (previous && previous !== connection) previous.close(4001, 'session resumed elsewhere');
    else if (target.room) void this.tell({ kind: 'connection', sessionId: target.id, room: target.room.name, connected: true });
    this.sessions.delete(current.id);
    current.closed = true;
    current.clearTimers();
    connection.sendResult(request.id, { value: 'reconnection successful', sessionId: target.id });
    const replayed = target.replayMissed();
    this.log.info('session resumed', { session: target.id, user: target.room?.user, replayedNotifications: replayed });
    if (target.missedDropped > 0) {
      this.log.warn('notifications lost while the socket was gone', { session: target.id, dropped: target.missedDropped });
      target.missedDropped = 0;
    }
    return target;
  }

  /**
   * `connect {sessionId}` for a session another node of the cluster holds (its client came back
   * through this one): the room node hands it over, and it continues here under its own id.
   */
  private async adopt(current: Session, connection: RpcConnection, request: JsonRpcRequest, sessionId: string): Promise<Session | null> {
    const adopted = await this.options.adoptSession!(sessionId).catch(() => null);
    if (!adopted || current.closed || this.#closed) {
      connection.sendError(request.id, new RoomError(JsonRpcErrorCode.RECONNECTION_ERROR, `reconnection error: no session '${sessionId}' to resume`));
      return null;
    }
    const session = new Session(connection, sessionId);
    session.room = { name: adopted.room, user: adopted.user };
    this.sessions.delete(current.id);
    current.closed = true;
    current.clearTimers();
    this.sessions.add(session);
    connection.sendResult(request.id, { value: 'reconnection successful', sessionId });
    for (const frame of adopted.frames) connection.send(frame);
    this.sessions.deliver(adopted.missed);
    this.log.info('session resumed from another node', { session: sessionId, user: adopted.user, room: adopted.room, replayedNotifications: adopted.frames.length + adopted.missed.length });
    return session;
  }

  /** Ends a session whose client resumed through another node, without a word to the room; returns the frames kept for it. */
  releaseSession(sessionId: string): string[] {
    const session = this.sessions.get(sessionId);
    if (!session || session.closed) return [];
    const frames = session.takeMissed();
    this.endSessions([sessionId], 'adopted');
    return frames;
  }

  /** Ids of the sessions held here that are in `room`. */
  sessionsInRoom(room: string): string[] {
    const ids: string[] = [];
    for (const session of this.sessions.values()) if (session.room?.name === room && !session.closed) ids.push(session.id);
    return ids;
  }

  /**
   * Ends sessions whose participant the room layer already let go (a join took over the name, the
   * room moved or was lost with its node, the client resumed through another node): no word to
   * the room; the socket closes with a code that says why (END_CLOSE).
   */
  endSessions(sessionIds: readonly string[], reason: string): void {
    const [code, text] = END_CLOSE[reason] ?? [1000, reason];
    for (const sessionId of sessionIds) {
      const session = this.sessions.get(sessionId);
      if (!session || session.closed) continue;
      this.log.info('session ended by the room layer', { session: sessionId, reason });
      session.closed = true;
      session.room = null;
      session.clearTimers();
      this.sessions.delete(sessionId);
      session.connection?.close(code, text);
    }
  }

  /**
   * The room layer gave this session's name to a new join (takeover: the session had no
   * socket). The room already saw it leave; here it just ends, so it can no longer be resumed.
   */
  private endTakenOver(sessionId: string): void {
    this.endSessions([sessionId], 'taken-over');
  }

  /**
   * Ends a session: its participant, if any, is evicted. The session stays registered until the
   * room layer has answered, so that the notifications meant for it still reach an open socket.
   */
  private async endSession(session: Session, reason: 'evicted' | 'disconnected' = 'evicted'): Promise<void> {
    if (session.closed) return;
    session.closed = true;
    session.clearTimers();
    const room = session.room;
    session.room = null;
    try {
      if (room) await this.tell({ kind: 'endSession', sessionId: session.id, room: room.name, reason });
    } finally {
      this.sessions.delete(session.id);
    }
  }

  /** Sends a command no request waits for (the session's socket state, its end) and delivers what it causes; never rejects. */
  private async tell(command: SessionCommand): Promise<void> {
    try {
      this.deliver(await this.rooms.execute(command), (answer) => {
        if ('error' in answer) this.log.warn('room command refused', { kind: command.kind, session: command.sessionId, error: answer.error.message });
      });
    } catch (error) {
      this.log.error('room command failed', { kind: command.kind, session: command.sessionId, error: (error as Error)?.message ?? String(error) });
    }
  }

  /**
   * Delivers an outcome in its order: the sessions the room layer ended are dropped, the notices
   * that go first are sent, then the answer, then the notices that follow it.
   */
  private deliver(outcome: CommandOutcome, answer: (answer: Answer) => void): void {
    for (const sessionId of outcome.ended) this.endTakenOver(sessionId);
    this.sessions.deliver(outcome.before);
    answer(outcome.answer);
    this.sessions.deliver(outcome.after);
  }
}
