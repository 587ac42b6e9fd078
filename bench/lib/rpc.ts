/**
 * A lean JSON-RPC over WebSocket client for load generation: no frame history (unlike the test
 * helper), a notification callback, and request promises.
 */
import WebSocket from 'ws';

export interface RpcReply {
  id: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

export class LoadClient {
  #nextId = 1;
  readonly #pending = new Map<number, (r: RpcReply) => void>();
  onNotification: ((method: string, params: Record<string, unknown>, receivedAt: number) => void) | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const receivedAt = performance.now();
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if (typeof message.method === 'string') {
        this.onNotification?.(message.method, (message.params ?? {}) as Record<string, unknown>, receivedAt);
      } else if (typeof message.id === 'number') {
        const resolve = this.#pending.get(message.id);
        if (resolve) {
          this.#pending.delete(message.id);
          resolve(message as unknown as RpcReply);
        }
      }
    });
    ws.on('close', () => {
      for (const [id, resolve] of this.#pending) resolve({ id, error: { code: -1, message: 'socket closed' } });
      this.#pending.clear();
    });
  }

  static connect(url: string): Promise<LoadClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once('open', () => resolve(new LoadClient(ws)));
      ws.once('error', reject);
    });
  }

  request(method: string, params: Record<string, unknown>, timeoutMs = 30_000): Promise<RpcReply> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method}: no response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  /** Sends joinRoom and throws when the server refuses. */
  async join(room: string, user: string): Promise<void> {
    const reply = await this.request('joinRoom', { room, user });
    if (reply.error) throw new Error(`joinRoom ${user}@${room} refused: ${reply.error.message}`);
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** Opens `count` sockets, at most `concurrency` handshakes at a time. */
export async function connectMany(url: string, count: number, concurrency = 50): Promise<LoadClient[]> {
  const clients: LoadClient[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        clients[i] = await LoadClient.connect(url);
      }
    }),
  );
  return clients;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
