/** A bad option: the command line prints its message and the usage, and exits with code 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
