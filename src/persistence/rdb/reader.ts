// RdbReader: reads RDB primitives from a Buffer with a moving offset. Every failure (truncated
// input, an unknown encoding, a length past the end) throws an RdbError that names the offset.
import { Buffer } from 'node:buffer';
import { lzfDecompress } from './lzf.js';
import { RDB_ENCVAL, RDB_ENC_INT16, RDB_ENC_INT32, RDB_ENC_INT8, RDB_ENC_LZF } from './writer.js';

/**
 * What kind of failure an RdbError is, which decides how start-up reports it (rdbErrorLog):
 * - `eof`: the data ends before what it announces (a truncated file);
 * - `corrupt`: bytes that cannot be what the format puts there;
 * - `checksum`: the CRC-64 at the end does not match (RdbChecksumError);
 * - `fatal`: the file cannot be used at all, with a message Redis logs as is (signature,
 *   version, a database index past `databases`) or a value Redoubt cannot hold.
 */
export type RdbErrorKind = 'eof' | 'corrupt' | 'checksum' | 'fatal';

export class RdbError extends Error {
  constructor(
    /** The message without the offset. */
    readonly reason: string,
    readonly offset: number,
    readonly kind: RdbErrorKind = 'corrupt',
  ) {
    super(`${reason} at offset ${offset}`);
    this.name = 'RdbError';
  }
}

/** The CRC-64 stored at the end of the file differs from the one computed over it. */
export class RdbChecksumError extends RdbError {
  constructor(
    readonly expected: bigint,
    readonly stored: bigint,
    offset: number,
  ) {
    super('Wrong RDB checksum', offset, 'checksum');
    this.name = 'RdbChecksumError';
  }
}

/** A value Redoubt cannot hold (streams): the data may be sound, Redoubt has no such type. */
export class RdbUnsupportedError extends RdbError {
  constructor(
    readonly what: string,
    offset: number,
  ) {
    super(`${what} values are not supported`, offset, 'fatal');
    this.name = 'RdbUnsupportedError';
  }
}

/**
 * The warning lines that report a file that cannot be loaded, with the key phrases redis-server
 * 7.0.15 logs for the same failure (log watchers and scripts grep for them):
 * a truncated file: "Short read or OOM loading DB. Unrecoverable error, aborting now." then
 * "Internal error in RDB reading offset N ... -> Unexpected EOF reading RDB file"; a checksum
 * mismatch: "Wrong RDB checksum expected: (hex) but got (hex). Aborting now." then "... -> RDB CRC
 * error"; other corruption: "Internal error in RDB reading offset N ... -> reason". Redis names
 * its own source line after the offset ("function at rdb.c:L"); Redoubt leaves that part out and
 * gives the file offset where the problem is (Redis gives the bytes loaded at its last progress
 * update, often 0).
 */
export function rdbErrorLog(e: RdbError): string[] {
  const internal = (reason: string): string => `Internal error in RDB reading offset ${e.offset} -> ${reason}`;
  if (e instanceof RdbChecksumError) {
    return [`Wrong RDB checksum expected: (${e.expected.toString(16)}) but got (${e.stored.toString(16)}). Aborting now.`, internal('RDB CRC error')];
  }
  switch (e.kind) {
    case 'eof':
      return ['Short read or OOM loading DB. Unrecoverable error, aborting now.', internal('Unexpected EOF reading RDB file')];
    case 'fatal':
      return [e.reason];
    default:
      return [internal(e.reason)];
  }
}

/** A length, or a special string encoding (when `encoded`). */
interface Len {
  value: number;
  encoded: boolean;
}

export class RdbReader {
  pos: number;

  /** Reads buf[start, end). */
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(message: string, at = this.pos, kind: RdbErrorKind = 'corrupt'): never {
    throw new RdbError(message, at, kind);
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.pos) this.fail(`truncated ${what}: ${n} bytes needed, ${this.end - this.pos} left`, this.pos, 'eof');
  }

  byte(): number {
    this.need(1, 'byte');
    return this.buf[this.pos++]!;
  }

  bytes(n: number, what = 'data'): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  private lenOrEncoding(): Len {
    const at = this.pos;
    const first = this.byte();
    const kind = first >> 6;
    if (kind === RDB_ENCVAL) return { value: first & 0x3f, encoded: true };
    if (kind === 0) return { value: first & 0x3f, encoded: false };
    if (kind === 1) return { value: ((first & 0x3f) << 8) | this.byte(), encoded: false };
    if (first === 0x80) {
      this.need(4, 'length');
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return { value: v, encoded: false };
    }
    if (first === 0x81) {
      this.need(8, 'length');
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('length too large', at);
      return { value: Number(v), encoded: false };
    }
    return this.fail(`unknown length encoding 0x${first.toString(16)}`, at);
  }

  /** A plain length (a count or a size). */
  len(): number {
    const at = this.pos;
    const l = this.lenOrEncoding();
    if (l.encoded) this.fail('encoded value where a length was expected', at);
    return l.value;
  }

  /** A plain length of up to 64 bits (stream IDs and counters). */
  lenBig(): bigint {
    const at = this.pos;
    if (this.remaining > 0 && this.buf[this.pos] === 0x81) {
      this.pos++;
      this.need(8, 'length');
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      return v;
    }
    const l = this.lenOrEncoding();
    if (l.encoded) this.fail('encoded value where a length was expected', at);
    return BigInt(l.value);
  }

  /**
   * A count of items that each take at least `minBytes` bytes: checked against what is left,
   * so a corrupt count cannot make the loader allocate or loop far past the input.
   */
  count(minBytes: number, what: string): number {
    const at = this.pos;
    const n = this.len();
    // Redis would read on and meet the end of the file: reported as a short read.
    if (n * minBytes > this.remaining) this.fail(`${what} count ${n} exceeds the data left`, at, 'eof');
    return n;
  }

  /** An RDB string (plain, integer-encoded or LZF-compressed) as raw bytes. */
  stringBytes(): Buffer {
    const at = this.pos;
    const l = this.lenOrEncoding();
    if (!l.encoded) return this.bytes(l.value, 'string');
    switch (l.value) {
      case RDB_ENC_INT8:
      case RDB_ENC_INT16:
      case RDB_ENC_INT32:
        return Buffer.from(this.intString(l.value), 'latin1');
      case RDB_ENC_LZF: {
        const clen = this.len();
        const len = this.len();
        const packed = this.bytes(clen, 'compressed string');
        // SECURITY: the stated size is bounded by what LZF can expand the input to (a match of
        // 264 bytes per 2 input bytes), so a small payload cannot ask for a huge allocation.
        if (len > clen * 132 + 32) this.fail('LZF string expands too much', at);
        const out = lzfDecompress(packed, len);
        if (out === null) this.fail('invalid LZF compressed string', at);
        return out;
      }
      default:
        return this.fail(`unknown string encoding ${l.value}`, at);
    }
  }

  /** An RDB string as a latin1 string. */
  string(): string {
    const at = this.pos;
    const l = this.lenOrEncoding();
    if (!l.encoded) {
      this.need(l.value, 'string');
      const s = this.buf.toString('latin1', this.pos, this.pos + l.value);
      this.pos += l.value;
      return s;
    }
    if (l.value === RDB_ENC_LZF) {
      this.pos = at;
      return this.stringBytes().toString('latin1');
    }
    if (l.value > RDB_ENC_INT32) this.fail(`unknown string encoding ${l.value}`, at);
    return this.intString(l.value);
  }

  private intString(enc: number): string {
    if (enc === RDB_ENC_INT8) {
      this.need(1, 'integer');
      return String(this.buf.readInt8(this.pos++));
    }
    if (enc === RDB_ENC_INT16) {
      this.need(2, 'integer');
      const v = this.buf.readInt16LE(this.pos);
      this.pos += 2;
      return String(v);
    }
    this.need(4, 'integer');
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return String(v);
  }

  /** An 8-byte little-endian double (ZSET_2). */
  binaryDouble(): number {
    this.need(8, 'double');
    const d = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return d;
  }

  /** A double as text with a 1-byte length; 253 = nan, 254 = +inf, 255 = -inf (old ZSET). */
  textDouble(): number {
    const at = this.pos;
    const n = this.byte();
    if (n === 253) return NaN;
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    const s = this.bytes(n, 'double').toString('latin1');
    const d = parseDoubleText(s);
    if (d === null) this.fail(`invalid double "${s}"`, at);
    return d;
  }
}

const DOUBLE_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A double as Redis writes it in text ("%.17g", integers, inf, -inf, nan); null otherwise. */
export function parseDoubleText(s: string): number | null {
  if (DOUBLE_TEXT.test(s)) return Number(s);
  const low = s.toLowerCase();
  if (low === 'inf' || low === '+inf' || low === 'infinity' || low === '+infinity') return Infinity;
  if (low === '-inf' || low === '-infinity') return -Infinity;
  if (low === 'nan' || low === '-nan') return NaN;
  return null;
}
