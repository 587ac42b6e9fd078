/**
 * `kurento-room-server token --room R --user U [--ttl 3600] [--no-publish] [--no-subscribe]
 * [--no-data] [--admin]`: mints an access token with the secret of `--token-secret` or
 * TOKEN_SECRET and prints it alone on standard output, for scripts and for trying tokens out.
 */
import { mintAccessToken } from './auth/accessToken.js';
import { ConfigError, parseFlags } from './configError.js';

export const TOKEN_USAGE = `Usage: kurento-room-server token --room <name> --user <name> [options]

Prints an access token (HS256 JWT) for one user in one room, signed with the server's token
secret, alone on standard output.

Options:
  --room <name>          the room the token admits to (required)
  --user <name>          the user name, the token's 'sub' (required)
  --ttl <seconds>        lifetime (default 3600)
  --no-publish           the user may not publish
  --no-subscribe         the user may not receive others' streams
  --no-data              the user may not open data channels
  --admin                the token also works as the admin API's bearer
  --token-secret <s>     the secret (TOKEN_SECRET)
  -h, --help             print this help and exit
`;

/** Returns the text to print: the token, or the usage for --help. Throws ConfigError for bad options. */
export function runTokenCommand(argv: string[], env: NodeJS.ProcessEnv, now = Date.now()): string {
  const { values } = parseFlags({
    args: argv,
    strict: true,
    options: {
      room: { type: 'string' },
      user: { type: 'string' },
      ttl: { type: 'string' },
      'no-publish': { type: 'boolean' },
      'no-subscribe': { type: 'boolean' },
      'no-data': { type: 'boolean' },
      admin: { type: 'boolean' },
      'token-secret': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return TOKEN_USAGE;
  const secret = values['token-secret'] ?? env.TOKEN_SECRET;
  if (!secret) throw new ConfigError('token: a secret is needed: --token-secret <s> or TOKEN_SECRET');
  if (!values.room) throw new ConfigError('token: --room is required');
  if (!values.user) throw new ConfigError('token: --user is required');
  const ttl = values.ttl === undefined ? 3600 : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > 31_536_000) throw new ConfigError(`token: --ttl must be a whole number of seconds from 1 to 31536000, got '${values.ttl}'`);
  return mintAccessToken(secret, {
    room: values.room,
    user: values.user,
    ttlSeconds: ttl,
    now,
    grants: { publish: !values['no-publish'], subscribe: !values['no-subscribe'], data: !values['no-data'], admin: values.admin === true },
  });
}
