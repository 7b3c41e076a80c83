// maxmemory: before a command runs, memory above the limit is reclaimed by evicting keys as
// maxmemory-policy says (store/evict.ts); when that is not possible the dispatcher refuses
// commands that may grow memory with Redis's OOM error.
//
// Used memory is V8's heap plus external memory. The heap only shrinks when the garbage collector
// runs, so the bytes an eviction frees are estimated (approxBytes) and subtracted until the next
// major collection is observed. This is an approximation of Redis's exact allocator accounting.
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { type EvictionPolicy, Evictor, approxBytes, trackingFor } from '../store/evict.js';
import { NOTIFY } from './events.js';
import type { Server } from './server.js';
import { usedMemory } from './stats.js';

/** Keys evicted at most per command; the rest waits for the next command (as Redis's time limit). */
const MAX_EVICTIONS_PER_CALL = 1000;
/** How long a memory reading is reused, in milliseconds. */
const SAMPLE_MS = 5;

export class MemoryLimit {
  maxmemory = 0;
  policy: EvictionPolicy = 'noeviction';
  samples = 5;
  evictedKeys = 0;
  /** The memory reading, injectable for tests. */
  measure: () => number = usedMemory;
  /** Set by tests whose `measure` follows the dataset exactly: read it each time, no estimates. */
  measureIsExact = false;
  private reading = 0;
  private readAt = -Infinity;
  /** Bytes estimated freed by evictions since the last major garbage collection. */
  private freed = 0;
  private gcObserver: PerformanceObserver | null = null;
  private readonly evictor: Evictor;

  constructor(private readonly server: Server) {
    this.evictor = new Evictor(server.ks);
  }

  /** Applies maxmemory / maxmemory-policy: LRU and LFU policies need access tracking in the keyspace. */
  configure(maxmemory: number, policy: string, samples: number): void {
    this.maxmemory = maxmemory;
    this.policy = policy as EvictionPolicy;
    this.samples = samples;
    // Tracked whenever the policy needs it (as Redis keeps LRU/LFU data in every object), so the
    // history is there when maxmemory is reached.
    this.server.ks.setAccessTracking(trackingFor(policy));
  }

  /** Used memory as the limit sees it. */
  used(): number {
    if (this.measureIsExact) return this.measure();
    const now = performance.now();
    if (now - this.readAt > SAMPLE_MS) {
      this.reading = this.measure();
      this.readAt = now;
    }
    return Math.max(0, this.reading - this.freed);
  }

  /**
   * Evicts keys while used memory is above maxmemory. False when it stays above because nothing
   * (more) can be evicted: the caller refuses commands that may use memory.
   */
  makeRoom(): boolean {
    if (this.used() <= this.maxmemory) return true;
    if (this.policy === 'noeviction') return false;
    this.watchGc();
    const server = this.server;
    for (let n = 0; n < MAX_EVICTIONS_PER_CALL; n++) {
      const victim = this.evictor.pick(this.policy, this.samples);
      if (victim === null) return false;
      const { db, key } = victim;
      const value = db.data.get(key);
      if (value !== undefined) this.freed += approxBytes(key, value);
      db.delete(key);
      server.propagator.deleted(db, key, true);
      // Not a change the running command made (Redis does not count evictions as dirty): the
      // deletion is propagated on its own.
      this.evictedKeys++;
      server.events.modified(db, key);
      server.events.notify(NOTIFY.evicted, 'evicted', key, db);
      if (this.used() <= this.maxmemory) return true;
    }
    // Time's up for this command; it runs, eviction continues with the next one (as Redis does).
    return true;
  }

  /** The estimate of freed bytes holds until a major collection returns them to the heap. */
  private watchGc(): void {
    if (this.gcObserver !== null) return;
    this.gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
          this.freed = 0;
          this.readAt = -Infinity;
        }
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  close(): void {
    this.gcObserver?.disconnect();
    this.gcObserver = null;
  }
}
