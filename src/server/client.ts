// One connection: its parser, reply writer and session state (db, protocol, MULTI queue, ...).
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ProtocolError, RespParser } from '../protocol/parser.js';
import { ReplyWriter } from '../protocol/writer.js';
import type { Command } from '../commands/types.js';
import type { Db } from '../store/db.js';
import type { Server, Transport } from './server.js';
import { err } from '../errors.js';
import { REPLY_BUFFER } from './client-limits.js';
import { directHandle, writeDirect, type DirectHandle } from './socket-io.js';
import type { WatchedKey } from './events.js';
import type { Subscriptions } from './pubsub.js';
import type { TrackingState } from './tracking.js';
import type { User } from '../acl/users.js';
import type { ReplicaLink } from './replication.js';

export interface QueuedCommand {
  cmd: Command;
  argv: string[];
}

export type ReplyMode = 'on' | 'off' | 'skip';

export class Client {
  readonly id: number;
  readonly parser: RespParser;
  readonly out: ReplyWriter;
  dbIndex = 0;
  name = '';
  /** The ACL user this connection runs as (the default user until AUTH). */
  user: User;
  authenticated = true;
  /**
   * What logged this connection in: 'nopass' (no password was needed), 'cert' (certificate
   * login) or the SHA-256 digest of the password given. A change of the user that would refuse
   * it now logs the connection out (UserSessions.closeStaleLogins, acl/sessions.ts).
   */
  credential = 'nopass';
  readonly createdAt: number;
  lastInteraction: number;
  readonly addr: string;
  readonly laddr: string;
  /** Full name of the last command run, for CLIENT LIST. */
  lastCommand = 'NULL';
  /** MULTI queue, null outside a transaction. */
  multi: QueuedCommand[] | null = null;
  /** WATCHed keys, and whether one of them changed since (EXEC then fails). */
  watching: WatchedKey[] = [];
  watchDirty = false;
  /** Pub/sub subscriptions (server/pubsub.ts); null when none, which the dispatcher checks. */
  subs: Subscriptions | null = null;
  /** CLIENT TRACKING options (server/tracking.ts); null while tracking is off. */
  tracking: TrackingState | null = null;
  /** Offsets [start, end, ...] in `out` of pushes that CLIENT REPLY OFF/SKIP must not drop. */
  pushKeep: number[] | null = null;
  /** A queued command was refused: EXEC will abort. */
  multiDirty = false;
  replyMode: ReplyMode = 'on';
  /** The next command's reply is skipped (CLIENT REPLY SKIP). */
  skipNext = false;
  monitor = false;
  noEvict = false;
  /** The client a script's redis.call runs as (never blocks; MONITOR shows it as "lua"). */
  isScript = false;
  /** Set while the client waits (CLIENT PAUSE, blocking commands); input is not processed. */
  blockedArgv: string[] | null = null;
  /** Set while a reply comes later (deferReply); input is not processed. */
  deferred = false;
  /** Run once a deferred reply has been written (EXEC goes on with its queue after a suspended script). */
  deferredThen: (() => void) | null = null;
  closeAfterReply = false;
  closed = false;
  /** In the server's list of clients to flush this turn (Server.markPending). */
  flushQueued = false;
  /** Set when the client must go as soon as the running command returns (limits, eviction). */
  closingAsap = false;
  /** This client's memory as last added to the server's total (server/client-limits.ts). */
  memAccounted = 0;
  /** Bytes of the arguments queued in MULTI. */
  multiBytes = 0;
  /** When the output first stayed above its class's soft limit (ms), 0 when below. */
  softLimitSince = 0;
  /**
   * Set by a handler that must propagate (to the AOF) something other than its own argv
   * (server/propagate.ts); read and cleared by the dispatcher's call path.
   */
  propagateAs: string[][] | null = null;
  /** Set once the connection is a replica (SYNC/PSYNC; server/replication.ts). */
  replica: ReplicaLink | null = null;
  /** REPLCONF listening-port / ip-address, sent by a replica before it asks to synchronise. */
  replicaPort = 0;
  replicaIp: string | null = null;
  /** Bytes read and written, for INFO stats. */
  netIn = 0;
  /** False once a socket write did not complete before returning, until the socket has drained (see flush). */
  private writesComplete = true;
  /** The socket's handle, where replies go past the Writable stream (socket-io.ts writeDirect); null: through the stream. */
  private readonly handle: DirectHandle | null;
  /**
   * Whether replies have gone through the socket's Writable stream (no direct writes, a write
   * that did not complete at once, a replica's synchronisation) since it was last found drained
   * (flush): until then it holds nothing and its length is not read at every flush.
   */
  private streamWritten: boolean;
  /** Bytes of a direct write the handle still holds (it completes later). */
  private directHeld = 0;
  private readonly directDone = (): void => {
    this.directHeld = 0;
  };

  constructor(
    readonly server: Server,
    readonly socket: Socket,
    id: number,
    /** tcp, tls or unix (CLIENT LIST shows unix socket clients as Redis does: addr=path:0, flag U). */
    readonly transport: Transport = 'tcp',
  ) {
    this.id = id;
    this.user = server.users.defaultUser;
    this.parser = new RespParser(server.parserLimits(this));
    this.out = new ReplyWriter(server.stats);
    this.handle = directHandle(socket);
    this.streamWritten = this.handle === null;
    this.createdAt = server.clock.now();
    this.lastInteraction = this.createdAt;
    if (transport === 'unix') {
      this.addr = `${server.config.str('unixsocket')}:0`;
      this.laddr = this.addr;
    } else {
      this.addr = formatAddr(socket.remoteAddress, socket.remotePort);
      this.laddr = formatAddr(socket.localAddress, socket.localPort);
    }
  }

  /** A client without a connection: AOF replay and scripts. Replies are written, never sent. */
  static detached(server: Server): Client {
    const socket = {
      remoteAddress: undefined,
      remotePort: undefined,
      localAddress: undefined,
      localPort: undefined,
      writableLength: 0,
      write: () => true,
      end: () => undefined,
      destroy: () => undefined,
      destroySoon: () => undefined,
    };
    return new Client(server, socket as unknown as Socket, 0);
  }

  /** Reply bytes handed to the socket and not yet taken by the kernel. */
  get socketHeld(): number {
    return (this.streamWritten || this.replica !== null ? this.socket.writableLength : 0) + this.directHeld;
  }

  get db(): Db {
    return this.server.ks.dbs[this.dbIndex]!;
  }

  get resp(): 2 | 3 {
    return this.out.resp;
  }

  onData(chunk: Buffer): void {
    // Input that arrives for a client being closed is dropped unread (a closed one's socket may
    // still read while its last replies drain: its query buffer was given back, none is taken).
    if (this.closingAsap || this.closed) return;
    this.netIn += chunk.length;
    this.server.stats.netInput += chunk.length;
    // One clock reading: the arrival time, and the start of the first command's time.
    const readAt = performance.now();
    const clock = this.server.clock;
    const now = clock.at === undefined ? clock.now() : clock.at(readAt);
    this.lastInteraction = now;
    this.server.ks.lruTick(now);
    const parser = this.parser;
    parser.feed(chunk);
    const limits = this.server.clientLimits;
    if (parser.pending > REPLY_BUFFER) {
      if (parser.pending + parser.argvBytes > this.server.queryBufferLimit) {
        // SECURITY: a client may not pile up unbounded unparsed input.
        this.server.log.warning(`Closing client that reached max query buffer length: ${this.describe()}`);
        this.close();
        return;
      }
      // A big request being read counts before it runs (maxmemory-clients).
      limits.update(this);
      if (this.closingAsap) return;
    }
    this.processInput(readAt);
    // The flush counts the client's memory; without one, it is counted now.
    if (this.out.len > 0 || this.closeAfterReply) this.server.repliesReady(this);
    else limits.update(this);
  }

  /**
   * Parses and runs commands until input runs out or the client blocks; `readAt`: the
   * performance.now() reading of the read that brought the input (-1: none).
   */
  processInput(readAt = -1): void {
    this.server.dispatcher.startBatch(readAt);
    while (this.blockedArgv === null && !this.deferred && !this.closeAfterReply && !this.closed && !this.closingAsap) {
      let argv: string[] | null;
      try {
        argv = this.parser.next();
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        this.server.log.verbose(`${e.message} from client: ${this.describe()}`);
        this.out.error(err.message(e.message));
        this.closeAfterReply = true;
        break;
      }
      if (argv === null) break;
      if (argv.length === 0) continue;
      this.server.dispatcher.run(this, argv);
      // SECURITY: replies past the client's output limit (or, before login, past a few KB) close
      // it before more of its input runs.
      if (this.out.len > REPLY_BUFFER) this.server.clientLimits.enforceOutput(this);
    }
  }

  /** Sends what the handlers wrote: after its read (Server.repliesReady) or at the turn's end (Server.markPending). */
  flush(): void {
    if (this.closed) return;
    if (this.closingAsap) {
      // Output limit or client eviction: what it was not sent yet is dropped.
      this.close();
      return;
    }
    // The AOF is written (and, with appendfsync always, synced) before any reply goes out;
    // under "always" the replies wait for one sync shared by every client of this turn.
    const aof = this.server.aof;
    if (aof.pendingBytes > 0 && aof.holdReplies(this)) return;
    // A replica gets nothing but its synchronisation until it is online (server/replication.ts).
    if (this.out.len > 0 && (this.replica === null || this.replica.phase === 'online')) {
      // SECURITY: a client that does not read its replies may not make the server hold them
      // without bound (client-output-buffer-limit; before login, a few KB).
      if (this.server.clientLimits.enforceOutput(this)) {
        this.close();
        return;
      }
      this.pushKeep = null;
      // A TCP socket whose writes stopped completing at once (a big reply, a reader that paused)
      // and that has drained since (no direct write held, nothing in its stream) is written to
      // directly again: nothing queued can be overtaken.
      if (!this.writesComplete && this.handle !== null && this.directHeld === 0 && this.replica === null && this.socket.writableLength === 0) {
        this.writesComplete = true;
        this.streamWritten = false;
      }
      // While writes complete at once (plain TCP), write straight from the reply buffer and reuse
      // it; once one does not (TLS writes complete later, or a slow reader), copy replies out.
      const direct = this.writesComplete;
      const data = direct ? this.out.pending() : this.out.take();
      this.server.stats.netOutput += data.length;
      // Past the Writable stream while it holds nothing (a replica's snapshot goes through it).
      const handle = this.handle;
      const held = direct && handle !== null && this.replica === null && !this.streamWritten ? writeDirect(this.socket, handle, data, this.directDone) : -1;
      if (held < 0) {
        this.streamWritten = true;
        this.socket.write(data);
      } else this.directHeld = held;
      if (direct) {
        this.writesComplete = held < 0 ? this.socket.writableLength === 0 : held === 0;
        this.out.sent(this.writesComplete, this.server.replyBufferResizing);
      }
    }
    if (this.closeAfterReply) this.close();
    else this.server.clientLimits.update(this);
  }

  /**
   * For handlers whose reply can be huge (HRANDFIELD with a large negative count and the like):
   * true once the client has passed its output limit and is being closed, so the handler stops
   * building a reply nobody will receive. Cheap enough to call every few hundred elements.
   */
  outputLimitReached(): boolean {
    return this.closingAsap || this.server.clientLimits.enforceOutput(this);
  }

  /** Resumes a client that was waiting (pause ended, key became ready). */
  resume(): void {
    const argv = this.blockedArgv;
    if (argv === null || this.closed) return;
    this.blockedArgv = null;
    // A batch of its own: its time starts now, not at the last read (a pause may have lasted
    // seconds since; a script takes its start time from this reading).
    this.server.dispatcher.startBatch();
    this.server.dispatcher.run(this, argv);
    this.processInput();
    this.flush();
  }

  /**
   * For a handler whose reply needs asynchronous work (CONFIG SET port/bind): writes nothing now
   * and holds the client (no more input processed) until `work` settles; it resolves to a
   * function that writes the reply, then pending input is processed. CLIENT REPLY OFF/SKIP in
   * force when the command ran drop the reply. Inside EXEC, EXEC sets `deferredThen` to go on
   * with its queue once the reply is written (a suspended script).
   */
  deferReply(work: Promise<() => void>): void {
    const drop = this.skipNext || this.replyMode === 'off';
    this.deferred = true;
    const done = (write: () => void): void => {
      this.deferred = false;
      try {
        // Also for a client that has gone meanwhile: what the writer finishes (a script's end,
        // which frees the server from BUSY; EXEC's remaining commands) must happen.
        const mark = this.out.len;
        write();
        if (drop) this.out.len = mark;
        const then = this.deferredThen;
        this.deferredThen = null;
        then?.();
        // The deferred command has completed (with the rest of its EXEC): as after any command,
        // clients blocked on keys it made ready are served.
        if (this.server.blocking.pending) this.server.blocking.handleReady();
        if (this.closed) return;
        if (!this.deferred) this.processInput();
        this.flush();
      } catch (e) {
        this.server.log.warning(`Internal error serving ${this.addr}, closing it: ${(e as Error).stack ?? String(e)}`);
        this.close();
      }
    };
    work.then(done, (e: unknown) => {
      this.server.log.warning(`Internal error in a deferred reply: ${(e as Error).stack ?? String(e)}`);
      done(() => this.out.error(err.internal()));
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.closingAsap) this.socket.destroy();
    else {
      this.socket.end();
      this.socket.destroySoon?.();
    }
    this.server.unlinkClient(this);
  }

  /**
   * Closes the client once the running command has returned, without sending what it has not been
   * sent yet (output limits, client eviction). Its memory leaves the total at once.
   */
  closeAsap(): void {
    if (this.closed || this.closingAsap) return;
    this.closingAsap = true;
    // Stop reading now: a flood keeps arriving until the socket is closed, and reading it (libuv
    // reads a ready socket several times per turn) is work for nothing.
    this.socket.pause();
    this.server.clientLimits.forget(this);
    this.server.markPending(this);
  }

  /** "id=3 addr=127.0.0.1:5555 laddr=... fd=... name=..." as CLIENT LIST shows one client. */
  describe(): string {
    return this.info(null);
  }

  /**
   * This client's CLIENT LIST line, as Redis 7.0 writes it. `currentArgv`: the command running now
   * when the client describes itself (Redis still holds it in the query buffer: it is counted).
   */
  info(currentArgv: string[] | null): string {
    const now = this.server.clock.now();
    let flags = '';
    if (this.replica !== null) flags += 'S';
    if (this.monitor) flags += 'O';
    if (this.subs !== null) flags += 'P';
    if (this.multi !== null) flags += 'x';
    if (this.blockedArgv !== null) flags += 'b';
    const t = this.tracking;
    if (t !== null) {
      flags += 't';
      if (t.brokenRedirect) flags += 'R';
      if (t.bcast) flags += 'B';
    }
    if (this.watchDirty) flags += 'd';
    if (this.closeAfterReply) flags += 'c';
    if (this.closingAsap) flags += 'A';
    if (this.transport === 'unix') flags += 'U';
    if (this.noEvict) flags += 'e';
    if (flags === '') flags = 'N';
    const m = this.server.clientLimits.memory(this, currentArgv);
    const out = this.out;
    const pendingInSocket = this.socketHeld;
    const fd = (this.socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    return (
      `id=${this.id} addr=${this.addr} laddr=${this.laddr} fd=${fd} name=${this.name}` +
      ` age=${Math.floor((now - this.createdAt) / 1000)} idle=${Math.max(0, Math.floor((now - this.lastInteraction) / 1000))} flags=${flags}` +
      ` db=${this.dbIndex} sub=${this.subs?.channels.size ?? 0} psub=${this.subs?.patterns.size ?? 0} ssub=${this.subs?.shard.size ?? 0}` +
      ` multi=${this.multi === null ? -1 : this.multi.length} qbuf=${m.qbuf} qbuf-free=${m.qbufFree} argv-mem=${m.argvMem}` +
      ` multi-mem=${m.multiMem} rbs=${m.rbs} rbp=${m.rbp} obl=${Math.min(out.len, REPLY_BUFFER)} oll=${pendingInSocket > 0 || out.len > REPLY_BUFFER ? 1 : 0}` +
      ` omem=${m.omem} tot-mem=${m.totMem} events=r${out.len > 0 || pendingInSocket > 0 ? 'w' : ''} cmd=${this.lastCommand} user=${this.user.name} redir=${t === null ? -1 : t.redirect} resp=${this.resp}`
    );
  }
}

function formatAddr(host: string | undefined, port: number | undefined): string {
  if (host === undefined) return '?:0';
  const h = host.startsWith('::ffff:') ? host.slice(7) : host;
  return `${h}:${port ?? 0}`;
}
