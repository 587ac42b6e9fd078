import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  Defaults,
  Errors,
  JsonRpcErrorCode,
  RoomError,
  type JsonRpcRequest,
} from '@kurento-room/protocol';
import { clampPingInterval, SEND_BUFFER_CLOSE_CODE } from '../limits.js';
import type { Logger } from '../log.js';
import type { RoomManager } from '../room/RoomManager.js';
import { RoomRpcHandler, type RoomMethodOptions } from './RoomRpcHandler.js';
import { RpcConnection, type ConnectionLimits, type RpcObserver } from './RpcConnection.js';
import { Session } from './Session.js';

export interface SignallingOptions {
  /** Frame size, request rate and outgoing buffer of each socket (see limits.ts). */
  limits: ConnectionLimits;
  /** How long a session outlives its socket before its participant is evicted. */
  reconnectionGraceMs: number;
  /** Custom requests, access tokens, STUN/TURN for clients. */
  roomMethods: RoomMethodOptions;
  /** Hears every JSON-RPC answer sent (metrics). */
  rpcObserver?: RpcObserver;
}

export interface SignallingStats {
  connections: number;
  sessions: number;
  sessionsInGrace: number;
}

/**
 * The JSON-RPC endpoint: accepts WebSockets, owns the sessions, answers the transport methods
 * (ping, closeSession, connect) and hands room methods to the RoomRpcHandler one at a time per
 * session.
 */
export class SignallingServer {
  readonly #wss: WebSocketServer;
  readonly #sessions = new Map<string, Session>();
  readonly #connections = new Set<RpcConnection>();
  readonly #handler: RoomRpcHandler;
  #closed = false;

  constructor(
    private readonly rooms: RoomManager,
    private readonly options: SignallingOptions,
    private readonly log: Logger,
  ) {
    // ws enforces a hard cap well above the protocol's limit, so that a frame just over the
    // limit still gets a readable JSON-RPC error instead of a dropped socket.
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(4 * options.limits.frameChars, 1 << 20) });
    this.#handler = new RoomRpcHandler(rooms, log, {
      // The original closes the session's socket once `leaveRoom` is answered.
      onLeft: (session) => session.connection?.close(1000, 'left the room'),
      releaseStaleHolder: (room, user) => this.releaseStaleHolder(room, user),
    }, options.roomMethods);
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
    for (const s of this.#sessions.values()) if (!s.connection) inGrace++;
    return { connections: this.#connections.size, sessions: this.#sessions.size, sessionsInGrace: inGrace };
  }

  /** Closes every socket and session; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const session of this.#sessions.values()) this.endSession(session);
    for (const c of this.#connections) c.close(1001, 'server shutting down');
    this.#wss.close();
  }

  private accept(ws: WebSocket, remoteAddress: string, urlToken: string | undefined): void {
    const connection = new RpcConnection(ws, this.options.limits, remoteAddress, urlToken, this.options.rpcObserver);
    this.#connections.add(connection);
    let session = new Session(connection);
    this.#sessions.set(session.id, session);
    this.log.debug('connection opened', { connection: connection.id, session: session.id, remote: remoteAddress });

    connection.on('request', (request) => {
      if (request.method === 'connect') {
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
      this.endSession(session);
      connection.close(1000, 'session closed');
      return;
    }
    if (!this.#handler.isRoomMethod(method)) {
      connection.sendError(id, Errors.methodNotFound(method));
      return;
    }
    void session
      .enqueue(() => this.#handler.handle(session, method, params))
      .then(
        (outcome) => {
          connection.sendResult(id, { ...outcome.result, sessionId: session.id });
          outcome.after?.();
        },
        (error: unknown) => {
          if (error instanceof RoomError) {
            this.log.debug('request failed', { session: session.id, method, code: error.code, error: error.message });
            connection.sendError(id, error);
          } else {
            this.log.error('request crashed', { session: session.id, method, error: (error as Error)?.stack ?? String(error) });
            connection.sendError(id, Errors.internal(`Internal error while handling '${method}': ${(error as Error)?.message ?? error}`));
          }
        },
      );
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
    if (!session.participant) {
      this.endSession(session);
      return;
    }
    this.log.info('socket lost, session kept for resumption', {
      session: session.id,
      user: session.participant.name,
      room: session.participant.roomName,
      graceMs: this.options.reconnectionGraceMs,
    });
    session.graceTimer = setTimeout(() => {
      this.log.info('session expired', { session: session.id });
      this.endSession(session, 'disconnected');
    }, this.options.reconnectionGraceMs);
  }

  /** `connect {sessionId}` rebinds a session that lost its socket to this one. */
  private resume(current: Session, connection: RpcConnection, request: JsonRpcRequest): Session | null {
    const wanted = request.params?.sessionId;
    const target = typeof wanted === 'string' ? this.#sessions.get(wanted) : undefined;
    if (!target || target.closed || target === current) {
      if (target === current) {
        connection.sendResult(request.id, { value: 'reconnection successful', sessionId: current.id });
        return null;
      }
      connection.sendError(request.id, new RoomError(JsonRpcErrorCode.RECONNECTION_ERROR, `reconnection error: no session '${String(wanted)}' to resume`));
      return null;
    }
    if (current.participant) {
      connection.sendError(request.id, new RoomError(JsonRpcErrorCode.RECONNECTION_ERROR, 'reconnection error: this socket already has a session in a room'));
      return null;
    }
    clearTimeout(target.graceTimer);
    target.graceTimer = undefined;
    const previous = target.connection;
    target.connection = connection;
    if (previous && previous !== connection) previous.close(4001, 'session resumed elsewhere');
    this.#sessions.delete(current.id);
    current.closed = true;
    current.clearTimers();
    connection.sendResult(request.id, { value: 'reconnection successful', sessionId: target.id });
    const replayed = target.replayMissed();
    this.log.info('session resumed', { session: target.id, user: target.participant?.name, replayedNotifications: replayed });
    if (target.missedDropped > 0) {
      this.log.warn('notifications lost while the socket was gone', { session: target.id, dropped: target.missedDropped });
      target.missedDropped = 0;
    }
    return target;
  }

  /**
   * Takeover: a name held by a session that lost its socket (a crashed tab, a client whose
   * session was refused) is freed for a new join at once instead of answering 104 until the
   * grace period ends. The room sees the stale participant leave, then the new one join. A name
   * held by a live socket is left alone (the join gets 104).
   */
  private releaseStaleHolder(roomName: string, user: string): void {
    const holder = this.rooms.getRoom(roomName)?.get(user);
    if (!holder) return;
    const stale = this.#sessions.get(holder.sessionId);
    if (!stale || stale.connection) return;
    this.log.info('stale session taken over by a new join', { session: stale.id, user, room: roomName });
    this.endSession(stale, 'disconnected');
  }

  private endSession(session: Session, reason: 'left' | 'disconnected' = 'left'): void {
    if (session.closed) return;
    session.closed = true;
    session.clearTimers();
    this.#sessions.delete(session.id);
    const p = session.participant;
    session.participant = null;
    if (p && this.rooms.isMember(p)) this.rooms.evict(p, reason === 'disconnected' ? 'disconnected' : 'evicted');
  }
}
