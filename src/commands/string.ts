// String commands: GET SET SETNX SETEX PSETEX GETSET GETEX GETDEL MGET MSET MSETNX APPEND STRLEN
// INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SUBSTR SETRANGE LCS, as redis-server 7.0.15 replies.
// Strings are latin1 JS strings in the Db; any other value is the wrong type.
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import { NOTIFY } from '../server/events.js';
import { parseBigInt, parseExpireTime, parseInteger, smallInteger } from './args.js';
import { incrByFloatText } from './ldouble.js';
import type { DataContext, HandlerMap } from './types.js';
import { propagateAs } from '../server/propagate.js';

const WRONGTYPE = err.wrongType();
const NOT_INTEGER = err.notInteger();
const SYNTAX = err.syntax();
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
/** V8's longest string: a longer value cannot be held whatever proto-max-bulk-len allows. */
export const MAX_STRING_LENGTH = 0x1fffffe8;

/**
 * Redis's checkStringLength: false (after replying) when a string would grow past
 * proto-max-bulk-len. Deliberate difference: also refused past V8's string limit (2^29 - 24).
 */
export function checkStringLength(c: Client, server: DataContext, total: number): boolean {
  if (total > server.maxBulkLen || total > MAX_STRING_LENGTH) {
    c.out.error(err.stringTooLong());
    return false;
  }
  return true;
}

// SET / GETEX option flags (Redis's parseExtendedStringArguments).
const NX = 1;
const XX = 2;
const GET = 4;
const KEEPTTL = 8;
const PERSIST = 16;
const EX = 32;
const PX = 64;
const EXAT = 128;
const PXAT = 256;
const ANY_EXPIRE = EX | PX | EXAT | PXAT;
/** The expire argument found by the last parseExtended call. */
let parsedExpire = '';

/** Parses SET (isSet) or GETEX options from argv[from]; returns flags, or -1 on a syntax error. */
function parseExtended(argv: string[], from: number, isSet: boolean): number {
  let flags = 0;
  for (let j = from; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const hasNext = j + 1 < argv.length;
    if (opt === 'nx' && isSet && !(flags & XX)) flags |= NX;
    else if (opt === 'xx' && isSet && !(flags & NX)) flags |= XX;
    else if (opt === 'get' && isSet) flags |= GET;
    else if (opt === 'keepttl' && isSet && !(flags & (PERSIST | ANY_EXPIRE))) flags |= KEEPTTL;
    else if (opt === 'persist' && !isSet && !(flags & (KEEPTTL | ANY_EXPIRE))) flags |= PERSIST;
    else if (opt === 'ex' && hasNext && !(flags & (KEEPTTL | PERSIST | PX | EXAT | PXAT))) {
      flags |= EX;
      parsedExpire = argv[++j]!;
    } else if (opt === 'px' && hasNext && !(flags & (KEEPTTL | PERSIST | EX | EXAT | PXAT))) {
      flags |= PX;
      parsedExpire = argv[++j]!;
    } else if (opt === 'exat' && hasNext && !(flags & (KEEPTTL | PERSIST | EX | PX | PXAT))) {
      flags |= EXAT;
      parsedExpire = argv[++j]!;
    } else if (opt === 'pxat' && hasNext && !(flags & (KEEPTTL | PERSIST | EX | PX | EXAT))) {
      flags |= PXAT;
      parsedExpire = argv[++j]!;
    } else return -1;
  }
  return flags;
}

/** SET's general path (SET with options, SETNX, SETEX, PSETEX). */
function setGeneric(c: Client, server: DataContext, flags: number, key: string, val: string, expire: string | null, seconds: boolean, cmd: string): void {
  let at = 0;
  if (expire !== null) {
    const t = parseExpireTime(c, expire, cmd, server.clock.now(), seconds, (flags & (EX | PX)) !== 0, true);
    if (t === null) return;
    at = t;
  }
  const db = c.db;
  let found: boolean;
  if (flags & GET) {
    const old = db.lookupRead(key);
    if (old === undefined) c.out.nullBulk();
    else if (typeof old === 'string') c.out.bulk(old);
    else {
      c.out.error(WRONGTYPE);
      return;
    }
    found = old !== undefined;
  } else {
    found = db.lookup(key) !== undefined;
  }
  if ((flags & NX && found) || (flags & XX && !found)) {
    if (!(flags & GET)) {
      if (cmd === 'setnx') c.out.int(0);
      else c.out.nullBulk();
    }
    return;
  }
  db.set(key, val, (flags & KEEPTTL) !== 0);
  server.events.written(db, key, NOTIFY.string, 'set');
  if (expire !== null) {
    db.setExpire(key, at);
    server.events.notify(NOTIFY.generic, 'expire', key, db);
    // Propagated with an absolute time, as Redis does (other options dropped; PXAT given too):
    // replay is deterministic.
    propagateAs(c, ['SET', key, val, 'PXAT', String(at)]);
  }
  if (!(flags & GET)) {
    if (cmd === 'setnx') c.out.int(1);
    else c.out.ok();
  }
}

/** INCR/DECR/INCRBY/DECRBY on a key, by a safe integer (by) or, when byBig is set, an int64. */
function incrDecr(c: Client, server: DataContext, key: string, by: number, byBig: bigint | null): void {
  const db = c.db;
  // A counter this made before is its number (Stored in store/db.ts): no digits to parse or print.
  const v = db.lookupCounter(key);
  let cur: number | null = 0;
  if (typeof v === 'number') cur = v;
  else if (v !== undefined) {
    if (typeof v !== 'string') {
      c.out.error(WRONGTYPE);
      return;
    }
    cur = smallInteger(v);
  }
  if (byBig === null && cur !== null) {
    const r = cur + by;
    if (r <= Number.MAX_SAFE_INTEGER && r >= Number.MIN_SAFE_INTEGER) {
      db.set(key, r, true);
      server.events.written(db, key, NOTIFY.string, 'incrby');
      c.out.int(r);
      return;
    }
  }
  // Exact 64-bit path.
  const old = v === undefined ? 0n : typeof v === 'number' ? BigInt(v) : parseBigInt(v as string);
  if (old === null) {
    c.out.error(NOT_INTEGER);
    return;
  }
  const r = old + (byBig ?? BigInt(by));
  if (r > INT64_MAX || r < INT64_MIN) {
    c.out.error(err.overflow());
    return;
  }
  db.set(key, r.toString(), true);
  server.events.written(db, key, NOTIFY.string, 'incrby');
  c.out.int(r);
}

/** Parses an INCRBY/DECRBY increment: a number when small, else a bigint; undefined after an error. */
function parseIncrement(c: Client, s: string): number | bigint | undefined {
  const n = smallInteger(s);
  if (n !== null) return n;
  const b = parseBigInt(s);
  if (b === null) {
    c.out.error(NOT_INTEGER);
    return undefined;
  }
  return b;
}

/** GETRANGE / SUBSTR */
function getrange(c: Client, argv: string[]): void {
  let start = parseInteger(argv[2]!);
  if (start === null) {
    c.out.error(NOT_INTEGER);
    return;
  }
  let end = parseInteger(argv[3]!);
  if (end === null) {
    c.out.error(NOT_INTEGER);
    return;
  }
  const v = c.db.lookupRead(argv[1]!);
  if (v === undefined) {
    c.out.bulk('');
    return;
  }
  if (typeof v !== 'string') {
    c.out.error(WRONGTYPE);
    return;
  }
  const len = v.length;
  if (start < 0 && end < 0 && start > end) {
    c.out.bulk('');
    return;
  }
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) c.out.bulk('');
  else c.out.bulk(v.slice(start, end + 1));
}

/** LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] */
function lcs(c: Client, argv: string[], server: DataContext): void {
  const db = c.db;
  const va = db.lookupRead(argv[1]!);
  const vb = db.lookupRead(argv[2]!);
  if ((va !== undefined && typeof va !== 'string') || (vb !== undefined && typeof vb !== 'string')) {
    c.out.error(err.lcsNotStrings());
    return;
  }
  const a = (va as string | undefined) ?? '';
  const b = (vb as string | undefined) ?? '';
  let getIdx = false;
  let getLen = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    if (opt === 'idx') getIdx = true;
    else if (opt === 'len') getLen = true;
    else if (opt === 'withmatchlen') withMatchLen = true;
    else if (opt === 'minmatchlen' && j + 1 < argv.length) {
      const n = parseInteger(argv[++j]!);
      if (n === null) {
        c.out.error(NOT_INTEGER);
        return;
      }
      minMatchLen = n < 0 ? 0 : n;
    } else {
      c.out.error(SYNTAX);
      return;
    }
  }
  if (getIdx && getLen) {
    c.out.error(err.lcsLenAndIdx());
    return;
  }
  const alen = a.length;
  const blen = b.length;
  const w = blen + 1;
  const cells = (alen + 1) * w;
  // Redis refuses a table (4 bytes a cell) bigger than proto-max-bulk-len.
  if (cells * 4 > server.maxBulkLen) {
    c.out.error(err.lcsTooBig());
    return;
  }
  let table: Uint32Array;
  try {
    table = new Uint32Array(cells);
  } catch {
    c.out.error(err.lcsAllocFailed());
    return;
  }
  // table[i * w + j] = LCS length of a[0..i) and b[0..j)
  for (let i = 1; i <= alen; i++) {
    const ai = a.charCodeAt(i - 1);
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ai === b.charCodeAt(j - 1)) table[row + j] = table[prev + j - 1]! + 1;
      else {
        const up = table[prev + j]!;
        const left = table[row + j - 1]!;
        table[row + j] = up > left ? up : left;
      }
    }
  }
  const total = table[alen * w + blen]!;
  if (getLen && !getIdx) {
    c.out.int(total);
    return;
  }
  // Walk back from the end, collecting the LCS bytes and the matching ranges.
  const chars: number[] = new Array<number>(total);
  const ranges: number[] = []; // aStart, aEnd, bStart, bEnd, len per range
  let idx = total;
  let i = alen;
  let j = blen;
  let aStart = -1;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    const ch = a.charCodeAt(i - 1);
    if (ch === b.charCodeAt(j - 1)) {
      chars[--idx] = ch;
      if (aStart < 0) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      i--;
      j--;
    } else {
      if (table[(i - 1) * w + j]! > table[i * w + j - 1]!) i--;
      else j--;
      if (aStart >= 0) emit = true;
    }
    if (emit) {
      const len = aEnd - aStart + 1;
      if (minMatchLen === 0 || len >= minMatchLen) ranges.push(aStart, aEnd, bStart, bEnd, len);
      aStart = -1;
    }
  }
  const out = c.out;
  if (!getIdx) {
    out.bulk(fromCodes(chars));
    return;
  }
  out.map(2);
  out.bulk('matches');
  const n = ranges.length / 5;
  out.array(n);
  for (let r = 0; r < ranges.length; r += 5) {
    out.array(withMatchLen ? 3 : 2);
    out.array(2);
    out.int(ranges[r]!);
    out.int(ranges[r + 1]!);
    out.array(2);
    out.int(ranges[r + 2]!);
    out.int(ranges[r + 3]!);
    if (withMatchLen) out.int(ranges[r + 4]!);
  }
  out.bulk('len');
  out.int(total);
}

/** A latin1 string from byte values, in chunks (apply has an argument limit). */
function fromCodes(codes: number[]): string {
  let s = '';
  for (let i = 0; i < codes.length; i += 65536) s += String.fromCharCode.apply(null, codes.slice(i, i + 65536));
  return s;
}

export const stringCommands: HandlerMap<DataContext> = {
  // GET key
  get(c, argv) {
    const v = c.db.lookupRead(argv[1]!);
    if (typeof v === 'string') c.out.bulk(v);
    else if (v === undefined) c.out.nullBulk();
    else c.out.error(WRONGTYPE);
  },

  // SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]
  set(c, argv, server) {
    if (argv.length === 3) {
      const db = c.db;
      const key = argv[1]!;
      db.set(key, argv[2]!);
      server.events.written(db, key, NOTIFY.string, 'set');
      c.out.ok();
      return;
    }
    const flags = parseExtended(argv, 3, true);
    if (flags < 0) {
      c.out.error(SYNTAX);
      return;
    }
    const hasExpire = (flags & ANY_EXPIRE) !== 0;
    setGeneric(c, server, flags, argv[1]!, argv[2]!, hasExpire ? parsedExpire : null, (flags & (EX | EXAT)) !== 0, 'set');
  },

  // SETNX key value: 1 when set, 0 when the key exists.
  setnx(c, argv, server) {
    setGeneric(c, server, NX, argv[1]!, argv[2]!, null, false, 'setnx');
  },

  // SETEX key seconds value
  setex(c, argv, server) {
    setGeneric(c, server, EX, argv[1]!, argv[3]!, argv[2]!, true, 'setex');
  },

  // PSETEX key milliseconds value
  psetex(c, argv, server) {
    setGeneric(c, server, PX, argv[1]!, argv[3]!, argv[2]!, false, 'psetex');
  },

  // GETSET key value: the old value; the new value has no TTL.
  getset(c, argv, server) {
    const db = c.db;
    const key = argv[1]!;
    const old = db.lookupRead(key);
    if (old === undefined) c.out.nullBulk();
    else if (typeof old === 'string') c.out.bulk(old);
    else {
      c.out.error(WRONGTYPE);
      return;
    }
    db.set(key, argv[2]!);
    server.events.written(db, key, NOTIFY.string, 'set');
  },

  // GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]
  getex(c, argv, server) {
    const flags = parseExtended(argv, 2, false);
    if (flags < 0) {
      c.out.error(SYNTAX);
      return;
    }
    const db = c.db;
    const key = argv[1]!;
    const v = db.lookupRead(key);
    if (v === undefined) {
      c.out.nullBulk();
      return;
    }
    if (typeof v !== 'string') {
      c.out.error(WRONGTYPE);
      return;
    }
    let at = 0;
    if (flags & ANY_EXPIRE) {
      const t = parseExpireTime(c, parsedExpire, 'getex', server.clock.now(), (flags & (EX | EXAT)) !== 0, (flags & (EX | PX)) !== 0, true);
      if (t === null) return;
      at = t;
    }
    c.out.bulk(v);
    // Propagated as DEL/UNLINK, PEXPIREAT or PERSIST, as Redis does.
    if (flags & (EXAT | PXAT) && server.ks.alreadyExpired(at)) {
      db.delete(key);
      server.events.written(db, key, NOTIFY.generic, 'del');
      propagateAs(c, [server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
    } else if (flags & ANY_EXPIRE) {
      db.setExpire(key, at);
      server.events.written(db, key, NOTIFY.generic, 'expire');
      propagateAs(c, ['PEXPIREAT', key, String(at)]);
    } else if (flags & PERSIST) {
      if (db.persist(key)) {
        server.events.written(db, key, NOTIFY.generic, 'persist');
        propagateAs(c, ['PERSIST', key]);
      }
    }
  },

  // GETDEL key
  getdel(c, argv, server) {
    const db = c.db;
    const key = argv[1]!;
    const v = db.lookupRead(key);
    if (v === undefined) {
      c.out.nullBulk();
      return;
    }
    if (typeof v !== 'string') {
      c.out.error(WRONGTYPE);
      return;
    }
    c.out.bulk(v);
    db.delete(key);
    server.events.written(db, key, NOTIFY.generic, 'del');
    propagateAs(c, ['DEL', key]);
  },

  // MGET key [key ...]: nil for missing keys and non-strings.
  mget(c, argv) {
    const db = c.db;
    const out = c.out;
    out.array(argv.length - 1);
    for (let i = 1; i < argv.length; i++) {
      const v = db.lookupRead(argv[i]!);
      if (typeof v === 'string') out.bulk(v);
      else out.nullBulk();
    }
  },

  // MSET key value [key value ...]
  mset(c, argv, server) {
    if (argv.length % 2 === 0) {
      c.out.error(err.wrongArity('mset'));
      return;
    }
    const db = c.db;
    for (let i = 1; i < argv.length; i += 2) {
      db.set(argv[i]!, argv[i + 1]!);
      server.events.written(db, argv[i]!, NOTIFY.string, 'set');
    }
    c.out.ok();
  },

  // MSETNX key value [key value ...]: all or nothing.
  msetnx(c, argv, server) {
    if (argv.length % 2 === 0) {
      c.out.error(err.wrongArity('msetnx'));
      return;
    }
    const db = c.db;
    for (let i = 1; i < argv.length; i += 2) {
      if (db.lookup(argv[i]!) !== undefined) {
        c.out.int(0);
        return;
      }
    }
    for (let i = 1; i < argv.length; i += 2) {
      db.set(argv[i]!, argv[i + 1]!);
      server.events.written(db, argv[i]!, NOTIFY.string, 'set');
    }
    c.out.int(1);
  },

  // APPEND key value: the new length.
  append(c, argv, server) {
    const db = c.db;
    const key = argv[1]!;
    const add = argv[2]!;
    const v = db.lookup(key);
    let total: number;
    if (v === undefined) {
      db.set(key, add);
      total = add.length;
    } else {
      if (typeof v !== 'string') {
        c.out.error(WRONGTYPE);
        return;
      }
      total = v.length + add.length;
      if (!checkStringLength(c, server, total)) return;
      db.set(key, v + add, true);
    }
    server.events.written(db, key, NOTIFY.string, 'append');
    c.out.int(total);
  },

  // STRLEN key
  strlen(c, argv) {
    const v = c.db.lookupRead(argv[1]!);
    if (v === undefined) c.out.int(0);
    else if (typeof v === 'string') c.out.int(v.length);
    else c.out.error(WRONGTYPE);
  },

  // INCR key
  incr(c, argv, server) {
    incrDecr(c, server, argv[1]!, 1, null);
  },

  // DECR key
  decr(c, argv, server) {
    incrDecr(c, server, argv[1]!, -1, null);
  },

  // INCRBY key increment
  incrby(c, argv, server) {
    const by = parseIncrement(c, argv[2]!);
    if (by === undefined) return;
    if (typeof by === 'number') incrDecr(c, server, argv[1]!, by, null);
    else incrDecr(c, server, argv[1]!, 0, by);
  },

  // DECRBY key decrement
  decrby(c, argv, server) {
    const by = parseIncrement(c, argv[2]!);
    if (by === undefined) return;
    if (typeof by === 'number') incrDecr(c, server, argv[1]!, -by, null);
    else if (by === INT64_MIN) c.out.error(err.decrOverflow());
    else incrDecr(c, server, argv[1]!, 0, -by);
  },

  // INCRBYFLOAT key increment: x87 long double arithmetic, stored and replied as "%.17Lf"
  // without trailing zeros.
  incrbyfloat(c, argv, server) {
    const db = c.db;
    const key = argv[1]!;
    const v = db.lookup(key);
    if (v !== undefined && typeof v !== 'string') {
      c.out.error(WRONGTYPE);
      return;
    }
    const r = incrByFloatText(v ?? '0', argv[2]!);
    if (r === 'value' || r === 'incr') {
      c.out.error(err.notFloat());
      return;
    }
    if (r === 'nan') {
      c.out.error(err.incrNaN());
      return;
    }
    db.set(key, r, true);
    server.events.written(db, key, NOTIFY.string, 'incrbyfloat');
    // The result, not the increment, is propagated: float arithmetic may differ on replay.
    propagateAs(c, ['SET', key, r, 'KEEPTTL']);
    c.out.bulk(r);
  },

  // GETRANGE key start end
  getrange(c, argv) {
    getrange(c, argv);
  },

  // SUBSTR key start end (old name of GETRANGE)
  substr(c, argv) {
    getrange(c, argv);
  },

  // SETRANGE key offset value: the new length.
  setrange(c, argv, server) {
    const offset = parseInteger(argv[2]!);
    if (offset === null) {
      c.out.error(NOT_INTEGER);
      return;
    }
    if (offset < 0) {
      c.out.error(err.offsetOutOfRange());
      return;
    }
    const db = c.db;
    const key = argv[1]!;
    const val = argv[3]!;
    const v = db.lookup(key);
    if (v === undefined) {
      if (val.length === 0) {
        c.out.int(0);
        return;
      }
      if (!checkStringLength(c, server, offset + val.length)) return;
      db.set(key, '\0'.repeat(offset) + val);
      server.events.written(db, key, NOTIFY.string, 'setrange');
      c.out.int(offset + val.length);
      return;
    }
    if (typeof v !== 'string') {
      c.out.error(WRONGTYPE);
      return;
    }
    if (val.length === 0) {
      c.out.int(v.length);
      return;
    }
    if (!checkStringLength(c, server, offset + val.length)) return;
    let next: string;
    if (offset >= v.length) next = v + '\0'.repeat(offset - v.length) + val;
    else next = v.slice(0, offset) + val + v.slice(offset + val.length);
    db.set(key, next, true);
    server.events.written(db, key, NOTIFY.string, 'setrange');
    c.out.int(next.length);
  },

  // LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
  lcs,
};
