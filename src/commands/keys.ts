// Generic key commands (DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY RENAME RENAMENX COPY MOVE,
// the EXPIRE family, TTL family, PERSIST TOUCH OBJECT DUMP RESTORE) and database commands (SWAPDB FLUSHDB
// FLUSHALL DBSIZE), with redis-server 7.0.15's replies and errors.
import { Buffer } from 'node:buffer';
import { err } from '../errors.js';
import { createDumpPayload, loadDumpPayload, verifyDumpPayload } from '../persistence/rdb/dump.js';
import { RdbError } from '../persistence/rdb/reader.js';
import type { Client } from '../server/client.js';
import { NOTIFY } from '../server/events.js';
import { freedLazily, typeName, type Db, type Value } from '../store/db.js';
import { globMatch } from '../store/glob.js';
import { is, parseBigInt, parseExpireTime, parseInteger } from './args.js';
import { scanCursorArg, scanGeneric } from './scan.js';
import type { DataContext, HandlerMap } from './types.js';
import { propagateAs, propagating } from '../server/propagate.js';

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);
/** Redis shares the integers 0..9999 between keys (OBJECT REFCOUNT reports INT_MAX for them). */
const SHARED_INTEGERS = 10000;
const SHARED_REFCOUNT = 2147483647;

/** OBJECT ENCODING of a string value, derived as Redis's tryObjectEncoding would leave it. */
export function stringEncoding(s: string): 'int' | 'embstr' | 'raw' {
  if (s.length <= 20 && parseBigInt(s) !== null) return 'int';
  return s.length <= 44 ? 'embstr' : 'raw';
}

function isLfu(server: DataContext): boolean {
  return server.config.str('maxmemory-policy').endsWith('-lfu');
}

/** Whether Redis would use its shared integer objects (off with maxmemory and an LRU/LFU policy). */
function sharedIntegersOn(server: DataContext): boolean {
  const p = server.config.str('maxmemory-policy');
  return server.config.num('maxmemory') === 0 || !(p.endsWith('-lru') || p.endsWith('-lfu'));
}

/** getIntFromObjectOrReply: a C int, or null after replying with `msg` (or Redis's default). */
function intArg(c: Client, arg: string, msg?: string): number | null {
  const v = parseInteger(arg);
  if (v === null) {
    c.out.error(msg ?? err.notInteger());
    return null;
  }
  if (v < INT32_MIN || v > INT32_MAX) {
    c.out.error(msg ?? err.outOfRangeInt32());
    return null;
  }
  return v;
}

/** DEL and UNLINK (`unlink`): lazy for UNLINK, and for DEL under lazyfree-lazy-user-del. */
function delKeys(c: Client, argv: string[], server: DataContext, unlink: boolean): void {
  const db = c.db;
  const lazy = unlink || server.config.bool('lazyfree-lazy-user-del');
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i]!;
    const v = lazy ? db.data.get(key) : undefined;
    if (db.delete(key)) {
      n++;
      if (typeof v === 'object' && freedLazily(v)) server.ks.stats.lazyfreed++;
      server.events.written(db, key, NOTIFY.generic, 'del');
    }
  }
  c.out.int(n);
}

/** EXPIRE PEXPIRE EXPIREAT PEXPIREAT key time [NX|XX|GT|LT ...] */
function expireGeneric(c: Client, argv: string[], server: DataContext, relative: boolean, seconds: boolean): void {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!;
    if (is(opt, 'nx')) nx = true;
    else if (is(opt, 'xx')) xx = true;
    else if (is(opt, 'gt')) gt = true;
    else if (is(opt, 'lt')) lt = true;
    else {
      c.out.error(err.unsupportedOption(opt));
      return;
    }
  }
  if (nx && (xx || gt || lt)) {
    c.out.error(err.nxXxGtLtIncompatible());
    return;
  }
  if (gt && lt) {
    c.out.error(err.gtLtIncompatible());
    return;
  }
  const now = server.clock.now();
  const at = parseExpireTime(c, argv[2]!, argv[0]!, now, seconds, relative, false);
  if (at === null) return;
  const key = argv[1]!;
  const db = c.db;
  if (db.lookup(key) === undefined) {
    c.out.int(0);
    return;
  }
  if (nx || xx || gt || lt) {
    const cur = db.getExpire(key);
    if ((nx && cur !== undefined) || (xx && cur === undefined)) {
      c.out.int(0);
      return;
    }
    // No TTL counts as an infinite one: GT never succeeds against it, LT always does.
    if (gt && (cur === undefined || at <= cur)) {
      c.out.int(0);
      return;
    }
    if (lt && cur !== undefined && at >= cur) {
      c.out.int(0);
      return;
    }
  }
  // Propagated as DEL/UNLINK (a time already past) or PEXPIREAT with the absolute time and the
  // same options, as Redis does.
  if (server.ks.alreadyExpired(at, now)) {
    db.delete(key);
    server.events.written(db, key, NOTIFY.generic, 'del');
    propagateAs(c, [server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
  } else {
    db.setExpire(key, at);
    server.events.written(db, key, NOTIFY.generic, 'expire');
    // PEXPIREAT (absolute milliseconds) is propagated as sent.
    if (propagating(c) && (relative || seconds)) propagateAs(c, ['PEXPIREAT', key, String(at), ...argv.slice(3)]);
  }
  c.out.int(1);
}

/** TTL PTTL EXPIRETIME PEXPIRETIME */
function ttlGeneric(c: Client, argv: string[], server: DataContext, ms: boolean, absolute: boolean): void {
  const db = c.db;
  const key = argv[1]!;
  // TTL and its kin, EXISTS and TYPE do not count as an access (Redis's LOOKUP_NOTOUCH).
  if (db.lookupRead(key, false) === undefined) {
    c.out.int(-2);
    return;
  }
  const at = db.getExpire(key);
  if (at === undefined) {
    c.out.int(-1);
    return;
  }
  let t = absolute ? at : at - server.clock.now();
  if (t < 0) t = 0;
  c.out.int(ms ? t : Math.trunc((t + 500) / 1000));
}

/** RENAME / RENAMENX */
function renameGeneric(c: Client, argv: string[], server: DataContext, nx: boolean): void {
  const db = c.db;
  const src = argv[1]!;
  const dst = argv[2]!;
  const v = db.lookup(src);
  if (v === undefined) {
    c.out.error(err.noSuchKey());
    return;
  }
  if (src === dst) {
    if (nx) c.out.int(0);
    else c.out.ok();
    return;
  }
  const at = db.getExpire(src);
  if (db.lookup(dst) !== undefined) {
    if (nx) {
      c.out.int(0);
      return;
    }
    db.delete(dst);
  }
  db.set(dst, v);
  if (at !== undefined) db.setExpire(dst, at);
  db.delete(src);
  server.events.written(db, src, NOTIFY.generic, 'rename_from', 0);
  server.events.written(db, dst, NOTIFY.generic, 'rename_to');
  if (nx) c.out.int(1);
  else c.out.ok();
}

function copyValue(v: Value): Value | null {
  if (typeof v === 'string') return v;
  return v.copy ? v.copy() : null;
}

/** Checks a flush command's optional ASYNC|SYNC; false after replying with a syntax error. */
const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

/** OBJECT's key lookup: the value, or undefined after replying null. */
function objectLookup(c: Client, db: Db, key: string): Value | undefined {
  const v = db.lookupRead(key, false);
  if (v === undefined) c.out.nullBulk();
  return v;
}

/**
 * RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
 * Checks in Redis's order: options, an existing key (BUSYKEY), the TTL, the payload's version
 * and checksum, then the value itself ("Bad data format"). A TTL already past (ABSTTL) creates
 * nothing; with REPLACE the old key is deleted and a "del" event sent, as Redis does.
 * IDLETIME sets the key's idle time under every policy but the LFU ones, FREQ its counter under
 * those (as Redis's objectSetLRUOrLFU); the other is validated and has no effect.
 * Deliberate difference: every container in the payload is checked completely (Redis does so
 * only with sanitize-dump-payload yes), so some corrupt payloads Redis would load are refused.
 */
function restoreCommand(c: Client, argv: string[], server: DataContext): void {
  let replace = false;
  let absttl = false;
  let idle = false;
  let freq = false;
  let idleSec: number | null = null;
  let freqVal: number | null = null;
  for (let j = 4; j < argv.length; j++) {
    const opt = argv[j]!;
    const more = j + 1 < argv.length;
    if (is(opt, 'replace')) {
      replace = true;
    } else if (is(opt, 'absttl')) {
      absttl = true;
    } else if (is(opt, 'idletime') && more && !freq) {
      const v = parseBigInt(argv[++j]!);
      if (v === null) {
        c.out.error(err.notInteger());
        return;
      }
      if (v < 0n) {
        c.out.error(err.invalidIdletime());
        return;
      }
      idle = true;
      idleSec = Number(v);
    } else if (is(opt, 'freq') && more && !idle) {
      const v = parseBigInt(argv[++j]!);
      if (v === null) {
        c.out.error(err.notInteger());
        return;
      }
      if (v < 0n || v > 255n) {
        c.out.error(err.invalidFreq());
        return;
      }
      freq = true;
      freqVal = Number(v);
    } else {
      c.out.error(err.syntax());
      return;
    }
  }
  const db = c.db;
  const key = argv[1]!;
  if (!replace && db.lookup(key) !== undefined) {
    c.out.error('BUSYKEY Target key name already exists.');
    return;
  }
  const ttlArg = parseBigInt(argv[2]!);
  if (ttlArg === null) {
    c.out.error(err.notInteger());
    return;
  }
  if (ttlArg < 0n) {
    c.out.error(err.invalidTtl());
    return;
  }
  const payload = Buffer.from(argv[3]!, 'latin1');
  if (!verifyDumpPayload(payload)) {
    c.out.error(err.dumpPayload());
    return;
  }
  let value: Value;
  try {
    value = loadDumpPayload(payload, server.ks.limits);
  } catch (e) {
    if (e instanceof RdbError) {
      c.out.error(err.badDataFormat());
      return;
    }
    throw e;
  }
  const deleted = replace && db.delete(key);
  const now = server.clock.now();
  let ttl = Number(ttlArg);
  if (ttl !== 0 && !absttl) ttl += now;
  if (ttl !== 0 && server.ks.alreadyExpired(ttl, now)) {
    if (deleted) {
      server.events.written(db, key, NOTIFY.generic, 'del');
      propagateAs(c, [server.config.bool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', key]);
    }
    c.out.ok();
    return;
  }
  db.set(key, value);
  if (ttl !== 0) db.setExpire(key, ttl);
  server.ks.setAccess(db, key, idleSec, freqVal);
  server.events.written(db, key, NOTIFY.generic, 'restore');
  // A relative TTL is written to the AOF as the absolute time (ABSTTL), as Redis propagates it.
  if (ttl !== 0 && !absttl) {
    const args = argv.slice();
    args[2] = String(ttl);
    args.push('ABSTTL');
    propagateAs(c, args);
  }
  c.out.ok();
}

export const keysCommands: HandlerMap<DataContext> = {
  // DEL key [key ...]
  del: (c, argv, server) => delKeys(c, argv, server, false),

  // UNLINK key [key ...]: the garbage collector reclaims the memory either way; big values count
  // in INFO lazyfreed_objects, as Redis counts those it frees in the background.
  unlink: (c, argv, server) => delKeys(c, argv, server, true),

  // EXISTS key [key ...]: a key named twice counts twice.
  exists(c, argv) {
    const db = c.db;
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (db.lookupRead(argv[i]!, false) !== undefined) n++;
    c.out.int(n);
  },

  // TYPE key
  type(c, argv) {
    const v = c.db.lookupRead(argv[1]!, false);
    c.out.simple(v === undefined ? 'none' : typeName(v));
  },

  // KEYS pattern: expired keys are left out (and left for expiry to remove).
  keys(c, argv) {
    const pat = argv[1]!;
    const db = c.db;
    const all = pat === '*';
    const found: string[] = [];
    for (const k of db.data.keys()) {
      if ((all || globMatch(pat, k)) && !db.isExpired(k)) found.push(k);
    }
    c.out.bulks(found);
  },

  // SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] (commands/scan.ts)
  scan(c, argv, server) {
    const cursor = scanCursorArg(c, argv[1]!);
    if (cursor === null) return;
    const db = c.db;
    scanGeneric(c, argv, server, cursor, true, {
      whole: null,
      source: () => db.scanSource(),
      emit(k, out, opts) {
        const v = db.lookup(k, false); // expires the key if its time has passed; no access
        if (v === undefined) return;
        if (opts.type !== null && typeName(v) !== opts.type) return;
        out.push(k);
      },
    });
  },

  // RANDOMKEY
  randomkey(c) {
    c.out.bulkOrNull(c.db.randomKey());
  },

  // RENAME key newkey
  rename(c, argv, server) {
    renameGeneric(c, argv, server, false);
  },

  // RENAMENX key newkey
  renamenx(c, argv, server) {
    renameGeneric(c, argv, server, true);
  },

  // COPY source destination [DB destination-db] [REPLACE]
  copy(c, argv, server) {
    let dbid = c.dbIndex;
    let replace = false;
    for (let j = 3; j < argv.length; j++) {
      const opt = argv[j]!;
      if (is(opt, 'replace')) {
        replace = true;
      } else if (is(opt, 'db') && j + 1 < argv.length) {
        const n = parseInteger(argv[j + 1]!);
        if (n === null) {
          c.out.error(err.notInteger());
          return;
        }
        if (n < 0 || n >= server.ks.dbs.length) {
          c.out.error(err.invalidDbIndex());
          return;
        }
        dbid = n;
        j++;
      } else {
        c.out.error(err.syntax());
        return;
      }
    }
    const src = argv[1]!;
    const dst = argv[2]!;
    if (dbid === c.dbIndex && src === dst) {
      c.out.error(err.sameObject());
      return;
    }
    const from = c.db;
    const v = from.lookupRead(src);
    if (v === undefined) {
      c.out.int(0);
      return;
    }
    const at = from.getExpire(src);
    const to = server.ks.db(dbid);
    if (to.lookup(dst) !== undefined && !replace) {
      c.out.int(0);
      return;
    }
    const copy = copyValue(v);
    if (copy === null) {
      c.out.error(err.notImplemented(`COPY of a ${typeName(v)}`));
      return;
    }
    to.delete(dst);
    to.set(dst, copy);
    if (at !== undefined) to.setExpire(dst, at);
    server.events.written(to, dst, NOTIFY.generic, 'copy_to');
    c.out.int(1);
  },

  // MOVE key db
  move(c, argv, server) {
    const dbid = intArg(c, argv[2]!);
    if (dbid === null) return;
    if (dbid < 0 || dbid >= server.ks.dbs.length) {
      c.out.error(err.invalidDbIndex());
      return;
    }
    if (dbid === c.dbIndex) {
      c.out.error(err.sameObject());
      return;
    }
    const from = c.db;
    const key = argv[1]!;
    const v = from.lookup(key);
    if (v === undefined) {
      c.out.int(0);
      return;
    }
    const at = from.getExpire(key);
    const to = server.ks.db(dbid);
    if (to.lookup(key) !== undefined) {
      c.out.int(0);
      return;
    }
    to.set(key, v);
    if (at !== undefined) to.setExpire(key, at);
    from.delete(key);
    server.events.written(from, key, NOTIFY.generic, 'move_from', 0);
    server.events.written(to, key, NOTIFY.generic, 'move_to');
    c.out.int(1);
  },

  // EXPIRE key seconds [NX|XX|GT|LT]
  expire(c, argv, server) {
    expireGeneric(c, argv, server, true, true);
  },

  // PEXPIRE key milliseconds [NX|XX|GT|LT]
  pexpire(c, argv, server) {
    expireGeneric(c, argv, server, true, false);
  },

  // EXPIREAT key unix-time-seconds [NX|XX|GT|LT]
  expireat(c, argv, server) {
    expireGeneric(c, argv, server, false, true);
  },

  // PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT]
  // Deliberate difference: times beyond 2^53 ms (year 287396) are kept as the nearest double,
  // so PTTL / PEXPIRETIME of such keys may differ from Redis in the last digits.
  pexpireat(c, argv, server) {
    expireGeneric(c, argv, server, false, false);
  },

  // TTL key
  ttl(c, argv, server) {
    ttlGeneric(c, argv, server, false, false);
  },

  // PTTL key
  pttl(c, argv, server) {
    ttlGeneric(c, argv, server, true, false);
  },

  // EXPIRETIME key
  expiretime(c, argv, server) {
    ttlGeneric(c, argv, server, false, true);
  },

  // PEXPIRETIME key
  pexpiretime(c, argv, server) {
    ttlGeneric(c, argv, server, true, true);
  },

  // PERSIST key
  persist(c, argv, server) {
    const db = c.db;
    const key = argv[1]!;
    if (db.lookup(key) !== undefined && db.persist(key)) {
      server.events.written(db, key, NOTIFY.generic, 'persist');
      c.out.int(1);
    } else {
      c.out.int(0);
    }
  },

  // TOUCH key [key ...]: counts the existing keys; each counts as an access (the LRU/LFU data kept
  // under those policies).
  touch(c, argv) {
    const db = c.db;
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (db.lookupRead(argv[i]!) !== undefined) n++;
    c.out.int(n);
  },

  // OBJECT ENCODING key: strings report int / embstr (<= 44 bytes) / raw from their content.
  // Deliberate difference: Redis reports "raw" for short strings made by APPEND or SETRANGE;
  // Redoubt stores plain strings and derives the name from the value alone.
  'object|encoding'(c, argv) {
    const v = objectLookup(c, c.db, argv[2]!);
    if (v === undefined) return;
    c.out.bulk(typeof v === 'string' ? stringEncoding(v) : v.encoding());
  },

  // OBJECT FREQ key: the logarithmic access counter, kept while an LFU policy is configured.
  'object|freq'(c, argv, server) {
    if (objectLookup(c, c.db, argv[2]!) === undefined) return;
    if (!isLfu(server)) {
      c.out.error(err.lfuNotSelected());
      return;
    }
    c.out.int(server.ks.lfuCounter(c.db.data.clockOf(argv[2]!)!));
  },

  // OBJECT IDLETIME key: seconds since the last access, kept under every policy but the LFU ones.
  'object|idletime'(c, argv, server) {
    if (objectLookup(c, c.db, argv[2]!) === undefined) return;
    if (isLfu(server)) {
      c.out.error(err.lfuSelected());
      return;
    }
    c.out.int(server.ks.idleSeconds(c.db.data.clockOf(argv[2]!)!));
  },

  // OBJECT REFCOUNT key: Redis's shared integers 0..9999 report INT_MAX, everything else 1.
  // Redis decides when the value is stored (no sharing under maxmemory with an LRU/LFU
  // policy); Redoubt decides from the configuration now.
  'object|refcount'(c, argv, server) {
    const v = objectLookup(c, c.db, argv[2]!);
    if (v === undefined) return;
    if (typeof v === 'string' && v.length <= 4 && sharedIntegersOn(server)) {
      const n = parseInteger(v);
      if (n !== null && n >= 0 && n < SHARED_INTEGERS) {
        c.out.int(SHARED_REFCOUNT);
        return;
      }
    }
    c.out.int(1);
  },

  // OBJECT HELP
  'object|help'(c) {
    c.out.simples(OBJECT_HELP);
  },

  // DUMP key: the value in Redis 7.0's RDB form (persistence/rdb), version 10, with a CRC-64.
  // Byte-identical to Redis's DUMP except where Redis's bytes depend on history Redoubt does
  // not keep: hash-table order of big sets and hashes, quicklist node splits of lists not built
  // by tail pushes, intsets Redis widened and never narrowed, and LZF output (its compressor
  // can pick other matches).
  dump(c, argv, server) {
    const v = c.db.lookupRead(argv[1]!);
    if (v === undefined) {
      c.out.nullBulk();
      return;
    }
    const payload = createDumpPayload(v, {
      compress: server.config.bool('rdbcompression'),
      listMaxListpackSize: server.ks.limits.listMaxListpackSize,
      listPackedThreshold: server.ks.limits.listPackedThreshold,
      streamNodeMaxEntries: server.ks.limits.streamNodeMaxEntries,
      streamNodeMaxBytes: server.ks.limits.streamNodeMaxBytes,
    });
    c.out.bulk(payload.toString('latin1'));
  },

  // RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
  restore: restoreCommand,

  // SWAPDB index1 index2
  swapdb(c, argv, server) {
    const a = intArg(c, argv[1]!, err.invalidFirstDb());
    if (a === null) return;
    const b = intArg(c, argv[2]!, err.invalidSecondDb());
    if (b === null) return;
    const n = server.ks.dbs.length;
    if (a < 0 || a >= n || b < 0 || b >= n) {
      c.out.error(err.invalidDbIndex());
      return;
    }
    if (a !== b) {
      const x = server.ks.db(a);
      const y = server.ks.db(b);
      server.events.touchAllIn(x, y, 1);
      server.events.touchAllIn(y, x, 0);
      server.ks.swap(a, b);
    } else {
      server.ks.stats.dirty++; // nothing changes, yet Redis counts (and propagates) it
    }
    c.out.ok();
  },

  // DBSIZE: counts keys whose TTL has passed but that expiry has not removed yet, as Redis does.
  dbsize(c) {
    c.out.int(c.db.size);
  },
};
