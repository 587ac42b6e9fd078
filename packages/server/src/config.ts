import { parseArgs } from 'node:util';
import { ConfigError } from './configError.js';
import { createHatRequestHandler } from './filters/hatRequestHandler.js';
import { demoContentSecurityPolicy } from './http/securityHeaders.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { isLogLevel } from './log.js';
import { demoDir, type RoomServerOptions } from './RoomServer.js';

/** One `--max-*` flag per limit (limits.ts says what each bounds and the error past it). */
const LIMIT_FLAGS: ReadonlyArray<{ flag: string; env: string; key: keyof Limits; help: string }> = [
  { flag: 'max-frame-chars', env: 'MAX_FRAME_CHARS', key: 'frameChars', help: 'largest JSON-RPC frame, in characters' },
  { flag: 'max-message-chars', env: 'MAX_MESSAGE_CHARS', key: 'messageChars', help: 'longest chat message, in characters' },
  { flag: 'max-name-chars', env: 'MAX_NAME_CHARS', key: 'nameChars', help: 'longest user or room name, in characters' },
  { flag: 'max-pending-candidates', env: 'MAX_PENDING_CANDIDATES', key: 'pendingCandidates', help: 'ICE candidates a participant may have waiting for endpoints' },
  { flag: 'max-endpoints', env: 'MAX_ENDPOINTS', key: 'endpointsPerParticipant', help: 'publications + subscriptions per participant' },
  { flag: 'max-participants', env: 'MAX_PARTICIPANTS', key: 'participantsPerRoom', help: 'participants per room' },
  { flag: 'max-rooms', env: 'MAX_ROOMS', key: 'rooms', help: 'rooms on this server' },
  { flag: 'max-request-rate', env: 'MAX_REQUEST_RATE', key: 'requestsPerSecond', help: 'requests per second per socket, sustained' },
  { flag: 'max-request-burst', env: 'MAX_REQUEST_BURST', key: 'requestBurst', help: 'requests per socket in one burst' },
  { flag: 'max-send-buffer', env: 'MAX_SEND_BUFFER', key: 'sendBufferBytes', help: 'bytes queued for a client that does not read; past it its socket is closed (4008)' },
];

const limitUsage = LIMIT_FLAGS.map(({ flag, env, key, help }) => `  --${`${flag} <n>`.padEnd(28)}${help} (${env}, default ${DEFAULT_LIMITS[key]})`).join('\n');

export const USAGE = `Usage: kurento-room-server [options]

Starts the Kurento Room compatible server: HTTP(S) with the JSON-RPC WebSocket at /room,
the REST API, and the embedded SFU. Every option can also come from the environment variable
named after it.

Options:
  --port <n>            port to listen on (PORT, default 8080; 0 = any free port)
  --host <addr>         interface to listen on (HOST, default all interfaces)
  --tls-cert <file>     PEM certificate: serve HTTPS and WSS (TLS_CERT; needs --tls-key)
  --tls-key <file>      PEM private key (TLS_KEY)
  --admin-secret <s>    require "Authorization: Bearer <s>" on /api/* and /close (ADMIN_SECRET)
  --log-level <level>   debug, info, warn, error or silent (LOG_LEVEL, default info)
  --grace-ms <n>        how long a participant survives a lost socket (GRACE_MS, default 10000)
  --ice-ports <a-b>     UDP port range of the SFU's peer connections (ICE_PORTS)
  --announce-ip <addr>  extra host address for ICE candidates, e.g. a public IP (ANNOUNCE_IP)
  --media-workers <n>   worker threads for media, rooms spread over them (MEDIA_WORKERS,
                        default the number of cores; 0 or 1 = media in the main thread)
  --allowed-origins <list>
                        comma-separated origins allowed to open the WebSocket, e.g.
                        https://meet.example.com (ALLOWED_ORIGINS, default any); other
                        browser origins get HTTP 403; clients that send no Origin (not
                        browsers) are always allowed
  --media-inactivity-ms <n>
                        a peer connection whose client sends nothing this long is released as
                        dead (MEDIA_INACTIVITY_MS, default 5000; 0 = werift's 30 s consent expiry)
  -h, --help            print this help and exit

Limits (past each, a clear error or close code; nothing else in the room is affected):
${limitUsage}
`;

export { ConfigError };

function integer(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
  return n;
}

/** Reads options from command-line flags, falling back to environment variables. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): { help: true } | { help: false; options: RoomServerOptions } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'admin-secret': { type: 'string' },
        'log-level': { type: 'string' },
        'grace-ms': { type: 'string' },
        'ice-ports': { type: 'string' },
        'announce-ip': { type: 'string' },
        'media-workers': { type: 'string' },
        'allowed-origins': { type: 'string' },
        ...Object.fromEntries(LIMIT_FLAGS.map(({ flag }) => [flag, { type: 'string' as const }])),
        'media-inactivity-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if (values.help) return { help: true };

  const get = (flag: string, envName: string): string | undefined => {
    const v = (values as Record<string, unknown>)[flag];
    return typeof v === 'string' ? v : env[envName] || undefined;
  };
  // The embedded default configuration serves the demo application at `/` and answers the
  // demo's hat filter requests (`customRequest {hat}`).
  const options: RoomServerOptions = { staticMounts: [{ prefix: '/', dir: demoDir, contentSecurityPolicy: demoContentSecurityPolicy }], customRequestHandler: createHatRequestHandler() };
  const port = get('port', 'PORT');
  options.port = port === undefined ? 8080 : integer('port', port, 0, 65535);
  options.host = get('host', 'HOST');
  const cert = get('tls-cert', 'TLS_CERT');
  const key = get('tls-key', 'TLS_KEY');
  if ((cert === undefined) !== (key === undefined)) throw new ConfigError('--tls-cert and --tls-key go together');
  if (cert !== undefined && key !== undefined) options.tls = { cert, key };
  options.adminSecret = get('admin-secret', 'ADMIN_SECRET');
  const level = get('log-level', 'LOG_LEVEL') ?? 'info';
  if (!isLogLevel(level)) throw new ConfigError(`--log-level must be debug, info, warn, error or silent, got '${level}'`);
  options.logLevel = level;
  const grace = get('grace-ms', 'GRACE_MS');
  if (grace !== undefined) options.reconnectionGraceMs = integer('grace-ms', grace, 0, 3_600_000);
  const media: NonNullable<RoomServerOptions['media']> = {};
  const ports = get('ice-ports', 'ICE_PORTS');
  if (ports !== undefined) {
    const m = /^(\d+)-(\d+)$/.exec(ports);
    if (!m) throw new ConfigError(`--ice-ports must look like 40000-40100, got '${ports}'`);
    const lo = integer('ice-ports', m[1]!, 1, 65535);
    const hi = integer('ice-ports', m[2]!, lo, 65535);
    media.icePortRange = [lo, hi];
  }
  const announce = get('announce-ip', 'ANNOUNCE_IP');
  if (announce !== undefined) media.iceAdditionalHostAddresses = ['127.0.0.1', announce];
  const workers = get('media-workers', 'MEDIA_WORKERS');
  if (workers !== undefined) media.workers = integer('media-workers', workers, 0, 256);
  const inactivity = get('media-inactivity-ms', 'MEDIA_INACTIVITY_MS');
  if (inactivity !== undefined) media.inactivityTimeoutMs = integer('media-inactivity-ms', inactivity, 0, 3_600_000);
  options.media = media;
  const origins = get('allowed-origins', 'ALLOWED_ORIGINS');
  if (origins !== undefined) options.allowedOrigins = parseOrigins(origins);
  const limits: Partial<Limits> = {};
  for (const { flag, env, key } of LIMIT_FLAGS) {
    const value = get(flag, env);
    if (value !== undefined) limits[key] = integer(flag, value, 1, Number.MAX_SAFE_INTEGER);
  }
  options.limits = limits;
  return { help: false, options };
}

/** `https://a.example, http://localhost:8080` -> normalized origins; `*` alone means any. */
function parseOrigins(list: string): string[] | undefined {
  const items = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 1 && items[0] === '*') return undefined;
  // An empty list would shut out every browser: surely a mistake, not a policy.
  if (items.length === 0) throw new ConfigError("--allowed-origins needs at least one origin, or '*' for any");
  return items.map((item) => {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      throw new ConfigError(`--allowed-origins takes origins like https://meet.example.com, got '${item}'`);
    }
    if (url.origin === 'null' || url.pathname !== '/' || url.search || url.hash) throw new ConfigError(`--allowed-origins takes origins (scheme://host[:port], no path), got '${item}'`);
    return url.origin;
  });
}
