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

/** One propagated command and the database it applies to. */
export interface PropagatedOp {
  db: number;
  argv: string[];
}

/** Receives each complete unit of ops (the AOF). */
export type PropagationSink = (ops: readonly PropagatedOp[]) => void;

/** A handler propagates `argv` instead of its own arguments (several calls add several ops). */
export function propagateAs(c: Client, argv: string[]): void {
  if (c.propagateAs === null) c.propagateAs = [argv];
  else c.propagateAs.push(argv);
}

/**
 * True when what a call propagates is recorded (the AOF is on). A handler that builds its
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

export class Propagator {
  /** Where units go; null when nothing consumes them (appendonly no): recording is skipped. */
  sink: PropagationSink | null = null;
  /** Nesting of command calls (EXEC runs its queue inside its own call). */
  depth = 0;
  lazyExpire = false;
  lazyEviction = false;
  private ops: PropagatedOp[] = [];

  constructor(private readonly ks: Keyspace) {}

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
    }
    if (this.depth === 0 && this.ops.length > 0) this.flushUnit();
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
