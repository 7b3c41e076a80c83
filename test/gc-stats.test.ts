// GC pauses in INFO stats (server/gc-stats.ts): counted from Node's "gc" performance entries,
// bucketed, zeroed by CONFIG RESETSTAT.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GcStats } from '../src/server/gc-stats.js';
import { RawConn, startServer, waitFor } from './helpers.js';

const field = (info: string, name: string): string => new RegExp(`\\r\\n${name}:([^\\r]*)\\r\\n`).exec(info)?.[1] ?? '';

describe('GC pause statistics', () => {
  it('counts pauses into buckets, keeps the longest and the total, and resets', () => {
    const g = new GcStats();
    for (const [ms, major] of [[0.4, false], [1, false], [1.5, false], [7, true], [64, true], [250, true]] as const) g.add(ms, major);
    assert.deepEqual(g.infoLines(), [
      'gc_pauses:6',
      'gc_major_pauses:3',
      'gc_pause_total_ms:323.900',
      'gc_pause_max_ms:250.000',
      'gc_pause_histogram_ms:le1=2,le2=1,le5=0,le10=1,le20=0,le50=0,le100=1,inf=1',
    ]);
    g.reset();
    assert.equal(g.infoLines()[0], 'gc_pauses:0');
    assert.equal(g.maxMs, 0);
  });

  it("INFO stats shows the process's pauses while the server listens; CONFIG RESETSTAT zeroes them", async () => {
    const s = await startServer();
    const c = await RawConn.connect(s.port);
    try {
      // Young-generation garbage until Node reports a collection.
      let sink: unknown[] = [];
      await waitFor(async () => {
        for (let i = 0; i < 200_000; i++) sink.push({ i });
        sink = [];
        return Number(field(await c.call('INFO', 'stats'), 'gc_pauses')) > 0;
      }, 10_000, 'a GC pause counted');
      const info = await c.call('INFO', 'stats');
      assert.ok(Number(field(info, 'gc_pause_total_ms')) > 0);
      assert.match(field(info, 'gc_pause_histogram_ms'), /^le1=\d+,le2=\d+,le5=\d+,le10=\d+,le20=\d+,le50=\d+,le100=\d+,inf=\d+$/);
      assert.equal(await c.call('CONFIG', 'RESETSTAT'), '+OK\r\n');
      const after = await c.call('INFO', 'stats');
      // A collection may land between RESETSTAT and INFO; nothing from before survives the reset.
      assert.ok(Number(field(after, 'gc_pauses')) <= 1, field(after, 'gc_pauses'));
    } finally {
      c.close();
      await s.close();
    }
  });
});
