// Streams in RDB files, DUMP/RESTORE payloads and the AOF rewrite, against redis-server 7.0.15:
// payloads and files move both ways with the same entries, IDs, counters, consumer groups,
// pending entries and consumers (compared with XINFO STREAM FULL and DEBUG DIGEST-VALUE), a
// stream built the same way on both servers dumps to the same bytes, the older stream type
// (Redis 6) loads, and corrupt payloads are refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RawConn, haveRedis, parseReply, startRedis, startRedoubtProcess, startServer, waitFor, type Resp } from './helpers.js';
import { crc64 } from '../src/persistence/rdb/crc64.js';
import { RDB_VERSION } from '../src/persistence/rdb/object.js';
import { RdbReader } from '../src/persistence/rdb/reader.js';
import { RdbWriter } from '../src/persistence/rdb/writer.js';
import { readStream, writeStream } from '../src/persistence/rdb/stream.js';
import { StreamValue, makeId } from '../src/store/types/stream.js';

const LIM = { maxEntries: 100, maxBytes: 4096 };

/** Streams of every shape: same and different fields, several nodes, deletions, big IDs, groups. */
function dataset(): string[][] {
  const cmds: string[][] = [];
  for (let i = 1; i <= 250; i++) cmds.push(['XADD', 'many', `${1000 + (i >> 2)}-${i}`, 'field', `v${i}`, ...(i % 7 === 0 ? ['extra', 'x'.repeat(i)] : [])]);
  cmds.push(['XADD', 'bigvals', '1-1', 'a', 'y'.repeat(5000)], ['XADD', 'bigvals', '1-2', 'a', 'z'.repeat(3000), 'b', '\x00\xff\r\n']);
  cmds.push(['XADD', 'edges', '0-1', 'f', '1'], ['XADD', 'edges', '9007199254740993-5', 'f', '-12'], ['XADD', 'edges', '18446744073709551615-18446744073709551615', 'f', '18446744073709551615']);
  cmds.push(['XADD', 'holes', '5-1', 'a', '1'], ['XADD', 'holes', '5-2', 'a', '2'], ['XADD', 'holes', '5-3', 'a', '3'], ['XDEL', 'holes', '5-2']);
  cmds.push(['XADD', 'emptied', '7-7', 'a', '1'], ['XDEL', 'emptied', '7-7'], ['XGROUP', 'CREATE', 'emptied', 'late', '$']);
  cmds.push(
    ['XADD', 'jobs', '1-1', 'job', 'a'],
    ['XADD', 'jobs', '1-2', 'job', 'b'],
    ['XADD', 'jobs', '1-3', 'job', 'c', 'prio', 'high'],
    ['XADD', 'jobs', '2-0', 'job', 'd'],
    ['XGROUP', 'CREATE', 'jobs', 'workers', '0'],
    ['XGROUP', 'CREATE', 'jobs', 'audit', '$'],
    ['XGROUP', 'CREATE', 'jobs', 'fresh', '0', 'ENTRIESREAD', '0'],
    ['XREADGROUP', 'GROUP', 'workers', 'bob', 'COUNT', '2', 'STREAMS', 'jobs', '>'],
    ['XREADGROUP', 'GROUP', 'workers', 'alice', 'COUNT', '1', 'STREAMS', 'jobs', '>'],
    ['XREADGROUP', 'GROUP', 'workers', 'alice', 'COUNT', '1', 'STREAMS', 'jobs', '0'],
    ['XACK', 'jobs', 'workers', '1-1'],
    ['XGROUP', 'CREATECONSUMER', 'jobs', 'workers', 'idle'],
    ['XDEL', 'jobs', '1-2'],
  );
  return cmds;
}
const KEYS = ['many', 'bigvals', 'edges', 'holes', 'emptied', 'jobs'];

async function load(c: RawConn, cmds: string[][]): Promise<void> {
  for (const cmd of cmds) assert.doesNotMatch(await c.call(...cmd), /^-/, cmd.join(' '));
}

/** Drops the radix tree's own shape from XINFO STREAM FULL (how a server keeps its nodes). */
function withoutTree(r: Resp): Resp {
  if (!Array.isArray(r)) return r;
  const out: Resp[] = [];
  for (let i = 0; i < r.length; i += 2) {
    if (r[i] === 'radix-tree-keys' || r[i] === 'radix-tree-nodes') continue;
    out.push(r[i]!, r[i + 1]!);
  }
  return out;
}

/** Drops consumers' seen-time (replaying an AOF sets it to the time of loading) anywhere in a reply. */
function withoutSeenTime(r: Resp): Resp {
  if (!Array.isArray(r)) return r;
  const out: Resp[] = [];
  for (let i = 0; i < r.length; i++) {
    if (r[i] === 'seen-time') {
      i++;
      continue;
    }
    out.push(withoutSeenTime(r[i]!));
  }
  return out;
}

/** What must survive a move: XINFO STREAM FULL (all entries) and DEBUG DIGEST-VALUE, per key. */
async function view(c: RawConn, keys: readonly string[], replayed = false): Promise<string> {
  const parts: unknown[] = [];
  for (const k of keys) {
    const full = withoutTree(parseReply(await c.call('XINFO', 'STREAM', k, 'FULL', 'COUNT', '0')));
    parts.push(k, replayed ? withoutSeenTime(full) : full, await c.call('DEBUG', 'DIGEST-VALUE', k));
  }
  return JSON.stringify(parts);
}

describe('streams against redis-server: RDB files, DUMP/RESTORE and the AOF rewrite', { skip: !haveRedis() && 'redis-server not installed' }, () => {
  it('DUMP payloads move both ways with groups, pending entries and consumers', async () => {
    const t = await startServer({ 'enable-debug-command': 'yes' });
    const ref = await startRedis();
    const c = await RawConn.connect(t.port);
    const r = await RawConn.connect(ref.port);
    try {
      await load(c, dataset());
      for (const k of KEYS) {
        const payload = parseReply(await c.call('DUMP', k)) as string;
        assert.equal(await r.call('RESTORE', k, '0', Buffer.from(payload, 'latin1')), '+OK\r\n', `RESTORE ${k} into redis-server`);
      }
      const ours = await view(c, KEYS);
      assert.equal(await view(r, KEYS), ours);
      // And back: Redis's payloads of the same streams restore into Redoubt under new names.
      for (const k of KEYS) {
        const payload = parseReply(await r.call('DUMP', k)) as string;
        assert.equal(await c.call('RESTORE', `back:${k}`, '0', Buffer.from(payload, 'latin1')), '+OK\r\n', `RESTORE ${k} into Redoubt`);
      }
      assert.equal(await view(c, KEYS.map((k) => `back:${k}`)), ours.replaceAll('"many"', '"back:many"').replace(/"(bigvals|edges|holes|emptied|jobs)"/g, '"back:$1"'));
    } finally {
      c.close();
      r.close();
      await t.close();
      await ref.close();
    }
  });

  it('a stream built the same way dumps to the same bytes (nodes cut as Redis cuts them)', async () => {
    // Uncompressed, so the listpacks themselves are compared (not two LZF compressors).
    const t = await startServer({ 'stream-node-max-entries': '7', rdbcompression: 'no' });
    const ref = await startRedis(['--stream-node-max-entries', '7', '--rdbcompression', 'no']);
    const c = await RawConn.connect(t.port);
    const r = await RawConn.connect(ref.port);
    try {
      const cmds: string[][] = [];
      for (let i = 1; i <= 40; i++) cmds.push(['XADD', 'same', `${i * 3}-${i % 4}`, 'a', String(i * 1000), ...(i % 5 === 0 ? ['b', 'text'] : [])]);
      for (let i = 1; i <= 30; i++) cmds.push(['XADD', 'wide', `1-${i}`, 'k', 'v'.repeat(200 + i)]);
      cmds.push(['XGROUP', 'CREATE', 'same', 'g', '0', 'ENTRIESREAD', '3']);
      await load(c, cmds);
      await load(r, cmds);
      for (const k of ['same', 'wide']) assert.equal(await c.call('DUMP', k), await r.call('DUMP', k), `DUMP ${k}`);
    } finally {
      c.close();
      r.close();
      await t.close();
      await ref.close();
    }
  });

  it('RDB files move both ways', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-stream-rdb-'));
    const t = await startServer({ dir, dbfilename: 'from-redoubt.rdb', 'enable-debug-command': 'yes' });
    const c = await RawConn.connect(t.port);
    let ours: string;
    try {
      await load(c, dataset());
      ours = await view(c, KEYS);
      assert.equal(await c.call('SAVE'), '+OK\r\n');
    } finally {
      c.close();
      await t.close();
    }
    const ref = await startRedis(['--dir', dir, '--dbfilename', 'from-redoubt.rdb', '--enable-protected-configs', 'yes']);
    const r = await RawConn.connect(ref.port);
    try {
      assert.equal(await view(r, KEYS), ours);
      assert.equal(await r.call('CONFIG', 'SET', 'dbfilename', 'from-redis.rdb'), '+OK\r\n');
      assert.equal(await r.call('SAVE'), '+OK\r\n');
    } finally {
      r.close();
      await ref.close();
    }
    const t2 = await startServer({ dir, dbfilename: 'from-redis.rdb', 'enable-debug-command': 'yes' });
    const c2 = await RawConn.connect(t2.port);
    try {
      assert.equal(t2.server.snapshots.load(), KEYS.length);
      assert.equal(await view(c2, KEYS), ours);
    } finally {
      c2.close();
      await t2.close();
    }
  });

  it('the AOF rewrite (aof-use-rdb-preamble no) writes streams as Redis does and loads into both servers', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-stream-aof-'));
    const t = await startServer({ dir, appendonly: 'yes', 'aof-use-rdb-preamble': 'no', 'enable-debug-command': 'yes' });
    const c = await RawConn.connect(t.port);
    // Replaying the rewrite sets consumers' seen-time to the time of loading, and drops pending
    // entries whose stream entry was deleted (XCLAIM ... FORCE skips a missing entry): in both
    // servers. So both are compared with each other; all but 'jobs' also with the original.
    const unchanged = KEYS.filter((k) => k !== 'jobs');
    let ours: string;
    let replayed: string;
    try {
      await load(c, dataset());
      ours = await view(c, unchanged, true);
      assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
      await waitFor(async () => /aof_rewrite_in_progress:0\r\n[\s\S]*aof_rewrite_scheduled:0/.test(await c.call('INFO', 'persistence')), 20_000, 'the AOF rewrite to end');
      assert.match(await c.call('INFO', 'persistence'), /aof_last_bgrewrite_status:ok/);
      // Loaded back by Redoubt (DEBUG LOADAOF) ...
      assert.equal(await c.call('DEBUG', 'LOADAOF'), '+OK\r\n');
      assert.equal(await view(c, unchanged, true), ours);
      replayed = await view(c, KEYS, true);
      // bob's only pending entry was deleted: XCLAIM ... FORCE skips it and creates no consumer.
      assert.doesNotMatch(replayed, /"bob"/);
      assert.match(replayed, /"name","idle","pel-count",0/);
    } finally {
      c.close();
      await t.close();
    }
    const base = readdirSync(path.join(dir, 'appendonlydir')).find((f) => f.endsWith('.base.aof'))!;
    const text = readFileSync(path.join(dir, 'appendonlydir', base), 'latin1');
    assert.match(text, /XSETID\r\n\$5\r\nholes\r\n\$3\r\n5-3\r\n\$12\r\nENTRIESADDED\r\n\$1\r\n3\r\n\$12\r\nMAXDELETEDID\r\n\$3\r\n5-2\r\n/);
    assert.match(text, /XADD\r\n\$7\r\nemptied\r\n\$6\r\nMAXLEN\r\n\$1\r\n0\r\n\$3\r\n0-1\r\n/);
    assert.match(text, /XGROUP\r\n\$14\r\nCREATECONSUMER\r\n\$4\r\njobs\r\n\$7\r\nworkers\r\n\$4\r\nidle\r\n/);
    // ... and by redis-server.
    const ref = await startRedis(['--dir', dir, '--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']);
    const r = await RawConn.connect(ref.port);
    try {
      assert.equal(await view(r, KEYS, true), replayed);
    } finally {
      r.close();
      await ref.close();
    }
  });
});

describe('XADD in the AOF', () => {
  it('XADD * and ms-* are logged with the IDs they replied, an approximate trim as exact', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-xadd-aof-'));
    const t = await startServer({ dir, appendonly: 'yes', appendfsync: 'always', 'aof-use-rdb-preamble': 'no', 'stream-node-max-entries': '2' });
    t.server.aof.startup(); // as main.ts does
    const c = await RawConn.connect(t.port);
    const ids: string[] = [];
    try {
      for (let i = 0; i < 3; i++) ids.push(String(parseReply(await c.call('XADD', 's', '*', 'f', String(i)))));
      ids.push(String(parseReply(await c.call('XADD', 's', '99999999999999-*', 'f', 'x'))));
      ids.push(String(parseReply(await c.call('XADD', 's', 'MAXLEN', '~', '1', '*', 'f', 'y'))));
    } finally {
      c.close();
      await t.close();
    }
    assert.equal(ids[3], '99999999999999-0');
    assert.equal(ids[4], '99999999999999-1');
    const incr = readdirSync(path.join(dir, 'appendonlydir')).find((f) => f.endsWith('.incr.aof'))!;
    const text = readFileSync(path.join(dir, 'appendonlydir', incr), 'latin1');
    const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;
    for (let i = 0; i < 4; i++) assert.ok(text.includes(`*5\r\n${bulk('XADD')}${bulk('s')}${bulk(ids[i]!)}${bulk('f')}`), `entry ${i} as ${ids[i]}`);
    // Nodes of 2 entries: "~ 1" drops the two full nodes, leaving 1, logged as "= 1".
    assert.ok(text.includes(`*8\r\n${bulk('XADD')}${bulk('s')}${bulk('MAXLEN')}${bulk('=')}${bulk('1')}${bulk(ids[4]!)}${bulk('f')}${bulk('y')}`));
  });
});

describe('stream RDB encoding', () => {
  const build = (): StreamValue => {
    const s = new StreamValue();
    for (let i = 1; i <= 30; i++) s.append(makeId(10, i), ['a', String(i), ...(i % 3 === 0 ? ['b', 'x'] : [])], LIM);
    s.lastId = makeId(11, 0);
    s.entriesAdded = 31;
    s.maxDeletedId = makeId(10, 31);
    return s;
  };
  const write = (s: StreamValue): Buffer => {
    const w = new RdbWriter();
    const steps = writeStream(w, s, { maxEntries: 8, maxBytes: 4096 }, false);
    while (steps.next().done !== true);
    return w.take();
  };

  it('round-trips entries and counters through nodes of any size', () => {
    const s = build();
    const back = readStream(new RdbReader(write(s)), true, LIM);
    const all = (v: StreamValue): string[] => {
      const out: string[] = [];
      v.forEach(makeId(0, 0), makeId(2n ** 64n - 1n, 2n ** 64n - 1n), false, (id, f) => {
        out.push(id + ':' + f.join(','));
      });
      return out;
    };
    assert.deepEqual(all(back), all(s));
    assert.equal(back.length, 30);
    assert.equal(back.lastId, s.lastId);
    assert.equal(back.entriesAdded, 31);
    assert.equal(back.maxDeletedId, s.maxDeletedId);
  });

  it('refuses corrupt bodies with an error, never a crash', () => {
    const good = write(build());
    let refused = 0;
    for (let at = 0; at < good.length; at++) {
      for (const x of [1, 0x80, 0xff]) {
        const bad = Buffer.from(good);
        bad[at] = bad[at]! ^ x;
        try {
          readStream(new RdbReader(bad), true, LIM);
        } catch (e) {
          assert.equal((e as Error).name === 'RdbError' || (e as Error).constructor.name.startsWith('Rdb'), true, `offset ${at}: ${(e as Error).stack}`);
          refused++;
        }
      }
    }
    assert.ok(refused > good.length, `only ${refused} corruptions refused`);
  });

  it('loads the older stream type (Redis 6) and estimates entries read as Redis 7.0 does', () => {
    // The same body without the first ID, max deleted ID, entries added and per-group entries read.
    const w = new RdbWriter();
    const s = new StreamValue();
    s.append(makeId(1, 1), ['f', 'v'], LIM);
    s.append(makeId(1, 2), ['f', 'w'], LIM);
    s.lastId = makeId(1, 2);
    s.entriesAdded = 2;
    const v2 = write(s);
    // Node part, length and last ID are the same in both types; cut the rest and append groups.
    const r = new RdbReader(v2);
    const nodes = r.len();
    for (let i = 0; i < nodes; i++) {
      r.stringBytes();
      r.stringBytes();
    }
    r.len();
    r.lenBig();
    r.lenBig();
    w.bytes(v2.subarray(0, r.pos));
    w.len(1);
    w.string('g', false);
    w.lenBig(1n);
    w.lenBig(1n);
    w.len(0);
    w.len(0);
    const old = readStream(new RdbReader(w.take()), false, LIM);
    assert.equal(old.length, 2);
    assert.equal(old.entriesAdded, 2);
    // The group's last ID is the first entry: entries read is 1.
    assert.equal(old.groups.get('g')!.entriesRead, 1);
  });
});

describe('a stranger RESTOREs crafted stream payloads into a Redoubt process', () => {
  /** A payload with a valid footer (version, CRC-64) around `body`, so the stream reader itself is attacked. */
  const sealed = (body: Buffer): Buffer => {
    const w = new RdbWriter();
    w.bytes(body);
    w.u16le(RDB_VERSION);
    w.u64le(crc64(w.view()));
    return w.take();
  };

  it('every flipped byte is refused with an error or restores a stream; counts far beyond the payload are refused; the process keeps serving', async () => {
    const p = await startRedoubtProcess(['--save', '', '--appendonly', 'no']);
    const c = await RawConn.connect(p.port);
    try {
      await load(c, [
        ['XADD', 's', '1-1', 'job', 'a'],
        ['XADD', 's', '1-2', 'job', 'b', 'prio', 'high'],
        ['XADD', 's', '2-0', 'job', 'c'],
        ['XDEL', 's', '1-2'],
        ['XGROUP', 'CREATE', 's', 'workers', '0'],
        ['XREADGROUP', 'GROUP', 'workers', 'bob', 'STREAMS', 's', '>'],
      ]);
      const good = Buffer.from(parseReply(await c.call('DUMP', 's')) as string, 'latin1');
      const body = good.subarray(0, good.length - 10);
      let refused = 0;
      for (let at = 1; at < body.length; at++) {
        const bad = Buffer.from(body);
        bad[at] = bad[at]! ^ 0xff;
        const reply = await c.call('RESTORE', 'k', '0', sealed(bad), 'REPLACE');
        assert.match(reply, /^(\+OK|-ERR Bad data format)\r\n$/, `byte ${at}`);
        if (reply.startsWith('-')) refused++;
      }
      assert.ok(refused > body.length / 2, `only ${refused} of ${body.length} corruptions refused`);
      // Counts that promise far more than the payload holds: nodes, and a group's pending entries.
      const w = new RdbWriter();
      w.byte(19);
      w.len(2 ** 32);
      const hugeNodes = w.take();
      w.byte(19);
      w.len(0); // nodes
      w.len(0); // length
      for (let i = 0; i < 6; i++) w.len(0); // last, first and max deleted IDs
      w.len(0); // entries added
      w.len(1); // groups
      w.string('g', false);
      w.len(0);
      w.len(0);
      w.len(0); // entries read
      w.len(2 ** 31); // pending entries
      const hugePel = w.take();
      for (const bad of [hugeNodes, hugePel]) assert.equal(await c.call('RESTORE', 'k', '0', sealed(bad), 'REPLACE'), '-ERR Bad data format\r\n');
      assert.equal(await c.call('XLEN', 's'), ':2\r\n');
      assert.equal(await c.call('PING'), '+PONG\r\n');
      assert.equal(p.proc.exitCode, null);
    } finally {
      c.close();
      await p.kill();
    }
  });
});
