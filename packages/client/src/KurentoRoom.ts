import { JsonRpcErrorCode, RoomErrorCode, type RoomError } from '@kurento-room/protocol';
import { resolveEnvironment, type Environment, type KurentoRoomOptions, type WebSocketLike } from './environment.js';
import { Room, type RoomConnection, type RoomOptions } from './Room.js';
import { JsonRpcClient } from './rpc/JsonRpcClient.js';
import { transportError } from './rpc/errors.js';
import { openSocket, type OpeningSocket } from './rpc/openSocket.js';
import { Stream, type StreamOptions } from './Stream.js';
import { handled } from './util.js';

/** Called once: `(null, kurento)` when the WebSocket is open, `(error)` when it cannot be opened. */
export type ConnectCallback = (error: Error | null, kurento?: KurentoRoomClient) => void;
/** Node-style callback of `sendRequest` / `sendCustomRequest`. */
export type RequestCallback = (error: Error | null, result?: any) => void;

/** The connection to a room server: the object `KurentoRoom(wsUri, callback)` gives. */
export class KurentoRoomClient implements RoomConnection {
  readonly env: Environment;
  private rpc?: JsonRpcClient;
  private room?: Room;
  private rpcParams: Record<string, unknown> = {};
  private closedByClient = false;
  /** The server's id of this client's session (from any result), for resumption. */
  private sessionId?: string;
  /** A socket being opened, so that closing the client can abandon it. */
  private opening?: OpeningSocket;
  private resuming = false;

  constructor(
    readonly wsUri: string,
    callback?: ConnectCallback,
    options?: KurentoRoomOptions,
  ) {
    this.env = resolveEnvironment(options);
    this.open(callback ?? (() => undefined));
  }

  /** Creates the room of this connection (a second call replaces it, as in the original). */
  Room(options: RoomOptions): Room {
    this.room = new Room(this, options);
    return this.room;
  }

  /** Creates a local stream of `room`'s local participant. */
  Stream(room: Room, options: StreamOptions = {}): Stream {
    return new Stream(room, { ...options, participant: room.getLocalParticipant() }, true);
  }

  /** Whether the WebSocket is open. */
  isConnected(): boolean {
    return !!this.rpc?.isOpen;
  }

  /** Leaves the room (sending `leaveRoom` unless `forced`) and closes the WebSocket. */
  close(forced = false): Promise<void> {
    if (this.room) return this.room.leave(forced);
    this.closeConnection();
    return Promise.resolve();
  }

  /** Unpublishes a local stream or unsubscribes from a remote one. */
  disconnectParticipant(stream: Stream): Promise<void> {
    return stream.room.disconnect(stream);
  }

  /** Sends a chat message; it comes back to everyone, the sender included, as `newMessage`. */
  sendMessage(room: string, user: string, message: string): Promise<void> {
    return handled(
      this.request('sendMessage', { message, userMessage: user, roomMessage: room }).then(
        () => undefined,
        (error) => {
          throw this.room ? this.room.reportError(error, 'Sending a message failed') : error;
        },
      ),
    );
  }

  /** Sends `customRequest` with `params`. */
  sendCustomRequest(params: Record<string, unknown>, callback?: RequestCallback): Promise<any> {
    return this.sendRequest('customRequest', params, callback);
  }

  /** Extra parameters merged into every request (e.g. `{token}`). */
  setRpcParams(params: Record<string, unknown> | null | undefined): void {
    this.rpcParams = { ...(params ?? {}) };
  }

  /** Sends any request; `params` may be omitted (callback second). The rpc params are merged in. */
  sendRequest(method: string, params?: Record<string, unknown> | RequestCallback, callback?: RequestCallback): Promise<any> {
    if (typeof params === 'function') {
      callback = params;
      params = undefined;
    }
    const promise = handled(this.request(method, params ?? {}));
    if (callback) {
      const cb = callback;
      promise.then(
        (result) => cb(null, result),
        (error) => cb(error),
      );
    }
    return promise;
  }

  /** @internal */
  request<T = any>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    if (!this.rpc) return Promise.reject(transportError(`Cannot send '${method}': not connected to ${this.wsUri}`));
    return this.rpc.request<T>(method, { ...params, ...this.rpcParams }).then((result) => {
      const sessionId = (result as { sessionId?: unknown } | null)?.sessionId;
      if (typeof sessionId === 'string') this.sessionId = sessionId;
      return result;
    });
  }

  /** @internal Closes the WebSocket on purpose (no `lost-connection`). */
  closeConnection(): void {
    this.closedByClient = true;
    this.opening?.abandon();
    this.rpc?.close();
  }

  private open(callback: ConnectCallback): void {
    this.opening = openSocket(this.env.WebSocket, this.wsUri, this.env.requestTimeout);
    this.opening.opened.then(
      (ws) => {
        this.opening = undefined;
        if (this.closedByClient) return void ws.close();
        this.attach(ws);
        callback(null, this);
      },
      (error: Error) => {
        this.opening = undefined;
        if (!this.closedByClient) callback(error);
      },
    );
  }

  /** Speaks JSON-RPC on an open socket: the first one, or the one a resumption opened. */
  private attach(ws: WebSocketLike): JsonRpcClient {
    const rpc = new JsonRpcClient(ws, {
      requestTimeout: this.env.requestTimeout,
      pingInterval: this.env.pingInterval,
      onNotification: (method, params) => this.room?.handleNotification(method, params),
      onClose: (expected) => {
        if (!expected && !this.closedByClient && this.rpc === rpc) this.connectionLost();
      },
    });
    this.rpc = rpc;
    return rpc;
  }

  /**
   * The socket dropped without anyone asking. In a room, get back in within `reconnectTimeout`:
   * resume the session on a new socket (`connect {sessionId}`: the server kept it, and the media,
   * for its grace period), or, when the server no longer has it (restarted, grace period over),
   * join again under the same name and republish and resubscribe. `lost-connection` only when
   * the server stays unreachable or refuses the join.
   */
  private connectionLost(): void {
    // A socket of the reconnection itself dropping is that attempt failing, not a new loss.
    if (this.resuming) return;
    const room = this.room;
    if (!room?.isConnected() || !this.sessionId || this.env.reconnectTimeout <= 0) {
      room?.handleConnectionLost();
      return;
    }
    room.handleReconnecting();
    this.resuming = true;
    void this.reconnect(room, this.sessionId, Date.now() + this.env.reconnectTimeout).finally(() => {
      this.resuming = false;
      // The new socket may have dropped while the reconnection was finishing: that is a new loss.
      if (this.room === room && !this.closedByClient && this.rpc && !this.rpc.isOpen) this.connectionLost();
    });
  }

  private async reconnect(room: Room, sessionId: string, deadline: number): Promise<void> {
    let wait = RECONNECT_FIRST_WAIT_MS;
    let resumable = true;
    while (!this.closedByClient && Date.now() < deadline) {
      this.opening = openSocket(this.env.WebSocket, this.wsUri, Math.max(1, Math.min(this.env.requestTimeout, deadline - Date.now())));
      let rpc: JsonRpcClient | undefined;
      try {
        rpc = this.attach(await this.opening.opened);
        if (resumable && (await this.resumeOn(rpc, sessionId))) {
          if (rpc.isOpen && !this.closedByClient) room.handleReconnected();
          return;
        }
        resumable = false;
        await room.rejoin();
        if (rpc.isOpen && !this.closedByClient) return;
      } catch (error) {
        rpc?.close();
        // A refusal from the server itself (the name is held by a live socket, the room is
        // closing, ...) will not change by trying again; transport failures, a busy server and a
        // cluster recovering from a lost node (-32030) will.
        const code = (error as RoomError).code;
        if (!resumable && code !== RoomErrorCode.TRANSPORT && code !== JsonRpcErrorCode.RATE_LIMITED && code !== JsonRpcErrorCode.UNAVAILABLE) break;
      } finally {
        this.opening = undefined;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(wait, deadline - Date.now()))));
      wait = Math.min(wait * 2, RECONNECT_MAX_WAIT_MS);
    }
    if (this.closedByClient) return;
    this.rpc?.close();
    room.handleConnectionLost();
  }

  /**
   * `connect {sessionId}` on a new socket: true when resumed, false when the server answers that
   * it cannot resume it (40007: it no longer has the session; any other answer: it cannot resume
   * at all). A transport failure rejects, so the attempt is repeated.
   */
  private async resumeOn(rpc: JsonRpcClient, sessionId: string): Promise<boolean> {
    try {
      await rpc.request('connect', { sessionId });
      return true;
    } catch (error) {
      if ((error as RoomError).code === RoomErrorCode.TRANSPORT) throw error;
      return false;
    }
  }
}

/** Waits between reconnection attempts: doubling from the first to the longest. */
const RECONNECT_FIRST_WAIT_MS = 250;
const RECONNECT_MAX_WAIT_MS = 2000;

/** `KurentoRoom(wsUri, callback, options?)`, callable with or without `new`. */
export interface KurentoRoomFactory {
  (wsUri: string, callback?: ConnectCallback, options?: KurentoRoomOptions): KurentoRoomClient;
  new (wsUri: string, callback?: ConnectCallback, options?: KurentoRoomOptions): KurentoRoomClient;
  prototype: KurentoRoomClient;
}

export const KurentoRoom = function KurentoRoom(wsUri: string, callback?: ConnectCallback, options?: KurentoRoomOptions) {
  return new KurentoRoomClient(wsUri, callback, options);
} as unknown as KurentoRoomFactory;
KurentoRoom.prototype = KurentoRoomClient.prototype;

/** The connection object's type, under the API's name. */
export type KurentoRoom = KurentoRoomClient;
