/**
 * STUN/TURN servers handed to clients in the join result (`iceServers`), so that a client behind
 * a NAT or a firewall that only lets TURN through can still connect. Static servers come from the
 * configuration as they are; a TURN server with coturn's REST API (`use-auth-secret`) gets
 * per-user credentials that expire: username `<expiry in unix seconds>:<user>`, password the
 * base64 HMAC-SHA1 of that username under the shared secret.
 */
import { createHmac } from 'node:crypto';

/** The RTCIceServer shape of the WebRTC API (plain data: it goes on the wire). */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface IceConfig {
  /** Servers given to every client as they are (e.g. public STUN, a TURN server with fixed credentials). */
  static?: IceServer[];
  /** A TURN server that checks coturn REST-API credentials. */
  turn?: {
    urls: string[];
    secret: string;
    /** How long the credentials stay valid, in seconds. Default 86,400 (a day: longer than any call). */
    ttlSeconds?: number;
  };
}

/** coturn's `use-auth-secret` credentials for `user`, valid until `now + ttlSeconds`. */
export function turnCredentials(secret: string, user: string, ttlSeconds: number, now = Date.now()): { username: string; credential: string } {
  const username = `${Math.floor(now / 1000) + ttlSeconds}:${user}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/** The servers for one joining user, or undefined when none are configured (the join result then has no `iceServers`). */
export function iceServersFor(config: IceConfig | undefined, user: string, now = Date.now()): IceServer[] | undefined {
  const servers: IceServer[] = [...(config?.static ?? [])];
  if (config?.turn && config.turn.urls.length > 0) {
    servers.push({ urls: config.turn.urls, ...turnCredentials(config.turn.secret, user, config.turn.ttlSeconds ?? 86_400, now) });
  }
  return servers.length > 0 ? servers : undefined;
}

/** Checks a `--ice-servers` value: a JSON array of {urls, username?, credential?}. */
export function parseIceServers(json: string): IceServer[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new RangeError(`--ice-servers must be JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) throw new RangeError('--ice-servers must be a JSON array of {urls, username?, credential?}');
  return value.map((entry, i) => {
    const server = entry as Partial<IceServer> | null;
    const urls = server?.urls;
    const urlList = Array.isArray(urls) ? urls : [urls];
    if (!server || urlList.length === 0 || !urlList.every((u) => typeof u === 'string' && /^(stuns?|turns?):/i.test(u))) {
      throw new RangeError(`--ice-servers entry ${i} needs 'urls': a stun:, stuns:, turn: or turns: URL or a list of them`);
    }
    for (const key of ['username', 'credential'] as const) {
      if (server[key] !== undefined && typeof server[key] !== 'string') throw new RangeError(`--ice-servers entry ${i}: '${key}' must be a string`);
    }
    return { urls: urls!, ...(server.username !== undefined ? { username: server.username } : {}), ...(server.credential !== undefined ? { credential: server.credential } : {}) };
  });
}
