import { DEFAULT_STREAM_ID } from './methods.js';

/*
 * The one naming rule of streams. A stream is named `<user>_<streamId>` (its global id, the
 * `sender` of receiveVideoFrom): user names may contain `_`, stream ids may not (1-64 letters,
 * digits or '-', validate.ts), so the global id is split at its LAST `_` and no two
 * (user, streamId) pairs read the same: user `alice_screen`'s webcam is `alice_screen_webcam`,
 * user `alice`'s screen is `alice_screen`.
 *
 * The original's ICE `endpointName` is not a global id: it is the bare user name for the
 * `webcam` stream. `alice_screen` is then both user alice_screen's webcam and alice's screen.
 * This project's server and client therefore also send `sender` (the global id) with every
 * candidate and in `mediaError`, and route by it; `endpointName` alone is the fallback for
 * original clients, which have only webcam streams.
 */

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

/**
 * The original's `endpointName` of a stream: the user name for `webcam`, the global id for any
 * other stream. Ambiguous on its own (see above): send `sender` alongside it.
 */
export function endpointNameOf(user: string, streamId: string): string {
  return streamId === DEFAULT_STREAM_ID ? user : globalStreamId(user, streamId);
}
