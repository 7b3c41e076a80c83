// Key extraction from a command's key specs (the facts in meta.ts). Used by COMMAND GETKEYS /
// GETKEYSANDFLAGS, and the one place the ACL layer asks "which arguments of this request are keys,
// and how is each accessed?".
//
// Redis's order (db.c getKeysFromCommandWithSpecs): when the command has key specs and none of them
// is marked variable_flags, the specs are used; a spec that cannot be applied to this argv (keyword
// past the end, numkeys out of range, an "unknown" or "incomplete" spec) makes the whole extraction
// fall back to the command's own key-finding routine. The commands that have one are handled
// below (SORT, MIGRATE, SET and BITFIELD flags, and the numkeys commands, whose routine reads
// numkeys with atoi); for every other command the fallback finds no keys, as in Redis.
import type { Command, CommandMeta, KeySpec } from './types.js';

export interface KeyRef {
  /** Index of the key in argv. */
  pos: number;
  /** Key-spec flags in Redis's order: RO RW OW RM access update insert delete not_key incomplete variable_flags. */
  flags: readonly string[];
}

const OW_UPDATE: readonly string[] = ['OW', 'update'];
const RW_ACCESS_UPDATE: readonly string[] = ['RW', 'access', 'update'];
const RO_ACCESS: readonly string[] = ['RO', 'access'];
const RW_ACCESS_DELETE: readonly string[] = ['RW', 'access', 'delete'];

/** True when the command has key arguments at all (COMMAND GETKEYS's "The command has no key arguments"). */
export function hasKeys(cmd: Command | CommandMeta): boolean {
  const meta = 'meta' in cmd ? cmd.meta : cmd;
  if (SPECIAL.has(meta.name)) return true;
  return meta.keySpecs.some((s) => !s.flags.includes('not_key'));
}

/**
 * The keys of a request with their access flags, in argv order of the specs. An empty array when
 * the request names no key, or when its arguments do not fit the command's key layout (COMMAND
 * GETKEYS then answers "Invalid arguments specified for command" unless the command has the
 * no_mandatory_keys flag). argv must already satisfy the command's arity.
 */
export function keysOf(cmd: Command | CommandMeta, argv: readonly string[]): KeyRef[] {
  const meta = 'meta' in cmd ? cmd.meta : cmd;
  const specs = meta.keySpecs;
  let hasKeySpec = false;
  let varFlags = false;
  for (const s of specs) {
    if (!s.flags.includes('not_key')) hasKeySpec = true;
    if (s.flags.includes('variable_flags')) varFlags = true;
  }
  if (hasKeySpec && !varFlags) {
    const keys = fromSpecs(specs, argv);
    if (keys !== null) return keys;
  }
  const special = SPECIAL.get(meta.name);
  return special === undefined ? [] : special(argv);
}

/**
 * The key positions of commands with one plain key range (GET, SET without GET, DEL, MGET, MSET,
 * HSET, ...): `first` index, `last` (>= 0: offset from first; < 0: from the end of argv) and
 * `step`. Null for every other command, whose keys need keysOf. The ACL check's fast path.
 */
export interface KeyRange {
  first: number;
  last: number;
  step: number;
  flags: readonly string[];
  /** SET: the key's flags depend on the arguments (GET reads it too). */
  varFlags: ((argv: readonly string[]) => readonly string[]) | null;
}

export function simpleKeyRange(meta: CommandMeta): KeyRange | null {
  if (meta.name === 'set') return { first: 1, last: 0, step: 1, flags: OW_UPDATE, varFlags: setKeyFlags };
  if (meta.keySpecs.length !== 1 || SPECIAL.has(meta.name)) return null;
  const spec = meta.keySpecs[0]!;
  if (spec.flags.some((f) => f === 'not_key' || f === 'incomplete' || f === 'variable_flags')) return null;
  const bs = spec.begin_search;
  const fk = spec.find_keys;
  if (bs.type !== 'index' || fk.type !== 'range' || fk.spec.limit !== 0) return null;
  return { first: bs.spec.index, last: fk.spec.lastkey, step: fk.spec.keystep, flags: spec.flags, varFlags: null };
}

/**
 * The argv index of a plain key range's last key for a request of `argc` arguments, or -1 when
 * the range does not fit the request (keysOf then names no key either).
 */
export function rangeLast(r: KeyRange, argc: number): number {
  const last = r.last >= 0 ? r.first + r.last : argc + r.last;
  return last < argc && last >= r.first && r.first < argc ? last : -1;
}

/** Applies every key spec; null when one cannot be applied (Redis's invalid_spec). */
function fromSpecs(specs: readonly KeySpec[], argv: readonly string[]): KeyRef[] | null {
  const argc = argv.length;
  const out: KeyRef[] = [];
  for (const spec of specs) {
    if (spec.flags.includes('not_key')) continue;
    let first = 0;
    const bs = spec.begin_search;
    if (bs.type === 'index') {
      first = bs.spec.index;
    } else if (bs.type === 'keyword') {
      const kw = bs.spec.keyword.toLowerCase();
      const from = bs.spec.startfrom;
      // The keyword is looked for from `startfrom` to the second-to-last argument (a key must follow),
      // or backwards from argc+startfrom down to 1.
      if (from > 0) {
        for (let i = from; i < argc - 1; i++) {
          if (argv[i]!.length === kw.length && argv[i]!.toLowerCase() === kw) {
            first = i + 1;
            break;
          }
        }
      } else {
        for (let i = argc + from; i > 0; i--) {
          if (i >= argc) continue;
          if (argv[i]!.length === kw.length && argv[i]!.toLowerCase() === kw) {
            first = i + 1;
            break;
          }
        }
      }
      if (first === 0) continue; // keyword absent: this spec names no key
    } else {
      return null;
    }

    let last: number;
    let step: number;
    const fk = spec.find_keys;
    if (fk.type === 'range') {
      step = fk.spec.keystep;
      if (fk.spec.lastkey >= 0) last = first + fk.spec.lastkey;
      else if (fk.spec.limit === 0) last = argc + fk.spec.lastkey;
      else last = first + (Math.floor((argc - first) / fk.spec.limit) + fk.spec.lastkey);
    } else if (fk.type === 'keynum') {
      step = fk.spec.keystep;
      const idx = first + fk.spec.keynumidx;
      if (fk.spec.keynumidx >= argc || idx >= argc) return null;
      const n = parseLongLong(argv[idx]!);
      if (n === null || n < 0n) return null;
      first += fk.spec.firstkey;
      // Redis casts the count to an int: 4294967298 names 2 keys.
      last = first + Number(BigInt.asIntN(32, n)) - 1;
    } else {
      return null;
    }
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) out.push({ pos: i, flags: spec.flags });
    if (spec.flags.includes('incomplete')) return null;
  }
  return out;
}

/** A C long long as Redis's string2ll reads it: strict decimal, no sign but "-", no leading zero. */
function parseLongLong(s: string): bigint | null {
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(s)) return null;
  const n = BigInt(s);
  return n > LONG_MAX || n < -LONG_MAX - 1n ? null : n;
}

/** Commands whose keys the specs alone do not describe (Redis's getkeys procedures). */
const SPECIAL = new Map<string, (argv: readonly string[]) => KeyRef[]>([
  ['set', setKeys],
  ['bitfield', bitfieldKeys],
  ['sort', (argv) => sortKeys(argv, false)],
  ['sort_ro', (argv) => sortKeys(argv, true)],
  ['migrate', migrateKeys],
  // The numkeys commands: their routine is used when the keynum spec cannot be applied (numkeys
  // written "02", "+2", " 2", "2abc", or out of range).
  ...(['zunion', 'zinter', 'zdiff', 'zintercard', 'sintercard', 'lmpop', 'zmpop'] as const).map((n) => [n, numkeysKeys(0, 1, 2)] as const),
  ...(['zunionstore', 'zinterstore', 'zdiffstore'] as const).map((n) => [n, numkeysKeys(1, 2, 3)] as const),
  ...(['blmpop', 'bzmpop', 'eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro'] as const).map((n) => [n, numkeysKeys(0, 2, 3)] as const),
]);

const NO_FLAGS: readonly string[] = [];

/**
 * The routine Redis falls back to for a numkeys command whose keynum spec failed: numkeys is read
 * with C's atoi, so "02", "+2", " 2" and "2abc" all mean 2; from 1 to the number of arguments left
 * it names that many keys from `first` on, then the destination at `store` (0: none), all with no
 * access flags (any key pattern that matches the key admits it, whatever its %R / %W).
 */
function numkeysKeys(store: number, count: number, first: number): (argv: readonly string[]) => KeyRef[] {
  return (argv) => {
    const raw = argv[count];
    if (raw === undefined) return [];
    const num = atoi(raw);
    // SECURITY: the keys a malformed numkeys names are still checked against the ACL key patterns
    // (a denial is NOPERM and an ACL LOG entry, before the handler refuses the number).
    if (num < 1 || num > argv.length - first) return [];
    const keys: KeyRef[] = [];
    for (let i = 0; i < num; i++) keys.push({ pos: first + i, flags: NO_FLAGS });
    if (store > 0) keys.push({ pos: store, flags: NO_FLAGS });
    return keys;
  };
}

const LONG_MAX = (1n << 63n) - 1n;

/**
 * C's atoi as glibc computes it, (int)strtol(s, NULL, 10): leading white space, an optional sign,
 * then digits up to the first non-digit (none: 0); clamped to a 64-bit long, then cut to 32 bits.
 */
export function atoi(s: string): number {
  let i = 0;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i]!)) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  let v = 0n;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    if (v <= LONG_MAX) v = v * 10n + BigInt(c - 48);
  }
  if (neg) v = v > LONG_MAX + 1n ? -(LONG_MAX + 1n) : -v;
  else if (v > LONG_MAX) v = LONG_MAX;
  return Number(BigInt.asIntN(32, v));
}

// SET: the key is read too when GET is given.
function setKeyFlags(argv: readonly string[]): readonly string[] {
  for (let i = 3; i < argv.length; i++) {
    if (argv[i]!.length === 3 && argv[i]!.toLowerCase() === 'get') return RW_ACCESS_UPDATE;
  }
  return OW_UPDATE;
}

function setKeys(argv: readonly string[]): KeyRef[] {
  return [{ pos: 1, flags: setKeyFlags(argv) }];
}

// BITFIELD: read-only when every operation is a GET.
function bitfieldKeys(argv: readonly string[]): KeyRef[] {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const op = argv[i]!.toLowerCase();
    const remaining = argv.length - i - 1;
    if (op === 'get' && remaining >= 2) {
      i += 2;
    } else if ((op === 'set' || op === 'incrby') && remaining >= 3) {
      readonly = false;
      i += 3;
    } else if (op === 'overflow' && remaining >= 1) {
      i += 1;
    } else {
      readonly = false;
      break;
    }
  }
  return [{ pos: 1, flags: readonly ? RO_ACCESS : RW_ACCESS_UPDATE }];
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE dest]:
// the last STORE names the destination; option arguments are skipped.
function sortKeys(argv: readonly string[], ro: boolean): KeyRef[] {
  const keys: KeyRef[] = [{ pos: 1, flags: RO_ACCESS }];
  if (ro) return keys;
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!.toLowerCase();
    if (a === 'limit') i += 2;
    else if (a === 'get' || a === 'by') i += 1;
    else if (a === 'store' && i + 1 < argv.length) {
      store = i + 1;
      i += 1;
    }
  }
  if (store > 0) keys.push({ pos: store, flags: OW_UPDATE });
  return keys;
}

// MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS key ...]
function migrateKeys(argv: readonly string[]): KeyRef[] {
  if (argv[3] === '' && argv.length > 6) {
    for (let i = 6; i < argv.length; i++) {
      const a = argv[i]!.toLowerCase();
      if (a === 'auth') i += 1;
      else if (a === 'auth2') i += 2;
      else if (a === 'keys') {
        const keys: KeyRef[] = [];
        for (let j = i + 1; j < argv.length; j++) keys.push({ pos: j, flags: RW_ACCESS_DELETE });
        return keys;
      }
    }
    return [];
  }
  return [{ pos: 3, flags: RW_ACCESS_DELETE }];
}
