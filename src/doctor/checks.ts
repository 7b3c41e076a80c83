// The hardening guide's checklist as checks over what doctor learnt about a server (live or from a
// config file): each finding has a severity, what was seen and the config line that fixes it.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { catalog, type CatalogEntry } from '../acl/catalog.js';
import { User, mergeSelectorArgs } from '../acl/users.js';
import { REDIS_CVES, affects } from './cves.js';

export type Severity = 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low', 'info'];

export interface Finding {
  id: string;
  severity: Severity;
  title: string;
  detail: string;
  /** The config line (or command) that fixes it; empty for information. */
  fix: string;
}

/** What doctor knows about the server. Null members could not be read (the reason beside). */
export interface Facts {
  mode: 'live' | 'file';
  product: 'redoubt' | 'redis' | 'valkey' | 'unknown';
  /** redis_version (Valkey: valkey_version). */
  version: string | null;
  /** redoubt_version, for Redoubt. */
  redoubtVersion: string | null;
  /** Directive (lower case) -> value as CONFIG GET prints it. */
  config: Map<string, string> | null;
  configWhy: string;
  /** ACL LIST lines: "user <name> <rules>". */
  users: string[] | null;
  usersWhy: string;
  /** Plaintext passwords doctor could read (config file, requirepass): user -> passwords. */
  plainPasswords: Map<string, string[]>;
  /** Original command name (lower case) -> the name it answers to now ('' removed, ABSENT renamed or removed); null: unknown. */
  commands: Map<string, string> | null;
  commandsWhy: string;
  /** Live: how doctor reached the server. */
  connection: { host: string; tls: boolean; loopback: boolean } | null;
  /** The server's files are on this machine (file mode, or a loopback target). */
  local: boolean;
}

/** Commands the guide names as the ones an intruder uses first (renamed or removed by step 4). */
export const GUIDE_COMMANDS = ['flushall', 'flushdb', 'config', 'shutdown', 'keys', 'debug', 'module', 'monitor', 'save', 'bgsave'];
/** In Facts.commands: the command does not answer under its own name (renamed or removed; the new name unknown). */
export const ABSENT = '?';

/** Passwords published in guides and sample configs: finding one is as bad as having none. */
const PUBLISHED_PASSWORDS = ['StrongPassword123!', 'foobared', 'password', 'redis', 'admin', '123456', 'changeme', 'secret'];
const MIN_PASSWORD_LENGTH = 16;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const PUBLISHED_DIGESTS = new Map(PUBLISHED_PASSWORDS.map((p) => [sha256(p), p]));

/** Every command and subcommand in @dangerous (FLUSHALL, CONFIG SET, KEYS, DEBUG, ...). */
const DANGEROUS: CatalogEntry[] = (() => {
  const bit = catalog.categoryBit('dangerous');
  return catalog.byId.filter((e) => (e.categories & bit) !== 0 && e.subs.length === 0);
})();
const SCRIPTING = ['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'function|load'].map((n) => catalog.lookup(n)).filter((e): e is CatalogEntry => e !== undefined);

function argvOf(e: CatalogEntry): string[] {
  return e.parent === null ? [e.fullName] : [e.parent.fullName, e.fullName.slice(e.parent.fullName.length + 1)];
}

/** A user rebuilt from its ACL LIST line (rules naming commands this table lacks are skipped). */
export interface UserView {
  name: string;
  user: User;
  /** Dangerous commands (top-level names, upper case) it may run. */
  dangerous: string[];
  admin: boolean;
  scripting: boolean;
  published: string | null;
}

export function viewUser(line: string): UserView | null {
  const words = line.trim().split(/\s+/);
  if (words[0] !== 'user' || words.length < 2) return null;
  const u = new User(words[1]!, false);
  const rules = mergeSelectorArgs(words.slice(2));
  if (!Array.isArray(rules)) return null;
  for (const r of rules) u.apply(r, false);
  const may = (e: CatalogEntry) => u.selectors.some((s) => s.allowsCommand(e, argvOf(e)));
  const allowed = DANGEROUS.filter(may);
  const names = [...new Set(allowed.map((e) => (e.parent ?? e).fullName.toUpperCase()))];
  let published: string | null = null;
  for (const d of u.passwords) published ??= PUBLISHED_DIGESTS.get(d) ?? null;
  return { name: u.name, user: u, dangerous: names, admin: allowed.length === DANGEROUS.length, scripting: SCRIPTING.some(may), published };
}

const WILDCARDS = new Set(['*', '0.0.0.0', '::', '::*']);
/** A loopback name or address (a bind address, the host doctor connects to). */
export function isLoopback(a: string): boolean {
  return a === 'localhost' || a === '::1' || (isIPv4(a) && a.startsWith('127.'));
}

export function runChecks(f: Facts): { findings: Finding[]; unchecked: string[] } {
  const out: Finding[] = [];
  const unchecked: string[] = [];
  const add = (id: string, severity: Severity, title: string, detail: string, fix = '') => out.push({ id, severity, title, detail, fix });
  const cfg = f.config;
  const get = (k: string): string | undefined => cfg?.get(k);

  // --- Users (ACL LIST) ---
  const views = f.users === null ? null : f.users.map(viewUser).filter((v): v is UserView => v !== null);
  const def = views?.find((v) => v.name === 'default');
  const defaultOpen = def !== undefined && def.user.enabled && def.user.nopass;
  if (views === null) {
    unchecked.push(`users and their permissions (${f.usersWhy})`);
  } else {
    if (def === undefined || !def.user.enabled) {
      add('default-user', 'info', 'The default user is disabled', 'Every connection must log in as a named user, as the guide recommends.');
    } else if (def.user.nopass) {
      add(
        'default-user',
        'high',
        'The default user is enabled without a password',
        `Anyone who reaches the port is logged in as "default" at once, with ${def.admin ? 'every command (+@all)' : 'its permissions'}.`,
        'user default off    (at run time: ACL SETUSER default off)',
      );
    } else {
      add('default-user', 'low', 'The default user is enabled (password protected)', 'One shared password (requirepass style) instead of one user per service.', 'user default off    (after creating named users)');
    }
    const enabled = views.filter((v) => v.user.enabled);
    const restricted = enabled.filter((v) => v.dangerous.length === 0);
    const admins = enabled.filter((v) => v.admin);
    for (const v of enabled) {
      if (v.name !== 'default' && v.user.nopass) {
        add(`nopass-${v.name}`, 'high', `User "${v.name}" logs in with any password (nopass)`, 'Whoever names this user is logged in.', `ACL SETUSER ${v.name} resetpass >a-long-random-password`);
      }
      if (v.published !== null) {
        add(`published-password-${v.name}`, 'high', `User "${v.name}" has a published example password`, `Its password is "${v.published}", found in public guides and sample configs; scanners try it first.`, `ACL SETUSER ${v.name} resetpass >$(openssl rand -base64 32)`);
      }
      if (!v.admin && v.dangerous.length > 0) {
        add(
          `dangerous-${v.name}`,
          'medium',
          `User "${v.name}" may run dangerous commands`,
          `It may run ${v.dangerous.slice(0, 12).join(', ')}${v.dangerous.length > 12 ? ', ...' : ''} (@dangerous).`,
          `ACL SETUSER ${v.name} -@dangerous`,
        );
      }
    }
    const namedAdmins = admins.filter((v) => v.name !== 'default' || !defaultOpen);
    if (namedAdmins.length > 0) {
      const names = namedAdmins.map((v) => `"${v.name}"`).join(', ');
      if (restricted.length > 0) {
        add('admin-users', 'info', `Administrator${namedAdmins.length > 1 ? 's' : ''} ${names} ${namedAdmins.length > 1 ? 'hold' : 'holds'} every command (+@all)`, `Application users (${restricted.map((v) => `"${v.name}"`).join(', ')}) are restricted; keep the administrator credentials off application hosts.`);
      } else {
        add('admin-users', 'medium', `Every enabled user holds every command (${names})`, 'No user is restricted: each service should have its own user without @dangerous, as the guide\'s app_cache.', 'ACL SETUSER app_cache on >a-long-random-password ~cache:* +@all -@dangerous');
      }
    }
    const scripters = enabled.filter((v) => !v.admin && v.scripting);
    if (scripters.length > 0) {
      const names = `User${scripters.length > 1 ? 's' : ''} ${scripters.map((v) => `"${v.name}"`).join(', ')}`;
      if (f.product === 'redoubt') {
        add('scripting', 'info', `${names} may run scripts`, 'Redoubt\'s Lua interpreter has no host access (no package, io, os, loadlib).');
      } else {
        add('scripting', 'low', `${names} may run Lua scripts`, 'Every Lua sandbox escape or memory bug in Redis (see the CVEs) needs only this.', `ACL SETUSER <user> -@scripting    (for users that need no scripts)`);
      }
    }
  }

  // --- Passwords doctor could read in plain text ---
  for (const [user, pws] of f.plainPasswords) {
    for (const pw of pws) {
      if (PUBLISHED_DIGESTS.has(sha256(pw))) continue; // reported above from the digest
      if (pw.length < MIN_PASSWORD_LENGTH) {
        add(`short-password-${user}`, 'medium', `User "${user}" has a short password (${pw.length} characters)`, `Passwords are checked as fast as the server answers; use ${MIN_PASSWORD_LENGTH}+ random characters.`, 'ACL GENPASS    (then ACL SETUSER <user> resetpass >NEW)');
      }
    }
  }
  if (f.mode === 'live' && views !== null) {
    unchecked.push('password strength beyond published examples (the server shows SHA-256 digests only)');
  }

  // --- Network ---
  if (cfg === null) {
    unchecked.push(`bind, protected mode, TLS, debug/module commands, data directory (${f.configWhy})`);
  } else {
    const binds = (get('bind') ?? '').split(/\s+/).filter(Boolean).map((a) => a.replace(/^-/, ''));
    const wildcard = binds.length === 0 || binds.some((a) => WILDCARDS.has(a));
    const external = binds.filter((a) => !isLoopback(a) && !WILDCARDS.has(a));
    const protectedMode = get('protected-mode') !== 'no';
    if (wildcard) {
      add('bind', defaultOpen && !protectedMode ? 'high' : 'medium', 'Listens on every network interface', `bind is "${get('bind') ?? ''}": any network that reaches this host reaches the server.${defaultOpen && !protectedMode ? ' With protected mode off and the default user open, anyone can run any command.' : ''}`, 'bind 127.0.0.1 10.0.5.15    (loopback and the private address only)');
    } else if (external.length > 0) {
      add('bind', 'info', `Listens on ${external.join(', ')}`, 'Allow only the application hosts at the firewall (ufw allow from APP to any port PORT; default deny incoming)' + (get('allow-from') ? `; allow-from is "${get('allow-from')}".` : '.'));
    } else {
      add('bind', 'info', 'Listens on loopback only', `bind is "${get('bind')}".`);
    }
    if (!protectedMode) {
      const sev: Severity = defaultOpen ? (wildcard || external.length > 0 ? 'high' : 'medium') : 'low';
      add('protected-mode', sev, 'Protected mode is off', defaultOpen ? 'The default user has no password and clients from other addresses are not refused.' : 'It only acts while the default user has no password; keep it on as a safety net.', 'protected-mode yes');
    }
    const unixsocket = get('unixsocket') ?? '';
    const perm = parseInt(get('unixsocketperm') ?? '0', 8);
    if (unixsocket !== '' && (perm & 0o007) !== 0) {
      add('unixsocket', 'medium', 'The unix socket is open to every local user', `unixsocketperm is ${get('unixsocketperm')}.`, 'unixsocketperm 700');
    }

    // --- TLS ---
    const tlsPort = Number(get('tls-port') ?? '0');
    const port = Number(get('port') ?? '0');
    if (tlsPort === 0) {
      const exposed = wildcard || external.length > 0;
      add('tls', exposed ? 'medium' : 'low', 'TLS is off', exposed ? 'Passwords and data cross the network in clear text.' : 'Only loopback clients now, but nothing is encrypted if bind changes.', 'port 0 + tls-port 6379 + tls-cert-file/tls-key-file/tls-ca-cert-file + tls-auth-clients yes');
    } else {
      if (port !== 0) add('tls-cleartext-port', 'low', `The clear-text port ${port} is still open beside TLS port ${tlsPort}`, 'Clients may still connect without encryption.', 'port 0');
      const auth = get('tls-auth-clients') ?? 'yes';
      if (auth === 'no') add('tls-auth-clients', 'medium', 'TLS clients need no certificate (tls-auth-clients no)', 'Mutual TLS is off: any client that trusts the server certificate may connect.', 'tls-auth-clients yes');
      else if (auth === 'optional') add('tls-auth-clients', 'low', 'Client certificates are optional (tls-auth-clients optional)', 'Clients without a certificate are accepted.', 'tls-auth-clients yes');
      else add('tls', 'info', 'TLS only with mutual TLS', port === 0 ? `tls-port ${tlsPort}, port 0, tls-auth-clients yes.` : `tls-port ${tlsPort}, tls-auth-clients yes.`);
    }

    // --- Debug, modules, protected configs ---
    const gate = (name: string, yes: Severity, local: Severity, what: string) => {
      const v = get(name);
      if (v === 'yes') add(name, yes, `${name} is yes`, what, `${name} no`);
      else if (v === 'local') add(name, local, `${name} is local`, `${what} (from loopback clients)`, `${name} no`);
    };
    gate('enable-module-command', 'high', 'medium', 'MODULE LOAD runs native code inside the server.');
    gate('enable-debug-command', 'medium', 'low', 'DEBUG can crash, stall or corrupt the server.');
    gate('enable-protected-configs', 'medium', 'low', 'CONFIG SET dir/dbfilename can make the server write its dump anywhere (SSH keys, crontabs).');

    // --- Data directory ---
    const dir = get('dir');
    if (dir !== undefined && dir !== '') {
      if (!f.local) {
        unchecked.push(`the data directory's permissions (${dir} is on the server's host)`);
      } else {
        try {
          const st = statSync(dir);
          const sticky = (st.mode & 0o1000) !== 0;
          if ((st.mode & 0o002) !== 0) {
            add(
              'data-dir',
              sticky ? 'medium' : 'high',
              `The data directory ${dir} is writable by every local user`,
              sticky
                ? 'Its sticky bit keeps others from replacing the server\'s files, but anyone on the host can create the RDB/AOF files before the server does, and read what the server leaves readable.'
                : 'Anyone on the host can replace the RDB/AOF files the server loads, or plant files it will overwrite.',
              `chmod 700 ${dir}    (a directory of its own, owned by the server's user)`,
            );
          }
          else if ((st.mode & 0o005) !== 0) add('data-dir', 'low', `The data directory ${dir} is readable by every local user`, 'The RDB and AOF files hold the whole dataset.', `chmod 700 ${dir}`);
          if (/^\/(tmp|var\/tmp|dev\/shm)(\/|$)/.test(dir)) add('data-dir-tmp', 'low', `The data directory ${dir} is a temporary directory`, 'Shared temporary directories are cleaned and writable by others.', 'dir /var/lib/redis');
        } catch (e) {
          unchecked.push(`the data directory ${dir} (${(e as Error).message})`);
        }
      }
    }
  }

  // --- rename-command ---
  if (f.commands === null) {
    unchecked.push(`which dangerous commands are renamed (${f.commandsWhy})`);
  } else {
    const renamed: string[] = [];
    const removed: string[] = [];
    const absent: string[] = [];
    const present: string[] = [];
    for (const [orig, now] of f.commands) {
      if (now === '') removed.push(orig.toUpperCase());
      else if (now === ABSENT) absent.push(orig.toUpperCase());
      else if (now.toLowerCase() !== orig) renamed.push(`${orig.toUpperCase()} -> ${now}`);
      else if (['flushall', 'flushdb', 'config', 'shutdown', 'keys', 'debug'].includes(orig)) present.push(orig.toUpperCase());
    }
    if (renamed.length > 0 || removed.length > 0 || absent.length > 0) {
      const parts = [renamed.length > 0 ? `renamed: ${renamed.join(', ')}` : '', removed.length > 0 ? `removed: ${removed.join(', ')}` : '', absent.length > 0 ? `not under their own names (renamed or removed): ${absent.join(', ')}` : ''];
      add('rename-command', 'info', 'Renamed or removed commands', parts.filter(Boolean).join('; ') + '.');
    }
    if (present.length > 0) {
      const aclCovers = views !== null && views.some((v) => v.user.enabled && v.dangerous.length === 0) && !defaultOpen;
      add(
        'rename-command-present',
        aclCovers ? 'info' : 'low',
        `${present.join(', ')} answer${present.length === 1 ? 's' : ''} under ${present.length === 1 ? 'its' : 'their'} own name${present.length === 1 ? '' : 's'}`,
        aclCovers ? 'ACL users already keep them from applications; renaming is the guide\'s last resort.' : 'Without restricted ACL users, renaming keeps scripted attacks from finding them.',
        `rename-command ${present[0]} "<an unguessable name>"    (or "" to remove it)`,
      );
    }
  }

  // --- Known CVEs ---
  if (f.product === 'redoubt') {
    add('cve', 'info', `Redoubt ${f.redoubtVersion ?? ''}: Redis's CVE table does not apply`.replace('  ', ' '), `It reports redis_version ${f.version ?? '?'} for compatibility but shares no code with Redis; its Lua interpreter has no host access.`);
  } else if (f.product === 'valkey') {
    add('cve', 'info', 'Valkey: not compared with the CVE table', 'The table lists Redis releases; check Valkey\'s security advisories for this version.');
  } else if (f.version === null) {
    unchecked.push('known CVEs (the server did not report its version)');
  } else {
    let any = false;
    for (const cve of REDIS_CVES) {
      const r = affects(cve, f.version);
      if (r === null || !r.affected) continue;
      any = true;
      add(
        cve.id,
        cve.rce ? 'high' : 'medium',
        `${cve.id} affects Redis ${f.version}`,
        `${cve.summary}. Fixed in ${cve.fixed.join(', ')}. A distribution package may carry the fix under the old version number: check your vendor's advisory.`,
        `upgrade to ${r.upgradeTo} or later`,
      );
    }
    const v = /^(\d+)\./.exec(f.version);
    if (v !== null && Number(v[1]) < 7) {
      add('CVE-2022-0543', 'info', 'CVE-2022-0543 (Debian/Ubuntu packages)', 'Debian and Ubuntu packages of this era left Lua\'s package library in the sandbox (remote code execution through EVAL); fixed by the distributions (DSA-5081), not by a Redis version. Check your package.');
    }
    if (!any) add('cve', 'info', `No CVE of the table affects Redis ${f.version}`, `Checked: ${REDIS_CVES.map((c) => c.id).join(', ')}.`);
  }

  // --- Redoubt's own defenses ---
  if (f.product === 'redoubt' || f.mode === 'file') {
    if (cfg !== null) {
      const lockout = get('auth-lockout-threshold');
      if (lockout === undefined) add('auth-lockout', 'info', 'AUTH lockout: not in this version', 'This Redoubt has no auth-lockout-threshold directive; failures are only counted and logged.');
      else if (lockout === '0') add('auth-lockout', 'low', 'AUTH lockout is off', 'Password guessing is limited only by the server\'s speed.', 'auth-lockout-threshold 10');
      else add('auth-lockout', 'info', `AUTH lockout after ${lockout} failures`, 'Brute-force protection is on.');
      const audit = get('audit-log');
      if (audit === undefined) add('audit-log', 'info', 'Audit log: not in this version (unknown directive)', 'Watch the server log for AUTH failures, as the guide says.');
      else if (audit === '') add('audit-log', 'low', 'The audit log is off', 'Logins, denials, ACL and config changes are not recorded for review.', 'audit-log /var/log/redoubt/audit.jsonl');
      else add('audit-log', 'info', `Audit log: ${audit}`, 'Logins, denials, ACL/config changes and dangerous commands are recorded.');
    }
  } else {
    add('defenses', 'info', 'No AUTH lockout or audit log in this server', 'Watch the log for AUTH failures and firewall the port per client, as the guide says.');
  }

  // --- How doctor itself connected ---
  if (f.connection !== null && !f.connection.tls && !f.connection.loopback) {
    add('doctor-cleartext', 'medium', `doctor reached ${f.connection.host} without TLS`, 'Its login and every reply crossed the network in clear text.', 'tls-port 6379 + port 0 (and run doctor with rediss://)');
  }

  out.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  return { findings: out, unchecked };
}
