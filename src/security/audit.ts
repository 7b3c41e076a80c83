// The audit log (audit-log <path>): one JSON object per line for each security event (connections,
// logins, ACL and config changes, ACL denials, the dangerous commands when they run). Off by
// default; when off, each hook costs the caller one boolean check (`audit.on`).
//
// Writes never block the event loop: records are queued as text and written by one fs.write at a
// time (the next batch goes when the previous one completes). The queue is bounded
// (audit-log-buffer-size bytes): a record that does not fit is dropped and counted (INFO
// audit_log_dropped_records), and an "audit-dropped" record says how many once the queue drains.
// audit-log-max-size renames the file to <path>.<UTC time>-<n> and opens a fresh one; SIGHUP reopens
// the path (after an external logrotate has moved the file away).
//
// SECURITY: no password, password hash or secret argument is ever written: AUTH and HELLO are not
// recorded as commands at all, and redactArgs hides ACL SETUSER's password rules (>pass <pass #hash
// !hash), CONFIG SET's sensitive values and ACL DRYRUN's arguments. The format is documented in
// docs/security.md ("Audit log").
import { Buffer } from 'node:buffer';
import { close, closeSync, open, openSync, rename, write, writeSync, fstatSync } from 'node:fs';
import type { Config } from '../config/config.js';
import { CONFIG_TABLE } from '../config/schema.js';
import type { Logger } from '../server/log.js';

/** What a record needs to know of a client (server/client.ts's Client fits). */
export interface AuditClient {
  readonly id: number;
  readonly addr: string;
  readonly laddr: string;
  readonly user: { readonly name: string };
  readonly authenticated: boolean;
}

/** What a record needs to know of a command (commands/types.ts's Command fits). */
export interface AuditCommand {
  readonly fullName: string;
}

/** The part of a socket a refused connection is described by. */
export interface AuditSocket {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
}

/** The user store, to tell an unknown or disabled user from a wrong password. */
export interface AuditUsers {
  get(name: string): { readonly enabled: boolean } | undefined;
}

export type LoginMethod = 'password' | 'hello' | 'certificate';

/**
 * The commands the hardening guide calls dangerous, recorded when they run. A name alone covers
 * every subcommand (CONFIG GET too); "client|kill" only that subcommand.
 */
export const AUDITED_COMMANDS: ReadonlySet<string> = new Set([
  'flushall',
  'flushdb',
  'keys',
  'config',
  'shutdown',
  'debug',
  'monitor',
  'client|kill',
  'save',
  'bgsave',
  'acl',
]);

const REDACTED = '(redacted)';
/** Longest argument written (longer ones are cut, with their length), and most arguments written. */
const MAX_ARG = 128;
const MAX_ARGS = 32;

const SENSITIVE = new Set(CONFIG_TABLE.filter((d) => d.sensitive).flatMap((d) => [d.name, ...(d.aliases ?? [])]));

/** ACL rules that carry a secret: >password, <password, #hash, !hash (also inside a selector). */
function secretRule(rule: string): boolean {
  const c = rule.charCodeAt(rule.startsWith('(') ? 1 : 0);
  return c === 0x3e /* > */ || c === 0x3c /* < */ || c === 0x23 /* # */ || c === 0x21; /* ! */
}

/** A short form of one argument: bounded in length. */
function shortArg(a: string): string {
  return a.length > MAX_ARG ? `${a.slice(0, MAX_ARG)}...(${a.length} bytes)` : a;
}

/**
 * argv as the audit log may show it. `fullName` is the command's canonical name ("acl|setuser").
 * SECURITY: every secret-bearing form is hidden here; AUTH and HELLO arguments are hidden whole.
 */
export function redactArgs(fullName: string, argv: readonly string[]): string[] {
  const out: string[] = [];
  const n = Math.min(argv.length, MAX_ARGS);
  for (let i = 0; i < n; i++) {
    const a = argv[i]!;
    let hide = false;
    if (i > 0) {
      if (fullName === 'auth' || fullName === 'hello' || fullName === 'migrate') hide = true;
      else if (fullName === 'acl|setuser') hide = i >= 3 && secretRule(a);
      else if (fullName === 'acl|dryrun') hide = i >= 4;
      else if (fullName === 'config|set') hide = i >= 3 && i % 2 === 1 && SENSITIVE.has(argv[i - 1]!.toLowerCase());
    }
    out.push(hide ? (fullName === 'acl|setuser' ? a.slice(0, a.startsWith('(') ? 2 : 1) + REDACTED : REDACTED) : shortArg(a));
  }
  if (argv.length > n) out.push(`...(${argv.length - n} more arguments)`);
  return out;
}

function sockAddr(host: string | undefined, port: number | undefined): string {
  if (host === undefined) return '?:0';
  return `${host.startsWith('::ffff:') ? host.slice(7) : host}:${port ?? 0}`;
}

export class AuditLog {
  /** The hot-path check: false when audit-log is empty. */
  readonly on: boolean;
  readonly path: string;
  /** Records written to the file, dropped (queue full or write error), write errors, rotations. */
  records = 0;
  dropped = 0;
  writeErrors = 0;
  rotations = 0;
  /** Size of the current file (what was there at open, plus what was written since). */
  size = 0;
  private fd: number | null = null;
  private queue: string[] = [];
  private queuedBytes = 0;
  /** A write, rotation or reopen is under way: the queue waits for it. */
  private busy = false;
  /** Records dropped since the last "audit-dropped" record. */
  private droppedUnreported = 0;
  /** audit-log-max-size (0: no rotation) and audit-log-buffer-size, kept current. */
  private readonly limits: { maxSize: number; bufferMax: number };
  private lastErrorLogged = -Infinity;
  private readonly onHup = (): void => this.reopen('sighup');
  private readonly onExit = (): void => this.flushSync();

  private constructor(
    private readonly log: Logger,
    private readonly users: AuditUsers,
    config: Config,
  ) {
    this.path = config.str('audit-log');
    this.on = this.path !== '';
    this.limits = config.follow({ maxSize: 0, bufferMax: 0 }, { maxSize: 'audit-log-max-size', bufferMax: 'audit-log-buffer-size' });
    // SECURITY: the path is set at start-up only (CONFIG SET must not choose where files are written).
    config.onChange('audit-log', (v) => {
      if (v !== this.path) throw new Error('audit-log is set in the config file or on the command line only');
    });
    if (!this.on) return;
    // Opened at start-up, synchronously: a path that cannot be opened refuses start-up.
    try {
      this.fd = openSync(this.path, 'a', 0o600);
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      throw new Error(`Can't open the audit log file '${this.path}': ${(e as Error).message}`);
    }
    process.on('SIGHUP', this.onHup);
    // SHUTDOWN ends the process right after its reply: what is still queued is written then.
    process.on('exit', this.onExit);
    this.emit('audit-log-opened', null, { reason: 'start', pid: process.pid });
  }

  static configured(log: Logger, users: AuditUsers, config: Config): AuditLog {
    return new AuditLog(log, users, config);
  }

  // ---- events (callers check `on` first) ----

  /** A connection admitted as a client. */
  connection(client: AuditClient & { readonly transport: string }): void {
    this.emit('connection-accepted', client, { transport: client.transport });
  }

  /** A connection closed before it became a client: allow-from, protected-mode, maxclients. */
  refused(socket: AuditSocket, transport: string, reason: string, addr?: string): void {
    const rec = record('connection-refused', null, { transport, reason });
    rec.addr = addr ?? (transport === 'unix' ? 'unix' : sockAddr(socket.remoteAddress, socket.remotePort));
    rec.laddr = transport === 'unix' ? 'unix' : sockAddr(socket.localAddress, socket.localPort);
    this.write(rec);
  }

  /**
   * A login attempt (AUTH, HELLO AUTH, certificate). `user`: the name asked for. On failure,
   * `reason` defaults to what the user store tells: unknown-user, user-disabled, wrong-password.
   */
  login(client: AuditClient, ok: boolean, user: string, method: LoginMethod, reason?: string): void {
    // The name asked for is the attacker's choice: bounded like an argument.
    if (ok) {
      this.emit('login-success', client, { method, target_user: shortArg(user) });
      return;
    }
    const u = this.users.get(user);
    const why = reason ?? (u === undefined ? 'unknown-user' : !u.enabled ? 'user-disabled' : 'wrong-password');
    this.emit('login-failure', client, { method, target_user: shortArg(user), reason: shortArg(why) });
  }

  /** AUTH/HELLO as the dispatcher resolved it (client.lastCommand): which login method it is. */
  static method(lastCommand: string): LoginMethod {
    return lastCommand === 'hello' ? 'hello' : 'password';
  }

  /**
   * A login refused because the source (or the user name) is locked out: for the AUTH lockout to
   * call. `scope`: "address" or "user"; `until`: when the lockout ends (ms since the epoch).
   */
  lockout(client: AuditClient, user: string, method: LoginMethod, scope: string, until: number | null = null): void {
    this.emit('login-lockout', client, { method, target_user: shortArg(user), scope, until: until === null ? null : new Date(until).toISOString() });
  }

  /**
   * A lockout started by this client's failed login: `scope` address (the source `target`) or user
   * (the user name `target`), `user` the name the login asked for, `until` when it ends.
   */
  lockoutStarted(client: AuditClient, scope: 'address' | 'user', target: string, user: string, until: number): void {
    this.emit('lockout-start', client, { scope, target: shortArg(target), target_user: shortArg(user), until: new Date(until).toISOString() });
  }

  /** A command refused by ACL: `reason` command, key or channel; `context` toplevel, multi or lua. */
  denied(client: AuditClient, cmd: AuditCommand, argv: readonly string[], reason: string, object: string, context: string): void {
    this.emit('command-denied', client, { command: argv[0]!.toLowerCase(), canonical: cmd.fullName, reason, object: shortArg(object), context });
  }

  /**
   * After a command ran (Dispatcher.call): recorded if it is one of AUDITED_COMMANDS, under the
   * name the client used (a renamed command appears as its new name; `canonical` is the real one).
   */
  command(client: AuditClient, cmd: AuditCommand & { readonly parent: AuditCommand | null }, argv: readonly string[], ok: boolean, origin: string): void {
    const full = cmd.fullName;
    if (!AUDITED_COMMANDS.has(full) && !AUDITED_COMMANDS.has(cmd.parent?.fullName ?? full)) return;
    const command = cmd.parent === null ? argv[0]!.toLowerCase() : `${argv[0]!.toLowerCase()}|${argv[1]!.toLowerCase()}`;
    this.emit('command', client, { command, canonical: full, args: redactArgs(full, argv).slice(cmd.parent === null ? 1 : 2), ok, origin });
  }

  /** An ACL change that took effect: setuser, deluser, load (`argv` as sent; secrets hidden here). */
  acl(client: AuditClient, action: string, argv: readonly string[]): void {
    const args = redactArgs(`acl|${action}`, argv).slice(2);
    this.emit('acl-change', client, action === 'setuser' ? { action, target_user: args[0] ?? null, rules: args.slice(1) } : { action, args });
  }

  /** CONFIG SET that took effect: each parameter and its new value (sensitive ones hidden). */
  configSet(client: AuditClient, argv: readonly string[]): void {
    const shown = redactArgs('config|set', argv);
    const params: Record<string, string> = {};
    for (let i = 2; i + 1 < shown.length; i += 2) params[shown[i]!.toLowerCase()] = shown[i + 1]!;
    this.emit('config-set', client, { params });
  }

  /** CONFIG REWRITE: `error` null when the file was written. */
  configRewrite(client: AuditClient, file: string | null, error: string | null): void {
    this.emit('config-rewrite', client, { file, ok: error === null, error });
  }

  // ---- the writer ----

  private emit(event: string, client: AuditClient | null, details: Record<string, unknown>): void {
    this.write(record(event, client, details));
  }

  private write(rec: Record<string, unknown>): void {
    const line = JSON.stringify(rec) + '\n';
    // Bytes as written (UTF-8); latin1 strings of user data can be up to twice as long.
    const len = Buffer.byteLength(line);
    if (this.queuedBytes + len > this.limits.bufferMax) {
      this.dropped++;
      this.droppedUnreported++;
      return;
    }
    this.queue.push(line);
    this.queuedBytes += len;
    if (!this.busy) this.flush();
  }

  /** Writes the queue (what fits in the file) as one batch; called again when that write completes. */
  private flush(): void {
    if (this.busy || this.fd === null || this.queue.length === 0) return;
    if (this.droppedUnreported > 0 && this.queuedBytes < this.limits.bufferMax / 2) {
      const n = this.droppedUnreported;
      this.droppedUnreported = 0;
      const line = JSON.stringify(record('audit-dropped', null, { count: n })) + '\n';
      this.queue.push(line);
      this.queuedBytes += Buffer.byteLength(line);
    }
    // Rotation: a file holds at most audit-log-max-size bytes (a single bigger record alone), so
    // records queued while the file was being rotated may go to the next one.
    let lines = this.queue.length;
    let bytes = this.queuedBytes;
    if (this.limits.maxSize > 0 && this.size + bytes > this.limits.maxSize) {
      lines = 0;
      bytes = 0;
      for (const line of this.queue) {
        const len = Buffer.byteLength(line);
        if (this.size + bytes + len > this.limits.maxSize && (lines > 0 || this.size > 0)) break;
        bytes += len;
        lines++;
      }
      if (lines === 0) {
        this.reopen('rotation');
        return;
      }
    }
    const buf = Buffer.from((lines === this.queue.length ? this.queue : this.queue.slice(0, lines)).join(''));
    this.queue = lines === this.queue.length ? [] : this.queue.slice(lines);
    this.queuedBytes -= bytes;
    this.busy = true;
    const fd = this.fd;
    write(fd, buf, 0, buf.length, null, (e, n) => {
      this.busy = false;
      if (e !== null) {
        this.failed(`writing ${this.path}`, e);
        this.dropped += lines;
      } else {
        this.records += lines;
        this.size += n;
      }
      this.afterBusy();
    });
  }

  /**
   * Closes the file and opens the path again: after SIGHUP (the file may have been moved away), or
   * for rotation (the full file is first renamed to <path>.<UTC time>). Records queue meanwhile.
   */
  private reopen(reason: 'sighup' | 'rotation'): void {
    if (this.busy) {
      // A write (or another reopen) is under way: this one runs when it completes.
      if (this.pendingReopen !== 'rotation') this.pendingReopen = reason;
      return;
    }
    this.busy = true;
    const old = this.fd;
    this.fd = null;
    // No file open (a reopen failed): SIGHUP tries again.
    const closed = (cb: () => void): void => (old === null ? cb() : close(old, () => cb()));
    closed(() => {
      const afterRename = (re: NodeJS.ErrnoException | null): void => {
        if (re !== null) this.failed(`renaming ${this.path}`, re);
        open(this.path, 'a', 0o600, (oe, fd) => {
          this.busy = false;
          if (oe !== null) {
            this.failed(`reopening ${this.path}`, oe);
            // Nothing to write to: what is queued is dropped; the next SIGHUP tries again.
            this.dropped += this.queue.length;
            this.queue = [];
            this.queuedBytes = 0;
            return;
          }
          this.fd = fd;
          // After a failed rename the file goes on growing: counted from 0 again, or every write would retry.
          this.size = reason === 'rotation' ? 0 : fstatSync(fd).size;
          if (reason === 'rotation' && re === null) this.rotations++;
          this.emit('audit-log-opened', null, { reason, pid: process.pid });
          this.afterBusy();
        });
      };
      if (reason === 'rotation' && old !== null) rename(this.path, `${this.path}.${rotatedSuffix(new Date(), this.rotations + 1)}`, afterRename);
      else afterRename(null);
    });
  }

  private pendingReopen: 'sighup' | 'rotation' | null = null;

  private afterBusy(): void {
    const r = this.pendingReopen;
    this.pendingReopen = null;
    if (r !== null) this.reopen(r);
    else this.flush();
  }

  private failed(what: string, e: Error): void {
    this.writeErrors++;
    const now = Date.now();
    if (now - this.lastErrorLogged < 60_000) return;
    this.lastErrorLogged = now;
    this.log.warning(`Audit log: error ${what}: ${e.message}`);
  }

  /** At process exit: what is queued is written synchronously (nothing else runs any more). */
  flushSync(): void {
    if (this.fd === null || this.queue.length === 0) return;
    try {
      writeSync(this.fd, this.queue.join(''));
      this.records += this.queue.length;
    } catch {
      this.dropped += this.queue.length;
    }
    this.queue = [];
    this.queuedBytes = 0;
  }

  /** Stops listening for SIGHUP and exit, flushes and closes (in-process servers in tests). */
  close(): void {
    if (!this.on) return;
    process.removeListener('SIGHUP', this.onHup);
    // A write under way: its records and the rest are written at exit.
    if (this.busy) return;
    process.removeListener('exit', this.onExit);
    this.flushSync();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** INFO fields (stats section). */
  infoLines(): string[] {
    return [
      `audit_log_enabled:${this.on ? 1 : 0}`,
      `audit_log_records:${this.records}`,
      `audit_log_dropped_records:${this.dropped}`,
      `audit_log_write_errors:${this.writeErrors}`,
      `audit_log_rotations:${this.rotations}`,
      `audit_log_size:${this.size}`,
    ];
  }
}

/** 20261206T163005.123Z-000001: sorts in time order; the sequence keeps names unique within a millisecond. */
function rotatedSuffix(d: Date, seq: number): string {
  return `${d.toISOString().replace(/[-:]/g, '')}-${String(seq).padStart(6, '0')}`;
}

/** A record's common fields (time, event, who) followed by `details`. */
function record(event: string, client: AuditClient | null, details: Record<string, unknown>): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    time: new Date().toISOString(),
    event,
    client_id: client === null ? null : client.id,
    addr: client === null ? null : client.addr,
    laddr: client === null ? null : client.laddr,
    user: client === null || !client.authenticated ? null : client.user.name,
  };
  for (const k in details) rec[k] = details[k];
  return rec;
}
