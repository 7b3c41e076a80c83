// The `cjson` library as Redis 7.0.15 bundles it (cjson 2.1.0), written from observed
// behaviour and the JSON specification.
//
// encode: tables whose keys are all positive integers are arrays (holes become null; sparse
// arrays per encode_sparse_array), other tables objects with string keys (number keys formatted
// as numbers), the empty table `{}`; numbers with "%.<precision>g"; strings with `"` `\` `/` and
// control characters escaped, bytes >= 0x80 passed through. decode: JSON text to tables, null to
// cjson.null, numbers read as C's strtod reads them (hex, inf and nan accepted unless
// decode_invalid_numbers is off). Settings live in the module table's closure; cjson.new()
// returns an independent module.
//
// Redis's C implementation runs out of Lua stack (8000 slots) before it runs out of its depth
// limit when the limit is raised: a nested array costs one slot, an object two. The same
// stack budget is applied here, so deep input fails as it does there instead of overflowing.
import { strtod, toInt } from '../number.js';
import { formatG, LuaError, LuaFunction, LuaTable, LuaUserdata, luaType, type LuaResults, type LuaValue } from '../value.js';
import { argError, checkNumber, checkString } from './args.js';

/** cjson.null: the one light userdata Lua scripts can see (a NULL pointer in Redis). */
export const cjsonNull = new LuaUserdata('(nil)');

const INT_MAX = 2147483647;
/** Lua stack slots a C function may use (LUAI_MAXCSTACK), as the limits above are derived. */
const ENCODE_SLOTS = 7997;
const DECODE_SLOTS = 7998;
/** Past this (Redis's largest bulk string) an encoding fails as Lua fails out of memory. */
const MAX_OUTPUT = 512 * 1024 * 1024;

interface Config {
  encodeMaxDepth: number;
  decodeMaxDepth: number;
  precision: number;
  sparseConvert: boolean;
  sparseRatio: number;
  sparseSafe: number;
  encodeInvalid: boolean | 'null';
  decodeInvalid: boolean;
  keepBuffer: boolean;
}

function defaults(): Config {
  return {
    encodeMaxDepth: 1000,
    decodeMaxDepth: 1000,
    precision: 14,
    sparseConvert: false,
    sparseRatio: 2,
    sparseSafe: 10,
    encodeInvalid: false,
    decodeInvalid: true,
    keepBuffer: true,
  };
}

// ---- encode ----

const ESCAPES: string[] = [];
for (let c = 0; c < 256; c++) ESCAPES.push(String.fromCharCode(c));
for (let c = 0; c < 0x20; c++) ESCAPES[c] = '\\u' + c.toString(16).padStart(4, '0');
ESCAPES[0x7f] = '\\u007f';
Object.assign(ESCAPES, { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 0x22: '\\"', 0x5c: '\\\\', 0x2f: '\\/' });
// Characters the regexp may meet: control characters, DEL, '"', '\' and '/'.
const NEEDS_ESCAPE = /[\x00-\x1f\x7f"\\/]/g;

function escapeString(s: string): string {
  return '"' + s.replace(NEEDS_ESCAPE, (c) => ESCAPES[c.charCodeAt(0)]!) + '"';
}

function encodeNumber(cfg: Config, n: number): string {
  if (!Number.isFinite(n)) {
    if (cfg.encodeInvalid === false) throw new LuaError('Cannot serialise number: must not be NaN or Inf');
    if (cfg.encodeInvalid === 'null') return 'null';
    return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
  }
  if (Object.is(n, -0)) return '-0';
  return formatG(n, cfg.precision);
}

/** The array length of `t` (keys 1..n, holes allowed), or -1 when it must be an object. */
function arrayLength(cfg: Config, t: LuaTable): number {
  let max = 0;
  let items = 0;
  for (let i = 0; i < t.arr.length; i++) {
    if (t.arr[i] !== undefined) {
      max = i + 1;
      items++;
    }
  }
  if (t.hash !== null) {
    for (const k of t.hash.keys()) {
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > INT_MAX) return -1;
      if (k > max) max = k;
      items++;
    }
  }
  if (cfg.sparseRatio > 0 && max > items * cfg.sparseRatio && max > cfg.sparseSafe) {
    if (cfg.sparseConvert) return -1;
    throw new LuaError('Cannot serialise table: excessively sparse array');
  }
  return max;
}

interface EncodeFrame {
  t: LuaTable;
  len: number;
  /** Object entries, in order (arrays read t.get(i) as they go). */
  items: [LuaValue, LuaValue][];
  isObj: boolean;
  i: number;
  depth: number;
  slots: number;
}

/** Encodes iteratively (an explicit stack), so deep tables cannot overflow the host stack. */
function encode(cfg: Config, root: LuaValue): string {
  const parts: string[] = [];
  let size = 0;
  const out = {
    push(x: string): void {
      parts.push(x);
      size += x.length;
    },
  };
  const stack: EncodeFrame[] = [];
  const emit = (v: LuaValue, depth: number, slots: number): void => {
    switch (typeof v) {
      case 'string':
        out.push(escapeString(v));
        return;
      case 'number':
        out.push(encodeNumber(cfg, v));
        return;
      case 'boolean':
        out.push(v ? 'true' : 'false');
        return;
      case 'undefined':
        out.push('null');
        return;
    }
    if (v === cjsonNull) {
      out.push('null');
      return;
    }
    if (!(v instanceof LuaTable)) throw new LuaError(`Cannot serialise ${luaType(v)}: type not supported`);
    depth++;
    if (depth > cfg.encodeMaxDepth || slots >= ENCODE_SLOTS) throw new LuaError(`Cannot serialise, excessive nesting (${depth})`);
    const len = arrayLength(cfg, v);
    if (len > 0) {
      stack.push({ t: v, len, items: [], isObj: false, i: 0, depth, slots });
      out.push('[');
      return;
    }
    const items: [LuaValue, LuaValue][] = [];
    for (let i = 0; i < v.arr.length; i++) if (v.arr[i] !== undefined) items.push([i + 1, v.arr[i]]);
    if (v.hash !== null) for (const e of v.hash) items.push(e);
    stack.push({ t: v, len: items.length, items, isObj: true, i: 0, depth, slots });
    out.push('{');
  };
  emit(root, 0, 0);
  for (let f = stack[stack.length - 1]; f !== undefined; f = stack[stack.length - 1]) {
    if (size > MAX_OUTPUT) throw new LuaError('not enough memory');
    if (f.i >= f.len) {
      out.push(f.isObj ? '}' : ']');
      stack.pop();
      continue;
    }
    if (f.i > 0) out.push(',');
    if (!f.isObj) {
      emit(f.t.get(++f.i), f.depth, f.slots + 1);
      continue;
    }
    const [k, val] = f.items[f.i++]!;
    if (typeof k === 'string') out.push(escapeString(k));
    else if (typeof k === 'number') out.push('"' + encodeNumber(cfg, k) + '"');
    else throw new LuaError(`Cannot serialise ${luaType(k)}: table key must be a number or string`);
    out.push(':');
    emit(val, f.depth, f.slots + 2);
  }
  if (size > MAX_OUTPUT) throw new LuaError('not enough memory');
  return parts.join('');
}

// ---- decode ----

const enum T {
  ObjBegin,
  ObjEnd,
  ArrBegin,
  ArrEnd,
  String,
  Number,
  Boolean,
  Null,
  Colon,
  Comma,
  End,
  Error,
}

const TOKEN_NAMES = ['T_OBJ_BEGIN', 'T_OBJ_END', 'T_ARR_BEGIN', 'T_ARR_END', 'T_STRING', 'T_NUMBER', 'T_BOOLEAN', 'T_NULL', 'T_COLON', 'T_COMMA', 'T_END'];

interface Token {
  type: T;
  /** 0-based offset the error messages report (+1). */
  index: number;
  value?: LuaValue;
  /** For T.Error: what was found ("invalid token", "unexpected end of string", ...). */
  error?: string;
}

function hex4(s: string, i: number): number {
  const h = s.slice(i, i + 4);
  return /^[0-9a-fA-F]{4}$/.test(h) ? parseInt(h, 16) : -1;
}

function utf8(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp);
  if (cp < 0x800) return String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  if (cp < 0x10000) return String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  return String.fromCharCode(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Decoder {
  i = 0;
  constructor(
    readonly s: string,
    readonly cfg: Config,
  ) {}

  private fail(index: number, error: string): Token {
    return { type: T.Error, index, error };
  }

  private string(): Token {
    const s = this.s;
    const start = this.i;
    const parts: string[] = [];
    let j = start + 1;
    let run = j;
    for (;;) {
      if (j >= s.length) return this.fail(j, 'unexpected end of string');
      const c = s[j]!;
      if (c === '"') break;
      if (c !== '\\') {
        j++;
        continue;
      }
      parts.push(s.slice(run, j));
      const e = s[j + 1];
      if (e === 'u') {
        let cp = hex4(s, j + 2);
        let len = 6;
        if (cp < 0 || (cp >= 0xdc00 && cp <= 0xdfff)) return this.fail(j, 'invalid unicode escape code');
        if (cp >= 0xd800 && cp <= 0xdbff) {
          const lo = s[j + 6] === '\\' && s[j + 7] === 'u' ? hex4(s, j + 8) : -1;
          if (lo < 0xdc00 || lo > 0xdfff) return this.fail(j, 'invalid unicode escape code');
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          len = 12;
        }
        parts.push(utf8(cp));
        j += len;
      } else {
        const r = e === undefined ? undefined : SIMPLE_ESCAPES[e];
        if (r === undefined) return this.fail(j, 'invalid escape code');
        parts.push(r);
        j += 2;
      }
      run = j;
    }
    parts.push(s.slice(run, j));
    this.i = j + 1;
    return { type: T.String, index: start, value: parts.join('') };
  }

  private number(): Token {
    const s = this.s;
    const start = this.i;
    if (!this.cfg.decodeInvalid) {
      let p = start;
      if (s[p] === '-') p++;
      const c = s[p];
      const d = s[p + 1];
      if ((c === '0' && d !== undefined && /[0-9xX]/.test(d)) || (c !== undefined && /[iInN]/.test(c))) {
        return this.fail(start, 'invalid number');
      }
    }
    const { value, end } = strtod(s, start);
    if (end === start) return this.fail(start, 'invalid number');
    this.i = end;
    return { type: T.Number, index: start, value };
  }

  next(): Token {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') break;
      this.i++;
    }
    const index = this.i;
    if (index >= s.length) return { type: T.End, index };
    const c = s[index]!;
    const simple = '{}[]:,'.indexOf(c);
    if (simple >= 0) {
      this.i++;
      return { type: [T.ObjBegin, T.ObjEnd, T.ArrBegin, T.ArrEnd, T.Colon, T.Comma][simple]!, index };
    }
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    if (s.startsWith('true', index)) {
      this.i += 4;
      return { type: T.Boolean, index, value: true };
    }
    if (s.startsWith('false', index)) {
      this.i += 5;
      return { type: T.Boolean, index, value: false };
    }
    if (s.startsWith('null', index)) {
      this.i += 4;
      return { type: T.Null, index, value: cjsonNull };
    }
    if (this.cfg.decodeInvalid && (c === '+' || /^(inf|nan)/i.test(s.slice(index, index + 3)))) return this.number();
    return this.fail(index, 'invalid token');
  }

  error(expected: string, tok: Token): LuaError {
    const found = tok.type === T.Error ? tok.error! : TOKEN_NAMES[tok.type]!;
    return new LuaError(`Expected ${expected} but found ${found} at character ${tok.index + 1}`);
  }

  /** Parses one JSON value and checks nothing follows it; iterative (explicit stack). */
  document(): LuaValue {
    const stack: { t: LuaTable; isObj: boolean; n: number; key: string; depth: number; slots: number }[] = [];
    /** A scalar, or null after opening a container (pushed on the stack). */
    const start = (tok: Token): { v: LuaValue } | null => {
      switch (tok.type) {
        case T.String:
        case T.Number:
        case T.Boolean:
        case T.Null:
          return { v: tok.value };
        case T.ObjBegin:
        case T.ArrBegin: {
          const isObj = tok.type === T.ObjBegin;
          const parent = stack[stack.length - 1];
          const depth = (parent?.depth ?? 0) + 1;
          const slots = (parent?.slots ?? 0) + (isObj ? 2 : 1);
          if (depth > this.cfg.decodeMaxDepth || slots > DECODE_SLOTS) {
            throw new LuaError(`Found too many nested data structures (${depth}) at character ${tok.index + 1}`);
          }
          stack.push({ t: new LuaTable(), isObj, n: 0, key: '', depth, slots });
          return null;
        }
        default:
          throw this.error('value', tok);
      }
    };
    /** Reads `"key" :` with `tok` the key token; returns the token after the colon. */
    const key = (f: { key: string }, tok: Token): Token => {
      if (tok.type !== T.String) throw this.error('object key string', tok);
      f.key = tok.value as string;
      const colon = this.next();
      if (colon.type !== T.Colon) throw this.error('colon', colon);
      return this.next();
    };
    let r = start(this.next());
    for (;;) {
      const f = stack[stack.length - 1];
      if (f === undefined) break;
      const close = f.isObj ? T.ObjEnd : T.ArrEnd;
      let tok = this.next();
      if (r !== null) {
        // A value of f is complete: store it, then a comma or the end of f.
        f.t.set(f.isObj ? f.key : ++f.n, r.v);
        if (tok.type !== close) {
          if (tok.type !== T.Comma) throw this.error(f.isObj ? 'comma or object end' : 'comma or array end', tok);
          tok = this.next();
          r = start(f.isObj ? key(f, tok) : tok);
          continue;
        }
      } else if (tok.type !== close) {
        // f was just opened and is not empty.
        r = start(f.isObj ? key(f, tok) : tok);
        continue;
      }
      stack.pop();
      r = { v: f.t };
    }
    const end = this.next();
    if (end.type !== T.End) throw this.error('the end', end);
    return r!.v;
  }
}

// ---- settings ----

function tooMany(args: LuaValue[], max: number, name: string): void {
  if (args.length > max) throw argError(max, name, 'found too many arguments');
}

function intSetting(args: LuaValue[], i: number, name: string, min: number, max: number, at = i): number | undefined {
  if (args[i] === undefined) return undefined;
  const v = toInt(checkNumber(args, i, name)); // lua_tointeger, then a cast to C int
  if (v < min || v > max) throw argError(at, name, `expected integer between ${min} and ${max}`);
  return v;
}

function optionSetting(args: LuaValue[], i: number, name: string, allowNull: boolean): boolean | 'null' | undefined {
  const v = args[i];
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  const s = checkString(args, i, name);
  if (s === 'on') return true;
  if (s === 'off') return false;
  if (allowNull && s === 'null') return 'null';
  throw argError(i, name, `invalid option '${s}'`);
}

export function cjsonLibrary(): LuaTable {
  const cfg = defaults();
  const t = new LuaTable();
  const def = (name: string, fn: (args: LuaValue[]) => LuaResults): void => t.set(name, LuaFunction.native(name, fn));

  def('encode', (args) => {
    if (args.length !== 1) throw argError(0, 'encode', 'expected 1 argument');
    return [encode(cfg, args[0])];
  });
  def('decode', (args) => {
    if (args.length !== 1) throw argError(0, 'decode', 'expected 1 argument');
    return [new Decoder(checkString(args, 0, 'decode'), cfg).document()];
  });
  const depthSetter = (name: string, key: 'encodeMaxDepth' | 'decodeMaxDepth'): void =>
    def(name, (args) => {
      tooMany(args, 1, name);
      const v = intSetting(args, 0, name, 1, INT_MAX);
      if (v !== undefined) cfg[key] = v;
      return [cfg[key]];
    });
  depthSetter('encode_max_depth', 'encodeMaxDepth');
  depthSetter('decode_max_depth', 'decodeMaxDepth');
  def('encode_number_precision', (args) => {
    tooMany(args, 1, 'encode_number_precision');
    const v = intSetting(args, 0, 'encode_number_precision', 1, 14);
    if (v !== undefined) cfg.precision = v;
    return [cfg.precision];
  });
  def('encode_sparse_array', (args) => {
    const name = 'encode_sparse_array';
    tooMany(args, 3, name);
    const convert = optionSetting(args, 0, name, false);
    // Redis reports a bad ratio or safe count as argument #1.
    const ratio = intSetting(args, 1, name, 0, INT_MAX, 0);
    const safe = intSetting(args, 2, name, 0, INT_MAX, 0);
    if (convert !== undefined) cfg.sparseConvert = convert === true;
    if (ratio !== undefined) cfg.sparseRatio = ratio;
    if (safe !== undefined) cfg.sparseSafe = safe;
    return [cfg.sparseConvert, cfg.sparseRatio, cfg.sparseSafe];
  });
  def('encode_invalid_numbers', (args) => {
    tooMany(args, 1, 'encode_invalid_numbers');
    const v = optionSetting(args, 0, 'encode_invalid_numbers', true);
    if (v !== undefined) cfg.encodeInvalid = v;
    return [cfg.encodeInvalid];
  });
  const boolSetter = (name: string, key: 'decodeInvalid' | 'keepBuffer'): void =>
    def(name, (args) => {
      tooMany(args, 1, name);
      const v = optionSetting(args, 0, name, false);
      if (v !== undefined) cfg[key] = v === true;
      return [cfg[key]];
    });
  boolSetter('decode_invalid_numbers', 'decodeInvalid');
  boolSetter('encode_keep_buffer', 'keepBuffer');
  def('new', () => [cjsonLibrary()]);
  t.set('null', cjsonNull);
  t.set('_NAME', 'cjson');
  t.set('_VERSION', '2.1.0');
  return t;
}

