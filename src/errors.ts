// Every wire error text, matching redis-server 7.0.15 exactly.

export const err = {
  syntax: () => 'ERR syntax error',
  wrongType: () => 'WRONGTYPE Operation against a key holding the wrong kind of value',
  notInteger: () => 'ERR value is not an integer or out of range',
  notFloat: () => 'ERR value is not a valid float',
  overflow: () => 'ERR increment or decrement would overflow',
  noSuchKey: () => 'ERR no such key',
  outOfRange: () => 'ERR index out of range',
  invalidDbIndex: () => 'ERR DB index is out of range',
  invalidExpire: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  unknownCommand: (name: string, args: string[]) => {
    let shown = '';
    for (const a of args) {
      if (shown.length >= 128) break;
      shown += `'${a.slice(0, 128 - shown.length)}' `;
    }
    return `ERR unknown command '${name.slice(0, 128)}', with args beginning with: ${shown}`;
  },
  unknownSubcommand: (sub: string, cmd: string) => `ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${cmd.toUpperCase()} HELP.`,
  wrongArity: (name: string) => `ERR wrong number of arguments for '${name}' command`,
  internal: () => 'ERR internal error',
  notImplemented: (what: string) => `ERR ${what} is not implemented by Redoubt`,
  multiNested: () => 'ERR MULTI calls can not be nested',
  sameObject: () => 'ERR source and destination objects are the same',
  /** Redoubt's own limit (SECURITY.md "limits"); Redis has none. */
  patternTooLong: (max: number) => `ERR glob-style pattern too long (more than ${max} bytes)`,
  /** Redis's reply for a known subcommand given the wrong arguments ("... for 'PAUSE'. Try CLIENT HELP."). */
  subcommandSyntax: (sub: string, cmd: string) => `ERR unknown subcommand or wrong number of arguments for '${sub.slice(0, 128)}'. Try ${cmd.toUpperCase()} HELP.`,
  timeoutNotInteger: () => 'ERR timeout is not an integer or out of range',
  timeoutNegative: () => 'ERR timeout is negative',
  /** Blocking commands' timeout (seconds, a long double). */
  timeoutNotFloat: () => 'ERR timeout is not a float or out of range',
  mustBePositive: () => 'ERR value is out of range, must be positive',
  numkeysPositive: () => 'ERR numkeys should be greater than 0',
  countPositive: () => 'ERR count should be greater than 0',
  /** CLIENT UNBLOCK <id> ERROR, as the unblocked client's reply. */
  unblocked: () => 'UNBLOCKED client unblocked via CLIENT UNBLOCK',
  /** EVALSHA / EVALSHA_RO of a digest no script has: with no scripting engine, every digest. */
  noScript: () => 'NOSCRIPT No matching script. Please use EVAL.',
  numkeysNegative: () => "ERR Number of keys can't be negative",
  numkeysTooMany: () => "ERR Number of keys can't be greater than number of args",
  /** MODULE LOAD / LOADEX where enable-module-command allows it: Redoubt loads no modules. */
  moduleLoad: () => 'ERR Error loading the extension. Please check the server logs.',
  moduleUnloadMissing: () => 'ERR Error unloading module: no such module with that name',
  /** SECURITY: Redoubt has no scripting engine: EVAL, FCALL, SCRIPT and FUNCTION (except FLUSH) answer this. */
  noScripting: (cmd: string) => `ERR ${cmd.toUpperCase()} is not available: Redoubt has no scripting engine (Lua scripts and functions are disabled by design)`,
};

