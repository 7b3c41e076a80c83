// Lua values as Redoubt's Lua runtime holds them, and the call protocol (docs/scripting.md).
//   nil: undefined      boolean, number (a double), string (one character per byte): themselves
//   table: LuaTable     function: LuaFunction
// Nothing else is ever a Lua value: no host object can reach a script.

export type LuaValue = undefined | boolean | number | string | LuaTable | LuaFunction | LuaUserdata;

/** A light userdata: only cjson.null is one (Redis's cjson uses NULL). Compared by identity. */
export class LuaUserdata {
  constructor(readonly label: string) {}
}

/** Results of a call: an array (empty for none). Callers must not mutate a returned array. */
export type LuaResults = LuaValue[];

/** What a resumable body yields: undefined to suspend for the time budget, or a coroutine yield. */
export type LuaYield = undefined | CoroutineYield;

export type LuaGenerator = Generator<LuaYield, LuaResults, LuaResults | undefined>;

/** coroutine.yield(...) travels up the generators to the coroutine.resume that runs them. */
export class CoroutineYield {
  constructor(readonly values: LuaResults) {}
}

/**
 * A Lua function. Exactly one of `native` and `body` is set:
 * - `native`: a plain host function that cannot call back into Lua (string.len, math.floor);
 * - `body`: a resumable generator function (compiled Lua code, and natives such as pcall,
 *   table.sort with a comparator or string.gsub with a function, which call Lua code).
 * Call through runtime.call, never directly.
 */
export class LuaFunction {
  constructor(
    /** For messages: "?" for anonymous Lua functions, the library name for natives ("format"). */
    readonly name: string,
    readonly native: ((args: LuaValue[]) => LuaResults) | null,
    readonly body: ((args: LuaValue[]) => LuaGenerator) | null,
  ) {}

  static native(name: string, fn: (args: LuaValue[]) => LuaResults): LuaFunction {
    return new LuaFunction(name, fn, null);
  }

  static resumable(name: string, fn: (args: LuaValue[]) => LuaGenerator): LuaFunction {
    return new LuaFunction(name, null, fn);
  }
}

/**
 * A Lua error in flight: `value` is what error() was given (a string already carrying its
 * "user_script:LINE: " position when Lua added one, or any other value, e.g. a table
 * {err = "..."}). Runtime errors ("attempt to index a nil value") are LuaErrors with a string.
 */
export class LuaError extends Error {
  constructor(
    readonly value: LuaValue,
    /** Set when a script is killed or runs out of memory: pcall must not catch it. */
    readonly uncatchable = false,
  ) {
    super(typeof value === 'string' ? value : 'lua error');
  }
}

/** Lua's type() names. */
export function luaType(v: LuaValue): 'nil' | 'boolean' | 'number' | 'string' | 'table' | 'function' | 'userdata' | 'thread' {
  if (v === undefined) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      // Coroutines (runtime.ts LuaCoroutine) are userdata labelled "thread".
      return v instanceof LuaTable ? 'table' : v instanceof LuaFunction ? 'function' : v.label === 'thread' ? 'thread' : 'userdata';
  }
}

/**
 * A Lua table: an array part for keys 1..n and a hash part for the rest. Keys are never nil or
 * NaN; the number -0 is stored as 0; a float key with an integer value is that integer (Lua 5.1
 * has one number type, so 1 and 1.0 are the same key). The implementation is runtime's choice;
 * this is the interface libraries use.
 */
export class LuaTable {
  /** arr[i] holds key i + 1. Never ends with undefined. */
  arr: LuaValue[] = [];
  hash: Map<Exclude<LuaValue, undefined>, Exclude<LuaValue, undefined>> | null = null;
  metatable: LuaTable | null = null;
  /** Redis marks library tables and _G read-only. */
  readonly = false;

  get(key: LuaValue): LuaValue {
    if (typeof key === 'number') {
      const i = key - 1;
      if (i >= 0 && i < this.arr.length && Number.isInteger(i)) return this.arr[i];
      if (key === 0) key = 0; // -0
    }
    if (this.hash === null || key === undefined) return undefined;
    return this.hash.get(key);
  }

  /** Raw set (no metamethods, no read-only check): callers check those. Throws on a nil or NaN key. */
  set(key: LuaValue, value: LuaValue): void {
    if (typeof key === 'number') {
      if (Number.isNaN(key)) throw new LuaError('table index is NaN');
      const i = key - 1;
      const n = this.arr.length;
      if (Number.isInteger(i) && i >= 0 && i <= n) {
        if (i < n) {
          if (value === undefined && i === n - 1) {
            this.arr.pop();
            while (this.arr.length > 0 && this.arr[this.arr.length - 1] === undefined) this.arr.pop();
          } else {
            this.arr[i] = value;
          }
          return;
        }
        if (value === undefined) {
          this.hash?.delete(key);
          return;
        }
        this.arr.push(value);
        // Move following keys from the hash part into the array part.
        if (this.hash !== null) {
          for (let k = key + 1; this.hash.has(k); k++) {
            this.arr.push(this.hash.get(k));
            this.hash.delete(k);
          }
        }
        return;
      }
      if (key === 0) key = 0; // -0
    } else if (key === undefined) {
      throw new LuaError('table index is nil');
    }
    if (value === undefined) {
      this.hash?.delete(key);
      return;
    }
    (this.hash ??= new Map()).set(key, value);
  }

  /** The length operator without metamethods: a border (5.1's rules for the array part). */
  length(): number {
    const n = this.arr.length;
    if (this.hash === null || !this.hash.has(n + 1)) return n;
    let j = n + 1;
    while (this.hash.has(j + 1)) j++;
    return j;
  }
}

/**
 * A number as Lua 5.1 prints it (C's "%.14g"): 5, 0.3, 1e+15, 1.2345678901234e+14, 1e-05, -0,
 * inf, -inf; NaN prints "-nan" as on x86 Linux (0/0), since JavaScript does not keep NaN's sign.
 */
export function numberToString(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e14) return Object.is(n, -0) ? '-0' : String(n);
  return formatG(n, 14);
}

/** C's "%.<precision>g" for a double (no flags, no width). */
export function formatG(n: number, precision: number): string {
  if (Number.isNaN(n)) return '-nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const sign = n < 0 || Object.is(n, -0) ? '-' : '';
  const p = precision === 0 ? 1 : precision;
  // An integer with at most p digits prints as itself (the common case: redis.call('EXPIRE', k, 60)).
  if (Number.isInteger(n) && Math.abs(n) < 10 ** p && Math.abs(n) < 1e21) return sign + String(Math.abs(n));
  const exp = toExponentialEven(Math.abs(n), p - 1); // "d.ddde+X", rounded to p significant digits
  const e = Number(exp.slice(exp.indexOf('e') + 1));
  if (e < -4 || e >= p) {
    let mant = exp.slice(0, exp.indexOf('e'));
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    return `${sign}${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  // Fixed notation from the same correctly rounded digits: the point goes after digit e + 1.
  const digits = exp.slice(0, exp.indexOf('e')).replace('.', '');
  const fixed = e >= 0 ? `${digits.slice(0, e + 1)}.${digits.slice(e + 1)}` : `0.${'0'.repeat(-e - 1)}${digits}`;
  return sign + fixed.replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * Calls a Lua value with arguments (the __call metamethod of a table included). Use as
 * `yield* call(f, args)` from a resumable body. Errors carry no position: the caller adds it.
 */
export function* call(f: LuaValue, args: LuaValue[]): LuaGenerator {
  if (f instanceof LuaFunction) return f.native !== null ? f.native(args) : yield* f.body!(args);
  const handler = f instanceof LuaTable ? f.metatable?.get('__call') : undefined;
  if (handler !== undefined) return yield* call(handler, [f, ...args]);
  throw new LuaError(`attempt to call a ${luaType(f)} value`);
}

/**
 * Number.prototype.toExponential, except that an exact tie rounds to even as C's printf does
 * (JavaScript rounds it up: 123456789012345 to 14 digits is 1.2345678901234e+14 in C).
 */
function toExponentialEven(n: number, fractionDigits: number): string {
  const quick = n.toExponential(fractionDigits);
  if (fractionDigits >= 99) return quick;
  // The exact decimal expansion, as far as 100 digits show it: a tie is a 5 then only zeros.
  const exact = Math.abs(n).toExponential(100);
  const e = exact.indexOf('e');
  const digits = exact[0]! + exact.slice(2, e);
  const cut = fractionDigits + 1;
  if (digits[cut] !== '5' || !/^0*$/.test(digits.slice(cut + 1))) return quick;
  const last = Number(digits[cut - 1]);
  if (last % 2 === 1) return quick; // rounding up lands on even: JavaScript's answer is C's
  const kept = digits.slice(0, cut);
  const mant = fractionDigits === 0 ? kept : `${kept[0]}.${kept.slice(1)}`;
  return `${n < 0 ? '-' : ''}${mant}${exact.slice(e)}`;
}
