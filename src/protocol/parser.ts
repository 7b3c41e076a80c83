// Incremental RESP request parser: multibulk and inline commands, pipelined, split anywhere.
// Arguments come out as latin1 strings (one code unit per byte, so binary safe).
// Limits and error texts are Redis 7.0's (networking.c: processMultibulkBuffer/processInlineBuffer).
import { Buffer } from 'node:buffer';
import type { Latin1Buffer } from '../latin1.js';
import { SECRET_BEARING } from '../security/secrets.js';

/** Redis's PROTO_INLINE_MAX_SIZE: an inline request or a count line may not exceed it. */
export const INLINE_MAX = 64 * 1024;
/** Bulk arguments at least this big are collected in their own buffer, never re-concatenated. */
const BIG_ARG = 32 * 1024;
/** The query buffer's first size (Redis's PROTO_IOBUF_LEN). */
export const QUERY_BUF = 16 * 1024;
/** resize(): a query buffer wasting less than this is left alone; above RESIZE_THRESHOLD it follows the peak. */
const RESIZE_WASTE = 4 * 1024;
const RESIZE_THRESHOLD = 32 * 1024;
/**
 * Query buffers of QUERY_BUF bytes are slots of 1 MiB slabs, taken at a client's first read and
 * given back when it goes idle or closes (the next connection's first read then costs no
 * allocation). A slab is one allocation the system maps page by page as it is written: a slot
 * costs resident memory only once a request cut by the end of a read is kept in it, where a
 * 16 KiB allocation of its own costs a page or two at once (about 4 KiB per connection). Slots
 * are reused, never freed: the slabs number the most query buffers held at once, in MiB. The
 * parser never reads beyond the bytes it wrote into one.
 */
const SLAB_SLOTS = 64;
const slabs = new WeakSet<ArrayBufferLike>();
const freeSlots: Buffer[] = [];

function takeQueryBuffer(): Buffer {
  const b = freeSlots.pop();
  if (b !== undefined) return b;
  const slab = Buffer.allocUnsafeSlow(QUERY_BUF * SLAB_SLOTS);
  slabs.add(slab.buffer);
  for (let i = SLAB_SLOTS - 1; i > 0; i--) freeSlots.push(slab.subarray(i * QUERY_BUF, (i + 1) * QUERY_BUF));
  return slab.subarray(0, QUERY_BUF);
}

/** Gives back a query buffer no longer referenced by its parser (other buffers are left to the GC). */
function giveQueryBuffer(b: Buffer): void {
  if (b.length === QUERY_BUF && slabs.has(b.buffer)) freeSlots.push(b);
}

/** Before authentication (SECURITY.md "pre-auth"), as Redis 7 does. */
export const UNAUTH_MAX_ARGS = 10;
export const UNAUTH_MAX_BULK = 16384;
const INT_MAX = 2147483647;
/** V8's longest string (2^29 - 24 code units): a bigger argument cannot be held, whatever proto-max-bulk-len says. */
export const MAX_ARG_LEN = (1 << 29) - 24;

export class ProtocolError extends Error {}

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** True while the connection still has to authenticate. */
  authRequired: boolean;
}

const EMPTY = Buffer.alloc(0);
/** Largest argument count whose argv array is allocated at its full size before the arguments arrive. */
const PREALLOC_MAX = 1024;
/** Placeholder between requests (next() sets a fresh array before any argument is stored). */
const NO_ARGS: string[] = [];

export class RespParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Arguments still expected by the current multibulk, 0 when between commands. */
  private remaining = 0;
  private argv: string[] = NO_ARGS;
  /** Arguments of the current multibulk stored in argv so far. */
  private argc = 0;
  /** Length of the bulk being waited for, -1 when expecting a `$` line. */
  private bulkLen = -1;
  /**
   * The query buffer: the parser's own storage for bytes it keeps between reads (a request cut by
   * the end of a read). As Redis's, it is allocated at the client's first read (QUERY_BUF bytes),
   * grows for what it must hold, is kept while the client is active so that cut requests reuse
   * it (a fat argument's own buffer stays on as the query buffer), and is trimmed by resize()
   * (cron): dropped after 2 s idle, shrunk to the recent peak when much bigger. Requests complete
   * within a read are parsed straight from the read and never copied into it.
   */
  private carry: Buffer | null = null;
  /**
   * Whether buf is a view of carry (bytes kept between reads) rather than a read's own bytes:
   * tracked where buf is set, as comparing their ArrayBuffers costs a call into V8 per read.
   */
  private bufInCarry = false;
  /** The most bytes received and held at once since the last resize() (Redis's querybuf_peak). */
  private peak = 0;
  /** Dedicated buffer for a big bulk argument that arrives over several chunks. */
  private big: Buffer | null = null;
  private bigFilled = 0;
  /** Longest bulk accepted for the current request. */
  private maxBulk = MAX_ARG_LEN;
  /**
   * The previous request's first RECENT_ARGS arguments (those up to RECENT_MAX bytes): an argument
   * that repeats the one at its place (the command name, a hot key, EVALSHA's digest, the field
   * names of XADD and HSET) reuses the string, so it is neither decoded nor hashed again when it
   * is looked up.
   */
  private readonly recent: string[] = new Array<string>(RECENT_ARGS).fill('');
  /**
   * The bytes of each remembered argument (RECENT_MAX per place), made at the first one
   * remembered: compared byte to byte with a read twice as fast as with the string's characters.
   */
  private recentBytes: Uint8Array | null = null;
  private recentMisses = 0;
  /** Bytes of the arguments of the current request decoded so far (CLIENT LIST argv-mem). */
  argvBytes = 0;

  constructor(private readonly limits: ParserLimits) {}

  /** Bytes received and not yet parsed (the query buffer). */
  get pending(): number {
    return this.buf.length - this.pos + this.bigFilled;
  }

  /**
   * Bytes the parser holds (qbuf plus qbuf-free): what it has not parsed (a copy it owns once the
   * read has returned), and a big argument's whole buffer.
   */
  get allocated(): number {
    const kept = this.carry !== null ? this.carry.length : 0;
    const inRead = this.bufInCarry ? 0 : this.buf.length - this.pos;
    return kept + inRead + (this.big === null ? 0 : this.big.length);
  }

  /**
   * clientsCron's query buffer trim, as Redis's: only when it wastes more than 4 KiB, dropped to
   * what it holds once the client has been idle (`idle`), else shrunk when bigger than 32 KiB and
   * more than twice the peak since the last call (to the peak, what it holds, or the bulk being
   * read). The peak restarts from what is held now.
   */
  resize(idle: boolean): void {
    const carry = this.carry;
    const held = this.bufInCarry ? this.buf.length - this.pos : 0;
    if (carry !== null && carry.length - held > RESIZE_WASTE) {
      let size = -1;
      if (idle) size = held;
      else if (carry.length > RESIZE_THRESHOLD && carry.length / 2 > this.peak) size = Math.max(held, this.peak, this.big === null && this.bulkLen >= 0 ? this.bulkLen + 2 : 0);
      if (size === 0) {
        this.carry = null;
        // Bytes still to parse may sit in the last read's own buffer ('data' reads): kept.
        if (this.bufInCarry) {
          this.buf = EMPTY;
          this.pos = 0;
          this.bufInCarry = false;
        }
        giveQueryBuffer(carry);
      } else if (size > 0 && size < carry.length) {
        const dst = Buffer.allocUnsafeSlow(size);
        if (held > 0) {
          this.buf.copy(dst, 0, this.pos, this.buf.length);
          this.buf = dst.subarray(0, held);
          this.pos = 0;
        } else if (this.bufInCarry) {
          this.buf = EMPTY;
          this.pos = 0;
          this.bufInCarry = false;
        }
        this.carry = dst;
        giveQueryBuffer(carry);
      }
    }
    this.peak = held;
  }

  /** Makes buf the bytes not parsed yet followed by `more` (may be empty), in the carry buffer. */
  private keep(more: Buffer): void {
    const rest = this.buf.length - this.pos;
    const need = rest + more.length;
    const old = this.carry;
    let dst = old;
    if (dst === null || dst.length < need) dst = Buffer.allocUnsafeSlow(Math.max(need, QUERY_BUF, dst === null ? 0 : dst.length * 2));
    // Buffer.copy is a memmove: moving the rest to the front of its own carry is safe.
    this.buf.copy(dst, 0, this.pos, this.buf.length);
    more.copy(dst, rest);
    this.carry = dst;
    if (old !== null && old !== dst) giveQueryBuffer(old);
    this.buf = dst.subarray(0, need);
    this.pos = 0;
    this.bufInCarry = true;
  }

  feed(chunk: Buffer): void {
    // The query buffer exists from the first read on (Redis's PROTO_IOBUF_LEN read buffer).
    this.carry ??= takeQueryBuffer();
    const held = this.buf.length - this.pos + this.bigFilled + chunk.length;
    if (held > this.peak) this.peak = held;
    if (this.big !== null) {
      const need = this.big.length - this.bigFilled;
      const n = Math.min(need, chunk.length);
      chunk.copy(this.big, this.bigFilled, 0, n);
      this.bigFilled += n;
      if (n === chunk.length) return;
      chunk = chunk.subarray(n);
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
      this.bufInCarry = false;
    } else {
      this.keep(chunk);
    }
  }

  /**
   * Called after feed() of a view of a read buffer the next read overwrites: copies the bytes not
   * parsed yet out of it, so the parser keeps nothing of it.
   */
  release(): void {
    if (this.pos >= this.buf.length) {
      this.buf = EMPTY;
      this.pos = 0;
      this.bufInCarry = false;
    } else if (!this.bufInCarry) {
      // The bytes left are the read's own (buf is the view fed last, or part of it).
      this.keep(EMPTY);
    }
  }

  /** Forgets everything not parsed yet (a client being closed: its input is dropped unread). */
  discard(): void {
    this.buf = EMPTY;
    this.pos = 0;
    this.bufInCarry = false;
    if (this.carry !== null) giveQueryBuffer(this.carry);
    this.carry = null;
    this.big = null;
    this.bigFilled = 0;
    this.remaining = 0;
    this.bulkLen = -1;
    this.argv = NO_ARGS;
    this.argvBytes = 0;
  }

  /** The next complete command, an empty array for an empty request, or null when more bytes are needed. */
  next(): string[] | null {
    if (this.remaining === 0 && this.big === null) {
      if (this.pos >= this.buf.length) return null;
      if (this.buf[this.pos] !== 0x2a /* '*' */) return this.inline();
      const nl = findCR(this.buf, this.pos);
      if (nl < 0) {
        if (this.buf.length - this.pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big mbulk count string');
        return null;
      }
      if (nl + 1 >= this.buf.length) return null; // wait for the '\n'
      const n = parseLength(this.buf, this.pos + 1, nl);
      if (n === null || n > INT_MAX) throw new ProtocolError('Protocol error: invalid multibulk length');
      // SECURITY: before authentication a request may carry only a few arguments (CVE-2021-32675 class).
      if (n > UNAUTH_MAX_ARGS && this.limits.authRequired) throw new ProtocolError('Protocol error: unauthenticated multibulk length');
      this.pos = nl + 2;
      if (n <= 0) return EMPTY_CMD;
      this.remaining = n;
      // proto-max-bulk-len is read once per request (CONFIG SET applies from the next one).
      this.maxBulk = Math.min(this.limits.maxBulkLen, MAX_ARG_LEN);
      // Sized up front (one exact allocation, no regrowth); an untrusted huge count grows as it fills.
      this.argv = n <= PREALLOC_MAX ? new Array<string>(n) : [];
      this.argc = 0;
      this.bulkLen = -1;
    }
    return this.multibulk();
  }

  /**
   * Arguments in the common form, "$" then 1-10 digits without a leading zero, CRLF, and the
   * whole bulk already read: parsed with the parser's state in locals. Stops (state consistent,
   * at an argument's start) at anything else, which multibulk's general loop handles: a header or
   * bulk cut by the end of the read, a big argument, a length past the limits (refused there).
   */
  private wholeArgs(): void {
    const buf = this.buf;
    const n = buf.length;
    // SECURITY: a length past proto-max-bulk-len, or past 16 KiB before authentication, stops
    // here; the general loop refuses it and closes the connection.
    const cap = this.limits.authRequired ? Math.min(UNAUTH_MAX_BULK, this.maxBulk) : this.maxBulk;
    let pos = this.pos;
    let remaining = this.remaining;
    let argc = this.argc;
    let bytes = 0;
    while (remaining > 0 && pos < n && buf[pos] === 0x24 /* '$' */) {
      const cr = digitsEnd(buf, pos + 1);
      if (cr < 0 || cr + 1 >= n) break;
      const len = lastDigits;
      if (len > cap) break;
      const start = cr + 2;
      if (n - start < len + 2) break;
      this.argv[argc] = this.decode(buf, start, len, argc);
      argc++;
      remaining--;
      bytes += len;
      pos = start + len + 2;
    }
    this.pos = pos;
    this.remaining = remaining;
    this.argc = argc;
    this.argvBytes += bytes;
  }

  /**
   * Argument `argc` of the request, `len` bytes at `start`: short ones shared, one that repeats
   * the previous request's at its place reused (RespParser.recent), others decoded.
   */
  private decode(buf: Buffer, start: number, len: number, argc: number): string {
    if (len <= SHORT_ARG) return shortLatin1(buf, start, len);
    if (argc >= RECENT_ARGS || len > RECENT_MAX) return (buf as Latin1Buffer).latin1Slice(start, start + len);
    const prev = this.recent[argc]!;
    if (len === prev.length && sameBytes(buf, start, this.recentBytes!, argc * RECENT_MAX, len)) return prev;
    const arg = (buf as Latin1Buffer).latin1Slice(start, start + len);
    // A string is remembered at every 8th miss (a store per miss costs random keys ~10%);
    // never a password (AUTH, HELLO, ACL SETUSER, CONFIG SET requirepass...).
    if ((++this.recentMisses & 7) === 0 && (argc === 0 || !SECRET_BEARING.has(this.argv[0]!.toLowerCase()))) {
      this.recent[argc] = arg;
      this.recentBytes ??= new Uint8Array(RECENT_ARGS * RECENT_MAX);
      buf.copy(this.recentBytes, argc * RECENT_MAX, start, start + len);
    }
    return arg;
  }

  private multibulk(): string[] | null {
    const buf = this.buf;
    while (this.remaining > 0) {
      // Arguments in the common form the fast way; what it stops at, below.
      if (this.big === null && this.bulkLen < 0) {
        this.wholeArgs();
        if (this.remaining === 0) break;
      }
      if (this.big !== null) {
        if (this.bigFilled < this.big.length) return null;
        this.argv[this.argc++] = this.big.toString('latin1', 0, this.big.length - 2);
        this.argvBytes += this.big.length - 2;
        // As Redis, a fat argument's buffer stays as the query buffer (another is likely to follow)
        // when it is bigger and the current one holds nothing; the string above is a copy.
        if (this.carry === null || (this.big.length > this.carry.length && !this.bufInCarry)) {
          if (this.carry !== null) giveQueryBuffer(this.carry);
          this.carry = this.big;
        }
        this.big = null;
        this.bigFilled = 0;
        this.bulkLen = -1;
        this.remaining--;
        continue;
      }
      if (this.bulkLen < 0) {
        if (this.pos >= buf.length) return null;
        // The common header, "$" then 1-10 digits without a leading zero then CR, read in one pass;
        // anything else (errors, leading zeros, a header cut by the end of a read) the general way.
        let nl = buf[this.pos] === 0x24 /* '$' */ ? digitsEnd(buf, this.pos + 1) : -1;
        let len: number | null = lastDigits;
        if (nl < 0 || nl + 1 >= buf.length) {
          nl = findCR(buf, this.pos);
          if (nl < 0) {
            if (buf.length - this.pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big bulk count string');
            return null;
          }
          if (nl + 1 >= buf.length) return null;
          if (buf[this.pos] !== 0x24 /* '$' */) {
            throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(buf[this.pos] ?? 0)}'`);
          }
          len = parseLength(buf, this.pos + 1, nl);
        }
        if (len === null || len < 0 || len > this.maxBulk) throw new ProtocolError('Protocol error: invalid bulk length');
        // SECURITY: before authentication a bulk argument is capped at 16 KiB.
        if (len > UNAUTH_MAX_BULK && this.limits.authRequired) throw new ProtocolError('Protocol error: unauthenticated bulk length');
        this.pos = nl + 2;
        this.bulkLen = len;
      }
      const avail = buf.length - this.pos;
      if (avail < this.bulkLen + 2) {
        if (this.bulkLen >= BIG_ARG) {
          // Collect the rest of this argument in its own buffer as it arrives.
          this.big = Buffer.allocUnsafe(this.bulkLen + 2);
          buf.copy(this.big, 0, this.pos);
          this.bigFilled = avail;
          this.buf = EMPTY;
          this.pos = 0;
          this.bufInCarry = false;
        }
        return null;
      }
      const len = this.bulkLen;
      this.argv[this.argc] = this.decode(buf, this.pos, len, this.argc);
      this.argc++;
      this.pos += len + 2;
      this.argvBytes += len;
      this.bulkLen = -1;
      this.remaining--;
    }
    const argv = this.argv;
    this.argv = NO_ARGS;
    this.argvBytes = 0;
    return argv;
  }

  private inline(): string[] | null {
    const buf = this.buf;
    const nl = buf.indexOf(10, this.pos);
    if (nl < 0) {
      if (buf.length - this.pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big inline request');
      return null;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === 13) end--;
    const line = buf.toString('latin1', this.pos, end);
    this.pos = nl + 1;
    const argv = splitArgs(line);
    if (argv === null) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    return argv;
  }
}

const EMPTY_CMD: string[] = [];
/** Arguments at places 0..RECENT_ARGS-1 of at most RECENT_MAX bytes are remembered for the next request (RespParser.recent). */
const RECENT_ARGS = 8;
const RECENT_MAX = 64;
/**
 * Arguments this short are decoded in JavaScript (cheaper than a call into the native decoder)
 * and shared: a slot table keeps the last string seen for each short byte sequence, so repeated
 * small values ("1", "OK", "xxx") are one string, as Redis shares small integer objects.
 */
const SHORT_ARG = 4;
const SHORT_SLOTS = 1024; // a power of two; the slot is the top 10 bits of a multiplicative hash
const shortKeys = new Float64Array(SHORT_SLOTS).fill(-1);
const shortStrings = new Array<string>(SHORT_SLOTS).fill('');

function shortLatin1(buf: Buffer, at: number, len: number): string {
  let packed = 0;
  for (let i = at; i < at + len; i++) packed = (packed << 8) | buf[i]!;
  const key = len * 0x100000000 + (packed >>> 0); // exact: length and bytes
  const slot = Math.imul(packed ^ len, 0x9e3779b1) >>> 22;
  if (shortKeys[slot] === key) return shortStrings[slot]!;
  let s = '';
  for (let i = at; i < at + len; i++) s += String.fromCharCode(buf[i]!);
  shortKeys[slot] = key;
  shortStrings[slot] = s;
  return s;
}

/** The number digitsEnd read last. */
let lastDigits = 0;

/**
 * A header's number in its common form, 1-10 digits from `at` without a leading zero and then CR:
 * the CR's index (the number in lastDigits), or -1 for anything else (zero, a sign, a leading
 * zero, more digits, a header not all read yet), which parseLength's general path handles.
 */
function digitsEnd(buf: Buffer, at: number): number {
  let d = buf[at]! - 48;
  if (!(d >= 1 && d <= 9)) return -1;
  let n = d;
  const stop = Math.min(buf.length, at + 10);
  let q = at + 1;
  for (; q < stop; q++) {
    d = buf[q]! - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  if (q >= buf.length || buf[q] !== 13) return -1;
  lastDigits = n;
  return q;
}

/** Whether buf[at, at + len) equals b[from, from + len). */
function sameBytes(buf: Buffer, at: number, b: Uint8Array, from: number, len: number): boolean {
  // From the end: keys that differ (key:1001, key:1002) mostly differ there.
  for (let i = len - 1; i >= 0; i--) if (buf[at + i] !== b[from + i]) return false;
  return true;
}


/**
 * Index of the next '\r' at or after `from`, or -1. Protocol header lines are a few bytes long,
 * so a plain loop beats a native indexOf call; the scan stops past INLINE_MAX.
 */
function findCR(buf: Buffer, from: number): number {
  const end = Math.min(buf.length, from + INLINE_MAX + 2);
  for (let i = from; i < end; i++) if (buf[i] === 13) return i;
  return -1;
}

/** Parses a signed decimal between start and end; null unless it is a well-formed 64-bit-safe integer. */
function parseLength(buf: Buffer, start: number, end: number): number | null {
  if (start >= end || end - start > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  // As Redis's string2ll: no leading zeros, no "-0" ("0" alone is fine).
  if (buf[i] === 0x30 && (neg || i + 1 < end)) return null;
  let n = 0;
  for (; i < end; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  if (n > Number.MAX_SAFE_INTEGER) return null;
  return neg ? -n : n;
}

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}

/**
 * Splits a line into arguments with Redis's rules (sdssplitargs): spaces separate, "double quotes"
 * take \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' take \' only. A closing quote must be
 * followed by a space or the end. Returns null for unbalanced quotes. Also used by the config parser.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return out;
    let cur = '';
    let inDq = false;
    let inSq = false;
    let done = false;
    while (!done) {
      if (inDq) {
        if (i >= n) return null;
        const c = line[i]!;
        if (c === '\\' && line[i + 1] === 'x' && i + 3 < n + 0 && isHex(line[i + 2] ?? '') && isHex(line[i + 3] ?? '')) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i]!;
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          done = true;
        } else {
          cur += c;
        }
      } else if (inSq) {
        if (i >= n) return null;
        const c = line[i]!;
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          done = true;
        } else {
          cur += c;
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        const c = line[i]!;
        const code = line.charCodeAt(i);
        if (isSpace(code)) {
          done = true;
        } else if (c === '"') {
          inDq = true;
        } else if (c === "'") {
          inSq = true;
        } else {
          cur += c;
        }
      }
      if (i < n) i++;
    }
    out.push(cur);
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 11 || c === 12;
}

/**
 * Redis's sdscatrepr without the surrounding quotes (MONITOR, CONFIG REWRITE, the AOF manifest):
 * what splitArgs reads back inside double quotes.
 */
export function reprArg(a: string): string {
  let out = '';
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    const ch = a[i]!;
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (c >= 32 && c < 127) out += ch;
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out;
}
