/**
 * The rule for user and room names, shared by the server (which refuses other names) and by
 * clients (which can tell their user before asking). Names travel in notifications, logs,
 * element ids and the `<user>_<streamId>` sender, so they are kept to characters that are
 * harmless in all of them: letters of any script (with their combining accents, so that both
 * composed and decomposed "José" pass), decimal digits, space and `-_.@`. Control characters
 * (NUL, ESC, newlines ...) and markup characters never pass.
 */
const NAME_CHAR = /^[\p{L}\p{M}\p{Nd} _.@-]$/u;

/** What the rule allows, worded for error messages. */
export const NAME_RULE = "letters, digits, spaces and '-', '_', '.', '@'";

/** The distinct characters of `value` that a name may not contain, in order of appearance. */
export function invalidNameChars(value: string): string[] {
  return [...new Set([...value].filter((c) => !NAME_CHAR.test(c)))];
}

/** `'<' (U+003C)`, or for what cannot be shown, `the control or invisible character U+001B`. */
export function describeChar(c: string): string {
  const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return /^[\p{Cc}\p{Cf}\p{Z}]$/u.test(c) ? `the control or invisible character ${code}` : `'${c}' (${code})`;
}

/**
 * Why `value` is not acceptable as a name, or null when it is. `field` names the request
 * element in the message. The empty name is left to the caller: the original protocol answers
 * it with its own error.
 */
export function nameProblem(field: string, value: string, maxChars: number): string | null {
  if (value.length > maxChars) return `Request element '${field}' is longer than ${maxChars} characters`;
  let position = 0;
  for (const c of value) {
    if (!NAME_CHAR.test(c)) return `Request element '${field}' may contain only ${NAME_RULE}; ${describeChar(c)} at position ${position} is not allowed`;
    position += c.length;
  }
  return null;
}
