// Conversions between Redis replies and Lua values, as Redis 7.0 makes them.
//
// Redis -> Lua (what redis.call returns): a command's reply is read back from the bytes its
// handler wrote (RESP2, or RESP3 after redis.setresp(3)), as Redis reads its script client's
// reply buffer. Lua -> Redis (what a script returns): written to the caller's reply writer.
import { Buffer } from 'node:buffer';
import { err } from '../errors.js';
import type { ReplyWriter } from '../protocol/writer.js';
import type { Latin1Buffer } from '../latin1.js';
import { LuaError, LuaTable, LuaUserdata, type LuaValue } from './lua/value.js';

const CR = 13;

/**
 * Error tables made from a failed redis.call / redis.pcall: INFO errorstats counted that error
 * when it happened, so a script returning or raising it does not count it again (as Redis).
 */
export const countedErrors = new WeakSet<LuaTable>();

/** Reads one reply from `buf` at `pos`; returns the Lua value and the position after it. */
export class ReplyReader {
  pos = 0;
  constructor(
    private readonly buf: Latin1Buffer,
    /** The script's protocol (redis.setresp): RESP3 types become their Lua forms. */
    private readonly resp3: boolean,
  ) {}

  private line(): string {
    const start = this.pos;
    const buf = this.buf;
    let i = start;
    while (buf[i] !== CR) i++;
    this.pos = i + 2;
    return buf.latin1Slice(start + 1, i);
  }

  /**
   * The number on the line at pos (an integer reply, a length), moving past it; read from the
   * bytes when it has at most 15 digits (exact), else as Number does from its text.
   */
  private count(): number {
    const buf = this.buf;
    let i = this.pos + 1;
    const neg = buf[i] === 0x2d;
    if (neg) i++;
    let n = 0;
    const first = i;
    for (let c = buf[i]!; c !== CR; c = buf[++i]!) n = n * 10 + (c - 0x30);
    if (i - first > 15) return Number(this.line());
    this.pos = i + 2;
    return neg ? -n : n;
  }

  /** A status or error line as {ok = ...} / {err = ...}. */
  private field(name: string, text: string): LuaTable {
    const t = new LuaTable();
    t.set(name, text);
    return t;
  }

  read(): LuaValue {
    const type = this.buf[this.pos]!;
    if (type === 0x3a) return this.count(); // : integer
    if (type === 0x24) {
      // $ bulk
      const n = this.count();
      if (n < 0) return this.resp3 ? undefined : false;
      const s = this.buf.latin1Slice(this.pos, this.pos + n);
      this.pos += n + 2;
      return s;
    }
    const text = this.line();
    switch (type) {
      case 0x2b: // + status
        return this.field('ok', text);
      case 0x2d: {
        // - error (counted when the command replied it)
        const t = this.field('err', text);
        countedErrors.add(t);
        return t;
      }
      case 0x2a: // * array
      case 0x3e: {
        // > push (never seen by scripts in practice; read as an array)
        const n = Number(text);
        if (n < 0) return this.resp3 ? undefined : false;
        const t = new LuaTable();
        for (let i = 1; i <= n; i++) {
          const v = this.read();
          // A nil (RESP3 null) inside an array is kept as a hole, as Redis does.
          if (v !== undefined) t.set(i, v);
        }
        return t;
      }
      case 0x25: {
        // % map: {map = {k = v, ...}}
        const n = Number(text);
        const m = new LuaTable();
        for (let i = 0; i < n; i++) {
          const k = this.read();
          const v = this.read();
          if (k !== undefined) m.set(k, v);
        }
        return this.wrap('map', m);
      }
      case 0x7e: {
        // ~ set: {set = {member = true, ...}}
        const n = Number(text);
        const m = new LuaTable();
        for (let i = 0; i < n; i++) {
          const k = this.read();
          if (k !== undefined) m.set(k, true);
        }
        return this.wrap('set', m);
      }
      case 0x5f: // _ null
        return undefined;
      case 0x7c: {
        // | attribute: read and dropped; the reply it describes follows
        const n = Number(text);
        for (let i = 0; i < 2 * n; i++) this.read();
        return this.read();
      }
      case 0x23: // # boolean
        return text === 't';
      case 0x2c: {
        // , double: {double = n}
        const t = new LuaTable();
        t.set('double', parseDouble(text));
        return t;
      }
      case 0x28: // ( big number: {big_number = "..."}
        return this.field('big_number', text);
      case 0x3d: {
        // = verbatim: {verbatim_string = {format = "txt", string = "..."}}
        const n = Number(text);
        const s = this.buf.toString('latin1', this.pos, this.pos + n);
        this.pos += n + 2;
        const v = new LuaTable();
        v.set('format', s.slice(0, 3));
        v.set('string', s.slice(4));
        return this.wrap('verbatim_string', v);
      }
      default:
        throw new Error(`unexpected reply type ${String.fromCharCode(type)}`);
    }
  }

  private wrap(name: string, inner: LuaTable): LuaTable {
    const t = new LuaTable();
    t.set(name, inner);
    return t;
  }
}

function parseDouble(text: string): number {
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  if (text === 'nan') return NaN;
  return Number(text);
}

/** A Redis reply (the bytes a handler wrote) as the Lua value redis.call returns. */
export function replyToLua(buf: Buffer, resp3: boolean): LuaValue {
  return new ReplyReader(buf as Latin1Buffer, resp3).read();
}

/**
 * Writes what a script returned as the reply to its caller, as Redis converts it: numbers
 * truncate to integers; strings are bulks; true is 1 and false a null (RESP2) or booleans
 * (RESP3); a table with `err` is an error, with `ok` a status, RESP3's `map`, `set`, `double`,
 * `big_number` and `verbatim_string` their types; any other table an array up to its first nil.
 */
export function luaToReply(out: ReplyWriter, v: LuaValue, luaResp: 2 | 3 = 2, depth = 0): void {
  switch (typeof v) {
    case 'undefined':
      out.nullBulk();
      return;
    case 'number':
      out.int(truncate(v));
      return;
    case 'string':
      out.bulk(v);
      return;
    case 'boolean':
      // The script's protocol decides (redis.setresp): RESP2 Lua has true as 1 and false as null;
      // RESP3 Lua has booleans (1 / 0 to a RESP2 caller).
      if (luaResp === 3) out.bool(v);
      else if (v) out.int(1);
      else out.nullBulk();
      return;
    default:
      break;
  }
  if (!(v instanceof LuaTable)) {
    out.nullBulk();
    return;
  }
  // Redis stops descending at this depth (a self-referencing table would recurse forever).
  if (depth > LUA_REPLY_MAX_DEPTH) {
    out.error(err.luaStackLimit());
    return;
  }
  const error = v.get('err');
  if (typeof error === 'string') {
    out.error(error, countedErrors.has(v));
    return;
  }
  const ok = v.get('ok');
  if (typeof ok === 'string') {
    out.simple(ok.replace(/[\r\n]/g, ' '));
    return;
  }
  const dbl = v.get('double');
  if (typeof dbl === 'number') {
    out.double(dbl);
    return;
  }
  const big = v.get('big_number');
  if (typeof big === 'string') {
    out.bigNumber(big.replace(/[\r\n]/g, ' '));
    return;
  }
  const map = v.get('map');
  if (map instanceof LuaTable) {
    const entries = pairsOf(map);
    out.map(entries.length);
    for (const [k, val] of entries) {
      luaToReply(out, k, luaResp, depth + 1);
      luaToReply(out, val, luaResp, depth + 1);
    }
    return;
  }
  const set = v.get('set');
  if (set instanceof LuaTable) {
    const entries = pairsOf(set);
    out.set(entries.length);
    for (const [k] of entries) luaToReply(out, k, luaResp, depth + 1);
    return;
  }
  const verb = v.get('verbatim_string');
  if (verb instanceof LuaTable) {
    const format = verb.get('format');
    const s = verb.get('string');
    if (typeof format === 'string' && typeof s === 'string') {
      out.verbatim(s, format);
      return;
    }
  }
  let n = 0;
  while (v.get(n + 1) !== undefined) n++;
  out.array(n);
  for (let i = 1; i <= n; i++) luaToReply(out, v.get(i), luaResp, depth + 1);
}

/** How deep a returned table may nest (Redis: its Lua stack limit). */
const LUA_REPLY_MAX_DEPTH = 1000;

/** C's (long long) cast of a double on x86-64: out of range (and NaN) is LLONG_MIN. */
function truncate(n: number): number | bigint {
  if (!(n > -9223372036854775808 && n < 9223372036854775808)) return -9223372036854775808n;
  const t = Math.trunc(n) || 0;
  return Number.isSafeInteger(t) ? t : BigInt(t);
}

/** A table's key/value pairs in traversal order (array part, then hash part). */
function pairsOf(t: LuaTable): [LuaValue, LuaValue][] {
  const out: [LuaValue, LuaValue][] = [];
  for (let i = 0; i < t.arr.length; i++) if (t.arr[i] !== undefined) out.push([i + 1, t.arr[i]]);
  if (t.hash !== null) for (const [k, val] of t.hash) out.push([k, val]);
  return out;
}

/** cjson.null and other light userdata reach a reply as null. */
export function isUserdata(v: LuaValue): v is LuaUserdata {
  return v instanceof LuaUserdata;
}

/** A Lua array of strings (KEYS and ARGV; a function's keys and arguments). */
export function stringArray(items: readonly string[], from = 0, to = items.length): LuaTable {
  const t = new LuaTable();
  // Copied at its size (no spare capacity); an empty one keeps the table's own empty array.
  if (to > from) t.arr = items.slice(from, to);
  return t;
}

/** {err = msg}: how a Redis error is a Lua value (redis.pcall's result, redis.error_reply's). */
export function errorTable(msg: string): LuaTable {
  const t = new LuaTable();
  t.set('err', msg);
  return t;
}

/**
 * An error the bridge raises as Redis raises its own: an error table, so it carries no
 * "user_script:N:" position and reaches the reply as "<msg> script: ...".
 */
export function raisedError(msg: string): LuaError {
  return new LuaError(errorTable(msg));
}
