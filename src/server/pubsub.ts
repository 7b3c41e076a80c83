// Pub/Sub: channel, pattern and shard-channel subscriptions, and message delivery.
// Messages to other clients are written to their `out` and flushed once per turn
// (server.markPending). Keyspace notifications reach subscribers through `publish`.
import type { Client } from './client.js';
import type { Server } from './server.js';
import { NOTIFY, parseNotifyFlags } from './events.js';
import { err } from '../errors.js';
import type { Db } from '../store/db.js';
import { globMatch } from '../store/glob.js';

/** One client's subscriptions, in subscription order. */
export interface Subscriptions {
  channels: Set<string>;
  patterns: Set<string>;
  shard: Set<string>;
}

/** The three kinds of subscription, with the words Redis uses in replies and messages. */
export interface SubKind {
  readonly sub: string;
  readonly unsub: string;
  /** The client's set of this kind. */
  mine(s: Subscriptions): Set<string>;
  /** The count a (un)subscribe confirmation carries. */
  count(s: Subscriptions | null): number;
}

export const CHANNEL: SubKind = {
  sub: 'subscribe',
  unsub: 'unsubscribe',
  mine: (s) => s.channels,
  count: (s) => (s === null ? 0 : s.channels.size + s.patterns.size),
};
export const PATTERN: SubKind = {
  sub: 'psubscribe',
  unsub: 'punsubscribe',
  mine: (s) => s.patterns,
  count: (s) => (s === null ? 0 : s.channels.size + s.patterns.size),
};
export const SHARD: SubKind = {
  sub: 'ssubscribe',
  unsub: 'sunsubscribe',
  mine: (s) => s.shard,
  count: (s) => (s === null ? 0 : s.shard.size),
};

/** Commands a RESP2 client with subscriptions may still run (Redis's pub/sub context). */
export const PUBSUB_CONTEXT_COMMANDS: ReadonlySet<string> = new Set([
  'ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset',
]);

export function pubsubContextError(fullName: string): string {
  return err.pubsubContext(fullName);
}

/**
 * Drops the replies written since `mark` (CLIENT REPLY OFF/SKIP), keeping the pushes recorded in
 * `pushKeep`: Redis sends (un)subscribe confirmations and messages even with replies off.
 */
export function dropReplies(c: Client, mark: number): void {
  const out = c.out;
  const keep = c.pushKeep;
  if (keep === null) {
    out.len = mark;
    return;
  }
  const next: number[] = [];
  let w = mark;
  for (let i = 0; i < keep.length; i += 2) {
    const s = keep[i]!;
    const e = keep[i + 1]!;
    if (e <= mark) {
      next.push(s, e);
      continue;
    }
    if (s !== w) out.buf.copyWithin(w, s, e);
    w += e - s;
  }
  if (w > mark) next.push(mark, w);
  out.len = w;
  c.pushKeep = next.length > 0 ? next : null;
}

function subscribers(map: Map<string, Set<Client>>, name: string, add: Client): void {
  let set = map.get(name);
  if (set === undefined) map.set(name, (set = new Set()));
  set.add(add);
}

function unsubscriber(map: Map<string, Set<Client>>, name: string, c: Client): void {
  const set = map.get(name);
  if (set === undefined) return;
  set.delete(c);
  if (set.size === 0) map.delete(name);
}

export class PubSub {
  /** channel -> subscribers, in subscription order (delivery order). */
  readonly channels = new Map<string, Set<Client>>();
  /** pattern -> subscribers. */
  readonly patterns = new Map<string, Set<Client>>();
  /** shard channel -> subscribers. */
  readonly shardChannels = new Map<string, Set<Client>>();

  constructor(private readonly server: Server) {
    // Keyspace notifications are published as ordinary (not shard) messages.
    server.events.publish = (channel, message) => {
      this.publish(channel, message);
    };
    const events = server.events;
    const notifyNew = (db: Db, key: string): void => events.notify(NOTIFY.newKey, 'new', key, db);
    const setFlags = (v: unknown): void => {
      events.flags = parseNotifyFlags(String(v)) ?? 0;
      server.ks.onNewKey = events.flags & NOTIFY.newKey ? notifyNew : null;
    };
    setFlags(server.config.str('notify-keyspace-events'));
    server.config.onChange('notify-keyspace-events', setFlags);
  }

  private map(kind: SubKind): Map<string, Set<Client>> {
    return kind === CHANNEL ? this.channels : kind === PATTERN ? this.patterns : this.shardChannels;
  }

  /** (P|S)SUBSCRIBE of one name: subscribes (if new) and writes the confirmation. */
  subscribe(c: Client, kind: SubKind, name: string): void {
    let subs = c.subs;
    if (subs === null) subs = c.subs = { channels: new Set(), patterns: new Set(), shard: new Set() };
    const mine = kind.mine(subs);
    if (!mine.has(name)) {
      mine.add(name);
      subscribers(this.map(kind), name, c);
    }
    this.confirm(c, kind.sub, name, kind.count(subs));
  }

  /** (P|S)UNSUBSCRIBE of one name; `notify` writes the confirmation (RESET does not). */
  unsubscribe(c: Client, kind: SubKind, name: string, notify: boolean): void {
    const subs = c.subs;
    if (subs !== null && kind.mine(subs).delete(name)) {
      unsubscriber(this.map(kind), name, c);
      if (subs.channels.size === 0 && subs.patterns.size === 0 && subs.shard.size === 0) c.subs = null;
    }
    if (notify) this.confirm(c, kind.unsub, name, kind.count(c.subs));
  }

  /** (P|S)UNSUBSCRIBE without names: every subscription of the kind, or one null confirmation. */
  unsubscribeAll(c: Client, kind: SubKind, notify: boolean): void {
    const subs = c.subs;
    const names = subs === null ? [] : [...kind.mine(subs)];
    for (const name of names) this.unsubscribe(c, kind, name, notify);
    if (names.length === 0 && notify) this.confirm(c, kind.unsub, null, kind.count(c.subs));
  }

  /** Drops every subscription silently (RESET, disconnection). */
  dropClient(c: Client): void {
    if (c.subs === null) return;
    this.unsubscribeAll(c, CHANNEL, false);
    this.unsubscribeAll(c, PATTERN, false);
    this.unsubscribeAll(c, SHARD, false);
  }

  private confirm(c: Client, what: string, name: string | null, count: number): void {
    const out = c.out;
    const start = out.len;
    out.push(3);
    out.bulk(what);
    if (name === null) out.nullBulk();
    else out.bulk(name);
    out.int(count);
    this.pushed(c, start);
  }

  /** After a push was written to `c` from `start`: keep it past CLIENT REPLY OFF/SKIP, flush it. */
  private pushed(c: Client, start: number): void {
    if (c.replyMode !== 'on' || c.skipNext) (c.pushKeep ??= []).push(start, c.out.len);
    this.server.markPending(c);
  }

  /** PUBLISH: delivers to channel subscribers, then to matching patterns; returns the receivers. */
  publish(channel: string, message: string): number {
    let n = 0;
    const subs = this.channels.get(channel);
    if (subs !== undefined) {
      for (const c of subs) {
        const out = c.out;
        const start = out.len;
        out.push(3);
        out.bulk('message');
        out.bulk(channel);
        out.bulk(message);
        this.pushed(c, start);
        n++;
      }
    }
    if (this.patterns.size > 0) {
      for (const [pat, clients] of this.patterns) {
        if (!globMatch(pat, channel)) continue;
        for (const c of clients) {
          const out = c.out;
          const start = out.len;
          out.push(4);
          out.bulk('pmessage');
          out.bulk(pat);
          out.bulk(channel);
          out.bulk(message);
          this.pushed(c, start);
          n++;
        }
      }
    }
    return n;
  }

  /** SPUBLISH: delivers to shard-channel subscribers; returns the receivers. */
  spublish(channel: string, message: string): number {
    const subs = this.shardChannels.get(channel);
    if (subs === undefined) return 0;
    for (const c of subs) {
      const out = c.out;
      const start = out.len;
      out.push(3);
      out.bulk('smessage');
      out.bulk(channel);
      out.bulk(message);
      this.pushed(c, start);
    }
    return subs.size;
  }
}
