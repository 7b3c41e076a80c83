// Set values, and KeyIndex: the member storage shared with hashes.
//
// KeyIndex keeps the members in a dense array (O(1) uniform random picks for SPOP,
// SRANDMEMBER, HRANDFIELD) and a member -> array position index. The index iterates in
// insertion order with live iterators (SCAN's cursors walk it); a removal moves the array's
// last member into the freed slot, which changes the index's value for that member, not its
// position in the index's order. The index is a Map until it nears V8's 2^24-entry limit, then
// a Dict (store/dict.ts), so ten million members and more work.
import { DEFAULT_SHARD_MAX, Dict } from '../dict.js';
import type { TypedValue } from '../db.js';
import type { ScanSource } from '../scan.js';
import { DICT_ENTRY, DICT_HEADER, INTSET_HEADER, OBJ_HEADER, intWidth, sdsBytes } from '../memsize.js';

export class KeyIndex {
  /** Size at which the Map index becomes a Dict (injectable for tests). */
  static mapMax = DEFAULT_SHARD_MAX;

  /** Members in slot order (not insertion order once members were removed). */
  keys: string[] = [];
  private idx: Map<string, number> | Dict<number> = new Map();
  /** Members ever removed (SCAN's fallback cursor uses it). */
  removals = 0;
  /** Values by slot, parallel to keys (hashes); null for sets. */
  vals: string[] | null = null;

  get size(): number {
    return this.keys.length;
  }

  /** The member's slot, or undefined. */
  slot(k: string): number | undefined {
    return this.idx.get(k);
  }

  has(k: string): boolean {
    return this.idx.has(k);
  }

  /** Adds a member known to be absent; returns its slot (always the last). */
  add(k: string): number {
    const i = this.keys.length;
    if (this.idx.size >= KeyIndex.mapMax && this.idx instanceof Map) this.idx = Dict.from(this.idx, KeyIndex.mapMax);
    this.idx.set(k, i);
    this.keys.push(k);
    return i;
  }

  /**
   * Removes a member (and its value); returns the slot it had (-1 when absent). The last
   * slot's member and value now occupy that slot.
   */
  remove(k: string): number {
    const i = this.idx.get(k);
    if (i === undefined) return -1;
    this.idx.delete(k);
    this.removals++;
    const keys = this.keys;
    const last = keys.pop()!;
    if (i < keys.length) {
      keys[i] = last;
      this.idx.set(last, i);
    }
    const vals = this.vals;
    if (vals !== null) {
      const v = vals.pop()!;
      if (i < vals.length) vals[i] = v;
    }
    return i;
  }

  /** A uniformly random slot (the index must not be empty). */
  randomSlot(): number {
    return Math.floor(Math.random() * this.keys.length);
  }

  /** Live iterator over [member, slot] in insertion order. */
  entries(): Iterator<[string, number]> {
    return this.idx.entries();
  }

  /** Live iterator over the members in insertion order. */
  members(): IterableIterator<string> {
    return this.idx.keys();
  }

  /** This collection as a SCAN source (store/scan.ts). */
  scanSource(): ScanSource<string> {
    const idx = this.idx;
    return { owner: idx, open: () => idx.keys(), removals: this.removals };
  }

  copy(): KeyIndex {
    const c = new KeyIndex();
    c.keys = this.keys.slice();
    c.vals = this.vals === null ? null : this.vals.slice();
    c.idx = this.idx instanceof Map ? new Map(this.idx) : Dict.from(this.idx.entries(), KeyIndex.mapMax);
    return c;
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

/**
 * A set: OBJECT ENCODING intset while every member is an integer and it is small, else
 * hashtable. Two layouts, chosen by size: up to SetValue.smallMax members one flat array
 * (ascending while an intset, searched by bisection; else searched linearly), beyond that a
 * KeyIndex. A set never goes back from big to small.
 */
export class SetValue implements TypedValue {
  /** Largest set kept in the flat layout (injectable for tests). */
  static smallMax = 64;

  get type(): 'set' {
    return 'set';
  }

  /** Small layout, null once big. */
  private flat: string[] | null = [];
  private m: KeyIndex | null = null;
  /** Still an intset: members ordered ascending in replies. Never goes back once false. */
  intset = true;
  /** Big layout: members sorted ascending, cached while intset. */
  private sorted: string[] | null = null;
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
    return this.flat !== null ? this.flat.length : this.m!.keys.length;
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
    return this.flat !== null ? this.find(k) >= 0 : this.m!.has(k);
  }

  /** Adds a member; false when it was there. maxIntset is set-max-intset-entries. */
  add(k: string, maxIntset: number): boolean {
    const f = this.flat;
    if (f !== null) {
      const i = this.find(k);
      if (i >= 0) return false;
      if (f.length >= SetValue.smallMax) {
        this.grow();
        this.m!.add(k);
      } else if (this.intset && isIntMember(k)) {
        // New exact-size arrays (push and splice would leave spare slots per set).
        const at = -i - 1;
        this.flat = at === f.length ? f.concat(k) : f.slice(0, at).concat(k, f.slice(at));
      } else {
        this.flat = f.concat(k);
      }
    } else {
      if (this.m!.has(k)) return false;
      this.m!.add(k);
      this.sorted = null;
    }
    if (this.intset && (!isIntMember(k) || this.size > maxIntset)) {
      this.intset = false;
      this.sorted = null;
    }
    this.counted(k, 1);
    return true;
  }

  private grow(): void {
    const m = new KeyIndex();
    for (const k of this.flat!) m.add(k);
    this.m = m;
    this.flat = null;
    this.sorted = null;
  }

  remove(k: string): boolean {
    if (this.flat !== null) {
      const i = this.find(k);
      if (i < 0) return false;
      this.flat.splice(i, 1);
      this.counted(k, -1);
      return true;
    }
    if (this.m!.remove(k) < 0) return false;
    this.sorted = null;
    this.counted(k, -1);
    return true;
  }

  /** A uniformly random position in [0, size) for memberAt (the set must not be empty). */
  randomIndex(): number {
    return Math.floor(Math.random() * this.size);
  }

  memberAt(i: number): string {
    return this.flat !== null ? this.flat[i]! : this.m!.keys[i]!;
  }

  /** A random member (the set must not be empty). */
  random(): string {
    return this.memberAt(this.randomIndex());
  }

  /**
   * Members in the order Redis replies with them: ascending for an intset. The set's own
   * array may be returned: read it before the next write, never modify it.
   */
  ordered(): readonly string[] {
    if (this.flat !== null) return this.flat;
    if (!this.intset) return this.m!.keys;
    if (this.sorted === null) this.sorted = this.m!.keys.slice().sort(compareInts);
    return this.sorted;
  }

  /** The members as a SCAN source (big layout only; a small set is scanned whole). */
  scanSource(): ScanSource<string> {
    if (this.m === null) this.grow();
    return this.m!.scanSource();
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
      c.m = this.m!.copy();
    }
    return c;
  }
}
