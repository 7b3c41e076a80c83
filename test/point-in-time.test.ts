// Point-in-time snapshots (persistence/point-in-time.ts): BGSAVE and BGREWRITEAOF write the
// dataset as it was when they started, while clients keep changing it. rdb-key-save-delay slows
// the walk down so that the changes certainly land while it runs; DEBUG DIGEST (the same
// digest as Redis's) compares datasets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LARGE_VALUE, PointInTime } from '../src/persistence/point-in-time.js';
import { RdbEncoder } from '../src/persistence/rdb/file.js';
import { RawConn, haveRedis, infoField, rng, startRedis, startServer, waitFor, type TestServer } from './helpers.js';

const KEYS = 400;

/** Strings, lists, hashes, sets (intset and not), sorted sets, TTLs, in databases 0 and 3. */
async function populate(c: RawConn): Promise<void> {
  for (const db of ['0', '3']) {
    await c.call('SELECT', db);
    for (let i = 0; i < KEYS; i++) {
      const cmd = [
        ['SET', `s${i}`, `value-${i}`],
        ['RPUSH', `l${i}`, 'a', 'b', String(i)],
        ['HSET', `h${i}`, 'f', String(i), 'g', 'x'.repeat(i % 50)],
        ['SADD', `i${i}`, '1', '2', String(i)],
        ['SADD', `t${i}`, 'x', 'y', `m${i}`],
        ['ZADD', `z${i}`, '1', 'a', String(i / 7), 'b'],
      ][i % 6]!;
      assert.doesNotMatch(await c.call(...cmd), /^-/);
      if (i % 5 === 0) await c.call('EXPIRE', cmd[1]!, String(100000 + i));
    }
  }
  await c.call('SELECT', '0');
}

/** Random writes of every kind over the populated keys (and new ones), in both databases. */
async function mutate(c: RawConn, seed: number, count: number): Promise<void> {
  const r = rng(seed);
  const pick = (n: number): number => Math.floor(r() * n);
  for (let n = 0; n < count; n++) {
    await c.call('SELECT', pick(2) === 0 ? '0' : '3');
    const i = pick(KEYS);
    const j = pick(KEYS);
    const ops: string[][] = [
      ['SET', `s${i}`, `changed-${n}`],
      ['SET', `new${n}`, 'fresh'],
      ['DEL', `${'slhitz'[i % 6]}${i}`],
      ['APPEND', `s${i}`, '+'],
      ['LPUSH', `l${i}`, 'pushed'],
      ['RPOP', `l${i}`],
      ['HSET', `h${i}`, 'f', `hv${n}`, 'new', '1'],
      ['HDEL', `h${i}`, 'g'],
      ['SADD', `i${i}`, String(1000 + n)],
      ['SREM', `t${i}`, 'x'],
      ['ZADD', `z${i}`, String(n), 'c'],
      ['ZINCRBY', `z${i}`, '2.5', 'a'],
      ['EXPIRE', `s${i}`, '50000'],
      ['PERSIST', `${'slhitz'[i % 6]}${i}`],
      ['RENAME', `s${i}`, `renamed${n}`],
      ['MOVE', `l${i}`, pick(2) === 0 ? '0' : '3'],
      ['COPY', `h${i}`, `copy${n}`],
      ['LMOVE', `l${i}`, `l${j}`, 'LEFT', 'RIGHT'],
      ['SMOVE', `t${i}`, `t${j}`, 'y'],
      ['INCR', `counter${pick(10)}`],
    ];
    const reply = await c.call(...ops[pick(ops.length)]!);
    assert.ok(!reply.startsWith('-') || /WRONGTYPE|ERR no such key|ERR source and destination/.test(reply), reply);
  }
  await c.call('SELECT', '0');
}

async function withServer(settings: Record<string, string>, body: (t: TestServer, c: RawConn, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-pit-'));
  const t = await startServer({ dir, 'enable-debug-command': 'yes', ...settings });
  if (settings['appendonly'] === 'yes') t.server.aof.startup();
  const c = await RawConn.connect(t.port);
  try {
    await body(t, c, dir);
  } finally {
    c.close();
    await t.close();
  }
}

describe('point-in-time snapshots', () => {
  it('BGSAVE writes the dataset as it was at the start while clients change it', async () => {
    await withServer({}, async (t, c, dir) => {
      await populate(c);
      const digest = await c.call('DEBUG', 'DIGEST');
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '5000');
      assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
      await mutate(c, 1, 600);
      assert.equal(await infoField(c, 'rdb_bgsave_in_progress', 'persistence'), '1', 'the writes landed while the snapshot ran');
      assert.notEqual(await c.call('DEBUG', 'DIGEST'), digest);
      // The walk reads the delay as it goes: the rest is written at full speed.
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
      await waitFor(async () => (await infoField(c, 'rdb_bgsave_in_progress', 'persistence')) === '0', 20000, 'the BGSAVE');
      assert.equal(await infoField(c, 'rdb_last_bgsave_status', 'persistence'), 'ok');
      assert.deepEqual(readdirSync(dir), ['dump.rdb'], 'no temporary file left');
      assert.equal(await c.call('DEBUG', 'RELOAD', 'NOSAVE'), '+OK\r\n');
      assert.equal(await c.call('DEBUG', 'DIGEST'), digest);
      assert.equal(t.server.ks.cow, null);
    });
  });

  it('the snapshot taken under writes loads into redis-server as the same dataset', { skip: !haveRedis() && 'redis-server not installed' }, async () => {
    let digest = '';
    const refDir = mkdtempSync(path.join(tmpdir(), 'redis-pit-'));
    await withServer({}, async (_t, c, dir) => {
      await populate(c);
      digest = await c.call('DEBUG', 'DIGEST');
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '200');
      await c.call('BGSAVE');
      await mutate(c, 2, 400);
      await waitFor(async () => (await infoField(c, 'rdb_bgsave_in_progress', 'persistence')) === '0', 20000, 'the BGSAVE');
      copyFileSync(path.join(dir, 'dump.rdb'), path.join(refDir, 'dump.rdb'));
    });
    const ref = await startRedis(['--dir', refDir]);
    try {
      const r = await RawConn.connect(ref.port);
      assert.equal(await r.call('DEBUG', 'DIGEST'), digest);
      r.close();
    } finally {
      await ref.close();
    }
  });

  it('a switch between LRU and LFU policies during a BGSAVE completes it first: the file has the idle times the keys had', async () => {
    await withServer({ 'maxmemory-policy': 'allkeys-lru' }, async (_t, c) => {
      assert.equal(await c.call('DEBUG', 'POPULATE', '200'), '+OK\r\n');
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '5000');
      await c.call('BGSAVE');
      assert.equal(await infoField(c, 'rdb_bgsave_in_progress', 'persistence'), '1');
      // The keys not yet written now hold LFU counters: the walk must not save them as idle times.
      assert.equal(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'), '+OK\r\n');
      await waitFor(async () => (await infoField(c, 'rdb_bgsave_in_progress', 'persistence')) === '0', 20000, 'the BGSAVE');
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      assert.equal(await c.call('DEBUG', 'RELOAD', 'NOSAVE'), '+OK\r\n');
      for (const key of ['key:0', 'key:100', 'key:199']) assert.match(await c.call('OBJECT', 'IDLETIME', key), /^:[0-9]\r\n$/, key);
    });
  });

  it('FLUSHDB and SWAPDB during a BGSAVE complete it first; the file is still the start', async () => {
    await withServer({}, async (_t, c) => {
      await populate(c);
      const digest = await c.call('DEBUG', 'DIGEST');
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '5000');
      await c.call('BGSAVE');
      await mutate(c, 3, 50);
      assert.equal(await infoField(c, 'rdb_bgsave_in_progress', 'persistence'), '1');
      assert.equal(await c.call('SWAPDB', '0', '3'), '+OK\r\n');
      await c.call('SELECT', '3');
      assert.equal(await c.call('FLUSHDB'), '+OK\r\n');
      await waitFor(async () => (await infoField(c, 'rdb_bgsave_in_progress', 'persistence')) === '0', 20000, 'the BGSAVE');
      assert.equal(await c.call('DEBUG', 'RELOAD', 'NOSAVE'), '+OK\r\n');
      assert.equal(await c.call('DEBUG', 'DIGEST'), digest);
    });
  });

  it('FLUSHALL abandons a BGSAVE in progress, as Redis kills its child; no file is written', async () => {
    await withServer({}, async (t, c, dir) => {
      await populate(c);
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '5000');
      await c.call('BGSAVE');
      assert.equal(await c.call('FLUSHALL'), '+OK\r\n');
      assert.equal(await infoField(c, 'rdb_bgsave_in_progress', 'persistence'), '0');
      assert.equal(t.server.ks.cow, null);
      await waitFor(() => readdirSync(dir).length === 0, 5000, 'the temporary file removed');
      assert.equal(await infoField(c, 'rdb_last_bgsave_status', 'persistence'), 'ok');
      // A new BGSAVE can start at once and writes the (empty) dataset.
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
      assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
      await waitFor(() => existsSync(path.join(dir, 'dump.rdb')), 5000, 'the new snapshot');
    });
  });

  for (const preamble of ['yes', 'no']) {
    it(`BGREWRITEAOF (aof-use-rdb-preamble ${preamble}) writes the start as base; writes meanwhile go to the new incr file`, async () => {
      await withServer({ appendonly: 'yes', 'aof-use-rdb-preamble': preamble }, async (_t, c, dir) => {
        await populate(c);
        await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '5000');
        assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
        assert.equal(await c.call('BGREWRITEAOF'), '-ERR Background append only file rewriting already in progress\r\n');
        const aofDir = path.join(dir, 'appendonlydir');
        // The manifest lists the new incr file from the start: a crash now loses nothing.
        assert.equal(readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'latin1'), `file appendonly.aof.1.base.${preamble === 'yes' ? 'rdb' : 'aof'} seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n`);
        await mutate(c, 4, 500);
        assert.equal(await infoField(c, 'aof_rewrite_in_progress', 'persistence'), '1', 'the writes landed while the rewrite ran');
        await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
        await waitFor(async () => (await infoField(c, 'aof_rewrite_in_progress', 'persistence')) === '0', 20000, 'the rewrite');
        assert.equal(await infoField(c, 'aof_last_bgrewrite_status', 'persistence'), 'ok');
        const ext = preamble === 'yes' ? 'rdb' : 'aof';
        assert.deepEqual(readdirSync(aofDir).sort(), [`appendonly.aof.2.base.${ext}`, 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
        const digest = await c.call('DEBUG', 'DIGEST');
        assert.equal(await c.call('DEBUG', 'LOADAOF'), '+OK\r\n');
        assert.equal(await c.call('DEBUG', 'DIGEST'), digest);
      });
    });
  }

  it('one snapshot at a time: BGREWRITEAOF is scheduled during a BGSAVE, BGSAVE refused or scheduled during a rewrite', async () => {
    await withServer({ appendonly: 'yes' }, async (_t, c) => {
      await populate(c);
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '5000');
      assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
      assert.equal(await c.call('BGSAVE'), '-ERR Background save already in progress\r\n');
      assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting scheduled\r\n');
      assert.equal(await infoField(c, 'aof_rewrite_scheduled', 'persistence'), '1');
      // The scheduled rewrite runs once the BGSAVE ends.
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
      await waitFor(async () => (await infoField(c, 'aof_rewrites', 'persistence')) === '2', 20000, 'the scheduled rewrite');
      assert.equal(await infoField(c, 'rdb_bgsave_in_progress', 'persistence'), '0');
      assert.equal(await infoField(c, 'aof_rewrite_scheduled', 'persistence'), '0');
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '5000');
      assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
      assert.equal(
        await c.call('BGSAVE'),
        "-ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n",
      );
      const saves = Number(await infoField(c, 'rdb_saves', 'persistence'));
      assert.equal(await c.call('BGSAVE', 'SCHEDULE'), '+Background saving scheduled\r\n');
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
      await waitFor(async () => Number(await infoField(c, 'rdb_saves', 'persistence')) === saves + 1, 20000, 'the scheduled BGSAVE');
      assert.equal(await infoField(c, 'aof_rewrites', 'persistence'), '3');
    });
  });

  it('a large value is written in steps while other keys change; touching it finishes it first', async () => {
    await withServer({}, async (t, c, dir) => {
      const n = LARGE_VALUE * 2 + 100;
      const members = (p: string): string[] => Array.from({ length: n }, (_, i) => `${p}${i}`);
      for (const db of ['0', '2']) {
        await c.call('SELECT', db);
        await c.call('SADD', 'bigset', ...members('m'));
        await c.call('HSET', 'bighash', ...members('f').flatMap((f, i) => [f, String(i)]));
        await c.call('ZADD', 'bigzset', ...members('z').flatMap((m, i) => [String(i / 3), m]));
        await c.call('RPUSH', 'biglist', ...members('e'));
        await c.call('PEXPIRE', 'bighash', '99999999');
        for (let i = 0; i < 300; i++) await c.call('SET', `small${i}`, String(i));
      }
      await c.call('SELECT', '0');
      const digest = await c.call('DEBUG', 'DIGEST');
      const ks = t.server.ks;
      const encoder = new RdbEncoder(t.server.snapshots.options());
      const job = new PointInTime(ks, encoder);
      ks.cow = job;
      const r = rng(7);
      let steps = 0;
      // A zero budget: each step writes one part of a large value, or a few small keys.
      while (!job.step(0, Infinity)) {
        steps++;
        await c.call('SELECT', r() < 0.5 ? '0' : '2');
        const big = ['bigset', 'bighash', 'bigzset', 'biglist'][Math.floor(r() * 4)]!;
        const small = `small${Math.floor(r() * 300)}`;
        const ops = [
          ['SET', small, 'changed'],
          ['DEL', small],
          ['SET', `fresh${steps}`, 'x'],
          ['SADD', big === 'bigset' ? big : 'other', 'added'],
          ['SREM', 'bigset', `m${Math.floor(r() * n)}`],
          ['HSET', 'bighash', 'f1', 'changed'],
          ['ZADD', 'bigzset', '-5', 'z7'],
          ['LPUSH', 'biglist', 'head'],
          ['PERSIST', 'bighash'],
        ];
        // Most steps change small keys, some touch a large value while it may be half written.
        const op = r() < 0.85 ? ops[Math.floor(r() * 3)]! : ops[3 + Math.floor(r() * 6)]!;
        await c.call(...op);
      }
      assert.ok(steps > 20, `the walk took ${steps} steps`);
      assert.equal(ks.cow, null);
      writeFileSync(path.join(dir, 'dump.rdb'), Buffer.concat([encoder.take(), encoder.end()]));
      assert.notEqual(await c.call('DEBUG', 'DIGEST'), digest);
      assert.equal(await c.call('DEBUG', 'RELOAD', 'NOSAVE'), '+OK\r\n');
      assert.equal(await c.call('DEBUG', 'DIGEST'), digest);
    });
  });

  it('BGREWRITEAOF in command form writes large values as of the start too', async () => {
    await withServer({ appendonly: 'yes', 'aof-use-rdb-preamble': 'no' }, async (_t, c) => {
      const n = LARGE_VALUE * 2;
      await c.call('SADD', 'bigset', ...Array.from({ length: n }, (_, i) => `m${i}`));
      await c.call('ZADD', 'bigzset', ...Array.from({ length: n }, (_, i) => [String(i / 7), `z${i}`]).flat());
      for (let i = 0; i < 200; i++) await c.call('SET', `small${i}`, String(i));
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '20000');
      assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
      for (let i = 0; i < 50; i++) {
        await c.call('SADD', 'bigset', `new${i}`);
        await c.call('ZINCRBY', 'bigzset', '1', `z${i}`);
        await c.call('DEL', `small${i * 3}`);
      }
      assert.equal(await infoField(c, 'aof_rewrite_in_progress', 'persistence'), '1');
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
      await waitFor(async () => (await infoField(c, 'aof_rewrite_in_progress', 'persistence')) === '0', 20000, 'the rewrite');
      const digest = await c.call('DEBUG', 'DIGEST');
      assert.equal(await c.call('DEBUG', 'LOADAOF'), '+OK\r\n');
      assert.equal(await c.call('DEBUG', 'DIGEST'), digest);
    });
  });
});
