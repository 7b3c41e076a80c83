// RdbWriter: appends RDB primitives (lengths, strings, doubles) to a growable buffer. Used by
// DUMP now and meant for RDB files later (a file writer can drain `take()` as it fills).
import { Buffer } from 'node:buffer';
import { lzfCompress } from './lzf.js';

// Length encodings: the two top bits of the first byte.
export const RDB_6BITLEN = 0;
export const RDB_14BITLEN = 1;
export const RDB_32BITLEN = 0x80;
export const RDB_64BITLEN = 0x81;
export const RDB_ENCVAL = 3;
// Special string encodings (low 6 bits after RDB_ENCVAL).
export const RDB_ENC_INT8 = 0;
export const RDB_ENC_INT16 = 1;
export const RDB_ENC_INT32 = 2;
export const RDB_ENC_LZF = 3;

const CANONICAL_INT = /^(0|-?[1-9][0-9]{0,10})$/;

export class RdbWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initial));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** The bytes written so far (a view: copy it before writing more if it must be kept). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** The bytes written so far, as a new buffer, and an empty writer. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b & 0xff;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A latin1 string's bytes, as they are. */
  latin1(s: string): void {
    this.ensure(s.length);
    this.pos += this.buf.write(s, this.pos, s.length, 'latin1');
  }

  /** Overwrites 4 bytes at an earlier position (headers whose size is known at the end). */
  setU32le(at: number, v: number): void {
    this.buf.writeUInt32LE(v >>> 0, at);
  }

  setU16le(at: number, v: number): void {
    this.buf.writeUInt16LE(v, at);
  }

  u16le(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
  }

  u32le(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  u64le(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
  }

  /** An RDB length: 1, 2, 5 or 9 bytes, the multi-byte forms big-endian, as Redis writes them. */
  len(n: number): void {
    if (n < 64) {
      this.byte(n);
    } else if (n < 16384) {
      this.ensure(2);
      this.buf[this.pos++] = (RDB_14BITLEN << 6) | (n >> 8);
      this.buf[this.pos++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      this.ensure(5);
      this.buf[this.pos++] = RDB_32BITLEN;
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      this.ensure(9);
      this.buf[this.pos++] = RDB_64BITLEN;
      this.buf.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  /** An RDB length of up to 64 bits (stream IDs and counters). */
  lenBig(n: bigint): void {
    if (n <= 0xffffffffn) {
      this.len(Number(n));
    } else {
      this.ensure(9);
      this.buf[this.pos++] = RDB_64BITLEN;
      this.buf.writeBigUInt64BE(BigInt.asUintN(64, n), this.pos);
      this.pos += 8;
    }
  }

  /**
   * A string as Redis's rdbSaveRawString writes it: up to 11 bytes holding a canonical 32-bit
   * integer as INT8/16/32; else, when compress is on and it is over 20 bytes, LZF if that saves
   * at least 4 bytes; else the length and the bytes.
   */
  string(s: string, compress: boolean): void {
    const n = s.length;
    if (n <= 11 && n > 0 && CANONICAL_INT.test(s) && this.tryInt(Number(s))) return;
    if (compress && n > 20) {
      const raw = Buffer.from(s, 'latin1');
      if (this.tryLzf(raw)) return;
      this.len(n);
      this.bytes(raw);
      return;
    }
    this.len(n);
    this.latin1(s);
  }

  /** A byte blob (a listpack, an intset) written as an RDB string. */
  blob(b: Uint8Array, compress: boolean): void {
    if (compress && b.length > 20 && this.tryLzf(b)) return;
    this.len(b.length);
    this.bytes(b);
  }

  private tryInt(v: number): boolean {
    if (v >= -128 && v <= 127) {
      this.byte((RDB_ENCVAL << 6) | RDB_ENC_INT8);
      this.byte(v);
    } else if (v >= -32768 && v <= 32767) {
      this.byte((RDB_ENCVAL << 6) | RDB_ENC_INT16);
      this.ensure(2);
      this.buf.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else if (v >= -2147483648 && v <= 2147483647) {
      this.byte((RDB_ENCVAL << 6) | RDB_ENC_INT32);
      this.ensure(4);
      this.buf.writeInt32LE(v, this.pos);
      this.pos += 4;
    } else {
      return false;
    }
    return true;
  }

  private tryLzf(raw: Uint8Array): boolean {
    const packed = lzfCompress(raw, raw.length - 4);
    if (packed === null) return false;
    this.byte((RDB_ENCVAL << 6) | RDB_ENC_LZF);
    this.len(packed.length);
    this.len(raw.length);
    this.bytes(packed);
    return true;
  }

  /** A double as 8 bytes, little-endian (ZSET_2 scores). */
  binaryDouble(d: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }
}
