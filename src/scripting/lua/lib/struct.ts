// The `struct` library as Redis bundles it: struct.pack(fmt, ...), struct.unpack(fmt, s [, pos])
// and struct.size(fmt), behaving as observed on redis-server 7.0.15 (x86-64: native order is
// little-endian, int is 4 bytes, long and size_t 8, default maximum alignment 8).
//
// Format: ' ' ignored; '<' little-endian; '>' big-endian; '!n' maximum alignment n (a power of
// 2; '!' alone: 8); 'x' a zero byte; 'b'/'B' signed/unsigned char; 'h'/'H' short; 'l'/'L' long;
// 'T' size_t; 'i[n]'/'I[n]' an n-byte int (default 4, at most 32); 'f' float; 'd' double;
// 's' zero-terminated string; 'c[n]' n bytes (default 1; 'c0': the whole string when packing,
// the previous unpacked number as the size when unpacking). The format ends at a NUL byte.
import { str2number } from '../number.js';
import { LuaError, LuaFunction, LuaTable, luaType, numberToString, type LuaResults, type LuaValue } from '../value.js';
import { argError, checkString, optInteger } from './args.js';

const MAXINTSIZE = 32;
const MAXALIGN = 8;
const INT_MAX = 2147483647;

interface Item {
  opt: string;
  size: number;
}

/** Walks `fmt`, calling `item` for each option with its size, handling endianness and '!'. */
class Format {
  pos = 0;
  little = true;
  align = 1;
  constructor(readonly fmt: string) {
    const nul = fmt.indexOf('\0');
    if (nul >= 0) this.fmt = fmt.slice(0, nul);
  }

  private number(dflt: number): number {
    const f = this.fmt;
    if (!(f[this.pos]! >= '0' && f[this.pos]! <= '9')) return dflt;
    let a = 0;
    while (f[this.pos]! >= '0' && f[this.pos]! <= '9') {
      a = a * 10 + (f.charCodeAt(this.pos++) - 48);
      if (a > INT_MAX) throw new LuaError('integral size overflow');
    }
    return a;
  }

  /** The next data option (null at the end); `bad` is called for an invalid option. */
  next(bad: (opt: string) => void): Item | null {
    for (;;) {
      if (this.pos >= this.fmt.length) return null;
      const opt = this.fmt[this.pos++]!;
      switch (opt) {
        case ' ':
          continue;
        case '<':
          this.little = true;
          continue;
        case '>':
          this.little = false;
          continue;
        case '!': {
          const a = this.number(MAXALIGN);
          if (a === 0 || (a & (a - 1)) !== 0) throw new LuaError(`alignment ${a} is not a power of 2`);
          this.align = a;
          continue;
        }
        case 'x':
        case 'b':
        case 'B':
          return { opt, size: 1 };
        case 'h':
        case 'H':
          return { opt, size: 2 };
        case 'l':
        case 'L':
        case 'T':
        case 'd':
          return { opt, size: 8 };
        case 'f':
          return { opt, size: 4 };
        case 'i':
        case 'I': {
          const n = this.number(4);
          if (n > MAXINTSIZE) throw new LuaError(`integral size ${n} is larger than limit of ${MAXINTSIZE}`);
          return { opt, size: n };
        }
        case 's':
          return { opt, size: 0 };
        case 'c':
          return { opt, size: this.number(1) };
        default:
          bad(opt);
          continue;
      }
    }
  }

  /** Padding before an item at offset `len`. */
  padding(len: number, item: Item): number {
    if (item.size === 0 || item.opt === 'c') return 0;
    const s = Math.min(item.size, this.align);
    return (s - (len & (s - 1))) & (s - 1);
  }
}

const TWO63 = 2 ** 63;
const MASK64 = (1n << 64n) - 1n;
const INDEFINITE = 1n << 63n;

/** x86-64's cvttsd2si: truncation; NaN and out-of-range values give 2^63 (as unsigned). */
function cvtt(x: number): bigint {
  if (Number.isNaN(x) || x >= TWO63 || x < -TWO63) return INDEFINITE;
  return BigInt(Math.trunc(x)) & MASK64;
}

/** A double converted to a 64-bit unsigned integer as compiled C does on x86-64. */
function toU64(n: number): bigint {
  return n < TWO63 ? cvtt(n) : cvtt(n - TWO63) ^ INDEFINITE;
}

function badOption(fname: string): (opt: string) => never {
  return (opt) => {
    throw argError(0, fname, `invalid format option '${opt}'`);
  };
}

/** A data argument: a missing one is reported as nil. */
function dataNumber(args: LuaValue[], i: number): number {
  const v = args[i];
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = str2number(v);
    if (n !== undefined) return n;
  }
  throw argError(i, 'pack', `number expected, got ${luaType(v)}`);
}

function dataString(args: LuaValue[], i: number): string {
  const v = args[i];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToString(v);
  throw argError(i, 'pack', `string expected, got ${luaType(v)}`);
}

const scratch = new DataView(new ArrayBuffer(8));

function floatBytes(n: number, size: 4 | 8, little: boolean): string {
  if (size === 4) scratch.setFloat32(0, n, little);
  else scratch.setFloat64(0, n, little);
  let s = '';
  for (let i = 0; i < size; i++) s += String.fromCharCode(scratch.getUint8(i));
  return s;
}

function pack(args: LuaValue[]): LuaResults {
  const f = new Format(checkString(args, 0, 'pack'));
  const bad = badOption('pack');
  const out: string[] = [];
  let len = 0;
  let arg = 1;
  const put = (s: string): void => {
    out.push(s);
    len += s.length;
  };
  for (let item = f.next(bad); item !== null; item = f.next(bad)) {
    const pad = f.padding(len, item);
    if (pad > 0) put('\0'.repeat(pad));
    switch (item.opt) {
      case 'x':
        put('\0');
        break;
      case 'f':
      case 'd':
        put(floatBytes(dataNumber(args, arg++), item.size as 4 | 8, f.little));
        break;
      case 's':
        put(dataString(args, arg++) + '\0');
        break;
      case 'c': {
        const i = arg++;
        const s = dataString(args, i);
        const size = item.size === 0 ? s.length : item.size;
        // Redis names the argument after the string.
        if (s.length < size) throw argError(i + 1, 'pack', 'string too short');
        put(s.slice(0, size));
        break;
      }
      default: {
        const v = toU64(dataNumber(args, arg++));
        const bytes: string[] = new Array<string>(item.size);
        for (let k = 0; k < item.size; k++) {
          const b = k < 8 ? Number((v >> BigInt(8 * k)) & 0xffn) : 0;
          bytes[f.little ? k : item.size - 1 - k] = String.fromCharCode(b);
        }
        put(bytes.join(''));
      }
    }
  }
  return [out.join('')];
}

function readInt(data: string, p: number, size: number, little: boolean, signed: boolean): number {
  let l = 0n;
  for (let k = 0; k < size; k++) {
    const b = data.charCodeAt(little ? p + size - 1 - k : p + k);
    l = ((l << 8n) | BigInt(b)) & MASK64;
  }
  if (!signed) return Number(l);
  const mask = (MASK64 << BigInt((size * 8 - 1) & 63)) & MASK64;
  if ((l & mask) !== 0n) l |= mask;
  return Number(BigInt.asIntN(64, l));
}

function unpack(args: LuaValue[]): LuaResults {
  const f = new Format(checkString(args, 0, 'unpack'));
  const data = checkString(args, 1, 'unpack');
  const start = optInteger(args, 2, 'unpack', 1);
  if (start === 0) throw argError(2, 'unpack', 'offset must be 1 or greater');
  // A negative offset is a huge size_t in C: every item is then past the end.
  let p = start < 0 ? Infinity : start - 1;
  const bad = badOption('unpack');
  const res: LuaValue[] = [];
  const need = (size: number): void => {
    if (!(p + size <= data.length)) throw argError(1, 'unpack', 'data string too short');
  };
  for (let item = f.next(bad); item !== null; item = f.next(bad)) {
    p += f.padding(p, item);
    need(item.size);
    switch (item.opt) {
      case 'x':
        break;
      case 'f':
      case 'd': {
        for (let i = 0; i < item.size; i++) scratch.setUint8(i, data.charCodeAt(p + i));
        res.push(item.size === 4 ? scratch.getFloat32(0, f.little) : scratch.getFloat64(0, f.little));
        break;
      }
      case 's': {
        const z = data.indexOf('\0', p);
        if (z < 0) throw new LuaError('unfinished string in data');
        res.push(data.slice(p, z));
        p = z + 1 - item.size;
        break;
      }
      case 'c': {
        let size = item.size;
        if (size === 0) {
          const prev = res.length > 0 ? res[res.length - 1] : undefined;
          const n = typeof prev === 'number' ? prev : typeof prev === 'string' ? str2number(prev) : undefined;
          if (n === undefined) throw new LuaError("format 'c0' needs a previous size");
          res.pop();
          size = n >= 0 ? Math.trunc(n) : Infinity;
          need(size);
        }
        res.push(data.slice(p, p + size));
        p += size - item.size;
        break;
      }
      default:
        res.push(readInt(data, p, item.size, f.little, item.opt === item.opt.toLowerCase()));
    }
    p += item.size;
  }
  res.push(p + 1);
  return res;
}

function size(args: LuaValue[]): LuaResults {
  const f = new Format(checkString(args, 0, 'size'));
  let total = 0;
  for (let item = f.next(() => {}); item !== null; item = f.next(() => {})) {
    if (item.opt === 's' || (item.opt === 'c' && item.size === 0)) {
      throw argError(0, 'size', `option '${item.opt === 's' ? 's' : 'c0'}' has no fixed size`);
    }
    total += f.padding(total, item) + item.size;
  }
  return [total];
}

export function structLibrary(): LuaTable {
  const t = new LuaTable();
  t.set('pack', LuaFunction.native('pack', pack));
  t.set('unpack', LuaFunction.native('unpack', unpack));
  t.set('size', LuaFunction.native('size', size));
  return t;
}
