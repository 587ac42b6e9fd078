// A scripted room server for unit tests: a `ws` WebSocketServer speaking the Kurento Room
// protocol frames exactly as kurento-room.md section 1 shows them.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Received {
  id: number;
  method: string;
  params?: Record<string, unknown>;
}

/** What a handler returns: a result object, an error, or `NO_ANSWER` to stay silent. */
export type Answer = Record<string, unknown> | { error: { code: number; message: string } } | typeof NO_ANSWER;
export type Handler = (params: Record<string, unknown>, server: FakeRoomServer, request: Received) => Answer | Promise<Answer>;

export const NO_ANSWER = Symbol('no answer');
export const SESSION_ID = 'k3l1fake';

export class FakeRoomServer {
  readonly received: Received[] = [];
  readonly frames: string[] = [];
  socket?: WebSocket;
  private waiters: { method: string; from: number; resolve(r: Received): void }[] = [];
  readonly handlers: Record<string, Handler> = {
    ping: () => ({ value: 'pong' }),
    joinRoom: () => ({ value: [], sessionId: SESSION_ID }),
    publishVideo: () => ({ sdpAnswer: 'v=0 fake-answer', sessionId: SESSION_ID }),
    receiveVideoFrom: () => ({ sdpAnswer: 'v=0 fake-answer', sessionId: SESSION_ID }),
    unpublishVideo: () => ({ sessionId: SESSION_ID }),
    unsubscribeFromVideo: () => ({ sessionId: SESSION_ID }),
    onIceCandidate: () => ({ sessionId: SESSION_ID }),
    customRequest: () => ({ sessionId: SESSION_ID }),
    sendMessage: (params, server) => {
      setTimeout(() => server.notify('sendMessage', { room: params.roomMessage, user: params.userMessage, message: params.message }), 5);
      return { sessionId: SESSION_ID };
    },
    leaveRoom: (_params, server) => {
      setTimeout(() => server.socket?.close(), 5);
      return { sessionId: SESSION_ID };
    },
  };

  private constructor(readonly wss: WebSocketServer) {
    wss.on('connection', (socket) => {
      this.socket = socket;
      socket.on('message', (data) => this.onFrame(String(data)));
    });
  }

  /** Listens on `port` (default: a free one), e.g. the port of a server that was closed, as a restarted server. */
  static async start(handlers: Record<string, Handler> = {}, port = 0): Promise<FakeRoomServer> {
    const wss = new WebSocketServer({ port, path: '/room' });
    await once(wss, 'listening');
    const server = new FakeRoomServer(wss);
    Object.assign(server.handlers, handlers);
    return server;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/room`;
  }

  /** Requests of `method` received so far, pings excluded unless asked for. */
  requests(method?: string): Received[] {
    return this.received.filter((r) => (method ? r.method === method : r.method !== 'ping'));
  }

  /** Resolves with the first request of `method` received after `from` earlier ones (default: the next unseen). */
  next(method: string, index = this.requests(method).length): Promise<Received> {
    const have = this.requests(method)[index];
    if (have) return Promise.resolve(have);
    return new Promise((resolve) => this.waiters.push({ method, from: index, resolve }));
  }

  /** Resolves with the `index`-th (0-based) request of `method`, waiting for it if needed. */
  nth(method: string, index: number): Promise<Received> {
    return this.next(method, index);
  }

  notify(method: string, params: Record<string, unknown>): void {
    this.socket?.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private async onFrame(text: string): Promise<void> {
    this.frames.push(text);
    const message = JSON.parse(text) as Received;
    this.received.push(message);
    const list = this.requests(message.method === 'ping' ? 'ping' : message.method);
    this.waiters = this.waiters.filter((w) => {
      if (w.method !== message.method || !list[w.from]) return true;
      w.resolve(list[w.from]!);
      return false;
    });
    const handler = this.handlers[message.method];
    const answer: Answer = handler
      ? await handler(message.params ?? {}, this, message)
      : { error: { code: -32601, message: `Method '${message.method}' not found` } };
    if (answer === NO_ANSWER) return;
    const frame = 'error' in answer ? { id: message.id, error: answer.error, jsonrpc: '2.0' } : { id: message.id, result: answer, jsonrpc: '2.0' };
    this.socket?.send(JSON.stringify(frame));
  }
}
