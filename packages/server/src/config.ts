import { parseArgs } from 'node:util';
import { createHatRequestHandler } from './filters/hatRequestHandler.js';
import { isLogLevel } from './log.js';
import { demoDir, type RoomServerOptions } from './RoomServer.js';

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
  --media-inactivity-ms <n>
                        a peer connection whose client sends nothing this long is released as
                        dead (MEDIA_INACTIVITY_MS, default 5000; 0 = werift's 30 s consent expiry)
  -h, --help            print this help and exit
`;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

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
        'media-inactivity-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if (values.help) return { help: true };

  const get = (flag: keyof typeof values, envName: string): string | undefined => {
    const v = values[flag];
    return typeof v === 'string' ? v : env[envName] || undefined;
  };
  // The embedded default configuration serves the demo application at `/` and answers the
  // demo's hat filter requests (`customRequest {hat}`).
  const options: RoomServerOptions = { staticMounts: [{ prefix: '/', dir: demoDir }], customRequestHandler: createHatRequestHandler() };
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
  return { help: false, options };
}
