/**
 * Who may use the admin REST API. With an admin secret, every call needs its bearer (or, with a
 * token secret, an access token that carries the `admin` grant). Without one the API is safe by
 * default: reading stays open (as in the original), but calls that change something (close a
 * room, evict a participant) are answered only for clients on this machine or an admin token.
 */
import { timingSafeEqual } from 'node:crypto';
import { AccessTokenError, verifyAccessToken } from '../auth/accessToken.js';

export interface AdminAccessConfig {
  adminSecret?: string;
  tokenSecret?: string;
}

export type AdminDecision =
  | { allowed: true; via: 'secret' | 'token' | 'loopback' | 'open'; subject?: string }
  | { allowed: false; status: 401 | 403; message: string };

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 addresses. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/**
 * Decides one admin request. `mutating`: the call changes state. `authorization` is the raw
 * Authorization header, `remoteAddress` the TCP peer (behind a reverse proxy on the same machine
 * every request looks local: set an admin secret there, as docs/deploy.md says).
 */
export function decideAdminAccess(
  config: AdminAccessConfig,
  request: { authorization?: string; remoteAddress?: string; mutating: boolean },
): AdminDecision {
  const bearer = /^Bearer\s+(.+)$/i.exec(request.authorization ?? '')?.[1]?.trim();
  if (bearer !== undefined && (config.adminSecret || config.tokenSecret)) {
    if (config.adminSecret && sameSecret(bearer, config.adminSecret)) return { allowed: true, via: 'secret' };
    if (config.tokenSecret && bearer.split('.').length === 3) {
      try {
        const claims = verifyAccessToken(config.tokenSecret, bearer);
        if (claims.grants.admin) return { allowed: true, via: 'token', subject: claims.sub };
        return { allowed: false, status: 403, message: `the access token of '${claims.sub}' has no admin grant` };
      } catch (error) {
        if (error instanceof AccessTokenError) return { allowed: false, status: 401, message: `admin API: ${error.message}` };
        throw error;
      }
    }
    return { allowed: false, status: 401, message: 'admin API: the bearer is neither the admin secret nor an access token with the admin grant' };
  }
  if (config.adminSecret) return { allowed: false, status: 401, message: 'admin API: send the admin secret (or an access token with the admin grant) as "Authorization: Bearer <...>"' };
  if (!request.mutating) return { allowed: true, via: 'open' };
  if (isLoopbackAddress(request.remoteAddress)) return { allowed: true, via: 'loopback' };
  return {
    allowed: false,
    status: 403,
    message: `admin API: without --admin-secret, calls that change rooms are only accepted from this machine (loopback)${config.tokenSecret ? ' or with an access token that has the admin grant' : ''}`,
  };
}
