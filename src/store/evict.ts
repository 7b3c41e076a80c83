// Choosing keys to evict under maxmemory, by maxmemory-policy, as Redis approximates it: random
// policies take a random key (databases in turn); the others sample `maxmemory-samples` keys in
// every database and take the best candidate: the longest idle (LRU), the least used (LFU) or the
// nearest expiry (TTL). `volatile-*` policies only consider keys with a TTL.
import type { Db, Keyspace } from './db.js';

export type EvictionPolicy =
  | 'noeviction'
  | 'allkeys-random'
  | 'volatile-random'
  | 'allkeys-lru'
  | 'volatile-lru'
  | 'allkeys-lfu'
  | 'volatile-lfu'
  | 'volatile-ttl';

/**
 * The access data kept under `policy`, as Redis keeps it in every object: an LFU counter under the
 * LFU policies, the LRU clock under all the others.
 */
export function trackingFor(policy: string): 'lru' | 'lfu' {
  return policy.endsWith('-lfu') ? 'lfu' : 'lru';
}

/** The access data an RDB file carries under `policy`, as Redis's: only what the policy evicts by. */
export function savedAccess(policy: string): 'lru' | 'lfu' | null {
  return policy.endsWith('-lru') ? 'lru' : policy.endsWith('-lfu') ? 'lfu' : null;
}

export class Evictor {
  /** Next database for the random policies. */
  private nextDb = 0;

  constructor(private readonly ks: Keyspace) {}

  /** The next victim, or null when the policy finds none (nothing evictable). */
  pick(policy: EvictionPolicy, samples: number): { db: Db; key: string } | null {
    if (policy === 'noeviction') return null;
    const volatile = policy.startsWith('volatile-');
    const dbs = this.ks.dbs;
    if (policy.endsWith('-random')) {
      for (let i = 0; i < dbs.length; i++) {
        const db = dbs[this.nextDb]!;
        this.nextDb = (this.nextDb + 1) % dbs.length;
        const key = db.sample(1, volatile)[0];
        if (key !== undefined) return { db, key };
      }
      return null;
    }
    let best: { db: Db; key: string } | null = null;
    let bestScore = -Infinity;
    for (const db of dbs) {
      for (const key of db.sample(samples, volatile)) {
        let score: number;
        if (policy === 'volatile-ttl') score = -(db.expires.get(key) ?? Infinity);
        else {
          const seen = db.data.clockOf(key);
          if (seen === undefined) continue;
          score = policy.endsWith('-lru') ? this.ks.idleSeconds(seen) : 255 - this.ks.lfuCounter(seen);
        }
        if (score > bestScore) {
          bestScore = score;
          best = { db, key };
        }
      }
    }
    return best;
  }
}
