// Bitmap commands: differential tests against redis-server 7.0.15 (identical reply bytes),
// including seeded fuzzing of ranges and BITFIELD overflow handling, and write counting.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { haveRedis, differentialPair, sameReplies, rng, infoField } from './helpers.js';

type Cmd = (string | Buffer)[];

const HAVE_REDIS = haveRedis();

describe('bitmap commands vs redis-server', { skip: HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped' }, () => {
  const pair = differentialPair();

  const same = (cmds: Cmd[]): Promise<string[]> => sameReplies(pair.a, pair.b, cmds);

  async function makeList(key: string): Promise<void> {
    pair.t.server.ks.db(0).set(key, { type: 'list', encoding: () => 'listpack' });
    await pair.b.call('DEL', key);
    await pair.b.call('LPUSH', key, 'x');
  }

  /** Redis's write counter. */
  const redisDirty = async (): Promise<number> => Number(await infoField(pair.b, 'rdb_changes_since_last_save', 'persistence'));

  const randBytes = (r: () => number, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => (r() < 0.3 ? (r() < 0.5 ? 0 : 255) : Math.floor(r() * 256))));

  test('SETBIT and GETBIT: values, growth, offsets and errors', async () => {
    await makeList('b:l');
    await same([
      ['SETBIT', 'b:k', '1', '1'],
      ['GET', 'b:k'],
      ['SETBIT', 'b:k', '1', '1'],
      ['SETBIT', 'b:k', '1', '0'],
      ['SETBIT', 'b:k', '100', '1'],
      ['GET', 'b:k'],
      ['GETBIT', 'b:k', '100'],
      ['GETBIT', 'b:k', '101'],
      ['GETBIT', 'b:k', '100000'],
      ['GETBIT', 'b:none', '0'],
      ['SET', 'b:n', '1'],
      ['SETBIT', 'b:n', '6', '1'],
      ['GET', 'b:n'],
      ['SETBIT', 'b:k', '4294967296', '1'],
      ['SETBIT', 'b:k', '4294967295', '2'],
      ['SETBIT', 'b:k', '-1', '1'],
      ['SETBIT', 'b:k', 'x', '1'],
      ['SETBIT', 'b:k', '#1', '1'],
      ['SETBIT', 'b:k', '0', '-1'],
      ['SETBIT', 'b:k', '0', '2'],
      ['SETBIT', 'b:k', '0', 'x'],
      ['SETBIT', 'b:k', '0', ''],
      ['SETBIT', 'b:k', '0', '01'],
      ['SETBIT', 'b:k', '9223372036854775808', '1'],
      ['SETBIT', 'b:l', '0', '1'],
      ['SETBIT', 'b:l', 'x', '1'],
      ['SETBIT', 'b:l', '0', 'x'],
      ['GETBIT', 'b:l', '0'],
      ['GETBIT', 'b:l', 'x'],
      ['GETBIT', 'b:k', '4294967296'],
      ['GETBIT', 'b:k', '4294967295'],
      ['GETBIT', 'b:k', '-1'],
    ]);
    const r = rng(1);
    const fuzz: Cmd[] = [];
    for (let i = 0; i < 600; i++) {
      fuzz.push(['SETBIT', 'b:fz', String(Math.floor(r() * 2048)), String(r() < 0.5 ? 1 : 0)]);
      if (i % 50 === 0) fuzz.push(['GET', 'b:fz']);
      fuzz.push(['GETBIT', 'b:fz', String(Math.floor(r() * 2100))]);
    }
    await same(fuzz);
  });

  test('BITCOUNT: BYTE and BIT ranges, negative indexes, errors, fuzz', async () => {
    await makeList('b:l2');
    await same([
      ['BITCOUNT', 'b:none'],
      ['BITCOUNT', 'b:none', '0'],
      ['BITCOUNT', 'b:none', 'x', 'y', 'z', 'w'],
      ['SET', 'b:c', 'foobar'],
      ['BITCOUNT', 'b:c'],
      ['BITCOUNT', 'b:c', '0'],
      ['BITCOUNT', 'b:c', '0', '0'],
      ['BITCOUNT', 'b:c', '1', '1'],
      ['BITCOUNT', 'b:c', '1', '1', 'BYTE'],
      ['BITCOUNT', 'b:c', '5', '30', 'BIT'],
      ['BITCOUNT', 'b:c', '5', '30', 'bit'],
      ['BITCOUNT', 'b:c', '0', '-1', 'FOO'],
      ['BITCOUNT', 'b:c', '0', '-1', 'BIT', 'x'],
      ['BITCOUNT', 'b:c', 'x', '1'],
      ['BITCOUNT', 'b:c', '1', 'x'],
      ['BITCOUNT', 'b:c', 'x', '1', 'FOO'],
      ['BITCOUNT', 'b:c', '-1', '-5'],
      ['BITCOUNT', 'b:c', '-1', '-5', 'FOO'],
      ['BITCOUNT', 'b:c', '-5', '-1'],
      ['BITCOUNT', 'b:c', '100', '200'],
      ['BITCOUNT', 'b:c', '-9223372036854775808', '9223372036854775807'],
      ['BITCOUNT', 'b:c', '-9223372036854775808', '9223372036854775807', 'BIT'],
      ['BITCOUNT', 'b:l2'],
      ['BITCOUNT', 'b:l2', 'x'],
      ['SET', 'b:e', ''],
      ['BITCOUNT', 'b:e'],
      ['BITCOUNT', 'b:e', '0', '-1', 'BIT'],
    ]);
    const r = rng(2);
    const fuzz: Cmd[] = [];
    for (let i = 0; i < 40; i++) {
      const n = Math.floor(r() * 40);
      fuzz.push(['SET', 'b:cf', randBytes(r, n)], ['BITCOUNT', 'b:cf']);
      for (let j = 0; j < 10; j++) {
        const s = String(Math.floor(r() * (n + 10) * 2 - n - 10));
        const e = String(Math.floor(r() * (n + 10) * 2 - n - 10));
        fuzz.push(['BITCOUNT', 'b:cf', s, e], ['BITCOUNT', 'b:cf', s, e, 'BYTE']);
        const sb = String(Math.floor(r() * (n * 8 + 20) * 2 - n * 8 - 20));
        const eb = String(Math.floor(r() * (n * 8 + 20) * 2 - n * 8 - 20));
        fuzz.push(['BITCOUNT', 'b:cf', sb, eb, 'BIT']);
      }
    }
    await same(fuzz);
  });

  test('BITPOS: bit 0 and 1, ranges with and without end, BYTE and BIT, errors, fuzz', async () => {
    await makeList('b:l3');
    await same([
      ['BITPOS', 'b:none', '0'],
      ['BITPOS', 'b:none', '1'],
      ['BITPOS', 'b:none', '1', 'x'],
      ['BITPOS', 'b:none', '2'],
      ['BITPOS', 'b:none', 'x'],
      ['SET', 'b:p', Buffer.from([0xff, 0xf0, 0x00])],
      ['BITPOS', 'b:p', '0'],
      ['BITPOS', 'b:p', '1', '2'],
      ['BITPOS', 'b:p', '1', '2', '-1'],
      ['BITPOS', 'b:p', '0', '0', '0'],
      ['BITPOS', 'b:p', '0', '0', '-1', 'BIT'],
      ['BITPOS', 'b:p', '0', '0', '7', 'BIT'],
      ['BITPOS', 'b:p', '0', '0', '11', 'BIT'],
      ['BITPOS', 'b:p', '0', '0', '12', 'BIT'],
      ['BITPOS', 'b:p', '1', 'x'],
      ['BITPOS', 'b:p', '1', '0', 'x'],
      ['BITPOS', 'b:p', '1', '0', 'x', 'FOO'],
      ['BITPOS', 'b:p', '1', 'x', '0', 'FOO'],
      ['BITPOS', 'b:p', '1', '0', '1', 'FOO'],
      ['BITPOS', 'b:p', '1', '0', '1', 'BIT', 'x'],
      ['BITPOS', 'b:p', '2'],
      ['BITPOS', 'b:p', '-1'],
      ['BITPOS', 'b:l3', '1'],
      ['BITPOS', 'b:l3', '2'],
      ['SET', 'b:ones', Buffer.from([0xff, 0xff, 0xff])],
      ['BITPOS', 'b:ones', '0'],
      ['BITPOS', 'b:ones', '0', '1'],
      ['BITPOS', 'b:ones', '0', '1', '-1'],
      ['BITPOS', 'b:ones', '0', '3', '20', 'BIT'],
      ['BITPOS', 'b:ones', '0', '3'],
      ['SET', 'b:zero', Buffer.from([0, 0, 0])],
      ['BITPOS', 'b:zero', '1'],
      ['BITPOS', 'b:zero', '0', '-1'],
      ['SET', 'b:e', ''],
      ['BITPOS', 'b:e', '0'],
      ['BITPOS', 'b:e', '1'],
      ['BITPOS', 'b:e', '0', '0', '-1', 'BIT'],
    ]);
    const r = rng(3);
    const fuzz: Cmd[] = [];
    for (let i = 0; i < 40; i++) {
      const n = 1 + Math.floor(r() * 30);
      fuzz.push(['SET', 'b:pf', randBytes(r, n)]);
      for (let j = 0; j < 12; j++) {
        const bit = String(r() < 0.5 ? 1 : 0);
        const s = String(Math.floor(r() * (n + 4) * 2 - n - 4));
        const e = String(Math.floor(r() * (n + 4) * 2 - n - 4));
        const sb = String(Math.floor(r() * (n * 8 + 20) * 2 - n * 8 - 20));
        const eb = String(Math.floor(r() * (n * 8 + 20) * 2 - n * 8 - 20));
        fuzz.push(['BITPOS', 'b:pf', bit], ['BITPOS', 'b:pf', bit, s], ['BITPOS', 'b:pf', bit, s, e], ['BITPOS', 'b:pf', bit, s, e, 'BYTE']);
        fuzz.push(['BITPOS', 'b:pf', bit, sb, eb, 'BIT']);
      }
    }
    await same(fuzz);
  });

  test('BITOP AND OR XOR NOT: padding, missing keys, errors, empty results, fuzz', async () => {
    await makeList('b:l4');
    await same([
      ['SET', 'b:o1', Buffer.from([0xf0, 0x0f, 0xaa])],
      ['SET', 'b:o2', Buffer.from([0xff])],
      ['BITOP', 'AND', 'b:d', 'b:o1', 'b:o2'],
      ['GET', 'b:d'],
      ['BITOP', 'or', 'b:d', 'b:o1', 'b:o2'],
      ['GET', 'b:d'],
      ['BITOP', 'XOR', 'b:d', 'b:o1', 'b:o2', 'b:none'],
      ['GET', 'b:d'],
      ['BITOP', 'AND', 'b:d', 'b:o1', 'b:none'],
      ['GET', 'b:d'],
      ['BITOP', 'NOT', 'b:d', 'b:o1'],
      ['GET', 'b:d'],
      ['BITOP', 'NOT', 'b:d', 'b:o1', 'b:o2'],
      ['BITOP', 'NOT', 'b:d', 'b:none'],
      ['GET', 'b:d'],
      ['BITOP', 'FOO', 'b:d', 'b:o1'],
      ['BITOP', 'NOT', 'b:d', 'b:l4'],
      ['BITOP', 'AND', 'b:d', 'b:o1', 'b:l4'],
      ['BITOP', 'AND', 'b:l4', 'b:o1'],
      ['GET', 'b:l4'],
      ['BITOP', 'AND', 'b:o1', 'b:o1'],
      ['GET', 'b:o1'],
      ['SET', 'b:int', '123'],
      ['BITOP', 'OR', 'b:d', 'b:int', 'b:o2'],
      ['GET', 'b:d'],
      ['SET', 'b:e', ''],
      ['BITOP', 'OR', 'b:d', 'b:e', 'b:none'],
      ['GET', 'b:d'],
      ['BITOP', 'OR', 'b:d', 'b:o2', 'b:e'],
      ['GET', 'b:d'],
    ]);
    const r = rng(4);
    const fuzz: Cmd[] = [];
    const ops = ['AND', 'OR', 'XOR'];
    for (let i = 0; i < 60; i++) {
      const k = 1 + Math.floor(r() * 4);
      const keys: string[] = [];
      for (let j = 0; j < k; j++) {
        fuzz.push(['SET', `b:f${j}`, randBytes(r, Math.floor(r() * 20))]);
        keys.push(`b:f${j}`);
      }
      fuzz.push(['BITOP', ops[Math.floor(r() * 3)]!, 'b:fd', ...keys], ['GET', 'b:fd']);
      fuzz.push(['BITOP', 'NOT', 'b:fd', keys[0]!], ['GET', 'b:fd']);
    }
    await same(fuzz);
  });

  test('BITFIELD: types, #offsets, GET SET INCRBY, OVERFLOW WRAP SAT FAIL, errors; BITFIELD_RO', async () => {
    await makeList('b:l5');
    await same([
      ['BITFIELD', 'b:bf'],
      ['BITFIELD', 'b:bf', 'OVERFLOW', 'SAT'],
      ['STRLEN', 'b:bf'],
      ['BITFIELD', 'b:bf', 'GET', 'u8', '0'],
      ['BITFIELD', 'b:bf', 'SET', 'i8', '0', '-100', 'GET', 'i8', '0', 'GET', 'u8', '0'],
      ['BITFIELD', 'b:bf', 'SET', 'u8', '#1', '255', 'GET', 'u8', '8', 'GET', 'u16', '#0'],
      ['BITFIELD', 'b:bf', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1'],
      ['BITFIELD', 'b:bf', 'incrby', 'i5', '100', '1', 'get', 'u4', '0'],
      ['BITFIELD', 'b:bf', 'SET', 'u8', '0', '-1', 'GET', 'u8', '0', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '-1', 'OVERFLOW', 'FAIL', 'SET', 'u8', '0', '-1'],
      ['BITFIELD', 'b:bf', 'SET', 'i64', '0', '-9223372036854775808', 'GET', 'i64', '0', 'INCRBY', 'i64', '0', '-1'],
      ['BITFIELD', 'b:bf', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-1', 'INCRBY', 'i64', '0', '9223372036854775807', 'INCRBY', 'i64', '0', '9223372036854775807'],
      ['BITFIELD', 'b:bf', 'SET', 'u63', '3', '9223372036854775807', 'GET', 'u63', '3', 'GET', 'i64', '2', 'GET', 'i1', '3'],
      ['BITFIELD', 'b:bf', 'GET', 'u64', '0'],
      ['BITFIELD', 'b:bf', 'GET', 'i65', '0'],
      ['BITFIELD', 'b:bf', 'GET', 'i0', '0'],
      ['BITFIELD', 'b:bf', 'GET', 'I8', '0'],
      ['BITFIELD', 'b:bf', 'GET', 'u', '0'],
      ['BITFIELD', 'b:bf', 'GET', 'x8', '0'],
      ['BITFIELD', 'b:bf', 'GET', 'i08', '0'],
      ['BITFIELD', 'b:bf', 'GET', 'i8', '-1'],
      ['BITFIELD', 'b:bf', 'GET', 'i8', '#-1'],
      ['BITFIELD', 'b:bf', 'GET', 'i8', '#x'],
      ['BITFIELD', 'b:bf', 'GET', 'i8', '4294967296'],
      ['BITFIELD', 'b:bf', 'GET', 'i8', '4294967295'],
      ['BITFIELD', 'b:bf', 'GET', 'i8', '#536870912'],
      ['BITFIELD', 'b:bf', 'GET', 'i8', '#536870911'],
      ['BITFIELD', 'b:bf', 'GET', 'i8', '#1152921504606846976'],
      ['BITFIELD', 'b:bf', 'SET', 'i8', '0', 'x'],
      ['BITFIELD', 'b:bf', 'SET', 'i8', '0', '1.5'],
      ['BITFIELD', 'b:bf', 'SET', 'i8', '0', '9223372036854775808'],
      ['BITFIELD', 'b:bf', 'SET', 'i8', '0'],
      ['BITFIELD', 'b:bf', 'GET', 'i8'],
      ['BITFIELD', 'b:bf', 'INCRBY', 'i8', '0'],
      ['BITFIELD', 'b:bf', 'OVERFLOW'],
      ['BITFIELD', 'b:bf', 'OVERFLOW', 'FOO'],
      ['BITFIELD', 'b:bf', 'OVERFLOW', 'FOO', 'GET', 'x', 'y'],
      ['BITFIELD', 'b:bf', 'FOO'],
      ['BITFIELD', 'b:bf', 'GET', 'i8', '0', 'FOO'],
      ['BITFIELD', 'b:l5', 'GET', 'i8', '0'],
      ['BITFIELD', 'b:l5', 'SET', 'i8', '0', '1'],
      ['BITFIELD', 'b:l5'],
      ['BITFIELD', 'b:l5', 'GET', 'x', '0'],
      ['BITFIELD', 'b:new', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '100', '300'],
      ['STRLEN', 'b:new'],
      ['STRLEN', 'b:new'],
      ['BITFIELD_RO', 'b:bf'],
      ['BITFIELD_RO', 'b:bf', 'GET', 'i8', '0', 'GET', 'u4', '#3'],
      ['BITFIELD_RO', 'b:bf', 'GET', 'i8', '0', 'SET', 'i8', '0', '1'],
      ['BITFIELD_RO', 'b:bf', 'INCRBY', 'i8', '0', '1'],
      ['BITFIELD_RO', 'b:bf', 'OVERFLOW', 'SAT'],
      ['BITFIELD_RO', 'b:bf', 'SET', 'x', '0', '1'],
      ['BITFIELD_RO', 'b:l5', 'GET', 'i8', '0'],
      ['BITFIELD_RO', 'b:l5', 'SET', 'i8', '0', '1'],
      ['BITFIELD_RO', 'b:none', 'GET', 'i8', '0'],
      ['BITFIELD', 'b:none', 'GET', 'i8', '0'],
      ['STRLEN', 'b:none'],
    ]);
  });

  test('BITFIELD overflow fuzzing: every type, SET and INCRBY, WRAP SAT FAIL', async () => {
    const r = rng(6);
    const fuzz: Cmd[] = [];
    const big = (): string => {
      const k = r();
      if (k < 0.3) return String(Math.floor(r() * 512 - 256));
      if (k < 0.6) return String(BigInt(Math.floor(r() * 2 ** 53)) * BigInt(Math.floor(r() * 2048)) * (r() < 0.5 ? -1n : 1n));
      if (k < 0.7) return r() < 0.5 ? '9223372036854775807' : '-9223372036854775808';
      return String(Math.floor((r() * 2 - 1) * 2 ** Math.floor(r() * 50)));
    };
    for (let i = 0; i < 400; i++) {
      const signed = r() < 0.5;
      const bits = 1 + Math.floor(r() * (signed ? 64 : 63));
      const type = (signed ? 'i' : 'u') + String(bits);
      const off = r() < 0.3 ? '#' + String(Math.floor(r() * 4)) : String(Math.floor(r() * 80));
      const ow = ['WRAP', 'SAT', 'FAIL'][Math.floor(r() * 3)]!;
      const op = r() < 0.5 ? 'SET' : 'INCRBY';
      fuzz.push(['BITFIELD', 'b:ff', 'OVERFLOW', ow, op, type, off, big(), 'GET', type, off]);
      if (i % 40 === 0) fuzz.push(['GET', 'b:ff']);
    }
    await same(fuzz);
  });

  test('write counting: SETBIT and BITFIELD count only changes, BITOP one write', async () => {
    const seqs: Cmd[][] = [
      [['SETBIT', 'b:d', '0', '1']],
      [['SETBIT', 'b:d', '0', '1']],
      [['SETBIT', 'b:d', '0', '0']],
      [['SETBIT', 'b:d', '100', '0']],
      [['SETBIT', 'b:d', '100', '0']],
      [['BITFIELD', 'b:d', 'SET', 'u8', '0', '0']],
      [['BITFIELD', 'b:d', 'SET', 'u8', '0', '1', 'SET', 'u8', '8', '1', 'SET', 'u8', '8', '1']],
      [['BITFIELD', 'b:d', 'SET', 'u8', '800', '0']],
      [['BITFIELD', 'b:d', 'INCRBY', 'u8', '0', '0', 'GET', 'u8', '0']],
      [['BITFIELD', 'b:d2', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '300']],
      [['BITFIELD', 'b:d2', 'GET', 'u8', '0']],
      [['BITOP', 'OR', 'b:d3', 'b:d', 'b:d2']],
      [['BITOP', 'OR', 'b:d3', 'b:none']],
      [['BITOP', 'OR', 'b:d3', 'b:none']],
      [['GETBIT', 'b:d', '0'], ['BITCOUNT', 'b:d'], ['BITPOS', 'b:d', '1'], ['BITFIELD_RO', 'b:d', 'GET', 'u8', '0']],
    ];
    const hitStats = async (): Promise<[number, number]> => {
      const info = await pair.b.call('INFO', 'stats');
      return [Number(/keyspace_hits:(\d+)/.exec(info)![1]), Number(/keyspace_misses:(\d+)/.exec(info)![1])];
    };
    for (const seq of seqs) {
      const [h0, m0] = await hitStats();
      const { hits, misses } = pair.t.server.ks.stats;
      const before = await redisDirty();
      const mine = pair.t.server.ks.stats.dirty;
      await same(seq);
      assert.equal(pair.t.server.ks.stats.dirty - mine, (await redisDirty()) - before, `dirty after ${JSON.stringify(seq)}`);
      const [h1, m1] = await hitStats();
      assert.deepEqual([pair.t.server.ks.stats.hits - hits, pair.t.server.ks.stats.misses - misses], [h1 - h0, m1 - m0], `hits/misses after ${JSON.stringify(seq)}`);
    }
  });
});
