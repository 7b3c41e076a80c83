// ast.ts to JavaScript: every Lua function becomes a generator function (docs/scripting.md). The
// generated source names only the helpers passed to `new Function` (listed in HELPERS), mangled
// locals (L<id>), temporaries (t<n>), the argument list (A) and the varargs (V): a Lua name never
// becomes a JavaScript identifier, globals go through the environment table E.
//
// Fast paths are inline: number arithmetic and comparison, LuaTable get/set without metatables,
// LuaFunction calls. Everything else goes to runtime.ts. Every function entry and every loop
// back-edge runs the budget check `--G.n < 0`, whose slow path may suspend (yield undefined) or
// kill the script.

import type { Block, Chunk, Expr, FunctionBody, Stat, TableItem } from './ast.js';
import * as R from './runtime.js';
import { LuaFunction, LuaTable } from './value.js';

export interface CompileOptions {
  /** The name of the chunk's main function (for messages); default "main". */
  name?: string;
}

const HELPERS = ['R', 'G', 'LN', 'SRC', 'LT', 'LF', 'LC', 'E', 'EMPTY', 'TICK', 'ENTER', 'MF', 'POW', 'APP', 'MAXD'] as const;

/** Compiles a chunk to a Lua function whose globals live in `env`. */
export function compile(chunk: Chunk, env: LuaTable, opts: CompileOptions = {}): LuaFunction {
  const src = compileToSource(chunk);
  const factory = new Function(...HELPERS, src) as (...args: unknown[]) => (args: unknown[]) => Generator;
  const body = factory(
    R,
    R.state,
    R.lines,
    R.srcs,
    LuaTable,
    LuaFunction,
    R.LuaClosure,
    env,
    R.EMPTY,
    R.tick,
    R.enter,
    Math.floor,
    R.pow,
    R.append,
    R.MAX_DEPTH,
  );
  return new R.LuaClosure(opts.name ?? 'main', null, body as unknown as LuaFunction['body']);
}

/** The JavaScript source of a chunk (the body of the factory function). */
export function compileToSource(chunk: Chunk): string {
  const c = new Compiler(chunk.source);
  return `"use strict";\nreturn ${c.fn(chunk.main, null)};`;
}

const str = (s: string): string => JSON.stringify(s);

function num(n: number): string {
  if (Number.isNaN(n)) return '(0/0)';
  if (!Number.isFinite(n)) return n > 0 ? '(1/0)' : '(-1/0)';
  if (Object.is(n, -0)) return '(-0)';
  return n < 0 ? `(${String(n)})` : String(n);
}

type MultiExpr = Extract<Expr, { kind: 'Call' | 'Method' | 'Vararg' }>;

function isMulti(e: Expr): e is MultiExpr {
  return e.kind === 'Call' || e.kind === 'Method' || e.kind === 'Vararg';
}

/** Reading it has no side effects and its value cannot change while the expression is evaluated. */
function isConst(e: Expr): boolean {
  return e.kind === 'Nil' || e.kind === 'True' || e.kind === 'False' || e.kind === 'Number' || e.kind === 'String';
}

/** The variable description Lua 5.1 gives an operand in error messages. */
function describe(e: Expr): string | null {
  switch (e.kind) {
    case 'Local':
      return `local '${e.decl.name}'`;
    case 'Upvalue':
      return `upvalue '${e.decl.name}'`;
    case 'Global':
      return `global '${e.name}'`;
    case 'Index':
      return e.key.kind === 'String' ? `field '${e.key.value}'` : `field '?'`;
    case 'Paren':
      return isMulti(e.expr) ? null : describe(e.expr);
    default:
      return null;
  }
}

const descCode = (e: Expr): string => {
  const d = describe(e);
  return d === null ? 'null' : str(d);
};

class FnCtx {
  top = 0;
  max = 0;
  constructor(
    readonly parent: FnCtx | null,
    readonly isVararg: boolean,
  ) {}
  temp(): string {
    const n = this.top++;
    if (this.top > this.max) this.max = this.top;
    return `t${n}`;
  }
}

class Compiler {
  private f!: FnCtx;

  constructor(private readonly chunkName: string) {}

  fn(body: FunctionBody, parent: FnCtx | null): string {
    const saved = this.f;
    this.f = new FnCtx(parent, body.isVararg);
    const out: string[] = [];
    const np = body.params.length;
    for (let i = 0; i < np; i++) out.push(`let L${body.params[i]!.id} = A[${i}];`);
    if (body.isVararg) out.push(np === 0 ? 'const V = A;' : `const V = A.length > ${np} ? A.slice(${np}) : EMPTY;`);
    const code = this.block(body.body);
    out.push(code);
    const last = body.body.stats[body.body.stats.length - 1];
    if (last === undefined || last.kind !== 'Return') out.push('G.d--; return EMPTY;');
    const temps: string[] = [];
    for (let i = 0; i < this.f.max; i++) temps.push(`t${i}`);
    const prologue =
      `if (++G.d > MAXD || --G.n < 0) yield* ENTER(); SRC[G.d] = ${str(this.chunkName)};` +
      (temps.length > 0 ? ` let ${temps.join(', ')};` : '');
    this.f = saved;
    return `function* (A) {\n${prologue}\n${out.join('\n')}\n}`;
  }

  block(b: Block): string {
    const parts: string[] = [];
    for (const s of b.stats) {
      const mark = this.f.top;
      parts.push(this.stat(s));
      this.f.top = mark;
    }
    return parts.join('\n');
  }

  // ---- statements ----

  stat(s: Stat): string {
    switch (s.kind) {
      case 'Local':
        return this.localStat(s.decls.map((d) => `L${d.id}`), s.values);
      case 'LocalFunction':
        return `let L${s.decl.id}; L${s.decl.id} = ${this.closure(s.fn)};`;
      case 'Assign':
        return this.assign(s);
      case 'CallStat':
        return `${this.multi(s.call)};`;
      case 'Do':
        return `{\n${this.block(s.body)}\n}`;
      case 'While':
        return `while (${this.cond(s.cond)}) {\nif (--G.n < 0) yield* TICK(${s.line});\n${this.block(s.body)}\n}`;
      case 'Repeat': {
        // The condition is inside the body's block: it sees the body's locals.
        const body = this.block(s.body);
        return `for (;;) {\nif (--G.n < 0) yield* TICK(${s.line});\n${body}\nif (${this.cond(s.cond)}) break;\n}`;
      }
      case 'If': {
        let code = '';
        s.clauses.forEach((cl, i) => {
          code += `${i === 0 ? 'if' : ' else if'} (${this.cond(cl.cond)}) {\n${this.block(cl.body)}\n}`;
        });
        if (s.orelse !== null) code += ` else {\n${this.block(s.orelse)}\n}`;
        return code;
      }
      case 'NumericFor':
        return this.numericFor(s);
      case 'GenericFor':
        return this.genericFor(s);
      case 'Return': {
        if (s.values.length === 0) return 'G.d--; return EMPTY;';
        const t = this.f.temp();
        return `{ ${t} = ${this.list(s.values)}; G.d--; return ${t}; }`;
      }
      case 'Break':
        return 'break;';
    }
  }

  /** `local a, b = values` (names are the JavaScript variable names). */
  private localStat(names: string[], values: Expr[]): string {
    if (values.length === 0) return `let ${names.join(', ')};`;
    const n = names.length;
    if (n === 1 && values.length === 1) return `let ${names[0]} = ${this.expr(values[0]!)};`;
    // All values are evaluated (in order) before any of the new locals exists.
    const code: string[] = [];
    const src: string[] = [];
    values.forEach((v, i) => {
      const last = i === values.length - 1;
      if (i >= n) {
        code.push(`${isMulti(v) ? this.multi(v) : this.expr(v)};`);
      } else if (last && isMulti(v)) {
        const t = this.f.temp();
        code.push(`${t} = ${this.multi(v)};`);
        for (let j = i; j < n; j++) src.push(`${t}[${j - i}]`);
      } else {
        const t = this.f.temp();
        code.push(`${t} = ${this.expr(v)};`);
        src.push(t);
      }
    });
    return `${code.join(' ')} let ${names.map((nm, i) => `${nm} = ${src[i] ?? 'void 0'}`).join(', ')};`;
  }

  private assign(s: Extract<Stat, { kind: 'Assign' }>): string {
    const { targets, values } = s;
    if (targets.length === 1 && values.length === 1) {
      const t = targets[0]!;
      if (t.kind === 'Index') {
        const o = this.pureOrTemp(t.obj);
        const k = this.pureOrTemp(t.key);
        const v = this.f.temp();
        return `${o.pre}${k.pre}${v} = ${this.expr(values[0]!)}; ${this.store(t, o.code, k.code, v, t.key)}`;
      }
      return this.store(t, '', '', this.expr(values[0]!), null);
    }
    // Lua evaluates the targets' tables and keys, then all values, then assigns (right to left).
    const pre: string[] = [];
    const slots: { o: string; k: string }[] = [];
    for (const t of targets) {
      if (t.kind === 'Index') {
        const o = this.f.temp();
        const k = this.f.temp();
        pre.push(`${o} = ${this.expr(t.obj)}; ${k} = ${this.expr(t.key)};`);
        slots.push({ o, k });
      } else {
        slots.push({ o: '', k: '' });
      }
    }
    const vals: string[] = [];
    const lastMulti = values.length > 0 && isMulti(values[values.length - 1]!);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (i === values.length - 1 && lastMulti) {
        const t = this.f.temp();
        pre.push(`${t} = ${this.multi(v as MultiExpr)};`);
        for (let j = i; j < targets.length; j++) vals.push(`${t}[${j - i}]`);
        if (i >= targets.length) vals.push('');
      } else {
        const t = this.f.temp();
        pre.push(`${t} = ${this.expr(v)};`);
        vals.push(t);
      }
    }
    const stores: string[] = [];
    for (let i = targets.length - 1; i >= 0; i--) {
      const t = targets[i]!;
      const v = i < vals.length ? vals[i]! : 'void 0';
      if (t.kind === 'Index') {
        // A multi value read (t[j]) is evaluated once into a temp before the store.
        const vt = this.f.temp();
        stores.push(`${vt} = ${v}; ${this.store(t, slots[i]!.o, slots[i]!.k, vt, t.key)}`);
      } else {
        stores.push(this.store(t, '', '', v, null));
      }
    }
    return `${pre.join(' ')} ${stores.join(' ')}`;
  }

  /** Stores value code v (already evaluated, side-effect free) into a target. */
  private store(t: Extract<Expr, { kind: 'Local' | 'Upvalue' | 'Global' | 'Index' }>, o: string, k: string, v: string, keyExpr: Expr | null): string {
    switch (t.kind) {
      case 'Local':
      case 'Upvalue':
        return `L${t.decl.id} = ${v};`;
      case 'Global':
        return `if (E.metatable === null && !E.readonly) E.set(${str(t.name)}, ${v}); else yield* R.setIndex(E, ${str(t.name)}, ${v}, ${t.line}, null);`;
      case 'Index': {
        const keyOk = keyExpr !== null && (keyExpr.kind === 'String' || (keyExpr.kind === 'Number' && !Number.isNaN(keyExpr.value)));
        const check = keyOk ? '' : ` && ${k} !== void 0 && ${k} === ${k}`;
        return `if (${o} instanceof LT && ${o}.metatable === null && !${o}.readonly${check}) ${o}.set(${k}, ${v}); else yield* R.setIndex(${o}, ${k}, ${v}, ${t.line}, ${descCode(t.obj)});`;
      }
    }
  }

  private numericFor(s: Extract<Stat, { kind: 'NumericFor' }>): string {
    const i = this.f.temp();
    const lim = this.f.temp();
    const line = s.line;
    // 5.1 evaluates start, limit and step once, then checks them in that order.
    let code =
      `${i} = ${this.expr(s.start)}; ${lim} = ${this.expr(s.limit)}; ` +
      `if (typeof ${i} !== 'number') ${i} = R.forNumber(${i}, 'initial value', ${line}); ` +
      `if (typeof ${lim} !== 'number') ${lim} = R.forNumber(${lim}, 'limit', ${line}); `;
    let stepCode: string;
    let condCode: string;
    if (s.step === null || s.step.kind === 'Number') {
      const v = s.step === null ? 1 : s.step.value;
      stepCode = num(v);
      condCode = v > 0 ? `${i} <= ${lim}` : v < 0 ? `${i} >= ${lim}` : 'false';
    } else {
      const st = this.f.temp();
      code =
        `${i} = ${this.expr(s.start)}; ${lim} = ${this.expr(s.limit)}; ${st} = ${this.expr(s.step)}; ` +
        `if (typeof ${i} !== 'number') ${i} = R.forNumber(${i}, 'initial value', ${line}); ` +
        `if (typeof ${lim} !== 'number') ${lim} = R.forNumber(${lim}, 'limit', ${line}); ` +
        `if (typeof ${st} !== 'number') ${st} = R.forNumber(${st}, 'step', ${line}); `;
      stepCode = st;
      condCode = `(${st} > 0 ? ${i} <= ${lim} : ${i} >= ${lim})`;
    }
    const body = this.block(s.body);
    return `${code}\nfor (; ${condCode}; ${i} += ${stepCode}) {\nif (--G.n < 0) yield* TICK(${s.line});\nlet L${s.decl.id} = ${i};\n${body}\n}`;
  }

  private genericFor(s: Extract<Stat, { kind: 'GenericFor' }>): string {
    const f = this.f.temp();
    const st = this.f.temp();
    const ctl = this.f.temp();
    const r = this.f.temp();
    const init = this.f.temp();
    const line = s.line;
    const first = s.decls[0]!.id;
    const decls = s.decls.map((d, i) => `L${d.id} = ${r}[${i}]`).join(', ');
    const body = this.block(s.body);
    return (
      `${init} = ${this.list(s.exprs)}; ${f} = ${init}[0]; ${st} = ${init}[1]; ${ctl} = ${init}[2];\n` +
      `for (;;) {\nif (--G.n < 0) yield* TICK(${s.line});\n` +
      `LN[G.d] = ${line}; ${r} = ${f} instanceof LF ? (${f}.native !== null ? ${f}.native([${st}, ${ctl}]) : (yield* ${f}.body([${st}, ${ctl}]))) : (yield* R.callSlow(${f}, [${st}, ${ctl}], ${line}, null));\n` +
      `let ${decls};\nif (L${first} === void 0) break;\n${ctl} = L${first};\n${body}\n}`
    );
  }

  // ---- expressions ----

  private closure(fn: FunctionBody): string {
    return `new LC(${str(fn.name)}, null, ${this.fn(fn, this.f)})`;
  }

  /** An expression's code if reading it twice is safe, else a temp assigned first. */
  private pureOrTemp(e: Expr): { pre: string; code: string } {
    if (isConst(e) || e.kind === 'Local' || e.kind === 'Upvalue') return { pre: '', code: this.expr(e) };
    const t = this.f.temp();
    return { pre: `${t} = ${this.expr(e)}, `, code: t };
  }

  /**
   * Operands for a binary operation: each is read more than once by the inline fast path, so a
   * non-trivial operand goes to a temp; a local operand does too when the other operand could
   * change it (a call), since Lua reads the left operand first.
   */
  private operands(l: Expr, r: Expr): { pre: string; a: string; b: string } {
    const simple = (e: Expr): boolean => isConst(e) || e.kind === 'Local' || e.kind === 'Upvalue';
    let pre = '';
    let a: string;
    let b: string;
    if (simple(l) && (isConst(l) || simple(r))) a = this.expr(l);
    else {
      a = this.f.temp();
      pre += `${a} = ${this.expr(l)}, `;
    }
    if (simple(r)) b = this.expr(r);
    else {
      b = this.f.temp();
      pre += `${b} = ${this.expr(r)}, `;
    }
    return { pre, a, b };
  }

  /** One value. */
  expr(e: Expr): string {
    switch (e.kind) {
      case 'Nil':
        return 'void 0';
      case 'True':
        return 'true';
      case 'False':
        return 'false';
      case 'Number':
        return num(e.value);
      case 'String':
        return str(e.value);
      case 'Vararg':
        return 'V[0]';
      case 'Function':
        return this.closure(e.fn);
      case 'Local':
      case 'Upvalue':
        return `L${e.decl.id}`;
      case 'Global': {
        const t = this.f.temp();
        return `((${t} = E.get(${str(e.name)})) !== void 0 || E.metatable === null ? ${t} : (yield* R.index(E, ${str(e.name)}, ${e.line}, null)))`;
      }
      case 'Index': {
        const o = this.pureOrTemp(e.obj);
        const k = this.pureOrTemp(e.key);
        const v = this.f.temp();
        return `(${o.pre}${k.pre}${o.code} instanceof LT && ((${v} = ${o.code}.get(${k.code})) !== void 0 || ${o.code}.metatable === null) ? ${v} : (yield* R.index(${o.code}, ${k.code}, ${e.line}, ${descCode(e.obj)})))`;
      }
      case 'Call':
      case 'Method':
        return `${this.multi(e)}[0]`;
      case 'Paren':
        return this.expr(e.expr);
      case 'Logical': {
        const t = this.f.temp();
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        return e.op === 'and'
          ? `((${t} = ${l}) === void 0 || ${t} === false ? ${t} : ${r})`
          : `((${t} = ${l}) === void 0 || ${t} === false ? ${r} : ${t})`;
      }
      case 'Unary':
        return this.unary(e);
      case 'Binary':
        return this.binary(e);
      case 'Table':
        return this.table(e.items, e.line);
    }
  }

  /** A JavaScript boolean: the truth of an expression. */
  cond(e: Expr): string {
    switch (e.kind) {
      case 'True':
        return 'true';
      case 'False':
      case 'Nil':
        return 'false';
      case 'Number':
      case 'String':
      case 'Function':
      case 'Table':
        return `(${this.expr(e)}, true)`;
      case 'Logical':
        return e.op === 'and' ? `(${this.cond(e.left)} && ${this.cond(e.right)})` : `(${this.cond(e.left)} || ${this.cond(e.right)})`;
      case 'Unary':
        if (e.op === 'not') return `!${this.cond(e.operand)}`;
        break;
      case 'Binary':
        if (['==', '~=', '<', '<=', '>', '>='].includes(e.op)) return this.binary(e);
        break;
      case 'Paren':
        return this.cond(e.expr);
      case 'Local':
      case 'Upvalue':
        return `(L${e.decl.id} !== void 0 && L${e.decl.id} !== false)`;
      default:
        break;
    }
    const t = this.f.temp();
    return `((${t} = ${this.expr(e)}) !== void 0 && ${t} !== false)`;
  }

  private unary(e: Extract<Expr, { kind: 'Unary' }>): string {
    if (e.op === 'not') return `!${this.cond(e.operand)}`;
    const d = descCode(e.operand);
    if (e.op === '-') {
      // 5.1 folds a negated literal; -0 folds to 0 (as redis-server prints it).
      if (e.operand.kind === 'Number') return num(-e.operand.value === 0 ? 0 : -e.operand.value);
      const { pre, a } = this.operands(e.operand, { kind: 'Nil', line: e.line });
      return `(${pre}typeof ${a} === 'number' ? -${a} : (yield* R.arith('unm', ${a}, ${a}, ${e.line}, ${d}, ${d})))`;
    }
    const t = this.f.temp();
    return `((${t} = ${this.expr(e.operand)}) instanceof LT ? ${t}.length() : typeof ${t} === 'string' ? ${t}.length : R.len(${t}, ${e.line}, ${d}))`;
  }

  private binary(e: Extract<Expr, { kind: 'Binary' }>): string {
    const { op, left, right, line } = e;
    switch (op) {
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
      case '^': {
        const { pre, a, b } = this.operands(left, right);
        const checks: string[] = [];
        if (left.kind !== 'Number') checks.push(`typeof ${a} === 'number'`);
        if (right.kind !== 'Number') checks.push(`typeof ${b} === 'number'`);
        const fast =
          op === '%' ? `${a} - MF(${a} / ${b}) * ${b}` : op === '^' ? `POW(${a}, ${b})` : `${a} ${op} ${b}`;
        const slow = `(yield* R.arith(${str(op)}, ${a}, ${b}, ${line}, ${descCode(left)}, ${descCode(right)}))`;
        if (checks.length === 0) return `(${fast})`;
        return `(${pre}${checks.join(' && ')} ? ${fast} : ${slow})`;
      }
      case '..': {
        const { pre, a, b } = this.operands(left, right);
        return `(${pre}typeof ${a} === 'string' && typeof ${b} === 'string' ? ${a} + ${b} : (yield* R.concat(${a}, ${b}, ${line}, ${descCode(left)}, ${descCode(right)})))`;
      }
      case '==':
      case '~=': {
        const neg = op === '~=' ? '!' : '';
        if (isConst(left) || isConst(right)) return `(${this.expr(left)} ${op === '==' ? '===' : '!=='} ${this.expr(right)})`;
        const { pre, a, b } = this.operands(left, right);
        return `${neg}(${pre}${a} === ${b} || (${a} instanceof LT && ${b} instanceof LT && ${a}.metatable !== null && ${b}.metatable !== null && (yield* R.eq(${a}, ${b}, ${line}))))`;
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const { pre, a, b } = this.operands(left, right);
        // a > b is b < a (as Lua does: the error message names the operands in that order).
        const [x, y] = op === '<' || op === '<=' ? [a, b] : [b, a];
        const jsop = op === '<' || op === '>' ? '<' : '<=';
        const fn = jsop === '<' ? 'lt' : 'le';
        return `(${pre}typeof ${x} === 'number' && typeof ${y} === 'number' ? ${x} ${jsop} ${y} : (yield* R.${fn}(${x}, ${y}, ${line})))`;
      }
    }
  }

  private table(items: TableItem[], line: number): string {
    if (items.length === 0) return 'new LT()';
    const t = this.f.temp();
    const parts: string[] = [`${t} = new LT()`];
    const positional: string[] = [];
    let multiTail: string | null = null;
    const mixed = items.some((i) => i.kind === 'Keyed') && items.some((i) => i.kind === 'Positional');
    items.forEach((item, idx) => {
      if (item.kind === 'Keyed') {
        if (item.key.kind === 'String') {
          parts.push(`${t}.set(${str(item.key.value)}, ${this.expr(item.value)})`);
        } else {
          const k = this.f.temp();
          parts.push(`${k} = ${this.expr(item.key)}`);
          parts.push(`R.rawSetChecked(${t}, ${k}, ${this.expr(item.value)}, ${line})`);
        }
        return;
      }
      if (idx === items.length - 1 && isMulti(item.value)) {
        multiTail = this.multi(item.value);
        if (mixed) {
          const m = this.f.temp();
          parts.push(`${m} = ${multiTail}`);
          multiTail = m;
        }
        return;
      }
      if (mixed) {
        const p = this.f.temp();
        parts.push(`${p} = ${this.expr(item.value)}`);
        positional.push(p);
      } else {
        positional.push(this.expr(item.value));
      }
    });
    if (positional.length > 0 || multiTail !== null) {
      const arr = `[${positional.join(', ')}]`;
      const all = multiTail === null ? arr : positional.length === 0 ? `${multiTail}.slice()` : `APP(${arr}, ${multiTail})`;
      parts.push(`R.tableArray(${t}, ${all})`);
    }
    parts.push(t);
    return `(${parts.join(', ')})`;
  }

  /** An expression list as an array (the last expression expands). */
  list(values: Expr[]): string {
    if (values.length === 0) return 'EMPTY';
    const last = values[values.length - 1]!;
    if (isMulti(last)) {
      if (values.length === 1) return this.multi(last);
      return `APP([${values.slice(0, -1).map((v) => this.expr(v)).join(', ')}], ${this.multi(last)})`;
    }
    return `[${values.map((v) => this.expr(v)).join(', ')}]`;
  }

  /** All values of a call or `...` (an array, not to be mutated). */
  multi(e: MultiExpr): string {
    if (e.kind === 'Vararg') return 'V';
    const f = this.f.temp();
    const a = this.f.temp();
    let pre: string;
    let desc: string;
    if (e.kind === 'Method') {
      const o = this.f.temp();
      const oc = this.expr(e.obj);
      pre =
        `${o} = ${oc}, ${f} = ${o} instanceof LT && ((${f} = ${o}.get(${str(e.name)})) !== void 0 || ${o}.metatable === null) ? ${f} : (yield* R.index(${o}, ${str(e.name)}, ${e.line}, ${descCode(e.obj)})), ` +
        `${a} = ${e.args.length === 0 ? `[${o}]` : isMulti(e.args[e.args.length - 1]!) ? `APP([${o}, ${e.args.slice(0, -1).map((v) => this.expr(v)).join(', ')}], ${this.multi(e.args[e.args.length - 1] as MultiExpr)})` : `[${o}, ${e.args.map((v) => this.expr(v)).join(', ')}]`}`;
      desc = str(`method '${e.name}'`);
    } else {
      pre = `${f} = ${this.expr(e.fn)}, ${a} = ${this.list(e.args)}`;
      desc = descCode(e.fn);
    }
    return `(${pre}, LN[G.d] = ${e.line}, ${f} instanceof LF ? (${f}.native !== null ? ${f}.native(${a}) : (yield* ${f}.body(${a}))) : (yield* R.callSlow(${f}, ${a}, ${e.line}, ${desc})))`;
  }
}
