// Reply encoder: handlers append replies here; the client flushes once per event-loop turn.
// One writer per connection, RESP2 or RESP3 as negotiated by HELLO.

export type Resp = 2 | 3;

/** Receives every error reply, for INFO errorstats. */
export interface ErrorSink {
  countError(code: string): void;
}

const CRLF = '\r\n';
const INITIAL = 16 * 1024;
/** Replies up to this size are copied out at flush; bigger ones hand the buffer over. */
const COPY_MAX = 4096;

interface Latin1Buffer extends Buffer {
  latin1Write(s: string, offset: number): number;
}

export class ReplyWriter {
  buf: Latin1Buffer = Buffer.allocUnsafe(INITIAL) as Latin1Buffer;
  len = 0;
  resp: Resp = 2;
  /** Error replies written so far (the dispatcher compares before and after a call). */
  errors = 0;

  constructor(private readonly sink: ErrorSink) {}

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n)) as Latin1Buffer;
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Appends raw protocol text (latin1). */
  raw(s: string): void {
    this.ensure(s.length);
    this.len += this.buf.latin1Write(s, this.len);
  }

  rawBuffer(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }

  /** Takes the bytes written so far, leaving the writer empty. */
  take(): Buffer {
    const n = this.len;
    this.len = 0;
    if (n <= COPY_MAX) {
      const out = Buffer.allocUnsafe(n);
      this.buf.copy(out, 0, 0, n);
      return out;
    }
    const out = this.buf.subarray(0, n);
    this.buf = Buffer.allocUnsafe(INITIAL) as Latin1Buffer;
    return out;
  }

  ok(): void {
    this.raw('+OK\r\n');
  }

  simple(s: string): void {
    this.raw('+' + s + CRLF);
  }

  /** An error reply; `msg` starts with its code ("ERR ...", "WRONGTYPE ..."). Newlines become spaces. */
  error(msg: string): void {
    if (msg.includes('\r') || msg.includes('\n')) msg = msg.replace(/[\r\n]/g, ' ');
    const sp = msg.indexOf(' ');
    this.sink.countError(sp < 0 ? msg : msg.slice(0, sp));
    this.errors++;
    this.raw('-' + msg + CRLF);
  }

  int(n: number | bigint): void {
    this.raw(':' + n + CRLF);
  }

  bulk(s: string): void {
    if (s.length < 1024) {
      this.raw('$' + s.length + CRLF + s + CRLF);
    } else {
      this.raw('$' + s.length + CRLF);
      this.raw(s);
      this.raw(CRLF);
    }
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
    this.raw('*' + n + CRLF);
  }

  /** A map of n pairs: a flat array of 2n in RESP2. */
  map(n: number): void {
    this.raw(this.resp === 2 ? '*' + 2 * n + CRLF : '%' + n + CRLF);
  }

  set(n: number): void {
    this.raw((this.resp === 2 ? '*' : '~') + n + CRLF);
  }

  push(n: number): void {
    this.raw((this.resp === 2 ? '*' : '>') + n + CRLF);
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
}

/** C's printf("%.17g") for a double, with Redis's inf/-inf/nan spellings. */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  return formatG(d, 17);
}

/** C's "%.<p>g". */
export function formatG(d: number, p: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(d)));
  let s = d.toExponential(p - 1);
  // toExponential rounding may bump the exponent (9.99.. -> 1.00e+1): read it back.
  const e = parseInt(s.slice(s.indexOf('e') + 1), 10);
  void exp;
  if (e < -4 || e >= p) {
    const [m0, ex] = s.split('e') as [string, string];
    let mant = m0;
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    const sign = ex[0] === '-' ? '-' : '+';
    let digits = ex.replace(/^[+-]/, '');
    if (digits.length < 2) digits = '0' + digits;
    return mant + 'e' + sign + digits;
  }
  s = d.toFixed(Math.max(0, p - 1 - e));
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}
