import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { closestName } from '../../src/closestName.js';
import { type FileValueKind, readConfigFile } from '../../src/configFile.js';
import { throwsConfigError } from './configHelpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kr-config-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` to a file called `name` in the temporary folder and returns its path. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const kinds = new Map<string, FileValueKind>([
  ['port', 'scalar'],
  ['host', 'scalar'],
  ['tls-cert', 'scalar'],
  ['max-rooms', 'scalar'],
  ['webhook-url', 'repeatable'],
  ['turn-url', 'repeatable'],
  ['allowed-origins', 'commaList'],
  ['ice-servers', 'json'],
]);

function rejects(path: string, message: string | RegExp): void {
  throwsConfigError(() => readConfigFile(path, kinds), message);
}

describe('config file', () => {
  it('turns YAML values into the strings the flags take', () => {
    const path = file(
      'all.yaml',
      [
        'port: 8443',
        'host: 127.0.0.1',
        'max-rooms: "50"',
        'webhook-url: https://a.example/hook',
        'turn-url: [turn:t.example:3478, turns:t.example:5349]',
        'allowed-origins:',
        '  - https://a.example',
        '  - https://b.example',
        'ice-servers:',
        '  - urls: stun:s.example',
        '  - {urls: [turn:t.example], username: u, credential: c}',
      ].join('\n'),
    );
    assert.deepEqual(
      readConfigFile(path, kinds),
      new Map<string, string | string[]>([
        ['port', '8443'],
        ['host', '127.0.0.1'],
        ['max-rooms', '50'],
        ['webhook-url', ['https://a.example/hook']],
        ['turn-url', ['turn:t.example:3478', 'turns:t.example:5349']],
        ['allowed-origins', 'https://a.example,https://b.example'],
        ['ice-servers', '[{"urls":"stun:s.example"},{"urls":["turn:t.example"],"username":"u","credential":"c"}]'],
      ]),
    );
  });

  it('reads JSON by the .json extension, and .yml as YAML; a boolean becomes its word', () => {
    const json = file('c.json', '{"port": 9000, "webhook-url": ["https://a.example/1", "https://a.example/2"], "ice-servers": "[{\\"urls\\":\\"stun:s\\"}]", "host": true}');
    assert.deepEqual(
      readConfigFile(json, kinds),
      new Map<string, string | string[]>([
        ['port', '9000'],
        ['webhook-url', ['https://a.example/1', 'https://a.example/2']],
        ['ice-servers', '[{"urls":"stun:s"}]'],
        ['host', 'true'],
      ]),
    );
    assert.deepEqual(readConfigFile(file('c.yml', 'port: 7000\n'), kinds), new Map([['port', '7000']]));
    assert.deepEqual(readConfigFile(file('empty.yaml', '# everything commented out\n'), kinds), new Map(), 'a YAML file of comments sets nothing');
  });

  it('rejects an unknown key, naming the file and the closest known key', () => {
    const typo = file('typo.yaml', 'prot: 8080\n');
    rejects(typo, `config file '${typo}': unknown option 'prot' (did you mean 'port'?)`);
    const envName = file('env.yaml', 'TLS_CERT: /x.pem\n');
    rejects(envName, `config file '${envName}': unknown option 'TLS_CERT' (did you mean 'tls-cert'?)`);
    const far = file('far.json', '{"colour": "blue"}');
    rejects(far, `config file '${far}': unknown option 'colour'`);
  });

  it('rejects a missing file, an unknown extension and a file that does not parse, naming the file and the line', () => {
    const missing = join(dir, 'nope.yaml');
    rejects(missing, new RegExp(`^config file '${missing}' cannot be read: ENOENT: no such file or directory`));
    const toml = file('c.toml', 'port = 1');
    rejects(toml, `config file '${toml}' must end in .json, .yaml or .yml (its format is told by its extension)`);
    const yaml = file('bad.yaml', 'port: 8080\nturn-url: [turn:a,\nhost: x\n');
    rejects(yaml, new RegExp(`^config file '${yaml}' line 3: Flow sequence in block collection must be sufficiently indented and end with a \\]$`));
    const dup = file('dup.yaml', 'port: 1\nhost: a\nport: 2\n');
    rejects(dup, `config file '${dup}' line 3: Map keys must be unique`);
    const json = file('bad.json', '{\n  "port": 8080,\n}\n');
    rejects(json, new RegExp(`^config file '${json}' line 3: .*JSON`));
    // No offset in the message: the end of the file is where the parser stopped.
    const truncated = file('cut.json', '{\n  "port":\n');
    rejects(truncated, new RegExp(`^config file '${truncated}' line 3: .*end of JSON input`));
  });

  it('rejects a file that is not a mapping, a key without a value and a value of the wrong shape', () => {
    const list = file('list.yaml', '- port: 1\n');
    rejects(list, `config file '${list}' must hold a mapping of option names to values (e.g. 'port: 8080'), got a list`);
    const nul = file('null.json', 'null');
    rejects(nul, `config file '${nul}' must hold a mapping of option names to values (e.g. 'port: 8080'), got nothing (null)`);
    const empty = file('empty.yaml', 'port:\n');
    rejects(empty, `config file '${empty}': 'port' has no value (remove the key to leave the option unset)`);
    const portList = file('port-list.yaml', 'port: [1, 2]\n');
    rejects(portList, `config file '${portList}': 'port' must be a string, number or boolean, got a list`);
    const nested = file('nested.yaml', 'host:\n  name: a\n');
    rejects(nested, `config file '${nested}': 'host' must be a string, number or boolean, got a mapping`);
    const deep = file('deep.yaml', 'webhook-url:\n  - https://a.example\n  - {url: https://b.example}\n');
    rejects(deep, `config file '${deep}': 'webhook-url' item 1 must be a string, got a mapping`);
    const turn = file('turn.json', '{"turn-url": {"a": 1}}');
    rejects(turn, `config file '${turn}': 'turn-url' must be a string or a list of strings, got a mapping`);
  });

  it('suggests a name only when it is one slip away', () => {
    const known = ['port', 'host', 'tls-cert', 'max-rooms', 'max-participants'];
    assert.equal(closestName('prot', known), 'port');
    assert.equal(closestName('max-room', known), 'max-rooms');
    assert.equal(closestName('MAX_PARTICIPANTS', known), 'max-participants');
    assert.equal(closestName('maxRooms', known), 'max-rooms');
    assert.equal(closestName('colour', known), undefined);
    assert.equal(closestName('x', known), undefined);
  });
});
