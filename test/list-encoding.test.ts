// The packed list encoding (store/types/list.ts): property tests comparing ListValue with a plain
// array under random operation sequences, for every list-max-listpack-size shape (byte limits
// -1..-5, small and large counts), with elements of any byte 0x00-0xff, empty elements and
// elements bigger than a node, with list-compress-depth 0, 1 and 2 (the compression rule checked
// after every operation); plus node-splitting, accounting and compression checks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ListValue } from '../src/store/types/list.js';
import { listpackEntryBytes } from '../src/store/memsize.js';

type Op =
  | { op: 'pushHead' | 'pushTail' | 'indexOf' | 'equalsAt'; v: string; i: number }
  | { op: 'popHead' | 'popTail' | 'at' | 'copy' }
  | { op: 'insertAt' | 'setAt'; i: number; v: string }
  | { op: 'remove'; v: string; limit: number; fromTail: boolean }
  | { op: 'trim'; a: number; b: number }
  | { op: 'bulk'; v: string; n: number; head: boolean }
  | { op: 'clear' };

const byteChar = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
/** Few distinct short values (so LREM and indexOf find matches), any bytes, and some big ones. */
const element: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('', 'a', 'b', '\x00', '\xff', 'element:1', 'element:22') },
  { weight: 3, arbitrary: fc.string({ unit: byteChar, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(byteChar, fc.integer({ min: 1000, max: 70000 })).map(([c, n]) => c.repeat(n)) },
);
const index = fc.nat({ max: 1 << 20 });

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('pushHead' as const, 'pushTail' as const, 'indexOf' as const, 'equalsAt' as const), v: element, i: index }),
  fc.record({ op: fc.constantFrom('popHead' as const, 'popTail' as const, 'at' as const, 'copy' as const) }),
  fc.record({ op: fc.constantFrom('insertAt' as const, 'setAt' as const), i: index, v: element }),
  fc.record({ op: fc.constant('remove' as const), v: element, limit: fc.nat({ max: 3 }), fromTail: fc.boolean() }),
  fc.record({ op: fc.constant('trim' as const), a: fc.nat({ max: 300 }), b: fc.nat({ max: 300 }) }),
  fc.record({ op: fc.constant('bulk' as const), v: element, n: fc.integer({ min: 1, max: 1500 }), head: fc.boolean() }),
  fc.record({ op: fc.constant('clear' as const) }),
);

const packedOf = (m: readonly string[]): number => m.reduce((t, s) => t + listpackEntryBytes(s.length), 0);

/** Depth d: the d nodes at each end raw, every other compressed or found not worth it. */
function checkCompression(l: ListValue, depth: number): void {
  const { map, saved, sum } = l.compression();
  assert.equal(saved, sum, 'the saving kept is the compressed nodes\'');
  const n = map.length;
  for (let i = 0; i < n; i++) {
    const inner = depth > 0 && i >= depth && i < n - depth;
    if (inner) assert.notEqual(map[i], 'R', `inner node ${i} of ${map} not compressed (depth ${depth})`);
    else assert.notEqual(map[i], 'Z', `end node ${i} of ${map} compressed (depth ${depth})`);
  }
}

function run(fill: number, ops: readonly Op[], depth = 0): void {
  const l = new ListValue(fill, depth);
  const m: string[] = [];
  for (const o of ops) {
    switch (o.op) {
      case 'pushHead':
        l.pushHead(o.v);
        m.unshift(o.v);
        break;
      case 'pushTail':
        l.pushTail(o.v);
        m.push(o.v);
        break;
      case 'bulk':
        for (let k = 0; k < o.n; k++) {
          const v = o.v.length > 100 ? String(k) : o.v + String(k % 7);
          if (o.head) {
            l.pushHead(v);
            m.unshift(v);
          } else {
            l.pushTail(v);
            m.push(v);
          }
        }
        break;
      case 'popHead':
        assert.equal(l.popHead(), m.shift());
        break;
      case 'popTail':
        assert.equal(l.popTail(), m.pop());
        break;
      case 'at':
        // Every index, forwards then backwards (the cached-node walk both ways).
        for (let i = 0; i < m.length; i++) assert.equal(l.at(i), m[i]);
        for (let i = m.length - 1; i >= 0; i -= 3) assert.equal(l.at(i), m[i]);
        break;
      case 'indexOf':
        assert.equal(l.indexOf(o.v), m.indexOf(o.v));
        break;
      case 'equalsAt':
        if (m.length > 0) {
          const i = o.i % m.length;
          assert.equal(l.equalsAt(i, o.v), m[i] === o.v);
          assert.equal(l.equalsAt(i, m[i]!), true);
        }
        break;
      case 'insertAt': {
        const i = o.i % (m.length + 1);
        l.insertAt(i, o.v);
        m.splice(i, 0, o.v);
        break;
      }
      case 'setAt':
        if (m.length > 0) {
          const i = o.i % m.length;
          l.setAt(i, o.v);
          m[i] = o.v;
        }
        break;
      case 'remove': {
        let removed = 0;
        const hit = (x: string): boolean => x === o.v && (o.limit === 0 || removed < o.limit);
        if (!o.fromTail) {
          for (let i = 0; i < m.length; ) {
            if (hit(m[i]!)) {
              m.splice(i, 1);
              removed++;
            } else i++;
          }
        } else {
          for (let i = m.length - 1; i >= 0; i--) {
            if (hit(m[i]!)) {
              m.splice(i, 1);
              removed++;
            }
          }
        }
        assert.equal(l.remove(o.v, o.limit, o.fromTail), removed);
        break;
      }
      case 'trim':
        l.trim(o.a, o.b);
        if (o.a + o.b >= m.length) m.length = 0;
        else {
          m.splice(m.length - o.b, o.b);
          m.splice(0, o.a);
        }
        break;
      case 'copy': {
        const c = l.copy();
        assert.deepEqual(c.toArray(), m);
        assert.equal(c.memBytes(), l.memBytes());
        checkCompression(c, depth);
        // The copy is independent.
        c.pushTail('x');
        c.popHead();
        break;
      }
      case 'clear':
        l.clear();
        m.length = 0;
        break;
    }
    assert.equal(l.length, m.length);
    checkCompression(l, depth);
  }
  assert.deepEqual(l.toArray(), m);
  checkCompression(l, depth);
  // memBytes follows the elements alone: the same as a list built afresh from them, less what
  // compressed nodes save.
  assert.equal(l.memBytes() + l.compression().saved, ListValue.from(m).memBytes());
  assert.equal(l.memBytes() + l.compression().saved >= packedOf(m), true);
}

describe('packed list encoding', () => {
  for (const fill of [-2, -1, -5, 1, 3, 128, 0]) {
    test(`random operations agree with an array model (list-max-listpack-size ${fill})`, () => {
      fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => run(fill, ops)), { numRuns: fill === -2 ? 150 : 60, seed: 1717 + fill });
    });
    for (const depth of [1, 2]) {
      test(`random operations agree with an array model (list-max-listpack-size ${fill}, list-compress-depth ${depth})`, () => {
        fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => run(fill, ops, depth)), { numRuns: fill === -2 ? 100 : 40, seed: 2929 + fill + depth });
      });
    }
  }

  test('nodes split by bytes (negative fill) and by count (positive fill)', () => {
    const e = 'element:12345'; // 13 bytes, a 15-byte listpack entry
    for (const [fill, bytes] of [[-1, 4096], [-2, 8192], [-3, 16384], [-4, 32768], [-5, 65536]] as const) {
      const l = ListValue.from(new Array<string>(100_000).fill(e), fill);
      // Each node holds as many entries as keep header + entries + next element + 8 in the limit.
      const perNode = Math.floor((bytes - 7 - 13 - 8) / 15) + 1;
      assert.equal(l.nodeCount, Math.ceil(100_000 / perNode), `fill ${fill}`);
    }
    for (const fill of [1, 5, 100]) {
      const l = ListValue.from(new Array<string>(1000).fill(e), fill);
      assert.equal(l.nodeCount, Math.ceil(1000 / fill), `fill ${fill}`);
    }
    // A positive fill still keeps nodes within 8 kB.
    const wide = ListValue.from(new Array<string>(100).fill('x'.repeat(1000)), 1000);
    assert.equal(wide.nodeCount, Math.ceil(100 / 8));
    // Elements bigger than a node get nodes of their own; small ones do not join them.
    const big = 'B'.repeat(100_000);
    const mixed = ListValue.from(['a', big, 'b', 'c', big, big, 'd']);
    assert.equal(mixed.nodeCount, 6);
    assert.deepEqual(mixed.toArray(), ['a', big, 'b', 'c', big, big, 'd']);
    assert.equal(mixed.popTail(), 'd');
    assert.equal(mixed.popTail(), big);
    assert.equal(mixed.at(1), big);
  });

  test('head pushes and pops build the same nodes as tail pushes, and give memory back', () => {
    const n = 200_000;
    const l = new ListValue();
    for (let i = 0; i < n; i++) l.pushHead(`element:${i}`);
    for (let i = 0; i < n; i += 997) assert.equal(l.at(i), `element:${n - 1 - i}`);
    assert.equal(l.memBytes(), ListValue.from(l.toArray()).memBytes());
    const empty = new ListValue().memBytes();
    for (let i = 0; i < n; i++) assert.equal(l.popTail(), `element:${i}`);
    assert.equal(l.length, 0);
    assert.equal(l.nodeCount, 0);
    assert.equal(l.memBytes(), empty);
  });

  test('all 256 byte values survive every path (push, insert, set, copy)', () => {
    let all = '';
    for (let c = 0; c < 256; c++) all += String.fromCharCode(c);
    const l = new ListValue(2);
    l.pushTail(all);
    l.pushHead(all.split('').reverse().join(''));
    l.insertAt(1, all.slice(100));
    l.setAt(2, all.slice(0, 50));
    l.pushTail('');
    const want = [all.split('').reverse().join(''), all.slice(100), all.slice(0, 50), '']
    assert.deepEqual(l.toArray(), want);
    assert.deepEqual(l.copy().toArray(), want);
    assert.equal(l.indexOf(''), 3);
    assert.equal(l.indexOf(all.slice(100)), 1);
  });

  test('list-compress-depth: inner nodes compressed, ends raw, Redis\'s 48-byte floor, reads of other lists', () => {
    const n = 100_000;
    const plain = ListValue.from(Array.from({ length: n }, (_, i) => `element:${i}`));
    const l = new ListValue(-2, 1);
    for (let i = 0; i < n; i++) l.pushTail(`element:${i}`);
    const nodes = l.nodeCount;
    assert.equal(nodes > 4, true);
    assert.equal(l.compression().map, 'R' + 'Z'.repeat(nodes - 2) + 'R');
    // Compressed nodes cost less.
    assert.equal(l.memBytes() < plain.memBytes() * 0.8, true, `${l.memBytes()} vs ${plain.memBytes()}`);
    // Reading a middle element, then one of another list's compressed nodes, then the first again.
    const other = ListValue.from(Array.from({ length: n }, (_, i) => `other:${i}`), -2, 2);
    assert.equal(other.compression().map.replace(/Z/g, '').length, 4);
    for (let i = 0; i < n; i += 101) {
      assert.equal(l.at(i), `element:${i}`);
      assert.equal(other.at(n - 1 - i), `other:${n - 1 - i}`);
    }
    // Still compressed after reads; at most one node anywhere is open beside its compressed copy.
    assert.equal(l.compression().map, 'R' + 'Z'.repeat(nodes - 2) + 'R');
    // Pops at the head make the next node an end node: raw again.
    const first = l.compression();
    for (let i = 0; i < n; i++) assert.equal(l.popHead(), `element:${i}`);
    assert.equal(l.length, 0);
    assert.equal(l.compression().saved, 0);
    assert.equal(first.saved > 0, true);
    // Redis leaves nodes under 48 listpack bytes raw: one 38-byte element is a 47-byte listpack,
    // one of 39 bytes a 48-byte one (list-max-listpack-size 1: an element per node).
    for (const [len, map] of [[38, 'RTR'], [39, 'RZR']] as const) {
      const small = ListValue.from(['a'.repeat(len), 'a'.repeat(len), 'a'.repeat(len)], 1, 1);
      assert.equal(small.compression().map, map, `element of ${len} bytes`);
      assert.deepEqual(small.toArray(), ['a'.repeat(len), 'a'.repeat(len), 'a'.repeat(len)]);
    }
    // Incompressible nodes stay raw (and are not tried again until they change).
    let seed = 7;
    const noise = (): string => {
      let s = '';
      for (let k = 0; k < 200; k++) s += String.fromCharCode(((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff);
      return s;
    };
    const random = ListValue.from(Array.from({ length: 300 }, noise), -2, 1);
    assert.match(random.compression().map, /^RT+R$/);
    // Plain nodes (elements bigger than a node) compress too, as in Redis 7.0.
    const big = ListValue.from(['x'.repeat(20_000), 'y'.repeat(20_000), 'z'.repeat(20_000)], -2, 1);
    assert.equal(big.compression().map, 'RZR');
    assert.equal(big.at(1), 'y'.repeat(20_000));
    big.setAt(1, 'w'.repeat(30_000));
    assert.equal(big.compression().map, 'RZR');
    assert.deepEqual(big.toArray(), ['x'.repeat(20_000), 'w'.repeat(30_000), 'z'.repeat(20_000)]);
  });
});

test('a list of one-element nodes used as a queue both ways (head room added, reused and given back) keeps its order', () => {
  const l = new ListValue(1);
  const ref: string[] = [];
  let n = 0;
  // Pushes at the head add room before the head node; pops from the head leave room behind.
  for (let round = 0; round < 6; round++) {
    for (let i = 0; i < 500; i++) {
      const v = `e${n++}`;
      if (i % 3 === 0) {
        l.pushHead(v);
        ref.unshift(v);
      } else {
        l.pushTail(v);
        ref.push(v);
      }
    }
    for (let i = 0; i < 400; i++) assert.equal(l.popHead(), ref.shift());
    for (let i = 0; i < 20; i++) assert.equal(l.popTail(), ref.pop());
    assert.equal(l.nodeCount, ref.length);
    assert.deepEqual(l.toArray(), ref);
    assert.equal(l.at(ref.length - 1), ref[ref.length - 1]);
    l.insertAt(1, 'mid');
    ref.splice(1, 0, 'mid');
  }
  while (ref.length > 0) assert.equal(l.popHead(), ref.shift());
  assert.equal(l.nodeCount, 0);
  l.pushHead('again');
  assert.deepEqual(l.toArray(), ['again']);
});

test('room made at the head of a long list is given back when the list is emptied from the tail', () => {
  const l = new ListValue(1);
  for (let i = 0; i < 5000; i++) l.pushTail(`e${i}`);
  l.pushHead('first');
  for (let i = 0; i < 4999; i++) l.popTail();
  assert.deepEqual(l.toArray(), ['first', 'e0']);
  // The nodes' array holds the two nodes and a little room, not the 5,000 slots made for the head.
  const buf = (l as unknown as { nodes: { buf: unknown[] } }).nodes.buf;
  assert.ok(buf.length < 200, `the nodes' array kept ${buf.length} slots`);
});
