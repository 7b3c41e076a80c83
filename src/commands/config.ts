// CONFIG GET / SET / RESETSTAT / REWRITE / HELP, reading the config table (src/config/schema.ts).
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { parseBindAddresses } from '../server/bind.js';
import { TLS_CONTEXT_CONFIGS } from '../tls/context.js';
import { ConfigError, type ConfigValue } from '../config/config.js';
import { rewriteConfigFile } from '../config/rewrite.js';
import type { ConfigDef } from '../config/schema.js';
import { err } from '../errors.js';
import { globMatch } from '../store/glob.js';
import { inTransaction } from './transactions.js';
import type { HandlerMap } from './types.js';

const HELP = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Prints this help.',
];

const setFailed = err.configSetFailed;

/** Redis counts a client as local for enable-*=local when it comes from 127.0.0.1 or ::1. */
function isLocalClient(client: Client): boolean {
  const a = client.socket.remoteAddress;
  return a === undefined || a === '127.0.0.1' || a === '::1' || a === '::ffff:127.0.0.1';
}

// CONFIG GET pattern [pattern ...]: each directive matching a pattern, once. A pattern without
// glob characters is a name (or alias) and is answered with the spelling the client used, as
// Redis does; hidden directives answer only to such a name. Order: the table's (Redis's is its
// hash order, which no client may rely on).
function configGet(client: Client, argv: string[], server: Server): void {
  const config = server.config;
  const out = client.out;
  if (argv.length === 3 && !GLOB_CHARS.test(argv[2]!)) {
    // The common case: one name.
    const def = config.def(argv[2]!);
    if (def === undefined) {
      out.map(0);
      return;
    }
    out.map(1);
    out.bulk(argv[2]!);
    out.bulk(config.display(def.name));
    return;
  }
  /** Reported name (lower case) -> [name as reported, canonical name]. */
  const found = new Map<string, [string, string]>();
  for (let i = 2; i < argv.length; i++) {
    const p = argv[i]!;
    if (!GLOB_CHARS.test(p)) {
      const def = config.def(p);
      if (def !== undefined && !found.has(p.toLowerCase())) found.set(p.toLowerCase(), [p, def.name]);
      continue;
    }
    for (const def of config.table) {
      if (def.hidden) continue;
      for (const name of [def.name, ...(def.aliases ?? [])]) {
        if (!found.has(name) && globMatch(p, name, true)) found.set(name, [name, def.name]);
      }
    }
  }
  out.map(found.size);
  for (const [name, canonical] of found.values()) {
    out.bulk(name);
    out.bulk(config.display(canonical));
  }
}

const GLOB_CHARS = /[*?[\\]/;

// CONFIG SET directive value [directive value ...]: all or nothing. First every name is checked
// (known, mutable, not protected, not given twice), then every value is parsed, then all are set
// and the listeners run; a listener that fails rolls every value back. A new port or bind moves
// the listening sockets first (asynchronously: the client is held until the reply is written).
function configSet(client: Client, argv: string[], server: Server): void {
  const config = server.config;
  if (argv.length % 2 !== 0) {
    client.out.error(err.syntax());
    return;
  }
  const defs: ConfigDef[] = [];
  const seen = new Set<string>();
  const protectedMode = config.str('enable-protected-configs');
  for (let i = 2; i < argv.length; i += 2) {
    const arg = argv[i]!;
    const def = config.def(arg);
    if (def === undefined) {
      client.out.error(err.configSetUnknown(arg));
      return;
    }
    if (!def.mutable) {
      client.out.error(setFailed(arg, "can't set immutable config"));
      return;
    }
    // SECURITY: protected configs (dir, dbfilename) change only where enable-protected-configs allows.
    if (def.protected && !(protectedMode === 'yes' || (protectedMode === 'local' && isLocalClient(client)))) {
      client.out.error(setFailed(arg, "can't set protected config"));
      return;
    }
    const key = arg.toLowerCase();
    if (seen.has(key)) {
      client.out.error(setFailed(arg, 'duplicate parameter'));
      return;
    }
    seen.add(key);
    defs.push(def);
  }
  const fresh: ConfigValue[] = [];
  for (let k = 0; k < defs.length; k++) {
    const arg = argv[2 + 2 * k]!;
    try {
      fresh.push(config.parse(defs[k]!.name, argv[3 + 2 * k]!));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      client.out.error(setFailed(arg, e.message));
      return;
    }
  }
  // port and bind (and tls-port, metrics-port, metrics-bind) move listening sockets, which takes
  // asynchronous work: the reply waits.
  // A failure names the first of port/bind in argv, changed or not (Redis applies both).
  let first = -1;
  let moves = false;
  for (let k = 0; k < defs.length; k++) {
    const name = defs[k]!.name;
    if (name !== 'port' && name !== 'bind' && name !== 'tls-port' && name !== 'metrics-port' && name !== 'metrics-bind') continue;
    if (first < 0) first = k;
    if (fresh[k] !== config.get(name)) moves = true;
  }
  if (!moves) {
    // As Redis: setting a tls-* directive to its current value re-reads the TLS files.
    const tlsAt = defs.findIndex((d) => TLS_CONTEXT_CONFIGS.includes(d.name));
    const tlsUnchanged = tlsAt >= 0 && defs.every((d, k) => !TLS_CONTEXT_CONFIGS.includes(d.name) || fresh[k] === config.get(d.name));
    const failed = applyValues(server, defs, fresh);
    if (failed !== null) {
      client.out.error(setFailed(argv[2 + 2 * failed.index]!, failed.message));
      return;
    }
    if (tlsUnchanged) {
      try {
        server.tls.reload(true);
      } catch (e) {
        client.out.error(setFailed(argv[2 + 2 * tlsAt]!, (e as Error).message));
        return;
      }
    }
    if (defs.some((d) => d.name === 'requirepass')) server.sessions.closeStaleLogins(server.users.defaultUser, client);
    if (server.audit.on) server.audit.configSet(client, argv);
    client.out.ok();
    return;
  }
  // Deliberate difference: EXEC's reply cannot wait for the sockets, so Redoubt refuses there.
  if (inTransaction(client)) {
    client.out.error(setFailed(argv[2 + 2 * first]!, `changing ${defs[first]!.name} inside MULTI/EXEC is not supported by Redoubt`));
    return;
  }
  const cmd = server.table.byFullName('config|set');
  client.deferReply(
    serialized(server, () => applyWithListeners(server, argv, defs, fresh, first)).then((reply) => {
      if (reply === null) {
        if (defs.some((d) => d.name === 'requirepass')) server.sessions.closeStaleLogins(server.users.defaultUser, client);
        if (server.audit.on) server.audit.configSet(client, argv);
        return () => client.out.ok();
      }
      if (cmd !== undefined) cmd.stats.failed++;
      return () => client.out.error(reply);
    }),
  );
}

/** Sets every value, then runs the listeners; a listener that fails rolls every value back. */
function applyValues(server: Server, defs: ConfigDef[], fresh: ConfigValue[]): { index: number; message: string } | null {
  const config = server.config;
  const old = defs.map((d) => config.get(d.name));
  for (let k = 0; k < defs.length; k++) config.setQuiet(defs[k]!.name, fresh[k]!);
  for (let k = 0; k < defs.length; k++) {
    if (fresh[k] === old[k]) continue;
    try {
      config.notify(defs[k]!.name);
    } catch (e) {
      for (let j = 0; j < defs.length; j++) config.setQuiet(defs[j]!.name, old[j]!);
      for (let j = 0; j <= k; j++) if (fresh[j] !== old[j]) config.notify(defs[j]!.name);
      return { index: k, message: (e as Error).message };
    }
  }
  return null;
}

/** The TCP port the listeners use for a `port` value: 0 at start-up picked a free port (tests). */
function effectivePort(server: Server, port: number, changed: boolean): number {
  if (changed || port !== 0) return port;
  return server.boundPorts[0] ?? 0;
}

/**
 * CONFIG SET with a new port or bind: the new listeners are opened first (server.rebind); if
 * that fails nothing changes and the error names the first of port/bind in argv, with Redis's
 * text. Then every value is set as usual; if one of the other listeners fails, the sockets move
 * back. Resolves to null for OK, or the error to reply.
 */
async function applyWithListeners(server: Server, argv: string[], defs: ConfigDef[], fresh: ConfigValue[], first: number): Promise<string | null> {
  const config = server.config;
  const oldBind = config.str('bind');
  const oldPort = effectivePort(server, config.num('port'), false);
  const oldTlsPort = config.num('tls-port');
  const oldMetricsPort = config.num('metrics-port');
  const oldMetricsBind = config.str('metrics-bind');
  let bind = oldBind;
  let port = oldPort;
  let tlsPort = oldTlsPort;
  let metricsPort = oldMetricsPort;
  let metricsBind = oldMetricsBind;
  for (let k = 0; k < defs.length; k++) {
    if (defs[k]!.name === 'bind') bind = fresh[k] as string;
    if (defs[k]!.name === 'port') port = effectivePort(server, fresh[k] as number, true);
    if (defs[k]!.name === 'tls-port') tlsPort = fresh[k] as number;
    if (defs[k]!.name === 'metrics-port') metricsPort = fresh[k] as number;
    if (defs[k]!.name === 'metrics-bind') metricsBind = fresh[k] as string;
  }
  const moveTcp = bind !== oldBind || port !== oldPort;
  const moveTls = tlsPort !== oldTlsPort || (bind !== oldBind && tlsPort !== 0);
  const moveMetrics = metricsPort !== oldMetricsPort || (metricsBind !== oldMetricsBind && metricsPort !== 0);
  const failedText = (n: string, e: unknown) =>
    n === 'port' || n === 'tls-port' || n === 'metrics-port'
      ? (e as Error).message.startsWith('Unable to update TLS configuration')
        ? (e as Error).message
        : 'Unable to listen on this port. Check server logs.'
      : 'Failed to bind to specified addresses.';
  const index = (n: string): number => defs.findIndex((d) => d.name === n);
  // A TLS port opened together with its files (CONFIG SET tls-port 6380 tls-cert-file ...) reads
  // the new files: those values are in place while the listeners open, and put back on failure
  // (before the listeners move back: they read them).
  const tlsDefs = defs.map((d, k) => [d, k] as const).filter(([d]) => d.name.startsWith('tls-') && d.name !== 'tls-port');
  const tlsOld = tlsDefs.map(([d]) => config.get(d.name));
  const restoreTls = (): void => tlsDefs.forEach(([d], j) => config.setQuiet(d.name, tlsOld[j]!));
  // The moves, in order: each leaves things as they were when it fails, `back` undoes it once done;
  // `at` is the argument a failure names.
  const moves = [
    { on: moveTcp, what: 'the listeners', at: first, go: () => server.rebind(parseBindAddresses(bind), port, 'tcp'), back: () => server.rebind(parseBindAddresses(oldBind), oldPort, 'tcp') },
    {
      on: moveTls,
      what: 'the TLS listeners',
      at: index('tls-port') >= 0 ? index('tls-port') : first,
      go: async () => {
        for (const [d, k] of tlsDefs) config.setQuiet(d.name, fresh[k]!);
        try {
          await server.rebind(parseBindAddresses(bind), tlsPort, 'tls');
        } catch (e) {
          restoreTls();
          throw e;
        }
      },
      back: () => {
        restoreTls();
        return server.rebind(parseBindAddresses(oldBind), oldTlsPort, 'tls');
      },
    },
    // The metrics endpoint (Redoubt's own), moved the same way.
    { on: moveMetrics, what: 'the metrics endpoint', at: index('metrics-port') >= 0 ? index('metrics-port') : index('metrics-bind'), go: () => server.metrics.moveTo(metricsPort, metricsBind), back: () => server.metrics.moveTo(oldMetricsPort, oldMetricsBind) },
  ].filter((m) => m.on);
  const undo = async (done: number): Promise<void> => {
    for (const m of moves.slice(0, done)) {
      await m.back().catch((e: Error) => server.log.warning(`CONFIG SET: could not restore ${m.what}: ${e.message}`));
    }
  };
  for (let i = 0; i < moves.length; i++) {
    const m = moves[i]!;
    try {
      await m.go();
    } catch (e) {
      server.log.warning(`CONFIG SET: could not move ${m.what} (${(e as Error).message}); the previous settings are kept.`);
      await undo(i);
      return setFailed(argv[2 + 2 * m.at]!, failedText(defs[m.at]!.name, e));
    }
  }
  const failed = applyValues(server, defs, fresh);
  if (failed === null) return null;
  // applyValues put back what it found, which for the TLS files was already the new values: undo
  // puts those back too.
  await undo(moves.length);
  return setFailed(argv[2 + 2 * failed.index]!, failed.message);
}

/** Listener changes run one at a time per server, each reading the values the previous one left. */
const listenerQueues = new WeakMap<Server, Promise<unknown>>();

function serialized<T>(server: Server, task: () => Promise<T>): Promise<T> {
  const prev = listenerQueues.get(server) ?? Promise.resolve();
  const next = prev.then(task, task);
  listenerQueues.set(
    server,
    next.catch(() => undefined),
  );
  return next;
}

// CONFIG RESETSTAT: server counters, command and error statistics, keyspace hits and misses.
// The slow log is kept, as in Redis.
function configResetstat(client: Client, _argv: string[], server: Server): void {
  server.stats.reset();
  server.gc.reset();
  server.aclLog.resetStats();
  for (const cmd of server.table.commands(true)) {
    cmd.stats.calls = 0;
    cmd.stats.usec = 0;
    cmd.stats.rejected = 0;
    cmd.stats.failed = 0;
    cmd.stats.latency = undefined;
  }
  const ks = server.ks.stats;
  ks.hits = 0;
  ks.misses = 0;
  ks.expiredKeys = 0;
  ks.expiredStalePerc = 0;
  ks.expiredTimeCapReached = 0;
  ks.lazyfreed = 0;
  server.memory.evictedKeys = 0;
  server.clientLimits.evictedClients = 0;
  server.clientLimits.outputDisconnections = 0;
  server.stats.protectedModeRejections = 0;
  client.out.ok();
}

// CONFIG REWRITE: see src/config/rewrite.ts.
function configRewrite(client: Client, _argv: string[], server: Server): void {
  if (server.configFile === null) {
    client.out.error(err.noConfigFile());
    return;
  }
  const failure = rewriteConfig(client, server, false);
  if (failure === null) client.out.ok();
  else client.out.error(err.configRewrite(failure));
}

/**
 * Rewrites the config file (which the caller has checked exists), every directive when `forceAll`
 * (DEBUG CONFIG-REWRITE-FORCE-ALL); logged and audited. Returns null, or why it failed.
 */
export function rewriteConfig(client: Client, server: Server, forceAll: boolean): string | null {
  const file = server.configFile!;
  try {
    rewriteConfigFile(server.config, file, server.config.str('aclfile') === '' ? server.users.sorted().map((u) => `user ${u.name} ${u.describe()}`) : [], forceAll);
  } catch (e) {
    server.log.warning(`CONFIG REWRITE failed: ${(e as Error).message}`);
    if (server.audit.on) server.audit.configRewrite(client, file, (e as Error).message);
    return (e as Error).message;
  }
  server.log.notice('CONFIG REWRITE executed with success.');
  if (server.audit.on) server.audit.configRewrite(client, file, null);
  return null;
}

function configHelp(client: Client): void {
  client.out.simples(HELP);
}

export const configCommands: HandlerMap = {
  'config|get': configGet,
  'config|set': configSet,
  'config|resetstat': configResetstat,
  'config|rewrite': configRewrite,
  'config|help': configHelp,
};
