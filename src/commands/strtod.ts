// C's strtod as glibc implements it (what redis-server calls on x86-64 Linux to read a double):
// leading spaces, sign, decimal, hexadecimal floats with a binary exponent, inf, infinity, nan
// and nan(chars), with where it stopped (endptr) and whether it set ERANGE. Redis's checks on
// top of it live with their callers; getDoubleFromObject, shared by several commands, is here.
// The x87 long double parsing of INCRBYFLOAT is in ldouble.ts.

/**
 * Where strtod stopped (C's endptr: the start index when nothing was parsed) and whether it
 * reported ERANGE (overflow, or underflow of a nonzero number to zero). The caller owns it, so
 * strtod keeps no state between calls.
 */
export interface StrtodEnd {
  end: number;
  range: boolean;
}

function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

function hexDigit(ch: number): number {
  if (ch >= 48 && ch <= 57) return ch - 48;
  if (ch >= 97 && ch <= 102) return ch - 87;
  if (ch >= 65 && ch <= 70) return ch - 55;
  return -1;
}

function matchWord(s: string, i: number, w: string): boolean {
  if (s.length - i < w.length) return false;
  return s.slice(i, i + w.length).toLowerCase() === w;
}

/**
 * C's strtod on s from index i (glibc: leading spaces, sign, decimal, hex floats, inf,
 * infinity, nan). Sets out.end (i when nothing was parsed) and out.range (ERANGE).
 */
export function strtod(s: string, i: number, out: StrtodEnd): number {
  const start = i;
  out.range = false;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const sc = s.charCodeAt(i);
  if (sc === 43 || sc === 45) {
    neg = sc === 45;
    i++;
  }
  if (matchWord(s, i, 'inf')) {
    out.end = matchWord(s, i, 'infinity') ? i + 8 : i + 3;
    return neg ? -Infinity : Infinity;
  }
  if (matchWord(s, i, 'nan')) {
    i += 3;
    if (s.charCodeAt(i) === 40) {
      let j = i + 1;
      while (j < s.length && /[0-9A-Za-z_]/.test(s[j]!)) j++;
      if (s.charCodeAt(j) === 41) i = j + 1;
    }
    out.end = i;
    return NaN;
  }
  // Hex float: 0x, hex digits with an optional point, optional binary exponent.
  if (s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120) {
    let j = i + 2;
    let mant = 0n;
    let digits = 0;
    let nonzero = false;
    let exp = 0;
    while (hexDigit(s.charCodeAt(j)) >= 0) {
      const d = hexDigit(s.charCodeAt(j));
      mant = mant * 16n + BigInt(d);
      if (d !== 0) nonzero = true;
      digits++;
      j++;
    }
    if (s.charCodeAt(j) === 46) {
      j++;
      while (hexDigit(s.charCodeAt(j)) >= 0) {
        const d = hexDigit(s.charCodeAt(j));
        mant = mant * 16n + BigInt(d);
        if (d !== 0) nonzero = true;
        exp -= 4;
        digits++;
        j++;
      }
    }
    if (digits > 0) {
      if ((s.charCodeAt(j) | 32) === 112) {
        let k = j + 1;
        let eneg = false;
        if (s.charCodeAt(k) === 43 || s.charCodeAt(k) === 45) {
          eneg = s.charCodeAt(k) === 45;
          k++;
        }
        if (s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) {
          let e = 0;
          while (s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) {
            if (e < 100000) e = e * 10 + (s.charCodeAt(k) - 48);
            k++;
          }
          exp += eneg ? -e : e;
          j = k;
        }
      }
      out.end = j;
      let v = Number(mant) * Math.pow(2, exp);
      if (!Number.isFinite(v) || (v === 0 && nonzero)) {
        // Split the scaling so that intermediate results stay representable.
        v = Number(mant) * Math.pow(2, exp / 2) * Math.pow(2, exp - exp / 2);
      }
      if (v === Infinity || (v === 0 && nonzero)) out.range = true;
      return neg ? -v : v;
    }
    // "0x" alone: the 0 is the number.
    out.end = i + 1;
    return neg ? -0 : 0;
  }
  const numStart = i;
  let mantDigits = 0;
  let nonzero = false;
  while (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
    if (s.charCodeAt(i) !== 48) nonzero = true;
    i++;
    mantDigits++;
  }
  if (s.charCodeAt(i) === 46) {
    let j = i + 1;
    let frac = 0;
    while (s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) {
      if (s.charCodeAt(j) !== 48) nonzero = true;
      j++;
      frac++;
    }
    if (mantDigits + frac > 0) {
      i = j;
      mantDigits += frac;
    }
  }
  if (mantDigits === 0) {
    out.end = start;
    return 0;
  }
  if ((s.charCodeAt(i) | 32) === 101) {
    let k = i + 1;
    if (s.charCodeAt(k) === 43 || s.charCodeAt(k) === 45) k++;
    if (s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) {
      while (s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) k++;
      i = k;
    }
  }
  out.end = i;
  const v = Number(s.slice(numStart, i));
  if (v === Infinity || (v === 0 && nonzero)) out.range = true;
  return neg ? -v : v;
}

/** Exact powers of ten, 10^0 to 10^15. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** An optional sign, then digits with an optional fraction: no exponent, no spaces. */
const PLAIN_DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/;

/**
 * Redis's getDoubleFromObject (a ZADD score, a ZUNIONSTORE weight): a whole-string double, no
 * leading space, no overflow, no NaN; null when invalid.
 */
export function parseDouble(s: string): number | null {
  // Decimals of up to 15 digits (most scores and coordinates), from their digits: an integer below
  // 2^53 divided by an exact power of ten is one correctly rounded operation, so the result is
  // strtod's (the classic fast path), without the pattern or the general conversion.
  const n = s.length;
  if (n <= 16) {
    const neg = s.charCodeAt(0) === 0x2d;
    let i = neg ? 1 : 0;
    let v = 0;
    let digits = 0;
    let point = -1;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      const d = c - 0x30;
      if (d >= 0 && d <= 9) {
        v = v * 10 + d;
        digits++;
      } else if (c === 0x2e && point < 0) point = digits;
      else break;
    }
    if (i === n && digits > 0 && digits <= 15) {
      const r = point < 0 ? v : v / POW10[digits - point]!;
      return neg ? -r : r;
    }
  }
  // Plain decimals (scores, coordinates): JavaScript's Number() rounds them correctly, as strtod
  // does, and at this length none can overflow or underflow.
  if (s.length <= 20 && PLAIN_DECIMAL.test(s)) return Number(s);
  if (s.length === 0 || isSpace(s.charCodeAt(0))) return null;
  const end: StrtodEnd = { end: 0, range: false };
  const v = strtod(s, 0, end);
  if (end.end !== s.length || Number.isNaN(v)) return null;
  if (end.range && (v === Infinity || v === -Infinity || v === 0)) return null;
  return v;
}
