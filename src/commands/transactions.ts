// Transactions: MULTI EXEC DISCARD. The dispatcher queues commands while a client is in MULTI and
// marks the transaction doomed when a queued command is refused. (WATCH/UNWATCH: later work.)
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import type { HandlerMap } from './types.js';

/** The client whose EXEC is running, if any (commands that may not run inside EXEC check it). */
let executing: Client | null = null;

export function inTransaction(c: Client): boolean {
  return executing === c;
}

export const transactionsCommands: HandlerMap = {
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
      c.out.error('ERR EXEC without MULTI');
      return;
    }
    const dirty = c.multiDirty;
    c.multi = null;
    c.multiDirty = false;
    if (dirty) {
      c.out.error('EXECABORT Transaction discarded because of previous errors.');
      return;
    }
    c.out.array(queue.length);
    const dispatcher = server.dispatcher;
    const outer = executing;
    executing = c;
    try {
      for (const q of queue) {
        dispatcher.call(c, q.cmd, q.argv);
        if (c.closed) return;
      }
    } finally {
      executing = outer;
    }
  },

  // DISCARD
  discard(c) {
    if (c.multi === null) {
      c.out.error('ERR DISCARD without MULTI');
      return;
    }
    c.multi = null;
    c.multiDirty = false;
    c.out.ok();
  },
};
