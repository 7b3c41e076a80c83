// Hash values. Two layouts, chosen by size (not by the encoding Redis reports):
// - small (up to HashValue.smallMax fields): one flat array [f0, v0, f1, v1, ...] in insertion
//   order, searched linearly, as Redis's listpack is. A 2-field hash costs two objects.
// - big: the fields in a KeyIndex (store/types/set.ts: O(1) lookups and random picks, chained
//   past V8's Map limit) with the values in a parallel array.
// A hash never goes back from big to small. Iteration in the small layout, and through the
// index in the big one, follows insertion order: the order of Redis's listpack encoding (new
// fields at the end, updated fields in place, deleted fields closing up).
import type { TypedValue } from '../db.js';
import type { ScanSource } from '../scan.js';
import { KeyIndex } from './set.js';
import { DICT_ENTRY, DICT_HEADER, LISTPACK_HEADER, OBJ_HEADER, listpackEntryBytes, sdsBytes } from '../memsize.js';

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

export class HashValue implements TypedValue {
  /** Largest hash kept in the flat layout (injectable for tests). */
  static smallMax = 32;

  get type(): 'hash' {
    return 'hash';
  }

  /** Small layout: fields and values interleaved; null once big. */
  private flat: string[] | null = [];
  /** Big layout: field index, with the values by slot in m.vals. */
  private m: KeyIndex | null = null;
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
    return this.flat !== null ? this.flat.length >> 1 : this.m!.keys.length;
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
    const i = this.m!.slot(field);
    return i === undefined ? undefined : this.m!.vals![i];
  }

  has(field: string): boolean {
    return this.flat !== null ? this.find(field) >= 0 : this.m!.has(field);
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
    const i = this.m!.slot(field);
    if (i !== undefined) {
      this.resized(field, this.m!.vals![i]!, value);
      this.m!.vals![i] = value;
      return false;
    }
    this.m!.add(field);
    this.m!.vals!.push(value);
    return true;
  }

  /** Moves to the big layout. */
  private grow(): void {
    const f = this.flat!;
    const m = new KeyIndex();
    const vals: string[] = [];
    for (let i = 0; i < f.length; i += 2) {
      m.add(f[i]!);
      vals.push(f[i + 1]!);
    }
    m.vals = vals;
    this.m = m;
    this.flat = null;
  }

  delete(field: string): boolean {
    if (this.flat !== null) {
      const i = this.find(field);
      if (i < 0) return false;
      this.removed(field, this.flat[i + 1]!);
      this.flat.splice(i, 2);
      return true;
    }
    const i = this.m!.slot(field);
    if (i === undefined) return false;
    this.removed(field, this.m!.vals![i]!);
    this.m!.remove(field);
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
    const vals = this.m!.vals!;
    const it = this.m!.entries();
    for (let r = it.next(); !r.done; r = it.next()) out.push(r.value[0], vals[r.value[1]]!);
    return out;
  }

  /** Every field and value in the order of pairs(), lazily (the hash must not change meanwhile). */
  *entries(): Generator<[string, string], void, void> {
    if (this.flat !== null) {
      const f = this.flat;
      for (let i = 0; i < f.length; i += 2) yield [f[i]!, f[i + 1]!];
      return;
    }
    const vals = this.m!.vals!;
    const it = this.m!.entries();
    for (let r = it.next(); r.done !== true; r = it.next()) yield [r.value[0], vals[r.value[1]]!];
  }

  /** A uniformly random position in [0, size) for fieldAt/valueAt (the hash must not be empty). */
  randomIndex(): number {
    return Math.floor(Math.random() * this.size);
  }

  /** The field at a position in [0, size): insertion order when small, slot order when big. */
  fieldAt(i: number): string {
    return this.flat !== null ? this.flat[2 * i]! : this.m!.keys[i]!;
  }

  valueAt(i: number): string {
    return this.flat !== null ? this.flat[2 * i + 1]! : this.m!.vals![i]!;
  }

  /** The fields as a SCAN source (big layout only; a small hash is scanned whole). */
  scanSource(): ScanSource<string> {
    if (this.m === null) this.grow();
    return this.m!.scanSource();
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
      c.m = this.m!.copy();
    }
    return c;
  }
}
