import type { WebSocket, RawData } from 'ws';
import {
  errorFrame,
  JsonRpcErrorCode,
  parseMessage,
  resultFrame,
  RoomError,
  type JsonRpcId,
  type JsonRpcRequest,
} from '@kurento-room/protocol';
import { TypedEmitter } from '../util/TypedEmitter.js';

export interface RpcConnectionEvents {
  request: [request: JsonRpcRequest];
  close: [code: number, reason: string];
}

let connectionSeq = 0;

/**
 * One WebSocket speaking JSON-RPC 2.0: one object per text frame. Frames that are not a valid
 * request get their standard error here and never reach the room logic.
 */
export class RpcConnection extends TypedEmitter<RpcConnectionEvents> {
  readonly id = ++connectionSeq;
  #closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly maxFrameChars: number,
    readonly remoteAddress: string,
  ) {
    super();
    socket.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    socket.on('close', (code, reason) => {
      this.#closed = true;
      this.emit('close', code, reason.toString());
    });
    // Errors (e.g. a frame over the hard size limit) are followed by 'close'.
    socket.on('error', () => undefined);
  }

  get open(): boolean {
    return !this.#closed && this.socket.readyState === this.socket.OPEN;
  }

  send(frame: string): void {
    if (this.open) this.socket.send(frame);
  }

  sendResult(id: JsonRpcId, result: unknown): void {
    this.send(resultFrame(id, result));
  }

  sendError(id: JsonRpcId | null, error: RoomError): void {
    this.send(errorFrame(id, error.toJSON()));
  }

  close(code = 1000, reason = ''): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.socket.close(code, reason);
    } catch {
      this.socket.terminate();
    }
  }

  /** Drops the socket without a closing handshake (a peer that stopped answering). */
  terminate(): void {
    this.#closed = true;
    this.socket.terminate();
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.sendError(null, new RoomError(JsonRpcErrorCode.INVALID_REQUEST, 'Invalid request: binary frames are not supported, send JSON text'));
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    if (text.length > this.maxFrameChars) {
      this.sendError(
        null,
        new RoomError(JsonRpcErrorCode.INVALID_REQUEST, `Invalid request: frame of ${text.length} characters exceeds the limit of ${this.maxFrameChars}`),
      );
      return;
    }
    const parsed = parseMessage(text);
    switch (parsed.kind) {
      case 'invalid':
        this.sendError(parsed.id, parsed.error);
        return;
      case 'notification':
        // The protocol has no client notifications; the original failed on requests without id.
        this.sendError(
          null,
          new RoomError(JsonRpcErrorCode.INVALID_REQUEST, `Invalid request: '${parsed.message.method}' has no 'id'; every request needs one`),
        );
        return;
      case 'response':
        // The server sends no requests, so there is nothing a response could answer.
        return;
      case 'request':
        this.emit('request', parsed.message);
    }
  }
}
