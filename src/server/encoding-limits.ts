// Keeps the keyspace's encoding thresholds (store/db.ts EncodingLimits) current from the
// configuration: the one place the *-max-listpack-*, set-max-intset-entries and
// list-max-listpack-size settings are subscribed to. Every reader takes them from
// `encodingLimits(server)`, never from the configuration.
import type { Config } from '../config/config.js';
import type { EncodingLimits } from '../store/db.js';
import type { Server } from './server.js';

type LimitField = Exclude<keyof EncodingLimits, 'bound'>;

const FROM_CONFIG: readonly (readonly [string, LimitField])[] = [
  ['hash-max-listpack-entries', 'hashMaxListpackEntries'],
  ['hash-max-listpack-value', 'hashMaxListpackValue'],
  ['zset-max-listpack-entries', 'zsetMaxListpackEntries'],
  ['zset-max-listpack-value', 'zsetMaxListpackValue'],
  ['set-max-intset-entries', 'setMaxIntsetEntries'],
  ['list-max-listpack-size', 'listMaxListpackSize'],
];

/** Sets the limits from the configuration and follows its changes (CONFIG SET, once per limits). */
export function bindEncodingLimits(config: Config, limits: EncodingLimits): void {
  if (limits.bound) return;
  limits.bound = true;
  for (const [name, field] of FROM_CONFIG) {
    limits[field] = config.num(name);
    config.onChange(name, (v) => (limits[field] = v as number));
  }
}

/** The server's encoding limits, bound to its configuration on first use. */
export function encodingLimits(server: Server): EncodingLimits {
  const limits = server.ks.limits;
  if (!limits.bound) bindEncodingLimits(server.config, limits);
  return limits;
}
