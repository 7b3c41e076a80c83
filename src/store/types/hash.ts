// Hash values: fields in a KeyIndex (store/types/set.ts) with the values in a parallel array.
// Iteration (HGETALL, HKEYS, HVALS, HSCAN) follows the index's insertion order, which is the
// order of Redis's listpack encoding: new fields at the end, updated fields in place.
import type { TypedValue } from '../db.js';
import { KeyIndex } from './set.js';

/** The listpack limits (hash-max-listpack-entries / hash-max-listpack-value). */
export interface HashLimits {
  entries: number;
  value: number;
}

export class HashValue implements TypedValue {
  readonly type = 'hash' as const;
  m = new KeyIndex();
  /** Values by slot, parallel to m.keys. */
  vals: string[] = [];
  /** Still a listpack (small); never goes back once false. */
  listpack = true;

  encoding(): string {
    return this.listpack ? 'listpack' : 'hashtable';
  }

  get size(): number {
    return this.vals.length;
  }

  get(field: string): string | undefined {
    const i = this.m.slot(field);
    return i === undefined ? undefined : this.vals[i];
  }

  has(field: string): boolean {
    return this.m.has(field);
  }

  /** Sets a field; true when it is new. `lim` is required while the hash is a listpack. */
  set(field: string, value: string, lim: HashLimits | null): boolean {
    if (this.listpack && lim !== null && (field.length > lim.value || value.length > lim.value)) this.listpack = false;
    const i = this.m.slot(field);
    if (i !== undefined) {
      this.vals[i] = value;
      return false;
    }
    this.m.add(field);
    this.vals.push(value);
    if (this.listpack && lim !== null && this.vals.length > lim.entries) this.listpack = false;
    return true;
  }

  delete(field: string): boolean {
    const i = this.m.remove(field);
    if (i < 0) return false;
    const vals = this.vals;
    const last = vals.pop()!;
    if (i < vals.length) vals[i] = last;
    return true;
  }

  /** Live iterator over [field, slot] in insertion order (value: vals[slot]). */
  entries(): Iterator<[string, number]> {
    return this.m.entries();
  }

  copy(): HashValue {
    const c = new HashValue();
    c.m = this.m.copy();
    c.vals = this.vals.slice();
    c.listpack = this.listpack;
    return c;
  }
}
