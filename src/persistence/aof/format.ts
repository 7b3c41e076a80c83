// The command form of AOF files: every command a RESP multibulk (`*<argc>` then `$<len>` + bytes
// per argument, CRLF-terminated), and `#` annotation lines (Redis's timestamp annotations)
// between commands. Arguments are latin1 strings (bytes), as everywhere in Redoubt.

import { Buffer } from 'node:buffer';

/** One command as the AOF holds it. */
export function encodeCommand(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n';
  return s;
}

/** Why reading stopped before the end of the data. */
export type ReadStop =
  | { kind: 'end' }
  /** The data ends inside a command (a short write before a crash): `offset` is where it starts. */
  | { kind: 'truncated'; offset: number }
  /** Bytes that are not an AOF command at `offset` (the command's start). */
  | { kind: 'corrupt'; offset: number; reason: string };

/** Most arguments a command may have: well past anything Redis writes, far below memory trouble. */
const MAX_ARGC = 1 << 24;

/**
 * Reads commands one by one from a whole file's bytes. `next()` returns argv, or null when
 * reading stopped: `stop` then says why (end of data, truncation, corruption).
 */
export class AofReader {
  pos = 0;
  /** Offset where the command last returned by next() started. */
  start = 0;
  stop: ReadStop = { kind: 'end' };

  constructor(private readonly data: Buffer) {}

  next(): string[] | null {
    const d = this.data;
    for (;;) {
      if (this.pos >= d.length) {
        this.stop = { kind: 'end' };
        return null;
      }
      if (d[this.pos] !== 0x23) break; // '#': an annotation line
      const nl = d.indexOf(0x0a, this.pos);
      if (nl < 0) return this.truncated(this.pos);
      this.pos = nl + 1;
    }
    const start = this.pos;
    this.start = start;
    if (d[start] !== 0x2a) return this.corrupt(start, "expected '*'");
    const argc = this.number(start + 1);
    if (argc === -2) return this.truncated(start);
    if (argc < 1 || argc > MAX_ARGC) return this.corrupt(start, 'bad argument count');
    const argv: string[] = new Array<string>(argc);
    for (let i = 0; i < argc; i++) {
      if (this.pos >= d.length) return this.truncated(start);
      if (d[this.pos] !== 0x24) return this.corrupt(start, `expected '$' at offset ${this.pos}`);
      const len = this.number(this.pos + 1);
      if (len === -2) return this.truncated(start);
      if (len < 0) return this.corrupt(start, `bad bulk length at offset ${this.pos}`);
      const end = this.pos + len;
      if (end + 2 > d.length) return this.truncated(start);
      if (d[end] !== 0x0d || d[end + 1] !== 0x0a) return this.corrupt(start, `bulk not terminated by CRLF at offset ${end}`);
      argv[i] = d.toString('latin1', this.pos, end);
      this.pos = end + 2;
    }
    return argv;
  }

  /**
   * Parses the decimal number at `at` up to CRLF and moves past it. Returns it, -1 when the
   * line is malformed, -2 when the data ends before its CRLF.
   */
  private number(at: number): number {
    const d = this.data;
    let v = 0;
    let i = at;
    for (; i < d.length; i++) {
      const c = d[i]!;
      if (c === 0x0d) break;
      if (c < 0x30 || c > 0x39 || i - at >= 15) return -1;
      v = v * 10 + (c - 0x30);
    }
    if (i + 1 >= d.length) return -2;
    if (i === at || d[i + 1] !== 0x0a) return -1;
    this.pos = i + 2;
    return v;
  }

  private truncated(offset: number): null {
    this.stop = { kind: 'truncated', offset };
    return null;
  }

  private corrupt(offset: number, reason: string): null {
    this.stop = { kind: 'corrupt', offset, reason };
    return null;
  }
}
