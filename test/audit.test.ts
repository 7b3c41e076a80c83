// The audit log (audit-log): every event of issue 15 item 3 as JSON lines from a real Redoubt
// process, no secret anywhere in the file, rotation at audit-log-max-size, reopen on SIGHUP, the
// dropped-records counter when the bounded buffer is full; and off by default at no cost.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Config } from '../src/config/config.js';
import { Server, redactSecrets } from '../src/server/server.js';
import { Logger } from '../src/server/log.js';
import { buildCommandTable } from '../src/commands/index.js';
import { redactArgs } from '../src/security/audit.js';
import { SECRET_BEARING } from '../src/security/secrets.js';
import { MAIN, RawConn, freePort, freePorts, infoValue, runRedoubt, spawnProcess, startServer, waitAccepting, waitFor, type Proc } from './helpers.js';

type Rec = Record<string, unknown>;

/**
 * Every line of `file` parsed (a line that is not JSON fails the test). `settled`: the server is
 * idle, so the file ends with a complete line; otherwise a write may be under way and a trailing
 * partial line is left out.
 */
function records(file: string, settled = true): Rec[] {
  let text = readFileSync(file, 'utf8');
  if (settled) assert.ok(text === '' || text.endsWith('\n'), 'the file ends with a complete line');
  else text = text.slice(0, text.lastIndexOf('\n') + 1);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Rec;
      } catch {
        assert.fail(`not JSON: ${l}`);
      }
    });
}

/** Starts `node dist/src/main.js conf` and waits until `port` accepts connections. */
async function startWith(conf: string, port: number): Promise<Proc> {
  const p = spawnProcess(process.execPath, [MAIN, conf]);
  await waitAccepting(port, p.proc, 15000, 'the server to accept connections', p.output);
  return p;
}

/** Fields every record has. */
function checkCommon(r: Rec): void {
  assert.equal(typeof r.time, 'string');
  assert.ok(!Number.isNaN(Date.parse(r.time as string)), `time ${String(r.time)}`);
  assert.equal(typeof r.event, 'string');
  for (const k of ['client_id', 'addr', 'laddr', 'user']) assert.ok(k in r, `${k} in ${JSON.stringify(r)}`);
}

describe('audit log redaction (unit)', () => {
  it('hides ACL SETUSER secret rules, CONFIG SET sensitive values, AUTH/HELLO arguments, ACL DRYRUN arguments', () => {
    assert.deepEqual(redactArgs('acl|setuser', ['ACL', 'SETUSER', 'bob', 'on', '>pw1', '<pw2', '#abc', '!def', '~k*', '+get', 'resetpass']), [
      'ACL',
      'SETUSER',
      'bob',
      'on',
      '>(redacted)',
      '<(redacted)',
      '#(redacted)',
      '!(redacted)',
      '~k*',
      '+get',
      'resetpass',
    ]);
    assert.deepEqual(redactArgs('acl|setuser', ['acl', 'setuser', 'bob', '(>pw ~x)']), ['acl', 'setuser', 'bob', '(>(redacted)']);
    assert.deepEqual(redactArgs('config|set', ['config', 'set', 'maxmemory', '1mb', 'REQUIREPASS', 'pw', 'masterauth', 'pw2']), [
      'config',
      'set',
      'maxmemory',
      '1mb',
      'REQUIREPASS',
      '(redacted)',
      'masterauth',
      '(redacted)',
    ]);
    assert.deepEqual(redactArgs('auth', ['auth', 'u', 'pw']), ['auth', '(redacted)', '(redacted)']);
    assert.deepEqual(redactArgs('hello', ['hello', '3', 'auth', 'u', 'pw']), ['hello', '(redacted)', '(redacted)', '(redacted)', '(redacted)']);
    assert.deepEqual(redactArgs('acl|dryrun', ['acl', 'dryrun', 'u', 'auth', 'pw']), ['acl', 'dryrun', 'u', 'auth', '(redacted)']);
    // Long and many arguments are bounded.
    const long = redactArgs('keys', ['keys', 'x'.repeat(1000)]);
    assert.ok(long[1]!.length < 200 && long[1]!.endsWith('(1000 bytes)'));
    assert.equal(redactArgs('debug', Array.from({ length: 100 }, () => 'a')).length, 33);
  });

  it('every command either redactor hides something of is in SECRET_BEARING (whose arguments the parser never keeps)', () => {
    // Arguments that set off every redaction rule: secret ACL rules, AUTH in HELLO and ACL DRYRUN,
    // sensitive config names followed by values.
    const tail = ['requirepass', 'pw', 'masterauth', 'pw', 'auth', 'u', 'pw', '>pw', '#abc', 'x', 'y'];
    const hiding: string[] = [];
    for (const cmd of buildCommandTable().commands(true)) {
      const argv = [...cmd.fullName.split('|'), ...tail];
      const audited = redactArgs(cmd.fullName, argv);
      const logged = redactSecrets(cmd, argv);
      if (audited.some((a) => a.includes('(redacted)')) || logged.some((a) => a.includes('(redacted)'))) hiding.push(cmd.fullName);
    }
    assert.ok(hiding.includes('auth') && hiding.includes('config|set') && hiding.includes('acl|setuser'), hiding.join(' '));
    for (const name of hiding) assert.ok(SECRET_BEARING.has(name.split('|')[0]!), `${name} hides secrets but is not in SECRET_BEARING`);
  });

  it('is off by default: no file, no signal handler, INFO says so, audit-log cannot be set at run time', () => {
    const before = process.listenerCount('SIGHUP');
    const config = new Config();
    const log = new Logger();
    log.file = '/dev/null';
    const server = new Server(config, { log, table: buildCommandTable() });
    assert.equal(server.audit.on, false);
    assert.equal(process.listenerCount('SIGHUP'), before);
    assert.ok(server.audit.infoLines().includes('audit_log_enabled:0'));
    // CONFIG SET audit-log: its own value is accepted (Redis's CONFIG sanity), any other refused.
    assert.throws(() => {
      config.set('audit-log', '/tmp/elsewhere.log');
      config.notify('audit-log');
    }, /config file or on the command line only/);
  });
});

describe('audit log rotation (in process)', () => {
  it('a burst queued during a rotation is spread over files that each stay within audit-log-max-size', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-audit-burst-'));
    const file = path.join(dir, 'burst.log');
    const t = await startServer({ 'audit-log': file, 'audit-log-max-size': '1024' });
    const c = await RawConn.connect(t.port);
    try {
      // One read of 100 audited commands: their records queue while the first write and each
      // rotation are under way.
      c.write(Array.from({ length: 100 }, (_, i) => `*2\r\n$4\r\nKEYS\r\n$${String(i).length + 6}\r\nburst-${i}\r\n`).join(''));
      for (let i = 0; i < 100; i++) assert.equal(await c.reply(), '*0\r\n');
      const files = (): string[] => readdirSync(dir).map((f) => path.join(dir, f));
      const keys = (): number => files().flatMap((f) => records(f, false)).filter((r) => r.event === 'command' && r.command === 'keys').length;
      // A rotation may rename a file between the listing and its read: that poll counts as not yet.
      const settledKeys = (): number => {
        try {
          return keys();
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return -1;
          throw e;
        }
      };
      await waitFor(() => settledKeys() === 100, 10000, 'all 100 records written');
      assert.ok(files().length > 5, `${files().length} files`);
      for (const f of files()) assert.ok(readFileSync(f).length <= 1024, `${f} is ${readFileSync(f).length} bytes`);
    } finally {
      c.close();
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('audit log: the start of a user-name lockout (in process)', () => {
  it('is recorded with the name, the name asked for and when it ends', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-audit-user-lock-'));
    const file = path.join(dir, 'audit.log');
    const t = await startServer({ 'audit-log': file, 'auth-lockout-threshold': '0', 'auth-lockout-user-threshold': '2' });
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(await c.call('ACL', 'SETUSER', 'carol', 'on', '>right-pw', '+@all', '~*'), '+OK\r\n');
      for (let i = 0; i < 2; i++) assert.match(await c.call('AUTH', 'carol', 'wrong-pw'), /^-WRONGPASS/);
      await waitFor(() => records(file, false).some((r) => r.event === 'lockout-start'), 5000, 'the lockout-start record');
      const start = records(file, false).find((r) => r.event === 'lockout-start')!;
      assert.equal(start.scope, 'user');
      assert.equal(start.target, 'carol');
      assert.equal(start.target_user, 'carol');
      assert.ok(Date.parse(start.until as string) > Date.parse(start.time as string), `until ${String(start.until)}`);
      // Locked: even the right password is refused now.
      assert.match(await c.call('AUTH', 'carol', 'right-pw'), /^-WRONGPASS/);
    } finally {
      c.close();
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('audit log against a real Redoubt process', () => {
  let dir: string;
  let certs: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'redoubt-audit-'));
    certs = path.join(dir, 'certs');
    const r = await runRedoubt(['certs', certs, '--client', 'alice', '--client', 'mallory']);
    assert.equal(r.code, 0, r.out);
    // A client certificate from another CA: refused at the handshake.
    const o = await runRedoubt(['certs', path.join(dir, 'other'), '--client', 'alice']);
    assert.equal(o.code, 0, o.out);
  });

  it('records every event with its fields, and no secret', async () => {
    const [PORT, TLS_PORT] = (await freePorts(2)) as [number, number];
    const file = path.join(dir, 'audit.log');
    const conf = path.join(dir, 'events.conf');
    const c = (n: string) => path.join(certs, n);
    writeFileSync(
      conf,
      [
        `port ${PORT}`,
        'bind 127.0.0.1',
        'save ""',
        'appendonly no',
        `dir ${dir}`,
        `audit-log ${file}`,
        'enable-debug-command yes',
        'rename-command FLUSHDB wipedb',
        `tls-port ${TLS_PORT}`,
        `tls-cert-file ${c('server.crt')}`,
        `tls-key-file ${c('server.key')}`,
        `tls-ca-cert-file ${c('ca.crt')}`,
        'tls-auth-clients optional',
        'tls-auth-clients-user CN',
        '',
      ].join('\n'),
    );
    const p = await startWith(conf, PORT);
    const secrets = ['s3cretA-pw', 's3cretB-pw', 'wrong-pw-77', 'hello-pw-88', 'topsecret-requirepass', 'masterauth-pw-99', 'hashed-pw-66'];
    const hashOf = (s: string) => createHash('sha256').update(s).digest('hex');
    const admin = await RawConn.connect(PORT);
    // connection refused: protected mode (default user without password, peer not 127.0.0.1)
    const outsider = await RawConn.connect(PORT, '127.0.0.1', '127.0.0.2');
    await outsider.waitClosed();
    // allow-from
    assert.equal(await admin.call('CONFIG', 'SET', 'allow-from', '127.0.0.1'), '+OK\r\n');
    const blocked = await RawConn.connect(PORT, '127.0.0.1', '127.0.0.2');
    await blocked.waitClosed();
    assert.equal(await admin.call('CONFIG', 'SET', 'allow-from', ''), '+OK\r\n');
    // maxclients
    assert.equal(await admin.call('CONFIG', 'SET', 'maxclients', '1'), '+OK\r\n');
    const extra = await RawConn.connect(PORT);
    await extra.waitClosed();
    assert.equal(await admin.call('CONFIG', 'SET', 'maxclients', '100'), '+OK\r\n');
    // ACL changes, with every kind of secret rule
    assert.equal(await admin.call('ACL', 'SETUSER', 'bob', 'on', '>s3cretA-pw', '>s3cretB-pw', `#${hashOf('hashed-pw-66')}`, '~*', '+@all', '-flushall'), '+OK\r\n');
    assert.equal(await admin.call('ACL', 'SETUSER', 'bob', '<s3cretB-pw', `!${hashOf('hashed-pw-66')}`), '+OK\r\n');
    assert.equal(await admin.call('ACL', 'SETUSER', 'alice', 'on', 'nopass', '~*', '+@all'), '+OK\r\n');
    assert.equal(await admin.call('ACL', 'SETUSER', 'temp', 'on'), '+OK\r\n');
    assert.equal(await admin.call('ACL', 'DELUSER', 'temp'), ':1\r\n');
    // login failure (wrong password, unknown user), success by AUTH and by HELLO
    const bob = await RawConn.connect(PORT);
    assert.match(await bob.call('AUTH', 'bob', 'wrong-pw-77'), /^-WRONGPASS/);
    assert.match(await bob.call('AUTH', 'nobody', 'wrong-pw-77'), /^-WRONGPASS/);
    assert.match(await bob.call('AUTH', 'z'.repeat(100000), 'wrong-pw-77'), /^-WRONGPASS/);
    assert.equal(await bob.call('AUTH', 'bob', 's3cretA-pw'), '+OK\r\n');
    const bob2 = await RawConn.connect(PORT);
    assert.match(await bob2.call('HELLO', '2', 'AUTH', 'bob', 'hello-pw-88'), /^-WRONGPASS/);
    assert.match(await bob2.call('HELLO', '2', 'AUTH', 'bob', 's3cretA-pw'), /^\*/);
    // refused by ACL; a dangerous command run by bob
    assert.match(await bob.call('FLUSHALL'), /^-NOPERM/);
    assert.equal(await bob.call('KEYS', 'nomatch*'), '*0\r\n');
    // the dangerous commands, one renamed; inside EXEC and from a script too
    assert.equal(await admin.call('wipedb'), '+OK\r\n');
    assert.equal(await admin.call('FLUSHALL'), '+OK\r\n');
    assert.equal(await admin.call('SAVE'), '+OK\r\n');
    assert.equal(await admin.call('DEBUG', 'SLEEP', '0'), '+OK\r\n');
    assert.match(await admin.call('CLIENT', 'KILL', '10.1.2.3:4567'), /^-ERR/);
    assert.equal(await admin.call('MULTI'), '+OK\r\n');
    assert.equal(await admin.call('wipedb'), '+QUEUED\r\n');
    assert.equal(await admin.call('EXEC'), '*1\r\n+OK\r\n');
    assert.equal(await admin.call('EVAL', "return redis.call('keys', 'fromscript*')", '0'), '*0\r\n');
    const mon = await RawConn.connect(PORT);
    assert.equal(await mon.call('MONITOR'), '+OK\r\n');
    mon.close();
    // certificate login: alice (a user), mallory (no such user)
    const tlsLogin = async (name: string): Promise<string> => {
      const s = tls.connect({ host: '127.0.0.1', port: TLS_PORT, ca: readFileSync(c('ca.crt')), cert: readFileSync(c(`${name}.crt`)), key: readFileSync(c(`${name}.key`)), servername: 'localhost' });
      await new Promise<void>((resolve, reject) => {
        s.once('secureConnect', () => resolve());
        s.once('error', reject);
      });
      const conn = RawConn.wrap(s);
      const who = await conn.call('ACL', 'WHOAMI');
      conn.close();
      return who;
    };
    assert.equal(await tlsLogin('alice'), '$5\r\nalice\r\n');
    assert.equal(await tlsLogin('mallory'), '$7\r\ndefault\r\n');
    {
      const s = tls.connect({ host: '127.0.0.1', port: TLS_PORT, ca: readFileSync(c('ca.crt')), cert: readFileSync(path.join(dir, 'other', 'alice.crt')), key: readFileSync(path.join(dir, 'other', 'alice.key')), servername: 'localhost' });
      s.on('error', () => undefined);
      const conn = RawConn.wrap(s);
      conn.send('PING');
      await conn.waitClosed();
    }
    // CONFIG SET (a sensitive value among others) and CONFIG REWRITE
    assert.equal(await admin.call('CONFIG', 'SET', 'maxmemory-samples', '7', 'masterauth', 'masterauth-pw-99'), '+OK\r\n');
    assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', 'topsecret-requirepass'), '+OK\r\n');
    assert.equal(await admin.call('CONFIG', 'REWRITE'), '+OK\r\n');
    assert.match(await admin.call('CONFIG', 'SET', 'audit-log', path.join(dir, 'elsewhere.log')), /config file or on the command line only/);
    assert.equal(await admin.call('CONFIG', 'SET', 'audit-log', file), '+OK\r\n');
    assert.ok(!existsSync(path.join(dir, 'elsewhere.log')));
    // AUTH lockout (protected mode is over now that default has a password): 127.0.0.3 fails
    // three times, then even the right password is refused.
    assert.equal(await admin.call('CONFIG', 'SET', 'auth-lockout-threshold', '3'), '+OK\r\n');
    const from3 = async (pw: string): Promise<string> => {
      const x = await RawConn.connect(PORT, '127.0.0.1', '127.0.0.3');
      const r = await x.call('AUTH', 'bob', pw);
      x.close();
      return r;
    };
    for (let i = 0; i < 3; i++) assert.match(await from3('wrong-pw-77'), /^-WRONGPASS/);
    assert.match(await from3('s3cretA-pw'), /^-WRONGPASS/);
    assert.equal(await admin.call('ACL', 'WHOAMI'), '$7\r\ndefault\r\n');
    assert.equal(infoValue(await admin.call('INFO', 'stats'), 'audit_log_enabled'), '1');
    // SHUTDOWN is recorded too: what is queued at exit is written before the process ends.
    admin.send('SHUTDOWN', 'NOSAVE');
    assert.equal(await p.exited, 0);
    for (const x of [bob, bob2]) x.close();

    const text = readFileSync(file, 'utf8');
    for (const s of secrets) assert.ok(!text.includes(s), `secret ${s} in the audit log`);
    for (const s of secrets) assert.ok(!text.includes(hashOf(s)), `hash of ${s} in the audit log`);
    const recs = records(file);
    recs.forEach(checkCommon);
    const find = (event: string, pred: (r: Rec) => boolean = () => true, what = ''): Rec => {
      const r = recs.find((x) => x.event === event && pred(x));
      assert.ok(r !== undefined, `no ${event} record ${what}; have:\n${recs.map((x) => JSON.stringify(x)).join('\n')}`);
      return r;
    };
    find('audit-log-opened', (r) => r.reason === 'start');
    const acc = find('connection-accepted', (r) => r.transport === 'tcp');
    assert.match(acc.addr as string, /^127\.0\.0\.1:\d+$/);
    assert.equal(acc.laddr, `127.0.0.1:${PORT}`);
    assert.equal(typeof acc.client_id, 'number');
    find('connection-accepted', (r) => r.transport === 'tls');
    const badCert = find('connection-refused', (r) => r.reason === 'client-certificate');
    assert.equal(badCert.transport, 'tls');
    assert.match(badCert.addr as string, /^127\.0\.0\.1:\d+$/);
    for (const reason of ['protected-mode', 'allow-from', 'maxclients']) {
      const r = find('connection-refused', (x) => x.reason === reason, reason);
      if (reason !== 'maxclients') assert.match(r.addr as string, /^127\.0\.0\.2:\d+$/);
      assert.equal(r.client_id, null);
    }
    const setuser = find('acl-change', (r) => r.action === 'setuser' && r.target_user === 'bob');
    assert.deepEqual(setuser.rules, ['on', '>(redacted)', '>(redacted)', '#(redacted)', '~*', '+@all', '-flushall']);
    assert.deepEqual(find('acl-change', (r) => r.action === 'setuser' && (r.rules as string[])[0] === '<(redacted)').rules, ['<(redacted)', '!(redacted)']);
    assert.deepEqual(find('acl-change', (r) => r.action === 'deluser').args, ['temp']);
    const wrong = find('login-failure', (r) => r.reason === 'wrong-password' && r.method === 'password');
    assert.equal(wrong.target_user, 'bob');
    // The connection was logged in as default (no password yet): a failed AUTH keeps it so.
    assert.equal(wrong.user, 'default');
    find('login-failure', (r) => r.reason === 'unknown-user' && r.target_user === 'nobody');
    // A huge user name is cut, not written whole.
    const huge = find('login-failure', (r) => (r.target_user as string).startsWith('zzzz'));
    assert.equal(huge.target_user, `${'z'.repeat(128)}...(100000 bytes)`);
    find('login-failure', (r) => r.method === 'hello' && r.target_user === 'bob');
    // The third failure started the address's lockout.
    const start = find('lockout-start', (r) => r.scope === 'address');
    assert.equal(start.target, '127.0.0.3');
    assert.equal(start.target_user, 'bob');
    assert.match(start.addr as string, /^127\.0\.0\.3:\d+$/);
    assert.ok(Date.parse(start.until as string) > Date.parse(start.time as string), `until ${String(start.until)}`);
    const locked = find('login-lockout', (r) => r.target_user === 'bob');
    assert.equal(locked.scope, 'address');
    assert.match(locked.addr as string, /^127\.0\.0\.3:\d+$/);
    assert.equal(locked.method, 'password');
    // When the lockout ends: an ISO time in the future of the record's own time.
    assert.ok(Date.parse(locked.until as string) > Date.parse(locked.time as string), `until ${String(locked.until)}`);
    const ok = find('login-success', (r) => r.method === 'password' && r.target_user === 'bob');
    assert.equal(ok.user, 'bob');
    find('login-success', (r) => r.method === 'hello' && r.user === 'bob');
    find('login-success', (r) => r.method === 'certificate' && r.user === 'alice');
    find('login-failure', (r) => r.method === 'certificate' && r.target_user === 'mallory' && r.reason === 'unknown-user');
    const denied = find('command-denied', (r) => r.command === 'flushall');
    assert.equal(denied.user, 'bob');
    assert.equal(denied.reason, 'command');
    assert.equal(denied.context, 'toplevel');
    find('command', (r) => r.command === 'keys' && r.user === 'bob' && (r.args as string[])[0] === 'nomatch*');
    const renamed = find('command', (r) => r.command === 'wipedb' && r.origin === 'client');
    assert.equal(renamed.canonical, 'flushdb');
    find('command', (r) => r.command === 'wipedb' && r.origin === 'exec');
    const scripted = find('command', (r) => r.command === 'keys' && r.origin === 'script');
    assert.equal(scripted.client_id, renamed.client_id, 'a script command is recorded for its caller');
    for (const name of ['flushall', 'save', 'debug', 'monitor', 'acl|setuser', 'acl|deluser', 'config|rewrite', 'shutdown']) find('command', (r) => r.command === name, name);
    const kill = find('command', (r) => r.command === 'client|kill');
    assert.equal(kill.ok, false);
    assert.deepEqual(find('config-set', (r) => 'maxmemory-samples' in (r.params as Rec)).params, { 'maxmemory-samples': '7', masterauth: '(redacted)' });
    assert.deepEqual(find('config-set', (r) => 'requirepass' in (r.params as Rec)).params, { requirepass: '(redacted)' });
    const rw = find('config-rewrite');
    assert.equal(rw.ok, true);
    assert.equal(rw.file, conf);
    assert.deepEqual(find('command', (r) => r.command === 'config|set' && (r.args as string[])[0] === 'requirepass').args, ['requirepass', '(redacted)']);
    // Nothing that is not security-relevant: GET/SET, PING, INFO, ACL WHOAMI is an ACL command.
    assert.ok(!recs.some((r) => r.event === 'command' && (r.command === 'info' || r.command === 'ping')));
  });

  it('rotates at audit-log-max-size, reopens on SIGHUP, counts records dropped when the buffer is full', async () => {
    const PORT = await freePort();
    const file = path.join(dir, 'rot.log');
    const conf = path.join(dir, 'rot.conf');
    writeFileSync(conf, [`port ${PORT}`, 'bind 127.0.0.1', 'save ""', 'appendonly no', `dir ${dir}`, `audit-log ${file}`, 'audit-log-max-size 4kb', 'audit-log-buffer-size 1mb', ''].join('\n'));
    const p = await startWith(conf, PORT);
    const c = await RawConn.connect(PORT);
    // One at a time: nothing is dropped (the queue holds whatever arrives while a slow disk renames
    // and reopens), and ~60 records of ~220 bytes fill several files.
    for (let i = 0; i < 60; i++) assert.equal(await c.call('KEYS', `rotation-${i}-*`), '*0\r\n');
    const rotated = () => readdirSync(dir).filter((f) => f.startsWith('rot.log.'));
    await waitFor(async () => Number(infoValue(await c.call('INFO', 'stats'), 'audit_log_rotations')) >= 2, 10000, 'two rotations');
    // Every KEYS record is in one of the files, none of which is over the limit.
    await waitFor(() => {
      // Mid-rotation the live file may be renamed and not yet recreated: look again then.
      if (!existsSync(file)) return false;
      const all = [file, ...rotated().map((f) => path.join(dir, f))].flatMap((f) => (existsSync(f) ? records(f, false) : []));
      return all.filter((r) => r.event === 'command' && r.command === 'keys').length === 60;
    }, 10000, 'all 60 records written');
    for (const f of [file, ...rotated().map((x) => path.join(dir, x))]) {
      const size = readFileSync(f).length;
      assert.ok(size <= 4096, `${f} is ${size} bytes`);
    }
    assert.ok(records(file).some((r) => r.event === 'audit-log-opened' && r.reason === 'rotation'));
    assert.equal(infoValue(await c.call('INFO', 'stats'), 'audit_log_dropped_records'), '0');
    assert.equal(infoValue(await c.call('INFO', 'stats'), 'audit_log_write_errors'), '0');

    // SIGHUP: the file moved away (logrotate), a new one appears at the path.
    const moved = path.join(dir, 'moved.log');
    renameSync(file, moved);
    p.proc.kill('SIGHUP');
    await waitFor(async () => {
      await c.call('KEYS', 'after-hup*');
      return existsSync(file) && records(file, false).some((r) => r.event === 'command' && (r.args as string[])[0] === 'after-hup*');
    }, 10000, 'a new file after SIGHUP');
    assert.ok(records(file).some((r) => r.event === 'audit-log-opened' && r.reason === 'sighup'));
    assert.ok(p.proc.exitCode === null, 'SIGHUP does not end the process');

    // A burst in one event-loop turn: 400 records of ~220 bytes cannot wait in a 2 KB buffer.
    assert.equal(await c.call('CONFIG', 'SET', 'audit-log-buffer-size', '2kb'), '+OK\r\n');
    const burst = Array.from({ length: 400 }, (_, i) => `*2\r\n$4\r\nKEYS\r\n$${`burst-${i}`.length}\r\nburst-${i}\r\n`).join('');
    c.write(burst);
    for (let i = 0; i < 400; i++) await c.reply();
    const dropped = Number(infoValue(await c.call('INFO', 'stats'), 'audit_log_dropped_records'));
    assert.ok(dropped > 0, 'records were dropped');
    assert.ok(dropped < 400, 'some were written');
    // Once the queue drains, one record says how many were lost.
    await waitFor(async () => {
      await c.call('KEYS', 'drain*');
      const all = [file, ...rotated().map((f) => path.join(dir, f))].flatMap((f) => records(f, false));
      const reported = all.filter((r) => r.event === 'audit-dropped').reduce((n, r) => n + (r.count as number), 0);
      return reported === dropped;
    }, 10000, 'an audit-dropped record');
    assert.equal(infoValue(await c.call('INFO', 'stats'), 'audit_log_write_errors'), '0');
    c.close();
    await p.kill('SIGTERM');
    // Stopped: every file holds complete JSON lines only.
    for (const f of [file, moved, ...rotated().map((x) => path.join(dir, x))]) records(f);
  });
});

describe('audit log attacked by a stranger (a real process)', () => {
  it('a burst of failed logins without credentials: the buffer drops and counts, the lockout ends the burst, the server answers', async () => {
    const PORT = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-audit-stranger-'));
    const file = path.join(dir, 'audit.log');
    const conf = path.join(dir, 'stranger.conf');
    // Defaults but a 2 KB buffer (about nine records) and a password: the stranger has none.
    writeFileSync(conf, [`port ${PORT}`, 'bind 127.0.0.1', 'save ""', 'appendonly no', `dir ${dir}`, 'requirepass s3cret', `audit-log ${file}`, 'audit-log-buffer-size 2kb', ''].join('\n'));
    const p = await startWith(conf, PORT);
    // The operator's connection, logged in before the attack and from another loopback address.
    const ops = await RawConn.connect(PORT, '127.0.0.1', '127.0.0.2');
    const stranger = await RawConn.connect(PORT);
    try {
      assert.equal(await ops.call('AUTH', 's3cret'), '+OK\r\n');
      // 300 wrong passwords in one write: one event-loop turn queues far more than 2 KB of records.
      stranger.write(Array.from({ length: 300 }, (_, i) => `*2\r\n$4\r\nAUTH\r\n$${`guess-${i}`.length}\r\nguess-${i}\r\n`).join(''));
      // auth-lockout-threshold (100 by default) locks 127.0.0.1 out and closes the connection.
      await waitFor(() => stranger.closed, 10000, 'the stranger to be cut off by the lockout');
      const stats = await ops.call('INFO', 'stats');
      const dropped = Number(infoValue(stats, 'audit_log_dropped_records'));
      assert.ok(dropped > 0, 'records were dropped, not queued without bound');
      assert.ok(dropped <= 100, `dropped ${dropped}: at most one record per counted failure`);
      assert.equal(await ops.call('PING'), '+PONG\r\n');
      // Once the queue drains, one record says how many were lost; the file holds whole JSON lines.
      await waitFor(async () => {
        await ops.call('KEYS', 'drain*');
        return records(file, false).filter((r) => r.event === 'audit-dropped').reduce((n, r) => n + (r.count as number), 0) === dropped;
      }, 10000, 'an audit-dropped record');
      assert.ok(!readFileSync(file, 'utf8').includes('guess-'), 'no password in the file');
      const failures = records(file, false).filter((r) => r.event === 'login-failure');
      assert.ok(failures.length > 0 && failures.length + dropped <= 101, `${failures.length} login-failure records written`);
    } finally {
      ops.close();
      stranger.close();
      await p.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
