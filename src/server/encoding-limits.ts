// Keeps the keyspace's encoding thresholds (store/db.ts EncodingLimits) current from the
// configuration: the one place the *-max-listpack-*, set-max-intset-entries,
// list-max-listpack-size, list-compress-depth and stream-node-max-* settings are subscribed to. Every reader takes
// them from the keyspace (`ks.limits`), never from the configuration.
import type { Config } from '../config/config.js';
import type { EncodingLimits } from '../store/db.js';

/** Sets the limits from the configuration and follows its changes (the server calls it once). */
export function bindEncodingLimits(config: Config, limits: EncodingLimits): void {
  config.follow(limits, {
    hashMaxListpackEntries: 'hash-max-listpack-entries',
    hashMaxListpackValue: 'hash-max-listpack-value',
    zsetMaxListpackEntries: 'zset-max-listpack-entries',
    zsetMaxListpackValue: 'zset-max-listpack-value',
    setMaxIntsetEntries: 'set-max-intset-entries',
    listMaxListpackSize: 'list-max-listpack-size',
    listCompressDepth: 'list-compress-depth',
    streamNodeMaxEntries: 'stream-node-max-entries',
    streamNodeMaxBytes: 'stream-node-max-bytes',
  });
}
