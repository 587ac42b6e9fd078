import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { OPTIONS, USAGE } from '../../src/config.js';
import { parseIceServers } from '../../src/ice/iceServers.js';
import { options, rejects } from './configHelpers.js';

describe('deployment flags', () => {
  it('--ice-udp-port / ICE_UDP_PORT and --ice-tcp-port / ICE_TCP_PORT set the shared ICE ports', () => {
    assert.deepEqual(options(['--ice-udp-port', '40000', '--ice-tcp-port', '40010', '--media-workers', '4']).media, { workers: 4, iceUdpPort: 40000, iceTcpPort: 40010 });
    assert.deepEqual(options([], { ICE_UDP_PORT: '0', ICE_TCP_PORT: '0' }).media, { iceUdpPort: 0, iceTcpPort: 0 });
    assert.deepEqual(options(['--ice-udp-port', '41000'], { ICE_UDP_PORT: '42000' }).media, { iceUdpPort: 41000 });
    // ICE-TCP goes with a range too: only the two ways of choosing UDP ports exclude each other.
    assert.deepEqual(options(['--ice-ports', '40000-40999', '--ice-tcp-port', '41000']).media, { icePortRange: [40000, 40999], iceTcpPort: 41000 });
    assert.deepEqual(options([]).media, {}, 'by default the engine shares a free UDP port per worker');
  });

  it('rejects a bad ICE port, a UDP port with a range, and ports past 65535 for the workers', () => {
    rejects(['--ice-udp-port', 'x'], {}, "--ice-udp-port must be an integer from 0 to 65535, got 'x'");
    rejects([], { ICE_TCP_PORT: '70000' }, "--ice-tcp-port must be an integer from 0 to 65535, got '70000' (from environment variable ICE_TCP_PORT)");
    rejects(['--ice-udp-port', '40000', '--ice-ports', '40000-40999'], {}, /^--ice-udp-port and --ice-ports exclude each other/);
    rejects(['--ice-udp-port', '65534', '--media-workers', '4'], {}, '--ice-udp-port 65534 with 4 media workers needs ports 65534 to 65537, past 65535');
    rejects(['--ice-tcp-port', '65535', '--media-workers', '2'], {}, '--ice-tcp-port 65535 with 2 media workers needs ports 65535 to 65536, past 65535');
    assert.deepEqual(options(['--ice-udp-port', '65535', '--media-workers', '1']).media, { workers: 1, iceUdpPort: 65535 });
  });

  it('--token-secret / TOKEN_SECRET sets the access-token secret', () => {
    assert.equal(options(['--token-secret', 'flag'], { TOKEN_SECRET: 'env' }).tokenSecret, 'flag');
    assert.equal(options([], { TOKEN_SECRET: 'env' }).tokenSecret, 'env');
    assert.equal(options([]).tokenSecret, undefined);
  });

  it('--webhook-url (repeatable) / WEBHOOK_URL (commas or spaces) and --webhook-secret / WEBHOOK_SECRET set the webhooks', () => {
    assert.deepEqual(options(['--webhook-url', 'https://a.example/hook', '--webhook-url', 'http://b.example:8080/x', '--webhook-secret', 's']).webhooks, {
      urls: ['https://a.example/hook', 'http://b.example:8080/x'],
      secret: 's',
    });
    assert.deepEqual(options([], { WEBHOOK_URL: 'https://a.example/1, https://a.example/2 https://a.example/3', WEBHOOK_SECRET: 'e' }).webhooks, {
      urls: ['https://a.example/1', 'https://a.example/2', 'https://a.example/3'],
      secret: 'e',
    });
    assert.deepEqual(options(['--webhook-url', 'https://flag.example/'], { WEBHOOK_URL: 'https://env.example/' }).webhooks, { urls: ['https://flag.example/'] });
    assert.equal(options([]).webhooks, undefined);
  });

  it('rejects webhook URLs that are not http(s), and a webhook secret without a URL', () => {
    rejects(['--webhook-url', 'ftp://a.example/x'], {}, "--webhook-url takes http:// or https:// URLs, e.g. https://app.example.com/hooks/rooms, got 'ftp://a.example/x'");
    rejects(['--webhook-url', 'app.example.com/hooks'], {}, /--webhook-url takes http:\/\/ or https:\/\/ URLs.*got 'app.example.com\/hooks'/);
    rejects([], { WEBHOOK_URL: 'https://ok.example/ nope' }, "--webhook-url takes http:// or https:// URLs, e.g. https://app.example.com/hooks/rooms, got 'nope' (from environment variable WEBHOOK_URL)");
    rejects([], { WEBHOOK_URL: ' , ' }, '--webhook-url needs at least one URL (from environment variable WEBHOOK_URL)');
    rejects(['--webhook-secret', 's'], {}, '--webhook-secret needs --webhook-url (WEBHOOK_URL): there is no URL to sign requests for');
    rejects([], { WEBHOOK_SECRET: 's' }, /--webhook-secret needs --webhook-url/);
  });

  it('--ice-servers / ICE_SERVERS sets the static ICE servers, checked by parseIceServers', () => {
    const json = '[{"urls":"stun:stun.example.com:3478"},{"urls":["turn:t.example.com"],"username":"u","credential":"c"}]';
    assert.deepEqual(options(['--ice-servers', json], { ICE_SERVERS: '[]' }).ice, { static: parseIceServers(json) });
    assert.deepEqual(options([], { ICE_SERVERS: '[{"urls":"stun:s.example"}]' }).ice, { static: [{ urls: 'stun:s.example' }] });
    assert.equal(options([]).ice, undefined, 'nothing configured: the join result carries no iceServers');
    // parseIceServers's RangeError becomes a ConfigError with the same message.
    for (const bad of ['[{"urls":', '{"urls":"stun:s"}', '[{"urls":"http://x"}]', '[{"urls":"stun:s","username":1}]']) {
      let expected = '';
      try {
        parseIceServers(bad);
      } catch (error) {
        assert.ok(error instanceof RangeError);
        expected = error.message;
      }
      assert.notEqual(expected, '', bad);
      rejects(['--ice-servers', bad], {}, expected);
      rejects([], { ICE_SERVERS: bad }, `${expected} (from environment variable ICE_SERVERS)`);
    }
  });

  it('--turn-url (repeatable) / TURN_URL, --turn-secret / TURN_SECRET and --turn-ttl / TURN_TTL set the TURN server', () => {
    assert.deepEqual(options(['--turn-url', 'turn:t.example.com:3478', '--turn-url', 'turns:t.example.com:5349', '--turn-secret', 's']).ice, {
      turn: { urls: ['turn:t.example.com:3478', 'turns:t.example.com:5349'], secret: 's', ttlSeconds: 86_400 },
    });
    assert.deepEqual(options([], { TURN_URL: 'turn:a.example,turns:a.example:5349 TURN:b.example?transport=tcp', TURN_SECRET: 'e', TURN_TTL: '600' }).ice, {
      turn: { urls: ['turn:a.example', 'turns:a.example:5349', 'TURN:b.example?transport=tcp'], secret: 'e', ttlSeconds: 600 },
    });
    assert.deepEqual(options(['--turn-ttl', '60', '--turn-secret', 'f'], { TURN_URL: 'turn:a.example', TURN_SECRET: 'e', TURN_TTL: '600' }).ice?.turn, { urls: ['turn:a.example'], secret: 'f', ttlSeconds: 60 });
    const both = options(['--ice-servers', '[{"urls":"stun:s.example"}]', '--turn-url', 'turn:t.example', '--turn-secret', 's']).ice;
    assert.deepEqual(both, { static: [{ urls: 'stun:s.example' }], turn: { urls: ['turn:t.example'], secret: 's', ttlSeconds: 86_400 } });
  });

  it('rejects TURN URLs of other schemes, a bad TTL, and each TURN setting without the others', () => {
    rejects(['--turn-url', 'stun:t.example', '--turn-secret', 's'], {}, "--turn-url takes turn: or turns: URLs, e.g. turn:turn.example.com:3478, got 'stun:t.example'");
    rejects(['--turn-url', 't.example.com:3478', '--turn-secret', 's'], {}, /--turn-url takes turn: or turns: URLs.*got 't.example.com:3478'/);
    rejects([], { TURN_URL: 'turn:ok.example, https://t.example', TURN_SECRET: 's' }, /got 'https:\/\/t.example' \(from environment variable TURN_URL\)$/);
    rejects(['--turn-url', 'turn:t.example'], {}, "--turn-url needs --turn-secret (TURN_SECRET): coturn's static-auth-secret, from which each client's credentials are derived");
    rejects([], { TURN_SECRET: 's' }, '--turn-secret needs --turn-url (TURN_URL): the TURN server clients are told about');
    rejects(['--turn-ttl', '600'], {}, '--turn-ttl needs --turn-url (TURN_URL) and --turn-secret (TURN_SECRET): it is the lifetime of their credentials');
    rejects(['--turn-url', 'turn:t.example', '--turn-secret', 's', '--turn-ttl', '0'], {}, "--turn-ttl must be an integer from 1 to 31536000, got '0'");
    rejects([], { TURN_URL: 'turn:t.example', TURN_SECRET: 's', TURN_TTL: 'a day' }, "--turn-ttl must be an integer from 1 to 31536000, got 'a day' (from environment variable TURN_TTL)");
  });

  it('an error in a value from the environment names the variable', () => {
    rejects([], { PORT: 'eighty' }, "--port must be an integer from 0 to 65535, got 'eighty' (from environment variable PORT)");
    rejects(['--port', 'eighty'], { PORT: '80' }, "--port must be an integer from 0 to 65535, got 'eighty'");
  });

  it('--help and the README list every option with its environment variable', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    // One entry per option: its line and the indented lines that continue it.
    const entries = USAGE.split(/\n(?=  -)/);
    for (const { flag, env } of OPTIONS) {
      const entry = entries.find((e) => e.startsWith(`  --${flag} <`));
      assert.ok(entry?.includes(`${env}`), `--${flag} with ${env} in --help`);
      assert.ok(readme.includes(`--${flag}`), `--${flag} in the README`);
      assert.ok(readme.includes(env), `${env} in the README`);
    }
  });
});
