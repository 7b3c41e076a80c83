// What happens around a write, in one place: WATCH invalidation (Redis's signalModifiedKey),
// the keyspace notification (notifyKeyspaceEvent) and the dirty counter (server.dirty, INFO
// rdb_changes_since_last_save, which the dispatcher also reads to decide what to propagate).
// Every command that changes a key calls `server.events.written(db, key, cls, event, dirty)`
// once for that key, after the change; a second event for the same change (the "del" of an
// emptied key) is `notify`. FLUSHDB, FLUSHALL and SWAPDB call `touchAllIn` before the change.
// Changes a command does not make (expiry, eviction) call `modified` and `notify`: not dirty
// (expiry passes byCommand false: a NOLOOP client in BCAST mode is told of it).
import type { Db } from '../store/db.js';
import type { Client } from './client.js';
import type { Tracking } from './tracking.js';

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

/** One WATCHed key of one client. */
export interface WatchedKey {
  readonly client: Client;
  readonly db: Db;
  readonly key: string;
  /**
   * The key was already logically expired (stale, not yet removed) when WATCHed, as Redis's
   * watchedKey.expired: its removal is then no change, and EXEC does not fail because it is expired.
   */
  expired: boolean;
}

export class KeyEvents {
  /** notify-keyspace-events as flags; 0 disables notifications (the hot path checks only this). */
  flags = 0;
  publish: Publisher | null = null;
  /** Also told of every modified key, and of FLUSHDB/SWAPDB: the blocking layer signals waiters. */
  onModified: ((db: Db, key: string) => void) | null = null;
  onTouchAll: ((db: Db) => void) | null = null;
  /** Client-side caching: every modified key and every flush invalidates (server/tracking.ts). */
  tracking: Tracking | null = null;
  /** WATCHed keys: db -> key -> who watches it (in WATCH order). */
  private readonly watched = new Map<Db, Map<string, WatchedKey[]>>();

  /** How many keys are WATCHed by anyone (INFO watching_keys-like introspection and tests). */
  get watchedKeyCount(): number {
    let n = 0;
    for (const keys of this.watched.values()) n += keys.size;
    return n;
  }

  /**
   * A key was changed (written, deleted, expired, renamed...), called after the change:
   * WATCHers' transactions will fail (Redis's touchWatchedKey). A key that was already stale
   * when WATCHed and is now gone did not logically change.
   */
  modified(db: Db, key: string, byCommand = true): void {
    if (this.onModified !== null) this.onModified(db, key);
    const tracking = this.tracking;
    if (tracking !== null && tracking.on) tracking.invalidate(key, byCommand);
    if (this.watched.size === 0) return;
    const list = this.watched.get(db)?.get(key);
    if (list === undefined) return;
    for (const wk of list) {
      if (wk.expired) {
        if (!db.data.has(key)) {
          wk.expired = false; // the stale key is now really gone: no change
          continue;
        }
      }
      wk.client.watchDirty = true;
    }
  }

  /**
   * A command changed `key` (called after the change, the key's value already stored or deleted):
   * WATCH invalidation and blocked clients (modified), the keyspace event `event` of class `cls`,
   * and `dirty` changes counted (Redis counts one per element added, removed or updated by most
   * commands; 0 for the second key of a change counted once, as RENAME's destination).
   */
  written(db: Db, key: string, cls: number, event: string, dirty = 1): void {
    db.stats.dirty += dirty;
    this.modified(db, key);
    this.notify(cls, event, key, db);
  }

  /**
   * FLUSHDB / FLUSHALL / SWAPDB (Redis's touchAllWatchedKeysInDb), called before the change:
   * `db` is emptied and its contents replaced by those of `other` (null for a flush), `dirty`
   * changes counted. A WATCHed key present before or after counts as changed, except: a key
   * stale at WATCH time that is now gone (or replaced by another stale key), and a missing key
   * replaced by a stale one (which then counts as stale-at-WATCH).
   */
  touchAllIn(db: Db, other: Db | null, dirty: number): void {
    db.stats.dirty += dirty;
    if (this.onTouchAll !== null) this.onTouchAll(db);
    if (other === null && this.tracking !== null && this.tracking.on) this.tracking.flushed();
    const keys = this.watched.get(db);
    if (keys === undefined) return;
    for (const [key, list] of keys) {
      const inDb = db.data.has(key);
      const inOther = other !== null && other.data.has(key);
      if (!inDb && !inOther) continue;
      for (const wk of list) {
        if (wk.expired) {
          if (!inOther) {
            wk.expired = false;
            continue;
          }
          if (other.isExpired(key)) continue;
        } else if (!inDb && other!.isExpired(key)) {
          wk.expired = true;
          continue;
        }
        wk.client.watchDirty = true;
      }
    }
  }

  /** WATCH: remembers the key (once per client, db and key). */
  watch(client: Client, db: Db, key: string): void {
    for (const wk of client.watching) if (wk.db === db && wk.key === key) return;
    let keys = this.watched.get(db);
    if (keys === undefined) this.watched.set(db, (keys = new Map()));
    let list = keys.get(key);
    if (list === undefined) keys.set(key, (list = []));
    const wk: WatchedKey = { client, db, key, expired: db.data.has(key) && db.isExpired(key) };
    list.push(wk);
    client.watching.push(wk);
  }

  /** EXEC's last check: a WATCHed key that expired since it was WATCHed counts as changed. */
  watchedKeyExpired(client: Client): boolean {
    for (const wk of client.watching) {
      if (!wk.expired && wk.db.data.has(wk.key) && wk.db.isExpired(wk.key)) return true;
    }
    return false;
  }

  /** UNWATCH, EXEC, DISCARD, RESET and disconnection: forget the client's keys and dirty flag. */
  unwatchAll(client: Client): void {
    for (const wk of client.watching) {
      const keys = this.watched.get(wk.db);
      const list = keys?.get(wk.key);
      if (list === undefined) continue;
      const i = list.indexOf(wk);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) keys!.delete(wk.key);
      if (keys!.size === 0) this.watched.delete(wk.db);
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
