// AUTH lockout: brute-force protection for AUTH and HELLO AUTH (Redis has none).
//
// Per source address: `auth-lockout-threshold` failed logins within `auth-lockout-window` seconds
// lock the address out for `auth-lockout-duration` seconds. A source locked again within
// `auth-lockout-max-duration` seconds of its last lockout ending is a repeat offender: each repeat
// doubles the duration, up to `auth-lockout-max-duration`. While locked, every login from the
// source fails (the right password included) and the connection is closed. Attempts while locked
// are refused without checking the password, and do not extend the lockout.
//
// Sources: an IPv4 address; an IPv6 address by its /64 network (a single IPv6 host usually holds a
// whole /64); all unix-socket clients share the source "unix". Loopback addresses count like any
// other. At most MAX_SOURCES sources are tracked; past that the oldest are forgotten.
//
// Per user name: `auth-lockout-user-threshold` failures for one existing user within the window,
// from any sources, lock the user name out the same way (0: off). A locked user can still log in
// from the addresses its `from:` rules name (the operator's way to keep an attacker from locking a
// real user out). Names that are no user are not tracked: they cannot log in anyway.
//
// Only logins pay for this (a Map lookup); commands never touch it.
import net from 'node:net';
import type { Config } from '../config/config.js';
import type { Logger } from '../server/log.js';

export interface LockoutSettings {
  /** Failures per source within the window that lock it out; 0 disables the address lockout. */
  threshold: number;
  /** Failures per user name within the window that lock it out; 0 disables the user lockout. */
  userThreshold: number;
  windowSec: number;
  durationSec: number;
  maxDurationSec: number;
}

/** The failures of one source (or user name) and its lockout state. */
interface Tally {
  windowStart: number;
  failures: number;
  /** Locked until this time (ms); 0 when never locked. */
  lockedUntil: number;
  /** Lockouts in a row (1 for a first offender). */
  level: number;
}

export interface LockoutEntry {
  kind: 'address' | 'user';
  target: string;
  /** Seconds left, rounded up. */
  remainingSec: number;
  level: number;
  /** Failures counted in the current window (while not locked). */
  failures: number;
}

const MAX_SOURCES = 100_000;

/** The lockout key of a client: its IPv4 address, its IPv6 /64, or "unix". */
export function lockoutSource(remote: string | undefined, unix: boolean): string {
  if (unix) return 'unix';
  if (remote === undefined) return '?';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  if (mapped !== null) return mapped[1]!;
  if (!net.isIPv6(remote)) return remote;
  const pct = remote.indexOf('%');
  const a = pct < 0 ? remote : remote.slice(0, pct);
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...new Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/** The lockouts one failed login started: when each ends (ms since the epoch), null for none. */
export interface LockoutStarts {
  source: number | null;
  user: number | null;
}

export class Lockout {
  /** Lockouts since start (addresses and user names): INFO auth_lockouts. */
  lockouts = 0;
  /** Logins refused because their source or user name was locked out: INFO auth_lockout_refusals. */
  refusals = 0;
  private readonly sources = new Map<string, Tally>();
  private readonly users = new Map<string, Tally>();
  private lastPrune = 0;

  constructor(
    private readonly log: Logger,
    readonly settings: LockoutSettings,
  ) {}

  /** A Lockout on the auth-lockout-* directives, kept current as they change. */
  static configured(log: Logger, config: Config): Lockout {
    const settings = config.follow({} as LockoutSettings, {
      threshold: 'auth-lockout-threshold',
      userThreshold: 'auth-lockout-user-threshold',
      windowSec: 'auth-lockout-window',
      durationSec: 'auth-lockout-duration',
      maxDurationSec: 'auth-lockout-max-duration',
    });
    return new Lockout(log, settings);
  }

  /** Whether `source` is locked out at `now`. */
  sourceLocked(source: string, now: number): boolean {
    const t = this.sources.get(source);
    return t !== undefined && t.lockedUntil > now;
  }

  /** Whether the user name is locked out at `now`. */
  userLocked(name: string, now: number): boolean {
    const t = this.users.get(name);
    return t !== undefined && t.lockedUntil > now;
  }

  /** When the lockout of `source` (or else of the user name) ends, ms since the epoch; null when neither is locked. */
  lockedUntil(source: string, name: string, now: number): number | null {
    if (this.sourceLocked(source, now)) return this.sources.get(source)!.lockedUntil;
    if (this.userLocked(name, now)) return this.users.get(name)!.lockedUntil;
    return null;
  }

  /**
   * Counts one failed login from `source` for `user` (null: not an existing user). Returns the
   * lockouts it starts: the source's (the caller closes the connection), the user name's, or none.
   */
  failure(now: number, source: string, user: string | null, addr: string): LockoutStarts {
    const s = this.settings;
    const started: LockoutStarts = { source: null, user: null };
    if (s.threshold > 0) {
      let t = this.sources.get(source);
      if (t === undefined) {
        if (this.sources.size >= MAX_SOURCES) this.prune(now, true);
        t = newTally(now);
        this.sources.set(source, t);
      }
      if (this.count(t, now, s.threshold)) {
        started.source = t.lockedUntil;
        this.log.warning(
          `AUTH lockout: ${source} locked out for ${Math.ceil((t.lockedUntil - now) / 1000)} s after ${s.threshold} failed authentications ` +
            `within ${s.windowSec} s (last from ${addr}, user '${user ?? '?'}'; lockout #${t.level} in a row)`,
        );
      }
    }
    if (s.userThreshold > 0 && user !== null) {
      let t = this.users.get(user);
      if (t === undefined) {
        t = newTally(now);
        this.users.set(user, t);
      }
      if (this.count(t, now, s.userThreshold)) {
        started.user = t.lockedUntil;
        this.log.warning(
          `AUTH lockout: user '${user}' locked out for ${Math.ceil((t.lockedUntil - now) / 1000)} s after ${s.userThreshold} failed authentications ` +
            `within ${s.windowSec} s from any address (last from ${addr}); logins from its from: addresses still work`,
        );
      }
    }
    return started;
  }

  /** Counts a failure in a tally; true when it locks it out now. */
  private count(t: Tally, now: number, threshold: number): boolean {
    const s = this.settings;
    if (now - t.windowStart >= s.windowSec * 1000) {
      t.windowStart = now;
      t.failures = 0;
    }
    t.failures++;
    if (t.failures < threshold) return false;
    // SECURITY: a repeat offender (locked again soon after its last lockout ended) waits twice as
    // long each time, up to the cap.
    const repeat = t.lockedUntil > 0 && now - t.lockedUntil < s.maxDurationSec * 1000;
    t.level = repeat ? t.level + 1 : 1;
    const ms = Math.min(s.durationSec * 1000 * 2 ** Math.min(t.level - 1, 30), s.maxDurationSec * 1000);
    t.lockedUntil = now + ms;
    t.failures = 0;
    this.lockouts++;
    return true;
  }

  /** Locked sources and user names now (INFO). */
  lockedCounts(now: number): { addresses: number; users: number } {
    let addresses = 0;
    let users = 0;
    for (const t of this.sources.values()) if (t.lockedUntil > now) addresses++;
    for (const t of this.users.values()) if (t.lockedUntil > now) users++;
    return { addresses, users };
  }

  /** The current lockouts (ACL LOCKOUT LIST), addresses first. */
  list(now: number): LockoutEntry[] {
    const out: LockoutEntry[] = [];
    const add = (kind: 'address' | 'user', m: Map<string, Tally>): void => {
      for (const [target, t] of m) {
        if (t.lockedUntil <= now) continue;
        out.push({ kind, target, remainingSec: Math.ceil((t.lockedUntil - now) / 1000), level: t.level, failures: t.failures });
      }
    };
    add('address', this.sources);
    add('user', this.users);
    return out;
  }

  /**
   * Lifts lockouts and forgets their history (ACL LOCKOUT LIFT): an address (or IPv6 /64), a user
   * name, or every one with null. Returns how many locked entries were lifted.
   */
  lift(target: string | null, now: number): number {
    let n = 0;
    for (const m of [this.sources, this.users]) {
      for (const [k, t] of m) {
        if (target !== null && k !== target) continue;
        if (t.lockedUntil > now) n++;
        m.delete(k);
      }
    }
    return n;
  }

  /** From the server cron: forgets quiet sources, at most once a second. */
  tick(now: number): void {
    if (now - this.lastPrune < 1000) return;
    this.lastPrune = now;
    this.prune(now, false);
  }

  /**
   * Forgets tallies that hold nothing: no failure in the current window, not locked, and past the
   * repeat-offender memory. With `full`, and still at the bound, the oldest sources go too.
   */
  private prune(now: number, full: boolean): void {
    const s = this.settings;
    for (const m of [this.sources, this.users]) {
      for (const [k, t] of m) {
        const windowOver = now - t.windowStart >= s.windowSec * 1000;
        const forgotten = t.lockedUntil === 0 || now - t.lockedUntil >= s.maxDurationSec * 1000;
        if (windowOver && forgotten) m.delete(k);
      }
    }
    if (full && this.sources.size >= MAX_SOURCES) {
      let drop = this.sources.size - MAX_SOURCES + 1 + MAX_SOURCES / 10;
      for (const k of this.sources.keys()) {
        if (drop-- <= 0) break;
        this.sources.delete(k);
      }
    }
  }
}

function newTally(now: number): Tally {
  return { windowStart: now, failures: 0, lockedUntil: 0, level: 0 };
}
