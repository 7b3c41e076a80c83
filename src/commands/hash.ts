// Hash commands (HSET HSETNX HGET HMGET HMSET HDEL HEXISTS HLEN HSTRLEN HKEYS HVALS HGETALL
// HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN), with redis-server 7.0.15's replies and errors.
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import { NOTIFY } from '../server/events.js';
import type { Db, Value } from '../store/db.js';
import { HashValue, type HashLimits } from '../store/types/hash.js';
import { is, parseBigInt } from './args.js';
import { incrByFloatText, parseLongDouble } from './ldouble.js';
import { emptyScan, scanCursorArg, scanGeneric } from './scan.js';
import type { DataContext, HandlerMap } from './types.js';
import { propagateAs } from '../server/propagate.js';

/** LONG_MAX / 2: HRANDFIELD WITHVALUES's count limit. */
const HALF_LONG_MAX = (2n ** 63n - 1n) / 2n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The hash at key for a read: the value, null when missing, or undefined after a WRONGTYPE reply. */
function readHash(c: Client, key: string): HashValue | null | undefined {
  const v = c.db.lookupRead(key);
  return checkHash(c, v);
}

function checkHash(c: Client, v: Value | undefined): HashValue | null | undefined {
  if (v === undefined) return null;
  if (v instanceof HashValue) return v;
  c.out.error(err.wrongType());
  return undefined;
}

/** The hash at key for a write, created (not yet stored) when missing; undefined after WRONGTYPE. */
function writeHash(c: Client, db: Db, key: string): HashValue | undefined {
  const v = db.lookup(key);
  if (v === undefined) return new HashValue();
  if (v instanceof HashValue) return v;
  c.out.error(err.wrongType());
  return undefined;
}

/** Current listpack limits, or null when the hash is already a hashtable. */
function limits(server: DataContext, h: HashValue): HashLimits | null {
  if (!h.listpack) return null;
  const lim = server.ks.limits;
  return { entries: lim.hashMaxListpackEntries, value: lim.hashMaxListpackValue };
}

/**
 * After `dirty` changes to the hash at key: stores a new hash, or deletes an emptied one (with
 * its "del" event), then the write's bookkeeping.
 */
function stored(server: DataContext, db: Db, key: string, h: HashValue, event: string, isNew: boolean, dirty: number): void {
  if (h.size === 0) {
    if (isNew) return;
    db.delete(key);
    server.events.written(db, key, NOTIFY.hash, event, dirty);
    server.events.notify(NOTIFY.generic, 'del', key, db);
    return;
  }
  if (isNew) db.set(key, h);
  server.events.written(db, key, NOTIFY.hash, event, dirty);
}

function hsetGeneric(c: Client, argv: string[], server: DataContext, cmd: string): void {
  if (argv.length % 2 === 1) {
    c.out.error(err.wrongArity(cmd));
    return;
  }
  const db = c.db;
  const key = argv[1]!;
  const h = writeHash(c, db, key);
  if (h === undefined) return;
  const isNew = h.size === 0;
  const lim = limits(server, h);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (h.set(argv[i]!, argv[i + 1]!, lim)) created++;
  stored(server, db, key, h, 'hset', isNew, (argv.length - 2) / 2);
  if (cmd === 'hset') c.out.int(created);
  else c.out.ok();
}

/** Writes the whole hash, in order: fields, values, or pairs (a map in RESP3). */
function replyAll(c: Client, h: HashValue | null, fields: boolean, values: boolean): void {
  const out = c.out;
  if (h === null) {
    if (fields && values) out.map(0);
    else out.array(0);
    return;
  }
  const all = h.pairs();
  if (fields && values) out.map(all.length >> 1);
  else out.array(all.length >> 1);
  for (let i = 0; i < all.length; i += 2) {
    if (fields) out.bulk(all[i]!);
    if (values) out.bulk(all[i + 1]!);
  }
}

/** A count argument in [-LONG_MAX, LONG_MAX] (getRangeLongFromObjectOrReply); null after replying. */
export function rangeCount(c: Client, arg: string): number | null {
  const v = parseBigInt(arg);
  if (v === null) {
    c.out.error(err.notInteger());
    return null;
  }
  if (v === INT64_MIN) {
    c.out.error(err.outOfRangeInt64());
    return null;
  }
  return Number(v);
}

/** HRANDFIELD key count [WITHVALUES] */
function hrandfieldCount(c: Client, key: string, count: number, withValues: boolean): void {
  const out = c.out;
  const h = readHash(c, key);
  if (h === undefined) return;
  if (h === null || count === 0) {
    out.array(0);
    return;
  }
  const resp3 = out.resp === 3;
  const pair = (i: number): void => {
    if (withValues && resp3) out.array(2);
    out.bulk(h.fieldAt(i));
    if (withValues) out.bulk(h.valueAt(i));
  };
  const arrayOf = (n: number): void => out.array(withValues && !resp3 ? 2 * n : n);
  if (count < 0) {
    // Repetitions allowed: independent uniform picks.
    const n = -count;
    arrayOf(n);
    for (let j = 0; j < n; j++) {
      // A client past its output limit is closed: stop building a reply it will never get.
      if ((j & 1023) === 1023 && c.outputLimitReached()) return;
      pair(h.randomIndex());
    }
    return;
  }
  const size = h.size;
  if (count >= size) {
    // The whole hash, in its order.
    arrayOf(size);
    const all = h.pairs();
    for (let i = 0; i < all.length; i += 2) {
      if (withValues && resp3) out.array(2);
      out.bulk(all[i]!);
      if (withValues) out.bulk(all[i + 1]!);
    }
    return;
  }
  // Distinct picks (store/types/hash.ts: a partial Fisher-Yates shuffle or distinct draws).
  arrayOf(count);
  for (const i of h.sample(count)) pair(i);
}

export const hashCommands: HandlerMap<DataContext> = {
  // HSET key field value [field value ...]: the number of new fields.
  hset(c, argv, server) {
    hsetGeneric(c, argv, server, 'hset');
  },

  // HMSET key field value [field value ...]: OK.
  hmset(c, argv, server) {
    hsetGeneric(c, argv, server, 'hmset');
  },

  // HSETNX key field value
  hsetnx(c, argv, server) {
    const db = c.db;
    const key = argv[1]!;
    const h = writeHash(c, db, key);
    if (h === undefined) return;
    const field = argv[2]!;
    if (h.has(field)) {
      c.out.int(0);
      return;
    }
    const isNew = h.size === 0;
    h.set(field, argv[3]!, limits(server, h));
    stored(server, db, key, h, 'hset', isNew, 1);
    c.out.int(1);
  },

  // HGET key field
  hget(c, argv) {
    const h = readHash(c, argv[1]!);
    if (h === undefined) return;
    c.out.bulkOrNull(h === null ? null : h.get(argv[2]!));
  },

  // HMGET key field [field ...]
  hmget(c, argv) {
    const h = readHash(c, argv[1]!);
    if (h === undefined) return;
    c.out.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) c.out.bulkOrNull(h === null ? null : h.get(argv[i]!));
  },

  // HDEL key field [field ...]: the number removed; an emptied hash is deleted.
  hdel(c, argv, server) {
    const db = c.db;
    const key = argv[1]!;
    const h = checkHash(c, db.lookup(key));
    if (h === undefined) return;
    if (h === null) {
      c.out.int(0);
      return;
    }
    let n = 0;
    for (let i = 2; i < argv.length; i++) {
      if (h.delete(argv[i]!)) {
        n++;
        if (h.size === 0) break;
      }
    }
    if (n > 0) {
      stored(server, db, key, h, 'hdel', false, n);
    }
    c.out.int(n);
  },

  // HEXISTS key field
  hexists(c, argv) {
    const h = readHash(c, argv[1]!);
    if (h === undefined) return;
    c.out.int(h !== null && h.has(argv[2]!) ? 1 : 0);
  },

  // HLEN key
  hlen(c, argv) {
    const h = readHash(c, argv[1]!);
    if (h === undefined) return;
    c.out.int(h === null ? 0 : h.size);
  },

  // HSTRLEN key field
  hstrlen(c, argv) {
    const h = readHash(c, argv[1]!);
    if (h === undefined) return;
    c.out.int(h === null ? 0 : (h.get(argv[2]!)?.length ?? 0));
  },

  // HKEYS key
  hkeys(c, argv) {
    const h = readHash(c, argv[1]!);
    if (h !== undefined) replyAll(c, h, true, false);
  },

  // HVALS key
  hvals(c, argv) {
    const h = readHash(c, argv[1]!);
    if (h !== undefined) replyAll(c, h, false, true);
  },

  // HGETALL key: a map in RESP3.
  hgetall(c, argv) {
    const h = readHash(c, argv[1]!);
    if (h !== undefined) replyAll(c, h, true, true);
  },

  // HINCRBY key field increment
  hincrby(c, argv, server) {
    const incr = parseBigInt(argv[3]!);
    if (incr === null) {
      c.out.error(err.notInteger());
      return;
    }
    const db = c.db;
    const key = argv[1]!;
    const h = writeHash(c, db, key);
    if (h === undefined) return;
    const field = argv[2]!;
    const cur = h.get(field);
    let base = 0n;
    if (cur !== undefined) {
      const v = parseBigInt(cur);
      if (v === null) {
        c.out.error(err.hashNotInteger());
        return;
      }
      base = v;
    }
    const sum = base + incr;
    if (sum > INT64_MAX || sum < INT64_MIN) {
      c.out.error(err.overflow());
      return;
    }
    const isNew = h.size === 0;
    h.set(field, sum.toString(), limits(server, h));
    stored(server, db, key, h, 'hincrby', isNew, 1);
    c.out.int(sum);
  },

  // HINCRBYFLOAT key field increment: long double arithmetic, formatted as INCRBYFLOAT.
  hincrbyfloat(c, argv, server) {
    const incrArg = argv[3]!;
    const incr = parseLongDouble(incrArg);
    if (incr === null) {
      c.out.error(err.notFloat());
      return;
    }
    if (typeof incr === 'number') {
      c.out.error(err.valueNaN());
      return;
    }
    const db = c.db;
    const key = argv[1]!;
    const h = writeHash(c, db, key);
    if (h === undefined) return;
    const field = argv[2]!;
    const r = incrByFloatText(h.get(field) ?? '0', incrArg);
    if (r === 'value' || r === 'incr') {
      c.out.error(err.hashNotFloat());
      return;
    }
    if (r === 'nan') {
      c.out.error(err.incrNaN());
      return;
    }
    const isNew = h.size === 0;
    h.set(field, r, limits(server, h));
    stored(server, db, key, h, 'hincrbyfloat', isNew, 1);
    propagateAs(c, ['HSET', key, field, r]);
    c.out.bulk(r);
  },

  // HRANDFIELD key [count [WITHVALUES]]
  hrandfield(c, argv) {
    if (argv.length >= 3) {
      const count = rangeCount(c, argv[2]!);
      if (count === null) return;
      if (argv.length > 4 || (argv.length === 4 && !is(argv[3], 'withvalues'))) {
        c.out.error(err.syntax());
        return;
      }
      const withValues = argv.length === 4;
      const big = withValues ? parseBigInt(argv[2]!)! : 0n;
      if (big < -HALF_LONG_MAX || big > HALF_LONG_MAX) {
        c.out.error(err.valueOutOfRange());
        return;
      }
      hrandfieldCount(c, argv[1]!, count, withValues);
      return;
    }
    const h = readHash(c, argv[1]!);
    if (h === undefined) return;
    c.out.bulkOrNull(h === null ? null : h.fieldAt(h.randomIndex()));
  },

  // HSCAN key cursor [MATCH pattern] [COUNT count]: a listpack hash is returned whole
  // (commands/scan.ts).
  hscan(c, argv, server) {
    const cursor = scanCursorArg(c, argv[2]!);
    if (cursor === null) return;
    const h = readHash(c, argv[1]!);
    if (h === undefined) return;
    if (h === null) {
      emptyScan(c);
      return;
    }
    scanGeneric(c, argv, server, cursor, false, {
      whole:
        h.listpack || h.small
          ? (visit) => {
              const all = h.pairs();
              for (let i = 0; i < all.length; i += 2) visit(all[i]!, all[i + 1]!);
            }
          : null,
      source: () => h.scanSource(),
      emit(f, out) {
        const v = h.get(f);
        if (v !== undefined) out.push(f, v);
      },
    });
  },
};
