// Stream values (XADD, XRANGE, consumer groups...): Redis 7.0's stream, compactly.
//
// IDs. A stream ID is two unsigned 64-bit numbers, ms-seq. Here it is a StreamID: a string of 32
// lower-case hex digits (16 for ms, 16 for seq), so that ID order is plain string order (`<`,
// `===`) over the whole 64-bit range, and an ID is a cheap Map key. makeId / idText / idMs /
// idSeq / parseIdText convert; arithmetic uses numbers below 2^53 and BigInt above.
//
// Entries. Entries are grouped in nodes, as Redis groups them in listpacks under a radix tree: a
// node holds at most stream-node-max-entries entries and about stream-node-max-bytes bytes
// (limits passed to append()). A node packs its entries into one Buffer:
//   flags byte (1: deleted, 2: same fields as the node's master fields), ms - master ms (varint),
//   seq (varint), then unless flag 2: field count (varint) and the field names (varint length +
//   bytes); then the values (varint length + bytes).
// The master fields are the field names of the node's first entry. Nodes are kept in an array
// sorted by ID and searched by binary search. An entry whose ms or seq part is 2^53 or more is
// kept alone in its own node (its ID in `first`), so deltas are always exact numbers.
// XDEL marks an entry deleted in place; a node with no live entry left is removed.
//
// Consumer groups: StreamGroup (last delivered ID, entries read, pending entries list, consumers),
// StreamConsumer (name, seen time, its own pending entries), PendingEntry (ID, owner, delivery
// time, delivery count). PEL indexes keep IDs in order.
//
// For persistence (RDB / DUMP / RESTORE): iterate entries with forEach(MIN_ID, MAX_ID, false, fn),
// groups with `groups` (a Map; sortedGroups() for name order), a group's `pel.forEach`, its
// consumers with `consumers` / sortedConsumers(), and rebuild with StreamValue.fromParts().
import { Buffer } from 'node:buffer';
import type { TypedValue } from '../db.js';
import { putLatin1, type Latin1Buffer } from '../../latin1.js';
import { OBJ_HEADER, sdsBytes } from '../memsize.js';

/** An ID: 32 hex digits, ms then seq. String order is ID order. */
export type StreamID = string;

const ZERO16 = '0000000000000000';
const MAX16 = 'ffffffffffffffff';
const SAFE = 2 ** 53;

export const MIN_ID: StreamID = ZERO16 + ZERO16;
export const MAX_ID: StreamID = MAX16 + MAX16;

/** Char codes of the hex digits. */
const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/**
 * A part as 16 hex digits. A number (a safe integer) is spelled digit by digit: Number's
 * toString(16) and padStart cost several times more, and XADD / XRANGE make one per entry.
 */
function partHex(p: number | bigint): string {
  if (typeof p === 'bigint') return p.toString(16).padStart(16, '0');
  const hi = Math.floor(p / 4294967296);
  const lo = p >>> 0;
  return String.fromCharCode(
    HEX[hi >>> 28]!, HEX[(hi >>> 24) & 15]!, HEX[(hi >>> 20) & 15]!, HEX[(hi >>> 16) & 15]!,
    HEX[(hi >>> 12) & 15]!, HEX[(hi >>> 8) & 15]!, HEX[(hi >>> 4) & 15]!, HEX[hi & 15]!,
    HEX[lo >>> 28]!, HEX[(lo >>> 24) & 15]!, HEX[(lo >>> 20) & 15]!, HEX[(lo >>> 16) & 15]!,
    HEX[(lo >>> 12) & 15]!, HEX[(lo >>> 8) & 15]!, HEX[(lo >>> 4) & 15]!, HEX[lo & 15]!,
  );
}

/** The part of `id` at `at` (0: ms, 16: seq) as a number, or -1 when it is 2^53 or more. */
function partNum(id: StreamID, at: number): number {
  // Below 2^53 ("0020000000000000") exactly when it starts with "00" and a digit below 2.
  if (id.charCodeAt(at) !== 48 || id.charCodeAt(at + 1) !== 48 || id.charCodeAt(at + 2) >= 50) return -1;
  let n = 0;
  for (let i = at + 2; i < at + 16; i++) {
    const c = id.charCodeAt(i);
    n = n * 16 + (c <= 57 ? c - 48 : c - 87);
  }
  return n;
}

/** An ID from its parts (numbers must be safe integers; bigints up to 2^64 - 1). */
export function makeId(ms: number | bigint, seq: number | bigint): StreamID {
  return partHex(ms) + partHex(seq);
}

function partText(id: StreamID, at: number): string {
  const n = partNum(id, at);
  return n >= 0 ? String(n) : BigInt('0x' + id.slice(at, at + 16)).toString();
}

/** "ms-seq" in decimal, as replies show an ID. */
export function idText(id: StreamID): string {
  return partText(id, 0) + '-' + partText(id, 16);
}

export function idMs(id: StreamID): bigint {
  return BigInt('0x' + id.slice(0, 16));
}

export function idSeq(id: StreamID): bigint {
  return BigInt('0x' + id.slice(16));
}

/** The ms part as a number when it is below 2^53, else -1. */
export function idMsNumber(id: StreamID): number {
  return partNum(id, 0);
}

const U64_RE = /^[0-9]+$/;
const U64_MAX = 2n ** 64n - 1n;

/** An unsigned 64-bit decimal part (Redis's string2ull: digits only), or null. */
export function parseU64(s: string): string | null {
  if (!U64_RE.test(s) || s.length > 20) return null;
  if (s.length <= 15) return partHex(Number(s));
  const v = BigInt(s);
  return v > U64_MAX ? null : partHex(v);
}

/** The next ID, or null after the largest. */
export function idIncr(id: StreamID): StreamID | null {
  const n = partNum(id, 16);
  if (n >= 0) return id.slice(0, 16) + partHex(n + 1);
  const seq = id.slice(16);
  if (seq !== MAX16) return id.slice(0, 16) + partHex(BigInt('0x' + seq) + 1n);
  const ms = id.slice(0, 16);
  if (ms === MAX16) return null;
  return partHex(BigInt('0x' + ms) + 1n) + ZERO16;
}

/** The previous ID, or null before the smallest. */
export function idDecr(id: StreamID): StreamID | null {
  const seq = id.slice(16);
  if (seq !== ZERO16) return id.slice(0, 16) + partHex(BigInt('0x' + seq) - 1n);
  const ms = id.slice(0, 16);
  if (ms === ZERO16) return null;
  return partHex(BigInt('0x' + ms) - 1n) + MAX16;
}

// ---- varints and the node buffer ----

function varintLen(n: number): number {
  let l = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    l++;
  }
  return l;
}

function putVarint(buf: Buffer, off: number, n: number): number {
  while (n >= 128) {
    buf[off++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  buf[off++] = n;
  return off;
}

/** Reads a varint at `pos.o`, advancing it. */
function getVarint(buf: Buffer, pos: { o: number }): number {
  const b0 = buf[pos.o]!;
  if (b0 < 128) {
    pos.o++;
    return b0;
  }
  let n = 0;
  let mul = 1;
  let o = pos.o;
  for (;;) {
    const b = buf[o++]!;
    n += (b & 127) * mul;
    if (b < 128) break;
    mul *= 128;
  }
  pos.o = o;
  return n;
}

const F_DELETED = 1;
const F_SAME = 2;
/** Bytes a node costs besides its buffer (Redis: the radix tree node and listpack header). */
const NODE_OVERHEAD = 48;
/** A stream's own structure (Redis's stream struct and radix tree header). */
const STREAM_HEADER = 64;
const GROUP_BYTES = 96;
const CONSUMER_BYTES = 64;
const PEL_ENTRY_BYTES = 64;

/** One node: entries with IDs >= `first`, packed in `buf[0..len)`. */
class StreamNode {
  /** The master ID (the node's first entry, even once deleted). */
  first: StreamID;
  /** The last entry's ID (even once deleted). */
  last: StreamID;
  /** Master ms, or -1 for a node holding one entry with a part >= 2^53. */
  ms: number;
  fields: string[];
  buf: Buffer;
  len = 0;
  /** Live entries, and entries including deleted ones. */
  live = 0;
  total = 0;

  constructor(first: StreamID, ms: number, fields: string[], buf: Buffer) {
    this.first = first;
    this.last = first;
    this.ms = ms;
    this.fields = fields;
    this.buf = buf;
  }

  /**
   * Releases spare capacity (a node no longer appended to): moves the bytes to a buffer of their
   * size and returns the old one (the next node may reuse it), or null when there was no spare.
   */
  shrink(): Buffer | null {
    const old = this.buf;
    if (old.length === this.len) return null;
    // Node's pool serves copies under 4 KiB (a slice of a shared 8 KiB block) without an
    // ArrayBuffer each: a sealed node is at most stream-node-max-bytes (4096 by default).
    const b = Buffer.allocUnsafe(this.len);
    old.copy(b, 0, 0, this.len);
    this.buf = b;
    return old;
  }
}

/** Packed bytes of an entry whose fields are `fields` from index `from`. */
function entrySize(dms: number, seq: number, fields: readonly string[], from: number, same: boolean): number {
  const nf = (fields.length - from) >> 1;
  let size = 1 + varintLen(dms) + varintLen(seq);
  if (!same) {
    size += varintLen(nf);
    for (let i = 0; i < nf; i++) size += varintLen(fields[from + 2 * i]!.length) + fields[from + 2 * i]!.length;
  }
  for (let i = 0; i < nf; i++) size += varintLen(fields[from + 2 * i + 1]!.length) + fields[from + 2 * i + 1]!.length;
  return size;
}

/**
 * Calls fn(offsetOfFlags, id, fields, text) for each entry of a node, deleted ones included when
 * `all`. With `vals` (packed mode), the values are not made into strings: their [start, end)
 * offsets in node.buf are pushed onto `vals` before fn is called, and `fields` is the names only
 * (node.fields itself for most entries: not to be modified). Without `ids`, id is '' (a caller
 * that needs only the text: no hex ID is made).
 */
function decodeNode(
  node: StreamNode,
  all: boolean,
  fn: (off: number, id: StreamID, fields: string[], text: string) => boolean | void,
  vals: number[] | null = null,
  ids = true,
): boolean {
  const buf = node.buf;
  const pos = { o: 0 };
  // Entries of a node mostly share their ms part: its hex and decimal forms are made once per run.
  let lastDms = -1;
  let msHex = '';
  let msText = '';
  while (pos.o < node.len) {
    const off = pos.o;
    const flags = buf[pos.o++]!;
    const dms = getVarint(buf, pos);
    const seq = getVarint(buf, pos);
    // A deleted entry the caller does not want is stepped over without making its strings.
    const skip = !all && (flags & F_DELETED) !== 0;
    let names: string[];
    if (flags & F_SAME) names = node.fields;
    else {
      const n = getVarint(buf, pos);
      names = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        const l = getVarint(buf, pos);
        if (!skip) names[i] = buf.toString('latin1', pos.o, pos.o + l);
        pos.o += l;
      }
    }
    if (skip) {
      for (let i = 0; i < names.length; i++) {
        const l = getVarint(buf, pos);
        pos.o += l;
      }
      continue;
    }
    let fields: string[];
    if (vals !== null) {
      fields = names;
      for (let i = 0; i < names.length; i++) {
        const l = getVarint(buf, pos);
        vals.push(pos.o, pos.o + l);
        pos.o += l;
      }
    } else {
      fields = new Array<string>(names.length * 2);
      for (let i = 0; i < names.length; i++) {
        const l = getVarint(buf, pos);
        fields[2 * i] = names[i]!;
        fields[2 * i + 1] = buf.toString('latin1', pos.o, pos.o + l);
        pos.o += l;
      }
    }
    let id: StreamID;
    let text: string;
    if (node.ms < 0) {
      id = node.first;
      text = idText(id);
    } else {
      if (dms !== lastDms) {
        lastDms = dms;
        if (ids) msHex = partHex(node.ms + dms);
        msText = String(node.ms + dms);
      }
      id = ids ? msHex + partHex(seq) : '';
      text = msText + '-' + seq;
    }
    if (fn(off, id, fields, text) === false) return false;
  }
  return true;
}

/** Pending entries by ID, iterable in ID order (a Map plus a lazily cleaned sorted key array). */
export class PelIndex {
  private readonly m = new Map<StreamID, PendingEntry>();
  private keys: StreamID[] = [];
  private stale = 0;

  get size(): number {
    return this.m.size;
  }

  get(id: StreamID): PendingEntry | undefined {
    return this.m.get(id);
  }

  set(id: StreamID, e: PendingEntry): void {
    if (this.m.has(id)) {
      this.m.set(id, e);
      return;
    }
    this.m.set(id, e);
    const k = this.keys;
    if (k.length === 0 || k[k.length - 1]! < id) k.push(id);
    else {
      const i = lowerBound(k, id);
      if (k[i] === id) return; // a stale key comes back to life
      k.splice(i, 0, id);
    }
  }

  delete(id: StreamID): boolean {
    if (!this.m.delete(id)) return false;
    if (++this.stale > 32 && this.stale > this.keys.length >> 1) {
      this.keys = this.keys.filter((x) => this.m.has(x));
      this.stale = 0;
    }
    return true;
  }

  /** Visits entries with start <= id <= end in ID order (reverse when `rev`) until fn returns false. */
  forEach(start: StreamID, end: StreamID, fn: (e: PendingEntry) => boolean | void, rev = false): void {
    const k = this.keys;
    if (!rev) {
      for (let i = lowerBound(k, start); i < k.length; i++) {
        const id = k[i]!;
        if (id > end) break;
        const e = this.m.get(id);
        if (e !== undefined && fn(e) === false) return;
      }
    } else {
      for (let i = lowerBound(k, end + '\x01') - 1; i >= 0; i--) {
        const id = k[i]!;
        if (id < start) break;
        const e = this.m.get(id);
        if (e !== undefined && fn(e) === false) return;
      }
    }
  }

  /** The smallest and largest pending IDs (undefined when empty). */
  first(): StreamID | undefined {
    let r: StreamID | undefined;
    this.forEach(MIN_ID, MAX_ID, (e) => {
      r = e.id;
      return false;
    });
    return r;
  }

  last(): StreamID | undefined {
    let r: StreamID | undefined;
    this.forEach(MIN_ID, MAX_ID, (e) => {
      r = e.id;
      return false;
    }, true);
    return r;
  }
}

function lowerBound(a: readonly string[], x: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A pending entry: delivered to `consumer`, not acknowledged yet. */
export interface PendingEntry {
  id: StreamID;
  consumer: StreamConsumer;
  /** Last delivery, ms since the epoch. */
  deliveryTime: number;
  deliveryCount: number;
}

export class StreamConsumer {
  readonly pel = new PelIndex();
  constructor(
    public readonly name: string,
    /** Last time the consumer was seen (ms since the epoch). Redis 7.0 has no active-time. */
    public seenTime: number,
  ) {}
}

/** Redis's SCG_INVALID_ENTRIES_READ: the group's read counter is unknown. */
export const INVALID_ENTRIES_READ = -1;

export class StreamGroup {
  readonly pel = new PelIndex();
  readonly consumers = new Map<string, StreamConsumer>();
  constructor(
    public readonly name: string,
    /** The last ID delivered to the group. */
    public lastId: StreamID,
    /** Entries read by the group (logical counter), INVALID_ENTRIES_READ when unknown. */
    public entriesRead: number,
  ) {}

  /** Consumers in name order (byte order), as Redis's radix tree lists them. */
  sortedConsumers(): StreamConsumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Creates a consumer; null when it exists. */
  createConsumer(name: string, now: number): StreamConsumer | null {
    if (this.consumers.has(name)) return null;
    const c = new StreamConsumer(name, now);
    this.consumers.set(name, c);
    return c;
  }

  /** Deletes a consumer and its pending entries; the number of pending entries it had, -1 when absent. */
  deleteConsumer(name: string): number {
    const c = this.consumers.get(name);
    if (c === undefined) return -1;
    const n = c.pel.size;
    c.pel.forEach(MIN_ID, MAX_ID, (e) => {
      this.pel.delete(e.id);
    });
    this.consumers.delete(name);
    return n;
  }
}

/** Node size limits (stream-node-max-entries / stream-node-max-bytes; 0: no limit). */
export interface StreamNodeLimits {
  maxEntries: number;
  maxBytes: number;
}

/** The parts a stream is rebuilt from (RDB loading, RESTORE). */
export interface StreamParts {
  /** Entries in ID order: [id, [field, value, ...]]. */
  entries: Iterable<readonly [StreamID, readonly string[]]>;
  lastId: StreamID;
  maxDeletedId: StreamID;
  entriesAdded: number;
  groups: Iterable<StreamGroupParts>;
}

/** A consumer group's parts. */
export interface StreamGroupParts {
  name: string;
  lastId: StreamID;
  entriesRead: number;
  /** The group's pending entries; `consumer` names one of `consumers`. */
  pel: Iterable<{ id: StreamID; consumer: string; deliveryTime: number; deliveryCount: number }>;
  consumers: Iterable<{ name: string; seenTime: number }>;
}

export class StreamValue implements TypedValue {
  get type(): 'stream' {
    return 'stream';
  }

  private nodes: StreamNode[] = [];
  /** Live entries. */
  length = 0;
  /** The largest ID ever added (or set by XSETID). */
  lastId: StreamID = MIN_ID;
  /** The largest ID deleted by XDEL (or set by XSETID). */
  maxDeletedId: StreamID = MIN_ID;
  /** Entries ever added. */
  entriesAdded = 0;
  /** Consumer groups by name (sortedGroups() for name order). */
  readonly groups = new Map<string, StreamGroup>();
  /** Sum of the nodes' packed bytes and overheads. */
  private nodeBytes = 0;
  accountedBytes = 0;

  encoding(): string {
    return 'stream';
  }

  memBytes(): number {
    let n = OBJ_HEADER + STREAM_HEADER + this.nodeBytes;
    for (const g of this.groups.values()) {
      n += GROUP_BYTES + sdsBytes(g.name.length) + g.pel.size * PEL_ENTRY_BYTES;
      for (const c of g.consumers.values()) n += CONSUMER_BYTES + sdsBytes(c.name.length);
    }
    return n;
  }

  /** Nodes (for tests and XINFO STREAM FULL's radix-tree-nodes). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  sortedGroups(): StreamGroup[] {
    return [...this.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The first live entry's ID (MIN_ID when empty). */
  firstId(): StreamID {
    let r = MIN_ID;
    this.forEach(MIN_ID, MAX_ID, false, (id) => {
      r = id;
      return false;
    });
    return r;
  }

  /** The last live entry's ID (MIN_ID when empty). */
  lastEntryId(): StreamID {
    let r = MIN_ID;
    this.forEach(MIN_ID, MAX_ID, true, (id) => {
      r = id;
      return false;
    });
    return r;
  }

  /** True when a live entry's ID is above `id` (stops at the first: no need to find the last). */
  hasAfter(id: StreamID): boolean {
    const start = idIncr(id);
    let found = false;
    if (start !== null) {
      this.forEach(start, MAX_ID, false, () => {
        found = true;
        return false;
      });
    }
    return found;
  }

  // lastId's parts, kept for XADD's next ID: valid while `partsOf` is lastId (the same string).
  private partsOf: StreamID = '';
  private lastMs = -1;
  private lastSeq = -1;
  private lastMsHex = '';
  private lastMsText = '';
  // The ID nextId() made last, with its parts, for append() to take without parsing it again.
  private nextIdMade: StreamID = '';
  private nextMs = 0;
  /** Its seq part, and its ms part in decimal (XADD writes its reply from them while nextTextGeneral is null). */
  nextSeq = 0;
  private nextMsHex = '';
  nextMsText = '';
  /**
   * nextText when nextId() took the general way (an ID part at 2^53 or more); null when it is
   * nextMsText "-" nextSeq, which XADD writes as its reply from the parts (the joined text would
   * be a cons string, flattened again when written).
   */
  nextTextGeneral: string | null = null;

  /** The reply text ("ms-seq") of the ID nextId() returned last. */
  get nextText(): string {
    return this.nextTextGeneral ?? this.nextMsText + '-' + this.nextSeq;
  }

  /**
   * The ID XADD * gives an entry at time `now` (ms): now-0 when now is past lastId's ms, else
   * lastId + 1 (the caller checks that lastId is not MAX_ID). Sets nextText. The parts of the
   * last ID are kept, so that the common case makes neither a parse nor a decimal ms.
   */
  nextId(now: number): StreamID {
    const last = this.lastId;
    if (this.partsOf !== last) {
      this.partsOf = last;
      this.lastMs = partNum(last, 0);
      this.lastSeq = partNum(last, 16);
      this.lastMsHex = last.slice(0, 16);
      this.lastMsText = this.lastMs >= 0 ? String(this.lastMs) : '';
    }
    let ms: number;
    let seq: number;
    let msHex: string;
    let msText: string;
    if (this.lastMs >= 0 && now > this.lastMs) {
      ms = now;
      seq = 0;
      msHex = partHex(now);
      msText = String(now);
    } else if (this.lastMs >= 0 && this.lastSeq >= 0 && this.lastSeq + 1 < SAFE) {
      ms = this.lastMs;
      seq = this.lastSeq + 1;
      msHex = this.lastMsHex;
      msText = this.lastMsText;
    } else {
      // A part at 2^53 or more (or the clock behind such an ID): the general way.
      const id = idIncr(last)!;
      this.nextIdMade = '';
      this.nextTextGeneral = idText(id);
      return id;
    }
    const id = msHex + partHex(seq);
    this.nextIdMade = id;
    this.nextMs = ms;
    this.nextSeq = seq;
    this.nextMsHex = msHex;
    this.nextMsText = msText;
    this.nextTextGeneral = null;
    return id;
  }

  /**
   * Appends an entry (id must be greater than lastId; the caller checks), its fields flat
   * [f, v, ...] in `fields` from index `from`. Updates lastId and entriesAdded.
   */
  append(id: StreamID, fields: readonly string[], lim: StreamNodeLimits, from = 0): void {
    const nf = (fields.length - from) >> 1;
    let ms: number;
    let seq: number;
    let small: boolean;
    if (id === this.nextIdMade) {
      ms = this.nextMs;
      seq = this.nextSeq;
      small = true;
    } else {
      ms = partNum(id, 0);
      seq = partNum(id, 16);
      small = ms >= 0 && seq >= 0;
      if (!small) {
        ms = -1;
        seq = 0;
      }
    }
    let node = this.nodes[this.nodes.length - 1];
    if (
      node !== undefined &&
      (node.ms < 0 || !small || (lim.maxEntries > 0 && node.total >= lim.maxEntries) || (lim.maxBytes > 0 && node.len >= lim.maxBytes))
    ) {
      node = undefined;
    }
    let same = false;
    let size = 0;
    if (node !== undefined) {
      same = node.fields.length === nf;
      for (let i = 0; same && i < nf; i++) if (node.fields[i] !== fields[from + 2 * i]) same = false;
      size = entrySize(ms - node.ms, seq, fields, from, same);
      // Would pass stream-node-max-bytes: the entry starts a new node.
      if (lim.maxBytes > 0 && node.len + size > lim.maxBytes) node = undefined;
    }
    if (node === undefined) {
      const prev = this.nodes[this.nodes.length - 1];
      const spare = prev !== undefined ? prev.shrink() : null;
      const names = new Array<string>(nf);
      for (let i = 0; i < nf; i++) names[i] = fields[from + 2 * i]!;
      same = true;
      size = entrySize(0, small ? seq : 0, fields, from, true);
      // A node started after a full one likely fills about as much: it gets that size and an
      // eighth more (later entries may have longer varints) at once instead of growing by
      // doubling (each growth is an allocation and a copy); shrink() returns the spare.
      let cap = lim.maxBytes > 0 ? Math.min(lim.maxBytes, 256) : 256;
      if (prev !== undefined && prev.ms >= 0 && small) {
        const guess = prev.len + (prev.len >> 3);
        cap = Math.max(cap, lim.maxBytes > 0 ? Math.min(guess, lim.maxBytes) : guess);
      }
      // The previous node's old buffer, when it held what that node needed, serves this node:
      // one allocation per node instead of two.
      const reuse = spare !== null && small && spare.length >= Math.max(size, prev!.len);
      node = new StreamNode(id, ms, names, reuse ? spare : Buffer.allocUnsafeSlow(Math.max(size, cap)));
      this.nodes.push(node);
      this.nodeBytes += NODE_OVERHEAD;
    }
    if (node.len + size > node.buf.length) {
      const cap = Math.max(node.len + size, node.buf.length * 2);
      const b = Buffer.allocUnsafeSlow(lim.maxBytes > 0 ? Math.max(node.len + size, Math.min(cap, lim.maxBytes)) : cap);
      node.buf.copy(b, 0, 0, node.len);
      node.buf = b;
    }
    const buf = node.buf;
    let o = node.len;
    buf[o++] = same ? F_SAME : 0;
    o = putVarint(buf, o, node.ms < 0 ? 0 : ms - node.ms);
    o = putVarint(buf, o, node.ms < 0 ? 0 : seq);
    if (!same) {
      o = putVarint(buf, o, nf);
      for (let i = 0; i < nf; i++) {
        const f = fields[from + 2 * i]!;
        o = putVarint(buf, o, f.length);
        o += putLatin1(buf as Latin1Buffer, o, f);
      }
    }
    for (let i = 0; i < nf; i++) {
      const v = fields[from + 2 * i + 1]!;
      o = putVarint(buf, o, v.length);
      o += putLatin1(buf as Latin1Buffer, o, v);
    }
    this.nodeBytes += o - node.len;
    node.len = o;
    node.live++;
    node.total++;
    node.last = id;
    this.length++;
    this.lastId = id;
    this.entriesAdded++;
    if (id === this.nextIdMade) {
      this.partsOf = id;
      this.lastMs = ms;
      this.lastSeq = seq;
      this.lastMsHex = this.nextMsHex;
      this.lastMsText = this.nextMsText;
    }
  }

  /** Index of the last node whose first ID is <= id (0 when none). */
  private nodeIndex(id: StreamID): number {
    const n = this.nodes;
    let lo = 0;
    let hi = n.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (n[mid]!.first <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? lo - 1 : 0;
  }

  /**
   * Visits live entries with start <= id <= end, in ID order or reversed, until fn returns
   * false. `fields` is flat [f, v, ...] and fresh for each entry; `text` is the ID as replies
   * show it (idText(id), made cheaply).
   */
  forEach(start: StreamID, end: StreamID, rev: boolean, fn: (id: StreamID, fields: string[], text: string) => boolean | void): void {
    this.scan(start, end, rev, null, fn);
  }

  /**
   * forEach for replies written straight from the packed bytes (XRANGE): fn gets the entry's
   * text, its field names (shared: not to be modified) and the node buffer holding its values,
   * whose [start, end) offsets were pushed onto `vals` just before (two per name, in order).
   */
  forEachPacked(start: StreamID, end: StreamID, rev: boolean, vals: number[], fn: (text: string, names: readonly string[], buf: Buffer) => boolean | void): void {
    let buf: Buffer | null = null;
    this.scan(start, end, rev, vals, (_id, names, text) => fn(text, names, buf!), (b) => (buf = b));
  }

  /** forEach's walk; with `vals`, in packed mode (decodeNode), telling `onNode` each node's buffer. */
  private scan(
    start: StreamID,
    end: StreamID,
    rev: boolean,
    vals: number[] | null,
    fn: (id: StreamID, fields: string[], text: string) => boolean | void,
    onNode?: (buf: Buffer) => void,
  ): void {
    if (start > end || this.length === 0) return;
    const nodes = this.nodes;
    if (!rev) {
      for (let i = this.nodeIndex(start); i < nodes.length; i++) {
        const node = nodes[i]!;
        if (node.first > end) return;
        if (node.last < start || node.live === 0) continue;
        onNode?.(node.buf);
        // A node wholly inside the range needs no comparison per entry (nor hex IDs when packed).
        const ok =
          node.first >= start && node.last <= end
            ? decodeNode(node, false, (_o, id, f, text) => fn(id, f, text), vals, vals === null)
            : decodeNode(node, false, (_o, id, f, text) => {
                if (id < start || id > end) {
                  if (vals !== null) vals.length -= 2 * f.length;
                  return id < start;
                }
                return fn(id, f, text);
              }, vals);
        if (!ok) return;
      }
    } else {
      for (let i = this.nodeIndex(end); i >= 0; i--) {
        const node = nodes[i]!;
        if (node.last < start) return;
        if (node.first > end || node.live === 0) continue;
        onNode?.(node.buf);
        const ids: StreamID[] = [];
        const fs: string[][] = [];
        const texts: string[] = [];
        // Packed: each entry's value offsets, and where they start in `own`.
        const own: number[] | null = vals === null ? null : [];
        const at: number[] = [];
        decodeNode(node, false, (_o, id, f, text) => {
          if (id > end) return false;
          if (id >= start) {
            ids.push(id);
            fs.push(f);
            texts.push(text);
            if (own !== null) at.push(own.length - 2 * f.length);
          } else if (own !== null) own.length -= 2 * f.length;
          return true;
        }, own);
        for (let j = ids.length - 1; j >= 0; j--) {
          if (own !== null) for (let k = at[j]!, e = k + 2 * fs[j]!.length; k < e; k++) vals!.push(own[k]!);
          if (fn(ids[j]!, fs[j]!, texts[j]!) === false) return;
        }
      }
    }
  }

  /** The entry's fields, or undefined when there is no live entry with that ID. */
  get(id: StreamID): string[] | undefined {
    let r: string[] | undefined;
    this.forEach(id, id, false, (_id, f) => {
      r = f;
      return false;
    });
    return r;
  }

  /** Marks an entry deleted (XDEL); false when absent. Does not touch maxDeletedId. */
  delete(id: StreamID): boolean {
    if (this.length === 0) return false;
    const i = this.nodeIndex(id);
    const node = this.nodes[i]!;
    if (node.first > id || node.last < id) return false;
    let found = false;
    decodeNode(node, false, (off, eid) => {
      if (eid < id) return true;
      if (eid === id) {
        node.buf[off]! |= F_DELETED;
        found = true;
      }
      return false;
    });
    if (!found) return false;
    node.live--;
    this.length--;
    if (node.live === 0) this.removeNode(i);
    return true;
  }

  private removeNode(i: number): void {
    const node = this.nodes[i]!;
    this.nodes.splice(i, 1);
    this.nodeBytes -= NODE_OVERHEAD + node.len;
    this.length -= node.live;
  }

  /**
   * Trims from the oldest entry (XTRIM, XADD's MAXLEN / MINID): MAXLEN keeps at most `threshold`
   * entries (a number), MINID drops entries below `threshold` (an ID). `approx` only removes
   * whole nodes; `limit` > 0 caps the entries removed (approx only). Returns the entries removed.
   */
  trim(strategy: 'maxlen' | 'minid', threshold: number | StreamID, approx: boolean, limit: number): number {
    let removed = 0;
    const nodes = this.nodes;
    while (nodes.length > 0) {
      if (strategy === 'maxlen' && this.length <= (threshold as number)) break;
      const node = nodes[0]!;
      if (limit > 0 && removed + node.total > limit) break;
      // Whole node removable?
      const whole =
        strategy === 'maxlen' ? this.length - node.live >= (threshold as number) : node.last < (threshold as StreamID);
      if (whole) {
        removed += node.live;
        this.removeNode(0);
        continue;
      }
      if (approx) break;
      // Exact: mark entries deleted one by one.
      decodeNode(node, false, (off, id) => {
        if (strategy === 'maxlen' ? this.length <= (threshold as number) : id >= (threshold as StreamID)) return false;
        node.buf[off]! |= F_DELETED;
        node.live--;
        this.length--;
        removed++;
        return true;
      });
      if (node.live === 0) this.removeNode(0);
      break;
    }
    return removed;
  }

  /**
   * As Redis counts it: one per node, and per group one plus the first group's (name order)
   * pending entries.
   */
  freeEffort(): number {
    let n = this.nodes.length;
    if (this.groups.size > 0) n += this.groups.size * (1 + this.sortedGroups()[0]!.pel.size);
    return n;
  }

  /** An independent deep copy (COPY). */
  copy(): StreamValue {
    const s = new StreamValue();
    for (const n of this.nodes) {
      const m = new StreamNode(n.first, n.ms, n.fields, Buffer.allocUnsafeSlow(n.len));
      n.buf.copy(m.buf, 0, 0, n.len);
      m.last = n.last;
      m.len = n.len;
      m.live = n.live;
      m.total = n.total;
      s.nodes.push(m);
    }
    s.nodeBytes = this.nodeBytes;
    s.length = this.length;
    s.lastId = this.lastId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    for (const g of this.groups.values()) {
      const pel: { id: StreamID; consumer: string; deliveryTime: number; deliveryCount: number }[] = [];
      g.pel.forEach(MIN_ID, MAX_ID, (e) => {
        pel.push({ id: e.id, consumer: e.consumer.name, deliveryTime: e.deliveryTime, deliveryCount: e.deliveryCount });
      });
      s.addGroup({ name: g.name, lastId: g.lastId, entriesRead: g.entriesRead, pel, consumers: g.consumers.values() });
    }
    return s;
  }

  /** Builds a stream from its parts (RDB loading, RESTORE). */
  static fromParts(p: StreamParts, lim: StreamNodeLimits): StreamValue {
    const s = new StreamValue();
    for (const [id, fields] of p.entries) s.append(id, fields, lim);
    s.lastId = p.lastId;
    s.maxDeletedId = p.maxDeletedId;
    s.entriesAdded = p.entriesAdded;
    for (const g of p.groups) s.addGroup(g);
    return s;
  }

  /** Adds a group with its consumers and pending entries (a consumer named by an entry only is created). */
  private addGroup(g: StreamGroupParts): void {
    const ng = new StreamGroup(g.name, g.lastId, g.entriesRead);
    for (const c of g.consumers) ng.consumers.set(c.name, new StreamConsumer(c.name, c.seenTime));
    for (const e of g.pel) {
      let owner = ng.consumers.get(e.consumer);
      if (owner === undefined) ng.consumers.set(e.consumer, (owner = new StreamConsumer(e.consumer, e.deliveryTime)));
      const ne: PendingEntry = { id: e.id, consumer: owner, deliveryTime: e.deliveryTime, deliveryCount: e.deliveryCount };
      ng.pel.set(e.id, ne);
      owner.pel.set(e.id, ne);
    }
    this.groups.set(g.name, ng);
  }
}

/** True when `n` fits the small-number path (exported for tests). */
export function isSafePart(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n < SAFE;
}

/**
 * The logical read counter (entries-read) of `id` in `s` as Redis 7.0 estimates it, or
 * INVALID_ENTRIES_READ when it cannot be known (groups created without ENTRIESREAD, groups
 * loaded from the older RDB stream type, lag).
 */
export function estimateEntriesRead(s: StreamValue, id: StreamID): number {
  if (s.entriesAdded === 0) return 0;
  if (s.length === 0 && id <= s.lastId) return s.entriesAdded;
  if (id === s.lastId) return s.entriesAdded;
  if (id > s.lastId) return INVALID_ENTRIES_READ;
  const first = s.firstId();
  if (s.maxDeletedId === MIN_ID || s.maxDeletedId < first) {
    if (id < first) return s.entriesAdded - s.length;
    if (id === first) return s.entriesAdded - s.length + 1;
  }
  return INVALID_ENTRIES_READ;
}

/**
 * The live entries of `s` in ID order, `size` at a time: writers of a large stream (RDB, DUMP,
 * the AOF rewrite) yield between chunks and never hold more than one chunk of entries.
 */
export function* entryChunks(s: StreamValue, size: number): Generator<[StreamID, string[]][], void, void> {
  let from: StreamID | null = MIN_ID;
  while (from !== null) {
    const chunk: [StreamID, string[]][] = [];
    s.forEach(from, MAX_ID, false, (id, fields) => {
      chunk.push([id, fields]);
      return chunk.length < size;
    });
    if (chunk.length === 0) return;
    yield chunk;
    if (chunk.length < size) return;
    from = idIncr(chunk[chunk.length - 1]![0]);
  }
}
