// Unit tests of the RDB value codec (src/persistence/rdb): CRC-64, LZF, lengths and strings,
// listpacks, intsets, ziplists and zipmaps, whole values, and corrupt input (which must give an
// RdbError naming an offset, never another exception).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc64 } from '../src/persistence/rdb/crc64.js';
import { lzfCompress, lzfDecompress } from '../src/persistence/rdb/lzf.js';
import { RdbWriter } from '../src/persistence/rdb/writer.js';
import { RdbError, RdbReader } from '../src/persistence/rdb/reader.js';
import { decodeListpack, encodeListpack } from '../src/persistence/rdb/listpack.js';
import { decodeIntset, encodeIntset } from '../src/persistence/rdb/intset.js';
import { decodeZiplist, decodeZipmap } from '../src/persistence/rdb/ziplist.js';
import { RDB_TYPE, readObject, writeObject, type LoadLimits } from '../src/persistence/rdb/object.js';
import { createDumpPayload, loadDumpPayload, verifyDumpPayload } from '../src/persistence/rdb/dump.js';
import { ListValue } from '../src/store/types/list.js';
import { HashValue } from '../src/store/types/hash.js';
import { SetValue } from '../src/store/types/set.js';
import { ZSet } from '../src/store/types/zset.js';
import type { Value } from '../src/store/db.js';
import { encodeZiplist, encodeZipmap, fixtures } from './rdb-fixtures.js';
import { rng } from './helpers.js';

const LIMITS: LoadLimits = { hashMaxListpackEntries: 128, hashMaxListpackValue: 64, zsetMaxListpackEntries: 128, zsetMaxListpackValue: 64, setMaxIntsetEntries: 512, streamNodeMaxEntries: 100, streamNodeMaxBytes: 4096 };
const OPTS = { compress: true, listMaxListpackSize: -2 };

const latin1 = (b: Buffer): string => b.toString('latin1');

/** Every element of a value, in a comparable form. */
function contents(v: Value): unknown {
  if (typeof v === 'string') return v;
  if (v instanceof ListValue) return { list: v.toArray() };
  if (v instanceof HashValue) {
    const p = v.pairs();
    const out: string[] = [];
    for (let i = 0; i < p.length; i += 2) out.push(`${p[i]}=${p[i + 1]}`);
    return { hash: out.sort(), listpack: v.listpack };
  }
  if (v instanceof SetValue) return { set: [...v.ordered()].sort(), intset: v.intset };
  if (v instanceof ZSet) {
    const [m, s] = v.tree.toArrays();
    return { zset: m.map((x, i) => [x, Object.is(s[i], -0) ? '-0' : s[i]]), listpack: v.listpack };
  }
  return v;
}

describe('crc64', () => {
  test('check value of the Jones polynomial, as Redis', () => {
    assert.equal(crc64(Buffer.from('123456789')), 0xe9c6d914c4b8d9can);
    assert.equal(crc64(Buffer.alloc(0)), 0n);
  });
  test('continues across chunks', () => {
    const data = Buffer.from('The quick brown fox jumps over the lazy dog, twice over.');
    assert.equal(crc64(data.subarray(20), crc64(data.subarray(0, 20))), crc64(data));
  });
});

describe('lzf', () => {
  test('round trip of random and repetitive data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 4 }), (bytes, rep) => {
        const input = Buffer.concat(Array.from({ length: rep }, () => Buffer.from(bytes)));
        if (input.length === 0) return;
        const c = lzfCompress(input, input.length + 64);
        assert.ok(c !== null);
        assert.deepEqual(lzfDecompress(c, input.length), input);
      }),
      { numRuns: 200 },
    );
  });
  test('output depends on the input alone, not on what was compressed before', () => {
    // The hash table is reused between calls: an entry left by an earlier input must read as empty.
    const a = Buffer.from('hello world, hello there, hello world again '.repeat(20), 'latin1');
    const b = Buffer.from('world hello there again, '.repeat(50), 'latin1');
    const first = lzfCompress(a, a.length)!;
    for (let i = 0; i < 3; i++) lzfCompress(b, b.length);
    assert.deepEqual(lzfCompress(a, a.length), first);
    assert.deepEqual(lzfDecompress(first, a.length), a);
  });
  test('long runs use long matches and compress well', () => {
    const input = Buffer.alloc(100000, 'a');
    const c = lzfCompress(input, input.length - 4)!;
    assert.ok(c.length < 1200, `compressed to ${c.length}`);
    assert.deepEqual(lzfDecompress(c, input.length), input);
  });
  test('refuses output past the limit (incompressible data)', () => {
    const r = rng(7);
    const input = Buffer.from(Array.from({ length: 500 }, () => Math.floor(r() * 256)));
    assert.equal(lzfCompress(input, input.length - 4), null);
  });
  test('decodes a hand-made stream (literal run, short and long back-references)', () => {
    // "abc" literal, then a 3-byte match at distance 3 ("abc"), then a 12-byte match at distance 1.
    const stream = Buffer.from([2, 0x61, 0x62, 0x63, (1 << 5) | 0, 2, (7 << 5) | 0, 3, 0]);
    assert.equal(latin1(lzfDecompress(stream, 18)!), 'abcabc' + 'c'.repeat(12));
  });
  test('malformed streams are refused', () => {
    assert.equal(lzfDecompress(Buffer.from([0x20, 0x05]), 3), null); // reference before the start
    assert.equal(lzfDecompress(Buffer.from([5, 1, 2]), 6), null); // literal past the input
    assert.equal(lzfDecompress(Buffer.from([1, 1, 2]), 3), null); // too short an output
    assert.equal(lzfDecompress(Buffer.from([2, 1, 2, 3]), 2), null); // too long an output
  });
});

describe('lengths and strings', () => {
  test('length encodings at every boundary', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [63, '3f'],
      [64, '4040'],
      [16383, '7fff'],
      [16384, '8000004000'],
      [0xffffffff, '80ffffffff'],
      [0x100000000, '810000000100000000'],
    ];
    for (const [n, hex] of cases) {
      const w = new RdbWriter();
      w.len(n);
      assert.equal(w.view().toString('hex'), hex, `len ${n}`);
      assert.equal(new RdbReader(w.take()).len(), n);
    }
  });
  test('integer-encoded strings, as rdbTryIntegerEncoding', () => {
    const cases: [string, string][] = [
      ['0', 'c000'],
      ['-128', 'c080'],
      ['127', 'c07f'],
      ['128', 'c18000'],
      ['-32768', 'c10080'],
      ['32768', 'c200800000'],
      ['-2147483648', 'c200000080'],
      ['2147483648', '0a32313437343833363438'], // does not fit INT32: plain
      ['007', '03303037'], // not canonical: plain
      ['-0', '022d30'],
      ['', '00'],
    ];
    for (const [s, hex] of cases) {
      const w = new RdbWriter();
      w.string(s, true);
      assert.equal(w.view().toString('hex'), hex, `string ${JSON.stringify(s)}`);
      assert.equal(new RdbReader(w.take()).string(), s);
    }
  });
  test('LZF only over 20 bytes, only when it saves 4 bytes, only when on', () => {
    const check = (s: string, compress: boolean, lzf: boolean): void => {
      const w = new RdbWriter();
      w.string(s, compress);
      const b = w.take();
      assert.equal(b[0] === 0xc3, lzf, `${s.length} bytes, compress ${compress}`);
      assert.equal(new RdbReader(b).string(), s);
    };
    check('a'.repeat(20), true, false);
    check('a'.repeat(21), true, true);
    check('a'.repeat(21), false, false);
    check('\x00\xff\r\n'.repeat(500), true, true);
    const r = rng(3);
    check(Array.from({ length: 300 }, () => String.fromCharCode(Math.floor(r() * 256))).join(''), true, false);
  });
  test('truncated and unknown encodings name the offset', () => {
    assert.throws(() => new RdbReader(Buffer.from([0x05, 0x61])).string(), (e: unknown) => e instanceof RdbError && /truncated string.*at offset 1/.test(e.message));
    assert.throws(() => new RdbReader(Buffer.from([0xc4])).string(), (e: unknown) => e instanceof RdbError && /unknown string encoding 4 at offset 0/.test(e.message));
    assert.throws(() => new RdbReader(Buffer.from([0x82])).len(), /unknown length encoding 0x82 at offset 0/);
    assert.throws(() => new RdbReader(Buffer.from([0xc3, 0x02, 0x10, 0x00, 0x61])).string(), /invalid LZF/);
  });
});

describe('listpack', () => {
  test('integer encodings at every boundary round-trip', () => {
    const items = ['0', '127', '128', '-1', '-4096', '4095', '-4097', '4096', '-32768', '32767', '-32769', '32768', '-8388608', '8388607', '-8388609', '8388608', '-2147483648', '2147483647', '-2147483649', '2147483648', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '-0', '01', ''];
    const lp = encodeListpack(items);
    assert.deepEqual(decodeListpack(lp, 0), items);
    // 7-bit 0, 7-bit 127, 13-bit 128: 1+1, 1+1, 2+1 bytes.
    assert.equal(lp.subarray(6, 13).toString('hex'), '00017f01c08002');
  });
  test('string lengths across the 6-bit, 12-bit and 32-bit forms and multi-byte back-lengths', () => {
    const items = ['x'.repeat(63), 'y'.repeat(64), 'z'.repeat(4095), 'w'.repeat(4096), 'v'.repeat(20000)];
    assert.deepEqual(decodeListpack(encodeListpack(items), 0), items);
  });
  test('corruption is detected with the offset of the listpack', () => {
    const lp = encodeListpack(['a', 'bb', '300']);
    const bad = (b: Buffer, re: RegExp): void => assert.throws(() => decodeListpack(b, 100), (e: unknown) => e instanceof RdbError && re.test(e.message));
    const c1 = Buffer.from(lp);
    c1.writeUInt32LE(lp.length + 1, 0);
    bad(c1, /total bytes.*at offset 100/);
    const c2 = Buffer.from(lp);
    c2.writeUInt16LE(4, 4);
    bad(c2, /count 4 does not match 3/);
    const c3 = Buffer.from(lp);
    c3[8] = 0x05; // back-length of 'a'
    bad(c3, /back-length/);
    const c4 = Buffer.from(lp);
    c4[6] = 0xf7;
    bad(c4, /invalid entry encoding 0xf7 at offset 106/);
  });
});

describe('intset', () => {
  test('narrowest width the members need', () => {
    assert.equal(encodeIntset(['-5', '7']).readUInt32LE(0), 2);
    assert.equal(encodeIntset(['-5', '70000']).readUInt32LE(0), 4);
    assert.equal(encodeIntset(['1', '9223372036854775807']).readUInt32LE(0), 8);
    const m = ['-9223372036854775808', '-1', '0', '3', '9223372036854775807'];
    assert.deepEqual(decodeIntset(encodeIntset(m), 0), m);
  });
  test('unsorted, duplicate and mis-sized intsets are refused', () => {
    assert.throws(() => decodeIntset(encodeIntset(['3', '1']), 0), /ascending/);
    assert.throws(() => decodeIntset(encodeIntset(['1', '1']), 0), /ascending/);
    const b = encodeIntset(['1', '2']);
    b.writeUInt32LE(3, 4);
    assert.throws(() => decodeIntset(b, 0), /count does not match/);
    b.writeUInt32LE(3, 0);
    assert.throws(() => decodeIntset(b, 0), /invalid encoding 3/);
  });
});

describe('ziplist and zipmap (read only)', () => {
  test('every ziplist entry encoding, and a big prevlen', () => {
    const items = ['0', '12', '13', '-1', '-128', '127', '128', '-32768', '32767', '32768', '-8388608', '8388607', '8388608', '2147483647', '2147483648', '-9223372036854775808', 'abc', 'q'.repeat(63), 'r'.repeat(300), 's'.repeat(20000), ''];
    assert.deepEqual(decodeZiplist(encodeZiplist(items), 0), items);
  });
  test('a bad prevlen or tail is refused', () => {
    const zl = encodeZiplist(['a', 'b']);
    const c = Buffer.from(zl);
    c[13] = 7; // prevlen of the second entry
    assert.throws(() => decodeZiplist(c, 0), /prevlen does not match/);
    const d = Buffer.from(zl);
    d.writeUInt32LE(10, 4);
    assert.throws(() => decodeZiplist(d, 0), /zltail/);
  });
  test('zipmap with free bytes and a long value', () => {
    const pairs = ['f', 'v', 'long', 'x'.repeat(300), 'n', '12'];
    assert.deepEqual(decodeZipmap(encodeZipmap(pairs, 2), 0), pairs);
    const b = encodeZipmap(pairs, 0);
    assert.throws(() => decodeZipmap(b.subarray(0, b.length - 1), 0), /zipmap/);
  });
});

describe('values', () => {
  function roundTrip(v: Value, opts = OPTS, lim = LIMITS): Value {
    const p = createDumpPayload(v, opts);
    assert.ok(verifyDumpPayload(p));
    return loadDumpPayload(p, lim);
  }

  test('each type round-trips, small and big, keeping its encoding', () => {
    const zs = new ZSet();
    for (const [m, s] of [['a', 1.5], ['b', -Infinity], ['c', Infinity], ['d', 0.1], ['e', 3]] as const) zs.insert(m, s);
    const zbig = new ZSet(false);
    for (let i = 0; i < 300; i++) zbig.insert(`m${i}`, i % 7 === 0 ? -0 : i / 3);
    const h = new HashValue();
    for (let i = 0; i < 10; i++) h.set(`f${i}`, String(i * 1000), { entries: 128, value: 64 });
    const hbig = new HashValue();
    for (let i = 0; i < 1000; i++) hbig.set(`f${i}`, 'v'.repeat(i % 90), { entries: 128, value: 64 });
    const s = new SetValue();
    for (const m of ['5', '-3', '100000']) s.add(m, 512);
    const sbig = new SetValue();
    for (let i = 0; i < 600; i++) sbig.add(i % 2 ? String(i) : `m${i}`, 512);
    const values: Value[] = ['plain', '12', 'z'.repeat(5000), ListValue.from(['a', '1', 'x'.repeat(9000), ...Array.from({ length: 3000 }, (_, i) => `e${i}`)]), zs, zbig, h, hbig, s, sbig];
    for (const v of values) {
      for (const compress of [true, false]) {
        assert.deepEqual(contents(roundTrip(v, { compress, listMaxListpackSize: -2 })), contents(v));
      }
    }
    assert.equal((roundTrip(zs) as ZSet).listpack, true);
    assert.equal((roundTrip(zbig) as ZSet).listpack, false);
    assert.equal((roundTrip(s) as SetValue).intset, true);
    assert.equal((roundTrip(hbig) as HashValue).listpack, false);
  });

  test('quicklist nodes follow list-max-listpack-size', () => {
    const list = ListValue.from(Array.from({ length: 100 }, (_, i) => `item-${i}`));
    const nodes = (fill: number): number => {
      const w = new RdbWriter();
      writeObject(w, list, { compress: false, listMaxListpackSize: fill });
      const r = new RdbReader(w.take(), 1);
      return r.len();
    };
    assert.equal(nodes(10), 10);
    assert.equal(nodes(-2), 1);
    assert.equal(nodes(-1), 1);
    assert.equal(nodes(1), 100);
    const big = ListValue.from(Array.from({ length: 100 }, () => 'x'.repeat(1000)));
    const w = new RdbWriter();
    writeObject(w, big, { compress: false, listMaxListpackSize: -2 });
    // 8 KB nodes: a 1000-byte element takes 1004 bytes, and one more joins a node of k while
    // 7 + 1004k + 1000 + 8 <= 8192: 8 to a node.
    assert.equal(new RdbReader(w.take(), 1).len(), Math.ceil(100 / 8));
  });

  test('a set loaded past set-max-intset-entries is no intset; a hash past the entries limit no listpack', () => {
    const s = new SetValue();
    for (let i = 0; i < 20; i++) s.add(String(i), 512);
    assert.equal((roundTrip(s, OPTS, { ...LIMITS, setMaxIntsetEntries: 10 }) as SetValue).intset, false);
    const h = new HashValue();
    for (let i = 0; i < 20; i++) h.set(`f${i}`, 'v', { entries: 128, value: 64 });
    assert.equal((roundTrip(h, OPTS, { ...LIMITS, hashMaxListpackEntries: 10 }) as HashValue).listpack, false);
  });

  test('empty values, duplicates, NaN scores and unknown types are refused', () => {
    const load = (build: (w: RdbWriter) => void): Value => {
      const w = new RdbWriter();
      build(w);
      const r = new RdbReader(w.take());
      return readObject(r, r.byte(), LIMITS);
    };
    const refused = (build: (w: RdbWriter) => void, re: RegExp): void => assert.throws(() => load(build), (e: unknown) => e instanceof RdbError && re.test(e.message));
    refused((w) => (w.byte(RDB_TYPE.SET), w.len(0)), /empty value/);
    refused((w) => (w.byte(RDB_TYPE.SET), w.len(2), w.string('a', false), w.string('a', false)), /duplicate set member/);
    refused((w) => (w.byte(RDB_TYPE.HASH), w.len(2), w.string('a', false), w.string('1', false), w.string('a', false), w.string('2', false)), /duplicate hash field/);
    refused((w) => (w.byte(RDB_TYPE.ZSET_2), w.len(1), w.string('a', false), w.binaryDouble(NaN)), /NaN score/);
    refused((w) => (w.byte(RDB_TYPE.ZSET_2), w.len(2), w.string('a', false), w.binaryDouble(1), w.string('a', false), w.binaryDouble(2)), /duplicate zset member/);
    refused((w) => (w.byte(RDB_TYPE.LIST_QUICKLIST_2), w.len(1), w.len(3), w.string('a', false)), /container 3/);
    refused((w) => (w.byte(RDB_TYPE.LIST_QUICKLIST_2), w.len(1), w.len(2), w.blob(encodeListpack([]), false)), /empty value/);
    refused((w) => (w.byte(RDB_TYPE.HASH_LISTPACK), w.blob(encodeListpack(['a', '1', 'b']), false)), /odd number/);
    refused((w) => (w.byte(RDB_TYPE.STREAM_LISTPACKS), w.len(0), w.len(1)), /stream length 1 does not match its 0 entries/);
    refused((w) => (w.byte(RDB_TYPE.MODULE_2), w.len(0)), /unsupported value type 7/);
    refused((w) => (w.byte(RDB_TYPE.LIST), w.len(1000)), /count 1000 exceeds the data left/);
    // A zset listpack out of order is put in order.
    const z = load((w) => (w.byte(RDB_TYPE.ZSET_LISTPACK), w.blob(encodeListpack(['b', '2', 'a', '1']), false)));
    assert.deepEqual(contents(z), { zset: [['a', 1], ['b', 2]], listpack: true });
  });

  test('the old encodings load: LIST, ZIPLIST list, QUICKLIST, ZIPMAP, ZIPLIST hash and zset, ZSET with text scores', () => {
    for (const f of fixtures()) {
      const w = new RdbWriter();
      f.build(w);
      const r = new RdbReader(w.take());
      assert.deepEqual(contents(readObject(r, r.byte(), LIMITS)), f.expect, f.name);
    }
  });

  test('fuzz: corrupt payloads give RdbError or a value, never another exception', () => {
    const r = rng(42);
    const samples: Value[] = [
      ListValue.from(['a', '1', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', '-70000']),
      (() => {
        const h = new HashValue();
        h.set('f', 'v', null);
        h.set('n', '123456', null);
        return h;
      })(),
      (() => {
        const z = new ZSet(false);
        z.insert('a', 1.5);
        z.insert('b', -Infinity);
        return z;
      })(),
      (() => {
        const s = new SetValue();
        s.add('1', 512);
        s.add('70000', 512);
        return s;
      })(),
      'x'.repeat(100),
    ];
    let errors = 0;
    for (let n = 0; n < 5000; n++) {
      const base = createDumpPayload(samples[n % samples.length]!, OPTS);
      const body = Buffer.from(base.subarray(0, base.length - 10));
      const flips = 1 + Math.floor(r() * 3);
      for (let k = 0; k < flips; k++) body[Math.floor(r() * body.length)] = Math.floor(r() * 256);
      const cut = r() < 0.2 ? Math.floor(r() * body.length) : body.length;
      const w = new RdbWriter();
      w.bytes(body.subarray(0, cut));
      w.u16le(10);
      w.u64le(crc64(w.view()));
      try {
        loadDumpPayload(w.take(), LIMITS);
      } catch (e) {
        assert.ok(e instanceof RdbError, `unexpected ${String(e)}`);
        assert.match(e.message, /at offset \d+$/);
        errors++;
      }
    }
    assert.ok(errors > 1000, `only ${errors} corrupt payloads detected`);
  });
});
