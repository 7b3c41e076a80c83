// String commands: differential tests against redis-server 7.0.15 (identical reply bytes), expiry
// driven by a ManualClock, write counting, and unit tests of the long double arithmetic.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, haveRedis, startServer, differentialPair, sameReplies, rng, infoField } from './helpers.js';
import { ManualClock } from '../src/store/clock.js';
import { parseNotifyFlags } from '../src/server/events.js';
import { addLongDouble, formatLongDouble, incrByFloatText, parseLongDouble, type LongDouble } from '../src/commands/ldouble.js';

type Cmd = (string | Buffer)[];

const HAVE_REDIS = haveRedis();

describe('string commands vs redis-server', { skip: HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped' }, () => {
  const pair = differentialPair();

  const same = (cmds: Cmd[]): Promise<string[]> => sameReplies(pair.a, pair.b, cmds);

  /** Makes `key` a list on both servers (Redoubt: injected directly, whoever implements lists). */
  async function makeList(key: string): Promise<void> {
    pair.t.server.ks.db(0).set(key, { type: 'list', encoding: () => 'listpack' });
    await pair.b.call('DEL', key);
    await pair.b.call('LPUSH', key, 'x');
  }

  /** Redis's write counter. */
  const redisDirty = async (): Promise<number> => Number(await infoField(pair.b, 'rdb_changes_since_last_save', 'persistence'));

  test('GET and SET: plain, empty, binary and big values, missing keys', async () => {
    const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await same([
      ['GET', 's:none'],
      ['SET', 's:a', 'hello'],
      ['GET', 's:a'],
      ['SET', 's:empty', ''],
      ['GET', 's:empty'],
      ['SET', 's:bin', bin],
      ['GET', 's:bin'],
      ['SET', 's:big', 'x'.repeat(1_000_000)],
      ['GET', 's:big'],
      ['STRLEN', 's:big'],
      ['set', 's:a', 'lower'],
      ['GET', 's:a'],
    ]);
  });

  test('SET options: every combination and its errors', async () => {
    await makeList('s:list');
    const future = String(Math.floor(Date.now() / 1000) + 100000);
    const futureMs = String(Date.now() + 100000000);
    await same([
      ['SET', 's:o', 'v1', 'NX'],
      ['SET', 's:o', 'v2', 'NX'],
      ['SET', 's:o', 'v3', 'XX'],
      ['SET', 's:o2', 'v', 'XX'],
      ['GET', 's:o'],
      ['GET', 's:o2'],
      ['SET', 's:o', 'v4', 'GET'],
      ['SET', 's:o3', 'v', 'GET'],
      ['SET', 's:o', 'v5', 'XX', 'GET'],
      ['SET', 's:o4', 'v', 'XX', 'GET'],
      ['GET', 's:o4'],
      ['SET', 's:o', 'v6', 'NX', 'GET'],
      ['SET', 's:o5', 'v', 'NX', 'GET'],
      ['GET', 's:o5'],
      ['SET', 's:o', 'v', 'NX', 'XX'],
      ['SET', 's:o', 'v', 'XX', 'NX'],
      ['SET', 's:o', 'v', 'NX', 'NX'],
      ['SET', 's:o', 'v', 'EX', '100'],
      ['SET', 's:o', 'v', 'PX', '100000'],
      ['SET', 's:o', 'v', 'EXAT', future],
      ['SET', 's:o', 'v', 'PXAT', futureMs],
      ['SET', 's:o', 'v', 'KEEPTTL'],
      ['SET', 's:o', 'v', 'ex', '100', 'nx'],
      ['SET', 's:o', 'v', 'xx', 'px', '100000', 'get'],
      ['SET', 's:o', 'v', 'EX', '10', 'EX', '20'],
      ['SET', 's:o', 'v', 'EX', '10', 'PX', '20'],
      ['SET', 's:o', 'v', 'PX', '10', 'EX', '20'],
      ['SET', 's:o', 'v', 'EXAT', future, 'PXAT', futureMs],
      ['SET', 's:o', 'v', 'KEEPTTL', 'EX', '10'],
      ['SET', 's:o', 'v', 'EX', '10', 'KEEPTTL'],
      ['SET', 's:o', 'v', 'PERSIST'],
      ['SET', 's:o', 'v', 'EX'],
      ['SET', 's:o', 'v', 'PX'],
      ['SET', 's:o', 'v', 'FOO'],
      ['SET', 's:o', 'v', 'EX', '0'],
      ['SET', 's:o', 'v', 'EX', '-1'],
      ['SET', 's:o', 'v', 'EX', 'abc'],
      ['SET', 's:o', 'v', 'EX', '1.5'],
      ['SET', 's:o', 'v', 'EX', ' 10'],
      ['SET', 's:o', 'v', 'PX', '0'],
      ['SET', 's:o', 'v', 'EXAT', '0'],
      ['SET', 's:o', 'v', 'PXAT', '-5'],
      ['SET', 's:o', 'v', 'EX', '9223372036854775'],
      ['SET', 's:o', 'v', 'EX', '9223372036854776'],
      ['SET', 's:o', 'v', 'EX', '9223372036854775807'],
      ['SET', 's:o', 'v', 'EX', '9223372036854775808'],
      ['SET', 's:o', 'v', 'PX', '9223372036854775000'],
      ['SET', 's:o', 'v', 'PXAT', '9223372036854775000'],
      ['SET', 's:o', 'v', 'EXAT', '9223372036854775'],
      ['SET', 's:o', 'v', 'EXAT', '9223372036854776'],
      ['SET', 's:o', 'v', 'GET', 'EX', 'x'],
      ['SET', 's:list', 'v', 'GET'],
      ['SET', 's:list', 'v', 'NX', 'GET'],
      ['SET', 's:list', 'v', 'EX', 'bad', 'GET'],
      ['SET', 's:list', 'v', 'NX'],
      ['SET', 's:list', 'v', 'XX'],
      ['GET', 's:list'],
      ['SET', 's:list', 'v'],
      ['GET', 's:list'],
      ['SET', 's:o', 'v', 'EXAT', '1'],
      ['GET', 's:o'],
      ['SET', 's:o', 'v', 'PXAT', '1', 'GET'],
      ['GET', 's:o'],
    ]);
  });

  test('SETNX SETEX PSETEX GETSET GETDEL', async () => {
    await makeList('s:l2');
    await same([
      ['SETNX', 's:nx', 'a'],
      ['SETNX', 's:nx', 'b'],
      ['GET', 's:nx'],
      ['SETNX', 's:l2', 'b'],
      ['SETEX', 's:ex', '100', 'v'],
      ['GET', 's:ex'],
      ['SETEX', 's:ex', '0', 'v'],
      ['SETEX', 's:ex', '-3', 'v'],
      ['SETEX', 's:ex', 'x', 'v'],
      ['SETEX', 's:ex', '9223372036854775807', 'v'],
      ['PSETEX', 's:ex', '100000', 'w'],
      ['GET', 's:ex'],
      ['PSETEX', 's:ex', '0', 'w'],
      ['PSETEX', 's:ex', '9223372036854775807', 'w'],
      ['SETEX', 's:l2', '10', 'v'],
      ['GET', 's:l2'],
      ['GETSET', 's:gs', 'one'],
      ['GETSET', 's:gs', 'two'],
      ['GET', 's:gs'],
      ['GETDEL', 's:gs'],
      ['GETDEL', 's:gs'],
      ['GET', 's:gs'],
    ]);
    await makeList('s:l3');
    await same([
      ['GETSET', 's:l3', 'x'],
      ['GETDEL', 's:l3'],
    ]);
  });

  test('GETEX options and errors', async () => {
    await makeList('s:gl');
    const future = String(Math.floor(Date.now() / 1000) + 100000);
    await same([
      ['SET', 's:ge', 'v'],
      ['GETEX', 's:ge'],
      ['GETEX', 's:ge', 'EX', '100'],
      ['GETEX', 's:ge', 'PX', '100000'],
      ['GETEX', 's:ge', 'EXAT', future],
      ['GETEX', 's:ge', 'PXAT', future + '000'],
      ['GETEX', 's:ge', 'PERSIST'],
      ['GETEX', 's:ge', 'persist', 'persist'],
      ['GETEX', 's:ge', 'EX', '10', 'PERSIST'],
      ['GETEX', 's:ge', 'PERSIST', 'EX', '10'],
      ['GETEX', 's:ge', 'EX', '10', 'PX', '10'],
      ['GETEX', 's:ge', 'KEEPTTL'],
      ['GETEX', 's:ge', 'NX'],
      ['GETEX', 's:ge', 'GET'],
      ['GETEX', 's:ge', 'EX'],
      ['GETEX', 's:ge', 'EX', '0'],
      ['GETEX', 's:ge', 'EX', 'x'],
      ['GETEX', 's:ge', 'EX', '9223372036854775807'],
      ['GETEX', 's:none', 'EX', 'x'],
      ['GETEX', 's:none', 'EX', '-1'],
      ['GETEX', 's:none', 'FOO'],
      ['GETEX', 's:gl'],
      ['GETEX', 's:gl', 'EX', 'x'],
      ['GETEX', 's:ge', 'EXAT', '1'],
      ['GET', 's:ge'],
      ['SET', 's:ge', 'v'],
      ['GETEX', 's:ge', 'PXAT', '1'],
      ['GETEX', 's:ge'],
    ]);
  });

  test('MGET MSET MSETNX', async () => {
    await makeList('s:ml');
    await same([
      ['MSET', 's:m1', 'a', 's:m2', 'b'],
      ['MGET', 's:m1', 's:m2', 's:none', 's:ml'],
      ['MSET', 's:m1'],
      ['MSET', 's:m1', 'a', 's:m2'],
      ['MSETNX', 's:m1'],
      ['MSETNX', 's:m3', 'a', 's:m1', 'b'],
      ['MGET', 's:m3', 's:m1'],
      ['MSETNX', 's:m3', 'a', 's:m4', 'b'],
      ['MSETNX', 's:m5', 'x', 's:m5', 'y'],
      ['MGET', 's:m3', 's:m4', 's:m5'],
      ['MSETNX', 's:ml', 'x'],
      ['MSET', 's:ml', 'now-a-string'],
      ['GET', 's:ml'],
    ]);
  });

  test('APPEND and STRLEN', async () => {
    await makeList('s:al');
    await same([
      ['APPEND', 's:ap', 'foo'],
      ['APPEND', 's:ap', 'bar'],
      ['APPEND', 's:ap', ''],
      ['APPEND', 's:ap2', ''],
      ['STRLEN', 's:ap2'],
      ['GET', 's:ap'],
      ['STRLEN', 's:ap'],
      ['STRLEN', 's:none'],
      ['SET', 's:num', '-555'],
      ['STRLEN', 's:num'],
      ['APPEND', 's:num', '1'],
      ['GET', 's:num'],
      ['APPEND', 's:al', 'x'],
      ['STRLEN', 's:al'],
    ]);
  });

  test('INCR DECR INCRBY DECRBY: 64-bit limits and strict integers', async () => {
    await makeList('s:il');
    const cmds: Cmd[] = [
      ['INCR', 's:i'],
      ['INCR', 's:i'],
      ['DECR', 's:i'],
      ['DECR', 's:i2'],
      ['INCRBY', 's:i', '100'],
      ['INCRBY', 's:i', '-1000'],
      ['DECRBY', 's:i', '17'],
      ['DECRBY', 's:i', '-17'],
      ['INCRBY', 's:i', 'x'],
      ['INCRBY', 's:i', ''],
      ['INCRBY', 's:i', '1.0'],
      ['INCRBY', 's:i', '+1'],
      ['INCRBY', 's:i', '01'],
      ['INCRBY', 's:i', '-0'],
      ['INCRBY', 's:i', '9223372036854775808'],
      ['DECRBY', 's:i', '-9223372036854775808'],
      ['DECRBY', 's:none2', '-9223372036854775808'],
      ['DECRBY', 's:i', '9223372036854775807'],
      ['DECRBY', 's:i', '9223372036854775807'],
      ['SET', 's:i', '9223372036854775806'],
      ['INCR', 's:i'],
      ['INCR', 's:i'],
      ['GET', 's:i'],
      ['SET', 's:i', '-9223372036854775807'],
      ['DECR', 's:i'],
      ['DECR', 's:i'],
      ['SET', 's:i', '9007199254740990'],
      ['INCR', 's:i'],
      ['INCR', 's:i'],
      ['INCR', 's:i'],
      ['INCRBY', 's:i', '9007199254740993'],
      ['SET', 's:i', '17179869184'],
      ['INCRBY', 's:i', '17179869184'],
      ['SET', 's:i', '999999999999999'],
      ['INCR', 's:i'],
      ['SET', 's:i', '-999999999999999'],
      ['DECR', 's:i'],
      ['INCRBY', 's:i', '-9223372036854775000'],
      ['SET', 's:i', '0'],
      ['INCRBY', 's:i', '-9223372036854775808'],
      ['DECR', 's:i'],
    ];
    for (const bad of [' 1', '1 ', ' 1 ', '+1', '01', '-0', '', '1.0', '1e3', 'abc', '0x10', '99999999999999999999', '9223372036854775808', '-9223372036854775809', '1\0']) {
      cmds.push(['SET', 's:bad', bad], ['INCR', 's:bad'], ['DECRBY', 's:bad', '1'], ['GET', 's:bad']);
    }
    cmds.push(['INCR', 's:il'], ['INCRBY', 's:il', 'x'], ['DECRBY', 's:il', '1']);
    await same(cmds);
    const r = rng(7);
    const fuzz: Cmd[] = [];
    for (let i = 0; i < 400; i++) {
      const mag = Math.floor(r() * 20);
      const v = BigInt(Math.floor(r() * 10 ** Math.min(mag, 15))) * 10n ** BigInt(Math.max(0, mag - 15));
      fuzz.push(['INCRBY', 's:fz', String(r() < 0.5 ? -v : v)]);
      if (r() < 0.1) fuzz.push(['SET', 's:fz', String(BigInt(Math.floor(r() * 2 ** 53)) * (r() < 0.5 ? 1n : 1024n))]);
    }
    await same(fuzz);
  });

  test('a counter INCR keeps as its number reads as its digits to every other command', async () => {
    const cmds: Cmd[] = [
      ['INCR', 'c:a'],
      ['INCRBY', 'c:b', '9'],
      ['INCR', 'c:b'],
      ['DECRBY', 'c:c', '10'],
      ['INCRBY', 'c:d', '9007199254740990'],
      ['INCR', 'c:d'],
      ['INCR', 'c:d'],
      ['INCR', 'c:d'],
    ];
    for (const k of ['c:a', 'c:b', 'c:c', 'c:d']) {
      cmds.push(
        ['GET', k],
        ['STRLEN', k],
        ['TYPE', k],
        ['OBJECT', 'ENCODING', k],
        ['GETRANGE', k, '0', '-1'],
        ['SUBSTR', k, '1', '2'],
        ['BITCOUNT', k],
        ['GETBIT', k, '3'],
        ['LCS', k, 'c:b'],
        ['DUMP', k],
        ['DEBUG', 'DIGEST-VALUE', k],
      );
    }
    cmds.push(
      ['MGET', 'c:a', 'c:b', 'c:c', 'c:d'],
      ['APPEND', 'c:a', '5'],
      ['INCR', 'c:a'],
      ['SETRANGE', 'c:b', '0', '7'],
      ['INCR', 'c:b'],
      ['INCRBYFLOAT', 'c:c', '1.5'],
      ['INCR', 'c:c'],
      ['GETSET', 'c:a', '3'],
      ['INCR', 'c:a'],
      ['COPY', 'c:a', 'c:e'],
      ['INCR', 'c:e'],
      ['GET', 'c:a'],
      ['RENAME', 'c:a', 'c:f'],
      ['INCR', 'c:f'],
      ['SETBIT', 'c:f', '7', '1'],
      ['GET', 'c:f'],
      ['INCR', 'c:f'],
      ['EVAL', "return redis.call('INCR', KEYS[1]) .. ':' .. redis.call('GET', KEYS[1])", '1', 'c:g'],
      ['GETDEL', 'c:e'],
      ['RPUSH', 'c:ids', '1', '2', '3'],
      ['SET', 'c:w_1', '5'],
      ['INCR', 'c:w_1'],
      ['INCR', 'c:w_2'],
      ['SORT', 'c:ids', 'BY', 'c:w_*', 'GET', 'c:w_*'],
      ['DEBUG', 'RELOAD'],
      ['GET', 'c:b'],
      ['INCR', 'c:b'],
      ['DEBUG', 'DIGEST-VALUE', 'c:b', 'c:d', 'c:f', 'c:g'],
    );
    // DEBUG (DUMP's payload, digests, a reload through a snapshot) needs a server that allows it.
    const t = await startServer({ 'enable-debug-command': 'yes' });
    let a: RawConn | undefined;
    try {
      a = await RawConn.connect(t.port);
      await sameReplies(a, pair.b, cmds);
      // What Redis has no counterpart for: a counter is the string of its digits to memory accounting.
      await a.call('INCRBY', 'c:h', '12345');
      await a.call('SET', 'c:s', '12346');
      await a.call('INCR', 'c:h');
      assert.equal(typeof t.server.ks.db(0).data.get('c:h'), 'number', 'INCR keeps its result as a number');
      assert.equal(await a.call('MEMORY', 'USAGE', 'c:h'), await a.call('MEMORY', 'USAGE', 'c:s'));
    } finally {
      a?.close();
      await t.close();
    }
  });

  test('INCRBYFLOAT: long double results, formatting, errors', async () => {
    await makeList('s:fl');
    const cmds: Cmd[] = [
      ['INCRBYFLOAT', 's:f', '1'],
      ['INCRBYFLOAT', 's:f', '0.1'],
      ['INCRBYFLOAT', 's:f', '0.2'],
      ['INCRBYFLOAT', 's:f', '-1.3'],
      ['INCRBYFLOAT', 's:f', '10.5'],
      ['INCRBYFLOAT', 's:f', '5.0e3'],
      ['INCRBYFLOAT', 's:f', '-5.0e3'],
      ['INCRBYFLOAT', 's:f', '1e30'],
      ['INCRBYFLOAT', 's:f', '-1e30'],
      ['INCRBYFLOAT', 's:f', '1.23456789012345678901234567890'],
      ['INCRBYFLOAT', 's:f', '1e-20'],
      ['INCRBYFLOAT', 's:f', '0x10'],
      ['INCRBYFLOAT', 's:f', '0x1.8p3'],
      ['INCRBYFLOAT', 's:f', '.5'],
      ['INCRBYFLOAT', 's:f', '5.'],
      ['INCRBYFLOAT', 's:f', '+3'],
      ['INCRBYFLOAT', 's:f', 'inf'],
      ['INCRBYFLOAT', 's:f', '-inf'],
      ['INCRBYFLOAT', 's:f', 'Infinity'],
      ['INCRBYFLOAT', 's:f', 'nan'],
      ['INCRBYFLOAT', 's:f', 'x'],
      ['INCRBYFLOAT', 's:f', ''],
      ['INCRBYFLOAT', 's:f', ' 1'],
      ['INCRBYFLOAT', 's:f', '1 '],
      ['INCRBYFLOAT', 's:f', '1e'],
      ['INCRBYFLOAT', 's:f', 'e1'],
      ['INCRBYFLOAT', 's:f', '.'],
      ['INCRBYFLOAT', 's:f', '0x'],
      ['INCRBYFLOAT', 's:f', '1e5000'],
      ['INCRBYFLOAT', 's:f', '1e-5000'],
      ['INCRBYFLOAT', 's:f', '0e-99999'],
      ['INCRBYFLOAT', 's:f', '1' + '0'.repeat(5200)],
      ['INCRBYFLOAT', 's:f', '1' + '0'.repeat(4000)],
      ['INCRBYFLOAT', 's:f', '-1' + '0'.repeat(4000)],
      ['GET', 's:f'],
      ['SET', 's:f', '1.5'],
      ['INCRBYFLOAT', 's:f', '1e4931'],
      ['INCRBYFLOAT', 's:f', '1e4931'],
      ['SET', 's:f', '1.18973149535723176502e+4932'],
      ['INCRBYFLOAT', 's:f', '1.18973149535723176502e+4932'],
      ['SET', 's:f', ' 1'],
      ['INCRBYFLOAT', 's:f', '1'],
      ['SET', 's:f', 'inf'],
      ['INCRBYFLOAT', 's:f', '1'],
      ['SET', 's:f', '1'],
      ['INCRBYFLOAT', 's:f', '-1'],
      ['INCRBYFLOAT', 's:f', '-0.1'],
      ['INCRBYFLOAT', 's:f', '0.1'],
      ['SET', 's:f', '-0.000000000000000001'],
      ['INCRBYFLOAT', 's:f', '0'],
      ['SET', 's:f', '17179869184'],
      ['INCRBYFLOAT', 's:f', '1.5'],
      ['INCRBYFLOAT', 's:f', '17179869184.5'],
      ['INCRBYFLOAT', 's:fl', '1'],
      ['INCRBYFLOAT', 's:fl', 'x'],
    ];
    await same(cmds);
    const r = rng(11);
    const fuzz: Cmd[] = [];
    const num = (): string => {
      const kind = r();
      const sign = r() < 0.4 ? '-' : '';
      if (kind < 0.3) return sign + String(Math.floor(r() * 1000)) + '.' + String(Math.floor(r() * 1e6));
      if (kind < 0.5) return sign + (r() * 10 ** Math.floor(r() * 40 - 20)).toString();
      if (kind < 0.7) return sign + r().toFixed(Math.floor(r() * 25));
      if (kind < 0.9) return sign + String(Math.floor(r() * 9)) + 'e' + String(Math.floor(r() * 60 - 30));
      return sign + (r() * 1e300).toExponential(Math.floor(r() * 20));
    };
    for (let i = 0; i < 500; i++) {
      if (r() < 0.15) fuzz.push(['SET', 's:ff', num()]);
      fuzz.push(['INCRBYFLOAT', 's:ff', num()]);
    }
    await same(fuzz);
  });

  test('GETRANGE and SUBSTR', async () => {
    await makeList('s:rl');
    const cmds: Cmd[] = [
      ['SET', 's:r', 'Hello World'],
      ['GETRANGE', 's:none', '0', '-1'],
      ['GETRANGE', 's:rl', '0', '-1'],
      ['GETRANGE', 's:rl', 'x', '-1'],
      ['GETRANGE', 's:r', 'x', '1'],
      ['GETRANGE', 's:r', '1', 'y'],
      ['GETRANGE', 's:none', 'x', '1'],
      ['GETRANGE', 's:r', '0', '9223372036854775807'],
      ['GETRANGE', 's:r', '-9223372036854775808', '9223372036854775807'],
      ['GETRANGE', 's:r', '9223372036854775807', '9223372036854775807'],
      ['GETRANGE', 's:r', '0', '9223372036854775808'],
      ['SUBSTR', 's:r', '0', '3'],
      ['SUBSTR', 's:r', '-4', '-1'],
      ['SET', 's:re', ''],
      ['GETRANGE', 's:re', '0', '-1'],
      ['GETRANGE', 's:re', '-1', '0'],
    ];
    for (const [s, e] of [
      ['0', '3'], ['0', '-1'], ['-4', '-1'], ['5', '3'], ['5', '5000'], ['-5000', '10000'], ['-1', '-5'], ['-5', '-1'],
      ['-100', '-50'], ['3', '-100'], ['100', '200'], ['-1', '0'], ['0', '0'], ['10', '10'], ['11', '11'],
    ]) cmds.push(['GETRANGE', 's:r', s!, e!]);
    const r = rng(3);
    for (let i = 0; i < 300; i++) {
      cmds.push(['GETRANGE', 's:r', String(Math.floor(r() * 30 - 15)), String(Math.floor(r() * 30 - 15))]);
    }
    await same(cmds);
  });

  test('SETRANGE: padding, limits, errors', async () => {
    await makeList('s:sl');
    await same([
      ['SETRANGE', 's:sr', '0', 'foo'],
      ['GET', 's:sr'],
      ['SETRANGE', 's:sr2', '0', ''],
      ['GET', 's:sr2'],
      ['SETRANGE', 's:sr3', '1', 'foo'],
      ['GET', 's:sr3'],
      ['SET', 's:sr', 'foo'],
      ['SETRANGE', 's:sr', '0', 'b'],
      ['SETRANGE', 's:sr', '0', ''],
      ['SETRANGE', 's:sr', '1', 'bb'],
      ['SETRANGE', 's:sr', '1', 'xxxxx'],
      ['SETRANGE', 's:sr', '10', 'bar'],
      ['GET', 's:sr'],
      ['SETRANGE', 's:sr', '-1', 'x'],
      ['SETRANGE', 's:sr', 'x', 'x'],
      ['SETRANGE', 's:sr', '1.5', 'x'],
      ['SETRANGE', 's:sr', '536870908', 'world'],
      ['SETRANGE', 's:sr', '536870912', 'w'],
      ['SETRANGE', 's:sr', '9223372036854775807', 'w'],
      ['SETRANGE', 's:sr', '9223372036854775808', 'w'],
      ['SETRANGE', 's:sr', '-9223372036854775808', 'w'],
      ['SETRANGE', 's:srn', '536870908', 'world'],
      ['SETRANGE', 's:srn', '536870912', ''],
      ['SETRANGE', 's:sl', '0', 'x'],
      ['SETRANGE', 's:sl', '-1', 'x'],
      ['SETRANGE', 's:sl', '0', ''],
      ['SET', 's:sr', '1234'],
      ['SETRANGE', 's:sr', '5', '2'],
      ['GET', 's:sr'],
    ]);
  });

  test('LCS: strings, LEN, IDX, MINMATCHLEN, WITHMATCHLEN, errors; RESP2 and RESP3', async () => {
    await makeList('s:ll');
    const base: Cmd[] = [
      ['MSET', 's:la', 'ohmytext', 's:lb', 'mynewtext'],
      ['SET', 's:lc', 'rvpbfbfmlrzfgcaaeisbdblxfkbdblgfy'],
      ['SET', 's:ld', 'bfbfqdbcesdcbtmldhvckmtbmcbzuaetbfmgdlsaxfaqe'],
    ];
    await same(base);
    const opts: string[][] = [
      [], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN'], ['IDX', 'MINMATCHLEN', '4'], ['IDX', 'MINMATCHLEN', '2', 'WITHMATCHLEN'],
      ['idx', 'minmatchlen', '-5'], ['LEN', 'IDX'], ['IDX', 'LEN'], ['FOO'], ['MINMATCHLEN'], ['MINMATCHLEN', 'x'], ['LEN', 'WITHMATCHLEN'],
      ['MINMATCHLEN', '3'], ['WITHMATCHLEN'], ['IDX', 'IDX'],
    ];
    const pairs = [['s:la', 's:lb'], ['s:lc', 's:ld'], ['s:la', 's:none'], ['s:none', 's:none2'], ['s:lb', 's:lb'], ['s:ll', 's:la'], ['s:la', 's:ll']];
    const cmds: Cmd[] = [];
    for (const [x, y] of pairs) for (const o of opts) cmds.push(['LCS', x!, y!, ...o]);
    await same(cmds);
    // Random strings over a small alphabet: many ties in the table walk.
    const r = rng(5);
    const fuzz: Cmd[] = [];
    const rand = (n: number): string => Array.from({ length: n }, () => 'abc'[Math.floor(r() * 3)]).join('');
    for (let i = 0; i < 60; i++) {
      fuzz.push(['MSET', 's:fx', rand(Math.floor(r() * 40)), 's:fy', rand(Math.floor(r() * 40))]);
      fuzz.push(['LCS', 's:fx', 's:fy'], ['LCS', 's:fx', 's:fy', 'IDX', 'WITHMATCHLEN'], ['LCS', 's:fx', 's:fy', 'IDX', 'MINMATCHLEN', '2']);
    }
    await same(fuzz);
    pair.a.send('HELLO', '3');
    pair.b.send('HELLO', '3');
    await pair.a.reply();
    await pair.b.reply();
    try {
      await same([
        ['LCS', 's:la', 's:lb', 'IDX', 'WITHMATCHLEN'],
        ['LCS', 's:lc', 's:ld', 'IDX'],
        ['LCS', 's:la', 's:lb', 'LEN'],
        ['GET', 's:none'],
        ['SET', 's:o', 'v', 'NX'],
        ['SET', 's:zz', 'v', 'XX'],
        ['GETEX', 's:none'],
      ]);
    } finally {
      pair.a.send('HELLO', '2');
      pair.b.send('HELLO', '2');
      await pair.a.reply();
      await pair.b.reply();
    }
  });

  test('LCS refuses a table bigger than proto-max-bulk-len', async () => {
    await same([
      ['SET', 's:big1', 'a'.repeat(12000)],
      ['SET', 's:big2', 'b'.repeat(12000)],
      ['LCS', 's:big1', 's:big2', 'LEN'],
    ]);
  });

  test('keyspace hits and misses as Redis counts them', async () => {
    await makeList('s:hl');
    await same([['MSET', 's:h1', '1', 's:h2', 'ab']]);
    const stats = async (): Promise<[number, number]> => {
      const info = await pair.b.call('INFO', 'stats');
      return [Number(/keyspace_hits:(\d+)/.exec(info)![1]), Number(/keyspace_misses:(\d+)/.exec(info)![1])];
    };
    const seqs: Cmd[][] = [
      [['GET', 's:h1'], ['GET', 's:hnone'], ['GET', 's:hl']],
      [['MGET', 's:h1', 's:hnone', 's:h2']],
      [['SET', 's:h3', 'x', 'GET'], ['SET', 's:h3', 'y', 'GET'], ['SET', 's:h3', 'z', 'NX']],
      [['SETNX', 's:h4', 'x'], ['INCR', 's:h1'], ['APPEND', 's:h2', 'c'], ['SETRANGE', 's:h2', '0', 'z'], ['INCRBYFLOAT', 's:h1', '1']],
      [['GETSET', 's:h4', 'y'], ['GETDEL', 's:h4'], ['GETDEL', 's:h4'], ['GETEX', 's:h2'], ['GETEX', 's:hnone']],
      [['STRLEN', 's:h2'], ['STRLEN', 's:hnone'], ['GETRANGE', 's:h2', '0', '1'], ['GETRANGE', 's:hnone', '0', '1'], ['LCS', 's:h2', 's:hnone']],
      [['MSETNX', 's:h1', 'x'], ['MSETNX', 's:h5', 'x']],
    ];
    for (const seq of seqs) {
      const [h0, m0] = await stats();
      const { hits, misses } = pair.t.server.ks.stats;
      await same(seq);
      const [h1, m1] = await stats();
      assert.deepEqual([pair.t.server.ks.stats.hits - hits, pair.t.server.ks.stats.misses - misses], [h1 - h0, m1 - m0], `hits/misses after ${JSON.stringify(seq)}`);
    }
  });

  test('keyspace notifications: the events Redis sends for string and bitmap writes', async () => {
    // Redoubt: capture what the commands hand to server.events; Redis: a PSUBSCRIBEd connection.
    const events = pair.t.server.events;
    const got: string[] = [];
    await pair.b.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    const savedFlags = events.flags;
    const savedPublish = events.publish;
    events.flags = parseNotifyFlags('KEA')!;
    events.publish = (channel, message) => {
      if (channel.startsWith('__keyevent@')) got.push(`${channel} ${message}`);
    };
    await makeList('s:nl');
    const sub = await RawConn.connect(pair.ref.port);
    try {
      await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
      await same([
        ['SET', 's:n1', 'a'],
        ['SET', 's:n1', 'b', 'EX', '100'],
        ['SET', 's:n1', 'c', 'NX'],
        ['SETNX', 's:n2', 'a'],
        ['SETEX', 's:n2', '100', 'a'],
        ['PSETEX', 's:n2', '100000', 'a'],
        ['GETSET', 's:n2', 'b'],
        ['GETEX', 's:n2', 'EX', '100'],
        ['GETEX', 's:n2', 'PERSIST'],
        ['GETEX', 's:n2', 'PERSIST'],
        ['GETEX', 's:n2', 'PXAT', '1'],
        ['MSET', 's:n3', 'a', 's:n4', 'b'],
        ['MSETNX', 's:n5', 'a'],
        ['GETDEL', 's:n5'],
        ['APPEND', 's:n3', 'x'],
        ['INCR', 's:n6'],
        ['DECRBY', 's:n6', '5'],
        ['INCRBYFLOAT', 's:n6', '1.5'],
        ['SETRANGE', 's:n7', '0', ''],
        ['SETRANGE', 's:n7', '1', 'x'],
        ['SETBIT', 's:n8', '3', '1'],
        ['SETBIT', 's:n8', '3', '1'],
        ['BITFIELD', 's:n8', 'SET', 'u8', '0', '16'],
        ['BITFIELD', 's:n8', 'SET', 'u8', '0', '16', 'INCRBY', 'u4', '0', '1'],
        ['BITFIELD', 's:n9', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'],
        ['BITOP', 'OR', 's:n10', 's:n8'],
        ['BITOP', 'OR', 's:n10', 's:nnone'],
        ['SET', 's:nl', 'x', 'GET'],
        ['INCR', 's:nl'],
      ]);
      sub.send('PING');
      const theirs: string[] = [];
      for (;;) {
        const r = await sub.reply();
        if (r.startsWith('*2\r\n$4\r\npong')) break;
        const parts = r.split('\r\n');
        // *4, $8, pmessage, $n, pattern, $n, channel, $n, message
        theirs.push(`${parts[6]} ${parts[8]}`);
      }
      assert.deepEqual(got, theirs);
    } finally {
      sub.close();
      events.flags = savedFlags;
      events.publish = savedPublish;
      await pair.b.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    }
  });

  test('write counting (dirty) as Redis counts it', async () => {
    await makeList('s:dl');
    const seqs: Cmd[][] = [
      [['SET', 's:d', '1']],
      [['SET', 's:d', '1', 'NX']],
      [['SET', 's:d', '1', 'XX', 'GET']],
      [['SET', 's:dl', '1', 'GET']],
      [['SETNX', 's:d', '2']],
      [['SETEX', 's:d', '100', '2']],
      [['PSETEX', 's:d', '100000', '2']],
      [['GETSET', 's:d', '3']],
      [['GETEX', 's:d']],
      [['GETEX', 's:d', 'EX', '100']],
      [['GETEX', 's:d', 'PERSIST']],
      [['GETEX', 's:d', 'PERSIST']],
      [['GETEX', 's:d', 'PXAT', '1']],
      [['GETDEL', 's:d']],
      [['GETDEL', 's:d']],
      [['MSET', 's:d1', 'a', 's:d2', 'b', 's:d3', 'c']],
      [['MSETNX', 's:d4', 'a', 's:d5', 'b']],
      [['MSETNX', 's:d4', 'a', 's:d6', 'b']],
      [['APPEND', 's:d7', '']],
      [['APPEND', 's:d7', 'x']],
      [['INCR', 's:d8']],
      [['INCRBY', 's:d8', 'x']],
      [['INCRBYFLOAT', 's:d8', '1.5']],
      [['INCRBYFLOAT', 's:d8', 'inf']],
      [['SETRANGE', 's:d9', '0', '']],
      [['SETRANGE', 's:d9', '2', 'ab']],
      [['SETRANGE', 's:d9', '0', '']],
      [['GET', 's:d9'], ['MGET', 's:d9'], ['STRLEN', 's:d9'], ['GETRANGE', 's:d9', '0', '1'], ['LCS', 's:d9', 's:d9']],
    ];
    for (const seq of seqs) {
      const before = await redisDirty();
      const mine = pair.t.server.ks.stats.dirty;
      await same(seq);
      assert.equal(pair.t.server.ks.stats.dirty - mine, (await redisDirty()) - before, `dirty after ${JSON.stringify(seq)}`);
    }
  });
});

test('expiry with a manual clock: SET EX/PX/EXAT/PXAT/KEEPTTL, GETEX, SETNX on an expired key, INCR keeps the TTL', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const t = await startServer({}, clock);
  const c = await RawConn.connect(t.port);
  const db = t.server.ks.db(0);
  try {
    assert.equal(await c.call('SET', 'k', 'v', 'EX', '10'), '+OK\r\n');
    assert.equal(db.getExpire('k'), clock.ms + 10_000);
    assert.equal(await c.call('SET', 'k', 'v2', 'KEEPTTL'), '+OK\r\n');
    assert.equal(db.getExpire('k'), clock.ms + 10_000);
    assert.equal(await c.call('INCR', 'n'), ':1\r\n');
    assert.equal(await c.call('SET', 'n', '5', 'PX', '500'), '+OK\r\n');
    assert.equal(await c.call('INCR', 'n'), ':6\r\n');
    assert.equal(await c.call('INCRBYFLOAT', 'n', '0.5'), '$3\r\n6.5\r\n');
    assert.equal(await c.call('APPEND', 'n', '1'), ':4\r\n');
    assert.equal(await c.call('SETRANGE', 'n', '0', '7'), ':4\r\n');
    assert.equal(db.getExpire('n'), clock.ms + 500);
    clock.advance(500);
    assert.equal(await c.call('GET', 'n'), '$4\r\n7.51\r\n', 'still there at its expire time');
    clock.advance(1);
    assert.equal(await c.call('GET', 'n'), '$-1\r\n');
    assert.equal(await c.call('SET', 'k', 'v3'), '+OK\r\n');
    assert.equal(db.getExpire('k'), undefined);
    const sec = Math.floor(clock.ms / 1000);
    assert.equal(await c.call('SET', 'k', 'v', 'EXAT', String(sec + 5)), '+OK\r\n');
    assert.equal(db.getExpire('k'), (sec + 5) * 1000);
    assert.equal(await c.call('SET', 'k', 'v', 'PXAT', String(clock.ms + 7)), '+OK\r\n');
    assert.equal(db.getExpire('k'), clock.ms + 7);
    assert.equal(await c.call('GETSET', 'k', 'w'), '$1\r\nv\r\n');
    assert.equal(db.getExpire('k'), undefined);
    assert.equal(await c.call('GETEX', 'k', 'PX', '100'), '$1\r\nw\r\n');
    assert.equal(db.getExpire('k'), clock.ms + 100);
    assert.equal(await c.call('GETEX', 'k', 'PERSIST'), '$1\r\nw\r\n');
    assert.equal(db.getExpire('k'), undefined);
    assert.equal(await c.call('SETEX', 'x', '1', '10'), '+OK\r\n');
    assert.equal(await c.call('SETNX', 'x', '20'), ':0\r\n');
    clock.advance(1001);
    assert.equal(await c.call('SETNX', 'x', '20'), ':1\r\n');
    assert.equal(await c.call('GET', 'x'), '$2\r\n20\r\n');
    assert.equal(db.getExpire('x'), undefined);
    assert.equal(await c.call('GETEX', 'x', 'EXAT', String(Math.floor(clock.ms / 1000))), '$2\r\n20\r\n');
    assert.equal(db.exists('x'), false);
    assert.equal(await c.call('PSETEX', 'y', '1', 'v'), '+OK\r\n');
    clock.advance(2);
    assert.equal(await c.call('MGET', 'y', 'k'), '*2\r\n$-1\r\n$1\r\nw\r\n');
    assert.equal(await c.call('SET', 'k', 'v', 'PX', '9223372036854775000'), '-ERR invalid expire time in \'set\' command\r\n');
  } finally {
    c.close();
    await t.close();
  }
});

describe('long double arithmetic (INCRBYFLOAT)', () => {
  const ld = (s: string): LongDouble => {
    const v = parseLongDouble(s);
    assert.ok(v !== null && typeof v !== 'number', `parses ${s}`);
    return v;
  };

  test('formats as %.17Lf without trailing zeros', () => {
    const cases: [string, string][] = [
      ['0', '0'],
      ['1', '1'],
      ['-1', '-1'],
      ['0.1', '0.1'],
      ['1.5', '1.5'],
      ['3.0e3', '3000'],
      ['1e30', '1000000000000000000024696061952'],
      ['1e-17', '0.00000000000000001'],
      ['4e-18', '0'],
      ['6e-18', '0.00000000000000001'],
      ['-4e-18', '0'],
      ['123456789.123456789', '123456789.12345678899873747'],
      ['0x10', '16'],
      ['0x1.8p1', '3'],
      ['0x.8', '0.5'],
      ['1.', '1'],
      ['.25', '0.25'],
      ['+2', '2'],
      ['18446744073709551615', '18446744073709551615'],
      ['18446744073709551617', '18446744073709551616'],
    ];
    for (const [input, out] of cases) assert.equal(formatLongDouble(ld(input)), out, input);
  });

  test('parsing refuses what strtold-with-checks refuses', () => {
    for (const s of ['', ' 1', '\t1', '1 ', 'nan', 'NaN', '-nan', '1e', 'e1', '.', '0x', '0x1p', '1e5000', '-1e5000', '1e-5000', 'x', '1' + '0'.repeat(5120)]) {
      assert.equal(parseLongDouble(s), null, JSON.stringify(s));
    }
    assert.equal(parseLongDouble('inf'), Infinity);
    assert.equal(parseLongDouble('-Infinity'), -Infinity);
    assert.deepEqual(parseLongDouble('0e-99999'), { m: 0n, e: 0 });
  });

  test('one rounding per addition, ties to even at 64 bits', () => {
    // 2^64 + 1 is not representable: it rounds to 2^64 (tie to even); 2^64 + 3 rounds up to 2^64 + 4.
    assert.equal(formatLongDouble(addLongDouble(ld('18446744073709551616'), ld('1'))!), '18446744073709551616');
    assert.equal(formatLongDouble(addLongDouble(ld('18446744073709551616'), ld('3'))!), '18446744073709551620');
    assert.equal(formatLongDouble(addLongDouble(ld('0.1'), ld('0.2'))!), '0.3');
    assert.equal(incrByFloatText('10.5', '0.1'), '10.6');
    assert.equal(incrByFloatText('x', '1'), 'value');
    assert.equal(incrByFloatText('1', 'x'), 'incr');
    assert.equal(incrByFloatText('1', 'inf'), 'nan');
    assert.equal(incrByFloatText('1.18973149535723176502e+4932', '1.18973149535723176502e+4932'), 'nan');
    assert.equal(incrByFloatText('1', '-1'), '0');
  });
});
