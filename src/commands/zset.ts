// Sorted-set commands (Redis 7.0): ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT
// ZLEXCOUNT, the ZRANGE family (ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE
// ZRANGEBYLEX ZREVRANGEBYLEX), ZREMRANGEBY{RANK,SCORE,LEX}, ZPOPMIN ZPOPMAX ZMPOP, the
// blocking BZPOPMIN BZPOPMAX BZMPOP, ZRANDMEMBER, ZUNION
// ZINTER ZDIFF and their STORE forms, ZINTERCARD, ZSCAN, with redis-server 7.0.15's replies.
// Blocking pops wait through server/blocking.ts.
//
// Deliberate differences: ZSCAN cursors of big sets come from store/scan.ts (same guarantees,
// other numbers); ZRANDMEMBER's random choices differ.
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import { NOTIFY } from '../server/events.js';
import { formatDouble, type ReplyWriter } from '../protocol/writer.js';
import { timeoutDeadline } from '../server/blocking.js';
import type { Db, Value } from '../store/db.js';
import type { SetValue } from '../store/types/set.js';
import { ZSet, type LexBound, type ZTree } from '../store/types/zset.js';
import { is, parseBigInt, parseInteger, parseMpopArgs } from './args.js';
import { emptyScan, scanCursorArg, scanGeneric } from './scan.js';
import { parseDouble, strtod, type StrtodEnd } from './strtod.js';
import { inTransaction } from './transactions.js';
import type { DataContext, HandlerMap } from './types.js';
import { propagateAs } from '../server/propagate.js';

const WRONGTYPE = err.wrongType();
const SYNTAX = err.syntax();
const NOT_INTEGER = err.notInteger();
const NOT_FLOAT = err.notFloat();
const NAN_SCORE = err.scoreNaN();
const MINMAX_FLOAT = err.minMaxNotFloat();
const MINMAX_LEX = err.minMaxNotLex();

// ---------------------------------------------------------------------------------------------
// Score ranges as Redis parses them (strtod.ts underneath).

/** A parsed score range (zslParseRange). */
interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** One end of a score range: "(x" exclusive, else inclusive; strtod must reach the end (or a NUL). */
function parseRangeItem(s: string, out: ScoreRange, isMin: boolean): boolean {
  const ex = s.charCodeAt(0) === 40;
  const end: StrtodEnd = { end: 0, range: false };
  const v = strtod(s, ex ? 1 : 0, end);
  if ((end.end < s.length && s.charCodeAt(end.end) !== 0) || Number.isNaN(v)) return false;
  if (isMin) {
    out.min = v;
    out.minex = ex;
  } else {
    out.max = v;
    out.maxex = ex;
  }
  return true;
}

function parseScoreRange(min: string, max: string): ScoreRange | null {
  const r: ScoreRange = { min: 0, max: 0, minex: false, maxex: false };
  return parseRangeItem(min, r, true) && parseRangeItem(max, r, false) ? r : null;
}

/** One end of a lex range: "+", "-", "[x", "(x" (a NUL after +/- ends the C string). */
function parseLexItem(s: string): LexBound | null {
  const c0 = s.charCodeAt(0);
  if (c0 === 43 || c0 === 45) {
    if (s.length > 1 && s.charCodeAt(1) !== 0) return null;
    return { inf: c0 === 43 ? 1 : -1, value: '', exclusive: false };
  }
  if (c0 === 40 || c0 === 91) return { inf: 0, value: s.slice(1), exclusive: c0 === 40 };
  return null;
}

/** A C long from an argument (getLongFromObjectOrReply), or null after replying. */
function longArg(c: Client, s: string, msg = NOT_INTEGER): number | null {
  const v = parseInteger(s);
  if (v === null) c.out.error(msg);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Lookups, events, replies.

/** The zset at key: null when absent, undefined after replying WRONGTYPE. (geo.ts uses it too.) */
export function getZset(c: Client, key: string, write: boolean): ZSet | null | undefined {
  const v = write ? c.db.lookup(key) : c.db.lookupRead(key);
  if (v === undefined) return null;
  if (typeof v === 'string' || v.type !== 'zset') {
    c.out.error(WRONGTYPE);
    return undefined;
  }
  return v as ZSet;
}

/** Deletes a key whose set became empty, with Redis's "del" event (after the write's own event). */
function deleteIfEmpty(server: DataContext, db: Db, key: string, zs: ZSet): void {
  if (zs.size === 0) {
    db.delete(key);
    server.events.notify(NOTIFY.generic, 'del', key, db);
  }
}

/** A score as a double reply; integral scores (most of them) skip the general %.17g formatting. */
function replyScore(out: ReplyWriter, d: number): void {
  if (Number.isInteger(d) && d < 1e17 && d > -1e17 && !Object.is(d, -0)) {
    const t = String(d);
    if (out.resp === 2) out.bulk(t);
    else out.raw(',' + t + '\r\n');
  } else out.double(d);
}

/**
 * replyElements for `count` entries of `tree` (none: a missing key) from rank `first` (backward
 * when `rev`), written from the tree's own arrays (ZTree.forRuns) without collecting them first.
 */
function replyRuns(c: Client, tree: ZTree | null, first: number, count: number, rev: boolean, withScores: boolean): void {
  const out = c.out;
  out.array(withScores && out.resp === 2 ? count * 2 : count);
  if (tree === null || count === 0) return;
  const pairs = withScores && out.resp !== 2;
  tree.forRuns(
    first,
    count,
    (members, scores, from, to) => {
      const step = from < to ? 1 : -1;
      for (let i = from; i !== to; i += step) {
        if (pairs) out.array(2);
        out.bulk(members[i]!);
        if (withScores) replyScore(out, scores[i]!);
      }
    },
    rev,
  );
}

/** Writes members (and scores) as Redis does: flat in RESP2, [member, score] pairs in RESP3. */
function replyElements(c: Client, members: string[], scores: number[] | null): void {
  const out = c.out;
  if (scores === null) {
    out.array(members.length);
    for (const m of members) out.bulk(m);
    return;
  }
  if (out.resp === 2) {
    out.array(members.length * 2);
    for (let i = 0; i < members.length; i++) {
      out.bulk(members[i]!);
      replyScore(out, scores[i]!);
    }
  } else {
    out.array(members.length);
    for (let i = 0; i < members.length; i++) {
      out.array(2);
      out.bulk(members[i]!);
      replyScore(out, scores[i]!);
    }
  }
}

/**
 * Stores a result built from sorted arrays at dst (or deletes dst when empty); replies the count.
 * `dirty`: the changes counted for a stored result (geo.ts: one per element, as Redis).
 */
export function storeResult(c: Client, server: DataContext, dst: string, members: string[], scores: number[], event: string, dirty = 1): void {
  const db = c.db;
  if (members.length > 0) {
    let maxLen = 0;
    for (const m of members) if (m.length > maxLen) maxLen = m.length;
    const lim = server.ks.limits;
    const listpack = members.length <= lim.zsetMaxListpackEntries && maxLen <= lim.zsetMaxListpackValue;
    db.set(dst, ZSet.fromSorted(members, scores, listpack));
    c.out.int(members.length);
    server.events.written(db, dst, NOTIFY.zset, event, dirty);
  } else {
    c.out.int(0);
    if (db.delete(dst)) server.events.written(db, dst, NOTIFY.generic, 'del');
  }
}

// ---------------------------------------------------------------------------------------------
// ZADD / ZINCRBY

const F_NX = 1;
const F_XX = 2;
const F_GT = 4;
const F_LT = 8;
const F_CH = 16;
const F_INCR = 32;

/**
 * ZADD's work (GEOADD runs it with the ZADD arguments it builds, as Redis does). `parsed`: the
 * scores of argv's score arguments, when the caller has them as numbers already (GEOADD: its
 * 16-digit integer scores would take strtod's slow path to parse back).
 */
export function zaddGeneric(c: Client, argv: string[], server: DataContext, flags: number, parsed: number[] | null = null): void {
  const key = argv[1]!;
  let i = 2;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.length > 4) break;
    const low = a.toLowerCase();
    if (low === 'nx') flags |= F_NX;
    else if (low === 'xx') flags |= F_XX;
    else if (low === 'gt') flags |= F_GT;
    else if (low === 'lt') flags |= F_LT;
    else if (low === 'ch') flags |= F_CH;
    else if (low === 'incr') flags |= F_INCR;
    else break;
  }
  const nargs = argv.length - i;
  if (nargs % 2 !== 0 || nargs === 0) {
    c.out.error(SYNTAX);
    return;
  }
  const pairs = nargs / 2;
  if (flags & F_NX && flags & F_XX) {
    c.out.error(err.xxNxIncompatible());
    return;
  }
  if ((flags & F_GT && flags & F_NX) || (flags & F_LT && flags & F_NX) || (flags & F_GT && flags & F_LT)) {
    c.out.error(err.gtLtNxIncompatible());
    return;
  }
  const incr = (flags & F_INCR) !== 0;
  if (incr && pairs > 1) {
    c.out.error(err.incrSinglePair());
    return;
  }
  const scores: number[] = parsed ?? new Array<number>(pairs);
  for (let j = 0; parsed === null && j < pairs; j++) {
    const s = parseDouble(argv[i + 2 * j]!);
    if (s === null) {
      c.out.error(NOT_FLOAT);
      return;
    }
    scores[j] = s;
  }
  const db = c.db;
  let zs = getZset(c, key, true);
  if (zs === undefined) return;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let result = 0;
  const lim = server.ks.limits;
  if (zs === null) {
    if (flags & F_XX) {
      replyZadd(c, incr, processed, result, flags, added, updated);
      return;
    }
    // As Redis 7.0 does: a listpack unless the limit is 0 or the first member is too long,
    // however many members follow (the loop converts when they pass the limits).
    zs = new ZSet(lim.zsetMaxListpackEntries > 0 && argv[i + 1]!.length <= lim.zsetMaxListpackValue);
    db.set(key, zs);
  }
  const me = zs.listpack ? lim.zsetMaxListpackEntries : 0;
  const mv = zs.listpack ? lim.zsetMaxListpackValue : 0;
  let failed = false;
  for (let j = 0; j < pairs; j++) {
    let score = scores[j]!;
    const m = argv[i + 2 * j + 1]!;
    const cur = zs.score(m);
    if (cur !== undefined) {
      if (flags & F_NX) continue;
      if (incr) {
        score += cur;
        if (Number.isNaN(score)) {
          c.out.error(NAN_SCORE);
          failed = true;
          break;
        }
      }
      if ((flags & F_LT && score >= cur) || (flags & F_GT && score <= cur)) continue;
      result = score;
      processed++;
      if (score !== cur) {
        zs.update(m, cur, score);
        updated++;
      }
    } else {
      if (flags & F_XX) continue;
      if (zs.listpack && (zs.size + 1 > me || m.length > mv)) zs.listpack = false;
      zs.insert(m, score);
      result = score;
      processed++;
      added++;
    }
  }
  if (!failed) replyZadd(c, incr, processed, result, flags, added, updated);
  if (added + updated > 0) server.events.written(db, key, NOTIFY.zset, incr ? 'zincr' : 'zadd', added + updated);
  if (zs.size === 0) db.delete(key);
}

/** ZADD's reply: the new score (or null) with INCR, else the count added (or changed with CH). */
function replyZadd(c: Client, incr: boolean, processed: number, result: number, flags: number, added: number, updated: number): void {
  if (incr) {
    if (processed > 0) replyScore(c.out, result);
    else c.out.nullBulk();
  } else c.out.int(flags & F_CH ? added + updated : added);
}

// ---------------------------------------------------------------------------------------------
// The ZRANGE family.

const RANK = 0;
const SCORE = 1;
const LEX = 2;
const AUTO = -1;

/**
 * Redis's zrangeGenericCommand: `keyIdx` is where the source key is (the range follows it),
 * `type` and `rev` fixed by the command or AUTO (-1 / null) for ZRANGE and ZRANGESTORE.
 */
function zrangeGeneric(c: Client, argv: string[], server: DataContext, keyIdx: number, dst: string | null, type: number, rev: boolean | null): void {
  let minIdx = keyIdx + 1;
  let maxIdx = keyIdx + 2;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  let limitGiven = false;
  for (let j = keyIdx + 3; j < argv.length; j++) {
    const a = argv[j]!;
    const left = argv.length - j - 1;
    if (dst === null && is(a, 'withscores')) withScores = true;
    else if (left >= 2 && is(a, 'limit')) {
      const o = longArg(c, argv[j + 1]!);
      if (o === null) return;
      const l = longArg(c, argv[j + 2]!);
      if (l === null) return;
      offset = o;
      limit = l;
      limitGiven = true;
      j += 2;
    } else if (rev === null && is(a, 'rev')) rev = true;
    else if (type === AUTO && is(a, 'bylex')) type = LEX;
    else if (type === AUTO && is(a, 'byscore')) type = SCORE;
    else {
      c.out.error(SYNTAX);
      return;
    }
  }
  if (rev === null) rev = false;
  if (type === AUTO) type = RANK;
  if (limitGiven && type === RANK) {
    c.out.error(err.limitNeedsByscoreOrBylex());
    return;
  }
  if (withScores && type === LEX) {
    c.out.error(err.withscoresWithBylex());
    return;
  }
  if (rev && type !== RANK) {
    minIdx = keyIdx + 2;
    maxIdx = keyIdx + 1;
  }
  let start = 0;
  let end = 0;
  let srange: ScoreRange | null = null;
  let lmin: LexBound | null = null;
  let lmax: LexBound | null = null;
  if (type === RANK) {
    const s = longArg(c, argv[minIdx]!);
    if (s === null) return;
    const e = longArg(c, argv[maxIdx]!);
    if (e === null) return;
    start = s;
    end = e;
  } else if (type === SCORE) {
    srange = parseScoreRange(argv[minIdx]!, argv[maxIdx]!);
    if (srange === null) {
      c.out.error(MINMAX_FLOAT);
      return;
    }
  } else {
    lmin = parseLexItem(argv[minIdx]!);
    lmax = lmin === null ? null : parseLexItem(argv[maxIdx]!);
    if (lmin === null || lmax === null) {
      c.out.error(MINMAX_LEX);
      return;
    }
  }
  const zs = getZset(c, argv[keyIdx]!, false);
  if (zs === undefined) return;
  // The range as the rank of its first entry (its last, when `rev`) and a count.
  let first = 0;
  let count = 0;
  if (zs !== null) {
    const tree = zs.tree;
    const n = tree.size;
    if (type === RANK) {
      if (start < 0) start += n;
      if (end < 0) end += n;
      if (start < 0) start = 0;
      if (start <= end && start < n) {
        if (end >= n) end = n - 1;
        count = end - start + 1;
        first = rev ? n - 1 - start : start;
      }
    } else {
      let lo: number;
      let hi: number;
      if (srange !== null) {
        lo = tree.firstScoreRank(srange.min, srange.minex);
        hi = tree.lastScoreRank(srange.max, srange.maxex);
      } else {
        lo = tree.firstLexRank(lmin!);
        hi = tree.lastLexRank(lmax!);
      }
      const inRange = hi - lo + 1;
      if (inRange > 0 && offset >= 0 && offset < inRange) {
        const avail = inRange - offset;
        count = limit < 0 ? avail : Math.min(avail, limit);
        first = rev ? hi - offset : lo + offset;
      }
    }
  }
  if (dst === null) {
    // Replied straight from the tree's arrays: no copy of the range.
    replyRuns(c, zs?.tree ?? null, first, count, rev, withScores);
    return;
  }
  const members: string[] = [];
  const scores: number[] = [];
  if (zs !== null) zs.tree.collect(first, count, rev, members, scores);
  if (rev) {
    members.reverse();
    scores.reverse();
  }
  storeResult(c, server, dst, members, scores, 'zrangestore');
}

// ---------------------------------------------------------------------------------------------
// ZREMRANGEBY*

function zremrangeGeneric(c: Client, argv: string[], server: DataContext, type: number): void {
  const key = argv[1]!;
  let start = 0;
  let end = 0;
  let srange: ScoreRange | null = null;
  let lmin: LexBound | null = null;
  let lmax: LexBound | null = null;
  if (type === RANK) {
    const s = longArg(c, argv[2]!);
    if (s === null) return;
    const e = longArg(c, argv[3]!);
    if (e === null) return;
    start = s;
    end = e;
  } else if (type === SCORE) {
    srange = parseScoreRange(argv[2]!, argv[3]!);
    if (srange === null) {
      c.out.error(MINMAX_FLOAT);
      return;
    }
  } else {
    lmin = parseLexItem(argv[2]!);
    lmax = lmin === null ? null : parseLexItem(argv[3]!);
    if (lmin === null || lmax === null) {
      c.out.error(MINMAX_LEX);
      return;
    }
  }
  const zs = getZset(c, key, true);
  if (zs === undefined) return;
  if (zs === null) {
    c.out.int(0);
    return;
  }
  const tree = zs.tree;
  const n = tree.size;
  let lo = 0;
  let hi = -1;
  if (type === RANK) {
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0) start = 0;
    if (start <= end && start < n) {
      lo = start;
      hi = end >= n ? n - 1 : end;
    }
  } else if (srange !== null) {
    lo = tree.firstScoreRank(srange.min, srange.minex);
    hi = tree.lastScoreRank(srange.max, srange.maxex);
  } else {
    lo = tree.firstLexRank(lmin!);
    hi = tree.lastLexRank(lmax!);
  }
  const count = hi - lo + 1;
  if (count <= 0) {
    c.out.int(0);
    return;
  }
  const members: string[] = [];
  tree.collect(lo, count, false, members, null);
  for (const m of members) zs.remove(m);
  const db = c.db;
  server.events.written(db, key, NOTIFY.zset, type === RANK ? 'zremrangebyrank' : type === SCORE ? 'zremrangebyscore' : 'zremrangebylex', members.length);
  deleteIfEmpty(server, db, key, zs);
  c.out.int(members.length);
}

// ---------------------------------------------------------------------------------------------
// ZPOPMIN / ZPOPMAX / ZMPOP

/**
 * Pops up to `count` elements from the first non-empty zset among keys. `countGiven` picks the
 * reply shape of ZPOPMIN/ZPOPMAX; `nested` is ZMPOP's [key, [[member, score], ...]].
 * Returns false when nothing was popped (and replied).
 */
export function zpopGeneric(c: Client, server: DataContext, keys: string[], max: boolean, count: number, countGiven: boolean, nested: boolean): boolean {
  let zs: ZSet | null = null;
  let key = '';
  for (const k of keys) {
    const z = getZset(c, k, true);
    if (z === undefined) return false;
    if (z !== null) {
      zs = z;
      key = k;
      break;
    }
  }
  if (zs === null) {
    if (nested) c.out.nullArray();
    else c.out.array(0);
    return false;
  }
  const n = Math.min(count, zs.size);
  const members: string[] = [];
  const scores: number[] = [];
  zs.tree.collect(max ? zs.size - 1 : 0, n, max, members, scores);
  for (const m of members) zs.remove(m);
  const out = c.out;
  if (nested) {
    out.array(2);
    out.bulk(key);
    out.array(n);
    for (let i = 0; i < n; i++) {
      out.array(2);
      out.bulk(members[i]!);
      replyScore(out, scores[i]!);
    }
  } else if (countGiven && out.resp === 3) {
    replyElements(c, members, scores);
  } else {
    out.array(2 * n);
    for (let i = 0; i < n; i++) {
      out.bulk(members[i]!);
      replyScore(out, scores[i]!);
    }
  }
  const db = c.db;
  server.events.written(db, key, NOTIFY.zset, max ? 'zpopmax' : 'zpopmin', n);
  deleteIfEmpty(server, db, key, zs);
  // ZMPOP / BZMPOP propagate as ZPOPMIN/ZPOPMAX key count, as Redis does.
  if (nested) propagateAs(c, [max ? 'ZPOPMAX' : 'ZPOPMIN', key, String(n)]);
  return true;
}

function zpopCommand(c: Client, argv: string[], server: DataContext, max: boolean): void {
  if (argv.length > 3) {
    c.out.error(SYNTAX);
    return;
  }
  let count = 1;
  const countGiven = argv.length === 3;
  if (countGiven) {
    const v = parseInteger(argv[2]!);
    if (v === null || v < 0) {
      c.out.error(err.mustBePositive());
      return;
    }
    if (v === 0) {
      // An empty array, once the key's type is checked.
      if (getZset(c, argv[1]!, true) !== undefined) c.out.array(0);
      return;
    }
    count = v;
  }
  zpopGeneric(c, server, [argv[1]!], max, count, countGiven, false);
}

/** Parses ZMPOP / BZMPOP arguments from numkeys at `idx`; null after replying an error. */
export function parseMpop(c: Client, argv: string[], idx: number): { keys: string[]; max: boolean; count: number } | null {
  const p = parseMpopArgs(c, argv, idx, ['max', 'min']);
  return p === null ? null : { keys: p.keys, max: p.first, count: p.count };
}

// ---------------------------------------------------------------------------------------------
// BZPOPMIN / BZPOPMAX / BZMPOP (server/blocking.ts)

/**
 * The blocking pops: serve from the first non-empty zset among keys (only the key that became
 * ready when the blocking layer re-runs the command), else reply as on timeout inside a
 * transaction, else block. BZPOPMIN/BZPOPMAX reply [key, member, score]; BZMPOP as ZMPOP.
 */
function bzpopGeneric(c: Client, argv: string[], server: DataContext, keys: string[], max: boolean, count: number, mpop: boolean, deadline: number): void {
  const serving = server.blocking.servingKey;
  const look = serving !== null ? [serving] : keys;
  const db = c.db;
  for (const k of look) {
    const v = db.lookup(k);
    if (v === undefined) continue;
    if (typeof v === 'string' || v.type !== 'zset') {
      c.out.error(WRONGTYPE);
      return;
    }
    if (mpop) {
      zpopGeneric(c, server, [k], max, count, true, true);
      return;
    }
    const zs = v as ZSet;
    const r = max ? zs.size - 1 : 0;
    const m = zs.tree.memberAt(r);
    const score = zs.tree.scoreAt(r);
    zs.remove(m);
    const out = c.out;
    out.array(3);
    out.bulk(k);
    out.bulk(m);
    replyScore(out, score);
    server.events.written(db, k, NOTIFY.zset, max ? 'zpopmax' : 'zpopmin');
    propagateAs(c, [max ? 'ZPOPMAX' : 'ZPOPMIN', k]);
    deleteIfEmpty(server, db, k, zs);
    return;
  }
  // Inside MULTI/EXEC a blocking command cannot wait: it replies as on timeout.
  if (inTransaction(c)) {
    c.out.nullArray();
    return;
  }
  server.blocking.block(c, argv, 'zset', keys, deadline);
}

function bzpopCommand(c: Client, argv: string[], server: DataContext, max: boolean): void {
  const deadline = timeoutDeadline(c, argv[argv.length - 1]!, server);
  if (deadline === null) return;
  bzpopGeneric(c, argv, server, argv.slice(1, -1), max, 1, false, deadline);
}

// ---------------------------------------------------------------------------------------------
// ZUNION / ZINTER / ZDIFF (+STORE) / ZINTERCARD

const OP_UNION = 0;
const OP_INTER = 1;
const OP_DIFF = 2;
const AGG_SUM = 0;
const AGG_MIN = 1;
const AGG_MAX = 2;

/** A source of a set operation: a zset, a plain set (scores 1), or nothing. */
interface Source {
  zs: ZSet | null;
  set: SetValue | null;
  weight: number;
}

function srcSize(s: Source): number {
  if (s.zs !== null) return s.zs.size;
  if (s.set !== null) return s.set.size;
  return 0;
}

/** The (unweighted) score of m in a source, or undefined. */
function srcScore(s: Source, m: string): number | undefined {
  if (s.zs !== null) return s.zs.score(m);
  if (s.set !== null) return s.set.has(m) ? 1 : undefined;
  return undefined;
}

function srcForEach(s: Source, f: (m: string, score: number) => void): void {
  if (s.zs !== null) s.zs.tree.forEach(f);
  else if (s.set !== null) for (const m of s.set.members()) f(m, 1);
}

function aggregate(agg: number, target: number, val: number): number {
  if (agg === AGG_SUM) {
    const r = target + val;
    return Number.isNaN(r) ? 0 : r;
  }
  if (agg === AGG_MIN) return val < target ? val : target;
  return val > target ? val : target;
}

function weighted(score: number, weight: number): number {
  const v = score * weight;
  return Number.isNaN(v) ? 0 : v;
}

/** Redis's zunionInterDiffGenericCommand; numkeys at argv[nkIdx]. */
function zsetOp(c: Client, argv: string[], server: DataContext, dst: string | null, nkIdx: number, op: number, cardOnly: boolean): void {
  const nk = longArg(c, argv[nkIdx]!);
  if (nk === null) return;
  if (nk < 1) {
    c.out.error(err.needsInputKey(argv[0]!.toLowerCase()));
    return;
  }
  if (nk > argv.length - (nkIdx + 1)) {
    c.out.error(SYNTAX);
    return;
  }
  const db = c.db;
  const srcs: Source[] = [];
  let j = nkIdx + 1;
  for (let i = 0; i < nk; i++, j++) {
    const k = argv[j]!;
    const v: Value | undefined = dst !== null ? db.lookup(k) : db.lookupRead(k);
    if (v === undefined) srcs.push({ zs: null, set: null, weight: 1 });
    else if (typeof v !== 'string' && v.type === 'zset') srcs.push({ zs: v as ZSet, set: null, weight: 1 });
    else if (typeof v !== 'string' && v.type === 'set') srcs.push({ zs: null, set: v as SetValue, weight: 1 });
    else {
      c.out.error(WRONGTYPE);
      return;
    }
  }
  let agg = AGG_SUM;
  let withScores = false;
  let limit = 0;
  let remaining = argv.length - j;
  while (remaining > 0) {
    const a = argv[j]!;
    if (op !== OP_DIFF && !cardOnly && remaining >= nk + 1 && is(a, 'weights')) {
      j++;
      remaining--;
      for (let i = 0; i < nk; i++, j++, remaining--) {
        const w = parseDouble(argv[j]!);
        if (w === null) {
          c.out.error(err.weightNotFloat());
          return;
        }
        srcs[i]!.weight = w;
      }
    } else if (op !== OP_DIFF && !cardOnly && remaining >= 2 && is(a, 'aggregate')) {
      const v = argv[j + 1]!;
      if (is(v, 'sum')) agg = AGG_SUM;
      else if (is(v, 'min')) agg = AGG_MIN;
      else if (is(v, 'max')) agg = AGG_MAX;
      else {
        c.out.error(SYNTAX);
        return;
      }
      j += 2;
      remaining -= 2;
    } else if (!cardOnly && dst === null && is(a, 'withscores')) {
      j++;
      remaining--;
      withScores = true;
    } else if (cardOnly && remaining >= 2 && is(a, 'limit')) {
      const v = parseInteger(argv[j + 1]!);
      if (v === null || v < 0) {
        c.out.error(err.limitNegative());
        return;
      }
      limit = v;
      j += 2;
      remaining -= 2;
    } else {
      c.out.error(SYNTAX);
      return;
    }
  }

  const acc = new Map<string, number>();
  if (op === OP_INTER) {
    // Smallest first (stable, as glibc's merge-sort qsort), aggregating in that order.
    const order = srcs.slice().sort((x, y) => srcSize(x) - srcSize(y));
    const first = order[0]!;
    if (srcSize(first) > 0) {
      let card = 0;
      let done = false;
      srcForEach(first, (m, s) => {
        if (done) return;
        let score = weighted(s, first.weight);
        for (let i = 1; i < order.length; i++) {
          const o = order[i]!;
          const v = srcScore(o, m);
          if (v === undefined) return;
          score = aggregate(agg, score, weighted(v, o.weight));
        }
        if (cardOnly) {
          card++;
          if (limit > 0 && card >= limit) done = true;
        } else acc.set(m, score);
      });
      if (cardOnly) {
        c.out.int(card);
        return;
      }
    } else if (cardOnly) {
      c.out.int(0);
      return;
    }
  } else if (op === OP_UNION) {
    const order = srcs.slice().sort((x, y) => srcSize(x) - srcSize(y));
    for (const src of order) {
      srcForEach(src, (m, s) => {
        const v = weighted(s, src.weight);
        const cur = acc.get(m);
        acc.set(m, cur === undefined ? v : aggregate(agg, cur, v));
      });
    }
  } else {
    const first = srcs[0]!;
    srcForEach(first, (m, s) => {
      for (let i = 1; i < srcs.length; i++) if (srcScore(srcs[i]!, m) !== undefined) return;
      acc.set(m, s);
    });
  }

  // Order the result as a sorted set.
  const entries = [...acc.entries()];
  entries.sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const members = entries.map((e) => e[0]);
  const scores = entries.map((e) => e[1]);
  if (dst !== null) {
    storeResult(c, server, dst, members, scores, op === OP_UNION ? 'zunionstore' : op === OP_INTER ? 'zinterstore' : 'zdiffstore');
    return;
  }
  replyElements(c, members, withScores ? scores : null);
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER

function zrandmemberWithCount(c: Client, zs: ZSet | null, count: number, withScores: boolean): void {
  const out = c.out;
  if (zs === null || count === 0) {
    out.array(0);
    return;
  }
  const tree = zs.tree;
  const n = tree.size;
  const members: string[] = [];
  const scores: number[] | null = withScores ? [] : null;
  if (count < 0) {
    // Written as picked: a client past its output limit stops the run (it is being closed).
    const k = -count;
    const resp2Pairs = withScores && out.resp === 2;
    out.array(resp2Pairs ? 2 * k : k);
    for (let i = 0; i < k; i++) {
      if ((i & 1023) === 1023 && c.outputLimitReached()) return;
      const r = Math.floor(Math.random() * n);
      if (!withScores) out.bulk(tree.memberAt(r));
      else {
        if (!resp2Pairs) out.array(2);
        out.bulk(tree.memberAt(r));
        replyScore(out, tree.scoreAt(r));
      }
    }
    return;
  } else if (count >= n) {
    // The whole set, highest first (Redis walks it from the tail).
    tree.collect(n - 1, n, true, members, scores);
  } else {
    // A random subset without repetition: partial Fisher-Yates over ranks.
    const picked = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (n - i));
      const rj = picked.get(j) ?? j;
      picked.set(j, picked.get(i) ?? i);
      members.push(tree.memberAt(rj));
      if (scores !== null) scores.push(tree.scoreAt(rj));
    }
  }
  replyElements(c, members, scores);
}

// ---------------------------------------------------------------------------------------------
// Handlers

export const zsetCommands: HandlerMap<DataContext> = {
  // ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
  zadd(c, argv, server) {
    zaddGeneric(c, argv, server, 0);
  },

  // ZINCRBY key increment member
  zincrby(c, argv, server) {
    zaddGeneric(c, argv, server, F_INCR);
  },

  // ZREM key member [member ...]
  zrem(c, argv, server) {
    const key = argv[1]!;
    const zs = getZset(c, key, true);
    if (zs === undefined) return;
    if (zs === null) {
      c.out.int(0);
      return;
    }
    let n = 0;
    for (let i = 2; i < argv.length; i++) {
      if (zs.remove(argv[i]!)) n++;
      if (zs.size === 0) break;
    }
    if (n > 0) {
      const db = c.db;
      server.events.written(db, key, NOTIFY.zset, 'zrem', n);
      deleteIfEmpty(server, db, key, zs);
    }
    c.out.int(n);
  },

  // ZCARD key
  zcard(c, argv) {
    const zs = getZset(c, argv[1]!, false);
    if (zs === undefined) return;
    c.out.int(zs === null ? 0 : zs.size);
  },

  // ZSCORE key member
  zscore(c, argv) {
    const zs = getZset(c, argv[1]!, false);
    if (zs === undefined) return;
    const s = zs === null ? undefined : zs.score(argv[2]!);
    if (s === undefined) c.out.nullBulk();
    else replyScore(c.out, s);
  },

  // ZMSCORE key member [member ...]
  zmscore(c, argv) {
    const zs = getZset(c, argv[1]!, false);
    if (zs === undefined) return;
    c.out.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) {
      const s = zs === null ? undefined : zs.score(argv[i]!);
      if (s === undefined) c.out.nullBulk();
      else replyScore(c.out, s);
    }
  },

  // ZRANK key member
  zrank(c, argv) {
    const zs = getZset(c, argv[1]!, false);
    if (zs === undefined) return;
    const r = zs === null ? -1 : zs.rank(argv[2]!, false);
    if (r < 0) c.out.nullBulk();
    else c.out.int(r);
  },

  // ZREVRANK key member
  zrevrank(c, argv) {
    const zs = getZset(c, argv[1]!, false);
    if (zs === undefined) return;
    const r = zs === null ? -1 : zs.rank(argv[2]!, true);
    if (r < 0) c.out.nullBulk();
    else c.out.int(r);
  },

  // ZCOUNT key min max
  zcount(c, argv) {
    const r = parseScoreRange(argv[2]!, argv[3]!);
    if (r === null) {
      c.out.error(MINMAX_FLOAT);
      return;
    }
    const zs = getZset(c, argv[1]!, false);
    if (zs === undefined) return;
    if (zs === null) {
      c.out.int(0);
      return;
    }
    const n = zs.tree.lastScoreRank(r.max, r.maxex) - zs.tree.firstScoreRank(r.min, r.minex) + 1;
    c.out.int(n > 0 ? n : 0);
  },

  // ZLEXCOUNT key min max
  zlexcount(c, argv) {
    const min = parseLexItem(argv[2]!);
    const max = min === null ? null : parseLexItem(argv[3]!);
    if (min === null || max === null) {
      c.out.error(MINMAX_LEX);
      return;
    }
    const zs = getZset(c, argv[1]!, false);
    if (zs === undefined) return;
    if (zs === null) {
      c.out.int(0);
      return;
    }
    const n = zs.tree.lastLexRank(max) - zs.tree.firstLexRank(min) + 1;
    c.out.int(n > 0 ? n : 0);
  },

  // ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
  zrange(c, argv, server) {
    zrangeGeneric(c, argv, server, 1, null, AUTO, null);
  },

  // ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
  zrangestore(c, argv, server) {
    zrangeGeneric(c, argv, server, 2, argv[1]!, AUTO, null);
  },

  // ZREVRANGE key start stop [WITHSCORES]
  zrevrange(c, argv, server) {
    zrangeGeneric(c, argv, server, 1, null, RANK, true);
  },

  // ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
  zrangebyscore(c, argv, server) {
    zrangeGeneric(c, argv, server, 1, null, SCORE, false);
  },

  // ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
  zrevrangebyscore(c, argv, server) {
    zrangeGeneric(c, argv, server, 1, null, SCORE, true);
  },

  // ZRANGEBYLEX key min max [LIMIT offset count]
  zrangebylex(c, argv, server) {
    zrangeGeneric(c, argv, server, 1, null, LEX, false);
  },

  // ZREVRANGEBYLEX key max min [LIMIT offset count]
  zrevrangebylex(c, argv, server) {
    zrangeGeneric(c, argv, server, 1, null, LEX, true);
  },

  // ZREMRANGEBYRANK key start stop
  zremrangebyrank(c, argv, server) {
    zremrangeGeneric(c, argv, server, RANK);
  },

  // ZREMRANGEBYSCORE key min max
  zremrangebyscore(c, argv, server) {
    zremrangeGeneric(c, argv, server, SCORE);
  },

  // ZREMRANGEBYLEX key min max
  zremrangebylex(c, argv, server) {
    zremrangeGeneric(c, argv, server, LEX);
  },

  // ZPOPMIN key [count]
  zpopmin(c, argv, server) {
    zpopCommand(c, argv, server, false);
  },

  // ZPOPMAX key [count]
  zpopmax(c, argv, server) {
    zpopCommand(c, argv, server, true);
  },

  // ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
  zmpop(c, argv, server) {
    const p = parseMpop(c, argv, 1);
    if (p === null) return;
    zpopGeneric(c, server, p.keys, p.max, p.count, true, true);
  },

  // BZPOPMIN key [key ...] timeout
  bzpopmin(c, argv, server) {
    bzpopCommand(c, argv, server, false);
  },

  // BZPOPMAX key [key ...] timeout
  bzpopmax(c, argv, server) {
    bzpopCommand(c, argv, server, true);
  },

  // BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
  // (numkeys, MIN|MAX and COUNT are checked before the timeout, as Redis does.)
  bzmpop(c, argv, server) {
    const p = parseMpop(c, argv, 2);
    if (p === null) return;
    const deadline = timeoutDeadline(c, argv[1]!, server);
    if (deadline === null) return;
    bzpopGeneric(c, argv, server, p.keys, p.max, p.count, true, deadline);
  },

  // ZRANDMEMBER key [count [WITHSCORES]]
  zrandmember(c, argv) {
    if (argv.length >= 3) {
      const big = parseBigInt(argv[2]!);
      if (big === null) {
        c.out.error(NOT_INTEGER);
        return;
      }
      const l = Number(big);
      if (big < -(2n ** 63n - 1n)) {
        c.out.error(err.outOfRangeInt64());
        return;
      }
      let withScores = false;
      if (argv.length > 4 || (argv.length === 4 && !is(argv[3], 'withscores'))) {
        c.out.error(SYNTAX);
        return;
      } else if (argv.length === 4) {
        withScores = true;
        if (big < -4611686018427387903n || big > 4611686018427387903n) {
          c.out.error(err.valueOutOfRange());
          return;
        }
      }
      const zs = getZset(c, argv[1]!, false);
      if (zs === undefined) return;
      zrandmemberWithCount(c, zs, l, withScores);
      return;
    }
    const zs = getZset(c, argv[1]!, false);
    if (zs === undefined) return;
    if (zs === null) {
      c.out.nullBulk();
      return;
    }
    c.out.bulk(zs.tree.memberAt(Math.floor(Math.random() * zs.size)));
  },

  // ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
  zunion(c, argv, server) {
    zsetOp(c, argv, server, null, 1, OP_UNION, false);
  },

  // ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
  zinter(c, argv, server) {
    zsetOp(c, argv, server, null, 1, OP_INTER, false);
  },

  // ZDIFF numkeys key [key ...] [WITHSCORES]
  zdiff(c, argv, server) {
    zsetOp(c, argv, server, null, 1, OP_DIFF, false);
  },

  // ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS ...] [AGGREGATE SUM|MIN|MAX]
  zunionstore(c, argv, server) {
    zsetOp(c, argv, server, argv[1]!, 2, OP_UNION, false);
  },

  // ZINTERSTORE destination numkeys key [key ...] [WEIGHTS ...] [AGGREGATE SUM|MIN|MAX]
  zinterstore(c, argv, server) {
    zsetOp(c, argv, server, argv[1]!, 2, OP_INTER, false);
  },

  // ZDIFFSTORE destination numkeys key [key ...]
  zdiffstore(c, argv, server) {
    zsetOp(c, argv, server, argv[1]!, 2, OP_DIFF, false);
  },

  // ZINTERCARD numkeys key [key ...] [LIMIT limit]
  zintercard(c, argv, server) {
    zsetOp(c, argv, server, null, 1, OP_INTER, true);
  },

  // ZSCAN key cursor [MATCH pattern] [COUNT count] (commands/scan.ts)
  // A small (listpack) set is returned whole with cursor 0, as Redis does; a big one is walked
  // with store/scan.ts cursors over its member dict.
  zscan(c, argv, server) {
    const cursor = scanCursorArg(c, argv[2]!);
    if (cursor === null) return;
    const zs = getZset(c, argv[1]!, false);
    if (zs === undefined) return;
    if (zs === null) {
      emptyScan(c);
      return;
    }
    const dict = zs.listpack ? null : zs.dict;
    scanGeneric(c, argv, server, cursor, false, {
      whole: dict === null ? (visit) => zs.tree.forEach(visit) : null,
      source: () => ({ owner: dict!, open: () => dict!.keys(), removals: dict!.removals }),
      emit(m, out) {
        const s = dict!.get(m);
        if (s !== undefined) out.push(m, formatDouble(s)); // a bulk string in both protocols
      },
    });
  },
};
