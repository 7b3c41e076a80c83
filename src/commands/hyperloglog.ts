// HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST, as redis-server 7.0.15 replies.
// A HyperLogLog is a string in Redis's own layout (store/hll.ts), so GET, DUMP and RDB files
// carry it unchanged. Values are latin1 strings in the Db and Buffers while being changed.
import { Buffer } from 'node:buffer';
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import { NOTIFY } from '../server/events.js';
import {
  HLL_DENSE,
  HLL_HDR_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  HllBuf,
  cachedCard,
  decodeSparse,
  denseGet,
  denseBytes,
  denseGetStr,
  denseSet,
  denseValue,
  emptyHll,
  hllCount,
  hllHash,
  hllMerge,
  hllSet,
  invalidateCache,
  isHllString,
  isLastDense,
  markChanged,
  rawCount,
  readHll,
  setCachedCard,
  sparseGetStr,
  sparseToDense,
} from '../store/hll.js';
import type { Value } from '../store/db.js';
import type { DataContext, HandlerMap } from './types.js';

const WRONGTYPE = err.wrongType();
const NOT_HLL = err.notHll();
const INVALID = err.invalidHll();

/** The HLL string of a looked-up value, or null after replying Redis's WRONGTYPE error. */
function hllOrReply(c: Client, v: Value): string | null {
  if (typeof v !== 'string') {
    c.out.error(WRONGTYPE);
    return null;
  }
  if (!isHllString(v)) {
    c.out.error(NOT_HLL);
    return null;
  }
  return v;
}

function sparseMax(server: DataContext): number {
  return server.config.num('hll-sparse-max-bytes');
}

/**
 * PFADD key [element ...]. Creates the key (sparse) when missing; 1 when a register changed or
 * the key was created. Each changed register counts one change (dirty), as Redis counts them.
 */
function pfadd(c: Client, argv: string[], server: DataContext): void {
  const db = c.db;
  const key = argv[1]!;
  const v = db.lookup(key);
  let s: string;
  let updated = 0;
  // The value PFADD made last is a dense HyperLogLog known valid: it is not read to check it
  // (it may be a string built of slices, which a read would copy whole).
  const last = typeof v === 'string' && isLastDense(v);
  if (v === undefined) {
    s = emptyHll();
    updated = 1;
  } else if (last) {
    s = v as string;
  } else {
    const h = hllOrReply(c, v);
    if (h === null) return;
    s = h;
  }
  let result: string | null = null;
  if (last || s.charCodeAt(4) === HLL_DENSE) {
    // Dense: registers read from the string until one changes, then read and changed in
    // denseBytes (store/hll.ts), whose new value costs no copy of the 12 KB.
    let b: Buffer | null = last ? denseBytes(s) : null;
    for (let j = 2; j < argv.length; j++) {
      const hv = hllHash(argv[j]!);
      const index = hv & (HLL_REGISTERS - 1);
      const count = hv >>> 14;
      const old = b === null ? denseGetStr(s, index) : denseGet(b, HLL_HDR_SIZE, index);
      if (count <= old) continue;
      b ??= denseBytes(s);
      denseSet(b, HLL_HDR_SIZE, index, count);
      markChanged(index);
      updated++;
    }
    if (updated > 0) result = denseValue();
  } else {
    // Sparse: read registers from the string too; copy it out at the first that grows.
    let h: HllBuf | null = null;
    let max = 0;
    let changed = updated > 0;
    for (let j = 2; j < argv.length; j++) {
      const hv = hllHash(argv[j]!);
      const index = hv & (HLL_REGISTERS - 1);
      const count = hv >>> 14;
      if (h === null) {
        if (count <= sparseGetStr(s, index)) continue;
        h = HllBuf.from(s);
        max = sparseMax(server);
      }
      const r = hllSet(h, index, count, max);
      if (r < 0) {
        // Redis changed the value in place up to the corrupt spot, unsignalled: so do we.
        if (changed) db.set(key, h.toString(), true);
        c.out.error(INVALID);
        return;
      }
      if (r > 0) {
        changed = true;
        updated++;
      }
    }
    if (updated > 0) {
      h ??= HllBuf.from(s);
      invalidateCache(h.b);
      result = h.toString();
    }
  }
  if (result !== null) {
    db.set(key, result, true);
    server.events.written(db, key, NOTIFY.string, 'pfadd', updated);
  }
  c.out.int(updated > 0 ? 1 : 0);
}

/**
 * PFCOUNT key [key ...]. One key: the cached cardinality, or the estimate, then cached in the
 * value (a change: WATCH sees it, it counts as dirty and is propagated, no keyspace event).
 * Several keys: the estimate of their union, nothing written.
 */
function pfcount(c: Client, argv: string[], server: DataContext): void {
  const db = c.db;
  if (argv.length > 2) {
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const v = db.lookupRead(argv[j]!);
      if (v === undefined) continue;
      const s = hllOrReply(c, v);
      if (s === null) return;
      if (!hllMerge(max, readHll(s), s.length)) {
        c.out.error(INVALID);
        return;
      }
    }
    c.out.int(rawCount(max));
    return;
  }
  const key = argv[1]!;
  const v = db.lookupRead(key);
  if (v === undefined) {
    c.out.int(0);
    return;
  }
  const s = hllOrReply(c, v);
  if (s === null) return;
  const cached = cachedCard(s);
  if (cached !== null) {
    c.out.intText(cached);
    return;
  }
  const b = readHll(s);
  const card = hllCount(b, s.length);
  if (card < 0) {
    c.out.error(INVALID);
    return;
  }
  setCachedCard(b, card);
  db.set(key, b.toString('latin1', 0, s.length), true);
  db.stats.dirty++;
  server.events.modified(db, key);
  c.out.int(card);
}

/**
 * PFMERGE destkey [sourcekey ...]: the register-wise maximum of every source (destkey included)
 * into destkey, dense when any source is dense. Its keyspace event is "pfadd", as Redis's.
 */
function pfmerge(c: Client, argv: string[], server: DataContext): void {
  const db = c.db;
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const v = db.lookupRead(argv[j]!);
    if (v === undefined) continue;
    const s = hllOrReply(c, v);
    if (s === null) return;
    if (s.charCodeAt(4) === HLL_DENSE) useDense = true;
    if (!hllMerge(max, readHll(s), s.length)) {
      c.out.error(INVALID);
      return;
    }
  }
  const key = argv[1]!;
  const dest = db.lookup(key);
  const h = HllBuf.from(typeof dest === 'string' ? dest : emptyHll());
  if (useDense && !sparseToDense(h)) {
    c.out.error(INVALID);
    return;
  }
  const limit = sparseMax(server);
  for (let j = 0; j < HLL_REGISTERS; j++) {
    if (max[j] !== 0) hllSet(h, j, max[j]!, limit);
  }
  invalidateCache(h.b);
  db.set(key, h.toString(), true);
  server.events.written(db, key, NOTIFY.string, 'pfadd');
  c.out.ok();
}

/**
 * PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. GETREG and TODENSE convert a sparse value to dense
 * (a change, counted dirty and so propagated, as Redis does).
 */
function pfdebug(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[2]!;
  const v = db.lookup(key);
  if (v === undefined) {
    c.out.error(err.pfdebugNoKey());
    return;
  }
  const s = hllOrReply(c, v);
  if (s === null) return;
  const sub = argv[1]!.toLowerCase();
  if (sub === 'getreg' || sub === 'todense') {
    const h = HllBuf.from(s);
    const wasSparse = h.encoding === HLL_SPARSE;
    if (wasSparse) {
      if (!sparseToDense(h)) {
        c.out.error(INVALID);
        return;
      }
      db.set(key, h.toString(), true);
      db.stats.dirty++;
    }
    if (sub === 'todense') {
      c.out.int(wasSparse ? 1 : 0);
      return;
    }
    c.out.array(HLL_REGISTERS);
    for (let i = 0; i < HLL_REGISTERS; i++) c.out.int(denseGet(h.b, HLL_HDR_SIZE, i));
  } else if (sub === 'decode') {
    if (s.charCodeAt(4) !== HLL_SPARSE) {
      c.out.error(err.hllNotSparse());
      return;
    }
    c.out.bulk(decodeSparse(readHll(s), s.length));
  } else if (sub === 'encoding') {
    c.out.simple(s.charCodeAt(4) === HLL_DENSE ? 'dense' : 'sparse');
  } else {
    c.out.error(err.pfdebugUnknown(argv[1]!));
  }
}

/**
 * PFSELFTEST: Redoubt's own checks of the representation: every register value round-trips in
 * the dense packing, sparse and dense values fed the same elements estimate the same, and the
 * estimate stays within a few standard errors of the true count up to 100,000 elements.
 */
function pfselftest(c: Client): void {
  const regs = Buffer.alloc(HLL_REGISTERS * 6 / 8 + HLL_HDR_SIZE);
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < HLL_REGISTERS; i++) denseSet(regs, HLL_HDR_SIZE, i, (i * 7 + round * 13) & 63);
    for (let i = 0; i < HLL_REGISTERS; i++) {
      if (denseGet(regs, HLL_HDR_SIZE, i) !== ((i * 7 + round * 13) & 63)) {
        c.out.error(err.hllTestFailed(`Register error at ${i}`));
        return;
      }
    }
  }
  const sparse = HllBuf.copy(emptyHll());
  const dense = HllBuf.copy(emptyHll());
  sparseToDense(dense);
  const relErr = 1.04 / Math.sqrt(HLL_REGISTERS);
  let check = 10;
  for (let n = 1; n <= 100000; n++) {
    const hv = hllHash(`selftest:${n}`);
    hllSet(sparse, hv & (HLL_REGISTERS - 1), hv >>> 14, 3000);
    hllSet(dense, hv & (HLL_REGISTERS - 1), hv >>> 14, 3000);
    if (n !== check) continue;
    check *= 10;
    const a = hllCount(sparse.b, sparse.n);
    const d = hllCount(dense.b, dense.n);
    if (a !== d) {
      c.out.error(err.hllTestFailed(`sparse and dense estimates differ at ${n}: ${a} and ${d}`));
      return;
    }
    const bound = Math.max(1, n * relErr * 5);
    if (Math.abs(d - n) > bound) {
      c.out.error(err.hllTestFailed(`Too big error. card:${n} estimate:${d}`));
      return;
    }
  }
  c.out.ok();
}

export const hyperloglogCommands: HandlerMap<DataContext> = {
  pfadd,
  pfcount,
  pfmerge,
  pfdebug,
  pfselftest,
};
