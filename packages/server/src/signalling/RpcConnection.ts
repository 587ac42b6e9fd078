import type { WebSocket, RawData } from 'ws';
import {
  errorFrame,
  Errors,
  JsonRpcErrorCode,
  parseMessage,
  resultFrame,
  RoomError,
  type JsonRpcId,
  type JsonRpcRequest,
  type ParsedMessage,
} from '@kurento-room/protocol';
import { SEND_BUFFER_CLOSE_CODE, type Limits } from '../limits.js';
import { TokenBucket } from '../util/TokenBucket.js';
import { TypedEmitter } from '../util/TypedEmitter.js';

/** The limits one connection enforces by itself. */
export type ConnectionLimits = Pick<Limits, 'frameChars' | 'requestsPerSecond' | 'requestBurst' | 'sendBufferBytes'>;

export interface RpcConnectionEvents {
  request: [request: JsonRpcRequest];
  close: [code: number, reason: string];
}

/**
 * Hears every answer a connection sends, e.g. for metrics. `method` is the client's string as
 * sent (undefined when the frame was not a request); `code` the JSON-RPC error code (undefined
 * for a result); `seconds` the time from the request's arrival to its answer (undefined when
 * the frame never became a request).
 */
export interface RpcObserver {
  answered(method: string | undefined, code: number | undefined, seconds: number | undefined): void;
}

let connectionSeq = 0;

/**
 * One WebSocket speaking JSON-RPC 2.0: one object per text frame. Frames that are not a valid
 * request get their standard error here and never reach the room logic; neither do requests
 * past the socket's rate limit. A client that stops reading is dropped once its outgoing
 * buffer passes the limit, instead of the server buffering for it without end.
 */
export class RpcConnection extends TypedEmitter<RpcConnectionEvents> {
  readonly id = ++connectionSeq;
  #closed = false;
  #closeEmitted = false;
  readonly #rate: TokenBucket;
  readonly #observer: RpcObserver | undefined;
  /** Requests not answered yet, by id, kept only for an observer. */
  readonly #inFlight = new Map<JsonRpcId, { method: string; at: number }>();

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: ConnectionLimits,
    readonly remoteAddress: string,
    /** `access_token` of the URL the socket was opened with, for a join that carries no `token`. */
    readonly accessToken?: string,
    observer?: RpcObserver,
  ) {
    super();
    this.#rate = new TokenBucket(limits.requestsPerSecond, limits.requestBurst);
    this.#observer = observer;
    socket.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    socket.on('close', (code, reason) => {
      this.#closed = true;
      this.emitClose(code, reason.toString());
    });
    // Errors (e.g. a frame over the hard size limit) are followed by 'close'.
    socket.on('error', () => undefined);
  }

  get open(): boolean {
    return !this.#closed && this.socket.readyState === this.socket.OPEN;
  }

  send(frame: string): void {
    if (!this.open) return;
    this.socket.send(frame);
    if (this.socket.bufferedAmount > this.limits.sendBufferBytes) this.dropSlowReader();
  }

  /**
   * The client does not read what it is sent. Its socket is closed with a code it will see once
   * it reads again, and the connection counts as lost right away (its session goes to the
   * reconnection grace period) rather than when the closing handshake ends, which a stalled
   * client delays; nothing more is queued for it meanwhile, so what it holds stays bounded.
   */
  private dropSlowReader(): void {
    const reason = `outgoing buffer over ${this.limits.sendBufferBytes} bytes: the client does not read`;
    this.close(SEND_BUFFER_CLOSE_CODE, reason);
    this.emitClose(SEND_BUFFER_CLOSE_CODE, reason);
  }

  private emitClose(code: number, reason: string): void {
    if (this.#closeEmitted) return;
    this.#closeEmitted = true;
    this.emit('close', code, reason);
  }

  sendResult(id: JsonRpcId, result: unknown): void {
    this.send(resultFrame(id, result));
    this.#answered(id, undefined);
  }

  sendError(id: JsonRpcId | null, error: RoomError): void {
    this.send(errorFrame(id, error.toJSON()));
    this.#answered(id, error.code);
  }

  /** Counted whether or not the socket is still open: the request was handled either way. */
  #answered(id: JsonRpcId | null, code: number | undefined): void {
    if (!this.#observer) return;
    const request = id === null ? undefined : this.#inFlight.get(id);
    if (!request) {
      this.#observer.answered(undefined, code, undefined);
      return;
    }
    this.#inFlight.delete(id!);
    this.#observer.answered(request.method, code, (performance.now() - request.at) / 1000);
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

  /**
   * Every frame but a ping costs a token, garbage too; past the rate it is answered with
   * -32029 and goes no further. Pings are free so that a client over its rate is refused
   * requests but never dropped by the watchdog; a ping costs no more than its refusal would.
   */
  private withinRate(parsed: ParsedMessage): boolean {
    if (parsed.kind === 'response' || (parsed.kind === 'request' && parsed.message.method === 'ping')) return true;
    if (this.#rate.take()) return true;
    const { requestsPerSecond, requestBurst } = this.limits;
    if (parsed.kind === 'invalid') this.sendError(parsed.id, Errors.rateLimited('(invalid frame)', requestsPerSecond, requestBurst));
    else this.sendError(parsed.kind === 'request' ? parsed.message.id : null, Errors.rateLimited(parsed.message.method, requestsPerSecond, requestBurst));
    return false;
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.sendError(null, new RoomError(JsonRpcErrorCode.INVALID_REQUEST, 'Invalid request: binary frames are not supported, send JSON text'));
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    if (text.length > this.limits.frameChars) {
      this.sendError(
        null,
        new RoomError(JsonRpcErrorCode.INVALID_REQUEST, `Invalid request: frame of ${text.length} characters exceeds the limit of ${this.limits.frameChars}`),
      );
      return;
    }
    const parsed = parseMessage(text);
    // Before the rate check, so that a refusal for the rate is counted under its method.
    if (this.#observer && parsed.kind === 'request') this.#inFlight.set(parsed.message.id, { method: parsed.message.method, at: performance.now() });
    if (!this.withinRate(parsed)) return;
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
