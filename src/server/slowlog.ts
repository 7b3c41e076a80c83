// SLOWLOG: commands slower than slowlog-log-slower-than microseconds.
import type { Config } from '../config/config.js';
import type { Client } from './client.js';
import type { Server } from './server.js';

export interface SlowLogEntry {
  id: number;
  time: number;
  usec: number;
  argv: string[];
  addr: string;
  name: string;
}

/** Redis keeps at most 32 arguments and 128 bytes of each. */
const MAX_ARGC = 32;
const MAX_ARGLEN = 128;

export class SlowLog {
  entries: SlowLogEntry[] = [];
  private nextId = 0;
  /** slowlog-log-slower-than (microseconds; negative: nothing is logged), kept current. */
  threshold: number;

  constructor(config: Config) {
    this.threshold = config.num('slowlog-log-slower-than');
    config.onChange('slowlog-log-slower-than', (v) => (this.threshold = v as number));
  }

  add(server: Server, client: Client, argv: string[], usec: number): void {
    const args: string[] = [];
    const n = Math.min(argv.length, MAX_ARGC);
    for (let i = 0; i < n; i++) {
      if (n === MAX_ARGC && i === MAX_ARGC - 1 && argv.length > MAX_ARGC) {
        args.push(`... (${argv.length - MAX_ARGC + 1} more arguments)`);
        break;
      }
      const a = argv[i]!;
      args.push(a.length > MAX_ARGLEN ? `${a.slice(0, MAX_ARGLEN)}... (${a.length - MAX_ARGLEN} more bytes)` : a);
    }
    this.entries.unshift({ id: this.nextId++, time: Math.floor(server.clock.now() / 1000), usec, argv: args, addr: client.addr, name: client.name });
    const max = server.config.num('slowlog-max-len');
    if (this.entries.length > max) this.entries.length = max;
  }

  reset(): void {
    this.entries = [];
  }
}
