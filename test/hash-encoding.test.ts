// The hash value's layouts (store/types/hash.ts) against a plain Map model: random HSET / HDEL /
// HINCRBY / HRANDFIELD / HSCAN / COPY sequences that cross the small -> big layout change, the
// listpack -> hashtable encoding change and the big layout's Map -> Dict change (limits injected
// small), checking contents, order, encoding, memBytes(), random picks and the SCAN guarantee.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HashValue } from '../src/store/types/hash.js';
import { ScanCursors } from '../src/store/scan.js';
import { DICT_ENTRY, DICT_HEADER, LISTPACK_HEADER, OBJ_HEADER, listpackEntryBytes, sdsBytes } from '../src/store/memsize.js';

const LIM = { entries: 8, value: 6 };

type Op =
  | { t: 'set'; f: number; v: string }
  | { t: 'del'; f: number }
  | { t: 'incr'; f: number; by: number }
  | { t: 'rand'; count: number }
  | { t: 'scan'; count: number }
  | { t: 'evict' }
  | { t: 'copy' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('set' as const), f: fc.nat(39), v: fc.oneof(fc.constantFrom('x', '12', '0', '-0', '007', '-5', '+1', '1e3', ' 1'), fc.integer().map(String), fc.string({ maxLength: 8 })) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('del' as const), f: fc.nat(39) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('incr' as const), f: fc.nat(39), by: fc.integer({ min: -5, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('rand' as const), count: fc.integer({ min: -6, max: 45 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('scan' as const), count: fc.integer({ min: 1, max: 7 }) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'evict' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'copy' as const }) },
);

/** What memBytes() must say for the model's contents in the given encoding. */
function expectedBytes(model: Map<string, string>, listpack: boolean): number {
  let packed = 0;
  let table = 0;
  for (const [f, v] of model) {
    packed += listpackEntryBytes(f.length) + listpackEntryBytes(v.length);
    table += sdsBytes(f.length) + sdsBytes(v.length);
  }
  return listpack ? OBJ_HEADER + LISTPACK_HEADER + packed : OBJ_HEADER + DICT_HEADER + model.size * DICT_ENTRY + table;
}

/** Runs with the layout limits injected small. */
function withSmallLimits(fn: () => void): void {
  const small = HashValue.smallMax;
  const map = HashValue.mapMax;
  HashValue.smallMax = 4;
  HashValue.mapMax = 16;
  try {
    fn();
  } finally {
    HashValue.smallMax = small;
    HashValue.mapMax = map;
  }
}

/** A scan in progress: the fields present at its start, those removed since, those returned. */
interface Scan {
  cursor: bigint;
  atStart: Set<string>;
  removed: Set<string>;
  seen: Set<string>;
}

describe('hash value layouts vs a Map model', () => {
  test('random command sequences (property)', () => {
    withSmallLimits(() => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
          const h = new HashValue();
          const model = new Map<string, string>();
          let listpack = true;
          const cursors = new ScanCursors(8);
          let scan: Scan | null = null;
          for (const op of ops) {
            switch (op.t) {
              case 'set': {
                const f = 'f' + op.f;
                assert.equal(h.set(f, op.v, h.listpack ? LIM : null), !model.has(f));
                model.set(f, op.v);
                if (f.length > LIM.value || op.v.length > LIM.value) listpack = false;
                break;
              }
              case 'del': {
                const f = 'f' + op.f;
                assert.equal(h.delete(f), model.delete(f));
                if (scan !== null) scan.removed.add(f);
                break;
              }
              case 'incr': {
                // HINCRBY's value-level effect: read, add, write back (integers only).
                const f = 'f' + op.f;
                const cur = h.get(f);
                assert.equal(cur, model.get(f));
                if (cur !== undefined && !/^(0|-?[1-9][0-9]*)$/.test(cur)) break;
                const next = String(Number(cur ?? '0') + op.by);
                assert.equal(h.set(f, next, h.listpack ? LIM : null), !model.has(f));
                model.set(f, next);
                break;
              }
              case 'rand': {
                if (model.size === 0) break;
                if (op.count < 0) {
                  for (let j = 0; j < -op.count; j++) {
                    const i = h.randomIndex();
                    assert.equal(model.get(h.fieldAt(i)), h.valueAt(i));
                  }
                } else if (op.count > 0 && op.count < model.size) {
                  const fields = h.sample(op.count).map((i) => {
                    assert.equal(model.get(h.fieldAt(i)), h.valueAt(i));
                    return h.fieldAt(i);
                  });
                  assert.equal(new Set(fields).size, op.count);
                }
                break;
              }
              case 'scan': {
                if (scan === null) scan = { cursor: 0n, atStart: new Set(model.keys()), removed: new Set(), seen: new Set() };
                const s: Scan = scan;
                if (h.small) {
                  // HSCAN returns a small hash whole.
                  for (const f of model.keys()) s.seen.add(f);
                  s.cursor = 0n;
                } else {
                  s.cursor = BigInt(cursors.scan(h.scanSource(), s.cursor, op.count, (f) => s.seen.add(f)));
                }
                if (s.cursor === 0n) {
                  for (const f of s.atStart) if (!s.removed.has(f)) assert.ok(s.seen.has(f), `scan missed ${f}`);
                  scan = null;
                }
                break;
              }
              case 'evict':
                cursors.clear();
                break;
              case 'copy': {
                const c = h.copy();
                assert.deepEqual(c.pairs(), [...model].flat());
                assert.equal(c.encoding(), h.encoding());
                assert.equal(c.memBytes(), h.memBytes());
                c.set('copyonly', '1', null);
                c.delete('f0');
                assert.equal(h.has('copyonly'), false);
                assert.equal(h.get('f0'), model.get('f0'));
                break;
              }
            }
            if (model.size > LIM.entries) listpack = false;
            assert.equal(h.size, model.size);
            assert.equal(h.encoding(), listpack ? 'listpack' : 'hashtable');
            assert.equal(h.memBytes(), expectedBytes(model, listpack));
          }
          // Contents and insertion order, whole and lazily.
          assert.deepEqual(h.pairs(), [...model].flat());
          assert.deepEqual([...h.entries()], [...model]);
          for (let i = 0; i < 40; i++) assert.equal(h.get('f' + i), model.get('f' + i));
        }),
        { numRuns: 300 },
      );
    });
  });

  test('random picks stay uniform over the live fields after deletes and re-adds', () => {
    withSmallLimits(() => {
      const h = new HashValue();
      for (let i = 0; i < 60; i++) h.set('f' + i, 'v' + i, null);
      h.randomIndex(); // builds the pick array
      for (let i = 0; i < 25; i++) h.delete('f' + i);
      for (let i = 0; i < 5; i++) h.set('f' + i, 'again' + i, null); // revived, not appended
      for (let i = 60; i < 65; i++) h.set('f' + i, 'v' + i, null);
      const live = new Set<string>();
      for (const [f] of h.entries()) live.add(f);
      assert.equal(live.size, 45);
      const draws = 45_000;
      const hits = new Map<string, number>();
      for (let j = 0; j < draws; j++) {
        const i = h.randomIndex();
        const f = h.fieldAt(i);
        assert.ok(live.has(f), f);
        assert.equal(h.valueAt(i), h.get(f));
        hits.set(f, (hits.get(f) ?? 0) + 1);
      }
      // Expected 1000 each (sd about 31): a duplicate in the array would double a field.
      for (const f of live) {
        const n = hits.get(f) ?? 0;
        assert.ok(n > 800 && n < 1200, `${f}: ${n}`);
      }
      // Distinct samples: each field equally likely (5 of 45 per draw: expected 1000 each).
      const inSample = new Map<string, number>();
      for (let j = 0; j < 9000; j++) {
        const fields = h.sample(5).map((i) => h.fieldAt(i));
        assert.equal(new Set(fields).size, 5);
        for (const f of fields) inSample.set(f, (inSample.get(f) ?? 0) + 1);
      }
      for (const f of live) {
        const n = inSample.get(f) ?? 0;
        assert.ok(n > 800 && n < 1200, `${f}: ${n}`);
      }
      // A large sample drops the dead fields first; it still returns distinct live fields.
      const big = h.sample(40).map((i) => h.fieldAt(i));
      assert.equal(new Set(big).size, 40);
      for (const f of big) assert.ok(live.has(f));
      // Deleting most fields drops the pick array; picks still work afterwards.
      for (const f of [...live].slice(0, 40)) h.delete(f);
      for (let j = 0; j < 200; j++) assert.ok(h.has(h.fieldAt(h.randomIndex())));
    });
  });

  test('a scan across the Map -> Dict change returns every field present throughout', () => {
    withSmallLimits(() => {
      const h = new HashValue();
      for (let i = 0; i < 10; i++) h.set('a' + i, 'v', null);
      const cursors = new ScanCursors();
      const seen = new Set<string>();
      let cursor = 0n;
      let n = 0;
      do {
        cursor = BigInt(cursors.scan(h.scanSource(), cursor, 2, (f) => seen.add(f)));
        // Grow past mapMax (16) mid-scan, with a delete so the fallback's removal count matters.
        if (n++ === 1) {
          for (let i = 0; i < 30; i++) h.set('b' + i, 'v', null);
          h.delete('a0');
        }
      } while (cursor !== 0n);
      for (let i = 1; i < 10; i++) assert.ok(seen.has('a' + i), 'a' + i);
      assert.equal(h.size, 39);
    });
  });
  test('integer-looking values come back byte for byte', () => {
    withSmallLimits(() => {
      const vals = ['0', '-0', '00', '01', '-', '', '7', '-7', '999999999', '-999999999', '1000000000', '-1000000000', '4294967296', '+5', '5 ', '1.0', '0x1', '１'];
      const h = new HashValue();
      vals.forEach((v, i) => h.set('f' + i, v, null));
      assert.equal(h.small, false);
      vals.forEach((v, i) => assert.equal(h.get('f' + i), v));
      assert.deepEqual(h.pairs(), vals.flatMap((v, i) => ['f' + i, v]));
      assert.deepEqual([...h.entries()], vals.map((v, i) => ['f' + i, v]));
      const c = h.copy();
      vals.forEach((v, i) => assert.equal(c.get('f' + i), v));
    });
  });
});
