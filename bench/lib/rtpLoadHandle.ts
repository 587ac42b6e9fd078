/** Starts the SFU load generator (rtpLoad.ts) in its own process, aimed at one server, and talks to it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pendingAnswer } from './answer.js';
import type { LoadTarget } from './load/driver.js';
import type { WindowResult } from './load/meter.js';

export type { LoadTarget } from './load/driver.js';

export interface LoadWindow extends WindowResult {
  errors: string[];
  peerStates: Record<string, number>;
}

export interface RtpLoad {
  pid: number;
  addRooms(rooms: string[], participants: number): Promise<{ peers: number; states: Record<string, number>; notConnected: string[] }>;
  startWindow(): Promise<void>;
  stopWindow(): Promise<LoadWindow>;
  /** Starts or holds the publishers' RTP (sent by default from each publisher's answer on). */
  setMedia(on: boolean): Promise<void>;
  close(): Promise<void>;
}

const entry = fileURLToPath(new URL('./rtpLoad.ts', import.meta.url));

export async function startRtpLoad(target: LoadTarget): Promise<RtpLoad> {
  const child: ChildProcess = fork(entry, [JSON.stringify(target)], {
    execArgv: ['--import', 'tsx', '--conditions=source'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the load generator did not start within 30 s')), 30_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the load generator exited early (code ${code}, signal ${signal})`));
    });
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  let died: string | undefined;
  child.on('exit', (code, signal) => {
    died = `the load generator process exited (code ${code}, signal ${signal})`;
    for (const [, p] of pending) p.reject(new Error(died));
    pending.clear();
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  child.on('message', (raw) => {
    const m = raw as { type: string; id: number; ok?: boolean; error?: string };
    const p = pending.get(m.id);
    if (m.type !== 'reply' || !p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m);
    else p.reject(new Error(m.error ?? 'load generator error'));
  });
  const call = (message: Record<string, unknown>, timeoutMs = 300_000): Promise<Record<string, unknown>> => {
    if (died) return Promise.reject(new Error(died));
    const id = nextId++;
    const answer = pendingAnswer<Record<string, unknown>>(timeoutMs, `load generator: no answer to ${String(message.type)} within ${timeoutMs} ms`, () =>
      pending.delete(id),
    );
    pending.set(id, answer);
    child.send({ ...message, id });
    return answer.promise;
  };
  return {
    pid: child.pid ?? -1,
    async addRooms(rooms, participants) {
      const m = await call({ type: 'addRooms', rooms, participants });
      return { peers: m.peers as number, states: m.states as Record<string, number>, notConnected: m.notConnected as string[] };
    },
    async startWindow() {
      await call({ type: 'startWindow' });
    },
    async stopWindow() {
      return (await call({ type: 'stopWindow' })) as unknown as LoadWindow;
    },
    async setMedia(on) {
      await call({ type: 'media', on });
    },
    async close() {
      if (died) return;
      await call({ type: 'close' }, 10_000).catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
