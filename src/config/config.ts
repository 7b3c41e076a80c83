// Live configuration values, typed by the config table.
import { CONFIG_TABLE, type ConfigDef } from './schema.js';

export type ConfigValue = string | number | boolean;

const UNITS: Record<string, number> = {
  k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3,
};

/** Redis's memtoull: "10", "10k", "10kb", "1gb" (case-insensitive); null when malformed. */
export function parseMemory(s: string): number | null {
  const m = /^(-?\d+)([a-z]*)$/i.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  if (unit === '' || unit === 'b') return n;
  const mul = UNITS[unit];
  return mul === undefined ? null : n * mul;
}

export class ConfigError extends Error {}

/** Parses one directive's value; throws ConfigError with Redis's wording. */
export function parseValue(def: ConfigDef, raw: string): ConfigValue {
  switch (def.kind) {
    case 'bool': {
      const v = raw.toLowerCase();
      if (v === 'yes') return true;
      if (v === 'no') return false;
      throw new ConfigError('argument must be \'yes\' or \'no\'');
    }
    case 'int':
    case 'memory': {
      const n = def.kind === 'memory' ? parseMemory(raw) : /^-?\d+$/.test(raw) ? Number(raw) : null;
      if (n === null || !Number.isSafeInteger(n)) throw new ConfigError(def.kind === 'memory' ? 'argument must be a memory value' : 'argument couldn\'t be parsed into an integer');
      if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
        throw new ConfigError(`argument must be between ${def.min} and ${def.max} inclusive`);
      }
      return n;
    }
    case 'enum': {
      const words = def.multi ? raw.toLowerCase().split(/\s+/).filter(Boolean) : [raw.toLowerCase()];
      for (const w of words) {
        if (!def.values!.includes(w)) throw new ConfigError(`argument(s) must be one of the following: ${def.values!.join(', ')}`);
      }
      return words.join(' ');
    }
    case 'string':
      return raw;
  }
}

/** How CONFIG GET shows a value. */
export function formatValue(def: ConfigDef, v: ConfigValue): string {
  if (def.kind === 'bool') return v ? 'yes' : 'no';
  return String(v);
}

export class Config {
  readonly defs = new Map<string, ConfigDef>();
  private readonly values = new Map<string, ConfigValue>();
  private readonly listeners = new Map<string, ((v: ConfigValue) => void)[]>();

  constructor(table: readonly ConfigDef[] = CONFIG_TABLE) {
    for (const def of table) {
      this.defs.set(def.name, def);
      for (const a of def.aliases ?? []) this.defs.set(a, def);
      this.values.set(def.name, parseValue(def, def.default));
    }
  }

  def(name: string): ConfigDef | undefined {
    return this.defs.get(name.toLowerCase());
  }

  get(name: string): ConfigValue {
    const def = this.def(name);
    if (def === undefined) throw new Error(`unknown config ${name}`);
    return this.values.get(def.name)!;
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

  display(name: string): string {
    const def = this.def(name)!;
    return formatValue(def, this.values.get(def.name)!);
  }

  /** Sets a parsed value and tells listeners. Validation is the caller's (parseValue). */
  setValue(name: string, v: ConfigValue): void {
    const def = this.def(name)!;
    this.values.set(def.name, v);
    for (const l of this.listeners.get(def.name) ?? []) l(v);
  }

  /** Parses and sets; throws ConfigError. */
  set(name: string, raw: string): void {
    const def = this.def(name);
    if (def === undefined) throw new ConfigError('Bad directive or wrong number of arguments');
    this.setValue(def.name, parseValue(def, raw));
  }

  onChange(name: string, listener: (v: ConfigValue) => void): void {
    const def = this.def(name)!;
    const list = this.listeners.get(def.name) ?? [];
    list.push(listener);
    this.listeners.set(def.name, list);
  }
}
