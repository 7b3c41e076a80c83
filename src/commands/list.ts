// List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LINDEX LSET LRANGE LTRIM LREM LINSERT
// LPOS LMOVE RPOPLPUSH LMPOP, and the blocking BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP.
// Replies, errors, the order of checks, keyspace events and dirty counts follow redis-server 7.0.15.
// An emptied list is deleted. Blocking: see server/blocking.ts; inside MULTI/EXEC a blocking
// command that would wait replies as on timeout instead.
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import { timeoutDeadline } from '../server/blocking.js';
import { NOTIFY } from '../server/events.js';
import type { Db } from '../store/db.js';
import { ListValue } from '../store/types/list.js';
import { is, parseBigInt, parseCount, parseInteger, parseMpopArgs } from './args.js';
import { inTransaction } from './transactions.js';
import type { DataContext, HandlerMap } from './types.js';
import { propagateAs } from '../server/propagate.js';

const LLONG_MIN = -(2n ** 63n);

/** The list at key (a write lookup), undefined when missing, null after a WRONGTYPE reply. */
function listForWrite(c: Client, db: Db, key: string): ListValue | undefined | null {
  const v = db.lookup(key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'list') {
    c.out.error(err.wrongType());
    return null;
  }
  return v as ListValue;
}

/** As listForWrite, counting a keyspace hit or miss (read commands). */
function listForRead(c: Client, db: Db, key: string): ListValue | undefined | null {
  const v = db.lookupRead(key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'list') {
    c.out.error(err.wrongType());
    return null;
  }
  return v as ListValue;
}

/**
 * A new list under the list-max-listpack-size and list-compress-depth in force; it keeps both
 * (Redis does not change an existing list's when they change).
 */
function newList(server: DataContext): ListValue {
  return new ListValue(server.ks.limits.listMaxListpackSize, server.ks.limits.listCompressDepth);
}

/** LEFT or RIGHT: true for LEFT (the head), null after a syntax error reply. */
function parseWhere(c: Client, arg: string): boolean | null {
  if (is(arg, 'left')) return true;
  if (is(arg, 'right')) return false;
  c.out.error(err.syntax());
  return null;
}

/** Deletes an emptied list with its "del" event (after the write's own event). */
function deleteIfEmpty(server: DataContext, db: Db, key: string, list: ListValue): void {
  if (list.length !== 0) return;
  db.delete(key);
  server.events.notify(NOTIFY.generic, 'del', key, db);
}

/** Writes elements [start, end] (normalised, in range) as an array, reversed when asked. */
function rangeReply(c: Client, list: ListValue, start: number, end: number, reverse: boolean): void {
  const out = c.out;
  out.array(end - start + 1);
  if (reverse) for (let i = end; i >= start; i--) out.bulk(list.at(i));
  else for (let i = start; i <= end; i++) out.bulk(list.at(i));
}

/** LRANGE's index rules; writes the reply. */
function addRangeReply(c: Client, list: ListValue, start: number, end: number): void {
  const len = list.length;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) {
    c.out.array(0);
    return;
  }
  if (end >= len) end = len - 1;
  rangeReply(c, list, start, end, false);
}

/** Pops up to count elements from one end, replying [key, [elements]] (LMPOP, BLMPOP). */
function popRangeWithKey(c: Client, server: DataContext, db: Db, key: string, list: ListValue, head: boolean, count: number): void {
  const n = Math.min(count, list.length);
  c.out.array(2);
  c.out.bulk(key);
  c.out.array(n);
  for (let i = 0; i < n; i++) c.out.bulk(head ? list.popHead()! : list.popTail()!);
  server.events.written(db, key, NOTIFY.list, head ? 'lpop' : 'rpop', n);
  deleteIfEmpty(server, db, key, list);
  // LMPOP / BLMPOP propagate as LPOP/RPOP key count, as Redis does.
  propagateAs(c, [head ? 'LPOP' : 'RPOP', key, String(n)]);
}

// LPUSH / RPUSH / LPUSHX / RPUSHX
function pushCommand(c: Client, argv: string[], server: DataContext, head: boolean, onlyExisting: boolean): void {
  const db = c.db;
  const key = argv[1]!;
  let list = listForWrite(c, db, key);
  if (list === null) return;
  if (list === undefined) {
    if (onlyExisting) {
      c.out.int(0);
      return;
    }
    list = newList(server);
    db.set(key, list);
  }
  const n = argv.length - 2;
  if (head) for (let i = 2; i < argv.length; i++) list.pushHead(argv[i]!);
  else for (let i = 2; i < argv.length; i++) list.pushTail(argv[i]!);
  c.out.int(list.length);
  server.events.written(db, key, NOTIFY.list, head ? 'lpush' : 'rpush', n);
}

// LPOP / RPOP key [count]
function popCommand(c: Client, argv: string[], server: DataContext, head: boolean): void {
  if (argv.length > 3) {
    c.out.error(err.wrongArity(head ? 'lpop' : 'rpop'));
    return;
  }
  const hasCount = argv.length === 3;
  let count = 0;
  if (hasCount) {
    const n = parseCount(c, argv[2]!, 0, err.mustBePositive());
    if (n === null) return;
    count = n;
  }
  const db = c.db;
  const key = argv[1]!;
  const list = listForWrite(c, db, key);
  if (list === null) return;
  if (list === undefined) {
    if (hasCount) c.out.nullArray();
    else c.out.nullBulk();
    return;
  }
  if (hasCount && count === 0) {
    c.out.array(0);
    return;
  }
  if (!hasCount) {
    c.out.bulk(head ? list.popHead()! : list.popTail()!);
    server.events.written(db, key, NOTIFY.list, head ? 'lpop' : 'rpop');
    deleteIfEmpty(server, db, key, list);
    return;
  }
  const n = Math.min(count, list.length);
  c.out.array(n);
  for (let i = 0; i < n; i++) c.out.bulk(head ? list.popHead()! : list.popTail()!);
  server.events.written(db, key, NOTIFY.list, head ? 'lpop' : 'rpop', n);
  deleteIfEmpty(server, db, key, list);
}

/**
 * LMOVE's work once the source is known to be a non-empty list: checks the destination type,
 * moves one element and replies with it.
 */
function moveOne(c: Client, server: DataContext, db: Db, src: string, dst: string, list: ListValue, fromHead: boolean, toHead: boolean): void {
  let target = listForWrite(c, db, dst);
  if (target === null) return;
  const value = fromHead ? list.popHead()! : list.popTail()!;
  if (target === undefined) {
    target = newList(server);
    db.set(dst, target);
  }
  if (toHead) target.pushHead(value);
  else target.pushTail(value);
  // One change, counted once (on the source).
  server.events.written(db, dst, NOTIFY.list, toHead ? 'lpush' : 'rpush', 0);
  c.out.bulk(value);
  server.events.written(db, src, NOTIFY.list, fromHead ? 'lpop' : 'rpop');
  deleteIfEmpty(server, db, src, list);
}

function lmoveGeneric(c: Client, server: DataContext, src: string, dst: string, fromHead: boolean, toHead: boolean): void {
  const db = c.db;
  const list = listForWrite(c, db, src);
  if (list === null) return;
  if (list === undefined) {
    c.out.nullBulk();
    return;
  }
  moveOne(c, server, db, src, dst, list, fromHead, toHead);
}

/** BLMOVE / BRPOPLPUSH after the directions are parsed. */
function blmoveGeneric(c: Client, argv: string[], server: DataContext, fromHead: boolean, toHead: boolean, timeoutArg: string): void {
  const deadline = timeoutDeadline(c, timeoutArg, server);
  if (deadline === null) return;
  const db = c.db;
  const src = argv[1]!;
  const list = listForWrite(c, db, src);
  if (list === null) return;
  if (list !== undefined) {
    const dirty = server.ks.stats.dirty;
    moveOne(c, server, db, src, argv[2]!, list, fromHead, toHead);
    // Propagated in the non-blocking form (LMOVE / RPOPLPUSH), as Redis does.
    if (server.ks.stats.dirty !== dirty) {
      propagateAs(c, argv.length === 6 ? ['LMOVE', src, argv[2]!, argv[3]!, argv[4]!] : ['RPOPLPUSH', src, argv[2]!]);
    }
    return;
  }
  if (inTransaction(c)) {
    c.out.nullBulk();
    return;
  }
  server.blocking.block(c, argv, 'list', [src], deadline);
}

/**
 * BLPOP / BRPOP / BLMPOP: pops from the first non-empty list among keys (count -1: one element,
 * replied as [key, element]; otherwise [key, [elements]]), or blocks.
 */
function blockingPop(c: Client, argv: string[], server: DataContext, keys: string[], head: boolean, timeoutArg: string, count: number): void {
  const deadline = timeoutDeadline(c, timeoutArg, server);
  if (deadline === null) return;
  const db = c.db;
  const serving = server.blocking.servingKey;
  if (serving !== null) keys = [serving];
  for (const key of keys) {
    const list = listForWrite(c, db, key);
    if (list === null) return;
    if (list === undefined) continue;
    if (count !== -1) {
      popRangeWithKey(c, server, db, key, list, head, count);
      return;
    }
    c.out.array(2);
    c.out.bulk(key);
    c.out.bulk(head ? list.popHead()! : list.popTail()!);
    server.events.written(db, key, NOTIFY.list, head ? 'lpop' : 'rpop');
    deleteIfEmpty(server, db, key, list);
    propagateAs(c, [head ? 'LPOP' : 'RPOP', key]);
    return;
  }
  if (inTransaction(c)) {
    c.out.nullArray();
    return;
  }
  server.blocking.block(c, argv, 'list', keys, deadline);
}

/** LMPOP / BLMPOP: numkeys key [key ...] LEFT|RIGHT [COUNT count], numkeys at argv[idx]. */
function lmpopGeneric(c: Client, argv: string[], server: DataContext, idx: number, blocking: boolean): void {
  const p = parseMpopArgs(c, argv, idx, ['left', 'right']);
  if (p === null) return;
  const { keys, first: head, count } = p;
  if (blocking) {
    blockingPop(c, argv, server, keys, head, argv[1]!, count);
    return;
  }
  const db = c.db;
  for (const key of keys) {
    const list = listForWrite(c, db, key);
    if (list === null) return;
    if (list === undefined) continue;
    popRangeWithKey(c, server, db, key, list, head, count);
    return;
  }
  c.out.nullArray();
}

export const listCommands: HandlerMap<DataContext> = {
  // LPUSH key element [element ...]
  lpush(c, argv, server) {
    pushCommand(c, argv, server, true, false);
  },
  // RPUSH key element [element ...]
  rpush(c, argv, server) {
    pushCommand(c, argv, server, false, false);
  },
  // LPUSHX key element [element ...]
  lpushx(c, argv, server) {
    pushCommand(c, argv, server, true, true);
  },
  // RPUSHX key element [element ...]
  rpushx(c, argv, server) {
    pushCommand(c, argv, server, false, true);
  },

  // LPOP key [count]
  lpop(c, argv, server) {
    popCommand(c, argv, server, true);
  },
  // RPOP key [count]
  rpop(c, argv, server) {
    popCommand(c, argv, server, false);
  },

  // LLEN key
  llen(c, argv) {
    const list = listForRead(c, c.db, argv[1]!);
    if (list === null) return;
    c.out.int(list === undefined ? 0 : list.length);
  },

  // LINDEX key index: the key is looked up before the index is parsed, as Redis does.
  lindex(c, argv) {
    const list = listForRead(c, c.db, argv[1]!);
    if (list === null) return;
    if (list === undefined) {
      c.out.nullBulk();
      return;
    }
    let i = parseInteger(argv[2]!);
    if (i === null) {
      c.out.error(err.notInteger());
      return;
    }
    if (i < 0) i += list.length;
    if (i < 0 || i >= list.length) c.out.nullBulk();
    else c.out.bulk(list.at(i));
  },

  // LSET key index element
  lset(c, argv, server) {
    const db = c.db;
    const key = argv[1]!;
    const list = listForWrite(c, db, key);
    if (list === null) return;
    if (list === undefined) {
      c.out.error(err.noSuchKey());
      return;
    }
    let i = parseInteger(argv[2]!);
    if (i === null) {
      c.out.error(err.notInteger());
      return;
    }
    if (i < 0) i += list.length;
    if (i < 0 || i >= list.length) {
      c.out.error(err.outOfRange());
      return;
    }
    list.setAt(i, argv[3]!);
    c.out.ok();
    server.events.written(db, key, NOTIFY.list, 'lset');
  },

  // LRANGE key start stop: indexes are parsed before the key is looked up.
  lrange(c, argv) {
    const start = parseInteger(argv[2]!);
    const end = parseInteger(argv[3]!);
    if (start === null || end === null) {
      c.out.error(err.notInteger());
      return;
    }
    const list = listForRead(c, c.db, argv[1]!);
    if (list === null) return;
    if (list === undefined) {
      c.out.array(0);
      return;
    }
    addRangeReply(c, list, start, end);
  },

  // LTRIM key start stop: always an "ltrim" event when the key is a list, even if nothing goes.
  ltrim(c, argv, server) {
    let start = parseInteger(argv[2]!);
    let end = parseInteger(argv[3]!);
    if (start === null || end === null) {
      c.out.error(err.notInteger());
      return;
    }
    const db = c.db;
    const key = argv[1]!;
    const list = listForWrite(c, db, key);
    if (list === null) return;
    if (list === undefined) {
      c.out.ok();
      return;
    }
    const len = list.length;
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    let ltrim: number;
    let rtrim: number;
    if (start > end || start >= len) {
      ltrim = len;
      rtrim = 0;
    } else {
      if (end >= len) end = len - 1;
      ltrim = start;
      rtrim = len - end - 1;
    }
    list.trim(ltrim, rtrim);
    server.events.written(db, key, NOTIFY.list, 'ltrim', ltrim + rtrim);
    deleteIfEmpty(server, db, key, list);
    c.out.ok();
  },

  // LREM key count element: count > 0 from the head, < 0 from the tail, 0 all.
  lrem(c, argv, server) {
    const count = parseInteger(argv[2]!);
    if (count === null) {
      c.out.error(err.notInteger());
      return;
    }
    const db = c.db;
    const key = argv[1]!;
    const list = listForWrite(c, db, key);
    if (list === null) return;
    if (list === undefined) {
      c.out.int(0);
      return;
    }
    const n = list.remove(argv[3]!, Math.abs(count), count < 0);
    if (n > 0) server.events.written(db, key, NOTIFY.list, 'lrem', n);
    deleteIfEmpty(server, db, key, list);
    c.out.int(n);
  },

  // LINSERT key BEFORE|AFTER pivot element
  linsert(c, argv, server) {
    let after: boolean;
    if (is(argv[2], 'after')) after = true;
    else if (is(argv[2], 'before')) after = false;
    else {
      c.out.error(err.syntax());
      return;
    }
    const db = c.db;
    const key = argv[1]!;
    const list = listForWrite(c, db, key);
    if (list === null) return;
    if (list === undefined) {
      c.out.int(0);
      return;
    }
    const at = list.indexOf(argv[3]!);
    if (at < 0) {
      c.out.int(-1);
      return;
    }
    list.insertAt(after ? at + 1 : at, argv[4]!);
    server.events.written(db, key, NOTIFY.list, 'linsert');
    c.out.int(list.length);
  },

  // LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
  lpos(c, argv) {
    let rank = 1;
    let rankMin = false; // RANK -9223372036854775808: Redis negates it in place, so it stays negative
    let count = -1;
    let maxlen = 0;
    for (let j = 3; j < argv.length; j++) {
      const opt = argv[j]!;
      const more = j + 1 < argv.length;
      if (is(opt, 'rank') && more) {
        j++;
        const r = parseBigInt(argv[j]!);
        if (r === null) {
          c.out.error(err.notInteger());
          return;
        }
        if (r === 0n) {
          c.out.error(err.rankZero());
          return;
        }
        rankMin = r === LLONG_MIN;
        rank = Number(r);
      } else if (is(opt, 'count') && more) {
        j++;
        const n = parseCount(c, argv[j]!, 0, err.countNegative());
        if (n === null) return;
        count = n;
      } else if (is(opt, 'maxlen') && more) {
        j++;
        const n = parseCount(c, argv[j]!, 0, err.maxlenNegative());
        if (n === null) return;
        maxlen = n;
      } else {
        c.out.error(err.syntax());
        return;
      }
    }
    const fromTail = rank < 0;
    if (fromTail) rank = -rank;
    const list = listForRead(c, c.db, argv[1]!);
    if (list === null) return;
    if (list === undefined) {
      if (count !== -1) c.out.array(0);
      else c.out.nullBulk();
      return;
    }
    const ele = argv[2]!;
    const len = list.length;
    const limit = maxlen === 0 ? len : Math.min(maxlen, len);
    const found: number[] = [];
    let matches = 0;
    let single = -1;
    for (let k = 0; k < limit; k++) {
      const i = fromTail ? len - 1 - k : k;
      if (!list.equalsAt(i, ele)) continue;
      matches++;
      if (!rankMin && matches < rank) continue;
      if (count === -1) {
        single = i;
        break;
      }
      found.push(i);
      // With the minimum rank Redis's "matches - rank + 1 >= count" overflows: never true.
      if (count !== 0 && !rankMin && matches - rank + 1 >= count) break;
    }
    if (count === -1) {
      if (single >= 0) c.out.int(single);
      else c.out.nullBulk();
      return;
    }
    c.out.array(found.length);
    for (const i of found) c.out.int(i);
  },

  // LMOVE source destination LEFT|RIGHT LEFT|RIGHT
  lmove(c, argv, server) {
    const from = parseWhere(c, argv[3]!);
    if (from === null) return;
    const to = parseWhere(c, argv[4]!);
    if (to === null) return;
    lmoveGeneric(c, server, argv[1]!, argv[2]!, from, to);
  },
  // RPOPLPUSH source destination
  rpoplpush(c, argv, server) {
    lmoveGeneric(c, server, argv[1]!, argv[2]!, false, true);
  },

  // LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
  lmpop(c, argv, server) {
    lmpopGeneric(c, argv, server, 1, false);
  },

  // BLPOP key [key ...] timeout
  blpop(c, argv, server) {
    blockingPop(c, argv, server, argv.slice(1, -1), true, argv[argv.length - 1]!, -1);
  },
  // BRPOP key [key ...] timeout
  brpop(c, argv, server) {
    blockingPop(c, argv, server, argv.slice(1, -1), false, argv[argv.length - 1]!, -1);
  },
  // BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
  blmove(c, argv, server) {
    const from = parseWhere(c, argv[3]!);
    if (from === null) return;
    const to = parseWhere(c, argv[4]!);
    if (to === null) return;
    blmoveGeneric(c, argv, server, from, to, argv[5]!);
  },
  // BRPOPLPUSH source destination timeout
  brpoplpush(c, argv, server) {
    blmoveGeneric(c, argv, server, false, true, argv[3]!);
  },
  // BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
  blmpop(c, argv, server) {
    lmpopGeneric(c, argv, server, 2, true);
  },
};
