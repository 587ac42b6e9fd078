import { JsonRpcErrorCode, RoomError, RoomErrorCode, errorFrame, parseMessage, requestFrame } from '@kurento-room/protocol';
import type { WebSocketLike } from '../environment.js';
import { transportError } from './errors.js';

interface Pending {
  method: string;
  resolve(result: any): void;
  reject(error: RoomError): void;
  timer: ReturnType<typeof setTimeout>;
}

export interface JsonRpcClientOptions {
  /** Every request fails with a transport error when no answer comes within this many ms. */
  requestTimeout: number;
  /** Ping period in ms; 0 disables the keep-alive. */
  pingInterval: number;
  onNotification(method: string, params: Record<string, unknown>): void;
  /** The socket closed; `expected` is true when `close()` asked for it. */
  onClose(expected: boolean): void;
}

/**
 * JSON-RPC 2.0 over an open WebSocket, as kurento-jsonrpc speaks it: integer ids from 0 shared
 * with pings, one object per frame, `ping {interval}` first and then plain `ping` every interval.
 */
export class JsonRpcClient {
  private nextId = 0;
  private pending = new Map<number, Pending>();
  private pingTimer?: ReturnType<typeof setInterval>;
  private closing = false;
  private closed = false;

  constructor(
    private readonly ws: WebSocketLike,
    private readonly options: JsonRpcClientOptions,
  ) {
    ws.addEventListener('message', (event) => this.receive(String(event.data)));
    ws.addEventListener('close', () => this.closedBySocket());
    if (options.pingInterval > 0) this.startPing();
  }

  get isOpen(): boolean {
    return !this.closed && !this.closing;
  }

  /** Sends a request; resolves with its `result`, rejects with a RoomError (server error, timeout, closed). */
  request<T = any>(method: string, params?: Record<string, unknown>): Promise<T> {
    if (!this.isOpen) return Promise.reject(transportError(`Cannot send '${method}': the connection is closed`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(transportError(`Request '${method}' (id ${id}) got no answer within ${this.options.requestTimeout} ms`));
      }, this.options.requestTimeout);
      this.pending.set(id, { method, resolve, reject, timer });
      try {
        this.ws.send(requestFrame(id, method, params));
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(transportError(`Cannot send '${method}': ${(error as Error).message}`));
      }
    });
  }

  /** Closes the socket on purpose; pending requests fail. */
  close(): void {
    if (this.closed || this.closing) return;
    this.closing = true;
    this.stopPing();
    try {
      this.ws.close(1000, 'client closed');
    } catch {
      // already closing
    }
    this.finish(true);
  }

  private startPing(): void {
    const interval = this.options.pingInterval;
    let first = true;
    const ping = () => {
      this.request('ping', first ? { interval } : undefined).catch((error: RoomError) => {
        if (!this.isOpen) return;
        // No answer in time means the connection is dead; an error answer (a server without
        // ping) only ends the keep-alive.
        if (error.code === RoomErrorCode.TRANSPORT) this.lose();
        else this.stopPing();
      });
      first = false;
    };
    ping();
    this.pingTimer = setInterval(ping, interval);
  }

  private stopPing(): void {
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  /** The server stopped answering: drop the socket and report an unexpected close. */
  private lose(): void {
    this.stopPing();
    try {
      this.ws.close(4000, 'ping timeout');
    } catch {
      // ignore
    }
    this.finish(false);
  }

  private closedBySocket(): void {
    this.stopPing();
    this.finish(this.closing);
  }

  private finish(expected: boolean): void {
    if (this.closed) return;
    this.closed = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(transportError(`Request '${p.method}' (id ${id}) failed: the connection closed`));
    }
    this.pending.clear();
    this.options.onClose(expected);
  }

  private receive(text: string): void {
    const parsed = parseMessage(text);
    switch (parsed.kind) {
      case 'response': {
        const message = parsed.message;
        const p = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
        if (!p) return;
        this.pending.delete(message.id as number);
        clearTimeout(p.timer);
        if ('error' in message) p.reject(new RoomError(message.error.code, message.error.message, message.error.data));
        else p.resolve(message.result);
        return;
      }
      case 'notification':
        this.options.onNotification(parsed.message.method, parsed.message.params ?? {});
        return;
      case 'request':
        // The room protocol has no server-to-client requests.
        this.sendRaw(errorFrame(parsed.message.id, { code: JsonRpcErrorCode.METHOD_NOT_FOUND, message: `Method '${parsed.message.method}' not found in the client` }));
        return;
      case 'invalid':
        return;
    }
  }

  private sendRaw(frame: string): void {
    try {
      this.ws.send(frame);
    } catch {
      // the socket is going away; the close handler reports it
    }
  }
}
