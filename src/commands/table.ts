// The command table: facts from meta.ts joined with handlers from the command-group modules.
// Drives dispatch, COMMAND, ACL categories and rename-command.
import { COMMAND_META } from './meta.js';
import { catalog } from '../acl/catalog.js';
import type { Command, CommandMeta, Handler, HandlerMap } from './types.js';

function build(meta: CommandMeta, handler: Handler, parent: Command | null): Command {
  const flags = meta.flags;
  return {
    fullName: meta.name,
    meta,
    acl: catalog.lookup(meta.name)!,
    isWrite: flags.includes('write'),
    // The *_RO script commands are read-only: their scripts' reads count, not themselves.
    readsKeys: flags.includes('readonly') && !SCRIPT_RUNNERS.has(meta.name) && !flags.includes('pubsub'),
    isDenyOom: flags.includes('denyoom'),
    mayReplicate: flags.includes('write') || flags.includes('may_replicate') || MAY_REPLICATE.has(meta.name),
    noAuth: flags.includes('no_auth'),
    noMulti: flags.includes('no_multi'),
    noScript: flags.includes('noscript'),
    runsScript: SCRIPT_RUNNERS.has(meta.name),
    isAdmin: flags.includes('admin'),
    allowBusy: flags.includes('allow_busy'),
    skipSlowlog: flags.includes('skip_slowlog'),
    skipMonitor: flags.includes('skip_monitor'),
    // Redis's "protected" commands (the flag COMMAND INFO hides): refused unless a config allows
    // them. MODULE LIST and MODULE HELP are not protected: they run whatever the config says.
    isProtected: meta.name === 'debug' || meta.name === 'module|load' || meta.name === 'module|loadex' || meta.name === 'module|unload',
    handler,
    subcommands: null,
    parent,
    stats: { calls: 0, usec: 0, rejected: 0, failed: 0, latency: undefined },
  };
}

/**
 * Commands Redis 7.0.15 defines as may-replicate (its command definitions), a flag COMMAND INFO
 * does not show: paused by CLIENT PAUSE WRITE, refused in read-only scripts.
 */
const MAY_REPLICATE = new Set(['eval', 'evalsha', 'fcall', 'pfcount', 'publish', 'spublish']);

/** Commands that run a script or function, gated by its declared flags (Dispatcher.run). */
const SCRIPT_RUNNERS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

const noHandler: Handler = () => {
  throw new Error('container command called without a subcommand');
};

export class CommandTable {
  /** Current names (after rename-command) to commands. */
  private readonly byName = new Map<string, Command>();
  /** Original names, for COMMAND INFO and ACL, whatever they are called now. */
  readonly all = new Map<string, Command>();
  /** Redis 7.0 command names Redoubt does not implement (they cannot be renamed or be a target). */
  private readonly unimplemented = new Set<string>();

  constructor(groups: HandlerMap[]) {
    const handlers = new Map<string, Handler>();
    for (const g of groups) {
      for (const [name, h] of Object.entries(g)) {
        if (handlers.has(name)) throw new Error(`command ${name} defined twice`);
        handlers.set(name, h);
      }
    }
    const used = new Set<string>();
    for (const meta of COMMAND_META) {
      const subs = meta.subcommands ?? [];
      if (subs.length > 0) {
        const implemented = subs.filter((s) => handlers.has(s.name));
        if (implemented.length === 0) {
          this.unimplemented.add(meta.name);
          continue;
        }
        // A container may have its own handler for the bare name (COMMAND with no subcommand).
        const own = handlers.get(meta.name);
        if (own !== undefined) used.add(meta.name);
        const cmd = build(meta, own ?? noHandler, null);
        cmd.subcommands = new Map();
        for (const s of implemented) {
          cmd.subcommands.set(s.name.slice(meta.name.length + 1), build(s, handlers.get(s.name)!, cmd));
          used.add(s.name);
        }
        this.add(cmd);
      } else {
        const h = handlers.get(meta.name);
        if (h === undefined) {
          this.unimplemented.add(meta.name);
          continue;
        }
        used.add(meta.name);
        this.add(build(meta, h, null));
      }
    }
    for (const name of handlers.keys()) {
      if (!used.has(name)) throw new Error(`handler ${name} has no command metadata`);
    }
  }

  private add(cmd: Command): void {
    this.setName(cmd.fullName, cmd);
    this.all.set(cmd.fullName, cmd);
  }

  /** Names are kept lower- and upper-case, so the usual spellings need one Map access. */
  private setName(name: string, cmd: Command): void {
    this.byName.set(name.toLowerCase(), cmd);
    this.byName.set(name.toUpperCase(), cmd);
  }

  /**
   * Redis's facts about a command Redoubt does not implement (a subcommand's when `sub` names
   * one): a script calling it is refused as Redis would refuse it (noscript) before "unknown".
   */
  missingMeta(name: string, sub: string | undefined): CommandMeta | undefined {
    const lower = name.toLowerCase();
    if (!this.unimplemented.has(lower)) return undefined;
    const meta = COMMAND_META.find((m) => m.name === lower);
    if (sub === undefined || meta?.subcommands === undefined) return meta;
    return meta.subcommands.find((s) => s.name === `${lower}|${sub.toLowerCase()}`) ?? meta;
  }

  /** The name lookup() found last and its command (requests repeat names); dropped by rename(). */
  private lastName: string | null = null;
  private lastCmd: Command | undefined = undefined;

  /** Looks a command up by the name a client sent, in any case. */
  lookup(name: string): Command | undefined {
    if (name === this.lastName) return this.lastCmd;
    const cmd = this.byName.get(name) ?? this.byName.get(name.toLowerCase());
    if (cmd !== undefined) {
      this.lastName = name;
      this.lastCmd = cmd;
    }
    return cmd;
  }

  /**
   * COMMAND INFO / DOCS names: a command under its current name (a renamed one under its new
   * name only), or "container|subcommand"; as Redis looks them up.
   */
  lookupFullName(name: string): Command | undefined {
    const bar = name.indexOf('|');
    if (bar < 0) return this.lookup(name);
    const parent = this.lookup(name.slice(0, bar));
    return parent?.subcommands?.get(name.slice(bar + 1).toLowerCase());
  }

  /** Commands removed by `rename-command NAME ""`: COMMAND no longer lists or counts them. */
  private readonly removed = new Set<Command>();

  /** How many top-level commands COMMAND lists (COMMAND COUNT). */
  get listedCount(): number {
    return this.all.size - this.removed.size;
  }

  /**
   * rename-command, as Redis applies it: the command is looked up by its current name (any case),
   * removed under that name, then added under `to` unless `to` is "" (removed for everyone). The
   * target must not name a command that exists at that point (any case), nor a Redis command that
   * Redoubt does not implement: a client sending that name must not silently get another command.
   */
  rename(from: string, to: string): 'ok' | 'no-such-command' | 'target-exists' {
    const cmd = this.byName.get(from.toLowerCase());
    if (cmd === undefined) return 'no-such-command';
    const target = to.toLowerCase();
    // SECURITY: `rename-command GET FLUSHALL` would make FLUSHALL run GET; refuse it as Redis does.
    if (to !== '' && target !== from.toLowerCase() && (this.byName.has(target) || this.unimplemented.has(target))) return 'target-exists';
    this.byName.delete(from.toLowerCase());
    this.byName.delete(from.toUpperCase());
    this.lastName = null;
    if (to !== '') this.setName(to, cmd);
    else this.removed.add(cmd);
    return 'ok';
  }

  /**
   * Every top-level command, with its subcommands when asked; without those removed by
   * rename-command when `listed` (what COMMAND shows: INFO, stats and ACL see them all).
   */
  *commands(withSubcommands = false, listed = false): IterableIterator<Command> {
    for (const cmd of this.all.values()) {
      if (listed && this.removed.has(cmd)) continue;
      yield cmd;
      if (withSubcommands && cmd.subcommands) yield* cmd.subcommands.values();
    }
  }

  /** A command or subcommand by its full name ("config|get"), its original name whatever renames it. */
  byFullName(full: string): Command | undefined {
    const bar = full.indexOf('|');
    if (bar < 0) return this.all.get(full);
    return this.all.get(full.slice(0, bar))?.subcommands?.get(full.slice(bar + 1));
  }
}
