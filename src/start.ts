// Starting a server from a loaded config: the steps the `redoubt` command (main.ts) and the
// embedding API (embed/) share. main.ts adds what belongs to a process of its own (the working
// directory, the pid file, signals, exit).
import { performance } from 'node:perf_hooks';
import { ConfigFileError, type LoadedConfig } from './config/loader.js';
import { Server } from './server/server.js';
import type { Logger } from './server/log.js';
import { buildCommandTable } from './commands/index.js';
import { User, mergeSelectorArgs, ruleErrorText } from './acl/users.js';
import { hasSpaces } from './acl/selector.js';
import { loadAclFile } from './commands/acl.js';

/** Start-up refused after the config was read; the reason is logged already. */
export class StartError extends Error {}

/**
 * The server of a loaded config, before anything is read or opened. Throws ConfigFileError for
 * what refuses start-up naming the line: a bad `user` line, a rename-command to a taken name.
 */
export function createServer(loaded: LoadedConfig, log?: Logger): Server {
  checkUserLines(loaded);
  const server = new Server(loaded.config, { configFile: loaded.file, table: buildCommandTable(), ...(log === undefined ? {} : { log }) });
  // rename-command is checked against the command table before anything starts.
  for (const r of loaded.renames) {
    const renamed = server.table.rename(r.from, r.to);
    if (renamed !== 'ok') throw new ConfigFileError(renamed === 'no-such-command' ? 'No such command in rename-command' : 'Target command name already exists', r.origin);
  }
  return server;
}

/**
 * Users, the dataset (the RDB snapshot, or the AOF with appendonly yes), then the listeners and
 * cron. Relative file names are taken from `dir`. Throws StartError (logged) when start-up fails;
 * what opened before the failure is the caller's to close (server.close()).
 */
export async function openServer(server: Server, loaded: LoadedConfig): Promise<void> {
  const { config, log } = server;
  if (!loadUsers(server, loaded)) throw new StartError('Critical error while loading ACLs');
  // The dataset: the RDB snapshot in `dir` (whole or not at all).
  if (!config.bool('appendonly')) {
    const t0 = performance.now();
    try {
      const n = server.snapshots.load();
      if (n !== null) log.notice(`DB loaded from disk: ${((performance.now() - t0) / 1000).toFixed(3)} seconds (${n} keys)`);
    } catch (e) {
      log.warning(`Fatal error loading the DB ${server.snapshots.file()}: ${(e as Error).message}. Exiting.`);
      throw new StartError(`Fatal error loading the DB: ${(e as Error).message}`);
    }
  }
  if (loaded.noEffect.length > 0) log.notice(`Accepted without effect in Redoubt: ${loaded.noEffect.join(', ')}`);
  log.notice(`Running mode=standalone, port=${config.num('port') !== 0 ? config.num('port') : config.num('tls-port')}.`);
  log.notice('Server initialized');
  // appendonly yes: the AOF is loaded (or created) before anything is served; a damaged AOF
  // refuses start-up with the file and offset named, and nothing is served half-loaded.
  if (config.bool('appendonly')) {
    try {
      server.aof.startup();
    } catch (e) {
      log.warning(`Fatal error loading the AOF: ${(e as Error).message}`);
      throw new StartError(`Fatal error loading the AOF: ${(e as Error).message}`);
    }
  }
  try {
    await server.listen();
  } catch (e) {
    log.warning((e as Error).message);
    const tlsPort = config.num('tls-port');
    log.warning(tlsPort !== 0 ? `Failed listening on port ${config.num('port')} (tcp) / ${tlsPort} (tls), aborting.` : `Failed listening on port ${config.num('port')} (tcp), aborting.`);
    throw new StartError((e as Error).message);
  }
}

/**
 * `user` lines are checked while the config is read, as Redis does: a rule with a syntax error or a
 * user defined twice refuses start-up naming the line. (Unknown commands are reported when the
 * users are created.)
 */
function checkUserLines(loaded: LoadedConfig): void {
  const seen = new Set<string>();
  for (const { args, origin } of loaded.users) {
    const name = args[0]!;
    if (seen.has(name)) {
      throw new ConfigFileError(`Error in user declaration '${name}': Duplicate user found. A user can only be defined once in config files`, origin);
    }
    seen.add(name);
    const merged = mergeSelectorArgs(args.slice(1));
    if (!Array.isArray(merged)) throw new ConfigFileError(`Error in user declaration '${args[merged.unmatched + 1]!}': Syntax error`, origin);
    const probe = new User(name, false);
    for (const op of merged) {
      const e = probe.apply(op, false);
      if (e !== null && e !== 'unknown') throw new ConfigFileError(`Error in user declaration '${op}': ${ruleErrorText(e)}`, origin);
    }
  }
}

/** Creates the users of the config file, or loads the aclfile (never both). Returns false on failure (logged). */
function loadUsers(server: Server, loaded: LoadedConfig): boolean {
  const log = server.log;
  const users = server.users;
  const aclfile = server.config.str('aclfile');
  if (aclfile !== '' && loaded.users.length > 0) {
    log.warning(
      'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely ' +
        'to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
    );
    return false;
  }
  for (const { args } of loaded.users) {
    const name = args[0]!;
    if (hasSpaces(name)) {
      log.warning('Spaces not allowed in ACL usernames');
      return false;
    }
    let u = users.get(name);
    if (u === undefined) {
      // Before any connection: the user is live at once, its rules applied to it in place.
      u = users.commit(new User(name, users.allChannelsDefault));
    } else u.apply('reset', users.allChannelsDefault);
    for (const op of mergeSelectorArgs(args.slice(1)) as string[]) {
      const e = u.apply(op, users.allChannelsDefault);
      if (e !== null) {
        log.warning(`Error loading ACL rule '${op}' for the user named '${name}': ${ruleErrorText(e)}`);
        log.warning('Critical error while loading ACLs. Exiting.');
        return false;
      }
    }
    if (!u.enabled) {
      log.notice(`The user '${name}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.`);
    }
  }
  if (aclfile !== '') {
    const errors = loadAclFile(server, null);
    if (errors !== null) {
      log.warning(`Aborting Redis startup because of ACL errors: ${errors}`);
      return false;
    }
  }
  return true;
}
