/**
 * Access tokens: HS256 JSON Web Tokens (RFC 7519) that an application backend mints for one
 * user in one room. HS256 is one HMAC-SHA256 over `header.payload`, so node:crypto does it
 * without a dependency; only HS256 is accepted (never `none`, never an algorithm named by the
 * token itself). Every refusal has its own reason, so an operator can tell an expired token
 * from a forged one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a token allows in its room. */
export interface Grants {
  /** Publish streams (publishVideo). Default true. */
  publish: boolean;
  /** Receive streams (receiveVideoFrom). Default true. */
  subscribe: boolean;
  /** Data channels (joinRoom `dataChannels`). Default true. */
  data: boolean;
  /** Use the admin REST API with this token as its bearer. Default false. */
  admin: boolean;
}

export interface AccessClaims {
  /** The user name. */
  sub: string;
  room: string;
  /** Expiry, in seconds since the epoch. */
  exp: number;
  /** Not valid before, in seconds since the epoch. */
  nbf?: number;
  grants: Grants;
}

export type AccessTokenFault = 'missing' | 'malformed' | 'algorithm' | 'signature' | 'expired' | 'not-yet-valid' | 'wrong-room' | 'wrong-user';

export class AccessTokenError extends Error {
  override name = 'AccessTokenError';
  constructor(
    readonly fault: AccessTokenFault,
    message: string,
  ) {
    super(message);
  }
}

export interface MintOptions {
  room: string;
  user: string;
  /** Lifetime in seconds. Default 3600. */
  ttlSeconds?: number;
  /** Grants that differ from the defaults. */
  grants?: Partial<Grants>;
  /** Not valid before this many seconds from now (e.g. for a scheduled meeting). */
  notBeforeSeconds?: number;
  /** The current time in ms (tests). Default Date.now(). */
  now?: number;
}

export const DEFAULT_GRANTS: Readonly<Grants> = { publish: true, subscribe: true, data: true, admin: false };
/** Clock difference between the minting backend and this server that is forgiven, in seconds. */
const LEEWAY_SECONDS = 30;
/** A token is a few hundred characters; anything far larger is not one. */
const MAX_TOKEN_CHARS = 8192;

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');
const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function sign(secret: string, signingInput: string): Buffer {
  return createHmac('sha256', secret).update(signingInput).digest();
}

/** Mints a token for `user` in `room`. */
export function mintAccessToken(secret: string, options: MintOptions): string {
  if (!secret) throw new RangeError('a token secret is required');
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const ttl = options.ttlSeconds ?? 3600;
  if (!Number.isInteger(ttl) || ttl <= 0) throw new RangeError(`ttlSeconds must be a positive integer, got ${String(ttl)}`);
  const payload: Record<string, unknown> = {
    sub: options.user,
    room: options.room,
    iat: now,
    exp: now + ttl,
    grants: { ...DEFAULT_GRANTS, ...options.grants },
  };
  if (options.notBeforeSeconds !== undefined) payload.nbf = now + options.notBeforeSeconds;
  const signingInput = `${HEADER}.${b64url(JSON.stringify(payload))}`;
  return `${signingInput}.${b64url(sign(secret, signingInput))}`;
}

function parseJson(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new AccessTokenError('malformed', `access token is malformed: its ${what} is not base64url-encoded JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AccessTokenError('malformed', `access token is malformed: its ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function readGrants(value: unknown): Grants {
  if (value === undefined) return { ...DEFAULT_GRANTS };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AccessTokenError('malformed', "access token is malformed: 'grants' must be an object");
  }
  const grants = { ...DEFAULT_GRANTS };
  for (const key of Object.keys(DEFAULT_GRANTS) as (keyof Grants)[]) {
    const given = (value as Record<string, unknown>)[key];
    if (given === undefined) continue;
    if (typeof given !== 'boolean') throw new AccessTokenError('malformed', `access token is malformed: 'grants.${key}' must be a boolean`);
    grants[key] = given;
  }
  return grants;
}

/**
 * Verifies a token's form, algorithm, signature and validity period, and returns its claims.
 * Throws an AccessTokenError naming the first fault found.
 */
export function verifyAccessToken(secret: string, token: unknown, now = Date.now()): AccessClaims {
  if (token === undefined || token === null || token === '') {
    throw new AccessTokenError('missing', "an access token is required: pass it as the 'token' parameter of joinRoom or as 'access_token' in the WebSocket URL");
  }
  if (typeof token !== 'string') throw new AccessTokenError('malformed', 'access token is malformed: it must be a string');
  if (token.length > MAX_TOKEN_CHARS) throw new AccessTokenError('malformed', `access token is malformed: longer than ${MAX_TOKEN_CHARS} characters`);
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) {
    throw new AccessTokenError('malformed', 'access token is malformed: expected three base64url parts separated by dots');
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = parseJson(headerPart, 'header');
  if (header.alg !== 'HS256') throw new AccessTokenError('algorithm', `access token algorithm '${String(header.alg)}' is not accepted: only HS256 is`);
  const expected = sign(secret, `${headerPart}.${payloadPart}`);
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AccessTokenError('signature', 'access token signature is invalid: it was not signed with this server\'s token secret');
  }
  const payload = parseJson(payloadPart, 'payload');
  const { sub, room, exp, nbf } = payload;
  if (typeof sub !== 'string' || sub === '') throw new AccessTokenError('malformed', "access token is malformed: 'sub' (the user name) must be a non-empty string");
  if (typeof room !== 'string' || room === '') throw new AccessTokenError('malformed', "access token is malformed: 'room' must be a non-empty string");
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new AccessTokenError('malformed', "access token is malformed: 'exp' (expiry, seconds since 1970) must be a number");
  if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf))) {
    throw new AccessTokenError('malformed', "access token is malformed: 'nbf' must be a number of seconds since 1970");
  }
  const seconds = now / 1000;
  if (seconds > exp + LEEWAY_SECONDS) throw new AccessTokenError('expired', `access token expired at ${new Date(exp * 1000).toISOString()}`);
  if (nbf !== undefined && seconds < nbf - LEEWAY_SECONDS) {
    throw new AccessTokenError('not-yet-valid', `access token is not valid before ${new Date(nbf * 1000).toISOString()}`);
  }
  return { sub, room, exp, ...(nbf !== undefined ? { nbf } : {}), grants: readGrants(payload.grants) };
}

/** Checks that verified claims are for this user in this room. */
export function checkAudience(claims: AccessClaims, user: string, room: string): void {
  if (claims.room !== room) throw new AccessTokenError('wrong-room', `access token is for room '${claims.room}', not '${room}'`);
  if (claims.sub !== user) throw new AccessTokenError('wrong-user', `access token is for user '${claims.sub}', not '${user}'`);
}
