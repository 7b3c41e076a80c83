// Per-user source rules (`from:<address|CIDR>`, `resetfrom`) against a real Redoubt process: a
// login from elsewhere fails exactly like a wrong password (same reply bytes) and is logged with
// the real reason; the rules show in ACL GETUSER and ACL LIST, are written by ACL SAVE and CONFIG
// REWRITE, are read from `user` lines and ACL files, and hold for certificate logins too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { RawConn, freePort, infoField, runRedoubt, spawnRedoubt, startRedoubtProcess, type ChildServer, type Proc } from './helpers.js';

const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-acl-from-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// OPTS for startRedoubtProcess (which adds --port, --bind and --dir); BASE for spawnRedoubt.
const OPTS = ['--save', '', '--appendonly', 'no', '--protected-mode', 'no'];
const BASE = ['--bind', '127.0.0.1', ...OPTS];

async function authReply(port: number, from: string, ...cmd: string[]): Promise<string> {
  const c = await RawConn.connect(port, '127.0.0.1', from);
  try {
    return await c.call(...cmd);
  } finally {
    c.close();
  }
}

describe('from: rules on password logins', () => {
  let port: number;
  let srv: ChildServer;
  let admin: RawConn;
  before(async () => {
    srv = await startRedoubtProcess(OPTS, { dir });
    port = srv.port;
    admin = await RawConn.connect(port, '127.0.0.1', '127.0.0.9');
  });
  after(async () => {
    admin?.close();
    await srv?.kill();
  });

  it('refuses a login from another address exactly like a wrong password, admits the named one, logs the reason', async () => {
    assert.equal(await admin.call('ACL', 'SETUSER', 'carol', 'on', '>pw', 'from:127.0.0.2', '~*', '+@all'), '+OK\r\n');
    const denied = Number(await infoField(admin, 'acl_access_denied_auth'));
    const wrong = await authReply(port, '127.0.0.1', 'AUTH', 'carol', 'nope');
    assert.equal(wrong, WRONGPASS);
    assert.equal(await authReply(port, '127.0.0.1', 'AUTH', 'carol', 'pw'), wrong, 'same bytes as a wrong password');
    assert.equal(await authReply(port, '127.0.0.1', 'HELLO', '3', 'AUTH', 'carol', 'pw'), wrong);
    assert.equal(await authReply(port, '127.0.0.2', 'AUTH', 'carol', 'pw'), '+OK\r\n');
    assert.match(await authReply(port, '127.0.0.2', 'HELLO', '3', 'AUTH', 'carol', 'pw'), /^%7\r\n/);
    assert.equal(Number(await infoField(admin, 'acl_access_denied_auth')), denied + 3);
    assert.match(srv.output(), /AUTH failed for user 'carol' from 127\.0\.0\.1:\d+ \(address not allowed by the user's from: rules\)/);
    // A CIDR block, repeated rules, IPv6.
    assert.equal(await admin.call('ACL', 'SETUSER', 'carol', 'resetfrom', 'from:127.0.0.4/30', 'from:::1', 'from:127.0.0.4/30'), '+OK\r\n');
    assert.equal(await authReply(port, '127.0.0.2', 'AUTH', 'carol', 'pw'), WRONGPASS);
    assert.equal(await authReply(port, '127.0.0.6', 'AUTH', 'carol', 'pw'), '+OK\r\n');
    assert.equal(await authReply(port, '127.0.0.8', 'AUTH', 'carol', 'pw'), WRONGPASS);
    // Bad rules are refused, and change nothing.
    const listBefore = await admin.call('ACL', 'LIST');
    assert.match(await admin.call('ACL', 'SETUSER', 'carol', 'from:300.1.1.1'), /^-ERR Error in ACL SETUSER modifier 'from:300\.1\.1\.1': 'from:' needs an IPv4 or IPv6 address/);
    assert.match(await admin.call('ACL', 'SETUSER', 'carol', 'from:10.0.0.0/33'), /^-ERR Error in ACL SETUSER modifier/);
    assert.match(await admin.call('ACL', 'SETUSER', 'carol', '(from:10.0.0.1)'), /^-ERR Error in ACL SETUSER modifier/);
    assert.equal(await admin.call('ACL', 'LIST'), listBefore);
    // GETUSER and LIST show them; `reset` and `resetfrom` clear them.
    const getuser = await admin.call('ACL', 'GETUSER', 'carol');
    assert.match(getuser, /^\*14\r\n/);
    assert.match(getuser, /\$4\r\nfrom\r\n\*2\r\n\$12\r\n127\.0\.0\.4\/30\r\n\$3\r\n::1\r\n/);
    assert.match(await admin.call('ACL', 'LIST'), /user carol on #[0-9a-f]{64} from:127\.0\.0\.4\/30 from:::1 ~\* resetchannels \+@all/);
    assert.equal(await admin.call('ACL', 'SETUSER', 'carol', 'resetfrom'), '+OK\r\n');
    assert.match(await admin.call('ACL', 'GETUSER', 'carol'), /^\*12\r\n/, "no from field: Redis's reply");
    assert.equal(await authReply(port, '127.0.0.1', 'AUTH', 'carol', 'pw'), '+OK\r\n');
    assert.equal(await admin.call('ACL', 'SETUSER', 'carol', 'from:127.0.0.2', 'reset'), '+OK\r\n');
    assert.equal(await admin.call('ACL', 'GETUSER', 'carol').then((r) => r.includes('from')), false);
  });
});

describe('from: rules on open sessions', () => {
  let srv: ChildServer;
  after(async () => {
    await srv?.kill();
  });

  it('ACL SETUSER adding rules closes the connections of the user from other addresses and keeps the allowed ones', async () => {
    srv = await startRedoubtProcess(OPTS, { dir });
    const port = srv.port;
    const admin = await RawConn.connect(port, '127.0.0.1', '127.0.0.9');
    assert.equal(await admin.call('ACL', 'SETUSER', 'fay', 'on', '>pw', '~*', '+@all'), '+OK\r\n');
    const outside = await RawConn.connect(port, '127.0.0.1', '127.0.0.1');
    const inside = await RawConn.connect(port, '127.0.0.1', '127.0.0.2');
    assert.equal(await outside.call('AUTH', 'fay', 'pw'), '+OK\r\n');
    assert.equal(await inside.call('AUTH', 'fay', 'pw'), '+OK\r\n');
    assert.equal(await admin.call('ACL', 'SETUSER', 'fay', 'from:127.0.0.2'), '+OK\r\n');
    await outside.waitClosed();
    assert.equal(await inside.call('PING'), '+PONG\r\n');
    inside.close();
    admin.close();
  });
});

describe('from: rules in user lines, ACL files, ACL SAVE and CONFIG REWRITE', () => {
  let srv: Proc | undefined;
  after(async () => {
    await srv?.kill();
  });

  it('reads them from a user line and writes them back with CONFIG REWRITE', async () => {
    const conf = path.join(dir, 'redoubt.conf');
    const port = await freePort();
    writeFileSync(conf, `port ${port}\nuser dave on >pw from:127.0.0.2 from:10.0.0.0/8 ~* +@all\n`);
    srv = await spawnRedoubt([conf, ...BASE]);
    assert.equal(await authReply(port, '127.0.0.1', 'AUTH', 'dave', 'pw'), WRONGPASS);
    assert.equal(await authReply(port, '127.0.0.2', 'AUTH', 'dave', 'pw'), '+OK\r\n');
    assert.equal(await authReply(port, '127.0.0.1', 'CONFIG', 'REWRITE'), '+OK\r\n');
    assert.match(readFileSync(conf, 'latin1'), /^user dave on #[0-9a-f]{64} from:127\.0\.0\.2 from:10\.0\.0\.0\/8 ~\* resetchannels \+@all$/m);
    await srv.kill();
    srv = undefined;
  });

  it('loads them from an ACL file (start-up and ACL LOAD) and writes them with ACL SAVE', async () => {
    const acl = path.join(dir, 'users.acl');
    writeFileSync(acl, 'user default on nopass ~* &* +@all\nuser erin on >pw from:127.0.0.2 ~* +@all\n');
    const s = await startRedoubtProcess(['--aclfile', acl, ...OPTS], { dir });
    srv = s;
    const port = s.port;
    assert.equal(await authReply(port, '127.0.0.1', 'AUTH', 'erin', 'pw'), WRONGPASS);
    assert.equal(await authReply(port, '127.0.0.2', 'AUTH', 'erin', 'pw'), '+OK\r\n');
    writeFileSync(acl, 'user default on nopass ~* &* +@all\nuser erin on >pw from:127.0.0.3 ~* +@all\n');
    assert.equal(await authReply(port, '127.0.0.1', 'ACL', 'LOAD'), '+OK\r\n');
    assert.equal(await authReply(port, '127.0.0.2', 'AUTH', 'erin', 'pw'), WRONGPASS);
    assert.equal(await authReply(port, '127.0.0.3', 'AUTH', 'erin', 'pw'), '+OK\r\n');
    assert.equal(await authReply(port, '127.0.0.1', 'ACL', 'SETUSER', 'erin', 'from:fd00::/8'), '+OK\r\n');
    assert.equal(await authReply(port, '127.0.0.1', 'ACL', 'SAVE'), '+OK\r\n');
    assert.match(readFileSync(acl, 'latin1'), /^user erin on #[0-9a-f]{64} from:127\.0\.0\.3 from:fd00::\/8 ~\* resetchannels \+@all$/m);
    // A bad rule in the file refuses the whole load, naming the line.
    writeFileSync(acl, 'user default on nopass ~* &* +@all\nuser erin on >pw from:nowhere ~* +@all\n');
    assert.match(await authReply(port, '127.0.0.1', 'ACL', 'LOAD'), /^-ERR .*users\.acl:2: 'from:' needs an IPv4 or IPv6 address/);
    await srv.kill();
    srv = undefined;
  });
});

describe('from: rules on certificate logins', () => {
  let port: number;
  let srv: Awaited<ReturnType<typeof spawnRedoubt>>;
  const f = (n: string): string => path.join(dir, n);
  after(async () => {
    await srv?.kill();
  });

  function tlsConn(from: string): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({
        socket: net.connect({ host: '127.0.0.1', port, localAddress: from }),
        servername: 'localhost',
        ca: readFileSync(f('ca.crt')),
        cert: readFileSync(f('alice.crt')),
        key: readFileSync(f('alice.key')),
      });
      s.once('secureConnect', () => resolve(RawConn.wrap(s)));
      s.once('error', reject);
    });
  }

  it('logs a certificate in only from the addresses its user allows', async () => {
    const r = await runRedoubt(['certs', dir, '--client', 'alice']);
    assert.equal(r.code, 0, r.stderr);
    port = await freePort();
    srv = await spawnRedoubt([
      '--port', '0', '--tls-port', String(port), '--tls-cert-file', f('server.crt'), '--tls-key-file', f('server.key'),
      '--tls-ca-cert-file', f('ca.crt'), '--tls-auth-clients-user', 'CN', ...BASE,
    ]);
    const admin = await tlsConn('127.0.0.9');
    assert.equal(await admin.call('ACL', 'SETUSER', 'alice', 'on', 'nopass', 'from:127.0.0.2', '~*', '+@all'), '+OK\r\n');
    const refusedBefore = Number(await infoField(admin, 'tls_cert_login_refused'));
    const outside = await tlsConn('127.0.0.1');
    assert.equal(await outside.call('ACL', 'WHOAMI'), '$7\r\ndefault\r\n');
    outside.close();
    const inside = await tlsConn('127.0.0.2');
    assert.equal(await inside.call('ACL', 'WHOAMI'), '$5\r\nalice\r\n');
    inside.close();
    assert.equal(Number(await infoField(admin, 'tls_cert_login_refused')), refusedBefore + 1);
    assert.match(srv.output(), /Certificate login refused for 127\.0\.0\.1:\d+: CN 'alice' may not log in from this address \(from: rules\)/);
    admin.close();
  });
});
