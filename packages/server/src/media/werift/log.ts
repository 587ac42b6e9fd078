/** Structured log hook of the media engine; no per-packet messages go through it. */
export type MediaLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type MediaLogFn = (level: MediaLogLevel, message: string, fields?: Record<string, unknown>) => void;

export const silentLog: MediaLogFn = () => {};

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A structured logger object, e.g. the server's `Logger`; accepted where a log function is. */
export interface MediaLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function toLogFn(logger: MediaLogFn | MediaLogger | undefined): MediaLogFn {
  if (!logger) return silentLog;
  if (typeof logger === 'function') return logger;
  return (level, message, fields) => logger[level](message, fields);
}
