// SORT and SORT_RO, as redis-server 7.0.15 runs them:
//   SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE dest]
// Lists, sets and sorted sets are sorted numerically (each element, or the value BY names, read
// as C's strtod reads it) or with ALPHA as byte strings. Redis compares ALPHA values with strcoll
// under the server's locale; Redoubt always behaves as the C (and glibc C.UTF-8) locale does:
// byte order, a string ending at its first NUL byte. With STORE, and for BY values, Redis compares
// whole byte strings; so does Redoubt.
// BY pattern without a '*' skips sorting: a list or sorted set keeps its own order (DESC reverses
// it), a set its iteration order, except that with STORE a set is sorted ALPHA (Redis 7.0 does so
// to keep replicas deterministic).
// Differences: a set's iteration order (hashtable encoding) and the order of elements that compare
// equal (ALPHA BY ties with LIMIT, where Redis uses its own unstable partial sort) may differ from
// Redis's; Redoubt's sort is stable over the source order.
import { catalog } from '../acl/catalog.js';
import { KEY_READ } from '../acl/selector.js';
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import { NOTIFY } from '../server/events.js';
import type { Db } from '../store/db.js';
import type { HashValue } from '../store/types/hash.js';
import { ListValue } from '../store/types/list.js';
import type { SetValue } from '../store/types/set.js';
import type { ZSet } from '../store/types/zset.js';
import { is, parseInteger } from './args.js';
import type { DataContext, HandlerMap } from './types.js';

/** One element being sorted: the element, its numeric score and its ALPHA BY value. */
interface SortItem {
  v: string;
  score: number;
  cmp: string | null;
}

// ---------------------------------------------------------------------------------------------
// The keys SORT reads besides its source key.

/** A key (and hash field) a BY or GET pattern names for one element. */
export interface PatternRef {
  key: string;
  /** The hash field after '->', or null for a string key. */
  field: string | null;
}

/** Length of s as a C string (up to its first NUL byte). */
function cLength(s: string): number {
  const n = s.indexOf('\0');
  return n < 0 ? s.length : n;
}

/** GET # (Redis tests the pattern as a C string: "#" then NUL). */
function isSelfPattern(p: string): boolean {
  return p.length > 0 && p.charCodeAt(0) === 35 && (p.length === 1 || p.charCodeAt(1) === 0);
}

/**
 * The one function that names the keys SORT reads through BY and GET patterns: the first '*' is
 * replaced by the element, and "->field" after it (a non-empty field) selects a hash field. null
 * when the pattern names no key (no '*' before any NUL byte). Redis searches '*' and '->' as C
 * strings; the field and the key's tail keep every byte.
 */
export function patternKey(pattern: string, elem: string): PatternRef | null {
  const cEnd = cLength(pattern);
  const star = pattern.indexOf('*');
  if (star < 0 || star >= cEnd) return null;
  const arrow = pattern.indexOf('->', star + 1);
  if (arrow >= 0 && arrow + 2 < cEnd) {
    return { key: pattern.slice(0, star) + elem + pattern.slice(star + 1, arrow), field: pattern.slice(arrow + 2) };
  }
  return { key: pattern.slice(0, star) + elem + pattern.slice(star + 1), field: null };
}

/** The value a BY or GET pattern yields for an element (a read lookup: hits and misses count). */
function lookupByPattern(db: Db, pattern: string, elem: string): string | null {
  if (isSelfPattern(pattern)) return elem;
  const ref = patternKey(pattern, elem);
  if (ref === null) return null;
  const v = db.lookupRead(ref.key);
  if (v === undefined) return null;
  if (ref.field === null) return typeof v === 'string' ? v : null;
  if (typeof v === 'string' || v.type !== 'hash') return null;
  return (v as HashValue).get(ref.field) ?? null;
}

/**
 * SECURITY: BY (with a '*') and GET read keys that are not at key positions of the command, so
 * the dispatcher's ACL key check cannot see them. As Redis 7.0, these options are allowed only to
 * a user with a selector that allows this request and may read every key (~* or %R~*); others get
 * "ERR BY|GET option of SORT denied due to insufficient ACL permissions.".
 */
function mayReadAnyKey(c: Client, argv: string[], readonly: boolean): boolean {
  return c.user.unrestricted || c.user.mayAccessEveryKey(catalog.lookup(readonly ? 'sort_ro' : 'sort')!, argv, KEY_READ);
}

// ---------------------------------------------------------------------------------------------
// Scores: C's strtod on a NUL-terminated string, with Redis's checks (whole string, no ERANGE,
// no NaN).

const DECIMAL = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF = /^inf(?:inity)?$/i;
const DBL_MIN = 2.2250738585072014e-308;

function isCSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

/** The score of a value, or null when Redis would report it cannot be converted. */
export function sortScore(value: string): number | null {
  const s = value.indexOf('\0') < 0 ? value : value.slice(0, value.indexOf('\0'));
  if (s.length === 0) return 0; // strtod converts nothing and stops at the terminator
  let i = 0;
  while (i < s.length && isCSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const sign = s.charCodeAt(i);
  if (sign === 43 || sign === 45) {
    neg = sign === 45;
    i++;
  }
  const body = i === 0 ? s : s.slice(i);
  let m = DECIMAL.exec(body);
  if (m !== null) {
    const int = m[1]!;
    const frac = m[2] ?? '';
    if (int.length === 0 && frac.length === 0) return null;
    const v = Number(body);
    if (!Number.isFinite(v)) return null; // overflow: ERANGE
    if (v < DBL_MIN && !decimalExactSubnormal(int + frac, m[3] === undefined ? 0 : Number(m[3]), frac.length, v)) return null;
    return neg ? -v : v;
  }
  m = HEX.exec(body);
  if (m !== null) {
    const v = hexValue(m[1]!, m[2] ?? '', m[3]);
    if (v === null) return null;
    return neg ? -v : v;
  }
  if (INF.test(body)) return neg ? -Infinity : Infinity;
  return null; // NaN, or characters strtod stops at
}

/**
 * For a decimal whose double is below DBL_MIN: true when that is not an underflow glibc reports
 * (the value is zero, or is exactly the subnormal double).
 */
function decimalExactSubnormal(digits: string, exp: number, fracLen: number, v: number): boolean {
  let d = digits.replace(/^0+/, '');
  if (d.length === 0) return true; // an exact zero
  if (v === 0) return false; // underflow to zero
  let e10 = exp - fracLen;
  const trimmed = d.replace(/0+$/, '');
  e10 += d.length - trimmed.length;
  d = trimmed;
  // An exact subnormal k * 2^-1074 has at most about 770 significant decimal digits.
  if (d.length > 800 || e10 >= 0 || -e10 > 1200) return false;
  const k = BigInt(v * 2 ** 537 * 2 ** 537); // v as a multiple of 2^-1074 (exact)
  return BigInt(d) * 2n ** 1074n === k * 10n ** BigInt(-e10);
}

/** A hexadecimal float (without sign), or null on overflow or an inexact subnormal result. */
function hexValue(int: string, frac: string, exp: string | undefined): number | null {
  if (int.length === 0 && frac.length === 0) return null; // "0x": strtod stops at the 'x'
  const digits = (int + frac).replace(/^0+/, '');
  if (digits.length === 0) return 0;
  let e = (exp === undefined ? 0 : Number(exp)) - 4 * frac.length;
  const mant = BigInt('0x' + digits);
  const bits = mant.toString(2).length;
  if (bits + e > 1025) return null;
  if (bits + e < -1080) return null; // underflow to zero
  const q = Math.max(bits + e - 53, -1074); // exponent of the result's last bit
  if (q <= e) {
    const v = Number(mant) * 2 ** e;
    return Number.isFinite(v) ? v : null;
  }
  const shift = BigInt(q - e);
  let r = mant >> shift;
  const rem = mant - (r << shift);
  const half = 1n << (shift - 1n);
  if (rem > half || (rem === half && (r & 1n) === 1n)) r += 1n;
  e = q;
  const v = Number(r) * 2 ** e;
  if (!Number.isFinite(v)) return null;
  if (v < DBL_MIN && rem !== 0n) return null; // inexact subnormal: ERANGE
  return v;
}

// ---------------------------------------------------------------------------------------------
// Comparison.

/** strcmp on C strings: byte order, each string ending at its first NUL byte. */
function collate(a: string, b: string): number {
  if (a.indexOf('\0') >= 0) a = a.slice(0, a.indexOf('\0'));
  if (b.indexOf('\0') >= 0) b = b.slice(0, b.indexOf('\0'));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** memcmp then length: latin1 strings compare as their bytes. */
function binary(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byScore(a: SortItem, b: SortItem): number {
  return a.score > b.score ? 1 : a.score < b.score ? -1 : binary(a.v, b.v);
}

function byCmpBinary(a: SortItem, b: SortItem): number {
  if (a.cmp === null || b.cmp === null) return a.cmp === b.cmp ? 0 : a.cmp === null ? -1 : 1;
  return binary(a.cmp, b.cmp);
}

function byCmpCollate(a: SortItem, b: SortItem): number {
  if (a.cmp === null || b.cmp === null) return a.cmp === b.cmp ? 0 : a.cmp === null ? -1 : 1;
  return collate(a.cmp, b.cmp);
}

function byElemBinary(a: SortItem, b: SortItem): number {
  return binary(a.v, b.v);
}

function byElemCollate(a: SortItem, b: SortItem): number {
  return collate(a.v, b.v);
}

// ---------------------------------------------------------------------------------------------

function item(v: string): SortItem {
  return { v, score: 0, cmp: null };
}

function sortGeneric(c: Client, argv: string[], server: DataContext, readonly: boolean): void {
  const db = c.db;
  let desc = false;
  let alpha = false;
  let dontsort = false;
  let limitStart = 0;
  let limitCount = -1;
  let sortby: string | null = null;
  let store: string | null = null;
  let gets: string[] | null = null;
  for (let j = 2; j < argv.length; j++) {
    const a = argv[j]!;
    const left = argv.length - j - 1;
    if (is(a, 'asc')) desc = false;
    else if (is(a, 'desc')) desc = true;
    else if (is(a, 'alpha')) alpha = true;
    else if (is(a, 'limit') && left >= 2) {
      const off = parseInteger(argv[j + 1]!);
      const cnt = off === null ? null : parseInteger(argv[j + 2]!);
      if (off === null || cnt === null) {
        c.out.error(err.notInteger());
        return;
      }
      limitStart = off;
      limitCount = cnt;
      j += 2;
    } else if (is(a, 'store') && left >= 1 && !readonly) {
      store = argv[++j]!;
    } else if (is(a, 'by') && left >= 1) {
      sortby = argv[++j]!;
      const star = sortby.indexOf('*');
      if (star < 0 || star >= cLength(sortby)) dontsort = true;
      else if (!mayReadAnyKey(c, argv, readonly)) {
        c.out.error(err.sortDenied('BY'));
        return;
      }
    } else if (is(a, 'get') && left >= 1) {
      if (!mayReadAnyKey(c, argv, readonly)) {
        c.out.error(err.sortDenied('GET'));
        return;
      }
      (gets ??= []).push(argv[++j]!);
    } else {
      c.out.error(err.syntax());
      return;
    }
  }

  const src = db.lookupRead(argv[1]!);
  if (src !== undefined && (typeof src === 'string' || (src.type !== 'list' && src.type !== 'set' && src.type !== 'zset'))) {
    c.out.error(err.wrongType());
    return;
  }
  const type = src === undefined ? 'list' : src.type;

  // A set has no order of its own: sorted ALPHA when stored or read by a script (whose result
  // must not depend on the set's internal order), whatever BY said.
  if (dontsort && type === 'set' && (store !== null || c.isScript)) {
    dontsort = false;
    alpha = true;
    sortby = null;
  }
  // Redis converts a sorted set to its skiplist encoding for SORT.
  if (type === 'zset' && (src as ZSet).listpack) {
    (src as ZSet).listpack = false;
    // A conversion made by a read (SORT_RO) is not reaccounted by the dispatcher.
    db.reaccount(argv[1]!);
  }

  const len = src === undefined ? 0 : type === 'list' ? (src as ListValue).length : type === 'set' ? (src as SetValue).size : (src as ZSet).size;
  let start = limitStart < 0 ? 0 : limitStart;
  let end = limitCount < 0 ? len - 1 : start + limitCount - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  // Load the elements; a list or sorted set that is not sorted loads just the LIMIT range.
  let items: SortItem[];
  if (src === undefined) {
    items = [];
  } else if (type === 'list') {
    const list = src as ListValue;
    if (dontsort) {
      items = [];
      if (end >= start) {
        const n = end - start + 1;
        if (desc) for (let k = 0; k < n; k++) items.push(item(list.at(len - start - 1 - k)));
        else for (let k = 0; k < n; k++) items.push(item(list.at(start + k)));
      }
      end -= start;
      start = 0;
    } else {
      items = new Array<SortItem>(len);
      for (let k = 0; k < len; k++) items[k] = item(list.at(k));
    }
  } else if (type === 'set') {
    const set = src as SetValue;
    items = new Array<SortItem>(set.size);
    let k = 0;
    for (const m of set.members()) items[k++] = item(m);
  } else {
    const zs = src as ZSet;
    const members: string[] = [];
    if (dontsort) {
      if (end >= start) zs.tree.collect(desc ? len - 1 - start : start, end - start + 1, desc, members, null);
      end -= start;
      start = 0;
    } else {
      zs.tree.collect(0, len, false, members, null);
    }
    items = new Array<SortItem>(members.length);
    for (let k = 0; k < members.length; k++) items[k] = item(members[k]!);
  }

  let badScore = false;
  if (!dontsort) {
    for (const it of items) {
      let by: string | null;
      if (sortby !== null) {
        by = lookupByPattern(db, sortby, it.v);
        if (by === null) continue;
      } else {
        by = it.v;
      }
      if (alpha) {
        if (sortby !== null) it.cmp = by;
      } else {
        const score = sortScore(by);
        if (score === null) badScore = true;
        else it.score = score;
      }
    }
    const cmp = !alpha ? byScore : sortby !== null ? (store !== null ? byCmpBinary : byCmpCollate) : store !== null ? byElemBinary : byElemCollate;
    items.sort(desc ? (a, b) => -cmp(a, b) : cmp);
  }

  const n = end - start + 1;
  const outputLen = gets === null ? n : gets.length * n;
  if (badScore) {
    c.out.error(err.sortNotDouble());
    return;
  }
  if (store === null) {
    c.out.array(outputLen);
    for (let j = start; j <= end; j++) {
      const v = items[j]!.v;
      if (gets === null) {
        c.out.bulk(v);
        continue;
      }
      for (const p of gets) {
        const got = lookupByPattern(db, p, v);
        if (got === null) c.out.nullBulk();
        else c.out.bulk(got);
      }
    }
    return;
  }

  // Uncompressed whatever list-compress-depth says, as redis-server's SORT STORE makes it.
  const out = new ListValue(server.ks.limits.listMaxListpackSize);
  for (let j = start; j <= end; j++) {
    const v = items[j]!.v;
    if (gets === null) out.pushTail(v);
    else for (const p of gets) out.pushTail(lookupByPattern(db, p, v) ?? '');
  }
  if (outputLen > 0) {
    db.set(store, out);
    server.events.written(db, store, NOTIFY.list, 'sortstore', outputLen);
  } else if (db.delete(store)) {
    server.events.written(db, store, NOTIFY.generic, 'del');
  }
  c.out.int(outputLen);
}

export const sortCommands: HandlerMap<DataContext> = {
  // SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination]
  sort(c, argv, server) {
    sortGeneric(c, argv, server, false);
  },

  // SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
  sort_ro(c, argv, server) {
    sortGeneric(c, argv, server, true);
  },
};
