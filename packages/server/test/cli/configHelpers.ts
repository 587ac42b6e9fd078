/** What the configuration tests share: parsing that must succeed, and the ConfigError that must come. */
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../src/config.js';
import type { RoomServerOptions } from '../../src/RoomServer.js';

/** The options of a configuration that must parse. */
export function options(argv: string[], env: NodeJS.ProcessEnv = {}): RoomServerOptions {
  const parsed = parseConfig(argv, env);
  assert.equal(parsed.help, false);
  return (parsed as { options: RoomServerOptions }).options;
}

/** Asserts that `run` throws a ConfigError with exactly `message` (a string) or matching it (a RegExp). */
export function throwsConfigError(run: () => unknown, message: string | RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

/** Asserts that parsing these flags and environment fails with `message`. */
export function rejects(argv: string[], env: NodeJS.ProcessEnv, message: string | RegExp): void {
  throwsConfigError(() => parseConfig(argv, env), message);
}
