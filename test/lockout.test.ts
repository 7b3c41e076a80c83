// AUTH lockout against a real Redoubt process: a source address that fails too often is locked out
// (the right password included, the connection closed), another address is spared, the lockout
// lifts after its duration, grows for a repeat offender, and ACL LOCKOUT lists and lifts it. The
// per-user-name budget locks a user name out from every address except its from: addresses.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, infoField, startRedoubtProcess, type ChildServer } from './helpers.js';

const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.\r\n';

async function conn(port: number, from: string): Promise<RawConn> {
  return RawConn.connect(port, '127.0.0.1', from);
}

/** AUTH on a fresh connection from `from`; the reply, and whether the server closed the connection. */
async function auth(port: number, from: string, user: string, pass: string): Promise<{ reply: string; closed: boolean }> {
  const c = await conn(port, from);
  try {
    const reply = await c.call('AUTH', user, pass);
    if (reply !== '+OK\r\n') {
      // A refused login is closed when it locks or is locked out; otherwise the connection stays.
      const pong = await c.call('PING').catch(() => null);
      return { reply, closed: pong === null };
    }
    return { reply, closed: false };
  } finally {
    c.close();
  }
}

async function poll(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('AUTH lockout by source address', () => {
  let srv: ChildServer;
  after(async () => {
    await srv?.kill();
  });

  it('locks the address out (right password included), spares another, lifts after its duration, grows for a repeat offender', async () => {
    srv = await startRedoubtProcess([
      '--save', '', '--appendonly', 'no', '--protected-mode', 'no',
      '--auth-lockout-threshold', '3', '--auth-lockout-window', '60', '--auth-lockout-duration', '1',
      '--auth-lockout-max-duration', '30', '--auth-lockout-user-threshold', '0',
    ]);
    const port = srv.port;
    const admin = await conn(port, '127.0.0.3');
    assert.equal(await admin.call('ACL', 'SETUSER', 'alice', 'on', '>secret', '~*', '+@all'), '+OK\r\n');
    // Two failures: the connection stays open, the right password still works.
    for (let i = 0; i < 2; i++) assert.deepEqual(await auth(port, '127.0.0.1', 'alice', 'wrong'), { reply: WRONGPASS, closed: false });
    // The third locks 127.0.0.1 out and closes the connection.
    assert.deepEqual(await auth(port, '127.0.0.1', 'alice', 'wrong'), { reply: WRONGPASS, closed: true });
    assert.deepEqual(await auth(port, '127.0.0.1', 'alice', 'secret'), { reply: WRONGPASS, closed: true });
    const hello = await conn(port, '127.0.0.1');
    assert.equal(await hello.call('HELLO', '3', 'AUTH', 'alice', 'secret'), WRONGPASS);
    await hello.waitClosed();
    // Another address is not affected.
    assert.deepEqual(await auth(port, '127.0.0.2', 'alice', 'secret'), { reply: '+OK\r\n', closed: false });
    assert.equal(await infoField(admin, 'auth_lockouts'), '1');
    assert.equal(await infoField(admin, 'auth_locked_addresses'), '1');
    assert.ok(Number(await infoField(admin, 'auth_lockout_refusals')) >= 2);
    assert.match(await admin.call('ACL', 'LOCKOUT', 'LIST'), /\$7\r\naddress\r\n\$9\r\n127\.0\.0\.1\r\n\$17\r\nremaining-seconds\r\n:1\r\n\$17\r\nlockouts-in-a-row\r\n:1\r\n/);
    assert.match(srv.output(), /AUTH lockout: 127\.0\.0\.1 locked out for 1 s after 3 failed authentications/);
    // It lifts after its duration (attempts while locked do not extend it).
    const waited = await poll(async () => (await auth(port, '127.0.0.1', 'alice', 'secret')).reply === '+OK\r\n', 5000, 'the lockout to lift');
    assert.ok(waited < 3000, `lifted after ${waited} ms`);
    assert.equal(await infoField(admin, 'auth_locked_addresses'), '0');
    // A repeat offender waits twice as long.
    for (let i = 0; i < 3; i++) await auth(port, '127.0.0.1', 'alice', 'wrong');
    assert.match(await admin.call('ACL', 'LOCKOUT', 'LIST'), /remaining-seconds\r\n:2\r\n\$17\r\nlockouts-in-a-row\r\n:2\r\n/);
    assert.match(srv.output(), /locked out for 2 s .*lockout #2 in a row/);
    // ACL LOCKOUT LIFT ends it at once.
    assert.equal(await admin.call('ACL', 'LOCKOUT', 'LIFT', '127.0.0.1'), ':1\r\n');
    assert.deepEqual(await auth(port, '127.0.0.1', 'alice', 'secret'), { reply: '+OK\r\n', closed: false });
    assert.equal(await admin.call('ACL', 'LOCKOUT', 'LIST'), '*0\r\n');
    assert.match(await admin.call('ACL', 'LOCKOUT', 'NOPE'), /^-ERR syntax error/);
    // The admin command is @admin @dangerous: a user without them cannot run it.
    assert.match(await admin.call('COMMAND', 'INFO', 'ACL|LOCKOUT'), /@admin[\s\S]*@dangerous/);
    assert.equal(await admin.call('ACL', 'SETUSER', 'app', 'on', 'nopass', '+@all', '-@dangerous'), '+OK\r\n');
    assert.equal(await admin.call('ACL', 'DRYRUN', 'app', 'ACL', 'LOCKOUT', 'LIST'), "$61\r\nThis user has no permissions to run the 'acl|lockout' command\r\n");
    admin.close();
  });
});

describe('AUTH lockout by user name', () => {
  let srv: ChildServer;
  after(async () => {
    await srv?.kill();
  });

  it('locks a user name out from every address except its from: addresses; other users are unaffected', async () => {
    srv = await startRedoubtProcess([
      '--save', '', '--appendonly', 'no', '--protected-mode', 'no',
      '--auth-lockout-threshold', '0', '--auth-lockout-user-threshold', '3', '--auth-lockout-duration', '30',
    ]);
    const port = srv.port;
    const admin = await conn(port, '127.0.0.9');
    assert.equal(await admin.call('ACL', 'SETUSER', 'bob', 'on', '>pw', '~*', '+@all'), '+OK\r\n');
    assert.equal(await admin.call('ACL', 'SETUSER', 'carol', 'on', '>pw2', '~*', '+@all'), '+OK\r\n');
    // Failures from three addresses add up for the name.
    for (const a of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) await auth(port, a, 'bob', 'guess');
    assert.deepEqual(await auth(port, '127.0.0.4', 'bob', 'pw'), { reply: WRONGPASS, closed: true });
    assert.equal(await infoField(admin, 'auth_locked_users'), '1');
    assert.match(srv.output(), /AUTH lockout: user 'bob' locked out for 30 s/);
    // Another user from the same addresses is not affected; names that are no user are not tracked.
    assert.deepEqual(await auth(port, '127.0.0.1', 'carol', 'pw2'), { reply: '+OK\r\n', closed: false });
    // The operator's remedy: bob's own from: addresses still log in.
    assert.equal(await admin.call('ACL', 'SETUSER', 'bob', 'from:127.0.0.5'), '+OK\r\n');
    assert.deepEqual(await auth(port, '127.0.0.5', 'bob', 'pw'), { reply: '+OK\r\n', closed: false });
    assert.deepEqual(await auth(port, '127.0.0.4', 'bob', 'pw'), { reply: WRONGPASS, closed: true });
    assert.equal(await admin.call('ACL', 'LOCKOUT', 'LIFT', 'bob'), ':1\r\n');
    assert.equal(await admin.call('ACL', 'SETUSER', 'bob', 'resetfrom'), '+OK\r\n');
    assert.deepEqual(await auth(port, '127.0.0.4', 'bob', 'pw'), { reply: '+OK\r\n', closed: false });
    admin.close();
  });
});
