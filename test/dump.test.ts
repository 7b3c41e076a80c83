// DUMP and RESTORE against redis-server 7.0.15: every type, small and big (across the listpack
// and intset limits, integer members, LZF-compressible and binary strings, -0 and inf scores).
// For each value: Redoubt's DUMP is RESTOREd into redis-server and redis-server's DUMP into
// Redoubt, and what both read back must equal the original. DUMP bytes are compared directly
// where both servers write the same bytes (the `identical` scenarios, with rdbcompression off;
// with it on only where no LZF is involved); they differ, legitimately, for big sets and hashes
// (hash-table order) and for LZF output (another compressor's choices). Then RESTORE's options
// and errors, TTLs, notifications, hand-built old encodings (ziplist, zipmap, quicklist of
// ziplists) loaded by both, and corrupt payloads.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, bulkBytes, haveRedis, differentialPair, sameReplies, rng, sortedReply, waitFor } from './helpers.js';
import { fixtures, payload } from './rdb-fixtures.js';
import { RDB_TYPE } from '../src/persistence/rdb/object.js';
import { crc64 } from '../src/persistence/rdb/crc64.js';

const HAVE_REDIS = haveRedis();
const SKIP = HAVE_REDIS ? false : 'redis-server not installed: differential DUMP tests skipped';

type Cmd = string[];
type Kind = 'string' | 'list' | 'hash' | 'set' | 'zset';

interface Scenario {
  name: string;
  kind: Kind;
  /** Commands that build the value at `key` (run on both servers). */
  build: (key: string) => Cmd[];
  /** DUMP bytes equal with rdbcompression no. */
  identical: boolean;
  /** DUMP bytes equal with rdbcompression yes too (nothing LZF-compressed). */
  identicalCompressed: boolean;
}

/** What a value reads back as: its contents (sorted where Redis's order is its hash table's), size, encoding, TTL. */
async function readBack(c: RawConn, kind: Kind, key: string): Promise<string[]> {
  const out: string[] = [];
  const enc = await c.call('OBJECT', 'ENCODING', key);
  switch (kind) {
    case 'string':
      out.push(await c.call('GET', key), await c.call('STRLEN', key));
      break;
    case 'list':
      out.push(await c.call('LRANGE', key, '0', '-1'), await c.call('LLEN', key));
      break;
    case 'hash':
      out.push(sortedReply(await c.call('HGETALL', key), 2), await c.call('HLEN', key));
      break;
    case 'set':
      out.push(sortedReply(await c.call('SMEMBERS', key), 1), await c.call('SCARD', key));
      break;
    case 'zset':
      out.push(await c.call('ZRANGE', key, '0', '-1', 'WITHSCORES'), await c.call('ZCARD', key));
      break;
  }
  out.push(enc, await c.call('TYPE', key));
  return out;
}

const r = rng(2024);
const binary = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(Math.floor(r() * 256))).join('');
const INT_EDGES = ['0', '12', '13', '127', '128', '-1', '-128', '-129', '-4096', '4095', '-4097', '4096', '32767', '32768', '-32768', '-32769', '8388607', '8388608', '-8388608', '-8388609', '2147483647', '2147483648', '-2147483648', '-2147483649', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '-0', '007', '+5', '1.5', ''];

const SCENARIOS: Scenario[] = [
  { name: 'short string', kind: 'string', build: (k) => [['SET', k, 'hello']], identical: true, identicalCompressed: true },
  ...['0', '-128', '127', '128', '40000', '-2147483648', '2147483647', '2147483648', '12345678901234567890', '007', '-0'].map((v): Scenario => ({ name: `integer-like string ${v}`, kind: 'string', build: (k) => [['SET', k, v]], identical: true, identicalCompressed: true })),
  { name: 'empty string', kind: 'string', build: (k) => [['SET', k, '']], identical: true, identicalCompressed: true },
  { name: '21-byte compressible string', kind: 'string', build: (k) => [['SET', k, 'a'.repeat(21)]], identical: true, identicalCompressed: false },
  { name: 'big compressible string', kind: 'string', build: (k) => [['SET', k, 'Redoubt and Redis. '.repeat(2000)]], identical: true, identicalCompressed: false },
  { name: 'binary incompressible string', kind: 'string', build: (k) => [['SET', k, binary(5000)]], identical: true, identicalCompressed: true },
  { name: 'binary bytes', kind: 'string', build: (k) => [['SET', k, '\x00\r\n\xff\x80 \x01']], identical: true, identicalCompressed: true },
  { name: 'small list with integer edges', kind: 'list', build: (k) => [['RPUSH', k, ...INT_EDGES]], identical: true, identicalCompressed: false },
  { name: 'tiny list', kind: 'list', build: (k) => [['RPUSH', k, 'a', 'b']], identical: true, identicalCompressed: true },
  { name: 'big list (many nodes)', kind: 'list', build: (k) => [['RPUSH', k, ...Array.from({ length: 3000 }, (_, i) => `element-${i}-${'x'.repeat(i % 40)}`)]], identical: true, identicalCompressed: false },
  { name: 'list of big elements (one per node, incompressible)', kind: 'list', build: (k) => [['RPUSH', k, binary(9000), binary(5000), binary(3000), 'small']], identical: true, identicalCompressed: false },
  { name: 'list of 1000-byte elements (8 KB nodes)', kind: 'list', build: (k) => [['RPUSH', k, ...Array.from({ length: 50 }, () => binary(1000))]], identical: true, identicalCompressed: false },
  { name: 'list pushed at the head', kind: 'list', build: (k) => [['LPUSH', k, 'c', 'b', 'a']], identical: true, identicalCompressed: true },
  { name: 'small hash', kind: 'hash', build: (k) => [['HSET', k, 'f', 'v', 'n', '12', 'neg', '-70000', 'bin', '\x00\xff']], identical: true, identicalCompressed: false },
  { name: 'hash at 128 entries (listpack)', kind: 'hash', build: (k) => [['HSET', k, ...Array.from({ length: 256 }, (_, i) => (i % 2 ? String(i * 7) : `field:${i}`))]], identical: true, identicalCompressed: false },
  { name: 'hash over the entries limit (hashtable)', kind: 'hash', build: (k) => [['CONFIG', 'SET', 'hash-max-listpack-entries', '128'], ['HSET', k, ...Array.from({ length: 600 }, (_, i) => `f${i}`)]], identical: false, identicalCompressed: false },
  { name: 'hash with a long value (hashtable)', kind: 'hash', build: (k) => [['HSET', k, 'short', 'v', 'long', 'y'.repeat(65)]], identical: false, identicalCompressed: false },
  { name: 'small intset', kind: 'set', build: (k) => [['SADD', k, '3', '1', '2', '-5']], identical: true, identicalCompressed: true },
  { name: 'intset of 32-bit members', kind: 'set', build: (k) => [['SADD', k, '100000', '-1', '2147483647']], identical: true, identicalCompressed: true },
  { name: 'intset of 64-bit members', kind: 'set', build: (k) => [['SADD', k, '9223372036854775807', '-9223372036854775808', '0']], identical: true, identicalCompressed: false },
  { name: 'intset of 512 members', kind: 'set', build: (k) => [['SADD', k, ...Array.from({ length: 512 }, (_, i) => String(i * 3 - 700))]], identical: true, identicalCompressed: false },
  { name: 'integer set over the intset limit', kind: 'set', build: (k) => [['SADD', k, ...Array.from({ length: 513 }, (_, i) => String(i))]], identical: false, identicalCompressed: false },
  { name: 'set of strings', kind: 'set', build: (k) => [['SADD', k, 'a', 'b', '1', '\x00\xff', 'x'.repeat(100)]], identical: false, identicalCompressed: false },
  { name: 'single-member string set', kind: 'set', build: (k) => [['SADD', k, 'only']], identical: true, identicalCompressed: true },
  { name: 'small zset with special scores', kind: 'zset', build: (k) => [['ZADD', k, '1.5', 'a', '-0', 'b', 'inf', 'c', '-inf', 'd', '0.1', 'e', '1e300', 'f', '100000', 'g', '-3', 'h', '4503599627370496', 'i', '1e-300', 'j']], identical: true, identicalCompressed: false },
  { name: 'zset at 128 members (listpack)', kind: 'zset', build: (k) => [['ZADD', k, ...Array.from({ length: 128 }, (_, i) => [String(i / 4), `m${i}`]).flat()]], identical: true, identicalCompressed: false },
  // -0 is added once the set is a skiplist: a listpack keeps scores as text, where -0 is 0.
  { name: 'big zset (skiplist) with -0, inf and ties', kind: 'zset', build: (k) => [['ZADD', k, 'inf', 'top', '-inf', 'bottom', ...Array.from({ length: 300 }, (_, i) => [String(i % 50), `member${i}`]).flat()], ['ZADD', k, '-0', 'negzero']], identical: true, identicalCompressed: false },
  { name: 'zset with a long member (skiplist)', kind: 'zset', build: (k) => [['ZADD', k, '1', 'z'.repeat(65), '2', 'short', '-0', 'neg']], identical: true, identicalCompressed: false },
];

describe('DUMP / RESTORE vs redis-server', { skip: SKIP }, () => {
  const pair = differentialPair();

  async function forBoth(cmds: Cmd[]): Promise<void> {
    await sameReplies(pair.a, pair.b, cmds);
  }

  for (const sc of SCENARIOS) {
    it(sc.name, async () => {
      const { a, b } = pair;
      const key = `k:${sc.name}`;
      await forBoth([['FLUSHALL'], ['CONFIG', 'SET', 'hash-max-listpack-entries', '128'], ...sc.build(key)]);
      const original = await readBack(a, sc.kind, key);
      assert.deepEqual(await readBack(b, sc.kind, key), original, 'both servers hold the same value');
      for (const compress of ['no', 'yes']) {
        await forBoth([['CONFIG', 'SET', 'rdbcompression', compress]]);
        const ours = bulkBytes(await a.call('DUMP', key));
        const theirs = bulkBytes(await b.call('DUMP', key));
        const expectSame = compress === 'no' ? sc.identical : sc.identicalCompressed;
        if (expectSame) assert.equal(ours.toString('hex'), theirs.toString('hex'), `DUMP bytes, rdbcompression ${compress}`);
        // Across: Redoubt's payload into redis-server, redis-server's into Redoubt.
        const intoRedis = `${key}:from-redoubt:${compress}`;
        const intoRedoubt = `${key}:from-redis:${compress}`;
        assert.equal(await b.call('RESTORE', intoRedis, '0', ours), '+OK\r\n');
        assert.equal(await a.call('RESTORE', intoRedoubt, '0', theirs), '+OK\r\n');
        assert.deepEqual(await readBack(b, sc.kind, intoRedis), original, `redis-server read of Redoubt's DUMP (rdbcompression ${compress})`);
        assert.deepEqual(await readBack(a, sc.kind, intoRedoubt), original, `Redoubt's read of redis-server's DUMP (rdbcompression ${compress})`);
        // And Redoubt reads its own payload.
        assert.equal(await a.call('RESTORE', `${key}:self:${compress}`, '0', ours), '+OK\r\n');
        assert.deepEqual(await readBack(a, sc.kind, `${key}:self:${compress}`), original);
      }
      await forBoth([['CONFIG', 'SET', 'rdbcompression', 'yes']]);
    });
  }

  it('RESTORE IDLETIME sets the idle time under an LRU policy, FREQ the counter under LFU, as Redis', async () => {
    const { a, b } = pair;
    await sameReplies(a, b, [['SET', 'lf', 'bar']]);
    const enc = bulkBytes(await b.call('DUMP', 'lf'));
    await sameReplies(a, b, [
      ['DEL', 'lf'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
      ['RESTORE', 'lf', '0', enc, 'FREQ', '100'],
      ['OBJECT', 'FREQ', 'lf'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'],
      ['RESTORE', 'lr', '0', enc, 'IDLETIME', '1000'],
    ]);
    // 1000, or 1001 when a second ticks between the two commands.
    for (const conn of [a, b]) assert.match(await conn.call('OBJECT', 'IDLETIME', 'lr'), /^:100[01]\r\n$/);
    await sameReplies(a, b, [
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
      ['DEL', 'lf', 'lr'],
    ]);
  });

  it('list-max-listpack-size 5 and -1: same quicklist nodes as Redis', async () => {
    for (const fill of ['5', '-1', '-5', '0']) {
      await forBoth([['FLUSHALL'], ['CONFIG', 'SET', 'rdbcompression', 'no'], ['CONFIG', 'SET', 'list-max-listpack-size', fill], ['RPUSH', 'l', ...Array.from({ length: 200 }, (_, i) => `v${i}${'.'.repeat(i % 60)}`)]]);
      await sameReplies(pair.a, pair.b, [['DUMP', 'l']], ` (list-max-listpack-size ${fill})`);
    }
    await forBoth([['CONFIG', 'SET', 'list-max-listpack-size', '-2'], ['CONFIG', 'SET', 'rdbcompression', 'yes']]);
  });

  it('loaded encodings follow the limits: a small skiplist zset becomes a listpack, a big intset payload a hashtable', async () => {
    const { a, b } = pair;
    await forBoth([['FLUSHALL'], ['CONFIG', 'SET', 'zset-max-listpack-entries', '1'], ['ZADD', 'z', '1', 'a', '2', 'b'], ['SADD', 's', '1', '2', '3'], ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3']]);
    const z = bulkBytes(await b.call('DUMP', 'z'));
    const s = bulkBytes(await b.call('DUMP', 's'));
    const h = bulkBytes(await b.call('DUMP', 'h'));
    assert.equal(z[0], RDB_TYPE.ZSET_2);
    await forBoth([['CONFIG', 'SET', 'zset-max-listpack-entries', '128'], ['CONFIG', 'SET', 'set-max-intset-entries', '2'], ['CONFIG', 'SET', 'hash-max-listpack-entries', '2']]);
    for (const c of [a, b]) {
      await c.call('RESTORE', 'z2', '0', z);
      await c.call('RESTORE', 's2', '0', s);
      await c.call('RESTORE', 'h2', '0', h);
    }
    await sameReplies(a, b, [['OBJECT', 'ENCODING', 'z2'], ['OBJECT', 'ENCODING', 's2'], ['OBJECT', 'ENCODING', 'h2'], ['ZRANGE', 'z2', '0', '-1', 'WITHSCORES']]);
    assert.equal(sortedReply(await a.call('SMEMBERS', 's2'), 1), sortedReply(await b.call('SMEMBERS', 's2'), 1));
    await forBoth([['CONFIG', 'SET', 'set-max-intset-entries', '512'], ['CONFIG', 'SET', 'hash-max-listpack-entries', '128']]);
  });

  it('old encodings, hand-built (ziplist, zipmap, quicklist of ziplists, plain LIST, text-score ZSET): both servers load them alike', async () => {
    const { a, b } = pair;
    await forBoth([['FLUSHALL']]);
    for (const f of fixtures()) {
      const p = payload(f.build);
      const key = `fixture:${f.name}`;
      await sameReplies(a, b, [['RESTORE', key, '0', p]], ` (${f.name})`);
      assert.deepEqual(await readBack(a, f.kind, key), await readBack(b, f.kind, key), f.name);
    }
  });

  it('RESTORE options, argument errors and their order, as Redis', async () => {
    const { a, b } = pair;
    await forBoth([['FLUSHALL'], ['SET', 'src', 'value'], ['SET', 'busy', 'x']]);
    const p = bulkBytes(await b.call('DUMP', 'src'));
    assert.equal(bulkBytes(await a.call('DUMP', 'src')).toString('hex'), p.toString('hex'));
    const ps = p.toString('latin1');
    await sameReplies(a, b, [
      ['DUMP', 'nokey'],
      ['RESTORE', 'busy', '0', ps],
      ['RESTORE', 'busy', '-1', 'garbage'],
      ['RESTORE', 'new', '-1', 'garbage'],
      ['RESTORE', 'new', 'abc', ps],
      ['RESTORE', 'new', '1.5', ps],
      ['RESTORE', 'new', '99999999999999999999', ps],
      ['RESTORE', 'new', '0', 'garbage'],
      ['RESTORE', 'new', '0', ''],
      ['RESTORE', 'new', '0', ps, 'BADOPT'],
      ['RESTORE', 'busy', '0', ps, 'BADOPT'],
      ['RESTORE', 'new', '0', ps, 'IDLETIME'],
      ['RESTORE', 'new', '0', ps, 'IDLETIME', '-1'],
      ['RESTORE', 'new', '0', ps, 'IDLETIME', 'x'],
      ['RESTORE', 'new', '0', ps, 'FREQ', '256'],
      ['RESTORE', 'new', '0', ps, 'FREQ', '-1'],
      ['RESTORE', 'new', '0', ps, 'FREQ', 'x'],
      ['RESTORE', 'new', '0', ps, 'IDLETIME', '10', 'FREQ', '5'],
      ['RESTORE', 'new', '0', ps, 'FREQ', '5', 'IDLETIME', '10'],
      ['RESTORE', 'new', '0', ps, 'IDLETIME', '-1', 'BADOPT'],
      ['RESTORE', 'new', '0', ps, 'FREQ', '255'],
      ['GET', 'new'],
      ['RESTORE', 'new2', '0', ps, 'IDLETIME', '1000', 'replace', 'absttl'],
      ['GET', 'new2'],
      ['RESTORE', 'busy', '0', ps, 'REPLACE'],
      ['GET', 'busy'],
      ['TTL', 'busy'],
      ['RESTORE', 'ttl', '100000', ps],
      ['TTL', 'ttl'],
      ['RESTORE', 'abs', String(Date.now() + 3600_000), ps, 'ABSTTL'],
      ['TTL', 'abs'],
      ['RESTORE', 'past', '1', ps, 'ABSTTL'],
      ['EXISTS', 'past'],
      ['RESTORE', 'busy', '1', ps, 'ABSTTL', 'REPLACE'],
      ['EXISTS', 'busy'],
      ['RESTORE', 'zero', '0', ps, 'ABSTTL'],
      ['TTL', 'zero'],
      ['DBSIZE'],
    ]);
  });

  it('keyspace notifications of RESTORE, as Redis (restore, new, del when an expired ABSTTL replaces a key)', async () => {
    const log = async (c: RawConn, port: number, p: Buffer): Promise<string[]> => {
      const sub = await RawConn.connect(port);
      try {
        const out: string[] = [];
        await c.call('FLUSHALL');
        await c.call('SET', 'busy', 'x');
        await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEAn');
        out.push(await sub.call('PSUBSCRIBE', '__key*__:*'));
        for (const cmd of [['RESTORE', 'k', '0', p], ['RESTORE', 'k', '0', p, 'REPLACE'], ['RESTORE', 'busy', '1', p, 'ABSTTL', 'REPLACE'], ['RESTORE', 'gone', '1', p, 'ABSTTL'], ['RESTORE', 't', '5000', p]] as (string | Buffer)[][]) {
          out.push(await c.call(...cmd));
        }
        await c.call('SET', 'zz-end', '1');
        for (;;) {
          const m = await sub.reply();
          if (m.includes('zz-end')) break;
          out.push(m);
        }
        await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
        return out;
      } finally {
        sub.close();
      }
    };
    await forBoth([['SET', 'src', 'v']]);
    const p = bulkBytes(await pair.b.call('DUMP', 'src'));
    assert.deepEqual(await log(pair.a, pair.t.port, p), await log(pair.b, pair.ref.port, p));
  });

  it('corrupt payloads: flipped bytes, truncation, versions, bad data with a valid checksum', async () => {
    const { a, b } = pair;
    await forBoth([['FLUSHALL'], ['RPUSH', 'l', 'a', 'b', '1000'], ['HSET', 'h', 'f', 'v'], ['ZADD', 'z', '1', 'a']]);
    const cmds: (string | Buffer)[][] = [];
    for (const key of ['l', 'h', 'z']) {
      const p = bulkBytes(await b.call('DUMP', key));
      for (let i = 0; i < p.length; i++) {
        const q = Buffer.from(p);
        q[i]! ^= 1 << i % 8;
        cmds.push(['RESTORE', `flip${i}`, '0', q]);
      }
      for (let n = 0; n < p.length; n += 3) cmds.push(['RESTORE', 'cut', '0', p.subarray(0, n)]);
      // Version 11 (newer than 7.0 reads) and 9 (older: read), with checksums that match.
      const body = p.subarray(0, p.length - 10);
      cmds.push(['RESTORE', `v11${key}`, '0', payload((w) => w.bytes(body), 11)]);
      cmds.push(['RESTORE', `v9${key}`, '0', payload((w) => w.bytes(body), 9)]);
      cmds.push(['RESTORE', `v0${key}`, '0', payload((w) => w.bytes(body), 0)]);
      // The checksum of a zero CRC is not skipped in DUMP payloads.
      const zero = Buffer.from(p);
      zero.fill(0, p.length - 8);
      cmds.push(['RESTORE', `zero${key}`, '0', zero]);
    }
    // Valid checksums around bad data.
    const bad: ((w: import('../src/persistence/rdb/writer.js').RdbWriter) => void)[] = [
      (w) => w.byte(8),
      (w) => w.byte(20),
      (w) => w.byte(255),
      (w) => w.bytes(Buffer.alloc(0)),
      (w) => (w.byte(RDB_TYPE.STRING), w.len(100), w.latin1('abc')),
      (w) => (w.byte(RDB_TYPE.SET), w.len(0)),
      (w) => (w.byte(RDB_TYPE.LIST_QUICKLIST_2), w.len(0)),
      (w) => (w.byte(RDB_TYPE.ZSET_2), w.len(0)),
      (w) => (w.byte(RDB_TYPE.HASH), w.len(0)),
      (w) => (w.byte(RDB_TYPE.STRING), w.byte(0xc4)),
      (w) => (w.byte(RDB_TYPE.STRING), w.byte(0x82)),
      (w) => (w.byte(RDB_TYPE.SET_INTSET), w.len(8), w.u32le(3), w.u32le(0)),
      (w) => (w.byte(RDB_TYPE.HASH_LISTPACK), w.len(7), w.u32le(8), w.u16le(0), w.byte(0xff)),
      (w) => (w.byte(RDB_TYPE.LIST_QUICKLIST_2), w.len(1), w.len(3), w.string('x', false)),
      (w) => (w.byte(RDB_TYPE.MODULE_2), w.len(12345)),
      (w) => (w.byte(RDB_TYPE.STRING), w.string('plain after a value', false), w.latin1('trailing bytes are ignored')),
    ];
    for (const [i, f] of bad.entries()) cmds.push(['RESTORE', `bad${i}`, '0', payload(f)]);
    cmds.push(['DBSIZE']);
    const replies = await sameReplies(a, b, cmds);
    assert.equal(sortedReply(await a.call('KEYS', '*'), 1), sortedReply(await b.call('KEYS', '*'), 1));
    assert.ok(replies.filter((x) => x.includes('checksum are wrong')).length > 50);
    assert.ok(replies.filter((x) => x.includes('Bad data format')).length >= 10);
    assert.equal(await a.call('PING'), '+PONG\r\n');
  });

  it('fuzz: corrupt payloads with valid checksums never break Redoubt', async () => {
    const { a } = pair;
    await a.call('FLUSHALL');
    await a.call('RPUSH', 'l', 'a', '1', 'x'.repeat(50), '-70000');
    await a.call('HSET', 'h', 'f', 'v', 'n', '3');
    await a.call('ZADD', 'z', '1.5', 'a', '2', 'b');
    await a.call('SADD', 's', '1', '70000');
    const sources = await Promise.all(['l', 'h', 'z', 's'].map(async (k) => bulkBytes(await a.call('DUMP', k))));
    const fr = rng(99);
    const seen = new Set<string>();
    for (let n = 0; n < 2000; n++) {
      const src = sources[n % sources.length]!;
      const body = Buffer.from(src.subarray(0, src.length - 10));
      body[Math.floor(fr() * body.length)] = Math.floor(fr() * 256);
      const p = payload((w) => w.bytes(body.subarray(0, fr() < 0.3 ? Math.floor(fr() * body.length) : body.length)));
      const reply = await a.call('RESTORE', `f${n}`, '0', p);
      assert.ok(reply === '+OK\r\n' || reply === '-ERR Bad data format\r\n', reply);
      seen.add(reply.slice(0, 12));
    }
    assert.ok(seen.has('-ERR Bad dat'));
    assert.equal(await a.call('PING'), '+PONG\r\n');
  });

  it('RESTORE wakes a client blocked on the key and invalidates WATCH, as Redis', async () => {
    for (const [port, c] of [
      [pair.t.port, pair.a],
      [pair.ref.port, pair.b],
    ] as const) {
      await c.call('FLUSHALL');
      await c.call('RPUSH', 'src', 'first', 'second');
      const p = bulkBytes(await c.call('DUMP', 'src'));
      const blocked = await RawConn.connect(port);
      const watcher = await RawConn.connect(port);
      try {
        blocked.send('BLPOP', 'q', '10');
        await waitFor(async () => (await c.call('CLIENT', 'LIST')).includes('cmd=blpop'), 5000, 'the client to block');
        assert.equal(await c.call('RESTORE', 'q', '0', p), '+OK\r\n');
        assert.equal(await blocked.reply(), '*2\r\n$1\r\nq\r\n$5\r\nfirst\r\n', `port ${port}`);
        await watcher.call('WATCH', 'q');
        assert.equal(await c.call('RESTORE', 'q', '0', p, 'REPLACE'), '+OK\r\n');
        await watcher.call('MULTI');
        await watcher.call('PING');
        assert.equal(await watcher.call('EXEC'), '*-1\r\n', `port ${port}`);
      } finally {
        blocked.close();
        watcher.close();
      }
    }
  });

  it("a stream payload from redis-server restores with the same entries (test/stream-persistence.test.ts has the rest)", async () => {
    const { a, b } = pair;
    await b.call('XADD', 'st', '5-1', 'f', 'v');
    const p = bulkBytes(await b.call('DUMP', 'st'));
    assert.equal(await a.call('RESTORE', 'st', '0', p), '+OK\r\n');
    assert.equal(await a.call('XRANGE', 'st', '-', '+'), await b.call('XRANGE', 'st', '-', '+'));
  });

  it('a crc64 the reference agrees with: Redoubt payloads pass redis-server checksums byte-flip for byte-flip', async () => {
    // Redis rejects a wrong checksum; it accepted every Redoubt payload above, and here one
    // computed independently over a known body.
    const body = Buffer.from([RDB_TYPE.STRING, 3, 0x61, 0x62, 0x63, 10, 0]);
    const w = Buffer.alloc(8);
    w.writeBigUInt64LE(crc64(body));
    assert.equal(await pair.b.call('RESTORE', 'crc', '0', Buffer.concat([body, w])), '+OK\r\n');
  });
});
