// Set values. Two layouts, chosen by size (not by the encoding Redis reports), as hashes do
// (store/types/hash.ts):
// - small (up to SetValue.smallMax members): one flat array, ascending while the set is an
//   intset (searched by bisection), else in insertion order (searched linearly).
// - big: one JS Set of the members (a Dict, store/dict.ts, once it nears V8's 2^24-entry limit):
//   no per-member object or slot beyond the Set's own entry. It iterates in insertion order with
//   live iterators, which SCAN's cursors walk (store/scan.ts).
// A set never goes back from big to small.
//
// Random picks (SPOP, SRANDMEMBER) in the big layout need positions: an array of the members
// (Picks) is built the first time a big set is sampled and kept from then on, as for hashes. A
// new member is appended to it; a member removed by SREM stays in it, remembered in a `dead`
// set, and picks that land on a dead member are drawn again (each live member is in the array
// exactly once, so picks stay uniform: a dead member added back is revived in place). When the
// dead outnumber the live the array is dropped and rebuilt at the next pick. SPOP knows the
// position it took, so it removes it from the array outright (the last slot moves in) and
// leaves nothing dead. A set never sampled pays nothing for picks; a sampled one pays one array
// slot per member (8 bytes) plus the dead set until the next rebuild.
import { DEFAULT_SHARD_MAX, Dict } from '../dict.js';
import type { TypedValue } from '../db.js';
import type { ScanSource } from '../scan.js';
import { DICT_ENTRY, DICT_HEADER, INTSET_HEADER, OBJ_HEADER, intWidth, sdsBytes } from '../memsize.js';
import { sampleSlots } from './hash.js';

/**
 * Positions for uniform random picks over a collection of distinct strings that has no positions
 * of its own (see the module comment): every live member once, plus dead ones.
 */
export class Picks {
  arr: string[];
  readonly dead = new Set<string>();

  constructor(members: Iterable<string>) {
    this.arr = Array.from(members);
  }

  /** A member came in. */
  added(k: string): void {
    if (!this.dead.delete(k)) this.arr.push(k);
  }

  /** A member went out, `live` remain; false when the picks should be dropped (dead outnumber live). */
  removed(k: string, live: number): boolean {
    this.dead.add(k);
    return this.dead.size <= live;
  }

  /** A uniformly random position of a live member (there must be one). */
  randomIndex(): number {
    const a = this.arr;
    const dead = this.dead;
    for (;;) {
      const i = Math.floor(Math.random() * a.length);
      if (dead.size === 0 || !dead.has(a[i]!)) return i;
    }
  }

  /** `count` distinct uniformly random positions of live members; count < live. */
  sample(count: number, live: number): number[] {
    const dead = this.dead;
    if (dead.size > 0 && count * 3 > live) {
      // A large sample: drop the dead first (O(size), within the O(count) of the reply).
      this.arr = this.arr.filter((k) => !dead.has(k));
      dead.clear();
    }
    const a = this.arr;
    if (dead.size === 0) return sampleSlots(a.length, count);
    // A small sample (count * 3 <= live < a.length) among dead members (at most half): draw
    // again on a dead or repeated one.
    return sampleSlots(a.length, count, (j) => dead.has(a[j]!));
  }

  /** Takes the live member at position i out (the member itself leaves the collection too). */
  takeAt(i: number): string {
    const a = this.arr;
    const k = a[i]!;
    const last = a.pop()!;
    if (i < a.length) a[i] = last;
    return k;
  }
}

const INT_RE = /^(0|-?[1-9][0-9]{0,18})$/;
const INT64_MAX_S = '9223372036854775807';
const INT64_MIN_S = '-9223372036854775808';

/** True when Redis would store s in an intset (string2ll: canonical signed 64-bit decimal). */
export function isIntMember(s: string): boolean {
  if (s.length > 20 || !INT_RE.test(s)) return false;
  if (s.length < 19) return true;
  if (s.charCodeAt(0) === 45) return s.length < 20 || s <= INT64_MIN_S;
  return s.length < 19 || s <= INT64_MAX_S;
}

/** Orders canonical integer strings numerically. */
export function compareInts(a: string, b: string): number {
  const na = a.charCodeAt(0) === 45;
  const nb = b.charCodeAt(0) === 45;
  if (na !== nb) return na ? -1 : 1;
  let r: number;
  if (a.length !== b.length) r = a.length < b.length ? -1 : 1;
  else r = a < b ? -1 : a > b ? 1 : 0;
  return na ? -r : r;
}

/** The big layout. */
interface Big {
  /** The members, in insertion order. */
  m: Set<string> | Dict<true>;
  /** Members ever removed (SCAN's fallback cursor uses it). */
  removals: number;
  /** Once sampled (see the module comment). */
  picks: Picks | null;
  /** While an intset: the members ascending, cached until the next write. */
  sorted: string[] | null;
}

/** OBJECT ENCODING intset while every member is an integer and the set is small, else hashtable. */
export class SetValue implements TypedValue {
  /** Largest set kept in the flat layout (injectable for tests). */
  static smallMax = 64;
  /** Size at which the big layout's Set becomes a Dict (injectable for tests). */
  static mapMax = DEFAULT_SHARD_MAX;

  get type(): 'set' {
    return 'set';
  }

  /** Small layout, null once big. */
  private flat: string[] | null = [];
  /** Big layout (one field for it all: small sets, the most common, stay small objects). */
  private big: Big | null = null;
  /** Still an intset: members ordered ascending in replies. Never goes back once false. */
  intset = true;
  /** The members' sds bytes (hash-table encoding), kept by every mutation. */
  private table = 0;
  /** While an intset: how many members need 4 and 8 bytes (the widest decides the width). */
  private wide4 = 0;
  private wide8 = 0;
  /** The memBytes() last added to its database's count (store/db.ts). */
  accountedBytes = 0;

  /**
   * Estimated bytes: an intset of members as wide as the widest present, or a hash table of
   * sds members. (Redis never narrows an intset; here removing the widest member gives its
   * bytes back, so an add and a remove cancel out exactly.)
   */
  memBytes(): number {
    if (this.intset) return OBJ_HEADER + INTSET_HEADER + this.size * (this.wide8 > 0 ? 8 : this.wide4 > 0 ? 4 : 2);
    return OBJ_HEADER + DICT_HEADER + this.size * DICT_ENTRY + this.table;
  }

  /** Accounts a member coming in (dir 1) or going out (dir -1). */
  private counted(k: string, dir: 1 | -1): void {
    this.table += dir * sdsBytes(k.length);
    if (!this.intset) return;
    const w = intWidth(k);
    if (w === 4) this.wide4 += dir;
    else if (w === 8) this.wide8 += dir;
  }

  encoding(): string {
    return this.intset ? 'intset' : 'hashtable';
  }

  get size(): number {
    return this.flat !== null ? this.flat.length : this.big!.m.size;
  }

  /** True in the small layout (SSCAN returns such a set whole). */
  get small(): boolean {
    return this.flat !== null;
  }

  /** Small layout: the member's position, or -(insertion point) - 1 when absent (intset: sorted). */
  private find(k: string): number {
    const f = this.flat!;
    if (this.intset) {
      if (!isIntMember(k)) return -f.length - 1;
      let lo = 0;
      let hi = f.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const c = compareInts(f[mid]!, k);
        if (c === 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
      }
      return -lo - 1;
    }
    const i = f.indexOf(k);
    return i >= 0 ? i : -f.length - 1;
  }

  has(k: string): boolean {
    return this.flat !== null ? this.find(k) >= 0 : this.big!.m.has(k);
  }

  /** Adds a member; false when it was there. maxIntset is set-max-intset-entries. */
  add(k: string, maxIntset: number): boolean {
    const f = this.flat;
    if (f !== null) {
      const i = this.find(k);
      if (i >= 0) return false;
      if (f.length >= SetValue.smallMax) {
        this.grow();
        this.insert(k);
      } else if (this.intset && isIntMember(k)) {
        // New exact-size arrays (push and splice would leave spare slots per set).
        const at = -i - 1;
        this.flat = at === f.length ? f.concat(k) : f.slice(0, at).concat(k, f.slice(at));
      } else {
        this.flat = f.concat(k);
      }
    } else {
      if (this.big!.m.has(k)) return false;
      this.insert(k);
    }
    if (this.intset && (!isIntMember(k) || this.size > maxIntset)) {
      this.intset = false;
      if (this.big !== null) this.big.sorted = null;
    }
    this.counted(k, 1);
    return true;
  }

  /** Big layout: adds a member known to be absent. */
  private insert(k: string): void {
    const big = this.big!;
    let m = big.m;
    if (m instanceof Set) {
      if (m.size >= SetValue.mapMax) {
        // Same order; a SCAN cursor over the old Set resumes by its fallback (store/scan.ts).
        const d = new Dict<true>(SetValue.mapMax);
        for (const x of m) d.set(x, true);
        big.m = m = d;
        d.set(k, true);
      } else {
        m.add(k);
      }
    } else {
      m.set(k, true);
    }
    big.sorted = null;
    if (big.picks !== null) big.picks.added(k);
  }

  /** Moves to the big layout. */
  private grow(): void {
    this.big = { m: new Set(this.flat), removals: 0, picks: null, sorted: null };
    this.flat = null;
  }

  remove(k: string): boolean {
    if (this.flat !== null) {
      const i = this.find(k);
      if (i < 0) return false;
      this.flat.splice(i, 1);
      this.counted(k, -1);
      return true;
    }
    const big = this.big!;
    if (!big.m.delete(k)) return false;
    big.removals++;
    big.sorted = null;
    if (big.picks !== null && !big.picks.removed(k, big.m.size)) big.picks = null;
    this.counted(k, -1);
    return true;
  }

  /** Big layout: the picks, built on first use. */
  private pickable(): Picks {
    const big = this.big!;
    if (big.picks === null) big.picks = new Picks(big.m.keys());
    return big.picks;
  }

  /**
   * A uniformly random position for memberAt (the set must not be empty). Positions are valid
   * until the next write; in the big layout they may lie beyond size (dead members).
   */
  randomIndex(): number {
    if (this.flat !== null) return Math.floor(Math.random() * this.flat.length);
    return this.pickable().randomIndex();
  }

  /** `count` distinct uniformly random positions for memberAt; count < size. */
  sample(count: number): number[] {
    if (this.flat !== null) return sampleSlots(this.flat.length, count);
    return this.pickable().sample(count, this.size);
  }

  /**
   * The member at a position from randomIndex() or sample() (since the last write). Any other
   * position in [0, size) gives some member, in the big layout possibly a removed one.
   */
  memberAt(i: number): string {
    return this.flat !== null ? this.flat[i]! : this.pickable().arr[i]!;
  }

  /** A random member (the set must not be empty). */
  random(): string {
    return this.memberAt(this.randomIndex());
  }

  /** Removes and returns a random member (the set must not be empty). */
  pop(): string {
    if (this.flat !== null) {
      const m = this.random();
      this.remove(m);
      return m;
    }
    const p = this.pickable();
    const m = p.takeAt(p.randomIndex());
    const big = this.big!;
    big.m.delete(m);
    big.removals++;
    big.sorted = null;
    this.counted(m, -1);
    return m;
  }

  /**
   * The members in the order Redis replies with them (ascending for an intset), without a copy:
   * iterate it before the next write.
   */
  members(): Iterable<string> {
    if (this.flat !== null) return this.flat;
    if (this.intset) return this.sortedBig();
    const m = this.big!.m;
    return m instanceof Set ? m : m.keys();
  }

  /** Big intset: the members ascending (cached until the next write). */
  private sortedBig(): string[] {
    const big = this.big!;
    if (big.sorted === null) big.sorted = Array.from(big.m.keys()).sort(compareInts);
    return big.sorted;
  }

  /**
   * members() as an array: a copy for a big hashtable set, else the set's own array (read it
   * before the next write, never modify it).
   */
  ordered(): readonly string[] {
    if (this.flat !== null) return this.flat;
    return this.intset ? this.sortedBig() : Array.from(this.big!.m.keys());
  }

  /** The members as a SCAN source (big layout only; a small set is scanned whole). */
  scanSource(): ScanSource<string> {
    if (this.big === null) this.grow();
    const { m, removals } = this.big!;
    return { owner: m, open: () => m.keys(), removals };
  }

  freeEffort(): number {
    return this.intset ? 1 : this.size;
  }

  copy(): SetValue {
    const c = new SetValue();
    c.intset = this.intset;
    c.table = this.table;
    c.wide4 = this.wide4;
    c.wide8 = this.wide8;
    if (this.flat !== null) {
      c.flat = this.flat.slice();
    } else {
      c.flat = null;
      const { m, sorted } = this.big!;
      const cm = m instanceof Set ? new Set(m) : Dict.from(m.entries(), SetValue.mapMax);
      // The sorted cache is replaced, never changed in place: the copy may share it.
      c.big = { m: cm, removals: 0, picks: null, sorted };
    }
    return c;
  }
}
