/**
 * `--config FILE`: the server's options from a JSON or YAML file, each key spelled as its flag
 * without the dashes (`port`, `tls-cert`, `webhook-url`). A file value is turned into the very
 * strings the flag would have been given, so that it goes through the same checks as one typed
 * on the command line (config.ts): there is one parser per option, not one per source.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { closestName } from './closestName.js';
import { ConfigError } from './configError.js';

/** How a key's value in the file becomes flag values. */
export type FileValueKind =
  /** One value: a string, a number or a boolean. */
  | 'scalar'
  /** A flag that may be repeated: one value or a list of them. */
  | 'repeatable'
  /** One flag value holding a comma-separated list (`allowed-origins`): a list is joined with commas. */
  | 'commaList'
  /** One flag value holding JSON (`ice-servers`): anything but a string is written back as JSON. */
  | 'json';

/** A file's options: key -> the flag value, or the values of a repeatable flag. */
export type FileOptions = Map<string, string | string[]>;

/** Reads and checks `path` against the known keys; every problem is a ConfigError naming the file. */
export function readConfigFile(path: string, kinds: ReadonlyMap<string, FileValueKind>): FileOptions {
  const ext = extname(path).toLowerCase();
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml') throw new ConfigError(`config file '${path}' must end in .json, .yaml or .yml (its format is told by its extension)`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`config file '${path}' cannot be read: ${(error as Error).message}`);
  }
  const data = ext === '.json' ? parseJson(path, text) : parseYaml(path, text);
  // A YAML file with everything commented out holds nothing: it sets no option.
  if (data === null && ext !== '.json') return new Map();
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(`config file '${path}' must hold a mapping of option names to values (e.g. 'port: 8080'), got ${describe(data)}`);
  }
  const options: FileOptions = new Map();
  for (const [key, value] of Object.entries(data)) {
    const kind = kinds.get(key);
    if (kind === undefined) {
      const near = closestName(key, kinds.keys());
      throw new ConfigError(`config file '${path}': unknown option '${key}'${near ? ` (did you mean '${near}'?)` : ''}`);
    }
    options.set(key, flagValue(path, key, kind, value));
  }
  return options;
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = (error as Error).message;
    // Node 20 tells only the character offset; the line is what an editor goes to.
    const at = /at position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : /end of JSON input/.test(message) ? text.length : undefined;
    const line = offset === undefined ? '' : ` line ${text.slice(0, offset).split('\n').length}`;
    throw new ConfigError(`config file '${path}'${line}: ${message}`);
  }
}

function parseYaml(path: string, text: string): unknown {
  const doc = parseDocument(text);
  const error = doc.errors[0];
  if (error) {
    // The yaml package appends " at line L, column C:" and a code excerpt; keep the line in front.
    const line = error.linePos ? ` line ${error.linePos[0].line}` : '';
    throw new ConfigError(`config file '${path}'${line}: ${error.message.split(/ at line \d+/)[0]}`);
  }
  return doc.toJS() as unknown;
}

type Scalar = string | number | boolean;

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean';
}

function flagValue(path: string, key: string, kind: FileValueKind, value: unknown): string | string[] {
  const where = `config file '${path}': '${key}'`;
  if (value === null || value === undefined) throw new ConfigError(`${where} has no value (remove the key to leave the option unset)`);
  if (kind === 'json') return typeof value === 'string' ? value : JSON.stringify(value);
  if (isScalar(value)) return kind === 'repeatable' ? [String(value)] : String(value);
  if (Array.isArray(value) && kind !== 'scalar') {
    const bad = value.findIndex((item) => !isScalar(item));
    if (bad >= 0) throw new ConfigError(`${where} item ${bad} must be a string, got ${describe(value[bad])}`);
    const items = value.map(String);
    return kind === 'repeatable' ? items : items.join(',');
  }
  const takes = kind === 'scalar' ? 'a string, number or boolean' : 'a string or a list of strings';
  throw new ConfigError(`${where} must be ${takes}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}
