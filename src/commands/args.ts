// Argument parsing shared by every command group, with Redis's strictness (util.c string2ll,
// string2ld). Arguments are latin1 strings.

import { err } from '../errors.js';
import type { Client } from '../server/client.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const STRICT_INT = /^(0|-?[1-9][0-9]*)$/;

/** An exact signed 64-bit integer, or null (Redis's string2ll rules: no spaces, no '+', no leading zeros). */
export function parseBigInt(s: string): bigint | null {
  if (s.length === 0 || s.length > 20 || !STRICT_INT.test(s)) return null;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? null : v;
}

/**
 * A strict integer of 1 to 15 characters (exact as a double), or null: Redis's string2ll rules
 * (an optional '-', then '0' alone or a digit 1-9 followed by digits) read with a digit loop.
 * The fast path of parseInteger, and of INCR and friends (longer texts go through parseBigInt).
 */
export function smallInteger(s: string): number | null {
  const len = s.length;
  if (len === 0 || len > 15) return null;
  const neg = s.charCodeAt(0) === 0x2d;
  if (neg && len === 1) return null;
  let i = neg ? 1 : 0;
  const lead = s.charCodeAt(i) - 0x30;
  if (lead === 0) return len === 1 ? 0 : null;
  if (lead < 0 || lead > 9) return null;
  let v = lead;
  for (i++; i < len; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/**
 * A signed 64-bit integer as a number (exact up to 2^53, rounded beyond: fine for counts,
 * indexes and times, which are clamped anyway), or null.
 */
export function parseInteger(s: string): number | null {
  if (s.length <= 15) return smallInteger(s);
  const v = parseBigInt(s);
  return v === null ? null : Number(v);
}

const FLOAT_RE = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?)$/i;

/**
 * A double as Redis reads it (strtod-like, whole string, no spaces, no NaN). Accepts "inf",
 * "-inf", "+inf". Returns null when malformed.
 */
export function parseFloatArg(s: string): number | null {
  if (s.length === 0 || !FLOAT_RE.test(s)) return null;
  const low = s.toLowerCase();
  if (low.endsWith('inf') || low.endsWith('infinity')) return low.startsWith('-') ? -Infinity : Infinity;
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}

/** Case-insensitive comparison of an argument with a lower-case keyword. */
export function is(arg: string | undefined, keyword: string): boolean {
  return arg !== undefined && arg.length === keyword.length && arg.toLowerCase() === keyword;
}

/**
 * An expire argument (EXPIRE family, SET EX/PX/EXAT/PXAT, GETEX) as an absolute time in ms: `now`
 * added when `relative`, seconds made ms. Null after Redis's reply: not an integer, not positive
 * when `positive` (SET and GETEX; EXPIRE allows times in the past), or past 64 bits once
 * converted or added to. `cmdName` (any case) is named lower-cased in the invalid-expire error.
 */
export function parseExpireTime(c: Client, arg: string, cmdName: string, now: number, seconds: boolean, relative: boolean, positive: boolean): number | null {
  // Up to 12 digits the whole sum stays below 2^53: plain numbers are exact.
  if (arg.length <= 12) {
    const n = parseInteger(arg);
    if (n === null) {
      c.out.error(err.notInteger());
      return null;
    }
    if (positive && n <= 0) {
      c.out.error(err.invalidExpire(cmdName.toLowerCase()));
      return null;
    }
    return (seconds ? n * 1000 : n) + (relative ? now : 0);
  }
  let when = parseBigInt(arg);
  if (when === null) {
    c.out.error(err.notInteger());
    return null;
  }
  const overflow = (): null => {
    c.out.error(err.invalidExpire(cmdName.toLowerCase()));
    return null;
  };
  if (positive && when <= 0n) return overflow();
  if (seconds) {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) return overflow();
    when *= 1000n;
  }
  if (relative) {
    const base = BigInt(now);
    if (when > INT64_MAX - base) return overflow();
    when += base;
  }
  return Number(when);
}

/**
 * A timeout in milliseconds (WAIT, CLIENT PAUSE, XREAD BLOCK): a non-negative integer, or null
 * after Redis's reply for a bad one.
 */
export function parseMsTimeout(c: Client, arg: string): number | null {
  const t = parseInteger(arg);
  if (t === null) {
    c.out.error(err.timeoutNotInteger());
    return null;
  }
  if (t < 0) {
    c.out.error(err.timeoutNegative());
    return null;
  }
  return t;
}

/** An integer of at least `min` (Redis's getPositiveLong and friends), or null after replying `msg`. */
export function parseCount(c: Client, arg: string, min: number, msg: string): number | null {
  const n = parseInteger(arg);
  if (n === null || n < min) {
    c.out.error(msg);
    return null;
  }
  return n;
}

/**
 * LMPOP/ZMPOP-style arguments from argv[idx]: numkeys key [key ...] <first|second> [COUNT count].
 * `first` is true when the first of the two direction words was given. Null after an error reply.
 */
export function parseMpopArgs(
  c: Client,
  argv: string[],
  idx: number,
  words: readonly [string, string],
): { keys: string[]; first: boolean; count: number } | null {
  const numkeys = parseCount(c, argv[idx]!, 1, err.numkeysPositive());
  if (numkeys === null) return null;
  const whereIdx = idx + numkeys + 1;
  if (whereIdx >= argv.length) {
    c.out.error(err.syntax());
    return null;
  }
  const where = argv[whereIdx]!;
  const first = is(where, words[0]);
  if (!first && !is(where, words[1])) {
    c.out.error(err.syntax());
    return null;
  }
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && is(argv[j], 'count') && j + 1 < argv.length) {
      const n = parseCount(c, argv[++j]!, 1, err.countPositive());
      if (n === null) return null;
      count = n;
    } else {
      c.out.error(err.syntax());
      return null;
    }
  }
  return { keys: argv.slice(idx + 1, whereIdx), first, count: count === -1 ? 1 : count };
}
