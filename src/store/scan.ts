// SCAN-family cursors (SCAN, and reusable by HSCAN/SSCAN/ZSCAN) over insertion-ordered
// collections with live iterators (Map, Set, Dict).
//
// Guarantee (as Redis's): an element present in the collection for the whole iteration is
// returned at least once; elements added or removed meanwhile may or may not be.
//
// How: a cursor names a live iterator kept in a bounded cache. A live iterator visits every
// element present throughout exactly once, whatever is inserted or deleted. When a cursor is no
// longer cached (evicted, another server, made up by the client), we fall back on what the
// cursor itself encodes: `pos`, how many elements the scan had passed, and the collection's
// removal counter at that time. New elements go to the end of the order and each removal moves
// a position back by at most one, so skipping `pos - removalsSince` elements from the start
// never skips an element the scan has not yet passed. Sources that do not count removals
// restart from the beginning (duplicates are allowed, omissions are not).
//
// Cursor layout (decimal, below 2^63): pos * 2^32 + (removals mod 2^32). Cursor 0 starts and
// ends a scan.

import { performance } from 'node:perf_hooks';

const TWO32 = 0x1_0000_0000;
const POS_MAX = 0x7fff_ffff;

/** What a scan walks. */
export interface ScanSource<T> {
  /** The collection object: a cached iterator is only reused for the same owner. */
  readonly owner: object;
  /** A fresh live iterator from the start of the collection's order. */
  open(): Iterator<T>;
  /** Removal counter (Dict.removals), or null when the collection does not count removals. */
  readonly removals: number | null;
}

interface Entry {
  cursor: string;
  owner: object;
  it: Iterator<unknown>;
  /** Elements passed so far (visited, whether or not returned). */
  pos: number;
  /** One element read ahead (to know whether the scan is over), not yet visited. */
  ahead: IteratorResult<unknown>;
  /** When cached (ScanCursors.now). */
  at: number;
}

/**
 * Parses a cursor the way Redis does (strtoul, base 10): optional sign, digits, no spaces;
 * "" is 0; negative values wrap modulo 2^64. Returns null for "ERR invalid cursor".
 */
export function parseCursor(s: string): bigint | null {
  if (s.length === 0) return 0n;
  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 /* + */ || c0 === 45 /* - */) {
    neg = c0 === 45;
    i = 1;
  }
  if (i === s.length || s.length - i > 40) return null;
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const v = BigInt(s.slice(i));
  if (v > 0xffff_ffff_ffff_ffffn) return null;
  return neg && v !== 0n ? (1n << 64n) - v : v;
}

/**
 * A cached iterator may keep an old hash table of its collection alive (V8 keeps a table an
 * iterator still points into after a rehash), so abandoned cursors are dropped by count and by
 * idle time; the fallback keeps their cursors valid.
 */
export class ScanCursors {
  private readonly byCursor = new Map<string, Entry[]>();
  /** Every cached entry, oldest first, for eviction. */
  private readonly age = new Set<Entry>();

  constructor(
    private readonly capacity = 1024,
    private readonly maxIdleMs = 60_000,
    /** Monotonic milliseconds (injectable for tests). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  get cached(): number {
    return this.age.size;
  }

  /** Forgets every cached iterator (tests; the fallback keeps cursors valid). */
  clear(): void {
    this.byCursor.clear();
    this.age.clear();
  }

  /**
   * Continues the scan at `cursor`: passes up to `count` elements to `visit` (which filters
   * and replies; an element may have been removed since it was read, so callers re-check
   * what they need) and returns the next cursor, "0" when the scan is complete.
   */
  scan<T>(src: ScanSource<T>, cursor: bigint, count: number, visit: (item: T) => void): string {
    let e = cursor === 0n ? undefined : this.take(cursor.toString(), src.owner);
    if (e === undefined) e = this.fallback(src, cursor);
    let ahead = e.ahead as IteratorResult<T>;
    const it = e.it as Iterator<T>;
    let n = 0;
    while (!ahead.done && n < count) {
      n++;
      e.pos++;
      visit(ahead.value);
      ahead = it.next();
    }
    if (ahead.done) return '0';
    e.ahead = ahead;
    const removals = src.removals ?? 0;
    const next = BigInt(Math.min(e.pos, POS_MAX)) * BigInt(TWO32) + BigInt(removals % TWO32);
    e.cursor = next === 0n ? '1' : next.toString();
    this.put(e);
    return e.cursor;
  }

  /** A new position for a cursor not in the cache (see the module comment). */
  private fallback<T>(src: ScanSource<T>, cursor: bigint): Entry {
    const it = src.open();
    let skip = 0;
    if (src.removals !== null && cursor !== 0n) {
      const pos = Number(cursor / BigInt(TWO32));
      const then = Number(cursor % BigInt(TWO32));
      const since = (((src.removals - then) % TWO32) + TWO32) % TWO32;
      skip = Math.max(0, pos - since);
    }
    let ahead = it.next();
    for (let i = 0; i < skip && !ahead.done; i++) ahead = it.next();
    return { cursor: '', owner: src.owner, it, pos: skip, ahead, at: 0 };
  }

  private take(cursor: string, owner: object): Entry | undefined {
    const list = this.byCursor.get(cursor);
    if (list === undefined) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i]!;
      if (e.owner !== owner) continue;
      list.splice(i, 1);
      if (list.length === 0) this.byCursor.delete(cursor);
      this.age.delete(e);
      return e;
    }
    return undefined;
  }

  private put(e: Entry): void {
    const now = this.now();
    e.at = now;
    const list = this.byCursor.get(e.cursor);
    if (list === undefined) this.byCursor.set(e.cursor, [e]);
    else list.push(e);
    this.age.add(e);
    while (this.age.size > 0) {
      const old = this.age.values().next().value as Entry;
      if (this.age.size <= this.capacity && now - old.at <= this.maxIdleMs) break;
      this.age.delete(old);
      const l = this.byCursor.get(old.cursor)!;
      l.splice(l.indexOf(old), 1);
      if (l.length === 0) this.byCursor.delete(old.cursor);
    }
  }
}
