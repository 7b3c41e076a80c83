// Latin1 strings in Buffers: the form in which requests arrive, replies go out and packed values
// (lists, streams) keep their elements. Buffer's own latin1 codec is called directly, without
// toString's / write's argument handling; strings of up to SHORT_LATIN1 characters are written
// in JavaScript, cheaper than a call into the native encoder.

import { Buffer } from 'node:buffer';

/** A Buffer with its own latin1 codec methods (every Buffer has them; the types do not say so). */
export interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number, length?: number): number;
}

/** Strings up to this long are written byte by byte in JavaScript. */
const SHORT_LATIN1 = 32;

/** Writes latin1 string `s` into `b` at `at` (room for it is the caller's); returns its length. */
export function putLatin1(b: Latin1Buffer, at: number, s: string): number {
  const n = s.length;
  if (n > SHORT_LATIN1) return b.latin1Write(s, at, n);
  for (let j = 0; j < n; j++) b[at + j] = s.charCodeAt(j);
  return n;
}

/** Decimal digits of `n`, a non-negative integer below 2^31 (small enough to be inlined where replies are written). */
export function digitCount(n: number): number {
  const m = n | 0;
  return m < 10 ? 1 : m < 100 ? 2 : m < 1000 ? 3 : m < 10000 ? 4 : m < 100000 ? 5 : m < 1000000 ? 6 : m < 10000000 ? 7 : m < 100000000 ? 8 : m < 1000000000 ? 9 : 10;
}

/** The length of String(n) for a safe integer `n`, without making the string. */
export function decimalLength(n: number): number {
  const sign = n < 0 ? 1 : 0;
  const a = sign === 1 ? -n : n;
  if (a < 0x80000000) return sign + digitCount(a);
  let len = sign + 10;
  for (let t = Math.floor(a / 1e10); t >= 1; t = Math.floor(t / 10)) len++;
  return len;
}
