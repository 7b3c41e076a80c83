// The keyspace: 16 (configurable) databases of binary-safe keys with expiry, lazy and active.
import { performance } from 'node:perf_hooks';
import type { Clock } from './clock.js';
import { DEFAULT_SHARD_MAX, Dict } from './dict.js';
import { KeyTable } from './keytable.js';
import { EXPIRE_ENTRY, OBJ_HEADER, counterBytes, keyBytes, stringBytes } from './memsize.js';
import { ScanCursors, type ScanSource } from './scan.js';
import { QUICKLIST_PACKED_THRESHOLD } from './types/list.js';

/** A non-string value (lists, hashes, sets, sorted sets). Strings are stored as plain latin1 strings. */
export interface TypedValue {
  readonly type: 'list' | 'hash' | 'set' | 'zset' | 'stream';
  /** OBJECT ENCODING name. */
  encoding(): string;
  /**
   * Estimated bytes of the value in its current encoding (store/memsize.ts), O(1): kept by the
   * value's own mutations, so adding then removing an element returns it to the same number.
   * Every value type implements it; it is optional only for tests' stand-in values, which are
   * counted as a bare object header (typedBytes).
   */
  memBytes?(): number;
  /**
   * The memBytes() last added to a database's `used` (0 or absent: never accounted). Only Db sets
   * it: a value changed in place is folded in by Db.reaccount.
   */
  accountedBytes?: number;
  /**
   * An independent deep copy, for COPY. Every value type should implement it; COPY replies
   * "not implemented" for a type that does not.
   */
  copy?(): TypedValue;
  /**
   * What freeing it costs as Redis counts it (lazyfreeGetFreeEffort: allocations, 1 for a
   * compact encoding); a lazy delete of a value above LAZYFREE_THRESHOLD counts in INFO
   * lazyfreed_objects. 1 when absent.
   */
  freeEffort?(): number;
}

/** Redis's LAZYFREE_THRESHOLD: values whose free effort is above it are freed lazily. */
export const LAZYFREE_THRESHOLD = 64;
/** The LRU clock's zero, in seconds since 1970 (2023-11-14): clock values stay small integers until 2057. */
const LRU_EPOCH = 1_700_000_000;

/** The LRU clock for a time in ms: an int32, as the key table's access clocks hold (store/keytable.ts). */
function lruSeconds(ms: number): number {
  return (Math.floor(ms / 1000) - LRU_EPOCH) | 0;
}

/** Redis's LFU_INIT_VAL: a new key's access counter. */
const LFU_INIT = 5;

function lfuState(minutes: number, counter: number): number {
  return (minutes << 8) | counter;
}

/** Whether a lazy delete (UNLINK, lazyfree-lazy-user-del) of `v` counts as a lazily freed object. */
export function freedLazily(v: Value): boolean {
  return typeof v !== 'string' && v.freeEffort !== undefined && v.freeEffort() > LAZYFREE_THRESHOLD;
}

export type Value = string | TypedValue;

/**
 * What a database's table holds: a Value, or a string INCR/DECR made kept as its number (always a
 * safe integer, the string being its decimal form), as Redis keeps such strings int-encoded: a
 * counter then changes without parsing and printing digits. Only INCR/DECR see the number
 * (Db.lookupCounter); lookups and every direct read of the table (valueOf) see the string.
 */
export type Stored = Value | number;

/** A stored value as commands see it: a counter as its decimal string. */
export function valueOf(v: Stored): Value {
  return typeof v === 'number' ? String(v) : v;
}

/**
 * What a key costs in memory accounting: its table entry and string, its value (a string by its
 * length, a typed value by its current memBytes) and its expires entry if it has a TTL. MEMORY
 * USAGE reports it; Db.used is the sum of it over the keys (with typed values as last accounted).
 */
export function entryBytes(key: string, value: Value, hasTtl: boolean): number {
  return keyBytes(key) + (typeof value === 'string' ? stringBytes(value) : typedBytes(value)) + (hasTtl ? EXPIRE_ENTRY : 0);
}

/** A typed value's current memBytes (a bare object header for a stand-in without one). */
function typedBytes(v: TypedValue): number {
  return v.memBytes !== undefined ? v.memBytes() : OBJ_HEADER;
}

/** A value's part of its key's cost as accounted: strings by length, typed values as last accounted. */
function accountedValueBytes(v: Stored): number {
  if (typeof v === 'string') return stringBytes(v);
  if (typeof v === 'number') return counterBytes(v);
  // A value not accounted anywhere yet takes its current size. One that is (a RENAME or MOVE sets
  // it under the new key before deleting the old one) keeps its figure, so the delete takes back
  // exactly what was added; reaccount then brings it up to date.
  if (v.accountedBytes === undefined || v.accountedBytes === 0) v.accountedBytes = typedBytes(v);
  return v.accountedBytes;
}

/**
 * A point-in-time snapshot in progress (persistence/point-in-time.ts): every read or change of a
 * key calls `preserve` first; whole-database changes call `complete` first.
 */
export interface SnapshotHook {
  preserve(db: Db, key: string): void;
  complete(): void;
}

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
  /**
   * Values released by a lazy delete or flush that Redis would free in its background thread
   * (INFO lazyfreed_objects). Redoubt's garbage collector reclaims every released value in the
   * background; this counts the ones Redis counts.
   */
  lazyfreed: number;
}

/**
 * The thresholds that decide a value's encoding, in one place: the keyspace's `limits`, kept
 * current from the configuration by server/encoding-limits.ts (which binds it) and read by the
 * type commands and DUMP / RESTORE. Named as the RDB loader's LoadLimits, which it satisfies.
 */
export class EncodingLimits {
  /** hash-max-listpack-entries / hash-max-listpack-value. */
  hashMaxListpackEntries = 512;
  hashMaxListpackValue = 64;
  /** zset-max-listpack-entries / zset-max-listpack-value. */
  zsetMaxListpackEntries = 128;
  zsetMaxListpackValue = 64;
  /** set-max-intset-entries. */
  setMaxIntsetEntries = 512;
  /** list-max-listpack-size: elements (> 0) or bytes (-1..-5) per quicklist node. */
  listMaxListpackSize = -2;
  /** list-compress-depth: nodes kept raw at each end of a new list (0: none compressed). */
  listCompressDepth = 0;
  /**
   * Elements at least this long are saved as their own (plain) quicklist node in RDB files and
   * DUMP payloads (DEBUG QUICKLIST-PACKED-THRESHOLD).
   */
  listPackedThreshold = QUICKLIST_PACKED_THRESHOLD;
  /** stream-node-max-entries / stream-node-max-bytes: entries and bytes per stream node. */
  streamNodeMaxEntries = 100;
  streamNodeMaxBytes = 4096;
}

export class Db {
  /** Not readonly only so SWAPDB can exchange contents (Keyspace.swap); do not keep references. */
  data: KeyTable<Stored>;
  expires: Dict<number>;
  /** Average TTL of sampled volatile keys, as INFO keyspace reports it. */
  avgTtl = 0;
  expireCursor: Iterator<[string, number]> | null = null;
  randomCursor: Iterator<string> | null = null;
  /** Cursors of eviction sampling (sample()), over all keys and over volatile keys. */
  sampleCursor: Iterator<string> | null = null;
  volatileCursor: Iterator<string> | null = null;
  /** Keys sampled and found expired by the last activeExpire call (for expired_stale_perc). */
  lastSampled = 0;
  lastExpired = 0;

  /**
   * Accounted bytes of this database's keys: the sum of entryBytes over them, each typed value
   * counted at its accountedBytes. Kept by every change here; reaccount folds in typed values
   * changed in place. recount() recomputes it from scratch.
   */
  used = 0;

  constructor(
    public id: number,
    private readonly ks: Keyspace,
    shardMax = DEFAULT_SHARD_MAX,
  ) {
    this.data = new KeyTable<Stored>(shardMax);
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
    if (this.expires.size === 0 || this.ks.loading) return false;
    const at = this.expires.get(key);
    return at !== undefined && at < this.ks.expiryNow();
  }

  get size(): number {
    return this.data.size;
  }

  /** The keyspace's counters: server/events.ts counts a write's changes in `dirty`. */
  get stats(): KeyspaceStats {
    return this.ks.stats;
  }

  /**
   * Deletes the key if its time has passed; true when it is (now) gone. While expiry is held
   * (clients paused) a key past its time is reported gone but stays, to be deleted afterwards.
   */
  expireIfNeeded(key: string): boolean {
    const at = this.expires.get(key);
    if (at === undefined || at >= this.ks.expiryNow() || this.ks.loading) return false;
    if (this.ks.expiryHeld()) return true;
    this.removeExpired(key);
    return true;
  }

  private removeExpired(key: string): void {
    if (this.ks.cow !== null) this.ks.cow.preserve(this, key);
    const v = this.data.remove(key);
    if (v !== undefined) this.used -= keyBytes(key) + accountedValueBytes(v);
    if (this.expires.delete(key)) this.used -= EXPIRE_ENTRY;
    this.ks.stats.expiredKeys++;
    this.ks.onExpired(this, key);
  }

  /**
   * Value for a read command; counts keyspace hits and misses. `touch` false leaves the LRU/LFU
   * access data alone (OBJECT, as Redis's LOOKUP_NOTOUCH).
   */
  lookupRead(key: string, touch = true): Value | undefined {
    const v = this.lookup(key, touch);
    if (v === undefined) this.ks.stats.misses++;
    else this.ks.stats.hits++;
    return v;
  }

  /**
   * Value for a write command (or an internal look), expiring it first; no hit/miss accounting.
   * `touch` false leaves the access data alone (SCAN's walk, as Redis's).
   */
  lookup(key: string, touch = true): Value | undefined {
    const v = this.lookupCounter(key, touch);
    return v === undefined ? undefined : valueOf(v);
  }

  /** lookup() for INCR/DECR: a counter they stored comes back as its number (Stored). */
  lookupCounter(key: string, touch = true): Stored | undefined {
    if (this.ks.cow !== null) this.ks.cow.preserve(this, key);
    const i = this.expires.size > 0 && this.expireIfNeeded(key) ? -1 : this.data.slot(key);
    if (i < 0) return undefined;
    const v = this.data.value(i);
    if (typeof v === 'object') this.ks.typedTouched = true;
    if (touch) this.ks.touch(this.data, i);
    return v;
  }

  exists(key: string): boolean {
    return this.lookup(key) !== undefined;
  }

  /** Stores a value, dropping any TTL unless keepTtl. */
  set(key: string, value: Stored, keepTtl = false): void {
    if (this.ks.cow !== null) this.ks.cow.preserve(this, key);
    if (this.ks.onNewKey !== null) {
      this.setNotifyingNew(key, value, keepTtl);
      return;
    }
    this.store(key, value);
    if (!keepTtl && this.expires.size > 0 && this.expires.delete(key)) this.used -= EXPIRE_ENTRY;
  }

  /** Puts `value` under `key`, accounting it and recording the write's access; true when the key is new. */
  private store(key: string, value: Stored): boolean {
    const data = this.data;
    const i = data.slot(key);
    if (i < 0) {
      this.account(key, undefined, value);
      data.add(key, value, this.ks.newClock());
      return true;
    }
    this.account(key, data.value(i), value);
    data.replace(i, value);
    this.ks.written(data, i);
    return false;
  }

  /** Accounts `value` replacing `old` (undefined: a new key) under `key`. */
  private account(key: string, old: Stored | undefined, value: Stored): void {
    if (typeof value === 'object') this.ks.typedTouched = true;
    if (old === undefined) this.used += keyBytes(key) + accountedValueBytes(value);
    // A string is accounted by its length: two strings are never compared (`!==` of two long
    // strings of one length reads them, a 12 KB HyperLogLog at every PFADD that changed it).
    else if (typeof old !== 'object' || old !== value) this.used += accountedValueBytes(value) - accountedValueBytes(old);
  }

  /** set() while "new" key events are on: a stale key is expired first, as Redis's lookup does. */
  private setNotifyingNew(key: string, value: Stored, keepTtl: boolean): void {
    if (this.expires.size > 0) this.expireIfNeeded(key);
    const fresh = this.store(key, value);
    if (!keepTtl && this.expires.size > 0 && this.expires.delete(key)) this.used -= EXPIRE_ENTRY;
    if (fresh) this.ks.onNewKey!(this, key);
  }

  delete(key: string): boolean {
    if (this.ks.cow !== null) this.ks.cow.preserve(this, key);
    if (this.expires.size > 0) {
      if (this.expireIfNeeded(key)) return false;
      if (this.expires.delete(key)) this.used -= EXPIRE_ENTRY;
    }
    const v = this.data.remove(key);
    if (v === undefined) return false;
    this.used -= keyBytes(key) + accountedValueBytes(v);
    return true;
  }

  /**
   * Folds the size change of the typed value at `key`, changed in place since it was last
   * accounted, into `used`. One lookup; nothing for strings or missing keys.
   */
  reaccount(key: string): void {
    const v = this.data.get(key);
    if (typeof v !== 'object') return;
    const now = typedBytes(v);
    const was = v.accountedBytes ?? 0;
    if (now === was) return;
    this.used += now - was;
    v.accountedBytes = now;
  }

  /**
   * reaccount for the keys of a request (`refs`: argv positions, as the command's key specs
   * give them), after a write command ran. Clears Keyspace.typedTouched.
   */
  reaccountKeys(argv: readonly string[], refs: readonly { pos: number }[]): void {
    this.ks.typedTouched = false;
    for (const r of refs) this.reaccount(argv[r.pos]!);
  }

  /** reaccountKeys for keys at argv positions first, first + step, ... up to last (none when last < 0). */
  reaccountRange(argv: readonly string[], first: number, last: number, step: number): void {
    this.ks.typedTouched = false;
    for (let i = first; i <= last; i += step) this.reaccount(argv[i]!);
  }

  /**
   * `used` recomputed from scratch with every typed value at its current memBytes (tests, DEBUG):
   * equal to `used` whenever every value changed in place has been reaccounted.
   */
  recount(): number {
    let n = this.expires.size * EXPIRE_ENTRY;
    for (const [key, v] of this.data.entries()) n += entryBytes(key, valueOf(v), false);
    return n;
  }

  /** Absolute expiry in ms, or undefined for a persistent key. */
  getExpire(key: string): number | undefined {
    return this.expires.size > 0 ? this.expires.get(key) : undefined;
  }

  setExpire(key: string, atMs: number): void {
    if (this.ks.cow !== null) this.ks.cow.preserve(this, key);
    if (!this.expires.has(key)) this.used += EXPIRE_ENTRY;
    this.expires.set(key, atMs);
  }

  persist(key: string): boolean {
    if (this.ks.cow !== null) this.ks.cow.preserve(this, key);
    if (!this.expires.delete(key)) return false;
    this.used -= EXPIRE_ENTRY;
    return true;
  }

  flush(): number {
    if (this.ks.cow !== null) this.ks.cow.complete();
    const n = this.data.size;
    this.data.clear();
    this.expires.clear();
    this.expireCursor = null;
    this.randomCursor = null;
    this.sampleCursor = null;
    this.volatileCursor = null;
    this.avgTtl = 0;
    this.used = 0;
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
   * `n` keys drawn at random positions (as randomKey, without expiring them; a key may come twice),
   * from all keys or from the volatile ones: eviction's samples.
   */
  sample(n: number, volatile: boolean): string[] {
    const dict = volatile ? this.expires : this.data;
    // A database no bigger than the sample is taken whole (as Redis's dictGetSomeKeys would).
    if (dict.size <= n) return [...dict.keys()];
    const out: string[] = [];
    while (out.length < n) {
      let skip = Math.floor(Math.random() * Math.min(dict.size, 64));
      for (;;) {
        let cur = volatile ? this.volatileCursor : this.sampleCursor;
        if (cur === null) {
          cur = dict.keys();
          if (volatile) this.volatileCursor = cur;
          else this.sampleCursor = cur;
        }
        const r = cur.next();
        if (r.done) {
          if (volatile) this.volatileCursor = null;
          else this.sampleCursor = null;
          continue;
        }
        if (skip-- === 0) {
          out.push(r.value);
          break;
        }
      }
    }
    return out;
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

/** A database's contents moved aside by Keyspace.takeContents. */
export interface TakenContents {
  data: KeyTable<Stored>;
  expires: Dict<number>;
  used: number;
}

export class Keyspace {
  readonly dbs: Db[];
  readonly stats: KeyspaceStats = { hits: 0, misses: 0, expiredKeys: 0, expiredStalePerc: 0, expiredTimeCapReached: 0, dirty: 0, lazyfreed: 0 };
  /** The encoding thresholds, kept current from the configuration by server/encoding-limits.ts. */
  readonly limits = new EncodingLimits();
  /**
   * True while a file is replayed (AOF loading): nothing expires, as in Redis, so a key whose time
   * has passed still takes the rest of the file's commands; it expires once loading is over.
   */
  loading = false;

  /**
   * While a script runs, keys expire as of the moment it started (Redis 7.0 freezes the time a
   * script sees): a key does not vanish between two of its commands. Null otherwise.
   */
  frozenNow: number | null = null;

  /** The time key expiry is judged by: the script's start while one runs, else the clock. */
  expiryNow(): number {
    return this.frozenNow ?? this.clock.now();
  }

  /**
   * Whether a time a command gives (EXPIRE family, GETEX, RESTORE ... ABSTTL) has already passed,
   * so the command deletes the key instead of setting the time (Redis's checkAlreadyExpired).
   * `now`: the instant a relative time was added to, so that PEXPIRE k 1 never deletes the key
   * because the clock ticked between two readings. Never while loading: a replayed file keeps
   * the key for the commands that follow.
   */
  alreadyExpired(at: number, now = this.clock.now()): boolean {
    return !this.loading && at <= now;
  }
  /** Called for every key removed by expiry (notifications, WATCH, AOF hook in). */
  onExpired: (db: Db, key: string) => void = () => {};
  /** True while keys must not be deleted for expiry (clients paused): they read as gone and stay. */
  expiryHeld: () => boolean = () => false;
  /** Called after a key is added (the "new" keyspace event); null (the hot path's case) when off. */
  onNewKey: ((db: Db, key: string) => void) | null = null;
  /** The point-in-time snapshot in progress, if any (persistence/point-in-time.ts). */
  cow: SnapshotHook | null = null;
  /** Live iterators behind SCAN cursors (and HSCAN/SSCAN/ZSCAN: any owner may use it). */
  readonly scanCursors = new ScanCursors();
  /** Where active expiry resumes. */
  private nextDb = 0;
  /**
   * Set when a typed value was looked up or stored: a write command may have changed it in place,
   * so the dispatcher reaccounts its keys (Db.reaccountKeys clears it). Commands that only touch
   * strings leave it false and pay nothing more.
   */
  typedTouched = false;

  /** shardMax (keys per chained Map) is injectable for tests; the default is near V8's limit. */
  constructor(
    count: number,
    readonly clock: Clock,
    private readonly shardMax = DEFAULT_SHARD_MAX,
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
    if (this.cow !== null) this.cow.complete();
    const x = this.dbs[a]!;
    const y = this.dbs[b]!;
    [x.data, y.data] = [y.data, x.data];
    [x.expires, y.expires] = [y.expires, x.expires];
    [x.avgTtl, y.avgTtl] = [y.avgTtl, x.avgTtl];
    [x.expireCursor, y.expireCursor] = [y.expireCursor, x.expireCursor];
    [x.randomCursor, y.randomCursor] = [y.randomCursor, x.randomCursor];
    [x.sampleCursor, y.sampleCursor] = [y.sampleCursor, x.sampleCursor];
    [x.volatileCursor, y.volatileCursor] = [y.volatileCursor, x.volatileCursor];
    [x.used, y.used] = [y.used, x.used];
  }

  /** Accounted bytes of the whole dataset: the sum of the databases' `used`. */
  datasetBytes(): number {
    let n = 0;
    for (const d of this.dbs) n += d.used;
    return n;
  }

  /**
   * What every key's access clock holds (store/evict.ts trackingFor): 'lru' the LRU clock at its
   * last access (kept under every policy but the LFU ones, as Redis keeps it), 'lfu' Redis's
   * logarithmic access counter with decay. A change starts the data afresh: every key as accessed
   * now (LRU), or with a new key's counter (LFU).
   */
  setAccessMode(mode: 'lru' | 'lfu'): void {
    if (mode === this.accessMode) return;
    // A snapshot being written reads the clocks in the mode it started with.
    if (this.cow !== null) this.cow.complete();
    this.accessMode = mode;
    const c = this.newClock();
    for (const d of this.dbs) d.data.fillClocks(c);
  }

  accessMode: 'lru' | 'lfu' = 'lru';

  /**
   * The LRU clock: whole seconds (Redis's LRU resolution) from LRU_EPOCH, so that it stays a small
   * integer. As Redis's, it is read from the clock by the server's cron and at each client read
   * (lruTick), not at every access.
   */
  private lruNow: number | null = null;

  lruClock(): number {
    return this.lruNow ?? lruSeconds(this.clock.now());
  }

  /** Sets the LRU clock from `nowMs`, a reading of the clock. */
  lruTick(nowMs: number): void {
    this.lruNow = lruSeconds(nowMs);
  }

  /** Seconds since the access recorded as `clock` (an lruClock() value). */
  idleSeconds(clock: number): number {
    return Math.max(0, this.lruClock() - clock);
  }
  /** lfu-log-factor and lfu-decay-time (minutes). */
  lfuLogFactor = 10;
  lfuDecayTime = 1;

  /** A new key's access clock: accessed now (LRU), or Redis's initial counter 5 (LFU). */
  newClock(): number {
    return this.accessMode === 'lru' ? this.lruClock() : lfuState(this.lfuMinutes(), LFU_INIT);
  }

  /**
   * Records a value stored over an existing key's: a new access time (LRU); under LFU the key keeps
   * its counter, as Redis's overwritten objects do.
   */
  written(data: KeyTable<Stored>, slot: number): void {
    if (this.accessMode === 'lru') data.setClock(slot, this.lruClock());
  }

  /**
   * RESTORE IDLETIME/FREQ and the RDB file's IDLE/FREQ: sets a key's access data, as Redis's
   * objectSetLRUOrLFU (the frequency under an LFU policy, else the idle time).
   */
  setAccess(db: Db, key: string, idleSec: number | null, freq: number | null): void {
    const i = db.data.slot(key);
    if (i < 0) return;
    if (this.accessMode === 'lfu' && freq !== null) db.data.setClock(i, lfuState(this.lfuMinutes(), freq));
    // An idle time beyond the clock's range makes the key as old as the clock can say (an int32
    // would wrap it round to a recent access).
    else if (this.accessMode === 'lru' && idleSec !== null) db.data.setClock(i, Math.max(this.lruClock() - idleSec, -0x80000000));
  }

  /** Records an access to the key in `slot`. */
  touch(data: KeyTable<Stored>, slot: number): void {
    if (this.accessMode === 'lru') data.setClock(slot, this.lruClock());
    else data.setClock(slot, this.lfuIncr(data.clock(slot)));
  }

  /** Minutes modulo 2^16, the LFU state's time (Redis's LFUGetTimeInMinutes). */
  private lfuMinutes(): number {
    return Math.floor(this.clock.now() / 60_000) & 0xffff;
  }

  /**
   * LFU state packed as Redis packs it: minutes modulo 2^16 (of the last decrement) * 256 + counter
   * (0..255). New keys start at 5; the counter decays by one per lfu-decay-time minutes without
   * access, and grows with probability 1 / ((counter - 5) * lfu-log-factor + 1), as Redis's.
   */
  private lfuIncr(state: number): number {
    let counter = this.lfuCounter(state);
    if (counter < 255) {
      const base = Math.max(0, counter - LFU_INIT);
      if (Math.random() < 1 / (base * this.lfuLogFactor + 1)) counter++;
    }
    return lfuState(this.lfuMinutes(), counter);
  }

  /** The decayed LFU counter of a packed state. */
  lfuCounter(state: number): number {
    const counter = state & 0xff;
    if (this.lfuDecayTime <= 0) return counter;
    // Minutes since the state's time, across the 16-bit wrap as Redis's LFUTimeElapsed counts them.
    const now = this.lfuMinutes();
    const then = state >>> 8;
    const elapsed = now >= then ? now - then : 65535 - then + now;
    return Math.max(0, counter - Math.floor(elapsed / this.lfuDecayTime));
  }

  /**
   * Moves every database's keys aside, leaving them empty (a load that may fail); `putContents`
   * puts them back.
   */
  takeContents(): TakenContents[] {
    if (this.cow !== null) this.cow.complete();
    return this.dbs.map((db) => {
      const taken = { data: db.data, expires: db.expires, used: db.used };
      db.data = new KeyTable<Stored>(this.shardMax);
      db.expires = new Dict<number>(this.shardMax);
      db.used = 0;
      db.expireCursor = db.randomCursor = db.sampleCursor = db.volatileCursor = null;
      return taken;
    });
  }

  putContents(taken: TakenContents[]): void {
    this.dbs.forEach((db, i) => {
      db.data = taken[i]!.data;
      db.expires = taken[i]!.expires;
      db.used = taken[i]!.used;
      db.expireCursor = db.randomCursor = db.sampleCursor = db.volatileCursor = null;
    });
  }

  flushAll(): number {
    let n = 0;
    for (const d of this.dbs) n += d.flush();
    return n;
  }

  /** Runs active expiry for up to budgetMs of real time across databases. */
  activeExpireCycle(budgetMs: number, effort: number): void {
    if (this.expiryHeld()) return;
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
