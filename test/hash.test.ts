// Hash commands: differential tests against redis-server 7.0.15 (identical reply bytes; replies
// whose order Redis leaves to its hash table are compared sorted), write counting, keyspace
// notifications and WATCH, encodings, and unit tests of the value type (index chaining past
// the Map limit, SCAN over a big hash).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, bulkStrings, differentialPair, haveRedis, infoField, replyItems, sameReplies, sortedReply, type DiffCmd, type Normalized } from './helpers.js';
import { HashValue } from '../src/store/types/hash.js';
import { parseNotifyFlags } from '../src/server/events.js';

type Cmd = (string | Buffer)[];

/** A command whose reply is compared after sorting its elements (groups of `n`: 2 for field/value pairs). */
const unordered = (n: number, cmd: Cmd): Normalized => ({ cmd, normalize: (r) => sortedReply(r, n) });

const HAVE_REDIS = haveRedis();

describe('hash commands vs redis-server', { skip: HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped' }, () => {
  const pair = differentialPair();

  /** Sends every command to both servers and requires identical reply bytes (sorted where asked). */
  const same = (cmds: DiffCmd[]): Promise<string[]> => sameReplies(pair.a, pair.b, cmds);
  const redisDirty = async (): Promise<number> => Number(await infoField(pair.b, 'rdb_changes_since_last_save', 'persistence'));

  test('HSET HGET HMGET HMSET HSETNX HDEL HEXISTS HLEN HSTRLEN: replies, errors, wrong type', async () => {
    const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await same([
      ['DEL', 'h', 'str', 'h2'],
      ['HSET', 'h', 'a', '1', 'b', '2', 'c'],
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['HSET', 'h', 'c', '3', 'a', '10', 'a', '11'],
      ['HGETALL', 'h'],
      ['HMSET', 'h', 'x', 'y'],
      ['HMSET', 'h', 'x'],
      ['HSETNX', 'h', 'x', 'z'],
      ['HSETNX', 'h', 'new', 'z'],
      ['HSETNX', 'h2', 'f', 'v'],
      ['HGET', 'h', 'a'],
      ['HGET', 'h', 'missing'],
      ['HGET', 'nokey', 'a'],
      ['HMGET', 'h', 'a', 'missing', 'b'],
      ['HMGET', 'nokey', 'a', 'b'],
      ['HDEL', 'h', 'a', 'missing', 'a'],
      ['HDEL', 'nokey', 'a'],
      ['HEXISTS', 'h', 'a'],
      ['HEXISTS', 'h', 'b'],
      ['HEXISTS', 'nokey', 'b'],
      ['HLEN', 'h'],
      ['HLEN', 'nokey'],
      ['HSTRLEN', 'h', 'b'],
      ['HSTRLEN', 'h', 'missing'],
      ['HSTRLEN', 'nokey', 'x'],
      ['HSET', 'h', bin, bin, '', ''],
      ['HGET', 'h', bin],
      ['HGET', 'h', ''],
      ['HSTRLEN', 'h', bin],
      // The 256-byte value made the hash a hashtable: its order is Redis's own.
      unordered(1, ['HKEYS', 'h']),
      unordered(1, ['HVALS', 'h']),
      unordered(2, ['HGETALL', 'h']),
      ['HGETALL', 'nokey'],
      ['HKEYS', 'nokey'],
      ['HVALS', 'nokey'],
      ['HDEL', 'h2', 'f'],
      ['EXISTS', 'h2'],
      ['HSET', 'h2', 'a', '1', 'b', '2'],
      ['HDEL', 'h2', 'a', 'b', 'c'],
      ['EXISTS', 'h2'],
      ['SET', 'str', 'v'],
      ['HSET', 'str', 'a', 'b'],
      ['HSET', 'str', 'a'],
      ['HMSET', 'str', 'a', 'b'],
      ['HSETNX', 'str', 'a', 'b'],
      ['HGET', 'str', 'a'],
      ['HMGET', 'str', 'a'],
      ['HDEL', 'str', 'a'],
      ['HEXISTS', 'str', 'a'],
      ['HLEN', 'str'],
      ['HSTRLEN', 'str', 'a'],
      ['HKEYS', 'str'],
      ['HVALS', 'str'],
      ['HGETALL', 'str'],
      ['HINCRBY', 'str', 'a', '1'],
      ['HINCRBYFLOAT', 'str', 'a', '1'],
      ['HRANDFIELD', 'str'],
      ['HRANDFIELD', 'str', '2'],
      ['HSCAN', 'str', '0'],
      ['GET', 'str'],
      ['HSET', 'h'],
      ['HGET', 'h'],
      ['hset', 'h', 'lower', 'case'],
      ['HGET', 'h', 'lower'],
    ]);
  });

  test('RESP3 shapes: HGETALL is a map, HKEYS/HVALS/HMGET arrays, nulls', async () => {
    await pair.a.call('HELLO', '3');
    await pair.b.call('HELLO', '3');
    try {
      await same([
        ['DEL', 'h3'],
        ['HSET', 'h3', 'f1', 'v1', 'f2', 'v2'],
        ['HGETALL', 'h3'],
        ['HGETALL', 'nokey'],
        ['HKEYS', 'h3'],
        ['HVALS', 'h3'],
        ['HMGET', 'h3', 'f1', 'nope'],
        ['HGET', 'h3', 'nope'],
        ['HRANDFIELD', 'nokey'],
        ['HRANDFIELD', 'nokey', '2'],
        ['HRANDFIELD', 'nokey', '2', 'WITHVALUES'],
        ['HRANDFIELD', 'h3', '5', 'WITHVALUES'],
        ['HRANDFIELD', 'h3', '5'],
        ['HRANDFIELD', 'h3', '0', 'WITHVALUES'],
        ['HSCAN', 'h3', '0'],
        ['HSCAN', 'nokey', '0'],
        ['HINCRBYFLOAT', 'h3', 'fl', '1.5'],
      ]);
      // Negative counts: pairs as 2-element arrays.
      const r = await pair.a.call('HRANDFIELD', 'h3', '-5', 'WITHVALUES');
      const { head, items: it } = replyItems(r);
      assert.equal(head, '*5\r\n');
      for (const x of it) assert.match(x, /^\*2\r\n\$2\r\nf[12]\r\n\$2\r\nv[12]\r\n$|^\*2\r\n\$2\r\nfl\r\n\$3\r\n1\.5\r\n$/);
    } finally {
      await pair.a.call('HELLO', '2');
      await pair.b.call('HELLO', '2');
    }
  });

  test('HINCRBY and HINCRBYFLOAT: 64-bit limits, float formatting, errors', async () => {
    await same([
      ['DEL', 'hi'],
      ['HINCRBY', 'hi', 'n', '5'],
      ['HINCRBY', 'hi', 'n', '-10'],
      ['HINCRBY', 'hi', 'n', 'abc'],
      ['HINCRBY', 'hi', 'n', '1.5'],
      ['HINCRBY', 'hi', 'n', ' 1'],
      ['HINCRBY', 'hi', 'big', '9223372036854775807'],
      ['HINCRBY', 'hi', 'big', '1'],
      ['HINCRBY', 'hi', 'big', '-9223372036854775808'],
      ['HINCRBY', 'hi', 'big', '-1'],
      ['HINCRBY', 'hi', 'big', '-9223372036854775808'],
      ['HINCRBY', 'hi', 'big', '9223372036854775808'],
      ['HSET', 'hi', 's', 'text', 'sp', ' 1', 'fl', '1.5', 'huge', '12345678901234567890'],
      ['HINCRBY', 'hi', 's', '1'],
      ['HINCRBY', 'hi', 'sp', '1'],
      ['HINCRBY', 'hi', 'fl', '1'],
      ['HINCRBY', 'hi', 'huge', '1'],
      ['HINCRBYFLOAT', 'hi', 'f', '1.5'],
      ['HINCRBYFLOAT', 'hi', 'f', '0.1'],
      ['HINCRBYFLOAT', 'hi', 'f', '-1.6'],
      ['HINCRBYFLOAT', 'hi', 'f', '1e10'],
      ['HINCRBYFLOAT', 'hi', 'f', '3.0e3'],
      ['HINCRBYFLOAT', 'hi', 'f', 'abc'],
      ['HINCRBYFLOAT', 'hi', 'f', 'inf'],
      ['HINCRBYFLOAT', 'hi', 'f', '-inf'],
      ['HINCRBYFLOAT', 'hi', 'f', 'nan'],
      ['HINCRBYFLOAT', 'hi', 'f', ''],
      ['HINCRBYFLOAT', 'hi', 'f', ' 1'],
      ['HINCRBYFLOAT', 'hi', 'f', '0x10'],
      ['HINCRBYFLOAT', 'hi', 's', '1'],
      ['HINCRBYFLOAT', 'hi', 's', 'abc'],
      ['HINCRBYFLOAT', 'hi', 'n', '0.5'],
      ['HINCRBYFLOAT', 'hi', 'big', '1'],
      ['HINCRBYFLOAT', 'hi', 'x', '1e4000'],
      ['HINCRBYFLOAT', 'hi', 'x', '1e4000'],
      ['HINCRBYFLOAT', 'hi', 'y', '1.18e4932'],
      ['HINCRBYFLOAT', 'hi', 'y', '1.18e4932'],
      ['HINCRBYFLOAT', 'hi', 'z', '5.0e-3'],
      ['HINCRBYFLOAT', 'hi', 'z', '-5.0e-3'],
      ['HGET', 'hi', 'z'],
      ['HINCRBYFLOAT', 'nokey_f', 'a', '3.0'],
      ['HGETALL', 'nokey_f'],
      ['DEL', 'nokey_f'],
    ]);
  });

  test('HRANDFIELD: argument errors, count limits, whole hash in order, empty replies', async () => {
    await same([
      ['DEL', 'hr'],
      ['HSET', 'hr', 'a', '1', 'b', '2', 'c', '3', 'd', '4'],
      ['HRANDFIELD', 'nokey'],
      ['HRANDFIELD', 'nokey', '3'],
      ['HRANDFIELD', 'nokey', '-3'],
      ['HRANDFIELD', 'nokey', '3', 'WITHVALUES'],
      ['HRANDFIELD', 'nokey', '3', 'foo'],
      ['HRANDFIELD', 'nokey', 'x'],
      ['HRANDFIELD', 'hr', '3', 'foo'],
      ['HRANDFIELD', 'hr', '3', 'WITHVALUES', 'foo'],
      ['HRANDFIELD', 'hr', 'abc'],
      ['HRANDFIELD', 'hr', '1.5'],
      ['HRANDFIELD', 'hr', '-9223372036854775808'],
      ['HRANDFIELD', 'hr', '-9223372036854775808', 'WITHVALUES'],
      ['HRANDFIELD', 'hr', '-9223372036854770000', 'WITHVALUES'],
      ['HRANDFIELD', 'hr', '4611686018427387904', 'WITHVALUES'],
      ['HRANDFIELD', 'hr', '-4611686018427387904', 'WITHVALUES'],
      ['HRANDFIELD', 'hr', '4611686018427387903', 'WITHVALUES'],
      ['HRANDFIELD', 'hr', '9223372036854775807'],
      ['HRANDFIELD', 'hr', '0'],
      ['HRANDFIELD', 'hr', '0', 'withvalues'],
      ['HRANDFIELD', 'hr', '4'],
      ['HRANDFIELD', 'hr', '100', 'WITHVALUES'],
    ]);
    // Random parts: right shape, members of the hash, distinct for positive counts.
    const fields = new Set(['a', 'b', 'c', 'd']);
    for (const n of [1, 2, 3]) {
      const got = bulkStrings(await pair.a.call('HRANDFIELD', 'hr', String(n)));
      assert.equal(got.length, n);
      assert.equal(new Set(got).size, n);
      for (const f of got) assert.ok(fields.has(f));
      const wv = bulkStrings(await pair.a.call('HRANDFIELD', 'hr', String(n), 'WITHVALUES'));
      assert.equal(wv.length, 2 * n);
      for (let i = 0; i < wv.length; i += 2) assert.equal(wv[i + 1], String(wv[i]!.charCodeAt(0) - 96));
    }
    const neg = bulkStrings(await pair.a.call('HRANDFIELD', 'hr', '-20'));
    assert.equal(neg.length, 20);
    for (const f of neg) assert.ok(fields.has(f));
    const one = await pair.a.call('HRANDFIELD', 'hr');
    assert.match(one, /^\$1\r\n[abcd]\r\n$/);
    // Roughly uniform: every field shows up in 400 draws.
    const seen = new Set(bulkStrings(await pair.a.call('HRANDFIELD', 'hr', '-400')));
    assert.equal(seen.size, 4);
    // A big hash sampled, then changed (deleted fields, re-added ones, new ones): picks are live
    // fields with their current values, distinct for positive counts.
    const big: string[] = [];
    for (let i = 0; i < 300; i++) big.push('f' + i, 'v' + i);
    await pair.a.call('HSET', 'hrbig', ...big);
    await pair.a.call('HRANDFIELD', 'hrbig', '-5');
    await pair.a.call('HDEL', 'hrbig', ...Array.from({ length: 120 }, (_, i) => 'f' + i));
    await pair.a.call('HSET', 'hrbig', 'f1', 'again', 'f2', '17', 'new', '-3');
    const live = new Map<string, string>();
    const all = bulkStrings(await pair.a.call('HGETALL', 'hrbig'));
    for (let i = 0; i < all.length; i += 2) live.set(all[i]!, all[i + 1]!);
    assert.equal(live.size, 183);
    for (const n of ['7', '100', '182', '-50']) {
      const wv = bulkStrings(await pair.a.call('HRANDFIELD', 'hrbig', n, 'WITHVALUES'));
      assert.equal(wv.length, 2 * Math.abs(Number(n)));
      for (let i = 0; i < wv.length; i += 2) assert.equal(live.get(wv[i]!), wv[i + 1]);
      if (Number(n) > 0) assert.equal(new Set(wv.filter((_, i) => i % 2 === 0)).size, Number(n));
    }
    const draws = new Set(bulkStrings(await pair.a.call('HRANDFIELD', 'hrbig', '-5000')));
    assert.equal(draws.size, 183);
    await pair.a.call('DEL', 'hrbig');
  });

  test('HSCAN: small hashes whole, errors, big hashes fully iterated', async () => {
    await same([
      ['DEL', 'hs', 'hbig'],
      ['HSET', 'hs', 'a', '1', 'b', '2', 'c', '3', 'ab', '4'],
      ['HSCAN', 'hs', '0'],
      ['HSCAN', 'hs', '0', 'COUNT', '1'],
      ['HSCAN', 'hs', '12345'],
      ['HSCAN', 'hs', '0', 'MATCH', 'a*'],
      ['HSCAN', 'hs', '0', 'match', '*', 'count', '100'],
      ['HSCAN', 'hs', 'abc'],
      ['HSCAN', 'hs', '-1'],
      ['HSCAN', 'hs', '0', 'COUNT', '0'],
      ['HSCAN', 'hs', '0', 'COUNT', '-1'],
      ['HSCAN', 'hs', '0', 'COUNT', 'x'],
      ['HSCAN', 'hs', '0', 'COUNT'],
      ['HSCAN', 'hs', '0', 'TYPE', 'string'],
      ['HSCAN', 'hs', '0', 'FOO', 'bar'],
      ['HSCAN', 'nokey', '0', 'COUNT', '0'],
      ['HSCAN', 'nokey', 'abc'],
      ['HSCAN', 'nokey', '0'],
    ]);
    const args: string[] = [];
    for (let i = 0; i < 1000; i++) args.push('f' + i, 'v' + i);
    await same([['HSET', 'hbig', ...args], ['HLEN', 'hbig']]);
    let cursor = '0';
    const got = new Map<string, string>();
    let calls = 0;
    do {
      const r = await pair.a.call('HSCAN', 'hbig', cursor, 'COUNT', '37');
      const { items: top } = replyItems(r);
      cursor = bulkStrings('*1\r\n' + top[0]!)[0]!;
      const kv = bulkStrings(top[1]!);
      for (let i = 0; i < kv.length; i += 2) got.set(kv[i]!, kv[i + 1]!);
      calls++;
      if (calls === 5) await pair.a.call('HDEL', 'hbig', 'f999', 'f0'); // removals meanwhile
    } while (cursor !== '0');
    for (let i = 1; i < 999; i++) assert.equal(got.get('f' + i), 'v' + i);
    assert.ok(calls > 20);
    const m = bulkStrings(replyItems(await pair.a.call('HSCAN', 'hbig', '0', 'MATCH', 'f99*', 'COUNT', '10000')).items[1]!);
    assert.deepEqual(m.filter((_, i) => i % 2 === 0).sort(), ['f99', 'f990', 'f991', 'f992', 'f993', 'f994', 'f995', 'f996', 'f997', 'f998']);
  });

  test('encodings: listpack to hashtable by entries and by value length, as Redis', async () => {
    const cmds: Cmd[] = [['DEL', 'e1', 'e2', 'e3', 'e4']];
    for (let i = 0; i < 512; i++) cmds.push(['HSET', 'e1', 'f' + i, 'v']);
    await same(cmds);
    await same([
      ['OBJECT', 'ENCODING', 'e1'],
      ['HSET', 'e1', 'f512', 'v'],
      ['OBJECT', 'ENCODING', 'e1'],
      ['HSET', 'e2', 'f', 'x'.repeat(64)],
      ['OBJECT', 'ENCODING', 'e2'],
      ['HSET', 'e2', 'g', 'x'.repeat(65)],
      ['OBJECT', 'ENCODING', 'e2'],
      ['HDEL', 'e2', 'g'],
      ['OBJECT', 'ENCODING', 'e2'],
      ['HSET', 'e3', 'y'.repeat(65), 'v'],
      ['OBJECT', 'ENCODING', 'e3'],
      ['HSET', 'e4', 'a', '1'],
      ['HINCRBYFLOAT', 'e4', 'a', '1e70'],
      ['OBJECT', 'ENCODING', 'e4'],
      ['CONFIG', 'SET', 'hash-max-ziplist-entries', '2'],
      ['HSET', 'e5', 'a', '1', 'b', '2'],
      ['OBJECT', 'ENCODING', 'e5'],
      ['HSET', 'e5', 'c', '3'],
      ['OBJECT', 'ENCODING', 'e5'],
      ['CONFIG', 'SET', 'hash-max-ziplist-entries', '512'],
      ['CONFIG', 'SET', 'hash-max-listpack-value', '3'],
      ['HSET', 'e6', 'abc', 'def'],
      ['OBJECT', 'ENCODING', 'e6'],
      ['HSETNX', 'e6', 'abcd', 'x'],
      ['OBJECT', 'ENCODING', 'e6'],
      ['CONFIG', 'SET', 'hash-max-listpack-value', '64'],
      unordered(2, ['HGETALL', 'e5']),
      unordered(1, ['HKEYS', 'e1']),
      ['DEL', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6'],
    ]);
  });

  test('write counting (rdb_changes_since_last_save) as Redis', async () => {
    const cmds: Cmd[] = [
      ['DEL', 'hd'],
      ['HSET', 'hd', 'a', '1', 'b', '2'],
      ['HSET', 'hd', 'a', '1', 'b', '2'],
      ['HMSET', 'hd', 'c', '3'],
      ['HSETNX', 'hd', 'a', '9'],
      ['HSETNX', 'hd', 'z', '9'],
      ['HDEL', 'hd', 'a', 'b', 'nope'],
      ['HDEL', 'hd', 'nope'],
      ['HINCRBY', 'hd', 'n', '1'],
      ['HINCRBY', 'hd', 'z', 'x'],
      ['HINCRBYFLOAT', 'hd', 'n', '1.5'],
      ['HINCRBYFLOAT', 'hd', 'n', 'x'],
      ['HGET', 'hd', 'n'],
      ['HDEL', 'hd', 'n', 'c', 'z'],
    ];
    for (const c of cmds) {
      const da = pair.t.server.ks.stats.dirty;
      const db = await redisDirty();
      const [ra] = await same([c]);
      assert.equal(pair.t.server.ks.stats.dirty - da, (await redisDirty()) - db, `dirty after ${c.join(' ')} (${ra})`);
    }
  });

  test('keyspace notifications and WATCH as Redis', async () => {
    const sub = await RawConn.connect(pair.ref.port);
    const events: string[] = [];
    const ev = pair.t.server.events;
    const savedFlags = ev.flags;
    const savedPublish = ev.publish;
    ev.flags = parseNotifyFlags('KEA')!;
    ev.publish = (ch, msg) => events.push(`${ch} ${msg}`);
    try {
      await pair.b.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
      await sub.call('PSUBSCRIBE', '__key*@0__:*');
      await same([
        ['DEL', 'hn'],
        ['HSET', 'hn', 'a', '1', 'b', '2'],
        ['HSET', 'hn', 'a', '1'],
        ['HMSET', 'hn', 'c', '3'],
        ['HSETNX', 'hn', 'a', '1'],
        ['HSETNX', 'hn', 'd', '1'],
        ['HINCRBY', 'hn', 'n', '1'],
        ['HINCRBYFLOAT', 'hn', 'n', '1'],
        ['HINCRBY', 'hn', 'a', 'x'],
        ['HDEL', 'hn', 'zz'],
        ['HDEL', 'hn', 'a', 'b'],
        ['HDEL', 'hn', 'c', 'd', 'n'],
      ]);
      await pair.b.call('PUBLISH', '__keyspace@0__:end', 'end');
      const want: string[] = [];
      for (;;) {
        const { items: it } = replyItems(await sub.reply());
        const [, , ch, msg] = bulkStrings('*4\r\n' + it.join(''));
        if (ch === '__keyspace@0__:end') break;
        want.push(`${ch} ${msg}`);
      }
      assert.deepEqual(events, want);
    } finally {
      ev.flags = savedFlags;
      ev.publish = savedPublish;
      sub.close();
      await pair.b.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    }
    // WATCH: a change to the key aborts EXEC, a no-op write does not.
    const a2 = await RawConn.connect(pair.t.port);
    const b2 = await RawConn.connect(pair.ref.port);
    try {
      for (const [write, watched] of [
        [['HSET', 'hw', 'f', 'v2'], 'hw'],
        [['HDEL', 'hw', 'nope'], 'hw'],
        [['HSETNX', 'hw', 'f', 'x'], 'hw'],
        [['HINCRBY', 'hw', 'n', '1'], 'hw'],
        [['HDEL', 'hw', 'f', 'n'], 'hw'],
      ] as [string[], string][]) {
        await same([['HSET', 'hw', 'f', 'v']]);
        await same([['WATCH', watched]]);
        assert.equal(await a2.call(...write), await b2.call(...write));
        await same([['MULTI'], ['HGET', 'hw', 'f'], ['EXEC']]);
      }
    } finally {
      a2.close();
      b2.close();
    }
  });

  test('COPY and TYPE of hashes', async () => {
    await same([
      ['DEL', 'hc', 'hc2'],
      ['HSET', 'hc', 'a', '1', 'b', '2'],
      ['COPY', 'hc', 'hc2'],
      ['HSET', 'hc2', 'c', '3'],
      ['HGETALL', 'hc'],
      ['HGETALL', 'hc2'],
      ['TYPE', 'hc'],
      ['OBJECT', 'ENCODING', 'hc2'],
    ]);
  });
});

describe('hash value type', () => {
  test('the field index chains past the Map limit and keeps working', () => {
    const saved = HashValue.mapMax;
    HashValue.mapMax = 100;
    try {
      const h = new HashValue();
      for (let i = 0; i < 1000; i++) assert.equal(h.set('f' + i, 'v' + i, null), true);
      assert.equal(h.size, 1000);
      for (let i = 0; i < 1000; i += 3) assert.equal(h.delete('f' + i), true);
      assert.equal(h.delete('f0'), false);
      for (let i = 0; i < 1000; i++) assert.equal(h.get('f' + i), i % 3 === 0 ? undefined : 'v' + i);
      const c = h.copy();
      h.set('f1', 'changed', null);
      assert.equal(c.get('f1'), 'v1');
      // Insertion order survives the conversions and removals.
      const order = c.pairs().filter((_, i) => i % 2 === 0);
      assert.deepEqual(order, Array.from({ length: 1000 }, (_, i) => 'f' + i).filter((_, i) => i % 3 !== 0));
      for (let i = 0; i < 100; i++) {
        const j = c.randomIndex();
        assert.equal(c.get(c.fieldAt(j)), c.valueAt(j));
      }
    } finally {
      HashValue.mapMax = saved;
    }
  });

  test('small and big layouts agree with a model under random operations', () => {
    const saved = HashValue.smallMax;
    HashValue.smallMax = 4;
    try {
      let seed = 7;
      const rnd = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      };
      const h = new HashValue();
      const model = new Map<string, string>();
      for (let step = 0; step < 5000; step++) {
        const f = 'f' + rnd(12);
        if (rnd(3) === 0) assert.equal(h.delete(f), model.delete(f));
        else {
          const v = 'v' + step;
          assert.equal(h.set(f, v, null), !model.has(f));
          model.set(f, v);
        }
        assert.equal(h.size, model.size);
        assert.deepEqual(h.pairs(), [...model].flat());
      }
      assert.equal(h.small, false);
    } finally {
      HashValue.smallMax = saved;
    }
  });

  test('listpack limits: entries and value lengths', () => {
    const lim = { entries: 2, value: 3 };
    const h = new HashValue();
    h.set('a', 'abc', lim);
    h.set('b', '1', lim);
    assert.equal(h.encoding(), 'listpack');
    h.set('c', '1', lim);
    assert.equal(h.encoding(), 'hashtable');
    const g = new HashValue();
    g.set('abcd', '1', lim);
    assert.equal(g.encoding(), 'hashtable');
  });
});
