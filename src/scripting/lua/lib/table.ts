// Lua 5.1's table library as Redis 7.0.15 runs it: concat, foreach, foreachi, getn, insert, maxn,
// remove, setn, sort. Element access is raw (no metamethods), as 5.1's rawgeti/rawseti; writes to a
// table Redis marks read-only fail as Redis's Lua does.
import { LuaError, LuaFunction, LuaTable, call, luaType, numberToString, type LuaGenerator, type LuaResults, type LuaValue, type LuaYield } from '../value.js';
import { checkInt, checkTable, optInt, optString, typeError } from './args.js';

/** Strings longer than this cannot be built (V8's limit). */
const MAX_STRING = 0x1fffffe8;

function rawset(t: LuaTable, k: number, v: LuaValue): void {
  if (t.readonly) throw new LuaError('Attempt to modify a readonly table');
  t.set(k, v);
}

function orderError(a: LuaValue, b: LuaValue): LuaError {
  const ta = luaType(a);
  const tb = luaType(b);
  return new LuaError(ta === tb ? `attempt to compare two ${ta} values` : `attempt to compare ${ta} with ${tb}`);
}

/**
 * Lua's a < b: numbers, strings (byte order), else a shared __lt metamethod of two tables;
 * anything else is "attempt to compare ...".
 */
export function* lessThan(a: LuaValue, b: LuaValue): Generator<LuaYield, boolean, LuaResults | undefined> {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  if (typeof a === 'string' && typeof b === 'string') return a < b;
  if (a instanceof LuaTable && b instanceof LuaTable) {
    const tm = a.metatable?.get('__lt');
    if (tm !== undefined && tm === b.metatable?.get('__lt')) {
      const r = (yield* call(tm, [a, b]))[0];
      return r !== undefined && r !== false;
    }
  }
  throw orderError(a, b);
}

function* sort(args: LuaValue[]): LuaGenerator {
  const t = checkTable(args, 0, 'sort');
  const n = t.length();
  const f = args[1];
  if (f !== undefined && !(f instanceof LuaFunction)) throw typeError(args, 1, 'sort', 'function');

  function* lt(a: LuaValue, b: LuaValue): Generator<LuaYield, boolean, LuaResults | undefined> {
    if (f !== undefined) {
      const r = (yield* call(f, [a, b]))[0];
      return r !== undefined && r !== false;
    }
    if (typeof a === 'number' && typeof b === 'number') return a < b;
    if (typeof a === 'string' && typeof b === 'string') return a < b;
    return yield* lessThan(a, b);
  }
  const swap = (i: number, j: number): void => {
    const vi = t.get(i);
    const vj = t.get(j);
    rawset(t, i, vj);
    rawset(t, j, vi);
  };
  const invalid = (): LuaError => new LuaError('invalid order function for sorting');

  // Quicksort with a median of three, partitioning around a[u-1], looping on the larger part:
  // the element order (ties included), the comparisons made and when an inconsistent comparator is
  // detected are those of Lua 5.1.
  function* sortRange(l: number, u: number): Generator<LuaYield, void, LuaResults | undefined> {
    while (l < u) {
      if (yield* lt(t.get(u), t.get(l))) swap(l, u);
      if (u - l === 1) return;
      let i = Math.floor((l + u) / 2);
      if (yield* lt(t.get(i), t.get(l))) swap(i, l);
      else if (yield* lt(t.get(u), t.get(i))) swap(i, u);
      if (u - l === 2) return;
      const pivot = t.get(i);
      swap(i, u - 1);
      i = l;
      let j = u - 1;
      for (;;) {
        while (yield* lt(t.get(++i), pivot)) if (i > u) throw invalid();
        while (yield* lt(pivot, t.get(--j))) if (j < l) throw invalid();
        if (j < i) break;
        swap(i, j);
      }
      swap(u - 1, i);
      // Sort the smaller side by recursion, the larger one by looping.
      if (i - l < u - i) {
        yield* sortRange(l, i - 1);
        l = i + 1;
      } else {
        yield* sortRange(i + 1, u);
        u = i - 1;
      }
    }
  }
  yield* sortRange(1, n);
  return [];
}

/** Calls f on (key, value) of every entry until it returns something other than nil. */
function* foreach(args: LuaValue[]): LuaGenerator {
  const t = checkTable(args, 0, 'foreach');
  const f = args[1];
  if (!(f instanceof LuaFunction)) throw typeError(args, 1, 'foreach', 'function');
  for (let i = 0; i < t.arr.length; i++) {
    const v = t.arr[i];
    if (v === undefined) continue;
    const r = (yield* call(f, [i + 1, v]))[0];
    if (r !== undefined) return [r];
  }
  if (t.hash !== null) {
    for (const [k, v] of t.hash) {
      const r = (yield* call(f, [k, v]))[0];
      if (r !== undefined) return [r];
    }
  }
  return [];
}

function* foreachi(args: LuaValue[]): LuaGenerator {
  const t = checkTable(args, 0, 'foreachi');
  const f = args[1];
  if (!(f instanceof LuaFunction)) throw typeError(args, 1, 'foreachi', 'function');
  const n = t.length();
  for (let i = 1; i <= n; i++) {
    const r = (yield* call(f, [i, t.get(i)]))[0];
    if (r !== undefined) return [r];
  }
  return [];
}

export function tableLibrary(): LuaTable {
  const lib = new LuaTable();
  const native = (name: string, fn: (args: LuaValue[]) => LuaResults): void => lib.set(name, LuaFunction.native(name, fn));

  native('concat', (args) => {
    const t = checkTable(args, 0, 'concat');
    const sep = optString(args, 1, 'concat', '');
    let i = optInt(args, 2, 'concat', 1);
    const last = args[3] === undefined ? t.length() : checkInt(args, 3, 'concat');
    const parts: string[] = [];
    let size = 0;
    for (; i <= last; i++) {
      const v = t.get(i);
      let s: string;
      if (typeof v === 'string') s = v;
      else if (typeof v === 'number') s = numberToString(v);
      else throw new LuaError(`invalid value (${luaType(v)}) at index ${i} in table for 'concat'`);
      parts.push(s);
      size += s.length + sep.length;
      if (size > MAX_STRING) throw new LuaError('not enough memory');
    }
    return [parts.join(sep)];
  });

  lib.set('foreach', LuaFunction.resumable('foreach', foreach));
  lib.set('foreachi', LuaFunction.resumable('foreachi', foreachi));

  native('getn', (args) => [checkTable(args, 0, 'getn').length()]);

  native('insert', (args) => {
    const t = checkTable(args, 0, 'insert');
    let e = t.length() + 1; // first empty slot
    let pos: number;
    if (args.length === 2) {
      pos = e;
    } else if (args.length === 3) {
      pos = checkInt(args, 1, 'insert');
      if (pos > e) e = pos; // grow
      for (let i = e; i > pos; i--) rawset(t, i, t.get(i - 1));
    } else {
      throw new LuaError("wrong number of arguments to 'insert'");
    }
    rawset(t, pos, args[args.length - 1]);
    return [];
  });

  native('maxn', (args) => {
    const t = checkTable(args, 0, 'maxn');
    let max = t.arr.length > 0 ? t.arr.length : 0;
    if (t.hash !== null) for (const k of t.hash.keys()) if (typeof k === 'number' && k > max) max = k;
    // arr never ends with nil, but may hold nils before its end: its length is still a key.
    return [max];
  });

  native('remove', (args) => {
    const t = checkTable(args, 0, 'remove');
    const e = t.length();
    let pos = optInt(args, 1, 'remove', e);
    if (!(1 <= pos && pos <= e)) return [];
    const v = t.get(pos);
    for (; pos < e; pos++) rawset(t, pos, t.get(pos + 1));
    rawset(t, e, undefined);
    return [v];
  });

  native('setn', (args) => {
    checkTable(args, 0, 'setn');
    throw new LuaError("'setn' is obsolete");
  });

  lib.set('sort', LuaFunction.resumable('sort', sort));
  return lib;
}
