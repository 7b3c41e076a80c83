// Set commands: differential tests against redis-server 7.0.15 (identical reply bytes; intset
// replies in Redis's ascending order, hashtable replies compared sorted), write counting,
// keyspace notifications and WATCH, encodings, randomness, and unit tests of the value type.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, bulkStrings, differentialPair, haveRedis, infoField, replyItems, sameReplies, sortedReply, type DiffCmd, type Normalized } from './helpers.js';
import { SetValue, compareInts, isIntMember } from '../src/store/types/set.js';
import { parseNotifyFlags } from '../src/server/events.js';

type Cmd = (string | Buffer)[];
/** A command whose reply is compared after sorting its elements. */
const U = (...cmd: string[]): Normalized => ({ cmd, normalize: (r) => sortedReply(r) });
/** The reply is random (SPOP): only its first line is compared. */
const R = (...cmd: string[]): Normalized => ({ cmd, normalize: (r) => r.slice(0, r.indexOf('\r\n')) });

const HAVE_REDIS = haveRedis();

describe('set commands vs redis-server', { skip: HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped' }, () => {
  const pair = differentialPair();

  const same = (cmds: DiffCmd[]): Promise<string[]> => sameReplies(pair.a, pair.b, cmds);
  const redisDirty = async (): Promise<number> => Number(await infoField(pair.b, 'rdb_changes_since_last_save', 'persistence'));

  test('SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS: replies, errors, wrong type, intset order', async () => {
    const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await same([
      ['DEL', 's', 'str', 'hs'],
      ['SADD', 's', '3', '1', '2', '-5', '10', '9223372036854775807', '-9223372036854775808', '0'],
      ['SMEMBERS', 's'],
      ['SADD', 's', '1', '2', '11'],
      ['SMEMBERS', 's'],
      ['SCARD', 's'],
      ['SCARD', 'nokey'],
      ['SISMEMBER', 's', '1'],
      ['SISMEMBER', 's', '7'],
      ['SISMEMBER', 's', '01'],
      ['SISMEMBER', 'nokey', '7'],
      ['SMISMEMBER', 's', '1', '7', '2', '1'],
      ['SMISMEMBER', 'nokey', '1', '7'],
      ['SREM', 's', '1', '7', '1'],
      ['SREM', 'nokey', '1'],
      ['SMEMBERS', 's'],
      ['SMEMBERS', 'nokey'],
      ['SADD', 'hs', 'b', 'a', bin, '', '1'],
      U('SMEMBERS', 'hs'),
      ['SISMEMBER', 'hs', ''],
      ['SISMEMBER', 'hs', bin.toString('latin1')],
      ['SREM', 'hs', 'a', 'b', '', '1', bin.toString('latin1')],
      ['EXISTS', 'hs'],
      ['SET', 'str', 'v'],
      ['SADD', 'str', 'a'],
      ['SREM', 'str', 'a'],
      ['SMEMBERS', 'str'],
      ['SCARD', 'str'],
      ['SISMEMBER', 'str', 'a'],
      ['SMISMEMBER', 'str', 'a'],
      ['SPOP', 'str'],
      ['SPOP', 'str', '2'],
      ['SRANDMEMBER', 'str'],
      ['SRANDMEMBER', 'str', '2'],
      ['SSCAN', 'str', '0'],
      ['GET', 'str'],
      ['SADD', 's'],
      ['sadd', 's', '5'],
      ['SMEMBERS', 's'],
    ]);
  });

  test('SPOP and SRANDMEMBER: errors, empty replies, whole-set order, random picks', async () => {
    await same([
      ['DEL', 'p', 'ht'],
      ['SADD', 'p', '5', '3', '1', '4', '2'],
      ['SPOP', 'nokey'],
      ['SPOP', 'nokey', '2'],
      ['SPOP', 'nokey', '-1'],
      ['SPOP', 'p', 'abc'],
      ['SPOP', 'p', '-1'],
      ['SPOP', 'p', '1.5'],
      ['SPOP', 'p', '0'],
      ['SPOP', 'p', '1', '2'],
      ['SRANDMEMBER', 'nokey'],
      ['SRANDMEMBER', 'nokey', '2'],
      ['SRANDMEMBER', 'nokey', '-2'],
      ['SRANDMEMBER', 'nokey', 'x'],
      ['SRANDMEMBER', 'p', 'abc'],
      ['SRANDMEMBER', 'p', '-9223372036854775808'],
      ['SRANDMEMBER', 'p', '0'],
      ['SRANDMEMBER', 'p', '5'],
      ['SRANDMEMBER', 'p', '100'],
      ['SRANDMEMBER', 'p', '9223372036854775807'],
      ['SRANDMEMBER', 'p', '1', '2'],
      ['SPOP', 'p', '100'],
      ['EXISTS', 'p'],
      // A hashtable set whose members are all integers again: SPOP's whole-set reply is ascending.
      ['SADD', 'ht', 'a', 'b', '30', '1', '2', '20'],
      ['SREM', 'ht', 'a', 'b'],
      ['SPOP', 'ht', '4'],
      ['EXISTS', 'ht'],
    ]);
    const members = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'];
    await same([['SADD', 'r', ...members]]);
    for (const n of [1, 3, 5, 9]) {
      const got = bulkStrings(await pair.a.call('SRANDMEMBER', 'r', String(n)));
      assert.equal(got.length, n);
      assert.equal(new Set(got).size, n);
      for (const m of got) assert.ok(members.includes(m));
    }
    const neg = bulkStrings(await pair.a.call('SRANDMEMBER', 'r', '-1000'));
    assert.equal(neg.length, 1000);
    assert.equal(new Set(neg).size, 10);
    const popped = bulkStrings(await pair.a.call('SPOP', 'r', '3'));
    assert.equal(new Set(popped).size, 3);
    assert.equal(await pair.a.call('SCARD', 'r'), ':7\r\n');
    for (const m of popped) assert.equal(await pair.a.call('SISMEMBER', 'r', m), ':0\r\n');
    const one = bulkStrings('*1\r\n' + (await pair.a.call('SPOP', 'r')))[0]!;
    assert.ok(members.includes(one) && !popped.includes(one));
    await pair.a.call('DEL', 'r');
    await pair.b.call('DEL', 'r');
  });

  test('SINTER SUNION SDIFF and their STORE forms, SINTERCARD', async () => {
    await same([
      ['DEL', 'i1', 'i2', 'i3', 'h1', 'h2', 'd', 'str'],
      ['SADD', 'i1', '1', '2', '3', '4', '5'],
      ['SADD', 'i2', '2', '3', '4', '9'],
      ['SADD', 'i3', '4', '3', '2', '100', '200', '300'],
      ['SADD', 'h1', 'a', 'b', 'c', '1', '2'],
      ['SADD', 'h2', 'b', 'c', 'd', '2', '3'],
      ['SET', 'str', 'v'],
      ['SINTER', 'i1', 'i2'],
      ['SINTER', 'i1', 'i2', 'i3'],
      ['SINTER', 'i1'],
      ['SINTER', 'i1', 'nokey'],
      ['SINTER', 'i1', 'str'],
      ['SINTER', 'nokey', 'str'],
      ['SINTER', 'str', 'nokey'],
      U('SINTER', 'h1', 'h2'),
      ['SINTER', 'h1', 'i1'],
      ['SUNION', 'i1', 'i2', 'i3'],
      ['SUNION', 'i1', 'nokey'],
      ['SUNION', 'nokey'],
      ['SUNION', 'i1', 'str'],
      ['SUNION', 'nokey', 'str'],
      U('SUNION', 'h1', 'h2', 'i1'),
      ['SDIFF', 'i1', 'i2'],
      ['SDIFF', 'i3', 'i1', 'i2'],
      ['SDIFF', 'nokey', 'i1'],
      ['SDIFF', 'i1', 'nokey'],
      ['SDIFF', 'i1', 'str'],
      ['SDIFF', 'nokey', 'str'],
      ['SDIFF', 'i1', 'i1'],
      U('SDIFF', 'h1', 'h2'),
      ['SDIFF', 'h1', 'h2', 'h1'],
      ['SDIFF', 'h2', 'h1', 'i3'],
      ['SINTERSTORE', 'd', 'i1', 'i2'],
      ['SMEMBERS', 'd'],
      ['SINTERSTORE', 'd', 'i1', 'nokey'],
      ['EXISTS', 'd'],
      ['SINTERSTORE', 'd', 'i1', 'str'],
      ['SINTERSTORE', 'str', 'i1', 'i2'],
      ['TYPE', 'str'],
      ['SINTERSTORE', 'i1', 'i1', 'i3'],
      ['SMEMBERS', 'i1'],
      ['SADD', 'i1', '1', '5'],
      ['SUNIONSTORE', 'd', 'i1', 'i2', 'i3'],
      ['SMEMBERS', 'd'],
      ['SUNIONSTORE', 'd', 'nokey'],
      ['EXISTS', 'd'],
      ['SUNIONSTORE', 'd', 'h1', 'h2'],
      U('SMEMBERS', 'd'),
      ['SDIFFSTORE', 'd', 'i3', 'i1'],
      ['SMEMBERS', 'd'],
      ['SDIFFSTORE', 'd', 'i1', 'i1'],
      ['EXISTS', 'd'],
      ['SET', 'str', 'v'],
      ['SDIFFSTORE', 'd', 'i1', 'str'],
      ['SUNIONSTORE', 'str', 'i1'],
      ['TYPE', 'str'],
      ['SET', 'str', 'v'],
      ['SET', 'd', 'v', 'EX', '100'],
      ['SUNIONSTORE', 'd', 'i1'],
      ['TTL', 'd'],
      ['SINTERCARD', '2', 'i1', 'i2'],
      ['SINTERCARD', '1', 'i1'],
      ['SINTERCARD', '2', 'i1', 'i2', 'LIMIT', '1'],
      ['SINTERCARD', '2', 'i1', 'i2', 'limit', '0'],
      ['SINTERCARD', '2', 'i1', 'i2', 'LIMIT', '100'],
      ['SINTERCARD', '2', 'i1', 'i2', 'LIMIT', '-1'],
      ['SINTERCARD', '2', 'i1', 'i2', 'LIMIT', 'abc'],
      ['SINTERCARD', '2', 'i1', 'i2', 'LIMIT'],
      ['SINTERCARD', '2', 'i1', 'i2', 'LIMIT', '1', 'LIMIT', '2'],
      ['SINTERCARD', '2', 'i1', 'i2', 'FOO', '1'],
      ['SINTERCARD', '0', 'i1'],
      ['SINTERCARD', '-1', 'i1'],
      ['SINTERCARD', 'abc', 'i1'],
      ['SINTERCARD', '3', 'i1', 'i2'],
      ['SINTERCARD', '1', 'nokey'],
      ['SINTERCARD', '2', 'i1', 'str'],
      ['SINTERCARD', '2', 'nokey', 'str'],
      ['SINTERCARD', '2', 'h1', 'h2'],
    ]);
  });

  test('SMOVE: moves, same key, missing keys, wrong types, emptied sources', async () => {
    await same([
      ['DEL', 'm1', 'm2', 'str', 'new'],
      ['SADD', 'm1', '1', '2', '3'],
      ['SADD', 'm2', '5'],
      ['SET', 'str', 'v'],
      ['SMOVE', 'm1', 'm2', '1'],
      ['SMOVE', 'm1', 'm2', '1'],
      ['SMEMBERS', 'm1'],
      ['SMEMBERS', 'm2'],
      ['SMOVE', 'nokey', 'm2', '1'],
      ['SMOVE', 'nokey', 'str', '1'],
      ['SMOVE', 'str', 'm2', '1'],
      ['SMOVE', 'm1', 'str', '2'],
      ['SMOVE', 'm1', 'str', '99'],
      ['SMOVE', 'm1', 'm1', '2'],
      ['SMOVE', 'm1', 'm1', '99'],
      ['SMOVE', 'm1', 'new', '2'],
      ['SMEMBERS', 'new'],
      ['SMOVE', 'm1', 'm2', '5'],
      ['SMOVE', 'm1', 'm2', '3'],
      ['EXISTS', 'm1'],
      ['SMEMBERS', 'm2'],
      ['SMOVE', 'm2', 'new', 'x'],
      ['SMOVE', 'new', 'm2', '2'],
      ['EXISTS', 'new'],
      ['SADD', 'm2', 'a'],
      U('SMEMBERS', 'm2'),
    ]);
  });

  test('SSCAN: intsets whole and ascending, errors, hashtables fully iterated', async () => {
    await same([
      ['DEL', 'sc', 'sbig'],
      ['SADD', 'sc', '30', '10', '20', '11'],
      ['SSCAN', 'sc', '0'],
      ['SSCAN', 'sc', '0', 'COUNT', '1'],
      ['SSCAN', 'sc', '7'],
      ['SSCAN', 'sc', '0', 'MATCH', '1*'],
      ['SSCAN', 'sc', 'x'],
      ['SSCAN', 'sc', '0', 'COUNT', '0'],
      ['SSCAN', 'sc', '0', 'COUNT', 'x'],
      ['SSCAN', 'sc', '0', 'MATCH'],
      ['SSCAN', 'sc', '0', 'TYPE', 'set'],
      ['SSCAN', 'nokey', 'x'],
      ['SSCAN', 'nokey', '0', 'foo'],
      ['SSCAN', 'nokey', '0'],
    ]);
    const members: string[] = [];
    for (let i = 0; i < 2000; i++) members.push('m' + i);
    await same([['SADD', 'sbig', ...members], ['SCARD', 'sbig']]);
    let cursor = '0';
    const got = new Set<string>();
    let calls = 0;
    do {
      const { items: top } = replyItems(await pair.a.call('SSCAN', 'sbig', cursor, 'COUNT', '50'));
      cursor = bulkStrings('*1\r\n' + top[0]!)[0]!;
      for (const m of bulkStrings(top[1]!)) got.add(m);
      if (++calls === 3) {
        await pair.a.call('SREM', 'sbig', 'm0', 'm1999');
        await pair.a.call('SADD', 'sbig', 'extra');
      }
    } while (cursor !== '0');
    for (let i = 1; i < 1999; i++) assert.ok(got.has('m' + i), 'm' + i);
    assert.ok(calls >= 40);
  });

  test('RESP3: sets are ~, SRANDMEMBER and SMISMEMBER arrays', async () => {
    await pair.a.call('HELLO', '3');
    await pair.b.call('HELLO', '3');
    try {
      await same([
        ['DEL', 'r3', 'r4'],
        ['SADD', 'r3', '3', '1', '2'],
        ['SADD', 'r4', '2', '9'],
        ['SMEMBERS', 'r3'],
        ['SMEMBERS', 'nokey'],
        ['SINTER', 'r3', 'r4'],
        ['SINTER', 'r3', 'nokey'],
        ['SUNION', 'r3', 'r4'],
        ['SDIFF', 'r3', 'r4'],
        ['SRANDMEMBER', 'r3', '10'],
        ['SRANDMEMBER', 'nokey', '2'],
        ['SRANDMEMBER', 'nokey'],
        ['SRANDMEMBER', 'r3', '0'],
        ['SPOP', 'nokey', '2'],
        ['SPOP', 'nokey'],
        ['SPOP', 'r3', '0'],
        ['SMISMEMBER', 'r3', '1', '9'],
        ['SISMEMBER', 'r3', '1'],
        ['SSCAN', 'r3', '0'],
        ['SINTERCARD', '2', 'r3', 'r4'],
        ['SPOP', 'r4', '5'],
      ]);
      const r = await pair.a.call('SPOP', 'r3', '2');
      assert.match(r, /^~2\r\n/);
    } finally {
      await pair.a.call('HELLO', '2');
      await pair.b.call('HELLO', '2');
    }
  });

  test('encodings: intset to hashtable by a non-integer or by size, as Redis', async () => {
    const cmds: Cmd[] = [['DEL', 'e1', 'e2', 'e3', 'e4', 'e5']];
    const ints: string[] = [];
    for (let i = 0; i < 512; i++) ints.push(String(i * 7 - 1000));
    cmds.push(['SADD', 'e1', ...ints]);
    await same(cmds);
    await same([
      ['OBJECT', 'ENCODING', 'e1'],
      ['SMEMBERS', 'e1'],
      ['SADD', 'e1', '100000'],
      ['OBJECT', 'ENCODING', 'e1'],
      ['SADD', 'e2', '1', '2'],
      ['OBJECT', 'ENCODING', 'e2'],
      ['SADD', 'e2', 'x'],
      ['OBJECT', 'ENCODING', 'e2'],
      ['SREM', 'e2', 'x'],
      ['OBJECT', 'ENCODING', 'e2'],
      ['SADD', 'e3', '01'],
      ['OBJECT', 'ENCODING', 'e3'],
      ['SADD', 'e4', '9223372036854775808'],
      ['OBJECT', 'ENCODING', 'e4'],
      ['CONFIG', 'SET', 'set-max-intset-entries', '3'],
      ['SADD', 'e5', '3', '2', '1'],
      ['OBJECT', 'ENCODING', 'e5'],
      ['SUNIONSTORE', 'e6', 'e5'],
      ['OBJECT', 'ENCODING', 'e6'],
      ['SADD', 'e5', '4'],
      ['OBJECT', 'ENCODING', 'e5'],
      ['SUNIONSTORE', 'e6', 'e5'],
      ['OBJECT', 'ENCODING', 'e6'],
      ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
      ['SINTERSTORE', 'e7', 'e5', 'e5'],
      ['OBJECT', 'ENCODING', 'e7'],
      ['SMEMBERS', 'e7'],
      ['DEL', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7'],
    ]);
  });

  test('write counting (rdb_changes_since_last_save) as Redis', async () => {
    await same([['DEL', 'w1', 'w2', 'w3', 'wd']]);
    const cmds: Cmd[] = [
      ['SADD', 'w1', 'a', 'b', 'c', 'd', 'e', 'f'],
      ['SADD', 'w1', 'a', 'g'],
      ['SADD', 'w1', 'a'],
      ['SREM', 'w1', 'a', 'zz', 'b'],
      ['SREM', 'w1', 'zz'],
      ['SPOP', 'w1'],
      ['SPOP', 'w1', '2'],
      ['SPOP', 'w1', '0'],
      ['SADD', 'w2', '1', '2', '3'],
      ['SMOVE', 'w2', 'w3', '1'],
      ['SMOVE', 'w2', 'w3', '1'],
      ['SADD', 'w2', '1'],
      ['SMOVE', 'w2', 'w3', '1'],
      ['SINTERSTORE', 'wd', 'w2', 'w3'],
      ['SINTERSTORE', 'wd', 'w2', 'nokey'],
      ['SINTERSTORE', 'wd', 'w2', 'nokey'],
      ['SUNIONSTORE', 'wd', 'w2', 'w3'],
      ['SUNIONSTORE', 'wd', 'nokey'],
      ['SDIFFSTORE', 'wd', 'w2', 'w3'],
      ['SDIFFSTORE', 'wd', 'w2', 'w2'],
      ['SPOP', 'w1', '100'],
      ['SPOP', 'w2', '100'],
      ['SMEMBERS', 'w3'],
    ];
    for (const c of cmds) {
      const da = pair.t.server.ks.stats.dirty;
      const db = await redisDirty();
      const [ra] = await same([/^spop$/i.test(c[0] as string) ? R(...(c as string[])) : U(...(c as string[]))]);
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
        ['DEL', 'n1', 'n2', 'n3', 'nd'],
        ['SADD', 'n1', 'a', 'b', 'c', 'd'],
        ['SADD', 'n1', 'a'],
        ['SREM', 'n1', 'zz'],
        ['SREM', 'n1', 'a'],
        R('SPOP', 'n1', '1'),
        ['SPOP', 'n1', '0'],
        ['SADD', 'n2', '1', '2'],
        ['SMOVE', 'n2', 'n3', '1'],
        ['SMOVE', 'n2', 'n3', '2'],
        ['SMOVE', 'n2', 'n3', '2'],
        R('SINTERSTORE', 'nd', 'n1', 'n1'),
        ['SUNIONSTORE', 'nd', 'n3'],
        ['SDIFFSTORE', 'nd', 'n3', 'n3'],
        ['SUNIONSTORE', 'nd', 'n3'],
        ['SINTERSTORE', 'nd', 'n3', 'nokey'],
        R('SPOP', 'n1', '100'),
        ['SADD', 'n1', 'x'],
        ['SPOP', 'n1'],
        ['SREM', 'n3', '1', '2'],
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
    const a2 = await RawConn.connect(pair.t.port);
    const b2 = await RawConn.connect(pair.ref.port);
    try {
      for (const [write, watched] of [
        [['SADD', 'sw', 'a'], 'sw'],
        [['SADD', 'sw', 'new'], 'sw'],
        [['SREM', 'sw', 'nope'], 'sw'],
        [['SREM', 'sw', 'a'], 'sw'],
        [['SMOVE', 'sw', 'sw2', 'nope'], 'sw'],
        [['SMOVE', 'sw', 'sw2', 'a'], 'sw2'],
        [['SINTERSTORE', 'sw2', 'nokey'], 'sw2'],
        [['SUNIONSTORE', 'sw2', 'sw'], 'sw2'],
        [['SPOP', 'sw', '0'], 'sw'],
        [['SPOP', 'sw'], 'sw'],
      ] as [string[], string][]) {
        await same([['DEL', 'sw', 'sw2'], ['SADD', 'sw', 'a']]);
        await same([['WATCH', watched]]);
        assert.equal(sortedReply(await a2.call(...write)), sortedReply(await b2.call(...write)), write.join(' '));
        await same([['MULTI'], ['SISMEMBER', 'sw', 'a'], ['EXEC']]);
      }
    } finally {
      a2.close();
      b2.close();
    }
  });
});

describe('set value type', () => {
  test('isIntMember follows string2ll', () => {
    for (const s of ['0', '1', '-1', '9223372036854775807', '-9223372036854775808', '1234567890123456789']) assert.ok(isIntMember(s), s);
    for (const s of ['', '-0', '01', '+1', ' 1', '1 ', '9223372036854775808', '-9223372036854775809', '1.0', 'a', '99999999999999999999']) assert.ok(!isIntMember(s), s);
  });

  test('compareInts orders canonical integers numerically', () => {
    const xs = ['10', '-1', '9', '0', '-10', '-9223372036854775808', '9223372036854775807', '-2', '100'];
    const want = xs.map(BigInt).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)).map(String);
    assert.deepEqual(xs.slice().sort(compareInts), want);
  });

  test('members chain past the Map limit: add, remove, random, scan source, copy', () => {
    const saved = SetValue.mapMax;
    SetValue.mapMax = 64;
    try {
      const s = new SetValue();
      for (let i = 0; i < 500; i++) assert.equal(s.add('m' + i, 512), true);
      assert.equal(s.add('m3', 512), false);
      assert.equal(s.encoding(), 'hashtable');
      for (let i = 0; i < 500; i += 2) assert.equal(s.remove('m' + i), true);
      assert.equal(s.size, 250);
      for (let i = 0; i < 500; i++) assert.equal(s.has('m' + i), i % 2 === 1);
      for (let i = 0; i < 200; i++) assert.ok(s.has(s.random()));
      // Insertion order across the chained Maps.
      assert.deepEqual([...s.members()], Array.from({ length: 250 }, (_, i) => 'm' + (2 * i + 1)));
      for (const i of s.sample(100)) assert.ok(s.has(s.memberAt(i)));
      const popped = s.pop();
      assert.ok(!s.has(popped));
      assert.equal(s.add(popped, 512), true);
      const src = s.scanSource();
      const it = src.open();
      let n = 0;
      for (let r = it.next(); !r.done; r = it.next()) n++;
      assert.equal(n, 250);
      const c = s.copy();
      s.remove('m1');
      assert.ok(c.has('m1'));
      assert.equal(c.size, 250);
    } finally {
      SetValue.mapMax = saved;
    }
  });

  test('small and big layouts agree with a model under random operations', () => {
    const saved = SetValue.smallMax;
    SetValue.smallMax = 5;
    try {
      let seed = 11;
      const rnd = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      };
      const beyond = ['9007199254740993', '-9223372036854775808'];
      for (const [intsOnly, wide] of [[true, false], [true, true], [false, true]]) {
        const s = new SetValue();
        const model = new Set<string>();
        for (let step = 0; step < 4000; step++) {
          // Integers beyond 2^53 move an intset from the Float64Array layout to strings.
          const m = wide && rnd(50) === 0 ? beyond[rnd(2)]! : intsOnly || rnd(4) > 0 ? String(rnd(16) - 8) : 'x' + rnd(4);
          if (rnd(3) === 0) assert.equal(s.remove(m), model.delete(m));
          else {
            assert.equal(s.add(m, 10), !model.has(m));
            model.add(m);
          }
          assert.equal(s.size, model.size);
          const got = [...s.ordered()];
          if (s.intset) assert.deepEqual(got, [...model].sort(compareInts));
          else assert.deepEqual(got.sort(), [...model].sort());
          if (s.size > 0) assert.ok(model.has(s.random()));
          if (s.size > 1) {
            const k = 1 + rnd(s.size - 1);
            const picked = s.sample(k).map((i) => s.memberAt(i));
            assert.equal(new Set(picked).size, k);
            for (const x of picked) assert.ok(model.has(x), x);
          }
          if (rnd(10) === 0 && s.size > 0) {
            const x = s.pop();
            assert.ok(model.delete(x), x);
            assert.equal(s.has(x), false);
            assert.equal(s.size, model.size);
          }
        }
      }
    } finally {
      SetValue.smallMax = saved;
    }
  });

  test('SPOP after SREM: once the dead outnumber the live, the picks are rebuilt (positions within the size again)', () => {
    const s = new SetValue();
    for (let i = 0; i < 200; i++) s.add('k' + i, 512);
    s.random(); // builds the picks
    for (let i = 0; i < 90; i++) s.remove('k' + i);
    while (s.size > 10) s.pop();
    // 90 dead against 10 live: kept, the picks would still hold 100 positions.
    for (let i = 0; i < 1000; i++) assert.ok(s.randomIndex() < s.size);
    assert.equal(new Set(s.sample(9).map((j) => s.memberAt(j))).size, 9);
  });

  test('a big hashtable set iterates in insertion order; picks are uniform over live members after SREM and SPOP', () => {
    const s = new SetValue();
    const model = new Set<string>();
    for (let i = 0; i < 200; i++) {
      s.add('k' + i, 512);
      model.add('k' + i);
    }
    assert.equal(s.small, false);
    s.random(); // builds the picks
    // Removed members become dead picks.
    for (let i = 0; i < 200; i += 3) {
      s.remove('k' + i);
      model.delete('k' + i);
    }
    for (let i = 0; i < 30; i++) assert.ok(model.delete(s.pop()));
    // Re-added members: revived in place or appended, never twice.
    for (let i = 0; i < 30; i += 3) {
      s.add('k' + i, 512);
      model.add('k' + i);
    }
    assert.deepEqual([...s.members()], [...model]);
    assert.deepEqual(s.ordered(), [...model]);
    const counts = new Map<string, number>();
    const draws = 200 * model.size;
    for (let i = 0; i < draws; i++) {
      const m = s.random();
      counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), [...model].sort());
    // 200 expected per member, standard deviation about 14: 100..300 is more than 7 deviations.
    for (const [m, n] of counts) assert.ok(n > 100 && n < 300, `${m} drawn ${n} times`);
    for (let i = 0; i < 200; i++) {
      const got = s.sample(5).map((j) => s.memberAt(j));
      assert.equal(new Set(got).size, 5);
      for (const m of got) assert.ok(model.has(m));
    }
    const all = s.sample(s.size - 1).map((j) => s.memberAt(j));
    assert.equal(new Set(all).size, s.size - 1);
    for (const m of all) assert.ok(model.has(m));
    while (s.size > 0) assert.ok(model.delete(s.pop()));
    assert.equal(model.size, 0);
  });

  test('intsets past the small layout: ascending, every transition keeps Redis\'s order, copies are independent', () => {
    const s = new SetValue();
    const ints = Array.from({ length: 300 }, (_, i) => (i * 7919) % 100003 - 50000);
    for (const x of ints) assert.equal(s.add(String(x), 512), true);
    assert.equal(s.add(String(ints[5]), 512), false);
    const asc = [...new Set(ints)].sort((a, b) => a - b).map(String);
    assert.equal(s.encoding(), 'intset');
    assert.equal(s.size, asc.length);
    assert.deepEqual([...s.members()], asc);
    assert.deepEqual(s.ordered(), asc);
    for (const m of ['x', '1.5', '01', '-0', String(2 ** 60)]) assert.equal(s.has(m), false, m);
    for (let i = 0; i < 100; i++) assert.ok(asc.includes(s.random()));
    const picked = s.sample(50).map((i) => s.memberAt(i));
    assert.equal(new Set(picked).size, 50);
    const c = s.copy();
    assert.equal(s.remove(asc[0]!), true);
    assert.equal(s.remove(asc[0]!), false);
    const popped = s.pop();
    assert.ok(!s.has(popped) && c.has(popped) && c.has(asc[0]!));
    assert.deepEqual(c.ordered(), asc);
    const rest = asc.filter((m) => m !== asc[0] && m !== popped);
    assert.deepEqual(s.ordered(), rest);
    // An integer beyond 2^53 keeps the intset (as strings), still ascending.
    assert.equal(s.add('-9223372036854775808', 512), true);
    assert.equal(s.encoding(), 'intset');
    assert.deepEqual(s.ordered(), ['-9223372036854775808', ...rest]);
    // One member too many: a hashtable in the intset's order, the new member in its place.
    const t = new SetValue();
    for (let i = 0; i < 100; i++) t.add(String(200 - 2 * i), 100);
    t.add('101', 100);
    assert.equal(t.encoding(), 'hashtable');
    const want = [...Array.from({ length: 100 }, (_, i) => String(2 + 2 * i)), '101'].sort(compareInts);
    assert.deepEqual(t.ordered(), want);
    // A non-integer: a hashtable, the intset's members ascending, then the new one.
    c.add('abc', 512);
    assert.equal(c.encoding(), 'hashtable');
    assert.deepEqual(c.ordered(), [...asc, 'abc']);
  });

  test('intset order and encoding transitions', () => {
    const s = new SetValue();
    for (const m of ['5', '-3', '100', '0']) s.add(m, 4);
    assert.deepEqual(s.ordered(), ['-3', '0', '5', '100']);
    assert.equal(s.encoding(), 'intset');
    s.add('7', 4);
    assert.equal(s.encoding(), 'hashtable');
  });
});
