// The script engine: the script cache (EVAL, EVALSHA, SCRIPT LOAD), the globals scripts see, and
// running a script as Redis 7.0 runs it: KEYS and ARGV set, redis.call through the dispatcher's
// one path, the result converted to a reply, errors reported with the script's digest and line.
//
// Runaway scripts: the Lua runtime asks onBudget() every few thousand steps. Past
// busy-reply-threshold the script is suspended at that point and resumed on a later turn of the
// event loop, again and again until it ends: in between, other clients are answered BUSY
// (the dispatcher) and SCRIPT KILL / SHUTDOWN NOSAVE are served.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { err } from '../errors.js';
import { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { countedErrors, luaToReply, raisedError, stringArray } from './convert.js';
import { scriptFlags, setScriptFlag, type ScriptFlags } from './flags.js';

export type { ScriptFlags } from './flags.js';
import { buildGlobals } from './globals.js';
import { compile } from './lua/compile.js';
import { FunctionLibraries } from './functions.js';
import { parse } from './lua/parser.js';
import { LuaRun, limits, lines, state, type BudgetAction, type RunOptions } from './lua/runtime.js';
import { LuaError, LuaTable, numberToString, type LuaFunction, type LuaValue } from './lua/value.js';

/** Shebang flags (`#!lua flags=...`); a script without a shebang has `declared` false. */

export interface CachedScript {
  sha: string;
  body: string;
  fn: LuaFunction;
  flags: ScriptFlags;
}

/** What execute() runs: an EVAL script or a function. */
export interface ScriptTarget {
  fn: LuaFunction;
  args: LuaValue[];
  /** The script's digest (EVAL) or the function's name (FCALL): errors and the slow-script log name it. */
  id: string;
  chunk: 'user_script' | 'user_function';
  flags: ScriptFlags;
  /** What stops it: named in the slow-script log line. */
  killCommand: 'SCRIPT KILL' | 'FUNCTION KILL';
  onStart?: (running: RunningScript) => void;
  onEnd?: () => void;
}

/** The script running now (redis.call reads it). */
export interface RunningScript {
  readonly caller: Client;
  /** The client redis.call runs commands as: the caller's user, its own db and protocol. */
  readonly client: Client;
  readonly sha: string;
  /** 'user_script' (EVAL) or 'user_function' (FCALL): the chunk name in its errors. */
  readonly chunk: 'user_script' | 'user_function';
  readonly readOnly: boolean;
  readonly flags: ScriptFlags;
  /** When it started (ms since the epoch): keys expire as of this time while it runs. */
  readonly startedAt: number;
  /** What stops it (the slow-script log line names it). */
  readonly killCommand: ScriptTarget['killCommand'];
  /** busy-reply-threshold and script-max-memory as they were when it started. */
  readonly threshold: number;
  readonly memoryCap: number;
  /** The heap's size at the first budget check (-1: not yet), for script-max-memory. */
  heapAtStart: number;
  /** A write command ran: SCRIPT KILL is refused (UNKILLABLE). */
  wrote: boolean;
  /** Past busy-reply-threshold: other clients are answered BUSY. */
  busy: boolean;
  /** redis.setresp: the protocol of the replies redis.call reads. */
  resp: 2 | 3;
  /** The line of the last redis.call (for "on @user_script:N" when it raised). */
  line: number;
  /** redis.set_repl: where the script's writes are propagated (REPL_ALL: 3). */
  repl: number;
  readonly run: LuaRun;
}

const SHA_RE = /^[0-9a-f]{40}$/;
/** What SCRIPT KILL makes a script raise (the error without its code). */
const KILLED = err.scriptKilled().slice(4);
/** What a cache entry costs beside its body (digest, entry, compiled function's handle). */
const SCRIPT_ENTRY_BYTES = 144;

export class ScriptEngine {
  private readonly cache = new Map<string, CachedScript>();
  /** Bytes of the bodies in the cache (INFO used_memory_scripts_eval). */
  cacheBytes = 0;
  private globals: LuaTable | null = null;
  running: RunningScript | null = null;
  private scriptClient: Client | null = null;

  constructor(private readonly server: Server) {}

  private libraries: FunctionLibraries | null = null;

  /** Redis functions (FUNCTION LOAD, FCALL): the library registry and runner (functions.ts). */
  get functions(): FunctionLibraries {
    return (this.libraries ??= new FunctionLibraries(this.server, this));
  }

  get size(): number {
    return this.cache.size;
  }

  static sha1(body: string): string {
    return createHash('sha1').update(body, 'latin1').digest('hex');
  }

  private env(): LuaTable {
    return (this.globals ??= buildGlobals(this));
  }

  has(sha: string): boolean {
    return this.cache.has(sha.toLowerCase());
  }

  lookup(sha: string): CachedScript | undefined {
    return this.cache.get(sha.toLowerCase());
  }

  /**
   * The flags a script declared (its shebang) for the dispatcher's gates, or null when it declared
   * none or is unknown: EVAL's body, EVALSHA's cached script, FCALL's function.
   */
  declaredFlags(name: string, argv: string[]): ScriptFlags | null {
    let flags: ScriptFlags | string | undefined;
    if (name === 'eval' || name === 'eval_ro') flags = parseShebang(argv[1] ?? '');
    else if (name === 'evalsha' || name === 'evalsha_ro') flags = this.lookup(argv[1] ?? '')?.flags;
    // A function always declares its flags (none: it writes and is refused above maxmemory).
    else if (name === 'fcall' || name === 'fcall_ro') flags = this.functions.functions.get((argv[1] ?? '').toLowerCase())?.flags;
    return flags === undefined || typeof flags === 'string' || !flags.declared ? null : flags;
  }

  /** SCRIPT FLUSH. */
  flush(): void {
    this.cache.clear();
    this.cacheBytes = 0;
  }

  /** Compiles and caches a script body (EVAL, SCRIPT LOAD); an error text when it does not compile. */
  load(body: string): CachedScript | string {
    const sha = ScriptEngine.sha1(body);
    const cached = this.cache.get(sha);
    if (cached !== undefined) return cached;
    const shebang = parseShebang(body);
    if (typeof shebang === 'string') return shebang;
    // The shebang line stays a (blank) line, so that line numbers are the script's own.
    const source = shebang.declared ? body.slice(body.indexOf('\n') === -1 ? body.length : body.indexOf('\n')) : body;
    let fn: LuaFunction;
    try {
      fn = compile(parse(source, 'user_script'), this.env(), { name: 'user_script' });
    } catch (e) {
      if (!(e instanceof LuaError)) throw e;
      return err.scriptCompile(typeof e.value === 'string' ? e.value : 'error');
    }
    const script = { sha, body, fn, flags: shebang };
    this.cache.set(sha, script);
    this.cacheBytes += body.length + SCRIPT_ENTRY_BYTES;
    return script;
  }

  /**
   * Runs a script for `caller` and writes its reply. KEYS are the `numKeys` arguments from
   * argv[keysAt] on, ARGV the rest (copied straight from argv); `readOnly` for EVAL_RO /
   * EVALSHA_RO and `no-writes` scripts.
   */
  run(caller: Client, script: CachedScript, argv: readonly string[], keysAt: number, numKeys: number, readOnly: boolean): void {
    const env = this.env();
    env.set('KEYS', stringArray(argv, keysAt, keysAt + numKeys));
    env.set('ARGV', stringArray(argv, keysAt + numKeys));
    this.execute(caller, { fn: script.fn, args: [], id: script.sha, chunk: 'user_script', flags: script.flags, killCommand: 'SCRIPT KILL' }, readOnly);
  }

  /**
   * Runs a script or a function (FCALL, functions.ts) for `caller` and writes its reply: the one
   * way scripts run. Past busy-reply-threshold it is suspended between turns of the event loop
   * (inside EXEC too); script-max-memory stops it; keys expire as of its start while it runs.
   */
  execute(caller: Client, target: ScriptTarget, readOnly: boolean): void {
    const client = (this.scriptClient ??= Client.detached(this.server));
    client.isScript = true;
    client.user = caller.user;
    client.dbIndex = caller.dbIndex;
    client.out.resp = 2;
    // script-max-memory (Redoubt's own): the heap may grow this much while the script runs,
    // checked at every budget quantum, and no single string may be longer.
    const cap = this.server.config.num('script-max-memory');
    limits.memory = cap > 0 ? cap : Infinity;
    const running: RunningScript = {
      caller,
      client,
      sha: target.id,
      chunk: target.chunk,
      readOnly: readOnly || target.flags.noWrites,
      flags: target.flags,
      killCommand: target.killCommand,
      startedAt: this.server.dispatcher.commandStartMs(),
      wrote: false,
      busy: false,
      resp: 2,
      line: 0,
      repl: 3,
      threshold: this.server.config.num('busy-reply-threshold'),
      memoryCap: cap,
      heapAtStart: -1,
      run: new LuaRun(target.fn, target.args, this.runOptions),
    };
    this.running = running;
    target.onStart?.(running);
    this.server.ks.frozenNow = running.startedAt;
    const outcome = this.step(running);
    if (outcome === 'suspended') {
      // Past the threshold: the reply comes when the script ends; the server answers BUSY meanwhile.
      // What the script writes from now on stays in the unit EVAL opened (one MULTI/EXEC).
      this.server.propagator.hold();
      caller.deferReply(
        new Promise((resolve) => {
          const resume = (): void => {
            const o = this.step(running);
            if (o === 'suspended') setImmediate(resume);
            else {
              resolve(() => this.finish(running, o, target));
              this.server.propagator.release();
            }
          };
          setImmediate(resume);
        }),
      );
      return;
    }
    this.finish(running, outcome, target);
  }

  /** How every script runs: a budget check every 10,000 steps (onBudget). */
  private readonly runOptions: RunOptions = { quantum: 10_000, killMessage: KILLED, onBudget: () => this.onBudget() };

  /**
   * The running script's budget check: the memory cap (its baseline taken at the first check, so a
   * short script never pays for it), then busy-reply-threshold, past which it is suspended.
   */
  private onBudget(): BudgetAction {
    const running = this.running;
    if (running === null) return 'continue';
    const cap = running.memoryCap;
    if (cap > 0 && running.heapAtStart < 0) running.heapAtStart = getHeapStatistics().used_heap_size;
    else if (cap > 0 && getHeapStatistics().used_heap_size - running.heapAtStart > cap) {
      running.run.killMessage = err.scriptMaxMemory(cap).slice(4);
      return 'kill';
    }
    if (running.busy) return 'suspend';
    const now = this.server.clock.now();
    if (running.threshold <= 0 || now - running.startedAt < running.threshold) return 'continue';
    // Inside EXEC too: EXEC goes on with its queue once the script has ended (transactions.ts).
    running.busy = true;
    const what = running.chunk === 'user_script' ? `Script SHA1 is: ${running.sha}` : `Function name: ${running.sha}`;
    this.server.log.warning(
      `Slow script detected: still in execution after ${now - running.startedAt} milliseconds. You can try killing the script using the ${running.killCommand} command. ${what}`,
    );
    return 'suspend';
  }

  /**
   * Runs the script until it ends or suspends. Anything but a Lua error escaping it is a bug:
   * logged, and the script ends with an internal error (the server never stays "running").
   */
  private step(running: RunningScript): 'suspended' | { results: LuaValue[] } | { error: LuaError } {
    try {
      const r = running.run.step();
      return r === undefined ? 'suspended' : { results: r };
    } catch (e) {
      if (e instanceof LuaError) return { error: e };
      this.server.log.warning(`Internal error in script ${running.sha}: ${(e as Error).stack ?? String(e)}`);
      return { error: raisedError(err.internal()) };
    }
  }

  private finish(running: RunningScript, outcome: { results: LuaValue[] } | { error: LuaError }, target: ScriptTarget): void {
    this.running = null;
    this.server.ks.frozenNow = null;
    target.onEnd?.();
    const out = running.caller.out;
    if ('results' in outcome) {
      luaToReply(out, outcome.results[0], running.resp);
      return;
    }
    const v = outcome.error.value;
    out.error(this.errorReply(running, outcome.error), v instanceof LuaTable && countedErrors.has(v));
  }

  /** What EVAL / FCALL reply for an error the script raised: the message, its digest or name, its line. */
  private errorReply(running: RunningScript, e: LuaError): string {
    const v = e.value;
    let msg: string;
    let line = running.run.errorLine || running.line;
    if (v instanceof LuaTable && typeof v.get('err') === 'string') {
      msg = v.get('err') as string;
    } else {
      const text = typeof v === 'string' ? v : typeof v === 'number' ? numberToString(v) : 'Unknown error';
      const at = /^user_(?:script|function):(\d+): /.exec(text);
      if (at !== null) line = Number(at[1]);
      msg = err.message(text);
    }
    return `${msg} script: ${running.sha}, on @${running.chunk}:${line}.`;
  }

  /** The line the running Lua code is on (for errors raised by redis.call). */
  currentLine(): number {
    return lines[state.d] ?? 0;
  }

  /** redis.call: the command through the dispatcher's one path (its bytes, or a refusal). */
  dispatch(running: RunningScript, argv: string[]): Buffer | { error: string } {
    return this.server.dispatcher.scriptCall(running, argv);
  }

  /** redis.log: levels 0..3 are Redis's debug, verbose, notice, warning. */
  log(level: number, text: string): void {
    const log = this.server.log;
    if (level === 0) log.debug(text);
    else if (level === 1) log.verbose(text);
    else if (level === 2) log.notice(text);
    else log.warning(text);
  }

  /** redis.acl_check_cmd(command, ...): whether the script's user may run it. */
  aclCheck(args: LuaValue[]): boolean {
    const r = this.running;
    if (r === null || args.length === 0) throw raisedError(err.scriptNoArguments());
    const argv = args.map((a) => (typeof a === 'string' ? a : typeof a === 'number' ? String(a) : null));
    if (argv.some((a) => a === null)) throw raisedError(err.scriptBadArguments());
    const strs = argv as string[];
    let cmd = this.server.table.lookup(strs[0]!);
    if (cmd !== undefined && cmd.subcommands !== null && strs.length > 1) cmd = cmd.subcommands.get(strs[1]!.toLowerCase());
    if (cmd === undefined) throw raisedError(err.message('Invalid command passed to redis.acl_check_cmd()'));
    return r.client.user.unrestricted || r.client.user.check(cmd.acl, strs) === null;
  }

  /**
   * The server is closing: the running script (killable or not) is stopped at its next budget
   * check, so that nothing keeps resuming it after the server has gone.
   */
  abort(): void {
    this.running?.run.kill();
  }

  /** SCRIPT KILL: null when killed, else the error to reply. */
  kill(): string | null {
    const r = this.running;
    if (r === null || !r.busy) return err.notBusy();
    // A function is stopped by FUNCTION KILL only (functions.ts), as Redis answers.
    if (this.libraries?.current?.running === r) return err.busyFunction();
    if (r.wrote) return err.unkillable();
    r.run.kill();
    return null;
  }
}



/** `#!lua flags=a,b` on the first line: the flags, or the error Redis replies. */
function parseShebang(body: string): ScriptFlags | string {
  const flags = scriptFlags(false);
  if (!body.startsWith('#!')) return flags;
  flags.declared = true;
  const nl = body.indexOf('\n');
  const line = nl === -1 ? body : body.slice(0, nl);
  const parts = line.split(' ').filter((p) => p !== '');
  if (parts[0] !== '#!lua') return err.shebangEngine(parts[0] ?? line);
  for (const opt of parts.slice(1)) {
    if (!opt.startsWith('flags=')) return err.shebangOption(opt);
    for (const f of opt.slice(6).split(',')) {
      if (f !== '' && !setScriptFlag(flags, f)) return err.shebangFlag(f);
    }
  }
  return flags;
}

export function isSha(s: string): boolean {
  return s.length === 40 && SHA_RE.test(s.toLowerCase());
}
