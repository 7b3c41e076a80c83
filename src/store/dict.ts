// A Map that holds more than V8's 2^24-entry limit by chaining Maps.
// Almost always there is one Map, so a lookup costs one Map access.

const SHARD_MAX = (1 << 24) - 1024;

export class Dict<V> {
  private shards: Map<string, V>[] = [new Map()];

  get size(): number {
    if (this.shards.length === 1) return this.shards[0]!.size;
    let n = 0;
    for (const m of this.shards) n += m.size;
    return n;
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
    for (const m of this.shards) if (m.has(k)) return true;
    return false;
  }

  set(k: string, v: V): void {
    const s = this.shards;
    if (s.length === 1) {
      const m = s[0]!;
      if (m.size < SHARD_MAX || m.has(k)) {
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
    if (last.size >= SHARD_MAX) {
      last = new Map();
      s.push(last);
    }
    last.set(k, v);
  }

  delete(k: string): boolean {
    const s = this.shards;
    for (let i = 0; i < s.length; i++) {
      if (s[i]!.delete(k)) {
        if (s[i]!.size === 0 && s.length > 1) s.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  clear(): void {
    for (const m of this.shards) m.clear();
    this.shards = [new Map()];
  }

  *entries(): IterableIterator<[string, V]> {
    for (const m of this.shards) yield* m.entries();
  }

  *keys(): IterableIterator<string> {
    for (const m of this.shards) yield* m.keys();
  }
}
