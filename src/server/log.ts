// Redis-style log lines: "pid:M 28 Nov 2026 12:14:30.123 * message".
import { appendFileSync } from 'node:fs';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';
const RANK: Record<string, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const MARK: Record<LogLevel, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function stamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export class Logger {
  level = 'notice';
  /** Empty: standard output. */
  file = '';
  /** Extra sink: tests, and the embedding API's `logger`. */
  sink: ((line: string) => void) | null = null;
  /** False: nothing goes to standard output or the log file, only to the sink (embedded servers). */
  console = true;

  enabled(level: LogLevel): boolean {
    return RANK[level]! >= RANK[this.level]!;
  }

  log(level: LogLevel, msg: string): void {
    if (!this.enabled(level)) return;
    this.raw(`${process.pid}:M ${stamp(new Date())} ${MARK[level]} ${msg}`);
  }

  /** A line written as is (the start-up banner). */
  raw(line: string): void {
    if (this.sink) this.sink(line);
    if (!this.console) return;
    if (this.file === '') {
      process.stdout.write(line + '\n');
    } else {
      try {
        appendFileSync(this.file, line + '\n');
      } catch {
        // Nowhere better to report it; keep serving.
      }
    }
  }

  debug(msg: string): void {
    this.log('debug', msg);
  }
  verbose(msg: string): void {
    this.log('verbose', msg);
  }
  notice(msg: string): void {
    this.log('notice', msg);
  }
  warning(msg: string): void {
    this.log('warning', msg);
  }
}
