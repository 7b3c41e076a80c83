// The globals a script sees, as Redis 7.0 sets them up: Lua's base, string, table, math and
// coroutine libraries, bit, struct, cjson and cmsgpack, and redis.*. Nothing else: no os, io,
// package, require, dofile, loadfile, debug or print; nothing of the host is reachable.
// Every library table and the globals table are read-only ("Attempt to modify a readonly
// table"), and reading a global that does not exist is an error, as Redis enforces.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { err } from '../errors.js';
import type { ScriptEngine } from './engine.js';
import { countedErrors, errorTable, raisedError, replyToLua } from './convert.js';
import { openBase } from './lua/lib/base.js';
import { bitLibrary } from './lua/lib/bit.js';
import { cjsonLibrary } from './lua/lib/cjson.js';
import { cmsgpackLibrary } from './lua/lib/cmsgpack.js';
import { mathLibrary } from './lua/lib/math.js';
import { stringLibrary } from './lua/lib/string.js';
import { structLibrary } from './lua/lib/struct.js';
import { tableLibrary } from './lua/lib/table.js';
import { setStringMetatable } from './lua/runtime.js';
import { LuaError, LuaFunction, LuaTable, call, formatG, numberToString, type LuaGenerator, type LuaValue } from './lua/value.js';
import { REDIS_VERSION } from '../version.js';

const LOG_LEVELS = ['LOG_DEBUG', 'LOG_VERBOSE', 'LOG_NOTICE', 'LOG_WARNING'] as const;

export function buildGlobals(engine: ScriptEngine): LuaTable {
  const env = new LuaTable();
  openBase(env);
  const string = stringLibrary();
  env.set('string', string);
  env.set('table', tableLibrary());
  env.set('math', mathLibrary());
  env.set('bit', bitLibrary());
  env.set('struct', structLibrary());
  env.set('cjson', cjsonLibrary());
  env.set('cmsgpack', cmsgpackLibrary());
  env.set('redis', redisLibrary(engine));
  // Strings index the string library ("x"):rep(3).
  const stringMeta = new LuaTable();
  stringMeta.set('__index', string);
  setStringMetatable(stringMeta);
  // Redis's pcall hands back an error table's message ({err = "..."} raised by redis.call).
  const pcall = env.get('pcall');
  env.set(
    'pcall',
    LuaFunction.resumable('pcall', function* (args): LuaGenerator {
      const r = yield* call(pcall, args);
      if (r[0] === false && r[1] instanceof LuaTable) {
        const e = r[1].get('err');
        if (typeof e === 'string') return [false, e];
      }
      return r;
    }),
  );
  guarded(env);
  stringMeta.readonly = true;
  for (const name of ['string', 'table', 'math', 'bit', 'struct', 'cjson', 'cmsgpack', 'redis', 'coroutine']) {
    const lib = env.get(name);
    if (lib instanceof LuaTable) lib.readonly = true;
  }
  return env;
}

/** A table whose every missing key is "nonexistent global variable" (Redis's error metatable). */
export function guarded(t: LuaTable): LuaTable {
  const meta = new LuaTable();
  meta.set(
    '__index',
    LuaFunction.native('__index', (args) => {
      throw new LuaError(`Script attempted to access nonexistent global variable '${typeof args[1] === 'string' ? args[1] : '?'}'`);
    }),
  );
  meta.readonly = true;
  t.metatable = meta;
  t.readonly = true;
  return t;
}

/** The redis table: call, pcall and the helpers Redis 7.0 gives scripts. */
function redisLibrary(engine: ScriptEngine): LuaTable {
  const redis = new LuaTable();
  const fn = (name: string, f: (args: LuaValue[]) => LuaValue[]): void => redis.set(name, LuaFunction.native(name, f));
  fn('call', (args) => [redisCall(engine, args, true)]);
  fn('pcall', (args) => [redisCall(engine, args, false)]);
  // With wrong arguments these two return (not raise) an error, as Redis's do.
  fn('error_reply', (args) => {
    if (args.length !== 1 || typeof args[0] !== 'string') return [errorTable(err.scriptReplyArguments())];
    return [errorReplyTable(args[0])];
  });
  fn('status_reply', (args) => {
    if (args.length !== 1 || typeof args[0] !== 'string') return [errorTable(err.scriptReplyArguments())];
    const t = new LuaTable();
    t.set('ok', args[0]);
    return [t];
  });
  fn('sha1hex', (args) => {
    if (args.length !== 1) throw raisedError(err.message('wrong number of arguments'));
    const s = typeof args[0] === 'number' ? numberToString(args[0]) : typeof args[0] === 'string' ? args[0] : '';
    return [createHash('sha1').update(s, 'latin1').digest('hex')];
  });
  fn('log', (args) => {
    if (args.length < 2) throw raisedError(err.message('redis.log() requires two arguments or more.'));
    const level = args[0];
    if (typeof level !== 'number') throw raisedError(err.message('First argument must be a number (log level).'));
    if (level < 0 || level > 3) throw raisedError(err.message('Invalid debug level.'));
    const text = args
      .slice(1)
      .map((a) => (typeof a === 'number' ? numberToString(a) : typeof a === 'string' ? a : ''))
      .join(' ');
    engine.log(level, text);
    return [];
  });
  fn('setresp', (args) => {
    if (args.length !== 1) throw raisedError(err.message('redis.setresp() requires one argument.'));
    const v = args[0];
    if (v !== 2 && v !== 3) throw raisedError(err.message('RESP version must be 2 or 3.'));
    const r = engine.running;
    if (r !== null) {
      r.resp = v;
      r.client.out.resp = v;
    }
    return [];
  });
  fn('set_repl', (args) => {
    if (args.length !== 1) throw raisedError(err.message('redis.set_repl() requires one argument.'));
    const v = args[0];
    if (typeof v !== 'number' || v < 0 || v > 3 || !Number.isInteger(v)) throw raisedError(err.message('Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.'));
    if (engine.running !== null) engine.running.repl = v;
    return [];
  });
  fn('replicate_commands', () => [true]);
  fn('breakpoint', () => [false]);
  fn('debug', () => []);
  fn('acl_check_cmd', (args) => [engine.aclCheck(args)]);
  for (let i = 0; i < LOG_LEVELS.length; i++) redis.set(LOG_LEVELS[i]!, i);
  redis.set('REPL_NONE', 0);
  redis.set('REPL_AOF', 1);
  redis.set('REPL_SLAVE', 2);
  redis.set('REPL_REPLICA', 2);
  redis.set('REPL_ALL', 3);
  redis.set('REDIS_VERSION', REDIS_VERSION);
  const [major, minor, patch] = REDIS_VERSION.split('.').map(Number) as [number, number, number];
  redis.set('REDIS_VERSION_NUM', (major << 16) | (minor << 8) | patch);
  return redis;
}

/** {err = msg} as redis.error_reply makes it: a leading "-" dropped, "ERR " added to a bare word. */
function errorReplyTable(msg: string): LuaTable {
  if (msg.startsWith('-')) msg = msg.slice(1);
  else if (!msg.includes(' ')) msg = err.message(msg);
  return errorTable(msg);
}

/** A redis.call that failed: raises (call) or returns (pcall) an error table, counted as Redis counts it. */
function callFailed(msg: string, raise: boolean): LuaValue {
  const t = errorTable(msg);
  countedErrors.add(t);
  if (raise) throw new LuaError(t);
  return t;
}

/** redis.call / redis.pcall: raises (call) or returns (pcall) an error table on failure. */
function redisCall(engine: ScriptEngine, args: LuaValue[], raise: boolean): LuaValue {
  const running = engine.running;
  if (running === null) throw new LuaError('redis.call() can only be called inside a script invocation');
  running.line = engine.currentLine();
  if (args.length === 0) return callFailed(err.scriptNoArguments(), raise);
  const argv: string[] = new Array<string>(args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a === 'string') argv[i] = a;
    // Safe integers (not -0) print the same with %.17g as with String, exactly: the common case.
    else if (typeof a === 'number') argv[i] = Number.isSafeInteger(a) && !Object.is(a, -0) ? String(a) : formatG(a, 17);
    else return callFailed(err.scriptBadArguments(), raise);
  }
  const reply = engine.dispatch(running, argv);
  if (!Buffer.isBuffer(reply)) return callFailed(reply.error, raise);
  const v = replyToLua(reply, running.resp === 3);
  if (raise && v instanceof LuaTable && typeof v.get('err') === 'string') throw new LuaError(v);
  return v;
}
