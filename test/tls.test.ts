// TLS and mutual TLS (the guide's step 3), certificate login, reload, bad input, the allow-from
// gate and unix sockets. Certificates come from `redoubt certs` and from src/tls/certs.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate as X509 } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { freePort, haveRedis, infoField, RawConn, redisCli, runRedoubt, spawnRedoubt, startRedis, startServer, waitFor, type Proc, type TestServer } from './helpers.js';
import { makeCa, makeLeaf, type KeyPairPem } from '../src/tls/certs.js';
import { certificateCommonName } from '../src/tls/identity.js';
import { SessionCache } from '../src/tls/endpoint.js';

const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-tls-'));
const f = (name: string) => path.join(dir, name);

/** Writes a pair as NAME.crt / NAME.key in the test directory. */
function put(name: string, p: KeyPairPem): void {
  writeFileSync(f(`${name}.crt`), p.cert);
  writeFileSync(f(`${name}.key`), p.key, { mode: 0o600 });
}

/** The program run to its end in the test's own directory: snapshots (dir ./) never land in the tree. */
const run = (args: string[]) => runRedoubt(args, { cwd: dir });

type Ca = ReturnType<typeof makeCa>;
let ca: Ca;

before(async () => {
  // The certificates a user would make: redoubt certs <dir> --client client --client alice ...
  const r = await run(['certs', dir, '--client', 'client', '--client', 'alice', '--client', 'carol', '--client', 'bob']);
  assert.equal(r.code, 0, r.stderr);
  // A second CA in this process, for certificates with special properties.
  ca = makeCa();
  put('ca2', ca);
  put('nul', makeLeaf(ca, 'alice\0admin'));
  put('ctl', makeLeaf(ca, 'alice\nadmin'));
  put('alice2', makeLeaf(ca, 'alice'));
  const dayMs = 86400_000;
  put('expired', makeLeaf(ca, 'alice', { notBefore: new Date(Date.now() - 3 * dayMs), days: 1 }));
  put('future', makeLeaf(ca, 'alice', { notBefore: new Date(Date.now() + 2 * dayMs), days: 10 }));
  put('srv-expired', makeLeaf(ca, 'localhost', { hosts: ['localhost', '127.0.0.1'], notBefore: new Date(Date.now() - 3 * dayMs), days: 1 }));
  put('srv-future', makeLeaf(ca, 'localhost', { hosts: ['localhost', '127.0.0.1'], notBefore: new Date(Date.now() + 2 * dayMs), days: 10 }));
  put('srv2', makeLeaf(ca, 'localhost', { hosts: ['localhost', '127.0.0.1'] }));
  const enc = createPrivateKey(readFileSync(f('server.key'))).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'right-pass' });
  writeFileSync(f('server-enc.key'), enc, { mode: 0o600 });
  // The server CA and the second CA in one bundle (the second one signs the new server cert on reload).
  writeFileSync(f('both-ca.crt'), readFileSync(f('ca.crt'), 'latin1') + readFileSync(f('ca2.crt'), 'latin1'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** In-process Redoubt with a TLS port (and no cleartext port unless `port` is given). */
async function startTls(settings: Record<string, string> = {}): Promise<TestServer & { tlsPort: number }> {
  const tlsPort = await freePort();
  const t = await startServer({
    port: '0',
    'tls-port': String(tlsPort),
    'tls-cert-file': f('server.crt'),
    'tls-key-file': f('server.key'),
    'tls-ca-cert-file': f('ca.crt'),
    ...settings,
  });
  return Object.assign(t, { tlsPort: t.server.tlsBoundPorts[0]! });
}

interface ClientCert {
  cert?: string;
  key?: string;
  ca?: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
}

/** Opens a TLS connection; resolves with it after the handshake, rejects when the handshake fails. */
function tlsConnect(port: number, c: ClientCert = { cert: 'client' }): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: readFileSync(f(`${c.ca ?? 'ca'}.crt`)),
      ...(c.cert === undefined ? {} : { cert: readFileSync(f(`${c.cert}.crt`)), key: readFileSync(f(`${c.key ?? c.cert}.key`)) }),
      ...(c.minVersion === undefined ? {} : { minVersion: c.minVersion }),
      ...(c.maxVersion === undefined ? {} : { maxVersion: c.maxVersion }),
    });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
    s.once('close', () => reject(new Error('closed during the handshake')));
  });
}

/** A TLS connection that has run PING: with TLS 1.3 a refused client certificate shows only then. */
async function tlsConn(port: number, c: ClientCert = { cert: 'client' }): Promise<RawConn> {
  const conn = RawConn.wrap(await tlsConnect(port, c));
  assert.equal(await conn.call('PING'), '+PONG\r\n');
  return conn;
}

/** Resolves when the TLS connection is refused: handshake error, or closed before PING answers. */
async function refused(port: number, c: ClientCert): Promise<void> {
  let s: tls.TLSSocket;
  try {
    s = await tlsConnect(port, c);
  } catch {
    return;
  }
  const conn = RawConn.wrap(s);
  conn.send('PING');
  await assert.rejects(conn.reply(), /connection closed/);
}

const info = (conn: RawConn, field: string): Promise<string> => infoField(conn, field, 'stats');

describe('redoubt certs', () => {
  it('writes a CA, a server certificate for localhost and 127.0.0.1, and client certificates; keys are 0600', () => {
    for (const n of ['ca', 'server', 'client', 'alice']) {
      assert.equal(statSync(f(`${n}.key`)).mode & 0o777, 0o600, `${n}.key`);
      assert.ok(statSync(f(`${n}.crt`)).isFile());
    }
    const server = new X509(readFileSync(f('server.crt')));
    assert.match(server.subjectAltName ?? '', /DNS:localhost/);
    assert.match(server.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.ok(server.checkIssued(new X509(readFileSync(f('ca.crt')))));
    const client = new X509(readFileSync(f('alice.crt')));
    assert.match(client.subject, /CN=alice/);
  });

  it('--host sets the subject alternative names; a bad client name is refused', async () => {
    const d = mkdtempSync(path.join(tmpdir(), 'redoubt-certs-'));
    try {
      const r = await run(['certs', d, '--host', 'redis.internal', '--host', '10.0.5.15', '--host', '::1']);
      assert.equal(r.code, 0, r.stderr);
      const c = new X509(readFileSync(path.join(d, 'server.crt')));
      assert.match(c.subjectAltName ?? '', /DNS:redis\.internal/);
      assert.match(c.subjectAltName ?? '', /IP Address:10\.0\.5\.15/);
      assert.match(c.subjectAltName ?? '', /IP Address:0:0:0:0:0:0:0:1|IP Address:::1/);
      const bad = await run(['certs', d, '--client', '../evil']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /invalid client name/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe("the guide's step 3, verbatim, with redis-cli", () => {
  let proc: Proc | undefined;
  let port = 0;
  before(async () => {
    port = await freePort();
    const conf = f('step3.conf');
    writeFileSync(
      conf,
      [
        '# Close the insecure port',
        'port 0',
        '',
        '# Open the TLS port',
        `tls-port ${port}`,
        '',
        `tls-cert-file ${f('server.crt')}`,
        `tls-key-file ${f('server.key')}`,
        `tls-ca-cert-file ${f('ca.crt')}`,
        '',
        '# Enforce Mutual TLS (mTLS)',
        'tls-auth-clients yes',
        'bind 127.0.0.1',
        '',
      ].join('\n'),
    );
    proc = await spawnRedoubt([conf], { cwd: dir, timeoutMs: 10_000 });
    assert.match(proc.output(), /Ready to accept connections tls\b/, proc.output());
  });
  after(async () => {
    await proc?.kill('SIGTERM');
  });

  it('redis-cli --tls --cacert ca.crt --cert client.crt --key client.key ping answers PONG', async () => {
    const r = await redisCli(port, ['--tls', '--cacert', f('ca.crt'), '--cert', f('client.crt'), '--key', f('client.key'), 'ping']);
    assert.equal(r.stdout.toString(), 'PONG\n', r.stderr);
  });

  it('without a client certificate the handshake fails', async () => {
    const r = await redisCli(port, ['--tls', '--cacert', f('ca.crt'), 'ping']);
    assert.notEqual(r.stdout.toString(), 'PONG\n');
    assert.match(r.stdout.toString() + r.stderr, /closed|SSL|error/i);
  });

  it('the cleartext port is closed: CONFIG GET port is 0, and cleartext on the TLS port gets no reply', async () => {
    const r = await redisCli(port, ['--tls', '--cacert', f('ca.crt'), '--cert', f('client.crt'), '--key', f('client.key'), 'config', 'get', 'port']);
    assert.equal(r.stdout.toString(), 'port\n0\n');
    const plain = await redisCli(port, ['ping']);
    assert.notEqual(plain.stdout.toString(), 'PONG\n');
    const i = await redisCli(port, ['--tls', '--cacert', f('ca.crt'), '--cert', f('client.crt'), '--key', f('client.key'), 'info', 'server']);
    assert.match(i.stdout.toString(), new RegExp(`tcp_port:${port}\\r?\\n`));
  });
});

describe('mutual TLS', () => {
  let t: TestServer & { tlsPort: number };
  before(async () => {
    t = await startTls();
  });
  after(async () => {
    await t.close();
  });

  it('ioredis connects with a client certificate', async () => {
    const r = new Redis({
      host: '127.0.0.1',
      port: t.tlsPort,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      tls: { ca: readFileSync(f('ca.crt')), cert: readFileSync(f('client.crt')), key: readFileSync(f('client.key')), servername: 'localhost' },
    });
    r.on('error', () => {});
    try {
      await r.connect();
      assert.equal(await r.set('tls:io', 'v'), 'OK');
      assert.equal(await r.get('tls:io'), 'v');
    } finally {
      r.disconnect();
    }
  });

  it('node-redis connects with a client certificate', async () => {
    const c = createClient({
      socket: {
        host: '127.0.0.1',
        port: t.tlsPort,
        tls: true,
        ca: readFileSync(f('ca.crt')),
        cert: readFileSync(f('client.crt')),
        key: readFileSync(f('client.key')),
        servername: 'localhost',
        reconnectStrategy: false,
      },
    });
    c.on('error', () => {});
    try {
      await c.connect();
      assert.equal(await c.ping(), 'PONG');
      assert.equal(await c.incr('tls:nr'), 1);
    } finally {
      c.destroy();
    }
  });

  it('refuses a certificate from an untrusted CA, an expired one, one not valid yet, and none', async () => {
    const conn = await tlsConn(t.tlsPort);
    const before = Number(await info(conn, 'tls_handshake_failures'));
    await refused(t.tlsPort, { cert: 'alice2' });
    await refused(t.tlsPort, { cert: 'expired' });
    await refused(t.tlsPort, { cert: 'future' });
    await refused(t.tlsPort, {});
    await waitFor(async () => Number(await info(conn, 'tls_handshake_failures')) >= before + 4, 5000, 'handshake failures counted');
    // Refused certificates are warnings that name the source address.
    const refusals = t.logs.filter((l) => l.includes(' # Error accepting a client connection'));
    assert.ok(refusals.length >= 3, t.logs.join('\n'));
    for (const l of refusals) assert.match(l, /\(addr=127\.0\.0\.1:\d+\)$/);
    conn.close();
  });

  it('refuses TLS 1.1 by default; tls-protocols TLSv1.3 refuses TLS 1.2', async () => {
    await refused(t.tlsPort, { cert: 'client', maxVersion: 'TLSv1.1', minVersion: 'TLSv1' });
    const c12 = await tlsConn(t.tlsPort, { cert: 'client', maxVersion: 'TLSv1.2' });
    c12.close();
    const admin = await tlsConn(t.tlsPort);
    assert.equal(await admin.call('CONFIG', 'SET', 'tls-protocols', 'TLSv1.3'), '+OK\r\n');
    await refused(t.tlsPort, { cert: 'client', maxVersion: 'TLSv1.2' });
    const c13 = await tlsConn(t.tlsPort);
    assert.equal((c13.socket as tls.TLSSocket).getProtocol(), 'TLSv1.3');
    c13.close();
    assert.equal(
      await admin.call('CONFIG', 'SET', 'tls-protocols', 'TLSv1.9'),
      "-ERR CONFIG SET failed (possibly related to argument 'tls-protocols') - Unable to update TLS configuration: Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.\r\n",
    );
    assert.equal(await admin.call('CONFIG', 'SET', 'tls-protocols', ''), '+OK\r\n');
    admin.close();
  });

  it('CLIENT LIST shows a TLS client as Redis 7.0 does (the same fields as a TCP client)', async () => {
    const conn = await tlsConn(t.tlsPort);
    const line = (await conn.call('CLIENT', 'LIST')).split('\r\n')[1]!;
    assert.match(line, /^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=-?\d+ name= age=\d+ idle=\d+ flags=N db=0 /);
    conn.close();
  });
});

describe('against redis-server 7.0.15 started with the same TLS settings', { skip: !haveRedis() && 'redis-server not installed' }, () => {
  it('CLIENT LIST and INFO show a TLS client with the same fields; the same TLS replies to the same commands', async () => {
    const tlsPort = await freePort();
    const ref = await startRedis(['--tls-port', String(tlsPort), '--tls-cert-file', f('server.crt'), '--tls-key-file', f('server.key'), '--tls-ca-cert-file', f('ca.crt')]);
    const t = await startTls();
    try {
      await waitFor(() => tlsConnect(tlsPort).then((s) => (s.destroy(), true), () => false), 10_000, 'redis-server TLS port');
      const a = RawConn.wrap(await tlsConnect(t.tlsPort));
      const b = RawConn.wrap(await tlsConnect(tlsPort));
      const keys = (r: string) => r.split('\r\n')[1]!.split(' ').map((kv) => kv.split('=')[0]).join(' ');
      assert.equal(keys(await a.call('CLIENT', 'LIST')), keys(await b.call('CLIENT', 'LIST')));
      const flags = (r: string) => /flags=(\S+)/.exec(r)?.[1];
      assert.equal(flags(await a.call('CLIENT', 'INFO')), flags(await b.call('CLIENT', 'INFO')));
      // Redis 7.0 has no TLS fields in INFO (Redoubt's own tls_* counters aside).
      const names = (r: string) => r.split('\r\n').map((l) => l.split(':')[0]!).filter((k) => /tls|ssl/i.test(k) && !k.startsWith('tls_'));
      assert.deepEqual(names(await a.call('INFO', 'everything')), names(await b.call('INFO', 'everything')));
      for (const cmd of [
        ['CONFIG', 'GET', 'tls-auth-clients'],
        ['CONFIG', 'GET', 'tls-protocols'],
        ['CONFIG', 'GET', 'tls-session-cache-size'],
        ['CONFIG', 'SET', 'tls-auth-clients', 'maybe'],
        ['CONFIG', 'SET', 'tls-session-caching', 'perhaps'],
        ['CONFIG', 'SET', 'tls-protocols', 'TLSv1.2 TLSv1.3'],
        ['CONFIG', 'GET', 'tls-protocols'],
        ['CONFIG', 'SET', 'tls-auth-clients', 'optional'],
        ['CONFIG', 'SET', 'unixsocketperm', '700'],
        ['CONFIG', 'SET', 'unixsocket', '/tmp/x.sock'],
      ]) {
        assert.equal(await a.call(...cmd), await b.call(...cmd), cmd.join(' '));
      }
      a.close();
      b.close();
    } finally {
      await t.close();
      await ref.close();
    }
  });
});

describe('tls-auth-clients optional and no', () => {
  it('optional: no certificate is fine, a verified one is fine, an unverifiable one is refused', async () => {
    const t = await startTls({ 'tls-auth-clients': 'optional' });
    try {
      (await tlsConn(t.tlsPort, {})).close();
      (await tlsConn(t.tlsPort, { cert: 'client' })).close();
      await refused(t.tlsPort, { cert: 'alice2' });
      await refused(t.tlsPort, { cert: 'expired' });
    } finally {
      await t.close();
    }
  });

  it('no: clients connect without a certificate; CONFIG SET tls-auth-clients yes applies to new connections only', async () => {
    const t = await startTls({ 'tls-auth-clients': 'no' });
    try {
      const a = await tlsConn(t.tlsPort, {});
      assert.equal(await a.call('CONFIG', 'SET', 'tls-auth-clients', 'yes'), '+OK\r\n');
      await refused(t.tlsPort, {});
      assert.equal(await a.call('PING'), '+PONG\r\n');
      a.close();
    } finally {
      await t.close();
    }
  });
});

describe('certificate login (tls-auth-clients-user CN)', () => {
  let t: TestServer & { tlsPort: number };
  before(async () => {
    t = await startTls({ 'tls-auth-clients-user': 'CN', requirepass: 'secret', 'tls-ca-cert-file': f('both-ca.crt') });
    t.server.config.set('loglevel', 'verbose');
    const admin = await tlsConnect(t.tlsPort);
    const c = RawConn.wrap(admin);
    assert.equal(await c.call('AUTH', 'secret'), '+OK\r\n');
    assert.equal(await c.call('ACL', 'SETUSER', 'alice', 'on', 'nopass', '~alice:*', '+@all'), '+OK\r\n');
    assert.equal(await c.call('ACL', 'SETUSER', 'carol', 'off', 'nopass', '~*', '+@all'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'GET', 'tls-auth-clients-user'), '*2\r\n$21\r\ntls-auth-clients-user\r\n$2\r\nCN\r\n');
    c.close();
  });
  after(async () => {
    await t.close();
  });

  it('a verified certificate whose CN is an enabled user logs in as that user without AUTH', async () => {
    const c = await RawConn.wrap(await tlsConnect(t.tlsPort, { cert: 'alice' }));
    assert.equal(await c.call('ACL', 'WHOAMI'), '$5\r\nalice\r\n');
    assert.equal(await c.call('SET', 'alice:k', 'v'), '+OK\r\n');
    assert.match(await c.call('SET', 'other', 'v'), /^-NOPERM/);
    // AUTH still works on such a connection.
    assert.equal(await c.call('AUTH', 'secret'), '+OK\r\n');
    assert.equal(await c.call('ACL', 'WHOAMI'), '$7\r\ndefault\r\n');
    c.close();
  });

  it('refuses login for an unknown user, a disabled user, and CNs with NUL or control bytes (counted, logged)', async () => {
    const probe = RawConn.wrap(await tlsConnect(t.tlsPort, { cert: 'alice' }));
    const before = Number(await info(probe, 'tls_cert_login_refused'));
    for (const cert of ['bob', 'carol', 'nul', 'ctl']) {
      const c = RawConn.wrap(await tlsConnect(t.tlsPort, { cert }));
      assert.equal(await c.call('GET', 'x'), '-NOAUTH Authentication required.\r\n', cert);
      c.close();
    }
    assert.equal(Number(await info(probe, 'tls_cert_login_refused')), before + 4);
    assert.ok(t.logs.some((l) => /Certificate login refused .*CN 'bob' is no ACL user/.test(l)));
    assert.ok(t.logs.some((l) => /Certificate login refused .*CN 'carol' is a disabled ACL user/.test(l)));
    assert.ok(t.logs.some((l) => /Certificate login refused .*CN contains a NUL byte at offset 5/.test(l)));
    assert.ok(t.logs.some((l) => /Certificate login refused .*CN contains a control byte/.test(l)));
    probe.close();
  });

  it('the CN is read from the certificate bytes, never truncated', () => {
    const der = (name: string) => new X509(readFileSync(f(`${name}.crt`))).raw;
    assert.deepEqual(certificateCommonName(der('alice')), { ok: true, name: 'alice' });
    assert.deepEqual(certificateCommonName(der('nul')), { ok: false, reason: 'CN contains a NUL byte at offset 5' });
    assert.equal(certificateCommonName(Buffer.from('not a certificate')).ok, false);
  });

  it('with tls-auth-clients-user off, a certificate logs in nobody', async () => {
    const admin = RawConn.wrap(await tlsConnect(t.tlsPort, { cert: 'alice' }));
    assert.equal(await admin.call('AUTH', 'secret'), '+OK\r\n');
    assert.equal(await admin.call('CONFIG', 'SET', 'tls-auth-clients-user', 'off'), '+OK\r\n');
    const c = RawConn.wrap(await tlsConnect(t.tlsPort, { cert: 'alice' }));
    assert.equal(await c.call('GET', 'x'), '-NOAUTH Authentication required.\r\n');
    c.close();
    assert.equal(await admin.call('CONFIG', 'SET', 'tls-auth-clients-user', 'cn'), '+OK\r\n');
    admin.close();
  });
});

describe('reload', () => {
  const serial = (s: tls.TLSSocket) => s.getPeerCertificate().serialNumber;

  it('CONFIG SET of the certificate files swaps the context; existing connections stay; a bad file keeps the old one', async () => {
    const t = await startTls({ 'tls-ca-cert-file': f('both-ca.crt') });
    try {
      const old = await tlsConnect(t.tlsPort);
      const oldSerial = serial(old);
      const conn = RawConn.wrap(old);
      assert.equal(await conn.call('CONFIG', 'SET', 'tls-cert-file', f('srv2.crt'), 'tls-key-file', f('srv2.key')), '+OK\r\n');
      const fresh = await tlsConnect(t.tlsPort, { cert: 'client', ca: 'ca2' });
      assert.notEqual(serial(fresh), oldSerial);
      fresh.destroy();
      assert.equal(await conn.call('PING'), '+PONG\r\n');
      // A key that does not match the certificate: refused, the old context keeps serving.
      assert.equal(
        await conn.call('CONFIG', 'SET', 'tls-key-file', f('server.key')),
        `-ERR CONFIG SET failed (possibly related to argument 'tls-key-file') - Unable to update TLS configuration: tls-key-file ${f('server.key')} does not match the certificate in tls-cert-file ${f('srv2.crt')}\r\n`,
      );
      assert.equal(await conn.call('CONFIG', 'GET', 'tls-key-file'), `*2\r\n$12\r\ntls-key-file\r\n$${f('srv2.key').length}\r\n${f('srv2.key')}\r\n`);
      const still = await tlsConnect(t.tlsPort, { cert: 'client', ca: 'ca2' });
      still.destroy();
      assert.match(await conn.call('CONFIG', 'SET', 'tls-cert-file', f('missing.crt')), /tls-cert-file .*missing\.crt: cannot read it \(no such file\)/);
      assert.match(await conn.call('CONFIG', 'SET', 'tls-cert-file', f('srv-expired.crt'), 'tls-key-file', f('srv-expired.key')), /the certificate expired on/);
      conn.close();
    } finally {
      await t.close();
    }
  });

  it('CONFIG SET of a tls-* file to its current path re-reads it, as Redis does', async () => {
    copyFileSync(f('server.crt'), f('same.crt'));
    copyFileSync(f('server.key'), f('same.key'));
    const t = await startTls({ 'tls-cert-file': f('same.crt'), 'tls-key-file': f('same.key'), 'tls-ca-cert-file': f('both-ca.crt') });
    try {
      const first = await tlsConnect(t.tlsPort, { cert: 'client', ca: 'both-ca' });
      const s1 = serial(first);
      const conn = RawConn.wrap(first);
      copyFileSync(f('srv2.crt'), f('same.crt'));
      copyFileSync(f('srv2.key'), f('same.key'));
      const before = await tlsConnect(t.tlsPort, { cert: 'client', ca: 'both-ca' });
      assert.equal(serial(before), s1);
      before.destroy();
      assert.equal(await conn.call('CONFIG', 'SET', 'tls-cert-file', f('same.crt')), '+OK\r\n');
      const now = await tlsConnect(t.tlsPort, { cert: 'client', ca: 'both-ca' });
      assert.notEqual(serial(now), s1);
      now.destroy();
      // A broken file under the same path: refused, the context in use stays.
      writeFileSync(f('same.key'), 'garbage');
      assert.match(await conn.call('CONFIG', 'SET', 'tls-key-file', f('same.key')), /^-ERR CONFIG SET failed \(possibly related to argument 'tls-key-file'\) - Unable to update TLS configuration: tls-key-file .*same\.key: not a PEM private key/);
      const still = await tlsConnect(t.tlsPort, { cert: 'client', ca: 'both-ca' });
      assert.notEqual(serial(still), s1);
      still.destroy();
      conn.close();
    } finally {
      await t.close();
    }
  });

  it('under load: clients pipelining INCR through repeated reloads lose no connection and no reply', async () => {
    const t = await startTls({ 'tls-ca-cert-file': f('both-ca.crt') });
    try {
      const conns = await Promise.all([1, 2, 3, 4].map(() => tlsConnect(t.tlsPort).then(RawConn.wrap)));
      const admin = RawConn.wrap(await tlsConnect(t.tlsPort));
      let stop = false;
      const counts = conns.map(() => 0);
      const loops = conns.map(async (c, i) => {
        while (!stop) {
          for (let k = 0; k < 20; k++) c.send('INCR', `load:${i}`);
          for (let k = 0; k < 20; k++) assert.match(await c.reply(), /^:\d+\r\n$/);
          counts[i]! += 20;
        }
      });
      for (let r = 0; r < 6; r++) {
        const pair = r % 2 === 0 ? 'srv2' : 'server';
        assert.equal(await admin.call('CONFIG', 'SET', 'tls-cert-file', f(`${pair}.crt`), 'tls-key-file', f(`${pair}.key`)), '+OK\r\n');
        const extra = await tlsConnect(t.tlsPort, { cert: 'client', ca: 'both-ca' });
        extra.destroy();
      }
      stop = true;
      await Promise.all(loops);
      for (let i = 0; i < conns.length; i++) {
        assert.equal(conns[i]!.closed, false);
        assert.equal(await conns[i]!.call('GET', `load:${i}`), `$${String(counts[i]).length}\r\n${counts[i]}\r\n`);
        conns[i]!.close();
      }
      admin.close();
    } finally {
      await t.close();
    }
  });

  it('tls-auto-reload-interval re-reads changed files; a bad file is logged and the old context kept', async () => {
    copyFileSync(f('server.crt'), f('live.crt'));
    copyFileSync(f('server.key'), f('live.key'));
    const t = await startTls({ 'tls-cert-file': f('live.crt'), 'tls-key-file': f('live.key'), 'tls-ca-cert-file': f('both-ca.crt') });
    try {
      const first = await tlsConnect(t.tlsPort, { cert: 'client', ca: 'both-ca' });
      const s1 = serial(first);
      const conn = RawConn.wrap(first);
      assert.equal(await conn.call('CONFIG', 'SET', 'tls-auto-reload-interval', '1'), '+OK\r\n');
      // Half-written: new certificate with the old key. Logged, old context kept.
      copyFileSync(f('srv2.crt'), f('live.crt'));
      await waitFor(() => t.logs.some((l) => /TLS auto-reload: .*does not match the certificate/.test(l)), 5000, 'auto-reload failure logged');
      const mid = await tlsConnect(t.tlsPort, { cert: 'client', ca: 'both-ca' });
      assert.equal(serial(mid), s1);
      mid.destroy();
      copyFileSync(f('srv2.key'), f('live.key'));
      await waitFor(
        async () => {
          const s = await tlsConnect(t.tlsPort, { cert: 'client', ca: 'both-ca' });
          const changed = serial(s) !== s1;
          s.destroy();
          return changed;
        },
        5000,
        'new certificate served',
      );
      assert.equal(await conn.call('PING'), '+PONG\r\n');
      conn.close();
    } finally {
      await t.close();
    }
  });
});

describe('bad TLS input refuses start-up, naming the file and the problem', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['missing certificate', { 'tls-cert-file': f('nope.crt') }, /tls-cert-file .*nope\.crt: cannot read it \(no such file\)/],
    ['key not matching', { 'tls-key-file': f('alice.key') }, /tls-key-file .*alice\.key does not match the certificate in tls-cert-file .*server\.crt/],
    ['expired certificate', { 'tls-cert-file': f('srv-expired.crt'), 'tls-key-file': f('srv-expired.key') }, /srv-expired\.crt: the certificate expired on \d{4}-/],
    ['not yet valid', { 'tls-cert-file': f('srv-future.crt'), 'tls-key-file': f('srv-future.key') }, /srv-future\.crt: the certificate is not valid yet/],
    ['wrong passphrase', { 'tls-key-file': f('server-enc.key'), 'tls-key-file-pass': 'wrong' }, /server-enc\.key: cannot decrypt the private key with tls-key-file-pass/],
    ['missing passphrase', { 'tls-key-file': f('server-enc.key') }, /server-enc\.key: the private key is encrypted and tls-key-file-pass is not set/],
    ['no CA with client auth', { 'tls-ca-cert-file': '' }, /Either tls-ca-cert-file or tls-ca-cert-dir must be specified/],
    ['a file that is no certificate', { 'tls-cert-file': f('server.key') }, /server\.key: not a PEM certificate/],
  ];
  for (const [what, settings, re] of cases) {
    it(what, async () => {
      await assert.rejects(startTls(settings), re);
    });
  }

  it('the right passphrase starts; tls-ca-cert-dir works as the CA source', async () => {
    const caDir = mkdtempSync(path.join(tmpdir(), 'redoubt-cadir-'));
    copyFileSync(f('ca.crt'), path.join(caDir, 'ca.pem'));
    const t = await startTls({ 'tls-key-file': f('server-enc.key'), 'tls-key-file-pass': 'right-pass', 'tls-ca-cert-file': '', 'tls-ca-cert-dir': caDir });
    try {
      (await tlsConn(t.tlsPort)).close();
    } finally {
      await t.close();
      rmSync(caDir, { recursive: true, force: true });
    }
  });

  it('--test-config checks the TLS files too', async () => {
    const conf = f('check.conf');
    writeFileSync(conf, `port 0\ntls-port 6390\ntls-cert-file ${f('server.crt')}\ntls-key-file ${f('alice.key')}\ntls-ca-cert-file ${f('ca.crt')}\n`);
    const bad = await run(['--test-config', conf]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /alice\.key does not match the certificate in tls-cert-file/);
    writeFileSync(conf, `port 0\ntls-port 6390\ntls-cert-file ${f('server.crt')}\ntls-key-file ${f('server.key')}\ntls-ca-cert-file ${f('ca.crt')}\n`);
    const good = await run(['--test-config', conf]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /is OK/);
  });

  it('the redoubt binary refuses to start and says why', async () => {
    const port = await freePort();
    const r = await run(['--port', '0', '--tls-port', String(port), '--tls-cert-file', f('srv-expired.crt'), '--tls-key-file', f('srv-expired.key'), '--tls-ca-cert-file', f('ca.crt')]);
    assert.equal(r.code, 1);
    assert.match(r.stdout + r.stderr, /srv-expired\.crt: the certificate expired on/);
  });
});

describe('allow-from', () => {
  it('refuses peers outside the list before reading a byte, counts and logs them (folded); CONFIG SET changes it', async () => {
    const t = await startServer({ bind: '127.0.0.1 127.0.0.2', 'protected-mode': 'no', 'allow-from': '127.0.0.1 10.0.0.0/8', 'auth-failure-log-interval': '60' });
    try {
      const ok = await RawConn.connect(t.port, '127.0.0.1', '127.0.0.1');
      assert.equal(await ok.call('PING'), '+PONG\r\n');
      for (let i = 0; i < 5; i++) {
        const c = await RawConn.connect(t.port, '127.0.0.1', '127.0.0.2');
        c.send('PING');
        await c.waitClosed();
        assert.equal(c.buffered.length, 0);
      }
      assert.equal(await info(ok, 'allowlist_rejected_connections'), '5');
      assert.equal(t.logs.filter((l) => /Refused connection from 127\.0\.0\.2: not in allow-from \(127\.0\.0\.1 10\.0\.0\.0\/8\)/.test(l)).length, 1);
      assert.equal(await ok.call('CONFIG', 'GET', 'allow-from'), '*2\r\n$10\r\nallow-from\r\n$20\r\n127.0.0.1 10.0.0.0/8\r\n');
      assert.equal(await ok.call('CONFIG', 'SET', 'allow-from', '127.0.0.0/30'), '+OK\r\n');
      const now = await RawConn.connect(t.port, '127.0.0.1', '127.0.0.2');
      assert.equal(await now.call('PING'), '+PONG\r\n');
      now.close();
      assert.equal(
        await ok.call('CONFIG', 'SET', 'allow-from', '127.0.0.1 300.1.1.1'),
        "-ERR CONFIG SET failed (possibly related to argument 'allow-from') - invalid address or CIDR block '300.1.1.1'\r\n",
      );
      assert.match(await ok.call('CONFIG', 'SET', 'allow-from', '10.0.0.0/33'), /invalid address or CIDR block '10\.0\.0\.0\/33'/);
      assert.equal(await ok.call('CONFIG', 'SET', 'allow-from', ''), '+OK\r\n');
      ok.close();
    } finally {
      await t.close();
    }
  });

  it('applies to the TLS port before the handshake, and to IPv6 (::1 allowed or refused)', async (ctx) => {
    const t = await startTls({ bind: '127.0.0.1 127.0.0.2', 'protected-mode': 'no', 'allow-from': '127.0.0.1' });
    try {
      await new Promise<void>((resolve) => {
        const s = net.connect({ port: t.tlsPort, host: '127.0.0.2', localAddress: '127.0.0.2' });
        s.on('error', () => {});
        s.on('close', () => resolve());
      });
      assert.equal(t.server.allowList.rejected, 1);
      (await tlsConn(t.tlsPort)).close();
    } finally {
      await t.close();
    }
    let v6: TestServer;
    try {
      v6 = await startServer({ bind: '::1', 'allow-from': '::1/128' });
    } catch {
      ctx.skip('no IPv6 loopback');
      return;
    }
    try {
      const c = await RawConn.connect(v6.port, '::1');
      assert.equal(await c.call('PING'), '+PONG\r\n');
      assert.equal(await c.call('CONFIG', 'SET', 'allow-from', '2001:db8::/32'), '+OK\r\n');
      const d = await RawConn.connect(v6.port, '::1');
      await d.waitClosed();
      assert.equal(v6.server.allowList.rejected, 1);
      c.close();
    } finally {
      await v6.close();
    }
  });
});

describe('unix socket', () => {
  it('listens on unixsocket with unixsocketperm; CLIENT LIST shows addr=path:0 and flag U as Redis does', async () => {
    const sock = f('redoubt.sock');
    const t = await startServer({ unixsocket: sock, unixsocketperm: '700' });
    try {
      const st = statSync(sock);
      assert.ok(st.isSocket());
      assert.equal(st.mode & 0o777, 0o700);
      const c = RawConn.wrap(await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ path: sock }, () => resolve(s));
        s.once('error', reject);
      }));
      assert.equal(await c.call('PING'), '+PONG\r\n');
      const line = (await c.call('CLIENT', 'LIST')).split('\r\n')[1]!;
      assert.match(line, new RegExp(`^id=\\d+ addr=${sock.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:0 laddr=${sock.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:0 .* flags=U `));
      assert.equal(await c.call('CONFIG', 'SET', 'unixsocketperm', '777'), "-ERR CONFIG SET failed (possibly related to argument 'unixsocketperm') - can't set immutable config\r\n");
      c.close();
    } finally {
      await t.close();
    }
  });
});

describe('TLS session resumption', () => {
  /** Connects twice, the second time offering the first session; returns whether it was resumed. */
  async function resumed(port: number, maxVersion: tls.SecureVersion): Promise<boolean> {
    const once = (session?: Buffer) =>
      new Promise<[Buffer | null, boolean]>((resolve, reject) => {
        let got: Buffer | null = null;
        const s = tls.connect({
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          ca: readFileSync(f('ca.crt')),
          cert: readFileSync(f('client.crt')),
          key: readFileSync(f('client.key')),
          maxVersion,
          ...(session === undefined ? {} : { session }),
        });
        s.on('session', (x: Buffer) => (got = x));
        s.once('error', reject);
        s.once('secureConnect', () => {
          const conn = RawConn.wrap(s);
          // The reply arrives after the session ticket (TLS 1.3 sends it after the handshake).
          void conn.call('PING').then(() => {
            const reused = s.isSessionReused();
            conn.close();
            resolve([got, reused]);
          }, reject);
        });
      });
    const [session] = await once();
    assert.ok(session !== null, 'the server offered a session');
    return (await once(session!))[1];
  }

  for (const caching of ['yes', 'no']) {
    it(`tls-session-caching ${caching}: sessions are ${caching === 'yes' ? '' : 'not '}resumed (TLS 1.2 and 1.3)`, async () => {
      const t = await startTls({ 'tls-session-caching': caching });
      try {
        for (const v of ['TLSv1.2', 'TLSv1.3'] as const) assert.equal(await resumed(t.tlsPort, v), caching === 'yes', v);
      } finally {
        await t.close();
      }
    });
  }

  it('the session cache keeps at most tls-session-cache-size entries, each for tls-session-cache-timeout seconds', () => {
    const c = new SessionCache(2, 10);
    c.put(Buffer.from('a'), Buffer.from('1'), 0);
    c.put(Buffer.from('b'), Buffer.from('2'), 0);
    c.put(Buffer.from('c'), Buffer.from('3'), 0);
    assert.equal(c.count, 2);
    assert.equal(c.get(Buffer.from('a'), 1), null);
    assert.equal(c.get(Buffer.from('c'), 1)?.toString(), '3');
    assert.equal(c.get(Buffer.from('c'), 10_000), null);
  });
});
