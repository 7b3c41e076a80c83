// A database's keys: each key has a slot, a small integer found with the one hash lookup that finds
// the key (the Dict maps key -> slot); the slot holds the key's value and its access clock (the LRU
// clock of its last access, or its LFU state) in paged arrays. So every key has an access time, as
// Redis keeps one in every object, for an array write beside the value: no second hash table to
// update per access (which cost 25% more CPU on random keys). The price: 12 bytes per slot (about 7
// more per key in RSS at 1M small keys), and on random keys a memory line or two more per access.
// (Value and clock side by side in one array, one line, cost 4 bytes more and measured no faster.)
// Freed slots are reused; pages are allocated as slots are first used, and dropped when the last
// key goes (a table that shrinks without emptying keeps its pages, 12 bytes per slot, for the keys
// that come next).
//
// Iteration (keys, entries) is the Dict's: insertion order, live, as store/dict.ts describes.
import { DEFAULT_SHARD_MAX, Dict } from './dict.js';

const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;
const MASK = PAGE - 1;

export class KeyTable<V> {
  private readonly index: Dict<number>;
  private values: (V | undefined)[][] = [];
  private clocks: Int32Array[] = [];
  /** Slots given back by deleted keys, reused first. */
  private free: number[] = [];
  /** Slots handed out so far (the next new one). */
  private top = 0;

  /** shardMax: keys per chained Map (store/dict.ts), injectable for tests. */
  constructor(shardMax = DEFAULT_SHARD_MAX) {
    this.index = new Dict<number>(shardMax);
  }

  get size(): number {
    return this.index.size;
  }

  /** Keys ever removed (Dict.removals, for SCAN). */
  get removals(): number {
    return this.index.removals;
  }

  /** Number of chained Maps (tests). */
  get shardCount(): number {
    return this.index.shardCount;
  }

  /**
   * The last key found and its slot: a command looks its key up more than once (the read, then
   * the write or the memory accounting after it), and a string compare is cheaper than a hash
   * lookup. It mirrors the index: set by slot() and add(), dropped by remove() and clear().
   */
  private lastKey: string | null = null;
  private lastSlot = -1;

  /** The key's slot, or -1. */
  slot(key: string): number {
    if (key === this.lastKey) return this.lastSlot;
    const i = this.index.get(key);
    if (i === undefined) return -1;
    this.lastKey = key;
    this.lastSlot = i;
    return i;
  }

  /** The value in a slot in use. */
  value(i: number): V {
    return this.values[i >>> PAGE_BITS]![i & MASK] as V;
  }

  /** Replaces the value in a slot in use. */
  replace(i: number, v: V): void {
    this.values[i >>> PAGE_BITS]![i & MASK] = v;
  }

  clock(i: number): number {
    return this.clocks[i >>> PAGE_BITS]![i & MASK]!;
  }

  setClock(i: number, c: number): void {
    this.clocks[i >>> PAGE_BITS]![i & MASK] = c;
  }

  /** Adds a key that is not present, with its value and access clock; returns its slot. */
  add(key: string, v: V, clock: number): number {
    const i = this.free.length > 0 ? this.free.pop()! : this.fresh();
    this.index.set(key, i);
    this.lastKey = key;
    this.lastSlot = i;
    this.values[i >>> PAGE_BITS]![i & MASK] = v;
    this.clocks[i >>> PAGE_BITS]![i & MASK] = clock;
    return i;
  }

  private fresh(): number {
    const i = this.top++;
    if ((i & MASK) === 0) {
      this.values.push(new Array<V | undefined>(PAGE).fill(undefined));
      this.clocks.push(new Int32Array(PAGE));
    }
    return i;
  }

  get(key: string): V | undefined {
    const i = this.slot(key);
    return i < 0 ? undefined : this.value(i);
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  /** The key's access clock, or undefined when it is absent. */
  clockOf(key: string): number | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.clock(i);
  }

  /** Removes a key; returns its value, or undefined when it was absent. */
  remove(key: string): V | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    this.index.delete(key);
    if (key === this.lastKey) this.lastKey = null;
    const page = this.values[i >>> PAGE_BITS]!;
    const v = page[i & MASK] as V;
    page[i & MASK] = undefined;
    // The last key gone: the pages go too (a keyspace emptied by DEL or expiry keeps nothing).
    if (this.index.size === 0) this.dropSlots();
    else this.free.push(i);
    return v;
  }

  clear(): void {
    this.index.clear();
    this.lastKey = null;
    this.dropSlots();
  }

  private dropSlots(): void {
    this.values = [];
    this.clocks = [];
    this.free = [];
    this.top = 0;
  }

  /** Sets every key's access clock to `c` (the access data starts afresh). */
  fillClocks(c: number): void {
    for (const page of this.clocks) page.fill(c);
  }

  /** A live iterator over keys. */
  keys(): IterableIterator<string> {
    return this.index.keys();
  }

  /** A live iterator over [key, value] pairs (the value as it is when the pair is reached). */
  *entries(): IterableIterator<[string, V]> {
    for (const [key, i] of this.index.entries()) yield [key, this.value(i)];
  }
}
