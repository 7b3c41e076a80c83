// maxmemory: before a command runs, memory above the limit is reclaimed by evicting keys as
// maxmemory-policy says (store/evict.ts); when that is not possible the dispatcher refuses
// commands that may grow memory with Redis's OOM error.
//
// Used memory is Redoubt's own count, not a reading of V8's heap: what the dataset holds (keys,
// values by their encoding, expires: Keyspace.datasetBytes) plus what the clients hold (buffers,
// queued commands, subscriptions: ClientLimits.total). Both change exactly when data or buffers
// change, so whether a write is refused or a key evicted never depends on when V8 collects.
// V8's heap and the process RSS are reported beside it (processMemory).
import { type EvictionPolicy, Evictor, trackingFor } from '../store/evict.js';
import { getHeapStatistics } from 'node:v8';
import { NOTIFY } from './events.js';
import type { Server } from './server.js';

/** Keys evicted at most per command; the rest waits for the next command (as Redis's time limit). */
const MAX_EVICTIONS_PER_CALL = 1000;

export class MemoryLimit {
  maxmemory = 0;
  policy: EvictionPolicy = 'noeviction';
  samples = 5;
  evictedKeys = 0;
  /** Replaces the accounting in tests that drive memory by hand; null: the accounted count. */
  measure: (() => number) | null = null;
  private readonly evictor: Evictor;

  constructor(private readonly server: Server) {
    this.evictor = new Evictor(server.ks);
  }

  /** Applies maxmemory / maxmemory-policy (and the access data kept for it: an LFU counter under an LFU policy). */
  configure(maxmemory: number, policy: string, samples: number): void {
    this.maxmemory = maxmemory;
    this.policy = policy as EvictionPolicy;
    this.samples = samples;
    // Every key's access data is kept whatever maxmemory is (as Redis keeps LRU/LFU data in every
    // object), so the history is there when maxmemory is reached.
    this.server.ks.setAccessMode(trackingFor(policy));
  }

  /** The dataset's share of used memory. */
  dataset(): number {
    return this.server.ks.datasetBytes();
  }

  /** Used memory (INFO used_memory): the dataset plus the clients. */
  used(): number {
    if (this.measure !== null) return this.measure();
    return this.server.ks.datasetBytes() + this.server.clientLimits.total;
  }

  /**
   * Evicts keys while used memory is above maxmemory. False when it stays above because nothing
   * (more) can be evicted: the caller refuses commands that may use memory.
   */
  makeRoom(): boolean {
    if (this.used() <= this.maxmemory) return true;
    if (this.policy === 'noeviction') return false;
    const server = this.server;
    for (let n = 0; n < MAX_EVICTIONS_PER_CALL; n++) {
      const victim = this.evictor.pick(this.policy, this.samples);
      if (victim === null) return false;
      const { db, key } = victim;
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
}

export interface ProcessMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

let lastRss = 0;

/**
 * V8's heap and the process RSS, for reports beside the accounted used memory. Reading RSS opens
 * a /proc file: when the process is out of file descriptors (EMFILE) the last RSS reading is
 * used instead of an exception ending the process (the heap figures need no file).
 */
export function processMemory(): ProcessMemory {
  try {
    const m = process.memoryUsage();
    lastRss = m.rss;
    return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
  } catch {
    const h = getHeapStatistics();
    return { rss: lastRss, heapUsed: h.used_heap_size, heapTotal: h.total_heap_size, external: h.external_memory };
  }
}
