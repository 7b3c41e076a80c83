// Connection commands: PING ECHO QUIT SELECT (HELLO, RESET, CLIENT: see below).
import { err } from '../errors.js';
import { parseInteger } from './args.js';
import type { HandlerMap } from './types.js';

export const connectionCommands: HandlerMap = {
  // PING [message]
  ping(c, argv) {
    if (argv.length > 2) {
      c.out.error(err.wrongArity('ping'));
      return;
    }
    if (argv.length === 2) c.out.bulk(argv[1]!);
    else c.out.raw('+PONG\r\n');
  },

  // ECHO message
  echo(c, argv) {
    c.out.bulk(argv[1]!);
  },

  // QUIT: reply OK, then close once the reply is written.
  quit(c) {
    c.out.ok();
    c.closeAfterReply = true;
  },

  // SELECT index
  select(c, argv, server) {
    const n = parseInteger(argv[1]!);
    if (n === null) {
      c.out.error(err.notInteger());
      return;
    }
    if (n < 0 || n >= server.ks.dbs.length) {
      c.out.error(err.invalidDbIndex());
      return;
    }
    c.dbIndex = n;
    c.out.ok();
  },
};
