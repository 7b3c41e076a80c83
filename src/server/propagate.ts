// Propagation: what a write command leaves for the append-only file, as Redis 7.0.15 writes it.
// The dispatcher's call path is the one place that records it: a command that changed the
// dataset (the keyspace's dirty counter moved) is propagated as its argv, unless its handler set
// `client.propagateAs` (absolute expire times, INCRBYFLOAT as SET ... KEEPTTL, SPOP as SREM,
// blocking pops as their non-blocking form, ...). Keys removed by expiry or eviction are
// propagated as DEL (UNLINK under lazyfree-lazy-expire / lazyfree-lazy-eviction).
//
// Everything one top-level command propagates (the keys it expired on the way, its own ops, a
// transaction's commands) is one unit: written as is when it is one op, wrapped in MULTI/EXEC
// when it is several, as Redis 7.0 does.
import type { Client } from './client.js';
import type { Command } from '../commands/types.js';
import type { Db, Keyspace } from '../store/db.js';
import { encodeCommand } from '../persistence/aof/format.js';

/** One propagated command and the database it applies to. */
export interface PropagatedOp {
  db: number;
  argv: string[];
  /** Sent to replicas only, never written to the AOF (PUBLISH, as Redis propagates it). */
  replOnly?: true;
}

/** Receives each complete unit of ops (the AOF, the replicas). */
export type PropagationSink = (ops: readonly PropagatedOp[]) => void;

/**
 * Encodes units of ops as a command stream (the AOF's incremental files, the replication stream):
 * a SELECT whenever the database changes, several ops wrapped in MULTI/EXEC.
 */
export class StreamEncoder {
  /** Database the stream's last SELECT chose (-1: none yet; the next op starts with one). */
  selectedDb = -1;

  unit(ops: readonly PropagatedOp[]): string {
    if (ops.length === 1) {
      const op = ops[0]!;
      return this.select(op.db) + encodeCommand(op.argv);
    }
    let s = this.select(ops[0]!.db) + '*1\r\n$5\r\nMULTI\r\n';
    for (const op of ops) s += this.select(op.db) + encodeCommand(op.argv);
    return s + '*1\r\n$4\r\nEXEC\r\n';
  }

  private select(db: number): string {
    if (db === this.selectedDb) return '';
    this.selectedDb = db;
    const d = String(db);
    return `*2\r\n$6\r\nSELECT\r\n$${d.length}\r\n${d}\r\n`;
  }
}

/** A handler propagates `argv` instead of its own arguments (several calls add several ops). */
export function propagateAs(c: Client, argv: string[]): void {
  if (c.propagateAs === null) c.propagateAs = [argv];
  else c.propagateAs.push(argv);
}

/**
 * True when what a call propagates is recorded (the AOF is on, or replicas are attached). A handler that builds its
 * propagated form (a copy of its argv with a concrete ID) may skip that work otherwise: the
 * dispatcher drops client.propagateAs unread when nothing consumes it.
 */
export function propagating(c: Client): boolean {
  return c.server.propagator.sink !== null;
}

/** A handler that changed the dataset but must propagate nothing. */
export function propagateNothing(c: Client): void {
  c.propagateAs = [];
}

/** Commands whose effects are the commands they run (EXEC's queue, a script's redis.calls). */
const PROPAGATES_ITS_CALLS = new Set(['exec', 'eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** Commands whose lazy expiries are propagated one by one (they walk the keyspace). */
const WALKS_KEYSPACE = new Set(['scan', 'randomkey']);

/** Commands that change nothing but are sent to replicas, as Redis does (a replica's subscribers get the message). */
const REPLICATED_ONLY = new Set(['publish', 'spublish']);

export class Propagator {
  /**
   * Where units go (the AOF and the replicas, setSink); null when nothing consumes them
   * (appendonly no, no replica): recording is skipped.
   */
  sink: PropagationSink | null = null;
  private aofSink: PropagationSink | null = null;
  private replSink: PropagationSink | null = null;
  /** Nesting of command calls (EXEC runs its queue inside its own call). */
  depth = 0;
  lazyExpire = false;
  lazyEviction = false;
  private ops: PropagatedOp[] = [];

  constructor(private readonly ks: Keyspace) {}

  /** Attaches (or, with null, detaches) the AOF's or the replicas' consumer. */
  setSink(which: 'aof' | 'repl', sink: PropagationSink | null): void {
    if (which === 'aof') this.aofSink = sink;
    else this.replSink = sink;
    const a = this.aofSink;
    const r = this.replSink;
    this.sink = a === null ? r : r === null ? a : (ops) => (a(ops), r(ops));
  }

  /** Whether replicas consume units (ops sent to them only are recorded then). */
  get replicating(): boolean {
    return this.replSink !== null;
  }

  /** A key removed by expiry (lazy or active) or eviction. */
  deleted(db: Db, key: string, evicted: boolean): void {
    if (this.sink === null) return;
    const lazy = evicted ? this.lazyEviction : this.lazyExpire;
    this.ops.push({ db: db.id, argv: [lazy ? 'UNLINK' : 'DEL', key] });
    if (this.depth === 0) this.flushUnit();
  }

  /**
   * After a handler ran (depth already decremented): records what it propagates, and at the top
   * level hands the unit to the sink. `dirtyBefore` is the dirty counter before the handler.
   */
  afterCall(client: Client, cmd: Command, argv: string[], dirtyBefore: number): void {
    const override = client.propagateAs;
    if (override !== null) {
      client.propagateAs = null;
      for (const a of override) this.ops.push({ db: client.dbIndex, argv: a });
    } else if (this.ks.stats.dirty > dirtyBefore && !PROPAGATES_ITS_CALLS.has(cmd.parent?.fullName ?? cmd.fullName)) {
      // (A save lowers the counter: SAVE, DEBUG RELOAD and the like are not propagated.)
      this.ops.push({ db: client.dbIndex, argv });
    } else if (this.replSink !== null && REPLICATED_ONLY.has(cmd.fullName)) {
      this.ops.push({ db: client.dbIndex, argv, replOnly: true });
    }
    if (this.depth === 0 && this.ops.length > 0) {
      // SCAN and RANDOMKEY delete the expired keys they walk over one by one: each DEL is a unit
      // of its own, not a transaction, as Redis 7.0 propagates them (MGET's are one unit).
      if (this.ops.length > 1 && WALKS_KEYSPACE.has(cmd.fullName)) this.flushEach();
      else this.flushUnit();
    }
  }

  private flushEach(): void {
    const ops = this.ops;
    this.ops = [];
    for (const op of ops) this.sink?.([op]);
  }

  /**
   * Keeps the current unit open across turns of the event loop (a script suspended past
   * busy-reply-threshold: its writes stay one unit); release() closes it.
   */
  hold(): void {
    this.depth++;
  }

  release(): void {
    this.depth--;
    if (this.depth === 0 && this.ops.length > 0) this.flushUnit();
  }

  private flushUnit(): void {
    const ops = this.ops;
    this.ops = [];
    this.sink?.(ops);
  }
}
