import { parseArgs, type ParseArgsConfig } from 'node:util';
/** A bad option: the command line prints its message and the usage, and exits with code 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** node:util's parseArgs with its errors (unknown option, missing value) as ConfigErrors. */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}
