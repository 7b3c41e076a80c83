// The universe the ACL speaks about: Redis 7.0's command categories, and every Redis 7.0 command
// and subcommand (from meta.ts, implemented by Redoubt or not), each with a numeric id for the
// selectors' command bitmaps. ACL rules name commands Redoubt does not implement (+xadd, -eval)
// exactly as they do on Redis, and the category arithmetic of ACL GETUSER/LIST counts the same
// commands Redis counts, so descriptions come out as Redis writes them.
import { COMMAND_META } from '../commands/meta.js';
import type { CommandMeta } from '../commands/types.js';
import { type KeyRange, simpleKeyRange } from '../commands/keyspecs.js';

/** Categories in Redis's order (ACL CAT, COMMAND INFO, description heuristics). */
export const CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo',
  'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
] as const;

export interface CatalogEntry {
  id: number;
  /** "get", "config|get". */
  fullName: string;
  meta: CommandMeta;
  /** Bit j set when the command is in CATEGORIES[j]. */
  categories: number;
  noAuth: boolean;
  parent: CatalogEntry | null;
  /** Subcommands of a container, in meta order; empty otherwise. */
  subs: CatalogEntry[];
  /** Its keys when they form one plain range (the ACL check's fast path), else null. */
  keyRange: KeyRange | null;
  /** The read/write access of the keyRange's keys (selector.ts KEY_READ | KEY_WRITE). */
  keyAccess: number;
  hasKeySpecs: boolean;
  /** PUBLISH, SPUBLISH, SUBSCRIBE, SSUBSCRIBE, PSUBSCRIBE: channels the ACL checks. */
  hasChannels: boolean;
}

const CHANNEL_COMMANDS = new Set(['publish', 'spublish', 'subscribe', 'ssubscribe', 'psubscribe']);

/** Keyspec flags that make a key access a read (1) or a write (2). */
export function keyAccessOf(flags: readonly string[]): number {
  let f = 0;
  for (const x of flags) {
    if (x === 'access') f |= 1;
    else if (x === 'insert' || x === 'delete' || x === 'update') f |= 2;
  }
  return f;
}

function categoryBits(meta: CommandMeta): number {
  let bits = 0;
  for (const c of meta.categories) {
    const j = (CATEGORIES as readonly string[]).indexOf(c.slice(1));
    if (j >= 0) bits |= 1 << j;
  }
  return bits;
}

class Catalog {
  /** Top-level commands in meta order. */
  readonly top: CatalogEntry[] = [];
  /** Every entry, indexed by id. */
  readonly byId: CatalogEntry[] = [];
  private readonly byName = new Map<string, CatalogEntry>();

  constructor(metas: readonly CommandMeta[]) {
    for (const meta of metas) {
      const e = this.add(meta, null);
      this.top.push(e);
      for (const s of meta.subcommands ?? []) e.subs.push(this.add(s, e));
    }
  }

  private add(meta: CommandMeta, parent: CatalogEntry | null): CatalogEntry {
    const e: CatalogEntry = {
      id: this.byId.length,
      fullName: meta.name,
      meta,
      categories: categoryBits(meta),
      noAuth: meta.flags.includes('no_auth'),
      parent,
      subs: [],
      keyRange: simpleKeyRange(meta),
      keyAccess: 0,
      hasKeySpecs: meta.keySpecs.length > 0,
      hasChannels: CHANNEL_COMMANDS.has(meta.name),
    };
    if (e.keyRange !== null) e.keyAccess = keyAccessOf(e.keyRange.flags);
    this.byId.push(e);
    this.byName.set(meta.name, e);
    return e;
  }

  /** Number of ids (the size of a command bitmap). */
  get size(): number {
    return this.byId.length;
  }

  /** A command or subcommand by name, any case ("GET", "config|get"). */
  lookup(name: string): CatalogEntry | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** The bit of a category name (without "@"), or 0 when there is no such category. */
  categoryBit(name: string): number {
    const j = (CATEGORIES as readonly string[]).indexOf(name.toLowerCase());
    return j < 0 ? 0 : 1 << j;
  }
}

export const catalog = new Catalog(COMMAND_META);
