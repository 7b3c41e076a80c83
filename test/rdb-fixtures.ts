// Payloads in the encodings Redis 7.0 reads but no longer writes (ziplist, zipmap, quicklist of
// ziplists, plain LIST, ZSET with text scores, quicklist plain nodes), built by hand from the
// format facts: test/rdb.test.ts loads them in Redoubt, test/dump.test.ts RESTOREs them in both
// Redoubt and redis-server and compares what the two read back.
import { crc64 } from '../src/persistence/rdb/crc64.js';
import { encodeListpack } from '../src/persistence/rdb/listpack.js';
import { RDB_TYPE } from '../src/persistence/rdb/object.js';
import { RdbWriter } from '../src/persistence/rdb/writer.js';

const CANONICAL_INT = /^(0|-?[1-9][0-9]{0,18})$/;

function intOf(s: string): bigint | null {
  if (!CANONICAL_INT.test(s)) return null;
  const v = BigInt(s);
  return v >= -(2n ** 63n) && v < 2n ** 63n ? v : null;
}

/** A ziplist of the elements, with the encodings Redis 6 would choose. */
export function encodeZiplist(items: readonly string[]): Buffer {
  const entries: Buffer[] = [];
  let prev = 0;
  let tail = 10;
  let off = 10;
  for (const s of items) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), u32le(prev)]);
    let body: Buffer;
    const v = intOf(s);
    if (v !== null) {
      if (v >= 0n && v <= 12n) body = Buffer.from([0xf1 + Number(v)]);
      else if (v >= -128n && v <= 127n) body = Buffer.from([0xfe, Number(v) & 0xff]);
      else if (v >= -32768n && v <= 32767n) body = le(0xc0, v, 2);
      else if (v >= -8388608n && v <= 8388607n) body = le(0xf0, v, 3);
      else if (v >= -2147483648n && v <= 2147483647n) body = le(0xd0, v, 4);
      else body = le(0xe0, v, 8);
    } else {
      const data = Buffer.from(s, 'latin1');
      const n = data.length;
      let hdr: Buffer;
      if (n < 64) hdr = Buffer.from([n]);
      else if (n < 16384) hdr = Buffer.from([0x40 | (n >> 8), n & 0xff]);
      else {
        hdr = Buffer.alloc(5);
        hdr[0] = 0x80;
        hdr.writeUInt32BE(n, 1);
      }
      body = Buffer.concat([hdr, data]);
    }
    const entry = Buffer.concat([prevlen, body]);
    entries.push(entry);
    tail = off;
    off += entry.length;
    prev = entry.length;
  }
  const total = off + 1;
  const head = Buffer.alloc(10);
  head.writeUInt32LE(total, 0);
  head.writeUInt32LE(tail, 4);
  head.writeUInt16LE(Math.min(items.length, 65535), 8);
  return Buffer.concat([head, ...entries, Buffer.from([0xff])]);
}

function le(tag: number, v: bigint, width: number): Buffer {
  const b = Buffer.alloc(1 + width);
  b[0] = tag;
  let x = BigInt.asUintN(width * 8, v);
  for (let i = 0; i < width; i++) {
    b[1 + i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return b;
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}

/** A zipmap of field/value pairs, each value followed by `free` unused bytes. */
export function encodeZipmap(pairs: readonly string[], free: number): Buffer {
  const len = (n: number): Buffer => (n < 254 ? Buffer.from([n]) : Buffer.concat([Buffer.from([254]), u32le(n)]));
  const parts: Buffer[] = [Buffer.from([Math.min(pairs.length / 2, 254)])];
  for (let i = 0; i < pairs.length; i += 2) {
    const f = Buffer.from(pairs[i]!, 'latin1');
    const v = Buffer.from(pairs[i + 1]!, 'latin1');
    parts.push(len(f.length), f, len(v.length), Buffer.from([free]), v, Buffer.alloc(free, 0x78));
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

/** A DUMP payload around a value body: version 10 and the CRC-64. */
export function payload(build: (w: RdbWriter) => void, version = 10): Buffer {
  const w = new RdbWriter();
  build(w);
  w.u16le(version);
  w.u64le(crc64(w.view()));
  return w.take();
}

export interface Fixture {
  name: string;
  kind: 'list' | 'hash' | 'set' | 'zset';
  build(w: RdbWriter): void;
  /** What Redoubt holds after loading (the `contents` form of test/rdb.test.ts). */
  expect: unknown;
}

const BIG = 'long value '.repeat(30);

export function fixtures(): Fixture[] {
  return [
    {
      name: 'LIST (plain)',
      kind: 'list',
      build: (w) => (w.byte(RDB_TYPE.LIST), w.len(3), w.string('a', false), w.string('12', false), w.string(BIG, true)),
      expect: { list: ['a', '12', BIG] },
    },
    {
      name: 'LIST_ZIPLIST',
      kind: 'list',
      build: (w) => (w.byte(RDB_TYPE.LIST_ZIPLIST), w.blob(encodeZiplist(['a', '1', '-300', '70000', '9000000000', 'hello world', BIG, '']), false)),
      expect: { list: ['a', '1', '-300', '70000', '9000000000', 'hello world', BIG, ''] },
    },
    {
      name: 'LIST_QUICKLIST of ziplists (one LZF-compressed, one empty)',
      kind: 'list',
      build: (w) => {
        w.byte(RDB_TYPE.LIST_QUICKLIST);
        w.len(3);
        w.blob(encodeZiplist(['x', 'y', '5']), false);
        w.blob(encodeZiplist([]), false);
        w.blob(encodeZiplist(['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '-1']), true);
      },
      expect: { list: ['x', 'y', '5', 'a'.repeat(40), 'a'.repeat(40), '-1'] },
    },
    {
      name: 'LIST_QUICKLIST_2 with a plain node',
      kind: 'list',
      build: (w) => {
        w.byte(RDB_TYPE.LIST_QUICKLIST_2);
        w.len(2);
        w.len(2);
        w.blob(encodeListpack(['p', '-7']), false);
        w.len(1);
        w.string('plain node element', false);
      },
      expect: { list: ['p', '-7', 'plain node element'] },
    },
    {
      name: 'HASH_ZIPMAP',
      kind: 'hash',
      build: (w) => (w.byte(RDB_TYPE.HASH_ZIPMAP), w.blob(encodeZipmap(['f1', 'v1', 'n', '42', 'empty', ''], 3), false)),
      expect: { hash: ['empty=', 'f1=v1', 'n=42'], listpack: true },
    },
    {
      name: 'HASH_ZIPMAP with a value over hash-max-listpack-value',
      kind: 'hash',
      build: (w) => (w.byte(RDB_TYPE.HASH_ZIPMAP), w.blob(encodeZipmap(['f', BIG, 'g', 'v'], 0), false)),
      expect: { hash: [`f=${BIG}`, 'g=v'], listpack: false },
    },
    {
      name: 'HASH_ZIPLIST',
      kind: 'hash',
      build: (w) => (w.byte(RDB_TYPE.HASH_ZIPLIST), w.blob(encodeZiplist(['f1', 'v1', 'count', '-12345', 'big', BIG]), true)),
      expect: { hash: [`big=${BIG}`, 'count=-12345', 'f1=v1'], listpack: true },
    },
    {
      name: 'ZSET_ZIPLIST',
      kind: 'zset',
      build: (w) => (w.byte(RDB_TYPE.ZSET_ZIPLIST), w.blob(encodeZiplist(['c', '-inf', 'a', '1', 'b', '2.5', 'd', '100000']), false)),
      expect: { zset: [['c', -Infinity], ['a', 1], ['b', 2.5], ['d', 100000]], listpack: true },
    },
    {
      name: 'ZSET with text scores',
      kind: 'zset',
      build: (w) => {
        w.byte(RDB_TYPE.ZSET);
        w.len(4);
        const text = (s: string): void => (w.byte(s.length), w.latin1(s));
        w.string('m1', false);
        text('1.5');
        w.string('m2', false);
        w.byte(254); // +inf
        w.string('m3', false);
        w.byte(255); // -inf
        w.string('m4', false);
        text('0.10000000000000001');
      },
      expect: { zset: [['m3', -Infinity], ['m4', 0.1], ['m1', 1.5], ['m2', Infinity]], listpack: true },
    },
    {
      name: 'SET (plain) of integers, loaded as an intset',
      kind: 'set',
      build: (w) => (w.byte(RDB_TYPE.SET), w.len(3), w.string('30', false), w.string('-2', false), w.string('100000', false)),
      expect: { set: ['-2', '100000', '30'], intset: true },
    },
  ];
}
