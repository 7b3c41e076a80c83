// Lua 5.1's string library as Redis 7.0.15 runs it: byte, char, dump, find, format, gfind,
// gmatch, gsub, len, lower, match, rep, reverse, sub, upper; Lua patterns written from the
// reference manual (C locale classes), with a matcher that keeps its backtracking on a heap stack
// so no pattern can exhaust the JavaScript stack.
import { toInteger, toInt } from '../number.js';
import { LuaClosure, limits } from '../runtime.js';
import { LuaError, LuaFunction, LuaTable, call, luaType, numberToString, type LuaGenerator, type LuaResults, type LuaValue, type LuaYield } from '../value.js';
import { argError, typeError, checkString, checkNumber, checkInteger, optInteger, checkInt } from './args.js';

/** Strings longer than this cannot be built (V8's limit): 5.1 would fail to allocate. */
const MAX_STRING = 0x1fffffe8;

function notEnoughMemory(): LuaError {
  return new LuaError('not enough memory');
}

// ---------------------------------------------------------------------------------------------
// Patterns

const CAP_UNFINISHED = -1;
const CAP_POSITION = -2;
const MAX_CAPTURES = 32;
/** Backtracking entries the matcher keeps at most (Lua 5.1 would overflow the C stack well before). */
const MAX_BACKTRACK = 4_000_000;
const L_ESC = 37; // '%'
const SPECIALS = /[\^$*+?.([%-]/;

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** A %x class letter against a byte, C locale (bytes >= 128 are in no class). */
function matchClass(c: number, cl: number): boolean {
  let res: boolean;
  switch (cl | 0x20) {
    case 97: res = isAlpha(c); break; // a
    case 99: res = c < 32 || c === 127; break; // c
    case 100: res = isDigit(c); break; // d
    case 108: res = c >= 97 && c <= 122; break; // l
    case 112: res = (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126); break; // p
    case 115: res = c === 32 || (c >= 9 && c <= 13); break; // s
    case 117: res = c >= 65 && c <= 90; break; // u
    case 119: res = isAlpha(c) || isDigit(c); break; // w
    case 120: res = isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70); break; // x
    case 122: res = c === 0; break; // z
    default: return cl === c;
  }
  return cl >= 65 && cl <= 90 ? !res : res;
}

// Backtracking entry kinds.
const BT_OPEN = 0; // undo a capture opened: level--
const BT_CLOSE = 1; // undo a capture closed: a = level
const BT_OPTIONAL = 2; // '?' skipped: resume at (a = s, b = p)
const BT_MAX = 3; // greedy: a = s, b = count, c = ep (item end)
const BT_MIN = 4; // lazy: a = s, b = p (item), c = ep

class Matcher {
  level = 0;
  readonly capStart: number[] = [];
  readonly capLen: number[] = [];
  private readonly stack: number[] = [];
  /** The pattern ends at its first NUL byte, as 5.1 reads it. */
  readonly pend: number;

  constructor(
    readonly src: string,
    readonly pat: string,
  ) {
    const nul = pat.indexOf('\0');
    this.pend = nul < 0 ? pat.length : nul;
  }

  private pc(p: number): number {
    return p < this.pend ? this.pat.charCodeAt(p) : 0;
  }

  /** Index just past the single-character class starting at p. */
  private classEnd(p: number): number {
    const c = this.pc(p++);
    if (c === L_ESC) {
      if (p >= this.pend) throw new LuaError("malformed pattern (ends with '%')");
      return p + 1;
    }
    if (c === 91) { // '['
      if (this.pc(p) === 94) p++; // '^'
      do {
        if (p >= this.pend) throw new LuaError("malformed pattern (missing ']')");
        const cc = this.pc(p++);
        if (cc === L_ESC && p < this.pend) p++;
      } while (this.pc(p) !== 93);
      return p + 1;
    }
    return p;
  }

  /** c against the set [..] from p (at '[') to ec (at its ']'). */
  private matchSet(c: number, p: number, ec: number): boolean {
    let sig = true;
    if (this.pc(p + 1) === 94) {
      sig = false;
      p++;
    }
    while (++p < ec) {
      const pc = this.pc(p);
      if (pc === L_ESC) {
        p++;
        if (matchClass(c, this.pc(p))) return sig;
      } else if (this.pc(p + 1) === 45 && p + 2 < ec) { // range a-z
        p += 2;
        if (pc <= c && c <= this.pc(p)) return sig;
      } else if (pc === c) {
        return sig;
      }
    }
    return !sig;
  }

  private single(s: number, p: number, ep: number): boolean {
    if (s >= this.src.length) return false;
    const c = this.src.charCodeAt(s);
    switch (this.pc(p)) {
      case 46: return true; // '.'
      case L_ESC: return matchClass(c, this.pc(p + 1));
      case 91: return this.matchSet(c, p, ep - 1);
      default: return this.pc(p) === c;
    }
  }

  private push(kind: number, a: number, b: number, c: number): void {
    if (this.stack.length >= MAX_BACKTRACK * 4) throw new LuaError('pattern too complex');
    this.stack.push(kind, a, b, c);
  }

  /** Matches the pattern from p against the subject from s: the end of the match, or -1. */
  match(s: number, p: number): number {
    const stack = this.stack;
    const src = this.src;
    const base = stack.length;
    for (;;) {
      let failed = false;
      if (p >= this.pend) return s;
      const c = this.pc(p);
      dispatch: switch (c) {
        case 40: { // '('
          if (this.level >= MAX_CAPTURES) throw new LuaError('too many captures');
          const position = this.pc(p + 1) === 41;
          this.capStart[this.level] = s;
          this.capLen[this.level] = position ? CAP_POSITION : CAP_UNFINISHED;
          this.level++;
          this.push(BT_OPEN, 0, 0, 0);
          p += position ? 2 : 1;
          break;
        }
        case 41: { // ')'
          let l = this.level - 1;
          while (l >= 0 && this.capLen[l] !== CAP_UNFINISHED) l--;
          if (l < 0) throw new LuaError('invalid pattern capture');
          this.capLen[l] = s - this.capStart[l]!;
          this.push(BT_CLOSE, l, 0, 0);
          p++;
          break;
        }
        case 36: // '$'
          if (p + 1 === this.pend) {
            if (s === src.length) p++;
            else failed = true;
            break;
          }
          failed = this.item(s, p);
          if (!failed) {
            s = this.ns;
            p = this.np;
          }
          break;
        case L_ESC: {
          const n = this.pc(p + 1);
          if (n === 98) { // %b
            if (p + 3 >= this.pend) throw new LuaError('unbalanced pattern');
            const e = this.balance(s, p + 2);
            if (e < 0) failed = true;
            else {
              s = e;
              p += 4;
            }
            break dispatch;
          }
          if (n === 102) { // %f
            p += 2;
            if (this.pc(p) !== 91) throw new LuaError("missing '[' after '%f' in pattern");
            const ep = this.classEnd(p);
            const prev = s === 0 ? 0 : src.charCodeAt(s - 1);
            const cur = s < src.length ? src.charCodeAt(s) : 0;
            if (this.matchSet(prev, p, ep - 1) || !this.matchSet(cur, p, ep - 1)) failed = true;
            else p = ep;
            break dispatch;
          }
          if (isDigit(n)) { // back-reference
            const l = n - 49;
            if (l < 0 || l >= this.level || this.capLen[l] === CAP_UNFINISHED) throw new LuaError('invalid capture index');
            const len = this.capLen[l]!;
            const start = this.capStart[l]!;
            if (len >= 0 && src.length - s >= len && src.substr(s, len) === src.substr(start, len)) {
              s += len;
              p += 2;
            } else {
              failed = true;
            }
            break dispatch;
          }
          failed = this.item(s, p);
          if (!failed) {
            s = this.ns;
            p = this.np;
          }
          break;
        }
        default:
          failed = this.item(s, p);
          if (!failed) {
            s = this.ns;
            p = this.np;
          }
      }
      if (!failed) continue;
      // Backtrack to the latest alternative.
      for (;;) {
        if (stack.length === base) return -1;
        const cc = stack.pop()!;
        const bb = stack.pop()!;
        const aa = stack.pop()!;
        const kind = stack.pop()!;
        if (kind === BT_OPEN) {
          this.level--;
        } else if (kind === BT_CLOSE) {
          this.capLen[aa] = CAP_UNFINISHED;
        } else if (kind === BT_OPTIONAL) {
          s = aa;
          p = bb;
          break;
        } else if (kind === BT_MAX) {
          if (bb === 0) continue;
          stack.push(BT_MAX, aa, bb - 1, cc);
          s = aa + bb - 1;
          p = cc + 1;
          break;
        } else { // BT_MIN
          if (!this.single(aa, bb, cc)) continue;
          stack.push(BT_MIN, aa + 1, bb, cc);
          s = aa + 1;
          p = cc + 1;
          break;
        }
      }
    }
  }

  /** Where a successful single item leaves the match (set by item()). */
  private ns = 0;
  private np = 0;

  /** One single-character class with its optional quantifier at p; returns true on failure. */
  private item(s: number, p: number): boolean {
    const ep = this.classEnd(p);
    const m = this.single(s, p, ep);
    switch (this.pc(ep)) {
      case 63: // '?'
        if (m) {
          this.push(BT_OPTIONAL, s, ep + 1, 0);
          this.ns = s + 1;
          this.np = ep + 1;
        } else {
          this.ns = s;
          this.np = ep + 1;
        }
        return false;
      case 42: // '*'
      case 43: { // '+'
        if (this.pc(ep) === 43) {
          if (!m) return true;
          s++;
        }
        let i = 0;
        while (this.single(s + i, p, ep)) i++;
        this.push(BT_MAX, s, i, ep);
        this.ns = s + i;
        this.np = ep + 1;
        return false;
      }
      case 45: // '-'
        this.push(BT_MIN, s, p, ep);
        this.ns = s;
        this.np = ep + 1;
        return false;
      default:
        if (!m) return true;
        this.ns = s + 1;
        this.np = ep;
        return false;
    }
  }

  private balance(s: number, p: number): number {
    const src = this.src;
    if (s >= src.length || src.charCodeAt(s) !== this.pc(p)) return -1;
    const b = this.pc(p);
    const e = this.pc(p + 1);
    let depth = 1;
    while (++s < src.length) {
      const c = src.charCodeAt(s);
      if (c === e) {
        if (--depth === 0) return s + 1;
      } else if (c === b) {
        depth++;
      }
    }
    return -1;
  }

  /** Starts a fresh attempt: no captures, no backtracking left over. */
  reset(): void {
    this.level = 0;
    this.stack.length = 0;
  }

  /** Capture i of the match s..e (the whole match stands for capture 0 when there are none). */
  capture(i: number, s: number, e: number): LuaValue {
    if (i >= this.level) {
      if (i === 0) return this.src.slice(s, e);
      throw new LuaError('invalid capture index');
    }
    const len = this.capLen[i]!;
    if (len === CAP_UNFINISHED) throw new LuaError('unfinished capture');
    const start = this.capStart[i]!;
    if (len === CAP_POSITION) return start + 1;
    return this.src.slice(start, start + len);
  }

  /** All captures (or the whole match when there are none and wholeIfNone). */
  captures(s: number, e: number, wholeIfNone: boolean): LuaValue[] {
    const n = this.level === 0 && wholeIfNone ? 1 : this.level;
    const out: LuaValue[] = [];
    for (let i = 0; i < n; i++) out.push(this.capture(i, s, e));
    return out;
  }
}

/** 5.1's relative string position: negative counts from the end; below 0 becomes 0. */
function posrelat(pos: number, len: number): number {
  if (pos < 0) pos += len + 1;
  return pos >= 0 ? pos : 0;
}

function strFindAux(args: LuaValue[], find: boolean): LuaResults {
  const fname = find ? 'find' : 'match';
  const s = checkString(args, 0, fname);
  const p = checkString(args, 1, fname);
  let init = posrelat(optInteger(args, 2, fname, 1), s.length) - 1;
  if (init < 0) init = 0;
  else if (init > s.length) init = s.length;
  if (find) {
    const plain = args[3] !== undefined && args[3] !== false;
    const nul = p.indexOf('\0');
    if (plain || !SPECIALS.test(nul < 0 ? p : p.slice(0, nul))) {
      const at = s.indexOf(p, init);
      return at < 0 ? [undefined] : [at + 1, at + p.length];
    }
  }
  const m = new Matcher(s, p);
  const anchor = m.pend > 0 && p.charCodeAt(0) === 94;
  const start = anchor ? 1 : 0;
  let s1 = init;
  do {
    m.reset();
    const e = m.match(s1, start);
    if (e >= 0) return find ? [s1 + 1, e, ...m.captures(s1, e, false)] : m.captures(s1, e, true);
  } while (s1++ < s.length && !anchor);
  return [undefined];
}

function gmatch(args: LuaValue[]): LuaResults {
  const s = checkString(args, 0, 'gmatch');
  const p = checkString(args, 1, 'gmatch');
  let pos = 0;
  const m = new Matcher(s, p);
  const iter = LuaFunction.native('?', () => {
    for (let src = pos; src <= s.length; src++) {
      m.reset();
      const e = m.match(src, 0);
      if (e >= 0) {
        pos = e === src ? e + 1 : e;
        return m.captures(src, e, true);
      }
    }
    return [];
  });
  return [iter];
}

/** t[key] with __index metamethods, as lua_gettable does for gsub's table replacement. */
function* index(t: LuaValue, key: LuaValue): Generator<LuaYield, LuaValue, LuaResults | undefined> {
  for (let loop = 0; loop < 100; loop++) {
    if (t instanceof LuaTable) {
      const v = t.get(key);
      if (v !== undefined) return v;
      const h = t.metatable?.get('__index');
      if (h === undefined) return undefined;
      if (h instanceof LuaFunction) return (yield* call(h, [t, key]))[0];
      t = h;
    } else {
      throw new LuaError(`attempt to index a ${luaType(t)} value`);
    }
  }
  throw new LuaError("loop in gettable");
}

function* gsub(args: LuaValue[]): LuaGenerator {
  const src = checkString(args, 0, 'gsub');
  const p = checkString(args, 1, 'gsub');
  const repl = args[2];
  const tr = luaType(repl);
  if (tr !== 'number' && tr !== 'string' && tr !== 'function' && tr !== 'table') {
    throw argError(2, 'gsub', 'string/function/table expected');
  }
  const maxN = optInteger(args, 3, 'gsub', src.length + 1);
  const replStr = typeof repl === 'number' ? numberToString(repl) : typeof repl === 'string' ? repl : null;
  const m = new Matcher(src, p);
  const anchor = m.pend > 0 && p.charCodeAt(0) === 94;
  const start = anchor ? 1 : 0;
  const out: string[] = [];
  let size = 0;
  let s = 0;
  let n = 0;
  while (n < maxN) {
    m.reset();
    const e = m.match(s, start);
    if (e >= 0) {
      n++;
      let piece: string;
      if (replStr !== null) {
        piece = expandReplacement(m, replStr, s, e);
      } else {
        let v: LuaValue;
        if (tr === 'function') v = (yield* call(repl, m.captures(s, e, true)))[0];
        else v = yield* index(repl, m.capture(0, s, e));
        if (v === undefined || v === false) piece = src.slice(s, e);
        else if (typeof v === 'string') piece = v;
        else if (typeof v === 'number') piece = numberToString(v);
        else throw new LuaError(`invalid replacement value (a ${luaType(v)})`);
      }
      out.push(piece);
      size += piece.length;
    }
    if (e >= 0 && e > s) {
      s = e;
    } else if (s < src.length) {
      out.push(src[s]!);
      size++;
      s++;
    } else {
      break;
    }
    if (size > MAX_STRING) throw notEnoughMemory();
    if (anchor) break;
  }
  out.push(src.slice(s));
  if (size + src.length - s > MAX_STRING) throw notEnoughMemory();
  return [out.join(''), n];
}

/** A replacement string: %0-%9 are captures, '%' before anything else stands for that character. */
function expandReplacement(m: Matcher, r: string, s: number, e: number): string {
  if (!r.includes('%')) return r;
  let out = '';
  for (let i = 0; i < r.length; i++) {
    const c = r.charCodeAt(i);
    if (c !== L_ESC) {
      out += r[i];
      continue;
    }
    i++;
    const d = i < r.length ? r.charCodeAt(i) : 0; // 5.1 reads the string's terminating NUL
    if (!isDigit(d)) out += String.fromCharCode(d);
    else if (d === 48) out += m.src.slice(s, e);
    else {
      const v = m.capture(d - 49, s, e);
      out += typeof v === 'number' ? numberToString(v) : (v as string);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// string.format

/** A finite double as an exact fraction: x = d / 10^k (d a non-negative integer). */
function exactDecimal(x: number): { d: bigint; k: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const bits = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (bits === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = bits - 1075;
  }
  if (e2 >= 0) return { d: mant << BigInt(e2), k: 0 };
  return { d: mant * 5n ** BigInt(-e2), k: -e2 };
}

/** round(d / 10^k * 10^scale), ties to even (the exact decimal value, as glibc rounds). */
function roundScaled(d: bigint, k: number, scale: number): bigint {
  const t = scale - k;
  if (t >= 0) return d * 10n ** BigInt(t);
  const div = 10n ** BigInt(-t);
  const q = d / div;
  const r2 = (d % div) * 2n;
  if (r2 > div || (r2 === div && q % 2n === 1n)) return q + 1n;
  return q;
}

/** %f body of |x|: precision digits after the point. */
function fixedBody(x: number, precision: number, alt: boolean): string {
  const { d, k } = exactDecimal(x);
  const digits = roundScaled(d, k, precision).toString().padStart(precision + 1, '0');
  const int = digits.slice(0, digits.length - precision);
  const frac = digits.slice(digits.length - precision);
  return precision > 0 || alt ? `${int}.${frac}` : int;
}

/** |x| rounded to precision+1 significant digits: the digits and the decimal exponent. */
function sciDigits(x: number, precision: number): { digits: string; exp: number } {
  if (x === 0) return { digits: '0'.repeat(precision + 1), exp: 0 };
  const { d, k } = exactDecimal(x);
  let exp = d.toString().length - k - 1;
  let n = roundScaled(d, k, precision - exp).toString();
  if (n.length > precision + 1) {
    exp++;
    n = n.slice(0, precision + 1);
  }
  return { digits: n, exp };
}

function expBody(x: number, precision: number, alt: boolean, upper: boolean): string {
  const { digits, exp } = sciDigits(x, precision);
  return sciText(digits, exp, alt, upper);
}

function sciText(digits: string, exp: number, alt: boolean, upper: boolean): string {
  const mant = digits.length > 1 || alt ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${mant}${upper ? 'E' : 'e'}${e}`;
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function generalBody(x: number, precision: number, alt: boolean, upper: boolean): string {
  const p = precision === 0 ? 1 : precision;
  const { digits, exp } = sciDigits(x, p - 1);
  if (exp < -4 || exp >= p) {
    if (alt) return sciText(digits, exp, true, upper);
    const mant = stripZeros(digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits);
    return `${mant}${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const body = fixedBody(x, p - 1 - exp, alt);
  return alt ? body : stripZeros(body);
}

interface Spec {
  flags: string;
  width: number;
  precision: number | undefined;
}

function pad(sign: string, body: string, spec: Spec, zeroOk: boolean): string {
  const len = sign.length + body.length;
  if (len >= spec.width) return sign + body;
  const fill = spec.width - len;
  if (spec.flags.includes('-')) return sign + body + ' '.repeat(fill);
  if (zeroOk && spec.flags.includes('0')) return sign + '0'.repeat(fill) + body;
  return ' '.repeat(fill) + sign + body;
}

/** C's (long) cast of a double on x86-64, as a bigint. */
function toLong(x: number): bigint {
  return BigInt(toInteger(x));
}

function formatInt(x: number, conv: string, spec: Spec): string {
  let v = toLong(x);
  let sign = '';
  if (conv === 'd' || conv === 'i') {
    if (v < 0n) {
      sign = '-';
      v = -v;
    } else if (spec.flags.includes('+')) sign = '+';
    else if (spec.flags.includes(' ')) sign = ' ';
  } else {
    v = BigInt.asUintN(64, v);
  }
  const radix = conv === 'o' ? 8 : conv === 'x' || conv === 'X' ? 16 : 10;
  let digits = v.toString(radix);
  if (conv === 'X') digits = digits.toUpperCase();
  if (spec.precision !== undefined) {
    digits = spec.precision === 0 && v === 0n ? '' : digits.padStart(spec.precision, '0');
  }
  if (spec.flags.includes('#')) {
    if (conv === 'o' && !digits.startsWith('0')) digits = '0' + digits;
    else if ((conv === 'x' || conv === 'X') && v !== 0n) sign = conv === 'x' ? '0x' : '0X';
  }
  return pad(sign, digits, spec, spec.precision === undefined);
}

function formatFloat(x: number, conv: string, spec: Spec): string {
  const upper = conv === 'E' || conv === 'G';
  const alt = spec.flags.includes('#');
  let sign = '';
  if (Number.isNaN(x)) sign = '-'; // x86's 0/0 is -nan; JavaScript keeps no NaN sign
  else if (x < 0 || Object.is(x, -0)) sign = '-';
  else if (spec.flags.includes('+')) sign = '+';
  else if (spec.flags.includes(' ')) sign = ' ';
  if (!Number.isFinite(x)) {
    const body = Number.isNaN(x) ? 'nan' : 'inf';
    return pad(sign, upper ? body.toUpperCase() : body, spec, false);
  }
  const a = Math.abs(x);
  const precision = spec.precision ?? 6;
  let body: string;
  if (conv === 'f') body = fixedBody(a, precision, alt);
  else if (conv === 'e' || conv === 'E') body = expBody(a, precision, alt, upper);
  else body = generalBody(a, precision, alt, upper);
  return pad(sign, body, spec, true);
}

/**
 * What string.dump returns for a Lua function. Redoubt compiles Lua to JavaScript, so no bytecode
 * exists to give. Scripts (Redis's own tests among them) still call string.dump and expect a
 * string, so this is an opaque token: the 12-byte header of a Lua 5.1 binary chunk as a 64-bit
 * little-endian redis-server writes it (ESC "Lua", version 0x51, format 0, little-endian, int 4,
 * size_t 8, instruction 4, number 8, not integral) and nothing after it. It is the same for every
 * function and carries nothing of it. No loader accepts it: loadstring/load only compile source
 * text, where the leading ESC is a syntax error, so they return nil and
 * `[string "\27LuaQ"]:1: unexpected symbol near 'char(27)'` exactly as Redis's loader does for a
 * real dump (Redis refuses bytecode the same way).
 */
const DUMP_TOKEN = '\x1bLua\x51\x00\x01\x04\x08\x04\x08\x00';

/** C's "%.<precision>g" etc. for one conversion, exported for anyone formatting numbers as C does. */
export function formatNumber(x: number, conv: 'e' | 'E' | 'f' | 'g' | 'G', precision?: number, flags = ''): string {
  return formatFloat(x, conv, { flags, width: 0, precision });
}

function quoted(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' || c === '\\' || c === '\n') out += '\\' + c;
    else if (c === '\r') out += '\\r';
    else if (c === '\0') out += '\\000';
    else out += c;
  }
  return out + '"';
}

function format(args: LuaValue[]): LuaResults {
  const fmt = checkString(args, 0, 'format');
  const out: string[] = [];
  let size = 0;
  let arg = 0;
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i++]!;
    if (c !== '%') {
      const next = fmt.indexOf('%', i);
      const chunk = fmt.slice(i - 1, next < 0 ? fmt.length : next);
      out.push(chunk);
      size += chunk.length;
      i += chunk.length - 1;
      continue;
    }
    if (fmt[i] === '%') {
      out.push('%');
      size++;
      i++;
      continue;
    }
    if (++arg >= args.length) throw argError(arg, 'format', 'no value');
    // flags, width (2 digits at most), precision (2 digits at most)
    const flagStart = i;
    while (i < fmt.length && '-+ #0'.includes(fmt[i]!)) i++;
    if (i - flagStart >= 6) throw new LuaError('invalid format (repeated flags)');
    const spec: Spec = { flags: fmt.slice(flagStart, i), width: 0, precision: undefined };
    const digitAt = (j: number): boolean => j < fmt.length && isDigit(fmt.charCodeAt(j));
    let w = i;
    if (digitAt(i)) i++;
    if (digitAt(i)) i++;
    spec.width = i > w ? Number(fmt.slice(w, i)) : 0;
    if (fmt[i] === '.') {
      i++;
      w = i;
      if (digitAt(i)) i++;
      if (digitAt(i)) i++;
      spec.precision = i > w ? Number(fmt.slice(w, i)) : 0;
    }
    if (digitAt(i)) throw new LuaError('invalid format (width or precision too long)');
    const conv = i < fmt.length ? fmt[i++]! : '';
    let piece: string;
    switch (conv) {
      case 'c': {
        const code = toInt(checkNumber(args, arg, 'format')) & 255;
        // C's sprintf writes the NUL, then 5.1 keeps the buffer up to its first NUL.
        if (code === 0) piece = spec.flags.includes('-') ? '' : ' '.repeat(Math.max(0, spec.width - 1));
        else piece = pad('', String.fromCharCode(code), spec, false);
        break;
      }
      case 'd':
      case 'i':
      case 'o':
      case 'u':
      case 'x':
      case 'X':
        piece = formatInt(checkNumber(args, arg, 'format'), conv, spec);
        break;
      case 'e':
      case 'E':
      case 'f':
      case 'g':
      case 'G':
        piece = formatFloat(checkNumber(args, arg, 'format'), conv, spec);
        break;
      case 'q':
        piece = quoted(checkString(args, arg, 'format'));
        break;
      case 's': {
        let s = checkString(args, arg, 'format');
        if (spec.precision === undefined && s.length >= 100) {
          piece = s; // 5.1 keeps a long string whole, width and all
        } else {
          const nul = s.indexOf('\0');
          if (nul >= 0) s = s.slice(0, nul);
          if (spec.precision !== undefined) s = s.slice(0, spec.precision);
          piece = pad('', s, spec, false);
        }
        break;
      }
      default:
        throw new LuaError(`invalid option '%${conv === '\0' ? '' : conv}' to 'format'`);
    }
    out.push(piece);
    size += piece.length;
    if (size > MAX_STRING) throw notEnoughMemory();
  }
  return [out.join('')];
}

// ---------------------------------------------------------------------------------------------
// The library

function lower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

function upper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

export function stringLibrary(): LuaTable {
  const t = new LuaTable();
  const native = (name: string, fn: (args: LuaValue[]) => LuaResults): LuaFunction => {
    const f = LuaFunction.native(name, fn);
    t.set(name, f);
    return f;
  };

  native('byte', (args) => {
    const s = checkString(args, 0, 'byte');
    let posi = posrelat(optInteger(args, 1, 'byte', 1), s.length);
    let pose = posrelat(optInteger(args, 2, 'byte', posi), s.length);
    if (posi <= 0) posi = 1;
    if (pose > s.length) pose = s.length;
    const out: number[] = [];
    for (let i = posi; i <= pose; i++) out.push(s.charCodeAt(i - 1));
    return out;
  });

  native('char', (args) => {
    let out = '';
    for (let i = 0; i < args.length; i++) {
      const c = checkInt(args, i, 'char');
      if (c < 0 || c > 255) throw argError(i, 'char', 'invalid value');
      out += String.fromCharCode(c);
    }
    return [out];
  });

  native('dump', (args) => {
    if (!(args[0] instanceof LuaFunction)) throw typeError(args, 0, 'dump', 'function');
    if (!(args[0] instanceof LuaClosure)) throw new LuaError('unable to dump given function'); // a library function, as 5.1 for C functions
    return [DUMP_TOKEN];
  });

  native('find', (args) => strFindAux(args, true));
  native('format', format);
  const gm = native('gmatch', gmatch);
  t.set('gfind', gm); // 5.1's compatibility alias: the same function

  t.set('gsub', LuaFunction.resumable('gsub', gsub));

  native('len', (args) => [checkString(args, 0, 'len').length]);
  native('lower', (args) => [lower(checkString(args, 0, 'lower'))]);
  native('match', (args) => strFindAux(args, false));

  native('rep', (args) => {
    const s = checkString(args, 0, 'rep');
    const n = checkInt(args, 1, 'rep');
    if (n <= 0 || s.length === 0) return [''];
    if (s.length * n > Math.min(MAX_STRING, limits.memory)) throw notEnoughMemory();
    return [s.repeat(n)];
  });

  native('reverse', (args) => [checkString(args, 0, 'reverse').split('').reverse().join('')]);

  native('sub', (args) => {
    const s = checkString(args, 0, 'sub');
    let start = posrelat(checkInteger(args, 1, 'sub'), s.length);
    let end = posrelat(optInteger(args, 2, 'sub', -1), s.length);
    if (start < 1) start = 1;
    if (end > s.length) end = s.length;
    return [start <= end ? s.slice(start - 1, end) : ''];
  });

  native('upper', (args) => [upper(checkString(args, 0, 'upper'))]);
  return t;
}
