// Byte estimates for memory accounting (DESIGN.md "Memory is accounted, not sampled"). They follow
// the shape of Redis's own structures (robj headers, sds strings, dict entries, listpack entries)
// rather than V8's: deterministic functions of the dataset, never of the garbage collector. Every
// estimate is monotone in lengths and counts, and each element's cost depends on that element
// alone (plus the value's encoding), so adding then removing an element gives its bytes back.
import { decimalLength } from '../latin1.js';

/** An object header (Redis's robj): type, encoding, LRU and a pointer. */
export const OBJ_HEADER = 16;
/** A hash-table entry (key, value and chain pointers) plus its bucket slot. */
export const DICT_ENTRY = 24 + 8;
/** An empty hash table with its header. */
export const DICT_HEADER = 56;
/** An entry in a database's expires table (the key is shared with the main table). */
export const EXPIRE_ENTRY = DICT_ENTRY;
/** A listpack's header (total bytes, count) and end byte. */
export const LISTPACK_HEADER = 7;
/** A quicklist's header, and each of its nodes (node struct plus its listpack's header). */
export const QUICKLIST_HEADER = 40;
export const QUICKLIST_NODE = 32 + LISTPACK_HEADER;
/** Packed bytes per quicklist node (list-max-listpack-size -2: 8 kB). */
export const QUICKLIST_NODE_BYTES = 8192;
/** An intset's header (encoding, length). */
export const INTSET_HEADER = 8;
/** A sorted set's skiplist structures: the zset struct, its dict, the skiplist and its 32-level head. */
export const SKIPLIST_HEADER = 16 + DICT_HEADER + 32 + 32 * 16 + 24;
/** A skiplist node (score, member, back pointer, about 1.33 levels). */
export const SKIPLIST_NODE = 48;
/** A score in a listpack (an integer or a double as text): a fixed estimate. */
export const LISTPACK_SCORE = 10;

/** An sds string of n bytes: header (by size class), the bytes, the terminating NUL. */
export function sdsBytes(n: number): number {
  return n + (n < 256 ? 3 : n < 65536 ? 5 : 9) + 1;
}

/** A listpack entry holding n bytes: encoding header, the bytes, and the back-length. */
export function listpackEntryBytes(n: number): number {
  const l = n + (n < 64 ? 1 : n < 4096 ? 2 : 5);
  return l + (l < 128 ? 1 : l < 16384 ? 2 : l < 2097152 ? 3 : l < 268435456 ? 4 : 5);
}

/** The main-table cost of a key: its entry and its sds. */
export function keyBytes(key: string): number {
  return DICT_ENTRY + sdsBytes(key.length);
}

/** A string value: an object header and an sds of its bytes. */
export function stringBytes(s: string): number {
  return OBJ_HEADER + sdsBytes(s.length);
}

/** stringBytes of a counter's decimal string (Stored in store/db.ts), without making the string. */
export function counterBytes(n: number): number {
  return OBJ_HEADER + sdsBytes(decimalLength(n));
}

/** Bytes an intset uses per member for a canonical integer string: 2, 4 or 8. */
export function intWidth(s: string): 2 | 4 | 8 {
  if (s.length > 11) return 8;
  const n = Number(s);
  if (n >= -32768 && n <= 32767) return 2;
  if (n >= -2147483648 && n <= 2147483647) return 4;
  return 8;
}
