// DEBUG: the subcommands Redis's own tests lean on. The dispatcher refuses DEBUG unless
// enable-debug-command allows it. Subcommands that crash, leak or tune C internals are not offered.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { valueOf, type Db, type Value } from '../store/db.js';
import type { Client } from '../server/client.js';
import { PEAK_RESET_MS, formatDouble } from '../protocol/writer.js';
import { HashValue } from '../store/types/hash.js';
import { ListValue } from '../store/types/list.js';
import { SetValue } from '../store/types/set.js';
import { ZSet } from '../store/types/zset.js';
import { MAX_ID, MIN_ID, StreamValue, idText } from '../store/types/stream.js';
import { err } from '../errors.js';
import { writeValue, zsetListpack } from '../persistence/rdb/object.js';
import { QUICKLIST_PACKED_THRESHOLD, QUICKLIST_PACKED_THRESHOLD_MAX } from '../store/types/list.js';
import { encodeListpack, listpackRepr } from '../persistence/rdb/listpack.js';
import { formatNumber } from '../scripting/lua/lib/string.js';
import { parseMemoryBig } from '../config/config.js';
import { RdbWriter } from '../persistence/rdb/writer.js';
import { stringEncoding } from './keys.js';
import { parseCount, parseInteger } from './args.js';
import { rewriteConfig } from './config.js';
import type { HandlerMap } from './types.js';

const DEBUG_HELP = [
  'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CONFIG-REWRITE-FORCE-ALL',
  '    Like CONFIG REWRITE, but writes every configuration option, defaults included.',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'PAUSE-CRON <0|1>',
  '    Stop (1) or resume (0) the periodic tasks: active expiry, timeouts, eviction, save points.',
  'PROTOCOL <type>',
  '    Reply one value of a RESP type: string, integer, double, bignum, null, array, set, map,',
  '    attrib, push, verbatim, true or false.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'LOADAOF',
  '    Flush the AOF buffers on disk and reload the AOF in memory.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an error.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'SET-DISABLE-DENY-SCRIPTS <0|1>',
  '    1: scripts may call commands flagged noscript (for tests); 0: they are refused again.',
  'REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>',
  '    Sets the time (in milliseconds) to wait between client reply buffer peak resets.',
  '    In case NEVER is provided the last observed peak will never be reset',
  '    In case RESET is provided the peak reset time will be restored to the default value',
  'REPLYBUFFER RESIZING <0|1>',
  '    Enable or disable the reply buffer resize cron job',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'LISTPACK <key>',
  '    Show low level info about the listpack encoding of <key>.',
  'HELP',
  '    Prints this help.',
];

/** Redis 7.0's other DEBUG subcommands: known, but not offered by Redoubt. */
const NOT_OFFERED = new Set([
  'aof-flush-sleep', 'assert', 'change-repl-id', 'crash-and-recover', 'htstats', 'htstats-key',
  'leak', 'replicate', 'mallctl', 'mallctl-str', 'drop-cluster-packet-filter', 'oom', 'panic',
  'restart', 'sdslen', 'segfault', 'set-skip-checksum-validation',
  'stringmatch-test', 'structsize', 'quicklist', 'client-eviction', 'clusterlink',
  'jmap', 'stringmatch-len',
]);

// ---------------------------------------------------------------------------------------------
// Redis's dataset digest: SHA-1 based, order-preserving (mix) for sequences, order-free (xor) for
// unordered collections, so equal datasets give equal digests on Redis and Redoubt.

function sha1(data: Buffer): Buffer {
  return createHash('sha1').update(data).digest();
}

function xorDigest(digest: Buffer, data: Buffer): void {
  const h = sha1(data);
  for (let j = 0; j < 20; j++) digest[j]! ^= h[j]!;
}

function mixDigest(digest: Buffer, data: Buffer): void {
  xorDigest(digest, data);
  sha1(digest).copy(digest);
}

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

const TYPE_CODE: Record<string, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };

/** Mixes one value (and whether it has a TTL) into `digest`, as Redis's xorObjectDigest. */
function objectDigest(db: Db, key: string, v: Value, digest: Buffer): void {
  const type = Buffer.alloc(4);
  type.writeUInt32BE(TYPE_CODE[typeof v === 'string' ? 'string' : v.type] ?? 0);
  mixDigest(digest, type);
  if (typeof v === 'string') mixDigest(digest, bytes(v));
  else if (v instanceof ListValue) for (const e of v.toArray()) mixDigest(digest, bytes(e));
  else if (v instanceof SetValue) for (const m of v.members()) xorDigest(digest, bytes(m));
  else if (v instanceof ZSet) {
    v.tree.forEach((m, s) => {
      const ele = Buffer.alloc(20);
      mixDigest(ele, bytes(m));
      mixDigest(ele, bytes(formatDouble(s)));
      xorDigest(digest, ele);
    });
  } else if (v instanceof HashValue) {
    const p = v.pairs();
    for (let i = 0; i < p.length; i += 2) {
      const ele = Buffer.alloc(20);
      mixDigest(ele, bytes(p[i]!));
      mixDigest(ele, bytes(p[i + 1]!));
      xorDigest(digest, ele);
    }
  } else if (v instanceof StreamValue) {
    // Entries only (groups are not part of it), each as its ID "ms.seq" then its fields and values.
    v.forEach(MIN_ID, MAX_ID, false, (id, fields) => {
      mixDigest(digest, bytes(idText(id).replace('-', '.')));
      for (const f of fields) mixDigest(digest, bytes(f));
    });
  } else throw new Error(`DEBUG DIGEST: no digest for type ${v.type}`);
  if (db.getExpire(key) !== undefined) xorDigest(digest, bytes('!!expire!!'));
}

function hex(d: Buffer): string {
  return d.toString('hex');
}

/** DEBUG PROTOCOL <type>: one reply of each RESP type, as Redis sends them (tests of clients and scripts). */
function debugProtocol(c: Client, type: string): void {
  const out = c.out;
  switch (type) {
    case 'string':
      out.bulk('Hello World');
      return;
    case 'integer':
      out.int(12345);
      return;
    case 'double':
      out.double(3.141);
      return;
    case 'bignum':
      out.bigNumber('1234567999999999999999999999999999999');
      return;
    case 'null':
      out.nullBulk();
      return;
    case 'array':
    case 'set':
      if (type === 'array') out.array(3);
      else out.set(3);
      for (let i = 0; i < 3; i++) out.int(i);
      return;
    case 'map':
      out.map(3);
      for (let i = 0; i < 3; i++) {
        out.int(i);
        out.bool(i === 1);
      }
      return;
    case 'attrib':
      // RESP3 attributes come before the reply they describe; RESP2 clients get the reply alone.
      if (out.resp === 3) {
        out.raw('|1\r\n');
        out.bulk('key-popularity');
        out.array(2);
        out.bulk('key:123');
        out.int(90);
      }
      out.bulk('Some real reply following the attribute');
      return;
    case 'push':
      if (out.resp === 2) {
        out.error(err.resp2NotSupported());
        return;
      }
      out.push(2);
      out.bulk('server-cpu-usage');
      out.int(42);
      out.bulk('Some real reply following the push reply');
      return;
    case 'verbatim':
      out.verbatim('This is a verbatim\nstring');
      return;
    case 'true':
    case 'false':
      out.bool(type === 'true');
      return;
    default:
      out.error(err.debugProtocolType());
  }
}

/**
 * DEBUG OBJECT's quicklist fields, as Redis prints them: nodes, elements per node (%.2f), the
 * list's list-max-listpack-size, whether it compresses (list-compress-depth not 0) and the
 * nodes' uncompressed bytes (a listpack's size, a plain node's element length).
 */
function quicklistFields(v: ListValue): string {
  const nodes = v.nodeCount;
  let size = 0;
  for (const n of v.nodeContents()) {
    size += n.plain ? n.items[0]!.length : encodeListpack(n.items).length;
  }
  // Redis prints the double quotient with %.2f (so 399/200, just below 1.995, gives 1.99).
  const avg = nodes > 0 ? formatNumber(v.length / nodes, 'f', 2) : '0.00';
  return ` ql_nodes:${nodes} ql_avg_node:${avg} ql_listpack_max:${v.listpackMax} ql_compressed:${v.depth !== 0 ? 1 : 0} ql_uncompressed_size:${size}`;
}

export const debugCommands: HandlerMap = {
  // DEBUG <subcommand> ...
  debug(c: Client, argv, server) {
    const sub = argv[1]!.toLowerCase();
    const argc = argv.length;
    if (sub === 'help' && argc === 2) {
      c.out.simples(DEBUG_HELP);
    } else if (sub === 'digest' && argc === 2) {
      // The whole dataset: per db (non-empty), the db number, then key+value digests xored.
      const final = Buffer.alloc(20);
      for (const db of server.ks.dbs) {
        if (db.size === 0) continue;
        const id = Buffer.alloc(4);
        id.writeUInt32BE(db.id);
        mixDigest(final, id);
        for (const [key, v] of db.data.entries()) {
          const d = Buffer.alloc(20);
          mixDigest(d, bytes(key));
          objectDigest(db, key, valueOf(v), d);
          xorDigest(final, d);
        }
      }
      c.out.simple(hex(final));
    } else if (sub === 'digest-value') {
      // Values as stored, logically expired ones included (as Redis: no lookup).
      c.out.array(argc - 2);
      for (let j = 2; j < argc; j++) {
        const d = Buffer.alloc(20);
        const v = c.db.data.get(argv[j]!);
        if (v !== undefined) objectDigest(c.db, argv[j]!, valueOf(v), d);
        c.out.simple(hex(d));
      }
    } else if (sub === 'reload') {
      let flush = true;
      let save = true;
      let merge = false;
      for (let j = 2; j < argc; j++) {
        const opt = argv[j]!.toLowerCase();
        if (opt === 'merge') merge = true;
        else if (opt === 'noflush') flush = false;
        else if (opt === 'nosave') save = false;
        else {
          c.out.error(err.reloadOptions());
          return;
        }
      }
      if (save && server.snapshots.saveSync() !== null) {
        c.out.error('ERR');
        return;
      }
      const e = server.snapshots.reload(flush, merge);
      if (e === null) c.out.ok();
      else c.out.error(err.message(e));
    } else if (sub === 'loadaof') {
      // The AOF on disk replaces the dataset (a failed load changes nothing and is reported).
      try {
        server.aof.reloadFromDisk();
      } catch (e) {
        server.log.warning(`DEBUG LOADAOF: ${(e as Error).message}`);
        c.out.error(err.aofLoad((e as Error).message));
        return;
      }
      server.ks.stats.dirty = 0;
      server.log.warning('Append Only File loaded by DEBUG LOADAOF');
      c.out.ok();
    } else if (sub === 'object' && argc === 3) {
      // Redis's fields; Redoubt has no object addresses or reference counts to show.
      const key = argv[2]!;
      const stored = c.db.data.get(key);
      if (stored === undefined) {
        c.out.error(err.noSuchKey());
        return;
      }
      const v = valueOf(stored);
      const w = new RdbWriter();
      writeValue(w, v, server.snapshots.options());
      const seen = c.db.data.clockOf(key)!;
      const lru = seen & 0xffffff;
      const idle = server.ks.accessMode === 'lru' ? server.ks.idleSeconds(seen) : 0;
      const encoding = typeof v === 'string' ? stringEncoding(v) : v.encoding();
      const extra = v instanceof ListValue ? quicklistFields(v) : '';
      c.out.simple(`Value at:0x0 refcount:1 encoding:${encoding} serializedlength:${w.length} lru:${lru} lru_seconds_idle:${idle}${extra}`);
    } else if (sub === 'listpack' && argc === 3) {
      // The listpack of a small hash or sorted set, printed where the log goes (stdout unless
      // logfile is set; Redis prints to stdout whatever logfile says). Lists are quicklists in 7.0.
      const v = c.db.data.get(argv[2]!);
      if (v === undefined) {
        c.out.error(err.noSuchKey());
        return;
      }
      let lp: Buffer | null = null;
      if (v instanceof HashValue && v.listpack) lp = encodeListpack(v.pairs());
      else if (v instanceof ZSet && v.listpack) lp = zsetListpack(v);
      if (lp === null) {
        c.out.error(err.notListpack());
        return;
      }
      server.log.raw(listpackRepr(lp));
      c.out.simple('Listpack structure printed on stdout');
    } else if (sub === 'sleep' && argc === 3) {
      // Stops the whole server, as Redis's nanosleep does.
      const ms = Math.max(0, Math.floor(parseFloat(argv[2]!) * 1000) || 0);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      c.out.ok();
    } else if (sub === 'quicklist-packed-threshold' && argc === 3) {
      // A size as config memory values are written; 0 restores the default. Decides which list
      // elements DUMP (and DEBUG OBJECT's serializedlength) write as plain quicklist nodes.
      const sz = parseMemoryBig(argv[2]!);
      if (sz === null || sz > BigInt(QUICKLIST_PACKED_THRESHOLD_MAX)) {
        c.out.error(err.memoryValueRange());
        return;
      }
      server.ks.limits.listPackedThreshold = sz === 0n ? QUICKLIST_PACKED_THRESHOLD : Number(sz);
      c.out.ok();
    } else if (sub === 'protocol' && argc === 3) {
      debugProtocol(c, argv[2]!.toLowerCase());
    } else if (sub === 'set-disable-deny-scripts' && argc === 3) {
      server.dispatcher.denyScriptsDisabled = parseInt(argv[2]!, 10) !== 0;
      c.out.ok();
    } else if (sub === 'pause-cron' && argc === 3) {
      // A testing aid: the periodic tasks (active expiry, timeouts, eviction, tracking-table
      // trimming, save points...) stop until DEBUG PAUSE-CRON 0.
      server.cronPaused = parseInt(argv[2]!, 10) !== 0;
      c.out.ok();
    } else if (sub === 'set-active-expire' && argc === 3) {
      server.activeExpireEnabled = parseInt(argv[2]!, 10) !== 0;
      c.out.ok();
    } else if (sub === 'replybuffer' && argc === 4 && argv[2]!.toLowerCase() === 'resizing') {
      // DEBUG REPLYBUFFER RESIZING 0|1: whether the client cron resizes reply buffers (and gives
      // spill buffers back); protocol/writer.ts, ReplyWriter.resize.
      server.replyBufferResizing = parseInt(argv[3]!, 10) !== 0;
      c.out.ok();
    } else if (sub === 'replybuffer' && argc === 4 && argv[2]!.toLowerCase() === 'peak-reset-time') {
      // DEBUG REPLYBUFFER PEAK-RESET-TIME NEVER|RESET|ms: how often a reply buffer's peak starts
      // again (a negative time: never, as NEVER).
      const v = argv[3]!.toLowerCase();
      let ms: number | null = v === 'never' ? -1 : v === 'reset' ? PEAK_RESET_MS : parseInteger(argv[3]!);
      if (ms === null) {
        c.out.error(err.notInteger());
        return;
      }
      if (ms < 0) ms = -1;
      server.replyBufferPeakResetMs = ms;
      c.out.ok();
    } else if (sub === 'populate' && argc >= 3 && argc <= 5) {
      // DEBUG POPULATE count [prefix] [size]: keys prefix:0..count-1 (prefix "key") holding
      // "value:N", zero-padded or cut to `size` bytes when given; existing keys are left alone.
      // As Redis: no keyspace event, not counted as changes, not propagated; WATCH sees them.
      const count = parseCount(c, argv[2]!, 0, err.mustBePositive());
      if (count === null) return;
      const size = argc === 5 ? parseCount(c, argv[4]!, 0, err.mustBePositive()) : 0;
      if (size === null) return;
      const prefix = argc === 3 ? 'key' : argv[3]!;
      const db = c.db;
      for (let j = 0; j < count; j++) {
        // Redis formats the key in a 128-byte buffer: at most 127 bytes.
        const key = `${prefix}:${j}`.slice(0, 127);
        if (db.lookup(key) !== undefined) continue;
        const text = `value:${j}`;
        const val = size === 0 ? text : size <= text.length ? text.slice(0, size) : text + '\0'.repeat(size - text.length);
        db.set(key, val);
        server.events.modified(db, key);
      }
      c.out.ok();
    } else if (sub === 'log' && argc === 3) {
      server.log.warning(`DEBUG LOG: ${argv[2]!}`);
      c.out.ok();
    } else if (sub === 'error' && argc === 3) {
      // The text is the whole error line, as Redis sends it.
      c.out.error(argv[2]!);
    } else if (sub === 'config-rewrite-force-all' && argc === 2) {
      // CONFIG REWRITE writing every directive, defaults included.
      const failure = server.configFile === null ? err.noConfigFile().slice(4) : rewriteConfig(c, server, true);
      if (failure === null) c.out.ok();
      else c.out.error(err.configRewriteForceAll(failure));
    } else if (NOT_OFFERED.has(sub)) {
      c.out.error(err.notImplemented(`DEBUG ${sub.toUpperCase()}`));
    } else {
      c.out.error(err.subcommandSyntax(argv[1]!, 'debug'));
    }
  },
};
