// Redis 7.0 functions: the library registry (FUNCTION LOAD / DELETE / FLUSH / DUMP / RESTORE)
// and running a registered function (FCALL, FCALL_RO) through the script engine's path.
//
// A library is Lua code starting with `#!lua name=<library>`. Its code runs once, at load time,
// in a load-time environment that has nothing but `redis.register_function`, `redis.log`, the
// log levels and the version fields (any other global, `redis.call` included, is "nonexistent"),
// as Redis 7.0 sets it up. After the load the same code (the callbacks it registered) sees the
// runtime globals: Redis's sandbox without KEYS and ARGV; each callback receives the keys and the
// arguments as its two parameters.
import { Buffer } from 'node:buffer';
import { err } from '../errors.js';
import { splitArgs } from '../protocol/parser.js';
import { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { crc64 } from '../persistence/rdb/crc64.js';
import { RDB_VERSION } from '../persistence/rdb/object.js';
import { RdbError, RdbReader } from '../persistence/rdb/reader.js';
import { RdbWriter } from '../persistence/rdb/writer.js';
import { verifyDumpPayload } from '../persistence/rdb/dump.js';
import type { ReplyWriter } from '../protocol/writer.js';
import type { RunningScript, ScriptEngine, ScriptFlags } from './engine.js';
import { raisedError, stringArray } from './convert.js';
import { scriptFlags, setScriptFlag } from './flags.js';
import { buildGlobals, guarded } from './globals.js';
import { compile } from './lua/compile.js';
import { parse } from './lua/parser.js';
import { LuaRun } from './lua/runtime.js';
import { LuaError, LuaFunction, LuaTable, numberToString, type LuaValue } from './lua/value.js';
import { REDIS_VERSION } from '../version.js';

/** RDB_OPCODE_FUNCTION2: a library's code (RDB files and FUNCTION DUMP payloads). */
export const RDB_OPCODE_FUNCTION2 = 0xf5;
/** RDB_OPCODE_FUNCTION: the pre-release (7.0 RC) form, which Redis 7.0.15 refuses too. */
export const RDB_OPCODE_FUNCTION = 0xf6;

/** How long a library's load-time code may run (Redis: 500 ms, then "FUNCTION LOAD timeout"). */
const LOAD_TIMEOUT_MS = 500;

/** The flags a function may declare, in the order FUNCTION LIST shows them. */
const FLAG_NAMES = ['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'] as const;

const NAME_RE = /^[A-Za-z0-9_]+$/;

export interface LibFunction {
  readonly name: string;
  readonly description: string | null;
  readonly flags: ScriptFlags;
  readonly fn: LuaFunction;
  readonly library: Library;
}

export interface Library {
  readonly name: string;
  readonly code: string;
  readonly functions: Map<string, LibFunction>;
}

export type RestorePolicy = 'flush' | 'append' | 'replace';

/** The error text of a failed load: a Lua error value as Redis words it. */
function luaErrorText(e: LuaError): string {
  const v = e.value;
  if (v instanceof LuaTable && typeof v.get('err') === 'string') return v.get('err') as string;
  return err.message(typeof v === 'string' ? v : typeof v === 'number' ? numberToString(v) : 'Unknown error');
}


/** Reads the shebang line: the library name, or the error to reply. */
export function libraryName(code: string): string | { error: string } {
  if (!code.startsWith('#!')) return { error: err.missingLibraryMetadata() };
  const nl = code.indexOf('\n');
  if (nl === -1) return { error: err.invalidLibraryMetadata() };
  const parts = splitArgs(code.slice(0, nl));
  if (parts === null || parts.length === 0 || !parts[0]!.startsWith('#!')) return { error: err.invalidLibraryMetadata() };
  let name: string | null = null;
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() !== 'name=') return { error: err.invalidMetadataValue(part) };
    if (name !== null) return { error: err.metadataNameTwice() };
    name = part.slice(5);
  }
  if (name === null) return { error: err.libraryNameMissing() };
  if (!NAME_RE.test(name)) return { error: err.libraryName() };
  const engine = parts[0]!.slice(2);
  if (engine.toLowerCase() !== 'lua') return { error: err.engineNotFound(engine) };
  return name;
}

export class FunctionLibraries {
  readonly libraries = new Map<string, Library>();
  readonly functions = new Map<string, LibFunction>();
  /** The function running now (FCALL), while engine.running is its run. */
  current: { running: RunningScript; fn: LibFunction; argv: string[] } | null = null;
  private runtimeEnv: LuaTable | null = null;
  private client: Client | null = null;
  /** The library whose load-time code runs now (register_function adds to it). */
  private loading: { name: string; functions: Map<string, LibFunction>; code: string; lib: Library } | null = null;

  constructor(
    private readonly server: Server,
    private readonly engine: ScriptEngine,
  ) {}

  /** The globals functions see when they run (Redis's sandbox; no KEYS or ARGV). */
  private runtime(): LuaTable {
    return (this.runtimeEnv ??= buildGlobals(this.engine));
  }

  /** Bytes of the libraries' code (INFO used_memory_functions). */
  get codeBytes(): number {
    let n = 0;
    for (const lib of this.libraries.values()) n += lib.code.length;
    return n;
  }

  /**
   * Compiles a library and runs its load-time code, without installing it. Returns the library,
   * or the error to reply.
   */
  create(code: string): Library | { error: string } {
    const name = libraryName(code);
    if (typeof name !== 'string') return name;
    // The shebang line stays a (blank) line, so that line numbers are the code's own.
    const source = code.slice(code.indexOf('\n'));
    // The code's globals: the load-time API now, the runtime globals once loaded.
    const env = new LuaTable();
    const meta = new LuaTable();
    meta.set('__index', this.loadApi());
    env.metatable = meta;
    env.readonly = true;
    meta.readonly = true;
    let main: LuaFunction;
    try {
      main = compile(parse(source, 'user_function'), env, { name: 'user_function' });
    } catch (e) {
      if (!(e instanceof LuaError)) throw e;
      return { error: err.functionCompile(typeof e.value === 'string' ? e.value : 'error') };
    }
    const lib: Library = { name, code, functions: new Map() };
    this.loading = { name, functions: lib.functions, code, lib };
    const started = Date.now();
    const run = new LuaRun(main, [], {
      quantum: 10_000,
      killMessage: err.functionLoadTimeout().slice(4),
      onBudget: () => (Date.now() - started > LOAD_TIMEOUT_MS ? 'kill' : 'continue'),
    });
    try {
      while (run.step() === undefined);
    } catch (e) {
      if (!(e instanceof LuaError)) throw e;
      return { error: err.functionRegistering(luaErrorText(e)) };
    } finally {
      this.loading = null;
    }
    if (lib.functions.size === 0) return { error: err.noFunctionsRegistered() };
    meta.readonly = false;
    meta.set('__index', this.runtime());
    meta.readonly = true;
    return lib;
  }

  /** FUNCTION LOAD [REPLACE]: the library's name, or the error to reply. */
  load(code: string, replace: boolean): string | { error: string } {
    const name = libraryName(code);
    if (typeof name !== 'string') return name;
    if (!replace && this.libraries.has(name)) return { error: err.libraryExists(name) };
    const lib = this.create(code);
    if ('error' in lib) return lib;
    const refused = this.install([lib], replace ? 'replace' : 'append', false);
    return refused === null ? lib.name : { error: refused };
  }

  /**
   * Adds libraries as FUNCTION RESTORE's policy says (flush: instead of all; append: none may
   * exist; replace: same-named ones are replaced). No function may have the name of a function
   * of a library that stays. Returns null, or the error (nothing changed).
   */
  install(libs: Library[], policy: RestorePolicy, restore: boolean): string | null {
    const replaced = new Set<string>();
    if (policy !== 'flush') {
      for (const lib of libs) {
        if (!this.libraries.has(lib.name)) continue;
        if (policy === 'append') return restore ? err.restoreLibraryExists(lib.name) : err.libraryExists(lib.name);
        replaced.add(lib.name);
      }
      for (const lib of libs) {
        for (const f of lib.functions.keys()) {
          const other = this.functions.get(f.toLowerCase());
          if (other !== undefined && !replaced.has(other.library.name)) return err.functionExists(f);
        }
      }
    }
    const seen = new Set<string>();
    for (const lib of libs) {
      for (const f of lib.functions.keys()) {
        if (seen.has(f)) return err.functionExists(f);
        seen.add(f);
      }
    }
    if (policy === 'flush') this.flush();
    for (const name of replaced) this.delete(name);
    for (const lib of libs) {
      this.libraries.set(lib.name, lib);
      // FCALL finds a function whatever the case of its name, as Redis's function table does.
      for (const f of lib.functions.values()) this.functions.set(f.name.toLowerCase(), f);
    }
    return null;
  }

  /** FUNCTION DELETE: false when there is no such library. */
  delete(name: string): boolean {
    const lib = this.libraries.get(name);
    if (lib === undefined) return false;
    for (const f of lib.functions.keys()) this.functions.delete(f.toLowerCase());
    this.libraries.delete(name);
    return true;
  }

  /** FUNCTION FLUSH. */
  flush(): void {
    this.libraries.clear();
    this.functions.clear();
  }

  /** The libraries' code, in RDB order (RDB files, FUNCTION DUMP). */
  codes(): string[] {
    return [...this.libraries.values()].map((l) => l.code);
  }

  /**
   * Compiles every code and installs them (RDB load); throws on failure. 'flush' (the default)
   * puts them in place of the current libraries, 'replace' replaces those of the same name
   * (DEBUG RELOAD NOFLUSH MERGE), 'append' fails on a library that exists (DEBUG RELOAD NOFLUSH).
   */
  installAll(codes: readonly string[], policy: RestorePolicy = 'flush'): void {
    const libs: Library[] = [];
    for (const code of codes) {
      const lib = this.create(code);
      if ('error' in lib) throw new Error(`Failed loading library: ${lib.error}`);
      libs.push(lib);
    }
    const refused = this.install(libs, policy, false);
    if (refused !== null) throw new Error(`Failed loading library: ${refused}`);
  }

  /** FUNCTION DUMP: each library as RDB_OPCODE_FUNCTION2 and its code, then version and CRC-64. */
  dump(compress: boolean): Buffer {
    const w = new RdbWriter();
    for (const code of this.codes()) {
      w.byte(RDB_OPCODE_FUNCTION2);
      w.string(code, compress);
    }
    w.u16le(RDB_VERSION);
    w.u64le(crc64(w.view()));
    return w.take();
  }

  /** FUNCTION RESTORE payload [policy]: null, or the error to reply. */
  restore(payload: Buffer, policy: RestorePolicy): string | null {
    if (!verifyDumpPayload(payload)) return err.dumpPayload();
    const r = new RdbReader(payload);
    const end = payload.length - 10;
    const libs: Library[] = [];
    try {
      while (r.pos < end) {
        const op = r.byte();
        if (op === RDB_OPCODE_FUNCTION) return err.restorePreGa();
        if (op !== RDB_OPCODE_FUNCTION2) return err.restoreNotFunction();
        const lib = this.create(r.string());
        if ('error' in lib) return lib.error;
        libs.push(lib);
      }
    } catch (e) {
      if (e instanceof RdbError) return err.badDataFormat();
      throw e;
    }
    return this.install(libs, policy, true);
  }

  /** The load-time globals: `redis` with register_function, log, the log levels and versions. */
  private loadApi(): LuaTable {
    const redis = new LuaTable();
    const runtimeRedis = this.runtime().get('redis');
    if (runtimeRedis instanceof LuaTable) {
      for (const k of ['log', 'LOG_DEBUG', 'LOG_VERBOSE', 'LOG_NOTICE', 'LOG_WARNING', 'REDIS_VERSION', 'REDIS_VERSION_NUM']) redis.set(k, runtimeRedis.get(k));
    } else redis.set('REDIS_VERSION', REDIS_VERSION);
    redis.set(
      'register_function',
      LuaFunction.native('register_function', (args) => {
        this.register(args);
        return [];
      }),
    );
    const api = new LuaTable();
    api.set('redis', guarded(redis));
    return guarded(api);
  }

  /** redis.register_function(name, callback) or redis.register_function{...}. */
  private register(args: LuaValue[]): void {
    const lib = this.loading;
    if (lib === null) throw raisedError(err.registerOutsideLoad());
    let name: string | null = null;
    let callback: LuaValue;
    let description: string | null = null;
    const flags = scriptFlags(true);
    const asString = (v: LuaValue): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? numberToString(v) : null);
    if (args.length === 1) {
      const t = args[0];
      if (!(t instanceof LuaTable)) throw raisedError(err.registerSingleArg());
      const entries: [LuaValue, LuaValue][] = [];
      for (let i = 0; i < t.arr.length; i++) if (t.arr[i] !== undefined) entries.push([i + 1, t.arr[i]]);
      if (t.hash !== null) for (const [k, v] of t.hash) entries.push([k, v]);
      for (const [k, v] of entries) {
        if (k === 'function_name') {
          name = asString(v);
          if (name === null) throw raisedError(err.registerNameNotString());
        } else if (k === 'callback') {
          if (!(v instanceof LuaFunction)) throw raisedError(err.registerCallbackNotFunction());
          callback = v;
        } else if (k === 'description') {
          description = asString(v);
          if (description === null) throw raisedError(err.registerDescriptionNotString());
        } else if (k === 'flags') {
          if (!(v instanceof LuaTable)) throw raisedError(err.registerFlagsNotTable());
          for (const f of [...v.arr, ...(v.hash?.values() ?? [])]) {
            if (!setScriptFlag(flags, f)) throw raisedError(err.registerUnknownFlag());
          }
        } else throw raisedError(err.registerUnknownArg());
      }
      if (name === null) throw raisedError(err.registerNoName());
      if (callback === undefined) throw raisedError(err.registerNoCallback());
    } else if (args.length === 2) {
      name = asString(args[0]);
      if (name === null) throw raisedError(err.registerFirstArg());
      callback = args[1];
      if (!(callback instanceof LuaFunction)) throw raisedError(err.registerNotFunction());
    } else throw raisedError(err.registerWrongArgs());
    if (!NAME_RE.test(name)) throw raisedError(err.libraryName());
    if (lib.functions.has(name)) throw raisedError(err.registerDuplicate());
    lib.functions.set(name, { name, description, flags, fn: callback as LuaFunction, library: lib.lib });
  }

  /**
   * FCALL / FCALL_RO: runs a function for `caller` and writes its reply, through the engine's
   * path (redis.call via the dispatcher, busy handling, FUNCTION KILL).
   */
  run(caller: Client, fn: LibFunction, argv: string[], keys: string[], args: string[], readOnly: boolean): void {
    this.engine.execute(
      caller,
      {
        fn: fn.fn,
        args: [stringArray(keys), stringArray(args)],
        id: fn.name,
        chunk: 'user_function',
        flags: fn.flags,
        killCommand: 'FUNCTION KILL',
        onStart: (running) => (this.current = { running, fn, argv }),
        onEnd: () => (this.current = null),
      },
      readOnly,
    );
  }

  /** FUNCTION KILL: null when killed, else the error to reply. */
  kill(): string | null {
    const r = this.engine.running;
    if (r === null || !r.busy) return err.notBusy();
    if (this.current?.running !== r) return err.busyScript();
    if (r.wrote) return err.unkillable();
    r.run.kill();
    return null;
  }

  /** FUNCTION STATS. */
  stats(out: ReplyWriter): void {
    out.map(2);
    out.bulk('running_script');
    const cur = this.current;
    if (cur === null || this.engine.running !== cur.running) out.nullBulk();
    else {
      out.map(3);
      out.bulk('name');
      out.bulk(cur.fn.name);
      out.bulk('command');
      out.bulks(cur.argv);
      out.bulk('duration_ms');
      out.int(this.server.clock.now() - cur.running.startedAt);
    }
    out.bulk('engines');
    out.map(1);
    out.bulk('LUA');
    out.map(2);
    out.bulk('libraries_count');
    out.int(this.libraries.size);
    out.bulk('functions_count');
    out.int(this.functions.size);
  }

  /** FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: one library's entry. */
  listEntry(out: ReplyWriter, lib: Library, withCode: boolean): void {
    out.map(withCode ? 4 : 3);
    out.bulk('library_name');
    out.bulk(lib.name);
    out.bulk('engine');
    out.bulk('LUA');
    out.bulk('functions');
    out.array(lib.functions.size);
    for (const f of lib.functions.values()) {
      out.map(3);
      out.bulk('name');
      out.bulk(f.name);
      out.bulk('description');
      out.bulkOrNull(f.description);
      out.bulk('flags');
      const names = FLAG_NAMES.filter((_, i) => [f.flags.noWrites, f.flags.allowOom, f.flags.allowStale, f.flags.noCluster, f.flags.allowCrossSlotKeys][i]);
      out.set(names.length);
      for (const n of names) out.simple(n);
    }
    if (withCode) {
      out.bulk('library_code');
      out.bulk(lib.code);
    }
  }
}

