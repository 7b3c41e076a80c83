// Wires the parts: config, keyspace, command table, dispatcher, listeners, clients, cron.
import { unlinkSync } from 'node:fs';
import net from 'node:net';
import type { Config } from '../config/config.js';
import { CommandTable } from '../commands/table.js';
import type { Command } from '../commands/types.js';
import { ALL_GROUPS } from '../commands/index.js';
import type { ParserLimits } from '../protocol/parser.js';
import { systemClock, type Clock } from '../store/clock.js';
import { Keyspace } from '../store/db.js';
import { Users } from '../acl/users.js';
import { Client } from './client.js';
import { KeyEvents, NOTIFY } from './events.js';
import { Dispatcher } from './dispatcher.js';
import { PubSub } from './pubsub.js';
import { Logger } from './log.js';
import { ServerStats } from './stats.js';
import { SlowLog } from './slowlog.js';
import { PauseState } from './pause.js';
import { Blocking } from './blocking.js';

export const REDOUBT_VERSION = '0.1.0';
/** The Redis version whose behaviour Redoubt reproduces (INFO redis_version, HELLO version). */
export const REDIS_VERSION = '7.0.15';

export interface ServerOptions {
  clock?: Clock;
  log?: Logger;
  /** Path of the config file, for INFO config_file and CONFIG REWRITE. */
  configFile?: string | null;
}

export class Server {
  readonly clock: Clock;
  readonly log: Logger;
  readonly ks: Keyspace;
  readonly table: CommandTable;
  readonly dispatcher: Dispatcher;
  readonly stats = new ServerStats();
  readonly slowlog = new SlowLog();
  readonly pause: PauseState;
  /** Clients blocked on keys (BLPOP, BZPOPMIN, ...). */
  readonly blocking: Blocking;
  readonly clients = new Map<number, Client>();
  readonly monitors = new Set<Client>();
  readonly users = new Users();
  /** WATCH invalidation and keyspace notifications. */
  readonly events = new KeyEvents();
  /** Pub/Sub subscriptions and delivery (also carries keyspace notifications). */
  readonly pubsub: PubSub;
  readonly configFile: string | null;
  readonly startTime: number;
  readonly runId: string;
  private nextClientId = 1;
  /** Open TCP listeners, each with the address and port it was opened on. */
  private listeners: Listener[] = [];
  /** Set by close(): a rebind still under way must not leave listeners open. */
  private closing = false;
  private cronTimer: NodeJS.Timeout | null = null;
  /** Clients with replies written outside their own input turn (pub/sub, unblocking). */
  private pendingFlush = new Set<Client>();
  private flushScheduled = false;
  /** Hot-path copies of config values, kept current by config listeners. */
  maxBulkLen: number;
  queryBufferLimit: number;
  slowlogThreshold: number;
  lastSave: number;
  /** Ports actually listened on (port 0 in tests picks a free one). */
  boundPorts: number[] = [];
  shuttingDown = false;
  /** Set by main: called after SHUTDOWN has closed everything, to exit the process. */
  onShutdown: (() => void) | null = null;

  constructor(
    readonly config: Config,
    opts: ServerOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? new Logger();
    this.configFile = opts.configFile ?? null;
    this.ks = new Keyspace(config.num('databases'), this.clock);
    // Expired keys (lazy or active): WATCH invalidation and the "expired" keyspace event.
    this.ks.onExpired = (db, key) => {
      this.events.modified(db, key);
      this.events.notify(NOTIFY.expired, 'expired', key, db);
    };
    this.table = new CommandTable(ALL_GROUPS);
    this.dispatcher = new Dispatcher(this);
    this.pubsub = new PubSub(this);
    this.pause = new PauseState(this);
    this.blocking = new Blocking(this);
    this.events.onModified = (db, key) => this.blocking.signalKeyAsReady(db, key);
    this.events.onTouchAll = (db) => this.blocking.signalAllIn(db);
    this.startTime = this.clock.now();
    this.lastSave = Math.floor(this.startTime / 1000);
    this.runId = randomHex(40);
    this.maxBulkLen = config.num('proto-max-bulk-len');
    this.queryBufferLimit = config.num('client-query-buffer-limit');
    this.slowlogThreshold = config.num('slowlog-log-slower-than');
    config.onChange('slowlog-log-slower-than', (v) => (this.slowlogThreshold = v as number));
    config.onChange('proto-max-bulk-len', (v) => (this.maxBulkLen = v as number));
    config.onChange('client-query-buffer-limit', (v) => (this.queryBufferLimit = v as number));
    this.users.setRequirePass(config.str('requirepass'));
    config.onChange('requirepass', (v) => this.users.setRequirePass(v as string));
    config.onChange('loglevel', (v) => (this.log.level = v as string));
    config.onChange('hz', () => this.startCron());
    this.stats.latencyTracking = config.bool('latency-tracking');
    config.onChange('latency-tracking', (v) => (this.stats.latencyTracking = v as boolean));
    this.stats.latencyMonitorUsec = config.num('latency-monitor-threshold') * 1000;
    config.onChange('latency-monitor-threshold', (v) => (this.stats.latencyMonitorUsec = (v as number) * 1000));
    this.log.level = config.str('loglevel');
  }

  parserLimits(client: Client): ParserLimits {
    return new ClientParserLimits(this, client);
  }

  /** Bind addresses from the `bind` directive: [address, optional]. "-" marks an optional one. */
  bindAddresses(): BindAddress[] {
    return parseBindAddresses(this.config.str('bind'));
  }

  /** Opens the listeners. Rejects with a clear message when a required address cannot be bound. */
  async listen(): Promise<void> {
    const port = this.config.num('port');
    if (port !== 0 || this.config.def('tls-port') === undefined || this.config.num('tls-port') === 0) {
      let chosen = port;
      for (const [addr, optional] of this.bindAddresses()) {
        try {
          const l = await this.listenOne(addr, chosen);
          this.listeners.push(l);
          chosen = l.port; // with port 0 (tests), every address shares the first free port
          if (!this.boundPorts.includes(l.port)) this.boundPorts.push(l.port);
        } catch (e) {
          if (optional && isSkippable(e)) {
            this.log.warning(`Could not create server TCP listening socket ${addr}:${chosen}: ${(e as Error).message} (optional address, skipped)`);
            continue;
          }
          throw new Error(`Could not create server TCP listening socket ${addr}:${port}: ${(e as Error).message}`);
        }
      }
    }
    this.startCron();
  }

  /**
   * CONFIG SET port / bind: listens on `addresses` at `port` (0: no TCP listener, as in Redis).
   * Listeners already open on a wanted address and port are kept; the missing ones are opened
   * first, and only when all of them are open are the unwanted old ones closed (their accepted
   * connections stay open). On failure every new listener is closed again, the old ones keep
   * serving, and the promise rejects with the first error. Where a new address overlaps an old
   * listener on the same port (127.0.0.1 -> *), the old ones are closed first and reopened if the
   * new ones still cannot be opened.
   */
  async rebind(addresses: readonly BindAddress[], port: number): Promise<void> {
    const wanted = port === 0 ? [] : addresses;
    const kept: Listener[] = [];
    const missing: BindAddress[] = [];
    for (const a of wanted) {
      const l = this.listeners.find((x) => x.addr === a[0] && x.port === port && !kept.includes(x));
      if (l !== undefined) kept.push(l);
      else missing.push(a);
    }
    const dropped = this.listeners.filter((l) => !kept.includes(l));
    let opened: Listener[];
    try {
      opened = await this.openAll(missing, port);
      if (this.closing) {
        await closeListeners(opened);
        throw new Error('server is shutting down');
      }
    } catch (e) {
      const overlap = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && dropped.some((l) => l.port === port);
      if (!overlap) throw e;
      // The port may be held by one of our own listeners on an overlapping address.
      await closeListeners(dropped);
      try {
        opened = await this.openAll(missing, port);
      } catch (e2) {
        if (!this.closing) await this.reopen(dropped);
        throw e2;
      }
      if (this.closing) {
        await closeListeners(opened);
        throw new Error('server is shutting down');
      }
      this.listeners = this.listeners.filter((l) => !dropped.includes(l)).concat(opened);
      this.boundPorts = port === 0 ? [] : [port];
      return;
    }
    this.listeners = kept.concat(opened);
    this.boundPorts = port === 0 ? [] : [port];
    await closeListeners(dropped);
  }

  /** Opens listeners on every address, in order; all or none (optional addresses may be skipped). */
  private async openAll(addresses: readonly BindAddress[], port: number): Promise<Listener[]> {
    const opened: Listener[] = [];
    for (const [addr, optional] of addresses) {
      try {
        opened.push(await this.listenOne(addr, port));
      } catch (e) {
        if (optional && isSkippable(e)) {
          this.log.warning(`Could not create server TCP listening socket ${addr}:${port}: ${(e as Error).message} (optional address, skipped)`);
          continue;
        }
        this.log.warning(`Could not create server TCP listening socket ${addr}:${port}: ${(e as Error).message}`);
        await closeListeners(opened);
        throw e;
      }
    }
    return opened;
  }

  /** Reopens listeners closed for a rebind that then failed; logs what cannot be reopened. */
  private async reopen(closed: readonly Listener[]): Promise<void> {
    const back: Listener[] = [];
    for (const l of closed) {
      try {
        back.push(await this.listenOne(l.addr, l.port));
      } catch (e) {
        this.log.warning(`Could not restore the listening socket ${l.addr}:${l.port}: ${(e as Error).message}`);
      }
    }
    this.listeners = this.listeners.filter((l) => !closed.includes(l)).concat(back);
  }

  private listenOne(addr: string, port: number): Promise<Listener> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
      srv.once('error', reject);
      srv.listen({ host: addr, port, backlog: this.config.num('tcp-backlog'), ipv6Only: addr.includes(':') }, () => {
        srv.removeListener('error', reject);
        srv.on('error', (e) => this.log.warning(`Listener error: ${e.message}`));
        resolve({ addr, port: (srv.address() as net.AddressInfo).port, srv });
      });
    });
  }

  private accept(socket: net.Socket): void {
    this.stats.totalConnections++;
    if (this.clients.size >= this.config.num('maxclients')) {
      this.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    // SECURITY: protected mode: with no password on the default user, only loopback clients.
    if (this.config.bool('protected-mode') && this.users.defaultUser.nopass && !isLoopbackPeer(socket)) {
      this.stats.rejectedConnections++;
      this.log.warning(`Refused connection from ${socket.remoteAddress}: protected mode is on and the default user has no password`);
      socket.end(PROTECTED_MODE_DENIED);
      return;
    }
    const client = new Client(this, socket, this.nextClientId++);
    client.authenticated = this.users.defaultLoginFree();
    this.clients.set(client.id, client);
    socket.setNoDelay(true);
    const ka = this.config.num('tcp-keepalive');
    if (ka > 0) socket.setKeepAlive(true, ka * 1000);
    socket.on('data', (chunk: Buffer) => {
      try {
        client.onData(chunk);
      } catch (e) {
        // A bug must cost one connection at most, never the server.
        this.log.warning(`Internal error serving ${client.addr}, closing it: ${(e as Error).stack ?? String(e)}`);
        client.close();
      }
    });
    socket.on('error', () => client.close());
    socket.on('close', () => {
      client.closed = true;
      this.unlinkClient(client);
    });
  }

  /** AUTH and HELLO AUTH: logs in as `user`, or counts and logs the failure (never the password). */
  authenticate(client: Client, user: string, pass: string): boolean {
    const u = this.users.check(user, pass);
    if (u === null) {
      this.stats.authFailures++;
      // SECURITY: every failed authentication is logged with the source and user name, never the password.
      this.log.warning(`AUTH failed for user '${printable(user)}' from ${client.addr}`);
      return false;
    }
    client.authenticated = true;
    client.user = u.name;
    return true;
  }

  unlinkClient(client: Client): void {
    if (!this.clients.delete(client.id)) return;
    this.monitors.delete(client);
    this.pause.waiting.delete(client);
    this.blocking.disconnected(client);
    this.pendingFlush.delete(client);
    this.pubsub.dropClient(client);
    if (client.watching.length > 0) this.events.unwatchAll(client);
  }

  /** Marks a client with replies to send; flushed after this turn's I/O, before the loop idles. */
  markPending(client: Client): void {
    if (client.closed) return;
    this.pendingFlush.add(client);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushPending());
    }
  }

  private flushPending(): void {
    this.flushScheduled = false;
    for (const c of this.pendingFlush) {
      this.pendingFlush.delete(c);
      c.flush();
    }
  }

  /** After every executed command: slow log and MONITOR feed. */
  afterCall(client: Client, cmd: Command, argv: string[], usec: number): void {
    this.stats.recordCall(cmd, usec, this.clock);
    const threshold = this.slowlogThreshold;
    const logSlow = threshold >= 0 && usec >= threshold && !cmd.skipSlowlog;
    const monitor = this.monitors.size > 0 && !cmd.skipMonitor && !cmd.isAdmin;
    if (!logSlow && !monitor) return;
    // SECURITY: passwords never reach the slow log or MONITOR (as Redis: "(redacted)").
    const shown = redactSecrets(cmd, argv);
    if (logSlow) this.slowlog.add(this, client, shown, usec);
    if (monitor) this.feedMonitors(client, shown);
  }

  private feedMonitors(client: Client, argv: string[]): void {
    const now = this.clock.now();
    const ts = `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, '0')}`;
    const args = argv.map((a) => '"' + reprArg(a) + '"').join(' ');
    const line = `${ts} [${client.dbIndex} ${client.addr}] ${args}`;
    for (const m of this.monitors) {
      if (m === client) continue;
      m.out.simple(line);
      this.markPending(m);
    }
  }

  /** One CLIENT LIST line. */
  clientInfo(c: Client, currentArgv: string[] | null = null): string {
    const now = this.clock.now();
    let flags = '';
    if (c.monitor) flags += 'O';
    if (c.subs !== null) flags += 'P';
    if (c.multi !== null) flags += 'x';
    if (c.blockedArgv !== null) flags += 'b';
    if (c.watchDirty) flags += 'd';
    if (c.closeAfterReply) flags += 'c';
    if (c.noEvict) flags += 'e';
    if (flags === '') flags = 'N';
    // Redis still holds the running command in the query buffer: count it for the caller.
    const qbuf = c.parser.pending + (currentArgv === null ? 0 : requestBytes(currentArgv));
    const omem = c.socket.writableLength;
    return (
      `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${(c.socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1} name=${c.name}` +
      ` age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} flags=${flags}` +
      ` db=${c.dbIndex} sub=${c.subs?.channels.size ?? 0} psub=${c.subs?.patterns.size ?? 0} ssub=${c.subs?.shard.size ?? 0} multi=${c.multi === null ? -1 : c.multi.length} qbuf=${qbuf} qbuf-free=0 argv-mem=0` +
      ` multi-mem=0 rbs=${c.out.buf.length} rbp=${c.out.len} obl=0 oll=0 omem=${omem} tot-mem=${c.out.buf.length + qbuf + omem}` +
      ` events=r cmd=${c.lastCommand} user=${c.user} redir=-1 resp=${c.resp}`
    );
  }

  /** Runs serverCron at `hz`: active expiry, client timeouts, pause expiry, stats sampling. */
  private startCron(): void {
    if (this.cronTimer) clearInterval(this.cronTimer);
    const hz = Math.max(1, Math.min(500, this.config.num('hz')));
    this.cronTimer = setInterval(() => this.cron(), Math.floor(1000 / hz));
    this.cronTimer.unref();
  }

  cron(): void {
    const hz = Math.max(1, this.config.num('hz'));
    // Redis gives the slow expire cycle 25% of each cron period.
    this.ks.activeExpireCycle((1000 / hz) * 0.25, this.config.num('active-expire-effort'));
    this.stats.sample(this.clock.now());
    this.pause.check();
    this.blocking.checkTimeouts();
    const timeout = this.config.num('timeout');
    if (timeout > 0) {
      const now = this.clock.now();
      for (const c of this.clients.values()) {
        if (c.blockedArgv === null && !c.monitor && now - c.lastInteraction > timeout * 1000) {
          this.log.verbose('Closing idle client');
          c.close();
        }
      }
    }
  }

  /** SHUTDOWN and SIGTERM: stop accepting, flush replies, close, remove the pid file. */
  async shutdown(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.log.warning('User requested shutdown...');
    const pidfile = this.config.str('pidfile');
    if (pidfile !== '') {
      try {
        unlinkSync(pidfile);
      } catch {
        // already gone
      }
    }
    await this.close();
    this.log.warning('Redoubt is now ready to exit, bye bye...');
  }

  /** Stops listening and closes every client. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.cronTimer) clearInterval(this.cronTimer);
    this.cronTimer = null;
    this.blocking.close();
    for (const c of [...this.clients.values()]) {
      c.flush();
      c.close();
      c.socket.destroy();
    }
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.srv.close(() => r()))));
    this.listeners = [];
  }
}

/** A bind address and whether it is optional ("-" prefix: skipped when the host lacks it). */
export type BindAddress = [string, boolean];

interface Listener {
  addr: string;
  port: number;
  srv: net.Server;
}

/** The `bind` directive's words as addresses: "*" is 0.0.0.0, "::*" is ::, "-" marks optional. */
export function parseBindAddresses(bind: string): BindAddress[] {
  return bind
    .split(/\s+/)
    .filter(Boolean)
    .map((a): BindAddress => {
      const optional = a.startsWith('-');
      let addr = optional ? a.slice(1) : a;
      if (addr === '*') addr = '0.0.0.0';
      if (addr === '::*') addr = '::';
      return [addr, optional];
    });
}

/** An optional bind address is skipped when the host has no such address or family. */
function isSkippable(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'EINVAL';
}

/**
 * Stops accepting on each listener. Connections it accepted stay open (net.Server's close
 * callback would wait for them, so only the listening handle is awaited: one loop turn).
 */
async function closeListeners(list: readonly Listener[]): Promise<void> {
  if (list.length === 0) return;
  for (const l of list) l.srv.close();
  await new Promise<void>((r) => setImmediate(r));
}

const PROTECTED_MODE_DENIED =
  '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. ' +
  'In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you ' +
  'may adopt one of the following solutions: 1) Just disable protected mode sending the command ' +
  "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is " +
  'running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this ' +
  'change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected ' +
  "mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart " +
  "it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. " +
  'NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n';

const REDACTED = '(redacted)';

/** argv as the slow log and MONITOR may show it: AUTH's arguments and HELLO's AUTH pair hidden. */
export function redactSecrets(cmd: Command, argv: string[]): string[] {
  if (cmd.fullName === 'auth') return argv.map((a, i) => (i === 0 ? a : REDACTED));
  if (cmd.fullName === 'hello') {
    const out = argv.slice();
    for (let i = 2; i < out.length; i++) {
      if (out[i]!.toLowerCase() === 'auth') {
        for (let j = i + 1; j <= i + 2 && j < out.length; j++) out[j] = REDACTED;
        break;
      }
    }
    return out;
  }
  return argv;
}

/** Redis counts only 127.0.0.1 and ::1 as local for protected mode (127.0.0.2 is "outside"). */
function isLoopbackPeer(socket: net.Socket): boolean {
  const a = socket.remoteAddress ?? '';
  return a === '127.0.0.1' || a === '::1' || a === '::ffff:127.0.0.1';
}

/** Size of argv as a multibulk request. */
function requestBytes(argv: string[]): number {
  let n = 3 + String(argv.length).length;
  for (const a of argv) n += 5 + String(a.length).length + a.length;
  return n;
}

/** A user name as it may appear in a log line: control bytes escaped. */
function printable(s: string): string {
  return reprArg(s.length > 128 ? s.slice(0, 128) : s);
}

function randomHex(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

/** MONITOR's quoting of an argument (sdscatrepr without the surrounding quotes). */
export function reprArg(a: string): string {
  let out = '';
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    const ch = a[i]!;
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (c >= 32 && c < 127) out += ch;
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out;
}

/** A connection's parser limits, read live (one class, so the parser's reads stay monomorphic). */
class ClientParserLimits implements ParserLimits {
  constructor(
    private readonly server: Server,
    private readonly client: Client,
  ) {}

  get maxBulkLen(): number {
    return this.server.maxBulkLen;
  }

  get authRequired(): boolean {
    return !this.client.authenticated;
  }
}
