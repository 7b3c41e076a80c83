// FUNCTION (LOAD, DELETE, FLUSH, LIST, DUMP, RESTORE, STATS, KILL, HELP), FCALL and FCALL_RO:
// Redis 7.0 functions (src/scripting/functions.ts). Replies and errors as redis-server 7.0.15
// gives them. LOAD, DELETE, FLUSH and RESTORE count as changes (the dirty counter), so that
// they are propagated to the AOF as they were called, as Redis propagates them.
import { Buffer } from 'node:buffer';
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { globMatch } from '../store/glob.js';
import type { RestorePolicy } from '../scripting/functions.js';
import { is, parseInteger } from './args.js';
import type { HandlerMap } from './types.js';

const FUNCTION_HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'HELP',
  '    Prints this help.',
];

/** A change to the libraries: counted as a write, so that the command is propagated as called. */
function changed(server: Server): void {
  server.ks.stats.dirty++;
}

/** FCALL / FCALL_RO function numkeys [key ...] [arg ...]. */
function fcallCommand(readOnly: boolean) {
  return (c: Client, argv: string[], server: Server): void => {
    const fns = server.scripts.functions;
    const fn = fns.functions.get(argv[1]!.toLowerCase());
    if (fn === undefined) {
      c.out.error(err.functionNotFound());
      return;
    }
    const n = parseInteger(argv[2]!);
    if (n === null) {
      c.out.error(err.fcallBadNumkeys());
      return;
    }
    if (n > argv.length - 3) {
      c.out.error(err.numkeysTooMany());
      return;
    }
    if (n < 0) {
      c.out.error(err.numkeysNegative());
      return;
    }
    if (readOnly && !fn.flags.noWrites) {
      c.out.error(err.roWithWriteFlag());
      return;
    }
    // MONITOR shows the FCALL before the commands the function runs, as Redis (FCALL itself is
    // skip_monitor, as EVAL).
    server.feedMonitorsNow(c, argv);
    fns.run(c, fn, argv.slice(), argv.slice(3, 3 + n), argv.slice(3 + n), readOnly);
  };
}

export const functionsCommands: HandlerMap = {
  fcall: fcallCommand(false),
  fcall_ro: fcallCommand(true),

  // FUNCTION LOAD [REPLACE] code: replies the library's name.
  'function|load'(c, argv, server) {
    let replace = false;
    let i = 2;
    for (; i < argv.length - 1; i++) {
      if (is(argv[i], 'replace')) replace = true;
      else {
        c.out.error(err.functionLoadOption(argv[i]!));
        return;
      }
    }
    const r = server.scripts.functions.load(argv[i]!, replace);
    if (typeof r !== 'string') {
      c.out.error(r.error);
      return;
    }
    changed(server);
    c.out.bulk(r);
  },

  // FUNCTION DELETE library
  'function|delete'(c, argv, server) {
    if (!server.scripts.functions.delete(argv[2]!)) {
      c.out.error(err.libraryNotFound());
      return;
    }
    changed(server);
    c.out.ok();
  },

  // FUNCTION FLUSH [ASYNC|SYNC]: both free at once (the garbage collector reclaims the memory).
  'function|flush'(c, argv, server) {
    if (argv.length > 3) {
      c.out.error(err.subcommandSyntax(argv[1]!, 'function'));
      return;
    }
    if (argv.length === 3 && !is(argv[2], 'async') && !is(argv[2], 'sync')) {
      c.out.error(err.functionFlushMode());
      return;
    }
    server.scripts.functions.flush();
    changed(server);
    c.out.ok();
  },

  // FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]
  'function|list'(c, argv, server) {
    let withCode = false;
    let pattern: string | null = null;
    for (let i = 2; i < argv.length; i++) {
      if (is(argv[i], 'withcode') && !withCode) withCode = true;
      else if (is(argv[i], 'libraryname') && pattern === null) {
        if (i + 1 >= argv.length) {
          c.out.error(err.functionListNoName());
          return;
        }
        pattern = argv[++i]!;
      } else {
        c.out.error(err.functionListArgument(argv[i]!));
        return;
      }
    }
    const fns = server.scripts.functions;
    const libs = [...fns.libraries.values()].filter((l) => pattern === null || globMatch(pattern, l.name));
    c.out.array(libs.length);
    for (const lib of libs) fns.listEntry(c.out, lib, withCode);
  },

  // FUNCTION DUMP: the libraries as a payload FUNCTION RESTORE (here or in Redis) takes.
  'function|dump'(c, _argv, server) {
    c.out.bulk(server.scripts.functions.dump(server.config.bool('rdbcompression')).toString('latin1'));
  },

  // FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]
  'function|restore'(c, argv, server) {
    if (argv.length > 4) {
      c.out.error(err.subcommandSyntax(argv[1]!, 'function'));
      return;
    }
    let policy: RestorePolicy = 'append';
    if (argv.length === 4) {
      const p = argv[3]!.toLowerCase();
      if (p !== 'flush' && p !== 'append' && p !== 'replace') {
        c.out.error(err.restorePolicy());
        return;
      }
      policy = p;
    }
    const refused = server.scripts.functions.restore(Buffer.from(argv[2]!, 'latin1'), policy);
    if (refused !== null) {
      c.out.error(refused);
      return;
    }
    changed(server);
    c.out.ok();
  },

  // FUNCTION STATS: the function running now (if any) and the engine's counts.
  'function|stats'(c, _argv, server) {
    server.scripts.functions.stats(c.out);
  },

  // FUNCTION KILL: stops a function past busy-reply-threshold that has not written.
  'function|kill'(c, _argv, server) {
    const refusal = server.scripts.functions.kill();
    if (refusal !== null) c.out.error(refusal);
    else c.out.ok();
  },

  'function|help'(c) {
    c.out.simples(FUNCTION_HELP);
  },
};
