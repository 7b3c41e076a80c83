// List values: a growable ring buffer of latin1 strings. Push and pop at either end are O(1)
// (amortised), index access is O(1), and middle edits (LINSERT, LREM) shift the shorter side.
// Redis 7.0 stores every list as a quicklist, so that is the encoding reported.
import type { TypedValue } from '../db.js';
import { OBJ_HEADER, QUICKLIST_HEADER, QUICKLIST_NODE, QUICKLIST_NODE_BYTES, listpackEntryBytes } from '../memsize.js';

/** Redis's default packed threshold (1 GB): in practice every element is packed. */
export const QUICKLIST_PACKED_THRESHOLD = 1 << 30;
/** The highest threshold DEBUG QUICKLIST-PACKED-THRESHOLD accepts (4 GB less 1 MB). */
export const QUICKLIST_PACKED_THRESHOLD_MAX = 2 ** 32 - 2 ** 20;

const MIN_CAPACITY = 8;

export class ListValue implements TypedValue {
  readonly type = 'list' as const;
  /** Slots; capacity is always a power of two so a mask wraps indexes. */
  private buf: (string | undefined)[];
  private mask: number;
  private head = 0;
  private len = 0;
  /** Packed bytes of the elements (their listpack entries), kept by every mutation. */
  private packed = 0;
  /** The memBytes() last added to its database's count (store/db.ts). */
  accountedBytes = 0;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.buf = new Array<string | undefined>(cap);
    this.mask = cap - 1;
  }

  encoding(): string {
    return 'quicklist';
  }

  get length(): number {
    return this.len;
  }

  /**
   * Estimated bytes as a quicklist: header, the elements' listpack entries, and one node per
   * 8 kB of them (list-max-listpack-size -2).
   */
  memBytes(): number {
    const p = this.packed;
    return OBJ_HEADER + QUICKLIST_HEADER + p + QUICKLIST_NODE * Math.ceil(p / QUICKLIST_NODE_BYTES);
  }

  /** Redis frees a quicklist node by node: about one per 8 kB of packed elements. */
  freeEffort(): number {
    return Math.max(1, Math.ceil(this.packed / 8192));
  }

  copy(): ListValue {
    const out = new ListValue(this.len);
    for (let i = 0; i < this.len; i++) out.buf[i] = this.buf[(this.head + i) & this.mask];
    out.len = this.len;
    out.packed = this.packed;
    return out;
  }

  private grow(): void {
    const old = this.buf;
    const cap = old.length;
    const next = new Array<string | undefined>(cap * 2);
    for (let i = 0; i < this.len; i++) next[i] = old[(this.head + i) & this.mask];
    this.buf = next;
    this.mask = cap * 2 - 1;
    this.head = 0;
  }

  /** Gives memory back once the list uses under a quarter of its slots. */
  private maybeShrink(): void {
    const cap = this.buf.length;
    if (cap <= MIN_CAPACITY || this.len * 4 >= cap) return;
    let target = cap;
    while (target > MIN_CAPACITY && this.len * 4 < target) target /= 2;
    const next = new Array<string | undefined>(target);
    for (let i = 0; i < this.len; i++) next[i] = this.buf[(this.head + i) & this.mask];
    this.buf = next;
    this.mask = target - 1;
    this.head = 0;
  }

  pushHead(v: string): void {
    if (this.len === this.buf.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.len++;
    this.packed += listpackEntryBytes(v.length);
  }

  pushTail(v: string): void {
    if (this.len === this.buf.length) this.grow();
    this.buf[(this.head + this.len) & this.mask] = v;
    this.len++;
    this.packed += listpackEntryBytes(v.length);
  }

  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.len--;
    this.packed -= listpackEntryBytes(v!.length);
    this.maybeShrink();
    return v;
  }

  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const i = (this.head + this.len - 1) & this.mask;
    const v = this.buf[i];
    this.buf[i] = undefined;
    this.len--;
    this.packed -= listpackEntryBytes(v!.length);
    this.maybeShrink();
    return v;
  }

  /** Element at a 0-based index (callers check 0 <= i < length). */
  at(i: number): string {
    return this.buf[(this.head + i) & this.mask]!;
  }

  setAt(i: number, v: string): void {
    const at = (this.head + i) & this.mask;
    this.packed += listpackEntryBytes(v.length) - listpackEntryBytes(this.buf[at]!.length);
    this.buf[at] = v;
  }

  /** Index of the first element equal to v, from the head, or -1. */
  indexOf(v: string): number {
    for (let i = 0; i < this.len; i++) if (this.buf[(this.head + i) & this.mask] === v) return i;
    return -1;
  }

  /** Inserts v so that it ends up at index i (0 <= i <= length), moving the shorter side. */
  insertAt(i: number, v: string): void {
    if (i === 0) return this.pushHead(v);
    if (i === this.len) return this.pushTail(v);
    if (this.len === this.buf.length) this.grow();
    const m = this.mask;
    if (i < this.len - i) {
      // Shift the first i elements one slot towards the head.
      this.head = (this.head - 1) & m;
      for (let k = 0; k < i; k++) this.buf[(this.head + k) & m] = this.buf[(this.head + k + 1) & m];
    } else {
      for (let k = this.len; k > i; k--) this.buf[(this.head + k) & m] = this.buf[(this.head + k - 1) & m];
    }
    this.buf[(this.head + i) & m] = v;
    this.len++;
    this.packed += listpackEntryBytes(v.length);
  }

  /** Removes `n` elements from the head and `m` from the tail. */
  trim(fromHead: number, fromTail: number): void {
    if (fromHead + fromTail >= this.len) {
      this.clear();
      return;
    }
    const mask = this.mask;
    let freed = 0;
    for (let k = 0; k < fromHead; k++) {
      const at = (this.head + k) & mask;
      freed += listpackEntryBytes(this.buf[at]!.length);
      this.buf[at] = undefined;
    }
    this.head = (this.head + fromHead) & mask;
    this.len -= fromHead;
    for (let k = 0; k < fromTail; k++) {
      const at = (this.head + this.len - 1 - k) & mask;
      freed += listpackEntryBytes(this.buf[at]!.length);
      this.buf[at] = undefined;
    }
    this.len -= fromTail;
    this.packed -= freed;
    this.maybeShrink();
  }

  clear(): void {
    this.buf = new Array<string | undefined>(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.head = 0;
    this.len = 0;
    this.packed = 0;
  }

  /**
   * Removes elements equal to v: up to `limit` of them (0: all), scanning from the head, or
   * from the tail when `fromTail`. Returns how many were removed. One compacting pass.
   */
  remove(v: string, limit: number, fromTail: boolean): number {
    const m = this.mask;
    const n = this.len;
    let removed = 0;
    if (!fromTail) {
      let w = 0;
      for (let r = 0; r < n; r++) {
        const x = this.buf[(this.head + r) & m]!;
        if (x === v && (limit === 0 || removed < limit)) {
          removed++;
          continue;
        }
        if (w !== r) this.buf[(this.head + w) & m] = x;
        w++;
      }
      for (let k = w; k < n; k++) this.buf[(this.head + k) & m] = undefined;
      this.len = w;
    } else {
      // Compact towards the tail, then move the head forward.
      let w = n - 1;
      for (let r = n - 1; r >= 0; r--) {
        const x = this.buf[(this.head + r) & m]!;
        if (x === v && (limit === 0 || removed < limit)) {
          removed++;
          continue;
        }
        if (w !== r) this.buf[(this.head + w) & m] = x;
        w--;
      }
      const drop = w + 1;
      for (let k = 0; k < drop; k++) this.buf[(this.head + k) & m] = undefined;
      this.head = (this.head + drop) & m;
      this.len = n - drop;
    }
    if (removed > 0) {
      this.packed -= removed * listpackEntryBytes(v.length);
      this.maybeShrink();
    }
    return removed;
  }

  /** All elements, head to tail (tests and debugging). */
  toArray(): string[] {
    const out = new Array<string>(this.len);
    for (let i = 0; i < this.len; i++) out[i] = this.buf[(this.head + i) & this.mask]!;
    return out;
  }

  static from(items: readonly string[]): ListValue {
    const l = new ListValue(items.length);
    for (const s of items) l.pushTail(s);
    return l;
  }
}
