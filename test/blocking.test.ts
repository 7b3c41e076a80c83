// Blocking list commands: scenarios with several clients run on Redoubt and on redis-server
// 7.0.15 and compared reply by reply (service order, wake after EXEC, keys deleted, renamed or
// changing type, chained moves, CLIENT UNBLOCK, timeouts), plus Redoubt-only checks driven by a
// ManualClock (timeouts from cron), disconnects and command statistics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, haveRedis, startRedis, startServer, waitFor, type RefServer, type TestServer } from './helpers.js';
import { sameScenario, type Step } from './scenario.js';
import { ManualClock } from '../src/store/clock.js';

const HAVE_REDIS = haveRedis();

describe('blocking commands vs redis-server', { skip: HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped' }, () => {
  let t: TestServer;
  let ref: RefServer;

  before(async () => {
    t = await startServer();
    ref = await startRedis();
  });
  after(async () => {
    await t?.close();
    await ref?.close();
  });

  /** Runs the steps (connection '0' flushes first) on both servers; returns Redoubt's log, line i+1 for step i. */
  async function same(steps: Step[], resp: '2' | '3' = '2'): Promise<string[]> {
    const mine = await sameScenario(t.port, ref.port, [['0', 'FLUSHALL'], ...steps], { resp });
    // Every scenario leaves no client blocked on Redoubt.
    await waitFor(() => t.server.blocking.count === 0, 2000, 'no blocked clients left');
    return mine;
  }

  test('clients are served in the order they blocked; a variadic push serves several', async () => {
    const r = await same([
      { on: '1', cmd: ['BLPOP', 'k', '0'], replies: 0 }, { blocked: 1 }, { on: '2', cmd: ['BLPOP', 'k', '0'], replies: 0 }, { blocked: 2 }, { on: '3', cmd: ['BRPOP', 'k', '0'], replies: 0 }, { blocked: 3 },
      ['0', 'RPUSH', 'k', 'a', 'b'], { on: '1', read: 1 }, { on: '2', read: 1 }, { blocked: 1 }, ['0', 'RPUSH', 'k', 'c'], { on: '3', read: 1 }, ['0', 'EXISTS', 'k'],
      { on: '1', cmd: ['BLPOP', 'v', '0'], replies: 0 }, { blocked: 1 }, { on: '2', cmd: ['BLPOP', 'v', '0'], replies: 0 }, { blocked: 2 },
      ['0', 'LPUSH', 'v', 'a', 'b', 'c'], { on: '1', read: 1 }, { on: '2', read: 1 }, ['0', 'LRANGE', 'v', '0', '-1'],
    ]);
    assert.equal(r[8], `1 READ -> ${JSON.stringify('*2\r\n$1\r\nk\r\n$1\r\na\r\n')}`);
  });

  test('a client waiting on several keys is served from the key that became ready', async () => {
    await same([
      { on: '1', cmd: ['BLPOP', 'k1', 'k2', 'k3', '0'], replies: 0 }, { blocked: 1 }, ['0', 'RPUSH', 'k3', 'x'], { on: '1', read: 1 },
      { on: '1', cmd: ['BRPOP', 'k1', 'k2', '0'], replies: 0 }, { blocked: 1 }, ['0', 'MULTI'], ['0', 'RPUSH', 'k2', 'from2'], ['0', 'RPUSH', 'k1', 'from1'],
      { blocked: 1 }, ['0', 'EXEC'], { on: '1', read: 1 }, ['0', 'LRANGE', 'k1', '0', '-1'],
      { on: '1', cmd: ['BLPOP', 'dup', 'dup', '0'], replies: 0 }, { blocked: 1 }, ['0', 'RPUSH', 'dup', 'a', 'b'], { on: '1', read: 1 }, ['0', 'LRANGE', 'dup', '0', '-1'],
    ]);
  });

  test('pushes inside MULTI wake a client only after EXEC; LPUSH+DEL and LPUSH+DEL+SET do not', async () => {
    await same([
      { on: '1', cmd: ['BLPOP', 'k', '0'], replies: 0 }, { blocked: 1 }, ['0', 'MULTI'], ['0', 'LPUSH', 'k', 'a'], ['0', 'LPUSH', 'k', 'b'], { blocked: 1 },
      ['0', 'LPUSH', 'k', 'c'], ['0', 'EXEC'], { on: '1', read: 1 }, ['0', 'LRANGE', 'k', '0', '-1'], ['0', 'DEL', 'k'],
      { on: '1', cmd: ['BLPOP', 'k', '0'], replies: 0 }, { blocked: 1 }, ['0', 'MULTI'], ['0', 'LPUSH', 'k', 'a'], ['0', 'DEL', 'k'], ['0', 'EXEC'],
      ['0', 'MULTI'], ['0', 'LPUSH', 'k', 'a'], ['0', 'DEL', 'k'], ['0', 'SET', 'k', 'str'], ['0', 'EXEC'], { blocked: 1 },
      ['0', 'DEL', 'k'], ['0', 'RPUSH', 'k', 'late'], { on: '1', read: 1 },
    ]);
  });

  test('keys deleted, renamed, moved, swapped or changing type while clients wait', async () => {
    await same([
      { on: '1', cmd: ['BLPOP', 'foo', '0'], replies: 0 }, { blocked: 1 }, ['0', 'SET', 'foo', 'str'], ['0', 'HSET', 'foo2', 'f', 'v'], ['0', 'RENAME', 'foo2', 'foo'],
      ['0', 'ZADD', 'foo3', '1', 'm'], ['0', 'RENAME', 'foo3', 'foo'], { blocked: 1 }, ['0', 'DEL', 'foo'],
      ['0', 'RPUSH', 'bob', 'abc', 'def'], ['0', 'RENAME', 'bob', 'foo'], { on: '1', read: 1 }, ['0', 'LRANGE', 'foo', '0', '-1'],
      { on: '1', cmd: ['BRPOP', 'mv', '0'], replies: 0 }, { blocked: 1 }, ['0', 'SELECT', '3'], ['0', 'RPUSH', 'mv', 'x'], ['0', 'MOVE', 'mv', '0'], { on: '1', read: 1 },
      { on: '1', cmd: ['BLMPOP', '5', '1', 'cp', 'LEFT'], replies: 0 }, { blocked: 1 }, ['0', 'SELECT', '0'], ['0', 'RPUSH', 'cpsrc', 'y'], ['0', 'COPY', 'cpsrc', 'cp'], { on: '1', read: 1 },
      ['0', 'SELECT', '1'], ['0', 'RPUSH', 'sw', 'hello'], ['0', 'SELECT', '0'], { on: '1', cmd: ['BRPOP', 'sw', '5'], replies: 0 }, { blocked: 1 },
      ['0', 'SWAPDB', '0', '1'], { on: '1', read: 1 }, ['0', 'SWAPDB', '0', '1'],
      { on: '1', cmd: ['BLPOP', 'z', '0'], replies: 0 }, { blocked: 1 }, ['0', 'ZADD', 'z', '1', 'a'], { blocked: 1 }, ['0', 'DEL', 'z'], ['0', 'LPUSH', 'z', 'l'], { on: '1', read: 1 },
    ]);
  });

  test('BLMOVE and BRPOPLPUSH: chains, circular, self-referential, wrong destination type', async () => {
    await same([
      { on: '1', cmd: ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0'], replies: 0 }, { blocked: 1 }, { on: '2', cmd: ['BLPOP', 'b', '0'], replies: 0 }, { blocked: 2 }, ['0', 'RPUSH', 'a', 'x'],
      { on: '1', read: 1 }, { on: '2', read: 1 }, ['0', 'EXISTS', 'a', 'b'],
      { on: '1', cmd: ['BRPOPLPUSH', 'l1', 'l2', '0'], replies: 0 }, { blocked: 1 }, { on: '2', cmd: ['BRPOPLPUSH', 'l2', 'l1', '0'], replies: 0 }, { blocked: 2 }, ['0', 'RPUSH', 'l1', 'foo'],
      { on: '1', read: 1 }, { on: '2', read: 1 }, ['0', 'LRANGE', 'l1', '0', '-1'], ['0', 'LRANGE', 'l2', '0', '-1'], ['0', 'DEL', 'l1'],
      { on: '1', cmd: ['BRPOPLPUSH', 'self', 'self', '0'], replies: 0 }, { blocked: 1 }, ['0', 'RPUSH', 'self', 'a', 'b'], { on: '1', read: 1 }, ['0', 'LRANGE', 'self', '0', '-1'],
      ['0', 'SET', 'target', 'nolist'], { on: '1', cmd: ['BRPOPLPUSH', 'blist', 'target', '0'], replies: 0 }, { blocked: 1 }, ['0', 'RPUSH', 'blist', 'foo'], { on: '1', read: 1 },
      ['0', 'LRANGE', 'blist', '0', '-1'], ['0', 'DEL', 'blist'],
      { on: '1', cmd: ['BRPOPLPUSH', 'bl', 'target', '0'], replies: 0 }, { blocked: 1 }, { on: '2', cmd: ['BRPOPLPUSH', 'bl', 'ok', '0'], replies: 0 }, { blocked: 2 }, ['0', 'RPUSH', 'bl', '1', '2'],
      { on: '1', read: 1 }, { on: '2', read: 1 }, ['0', 'LRANGE', 'bl', '0', '-1'], ['0', 'LRANGE', 'ok', '0', '-1'],
      { on: '1', cmd: ['BLMPOP', '0', '2', 'm1', 'm2', 'RIGHT', 'COUNT', '2'], replies: 0 }, { blocked: 1 }, { on: '2', cmd: ['BLMPOP', '0', '1', 'm2', 'LEFT', 'COUNT', '5'], replies: 0 }, { blocked: 2 },
      ['0', 'RPUSH', 'm2', 'a', 'b', 'c'], { on: '1', read: 1 }, { on: '2', read: 1 }, ['0', 'EXISTS', 'm2'],
    ]);
  });

  test('WATCH: a push made by serving BRPOPLPUSH touches the destination; waiting does not', async () => {
    await same([
      ['0', 'SET', 'somekey', 'v'], { on: '1', cmd: ['BRPOPLPUSH', 'src', 'dst', '0'], replies: 0 }, { blocked: 1 }, ['2', 'WATCH', 'dst'], ['2', 'MULTI'],
      ['2', 'GET', 'somekey'], ['0', 'LPUSH', 'src', 'e'], { on: '1', read: 1 }, ['2', 'EXEC'],
      { on: '1', cmd: ['BRPOPLPUSH', 'src', 'dst', '0'], replies: 0 }, { blocked: 1 }, ['2', 'WATCH', 'dst'], ['2', 'MULTI'], ['2', 'GET', 'somekey'], ['2', 'EXEC'],
      ['0', 'LPUSH', 'src', 'e2'], { on: '1', read: 1 },
    ]);
  });

  test('pipelined push and blocking pop keep fairness', async () => {
    await same([
      { on: '1', cmd: ['BLPOP', 'k', '0'], replies: 0 }, { blocked: 1 }, { on: '2', cmd: ['LPUSH', 'k', '1'], replies: 0 }, { on: '2', cmd: ['BLPOP', 'k', '0'], replies: 0 }, { on: '1', read: 1 }, { on: '2', read: 1 }, { blocked: 1 },
      ['0', 'RPUSH', 'k', 'z'], { on: '2', read: 1 },
      { on: '1', cmd: ['BLPOP', 'n1', '0'], replies: 0 }, { blocked: 1 }, { on: '2', cmd: ['BLPOP', 'n1', '0'], replies: 0 }, { blocked: 2 }, { on: '3', cmd: ['BLMOVE', 'n2', 'n1', 'LEFT', 'LEFT', '0'], replies: 0 }, { blocked: 3 },
      ['0', 'RPUSH', 'n2', 'x'], { on: '3', read: 1 }, { on: '1', read: 1 }, { blocked: 1 }, ['0', 'RPUSH', 'n1', 'y'], { on: '2', read: 1 },
    ]);
  });

  test('timeouts (fractional seconds) and timeout errors, RESP2 and RESP3', async () => {
    for (const resp of ['2', '3'] as const) {
      await same(
        [
          ['1', 'BLPOP', 'k', '0.05'], ['1', 'BRPOP', 'k', 'k2', '0.01'], ['1', 'BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0.02'], ['1', 'BRPOPLPUSH', 'k', 'd', '0.001'],
          ['1', 'BLMPOP', '0.02', '1', 'k', 'LEFT'], ['1', 'BLPOP', 'k', '-1'], ['1', 'BLPOP', 'k', 'x'], ['1', 'BLPOP', 'k', '1e400'],
          ['1', 'BLMOVE', 'k', 'd', 'LEFT', 'LEFT', 'nan'], ['1', 'BLMPOP', '-0.5', '1', 'k', 'LEFT'], ['1', 'EXISTS', 'd'],
        ],
        resp,
      );
    }
  });

  test('CLIENT UNBLOCK: TIMEOUT, ERROR, not blocked, argument errors', async () => {
    for (const resp of ['2', '3'] as const) {
      await same(
        [
          { on: '1', cmd: ['BLPOP', 'k', '0'], replies: 0 }, { blocked: 1 }, { unblock: '1' }, { on: '1', read: 1 }, { on: '1', cmd: ['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0'], replies: 0 }, { blocked: 1 },
          { unblock: '1', mode: 'TIMEOUT' }, { on: '1', read: 1 }, { on: '1', cmd: ['BLMPOP', '0', '1', 'k', 'LEFT'], replies: 0 }, { blocked: 1 }, { unblock: '1', mode: 'error' }, { on: '1', read: 1 }, { unblock: '1' },
          { unblock: '1', mode: 'ERROR' }, ['0', 'CLIENT', 'UNBLOCK', 'abc'], ['0', 'CLIENT', 'UNBLOCK', '1', 'later'], ['0', 'CLIENT', 'UNBLOCK', '1', 'timeout', 'x'],
          ['0', 'CLIENT', 'UNBLOCK', '999999'], { on: '1', cmd: ['BLPOP', 'k', '0'], replies: 0 }, { blocked: 1 }, { unblock: '1', mode: 'error' }, ['1', 'PING'],
        ],
        resp,
      );
    }
  });

  test('a blocked command is counted once in commandstats (served, timed out, unblocked)', async () => {
    const pick = (info: string): string => /cmdstat_blpop:calls=(\d+),.*rejected_calls=(\d+),failed_calls=(\d+)/.exec(info)!.slice(1).join(',');
    const log = await same([
      ['0', 'CONFIG', 'RESETSTAT'], { on: '1', cmd: ['BLPOP', 'k', '0'], replies: 0 }, { blocked: 1 }, ['0', 'LPUSH', 'k', '1'], { on: '1', read: 1 }, ['1', 'BLPOP', 'k', '0.01'],
      { on: '1', cmd: ['BLPOP', 'k', '0'], replies: 0 }, { blocked: 1 }, { unblock: '1', mode: 'ERROR' }, { on: '1', read: 1 }, { on: '0', cmd: ['INFO', 'commandstats'], normalize: pick },
    ]);
    assert.equal(log[11], '0 INFO commandstats -> "3,0,1"');
  });
});

describe('blocking on Redoubt: clock-driven timeouts, disconnects, INFO', () => {
  let t: TestServer;
  const clock = new ManualClock();

  before(async () => {
    t = await startServer({}, clock);
  });
  after(async () => {
    await t?.close();
  });

  test('timeouts follow the injected clock, checked from cron', async () => {
    const c = await RawConn.connect(t.port);
    const d = await RawConn.connect(t.port);
    try {
      c.send('BLPOP', 'k', '5');
      d.send('BLMOVE', 'k', 'x', 'LEFT', 'LEFT', '2.5');
      await waitFor(() => t.server.blocking.count === 2, 2000, 'two blocked');
      assert.equal(t.server.blocking.withTimeout, 2);
      clock.advance(2500);
      t.server.cron();
      assert.equal(t.server.blocking.count, 2, 'at its deadline a client still waits');
      clock.advance(1);
      t.server.cron();
      assert.equal(await d.reply(), '*-1\r\n');
      clock.advance(2499);
      t.server.cron();
      assert.equal(t.server.blocking.count, 1);
      clock.advance(1);
      t.server.cron();
      assert.equal(await c.reply(), '*-1\r\n');
      assert.equal(t.server.blocking.count, 0);
      assert.equal(t.server.blocking.withTimeout, 0);
      // A zero timeout never expires.
      c.send('BRPOP', 'k', '0');
      await waitFor(() => t.server.blocking.count === 1, 2000, 'blocked');
      clock.advance(10 ** 12);
      t.server.cron();
      assert.equal(t.server.blocking.count, 1);
      assert.equal(await d.call('RPUSH', 'k', 'v'), ':1\r\n');
      assert.equal(await c.reply(), '*2\r\n$1\r\nk\r\n$1\r\nv\r\n');
      // Input pipelined behind a blocked command runs once it is served.
      c.send('BLPOP', 'k', '0');
      c.send('PING');
      await waitFor(() => t.server.blocking.count === 1, 2000, 'blocked');
      await d.call('RPUSH', 'k', 'w');
      assert.equal(await c.reply(), '*2\r\n$1\r\nk\r\n$1\r\nw\r\n');
      assert.equal(await c.reply(), '+PONG\r\n');
    } finally {
      c.close();
      d.close();
    }
  });

  test('a client that disconnects while blocked is forgotten; CLIENT LIST shows b', async () => {
    const c = await RawConn.connect(t.port);
    const d = await RawConn.connect(t.port);
    try {
      c.send('BLPOP', 'gone', '0');
      await waitFor(() => t.server.blocking.count === 1, 2000, 'blocked');
      const list = await d.call('CLIENT', 'LIST');
      assert.match(list, /flags=b .*cmd=blpop/);
      assert.match(await d.call('INFO', 'clients'), /blocked_clients:1/);
      c.close();
      await waitFor(() => t.server.blocking.count === 0, 2000, 'forgotten');
      assert.equal(t.server.blocking.keyCount, 0);
      assert.equal(await d.call('RPUSH', 'gone', 'x'), ':1\r\n');
      assert.equal(await d.call('LLEN', 'gone'), ':1\r\n');
    } finally {
      c.close();
      d.close();
    }
  });
});
