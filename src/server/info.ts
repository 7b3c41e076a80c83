// INFO: Redis's sections and field names, with Redoubt's real values. Fields that describe machinery
// Redoubt does not have (forks, jemalloc, replication links) report the values an idle Redis with
// that feature unused reports, so tools that parse INFO keep working.
import os from 'node:os';
import type { Server } from './server.js';
import { REDIS_VERSION, REDOUBT_VERSION } from '../version.js';
import { processMemory } from './memory.js';

/** Sections in Redis's output order, with the header each prints. */
const SECTIONS: [name: string, title: string][] = [
  ['server', 'Server'],
  ['clients', 'Clients'],
  ['memory', 'Memory'],
  ['persistence', 'Persistence'],
  ['stats', 'Stats'],
  ['replication', 'Replication'],
  ['cpu', 'CPU'],
  ['modules', 'Modules'],
  ['commandstats', 'Commandstats'],
  ['errorstats', 'Errorstats'],
  ['latencystats', 'Latencystats'],
  ['cluster', 'Cluster'],
  ['keyspace', 'Keyspace'],
];

const DEFAULT = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace'];

/** The sections INFO [section ...] asks for (lower-cased names; unknown names select nothing). */
export function selectSections(args: readonly string[]): Set<string> {
  const out = new Set<string>();
  if (args.length === 0) {
    for (const s of DEFAULT) out.add(s);
    return out;
  }
  for (const raw of args) {
    const a = raw.toLowerCase();
    if (a === 'default') for (const s of DEFAULT) out.add(s);
    else if (a === 'all' || a === 'everything') for (const [s] of SECTIONS) out.add(s);
    else if (a === 'module_list') out.add('modules');
    else out.add(a);
  }
  return out;
}

/** The INFO text for the selected sections, CRLF line ends, as Redis formats it. */
export function infoString(server: Server, sections: Set<string>): string {
  const parts: string[] = [];
  for (const [name, title] of SECTIONS) {
    if (!sections.has(name)) continue;
    const lines = SECTION_BUILDERS[name]!(server);
    parts.push(`# ${title}\r\n` + lines.map((l) => l + '\r\n').join(''));
  }
  return parts.join('\r\n');
}

type Builder = (server: Server) => string[];

const SECTION_BUILDERS: Record<string, Builder> = {
  server(s) {
    const now = s.clock.now();
    const uptime = Math.floor((now - s.startTime) / 1000);
    const hz = s.config.num('hz');
    return [
      `redis_version:${REDIS_VERSION}`,
      `redoubt_version:${REDOUBT_VERSION}`,
      'redis_git_sha1:00000000',
      'redis_git_dirty:0',
      'redis_build_id:0',
      'redis_mode:standalone',
      `os:${os.type()} ${os.release()} ${os.machine()}`,
      `arch_bits:${process.arch.endsWith('64') ? 64 : 32}`,
      'monotonic_clock:POSIX clock_gettime',
      'multiplexing_api:epoll',
      'atomicvar_api:c11-builtin',
      'gcc_version:0.0.0',
      `node_version:${process.versions.node}`,
      `process_id:${process.pid}`,
      'process_supervised:no',
      `run_id:${s.runId}`,
      `tcp_port:${s.boundPorts[0] ?? (s.config.num('port') === 0 ? s.tlsBoundPorts[0] ?? 0 : s.config.num('port'))}`,
      `server_time_usec:${now * 1000}`,
      `uptime_in_seconds:${uptime}`,
      `uptime_in_days:${Math.floor(uptime / 86400)}`,
      `hz:${hz}`,
      `configured_hz:${hz}`,
      `lru_clock:${Math.floor(now / 1000) & 0xffffff}`,
      `executable:${process.argv[1] ?? process.execPath}`,
      `config_file:${s.configFile ?? ''}`,
      'io_threads_active:0',
    ];
  },

  clients(s) {
    let blocked = 0;
    let maxIn = 0;
    let maxOut = 0;
    for (const c of s.clients.values()) {
      if (c.blockedArgv !== null) blocked++;
      // Buffer sizes, as Redis reports them (the query buffer as allocated, the reply buffer).
      if (c.parser.allocated > maxIn) maxIn = c.parser.allocated;
      if (c.out.buf.length > maxOut) maxOut = c.out.buf.length;
    }
    return [
      `connected_clients:${s.clients.size}`,
      'cluster_connections:0',
      `maxclients:${s.config.num('maxclients')}`,
      `client_recent_max_input_buffer:${maxIn}`,
      `client_recent_max_output_buffer:${maxOut}`,
      `blocked_clients:${blocked}`,
      `tracking_clients:${s.tracking.clients}`,
      'clients_in_timeout_table:0',
    ];
  },

  memory(s) {
    const mu = processMemory();
    const used = s.memory.used();
    s.stats.sampleMemory(used);
    const peak = Math.max(s.stats.peakMemory, used);
    const startup = s.stats.startupMemory;
    const clientMem = s.clientLimits.total;
    const dataset = s.memory.dataset();
    const overhead = Math.max(0, used - dataset);
    const sysmem = os.totalmem();
    const maxmemory = s.config.num('maxmemory');
    return [
      `used_memory:${used}`,
      `used_memory_human:${human(used)}`,
      `used_memory_rss:${mu.rss}`,
      `used_memory_rss_human:${human(mu.rss)}`,
      `used_memory_peak:${peak}`,
      `used_memory_peak_human:${human(peak)}`,
      `used_memory_peak_perc:${pct(used, peak)}`,
      `used_memory_overhead:${overhead}`,
      `used_memory_startup:${startup}`,
      `used_memory_dataset:${dataset}`,
      `used_memory_dataset_perc:${pct(dataset, used - startup)}`,
      `used_memory_v8_heap:${mu.heapUsed}`,
      `used_memory_v8_heap_human:${human(mu.heapUsed)}`,
      `used_memory_v8_external:${mu.external}`,
      `allocator_allocated:${mu.heapUsed}`,
      `allocator_active:${mu.heapTotal}`,
      `allocator_resident:${mu.rss}`,
      `total_system_memory:${sysmem}`,
      `total_system_memory_human:${human(sysmem)}`,
      // Scripts run in the server's JavaScript heap (used_memory_v8_heap), not in a VM of their
      // own: the VM figures are 0; the cache is the scripts' bodies and their entries.
      'used_memory_lua:0',
      'used_memory_vm_eval:0',
      'used_memory_lua_human:0B',
      `used_memory_scripts_eval:${s.scripts.cacheBytes}`,
      `number_of_cached_scripts:${s.scripts.size}`,
      `number_of_functions:${s.scripts.functions.functions.size}`,
      `number_of_libraries:${s.scripts.functions.libraries.size}`,
      'used_memory_vm_functions:0',
      'used_memory_vm_total:0',
      'used_memory_vm_total_human:0B',
      `used_memory_functions:${s.scripts.functions.codeBytes}`,
      `used_memory_scripts:${s.scripts.cacheBytes + s.scripts.functions.codeBytes}`,
      `used_memory_scripts_human:${human(s.scripts.cacheBytes + s.scripts.functions.codeBytes)}`,
      `maxmemory:${maxmemory}`,
      `maxmemory_human:${human(maxmemory)}`,
      `maxmemory_policy:${s.config.str('maxmemory-policy')}`,
      `allocator_frag_ratio:${ratio(mu.heapTotal, mu.heapUsed)}`,
      `allocator_frag_bytes:${mu.heapTotal - mu.heapUsed}`,
      `allocator_rss_ratio:${ratio(mu.rss, mu.heapTotal)}`,
      `allocator_rss_bytes:${mu.rss - mu.heapTotal}`,
      'rss_overhead_ratio:1.00',
      'rss_overhead_bytes:0',
      `mem_fragmentation_ratio:${ratio(mu.rss, used)}`,
      `mem_fragmentation_bytes:${mu.rss - used}`,
      'mem_not_counted_for_evict:0',
      'mem_replication_backlog:0',
      'mem_total_replication_buffers:0',
      'mem_clients_slaves:0',
      `mem_clients_normal:${clientMem}`,
      'mem_cluster_links:0',
      'mem_aof_buffer:0',
      `mem_allocator:v8-${process.versions.v8}`,
      'active_defrag_running:0',
      'lazyfree_pending_objects:0',
      `lazyfreed_objects:${s.ks.stats.lazyfreed}`,
    ];
  },

  persistence(s) {
    const aof = s.aof.infoFields();
    return [
      'loading:0',
      'async_loading:0',
      'current_cow_peak:0',
      'current_cow_size:0',
      'current_cow_size_age:0',
      'current_fork_perc:0.00',
      'current_save_keys_processed:0',
      'current_save_keys_total:0',
      `rdb_changes_since_last_save:${s.ks.stats.dirty}`,
      `rdb_bgsave_in_progress:${s.snapshots.bgsaveInProgress ? 1 : 0}`,
      `rdb_last_save_time:${s.lastSave}`,
      `rdb_last_bgsave_status:${s.snapshots.lastBgsaveOk ? 'ok' : 'err'}`,
      `rdb_last_bgsave_time_sec:${s.snapshots.lastBgsaveSeconds}`,
      `rdb_current_bgsave_time_sec:${s.snapshots.bgsaveStartedAt < 0 ? -1 : Math.floor((s.clock.now() - s.snapshots.bgsaveStartedAt) / 1000)}`,
      `rdb_saves:${s.snapshots.saves}`,
      'rdb_last_cow_size:0',
      `rdb_last_load_keys_expired:${s.snapshots.lastLoadExpired}`,
      `rdb_last_load_keys_loaded:${s.snapshots.lastLoadLoaded}`,
      ...aof.main,
      'module_fork_in_progress:0',
      'module_fork_last_cow_size:0',
      ...aof.extra,
    ];
  },

  stats(s) {
    const st = s.stats;
    const ks = s.ks.stats;
    return [
      `total_connections_received:${st.totalConnections}`,
      `total_commands_processed:${st.commands}`,
      `instantaneous_ops_per_sec:${st.opsPerSec}`,
      `total_net_input_bytes:${st.netInput}`,
      `total_net_output_bytes:${st.netOutput}`,
      'total_net_repl_input_bytes:0',
      'total_net_repl_output_bytes:0',
      `instantaneous_input_kbps:${st.inputKbps.toFixed(2)}`,
      `instantaneous_output_kbps:${st.outputKbps.toFixed(2)}`,
      'instantaneous_input_repl_kbps:0.00',
      'instantaneous_output_repl_kbps:0.00',
      `rejected_connections:${st.rejectedConnections}`,
      'sync_full:0',
      'sync_partial_ok:0',
      'sync_partial_err:0',
      `expired_keys:${ks.expiredKeys}`,
      `expired_stale_perc:${ks.expiredStalePerc.toFixed(2)}`,
      `expired_time_cap_reached_count:${ks.expiredTimeCapReached}`,
      'expire_cycle_cpu_milliseconds:0',
      `evicted_keys:${s.memory.evictedKeys}`,
      `evicted_clients:${s.clientLimits.evictedClients}`,
      'total_eviction_exceeded_time:0',
      'current_eviction_exceeded_time:0',
      `keyspace_hits:${ks.hits}`,
      `keyspace_misses:${ks.misses}`,
      'pubsub_channels:0',
      'pubsub_patterns:0',
      'pubsubshard_channels:0',
      'latest_fork_usec:0',
      'total_forks:0',
      'migrate_cached_sockets:0',
      'slave_expires_tracked_keys:0',
      'active_defrag_hits:0',
      'active_defrag_misses:0',
      'active_defrag_key_hits:0',
      'active_defrag_key_misses:0',
      'total_active_defrag_time:0',
      'current_active_defrag_time:0',
      `tracking_total_keys:${s.tracking.table.size}`,
      `tracking_total_items:${s.tracking.items}`,
      `tracking_total_prefixes:${s.tracking.prefixCount}`,
      `unexpected_error_replies:${st.unexpectedErrors}`,
      `total_error_replies:${st.totalErrors}`,
      'dump_payload_sanitizations:0',
      'io_threaded_reads_processed:0',
      'io_threaded_writes_processed:0',
      `reply_buffer_shrinks:${st.replyBufferShrinks}`,
      `reply_buffer_expands:${st.replyBufferExpands}`,
      `acl_access_denied_auth:${s.aclLog.denied.auth}`,
      `acl_access_denied_cmd:${s.aclLog.denied.cmd}`,
      `acl_access_denied_key:${s.aclLog.denied.key}`,
      `acl_access_denied_channel:${s.aclLog.denied.channel}`,
      // Redoubt's own: the allow-from gate, TLS handshakes and certificate login.
      `allowlist_rejected_connections:${s.allowList.rejected}`,
      `tls_handshake_failures:${s.tlsStats.handshakeFailures}`,
      `tls_cert_logins:${s.tlsStats.certLogins}`,
      `tls_cert_login_refused:${s.tlsStats.certLoginRefused}`,
      `client_output_buffer_limit_disconnections:${s.clientLimits.outputDisconnections}`,
      `protected_mode_rejected_connections:${st.protectedModeRejections}`,
      // Redoubt's own: AUTH lockout (security/lockout.ts).
      `auth_lockouts:${s.lockout.lockouts}`,
      `auth_lockout_refusals:${s.lockout.refusals}`,
      `auth_locked_addresses:${s.lockout.lockedCounts(s.clock.now()).addresses}`,
      `auth_locked_users:${s.lockout.lockedCounts(s.clock.now()).users}`,
      // Redoubt's own: the audit log (security/audit.ts).
      ...s.audit.infoLines(),
      // Redoubt's own: garbage-collection pauses of the process (server/gc-stats.ts).
      ...s.gc.infoLines(),
    ];
  },

  replication(s) {
    return [
      'role:master',
      ...s.replication.infoLines(),
      'master_failover_state:no-failover',
      `master_replid:${s.replication.replid}`,
      'master_replid2:0000000000000000000000000000000000000000',
      `master_repl_offset:${s.replication.offset}`,
      'second_repl_offset:-1',
      'repl_backlog_active:0',
      `repl_backlog_size:${s.config.num('repl-backlog-size')}`,
      'repl_backlog_first_byte_offset:0',
      'repl_backlog_histlen:0',
    ];
  },

  cpu() {
    const u = process.cpuUsage();
    const sys = (u.system / 1e6).toFixed(6);
    const user = (u.user / 1e6).toFixed(6);
    return [
      `used_cpu_sys:${sys}`,
      `used_cpu_user:${user}`,
      'used_cpu_sys_children:0.000000',
      'used_cpu_user_children:0.000000',
      `used_cpu_sys_main_thread:${sys}`,
      `used_cpu_user_main_thread:${user}`,
    ];
  },

  modules() {
    return [];
  },

  commandstats(s) {
    const out: string[] = [];
    for (const cmd of s.table.commands(true)) {
      const st = cmd.stats;
      if (st.calls === 0 && st.failed === 0 && st.rejected === 0) continue;
      const per = st.calls === 0 ? 0 : st.usec / st.calls;
      out.push(`cmdstat_${cmd.fullName}:calls=${st.calls},usec=${st.usec},usec_per_call=${per.toFixed(2)},rejected_calls=${st.rejected},failed_calls=${st.failed}`);
    }
    return out;
  },

  errorstats(s) {
    return [...s.stats.errorCounts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([code, n]) => `errorstat_${code}:count=${n}`);
  },

  latencystats(s) {
    if (!s.stats.latencyTracking) return [];
    const percentiles = latencyPercentiles(s);
    const out: string[] = [];
    for (const cmd of s.table.commands(true)) {
      const h = cmd.stats.latency;
      if (h === undefined || h.total === 0) continue;
      const parts = percentiles.map((p) => `p${formatPercentile(p)}=${h.percentile(p).toFixed(3)}`);
      out.push(`latency_percentiles_usec_${cmd.fullName}:${parts.join(',')}`);
    }
    return out;
  },

  cluster() {
    return ['cluster_enabled:0'];
  },

  keyspace(s) {
    const out: string[] = [];
    for (const db of s.ks.dbs) {
      const keys = db.size;
      if (keys === 0) continue;
      out.push(`db${db.id}:keys=${keys},expires=${db.expires.size},avg_ttl=${Math.round(db.avgTtl)}`);
    }
    return out;
  },
};

function latencyPercentiles(s: Server): number[] {
  let raw = '50 99 99.9';
  try {
    raw = s.config.str('latency-tracking-info-percentiles');
  } catch {
    // directive unknown to this build's config table: Redis's default
  }
  return raw
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isFinite(n));
}

/** "50", "99.9": as Redis prints a percentile (%f with trailing zeros trimmed). */
function formatPercentile(p: number): string {
  return String(Number(p.toFixed(6)));
}

/** Redis's bytesToHuman: B, K, M, G, T, P with two decimals. */
export function human(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)}${units[i]}`;
}

function pct(part: number, whole: number): string {
  return whole <= 0 ? '0.00%' : `${((part / whole) * 100).toFixed(2)}%`;
}

function ratio(a: number, b: number): string {
  return b <= 0 ? '0.00' : (a / b).toFixed(2);
}

/** Used memory right now (INFO used_memory), refreshing the peak. */
export function currentMemory(server: Server): number {
  return server.stats.sampleMemory(server.memory.used());
}
