// Set values. Two layouts, chosen by size (not by the encoding Redis reports), as hashes do
// (store/types/hash.ts):
// - small (up to SetValue.smallMax members): one flat array, ascending while the set is an
//   intset (searched by bisection), else in insertion order (searched linearly).
// - ints (past smallMax, while an intset whose members all lie within +-2^53, as with the default
//   set-max-intset-entries 512): one sorted Float64Array with spare room, 8 bytes a member
//   instead of a string and a table entry. Members are made strings again when read.
// - big: one JS Set of the members (a Dict, store/dict.ts, once it nears V8's 2^24-entry limit):
//   no per-member object or slot beyond the Set's own entry. It iterates in insertion order with
//   live iterators, which SCAN's cursors walk (store/scan.ts).
// A set never goes back from big to small.
//
// Random picks (SPOP, SRANDMEMBER) in the big layout use positions built on the first pick
// (store/types/picks.ts, shared with hashes). SPOP knows the position it took, so it removes it
// from the positions outright (the last slot moves in) and leaves nothing dead.
import { DEFAULT_SHARD_MAX, Dict } from '../dict.js';
import type { TypedValue } from '../db.js';
import type { ScanSource } from '../scan.js';
import { DICT_ENTRY, DICT_HEADER, INTSET_HEADER, OBJ_HEADER, intWidth, sdsBytes } from '../memsize.js';
import { Picks, sampleSlots } from './picks.js';


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

/**
 * The ints layout: an intset's members ascending in a Float64Array (all safe integers), with
 * spare room at the end so that loading one in order costs O(1) per member.
 */
class Ints {
  a: Float64Array;
  n: number;

  constructor(sorted: readonly string[]) {
    this.n = sorted.length;
    this.a = new Float64Array(Math.max(8, this.n + (this.n >> 1)));
    for (let i = 0; i < this.n; i++) this.a[i] = Number(sorted[i]);
  }

  /** The position of x, or -(insertion point) - 1 when absent. */
  find(x: number): number {
    const a = this.a;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const v = a[mid]!;
      if (v === x) return mid;
      if (v < x) lo = mid + 1;
      else hi = mid;
    }
    return -lo - 1;
  }

  insertAt(i: number, x: number): void {
    let a = this.a;
    if (this.n === a.length) {
      a = new Float64Array(this.n + (this.n >> 1) + 1);
      a.set(this.a.subarray(0, i));
      a.set(this.a.subarray(i, this.n), i + 1);
      this.a = a;
    } else {
      a.copyWithin(i + 1, i, this.n);
    }
    a[i] = x;
    this.n++;
  }

  removeAt(i: number): void {
    this.a.copyWithin(i, i + 1, this.n);
    this.n--;
  }

  at(i: number): string {
    return String(this.a[i]);
  }

  /** The members ascending, as strings, made one at a time. */
  *strings(): Generator<string, void, void> {
    for (let i = 0; i < this.n; i++) yield String(this.a[i]);
  }

  toArray(): string[] {
    const out = new Array<string>(this.n);
    for (let i = 0; i < this.n; i++) out[i] = String(this.a[i]);
    return out;
  }

  copy(): Ints {
    const c = Object.create(Ints.prototype) as Ints;
    c.a = this.a.slice();
    c.n = this.n;
    return c;
  }
}

/** An intset member as a number for the ints layout, or null when it is beyond 2^53. */
function safeInt(k: string): number | null {
  if (!isIntMember(k)) return null;
  const x = Number(k);
  return Number.isSafeInteger(x) ? x : null;
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

  /** Small layout, null once past it. */
  private flat: string[] | null = [];
  /** The ints or the big layout (one field for both: small sets, the most common, stay small objects). */
  private big: Big | Ints | null = null;
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
    const b = this.big;
    return b === null ? this.flat!.length : b instanceof Ints ? b.n : b.m.size;
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

  /** Ints layout: the member's position, or a negative number when absent. */
  private static findInt(ints: Ints, k: string): number {
    const x = safeInt(k);
    return x === null ? -1 : ints.find(x);
  }

  has(k: string): boolean {
    const b = this.big;
    if (b === null) return this.find(k) >= 0;
    return b instanceof Ints ? SetValue.findInt(b, k) >= 0 : b.m.has(k);
  }

  /** Adds a member; false when it was there. maxIntset is set-max-intset-entries. */
  add(k: string, maxIntset: number): boolean {
    const f = this.flat;
    const b = this.big;
    if (f !== null) {
      const i = this.find(k);
      if (i >= 0) return false;
      if (f.length >= SetValue.smallMax) {
        this.grow();
        this.addPast(k);
      } else if (this.intset && isIntMember(k)) {
        // New exact-size arrays (push and splice would leave spare slots per set).
        const at = -i - 1;
        this.flat = at === f.length ? f.concat(k) : f.slice(0, at).concat(k, f.slice(at));
      } else {
        this.flat = f.concat(k);
      }
    } else if (b instanceof Ints) {
      const x = safeInt(k);
      if (x === null) {
        // Not an integer within 2^53, so not among the ints: the strings layout from now on.
        this.addPast(k);
      } else {
        const i = b.find(x);
        if (i >= 0) return false;
        b.insertAt(-i - 1, x);
      }
    } else {
      if (b!.m.has(k)) return false;
      this.addPast(k);
    }
    if (this.intset && (!isIntMember(k) || this.size > maxIntset)) this.toHashtable();
    this.counted(k, 1);
    return true;
  }

  /** Ints or big layout: adds a member known to be absent. */
  private addPast(k: string): void {
    const b = this.big!;
    if (b instanceof Ints) {
      const x = safeInt(k);
      if (x !== null) {
        b.insertAt(-b.find(x) - 1, x);
        return;
      }
      // A non-integer (the set is no intset any more) or an integer beyond 2^53: strings from now on.
      this.big = SetValue.bigOf(b.strings());
    }
    this.insert(k);
  }

  /** No longer an intset: the ints layout becomes the big one (the members in ascending order). */
  private toHashtable(): void {
    this.intset = false;
    const b = this.big;
    if (b instanceof Ints) this.big = SetValue.bigOf(b.strings());
    else if (b !== null) b.sorted = null;
  }

  private static bigOf(members: Iterable<string>): Big {
    return { m: new Set(members), removals: 0, picks: null, sorted: null };
  }

  /** The big layout (ints became strings already). */
  private theBig(): Big {
    return this.big as Big;
  }

  /** Big layout: adds a member known to be absent. */
  private insert(k: string): void {
    const big = this.theBig();
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

  /** Leaves the small layout: ints while an intset of safe integers, else big. */
  private grow(): void {
    const f = this.flat!;
    this.big = this.intset && f.every((k) => safeInt(k) !== null) ? new Ints(f) : SetValue.bigOf(f);
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
    const b = this.big!;
    if (b instanceof Ints) {
      const i = SetValue.findInt(b, k);
      if (i < 0) return false;
      b.removeAt(i);
      this.counted(k, -1);
      return true;
    }
    if (!b.m.delete(k)) return false;
    b.removals++;
    b.sorted = null;
    if (b.picks !== null && !b.picks.removed(k, b.m.size)) b.picks = null;
    this.counted(k, -1);
    return true;
  }

  /** Big layout: the picks, built on first use. */
  private pickable(): Picks {
    const big = this.theBig();
    if (big.picks === null) big.picks = new Picks(big.m.keys());
    return big.picks;
  }

  /**
   * A uniformly random position for memberAt (the set must not be empty). Positions are valid
   * until the next write; in the big layout they may lie beyond size (dead members).
   */
  randomIndex(): number {
    const b = this.big;
    if (b === null || b instanceof Ints) return Math.floor(Math.random() * this.size);
    return this.pickable().randomIndex();
  }

  /** `count` distinct uniformly random positions for memberAt; count < size. */
  sample(count: number): number[] {
    const b = this.big;
    if (b === null || b instanceof Ints) return sampleSlots(this.size, count);
    return this.pickable().sample(count, this.size);
  }

  /**
   * The member at a position from randomIndex() or sample() (since the last write). Any other
   * position in [0, size) gives some member, in the big layout possibly a removed one.
   */
  memberAt(i: number): string {
    const b = this.big;
    if (b === null) return this.flat![i]!;
    return b instanceof Ints ? b.at(i) : this.pickable().arr[i]!;
  }

  /** A random member (the set must not be empty). */
  random(): string {
    return this.memberAt(this.randomIndex());
  }

  /** Removes and returns a random member (the set must not be empty). */
  pop(): string {
    const b = this.big;
    if (b === null || b instanceof Ints) {
      const m = this.random();
      this.remove(m);
      return m;
    }
    const p = this.pickable();
    const m = p.takeAt(p.randomIndex());
    b.m.delete(m);
    // SPOP takes no dead out: SREMs before it may leave the dead outnumbering the live.
    if (p.stale(b.m.size)) b.picks = null;
    b.removals++;
    b.sorted = null;
    this.counted(m, -1);
    return m;
  }

  /**
   * The members in the order Redis replies with them (ascending for an intset), without a copy
   * (the ints layout makes each string as it goes): iterate it before the next write.
   */
  members(): Iterable<string> {
    const b = this.big;
    if (b === null) return this.flat!;
    if (b instanceof Ints) return b.strings();
    if (this.intset) return this.sortedBig();
    return b.m instanceof Set ? b.m : b.m.keys();
  }

  /** Big intset (members beyond 2^53): the members ascending (cached until the next write). */
  private sortedBig(): string[] {
    const big = this.theBig();
    if (big.sorted === null) big.sorted = Array.from(big.m.keys()).sort(compareInts);
    return big.sorted;
  }

  /**
   * members() as an array: a copy past the small layout, except for a big intset's cached
   * order; else the set's own array (read it before the next write, never modify it).
   */
  ordered(): readonly string[] {
    const b = this.big;
    if (b === null) return this.flat!;
    if (b instanceof Ints) return b.toArray();
    return this.intset ? this.sortedBig() : Array.from(b.m.keys());
  }

  /** The members as a SCAN source (big layout only; a small or ints set is scanned whole). */
  scanSource(): ScanSource<string> {
    if (this.big === null) this.grow();
    if (this.big instanceof Ints) this.big = SetValue.bigOf(this.big.strings());
    const { m, removals } = this.theBig();
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
    const b = this.big;
    if (b === null) {
      c.flat = this.flat!.slice();
      return c;
    }
    c.flat = null;
    if (b instanceof Ints) {
      c.big = b.copy();
    } else {
      const { m, sorted } = b;
      const cm = m instanceof Set ? new Set(m) : Dict.from(m.entries(), SetValue.mapMax);
      // The sorted cache is replaced, never changed in place: the copy may share it.
      c.big = { m: cm, removals: 0, picks: null, sorted };
    }
    return c;
  }
}
