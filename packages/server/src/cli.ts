#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseConfig, USAGE } from './config.js';
import { clientBrowserDir, createRoomServer, demoDir } from './RoomServer.js';
import { runTokenCommand, TOKEN_USAGE } from './tokenCommand.js';

/** `kurento-room-server token ...`: print an access token and exit. */
function tokenCommand(argv: string[]): void {
  try {
    process.stdout.write(`${runTokenCommand(argv, process.env).trimEnd()}\n`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n\n${TOKEN_USAGE}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'token') return tokenCommand(process.argv.slice(3));
  let parsed;
  try {
    parsed = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw error;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return;
  }
  const starting = createRoomServer(parsed.options);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // A signal while the server starts waits for it (a failed start is reported by main's catch).
    starting.then((server) => {
      server.log.info('shutting down', { signal });
      // A cluster node drains on SIGTERM (no new rooms, rooms go on until empty or --drain-timeout,
      // then move); SIGINT, someone at a terminal, stops at once.
      const drained = signal === 'SIGTERM' && server.nodeId !== undefined ? server.drain() : Promise.resolve();
      drained.then(() => server.close()).then(
        () => process.exit(0),
        (error: unknown) => {
          server.log.error('shutdown failed', { error: (error as Error).message });
          process.exit(1);
        },
      );
    }, () => {});
  };
  // Installed before the server starts: a SIGTERM right after the "listening" line (a supervisor,
  // a test) found no handler yet and killed the process instead of shutting it down (exit code
  // null instead of 0, seen once in a clean-clone CI run).
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const server = await starting;
  // A missing build or package otherwise shows only as a 404 for `/` or `/js/KurentoRoom.js`.
  const expected: [what: string, file: string][] = [
    ['demo (@kurento-room/demo)', join(demoDir, 'index.html')],
    ['browser client (@kurento-room/client)', join(clientBrowserDir, 'KurentoRoom.js')],
  ];
  for (const [what, file] of expected) {
    if (!existsSync(file)) server.log.warn(`the ${what} is not built or not installed: its URLs answer 404`, { missing: file });
  }
  // One line saying whether the hat filter can run here (GStreamer is probed once).
  server.filterSupport().then(
    (filters) => {
      if (filters.available) server.log.info('video filters available (hat filter on)');
      else server.log.warn('video filters unavailable (hat requests will be refused)', { reason: filters.reason, missingPackages: filters.missing.join(' ') });
    },
    (error: unknown) => server.log.warn('video filters unavailable', { reason: (error as Error).message }),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${(error as Error)?.message ?? error}\n`);
  process.exit(1);
});
