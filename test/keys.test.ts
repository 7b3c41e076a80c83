// Generic key and database commands, compared byte for byte with redis-server 7.0.15.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseNotifyFlags } from '../src/server/events.js';
import type { Client } from '../src/server/client.js';
import { ManualClock } from '../src/store/clock.js';
import { RawConn, both, bulkBytes, bulkStrings, haveRedis, sameReplies, sortedReply, startRedis, startServer, waitFor, type RefServer, type TestServer } from './helpers.js';

const HAVE = haveRedis();
const SKIP = HAVE ? false : 'redis-server not installed: differential keyspace tests skipped';

let ours: TestServer;
let ref: RefServer;
let a: RawConn; // Redoubt
let b: RawConn; // redis-server

before(async () => {
  ours = await startServer();
  a = await RawConn.connect(ours.port);
  if (HAVE) {
    ref = await startRedis();
    b = await RawConn.connect(ref.port);
  }
});

after(async () => {
  a?.close();
  b?.close();
  await ours?.close();
  await ref?.close();
});

type Cmd = (string | Buffer)[];

/** Runs each command on both servers; replies must be identical bytes. */
async function same(cmds: Cmd[]): Promise<void> {
  await sameReplies(a, b, cmds);
}

/** Runs on both servers, ignoring the replies (setup). */
async function setup(cmds: Cmd[]): Promise<void> {
  const replies = await both(a, b, cmds);
  cmds.forEach((c, i) => {
    const [x, y] = replies[i]!;
    assert.ok(!x.startsWith('-') && !y.startsWith('-'), `setup ${c.join(' ')}: ${x} / ${y}`);
  });
}

/** Replies compared as sets (KEYS). */
async function sameSorted(cmd: Cmd): Promise<void> {
  await sameReplies(a, b, [{ cmd, normalize: (r) => sortedReply(r) }]);
}

async function fresh(): Promise<void> {
  await setup([['FLUSHALL'], ['SELECT', '0']]);
}

test('DEL UNLINK EXISTS TYPE DBSIZE', { skip: SKIP }, async () => {
  await fresh();
  await setup([['SET', 'a', '1'], ['SET', 'b', '2'], ['SET', 'c', '3']]);
  await same([
    ['EXISTS', 'a', 'a', 'b', 'nope'],
    ['TYPE', 'a'],
    ['TYPE', 'nope'],
    ['DBSIZE'],
    ['DEL', 'a', 'a', 'nope'],
    ['UNLINK', 'b', 'c', 'b'],
    ['EXISTS', 'a', 'b', 'c'],
    ['DBSIZE'],
    ['DEL'],
    ['UNLINK'],
    ['EXISTS'],
    ['TYPE'],
    ['TYPE', 'a', 'b'],
    ['DBSIZE', 'x'],
  ]);
  // Binary keys.
  await setup([['SET', Buffer.from([0, 0xff, 0x80, 13, 10]), 'v']]);
  await same([['EXISTS', Buffer.from([0, 0xff, 0x80, 13, 10])], ['DEL', Buffer.from([0, 0xff, 0x80, 13, 10])]]);
});

test('KEYS with patterns (sorted comparison), including a random-pattern property', { skip: SKIP }, async () => {
  await fresh();
  const keys = ['foo', 'foobar', 'fo', 'f*o', 'hello', 'hallo', 'hxllo', 'hllo', '[x]', 'a\\b', '\xe0', '\xff', 'A', 'B', '-', ']', '^', ''];
  await setup(keys.map((k) => ['SET', Buffer.from(k, 'latin1'), '1']));
  for (const p of ['*', '**', 'f*', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[a-b]llo', 'f\\*o', '[\\[]x]', 'a\\\\b', '[a-\xff]', '[\x30-\x80]', '[a-]', '[abc', '', '?', '[]]', 'fo[', 'x']) {
    await sameSorted(['KEYS', Buffer.from(p, 'latin1')]);
  }
  await same([['KEYS'], ['KEYS', 'a', 'b']]);
  const chars = fc.constantFrom('a', 'b', 'f', 'o', 'A', 'h', 'l', '*', '?', '[', ']', '^', '-', '\\', '\xe0', '\xff', 'x');
  const patterns = fc.sample(fc.array(chars, { maxLength: 8 }), 300).map((c) => c.join(''));
  for (const p of patterns) await sameSorted(['KEYS', Buffer.from(p, 'latin1')]);
});

test('SCAN: cursor and option errors as Redis; a full scan returns the same keys', { skip: SKIP }, async () => {
  await fresh();
  await same([
    ['SCAN', 'abc'],
    ['SCAN', '0x10'],
    ['SCAN', '18446744073709551616'],
    ['SCAN', ' 1'],
    ['SCAN', '1 '],
    ['SCAN', '+'],
    ['SCAN', '-'],
    ['SCAN', 'abc', 'COUNT', '0'],
    ['SCAN', '0', 'COUNT', '0'],
    ['SCAN', '0', 'COUNT', '-1'],
    ['SCAN', '0', 'COUNT', 'x'],
    ['SCAN', '0', 'COUNT', '99999999999999999999'],
    ['SCAN', '0', 'MATCH'],
    ['SCAN', '0', 'TYPE'],
    ['SCAN', '0', 'foo', 'bar'],
    ['SCAN', '0', 'COUNT', '1', 'foo'],
    ['SCAN'],
    // An empty database: every valid cursor ends the scan.
    ['SCAN', '0'],
    ['SCAN', ''],
    ['SCAN', '-1'],
    ['SCAN', '+0'],
  ]);
  await setup(Array.from({ length: 300 }, (_, i) => ['SET', `key:${i}`, String(i)]));
  await setup([['SET', 'other', 'x']]);
  for (const opts of [[], ['COUNT', '7'], ['MATCH', 'key:1*'], ['MATCH', 'key:1*', 'COUNT', '1000'], ['TYPE', 'string'], ['TYPE', 'STRING', 'MATCH', 'o*'], ['TYPE', 'list'], ['TYPE', 'nosuchtype'], ['MATCH', '*']]) {
    const collect = async (c: RawConn): Promise<string[]> => {
      const seen = new Set<string>();
      let cursor = '0';
      for (let i = 0; i < 10000; i++) {
        const r = await c.call('SCAN', cursor, ...opts);
        const items = bulkStrings(r);
        cursor = items[0]!;
        // the reply is *2 [cursor] [*n items]: flatten the nested array
        const nested = r.slice(r.indexOf('\r\n', r.indexOf('\r\n', r.indexOf('\r\n') + 2) + 2) + 2);
        for (const k of bulkStrings(nested)) seen.add(k);
        if (cursor === '0') break;
      }
      return [...seen].sort();
    };
    assert.deepEqual(await collect(a), await collect(b), `SCAN ${opts.join(' ')}`);
  }
});

test('SCAN returns every key present for the whole scan, under concurrent writes', { skip: false }, async () => {
  await a.call('FLUSHALL');
  for (let i = 0; i < 500; i++) a.send('SET', `stable:${i}`, '1');
  for (let i = 0; i < 500; i++) await a.reply();
  const seen = new Set<string>();
  let cursor = '0';
  let step = 0;
  do {
    const r = await a.call('SCAN', cursor, 'COUNT', '13');
    cursor = bulkStrings(r)[0]!;
    const nested = r.slice(r.indexOf('\r\n', r.indexOf('\r\n', r.indexOf('\r\n') + 2) + 2) + 2);
    for (const k of bulkStrings(nested)) seen.add(k);
    // Writes between calls: new keys, deletions of other new keys, rewrites of stable keys.
    await a.call('SET', `new:${step}`, '1');
    await a.call('DEL', `new:${step - 3}`);
    await a.call('SET', `stable:${(step * 7) % 500}`, '2');
    // Abandoned scans push the cache around (and the fallback gets exercised below).
    await a.call('SCAN', '0', 'COUNT', '1');
    step++;
  } while (cursor !== '0');
  for (let i = 0; i < 500; i++) assert.ok(seen.has(`stable:${i}`), `stable:${i} missed`);
  // The same with the cursor cache dropped between every call (the fallback path).
  const seen2 = new Set<string>();
  cursor = '0';
  step = 0;
  do {
    ours.server.ks.scanCursors.clear();
    const r = await a.call('SCAN', cursor, 'COUNT', '17');
    cursor = bulkStrings(r)[0]!;
    const nested = r.slice(r.indexOf('\r\n', r.indexOf('\r\n', r.indexOf('\r\n') + 2) + 2) + 2);
    for (const k of bulkStrings(nested)) seen2.add(k);
    await a.call('DEL', `stable:${(step * 11) % 250}`, `new:${step}`);
    await a.call('SET', `later:${step}`, '1');
    step++;
  } while (cursor !== '0');
  for (let i = 250; i < 500; i++) assert.ok(seen2.has(`stable:${i}`), `stable:${i} missed by the fallback`);
});

test('RANDOMKEY', { skip: SKIP }, async () => {
  await fresh();
  await same([['RANDOMKEY'], ['SET', 'only', '1'], ['RANDOMKEY'], ['RANDOMKEY', 'x']]);
  await setup([['HELLO', '3']]);
  await same([['DEL', 'only'], ['RANDOMKEY'], ['SET', 'one', '1'], ['SCAN', '0'], ['KEYS', '*'], ['TYPE', 'one'], ['TTL', 'one'], ['EXISTS', 'one'], ['DBSIZE'], ['SCAN', 'x']]);
  await setup([['HELLO', '2']]);
});

test('RENAME and RENAMENX, with TTLs', { skip: SKIP }, async () => {
  await fresh();
  await same([
    ['RENAME', 'nope', 'x'],
    ['RENAMENX', 'nope', 'x'],
    ['RENAME', 'nope', 'nope'],
    ['SET', 'a', '1'],
    ['RENAME', 'a', 'a'],
    ['RENAMENX', 'a', 'a'],
    ['RENAME', 'a', 'b'],
    ['EXISTS', 'a'],
    ['GET', 'b'],
    ['SET', 'c', '3'],
    ['RENAMENX', 'b', 'c'],
    ['RENAME', 'b', 'c'],
    ['GET', 'c'],
    ['PEXPIREAT', 'c', '4000000000000'],
    ['RENAME', 'c', 'd'],
    ['PEXPIRETIME', 'd'],
    ['SET', 'e', '5'],
    ['PEXPIREAT', 'e', '4000000000001'],
    ['RENAME', 'd', 'e'],
    ['PEXPIRETIME', 'e'],
    ['SET', 'f', 'x'],
    ['PEXPIREAT', 'f', '4000000000002'],
    ['SET', 'g', 'y'],
    ['RENAME', 'g', 'f'],
    ['PEXPIRETIME', 'f'],
    ['RENAMENX', 'f', 'h'],
    ['RENAME'],
    ['RENAME', 'a'],
  ]);
});

test('COPY: options, errors, TTL, independence', { skip: SKIP }, async () => {
  await fresh();
  await same([
    ['COPY', 'x', 'x'],
    ['COPY', 'x', 'y', 'DB', '99'],
    ['COPY', 'x', 'y', 'DB', '-1'],
    ['COPY', 'x', 'y', 'DB', 'abc'],
    ['COPY', 'x', 'y', 'DB'],
    ['COPY', 'x', 'y', 'foo'],
    ['COPY', 'x', 'x', 'DB', '0'],
    ['COPY', 'x', 'x', 'DB', '1'],
    ['COPY', 'x', 'y'],
    ['SET', 'x', 'v'],
    ['COPY', 'x', 'y'],
    ['GET', 'y'],
    ['SET', 'x', 'w'],
    ['GET', 'y'],
    ['COPY', 'x', 'y'],
    ['COPY', 'x', 'y', 'REPLACE'],
    ['COPY', 'x', 'y', 'replace', 'replace'],
    ['GET', 'y'],
    ['PEXPIREAT', 'x', '4000000000000'],
    ['COPY', 'x', 'z'],
    ['PEXPIRETIME', 'z'],
    ['COPY', 'x', 'x', 'DB', '2'],
    ['COPY', 'x', 'x', 'DB', '2'],
    ['COPY', 'x', 'x', 'DB', '2', 'REPLACE'],
    ['SELECT', '2'],
    ['PEXPIRETIME', 'x'],
    ['GET', 'x'],
    ['DBSIZE'],
    ['SELECT', '0'],
    ['COPY', 'y', 'yy', 'DB', '1', 'DB', '3'],
    ['SELECT', '3'],
    ['EXISTS', 'yy'],
    ['PEXPIRETIME', 'yy'],
    ['SELECT', '0'],
  ]);
});

test('MOVE: errors, TTL, existing target', { skip: SKIP }, async () => {
  await fresh();
  await same([
    ['MOVE', 'x', '0'],
    ['MOVE', 'x', '99'],
    ['MOVE', 'x', '-1'],
    ['MOVE', 'x', 'abc'],
    ['MOVE', 'x', '2147483648'],
    ['MOVE', 'x', '-2147483649'],
    ['MOVE', 'x', '9223372036854775808'],
    ['MOVE', 'x', '1'],
    ['SET', 'x', '1'],
    ['PEXPIREAT', 'x', '4000000000000'],
    ['MOVE', 'x', '1'],
    ['EXISTS', 'x'],
    ['SELECT', '1'],
    ['PEXPIRETIME', 'x'],
    ['SET', 'y', 'in1'],
    ['SELECT', '0'],
    ['SET', 'y', 'in0'],
    ['MOVE', 'y', '1'],
    ['GET', 'y'],
    ['MOVE'],
  ]);
});

test('EXPIRE family: options, conflicts, overflow, negative and past times', { skip: SKIP }, async () => {
  await fresh();
  await same([
    ['EXPIRE', 'nope', '100'],
    ['EXPIRE', 'nope', 'abc'],
    ['EXPIRE', 'nope', '100', 'foo'],
    ['EXPIRE', 'nope', 'abc', 'foo'],
    ['SET', 'k', 'v'],
    ['EXPIRE', 'k', ''],
    ['EXPIRE', 'k', '1.5'],
    ['EXPIRE', 'k', '100', 'NX', 'XX'],
    ['EXPIRE', 'k', '100', 'nx', 'gt'],
    ['EXPIRE', 'k', '100', 'NX', 'LT'],
    ['EXPIRE', 'k', '100', 'GT', 'LT'],
    ['EXPIRE', 'k', '100', 'XX', 'GT', 'LT'],
    ['EXPIRE', 'k', '100', 'NX', 'BAD'],
    ['EXPIRE', 'k', '100', 'a\r\nb'],
    ['EXPIRE', 'k', '9223370399119966'],
    ['EXPIRE', 'k', '9223372036854776'],
    ['EXPIRE', 'k', '10000000000000000'],
    ['EXPIRE', 'k', '18446744073709561'],
    ['EXPIRE', 'k', '-9223372036854776'],
    ['EXPIRE', 'k', '-9999999999999999'],
    ['EXPIRE', 'k', '9223372036854775808'],
    // Either side of the 12-digit fast path (plain numbers up to 12 digits, 64-bit beyond).
    ['EXPIRE', 'k', '999999999999'],
    ['TTL', 'k'],
    ['EXPIRE', 'k', '1000000000000'],
    ['TTL', 'k'],
    ['PEXPIRE', 'k', '-99999999999'],
    ['EXISTS', 'k'],
    ['SET', 'k', 'v'],
    ['EXPIRE', 'k', '0x10'],
    ['EXPIRE', 'k', '+5'],
    ['EXPIRE', 'k', '05'],
    ['PEXPIRE', 'k', '9223372036854770000'],
    ['EXPIREAT', 'k', '9223372036854776'],
    ['TTL', 'k'],
    // NX XX GT LT against a key without a TTL
    ['EXPIREAT', 'k', '4000000000', 'XX'],
    ['EXPIREAT', 'k', '4000000000', 'GT'],
    ['EXPIREAT', 'k', '4000000000', 'LT', 'XX'],
    ['EXPIREAT', 'k', '4000000000', 'LT'],
    ['EXPIRETIME', 'k'],
    // ... and with one
    ['EXPIREAT', 'k', '4000000001', 'NX'],
    ['EXPIREAT', 'k', '4000000001', 'XX'],
    ['EXPIREAT', 'k', '4000000000', 'GT'],
    ['EXPIREAT', 'k', '4000000001', 'GT'],
    ['EXPIREAT', 'k', '4000000002', 'gt', 'xx'],
    ['EXPIREAT', 'k', '4000000002', 'LT'],
    ['EXPIREAT', 'k', '4000000001', 'LT'],
    ['EXPIRETIME', 'k'],
    ['PEXPIRETIME', 'k'],
    ['PEXPIREAT', 'k', '4000000001499'],
    ['EXPIRETIME', 'k'],
    ['PEXPIREAT', 'k', '4000000001500'],
    ['EXPIRETIME', 'k'],
    ['EXPIRE', 'k', '100'],
    ['TTL', 'k'],
    ['PERSIST', 'k'],
    ['PERSIST', 'k'],
    ['PERSIST', 'nope'],
    ['TTL', 'k'],
    ['PTTL', 'k'],
    ['EXPIRETIME', 'k'],
    ['PEXPIRETIME', 'k'],
    ['TTL', 'nope'],
    ['PTTL', 'nope'],
    ['EXPIRETIME', 'nope'],
    ['PEXPIRETIME', 'nope'],
    // Times in the past delete the key (and say 1).
    ['EXPIRE', 'k', '-5'],
    ['EXISTS', 'k'],
    ['SET', 'k', 'v'],
    ['PEXPIREAT', 'k', '-9223372036854770000'],
    ['TTL', 'k'],
    ['SET', 'k', 'v'],
    ['EXPIREAT', 'k', '1', 'NX'],
    ['EXISTS', 'k'],
    ['SET', 'k', 'v'],
    ['EXPIRE', 'k', '-1', 'GT'],
    ['EXPIRE', 'k', '-1', 'LT'],
    ['EXISTS', 'k'],
    ['SET', 'k', 'v'],
    ['PEXPIREAT', 'k', '9223372036854770000'],
    ['EXISTS', 'k'],
    ['EXPIRE'],
    ['EXPIRE', 'k'],
    ['TTL'],
    ['PERSIST'],
  ]);
});

test('TOUCH', { skip: SKIP }, async () => {
  await fresh();
  await same([['SET', 'a', '1'], ['SET', 'b', '1'], ['TOUCH', 'a', 'b', 'c', 'a'], ['TOUCH']]);
});

test('OBJECT ENCODING REFCOUNT FREQ HELP and errors', { skip: SKIP }, async () => {
  await fresh();
  const values = ['1', '-5', '0', '01', '-0', '+1', ' 1', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '12345678901234567890', '', 'x'.repeat(44), 'x'.repeat(45), '9999', '10000', '3.14'];
  await setup(values.map((v, i) => ['SET', `v${i}`, v]));
  for (let i = 0; i < values.length; i++) await same([['OBJECT', 'ENCODING', `v${i}`], ['OBJECT', 'REFCOUNT', `v${i}`]]);
  await same([
    ['OBJECT', 'ENCODING', 'nope'],
    ['OBJECT', 'REFCOUNT', 'nope'],
    ['OBJECT', 'FREQ', 'nope'],
    ['OBJECT', 'IDLETIME', 'nope'],
    ['OBJECT', 'FREQ', 'v0'],
    ['OBJECT', 'HELP'],
    ['object', 'help'],
    ['OBJECT', 'foo', 'v0'],
    ['OBJECT'],
    ['OBJECT', 'ENCODING'],
    ['OBJECT', 'ENCODING', 'a', 'b'],
    ['OBJECT', 'HELP', 'x'],
  ]);
  await setup([['HELLO', '3']]);
  await same([['OBJECT', 'ENCODING', 'nope'], ['OBJECT', 'HELP']]);
  await setup([['HELLO', '2'], ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu']]);
  await same([['OBJECT', 'IDLETIME', 'v0'], ['OBJECT', 'IDLETIME', 'nope']]);
  // The LFU counter of a new key, and after reads (log factor 0: one step per access).
  await setup([['CONFIG', 'SET', 'lfu-log-factor', '0']]);
  await same([['SET', 'f1', 'x'], ['OBJECT', 'FREQ', 'f1'], ['GET', 'f1'], ['GET', 'f1'], ['OBJECT', 'FREQ', 'f1']]);
  // Under an LRU policy (0 or 1: a second may tick between two commands).
  await setup([['CONFIG', 'SET', 'lfu-log-factor', '10'], ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'], ['SET', 'i1', 'x']]);
  for (const conn of [a, b]) assert.match(await conn.call('OBJECT', 'IDLETIME', 'i1'), /^:[01]\r\n$/);
  // And under a policy that does not evict by it (0..2: v0 was stored a moment ago).
  await setup([['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']]);
  for (const conn of [a, b]) assert.match(await conn.call('OBJECT', 'IDLETIME', 'v0'), /^:[012]\r\n$/);
  // With maxmemory and an LRU policy Redis does not share integers.
  await setup([['CONFIG', 'SET', 'maxmemory', '1000000000'], ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru']]);
  await same([['SET', 'n', '7'], ['OBJECT', 'REFCOUNT', 'n'], ['OBJECT', 'ENCODING', 'n']]);
  await setup([['CONFIG', 'SET', 'maxmemory', '0'], ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']]);
});

test('SWAPDB FLUSHDB FLUSHALL DBSIZE', { skip: SKIP }, async () => {
  await fresh();
  await same([
    ['SET', 'a', '0'],
    ['SELECT', '1'],
    ['SET', 'b', '1'],
    ['SET', 'c', '1'],
    ['SWAPDB', '0', '1'],
    ['DBSIZE'],
    ['GET', 'a'],
    ['SELECT', '0'],
    ['GET', 'b'],
    ['SWAPDB', '0', '0'],
    ['SWAPDB', '0', '99'],
    ['SWAPDB', '-1', '0'],
    ['SWAPDB', 'a', '1'],
    ['SWAPDB', '1', 'b'],
    ['SWAPDB', 'a', 'b'],
    ['SWAPDB', '2147483648', '0'],
    ['SWAPDB', '0', '2147483648'],
    ['SWAPDB', '0'],
    ['FLUSHDB', 'foo'],
    ['FLUSHDB', 'ASYNC', 'x'],
    ['FLUSHALL', 'foo'],
    ['FLUSHALL', 'sync', 'sync'],
    ['FLUSHDB', 'sync'],
    ['DBSIZE'],
    ['SELECT', '1'],
    ['DBSIZE'],
    ['FLUSHDB', 'ASYNC'],
    ['DBSIZE'],
    ['SET', 'x', '1'],
    ['SELECT', '5'],
    ['SET', 'y', '1'],
    ['FLUSHALL', 'async'],
    ['DBSIZE'],
    ['SELECT', '1'],
    ['DBSIZE'],
    ['FLUSHALL'],
    ['FLUSHDB'],
    ['SELECT', '0'],
  ]);
});

test('dirty counter moves as Redis\'s rdb_changes_since_last_save does', { skip: SKIP }, async () => {
  await fresh();
  const refDirty = async (): Promise<number> => Number(/rdb_changes_since_last_save:(\d+)/.exec(await b.call('INFO', 'persistence'))![1]);
  const seq: Cmd[] = [
    ['SET', 'a', '1'],
    ['SET', 'b', '1'],
    ['SET', 'c', '1'],
    ['DEL', 'a', 'b', 'nope'],
    ['UNLINK', 'nope'],
    ['EXISTS', 'c'],
    ['EXPIRE', 'c', '100'],
    ['EXPIRE', 'nope', '100'],
    ['EXPIRE', 'c', '100', 'NX'],
    ['PERSIST', 'c'],
    ['PERSIST', 'c'],
    ['RENAME', 'c', 'd'],
    ['RENAMENX', 'd', 'd'],
    ['COPY', 'd', 'e'],
    ['MOVE', 'e', '1'],
    ['SWAPDB', '0', '1'],
    ['SWAPDB', '0', '0'],
    ['TOUCH', 'd'],
    ['EXPIRE', 'e', '-1'],
    ['SET', 'f', '1'],
    ['SET', 'g', '1'],
    ['FLUSHDB'],
    ['SET', 'h', '1'],
    ['FLUSHALL'],
  ];
  for (const c of seq) {
    const d0 = ours.server.ks.stats.dirty;
    const r0 = await refDirty();
    await same([c]);
    assert.equal(ours.server.ks.stats.dirty - d0, (await refDirty()) - r0, `dirty after ${c.join(' ')}`);
  }
});

test('KEYS and SCAN MATCH: a pattern past the glob caps matches nothing, without an error, promptly', { skip: SKIP }, async () => {
  const long = 'a'.repeat(2000) + 'b';
  await setup([['FLUSHALL'], ['SET', long, '1'], ['SET', 'ab', '1']]);
  const t0 = performance.now();
  // Redis's nesting cap: the 1001st star group that is not trailing ends the match.
  for (const pat of ['a*'.repeat(1000) + 'b', 'a*'.repeat(1001) + 'b', 'a*'.repeat(1001), '*a'.repeat(1001) + '*', 'a*'.repeat(100) + 'b']) {
    await same([['KEYS', pat], ['SCAN', '0', 'MATCH', pat, 'COUNT', '100']]);
  }
  assert.ok(performance.now() - t0 < 2000, 'took too long');
  // Redoubt's own length cap (Redis has none): nothing matches a pattern over 64 KB.
  const huge = 'a'.repeat(70 * 1024);
  await setup([['SET', huge, '1']]);
  assert.equal(await a.call('KEYS', huge), '*0\r\n');
  assert.equal(await a.call('SCAN', '0', 'MATCH', huge, 'COUNT', '100'), '*2\r\n$1\r\n0\r\n*0\r\n');
  assert.equal(await a.call('KEYS', '*'.repeat(60_000) + 'zz'), '*0\r\n');
  await setup([['FLUSHALL']]);
});

test('keyspace notifications and WATCH invalidation from key commands', async () => {
  const events: string[] = [];
  const ev = ours.server.events;
  await a.call('FLUSHALL');
  ev.flags = parseNotifyFlags('KEA')!;
  ev.publish = (ch, msg) => events.push(`${ch} ${msg}`);
  try {
    await a.call('SET', 'k', 'v');
    events.length = 0;
    await a.call('EXPIRE', 'k', '100');
    await a.call('PERSIST', 'k');
    await a.call('RENAME', 'k', 'k2');
    await a.call('COPY', 'k2', 'k3', 'DB', '1');
    await a.call('SELECT', '1');
    await a.call('MOVE', 'k3', '2');
    await a.call('SELECT', '0');
    await a.call('DEL', 'k2', 'nope');
    await a.call('SET', 'k', 'v');
    await a.call('EXPIRE', 'k', '-1');
    const generic = events.filter((e) => e.startsWith('__keyevent@')).filter((e) => !e.includes(':set '));
    assert.deepEqual(generic, [
      '__keyevent@0__:expire k',
      '__keyevent@0__:persist k',
      '__keyevent@0__:rename_from k',
      '__keyevent@0__:rename_to k2',
      '__keyevent@1__:copy_to k3',
      '__keyevent@1__:move_from k3',
      '__keyevent@2__:move_to k3',
      '__keyevent@0__:del k2',
      '__keyevent@0__:del k',
    ]);
  } finally {
    ev.flags = 0;
    ev.publish = null;
  }
  // WATCH: FLUSHDB and SWAPDB dirty only keys that exist on either side.
  const fake = () => ({ watching: [], watchDirty: false }) as unknown as Client;
  const w1 = fake();
  const w2 = fake();
  const w3 = fake();
  await a.call('SET', 'present', '1');
  ev.watch(w1, ours.server.ks.db(0), 'present');
  ev.watch(w2, ours.server.ks.db(0), 'absent');
  ev.watch(w3, ours.server.ks.db(0), 'inother');
  await a.call('SELECT', '1');
  await a.call('SET', 'inother', '1');
  await a.call('SELECT', '0');
  await a.call('FLUSHDB');
  assert.deepEqual([w1.watchDirty, w2.watchDirty, w3.watchDirty], [true, false, false]);
  await a.call('SWAPDB', '0', '1');
  assert.deepEqual([w1.watchDirty, w2.watchDirty, w3.watchDirty], [true, false, true]);
  for (const w of [w1, w2, w3]) ev.unwatchAll(w);
  await a.call('FLUSHALL');
});

test('INFO lazyfreed_objects counts what Redis frees in the background: big values dropped by UNLINK or a lazy DEL, keys of an ASYNC flush', { skip: !haveRedis() && 'redis-server not installed' }, async () => {
  const t = await startServer({});
  const ref = await startRedis();
  const counts: number[][] = [];
  try {
    for (const port of [t.port, ref.port]) {
      const c = await RawConn.connect(port);
      const lazyfreed = async (): Promise<number> => {
        // Redis frees in a background thread: wait until nothing is pending.
        let info = '';
        await waitFor(async () => /lazyfree_pending_objects:0\r\n/.test((info = await c.call('INFO', 'memory'))), 20_000, 'lazy frees to end');
        return Number(/lazyfreed_objects:(\d+)/.exec(info)![1]);
      };
      const got: number[] = [];
      try {
        await c.call('CONFIG', 'RESETSTAT');
        await c.call('SADD', 'small', '1', '2', '3');
        await c.call('SADD', 'big', ...Array.from({ length: 100 }, (_, i) => `m${i}`));
        await c.call('HSET', 'h', ...Array.from({ length: 600 }, (_, i) => `f${i}`));
        await c.call('ZADD', 'z', ...Array.from({ length: 200 }, (_, i) => [String(i), `m${i}`]).flat());
        await c.call('CONFIG', 'SET', 'stream-node-max-entries', '5');
        for (let i = 1; i <= 1000; i++) await c.call('XADD', 'st', `1-${i}`, i % 10 === 0 ? 'bar' : 'foo', String(i));
        await c.call('XGROUP', 'CREATE', 'st', 'g', '0');
        await c.call('XADD', 'tiny', '1-1', 'a', 'b');
        await c.call('CONFIG', 'SET', 'stream-node-max-entries', '100');
        await c.call('UNLINK', 'small', 'big', 'st', 'tiny', 'missing');
        got.push(await lazyfreed());
        await c.call('DEL', 'h');
        got.push(await lazyfreed());
        await c.call('CONFIG', 'SET', 'lazyfree-lazy-user-del', 'yes');
        await c.call('DEL', 'z');
        await c.call('CONFIG', 'SET', 'lazyfree-lazy-user-del', 'no');
        got.push(await lazyfreed());
        await c.call('MSET', 'a', '1', 'b', '2', 'c', '3');
        await c.call('FLUSHALL', 'ASYNC');
        got.push(await lazyfreed());
        await c.call('SET', 'd', '1');
        await c.call('FLUSHDB', 'SYNC');
        got.push(await lazyfreed());
        await c.call('CONFIG', 'RESETSTAT');
        got.push(await lazyfreed());
      } finally {
        c.close();
      }
      counts.push(got);
    }
  } finally {
    await t.close();
    await ref.close();
  }
  assert.deepEqual(counts[0], counts[1]);
  assert.deepEqual(counts[0], [2, 2, 3, 6, 6, 0]);
});

test('OBJECT IDLETIME counts seconds since the last access under noeviction; DEBUG OBJECT shows it; only an LRU policy saves it in RDB files', async () => {
  // On a whole second: the LRU clock counts whole seconds, as Redis's.
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  const t = await startServer({ 'enable-debug-command': 'yes' }, clock);
  const c = await RawConn.connect(t.port);
  try {
    assert.equal(await c.call('CONFIG', 'GET', 'maxmemory-policy'), '*2\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n');
    await c.call('SET', 'k', 'v');
    await c.call('SET', 'cold', 'v');
    clock.advance(5_400);
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'k'), ':5\r\n');
    // OBJECT, TTL and its kin, TYPE, EXISTS and SCAN do not count as an access (as Redis); a read and a write do.
    for (const cmd of [['TTL', 'k'], ['PTTL', 'k'], ['EXPIRETIME', 'k'], ['TYPE', 'k'], ['EXISTS', 'k'], ['SCAN', '0'], ['SCAN', '0', 'TYPE', 'string']]) await c.call(...cmd);
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'k'), ':5\r\n');
    assert.match(await c.call('DEBUG', 'OBJECT', 'k'), / lru_seconds_idle:5\r\n$/);
    await c.call('GET', 'k');
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'k'), ':0\r\n');
    clock.advance(3_000);
    await c.call('APPEND', 'k', 'w');
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'k'), ':0\r\n');
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'cold'), ':8\r\n');
    await c.call('SET', 'touched', 'v');
    clock.advance(2_000);
    assert.equal(await c.call('TOUCH', 'touched'), ':1\r\n');
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'touched'), ':0\r\n');
    // A key deleted and stored again has the access time of its new value.
    for (const cmd of [['MULTI'], ['INCR', 'n'], ['DEL', 'n'], ['INCR', 'n'], ['EXEC']]) await c.call(...cmd);
    clock.advance(3_000);
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'n'), ':3\r\n');
    // RESTORE IDLETIME: as given, and one beyond the clock's range as old as it can tell (not wrapped round to a recent access).
    const payload = bulkBytes(await c.call('DUMP', 'k'));
    assert.equal(await c.call('RESTORE', 'idle', '0', payload, 'IDLETIME', '1000'), '+OK\r\n');
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'idle'), ':1000\r\n');
    assert.equal(await c.call('RESTORE', 'ancient', '0', payload, 'IDLETIME', '3000000000'), '+OK\r\n');
    assert.ok(Number(/^:(\d+)\r\n$/.exec(await c.call('OBJECT', 'IDLETIME', 'ancient'))![1]) > 2_000_000_000);
    await c.call('DEL', 'idle', 'ancient');
    // The file carries idle times only under an LRU policy, as Redis's: reloaded without, the keys start fresh.
    await c.call('DEBUG', 'RELOAD');
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'cold'), ':0\r\n');
    clock.advance(4_000);
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    // A change of policy between LRU kinds keeps the clock, and the file under one carries it.
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'cold'), ':4\r\n');
    await c.call('DEBUG', 'RELOAD');
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'cold'), ':4\r\n');
    // A switch to an LFU policy and back starts the access data afresh: every key as accessed then.
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'), '+OK\r\n');
    clock.advance(10_000);
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction'), '+OK\r\n');
    clock.advance(2_000);
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'cold'), ':2\r\n');
  } finally {
    c.close();
    await t.close();
  }
});
