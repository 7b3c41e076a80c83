// The config table: one entry per directive redis-server 7.0.15 knows (its CONFIG GET * list,
// the hidden ones, and their aliases), plus Redoubt's own directives (marked `own`). Types, defaults, bounds and mutability were read off a
// running redis-server 7.0.15 (CONFIG GET / CONFIG SET probes), not copied from its source.
// The redis.conf parser, command-line overrides, CONFIG GET/SET/REWRITE and the start-up report
// all read this table.

/**
 * bool: yes/no. int: integer in [min, max]. memory: integer with k/kb/m/mb/g/gb units (printed in
 * bytes). enum: one word of `values`. string: free text. special: its own parser and printer
 * (save, bind, client-output-buffer-limit, ...), see config.ts.
 */
export type ConfigKind = 'bool' | 'int' | 'memory' | 'enum' | 'string' | 'special';

export interface ConfigDef {
  name: string;
  aliases?: string[];
  kind: ConfigKind;
  /** Default, written as in redis.conf. */
  default: string;
  /** CONFIG SET may change it at run time. */
  mutable: boolean;
  /** CONFIG SET refuses it unless enable-protected-configs allows it (Redis's PROTECTED_CONFIG). */
  protected?: boolean;
  /** Masked in logs and the posture report. */
  sensitive?: boolean;
  /** Not listed by CONFIG GET with a pattern; only by its exact name. */
  hidden?: boolean;
  /** Redoubt's own directive, which Redis 7.0 does not have. */
  own?: boolean;
  /** Accepted for compatibility; Redoubt does not act on it (listed once at start-up). */
  noEffect?: boolean;
  min?: bigint;
  max?: bigint;
  /** enum: the accepted words, in Redis's order. */
  values?: string[];
  /** memory: "10%" (a percentage of maxmemory) is accepted too. */
  percent?: boolean;
  /** A config-file line may give it several arguments (the others take exactly one). */
  multiArg?: boolean;
}

const LLMAX = 9223372036854775807n;
const ULLMAX = 18446744073709551615n;

type Extra = Partial<ConfigDef>;
const b = (name: string, def: string, mutable: boolean, extra: Extra = {}): ConfigDef => ({ name, kind: 'bool', default: def, mutable, ...extra });
const i = (name: string, def: string, min: bigint, max: bigint, mutable: boolean, extra: Extra = {}): ConfigDef => ({ name, kind: 'int', default: def, min, max, mutable, ...extra });
const m = (name: string, def: string, min: bigint, max: bigint, mutable: boolean, extra: Extra = {}): ConfigDef => ({ name, kind: 'memory', default: def, min, max, mutable, ...extra });
const e = (name: string, def: string, values: string[], mutable: boolean, extra: Extra = {}): ConfigDef => ({ name, kind: 'enum', default: def, values, mutable, ...extra });
const s = (name: string, def: string, mutable: boolean, extra: Extra = {}): ConfigDef => ({ name, kind: 'string', default: def, mutable, ...extra });
const x = (name: string, def: string, mutable: boolean, extra: Extra = {}): ConfigDef => ({ name, kind: 'special', default: def, mutable, ...extra });

const TABLE: ConfigDef[] = [
  b('activedefrag', 'no', true),
  b('activerehashing', 'yes', true),
  b('always-show-logo', 'no', false),
  b('aof-disable-auto-gc', 'no', true),
  b('aof-load-truncated', 'yes', true),
  b('aof-rewrite-incremental-fsync', 'yes', true),
  b('aof-timestamp-enabled', 'no', true),
  b('aof-use-rdb-preamble', 'yes', true),
  b('appendonly', 'no', true),
  b('cluster-allow-pubsubshard-when-down', 'yes', true),
  b('cluster-allow-reads-when-down', 'no', true),
  b('cluster-allow-replica-migration', 'yes', true),
  b('cluster-enabled', 'no', false),
  b('cluster-replica-no-failover', 'no', true, { aliases: ['cluster-slave-no-failover'] }),
  b('cluster-require-full-coverage', 'yes', true),
  b('crash-log-enabled', 'yes', true),
  b('crash-memcheck-enabled', 'yes', true),
  b('daemonize', 'no', false),
  b('disable-thp', 'yes', false),
  b('dynamic-hz', 'yes', true),
  b('io-threads-do-reads', 'no', false),
  b('jemalloc-bg-thread', 'yes', true),
  b('latency-tracking', 'yes', true),
  b('lazyfree-lazy-eviction', 'no', true),
  b('lazyfree-lazy-expire', 'no', true),
  b('lazyfree-lazy-server-del', 'no', true),
  b('lazyfree-lazy-user-del', 'no', true),
  b('lazyfree-lazy-user-flush', 'no', true),
  b('no-appendfsync-on-rewrite', 'no', true),
  b('protected-mode', 'yes', true),
  b('rdb-del-sync-files', 'no', true),
  b('rdb-save-incremental-fsync', 'yes', true),
  b('rdbchecksum', 'yes', false),
  b('rdbcompression', 'yes', true),
  b('repl-disable-tcp-nodelay', 'no', true),
  b('repl-diskless-sync', 'yes', true),
  b('replica-announced', 'yes', true),
  b('replica-ignore-disk-write-errors', 'no', true),
  b('replica-ignore-maxmemory', 'yes', true, { aliases: ['slave-ignore-maxmemory'] }),
  b('replica-lazy-flush', 'no', true, { aliases: ['slave-lazy-flush'] }),
  b('replica-read-only', 'yes', true, { aliases: ['slave-read-only'] }),
  b('replica-serve-stale-data', 'yes', true, { aliases: ['slave-serve-stale-data'] }),
  b('set-proc-title', 'yes', false),
  b('stop-writes-on-bgsave-error', 'yes', true),
  b('syslog-enabled', 'no', false),
  b('tls-cluster', 'no', true),
  b('tls-prefer-server-ciphers', 'no', true),
  b('tls-replication', 'no', true),
  b('tls-session-caching', 'yes', true),
  e('acl-pubsub-default', 'resetchannels', ['allchannels', 'resetchannels'], true),
  e('appendfsync', 'everysec', ['everysec', 'always', 'no'], true),
  e('cluster-preferred-endpoint-type', 'ip', ['ip', 'hostname', 'unknown-endpoint'], true),
  e('enable-debug-command', 'no', ['no', 'yes', 'local'], false),
  e('enable-module-command', 'no', ['no', 'yes', 'local'], false),
  e('enable-protected-configs', 'no', ['no', 'yes', 'local'], false),
  e('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning'], true),
  e('maxmemory-policy', 'noeviction', ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'], true),
  e('oom-score-adj', 'no', ['no', 'yes', 'relative', 'absolute'], true),
  e('propagation-error-behavior', 'ignore', ['ignore', 'panic', 'panic-on-replicas'], true),
  e('repl-diskless-load', 'disabled', ['disabled', 'on-empty-db', 'swapdb'], true),
  e('sanitize-dump-payload', 'no', ['no', 'yes', 'clients'], true),
  e('supervised', 'no', ['upstart', 'systemd', 'auto', 'no'], false),
  e('syslog-facility', 'local0', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], false),
  e('tls-auth-clients', 'yes', ['no', 'yes', 'optional'], true),
  // Redoubt's own (named as in Redis 8.6 and Valkey 9.0): log a client in as the ACL user its verified certificate's CN names.
  e('tls-auth-clients-user', 'off', ['off', 'cn'], true, { own: true }),
  i('acllog-max-len', '128', 0n, 9223372036854775807n, true),
  // Redoubt's own (not in Redis 7.0): folding and spike warning of AUTH failures (security/auth-watch.ts).
  i('auth-failure-log-limit', '10', 0n, 2147483647n, true, { own: true }),
  i('auth-failure-log-interval', '60', 1n, 86400n, true, { own: true }),
  i('auth-failure-spike-threshold', '100', 0n, 2147483647n, true, { own: true }),
  // Redoubt's own (Valkey's name): re-read changed TLS files every so many seconds (0: never).
  i('tls-auto-reload-interval', '0', 0n, 86400n, true, { own: true }),
  i('active-defrag-cycle-max', '25', 1n, 99n, true),
  i('active-defrag-cycle-min', '1', 1n, 99n, true),
  i('active-defrag-max-scan-fields', '1000', 1n, 9223372036854775807n, true),
  i('active-defrag-threshold-lower', '10', 0n, 1000n, true),
  i('active-defrag-threshold-upper', '100', 0n, 1000n, true),
  i('active-expire-effort', '1', 1n, 10n, true),
  i('auto-aof-rewrite-percentage', '100', 0n, 2147483647n, true),
  i('busy-reply-threshold', '5000', 0n, 9223372036854775807n, true, { aliases: ['lua-time-limit'] }),
  i('cluster-announce-bus-port', '0', 0n, 65535n, true),
  i('cluster-announce-port', '0', 0n, 65535n, true),
  i('cluster-announce-tls-port', '0', 0n, 65535n, true),
  i('cluster-migration-barrier', '1', 0n, 2147483647n, true),
  i('cluster-node-timeout', '15000', 0n, 9223372036854775807n, true),
  i('cluster-port', '0', 0n, 65535n, false),
  i('cluster-replica-validity-factor', '10', 0n, 2147483647n, true, { aliases: ['cluster-slave-validity-factor'] }),
  i('databases', '16', 1n, 2147483647n, false),
  i('hash-max-listpack-entries', '512', 0n, 9223372036854775807n, true, { aliases: ['hash-max-ziplist-entries'] }),
  i('hz', '10', 0n, 2147483647n, true),
  i('io-threads', '1', 1n, 128n, false),
  i('key-load-delay', '0', -2147483648n, 2147483647n, true, { hidden: true }),
  i('latency-monitor-threshold', '0', 0n, 9223372036854775807n, true),
  i('lfu-decay-time', '1', 0n, 2147483647n, true),
  i('lfu-log-factor', '10', 0n, 2147483647n, true),
  i('list-compress-depth', '0', 0n, 2147483647n, true),
  i('list-max-listpack-size', '-2', -2147483648n, 2147483647n, true, { aliases: ['list-max-ziplist-size'] }),
  i('loading-process-events-interval-bytes', '2097152', 1024n, 2147483647n, true, { hidden: true }),
  i('maxclients', '10000', 1n, 4294967295n, true),
  i('maxmemory-eviction-tenacity', '10', 0n, 100n, true),
  i('maxmemory-samples', '5', 1n, 2147483647n, true),
  i('min-replicas-max-lag', '10', 0n, 2147483647n, true, { aliases: ['min-slaves-max-lag'] }),
  i('min-replicas-to-write', '0', 0n, 2147483647n, true, { aliases: ['min-slaves-to-write'] }),
  i('port', '6379', 0n, 65535n, true),
  i('rdb-key-save-delay', '0', -2147483648n, 2147483647n, true, { hidden: true }),
  i('repl-backlog-ttl', '3600', 0n, 9223372036854775807n, true),
  i('repl-diskless-sync-delay', '5', 0n, 2147483647n, true),
  i('repl-diskless-sync-max-replicas', '0', 0n, 2147483647n, true),
  i('repl-ping-replica-period', '10', 1n, 2147483647n, true, { aliases: ['repl-ping-slave-period'] }),
  i('repl-timeout', '60', 1n, 2147483647n, true),
  i('replica-announce-port', '0', 0n, 65535n, true, { aliases: ['slave-announce-port'] }),
  i('replica-priority', '100', 0n, 2147483647n, true, { aliases: ['slave-priority'] }),
  i('set-max-intset-entries', '512', 0n, 9223372036854775807n, true),
  i('shutdown-timeout', '10', 0n, 2147483647n, true),
  i('slowlog-log-slower-than', '10000', -1n, 9223372036854775807n, true),
  i('slowlog-max-len', '128', 0n, 9223372036854775807n, true),
  i('socket-mark-id', '0', 0n, 4294967295n, false),
  i('stream-node-max-entries', '100', 0n, 9223372036854775807n, true),
  i('tcp-backlog', '511', 0n, 2147483647n, false),
  i('tcp-keepalive', '300', 0n, 2147483647n, true),
  i('timeout', '0', 0n, 2147483647n, true),
  i('tls-port', '0', 0n, 65535n, true),
  i('tls-session-cache-size', '20480', 0n, 2147483647n, true),
  i('tls-session-cache-timeout', '300', 0n, 2147483647n, true),
  i('tracking-table-max-keys', '1000000', 0n, 9223372036854775807n, true),
  i('watchdog-period', '0', 0n, 2147483647n, true, { hidden: true }),
  i('zset-max-listpack-entries', '128', 0n, 9223372036854775807n, true, { aliases: ['zset-max-ziplist-entries'] }),
  m('active-defrag-ignore-bytes', '104857600', 1n, LLMAX, true),
  m('auto-aof-rewrite-min-size', '67108864', 0n, LLMAX, true),
  m('client-query-buffer-limit', '1073741824', 1048576n, LLMAX, true),
  m('cluster-link-sendbuf-limit', '0', 0n, ULLMAX, true),
  m('hash-max-listpack-value', '64', 0n, LLMAX, true, { aliases: ['hash-max-ziplist-value'] }),
  m('hll-sparse-max-bytes', '3000', 0n, LLMAX, true),
  m('maxmemory', '0', 0n, ULLMAX, true),
  m('maxmemory-clients', '0', 0n, LLMAX, true, { percent: true }),
  m('proto-max-bulk-len', '536870912', 1048576n, LLMAX, true),
  m('script-max-memory', '536870912', 0n, LLMAX, true, { own: true }),
  m('repl-backlog-size', '1048576', 1n, LLMAX, true),
  m('stream-node-max-bytes', '4096', 0n, LLMAX, true),
  m('zset-max-listpack-value', '64', 0n, LLMAX, true, { aliases: ['zset-max-ziplist-value'] }),
  s('aclfile', '', false),
  s('aof_rewrite_cpulist', '', false),
  s('appenddirname', 'appendonlydir', false),
  s('appendfilename', 'appendonly.aof', false),
  s('bgsave_cpulist', '', false),
  s('bind-source-addr', '', true),
  s('bio_cpulist', '', false),
  s('cluster-announce-hostname', '', true),
  s('cluster-announce-ip', '', true),
  s('cluster-config-file', 'nodes.conf', false),
  s('dbfilename', 'dump.rdb', true, { protected: true }),
  s('ignore-warnings', '', true),
  s('logfile', '', false),
  s('masterauth', '', true, { sensitive: true }),
  s('masteruser', '', true, { sensitive: true }),
  s('pidfile', '', false),
  s('proc-title-template', '{title} {listen-addr} {server-mode}', true),
  s('replica-announce-ip', '', true, { aliases: ['slave-announce-ip'] }),
  s('requirepass', '', true, { sensitive: true }),
  s('server_cpulist', '', false),
  s('syslog-ident', 'redis', false),
  s('tls-ca-cert-dir', '', true),
  s('tls-ca-cert-file', '', true),
  s('tls-cert-file', '', true),
  s('tls-ciphers', '', true),
  s('tls-ciphersuites', '', true),
  s('tls-client-cert-file', '', true),
  s('tls-client-key-file', '', true),
  s('tls-client-key-file-pass', '', true, { sensitive: true }),
  s('tls-dh-params-file', '', true),
  s('tls-key-file', '', true),
  s('tls-key-file-pass', '', true, { sensitive: true }),
  s('tls-protocols', '', true),
  s('unixsocket', '', false),
  // Redoubt's own: the client networks (addresses and CIDR blocks) a connection may come from.
  x('allow-from', '', true, { own: true, multiArg: true }),
  x('bind', '127.0.0.1 -::1', true, { multiArg: true }),
  x('client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60', true, { multiArg: true }),
  x('dir', './', true, { protected: true }),
  x('latency-tracking-info-percentiles', '50 99 99.9', true, { multiArg: true }),
  x('notify-keyspace-events', '', true),
  x('oom-score-adj-values', '0 200 800', true, { multiArg: true }),
  x('replicaof', '', false, { aliases: ['slaveof'] }),
  x('save', '3600 1 300 100 60 10000', true, { multiArg: true }),
  x('shutdown-on-sigint', 'default', true, { multiArg: true }),
  x('shutdown-on-sigterm', 'default', true, { multiArg: true }),
  x('unixsocketperm', '0', false),
  // --- Redoubt's own: AUTH lockout (src/security/lockout.ts) ---
  // Failed AUTH / HELLO AUTH from one
  // source within the window lock it out; repeat offenders wait twice as long each time, up to the
  // cap. The per-user-name budget counts failures for one user from any source (0: off).
  i('auth-lockout-threshold', '100', 0n, 2147483647n, true, { own: true }),
  i('auth-lockout-window', '60', 1n, 86400n, true, { own: true }),
  i('auth-lockout-duration', '60', 1n, 86400n, true, { own: true }),
  i('auth-lockout-max-duration', '3600', 1n, 604800n, true, { own: true }),
  i('auth-lockout-user-threshold', '1000', 0n, 2147483647n, true, { own: true }),
  // --- end of AUTH lockout ---
  // --- Redoubt's own: the Prometheus metrics endpoint (src/server/metrics.ts) ---
  // metrics-port 0: no endpoint. metrics-bind: one address, loopback by default (any address the
  // operator names is accepted, as bind accepts it). metrics-user/metrics-pass: HTTP basic
  // authentication, required when metrics-pass is not empty.
  i('metrics-port', '0', 0n, 65535n, true, { own: true }),
  s('metrics-bind', '127.0.0.1', true, { own: true }),
  s('metrics-user', '', true, { own: true }),
  s('metrics-pass', '', true, { own: true, sensitive: true }),
  // --- end of metrics ---
  // --- Redoubt's own: the audit log (src/security/audit.ts) ---
  // audit-log: the file of JSON records ("": off). Set at start-up only: CONFIG SET must not let a
  // client write files where it likes (the classic CONFIG SET dir attack); CONFIG SET to the value it
  // has is accepted (Redis's CONFIG sanity test sets every directive to itself), any other value is
  // refused by the audit log's listener (security/audit.ts). audit-log-max-size: the size at
  // which the file is renamed to <path>.<UTC time>-<n> and a new one opened (0: never).
  // audit-log-buffer-size: the bounded queue of records waiting for the disk; past it records are
  // dropped and counted (INFO audit_log_dropped_records).
  s('audit-log', '', true, { own: true }),
  m('audit-log-max-size', '0', 0n, LLMAX, true, { own: true }),
  m('audit-log-buffer-size', '4mb', 1n, LLMAX, true, { own: true }),
  // --- end of audit log ---
];

/**
 * Directives Redoubt accepts but does not act on. Keep this honest: when a part of Redoubt starts
 * reading one of these, delete it here. Everything else in the table is read by server code.
 */
const NO_EFFECT = new Set([
  // replication and cluster: Redoubt is a single server
  'replicaof', 'masterauth', 'masteruser', 'replica-serve-stale-data', 'replica-read-only', 'repl-diskless-sync',
  'repl-diskless-sync-delay', 'repl-diskless-sync-max-replicas', 'repl-diskless-load', 'repl-ping-replica-period',
  'repl-timeout', 'repl-disable-tcp-nodelay', 'repl-backlog-size', 'repl-backlog-ttl', 'replica-priority',
  'replica-announced', 'replica-announce-ip', 'replica-announce-port', 'replica-ignore-maxmemory', 'replica-lazy-flush',
  'replica-ignore-disk-write-errors', 'min-replicas-to-write', 'min-replicas-max-lag', 'propagation-error-behavior',
  'cluster-enabled', 'cluster-config-file', 'cluster-node-timeout', 'cluster-port', 'cluster-replica-validity-factor',
  'cluster-migration-barrier', 'cluster-allow-replica-migration', 'cluster-require-full-coverage',
  'cluster-replica-no-failover', 'cluster-allow-reads-when-down', 'cluster-allow-pubsubshard-when-down',
  'cluster-link-sendbuf-limit', 'cluster-announce-hostname', 'cluster-announce-ip', 'cluster-announce-port',
  'cluster-announce-bus-port', 'cluster-announce-tls-port', 'cluster-preferred-endpoint-type', 'tls-cluster', 'tls-replication',
  // process and operating-system tuning that has no Node.js counterpart
  'io-threads', 'io-threads-do-reads', 'server_cpulist', 'bio_cpulist', 'aof_rewrite_cpulist', 'bgsave_cpulist',
  'oom-score-adj', 'oom-score-adj-values', 'disable-thp', 'jemalloc-bg-thread', 'set-proc-title', 'proc-title-template',
  'supervised', 'syslog-enabled', 'syslog-ident', 'syslog-facility', 'always-show-logo', 'crash-log-enabled',
  'crash-memcheck-enabled', 'socket-mark-id', 'bind-source-addr', 'watchdog-period', 'ignore-warnings', 'shutdown-timeout',
  'lazyfree-lazy-eviction', 'lazyfree-lazy-expire', 'lazyfree-lazy-server-del', 'lazyfree-lazy-user-del',
  'lazyfree-lazy-user-flush', 'activedefrag', 'active-defrag-ignore-bytes', 'active-defrag-threshold-lower',
  'active-defrag-threshold-upper', 'active-defrag-cycle-min', 'active-defrag-cycle-max', 'active-defrag-max-scan-fields',
  'activerehashing', 'dynamic-hz',
  // value encodings: Redoubt's data structures have their own representation
  'zset-max-listpack-entries', 'zset-max-listpack-value',
  'list-max-listpack-size', 'list-compress-depth', 'hll-sparse-max-bytes',
  'stream-node-max-bytes', 'stream-node-max-entries',
  // memory limits and eviction
  'maxmemory-eviction-tenacity',
  // persistence (not read yet: delete these as the persistence layer reads them)
  'no-appendfsync-on-rewrite',
  'aof-rewrite-incremental-fsync', 'aof-disable-auto-gc',
  'rdb-del-sync-files', 'rdb-save-incremental-fsync', 'sanitize-dump-payload',
  'key-load-delay', 'loading-process-events-interval-bytes',
  // TLS for replication (Redoubt has no replication)
  'tls-client-cert-file', 'tls-client-key-file', 'tls-client-key-file-pass',
  // other features not built (yet)
  'busy-reply-threshold', 'tracking-table-max-keys', 'shutdown-on-sigterm', 'shutdown-on-sigint',
]);

for (const n of NO_EFFECT) if (!TABLE.some((d) => d.name === n)) throw new Error(`NO_EFFECT names an unknown directive: ${n}`);

/** The table in name order (CONFIG GET * and the lines CONFIG REWRITE appends follow it). */
export const CONFIG_TABLE: readonly ConfigDef[] = TABLE.map((d) => (NO_EFFECT.has(d.name) ? { ...d, noEffect: true } : d)).sort((a, b) =>
  a.name < b.name ? -1 : 1,
);

/**
 * Directives of redis.conf that CONFIG GET does not know. The loader handles include,
 * rename-command, user; loadmodule and sentinel refuse start-up (no modules, no sentinel mode).
 * The deprecated ones Redis 7.0 still accepts and ignores, and Redoubt's own `access-tracking`
 * (every key's access time is now kept, as Redis keeps it), accepted in files that still say it.
 */
export const FILE_ONLY_DIRECTIVES = ['include', 'rename-command', 'user', 'loadmodule', 'sentinel'] as const;
export const DEPRECATED_DIRECTIVES = new Set(['list-max-ziplist-entries', 'list-max-ziplist-value', 'lua-replicate-commands', 'access-tracking']);
