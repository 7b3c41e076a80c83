// LZF, the compression of RDB strings (written when rdbcompression is on), implemented from the
// format: a stream of items, each starting with a control byte c.
//   c < 32: a literal run; the next c + 1 bytes are copied to the output.
//   c >= 32: a back-reference; len = c >> 5 (7 means "7 + the next byte"), then one more byte
//     gives the low 8 bits of the offset, whose high 5 bits are c & 31. It copies len + 2 bytes
//     starting offset + 1 bytes back in the output (the copy may overlap what it writes).
// So a literal run is 1..32 bytes, a match is 3..264 bytes at a distance of 1..8192.
//
// The compressor is a greedy single pass over a hash table of 3-byte prefixes. Any valid stream
// decodes the same, but Redis's compressor can choose other matches, so compressed bytes (and
// the decision to compress at all, which needs a gain of 4 bytes) may differ from Redis's.

import { Buffer } from 'node:buffer';

const MAX_LITERAL = 32;
const MAX_OFFSET = 8192;
const MAX_MATCH = 264;
const HASH_BITS = 14;
const HASH_SIZE = 1 << HASH_BITS;

/**
 * Reused between calls without clearing it (64 KB: clearing cost more than compressing a small
 * list node): a call stores positions as `base + position + 1`, with a base above every value an
 * earlier call stored, so older entries read as empty. Cleared only when the bases run out.
 */
const table = new Int32Array(HASH_SIZE);
let nextBase = 0;

function hash3(a: number, b: number, c: number): number {
  return (Math.imul((a << 16) | (b << 8) | c, 0x9e3779b1) >>> (32 - HASH_BITS)) & (HASH_SIZE - 1);
}

/**
 * Compresses `input` into at most maxOut bytes; null when the result would not fit (the
 * caller then stores the data as it is).
 */
export function lzfCompress(input: Uint8Array, maxOut: number): Buffer | null {
  const n = input.length;
  if (n === 0 || maxOut <= 0) return null;
  const out = Buffer.allocUnsafe(maxOut);
  let op = 0;
  if (nextBase > 0x7fffffff - n - 1) {
    table.fill(0);
    nextBase = 0;
  }
  const base = nextBase;
  nextBase += n + 1;
  let lit = 0; // start of the pending literal run
  let i = 0;

  const flushLiterals = (end: number): boolean => {
    while (lit < end) {
      const run = Math.min(MAX_LITERAL, end - lit);
      if (op + 1 + run > maxOut) return false;
      out[op++] = run - 1;
      for (let k = 0; k < run; k++) out[op++] = input[lit + k]!;
      lit += run;
    }
    return true;
  };

  while (i + 2 < n) {
    const h = hash3(input[i]!, input[i + 1]!, input[i + 2]!);
    const ref = table[h]! - base - 1;
    table[h] = base + i + 1;
    if (ref >= 0 && i - ref <= MAX_OFFSET && input[ref] === input[i] && input[ref + 1] === input[i + 1] && input[ref + 2] === input[i + 2]) {
      const maxLen = Math.min(MAX_MATCH, n - i);
      let len = 3;
      while (len < maxLen && input[ref + len] === input[i + len]) len++;
      if (!flushLiterals(i)) return null;
      const off = i - ref - 1;
      const l = len - 2;
      if (l < 7) {
        if (op + 2 > maxOut) return null;
        out[op++] = (l << 5) | (off >> 8);
      } else {
        if (op + 3 > maxOut) return null;
        out[op++] = (7 << 5) | (off >> 8);
        out[op++] = l - 7;
      }
      out[op++] = off & 0xff;
      // Index the positions inside the match too, so later data can refer to them.
      const end = i + len;
      for (let p = i + 1; p < end && p + 2 < n; p++) table[hash3(input[p]!, input[p + 1]!, input[p + 2]!)] = base + p + 1;
      i = end;
      lit = i;
    } else {
      i++;
    }
  }
  if (!flushLiterals(n)) return null;
  return out.subarray(0, op);
}

/** Decompresses exactly outLen bytes from `input` (all of it consumed); null when malformed. */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer | null {
  const out = Buffer.allocUnsafe(outLen);
  let op = 0;
  let ip = 0;
  const n = input.length;
  while (ip < n) {
    const c = input[ip++]!;
    if (c < 32) {
      const run = c + 1;
      if (ip + run > n || op + run > outLen) return null;
      for (let k = 0; k < run; k++) out[op++] = input[ip++]!;
    } else {
      let len = c >> 5;
      if (len === 7) {
        if (ip >= n) return null;
        len += input[ip++]!;
      }
      if (ip >= n) return null;
      const ref = op - (((c & 31) << 8) | input[ip++]!) - 1;
      len += 2;
      if (ref < 0 || op + len > outLen) return null;
      for (let k = 0; k < len; k++) out[op++] = out[ref + k]!;
    }
  }
  return op === outLen ? out : null;
}
