// The Prometheus endpoint: `GET /metrics` on `metrics-bind`:`metrics-port` (0: off, the default),
// in the text exposition format, written by prom-client. Every value is read at scrape time from
// state the server keeps anyway (command stats, latency histograms, INFO fields, the keyspace): the
// command path pays nothing for it. Optional HTTP basic authentication (metrics-user, metrics-pass).
// CONFIG SET of metrics-port / metrics-bind moves the endpoint before it replies (commands/config.ts,
// as for port and bind): when the new place cannot be listened on, the endpoint stays where it was
// and CONFIG SET fails.
import { Buffer } from 'node:buffer';
import http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import { lazyRequire } from '../lazy.js';
import type { Server } from './server.js';
import { infoString } from './info.js';

type Kind = 'counter' | 'gauge';

const promClient = lazyRequire<typeof import('prom-client')>('prom-client');

/**
 * Metrics read from INFO fields: [section, field, metric name, kind, help]. A field INFO does not
 * print gives no sample. "ok"/"err" fields become 1/0.
 */
const FROM_INFO: [section: string, field: string, name: string, kind: Kind, help: string][] = [
  ['clients', 'connected_clients', 'redoubt_connected_clients', 'gauge', 'Client connections open now'],
  ['clients', 'blocked_clients', 'redoubt_blocked_clients', 'gauge', 'Clients blocked in a blocking command'],
  ['clients', 'tracking_clients', 'redoubt_tracking_clients', 'gauge', 'Clients with client-side caching on'],
  ['clients', 'maxclients', 'redoubt_max_clients', 'gauge', 'maxclients'],
  ['memory', 'used_memory', 'redoubt_memory_used_bytes', 'gauge', 'Accounted memory of the dataset and the clients (INFO used_memory)'],
  ['memory', 'used_memory_peak', 'redoubt_memory_used_peak_bytes', 'gauge', 'Peak of used_memory'],
  ['memory', 'used_memory_dataset', 'redoubt_memory_dataset_bytes', 'gauge', 'Accounted memory of the dataset'],
  ['memory', 'mem_clients_normal', 'redoubt_memory_clients_bytes', 'gauge', 'Accounted memory of the clients'],
  ['memory', 'used_memory_rss', 'redoubt_memory_rss_bytes', 'gauge', 'Resident set size of the process'],
  ['memory', 'used_memory_v8_heap', 'redoubt_memory_v8_heap_bytes', 'gauge', 'V8 heap in use'],
  ['memory', 'used_memory_scripts', 'redoubt_memory_scripts_bytes', 'gauge', 'Script cache and function code'],
  ['memory', 'maxmemory', 'redoubt_memory_max_bytes', 'gauge', 'maxmemory (0: no limit)'],
  ['stats', 'total_connections_received', 'redoubt_connections_received_total', 'counter', 'Connections accepted'],
  ['stats', 'rejected_connections', 'redoubt_rejected_connections_total', 'counter', 'Connections refused (maxclients, protected mode)'],
  ['stats', 'protected_mode_rejected_connections', 'redoubt_protected_mode_rejected_connections_total', 'counter', 'Connections refused by protected mode'],
  ['stats', 'allowlist_rejected_connections', 'redoubt_allowlist_rejected_connections_total', 'counter', 'Connections refused by allow-from'],
  ['stats', 'total_commands_processed', 'redoubt_commands_processed_total', 'counter', 'Commands processed'],
  ['stats', 'total_net_input_bytes', 'redoubt_net_input_bytes_total', 'counter', 'Bytes read from clients'],
  ['stats', 'total_net_output_bytes', 'redoubt_net_output_bytes_total', 'counter', 'Bytes written to clients'],
  ['stats', 'total_error_replies', 'redoubt_error_replies_total', 'counter', 'Error replies sent'],
  ['stats', 'gc_pauses', 'redoubt_gc_pauses_total', 'counter', 'Garbage-collection pauses of the process'],
  ['stats', 'gc_pause_total_ms', 'redoubt_gc_pause_milliseconds_total', 'counter', 'Time the process spent paused for garbage collection'],
  ['stats', 'expired_keys', 'redoubt_expired_keys_total', 'counter', 'Keys removed because their TTL ran out'],
  ['stats', 'evicted_keys', 'redoubt_evicted_keys_total', 'counter', 'Keys evicted by maxmemory'],
  ['stats', 'evicted_clients', 'redoubt_evicted_clients_total', 'counter', 'Clients evicted by maxmemory-clients'],
  ['stats', 'client_output_buffer_limit_disconnections', 'redoubt_output_buffer_limit_disconnections_total', 'counter', 'Clients closed for their output buffer'],
  ['stats', 'keyspace_hits', 'redoubt_keyspace_hits_total', 'counter', 'Key lookups that found the key'],
  ['stats', 'keyspace_misses', 'redoubt_keyspace_misses_total', 'counter', 'Key lookups that did not find the key'],
  ['stats', 'acl_access_denied_auth', 'redoubt_auth_failures_total', 'counter', 'Failed AUTH and HELLO AUTH attempts'],
  ['persistence', 'rdb_changes_since_last_save', 'redoubt_rdb_changes_since_last_save', 'gauge', 'Writes since the last snapshot'],
  ['persistence', 'rdb_bgsave_in_progress', 'redoubt_rdb_bgsave_in_progress', 'gauge', '1 while a BGSAVE runs'],
  ['persistence', 'rdb_last_save_time', 'redoubt_rdb_last_save_timestamp_seconds', 'gauge', 'Unix time of the last successful snapshot'],
  ['persistence', 'rdb_last_bgsave_status', 'redoubt_rdb_last_bgsave_ok', 'gauge', '1 if the last BGSAVE succeeded'],
  ['persistence', 'rdb_saves', 'redoubt_rdb_saves_total', 'counter', 'Snapshots written'],
  ['persistence', 'aof_enabled', 'redoubt_aof_enabled', 'gauge', '1 when appendonly is on'],
  ['persistence', 'aof_rewrite_in_progress', 'redoubt_aof_rewrite_in_progress', 'gauge', '1 while an AOF rewrite runs'],
  ['persistence', 'aof_last_bgrewrite_status', 'redoubt_aof_last_bgrewrite_ok', 'gauge', '1 if the last AOF rewrite succeeded'],
  ['persistence', 'aof_last_write_status', 'redoubt_aof_last_write_ok', 'gauge', '1 if the last AOF write succeeded'],
  ['persistence', 'aof_rewrites', 'redoubt_aof_rewrites_total', 'counter', 'AOF rewrites done'],
];

const SECTIONS = new Set(FROM_INFO.map(([section]) => section));

export class Metrics {
  private http: http.Server | null = null;
  /** The metrics, defined when the endpoint first opens (prom-client is loaded only then). */
  private defined: Registry | null = null;
  /** INFO fields read at the start of the current scrape. */
  private info = new Map<string, string>();
  /** Moves of the endpoint run one after the other. */
  private moving: Promise<void> = Promise.resolve();
  /** Where the endpoint listens, as configured (null: off). */
  private at: { port: number; host: string } | null = null;

  constructor(private readonly server: Server) {}

  private get registry(): Registry {
    return (this.defined ??= this.define());
  }

  /** The address the endpoint listens on, or null while it is off. */
  get address(): { address: string; port: number } | null {
    const a = this.http?.address();
    return a !== undefined && a !== null && typeof a === 'object' ? { address: a.address, port: a.port } : null;
  }

  /** Opens the endpoint if metrics-port is set (rejects when it cannot listen); CONFIG SET moves it with moveTo. */
  async start(): Promise<void> {
    await this.open();
  }

  async stop(): Promise<void> {
    await this.moving;
    await this.closeHttp();
  }

  /** The exposition text of one scrape. */
  async scrape(): Promise<string> {
    this.info = parseInfo(infoString(this.server, SECTIONS));
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * CONFIG SET's move: the endpoint to `host`:`port` (0: off) before the values are set. On failure
   * it is reopened where it was and the error is thrown.
   */
  moveTo(port: number, host: string): Promise<void> {
    const run = this.moving.then(async () => {
      const old = this.at;
      await this.closeHttp();
      if (this.server.shuttingDown) return;
      try {
        await this.open(port, host);
      } catch (e) {
        if (old !== null) await this.open(old.port, old.host).catch((e2: Error) => this.server.log.warning(`${e2.message}; the endpoint stays off.`));
        throw e;
      }
    });
    this.moving = run.catch(() => undefined);
    return run;
  }

  private async open(port = this.server.config.num('metrics-port'), host = this.server.config.str('metrics-bind')): Promise<void> {
    if (port === 0) return;
    // SECURITY: Node enforces headersTimeout/requestTimeout only when it sweeps its connections
    // (every 30 s by default): swept every second, a request trickled in byte by byte is cut at 5 s.
    const srv = http.createServer({ connectionsCheckingInterval: 1000 }, (req, res) => this.handle(req, res));
    // A scraper needs one small request per interval: slow or piled-up clients are cut short.
    srv.headersTimeout = 5000;
    srv.requestTimeout = 10000;
    // SECURITY: a connection that sends nothing at all is no request for those timeouts: any
    // socket silent for 5 s is closed, or 64 silent sockets would lock the scraper out.
    srv.timeout = 5000;
    srv.maxHeadersCount = 50;
    srv.maxConnections = 64;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, host, () => {
        srv.off('error', reject);
        resolve();
      });
    }).catch((e: Error) => {
      throw new Error(`Metrics endpoint: could not listen on ${host}:${port} (${e.message})`);
    });
    srv.on('error', (e) => this.server.log.warning(`Metrics endpoint error: ${e.message}`));
    this.http = srv;
    this.at = { port, host };
    this.server.log.notice(`Metrics endpoint listening on http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`);
  }

  private closeHttp(): Promise<void> {
    const srv = this.http;
    if (srv === null) return Promise.resolve();
    this.http = null;
    this.at = null;
    return new Promise((resolve) => {
      srv.close(() => resolve());
      srv.closeAllConnections();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    // SECURITY: with metrics-pass set, nothing (not even which paths exist) is answered without the credentials.
    if (!this.authorized(req.headers.authorization)) {
      reply(res, 401, 'Unauthorized\n', { 'WWW-Authenticate': 'Basic realm="redoubt metrics", charset="UTF-8"' });
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      reply(res, 404, 'Not Found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      reply(res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    this.scrape().then(
      (text) => reply(res, 200, text, { 'Content-Type': this.registry.contentType }),
      (e: Error) => {
        this.server.log.warning(`Metrics scrape failed: ${e.message}`);
        reply(res, 500, 'Internal Server Error\n');
      },
    );
  }

  /** Basic authentication against metrics-user / metrics-pass, compared in constant time. */
  private authorized(header: string | undefined): boolean {
    const pass = this.server.config.str('metrics-pass');
    if (pass === '') return true;
    const m = header === undefined ? null : /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
    const given = m === null ? Buffer.alloc(0) : Buffer.from(m[1]!, 'base64');
    // SECURITY: digests of equal length compared with timingSafeEqual: the time taken says
    // nothing about how much of the user name or password was right.
    const want = Buffer.from(`${this.server.config.str('metrics-user')}:${pass}`, 'latin1');
    return timingSafeEqual(digest(given), digest(want)) && m !== null;
  }

  private define(): Registry {
    const { Counter, Gauge, Registry } = promClient();
    const registry = new Registry();
    const registers = [registry];
    const server = this.server;
    const info = () => this.info;
    // A metric of one sample, read at scrape time (null: no sample).
    const single = (kind: Kind, name: string, help: string, read: () => number | null): void => {
      if (kind === 'counter') {
        new Counter({
          name,
          help,
          registers,
          collect() {
            this.reset();
            const v = read();
            if (v !== null) this.inc(v);
            else this.remove();
          },
        });
      } else {
        new Gauge({
          name,
          help,
          registers,
          collect() {
            this.reset();
            const v = read();
            if (v !== null) this.set(v);
            else this.remove();
          },
        });
      }
    };
    for (const [, field, name, kind, help] of FROM_INFO) {
      single(kind, name, help, () => {
        const v = info().get(field);
        if (v === undefined) return null;
        if (v === 'ok') return 1;
        if (v === 'err') return 0;
        const n = Number(v);
        return Number.isFinite(n) ? n : null;
      });
    }

    // TLS counters live on the server (INFO prints all but the handshakes count).
    single('counter', 'redoubt_tls_handshakes_total', 'TLS handshakes completed', () => server.tlsStats.handshakes);
    single('counter', 'redoubt_tls_handshake_failures_total', 'TLS handshakes failed (client certificate refused included)', () => server.tlsStats.handshakeFailures);
    single('counter', 'redoubt_tls_cert_logins_total', 'Clients logged in by their certificate CN', () => server.tlsStats.certLogins);
    single('counter', 'redoubt_tls_cert_login_refused_total', 'Certificate logins refused (CN unusable, unknown or disabled user)', () => server.tlsStats.certLoginRefused);

    // The AUTH lockout (security/lockout.ts).
    single('counter', 'redoubt_auth_lockouts_total', 'Source addresses and user names locked out after failed logins', () => server.lockout.lockouts);
    single('counter', 'redoubt_auth_lockout_refusals_total', 'Logins refused because their source or user name was locked out', () => server.lockout.refusals);
    new Gauge({
      name: 'redoubt_auth_locked',
      help: 'Source addresses (kind="address") and user names (kind="user") locked out now',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        const n = server.lockout.lockedCounts(server.clock.now());
        this.set({ kind: 'address' }, n.addresses);
        this.set({ kind: 'user' }, n.users);
      },
    });

    const calls = (field: 'calls' | 'rejected' | 'failed', name: string, help: string, scale = 1) =>
      new Counter({
        name,
        help,
        labelNames: ['cmd'],
        registers,
        collect() {
          this.reset();
          for (const cmd of server.table.commands(true)) {
            const st = cmd.stats;
            if (st.calls === 0 && st.failed === 0 && st.rejected === 0) continue;
            this.inc({ cmd: cmd.fullName }, st[field] * scale);
          }
        },
      });
    calls('calls', 'redoubt_commands_total', 'Calls by command (INFO commandstats calls)');
    calls('rejected', 'redoubt_commands_rejected_calls_total', 'Calls refused before running, by command (ACL, arity, OOM, ...)');
    calls('failed', 'redoubt_commands_failed_calls_total', 'Calls that ran and replied an error, by command');
    new Counter({
      name: 'redoubt_commands_duration_seconds_total',
      help: 'Time spent running each command (INFO commandstats usec)',
      labelNames: ['cmd'],
      registers,
      collect() {
        this.reset();
        for (const cmd of server.table.commands(true)) {
          if (cmd.stats.calls === 0 && cmd.stats.usec === 0) continue;
          this.inc({ cmd: cmd.fullName }, cmd.stats.usec / 1e6);
        }
      },
    });
    new Gauge({
      name: 'redoubt_command_latency_seconds',
      help: 'Latency percentiles by command (INFO latencystats, latency-tracking-info-percentiles)',
      labelNames: ['cmd', 'quantile'],
      registers,
      collect() {
        this.reset();
        if (!server.stats.latencyTracking) return;
        const percentiles = server.config
          .str('latency-tracking-info-percentiles')
          .split(/\s+/)
          .filter(Boolean)
          .map(Number)
          .filter((p) => Number.isFinite(p));
        for (const cmd of server.table.commands(true)) {
          const h = cmd.stats.latency;
          if (h === undefined || h.total === 0) continue;
          for (const p of percentiles) this.set({ cmd: cmd.fullName, quantile: String(Number((p / 100).toFixed(10))) }, h.percentile(p) / 1e6);
        }
      },
    });
    new Counter({
      name: 'redoubt_errors_total',
      help: 'Error replies by error code (INFO errorstats)',
      labelNames: ['code'],
      registers,
      collect() {
        this.reset();
        for (const [code, n] of server.stats.errorCounts) this.inc({ code }, n);
      },
    });
    new Counter({
      name: 'redoubt_acl_denied_total',
      help: 'ACL denials by reason: auth (failed login), cmd, key, channel',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(server.aclLog.denied)) this.inc({ reason }, n);
      },
    });
    const perDb = (name: string, help: string, count: (db: Server['ks']['dbs'][number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['db'],
        registers,
        collect() {
          this.reset();
          for (const db of server.ks.dbs) this.set({ db: String(db.id) }, count(db));
        },
      });
    perDb('redoubt_db_keys', 'Keys by database', (db) => db.size);
    perDb('redoubt_db_keys_expiring', 'Keys with a TTL by database', (db) => db.expires.size);
    return registry;
  }
}

function reply(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function digest(b: Buffer): Buffer {
  return createHash('sha256').update(b).digest();
}

/** "field:value" lines of INFO text. */
function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}
