// DEBUG: refused unless enable-debug-command allows it; DIGEST and DIGEST-VALUE equal redis-server's
// for the same dataset (streams included); SLEEP, SET-ACTIVE-EXPIRE, PAUSE-CRON, LOG, ERROR;
// QUICKLIST-PACKED-THRESHOLD (plain list nodes in DUMP payloads) and LISTPACK (the structure
// printed) as redis-server's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../src/store/clock.js';
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
      ['XADD', 'st', '1-1', 'a', '1', 'b', '2'],
      ['XADD', 'st', '2-5', 'a', 'x'],
      ['XADD', 'st', '18446744073709551615-0', 'long', '\x00\xff'],
      ['XGROUP', 'CREATE', 'st', 'g', '0'],
      ['SELECT', '3'],
      ['SET', 's', 'other db'],
      ['SELECT', '0'],
      ['DEBUG', 'DIGEST'],
      ['DEBUG', 'DIGEST-VALUE', 's', 'n', 'bin', 'l', 'lbig', 'iset', 'set', 'sbig', 'z', 'zbig', 'h', 'hbig', 'ttl', 'st', 'missing'],
      ['DEBUG', 'DIGEST-VALUE'],
      ['PERSIST', 'ttl'],
      ['DEBUG', 'DIGEST-VALUE', 'ttl'],
      ['DEBUG', 'DIGEST'],
    ]);
  });

  it('RELOAD and LOADAOF empty the dataset as a flush: WATCH fails, tracking clients get a flush invalidation', async () => {
    const seen: string[][] = [];
    for (const port of [p.t!.port, p.ref!.port]) {
      const [a, b, w] = [await RawConn.connect(port), await RawConn.connect(port), await RawConn.connect(port)];
      const got: string[] = [];
      try {
        await b.call('SET', 'k', 'v');
        await b.call('SAVE');
        await a.call('HELLO', '3');
        await a.call('CLIENT', 'TRACKING', 'ON');
        await a.call('GET', 'k');
        await w.call('WATCH', 'k');
        await w.call('MULTI');
        await w.call('PING');
        got.push(await b.call('DEBUG', 'RELOAD'), await w.call('EXEC'), await a.call('PING'), await a.call('PING'));
        await a.call('GET', 'k');
        assert.equal(await b.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
        await waitFor(async () => /aof_rewrite_in_progress:0[\s\S]*aof_rewrite_scheduled:0/.test(await b.call('INFO', 'persistence')), 5000, 'the first rewrite');
        await w.call('WATCH', 'k');
        await w.call('MULTI');
        await w.call('PING');
        got.push(await b.call('DEBUG', 'LOADAOF'), await w.call('EXEC'), await a.call('PING'), await a.call('PING'));
        assert.equal(await b.call('CONFIG', 'SET', 'appendonly', 'no'), '+OK\r\n');
      } finally {
        for (const c of [a, b, w]) c.close();
      }
      seen.push(got);
    }
    assert.deepEqual(seen[0], seen[1]);
    assert.deepEqual(seen[0]!.slice(0, 3), ['+OK\r\n', '*-1\r\n', '>2\r\n$10\r\ninvalidate\r\n_\r\n']);
  });

  it('POPULATE makes the keys and values Redis makes (prefix, size, existing keys kept, errors)', async () => {
    await sameReplies(p.a!, p.b!, [
      ['FLUSHALL'],
      ['SET', 'key:2', 'mine'],
      ['DEBUG', 'POPULATE', '4'],
      ['DBSIZE'],
      ['MGET', 'key:0', 'key:2', 'key:3', 'key:4'],
      ['DEBUG', 'POPULATE', '3', 'pad', '10'],
      ['GET', 'pad:2'],
      ['DEBUG', 'POPULATE', '2', 'cut', '3'],
      ['GET', 'cut:1'],
      ['DEBUG', 'POPULATE', '1', 'big', '100'],
      ['STRLEN', 'big:0'],
      ['OBJECT', 'ENCODING', 'big:0'],
      ['OBJECT', 'ENCODING', 'key:1'],
      ['DEBUG', 'POPULATE', '1', 'zero', '0'],
      ['GET', 'zero:0'],
      ['DEBUG', 'POPULATE', '0'],
      ['DEBUG', 'POPULATE', '-1'],
      ['DEBUG', 'POPULATE', 'abc'],
      ['DEBUG', 'POPULATE', '1', 'x', '-5'],
      ['DEBUG', 'POPULATE'],
      ['DEBUG', 'POPULATE', '1', 'x', '1', 'extra'],
      ['DBSIZE'],
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

  it('QUICKLIST-PACKED-THRESHOLD replies as Redis and decides which list elements DUMP writes as plain nodes', async () => {
    const a = p.a!;
    const b = p.b!;
    await sameReplies(a, b, [
      ['FLUSHALL'],
      ...['1b', '1B', '0b', '', '100', '1k', '3gb', '4293918720'].map((v) => ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', v]),
      ...['4293918721', '4gb', '5gb', 'abc', '-1', '+1', ' 1', '1.5k', '1 '].map((v) => ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', v]),
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1', '2'],
      // Elements of 5 bytes and more are plain nodes; the packed ones around them split there.
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '5b'],
      ['RPUSH', 'l', 'aa', 'bbbb', 'ccccc', 'dd', 'eeeeeeeeee', 'f', 'g\xff\x00hij', 'k'],
      ['DUMP', 'l'],
      // Plain nodes as RDB strings: integers encoded (LZF output is compared by loading below:
      // compressors may choose other matches).
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1b'],
      ['RPUSH', 'n', '12345', '-7', '4294967296', 'x'.repeat(100), 'y'],
      ['CONFIG', 'SET', 'rdbcompression', 'no'],
      ['DUMP', 'n'],
      ['CONFIG', 'SET', 'rdbcompression', 'yes'],
      // Count-limited nodes: a plain node closes the packed node before it.
      ['CONFIG', 'SET', 'list-max-listpack-size', '2'],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '3b'],
      ['RPUSH', 'c', 'a', 'b', 'c', 'ddd', 'e', 'ff', 'g', 'hhhh', 'iiii', 'j', 'kkk', 'lll', 'mmm'],
      ['DUMP', 'c'],
      ['LRANGE', 'c', '0', '-1'],
    ]);
    // DEBUG OBJECT's serializedlength follows the threshold as the payload does (compared under
    // the settings the list was built with: Redis lays nodes out as elements arrive).
    const serialized = async (c: RawConn, key: string): Promise<string> => /serializedlength:(\d+)/.exec(await c.call('DEBUG', 'OBJECT', key))?.[1] ?? 'none';
    const withPlain = await serialized(a, 'c');
    assert.equal(withPlain, await serialized(b, 'c'));
    await sameReplies(a, b, [
      // 0 restores the default: everything packed again.
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0'],
      ['RPUSH', 'c2', 'a', 'b', 'c', 'ddd', 'e', 'ff', 'g', 'hhhh', 'iiii', 'j', 'kkk', 'lll', 'mmm'],
      ['DUMP', 'c2'],
    ]);
    const packed = await serialized(a, 'c2');
    assert.equal(packed, await serialized(b, 'c2'));
    assert.notEqual(withPlain, packed, 'plain nodes change the serialized length');
    await sameReplies(a, b, [['CONFIG', 'SET', 'list-max-listpack-size', '-2']]);
    // Payloads with plain nodes (LZF-compressed ones too) load both ways.
    await sameReplies(a, b, [['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1b'], ['RPUSH', 'r', 'one', '2', 'three', 'x'.repeat(40)]]);
    const payloadOf = (reply: string): Buffer => Buffer.from(reply.slice(reply.indexOf('\r\n') + 2, -2), 'latin1');
    const theirs = payloadOf(await b.call('DUMP', 'r'));
    const ours = payloadOf(await a.call('DUMP', 'r'));
    for (const pl of [theirs, ours]) {
      assert.equal(pl[0], 18, 'QUICKLIST_2');
      assert.equal(pl[1], 4, 'four nodes');
      assert.equal(pl[2], 1, 'the first node is plain');
    }
    assert.equal(await a.call('RESTORE', 'from-redis', '0', theirs), '+OK\r\n');
    assert.equal(await b.call('RESTORE', 'from-redoubt', '0', ours), '+OK\r\n');
    await sameReplies(a, b, [['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0']]);
    const want = await b.call('LRANGE', 'r', '0', '-1');
    assert.equal(await a.call('LRANGE', 'from-redis', '0', '-1'), want);
    assert.equal(await b.call('LRANGE', 'from-redoubt', '0', '-1'), want);
  });
});

describe('DEBUG LISTPACK against redis-server', { skip: !haveRedis() && 'redis-server not installed' }, () => {
  it('replies as Redis and prints the structure Redis prints (addresses aside)', async () => {
    // This redis-server's standard output is read: it flushes it when it exits.
    const ref = await startRedis();
    const t = await startServer({ 'enable-debug-command': 'yes' });
    let a: RawConn | undefined;
    let b: RawConn | undefined;
    try {
      a = await RawConn.connect(t.port);
      b = await RawConn.connect(ref.port);
      await sameReplies(a, b, [
        ['CONFIG', 'SET', 'hash-max-listpack-value', '100000'],
        ['HSET', 'h', 'a', '-5', 'b', '1000', 'c', 'x'.repeat(70), 'd', '40000', 'e', '-300', 'f', '3000000000', 'g', 'y'.repeat(5000), 'h', '\x00\xff'],
        ['ZADD', 'z', '1.5', 'm', '2', 'n', '-inf', 'o', '0.1', 'p'],
        ['DEBUG', 'LISTPACK', 'h'],
        ['DEBUG', 'LISTPACK', 'z'],
        ['RPUSH', 'l', 'a'],
        ['SET', 's', 'v'],
        ['HSET', 'big', 'f', 'v'.repeat(200000)],
        ['DEBUG', 'LISTPACK', 'l'],
        ['DEBUG', 'LISTPACK', 's'],
        ['DEBUG', 'LISTPACK', 'big'],
        ['DEBUG', 'LISTPACK', 'missing'],
        ['DEBUG', 'LISTPACK'],
        ['DEBUG', 'LISTPACK', 'h', 'x'],
      ]);
      b.send('SHUTDOWN', 'NOSAVE');
      await waitFor(() => ref.proc.exitCode !== null, 10000, 'redis-server to exit (flushing its standard output)');
      await ref.closed;
      const structures = (text: string): string[] => [...text.replace(/\taddr: 0x[0-9a-f]+,\n/g, '').matchAll(/\{total bytes[^]*?\{end\}\n/g)].map((m) => m[0]);
      const theirs = structures(ref.output());
      assert.equal(theirs.length, 2, 'redis-server printed two listpacks');
      assert.deepEqual(structures(t.logs.join('\n') + '\n'), theirs);
    } finally {
      a?.close();
      b?.close();
      await ref.close();
      await t.close();
    }
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
      // Cron runs a few cycles: the key stays in memory (nobody touches it).
      const cycles = t.server.stats.commands;
      assert.equal(await c.call('PING'), '+PONG\r\n');
      for (let i = 0; i < 5; i++) t.server.cron();
      assert.equal(db.data.has('k'), true, 'active expiry is off');
      assert.ok(t.server.stats.commands > cycles);
      assert.equal(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), '+OK\r\n');
      await waitFor(() => !db.data.has('k'), 2000, 'active expiry to remove the key');
    } finally {
      c.close();
      await t.close();
    }
  });

  it('PAUSE-CRON 1 stops the periodic tasks until PAUSE-CRON 0', async () => {
    const clock = new ManualClock();
    const t = await startServer({ 'enable-debug-command': 'yes' }, clock);
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(await c.call('DEBUG', 'PAUSE-CRON', '1'), '+OK\r\n');
      assert.equal(await c.call('SET', 'k', 'v', 'PX', '10'), '+OK\r\n');
      clock.advance(100);
      const db = t.server.ks.dbs[0]!;
      for (let i = 0; i < 5; i++) t.server.cron();
      assert.equal(db.data.has('k'), true, 'no active expiry while the cron is paused');
      assert.equal(await c.call('DEBUG', 'PAUSE-CRON', '0'), '+OK\r\n');
      t.server.cron();
      assert.equal(db.data.has('k'), false, 'the cron expires the key again');
    } finally {
      c.close();
      await t.close();
    }
  });
});
