// Transactions: MULTI EXEC DISCARD WATCH UNWATCH. The dispatcher queues commands while a client is
// in MULTI and marks the transaction doomed when a queued command is refused. WATCHed keys live
// in server/events.ts; every write path marks their watchers dirty, and EXEC then replies null.
import { err } from '../errors.js';
import type { Client, QueuedCommand } from '../server/client.js';
import type { TransactionContext, HandlerMap } from './types.js';

/** The client whose EXEC is running, if any (commands that may not run inside EXEC check it). */
let executing: Client | null = null;

export function inTransaction(c: Client): boolean {
  // A script's commands cannot block either (Redis runs them as in a transaction).
  return executing === c || c.isScript;
}

/** Where an EXEC is in its queue's errors (INFO commandstats) and whether it holds its propagation unit. */
interface ExecState {
  errorsAtStart: number;
  errorsAfterLast: number;
  /** The propagation unit is held open across a suspended script (released at the end). */
  held: boolean;
}

/**
 * Runs EXEC's queue from `from`. A script that runs past busy-reply-threshold suspends (its reply
 * deferred): the rest of the queue then runs once it has ended (Client.deferredThen), inside the
 * same propagation unit, before the client's next input, so the transaction stays one.
 */
function runQueue(c: Client, server: TransactionContext, queue: QueuedCommand[], from: number, st: ExecState): void {
  const dispatcher = server.dispatcher;
  const outer = executing;
  executing = c;
  try {
    for (let i = from; i < queue.length; i++) {
      const q = queue[i]!;
      // SECURITY: permissions may have changed since the command was queued: check them again.
      if (!c.user.unrestricted && !dispatcher.aclAllows(c, q.cmd, q.argv, 'multi', true)) continue;
      dispatcher.call(c, q.cmd, q.argv, 'exec');
      st.errorsAfterLast = c.out.errors;
      if (c.deferred) {
        if (!st.held) {
          st.held = true;
          server.propagator.hold();
        }
        c.deferredThen = () => runQueue(c, server, queue, i + 1, st);
        return;
      }
    }
  } finally {
    executing = outer;
  }
  // INFO commandstats as Redis counts them: EXEC fails only for an error after its last queued
  // command ran (a NOPERM at EXEC time); a queued command's error is that command's own. The
  // dispatcher counts EXEC failed for any error under it, so that count is taken back here.
  if (c.out.errors === st.errorsAfterLast && st.errorsAfterLast !== st.errorsAtStart) server.table.byFullName('exec')!.stats.failed--;
  if (st.held) server.propagator.release();
}

export const transactionsCommands: HandlerMap<TransactionContext> = {
  // MULTI
  multi(c) {
    if (c.multi !== null) {
      c.out.error(err.multiNested());
      return;
    }
    c.multi = [];
    c.multiDirty = false;
    c.out.ok();
  },

  // EXEC: runs every queued command through the dispatcher's call path, inside one array reply.
  exec(c, _argv, server) {
    const queue = c.multi;
    if (queue === null) {
      c.out.error(err.execWithoutMulti());
      return;
    }
    const dirty = c.multiDirty;
    // A WATCHed key that expired since WATCH counts as changed (as in Redis 7.0).
    const changed = c.watchDirty || (c.watching.length > 0 && server.events.watchedKeyExpired(c));
    c.multi = null;
    c.multiDirty = false;
    if (c.watching.length > 0 || c.watchDirty) server.events.unwatchAll(c);
    if (dirty) {
      c.out.error(err.execAbort());
      return;
    }
    if (changed) {
      c.out.nullArray();
      return;
    }
    c.out.array(queue.length);
    runQueue(c, server, queue, 0, { errorsAtStart: c.out.errors, errorsAfterLast: c.out.errors, held: false });
  },

  // DISCARD: also forgets the WATCHed keys.
  discard(c, _argv, server) {
    if (c.multi === null) {
      c.out.error(err.discardWithoutMulti());
      return;
    }
    c.multi = null;
    c.multiDirty = false;
    server.events.unwatchAll(c);
    c.out.ok();
  },

  // WATCH key [key ...]: EXEC fails if one of them changes (or expires) before it.
  watch(c, argv, server) {
    if (c.multi !== null) {
      c.out.error(err.watchInsideMulti());
      return;
    }
    const db = c.db;
    for (let j = 1; j < argv.length; j++) server.events.watch(c, db, argv[j]!);
    c.out.ok();
  },

  // UNWATCH
  unwatch(c, _argv, server) {
    server.events.unwatchAll(c);
    c.out.ok();
  },
};
