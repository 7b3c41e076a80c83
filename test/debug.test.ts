// DEBUG: refused unless enable-debug-command allows it; DIGEST and DIGEST-VALUE equal redis-server's
// for the same dataset; SLEEP, SET-ACTIVE-EXPIRE, LOG, ERROR.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, closePair, haveRedis, sameReplies, startRedis, startServer, waitFor, type Pair } from './helpers.js';

describe('DEBUG against redis-server', { skip: !haveRedis() && 'redis-server not installed' }, () => {
  const p: Partial<Pair> = {};
  before(async () => {
    p.t = await startServer({ 'enable-debug-command': 'yes' });
    p.ref = await startRedis();
    p.a = await RawConn.connect(p.t.port);
    p.b = await RawConn.connect(p.ref.port);
  });
  after(() => closePair(p));

  it('DIGEST and DIGEST-VALUE match for every type, encodings, TTLs and several databases', async () => {
    const big = Array.from({ length: 300 }, (_, i) => String(i));
    await sameReplies(p.a!, p.b!, [
      ['FLUSHALL'],
      ['DEBUG', 'DIGEST'],
      ['SET', 's', 'hello'],
      ['SET', 'n', '12345'],
      ['SET', 'bin', 'a\x00b\xffc'],
      ['RPUSH', 'l', 'a', 'b', '3', 'c'],
      ['RPUSH', 'lbig', ...big],
      ['SADD', 'iset', '3', '1', '2', '-7'],
      ['SADD', 'set', 'x', 'y', 'z'],
      ['SADD', 'sbig', ...big.map((x) => 'm' + x)],
      ['ZADD', 'z', '1', 'a', '2.5', 'b', 'inf', 'c', '-inf', 'd', '0', '007'],
      ['ZADD', 'zbig', ...big.flatMap((x) => [x, 'e' + x])],
      ['ZADD', 'zbig', '-0', 'negzero', '1e300', 'huge', '0.1', 'tenth'],
      ['HSET', 'h', 'f1', 'v1', 'f2', '2'],
      ['HSET', 'hbig', ...big.flatMap((x) => ['f' + x, 'v' + x])],
      ['SET', 'ttl', 'v', 'EX', '1000'],
      ['SELECT', '3'],
      ['SET', 's', 'other db'],
      ['SELECT', '0'],
      ['DEBUG', 'DIGEST'],
      ['DEBUG', 'DIGEST-VALUE', 's', 'n', 'bin', 'l', 'lbig', 'iset', 'set', 'sbig', 'z', 'zbig', 'h', 'hbig', 'ttl', 'missing'],
      ['DEBUG', 'DIGEST-VALUE'],
      ['PERSIST', 'ttl'],
      ['DEBUG', 'DIGEST-VALUE', 'ttl'],
      ['DEBUG', 'DIGEST'],
    ]);
  });

  it('LOG, ERROR, SET-ACTIVE-EXPIRE and errors reply as Redis', async () => {
    await sameReplies(p.a!, p.b!, [
      ['DEBUG', 'LOG', 'hello'],
      ['DEBUG', 'ERROR', 'something bad'],
      ['DEBUG', 'ERROR', '-CUSTOM code'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
      ['DEBUG', 'SLEEP'],
      ['DEBUG', 'NOSUCH'],
      ['DEBUG', 'DIGEST', 'x'],
    ]);
  });
});

describe('DEBUG in Redoubt', () => {
  it('is refused unless enable-debug-command allows it', async () => {
    const t = await startServer();
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(
        await c.call('DEBUG', 'DIGEST'),
        '-ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n',
      );
    } finally {
      c.close();
      await t.close();
    }
    const local = await startServer({ 'enable-debug-command': 'local' });
    const l = await RawConn.connect(local.port);
    try {
      assert.equal(await l.call('DEBUG', 'DIGEST'), '+0000000000000000000000000000000000000000\r\n', 'loopback is local');
    } finally {
      l.close();
      await local.close();
    }
  });

  it('SLEEP stops the server; SET-ACTIVE-EXPIRE 0 stops active expiry', async () => {
    const t = await startServer({ 'enable-debug-command': 'yes', hz: '100' });
    const c = await RawConn.connect(t.port);
    try {
      const t0 = performance.now();
      assert.equal(await c.call('DEBUG', 'SLEEP', '0.2'), '+OK\r\n');
      assert.ok(performance.now() - t0 >= 190, 'the reply came after the sleep');
      assert.equal(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), '+OK\r\n');
      assert.equal(await c.call('SET', 'k', 'v', 'PX', '1'), '+OK\r\n');
      const db = t.server.ks.dbs[0]!;
      await waitFor(() => db.isExpired('k'), 2000, 'the key to pass its time');
      // Give cron a few cycles: the key stays in memory (nobody touches it).
      const cycles = t.server.stats.commands;
      await c.call('DEBUG', 'SLEEP', '0.05');
      await new Promise((r) => setImmediate(r));
      t.server.cron();
      assert.equal(db.data.has('k'), true, 'active expiry is off');
      assert.ok(t.server.stats.commands > cycles);
      assert.equal(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), '+OK\r\n');
      await waitFor(() => !db.data.has('k'), 2000, 'active expiry to remove the key');
    } finally {
      c.close();
      await t.close();
    }
  });
});
