// redis.conf parsing and command-line overrides (`redoubt [file] [--directive value ...]`), with
// Redis's rules: sdssplitargs quoting, include (with globs), `save` lines accumulating, the
// command line read after the file, and a refusal naming file:line, the line and the reason.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { splitArgs } from '../protocol/parser.js';
import { globMatch } from '../store/glob.js';
import { Config, ConfigError } from './config.js';
import { DEPRECATED_DIRECTIVES } from './schema.js';

/** Where a directive came from: "file:line" or "command line". */
export interface Origin {
  where: string;
  text: string;
  /**
   * Several words may make one value of a one-argument directive (joined by a space): the values
   * a caller gives the embedding API's `config` object, which have always been read so
   * (`requirepass: 'a b'`); the paths the API writes itself are quoted. redis.conf and the
   * command line count as Redis does.
   */
  joinWords?: true;
}

export interface LoadedConfig {
  config: Config;
  /** The main config file, absolute, or null. */
  file: string | null;
  /** rename-command pairs in file order. */
  renames: { from: string; to: string; origin: Origin }[];
  /** `user` lines (arguments after the word "user"), for the ACL layer. */
  users: { args: string[]; origin: Origin }[];
  /** Directives accepted but without effect in Redoubt, listed once at start-up. */
  noEffect: string[];
}

/** A refusal to start: printed as Redis prints a fatal config error. */
export class ConfigFileError extends Error {
  constructor(
    readonly reason: string,
    readonly origin: Origin | null = null,
  ) {
    super(origin ? `${origin.where}: ${reason} (${origin.text})` : reason);
  }

  /** Redis's layout: where, ">>> 'line'", then the reason. */
  report(): string {
    if (this.origin === null) return this.reason;
    return `Reading the configuration file, at ${this.origin.where}\n>>> '${this.origin.text}'\n${this.reason}`;
  }
}

const MAX_INCLUDE_DEPTH = 16;

/** Parses argv (after the program name) into a Config. Throws ConfigFileError. */
export function loadConfig(args: string[], stdin: () => string = () => readFileSync(0, 'latin1')): LoadedConfig {
  let file: string | null = null;
  let rest = args;
  // "-" as the first or the last argument: config lines from standard input, read after the file
  // and before the command-line options (as redis-server reads them).
  let fromStdin = false;
  if (rest[0] === '-') {
    fromStdin = true;
    rest = rest.slice(1);
  } else if (rest.length > 1 && rest[rest.length - 1] === '-') {
    fromStdin = true;
    rest = rest.slice(0, -1);
  }
  if (rest.length > 0 && !rest[0]!.startsWith('--')) {
    file = path.resolve(rest[0]!);
    rest = rest.slice(1);
  }
  const lines: Origin[] = [];
  if (file !== null) readInto(file, lines, 0, null);
  if (fromStdin) splitInto(stdin(), 'stdin', lines, 0, path.resolve('.'));
  lines.push(...commandLineLines(rest));
  return applyLines(lines, file);
}

/**
 * A config file (or none) followed by whole config lines, as redis.conf writes them (the embedding
 * API's `config` object); `where` labels those lines in errors. Throws ConfigFileError.
 */
export function loadConfigLines(file: string | null, texts: readonly string[], where: string): LoadedConfig {
  const lines: Origin[] = [];
  const abs = file === null ? null : path.resolve(file);
  if (abs !== null) readInto(abs, lines, 0, null);
  for (const text of texts) lines.push({ text, where, joinWords: true });
  return applyLines(lines, abs);
}

/** Parses a config text (tests, --test-config of a string); `name` labels its lines. */
export function loadConfigText(text: string, name = 'config'): LoadedConfig {
  const lines: Origin[] = [];
  splitInto(text, name, lines, 0, path.resolve('.'));
  return applyLines(lines, null);
}

/**
 * "--port 7000 --bind a b" becomes the lines "port 7000" and "bind a b" (values quoted), read as
 * redis-server reads its arguments: an argument starting with "--" names a new directive only once
 * the previous one has a value, so "--port --loglevel verbose" is the line `port "--loglevel"
 * "verbose"`; a bare --save followed by another option or last means --save ""; "--name value" in
 * one argument is taken as written; values before any option open the first line.
 */
function commandLineLines(rest: string[]): Origin[] {
  const out: Origin[] = [];
  let cur: string[] = [];
  /** The directive being collected has a value (or none is open). */
  let hasValue = true;
  const flush = () => {
    if (cur.length > 0) out.push({ text: cur.join(' '), where: 'command line' });
    cur = [];
  };
  for (let j = 0; j < rest.length; j++) {
    const a = rest[j]!;
    if (hasValue && a.startsWith('--')) {
      flush();
      cur = [a.slice(2)];
      hasValue = (splitArgs(a) ?? []).length > 1;
      if (!hasValue && a.toLowerCase() === '--save' && (j === rest.length - 1 || rest[j + 1]!.startsWith('--'))) {
        cur.push('""');
        hasValue = true;
      }
    } else {
      cur.push(quote(a));
      hasValue = true;
    }
  }
  flush();
  return out;
}

function applyLines(lines: Origin[], file: string | null): LoadedConfig {
  const config = new Config();
  const renames: LoadedConfig['renames'] = [];
  const users: LoadedConfig['users'] = [];
  const noEffect = new Set<string>();
  /** Directives whose lines accumulate, once seen in this load (the first line replaces the default). */
  const seen = new Set<string>();
  for (const origin of lines) {
    const argv = splitArgs(origin.text);
    if (argv === null) throw new ConfigFileError('Unbalanced quotes in configuration line', origin);
    if (argv.length === 0) continue;
    const name = argv[0]!.toLowerCase();
    try {
      switch (name) {
        case 'rename-command':
          if (argv.length !== 3) throw new ConfigError('wrong number of arguments');
          renames.push({ from: argv[1]!, to: argv[2]!, origin });
          continue;
        case 'user':
          if (argv.length < 2) throw new ConfigError('wrong number of arguments');
          users.push({ args: argv.slice(1), origin });
          continue;
        case 'loadmodule':
          throw new ConfigError('Redoubt does not load modules (loadmodule is not supported)');
        case 'sentinel':
          throw new ConfigError('sentinel directives need sentinel mode, which Redoubt does not provide');
        case 'include':
          // Reached only from the command line; file includes are expanded while reading.
          throw new ConfigError('include is only allowed in a config file');
      }
      if (DEPRECATED_DIRECTIVES.has(name)) continue;
      const def = config.def(name);
      if (def === undefined) throw new ConfigError('Bad directive or wrong number of arguments');
      // As Redis counts: replicaof takes host and port, a multi-argument directive any number
      // (its own parser judges them, a bare `save` is accepted), the others exactly one.
      const argsOk = def.name === 'replicaof' ? argv.length === 3 : def.multiArg === true || argv.length === 2 || (origin.joinWords === true && argv.length > 2);
      if (!argsOk) throw new ConfigError('wrong number of arguments');
      if (def.noEffect) noEffect.add(def.name);
      const raw = argv.slice(1).join(' ');
      if (def.name === 'save') {
        // Each save line adds its points; the first replaces the default; `save ""` clears them.
        // A bare `save` adds nothing: as the first line it leaves no save points, after others
        // it keeps theirs (Redis 7.0.15's reading).
        const prev = seen.has('save') ? config.str('save') : '';
        seen.add('save');
        if (argv.length === 1) {
          config.setQuiet('save', prev);
          continue;
        }
        const add = config.parse('save', raw);
        config.setQuiet('save', add === '' ? '' : prev === '' ? add : `${prev} ${add}`);
        continue;
      }
      // Several words are one value (bind a b, client-output-buffer-limit normal 0 0 0).
      config.setQuiet(def.name, config.parse(def.name, raw));
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigFileError(e.message, origin);
      throw e;
    }
  }
  return { config, file, renames, users, noEffect: [...noEffect] };
}

function readInto(file: string, out: Origin[], depth: number, from: Origin | null): void {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    const msg = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message;
    throw new ConfigFileError(`Fatal error, can't open config file '${file}': ${msg}`, from);
  }
  splitInto(text, file, out, depth, path.dirname(file));
}

function splitInto(text: string, file: string, out: Origin[], depth: number, _base: string): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const origin = { text: line, where: `${file}:${i + 1}` };
    const argv = splitArgs(line);
    if (argv !== null && argv[0]?.toLowerCase() === 'include') {
      if (argv.length !== 2) throw new ConfigFileError('Bad directive or wrong number of arguments', origin);
      if (depth >= MAX_INCLUDE_DEPTH) throw new ConfigFileError('include nesting too deep (a file includes itself?)', origin);
      for (const f of expandInclude(argv[1]!, origin)) readInto(f, out, depth + 1, origin);
      continue;
    }
    out.push(origin);
  }
}

/**
 * An include path, as Redis resolves it: relative to the working directory; a glob in the file
 * name (not in directories) matches the files of that directory in name order, and may match none.
 */
function expandInclude(pattern: string, origin: Origin): string[] {
  const abs = path.resolve(pattern);
  const base = path.basename(abs);
  if (!/[*?[]/.test(base)) return [abs];
  const dir = path.dirname(abs);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new ConfigFileError(`Fatal error, can't open config directory '${dir}': ${(e as Error).message}`, origin);
  }
  return names
    .filter((n) => globMatch(base, n))
    .sort()
    .map((n) => path.join(dir, n));
}

/**
 * Quotes a value as one config-line argument (the command line's values, as Redis does before
 * parsing them; the paths the embedding API writes).
 */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 32 || c === 127) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}
