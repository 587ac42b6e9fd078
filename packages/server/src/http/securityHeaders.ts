import type { ServerResponse } from 'node:http';

/** Host header values safe to repeat inside a policy (no spaces, semicolons or quotes). */
const PLAIN_HOST = /^[A-Za-z0-9.\-:[\]]+$/;

/**
 * The demo's Content-Security-Policy: what the demo needs and nothing more. Its own script,
 * styles and images (no inline code, no eval), camera and remote streams in video elements
 * (blob:/mediastream:), fetch and WebSocket to this server only. `'self'` covers ws:/wss: to
 * the same host in current browsers; the explicit ws://host and wss://host are for browsers
 * that predate that rule. Pages that need more (an app with inline scripts) mount their own.
 */
export function demoContentSecurityPolicy(host: string | undefined): string {
  const sockets = host && PLAIN_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** For REST answers and plain files (the client script): they load nothing and are never framed. */
export const NOTHING_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * Headers on every HTTP answer, set before any handler writes; a static mount with a page
 * policy replaces the Content-Security-Policy (staticFiles.ts).
 */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('content-security-policy', NOTHING_POLICY);
  // Never guess a type other than the declared one (a JSON answer is not a script).
  res.setHeader('x-content-type-options', 'nosniff');
  // Room names are in the demo's URLs (#/rooms/NAME): they are nobody else's business.
  res.setHeader('referrer-policy', 'no-referrer');
  // For browsers without CSP frame-ancestors: nothing here is ever framed (clickjacking).
  res.setHeader('x-frame-options', 'DENY');
}
