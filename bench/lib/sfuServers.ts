/**
 * The two SFUs the benchmark compares, each started fresh in a process of its own and seen
 * through the same interface (sfuRamp.ts's ServerUnderTest plus close): our server as deployed
 * (the built CLI, lib/cliServer.ts: CPU and RSS from /proc, RTP counters from /metrics) and Janus
 * VideoRoom (CPU and RSS from /proc).
 */
import { startCliServer } from './cliServer.js';
import { startJanus } from './janusProcess.js';
import type { ServerUnderTest } from './sfuRamp.js';

export type SfuServerKind = 'ours' | 'janus';

export interface StartedSfu extends ServerUnderTest {
  kind: SfuServerKind;
  /** What was measured, for the figures' details. */
  description: string;
  close(): Promise<void>;
}

export async function startSfu(kind: SfuServerKind): Promise<StartedSfu> {
  if (kind === 'janus') {
    const janus = await startJanus();
    return {
      kind,
      description: 'Janus VideoRoom (/usr/bin/janus), CPU and RSS from /proc',
      load: { driver: 'janus', wsUrl: janus.wsUrl, bindAddress: janus.iceAddress },
      usage: async () => janus.usage(),
      close: () => janus.close(),
    };
  }
  // BENCH_SFU_OURS_ARGS: extra server flags for an experiment (e.g. `--media-workers 1`); the
  // figures' details record them.
  const args = (process.env.BENCH_SFU_OURS_ARGS ?? '').split(' ').filter((a) => a.length > 0);
  const server = await startCliServer({ args });
  return {
    kind,
    description: `ours as deployed (node packages/server/dist/cli.js${args.length ? ' ' + args.join(' ') : ''}), CPU and RSS from /proc, RTP counters from /metrics`,
    load: { driver: 'kurento-room', wsUrl: server.wsUrl, bindAddress: '127.0.0.1' },
    usage: () => server.usage(),
    close: () => server.close(),
  };
}

/** Runs `task` against a freshly started server of `kind` and stops the server afterwards. */
export async function withSfu<T>(kind: SfuServerKind, task: (server: StartedSfu) => Promise<T>): Promise<T> {
  const server = await startSfu(kind);
  try {
    return await task(server);
  } finally {
    await server.close();
  }
}
