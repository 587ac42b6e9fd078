/**
 * Where an option's value comes from. Precedence: the command line, then the environment, then
 * the config file (then the caller's default). The first source that has the option gives all of
 * it, lists included: a list is replaced, never merged, so what the command line says is what
 * runs. The source is kept so that an error can say where the bad value was written.
 */
import type { FileOptions } from './configFile.js';

export interface SourcedValue<T> {
  value: T;
  /** Where it was written, for error messages; undefined for the flag itself (the message names it already). */
  origin: string | undefined;
}

/** Items of a list value: separated by commas, spaces or both (`a,b`, `a b`, `a, b`). */
function splitList(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(/[\s,]+/)).filter((item) => item !== '');
}

export class OptionSources {
  constructor(
    private readonly flags: Readonly<Record<string, unknown>>,
    private readonly env: NodeJS.ProcessEnv,
    private readonly envNames: ReadonlyMap<string, string>,
    private readonly file?: { path: string; options: FileOptions },
  ) {}

  /** The value of a one-value option. An empty environment variable counts as unset, as `VAR=` in a shell means. */
  value(flag: string): SourcedValue<string> | undefined {
    const fromFlag = this.flags[flag];
    if (typeof fromFlag === 'string') return { value: fromFlag, origin: undefined };
    const envName = this.envName(flag);
    const fromEnv = this.env[envName];
    if (fromEnv) return { value: fromEnv, origin: `environment variable ${envName}` };
    const fromFile = this.file?.options.get(flag);
    if (typeof fromFile === 'string') return { value: fromFile, origin: this.fileOrigin(flag) };
    return undefined;
  }

  /** The items of a repeatable option: every occurrence of the flag, each split at commas and spaces like the environment variable and a file's string. */
  list(flag: string): SourcedValue<string[]> | undefined {
    const fromFlag = this.flags[flag];
    if (Array.isArray(fromFlag) && fromFlag.length > 0) return { value: splitList(fromFlag as string[]), origin: undefined };
    const envName = this.envName(flag);
    const fromEnv = this.env[envName];
    if (fromEnv) return { value: splitList([fromEnv]), origin: `environment variable ${envName}` };
    const fromFile = this.file?.options.get(flag);
    if (fromFile !== undefined) return { value: splitList(typeof fromFile === 'string' ? [fromFile] : fromFile), origin: this.fileOrigin(flag) };
    return undefined;
  }

  private envName(flag: string): string {
    const name = this.envNames.get(flag);
    if (name === undefined) throw new Error(`no option --${flag}`); // a programming error, not a user's
    return name;
  }

  private fileOrigin(flag: string): string {
    return `'${flag}' in config file '${this.file!.path}'`;
  }
}
