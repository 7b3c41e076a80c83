// Shapes of the command table. Facts (arity, flags, categories, key specs) come from meta.ts,
// generated from redis-server 7.0.15; handlers come from the command-group modules.
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { CatalogEntry } from '../acl/catalog.js';

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

/** A handler writes its reply to client.out. It never checks arity, auth or permissions. */
export type Handler = (client: Client, argv: string[], server: Server) => void;

export interface CommandStats {
  calls: number;
  usec: number;
  rejected: number;
  failed: number;
}

export interface Command {
  /** Lower-case full name, "get" or "config|get". */
  fullName: string;
  meta: CommandMeta;
  /** The command's entry in the ACL catalog (its bit in users' command bitmaps). */
  acl: CatalogEntry;
  /** Parsed flags for the hot path. */
  isWrite: boolean;
  isDenyOom: boolean;
  /** Writes, or may lead to a write being propagated (EVAL, PUBLISH-like commands): paused by CLIENT PAUSE WRITE. */
  mayReplicate: boolean;
  noAuth: boolean;
  noMulti: boolean;
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
export type HandlerMap = Record<string, Handler>;
