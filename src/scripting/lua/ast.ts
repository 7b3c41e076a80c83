// The Lua 5.1 syntax tree: what parser.ts produces and compile.ts consumes. Every node carries
// the line it starts on (error messages and redis.* positions name it: "user_script:3: ...").
// Names are resolved by the parser: a Name expression is a local (with its declaration, so the
// compiler knows whether it is captured), an upvalue reference to an enclosing function's local,
// or a global.

/** A local variable's declaration. The parser creates one per `local`, parameter and loop variable. */
export interface LocalDecl {
  name: string;
  /** Unique within the chunk: the compiler uses it to name the JavaScript variable. */
  id: number;
  /** True when a nested function refers to it (the compiler may need a fresh binding per iteration). */
  captured: boolean;
}

export type Expr =
  | { kind: 'Nil'; line: number }
  | { kind: 'True'; line: number }
  | { kind: 'False'; line: number }
  | { kind: 'Number'; line: number; value: number }
  /** A string literal, escapes already decoded (one character per byte). */
  | { kind: 'String'; line: number; value: string }
  | { kind: 'Vararg'; line: number }
  | { kind: 'Function'; line: number; fn: FunctionBody }
  /** A local of the current function. */
  | { kind: 'Local'; line: number; decl: LocalDecl }
  /** A local of an enclosing function. */
  | { kind: 'Upvalue'; line: number; decl: LocalDecl }
  | { kind: 'Global'; line: number; name: string }
  /** obj[key]; `a.b` is Index with a String key. */
  | { kind: 'Index'; line: number; obj: Expr; key: Expr }
  | { kind: 'Call'; line: number; fn: Expr; args: Expr[] }
  /** obj:name(args) */
  | { kind: 'Method'; line: number; obj: Expr; name: string; args: Expr[] }
  | { kind: 'Binary'; line: number; op: BinaryOp; left: Expr; right: Expr }
  /** `and` / `or` (short-circuit, value-preserving). */
  | { kind: 'Logical'; line: number; op: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'Unary'; line: number; op: '-' | 'not' | '#'; operand: Expr }
  | { kind: 'Table'; line: number; items: TableItem[] }
  /** (exp): truncates a multi-value expression (call, vararg) to one value. */
  | { kind: 'Paren'; line: number; expr: Expr };

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | '..' | '==' | '~=' | '<' | '<=' | '>' | '>=';

export type TableItem =
  /** A positional item; the last one of a constructor expands a multi-value expression. */
  | { kind: 'Positional'; value: Expr }
  /** [key] = value, and name = value (key is a String). */
  | { kind: 'Keyed'; key: Expr; value: Expr };

/** What may stand on the left of `=`. */
export type AssignTarget = Extract<Expr, { kind: 'Local' | 'Upvalue' | 'Global' | 'Index' }>;

export type Stat =
  | { kind: 'Local'; line: number; decls: LocalDecl[]; values: Expr[] }
  /** local function f: f is in scope inside its own body. */
  | { kind: 'LocalFunction'; line: number; decl: LocalDecl; fn: FunctionBody }
  | { kind: 'Assign'; line: number; targets: AssignTarget[]; values: Expr[] }
  /** A call statement (results discarded): expr is Call or Method. */
  | { kind: 'CallStat'; line: number; call: Extract<Expr, { kind: 'Call' | 'Method' }> }
  | { kind: 'Do'; line: number; body: Block }
  | { kind: 'While'; line: number; cond: Expr; body: Block }
  /** The condition sees the body's locals, as in Lua. */
  | { kind: 'Repeat'; line: number; body: Block; cond: Expr }
  | { kind: 'If'; line: number; clauses: { cond: Expr; body: Block }[]; orelse: Block | null }
  | { kind: 'NumericFor'; line: number; decl: LocalDecl; start: Expr; limit: Expr; step: Expr | null; body: Block }
  | { kind: 'GenericFor'; line: number; decls: LocalDecl[]; exprs: Expr[]; body: Block }
  | { kind: 'Return'; line: number; values: Expr[] }
  | { kind: 'Break'; line: number };

export interface Block {
  stats: Stat[];
}

export interface FunctionBody {
  line: number;
  /** For error messages and tracebacks: "f", "t.f", "t:m", or "?" for an anonymous function. */
  name: string;
  params: LocalDecl[];
  /** A method (`function t:m()`) has `self` as its first param, already in params. */
  isVararg: boolean;
  body: Block;
}

/** A whole chunk: a vararg function of no parameters. */
export interface Chunk {
  /** The chunk name used in messages ("user_script"). */
  source: string;
  main: FunctionBody;
  /** How many LocalDecl ids were handed out. */
  localCount: number;
}
