// Keeps the keyspace's encoding thresholds (store/db.ts EncodingLimits) current from the
// configuration: the one place the *-max-listpack-*, set-max-intset-entries,
// list-max-listpack-size and stream-node-max-* settings are subscribed to. Every reader takes
// them from the keyspace (`ks.limits`), never from the configuration.
import type { Config } from '../config/config.js';
import type { EncodingLimits } from '../store/db.js';

type LimitField = 'hashMaxListpackEntries' | 'hashMaxListpackValue' | 'zsetMaxListpackEntries' | 'zsetMaxListpackValue' | 'setMaxIntsetEntries' | 'listMaxListpackSize' | 'streamNodeMaxEntries' | 'streamNodeMaxBytes';

const FROM_CONFIG: readonly (readonly [string, LimitField])[] = [
  ['hash-max-listpack-entries', 'hashMaxListpackEntries'],
  ['hash-max-listpack-value', 'hashMaxListpackValue'],
  ['zset-max-listpack-entries', 'zsetMaxListpackEntries'],
  ['zset-max-listpack-value', 'zsetMaxListpackValue'],
  ['set-max-intset-entries', 'setMaxIntsetEntries'],
  ['list-max-listpack-size', 'listMaxListpackSize'],
  ['stream-node-max-entries', 'streamNodeMaxEntries'],
  ['stream-node-max-bytes', 'streamNodeMaxBytes'],
];

/** Sets the limits from the configuration and follows its changes (the server calls it once). */
export function bindEncodingLimits(config: Config, limits: EncodingLimits): void {
  for (const [name, field] of FROM_CONFIG) {
    limits[field] = config.num(name);
    config.onChange(name, (v) => (limits[field] = v as number));
  }
}
