// What happens around a write: WATCH invalidation (Redis's signalModifiedKey) and keyspace
// notifications (notifyKeyspaceEvent). Every command that changes a key calls
// `server.events.modified(db, key)`, and `server.events.notify(cls, event, key, db)` with the
// event name Redis uses.
import type { Db } from '../store/db.js';
import type { Client } from './client.js';

/** Event classes, as letters in notify-keyspace-events. */
export const NOTIFY = {
  keyspace: 1 << 0, // K
  keyevent: 1 << 1, // E
  generic: 1 << 2, // g
  string: 1 << 3, // $
  list: 1 << 4, // l
  set: 1 << 5, // s
  hash: 1 << 6, // h
  zset: 1 << 7, // z
  expired: 1 << 8, // x
  evicted: 1 << 9, // e
  stream: 1 << 10, // t
  keyMiss: 1 << 11, // m (not part of A)
  loaded: 1 << 12, // module only
  module: 1 << 13, // d
  newKey: 1 << 14, // n (not part of A)
} as const;

const ALL = NOTIFY.generic | NOTIFY.string | NOTIFY.list | NOTIFY.set | NOTIFY.hash | NOTIFY.zset | NOTIFY.expired | NOTIFY.evicted | NOTIFY.stream | NOTIFY.module;

const LETTERS: Record<string, number> = {
  A: ALL, g: NOTIFY.generic, $: NOTIFY.string, l: NOTIFY.list, s: NOTIFY.set, h: NOTIFY.hash, z: NOTIFY.zset,
  x: NOTIFY.expired, e: NOTIFY.evicted, K: NOTIFY.keyspace, E: NOTIFY.keyevent, t: NOTIFY.stream, m: NOTIFY.keyMiss,
  d: NOTIFY.module, n: NOTIFY.newKey,
};

/** Parses a notify-keyspace-events value; null when it has an unknown letter. */
export function parseNotifyFlags(s: string): number | null {
  let flags = 0;
  for (const ch of s) {
    const f = LETTERS[ch];
    if (f === undefined) return null;
    flags |= f;
  }
  return flags;
}

/** Formats flags back as Redis prints them in CONFIG GET. */
export function formatNotifyFlags(flags: number): string {
  let out = '';
  if ((flags & ALL) === ALL) out += 'A';
  else {
    for (const [ch, f] of [['g', NOTIFY.generic], ['$', NOTIFY.string], ['l', NOTIFY.list], ['s', NOTIFY.set], ['h', NOTIFY.hash], ['z', NOTIFY.zset], ['x', NOTIFY.expired], ['e', NOTIFY.evicted], ['t', NOTIFY.stream], ['d', NOTIFY.module]] as const) {
      if (flags & f) out += ch;
    }
  }
  if (flags & NOTIFY.keyspace) out += 'K';
  if (flags & NOTIFY.keyevent) out += 'E';
  if (flags & NOTIFY.keyMiss) out += 'm';
  if (flags & NOTIFY.newKey) out += 'n';
  return out;
}

/** Publishes a message to a channel; provided by the pub/sub layer. */
export type Publisher = (channel: string, message: string) => void;

export class KeyEvents {
  /** notify-keyspace-events as flags; 0 disables notifications (the hot path checks only this). */
  flags = 0;
  publish: Publisher | null = null;
  /** WATCHed keys: db -> key -> clients watching it. */
  private readonly watched = new Map<Db, Map<string, Set<Client>>>();

  /** A key was changed (written, deleted, expired, renamed...): WATCHers' transactions will fail. */
  modified(db: Db, key: string): void {
    if (this.watched.size === 0) return;
    const clients = this.watched.get(db)?.get(key);
    if (clients === undefined) return;
    for (const c of clients) c.watchDirty = true;
  }

  /** Every key of a database changed (FLUSHDB, FLUSHALL, SWAPDB): fail every WATCH on it. */
  modifiedAll(db: Db): void {
    const keys = this.watched.get(db);
    if (keys === undefined) return;
    for (const clients of keys.values()) for (const c of clients) c.watchDirty = true;
  }

  /**
   * FLUSHDB / FLUSHALL / SWAPDB (Redis's touchAllWatchedKeysInDb), called before the change:
   * WATCHed keys of `db` present in `db`, or in `other` (which replaces it), are modified,
   * except that stale (expired, not yet removed) keys do not count as a change: a stale key
   * removed or replaced by nothing or by another stale key, or nothing replaced by a stale key.
   * (Redis remembers whether the key was already stale when WATCHed; this uses "stale now".)
   */
  touchAllIn(db: Db, other: Db | null): void {
    const keys = this.watched.get(db);
    if (keys === undefined) return;
    for (const [key, clients] of keys) {
      const inDb = db.data.has(key);
      const inOther = other !== null && other.data.has(key);
      if (!inDb && !inOther) continue;
      const staleDb = inDb && db.isExpired(key);
      const staleOther = inOther && other.isExpired(key);
      if ((staleDb && (!inOther || staleOther)) || (!inDb && staleOther)) continue;
      for (const c of clients) c.watchDirty = true;
    }
  }

  watch(client: Client, db: Db, key: string): void {
    let keys = this.watched.get(db);
    if (keys === undefined) this.watched.set(db, (keys = new Map()));
    let clients = keys.get(key);
    if (clients === undefined) keys.set(key, (clients = new Set()));
    clients.add(client);
    client.watching.push([db, key]);
  }

  unwatchAll(client: Client): void {
    for (const [db, key] of client.watching) {
      const keys = this.watched.get(db);
      const clients = keys?.get(key);
      if (clients === undefined) continue;
      clients.delete(client);
      if (clients.size === 0) keys!.delete(key);
      if (keys!.size === 0) this.watched.delete(db);
    }
    client.watching = [];
    client.watchDirty = false;
  }

  /** A keyspace notification, if notify-keyspace-events enables its class. */
  notify(cls: number, event: string, key: string, db: Db): void {
    const flags = this.flags;
    if ((flags & cls) === 0 || this.publish === null) return;
    if (flags & NOTIFY.keyspace) this.publish(`__keyspace@${db.id}__:${key}`, event);
    if (flags & NOTIFY.keyevent) this.publish(`__keyevent@${db.id}__:${event}`, key);
  }
}
