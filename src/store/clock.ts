// Injectable time source: expiry, stats and timeouts read the clock, so tests can drive it.

import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * What now() would have read when performance.now() read `mono`: a request's arrival time from
   * the reading that also starts its command's timing (one clock reading per read, not two).
   * Optional: without it, now() is read.
   */
  at?(mono: number): number;
  /** Re-reads what at() depends on (the server cron calls it). */
  resync?(): void;
}

/** The wall clock. */
class SystemClock implements Clock {
  /** Date.now() - performance.now(), kept current by resync() (the server cron) across wall-clock steps. */
  private offset = 0;
  constructor() {
    this.resync();
  }
  now(): number {
    return Date.now();
  }
  at(mono: number): number {
    return Math.floor(mono + this.offset);
  }
  resync(): void {
    // Date.now() between two performance.now() readings, of the pair closest together of a few
    // (the process may be descheduled between two readings), taken as read at the second: at()
    // is then never ahead of Date.now() (an idle time of -1 s otherwise) and at most 1-2 ms behind.
    let best = Infinity;
    for (let i = 0; i < 4 && best > 0.05; i++) {
      const before = performance.now();
      const wall = Date.now();
      const after = performance.now();
      if (after - before < best) {
        best = after - before;
        this.offset = wall - after;
      }
    }
  }
}

export const systemClock = new SystemClock();

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(public ms = 1_700_000_000_000) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
