// The embedding API (src/embed): servers started in this process, side by side, with real clients.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import net from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer, startHardenedServer } from '../src/embed/index.js';
import { RawConn, waitFor } from './helpers.js';


describe('startServer', () => {
  it('starts servers side by side that share nothing: data, users, config', async () => {
    const a = await startServer();
    const b = await startServer({ config: { 'maxmemory-policy': 'allkeys-lru', user: ['app on >pw ~app:* +@all'], databases: 4 } });
    try {
      assert.equal(a.host, '127.0.0.1');
      assert.notEqual(a.port, b.port);
      assert.equal(a.url, `redis://127.0.0.1:${a.port}`);
      assert.equal(a.tlsPort, null);
      const ra = new Redis(a.url);
      const rb = new Redis(b.url, { username: 'app', password: 'pw' });
      try {
        await ra.set('app:k', 'from a');
        await rb.set('app:k', 'from b');
        assert.equal(await ra.get('app:k'), 'from a');
        assert.equal(await rb.get('app:k'), 'from b');
        assert.deepEqual(await ra.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
        assert.deepEqual(await rb.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'allkeys-lru']);
        assert.deepEqual(await ra.config('GET', 'databases'), ['databases', '16']);
        // The user exists on b only; the port each server reports is the one it listens on.
        const raw = await RawConn.connect(a.port);
        assert.match(await raw.call('AUTH', 'app', 'pw'), /^-WRONGPASS/);
        raw.close();
        assert.deepEqual(await ra.config('GET', 'port'), ['port', String(a.port)]);
        await assert.rejects(rb.set('other', 'x'), /NOPERM/);
      } finally {
        ra.disconnect();
        rb.disconnect();
      }
    } finally {
      await a.stop();
      await b.stop();
    }
    // The temporary directories are gone; stop() again is harmless.
    assert.ok(!existsSync(a.dir) && !existsSync(b.dir));
    await a.stop();
  });

  it('stops with await using, and SHUTDOWN from a client ends the server, not the host process', async () => {
    let dir = '';
    {
      await using s = await startServer();
      dir = s.dir;
      const c = await RawConn.connect(s.port);
      assert.equal(await c.call('PING'), '+PONG\r\n');
      c.close();
    }
    assert.ok(!existsSync(dir), 'asyncDispose stopped the server and removed its dir');
    const s = await startServer();
    const c = await RawConn.connect(s.port);
    c.write('*1\r\n$8\r\nSHUTDOWN\r\n');
    await waitFor(() => c.closed, 5000, 'the connection closed by SHUTDOWN');
    await waitFor(() => !existsSync(s.dir), 5000, 'the dir removed after SHUTDOWN');
    await assert.rejects(RawConn.connect(s.port), /ECONNREFUSED/);
    await s.stop();
  });

  it('an AOF write failing with appendfsync always stops that server, not the host process', async () => {
    const s = await startServer({ config: { appendonly: 'yes', appendfsync: 'always' } });
    const c = await RawConn.connect(s.port);
    assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
    // The failure as the AOF writer meets it (a full disk, an I/O error).
    (s.server.aof as unknown as { writeFailed(e: Error): void }).writeFailed(new Error('ENOSPC: no space left on device'));
    await waitFor(() => c.closed, 5000, 'the client dropped');
    await waitFor(() => !existsSync(s.dir), 5000, 'the server stopped and its dir removed');
    await assert.rejects(RawConn.connect(s.port), /ECONNREFUSED/);
    await s.stop();
  });

  it('takes a dir whose path has double spaces, quotes and backslashes', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'redoubt-embedpath-'));
    const dir = path.join(parent, 'a  b "c" \\d');
    mkdirSync(dir);
    const s = await startServer({ dir });
    try {
      assert.equal(s.dir, dir);
      const c = await RawConn.connect(s.port);
      try {
        assert.equal(await c.call('CONFIG', 'GET', 'dir'), `*2\r\n$3\r\ndir\r\n$${Buffer.byteLength(dir)}\r\n${dir}\r\n`);
      } finally {
        c.close();
      }
    } finally {
      await s.stop();
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('refuses a bad config or a port in use with the reason, and leaves nothing behind', async (t) => {
    // A temporary directory of this test's own (os.tmpdir() follows TMPDIR): the directories other
    // test files make meanwhile are not counted.
    const savedTmp = process.env.TMPDIR;
    const privateTmp = mkdtempSync(path.join(tmpdir(), 'redoubt-embedtmp-'));
    process.env.TMPDIR = privateTmp;
    t.after(() => {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
      rmSync(privateTmp, { recursive: true, force: true });
    });
    const before = readdirSync(privateTmp).length;
    await assert.rejects(startServer({ config: { 'maxmemory-policy': 'sometimes' } }), /refused its configuration[\s\S]*maxmemory-policy/);
    await assert.rejects(startServer({ config: { 'no-such-directive': 1 } }), /Bad directive or wrong number of arguments/);
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      await assert.rejects(startServer({ port: taken }), /did not start[\s\S]*EADDRINUSE/);
    } finally {
      blocker.close();
    }
    assert.equal(readdirSync(privateTmp).length, before, 'no temporary dir left behind');
  });

  it('reads a config file, keeps a given dir and saves to it on stop when save points are set', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'embed-own-'));
    try {
      const conf = path.join(dir, 'redis.conf');
      writeFileSync(conf, 'save 3600 1\nmaxmemory 10mb\nuser app on >pw ~* +@all\n');
      const lines: string[] = [];
      const s = await startServer({ configFile: conf, dir, logger: (l) => lines.push(l), logLevel: 'notice' });
      const r = new Redis(s.url, { username: 'app', password: 'pw' });
      await r.set('kept', 'across restarts');
      assert.deepEqual(await r.config('GET', 'maxmemory'), ['maxmemory', String(10 * 1024 * 1024)]);
      r.disconnect();
      await s.stop();
      assert.ok(existsSync(path.join(dir, 'dump.rdb')), 'the final save wrote dump.rdb');
      assert.ok(lines.some((l) => l.includes('Saving the final RDB snapshot')), 'the logger received the log lines');
      const again = await startServer({ configFile: conf, dir });
      const r2 = new Redis(again.url, { username: 'app', password: 'pw' });
      assert.equal(await r2.get('kept'), 'across restarts');
      r2.disconnect();
      await again.stop();
      assert.ok(existsSync(dir), 'a dir the caller gave is kept');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tls: true makes throw-away certificates; clients need the CA and a client certificate', async () => {
    const s = await startServer({ tls: true });
    try {
      assert.equal(s.url, `rediss://127.0.0.1:${s.port}`);
      assert.equal(s.tlsPort, s.port);
      const ct = s.clientTls!;
      const r = new Redis({ host: s.host, port: s.port, tls: { ...ct, servername: 'localhost' } });
      assert.equal(await r.ping(), 'PONG');
      r.disconnect();
      // No client certificate: the handshake fails (tls-auth-clients yes).
      await assert.rejects(
        new Promise((resolve, reject) => {
          const sock = tls.connect({ host: s.host, port: s.port, ca: ct.ca, servername: 'localhost' }, () => {
            sock.write('PING\r\n');
          });
          sock.on('data', resolve);
          sock.on('error', reject);
          sock.on('close', () => reject(new Error('closed without a reply')));
        }),
      );
    } finally {
      await s.stop();
    }
  });
});

describe('startHardenedServer', () => {
  it("the guide's blueprint: mutual TLS only, default user off, an app user without @dangerous, an admin user (ioredis and node-redis)", async () => {
    const s = await startHardenedServer({ keys: ['cache:*'] });
    try {
      assert.match(s.url, /^rediss:\/\//);
      const app = new Redis(s.ioredisOptions());
      const admin = new Redis(s.ioredisOptions(s.admin));
      try {
        await app.set('cache:1', 'v');
        assert.equal(await app.get('cache:1'), 'v');
        await assert.rejects(app.set('other', 'v'), /NOPERM/);
        await assert.rejects(app.flushall(), /NOPERM/);
        await assert.rejects(app.keys('*'), /NOPERM/);
        assert.equal(await admin.flushall(), 'OK');
        assert.equal(await app.get('cache:1'), null);
        // The default user is off: an unauthenticated client gets NOAUTH; AUTH as default fails.
        const sock = await new Promise<tls.TLSSocket>((resolve, reject) => {
          const t = tls.connect({ host: s.host, port: s.port, ...s.clientTls, servername: 'localhost' }, () => resolve(t));
          t.once('error', reject);
        });
        const anon = RawConn.wrap(sock);
        assert.match(await anon.call('GET', 'cache:1'), /^-NOAUTH/);
        assert.match(await anon.call('AUTH', 'default', ''), /^-WRONGPASS/);
        anon.close();
      } finally {
        app.disconnect();
        admin.disconnect();
      }
      const nr = createClient(s.nodeRedisOptions());
      await nr.connect();
      try {
        await nr.hSet('cache:h', { a: '1' });
        assert.deepEqual(await nr.hGetAll('cache:h'), { a: '1' });
        await assert.rejects(nr.sendCommand(['CONFIG', 'GET', 'port']), /NOPERM/);
      } finally {
        await nr.quit();
      }
      // Plain TCP is closed.
      const admin2 = new Redis(s.ioredisOptions(s.admin));
      assert.deepEqual(await admin2.config('GET', 'port'), ['port', '0']);
      admin2.disconnect();
    } finally {
      await s.stop();
    }
  });
});
