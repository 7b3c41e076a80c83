// Server and introspection commands: COMMAND, INFO, TIME, LASTSAVE, SHUTDOWN, MONITOR, SLOWLOG,
// LATENCY, MEMORY, MODULE, LOLWUT, WAIT.
import v8 from 'node:v8';
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import { infoString, selectSections, human } from '../server/info.js';
import type { Server } from '../server/server.js';
import { processMemory } from '../server/memory.js';
import { propagateAs } from '../server/propagate.js';
import { REDOUBT_VERSION } from '../version.js';
import { entryBytes } from '../store/db.js';
import { globMatch } from '../store/glob.js';
import type { ReplyWriter } from '../protocol/writer.js';
import { is, parseInteger } from './args.js';
import { inTransaction } from './transactions.js';
import { hasKeys, keysOf } from './keyspecs.js';
import type { Command, CommandDocs, CommandMeta, HandlerMap, KeySpec } from './types.js';

// ---------------------------------------------------------------------------------------------
// COMMAND replies

/** One COMMAND INFO entry, byte for byte as Redis writes it (facts from meta.ts). */
function writeCommandInfo(out: ReplyWriter, m: CommandMeta): void {
  out.array(10);
  out.bulk(m.name);
  out.int(m.arity);
  out.set(m.flags.length);
  for (const f of m.flags) out.simple(f);
  out.int(m.firstKey);
  out.int(m.lastKey);
  out.int(m.step);
  out.set(m.categories.length);
  for (const c of m.categories) out.simple(c);
  out.set(m.tips.length);
  for (const t of m.tips) out.bulk(t);
  // RESP3 quirks kept from Redis: key specs are a set, and so is an empty subcommand list.
  out.set(m.keySpecs.length);
  for (const ks of m.keySpecs) writeKeySpec(out, ks);
  const subs = m.subcommands ?? [];
  if (subs.length === 0) out.set(0);
  else out.array(subs.length);
  for (const s of subs) writeCommandInfo(out, s);
}

function writeKeySpec(out: ReplyWriter, ks: KeySpec): void {
  out.map(ks.notes === undefined ? 3 : 4);
  if (ks.notes !== undefined) {
    out.bulk('notes');
    out.bulk(ks.notes);
  }
  out.bulk('flags');
  out.set(ks.flags.length);
  for (const f of ks.flags) out.simple(f);
  for (const [label, part] of [['begin_search', ks.begin_search], ['find_keys', ks.find_keys]] as const) {
    out.bulk(label);
    out.map(2);
    out.bulk('type');
    out.bulk(part.type);
    out.bulk('spec');
    const entries = Object.entries(part.spec as Record<string, string | number>);
    out.map(entries.length);
    for (const [k, v] of entries) {
      out.bulk(k);
      if (typeof v === 'number') out.int(v);
      else out.bulk(v);
    }
  }
}

/** COMMAND DOCS for one command: only the facts meta.ts keeps (group, since, doc flags, deprecation, arguments). */
function writeDocs(out: ReplyWriter, docs: CommandDocs | undefined): void {
  const d = docs ?? { group: 'generic', since: '1.0.0' };
  const subs = d.subcommands === undefined ? [] : Object.entries(d.subcommands);
  const fields = 2 + (d.doc_flags !== undefined ? 1 : 0) + (d.deprecated_since !== undefined ? 1 : 0);
  out.map(fields + (d.arguments !== undefined ? 1 : 0) + (subs.length > 0 ? 1 : 0));
  out.bulk('since');
  out.bulk(d.since);
  out.bulk('group');
  out.bulk(d.group);
  if (d.doc_flags !== undefined) {
    out.bulk('doc_flags');
    out.set(d.doc_flags.length);
    for (const f of d.doc_flags) out.simple(f);
  }
  if (d.deprecated_since !== undefined) {
    out.bulk('deprecated_since');
    out.bulk(d.deprecated_since);
  }
  if (d.arguments !== undefined) {
    out.bulk('arguments');
    writeDocArgs(out, d.arguments);
  }
  if (subs.length > 0) {
    out.bulk('subcommands');
    out.map(subs.length);
    for (const [name, sd] of subs) {
      out.bulk(name);
      writeDocs(out, sd);
    }
  }
}

function writeDocArgs(out: ReplyWriter, args: unknown[]): void {
  out.array(args.length);
  for (const a of args) {
    const entries = Object.entries(a as Record<string, unknown>);
    out.map(entries.length);
    for (const [k, v] of entries) {
      out.bulk(k);
      if (k === 'flags') {
        const flags = v as string[];
        out.set(flags.length);
        for (const f of flags) out.simple(f);
      } else if (k === 'arguments') {
        writeDocArgs(out, v as unknown[]);
      } else if (typeof v === 'number') {
        out.int(v);
      } else {
        out.bulk(String(v));
      }
    }
  }
}

/** Every implemented command and subcommand (COMMAND LIST). */
function allNames(server: Server): Command[] {
  return [...server.table.commands(true, true)];
}

/** COMMAND GETKEYS / GETKEYSANDFLAGS. */
function getKeys(c: Client, argv: string[], server: Server, withFlags: boolean): void {
  const req = argv.slice(2);
  let cmd = server.table.lookup(req[0]!);
  if (cmd !== undefined && cmd.subcommands !== null && req.length > 1) cmd = cmd.subcommands.get(req[1]!.toLowerCase());
  if (cmd === undefined) {
    c.out.error(err.invalidCommandSpecified());
    return;
  }
  if (!hasKeys(cmd)) {
    c.out.error(err.noKeyArguments());
    return;
  }
  const arity = cmd.meta.arity;
  if ((arity > 0 && req.length !== arity) || req.length < -arity) {
    c.out.error(err.invalidArgCount());
    return;
  }
  const keys = keysOf(cmd, req);
  if (keys.length === 0 && !cmd.meta.flags.includes('no_mandatory_keys')) {
    c.out.error(err.invalidArguments());
    return;
  }
  c.out.array(keys.length);
  for (const k of keys) {
    if (withFlags) {
      c.out.array(2);
      c.out.bulk(req[k.pos]!);
      c.out.set(k.flags.length);
      for (const f of k.flags) c.out.simple(f);
    } else {
      c.out.bulk(req[k.pos]!);
    }
  }
}

const COMMAND_HELP = [
  'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  '(no subcommand)',
  '    Details (COMMAND INFO) of every command this server implements.',
  'COUNT',
  '    How many commands this server implements.',
  'LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]',
  '    Names of the implemented commands and subcommands, optionally filtered.',
  'INFO [<command-name> ...]',
  '    Arity, flags, key positions, ACL categories, tips and key specs of the named commands',
  '    (of every command when none is named).',
  'DOCS [<command-name> ...]',
  '    Group, first version and arguments of the named commands (of every command when none is named).',
  'GETKEYS <full-command>',
  '    The key arguments of a full command.',
  'GETKEYSANDFLAGS <full-command>',
  '    The key arguments of a full command, with how each key is accessed.',
  'HELP',
  '    Print this help.',
];

// ---------------------------------------------------------------------------------------------
// SLOWLOG, LATENCY, MEMORY

const SLOWLOG_HELP = [
  'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET [<count>]',
  '    The <count> most recent slow-log entries (default 10, -1 for all). Each entry is:',
  '    1. a unique, increasing id,',
  '    2. the Unix time the command was logged,',
  '    3. its run time in microseconds,',
  '    4. its arguments (long ones cut),',
  '    5. the client address and port,',
  '    6. the client name, when set with CLIENT SETNAME.',
  'LEN',
  '    Number of entries in the slow log.',
  'RESET',
  '    Empty the slow log.',
  'HELP',
  '    Print this help.',
];

const LATENCY_HELP = [
  'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    A report on the latency events recorded so far.',
  'GRAPH <event>',
  '    An ASCII graph of the samples of <event>.',
  'HISTORY <event>',
  '    The samples of <event> as [unix-time, milliseconds] pairs.',
  'LATEST',
  '    For each event: its name, the time and duration of its latest sample, and its maximum.',
  'RESET [<event> ...]',
  '    Forget the samples of the named events (of all events when none is named).',
  'HISTOGRAM [<command> ...]',
  '    Latency distribution (cumulative, microseconds) of the named commands, or of all called commands.',
  'HELP',
  '    Print this help.',
];

const MEMORY_HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    A short report on memory use.',
  'MALLOC-STATS',
  '    Statistics of the JavaScript heap (Redoubt runs on V8, not jemalloc).',
  'PURGE',
  '    Accepted for compatibility; V8 returns memory to the system by itself.',
  'STATS',
  '    Memory use figures.',
  'USAGE <key> [SAMPLES <count>]',
  '    An estimate of the bytes <key> and its value take.',
  'HELP',
  '    Print this help.',
];

const MODULE_HELP = [
  'MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LIST',
  '    The loaded modules: none, Redoubt does not load modules.',
  'LOAD <path> [<arg> ...]',
  '    Refused: Redoubt does not load modules (and only where enable-module-command allows MODULE LOAD).',
  'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
  '    Refused, as LOAD.',
  'UNLOAD <name>',
  '    Fails: no module is loaded.',
  'HELP',
  '    Print this help.',
];

function latencyGraph(name: string, samples: { time: number; latency: number }[], nowSec: number): string {
  const max = Math.max(...samples.map((s) => s.latency));
  const min = Math.min(...samples.map((s) => s.latency));
  const rows = 4;
  let text = `${name} - high ${max} ms, low ${min} ms (all time high ${max} ms)\n`;
  text += '-'.repeat(80) + '\n';
  const shown = samples.slice(-80);
  for (let r = rows; r >= 1; r--) {
    let line = '';
    for (const s of shown) {
      const level = max === 0 ? 0 : Math.ceil((s.latency / max) * rows);
      line += level >= r ? (level === r ? '_' : '|') : ' ';
    }
    text += line.replace(/\s+$/, '') + '\n';
  }
  text += '\n';
  // Ages, one column per sample, printed vertically as Redis does (seconds/minutes/hours ago).
  const ages = shown.map((s) => {
    const a = nowSec - s.time;
    return a < 60 ? `${a}s` : a < 3600 ? `${Math.floor(a / 60)}m` : `${Math.floor(a / 3600)}h`;
  });
  const height = Math.max(...ages.map((a) => a.length));
  for (let i = 0; i < height; i++) text += ages.map((a) => a[i] ?? ' ').join('').replace(/\s+$/, '') + '\n';
  return text;
}

// ---------------------------------------------------------------------------------------------
// Handlers

/** LOLWUT VERSION 5 and 6 take this many integer options (Redis checks them before drawing). */
const LOLWUT_OPTIONS: Record<number, number | undefined> = { 5: 3, 6: 2 };

/** FLUSHDB / FLUSHALL arguments: nothing, ASYNC or SYNC. */
function flushArgs(c: Client, argv: string[]): boolean {
  if (argv.length === 1 || (argv.length === 2 && (is(argv[1], 'sync') || is(argv[1], 'async')))) return true;
  c.out.error(err.syntax());
  return false;
}

/**
 * An asynchronous flush (ASYNC, or lazyfree-lazy-user-flush without SYNC) counts the keys it
 * drops in INFO lazyfreed_objects, as Redis's background flush does.
 */
function countLazyFlush(argv: string[], server: Server, keys: number): void {
  const async = argv.length === 2 ? is(argv[1], 'async') : server.config.bool('lazyfree-lazy-user-flush');
  if (async) server.ks.stats.lazyfreed += keys;
}

export const serverCommands: HandlerMap = {
  // FLUSHDB [ASYNC|SYNC]: the garbage collector reclaims the memory either way.
  flushdb(c, argv, server) {
    if (!flushArgs(c, argv)) return;
    server.events.touchAllIn(c.db, null, c.db.size);
    countLazyFlush(argv, server, c.db.size);
    c.db.flush();
    // Written to the AOF even when the database was already empty, as Redis forces it.
    propagateAs(c, argv.slice());
    c.out.ok();
  },

  // FLUSHALL [ASYNC|SYNC]. With save points configured the (empty) snapshot is saved at once,
  // as Redis does.
  flushall(c, argv, server) {
    if (!flushArgs(c, argv)) return;
    for (const db of server.ks.dbs) server.events.touchAllIn(db, null, db.size);
    // A BGSAVE in progress is abandoned, as Redis kills its child.
    server.snapshots.abortBgsave();
    countLazyFlush(argv, server, server.ks.dbs.reduce((n, db) => n + db.size, 0));
    server.ks.flushAll();
    if (server.snapshots.hasSavePoints()) {
      server.snapshots.saveSync();
      server.ks.stats.dirty++; // the save reset the counter: FLUSHALL itself still counts
    }
    // Written to the AOF even when the databases were already empty, as Redis forces it.
    propagateAs(c, argv.slice());
    c.out.ok();
  },

  // COMMAND: COMMAND INFO of every implemented command.
  command(c, _argv, server) {
    const cmds = [...server.table.commands(false, true)];
    c.out.array(cmds.length);
    for (const cmd of cmds) writeCommandInfo(c.out, cmd.meta);
  },

  // COMMAND COUNT
  'command|count'(c, _argv, server) {
    c.out.int(server.table.listedCount);
  },

  // COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]
  'command|list'(c, argv, server) {
    let filter: ((cmd: Command) => boolean) | null = null;
    if (argv.length === 5 && is(argv[2], 'filterby')) {
      const kind = argv[3]!;
      const val = argv[4]!;
      if (is(kind, 'module')) filter = () => false;
      else if (is(kind, 'aclcat')) {
        const cat = '@' + val.toLowerCase();
        filter = (cmd) => cmd.meta.categories.includes(cat);
      } else if (is(kind, 'pattern')) filter = (cmd) => globMatch(val, cmd.fullName, true);
      else {
        c.out.error(err.syntax());
        return;
      }
    } else if (argv.length !== 2) {
      c.out.error(err.syntax());
      return;
    }
    const names = allNames(server).filter((cmd) => filter === null || filter(cmd));
    c.out.array(names.length);
    for (const cmd of names) c.out.bulk(cmd.fullName);
  },

  // COMMAND INFO [name ...]: nil for a command this server does not implement.
  'command|info'(c, argv, server) {
    if (argv.length === 2) {
      serverCommands['command']!(c, argv, server);
      return;
    }
    c.out.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) {
      const cmd = server.table.lookupFullName(argv[i]!);
      if (cmd === undefined) c.out.nullBulk();
      else writeCommandInfo(c.out, cmd.meta);
    }
  },

  // COMMAND DOCS [name ...]: group, since and arguments only (Redoubt keeps no summaries).
  'command|docs'(c, argv, server) {
    const cmds: Command[] = [];
    if (argv.length === 2) cmds.push(...server.table.commands(false, true));
    else {
      for (let i = 2; i < argv.length; i++) {
        const cmd = server.table.lookupFullName(argv[i]!);
        if (cmd !== undefined) cmds.push(cmd);
      }
    }
    c.out.map(cmds.length);
    for (const cmd of cmds) {
      c.out.bulk(cmd.fullName);
      writeDocs(c.out, docsOf(server, cmd));
    }
  },

  // COMMAND GETKEYS command [arg ...]
  'command|getkeys'(c, argv, server) {
    getKeys(c, argv, server, false);
  },

  // COMMAND GETKEYSANDFLAGS command [arg ...]
  'command|getkeysandflags'(c, argv, server) {
    getKeys(c, argv, server, true);
  },

  'command|help'(c) {
    c.out.simples(COMMAND_HELP);
  },

  // INFO [section ...]: a verbatim string in RESP3.
  info(c, argv, server) {
    c.out.verbatim(infoString(server, selectSections(argv.slice(1))));
  },

  // TIME: [unix seconds, microseconds] from the server clock.
  time(c, _argv, server) {
    const ms = server.clock.now();
    c.out.array(2);
    c.out.bulk(String(Math.floor(ms / 1000)));
    c.out.bulk(String(Math.floor((ms % 1000) * 1000)));
  },

  // LASTSAVE: the time of the last successful save (start-up time before the first).
  lastsave(c, _argv, server) {
    c.out.int(server.lastSave);
  },

  // SAVE: the snapshot, written now.
  save(c, _argv, server) {
    if (server.snapshots.bgsaveInProgress) {
      c.out.error(err.bgsaveInProgress());
      return;
    }
    if (server.snapshots.saveSync() === null) c.out.ok();
    else c.out.error('ERR');
  },

  // BGSAVE [SCHEDULE]: the snapshot taken now, written in the background.
  bgsave(c, argv, server) {
    if (argv.length > 2 || (argv.length === 2 && !is(argv[1], 'schedule'))) {
      c.out.error(err.syntax());
      return;
    }
    if (server.snapshots.bgsaveInProgress) {
      c.out.error(err.bgsaveInProgress());
      return;
    }
    if (server.aof.rewriteInProgress) {
      if (argv.length === 2) {
        server.snapshots.bgsaveScheduled = true;
        c.out.simple('Background saving scheduled');
      } else {
        c.out.error(err.bgsaveChildActive());
      }
      return;
    }
    server.snapshots.bgsave();
    c.out.simple('Background saving started');
  },

  // BGREWRITEAOF: a new base written in the background; scheduled while a BGSAVE runs.
  bgrewriteaof(c, _argv, server) {
    const r = server.aof.bgrewrite();
    if (r === 'started') c.out.simple('Background append only file rewriting started');
    else if (r === 'scheduled') c.out.simple('Background append only file rewriting scheduled');
    else if (r === 'in-progress') c.out.error(err.aofRewriteInProgress());
    else c.out.error(err.aofRewriteFailed());
  },

  // SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. No reply on success: the connection closes.
  shutdown(c, argv, server) {
    let nosave = false;
    let save = false;
    let other = false;
    let abort = false;
    let force = false;
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!;
      if (is(a, 'nosave')) nosave = true;
      else if (is(a, 'save')) save = true;
      else if (is(a, 'now')) other = true;
      else if (is(a, 'force')) other = force = true;
      else if (is(a, 'abort')) abort = true;
      else {
        c.out.error(err.syntax());
        return;
      }
    }
    if ((abort && (nosave || save || other)) || (nosave && save)) {
      c.out.error(err.syntax());
      return;
    }
    if (abort) {
      c.out.error(err.noShutdown());
      return;
    }
    if (server.prepareShutdown({ save, nosave, force }) !== null) {
      c.out.error(err.shutdownFailed());
      return;
    }
    server.log.warning(`SHUTDOWN requested by ${c.addr}`);
    void server.shutdown().then(() => server.onShutdown?.());
  },

  // MONITOR: stream every command run by other clients.
  monitor(c, _argv, server) {
    if (inTransaction(c)) {
      c.out.error(err.monitorDenyBlocking());
      return;
    }
    c.monitor = true;
    server.monitors.add(c);
    c.out.ok();
  },

  // SLOWLOG GET [count]
  'slowlog|get'(c, argv, server) {
    let count = 10;
    if (argv.length === 3) {
      const n = parseInteger(argv[2]!);
      if (n === null || n < -1) {
        c.out.error(err.countAtLeastMinusOne());
        return;
      }
      count = n === -1 ? Infinity : n;
    }
    const entries = server.slowlog.entries.slice(0, Math.min(count, server.slowlog.entries.length));
    c.out.array(entries.length);
    for (const e of entries) {
      c.out.array(6);
      c.out.int(e.id);
      c.out.int(e.time);
      c.out.int(e.usec);
      c.out.bulks(e.argv);
      c.out.bulk(e.addr);
      c.out.bulk(e.name);
    }
  },

  'slowlog|len'(c, _argv, server) {
    c.out.int(server.slowlog.entries.length);
  },

  'slowlog|reset'(c, _argv, server) {
    server.slowlog.reset();
    c.out.ok();
  },

  'slowlog|help'(c) {
    c.out.simples(SLOWLOG_HELP);
  },

  // LATENCY LATEST
  'latency|latest'(c, _argv, server) {
    const events = [...server.stats.latencyEvents.entries()].filter(([, e]) => e.samples.length > 0);
    c.out.array(events.length);
    for (const [name, e] of events) {
      const last = e.samples[e.samples.length - 1]!;
      c.out.array(4);
      c.out.bulk(name);
      c.out.int(last.time);
      c.out.int(last.latency);
      c.out.int(e.max);
    }
  },

  // LATENCY HISTORY event
  'latency|history'(c, argv, server) {
    const e = server.stats.latencyEvents.get(argv[2]!);
    const samples = e?.samples ?? [];
    c.out.array(samples.length);
    for (const s of samples) {
      c.out.array(2);
      c.out.int(s.time);
      c.out.int(s.latency);
    }
  },

  // LATENCY RESET [event ...]: how many events were reset.
  'latency|reset'(c, argv, server) {
    const events = server.stats.latencyEvents;
    let n = 0;
    if (argv.length === 2) {
      n = events.size;
      events.clear();
    } else {
      for (let i = 2; i < argv.length; i++) if (events.delete(argv[i]!)) n++;
    }
    c.out.int(n);
  },

  // LATENCY GRAPH event
  'latency|graph'(c, argv, server) {
    const name = argv[2]!;
    const e = server.stats.latencyEvents.get(name);
    if (e === undefined || e.samples.length === 0) {
      c.out.error(err.noLatencySamples(name));
      return;
    }
    c.out.verbatim(latencyGraph(name, e.samples, Math.floor(server.clock.now() / 1000)));
  },

  // LATENCY DOCTOR: a plain report (Redoubt's own words).
  'latency|doctor'(c, _argv, server) {
    let text: string;
    if (server.stats.latencyMonitorUsec === 0) {
      text =
        'Latency monitoring is disabled. Enable it with "CONFIG SET latency-monitor-threshold <milliseconds>": ' +
        'commands that take at least that long are then recorded as latency events.\n';
    } else if (server.stats.latencyEvents.size === 0) {
      text = 'No latency events recorded: no command took longer than the latency-monitor-threshold.\n';
    } else {
      text = 'Latency events recorded:\n\n';
      let i = 1;
      for (const [name, e] of server.stats.latencyEvents) {
        const avg = e.samples.reduce((a, s) => a + s.latency, 0) / Math.max(1, e.samples.length);
        text += `${i++}. ${name}: ${e.samples.length} latency spikes (average ${Math.round(avg)}ms, worst ${e.max}ms).\n`;
      }
      text +=
        '\nSlow commands block every other client. Check SLOWLOG GET for the commands involved and avoid ' +
        'O(N) commands on big values.\n';
    }
    c.out.verbatim(text);
  },

  // LATENCY HISTOGRAM [command ...]
  'latency|histogram'(c, argv, server) {
    const cmds: Command[] = [];
    if (argv.length === 2) {
      for (const cmd of server.table.commands(true)) if (cmd.stats.latency !== undefined) cmds.push(cmd);
    } else {
      for (let i = 2; i < argv.length; i++) {
        const cmd = server.table.lookupFullName(argv[i]!);
        if (cmd === undefined) continue;
        if (cmd.subcommands !== null) {
          for (const s of cmd.subcommands.values()) if (s.stats.latency !== undefined && !cmds.includes(s)) cmds.push(s);
        } else if (cmd.stats.latency !== undefined && !cmds.includes(cmd)) cmds.push(cmd);
      }
    }
    c.out.map(cmds.length);
    for (const cmd of cmds) {
      const h = cmd.stats.latency!;
      c.out.bulk(cmd.fullName);
      c.out.map(2);
      c.out.bulk('calls');
      c.out.int(h.total);
      c.out.bulk('histogram_usec');
      const buckets = h.cumulative();
      c.out.map(buckets.length);
      for (const [bound, count] of buckets) {
        c.out.int(bound);
        c.out.int(count);
      }
    }
  },

  'latency|help'(c) {
    c.out.simples(LATENCY_HELP);
  },

  // MEMORY USAGE key [SAMPLES count]: what the memory accounting counts for the key (store/db.ts
  // entryBytes: the key, its value in its current encoding, its expires entry). Exact, so SAMPLES
  // is checked and otherwise ignored. The figures are Redoubt's estimates, not Redis's.
  'memory|usage'(c, argv) {
    for (let i = 3; i < argv.length; i++) {
      if (is(argv[i], 'samples') && i + 1 < argv.length) {
        if (parseInteger(argv[i + 1]!) === null) {
          c.out.error(err.notInteger());
          return;
        }
        i++;
      } else {
        c.out.error(err.syntax());
        return;
      }
    }
    const key = argv[2]!;
    const v = c.db.lookup(key);
    if (v === undefined) {
      c.out.nullBulk();
      return;
    }
    c.out.int(entryBytes(key, v, c.db.getExpire(key) !== undefined));
  },

  // MEMORY STATS
  'memory|stats'(c, _argv, server) {
    const mu = processMemory();
    const used = server.memory.used();
    server.stats.sampleMemory(used);
    const peak = Math.max(server.stats.peakMemory, used);
    const startup = server.stats.startupMemory;
    const clients = server.clientLimits.total;
    let keys = 0;
    const dbs: [number, number, number][] = [];
    for (const db of server.ks.dbs) {
      if (db.size === 0) continue;
      keys += db.size;
      dbs.push([db.id, db.size * 24, db.expires.size * 24]);
    }
    // The same split as INFO memory: the dataset is the accounted keys and values, the rest of
    // used memory (clients) is overhead.
    const dataset = server.memory.dataset();
    const overhead = Math.max(0, used - dataset);
    const out = c.out;
    const ints: [string, number][] = [
      ['peak.allocated', peak],
      ['total.allocated', used],
      ['startup.allocated', startup],
      ['replication.backlog', 0],
      ['clients.slaves', 0],
      ['clients.normal', clients],
      ['cluster.links', 0],
      ['aof.buffer', 0],
      ['lua.caches', 0],
      ['functions.caches', 0],
    ];
    out.map(ints.length + dbs.length + 17);
    for (const [k, v] of ints) {
      out.bulk(k);
      out.int(v);
    }
    for (const [id, main, expires] of dbs) {
      out.bulk(`db.${id}`);
      out.map(3);
      out.bulk('overhead.hashtable.main');
      out.int(main);
      out.bulk('overhead.hashtable.expires');
      out.int(expires);
      out.bulk('overhead.hashtable.slot-to-keys');
      out.int(0);
    }
    out.bulk('overhead.total');
    out.int(overhead);
    out.bulk('keys.count');
    out.int(keys);
    // Redis's figures over the memory used since start-up, taken as 1 byte when there is none
    // (so never negative).
    const net = used > startup ? used - startup : 1;
    out.bulk('keys.bytes-per-key');
    out.int(keys === 0 ? 0 : Math.floor(net / keys));
    out.bulk('dataset.bytes');
    out.int(dataset);
    out.bulk('dataset.percentage');
    out.double((dataset * 100) / net);
    out.bulk('peak.percentage');
    out.double(peak === 0 ? 0 : (used * 100) / peak);
    out.bulk('allocator.allocated');
    out.int(mu.heapUsed);
    out.bulk('allocator.active');
    out.int(mu.heapTotal);
    out.bulk('allocator.resident');
    out.int(mu.rss);
    out.bulk('allocator-fragmentation.ratio');
    out.double(mu.heapUsed === 0 ? 0 : mu.heapTotal / mu.heapUsed);
    out.bulk('allocator-fragmentation.bytes');
    out.int(mu.heapTotal - mu.heapUsed);
    out.bulk('allocator-rss.ratio');
    out.double(mu.heapTotal === 0 ? 0 : mu.rss / mu.heapTotal);
    out.bulk('allocator-rss.bytes');
    out.int(mu.rss - mu.heapTotal);
    // The process RSS beyond the allocator's resident memory: the "allocator" here is the
    // process (V8 and Node's native buffers), so nothing, as INFO's rss_overhead_* say.
    out.bulk('rss-overhead.ratio');
    out.double(1);
    out.bulk('rss-overhead.bytes');
    out.int(0);
    out.bulk('fragmentation');
    out.double(used === 0 ? 0 : mu.rss / used);
    out.bulk('fragmentation.bytes');
    out.int(mu.rss - used);
  },

  // MEMORY DOCTOR
  'memory|doctor'(c, _argv, server) {
    const used = server.memory.used();
    const rss = processMemory().rss;
    let keys = 0;
    for (const db of server.ks.dbs) keys += db.size;
    let text = `Memory report: ${human(used)} used by the dataset and the clients, ${human(rss)} resident, ${keys} keys.\n`;
    if (used < 5 * 1024 * 1024) text += 'This instance holds very little data: there is nothing to diagnose.\n';
    else if (rss / used > 1.5) text += `Resident memory is ${(rss / used).toFixed(2)} times the used memory: V8 keeps freed heap pages for reuse after a peak (peak ${human(server.stats.peakMemory)}).\n`;
    else text += 'No memory problems found.\n';
    c.out.verbatim(text);
  },

  // MEMORY MALLOC-STATS: V8 heap statistics (Redoubt has no jemalloc).
  'memory|malloc-stats'(c) {
    const h = v8.getHeapStatistics() as unknown as Record<string, number>;
    let text = '___ V8 heap statistics ___\n';
    for (const [k, v] of Object.entries(h)) text += `${k}: ${v}\n`;
    for (const s of v8.getHeapSpaceStatistics()) {
      text += `space ${s.space_name}: size ${s.space_size}, used ${s.space_used_size}, available ${s.space_available_size}\n`;
    }
    c.out.verbatim(text);
  },

  // MEMORY PURGE: nothing to do on V8.
  'memory|purge'(c) {
    c.out.ok();
  },

  'memory|help'(c) {
    c.out.simples(MEMORY_HELP);
  },

  // MODULE LIST: no module is ever loaded. Runs whatever enable-module-command says, as in Redis.
  'module|list'(c) {
    c.out.array(0);
  },

  'module|help'(c) {
    c.out.simples(MODULE_HELP);
  },

  // SECURITY: MODULE LOAD / LOADEX / UNLOAD reach here only where enable-module-command allows
  // them (the dispatcher's gate, as Redis's protected commands). Redoubt never loads native code:
  // LOAD fails as Redis's does for a library it cannot load, with the reason in the log.
  'module|load'(c, argv, server) {
    server.log.warning(`Module ${argv[2]!} failed to load: Redoubt does not load modules`);
    c.out.error(err.moduleLoad());
  },

  'module|loadex'(c, argv, server) {
    server.log.warning(`Module ${argv[2]!} failed to load: Redoubt does not load modules`);
    c.out.error(err.moduleLoad());
  },

  'module|unload'(c) {
    c.out.error(err.moduleUnloadMissing());
  },

  // LOLWUT [VERSION version [option ...]]: Redis draws generative art for versions 5 and 6 and
  // otherwise prints "Redis ver. <version>". Deliberate difference: Redoubt prints its own version
  // line in that shape ("Redoubt ver. 0.1.0") for every version, without the art, which is
  // Redis's own work. The arguments are checked as Redis checks them: VERSION's value and the
  // options of versions 5 and 6 must be integers; anything else is ignored.
  lolwut(c, argv) {
    if (argv.length >= 3 && is(argv[1], 'version')) {
      const v = parseInteger(argv[2]!);
      if (v === null) {
        c.out.error(err.notInteger());
        return;
      }
      const options = LOLWUT_OPTIONS[v] ?? 0;
      for (let i = 3; i < argv.length && i < 3 + options; i++) {
        if (parseInteger(argv[i]!) === null) {
          c.out.error(err.notInteger());
          return;
        }
      }
    }
    c.out.verbatim(`Redoubt ver. ${REDOUBT_VERSION}\n`);
  },
};

/** The docs of a command, from its own meta or (for a subcommand) its parent's. */
function docsOf(server: Server, cmd: Command): CommandDocs | undefined {
  if (cmd.meta.docs !== undefined) return cmd.meta.docs;
  const parent = cmd.parent ?? server.table.byFullName(cmd.fullName.split('|')[0]!);
  return parent?.meta.docs?.subcommands?.[cmd.fullName];
}
