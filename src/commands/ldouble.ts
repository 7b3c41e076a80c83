// x87 80-bit "long double" arithmetic, as INCRBYFLOAT (and HINCRBYFLOAT) compute on x86-64 Linux:
// strtold-style parsing (decimal and hex, 64-bit significand, round half to even), addition with
// one rounding, and printf("%.17Lf") with trailing zeros removed. Values are m * 2^e with BigInt
// m, |m| < 2^64, computed exactly from rationals, so results match redis-server byte for byte.

/** A finite long double: m * 2^e (m = 0n is zero). */
export interface LongDouble {
  m: bigint;
  e: number;
}

const TWO63 = 1n << 63n;
const TWO64 = 1n << 64n;
/** Exponent of the least significant bit of the smallest (subnormal) long double. */
const MIN_LSB_EXP = -16445;
/** A finite value's top bit is at most 2^16383. */
const MAX_TOP_EXP = 16383;
/** string2ld refuses inputs this long or longer (Redis's MAX_LONG_DOUBLE_CHARS). */
const MAX_CHARS = 5 * 1024;

const DEC_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^[+-]?(?:inf|infinity)$/i;

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Exponent text as a number, clamped far beyond any representable range. */
function clampExp(s: string | undefined): number {
  if (s === undefined) return 0;
  const v = Number(s);
  return v > 1e7 ? 1e7 : v < -1e7 ? -1e7 : v;
}

/**
 * Rounds num / den * 2^e2 (num >= 0, den > 0) to a long double with round half to even.
 * Returns 'inf' on overflow and 'zero' when the result underflows to zero.
 */
function roundRational(num: bigint, den: bigint, e2: number, neg: boolean): LongDouble | 'inf' | 'zero' {
  if (num === 0n) return 'zero';
  // Scale by 2^k so that the quotient has exactly 64 bits.
  let k = 64 - (bitLength(num) - bitLength(den));
  let q = 0n;
  let r = 0n;
  let d = den;
  const divide = (): void => {
    let n = num;
    d = den;
    if (k >= 0) n <<= BigInt(k);
    else d <<= BigInt(-k);
    q = n / d;
    r = n - q * d;
  };
  divide();
  if (q >= TWO64) {
    k--;
    divide();
  } else if (q < TWO63) {
    k++;
    divide();
  }
  let e = e2 - k;
  if (e < MIN_LSB_EXP) {
    // Subnormal: fewer significant bits.
    k = e2 - MIN_LSB_EXP;
    divide();
    e = MIN_LSB_EXP;
  }
  const twice = r * 2n;
  if (twice > d || (twice === d && (q & 1n) === 1n)) q++;
  if (q === TWO64) {
    q >>= 1n;
    e++;
  }
  if (q === 0n) return 'zero';
  if (e + 63 > MAX_TOP_EXP) return 'inf';
  return { m: neg ? -q : q, e };
}

/**
 * Parses a string as Redis's string2ld does (strtold on the whole string, no leading space,
 * no NaN, no overflow or underflow to zero). Returns Infinity/-Infinity for "inf" spellings,
 * null when the string is not a valid float.
 */
export function parseLongDouble(s: string): LongDouble | number | null {
  if (s.length === 0 || s.length >= MAX_CHARS) return null;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  let m = DEC_RE.exec(s);
  let base = 10;
  if (m === null || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
    m = HEX_RE.exec(s);
    base = 16;
    if (m === null || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
      if (INF_RE.test(s)) return c0 === 45 ? -Infinity : Infinity;
      return null;
    }
  } else if (m[2] === '' && m[3] === undefined) {
    return null;
  }
  const neg = m[1] === '-';
  const intPart = m[2]!;
  const fracPart = m[3] ?? '';
  let digits = (intPart + fracPart).replace(/^0+/, '');
  if (digits === '') return { m: 0n, e: 0 };
  let exp = clampExp(m[4]);
  if (base === 10) {
    // value = digits * 10^(exp - fracPart.length)
    let e10 = exp - fracPart.length;
    const stripped = digits.replace(/0+$/, '');
    e10 += digits.length - stripped.length;
    digits = stripped;
    const lead = digits.length - 1 + e10; // decimal exponent of the leading digit
    if (lead > 4933) return null; // overflow: ERANGE with HUGE_VAL
    if (lead < -4952) return null; // underflow to zero: ERANGE
    const D = BigInt(digits);
    const r = e10 >= 0 ? roundRational(D * 10n ** BigInt(e10), 1n, 0, neg) : roundRational(D, 10n ** BigInt(-e10), 0, neg);
    return typeof r === 'string' ? null : r;
  }
  // Hexadecimal: value = hexdigits * 2^(exp - 4 * fracPart.length)
  const e2 = exp - 4 * fracPart.length;
  const H = BigInt('0x' + digits);
  const top = bitLength(H) - 1 + e2;
  if (top > MAX_TOP_EXP + 1) return null;
  if (top < MIN_LSB_EXP - 2) return null;
  exp = e2;
  const r = roundRational(H, 1n, exp, neg);
  return typeof r === 'string' ? null : r;
}

/** a + b rounded to a long double, or null when the sum overflows. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const sum = (a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e));
  if (sum === 0n) return { m: 0n, e: 0 };
  const r = roundRational(sum < 0n ? -sum : sum, 1n, e, sum < 0n);
  if (r === 'inf') return null;
  if (r === 'zero') return { m: 0n, e: 0 };
  return r;
}

/** printf("%.17Lf") with trailing zeros (and a bare '.') removed, and "-0" as "0" (Redis's human form). */
export function formatLongDouble(v: LongDouble): string {
  const neg = v.m < 0n;
  const mag = neg ? -v.m : v.m;
  const scale = 10n ** 17n;
  let q: bigint;
  if (v.e >= 0) {
    q = (mag << BigInt(v.e)) * scale;
  } else {
    const num = mag * scale;
    const sh = BigInt(-v.e);
    q = num >> sh;
    const r = num - (q << sh);
    const half = 1n << (sh - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q++;
  }
  let s = q.toString();
  if (s.length < 18) s = '0'.repeat(18 - s.length) + s;
  const int = s.slice(0, -17);
  const frac = s.slice(-17).replace(/0+$/, '');
  const out = frac === '' ? int : int + '.' + frac;
  if (neg && out !== '0') return '-' + out;
  return out;
}

/**
 * INCRBYFLOAT's arithmetic: the stored text plus the increment text, formatted as Redis stores
 * the result. Returns 'value' or 'incr' when that operand is not a valid float, 'nan' when the
 * result would be NaN or infinite.
 */
export function incrByFloatText(value: string, incr: string): string | 'value' | 'incr' | 'nan' {
  const a = parseLongDouble(value);
  if (a === null) return 'value';
  const b = parseLongDouble(incr);
  if (b === null) return 'incr';
  if (typeof a === 'number' || typeof b === 'number') return 'nan';
  const r = addLongDouble(a, b);
  return r === null ? 'nan' : formatLongDouble(r);
}
