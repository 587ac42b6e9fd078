import { describeChar, invalidNameChars, NAME_RULE } from '@kurento-room/client';

/**
 * Rules for user and room names: the server's characters (letters of any script, digits,
 * spaces and `-_.@`, shared through the client library, so "José Müller" passes here exactly
 * when the server takes it) and a shorter length, the demo's own choice to fit its tiles.
 */

export const NAME_MAX_LENGTH = 32;

export type NameCheck = { ok: true; value: string } | { ok: false; reason: string };

/** Checks a user or room name (`what` names the field in the reason shown to the user). */
export function checkName(what: 'User name' | 'Room name', raw: string): NameCheck {
  const value = raw.trim();
  if (value === '') return { ok: false, reason: `${what} is required.` };
  if (value.length > NAME_MAX_LENGTH) {
    return { ok: false, reason: `${what} is too long: ${value.length} characters, at most ${NAME_MAX_LENGTH}.` };
  }
  const bad = invalidNameChars(value);
  if (bad.length > 0) {
    return { ok: false, reason: `${what} may only contain ${NAME_RULE} (not ${bad.map(describeChar).join(', ')}).` };
  }
  return { ok: true, value };
}

/** The room named by a location hash `#/rooms/NAME`, or undefined. */
export function roomFromHash(hash: string): string | undefined {
  const match = /^#\/rooms\/([^/?#]+)\/?$/.exec(hash);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
}

/** The shareable link that opens the join view with `room` filled in. */
export function shareLink(base: string, room: string): string {
  return `${base.replace(/#.*$/, '')}#/rooms/${encodeURIComponent(room)}`;
}
