// Lua 5.1's math library as Redis 7.0.15 runs it. math.random and math.randomseed are Redis's:
// a POSIX lrand48 generator (48-bit linear congruential, X' = (0x5DEECE66D * X + 0xB) mod 2^48,
// output the top 31 bits). Redis 7.0.15 keeps one generator for the whole process: it starts at
// lrand48's initial state, randomseed(n) sets it, and it is NOT reset between scripts (observed:
// the same EVAL twice gives different numbers, continuing one sequence).
import { LuaError, LuaFunction, LuaTable, type LuaResults, type LuaValue } from '../value.js';
import { argError, checkInt, checkNumber } from './args.js';

const A = 0x5deece66dn;
const C = 0xbn;
const MASK = (1n << 48n) - 1n;
/** lrand48's state before any seeding. */
const INITIAL = 0x1234abcd330en;
/** Redis divides by INT32_MAX. */
const LRAND_MAX = 2147483647;

export class Rand48 {
  private x = INITIAL;

  /** srand48: the high 32 bits of the state are the seed, the low 16 bits 0x330E. */
  seed(v: number): void {
    this.x = (BigInt(v >>> 0) << 16n) | 0x330en;
  }

  /** lrand48: the next value in [0, 2^31). */
  next(): number {
    this.x = (A * this.x + C) & MASK;
    return Number(this.x >> 17n);
  }

  reset(): void {
    this.x = INITIAL;
  }
}

/** The process's generator, shared by every script as in Redis. */
const shared = new Rand48();

/** Back to the state of a freshly started server (lrand48's initial state). */
export function resetRandom(): void {
  shared.reset();
}

const pow2cache = new DataView(new ArrayBuffer(8));
/** 2^e for -1022 <= e <= 1023, exactly. */
function pow2(e: number): number {
  pow2cache.setUint32(0, (e + 1023) << 20);
  pow2cache.setUint32(4, 0);
  return pow2cache.getFloat64(0);
}

/** C's ldexp: x * 2^e with one rounding. */
export function ldexp(x: number, e: number): number {
  if (e > 1023) {
    x *= pow2(1023);
    e -= 1023;
    if (e > 1023) {
      x *= pow2(1023);
      e -= 1023;
      if (e > 1023) e = 1023;
    }
  } else if (e < -1022) {
    // Scale by 2^-969 (2^-1022 * 2^53) so that only the last step can round.
    x *= pow2(-969);
    e += 969;
    if (e < -1022) {
      x *= pow2(-969);
      e += 969;
      if (e < -1022) e = -1022;
    }
  }
  return x * pow2(e);
}

/** C's frexp: m in [0.5, 1) (sign of x) and e with x = m * 2^e; 0, inf and nan give (x, 0). */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let e = 0;
  if (Math.abs(x) < pow2(-1000)) {
    x *= pow2(64);
    e = -64;
  }
  let k = Math.floor(Math.log2(Math.abs(x))) + 1;
  let m = x * (k >= -1022 && k <= 1023 ? pow2(-k) : ldexp(1, -k));
  while (Math.abs(m) >= 1) {
    m /= 2;
    k++;
  }
  while (Math.abs(m) < 0.5) {
    m *= 2;
    k--;
  }
  return [m, e + k];
}

/** C's pow where it differs from Math.pow: 1^y and (-1)^±inf are 1. */
function pow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

const RADIANS_PER_DEGREE = Math.PI / 180;

export function mathLibrary(random: Rand48 = shared): LuaTable {
  const lib = new LuaTable();
  const native = (name: string, fn: (args: LuaValue[]) => LuaResults): void => lib.set(name, LuaFunction.native(name, fn));
  const unary = (name: string, fn: (x: number) => number): void => native(name, (args) => [fn(checkNumber(args, 0, name))]);
  const binary = (name: string, fn: (x: number, y: number) => number): void =>
    native(name, (args) => [fn(checkNumber(args, 0, name), checkNumber(args, 1, name))]);

  unary('abs', Math.abs);
  unary('acos', Math.acos);
  unary('asin', Math.asin);
  unary('atan', Math.atan);
  binary('atan2', Math.atan2);
  unary('ceil', Math.ceil);
  unary('cos', Math.cos);
  unary('cosh', Math.cosh);
  unary('deg', (x) => x / RADIANS_PER_DEGREE);
  unary('exp', Math.exp);
  unary('floor', Math.floor);
  binary('fmod', (x, y) => x % y);
  native('frexp', (args) => frexp(checkNumber(args, 0, 'frexp')));
  lib.set('huge', Infinity);
  native('ldexp', (args) => [ldexp(checkNumber(args, 0, 'ldexp'), checkInt(args, 1, 'ldexp'))]);
  unary('log', Math.log);
  unary('log10', Math.log10);
  for (const [name, greater] of [['max', true], ['min', false]] as const) {
    native(name, (args) => {
      let best = checkNumber(args, 0, name);
      for (let i = 1; i < args.length; i++) {
        const d = checkNumber(args, i, name);
        if (greater ? d > best : d < best) best = d;
      }
      return [best];
    });
  }
  binary('mod', (x, y) => x % y); // 5.1's old name of fmod
  native('modf', (args) => {
    const x = checkNumber(args, 0, 'modf');
    if (Number.isNaN(x)) return [x, x];
    if (!Number.isFinite(x)) return [x, x > 0 ? 0 : -0];
    const ip = Math.trunc(x);
    const fp = x - ip;
    return [ip, fp === 0 ? (x < 0 || Object.is(x, -0) ? -0 : 0) : fp];
  });
  lib.set('pi', Math.PI);
  binary('pow', pow);
  unary('rad', (x) => x * RADIANS_PER_DEGREE);

  native('random', (args) => {
    // The number is drawn before the arguments are checked, as in Redis.
    const r = (random.next() % LRAND_MAX) / LRAND_MAX;
    switch (args.length) {
      case 0:
        return [r];
      case 1: {
        const u = checkInt(args, 0, 'random');
        if (!(1 <= u)) throw argError(0, 'random', 'interval is empty');
        return [Math.floor(r * u) + 1];
      }
      case 2: {
        const l = checkInt(args, 0, 'random');
        const u = checkInt(args, 1, 'random');
        if (!(l <= u)) throw argError(1, 'random', 'interval is empty');
        return [Math.floor(r * ((u - l + 1) | 0)) + l]; // C int arithmetic: wraps at 2^32
      }
      default:
        throw new LuaError('wrong number of arguments');
    }
  });
  native('randomseed', (args) => {
    random.seed(checkInt(args, 0, 'randomseed'));
    return [];
  });

  unary('sin', Math.sin);
  unary('sinh', Math.sinh);
  unary('sqrt', Math.sqrt);
  unary('tan', Math.tan);
  unary('tanh', Math.tanh);
  return lib;
}
