// Live configuration values, typed by the config table: parsing with Redis's error texts, the
// form CONFIG GET prints, and change listeners.
import { statSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_TABLE, type ConfigDef } from './schema.js';
import { parseAllowFrom } from '../security/allow-list.js';

/** bool for yes/no, number for int/memory (a percentage is stored negated), string otherwise. */
export type ConfigValue = string | number | boolean;

export class ConfigError extends Error {}

const ULLMAX = 18446744073709551615n;

const UNITS: Record<string, bigint> = {
  '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000n ** 2n, mb: 1024n ** 2n, g: 1000n ** 3n, gb: 1024n ** 3n,
};

/** Redis's memtoull: "10", "010", "10k", "10kb", "1GB" (units case-insensitive); null when malformed. */
export function parseMemoryBig(s: string): bigint | null {
  // As strtoull: "" is 0 and a value too large saturates at 2^64-1.
  const m = /^(\d*)([a-z]*)$/i.exec(s);
  if (!m || (m[1] === '' && m[2] !== '')) return null;
  const mul = UNITS[m[2]!.toLowerCase()];
  if (mul === undefined) return null;
  const n = BigInt(m[1] === '' ? '0' : m[1]!) * mul;
  return n > ULLMAX ? ULLMAX : n;
}


/** As parseMemoryBig, as a JS number (values past 2^53 lose precision). */
export function parseMemory(s: string): number | null {
  const n = parseMemoryBig(s);
  return n === null ? null : Number(n);
}

/** Redis's string2ll: optional minus, no leading zeros, no "+", no spaces, 64-bit. */
function parseStrictInt(s: string): bigint | null {
  if (!/^(0|-?[1-9]\d{0,18})$/.test(s)) return null;
  const n = BigInt(s);
  return n > 9223372036854775807n || n < -9223372036854775808n ? null : n;
}

const ENUM_SYNONYMS: Record<string, Record<string, string>> = {
  // "relative" is the same setting as "yes"; Redis prints the first name, "yes".
  'oom-score-adj': { relative: 'yes' },
  // Printed as Valkey and Redis 8.6 spell it.
  'tls-auth-clients-user': { cn: 'CN' },
};

/** Parses one directive's value; throws ConfigError with Redis's wording. `current` is the value now. */
export function parseValue(def: ConfigDef, raw: string, current?: ConfigValue): ConfigValue {
  switch (def.kind) {
    case 'bool': {
      const v = raw.toLowerCase();
      if (v === 'no') return false;
      if (v !== 'yes') throw new ConfigError("argument must be 'yes' or 'no'");
      if (def.name === 'activedefrag') {
        // As a redis-server built without its bundled jemalloc (Debian's) answers.
        throw new ConfigError(
          'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution',
        );
      }
      return true;
    }
    case 'int': {
      const n = parseStrictInt(raw);
      if (n === null) throw new ConfigError("argument couldn't be parsed into an integer");
      checkRange(def, n);
      return adjust(def.name, Number(n));
    }
    case 'memory': {
      if (def.percent && /^\d+%$/.test(raw)) {
        const p = parseStrictInt(raw.slice(0, -1));
        if (p === null) throw new ConfigError('argument must be a memory or percent value');
        if (p > 100n) throw new ConfigError('percentage argument must be less or equal to 100');
        return -Number(p);
      }
      let n = parseMemoryBig(raw);
      if (n === null) throw new ConfigError(def.percent ? 'argument must be a memory or percent value' : 'argument must be a memory value');
      // Redis keeps a percentage as a negative number: a value past 2^63 wraps into one.
      if (def.percent && n > 9223372036854775807n) n -= 18446744073709551616n;
      if (def.percent && n < 0n) return Number(n);
      checkRange(def, n);
      return adjust(def.name, Number(n));
    }
    case 'enum': {
      const w = raw.toLowerCase();
      if (!def.values!.includes(w)) throw new ConfigError(`argument(s) must be one of the following: ${def.values!.join(', ')}`);
      return ENUM_SYNONYMS[def.name]?.[w] ?? w;
    }
    case 'string':
      STRING_CHECKS[def.name]?.(raw);
      return raw;
    case 'special': {
      const parse = SPECIAL[def.name];
      if (parse === undefined) throw new Error(`no parser for special config ${def.name}`);
      return parse(raw, typeof current === 'string' ? current : def.default);
    }
  }
}

/** Values Redis accepts but moves into a working range. */
function adjust(name: string, n: number): number {
  if (name === 'hz') return Math.min(500, Math.max(1, n));
  if (name === 'repl-backlog-size') return Math.max(16384, n);
  if (name === 'watchdog-period' && n > 0) return Math.max(200, n);
  return n;
}

const TITLE_VARS = new Set(['title', 'listen-addr', 'server-mode', 'port', 'tls-port', 'unixsocket', 'config-file']);

/** A name without a directory part (no '/' or '\\'), as Redis's pathIsBaseName. */
function isBaseName(p: string): boolean {
  return !p.includes('/') && !p.includes('\\');
}

/** Checks of free-text directives, with Redis's refusals. */
const STRING_CHECKS: Record<string, (raw: string) => void> = {
  'proc-title-template'(raw) {
    const bad = () => new ConfigError('template format is invalid or contains unknown variables');
    if (raw === '') throw bad();
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] === '}') throw bad();
      if (raw[i] !== '{') continue;
      const end = raw.indexOf('}', i);
      if (end < 0 || !TITLE_VARS.has(raw.slice(i + 1, end))) throw bad();
      i = end;
    }
  },
  // As Redis: these name a file (or directory) inside `dir`, never a path elsewhere.
  dbfilename(raw) {
    if (!isBaseName(raw)) throw new ConfigError("dbfilename can't be a path, just a filename");
  },
  appendfilename(raw) {
    if (!isBaseName(raw)) throw new ConfigError("appendfilename can't be a path, just a filename");
  },
  appenddirname(raw) {
    if (!isBaseName(raw)) throw new ConfigError("appenddirname can't be a path, just a dirname");
  },
  'cluster-announce-hostname'(raw) {
    if (!/^[A-Za-z0-9.-]*$/.test(raw)) throw new ConfigError('Hostnames may only contain alphanumeric characters, hyphens or dots');
  },
};

function checkRange(def: ConfigDef, n: bigint): void {
  if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
    throw new ConfigError(`argument must be between ${def.min} and ${def.max} inclusive`);
  }
}

/** How CONFIG GET shows a value. */
export function formatValue(def: ConfigDef, v: ConfigValue): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (def.kind === 'memory' && def.percent && typeof v === 'number' && v < 0) return `${-v}%`;
  // The stored form keeps 'n' after 'A'; Redis does not print it there (but still sends the events).
  if (def.name === 'notify-keyspace-events' && typeof v === 'string' && v.startsWith('An')) return 'A' + v.slice(2);
  return String(v);
}

// ---- special directives -----------------------------------------------------------------------

type SpecialParser = (raw: string, current: string) => string;

/** Redis splits these values on single spaces: "1  2" has an empty word and is refused. */
function words(raw: string): string[] {
  return raw === '' ? [] : raw.split(' ');
}

const OBL_CLASSES: Record<string, number> = { normal: 0, replica: 1, slave: 1, pubsub: 2 };
const OBL_NAMES = ['normal', 'slave', 'pubsub'];

/** notify-keyspace-events: each character's bit, in the order Redis prints them. */
const NOTIFY_CHARS = 'g$lshzxetdn';
const NOTIFY_ALL = 'g$lshzxetd';

const SHUTDOWN_WORDS = ['default', 'save', 'nosave', 'now', 'force'];

const SPECIAL: Record<string, SpecialParser> = {
  save(raw) {
    const w = words(raw);
    if (w.length % 2 !== 0) throw new ConfigError('Invalid save parameters');
    const out: string[] = [];
    for (const t of w) {
      const n = parseStrictInt(t);
      if (n === null || n < 0n) throw new ConfigError('Invalid save parameters');
      out.push(String(n));
    }
    return out.join(' ');
  },
  bind(raw) {
    const w = raw.split(/\s+/).filter(Boolean);
    if (w.length > 16) throw new ConfigError('Too many bind addresses specified.');
    return w.join(' ');
  },
  'client-output-buffer-limit'(raw, current) {
    const w = raw.split(/\s+/).filter(Boolean);
    if (w.length % 4 !== 0) throw new ConfigError('Wrong number of arguments in buffer limit configuration.');
    const cur = current.split(' ');
    for (let i = 0; i < w.length; i += 4) {
      const cls = OBL_CLASSES[w[i]!.toLowerCase()];
      if (cls === undefined) throw new ConfigError('Invalid client class specified in buffer limit configuration.');
      const hard = parseMemoryBig(w[i + 1]!);
      const soft = parseMemoryBig(w[i + 2]!);
      const secs = parseStrictInt(w[i + 3]!);
      if (hard === null || soft === null || secs === null || secs < 0n) {
        throw new ConfigError('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
      }
      cur[cls * 4 + 1] = String(hard);
      cur[cls * 4 + 2] = String(soft);
      cur[cls * 4 + 3] = String(secs);
    }
    return cur.join(' ');
  },
  'notify-keyspace-events'(raw) {
    const set = new Set<string>();
    for (const c of raw) {
      if (c === 'A') for (const a of NOTIFY_ALL) set.add(a);
      else if (NOTIFY_CHARS.includes(c) || c === 'K' || c === 'E' || c === 'm') set.add(c);
      else throw new ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    }
    let out = '';
    if ([...NOTIFY_ALL].every((c) => set.has(c))) out = set.has('n') ? 'An' : 'A';
    else for (const c of NOTIFY_CHARS) if (set.has(c)) out += c;
    if (set.has('K')) out += 'K';
    if (set.has('E')) out += 'E';
    if (set.has('m')) out += 'm';
    return out;
  },
  'oom-score-adj-values'(raw) {
    const w = words(raw);
    if (w.length !== 3) throw new ConfigError('wrong number of arguments');
    const out: string[] = [];
    for (const t of w) {
      const n = parseStrictInt(t);
      if (n === null || n < -2000n || n > 2000n) throw new ConfigError('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
      out.push(String(n));
    }
    return out.join(' ');
  },
  'latency-tracking-info-percentiles'(raw) {
    const out: string[] = [];
    for (const t of raw.split(/\s+/).filter(Boolean)) {
      const n = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : NaN;
      if (!Number.isFinite(n)) throw new ConfigError('Invalid latency-tracking-info-percentiles parameters');
      if (n < 0 || n > 100) throw new ConfigError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
      out.push(String(n));
    }
    return out.join(' ');
  },
  replicaof(raw) {
    if (raw === '') return '';
    const w = raw.split(/\s+/).filter(Boolean);
    if (w.length !== 2) throw new ConfigError('wrong number of arguments');
    if (w[0]!.toLowerCase() === 'no' && w[1]!.toLowerCase() === 'one') return '';
    const port = parseStrictInt(w[1]!);
    if (port === null || port < 0n || port > 65535n) throw new ConfigError('Invalid master port');
    return `${w[0]} ${port}`;
  },
  dir(raw) {
    const abs = path.resolve(raw);
    let st;
    try {
      st = statSync(abs);
    } catch {
      throw new ConfigError('No such file or directory');
    }
    if (!st.isDirectory()) throw new ConfigError('Not a directory');
    return abs;
  },
  'allow-from'(raw) {
    const r = parseAllowFrom(raw);
    if (!r.ok) throw new ConfigError(r.error);
    return r.value;
  },
  unixsocketperm(raw) {
    if (!/^[0-7]+$/.test(raw) || parseInt(raw, 8) > 0o777) throw new ConfigError("argument couldn't be parsed as an octal number");
    return parseInt(raw, 8).toString(8);
  },
  'shutdown-on-sigterm': parseShutdownFlags,
  'shutdown-on-sigint': parseShutdownFlags,
};

function parseShutdownFlags(raw: string): string {
  const set = new Set<string>();
  for (const w of raw.toLowerCase().split(/\s+/).filter(Boolean)) {
    if (!SHUTDOWN_WORDS.includes(w)) throw new ConfigError(`argument(s) must be one of the following: ${SHUTDOWN_WORDS.join(', ')}`);
    set.add(w);
  }
  if (set.size === 0) throw new ConfigError(`argument(s) must be one of the following: ${SHUTDOWN_WORDS.join(', ')}`);
  if (set.has('save') && set.has('nosave')) throw new ConfigError("shutdown options SAVE and NOSAVE can't be used simultaneously");
  const out = SHUTDOWN_WORDS.filter((w) => w !== 'default' && set.has(w));
  return out.length === 0 ? 'default' : out.join(' ');
}

/** The client-output-buffer-limit classes, as CONFIG REWRITE writes them. */
export const OUTPUT_BUFFER_CLASSES = OBL_NAMES;

// ---- the live values --------------------------------------------------------------------------

export class Config {
  /** Every name and alias (lower case) to its definition. */
  readonly defs = new Map<string, ConfigDef>();
  /** Canonical definitions, table order. */
  readonly table: readonly ConfigDef[];
  private readonly values = new Map<string, ConfigValue>();
  /** The current value by every accepted name (canonical and aliases): one Map access per read. */
  private readonly cells = new Map<string, { value: ConfigValue }>();
  private readonly defaults = new Map<string, ConfigValue>();
  private readonly listeners = new Map<string, ((v: ConfigValue) => void)[]>();

  constructor(table: readonly ConfigDef[] = CONFIG_TABLE) {
    this.table = table;
    for (const def of table) {
      this.defs.set(def.name, def);
      for (const a of def.aliases ?? []) this.defs.set(a, def);
      const v = parseValue(def, def.default);
      const cell = { value: v };
      this.cells.set(def.name, cell);
      for (const a of def.aliases ?? []) this.cells.set(a, cell);
      this.values.set(def.name, v);
      this.defaults.set(def.name, v);
    }
  }

  def(name: string): ConfigDef | undefined {
    // Handlers read settings by their lower-case name on hot paths: try that before lower-casing.
    return this.defs.get(name) ?? this.defs.get(name.toLowerCase());
  }

  get(name: string): ConfigValue {
    const cell = this.cells.get(name) ?? this.cells.get(name.toLowerCase());
    if (cell === undefined) throw new Error(`unknown config ${name}`);
    return cell.value;
  }

  private store(def: ConfigDef, v: ConfigValue): void {
    this.values.set(def.name, v);
    this.cells.get(def.name)!.value = v;
  }

  num(name: string): number {
    return this.get(name) as number;
  }

  bool(name: string): boolean {
    return this.get(name) as boolean;
  }

  str(name: string): string {
    return this.get(name) as string;
  }

  /** The value as CONFIG GET prints it. */
  display(name: string): string {
    const def = this.def(name)!;
    return formatValue(def, this.values.get(def.name)!);
  }

  /** The default value (parsed). */
  defaultOf(def: ConfigDef): ConfigValue {
    return this.defaults.get(def.name)!;
  }

  isDefault(def: ConfigDef): boolean {
    return this.values.get(def.name) === this.defaults.get(def.name);
  }

  /** Parses a value for `name` without setting it; throws ConfigError. */
  parse(name: string, raw: string): ConfigValue {
    const def = this.def(name);
    if (def === undefined) throw new ConfigError('Bad directive or wrong number of arguments');
    return parseValue(def, raw, this.values.get(def.name));
  }

  /** Sets a parsed value and tells listeners. Validation is the caller's (parse). */
  setValue(name: string, v: ConfigValue): void {
    const def = this.def(name)!;
    this.store(def, v);
    for (const l of this.listeners.get(def.name) ?? []) l(v);
  }

  /** Sets without telling listeners (CONFIG SET's first phase, start-up loading). */
  setQuiet(name: string, v: ConfigValue): void {
    this.store(this.def(name)!, v);
  }

  /** Tells the listeners of `name` its current value (CONFIG SET's apply phase). */
  notify(name: string): void {
    const def = this.def(name)!;
    const v = this.values.get(def.name)!;
    for (const l of this.listeners.get(def.name) ?? []) l(v);
  }

  /** Parses and sets; throws ConfigError. */
  set(name: string, raw: string): void {
    this.setValue(name, this.parse(name, raw));
  }

  onChange(name: string, listener: (v: ConfigValue) => void): void {
    const def = this.def(name)!;
    const list = this.listeners.get(def.name) ?? [];
    list.push(listener);
    this.listeners.set(def.name, list);
  }

  /**
   * Numeric directives kept current in `into` (field -> directive name): each field gets the
   * directive's value now and every time CONFIG SET changes it. Returns `into`.
   */
  follow<K extends string, T extends Record<K, number>>(into: T, fields: Readonly<Record<K, string>>): T {
    for (const field of Object.keys(fields) as K[]) {
      const name = fields[field];
      (into as Record<K, number>)[field] = this.num(name);
      this.onChange(name, (v) => ((into as Record<K, number>)[field] = v as number));
    }
    return into;
  }
}
