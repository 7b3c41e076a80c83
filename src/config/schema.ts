// The config table: one entry per directive. The redis.conf parser, command-line overrides,
// CONFIG GET/SET/REWRITE and the start-up report all read it.

export type ConfigKind = 'bool' | 'int' | 'memory' | 'enum' | 'string';

export interface ConfigDef {
  name: string;
  aliases?: string[];
  kind: ConfigKind;
  /** Default, written as in redis.conf. */
  default: string;
  /** CONFIG SET may change it at run time. */
  mutable: boolean;
  /** Immutable at run time unless enable-protected-configs allows it. */
  protected?: boolean;
  /** Masked in logs and the posture report. */
  sensitive?: boolean;
  /** Accepted for compatibility; Redoubt does not act on it (listed once at start-up). */
  noEffect?: boolean;
  min?: number;
  max?: number;
  /** enum: the accepted words. */
  values?: string[];
  /** enum: several words may be given at once (e.g. "yes local"). */
  multi?: boolean;
  /** int/memory: -1 style percentages allowed (maxmemory-clients "10%"). */
  percent?: boolean;
}

const LLMAX = Number.MAX_SAFE_INTEGER;
const INTMAX = 2147483647;

const b = (name: string, def: 'yes' | 'no', mutable = true, extra: Partial<ConfigDef> = {}): ConfigDef => ({ name, kind: 'bool', default: def, mutable, ...extra });
const i = (name: string, def: string, min: number, max: number, mutable = true, extra: Partial<ConfigDef> = {}): ConfigDef => ({ name, kind: 'int', default: def, min, max, mutable, ...extra });
const m = (name: string, def: string, min: number, max: number, mutable = true, extra: Partial<ConfigDef> = {}): ConfigDef => ({ name, kind: 'memory', default: def, min, max, mutable, ...extra });
const e = (name: string, def: string, values: string[], mutable = true, extra: Partial<ConfigDef> = {}): ConfigDef => ({ name, kind: 'enum', default: def, values, mutable, ...extra });
const s = (name: string, def: string, mutable = true, extra: Partial<ConfigDef> = {}): ConfigDef => ({ name, kind: 'string', default: def, mutable, ...extra });

export const CONFIG_TABLE: readonly ConfigDef[] = [
  // network
  s('bind', '127.0.0.1 -::1', true),
  i('port', '6379', 0, 65535, true),
  i('tcp-backlog', '511', 0, INTMAX, false),
  b('protected-mode', 'yes'),
  i('timeout', '0', 0, INTMAX),
  i('tcp-keepalive', '300', 0, INTMAX),
  i('maxclients', '10000', 1, INTMAX),
  // protocol limits
  m('proto-max-bulk-len', '512mb', 1024 * 1024, LLMAX),
  m('client-query-buffer-limit', '1gb', 1024 * 1024, LLMAX),
  // general
  i('databases', '16', 1, INTMAX, false),
  i('hz', '10', 0, INTMAX),
  b('dynamic-hz', 'yes'),
  i('active-expire-effort', '1', 1, 10),
  e('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning', 'nothing']),
  s('logfile', '', false),
  s('pidfile', '', false),
  b('daemonize', 'no', false),
  s('dir', './', true, { protected: true }),
  s('dbfilename', 'dump.rdb', true, { protected: true }),
  // security (enforced by the identity issue's layers)
  s('requirepass', '', true, { sensitive: true }),
  e('enable-protected-configs', 'no', ['no', 'yes', 'local'], false),
  e('enable-debug-command', 'no', ['no', 'yes', 'local'], false),
  e('enable-module-command', 'no', ['no', 'yes', 'local'], false),
  // slow log and latency
  i('slowlog-log-slower-than', '10000', -1, LLMAX),
  i('slowlog-max-len', '128', 0, LLMAX),
  i('latency-monitor-threshold', '0', 0, LLMAX),
  b('latency-tracking', 'yes'),
];
