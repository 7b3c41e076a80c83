// Uniform random picks (SPOP, SRANDMEMBER, HRANDFIELD) over collections that keep no positions of
// their own: big sets (a Set) and big hashes (a Map). The positions are an array of the members,
// built the first time a collection is sampled and kept from then on: a new member is appended; a
// removed one stays in it, remembered in a `dead` set, and picks that land on a dead member are
// drawn again (uniform over the live members, as each is in the array exactly once: a removed
// member added back is revived in place, not appended). When the dead outnumber the live the
// owner drops the picks and they are rebuilt at the next pick, so a pick costs O(1) amortised. A
// collection never sampled pays nothing; a sampled one pays one array slot per member (8 bytes)
// plus the dead set until the next rebuild.

/**
 * `count` distinct uniformly random integers in [0, size), count < size, none for which `skip`
 * is true (only with count * 3 <= size: there must be count others, drawn by rejection).
 */
export function sampleSlots(size: number, count: number, skip?: (i: number) => boolean): number[] {
  const picked: number[] = [];
  if (count * 3 > size) {
    const all = new Array<number>(size);
    for (let i = 0; i < size; i++) all[i] = i;
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (size - i));
      const t = all[i]!;
      all[i] = all[j]!;
      all[j] = t;
      picked.push(all[i]!);
    }
    return picked;
  }
  const seen = new Set<number>();
  while (picked.length < count) {
    const j = Math.floor(Math.random() * size);
    if (seen.has(j) || (skip !== undefined && skip(j))) continue;
    seen.add(j);
    picked.push(j);
  }
  return picked;
}

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
    return !this.stale(live);
  }

  /** True when the dead outnumber the `live` members: drop the picks (rebuilt at the next pick). */
  stale(live: number): boolean {
    return this.dead.size > live;
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
