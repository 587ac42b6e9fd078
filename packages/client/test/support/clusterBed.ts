// Server nodes of a cluster as separate processes (the built command line, so that a test can
// SIGKILL or SIGTERM one) with a Redis of their own, and a TCP proxy in front of one node that
// plays the load balancer (its target moves to a live node when its node dies).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { freeTcpPort } from '../../../server/src/util/freePort.js';
import { startRedis, type TestRedis } from '../../../../testing/redis.js';

const cli = fileURLToPath(new URL('../../../server/dist/cli.js', import.meta.url));

export interface NodeProcess {
  id: string;
  port: number;
  url: string;
  wsUrl: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

export async function startNode(id: string, redisUrl: string, extra: string[] = []): Promise<NodeProcess> {
  const port = await freeTcpPort();
  const child = spawn(
    process.execPath,
    [cli, '--port', String(port), '--host', '127.0.0.1', '--log-level', 'info', '--media-workers', '1', '--redis', redisUrl, '--node-id', id, ...extra],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node ${id} exited with ${child.exitCode}: ${output}`);
    const ready = await fetch(`${url}/ready`).then((r) => r.status === 200, () => false);
    if (ready && output.includes('joined the cluster')) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`node ${id} did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { id, port, url, wsUrl: `ws://127.0.0.1:${port}/room`, child, exited, output: () => output };
}

/** A load balancer's stand-in: TCP to `target`, which a test moves. */
export class Balancer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  port = 0;

  constructor(public target: number) {
    this.#server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          this.#sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
    return this;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/room`;
  }

  close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

export interface Cluster {
  redis: TestRedis;
  nodes: NodeProcess[];
  close(): Promise<void>;
}

export async function startCluster(ids: string[], extra: string[] = []): Promise<Cluster> {
  const redis = await startRedis();
  const nodes = await Promise.all(ids.map((id) => startNode(id, redis.url, extra)));
  // Every node sees every other before the test starts.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const counts = await Promise.all(nodes.map((n) => fetch(`${n.url}/api/stats`).then((r) => r.json() as Promise<{ cluster?: { nodes: unknown[] } }>).then((s) => s.cluster?.nodes.length ?? 0, () => 0)));
    if (counts.every((c) => c === ids.length)) break;
    if (Date.now() > deadline) throw new Error(`nodes do not see each other: ${counts.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    redis,
    nodes,
    async close() {
      for (const n of nodes) if (n.child.exitCode === null) n.child.kill('SIGKILL');
      await Promise.all(nodes.map((n) => n.exited));
      await redis.close();
    },
  };
}

/** The node that owns `room`, as `/api/rooms/NAME` on `via` says. */
export async function ownerOf(via: NodeProcess, room: string): Promise<string | undefined> {
  const response = await fetch(`${via.url}/api/rooms/${encodeURIComponent(room)}`);
  if (response.status !== 200) return undefined;
  return ((await response.json()) as { node?: string }).node;
}

/** A bare protocol client that joins a room and stays (to create a room on a node, or to ask for errors). */
export async function rawRequest(wsUrl: string, method: string, params: Record<string, unknown>): Promise<{ ws: WebSocket; response: { result?: any; error?: { code: number; message: string } } }> {
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const response = await new Promise<any>((resolve) => {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.id === 1) resolve(msg);
    });
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
  });
  return { ws, response };
}
