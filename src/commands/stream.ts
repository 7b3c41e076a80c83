// Stream commands (XADD XRANGE XREVRANGE XLEN XDEL XTRIM XREAD XREADGROUP XGROUP XACK XPENDING
// XCLAIM XAUTOCLAIM XINFO XSETID), with redis-server 7.0.15's replies, errors, keyspace events
// and propagation (XADD with its concrete ID, approximate trims in their effective form,
// XREADGROUP as XCLAIM / XGROUP SETID / XGROUP CREATECONSUMER). The value: store/types/stream.ts.
// Blocking XREAD / XREADGROUP go through server/blocking.ts with `$` replaced by the stream's
// last ID; a served client re-runs its command for the key that became ready.
import { Buffer } from 'node:buffer';
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import { NOTIFY } from '../server/events.js';
import { propagateAs, propagating } from '../server/propagate.js';
import type { Db } from '../store/db.js';
import {
  INVALID_ENTRIES_READ,
  MAX_ID,
  MIN_ID,
  StreamValue,
  estimateEntriesRead,
  idDecr,
  idIncr,
  idText,
  parseU64,
  type PendingEntry,
  type StreamConsumer,
  StreamGroup,
  type StreamID,
  type StreamNodeLimits,
} from '../store/types/stream.js';
import { is, parseBigInt, parseMsTimeout } from './args.js';
import { inTransaction } from './transactions.js';
import type { DataContext, HandlerMap } from './types.js';

const T = NOTIFY.stream;
const MAX16 = 'ffffffffffffffff';
const ZERO16 = '0000000000000000';

/** The stream at key: the value, null when missing, undefined after a WRONGTYPE reply. */
function getStream(c: Client, key: string, write: boolean): StreamValue | null | undefined {
  const v = write ? c.db.lookup(key) : c.db.lookupRead(key);
  if (v === undefined) return null;
  if (v instanceof StreamValue) return v;
  c.out.error(err.wrongType());
  return undefined;
}

/** The stream at key, or undefined after replying WRONGTYPE or `missing` (default: no such key). */
function existingStream(c: Client, key: string, write: boolean, missing = err.noSuchKey): StreamValue | undefined {
  const s = getStream(c, key, write);
  if (s === null) c.out.error(missing());
  return s ?? undefined;
}

/** The limits object append() reads (and does not keep): one, refreshed per call, not one per XADD. */
const LIMITS: StreamNodeLimits = { maxEntries: 0, maxBytes: 0 };

function nodeLimits(server: DataContext): StreamNodeLimits {
  LIMITS.maxEntries = server.ks.limits.streamNodeMaxEntries;
  LIMITS.maxBytes = server.ks.limits.streamNodeMaxBytes;
  return LIMITS;
}

/** A signed 64-bit integer argument, or null after replying `msg` (default: not an integer). */
function int64(c: Client, arg: string, msg?: string): number | null {
  const v = parseBigInt(arg);
  if (v === null) {
    c.out.error(msg ?? err.notInteger());
    return null;
  }
  return Number(v);
}

/**
 * Parses an ID ("ms-seq", "ms": seq = 0 or max by `maxSeq`; "-"/"+" unless strict). With
 * `star`, "ms-*" returns [ms, null]. Null after replying the error (when `reply`).
 */
function parseIdRaw(arg: string, maxSeq: boolean, strict: boolean): StreamID | null {
  if (arg.length > 127) return null;
  if (!strict && arg === '-') return MIN_ID;
  if (!strict && arg === '+') return MAX_ID;
  const dash = arg.indexOf('-');
  if (dash < 0) {
    const ms = parseU64(arg);
    return ms === null ? null : ms + (maxSeq ? MAX16 : ZERO16);
  }
  const ms = parseU64(arg.slice(0, dash));
  const seq = parseU64(arg.slice(dash + 1));
  return ms === null || seq === null ? null : ms + seq;
}

function parseId(c: Client, arg: string, maxSeq: boolean, strict: boolean): StreamID | null {
  const id = parseIdRaw(arg, maxSeq, strict);
  if (id === null) c.out.error(err.streamInvalidId());
  return id;
}

/** An interval bound: "(" makes it exclusive. Null after replying. */
function parseBound(c: Client, arg: string, isEnd: boolean): StreamID | null {
  if (arg.length > 1 && arg[0] === '(') {
    const id = parseId(c, arg.slice(1), isEnd, true);
    if (id === null) return null;
    const next = isEnd ? idDecr(id) : idIncr(id);
    if (next === null) {
      c.out.error(isEnd ? err.streamInvalidEnd() : err.streamInvalidStart());
      return null;
    }
    return next;
  }
  return parseId(c, arg, isEnd, false);
}

function replyEntry(c: Client, id: StreamID, fields: readonly string[], text = idText(id)): void {
  const out = c.out;
  out.array(2);
  out.bulk(text);
  out.array(fields.length);
  for (const f of fields) out.bulk(f);
}

/**
 * Entries from start to end (reverse when `rev`), at most count (0: all). The values are copied
 * from the stream's packed nodes into the reply, never made into strings.
 */
function replyRange(c: Client, s: StreamValue, start: StreamID, end: StreamID, count: number, rev: boolean): void {
  const texts: string[] = [];
  const names: (readonly string[])[] = [];
  const bufs: Buffer[] = [];
  const vals: number[] = [];
  s.forEachPacked(start, end, rev, vals, (text, nm, buf) => {
    texts.push(text);
    names.push(nm);
    bufs.push(buf);
    return count === 0 || texts.length < count;
  });
  const out = c.out;
  out.array(texts.length);
  let v = 0;
  for (let i = 0; i < texts.length; i++) {
    const nm = names[i]!;
    const buf = bufs[i]!;
    out.array(2);
    out.bulk(texts[i]!);
    out.array(2 * nm.length);
    for (let j = 0; j < nm.length; j++, v += 2) {
      out.bulk(nm[j]!);
      out.bulkBytes(buf, vals[v]!, vals[v + 1]!);
    }
  }
}

// ---- trimming arguments (XADD / XTRIM) ----

interface TrimArgs {
  strategy: 'maxlen' | 'minid' | null;
  maxlen: number;
  minid: StreamID;
  approx: boolean;
  limit: number;
  /** argv index of the threshold, and of the = / ~ operator (-1 when absent). */
  argIdx: number;
  opIdx: number;
  nomkstream: boolean;
  /** XADD: the ID argument's index, the parsed ID (null for "*"), and whether seq was given. */
  idIdx: number;
  id: StreamID | null;
  seqGiven: boolean;
}

/** What parseTrimArgs makes of the plain `XADD key * field value ...` (never modified). */
const XADD_AUTO: Readonly<TrimArgs> = Object.freeze({
  strategy: null, maxlen: 0, minid: MIN_ID, approx: false, limit: 0, argIdx: -1, opIdx: -1, nomkstream: false, idIdx: 2, id: null, seqGiven: false,
});

function parseTrimArgs(c: Client, argv: string[], server: DataContext, xadd: boolean): TrimArgs | null {
  const a: TrimArgs = { strategy: null, maxlen: 0, minid: MIN_ID, approx: false, limit: -1, argIdx: -1, opIdx: -1, nomkstream: false, idIdx: -1, id: null, seqGiven: true };
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const opt = argv[i]!;
    if (xadd && opt === '*') {
      a.idIdx = i;
      a.seqGiven = false;
      break;
    } else if ((is(opt, 'maxlen') || is(opt, 'minid')) && more >= 1) {
      const maxlen = is(opt, 'maxlen');
      a.approx = false;
      const next = argv[i + 1]!;
      if (more >= 2 && (next === '~' || next === '=')) {
        a.approx = next === '~';
        a.opIdx = i + 1;
        i++;
      } else a.opIdx = -1;
      if (maxlen) {
        if (a.strategy === 'minid') {
          c.out.error(err.streamMaxlenMinid());
          return null;
        }
        const n = int64(c, argv[i + 1]!);
        if (n === null) return null;
        if (n < 0) {
          c.out.error(err.streamMaxlenNegative());
          return null;
        }
        a.maxlen = n;
        a.strategy = 'maxlen';
      } else {
        if (a.strategy === 'maxlen') {
          c.out.error(err.streamMaxlenMinid());
          return null;
        }
        const id = parseId(c, argv[i + 1]!, false, true);
        if (id === null) return null;
        a.minid = id;
        a.strategy = 'minid';
      }
      i++;
      a.argIdx = i;
    } else if (is(opt, 'limit') && more >= 1) {
      const n = int64(c, argv[i + 1]!);
      if (n === null) return null;
      if (n < 0) {
        c.out.error(err.streamLimitNegative());
        return null;
      }
      a.limit = n;
      limitGiven = true;
      i++;
    } else if (xadd && is(opt, 'nomkstream')) {
      a.nomkstream = true;
    } else if (xadd) {
      // The ID: explicit, or "ms-*".
      a.idIdx = i;
      if (opt.endsWith('-*') && opt.length > 2) {
        const ms = parseU64(opt.slice(0, -2));
        if (ms === null) {
          c.out.error(err.streamInvalidId());
          return null;
        }
        a.id = ms + ZERO16;
        a.seqGiven = false;
      } else {
        const id = parseId(c, opt, false, true);
        if (id === null) return null;
        a.id = id;
      }
      break;
    } else {
      c.out.error(err.syntax());
      return null;
    }
  }
  if (xadd && a.idIdx < 0) {
    c.out.error(err.syntax());
    return null;
  }
  if (limitGiven && a.strategy === null) {
    c.out.error(err.streamLimitNoStrategy());
    return null;
  }
  if (!xadd && a.strategy === null) {
    c.out.error(err.syntax());
    return null;
  }
  if (server.ks.loading) a.limit = 0;
  else if (limitGiven) {
    if (!a.approx) {
      c.out.error(err.streamLimitNoApprox());
      return null;
    }
  } else if (a.approx) {
    a.limit = 100 * server.ks.limits.streamNodeMaxEntries;
    if (a.limit <= 0 || a.limit > 1000000) a.limit = 10000;
  } else a.limit = 0;
  return a;
}

function applyTrim(s: StreamValue, a: TrimArgs): number {
  if (a.strategy === null) return 0;
  return s.trim(a.strategy, a.strategy === 'maxlen' ? a.maxlen : a.minid, a.approx, a.approx ? a.limit : 0);
}

/** An approximate trim is propagated as exact, with the threshold it reached. */
function rewriteApprox(pargv: string[], s: StreamValue, a: TrimArgs): void {
  if (!a.approx || a.opIdx < 0) return;
  pargv[a.opIdx] = '=';
  pargv[a.argIdx] = a.strategy === 'maxlen' ? String(s.length) : idText(s.firstId());
}

// ---- consumer groups: lag and reads, as Redis 7.0 computes them ----

/** True when a deleted entry may lie in [start, end]. */
function hasTombstones(s: StreamValue, start: StreamID | null, end: StreamID | null): boolean {
  if (s.length === 0 || s.maxDeletedId === MIN_ID) return false;
  if (s.firstId() > s.maxDeletedId) return false;
  return (start ?? MIN_ID) <= s.maxDeletedId && s.maxDeletedId <= (end ?? MAX_ID);
}

function replyLag(c: Client, s: StreamValue, g: StreamGroup): void {
  if (s.entriesAdded === 0) c.out.int(0);
  else if (g.entriesRead !== INVALID_ENTRIES_READ && !hasTombstones(s, g.lastId, null)) c.out.int(s.entriesAdded - g.entriesRead);
  else {
    const read = estimateEntriesRead(s, g.lastId);
    if (read !== INVALID_ENTRIES_READ) c.out.int(s.entriesAdded - read);
    else c.out.nullBulk();
  }
}

function replyEntriesRead(c: Client, g: StreamGroup): void {
  if (g.entriesRead !== INVALID_ENTRIES_READ) c.out.int(g.entriesRead);
  else c.out.nullBulk();
}

function xclaimArgv(key: string, group: string, e: PendingEntry, lastId: StreamID): string[] {
  return [
    'XCLAIM', key, group, e.consumer.name, '0', idText(e.id), 'TIME', String(e.deliveryTime), 'RETRYCOUNT', String(e.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', idText(lastId),
  ];
}

function removePending(g: StreamGroup, e: PendingEntry): void {
  g.pel.delete(e.id);
  e.consumer.pel.delete(e.id);
}

/** Looks a consumer up, creating it (with its event) when missing. */
function consumerOf(server: DataContext, db: Db, key: string, g: StreamGroup, name: string, now: number): [StreamConsumer, boolean] {
  const existing = g.consumers.get(name);
  if (existing !== undefined) return [existing, false];
  const created = g.createConsumer(name, now)!;
  server.events.written(db, key, T, 'xgroup-createconsumer');
  return [created, true];
}

// ---- XREAD / XREADGROUP ----

function xreadGeneric(c: Client, argv: string[], server: DataContext, group: boolean): void {
  let deadline = -1;
  let count = 0;
  let streamsArg = 0;
  let nStreams = 0;
  let groupName: string | null = null;
  let consumerName = '';
  let noack = false;
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const o = argv[i]!;
    if (is(o, 'block') && more >= 1) {
      // Redis refuses BLOCK in a script outright (before its timeout is read), not only runs it
      // non-blocking as in MULTI.
      if (c.isScript) {
        c.out.error(err.xreadBlockInScript(argv[0]!));
        return;
      }
      i++;
      const v = parseMsTimeout(c, argv[i]!);
      if (v === null) return;
      deadline = v === 0 ? 0 : server.clock.now() + v;
    } else if (is(o, 'count') && more >= 1) {
      i++;
      const n = int64(c, argv[i]!);
      if (n === null) return;
      count = n < 0 ? 0 : n;
    } else if (is(o, 'streams') && more >= 1) {
      streamsArg = i + 1;
      nStreams = argv.length - streamsArg;
      if (nStreams % 2 !== 0) {
        c.out.error(err.xreadUnbalanced());
        return;
      }
      nStreams /= 2;
      break;
    } else if (is(o, 'group') && more >= 2) {
      if (!group) {
        c.out.error(err.xreadGroupOption());
        return;
      }
      groupName = argv[i + 1]!;
      consumerName = argv[i + 2]!;
      i += 2;
    } else if (is(o, 'noack')) {
      if (!group) {
        c.out.error(err.xreadNoackOption());
        return;
      }
      noack = true;
    } else {
      c.out.error(err.syntax());
      return;
    }
  }
  if (streamsArg === 0) {
    c.out.error(err.syntax());
    return;
  }
  if (group && groupName === null) {
    c.out.error(err.xreadgroupMissingGroup());
    return;
  }
  const serving = server.blocking.servingKey;
  const db = c.db;
  const streams: (StreamValue | null)[] = [];
  const groups: (StreamGroup | null)[] = [];
  const ids: StreamID[] = [];
  const fresh: boolean[] = []; // '>'
  for (let i = 0; i < nStreams; i++) {
    const key = argv[streamsArg + i]!;
    // A served client looks at the key that became ready only; whatever else it holds now
    // counts as no stream.
    let s: StreamValue | null | undefined;
    if (serving !== null) {
      const v = key === serving ? db.lookupRead(key) : undefined;
      s = v instanceof StreamValue ? v : null;
    } else s = getStream(c, key, false);
    if (s === undefined) return;
    let g: StreamGroup | null = null;
    if (groupName !== null) {
      g = s === null ? null : s.groups.get(groupName) ?? null;
      if (g === null) {
        if (serving !== null) {
          if (key !== serving) {
            streams.push(null);
            groups.push(null);
            ids.push(MIN_ID);
            fresh.push(false);
            continue;
          }
          c.out.error(s === null ? err.blockedStreamGone() : err.blockedGroupGone());
          return;
        }
        c.out.error(err.xreadgroupNoGroup(key, groupName));
        return;
      }
    }
    streams.push(s);
    groups.push(g);
    const arg = argv[streamsArg + nStreams + i]!;
    fresh.push(false);
    if (arg === '$') {
      if (group) {
        c.out.error(err.xreadgroupDollar());
        return;
      }
      ids.push(s !== null ? s.lastId : MIN_ID);
      continue;
    }
    if (arg === '>') {
      if (!group) {
        c.out.error(err.xreadGreater());
        return;
      }
      fresh[i] = true;
      ids.push(g!.lastId);
      continue;
    }
    const id = parseId(c, arg, false, true);
    if (id === null) return;
    ids.push(id);
  }
  // Serve what can be served now.
  const out = c.out;
  const now = server.clock.now();
  let served = 0;
  const parts: (() => void)[] = [];
  const done = new Set<string>();
  for (let i = 0; i < nStreams; i++) {
    const key = argv[streamsArg + i]!;
    const s = streams[i]!;
    if (s === null) continue;
    if (serving !== null && (key !== serving || done.has(key))) continue;
    const g = groups[i]!;
    const gt = ids[i]!;
    const history = g !== null && !fresh[i];
    const sync = history || s.hasAfter(gt);
    if (!sync) continue;
    done.add(key);
    served++;
    parts.push(() => {
      // RESP3 replies with a map of key -> entries; RESP2 with an array of [key, entries] pairs.
      if (out.resp !== 3) out.array(2);
      out.bulk(key);
      const start = idIncr(gt) ?? MAX_ID;
      if (g === null) {
        replyRange(c, s, start, MAX_ID, count, false);
        return;
      }
      const [consumer, created] = consumerOf(server, db, key, g, consumerName, now);
      consumer.seenTime = now;
      if (history) {
        const es: PendingEntry[] = [];
        consumer.pel.forEach(start, MAX_ID, (e) => {
          es.push(e);
          return count === 0 || es.length < count;
        });
        out.array(es.length);
        for (const e of es) {
          const f = s.get(e.id);
          if (f !== undefined) replyEntry(c, e.id, f);
          else {
            out.array(2);
            out.bulk(idText(e.id));
            out.nullArray();
          }
          e.deliveryTime = now;
          e.deliveryCount++;
        }
        return;
      }
      const entries: [StreamID, string[], string][] = [];
      s.forEach(start, MAX_ID, false, (id, f, text) => {
        entries.push([id, f, text]);
        return count === 0 || entries.length < count;
      });
      out.array(entries.length);
      // The XCLAIMs that propagate the deliveries, built only when something consumes them.
      const props: string[][] | null = propagating(c) ? [] : null;
      let moved = false;
      for (const [id, f, text] of entries) {
        replyEntry(c, id, f, text);
        if (id > g.lastId) {
          if (g.entriesRead !== INVALID_ENTRIES_READ && !hasTombstones(s, id, null)) g.entriesRead++;
          else if (s.entriesAdded !== 0) g.entriesRead = estimateEntriesRead(s, id);
          g.lastId = id;
          moved = true;
        }
        if (!noack) {
          let e = g.pel.get(id);
          if (e !== undefined) {
            e.consumer.pel.delete(id);
            e.consumer = consumer;
            e.deliveryTime = now;
            e.deliveryCount = 1;
          } else {
            e = { id, consumer, deliveryTime: now, deliveryCount: 1 };
            g.pel.set(id, e);
          }
          consumer.pel.set(id, e);
          props?.push(xclaimArgv(key, g.name, e, g.lastId));
        }
      }
      if (entries.length > 0) {
        db.stats.dirty++;
        if (noack) {
          if (created) propagateAs(c, ['XGROUP', 'CREATECONSUMER', key, g.name, consumerName]);
          if (moved) propagateAs(c, ['XGROUP', 'SETID', key, g.name, idText(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
        } else if (props !== null) for (const p of props) propagateAs(c, p);
      }
    });
  }
  if (served > 0) {
    if (out.resp === 3) out.map(served);
    else out.array(served);
    for (const p of parts) p();
    return;
  }
  if (deadline < 0 || inTransaction(c)) {
    out.nullArray();
    return;
  }
  // Block: "$" becomes the last ID each stream has now.
  const bargv = argv.slice();
  for (let i = 0; i < nStreams; i++) if (bargv[streamsArg + nStreams + i] === '$') bargv[streamsArg + nStreams + i] = idText(ids[i]!);
  server.blocking.block(c, bargv, 'stream', argv.slice(streamsArg, streamsArg + nStreams), deadline);
}

// ---- XINFO ----

function xinfoStream(c: Client, key: string, s: StreamValue, full: boolean, count: number): void {
  const out = c.out;
  out.map(full ? 9 : 10);
  out.bulk('length');
  out.int(s.length);
  out.bulk('radix-tree-keys');
  out.int(s.nodeCount);
  out.bulk('radix-tree-nodes');
  out.int(s.nodeCount + 1);
  out.bulk('last-generated-id');
  out.bulk(idText(s.lastId));
  out.bulk('max-deleted-entry-id');
  out.bulk(idText(s.maxDeletedId));
  out.bulk('entries-added');
  out.int(s.entriesAdded);
  out.bulk('recorded-first-entry-id');
  out.bulk(idText(s.firstId()));
  if (!full) {
    out.bulk('groups');
    out.int(s.groups.size);
    for (const rev of [false, true]) {
      out.bulk(rev ? 'last-entry' : 'first-entry');
      let done = false;
      s.forEach(MIN_ID, MAX_ID, rev, (id, f, text) => {
        replyEntry(c, id, f, text);
        done = true;
        return false;
      });
      if (!done) out.nullBulk();
    }
    return;
  }
  out.bulk('entries');
  replyRange(c, s, MIN_ID, MAX_ID, count, false);
  out.bulk('groups');
  const groups = s.sortedGroups();
  out.array(groups.length);
  const now = Date.now();
  void now;
  for (const g of groups) {
    out.map(7);
    out.bulk('name');
    out.bulk(g.name);
    out.bulk('last-delivered-id');
    out.bulk(idText(g.lastId));
    out.bulk('entries-read');
    replyEntriesRead(c, g);
    out.bulk('lag');
    replyLag(c, s, g);
    out.bulk('pel-count');
    out.int(g.pel.size);
    out.bulk('pending');
    const pes = collect(g.pel, count);
    out.array(pes.length);
    for (const e of pes) {
      out.array(4);
      out.bulk(idText(e.id));
      out.bulk(e.consumer.name);
      out.int(e.deliveryTime);
      out.int(e.deliveryCount);
    }
    out.bulk('consumers');
    const cs = g.sortedConsumers();
    out.array(cs.length);
    for (const cn of cs) {
      out.map(4);
      out.bulk('name');
      out.bulk(cn.name);
      out.bulk('seen-time');
      out.int(cn.seenTime);
      out.bulk('pel-count');
      out.int(cn.pel.size);
      out.bulk('pending');
      const ces = collect(cn.pel, count);
      out.array(ces.length);
      for (const e of ces) {
        out.array(3);
        out.bulk(idText(e.id));
        out.int(e.deliveryTime);
        out.int(e.deliveryCount);
      }
    }
  }
  void key;
}

function collect(pel: { forEach(s: StreamID, e: StreamID, fn: (e: PendingEntry) => boolean | void): void }, count: number): PendingEntry[] {
  const r: PendingEntry[] = [];
  pel.forEach(MIN_ID, MAX_ID, (e) => {
    r.push(e);
    return count === 0 || r.length < count;
  });
  return r;
}

const XINFO_HELP = [
  'XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
  'HELP',
  '    Prints this help.',
];

const XGROUP_HELP = [
  'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
  'HELP',
  '    Prints this help.',
];

/** XGROUP's common start: the stream and group, or undefined after replying. */
function xgroupTarget(c: Client, argv: string[], needGroup: boolean): [StreamValue, StreamGroup | null] | undefined {
  const s = existingStream(c, argv[2]!, true, err.xgroupNoKey);
  if (s === undefined) return undefined;
  const g = s.groups.get(argv[3]!) ?? null;
  if (needGroup && g === null) {
    c.out.error(err.xgroupNoGroup(argv[3]!, argv[2]!));
    return undefined;
  }
  return [s, g];
}

function parseEntriesRead(c: Client, arg: string): number | null {
  const n = int64(c, arg);
  if (n === null) return null;
  if (n < 0 && n !== INVALID_ENTRIES_READ) {
    c.out.error(err.entriesReadValue());
    return null;
  }
  return n;
}

/** XCLAIM / XAUTOCLAIM's min-idle-time. */
function minIdle(c: Client, arg: string): number | null {
  const n = int64(c, arg, err.xclaimMinIdle());
  if (n === null) return null;
  return n < 0 ? 0 : n;
}

export const streamCommands: HandlerMap<DataContext> = {
  // XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [...]
  xadd(c, argv, server) {
    const a = argv[2] === '*' ? XADD_AUTO : parseTrimArgs(c, argv, server, true);
    if (a === null) return;
    const fieldsAt = a.idIdx + 1;
    if ((argv.length - fieldsAt) % 2 !== 0 || argv.length === fieldsAt) {
      c.out.error(err.wrongArity('xadd'));
      return;
    }
    if (a.id !== null && a.seqGiven && a.id === MIN_ID) {
      c.out.error(err.streamIdZero());
      return;
    }
    const db = c.db;
    const key = argv[1]!;
    let s = getStream(c, key, true);
    if (s === undefined) return;
    if (s === null && a.nomkstream) {
      c.out.nullBulk();
      return;
    }
    const isNew = s === null;
    if (s === null) s = new StreamValue();
    if (s.lastId === MAX_ID) {
      c.out.error(err.streamExhausted());
      return;
    }
    let id: StreamID;
    if (a.id === null) id = s.nextId(server.clock.now());
    else if (!a.seqGiven) {
      const ms = a.id.slice(0, 16);
      const lastMs = s.lastId.slice(0, 16);
      if (ms > lastMs) id = a.id;
      else if (ms === lastMs && s.lastId.slice(16) !== MAX16) id = idIncr(s.lastId)!;
      else {
        c.out.error(err.streamIdTooSmall());
        return;
      }
    } else {
      if (a.id <= s.lastId) {
        c.out.error(err.streamIdTooSmall());
        return;
      }
      id = a.id;
    }
    // null: an automatic ID, its reply written from its parts (its text made only to propagate).
    const text = a.id !== null ? idText(id) : s.nextTextGeneral;
    s.append(id, argv, nodeLimits(server), fieldsAt);
    if (isNew) db.set(key, s);
    server.events.written(db, key, T, 'xadd');
    // The propagated form (concrete ID, exact trim) is built only when something consumes it.
    const pargv = propagating(c) ? argv.slice() : null;
    if (pargv !== null && (a.id === null || !a.seqGiven)) pargv[a.idIdx] = text ?? s.nextText;
    if (a.strategy !== null) {
      const removed = applyTrim(s, a);
      if (removed > 0) server.events.written(db, key, T, 'xtrim', 0);
      if (pargv !== null) rewriteApprox(pargv, s, a);
    }
    if (pargv !== null) propagateAs(c, pargv);
    if (text === null) c.out.bulkId(s.nextMsText, s.nextSeq);
    else c.out.bulk(text);
  },

  // XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
  xtrim(c, argv, server) {
    const key = argv[1]!;
    const s = getStream(c, key, true);
    if (s === undefined) return;
    const a = parseTrimArgs(c, argv, server, false);
    if (a === null) return;
    if (s === null) {
      c.out.int(0);
      return;
    }
    const removed = applyTrim(s, a);
    if (removed > 0) {
      server.events.written(c.db, key, T, 'xtrim', removed);
      const pargv = argv.slice();
      rewriteApprox(pargv, s, a);
      propagateAs(c, pargv);
    }
    c.out.int(removed);
  },

  // XRANGE key start end [COUNT count]
  xrange(c, argv) {
    rangeGeneric(c, argv, false);
  },

  // XREVRANGE key end start [COUNT count]
  xrevrange(c, argv) {
    rangeGeneric(c, argv, true);
  },

  // XLEN key
  xlen(c, argv) {
    const s = getStream(c, argv[1]!, false);
    if (s === undefined) return;
    c.out.int(s === null ? 0 : s.length);
  },

  // XDEL key id [id ...]
  xdel(c, argv, server) {
    const key = argv[1]!;
    const s = getStream(c, key, true);
    if (s === undefined) return;
    const ids: StreamID[] = [];
    for (let i = 2; i < argv.length; i++) {
      const id = parseId(c, argv[i]!, false, true);
      if (id === null) return;
      ids.push(id);
    }
    if (s === null) {
      c.out.int(0);
      return;
    }
    let deleted = 0;
    for (const id of ids) {
      if (s.delete(id)) {
        if (id > s.maxDeletedId) s.maxDeletedId = id;
        deleted++;
      }
    }
    if (deleted > 0) server.events.written(c.db, key, T, 'xdel', deleted);
    c.out.int(deleted);
  },

  // XREAD [COUNT count] [BLOCK ms] STREAMS key [key ...] id [id ...]
  xread(c, argv, server) {
    xreadGeneric(c, argv, server, false);
  },

  // XREADGROUP GROUP group consumer [COUNT count] [BLOCK ms] [NOACK] STREAMS key [key ...] id [id ...]
  xreadgroup(c, argv, server) {
    xreadGeneric(c, argv, server, true);
  },

  // XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n]
  'xgroup|create'(c, argv, server) {
    let mkstream = false;
    let entriesRead = INVALID_ENTRIES_READ;
    for (let i = 5; i < argv.length; i++) {
      if (is(argv[i]!, 'mkstream')) mkstream = true;
      else if (is(argv[i]!, 'entriesread') && i + 1 < argv.length) {
        const n = parseEntriesRead(c, argv[++i]!);
        if (n === null) return;
        entriesRead = n;
      } else {
        c.out.error(err.syntax());
        return;
      }
    }
    const db = c.db;
    const key = argv[2]!;
    let s = getStream(c, key, true);
    if (s === undefined) return;
    if (s === null && !mkstream) {
      c.out.error(err.xgroupNoKey());
      return;
    }
    let id: StreamID | null;
    if (argv[4] === '$') id = s !== null ? s.lastId : MIN_ID;
    else {
      id = parseId(c, argv[4]!, false, false);
      if (id === null) return;
    }
    if (s === null) {
      s = new StreamValue();
      db.set(key, s);
    } else if (s.groups.has(argv[3]!)) {
      c.out.error(err.busyGroup());
      return;
    }
    s.groups.set(argv[3]!, new StreamGroup(argv[3]!, id, entriesRead));
    server.events.written(db, key, T, 'xgroup-create');
    c.out.ok();
  },

  // XGROUP SETID key group id|$ [ENTRIESREAD n]
  'xgroup|setid'(c, argv, server) {
    if (argv.length !== 5 && argv.length !== 7) {
      c.out.error(err.syntax());
      return;
    }
    let entriesRead = INVALID_ENTRIES_READ;
    if (argv.length === 7) {
      if (!is(argv[5]!, 'entriesread')) {
        c.out.error(err.syntax());
        return;
      }
      const n = parseEntriesRead(c, argv[6]!);
      if (n === null) return;
      entriesRead = n;
    }
    const t = xgroupTarget(c, argv, true);
    if (t === undefined) return;
    const [s, g] = t;
    let id: StreamID | null;
    if (argv[4] === '$') id = s.lastId;
    else {
      id = parseId(c, argv[4]!, false, false);
      if (id === null) return;
    }
    g!.lastId = id;
    g!.entriesRead = entriesRead;
    server.events.written(c.db, argv[2]!, T, 'xgroup-setid');
    c.out.ok();
  },

  // XGROUP DESTROY key group
  'xgroup|destroy'(c, argv, server) {
    const t = xgroupTarget(c, argv, false);
    if (t === undefined) return;
    const [s, g] = t;
    if (g === null) {
      c.out.int(0);
      return;
    }
    s.groups.delete(g.name);
    server.events.written(c.db, argv[2]!, T, 'xgroup-destroy');
    c.out.int(1);
  },

  // XGROUP CREATECONSUMER key group consumer
  'xgroup|createconsumer'(c, argv, server) {
    const t = xgroupTarget(c, argv, true);
    if (t === undefined) return;
    const created = t[1]!.createConsumer(argv[4]!, server.clock.now());
    if (created !== null) server.events.written(c.db, argv[2]!, T, 'xgroup-createconsumer');
    c.out.int(created !== null ? 1 : 0);
  },

  // XGROUP DELCONSUMER key group consumer
  'xgroup|delconsumer'(c, argv, server) {
    const t = xgroupTarget(c, argv, true);
    if (t === undefined) return;
    const pending = t[1]!.deleteConsumer(argv[4]!);
    if (pending >= 0) server.events.written(c.db, argv[2]!, T, 'xgroup-delconsumer');
    c.out.int(Math.max(0, pending));
  },

  'xgroup|help'(c) {
    c.out.simples(XGROUP_HELP);
  },

  // XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
  xsetid(c, argv, server) {
    const key = argv[1]!;
    const id = parseId(c, argv[2]!, false, true);
    if (id === null) return;
    let entriesAdded = -1;
    let maxDeleted: StreamID | null = null;
    for (let i = 3; i < argv.length; i++) {
      const more = argv.length - i - 1;
      if (is(argv[i]!, 'entriesadded') && more >= 1) {
        const n = int64(c, argv[++i]!);
        if (n === null) return;
        if (n < 0) {
          c.out.error(err.xsetidEntriesAddedNegative());
          return;
        }
        entriesAdded = n;
      } else if (is(argv[i]!, 'maxdeletedid') && more >= 1) {
        maxDeleted = parseId(c, argv[++i]!, false, true);
        if (maxDeleted === null) return;
        if (id < maxDeleted) {
          c.out.error(err.xsetidMaxDeleted());
          return;
        }
      } else {
        c.out.error(err.syntax());
        return;
      }
    }
    const s = existingStream(c, key, true);
    if (s === undefined) return;
    if (s.length > 0 && id < s.lastEntryId()) {
      c.out.error(err.xsetidSmaller());
      return;
    }
    if (entriesAdded >= 0 && s.length > entriesAdded) {
      c.out.error(err.xsetidEntriesAdded());
      return;
    }
    s.lastId = id;
    if (entriesAdded >= 0) s.entriesAdded = entriesAdded;
    if (maxDeleted !== null) s.maxDeletedId = maxDeleted;
    server.events.written(c.db, key, T, 'xsetid');
    c.out.ok();
  },

  // XACK key group id [id ...]
  xack(c, argv, server) {
    const s = getStream(c, argv[1]!, true);
    if (s === undefined) return;
    const g = s === null ? undefined : s.groups.get(argv[2]!);
    if (g === undefined) {
      c.out.int(0);
      return;
    }
    const ids: StreamID[] = [];
    for (let i = 3; i < argv.length; i++) {
      const id = parseId(c, argv[i]!, false, true);
      if (id === null) return;
      ids.push(id);
    }
    let acked = 0;
    for (const id of ids) {
      const e = g.pel.get(id);
      if (e === undefined) continue;
      removePending(g, e);
      acked++;
    }
    if (acked > 0) {
      c.db.stats.dirty += acked;
      server.events.modified(c.db, argv[1]!);
    }
    c.out.int(acked);
  },

  // XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
  xpending(c, argv, server) {
    const out = c.out;
    let minIdleMs = 0;
    let start = MIN_ID;
    let end = MAX_ID;
    let count = 0;
    let consumerName: string | null = null;
    const summary = argv.length === 3;
    if (argv.length >= 6) {
      let at = 3;
      if (is(argv[3]!, 'idle')) {
        const n = int64(c, argv[4]!);
        if (n === null) return;
        minIdleMs = n;
        if (argv.length < 8) {
          out.error(err.syntax());
          return;
        }
        at += 2;
      }
      const n = int64(c, argv[at + 2]!);
      if (n === null) return;
      count = n < 0 ? 0 : n;
      const st = parseBound(c, argv[at]!, false);
      if (st === null) return;
      const en = parseBound(c, argv[at + 1]!, true);
      if (en === null) return;
      start = st;
      end = en;
      if (argv.length === at + 4) consumerName = argv[at + 3]!;
      else if (argv.length > at + 4) {
        out.error(err.syntax());
        return;
      }
    } else if (!summary) {
      out.error(err.syntax());
      return;
    }
    const s = getStream(c, argv[1]!, false);
    if (s === undefined) return;
    const g = s === null ? undefined : s.groups.get(argv[2]!);
    if (g === undefined) {
      out.error(err.noKeyOrGroup(argv[1]!, argv[2]!));
      return;
    }
    if (summary) {
      out.array(4);
      out.int(g.pel.size);
      if (g.pel.size === 0) {
        out.nullBulk();
        out.nullBulk();
        out.nullArray();
        return;
      }
      out.bulk(idText(g.pel.first()!));
      out.bulk(idText(g.pel.last()!));
      const cs = g.sortedConsumers().filter((x) => x.pel.size > 0);
      out.array(cs.length);
      for (const cn of cs) {
        out.array(2);
        out.bulk(cn.name);
        out.bulk(String(cn.pel.size));
      }
      return;
    }
    const pel = consumerName === null ? g.pel : g.consumers.get(consumerName)?.pel;
    const now = server.clock.now();
    const es: PendingEntry[] = [];
    if (pel !== undefined && count > 0) {
      pel.forEach(start, end, (e) => {
        if (minIdleMs > 0 && now - e.deliveryTime < minIdleMs) return true;
        es.push(e);
        return es.length < count;
      });
    }
    out.array(es.length);
    for (const e of es) {
      out.array(4);
      out.bulk(idText(e.id));
      out.bulk(e.consumer.name);
      out.int(Math.max(0, now - e.deliveryTime));
      out.int(e.deliveryCount);
    }
  },

  // XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id]
  xclaim(c, argv, server) {
    const out = c.out;
    const key = argv[1]!;
    const s = getStream(c, key, true);
    if (s === undefined) return;
    const g = s === null ? undefined : s.groups.get(argv[2]!);
    if (g === undefined) {
      out.error(err.noKeyOrGroup(key, argv[2]!));
      return;
    }
    const minIdleMs = minIdle(c, argv[4]!);
    if (minIdleMs === null) return;
    const ids: StreamID[] = [];
    let j = 5;
    for (; j < argv.length; j++) {
      const id = parseIdRaw(argv[j]!, false, true);
      if (id === null) break;
      ids.push(id);
    }
    const now = server.clock.now();
    let deliveryTime = -1;
    let retryCount = -1;
    let force = false;
    let justid = false;
    let lastId: StreamID | null = null;
    for (; j < argv.length; j++) {
      const more = argv.length - j - 1;
      const opt = argv[j]!;
      if (is(opt, 'force')) force = true;
      else if (is(opt, 'justid')) justid = true;
      else if (is(opt, 'idle') && more >= 1) {
        const n = int64(c, argv[++j]!, err.xclaimIdle());
        if (n === null) return;
        deliveryTime = now - n;
      } else if (is(opt, 'time') && more >= 1) {
        const n = int64(c, argv[++j]!, err.xclaimTime());
        if (n === null) return;
        deliveryTime = n;
      } else if (is(opt, 'retrycount') && more >= 1) {
        const n = int64(c, argv[++j]!, err.xclaimRetryCount());
        if (n === null) return;
        retryCount = n;
      } else if (is(opt, 'lastid') && more >= 1) {
        lastId = parseId(c, argv[++j]!, false, true);
        if (lastId === null) return;
      } else {
        out.error(err.xclaimOption(opt));
        return;
      }
    }
    if (deliveryTime !== -1) {
      if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
    } else deliveryTime = now;
    const db = c.db;
    let movedLast = false;
    if (lastId !== null && lastId > g.lastId) {
      g.lastId = lastId;
      movedLast = true;
    }
    // The consumer is looked up (created, seen) only when an entry is claimed, as Redis does.
    let claimer: StreamConsumer | null = null;
    const claimant = (): StreamConsumer => {
      if (claimer === null) {
        claimer = consumerOf(server, db, key, g, argv[3]!, now)[0];
        claimer.seenTime = now;
      }
      return claimer;
    };
    const claimed: [StreamID, string[] | null][] = [];
    let propagated = false;
    for (const id of ids) {
      const fields = s!.get(id);
      let e = g.pel.get(id);
      if (fields === undefined) {
        if (e !== undefined) {
          propagateAs(c, xclaimArgv(key, g.name, e, g.lastId));
          removePending(g, e);
          db.stats.dirty++;
          propagated = true;
        }
        continue;
      }
      if (force && e === undefined) {
        const owner = claimant();
        e = { id, consumer: owner, deliveryTime: now, deliveryCount: 0 };
        g.pel.set(id, e);
        owner.pel.set(id, e);
      }
      if (e === undefined) continue;
      if (minIdleMs > 0 && now - e.deliveryTime < minIdleMs) continue;
      const consumer = claimant();
      if (e.consumer !== consumer) {
        e.consumer.pel.delete(id);
        e.consumer = consumer;
        consumer.pel.set(id, e);
      }
      e.deliveryTime = deliveryTime;
      if (retryCount >= 0) e.deliveryCount = retryCount;
      else if (!justid) e.deliveryCount++;
      claimed.push([id, justid ? null : fields]);
      propagateAs(c, xclaimArgv(key, g.name, e, g.lastId));
      propagated = true;
      db.stats.dirty++;
    }
    if (movedLast && !propagated) {
      propagateAs(c, ['XGROUP', 'SETID', key, g.name, idText(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
      db.stats.dirty++;
    }
    if (db.stats.dirty > 0) server.events.modified(db, key);
    out.array(claimed.length);
    for (const [id, f] of claimed) {
      if (f === null) out.bulk(idText(id));
      else replyEntry(c, id, f);
    }
  },

  // XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
  xautoclaim(c, argv, server) {
    const out = c.out;
    const key = argv[1]!;
    const s = getStream(c, key, true);
    if (s === undefined) return;
    const g = s === null ? undefined : s.groups.get(argv[2]!);
    const minIdleMs = minIdle(c, argv[4]!);
    if (minIdleMs === null) return;
    const start = parseBound(c, argv[5]!, false);
    if (start === null) return;
    let count = 100;
    let justid = false;
    for (let j = 6; j < argv.length; j++) {
      const more = argv.length - j - 1;
      if (is(argv[j]!, 'count') && more >= 1) {
        const v = parseBigInt(argv[++j]!);
        if (v === null || v < 1n || v > BigInt(Math.floor(Number.MAX_SAFE_INTEGER / 10))) {
          out.error(err.xautoclaimCount());
          return;
        }
        count = Number(v);
      } else if (is(argv[j]!, 'justid')) justid = true;
      else {
        out.error(err.syntax());
        return;
      }
    }
    if (g === undefined) {
      out.error(err.noKeyOrGroup(key, argv[2]!));
      return;
    }
    const db = c.db;
    const now = server.clock.now();
    // The consumer is looked up (created, seen) only when an entry is claimed, as Redis does.
    let claimer: StreamConsumer | null = null;
    let attempts = count * 10;
    const claimed: [StreamID, string[] | null][] = [];
    const deleted: StreamID[] = [];
    let next: StreamID = MIN_ID;
    const candidates: PendingEntry[] = [];
    g.pel.forEach(start, MAX_ID, (e) => {
      candidates.push(e);
      return candidates.length <= attempts;
    });
    let k = 0;
    let left = count;
    while (attempts > 0 && left > 0 && k < candidates.length) {
      attempts--;
      const e = candidates[k++]!;
      const fields = s!.get(e.id);
      if (fields === undefined) {
        propagateAs(c, xclaimArgv(key, g.name, e, g.lastId));
        removePending(g, e);
        deleted.push(e.id);
        db.stats.dirty++;
        left--;
        continue;
      }
      if (minIdleMs > 0 && now - e.deliveryTime < minIdleMs) continue;
      if (claimer === null) {
        claimer = consumerOf(server, db, key, g, argv[3]!, now)[0];
        claimer.seenTime = now;
      }
      const consumer: StreamConsumer = claimer;
      if (e.consumer !== consumer) {
        e.consumer.pel.delete(e.id);
        e.consumer = consumer;
        consumer.pel.set(e.id, e);
      }
      e.deliveryTime = now;
      if (!justid) e.deliveryCount++;
      claimed.push([e.id, justid ? null : fields]);
      propagateAs(c, xclaimArgv(key, g.name, e, g.lastId));
      db.stats.dirty++;
      left--;
    }
    if (k < candidates.length) next = candidates[k]!.id;
    if (claimed.length > 0 || deleted.length > 0) server.events.modified(db, key);
    out.array(3);
    out.bulk(idText(next));
    out.array(claimed.length);
    for (const [id, f] of claimed) {
      if (f === null) out.bulk(idText(id));
      else replyEntry(c, id, f);
    }
    out.array(deleted.length);
    for (const id of deleted) out.bulk(idText(id));
  },

  // XINFO STREAM key [FULL [COUNT count]]
  'xinfo|stream'(c, argv) {
    let full = false;
    let count = 10;
    if (argv.length > 3) {
      if (!is(argv[3]!, 'full') || (argv.length !== 4 && !(argv.length === 6 && is(argv[4]!, 'count')))) {
        c.out.error(err.syntax());
        return;
      }
      full = true;
      if (argv.length === 6) {
        const n = int64(c, argv[5]!);
        if (n === null) return;
        count = n < 0 ? 10 : n;
      }
    }
    const s = existingStream(c, argv[2]!, false);
    if (s === undefined) return;
    xinfoStream(c, argv[2]!, s, full, count);
  },

  // XINFO GROUPS key
  'xinfo|groups'(c, argv) {
    const s = existingStream(c, argv[2]!, false);
    if (s === undefined) return;
    const out = c.out;
    const gs = s.sortedGroups();
    out.array(gs.length);
    for (const g of gs) {
      out.map(6);
      out.bulk('name');
      out.bulk(g.name);
      out.bulk('consumers');
      out.int(g.consumers.size);
      out.bulk('pending');
      out.int(g.pel.size);
      out.bulk('last-delivered-id');
      out.bulk(idText(g.lastId));
      out.bulk('entries-read');
      replyEntriesRead(c, g);
      out.bulk('lag');
      replyLag(c, s, g);
    }
  },

  // XINFO CONSUMERS key group
  'xinfo|consumers'(c, argv, server) {
    const s = existingStream(c, argv[2]!, false);
    if (s === undefined) return;
    const g = s.groups.get(argv[3]!);
    if (g === undefined) {
      c.out.error(err.xgroupNoGroup(argv[3]!, argv[2]!));
      return;
    }
    const out = c.out;
    const now = server.clock.now();
    const cs = g.sortedConsumers();
    out.array(cs.length);
    for (const cn of cs) {
      out.map(3);
      out.bulk('name');
      out.bulk(cn.name);
      out.bulk('pending');
      out.int(cn.pel.size);
      out.bulk('idle');
      out.int(Math.max(0, now - cn.seenTime));
    }
  },

  'xinfo|help'(c) {
    c.out.simples(XINFO_HELP);
  },
};

/** XRANGE / XREVRANGE. */
function rangeGeneric(c: Client, argv: string[], rev: boolean): void {
  const start = parseBound(c, argv[rev ? 3 : 2]!, false);
  if (start === null) return;
  const end = parseBound(c, argv[rev ? 2 : 3]!, true);
  if (end === null) return;
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (is(argv[j]!, 'count') && j + 1 < argv.length) {
      const n = int64(c, argv[++j]!);
      if (n === null) return;
      count = n < 0 ? 0 : n;
    } else {
      c.out.error(err.syntax());
      return;
    }
  }
  const s = getStream(c, argv[1]!, false);
  if (s === undefined) return;
  if (count === 0) {
    c.out.nullArray();
    return;
  }
  if (s === null) {
    c.out.array(0);
    return;
  }
  replyRange(c, s, start, end, count < 0 ? 0 : count, rev);
}
