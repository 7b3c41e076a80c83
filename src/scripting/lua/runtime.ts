// What compiled Lua code calls on its slow paths (docs/scripting.md): indexing with __index /
// __newindex, arithmetic with string coercion and metamethods, comparison, equality, concat,
// length, calls of non-functions, error positions, the budget check and the call-line stack.
// The fast paths (number arithmetic, plain LuaTable get/set, LuaFunction calls) are inlined by
// compile.ts; every helper here is what they fall back to.

import {
  call,
  CoroutineYield,
  LuaError,
  LuaFunction,
  LuaTable,
  LuaUserdata,
  luaType,
  numberToString,
  type LuaGenerator,
  type LuaYield,
  type LuaResults,
  type LuaValue,
} from './value.js';
import { str2number } from './number.js';

/** The shared empty result list (frozen: callers must not mutate results). */
export const EMPTY: LuaResults = Object.freeze([]) as unknown as LuaResults;

/** Lua call depth past which a call fails with "stack overflow" (Lua 5.1 allows ~20000 frames). */
export const MAX_DEPTH = 16000;

/**
 * The running script's state, read by generated code: `d` is the Lua call depth (each Lua function
 * frame, and each resumable native that calls Lua such as pcall, is one level), `n` the budget
 * counter decremented at every function entry and loop back-edge.
 */
export const state = { d: 0, n: 1 << 30 };

/** The running script's memory cap (script-max-memory): no single string may be longer. */
export const limits = { memory: Infinity };

/** lines[d]: the line the frame at depth d is executing a call on (0: a host frame, no position). */
export const lines = new Int32Array(MAX_DEPTH + 8);
/** srcs[d]: the chunk name of the Lua function at depth d. */
export const srcs: string[] = new Array<string>(MAX_DEPTH + 8).fill('?');

/** A coroutine ("thread" to type()). */
export class LuaCoroutine extends LuaUserdata {
  status: 'suspended' | 'running' | 'normal' | 'dead' = 'suspended';
  gen: LuaGenerator | null = null;
  /** Saved frames (lines and chunk names) while the coroutine is not running. */
  savedLines: number[] = [];
  savedSrcs: string[] = [];
  constructor(readonly fn: LuaValue) {
    super('thread');
  }
}

/** The coroutine running now, or null for the main script. */
export const coroutines = {
  current: null as LuaCoroutine | null,
  /** How many pcalls / metamethod calls the running coroutine is inside: 5.1 cannot yield across them. */
  boundaries: 0,
};

/** A function compiled from Lua source (coroutine.create takes only these). */
export class LuaClosure extends LuaFunction {}

/** type() of a value (luaType, with coroutines as "thread"). */
export function typeName(v: LuaValue): string {
  return v instanceof LuaCoroutine ? 'thread' : luaType(v);
}

// ---- errors and positions ----

const located = new WeakSet<LuaError>();

/** An error whose message already has its position (or must never get one). */
export function locatedError(value: LuaValue): LuaError {
  const e = new LuaError(value);
  located.add(e);
  return e;
}

/** "chunk:line: " for the frame at depth d, or "" when that frame is not Lua code. */
export function where(d: number): string {
  if (d <= 0 || d >= lines.length) return '';
  const line = lines[d]!;
  return line > 0 ? `${srcs[d]}:${line}: ` : '';
}

/** A runtime error raised by the Lua code at the current depth, on `line`. */
export function rtError(line: number, msg: string): LuaError {
  return locatedError(`${srcs[state.d]}:${line}: ${msg}`);
}

function described(v: LuaValue, desc: string | null): string {
  return desc !== null ? `${desc} (a ${typeName(v)} value)` : `a ${typeName(v)} value`;
}

/**
 * What a catcher (pcall, coroutine.resume, the driver) gets from a thrown error: LuaErrors as they
 * are, an error a native threw without a position gets the position of the Lua code that called
 * it, a JavaScript stack overflow becomes Lua's "stack overflow". Anything else is rethrown (a
 * bug, not a Lua error). Uncatchable errors are returned too: the caller decides.
 */
export function toLuaError(e: unknown): LuaError {
  if (e instanceof LuaError) {
    if (located.has(e) || e.uncatchable || typeof e.value !== 'string') return e;
    const pos = where(state.d);
    // A native called straight from a host frame (pcall(string.rep)) has no name in 5.1's message.
    return locatedError(pos === '' ? e.value.replace(/^(bad argument #\d+ to )'[^']*'/, "$1'?'") : pos + e.value);
  }
  if (e instanceof RangeError && /string length/i.test(e.message)) {
    // A string past what the host can hold: Lua's allocation failure.
    return locatedError(where(state.d) + 'not enough memory');
  }
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    let d = Math.min(state.d, lines.length - 1);
    while (d > 0 && lines[d]! <= 0) d--;
    return locatedError(where(d) + 'stack overflow');
  }
  throw e;
}

// ---- budget and driver ----

export type BudgetAction = 'continue' | 'suspend' | 'kill';

export interface RunOptions {
  /** Asked every `quantum` budget steps: go on, suspend (the run's step() returns), or kill. */
  onBudget?: () => BudgetAction;
  /** Budget steps (function entries and loop iterations) between two onBudget calls. */
  quantum?: number;
  /** The error value of a killed script. */
  killMessage?: string;
}

let currentRun: LuaRun | null = null;

/** The budget check's slow path (generated code: `if (--G.n < 0) yield* TICK()`). */
export function* tick(line = 0): Generator<undefined, void, unknown> {
  // A loop's budget check: the frame is on the loop's line (a kill reports it).
  if (line > 0) lines[state.d] = line;
  const run = currentRun;
  if (run === null) {
    state.n = 1 << 30;
    return;
  }
  let action: BudgetAction = run.killed ? 'kill' : (run.opts.onBudget?.() ?? 'continue');
  if (action === 'suspend') {
    yield undefined;
    if (run.killed) action = 'kill';
  }
  if (action === 'kill') {
    run.killed = true;
    throw new LuaError(run.killMessage, true);
  }
  state.n = run.quantum;
}

/** Function entry's slow path: the depth limit, then the budget. */
export function* enter(): Generator<undefined, void, unknown> {
  if (state.d > MAX_DEPTH) {
    state.d--;
    throw locatedError(where(state.d) + 'stack overflow');
  }
  if (state.n < 0) yield* tick();
}

/**
 * Runs a Lua function as a script. step() runs it until it finishes (returns its results) or the
 * budget asks it to suspend (returns undefined: call step() again later, e.g. on the next turn of
 * the event loop). Errors are thrown as LuaErrors (positions added). kill() makes the next budget
 * check (or the next step()) throw an uncatchable LuaError.
 */
export class LuaRun {
  readonly quantum: number;
  killed = false;
  finished = false;
  /** The line the innermost Lua frame was on when the script raised its error (0: unknown). */
  errorLine = 0;
  /** What a kill raises (SCRIPT KILL, or the driver's reason: the memory cap). */
  killMessage: string;
  private readonly gen: LuaGenerator;
  private depth = 0;
  private boundaries = 0;
  /** The frames' lines and chunk names while suspended (null: never suspended). */
  private savedLines: number[] | null = null;
  private savedSrcs: string[] | null = null;

  constructor(
    fn: LuaValue,
    args: LuaValue[],
    readonly opts: RunOptions = {},
  ) {
    this.quantum = opts.quantum ?? 100_000;
    this.killMessage = opts.killMessage ?? 'Script killed by user with SCRIPT KILL...';
    // A Lua function's own generator when it has one (no wrapper generator around it).
    this.gen = fn instanceof LuaFunction && fn.body !== null ? fn.body(args) : call(fn, args);
  }

  kill(): void {
    this.killed = true;
  }

  step(): LuaResults | undefined {
    if (this.finished) throw new Error('LuaRun.step after the script finished');
    const prevRun = currentRun;
    const prevD = state.d;
    const prevN = state.n;
    const prevCo = coroutines.current;
    const prevBoundaries = coroutines.boundaries;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the run the budget check reports to
    currentRun = this;
    coroutines.current = null;
    coroutines.boundaries = this.boundaries;
    state.d = this.depth;
    state.n = this.killed ? -1 : this.quantum;
    const savedLines = this.savedLines;
    const savedSrcs = this.savedSrcs;
    if (savedLines !== null && savedSrcs !== null) {
      for (let i = 0; i < savedLines.length; i++) {
        lines[i + 1] = savedLines[i]!;
        srcs[i + 1] = savedSrcs[i]!;
      }
    }
    lines[0] = 0;
    try {
      const r = this.gen.next();
      if (!r.done) {
        if (r.value instanceof CoroutineYield) {
          throw locatedError('attempt to yield across metamethod/C-call boundary');
        }
        this.depth = state.d;
        this.boundaries = coroutines.boundaries;
        this.savedLines = Array.from(lines.subarray(1, state.d + 1));
        this.savedSrcs = srcs.slice(1, state.d + 1);
        return undefined;
      }
      this.finished = true;
      return r.value;
    } catch (e) {
      this.finished = true;
      let d = Math.min(state.d, lines.length - 1);
      while (d > 0 && lines[d]! <= 0) d--;
      this.errorLine = d > 0 ? lines[d]! : 0;
      throw toLuaError(e);
    } finally {
      currentRun = prevRun;
      coroutines.current = prevCo;
      coroutines.boundaries = prevBoundaries;
      state.d = prevD;
      state.n = prevN;
    }
  }
}

/** Runs a Lua function to completion (suspensions resume at once). */
export function runScript(fn: LuaValue, args: LuaValue[], opts: RunOptions = {}): LuaResults {
  const run = new LuaRun(fn, args, opts);
  for (;;) {
    const r = run.step();
    if (r !== undefined) return r;
  }
}

// ---- numbers and strings ----

/** A value as a number for arithmetic (numbers, and strings that convert), or undefined. */
export function toNumber(v: LuaValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return str2number(v);
  return undefined;
}

let addressSeq = 0;
const addresses = new WeakMap<object, string>();

/** A stable fake address for tostring ("0x55d0c0a01230"). */
export function addressOf(v: object): string {
  let a = addresses.get(v);
  if (a === undefined) {
    addressSeq++;
    a = '0x' + (0x55d0c0a00000 + addressSeq * 0x40).toString(16);
    addresses.set(v, a);
  }
  return a;
}

/** tostring without __tostring. */
export function rawToString(v: LuaValue): string {
  if (v === undefined) return 'nil';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return `${typeName(v)}: ${addressOf(v)}`;
}

// ---- metatables ----

let stringMeta: LuaTable | null = null;

/** Installs the metatable shared by all strings (its __index is the string library). */
export function setStringMetatable(mt: LuaTable | null): void {
  stringMeta = mt;
}

export function getMetatable(v: LuaValue): LuaTable | null {
  if (v instanceof LuaTable) return v.metatable;
  if (typeof v === 'string') return stringMeta;
  return null;
}

function metaOf(v: LuaValue, event: string): LuaValue {
  const mt = getMetatable(v);
  return mt === null ? undefined : mt.get(event);
}

/** Calls a metamethod from runtime code running on `line` of the current Lua frame. */
function* callMeta(h: LuaValue, args: LuaValue[], line: number): LuaGenerator {
  if (line > 0 && state.d > 0) lines[state.d] = line;
  coroutines.boundaries++;
  try {
    return yield* call(h, args);
  } finally {
    coroutines.boundaries--;
  }
}

// ---- indexing ----

/** v[k] with __index (generated code inlines the raw-table case). */
export function* index(o: LuaValue, k: LuaValue, line: number, desc: string | null): Generator<LuaYield, LuaValue, LuaResults | undefined> {
  for (let loop = 0; loop < 100; loop++) {
    let h: LuaValue;
    if (o instanceof LuaTable) {
      const v = o.get(k);
      if (v !== undefined) return v;
      const mt = o.metatable;
      if (mt === null) return undefined;
      h = mt.get('__index');
      if (h === undefined) return undefined;
    } else {
      h = metaOf(o, '__index');
      if (h === undefined) throw rtError(line, `attempt to index ${described(o, loop === 0 ? desc : null)}`);
    }
    if (h instanceof LuaFunction) return (yield* callMeta(h, [o, k], line))[0];
    o = h;
  }
  throw rtError(line, 'loop in gettable');
}

/** o[k] = v with __newindex and Redis's read-only tables. */
export function* setIndex(o: LuaValue, k: LuaValue, v: LuaValue, line: number, desc: string | null): Generator<LuaYield, void, LuaResults | undefined> {
  for (let loop = 0; loop < 100; loop++) {
    let h: LuaValue;
    if (o instanceof LuaTable) {
      if (o.readonly) throw rtError(line, 'Attempt to modify a readonly table');
      const mt = o.metatable;
      h = mt === null || o.get(k) !== undefined ? undefined : mt.get('__newindex');
      if (h === undefined) {
        rawSetChecked(o, k, v, line);
        return;
      }
    } else {
      h = metaOf(o, '__newindex');
      if (h === undefined) throw rtError(line, `attempt to index ${described(o, loop === 0 ? desc : null)}`);
    }
    if (h instanceof LuaFunction) {
      yield* callMeta(h, [o, k, v], line);
      return;
    }
    o = h;
  }
  throw rtError(line, 'loop in settable');
}

/** A raw set whose nil / NaN key errors carry the position of `line`. */
export function rawSetChecked(t: LuaTable, k: LuaValue, v: LuaValue, line: number): void {
  if (k === undefined) throw rtError(line, 'table index is nil');
  if (typeof k === 'number' && Number.isNaN(k)) throw rtError(line, 'table index is NaN');
  t.set(k, v);
}

/** A table constructor's positional items (trailing nils dropped; holes kept as Lua does). */
export function tableArray(t: LuaTable, items: LuaValue[]): LuaTable {
  let n = items.length;
  while (n > 0 && items[n - 1] === undefined) n--;
  if (n === 0) return t;
  if (n !== items.length) items = items.slice(0, n);
  if (t.hash !== null) {
    for (let i = 1; i <= n; i++) t.hash.delete(i);
    const arr = items;
    for (let k = n + 1; t.hash.has(k); k++) {
      arr.push(t.hash.get(k));
      t.hash.delete(k);
    }
    t.arr = arr;
  } else {
    t.arr = items;
  }
  return t;
}

/** Appends the values of a multi-value expression to an argument list. */
export function append(list: LuaValue[], more: LuaResults): LuaValue[] {
  for (let i = 0; i < more.length; i++) list.push(more[i]);
  return list;
}

// ---- calls ----

/** Calls a value that is not a LuaFunction (the __call metamethod), or raises the call error. */
export function* callSlow(f: LuaValue, args: LuaValue[], line: number, desc: string | null): LuaGenerator {
  if (f instanceof LuaFunction) return yield* call(f, args);
  const h = metaOf(f, '__call');
  if (h === undefined) throw rtError(line, `attempt to call ${described(f, desc)}`);
  return yield* callMeta(h, [f, ...args], line);
}

// ---- arithmetic ----

const ARITH_EVENTS: Record<string, string> = {
  '+': '__add',
  '-': '__sub',
  '*': '__mul',
  '/': '__div',
  '%': '__mod',
  '^': '__pow',
  unm: '__unm',
};

/** C's pow for the cases where JavaScript's ** differs (1^x is 1, (-1)^±inf is 1). */
export function pow(a: number, b: number): number {
  if (a === 1 || (a === -1 && !Number.isFinite(b) && !Number.isNaN(b))) return 1;
  return a ** b;
}

export function arithNumbers(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a - Math.floor(a / b) * b;
    case '^':
      return pow(a, b);
    default:
      return -a;
  }
}

/** Arithmetic on values that are not both numbers: string coercion, then metamethods. */
export function* arith(
  op: string,
  a: LuaValue,
  b: LuaValue,
  line: number,
  descA: string | null,
  descB: string | null,
): Generator<LuaYield, LuaValue, LuaResults | undefined> {
  const x = toNumber(a);
  const y = toNumber(b);
  if (x !== undefined && y !== undefined) return arithNumbers(op, x, y);
  const event = ARITH_EVENTS[op]!;
  let h = metaOf(a, event);
  if (h === undefined) h = metaOf(b, event);
  if (h !== undefined) return (yield* callMeta(h, [a, b], line))[0];
  const [bad, desc] = x === undefined ? [a, descA] : [b, descB];
  throw rtError(line, `attempt to perform arithmetic on ${described(bad, desc)}`);
}

// ---- concatenation ----

export function* concat(a: LuaValue, b: LuaValue, line: number, descA: string | null, descB: string | null): Generator<LuaYield, LuaValue, LuaResults | undefined> {
  const sa = typeof a === 'string' || typeof a === 'number';
  const sb = typeof b === 'string' || typeof b === 'number';
  if (sa && sb) {
    return (typeof a === 'number' ? numberToString(a) : a) + (typeof b === 'number' ? numberToString(b) : b);
  }
  let h = metaOf(a, '__concat');
  if (h === undefined) h = metaOf(b, '__concat');
  if (h !== undefined) return (yield* callMeta(h, [a, b], line))[0];
  const [bad, desc] = sa ? [b, descB] : [a, descA];
  throw rtError(line, `attempt to concatenate ${described(bad, desc)}`);
}

// ---- length ----

export function len(v: LuaValue, line: number, desc: string | null): number {
  if (typeof v === 'string') return v.length;
  if (v instanceof LuaTable) return v.length();
  throw rtError(line, `attempt to get length of ${described(v, desc)}`);
}

// ---- comparison ----

function compareError(a: LuaValue, b: LuaValue, line: number): LuaError {
  const ta = typeName(a);
  const tb = typeName(b);
  return rtError(line, ta === tb ? `attempt to compare two ${ta} values` : `attempt to compare ${ta} with ${tb}`);
}

/** The __lt / __le handler both operands share (5.1: same type and the same metamethod). */
function compareHandler(a: LuaValue, b: LuaValue, event: string): LuaValue {
  if (typeName(a) !== typeName(b)) return undefined;
  const h1 = metaOf(a, event);
  if (h1 === undefined) return undefined;
  const h2 = metaOf(b, event);
  return h1 === h2 ? h1 : undefined;
}

function truthy(v: LuaValue): boolean {
  return v !== undefined && v !== false;
}

export function* lt(a: LuaValue, b: LuaValue, line: number): Generator<LuaYield, boolean, LuaResults | undefined> {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  if (typeof a === 'string' && typeof b === 'string') return a < b;
  const h = compareHandler(a, b, '__lt');
  if (h !== undefined) return truthy((yield* callMeta(h, [a, b], line))[0]);
  throw compareError(a, b, line);
}

export function* le(a: LuaValue, b: LuaValue, line: number): Generator<LuaYield, boolean, LuaResults | undefined> {
  if (typeof a === 'number' && typeof b === 'number') return a <= b;
  if (typeof a === 'string' && typeof b === 'string') return a <= b;
  let h = compareHandler(a, b, '__le');
  if (h !== undefined) return truthy((yield* callMeta(h, [a, b], line))[0]);
  h = compareHandler(a, b, '__lt');
  if (h !== undefined) return !truthy((yield* callMeta(h, [b, a], line))[0]);
  throw compareError(a, b, line);
}

/** a == b for two distinct tables that both have metatables (__eq). */
export function* eq(a: LuaTable, b: LuaTable, line: number): Generator<LuaYield, boolean, LuaResults | undefined> {
  const h1 = a.metatable?.get('__eq');
  if (h1 === undefined) return false;
  const h2 = b.metatable?.get('__eq');
  if (h1 !== h2) return false;
  return truthy((yield* callMeta(h1, [a, b], line))[0]);
}

/** Lua equality for natives (no metamethods called: rawequal). */
export function rawEquals(a: LuaValue, b: LuaValue): boolean {
  return a === b;
}

// ---- numeric for ----

export function forNumber(v: LuaValue, what: string, line: number): number {
  const n = toNumber(v);
  if (n === undefined) throw rtError(line, `'for' ${what} must be a number`);
  return n;
}
