// The latency monitor's expire-cycle event: the active expire cycle run from cron is timed as a
// whole and recorded when it reaches latency-monitor-threshold, as Redis records it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, infoField, parseReply, startServer, waitFor } from './helpers.js';

const KEYS = 300_000;

describe('latency monitor: expire-cycle', () => {
  it('a cycle that reaches the threshold is recorded; none is while the monitor is off', async () => {
    const t = await startServer();
    const c = await RawConn.connect(t.port);
    try {
      const fill = `for i = 1, ${KEYS} do redis.call('set', 'k' .. i, 'v', 'px', 1) end`;
      // Monitor off: cycles that expire many keys leave no event.
      assert.equal(await c.call('EVAL', fill, '0'), '$-1\r\n');
      await waitFor(async () => (await c.call('DBSIZE')) === ':0\r\n', 20000, 'the keys to expire (monitor off)');
      assert.deepEqual(parseReply(await c.call('LATENCY', 'LATEST')), []);

      // Monitor on at 10 ms: a capped cycle ran for its whole 25 ms budget (hz 10), so at least
      // one expire-cycle sample of 10 ms or more is there.
      assert.equal(await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '10'), '+OK\r\n');
      const capped = Number(await infoField(c, 'expired_time_cap_reached_count'));
      assert.equal(await c.call('EVAL', fill, '0'), '$-1\r\n');
      await waitFor(async () => (await c.call('DBSIZE')) === ':0\r\n', 20000, 'the keys to expire (monitor on)');
      assert.ok(Number(await infoField(c, 'expired_time_cap_reached_count')) > capped, 'no cycle reached its time budget');
      const latest = parseReply(await c.call('LATENCY', 'LATEST')) as [string, number, number, number][];
      const ev = latest.find((e) => e[0] === 'expire-cycle');
      assert.ok(ev !== undefined, `no expire-cycle event in ${JSON.stringify(latest)}`);
      assert.ok(ev[2] >= 10 && ev[3] >= ev[2], `expire-cycle ${JSON.stringify(ev)}`);
      const history = parseReply(await c.call('LATENCY', 'HISTORY', 'expire-cycle')) as [number, number][];
      assert.ok(history.length >= 1 && history.every(([, ms]) => ms >= 10), JSON.stringify(history));
    } finally {
      c.close();
      await t.close();
    }
  });
});
