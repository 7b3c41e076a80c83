// Hash values. Two layouts, chosen by size (not by the encoding Redis reports):
// - small (up to HashValue.smallMax fields): one flat array [f0, v0, f1, v1, ...] in insertion
//   order, searched linearly, as Redis's listpack is. A 2-field hash costs two objects.
// - big: one Map from field to value (a Dict, store/dict.ts, once it nears V8's 2^24-entry Map
//   limit): no per-field object or slot beyond the Map's own entry.
// A hash never goes back from big to small. Iteration in either layout follows insertion order:
// the order of Redis's listpack encoding (new fields at the end, updated fields in place,
// deleted fields closing up). SCAN walks the Map's live iterators (store/scan.ts).
//
// Random picks (HRANDFIELD) in the big layout use positions built on the first pick
// (store/types/picks.ts, shared with sets).
import type { TypedValue } from '../db.js';
import type { ScanSource } from '../scan.js';
import { DEFAULT_SHARD_MAX, Dict } from '../dict.js';
import { DICT_ENTRY, DICT_HEADER, LISTPACK_HEADER, OBJ_HEADER, listpackEntryBytes, sdsBytes } from '../memsize.js';
import { Picks, sampleSlots } from './picks.js';

/** A field's and its value's bytes in a listpack. */
function packedBytes(field: string, value: string): number {
  return listpackEntryBytes(field.length) + listpackEntryBytes(value.length);
}

/** A field's and its value's bytes in a hash table (entry overhead apart). */
function tableBytes(field: string, value: string): number {
  return sdsBytes(field.length) + sdsBytes(value.length);
}

/** The listpack limits (hash-max-listpack-entries / hash-max-listpack-value). */
export interface HashLimits {
  entries: number;
  value: number;
}


/**
 * A value as the big layout stores it: a canonical decimal integer of up to 9 digits as a
 * number (V8 keeps it inline in the Map entry: no string object, about 24 bytes less per
 * field, as counters and numeric values are common), anything else as the string itself.
 */
type Stored = string | number;

function pack(v: string): Stored {
  const n = v.length;
  if (n === 0 || n > 10) return v;
  let i = v.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (n - i > 9 || n === i) return v;
  // No leading zero ("0" alone is fine; "-0" and "01" are not canonical).
  if (v.charCodeAt(i) === 48) return n === 1 ? 0 : v;
  for (; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return v;
  }
  return Number(v);
}

function unpack(v: Stored): string {
  return typeof v === 'number' ? String(v) : v;
}

/** The big layout. */
interface Big {
  /** Field -> value, in insertion order. */
  m: Map<string, Stored> | Dict<Stored>;
  /** Fields ever removed (SCAN's fallback cursor uses it). */
  removals: number;
  /** Once sampled: positions for random picks (store/types/picks.ts). */
  picks: Picks | null;
}

export class HashValue implements TypedValue {
  /** Largest hash kept in the flat layout (injectable for tests). */
  static smallMax = 32;
  /** Size at which the big layout's Map becomes a Dict (injectable for tests). */
  static mapMax = DEFAULT_SHARD_MAX;

  get type(): 'hash' {
    return 'hash';
  }

  /** Small layout: fields and values interleaved; null once big. */
  private flat: string[] | null = [];
  /** Big layout (one field for it all: small hashes, the most common, stay small objects). */
  private big: Big | null = null;
  /** Still a listpack (OBJECT ENCODING); never goes back once false. */
  listpack = true;
  /**
   * The fields' and values' bytes in each encoding (memBytes picks by `listpack`), kept by every
   * mutation; a conversion then costs nothing to account.
   */
  private packed = 0;
  private table = 0;
  /** The memBytes() last added to its database's count (store/db.ts). */
  accountedBytes = 0;

  /** Estimated bytes: a listpack of the pairs, or a hash table of sds pairs. */
  memBytes(): number {
    if (this.listpack) return OBJ_HEADER + LISTPACK_HEADER + this.packed;
    return OBJ_HEADER + DICT_HEADER + this.size * DICT_ENTRY + this.table;
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'hashtable';
  }

  get size(): number {
    return this.flat !== null ? this.flat.length >> 1 : this.big!.m.size;
  }

  /** True in the small layout (HSCAN returns such a hash whole). */
  get small(): boolean {
    return this.flat !== null;
  }

  private find(field: string): number {
    const f = this.flat!;
    for (let i = 0; i < f.length; i += 2) if (f[i] === field) return i;
    return -1;
  }

  get(field: string): string | undefined {
    if (this.flat !== null) {
      const i = this.find(field);
      return i < 0 ? undefined : this.flat[i + 1];
    }
    const v = this.big!.m.get(field);
    return v === undefined ? undefined : unpack(v);
  }

  has(field: string): boolean {
    return this.flat !== null ? this.find(field) >= 0 : this.big!.m.has(field);
  }

  /** Sets a field; true when it is new. `lim` is required while the hash is a listpack. */
  set(field: string, value: string, lim: HashLimits | null): boolean {
    if (this.listpack && lim !== null && (field.length > lim.value || value.length > lim.value)) this.listpack = false;
    let isNew: boolean;
    if (this.flat !== null) {
      const i = this.find(field);
      if (i >= 0) {
        this.resized(field, this.flat[i + 1]!, value);
        this.flat[i + 1] = value;
        return false;
      }
      if (this.flat.length >= 2 * HashValue.smallMax) {
        this.grow();
        isNew = this.bigSet(field, value);
      } else {
        // A new exact-size array (push would leave up to 16 spare slots per hash).
        this.flat = this.flat.concat(field, value);
        isNew = true;
      }
    } else {
      isNew = this.bigSet(field, value);
    }
    if (isNew) {
      this.packed += packedBytes(field, value);
      this.table += tableBytes(field, value);
    }
    if (this.listpack && lim !== null && this.size > lim.entries) this.listpack = false;
    return isNew;
  }

  /** Accounts a field's value changing from `old` to `value`. */
  private resized(field: string, old: string, value: string): void {
    this.packed += packedBytes(field, value) - packedBytes(field, old);
    this.table += tableBytes(field, value) - tableBytes(field, old);
  }

  private bigSet(field: string, value: string): boolean {
    const m = this.big!.m;
    const old = m.get(field);
    if (old !== undefined) {
      this.resized(field, unpack(old), value);
      m.set(field, pack(value));
      return false;
    }
    this.insert(field, value);
    return true;
  }

  /** Big layout: adds a field known to be absent. */
  private insert(field: string, value: string): void {
    const big = this.big!;
    let m = big.m;
    if (m instanceof Map && m.size >= HashValue.mapMax) {
      // Same order; a SCAN cursor over the old Map resumes by its fallback (store/scan.ts).
      big.m = m = Dict.from(m, HashValue.mapMax);
    }
    m.set(field, pack(value));
    big.picks?.added(field);
  }

  /** Moves to the big layout. */
  private grow(): void {
    const f = this.flat!;
    this.big = { m: new Map(), removals: 0, picks: null };
    this.flat = null;
    for (let i = 0; i < f.length; i += 2) this.insert(f[i]!, f[i + 1]!);
  }

  delete(field: string): boolean {
    if (this.flat !== null) {
      const i = this.find(field);
      if (i < 0) return false;
      this.removed(field, this.flat[i + 1]!);
      this.flat.splice(i, 2);
      return true;
    }
    const big = this.big!;
    const old = big.m.get(field);
    if (old === undefined) return false;
    this.removed(field, unpack(old));
    big.m.delete(field);
    big.removals++;
    if (big.picks !== null && !big.picks.removed(field, big.m.size)) big.picks = null;
    return true;
  }

  private removed(field: string, value: string): void {
    this.packed -= packedBytes(field, value);
    this.table -= tableBytes(field, value);
  }

  /**
   * Every field and value, interleaved, in insertion order. In the small layout this is the
   * hash's own array: read it before the next write, never modify it.
   */
  pairs(): readonly string[] {
    if (this.flat !== null) return this.flat;
    const out: string[] = [];
    const m = this.big!.m;
    if (m instanceof Map) {
      m.forEach((v, f) => {
        out.push(f, unpack(v));
      });
    } else {
      for (const [f, v] of m.entries()) out.push(f, unpack(v));
    }
    return out;
  }

  /** Every field and value in the order of pairs(), lazily (the hash must not change meanwhile). */
  *entries(): Generator<[string, string], void, void> {
    if (this.flat !== null) {
      const f = this.flat;
      for (let i = 0; i < f.length; i += 2) yield [f[i]!, f[i + 1]!];
      return;
    }
    for (const [f, v] of this.big!.m.entries()) yield [f, unpack(v)];
  }

  /** Big layout: the positions for random picks, built on first use. */
  private pickable(): Picks {
    const big = this.big!;
    big.picks ??= new Picks(big.m.keys());
    return big.picks;
  }

  /**
   * A uniformly random position for fieldAt/valueAt (the hash must not be empty). Positions are
   * valid until the next write; in the big layout they may lie beyond size (dead fields).
   */
  randomIndex(): number {
    if (this.flat !== null) return Math.floor(Math.random() * (this.flat.length >> 1));
    return this.pickable().randomIndex();
  }

  /** `count` distinct uniformly random positions for fieldAt/valueAt; count < size. */
  sample(count: number): number[] {
    if (this.flat !== null) return sampleSlots(this.flat.length >> 1, count);
    return this.pickable().sample(count, this.size);
  }

  /**
   * The field at a position from randomIndex() or sample() (since the last write). Any other
   * position in [0, size) gives some field, in the big layout possibly a deleted one.
   */
  fieldAt(i: number): string {
    return this.flat !== null ? this.flat[2 * i]! : this.pickable().arr[i]!;
  }

  valueAt(i: number): string {
    return this.flat !== null ? this.flat[2 * i + 1]! : unpack(this.big!.m.get(this.pickable().arr[i]!)!);
  }

  /** The fields as a SCAN source (big layout only; a small hash is scanned whole). */
  scanSource(): ScanSource<string> {
    if (this.big === null) this.grow();
    const { m, removals } = this.big!;
    return { owner: m, open: () => m.keys(), removals };
  }

  freeEffort(): number {
    return this.listpack ? 1 : this.size;
  }

  copy(): HashValue {
    const c = new HashValue();
    c.listpack = this.listpack;
    c.packed = this.packed;
    c.table = this.table;
    if (this.flat !== null) {
      c.flat = this.flat.slice();
    } else {
      c.flat = null;
      const m = this.big!.m;
      const cm = m instanceof Map ? new Map(m) : Dict.from(m.entries(), HashValue.mapMax);
      c.big = { m: cm, removals: 0, picks: null };
    }
    return c;
  }
}
