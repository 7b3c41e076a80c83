// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT: the script cache and running scripts
// (src/scripting/engine.ts). Replies and errors as redis-server 7.0.15 gives them.
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { isSha, type CachedScript } from '../scripting/engine.js';
import { is, parseInteger } from './args.js';
import type { HandlerMap } from './types.js';

const SCRIPT_HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DEBUG (YES|SYNC|NO)',
  '    Not available in Redoubt (the Lua debugger is not implemented).',
  'EXISTS <sha1> [<sha1> ...]',
  '    For each digest, 1 if a script with it is cached, else 0.',
  'FLUSH [ASYNC|SYNC]',
  '    Empty the script cache (both modes empty it at once).',
  'KILL',
  '    Stop the script running now, if it has not written anything.',
  'LOAD <script>',
  '    Compile and cache a script without running it; replies its SHA1 digest.',
  'HELP',
  '    Print this help.',
];

/** numkeys of EVAL/EVALSHA at argv[2]: the count, or null after writing the error. */
function numKeys(c: Client, argv: string[]): number | null {
  const n = parseInteger(argv[2]!);
  if (n === null) {
    c.out.error(err.notInteger());
    return null;
  }
  if (n > argv.length - 3) {
    c.out.error(err.numkeysTooMany());
    return null;
  }
  if (n < 0) {
    c.out.error(err.numkeysNegative());
    return null;
  }
  return n;
}

function runScript(c: Client, argv: string[], server: Server, script: CachedScript, n: number, readOnly: boolean): void {
  // MONITOR shows the EVAL before the commands the script runs, as Redis.
  server.feedMonitorsNow(c, argv);
  // EVAL script numkeys key... arg...
  server.scripts.run(c, script, argv, 3, n, readOnly);
}

/** EVAL / EVAL_RO script numkeys [key ...] [arg ...]. */
function evalCommand(readOnly: boolean) {
  return (c: Client, argv: string[], server: Server): void => {
    const n = numKeys(c, argv);
    if (n === null) return;
    const script = server.scripts.load(argv[1]!);
    if (typeof script === 'string') {
      c.out.error(script);
      return;
    }
    runScript(c, argv, server, script, n, readOnly);
  };
}

/**
 * EVALSHA / EVALSHA_RO sha1 numkeys [key ...] [arg ...]. Checked in Redis's order: a digest that
 * is not 40 characters is unknown at once; for one that is, numkeys is checked first.
 */
function evalshaCommand(readOnly: boolean) {
  return (c: Client, argv: string[], server: Server): void => {
    const sha = argv[1]!;
    if (sha.length !== 40) {
      c.out.error(err.noScript());
      return;
    }
    const n = numKeys(c, argv);
    if (n === null) return;
    const script = server.scripts.lookup(sha);
    if (script === undefined) {
      c.out.error(err.noScript());
      return;
    }
    runScript(c, argv, server, script, n, readOnly);
  };
}

export const scriptingCommands: HandlerMap = {
  eval: evalCommand(false),
  eval_ro: evalCommand(true),
  evalsha: evalshaCommand(false),
  evalsha_ro: evalshaCommand(true),

  // SCRIPT LOAD script: compiles and caches it; replies the digest.
  'script|load'(c, argv, server) {
    const script = server.scripts.load(argv[2]!);
    if (typeof script === 'string') c.out.error(script);
    else c.out.bulk(script.sha);
  },

  // SCRIPT EXISTS sha1 [sha1 ...]
  'script|exists'(c, argv, server) {
    c.out.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) c.out.int(isSha(argv[i]!) && server.scripts.has(argv[i]!) ? 1 : 0);
  },

  // SCRIPT FLUSH [ASYNC|SYNC]: both empty the cache at once.
  'script|flush'(c, argv, server) {
    if (argv.length > 3 || (argv.length === 3 && !is(argv[2], 'sync') && !is(argv[2], 'async'))) {
      c.out.error(err.scriptFlushOption());
      return;
    }
    server.scripts.flush();
    c.out.ok();
  },

  // SCRIPT KILL: stops a script past busy-reply-threshold that has not written.
  'script|kill'(c, _argv, server) {
    const refusal = server.scripts.kill();
    if (refusal !== null) c.out.error(refusal);
    else c.out.ok();
  },

  'script|debug'(c) {
    c.out.error(err.notImplemented('SCRIPT DEBUG (the Lua debugger)'));
  },

  'script|help'(c) {
    c.out.simples(SCRIPT_HELP);
  },
};
