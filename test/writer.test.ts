// Reply encoder: RESP2 and RESP3 shapes, buffer handling, and formatDouble against C's "%.17g".
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ReplyWriter, formatDouble, formatG, type Resp } from '../src/protocol/writer.js';
import { decimalLength } from '../src/latin1.js';

function writer(resp: Resp = 2): { w: ReplyWriter; codes: string[] } {
  const codes: string[] = [];
  const w = new ReplyWriter({ countError: (c) => codes.push(c) });
  w.resp = resp;
  return { w, codes };
}

function bytes(w: ReplyWriter): string {
  return w.take().toString('latin1');
}

/** Writes with `f` in RESP2 and RESP3 and returns both encodings. */
function both(f: (w: ReplyWriter) => void): [string, string] {
  const a = writer(2).w;
  const b = writer(3).w;
  f(a);
  f(b);
  return [bytes(a), bytes(b)];
}

describe('ReplyWriter: shapes in RESP2 and RESP3', () => {
  const cases: [string, (w: ReplyWriter) => void, string, string][] = [
    ['ok', (w) => w.ok(), '+OK\r\n', '+OK\r\n'],
    ['simple', (w) => w.simple('PONG'), '+PONG\r\n', '+PONG\r\n'],
    ['int', (w) => w.int(-42), ':-42\r\n', ':-42\r\n'],
    ['bigint', (w) => w.int(9223372036854775807n), ':9223372036854775807\r\n', ':9223372036854775807\r\n'],
    ['intText', (w) => w.intText('-9007199254740991'), ':-9007199254740991\r\n', ':-9007199254740991\r\n'],
    ['bulk', (w) => w.bulk('hello'), '$5\r\nhello\r\n', '$5\r\nhello\r\n'],
    ['empty bulk', (w) => w.bulk(''), '$0\r\n\r\n', '$0\r\n\r\n'],
    ['binary bulk', (w) => w.bulk('\x00\r\n\xff'), '$4\r\n\x00\r\n\xff\r\n', '$4\r\n\x00\r\n\xff\r\n'],
    ['null bulk', (w) => w.nullBulk(), '$-1\r\n', '_\r\n'],
    ['bulkOrNull(null)', (w) => w.bulkOrNull(null), '$-1\r\n', '_\r\n'],
    ['bulkOrNull(undefined)', (w) => w.bulkOrNull(undefined), '$-1\r\n', '_\r\n'],
    ['bulkOrNull(value)', (w) => w.bulkOrNull('v'), '$1\r\nv\r\n', '$1\r\nv\r\n'],
    ['null array', (w) => w.nullArray(), '*-1\r\n', '_\r\n'],
    ['empty array', (w) => w.array(0), '*0\r\n', '*0\r\n'],
    ['map', (w) => (w.map(2), w.bulk('a'), w.int(1), w.bulk('b'), w.int(2)), '*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n', '%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n'],
    ['empty map', (w) => w.map(0), '*0\r\n', '%0\r\n'],
    ['set', (w) => (w.set(1), w.bulk('m')), '*1\r\n$1\r\nm\r\n', '~1\r\n$1\r\nm\r\n'],
    ['push', (w) => (w.push(2), w.bulk('message'), w.bulk('x')), '*2\r\n$7\r\nmessage\r\n$1\r\nx\r\n', '>2\r\n$7\r\nmessage\r\n$1\r\nx\r\n'],
    ['true', (w) => w.bool(true), ':1\r\n', '#t\r\n'],
    ['false', (w) => w.bool(false), ':0\r\n', '#f\r\n'],
    ['double', (w) => w.double(0.1), '$19\r\n0.10000000000000001\r\n', ',0.10000000000000001\r\n'],
    ['integral double', (w) => w.double(3), '$1\r\n3\r\n', ',3\r\n'],
    ['inf', (w) => w.double(Infinity), '$3\r\ninf\r\n', ',inf\r\n'],
    ['-inf', (w) => w.double(-Infinity), '$4\r\n-inf\r\n', ',-inf\r\n'],
    ['nan', (w) => w.double(NaN), '$3\r\nnan\r\n', ',nan\r\n'],
    ['verbatim', (w) => w.verbatim('a:b\r\n'), '$5\r\na:b\r\n\r\n', '=9\r\ntxt:a:b\r\n\r\n'],
    ['verbatim markdown', (w) => w.verbatim('# x', 'mkd'), '$3\r\n# x\r\n', '=7\r\nmkd:# x\r\n'],
    ['big number', (w) => w.bigNumber('1234567890123456789012'), '$22\r\n1234567890123456789012\r\n', '(1234567890123456789012\r\n'],
    ['bulks', (w) => w.bulks(['a', '', 'bc']), '*3\r\n$1\r\na\r\n$0\r\n\r\n$2\r\nbc\r\n', '*3\r\n$1\r\na\r\n$0\r\n\r\n$2\r\nbc\r\n'],
    ['error', (w) => w.error('ERR syntax error'), '-ERR syntax error\r\n', '-ERR syntax error\r\n'],
  ];
  for (const [name, f, resp2, resp3] of cases) {
    it(name, () => assert.deepEqual(both(f), [resp2, resp3]));
  }

  it('error replies: newlines become spaces, the code is counted', () => {
    const { w, codes } = writer();
    w.error('ERR bad\r\nthing\n');
    w.error('WRONGTYPE Operation against a key holding the wrong kind of value');
    w.error('NOAUTH');
    assert.equal(bytes(w), '-ERR bad  thing \r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-NOAUTH\r\n');
    assert.deepEqual(codes, ['ERR', 'WRONGTYPE', 'NOAUTH']);
    assert.equal(w.errors, 3);
  });

  it('bulk strings of any size and every byte value round-trip', () => {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    for (const s of [all.toString('latin1'), 'x'.repeat(1023), 'y'.repeat(1024), 'z'.repeat(100_000)]) {
      const { w } = writer();
      w.bulk(s);
      const out = w.take();
      const head = `$${s.length}\r\n`;
      assert.equal(out.toString('latin1', 0, head.length), head);
      assert.ok(out.subarray(head.length, head.length + s.length).equals(Buffer.from(s, 'latin1')));
      assert.equal(out.toString('latin1', head.length + s.length), '\r\n');
      assert.equal(out.length, head.length + s.length + 2);
    }
  });

  it('grows past its initial buffer and stays usable after take()', () => {
    const { w } = writer();
    let expected = '';
    for (let i = 0; i < 5000; i++) {
      w.int(i);
      expected += `:${i}\r\n`;
    }
    w.bulk('q'.repeat(40_000));
    expected += `$40000\r\n${'q'.repeat(40_000)}\r\n`;
    assert.equal(bytes(w), expected);
    assert.equal(w.len, 0);
    assert.equal(bytes(w), '');
    w.ok();
    assert.equal(bytes(w), '+OK\r\n');
  });

  it('a small take() is a copy: later writes do not change it', () => {
    const { w } = writer();
    w.simple('first');
    const a = w.take();
    w.simple('other');
    assert.equal(a.toString('latin1'), '+first\r\n');
    // A big take() hands the buffer over; later writes must not change it either.
    w.take();
    w.bulk('b'.repeat(10_000));
    const big = w.take();
    const copy = Buffer.from(big);
    w.bulk('c'.repeat(10_000));
    assert.ok(big.equals(copy));
  });

  it('integers and counts of any magnitude are written as decimal text', () => {
    const values = [0, 7, -7, 10, 99, 100, -1000, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 60, 1e21];
    // Every digit-count boundary (the int32 and the double paths both).
    for (let k = 1; k <= 15; k++) values.push(10 ** k - 1, 10 ** k, -(10 ** k) + 1, -(10 ** k));
    for (const n of values) {
      const { w } = writer();
      w.int(n);
      w.array(Math.abs(n));
      assert.equal(bytes(w), `:${n}\r\n*${Math.abs(n)}\r\n`);
    }
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer()), (n) => {
        const { w } = writer();
        w.int(n);
        return bytes(w) === `:${n}\r\n`;
      }),
    );
  });

  it('decimalLength(n) is String(n).length for safe integers of every digit count and sign', () => {
    for (let p = 1; p <= Number.MAX_SAFE_INTEGER; p *= 10) {
      for (const n of [p - 1, p, p + 1, 2 ** 31 - 1, 2 ** 31, Number.MAX_SAFE_INTEGER, 0]) {
        assert.equal(decimalLength(n), String(n).length, String(n));
        assert.equal(decimalLength(-n), String(-n).length, String(-n));
      }
    }
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => decimalLength(n) === String(n).length));
  });

  it('bulkId(head, n) writes the bulk string head-n, for every digit count and past 2^31', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constantFrom(0, 9, 10, 99, 2 ** 31 - 1, 2 ** 31, 10 ** 9, 10 ** 10 - 1)), (head, n) => {
        const { w } = writer();
        w.bulkId(head, n);
        const text = `${head}-${n}`;
        return bytes(w) === `$${text.length}\r\n${text}\r\n`;
      }),
    );
  });

  it('pending() is a view until sent(): a consumed buffer is reused, a kept one is left to its holder', () => {
    const { w } = writer();
    w.simple('first');
    const a = w.pending();
    assert.equal(a.toString('latin1'), '+first\r\n');
    w.sent(false); // still held by the receiver: later writes must not change it
    w.simple('other');
    assert.equal(a.toString('latin1'), '+first\r\n');
    const b = w.pending();
    assert.equal(b.toString('latin1'), '+other\r\n', 'a reply of the same length in the new buffer, not the view of the kept one');
    w.sent(true);
    assert.equal(w.len, 0);
    w.ok();
    assert.equal(w.pending().toString('latin1'), '+OK\r\n');
    assert.equal(b.buffer, w.pending().buffer, 'a consumed buffer is written again');
    w.sent(true);
    // The same reply turn after turn in the same buffer: the same view, showing each turn's bytes.
    w.simple('NO');
    const again = w.pending();
    assert.equal(again.toString('latin1'), '+NO\r\n');
    w.sent(true);
    // A buffer that grew past 256 KiB for a big reply is not kept after it was sent.
    w.bulk('g'.repeat(300_000));
    const big = w.pending();
    w.sent(true);
    w.ok();
    assert.notEqual(w.pending().buffer, big.buffer);
    assert.equal(bytes(w), '+OK\r\n');
  });

  it('keeps no view of a buffer it handed on or gave back (it would keep that buffer alive)', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const refs: WeakRef<ArrayBufferLike>[] = [];
    // Handed on with its bytes (a write that completes later; later replies are taken, not viewed).
    const a = writer().w;
    a.bulk('h'.repeat(800));
    refs.push(new WeakRef(a.pending().buffer));
    a.sent(false);
    // A spill buffer given back after its turn.
    const b = writer().w;
    b.bulk('s'.repeat(300_000));
    refs.push(new WeakRef(b.pending().buffer));
    b.sent(true);
    // WeakRefs hold their targets until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    assert.deepEqual(
      refs.map((r) => r.deref() === undefined),
      [true, true],
    );
  });

  it('a turn that outgrows the reply buffer moves to a spill buffer, kept for the next turns until resize() sees small turns', () => {
    const { w } = writer();
    const turn = (n: number): ArrayBufferLike => {
      w.bulk('x'.repeat(n));
      const view = w.pending();
      w.sent(true);
      return view.buffer;
    };
    const rb = turn(10);
    assert.equal(rb.byteLength, 1024);
    const grown = turn(70_000);
    assert.notEqual(grown, rb);
    assert.ok(grown.byteLength > 70_000);
    assert.equal(turn(70_000), grown, 'the next big turn is written in the spill buffer, without growing again');
    assert.equal(w.rbSize, 1024, 'the reply buffer is not the spill');
    assert.equal(w.allocated, 1024 + grown.byteLength, 'both are counted');
    w.resize(1, true, 5000);
    assert.equal(turn(10), grown, 'while it is kept, the spill takes small turns too');
    w.resize(2, true, 5000);
    assert.equal(w.allocated, w.rbSize, 'a second of small turns gives the spill back');
    // Then turns are written in the reply buffer again (doubled meanwhile: the big turns filled it).
    assert.equal(turn(10).byteLength, w.rbSize);
    assert.equal(w.rbSize, 2048);
    // DEBUG REPLYBUFFER RESIZING 0: nothing is given back.
    const kept = turn(70_000);
    w.resize(3, false, 5000);
    w.resize(4, false, 5000);
    assert.equal(turn(70_000), kept);
    // Bytes still to send are never dropped by resize().
    w.bulk('y'.repeat(40_000));
    w.resize(5, true, 5000);
    w.resize(6, true, 5000);
    assert.equal(bytes(w), '$40000\r\n' + 'y'.repeat(40_000) + '\r\n');
  });

  it('a spill buffer is given back once the reply buffer, doubled by resize(), holds the turns', () => {
    const { w } = writer();
    const turns = (): void => {
      for (let i = 0; i < 3; i++) {
        w.raw('x'.repeat(12_000));
        w.sent(true);
      }
    };
    const sizes: number[] = [];
    for (let t = 0; t < 6; t++) {
      turns();
      w.resize(t + 1, true, -1);
      sizes.push(w.allocated);
    }
    // 1 KiB doubled to 16 KiB, each time beside the spill; then 16 KiB alone holds 12 kB turns.
    assert.equal(w.rbSize, 16 * 1024);
    assert.equal(sizes[sizes.length - 1], 16 * 1024, `allocated: ${sizes.join(' ')}`);
  });

  it("resize() sizes the reply buffer as Redis's client cron does", () => {
    const { w } = writer();
    const turn = (n: number): void => {
      w.raw('x'.repeat(n));
      w.sent(true);
    };
    // A new client's is 1 KiB, and stays so while idle.
    assert.equal(w.rbSize, 1024);
    assert.equal(w.resize(10_000, true, 100), null);
    assert.equal(w.resize(10_050, true, 100), null);
    assert.equal(w.rbSize, 1024);
    // Turns that fill it: doubles at each call, up to 16 KiB.
    const sizes: number[] = [];
    for (let t = 0; t < 6; t++) {
      turn(40_000);
      w.resize(10_060 + t, true, -1);
      sizes.push(w.rbSize);
    }
    assert.deepEqual(sizes, [2048, 4096, 8192, 16384, 16384, 16384]);
    // The peak of 16 KiB is never reset (-1): no shrink however small the turns.
    turn(10);
    assert.equal(w.resize(20_000, true, -1), null);
    assert.equal(w.rbSize, 16 * 1024);
    // Reset after 5 s: peaks under half the size shrink it to the peak + 1.
    w.resize(30_000, true, 5000);
    turn(3000);
    assert.equal(w.resize(30_001, true, 5000), 'shrunk');
    assert.equal(w.rbSize, 3001);
    // Idle for 5 s: down to the 1 KiB floor.
    w.resize(35_001, true, 5000);
    assert.equal(w.resize(35_002, true, 5000), 'shrunk');
    assert.equal(w.rbSize, 1024);
    // Replies not yet sent move with it.
    w.raw('pending');
    w.resize(40_000, true, 5000);
    w.resize(40_001, true, 5000);
    assert.ok(w.rbSize >= 1024);
    assert.equal(bytes(w), 'pending');
  });

  it('lengths count bytes, not UTF-16 units of decoded text (latin1 in, latin1 out)', () => {
    const { w } = writer();
    const utf8 = Buffer.from('é€', 'utf8').toString('latin1');
    w.bulk(utf8);
    assert.ok(w.take().equals(Buffer.concat([Buffer.from('$5\r\n'), Buffer.from('é€', 'utf8'), Buffer.from('\r\n')])));
  });
});

describe('formatDouble: equals C printf("%.17g") (values from glibc and redis-server ZSCORE)', () => {
  // [input, %.17g]: produced by glibc printf; the ZSCORE ones checked against redis-server 7.0.15.
  const known: [number, string][] = [
    [0.1, '0.10000000000000001'],
    [1.5, '1.5'],
    [3, '3'],
    [-2.5, '-2.5'],
    [100, '100'],
    [10.5, '10.5'],
    [1e21, '1e+21'],
    [1e-5, '1.0000000000000001e-05'],
    [0.0001, '0.0001'],
    [1.234e-5, '1.234e-05'],
    [1.2345678901234568e17, '1.2345678901234568e+17'],
    [1e17, '1e+17'],
    [1e16, '10000000000000000'],
    [1e23, '9.9999999999999992e+22'],
    [5e-324, '4.9406564584124654e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [2.2250738585072014e-308, '2.2250738585072014e-308'],
    [0.30000000000000004, '0.30000000000000004'],
    [1 / 3, '0.33333333333333331'],
    [3.14159, '3.1415899999999999'],
    [12345.678, '12345.678'],
    [1e100, '1e+100'],
    [2 ** 53, '9007199254740992'],
    [-1e-300, '-1e-300'],
    [4.35, '4.3499999999999996'],
    [1.1, '1.1000000000000001'],
    // Exact ties at the 18th digit round half to even, as glibc does (toExponential rounds them up).
    [2 ** -25, '2.9802322387695312e-08'],
    [5 * 2 ** -24, '2.9802322387695312e-07'],
    [13 * 2 ** -24, '7.7486038208007812e-07'],
    [15 * 2 ** -24, '8.9406967163085938e-07'],
    [12345 * 2 ** -19, '0.023546218872070312'],
    [770967312082294.625, '770967312082294.62'],
    [-1425502010969177.25, '-1425502010969177.2'],
    [-0, '-0'],
    [0, '0'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [NaN, 'nan'],
  ];
  for (const [d, s] of known) {
    it(`${String(d)} -> ${s}`, () => assert.equal(formatDouble(d), s));
  }

  it('formatG with other precisions (%.6g, %.1g)', () => {
    assert.equal(formatG(0.1, 6), '0.1');
    assert.equal(formatG(123456789, 6), '1.23457e+08');
    assert.equal(formatG(999999.5, 6), '1e+06');
    assert.equal(formatG(0.000123456, 6), '0.000123456');
    assert.equal(formatG(9.5, 1), '1e+01');
    assert.equal(formatG(1.5, 1), '2');
    assert.equal(formatG(2.5, 1), '2');
    assert.equal(formatG(0.25, 1), '0.2');
    assert.equal(formatG(-0.75, 1), '-0.8');
    assert.equal(formatG(-289078877577128.5, 15), '-289078877577128');
  });

  it('round-trips every finite double (17 significant digits are enough)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        const s = formatDouble(d);
        assert.ok(Object.is(Number(s), d), `${d} -> ${s}`);
        assert.match(s, /^-?(\d+(\.\d+)?|\d(\.\d+)?e[+-]\d{2,3})$/);
      }),
      { numRuns: 2000 },
    );
  });
});
