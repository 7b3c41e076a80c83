// The one execution path (Dispatcher.call) and the gates before it, with a command's effective
// flags worked out once (EXEC's queue included): CLIENT PAUSE before queueing, EXEC of a queue
// that writes, expiry held during a pause, MISCONF for PING, a blocked command counted once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../src/store/clock.js';
import { RawConn, startServer, waitFor } from './helpers.js';

describe('CLIENT PAUSE WRITE and transactions', () => {
  it('a write queued in MULTI waits for the pause to end, and so does EXEC of a queue that writes', async () => {
    const clock = new ManualClock();
    const t = await startServer({}, clock);
    const admin = await RawConn.connect(t.port);
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(await c.call('MULTI'), '+OK\r\n');
      assert.equal(await admin.call('CLIENT', 'PAUSE', '1000', 'WRITE'), '+OK\r\n');
      c.send('SET', 'k', 'v');
      // A read is not paused, inside MULTI or not.
      assert.equal(await admin.call('GET', 'k'), '$-1\r\n');
      assert.equal(c.buffered.length, 0, 'the SET waits before being queued');
      clock.advance(1000);
      t.server.cron();
      assert.equal(await c.reply(), '+QUEUED\r\n');
      assert.deepEqual(await c.call('EXEC'), '*1\r\n+OK\r\n');

      // Queued before the pause: EXEC waits, as its queue writes.
      assert.equal(await c.call('MULTI'), '+OK\r\n');
      assert.equal(await c.call('INCR', 'n'), '+QUEUED\r\n');
      assert.equal(await admin.call('CLIENT', 'PAUSE', '1000', 'WRITE'), '+OK\r\n');
      c.send('EXEC');
      assert.equal(await admin.call('GET', 'n'), '$-1\r\n');
      assert.equal(c.buffered.length, 0, 'EXEC waits');
      clock.advance(1000);
      t.server.cron();
      assert.equal(await c.reply(), '*1\r\n:1\r\n');

      // EXEC of reads only runs during the pause.
      assert.equal(await c.call('MULTI'), '+OK\r\n');
      assert.equal(await c.call('GET', 'n'), '+QUEUED\r\n');
      assert.equal(await admin.call('CLIENT', 'PAUSE', '1000', 'WRITE'), '+OK\r\n');
      assert.equal(await c.call('EXEC'), '*1\r\n$1\r\n1\r\n');
      await admin.call('CLIENT', 'UNPAUSE');
    } finally {
      c.close();
      admin.close();
      await t.close();
    }
  });

  it('scripts and functions that declare no-writes run during CLIENT PAUSE WRITE; others wait', async () => {
    const clock = new ManualClock();
    const t = await startServer({}, clock);
    const admin = await RawConn.connect(t.port);
    const c = await RawConn.connect(t.port);
    try {
      const lib = "#!lua name=lib\nredis.register_function{function_name='ro', callback=function() return 'hello' end, flags={'no-writes'}}\nredis.register_function('rw', function() return 'written' end)";
      assert.equal(await admin.call('FUNCTION', 'LOAD', lib), '$3\r\nlib\r\n');
      assert.equal(await admin.call('CLIENT', 'PAUSE', '1000', 'WRITE'), '+OK\r\n');
      assert.equal(await c.call('EVAL', "#!lua flags=no-writes\nreturn 'unique'", '0'), '$6\r\nunique\r\n');
      assert.equal(await c.call('FCALL', 'ro', '0'), '$5\r\nhello\r\n');
      assert.equal(await c.call('EVAL_RO', 'return 1', '0'), ':1\r\n');
      // Without declared flags a script may write: it waits, as FCALL of a writing function does.
      c.send('EVAL', 'return 2', '0');
      c.send('FCALL', 'rw', '0');
      assert.equal(await admin.call('PING'), '+PONG\r\n');
      assert.equal(c.buffered.length, 0, 'the writing script and function wait');
      clock.advance(1000);
      t.server.cron();
      assert.equal(await c.reply(), ':2\r\n');
      assert.equal(await c.reply(), '$7\r\nwritten\r\n');
    } finally {
      c.close();
      admin.close();
      await t.close();
    }
  });

  it('keys do not expire while clients are paused: they read as gone and are deleted afterwards', async () => {
    const clock = new ManualClock();
    const t = await startServer({}, clock);
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(await c.call('SET', 'e', 'v', 'PX', '50'), '+OK\r\n');
      assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
      assert.equal(await c.call('CLIENT', 'PAUSE', '1000', 'WRITE'), '+OK\r\n');
      clock.advance(100);
      t.server.cron(); // active expiry does not run either
      assert.equal(await c.call('GET', 'e'), '$-1\r\n');
      assert.equal(await c.call('EXISTS', 'e'), ':0\r\n');
      assert.equal(await c.call('TTL', 'e'), ':-2\r\n');
      assert.equal(await c.call('DBSIZE'), ':2\r\n', 'still stored');
      assert.match(await c.call('INFO', 'stats'), /expired_keys:0\r\n/);
      clock.advance(1000);
      t.server.cron();
      assert.equal(await c.call('GET', 'e'), '$-1\r\n');
      assert.equal(await c.call('DBSIZE'), ':1\r\n');
      assert.match(await c.call('INFO', 'stats'), /expired_keys:1\r\n/);
    } finally {
      c.close();
      await t.close();
    }
  });
});

describe('MISCONF', () => {
  it('refuses PING as well as writes while snapshots fail, as Redis does', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-misconf-'));
    // MISCONF applies while save points are configured (stop-writes-on-bgsave-error).
    const t = await startServer({ dir, save: '3600 1' });
    const c = await RawConn.connect(t.port);
    try {
      t.server.config.setQuiet('dir', path.join(dir, 'missing'));
      assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
      await waitFor(() => !t.server.snapshots.bgsaveInProgress, 5000, 'the failed BGSAVE');
      assert.match(await c.call('PING'), /^-MISCONF /);
      assert.match(await c.call('SET', 'a', '1'), /^-MISCONF /);
      assert.match(await c.call('MULTI'), /^\+OK/);
      assert.equal(await c.call('GET', 'a'), '+QUEUED\r\n');
      assert.equal(await c.call('EXEC'), '*1\r\n$-1\r\n', 'EXEC of reads runs');
      // A write is refused as it is queued, which dooms the transaction.
      assert.match(await c.call('MULTI'), /^\+OK/);
      assert.match(await c.call('SET', 'a', '1'), /^-MISCONF /);
      assert.equal(await c.call('EXEC'), '-EXECABORT Transaction discarded because of previous errors.\r\n');
      assert.equal(await c.call('GET', 'a'), '$-1\r\n');
    } finally {
      c.close();
      await t.close();
    }
  });
});

describe('a blocked command', () => {
  it('is counted once, in commandstats, latency stats and the slow log, when it is served', async () => {
    const t = await startServer({ 'slowlog-log-slower-than': '0' });
    const c = await RawConn.connect(t.port);
    const w = await RawConn.connect(t.port);
    try {
      assert.equal(await w.call('SLOWLOG', 'RESET'), '+OK\r\n');
      c.send('BLPOP', 'q', '0');
      await waitFor(() => t.server.blocking.count === 1, 5000, 'the client to block');
      assert.equal(await w.call('RPUSH', 'q', 'x'), ':1\r\n');
      assert.equal(await c.reply(), '*2\r\n$1\r\nq\r\n$1\r\nx\r\n');
      assert.match(await w.call('INFO', 'commandstats'), /cmdstat_blpop:calls=1,/);
      assert.match(await w.call('INFO', 'latencystats'), /latency_percentiles_usec_blpop:/);
      assert.equal(t.server.table.lookup('blpop')!.stats.latency?.total, 1);
      const slow = await w.call('SLOWLOG', 'GET', '100');
      assert.equal(slow.split('$5\r\nBLPOP\r\n').length - 1, 1, slow);
    } finally {
      c.close();
      w.close();
      await t.close();
    }
  });
});
