// Lua 5.1 tokens. The lexer scans one character code at a time (no regex per character); names,
// numbers and strings without escapes are single slices of the source. Errors are worded as Lua
// 5.1 words them ("user_script:1: malformed number near '1e'"), checked against redis-server.
import { str2number } from './number.js';
import { LuaError } from './value.js';

// Token codes: a single-character token is its character code (0..255); the rest follow.
export const T_AND = 257;
export const T_BREAK = 258;
export const T_DO = 259;
export const T_ELSE = 260;
export const T_ELSEIF = 261;
export const T_END = 262;
export const T_FALSE = 263;
export const T_FOR = 264;
export const T_FUNCTION = 265;
export const T_IF = 266;
export const T_IN = 267;
export const T_LOCAL = 268;
export const T_NIL = 269;
export const T_NOT = 270;
export const T_OR = 271;
export const T_REPEAT = 272;
export const T_RETURN = 273;
export const T_THEN = 274;
export const T_TRUE = 275;
export const T_UNTIL = 276;
export const T_WHILE = 277;
export const T_CONCAT = 278;
export const T_DOTS = 279;
export const T_EQ = 280;
export const T_GE = 281;
export const T_LE = 282;
export const T_NE = 283;
export const T_NUMBER = 284;
export const T_NAME = 285;
export const T_STRING = 286;
export const T_EOS = 287;

const FIRST_RESERVED = T_AND;
const TOKEN_NAMES = [
  'and', 'break', 'do', 'else', 'elseif', 'end', 'false', 'for', 'function', 'if', 'in', 'local', 'nil', 'not', 'or',
  'repeat', 'return', 'then', 'true', 'until', 'while', '..', '...', '==', '>=', '<=', '~=', '<number>', '<name>', '<string>', '<eof>',
];
const RESERVED = new Map<string, number>();
for (let i = 0; i <= T_WHILE - FIRST_RESERVED; i++) RESERVED.set(TOKEN_NAMES[i]!, FIRST_RESERVED + i);

/** How Lua names a token in messages: "'='" is built from "=", a control character is "char(N)". */
export function tokenName(t: number): string {
  if (t >= FIRST_RESERVED) return TOKEN_NAMES[t - FIRST_RESERVED]!;
  if (t < 32 || t === 127) return `char(${t})`;
  return String.fromCharCode(t);
}

// Character classes (the C locale's: only ASCII letters are letters).
const C_DIGIT = 1;
const C_ALPHA = 2; // letters and '_'
const C_SPACE = 4; // ' ', \t, \v, \f (newlines are handled apart)
const C_HEX = 8;
const CLASS = new Uint8Array(256);
for (let c = 48; c <= 57; c++) CLASS[c] = C_DIGIT | C_HEX;
for (let c = 65; c <= 90; c++) CLASS[c] = C_ALPHA;
for (let c = 97; c <= 122; c++) CLASS[c] = C_ALPHA;
for (let c = 65; c <= 70; c++) CLASS[c]! |= C_HEX;
for (let c = 97; c <= 102; c++) CLASS[c]! |= C_HEX;
CLASS[95] = C_ALPHA;
for (const c of [32, 9, 11, 12]) CLASS[c] = C_SPACE;

function cls(c: number): number {
  return c < 256 ? CLASS[c]! : 0;
}

const NL = 10;
const CR = 13;
const EOZ = -1;

/** A token's data, current or looked-ahead. */
interface Tok {
  t: number;
  /** A name's text, a string's decoded value. */
  s: string;
  /** A number's value. */
  n: number;
  /** Source range of a number (its raw text is its `near` text). */
  start: number;
  end: number;
  /** A string: the quote character's code for a short string, or -(sep+1) for a long one. */
  q: number;
}

function emptyTok(): Tok {
  return { t: T_EOS, s: '', n: 0, start: 0, end: 0, q: 0 };
}

export class Lexer {
  private pos = 0;
  /** The line the scanner is on (Lua's linenumber): after the current token, or the look-ahead. */
  line = 1;
  /** The line where the previous token ended (Lua's lastline). */
  lastLine = 1;
  /** The current token. */
  tok: Tok = emptyTok();
  private ahead: Tok = emptyTok();
  private hasAhead = false;
  private readonly src: string;
  private readonly len: number;

  constructor(
    src: string,
    readonly chunkName: string,
  ) {
    this.src = src;
    this.len = src.length;
  }

  get t(): number {
    return this.tok.t;
  }

  next(): void {
    this.lastLine = this.line;
    if (this.hasAhead) {
      const cur = this.tok;
      this.tok = this.ahead;
      this.ahead = cur;
      this.hasAhead = false;
    } else {
      this.scan(this.tok);
    }
  }

  /** The token after the current one (Lua looks one ahead only in table constructors). */
  peek(): number {
    if (!this.hasAhead) {
      this.scan(this.ahead);
      this.hasAhead = true;
    }
    return this.ahead.t;
  }

  /** A token as Lua prints it after "near": a name, number or string as written, else its name. */
  tokenText(tk: Tok = this.tok): string {
    switch (tk.t) {
      case T_NAME:
        return tk.s;
      case T_NUMBER:
        return this.src.slice(tk.start, tk.end);
      case T_STRING: {
        if (tk.q > 0) {
          const q = String.fromCharCode(tk.q);
          return q + tk.s + q;
        }
        const eq = '='.repeat(-tk.q - 1);
        return `[${eq}[${tk.s}]${eq}]`;
      }
      default:
        return tokenName(tk.t);
    }
  }

  /** "user_script:LINE: msg" (no position suffix). */
  error(msg: string): LuaError {
    return new LuaError(`${this.chunkName}:${this.line}: ${msg}`);
  }

  /** An error near the current token (Lua's syntax error). Token 0 (a NUL byte) prints no near. */
  syntaxError(msg: string): LuaError {
    return this.errorNear(msg, this.tok.t === 0 ? null : this.tokenText());
  }

  private errorNear(msg: string, near: string | null): LuaError {
    if (near === null) return this.error(msg);
    // Lua formats the token as a C string: it ends at a NUL byte.
    const nul = near.indexOf('\0');
    return this.error(`${msg} near '${nul < 0 ? near : near.slice(0, nul)}'`);
  }

  private ch(p: number): number {
    return p < this.len ? this.src.charCodeAt(p) : EOZ;
  }

  /** Skips a newline at pos (\n, \r, \r\n or \n\r count as one) and counts the line. */
  private newline(): void {
    const c = this.src.charCodeAt(this.pos++);
    const d = this.ch(this.pos);
    if ((d === NL || d === CR) && d !== c) this.pos++;
    this.line++;
  }

  private scan(tk: Tok): void {
    const src = this.src;
    for (;;) {
      const p = this.pos;
      if (p >= this.len) {
        tk.t = T_EOS;
        return;
      }
      const c = src.charCodeAt(p);
      switch (c) {
        case NL:
        case CR:
          this.newline();
          continue;
        case 45: {
          // '-'
          if (this.ch(p + 1) !== 45) {
            this.pos = p + 1;
            tk.t = 45;
            return;
          }
          this.pos = p + 2;
          if (this.ch(this.pos) === 91) {
            const sep = this.skipSep();
            if (sep >= 0) {
              this.longString(sep, null);
              continue;
            }
          }
          while (this.pos < this.len) {
            const d = src.charCodeAt(this.pos);
            if (d === NL || d === CR) break;
            this.pos++;
          }
          continue;
        }
        case 91: {
          // '['
          const sep = this.skipSep();
          if (sep >= 0) {
            this.longString(sep, tk);
            return;
          }
          if (sep === -1) {
            tk.t = 91;
            return;
          }
          throw this.errorNear('invalid long string delimiter', src.slice(p, this.pos));
        }
        case 61: // '='
          return this.twoChar(tk, p, 61, T_EQ);
        case 60: // '<'
          return this.twoChar(tk, p, 60, T_LE);
        case 62: // '>'
          return this.twoChar(tk, p, 62, T_GE);
        case 126: // '~'
          return this.twoChar(tk, p, 126, T_NE);
        case 34:
        case 39:
          this.shortString(c, tk);
          return;
        case 46: {
          // '.'
          if (this.ch(p + 1) === 46) {
            if (this.ch(p + 2) === 46) {
              this.pos = p + 3;
              tk.t = T_DOTS;
              return;
            }
            this.pos = p + 2;
            tk.t = T_CONCAT;
            return;
          }
          if (!(cls(this.ch(p + 1)) & C_DIGIT)) {
            this.pos = p + 1;
            tk.t = 46;
            return;
          }
          this.numeral(tk);
          return;
        }
        default: {
          const k = cls(c);
          if (k & C_SPACE) {
            this.pos = p + 1;
            continue;
          }
          if (k & C_DIGIT) {
            this.numeral(tk);
            return;
          }
          if (k & C_ALPHA) {
            let e = p + 1;
            while (e < this.len && cls(src.charCodeAt(e)) & (C_ALPHA | C_DIGIT)) e++;
            this.pos = e;
            const word = src.slice(p, e);
            const r = RESERVED.get(word);
            if (r !== undefined) {
              tk.t = r;
            } else {
              tk.t = T_NAME;
              tk.s = word;
            }
            return;
          }
          this.pos = p + 1;
          tk.t = c;
          return;
        }
      }
    }
  }

  private twoChar(tk: Tok, p: number, single: number, double: number): void {
    if (this.ch(p + 1) === 61) {
      this.pos = p + 2;
      tk.t = double;
    } else {
      this.pos = p + 1;
      tk.t = single;
    }
  }

  /** Digits and dots, an optional exponent mark and sign, then letters, digits and '_' (as 5.1). */
  private numeral(tk: Tok): void {
    const src = this.src;
    const start = this.pos;
    let e = start;
    for (;;) {
      const c = this.ch(e);
      if (c === 46 || cls(c) & C_DIGIT) e++;
      else break;
    }
    let c = this.ch(e);
    if (c === 69 || c === 101) {
      e++;
      c = this.ch(e);
      if (c === 43 || c === 45) e++;
    }
    while (e < this.len && cls(src.charCodeAt(e)) & (C_ALPHA | C_DIGIT)) e++;
    this.pos = e;
    const text = src.slice(start, e);
    // Lua 5.1 converts a numeral as it converts a string (luaO_str2d).
    const v = str2number(text);
    if (v === undefined) throw this.errorNear('malformed number', text);
    tk.t = T_NUMBER;
    tk.n = v;
    tk.start = start;
    tk.end = e;
  }

  /** At '[' or ']': consumes it and any '='; the count of '=' if the same bracket follows, else -count-1. */
  private skipSep(): number {
    const s = this.src.charCodeAt(this.pos);
    let p = this.pos + 1;
    while (this.ch(p) === 61) p++;
    const count = p - this.pos - 1;
    this.pos = p;
    return this.ch(p) === s ? count : -count - 1;
  }

  /** After `[==` (at the second '['): a long string (tk set) or a long comment (tk null). */
  private longString(sep: number, tk: Tok | null): void {
    const src = this.src;
    this.pos++; // the second '['
    const c0 = this.ch(this.pos);
    if (c0 === NL || c0 === CR) this.newline();
    const parts: string[] = [];
    let from = this.pos;
    for (;;) {
      if (this.pos >= this.len) throw this.errorNear(tk ? 'unfinished long string' : 'unfinished long comment', '<eof>');
      const c = src.charCodeAt(this.pos);
      if (c === 93) {
        // ']'
        const at = this.pos;
        if (this.skipSep() === sep) {
          if (tk) parts.push(src.slice(from, at));
          this.pos++; // the second ']'
          break;
        }
      } else if (c === NL || c === CR) {
        if (tk) parts.push(src.slice(from, this.pos), '\n');
        this.newline();
        from = this.pos;
      } else {
        this.pos++;
      }
    }
    if (tk) {
      tk.t = T_STRING;
      tk.s = parts.length === 1 ? parts[0]! : parts.join('');
      tk.q = -(sep + 1);
    }
  }

  private shortString(quote: number, tk: Tok): void {
    const src = this.src;
    this.pos++;
    let from = this.pos;
    let parts: string[] | null = null;
    const q = String.fromCharCode(quote);
    const sofar = (): string => q + (parts ? parts.join('') : '') + src.slice(from, this.pos);
    for (;;) {
      if (this.pos >= this.len) throw this.errorNear('unfinished string', '<eof>');
      const c = src.charCodeAt(this.pos);
      if (c === quote) break;
      if (c === NL || c === CR) throw this.errorNear('unfinished string', sofar());
      if (c !== 92) {
        this.pos++;
        continue;
      }
      // A backslash: flush the plain run, then decode.
      parts ??= [];
      parts.push(src.slice(from, this.pos));
      this.pos++;
      const e = this.ch(this.pos);
      let out: string;
      switch (e) {
        case 97: out = '\x07'; break; // \a
        case 98: out = '\b'; break;
        case 102: out = '\f'; break;
        case 110: out = '\n'; break;
        case 114: out = '\r'; break;
        case 116: out = '\t'; break;
        case 118: out = '\v'; break;
        case NL:
        case CR:
          this.newline();
          parts.push('\n');
          from = this.pos;
          continue;
        case EOZ:
          from = this.pos;
          continue; // reported as an unfinished string at the top of the loop
        default: {
          if (!(cls(e) & C_DIGIT)) {
            out = String.fromCharCode(e);
            break;
          }
          let v = 0;
          let i = 0;
          do {
            v = 10 * v + (this.ch(this.pos) - 48);
            this.pos++;
          } while (++i < 3 && cls(this.ch(this.pos)) & C_DIGIT);
          from = this.pos;
          if (v > 255) throw this.errorNear('escape sequence too large', sofar());
          parts.push(String.fromCharCode(v));
          continue;
        }
      }
      parts.push(out);
      this.pos++;
      from = this.pos;
    }
    const last = src.slice(from, this.pos);
    this.pos++; // the closing quote
    tk.t = T_STRING;
    tk.s = parts ? (parts.push(last), parts.join('')) : last;
    tk.q = quote;
  }
}
