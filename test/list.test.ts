// List commands: unit tests of the packed (quicklist) list value and of the timeout parser, and
// differential tests against redis-server 7.0.15 (identical reply bytes, RESP2 and RESP3),
// keyspace events, write counting and a seeded random command fuzz.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, haveRedis, waitFor, differentialPair, differentialServers, sameReplies, rng, infoField } from './helpers.js';
import { ListValue } from '../src/store/types/list.js';
import { parseTimeoutMs } from '../src/server/blocking.js';

type Cmd = (string | Buffer)[];

describe('ListValue', () => {
  test('random operations agree with an array model', () => {
    const r = rng(7);
    for (let round = 0; round < 20; round++) {
      const l = new ListValue();
      const m: string[] = [];
      for (let step = 0; step < 3000; step++) {
        const op = Math.floor(r() * 9);
        const v = String(Math.floor(r() * 8));
        switch (op) {
          case 0:
            l.pushHead(v);
            m.unshift(v);
            break;
          case 1:
            l.pushTail(v);
            m.push(v);
            break;
          case 2:
            assert.equal(l.popHead(), m.shift());
            break;
          case 3:
            assert.equal(l.popTail(), m.pop());
            break;
          case 4: {
            const i = Math.floor(r() * (m.length + 1));
            l.insertAt(i, v);
            m.splice(i, 0, v);
            break;
          }
          case 5: {
            const lim = Math.floor(r() * 3);
            const fromTail = r() < 0.5;
            let removed = 0;
            if (!fromTail) {
              for (let i = 0; i < m.length; ) {
                if (m[i] === v && (lim === 0 || removed < lim)) {
                  m.splice(i, 1);
                  removed++;
                } else i++;
              }
            } else {
              for (let i = m.length - 1; i >= 0; i--) {
                if (m[i] === v && (lim === 0 || removed < lim)) {
                  m.splice(i, 1);
                  removed++;
                }
              }
            }
            assert.equal(l.remove(v, lim, fromTail), removed);
            break;
          }
          case 6: {
            const a = Math.floor(r() * 3);
            const b = Math.floor(r() * 3);
            l.trim(a, b);
            if (a + b >= m.length) m.length = 0;
            else {
              m.splice(m.length - b, b);
              m.splice(0, a);
            }
            break;
          }
          case 7:
            if (m.length > 0) {
              const i = Math.floor(r() * m.length);
              l.setAt(i, v);
              m[i] = v;
            }
            break;
          default:
            for (let k = 0; k < 20; k++) {
              l.pushTail(v);
              m.push(v);
            }
        }
        assert.equal(l.length, m.length);
      }
      assert.deepEqual(l.toArray(), m);
      assert.deepEqual(l.copy().toArray(), m);
      const idx = m.indexOf('3');
      assert.equal(l.indexOf('3'), idx);
    }
  });

  test('ten million elements: push, index, pop at both ends', () => {
    const n = 10_000_000;
    const l = new ListValue();
    for (let i = 0; i < n; i++) {
      if (i & 1) l.pushTail('e');
      else l.pushHead('e');
    }
    assert.equal(l.length, n);
    l.setAt(n - 1, 'last');
    l.setAt(0, 'first');
    l.setAt(n >> 1, 'mid');
    assert.equal(l.at(n >> 1), 'mid');
    assert.equal(l.popTail(), 'last');
    assert.equal(l.popHead(), 'first');
    for (let i = 0; i < n - 2; i++) l.popHead();
    assert.equal(l.length, 0);
    assert.equal(l.popHead(), undefined);
    assert.equal(l.encoding(), 'quicklist');
  });
});

describe('blocking timeout parser', () => {
  test('seconds as Redis reads them (long double, ceil to ms)', () => {
    const NF = 'ERR timeout is not a float or out of range';
    const NEG = 'ERR timeout is negative';
    const cases: [string, number | string][] = [
      ['0', 0], ['1', 1000], ['0.1', 100], ['0.001', 1], ['0.0000001', 1], ['1.5', 1500], ['.5', 500], ['1.', 1000], ['+1', 1000],
      ['1e3', 1_000_000], ['0x10', 16000], ['0x1p3', 8000], ['0x.8', 500], ['-0', 0], ['-0.0001', 0], ['0e99999', 0], ['1e-4950', 1],
      ['-1', NEG], ['inf', NEG], ['-inf', NEG], ['+inf', NEG], ['INFINITY', NEG], ['1e400', NEG], ['1e4932', NEG], ['0x7FFFFFFFFFFFFF', NEG], ['-0x1p3', NEG],
      ['abc', NF], ['', NF], ['nan', NF], [' 1', NF], ['1 ', NF], ['0x', NF], ['0x1g', NF], ['1e4933', NF], ['1e-4952', NF], ['1e5000', NF], ['0x1p99999', NF],
    ];
    for (const [arg, want] of cases) assert.equal(parseTimeoutMs(arg), want, `timeout '${arg}'`);
  });
});

const HAVE_REDIS = haveRedis();

describe('list commands vs redis-server', { skip: HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped' }, () => {
  const pair = differentialPair();

  const same = (cmds: Cmd[], x = pair.a, y = pair.b): Promise<string[]> => sameReplies(x, y, cmds);

  /** Redis's write counter. */
  const redisDirty = async (): Promise<number> => Number(await infoField(pair.b, 'rdb_changes_since_last_save', 'persistence'));

  const setup: Cmd[] = [
    ['FLUSHALL'],
    ['RPUSH', 'l', 'a', 'b', 'c', 'a', 'd', 'a'],
    ['SET', 's', 'str'],
    ['RPUSH', 'n', '1', '2', '3', '-4', '9223372036854775807'],
  ];

  /** Every command with its options and errors; run in RESP2 and RESP3. */
  const catalogue: Cmd[] = [
    ...setup,
    ['LPUSH', 'p', 'x', 'y', 'z'], ['RPUSH', 'p', '1', '2'], ['LRANGE', 'p', '0', '-1'], ['LPUSH', 's', 'x'], ['RPUSH', 's', 'x'],
    ['LPUSHX', 'nope', 'x'], ['RPUSHX', 'nope', 'x'], ['LPUSHX', 'p', 'h1', 'h2'], ['RPUSHX', 'p', 't1'], ['LPUSHX', 's', 'x'], ['RPUSHX', 's', 'x'], ['EXISTS', 'nope'],
    ['LLEN', 'p'], ['LLEN', 'nope'], ['LLEN', 's'],
    ['LINDEX', 'l', '0'], ['LINDEX', 'l', '-1'], ['LINDEX', 'l', '5'], ['LINDEX', 'l', '6'], ['LINDEX', 'l', '-6'], ['LINDEX', 'l', '-7'],
    ['LINDEX', 'l', 'abc'], ['LINDEX', 'nope', 'abc'], ['LINDEX', 's', '0'], ['LINDEX', 's', 'abc'], ['LINDEX', 'l', '9223372036854775808'], ['LINDEX', 'l', '-9223372036854775808'],
    ['LRANGE', 'l', '0', '-1'], ['LRANGE', 'l', '1', '2'], ['LRANGE', 'l', '-3', '-1'], ['LRANGE', 'l', '-100', '100'], ['LRANGE', 'l', '3', '1'], ['LRANGE', 'l', '6', '10'],
    ['LRANGE', 'l', '0', '-7'], ['LRANGE', 'l', 'a', '1'], ['LRANGE', 'l', '0', 'b'], ['LRANGE', 'nope', '0', '-1'], ['LRANGE', 'nope', 'x', '1'], ['LRANGE', 's', '0', '1'],
    ['LRANGE', 'l', '-9223372036854775808', '9223372036854775807'],
    ['LSET', 'l', '1', 'B'], ['LSET', 'l', '-1', 'Z'], ['LSET', 'l', '6', 'x'], ['LSET', 'l', '-7', 'x'], ['LSET', 'l', 'abc', 'x'], ['LSET', 'nope', '0', 'x'], ['LSET', 'nope', 'abc', 'x'],
    ['LSET', 's', '0', 'x'], ['LRANGE', 'l', '0', '-1'],
    ['LINSERT', 'l', 'BEFORE', 'a', 'ins1'], ['LINSERT', 'l', 'after', 'Z', 'ins2'], ['LINSERT', 'l', 'after', 'nothere', 'x'], ['LINSERT', 'l', 'middle', 'a', 'x'],
    ['LINSERT', 'nope', 'before', 'a', 'x'], ['LINSERT', 'nope', 'sideways', 'a', 'x'], ['LINSERT', 's', 'before', 'a', 'x'], ['LRANGE', 'l', '0', '-1'],
    ['LPOS', 'l', 'a'], ['LPOS', 'l', 'a', 'RANK', '2'], ['LPOS', 'l', 'a', 'RANK', '-1'], ['LPOS', 'l', 'a', 'RANK', '-2'], ['LPOS', 'l', 'a', 'RANK', '9'],
    ['LPOS', 'l', 'a', 'COUNT', '0'], ['LPOS', 'l', 'a', 'COUNT', '2'], ['LPOS', 'l', 'a', 'COUNT', '0', 'RANK', '-1'], ['LPOS', 'l', 'a', 'COUNT', '1', 'RANK', '2'],
    ['LPOS', 'l', 'a', 'MAXLEN', '2'], ['LPOS', 'l', 'a', 'MAXLEN', '1'], ['LPOS', 'l', 'a', 'COUNT', '0', 'MAXLEN', '4'], ['LPOS', 'l', 'a', 'RANK', '-1', 'MAXLEN', '1'],
    ['LPOS', 'l', 'zz'], ['LPOS', 'l', 'zz', 'COUNT', '3'], ['LPOS', 'nope', 'a'], ['LPOS', 'nope', 'a', 'COUNT', '0'], ['LPOS', 's', 'a'],
    ['LPOS', 'l', 'a', 'RANK', '0'], ['LPOS', 'nope', 'a', 'RANK', '0'], ['LPOS', 'l', 'a', 'RANK', 'x'], ['LPOS', 'l', 'a', 'RANK', '1.5'],
    ['LPOS', 'l', 'a', 'RANK', '-9223372036854775808'], ['LPOS', 'l', 'a', 'RANK', '-9223372036854775808', 'COUNT', '1'], ['LPOS', 'l', 'a', 'RANK', '-9223372036854775808', 'COUNT', '0'],
    ['LPOS', 'l', 'a', 'RANK', '9223372036854775807'], ['LPOS', 'l', 'a', 'RANK', '-9223372036854775807', 'COUNT', '0'], ['LPOS', 'l', 'a', 'RANK', '-9223372036854775809'],
    ['LPOS', 'l', 'a', 'COUNT', '-1'], ['LPOS', 'l', 'a', 'COUNT', 'x'], ['LPOS', 'l', 'a', 'MAXLEN', '-1'], ['LPOS', 'l', 'a', 'MAXLEN', 'x'],
    ['LPOS', 'l', 'a', 'RANK'], ['LPOS', 'l', 'a', 'FOO', '1'], ['LPOS', 'l', 'a', 'rank', '1', 'count', '1', 'maxlen', '0'],
    ['LREM', 'l', '1', 'a'], ['LREM', 'l', '-1', 'a'], ['LREM', 'l', '0', 'a'], ['LREM', 'l', '0', 'zz'], ['LREM', 'l', 'x', 'a'], ['LREM', 'nope', '0', 'a'],
    ['LREM', 'nope', 'x', 'a'], ['LREM', 's', '0', 'a'], ['LRANGE', 'l', '0', '-1'],
    ['RPUSH', 'r', 'a', 'a', 'b', 'a'], ['LREM', 'r', '-9223372036854775808', 'a'], ['LREM', 'r', '5', 'b'], ['EXISTS', 'r'],
    ['LTRIM', 'n', '1', '-2'], ['LRANGE', 'n', '0', '-1'], ['LTRIM', 'n', '0', '100'], ['LTRIM', 'n', '-100', '-1'], ['LTRIM', 'n', 'x', '1'], ['LTRIM', 'nope', '0', '1'],
    ['LTRIM', 'nope', 'x', '1'], ['LTRIM', 's', '0', '1'], ['LTRIM', 'n', '2', '1'], ['EXISTS', 'n'],
    ['RPUSH', 'q', '1', '2', '3', '4', '5'], ['LPOP', 'q'], ['RPOP', 'q'], ['LPOP', 'q', '0'], ['LPOP', 'q', '2'], ['RPOP', 'q', '10'], ['EXISTS', 'q'],
    ['LPOP', 'nope'], ['RPOP', 'nope'], ['LPOP', 'nope', '0'], ['LPOP', 'nope', '3'], ['LPOP', 's'], ['LPOP', 's', '0'], ['LPOP', 'l', '-1'], ['LPOP', 'l', 'x'],
    ['LPOP', 'nope', 'x'], ['RPOP', 'l', '9223372036854775808'], ['LPOP', 'l', '1', '2'], ['RPOP', 'l', '1', '2'], ['lpop', 'l', '9223372036854775807'],
    ['RPUSH', 'src', 'a', 'b', 'c'], ['LMOVE', 'src', 'dst', 'LEFT', 'RIGHT'], ['LMOVE', 'src', 'dst', 'right', 'left'], ['LMOVE', 'src', 'src', 'LEFT', 'RIGHT'],
    ['LRANGE', 'src', '0', '-1'], ['LRANGE', 'dst', '0', '-1'], ['LMOVE', 'src', 'dst', 'UP', 'LEFT'], ['LMOVE', 'src', 'dst', 'LEFT', 'DOWN'], ['LMOVE', 'nope', 'dst', 'UP', 'LEFT'],
    ['LMOVE', 'nope', 'dst', 'LEFT', 'LEFT'], ['LMOVE', 'nope', 's', 'LEFT', 'LEFT'], ['LMOVE', 's', 'dst', 'LEFT', 'LEFT'], ['LMOVE', 'src', 's', 'LEFT', 'LEFT'],
    ['LRANGE', 'src', '0', '-1'], ['LMOVE', 'src', 'dst', 'LEFT', 'LEFT'], ['EXISTS', 'src'], ['RPOPLPUSH', 'dst', 'dst'], ['RPOPLPUSH', 'dst', 'x2'], ['RPOPLPUSH', 'nope', 'x3'],
    ['RPOPLPUSH', 'dst', 's'], ['RPOPLPUSH', 's', 'dst'], ['LRANGE', 'dst', '0', '-1'], ['LRANGE', 'x2', '0', '-1'],
    ['RPUSH', 'm1', 'a', 'b', 'c'], ['RPUSH', 'm2', '1', '2'], ['LMPOP', '2', 'nope', 'm1', 'LEFT'], ['LMPOP', '2', 'm1', 'm2', 'RIGHT', 'COUNT', '10'],
    ['LMPOP', '1', 'm1', 'left'], ['LMPOP', '2', 'nope', 'nope2', 'LEFT'], ['LMPOP', '2', 'nope', 's', 'LEFT'], ['LMPOP', '2', 'm2', 's', 'LEFT'],
    ['LMPOP', '0', 'm2', 'LEFT'], ['LMPOP', '-1', 'm2', 'LEFT'], ['LMPOP', 'x', 'm2', 'LEFT'], ['LMPOP', '2', 'm2', 'LEFT'], ['LMPOP', '1', 'm2', 'MIDDLE'],
    ['LMPOP', '1', 'm2', 'LEFT', 'COUNT', '0'], ['LMPOP', '1', 'm2', 'LEFT', 'COUNT', '-1'], ['LMPOP', '1', 'm2', 'LEFT', 'COUNT', 'x'], ['LMPOP', '1', 'm2', 'LEFT', 'COUNT'],
    ['LMPOP', '1', 'm2', 'LEFT', 'COUNT', '1', 'COUNT', '1'], ['LMPOP', '1', 'm2', 'LEFT', 'FOO'], ['LMPOP', '9223372036854775807', 'm2', 'LEFT'], ['LMPOP', '1', 'm2'],
    ['LMPOP', '1', 'm2', 'LEFT', 'count', '5'], ['EXISTS', 'm2'],
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], ['BLPOP', 'nope', 'l', '0'], ['BRPOP', 'l', '0.5'], ['BLPOP', 'nope', 's', '0'], ['BLPOP', 'l', 's', '0'], ['BLPOP', 'l', '-1'], ['BLPOP', 'l', 'abc'], ['BLPOP', 'l', 'inf'],
    ['BLMOVE', 'l', 'bm', 'LEFT', 'LEFT', '0'], ['BLMOVE', 'l', 'bm', 'UP', 'LEFT', '0'], ['BLMOVE', 'l', 'bm', 'LEFT', 'LEFT', '-1'], ['BLMOVE', 'l', 'bm', 'LEFT', 'LEFT', 'x'],
    ['BLMOVE', 's', 'bm', 'LEFT', 'LEFT', '0'], ['BLMOVE', 'l', 's', 'LEFT', 'LEFT', '0'], ['BRPOPLPUSH', 'l', 'bm', '0'], ['BRPOPLPUSH', 'l', 'bm', 'x'], ['LRANGE', 'bm', '0', '-1'],
    ['BLMPOP', '0', '2', 'nope', 'l', 'LEFT', 'COUNT', '2'], ['BLMPOP', 'x', '1', 'l', 'LEFT'], ['BLMPOP', '0', '0', 'l', 'LEFT'], ['BLMPOP', '-1', '1', 'l', 'LEFT'],
    ['BLMPOP', '0', '1', 'l', 'UP'], ['BLMPOP', 'x', '1', 'l', 'UP'], ['BLMPOP', '0', '2', 's', 'LEFT'], ['BLMPOP', '0', '1', 'l', 'RIGHT', 'COUNT', '0'],
    ['LRANGE', 'l', '0', '-1'],
    ['LPUSH', 'bin', Buffer.from([0, 255, 13, 10, 128]), ''], ['LRANGE', 'bin', '0', '-1'], ['LPOS', 'bin', ''], ['LREM', 'bin', '0', Buffer.from([0, 255, 13, 10, 128])],
    ['TYPE', 'bin'], ['OBJECT', 'ENCODING', 'bin'], ['TYPE', 'l'],
    ['LPUSH'], ['LPUSH', 'x'], ['LLEN'], ['LINDEX', 'l'], ['LSET', 'l', '0'], ['LRANGE', 'l', '0'], ['LINSERT', 'l', 'before', 'a'], ['LPOS', 'l'], ['LMOVE', 'a', 'b', 'LEFT'],
    ['RPOPLPUSH', 'a'], ['LMPOP', '1'], ['BLPOP', 'l'], ['BLMOVE', 'a', 'b', 'LEFT', 'LEFT'], ['BRPOPLPUSH', 'a', 'b'], ['BLMPOP', '0', '1'], ['LPOP'], ['LREM', 'l', '0'], ['LTRIM', 'l', '0'],
  ];

  test('every command, option and error (RESP2)', async () => {
    await same(catalogue);
  });

  test('every command, option and error (RESP3)', async () => {
    const x = await RawConn.connect(pair.t.port);
    const y = await RawConn.connect(pair.ref.port);
    try {
      // HELLO replies differ (server name, id): switched without comparing.
      await x.call('HELLO', '3');
      await y.call('HELLO', '3');
      await same(catalogue, x, y);
    } finally {
      x.close();
      y.close();
    }
  });

  test('blocking commands inside MULTI reply as on timeout', async () => {
    for (const resp of ['2', '3']) {
      const x = await RawConn.connect(pair.t.port);
      const y = await RawConn.connect(pair.ref.port);
      try {
        await x.call('HELLO', resp);
        await y.call('HELLO', resp);
        await same(
          [
            ['FLUSHALL'], ['RPUSH', 'xl', 'foo', 'bar'], ['MULTI'], ['BLPOP', 'xl', '0'], ['BLPOP', 'xl', '0'], ['BLPOP', 'xl', '0'], ['BRPOP', 'nope', '0'],
            ['BLMOVE', 'nope', 'd', 'LEFT', 'LEFT', '0'], ['BRPOPLPUSH', 'nope', 'd', '0'], ['BLMPOP', '0', '1', 'nope', 'LEFT'], ['BLPOP', 'xl', '-1'], ['EXEC'],
            ['RPUSH', 'xl', 'a', 'b', 'c'], ['MULTI'], ['BLMPOP', '0', '1', 'xl', 'LEFT', 'COUNT', '2'], ['BLMOVE', 'xl', 'd', 'RIGHT', 'LEFT', '0'], ['BLMPOP', '0', '1', 'xl', 'LEFT'], ['EXEC'],
          ],
          x,
          y,
        );
      } finally {
        x.close();
        y.close();
      }
    }
  });

  test('big lists: LRANGE, LINDEX, LTRIM, LREM, LINSERT over 100k elements', async () => {
    const chunk: string[] = [];
    for (let i = 0; i < 1000; i++) chunk.push(String(i % 37));
    const cmds: Cmd[] = [['FLUSHALL']];
    for (let k = 0; k < 100; k++) cmds.push([k & 1 ? 'RPUSH' : 'LPUSH', 'big', ...chunk]);
    cmds.push(
      ['LLEN', 'big'], ['LINDEX', 'big', '50000'], ['LINDEX', 'big', '-77777'], ['LRANGE', 'big', '49990', '50010'], ['LRANGE', 'big', '-5', '-1'],
      ['LINSERT', 'big', 'BEFORE', '36', 'X'], ['LPOS', 'big', 'X'], ['LPOS', 'big', '5', 'RANK', '-3', 'COUNT', '5'], ['LREM', 'big', '10', '3'], ['LREM', 'big', '-10', '4'],
      ['LTRIM', 'big', '1000', '-1000'], ['LLEN', 'big'], ['LRANGE', 'big', '0', '20'], ['LREM', 'big', '0', '7'], ['LLEN', 'big'], ['LPOP', 'big', '500'], ['RPOP', 'big', '500'],
      ['LSET', 'big', '40000', 'Y'], ['LINDEX', 'big', '40000'], ['LPOS', 'big', 'Y', 'MAXLEN', '40000'], ['LPOS', 'big', 'Y', 'MAXLEN', '40001'],
    );
    await same(cmds);
  });

  test('seeded random command fuzz', async () => {
    const r = rng(42);
    const keys = ['f1', 'f2', 'f3'];
    const vals = ['a', 'b', 'c', '1', '-2', ''];
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
    const idx = (): string => String(Math.floor(r() * 16) - 8);
    const cmds: Cmd[] = [['FLUSHALL'], ['SET', 'f3', 'x']];
    for (let i = 0; i < 1500; i++) {
      const k = pick(keys);
      switch (Math.floor(r() * 16)) {
        case 0: cmds.push(['LPUSH', k, pick(vals), pick(vals)]); break;
        case 1: cmds.push(['RPUSH', k, pick(vals)]); break;
        case 2: cmds.push([pick(['LPOP', 'RPOP']), k, ...(r() < 0.5 ? [] : [String(Math.floor(r() * 4))])]); break;
        case 3: cmds.push(['LRANGE', k, idx(), idx()]); break;
        case 4: cmds.push(['LINDEX', k, idx()]); break;
        case 5: cmds.push(['LSET', k, idx(), pick(vals)]); break;
        case 6: cmds.push(['LTRIM', k, idx(), idx()]); break;
        case 7: cmds.push(['LREM', k, idx(), pick(vals)]); break;
        case 8: cmds.push(['LINSERT', k, pick(['BEFORE', 'AFTER']), pick(vals), pick(vals)]); break;
        case 9: cmds.push(['LPOS', k, pick(vals), 'RANK', pick(['1', '2', '-1', '-2']), 'COUNT', pick(['0', '1', '2']), 'MAXLEN', pick(['0', '3'])]); break;
        case 10: cmds.push(['LMOVE', k, pick(keys), pick(['LEFT', 'RIGHT']), pick(['LEFT', 'RIGHT'])]); break;
        case 11: cmds.push(['LMPOP', '2', k, pick(keys), pick(['LEFT', 'RIGHT']), 'COUNT', String(1 + Math.floor(r() * 3))]); break;
        case 12: cmds.push([pick(['LPUSHX', 'RPUSHX']), k, pick(vals)]); break;
        case 13: cmds.push(['LLEN', k]); break;
        case 14: cmds.push(r() < 0.1 ? [pick(['BLPOP', 'BRPOP']), k, pick(keys), '0.01'] : ['LLEN', k]); break;
        default: cmds.push(['RPOPLPUSH', k, pick(keys)]);
      }
    }
    for (const k of keys) cmds.push(['LRANGE', k, '0', '-1'], ['EXISTS', k]);
    await same(cmds);
  });

  test('write counting (dirty) as Redis counts it', async () => {
    const seqs: Cmd[][] = [
      [['RPUSH', 'd', 'a', 'b', 'c', 'a']], [['LPUSHX', 'd', 'x', 'y']], [['RPUSHX', 'nope', 'x']], [['LPOP', 'd']], [['RPOP', 'd', '2']], [['LPOP', 'd', '0']],
      [['LSET', 'd', '0', 'z']], [['LINSERT', 'd', 'BEFORE', 'z', 'q']], [['LINSERT', 'd', 'BEFORE', 'nothere', 'q']], [['RPUSH', 'd', 'a', 'a', 'a'], ['LREM', 'd', '0', 'a']],
      [['LTRIM', 'd', '1', '1']], [['LTRIM', 'd', '0', '-1']], [['RPUSH', 'd', '1', '2'], ['LMOVE', 'd', 'e', 'LEFT', 'LEFT']], [['RPOPLPUSH', 'd', 'd']],
      [['LMPOP', '1', 'e', 'LEFT', 'COUNT', '5']], [['RPUSH', 'd', '1', '2'], ['BLPOP', 'd', '0']], [['BLMPOP', '0', '1', 'd', 'RIGHT', 'COUNT', '9']], [['LTRIM', 'nope', '0', '1']],
    ];
    await same([['FLUSHALL']]);
    for (const seq of seqs) {
      const before = await redisDirty();
      const mine = pair.t.server.ks.stats.dirty;
      await same(seq);
      assert.equal(pair.t.server.ks.stats.dirty - mine, (await redisDirty()) - before, `dirty after ${JSON.stringify(seq)}`);
    }
  });

  test('keyspace events: the same notifications, in order', async () => {
    const subA = await RawConn.connect(pair.t.port);
    const subB = await RawConn.connect(pair.ref.port);
    try {
      await same([['CONFIG', 'SET', 'notify-keyspace-events', 'KEg$l'], ['FLUSHALL']]);
      await subA.call('PSUBSCRIBE', '__key*__:*');
      await subB.call('PSUBSCRIBE', '__key*__:*');
      const cmds: Cmd[] = [
        ['RPUSH', 'ev', 'a', 'b', 'c'], ['LPUSH', 'ev', 'z'], ['LPUSHX', 'ev', 'y'], ['RPUSHX', 'nope', 'x'], ['LPOP', 'ev'], ['RPOP', 'ev', '2'], ['LSET', 'ev', '0', 'q'],
        ['LINSERT', 'ev', 'AFTER', 'q', 'r'], ['LREM', 'ev', '0', 'r'], ['LREM', 'ev', '0', 'nothere'], ['LTRIM', 'ev', '0', '-1'], ['RPUSH', 'ev', 'm', 'n'],
        ['LMOVE', 'ev', 'ev2', 'LEFT', 'RIGHT'], ['RPOPLPUSH', 'ev', 'ev'], ['LMPOP', '1', 'ev', 'LEFT', 'COUNT', '5'], ['BLPOP', 'ev2', '0'], ['RPUSH', 'ev3', 'x'],
        ['LTRIM', 'ev3', '1', '0'], ['RPUSH', 'ev4', 'x'], ['BLMOVE', 'ev4', 'ev4', 'LEFT', 'RIGHT', '0'], ['BRPOPLPUSH', 'ev4', 'ev5', '0'], ['SET', 'done', '1'],
      ];
      await same(cmds);
      const events = async (c: RawConn): Promise<string[]> => {
        const out: string[] = [];
        for (;;) {
          const m = await c.reply();
          out.push(m);
          if (m.includes('__keyevent@0__:set')) return out;
        }
      };
      assert.deepEqual(await events(subA), await events(subB));
    } finally {
      subA.close();
      subB.close();
      await same([['CONFIG', 'SET', 'notify-keyspace-events', '']]);
    }
  });

  test('LLEN/LINDEX count keyspace hits and misses, writes do not', async () => {
    await same([['FLUSHALL'], ['CONFIG', 'RESETSTAT'], ['RPUSH', 'h', 'a'], ['LLEN', 'h'], ['LLEN', 'nope'], ['LINDEX', 'h', '0'], ['LRANGE', 'nope', '0', '1'],
      ['LPOS', 'h', 'a'], ['LPUSH', 'nope2', 'x'], ['LPOP', 'nope3']]);
    const stat = async (c: RawConn): Promise<string> => {
      const info = await c.call('INFO', 'stats');
      return (/keyspace_hits:\d+/.exec(info)?.[0] ?? '') + (/keyspace_misses:\d+/.exec(info)?.[0] ?? '');
    };
    await waitFor(async () => (await stat(pair.a)) === (await stat(pair.b)), 2000, 'same hits/misses');
  });
});

describe('list-compress-depth vs redis-server', { skip: HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped' }, () => {
  const servers = differentialServers({ 'enable-debug-command': 'yes' });
  const conns: RawConn[] = [];
  const both = async (): Promise<[RawConn, RawConn]> => {
    if (conns.length === 0) conns.push(await RawConn.connect(servers.t.port), await RawConn.connect(servers.ref.port));
    return [conns[0]!, conns[1]!];
  };
  after(() => {
    for (const c of conns) c.close();
  });
  /** DEBUG OBJECT's quicklist fields (addresses, LRU clock and RDB sizes differ by design). */
  const qlFields = async (c: RawConn, key: string): Promise<string> => (await c.call('DEBUG', 'OBJECT', key)).replace(/^.*?(?= ql_nodes:)/s, '');
  const push = (key: string, n: number, f: (i: number) => string): Cmd[] => {
    const out: Cmd[] = [];
    for (let i = 0; i < n; i += 500) out.push(['RPUSH', key, ...Array.from({ length: Math.min(500, n - i) }, (_, k) => f(i + k))]);
    return out;
  };

  test('DEBUG OBJECT quicklist fields; a list keeps the depth it was made with; edits of compressed nodes', async () => {
    const [a, b] = await both();
    await sameReplies(a, b, [
      ['FLUSHALL'], ['CONFIG', 'SET', 'list-compress-depth', '1'],
      ...push('c1', 3000, (i) => `element:${i}`),
      ...push('ints', 2000, (i) => String(i * 37 - 5000)),
      ['CONFIG', 'SET', 'list-compress-depth', '2'],
      ...push('c2', 5000, (i) => `hello world ${i % 10}`),
      ['CONFIG', 'SET', 'list-compress-depth', '0'],
      ...push('raw', 3000, (i) => `element:${i}`),
      ['CONFIG', 'SET', 'list-max-listpack-size', '5'], ['CONFIG', 'SET', 'list-compress-depth', '3'],
      ...push('small', 200, (i) => (i % 3 === 0 ? 'x'.repeat(60) : String(i))),
      ['CONFIG', 'SET', 'list-max-listpack-size', '-2'], ['CONFIG', 'SET', 'list-compress-depth', '0'],
    ]);
    for (const key of ['c1', 'ints', 'c2', 'raw', 'small']) assert.equal(await qlFields(a, key), await qlFields(b, key), key);
    assert.match(await qlFields(a, 'c1'), /ql_compressed:1 /);
    assert.match(await qlFields(a, 'raw'), /ql_compressed:0 /);
    // Compressed nodes cost less: the same elements take less memory compressed.
    const usage = async (key: string): Promise<number> => Number(/:(\d+)/.exec(await a.call('MEMORY', 'USAGE', key))![1]);
    assert.equal((await usage('c1')) < (await usage('raw')) * 0.8, true);
    // Reads and edits in the compressed middle, from both ends; the depth stays the list's own.
    await sameReplies(a, b, [
      ['LINDEX', 'c1', '1500'], ['LRANGE', 'c1', '990', '1010'], ['LRANGE', 'c2', '-2600', '-2590'], ['LSET', 'c1', '1600', 'changed'],
      ['LINSERT', 'c1', 'BEFORE', 'element:2000', 'ins'], ['LREM', 'c2', '100', 'hello world 3'], ['LPOS', 'c1', 'element:2500'],
      ['LTRIM', 'c1', '700', '-700'], ['LRANGE', 'c1', '0', '3'], ['LRANGE', 'c1', '-3', '-1'], ['LINDEX', 'c1', '900'],
      ['LPUSH', 'c1', 'h'], ['RPOP', 'c1'], ['LLEN', 'c1'], ['LLEN', 'c2'], ['OBJECT', 'ENCODING', 'c1'],
      ['CONFIG', 'SET', 'list-compress-depth', '0'], ...push('c2', 3000, (i) => `more ${i}`),
    ]);
    for (const key of ['c1', 'c2']) assert.equal(await qlFields(a, key), await qlFields(b, key), key);
    assert.deepEqual(await a.call('LRANGE', 'c2', '0', '-1'), await b.call('LRANGE', 'c2', '0', '-1'));
    // DUMP / RESTORE both ways keeps the elements.
    await sameReplies(a, b, [['CONFIG', 'SET', 'list-compress-depth', '1']]);
    // Loading an RDB file applies the depth in force then (DEBUG RELOAD, as Redis).
    assert.match(await qlFields(a, 'raw'), /ql_compressed:0 /);
    await sameReplies(a, b, [['DEBUG', 'RELOAD']]);
    // (Only a list of full nodes: Redis loads its nodes as they were, Redoubt splits the elements
    // afresh, so lists edited in the middle may differ in node count after a reload.)
    assert.equal(await qlFields(a, 'raw'), await qlFields(b, 'raw'));
    assert.match(await qlFields(a, 'raw'), /ql_compressed:1 /);
    assert.match(await qlFields(a, 'c2'), /ql_compressed:1 /);
    assert.deepEqual(await a.call('LRANGE', 'raw', '0', '-1'), await b.call('LRANGE', 'raw', '0', '-1'));
    // (Redis writes its compressed nodes as LZF blobs, Redoubt writes raw listpacks.)
    const payload = (raw: string): Buffer => Buffer.from(raw.slice(raw.indexOf('\r\n') + 2, -2), 'latin1');
    const fromRedis = payload(await b.call('DUMP', 'c1'));
    const fromOurs = payload(await a.call('DUMP', 'c1'));
    await sameReplies(a, b, [['RESTORE', 'r1', '0', fromRedis], ['RESTORE', 'r2', '0', fromOurs], ['LRANGE', 'r1', '0', '-1'], ['LRANGE', 'r2', '0', '-1']]);
    assert.deepEqual(await a.call('LRANGE', 'r1', '0', '-1'), await a.call('LRANGE', 'c1', '0', '-1'));
    await sameReplies(a, b, [['CONFIG', 'SET', 'list-compress-depth', '0']]);
  });

  test('RESTORE makes lists under the depth in force, SORT STORE uncompressed (as redis-server)', async () => {
    const [a, b] = await both();
    await sameReplies(a, b, [['FLUSHALL'], ...push('src', 3000, (i) => `element:${i}`), ['CONFIG', 'SET', 'list-compress-depth', '1']]);
    const payload = (raw: string): Buffer => Buffer.from(raw.slice(raw.indexOf('\r\n') + 2, -2), 'latin1');
    await sameReplies(a, b, [
      ['RESTORE', 'restored', '0', payload(await a.call('DUMP', 'src'))],
      ['SORT', 'src', 'ALPHA', 'STORE', 'sorted'],
      ['LRANGE', 'sorted', '1000', '1005'],
    ]);
    for (const key of ['src', 'restored', 'sorted']) assert.equal(await qlFields(a, key), await qlFields(b, key), key);
    assert.match(await qlFields(a, 'restored'), /ql_compressed:1 /);
    assert.match(await qlFields(a, 'sorted'), /ql_compressed:0 /);
    await sameReplies(a, b, [['CONFIG', 'SET', 'list-compress-depth', '0']]);
  });
});
