// Argument parsing shared by every command group, with Redis's strictness (util.c string2ll,
// string2ld). Arguments are latin1 strings.

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
 * A signed 64-bit integer as a number (exact up to 2^53, rounded beyond: fine for counts,
 * indexes and times, which are clamped anyway), or null.
 */
export function parseInteger(s: string): number | null {
  if (s.length > 0 && s.length <= 15) return STRICT_INT.test(s) ? Number(s) : null;
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
