// Lua 5.1's base library as Redis 7.0.15 runs it (assert, error, pcall, xpcall, select, type,
// next, pairs, ipairs, raw*, metatables, unpack, tostring, tonumber, loadstring/load,
// collectgarbage, gcinfo, _VERSION) and the coroutine library on the generator protocol of
// value.ts. Argument errors carry no position: the catcher adds the caller's (runtime.ts).

import { compile } from '../compile.js';
import { parse } from '../parser.js';
import { str2number } from '../number.js';
import * as R from '../runtime.js';
import {
  call,
  CoroutineYield,
  LuaError,
  LuaFunction,
  LuaTable,
  type LuaGenerator,
  type LuaResults,
  type LuaYield,
  type LuaValue,
} from '../value.js';
import { argError, checkAny, checkInt, checkString, checkTable, optInt, typeError } from './args.js';

const { EMPTY, state, lines, typeName } = R;

const truthy = (v: LuaValue): boolean => v !== undefined && v !== false;

// ---- tostring ----

/** tostring(v) with __tostring. */
export function* toStringMeta(v: LuaValue): Generator<LuaYield, LuaValue, LuaResults | undefined> {
  const mt = R.getMetatable(v);
  const h = mt?.get('__tostring');
  if (h !== undefined) return (yield* call(h, [v]))[0];
  return R.rawToString(v);
}

// ---- next ----

interface Cursor {
  it: Iterator<[Exclude<LuaValue, undefined>, Exclude<LuaValue, undefined>]>;
  map: Map<Exclude<LuaValue, undefined>, Exclude<LuaValue, undefined>>;
  last: LuaValue;
}
const cursors = new WeakMap<LuaTable, Cursor>();

function hashFrom(t: LuaTable, cursor: Cursor): LuaResults {
  for (;;) {
    const r = cursor.it.next();
    if (r.done === true) {
      cursors.delete(t);
      return [undefined];
    }
    const [k, v] = r.value;
    // A key moved to the array part meanwhile has been visited there.
    if (typeof k === 'number' && k >= 1 && k <= t.arr.length && Number.isInteger(k)) continue;
    cursor.last = k;
    return [k, v];
  }
}

/**
 * next(t, k): the array part 1..n, then the hash part in insertion order. Setting visited fields to
 * nil during a traversal is allowed (a Map iterator survives deletions); a key the cursor is not on
 * is found by a scan.
 */
export function next(t: LuaTable, k: LuaValue): LuaResults {
  const arr = t.arr;
  let i = 0;
  if (k !== undefined) {
    if (typeof k === 'number' && Number.isInteger(k) && k >= 1 && k <= arr.length) i = k;
    else i = -1;
  }
  if (i >= 0) {
    for (; i < arr.length; i++) {
      const v = arr[i];
      if (v !== undefined) return [i + 1, v];
    }
    const map = t.hash;
    if (map === null || map.size === 0) return [undefined];
    const cursor: Cursor = { it: map.entries(), map, last: undefined };
    cursors.set(t, cursor);
    return hashFrom(t, cursor);
  }
  const map = t.hash;
  let cursor = cursors.get(t);
  if (cursor !== undefined && cursor.map === map && cursor.last === k) return hashFrom(t, cursor);
  if (map === null || !map.has(k as Exclude<LuaValue, undefined>)) {
    // A number key with a float spelling of an integer is the same key.
    throw new LuaError("invalid key to 'next'");
  }
  const it = map.entries();
  for (;;) {
    const r = it.next();
    if (r.done === true) throw new LuaError("invalid key to 'next'");
    if (r.value[0] === k) break;
  }
  cursor = { it, map, last: k };
  cursors.set(t, cursor);
  return hashFrom(t, cursor);
}

// ---- tonumber ----

function toNumberBase(s: string, base: number): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9a-zA-Z]*)[ \t\n\v\f\r]*$/.exec(s.split('\0')[0]!);
  if (m === null) return undefined;
  let digits = m[2]!;
  if (base === 16 && /^0[xX]/.test(digits)) digits = digits.slice(2);
  if (digits === '') return undefined;
  let v = 0;
  for (const ch of digits.toLowerCase()) {
    const d = parseInt(ch, 36);
    if (d >= base) return undefined;
    v = v * base + d;
  }
  // ULONG_MAX (2^64 - 1) is 2^64 as a double; strtoul negates in unsigned arithmetic.
  if (v > 2 ** 64) v = 2 ** 64;
  if (m[1] === '-' && v !== 0) v = 2 ** 64 - v;
  return v;
}

// ---- loading chunks ----

const IDSIZE = 60;

/**
 * Lua 5.1's short chunk id for messages: "=name" as is, "@file", else [string "first line..."].
 * The name is a C string there, so it ends at a NUL (loadstring(string.dump(f)) names its chunk
 * [string "\27LuaQ"]).
 */
export function chunkId(chunkname: string): string {
  const nul = chunkname.indexOf('\0');
  const source = nul < 0 ? chunkname : chunkname.slice(0, nul);
  if (source.startsWith('=')) return source.slice(1, IDSIZE);
  if (source.startsWith('@')) {
    const name = source.slice(1);
    const room = IDSIZE - 1;
    return name.length <= room ? name : '...' + name.slice(name.length - (room - 3));
  }
  const nl = source.search(/[\n\r]/);
  let len = nl < 0 ? source.length : nl;
  const room = IDSIZE - 16;
  if (len > room) len = room;
  return len < source.length ? `[string "${source.slice(0, len)}..."]` : `[string "${source}"]`;
}

function loadText(text: string, chunkname: string, env: LuaTable): LuaResults {
  const name = chunkId(chunkname);
  if (text.startsWith('\x1b')) return [undefined, `${name}:1: unexpected symbol near 'char(27)'`];
  try {
    return [compile(parse(text, name), env, { name: '?' })];
  } catch (e) {
    if (e instanceof LuaError && !e.uncatchable) return [undefined, e.value];
    if (e instanceof RangeError) return [undefined, `${name}: chunk has too many syntax levels`];
    throw e;
  }
}

// ---- coroutines ----

function checkCo(args: LuaValue[], fname: string): R.LuaCoroutine {
  const co = args[0];
  if (!(co instanceof R.LuaCoroutine)) throw argError(0, fname, 'coroutine expected');
  return co;
}

/** Runs a coroutine until it yields, returns or fails: [true, values...] or [false, error]. */
function* resume(co: R.LuaCoroutine, args: LuaValue[]): LuaGenerator {
  if (co.status === 'dead') return [false, 'cannot resume dead coroutine'];
  if (co.status !== 'suspended') return [false, 'cannot resume non-suspended coroutine'];
  const prev = R.coroutines.current;
  const base = state.d;
  let send: LuaResults | undefined;
  if (co.gen === null) co.gen = call(co.fn, args);
  else send = args;
  for (let i = 0; i < co.savedLines.length; i++) {
    lines[base + 1 + i] = co.savedLines[i]!;
    R.srcs[base + 1 + i] = co.savedSrcs[i]!;
  }
  state.d = base + co.savedLines.length;
  const boundaries = R.coroutines.boundaries;
  R.coroutines.boundaries = 0;
  if (prev !== null) prev.status = 'normal';
  co.status = 'running';
  R.coroutines.current = co;
  try {
    for (;;) {
      const r = co.gen.next(send);
      send = undefined;
      if (r.done === true) {
        co.status = 'dead';
        return [true, ...r.value];
      }
      if (r.value instanceof CoroutineYield) {
        co.status = 'suspended';
        co.savedLines = Array.from(lines.subarray(base + 1, state.d + 1));
        co.savedSrcs = R.srcs.slice(base + 1, state.d + 1);
        return [true, ...r.value.values];
      }
      // A budget suspension: the driver resumes the whole stack later.
      R.coroutines.current = prev;
      const inner = R.coroutines.boundaries;
      R.coroutines.boundaries = boundaries;
      yield undefined;
      R.coroutines.boundaries = inner;
      R.coroutines.current = co;
    }
  } catch (e) {
    const err = R.toLuaError(e);
    co.status = 'dead';
    if (err.uncatchable) throw err;
    return [false, err.value];
  } finally {
    state.d = base;
    R.coroutines.boundaries = boundaries;
    R.coroutines.current = prev;
    if (prev !== null) prev.status = 'running';
  }
}

export function coroutineLibrary(): LuaTable {
  const lib = new LuaTable();
  const fn = (name: string, f: (args: LuaValue[]) => LuaResults): void => lib.set(name, LuaFunction.native(name, f));
  const gen = (name: string, f: (args: LuaValue[]) => LuaGenerator): void => lib.set(name, LuaFunction.resumable(name, f));
  fn('create', (args) => {
    if (!(args[0] instanceof R.LuaClosure)) throw argError(0, 'create', 'Lua function expected');
    return [new R.LuaCoroutine(args[0])];
  });
  gen('resume', (args) => resume(checkCo(args, 'resume'), args.slice(1)));
  fn('running', () => [R.coroutines.current ?? undefined]);
  fn('status', (args) => [checkCo(args, 'status').status]);
  fn('wrap', (args) => {
    if (!(args[0] instanceof R.LuaClosure)) throw argError(0, 'wrap', 'Lua function expected');
    const co = new R.LuaCoroutine(args[0]);
    return [
      LuaFunction.resumable('?', function* (a) {
        const r = yield* resume(co, a);
        if (r[0] === true) return r.slice(1);
        throw R.locatedError(r[1]);
      }),
    ];
  });
  gen('yield', function* (args) {
    if (R.coroutines.current === null || R.coroutines.boundaries > 0) throw new LuaError('attempt to yield across metamethod/C-call boundary');
    const r = yield new CoroutineYield(args);
    return r ?? EMPTY;
  });
  return lib;
}

// ---- the base library ----

/** pcall's and xpcall's protected call: [true, results...] or [false, error value]. */
function* protectedCall(f: LuaValue, args: LuaValue[]): Generator<LuaYield, { ok: boolean; values: LuaResults }, LuaResults | undefined> {
  const base = state.d;
  // pcall is a host frame: error(msg, 2) from the function it calls gets no position.
  if (++state.d > R.MAX_DEPTH) {
    state.d = base;
    throw new LuaError('stack overflow');
  }
  lines[state.d] = 0;
  // 5.1 cannot yield across a pcall.
  R.coroutines.boundaries++;
  try {
    const r = yield* call(f, args);
    state.d = base;
    return { ok: true, values: r };
  } catch (e) {
    const err = R.toLuaError(e);
    state.d = base;
    if (err.uncatchable) throw err;
    return { ok: false, values: [err.value] };
  } finally {
    R.coroutines.boundaries--;
  }
}

/** Installs the base library and the coroutine table into a globals table. */
export function openBase(env: LuaTable): void {
  const fn = (name: string, f: (args: LuaValue[]) => LuaResults): void => env.set(name, LuaFunction.native(name, f));
  const gen = (name: string, f: (args: LuaValue[]) => LuaGenerator): void => env.set(name, LuaFunction.resumable(name, f));

  env.set('_G', env);
  env.set('_VERSION', 'Lua 5.1');

  fn('assert', (args) => {
    if (truthy(args[0])) return args;
    if (args.length === 0) throw argError(0, 'assert', 'value expected');
    throw new LuaError(args[1] === undefined ? 'assertion failed!' : checkString(args, 1, 'assert'));
  });

  fn('error', (args) => {
    const v = args[0];
    const level = optInt(args, 1, 'error', 1);
    if ((typeof v === 'string' || typeof v === 'number') && level > 0) {
      throw R.locatedError(R.where(state.d - (level - 1)) + R.rawToString(v));
    }
    throw R.locatedError(v);
  });

  gen('pcall', function* (args) {
    checkAny(args, 0, 'pcall');
    const r = yield* protectedCall(args[0], args.slice(1));
    return [r.ok, ...r.values];
  });

  gen('xpcall', function* (args) {
    checkAny(args, 1, 'xpcall');
    const r = yield* protectedCall(args[0], EMPTY as LuaValue[]);
    if (r.ok) return [true, ...r.values];
    const h = yield* protectedCall(args[1], r.values as LuaValue[]);
    return [false, h.values[0]];
  });

  fn('select', (args) => {
    const n = args[0];
    if (n === '#') return [args.length - 1];
    let i = checkInt(args, 0, 'select');
    if (i < 0) i = args.length + i;
    else if (i > args.length) i = args.length;
    if (i < 1) throw argError(0, 'select', 'index out of range');
    return args.slice(i);
  });

  fn('type', (args) => {
    checkAny(args, 0, 'type');
    return [typeName(args[0])];
  });

  const nextFn = LuaFunction.native('next', (args) => next(checkTable(args, 0, 'next'), args[1]));
  env.set('next', nextFn);
  fn('pairs', (args) => [nextFn, checkTable(args, 0, 'pairs'), undefined]);
  const ipairsIter = LuaFunction.native('ipairs_iter', (args) => {
    const t = args[0] as LuaTable;
    const i = (args[1] as number) + 1;
    const v = t.get(i);
    return v === undefined ? EMPTY : [i, v];
  });
  fn('ipairs', (args) => [ipairsIter, checkTable(args, 0, 'ipairs'), 0]);

  fn('rawget', (args) => [checkTable(args, 0, 'rawget').get(args[1])]);
  fn('rawset', (args) => {
    const t = checkTable(args, 0, 'rawset');
    checkAny(args, 1, 'rawset');
    checkAny(args, 2, 'rawset');
    if (t.readonly) throw R.locatedError('Attempt to modify a readonly table');
    t.set(args[1], args[2]);
    return [t];
  });
  fn('rawequal', (args) => {
    checkAny(args, 0, 'rawequal');
    checkAny(args, 1, 'rawequal');
    return [args[0] === args[1]];
  });

  fn('setmetatable', (args) => {
    const t = checkTable(args, 0, 'setmetatable');
    const mt = args[1];
    if (mt !== undefined && !(mt instanceof LuaTable)) throw argError(1, 'setmetatable', 'nil or table expected');
    if (t.metatable?.get('__metatable') !== undefined) throw new LuaError('cannot change a protected metatable');
    if (t.readonly) throw R.locatedError('Attempt to modify a readonly table');
    t.metatable = mt ?? null;
    return [t];
  });
  fn('getmetatable', (args) => {
    checkAny(args, 0, 'getmetatable');
    const mt = R.getMetatable(args[0]);
    if (mt === null) return [undefined];
    const protectedValue = mt.get('__metatable');
    return [protectedValue !== undefined ? protectedValue : mt];
  });

  fn('unpack', (args) => {
    const t = checkTable(args, 0, 'unpack');
    const i = optInt(args, 1, 'unpack', 1);
    const j = args[2] === undefined ? t.length() : checkInt(args, 2, 'unpack');
    if (i > j) return EMPTY;
    const n = j - i + 1;
    if (n >= 8000 || !Number.isFinite(n)) throw new LuaError('too many results to unpack');
    const out = new Array<LuaValue>(n);
    for (let k = 0; k < n; k++) out[k] = t.get(i + k);
    return out;
  });

  gen('tostring', function* (args) {
    checkAny(args, 0, 'tostring');
    return [yield* toStringMeta(args[0])];
  });

  fn('tonumber', (args) => {
    const base = optInt(args, 1, 'tonumber', 10);
    const v = args[0];
    if (base === 10) {
      checkAny(args, 0, 'tonumber');
      return [typeof v === 'string' ? str2number(v) : typeof v === 'number' ? v : undefined];
    }
    const s = checkString(args, 0, 'tonumber');
    if (base < 2 || base > 36) throw argError(1, 'tonumber', 'base out of range');
    return [toNumberBase(s, base)];
  });

  fn('loadstring', (args) => {
    const s = checkString(args, 0, 'loadstring');
    const name = args[1] === undefined ? s : checkString(args, 1, 'loadstring');
    return loadText(s, name, env);
  });

  gen('load', function* (args) {
    const f = args[0];
    if (!(f instanceof LuaFunction)) throw typeError(args, 0, 'load', 'function'); // 5.1: a reader function only
    const name = args[1] === undefined ? '=(load)' : checkString(args, 1, 'load');
    let text = '';
    for (;;) {
      const piece = (yield* call(f, []))[0];
      if (piece === undefined || piece === '') break;
      if (typeof piece !== 'string') return [undefined, 'reader function must return a string'];
      text += piece;
    }
    return loadText(text, name, env);
  });

  fn('collectgarbage', (args) => {
    const opt = args[0] === undefined ? 'collect' : checkString(args, 0, 'collectgarbage');
    switch (opt) {
      case 'count':
        return [process.memoryUsage().heapUsed / 1024];
      case 'collect':
      case 'stop':
      case 'restart':
      case 'setpause':
      case 'setstepmul':
        return [0];
      case 'step':
        return [false];
      default:
        throw argError(0, 'collectgarbage', `invalid option '${opt}'`);
    }
  });
  fn('gcinfo', () => [Math.floor(process.memoryUsage().heapUsed / 1024)]);

  env.set('coroutine', coroutineLibrary());
}
