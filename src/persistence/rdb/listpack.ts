// Listpack, the compact sequence Redis 7.0 keeps small hashes, sorted sets and list nodes in,
// and writes into RDB strings as it is:
//   total bytes (u32 LE) | element count (u16 LE, 65535 = "count it") | entries | 0xFF
// Each entry is an encoding byte (with data) and then "backlen", the size of encoding + data
// in 1-5 bytes, so the list can be walked backwards. Encodings by the first byte:
//   0xxxxxxx          7-bit unsigned integer
//   10xxxxxx          string of up to 63 bytes follows
//   110xxxxx b        13-bit signed integer
//   1110xxxx b        string of up to 4095 bytes follows
//   0xF0 + u32 LE     longer string follows
//   0xF1/F2/F3/F4     16/24/32/64-bit signed integer, little-endian
// A string that is a canonical 64-bit integer is stored as the smallest integer encoding.
import { Buffer } from 'node:buffer';
import { isIntMember } from '../../store/types/set.js';
import { RdbError } from './reader.js';
import { RdbWriter } from './writer.js';

export const LP_HEADER_SIZE = 6;
export const LP_EOF = 0xff;
const LP_COUNT_UNKNOWN = 65535;

/** Builds a listpack entry by entry. */
export class ListpackBuilder {
  private readonly w: RdbWriter;
  count = 0;

  constructor(initial = 64) {
    this.w = new RdbWriter(initial);
    this.w.u32le(0);
    this.w.u16le(0);
  }

  /** Size of the listpack so far, with its end byte (Redis's node->sz, for quicklist fill). */
  get bytes(): number {
    return this.w.length + 1;
  }

  append(s: string): void {
    const w = this.w;
    const start = w.length;
    if (isIntMember(s)) {
      if (s.length <= 15) {
        const v = Number(s);
        if (v >= 0 && v <= 127) {
          w.byte(v);
        } else if (v >= -4096 && v <= 4095) {
          const u = v < 0 ? 8192 + v : v;
          w.byte(0xc0 | (u >> 8));
          w.byte(u & 0xff);
        } else if (v >= -32768 && v <= 32767) {
          w.byte(0xf1);
          w.byte(v & 0xff);
          w.byte((v >> 8) & 0xff);
        } else if (v >= -8388608 && v <= 8388607) {
          w.byte(0xf2);
          w.byte(v & 0xff);
          w.byte((v >> 8) & 0xff);
          w.byte((v >> 16) & 0xff);
        } else if (v >= -2147483648 && v <= 2147483647) {
          w.byte(0xf3);
          w.u32le(v);
        } else {
          w.byte(0xf4);
          w.u64le(BigInt(v));
        }
      } else {
        w.byte(0xf4);
        w.u64le(BigInt(s));
      }
    } else {
      const n = s.length;
      if (n < 64) {
        w.byte(0x80 | n);
      } else if (n < 4096) {
        w.byte(0xe0 | (n >> 8));
        w.byte(n & 0xff);
      } else {
        w.byte(0xf0);
        w.u32le(n);
      }
      w.latin1(s);
    }
    writeBacklen(w, w.length - start);
    this.count++;
  }

  /** The finished listpack. */
  finish(): Buffer {
    this.w.byte(LP_EOF);
    this.w.setU32le(0, this.w.length);
    this.w.setU16le(4, this.count < LP_COUNT_UNKNOWN ? this.count : LP_COUNT_UNKNOWN);
    return this.w.take();
  }
}

function writeBacklen(w: RdbWriter, l: number): void {
  if (l <= 127) {
    w.byte(l);
  } else if (l < 16383) {
    w.byte(l >> 7);
    w.byte((l & 127) | 128);
  } else if (l < 2097151) {
    w.byte(l >> 14);
    w.byte(((l >> 7) & 127) | 128);
    w.byte((l & 127) | 128);
  } else if (l < 268435455) {
    w.byte(l >> 21);
    w.byte(((l >> 14) & 127) | 128);
    w.byte(((l >> 7) & 127) | 128);
    w.byte((l & 127) | 128);
  } else {
    w.byte(Math.floor(l / 2 ** 28));
    w.byte(((l >> 21) & 127) | 128);
    w.byte(((l >> 14) & 127) | 128);
    w.byte(((l >> 7) & 127) | 128);
    w.byte((l & 127) | 128);
  }
}

function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/** A listpack of the given elements. */
export function encodeListpack(items: readonly string[]): Buffer {
  const b = new ListpackBuilder();
  for (const s of items) b.append(s);
  return b.finish();
}

/** Where one listpack entry lies: its offset, header, encoding + data, and back-length sizes. */
export interface ListpackEntry {
  offset: number;
  hdrlen: number;
  /** Header plus data (what the back-length records). */
  entry: number;
  backlen: number;
  value: string;
}

/**
 * Every element of a listpack (integers as decimal strings), after checking its whole
 * structure: header size, each entry's bounds and back-length, the count and the end byte.
 * `base` is the listpack's offset in the payload, for error messages. `visit`, when given,
 * sees where each entry lies.
 */
export function decodeListpack(lp: Buffer, base: number, visit?: (e: ListpackEntry) => void): string[] {
  const bad = (what: string, at: number): never => {
    throw new RdbError(`corrupt listpack: ${what}`, base + at);
  };
  const size = lp.length;
  if (size < LP_HEADER_SIZE + 1) bad('too short', 0);
  if (lp.readUInt32LE(0) !== size) bad('total bytes do not match its size', 0);
  if (lp[size - 1] !== LP_EOF) bad('no end byte', size - 1);
  const declared = lp.readUInt16LE(4);
  const out: string[] = [];
  const last = size - 1;
  let p = LP_HEADER_SIZE;
  while (p < last) {
    const b = lp[p]!;
    let entry: number; // encoding + data size
    let v: string;
    if ((b & 0x80) === 0) {
      entry = 1;
      v = String(b);
    } else if ((b & 0xc0) === 0x80) {
      const n = b & 0x3f;
      entry = 1 + n;
      if (p + entry > last) bad('string past the end', p);
      v = lp.toString('latin1', p + 1, p + 1 + n);
    } else if ((b & 0xe0) === 0xc0) {
      entry = 2;
      if (p + 2 > last) bad('integer past the end', p);
      const u = ((b & 0x1f) << 8) | lp[p + 1]!;
      v = String(u >= 4096 ? u - 8192 : u);
    } else if ((b & 0xf0) === 0xe0) {
      if (p + 2 > last) bad('length past the end', p);
      const n = ((b & 0x0f) << 8) | lp[p + 1]!;
      entry = 2 + n;
      if (p + entry > last) bad('string past the end', p);
      v = lp.toString('latin1', p + 2, p + 2 + n);
    } else if (b === 0xf0) {
      if (p + 5 > last) bad('length past the end', p);
      const n = lp.readUInt32LE(p + 1);
      entry = 5 + n;
      if (p + entry > last) bad('string past the end', p);
      v = lp.toString('latin1', p + 5, p + 5 + n);
    } else if (b >= 0xf1 && b <= 0xf4) {
      const w = b === 0xf1 ? 2 : b === 0xf2 ? 3 : b === 0xf3 ? 4 : 8;
      entry = 1 + w;
      if (p + entry > last) bad('integer past the end', p);
      v = w === 2 ? String(lp.readInt16LE(p + 1)) : w === 3 ? String(lp.readIntLE(p + 1, 3)) : w === 4 ? String(lp.readInt32LE(p + 1)) : lp.readBigInt64LE(p + 1).toString();
    } else {
      return bad(`invalid entry encoding 0x${b.toString(16)}`, p);
    }
    const bl = backlenSize(entry);
    if (p + entry + bl > last) bad('back-length past the end', p + entry);
    // The back-length is read from its last byte towards its first (7 bits each).
    let back = 0;
    for (let k = 0; k < bl; k++) {
      const x = lp[p + entry + bl - 1 - k]!;
      back += (x & 127) * 2 ** (7 * k);
      if ((k < bl - 1) !== ((x & 128) !== 0)) bad('invalid back-length', p + entry);
    }
    if (back !== entry) bad('back-length does not match the entry', p + entry);
    if (visit) visit({ offset: p, hdrlen: b === 0xf0 ? 5 : (b & 0xf0) === 0xe0 ? 2 : 1, entry, backlen: bl, value: v });
    out.push(v);
    p += entry + bl;
  }
  if (p !== last) bad('entries run past the end', p);
  if (declared !== LP_COUNT_UNKNOWN && declared !== out.length) bad(`count ${declared} does not match ${out.length} entries`, 4);
  return out;
}

/**
 * A listpack's structure as text, in the layout of Redis's DEBUG LISTPACK (lpRepr): the header,
 * then per entry its index, offset, sizes, bytes in hex and value (cut at 40 characters). Redis
 * also prints each entry's memory address; Redoubt has none to print.
 */
export function listpackRepr(lp: Buffer): string {
  const lines: string[] = [];
  let index = 0;
  const entries: ListpackEntry[] = [];
  decodeListpack(lp, 0, (e) => entries.push(e));
  lines.push(`{total bytes ${lp.length}} {num entries ${lp.readUInt16LE(4)}}`);
  for (const e of entries) {
    const size = e.entry + e.backlen;
    let hex = '';
    for (let k = 0; k < size; k++) hex += lp[e.offset + k]!.toString(16).padStart(2, '0') + '|';
    const shown = e.value.length > 40 ? e.value.slice(0, 40) + '...' : e.value;
    lines.push(
      '{',
      `\tindex: ${String(index++).padStart(2)},`,
      `\toffset: ${e.offset},`,
      `\thdr+entrylen+backlen: ${String(size).padStart(2)},`,
      `\thdrlen: ${String(e.hdrlen).padStart(3)},`,
      `\tbacklen: ${String(e.backlen).padStart(2)},`,
      `\tpayload: ${size - e.hdrlen - e.backlen}`,
      `\tbytes: ${hex}`,
      `\t[str]${shown}`,
      '}',
    );
  }
  lines.push('{end}', '');
  return lines.join('\n');
}
