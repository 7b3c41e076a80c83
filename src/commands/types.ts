// Shapes of the command table. Facts (arity, flags, categories, key specs) come from meta.ts,
// generated from redis-server 7.0.15; handlers come from the command-group modules.
import type { Propagator } from '../server/propagate.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Config } from '../config/config.js';
import type { Keyspace } from '../store/db.js';
import type { Clock } from '../store/clock.js';
import type { KeyEvents } from '../server/events.js';
import type { Blocking } from '../server/blocking.js';
import type { PubSub } from '../server/pubsub.js';
import type { Dispatcher } from '../server/dispatcher.js';
import type { CommandTable } from './table.js';
import type { CatalogEntry } from '../acl/catalog.js';
import type { LatencyHistogram } from '../server/stats.js';

export interface KeySpec {
  notes?: string;
  flags: string[];
  begin_search: { type: 'index'; spec: { index: number } } | { type: 'keyword'; spec: { keyword: string; startfrom: number } } | { type: 'unknown'; spec: Record<string, never> };
  find_keys:
    | { type: 'range'; spec: { lastkey: number; keystep: number; limit: number } }
    | { type: 'keynum'; spec: { keynumidx: number; firstkey: number; keystep: number } }
    | { type: 'unknown'; spec: Record<string, never> };
}

export interface CommandMeta {
  name: string;
  arity: number;
  flags: string[];
  firstKey: number;
  lastKey: number;
  step: number;
  categories: string[];
  tips: string[];
  keySpecs: KeySpec[];
  subcommands?: CommandMeta[];
  docs?: CommandDocs;
}

export interface CommandDocs {
  group: string;
  since: string;
  /** "deprecated", "syscmd". */
  doc_flags?: string[];
  deprecated_since?: string;
  arguments?: unknown[];
  subcommands?: Record<string, CommandDocs>;
}

/**
 * What a data command may touch (strings, lists, hashes, sets, sorted sets, bitmaps, keys, sort,
 * scan): the keyspace, key events (notifications, WATCH, blocked clients woken), the clock, its
 * limits, the blocking registry, and the configuration to read. The server satisfies it; a data
 * handler sees nothing else of it.
 */
export interface DataContext {
  readonly ks: Keyspace;
  readonly events: KeyEvents;
  readonly clock: Clock;
  readonly config: Pick<Config, 'str' | 'num' | 'bool'>;
  readonly blocking: Blocking;
  /** proto-max-bulk-len: the longest string a command may build. */
  readonly maxBulkLen: number;
}

/** Pub/sub commands: the channel registry. */
export interface PubSubContext {
  readonly pubsub: PubSub;
}

/** MULTI/EXEC/WATCH: the data context plus the table and the dispatcher EXEC runs its queue through. */
export interface TransactionContext extends DataContext {
  readonly table: CommandTable;
  readonly dispatcher: Dispatcher;
  /** EXEC holds its propagation unit open across a suspended script. */
  readonly propagator: Pick<Propagator, 'hold' | 'release'>;
}

/**
 * A handler writes its reply to client.out. It never checks arity, auth or permissions. `C` is
 * what it may touch: server and connection commands get the whole server (the admin context),
 * the others one of the narrow contexts above.
 */
export type Handler<C = Server> = (client: Client, argv: string[], server: C) => void;

export interface CommandStats {
  calls: number;
  usec: number;
  rejected: number;
  failed: number;
  /** Its latency histogram (INFO latencystats, LATENCY HISTOGRAM), from its first call while latency-tracking is on. */
  latency: LatencyHistogram | undefined;
}

export interface Command {
  /** Lower-case full name, "get" or "config|get". */
  fullName: string;
  meta: CommandMeta;
  /** The command's entry in the ACL catalog (its bit in users' command bitmaps). */
  acl: CatalogEntry;
  /** Parsed flags for the hot path. */
  isWrite: boolean;
  /**
   * Reads keys and nothing else (readonly, not a script runner nor pub/sub): client tracking
   * remembers the keys it fetched.
   */
  readsKeys: boolean;
  isDenyOom: boolean;
  /** Writes, or may lead to a write being propagated (EVAL, PUBLISH-like commands): paused by CLIENT PAUSE WRITE. */
  mayReplicate: boolean;
  noAuth: boolean;
  noMulti: boolean;
  /** Refused from scripts (redis.call). */
  noScript: boolean;
  /** EVAL, EVALSHA, FCALL and their _RO forms: the script's declared flags gate them. */
  runsScript: boolean;
  isAdmin: boolean;
  allowBusy: boolean;
  skipSlowlog: boolean;
  skipMonitor: boolean;
  /** DEBUG and MODULE: gated by enable-debug-command / enable-module-command. */
  isProtected: boolean;
  handler: Handler;
  subcommands: Map<string, Command> | null;
  parent: Command | null;
  stats: CommandStats;
}

/** What a command-group module exports: handlers keyed by full name ("get", "client|list"). */
export type HandlerMap<C = Server> = Record<string, Handler<C>>;
