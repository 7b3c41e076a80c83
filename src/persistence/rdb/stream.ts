// Streams in RDB form, as Redis 7.0.15 writes them (STREAM_LISTPACKS_2) and reads them (also the
// older STREAM_LISTPACKS of Redis 5 and 6):
//   node count, then per node: its master ID (16 bytes: ms then seq, big-endian) as a string and
//     its entries as a listpack string (below);
//   length, last ID (ms, seq);
//   [_2 only] first ID (ms, seq), max deleted ID (ms, seq), entries added;
//   group count, then per group: name, last delivered ID (ms, seq), [_2 only] entries read,
//     its pending entries (count, then per entry: the ID as 16 raw bytes, the delivery time as
//     8 bytes little-endian ms, the delivery count), its consumers (count, then per consumer:
//     name, seen time as 8 bytes little-endian ms, its pending IDs (count, 16 raw bytes each)).
// IDs and counts are RDB lengths (up to 64 bits).
//
// A node's listpack: the master entry (live count, deleted count, master field count, the master
// fields, 0), then per entry: flags (1 deleted, 2 same fields as the master), ms - master ms,
// seq - master seq (64-bit signed), then either the values alone (same fields) or the field
// count and field, value pairs, and last the entry's own element count (lp-count) so the
// listpack can be walked backwards. Redoubt writes live entries only, in nodes cut as Redis cuts
// them (stream-node-max-entries entries, stream-node-max-bytes bytes).
import { Buffer } from 'node:buffer';
import {
  INVALID_ENTRIES_READ,
  MAX_ID,
  MIN_ID,
  StreamValue,
  entryChunks,
  estimateEntriesRead,
  idMs,
  idSeq,
  makeId,
  type StreamID,
  type StreamNodeLimits,
} from '../../store/types/stream.js';
import { ListpackBuilder, decodeListpack } from './listpack.js';
import { RdbError, type RdbReader } from './reader.js';
import type { RdbWriter } from './writer.js';

const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;
/** Redis's STREAM_LISTPACK_MAX_SIZE: the node byte limit when stream-node-max-bytes is 0 or above it. */
const LISTPACK_MAX_SIZE = 1 << 30;
/** Entries written between two yields. */
const STEP = 1024;

const U64 = 2n ** 64n;
const I63 = 2n ** 63n;

/** a - b as a 64-bit signed difference (wrapping as unsigned subtraction cast to int64 does). */
function diff64(a: bigint, b: bigint): string {
  let d = (a - b) % U64;
  if (d < 0n) d += U64;
  if (d >= I63) d -= U64;
  return d.toString();
}

/** master + d (64-bit signed), wrapped to an unsigned 64-bit part. */
function add64(master: bigint, d: string): bigint {
  let v = (master + BigInt(d)) % U64;
  if (v < 0n) v += U64;
  return v;
}

/** The 16 bytes of an ID: ms then seq, big-endian (the node key and raw PEL IDs). */
function idBytes(id: StreamID): Buffer {
  return Buffer.from(id, 'hex');
}

function idFromBytes(b: Buffer): StreamID {
  return b.toString('hex');
}

function writeId(w: RdbWriter, id: StreamID): void {
  w.lenBig(idMs(id));
  w.lenBig(idSeq(id));
}

function readId(r: RdbReader): StreamID {
  const ms = r.lenBig();
  return makeId(ms, r.lenBig());
}

/** An entry's listpack elements in a node with master ID ms-seq and master field names `names`. */
function entryElements(ms: bigint, seq: bigint, names: readonly string[], id: StreamID, fields: readonly string[]): string[] {
  const nf = fields.length >> 1;
  let same = nf === names.length;
  for (let i = 0; same && i < nf; i++) same = fields[i * 2] === names[i];
  const out: string[] = [String(same ? FLAG_SAMEFIELDS : 0), diff64(idMs(id), ms), diff64(idSeq(id), seq)];
  if (same) {
    for (let i = 1; i < fields.length; i += 2) out.push(fields[i]!);
  } else {
    out.push(String(nf));
    for (const f of fields) out.push(f);
  }
  out.push(String(same ? nf + 3 : nf * 2 + 4));
  return out;
}

/** Writes a stream's body (after the type byte), yielding every STEP entries. */
export function* writeStream(w: RdbWriter, s: StreamValue, lim: StreamNodeLimits, compress: boolean): Generator<void, void, void> {
  const maxBytes = lim.maxBytes === 0 || lim.maxBytes > LISTPACK_MAX_SIZE ? LISTPACK_MAX_SIZE : lim.maxBytes;
  // The node count comes before the nodes: each node's listpack is built as soon as the node is
  // cut (as Redis cuts it: when an entry's field and value bytes would take it to the byte limit,
  // or it has the entry limit), so only finished listpacks and one open node are held.
  const nodes: { master: StreamID; lp: Buffer }[] = [];
  let cur: { master: StreamID; ms: bigint; seq: bigint; names: string[]; entries: string[][]; bytes: number } | null = null;
  const cut = (): void => {
    if (cur === null) return;
    const lp = new ListpackBuilder(Math.min(cur.bytes + 64, 1 << 20));
    lp.append(String(cur.entries.length));
    lp.append('0');
    lp.append(String(cur.names.length));
    for (const f of cur.names) lp.append(f);
    lp.append('0');
    for (const els of cur.entries) for (const e of els) lp.append(e);
    nodes.push({ master: cur.master, lp: lp.finish() });
    cur = null;
  };
  for (const chunk of entryChunks(s, STEP)) {
    for (const [id, fields] of chunk) {
      let size = 0;
      for (const f of fields) size += f.length;
      if (cur !== null && (cur.bytes + size >= maxBytes || (lim.maxEntries > 0 && cur.entries.length >= lim.maxEntries))) cut();
      if (cur === null) {
        const names: string[] = [];
        for (let i = 0; i < fields.length; i += 2) names.push(fields[i]!);
        cur = { master: id, ms: idMs(id), seq: idSeq(id), names, entries: [], bytes: 16 };
        for (const n of names) cur.bytes += n.length + 2;
      }
      const els = entryElements(cur.ms, cur.seq, cur.names, id, fields);
      cur.entries.push(els);
      for (const e of els) cur.bytes += e.length + 2;
    }
    yield;
  }
  cut();
  w.len(nodes.length);
  for (const n of nodes) {
    w.blob(idBytes(n.master), false);
    w.blob(n.lp, compress);
    yield;
  }
  w.len(s.length);
  writeId(w, s.lastId);
  writeId(w, s.length === 0 ? MIN_ID : s.firstId());
  writeId(w, s.maxDeletedId);
  w.len(s.entriesAdded);
  const groups = s.sortedGroups();
  w.len(groups.length);
  for (const g of groups) {
    w.string(g.name, compress);
    writeId(w, g.lastId);
    w.lenBig(g.entriesRead === INVALID_ENTRIES_READ ? U64 - 1n : BigInt(g.entriesRead));
    w.len(g.pel.size);
    g.pel.forEach(MIN_ID, MAX_ID, (e) => {
      w.bytes(idBytes(e.id));
      w.u64le(BigInt(e.deliveryTime));
      w.len(e.deliveryCount);
    });
    const consumers = g.sortedConsumers();
    w.len(consumers.length);
    for (const c of consumers) {
      w.string(c.name, compress);
      w.u64le(BigInt(c.seenTime));
      w.len(c.pel.size);
      c.pel.forEach(MIN_ID, MAX_ID, (e) => {
        w.bytes(idBytes(e.id));
      });
    }
    yield;
  }
}

/**
 * Reads a stream's body (STREAM_LISTPACKS or STREAM_LISTPACKS_2), checking it as Redis does when
 * it sanitizes payloads: node keys, listpack structure, master entries, entry layout and order,
 * counts, PEL and consumer references.
 */
export function readStream(r: RdbReader, v2: boolean, lim: StreamNodeLimits): StreamValue {
  const entries: [StreamID, string[]][] = [];
  const nodeCount = r.count(2, 'stream node');
  let prev = null as StreamID | null;
  for (let n = 0; n < nodeCount; n++) {
    const keyAt = r.pos;
    const key = r.stringBytes();
    if (key.length !== 16) throw new RdbError('stream node key is not 16 bytes', keyAt);
    const lpAt = r.pos;
    const lp = r.stringBytes();
    const els = decodeListpack(lp, lpAt);
    if (els.length === 0) throw new RdbError('empty listpack inside stream', lpAt);
    const master = idFromBytes(key);
    if (prev !== null && master <= prev) throw new RdbError('stream nodes out of order', keyAt);
    readNode(els, master, lpAt, (id, fields) => {
      if (prev !== null && id <= prev) throw new RdbError('stream entries out of order', lpAt);
      prev = id;
      entries.push([id, fields]);
    });
  }
  const length = r.len();
  if (length !== entries.length) throw new RdbError(`stream length ${length} does not match its ${entries.length} entries`, r.pos);
  const lastId = readId(r);
  if (prev !== null && lastId < prev) throw new RdbError('stream last ID below its last entry', r.pos);
  let maxDeletedId = MIN_ID;
  let entriesAdded = length;
  if (v2) {
    readId(r); // the first entry's ID, recomputed from the entries
    maxDeletedId = readId(r);
    entriesAdded = r.len();
  }
  const groupCount = r.count(4, 'stream group');
  const names = new Set<string>();
  const byGroup: { name: string; lastId: StreamID; entriesRead: number | null; pel: { id: StreamID; consumer: string; deliveryTime: number; deliveryCount: number }[]; consumers: { name: string; seenTime: number }[] }[] = [];
  for (let g = 0; g < groupCount; g++) {
    const at = r.pos;
    const name = r.string();
    if (names.has(name)) throw new RdbError(`duplicate stream group '${name}'`, at);
    names.add(name);
    const gLast = readId(r);
    let entriesRead: number | null = null;
    if (v2) {
      const e = r.lenBig();
      entriesRead = e === U64 - 1n ? INVALID_ENTRIES_READ : Number(e);
    }
    const pelCount = r.count(17, 'pending entry');
    const pel = new Map<StreamID, { id: StreamID; consumer: string; deliveryTime: number; deliveryCount: number }>();
    for (let i = 0; i < pelCount; i++) {
      const idAt = r.pos;
      const id = idFromBytes(r.bytes(16, 'pending entry ID'));
      const deliveryTime = Number(r.bytes(8, 'delivery time').readBigUInt64LE(0));
      const deliveryCount = r.len();
      if (pel.has(id)) throw new RdbError('duplicate pending entry', idAt);
      pel.set(id, { id, consumer: '', deliveryTime, deliveryCount });
    }
    const consumerCount = r.count(10, 'consumer');
    const consumers: { name: string; seenTime: number }[] = [];
    const cNames = new Set<string>();
    for (let c = 0; c < consumerCount; c++) {
      const cAt = r.pos;
      const cname = r.string();
      if (cNames.has(cname)) throw new RdbError(`duplicate consumer '${cname}'`, cAt);
      cNames.add(cname);
      const seenTime = Number(r.bytes(8, 'seen time').readBigUInt64LE(0));
      consumers.push({ name: cname, seenTime });
      const n = r.count(16, 'consumer pending entry');
      for (let i = 0; i < n; i++) {
        const idAt = r.pos;
        const id = idFromBytes(r.bytes(16, 'consumer pending ID'));
        const e = pel.get(id);
        if (e === undefined) throw new RdbError('consumer pending entry not in the group', idAt);
        if (e.consumer !== '') throw new RdbError('pending entry owned by two consumers', idAt);
        e.consumer = cname;
      }
    }
    for (const e of pel.values()) if (e.consumer === '') throw new RdbError('pending entry without a consumer', at);
    byGroup.push({ name, lastId: gLast, entriesRead, pel: [...pel.values()], consumers });
  }
  const groups = byGroup.map((g) => ({ ...g, entriesRead: g.entriesRead ?? INVALID_ENTRIES_READ }));
  const s = StreamValue.fromParts({ entries, lastId, maxDeletedId, entriesAdded, groups }, lim);
  // Groups read from the older format get entries-read as Redis 7.0 estimates it on loading,
  // from the stream itself (its entries and counters, not its groups).
  for (const g of byGroup) if (g.entriesRead === null) s.groups.get(g.name)!.entriesRead = estimateEntriesRead(s, g.lastId);
  return s;
}

/** Walks one node's listpack elements, calling fn for each live entry. */
function readNode(els: string[], master: StreamID, at: number, fn: (id: StreamID, fields: string[]) => void): void {
  const bad = (what: string): never => {
    throw new RdbError(`corrupt stream node: ${what}`, at);
  };
  let i = 0;
  const next = (): string => (i < els.length ? els[i++]! : bad('truncated'));
  const int = (): number => {
    const v = next();
    if (!/^-?\d+$/.test(v)) bad('integer expected');
    return Number(v);
  };
  const live = int();
  const deleted = int();
  const nf = int();
  if (live < 0 || deleted < 0 || nf < 0) bad('negative count');
  const masterFields: string[] = [];
  for (let k = 0; k < nf; k++) masterFields.push(next());
  if (next() !== '0') bad('master entry terminator');
  const ms = idMs(master);
  const seq = idSeq(master);
  let seenLive = 0;
  let seenDeleted = 0;
  while (i < els.length) {
    const start = i;
    const flags = int();
    const dms = next();
    const dseq = next();
    if (!/^-?\d+$/.test(dms) || !/^-?\d+$/.test(dseq)) bad('ID delta expected');
    const id = makeId(add64(ms, dms), add64(seq, dseq));
    const fields: string[] = [];
    if ((flags & FLAG_SAMEFIELDS) !== 0) {
      for (let k = 0; k < nf; k++) fields.push(masterFields[k]!, next());
    } else {
      const n = int();
      if (n < 0) bad('negative field count');
      for (let k = 0; k < n; k++) fields.push(next(), next());
    }
    const lpCount = int();
    if (lpCount !== i - start - 1) bad('entry element count');
    if ((flags & FLAG_DELETED) !== 0) {
      seenDeleted++;
      continue;
    }
    seenLive++;
    fn(id, fields);
  }
  if (seenLive !== live || seenDeleted !== deleted) bad('master entry counts do not match its entries');
  if (seenLive + seenDeleted === 0) bad('no entries');
}
