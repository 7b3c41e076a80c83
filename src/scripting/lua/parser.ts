// Lua 5.1 grammar to the syntax tree of ast.ts, with names resolved (Local / Upvalue / Global).
// The parser follows Lua 5.1's structure closely, so that its error messages, the lines they name
// and its limits match redis-server's exactly:
// - nesting: every block and every (sub)expression is one "syntax level"; past 200 levels the
//   chunk is refused ("chunk has too many syntax levels"). Recursion in this file only happens
//   through block() and subexpr() (and the upvalue search, bounded by function nesting), so
//   the limit also bounds the JavaScript stack;
// - 200 locals per function (for loops hold 3 hidden ones, a vararg function the hidden `arg`),
//   60 upvalues per function, and 200 minus the nesting level targets in one assignment.
// Lines: a statement, a name, a literal carry the line of their first token; a call the line of
// its argument list's first token, an operator the line where its right operand ends, an index
// the line where its key ends (the lines Lua 5.1's own code generator gives them, so runtime
// errors name the same line as redis-server).
import type { AssignTarget, BinaryOp, Block, Chunk, Expr, FunctionBody, LocalDecl, Stat, TableItem } from './ast.js';
import {
  Lexer,
  T_AND, T_BREAK, T_CONCAT, T_DO, T_DOTS, T_ELSE, T_ELSEIF, T_END, T_EOS, T_EQ, T_FALSE, T_FOR, T_FUNCTION, T_GE, T_IF, T_IN,
  T_LE, T_LOCAL, T_NAME, T_NE, T_NIL, T_NOT, T_NUMBER, T_OR, T_REPEAT, T_RETURN, T_STRING, T_THEN, T_TRUE, T_UNTIL, T_WHILE,
  tokenName,
} from './lexer.js';

const MAX_LEVELS = 200;
const MAX_LOCALS = 200;
const MAX_UPVALUES = 60;
const UNARY_PRIORITY = 8;

// Binary operators: [left priority, right priority] (right < left: right-associative).
const BINOPS = new Map<number, { op: BinaryOp | 'and' | 'or'; left: number; right: number }>([
  [43, { op: '+', left: 6, right: 6 }],
  [45, { op: '-', left: 6, right: 6 }],
  [42, { op: '*', left: 7, right: 7 }],
  [47, { op: '/', left: 7, right: 7 }],
  [37, { op: '%', left: 7, right: 7 }],
  [94, { op: '^', left: 10, right: 9 }],
  [T_CONCAT, { op: '..', left: 5, right: 4 }],
  [T_EQ, { op: '==', left: 3, right: 3 }],
  [T_NE, { op: '~=', left: 3, right: 3 }],
  [60, { op: '<', left: 3, right: 3 }],
  [T_LE, { op: '<=', left: 3, right: 3 }],
  [62, { op: '>', left: 3, right: 3 }],
  [T_GE, { op: '>=', left: 3, right: 3 }],
  [T_AND, { op: 'and', left: 2, right: 2 }],
  [T_OR, { op: 'or', left: 1, right: 1 }],
]);

/** One function being parsed. */
interface FuncState {
  parent: FuncState | null;
  /** The line Lua reports for it ("function at line N"); 0 for the main chunk. */
  line: number;
  /** Active locals, innermost last; null for a hidden one (for-loop state, `arg`). */
  actives: (LocalDecl | null)[];
  upvalues: Set<LocalDecl>;
  isVararg: boolean;
  /** Enclosing loops in this function (for `break`). */
  loops: number;
}

type Call = Extract<Expr, { kind: 'Call' | 'Method' }>;

function isBlockFollow(t: number): boolean {
  return t === T_ELSE || t === T_ELSEIF || t === T_END || t === T_UNTIL || t === T_EOS;
}

class Parser {
  private readonly lx: Lexer;
  private fs: FuncState;
  private level = 0;
  private nextId = 0;

  constructor(source: string, chunkName: string) {
    this.lx = new Lexer(source, chunkName);
    this.fs = { parent: null, line: 0, actives: [], upvalues: new Set(), isVararg: true, loops: 0 };
  }

  parseChunk(): Chunk {
    this.lx.next();
    const body = this.block();
    this.check(T_EOS);
    const main: FunctionBody = { line: 0, name: '?', params: [], isVararg: true, body };
    return { source: this.lx.chunkName, main, localCount: this.nextId };
  }

  // ---- tokens ----

  private get t(): number {
    return this.lx.tok.t;
  }

  private get line(): number {
    return this.lx.line;
  }

  private error(msg: string): never {
    throw this.lx.syntaxError(msg);
  }

  private errorExpected(t: number): never {
    this.error(`'${tokenName(t)}' expected`);
  }

  private check(t: number): void {
    if (this.t !== t) this.errorExpected(t);
  }

  private checkNext(t: number): void {
    this.check(t);
    this.lx.next();
  }

  private testNext(t: number): boolean {
    if (this.t !== t) return false;
    this.lx.next();
    return true;
  }

  /** Expects `what` closing `who` opened at line `where`. */
  private checkMatch(what: number, who: number, where: number): void {
    if (this.testNext(what)) return;
    if (where === this.line) this.errorExpected(what);
    this.error(`'${tokenName(what)}' expected (to close '${tokenName(who)}' at line ${where})`);
  }

  private checkName(): string {
    this.check(T_NAME);
    const s = this.lx.tok.s;
    this.lx.next();
    return s;
  }

  private enterLevel(): void {
    if (++this.level > MAX_LEVELS) throw this.lx.error('chunk has too many syntax levels');
  }

  /** Lua 5.1's message for a per-function limit (no "near"). */
  private errorLimit(fs: FuncState, limit: number, what: string): never {
    const where = fs.line === 0 ? 'main function' : `function at line ${fs.line}`;
    throw this.lx.error(`${where} has more than ${limit} ${what}`);
  }

  // ---- scopes ----

  private checkLocals(n: number): void {
    if (this.fs.actives.length + n > MAX_LOCALS) this.errorLimit(this.fs, MAX_LOCALS, 'local variables');
  }

  /** A new local; it becomes visible when pushed on fs.actives (after its initializers). */
  private newLocal(name: string, pending: number): LocalDecl {
    this.checkLocals(pending + 1);
    return { name, id: this.nextId++, captured: false };
  }

  private hiddenLocals(n: number): void {
    this.checkLocals(n);
    for (let i = 0; i < n; i++) this.fs.actives.push(null);
  }

  private resolve(name: string, line: number): Expr {
    const r = this.lookup(this.fs, name);
    if (r === null) return { kind: 'Global', line, name };
    return r.fs === this.fs ? { kind: 'Local', line, decl: r.decl } : { kind: 'Upvalue', line, decl: r.decl };
  }

  /** Finds a local visible from fs, registering it as an upvalue of every function in between. */
  private lookup(fs: FuncState, name: string): { decl: LocalDecl; fs: FuncState } | null {
    const a = fs.actives;
    for (let i = a.length - 1; i >= 0; i--) {
      const d = a[i];
      if (d && d.name === name) return { decl: d, fs };
    }
    if (!fs.parent) return null;
    const r = this.lookup(fs.parent, name);
    if (r === null) return null;
    r.decl.captured = true;
    if (!fs.upvalues.has(r.decl)) {
      if (fs.upvalues.size + 1 > MAX_UPVALUES) this.errorLimit(fs, MAX_UPVALUES, 'upvalues');
      fs.upvalues.add(r.decl);
    }
    return r;
  }

  // ---- blocks and statements ----

  /** A block in its own scope (Lua's block/chunk: one syntax level). */
  private block(): Block {
    const n = this.fs.actives.length;
    const b = this.statements();
    this.fs.actives.length = n;
    return b;
  }

  /** Statements up to a block end, in the current scope. */
  private statements(): Block {
    this.enterLevel();
    const stats: Stat[] = [];
    for (;;) {
      const t = this.t;
      if (isBlockFollow(t)) break;
      if (t === T_RETURN || t === T_BREAK) {
        stats.push(t === T_RETURN ? this.returnStat() : this.breakStat());
        this.testNext(59);
        break;
      }
      stats.push(this.statement());
      this.testNext(59); // ';'
    }
    this.level--;
    return { stats };
  }

  private statement(): Stat {
    const line = this.line;
    switch (this.t) {
      case T_IF:
        return this.ifStat(line);
      case T_WHILE: {
        this.lx.next();
        const cond = this.expr();
        this.checkNext(T_DO);
        const body = this.loopBlock();
        this.checkMatch(T_END, T_WHILE, line);
        return { kind: 'While', line, cond, body };
      }
      case T_DO: {
        this.lx.next();
        const body = this.block();
        this.checkMatch(T_END, T_DO, line);
        return { kind: 'Do', line, body };
      }
      case T_FOR:
        return this.forStat(line);
      case T_REPEAT: {
        this.lx.next();
        const n = this.fs.actives.length;
        this.fs.loops++;
        const body = this.statements();
        this.fs.loops--;
        this.checkMatch(T_UNTIL, T_REPEAT, line);
        const cond = this.expr(); // sees the body's locals
        this.fs.actives.length = n;
        return { kind: 'Repeat', line, body, cond };
      }
      case T_FUNCTION:
        return this.funcStat(line);
      case T_LOCAL:
        this.lx.next();
        return this.testNext(T_FUNCTION) ? this.localFunction(line) : this.localStat(line);
      default:
        return this.exprStat(line);
    }
  }

  private loopBlock(): Block {
    this.fs.loops++;
    const b = this.block();
    this.fs.loops--;
    return b;
  }

  private returnStat(): Stat {
    const line = this.line;
    this.lx.next();
    const values = isBlockFollow(this.t) || this.t === 59 ? [] : this.exprList();
    return { kind: 'Return', line, values };
  }

  private breakStat(): Stat {
    const line = this.line;
    this.lx.next();
    if (this.fs.loops === 0) this.error('no loop to break');
    return { kind: 'Break', line };
  }

  private ifStat(line: number): Stat {
    const clauses: { cond: Expr; body: Block }[] = [];
    do {
      this.lx.next(); // 'if' / 'elseif'
      const cond = this.expr();
      this.checkNext(T_THEN);
      clauses.push({ cond, body: this.block() });
    } while (this.t === T_ELSEIF);
    let orelse: Block | null = null;
    if (this.testNext(T_ELSE)) orelse = this.block();
    this.checkMatch(T_END, T_IF, line);
    return { kind: 'If', line, clauses, orelse };
  }

  private forStat(line: number): Stat {
    this.lx.next();
    const first = this.checkName();
    let stat: Stat;
    // The loop's three hidden locals and its variables are declared (and counted) before the
    // expressions are parsed, and visible only in the body.
    if (this.t === 61) {
      const decl = this.newLocal(first, 3);
      this.lx.next();
      const start = this.expr();
      this.checkNext(44);
      const limit = this.expr();
      const step = this.testNext(44) ? this.expr() : null;
      const n = this.fs.actives.length;
      this.checkNext(T_DO);
      this.fs.actives.push(null, null, null, decl);
      const body = this.loopBlock();
      this.fs.actives.length = n;
      stat = { kind: 'NumericFor', line, decl, start, limit, step, body };
    } else if (this.t === 44 || this.t === T_IN) {
      const decls = [this.newLocal(first, 3)];
      while (this.testNext(44)) decls.push(this.newLocal(this.checkName(), 3 + decls.length));
      this.checkNext(T_IN);
      const exprs = this.exprList();
      const n = this.fs.actives.length;
      this.checkNext(T_DO);
      this.fs.actives.push(null, null, null, ...decls);
      const body = this.loopBlock();
      this.fs.actives.length = n;
      stat = { kind: 'GenericFor', line, decls, exprs, body };
    } else {
      this.error("'=' or 'in' expected");
    }
    this.checkMatch(T_END, T_FOR, line);
    return stat;
  }

  private funcStat(line: number): Stat {
    this.lx.next();
    const nameLine = this.line;
    let name = this.checkName();
    let target: AssignTarget = this.resolve(name, nameLine) as AssignTarget;
    let method = false;
    while (this.t === 46 || this.t === 58) {
      method = this.t === 58;
      this.lx.next();
      const keyLine = this.line;
      const key = this.checkName();
      name += (method ? ':' : '.') + key;
      target = { kind: 'Index', line: keyLine, obj: target, key: { kind: 'String', line: keyLine, value: key } };
      if (method) break;
    }
    const fn = this.body(name, method, line);
    return { kind: 'Assign', line, targets: [target], values: [{ kind: 'Function', line, fn }] };
  }

  private localFunction(line: number): Stat {
    const name = this.checkName();
    const decl = this.newLocal(name, 0);
    this.fs.actives.push(decl);
    const fn = this.body(name, false, this.line);
    return { kind: 'LocalFunction', line, decl, fn };
  }

  private localStat(line: number): Stat {
    const decls: LocalDecl[] = [];
    do decls.push(this.newLocal(this.checkName(), decls.length));
    while (this.testNext(44));
    const values = this.testNext(61) ? this.exprList() : [];
    this.fs.actives.push(...decls);
    return { kind: 'Local', line, decls, values };
  }

  private exprStat(line: number): Stat {
    const e = this.primaryExp();
    if (e.kind === 'Call' || e.kind === 'Method') return { kind: 'CallStat', line, call: e };
    const targets: AssignTarget[] = [this.assignTarget(e)];
    while (this.testNext(44)) {
      const next = this.primaryExp();
      // Lua 5.1 bounds the targets by the C levels left.
      if (targets.length > MAX_LEVELS - this.level) this.errorLimit(this.fs, MAX_LEVELS - this.level, 'variables in assignment');
      targets.push(this.assignTarget(next));
    }
    this.checkNext(61);
    const values = this.exprList();
    return { kind: 'Assign', line, targets, values };
  }

  private assignTarget(e: Expr): AssignTarget {
    if (e.kind === 'Local' || e.kind === 'Upvalue' || e.kind === 'Global' || e.kind === 'Index') return e;
    this.error('syntax error');
  }

  // ---- functions ----

  /** `(params) block end`; `line` is the line Lua records for the function. */
  private body(name: string, method: boolean, line: number): FunctionBody {
    const fs: FuncState = { parent: this.fs, line, actives: [], upvalues: new Set(), isVararg: false, loops: 0 };
    this.fs = fs;
    this.checkNext(40);
    const params: LocalDecl[] = [];
    if (method) params.push(this.newLocal('self', 0));
    fs.actives.push(...params);
    if (this.t !== 41) {
      do {
        if (this.t === T_NAME) {
          const decl = this.newLocal(this.checkName(), 0);
          params.push(decl);
          fs.actives.push(decl);
        } else if (this.t === T_DOTS) {
          this.lx.next();
          // 5.1 (LUA_COMPAT_VARARG) gives a vararg function a local `arg`: it takes a slot.
          this.hiddenLocals(1);
          fs.isVararg = true;
        } else {
          this.error("<name> or '...' expected");
        }
      } while (!fs.isVararg && this.testNext(44));
    }
    this.checkNext(41);
    const block = this.statements();
    this.checkMatch(T_END, T_FUNCTION, line);
    this.fs = fs.parent!;
    return { line, name, params, isVararg: fs.isVararg, body: block };
  }

  // ---- expressions ----

  private exprList(): Expr[] {
    const list = [this.expr()];
    while (this.testNext(44)) list.push(this.expr());
    return list;
  }

  private expr(): Expr {
    return this.subexpr(0);
  }

  /** Operators binding tighter than `limit` (precedence climbing, as Lua 5.1's subexpr). */
  private subexpr(limit: number): Expr {
    this.enterLevel();
    let left: Expr;
    const t = this.t;
    if (t === T_NOT || t === 45 || t === 35) {
      this.lx.next();
      const operand = this.subexpr(UNARY_PRIORITY);
      left = { kind: 'Unary', line: this.lx.lastLine, op: t === T_NOT ? 'not' : t === 45 ? '-' : '#', operand };
    } else {
      left = this.simpleExp();
    }
    for (;;) {
      const b = BINOPS.get(this.t);
      if (b === undefined || b.left <= limit) break;
      this.lx.next();
      const right = this.subexpr(b.right);
      const line = this.lx.lastLine;
      left =
        b.op === 'and' || b.op === 'or'
          ? { kind: 'Logical', line, op: b.op, left, right }
          : { kind: 'Binary', line, op: b.op, left, right };
    }
    this.level--;
    return left;
  }

  private simpleExp(): Expr {
    const line = this.line;
    const tk = this.lx.tok;
    let e: Expr;
    switch (tk.t) {
      case T_NUMBER:
        e = { kind: 'Number', line, value: tk.n };
        break;
      case T_STRING:
        e = { kind: 'String', line, value: tk.s };
        break;
      case T_NIL:
        e = { kind: 'Nil', line };
        break;
      case T_TRUE:
        e = { kind: 'True', line };
        break;
      case T_FALSE:
        e = { kind: 'False', line };
        break;
      case T_DOTS:
        if (!this.fs.isVararg) this.error("cannot use '...' outside a vararg function");
        e = { kind: 'Vararg', line };
        break;
      case 123: // '{'
        return this.tableConstructor();
      case T_FUNCTION: {
        this.lx.next();
        const fnLine = this.line;
        return { kind: 'Function', line, fn: this.body('?', false, fnLine) };
      }
      default:
        return this.primaryExp();
    }
    this.lx.next();
    return e;
  }

  private primaryExp(): Expr {
    let e = this.prefixExp();
    for (;;) {
      switch (this.t) {
        case 46: {
          // '.'
          this.lx.next();
          const kline = this.line;
          const key: Expr = { kind: 'String', line: kline, value: this.checkName() };
          e = { kind: 'Index', line: this.lx.lastLine, obj: e, key };
          break;
        }
        case 91: {
          // '['
          this.lx.next();
          const key = this.expr();
          this.checkNext(93);
          e = { kind: 'Index', line: this.lx.lastLine, obj: e, key };
          break;
        }
        case 58: {
          // ':'
          this.lx.next();
          const name = this.checkName();
          const line = this.line;
          e = { kind: 'Method', line, obj: e, name, args: this.callArgs() };
          break;
        }
        case 40:
        case T_STRING:
        case 123: {
          const line = this.line;
          e = { kind: 'Call', line, fn: e, args: this.callArgs() } satisfies Call;
          break;
        }
        default:
          return e;
      }
    }
  }

  private prefixExp(): Expr {
    const line = this.line;
    if (this.t === T_NAME) {
      const name = this.lx.tok.s;
      this.lx.next();
      return this.resolve(name, line);
    }
    if (this.t === 40) {
      this.lx.next();
      const expr = this.expr();
      this.checkMatch(41, 40, line);
      return { kind: 'Paren', line, expr };
    }
    this.error('unexpected symbol');
  }

  private callArgs(): Expr[] {
    const line = this.line;
    switch (this.t) {
      case 40: {
        if (line !== this.lx.lastLine) this.error('ambiguous syntax (function call x new statement)');
        this.lx.next();
        const args = this.lx.tok.t === 41 ? [] : this.exprList();
        this.checkMatch(41, 40, line);
        return args;
      }
      case 123:
        return [this.tableConstructor()];
      case T_STRING: {
        const value = this.lx.tok.s;
        this.lx.next();
        return [{ kind: 'String', line, value }];
      }
      default:
        this.error('function arguments expected');
    }
  }

  private tableConstructor(): Expr {
    const line = this.line;
    this.checkNext(123);
    const items: TableItem[] = [];
    do {
      if (this.t === 125) break;
      if (this.t === T_NAME && this.lx.peek() === 61) {
        const kline = this.line;
        const key: Expr = { kind: 'String', line: kline, value: this.checkName() };
        this.checkNext(61);
        items.push({ kind: 'Keyed', key, value: this.expr() });
      } else if (this.t === 91) {
        this.lx.next();
        const key = this.expr();
        this.checkNext(93);
        this.checkNext(61);
        items.push({ kind: 'Keyed', key, value: this.expr() });
      } else {
        items.push({ kind: 'Positional', value: this.expr() });
      }
    } while (this.testNext(44) || this.testNext(59));
    this.checkMatch(125, 123, line);
    return { kind: 'Table', line, items };
  }
}

/** Parses a Lua 5.1 chunk; throws a LuaError worded as Lua 5.1 words it ("user_script:1: ..."). */
export function parse(source: string, chunkName = 'user_script'): Chunk {
  return new Parser(source, chunkName).parseChunk();
}
