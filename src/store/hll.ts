// HyperLogLog values as Redis 7.0.15 stores them, byte for byte. A HyperLogLog is a string:
//
//   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | 8-byte cached cardinality
//
// (little-endian; its top bit set means the cache is stale), then the registers: 16384 registers
// of 6 bits each. Dense: packed least significant bit first, 12288 bytes. Sparse: a run-length
// code of opcodes, ZERO (00LLLLLL: 1-64 zero registers), XZERO (01LLLLLL LLLLLLLL: 1-16384 zero
// registers) and VAL (1VVVVVLL: 1-4 registers of value 1-32). A sparse value that would pass
// hll-sparse-max-bytes, or hold a register above 32, is promoted to dense.
//
// Elements are hashed with MurmurHash64A (seed 0xadc83b19): the low 14 bits choose the register,
// the run of zero bits above them (plus one) is the value offered to it. The estimate is Ertl's
// improved estimator over the histogram of register values, as Redis 7.0 computes it.
//
// Work happens on Buffers; the command layer converts from and to latin1 strings at the edges.

import { Buffer } from 'node:buffer';

export const HLL_P = 14;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_Q = 64 - HLL_P;
const REG_MASK = HLL_REGISTERS - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + (HLL_REGISTERS * 6) / 8;
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
/** Offset of the cache byte whose top bit marks the cached cardinality stale. */
const CARD_TOP = 15;

// ---- MurmurHash64A on 32-bit halves ----

const M_HI = 0xc6a4a793 | 0;
const M_LO = 0x5bd1e995 | 0;
const SEED = 0xadc83b19 | 0;
// The product of mulM, as signed 32-bit halves (small integers to V8: no number boxing).
let mulHi = 0;
let mulLo = 0;

/** M's low half as an unsigned number, and 2^-32. */
const M_LO_U = 0x5bd1e995;
const TWO_M32 = 2 ** -32;

/** (aHi:aLo) * M mod 2^64, into mulHi:mulLo. */
function mulM(aHi: number, aLo: number): void {
  const lo = Math.imul(aLo, M_LO);
  // The high half of aLo * M_LO (unsigned, below 2^63, so that half is below 2^31): the double
  // product is within 2^9 of the exact one, and taking the exact low half off rounds by at most
  // 2^9 more, so scaled by 2^-32 it is within 2^-22 of the high half, to which it rounds.
  const carry = Math.round(((aLo >>> 0) * M_LO_U - (lo >>> 0)) * TWO_M32);
  mulLo = lo;
  mulHi = (carry + Math.imul(aHi, M_LO) + Math.imul(aLo, M_HI)) | 0;
}

/**
 * Hashes a latin1 string (one char per byte) and returns (value << 14) | register index, the
 * value being 1 + the number of zero bits above the 14 index bits (51 when all are zero).
 */
export function hllHash(s: string): number {
  const len = s.length;
  mulM(0, len);
  let hHi = mulHi;
  let hLo = mulLo ^ SEED;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    const kLo = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);
    const kHi = s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24);
    mulM(kHi, kLo);
    const tHi = mulHi;
    mulM(tHi, mulLo ^ (tHi >>> 15));
    mulM(hHi ^ mulHi, hLo ^ mulLo);
    hHi = mulHi;
    hLo = mulLo;
  }
  const rest = len & 7;
  if (rest !== 0) {
    for (let j = rest - 1; j >= 0; j--) {
      const c = s.charCodeAt(blocks + j);
      if (j >= 4) hHi ^= c << (8 * (j - 4));
      else hLo ^= c << (8 * j);
    }
    mulM(hHi, hLo);
    hHi = mulHi;
    hLo = mulLo;
  }
  mulM(hHi, hLo ^ (hHi >>> 15));
  hHi = mulHi;
  hLo = mulLo ^ (mulHi >>> 15);
  const index = hLo & REG_MASK;
  const w = hLo >>> HLL_P;
  let count: number;
  if (w !== 0) count = 32 - Math.clz32(w & -w);
  else if (hHi !== 0) count = 32 - HLL_P + 32 - Math.clz32(hHi & -hHi);
  else count = HLL_Q + 1;
  return (count << HLL_P) | index;
}

// ---- headers ----

/** Redis's isHLLObject test of a string: long enough, the magic, a known encoding, the dense size. */
export function isHllString(s: string): boolean {
  if (s.length < HLL_HDR_SIZE) return false;
  if (s.charCodeAt(0) !== 72 || s.charCodeAt(1) !== 89 || s.charCodeAt(2) !== 76 || s.charCodeAt(3) !== 76) return false;
  const enc = s.charCodeAt(4);
  if (enc > HLL_SPARSE) return false;
  return enc !== HLL_DENSE || s.length === HLL_DENSE_SIZE;
}

/** A new, empty HyperLogLog: sparse, one XZERO run over every register, cached cardinality 0. */
export function emptyHll(): string {
  return 'HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff';
}

/** The cached cardinality of a valid HLL string as decimal text, or null when the cache is stale. */
export function cachedCard(s: string): string | null {
  if (s.charCodeAt(CARD_TOP) & 0x80) return null;
  const lo = (s.charCodeAt(8) | (s.charCodeAt(9) << 8) | (s.charCodeAt(10) << 16) | (s.charCodeAt(11) << 24)) >>> 0;
  const hi = (s.charCodeAt(12) | (s.charCodeAt(13) << 8) | (s.charCodeAt(14) << 16) | (s.charCodeAt(15) << 24)) >>> 0;
  if (hi < 0x200000) return String(hi * 0x100000000 + lo);
  return String((BigInt(hi) << 32n) | BigInt(lo));
}

/** Stores a cardinality (below 2^53) in the header cache, which makes it valid. */
export function setCachedCard(b: Buffer, card: number): void {
  const lo = card >>> 0;
  const hi = Math.floor(card / 0x100000000);
  b.writeUInt32LE(lo, 8);
  b.writeUInt32LE(hi, 12);
}

export function invalidateCache(b: Buffer): void {
  b[CARD_TOP]! |= 0x80;
}

// ---- dense registers ----

/** Register `pos` of a dense HLL held as a latin1 string. */
export function denseGetStr(s: string, pos: number): number {
  const bit = pos * 6;
  const byte = HLL_HDR_SIZE + (bit >> 3);
  const fb = bit & 7;
  const b1 = fb > 2 ? s.charCodeAt(byte + 1) << (8 - fb) : 0;
  return ((s.charCodeAt(byte) >> fb) | b1) & 63;
}

/** Register `pos` of dense registers starting at byte `off`. */
export function denseGet(b: Uint8Array, off: number, pos: number): number {
  const bit = pos * 6;
  const byte = off + (bit >> 3);
  const fb = bit & 7;
  const b1 = fb > 2 ? b[byte + 1]! << (8 - fb) : 0;
  return ((b[byte]! >> fb) | b1) & 63;
}

export function denseSet(b: Uint8Array, off: number, pos: number, val: number): void {
  const bit = pos * 6;
  const byte = off + (bit >> 3);
  const fb = bit & 7;
  b[byte] = (b[byte]! & ~(63 << fb)) | (val << fb);
  if (fb > 2) {
    const fb8 = 8 - fb;
    b[byte + 1] = (b[byte + 1]! & ~(63 >> fb8)) | (val >> fb8);
  }
}

/**
 * Register `index` of a sparse HLL held as a latin1 string, found by the same walk as sparseSet's
 * first step; -1 when no opcode covers it (a corrupt value: the caller's sparseSet reports it).
 * PFADD reads first and copies the value out only when a register grows.
 */
export function sparseGetStr(s: string, index: number): number {
  const end = s.length;
  let p = HLL_HDR_SIZE;
  let first = 0;
  while (p < end) {
    const c = s.charCodeAt(p);
    let span: number;
    let oplen = 1;
    if ((c & 0xc0) === 0) span = (c & 0x3f) + 1;
    else if (c & 0x80) span = (c & 3) + 1;
    else {
      // A truncated XZERO reads the terminator (0), as sparseSet does.
      span = (((c & 0x3f) << 8) | (s.charCodeAt(p + 1) | 0)) + 1;
      oplen = 2;
    }
    if (index <= first + span - 1) return c & 0x80 ? ((c >> 2) & 0x1f) + 1 : 0;
    p += oplen;
    first += span;
  }
  return -1;
}

// ---- a mutable HLL ----

const WORK = Buffer.alloc(HLL_DENSE_SIZE + 1024);
const READ = Buffer.alloc(HLL_DENSE_SIZE + 8);

/**
 * The bytes of an HLL string to read (count, merge, decode), in a scratch buffer reused by the
 * next call; s.length of them are the value, followed by a zero byte.
 */
export function readHll(s: string): Buffer {
  const b = s.length + 1 <= READ.length ? READ : Buffer.alloc(s.length + 1);
  b.write(s, 0, 'latin1');
  b[s.length] = 0;
  return b;
}

// ---- PFADD on a dense HyperLogLog without a 12 KB copy per change ----

/** Bytes changed since the flat base before the value is made flat again. */
const EDITS_MAX = 32;

/**
 * The dense HyperLogLog value PFADD made last: its bytes (`img`), and the value as a string built
 * from a flat `base` and the bytes changed since (`edits`, sorted offsets): slices of the base and
 * the changed bytes, which V8 keeps as views, not copies. A string cannot change in place, so
 * without this each register PFADD changes copies the 12 KB out and back (Redis changes its bytes).
 * Reading such a string elsewhere (GET, PFCOUNT, a snapshot) makes it flat once, as V8 does.
 */
const dense = { value: null as string | null, base: '', img: Buffer.alloc(HLL_DENSE_SIZE), edits: [] as number[] };

/**
 * True when `s` is (or equals) the value PFADD made last: a dense HyperLogLog whose bytes
 * denseBytes() holds. The same string is one comparison; another one is compared up to its
 * first difference (never as a copy of it).
 */
export function isLastDense(s: string): boolean {
  return dense.value !== null && s === dense.value;
}

/**
 * The bytes of dense HyperLogLog `s`, to be changed with denseSet and markChanged, then made a
 * value with denseValue(). Loaded from `s` unless it is the value PFADD made last.
 */
export function denseBytes(s: string): Buffer {
  if (!isLastDense(s)) {
    dense.img.write(s, 0, 'latin1');
    dense.base = s;
    dense.value = s;
    dense.edits.length = 0;
  }
  return dense.img;
}

/** Records that denseSet changed register `pos` in denseBytes() (one or two bytes). */
export function markChanged(pos: number): void {
  const bit = pos * 6;
  const byte = HLL_HDR_SIZE + (bit >> 3);
  addEdit(byte);
  if ((bit & 7) > 2) addEdit(byte + 1);
}

function addEdit(at: number): void {
  const e = dense.edits;
  let i = e.length;
  while (i > 0 && e[i - 1]! > at) i--;
  if (i > 0 && e[i - 1] === at) return;
  e.splice(i, 0, at);
}

/** denseBytes() as the key's new value, its cached cardinality marked stale. */
export function denseValue(): string {
  const img = dense.img;
  if ((img[CARD_TOP]! & 0x80) === 0) {
    invalidateCache(img);
    addEdit(CARD_TOP);
  }
  const e = dense.edits;
  let v: string;
  if (e.length > EDITS_MAX) {
    v = img.toString('latin1', 0, HLL_DENSE_SIZE);
    dense.base = v;
    e.length = 0;
  } else {
    const base = dense.base;
    v = '';
    let from = 0;
    for (const at of e) {
      v += base.slice(from, at) + String.fromCharCode(img[at]!);
      from = at + 1;
    }
    v += base.slice(from);
  }
  dense.value = v;
  return v;
}

/**
 * A HyperLogLog being changed: `b` holds `n` bytes of value, with spare room after them and a
 * zero byte at `n` (a truncated XZERO opcode reads it, as Redis reads its string's terminator).
 */
export class HllBuf {
  constructor(
    public b: Buffer,
    public n: number,
  ) {}

  /**
   * The HLL of a string, in a scratch buffer shared by every call (allocating 12 KB per command
   * costs more than the command): one HllBuf at a time, used before the next call.
   */
  static from(s: string): HllBuf {
    const n = s.length;
    const b = n + 8 <= WORK.length ? WORK : Buffer.alloc(n + 8);
    b.write(s, 0, 'latin1');
    b[n] = 0;
    return new HllBuf(b, n);
  }

  /** An HllBuf of its own (not the scratch buffer). */
  static copy(s: string): HllBuf {
    const b = Buffer.alloc(s.length + 8);
    b.write(s, 0, 'latin1');
    return new HllBuf(b, s.length);
  }

  toString(): string {
    return this.b.toString('latin1', 0, this.n);
  }

  get encoding(): number {
    return this.b[4]!;
  }
}

/** Offers `count` to register `index`: 1 when it changed, 0 when not, -1 for a corrupt value. */
export function hllSet(h: HllBuf, index: number, count: number, sparseMax: number): number {
  const enc = h.b[4]!;
  if (enc === HLL_DENSE) {
    if (denseGet(h.b, HLL_HDR_SIZE, index) >= count) return 0;
    denseSet(h.b, HLL_HDR_SIZE, index, count);
    return 1;
  }
  if (enc === HLL_SPARSE) return sparseSet(h, index, count, sparseMax);
  return -1;
}

/** The sparse register update of Redis's algorithm: split the run covering `index`, merge neighbours. */
function sparseSet(h: HllBuf, index: number, count: number, sparseMax: number): number {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(h, index, count);
  if (h.b.length < h.n + 4) {
    const nb = Buffer.alloc(h.n * 2 + 8);
    h.b.copy(nb, 0, 0, h.n);
    h.b = nb;
  }
  const b = h.b;
  let end = h.n;
  // Step 1: find the opcode covering `index`.
  let p = HLL_HDR_SIZE;
  let first = 0;
  let prev = -1;
  let span = 0;
  let oplen = 1;
  while (p < end) {
    const c = b[p]!;
    oplen = 1;
    if ((c & 0xc0) === 0) span = (c & 0x3f) + 1;
    else if (c & 0x80) span = (c & 3) + 1;
    else {
      span = (((c & 0x3f) << 8) | b[p + 1]!) + 1;
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return -1;
  const op = b[p]!;
  const isVal = (op & 0x80) !== 0;
  const isXzero = !isVal && (op & 0xc0) === 0x40;
  // Step 2: the cases that change the opcode in place.
  let changed = false;
  if (isVal) {
    if (((op >> 2) & 0x1f) + 1 >= count) return 0;
    if (span === 1) {
      b[p] = valOp(count, 1);
      changed = true;
    }
  } else if (!isXzero && span === 1) {
    b[p] = valOp(count, 1);
    changed = true;
  }
  if (!changed) {
    // Step 3: replace the run with up to three: before `index`, `index` itself, after it.
    const seq: number[] = [];
    const last = first + span - 1;
    if (!isVal) {
      if (index !== first) zeroRun(seq, index - first);
      seq.push(valOp(count, 1));
      if (index !== last) zeroRun(seq, last - index);
    } else {
      const cur = ((op >> 2) & 0x1f) + 1;
      if (index !== first) seq.push(valOp(cur, index - first));
      seq.push(valOp(count, 1));
      if (index !== last) seq.push(valOp(cur, last - index));
    }
    const oldlen = isXzero ? 2 : 1;
    const delta = seq.length - oldlen;
    if (delta > 0 && end + delta > sparseMax) return promote(h, index, count);
    if (delta !== 0) b.copyWithin(p + oldlen + delta, p + oldlen, end);
    for (let i = 0; i < seq.length; i++) b[p + i] = seq[i]!;
    end += delta;
  }
  // Step 4: merge adjacent VAL opcodes of the same value, from the opcode before the change.
  p = prev >= 0 ? prev : HLL_HDR_SIZE;
  let scan = 5;
  while (p < end && scan-- !== 0) {
    const c = b[p]!;
    if ((c & 0xc0) === 0x40) {
      p += 2;
      continue;
    }
    if ((c & 0xc0) === 0) {
      p++;
      continue;
    }
    if (p + 1 < end) {
      const d = b[p + 1]!;
      if (d & 0x80 && ((c >> 2) & 0x1f) === ((d >> 2) & 0x1f)) {
        const len = (c & 3) + (d & 3) + 2;
        if (len <= SPARSE_VAL_MAX_LEN) {
          b[p + 1] = valOp(((c >> 2) & 0x1f) + 1, len);
          b.copyWithin(p, p + 1, end);
          end--;
          continue;
        }
      }
    }
    p++;
  }
  h.n = end;
  b[end] = 0;
  b[CARD_TOP]! |= 0x80;
  return 1;
}

function valOp(val: number, len: number): number {
  return 0x80 | ((val - 1) << 2) | (len - 1);
}

function zeroRun(seq: number[], len: number): void {
  if (len > SPARSE_ZERO_MAX_LEN) {
    seq.push(0x40 | ((len - 1) >> 8), (len - 1) & 0xff);
  } else seq.push(len - 1);
}

function promote(h: HllBuf, index: number, count: number): number {
  if (!sparseToDense(h)) return -1;
  return hllSet(h, index, count, 0);
}

/** Converts a sparse HLL to dense in place (header kept); false when the sparse code is corrupt. */
export function sparseToDense(h: HllBuf): boolean {
  if (h.b[4] === HLL_DENSE) return true;
  const d = Buffer.alloc(HLL_DENSE_SIZE + 1);
  h.b.copy(d, 0, 0, HLL_HDR_SIZE);
  d[4] = HLL_DENSE;
  const b = h.b;
  const end = h.n;
  let p = HLL_HDR_SIZE;
  let idx = 0;
  while (p < end) {
    const c = b[p]!;
    if ((c & 0xc0) === 0) {
      idx += (c & 0x3f) + 1;
      p++;
    } else if ((c & 0xc0) === 0x40) {
      idx += (((c & 0x3f) << 8) | b[p + 1]!) + 1;
      p += 2;
    } else {
      let run = (c & 3) + 1;
      const val = ((c >> 2) & 0x1f) + 1;
      if (run + idx > HLL_REGISTERS) return false; // a run past the last register: corrupt
      while (run-- > 0) denseSet(d, HLL_HDR_SIZE, idx++, val);
      p++;
    }
  }
  if (idx !== HLL_REGISTERS) return false;
  h.b = d;
  h.n = HLL_DENSE_SIZE;
  return true;
}

// ---- counting and merging ----

/**
 * Histogram of register values of a valid HLL in `b` (n bytes), or null when its sparse code
 * does not cover exactly the 16384 registers.
 */
function histogram(b: Uint8Array, n: number): Int32Array | null {
  if (b[4] === HLL_DENSE) {
    // Four 6-bit registers in every three bytes, counted in four histograms (independent
    // increments run faster), folded at the end.
    const h4 = new Int32Array(256);
    for (let p = HLL_HDR_SIZE; p < HLL_DENSE_SIZE; p += 3) {
      const b0 = b[p]!;
      const b1 = b[p + 1]!;
      const b2 = b[p + 2]!;
      h4[b0 & 63]!++;
      h4[64 + (((b0 >> 6) | (b1 << 2)) & 63)]!++;
      h4[128 + (((b1 >> 4) | (b2 << 4)) & 63)]!++;
      h4[192 + (b2 >> 2)]!++;
    }
    return fold(h4);
  }
  const histo = new Int32Array(64);
  let p = HLL_HDR_SIZE;
  let idx = 0;
  while (p < n) {
    const c = b[p]!;
    if ((c & 0xc0) === 0) {
      const run = (c & 0x3f) + 1;
      idx += run;
      histo[0]! += run;
      p++;
    } else if ((c & 0xc0) === 0x40) {
      const run = (((c & 0x3f) << 8) | (p + 1 < n ? b[p + 1]! : 0)) + 1;
      idx += run;
      histo[0]! += run;
      p += 2;
    } else {
      const run = (c & 3) + 1;
      idx += run;
      histo[((c >> 2) & 0x1f) + 1]! += run;
      p++;
    }
  }
  return idx === HLL_REGISTERS ? histo : null;
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let prev: number;
  do {
    x *= x;
    prev = z;
    z += x * y;
    y += y;
  } while (prev !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let prev: number;
  do {
    x = Math.sqrt(x);
    prev = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (prev !== z);
  return z / 3;
}

/** 1 / (2 ln 2), as a double. */
const ALPHA_INF = 0.7213475204444817;

/** Ertl's improved estimator over a register histogram. */
function estimate(histo: Int32Array): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histo[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; j--) {
    z += histo[j]!;
    z *= 0.5;
  }
  z += m * sigma(histo[0]! / m);
  return Math.round((ALPHA_INF * m * m) / z);
}

/** The estimated cardinality of a valid HLL (n bytes in b), or -1 when its sparse code is corrupt. */
export function hllCount(b: Uint8Array, n: number): number {
  const histo = histogram(b, n);
  return histo === null ? -1 : estimate(histo);
}

/** The estimated cardinality of raw registers (one byte each). */
export function rawCount(regs: Uint8Array): number {
  const h4 = new Int32Array(256);
  for (let i = 0; i < HLL_REGISTERS; i += 4) {
    h4[regs[i]!]!++;
    h4[64 + regs[i + 1]!]!++;
    h4[128 + regs[i + 2]!]!++;
    h4[192 + regs[i + 3]!]!++;
  }
  return estimate(fold(h4));
}

/** Four 64-entry histograms side by side, summed into one. */
function fold(h4: Int32Array): Int32Array {
  const histo = new Int32Array(64);
  for (let j = 0; j < 64; j++) histo[j] = h4[j]! + h4[64 + j]! + h4[128 + j]! + h4[192 + j]!;
  return histo;
}

/** Raises each of `max` (one byte per register) to the HLL's register; false when corrupt. */
export function hllMerge(max: Uint8Array, b: Uint8Array, n: number): boolean {
  if (b[4] === HLL_DENSE) {
    // Four 6-bit registers in every three bytes.
    for (let p = HLL_HDR_SIZE, i = 0; p < HLL_DENSE_SIZE; p += 3, i += 4) {
      const b0 = b[p]!;
      const b1 = b[p + 1]!;
      const b2 = b[p + 2]!;
      const r0 = b0 & 63;
      const r1 = ((b0 >> 6) | (b1 << 2)) & 63;
      const r2 = ((b1 >> 4) | (b2 << 4)) & 63;
      const r3 = b2 >> 2;
      if (r0 > max[i]!) max[i] = r0;
      if (r1 > max[i + 1]!) max[i + 1] = r1;
      if (r2 > max[i + 2]!) max[i + 2] = r2;
      if (r3 > max[i + 3]!) max[i + 3] = r3;
    }
    return true;
  }
  let p = HLL_HDR_SIZE;
  let i = 0;
  while (p < n) {
    const c = b[p]!;
    if ((c & 0xc0) === 0) {
      i += (c & 0x3f) + 1;
      p++;
    } else if ((c & 0xc0) === 0x40) {
      i += (((c & 0x3f) << 8) | (p + 1 < n ? b[p + 1]! : 0)) + 1;
      p += 2;
    } else {
      let run = (c & 3) + 1;
      const val = ((c >> 2) & 0x1f) + 1;
      if (run + i > HLL_REGISTERS) return false; // a run past the last register: corrupt
      while (run-- > 0) {
        if (val > max[i]!) max[i] = val;
        i++;
      }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

/** PFDEBUG DECODE's text of a sparse HLL: "z:len", "Z:len", "v:value,len" separated by spaces. */
export function decodeSparse(b: Uint8Array, n: number): string {
  const parts: string[] = [];
  let p = HLL_HDR_SIZE;
  while (p < n) {
    const c = b[p]!;
    if ((c & 0xc0) === 0) {
      parts.push(`z:${(c & 0x3f) + 1}`);
      p++;
    } else if ((c & 0xc0) === 0x40) {
      parts.push(`Z:${(((c & 0x3f) << 8) | (p + 1 < n ? b[p + 1]! : 0)) + 1}`);
      p += 2;
    } else {
      parts.push(`v:${((c >> 2) & 0x1f) + 1},${(c & 3) + 1}`);
      p++;
    }
  }
  return parts.join(' ');
}
