// Reply encoder: handlers append replies here; the client sends them once per read or event-loop turn.
// One writer per connection, RESP2 or RESP3 as negotiated by HELLO.
import { Buffer } from 'node:buffer';
import { decimalLength, digitCount, putLatin1, type Latin1Buffer } from '../latin1.js';

export type Resp = 2 | 3;

/** Receives every error reply, for INFO errorstats. */
export interface ErrorSink {
  countError(code: string): void;
}

const CRLF = '\r\n';
/**
 * The smallest reply buffer (Redis's PROTO_REPLY_MIN_BYTES), and a new client's. Redis gives a new
 * client 16 KiB and shrinks it to this once idle; its allocator leaves the untouched pages of
 * those 16 KiB out of the RSS, Node's does not (about 5 KiB more resident per connection, 25 MB
 * for 5,000 idle ones), so here a client starts small and grows as Redis's would.
 */
const MIN = 1024;
/** The most resize() grows a reply buffer to (Redis's PROTO_REPLY_CHUNK_BYTES). */
const MAX = 16 * 1024;
/** Replies up to this size are copied out at flush; bigger ones hand the buffer over. */
const COPY_MAX = 4096;
/** The largest spill buffer take() starts anew with. */
const TAKE_NEXT_MAX = 1 << 20;
/** The largest spill buffer kept after a flush (see sent). */
const KEEP_MAX = 256 * 1024;
/** How often the reply buffer's peak starts again by default (DEBUG REPLYBUFFER PEAK-RESET-TIME). */
export const PEAK_RESET_MS = 5000;

/**
 * Writes the decimal digits of `n` (a non-negative integer below 2^31) to end just before `end`.
 * int32 arithmetic (lengths, counts, sequence numbers) is much cheaper than Math.floor on doubles.
 */
function putDigits(buf: Buffer, end: number, n: number): void {
  let m = n | 0;
  let q = end;
  while (m >= 10) {
    const t = (m / 10) | 0;
    buf[--q] = 48 + m - t * 10;
    m = t;
  }
  buf[--q] = 48 + m;
}

/**
 * Replies are written into one contiguous buffer, `buf`: the reply buffer `rb` (CLIENT LIST rbs),
 * 1 KiB at first, then sized between 1 and 16 KiB by resize() as Redis sizes its reply buffer
 * (doubled when turns fill it, shrunk when their peak is under half of it), or, once a
 * turn's replies outgrow it, a bigger "spill" buffer they are moved to. The spill is kept for the
 * next turns (a pipelining client with big replies gets as much each turn: growing a buffer
 * again by doubling and copying, every turn, cost XRANGE's pipelined replies a third of their
 * time), up to KEEP_MAX, and given back by resize() once replies are small again.
 */
export class ReplyWriter {
  /** Where replies are written now: `rb`, or the spill buffer. */
  buf: Latin1Buffer;
  len = 0;
  resp: Resp = 2;
  /** Error replies written so far (the dispatcher compares before and after a call). */
  errors = 0;
  /** The reply buffer. */
  private rb: Latin1Buffer;
  /** The bigger buffer a turn's replies moved to, kept for the next turns; null when none. */
  private spill: Latin1Buffer | null = null;
  /** The size to start the next spill at (take() handed the last one over with its bytes). */
  private spillHint = 0;
  /** The most of `rb` a turn used since the peak last started again (its size when one outgrew it). */
  private rbPeak: number;
  /** When the peak last started again (0: never, so the first resize() starts it). */
  private peakResetAt = 0;
  /** The most bytes one flush sent since the last resize(). */
  private spillPeak = 0;
  /** The last view pending() returned, and of which buffer (the same reply as last turn: no new view). */
  private view: Buffer | null = null;
  private viewOf: Buffer | null = null;

  constructor(private readonly sink: ErrorSink) {
    this.buf = this.rb = Buffer.allocUnsafeSlow(MIN) as Latin1Buffer;
    this.rbPeak = 0;
  }

  /** The reply buffer's size (CLIENT LIST rbs). */
  get rbSize(): number {
    return this.rb.length;
  }

  /** Bytes allocated for replies: the reply buffer and any spill buffer. */
  get allocated(): number {
    return this.rb.length + (this.spill === null ? 0 : this.spill.length);
  }

  private ensure(n: number): void {
    if (this.len + n > this.buf.length) this.grow(this.len + n);
  }

  /** Moves the turn's replies to a spill buffer of at least `need` bytes. */
  private grow(need: number): void {
    let next = this.spill;
    if (next === null || next === this.buf || next.length < need) {
      next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, need, this.spillHint)) as Latin1Buffer;
      this.spillHint = 0;
    }
    this.buf.copy(next, 0, 0, this.len);
    this.buf = this.spill = next;
  }

  /** Counts a flush of `n` bytes in the peaks (the reply buffer's: how much of it a turn fills). */
  private flushed(n: number): void {
    const inRb = n < this.rb.length ? n : this.rb.length;
    if (inRb > this.rbPeak) this.rbPeak = inRb;
    if (n > this.spillPeak) this.spillPeak = n;
  }

  /** Appends raw protocol text (latin1). */
  raw(s: string): void {
    this.ensure(s.length);
    this.len += putLatin1(this.buf, this.len, s);
  }

  rawBuffer(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }

  /** Takes the bytes written so far, leaving the writer empty. */
  take(): Buffer {
    const n = this.len;
    this.flushed(n);
    this.len = 0;
    const from = this.buf;
    if (n <= COPY_MAX) {
      const out = Buffer.allocUnsafe(n);
      from.copy(out, 0, 0, n);
      return out;
    }
    // The buffer goes with the bytes.
    this.buf = this.rb;
    if (from === this.rb) {
      this.buf = this.rb = Buffer.allocUnsafeSlow(this.rb.length) as Latin1Buffer;
    } else {
      // A client that gets this much per turn (a subscriber to a busy channel, a slow reader)
      // will likely get as much next turn: its next spill starts at that size (up to 1 MiB)
      // instead of growing again by doubling and copying.
      this.spill = null;
      this.spillHint = Math.min(from.length, TAKE_NEXT_MAX);
    }
    this.forgetStaleView();
    return from.subarray(0, n);
  }

  /**
   * Forgets the cached view once its buffer is neither the reply buffer nor the spill buffer: it
   * would keep a buffer handed on or given back alive (and uncounted).
   */
  private forgetStaleView(): void {
    const of = this.viewOf;
    if (of !== null && of !== this.rb && of !== this.spill) {
      this.view = null;
      this.viewOf = null;
    }
  }

  /** The bytes written so far, as a view of the writer's buffer; call sent() once they are handed on. */
  pending(): Buffer {
    const v = this.view;
    if (v !== null && v.length === this.len && this.viewOf === this.buf) return v;
    this.viewOf = this.buf;
    return (this.view = this.buf.subarray(0, this.len));
  }

  /**
   * Empties the writer after pending() was handed on. `consumed`: the receiver is done with the
   * bytes (a socket write that completed at once), so the buffer is reused; otherwise it now
   * belongs to the receiver and the writer starts a fresh one. The next turn is written in the
   * spill buffer while there is one (no copy out of the reply buffer each turn). `shrink` false
   * (DEBUG REPLYBUFFER RESIZING 0): a spill buffer is kept whatever its size.
   */
  sent(consumed: boolean, shrink = true): void {
    this.flushed(this.len);
    this.len = 0;
    const from = this.buf;
    if (from === this.rb) {
      if (!consumed) this.buf = this.rb = Buffer.allocUnsafeSlow(this.rb.length) as Latin1Buffer;
    } else if (!consumed || (shrink && from.length > KEEP_MAX)) {
      this.spill = null;
      this.buf = this.rb;
    }
    this.forgetStaleView();
  }

  /**
   * Called about once a second per client (ClientLimits.cron; more often while there are few
   * clients), as Redis resizes its reply buffers: the reply buffer shrinks to its
   * peak (at least 1 KiB) when the peak is under half its size, and doubles (up to 16 KiB) when a
   * turn filled it; the peak starts again every `peakResetMs` ms (-1: never). A spill buffer is
   * given back once the flushes since the last call would have fit in a quarter of it, or in the
   * reply buffer (grown meanwhile).
   * `resizing` false (DEBUG REPLYBUFFER RESIZING 0): nothing changes. Returns what it did to the
   * reply buffer (INFO's reply_buffer_shrinks / reply_buffer_expands).
   */
  resize(now: number, resizing: boolean, peakResetMs: number): 'shrunk' | 'expanded' | null {
    if (!resizing) return null;
    const spill = this.spill;
    const size = this.rb.length;
    if (spill !== null && (this.buf !== spill || this.len === 0) && (this.spillPeak * 4 <= spill.length || this.spillPeak <= size)) {
      this.spill = null;
      this.buf = this.rb;
    }
    this.spillPeak = 0;
    let next = 0;
    let done: 'shrunk' | 'expanded' | null = null;
    if (size / 2 >= MIN && this.rbPeak < size / 2) {
      next = Math.max(MIN, this.rbPeak + 1);
      done = 'shrunk';
    } else if (size * 2 < MAX * 2 && this.rbPeak >= size) {
      next = Math.min(MAX, size * 2);
      done = 'expanded';
    }
    const inRb = this.buf === this.rb ? this.len : 0;
    if (peakResetMs >= 0 && now - this.peakResetAt >= peakResetMs) {
      this.rbPeak = inRb;
      this.peakResetAt = now;
    }
    if (next > 0) {
      // Replies not yet sent (a client whose flush waits for the AOF) move with the buffer.
      const rb = Buffer.allocUnsafeSlow(Math.max(next, inRb)) as Latin1Buffer;
      if (inRb > 0) this.rb.copy(rb, 0, 0, inRb);
      if (this.buf === this.rb) this.buf = rb;
      this.rb = rb;
    }
    this.forgetStaleView();
    return done;
  }

  ok(): void {
    this.raw('+OK\r\n');
  }

  simple(s: string): void {
    this.raw('+' + s + CRLF);
  }

  /**
   * An error reply; `msg` starts with its code ("ERR ...", "WRONGTYPE ..."). Newlines become
   * spaces. `counted`: INFO errorstats already counted it (a script passing on the error a
   * redis.call got), so it is not counted again.
   */
  error(msg: string, counted = false): void {
    if (msg.includes('\r') || msg.includes('\n')) msg = msg.replace(/[\r\n]/g, ' ');
    const sp = msg.indexOf(' ');
    if (!counted) this.sink.countError(sp < 0 ? msg : msg.slice(0, sp));
    this.errors++;
    this.raw('-' + msg + CRLF);
  }

  int(n: number | bigint): void {
    if (typeof n === 'number' && Number.isSafeInteger(n)) this.header(0x3a /* ':' */, n);
    else this.raw(':' + n + CRLF);
  }

  /** An integer reply from its decimal text, for a caller that has the text already (INCR). */
  intText(text: string): void {
    const n = text.length;
    this.ensure(n + 3);
    const buf = this.buf;
    let p = this.len;
    buf[p++] = 0x3a; // ':'
    for (let i = 0; i < n; i++) buf[p++] = text.charCodeAt(i);
    buf[p++] = 13;
    buf[p++] = 10;
    this.len = p;
  }

  /** A type byte, a safe integer and CRLF ("*3\r\n", ":-1\r\n"), written without building a string. */
  private header(type: number, n: number): void {
    if (!Number.isSafeInteger(n)) {
      this.raw(String.fromCharCode(type) + n + CRLF);
      return;
    }
    this.ensure(24);
    const buf = this.buf;
    let p = this.len;
    buf[p++] = type;
    if (n < 0) {
      buf[p++] = 0x2d;
      n = -n;
    }
    if (n < 10) buf[p++] = 48 + n;
    else if (n < 0x80000000) {
      p += digitCount(n);
      putDigits(buf, p, n);
    } else {
      const digits = decimalLength(n);
      p += digits;
      for (let q = p; q > p - digits; ) {
        const t = Math.floor(n / 10);
        buf[--q] = 48 + (n - t * 10);
        n = t;
      }
    }
    buf[p++] = 13;
    buf[p++] = 10;
    this.len = p;
  }

  bulk(s: string): void {
    const n = s.length;
    let p: number;
    if (n < 100) {
      // The common short string in one pass: "$", one or two digits, CRLF, the bytes, CRLF.
      this.ensure(n + 7);
      p = this.len;
      const b = this.buf;
      b[p++] = 0x24; // '$'
      if (n >= 10) {
        const t = (n / 10) | 0;
        b[p++] = 48 + t;
        b[p++] = 48 + n - t * 10;
      } else b[p++] = 48 + n;
      b[p++] = 13;
      b[p++] = 10;
    } else {
      this.header(0x24 /* '$' */, n);
      this.ensure(n + 2);
      p = this.len;
    }
    const buf = this.buf;
    p += putLatin1(buf, p, s);
    buf[p++] = 13;
    buf[p++] = 10;
    this.len = p;
  }

  /**
   * The bulk string `head` "-" `n` (a stream ID "ms-seq" from its parts), written without joining
   * them into a string: `n` a non-negative safe integer.
   */
  bulkId(head: string, n: number): void {
    if (n >= 0x80000000) {
      this.bulk(head + '-' + n);
      return;
    }
    const digits = digitCount(n);
    const len = head.length + 1 + digits;
    this.header(0x24 /* '$' */, len);
    this.ensure(len + 2);
    const buf = this.buf;
    let p = this.len;
    p += putLatin1(buf, p, head);
    buf[p++] = 0x2d; // '-'
    p += digits;
    putDigits(buf, p, n);
    buf[p++] = 13;
    buf[p++] = 10;
    this.len = p;
  }

  /** A bulk string of the bytes src[start, end), for a value kept packed in a buffer (stream entries). */
  bulkBytes(src: Buffer, start: number, end: number): void {
    const n = end - start;
    this.header(0x24 /* '$' */, n);
    this.ensure(n + 2);
    const buf = this.buf;
    let p = this.len;
    if (n <= 32) {
      for (let i = start; i < end; i++) buf[p++] = src[i]!;
    } else {
      p += src.copy(buf, p, start, end);
    }
    buf[p++] = 13;
    buf[p++] = 10;
    this.len = p;
  }

  /** A bulk string, or the protocol's null for null. */
  bulkOrNull(s: string | null | undefined): void {
    if (s === null || s === undefined) this.nullBulk();
    else this.bulk(s);
  }

  nullBulk(): void {
    this.raw(this.resp === 2 ? '$-1\r\n' : '_\r\n');
  }

  nullArray(): void {
    this.raw(this.resp === 2 ? '*-1\r\n' : '_\r\n');
  }

  array(n: number): void {
    this.header(0x2a /* '*' */, n);
  }

  /** A map of n pairs: a flat array of 2n in RESP2. */
  map(n: number): void {
    if (this.resp === 2) this.header(0x2a /* '*' */, 2 * n);
    else this.header(0x25 /* '%' */, n);
  }

  set(n: number): void {
    this.header(this.resp === 2 ? 0x2a /* '*' */ : 0x7e /* '~' */, n);
  }

  push(n: number): void {
    this.header(this.resp === 2 ? 0x2a /* '*' */ : 0x3e /* '>' */, n);
  }

  bool(b: boolean): void {
    if (this.resp === 2) this.raw(b ? ':1\r\n' : ':0\r\n');
    else this.raw(b ? '#t\r\n' : '#f\r\n');
  }

  /** A double, formatted as Redis formats doubles ("%.17g", inf, -inf, nan). */
  double(d: number): void {
    const s = formatDouble(d);
    if (this.resp === 2) this.bulk(s);
    else this.raw(',' + s + CRLF);
  }

  /** Verbatim string in RESP3 (INFO, CLIENT INFO, ...), plain bulk in RESP2. */
  verbatim(s: string, format = 'txt'): void {
    if (this.resp === 2) this.bulk(s);
    else this.raw('=' + (s.length + 4) + CRLF + format + ':' + s + CRLF);
  }

  bigNumber(s: string): void {
    if (this.resp === 2) this.bulk(s);
    else this.raw('(' + s + CRLF);
  }

  /** An array of bulk strings. */
  bulks(items: readonly string[]): void {
    this.array(items.length);
    for (const s of items) this.bulk(s);
  }

  /** An array of simple strings: the reply of every HELP subcommand. */
  simples(items: readonly string[]): void {
    this.array(items.length);
    for (const s of items) this.simple(s);
  }
}

/** C's printf("%.17g") for a double, with Redis's inf/-inf/nan spellings. */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  return formatG(d, 17);
}

/** C's "%.<p>g" (glibc: exact value, ties to even). */
export function formatG(d: number, p: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const neg = d < 0;
  const a = neg ? -d : d;
  // p significant digits, rounded; toExponential rounds exact ties away from zero, printf to even.
  let s = a.toExponential(p - 1);
  if (isTie(a, p)) {
    const t = a.toExponential(p); // exact: p digits then the 5
    const te = t.indexOf('e');
    const mant = t[0]! + t.slice(2, te);
    // Even p-th digit: keep the truncation (an odd one rounds up, as toExponential did).
    if ((mant.charCodeAt(p - 1) - 48) % 2 === 0) s = mant[0]! + (p > 1 ? '.' + mant.slice(1, p) : '') + t.slice(te);
  }
  const ei = s.indexOf('e');
  const e = parseInt(s.slice(ei + 1), 10);
  const digits = s[0]! + s.slice(2, ei); // p digits (one when p is 1)
  let out: string;
  if (e < -4 || e >= p) {
    const rest = digits.slice(1).replace(/0+$/, '');
    const ex = String(Math.abs(e));
    out = digits[0]! + (rest === '' ? '' : '.' + rest) + 'e' + (e < 0 ? '-' : '+') + (ex.length < 2 ? '0' + ex : ex);
  } else if (e >= 0) {
    const frac = digits.slice(e + 1).replace(/0+$/, '');
    out = digits.slice(0, e + 1) + (frac === '' ? '' : '.' + frac);
  } else {
    out = '0.' + '0'.repeat(-e - 1) + digits.replace(/0+$/, '');
  }
  return neg ? '-' + out : out;
}

/** True when the exact decimal value of a (> 0) has exactly p + 1 significant digits, the last a 5. */
function isTie(a: number, p: number): boolean {
  const probe = a.toExponential(p + 3);
  if (!probe.endsWith('5000', probe.indexOf('e'))) return false;
  // Rare: confirm with the exact expansion, a = m * 2^e.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, a);
  const bits = view.getBigUint64(0);
  const be = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & 0xfffffffffffffn;
  const m = be === 0 ? frac : frac | 0x10000000000000n;
  const e = be === 0 ? -1074 : be - 1075;
  const exact = (e >= 0 ? m << BigInt(e) : m * 5n ** BigInt(-e)).toString().replace(/0+$/, '');
  return exact.length === p + 1 && exact.endsWith('5');
}
