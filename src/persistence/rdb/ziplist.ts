// Ziplist and zipmap: the compact encodings of Redis before 7.0. Redis 7.0 still loads them
// from RDB files and RESTORE payloads (converting them to listpacks); so does Redoubt. Never
// written.
//
// Ziplist: zlbytes (u32 LE) | zltail (u32 LE, offset of the last entry) | zllen (u16 LE,
// 65535 = "count it") | entries | 0xFF. Each entry: prevlen (1 byte below 254, else 0xFE and a
// u32 LE), then an encoding byte:
//   00xxxxxx            string of up to 63 bytes
//   01xxxxxx b          string of up to 16383 bytes (14-bit length, big-endian)
//   10xxxxxx + u32 BE   longer string
//   0xC0 / 0xD0 / 0xE0  int16 / int32 / int64, little-endian
//   0xF0                int24;  0xFE int8;  0xF1..0xFD the integers 0..12 in the byte itself
//
// Zipmap (hashes, Redis 2.x): zmlen (1 byte) | entries | 0xFF, each entry the key length, the
// key, the value length, a "free" byte, the value and that many unused bytes. Lengths are one
// byte below 254, else 0xFE and a u32 LE.
import { Buffer } from 'node:buffer';
import { RdbError } from './reader.js';

const ZIPLIST_HEADER = 10;
const ZIP_END = 0xff;
const ZIP_BIG_PREVLEN = 254;

/** Every element of a ziplist, after checking its structure. `base`: offset for messages. */
export function decodeZiplist(zl: Buffer, base: number): string[] {
  const bad = (what: string, at: number): never => {
    throw new RdbError(`corrupt ziplist: ${what}`, base + at);
  };
  const size = zl.length;
  if (size < ZIPLIST_HEADER + 1) bad('too short', 0);
  if (zl.readUInt32LE(0) !== size) bad('zlbytes does not match its size', 0);
  if (zl[size - 1] !== ZIP_END) bad('no end byte', size - 1);
  const tail = zl.readUInt32LE(4);
  const declared = zl.readUInt16LE(8);
  const last = size - 1;
  const out: string[] = [];
  let p = ZIPLIST_HEADER;
  let prevSize = 0;
  let lastEntry = ZIPLIST_HEADER;
  while (p < last) {
    const start = p;
    // prevlen
    let prevlen: number;
    if (zl[p]! < ZIP_BIG_PREVLEN) {
      prevlen = zl[p]!;
      p += 1;
    } else if (zl[p] === ZIP_BIG_PREVLEN) {
      if (p + 5 > last) bad('prevlen past the end', p);
      prevlen = zl.readUInt32LE(p + 1);
      p += 5;
    } else {
      return bad('invalid prevlen', p);
    }
    if (prevlen !== prevSize) bad('prevlen does not match the previous entry', start);
    if (p >= last) bad('entry past the end', p);
    const b = zl[p]!;
    let v: string;
    const kind = b >> 6;
    if (kind < 3) {
      let n: number;
      let hdr: number;
      if (kind === 0) {
        n = b & 0x3f;
        hdr = 1;
      } else if (kind === 1) {
        if (p + 2 > last) bad('length past the end', p);
        n = ((b & 0x3f) << 8) | zl[p + 1]!;
        hdr = 2;
      } else {
        if (p + 5 > last) bad('length past the end', p);
        n = zl.readUInt32BE(p + 1);
        hdr = 5;
      }
      if (p + hdr + n > last) bad('string past the end', p);
      v = zl.toString('latin1', p + hdr, p + hdr + n);
      p += hdr + n;
    } else {
      let w: number;
      if (b === 0xc0) w = 2;
      else if (b === 0xd0) w = 4;
      else if (b === 0xe0) w = 8;
      else if (b === 0xf0) w = 3;
      else if (b === 0xfe) w = 1;
      else if (b >= 0xf1 && b <= 0xfd) w = 0;
      else return bad(`invalid entry encoding 0x${b.toString(16)}`, p);
      if (p + 1 + w > last) bad('integer past the end', p);
      const d = p + 1;
      v =
        w === 0
          ? String((b & 0x0f) - 1)
          : w === 1
            ? String(zl.readInt8(d))
            : w === 2
              ? String(zl.readInt16LE(d))
              : w === 3
                ? String(zl.readIntLE(d, 3))
                : w === 4
                  ? String(zl.readInt32LE(d))
                  : zl.readBigInt64LE(d).toString();
      p += 1 + w;
    }
    out.push(v);
    prevSize = p - start;
    lastEntry = start;
  }
  if (p !== last) bad('entries run past the end', p);
  if (out.length > 0 && tail !== lastEntry) bad('zltail does not point at the last entry', 4);
  if (out.length === 0 && tail !== ZIPLIST_HEADER) bad('zltail of an empty ziplist', 4);
  if (declared !== 65535 && declared !== out.length) bad(`count ${declared} does not match ${out.length} entries`, 8);
  return out;
}

/** The fields and values of a zipmap, interleaved, after checking its structure. */
export function decodeZipmap(zm: Buffer, base: number): string[] {
  const bad = (what: string, at: number): never => {
    throw new RdbError(`corrupt zipmap: ${what}`, base + at);
  };
  const size = zm.length;
  if (size < 2) bad('too short', 0);
  const out: string[] = [];
  let p = 1;
  const readLen = (): number => {
    if (p >= size) bad('length past the end', p);
    const b = zm[p]!;
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 254) {
      if (p + 5 > size) bad('length past the end', p);
      const n = zm.readUInt32LE(p + 1);
      p += 5;
      return n;
    }
    return bad('unexpected end byte', p);
  };
  while (p < size && zm[p] !== ZIP_END) {
    const klen = readLen();
    if (p + klen > size) bad('key past the end', p);
    const key = zm.toString('latin1', p, p + klen);
    p += klen;
    const vlen = readLen();
    if (p >= size) bad('free byte past the end', p);
    const free = zm[p]!;
    p += 1;
    if (p + vlen + free > size) bad('value past the end', p);
    out.push(key, zm.toString('latin1', p, p + vlen));
    p += vlen + free;
  }
  if (p !== size - 1) bad('no end byte at the end', p);
  const declared = zm[0]!;
  if (declared < 254 && declared !== out.length / 2) bad(`count ${declared} does not match ${out.length / 2} entries`, 0);
  return out;
}
