// The SCAN family's common part (Redis's scanGenericCommand), used by SCAN (keys.ts), SSCAN
// (set.ts), HSCAN (hash.ts) and ZSCAN (zset.ts): the cursor argument, the options (MATCH, COUNT,
// and TYPE for SCAN), the MATCH filter and the reply [next cursor, elements]. Each command gives
// what it walks as a ScanTarget. Cursors come from store/scan.ts (live iterators with a
// fallback), not Redis's bucket cursors: the guarantees are the same, the numbers differ.
import type { DataContext } from './types.js';
import { err } from '../errors.js';
import { formatDouble } from '../protocol/writer.js';
import type { Client } from '../server/client.js';
import { globMatch } from '../store/glob.js';
import { parseCursor, type ScanSource } from '../store/scan.js';
import { is, parseInteger } from './args.js';

export interface ScanOptions {
  count: number;
  /** null: match everything (no MATCH, or MATCH *). */
  pat: string | null;
  /** SCAN's TYPE, lower-cased; null when absent. */
  type: string | null;
}

/** What a SCAN-family command walks, and how an element is replied. */
export interface ScanTarget {
  /**
   * Non-null when the collection is returned whole with cursor 0: small encodings (listpack,
   * intset), as Redis does, and small values in Redoubt's flat layout (SCAN allows it; the
   * cursor differs). Calls visit for every element in reply order, with its value (a hash's
   * value, a sorted set's score) when it has one.
   */
  whole: ((visit: (member: string, value?: string | number) => void) => void) | null;
  /** What the cursor walks (used when not whole). */
  source(): ScanSource<string>;
  /**
   * Writes the reply items of an element reached by the cursor (the value follows the member)
   * into out; nothing when it is gone since it was read (or, for SCAN, filtered out by TYPE).
   */
  emit(member: string, out: string[], opts: ScanOptions): void;
}

/** The cursor argument (parseScanCursorOrReply), or null after replying "invalid cursor". */
export function scanCursorArg(c: Client, arg: string): bigint | null {
  const cursor = parseCursor(arg);
  if (cursor === null) c.out.error(err.invalidCursor());
  return cursor;
}

/** The reply to SSCAN/HSCAN/ZSCAN on a missing key (Redis's shared emptyscan). */
export function emptyScan(c: Client): void {
  c.out.array(2);
  c.out.bulk('0');
  c.out.array(0);
}

/**
 * The options from argv[first] on: COUNT n, MATCH pattern and (when allowType) TYPE t, with
 * Redis's errors. Null after replying an error.
 */
function parseScanOptions(c: Client, argv: string[], first: number, allowType: boolean): ScanOptions | null {
  const o: ScanOptions = { count: 10, pat: null, type: null };
  for (let i = first; i < argv.length; i += 2) {
    const opt = argv[i]!;
    const val = argv[i + 1];
    if (val === undefined) {
      c.out.error(err.syntax());
      return null;
    }
    if (is(opt, 'count')) {
      const n = parseInteger(val);
      if (n === null) {
        c.out.error(err.notInteger());
        return null;
      }
      if (n < 1) {
        c.out.error(err.syntax());
        return null;
      }
      o.count = n;
    } else if (is(opt, 'match')) {
      o.pat = val === '*' ? null : val;
    } else if (allowType && is(opt, 'type')) {
      o.type = val.toLowerCase();
    } else {
      c.out.error(err.syntax());
      return null;
    }
  }
  return o;
}

/**
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] when `keyspace`, else
 * SSCAN/HSCAN/ZSCAN key cursor [MATCH pattern] [COUNT count] (the key was found by the caller
 * and the cursor checked first, as Redis does): parses the options, walks up to COUNT elements
 * of t from cursor (all of them when t.whole), keeps those MATCH admits, and replies.
 */
export function scanGeneric(c: Client, argv: string[], server: DataContext, cursor: bigint, keyspace: boolean, t: ScanTarget): void {
  const opts = parseScanOptions(c, argv, keyspace ? 2 : 3, keyspace);
  if (opts === null) return;
  const pat = opts.pat;
  const found: string[] = [];
  let next = '0';
  if (t.whole !== null) {
    t.whole((m, v) => {
      if (pat !== null && !globMatch(pat, m)) return;
      found.push(m);
      if (v !== undefined) found.push(typeof v === 'number' ? formatDouble(v) : v);
    });
  } else {
    next = server.ks.scanCursors.scan(t.source(), cursor, opts.count, (m) => {
      if (pat === null || globMatch(pat, m)) t.emit(m, found, opts);
    });
  }
  c.out.array(2);
  c.out.bulk(next);
  c.out.bulks(found); // a sorted set's scores too are bulk strings, in both protocols
}
