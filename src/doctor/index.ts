// `redoubt doctor [redis://|rediss://HOST:PORT] [--user U --pass P] [--cacert F --cert F --key F]
// [--json] [--config FILE]`: the hardening guide's checklist run against a live server (Redoubt,
// Redis, Valkey) or, with --config and no URL, against a config file as Redoubt reads it.
// Exit 0: nothing high; 1: something high; 2: could not connect, log in, or read the file.
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { hashPassword } from '../acl/users.js';
import { ConfigFileError, loadConfig } from '../config/loader.js';
import { ABSENT, GUIDE_COMMANDS, SEVERITIES, isLoopback, runChecks, type Facts, type Finding } from './checks.js';
import { RespClient, RespError, type Reply, type Target } from './resp.js';

type Write = (text: string) => void;

export const DOCTOR_USAGE = `Usage: redoubt doctor [redis://[USER:PASS@]HOST:PORT | rediss://HOST:PORT] [options]
       redoubt doctor --config /path/to/redoubt.conf [--json]

Checks a server (or a config file) against the hardening guide and prints each finding with its
severity and the config line that fixes it.

  --user NAME        log in as NAME (AUTH NAME PASS)
  --pass PASSWORD    the password (or set REDISCLI_AUTH, which keeps it out of the process list)
  --cacert FILE      CA certificate(s) that sign the server's certificate (rediss://)
  --cert FILE        client certificate for mutual TLS
  --key FILE         the client certificate's private key
  --config-command NAME  the name CONFIG answers to when rename-command renamed it
  --config FILE      without a URL: check this config file instead of a live server
  --json             one JSON object instead of the report
  --timeout MS       connection and reply timeout (default 5000)

Exit status: 0 nothing high, 1 at least one high finding, 2 could not connect, log in or read.
`;

interface Options {
  url: string | null;
  user: string | null;
  pass: string | null;
  cacert: string | null;
  cert: string | null;
  key: string | null;
  config: string | null;
  configCommand: string | null;
  json: boolean;
  timeoutMs: number;
}

class UsageError extends Error {}
/** Could not connect, log in or read: exit 2. */
class CannotCheck extends Error {}

function parseArgs(argv: string[]): Options {
  const o: Options = { url: null, user: null, pass: null, cacert: null, cert: null, key: null, config: null, configCommand: null, json: false, timeoutMs: 5000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--user': o.user = value(); break;
      case '--pass': o.pass = value(); break;
      case '--cacert': o.cacert = value(); break;
      case '--cert': o.cert = value(); break;
      case '--key': o.key = value(); break;
      case '--config': o.config = value(); break;
      case '--config-command': o.configCommand = value(); break;
      case '--json': o.json = true; break;
      case '--timeout': {
        o.timeoutMs = Number(value());
        if (!Number.isInteger(o.timeoutMs) || o.timeoutMs <= 0) throw new UsageError('--timeout needs a positive number of milliseconds');
        break;
      }
      default:
        if (/^rediss?:\/\//i.test(a) && o.url === null) o.url = a;
        else throw new UsageError(`unknown argument '${a}'`);
    }
  }
  return o;
}

function readPem(file: string | null, what: string): Buffer | undefined {
  if (file === null) return undefined;
  try {
    return readFileSync(file);
  } catch (e) {
    throw new CannotCheck(`cannot read the ${what} ${file}: ${(e as Error).message}`);
  }
}

const errText = (r: RespError) => r.message;

/** Connects, logs in and reads what the checks need. */
async function liveFacts(o: Options, url: string): Promise<Facts> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`not a URL: ${url}`);
  }
  const useTls = u.protocol.toLowerCase() === 'rediss:';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = u.port === '' ? 6379 : Number(u.port);
  const user = o.user ?? (u.username !== '' ? decodeURIComponent(u.username) : null);
  const pass = o.pass ?? (u.password !== '' ? decodeURIComponent(u.password) : (process.env['REDISCLI_AUTH'] ?? null));
  const target: Target = { host, port, tls: useTls, timeoutMs: o.timeoutMs };
  const ca = readPem(o.cacert, 'CA certificate');
  const cert = readPem(o.cert, 'certificate');
  const key = readPem(o.key, 'key');
  if (ca !== undefined) target.ca = ca;
  if (cert !== undefined) target.cert = cert;
  if (key !== undefined) target.key = key;
  let c: RespClient;
  try {
    c = await RespClient.connect(target);
  } catch (e) {
    throw new CannotCheck(`cannot connect to ${host}:${port}${useTls ? ' (TLS)' : ''}: ${(e as Error).message}`);
  }
  try {
    const call = async (...args: string[]): Promise<Reply> => {
      try {
        return await c.call(...args);
      } catch (e) {
        throw new CannotCheck(`lost the connection during ${args[0]}: ${(e as Error).message}`);
      }
    };
    if (pass !== null) {
      const r = await call(...(user !== null ? ['AUTH', user, pass] : ['AUTH', pass]));
      // A password given to a server that has none (Redis's "called without any password
      // configured") is no failure: the connection is logged in as default anyway.
      if (r instanceof RespError && !/without any password configured/.test(r.message)) {
        throw new CannotCheck(`cannot log in${user !== null ? ` as ${user}` : ''}: ${errText(r)}`);
      }
    }
    const ping = await call('PING');
    if (ping instanceof RespError) {
      throw new CannotCheck(/^NOAUTH/.test(ping.message) ? 'the server requires a login: give --user and --pass (or REDISCLI_AUTH)' : `the server refuses commands: ${errText(ping)}`);
    }
    const facts: Facts = {
      mode: 'live',
      product: 'unknown',
      version: null,
      redoubtVersion: null,
      config: null,
      configWhy: '',
      users: null,
      usersWhy: '',
      plainPasswords: new Map(),
      commands: null,
      commandsWhy: '',
      connection: { host, tls: useTls, loopback: isLoopback(host) },
      local: isLoopback(host),
    };
    const info = await call('INFO', 'server');
    if (typeof info === 'string') {
      const fields = new Map<string, string>();
      for (const line of info.split('\r\n')) {
        const i = line.indexOf(':');
        if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1));
      }
      facts.redoubtVersion = fields.get('redoubt_version') ?? null;
      if (facts.redoubtVersion !== null) facts.product = 'redoubt';
      else if (fields.has('valkey_version') || fields.get('server_name') === 'valkey') facts.product = 'valkey';
      else if (fields.has('redis_version')) facts.product = 'redis';
      facts.version = fields.get('valkey_version') ?? fields.get('redis_version') ?? null;
    }
    const acl = await call('ACL', 'LIST');
    if (Array.isArray(acl)) facts.users = acl.filter((l): l is string => typeof l === 'string');
    else facts.usersWhy = acl instanceof RespError ? `ACL LIST: ${errText(acl)}` : 'ACL LIST gave no list';
    // Which guide commands answer under their own name: each is queued (never run) inside a
    // MULTI that is then discarded; "unknown command" means renamed or removed. (COMMAND INFO and
    // COMMAND LIST cannot tell: Redis lists renamed commands under their original names.)
    const multi = await call('MULTI');
    if (multi === 'OK') {
      const commands = new Map<string, string>();
      for (const n of GUIDE_COMMANDS) {
        const r = await call(n.toUpperCase());
        commands.set(n, r instanceof RespError && /^ERR unknown command/i.test(r.message) ? ABSENT : n);
      }
      await call('DISCARD');
      if (o.configCommand !== null) commands.set('config', o.configCommand);
      facts.commands = commands;
    } else {
      facts.commandsWhy = multi instanceof RespError ? `MULTI: ${errText(multi)}` : 'MULTI gave no OK';
    }
    const configName = o.configCommand ?? facts.commands?.get('config');
    if (configName === ABSENT) {
      facts.configWhy = 'CONFIG is renamed or removed: give its new name with --config-command NAME';
    } else {
      const name = configName ?? 'CONFIG';
      const all = await call(name, 'GET', '*');
      if (Array.isArray(all)) {
        const m = new Map<string, string>();
        for (let i = 0; i + 1 < all.length; i += 2) m.set(String(all[i]).toLowerCase(), String(all[i + 1]));
        // Redoubt's own directives, asked for by name in case a pattern does not list them.
        for (const extra of ['auth-lockout-threshold', 'audit-log', 'allow-from']) {
          if (m.has(extra) || facts.product !== 'redoubt') continue;
          const r = await call(name, 'GET', extra);
          if (Array.isArray(r) && r.length === 2) m.set(extra, String(r[1]));
        }
        facts.config = m;
        const rp = m.get('requirepass');
        if (rp !== undefined && rp !== '') facts.plainPasswords.set('default', [rp]);
      } else {
        facts.configWhy = `${name === 'CONFIG' ? 'CONFIG' : `CONFIG (renamed ${name})`} GET: ${all instanceof RespError ? errText(all) : 'no list'}`;
      }
    }
    return facts;
  } finally {
    c.close();
  }
}

/** Reads a config file as Redoubt would and builds the same facts. */
function fileFacts(file: string): Facts {
  let loaded;
  try {
    loaded = loadConfig([file]);
  } catch (e) {
    if (e instanceof ConfigFileError) throw new CannotCheck(e.report());
    throw e;
  }
  const { config } = loaded;
  const m = new Map<string, string>();
  for (const def of config.table) m.set(def.name, config.display(def.name));
  const plain = new Map<string, string[]>();
  const users: string[] = [];
  let usersWhy = '';
  const aclfile = config.str('aclfile');
  let lines: string[][] = loaded.users.map((u) => u.args);
  if (aclfile !== '') {
    try {
      lines = readFileSync(aclfile, 'utf8')
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((w) => w[0] === 'user' && w.length > 1)
        .map((w) => w.slice(1));
    } catch (e) {
      usersWhy = `aclfile ${aclfile}: ${(e as Error).message}`;
    }
  }
  const requirepass = config.str('requirepass');
  if (!lines.some((w) => w[0] === 'default')) {
    users.push(`user default on ${requirepass !== '' ? `#${hashPassword(requirepass)}` : 'nopass'} ~* &* +@all`);
    if (requirepass !== '') plain.set('default', [requirepass]);
  }
  for (const w of lines) {
    users.push(`user ${w.join(' ')}`);
    const pws = w.slice(1).filter((r) => r.startsWith('>')).map((r) => r.slice(1));
    if (pws.length > 0) plain.set(w[0]!, pws);
  }
  const commands = new Map<string, string>();
  for (const n of GUIDE_COMMANDS) commands.set(n, n);
  for (const r of loaded.renames) {
    const from = r.from.toLowerCase();
    if (commands.has(from)) commands.set(from, r.to);
  }
  return {
    mode: 'file',
    product: 'unknown',
    version: null,
    redoubtVersion: null,
    config: m,
    configWhy: '',
    users: usersWhy === '' ? users : null,
    usersWhy,
    plainPasswords: plain,
    commands,
    commandsWhy: '',
    connection: null,
    local: true,
  };
}

function human(target: string, f: Facts, findings: Finding[], unchecked: string[], code: number): string {
  const what = f.product === 'redoubt' ? `Redoubt ${f.redoubtVersion} (redis_version ${f.version})` : f.product === 'unknown' ? (f.mode === 'file' ? 'config file' : 'unknown server') : `${f.product === 'redis' ? 'Redis' : 'Valkey'} ${f.version ?? '?'}`;
  let out = `redoubt doctor: ${target} - ${what}\n\n`;
  for (const x of findings) {
    out += `[${x.severity.toUpperCase()}]${' '.repeat(7 - x.severity.length)} ${x.title}\n           ${x.detail}\n`;
    if (x.fix !== '') out += `           fix: ${x.fix}\n`;
  }
  if (unchecked.length > 0) out += `\nNot checked:\n${unchecked.map((u) => `  - ${u}\n`).join('')}`;
  const counts = SEVERITIES.map((s) => `${findings.filter((x) => x.severity === s).length} ${s}`).join(', ');
  return out + `\n${counts}: exit ${code}\n`;
}

/** Runs `redoubt doctor ARGS`; the exit status. */
export async function doctorCommand(argv: string[], out: Write, err: Write): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    out(DOCTOR_USAGE);
    return 0;
  }
  let o: Options;
  try {
    o = parseArgs(argv);
  } catch (e) {
    err(`redoubt doctor: ${(e as Error).message}\n\n${DOCTOR_USAGE}`);
    return 2;
  }
  const url = o.url ?? (o.config === null ? 'redis://127.0.0.1:6379' : null);
  const target = url ?? o.config!;
  let facts: Facts;
  try {
    facts = url !== null ? await liveFacts(o, url) : fileFacts(o.config!);
  } catch (e) {
    if (!(e instanceof CannotCheck) && !(e instanceof UsageError)) throw e;
    if (o.json) out(JSON.stringify({ target, error: e.message, exit: 2 }) + '\n');
    else err(`redoubt doctor: ${e.message}\n`);
    return 2;
  }
  if (facts.mode === 'file') facts.product = 'unknown';
  const { findings, unchecked } = runChecks(facts);
  if (facts.mode === 'file') unchecked.push('known CVEs (a config file has no version: run doctor against the server)');
  const code = findings.some((x) => x.severity === 'high') ? 1 : 0;
  if (o.json) {
    const counts = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((x) => x.severity === s).length]));
    out(JSON.stringify({ target, server: { product: facts.product, version: facts.version, redoubt_version: facts.redoubtVersion }, findings, unchecked, counts, exit: code }, null, 2) + '\n');
  } else {
    out(human(target, facts, findings, unchecked, code));
  }
  return code;
}
