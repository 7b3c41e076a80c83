// AUTH and the ACL command family. Permission checks are not here: the dispatcher applies them to
// every request (these handlers only manage users, the log and the ACL file).
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { CATEGORIES, catalog } from '../acl/catalog.js';
import { hasSpaces } from '../acl/selector.js';
import type { Selector } from '../acl/selector.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { err } from '../errors.js';
import { is, parseInteger } from './args.js';
import type { HandlerMap } from './types.js';

const ACL_HELP = [
  'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
  'HELP',
  '    Prints this help.',
];

const NO_ACL_FILE = err.noAclFile();

const GENPASS_MAX_BITS = 4096;

/** Commands of one category, subcommands after their container, in the table's order. */
function categoryCommands(bit: number): string[] {
  const out: string[] = [];
  for (const e of catalog.top) {
    if (e.categories & bit) out.push(e.fullName);
    for (const s of e.subs) if (s.categories & bit) out.push(s.fullName);
  }
  return out;
}

function selectorReply(c: Client, s: Selector): void {
  c.out.bulk('commands');
  c.out.bulk(s.describeCommands());
  c.out.bulk('keys');
  c.out.bulk(s.describeKeys());
  c.out.bulk('channels');
  c.out.bulk(s.describeChannels());
}

/** ACL LOAD: the whole file or nothing; replaced users' connections are closed. */
export function loadAclFile(server: Server, current: Client | null): string | null {
  const file = server.config.str('aclfile');
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    return `Error loading ACLs, opening file '${file}': ${(e as NodeJS.ErrnoException).message}`;
  }
  const parsed = server.users.parseFile(text, file);
  if (typeof parsed === 'string') return parsed;
  server.users.replaceAll(parsed, current);
  return null;
}

/** ACL SAVE: written to a temporary file, then renamed over the ACL file. */
function saveAclFile(server: Server): boolean {
  const file = server.config.str('aclfile');
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    writeFileSync(tmp, server.users.fileText(), { encoding: 'latin1', mode: 0o644 });
    renameSync(tmp, file);
    return true;
  } catch (e) {
    server.log.warning(`Saving the ACL file ${file}: ${(e as Error).message}`);
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    return false;
  }
}

export const aclCommands: HandlerMap = {
  // AUTH [username] password
  auth(c, argv, server) {
    if (argv.length > 3) {
      c.out.error(err.syntax());
      return;
    }
    const user = argv.length === 3 ? argv[1]! : 'default';
    const pass = argv[argv.length - 1]!;
    if (argv.length === 2 && server.users.defaultUser.nopass) {
      c.out.error(err.authNoPassword());
      return;
    }
    if (server.authenticate(c, user, pass, argv[0]!)) c.out.ok();
    else c.out.error(err.wrongPass());
  },

  // ACL SETUSER username [rule ...]: all rules apply, or none.
  'acl|setuser'(c, argv, server) {
    const name = argv[2]!;
    if (hasSpaces(name)) {
      c.out.error(err.usernameChars());
      return;
    }
    const staged = server.users.stage(name, argv.slice(3));
    if (typeof staged === 'string') {
      c.out.error(err.message(staged));
      return;
    }
    server.users.commit(staged, c);
    if (server.audit.on) server.audit.acl(c, 'setuser', argv);
    c.out.ok();
  },

  // ACL DELUSER username [username ...]: their connections are closed.
  'acl|deluser'(c, argv, server) {
    for (let j = 2; j < argv.length; j++) {
      if (argv[j] === 'default') {
        c.out.error(err.defaultUserUndeletable());
        return;
      }
    }
    let deleted = 0;
    for (let j = 2; j < argv.length; j++) {
      if (server.users.delete(argv[j]!, c)) deleted++;
    }
    if (server.audit.on && deleted > 0) server.audit.acl(c, 'deluser', argv);
    c.out.int(deleted);
  },

  // ACL GETUSER username
  'acl|getuser'(c, argv, server) {
    const u = server.users.get(argv[2]!);
    if (u === undefined) {
      c.out.nullBulk();
      return;
    }
    // Redoubt's own "from" field (its from: rules) only for a user that has some: Redis's reply otherwise.
    c.out.map(u.from.length > 0 ? 7 : 6);
    c.out.bulk('flags');
    const flags = u.flags();
    c.out.set(flags.length);
    for (const f of flags) c.out.bulk(f);
    c.out.bulk('passwords');
    c.out.bulks(u.passwords);
    if (u.from.length > 0) {
      c.out.bulk('from');
      c.out.bulks(u.from);
    }
    selectorReply(c, u.root);
    c.out.bulk('selectors');
    c.out.array(u.selectors.length - 1);
    for (const s of u.selectors.slice(1)) {
      c.out.map(3);
      selectorReply(c, s);
    }
  },

  // ACL LOCKOUT LIST | LIFT <address|user> [...] | LIFT ALL (Redoubt's own): the AUTH lockouts now
  // in force, and lifting them (the history of a lifted address or user is forgotten too).
  'acl|lockout'(c, argv, server) {
    const now = server.clock.now();
    if (is(argv[2]!, 'list') && argv.length === 3) {
      const entries = server.lockout.list(now);
      c.out.array(entries.length);
      for (const e of entries) {
        c.out.map(4);
        c.out.bulk(e.kind);
        c.out.bulk(e.target);
        c.out.bulk('remaining-seconds');
        c.out.int(e.remainingSec);
        c.out.bulk('lockouts-in-a-row');
        c.out.int(e.level);
        c.out.bulk('failures');
        c.out.int(e.failures);
      }
      return;
    }
    if (is(argv[2]!, 'lift') && argv.length >= 4) {
      const all = argv.length === 4 && is(argv[3]!, 'all');
      let lifted = 0;
      for (const t of all ? [null] : argv.slice(3)) lifted += server.lockout.lift(t, now);
      server.log.notice(`ACL LOCKOUT LIFT ${all ? 'ALL' : argv.slice(3).join(' ')} by ${c.addr}: ${lifted} lockout(s) lifted`);
      c.out.int(lifted);
      return;
    }
    c.out.error(err.syntax());
  },

  // ACL LIST
  'acl|list'(c, _argv, server) {
    c.out.bulks(server.users.sorted().map((u) => `user ${u.name} ${u.describe()}`));
  },

  // ACL USERS
  'acl|users'(c, _argv, server) {
    c.out.bulks(server.users.sorted().map((u) => u.name));
  },

  // ACL WHOAMI
  'acl|whoami'(c) {
    c.out.bulk(c.user.name);
  },

  // ACL CAT [category]
  'acl|cat'(c, argv) {
    if (argv.length > 3) {
      c.out.error(err.subcommandSyntax(argv[1]!, 'acl'));
      return;
    }
    if (argv.length === 2) {
      c.out.bulks(CATEGORIES);
      return;
    }
    const bit = catalog.categoryBit(argv[2]!);
    if (bit === 0) {
      c.out.error(err.unknownCategory(argv[2]!.slice(0, 128)));
      return;
    }
    c.out.bulks(categoryCommands(bit));
  },

  // ACL GENPASS [bits]
  'acl|genpass'(c, argv) {
    if (argv.length > 3) {
      c.out.error(err.subcommandSyntax(argv[1]!, 'acl'));
      return;
    }
    let bits = 256;
    if (argv.length === 3) {
      const n = parseInteger(argv[2]!);
      if (n === null) {
        c.out.error(err.notInteger());
        return;
      }
      bits = n;
    }
    if (bits <= 0 || bits > GENPASS_MAX_BITS) {
      c.out.error(err.genpassBits(GENPASS_MAX_BITS));
      return;
    }
    const chars = Math.floor((bits + 3) / 4);
    c.out.bulk(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
  },

  // ACL LOG [count | RESET]
  'acl|log'(c, argv, server) {
    if (argv.length > 3) {
      c.out.error(err.subcommandSyntax(argv[1]!, 'acl'));
      return;
    }
    let count = 10;
    if (argv.length === 3) {
      if (is(argv[2], 'reset')) {
        server.aclLog.reset();
        c.out.ok();
        return;
      }
      const n = parseInteger(argv[2]!);
      if (n === null) {
        c.out.error(err.notInteger());
        return;
      }
      count = Math.max(0, n);
    }
    const entries = server.aclLog.entries.slice(0, count);
    const now = server.clock.now();
    c.out.array(entries.length);
    for (const e of entries) {
      c.out.map(7);
      c.out.bulk('count');
      c.out.int(e.count);
      c.out.bulk('reason');
      c.out.bulk(e.reason);
      c.out.bulk('context');
      c.out.bulk(e.context);
      c.out.bulk('object');
      c.out.bulk(e.object);
      c.out.bulk('username');
      c.out.bulk(e.username);
      c.out.bulk('age-seconds');
      c.out.double((now - e.ctime) / 1000);
      c.out.bulk('client-info');
      c.out.bulk(e.clientInfo);
    }
  },

  // ACL DRYRUN username command [arg ...]: the dispatcher's permission check, without running it.
  'acl|dryrun'(c, argv, server) {
    const u = server.users.get(argv[2]!);
    if (u === undefined) {
      c.out.error(err.userNotFound(argv[2]!));
      return;
    }
    const args = argv.slice(3);
    // Commands Redoubt does not implement are still known to the ACL (a user's rules may name them).
    const live = server.table.lookup(args[0]!);
    let entry = live?.acl ?? (server.table.byFullName(args[0]!.toLowerCase()) === undefined ? catalog.lookup(args[0]!) : undefined);
    if (entry !== undefined && entry.subs.length > 0 && args.length > 1) entry = catalog.lookup(`${entry.fullName}|${args[1]!}`);
    if (entry === undefined || args[0]!.includes('|')) {
      c.out.error(err.commandNotFound(args[0]!));
      return;
    }
    const arity = entry.meta.arity;
    if ((arity > 0 && arity !== args.length) || args.length < -arity) {
      c.out.error(err.wrongArity(entry.fullName));
      return;
    }
    const denied = u.check(entry, args);
    if (denied === null) {
      c.out.ok();
      return;
    }
    if (denied.denial === 'command') c.out.bulk(`This user has no permissions to run the '${entry.fullName}' command`);
    else c.out.bulk(`This user has no permissions to access the '${args[denied.pos]!}' ${denied.denial}`);
  },

  // ACL LOAD
  'acl|load'(c, _argv, server) {
    if (server.config.str('aclfile') === '') {
      c.out.error(NO_ACL_FILE);
      return;
    }
    const errors = loadAclFile(server, c);
    if (server.audit.on && errors === null) server.audit.acl(c, 'load', _argv);
    if (errors === null) c.out.ok();
    else c.out.error(err.message(errors));
  },

  // ACL SAVE
  'acl|save'(c, _argv, server) {
    if (server.config.str('aclfile') === '') {
      c.out.error(NO_ACL_FILE);
      return;
    }
    const saved = saveAclFile(server);
    if (server.audit.on && saved) server.audit.acl(c, 'save', _argv);
    if (saved) c.out.ok();
    else c.out.error(err.aclSaveFailed());
  },

  // ACL HELP
  'acl|help'(c) {
    c.out.simples(ACL_HELP);
  },
};
