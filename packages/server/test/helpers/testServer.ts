import { createRoomServer, type RoomServer, type RoomServerOptions } from '../../src/index.js';
import { FakeMediaEngine } from './FakeMediaEngine.js';
import { RpcTestClient } from './RpcTestClient.js';

export interface TestServer {
  server: RoomServer;
  engine: FakeMediaEngine;
  clients: RpcTestClient[];
  connect(): Promise<RpcTestClient>;
  /** Connects and joins; fails the test if the join is refused. */
  join(user: string, room: string, extra?: Record<string, unknown>): Promise<RpcTestClient>;
  http(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** A room server on a free loopback port with the fake media engine, quiet logs. */
export async function startTestServer(options: RoomServerOptions = {}): Promise<TestServer> {
  const engine = new FakeMediaEngine();
  const server = await createRoomServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', mediaEngine: engine, ...options });
  const clients: RpcTestClient[] = [];
  const t: TestServer = {
    server,
    engine,
    clients,
    async connect() {
      const c = await RpcTestClient.connect(server.wsUrl);
      clients.push(c);
      return c;
    },
    async join(user, room, extra = {}) {
      const c = await t.connect();
      const r = await c.request('joinRoom', { user, room, ...extra });
      if (r.error) throw new Error(`join of ${user} failed: ${r.error.message}`);
      return c;
    },
    http(path, init) {
      return fetch(server.url + path, init);
    },
    async close() {
      for (const c of clients) c.terminate();
      await server.close();
    },
  };
  return t;
}
