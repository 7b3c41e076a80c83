// redis.conf parsing and command-line overrides (`redoubt [file] [--directive value ...]`).
import { readFileSync } from 'node:fs';
import { splitArgs } from '../protocol/parser.js';
import { Config, ConfigError } from './config.js';

export interface LoadedConfig {
  config: Config;
  file: string | null;
  /** rename-command pairs in file order. */
  renames: [string, string][];
  /** Directives accepted but without effect in Redoubt, listed once at start-up. */
  noEffect: string[];
}

export class ConfigFileError extends Error {}

/** Builds the text Redis builds: the file's content, then each --directive as a line. */
export function loadConfig(args: string[]): LoadedConfig {
  let file: string | null = null;
  let rest = args;
  if (rest.length > 0 && !rest[0]!.startsWith('--')) {
    file = rest[0]!;
    rest = rest.slice(1);
  }
  const lines: { text: string; where: string }[] = [];
  if (file !== null) readInto(file, lines, 0);
  // Command-line: "--port 7000 --bind a b" becomes "port 7000" and "bind a b".
  let cur: string[] | null = null;
  const flushCur = () => {
    if (cur) lines.push({ text: cur.join(' '), where: 'command line' });
  };
  for (const a of rest) {
    if (a.startsWith('--')) {
      flushCur();
      cur = [a.slice(2)];
    } else if (cur) {
      cur.push(quote(a));
    } else {
      throw new ConfigFileError(`Invalid argument '${a}'`);
    }
  }
  flushCur();
  const config = new Config();
  const renames: [string, string][] = [];
  const noEffect = new Set<string>();
  for (const { text, where } of lines) {
    const argv = splitArgs(text);
    if (argv === null) throw new ConfigFileError(`${where}: Unbalanced quotes in configuration line`);
    if (argv.length === 0) continue;
    const name = argv[0]!.toLowerCase();
    try {
      if (name === 'rename-command') {
        if (argv.length !== 3) throw new ConfigError('wrong number of arguments');
        renames.push([argv[1]!, argv[2]!]);
        continue;
      }
      const def = config.def(name);
      if (def === undefined) throw new ConfigError('Bad directive or wrong number of arguments');
      if (def.noEffect) noEffect.add(def.name);
      config.set(name, argv.slice(1).join(' '));
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigFileError(`${where}: ${e.message} ('${text}')`);
      throw e;
    }
  }
  return { config, file, renames, noEffect: [...noEffect] };
}

function readInto(file: string, out: { text: string; where: string }[], depth: number): void {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    throw new ConfigFileError(`Fatal error, can't open config file '${file}': ${(e as Error).message}`);
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const argv = splitArgs(line);
    if (argv !== null && argv[0]?.toLowerCase() === 'include') {
      if (depth > 16) throw new ConfigFileError(`${file}:${i + 1}: include nesting too deep`);
      readInto(argv[1] ?? '', out, depth + 1);
      continue;
    }
    out.push({ text: line, where: `${file}:${i + 1}` });
  }
}

function quote(s: string): string {
  if (s !== '' && !/[\s"'\\]/.test(s)) return s;
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}
