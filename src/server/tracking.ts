// Client-side caching (CLIENT TRACKING), as Redis 7.0's tracking.c behaves:
// - default mode: the keys a tracking client read are remembered in one table (key -> client ids,
//   whatever the db); when such a key changes every remembered client is told once and the key is
//   forgotten (it is remembered again at the next read);
// - BCAST mode: clients subscribe to key prefixes; changed keys are collected per prefix and sent
//   in one message per prefix once the event-loop turn's commands have run (Redis: beforeSleep);
// - the message goes to the client itself in RESP3 (a `>2 invalidate [keys]` push), or to its
//   REDIRECT client: a push in RESP3, or in RESP2 a `message` on `__redis__:invalidate` if that
//   client is subscribed. FLUSHDB/FLUSHALL send a null instead of keys to every tracking client.
// Invalidations for the client running a command are held until its reply is written
// (Redis's tracking_pending_keys). Nothing here runs unless `on` (the dispatcher's one check).
import type { Client } from './client.js';
import type { Server } from './server.js';
import type { Command } from '../commands/types.js';
import { keysOf } from '../commands/keyspecs.js';

/** One client's tracking options (Client.tracking; null when tracking is off). */
export interface TrackingState {
  /** REDIRECT client id, 0 for none. */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING YES (OPTIN) or NO (OPTOUT) given for the next command or transaction. */
  caching: boolean;
  /** The redirect client was gone when a message was due (flag R, tracking-redir-broken). */
  brokenRedirect: boolean;
  /** BCAST prefixes, in the order given (TRACKINGINFO sorts them as Redis's radix tree does). */
  prefixes: Set<string> | null;
  /** The prefixes' bytes, counted in the client's memory (client-limits.ts). */
  prefixBytes: number;
}

interface PrefixState {
  /** Keys changed since the last broadcast, with the client that changed them (null: expiry, eviction...). */
  keys: Map<string, Client | null>;
  clients: Set<Client>;
}

/** The channel RESP2 redirect clients subscribe to. */
const INVALIDATE_CHANNEL = '__redis__:invalidate';

/** Byte order of latin1 strings (Redis's radix trees are ordered bytewise). */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when one of the two strings is a prefix of the other (Redis's stringCheckPrefix). */
function prefixesOverlap(a: string, b: string): boolean {
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}

/**
 * CLIENT CACHING applies to the next command (run or refused), or to the whole next transaction:
 * used up once `cmd` (null: an unknown command) is done, unless it is a CLIENT subcommand.
 */
export function endCaching(c: Client, cmd: Command | null): void {
  const t = c.tracking;
  if (t !== null && t.caching && c.multi === null && (cmd === null || (cmd.parent ?? cmd).fullName !== 'client')) t.caching = false;
}

export class Tracking {
  /** Something to do: a tracking client, a remembered key or a BCAST prefix exists. */
  on = false;
  /** Clients with tracking on (INFO tracking_clients). */
  clients = 0;
  /** key -> ids of the clients that read it. */
  readonly table = new Map<string, Set<number>>();
  /** Sum of the id sets' sizes (INFO tracking_total_items). */
  items = 0;
  readonly prefixes = new Map<string, PrefixState>();
  /** The client whose command is executing (top-level call), null between commands. */
  current: Client | null = null;
  /** The command (not a script's redis.call) whose keys a read remembers: EVAL's keys for a script. */
  curCmd: Command | null = null;
  curArgv: string[] | null = null;
  /** Invalidations for `current`, sent after its reply (a null element: a flush). */
  private pending: (string | null)[] = [];
  private bcastScheduled = false;
  /** The command count at the last flush signal: FLUSHALL signals each db, Redis sends one null. */
  private lastFlushAt = -1;
  /** tracking-table-max-keys (0: no limit). */
  maxKeys = 1_000_000;
  /** Passes of the table-size limit that could not get under it (Redis's growing effort). */
  private limitTimeouts = 0;

  constructor(private readonly server: Server) {}

  private refresh(): void {
    this.on = this.clients > 0 || this.table.size > 0 || this.prefixes.size > 0;
    if (!this.on) {
      // The dispatcher stops calling leave(): nothing of the running command may linger.
      this.current = null;
      this.curCmd = null;
      this.curArgv = null;
      this.pending = [];
    }
  }

  /** CLIENT TRACKING ON (options already checked). BCAST prefixes add to those the client has. */
  enable(c: Client, redirect: number, opts: { bcast: boolean; optin: boolean; optout: boolean; noloop: boolean }, prefixes: string[]): void {
    let t = c.tracking;
    if (t === null) {
      this.clients++;
      t = c.tracking = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, caching: false, brokenRedirect: false, prefixes: null, prefixBytes: 0 };
    }
    // Turned on by the running command (perhaps inside EXEC): it is the client being served.
    this.current ??= c;
    t.redirect = redirect;
    t.brokenRedirect = false;
    t.bcast = opts.bcast;
    t.optin = opts.optin;
    t.optout = opts.optout;
    t.noloop = opts.noloop;
    if (opts.bcast) {
      if (prefixes.length === 0) this.addPrefix(c, t, '');
      for (const p of prefixes) this.addPrefix(c, t, p);
    }
    this.refresh();
  }

  private addPrefix(c: Client, t: TrackingState, prefix: string): void {
    let ps = this.prefixes.get(prefix);
    if (ps === undefined) this.prefixes.set(prefix, (ps = { keys: new Map(), clients: new Set() }));
    ps.clients.add(c);
    const mine = (t.prefixes ??= new Set());
    if (!mine.has(prefix)) t.prefixBytes += prefix.length;
    mine.add(prefix);
  }

  /** CLIENT TRACKING OFF, RESET and disconnection. The table keeps the client's id (lazily dropped). */
  disable(c: Client): void {
    const t = c.tracking;
    if (t === null) return;
    if (t.prefixes !== null) {
      for (const p of t.prefixes) {
        const ps = this.prefixes.get(p);
        if (ps === undefined) continue;
        ps.clients.delete(c);
        if (ps.clients.size === 0) this.prefixes.delete(p);
      }
    }
    c.tracking = null;
    this.clients--;
    if (this.current === c) this.pending = [];
    this.refresh();
  }

  /**
   * The first of `prefixes` that overlaps one of the client's prefixes or a later one of `prefixes`,
   * as Redis words it; null when none does.
   */
  prefixCollision(c: Client, prefixes: string[]): { prefix: string; other: string; existing: boolean } | null {
    const mine = c.tracking?.prefixes ?? null;
    for (let i = 0; i < prefixes.length; i++) {
      const p = prefixes[i]!;
      if (mine !== null) {
        // Redis names the first overlapping one in byte order; one pass, no sort.
        let first: string | null = null;
        for (const m of mine) if (prefixesOverlap(m, p) && (first === null || m < first)) first = m;
        if (first !== null) return { prefix: p, other: first, existing: true };
      }
      for (let j = i + 1; j < prefixes.length; j++) {
        if (prefixesOverlap(p, prefixes[j]!)) return { prefix: p, other: prefixes[j]!, existing: false };
      }
    }
    return null;
  }

  /** Dispatcher.call, before the handler (only while `on`). */
  enter(c: Client, cmd: Command, argv: string[], top: boolean, script: boolean): void {
    if (top) this.current = c;
    if (!script) {
      this.curCmd = cmd;
      this.curArgv = argv;
    }
  }

  /**
   * Dispatcher.call, after the handler (only while `on`): a read-only command
   * remembers the keys of the running client's command (a script's: the EVAL's declared keys, as
   * Redis 7.0); at the top level, the held invalidations follow the reply.
   */
  leave(c: Client, cmd: Command, top: boolean, unblocked: boolean): void {
    if (!unblocked) {
      const tc = this.current;
      if (cmd.readsKeys && tc !== null && tc.tracking !== null && !tc.tracking.bcast) this.remember(tc);
    }
    if (!top) return;
    endCaching(c, cmd);
    this.current = null;
    this.curCmd = null;
    this.curArgv = null;
    if (this.pending.length > 0) {
      const keys = this.pending;
      this.pending = [];
      if (!c.closed && c.tracking !== null) for (const k of keys) this.send(c, k === null ? null : [k]);
    }
  }

  private remember(tc: Client): void {
    const t = tc.tracking!;
    if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
    const cmd = this.curCmd;
    const argv = this.curArgv;
    if (cmd === null || argv === null) return;
    const refs = keysOf(cmd, argv);
    if (refs.length === 0) return;
    for (const r of refs) {
      const key = argv[r.pos]!;
      let ids = this.table.get(key);
      if (ids === undefined) this.table.set(key, (ids = new Set()));
      if (!ids.has(tc.id)) {
        ids.add(tc.id);
        this.items++;
      }
    }
    this.on = true;
  }

  /**
   * A key changed (KeyEvents.modified). `byCommand`: changed by the running command (NOLOOP
   * clients in BCAST mode are not told of their own changes), false for expiry and eviction.
   */
  invalidate(key: string, byCommand: boolean, bcast = true): void {
    if (bcast && this.prefixes.size > 0) this.rememberForBroadcast(key, byCommand ? this.current : null);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    const clients = this.server.clients;
    for (const id of ids) {
      const target = clients.get(id);
      // A client that switched to BCAST since it read the key is not told of it.
      if (target === undefined || target.tracking === null || target.tracking.bcast) continue;
      if (target === this.current) {
        if (target.tracking.noloop) continue;
        this.pending.push(key);
      } else this.send(target, [key]);
    }
    this.items -= ids.size;
    this.table.delete(key);
    if (this.table.size === 0) this.refresh();
  }

  private rememberForBroadcast(key: string, by: Client | null): void {
    for (const [p, ps] of this.prefixes) {
      if (!key.startsWith(p)) continue;
      // The last change decides (a lazy expiry after the NOLOOP client's own write is told).
      ps.keys.set(key, by);
      if (!this.bcastScheduled) {
        this.bcastScheduled = true;
        this.server.scheduleFlush();
      }
    }
  }

  /**
   * FLUSHDB / FLUSHALL (KeyEvents.touchAllIn with nothing swapped in): a null invalidation to
   * every tracking client, once per flushing command, and the table is emptied.
   */
  flushed(): void {
    const at = this.server.stats.commands;
    if (at === this.lastFlushAt && this.current !== null) return;
    this.lastFlushAt = at;
    if (this.clients > 0) {
      for (const c of this.server.clients.values()) {
        if (c.tracking === null) continue;
        if (c === this.current) this.pending.push(null);
        else this.send(c, null);
      }
    }
    this.table.clear();
    this.items = 0;
    this.refresh();
  }

  /** Sends the keys changed under each BCAST prefix since the last call (before the loop idles). */
  broadcast(): void {
    if (!this.bcastScheduled) return;
    this.bcastScheduled = false;
    for (const ps of this.prefixes.values()) {
      if (ps.keys.size === 0) continue;
      const entries = [...ps.keys].sort((a, b) => byteOrder(a[0], b[0]));
      ps.keys = new Map();
      let all: string[] | null = null;
      for (const c of ps.clients) {
        if (c.tracking?.noloop === true) {
          const keys: string[] = [];
          for (const [k, by] of entries) if (by !== c) keys.push(k);
          if (keys.length > 0) this.send(c, keys);
        } else this.send(c, (all ??= entries.map((e) => e[0])));
      }
    }
  }

  /**
   * tracking-table-max-keys: forgets (and invalidates) remembered keys past the limit, up to an
   * effort that grows while the table stays above it (before each command and in the cron).
   */
  limit(): void {
    const max = this.maxKeys;
    if (max === 0 || this.table.size <= max) {
      this.limitTimeouts = 0;
      return;
    }
    let effort = 100 * (this.limitTimeouts + 1);
    for (const key of this.table.keys()) {
      if (effort-- <= 0) break;
      this.invalidate(key, false, false);
      if (this.table.size <= max) {
        this.limitTimeouts = 0;
        return;
      }
    }
    this.limitTimeouts++;
  }

  /** Prefix count (INFO tracking_total_prefixes). */
  get prefixCount(): number {
    return this.prefixes.size;
  }

  /**
   * One invalidation message for tracking client `c`: `keys`, or null for a flush. Goes to the
   * REDIRECT client if any (a missing one marks the redirect broken and, in RESP3, tells `c`).
   */
  private send(c: Client, keys: readonly string[] | null): void {
    const t = c.tracking!;
    // The null of a flush is written in the tracking client's protocol, even when redirected.
    const nullText = c.resp === 2 ? '$-1\r\n' : '_\r\n';
    let to = c;
    const redirected = t.redirect !== 0;
    if (redirected) {
      const r = this.server.clients.get(t.redirect);
      if (r === undefined) {
        t.brokenRedirect = true;
        if (c.resp === 3) {
          const start = c.out.len;
          c.out.push(2);
          c.out.bulk('tracking-redir-broken');
          c.out.int(t.redirect);
          this.pushed(c, start);
        }
        return;
      }
      to = r;
    }
    if (to.closed) return;
    const out = to.out;
    const start = out.len;
    if (to.resp === 3) {
      out.push(2);
      out.bulk('invalidate');
    } else if (redirected && to.subs !== null) {
      out.array(3);
      out.bulk('message');
      out.bulk(INVALIDATE_CHANNEL);
    } else return; // RESP2 without redirection: nothing can carry it
    if (keys === null) out.raw(nullText);
    else out.bulks(keys);
    this.pushed(to, start);
  }

  /** A push goes out even with CLIENT REPLY OFF/SKIP (kept by dropReplies), and is flushed. */
  private pushed(c: Client, start: number): void {
    if (c.replyMode !== 'on' || c.skipNext) (c.pushKeep ??= []).push(start, c.out.len);
    this.server.markPending(c);
  }
}
