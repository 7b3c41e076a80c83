// Number conversions shared by the lexer, the runtime and the libraries: C's strtod as Lua 5.1
// calls it (string coercion, tonumber, numerals, cjson's number reader) and the C integer casts
// behind luaL_checkinteger / luaL_checkint. No imports, so every module can use it.

const isHex = (c: string | undefined): boolean => c !== undefined && /[0-9a-fA-F]/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** The hex digits `digits` (not empty) times 2^e, rounded once as glibc does for normal results. */
function hexValue(digits: string, e: number): number {
  let m = BigInt('0x' + digits);
  if (m === 0n) return 0;
  // Keep 64 significant bits (the rest as a sticky bit), so a long fraction cannot overflow.
  const extra = m.toString(2).length - 64;
  if (extra > 0) {
    const sticky = (m & ((1n << BigInt(extra)) - 1n)) !== 0n ? 1n : 0n;
    m = (m >> BigInt(extra)) | sticky;
    e += extra;
  }
  const x = Number(m);
  const v = x * Math.pow(2, e);
  if (v !== 0 && Number.isFinite(v)) return v;
  // 2^e alone under- or overflows: scale in two steps.
  const h = Math.trunc(e / 2);
  return x * Math.pow(2, h) * Math.pow(2, e - h);
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
    const value = hexValue(digits, exp - 4 * fracDigits);
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

/**
 * A string as Lua 5.1 reads it as a number (strtod in the C locale, surrounding white space):
 * "10", " 0x1A ", "1e3", ".5", "inf", "nan"; undefined when it is not one. C sees the string up
 * to its first NUL byte.
 */
export function str2number(s: string): number | undefined {
  const nul = s.indexOf('\0');
  if (nul >= 0) s = s.slice(0, nul);
  let i = 0;
  while (i < s.length && SPACE.test(s[i]!)) i++;
  const { value, end } = strtod(s, i);
  if (end === i) return undefined;
  let j = end;
  while (j < s.length && SPACE.test(s[j]!)) j++;
  return j === s.length ? value : undefined;
}

/** C's (ptrdiff_t) cast of a double on x86-64: truncation; NaN and out of range give -2^63. */
export function toInteger(d: number): number {
  return Number.isNaN(d) || d >= 2 ** 63 || d < -(2 ** 63) ? -(2 ** 63) : Math.trunc(d) + 0;
}

/** The ptrdiff_t value cast again to a 32-bit C int (its low 32 bits), as luaL_checkint does. */
export function toInt(d: number): number {
  const n = toInteger(d);
  if (n >= -2147483648 && n <= 2147483647) return n;
  return Number(BigInt.asIntN(32, BigInt(n)));
}
