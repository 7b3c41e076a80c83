// The append-only file: manifest parser/writer, the command reader, the loader against flipped
// and cut bytes, propagation compared with redis-server 7.0.15's own AOF, cross-loading of AOF
// directories in both directions, rewrite, CONFIG SET appendonly, INFO fields.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { ManifestError, formatManifest, parseManifest, splitArgs, type Manifest } from '../src/persistence/aof/manifest.js';
import { parseRdbFile, serializeDataset } from '../src/persistence/rdb/file.js';
import { createDumpPayload } from '../src/persistence/rdb/dump.js';
import { AofReader, encodeCommand } from '../src/persistence/aof/format.js';
import { AofLoadError } from '../src/persistence/aof/loader.js';
import { ManualClock } from '../src/store/clock.js';
import { Keyspace } from '../src/store/db.js';
import { RawConn, bulkStrings, haveRedis, startRedis, startServer, waitFor, type RefServer, type TestServer } from './helpers.js';

const dirs: string[] = [];
const servers: TestServer[] = [];
const refs: RefServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
  // RefServer.close waits for an exit that already happened when called twice (a process killed
  // by a signal has no exit code): close only the ones still running.
  for (const r of refs) if (r.proc.exitCode === null && r.proc.signalCode === null) await r.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'redoubt-aof-'));
  dirs.push(d);
  return d;
}

/** An in-process server with the AOF on in `dir` (loaded at start as main.ts does). */
async function aofServer(dir: string, extra: Record<string, string> = {}, clock?: ManualClock): Promise<TestServer> {
  // Bases in command form, which the tests read back; the RDB form has its own test.
  const t = await startServer({ dir, appendonly: 'yes', appendfsync: 'always', 'aof-use-rdb-preamble': 'no', ...extra }, clock);
  servers.push(t);
  t.server.aof.startup();
  return t;
}

/** Every command of an AOF file's bytes. */
function commands(data: Buffer): string[][] {
  const r = new AofReader(data);
  const out: string[][] = [];
  for (let a = r.next(); a !== null; a = r.next()) out.push(a);
  assert.equal(r.stop.kind, 'end', `clean end: ${JSON.stringify(r.stop)}`);
  return out;
}

function incrFiles(dir: string): Buffer {
  const d = path.join(dir, 'appendonlydir');
  const m = parseManifest(readFileSync(path.join(d, 'appendonly.aof.manifest'), 'latin1'));
  return Buffer.concat(m.incrs.map((f) => readFileSync(path.join(d, f.name))));
}

/** A canonical dump of databases 0..3: every key, its type, value and absolute expire time. */
async function snapshot(port: number): Promise<string[]> {
  const c = await RawConn.connect(port);
  const out: string[] = [];
  try {
    for (let db = 0; db < 4; db++) {
      await c.call('SELECT', String(db));
      const keys = bulkStrings(await c.call('KEYS', '*')).sort();
      for (const k of keys) {
        const type = (await c.call('TYPE', k)).trim();
        let v: string;
        if (type === '+string') v = await c.call('GET', k);
        else if (type === '+list') v = JSON.stringify(bulkStrings(await c.call('LRANGE', k, '0', '-1')));
        else if (type === '+set') v = JSON.stringify(bulkStrings(await c.call('SMEMBERS', k)).sort());
        else if (type === '+zset') v = JSON.stringify(bulkStrings(await c.call('ZRANGE', k, '0', '-1', 'WITHSCORES')));
        else if (type === '+hash') {
          const p = bulkStrings(await c.call('HGETALL', k));
          const pairs: string[] = [];
          for (let i = 0; i < p.length; i += 2) pairs.push(JSON.stringify([p[i], p[i + 1]]));
          v = JSON.stringify(pairs.sort());
        } else v = '?';
        const at = (await c.call('PEXPIRETIME', k)).trim();
        out.push(`${db} ${JSON.stringify(k)} ${type} ${v} ${at}`);
      }
    }
  } finally {
    c.close();
  }
  return out;
}

/** Writes every data type, binary keys and values, TTLs, several databases. */
async function populate(port: number, round: number): Promise<void> {
  const c = await RawConn.connect(port);
  const far = String(Date.now() + 3_600_000 + round);
  const cmds: string[][] = [
    ['SELECT', '0'],
    ['SET', `str${round}`, 'plain'],
    ['SET', `bin\x00\xff${round}`, '\r\n\x00\xfe\x80'],
    ['SET', `ttl${round}`, 'v', 'EX', '1000'],
    ['SET', `pxat${round}`, 'v', 'PXAT', far],
    ['INCRBYFLOAT', `fl${round}`, '3.25'],
    ['RPUSH', `list${round}`, 'a', 'b', '\x00c'],
    ['LPUSH', `list${round}`, 'z'],
    ['SADD', `set${round}`, 'x', 'y', '\xff'],
    ['SADD', `iset${round}`, '1', '2', '300000'],
    ['ZADD', `zs${round}`, '1.5', 'a', '-2', 'b', 'inf', 'c', '-inf', 'd', '0.1', 'e'],
    ['HSET', `h${round}`, 'f1', 'v1', 'f\x002', 'v\xff'],
    ['HINCRBYFLOAT', `h${round}`, 'n', '1.5'],
    ['EXPIRE', `h${round}`, '5000'],
    ['SELECT', '2'],
    ['SET', `db2-${round}`, 'two'],
    ['ZADD', `big${round}`, ...Array.from({ length: 300 }, (_, i) => [String(i * 0.5), `m${i}`]).flat()],
    ['HSET', `bigh${round}`, ...Array.from({ length: 200 }, (_, i) => [`f${i}`, `v${i}`]).flat()],
    ['RPUSH', `bigl${round}`, ...Array.from({ length: 200 }, (_, i) => `e${i}`)],
    ['SADD', `bigs${round}`, ...Array.from({ length: 200 }, (_, i) => `s${i}`)],
    ['PEXPIRE', `bigs${round}`, '9000000'],
    ['SELECT', '3'],
    ['MSET', `a${round}`, '1', `b${round}`, '2'],
    ['DEL', `b${round}`],
    ['RPUSH', `popme${round}`, '1', '2', '3'],
    ['LPOP', `popme${round}`],
    ['SET', `gone${round}`, 'x'],
    ['GETDEL', `gone${round}`],
  ];
  try {
    for (const cmd of cmds) {
      const r = await c.call(...cmd);
      assert.ok(!r.startsWith('-'), `${cmd.slice(0, 2).join(' ')}: ${r}`);
    }
  } finally {
    c.close();
  }
}

describe('AOF manifest', () => {
  it("formats Redis's line format and parses it back", () => {
    const m: Manifest = {
      base: { name: 'appendonly.aof.3.base.aof', seq: 3, type: 'b' },
      history: [{ name: 'appendonly.aof.2.incr.aof', seq: 2, type: 'h' }],
      incrs: [
        { name: 'appendonly.aof.3.incr.aof', seq: 3, type: 'i' },
        { name: 'appendonly.aof.4.incr.aof', seq: 4, type: 'i' },
      ],
    };
    const text = formatManifest(m);
    assert.equal(
      text,
      'file appendonly.aof.3.base.aof seq 3 type b\nfile appendonly.aof.2.incr.aof seq 2 type h\n' +
        'file appendonly.aof.3.incr.aof seq 3 type i\nfile appendonly.aof.4.incr.aof seq 4 type i\n',
    );
    assert.deepEqual(parseManifest(text), m);
  });

  it('quotes names that need it and reads quoted names', () => {
    const m: Manifest = { base: { name: 'my file "x".aof.1.base.aof', seq: 1, type: 'b' }, incrs: [], history: [] };
    const text = formatManifest(m);
    assert.equal(text, 'file "my file \\"x\\".aof.1.base.aof" seq 1 type b\n');
    assert.deepEqual(parseManifest(text), m);
    assert.deepEqual(splitArgs(`a 'b c' "d\\x41\\n"`), ['a', 'b c', 'dA\n']);
    assert.equal(splitArgs('"unbalanced'), null);
  });

  it('skips comments, ignores unknown keys and refuses what Redis refuses', () => {
    assert.equal(parseManifest('# comment\nfile a.1.base.aof seq 1 type b extra 1\n').base?.name, 'a.1.base.aof');
    const bad: [string, RegExp][] = [
      ['', /empty AOF manifest/],
      ['file a seq 1\n', /invalid format|Invalid AOF manifest/],
      ['file a seq 1 type b\nfile b seq 2 type b\n', /duplicate base/],
      ['file a seq 2 type i\nfile b seq 2 type i\n', /non-monotonic/],
      ['file a seq 1 type x\n', /Unknown AOF file type/],
      ['file a seq one type i\n', /bad seq/],
      ['file ../etc/passwd seq 1 type i\n', /Invalid AOF file name/],
    ];
    for (const [text, re] of bad) assert.throws(() => parseManifest(text), (e: unknown) => e instanceof ManifestError && re.test(e.message), text);
  });

  it('never throws anything but ManifestError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        try {
          parseManifest(s);
        } catch (e) {
          assert.ok(e instanceof ManifestError, String(e));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('AOF command reader', () => {
  it('reads commands, skips annotations, and tells truncation from corruption', () => {
    const data = Buffer.from('#TS:123\r\n' + encodeCommand(['SET', 'k', 'v\r\n']) + encodeCommand(['DEL', 'k']), 'latin1');
    assert.deepEqual(commands(data), [['SET', 'k', 'v\r\n'], ['DEL', 'k']]);
    const whole = encodeCommand(['SET', 'k', 'v']);
    for (let cut = 1; cut < whole.length; cut++) {
      const r = new AofReader(Buffer.from(whole.slice(0, cut), 'latin1'));
      assert.equal(r.next(), null);
      assert.deepEqual(r.stop, { kind: 'truncated', offset: 0 }, `cut at ${cut}`);
    }
    const r = new AofReader(Buffer.from(whole + 'GARBAGE\r\n', 'latin1'));
    assert.deepEqual(r.next(), ['SET', 'k', 'v']);
    assert.equal(r.next(), null);
    assert.equal(r.stop.kind, 'corrupt');
    assert.equal((r.stop as { offset: number }).offset, whole.length);
  });
});

describe('AOF loading', () => {
  it('loads a truncated last file by cutting it, with a warning naming the offset', async () => {
    const dir = tmp();
    const t = await aofServer(dir);
    const c = await RawConn.connect(t.port);
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '2');
    c.close();
    await t.close();
    const incr = path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
    const good = readFileSync(incr).length;
    appendFileSync(incr, '*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1');
    const t2 = await aofServer(dir);
    assert.ok(t2.logs.some((l) => l.includes(`Truncating the AOF ${incr} at offset ${good}`)), t2.logs.join('\n'));
    assert.equal(readFileSync(incr).length, good);
    const c2 = await RawConn.connect(t2.port);
    assert.equal(await c2.call('MGET', 'a', 'b', 'c'), '*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n');
    c2.close();
  });

  it('refuses a truncated file with aof-load-truncated no, and a corrupt one, naming file and offset', async () => {
    const dir = tmp();
    const t = await aofServer(dir);
    const c = await RawConn.connect(t.port);
    await c.call('SET', 'a', '1');
    c.close();
    await t.close();
    const incr = path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
    const good = readFileSync(incr);
    appendFileSync(incr, '*2\r\n$3\r\nDEL');
    await assert.rejects(aofServer(dir, { 'aof-load-truncated': 'no' }), (e: unknown) => e instanceof AofLoadError && e.message.includes(`${incr} at offset ${good.length}`));
    writeFileSync(incr, Buffer.concat([good, Buffer.from('+OK\r\n' + encodeCommand(['SET', 'x', 'y']))]));
    await assert.rejects(aofServer(dir), (e: unknown) => e instanceof AofLoadError && /Bad file format/.test(e.message) && e.message.includes(`${incr} at offset ${good.length}`));
    writeFileSync(incr, Buffer.concat([good, Buffer.from(encodeCommand(['NOSUCHCMD', 'x']))]));
    await assert.rejects(aofServer(dir), (e: unknown) => e instanceof AofLoadError && /Unknown command 'NOSUCHCMD'/.test(e.message));
    writeFileSync(incr, Buffer.concat([good, Buffer.from(encodeCommand(['SELECT', '99']))]));
    await assert.rejects(aofServer(dir), (e: unknown) => e instanceof AofLoadError && /Error replaying 'select'.* at offset \d+: ERR DB index is out of range/.test(e.message));
  });

  it('refuses a broken RDB base with a clear message, and reverts an unfinished MULTI', async () => {
    const dir = tmp();
    const d = path.join(dir, 'appendonlydir');
    mkdirSync(d);
    writeFileSync(path.join(d, 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    writeFileSync(path.join(d, 'appendonly.aof.1.base.rdb'), 'REDIS0010');
    writeFileSync(path.join(d, 'appendonly.aof.1.incr.aof'), '');
    await assert.rejects(aofServer(dir), (e: unknown) => e instanceof AofLoadError && /Bad RDB preamble in the append only file .*appendonly\.aof\.1\.base\.rdb: .* at offset \d+/.test(e.message));
    writeFileSync(path.join(d, 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i\n');
    const body = encodeCommand(['SET', 'a', '1']);
    writeFileSync(path.join(d, 'appendonly.aof.1.incr.aof'), body + encodeCommand(['MULTI']) + encodeCommand(['SET', 'b', '2']));
    const t = await aofServer(dir);
    assert.ok(t.logs.some((l) => l.includes('Revert incomplete MULTI/EXEC')));
    const c = await RawConn.connect(t.port);
    assert.equal(await c.call('MGET', 'a', 'b'), '*2\r\n$1\r\n1\r\n$-1\r\n');
    c.close();
    assert.equal(readFileSync(path.join(d, 'appendonly.aof.1.incr.aof'), 'latin1'), body);
  });

  it('flipped and cut bytes: a clear refusal or a load, never a crash', async () => {
    const dir = tmp();
    const t = await aofServer(dir);
    await populate(t.port, 0);
    await t.close();
    const d = path.join(dir, 'appendonlydir');
    const incr = path.join(d, 'appendonly.aof.1.incr.aof');
    const original = readFileSync(incr);
    const manifest = readFileSync(path.join(d, 'appendonly.aof.manifest'));
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: original.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        fc.nat({ max: original.length }),
        fc.boolean(),
        async (pos, xor, cut, doCut) => {
          const bad = Buffer.from(original);
          bad[pos] = bad[pos]! ^ xor;
          writeFileSync(incr, doCut ? bad.subarray(0, cut) : bad);
          writeFileSync(path.join(d, 'appendonly.aof.manifest'), manifest);
          let s: TestServer | null = null;
          try {
            s = await aofServer(dir, { 'aof-load-truncated': doCut ? 'yes' : 'no' });
          } catch (e) {
            assert.ok(e instanceof AofLoadError, `not a load error: ${(e as Error).stack ?? String(e)}`);
            assert.match(e.message, /append.?only file|AOF/);
          } finally {
            if (s !== null) await s.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** DUMP of the string "v". */
const DUMP_V = createDumpPayload('v', { compress: false, listMaxListpackSize: -2 }).toString('latin1');

describe('AOF propagation, rewrite and configuration', () => {
  it('writes relative expires as absolute, and an expired key as DEL in a MULTI with the command', async () => {
    const dir = tmp();
    const clock = new ManualClock();
    const t = await aofServer(dir, { hz: '1' }, clock);
    const c = await RawConn.connect(t.port);
    const now = clock.now();
    await c.call('SET', 'k', 'v', 'PX', '100');
    await c.call('EXPIRE', 'k', '10', 'NX');
    await c.call('EXPIRE', 'k', '10');
    clock.advance(20_000);
    await c.call('INCR', 'k');
    await c.call('GETEX', 'k', 'EXAT', '1');
    await c.call('SET', 'n', '1');
    await c.call('SETRANGE', 'n', '0', '');
    c.close();
    t.server.aof.flush();
    assert.deepEqual(commands(incrFiles(dir)), [
      ['SELECT', '0'],
      ['SET', 'k', 'v', 'PXAT', String(now + 100)],
      ['PEXPIREAT', 'k', String(now + 10_000)],
      ['MULTI'],
      ['DEL', 'k'],
      ['INCR', 'k'],
      ['EXEC'],
      ['DEL', 'k'],
      ['SET', 'n', '1'],
    ]);
  });

  it('matches the commands redis-server 7.0.15 writes to its AOF', { skip: !haveRedis() && 'redis-server not installed' }, async () => {
    const rdir = tmp();
    const ref = await startRedis(['--dir', rdir, '--appendonly', 'yes', '--appendfsync', 'always', '--aof-use-rdb-preamble', 'no']);
    refs.push(ref);
    const t = await aofServer(tmp());
    const script: string[][] = [
      ['SET', 'a', '1'],
      ['SET', 'b', '2', 'EX', '100'],
      ['SETEX', 'c', '100', 'v'],
      ['PSETEX', 'd', '100000', 'v'],
      ['SET', 'e', 'v', 'GET', 'PX', '5000'],
      ['GETEX', 'e', 'EX', '50'],
      ['GETEX', 'e', 'PERSIST'],
      ['EXPIRE', 'a', '100', 'NX'],
      ['EXPIRE', 'nokey', '100'],
      ['PEXPIRE', 'a', '-1'],
      ['INCRBYFLOAT', 'f', '1e2'],
      ['HINCRBYFLOAT', 'h', 'f', '1.5'],
      ['SADD', 's', 'only'],
      ['SPOP', 's'],
      ['SADD', 's2', 'x', 'y'],
      ['SPOP', 's2', '5'],
      ['RPUSH', 'l', 'a', 'b', 'c', 'd'],
      ['BLPOP', 'l', '0'],
      ['BRPOP', 'l', '0'],
      ['LMPOP', '1', 'l', 'RIGHT'],
      ['RPUSH', 'l2', 'x', 'y'],
      ['BLMPOP', '0', '1', 'l2', 'LEFT', 'COUNT', '5'],
      ['RPUSH', 'l3', 'x', 'y'],
      ['BLMOVE', 'l3', 'l4', 'left', 'right', '0'],
      ['BRPOPLPUSH', 'l3', 'l4', '0'],
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['BZPOPMIN', 'z', '0'],
      ['BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '1'],
      ['ZADD', 'z2', '1', 'a'],
      ['ZMPOP', '1', 'z2', 'MIN', 'COUNT', '10'],
      ['GETDEL', 'c'],
      ['RESTORE', 'r1', '100000', DUMP_V],
      ['RESTORE', 'r2', '0', DUMP_V],
      ['RESTORE', 'r1', '1', DUMP_V, 'REPLACE', 'ABSTTL'],
      ['DEL', 'nothing'],
      ['SELECT', '3'],
      ['SET', 'x', 'y'],
      ['MULTI'],
      ['SET', 't1', '1'],
      ['GET', 't1'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 't2', '1'],
      ['SELECT', '1'],
      ['SET', 't3', '1'],
      ['EXEC'],
      ['MULTI'],
      ['GET', 'x'],
      ['EXEC'],
      ['FLUSHALL'],
      ['FLUSHDB'],
      ['SET', 'k', 'v'],
      ['SAVE'],
      ['DEL', 'k'],
    ];
    for (const port of [ref.port, t.port]) {
      const c = await RawConn.connect(port);
      for (const cmd of script) await c.call(...cmd);
      c.close();
    }
    t.server.aof.flush();
    const norm = (cmds: string[][]): string[][] => cmds.map((a) => a.map((x) => (/^\d{13}$/.test(x) ? 'TIME' : x)));
    const mine = norm(commands(incrFiles(t.server.config.str('dir'))));
    await waitFor(() => existsSync(path.join(rdir, 'appendonlydir', 'appendonly.aof.manifest')), 5000, 'redis AOF');
    const theirs = norm(commands(incrFiles(rdir)));
    assert.deepEqual(mine, theirs);
  });

  it('DEBUG LOADAOF replaces the dataset with the AOF on disk, TTLs included', async () => {
    const dir = tmp();
    const t = await aofServer(dir, { 'enable-debug-command': 'yes', 'aof-use-rdb-preamble': 'yes' });
    await populate(t.port, 1);
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
      await populate(t.port, 2);
      const digest = await c.call('DEBUG', 'DIGEST');
      assert.equal(await c.call('DEBUG', 'LOADAOF'), '+OK\r\n');
      assert.equal(await c.call('DEBUG', 'DIGEST'), digest);
      assert.match(await c.call('TTL', 'ttl1'), /^:(99\d|1000)\r\n$/);
    } finally {
      c.close();
    }
  });

  it('BGREWRITEAOF writes a new base and incr, replaces the manifest, removes the old files', async () => {
    const dir = tmp();
    const t = await aofServer(dir);
    await populate(t.port, 1);
    const before = await snapshot(t.port);
    const c = await RawConn.connect(t.port);
    assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
    await waitFor(async () => /aof_rewrite_in_progress:0\r\n/.test(await c.call('INFO', 'persistence')), 10000, 'the rewrite');
    assert.deepEqual(readdirSync(path.join(dir, 'appendonlydir')).sort(), ['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
    assert.equal(readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1'), 'file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    await c.call('SET', 'after', 'rewrite');
    const info = await c.call('INFO', 'persistence');
    assert.match(info, /aof_enabled:1\r\n/);
    assert.match(info, /aof_rewrites:2\r\n/);
    assert.match(info, /aof_last_bgrewrite_status:ok\r\n/);
    assert.match(info, /aof_base_size:[1-9]\d*\r\n/);
    c.close();
    await t.close();
    const t2 = await aofServer(dir);
    const afterLoad = await snapshot(t2.port);
    assert.deepEqual(afterLoad.filter((l) => !l.includes('"after"')), before);
    assert.ok(afterLoad.some((l) => l.includes('"after"')));
  });

  it('propagates evictions and active expiry as DEL, or UNLINK under lazyfree', async () => {
    const dir = tmp();
    const clock = new ManualClock();
    const t = await aofServer(dir, { hz: '1', 'lazyfree-lazy-eviction': 'yes' }, clock);
    t.server.memory.measure = () => t.server.ks.dbs.reduce((n, db) => n + db.size, 0) * 100;
    const c = await RawConn.connect(t.port);
    await c.call('SET', 'old', 'v', 'PX', '10');
    clock.advance(100);
    t.server.ks.activeExpireCycle(1000, 1);
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
    await c.call('SET', 'a', '1');
    await c.call('CONFIG', 'SET', 'maxmemory', '50');
    await c.call('SET', 'b', '2');
    c.close();
    t.server.aof.flush();
    const cmds = commands(incrFiles(dir)).filter((a) => a[0] !== 'CONFIG');
    assert.deepEqual(cmds.slice(0, 4), [['SELECT', '0'], ['SET', 'old', 'v', 'PXAT', String(clock.now() - 90)], ['DEL', 'old'], ['SET', 'a', '1']]);
    assert.deepEqual(cmds.slice(4), [['UNLINK', 'a'], ['SET', 'b', '2']]);
  });

  it('rewrites automatically when the AOF has grown by auto-aof-rewrite-percentage past the min size', async () => {
    const dir = tmp();
    const t = await aofServer(dir, { 'auto-aof-rewrite-percentage': '100', 'auto-aof-rewrite-min-size': '1kb' });
    const c = await RawConn.connect(t.port);
    t.server.aof.cron();
    assert.equal(t.server.aof.rewrites, 1, 'below the min size: no rewrite');
    for (let i = 0; i < 40; i++) await c.call('SET', 'k', 'x'.repeat(40));
    // serverCron's check, run at each poll (the rewrite itself completes in the background).
    try {
      await waitFor(
        () => {
          if (t.server.aof.rewrites < 2) t.server.aof.cron();
          return t.server.aof.rewrites === 2;
        },
        10000,
        'the automatic rewrite',
      );
    } catch (e) {
      const info = await c.call('INFO', 'persistence');
      throw new Error(`${(e as Error).message}; INFO: ${info}; log: ${t.logs.slice(-10).join(' | ')}`);
    }
    assert.ok(t.logs.some((l) => /Starting automatic rewriting of AOF on \d+% growth/.test(l)));
    assert.equal(await c.call('GET', 'k'), '$40\r\n' + 'x'.repeat(40) + '\r\n');
    c.close();
    assert.deepEqual(commands(readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.2.base.aof'))), [['SELECT', '0'], ['SET', 'k', 'x'.repeat(40)]]);
  });

  it('CONFIG SET appendonly yes creates the AOF from the dataset; no stops appending', async () => {
    const dir = tmp();
    const t = await startServer({ dir });
    servers.push(t);
    const c = await RawConn.connect(t.port);
    await c.call('SET', 'before', '1');
    assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
    await c.call('SET', 'during', '2');
    assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'no'), '+OK\r\n');
    await c.call('SET', 'after', '3');
    assert.match(await c.call('INFO', 'persistence'), /aof_enabled:0\r\n/);
    c.close();
    const d = path.join(dir, 'appendonlydir');
    // aof-use-rdb-preamble yes (the default): the base is an RDB snapshot of the dataset.
    const base = parseRdbFile(readFileSync(path.join(d, 'appendonly.aof.1.base.rdb')), t.server.snapshots.limits(), Date.now(), 16);
    assert.deepEqual([...base.dbs.get(0)!].map((k) => [k.key, k.value]), [['before', '1']]);
    assert.equal(base.aux.get('aof-base'), '1');
    assert.deepEqual(commands(readFileSync(path.join(d, 'appendonly.aof.1.incr.aof'))), [['SELECT', '0'], ['SET', 'during', '2']]);
  });
});

describe('AOF directories move between Redoubt and redis-server 7.0.15', { skip: !haveRedis() && 'redis-server not installed' }, () => {
  it('Redoubt writes, Redis loads (base and incremental files, every type, TTLs, several dbs)', async () => {
    const dir = tmp();
    const t = await aofServer(dir);
    await populate(t.port, 1);
    const c = await RawConn.connect(t.port);
    await c.call('BGREWRITEAOF');
    c.close();
    await populate(t.port, 2);
    const expected = await snapshot(t.port);
    await t.close();
    const ref = await startRedis(['--dir', dir, '--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']);
    refs.push(ref);
    assert.deepEqual(await snapshot(ref.port), expected);
    assert.ok(expected.length > 20);
  });

  it('with RDB bases (aof-use-rdb-preamble yes) both ways', async () => {
    const dir = tmp();
    const t = await aofServer(dir, { 'aof-use-rdb-preamble': 'yes' });
    await populate(t.port, 1);
    const c = await RawConn.connect(t.port);
    await c.call('BGREWRITEAOF');
    await waitFor(async () => /aof_rewrite_in_progress:0\r\n/.test(await c.call('INFO', 'persistence')), 10000, 'the rewrite');
    c.close();
    assert.ok(readdirSync(path.join(dir, 'appendonlydir')).includes('appendonly.aof.2.base.rdb'));
    await populate(t.port, 2);
    const expected = await snapshot(t.port);
    await t.close();
    const ref = await startRedis(['--dir', dir, '--appendonly', 'yes', '--aof-use-rdb-preamble', 'yes']);
    refs.push(ref);
    assert.deepEqual(await snapshot(ref.port), expected);
    // Redis rewrites (an RDB base of its own), then Redoubt loads Redis's directory.
    const r = await RawConn.connect(ref.port);
    await r.call('BGREWRITEAOF');
    await waitFor(async () => /aof_rewrite_in_progress:0\r\n/.test(await r.call('INFO', 'persistence')) && readdirSync(path.join(dir, 'appendonlydir')).some((f) => f.includes('.3.base.rdb')), 10000, 'the rewrite');
    r.close();
    await populate(ref.port, 3);
    const expected2 = await snapshot(ref.port);
    await ref.close();
    const t2 = await aofServer(dir);
    assert.deepEqual(await snapshot(t2.port), expected2);
  });

  it('Redis writes, Redoubt loads', async () => {
    const dir = tmp();
    const ref = await startRedis(['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--aof-use-rdb-preamble', 'no']);
    refs.push(ref);
    await populate(ref.port, 1);
    const c = await RawConn.connect(ref.port);
    await c.call('BGREWRITEAOF');
    await waitFor(async () => /aof_rewrite_in_progress:0\r\n/.test(await c.call('INFO', 'persistence')) && readdirSync(path.join(dir, 'appendonlydir')).some((f) => f.includes('.2.base.aof')), 10000, 'the rewrite');
    c.close();
    await populate(ref.port, 2);
    const expected = await snapshot(ref.port);
    await ref.close();
    const t = await aofServer(dir);
    assert.deepEqual(await snapshot(t.port), expected);
    assert.ok(expected.length > 20);
  });
});

/** An AOF directory in `dir`: a manifest listing `files` (name, type) in order, and their bytes. */
function writeAofDir(dir: string, files: [string, 'b' | 'i', string | Buffer][]): void {
  const d = path.join(dir, 'appendonlydir');
  mkdirSync(d, { recursive: true });
  let manifest = '';
  for (const [name, type, bytes] of files) {
    manifest += `file ${name} seq 1 type ${type}\n`;
    writeFileSync(path.join(d, name), typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }
  writeFileSync(path.join(d, 'appendonly.aof.manifest'), manifest);
}

/** A copy of `dir` for a second server (each server changes the directory it loads). */
function copyDir(dir: string): string {
  const d = tmp();
  cpSync(dir, d, { recursive: true });
  return d;
}

/**
 * Waits until a redis-server has loaded its data: it listens before it loads, and it creates its
 * AOF files before it serves the first command.
 */
async function loaded(port: number): Promise<void> {
  const c = await RawConn.connect(port);
  try {
    await waitFor(async () => /\r\nloading:0\r\n/.test(await c.call('INFO', 'persistence')), 10000, 'redis-server to load');
  } finally {
    c.close();
  }
}

/** The annotation lines of a command-form AOF file (checked: well formed, between commands) and has them only at command boundaries, well formed. */
function annotations(data: Buffer): { lines: string[]; rest: string } {
  const text = data.toString('latin1');
  const lines: string[] = [];
  let rest = '';
  const r = new AofReader(data);
  let pos = 0;
  for (let a = r.next(); a !== null; a = r.next()) {
    for (const l of text.slice(pos, r.start).split(/(?<=\r\n)/)) if (l !== '') lines.push(l);
    rest += encodeCommand(a);
    pos = r.pos;
  }
  for (const l of text.slice(pos).split(/(?<=\r\n)/)) if (l !== '') lines.push(l);
  assert.equal(r.stop.kind, 'end');
  for (const l of lines) assert.match(l, /^#TS:\d{10}\r\n$/);
  return { lines, rest };
}

describe('Loading an AOF: nothing expires until the whole AOF is replayed', () => {
  /**
   * Keys whose time passes somewhere in the file and that later commands still use: an expired
   * key of the RDB base, PEXPIREAT / EXPIREAT / EXPIRE / GETEX to a past time, RESTORE with a past
   * ABSTTL, inside and outside MULTI. Redis keeps each key until loading is over.
   */
  function scenario(dir: string): void {
    const clock = new ManualClock(Date.now());
    const ks = new Keyspace(16, clock);
    ks.db(0).set('old', 'v');
    ks.db(0).setExpire('old', 1000);
    ks.db(0).set('kept', 'k');
    const base = serializeDataset(ks, {
      compress: false,
      checksum: true,
      listMaxListpackSize: -2,
      now: clock.now(),
      usedMem: 0,
      aofBase: true,
      access: null,
      lfuCounter: () => 0,
    idleSeconds: () => 0,
    });
    const cmds: string[][] = [
      ['SELECT', '0'],
      // Redis's own test (tests/integration/aof.tcl, "AOF+EXPIRE"): the list is gone after loading.
      ['RPUSH', 'list', 'foo'],
      ['PEXPIREAT', 'list', '1000'],
      ['RPUSH', 'list', 'bar'],
      ['SET', 'a', '1'],
      ['PEXPIREAT', 'a', '1000'],
      ['RENAME', 'a', 'b'],
      ['PERSIST', 'b'],
      ['SET', 'e', 'v'],
      ['EXPIRE', 'e', '-1'],
      ['PERSIST', 'e'],
      ['SET', 'x', 'v'],
      ['EXPIREAT', 'x', '1', 'XX'],
      ['APPEND', 'x', 'w'],
      ['SET', 'y', 'v'],
      ['PEXPIRE', 'y', '100000'],
      ['EXPIREAT', 'y', '1', 'LT'],
      ['APPEND', 'y', 'w'],
      ['SET', 'g', 'v'],
      ['GETEX', 'g', 'PXAT', '1000'],
      ['PERSIST', 'g'],
      ['RESTORE', 'r', '1000', DUMP_V, 'ABSTTL'],
      ['PERSIST', 'r'],
      ['APPEND', 'old', 'x'],
      ['PERSIST', 'old'],
      ['SET', 's', 'v', 'PXAT', '1000'],
      ['APPEND', 's', 'w'],
      ['MULTI'],
      ['RPUSH', 'm', 'x'],
      ['PEXPIREAT', 'm', '1000'],
      ['RPUSH', 'm', 'y'],
      ['EXEC'],
      ['PERSIST', 'm'],
      ['SELECT', '2'],
      ['SADD', 'set2', 'a'],
      ['PEXPIREAT', 'set2', '1000'],
      ['SADD', 'set2', 'b'],
      ['SET', 'kept2', 'yes'],
    ];
    writeAofDir(dir, [
      ['appendonly.aof.1.base.rdb', 'b', base],
      ['appendonly.aof.1.incr.aof', 'i', cmds.map(encodeCommand).join('')],
    ]);
  }

  const expected = [
    '0 "b" +string $1\r\n1\r\n :-1',
    '0 "e" +string $1\r\nv\r\n :-1',
    '0 "g" +string $1\r\nv\r\n :-1',
    '0 "kept" +string $1\r\nk\r\n :-1',
    '0 "m" +list ["x","y"] :-1',
    '0 "old" +string $2\r\nvx\r\n :-1',
    '0 "r" +string $1\r\nv\r\n :-1',
    // EXPIREAT ... XX on a key without a time sets nothing.
    '0 "x" +string $2\r\nvw\r\n :-1',
    '2 "kept2" +string $3\r\nyes\r\n :-1',
  ];

  it('keeps a key whose time has passed for the rest of the file, and expires it afterwards', async () => {
    const dir = tmp();
    scenario(dir);
    const t = await aofServer(dir);
    assert.deepEqual(await snapshot(t.port), expected);
    assert.equal(t.server.ks.loading, false);
    const c = await RawConn.connect(t.port);
    assert.equal(await c.call('LLEN', 'list'), ':0\r\n');
    assert.equal(await c.call('EXISTS', 'y', 's', 'set2'), ':0\r\n');
    c.close();
  });

  it('DEBUG LOADAOF replays the same way', async () => {
    const dir = tmp();
    scenario(dir);
    const t = await aofServer(dir, { 'enable-debug-command': 'yes' });
    const c = await RawConn.connect(t.port);
    assert.equal(await c.call('DEBUG', 'LOADAOF'), '+OK\r\n');
    c.close();
    assert.deepEqual(await snapshot(t.port), expected);
  });

  it('ends as redis-server 7.0.15 ends on the same files', { skip: !haveRedis() && 'redis-server not installed' }, async () => {
    const dir = tmp();
    scenario(dir);
    const rdir = copyDir(dir);
    const t = await aofServer(dir);
    const ref = await startRedis(['--dir', rdir, '--appendonly', 'yes']);
    refs.push(ref);
    await loaded(ref.port);
    const theirs = await snapshot(ref.port);
    assert.deepEqual(theirs, expected);
    assert.deepEqual(await snapshot(t.port), theirs);
  });
});

describe('aof-timestamp-enabled', () => {
  it('writes #TS:<unix seconds> before the first command of each second, and at the top of a command-form base', async () => {
    const dir = tmp();
    const clock = new ManualClock(1_700_000_000_000);
    const t = await aofServer(dir, { 'aof-timestamp-enabled': 'yes' }, clock);
    const d = path.join(dir, 'appendonlydir');
    // The first base, written by the server at start-up: its annotation counts as written.
    assert.equal(readFileSync(path.join(d, 'appendonly.aof.1.base.aof'), 'latin1'), '#TS:1700000000\r\n');
    const c = await RawConn.connect(t.port);
    await c.call('SET', 'a', '1');
    clock.advance(1500);
    await c.call('SET', 'b', '1');
    await c.call('MULTI');
    await c.call('SET', 'c', '1');
    await c.call('SELECT', '2');
    await c.call('SET', 'd', '1');
    await c.call('EXEC');
    await c.call('SELECT', '0');
    clock.advance(1000);
    await c.call('SELECT', '3');
    await c.call('SET', 'f', '1');
    await c.call('GET', 'f');
    assert.equal(
      readFileSync(path.join(d, 'appendonly.aof.1.incr.aof'), 'latin1'),
      encodeCommand(['SELECT', '0']) +
        encodeCommand(['SET', 'a', '1']) +
        '#TS:1700000001\r\n' +
        encodeCommand(['SET', 'b', '1']) +
        encodeCommand(['MULTI']) +
        encodeCommand(['SET', 'c', '1']) +
        encodeCommand(['SELECT', '2']) +
        encodeCommand(['SET', 'd', '1']) +
        encodeCommand(['EXEC']) +
        '#TS:1700000002\r\n' +
        encodeCommand(['SELECT', '3']) +
        encodeCommand(['SET', 'f', '1']),
    );
    // A rewrite's base starts with the time it started; the server's own last annotation is
    // unchanged (Redis writes the base in a child), so a write in the same second gets none.
    clock.advance(200);
    assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
    await waitFor(async () => /aof_rewrite_in_progress:0\r\n/.test(await c.call('INFO', 'persistence')), 10000, 'the rewrite');
    assert.match(readFileSync(path.join(d, 'appendonly.aof.2.base.aof'), 'latin1'), /^#TS:1700000002\r\n\*2\r\n\$6\r\nSELECT\r\n/);
    await c.call('SET', 'g', '1');
    clock.advance(1000);
    await c.call('CONFIG', 'SET', 'aof-timestamp-enabled', 'no');
    await c.call('SET', 'h', '1');
    await c.call('CONFIG', 'SET', 'aof-timestamp-enabled', 'yes');
    await c.call('SET', 'i', '1');
    c.close();
    assert.equal(
      readFileSync(path.join(d, 'appendonly.aof.2.incr.aof'), 'latin1'),
      encodeCommand(['SELECT', '3']) +
        encodeCommand(['SET', 'g', '1']) +
        encodeCommand(['SET', 'h', '1']) +
        '#TS:1700000003\r\n' +
        encodeCommand(['SET', 'i', '1']),
    );
    // The annotated files load back.
    const keys = await snapshot(t.port);
    await t.close();
    const t2 = await aofServer(dir);
    assert.deepEqual(await snapshot(t2.port), keys);
    assert.equal(keys.length, 8);
  });

  it('no annotation in an RDB base, and none when the directive is off', async () => {
    const dir = tmp();
    const clock = new ManualClock(1_700_000_000_000);
    const t = await aofServer(dir, { 'aof-timestamp-enabled': 'yes', 'aof-use-rdb-preamble': 'yes' }, clock);
    const d = path.join(dir, 'appendonlydir');
    assert.match(readFileSync(path.join(d, 'appendonly.aof.1.base.rdb'), 'latin1'), /^REDIS0010/);
    const c = await RawConn.connect(t.port);
    await c.call('SET', 'a', '1');
    c.close();
    assert.equal(readFileSync(path.join(d, 'appendonly.aof.1.incr.aof'), 'latin1'), '#TS:1700000000\r\n' + encodeCommand(['SELECT', '0']) + encodeCommand(['SET', 'a', '1']));
    const dir2 = tmp();
    const t2 = await aofServer(dir2, {}, clock);
    const c2 = await RawConn.connect(t2.port);
    await c2.call('SET', 'a', '1');
    c2.close();
    assert.equal(readFileSync(path.join(dir2, 'appendonlydir', 'appendonly.aof.1.base.aof'), 'latin1'), '');
    assert.equal(readFileSync(path.join(dir2, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1'), encodeCommand(['SELECT', '0']) + encodeCommand(['SET', 'a', '1']));
  });

  it('writes the files redis-server 7.0.15 writes, and each loads the other\'s', { skip: !haveRedis() && 'redis-server not installed' }, async () => {
    const rdir = tmp();
    const ref = await startRedis(['--dir', rdir, '--appendonly', 'yes', '--appendfsync', 'always', '--aof-use-rdb-preamble', 'no', '--aof-timestamp-enabled', 'yes']);
    refs.push(ref);
    const dir = tmp();
    const t = await aofServer(dir, { 'aof-timestamp-enabled': 'yes' });
    for (const port of [ref.port, t.port]) await populate(port, 1);
    const files = (d: string): Buffer[] => ['appendonly.aof.1.base.aof', 'appendonly.aof.1.incr.aof'].map((f) => readFileSync(path.join(d, 'appendonlydir', f)));
    const [rBase, rIncr] = files(rdir);
    const [mBase, mIncr] = files(dir);
    // Which commands an annotation precedes depends on when the seconds turn: the annotations are
    // compared by form and place, the commands without them.
    assert.equal(annotations(rBase!).lines.length, 1);
    assert.equal(annotations(mBase!).lines.length, 1);
    assert.match(rBase!.toString('latin1'), /^#TS:\d{10}\r\n$/);
    assert.match(mBase!.toString('latin1'), /^#TS:\d{10}\r\n$/);
    const norm = (s: string): string => s.replace(/\$13\r\n\d{13}\r\n/g, 'TIME');
    assert.equal(norm(annotations(mIncr!).rest), norm(annotations(rIncr!).rest));
    const mine = await snapshot(t.port);
    const theirs = await snapshot(ref.port);
    await t.close();
    const t2 = await aofServer(rdir);
    assert.deepEqual(await snapshot(t2.port), theirs);
    const ref2 = await startRedis(['--dir', dir, '--appendonly', 'yes']);
    refs.push(ref2);
    await loaded(ref2.port);
    assert.deepEqual(await snapshot(ref2.port), mine);
  });
});

describe('Upgrading a Redis 6 single appendonly.aof', () => {
  const OLD = encodeCommand(['SELECT', '1']) + encodeCommand(['SET', 'legacy', 'yes']) + encodeCommand(['RPUSH', 'l', 'a', 'b']);

  /** What an upgraded directory holds: the files of `dir` and of its AOF directory, the manifest. */
  function layout(dir: string): { root: string[]; aof: string[]; manifest: string; base: string } {
    const d = path.join(dir, 'appendonlydir');
    return {
      root: readdirSync(dir).filter((f) => f !== 'log').sort(),
      aof: readdirSync(d).sort(),
      manifest: readFileSync(path.join(d, 'appendonly.aof.manifest'), 'latin1'),
      base: readFileSync(path.join(d, 'appendonly.aof'), 'latin1'),
    };
  }

  it('moves the file into the AOF directory as the base and adds an incremental file', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'appendonly.aof'), OLD);
    const t = await aofServer(dir);
    assert.ok(t.logs.some((l) => l.endsWith('* Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir).')), t.logs.join('\n'));
    assert.ok(t.logs.some((l) => l.endsWith('* Creating AOF incr file appendonly.aof.1.incr.aof on server start')));
    assert.deepEqual(layout(dir), {
      root: ['appendonlydir'],
      aof: ['appendonly.aof', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest'],
      manifest: 'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
      base: OLD,
    });
    const c = await RawConn.connect(t.port);
    await c.call('SELECT', '1');
    assert.equal(await c.call('GET', 'legacy'), '$3\r\nyes\r\n');
    await c.call('SET', 'new', '1');
    // The next base is seq 2; the old file goes with the rewrite.
    assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
    await waitFor(async () => /aof_rewrite_in_progress:0\r\n/.test(await c.call('INFO', 'persistence')), 10000, 'the rewrite');
    c.close();
    assert.deepEqual(readdirSync(path.join(dir, 'appendonlydir')).sort(), ['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
  });

  it('finishes an upgrade interrupted before the move; leaves a stray file alone once the AOF directory is in use', async () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'appendonlydir'));
    writeFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'file appendonly.aof seq 1 type b\n');
    writeFileSync(path.join(dir, 'appendonly.aof'), OLD);
    const t = await aofServer(dir);
    assert.equal(layout(dir).base, OLD);
    assert.deepEqual(layout(dir).root, ['appendonlydir']);
    await t.close();
    writeFileSync(path.join(dir, 'appendonly.aof'), encodeCommand(['SET', 'stray', '1']));
    const t2 = await aofServer(dir);
    assert.deepEqual(layout(dir).root, ['appendonly.aof', 'appendonlydir']);
    const c = await RawConn.connect(t2.port);
    assert.equal(await c.call('EXISTS', 'stray'), ':0\r\n');
    c.close();
  });

  it('leaves the directory as redis-server 7.0.15 leaves it', { skip: !haveRedis() && 'redis-server not installed' }, async () => {
    for (const setup of [
      (d: string) => writeFileSync(path.join(d, 'appendonly.aof'), OLD),
      (d: string) => {
        // An old file with an RDB preamble, and an AOF directory without a manifest.
        const ks = new Keyspace(16, new ManualClock());
        ks.db(0).set('pre', 'amble');
        const rdb = serializeDataset(ks, { compress: false, checksum: true, listMaxListpackSize: -2, now: Date.now(), usedMem: 0, aofBase: true, access: null, lfuCounter: () => 0, idleSeconds: () => 0 });
        writeFileSync(path.join(d, 'appendonly.aof'), Buffer.concat([rdb, Buffer.from(OLD, 'latin1')]));
        mkdirSync(path.join(d, 'appendonlydir'));
      },
      (d: string) => {
        // Interrupted between the manifest and the move.
        writeFileSync(path.join(d, 'appendonly.aof'), OLD);
        mkdirSync(path.join(d, 'appendonlydir'));
        writeFileSync(path.join(d, 'appendonlydir', 'appendonly.aof.manifest'), 'file appendonly.aof seq 1 type b\n');
      },
    ]) {
      const dir = tmp();
      setup(dir);
      const rdir = copyDir(dir);
      const ref = await startRedis(['--dir', rdir, '--appendonly', 'yes', '--logfile', path.join(rdir, 'log')]);
      refs.push(ref);
      await loaded(ref.port);
      const t = await aofServer(dir);
      const theirs = layout(rdir);
      assert.deepEqual(layout(dir), theirs);
      assert.deepEqual(await snapshot(t.port), await snapshot(ref.port));
      const line = 'Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir).';
      assert.ok(readFileSync(path.join(rdir, 'log'), 'latin1').includes(line));
      assert.ok(t.logs.some((l) => l.endsWith(line)));
    }
  });
});
