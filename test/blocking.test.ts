// Blocking list commands: scenarios with several clients run on Redoubt and on redis-server
// 7.0.15 and compared reply by reply (service order, wake after EXEC, keys deleted, renamed or
// changing type, chained moves, CLIENT UNBLOCK, timeouts), plus Redoubt-only checks driven by a
// ManualClock (timeouts from cron), disconnects and command statistics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, haveRedis, startRedis, startServer, waitFor, type RefServer, type TestServer } from './helpers.js';
import { ManualClock } from '../src/store/clock.js';

/**
 * One step: ['send', conn, ...cmd] sends without reading; ['call', conn, ...cmd] sends and
 * records the reply; ['read', conn] records the next reply; ['blocked', n] waits until
 * INFO reports n blocked clients; ['unblock', conn, mode?] runs CLIENT UNBLOCK on that
 * connection's id and records the reply (both from a separate control connection).
 */
type Step = ['send' | 'call', number, ...string[]] | ['read', number] | ['blocked', number] | ['unblock', number, ...string[]];

async function blockedClients(ctl: RawConn): Promise<number> {
  const info = await ctl.call('INFO', 'clients');
  return Number(/blocked_clients:(\d+)/.exec(info)![1]);
}

/** Runs the steps on a server with fresh connections; returns every recorded reply. */
async function runScenario(port: number, steps: Step[], resp = '2'): Promise<string[]> {
  const conns: RawConn[] = [];
  const ids: string[] = [];
  const conn = async (i: number): Promise<RawConn> => {
    while (conns.length <= i) {
      const c = await RawConn.connect(port);
      if (resp !== '2') await c.call('HELLO', resp);
      const id = await c.call('CLIENT', 'ID');
      ids.push(id.slice(1, -2));
      conns.push(c);
    }
    return conns[i]!;
  };
  const out: string[] = [];
  const ctl = await RawConn.connect(port);
  try {
    await ctl.call('FLUSHALL');
    for (const s of steps) {
      switch (s[0]) {
        case 'send':
          (await conn(s[1])).send(...(s.slice(2) as string[]));
          break;
        case 'call':
          out.push(await (await conn(s[1])).call(...(s.slice(2) as string[])));
          break;
        case 'read':
          out.push(await (await conn(s[1])).reply());
          break;
        case 'blocked':
          await waitFor(async () => (await blockedClients(ctl)) === s[1], 5000, `${s[1]} blocked clients`);
          break;
        case 'unblock':
          await conn(s[1]);
          out.push(await ctl.call('CLIENT', 'UNBLOCK', ids[s[1]]!, ...(s.slice(2) as string[])));
          break;
      }
    }
  } finally {
    ctl.close();
    for (const c of conns) c.close();
  }
  return out;
}

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

  async function same(steps: Step[], resp = '2'): Promise<string[]> {
    const mine = await runScenario(t.port, steps, resp);
    const theirs = await runScenario(ref.port, steps, resp);
    assert.deepEqual(mine, theirs);
    // Every scenario leaves no client blocked on Redoubt.
    await waitFor(() => t.server.blocking.count === 0, 2000, 'no blocked clients left');
    return mine;
  }

  test('clients are served in the order they blocked; a variadic push serves several', async () => {
    const r = await same([
      ['send', 1, 'BLPOP', 'k', '0'], ['blocked', 1], ['send', 2, 'BLPOP', 'k', '0'], ['blocked', 2], ['send', 3, 'BRPOP', 'k', '0'], ['blocked', 3],
      ['call', 0, 'RPUSH', 'k', 'a', 'b'], ['read', 1], ['read', 2], ['blocked', 1], ['call', 0, 'RPUSH', 'k', 'c'], ['read', 3], ['call', 0, 'EXISTS', 'k'],
      ['send', 1, 'BLPOP', 'v', '0'], ['blocked', 1], ['send', 2, 'BLPOP', 'v', '0'], ['blocked', 2],
      ['call', 0, 'LPUSH', 'v', 'a', 'b', 'c'], ['read', 1], ['read', 2], ['call', 0, 'LRANGE', 'v', '0', '-1'],
    ]);
    assert.equal(r[1], '*2\r\n$1\r\nk\r\n$1\r\na\r\n');
  });

  test('a client waiting on several keys is served from the key that became ready', async () => {
    await same([
      ['send', 1, 'BLPOP', 'k1', 'k2', 'k3', '0'], ['blocked', 1], ['call', 0, 'RPUSH', 'k3', 'x'], ['read', 1],
      ['send', 1, 'BRPOP', 'k1', 'k2', '0'], ['blocked', 1], ['call', 0, 'MULTI'], ['call', 0, 'RPUSH', 'k2', 'from2'], ['call', 0, 'RPUSH', 'k1', 'from1'],
      ['blocked', 1], ['call', 0, 'EXEC'], ['read', 1], ['call', 0, 'LRANGE', 'k1', '0', '-1'],
      ['send', 1, 'BLPOP', 'dup', 'dup', '0'], ['blocked', 1], ['call', 0, 'RPUSH', 'dup', 'a', 'b'], ['read', 1], ['call', 0, 'LRANGE', 'dup', '0', '-1'],
    ]);
  });

  test('pushes inside MULTI wake a client only after EXEC; LPUSH+DEL and LPUSH+DEL+SET do not', async () => {
    await same([
      ['send', 1, 'BLPOP', 'k', '0'], ['blocked', 1], ['call', 0, 'MULTI'], ['call', 0, 'LPUSH', 'k', 'a'], ['call', 0, 'LPUSH', 'k', 'b'], ['blocked', 1],
      ['call', 0, 'LPUSH', 'k', 'c'], ['call', 0, 'EXEC'], ['read', 1], ['call', 0, 'LRANGE', 'k', '0', '-1'], ['call', 0, 'DEL', 'k'],
      ['send', 1, 'BLPOP', 'k', '0'], ['blocked', 1], ['call', 0, 'MULTI'], ['call', 0, 'LPUSH', 'k', 'a'], ['call', 0, 'DEL', 'k'], ['call', 0, 'EXEC'],
      ['call', 0, 'MULTI'], ['call', 0, 'LPUSH', 'k', 'a'], ['call', 0, 'DEL', 'k'], ['call', 0, 'SET', 'k', 'str'], ['call', 0, 'EXEC'], ['blocked', 1],
      ['call', 0, 'DEL', 'k'], ['call', 0, 'RPUSH', 'k', 'late'], ['read', 1],
    ]);
  });

  test('keys deleted, renamed, moved, swapped or changing type while clients wait', async () => {
    await same([
      ['send', 1, 'BLPOP', 'foo', '0'], ['blocked', 1], ['call', 0, 'SET', 'foo', 'str'], ['call', 0, 'HSET', 'foo2', 'f', 'v'], ['call', 0, 'RENAME', 'foo2', 'foo'],
      ['call', 0, 'ZADD', 'foo3', '1', 'm'], ['call', 0, 'RENAME', 'foo3', 'foo'], ['blocked', 1], ['call', 0, 'DEL', 'foo'],
      ['call', 0, 'RPUSH', 'bob', 'abc', 'def'], ['call', 0, 'RENAME', 'bob', 'foo'], ['read', 1], ['call', 0, 'LRANGE', 'foo', '0', '-1'],
      ['send', 1, 'BRPOP', 'mv', '0'], ['blocked', 1], ['call', 0, 'SELECT', '3'], ['call', 0, 'RPUSH', 'mv', 'x'], ['call', 0, 'MOVE', 'mv', '0'], ['read', 1],
      ['send', 1, 'BLMPOP', '5', '1', 'cp', 'LEFT'], ['blocked', 1], ['call', 0, 'SELECT', '0'], ['call', 0, 'RPUSH', 'cpsrc', 'y'], ['call', 0, 'COPY', 'cpsrc', 'cp'], ['read', 1],
      ['call', 0, 'SELECT', '1'], ['call', 0, 'RPUSH', 'sw', 'hello'], ['call', 0, 'SELECT', '0'], ['send', 1, 'BRPOP', 'sw', '5'], ['blocked', 1],
      ['call', 0, 'SWAPDB', '0', '1'], ['read', 1], ['call', 0, 'SWAPDB', '0', '1'],
      ['send', 1, 'BLPOP', 'z', '0'], ['blocked', 1], ['call', 0, 'ZADD', 'z', '1', 'a'], ['blocked', 1], ['call', 0, 'DEL', 'z'], ['call', 0, 'LPUSH', 'z', 'l'], ['read', 1],
    ]);
  });

  test('BLMOVE and BRPOPLPUSH: chains, circular, self-referential, wrong destination type', async () => {
    await same([
      ['send', 1, 'BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0'], ['blocked', 1], ['send', 2, 'BLPOP', 'b', '0'], ['blocked', 2], ['call', 0, 'RPUSH', 'a', 'x'],
      ['read', 1], ['read', 2], ['call', 0, 'EXISTS', 'a', 'b'],
      ['send', 1, 'BRPOPLPUSH', 'l1', 'l2', '0'], ['blocked', 1], ['send', 2, 'BRPOPLPUSH', 'l2', 'l1', '0'], ['blocked', 2], ['call', 0, 'RPUSH', 'l1', 'foo'],
      ['read', 1], ['read', 2], ['call', 0, 'LRANGE', 'l1', '0', '-1'], ['call', 0, 'LRANGE', 'l2', '0', '-1'], ['call', 0, 'DEL', 'l1'],
      ['send', 1, 'BRPOPLPUSH', 'self', 'self', '0'], ['blocked', 1], ['call', 0, 'RPUSH', 'self', 'a', 'b'], ['read', 1], ['call', 0, 'LRANGE', 'self', '0', '-1'],
      ['call', 0, 'SET', 'target', 'nolist'], ['send', 1, 'BRPOPLPUSH', 'blist', 'target', '0'], ['blocked', 1], ['call', 0, 'RPUSH', 'blist', 'foo'], ['read', 1],
      ['call', 0, 'LRANGE', 'blist', '0', '-1'], ['call', 0, 'DEL', 'blist'],
      ['send', 1, 'BRPOPLPUSH', 'bl', 'target', '0'], ['blocked', 1], ['send', 2, 'BRPOPLPUSH', 'bl', 'ok', '0'], ['blocked', 2], ['call', 0, 'RPUSH', 'bl', '1', '2'],
      ['read', 1], ['read', 2], ['call', 0, 'LRANGE', 'bl', '0', '-1'], ['call', 0, 'LRANGE', 'ok', '0', '-1'],
      ['send', 1, 'BLMPOP', '0', '2', 'm1', 'm2', 'RIGHT', 'COUNT', '2'], ['blocked', 1], ['send', 2, 'BLMPOP', '0', '1', 'm2', 'LEFT', 'COUNT', '5'], ['blocked', 2],
      ['call', 0, 'RPUSH', 'm2', 'a', 'b', 'c'], ['read', 1], ['read', 2], ['call', 0, 'EXISTS', 'm2'],
    ]);
  });

  test('WATCH: a push made by serving BRPOPLPUSH touches the destination; waiting does not', async () => {
    await same([
      ['call', 0, 'SET', 'somekey', 'v'], ['send', 1, 'BRPOPLPUSH', 'src', 'dst', '0'], ['blocked', 1], ['call', 2, 'WATCH', 'dst'], ['call', 2, 'MULTI'],
      ['call', 2, 'GET', 'somekey'], ['call', 0, 'LPUSH', 'src', 'e'], ['read', 1], ['call', 2, 'EXEC'],
      ['send', 1, 'BRPOPLPUSH', 'src', 'dst', '0'], ['blocked', 1], ['call', 2, 'WATCH', 'dst'], ['call', 2, 'MULTI'], ['call', 2, 'GET', 'somekey'], ['call', 2, 'EXEC'],
      ['call', 0, 'LPUSH', 'src', 'e2'], ['read', 1],
    ]);
  });

  test('pipelined push and blocking pop keep fairness', async () => {
    await same([
      ['send', 1, 'BLPOP', 'k', '0'], ['blocked', 1], ['send', 2, 'LPUSH', 'k', '1'], ['send', 2, 'BLPOP', 'k', '0'], ['read', 1], ['read', 2], ['blocked', 1],
      ['call', 0, 'RPUSH', 'k', 'z'], ['read', 2],
      ['send', 1, 'BLPOP', 'n1', '0'], ['blocked', 1], ['send', 2, 'BLPOP', 'n1', '0'], ['blocked', 2], ['send', 3, 'BLMOVE', 'n2', 'n1', 'LEFT', 'LEFT', '0'], ['blocked', 3],
      ['call', 0, 'RPUSH', 'n2', 'x'], ['read', 3], ['read', 1], ['blocked', 1], ['call', 0, 'RPUSH', 'n1', 'y'], ['read', 2],
    ]);
  });

  test('timeouts (fractional seconds) and timeout errors, RESP2 and RESP3', async () => {
    for (const resp of ['2', '3']) {
      await same(
        [
          ['call', 1, 'BLPOP', 'k', '0.05'], ['call', 1, 'BRPOP', 'k', 'k2', '0.01'], ['call', 1, 'BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0.02'], ['call', 1, 'BRPOPLPUSH', 'k', 'd', '0.001'],
          ['call', 1, 'BLMPOP', '0.02', '1', 'k', 'LEFT'], ['call', 1, 'BLPOP', 'k', '-1'], ['call', 1, 'BLPOP', 'k', 'x'], ['call', 1, 'BLPOP', 'k', '1e400'],
          ['call', 1, 'BLMOVE', 'k', 'd', 'LEFT', 'LEFT', 'nan'], ['call', 1, 'BLMPOP', '-0.5', '1', 'k', 'LEFT'], ['call', 1, 'EXISTS', 'd'],
        ],
        resp,
      );
    }
  });

  test('CLIENT UNBLOCK: TIMEOUT, ERROR, not blocked, argument errors', async () => {
    for (const resp of ['2', '3']) {
      await same(
        [
          ['send', 1, 'BLPOP', 'k', '0'], ['blocked', 1], ['unblock', 1], ['read', 1], ['send', 1, 'BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0'], ['blocked', 1],
          ['unblock', 1, 'TIMEOUT'], ['read', 1], ['send', 1, 'BLMPOP', '0', '1', 'k', 'LEFT'], ['blocked', 1], ['unblock', 1, 'error'], ['read', 1], ['unblock', 1],
          ['unblock', 1, 'ERROR'], ['call', 0, 'CLIENT', 'UNBLOCK', 'abc'], ['call', 0, 'CLIENT', 'UNBLOCK', '1', 'later'], ['call', 0, 'CLIENT', 'UNBLOCK', '1', 'timeout', 'x'],
          ['call', 0, 'CLIENT', 'UNBLOCK', '999999'], ['send', 1, 'BLPOP', 'k', '0'], ['blocked', 1], ['unblock', 1, 'error'], ['call', 1, 'PING'],
        ],
        resp,
      );
    }
  });

  test('a blocked command is counted once in commandstats (served, timed out, unblocked)', async () => {
    const steps: Step[] = [
      ['call', 0, 'CONFIG', 'RESETSTAT'], ['send', 1, 'BLPOP', 'k', '0'], ['blocked', 1], ['call', 0, 'LPUSH', 'k', '1'], ['read', 1], ['call', 1, 'BLPOP', 'k', '0.01'],
      ['send', 1, 'BLPOP', 'k', '0'], ['blocked', 1], ['unblock', 1, 'ERROR'], ['read', 1], ['call', 0, 'INFO', 'commandstats'],
    ];
    const pick = (info: string): string => /cmdstat_blpop:calls=(\d+),.*rejected_calls=(\d+),failed_calls=(\d+)/.exec(info)!.slice(1).join(',');
    const mine = await runScenario(t.port, steps);
    const theirs = await runScenario(ref.port, steps);
    assert.equal(pick(mine[mine.length - 1]!), pick(theirs[theirs.length - 1]!));
    assert.equal(pick(mine[mine.length - 1]!), '3,0,1');
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
