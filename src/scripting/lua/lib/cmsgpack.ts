// The `cmsgpack` library as Redis 7.0.15 bundles it (lua-cmsgpack 0.4.0), written from observed
// behaviour and the MessagePack specification.
//
// pack(...): every argument encoded and concatenated. Integral numbers in the 64-bit range use
// the smallest integer format; other numbers float 32 when a float holds them exactly (inf too),
// else float 64. Strings fixstr/str8/str16/str32. Tables that are sequences 1..n (or empty) are
// arrays, others maps; tables nested deeper than 16 levels, functions and userdata are nil.
// unpack(s) returns every value; unpack_one(s [, offset]) and unpack_limit(s, limit [, offset])
// return the offset after what they decoded first (0-based; -1 when the input is exhausted).
// bin and ext formats are "Bad data format in input." as in Redis. Lengths declared in headers
// are never trusted: a string's bytes must be present, and containers are filled element by
// element, so a huge declared count fails at the end of the input.
import { toInt } from '../number.js';
import { LuaError, LuaFunction, LuaTable, type LuaResults, type LuaValue } from '../value.js';
import { argError, checkInteger, checkString, optInteger } from './args.js';

const MAX_NESTING = 16;
/** The Lua stack Redis's C code has (LUAI_MAXCSTACK): each open container costs two slots. */
const STACK_SLOTS = 8000;
const TOO_MANY = 'stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)';

const scratch = new DataView(new ArrayBuffer(8));

function bytesOf(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(scratch.getUint8(i));
  return s;
}

function be(code: number, value: bigint, size: number): string {
  let s = String.fromCharCode(code);
  for (let i = size - 1; i >= 0; i--) s += String.fromCharCode(Number((value >> BigInt(8 * i)) & 0xffn));
  return s;
}

function packNumber(n: number): string {
  if (Number.isInteger(n) && n >= -(2 ** 63) && n < 2 ** 63) {
    if (n >= 0) {
      if (n < 128) return String.fromCharCode(n);
      if (n < 256) return be(0xcc, BigInt(n), 1);
      if (n < 65536) return be(0xcd, BigInt(n), 2);
      if (n < 2 ** 32) return be(0xce, BigInt(n), 4);
      return be(0xcf, BigInt(n), 8);
    }
    if (n >= -32) return String.fromCharCode(n & 0xff);
    if (n >= -128) return be(0xd0, BigInt(n), 1);
    if (n >= -32768) return be(0xd1, BigInt(n), 2);
    if (n >= -(2 ** 31)) return be(0xd2, BigInt(n), 4);
    return be(0xd3, BigInt(n), 8);
  }
  // 0/0 on x86 is a negative quiet NaN: Redis writes its bytes.
  if (Number.isNaN(n)) return '\xcb\xff\xf8\0\0\0\0\0\0';
  if (Math.fround(n) === n) {
    scratch.setFloat32(0, n);
    return '\xca' + bytesOf(4);
  }
  scratch.setFloat64(0, n);
  return '\xcb' + bytesOf(8);
}

function header(n: number, fix: number, fixMax: number, c16: number, c32: number): string {
  if (n < fixMax) return String.fromCharCode(fix | n);
  if (n < 65536) return be(c16, BigInt(n), 2);
  return be(c32, BigInt(n), 4);
}

function packString(s: string): string {
  const n = s.length;
  if (n < 32) return String.fromCharCode(0xa0 | n) + s;
  if (n < 256) return '\xd9' + String.fromCharCode(n) + s;
  return header(n, 0, 0, 0xda, 0xdb) + s;
}

/** The sequence length when `t`'s keys are exactly 1..n (0 for an empty table), else -1. */
function sequenceLength(t: LuaTable): number {
  let count = 0;
  let max = 0;
  for (let i = 0; i < t.arr.length; i++) {
    if (t.arr[i] !== undefined) {
      count++;
      max = i + 1;
    }
  }
  if (t.hash !== null) {
    for (const k of t.hash.keys()) {
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) return -1;
      count++;
      if (k > max) max = k;
    }
  }
  return count === max ? max : -1;
}

function packValue(v: LuaValue, level: number, out: string[]): void {
  switch (typeof v) {
    case 'number':
      out.push(packNumber(v));
      return;
    case 'string':
      out.push(packString(v));
      return;
    case 'boolean':
      out.push(v ? '\xc3' : '\xc2');
      return;
  }
  if (!(v instanceof LuaTable) || level >= MAX_NESTING) {
    out.push('\xc0');
    return;
  }
  const n = sequenceLength(v);
  if (n >= 0) {
    out.push(header(n, 0x90, 16, 0xdc, 0xdd));
    for (let i = 1; i <= n; i++) packValue(v.get(i), level + 1, out);
    return;
  }
  const entries: [LuaValue, LuaValue][] = [];
  for (let i = 0; i < v.arr.length; i++) if (v.arr[i] !== undefined) entries.push([i + 1, v.arr[i]]);
  if (v.hash !== null) for (const e of v.hash) entries.push(e);
  out.push(header(entries.length, 0x80, 16, 0xde, 0xdf));
  for (const [k, val] of entries) {
    packValue(k, level + 1, out);
    packValue(val, level + 1, out);
  }
}

function pack(args: LuaValue[]): LuaResults {
  if (args.length === 0) throw argError(-1, 'pack', 'MessagePack pack needs input.'); // Redis says #0
  const out: string[] = [];
  for (const a of args) packValue(a, 0, out);
  return [out.join('')];
}

const MISSING = 'Missing bytes in input.';
const BAD = 'Bad data format in input.';
const OPEN: unique symbol = Symbol('open');

class Decoder {
  constructor(
    readonly s: string,
    public pos: number,
    /** Stack slots in use before the value being decoded (arguments and earlier values). */
    public base: number,
  ) {}

  private take(n: number): number {
    if (this.s.length - this.pos < n) throw new LuaError(MISSING);
    const p = this.pos;
    this.pos += n;
    return p;
  }

  private uint(n: number): number {
    const p = this.take(n);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.s.charCodeAt(p + i);
    return v;
  }

  private int64(): number {
    const p = this.take(8);
    let v = 0n;
    for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(this.s.charCodeAt(p + i));
    return Number(BigInt.asIntN(64, v));
  }

  private float(n: 4 | 8): number {
    const p = this.take(n);
    for (let i = 0; i < n; i++) scratch.setUint8(i, this.s.charCodeAt(p + i));
    return n === 4 ? scratch.getFloat32(0) : scratch.getFloat64(0);
  }

  private str(n: number): string {
    const p = this.take(n);
    return this.s.slice(p, p + n);
  }

  /** Containers being filled, innermost last. */
  private stack: { t: LuaTable; n: number; i: number; isMap: boolean; key: LuaValue; haveKey: boolean }[] = [];

  /** Opens a container of `n` elements (or pairs) inside the ones already open. */
  private open(n: number, isMap: boolean): typeof OPEN {
    if (this.base + 1 + 2 * (this.stack.length + 1) > STACK_SLOTS) {
      throw new LuaError(isMap ? TOO_MANY : 'stack overflow (in function mp_decode_to_lua_array)');
    }
    this.stack.push({ t: new LuaTable(), n, i: 0, isMap, key: undefined, haveKey: false });
    return OPEN;
  }

  /** One complete value (containers are filled iteratively: no recursion on hostile input). */
  value(): LuaValue {
    let v = this.item();
    for (;;) {
      const f = this.stack[this.stack.length - 1];
      if (f === undefined) return v as LuaValue;
      if (v !== OPEN) {
        if (f.isMap && !f.haveKey) {
          f.key = v;
          f.haveKey = true;
        } else {
          f.i++;
          f.t.set(f.isMap ? f.key : f.i, v);
          f.haveKey = false;
        }
      }
      if (f.i >= f.n && !f.haveKey) {
        v = f.t;
        this.stack.pop();
      } else {
        v = this.item();
      }
    }
  }

  /** The next item: a scalar, or OPEN after opening a container. */
  private item(): LuaValue | typeof OPEN {
    const c = this.s.charCodeAt(this.take(1));
    if (c < 0x80) return c;
    if (c >= 0xe0) return c - 256;
    if (c < 0x90) return this.open(c & 0x0f, true);
    if (c < 0xa0) return this.open(c & 0x0f, false);
    if (c < 0xc0) return this.str(c & 0x1f);
    switch (c) {
      case 0xc0:
        return undefined;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xca:
        return this.float(4);
      case 0xcb:
        return this.float(8);
      case 0xcc:
        return this.uint(1);
      case 0xcd:
        return this.uint(2);
      case 0xce:
        return this.uint(4);
      case 0xcf: // read as a signed 64-bit integer, as Redis does
      case 0xd3:
        return this.int64();
      case 0xd0:
        return (this.uint(1) << 24) >> 24;
      case 0xd1:
        return (this.uint(2) << 16) >> 16;
      case 0xd2:
        return this.uint(4) | 0;
      case 0xd9:
        return this.str(this.uint(1));
      case 0xda:
        return this.str(this.uint(2));
      case 0xdb:
        return this.str(this.uint(4));
      case 0xdc:
        return this.open(this.uint(2), false);
      case 0xdd:
        return this.open(this.uint(4), false);
      case 0xde:
        return this.open(this.uint(2), true);
      case 0xdf:
        return this.open(this.uint(4), true);
      default:
        throw new LuaError(BAD);
    }
  }
}

function unpackFull(args: LuaValue[], s: string, limit: number, offset: number): LuaResults {
  const len = s.length;
  if (offset < 0 || limit < 0) throw new LuaError(`Invalid request to unpack with offset of ${toInt(offset)} and limit of ${toInt(len)}.`);
  if (offset > len) throw new LuaError(`Start offset ${toInt(offset)} greater than input length ${toInt(len)}.`);
  const all = limit === 0 && offset === 0;
  const out: LuaValue[] = [];
  const d = new Decoder(s, offset, 0);
  while (d.pos < len && (all || out.length < limit)) {
    d.base = args.length + out.length;
    if (d.base + 1 > STACK_SLOTS) throw new LuaError(TOO_MANY);
    out.push(d.value());
  }
  if (all) return out;
  return [d.pos >= len ? -1 : d.pos, ...out];
}

export function cmsgpackLibrary(): LuaTable {
  const t = new LuaTable();
  t.set('pack', LuaFunction.native('pack', pack));
  t.set(
    'unpack',
    LuaFunction.native('unpack', (args) => unpackFull(args, checkString(args, 0, 'unpack'), 0, 0)),
  );
  t.set(
    'unpack_one',
    LuaFunction.native('unpack_one', (args) => {
      const s = checkString(args, 0, 'unpack_one');
      return unpackFull(args, s, 1, optInteger(args, 1, 'unpack_one', 0));
    }),
  );
  t.set(
    'unpack_limit',
    LuaFunction.native('unpack_limit', (args) => {
      const s = checkString(args, 0, 'unpack_limit');
      const limit = checkInteger(args, 1, 'unpack_limit');
      return unpackFull(args, s, limit, optInteger(args, 2, 'unpack_limit', 0));
    }),
  );
  t.set('_NAME', 'cmsgpack');
  t.set('_VERSION', 'lua-cmsgpack 0.4.0');
  t.set('_COPYRIGHT', 'Copyright (C) 2012, Salvatore Sanfilippo');
  t.set('_DESCRIPTION', 'MessagePack C implementation for Lua');
  return t;
}
