// Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO, as redis-server
// 7.0.15 replies. Bitmaps are ordinary latin1 strings; bit 0 is the most significant bit of byte 0.
import { Buffer } from 'node:buffer';
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import { NOTIFY } from '../server/events.js';
import { is, parseBigInt, parseInteger } from './args.js';
import { MAX_STRING_LENGTH } from './string.js';
import type { DataContext, HandlerMap } from './types.js';

const WRONGTYPE = err.wrongType();
const NOT_INTEGER = err.notInteger();
const SYNTAX = err.syntax();
const BAD_OFFSET = err.bitOffset();
const BAD_BITFIELD_TYPE = err.bitfieldType();
const TOO_BIG = err.stringTooLong();

/** Set bits in each byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

/**
 * A bit offset argument (Redis's getBitOffsetFromArgument): a non-negative integer whose byte is
 * below proto-max-bulk-len; with `bits`, "#n" means n * bits. Returns -1 after replying the error.
 */
function bitOffset(c: Client, server: DataContext, arg: string, bits: number): number {
  const hash = bits > 0 && arg.charCodeAt(0) === 35;
  const text = hash ? arg.slice(1) : arg;
  let v: bigint | number | null = text.length <= 15 ? parseInteger(text) : parseBigInt(text);
  if (v === null) {
    c.out.error(BAD_OFFSET);
    return -1;
  }
  if (hash) v = BigInt.asIntN(64, BigInt(v) * BigInt(bits)); // C's wrapping multiplication
  if (v < 0 || BigInt(v) >> 3n >= BigInt(server.maxBulkLen)) {
    c.out.error(BAD_OFFSET);
    return -1;
  }
  return Number(v);
}

/** Clamps a [start, end] range (already parsed) to a length, Redis's way; returns [start, end]. */
function clampRange(start: number, end: number, total: number): [number, number] {
  if (start < 0) start += total;
  if (end < 0) end += total;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  return [start, end];
}

/** Set bits of s in the bit range [sb, eb] (inclusive, within the string). */
function countBits(s: string, sb: number, eb: number): number {
  const first = Math.floor(sb / 8);
  const last = Math.floor(eb / 8);
  let n = 0;
  for (let i = first; i <= last; i++) n += POPCOUNT[s.charCodeAt(i)]!;
  // Take away the bits of the edge bytes that lie outside the range.
  const headMask = (0xff00 >> (sb & 7)) & 0xff; // bits before sb in the first byte
  const tailMask = (1 << (7 - (eb & 7))) - 1; // bits after eb in the last byte
  n -= POPCOUNT[s.charCodeAt(first) & headMask]!;
  n -= POPCOUNT[s.charCodeAt(last) & tailMask]!;
  return n;
}

/** Position of the first bit equal to `bit` in [sb, eb] (within the string), or -1. */
function findBit(s: string, bit: number, sb: number, eb: number): number {
  const first = Math.floor(sb / 8);
  const last = Math.floor(eb / 8);
  const skip = bit ? 0 : 0xff;
  for (let i = first; i <= last; i++) {
    let x = s.charCodeAt(i);
    if (x === skip && i !== first && i !== last) continue;
    if (!bit) x = ~x & 0xff;
    if (i === first) x &= 0xff >> (sb & 7);
    if (i === last) x &= (0xff00 >> ((eb & 7) + 1)) & 0xff;
    if (x !== 0) return i * 8 + (Math.clz32(x) - 24);
  }
  return -1;
}

/** Unsigned value of `bits` bits at bit `offset` of a byte source (zero beyond its end). */
function readBits(at: (i: number) => number, len: number, offset: number, bits: number): bigint {
  if (bits <= 48) {
    let v = 0;
    for (let i = 0; i < bits; i++) {
      const p = offset + i;
      const byte = Math.floor(p / 8);
      const b = byte < len ? (at(byte) >> (7 - (p & 7))) & 1 : 0;
      v = v * 2 + b;
    }
    return BigInt(v);
  }
  let v = 0n;
  for (let i = 0; i < bits; i++) {
    const p = offset + i;
    const byte = Math.floor(p / 8);
    const b = byte < len ? (at(byte) >> (7 - (p & 7))) & 1 : 0;
    v = (v << 1n) | BigInt(b);
  }
  return v;
}

/** Writes the low `bits` bits of value (two's complement) at bit `offset` of buf. */
function writeBits(buf: Buffer, offset: number, bits: number, value: bigint): void {
  let u = BigInt.asUintN(bits, value);
  for (let i = bits - 1; i >= 0; i--) {
    const p = offset + i;
    const byte = Math.floor(p / 8);
    const mask = 1 << (7 - (p & 7));
    if (u & 1n) buf[byte]! |= mask;
    else buf[byte]! &= ~mask;
    u >>= 1n;
  }
}

const OW_WRAP = 0;
const OW_SAT = 1;
const OW_FAIL = 2;

interface BitfieldOp {
  /** 0 GET, 1 SET, 2 INCRBY */
  op: number;
  signed: boolean;
  bits: number;
  offset: number;
  value: bigint;
  overflow: number;
}

/**
 * The value a SET (incr 0) or INCRBY stores, or null for FAIL (nothing written). `value` is the
 * int64 (signed) or uint64 (unsigned) operand. The overflow tests are Redis's, including their
 * int64 wrap-around: a signed SET far below the minimum counts as an overflow upwards, so SAT
 * stores the maximum there, as redis-server does.
 */
function fitBitfield(value: bigint, incr: bigint, signed: boolean, bits: number, overflow: number): bigint | null {
  const B = BigInt(bits);
  let high: boolean;
  let low: boolean;
  let max: bigint;
  let min: bigint;
  if (signed) {
    max = (1n << (B - 1n)) - 1n;
    min = -max - 1n;
    const maxIncr = BigInt.asIntN(64, max - value);
    const minIncr = BigInt.asIntN(64, min - value);
    high = value > max || (bits !== 64 && incr > maxIncr) || (value >= 0n && incr > 0n && incr > maxIncr);
    low = !high && (value < min || (bits !== 64 && incr < minIncr) || (value < 0n && incr < 0n && incr < minIncr));
  } else {
    max = (1n << B) - 1n;
    min = 0n;
    const maxIncr = BigInt.asIntN(64, max - value);
    const minIncr = BigInt.asIntN(64, -value);
    high = value > max || (incr > 0n && incr > maxIncr);
    low = !high && incr < 0n && incr < minIncr;
  }
  if (!high && !low) return value + incr;
  if (overflow === OW_FAIL) return null;
  if (overflow === OW_SAT) return high ? max : min;
  return signed ? BigInt.asIntN(bits, value + incr) : BigInt.asUintN(bits, value + incr);
}

/** BITFIELD / BITFIELD_RO */
function bitfield(c: Client, argv: string[], server: DataContext, readonlyCommand: boolean): void {
  const ops: BitfieldOp[] = [];
  let overflow = OW_WRAP;
  let readonly = true;
  let highest = 0;
  for (let j = 2; j < argv.length; j++) {
    const rem = argv.length - j - 1;
    const sub = argv[j]!.toLowerCase();
    let op: number;
    if (sub === 'get' && rem >= 2) op = 0;
    else if (sub === 'set' && rem >= 3) op = 1;
    else if (sub === 'incrby' && rem >= 3) op = 2;
    else if (sub === 'overflow' && rem >= 1) {
      const t = argv[++j]!;
      if (is(t, 'wrap')) overflow = OW_WRAP;
      else if (is(t, 'sat')) overflow = OW_SAT;
      else if (is(t, 'fail')) overflow = OW_FAIL;
      else {
        c.out.error(err.overflowType());
        return;
      }
      continue;
    } else {
      c.out.error(SYNTAX);
      return;
    }
    const type = argv[j + 1]!;
    const t0 = type.charCodeAt(0);
    const bits = t0 === 105 || t0 === 117 ? parseInteger(type.slice(1)) : null;
    const signed = t0 === 105;
    if (bits === null || bits < 1 || (signed && bits > 64) || (!signed && bits > 63)) {
      c.out.error(BAD_BITFIELD_TYPE);
      return;
    }
    const offset = bitOffset(c, server, argv[j + 2]!, bits);
    if (offset < 0) return;
    let value = 0n;
    if (op !== 0) {
      readonly = false;
      const v = parseBigInt(argv[j + 3]!);
      if (v === null) {
        c.out.error(NOT_INTEGER);
        return;
      }
      value = v;
      if (offset + bits - 1 > highest) highest = offset + bits - 1;
    }
    ops.push({ op, signed, bits, offset, value, overflow });
    j += op === 0 ? 2 : 3;
  }

  const db = c.db;
  const key = argv[1]!;
  const out = c.out;
  if (readonly) {
    const v = db.lookupRead(key);
    if (v !== undefined && typeof v !== 'string') {
      out.error(WRONGTYPE);
      return;
    }
    const s = v ?? '';
    const at = (i: number): number => s.charCodeAt(i);
    out.array(ops.length);
    for (const o of ops) {
      let r = readBits(at, s.length, o.offset, o.bits);
      if (o.signed && r >> BigInt(o.bits - 1) === 1n) r -= 1n << BigInt(o.bits);
      out.int(r);
    }
    return;
  }
  if (readonlyCommand) {
    out.error(err.bitfieldRoGet());
    return;
  }
  const v = db.lookup(key);
  if (v !== undefined && typeof v !== 'string') {
    out.error(WRONGTYPE);
    return;
  }
  const need = Math.floor(highest / 8) + 1;
  if (need > MAX_STRING_LENGTH) {
    out.error(TOO_BIG);
    return;
  }
  const old = v ?? '';
  const grown = v === undefined || need > old.length;
  const buf = Buffer.alloc(Math.max(need, old.length));
  buf.write(old, 0, 'latin1');
  const at = (i: number): number => buf[i]!;
  let changes = 0;
  out.array(ops.length);
  for (const o of ops) {
    let cur = readBits(at, buf.length, o.offset, o.bits);
    if (o.signed && cur >> BigInt(o.bits - 1) === 1n) cur -= 1n << BigInt(o.bits);
    if (o.op === 0) {
      out.int(cur);
      continue;
    }
    // An unsigned SET value is taken as C's uint64 of the int64 given.
    const next =
      o.op === 2
        ? fitBitfield(cur, o.value, o.signed, o.bits, o.overflow)
        : fitBitfield(o.signed ? o.value : BigInt.asUintN(64, o.value), 0n, o.signed, o.bits, o.overflow);
    if (next === null) {
      out.nullBulk();
      continue;
    }
    out.int(o.op === 2 ? next : cur);
    writeBits(buf, o.offset, o.bits, next);
    if (grown || next !== cur) changes++;
  }
  if (grown || changes > 0) db.set(key, buf.toString('latin1'), true);
  if (changes > 0) {
    server.events.written(db, key, NOTIFY.string, 'setbit', changes);
  }
}

export const bitmapCommands: HandlerMap<DataContext> = {
  // SETBIT key offset value: the bit's previous value.
  setbit(c, argv, server) {
    const off = bitOffset(c, server, argv[2]!, 0);
    if (off < 0) return;
    const on = parseInteger(argv[3]!);
    if (on !== 0 && on !== 1) {
      c.out.error(err.bitNotInteger());
      return;
    }
    const db = c.db;
    const key = argv[1]!;
    const v = db.lookup(key);
    if (v !== undefined && typeof v !== 'string') {
      c.out.error(WRONGTYPE);
      return;
    }
    const byte = Math.floor(off / 8);
    if (byte + 1 > MAX_STRING_LENGTH) {
      c.out.error(TOO_BIG);
      return;
    }
    let s = v ?? '';
    let grown = v === undefined;
    if (s.length <= byte) {
      s += '\0'.repeat(byte + 1 - s.length);
      grown = true;
    }
    const old = s.charCodeAt(byte);
    const mask = 1 << (7 - (off & 7));
    const was = (old & mask) !== 0 ? 1 : 0;
    if (grown || was !== on) {
      const nb = on ? old | mask : old & ~mask;
      db.set(key, s.slice(0, byte) + String.fromCharCode(nb) + s.slice(byte + 1), true);
      server.events.written(db, key, NOTIFY.string, 'setbit');
    }
    c.out.int(was);
  },

  // GETBIT key offset
  getbit(c, argv, server) {
    const off = bitOffset(c, server, argv[2]!, 0);
    if (off < 0) return;
    const v = c.db.lookupRead(argv[1]!);
    if (v === undefined) {
      c.out.int(0);
      return;
    }
    if (typeof v !== 'string') {
      c.out.error(WRONGTYPE);
      return;
    }
    const byte = Math.floor(off / 8);
    c.out.int(byte < v.length ? (v.charCodeAt(byte) >> (7 - (off & 7))) & 1 : 0);
  },

  // BITCOUNT key [start end [BYTE|BIT]]
  bitcount(c, argv) {
    const v = c.db.lookupRead(argv[1]!);
    if (v === undefined) {
      c.out.int(0);
      return;
    }
    if (typeof v !== 'string') {
      c.out.error(WRONGTYPE);
      return;
    }
    const n = argv.length;
    if (n === 2) {
      c.out.int(v.length === 0 ? 0 : countBits(v, 0, v.length * 8 - 1));
      return;
    }
    if (n !== 4 && n !== 5) {
      c.out.error(SYNTAX);
      return;
    }
    const s0 = parseInteger(argv[2]!);
    if (s0 === null) {
      c.out.error(NOT_INTEGER);
      return;
    }
    const e0 = parseInteger(argv[3]!);
    if (e0 === null) {
      c.out.error(NOT_INTEGER);
      return;
    }
    if (s0 < 0 && e0 < 0 && s0 > e0) {
      c.out.int(0);
      return;
    }
    let isBit = false;
    if (n === 5) {
      if (is(argv[4], 'bit')) isBit = true;
      else if (!is(argv[4], 'byte')) {
        c.out.error(SYNTAX);
        return;
      }
    }
    const [start, end] = clampRange(s0, e0, isBit ? v.length * 8 : v.length);
    if (start > end) c.out.int(0);
    else c.out.int(isBit ? countBits(v, start, end) : countBits(v, start * 8, end * 8 + 7));
  },

  // BITPOS key bit [start [end [BYTE|BIT]]]
  bitpos(c, argv) {
    const bit = parseInteger(argv[2]!);
    if (bit === null) {
      c.out.error(NOT_INTEGER);
      return;
    }
    if (bit !== 0 && bit !== 1) {
      c.out.error(err.bitArgument());
      return;
    }
    const v = c.db.lookupRead(argv[1]!);
    if (v === undefined) {
      c.out.int(bit ? -1 : 0);
      return;
    }
    if (typeof v !== 'string') {
      c.out.error(WRONGTYPE);
      return;
    }
    const n = argv.length;
    let isBit = false;
    let endGiven = false;
    let start = 0;
    let end = v.length - 1;
    if (n >= 4 && n <= 6) {
      const s0 = parseInteger(argv[3]!);
      if (s0 === null) {
        c.out.error(NOT_INTEGER);
        return;
      }
      if (n === 6) {
        if (is(argv[5], 'bit')) isBit = true;
        else if (!is(argv[5], 'byte')) {
          c.out.error(SYNTAX);
          return;
        }
      }
      const total = isBit ? v.length * 8 : v.length;
      let e0 = total - 1;
      if (n >= 5) {
        const e = parseInteger(argv[4]!);
        if (e === null) {
          c.out.error(NOT_INTEGER);
          return;
        }
        e0 = e;
        endGiven = true;
      }
      [start, end] = clampRange(s0, e0, total);
    } else if (n !== 3) {
      c.out.error(SYNTAX);
      return;
    }
    if (start > end) {
      c.out.int(-1);
      return;
    }
    const sb = isBit ? start : start * 8;
    const eb = isBit ? end : end * 8 + 7;
    const pos = findBit(v, bit, sb, eb);
    if (pos >= 0) c.out.int(pos);
    else if (bit === 1 || endGiven) c.out.int(-1);
    else c.out.int(eb + 1); // no explicit end: the string is padded with zeros on the right
  },

  // BITOP AND|OR|XOR|NOT destkey key [key ...]: the length of the result.
  bitop(c, argv, server) {
    const opName = argv[1]!.toLowerCase();
    if (opName !== 'and' && opName !== 'or' && opName !== 'xor' && opName !== 'not') {
      c.out.error(SYNTAX);
      return;
    }
    if (opName === 'not' && argv.length !== 4) {
      c.out.error(err.bitopNot());
      return;
    }
    const db = c.db;
    const srcs: string[] = [];
    let maxlen = 0;
    for (let i = 3; i < argv.length; i++) {
      const v = db.lookupRead(argv[i]!);
      if (v !== undefined && typeof v !== 'string') {
        c.out.error(WRONGTYPE);
        return;
      }
      const s = v ?? '';
      srcs.push(s);
      if (s.length > maxlen) maxlen = s.length;
    }
    const dest = argv[2]!;
    if (maxlen === 0) {
      if (db.delete(dest)) server.events.written(db, dest, NOTIFY.generic, 'del');
      c.out.int(0);
      return;
    }
    const res = Buffer.alloc(maxlen);
    res.write(srcs[0]!, 0, 'latin1');
    if (opName === 'not') {
      for (let i = 0; i < maxlen; i++) res[i] = ~res[i]! & 0xff;
    } else {
      for (let k = 1; k < srcs.length; k++) {
        const s = srcs[k]!;
        const len = s.length;
        if (opName === 'and') {
          for (let i = 0; i < len; i++) res[i]! &= s.charCodeAt(i);
          res.fill(0, len);
        } else if (opName === 'or') {
          for (let i = 0; i < len; i++) res[i]! |= s.charCodeAt(i);
        } else {
          for (let i = 0; i < len; i++) res[i]! ^= s.charCodeAt(i);
        }
      }
    }
    db.set(dest, res.toString('latin1'));
    server.events.written(db, dest, NOTIFY.string, 'set');
    c.out.int(maxlen);
  },

  // BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ...
  bitfield(c, argv, server) {
    bitfield(c, argv, server, false);
  },

  // BITFIELD_RO key [GET type offset] ...
  bitfield_ro(c, argv, server) {
    bitfield(c, argv, server, true);
  },
};
