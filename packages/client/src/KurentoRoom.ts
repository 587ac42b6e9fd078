import { resolveEnvironment, type Environment, type KurentoRoomOptions, type WebSocketLike } from './environment.js';
import { Room, type RoomConnection, type RoomOptions } from './Room.js';
import { JsonRpcClient } from './rpc/JsonRpcClient.js';
import { transportError } from './rpc/errors.js';
import { Stream, type StreamOptions } from './Stream.js';
import { handled } from './util.js';

/** Called once: `(null, kurento)` when the WebSocket is open, `(error)` when it cannot be opened. */
export type ConnectCallback = (error: Error | null, kurento?: KurentoRoomClient) => void;
/** Node-style callback of `sendRequest` / `sendCustomRequest`. */
export type RequestCallback = (error: Error | null, result?: any) => void;

/** The connection to a room server: the object `KurentoRoom(wsUri, callback)` gives. */
export class KurentoRoomClient implements RoomConnection {
  readonly env: Environment;
  private ws?: WebSocketLike;
  private rpc?: JsonRpcClient;
  private room?: Room;
  private rpcParams: Record<string, unknown> = {};
  private closedByClient = false;

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
    return this.rpc.request<T>(method, { ...params, ...this.rpcParams });
  }

  /** @internal Closes the WebSocket on purpose (no `lost-connection`). */
  closeConnection(): void {
    this.closedByClient = true;
    if (this.rpc) this.rpc.close();
    else
      try {
        this.ws?.close();
      } catch {
        // not open yet
      }
  }

  private open(callback: ConnectCallback): void {
    const { WebSocket, requestTimeout, pingInterval } = this.env;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        this.ws?.close();
      } catch {
        // never opened
      }
      callback(error);
    };
    const timer = setTimeout(() => fail(transportError(`Could not connect to ${this.wsUri} within ${requestTimeout} ms`)), requestTimeout);
    if (!WebSocket) {
      setTimeout(() => fail(transportError('WebSocket is not available: pass it in the KurentoRoom options')));
      return;
    }
    let ws: WebSocketLike;
    try {
      ws = this.ws = new WebSocket(this.wsUri);
    } catch (error) {
      setTimeout(() => fail(transportError(`Cannot connect to ${this.wsUri}: ${(error as Error).message}`)));
      return;
    }
    ws.addEventListener('open', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (this.closedByClient) {
        ws.close();
        return;
      }
      this.rpc = new JsonRpcClient(ws, {
        requestTimeout,
        pingInterval,
        onNotification: (method, params) => this.room?.handleNotification(method, params),
        onClose: (expected) => {
          if (!expected && !this.closedByClient) this.room?.handleConnectionLost();
        },
      });
      callback(null, this);
    });
    ws.addEventListener('error', (event) => {
      const detail = event?.message ?? event?.error?.message;
      fail(transportError(`Cannot connect to ${this.wsUri}${detail ? `: ${detail}` : ''}`));
    });
    ws.addEventListener('close', (event) => fail(transportError(`Connection to ${this.wsUri} closed before opening (code ${event?.code})`)));
  }
}

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
