// Set commands (SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER
// SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN), with redis-server 7.0.15's
// replies and errors. Where Redis's reply order follows the intset encoding (ascending
// integers), so does Redoubt's; hashtable order is unspecified in both.
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import { NOTIFY } from '../server/events.js';
import type { Db, Value } from '../store/db.js';
import { compareInts, isIntMember, SetValue } from '../store/types/set.js';
import { is, parseBigInt } from './args.js';
import { rangeCount } from './hash.js';
import { emptyScan, scanCursorArg, scanGeneric } from './scan.js';
import type { DataContext, HandlerMap } from './types.js';
import { propagateAs } from '../server/propagate.js';

function checkSet(c: Client, v: Value | undefined): SetValue | null | undefined {
  if (v === undefined) return null;
  if (v instanceof SetValue) return v;
  c.out.error(err.wrongType());
  return undefined;
}

/** The set at key for a read: the value, null when missing, or undefined after a WRONGTYPE reply. */
function readSet(c: Client, key: string): SetValue | null | undefined {
  return checkSet(c, c.db.lookupRead(key));
}

/** Removes an emptied set, with Redis's notifications. */
function dropIfEmpty(server: DataContext, db: Db, key: string, s: SetValue): void {
  if (s.size > 0) return;
  db.delete(key);
  server.events.notify(NOTIFY.generic, 'del', key, db);
}

/**
 * The members in the order of a set Redis builds by adding them one by one (SPOP's whole-set
 * reply, SUNION...): ascending when that set would be an intset.
 */
function builtOrder(s: SetValue, server: DataContext): Iterable<string> {
  if (s.intset || s.size > server.ks.limits.setMaxIntsetEntries) return s.members();
  for (const k of s.members()) if (!isIntMember(k)) return s.members();
  return Array.from(s.members()).sort(compareInts);
}

/** Writes a set reply (`~` in RESP3) of n members. */
function replySet(c: Client, members: Iterable<string>, n: number): void {
  c.out.set(n);
  for (const m of members) c.out.bulk(m);
}

/** Stores a computed set at dst (or deletes dst for an empty result) and replies its size. */
function store(c: Client, server: DataContext, dst: string, result: SetValue, event: string): void {
  const db = c.db;
  if (result.size > 0) {
    db.set(dst, result);
    server.events.written(db, dst, NOTIFY.set, event);
    c.out.int(result.size);
    return;
  }
  if (db.delete(dst)) server.events.written(db, dst, NOTIFY.generic, 'del');
  c.out.int(0);
}

/**
 * The sets at keys (null for missing ones), or undefined after a WRONGTYPE reply. Stores
 * look their sources up as writes do (no hit/miss accounting), as Redis does.
 */
function lookupSets(c: Client, argv: string[], from: number, to: number, write: boolean): (SetValue | null)[] | undefined {
  const db = c.db;
  const sets: (SetValue | null)[] = [];
  for (let i = from; i < to; i++) {
    const s = checkSet(c, write ? db.lookup(argv[i]!) : db.lookupRead(argv[i]!));
    if (s === undefined) return undefined;
    sets.push(s);
  }
  return sets;
}

/** SINTER, SMEMBERS, SINTERSTORE, SINTERCARD. limit 0: no limit (SINTERCARD only). */
function sinterGeneric(c: Client, server: DataContext, argv: string[], from: number, to: number, dst: string | null, cardOnly: boolean, limit: number): void {
  const found = lookupSets(c, argv, from, to, dst !== null);
  if (found === undefined) return;
  const sets: SetValue[] = [];
  for (const s of found) {
    if (s === null) {
      if (dst !== null) store(c, server, dst, new SetValue(), 'sinterstore');
      else if (cardOnly) c.out.int(0);
      else c.out.set(0);
      return;
    }
    sets.push(s);
  }
  // Walk the smallest set, probing the others (a stable sort: Redis's order for equal sizes is unspecified).
  sets.sort((a, b) => a.size - b.size);
  const first = sets[0]!;
  const members = first.members();
  const n = sets.length;
  if (cardOnly) {
    let card = 0;
    for (const m of members) {
      let all = true;
      for (let j = 1; j < n; j++) {
        if (!sets[j]!.has(m)) {
          all = false;
          break;
        }
      }
      if (all && ++card === limit) break;
    }
    c.out.int(card);
    return;
  }
  const out: string[] = [];
  for (const m of members) {
    let all = true;
    for (let j = 1; j < n; j++) {
      if (sets[j] !== first && !sets[j]!.has(m)) {
        all = false;
        break;
      }
    }
    if (all) out.push(m);
  }
  if (dst === null) {
    replySet(c, out, out.length);
    return;
  }
  const result = new SetValue();
  const max = server.ks.limits.setMaxIntsetEntries;
  for (const m of out) result.add(m, max);
  store(c, server, dst, result, 'sinterstore');
}

/** SUNION, SDIFF and their STORE forms. */
function sunionDiffGeneric(c: Client, server: DataContext, argv: string[], from: number, dst: string | null, diff: boolean): void {
  const sets = lookupSets(c, argv, from, argv.length, dst !== null);
  if (sets === undefined) return;
  const result = new SetValue();
  const max = server.ks.limits.setMaxIntsetEntries;
  if (!diff) {
    for (const s of sets) if (s !== null) for (const m of s.members()) result.add(m, max);
  } else if (sets[0]) {
    const firstSet = sets[0];
    for (const m of firstSet.members()) {
      let keep = true;
      for (let j = 1; j < sets.length; j++) {
        const s = sets[j];
        if (s !== null && s !== undefined && s.has(m)) {
          keep = false;
          break;
        }
      }
      if (keep) result.add(m, max);
    }
  }
  if (dst === null) replySet(c, result.members(), result.size);
  else store(c, server, dst, result, diff ? 'sdiffstore' : 'sunionstore');
}

/** SPOP key count */
function spopCount(c: Client, argv: string[], server: DataContext): void {
  const v = parseBigInt(argv[2]!);
  if (v === null || v < 0n) {
    c.out.error(err.mustBePositive());
    return;
  }
  const db = c.db;
  const key = argv[1]!;
  const s = checkSet(c, db.lookup(key));
  if (s === undefined) return;
  if (s === null || v === 0n) {
    c.out.set(0);
    return;
  }
  const size = s.size;
  if (v >= BigInt(size)) {
    server.events.written(db, key, NOTIFY.set, 'spop', size);
    replySet(c, builtOrder(s, server), size);
    db.delete(key);
    server.events.notify(NOTIFY.generic, 'del', key, db);
    propagateAs(c, [server.config.bool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', key]);
    return;
  }
  const count = Number(v);
  server.events.written(db, key, NOTIFY.set, 'spop', count);
  c.out.set(count);
  // Propagated as one SREM per member (inside MULTI/EXEC), as Redis 7.0 does.
  for (let i = 0; i < count; i++) {
    const m = s.pop();
    c.out.bulk(m);
    propagateAs(c, ['SREM', key, m]);
  }
}

/** SRANDMEMBER key count */
function srandmemberCount(c: Client, argv: string[]): void {
  const count = rangeCount(c, argv[2]!);
  if (count === null) return;
  const s = readSet(c, argv[1]!);
  if (s === undefined) return;
  const out = c.out;
  if (s === null || count === 0) {
    out.array(0);
    return;
  }
  if (count < 0) {
    const n = -count;
    out.array(n);
    for (let i = 0; i < n; i++) {
      // A client past its output limit is closed: stop building a reply it will never get.
      if ((i & 1023) === 1023 && c.outputLimitReached()) return;
      out.bulk(s.random());
    }
    return;
  }
  if (count >= s.size) {
    out.array(s.size);
    for (const m of s.members()) out.bulk(m);
    return;
  }
  out.array(count);
  for (const i of s.sample(count)) out.bulk(s.memberAt(i));
}

export const setCommands: HandlerMap<DataContext> = {
  // SADD key member [member ...]: the number added.
  sadd(c, argv, server) {
    const db = c.db;
    const key = argv[1]!;
    let s = checkSet(c, db.lookup(key));
    if (s === undefined) return;
    if (s === null) {
      s = new SetValue();
      db.set(key, s);
    }
    const max = s.intset ? server.ks.limits.setMaxIntsetEntries : 0;
    let added = 0;
    for (let i = 2; i < argv.length; i++) if (s.add(argv[i]!, max)) added++;
    if (added > 0) server.events.written(db, key, NOTIFY.set, 'sadd', added);
    c.out.int(added);
  },

  // SREM key member [member ...]: the number removed; an emptied set is deleted.
  srem(c, argv, server) {
    const db = c.db;
    const key = argv[1]!;
    const s = checkSet(c, db.lookup(key));
    if (s === undefined) return;
    if (s === null) {
      c.out.int(0);
      return;
    }
    let n = 0;
    for (let i = 2; i < argv.length; i++) {
      if (s.remove(argv[i]!)) {
        n++;
        if (s.size === 0) break;
      }
    }
    if (n > 0) {
      server.events.written(db, key, NOTIFY.set, 'srem', n);
      dropIfEmpty(server, db, key, s);
    }
    c.out.int(n);
  },

  // SMEMBERS key (Redis runs SINTER with one key).
  smembers(c, argv, server) {
    sinterGeneric(c, server, argv, 1, 2, null, false, 0);
  },

  // SISMEMBER key member
  sismember(c, argv) {
    const s = readSet(c, argv[1]!);
    if (s === undefined) return;
    c.out.int(s !== null && s.has(argv[2]!) ? 1 : 0);
  },

  // SMISMEMBER key member [member ...]
  smismember(c, argv) {
    const s = readSet(c, argv[1]!);
    if (s === undefined) return;
    c.out.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) c.out.int(s !== null && s.has(argv[i]!) ? 1 : 0);
  },

  // SCARD key
  scard(c, argv) {
    const s = readSet(c, argv[1]!);
    if (s === undefined) return;
    c.out.int(s === null ? 0 : s.size);
  },

  // SPOP key [count]
  spop(c, argv, server) {
    if (argv.length === 3) {
      spopCount(c, argv, server);
      return;
    }
    if (argv.length > 3) {
      c.out.error(err.syntax());
      return;
    }
    const db = c.db;
    const key = argv[1]!;
    const s = checkSet(c, db.lookup(key));
    if (s === undefined) return;
    if (s === null) {
      c.out.nullBulk();
      return;
    }
    const m = s.pop();
    propagateAs(c, ['SREM', key, m]);
    server.events.written(db, key, NOTIFY.set, 'spop');
    dropIfEmpty(server, db, key, s);
    c.out.bulk(m);
  },

  // SRANDMEMBER key [count]
  srandmember(c, argv) {
    if (argv.length === 3) {
      srandmemberCount(c, argv);
      return;
    }
    if (argv.length > 3) {
      c.out.error(err.syntax());
      return;
    }
    const s = readSet(c, argv[1]!);
    if (s === undefined) return;
    c.out.bulkOrNull(s === null ? null : s.random());
  },

  // SMOVE source destination member
  smove(c, argv, server) {
    const db = c.db;
    const srcKey = argv[1]!;
    const dstKey = argv[2]!;
    const member = argv[3]!;
    const srcV = db.lookup(srcKey);
    const dstV = db.lookup(dstKey);
    if (srcV === undefined) {
      c.out.int(0);
      return;
    }
    const src = checkSet(c, srcV);
    if (src === undefined) return;
    let dst = checkSet(c, dstV);
    if (dst === undefined) return;
    if (src === dst) {
      c.out.int(src!.has(member) ? 1 : 0);
      return;
    }
    if (!src!.remove(member)) {
      c.out.int(0);
      return;
    }
    server.events.written(db, srcKey, NOTIFY.set, 'srem');
    dropIfEmpty(server, db, srcKey, src!);
    if (dst === null) {
      dst = new SetValue();
      db.set(dstKey, dst);
    }
    if (dst.add(member, dst.intset ? server.ks.limits.setMaxIntsetEntries : 0)) server.events.written(db, dstKey, NOTIFY.set, 'sadd');
    c.out.int(1);
  },

  // SINTER key [key ...]
  sinter(c, argv, server) {
    sinterGeneric(c, server, argv, 1, argv.length, null, false, 0);
  },

  // SINTERCARD numkeys key [key ...] [LIMIT limit]
  sintercard(c, argv, server) {
    const nk = parseBigInt(argv[1]!);
    if (nk === null || nk < 1n) {
      c.out.error(err.numkeysPositive());
      return;
    }
    if (nk > BigInt(argv.length - 2)) {
      c.out.error(err.numkeysTooMany());
      return;
    }
    const numkeys = Number(nk);
    let limit = 0;
    for (let j = 2 + numkeys; j < argv.length; j++) {
      if (is(argv[j], 'limit') && j < argv.length - 1) {
        j++;
        const l = parseBigInt(argv[j]!);
        if (l === null || l < 0n) {
          c.out.error(err.limitNegative());
          return;
        }
        limit = Number(l);
      } else {
        c.out.error(err.syntax());
        return;
      }
    }
    sinterGeneric(c, server, argv, 2, 2 + numkeys, null, true, limit);
  },

  // SINTERSTORE destination key [key ...]
  sinterstore(c, argv, server) {
    sinterGeneric(c, server, argv, 2, argv.length, argv[1]!, false, 0);
  },

  // SUNION key [key ...]
  sunion(c, argv, server) {
    sunionDiffGeneric(c, server, argv, 1, null, false);
  },

  // SUNIONSTORE destination key [key ...]
  sunionstore(c, argv, server) {
    sunionDiffGeneric(c, server, argv, 2, argv[1]!, false);
  },

  // SDIFF key [key ...]
  sdiff(c, argv, server) {
    sunionDiffGeneric(c, server, argv, 1, null, true);
  },

  // SDIFFSTORE destination key [key ...]
  sdiffstore(c, argv, server) {
    sunionDiffGeneric(c, server, argv, 2, argv[1]!, true);
  },

  // SSCAN key cursor [MATCH pattern] [COUNT count]: an intset is returned whole, ascending
  // (commands/scan.ts).
  sscan(c, argv, server) {
    const cursor = scanCursorArg(c, argv[2]!);
    if (cursor === null) return;
    const s = readSet(c, argv[1]!);
    if (s === undefined) return;
    if (s === null) {
      emptyScan(c);
      return;
    }
    scanGeneric(c, argv, server, cursor, false, {
      whole:
        s.intset || s.small
          ? (visit) => {
              for (const m of s.members()) visit(m);
            }
          : null,
      source: () => s.scanSource(),
      emit(m, out) {
        out.push(m);
      },
    });
  },
};
