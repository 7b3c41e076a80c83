// RDB snapshot files: SAVE/BGSAVE/save points/SHUTDOWN, loading at start-up, cross-loading with
// redis-server 7.0.15 in both directions (checked with DEBUG DIGEST), corrupt and truncated files.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { parseRdbFile } from '../src/persistence/rdb/file.js';
import { RdbError } from '../src/persistence/rdb/reader.js';
import { ManualClock } from '../src/store/clock.js';
import { RawConn, freePort, haveRedis, spawnRedoubt, startRedis, startServer, waitFor } from './helpers.js';

const big = Array.from({ length: 300 }, (_, i) => String(i));
/** Every type and encoding, TTLs, binary data, several databases. */
const DATASET: string[][] = [
  ['SET', 's', 'hello'],
  ['SET', 'n', '12345'],
  ['SET', 'neg', '-77'],
  ['SET', 'bin', 'a\x00b\xffc\r\n'],
  ['SET', 'long', 'x'.repeat(5000)],
  ['RPUSH', 'l', 'a', 'b', '3', 'c'],
  ['RPUSH', 'lbig', ...big, 'y'.repeat(10000)],
  ['SADD', 'iset', '3', '1', '2', '-7'],
  ['SADD', 'set', 'x', 'y', 'z'],
  ['SADD', 'sbig', ...big.map((x) => 'm' + x)],
  ['ZADD', 'z', '1', 'a', '2.5', 'b', 'inf', 'c', '-inf', 'd', '0', '007'],
  ['ZADD', 'zbig', ...big.flatMap((x) => [x, 'e' + x]), '0.1', 'tenth', '1e300', 'huge'],
  ['HSET', 'h', 'f1', 'v1', 'f2', '2'],
  ['HSET', 'hbig', ...big.flatMap((x) => ['f' + x, 'v' + x])],
  ['SET', 'ttl', 'v', 'EX', '100000'],
  ['HSET', 'httl', 'a', 'b'],
  ['PEXPIRE', 'httl', '9000000'],
  ['SELECT', '5'],
  ['SET', 's', 'other db'],
  ['RPUSH', 'l5', 'q'],
  ['SELECT', '0'],
];

async function load(c: RawConn, cmds: string[][]): Promise<void> {
  for (const cmd of cmds) assert.doesNotMatch(await c.call(...cmd), /^-/, cmd.join(' '));
}

describe('RDB files against redis-server', { skip: !haveRedis() && 'redis-server not installed' }, () => {
  it('a Redoubt snapshot loads into redis-server with the same dataset digest', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-rdb-'));
    const t = await startServer({ dir, dbfilename: 'from-redoubt.rdb', 'enable-debug-command': 'yes' });
    const c = await RawConn.connect(t.port);
    let digest: string;
    try {
      await load(c, DATASET);
      digest = await c.call('DEBUG', 'DIGEST');
      assert.equal(await c.call('SAVE'), '+OK\r\n');
    } finally {
      c.close();
      await t.close();
    }
    for (const compression of ['yes', 'no']) {
      if (compression === 'no') {
        const t2 = await startServer({ dir, dbfilename: 'from-redoubt.rdb', rdbcompression: 'no' });
        const c2 = await RawConn.connect(t2.port);
        t2.server.snapshots.load();
        assert.equal(await c2.call('SAVE'), '+OK\r\n');
        c2.close();
        await t2.close();
      }
      const ref = await startRedis(['--dir', dir, '--dbfilename', 'from-redoubt.rdb']);
      const r = await RawConn.connect(ref.port);
      try {
        assert.equal(await r.call('DEBUG', 'DIGEST'), digest, `rdbcompression ${compression}`);
        assert.equal(await r.call('DBSIZE'), ':16\r\n');
      } finally {
        r.close();
        await ref.close();
      }
    }
  });

  it("redis-server's snapshot loads into Redoubt, at start-up and by DEBUG RELOAD NOSAVE", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redis-rdb-'));
    const ref = await startRedis(['--dir', dir, '--dbfilename', 'from-redis.rdb']);
    const r = await RawConn.connect(ref.port);
    let digest: string;
    try {
      await load(r, DATASET);
      digest = await r.call('DEBUG', 'DIGEST');
      assert.equal(await r.call('SAVE'), '+OK\r\n');
    } finally {
      r.close();
      await ref.close();
    }
    const t = await startServer({ dir, dbfilename: 'from-redis.rdb', 'enable-debug-command': 'yes' });
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(t.server.snapshots.load(), 18);
      assert.equal(await c.call('DEBUG', 'DIGEST'), digest);
      assert.equal(await c.call('FLUSHALL'), '+OK\r\n');
      assert.equal(await c.call('DEBUG', 'RELOAD', 'NOSAVE'), '+OK\r\n');
      assert.equal(await c.call('DEBUG', 'DIGEST'), digest);
      assert.match(await c.call('INFO', 'persistence'), /rdb_last_load_keys_loaded:18\r\n/);
    } finally {
      c.close();
      await t.close();
    }
  });
});

describe('snapshots in Redoubt', () => {
  it('SAVE, BGSAVE, LASTSAVE and DEBUG RELOAD keep the dataset; no temporary file is left', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-rdb-'));
    const clock = new ManualClock();
    const t = await startServer({ dir, 'enable-debug-command': 'yes' }, clock);
    const c = await RawConn.connect(t.port);
    try {
      await load(c, DATASET);
      const digest = await c.call('DEBUG', 'DIGEST');
      clock.advance(5000);
      assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
      await waitFor(async () => (await c.call('INFO', 'persistence')).includes('rdb_bgsave_in_progress:0'), 5000, 'BGSAVE');
      assert.equal(await c.call('LASTSAVE'), `:${Math.floor(clock.now() / 1000)}\r\n`);
      assert.match(await c.call('INFO', 'persistence'), /rdb_changes_since_last_save:0\r\n.*rdb_last_bgsave_status:ok\r\n/s);
      assert.equal(await c.call('SET', 'after', 'bgsave'), '+OK\r\n');
      assert.equal(await c.call('DEBUG', 'RELOAD'), '+OK\r\n');
      assert.equal(await c.call('GET', 'after'), '$6\r\nbgsave\r\n');
      assert.equal(await c.call('DEL', 'after'), ':1\r\n');
      assert.equal(await c.call('DEBUG', 'DIGEST'), digest);
      assert.equal(await c.call('DEBUG', 'RELOAD', 'BOGUS'), '-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n');
      assert.equal(await c.call('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH'), '-ERR Error trying to load the RDB dump: duplicate keys (use MERGE)\r\n');
      assert.equal(await c.call('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE'), '+OK\r\n');
      assert.deepEqual(
        (await import('node:fs')).readdirSync(dir).filter((f) => f.startsWith('temp-')),
        [],
      );
      assert.match(await c.call('DEBUG', 'OBJECT', 'lbig'), /^\+Value at:0x0 refcount:1 encoding:quicklist serializedlength:\d+ lru:\d+ lru_seconds_idle:\d+ ql_nodes:\d+ ql_avg_node:[\d.]+ ql_listpack_max:-?\d+ ql_compressed:[01] ql_uncompressed_size:\d+\r\n$/);
    } finally {
      c.close();
      await t.close();
    }
  });

  it('save points trigger a background save; a failing save stops writes with MISCONF until one succeeds', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-rdb-'));
    const clock = new ManualClock();
    const t = await startServer({ dir, save: '10 2' }, clock);
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(await c.call('SET', 'a', '1'), '+OK\r\n');
      clock.advance(11_000);
      t.server.cron();
      assert.equal(t.server.snapshots.saves, 0, 'one change is not enough');
      assert.equal(await c.call('SET', 'b', '2'), '+OK\r\n');
      t.server.cron();
      await waitFor(() => t.server.snapshots.saves === 1, 5000, 'the save point');
      assert.ok(existsSync(path.join(dir, 'dump.rdb')));
      // Saving into a directory that went away fails: writes are refused, reads go on.
      t.server.config.setQuiet('dir', path.join(dir, 'missing', 'deeper'));
      assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
      await waitFor(() => !t.server.snapshots.bgsaveInProgress, 5000, 'the failed BGSAVE');
      assert.match(await c.call('SET', 'c', '3'), /^-MISCONF Redis is configured to save RDB snapshots/);
      assert.equal(await c.call('GET', 'a'), '$1\r\n1\r\n');
      assert.match(await c.call('INFO', 'persistence'), /rdb_last_bgsave_status:err\r\n/);
      t.server.config.setQuiet('dir', dir);
      assert.equal(await c.call('SAVE'), '+OK\r\n');
      assert.equal(await c.call('SET', 'c', '3'), '+OK\r\n');
    } finally {
      c.close();
      await t.close();
    }
  });

  it('corrupt and truncated files are refused with an error naming the offset, never a crash', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-rdb-'));
    const t = await startServer({ dir });
    const c = await RawConn.connect(t.port);
    try {
      await load(c, DATASET);
      assert.equal(await c.call('SAVE'), '+OK\r\n');
    } finally {
      c.close();
      await t.close();
    }
    const good = readFileSync(path.join(dir, 'dump.rdb'));
    const lim = { hashMaxListpackEntries: 128, hashMaxListpackValue: 64, zsetMaxListpackEntries: 128, zsetMaxListpackValue: 64, setMaxIntsetEntries: 512, streamNodeMaxEntries: 100, streamNodeMaxBytes: 4096 };
    assert.equal(parseRdbFile(good, lim, Date.now(), 16).loaded, 18);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const bad = Buffer.from(good);
        bad[at] = bad[at]! ^ x;
        assert.throws(() => parseRdbFile(bad, lim, Date.now(), 16), (e: unknown) => e instanceof RdbError && /at offset \d+/.test(e.message));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length - 1 }), (cut) => {
        assert.throws(() => parseRdbFile(good.subarray(0, cut), lim, Date.now(), 16), RdbError);
      }),
      { numRuns: 200 },
    );
  });

  it('start-up loads the snapshot, refuses a broken one; SHUTDOWN saves with save points, NOSAVE does not', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-rdb-'));
    const run = async (args: string[], work: (c: RawConn) => Promise<void>): Promise<{ code: number | null; out: string }> => {
      const port = await freePort();
      const p = await spawnRedoubt(['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args], { timeoutMs: 10000 });
      try {
        if (p.proc.exitCode === null) {
          const c = await RawConn.connect(port);
          try {
            await work(c);
          } finally {
            c.close();
          }
        }
        const code = await p.exited;
        await p.closed;
        return { code, out: p.output() };
      } finally {
        await p.kill();
      }
    };
    let r = await run(['--save', '3600 1'], async (c) => {
      await load(c, DATASET);
      c.send('SHUTDOWN');
      await c.waitClosed();
    });
    assert.equal(r.code, 0);
    assert.match(r.out, /Saving the final RDB snapshot before exiting/);
    const saved = statSync(path.join(dir, 'dump.rdb')).mtimeMs;
    r = await run(['--save', '3600 1'], async (c) => {
      assert.equal(await c.call('DBSIZE'), ':16\r\n');
      assert.equal(await c.call('SET', 'more', '1'), '+OK\r\n');
      c.send('SHUTDOWN', 'NOSAVE');
      await c.waitClosed();
    });
    assert.match(r.out, /DB loaded from disk: [\d.]+ seconds \(18 keys\)/);
    assert.equal(statSync(path.join(dir, 'dump.rdb')).mtimeMs, saved, 'NOSAVE did not save');
    const file = path.join(dir, 'dump.rdb');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 20));
    r = await run([], async () => {});
    assert.equal(r.code, 1);
    assert.match(r.out, /Fatal error loading the DB .*dump\.rdb: .* at offset \d+\. Exiting\./);
  });
});
