// The one dispatch path. Every command, from every connection and from EXEC, passes here,
// in Redis's processCommand order. Handlers never check arity, authentication or permissions.
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { err } from '../errors.js';
import { keysOf, rangeLast } from '../commands/keyspecs.js';
import type { Command } from '../commands/types.js';
import type { Client } from './client.js';
import { PUBSUB_CONTEXT_COMMANDS, dropReplies, pubsubContextError } from './pubsub.js';
import type { Server } from './server.js';
import { queuedBytes } from './client-limits.js';
import { endCaching } from './tracking.js';
import type { RunningScript } from '../scripting/engine.js';

/** Commands refused unless a config allows them (Redis's "protected" commands). */
const PROTECTED_GATES: Record<string, { name: string; config: string } | undefined> = {
  debug: { name: 'DEBUG', config: 'enable-debug-command' },
  module: { name: 'MODULE', config: 'enable-module-command' },
};

/** Commands that run (not queue) inside MULTI. */
const MULTI_PASSTHROUGH = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

export class Dispatcher {
  private crossProtocolAttempts = 0;
  /** DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call noscript commands (Redis's test hook). */
  denyScriptsDisabled = false;
  private crossProtocolLoggedAt = -Infinity;
  constructor(private readonly server: Server) {}

  /** Resolves argv to a command or subcommand; on failure writes the error and returns null. */
  private resolve(client: Client, argv: string[]): Command | null {
    const name = argv[0]!;
    const table = this.server.table;
    let cmd = table.lookup(name);
    // As Redis, the connection's last command (CLIENT LIST / CLIENT INFO / ACL LOG cmd=) is what
    // the lookup found, set before any check: a command refused for its arity, by ACL or queued in
    // MULTI shows its name; one that is not found (command or subcommand) shows NULL.
    if (cmd === undefined) {
      client.lastCommand = 'NULL';
      this.reject(client, null, err.unknownCommand(name, argv.slice(1)));
      return null;
    }
    // A container named alone is checked against its own arity (COMMAND -1 runs, CLIENT -2 does not).
    if (cmd.subcommands !== null && argv.length > 1) {
      const sub = cmd.subcommands.get(argv[1]!.toLowerCase());
      if (sub === undefined) {
        // Not counted as a rejected call of the container: Redis found no command.
        client.lastCommand = 'NULL';
        this.reject(client, null, err.unknownSubcommand(argv[1]!, name));
        return null;
      }
      cmd = sub;
    }
    client.lastCommand = cmd.fullName;
    const arity = cmd.meta.arity;
    if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
      this.reject(client, cmd, err.wrongArity(cmd.fullName));
      return null;
    }
    return cmd;
  }

  /** A refusal before execution: counts it and marks a MULTI as doomed. */
  private reject(client: Client, cmd: Command | null, msg: string): void {
    if (cmd !== null) cmd.stats.rejected++;
    // CLIENT CACHING covers the next command even when that one is refused (outside MULTI).
    endCaching(client, cmd);
    if (cmd !== null && cmd.fullName === 'exec') {
      // As Redis: a refused EXEC (arity, NOAUTH, ...) aborts and discards the transaction, if any.
      client.multi = null;
      client.multiDirty = false;
      if (client.watching.length > 0 || client.watchDirty) this.server.events.unwatchAll(client);
      msg = err.execAbortBecause(msg);
    } else if (client.multi !== null) client.multiDirty = true;
    this.reply(client, () => client.out.error(msg));
  }

  /** Writes a dispatcher-level reply, honouring CLIENT REPLY OFF/SKIP. */
  private reply(client: Client, write: () => void): void {
    const mark = client.out.len;
    write();
    if (client.skipNext || client.replyMode === 'off') client.out.len = mark;
    client.skipNext = false;
  }

  run(client: Client, argv: string[]): void {
    const server = this.server;
    // SECURITY: cross-protocol scripting: an HTTP request ("POST", "Host:") aimed at this port is
    // not a Redis client. Close without a reply; log at most once a minute with the count.
    // (Letters and length first: a command's name is lower-cased, a new string, only when it
    // could be one of them; PFADD, HSET and PING never are.)
    const first = argv[0]!;
    const n0 = first.length;
    const c0 = first.charCodeAt(0) | 0x20;
    if (((n0 === 4 && c0 === 0x70) || (n0 === 5 && c0 === 0x68)) && (first.charCodeAt(1) | 0x20) === 0x6f && (first.toLowerCase() === 'post' || first.toLowerCase() === 'host:')) {
      this.crossProtocolAttempts++;
      const now = server.clock.now();
      if (now - this.crossProtocolLoggedAt > 60_000) {
        server.log.warning(
          `Possible SECURITY ATTACK detected from ${client.addr}: it looks like somebody is sending POST or Host: commands ` +
            `(cross protocol scripting); ${this.crossProtocolAttempts} such connection(s) aborted since the last report.`,
        );
        this.crossProtocolLoggedAt = now;
        this.crossProtocolAttempts = 0;
      }
      client.close();
      return;
    }
    // 1-2. lookup (renamed and removed names resolved by the table) and arity
    const cmd = this.resolve(client, argv);
    if (cmd === null) return;
    // SECURITY: 3. DEBUG and MODULE run only where enable-debug-command / enable-module-command
    // allow them ("local": loopback and unix-socket clients only).
    const gate = cmd.isProtected ? PROTECTED_GATES[cmd.acl.parent?.fullName ?? cmd.fullName] : undefined;
    if (gate !== undefined && !server.allowsProtected(gate.config, client)) {
      this.reject(
        client,
        cmd,
        err.protectedCommand(gate.name, gate.config),
      );
      return;
    }
    // SECURITY: 4. authentication: until AUTH succeeds only no-auth commands (AUTH, HELLO, QUIT) run.
    if (!client.authenticated && !cmd.noAuth) {
      this.reject(client, cmd, err.noAuth());
      return;
    }
    // A script past busy-reply-threshold holds the server: only allow-busy commands run (SCRIPT
    // KILL, SHUTDOWN NOSAVE, AUTH, ...), as Redis answers everything else BUSY.
    const busy = server.scripts.running;
    if (busy?.busy === true && busy.caller !== client && !busyAllows(cmd, argv)) {
      this.reject(client, cmd, busy.chunk === 'user_function' ? err.busyFunction() : err.busyScript());
      return;
    }
    // 5. MULTI
    if (client.multi !== null && cmd.noMulti) {
      this.reject(client, cmd, err.notInMulti());
      return;
    }
    // SECURITY: 6. ACL: the command (or subcommand) bit, then every key from the key specs against
    // the user's read/write patterns, then pub/sub channels. Queued commands are checked again at EXEC.
    if (!client.user.unrestricted && !this.aclAllows(client, cmd, argv, client.multi !== null ? 'multi' : 'toplevel')) return;
    // The command's effective flags, worked out once: EXEC writes, may run out of memory or may
    // replicate when a command in its queue does (Redis's mstate flags).
    const name = cmd.parent?.fullName ?? cmd.fullName;
    const queue = name === 'exec' ? client.multi : null;
    let isWrite = cmd.isWrite;
    let denyOom = cmd.isDenyOom;
    let mayReplicate = cmd.mayReplicate;
    if (queue !== null) {
      for (const q of queue) {
        isWrite ||= q.cmd.isWrite;
        denyOom ||= q.cmd.isDenyOom;
        mayReplicate ||= q.cmd.mayReplicate;
      }
    }
    // A script that declared its flags (#!lua flags=...) is gated by them, as Redis does: it
    // writes unless no-writes, and is refused above maxmemory unless allow-oom or no-writes.
    const declared = cmd.runsScript ? server.scripts.declaredFlags(name, argv) : null;
    if (declared !== null) {
      isWrite = !declared.noWrites;
      denyOom = !declared.allowOom && !declared.noWrites;
      // Its declared flags say whether it writes: may-replicate goes (CLIENT PAUSE WRITE lets a
      // no-writes script run).
      mayReplicate = isWrite;
    }
    // 7. out of memory: above maxmemory, keys are evicted as the policy allows; if memory stays
    // above, commands that may use more are refused (and, inside MULTI, everything but
    // EXEC/DISCARD/QUIT/RESET, as queueing uses memory too).
    if (server.memory.maxmemory > 0 && !server.memory.makeRoom()) {
      const refuse = denyOom || (client.multi !== null && name !== 'exec' && name !== 'discard' && name !== 'quit' && name !== 'reset');
      if (refuse) {
        this.reject(client, cmd, err.oom());
        return;
      }
    }
    // Client-side caching: keep the tracking table within tracking-table-max-keys.
    if (server.tracking.clients > 0) server.tracking.limit();
    // 7b. Disk errors: while the last snapshot failed (stop-writes-on-bgsave-error) or the AOF
    // cannot be written, no writes, and no PING either (Redis's MISCONF: a health check sees it).
    if ((isWrite || name === 'ping') && (server.snapshots.writesDenied() || (server.aof.on && server.aof.lastWriteStatus === 'err'))) {
      this.reject(
        client,
        cmd,
        server.snapshots.writesDenied()
          ? err.misconfRdb()
          : err.misconfAof(server.aof.lastWriteError),
      );
      return;
    }
    // 7c. min-replicas-to-write: no writes while too few replicas are in sync (NOREPLICAS).
    if (isWrite && server.replication.writesDenied()) {
      this.reject(client, cmd, err.noReplicas());
      return;
    }
    // Pub/sub context: a RESP2 client with subscriptions may only (un)subscribe, PING, QUIT, RESET.
    if (client.subs !== null && client.resp === 2 && !PUBSUB_CONTEXT_COMMANDS.has(cmd.fullName)) {
      this.reject(client, cmd, pubsubContextError(cmd.fullName));
      return;
    }
    // 8. client pause: postponed until unpaused, before queueing (a write queued in MULTI waits
    // too, and EXEC of a queue that writes).
    if (server.pause.blocks(mayReplicate)) {
      client.blockedArgv = argv;
      server.pause.waiting.add(client);
      return;
    }
    if (client.multi !== null && !MULTI_PASSTHROUGH.has(name)) {
      // multiBytes counts the current queue only: it restarts with the first queued command.
      client.multiBytes = (client.multi.length === 0 ? 0 : client.multiBytes) + queuedBytes(argv);
      client.multi.push({ cmd, argv });
      this.reply(client, () => client.out.raw('+QUEUED\r\n'));
      return;
    }
    // 9. execute, then serve clients blocked on keys this command made ready
    this.call(client, cmd, argv);
    if (server.blocking.pending) server.blocking.handleReady();
  }

  /**
   * An ACL denial, in ACL LOG and the audit log: `who` made the request (a script's caller for
   * context lua), `infoArgv` the command CLIENT INFO shows for it (null: its last one).
   */
  private recordDenial(who: Client, username: string, cmd: Command, argv: string[], denied: { denial: 'command' | 'key' | 'channel'; pos: number }, context: 'toplevel' | 'multi' | 'lua', infoArgv: string[] | null): void {
    const server = this.server;
    const object = denied.denial === 'command' ? cmd.fullName : argv[denied.pos]!;
    server.aclLog.add(
      { reason: denied.denial, context, object, username, ctime: server.clock.now(), clientInfo: server.clientInfo(who, infoArgv) },
      server.config.num('acllog-max-len'),
    );
    if (server.audit.on) server.audit.denied(who, cmd, argv, denied.denial, object, context);
  }

  /**
   * The ACL check of one request (dispatch and EXEC). On denial: logs it in ACL LOG, replies with
   * Redis's NOPERM text (a different one at EXEC) and returns false.
   */
  aclAllows(client: Client, cmd: Command, argv: string[], context: 'toplevel' | 'multi', atExec = false): boolean {
    const denied = client.user.check(cmd.acl, argv);
    if (denied === null) return true;
    this.recordDenial(client, client.user.name, cmd, argv, denied, context, argv);
    if (atExec) {
      const reason =
        denied.denial === 'command'
          ? 'no permission to execute the command or subcommand'
          : denied.denial === 'key'
            ? 'no permission to touch the specified keys'
            : 'no permission to access one of the channels used as arguments';
      client.out.error(err.aclChangedAtExec(reason));
      return false;
    }
    const msg =
      denied.denial === 'command'
        ? err.noPermCommand(cmd.fullName)
        : denied.denial === 'key'
          ? err.noPermKey()
          : err.noPermChannel();
    this.reject(client, cmd, msg);
    return false;
  }

  /**
   * redis.call / redis.pcall: a command from the running script, checked as Redis checks a
   * script's command (lookup, arity, the noscript flag, ACL with context "lua", read-only
   * scripts, MISCONF, OOM), then run by call() as the script's client. Returns the bytes of the
   * command's reply, or the error text of a refusal.
   */
  scriptCall(script: RunningScript, argv: string[]): Buffer | { error: string } {
    const server = this.server;
    const sc = script.client;
    const table = server.table;
    let cmd = table.lookup(argv[0]!);
    if (cmd !== undefined && cmd.subcommands !== null && argv.length > 1) cmd = cmd.subcommands.get(argv[1]!.toLowerCase());
    if (cmd === undefined) {
      const missing = table.missingMeta(argv[0]!, argv[1]);
      return this.refuseScriptCall(undefined, missing?.flags.includes('noscript') === true && !this.denyScriptsDisabled ? err.scriptForbidden() : err.scriptUnknownCommand());
    }
    const arity = cmd.meta.arity;
    if ((arity > 0 && argv.length !== arity) || argv.length < -arity) return this.refuseScriptCall(cmd, err.scriptWrongArity());
    // DEBUG SET-DISABLE-DENY-SCRIPTS 1 lifts this one rule (Redis's test hook).
    if (cmd.noScript && !this.denyScriptsDisabled) return this.refuseScriptCall(cmd, err.scriptForbidden());
    // SECURITY: the caller's ACL user runs the script's commands; denials are logged with context "lua".
    if (!sc.user.unrestricted) {
      const denied = sc.user.check(cmd.acl, argv);
      if (denied !== null) {
        this.recordDenial(script.caller, sc.user.name, cmd, argv, denied, 'lua', null);
        return this.refuseScriptCall(cmd, err.scriptNoPerm(denied.denial));
      }
    }
    // A read-only script may not write, nor run what may replicate (PUBLISH): Redis's rule, which
    // keeps read-only scripts runnable during CLIENT PAUSE WRITE.
    if (script.readOnly && cmd.mayReplicate) return this.refuseScriptCall(cmd, err.scriptReadOnly());
    if (cmd.isWrite) {
      if (server.snapshots.writesDenied()) return this.refuseScriptCall(cmd, err.misconfRdb());
      if (server.aof.on && server.aof.lastWriteStatus === 'err') return this.refuseScriptCall(cmd, err.misconfAof(server.aof.lastWriteError));
      if (server.replication.writesDenied()) return this.refuseScriptCall(cmd, err.noReplicas());
    }
    // OOM: a command that may use more memory is refused above maxmemory unless the script
    // declared allow-oom (a script without a shebang is checked at each such command).
    if (cmd.isDenyOom && !script.flags.allowOom && server.memory.maxmemory > 0 && !server.memory.makeRoom()) return this.refuseScriptCall(cmd, err.oom());
    if (cmd.isWrite) script.wrote = true;
    const out = sc.out;
    out.len = 0;
    this.call(sc, cmd, argv, 'script');
    // The script client's buffer itself, not a copy nor a view: the reply is its first bytes, and
    // redis.call reads that one reply into Lua values (never past it) before the script can run
    // another command (which writes over it).
    const reply = out.buf;
    out.len = 0;
    return reply;
  }

  /** A redis.call refused: counted as Redis counts it (INFO errorstats, the command's rejected_calls). */
  private refuseScriptCall(cmd: Command | undefined, error: string): { error: string } {
    if (cmd !== undefined) cmd.stats.rejected++;
    const sp = error.indexOf(' ');
    this.server.stats.countError(sp < 0 ? error : error.slice(0, sp));
    return { error };
  }

  /**
   * End time of the previous command in this input batch, -1 at the start of a batch. Chaining
   * saves one clock read per command; a command's time then includes parsing its own request.
   */
  private lastTime = -1;

  /** The performance.now() reading that started the command running now (the outermost, for a script's). */
  private commandStart = 0;

  /**
   * When the command running now started, in ms since the epoch, from the reading that started its
   * timing (no second clock read): a script's start, as which its keys expire.
   */
  commandStartMs(): number {
    const clock = this.server.clock;
    return clock.at === undefined ? clock.now() : clock.at(this.commandStart);
  }

  /**
   * Called before a batch of input (a socket read, a resumed client), with the performance.now()
   * reading taken at the read (-1: none), which then starts the first command's time.
   */
  startBatch(readAt = -1): void {
    this.lastTime = readAt;
  }

  /**
   * Executes a resolved command: the handler, then memory accounting, propagation, stats, slow log
   * and MONITOR. The one way into a handler, whatever the origin:
   * - 'client': a client's request (dispatcher.run), after every gate;
   * - 'exec': a command of EXEC's queue (its gates were checked for EXEC as a whole);
   * - 'unblocked': a blocked command served because its key became ready; `priorUsec` is the time
   *   it already ran before it blocked, so that stats and the slow log see its whole duration once;
   * - 'aof': a command replayed from the append-only file: no propagation, stats or MONITOR (as
   *   Redis's loading client), and an exception reaches the loader, which refuses the file.
   */
  call(client: Client, cmd: Command, argv: string[], origin: CallOrigin = 'client', priorUsec = 0): void {
    const server = this.server;
    const out = client.out;
    const mark = out.len;
    const errorsBefore = out.errors;
    const t0 = origin === 'client' && this.lastTime >= 0 ? this.lastTime : performance.now();
    if (origin !== 'script') this.commandStart = t0;
    // Propagation (AOF): what changed the dataset is recorded after the handler (server/propagate.ts).
    const prop = server.propagator;
    const replay = origin === 'aof';
    const dirtyBefore = server.ks.stats.dirty;
    // Client-side caching: while no client tracks keys, a command pays this check and one after.
    const tracking = server.tracking;
    const top = prop.depth === 0 && !replay;
    if (tracking.on && !replay) tracking.enter(client, cmd, argv, top, origin === 'script');
    if (!replay) prop.depth++;
    try {
      cmd.handler(client, argv, server);
    } catch (e) {
      if (replay) throw e;
      // Any exception here is a bug: log it, never send a stack trace.
      server.log.warning(`Internal error in '${cmd.fullName}': ${(e as Error).stack ?? String(e)}`);
      out.len = mark;
      out.error(err.internal());
    } finally {
      if (!replay) prop.depth--;
    }
    // Memory accounting: typed values a write changed in place are folded into the db's count
    // (nothing to do when the command touched only strings).
    if (cmd.isWrite && (replay || server.ks.typedTouched)) {
      const r = cmd.acl.keyRange;
      if (r === null) client.db.reaccountKeys(argv, keysOf(cmd, argv));
      else client.db.reaccountRange(argv, r.first, rangeLast(r, argv.length), r.step);
    }
    if (!replay && prop.sink !== null) prop.afterCall(client, cmd, argv, dirtyBefore);
    else client.propagateAs = null;
    if (replay) return;
    // The audit log: the dangerous commands when they run (audit.command picks them), by the caller of a script.
    if (server.audit.on) server.audit.command(origin === 'script' ? (server.scripts.running?.caller ?? client) : client, cmd, argv, out.errors === errorsBefore, origin);
    const t1 = performance.now();
    if (origin === 'client') this.lastTime = t1;
    const usec = Math.round((t1 - t0) * 1000) + priorUsec;
    if (client.blockedArgv !== null) {
      // It blocked (again): counted once, when it replies; MONITOR saw it the first time.
      server.blocking.addUsec(client, usec);
      if (origin !== 'unblocked') server.afterCall(client, cmd, argv, usec, false);
      if (tracking.on) tracking.leave(client, cmd, top, origin === 'unblocked');
      return;
    }
    const stats = cmd.stats;
    stats.calls++;
    stats.usec += usec;
    if (out.errors !== errorsBefore) stats.failed++;
    server.stats.commands++;
    // Dropped replies keep the pub/sub pushes (dropReplies), as Redis sends those regardless.
    if (client.skipNext) {
      dropReplies(client, mark);
      client.skipNext = false;
    } else if (client.replyMode === 'off') {
      dropReplies(client, mark);
    } else if (client.replyMode === 'skip') {
      // CLIENT REPLY SKIP: no reply for itself, none for the next command.
      dropReplies(client, mark);
      client.replyMode = 'on';
      client.skipNext = true;
    }
    // Keys a read-only command fetched are remembered; held invalidations follow the reply.
    if (tracking.on) tracking.leave(client, cmd, top, origin === 'unblocked');
    server.afterCall(client, cmd, argv, usec, true, origin !== 'unblocked', origin !== 'script');
  }
}

/** Where a command comes from (Dispatcher.call). */
export type CallOrigin = 'client' | 'exec' | 'unblocked' | 'aof' | 'script';

/** While a script is busy: allow-busy commands only, and SHUTDOWN only with NOSAVE, as in Redis. */
function busyAllows(cmd: Command, argv: string[]): boolean {
  if (!cmd.allowBusy) return false;
  return cmd.fullName !== 'shutdown' || argv.some((a) => a.toLowerCase() === 'nosave');
}
