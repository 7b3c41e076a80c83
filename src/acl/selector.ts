// An ACL selector: which commands, keys and channels a set of rules allows. A user has a root
// selector and any number of `(...)` selectors; a request is allowed when one selector allows it.
// Rule grammar, error kinds and the description written back by ACL GETUSER / LIST follow Redis 7.0.
import { splitArgs } from '../protocol/parser.js';
import { globMatch } from '../store/glob.js';
import { keysOf, rangeLast } from '../commands/keyspecs.js';
import { CATEGORIES, type CatalogEntry, catalog, keyAccessOf } from './catalog.js';

/** Key pattern permissions. */
export const KEY_READ = 1;
export const KEY_WRITE = 2;
export const KEY_ALL = KEY_READ | KEY_WRITE;

/** Why a rule was refused; acl/errors maps each to Redis's text. */
export type RuleError =
  | 'unknown'
  | 'syntax'
  | 'keys-after-star'
  | 'channels-after-star'
  | 'no-such-password'
  | 'bad-hash'
  | 'subcommand-first-arg'
  // Redoubt's own: a `from:` rule that is no address or CIDR block (users.ts).
  | 'bad-from';

/** Why a request was refused. */
export type Denial = 'command' | 'key' | 'channel';

export interface KeyPattern {
  pattern: string;
  flags: number;
  /** The pattern is this literal prefix followed by one '*' (the common "cache:*"), else null. */
  prefix: string | null;
}

/** A pattern's literal prefix when it is "<literal>*", else null (it needs the glob matcher). */
function literalPrefix(pattern: string): string | null {
  const body = pattern.slice(0, -1);
  if (!pattern.endsWith('*') || /[*?[\\]/.test(body)) return null;
  return body;
}

/** Redis's isspace() or NUL: not allowed in patterns and user names. */
export function hasSpaces(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
  }
  return false;
}

function eq(a: string, b: string): boolean {
  return a.length === b.length && a.toLowerCase() === b.toLowerCase();
}

/** Channel arguments of the pub/sub commands whose channels are checked (publish and subscribe). */
function channelsOf(name: string, argc: number): { from: number; to: number; pattern: boolean } | null {
  switch (name) {
    case 'publish':
    case 'spublish':
      return { from: 1, to: 2, pattern: false };
    case 'subscribe':
    case 'ssubscribe':
      return { from: 1, to: argc, pattern: false };
    case 'psubscribe':
      return { from: 1, to: argc, pattern: true };
    default:
      return null;
  }
}

export class Selector {
  allKeys = false;
  allChannels: boolean;
  /** Every command allowed, checked without the bitmap (cleared as soon as one bit is cleared). */
  allCommands = false;
  /** Set by +@all: the rules start from "everything" (the description starts with +@all). */
  future = false;
  bits: Uint8Array;
  /** Allowed first arguments of otherwise refused commands (+select|0), by command id. */
  firstArgs: Map<number, string[]> | null = null;
  patterns: KeyPattern[] = [];
  channels: string[] = [];

  constructor(allChannels: boolean) {
    this.allChannels = allChannels;
    this.bits = new Uint8Array(catalog.size);
  }

  clone(): Selector {
    const s = new Selector(this.allChannels);
    s.allKeys = this.allKeys;
    s.allCommands = this.allCommands;
    s.future = this.future;
    s.bits.set(this.bits);
    if (this.firstArgs !== null) s.firstArgs = new Map([...this.firstArgs].map(([k, v]) => [k, [...v]]));
    s.patterns = this.patterns.map((p) => ({ ...p }));
    s.channels = [...this.channels];
    return s;
  }

  /** A selector from "(rule rule ...)"; the rules inside are split with config-file quoting. */
  static fromOpSet(opset: string, allChannels: boolean): Selector | RuleError {
    const s = new Selector(allChannels);
    for (const op of splitArgs(opset.slice(1, -1)) ?? []) {
      const e = s.apply(op);
      if (e !== null) return e;
    }
    return s;
  }

  private setBit(id: number, allow: boolean): void {
    this.bits[id] = allow ? 1 : 0;
    if (!allow) this.allCommands = false;
  }

  /** Allows or refuses a command; a container takes its subcommands along. */
  private changePerm(e: CatalogEntry, allow: boolean): void {
    this.setBit(e.id, allow);
    this.firstArgs?.delete(e.id);
    for (const s of e.subs) this.setBit(s.id, allow);
  }

  private setCategory(bit: number, allow: boolean): void {
    for (const e of catalog.top) {
      if (e.categories & bit) this.changePerm(e, allow);
      for (const s of e.subs) if (s.categories & bit) this.changePerm(s, allow);
    }
  }

  /** Applies one selector rule; null on success. */
  apply(op: string): RuleError | null {
    const lower = op.length <= 13 ? op.toLowerCase() : '';
    if (lower === 'allkeys' || op === '~*') {
      this.allKeys = true;
      this.patterns = [];
    } else if (lower === 'resetkeys') {
      this.allKeys = false;
      this.patterns = [];
    } else if (lower === 'allchannels' || op === '&*') {
      this.allChannels = true;
      this.channels = [];
    } else if (lower === 'resetchannels') {
      this.allChannels = false;
      this.channels = [];
    } else if (lower === 'allcommands' || lower === '+@all') {
      this.bits.fill(1);
      this.allCommands = true;
      this.future = true;
      this.firstArgs = null;
    } else if (lower === 'nocommands' || lower === '-@all') {
      this.bits.fill(0);
      this.allCommands = false;
      this.future = false;
      this.firstArgs = null;
    } else if (op[0] === '~' || op[0] === '%') {
      if (this.allKeys) return 'keys-after-star';
      let flags = 0;
      let offset = 1;
      if (op[0] === '%') {
        for (; offset < op.length; offset++) {
          const c = op[offset]!.toUpperCase();
          if (c === 'R' && !(flags & KEY_READ)) flags |= KEY_READ;
          else if (c === 'W' && !(flags & KEY_WRITE)) flags |= KEY_WRITE;
          else if (c === '~') {
            offset++;
            break;
          } else return 'syntax';
        }
      } else flags = KEY_ALL;
      const pattern = op.slice(offset);
      if (hasSpaces(pattern)) return 'syntax';
      const existing = this.patterns.find((p) => p.pattern === pattern);
      if (existing === undefined) this.patterns.push({ pattern, flags, prefix: literalPrefix(pattern) });
      else existing.flags |= flags;
      this.allKeys = false;
    } else if (op[0] === '&') {
      if (this.allChannels) return 'channels-after-star';
      const pattern = op.slice(1);
      if (hasSpaces(pattern)) return 'syntax';
      if (!this.channels.includes(pattern)) this.channels.push(pattern);
      this.allChannels = false;
    } else if (op[0] === '+' && op[1] !== '@') {
      const bar = op.lastIndexOf('|');
      if (bar < 0) {
        const e = catalog.lookup(op.slice(1));
        if (e === undefined) return 'unknown';
        this.changePerm(e, true);
        return null;
      }
      const base = op.slice(1, bar);
      const sub = op.slice(bar + 1);
      const e = base.includes('|') ? lookupStrict(base) : catalog.lookup(base);
      if (e === undefined) return 'unknown';
      if (e.parent !== null) return 'subcommand-first-arg';
      if (sub === '') return 'syntax';
      if (e.subs.length > 0) {
        const s = catalog.lookup(op.slice(1));
        if (s === undefined) return 'unknown';
        this.changePerm(s, true);
      } else {
        // The deprecated form that allows one first argument of an otherwise refused command
        // (+select|0, +debug|object).
        this.firstArgs ??= new Map();
        const list = this.firstArgs.get(e.id) ?? [];
        if (!list.some((a) => eq(a, sub))) list.push(sub);
        this.firstArgs.set(e.id, list);
      }
    } else if (op[0] === '-' && op[1] !== '@') {
      const e = lookupStrict(op.slice(1));
      if (e === undefined) return 'unknown';
      this.changePerm(e, false);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const bit = catalog.categoryBit(op.slice(2));
      if (bit === 0) return 'unknown';
      this.setCategory(bit, op[0] === '+');
    } else {
      return 'syntax';
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------
  // Checks

  /** May this selector run the command at all (bit or allowed first argument)? */
  allowsCommand(e: CatalogEntry, argv: readonly string[]): boolean {
    if (this.allCommands || e.noAuth || this.bits[e.id] === 1) return true;
    const args = this.firstArgs?.get(e.id);
    if (args === undefined || argv.length < 2) return false;
    const first = argv[e.parent !== null ? 2 : 1];
    return first !== undefined && args.some((a) => eq(a, first));
  }

  /** May this selector touch `key` with the given access (KEY_READ | KEY_WRITE)? */
  allowsKey(key: string, access: number): boolean {
    if (this.allKeys) return true;
    for (const p of this.patterns) {
      if ((p.flags & access) !== access) continue;
      // The glob matcher decides for the empty key (Redis's: it matches only an empty pattern).
      if (p.prefix !== null && key.length > 0 ? key.startsWith(p.prefix) : globMatch(p.pattern, key, false)) return true;
    }
    return false;
  }

  /** Does the selector hold `~*` (or %R~* / %W~* covering `access`)? */
  allowsEveryKey(access: number): boolean {
    if (this.allKeys) return true;
    return this.patterns.some((p) => (p.flags & access) === access && p.pattern === '*');
  }

  /**
   * A plain channel is matched against the channel patterns; a PSUBSCRIBE pattern only against an
   * identical ACL pattern.
   */
  allowsChannel(channel: string, isPattern: boolean): boolean {
    return this.allChannels || channelInList(this.channels, channel, isPattern);
  }

  /**
   * Checks a request. Returns null when allowed, else the denial and the argv index of the key or
   * channel at fault (0 for a command denial).
   */
  check(e: CatalogEntry, argv: readonly string[]): { denial: Denial; pos: number } | null {
    if (!this.allowsCommand(e, argv)) return { denial: 'command', pos: 0 };
    if (!this.allKeys && e.hasKeySpecs) {
      const r = e.keyRange;
      if (r !== null) {
        // One plain key range: the positions without building the key list (same result as keysOf).
        const last = rangeLast(r, argv.length);
        if (last >= 0) {
          const access = r.varFlags === null ? e.keyAccess : r.varFlags(argv) === r.flags ? e.keyAccess : keyAccessOf(r.varFlags(argv));
          for (let i = r.first; i <= last; i += r.step) if (!this.allowsKey(argv[i]!, access)) return { denial: 'key', pos: i };
        }
      } else {
        for (const k of keysOf(e.meta, argv)) {
          if (!this.allowsKey(argv[k.pos]!, keyAccessOf(k.flags))) return { denial: 'key', pos: k.pos };
        }
      }
    }
    if (!this.allChannels && e.hasChannels) {
      const ch = channelsOf(e.fullName, argv.length);
      if (ch !== null) {
        for (let i = ch.from; i < ch.to; i++) {
          if (!this.allowsChannel(argv[i]!, ch.pattern)) return { denial: 'channel', pos: i };
        }
      }
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------
  // Description (ACL GETUSER, ACL LIST, ACL SAVE, CONFIG REWRITE)

  /** "~pattern ... resetchannels &ch ... +@all -@dangerous": the selector as rules. */
  describe(): string {
    let out = '';
    if (this.allKeys) out += '~* ';
    else for (const p of this.patterns) out += patternString(p) + ' ';
    if (this.allChannels) out += '&* ';
    else {
      out += 'resetchannels ';
      for (const c of this.channels) out += '&' + c + ' ';
    }
    return out + this.describeCommands();
  }

  /** Key patterns as ACL GETUSER shows them. */
  describeKeys(): string {
    if (this.allKeys) return '~*';
    return this.patterns.map(patternString).join(' ');
  }

  describeChannels(): string {
    if (this.allChannels) return '&*';
    return this.channels.map((c) => '&' + c).join(' ');
  }

  /**
   * The command rules: +@all or -@all, then the categories that best approximate the bitmap
   * (each chosen when it has more commands in common with the user than different, fewest
   * differences first), then the single commands that still differ, and allowed first arguments.
   */
  describeCommands(): string {
    const additive = !this.future;
    const rules: string[] = [additive ? '-@all' : '+@all'];
    const fake = new Selector(false);
    fake.apply(rules[0]!);
    const temp = new Uint8Array(this.bits);
    const applied = new Set<number>();
    for (;;) {
      let best = -1;
      let mindiff = Infinity;
      let maxsame = 0;
      for (let j = 0; j < CATEGORIES.length; j++) {
        if (applied.has(j)) continue;
        const bit = 1 << j;
        let on = 0;
        let off = 0;
        for (const e of catalog.byId) {
          if (e.categories & bit) {
            if (temp[e.id] === 1) on++;
            else off++;
          }
        }
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
          best = j;
          mindiff = diff;
          maxsame = same;
        }
      }
      if (best < 0) break;
      const name = CATEGORIES[best]!;
      rules.push((additive ? '+@' : '-@') + name);
      fake.setCategory(1 << best, additive);
      // Apply the inverse to the scratch bitmap, as the category is now accounted for.
      const scratch = new Selector(false);
      scratch.bits = temp;
      scratch.setCategory(1 << best, !additive);
      applied.add(best);
    }
    const visit = (e: CatalogEntry): void => {
      const userbit = this.bits[e.id] === 1;
      if (userbit !== (fake.bits[e.id] === 1)) {
        rules.push((userbit ? '+' : '-') + e.fullName);
        fake.changePerm(e, userbit);
      }
      for (const s of e.subs) visit(s);
      const args = this.firstArgs?.get(e.id);
      if (!userbit && args !== undefined) for (const a of args) rules.push(`+${e.fullName}|${a}`);
    };
    for (const e of catalog.top) visit(e);
    return rules.join(' ');
  }
}

/**
 * Whether a list of ACL channel patterns admits a channel: a plain channel is glob-matched, a
 * PSUBSCRIBE pattern only equals an identical ACL pattern (Redis's ACLCheckChannelAgainstList).
 */
export function channelInList(patterns: readonly string[], channel: string, isPattern: boolean): boolean {
  for (const p of patterns) {
    if (isPattern ? p === channel : globMatch(p, channel, false)) return true;
  }
  return false;
}

function patternString(p: KeyPattern): string {
  return (p.flags === KEY_ALL ? '~' : p.flags === KEY_READ ? '%R~' : '%W~') + p.pattern;
}

/** Redis's strict lookup of "cmd" or "cmd|sub": a sub-name on a command without subcommands is unknown. */
function lookupStrict(name: string): CatalogEntry | undefined {
  const parts = name.split('|');
  if (parts.length > 2) return undefined;
  const base = catalog.lookup(parts[0]!);
  if (base === undefined) return undefined;
  if (parts.length === 1) return base;
  if (base.subs.length === 0) return undefined;
  return catalog.lookup(name);
}
