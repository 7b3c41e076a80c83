// Wires the parts: config, keyspace, command table, dispatcher, listeners, clients, cron.
import { Buffer } from 'node:buffer';
import { unlinkSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type tls from 'node:tls';
import type { Config } from '../config/config.js';
import { CONFIG_TABLE } from '../config/schema.js';
import type { CommandTable } from '../commands/table.js';
import type { Command } from '../commands/types.js';
import { reprArg, type ParserLimits } from '../protocol/parser.js';
import { PEAK_RESET_MS } from '../protocol/writer.js';
import { systemClock, type Clock } from '../store/clock.js';
import { Keyspace } from '../store/db.js';
import { bindEncodingLimits } from './encoding-limits.js';
import { Users, hashPassword } from '../acl/users.js';
import { AclLog } from '../acl/log.js';
import { UserSessions } from '../acl/sessions.js';
import { AuthWatch } from '../security/auth-watch.js';
import { Lockout, lockoutSource } from '../security/lockout.js';
import { AuditLog } from '../security/audit.js';
import { inTransaction } from '../commands/transactions.js';
import { Client } from './client.js';
import { KeyEvents, NOTIFY } from './events.js';
import { Dispatcher } from './dispatcher.js';
import { ScriptEngine } from '../scripting/engine.js';
import { PubSub } from './pubsub.js';
import { Tracking } from './tracking.js';
import { Logger } from './log.js';
import { ServerStats } from './stats.js';
import { SlowLog } from './slowlog.js';
import { PauseState } from './pause.js';
import { Blocking } from './blocking.js';
import { MemoryLimit } from './memory.js';
import { ClientLimits, REPLY_BUFFER } from './client-limits.js';
import { RESERVED_FDS, clientsAllowed, openFileCount, openFilesLimit } from './fd-limit.js';
import { Snapshots } from '../persistence/rdb/snapshots.js';
import { Propagator } from './propagate.js';
import { Replication } from './replication.js';
import { Aof } from '../persistence/aof/aof.js';
import { AllowList } from '../security/allow-list.js';
import type { TlsMaterial } from '../tls/context.js';
import { TlsReloader } from '../tls/reloader.js';
import { type BindAddress, parseBindAddresses } from './bind.js';
import { Listeners, type ListenerHost, type Transport } from './listeners.js';

export type { Transport } from './listeners.js';
import { readIntoSharedBuffer } from './socket-io.js';
import { certificateCommonName, printableName } from '../tls/identity.js';
import { Metrics } from './metrics.js';
import { GcStats } from './gc-stats.js';



export interface ServerOptions {
  /** The command table (built by main.ts from every command group; the server does not import them). */
  table: CommandTable;
  clock?: Clock;
  log?: Logger;
  /** Path of the config file, for INFO config_file and CONFIG REWRITE. */
  configFile?: string | null;
}

export class Server implements ListenerHost {
  readonly clock: Clock;
  readonly log: Logger;
  readonly ks: Keyspace;
  readonly table: CommandTable;
  readonly dispatcher: Dispatcher;
  /** The script cache and the running script (EVAL, SCRIPT). */
  readonly scripts: ScriptEngine;
  readonly stats: ServerStats;
  readonly slowlog: SlowLog;
  readonly pause: PauseState;
  /** Clients blocked on keys (BLPOP, BZPOPMIN, ...). */
  readonly blocking: Blocking;
  readonly clients = new Map<number, Client>();
  /** maxmemory and eviction. */
  readonly memory: MemoryLimit;
  /** Client memory, output-buffer limits and client eviction. */
  readonly clientLimits: ClientLimits;
  /** RDB snapshots: SAVE, BGSAVE, save points, loading. */
  readonly snapshots = new Snapshots(this);
  /** Replicas attached with SYNC/PSYNC, and the replication stream (server/replication.ts). */
  readonly replication: Replication;
  /** What write commands leave for the AOF (server/propagate.ts). */
  readonly propagator: Propagator;
  /** The append-only file (persistence/aof). */
  readonly aof: Aof;
  readonly monitors = new Set<Client>();
  readonly users = new Users();
  /** Closes the sessions a change of the user set invalidates (told by `users`). */
  readonly sessions = new UserSessions(this);
  readonly aclLog = new AclLog();
  readonly authWatch: AuthWatch;
  /** AUTH lockout of sources and user names after repeated failures (auth-lockout-*). */
  readonly lockout: Lockout;
  /** The audit log (audit-log): security events as JSON lines; `audit.on` false when off. */
  readonly audit: AuditLog;
  /** WATCH invalidation and keyspace notifications. */
  readonly events = new KeyEvents();
  /** Pub/Sub subscriptions and delivery (also carries keyspace notifications). */
  readonly pubsub: PubSub;
  /** Client-side caching: remembered keys, BCAST prefixes, invalidation messages. */
  readonly tracking: Tracking;
  readonly configFile: string | null;
  readonly startTime: number;
  readonly runId: string;
  private nextClientId = 1;
  /** The listening sockets (TCP, TLS, unix socket). */
  private readonly listeners = new Listeners(this);
  /** The TLS side of the TLS listeners (its endpoint null while there is no TLS port) and its reloads. */
  readonly tls: TlsReloader;
  readonly tlsStats = { handshakes: 0, handshakeFailures: 0, certLogins: 0, certLoginRefused: 0 };
  /** The Prometheus endpoint (metrics-port), opened by listen, closed by close. */
  readonly metrics = new Metrics(this);
  /** GC pauses of the process (INFO stats), observed while the server listens. */
  readonly gc = new GcStats();
  /** allow-from: the client networks a connection may come from. */
  readonly allowList: AllowList;
  private cronTimer: NodeJS.Timeout | null = null;
  /** DEBUG PAUSE-CRON: the periodic tasks are stopped. */
  cronPaused = false;
  /**
   * Clients with replies to send this turn (their own input, or written outside it: pub/sub,
   * unblocking), in the order they were marked (Client.flushQueued says who is in
   * it). An array reused turn after turn, not a Set: a long-lived Set that grows and empties every
   * turn reallocates its table each time, and V8 allocates the new table of an old Set in the old
   * generation, so under load it filled the old generation with garbage (megabytes a second) and
   * brought on major collections, the longest pauses there are.
   */
  private pendingFlush: (Client | null)[] = [];
  private pendingCount = 0;
  private flushScheduled = false;
  /** Hot-path copies of config values, kept current by config listeners. */
  maxBulkLen: number;
  queryBufferLimit: number;
  lastSave: number;
  /** Ports actually listened on (port 0 in tests picks a free one). */
  get boundPorts(): number[] {
    return this.listeners.boundPorts;
  }

  /** TLS ports actually listened on. */
  get tlsBoundPorts(): number[] {
    return this.listeners.tlsBoundPorts;
  }
  shuttingDown = false;
  /** DEBUG REPLYBUFFER RESIZING 0: the client cron leaves reply buffers as they are. */
  replyBufferResizing = true;
  /** DEBUG REPLYBUFFER PEAK-RESET-TIME: how often a reply buffer's peak starts again (ms; -1 never). */
  replyBufferPeakResetMs = PEAK_RESET_MS;
  /** DEBUG SET-ACTIVE-EXPIRE 0 turns active expiry off (tests). */
  activeExpireEnabled = true;
  /** Set by main: called after SHUTDOWN has closed everything, to exit the process. */
  onShutdown: (() => void) | null = null;
  /**
   * An error the server cannot go on after (an AOF write failing with appendfsync always): the
   * process ends at once, as Redis's does, before any reply of the failed write goes out. An
   * embedded server sets this to drop its clients and stop instead of ending the host.
   */
  onFatal: () => void = () => process.exit(1);

  constructor(
    readonly config: Config,
    opts: ServerOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? new Logger();
    this.configFile = opts.configFile ?? null;
    this.stats = new ServerStats(config);
    this.slowlog = new SlowLog(config);
    this.ks = new Keyspace(config.num('databases'), this.clock);
    bindEncodingLimits(config, this.ks.limits);
    // Expired keys (lazy or active): WATCH invalidation and the "expired" keyspace event.
    this.propagator = new Propagator(this.ks);
    this.ks.onExpired = (db, key) => {
      this.propagator.deleted(db, key, false);
      this.events.modified(db, key, false);
      this.events.notify(NOTIFY.expired, 'expired', key, db);
    };
    this.propagator.lazyExpire = config.bool('lazyfree-lazy-expire');
    this.propagator.lazyEviction = config.bool('lazyfree-lazy-eviction');
    config.onChange('lazyfree-lazy-expire', (v) => (this.propagator.lazyExpire = v as boolean));
    config.onChange('lazyfree-lazy-eviction', (v) => (this.propagator.lazyEviction = v as boolean));
    this.aof = new Aof(this);
    this.replication = new Replication(this);
    this.memory = new MemoryLimit(this);
    const applyMemory = () => {
      this.ks.lfuLogFactor = config.num('lfu-log-factor');
      this.ks.lfuDecayTime = config.num('lfu-decay-time');
      this.memory.configure(config.num('maxmemory'), config.str('maxmemory-policy'), config.num('maxmemory-samples'));
    };
    applyMemory();
    for (const name of ['maxmemory', 'maxmemory-policy', 'maxmemory-samples', 'lfu-log-factor', 'lfu-decay-time']) config.onChange(name, applyMemory);
    // A lower maxmemory takes effect once the command that set it has returned (as Redis starts
    // evicting from its event loop: inside EXEC, the transaction's later commands run first).
    config.onChange('maxmemory', () => {
      const used = this.memory.used();
      if (this.memory.maxmemory > 0 && used > this.memory.maxmemory) {
        this.log.warning(
          `WARNING: the new maxmemory value set via CONFIG SET (${this.memory.maxmemory}) is smaller than the current memory usage (${used}). ` +
            'This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.',
        );
        setImmediate(() => {
          if (this.memory.maxmemory > 0 && this.scripts.running === null) this.memory.makeRoom();
        });
      }
    });
    this.clientLimits = new ClientLimits(this);
    config.onChange('maxclients', (v) => {
      if (this.fdLimit === null) return;
      const allowed = clientsAllowed(this.fdLimit, this.fdsAtStart);
      if ((v as number) > allowed) throw new Error(`The operating system is not able to handle the specified number of clients, try with ${allowed}`);
    });
    this.table = opts.table;
    this.dispatcher = new Dispatcher(this);
    this.scripts = new ScriptEngine(this);
    this.pubsub = new PubSub(this);
    this.tracking = new Tracking(this);
    this.events.tracking = this.tracking;
    this.tracking.maxKeys = config.num('tracking-table-max-keys');
    config.onChange('tracking-table-max-keys', (v) => (this.tracking.maxKeys = v as number));
    this.pause = new PauseState(this);
    // Redis 7.0: while clients are paused keys do not expire (the dataset stays as it is).
    this.ks.expiryHeld = () => this.pause.holdsExpiry;
    this.blocking = new Blocking(this);
    this.events.onModified = (db, key) => this.blocking.signalKeyAsReady(db, key);
    this.events.onTouchAll = (db) => this.blocking.signalAllIn(db);
    this.startTime = this.clock.now();
    this.lastSave = Math.floor(this.startTime / 1000);
    this.runId = randomHex(40);
    this.maxBulkLen = config.num('proto-max-bulk-len');
    this.queryBufferLimit = config.num('client-query-buffer-limit');
    config.onChange('proto-max-bulk-len', (v) => (this.maxBulkLen = v as number));
    config.onChange('client-query-buffer-limit', (v) => (this.queryBufferLimit = v as number));
    this.authWatch = AuthWatch.configured(this.log, config);
    this.lockout = Lockout.configured(this.log, config);
    this.audit = AuditLog.configured(this.log, this.users, config);
    this.users.listen(this.sessions);
    // The user store does not read the config: its two settings are wired here. (A requirepass
    // change is checked against open sessions by CONFIG SET once every value of it has applied.)
    this.users.allChannelsDefault = config.str('acl-pubsub-default') === 'allchannels';
    config.onChange('acl-pubsub-default', (v) => (this.users.allChannelsDefault = v === 'allchannels'));
    this.users.setRequirePass(config.str('requirepass'));
    config.onChange('requirepass', (v) => this.users.setRequirePass(v as string));
    config.onChange('loglevel', (v) => (this.log.level = v as string));
    config.onChange('hz', () => this.startCron());
    this.log.level = config.str('loglevel');
    this.allowList = AllowList.configured(this.log, config);
    this.tls = new TlsReloader(config, this.log, { secure: (s, m) => this.tlsAccepted(s, m), failed: (e, s) => this.tlsFailed(e, s) });
  }

  /** slowlog-log-slower-than as the slow log follows it. */
  get slowlogThreshold(): number {
    return this.slowlog.threshold;
  }

  /** The TLS endpoint for the first TLS listener (Listeners asks for it); throws on bad material. */
  ensureTls(): void {
    this.tls.ensure();
  }

  parserLimits(client: Client): ParserLimits {
    return new ClientParserLimits(this, client);
  }

  /** Bind addresses from the `bind` directive: [address, optional]. "-" marks an optional one. */
  bindAddresses(): BindAddress[] {
    return parseBindAddresses(this.config.str('bind'));
  }

  /** Opens the listeners. Rejects with a clear message when a required address cannot be bound. */
  /** Descriptors the process may open (ulimit -n) and those open before any client, read at listen(). */
  private fdLimit: number | null = null;
  private fdsAtStart = 0;
  /** Open TLS connections, and those of them admitted as clients: the rest are in their handshake. */
  private tlsOpen = 0;
  private tlsClients = 0;

  /**
   * As Redis at start-up: maxclients is lowered to what the open-files limit allows after the
   * descriptors already open and a reserve, with Redis's log lines. CONFIG SET maxclients is then
   * refused above that number.
   */
  private fitMaxClients(): void {
    this.fdLimit = openFilesLimit();
    this.fdsAtStart = openFileCount();
    if (this.fdLimit === null) return;
    const wanted = this.config.num('maxclients');
    const allowed = clientsAllowed(this.fdLimit, this.fdsAtStart);
    if (wanted <= allowed) return;
    this.log.warning(`You requested maxclients of ${wanted} requiring at least ${wanted + this.fdsAtStart + RESERVED_FDS} max file descriptors.`);
    this.log.warning(`Server can't set maximum open files to ${wanted + this.fdsAtStart + RESERVED_FDS}: the hard limit is ${this.fdLimit}.`);
    this.log.warning(
      `Current maximum open files is ${this.fdLimit}. maxclients has been reduced to ${allowed} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.`,
    );
    this.config.setQuiet('maxclients', allowed);
  }

  async listen(): Promise<void> {
    this.fitMaxClients();
    const port = this.config.num('port');
    const tlsPort = this.config.num('tls-port');
    // The TLS material is checked before any socket opens: bad files refuse start-up.
    if (tlsPort !== 0) this.tls.ensure();
    if (port !== 0 || tlsPort === 0) await this.listeners.listenOn('tcp', port);
    if (tlsPort !== 0) await this.listeners.listenOn('tls', tlsPort);
    const unixsocket = this.config.str('unixsocket');
    if (unixsocket !== '') await this.listeners.listenUnix(unixsocket);
    if (this.allowList.text !== '') this.log.notice(`allow-from: connections are accepted only from ${this.allowList.text}`);
    await this.metrics.start();
    this.gc.start();
    this.startCron();
  }

  /**
   * CONFIG SET port / bind / tls-port: listens on `addresses` at `port` (Listeners.rebind: the new
   * listeners open before the old ones close; on failure the old ones keep serving).
   */
  rebind(addresses: readonly BindAddress[], port: number, kind: 'tcp' | 'tls' = 'tcp'): Promise<void> {
    return this.listeners.rebind(addresses, port, kind);
  }

  /** The listener gate: every accepted socket, before any byte of it is read. */
  accept(socket: net.Socket, kind: Transport): void {
    // SECURITY: allow-from: a peer outside the allowed networks is closed before a byte is read
    // (no TLS handshake, no reply), counted and logged (folded under a flood).
    if (kind !== 'unix' && !this.allowList.allows(socket.remoteAddress)) {
      this.allowList.refused(socket.remoteAddress, this.clock.now());
      if (this.audit.on) this.audit.refused(socket, kind, 'allow-from');
      socket.destroy();
      return;
    }
    socket.on('error', () => socket.destroy());
    if (kind === 'tls') {
      // SECURITY: a connection in its TLS handshake holds a descriptor like a client: it counts
      // against maxclients, and past it the handshake is not even started.
      if (this.clients.size + this.tlsOpen - this.tlsClients >= this.config.num('maxclients')) {
        this.stats.totalConnections++;
        this.stats.rejectedConnections++;
        if (this.audit.on) this.audit.refused(socket, kind, 'maxclients');
        socket.destroy();
        return;
      }
      this.tlsOpen++;
      socket.once('close', () => this.tlsOpen--);
      // The handshake runs first; tlsAccepted admits the client once it has completed.
      this.tls.endpoint!.handle(socket);
      return;
    }
    this.admit(socket, kind);
  }

  /** Sends a refusal and closes at once: the descriptor is not held until the peer closes. */
  private refuse(socket: net.Socket, text: string): void {
    socket.write(text, () => socket.destroy());
    // A peer that never reads cannot hold the socket either: the text is tiny, but if it cannot
    // be handed to the kernel at once the socket goes anyway.
    if (socket.writableLength > 0) socket.destroy();
  }

  private admit(socket: net.Socket, kind: Transport): Client | null {
    this.stats.totalConnections++;
    const handshaking = kind === 'tls' ? this.tlsOpen - this.tlsClients - 1 : this.tlsOpen - this.tlsClients;
    if (this.clients.size + handshaking >= this.config.num('maxclients')) {
      this.stats.rejectedConnections++;
      if (this.audit.on) this.audit.refused(socket, kind, 'maxclients');
      this.refuse(socket, '-ERR max number of clients reached\r\n');
      return null;
    }
    // SECURITY: protected mode: with no password on the default user, only loopback clients
    // (a unix socket is local). Refusals are counted, not logged one line each (a flood of them
    // would make the log the attack).
    if (kind !== 'unix' && this.config.bool('protected-mode') && this.users.defaultUser.nopass && !isLoopbackPeer(socket)) {
      this.stats.rejectedConnections++;
      this.stats.protectedModeRejections++;
      if (this.audit.on) this.audit.refused(socket, kind, 'protected-mode');
      this.refuse(socket, PROTECTED_MODE_DENIED);
      return null;
    }
    const client = new Client(this, socket, this.nextClientId++, kind);
    if (kind === 'tls') this.tlsClients++;
    client.authenticated = this.users.defaultLoginFree();
    this.clients.set(client.id, client);
    if (this.audit.on) this.audit.connection(client);
    if (kind !== 'unix') socket.setNoDelay(true);
    const ka = this.config.num('tcp-keepalive');
    if (ka > 0 && kind !== 'unix') socket.setKeepAlive(true, ka * 1000);
    const onData = (chunk: Buffer): void => {
      try {
        client.onData(chunk);
      } catch (e) {
        // A bug must cost one connection at most, never the server.
        this.log.warning(`Internal error serving ${client.addr}, closing it: ${(e as Error).stack ?? String(e)}`);
        client.close();
      }
    };
    // Reads land in one reused buffer where this Node allows it (no allocation per read, the
    // stream machinery skipped); the parser copies out what it has not consumed yet.
    const reused = readIntoSharedBuffer(socket, (view) => {
      onData(view);
      // A client being closed keeps none of its input (no copy of a flood's unparsed rest).
      if (client.closingAsap) client.parser.discard();
      else client.parser.release();
    });
    if (!reused) socket.on('data', onData);
    this.clientLimits.update(client);
    socket.on('error', () => client.close());
    socket.on('close', () => {
      client.closed = true;
      this.unlinkClient(client);
    });
    socket.resume();
    return client;
  }

  /** A TLS handshake completed: client-certificate checks, then the client is admitted. */
  private tlsAccepted(socket: tls.TLSSocket, m: TlsMaterial): void {
    this.tlsStats.handshakes++;
    // The certificate object itself: getPeerCertificate() would also build fingerprints and
    // decoded fields nobody reads here, at each connection.
    const peer = socket.getPeerX509Certificate();
    const presented = peer !== undefined;
    // SECURITY: with tls-auth-clients optional a client may present no certificate, but one it
    // presents must verify.
    if (m.clientAuth !== 'no' && presented && !socket.authorized) {
      this.tlsStats.handshakeFailures++;
      this.warnFolded('client certificate', `Error accepting a client connection: client certificate not verified (${String(socket.authorizationError)}) (addr=${peerOf(socket)})`);
      if (this.audit.on) this.audit.refused(socket, 'tls', 'client-certificate');
      socket.destroy();
      return;
    }
    const client = this.admit(socket, 'tls');
    if (client === null || this.config.str('tls-auth-clients-user') !== 'CN' || peer === undefined || !socket.authorized) return;
    // SECURITY: certificate login. The CN of a verified certificate is read from the DER bytes; a
    // name with NUL or control bytes is refused (never truncated), and only an existing enabled
    // user is logged in. Anything else leaves the client unauthenticated (AUTH still works).
    const cn = certificateCommonName(peer.raw);
    if (!cn.ok) {
      this.tlsStats.certLoginRefused++;
      this.log.warning(`Certificate login refused for ${client.addr}: ${cn.reason}`);
      if (this.audit.on) this.audit.login(client, false, '', 'certificate', `bad-common-name: ${cn.reason}`);
      return;
    }
    const u = this.users.get(cn.name);
    // SECURITY: a certificate login is held to the user's from: rules and to the lockout of its
    // source, like a password login (a certificate cannot be guessed: it adds no failure).
    let refusedHere: string | null = null;
    if (u !== undefined && !u.allowsSource(socket.remoteAddress)) refusedHere = "may not log in from this address (from: rules)";
    else if (this.lockout.sourceLocked(lockoutSource(socket.remoteAddress, false), this.clock.now())) refusedHere = 'logs in from a locked-out address';
    if (u === undefined || !u.enabled || refusedHere !== null) {
      this.tlsStats.certLoginRefused++;
      this.log.warning(`Certificate login refused for ${client.addr}: CN '${printableName(cn.name)}' ${refusedHere ?? (u === undefined ? 'is no ACL user' : 'is a disabled ACL user')}`);
      if (this.audit.on) this.audit.login(client, false, cn.name, 'certificate', refusedHere ?? undefined);
      return;
    }
    client.user = u;
    client.authenticated = true;
    client.credential = 'cert';
    this.tlsStats.certLogins++;
    this.log.verbose(`Certificate login: ${client.addr} is user '${printableName(cn.name)}'`);
    if (this.audit.on) this.audit.login(client, true, cn.name, 'certificate');
  }

  /** Per kind of folded warning: the current window, lines logged in it, and those left out. */
  private foldedWarnings = new Map<string, { windowStart: number; logged: number; suppressed: number }>();

  /**
   * A warning that an attacker can trigger at will (a refused client certificate, accept failing
   * for want of descriptors, a client dropped for its output): the first ten of each
   * auth-failure-log-interval are logged, the rest counted into one line at the next. `line` may
   * be a function, called only when the line is logged.
   */
  warnFolded(kind: string, line: string | (() => string)): void {
    let w = this.foldedWarnings.get(kind);
    if (w === undefined) {
      w = { windowStart: -Infinity, logged: 0, suppressed: 0 };
      this.foldedWarnings.set(kind, w);
    }
    const now = this.clock.now();
    if (now - w.windowStart >= this.config.num('auth-failure-log-interval') * 1000) {
      if (w.suppressed > 0) this.log.warning(`${w.suppressed} more warnings of this kind (${kind}) were not logged one by one`);
      w.windowStart = now;
      w.logged = 0;
      w.suppressed = 0;
    }
    if (w.logged < 10) {
      w.logged++;
      this.log.warning(typeof line === 'string' ? line : line());
    } else w.suppressed++;
  }

  private tlsFailed(e: Error, socket: tls.TLSSocket): void {
    this.tlsStats.handshakeFailures++;
    // A refused client certificate is worth a warning (someone holds a key we do not trust); other
    // handshake failures (scanners, plain-text clients) stay at verbose.
    // With TLS 1.3 the error is often only "socket hang up"; the socket still knows why it did not
    // verify the certificate the client presented.
    const why = (socket as tls.TLSSocket & { authorizationError?: Error | string | null }).authorizationError;
    const certRefused = (why !== undefined && why !== null) || /certificate|CERT/.test(e.message);
    const reason = e.message.trim() + (why !== undefined && why !== null ? ` (client certificate: ${String(why)})` : '');
    const line = `Error accepting a client connection: ${reason} (addr=${peerOf(socket)})`;
    if (certRefused) this.warnFolded('client certificate', line);
    else this.log.verbose(line);
    if (this.audit.on) this.audit.refused(socket, 'tls', certRefused ? 'client-certificate' : 'tls-handshake', peerOf(socket));
    socket.destroy();
  }

  /**
   * AUTH and HELLO AUTH: logs in as `user`, or counts, logs and records the failure in ACL LOG
   * (never the password). `cmdName` is the command as the client spelled it (ACL LOG's object).
   */
  authenticate(client: Client, user: string, pass: string, cmdName: string): boolean {
    const now = this.clock.now();
    const unix = client.transport === 'unix';
    const remote = unix ? undefined : client.socket.remoteAddress;
    const source = lockoutSource(remote, unix);
    const named = this.users.get(user);
    // SECURITY: lockout. A locked-out source fails every login, the right password included, and
    // a locked-out user name every login not from its own from: addresses; the password is not
    // even checked, the attempt does not extend the lockout, and the connection is closed.
    const locked = this.lockout.sourceLocked(source, now)
      ? 'address'
      : named !== undefined && this.lockout.userLocked(user, now) && !(named.from.length > 0 && named.allowsSource(remote))
        ? 'user'
        : null;
    // Why the login failed when it was not a wrong password (logged, never told to the client).
    let why = locked === 'address' ? `${source} is locked out` : locked === 'user' ? 'user name is locked out' : undefined;
    let u = locked === null ? this.users.check(user, pass) : null;
    if (locked !== null) {
      this.lockout.refusals++;
      client.closeAfterReply = true;
      if (this.audit.on) this.audit.lockout(client, user, AuditLog.method(client.lastCommand), locked, this.lockout.lockedUntil(source, user, now));
    } else {
      // SECURITY: from: rules. A login from an address the user's rules do not name fails exactly
      // like a wrong password (same reply, same counting); only the log says why.
      if (u !== null && !u.allowsSource(remote)) {
        u = null;
        why = "address not allowed by the user's from: rules";
      }
      if (u === null) {
        const started = this.lockout.failure(now, source, named === undefined ? null : user, client.addr);
        if (started.source !== null) client.closeAfterReply = true;
        if (this.audit.on && started.source !== null) this.audit.lockoutStarted(client, 'address', source, user, started.source);
        if (this.audit.on && started.user !== null) this.audit.lockoutStarted(client, 'user', user, user, started.user);
      }
    }
    if (u === null) {
      // SECURITY: every failed authentication is counted and logged (folded under a flood) with the
      // source and user name, never the password.
      this.authWatch.failure(now, client.addr, printable(user), why);
      if (this.audit.on) this.audit.login(client, false, user, AuditLog.method(client.lastCommand), why);
      this.aclLog.add(
        {
          reason: 'auth',
          context: client.multi !== null || inTransaction(client) ? 'multi' : 'toplevel',
          object: cmdName,
          username: user,
          ctime: this.clock.now(),
          clientInfo: this.clientInfo(client),
        },
        this.config.num('acllog-max-len'),
      );
      return false;
    }
    client.authenticated = true;
    client.user = u;
    client.credential = u.nopass ? 'nopass' : hashPassword(pass);
    if (this.audit.on) this.audit.login(client, true, user, AuditLog.method(client.lastCommand));
    return true;
  }

  /**
   * enable-debug-command and the like, and enable-protected-configs: "yes" always, "local" for
   * loopback (and unix socket) clients only, "no" never.
   */
  allowsProtected(configName: string, client: Client): boolean {
    const v = this.config.str(configName);
    return v === 'yes' || (v === 'local' && (client.transport === 'unix' || isLoopbackPeer(client.socket)));
  }

  unlinkClient(client: Client): void {
    if (!this.clients.delete(client.id)) return;
    if (client.transport === 'tls') this.tlsClients--;
    this.clientLimits.forget(client);
    this.monitors.delete(client);
    this.pause.waiting.delete(client);
    this.blocking.disconnected(client);
    client.flushQueued = false;
    this.pubsub.dropClient(client);
    if (client.replica !== null) this.replication.detach(client);
    if (client.watching.length > 0) this.events.unwatchAll(client);
    if (client.tracking !== null) this.tracking.disable(client);
    // Its query buffer goes back for the next client's first read.
    client.parser.discard();
  }

  /** Marks a client with replies to send; flushed after this turn's I/O, before the loop idles. */
  markPending(client: Client): void {
    if (client.closed) return;
    // SECURITY: replies written to a client outside its own turn (pub/sub, MONITOR) count against
    // its output limit as they are written.
    if (client.out.len > REPLY_BUFFER && !client.closingAsap) this.clientLimits.enforceOutput(client);
    if (!client.flushQueued) {
      client.flushQueued = true;
      this.pendingFlush[this.pendingCount++] = client;
    }
    this.scheduleFlush();
  }

  /**
   * A client's own read left replies to send. The first read after the loop has waited for input
   * sends them at once; reads after it, before the loop waits again (a busy loop finds more
   * sockets ready), leave theirs for the turn's end, written in one burst as Redis writes in
   * beforeSleep (a burst wakes a waiting peer once; a write after each read of a busy loop would
   * wake it for each, which cost GEOSEARCH without pipelining 70% more system time). They wait
   * too when something must go before them: another client's replies or BCAST invalidations (the
   * order beforeSleep keeps), or AOF bytes (written, and under appendfsync always synced for the
   * whole turn, before any reply). Waiting costs an immediate per turn; with one or two sockets
   * readable per turn, as without pipelining, that is about a request's worth of CPU.
   */
  repliesReady(client: Client): void {
    if (this.flushScheduled || client.flushQueued || this.aof.pendingBytes > 0) {
      this.markPending(client);
      return;
    }
    // The loop's idle time grows only when a poll had to wait (libuv polls without waiting
    // first): the same value, no wait since the last read. Where this Node does not count it,
    // every read looks like that and waits for the turn's end. (Read last: a call into Node.)
    const turn = nodeTiming.idleTime;
    if (turn === this.inlineTurn) this.markPending(client);
    else {
      this.inlineTurn = turn;
      client.flush();
    }
  }

  /** The loop's idle time when a read's replies were last sent at once (repliesReady). */
  private inlineTurn = -1;

  /** Runs flushPending once this turn's I/O has been handled (Redis's beforeSleep). */
  scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushPending);
    }
  }

  private readonly flushPending = (): void => {
    this.flushScheduled = false;
    // BCAST invalidations collected during the turn's commands (Redis sends them in beforeSleep).
    this.tracking.broadcast();
    // A client marked during this loop (one flush can mark another) is flushed in it too.
    for (let i = 0; i < this.pendingCount; i++) {
      const c = this.pendingFlush[i]!;
      this.pendingFlush[i] = null;
      // Unlinked since it was marked: nothing to send.
      if (!c.flushQueued) continue;
      c.flushQueued = false;
      c.flush();
    }
    this.pendingCount = 0;
  };

  /**
   * After an executed command (Dispatcher.call): latency stats and the slow log when it has
   * completed (`completed`; a command that blocked is recorded once, when it replies), and the
   * MONITOR feed (`monitor`; once per command, when it first runs).
   */
  afterCall(client: Client, cmd: Command, argv: string[], usec: number, completed: boolean, monitor = true, slowlog = true): void {
    if (completed) this.stats.recordCall(cmd, usec, this.clock);
    const threshold = this.slowlog.threshold;
    const logSlow = slowlog && completed && threshold >= 0 && usec >= threshold && !cmd.skipSlowlog;
    const feed = monitor && this.monitors.size > 0 && !cmd.skipMonitor && !cmd.isAdmin;
    if (!logSlow && !feed) return;
    // SECURITY: passwords never reach the slow log or MONITOR (as Redis: "(redacted)").
    const shown = redactSecrets(cmd, argv);
    if (logSlow) this.slowlog.add(this, client, shown, usec);
    if (feed) this.feedMonitors(client, shown);
  }

  /** MONITOR sees a script's EVAL before the commands it runs (EVAL itself skips the feed after it). */
  feedMonitorsNow(client: Client, argv: string[]): void {
    if (this.monitors.size > 0) this.feedMonitors(client, argv);
  }

  private feedMonitors(client: Client, argv: string[]): void {
    const now = this.clock.now();
    const ts = `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, '0')}`;
    const args = argv.map((a) => '"' + reprArg(a) + '"').join(' ');
    const line = `${ts} [${client.dbIndex} ${client.isScript ? 'lua' : client.addr}] ${args}`;
    for (const m of this.monitors) {
      if (m === client) continue;
      m.out.simple(line);
      this.markPending(m);
    }
  }

  /** One CLIENT LIST line (Client.info). */
  clientInfo(c: Client, currentArgv: string[] | null = null): string {
    return c.info(currentArgv);
  }

  /** Runs serverCron at `hz`: active expiry, client timeouts, pause expiry, stats sampling. */
  private startCron(): void {
    if (this.cronTimer) clearInterval(this.cronTimer);
    const hz = Math.max(1, Math.min(500, this.config.num('hz')));
    this.cronTimer = setInterval(() => this.cron(), Math.floor(1000 / hz));
    this.cronTimer.unref();
  }

  cron(): void {
    // Requests' arrival times follow a step of the wall clock within a cron period (Clock.at).
    this.clock.resync?.();
    if (this.cronPaused) return;
    const hz = Math.max(1, this.config.num('hz'));
    // While a script runs (suspended past busy-reply-threshold) the dataset is the script's: no
    // active expiry, eviction or snapshot starts until it ends, as in Redis.
    const scriptRunning = this.scripts.running !== null;
    // Redis gives the slow expire cycle 25% of each cron period.
    if (this.activeExpireEnabled && !scriptRunning) {
      const t0 = performance.now();
      this.ks.activeExpireCycle((1000 / hz) * 0.25, this.config.num('active-expire-effort'));
      // The latency monitor's expire-cycle event, as Redis records it for the whole cycle.
      this.stats.latencySample('expire-cycle', (performance.now() - t0) * 1000, this.clock.now());
    }
    this.ks.lruTick(this.clock.now());
    this.stats.sample(this.clock.now(), this.memory.used());
    this.pause.check();
    this.blocking.checkTimeouts();
    this.authWatch.tick(this.clock.now());
    this.lockout.tick(this.clock.now());
    // Eviction goes on while idle, as Redis's eviction time proc does.
    if (this.memory.maxmemory > 0 && !scriptRunning) this.memory.makeRoom();
    if (this.tracking.clients > 0) this.tracking.limit();
    if (!scriptRunning) this.snapshots.cron();
    this.aof.cron();
    if (!scriptRunning) this.replication.cron();
    this.allowList.tick(this.clock.now());
    this.clientLimits.cron(this.clients.size / hz);
    const timeout = this.config.num('timeout');
    if (timeout > 0) {
      const now = this.clock.now();
      for (const c of this.clients.values()) {
        // As Redis, blocked clients, subscribers, MONITOR and replicas are never timed out.
        if (c.blockedArgv === null && !c.monitor && c.replica === null && c.subs === null && now - c.lastInteraction > timeout * 1000) {
          this.log.verbose('Closing idle client');
          c.close();
        }
      }
    }
  }

  /**
   * The persistence part of SHUTDOWN and SIGTERM: flushes and syncs the AOF, then saves the
   * snapshot when save points are configured or `save` asks for it (never with `nosave`).
   * Returns the failure, or null; a failed save stops the shutdown unless `force`, a failed AOF
   * sync always does.
   */
  prepareShutdown(opts: { save?: boolean; nosave?: boolean; force?: boolean } = {}): string | null {
    this.snapshots.abortBgsave();
    try {
      this.aof.shutdown();
    } catch (e) {
      const msg = `Error flushing the AOF file on shutdown: ${(e as Error).message}`;
      this.log.warning(msg);
      return msg;
    }
    if (opts.nosave || !(opts.save || this.snapshots.hasSavePoints())) return null;
    this.log.warning('Saving the final RDB snapshot before exiting.');
    const e = this.snapshots.saveSync();
    if (e === null) return null;
    if (opts.force) {
      this.log.warning('Error trying to save the DB, exiting anyway (FORCE).');
      return null;
    }
    this.log.warning("Error trying to save the DB, can't exit.");
    return e;
  }

  /**
   * SHUTDOWN and SIGTERM (after prepareShutdown): flush and sync the AOF, stop accepting, flush replies, close, remove
   * the pid file. When the AOF cannot be synced, throws (after logging) and nothing is closed:
   * SHUTDOWN replies with an error, SIGTERM exits with status 1.
   */
  async shutdown(): Promise<void> {
    if (this.shuttingDown) return;
    this.log.warning('User requested shutdown...');
    try {
      this.aof.shutdown();
    } catch (e) {
      this.log.warning(`Error flushing the AOF file on shutdown: ${(e as Error).message}`);
      this.log.warning('Errors trying to shut down the server. Check the logs for more information.');
      throw e;
    }
    this.shuttingDown = true;
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
    this.listeners.closing = true;
    // The listening sockets close now (a connection attempt from here on is refused, as once
    // Redis has exited); the promise settles when their connections are gone.
    const listenersClosed = this.listeners.closeAll();
    if (this.cronTimer) clearInterval(this.cronTimer);
    this.cronTimer = null;
    this.gc.stop();
    this.scripts.abort();
    this.blocking.close();
    if (this.aof.on) this.aof.stop();
    for (const c of [...this.clients.values()]) {
      c.flush();
      c.close();
      c.socket.destroy();
    }
    this.tls.stop();
    await this.metrics.stop();
    await listenersClosed;
    this.audit.close();
  }
}

/** Node's loop timings: idleTime (ms the loop has waited in its polls) tells whether it waited since. */
const nodeTiming = performance.nodeTiming;

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
/** Configs whose values CONFIG SET hides from MONITOR and the slow log. */
const SENSITIVE_CONFIGS = new Set(CONFIG_TABLE.filter((d) => d.sensitive).flatMap((d) => [d.name, ...(d.aliases ?? [])]));

export function redactSecrets(cmd: Command, argv: string[]): string[] {
  if (cmd.fullName === 'auth') return argv.map((a, i) => (i === 0 ? a : REDACTED));
  if (cmd.fullName === 'acl|setuser') return argv.map((a, i) => (i < 2 ? a : REDACTED));
  if (cmd.fullName === 'config|set') {
    const out = argv.slice();
    for (let i = 2; i + 1 < out.length; i += 2) if (SENSITIVE_CONFIGS.has(out[i]!.toLowerCase())) out[i + 1] = REDACTED;
    return out;
  }
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

/**
 * "address:port" of a TLS connection's peer. Once a failed handshake has torn the TLS socket down
 * it no longer knows its peer; the TCP socket under it read the address when it was accepted.
 */
function peerOf(socket: tls.TLSSocket): string {
  const parent = (socket as unknown as { _parent?: net.Socket | null })._parent ?? null;
  const host = socket.remoteAddress ?? parent?.remoteAddress ?? '?';
  const port = socket.remotePort ?? parent?.remotePort ?? 0;
  return `${host.startsWith('::ffff:') ? host.slice(7) : host}:${port}`;
}

/** Redis counts only 127.0.0.1 and ::1 as local for protected mode (127.0.0.2 is "outside"). */
function isLoopbackPeer(socket: net.Socket): boolean {
  const a = socket.remoteAddress ?? '';
  return a === '127.0.0.1' || a === '::1' || a === '::ffff:127.0.0.1';
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
