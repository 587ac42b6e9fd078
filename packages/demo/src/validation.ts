/**
 * Rules for user and room names. Both end up in element ids (`video-<user>_webcam`), in the
 * shareable link and in the protocol's `<user>_<streamId>` sender, so the demo keeps them to
 * characters that are safe in all three. The server itself accepts any string up to 256
 * characters; these limits are the demo's own, stricter choice.
 */

export const NAME_MAX_LENGTH = 32;
const ALLOWED = /^[A-Za-z0-9_-]+$/;

export type NameCheck = { ok: true; value: string } | { ok: false; reason: string };

/** Checks a user or room name (`what` names the field in the reason shown to the user). */
export function checkName(what: 'User name' | 'Room name', raw: string): NameCheck {
  const value = raw.trim();
  if (value === '') return { ok: false, reason: `${what} is required.` };
  if (value.length > NAME_MAX_LENGTH) {
    return { ok: false, reason: `${what} is too long: ${value.length} characters, at most ${NAME_MAX_LENGTH}.` };
  }
  if (!ALLOWED.test(value)) {
    const bad = [...new Set([...value].filter((c) => !/[A-Za-z0-9_-]/.test(c)))];
    const shown = bad.map((c) => (c === ' ' ? 'space' : `'${c}'`)).join(', ');
    return { ok: false, reason: `${what} may only contain letters, digits, '-' and '_' (not ${shown}).` };
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
