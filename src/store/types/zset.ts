// Sorted sets: a member -> score Dict (no 2^24 limit) beside an order-statistic B+tree that keeps
// (score, member) pairs in Redis's order: by score, then by member bytes (latin1 strings compare
// bytewise with <). Every operation is O(log n): insert, delete, rank, element at a rank, and the
// rank of the first element past a score or lex bound (ranges are then rank intervals).
//
// Tree shape: leaves hold parallel arrays of members and scores and are linked both ways; inner
// nodes hold their children, each child's element count and a separator per child (index 0
// unused) with the strict invariant: every key in child i-1 < sep[i] <= every key in child i.
import type { TypedValue } from '../db.js';
import { Dict } from '../dict.js';
import { DICT_ENTRY, LISTPACK_HEADER, LISTPACK_SCORE, OBJ_HEADER, SKIPLIST_HEADER, SKIPLIST_NODE, listpackEntryBytes, sdsBytes } from '../memsize.js';

const LEAF_MAX = 64;
/** The longest range collect() sizes its arrays for at once. */
const PRESIZE_MAX = 4096;
const INNER_MAX = 64;
/** A node this small tries to merge with a neighbour. */
const LEAF_MIN = LEAF_MAX >> 2;
const INNER_MIN = INNER_MAX >> 2;
/** Fill used when building from sorted input. */
const BUILD_FILL = 48;

class Leaf {
  readonly leaf = true;
  members: string[];
  scores: number[];
  next: Leaf | null = null;
  prev: Leaf | null = null;
  constructor(members: string[] = [], scores: number[] = []) {
    this.members = members;
    this.scores = scores;
  }
}

class Inner {
  readonly leaf = false;
  children: TreeNode[];
  counts: number[];
  sepS: number[];
  sepM: string[];
  constructor(children: TreeNode[], counts: number[], sepS: number[], sepM: string[]) {
    this.children = children;
    this.counts = counts;
    this.sepS = sepS;
    this.sepM = sepM;
  }
}

type TreeNode = Leaf | Inner;

/** Array.prototype.toSpliced (ES2023, in Node 20; the project's lib is ES2022). */
interface Spliceable<T> {
  toSpliced(start: number, deleteCount: number, ...items: T[]): T[];
}

/** Seek modes: which elements count as "before" the target (a prefix of the order). */
const enum Mode {
  /** key <= (S, M): the element (S, M) is just before the position found. */
  KeyLe,
  /** score < S */
  ScoreLt,
  /** score <= S */
  ScoreLe,
  /** member < M */
  LexLt,
  /** member <= M */
  LexLe,
  /** every element (lex "+") */
  All,
  /** no element (lex "-") */
  None,
}

function before(mode: Mode, s: number, m: string, S: number, M: string): boolean {
  switch (mode) {
    case Mode.KeyLe:
      return s < S || (s === S && m <= M);
    case Mode.ScoreLt:
      return s < S;
    case Mode.ScoreLe:
      return s <= S;
    case Mode.LexLt:
      return m < M;
    case Mode.LexLe:
      return m <= M;
    case Mode.All:
      return true;
    case Mode.None:
      return false;
  }
}

/** A lex range bound: "-" / "+" / "[x" / "(x". */
export interface LexBound {
  /** -1 for "-", 1 for "+", 0 for a member. */
  inf: number;
  value: string;
  exclusive: boolean;
}

/** Position found by the last seek / at (the tree is single-threaded, so fields are fine). */
let foundLeaf: Leaf = new Leaf();
let foundIdx = 0;
/** Path of the last seek: inner nodes and the child index taken in each. */
const pathNodes: Inner[] = [];
const pathIdx: number[] = [];
let pathLen = 0;

/** The ordered part of a sorted set. */
export class ZTree {
  private root: TreeNode = new Leaf();
  private first: Leaf;
  private last: Leaf;
  size = 0;

  constructor() {
    this.first = this.last = this.root as Leaf;
  }

  /** Builds a tree from elements already in order (no duplicates). */
  static fromSorted(members: string[], scores: number[]): ZTree {
    const t = new ZTree();
    const n = members.length;
    if (n === 0) return t;
    let level: TreeNode[] = [];
    let counts: number[] = [];
    let firstS: number[] = [];
    let firstM: string[] = [];
    let prev: Leaf | null = null;
    for (let i = 0; i < n; i += BUILD_FILL) {
      const l = new Leaf(members.slice(i, i + BUILD_FILL), scores.slice(i, i + BUILD_FILL));
      l.prev = prev;
      if (prev !== null) prev.next = l;
      else t.first = l;
      prev = l;
      level.push(l);
      counts.push(l.members.length);
      firstS.push(l.scores[0]!);
      firstM.push(l.members[0]!);
    }
    t.last = prev!;
    while (level.length > 1) {
      const up: TreeNode[] = [];
      const upCounts: number[] = [];
      const upS: number[] = [];
      const upM: string[] = [];
      for (let i = 0; i < level.length; i += BUILD_FILL) {
        const node = new Inner(level.slice(i, i + BUILD_FILL), counts.slice(i, i + BUILD_FILL), firstS.slice(i, i + BUILD_FILL), firstM.slice(i, i + BUILD_FILL));
        let total = 0;
        for (const c of node.counts) total += c;
        up.push(node);
        upCounts.push(total);
        upS.push(firstS[i]!);
        upM.push(firstM[i]!);
      }
      level = up;
      counts = upCounts;
      firstS = upS;
      firstM = upM;
    }
    t.root = level[0]!;
    t.size = n;
    return t;
  }

  /**
   * Descends to the first element for which `before` is false; returns its rank (0..size) and
   * leaves its leaf and index (possibly one past the leaf's end) in foundLeaf / foundIdx, and the
   * path in pathNodes / pathIdx.
   */
  private seek(mode: Mode, S: number, M: string): number {
    let node = this.root;
    let rank = 0;
    pathLen = 0;
    while (!node.leaf) {
      const sepS = node.sepS;
      const sepM = node.sepM;
      let lo = 1;
      let hi = node.children.length - 1;
      let ans = 0;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (before(mode, sepS[mid]!, sepM[mid]!, S, M)) {
          ans = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      const counts = node.counts;
      for (let j = 0; j < ans; j++) rank += counts[j]!;
      pathNodes[pathLen] = node;
      pathIdx[pathLen] = ans;
      pathLen++;
      node = node.children[ans]!;
    }
    const ms = node.members;
    const ss = node.scores;
    let lo = 0;
    let hi = ms.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(mode, ss[mid]!, ms[mid]!, S, M)) lo = mid + 1;
      else hi = mid;
    }
    foundLeaf = node;
    foundIdx = lo;
    return rank + lo;
  }

  /** Positions foundLeaf / foundIdx on the element of rank r (0 <= r < size). */
  private at(r: number): void {
    let node = this.root;
    while (!node.leaf) {
      const counts = node.counts;
      let i = 0;
      while (r >= counts[i]!) r -= counts[i++]!;
      node = node.children[i]!;
    }
    foundLeaf = node;
    foundIdx = r;
  }

  /** Inserts (score, member), which must not be present. */
  insert(score: number, member: string): void {
    this.seek(Mode.KeyLe, score, member);
    const leaf = foundLeaf;
    if (leaf.members.length < 16) {
      // Small leaves get exact-size copies: a growing array reserves 17 slots or more.
      leaf.members = (leaf.members as unknown as Spliceable<string>).toSpliced(foundIdx, 0, member);
      leaf.scores = (leaf.scores as unknown as Spliceable<number>).toSpliced(foundIdx, 0, score);
    } else {
      leaf.members.splice(foundIdx, 0, member);
      leaf.scores.splice(foundIdx, 0, score);
    }
    this.size++;
    for (let d = 0; d < pathLen; d++) pathNodes[d]!.counts[pathIdx[d]!]!++;
    if (leaf.members.length > LEAF_MAX) this.splitLeaf(leaf);
  }

  private splitLeaf(leaf: Leaf): void {
    const mid = leaf.members.length >> 1;
    const right = new Leaf(leaf.members.splice(mid), leaf.scores.splice(mid));
    right.next = leaf.next;
    right.prev = leaf;
    if (leaf.next !== null) leaf.next.prev = right;
    else this.last = right;
    leaf.next = right;
    this.addChild(pathLen - 1, leaf, mid, right, right.members.length, right.scores[0]!, right.members[0]!);
  }

  /** After `left` (at path depth d's child index) split into left + right, records right in the parent. */
  private addChild(d: number, left: TreeNode, leftCount: number, right: TreeNode, rightCount: number, sepS: number, sepM: string): void {
    if (d < 0) {
      this.root = new Inner([left, right], [leftCount, rightCount], [0, sepS], ['', sepM]);
      return;
    }
    const p = pathNodes[d]!;
    const i = pathIdx[d]!;
    p.counts[i] = leftCount;
    p.children.splice(i + 1, 0, right);
    p.counts.splice(i + 1, 0, rightCount);
    p.sepS.splice(i + 1, 0, sepS);
    p.sepM.splice(i + 1, 0, sepM);
    if (p.children.length <= INNER_MAX) return;
    const mid = p.children.length >> 1;
    const r = new Inner(p.children.splice(mid), p.counts.splice(mid), p.sepS.splice(mid), p.sepM.splice(mid));
    let lc = 0;
    for (const c of p.counts) lc += c;
    let rc = 0;
    for (const c of r.counts) rc += c;
    this.addChild(d - 1, p, lc, r, rc, r.sepS[0]!, r.sepM[0]!);
  }

  /**
   * Changes the score of a present element in place when its position stays inside its leaf
   * between two neighbours there (no separator can be affected); false otherwise.
   */
  updateInPlace(old: number, member: string, score: number): boolean {
    this.seek(Mode.KeyLe, old, member);
    const i = foundIdx - 1;
    const ms = foundLeaf.members;
    const ss = foundLeaf.scores;
    if (i < 1 || i + 1 >= ms.length || ms[i] !== member) return false;
    const ps = ss[i - 1]!;
    const ns = ss[i + 1]!;
    if (!(ps < score || (ps === score && ms[i - 1]! < member))) return false;
    if (!(score < ns || (score === ns && member < ms[i + 1]!))) return false;
    ss[i] = score;
    return true;
  }

  /** Removes (score, member); false when it is not there. */
  delete(score: number, member: string): boolean {
    this.seek(Mode.KeyLe, score, member);
    const leaf = foundLeaf;
    const idx = foundIdx - 1;
    if (idx < 0 || leaf.members[idx] !== member || leaf.scores[idx] !== score) return false;
    leaf.members.splice(idx, 1);
    leaf.scores.splice(idx, 1);
    this.size--;
    for (let d = 0; d < pathLen; d++) pathNodes[d]!.counts[pathIdx[d]!]!--;
    if (leaf.members.length < LEAF_MIN) this.underflow(pathLen - 1, leaf);
    return true;
  }

  /** Fixes a small or empty node at path depth d + 1 (d = -1: the root). */
  private underflow(d: number, node: TreeNode): void {
    if (d < 0) {
      // The root: collapse an inner root with one child.
      let r = this.root;
      while (!r.leaf && r.children.length === 1) r = r.children[0]!;
      this.root = r;
      return;
    }
    const p = pathNodes[d]!;
    const i = pathIdx[d]!;
    const len = node.leaf ? node.members.length : node.children.length;
    if (len === 0) {
      this.removeChild(p, i);
    } else {
      // Merge with the right neighbour, else the left one, when both fit comfortably.
      const max = node.leaf ? (LEAF_MAX * 3) >> 2 : (INNER_MAX * 3) >> 2;
      let j = -1;
      if (i + 1 < p.children.length && nodeLen(p.children[i + 1]!) + len <= max) j = i;
      else if (i > 0 && nodeLen(p.children[i - 1]!) + len <= max) j = i - 1;
      if (j < 0) return;
      this.merge(p, j);
    }
    const plen = p.children.length;
    if (plen < INNER_MIN || d === 0) this.underflow(d - 1, p);
  }

  /** Merges child j + 1 of p into child j. */
  private merge(p: Inner, j: number): void {
    const a = p.children[j]!;
    const b = p.children[j + 1]!;
    if (a.leaf && b.leaf) {
      for (let k = 0; k < b.members.length; k++) {
        a.members.push(b.members[k]!);
        a.scores.push(b.scores[k]!);
      }
      a.next = b.next;
      if (b.next !== null) b.next.prev = a;
      else this.last = a;
    } else if (!a.leaf && !b.leaf) {
      // b's first separator slot takes the separator that stood between a and b.
      b.sepS[0] = p.sepS[j + 1]!;
      b.sepM[0] = p.sepM[j + 1]!;
      for (let k = 0; k < b.children.length; k++) {
        a.children.push(b.children[k]!);
        a.counts.push(b.counts[k]!);
        a.sepS.push(b.sepS[k]!);
        a.sepM.push(b.sepM[k]!);
      }
    }
    p.counts[j] = p.counts[j]! + p.counts[j + 1]!;
    p.children.splice(j + 1, 1);
    p.counts.splice(j + 1, 1);
    p.sepS.splice(j + 1, 1);
    p.sepM.splice(j + 1, 1);
  }

  /** Removes the (empty) child i of p. */
  private removeChild(p: Inner, i: number): void {
    const c = p.children[i]!;
    if (c.leaf) {
      if (c.prev !== null) c.prev.next = c.next;
      else if (c.next !== null) this.first = c.next;
      if (c.next !== null) c.next.prev = c.prev;
      else if (c.prev !== null) this.last = c.prev;
    }
    p.children.splice(i, 1);
    p.counts.splice(i, 1);
    p.sepS.splice(i, 1);
    p.sepM.splice(i, 1);
  }

  /** Rank (0-based) of (score, member), or -1. */
  rank(score: number, member: string): number {
    const r = this.seek(Mode.KeyLe, score, member) - 1;
    return r >= 0 && foundLeaf.members[foundIdx - 1] === member ? r : -1;
  }

  /** Rank of the first element with score >= min (> min when exclusive); size when none. */
  firstScoreRank(min: number, exclusive: boolean): number {
    return this.seek(exclusive ? Mode.ScoreLe : Mode.ScoreLt, min, '');
  }

  /** Rank of the last element with score <= max (< max when exclusive); -1 when none. */
  lastScoreRank(max: number, exclusive: boolean): number {
    return this.seek(exclusive ? Mode.ScoreLt : Mode.ScoreLe, max, '') - 1;
  }

  /** Rank of the first element with member >= min (lex bound); size when none. */
  firstLexRank(min: LexBound): number {
    if (min.inf !== 0) return this.seek(min.inf < 0 ? Mode.None : Mode.All, 0, '');
    return this.seek(min.exclusive ? Mode.LexLe : Mode.LexLt, 0, min.value);
  }

  /** Rank of the last element with member <= max (lex bound); -1 when none. */
  lastLexRank(max: LexBound): number {
    if (max.inf !== 0) return this.seek(max.inf < 0 ? Mode.None : Mode.All, 0, '') - 1;
    return this.seek(max.exclusive ? Mode.LexLt : Mode.LexLe, 0, max.value) - 1;
  }

  /** Member and score at a rank (0 <= r < size). */
  memberAt(r: number): string {
    this.at(r);
    return foundLeaf.members[foundIdx]!;
  }

  scoreAt(r: number): number {
    this.at(r);
    return foundLeaf.scores[foundIdx]!;
  }

  /**
   * Appends up to `count` elements starting at rank `start` (inclusive) and walking forward
   * (or backward when rev) to members / scores.
   */
  collect(start: number, count: number, rev: boolean, members: string[], scores: number[] | null): void {
    if (count <= 0 || start < 0 || start >= this.size) return;
    this.at(start);
    let leaf: Leaf | null = foundLeaf;
    let i = foundIdx;
    // Up to PRESIZE_MAX the arrays are sized once (a push at a time they would be copied at each
    // growth: 2.3 KB allocated for ZRANGE 0 99); a larger range grows as it is filled (an array
    // made that long at once would not stay a fast one).
    let m = members.length;
    let sc = scores === null ? 0 : scores.length;
    if (count <= PRESIZE_MAX) {
      members.length = m + count;
      if (scores !== null) scores.length = sc + count;
    }
    while (count > 0 && leaf !== null) {
      if (rev) {
        if (i < 0) {
          leaf = leaf.prev;
          if (leaf !== null) i = leaf.members.length - 1;
          continue;
        }
      } else if (i >= leaf.members.length) {
        leaf = leaf.next;
        i = 0;
        continue;
      }
      members[m++] = leaf.members[i]!;
      if (scores !== null) scores[sc++] = leaf.scores[i]!;
      count--;
      i += rev ? -1 : 1;
    }
    // Fewer than asked (the set ended): the presized arrays end where the elements do.
    members.length = m;
    if (scores !== null) scores.length = sc;
  }

  /**
   * Visits `count` entries from rank `start`, forward (or backward when `rev`), a leaf's run at a
   * time: `visit(members, scores, from, to)` for indexes from `from` up to `to` exclusive of one
   * leaf's arrays (down to, when `rev`: from > to). Read them, do not keep them. Nothing is
   * copied: GEOSEARCH scans thousands of candidates per call this way, ZRANGE replies from them.
   */
  forRuns(start: number, count: number, visit: (members: readonly string[], scores: readonly number[], from: number, to: number) => void, rev = false): void {
    if (count <= 0 || start < 0 || start >= this.size) return;
    this.at(start);
    let leaf: Leaf | null = foundLeaf;
    let i = foundIdx;
    while (count > 0 && leaf !== null) {
      const n = Math.min(rev ? i + 1 : leaf.members.length - i, count);
      if (n > 0) {
        visit(leaf.members, leaf.scores, i, rev ? i - n : i + n);
        count -= n;
      }
      leaf = rev ? leaf.prev : leaf.next;
      i = rev && leaf !== null ? leaf.members.length - 1 : 0;
    }
  }

  /** The score of a member by scanning the root leaf (only while the tree is a single leaf). */
  smallScore(member: string): number | undefined {
    const r = this.root;
    if (!r.leaf) throw new Error('smallScore on a multi-leaf tree');
    const ms = r.members;
    for (let i = 0; i < ms.length; i++) if (ms[i] === member) return r.scores[i];
    return undefined;
  }

  /** Calls f for every element in order. */
  forEach(f: (member: string, score: number) => void): void {
    for (let l: Leaf | null = this.first; l !== null; l = l.next) {
      const ms = l.members;
      const ss = l.scores;
      for (let i = 0; i < ms.length; i++) f(ms[i]!, ss[i]!);
    }
  }

  /** Every element in order, lazily (the tree must not change meanwhile). */
  *ascending(): Generator<[string, number], void, void> {
    for (let l: Leaf | null = this.first; l !== null; l = l.next) {
      const ms = l.members;
      const ss = l.scores;
      for (let i = 0; i < ms.length; i++) yield [ms[i]!, ss[i]!];
    }
  }

  /** Every element from the highest down, lazily (the tree must not change meanwhile). */
  *descending(): Generator<[string, number], void, void> {
    for (let l: Leaf | null = this.last; l !== null; l = l.prev) {
      const ms = l.members;
      const ss = l.scores;
      for (let i = ms.length - 1; i >= 0; i--) yield [ms[i]!, ss[i]!];
    }
  }

  /** Every element in order (for copies and tests). */
  toArrays(): [string[], number[]] {
    const ms: string[] = [];
    const ss: number[] = [];
    for (let l: Leaf | null = this.first; l !== null; l = l.next) {
      for (let i = 0; i < l.members.length; i++) {
        ms.push(l.members[i]!);
        ss.push(l.scores[i]!);
      }
    }
    return [ms, ss];
  }

  /** Checks every structural invariant; throws on a violation (tests). */
  check(): void {
    let total = 0;
    const walk = (n: TreeNode, lo: [number, string] | null, hi: [number, string] | null): number => {
      const lt = (a: [number, string], b: [number, string]): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
      if (n.leaf) {
        for (let i = 0; i < n.members.length; i++) {
          const k: [number, string] = [n.scores[i]!, n.members[i]!];
          if (lo !== null && lt(k, lo)) throw new Error('key below separator');
          if (hi !== null && !lt(k, hi)) throw new Error('key not below next separator');
          if (i > 0 && !lt([n.scores[i - 1]!, n.members[i - 1]!], k)) throw new Error('leaf out of order');
        }
        return n.members.length;
      }
      if (n.children.length === 0) throw new Error('empty inner node');
      let sum = 0;
      for (let i = 0; i < n.children.length; i++) {
        const clo: [number, string] | null = i === 0 ? lo : [n.sepS[i]!, n.sepM[i]!];
        const chi: [number, string] | null = i + 1 < n.children.length ? [n.sepS[i + 1]!, n.sepM[i + 1]!] : hi;
        const c = walk(n.children[i]!, clo, chi);
        if (c !== n.counts[i]) throw new Error(`count mismatch ${c} != ${n.counts[i]}`);
        sum += c;
      }
      return sum;
    };
    total = walk(this.root, null, null);
    if (total !== this.size) throw new Error('size mismatch');
    let n = 0;
    let prev: Leaf | null = null;
    for (let l: Leaf | null = this.first; l !== null; l = l.next) {
      if (l.prev !== prev) throw new Error('bad prev link');
      n += l.members.length;
      prev = l;
    }
    if (prev !== this.last) throw new Error('bad last leaf');
    if (n !== this.size) throw new Error('leaf chain size mismatch');
  }
}

function nodeLen(n: TreeNode): number {
  return n.leaf ? n.members.length : n.children.length;
}

/** Up to this many members a set keeps no member dict: lookups scan its single leaf. */
const SMALL_MAX = 32;

/** A sorted-set value. */
export class ZSet implements TypedValue {
  /** Member -> score, created once the set grows past SMALL_MAX (null: the tree is one leaf). */
  dict: Dict<number> | null;
  tree: ZTree;
  /** OBJECT ENCODING: Redis's listpack while small, skiplist once it grew past the limits. */
  listpack: boolean;
  /** The members' bytes in each encoding (memBytes picks by `listpack`), kept by every mutation. */
  private packed = 0;
  private table = 0;
  /** The memBytes() last added to its database's count (store/db.ts). */
  accountedBytes = 0;

  constructor(listpack = true, tree?: ZTree, dict?: Dict<number> | null) {
    this.listpack = listpack;
    this.tree = tree ?? new ZTree();
    this.dict = dict ?? null;
    if (tree !== undefined) tree.forEach((m) => this.counted(m, 1));
  }

  /** On the prototype, not in every value. */
  get type(): 'zset' {
    return 'zset';
  }

  /** A set built from members and scores already in order. */
  static fromSorted(members: string[], scores: number[], listpack: boolean): ZSet {
    if (listpack) for (let i = 0; i < scores.length; i++) if (scores[i] === 0) scores[i] = 0;
    let d: Dict<number> | null = null;
    if (members.length > SMALL_MAX) {
      d = new Dict<number>();
      for (let i = 0; i < members.length; i++) d.set(members[i]!, scores[i]!);
    }
    return new ZSet(listpack, ZTree.fromSorted(members, scores), d);
  }

  /**
   * Estimated bytes: a listpack of member and score entries, or the skiplist with its dict (an
   * entry, a node and an sds per member). A score costs the same whatever its value.
   */
  memBytes(): number {
    if (this.listpack) return OBJ_HEADER + LISTPACK_HEADER + this.tree.size * LISTPACK_SCORE + this.packed;
    return OBJ_HEADER + SKIPLIST_HEADER + this.tree.size * (DICT_ENTRY + SKIPLIST_NODE) + this.table;
  }

  /** Accounts a member coming in (dir 1) or going out (dir -1). */
  private counted(m: string, dir: 1 | -1): void {
    this.packed += dir * listpackEntryBytes(m.length);
    this.table += dir * sdsBytes(m.length);
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  freeEffort(): number {
    return this.listpack ? 1 : this.size;
  }

  copy(): ZSet {
    const [ms, ss] = this.tree.toArrays();
    return ZSet.fromSorted(ms, ss, this.listpack);
  }

  get size(): number {
    return this.tree.size;
  }

  score(member: string): number | undefined {
    return this.dict === null ? this.tree.smallScore(member) : this.dict.get(member);
  }

  /** Adds a member that is not present. */
  insert(member: string, score: number): void {
    // A listpack keeps scores as text, where -0 is written 0: only a skiplist keeps -0.
    if (score === 0 && this.listpack) score = 0;
    if (this.dict !== null) this.dict.set(member, score);
    else if (this.tree.size >= SMALL_MAX) {
      const d = new Dict<number>();
      this.tree.forEach((m, s) => d.set(m, s));
      d.set(member, score);
      this.dict = d;
    }
    this.tree.insert(score, member);
    this.counted(member, 1);
  }

  /** Changes the score of a present member. */
  update(member: string, old: number, score: number): void {
    if (score === 0 && this.listpack) score = 0;
    if (!this.tree.updateInPlace(old, member, score)) {
      this.tree.delete(old, member);
      this.tree.insert(score, member);
    }
    if (this.dict !== null) this.dict.set(member, score);
  }

  /** Removes a member; false when absent. */
  remove(member: string): boolean {
    const s = this.score(member);
    if (s === undefined) return false;
    if (this.dict !== null) this.dict.delete(member);
    this.tree.delete(s, member);
    this.counted(member, -1);
    return true;
  }

  /** Rank of a member from the lowest (or highest when rev), or -1. */
  rank(member: string, rev: boolean): number {
    const s = this.score(member);
    if (s === undefined) return -1;
    const r = this.tree.rank(s, member);
    return rev ? this.tree.size - 1 - r : r;
  }
}
