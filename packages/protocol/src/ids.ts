import { DEFAULT_STREAM_ID } from './methods.js';

/** The global stream id `<user>_<streamId>` that clients use as `sender`. */
export function globalStreamId(user: string, streamId: string = DEFAULT_STREAM_ID): string {
  return `${user}_${streamId}`;
}

/**
 * Splits a `sender` at its last `_`, so user names may themselves contain `_`
 * (the original split at the first one and could not subscribe to such users).
 * Returns null when there is no `_` or either side is empty.
 */
export function parseSender(sender: string): { user: string; streamId: string } | null {
  const cut = sender.lastIndexOf('_');
  if (cut <= 0 || cut === sender.length - 1) return null;
  return { user: sender.slice(0, cut), streamId: sender.slice(cut + 1) };
}
