/** Starts bench/serverProcess.ts as a child process and talks to it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ServerUsage {
  rssBytes: number;
  heapUsedBytes: number;
  cpuUserMicros: number;
  cpuSystemMicros: number;
  stats: { rooms: number; participants: number; connections: number; sessions: number };
  /** The media engine's counters (server.stats().media). */
  media: { rtpPacketsIn: number; rtpPacketsOut: number; peerConnections: number; [key: string]: number };
}

export interface ServerProcessOptions {
  /** Passed to createRoomServer as JSON (so only plain data). */
  serverOptions?: Record<string, unknown>;
  /** `kurento-room-server` flags (e.g. `--redis URL --node-id n1`), read by the CLI's parser; serverOptions win over them. */
  cliArgs?: string[];
  /** Extra Node flags for the child, e.g. --expose-gc. */
  nodeFlags?: string[];
  /** Receives the child's standard error (its JSON log) line by line instead of this process's stderr. */
  onLogLine?: (line: string) => void;
  /**
   * Default true: the server's TypeScript source, through tsx (no build needed). False: its
   * compiled `dist` (run `npm run build` first), as `npm start` and the package run it; only
   * this harness file then goes through tsx, and the media workers load plain JavaScript.
   */
  fromSource?: boolean;
}

export interface ServerHandle {
  pid: number;
  wsUrl: string;
  url: string;
  usage(options?: { gc?: boolean }): Promise<ServerUsage>;
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 120_000;

const entry = fileURLToPath(new URL('../serverProcess.ts', import.meta.url));

export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerHandle> {
  const child: ChildProcess = fork(entry, [], {
    execArgv: ['--import', 'tsx', ...(options.fromSource === false ? [] : ['--conditions=source']), ...(options.nodeFlags ?? [])],
    env: { ...process.env, BENCH_SERVER_OPTIONS: JSON.stringify(options.serverOptions ?? {}), BENCH_SERVER_ARGS: JSON.stringify(options.cliArgs ?? []) },
    stdio: ['ignore', 'inherit', options.onLogLine ? 'pipe' : 'inherit', 'ipc'],
  });
  if (options.onLogLine && child.stderr) createInterface({ input: child.stderr }).on('line', options.onLogLine);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ wsUrl: string; url: string }>((resolve, reject) => {
    // Generous: on a machine shared with other work, compiling the server through tsx alone can
    // take tens of seconds. A process that never got ready is not left running.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server process did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server process exited early (code ${code})`));
    });
    child.on('message', (m) => {
      const message = m as { type: string; wsUrl: string; url: string };
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message);
      }
    });
  });
  let nextId = 1;
  const pending = new Map<number, (u: ServerUsage) => void>();
  child.on('message', (m) => {
    const message = m as { type: string; id: number } & ServerUsage;
    if (message.type === 'usage') {
      pending.get(message.id)?.(message);
      pending.delete(message.id);
    }
  });
  return {
    pid: child.pid ?? -1,
    wsUrl: ready.wsUrl,
    url: ready.url,
    usage(o = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no usage answer from the server process')), 30_000);
        pending.set(id, (u) => {
          clearTimeout(timer);
          resolve(u);
        });
        child.send({ type: 'usage', id, gc: o.gc === true });
      });
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.send({ type: 'close' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

export function cpuMicros(u: ServerUsage): number {
  return u.cpuUserMicros + u.cpuSystemMicros;
}
