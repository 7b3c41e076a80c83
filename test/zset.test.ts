// Sorted sets: the order-statistic tree against a naive sorted array (fast-check and a seeded
// stress run), and differential tests of every ZSET command against redis-server 7.0.15
// (identical reply bytes in RESP2 and RESP3, errors included), write counting and events.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RawConn, haveRedis, startRedis, startServer, waitFor, type RefServer, type TestServer, rng, sameReplies, infoField } from './helpers.js';
import { ZSet, ZTree } from '../src/store/types/zset.js';
import { parseDouble, strtod, type StrtodEnd } from '../src/commands/strtod.js';

type Cmd = (string | Buffer)[];

// ---------------------------------------------------------------------------------------------
// The data structure against a model.

type Pair = [number, string];
const cmp = (a: Pair, b: Pair): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

class Model {
  items: Pair[] = [];
  scores = new Map<string, number>();
  insert(m: string, s: number): void {
    this.items.push([s, m]);
    this.items.sort(cmp);
    this.scores.set(m, s);
  }
  remove(m: string): boolean {
    const s = this.scores.get(m);
    if (s === undefined) return false;
    this.scores.delete(m);
    this.items = this.items.filter((p) => p[1] !== m);
    return true;
  }
}

function compareWithModel(z: ZSet, model: Model, probes: number[], lex: string[]): void {
  z.tree.check();
  assert.equal(z.size, model.items.length);
  const [ms, ss] = z.tree.toArrays();
  assert.deepEqual(ms, model.items.map((p) => p[1]));
  assert.deepEqual(ss, model.items.map((p) => p[0]));
  for (let r = 0; r < model.items.length; r++) {
    assert.equal(z.tree.memberAt(r), model.items[r]![1]);
    assert.equal(z.rank(model.items[r]![1], false), r);
  }
  for (const p of probes) {
    for (const ex of [false, true]) {
      const first = model.items.findIndex((it) => (ex ? it[0] > p : it[0] >= p));
      assert.equal(z.tree.firstScoreRank(p, ex), first < 0 ? model.items.length : first, `first ${ex ? '(' : ''}${p}`);
      let last = -1;
      model.items.forEach((it, i) => {
        if (ex ? it[0] < p : it[0] <= p) last = i;
      });
      assert.equal(z.tree.lastScoreRank(p, ex), last, `last ${ex ? '(' : ''}${p}`);
    }
  }
  // Lex bounds are meaningful when every score is equal: only check then.
  if (model.items.every((it) => it[0] === model.items[0]![0])) {
    for (const v of lex) {
      for (const ex of [false, true]) {
        const first = model.items.findIndex((it) => (ex ? it[1] > v : it[1] >= v));
        assert.equal(z.tree.firstLexRank({ inf: 0, value: v, exclusive: ex }), first < 0 ? model.items.length : first);
      }
    }
  }
}

describe('ZTree / ZSet against a sorted array', () => {
  test('fast-check: random inserts, updates and removals', () => {
    const op = fc.record({
      kind: fc.constantFrom('add', 'add', 'add', 'rem', 'upd'),
      m: fc.integer({ min: 0, max: 400 }).map((n) => 'm' + n.toString(36)),
      s: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(Infinity, -Infinity, 0.5, -0)),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
        const z = new ZSet(false);
        const model = new Model();
        for (const o of ops) {
          const cur = z.score(o.m);
          if (o.kind === 'rem') assert.equal(z.remove(o.m), model.remove(o.m));
          else if (cur === undefined) {
            if (o.kind === 'add') {
              z.insert(o.m, o.s);
              model.insert(o.m, o.s);
            }
          } else {
            z.update(o.m, cur, o.s);
            model.remove(o.m);
            model.insert(o.m, o.s);
          }
        }
        compareWithModel(z, model, [-6, -5, 0, 0.5, 3, 5, 6, Infinity, -Infinity], ['m', 'm1', 'm5', 'mz', 'n']);
      }),
      { numRuns: 60 },
    );
  });

  test('fast-check: equal scores, lex ranks', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 4 }), { maxLength: 300 }), fc.array(fc.string({ maxLength: 3 }), { maxLength: 10 }), (members, probes) => {
        const z = new ZSet();
        const model = new Model();
        for (const m of members) {
          if (z.score(m) !== undefined) {
            z.remove(m);
            model.remove(m);
          } else {
            z.insert(m, 0);
            model.insert(m, 0);
          }
        }
        compareWithModel(z, model, [0], probes);
      }),
      { numRuns: 100 },
    );
  });

  test('seeded stress: 30000 members, many levels, removal down to empty', () => {
    const rand = rng(7);
    const z = new ZSet();
    const model = new Map<string, number>();
    for (let i = 0; i < 30000; i++) {
      const m = 'k' + Math.floor(rand() * 40000);
      const s = Math.floor(rand() * 1000);
      const cur = z.score(m);
      if (cur === undefined) z.insert(m, s);
      else z.update(m, cur, s);
      model.set(m, s);
    }
    z.tree.check();
    const sorted = [...model.entries()].map(([m, s]) => [s, m] as Pair).sort(cmp);
    assert.deepEqual(z.tree.toArrays()[0], sorted.map((p) => p[1]));
    for (let i = 0; i < 2000; i++) {
      const r = Math.floor(rand() * sorted.length);
      assert.equal(z.tree.memberAt(r), sorted[r]![1]);
      assert.equal(z.rank(sorted[r]![1], false), r);
    }
    // Remove in a scattered order, checking the structure along the way.
    const keys = [...model.keys()];
    for (let i = 0; i < keys.length; i++) {
      const j = i + Math.floor(rand() * (keys.length - i));
      [keys[i], keys[j]] = [keys[j]!, keys[i]!];
      assert.ok(z.remove(keys[i]!));
      if (i % 5000 === 0) z.tree.check();
    }
    z.tree.check();
    assert.equal(z.size, 0);
  });

  test('fromSorted and copy keep order and independence', () => {
    const ms: string[] = [];
    const ss: number[] = [];
    for (let i = 0; i < 5000; i++) {
      ms.push('m' + String(i).padStart(5, '0'));
      ss.push(i >> 3);
    }
    const t = ZTree.fromSorted(ms, ss);
    t.check();
    const z = ZSet.fromSorted(ms, ss, false);
    const c = z.copy();
    c.remove('m00000');
    c.insert('x', -1);
    c.tree.check();
    assert.equal(z.size, 5000);
    assert.equal(z.tree.memberAt(0), 'm00000');
    assert.equal(c.tree.memberAt(0), 'x');
    assert.equal(c.encoding(), 'skiplist');
  });

  test('forRuns visits exactly the ranks collect copies, forward and backward, across leaves, in runs of one leaf', () => {
    const ms: string[] = [];
    const ss: number[] = [];
    for (let i = 0; i < 3000; i++) {
      ms.push('m' + String(i).padStart(5, '0'));
      ss.push(i);
    }
    const t = ZTree.fromSorted(ms, ss);
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 3005 }), fc.integer({ min: -5, max: 3005 }), fc.boolean(), (start, count, rev) => {
        const want: string[] = [];
        const wantScores: number[] = [];
        t.collect(start, count, rev, want, wantScores);
        const got: string[] = [];
        const gotScores: number[] = [];
        t.forRuns(
          start,
          count,
          (members, scores, from, to) => {
            if (rev) assert.ok(from > to && to >= -1 && from < members.length);
            else assert.ok(from < to && to <= members.length);
            for (let i = from; i !== to; i += rev ? -1 : 1) {
              got.push(members[i]!);
              gotScores.push(scores[i]!);
            }
          },
          rev,
        );
        assert.deepEqual(got, want);
        assert.deepEqual(gotScores, wantScores);
      }),
      { numRuns: 400 },
    );
  });

  test('parseDouble follows strtod and getDoubleFromObject', () => {
    assert.equal(parseDouble('1.5'), 1.5);
    assert.equal(parseDouble('0x10'), 16);
    assert.equal(parseDouble('0x1.8p1'), 3);
    assert.equal(parseDouble('-inf'), -Infinity);
    assert.equal(parseDouble('+Infinity'), Infinity);
    assert.equal(parseDouble('.5'), 0.5);
    assert.equal(parseDouble('5.'), 5);
    assert.equal(parseDouble('1e-310'), 1e-310);
    for (const bad of ['', ' 1', '1 ', 'nan', '1e999', '1e-999', 'abc', '1e', '0x', '-', '.', '1\u00002']) assert.equal(parseDouble(bad), null, JSON.stringify(bad));
  });

  test('plain decimals (parseDouble reads them with Number) give exactly what strtod gives', () => {
    const rand = rng(11);
    for (let k = 0; k < 50_000; k++) {
      const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
      const sign = rand() < 0.3 ? '-' : rand() < 0.1 ? '+' : '';
      const s = (sign + digits(Math.floor(rand() * 12)) + (rand() < 0.8 ? '.' : '') + digits(Math.floor(rand() * 12))).slice(0, 20);
      const end: StrtodEnd = { end: 0, range: false };
      const v = strtod(s, 0, end);
      const full = s.length === 0 || end.end !== s.length || Number.isNaN(v) ? null : v;
      assert.ok(Object.is(parseDouble(s), full), JSON.stringify(s));
    }
    // Integers of every length around the 15 digits read from their digits (and -0, leading zeros).
    for (let k = 0; k < 20_000; k++) {
      const n = 1 + (k % 20);
      const s = (rand() < 0.4 ? '-' : '') + Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
      assert.ok(Object.is(parseDouble(s), Number(s)), s);
    }
    // Decimals of up to 15 digits (read from their digits) and just past it, point anywhere.
    for (let k = 0; k < 50_000; k++) {
      const n = 1 + (k % 17);
      const d = Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
      const at = Math.floor(rand() * (n + 1));
      const s = (rand() < 0.4 ? '-' : '') + d.slice(0, at) + '.' + d.slice(at);
      assert.ok(Object.is(parseDouble(s), Number(s)), s);
    }
    for (const s of ['13.361389', '38.115556', '-0.0', '0.1', '.5', '5.', '-.5', '999999999999999.', '0.000000000000001', '123456789.012345']) assert.ok(Object.is(parseDouble(s), Number(s)), s);
    for (const bad of ['.', '-.', '1.2.3', '1..2', '-', '--1', '1-']) assert.equal(parseDouble(bad), null, bad);
    assert.ok(Object.is(parseDouble('-0'), -0));
    assert.equal(parseDouble('-'), null);
  });

  test('strtod reports where it stopped and ERANGE in the caller\'s object, keeping nothing between calls', () => {
    const cases: [string, number, number, number, boolean][] = [
      // input, start, value, end, range
      ['  1.5xyz', 0, 1.5, 5, false],
      ['(2.5', 1, 2.5, 4, false],
      ['abc', 0, 0, 0, false],
      ['-', 0, 0, 0, false],
      ['0x', 0, 0, 1, false],
      ['0x1p4z', 0, 16, 5, false],
      ['nan(abc)x', 0, NaN, 8, false],
      ['-Infinityx', 0, -Infinity, 9, false],
      ['1e999', 0, Infinity, 5, true],
      ['1e-999', 0, 0, 6, true],
      ['5e', 0, 5, 1, false],
    ];
    const a: StrtodEnd = { end: -1, range: true };
    const b: StrtodEnd = { end: -1, range: true };
    for (const [s, i, v, end, range] of cases) {
      assert.equal(strtod(s, i, a), v, s);
      assert.equal(strtod('7', 0, b), 7); // another caller's call in between changes nothing in a
      assert.deepEqual(a, { end, range }, s);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Differential tests.

const HAVE_REDIS = haveRedis();

describe('sorted-set commands vs redis-server', { skip: HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped' }, () => {
  let t: TestServer;
  let ref: RefServer;
  let a: RawConn;
  let b: RawConn;
  let a3: RawConn;
  let b3: RawConn;

  before(async () => {
    t = await startServer();
    ref = await startRedis();
    a = await RawConn.connect(t.port);
    b = await RawConn.connect(ref.port);
    a3 = await RawConn.connect(t.port);
    b3 = await RawConn.connect(ref.port);
    await a3.call('HELLO', '3');
    await b3.call('HELLO', '3');
  });
  after(async () => {
    a?.close();
    b?.close();
    a3?.close();
    b3?.close();
    await t?.close();
    await ref?.close();
  });

  /** Sends every command to both servers (pipelined) and requires identical reply bytes. */
  const same = (cmds: Cmd[], resp3 = false): Promise<string[]> =>
    resp3 ? sameReplies(a3, b3, cmds, ' (RESP3)') : sameReplies(a, b, cmds, ' (RESP2)');

  /** Runs the commands in both protocols (from the same starting data: `setup` runs first each time). */
  async function both(setup: Cmd[], cmds: Cmd[]): Promise<void> {
    await same([['FLUSHALL'], ...setup, ...cmds]);
    await same([['FLUSHALL'], ...setup, ...cmds], true);
  }

  /** Redis's write counter. */
  const redisDirty = async (): Promise<number> => Number(await infoField(b, 'rdb_changes_since_last_save', 'persistence'));

  const base: Cmd[] = [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'],
    ['ZADD', 'lex', '0', 'alpha', '0', 'bar', '0', 'cool', '0', 'down', '0', 'elephant', '0', 'foo', '0', 'great'],
    ['ZADD', 'inf', '-inf', 'lo', '+inf', 'hi', '0', 'zero', '1.5', 'x', '-2.25', 'y'],
    ['SET', 'str', 'x'],
    ['SADD', 'set', 'a', 'c', 'q'],
  ];

  test('ZADD: options, flags, errors, CH, INCR, GT/LT, scores', async () => {
    await both(base, [
      ['ZADD', 'n', '1', 'a'],
      ['ZADD', 'n', 'NX', '5', 'a', '2', 'b'],
      ['ZADD', 'n', 'XX', '5', 'a', '3', 'c'],
      ['ZADD', 'n', 'XX', 'CH', '6', 'a', '3', 'c'],
      ['ZADD', 'n', 'CH', '6', 'a', '7', 'b', '1', 'new'],
      ['ZADD', 'n', 'GT', 'CH', '1', 'a', '10', 'b'],
      ['ZADD', 'n', 'LT', 'CH', '1', 'a', '10', 'b'],
      ['ZADD', 'n', 'GT', 'INCR', '-1', 'a'],
      ['ZADD', 'n', 'LT', 'INCR', '-1', 'a'],
      ['ZADD', 'n', 'NX', 'INCR', '1', 'a'],
      ['ZADD', 'n', 'XX', 'INCR', '1', 'nosuch'],
      ['ZADD', 'n', 'INCR', '2.5', 'a'],
      ['ZADD', 'n', 'incr', 'ch', 'gt', '2.5', 'a'],
      ['ZADD', 'xxonly', 'XX', '1', 'a'],
      ['ZADD', 'xxonly', 'XX', 'INCR', '1', 'a'],
      ['EXISTS', 'xxonly'],
      ['ZADD', 'n', 'NX', 'XX', '1', 'a'],
      ['ZADD', 'n', 'GT', 'LT', '1', 'a'],
      ['ZADD', 'n', 'NX', 'GT', '1', 'a'],
      ['ZADD', 'n', 'NX', 'LT', '1', 'a'],
      ['ZADD', 'n', 'INCR', '1', 'a', '2', 'b'],
      ['ZADD', 'n', '1', 'a', '2'],
      ['ZADD', 'n', 'CH', '1'],
      ['ZADD', 'n', 'x', 'a'],
      ['ZADD', 'n', 'nan', 'a'],
      ['ZADD', 'n', ' 1', 'a'],
      ['ZADD', 'n', '1e999', 'a'],
      ['ZADD', 'n', '1e-999', 'a'],
      ['ZADD', 'n', '', 'a'],
      ['ZADD', 'n', '1', 'ok', 'bad', 'b'],
      ['ZADD', 'n', '0x10', 'hex', 'inf', 'i', '-Infinity', 'ni', '1e-310', 'tiny', '5.', 'dot', '.5', 'half', '1E3', 'exp'],
      ['ZADD', 'n', '0.1', 'p1', '1e17', 'big', '-0', 'negzero', '3.0000000000000004', 'ulp'],
      ['ZRANGE', 'n', '0', '-1', 'WITHSCORES'],
      ['ZADD', 'inf', 'INCR', '-inf', 'hi'],
      ['ZINCRBY', 'inf', '+inf', 'lo'],
      ['ZADD', 'str', '1', 'a'],
      ['ZADD', 'bin', '1', Buffer.from([0, 255, 128]), '1', Buffer.from([0, 255]), '1', Buffer.from([255])],
      ['ZRANGE', 'bin', '0', '-1'],
      ['ZADD', 'n', '1', 'a', '2', 'a', '3', 'a'],
      ['ZSCORE', 'n', 'a'],
      ['ZCARD', 'n'],
      ['ZCARD', 'nosuch'],
      ['ZCARD', 'str'],
    ]);
  });

  test('ZINCRBY, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZREM, ZCOUNT, ZLEXCOUNT', async () => {
    await both(base, [
      ['ZINCRBY', 'z', '1.5', 'a'],
      ['ZINCRBY', 'z', '-1.5', 'new'],
      ['ZINCRBY', 'z', 'x', 'a'],
      ['ZINCRBY', 'str', '1', 'a'],
      ['ZINCRBY', 'fresh', '0.1', 'm'],
      ['ZINCRBY', 'fresh', '0.2', 'm'],
      ['ZSCORE', 'z', 'a'],
      ['ZSCORE', 'z', 'nosuch'],
      ['ZSCORE', 'nosuch', 'a'],
      ['ZSCORE', 'str', 'a'],
      ['ZSCORE', 'inf', 'lo'],
      ['ZMSCORE', 'z', 'a', 'nosuch', 'b'],
      ['ZMSCORE', 'nosuch', 'a', 'b'],
      ['ZMSCORE', 'str', 'a'],
      ['ZRANK', 'z', 'a'],
      ['ZRANK', 'z', 'e'],
      ['ZRANK', 'z', 'nosuch'],
      ['ZRANK', 'nosuch', 'a'],
      ['ZREVRANK', 'z', 'a'],
      ['ZREVRANK', 'z', 'nosuch'],
      ['ZRANK', 'str', 'a'],
      ['ZCOUNT', 'z', '-inf', '+inf'],
      ['ZCOUNT', 'z', '(1', '(5'],
      ['ZCOUNT', 'z', '2', '4'],
      ['ZCOUNT', 'z', '5', '1'],
      ['ZCOUNT', 'z', '(2', '2'],
      ['ZCOUNT', 'z', 'x', '2'],
      ['ZCOUNT', 'z', '1', '(x'],
      ['ZCOUNT', 'z', ' 1', '0x5'],
      ['ZCOUNT', 'z', '(', '3'],
      ['ZCOUNT', 'z', '', '3'],
      ['ZCOUNT', 'z', 'nan', '3'],
      ['ZCOUNT', 'nosuch', '1', '2'],
      ['ZCOUNT', 'str', '1', '2'],
      ['ZCOUNT', 'inf', '-inf', '-inf'],
      ['ZCOUNT', 'inf', '(-inf', '(inf'],
      ['ZLEXCOUNT', 'lex', '-', '+'],
      ['ZLEXCOUNT', 'lex', '[b', '(e'],
      ['ZLEXCOUNT', 'lex', '(bar', '[foo'],
      ['ZLEXCOUNT', 'lex', '+', '-'],
      ['ZLEXCOUNT', 'lex', '[z', '[a'],
      ['ZLEXCOUNT', 'lex', 'a', '[b'],
      ['ZLEXCOUNT', 'lex', '[a', '++'],
      ['ZLEXCOUNT', 'lex', '(cool', '(cool'],
      ['ZLEXCOUNT', 'lex', '[cool', '[cool'],
      ['ZLEXCOUNT', 'nosuch', '-', '+'],
      ['ZLEXCOUNT', 'str', '-', '+'],
      ['ZREM', 'z', 'a', 'nosuch', 'b'],
      ['ZREM', 'z', 'a'],
      ['ZREM', 'nosuch', 'a'],
      ['ZREM', 'str', 'a'],
      ['ZREM', 'z', 'c', 'd', 'e', 'new', 'x'],
      ['EXISTS', 'z'],
    ]);
  });

  test('ZRANGE family: ranks, scores, lex, REV, LIMIT, WITHSCORES, errors', async () => {
    const cmds: Cmd[] = [];
    for (const [s, e] of [['0', '-1'], ['1', '3'], ['-2', '-1'], ['-100', '100'], ['3', '1'], ['5', '10'], ['-1', '-5'], ['0', '0']]) {
      cmds.push(['ZRANGE', 'z', s!, e!], ['ZRANGE', 'z', s!, e!, 'WITHSCORES'], ['ZREVRANGE', 'z', s!, e!, 'withscores'], ['ZRANGE', 'z', s!, e!, 'REV']);
    }
    for (const [mn, mx] of [['-inf', '+inf'], ['(1', '(5'], ['2', '4'], ['(2', '2'], ['5', '1'], ['1.5', '3.5'], ['-inf', '(-inf']]) {
      cmds.push(
        ['ZRANGEBYSCORE', 'z', mn!, mx!],
        ['ZRANGEBYSCORE', 'z', mn!, mx!, 'WITHSCORES', 'LIMIT', '1', '2'],
        ['ZREVRANGEBYSCORE', 'z', mx!, mn!, 'WITHSCORES'],
        ['ZREVRANGEBYSCORE', 'z', mx!, mn!, 'LIMIT', '1', '-1'],
        ['ZRANGE', 'z', mn!, mx!, 'BYSCORE', 'LIMIT', '0', '2', 'WITHSCORES'],
        ['ZRANGE', 'z', mx!, mn!, 'BYSCORE', 'REV', 'LIMIT', '1', '10'],
        ['ZRANGEBYSCORE', 'inf', mn!, mx!, 'WITHSCORES'],
      );
    }
    for (const [mn, mx] of [['-', '+'], ['[b', '(e'], ['(bar', '[foo'], ['+', '-'], ['[cool', '[cool'], ['(cool', '[cool'], ['[a', '[b']]) {
      cmds.push(
        ['ZRANGEBYLEX', 'lex', mn!, mx!],
        ['ZRANGEBYLEX', 'lex', mn!, mx!, 'LIMIT', '1', '2'],
        ['ZREVRANGEBYLEX', 'lex', mx!, mn!],
        ['ZREVRANGEBYLEX', 'lex', mx!, mn!, 'LIMIT', '0', '1'],
        ['ZRANGE', 'lex', mn!, mx!, 'BYLEX'],
        ['ZRANGE', 'lex', mx!, mn!, 'BYLEX', 'REV', 'LIMIT', '1', '3'],
      );
    }
    cmds.push(
      ['ZRANGEBYSCORE', 'z', '1', '5', 'LIMIT', '-1', '2'],
      ['ZRANGEBYSCORE', 'z', '1', '5', 'LIMIT', '10', '2'],
      ['ZRANGEBYSCORE', 'z', '1', '5', 'LIMIT', '0', '0'],
      ['ZRANGEBYSCORE', 'z', '1', '5', 'LIMIT', '0'],
      ['ZRANGEBYSCORE', 'z', '1', '5', 'LIMIT', 'x', '1'],
      ['ZRANGEBYSCORE', 'z', '1', '5', 'REV'],
      ['ZRANGEBYSCORE', 'z', 'x', '5'],
      ['ZRANGEBYSCORE', 'z', '(', '5'],
      ['ZRANGEBYSCORE', 'z', '1', '5', 'withscores', 'withscores'],
      ['ZRANGEBYLEX', 'lex', '-', '+', 'WITHSCORES'],
      ['ZRANGEBYLEX', 'lex', 'a', '+'],
      ['ZRANGEBYLEX', 'lex', '-', 'b'],
      ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1'],
      ['ZRANGE', 'z', '0', '1', 'REV', 'REV'],
      ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'BYLEX'],
      ['ZRANGE', 'z', '0', '1', 'foo'],
      ['ZRANGE', 'z', 'a', '1'],
      ['ZRANGE', 'z', '0', '-1', 'BYLEX'],
      ['ZRANGE', 'lex', '-', '+', 'BYLEX', 'WITHSCORES'],
      ['ZRANGE', 'z', '-inf', 'x', 'BYSCORE'],
      ['ZRANGE', 'nosuch', '0', '-1'],
      ['ZRANGE', 'str', '0', '-1'],
      ['ZRANGE', 'str', 'a', '-1'],
      ['ZRANGEBYSCORE', 'nosuch', '0', '1'],
      ['ZREVRANGE', 'z', '0', '1', 'LIMIT', '0', '1'],
      ['ZREVRANGE', 'z', '0', '-1', 'foo'],
      ['ZRANGE', 'z', '0', '9223372036854775807'],
      ['ZRANGE', 'z', '-9223372036854775808', '1'],
      ['ZRANGE', 'z', '0', '9223372036854775808'],
    );
    await both(base, cmds);
  });

  test('ZRANGE family on a set of many leaves: random windows forward and backward, both protocols', async () => {
    const setup: Cmd[] = [];
    for (let i = 0; i < 3000; i += 500) {
      const chunk: string[] = [];
      // Runs of equal scores, so that lex order inside a score and score ranges cross leaves.
      for (let j = i; j < i + 500; j++) chunk.push(String(Math.floor(j / 7)), 'm' + String(j).padStart(5, '0'));
      setup.push(['ZADD', 'big', ...chunk]);
    }
    const r = rng(99);
    const int = (lo: number, hi: number): string => String(lo + Math.floor(r() * (hi - lo + 1)));
    const cmds: Cmd[] = [];
    for (let i = 0; i < 150; i++) {
      const s = int(-3100, 3100);
      const e = int(-3100, 3100);
      const lo = int(-5, 430);
      const hi = int(-5, 430);
      const limit = ['LIMIT', int(-1, 2500), int(-1, 2600)];
      cmds.push(
        ['ZRANGE', 'big', s, e, ...(r() < 0.5 ? ['WITHSCORES'] : [])],
        ['ZREVRANGE', 'big', s, e, ...(r() < 0.5 ? ['WITHSCORES'] : [])],
        ['ZRANGE', 'big', s, e, 'REV'],
        ['ZRANGEBYSCORE', 'big', lo, hi, 'WITHSCORES', ...(r() < 0.5 ? limit : [])],
        ['ZREVRANGEBYSCORE', 'big', hi, `(${lo}`, ...(r() < 0.5 ? limit : [])],
        ['ZRANGE', 'big', `[m${int(0, 3100).padStart(5, '0')}`, `(m${int(0, 3100).padStart(5, '0')}`, 'BYLEX', ...(r() < 0.5 ? limit : [])],
      );
    }
    await both(setup, cmds);
  });

  test('ZRANGESTORE', async () => {
    await both(base, [
      ['ZRANGESTORE', 'dst', 'z', '0', '-1'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'dst', 'z', '(1', '4', 'BYSCORE', 'LIMIT', '1', '5'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'dst', 'z', '4', '(1', 'BYSCORE', 'REV'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'dst', 'lex', '[b', '[e', 'BYLEX'],
      ['ZRANGE', 'dst', '0', '-1'],
      ['ZRANGESTORE', 'dst', 'z', '0', '1', 'REV'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'dst', 'z', '10', '20'],
      ['EXISTS', 'dst'],
      ['ZRANGESTORE', 'dst', 'nosuch', '0', '-1'],
      ['ZRANGESTORE', 'dst', 'z', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'dst', 'str', '0', '-1'],
      ['ZRANGESTORE', 'str', 'z', '0', '-1'],
      ['TYPE', 'str'],
      ['ZRANGESTORE', 'z', 'z', '1', '2'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'dst', 'z', '0', '1', 'LIMIT', '0', '1'],
    ]);
  });

  test('ZREMRANGEBYRANK / BYSCORE / BYLEX', async () => {
    await both(base, [
      ['ZREMRANGEBYRANK', 'z', '1', '2'],
      ['ZRANGE', 'z', '0', '-1'],
      ['ZREMRANGEBYRANK', 'z', '-1', '-1'],
      ['ZREMRANGEBYRANK', 'z', '5', '10'],
      ['ZREMRANGEBYRANK', 'z', 'a', '1'],
      ['ZREMRANGEBYRANK', 'nosuch', '0', '1'],
      ['ZREMRANGEBYRANK', 'str', '0', '1'],
      ['ZREMRANGEBYRANK', 'z', '0', '-1'],
      ['EXISTS', 'z'],
      ['ZREMRANGEBYSCORE', 'inf', '(-inf', '(inf'],
      ['ZRANGE', 'inf', '0', '-1'],
      ['ZREMRANGEBYSCORE', 'inf', 'x', '1'],
      ['ZREMRANGEBYSCORE', 'inf', '-inf', '+inf'],
      ['EXISTS', 'inf'],
      ['ZREMRANGEBYSCORE', 'str', '1', '2'],
      ['ZREMRANGEBYLEX', 'lex', '[b', '(e'],
      ['ZRANGE', 'lex', '0', '-1'],
      ['ZREMRANGEBYLEX', 'lex', 'b', 'e'],
      ['ZREMRANGEBYLEX', 'lex', '+', '-'],
      ['ZREMRANGEBYLEX', 'lex', '-', '+'],
      ['EXISTS', 'lex'],
      ['ZREMRANGEBYLEX', 'str', '-', '+'],
      ['ZREMRANGEBYLEX', 'nosuch', '-', '+'],
    ]);
  });

  test('ZPOPMIN / ZPOPMAX / ZMPOP', async () => {
    await both(base, [
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z'],
      ['ZPOPMIN', 'z', '2'],
      ['ZPOPMIN', 'z', '1'],
      ['ZPOPMIN', 'z', '0'],
      ['ZPOPMIN', 'z', '-1'],
      ['ZPOPMIN', 'z', 'x'],
      ['ZPOPMIN', 'z', '1', '2'],
      ['ZPOPMAX', 'z', '10'],
      ['EXISTS', 'z'],
      ['ZPOPMIN', 'nosuch'],
      ['ZPOPMIN', 'nosuch', '3'],
      ['ZPOPMIN', 'nosuch', '0'],
      ['ZPOPMIN', 'str'],
      ['ZPOPMIN', 'str', '0'],
      ['ZPOPMAX', 'inf', '2'],
      ['ZMPOP', '1', 'inf', 'MIN'],
      ['ZMPOP', '2', 'nosuch', 'inf', 'MAX', 'COUNT', '10'],
      ['ZMPOP', '2', 'nosuch', 'inf', 'MAX'],
      ['ZMPOP', '2', 'lex', 'nosuch', 'min', 'count', '2'],
      ['ZMPOP', '2', 'nosuch', 'str', 'MIN'],
      ['ZMPOP', '2', 'str', 'lex', 'MIN'],
      ['ZMPOP', '0', 'lex', 'MIN'],
      ['ZMPOP', '-1', 'lex', 'MIN'],
      ['ZMPOP', 'x', 'lex', 'MIN'],
      ['ZMPOP', '1', 'lex', 'foo'],
      ['ZMPOP', '2', 'lex', 'MIN'],
      ['ZMPOP', '1', 'lex', 'MIN', 'COUNT', '0'],
      ['ZMPOP', '1', 'lex', 'MIN', 'COUNT', 'x'],
      ['ZMPOP', '1', 'lex', 'MIN', 'COUNT'],
      ['ZMPOP', '1', 'lex', 'MIN', 'COUNT', '1', 'COUNT', '1'],
      ['ZMPOP', '1', 'lex', 'MIN', 'foo'],
    ]);
  });

  test('ZUNION / ZINTER / ZDIFF and STORE forms, ZINTERCARD', async () => {
    const setup: Cmd[] = [
      ...base,
      ['ZADD', 'z2', '10', 'a', '20', 'c', '30', 'x', '+inf', 'e'],
      ['ZADD', 'z3', '-inf', 'e', '1', 'c'],
      ['SADD', 'iset', '1', '2', '3'],
      ['ZADD', 'nums', '1', '1', '2', '5'],
    ];
    const cmds: Cmd[] = [];
    for (const op of ['ZUNION', 'ZINTER']) {
      cmds.push(
        [op, '2', 'z', 'z2'],
        [op, '2', 'z', 'z2', 'WITHSCORES'],
        [op, '3', 'z', 'z2', 'z3', 'WITHSCORES'],
        [op, '2', 'z', 'z2', 'WEIGHTS', '2', '0.5', 'WITHSCORES'],
        [op, '2', 'z', 'z3', 'WEIGHTS', '0', '0', 'WITHSCORES'],
        [op, '2', 'z2', 'z3', 'AGGREGATE', 'MIN', 'WITHSCORES'],
        [op, '2', 'z2', 'z3', 'AGGREGATE', 'max', 'WITHSCORES'],
        [op, '2', 'z2', 'z3', 'AGGREGATE', 'sum', 'WITHSCORES'],
        [op, '2', 'z', 'set', 'WITHSCORES'],
        [op, '2', 'set', 'z', 'WEIGHTS', '3', '1', 'WITHSCORES'],
        [op, '2', 'iset', 'nums', 'WITHSCORES'],
        [op, '2', 'z', 'nosuch', 'WITHSCORES'],
        [op, '1', 'nosuch'],
        [op, '0', 'z'],
        [op, '-1', 'z'],
        [op, 'x', 'z'],
        [op, '3', 'z', 'z2'],
        [op, '2', 'z', 'str'],
        [op, '1', 'z', 'WEIGHTS'],
        [op, '1', 'z', 'WEIGHTS', 'x'],
        [op, '1', 'z', 'WEIGHTS', '1', '2'],
        [op, '1', 'z', 'AGGREGATE', 'foo'],
        [op, '1', 'z', 'AGGREGATE'],
        [op, '1', 'z', 'LIMIT', '1'],
        [op, '1', 'z', 'foo'],
        [op + 'STORE', 'dst', '2', 'z', 'z2'],
        ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
        [op + 'STORE', 'dst', '2', 'z', 'z2', 'WEIGHTS', '1', '-1', 'AGGREGATE', 'MAX'],
        ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
        [op + 'STORE', 'dst', '2', 'z', 'z2', 'WITHSCORES'],
        [op + 'STORE', 'dst', '0', 'z'],
        [op + 'STORE', 'dst', '1', 'nosuch'],
        ['EXISTS', 'dst'],
        [op + 'STORE', 'str', '1', 'z'],
        ['TYPE', 'str'],
        ['SET', 'str', 'x'],
      );
    }
    cmds.push(
      ['ZDIFF', '2', 'z', 'z2'],
      ['ZDIFF', '2', 'z', 'z2', 'WITHSCORES'],
      ['ZDIFF', '3', 'z', 'z2', 'z3', 'WITHSCORES'],
      ['ZDIFF', '2', 'z', 'set', 'WITHSCORES'],
      ['ZDIFF', '2', 'set', 'z', 'WITHSCORES'],
      ['ZDIFF', '2', 'nosuch', 'z'],
      ['ZDIFF', '1', 'z', 'WEIGHTS', '1'],
      ['ZDIFF', '1', 'z', 'AGGREGATE', 'MIN'],
      ['ZDIFF', '0', 'z'],
      ['ZDIFF', '2', 'z', 'str'],
      ['ZDIFFSTORE', 'dst', '2', 'z', 'z2'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZDIFFSTORE', 'dst', '2', 'z', 'z'],
      ['EXISTS', 'dst'],
      ['ZDIFFSTORE', 'dst', '1', 'z', 'WITHSCORES'],
      ['ZINTERCARD', '2', 'z', 'z2'],
      ['ZINTERCARD', '2', 'z', 'set'],
      ['ZINTERCARD', '2', 'z', 'z2', 'LIMIT', '1'],
      ['ZINTERCARD', '2', 'z', 'z2', 'LIMIT', '0'],
      ['ZINTERCARD', '1', 'z', 'LIMIT', '3'],
      ['ZINTERCARD', '1', 'z', 'LIMIT', '-1'],
      ['ZINTERCARD', '1', 'z', 'LIMIT', 'x'],
      ['ZINTERCARD', '1', 'z', 'LIMIT'],
      ['ZINTERCARD', '1', 'z', 'WITHSCORES'],
      ['ZINTERCARD', '0', 'z'],
      ['ZINTERCARD', '3', 'z'],
      ['ZINTERCARD', '2', 'z', 'str'],
      ['ZINTERCARD', '2', 'z', 'nosuch'],
      ['ZUNIONSTORE', 'z', '2', 'z', 'z'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    );
    await both(setup, cmds);
  });

  test('ZRANDMEMBER: shapes and errors (deterministic cases)', async () => {
    await both([['ZADD', 'one', '1.5', 'a'], ...base], [
      ['ZRANDMEMBER', 'one'],
      ['ZRANDMEMBER', 'one', '1'],
      ['ZRANDMEMBER', 'one', '3', 'WITHSCORES'],
      ['ZRANDMEMBER', 'one', '-3', 'WITHSCORES'],
      ['ZRANDMEMBER', 'one', '-2'],
      ['ZRANDMEMBER', 'z', '5', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '100'],
      ['ZRANDMEMBER', 'z', '0'],
      ['ZRANDMEMBER', 'z', '0', 'WITHSCORES'],
      ['ZRANDMEMBER', 'nosuch'],
      ['ZRANDMEMBER', 'nosuch', '5'],
      ['ZRANDMEMBER', 'nosuch', '5', 'WITHSCORES'],
      ['ZRANDMEMBER', 'str'],
      ['ZRANDMEMBER', 'str', '1'],
      ['ZRANDMEMBER', 'z', 'x'],
      ['ZRANDMEMBER', 'z', '1', 'foo'],
      ['ZRANDMEMBER', 'z', 'x', 'foo'],
      ['ZRANDMEMBER', 'z', '1', 'WITHSCORES', 'x'],
      ['ZRANDMEMBER', 'z', '-9223372036854775808'],
      ['ZRANDMEMBER', 'z', '-9223372036854775807', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '9223372036854775807', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '4611686018427387904', 'WITHSCORES'],
      ['ZRANDMEMBER', 'nosuch', '-4611686018427387903', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '9223372036854775808'],
    ]);
    // Random replies: members belong to the set, distinct for positive counts.
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const r = await a.call('ZRANDMEMBER', 'z', '3');
      const ms = r.split('\r\n').filter((_, j) => j % 2 === 0 && j > 0);
      assert.equal(ms.length, 3);
      assert.equal(new Set(ms).size, 3);
      for (const m of ms) seen.add(m);
    }
    assert.deepEqual([...seen].sort(), ['a', 'b', 'c', 'd', 'e']);
  });

  test('ZSCAN: small sets whole, errors, big sets cover every member', async () => {
    await both(base, [
      ['ZSCAN', 'z', '0'],
      ['ZSCAN', 'z', '0', 'MATCH', '[a-c]'],
      ['ZSCAN', 'inf', '0', 'COUNT', '1'],
      ['ZSCAN', 'z', '0', 'COUNT', '0'],
      ['ZSCAN', 'z', '0', 'COUNT', 'x'],
      ['ZSCAN', 'z', '0', 'COUNT'],
      ['ZSCAN', 'z', '0', 'TYPE', 'zset'],
      ['ZSCAN', 'z', 'x'],
      ['ZSCAN', 'nosuch', '0'],
      ['ZSCAN', 'str', '0'],
      ['ZSCAN', 'nosuch', 'x'],
    ]);
    const args: string[] = [];
    for (let i = 0; i < 500; i++) args.push(String(i / 4), 'm' + i);
    await a.call('ZADD', 'big', ...args);
    const got = new Map<string, string>();
    let cursor = '0';
    do {
      const r = (await a.call('ZSCAN', 'big', cursor, 'COUNT', '37')).split('\r\n');
      cursor = r[2]!;
      const n = Number(r[3]!.slice(1));
      for (let i = 0; i < n; i += 2) got.set(r[5 + 2 * i]!, r[5 + 2 * i + 2]!);
    } while (cursor !== '0');
    assert.equal(got.size, 500);
    assert.equal(got.get('m5'), '1.25');
  });

  test('encodings follow zset-max-listpack-entries / -value', async () => {
    const long = 'x'.repeat(65);
    const cmds: Cmd[] = [
      ['ZADD', 'small', '1', 'a'],
      ['OBJECT', 'ENCODING', 'small'],
      ['ZADD', 'long', '1', long],
      ['OBJECT', 'ENCODING', 'long'],
      ['ZADD', 'small', '1', long],
      ['OBJECT', 'ENCODING', 'small'],
      ['ZREM', 'small', long],
      ['OBJECT', 'ENCODING', 'small'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '4'],
      ['ZADD', 'n4', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      ['OBJECT', 'ENCODING', 'n4'],
      ['ZADD', 'n4', '5', 'e'],
      ['OBJECT', 'ENCODING', 'n4'],
      ['ZADD', 'n5', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'],
      ['ZREM', 'n5', 'e'],
      ['OBJECT', 'ENCODING', 'n5'],
      ['ZUNIONSTORE', 'u', '1', 'n5'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZRANGESTORE', 'r', 'n4', '0', '-1'],
      ['OBJECT', 'ENCODING', 'r'],
      ['ZRANGESTORE', 'r', 'n4', '0', '1'],
      ['OBJECT', 'ENCODING', 'r'],
      ['COPY', 'n4', 'n4copy'],
      ['OBJECT', 'ENCODING', 'n4copy'],
      ['ZRANGE', 'n4copy', '0', '-1', 'WITHSCORES'],
      // A new set starts as a listpack unless its first member is too long (or the limit is 0),
      // whatever the size of the ZADD: -0 added before the conversion is kept as 0.
      ['ZADD', 'nz', '-0', 'neg', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '-0', 'neg2'],
      ['ZSCORE', 'nz', 'neg'],
      ['ZSCORE', 'nz', 'neg2'],
      ['OBJECT', 'ENCODING', 'nz'],
      ['ZADD', 'lm', '-0', 'neg', '1', long],
      ['ZSCORE', 'lm', 'neg'],
      ['ZADD', 'lf', '1', long, '-0', 'neg'],
      ['ZSCORE', 'lf', 'neg'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '0'],
      ['ZADD', 'z0', '-0', 'neg'],
      ['ZSCORE', 'z0', 'neg'],
      ['OBJECT', 'ENCODING', 'z0'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
    ];
    await same([['FLUSHALL'], ...cmds]);
  });

  test('writes counted as Redis counts them (rdb_changes_since_last_save)', async () => {
    const cmds: Cmd[] = [
      ['ZADD', 'd', '1', 'a', '2', 'b', '3', 'c'],
      ['ZADD', 'd', '1', 'a', '5', 'b'],
      ['ZADD', 'd', 'NX', '1', 'a'],
      ['ZADD', 'd', 'INCR', '1', 'a'],
      ['ZINCRBY', 'd', '0', 'a'],
      ['ZREM', 'd', 'a', 'nosuch'],
      ['ZADD', 'd', '1', 'a', '2', 'x', '3', 'y', '4', 'z'],
      ['ZREMRANGEBYRANK', 'd', '0', '1'],
      ['ZREMRANGEBYSCORE', 'd', '0', '3'],
      ['ZREMRANGEBYLEX', 'd', '-', '+'],
      ['ZADD', 'd', '1', 'a', '2', 'x', '3', 'y', '4', 'z'],
      ['ZPOPMIN', 'd', '2'],
      ['ZPOPMAX', 'd'],
      ['ZMPOP', '1', 'd', 'MIN', 'COUNT', '5'],
      ['ZADD', 'd', '1', 'a', '2', 'x'],
      ['ZUNIONSTORE', 'u', '1', 'd'],
      ['ZINTERSTORE', 'u', '1', 'nosuch'],
      ['ZINTERSTORE', 'u', '1', 'nosuch'],
      ['ZDIFFSTORE', 'u', '1', 'd'],
      ['ZRANGESTORE', 'u', 'd', '0', '0'],
      ['ZRANGESTORE', 'u', 'd', '5', '6'],
      ['ZRANGESTORE', 'u', 'd', '5', '6'],
    ];
    await a.call('FLUSHALL');
    await b.call('FLUSHALL');
    for (const c of cmds) {
      const d0 = t.server.ks.stats.dirty;
      const r0 = await redisDirty();
      const [ra, rb] = [await a.call(...c), await b.call(...c)];
      assert.equal(ra, rb);
      assert.equal(t.server.ks.stats.dirty - d0, (await redisDirty()) - r0, `dirty after ${c.join(' ')}`);
    }
  });

  test('keyspace events as Redis publishes them', async () => {
    const sa = await RawConn.connect(t.port);
    const sb = await RawConn.connect(ref.port);
    try {
      await same([['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'], ['FLUSHALL']]);
      assert.equal(await sa.call('PSUBSCRIBE', '__key*__:*'), await sb.call('PSUBSCRIBE', '__key*__:*'));
      await same([
        ['ZADD', 'e', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
        ['ZADD', 'e', 'NX', '1', 'a'],
        ['ZINCRBY', 'e', '1', 'a'],
        ['ZREM', 'e', 'a'],
        ['ZREMRANGEBYRANK', 'e', '0', '0'],
        ['ZREMRANGEBYSCORE', 'e', '0', '0'],
        ['ZADD', 'e', '0', 'x', '0', 'y'],
        ['ZREMRANGEBYLEX', 'e', '[x', '[x'],
        ['ZPOPMIN', 'e'],
        ['ZPOPMAX', 'e'],
        ['ZADD', 'e', '1', 'a', '2', 'b'],
        ['ZMPOP', '1', 'e', 'MAX', 'COUNT', '5'],
        ['ZADD', 'e', '1', 'a', '2', 'b'],
        ['ZUNIONSTORE', 'u', '1', 'e'],
        ['ZINTERSTORE', 'u', '1', 'e'],
        ['ZDIFFSTORE', 'u', '1', 'e'],
        ['ZRANGESTORE', 'u', 'e', '0', '0'],
        ['ZRANGESTORE', 'u', 'e', '5', '6'],
        ['ZREM', 'e', 'a', 'b'],
        ['CONFIG', 'SET', 'notify-keyspace-events', ''],
      ]);
      await waitFor(() => sb.buffered.length > 0 && sa.buffered.length >= sb.buffered.length, 5000, 'events');
      // Drain both and compare the event streams.
      const drain = async (c: RawConn): Promise<string> => {
        let s = '';
        while (c.buffered.length > 0) s += await c.reply();
        return s;
      };
      await waitFor(async () => sa.buffered.length === sb.buffered.length, 5000, 'same event volume');
      assert.equal(await drain(sa), await drain(sb));
    } finally {
      sa.close();
      sb.close();
    }
  });

  test('BZPOPMIN / BZPOPMAX / BZMPOP: immediate replies, errors, MULTI, wake-ups, timeouts', async () => {
    await both(base, [
      ['BZPOPMIN', 'nosuch', 'z', '0'],
      ['BZPOPMAX', 'z', 'inf', '0'],
      ['BZPOPMIN', 'str', 'z', '0'],
      ['BZPOPMIN', 'z', 'x'],
      ['BZPOPMIN', 'z', '-1'],
      ['BZPOPMIN', 'z', 'inf'],
      ['BZMPOP', '0', '2', 'nosuch', 'z', 'MIN'],
      ['BZMPOP', '0', '2', 'nosuch', 'z', 'MAX', 'COUNT', '10'],
      ['EXISTS', 'z'],
      ['BZMPOP', '0', '1', 'str', 'MIN'],
      ['BZMPOP', 'x', '1', 'lex', 'MIN'],
      ['BZMPOP', '-1', '1', 'lex', 'MIN'],
      ['BZMPOP', 'x', '0', 'lex', 'MIN'],
      ['BZMPOP', 'x', '1', 'lex', 'foo'],
      ['BZMPOP', '0', '1', 'lex', 'MIN', 'COUNT', '0'],
      ['BZMPOP', '0', '2', 'lex', 'MIN'],
      ['MULTI'],
      ['BZPOPMIN', 'nosuch', '0'],
      ['BZMPOP', '0', '1', 'nosuch', 'MIN'],
      ['BZPOPMAX', 'lex', '0'],
      ['EXEC'],
    ]);
    // Wake-ups: a client blocked on two keys is served by a write to either, in both protocols.
    for (const resp3 of [false, true]) {
      const replies: string[][] = [];
      for (const port of [t.port, ref.port]) {
        const w = await RawConn.connect(port);
        const r = await RawConn.connect(port);
        try {
          if (resp3) await w.call('HELLO', '3');
          await r.call('DEL', 'bk1', 'bk2', 'bk3');
          const got: string[] = [];
          w.send('BZPOPMIN', 'bk1', 'bk2', '0');
          await waitFor(async () => (await r.call('INFO', 'clients')).includes('blocked_clients:1'), 5000, 'client to block');
          got.push(await r.call('ZADD', 'bk2', '1.5', 'x', '2', 'y'));
          got.push(await w.reply());
          w.send('BZMPOP', '0', '2', 'bk3', 'bk1', 'MAX', 'COUNT', '5');
          await waitFor(async () => (await r.call('INFO', 'clients')).includes('blocked_clients:1'), 5000, 'client to block');
          // A non-zset value or a DEL does not serve the client; a ZADD does.
          got.push(await r.call('SET', 'bk1', 'v'));
          got.push(await r.call('DEL', 'bk1'));
          got.push(await r.call('ZADD', 'bk1', '3', 'a', '4', 'b'));
          got.push(await w.reply());
          got.push(await w.call('BZPOPMAX', 'bk9', '0.01'));
          got.push(await w.call('BZMPOP', '0.01', '1', 'bk9', 'MIN'));
          got.push(await r.call('EXISTS', 'bk1', 'bk2'));
          replies.push(got);
        } finally {
          w.close();
          r.close();
        }
      }
      assert.deepEqual(replies[0], replies[1], `RESP${resp3 ? 3 : 2}`);
    }
  });

  test('random operations agree with redis-server', async () => {
    const rand = rng(42);
    const cmds: Cmd[] = [['FLUSHALL']];
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const mem = (): string => 'm' + Math.floor(rand() * 60);
    const score = (): string => pick(['0', '1', '-1', '2.5', '(1', '-inf', '+inf', String(Math.floor(rand() * 20) - 10), '(3', '7'].filter((s) => !s.startsWith('(')));
    const bound = (): string => pick(['-inf', '+inf', '0', '(0', '5', '(5', '-3', '(10', '2.5']);
    for (let i = 0; i < 1500; i++) {
      const k = pick(['r1', 'r2']);
      switch (Math.floor(rand() * 10)) {
        case 0:
        case 1:
        case 2:
          cmds.push(['ZADD', k, ...pick([[], ['NX'], ['XX'], ['GT', 'CH'], ['LT']]), score(), mem(), score(), mem()]);
          break;
        case 3:
          cmds.push(['ZREM', k, mem(), mem()]);
          break;
        case 4:
          cmds.push(['ZRANGEBYSCORE', k, bound(), bound(), 'WITHSCORES', 'LIMIT', String(Math.floor(rand() * 3)), String(Math.floor(rand() * 5) - 1)]);
          break;
        case 5:
          cmds.push(['ZRANGE', k, String(Math.floor(rand() * 20) - 10), String(Math.floor(rand() * 20) - 10), ...pick([[], ['REV'], ['WITHSCORES']])]);
          break;
        case 6:
          cmds.push(['ZRANK', k, mem()], ['ZREVRANK', k, mem()], ['ZCOUNT', k, bound(), bound()]);
          break;
        case 7:
          cmds.push(['ZINCRBY', k, score(), mem()]);
          break;
        case 8:
          cmds.push([pick(['ZUNIONSTORE', 'ZINTERSTORE']), 'r3', '2', 'r1', 'r2', 'AGGREGATE', pick(['SUM', 'MIN', 'MAX'])], ['ZRANGE', 'r3', '0', '-1', 'WITHSCORES']);
          break;
        default:
          cmds.push(['ZREMRANGEBYSCORE', k, bound(), bound()], ['ZCARD', k]);
      }
    }
    await same(cmds);
  });
});
