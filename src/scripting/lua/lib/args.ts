// Argument checks every library shares: luaL_check* / luaL_opt* with Lua 5.1's wording,
// "bad argument #N to 'f' (...)". args[i] is argument #i+1; an index past args.length is
// "no value", as in 5.1. Numbers and strings coerce as 5.1 does (number.ts).
import { str2number, toInt, toInteger } from '../number.js';
import { LuaError, LuaTable, luaType, numberToString, type LuaValue } from '../value.js';

/** "bad argument #i+1 to 'fname' (msg)". */
export function argError(i: number, fname: string, msg: string): LuaError {
  return new LuaError(`bad argument #${i + 1} to '${fname}' (${msg})`);
}

/** "bad argument ... (expected expected, got <type, or 'no value'>)". */
export function typeError(args: LuaValue[], i: number, fname: string, expected: string): LuaError {
  const got = i >= args.length ? 'no value' : luaType(args[i]);
  return argError(i, fname, `${expected} expected, got ${got}`);
}

/** luaL_checkany: any value, nil included, but present. */
export function checkAny(args: LuaValue[], i: number, fname: string): void {
  if (i >= args.length) throw argError(i, fname, 'value expected');
}

/** luaL_checklstring: a string, or a number converted with %.14g. */
export function checkString(args: LuaValue[], i: number, fname: string): string {
  const v = args[i];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToString(v);
  throw typeError(args, i, fname, 'string');
}

export function optString(args: LuaValue[], i: number, fname: string, def: string): string {
  return args[i] === undefined ? def : checkString(args, i, fname);
}

/** luaL_checknumber: a number, or a string that converts to one. */
export function checkNumber(args: LuaValue[], i: number, fname: string): number {
  const v = args[i];
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = str2number(v);
    if (n !== undefined) return n;
  }
  throw typeError(args, i, fname, 'number');
}

export function optNumber(args: LuaValue[], i: number, fname: string, def: number): number {
  return args[i] === undefined ? def : checkNumber(args, i, fname);
}

/** luaL_checkinteger (ptrdiff_t). */
export function checkInteger(args: LuaValue[], i: number, fname: string): number {
  return toInteger(checkNumber(args, i, fname));
}

export function optInteger(args: LuaValue[], i: number, fname: string, def: number): number {
  return args[i] === undefined ? def : checkInteger(args, i, fname);
}

/** luaL_checkint (int). */
export function checkInt(args: LuaValue[], i: number, fname: string): number {
  return toInt(checkNumber(args, i, fname));
}

export function optInt(args: LuaValue[], i: number, fname: string, def: number): number {
  return args[i] === undefined ? def : checkInt(args, i, fname);
}

export function checkTable(args: LuaValue[], i: number, fname: string): LuaTable {
  const v = args[i];
  if (v instanceof LuaTable) return v;
  throw typeError(args, i, fname, 'table');
}
