// Intset, the encoding of small all-integer sets: encoding (u32 LE: 2, 4 or 8 bytes per
// element) | count (u32 LE) | the integers ascending, little-endian, all in that width.
// Redis widens an intset when a member needs it and never narrows it again; written here with
// the narrowest width the members need.
import { Buffer } from 'node:buffer';
import { compareInts } from '../../store/types/set.js';
import { RdbError } from './reader.js';

const HEADER = 8;

/** An intset of canonical integer strings, already in ascending order. */
export function encodeIntset(members: readonly string[]): Buffer {
  let width = 2;
  for (const m of members) {
    if (m.length > 11) {
      width = 8;
      break;
    }
    const v = Number(m);
    if (v < -2147483648 || v > 2147483647) {
      width = 8;
      break;
    }
    if (v < -32768 || v > 32767) width = 4;
  }
  const out = Buffer.allocUnsafe(HEADER + width * members.length);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(members.length, 4);
  let p = HEADER;
  for (const m of members) {
    if (width === 2) out.writeInt16LE(Number(m), p);
    else if (width === 4) out.writeInt32LE(Number(m), p);
    else out.writeBigInt64LE(BigInt(m), p);
    p += width;
  }
  return out;
}

/** The members of an intset as decimal strings; checks the size and the strict ascending order. */
export function decodeIntset(b: Buffer, base: number): string[] {
  const bad = (what: string, at: number): never => {
    throw new RdbError(`corrupt intset: ${what}`, base + at);
  };
  if (b.length < HEADER) bad('too short', 0);
  const width = b.readUInt32LE(0);
  if (width !== 2 && width !== 4 && width !== 8) bad(`invalid encoding ${width}`, 0);
  const n = b.readUInt32LE(4);
  if (HEADER + n * width !== b.length) bad('count does not match its size', 4);
  const out: string[] = new Array<string>(n);
  let p = HEADER;
  for (let i = 0; i < n; i++) {
    const s = width === 2 ? String(b.readInt16LE(p)) : width === 4 ? String(b.readInt32LE(p)) : b.readBigInt64LE(p).toString();
    if (i > 0 && compareInts(out[i - 1]!, s) >= 0) bad('members not in ascending order', p);
    out[i] = s;
    p += width;
  }
  return out;
}
