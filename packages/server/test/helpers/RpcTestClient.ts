import WebSocket from 'ws';

export interface RpcResponse {
  id: number | string | null;
  result?: Record<string, unknown> & { sessionId?: string; value?: unknown };
  error?: { code: number; message: string; data?: unknown };
}
export interface RpcNotification {
  method: string;
  params: Record<string, unknown>;
}

/**
 * A raw JSON-RPC WebSocket client for protocol tests: sends exactly what a test says and
 * records every frame the server sends, in order.
 */
export class RpcTestClient {
  readonly frames: unknown[] = [];
  readonly notifications: RpcNotification[] = [];
  #nextId = 1;
  readonly #pending = new Map<number | string, (r: RpcResponse) => void>();
  readonly #waiters: Array<() => void> = [];
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      this.frames.push(msg);
      if ('method' in msg) this.notifications.push({ method: msg.method as string, params: (msg.params ?? {}) as Record<string, unknown> });
      else {
        const id = msg.id as number | string | null;
        const resolve = id === null ? undefined : this.#pending.get(id);
        if (resolve && id !== null) {
          this.#pending.delete(id);
          resolve(msg as unknown as RpcResponse);
        }
      }
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  /** `options` e.g. `{ rejectUnauthorized: false }` for a self-signed wss endpoint. */
  static connect(url: string, options?: WebSocket.ClientOptions): Promise<RpcTestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      ws.once('open', () => resolve(new RpcTestClient(ws)));
      ws.once('error', reject);
    });
  }

  request(method: string, params?: Record<string, unknown>, timeoutMs = 5000): Promise<RpcResponse> {
    const id = this.#nextId++;
    const frame = params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
    return this.sendRaw(JSON.stringify(frame), id, timeoutMs);
  }

  /** Sends a frame as is; with `id`, resolves with the response carrying it. */
  sendRaw(text: string | Buffer, id?: number | string, timeoutMs = 5000): Promise<RpcResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (id !== undefined) this.#pending.delete(id);
        reject(new Error(`no response to id ${String(id)} within ${timeoutMs} ms`));
      }, timeoutMs);
      if (id !== undefined)
        this.#pending.set(id, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
      this.ws.send(text);
      if (id === undefined) {
        clearTimeout(timer);
        resolve({ id: null });
      }
    });
  }

  /** Waits for the next frame matching `predicate` among those not seen before the call's index. */
  async waitForFrame(predicate: (f: Record<string, unknown>) => boolean, fromIndex = 0, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(fromIndex).find((f) => predicate(f as Record<string, unknown>));
      if (found) return found as Record<string, unknown>;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a frame');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  waitForNotification(method: string, match: (p: Record<string, unknown>) => boolean = () => true, timeoutMs = 5000): Promise<RpcNotification> {
    return this.waitForFrame((f) => f.method === method && match((f.params ?? {}) as Record<string, unknown>), 0, timeoutMs).then(
      (f) => ({ method: f.method as string, params: (f.params ?? {}) as Record<string, unknown> }),
    );
  }

  count(method: string): number {
    return this.notifications.filter((n) => n.method === method).length;
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    this.ws.close();
    return this.closed.then(() => undefined);
  }

  terminate(): void {
    this.ws.terminate();
  }
}

export const FAKE_OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n';
/** The track fields the server reads from FAKE_OFFER (one sendrecv video section). */
export const FAKE_OFFER_TRACKS = { hasAudio: false, hasVideo: true, audioActive: false, videoActive: true, typeOfVideo: 'CAMERA' } as const;

/** Polls `check` until it returns true (for state that settles asynchronously). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
