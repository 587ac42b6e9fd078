import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseConfig, USAGE } from '../../src/config.js';
import { freeTcpPort } from '../../src/util/freePort.js';
import { options, rejects } from './configHelpers.js';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const exampleFile = fileURLToPath(new URL('../../../../docs/kurento-room.example.yaml', import.meta.url));
const readme = fileURLToPath(new URL('../../../../README.md', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kr-config-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('--config', () => {
  it('reads every kind of option from a YAML file (--config) or a JSON file (CONFIG_FILE)', () => {
    const yaml = file(
      'server.yaml',
      [
        'port: 8443',
        'host: 127.0.0.1',
        'log-level: warn',
        'grace-ms: 2000',
        'ice-ports: 40000-40100',
        'media-workers: 0',
        'allowed-origins: [https://a.example, "http://localhost:8080"]',
        'token-secret: tok',
        'webhook-url: https://app.example/hook',
        'webhook-secret: hook',
        'ice-servers: [{urls: "stun:s.example"}]',
        'turn-url: [turn:t.example:3478, turns:t.example:5349]',
        'turn-secret: turn',
        'turn-ttl: 600',
        'max-rooms: 5',
        'max-send-buffer: 1048576',
      ].join('\n'),
    );
    const fromYaml = options(['--config', yaml]);
    assert.equal(fromYaml.port, 8443);
    assert.equal(fromYaml.host, '127.0.0.1');
    assert.equal(fromYaml.logLevel, 'warn');
    assert.equal(fromYaml.reconnectionGraceMs, 2000);
    assert.deepEqual(fromYaml.media, { icePortRange: [40000, 40100], workers: 0 });
    assert.deepEqual(fromYaml.allowedOrigins, ['https://a.example', 'http://localhost:8080']);
    assert.equal(fromYaml.tokenSecret, 'tok');
    assert.deepEqual(fromYaml.webhooks, { urls: ['https://app.example/hook'], secret: 'hook' });
    assert.deepEqual(fromYaml.ice, { static: [{ urls: 'stun:s.example' }], turn: { urls: ['turn:t.example:3478', 'turns:t.example:5349'], secret: 'turn', ttlSeconds: 600 } });
    assert.deepEqual(fromYaml.limits, { rooms: 5, sendBufferBytes: 1_048_576 });

    const json = file('server.json', JSON.stringify({ port: 9443, 'webhook-url': ['https://a.example/1', 'https://a.example/2'], 'ice-servers': '[{"urls":"stun:j.example"}]', 'max-participants': '7' }));
    const fromJson = options([], { CONFIG_FILE: json });
    assert.equal(fromJson.port, 9443);
    assert.deepEqual(fromJson.webhooks, { urls: ['https://a.example/1', 'https://a.example/2'] });
    assert.deepEqual(fromJson.ice, { static: [{ urls: 'stun:j.example' }] });
    assert.deepEqual(fromJson.limits, { participantsPerRoom: 7 });
    assert.equal(options(['--config', yaml], { CONFIG_FILE: json }).port, 8443, '--config beats CONFIG_FILE');
  });

  it('precedence: flag, then environment variable, then file, then default, for a scalar and for lists', () => {
    const path = file('precedence.yaml', 'port: 7000\nturn-url: [turn:file.example, turns:file.example]\nturn-secret: file\nwebhook-url: https://file.example/\n');
    const config = ['--config', path];
    assert.equal(options([...config, '--port', '9000'], { PORT: '8000' }).port, 9000);
    assert.equal(options(config, { PORT: '8000' }).port, 8000);
    assert.equal(options(config, { PORT: '' }).port, 7000, 'an empty variable is unset');
    assert.equal(options([]).port, 8080);

    // A list from a higher source replaces the lower one's, it is not merged with it.
    assert.deepEqual(options([...config, '--turn-url', 'turn:flag.example'], { TURN_URL: 'turn:env.example' }).ice?.turn?.urls, ['turn:flag.example']);
    assert.deepEqual(options(config, { TURN_URL: 'turn:env1.example turn:env2.example' }).ice?.turn?.urls, ['turn:env1.example', 'turn:env2.example']);
    assert.deepEqual(options(config).ice?.turn, { urls: ['turn:file.example', 'turns:file.example'], secret: 'file', ttlSeconds: 86_400 });
    assert.deepEqual(options(config, { TURN_SECRET: 'env' }).ice?.turn?.secret, 'env');
    assert.deepEqual(options([...config, '--webhook-url', 'https://flag.example/'], { WEBHOOK_URL: 'https://env.example/' }).webhooks?.urls, ['https://flag.example/']);
    assert.deepEqual(options(config, { WEBHOOK_URL: 'https://env.example/' }).webhooks?.urls, ['https://env.example/']);
    assert.deepEqual(options(config).webhooks?.urls, ['https://file.example/']);
    assert.equal(options([]).webhooks, undefined);
  });

  it('a bad value in the file gets the same check as the flag, and the error names the key and the file', () => {
    const port = file('port.yaml', 'port: eighty\n');
    rejects(['--config', port], {}, `--port must be an integer from 0 to 65535, got 'eighty' (from 'port' in config file '${port}')`);
    assert.equal(options(['--config', port, '--port', '80']).port, 80, 'a flag over a bad file value: the file value is not used, so not checked');
    const turn = file('turn.yaml', 'turn-url: [turn:ok.example, stun:bad.example]\nturn-secret: s\n');
    rejects(['--config', turn], {}, `--turn-url takes turn: or turns: URLs, e.g. turn:turn.example.com:3478, got 'stun:bad.example' (from 'turn-url' in config file '${turn}')`);
    const ice = file('ice.json', '{"ice-servers": [{"urls": "http://x.example"}]}');
    rejects(['--config', ice], {}, `--ice-servers entry 0 needs 'urls': a stun:, stuns:, turn: or turns: URL or a list of them (from 'ice-servers' in config file '${ice}')`);
    const origins = file('origins.yaml', 'allowed-origins: [https://a.example/app]\n');
    rejects(['--config', origins], {}, `--allowed-origins takes origins (scheme://host[:port], no path), got 'https://a.example/app' (from 'allowed-origins' in config file '${origins}')`);
    const half = file('half.yaml', 'webhook-secret: s\n');
    rejects(['--config', half], {}, '--webhook-secret needs --webhook-url (WEBHOOK_URL): there is no URL to sign requests for');
  });

  it('errors of the file itself: unknown key, missing, unparsable', () => {
    const typo = file('typo.yaml', 'max-room: 3\n');
    rejects(['--config', typo], {}, `config file '${typo}': unknown option 'max-room' (did you mean 'max-rooms'?)`);
    for (const key of ['config', 'help']) {
      const path = file(`${key}.yaml`, `${key}: x\n`);
      rejects(['--config', path], {}, new RegExp(`^config file '${path}': unknown option '${key}'`));
    }
    rejects([], { CONFIG_FILE: join(dir, 'missing.yaml') }, /^config file '.*missing.yaml' cannot be read: ENOENT/);
    const bad = file('bad.yml', 'port: 1\nhost: x: y\n');
    rejects(['--config', bad], {}, `config file '${bad}' line 2: Nested mappings are not allowed in compact mappings`);
    rejects(['--config'], {}, /Option '--config <value>' argument missing/);
    assert.equal(parseConfig(['--help', '--config', join(dir, 'missing.yaml')], {}).help, true, '--help needs no valid file');
  });

  it('the example file in docs/ parses, yields the expected options, and is the one in the README', () => {
    const parsed = options(['--config', exampleFile], { TURN_SECRET: 'turn-secret', TOKEN_SECRET: 'token-secret' });
    assert.equal(parsed.host, '127.0.0.1');
    assert.equal(parsed.port, 8080);
    assert.equal(parsed.logLevel, 'info');
    assert.deepEqual(parsed.allowedOrigins, ['https://rooms.example.com']);
    assert.deepEqual(parsed.media, { iceUdpPort: 40000, iceTcpPort: 40000, iceAdditionalHostAddresses: ['127.0.0.1', '203.0.113.10'] });
    assert.deepEqual(parsed.ice, {
      static: [{ urls: 'stun:stun.example.com:3478' }],
      turn: { urls: ['turn:rooms.example.com:3478', 'turns:rooms.example.com:5349'], secret: 'turn-secret', ttlSeconds: 86_400 },
    });
    assert.deepEqual(parsed.webhooks, { urls: ['https://app.example.com/hooks/rooms'] });
    assert.equal(parsed.tokenSecret, 'token-secret');
    assert.deepEqual(parsed.limits, { rooms: 200, participantsPerRoom: 25 });
    assert.ok(readFileSync(readme, 'utf8').includes(`\`\`\`yaml\n${readFileSync(exampleFile, 'utf8')}\`\`\``), 'the README shows docs/kurento-room.example.yaml as it is');
  });

  it('the example in --help parses', () => {
    const example = USAGE.slice(USAGE.indexOf('Example (YAML):'))
      .split('\n')
      .filter((line) => line.startsWith('  '))
      .map((line) => line.slice(2))
      .join('\n');
    const parsed = options(['--config', file('help-example.yaml', example)], { TURN_SECRET: 's' });
    assert.equal(parsed.port, 8443);
    assert.deepEqual(parsed.tls, { cert: '/etc/kurento-room/fullchain.pem', key: '/etc/kurento-room/privkey.pem' });
    assert.deepEqual(parsed.ice?.turn?.urls, ['turn:turn.example.com:3478', 'turns:turn.example.com:5349']);
    assert.deepEqual(parsed.limits, { rooms: 50 });
    assert.ok(USAGE.includes('Precedence: flags, then environment\nvariables, then the config file, then the defaults'));
    assert.match(USAGE, /--config <file> .*\(CONFIG_FILE\)/);
    assert.ok(readFileSync(readme, 'utf8').includes('**flags, then environment variables, then the config file, then the\ndefaults**'));
    assert.ok(readFileSync(readme, 'utf8').includes('`--config FILE` (`CONFIG_FILE`)'));
  });

  it('the command line listens on the port of the file, and exits 2 naming a bad file', async () => {
    const port = await freeTcpPort();
    const path = file('listen.yaml', `port: ${port}\nhost: 127.0.0.1\nmedia-workers: 0\nlog-level: info\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', cli, '--config', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let err = '';
    const listening = await new Promise<{ url: string }>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const line = err.split('\n').find((l) => l.startsWith('{') && l.includes('"msg":"listening"'));
        if (line) resolve(JSON.parse(line) as { url: string });
      });
      child.on('exit', () => reject(new Error(`exited before listening: ${err}`)));
    });
    assert.equal(new URL(listening.url).port, String(port));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);

    const typo = file('typo-cli.yaml', 'prot: 1\n');
    const out = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', cli], { env: { ...process.env, CONFIG_FILE: typo } });
    assert.equal(out.status, 2);
    assert.match(out.stderr.toString(), new RegExp(`^config file '${typo}': unknown option 'prot' \\(did you mean 'port'\\?\\)\\n\\nUsage:`));
  });
});
