// A Map that holds more than V8's 2^24-entry limit by chaining Maps ("shards").
// Almost always there is one shard, so a lookup costs one Map access.
//
// Order: a new key always goes to the last shard, so the dict's iteration order is the
// insertion order of its keys, as for one Map. Iterators are live, like a Map's: they see keys
// added after they were made, skip keys deleted before they reach them, and visit every key
// present for the whole iteration exactly once. SCAN (store/scan.ts) relies on this.

/** V8's Map limit is 2^24 entries; stay a little below it. */
export const DEFAULT_SHARD_MAX = (1 << 24) - 1024;

export class Dict<V> {
  private shards: Map<string, V>[] = [new Map()];
  /** Creation number of each shard, parallel to `shards`, increasing: iterators find their place by it. */
  private seqs: number[] = [0];
  private nextSeq = 1;
  /**
   * Count of keys ever removed (delete, clear). A key's position in iteration order can move
   * back by at most one per removal; SCAN's fallback uses this to resume without missing keys.
   */
  removals = 0;

  /** shardMax is injectable so tests can exercise chaining without 16M keys. */
  constructor(private readonly shardMax = DEFAULT_SHARD_MAX) {}

  /** A Dict of `entries` in their order: a Map outgrowing V8's limit, or a copy of a Dict. */
  static from<V>(entries: Iterable<[string, V]>, shardMax = DEFAULT_SHARD_MAX): Dict<V> {
    const d = new Dict<V>(shardMax);
    for (const [k, v] of entries) d.set(k, v);
    return d;
  }

  get size(): number {
    const s = this.shards;
    if (s.length === 1) return s[0]!.size;
    let n = 0;
    for (const m of s) n += m.size;
    return n;
  }

  /** Number of chained Maps (tests). */
  get shardCount(): number {
    return this.shards.length;
  }

  get(k: string): V | undefined {
    const s = this.shards;
    if (s.length === 1) return s[0]!.get(k);
    for (const m of s) {
      const v = m.get(k);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  has(k: string): boolean {
    const s = this.shards;
    if (s.length === 1) return s[0]!.has(k);
    for (const m of s) if (m.has(k)) return true;
    return false;
  }

  set(k: string, v: V): void {
    const s = this.shards;
    if (s.length === 1) {
      const m = s[0]!;
      if (m.size < this.shardMax || m.has(k)) {
        m.set(k, v);
        return;
      }
    } else {
      for (const m of s) {
        if (m.has(k)) {
          m.set(k, v);
          return;
        }
      }
    }
    let last = s[s.length - 1]!;
    if (last.size >= this.shardMax) {
      last = new Map();
      s.push(last);
      this.seqs.push(this.nextSeq++);
    }
    last.set(k, v);
  }

  delete(k: string): boolean {
    const s = this.shards;
    if (s.length === 1) {
      if (!s[0]!.delete(k)) return false;
      this.removals++;
      return true;
    }
    for (let i = 0; i < s.length; i++) {
      if (s[i]!.delete(k)) {
        this.removals++;
        // Drop an emptied shard unless it is the last one (new keys go there).
        if (s[i]!.size === 0 && i < s.length - 1) {
          s.splice(i, 1);
          this.seqs.splice(i, 1);
        }
        return true;
      }
    }
    return false;
  }

  clear(): void {
    this.removals += this.size;
    for (const m of this.shards) m.clear();
    this.shards = [new Map()];
    this.seqs = [this.nextSeq++];
  }

  /** The shard after the one numbered `seq` (which may have been dropped), or null. */
  private shardAfter(seq: number): [Map<string, V>, number] | null {
    const seqs = this.seqs;
    for (let i = 0; i < seqs.length; i++) {
      if (seqs[i]! > seq) return [this.shards[i]!, seqs[i]!];
    }
    return null;
  }

  /** A live iterator over [key, value] pairs. */
  entries(): IterableIterator<[string, V]> {
    return new DictIterator(this, (m) => m.entries());
  }

  /** A live iterator over keys. */
  keys(): IterableIterator<string> {
    return new DictIterator(this, (m) => m.keys());
  }

  /** @internal for DictIterator */
  static firstShard<V>(d: Dict<V>): [Map<string, V>, number] {
    return [d.shards[0]!, d.seqs[0]!];
  }

  /** @internal for DictIterator */
  static nextShard<V>(d: Dict<V>, seq: number): [Map<string, V>, number] | null {
    return d.shardAfter(seq);
  }
}

/** Walks the shards in order, each with its own live Map iterator. */
class DictIterator<V, T> implements IterableIterator<T> {
  private it: Iterator<T>;
  private seq: number;

  constructor(
    private readonly dict: Dict<V>,
    private readonly open: (m: Map<string, V>) => Iterator<T>,
  ) {
    const [m, seq] = Dict.firstShard(dict);
    this.it = open(m);
    this.seq = seq;
  }

  next(): IteratorResult<T> {
    for (;;) {
      const r = this.it.next();
      if (!r.done) return r;
      const n = Dict.nextShard(this.dict, this.seq);
      if (n === null) return r;
      this.it = this.open(n[0]);
      this.seq = n[1];
    }
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this;
  }
}
