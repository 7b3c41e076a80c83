// List values, stored as Redis stores them: a quicklist, a sequence of nodes each packing many
// elements into one byte buffer (latin1 bytes, an element per byte range) with a Uint16Array of
// the elements' start offsets. No JS string or object exists per element at rest; reads decode
// the bytes into a fresh string. Nodes split as Redis's do under list-max-listpack-size (the
// list's `fill`): a negative fill caps a node's estimated listpack bytes at 4/8/16/32/64 KB, a
// positive one its element count (within 8 KB). An element too big for an empty node is kept as
// a "plain" node holding its string. Push and pop at either end are O(1) (amortised); index
// access walks nodes from the nearest end or from the last node read, so sequential reads are
// O(1) each; middle edits (LSET, LINSERT, LREM, LTRIM) rebuild only the nodes they touch.
// list-compress-depth, as Redis: a list keeps the depth in force when it was made; with depth
// d > 0 the d nodes at each end stay raw and every inner node is kept LZF-compressed (its element
// lengths and bytes, serialized, then compressed), unless its Redis size (node->sz: listpack bytes,
// or a plain node's element length) is under 48 bytes or compression saves no more than 8 bytes.
// An inner node read (LINDEX, LRANGE) is decompressed beside its compressed copy, and only one
// node process-wide stays so (see openNode); an inner node changed is decompressed, changed and
// compressed again when the operation ends. Pushes and pops touch only the end nodes: raw.
// Redis 7.0 stores every list as a quicklist, so that is the encoding reported.
import { Buffer } from 'node:buffer';
import type { TypedValue } from '../db.js';
import { putLatin1, type Latin1Buffer } from '../../latin1.js';
import { lzfCompress, lzfDecompress } from '../../persistence/rdb/lzf.js';
import { LISTPACK_HEADER, OBJ_HEADER, QUICKLIST_HEADER, QUICKLIST_NODE, QUICKLIST_NODE_BYTES, listpackEntryBytes } from '../memsize.js';

/** Redis's default packed threshold (1 GB): in practice every element is packed. */
export const QUICKLIST_PACKED_THRESHOLD = 1 << 30;
/** The highest threshold DEBUG QUICKLIST-PACKED-THRESHOLD accepts (4 GB less 1 MB). */
export const QUICKLIST_PACKED_THRESHOLD_MAX = 2 ** 32 - 2 ** 20;
/** list-max-listpack-size's default: nodes of at most 8 KB. */
export const DEFAULT_LIST_FILL = -2;

/** Node byte limits for list-max-listpack-size -1..-5. */
const FILL_BYTES = [4096, 8192, 16384, 32768, 65536];
/** The byte limit of a node under a positive (count) fill. */
const SIZE_SAFETY_LIMIT = 8192;
/** What Redis adds to an element's length when estimating a node's growth. */
const SIZE_ESTIMATE_OVERHEAD = 8;
/** The largest byte capacity of a packed node: every start offset fits a Uint16Array. */
const MAX_NODE_CAPACITY = 65535;
/** Redis's compression thresholds: nodes smaller than this stay raw... */
const MIN_COMPRESS_BYTES = 48;
/** ...and so do nodes whose compressed form is not at least this much (plus one byte) smaller. */
const MIN_COMPRESS_IMPROVE = 8;
/** The deepest list-compress-depth Redis applies (a 16-bit field). */
const MAX_COMPRESS_DEPTH = 65535;
/** What Redis's compressed node costs beside its compressed bytes (quicklistLZF's size field). */
const LZF_HEADER = 4;

const NO_BYTES = Buffer.alloc(0) as Latin1Buffer;
const NO_OFFSETS = new Uint16Array(0);

const fcc = String.fromCharCode;

/** Bytes [s, e) as a latin1 string: short ones by fromCharCode (cheaper than a native call). */
function decode(b: Latin1Buffer, s: number, e: number): string {
  switch (e - s) {
    case 0:
      return '';
    case 1:
      return fcc(b[s]!);
    case 2:
      return fcc(b[s]!, b[s + 1]!);
    case 3:
      return fcc(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4:
      return fcc(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    case 5:
      return fcc(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
    case 6:
      return fcc(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
    case 7:
      return fcc(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
    case 8:
      return fcc(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!);
    case 9:
      return fcc(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!);
    case 10:
      return fcc(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!);
    case 11:
      return fcc(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!);
    case 12:
      return fcc(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!);
    default:
      return b.latin1Slice(s, e);
  }
}

/**
 * Decoded elements of the few nodes read most recently (LRANGE on a hot list decodes each element
 * once, not once per read): at most CACHED_NODES nodes hold a cache, and any change to a node
 * drops its own.
 */
const CACHED_NODES = 4;
const cachedNodes: (Node | null)[] = new Array<Node | null>(CACHED_NODES).fill(null);
let cacheTurn = 0;
/** The node of the last read: a node read twice in a row gets a cache. */
let lastRead: Node | null = null;

/**
 * The one compressed node, of any list, whose contents are decompressed for reading beside its
 * compressed copy; decompressing another closes it again (drops the raw contents).
 */
let openNode: Node | null = null;

/** Serialization scratch for compression (grown as needed, never shrunk: at most 64 kB plus lengths). */
let scratch = Buffer.allocUnsafeSlow(1024);

/** Notes a read of node n: whether the previous read was of n too. */
function readAgain(n: Node): boolean {
  if (lastRead === n) return true;
  lastRead = n;
  return false;
}

function allocBytes(n: number): Latin1Buffer {
  // Unpooled: a node's buffer must not pin a shared 8 kB slab.
  return Buffer.allocUnsafeSlow(n) as Latin1Buffer;
}

/** Redis clamps the fill to -5..32767. */
function clampFill(fill: number): number {
  return Math.max(-5, Math.min(32767, Math.trunc(fill)));
}

/**
 * One quicklist node. Packed: the elements' bytes are buf[lo, hi); element k starts at
 * offs[first + k] and ends where the next starts (the last at hi); both arrays keep free room at
 * either end so pushes at the list's ends are O(1). Plain: `big` holds the single element.
 */
class Node {
  buf: Latin1Buffer = NO_BYTES;
  offs: Uint16Array = NO_OFFSETS;
  lo = 0;
  hi = 0;
  first = 0;
  count = 0;
  /** Redis's node->sz estimate: a listpack header plus each element's entry bytes. */
  sz = LISTPACK_HEADER;
  big: string | null = null;
  /** A plain node (one element in `big`), whether or not compressed. */
  plain = false;
  /** Decoded elements (see cachedNodes), or null. */
  cache: (string | undefined)[] | null = null;
  /**
   * The contents LZF-compressed (list-compress-depth), or null. Only ListValue sets and drops it;
   * count and sz stay valid while compressed. `lzfIn` is the serialized length it decompresses
   * to; `saving` what it takes off the list's memBytes().
   */
  lzf: Buffer | null = null;
  lzfIn = 0;
  saving = 0;
  /** The raw contents are dropped: only lzf holds them (any read reopens the node). */
  closed = false;
  /** Compression was tried and not worth it since the node last changed. */
  tried = false;

  static plain(s: string): Node {
    const n = new Node();
    n.big = s;
    n.plain = true;
    n.count = 1;
    n.sz += listpackEntryBytes(s.length);
    return n;
  }

  private start(k: number): number {
    return this.offs[this.first + k]!;
  }

  private end(k: number): number {
    return k + 1 < this.count ? this.offs[this.first + k + 1]! : this.hi;
  }

  get(k: number): string {
    if (this.closed) openForRead(this);
    if (this.big !== null) return this.big;
    let cache = this.cache;
    if (cache === null) {
      if (!readAgain(this)) return this.decodeAt(k);
      cache = this.startCache();
    }
    const hit = cache[k];
    if (hit !== undefined) return hit;
    return (cache[k] = this.decodeAt(k));
  }

  /** Element `k` decoded from the packed bytes (the node open). */
  private decodeAt(k: number): string {
    return decode(this.buf, this.offs[this.first + k]!, this.end(k));
  }

  private startCache(): (string | undefined)[] {
    const evicted = cachedNodes[cacheTurn];
    if (evicted !== null && evicted !== undefined) evicted.cache = null;
    cachedNodes[cacheTurn] = this;
    cacheTurn = (cacheTurn + 1) % CACHED_NODES;
    return (this.cache = new Array<string | undefined>(this.count));
  }

  /** Every change to the node's elements calls this first (the node is raw: lzf is null). */
  private changed(): void {
    this.tried = false;
    this.dropCache();
  }

  private dropCache(): void {
    if (this.cache === null) return;
    this.cache = null;
    const at = cachedNodes.indexOf(this);
    if (at >= 0) cachedNodes[at] = null;
  }


  /** Rebuilds the raw contents from lzf (the node keeps it). */
  inflate(): void {
    if (!this.closed) return;
    const raw = lzfDecompress(this.lzf!, this.lzfIn);
    if (raw === null) throw new Error('corrupt compressed list node');
    if (this.plain) {
      this.big = raw.toString('latin1');
    } else {
      // Lengths first (a byte each, 255 and two more bytes for longer ones), then the bytes.
      const count = this.count;
      const offs = new Uint16Array(count);
      let p = 0;
      let at = 0;
      for (let k = 0; k < count; k++) {
        offs[k] = at;
        let n = raw[p++]!;
        if (n === 255) {
          n = raw[p]! | (raw[p + 1]! << 8);
          p += 2;
        }
        at += n;
      }
      const buf = allocBytes(at);
      raw.copy(buf, 0, p, p + at);
      this.buf = buf;
      this.offs = offs;
      this.lo = 0;
      this.hi = at;
      this.first = 0;
    }
    this.closed = false;
  }

  /** Drops the raw contents of a compressed node (lzf holds them). */
  close(): void {
    if (openNode === this) openNode = null;
    this.dropCache();
    this.buf = NO_BYTES;
    this.offs = NO_OFFSETS;
    this.big = null;
    this.lo = this.hi = this.first = 0;
    this.closed = true;
  }

  /**
   * Compresses a raw node and closes it when that is worth it (Redis's thresholds); otherwise
   * notes the attempt. Returns what it saves (0: left raw).
   */
  deflate(): number {
    if (this.count === 0) return 0;
    this.tried = true;
    let input: Buffer;
    if (this.plain) {
      const s = this.big!;
      if (s.length < MIN_COMPRESS_BYTES) return 0;
      input = Buffer.from(s, 'latin1');
    } else {
      if (this.sz < MIN_COMPRESS_BYTES) return 0;
      const used = this.hi - this.lo;
      const need = used + 3 * this.count;
      if (scratch.length < need) scratch = Buffer.allocUnsafeSlow(Math.max(need, scratch.length * 2));
      let p = 0;
      for (let k = 0; k < this.count; k++) {
        const n = this.end(k) - this.start(k);
        if (n < 255) scratch[p++] = n;
        else {
          scratch[p++] = 255;
          scratch[p++] = n & 0xff;
          scratch[p++] = n >> 8;
        }
      }
      this.buf.copy(scratch, p, this.lo, this.hi);
      input = scratch.subarray(0, p + used);
    }
    const out = lzfCompress(input, input.length - MIN_COMPRESS_IMPROVE - 1);
    if (out === null) return 0;
    const lzf = allocBytes(out.length);
    out.copy(lzf);
    this.lzf = lzf;
    this.lzfIn = input.length;
    this.saving = this.sz - LISTPACK_HEADER - (lzf.length + LZF_HEADER);
    this.close();
    return this.saving;
  }

  lengthAt(k: number): number {
    if (this.big !== null) return this.big.length;
    return this.end(k) - this.start(k);
  }

  /** Whether element k is v, compared in place. */
  equals(k: number, v: string): boolean {
    if (this.closed) openForRead(this);
    if (this.big !== null) return this.big === v;
    const s = this.start(k);
    const n = this.end(k) - s;
    if (n !== v.length) return false;
    const b = this.buf;
    for (let j = 0; j < n; j++) if (b[s + j] !== v.charCodeAt(j)) return false;
    return true;
  }

  /** Index of the first element from `from` equal to v, or -1. */
  find(v: string, from: number): number {
    if (this.closed) openForRead(this);
    for (let k = from; k < this.count; k++) if (this.equals(k, v)) return k;
    return -1;
  }

  /** Every element, decoded directly (a whole-node read does not start the read cache). */
  strings(): string[] {
    if (this.closed) openForRead(this);
    if (this.big !== null) return [this.big];
    const cache = this.cache;
    const out = new Array<string>(this.count);
    for (let k = 0; k < this.count; k++) out[k] = cache?.[k] ?? this.decodeAt(k);
    return out;
  }

  pushTail(s: string, limit: number): void {
    this.changed();
    const n = s.length;
    if (this.hi + n > this.buf.length || this.first + this.count >= this.offs.length) this.reserve(n, false, limit);
    this.offs[this.first + this.count] = this.hi;
    if (n > 0) putLatin1(this.buf, this.hi, s);
    this.hi += n;
    this.count++;
    this.sz += listpackEntryBytes(n);
  }

  pushHead(s: string, limit: number): void {
    this.changed();
    const n = s.length;
    if (this.lo < n || this.first === 0) this.reserve(n, true, limit);
    this.lo -= n;
    if (n > 0) putLatin1(this.buf, this.lo, s);
    this.offs[--this.first] = this.lo;
    this.count++;
    this.sz += listpackEntryBytes(n);
  }

  popTail(): string {
    this.changed();
    if (this.big !== null) return this.takeBig();
    const s = this.start(this.count - 1);
    const v = decode(this.buf, s, this.hi);
    this.sz -= listpackEntryBytes(this.hi - s);
    this.hi = s;
    this.count--;
    this.maybeShrink();
    return v;
  }

  popHead(): string {
    this.changed();
    if (this.big !== null) return this.takeBig();
    const e = this.end(0);
    const v = decode(this.buf, this.lo, e);
    this.sz -= listpackEntryBytes(e - this.lo);
    this.lo = e;
    this.first++;
    this.count--;
    this.maybeShrink();
    return v;
  }

  private takeBig(): string {
    const v = this.big!;
    this.big = null;
    this.count = 0;
    this.sz = LISTPACK_HEADER;
    return v;
  }

  /** Entry bytes of elements [from, to). */
  entryBytes(from: number, to: number): number {
    let t = 0;
    for (let k = from; k < to; k++) t += listpackEntryBytes(this.lengthAt(k));
    return t;
  }

  /** Drops k elements from the head (packed nodes only, k < count). */
  dropHead(k: number): void {
    this.changed();
    this.sz -= this.entryBytes(0, k);
    this.lo = this.start(k);
    this.first += k;
    this.count -= k;
    this.maybeShrink();
  }

  /** Drops k elements from the tail (packed nodes only, k < count). */
  dropTail(k: number): void {
    this.changed();
    this.sz -= this.entryBytes(this.count - k, this.count);
    this.hi = this.start(this.count - k);
    this.count -= k;
    this.maybeShrink();
  }

  /**
   * Makes room for one more element of n bytes at the head (front) or tail, moving the data
   * (and reallocating when short of room) so that most of the free room is on that side.
   */
  private reserve(n: number, front: boolean, limit: number): void {
    const used = this.hi - this.lo;
    const needBytes = used + n;
    const needSlots = this.count + 1;
    let cap = this.buf.length;
    let scap = this.offs.length;
    if (needBytes > cap || needBytes * 2 > cap) cap = Math.max(needBytes, Math.min(Math.min(limit, MAX_NODE_CAPACITY), Math.max(64, needBytes * 2)));
    if (needSlots * 2 > scap) scap = Math.max(8, needSlots * 2);
    const slack = cap - needBytes;
    const sslack = scap - needSlots;
    const lo = front ? cap - used - (slack >> 2) : slack >> 2;
    const first = front ? scap - this.count - (sslack >> 2) : sslack >> 2;
    this.relayout(cap, scap, lo, first);
  }

  /** Gives an empty node room for `bytes` bytes and `slots` elements, free at the front or back. */
  presize(bytes: number, slots: number, front: boolean): void {
    this.buf = allocBytes(bytes);
    this.offs = new Uint16Array(slots);
    this.lo = this.hi = front ? bytes : 0;
    this.first = front ? slots : 0;
  }

  /** Shrinks to the exact size once under a quarter of the buffer is used. */
  private maybeShrink(): void {
    const cap = this.buf.length;
    if (cap > 256 && (this.hi - this.lo) * 4 < cap) this.compact();
  }

  /** Drops all free room (a node no longer at either end of its list keeps none). */
  compact(): void {
    if (this.big !== null || this.count === 0) return;
    const used = this.hi - this.lo;
    if (this.buf.length === used && this.offs.length === this.count) return;
    this.relayout(used, this.count, 0, 0);
  }

  private relayout(cap: number, scap: number, lo: number, first: number): void {
    const delta = lo - this.lo;
    const count = this.count;
    let buf = this.buf;
    let offs = this.offs;
    if (cap !== buf.length) {
      buf = allocBytes(cap);
      this.buf.copy(buf, lo, this.lo, this.hi);
    } else if (delta !== 0) {
      buf.copyWithin(lo, this.lo, this.hi);
    }
    if (scap !== offs.length) {
      offs = new Uint16Array(scap);
      offs.set(this.offs.subarray(this.first, this.first + count), first);
    } else if (first !== this.first) {
      offs.copyWithin(first, this.first, this.first + count);
    }
    if (delta !== 0) for (let k = first; k < first + count; k++) offs[k] = offs[k]! + delta;
    this.buf = buf;
    this.offs = offs;
    this.hi += delta;
    this.lo = lo;
    this.first = first;
  }

  clone(): Node {
    const n = new Node();
    n.plain = this.plain;
    n.count = this.count;
    n.sz = this.sz;
    if (this.lzf !== null) {
      // The compressed bytes are never written to once made: the copy shares them.
      n.lzf = this.lzf;
      n.lzfIn = this.lzfIn;
      n.saving = this.saving;
      n.closed = true;
      return n;
    }
    n.big = this.big;
    n.tried = this.tried;
    if (this.big === null && this.count > 0) {
      const used = this.hi - this.lo;
      n.buf = allocBytes(used);
      this.buf.copy(n.buf, 0, this.lo, this.hi);
      n.offs = new Uint16Array(this.count);
      for (let k = 0; k < this.count; k++) n.offs[k] = this.offs[this.first + k]! - this.lo;
      n.hi = used;
    }
    return n;
  }
}

/** Decompresses a closed node for reading; the node read before this way is closed again. */
function openForRead(n: Node): void {
  const prev = openNode;
  if (prev !== null && prev !== n && prev.lzf !== null && !prev.closed) prev.close();
  n.inflate();
  openNode = n;
}

/**
 * A list's nodes, head to tail: an array with free room kept before the head node, so that adding a
 * node at the head costs what adding one at the tail does. (Array.prototype.unshift moves every
 * node: LPUSH of elements that take a node each was O(nodes), where Redis's linked quicklist is
 * O(1).) Room left by nodes removed from the head is reused, and given back once it is most of the
 * array, whichever end the nodes went from.
 */
class Nodes {
  private buf: (Node | undefined)[];
  /** Index in buf of the head node: buf[0..h) is free room. */
  private h = 0;

  constructor(nodes: Node[] = []) {
    this.buf = nodes;
  }

  get length(): number {
    return this.buf.length - this.h;
  }

  /** Node i, or undefined outside 0..length - 1. */
  at(i: number): Node | undefined {
    return i >= 0 ? this.buf[this.h + i] : undefined;
  }

  push(n: Node): void {
    this.buf.push(n);
  }

  pop(): void {
    this.buf.pop();
    this.giveBack();
  }

  shift(): void {
    this.buf[this.h++] = undefined;
    this.giveBack();
  }

  unshift(n: Node): void {
    if (this.h === 0) {
      // Filled by a loop, not new Array(room): a holey array would stay holey for V8.
      const room = Math.max(4, this.buf.length);
      const buf: (Node | undefined)[] = [];
      for (let i = 0; i < room; i++) buf.push(undefined);
      for (const node of this.buf) buf.push(node);
      this.buf = buf;
      this.h = room;
    }
    this.buf[--this.h] = n;
  }

  /** Replaces `remove` nodes from node i on by `add`. */
  splice(i: number, remove: number, ...add: Node[]): void {
    this.buf.splice(this.h + i, remove, ...add);
    this.giveBack();
  }

  /** Drops the room before the head once it is most of the array (and all of it when no node is left). */
  private giveBack(): void {
    if (this.buf.length === this.h) this.reset();
    else if (this.h > 64 && this.h > 2 * this.length) {
      this.buf = this.buf.slice(this.h);
      this.h = 0;
    }
  }

  /** Nodes from..to - 1 as a list of nodes of their own. */
  slice(from: number, to: number): Nodes {
    return new Nodes(this.buf.slice(this.h + from, this.h + to) as Node[]);
  }

  map<T>(f: (n: Node) => T): T[] {
    const out: T[] = [];
    for (let i = this.h; i < this.buf.length; i++) out.push(f(this.buf[i]!));
    return out;
  }

  *[Symbol.iterator](): IterableIterator<Node> {
    for (let i = this.h; i < this.buf.length; i++) yield this.buf[i]!;
  }

  private reset(): void {
    this.buf = [];
    this.h = 0;
  }
}

export class ListValue implements TypedValue {
  readonly type = 'list' as const;
  private nodes = new Nodes();
  private len = 0;
  /** Packed bytes of the elements (their listpack entries), kept by every mutation. */
  private packed = 0;
  /** list-max-listpack-size when the list was made (Redis keeps it per list too). */
  private readonly fill: number;
  /** Byte limit of a node under that fill. */
  private readonly limit: number;
  /** list-compress-depth when the list was made: raw nodes at each end (0: none compressed). */
  readonly depth: number;
  /** What compressed nodes take off memBytes() (the sum of their `saving`). */
  private saved = 0;
  /** The node last found by index and the index of its first element (-1: none). */
  private ci = -1;
  private cb = 0;
  /** The memBytes() last added to its database's count (store/db.ts). */
  accountedBytes = 0;

  constructor(fill = DEFAULT_LIST_FILL, depth = 0) {
    this.fill = clampFill(fill);
    this.limit = this.fill < 0 ? FILL_BYTES[-this.fill - 1]! : SIZE_SAFETY_LIMIT;
    this.depth = Math.max(0, Math.min(MAX_COMPRESS_DEPTH, Math.trunc(depth)));
  }

  /** list-max-listpack-size when the list was made (DEBUG OBJECT's ql_listpack_max). */
  get listpackMax(): number {
    return this.fill;
  }

  /** Each node's elements and whether it is plain, head to tail (DEBUG OBJECT). */
  nodeContents(): { plain: boolean; items: string[] }[] {
    return this.nodes.map((n) => ({ plain: n.plain, items: n.strings() }));
  }

  /**
   * Tests: each node's state, head to tail (Z compressed, T raw after a compression not worth
   * it, R raw), and the memBytes() saving kept beside the sum over the compressed nodes.
   */
  compression(): { map: string; saved: number; sum: number } {
    let map = '';
    let sum = 0;
    for (const n of this.nodes) {
      map += n.lzf !== null ? 'Z' : n.tried ? 'T' : 'R';
      sum += n.lzf !== null ? n.saving : 0;
    }
    return { map, saved: this.saved, sum };
  }

  /** Makes a node raw for a change: decompressed, its compressed copy dropped. */
  private unpack(node: Node): void {
    if (node.lzf === null) return;
    node.inflate();
    if (openNode === node) openNode = null;
    this.saved -= node.saving;
    node.lzf = null;
    node.saving = 0;
  }

  /**
   * Restores the compression rule after nodes [from, to) were replaced (maybe by more or fewer
   * nodes) or nodes were added or removed at the ends: those nodes, the d on either side of them
   * (their distance to the far end changed) and the nodes at and next to the raw ends are
   * compressed when inner and made raw when not. Other nodes kept their side of the boundary.
   */
  private settle(from: number, to: number): void {
    const d = this.depth;
    if (d === 0) return;
    const n = this.nodes.length;
    const around = Math.min(n, to + d);
    for (let i = Math.max(0, from - d); i < around; i++) this.settleAt(i, n, d);
    const headEnd = Math.min(d + 1, n);
    for (let i = 0; i < headEnd; i++) this.settleAt(i, n, d);
    for (let i = Math.max(headEnd, n - d - 1); i < n; i++) this.settleAt(i, n, d);
  }

  /**
   * After a node came or went at one end (every other node shifted by one place at most): only
   * the nodes at d - 1, d, n - d - 1 and n - d can have crossed the line between the raw ends and
   * the compressed middle. O(1), where settle(0, 0) walks d nodes at each end.
   */
  private settleEnds(): void {
    const d = this.depth;
    const n = this.nodes.length;
    if (d - 1 < n) this.settleAt(d - 1, n, d);
    if (d < n) this.settleAt(d, n, d);
    if (n - d - 1 >= 0) this.settleAt(n - d - 1, n, d);
    if (n - d >= 0 && n - d < n) this.settleAt(n - d, n, d);
  }

  private settleAt(i: number, n: number, d: number): void {
    const node = this.nodes.at(i)!;
    if (i >= d && i < n - d) {
      if (node.lzf === null && !node.tried) this.saved += node.deflate();
    } else if (node.lzf !== null) this.unpack(node);
  }

  encoding(): string {
    return 'quicklist';
  }

  get length(): number {
    return this.len;
  }

  /** Quicklist nodes in use (DEBUG and tests). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /**
   * Estimated bytes as a quicklist: header, the elements' listpack entries, and one node per
   * 8 kB of them (list-max-listpack-size -2).
   */
  memBytes(): number {
    const p = this.packed;
    return OBJ_HEADER + QUICKLIST_HEADER + p - this.saved + QUICKLIST_NODE * Math.ceil(p / QUICKLIST_NODE_BYTES);
  }

  /** Redis frees a quicklist node by node: its effort is the node count. */
  freeEffort(): number {
    return this.nodes.length;
  }

  copy(): ListValue {
    const out = new ListValue(this.fill, this.depth);
    out.nodes = new Nodes(this.nodes.map((n) => n.clone()));
    out.len = this.len;
    out.packed = this.packed;
    out.saved = this.saved;
    return out;
  }

  /** Whether a packed node may take one more element of n bytes (Redis's insert rule). */
  private allows(node: Node, n: number): boolean {
    if (node.plain) return false;
    const next = node.sz + n + SIZE_ESTIMATE_OVERHEAD;
    if (this.fill < 0) return next <= this.limit;
    return next <= SIZE_SAFETY_LIMIT && node.count < this.fill;
  }

  /** A new node holding just s: packed unless s is too big for an empty node. */
  private nodeOf(s: string, front: boolean, full?: Node): Node {
    if (LISTPACK_HEADER + s.length + SIZE_ESTIMATE_OVERHEAD > this.limit) return Node.plain(s);
    const n = new Node();
    // After a full packed node, this one will likely fill as much: size it like that one at once
    // (a few elements with a positive fill, not the byte limit) rather than grow it by doubling.
    if (full !== undefined && !full.plain) n.presize(Math.min(this.limit, MAX_NODE_CAPACITY, full.sz + 64), full.count + 8, front);
    if (front) n.pushHead(s, this.limit);
    else n.pushTail(s, this.limit);
    return n;
  }

  /** Packs elements into nodes as pushes from the tail would. */
  private pack(items: readonly string[]): Node[] {
    const out: Node[] = [];
    let cur: Node | null = null;
    for (const s of items) {
      if (cur !== null && this.allows(cur, s.length)) {
        cur.pushTail(s, this.limit);
        continue;
      }
      cur?.compact();
      cur = this.nodeOf(s, false);
      out.push(cur);
    }
    cur?.compact();
    return out;
  }

  /** Replaces node idx (made raw by the caller) by nodes packing `items` (none when empty). */
  private rebuild(idx: number, items: readonly string[]): void {
    if (items.length === 0) {
      this.nodes.splice(idx, 1);
      this.settle(idx, idx);
    } else {
      const made = this.pack(items);
      this.nodes.splice(idx, 1, ...made);
      this.settle(idx, idx + made.length);
    }
    this.ci = -1;
  }

  pushHead(v: string): void {
    const head = this.nodes.at(0);
    if (head !== undefined && this.allows(head, v.length)) head.pushHead(v, this.limit);
    else {
      head?.compact();
      this.nodes.unshift(this.nodeOf(v, true, head));
      if (this.depth > 0) this.settleEnds();
    }
    this.len++;
    this.packed += listpackEntryBytes(v.length);
    this.ci = -1;
  }

  pushTail(v: string): void {
    const nodes = this.nodes;
    const tail = nodes.at(nodes.length - 1);
    if (tail !== undefined && this.allows(tail, v.length)) tail.pushTail(v, this.limit);
    else {
      tail?.compact();
      nodes.push(this.nodeOf(v, false, tail));
      if (this.depth > 0) this.settleEnds();
    }
    this.len++;
    this.packed += listpackEntryBytes(v.length);
  }

  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const node = this.nodes.at(0)!;
    const v = node.popHead();
    if (node.count === 0) {
      this.nodes.shift();
      if (this.depth > 0) this.settleEnds();
    }
    this.len--;
    this.packed -= listpackEntryBytes(v.length);
    this.ci = -1;
    return v;
  }

  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const nodes = this.nodes;
    const node = nodes.at(nodes.length - 1)!;
    const v = node.popTail();
    if (node.count === 0) {
      nodes.pop();
      if (this.depth > 0) this.settleEnds();
    }
    this.len--;
    this.packed -= listpackEntryBytes(v.length);
    return v;
  }

  /** The node holding index i (0 <= i < length); leaves it and its first index in ci / cb. */
  private locate(i: number): number {
    const nodes = this.nodes;
    let ci = this.ci;
    let cb = this.cb;
    if (ci >= 0 && ci < nodes.length) {
      if (i >= cb && i < cb + nodes.at(ci)!.count) return ci;
      const fromCache = Math.abs(i - cb);
      if (fromCache > i || fromCache > this.len - 1 - i) ci = -1;
    } else ci = -1;
    if (ci < 0) {
      if (i <= this.len - 1 - i) {
        ci = 0;
        cb = 0;
      } else {
        ci = nodes.length - 1;
        cb = this.len - nodes.at(ci)!.count;
      }
    }
    while (i < cb) cb -= nodes.at(--ci)!.count;
    while (i >= cb + nodes.at(ci)!.count) cb += nodes.at(ci++)!.count;
    this.ci = ci;
    this.cb = cb;
    return ci;
  }

  /** Element at a 0-based index (callers check 0 <= i < length). */
  at(i: number): string {
    // Fast path: in the node last read, already decoded (sequential reads, LRANGE).
    const node = this.ci >= 0 ? this.nodes.at(this.ci) : undefined;
    if (node !== undefined) {
      const k = i - this.cb;
      if (k >= 0 && k < node.count) {
        const hit = node.cache?.[k];
        return hit ?? node.get(k);
      }
    }
    const ci = this.locate(i);
    return this.nodes.at(ci)!.get(i - this.cb);
  }

  /** Whether the element at index i (0 <= i < length) is v, without decoding it. */
  equalsAt(i: number, v: string): boolean {
    const ci = this.locate(i);
    return this.nodes.at(ci)!.equals(i - this.cb, v);
  }

  setAt(i: number, v: string): void {
    const ci = this.locate(i);
    const node = this.nodes.at(ci)!;
    const k = i - this.cb;
    this.unpack(node);
    const old = node.lengthAt(k);
    this.packed += listpackEntryBytes(v.length) - listpackEntryBytes(old);
    const items = node.strings();
    items[k] = v;
    this.rebuild(ci, items);
  }

  /** Index of the first element equal to v, from the head, or -1. */
  indexOf(v: string): number {
    let base = 0;
    const nodes = this.nodes;
    for (let j = 0; j < nodes.length; j++) {
      const node = nodes.at(j)!;
      const k = node.find(v, 0);
      if (k >= 0) return base + k;
      base += node.count;
    }
    return -1;
  }

  /** Inserts v so that it ends up at index i (0 <= i <= length). */
  insertAt(i: number, v: string): void {
    if (i === 0) return this.pushHead(v);
    if (i === this.len) return this.pushTail(v);
    const ci = this.locate(i);
    const k = i - this.cb;
    const node = this.nodes.at(ci)!;
    const prev = this.nodes.at(ci - 1);
    if (k === 0 && prev !== undefined && this.allows(prev, v.length)) {
      // Between two nodes: the previous one has room at its tail.
      this.unpack(prev);
      prev.pushTail(v, this.limit);
      this.settle(ci - 1, ci);
    } else {
      this.unpack(node);
      const items = node.strings();
      items.splice(k, 0, v);
      this.rebuild(ci, items);
    }
    this.len++;
    this.packed += listpackEntryBytes(v.length);
    this.ci = -1;
  }

  /** Removes `n` elements from the head and `m` from the tail. */
  trim(fromHead: number, fromTail: number): void {
    if (fromHead + fromTail >= this.len) {
      this.clear();
      return;
    }
    const nodes = this.nodes;
    let freed = 0;
    let h = 0;
    let left = fromHead;
    while (left > 0 && nodes.at(h)!.count <= left) {
      left -= nodes.at(h)!.count;
      freed += nodes.at(h)!.sz - LISTPACK_HEADER;
      this.saved -= nodes.at(h)!.saving;
      h++;
    }
    let t = nodes.length;
    let right = fromTail;
    while (right > 0 && nodes.at(t - 1)!.count <= right) {
      right -= nodes.at(t - 1)!.count;
      freed += nodes.at(t - 1)!.sz - LISTPACK_HEADER;
      this.saved -= nodes.at(t - 1)!.saving;
      t--;
    }
    // What is left of the trim falls inside nodes h (from its head) and t - 1 (from its tail),
    // packed nodes since a plain node holds one element; they may be the same node.
    if (left > 0) {
      const node = nodes.at(h)!;
      this.unpack(node);
      freed += node.entryBytes(0, left);
      node.dropHead(left);
    }
    if (right > 0) {
      const node = nodes.at(t - 1)!;
      this.unpack(node);
      freed += node.entryBytes(node.count - right, node.count);
      node.dropTail(right);
    }
    this.nodes = nodes.slice(h, t);
    this.len -= fromHead + fromTail;
    this.packed -= freed;
    this.ci = -1;
    this.settle(0, 0);
  }

  clear(): void {
    this.nodes = new Nodes();
    this.len = 0;
    this.packed = 0;
    this.saved = 0;
    this.ci = -1;
  }

  /**
   * Removes elements equal to v: up to `limit` of them (0: all), scanning from the head, or
   * from the tail when `fromTail`. Returns how many were removed. Only nodes holding v are
   * rebuilt.
   */
  remove(v: string, limit: number, fromTail: boolean): number {
    let removed = 0;
    const nodes = this.nodes;
    let idx = fromTail ? nodes.length - 1 : 0;
    while (idx >= 0 && idx < nodes.length && (limit === 0 || removed < limit)) {
      const node = nodes.at(idx)!;
      if (node.find(v, 0) < 0) {
        idx += fromTail ? -1 : 1;
        continue;
      }
      this.unpack(node);
      const items = node.strings();
      const keep: string[] = [];
      if (!fromTail) {
        for (const x of items) {
          if (x === v && (limit === 0 || removed < limit)) removed++;
          else keep.push(x);
        }
      } else {
        for (let k = items.length - 1; k >= 0; k--) {
          const x = items[k]!;
          if (x === v && (limit === 0 || removed < limit)) removed++;
          else keep.push(x);
        }
        keep.reverse();
      }
      const before = nodes.length;
      this.rebuild(idx, keep);
      // From the head, continue after the nodes that replaced it; from the tail, before them.
      if (fromTail) idx--;
      else idx += 1 + nodes.length - before;
    }
    if (removed > 0) {
      this.len -= removed;
      this.packed -= removed * listpackEntryBytes(v.length);
      this.ci = -1;
    }
    return removed;
  }

  /** All elements, head to tail (tests and debugging). */
  toArray(): string[] {
    const out = new Array<string>(this.len);
    let i = 0;
    const nodes = this.nodes;
    for (let j = 0; j < nodes.length; j++) {
      const node = nodes.at(j)!;
      for (let k = 0; k < node.count; k++) out[i++] = node.get(k);
    }
    return out;
  }

  static from(items: readonly string[], fill = DEFAULT_LIST_FILL, depth = 0): ListValue {
    const l = new ListValue(fill, depth);
    for (const s of items) l.pushTail(s);
    return l;
  }
}
