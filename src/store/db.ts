// The keyspace: 16 (configurable) databases of binary-safe keys with expiry, lazy and active.
import type { Clock } from './clock.js';
import { DEFAULT_SHARD_MAX, Dict } from './dict.js';
import { ScanCursors, type ScanSource } from './scan.js';

/** A non-string value (lists, hashes, sets, sorted sets). Strings are stored as plain latin1 strings. */
export interface TypedValue {
  readonly type: 'list' | 'hash' | 'set' | 'zset' | 'stream';
  /** OBJECT ENCODING name. */
  encoding(): string;
  /**
   * An independent deep copy, for COPY. Every value type should implement it; COPY replies
   * "not implemented" for a type that does not.
   */
  copy?(): TypedValue;
}

export type Value = string | TypedValue;

export function typeName(v: Value): string {
  return typeof v === 'string' ? 'string' : v.type;
}

export interface KeyspaceStats {
  hits: number;
  misses: number;
  expiredKeys: number;
  expiredStalePerc: number;
  expiredTimeCapReached: number;
  /** Writes since the last save (INFO rdb_changes_since_last_save). */
  dirty: number;
}

export class Db {
  /** Not readonly only so SWAPDB can exchange contents (Keyspace.swap); do not keep references. */
  data: Dict<Value>;
  expires: Dict<number>;
  /** Average TTL of sampled volatile keys, as INFO keyspace reports it. */
  avgTtl = 0;
  expireCursor: Iterator<[string, number]> | null = null;
  randomCursor: Iterator<string> | null = null;

  /** Keys sampled and found expired by the last activeExpire call (for expired_stale_perc). */
  lastSampled = 0;
  lastExpired = 0;

  constructor(
    public id: number,
    private readonly ks: Keyspace,
    shardMax = DEFAULT_SHARD_MAX,
  ) {
    this.data = new Dict<Value>(shardMax);
    this.expires = new Dict<number>(shardMax);
  }

  /** The keys as a SCAN source (store/scan.ts). */
  scanSource(): ScanSource<string> {
    const data = this.data;
    return { owner: data, open: () => data.keys(), removals: data.removals };
  }

  /**
   * True when the key has a TTL that has passed (the key is not removed). As in Redis, a key
   * is expired once the clock is past its time: at exactly its time it still exists (TTL 0).
   */
  isExpired(key: string): boolean {
    if (this.expires.size === 0) return false;
    const at = this.expires.get(key);
    return at !== undefined && at < this.ks.clock.now();
  }

  get size(): number {
    return this.data.size;
  }

  /** Deletes the key if its time has passed; true when it is (now) gone. */
  expireIfNeeded(key: string): boolean {
    const at = this.expires.get(key);
    if (at === undefined || at >= this.ks.clock.now()) return false;
    this.removeExpired(key);
    return true;
  }

  private removeExpired(key: string): void {
    this.data.delete(key);
    this.expires.delete(key);
    this.ks.stats.expiredKeys++;
    this.ks.onExpired(this, key);
  }

  /** Value for a read command; counts keyspace hits and misses. */
  lookupRead(key: string): Value | undefined {
    if (this.expires.size > 0) this.expireIfNeeded(key);
    const v = this.data.get(key);
    if (v === undefined) this.ks.stats.misses++;
    else this.ks.stats.hits++;
    return v;
  }

  /** Value for a write command (or an internal look), expiring it first; no hit/miss accounting. */
  lookup(key: string): Value | undefined {
    if (this.expires.size > 0) this.expireIfNeeded(key);
    return this.data.get(key);
  }

  exists(key: string): boolean {
    return this.lookup(key) !== undefined;
  }

  /** Stores a value, dropping any TTL unless keepTtl. */
  set(key: string, value: Value, keepTtl = false): void {
    if (this.ks.onNewKey !== null) {
      this.setNotifyingNew(key, value, keepTtl);
      return;
    }
    this.data.set(key, value);
    if (!keepTtl && this.expires.size > 0) this.expires.delete(key);
  }

  /** set() while "new" key events are on: a stale key is expired first, as Redis's lookup does. */
  private setNotifyingNew(key: string, value: Value, keepTtl: boolean): void {
    if (this.expires.size > 0) this.expireIfNeeded(key);
    const fresh = !this.data.has(key);
    this.data.set(key, value);
    if (!keepTtl && this.expires.size > 0) this.expires.delete(key);
    if (fresh) this.ks.onNewKey!(this, key);
  }

  delete(key: string): boolean {
    if (this.expires.size > 0) {
      if (this.expireIfNeeded(key)) return false;
      this.expires.delete(key);
    }
    return this.data.delete(key);
  }

  /** Absolute expiry in ms, or undefined for a persistent key. */
  getExpire(key: string): number | undefined {
    return this.expires.size > 0 ? this.expires.get(key) : undefined;
  }

  setExpire(key: string, atMs: number): void {
    this.expires.set(key, atMs);
  }

  persist(key: string): boolean {
    return this.expires.delete(key);
  }

  flush(): number {
    const n = this.data.size;
    this.data.clear();
    this.expires.clear();
    this.expireCursor = null;
    this.randomCursor = null;
    this.avgTtl = 0;
    return n;
  }

  /**
   * A random live key, or null for an empty database. Maps have no random access, so a
   * persistent cursor moves on by a random 1..64 keys per call (uniform over time, cheap per
   * call). An expired key found on the way is removed and another is drawn, as Redis does;
   * every draw either returns or shrinks the database, so this ends.
   */
  randomKey(): string | null {
    while (this.data.size > 0) {
      let skip = Math.floor(Math.random() * Math.min(this.data.size, 64));
      let key: string;
      for (;;) {
        if (this.randomCursor === null) this.randomCursor = this.data.keys();
        const r = this.randomCursor.next();
        if (r.done) {
          this.randomCursor = null;
          continue;
        }
        if (skip-- === 0) {
          key = r.value;
          break;
        }
      }
      if (!this.expireIfNeeded(key)) return key;
    }
    return null;
  }

  /**
   * One active-expiry pass over this database (Redis's activeExpireCycle, per db): look at
   * volatile keys 20 at a time and continue while more than 10% of them had expired, within
   * the time budget. The cursor persists, so every volatile key is reached over time.
   */
  activeExpire(deadline: number, effort: number): boolean {
    const perLoop = 20 + Math.floor((20 / 4) * (effort - 1));
    const acceptableStale = 10 - (effort - 1);
    const now = this.ks.clock.now();
    let loops = 0;
    this.lastSampled = 0;
    this.lastExpired = 0;
    for (;;) {
      if (this.expires.size === 0) {
        this.avgTtl = 0;
        return false;
      }
      let sampled = 0;
      let expired = 0;
      let ttlSum = 0;
      let ttlSamples = 0;
      const budget = Math.min(perLoop, this.expires.size);
      while (sampled < budget) {
        if (this.expireCursor === null) this.expireCursor = this.expires.entries();
        const r = this.expireCursor.next();
        if (r.done) {
          this.expireCursor = null;
          break;
        }
        sampled++;
        const [key, at] = r.value;
        if (at < now) {
          this.removeExpired(key);
          expired++;
        } else {
          ttlSum += at - now;
          ttlSamples++;
        }
      }
      this.lastSampled += sampled;
      this.lastExpired += expired;
      if (ttlSamples > 0) {
        const avg = ttlSum / ttlSamples;
        this.avgTtl = this.avgTtl === 0 ? avg : (this.avgTtl / 50) * 49 + avg / 50;
      }
      loops++;
      if ((loops & 15) === 0 && performance.now() > deadline) {
        this.ks.stats.expiredTimeCapReached++;
        return true;
      }
      if (sampled === 0 || (expired * 100) / sampled <= acceptableStale) return false;
    }
  }
}

export class Keyspace {
  readonly dbs: Db[];
  readonly stats: KeyspaceStats = { hits: 0, misses: 0, expiredKeys: 0, expiredStalePerc: 0, expiredTimeCapReached: 0, dirty: 0 };
  /** Called for every key removed by expiry (notifications, WATCH, AOF hook in). */
  onExpired: (db: Db, key: string) => void = () => {};
  /** Called after a key is added (the "new" keyspace event); null (the hot path's case) when off. */
  onNewKey: ((db: Db, key: string) => void) | null = null;
  /** Live iterators behind SCAN cursors (and HSCAN/SSCAN/ZSCAN: any owner may use it). */
  readonly scanCursors = new ScanCursors();
  /** Where active expiry resumes. */
  private nextDb = 0;

  /** shardMax (keys per chained Map) is injectable for tests; the default is near V8's limit. */
  constructor(
    count: number,
    readonly clock: Clock,
    shardMax = DEFAULT_SHARD_MAX,
  ) {
    this.dbs = Array.from({ length: count }, (_, i) => new Db(i, this, shardMax));
  }

  db(i: number): Db {
    return this.dbs[i]!;
  }

  /**
   * SWAPDB: exchanges the contents of two databases. The Db objects stay at their indexes (as
   * Redis's redisDb structs do), so what is keyed by Db (WATCH, blocked clients) stays with
   * the index, and clients see the other contents at once.
   */
  swap(a: number, b: number): void {
    const x = this.dbs[a]!;
    const y = this.dbs[b]!;
    [x.data, y.data] = [y.data, x.data];
    [x.expires, y.expires] = [y.expires, x.expires];
    [x.avgTtl, y.avgTtl] = [y.avgTtl, x.avgTtl];
    [x.expireCursor, y.expireCursor] = [y.expireCursor, x.expireCursor];
    [x.randomCursor, y.randomCursor] = [y.randomCursor, x.randomCursor];
  }

  flushAll(): number {
    let n = 0;
    for (const d of this.dbs) n += d.flush();
    return n;
  }

  /** Runs active expiry for up to budgetMs of real time across databases. */
  activeExpireCycle(budgetMs: number, effort: number): void {
    const deadline = performance.now() + budgetMs;
    let sampled = 0;
    let expired = 0;
    for (let i = 0; i < this.dbs.length; i++) {
      const db = this.dbs[this.nextDb]!;
      this.nextDb = (this.nextDb + 1) % this.dbs.length;
      const capped = db.activeExpire(deadline, effort);
      sampled += db.lastSampled;
      expired += db.lastExpired;
      if (capped) break;
    }
    // INFO expired_stale_perc: a moving average of the percentage of sampled keys found expired.
    const perc = sampled > 0 ? (expired * 100) / sampled : 0;
    this.stats.expiredStalePerc = perc * 0.05 + this.stats.expiredStalePerc * 0.95;
  }
}
