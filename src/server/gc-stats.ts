// Garbage-collection pauses, as Node reports them (perf_hooks "gc" entries): how many, how long in
// all, the longest, and how many fell in each of a few duration buckets, by kind (minor: the young
// generation; major: mark-compact). INFO stats shows them (Redoubt's own fields) and CONFIG
// RESETSTAT zeroes them, so a benchmark reads the pauses of its own window. GC is the process's:
// servers embedded in one process all see the pauses of that process.
import { PerformanceObserver, constants } from 'node:perf_hooks';

/** Upper bounds (ms) of the pause buckets; the last bucket has no bound. */
export const GC_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100] as const;

export class GcStats {
  pauses = 0;
  major = 0;
  totalMs = 0;
  maxMs = 0;
  /** Pauses by bucket: GC_BUCKETS_MS, then longer. */
  buckets = new Array<number>(GC_BUCKETS_MS.length + 1).fill(0);
  private observer: PerformanceObserver | null = null;

  start(): void {
    if (this.observer !== null) return;
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.add(e.duration, (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.observer?.disconnect();
    this.observer = null;
  }

  add(ms: number, major: boolean): void {
    this.pauses++;
    if (major) this.major++;
    this.totalMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
    let i = 0;
    while (i < GC_BUCKETS_MS.length && ms > GC_BUCKETS_MS[i]!) i++;
    this.buckets[i]!++;
  }

  reset(): void {
    this.pauses = 0;
    this.major = 0;
    this.totalMs = 0;
    this.maxMs = 0;
    this.buckets.fill(0);
  }

  infoLines(): string[] {
    const hist = GC_BUCKETS_MS.map((b, i) => `le${b}=${this.buckets[i]}`).join(',') + `,inf=${this.buckets[GC_BUCKETS_MS.length]}`;
    return [`gc_pauses:${this.pauses}`, `gc_major_pauses:${this.major}`, `gc_pause_total_ms:${this.totalMs.toFixed(3)}`, `gc_pause_max_ms:${this.maxMs.toFixed(3)}`, `gc_pause_histogram_ms:${hist}`];
  }
}
