/**
 * Which web pages may open the JSON-RPC WebSocket. Browsers send the page's Origin on every
 * WebSocket upgrade and, unlike for fetch, apply no same-origin rule to it: without this check
 * any site a user visits can join rooms in their name from their browser.
 */

/** `https://Meet.Example.com:443/` -> `https://meet.example.com`; throws on what is not an origin. */
export function normalizeOrigin(value: string): string {
  const origin = new URL(value).origin;
  if (origin === 'null') throw new TypeError(`'${value}' is not an origin (scheme://host[:port])`);
  return origin;
}

/**
 * `allowed` undefined: any origin, as in the original. A request without an Origin header is
 * allowed: browsers always send one, so it comes from a program (Node, a native app), which
 * could send any Origin it liked anyway; origin checks protect browser users only.
 */
export function originAllowed(origin: string | undefined, allowed: readonly string[] | undefined): boolean {
  if (allowed === undefined || origin === undefined) return true;
  try {
    return allowed.includes(normalizeOrigin(origin));
  } catch {
    // 'null' (sandboxed frames, file: pages) and garbage match no configured origin.
    return false;
  }
}
