// requirepass, AUTH, the NOAUTH gate, pre-auth protocol limits and protected mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RawConn, startServer } from './helpers.js';

test('requirepass: NOAUTH until AUTH, WRONGPASS on a bad password, logged without the password', async () => {
  const t = await startServer({ requirepass: 'p@ss word' });
  const c = await RawConn.connect(t.port);
  try {
    assert.equal(await c.call('PING'), '-NOAUTH Authentication required.\r\n');
    assert.equal(await c.call('AUTH', 'nope'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    assert.equal(await c.call('AUTH', 'default', 'nope'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    assert.equal(await c.call('AUTH', 'a', 'b', 'c'), '-ERR syntax error\r\n');
    assert.ok(t.logs.some((l) => l.includes("AUTH failed for user 'default' from 127.0.0.1:")));
    assert.ok(!t.logs.some((l) => l.includes('nope')), 'the password never reaches the log');
    assert.equal(t.server.aclLog.denied.auth, 2);
    assert.equal(await c.call('AUTH', 'p@ss word'), '+OK\r\n');
    assert.equal(await c.call('PING'), '+PONG\r\n');
  } finally {
    c.close();
    await t.close();
  }
});

test('AUTH without a configured password gets Redis\'s error', async () => {
  const t = await startServer();
  const c = await RawConn.connect(t.port);
  try {
    assert.match(await c.call('AUTH', 'x'), /^-ERR AUTH <password> called without any password configured for the default user/);
    assert.equal(await c.call('AUTH', 'default', 'anything'), '+OK\r\n');
  } finally {
    c.close();
    await t.close();
  }
});

test('before authentication, big multibulk counts and bulk lengths close the connection', async () => {
  const t = await startServer({ requirepass: 'x' });
  const a = await RawConn.connect(t.port);
  const b = await RawConn.connect(t.port);
  try {
    a.write('*11\r\n');
    assert.equal(await a.reply(), '-ERR Protocol error: unauthenticated multibulk length\r\n');
    await a.waitClosed();
    b.write('*2\r\n$4\r\nAUTH\r\n$16385\r\n');
    assert.equal(await b.reply(), '-ERR Protocol error: unauthenticated bulk length\r\n');
    await b.waitClosed();
    const c = await RawConn.connect(t.port);
    assert.equal(await c.call('AUTH', 'x'), '+OK\r\n');
    assert.equal(await c.call('ECHO', 'y'.repeat(20000)), `$20000\r\n${'y'.repeat(20000)}\r\n`);
    c.close();
  } finally {
    a.close();
    b.close();
    await t.close();
  }
});

test('protected mode refuses non-loopback peers while the default user has no password', async () => {
  // 127.0.0.2 is loopback for the kernel but not "local" for Redis's protected mode.
  const t = await startServer({ bind: '127.0.0.1 127.0.0.2' });
  try {
    const s = net.connect({ port: t.port, host: '127.0.0.2', localAddress: '127.0.0.2' });
    const data = await new Promise<string>((resolve, reject) => {
      let got = '';
      s.on('data', (d) => (got += d.toString('latin1')));
      s.on('close', () => resolve(got));
      s.on('error', reject);
    });
    assert.match(data, /^-DENIED Redis is running in protected mode/);
    const local = await RawConn.connect(t.port);
    assert.equal(await local.call('PING'), '+PONG\r\n');
    local.close();
    t.server.config.set('requirepass', 'pw');
    const s2 = await RawConn.connect(t.port, '127.0.0.2', '127.0.0.2');
    assert.equal(await s2.call('PING'), '-NOAUTH Authentication required.\r\n');
    s2.close();
  } finally {
    await t.close();
  }
});

test('an HTTP request (cross-protocol scripting) closes the connection and is logged', async () => {
  const t = await startServer();
  const c = await RawConn.connect(t.port);
  try {
    c.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nFLUSHALL\r\n');
    await c.waitClosed();
    assert.equal(c.buffered.length, 0, 'nothing is answered');
    assert.ok(t.logs.some((l) => l.includes('Possible SECURITY ATTACK detected from 127.0.0.1:')));
    const other = await RawConn.connect(t.port);
    assert.equal(await other.call('PING'), '+PONG\r\n');
    other.close();
  } finally {
    c.close();
    await t.close();
  }
});

test('passwords never reach MONITOR or the slow log: "(redacted)" as Redis shows it', async () => {
  const t = await startServer({ requirepass: 'sekret', 'slowlog-log-slower-than': '0' });
  const mon = await RawConn.connect(t.port);
  const c = await RawConn.connect(t.port);
  try {
    assert.equal(await mon.call('AUTH', 'sekret'), '+OK\r\n');
    assert.equal(await mon.call('MONITOR'), '+OK\r\n');
    assert.equal(await c.call('AUTH', 'wrong'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    assert.match(await mon.reply(), /^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "AUTH" "\(redacted\)"\r\n$/);
    await c.call('HELLO', '2', 'AUTH', 'default', 'sekret');
    assert.match(await mon.reply(), /^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "HELLO" "2" "AUTH" "\(redacted\)" "\(redacted\)"\r\n$/);
    // Admin commands never reach MONITOR; the slow log shows them redacted.
    await c.call('ACL', 'SETUSER', 'bob', 'on', '>bobs-secret', '~*');
    await c.call('CONFIG', 'SET', 'maxclients', '100', 'requirepass', 'sekret2');
    const slow = await c.call('SLOWLOG', 'GET');
    assert.ok(slow.includes('(redacted)'));
    assert.ok(slow.includes('$7\r\nSETUSER\r\n$10\r\n(redacted)\r\n$10\r\n(redacted)\r\n'));
    assert.ok(slow.includes('$11\r\nrequirepass\r\n$10\r\n(redacted)\r\n'));
    for (const secret of ['sekret', 'wrong', 'bobs-secret']) assert.ok(!slow.includes(secret), `no password in SLOWLOG GET: ${secret}`);
  } finally {
    mon.close();
    c.close();
    await t.close();
  }
});
