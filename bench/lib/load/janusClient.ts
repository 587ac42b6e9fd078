/**
 * A minimal client of Janus's WebSocket API (subprotocol `janus-protocol`), enough for the
 * VideoRoom load: one session per socket kept alive with keepalives, plugin handles, and plugin
 * messages whose answer is either immediate (`success`) or an `event` after an `ack`, matched by
 * transaction. Events without a transaction (`webrtcup`, `hangup`, …) go to their handle.
 */
import WebSocket from 'ws';
import { pendingAnswer } from '../answer.js';

/** Janus closes sessions idle for 60 s (its default session_timeout); keepalives every 25 s. */
const KEEPALIVE_MS = 25_000;
const REQUEST_TIMEOUT_MS = 30_000;

type JanusMessage = Record<string, unknown> & { janus?: string; transaction?: string; sender?: number };

export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
  /** false: every candidate is in the SDP, none will be trickled. */
  trickle?: boolean;
}

export interface PluginReply {
  data: Record<string, unknown>;
  jsep?: Jsep;
}

interface Pending {
  resolve(m: JanusMessage): void;
  reject(e: Error): void;
  /** Resolve on `ack` (keepalive) rather than wait for an event. */
  ackIsAnswer: boolean;
}

export class JanusSession {
  #nextTransaction = 1;
  readonly #pending = new Map<string, Pending>();
  readonly #handles = new Map<number, JanusHandle>();
  #id = 0;
  #keepalive: NodeJS.Timeout | undefined;
  onClose: (() => void) | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.#onMessage(JSON.parse(data.toString()) as JanusMessage));
    ws.on('close', () => {
      clearInterval(this.#keepalive);
      for (const p of this.#pending.values()) p.reject(new Error('Janus socket closed'));
      this.#pending.clear();
      this.onClose?.();
    });
  }

  /** Opens a socket and creates a session on it. */
  static async connect(url: string): Promise<JanusSession> {
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url, 'janus-protocol', { perMessageDeflate: false });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
    const session = new JanusSession(ws);
    const created = await session.#send({ janus: 'create' });
    session.#id = Number((created.data as { id: number }).id);
    session.#keepalive = setInterval(() => {
      session.#send({ janus: 'keepalive', session_id: session.#id }, true).catch(() => undefined);
    }, KEEPALIVE_MS);
    return session;
  }

  async attach(plugin: string): Promise<JanusHandle> {
    const attached = await this.#send({ janus: 'attach', session_id: this.#id, plugin });
    const handle = new JanusHandle(this, Number((attached.data as { id: number }).id));
    this.#handles.set(handle.id, handle);
    return handle;
  }

  /** A plugin message on `handle`: resolves with the plugin's answer, rejects on any error. */
  async message(handle: number, body: Record<string, unknown>, jsep?: Jsep): Promise<PluginReply> {
    const m = await this.#send({ janus: 'message', session_id: this.#id, handle_id: handle, body, ...(jsep ? { jsep } : {}) });
    const data = ((m.plugindata as { data?: Record<string, unknown> } | undefined)?.data ?? {}) as Record<string, unknown>;
    if (data.error_code !== undefined) throw new Error(`Janus ${String(body.request)}: ${String(data.error_code)} ${String(data.error)}`);
    return { data, jsep: m.jsep as Jsep | undefined };
  }

  close(): void {
    clearInterval(this.#keepalive);
    this.ws.terminate();
  }

  #send(request: Record<string, unknown>, ackIsAnswer = false): Promise<JanusMessage> {
    const transaction = `t${this.#nextTransaction++}`;
    const answer = pendingAnswer<JanusMessage>(REQUEST_TIMEOUT_MS, `Janus ${String(request.janus)}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`, () =>
      this.#pending.delete(transaction),
    );
    this.#pending.set(transaction, { resolve: answer.resolve, reject: answer.reject, ackIsAnswer });
    this.ws.send(JSON.stringify({ ...request, transaction }));
    return answer.promise;
  }

  #onMessage(m: JanusMessage): void {
    const pending = m.transaction === undefined ? undefined : this.#pending.get(m.transaction);
    if (pending && (m.janus !== 'ack' || pending.ackIsAnswer)) {
      this.#pending.delete(m.transaction!);
      if (m.janus === 'error') {
        const error = m.error as { code?: number; reason?: string } | undefined;
        pending.reject(new Error(`Janus error ${error?.code}: ${error?.reason}`));
      } else pending.resolve(m);
      return;
    }
    if (m.sender !== undefined && m.janus !== 'ack') this.#handles.get(m.sender)?.onEvent(m);
  }
}

/** One attached plugin handle; `up` resolves when its PeerConnection is (Janus's `webrtcup`). */
export class JanusHandle {
  #markUp: () => void = () => undefined;
  readonly up = new Promise<void>((resolve) => (this.#markUp = resolve));
  /** Called on `hangup` (the PeerConnection went away) with Janus's reason. */
  onHangup: ((reason: string) => void) | undefined;

  constructor(
    readonly session: JanusSession,
    readonly id: number,
  ) {}

  message(body: Record<string, unknown>, jsep?: Jsep): Promise<PluginReply> {
    return this.session.message(this.id, body, jsep);
  }

  onEvent(m: JanusMessage): void {
    if (m.janus === 'webrtcup') this.#markUp();
    else if (m.janus === 'hangup') this.onHangup?.(String(m.reason ?? ''));
  }
}
