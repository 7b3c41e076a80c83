// The `bit` library as Redis bundles it (LuaBitOp semantics): every operation works on 32-bit
// two's complement integers and returns one. Numbers are brought to 32 bits the way LuaBitOp
// does it: the double is added to 2^52 + 2^51 and the low 32 bits of the sum's representation
// are taken, so fractions round to nearest even and huge numbers keep their low bits.
//
// This file also holds the argument checks the bundled libraries (bit, struct, cjson, cmsgpack)
// share: Lua 5.1's "bad argument #N to 'f' (...)" wording and its string-to-number coercion.
import { LuaError, LuaFunction, LuaTable, luaType, numberToString, type LuaResults, type LuaValue } from '../value.js';

export function argError(n: number, fname: string, msg: string): LuaError {
  return new LuaError(`bad argument #${n} to '${fname}' (${msg})`);
}

/** Lua's name for argument i (0-based) in "got X": "no value" past the last argument. */
export function gotName(args: LuaValue[], i: number): string {
  return i >= args.length ? 'no value' : luaType(args[i]);
}

/**
 * C's strtod at `pos` (no leading whitespace skipped): decimal, hexadecimal ("0x1.8p3"),
 * "inf"/"infinity"/"nan"/"nan(...)" in any case, with an optional sign. `end` is where the
 * number stops, `pos` itself when there is none.
 */
export function strtod(s: string, pos: number): { value: number; end: number } {
  let i = pos;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  const rest = s.slice(i, i + 8).toLowerCase();
  if (rest.startsWith('inf')) {
    const end = i + (rest.startsWith('infinity') ? 8 : 3);
    return { value: neg ? -Infinity : Infinity, end };
  }
  if (rest.startsWith('nan')) {
    let end = i + 3;
    const m = /^\([0-9A-Za-z_]*\)/.exec(s.slice(end, end + 256));
    if (m !== null) end += m[0].length;
    return { value: NaN, end };
  }
  const isHex = (c: string | undefined): boolean => c !== undefined && /[0-9a-fA-F]/.test(c);
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && (isHex(s[i + 2]) || (s[i + 2] === '.' && isHex(s[i + 3])))) {
    let j = i + 2;
    let digits = '';
    let fracDigits = 0;
    while (isHex(s[j])) digits += s[j++];
    if (s[j] === '.') {
      j++;
      while (isHex(s[j])) {
        digits += s[j++];
        fracDigits++;
      }
    }
    let exp = 0;
    if ((s[j] === 'p' || s[j] === 'P') && (isDigit(s[j + 1]) || ((s[j + 1] === '+' || s[j + 1] === '-') && isDigit(s[j + 2])))) {
      const m = /^[pP]([+-]?\d+)/.exec(s.slice(j, j + 400))!;
      exp = Math.max(-100000, Math.min(100000, Number(m[1])));
      j += m[0].length;
      while (isDigit(s[j])) j++;
    }
    const mant = Number(BigInt('0x' + (digits.replace(/^0+/, '') || '0')));
    const value = mant * Math.pow(2, exp - 4 * fracDigits);
    return { value: neg ? -value : value, end: j };
  }
  let j = i;
  while (isDigit(s[j])) j++;
  let any = j > i;
  if (s[j] === '.') {
    j++;
    const f = j;
    while (isDigit(s[j])) j++;
    any ||= j > f;
  }
  if (!any) return { value: 0, end: pos };
  if ((s[j] === 'e' || s[j] === 'E') && (isDigit(s[j + 1]) || ((s[j + 1] === '+' || s[j + 1] === '-') && isDigit(s[j + 2])))) {
    j += 2;
    while (isDigit(s[j])) j++;
  }
  return { value: Number(s.slice(pos, j)), end: j };
}

const SPACE = /[ \t\n\v\f\r]/;

/** Lua 5.1's string-to-number coercion (strtod, hex, surrounding whitespace), or undefined. */
export function stringToNumber(s: string): number | undefined {
  let i = 0;
  while (i < s.length && SPACE.test(s[i]!)) i++;
  const { value, end } = strtod(s, i);
  if (end === i) return undefined;
  let j = end;
  while (j < s.length && SPACE.test(s[j]!)) j++;
  return j === s.length ? value : undefined;
}

/** luaL_checknumber: a number, or a string that converts to one. `i` is 0-based. */
export function checkNumber(args: LuaValue[], i: number, fname: string): number {
  const v = args[i];
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = stringToNumber(v);
    if (n !== undefined) return n;
  }
  throw argError(i + 1, fname, `number expected, got ${gotName(args, i)}`);
}

/** luaL_checklstring: a string, or a number converted with %.14g. `i` is 0-based. */
export function checkString(args: LuaValue[], i: number, fname: string): string {
  const v = args[i];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToString(v);
  throw argError(i + 1, fname, `string expected, got ${gotName(args, i)}`);
}

/** A double cast to a 64-bit integer as x86-64 does (truncation; out of range or NaN: -2^63). */
export function toInt64(n: number): number {
  return Number.isNaN(n) || n >= 2 ** 63 || n < -(2 ** 63) ? -(2 ** 63) : Math.trunc(n) + 0;
}

/** luaL_checkinteger / luaL_optinteger (`dflt` when nil or absent). */
export function checkInteger(args: LuaValue[], i: number, fname: string, dflt?: number): number {
  if (dflt !== undefined && args[i] === undefined) return dflt;
  return toInt64(checkNumber(args, i, fname));
}

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);
const LOW = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f ? 0 : 1; // index of the low word

/** LuaBitOp's normalisation of a number to a signed 32-bit integer. */
export function tobit(n: number): number {
  f64[0] = n + 6755399441055744; // 2^52 + 2^51
  return i32[LOW]!;
}

function bitArg(args: LuaValue[], i: number, fname: string): number {
  return tobit(checkNumber(args, i, fname));
}

export function bitLibrary(): LuaTable {
  const t = new LuaTable();
  const def = (name: string, fn: (args: LuaValue[]) => number | string): void => {
    t.set(name, LuaFunction.native(name, (args): LuaResults => [fn(args)]));
  };
  def('tobit', (a) => bitArg(a, 0, 'tobit'));
  def('bnot', (a) => ~bitArg(a, 0, 'bnot'));
  const fold = (name: string, op: (x: number, y: number) => number): void =>
    def(name, (a) => {
      let r = bitArg(a, 0, name);
      for (let i = 1; i < a.length; i++) r = op(r, bitArg(a, i, name));
      return r;
    });
  fold('band', (x, y) => x & y);
  fold('bor', (x, y) => x | y);
  fold('bxor', (x, y) => x ^ y);
  const shift = (name: string, op: (x: number, n: number) => number): void =>
    def(name, (a) => {
      const x = bitArg(a, 0, name);
      return op(x, bitArg(a, 1, name) & 31) | 0;
    });
  shift('lshift', (x, n) => x << n);
  shift('rshift', (x, n) => x >>> n);
  shift('arshift', (x, n) => x >> n);
  shift('rol', (x, n) => (x << n) | (x >>> (32 - n)));
  shift('ror', (x, n) => (x >>> n) | (x << (32 - n)));
  def('bswap', (a) => {
    const x = bitArg(a, 0, 'bswap');
    return ((x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) | 0;
  });
  def('tohex', (a) => {
    const x = bitArg(a, 0, 'tohex');
    let n = a[1] === undefined ? 8 : bitArg(a, 1, 'tohex');
    let digits = '0123456789abcdef';
    if (n < 0) {
      n = -n;
      digits = '0123456789ABCDEF';
    }
    if (n > 8) n = 8;
    let s = '';
    for (let i = n - 1; i >= 0; i--) s += digits[(x >>> (4 * i)) & 15];
    return s;
  });
  return t;
}
