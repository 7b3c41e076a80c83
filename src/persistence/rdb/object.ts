// One value in RDB form (Redis 7.0.15, RDB version 10): the type byte and the body. Writes the
// encodings Redis 7.0 writes; reads every encoding Redis 7.0 loads except modules.
//
// Written:
//   string   STRING
//   list     QUICKLIST_2: nodes of listpacks, split as Redis's quicklist splits a list pushed
//            from the tail under list-max-listpack-size; an element at or above the packed
//            threshold (DEBUG QUICKLIST-PACKED-THRESHOLD) is a plain node of its own
//   set      INTSET while Redis keeps an intset (all integers, at most set-max-intset-entries),
//            else SET
//   hash     LISTPACK while Redis keeps a listpack (hash-max-listpack-*), else HASH
//   zset     LISTPACK while Redis keeps a listpack (zset-max-listpack-*), else ZSET_2 (members
//            from the highest score down, scores as binary doubles)
// Read, besides those: LIST (plain), ZIPLIST list, QUICKLIST of ziplists, QUICKLIST_2 plain
// nodes, ZIPMAP and ZIPLIST hashes, ZIPLIST zsets, ZSET with text scores.
//
// Loaded values take the encodings Redis would give them (listpack or not, intset or not), by
// the limits passed in. Redoubt checks every container completely (as Redis does with
// sanitize-dump-payload yes): duplicates, order, counts, sizes, NaN scores and empty values
// are refused.
import { Buffer } from 'node:buffer';
import type { Value } from '../../store/db.js';
import { HashValue } from '../../store/types/hash.js';
import { ListValue, QUICKLIST_PACKED_THRESHOLD } from '../../store/types/list.js';
import { SetValue } from '../../store/types/set.js';
import { ZSet } from '../../store/types/zset.js';
import { StreamValue } from '../../store/types/stream.js';
import { formatDouble } from '../../protocol/writer.js';
import { decodeIntset, encodeIntset } from './intset.js';
import { ListpackBuilder, decodeListpack, encodeListpack } from './listpack.js';
import { RdbError, RdbReader, parseDoubleText } from './reader.js';
import type { RdbWriter } from './writer.js';
import { decodeZiplist, decodeZipmap } from './ziplist.js';
import { readStream, writeStream } from './stream.js';

export const RDB_VERSION = 10;

export const RDB_TYPE = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
} as const;

/** Quicklist node containers (QUICKLIST_2). */
const QUICKLIST_NODE_PLAIN = 1;
const QUICKLIST_NODE_PACKED = 2;

/** True for the type bytes that start a value (Redis 7.0's rdbIsObjectType). */
export function isObjectType(t: number): boolean {
  return (t >= 0 && t <= 7) || (t >= 9 && t <= 19);
}

export interface WriteOptions {
  /** rdbcompression: LZF for strings (and blobs) over 20 bytes. */
  compress: boolean;
  /** list-max-listpack-size: how many elements (> 0) or bytes (-1..-5) per quicklist node. */
  listMaxListpackSize: number;
  /**
   * Elements this long or longer are written as plain quicklist nodes (one element, stored as a
   * string) rather than inside a listpack. QUICKLIST_PACKED_THRESHOLD when absent.
   */
  listPackedThreshold?: number;
  /** stream-node-max-entries / stream-node-max-bytes: how streams are cut into nodes (100 / 4096 when absent). */
  streamNodeMaxEntries?: number;
  streamNodeMaxBytes?: number;
}


export interface LoadLimits {
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  setMaxIntsetEntries: number;
  /** stream-node-max-entries / stream-node-max-bytes: the nodes a loaded stream is kept in. */
  streamNodeMaxEntries: number;
  streamNodeMaxBytes: number;
  /** list-max-listpack-size: the nodes a loaded list is kept in (default -2). */
  listMaxListpackSize?: number;
  /** list-compress-depth: how many nodes at each end of a loaded list stay uncompressed (0: all). */
  listCompressDepth?: number;
}

/** The type byte Redis writes for a value (rdbSaveObjectType). */
export function objectType(v: Value): number {
  if (typeof v === 'string') return RDB_TYPE.STRING;
  if (v instanceof ListValue) return RDB_TYPE.LIST_QUICKLIST_2;
  if (v instanceof SetValue) return v.intset ? RDB_TYPE.SET_INTSET : RDB_TYPE.SET;
  if (v instanceof HashValue) return v.listpack ? RDB_TYPE.HASH_LISTPACK : RDB_TYPE.HASH;
  if (v instanceof ZSet) return v.listpack ? RDB_TYPE.ZSET_LISTPACK : RDB_TYPE.ZSET_2;
  if (v instanceof StreamValue) return RDB_TYPE.STREAM_LISTPACKS_2;
  throw new Error(`no RDB encoding for a ${v.type} value`);
}

/** How many elements a value holds (1 for a string). */
export function elementCount(v: Value): number {
  if (typeof v === 'string') return 1;
  if (v instanceof ListValue) return v.length;
  if (v instanceof SetValue || v instanceof HashValue || v instanceof ZSet) return v.size;
  if (v instanceof StreamValue) return v.length;
  return 1;
}

/** Writes the type byte and the value (rdbSaveObjectType + rdbSaveObject). */
export function writeObject(w: RdbWriter, v: Value, opts: WriteOptions): void {
  w.byte(objectType(v));
  writeValue(w, v, opts);
}

/** Writes the value without its type byte (an RDB file puts the key in between). */
export function writeValue(w: RdbWriter, v: Value, opts: WriteOptions): void {
  const steps = writeValueSteps(w, v, opts);
  while (steps.next().done !== true);
}

/** Elements written between two yields of writeValueSteps. */
export const STEP_ELEMENTS = 1024;

/**
 * writeValue in steps: yields after every STEP_ELEMENTS elements, so that a large value can be
 * written across event-loop turns (a point-in-time snapshot keeps the value unchanged meanwhile).
 */
export function* writeValueSteps(w: RdbWriter, v: Value, opts: WriteOptions): Generator<void, void, void> {
  const type = objectType(v);
  const z = opts.compress;
  if (typeof v === 'string') {
    w.string(v, z);
  } else if (v instanceof ListValue) {
    yield* writeQuicklist(w, v, opts);
  } else if (v instanceof SetValue) {
    if (type === RDB_TYPE.SET_INTSET) {
      w.blob(encodeIntset(v.ordered()), z);
    } else {
      w.len(v.size);
      let i = 0;
      for (const m of v.members()) {
        w.string(m, z);
        if (++i % STEP_ELEMENTS === 0) yield;
      }
    }
  } else if (v instanceof HashValue) {
    if (type === RDB_TYPE.HASH_LISTPACK) {
      w.blob(encodeListpack(v.pairs()), z);
    } else {
      w.len(v.size);
      let i = 0;
      for (const [f, value] of v.entries()) {
        w.string(f, z);
        w.string(value, z);
        if (++i % STEP_ELEMENTS === 0) yield;
      }
    }
  } else if (v instanceof ZSet) {
    if (type === RDB_TYPE.ZSET_LISTPACK) {
      w.blob(zsetListpack(v), z);
    } else {
      // Highest first, so that a loader inserting in order always inserts at the head.
      w.len(v.size);
      let i = 0;
      for (const [member, score] of v.tree.descending()) {
        w.string(member, z);
        w.binaryDouble(score);
        if (++i % STEP_ELEMENTS === 0) yield;
      }
    }
  } else if (v instanceof StreamValue) {
    yield* writeStream(w, v, { maxEntries: opts.streamNodeMaxEntries ?? 100, maxBytes: opts.streamNodeMaxBytes ?? 4096 }, z);
  }
}

/** A small sorted set as the listpack Redis keeps it in: member, score, ... by rank. */
export function zsetListpack(z: ZSet): Buffer {
  const [members, scores] = z.tree.toArrays();
  const lp = new ListpackBuilder();
  for (let i = 0; i < members.length; i++) {
    lp.append(members[i]!);
    lp.append(scoreText(scores[i]!));
  }
  return lp.finish();
}

/** A score as a listpack zset holds it: integers (below 2^52) plainly, else "%.17g". */
function scoreText(d: number): string {
  if (Number.isInteger(d) && d > -4503599627370495 && d < 4503599627370496) return String(d);
  return formatDouble(d);
}

/** Redis's optimization_level: node byte limits for list-max-listpack-size -1..-5. */
const NODE_BYTES = [4096, 8192, 16384, 32768, 65536];
/** The byte limit a node never passes whatever the count fill (SIZE_SAFETY_LIMIT). */
const SIZE_SAFETY_LIMIT = 8192;
/** What Redis adds to an element's length when estimating the node's growth. */
const SIZE_ESTIMATE_OVERHEAD = 8;

/** One quicklist node as written: a listpack (packed) or a single element (plain). */
export type QuicklistNode = { plain: false; listpack: Buffer; count: number } | { plain: true; element: string };

/**
 * A list as quicklist nodes, split as quicklistPushTail splits a list built from the tail: an
 * element at or above the packed threshold becomes a plain node of its own (and no element joins
 * a plain node); any other element joins the last listpack node while the node's size plus the
 * element's length plus 8 stays within the byte limit (negative fill), or the node has fewer than
 * `fill` elements and stays within 8 KB (positive fill).
 */
export function quicklistNodes(list: ListValue, opts: WriteOptions): QuicklistNode[] {
  const nodes: QuicklistNode[] = [];
  const steps = buildQuicklistNodes(list, opts, nodes);
  while (steps.next().done !== true);
  return nodes;
}

/** quicklistNodes in steps (a yield every STEP_ELEMENTS elements), into `nodes`. */
function* buildQuicklistNodes(list: ListValue, opts: WriteOptions, nodes: QuicklistNode[]): Generator<void, void, void> {
  const fill = Math.max(-5, Math.min(32767, opts.listMaxListpackSize));
  const threshold = opts.listPackedThreshold ?? QUICKLIST_PACKED_THRESHOLD;
  let cur: ListpackBuilder | null = null;
  const n = list.length;
  for (let i = 0; i < n; i++) {
    const s = list.at(i);
    const plain = s.length >= threshold;
    let fits = false;
    if (cur !== null && !plain) {
      const next = cur.bytes + s.length + SIZE_ESTIMATE_OVERHEAD;
      if (fill < 0) fits = next <= NODE_BYTES[-fill - 1]!;
      else fits = next <= SIZE_SAFETY_LIMIT && cur.count < fill;
    }
    if (!fits && cur !== null) {
      nodes.push({ plain: false, count: cur.count, listpack: cur.finish() });
      cur = null;
    }
    if (i % STEP_ELEMENTS === STEP_ELEMENTS - 1) yield;
    if (plain) {
      nodes.push({ plain: true, element: s });
      continue;
    }
    cur ??= new ListpackBuilder();
    cur.append(s);
  }
  if (cur !== null) nodes.push({ plain: false, count: cur.count, listpack: cur.finish() });
}

function* writeQuicklist(w: RdbWriter, list: ListValue, opts: WriteOptions): Generator<void, void, void> {
  const nodes: QuicklistNode[] = [];
  yield* buildQuicklistNodes(list, opts, nodes);
  w.len(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    if (node.plain) {
      w.len(QUICKLIST_NODE_PLAIN);
      w.string(node.element, opts.compress);
    } else {
      w.len(QUICKLIST_NODE_PACKED);
      w.blob(node.listpack, opts.compress);
    }
    if (i % 64 === 63) yield;
  }
}

// ---------------------------------------------------------------------------------------------
// Loading

/** Reads the type byte; throws when it does not start a value. */
export function readObjectType(r: RdbReader): number {
  const at = r.pos;
  const t = r.byte();
  if (!isObjectType(t)) r.fail(`unknown value type ${t}`, at);
  return t;
}

/** An RDB string that holds a container (listpack, ziplist, intset), with its payload offset. */
function blob(r: RdbReader): { b: Buffer; at: number } {
  const at = r.pos;
  return { b: r.stringBytes(), at };
}

function empty(at: number): never {
  throw new RdbError('empty value', at);
}

/** Reads a value of the given type (rdbLoadObject). */
export function readObject(r: RdbReader, type: number, lim: LoadLimits): Value {
  const start = r.pos;
  switch (type) {
    case RDB_TYPE.STRING:
      return r.string();

    case RDB_TYPE.LIST: {
      const n = r.count(1, 'list');
      if (n === 0) empty(start);
      const l = new ListValue(lim.listMaxListpackSize, lim.listCompressDepth);
      for (let i = 0; i < n; i++) l.pushTail(r.string());
      return l;
    }

    case RDB_TYPE.LIST_ZIPLIST: {
      const { b, at } = blob(r);
      const items = decodeZiplist(b, at);
      if (items.length === 0) empty(at);
      return ListValue.from(items, lim.listMaxListpackSize, lim.listCompressDepth);
    }

    case RDB_TYPE.LIST_QUICKLIST:
    case RDB_TYPE.LIST_QUICKLIST_2: {
      const nodes = r.count(1, 'quicklist node');
      if (nodes === 0) empty(start);
      const l = new ListValue(lim.listMaxListpackSize, lim.listCompressDepth);
      for (let i = 0; i < nodes; i++) {
        let container = QUICKLIST_NODE_PACKED;
        if (type === RDB_TYPE.LIST_QUICKLIST_2) {
          const cat = r.pos;
          container = r.len();
          if (container !== QUICKLIST_NODE_PACKED && container !== QUICKLIST_NODE_PLAIN) r.fail(`invalid quicklist node container ${container}`, cat);
        }
        if (container === QUICKLIST_NODE_PLAIN) {
          l.pushTail(r.string());
          continue;
        }
        const { b, at } = blob(r);
        // Empty nodes are skipped, as Redis does; a list left empty is refused below.
        for (const s of type === RDB_TYPE.LIST_QUICKLIST_2 ? decodeListpack(b, at) : decodeZiplist(b, at)) l.pushTail(s);
      }
      if (l.length === 0) empty(start);
      return l;
    }

    case RDB_TYPE.SET: {
      const n = r.count(1, 'set');
      if (n === 0) empty(start);
      const s = new SetValue();
      for (let i = 0; i < n; i++) {
        const at = r.pos;
        if (!s.add(r.string(), lim.setMaxIntsetEntries)) r.fail('duplicate set member', at);
      }
      return s;
    }

    case RDB_TYPE.SET_INTSET: {
      const { b, at } = blob(r);
      const members = decodeIntset(b, at);
      if (members.length === 0) empty(at);
      const s = new SetValue();
      for (const m of members) s.add(m, lim.setMaxIntsetEntries);
      return s;
    }

    case RDB_TYPE.HASH: {
      const n = r.count(2, 'hash');
      if (n === 0) empty(start);
      const h = new HashValue();
      const hl = { entries: lim.hashMaxListpackEntries, value: lim.hashMaxListpackValue };
      for (let i = 0; i < n; i++) {
        const at = r.pos;
        const f = r.string();
        if (!h.set(f, r.string(), hl)) r.fail('duplicate hash field', at);
      }
      return h;
    }

    case RDB_TYPE.HASH_ZIPMAP:
    case RDB_TYPE.HASH_ZIPLIST:
    case RDB_TYPE.HASH_LISTPACK: {
      const { b, at } = blob(r);
      const items = type === RDB_TYPE.HASH_ZIPMAP ? decodeZipmap(b, at) : type === RDB_TYPE.HASH_ZIPLIST ? decodeZiplist(b, at) : decodeListpack(b, at);
      if (items.length === 0) empty(at);
      if (items.length % 2 !== 0) r.fail('hash with an odd number of elements', at);
      const h = new HashValue();
      let maxLen = 0;
      for (let i = 0; i < items.length; i += 2) {
        const f = items[i]!;
        const v = items[i + 1]!;
        if (!h.set(f, v, null)) r.fail('duplicate hash field', at);
        maxLen = Math.max(maxLen, f.length, v.length);
      }
      // Redis converts a loaded listpack by its count only; a zipmap by its lengths too.
      h.listpack = h.size <= lim.hashMaxListpackEntries && (type !== RDB_TYPE.HASH_ZIPMAP || maxLen <= lim.hashMaxListpackValue);
      return h;
    }

    case RDB_TYPE.ZSET:
    case RDB_TYPE.ZSET_2: {
      const n = r.count(type === RDB_TYPE.ZSET_2 ? 9 : 2, 'zset');
      if (n === 0) empty(start);
      const members: string[] = new Array<string>(n);
      const scores: number[] = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        members[i] = r.string();
        const at = r.pos;
        const d = type === RDB_TYPE.ZSET_2 ? r.binaryDouble() : r.textDouble();
        if (Number.isNaN(d)) r.fail('NaN score', at);
        scores[i] = d;
      }
      let maxLen = 0;
      for (const m of members) if (m.length > maxLen) maxLen = m.length;
      return buildZset(r, start, members, scores, n <= lim.zsetMaxListpackEntries && maxLen <= lim.zsetMaxListpackValue);
    }

    case RDB_TYPE.ZSET_ZIPLIST:
    case RDB_TYPE.ZSET_LISTPACK: {
      const { b, at } = blob(r);
      const items = type === RDB_TYPE.ZSET_ZIPLIST ? decodeZiplist(b, at) : decodeListpack(b, at);
      if (items.length === 0) empty(at);
      if (items.length % 2 !== 0) r.fail('zset with an odd number of elements', at);
      const n = items.length / 2;
      const members: string[] = new Array<string>(n);
      const scores: number[] = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        members[i] = items[2 * i]!;
        const d = parseDoubleText(items[2 * i + 1]!);
        if (d === null || Number.isNaN(d)) r.fail('invalid zset score', at);
        scores[i] = d;
      }
      return buildZset(r, at, members, scores, n <= lim.zsetMaxListpackEntries);
    }

    case RDB_TYPE.STREAM_LISTPACKS:
    case RDB_TYPE.STREAM_LISTPACKS_2:
      return readStream(r, type === RDB_TYPE.STREAM_LISTPACKS_2, { maxEntries: lim.streamNodeMaxEntries, maxBytes: lim.streamNodeMaxBytes });

    default:
      // Module values (and anything else): Redoubt has no modules.
      return r.fail(`unsupported value type ${type}`, start - 1);
  }
}

/** A sorted set from members and scores in any order; refuses duplicate members. */
function buildZset(r: RdbReader, at: number, members: string[], scores: number[], listpack: boolean): ZSet {
  const n = members.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    const sa = scores[a]!;
    const sb = scores[b]!;
    if (sa !== sb) return sa < sb ? -1 : 1;
    const ma = members[a]!;
    const mb = members[b]!;
    return ma < mb ? -1 : ma > mb ? 1 : 0;
  });
  const seen = new Set<string>();
  const ms: string[] = new Array<string>(n);
  const ss: number[] = new Array<number>(n);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const m = members[i]!;
    if (seen.has(m)) r.fail('duplicate zset member', at);
    seen.add(m);
    ms[k] = m;
    ss[k] = scores[i]!;
  }
  return ZSet.fromSorted(ms, ss, listpack);
}
