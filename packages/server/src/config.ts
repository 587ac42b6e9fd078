import type { ClusterOptions } from './cluster/ClusterOptions.js';
import { availableParallelism } from 'node:os';
import { ConfigError, parseFlags } from './configError.js';
import { type FileValueKind, readConfigFile } from './configFile.js';
import { createHatRequestHandler } from './filters/hatRequestHandler.js';
import { demoContentSecurityPolicy } from './http/securityHeaders.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { type IceConfig, parseIceServers } from './ice/iceServers.js';
import { isLogLevel } from './log.js';
import { OptionSources } from './optionSources.js';
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
named after it, or from a config file (--config). Precedence: flags, then environment
variables, then the config file, then the defaults.

Options:
  --config <file>       read options from a .json, .yaml or .yml file (CONFIG_FILE); see
                        "Config file" below
  --port <n>            port to listen on (PORT, default 8080; 0 = any free port)
  --host <addr>         interface to listen on (HOST, default all interfaces)
  --tls-cert <file>     PEM certificate: serve HTTPS and WSS (TLS_CERT; needs --tls-key)
  --tls-key <file>      PEM private key (TLS_KEY)
  --admin-secret <s>    require "Authorization: Bearer <s>" on /api/* and /close (ADMIN_SECRET)
  --log-level <level>   debug, info, warn, error or silent (LOG_LEVEL, default info)
  --grace-ms <n>        how long a participant survives a lost socket (GRACE_MS, default 10000)
  --ice-udp-port <n>    the one UDP port of all the SFU's peer connections, media worker i on
                        n + i (ICE_UDP_PORT; default 0 = a free port per worker, chosen at start)
  --ice-tcp-port <n>    ICE over TCP for clients whose UDP is blocked, worker i on n + i
                        (ICE_TCP_PORT; default none; 0 = a free port per worker)
  --ice-ports <a-b>     instead of --ice-udp-port: a UDP port range in which each peer
                        connection binds sockets of its own (ICE_PORTS)
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
                        dead (MEDIA_INACTIVITY_MS, default 7000; 0 = werift's 30 s consent expiry)
  --token-secret <s>    HS256 secret of access tokens: every joinRoom then needs a token
                        signed with it (TOKEN_SECRET)
  --webhook-url <url>   POST room events to this http(s) URL; repeat the flag for several, or
                        separate them with commas or spaces (WEBHOOK_URL)
  --webhook-secret <s>  sign webhook requests with HMAC-SHA256 of this secret (WEBHOOK_SECRET;
                        needs --webhook-url)
  --ice-servers <json>  STUN/TURN servers handed to clients as they are: a JSON array of
                        {urls, username?, credential?} (ICE_SERVERS)
  --turn-url <url>      a TURN server checking coturn's use-auth-secret credentials, a turn: or
                        turns: URL; repeatable, or separated by commas or spaces (TURN_URL;
                        needs --turn-secret)
  --turn-secret <s>     coturn's static-auth-secret (TURN_SECRET; needs --turn-url)
  --turn-ttl <seconds>  how long each client's TURN credentials last (TURN_TTL, default 86400)
  --redis <url>         make this server a node of a cluster coordinated through this Redis,
                        e.g. redis://10.0.0.5:6379 (REDIS_URL); see docs/scaling.md
  --node-id <id>        this node's name in the cluster (NODE_ID, default <hostname>-<port>)
  --drain-timeout <ms>  on SIGTERM, how long a node's rooms may go on before their participants
                        are moved to other nodes (DRAIN_TIMEOUT, default 60000; needs --redis)
  -h, --help            print this help and exit

Limits (past each, a clear error or close code; nothing else in the room is affected):
${limitUsage}

Config file (--config FILE or CONFIG_FILE): the options above, each key spelled as its flag
without the dashes; a repeatable or list option takes a list, --ice-servers its JSON array
itself. Values go through the same checks as flags; an unknown key is an error. Relative
paths (tls-cert, tls-key) are relative to the working directory, as on the command line.
Example (YAML):

  port: 8443
  tls-cert: /etc/kurento-room/fullchain.pem
  tls-key: /etc/kurento-room/privkey.pem
  ice-udp-port: 40000
  ice-tcp-port: 40000
  allowed-origins: [https://meet.example.com]
  webhook-url: [https://app.example.com/hooks/rooms]
  turn-url: [turn:turn.example.com:3478, turns:turn.example.com:5349]
  max-rooms: 50
  # Secrets may go here too, in a file only the server's user reads, or stay in the
  # environment: TURN_SECRET=... then completes turn-url.
`;

export { ConfigError };

/**
 * Every option of the server: its flag, which without the dashes is also its key in a config
 * file, its environment variable, and how a config file may give it (configFile.ts). A
 * 'repeatable' option is also a flag that may be given several times.
 */
export const OPTIONS: ReadonlyArray<{ flag: string; env: string; kind: FileValueKind }> = [
  { flag: 'port', env: 'PORT', kind: 'scalar' },
  { flag: 'host', env: 'HOST', kind: 'scalar' },
  { flag: 'tls-cert', env: 'TLS_CERT', kind: 'scalar' },
  { flag: 'tls-key', env: 'TLS_KEY', kind: 'scalar' },
  { flag: 'admin-secret', env: 'ADMIN_SECRET', kind: 'scalar' },
  { flag: 'log-level', env: 'LOG_LEVEL', kind: 'scalar' },
  { flag: 'grace-ms', env: 'GRACE_MS', kind: 'scalar' },
  { flag: 'ice-ports', env: 'ICE_PORTS', kind: 'scalar' },
  { flag: 'ice-udp-port', env: 'ICE_UDP_PORT', kind: 'scalar' },
  { flag: 'ice-tcp-port', env: 'ICE_TCP_PORT', kind: 'scalar' },
  { flag: 'announce-ip', env: 'ANNOUNCE_IP', kind: 'scalar' },
  { flag: 'media-workers', env: 'MEDIA_WORKERS', kind: 'scalar' },
  { flag: 'media-inactivity-ms', env: 'MEDIA_INACTIVITY_MS', kind: 'scalar' },
  { flag: 'allowed-origins', env: 'ALLOWED_ORIGINS', kind: 'commaList' },
  { flag: 'token-secret', env: 'TOKEN_SECRET', kind: 'scalar' },
  { flag: 'webhook-url', env: 'WEBHOOK_URL', kind: 'repeatable' },
  { flag: 'webhook-secret', env: 'WEBHOOK_SECRET', kind: 'scalar' },
  { flag: 'ice-servers', env: 'ICE_SERVERS', kind: 'json' },
  { flag: 'turn-url', env: 'TURN_URL', kind: 'repeatable' },
  { flag: 'turn-secret', env: 'TURN_SECRET', kind: 'scalar' },
  { flag: 'turn-ttl', env: 'TURN_TTL', kind: 'scalar' },
  { flag: 'redis', env: 'REDIS_URL', kind: 'scalar' },
  { flag: 'node-id', env: 'NODE_ID', kind: 'scalar' },
  { flag: 'drain-timeout', env: 'DRAIN_TIMEOUT', kind: 'scalar' },
  ...LIMIT_FLAGS.map(({ flag, env }) => ({ flag, env, kind: 'scalar' as const })),
];

/** TURN credentials last a day by default: longer than any call, short enough that a leaked one soon dies. */
const DEFAULT_TURN_TTL_SECONDS = 86_400;

function integer(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
  return n;
}

/** Runs an option's parser; a failure names where the value was written when that was not the flag itself. */
function blame<T>(origin: string | undefined, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    // parseIceServers and the like throw RangeError: to the command line it is a bad option all the same.
    if (!(error instanceof ConfigError || error instanceof RangeError)) throw error;
    throw new ConfigError(origin === undefined ? error.message : `${error.message} (from ${origin})`);
  }
}

/**
 * Reads options from command-line flags, falling back to environment variables, then to the
 * config file of `--config` or CONFIG_FILE, then to the defaults.
 */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): { help: true } | { help: false; options: RoomServerOptions } {
  const { values } = parseFlags({
    args: argv,
    strict: true,
    options: {
      ...Object.fromEntries(OPTIONS.map(({ flag, kind }) => [flag, { type: 'string' as const, multiple: kind === 'repeatable' }])),
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };

  const configPath = typeof values.config === 'string' ? values.config : env.CONFIG_FILE || undefined;
  const file = configPath === undefined ? undefined : { path: configPath, options: readConfigFile(configPath, new Map(OPTIONS.map(({ flag, kind }) => [flag, kind]))) };
  const sources = new OptionSources(values, env, new Map(OPTIONS.map(({ flag, env: name }) => [flag, name])), file);
  const get = (flag: string): string | undefined => sources.value(flag)?.value;
  const read = <T>(flag: string, parse: (value: string) => T): T | undefined => {
    const raw = sources.value(flag);
    return raw === undefined ? undefined : blame(raw.origin, () => parse(raw.value));
  };
  const readList = <T>(flag: string, parse: (items: string[]) => T): T | undefined => {
    const raw = sources.list(flag);
    return raw === undefined ? undefined : blame(raw.origin, () => parse(raw.value));
  };

  // The embedded default configuration serves the demo application at `/` and answers the
  // demo's hat filter requests (`customRequest {hat}`).
  const options: RoomServerOptions = { staticMounts: [{ prefix: '/', dir: demoDir, contentSecurityPolicy: demoContentSecurityPolicy }], customRequestHandler: createHatRequestHandler() };
  options.port = read('port', (v) => integer('port', v, 0, 65535)) ?? 8080;
  options.host = get('host');
  const cert = get('tls-cert');
  const key = get('tls-key');
  if ((cert === undefined) !== (key === undefined)) throw new ConfigError('--tls-cert and --tls-key go together');
  if (cert !== undefined && key !== undefined) options.tls = { cert, key };
  options.adminSecret = get('admin-secret');
  options.logLevel = read('log-level', (level) => {
    if (!isLogLevel(level)) throw new ConfigError(`--log-level must be debug, info, warn, error or silent, got '${level}'`);
    return level;
  }) ?? 'info';
  const grace = read('grace-ms', (v) => integer('grace-ms', v, 0, 3_600_000));
  if (grace !== undefined) options.reconnectionGraceMs = grace;
  const media: NonNullable<RoomServerOptions['media']> = {};
  const ports = read('ice-ports', (v): [number, number] => {
    const m = /^(\d+)-(\d+)$/.exec(v);
    if (!m) throw new ConfigError(`--ice-ports must look like 40000-40100, got '${v}'`);
    const lo = integer('ice-ports', m[1]!, 1, 65535);
    return [lo, integer('ice-ports', m[2]!, lo, 65535)];
  });
  if (ports !== undefined) media.icePortRange = ports;
  const announce = get('announce-ip');
  if (announce !== undefined) media.iceAdditionalHostAddresses = ['127.0.0.1', announce];
  const workers = read('media-workers', (v) => integer('media-workers', v, 0, 256));
  if (workers !== undefined) media.workers = workers;
  const udpPort = read('ice-udp-port', (v) => integer('ice-udp-port', v, 0, 65535));
  const tcpPort = read('ice-tcp-port', (v) => integer('ice-tcp-port', v, 0, 65535));
  // A range means sockets of each connection's own: the two ways of choosing UDP ports cannot mix.
  if (udpPort !== undefined && ports !== undefined) {
    throw new ConfigError('--ice-udp-port and --ice-ports exclude each other: one UDP port per media worker, or a range in which each peer connection binds its own');
  }
  const threads = Math.max(1, workers ?? availableParallelism());
  for (const [flag, port] of [['ice-udp-port', udpPort], ['ice-tcp-port', tcpPort]] as const) {
    if (port !== undefined && port > 0 && port + threads - 1 > 65535) {
      throw new ConfigError(`--${flag} ${port} with ${threads} media workers needs ports ${port} to ${port + threads - 1}, past 65535`);
    }
  }
  if (udpPort !== undefined) media.iceUdpPort = udpPort;
  if (tcpPort !== undefined) media.iceTcpPort = tcpPort;
  const inactivity = read('media-inactivity-ms', (v) => integer('media-inactivity-ms', v, 0, 3_600_000));
  if (inactivity !== undefined) media.inactivityTimeoutMs = inactivity;
  options.media = media;
  const origins = sources.value('allowed-origins');
  if (origins !== undefined) options.allowedOrigins = blame(origins.origin, () => parseOrigins(origins.value));
  const limits: Partial<Limits> = {};
  for (const { flag, key: limit } of LIMIT_FLAGS) {
    const value = read(flag, (v) => integer(flag, v, 1, Number.MAX_SAFE_INTEGER));
    if (value !== undefined) limits[limit] = value;
  }
  options.limits = limits;
  options.tokenSecret = get('token-secret');
  const webhooks = readList('webhook-url', (urls) => parseUrls('webhook-url', urls, (u) => u.protocol === 'http:' || u.protocol === 'https:', 'http:// or https:// URLs, e.g. https://app.example.com/hooks/rooms'));
  const webhookSecret = get('webhook-secret');
  // A secret with nowhere to send is surely a URL forgotten, not a wish for no webhooks.
  if (webhookSecret !== undefined && webhooks === undefined) throw new ConfigError('--webhook-secret needs --webhook-url (WEBHOOK_URL): there is no URL to sign requests for');
  if (webhooks !== undefined) options.webhooks = { urls: webhooks, ...(webhookSecret !== undefined ? { secret: webhookSecret } : {}) };
  const ice = iceConfig(read, readList, get);
  if (ice !== undefined) options.ice = ice;
  const cluster = clusterConfig(read);
  if (cluster !== undefined) options.cluster = cluster;
  return { help: false, options };
}

/** `--ice-servers` and `--turn-url`/`--turn-secret`/`--turn-ttl`, or undefined when none is set. */
function iceConfig(
  read: <T>(flag: string, parse: (value: string) => T) => T | undefined,
  readList: <T>(flag: string, parse: (items: string[]) => T) => T | undefined,
  get: (flag: string) => string | undefined,
): IceConfig | undefined {
  const ice: IceConfig = {};
  const fixed = read('ice-servers', parseIceServers);
  if (fixed !== undefined) ice.static = fixed;
  const urls = readList('turn-url', (items) => parseUrls('turn-url', items, (u) => u.protocol === 'turn:' || u.protocol === 'turns:', 'turn: or turns: URLs, e.g. turn:turn.example.com:3478'));
  const secret = get('turn-secret');
  const ttl = read('turn-ttl', (v) => integer('turn-ttl', v, 1, 31_536_000));
  // Each of these alone would hand clients no working TURN server: a half-done configuration.
  if (urls !== undefined && secret === undefined) throw new ConfigError("--turn-url needs --turn-secret (TURN_SECRET): coturn's static-auth-secret, from which each client's credentials are derived");
  if (secret !== undefined && urls === undefined) throw new ConfigError('--turn-secret needs --turn-url (TURN_URL): the TURN server clients are told about');
  if (ttl !== undefined && urls === undefined) throw new ConfigError('--turn-ttl needs --turn-url (TURN_URL) and --turn-secret (TURN_SECRET): it is the lifetime of their credentials');
  if (urls !== undefined && secret !== undefined) ice.turn = { urls, secret, ttlSeconds: ttl ?? DEFAULT_TURN_TTL_SECONDS };
  return ice.static !== undefined || ice.turn !== undefined ? ice : undefined;
}

/** `--redis`, `--node-id`, `--drain-timeout`, or undefined without `--redis`. */
function clusterConfig(read: <T>(flag: string, parse: (value: string) => T) => T | undefined): ClusterOptions | undefined {
  const url = read('redis', (v) => {
    let parsed: URL | undefined;
    try {
      parsed = new URL(v);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) throw new ConfigError(`--redis takes a redis:// or rediss:// URL, e.g. redis://10.0.0.5:6379, got '${v}'`);
    return v;
  });
  const nodeId = read('node-id', (v) => {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(v)) throw new ConfigError(`--node-id takes 1-64 letters, digits, '.', '_' or '-', got '${v}'`);
    return v;
  });
  const drain = read('drain-timeout', (v) => integer('drain-timeout', v, 0, 86_400_000));
  // Without Redis there is no cluster: a node id or drain timeout alone is a forgotten --redis.
  if (url === undefined) {
    if (nodeId !== undefined) throw new ConfigError('--node-id needs --redis (REDIS_URL): a node id names this server in a cluster');
    if (drain !== undefined) throw new ConfigError('--drain-timeout needs --redis (REDIS_URL): draining moves rooms to other nodes');
    return undefined;
  }
  return { redisUrl: url, ...(nodeId !== undefined ? { nodeId } : {}), ...(drain !== undefined ? { drainTimeoutMs: drain } : {}) };
}

/** Checks a list of URLs of one kind; `takes` says which, for the error. */
function parseUrls(flag: string, items: string[], accepted: (url: URL) => boolean, takes: string): string[] {
  if (items.length === 0) throw new ConfigError(`--${flag} needs at least one URL`);
  for (const item of items) {
    let url: URL | undefined;
    try {
      url = new URL(item);
    } catch {
      url = undefined;
    }
    if (url === undefined || !accepted(url)) throw new ConfigError(`--${flag} takes ${takes}, got '${item}'`);
  }
  return items;
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
