// Pure parts of the keyspace: the chained Dict, SCAN cursors, the glob matcher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Dict } from '../src/store/dict.js';
import { KeyTable } from '../src/store/keytable.js';
import { GLOB_MAX_PATTERN, GLOB_MAX_STARS, globMatch } from '../src/store/glob.js';
import { parseCursor, ScanCursors, type ScanSource } from '../src/store/scan.js';
import { ManualClock } from '../src/store/clock.js';
import { Keyspace } from '../src/store/db.js';

test('Dict chains Maps past the shard limit (limit injected small)', () => {
  const d = new Dict<number>(4);
  for (let i = 0; i < 10; i++) d.set(`k${i}`, i);
  assert.equal(d.size, 10);
  assert.equal(d.shardCount, 3);
  for (let i = 0; i < 10; i++) assert.equal(d.get(`k${i}`), i);
  assert.ok(d.has('k9') && !d.has('nope'));
  // Overwriting a key in an earlier shard updates it in place (no duplicate, order kept).
  d.set('k1', 100);
  assert.equal(d.size, 10);
  assert.equal(d.get('k1'), 100);
  assert.deepEqual([...d.keys()], Array.from({ length: 10 }, (_, i) => `k${i}`));
  // Emptying a middle shard drops it; the order of the rest is kept.
  for (const k of ['k4', 'k5', 'k6', 'k7']) assert.ok(d.delete(k));
  assert.equal(d.shardCount, 2);
  assert.ok(!d.delete('k4'));
  assert.deepEqual([...d.keys()], ['k0', 'k1', 'k2', 'k3', 'k8', 'k9']);
  // New keys go at the end.
  d.set('new', 1);
  assert.deepEqual([...d.keys()].slice(-1), ['new']);
  assert.equal(d.removals, 4);
  d.clear();
  assert.equal(d.size, 0);
  assert.equal(d.shardCount, 1);
  assert.equal(d.removals, 4 + 7);
});

test('Dict iterators are live across shards, even when the shard being read is dropped', () => {
  const d = new Dict<number>(2);
  for (let i = 0; i < 6; i++) d.set(`k${i}`, i); // shards: [k0 k1] [k2 k3] [k4 k5]
  const it = d.keys();
  assert.equal(it.next().value, 'k0');
  assert.equal(it.next().value, 'k1');
  assert.equal(it.next().value, 'k2');
  // Drop the shard the iterator is in; then the next shard must still be visited.
  d.delete('k2');
  d.delete('k3');
  d.set('k6', 6); // goes after k5 (a new shard)
  assert.deepEqual([...it], ['k4', 'k5', 'k6']);
});

test('Keyspace with a small shard limit holds more keys per db than one shard', () => {
  const ks = new Keyspace(2, new ManualClock(), 16);
  const db = ks.db(0);
  for (let i = 0; i < 1000; i++) db.set(`key:${i}`, String(i));
  assert.equal(db.size, 1000);
  assert.equal(db.data.shardCount, Math.ceil(1000 / 16));
  for (let i = 0; i < 1000; i += 7) assert.equal(db.lookup(`key:${i}`), String(i));
  for (let i = 0; i < 1000; i += 2) assert.ok(db.delete(`key:${i}`));
  assert.equal(db.size, 500);
  assert.equal(db.randomKey()?.startsWith('key:'), true);
});

test('parseCursor follows strtoul: sign, wrap, empty is 0, no spaces, 64 bits', () => {
  assert.equal(parseCursor(''), 0n);
  assert.equal(parseCursor('+5'), 5n);
  assert.equal(parseCursor('-0'), 0n);
  assert.equal(parseCursor('-1'), 2n ** 64n - 1n);
  assert.equal(parseCursor('007'), 7n);
  assert.equal(parseCursor('18446744073709551615'), 2n ** 64n - 1n);
  for (const bad of ['18446744073709551616', '+', '-', ' 1', '1 ', '\t1', '0x10', 'abc', '1.5']) assert.equal(parseCursor(bad), null, bad);
});

/** Runs a full scan of `d` while `mutate` changes it between steps; returns what was seen. */
function fullScan(cur: ScanCursors, d: Dict<number>, count: number, mutate: (step: number) => void): Set<string> {
  const src = (): ScanSource<string> => ({ owner: d, open: () => d.keys(), removals: d.removals });
  const seen = new Set<string>();
  let cursor = 0n;
  for (let step = 0; step < 100000; step++) {
    const next = cur.scan(src(), cursor, count, (k) => seen.add(k));
    if (next === '0') return seen;
    cursor = BigInt(next);
    mutate(step);
  }
  throw new Error('scan did not terminate');
}

test('SCAN cursors: every key present throughout is returned, under inserts and deletes, cached or not', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 1, max: 7 }),
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 120 })), { maxLength: 80 }),
      fc.constantFrom(0, 1, 1000),
      fc.constantFrom(3, 1000),
      (initial, count, ops, capacity, shardMax) => {
        const d = new Dict<number>(shardMax);
        for (let i = 0; i < initial; i++) d.set(`k${i}`, i);
        const touched = new Set<string>();
        let op = 0;
        const seen = fullScan(new ScanCursors(capacity), d, count, () => {
          // A few writes between scan calls.
          for (let n = 0; n < 3 && op < ops.length; n++, op++) {
            const [add, i] = ops[op]!;
            const k = `k${i}`;
            touched.add(k);
            if (add) d.set(k, i);
            else d.delete(k);
          }
        });
        for (const k of d.keys()) {
          if (!touched.has(k)) assert.ok(seen.has(k), `key ${k} present throughout was not returned`);
        }
      },
    ),
    { numRuns: 400 },
  );
});

test('SCAN cursors: two scans at the same position do not disturb each other; the cache is bounded', () => {
  const d = new Dict<number>();
  for (let i = 0; i < 50; i++) d.set(`k${i}`, i);
  const cur = new ScanCursors(8);
  const src: ScanSource<string> = { owner: d, open: () => d.keys(), removals: 0 };
  const a: string[] = [];
  const b: string[] = [];
  let ca = 0n;
  let cb = 0n;
  for (;;) {
    const na = cur.scan(src, ca, 5, (k) => a.push(k));
    const nb = cur.scan(src, cb, 5, (k) => b.push(k));
    assert.equal(na, nb, 'same position, same cursor');
    if (na === '0') break;
    ca = BigInt(na);
    cb = BigInt(nb);
  }
  assert.equal(a.length, 50);
  assert.deepEqual(a, b);
  // Abandoned scans do not grow the cache without bound.
  for (let i = 0; i < 100; i++) cur.scan(src, 0n, 1, () => {});
  assert.ok(cur.cached <= 8);
});

test('SCAN cursors: idle cached iterators are dropped (their cursors still work)', () => {
  let t = 0;
  const cur = new ScanCursors(100, 1000, () => t);
  const d = new Dict<number>();
  for (let i = 0; i < 10; i++) d.set(`k${i}`, i);
  const src = (): ScanSource<string> => ({ owner: d, open: () => d.keys(), removals: d.removals });
  const first: string[] = [];
  const c1 = cur.scan(src(), 0n, 4, (k) => first.push(k));
  t += 500;
  cur.scan(src(), 0n, 4, () => {});
  assert.equal(cur.cached, 2);
  t += 600; // the first is now idle for 1100 ms
  cur.scan(src(), 0n, 4, () => {});
  assert.equal(cur.cached, 2);
  const rest: string[] = [];
  assert.equal(cur.scan(src(), BigInt(c1), 100, (k) => rest.push(k)), '0');
  assert.deepEqual([...first, ...rest], [...d.keys()], 'the fallback resumes exactly where the scan was');
});

// ---- glob ----

/** A reference matcher written from the semantics, recursive and obviously slow. */
function refMatch(pat: string, str: string, nocase: boolean): boolean {
  if (str.length === 0) return pat.length === 0;
  type Tok = { k: 'star' } | { k: 'any' } | { k: 'lit'; c: number } | { k: 'cls'; test: (c: number) => boolean };
  const low = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);
  const sc = (c: number) => (c > 127 ? c - 256 : c);
  const toks: Tok[] = [];
  let i = 0;
  while (i < pat.length) {
    const ch = pat[i]!;
    if (ch === '*') {
      toks.push({ k: 'star' });
      i++;
    } else if (ch === '?') {
      toks.push({ k: 'any' });
      i++;
    } else if (ch === '\\' && i + 1 < pat.length) {
      toks.push({ k: 'lit', c: pat.charCodeAt(i + 1) });
      i += 2;
    } else if (ch === '[') {
      i++;
      const neg = pat[i] === '^';
      if (neg) i++;
      const parts: ((c: number) => boolean)[] = [];
      while (i < pat.length && pat[i] !== ']') {
        if (pat[i] === '\\' && i + 1 < pat.length) {
          const e = pat.charCodeAt(i + 1);
          parts.push((c) => c === e);
          i += 2;
        } else if (i + 2 < pat.length && pat[i + 1] === '-') {
          const a = sc(pat.charCodeAt(i));
          const b = sc(pat.charCodeAt(i + 2));
          const lo = Math.min(a, b);
          const hi = Math.max(a, b);
          parts.push((c) => (nocase ? low(sc(c)) >= low(lo) && low(sc(c)) <= low(hi) : sc(c) >= lo && sc(c) <= hi));
          i += 3;
        } else {
          const l = pat.charCodeAt(i);
          parts.push((c) => (nocase ? low(c) === low(l) : c === l));
          i++;
        }
      }
      i++; // the ']' (or past the end)
      toks.push({ k: 'cls', test: (c) => parts.some((p) => p(c)) !== neg });
    } else {
      toks.push({ k: 'lit', c: pat.charCodeAt(i) });
      i++;
    }
  }
  const rec = (t: number, s: number): boolean => {
    if (t === toks.length) return s === str.length;
    const tok = toks[t]!;
    if (tok.k === 'star') return rec(t + 1, s) || (s < str.length && rec(t, s + 1));
    if (s === str.length) return false;
    const c = str.charCodeAt(s);
    if (tok.k === 'any') return rec(t + 1, s + 1);
    if (tok.k === 'lit') return (nocase ? low(tok.c) === low(c) : tok.c === c) && rec(t + 1, s + 1);
    return tok.test(c) && rec(t + 1, s + 1);
  };
  return rec(0, 0);
}

test('glob: fixed cases with Redis semantics', () => {
  const cases: [string, string, boolean, boolean?][] = [
    ['*', 'anything', true],
    ['*', '', false], // Redis: an empty string matches only the empty pattern
    ['', '', true],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hallo', true], // reversed range
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['[a-]', ']', true], // "[a-]" is the range a..]
    ['[abc', 'b', true], // unterminated class
    ['[]a]', ']a]', false],
    ['\\', '\\', true],
    ['[a-\xff]', 'A', true], // signed chars: \xff..a
    ['[a-\xff]', 'b', false],
    ['[\x30-\x80]', '\xe0', true],
    ['HELLO', 'hello', true, true],
    ['[A-Z]', 'q', true, true],
    ['[\\A]', 'a', false, true], // an escape in a class is case-sensitive
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbYcd', false],
  ];
  for (const [p, s, want, nocase] of cases) {
    assert.equal(globMatch(p, s, nocase ?? false), want, `${JSON.stringify(p)} ~ ${JSON.stringify(s)}`);
    assert.equal(refMatch(p, s, nocase ?? false), want, `reference: ${JSON.stringify(p)} ~ ${JSON.stringify(s)}`);
  }
});

test('glob: property: the iterative matcher agrees with the recursive reference', () => {
  const patChar = fc.constantFrom('a', 'b', 'A', 'z', '*', '?', '[', ']', '^', '-', '\\', '\x00', '\xe0', '\xff');
  const strChar = fc.constantFrom('a', 'b', 'A', 'Z', 'z', '-', ']', '\\', '^', '\x00', '\xe0', '\xff');
  fc.assert(
    fc.property(fc.array(patChar, { maxLength: 12 }), fc.array(strChar, { maxLength: 10 }), fc.boolean(), (p, s, nocase) => {
      const pat = p.join('');
      const str = s.join('');
      assert.equal(globMatch(pat, str, nocase), refMatch(pat, str, nocase), `${JSON.stringify(pat)} ~ ${JSON.stringify(str)} nocase=${nocase}`);
    }),
    { numRuns: 20000 },
  );
});

test('glob: a 60k-character pattern of stars returns quickly, without recursion', () => {
  const stars = '*'.repeat(60_000);
  const t0 = performance.now();
  assert.equal(globMatch(stars, 'a'.repeat(1000)), true);
  assert.equal(globMatch(stars + 'x', 'a'.repeat(1000)), false);
  assert.equal(globMatch('a' + stars.slice(0, 30_000) + 'b' + stars.slice(0, 30_000) + 'c', 'a' + 'x'.repeat(2000) + 'b' + 'y'.repeat(2000)), false);
  assert.ok(performance.now() - t0 < 1000, 'took too long');
});

test('glob: caps: Redis\'s limit of 1000 star groups, and a pattern over GLOB_MAX_PATTERN matches nothing', () => {
  const long = 'a'.repeat(2000) + 'b';
  const t0 = performance.now();
  // Replies of redis-server 7.0.15's KEYS for these patterns against `long`.
  assert.equal(globMatch('a*'.repeat(GLOB_MAX_STARS) + 'b', long), true);
  assert.equal(globMatch('a*'.repeat(GLOB_MAX_STARS + 1) + 'b', long), false);
  assert.equal(globMatch('a*'.repeat(GLOB_MAX_STARS + 1), long), true, 'a trailing star group still matches');
  assert.equal(globMatch('a*'.repeat(GLOB_MAX_STARS) + '**', long), true);
  assert.equal(globMatch('a*'.repeat(GLOB_MAX_STARS + 1) + 'a*', long), false);
  assert.equal(globMatch('*a'.repeat(GLOB_MAX_STARS + 1) + '*', long), false);
  assert.equal(globMatch('*a'.repeat(GLOB_MAX_STARS) + '*', long), true);
  assert.equal(globMatch('*'.repeat(5000), long), true, 'consecutive stars are one group');
  assert.equal(globMatch('A*'.repeat(GLOB_MAX_STARS + 1) + 'B', long, true), false, 'nocase too');
  assert.equal(globMatch('*', 'x'.repeat(GLOB_MAX_PATTERN + 1)), true);
  assert.equal(globMatch('a'.repeat(GLOB_MAX_PATTERN), 'a'.repeat(GLOB_MAX_PATTERN)), true);
  assert.equal(globMatch('a'.repeat(GLOB_MAX_PATTERN + 1), 'a'.repeat(GLOB_MAX_PATTERN + 1)), false);
  assert.equal(globMatch('*'.repeat(GLOB_MAX_PATTERN + 1), 'a'), false);
  assert.ok(performance.now() - t0 < 1000, 'took too long');
});

test('LFU counters decay across the 16-bit minute wrap as Redis counts it', () => {
  // The minute 65535 (mod 2^16), then two minutes on: Redis's LFUTimeElapsed says 1.
  const clock = new ManualClock(((65535 + 65536 * 400) * 60_000));
  const ks = new Keyspace(1, clock);
  ks.setAccessMode('lfu');
  const db = ks.db(0);
  db.set('k', 'v');
  const state = db.data.clockOf('k')!;
  assert.equal(ks.lfuCounter(state), 5);
  clock.advance(2 * 60_000);
  assert.equal(ks.lfuCounter(state), 4);
  clock.advance(60_000);
  assert.equal(ks.lfuCounter(state), 3);
});

test('KeyTable: slots hold values and access clocks, are reused after a delete, and iterate in insertion order', () => {
  const t = new KeyTable<string>();
  // More than a page of slots.
  for (let i = 0; i < 5000; i++) t.add(`k${i}`, `v${i}`, i);
  assert.equal(t.size, 5000);
  const s = t.slot('k4500');
  assert.equal(t.value(s), 'v4500');
  assert.equal(t.clock(s), 4500);
  assert.equal(t.clockOf('k4500'), 4500);
  t.setClock(s, 7);
  t.replace(s, 'w');
  assert.deepEqual([t.get('k4500'), t.clockOf('k4500')], ['w', 7]);
  assert.equal(t.slot('nope'), -1);
  assert.equal(t.clockOf('nope'), undefined);
  // A deleted key's slot goes to the next new key, with the new key's value and clock.
  assert.equal(t.remove('k10'), 'v10');
  assert.equal(t.remove('k10'), undefined);
  assert.equal(t.slot('k10'), -1);
  const reused = t.add('fresh', 'f', 99);
  assert.equal(reused, 10);
  assert.deepEqual([t.get('fresh'), t.clockOf('fresh'), t.get('k10')], ['f', 99, undefined]);
  // A replaced value keeps the key's clock.
  t.replace(t.slot('fresh'), 'g');
  assert.deepEqual([t.get('fresh'), t.clockOf('fresh')], ['g', 99]);
  // Iteration is the index's: insertion order, values as they are when reached.
  const it = t.entries();
  assert.deepEqual(it.next().value, ['k0', 'v0']);
  t.replace(t.slot('k1'), 'changed');
  assert.deepEqual(it.next().value, ['k1', 'changed']);
  assert.deepEqual([...t.keys()].slice(-2), ['k4999', 'fresh']);
  t.fillClocks(3);
  assert.deepEqual([t.clockOf('k0'), t.clockOf('k4999'), t.clockOf('fresh')], [3, 3, 3]);
  t.clear();
  assert.equal(t.size, 0);
  assert.equal(t.add('a', 'b', 1), 0);
  // Emptied key by key, it starts again from slot 0 (its pages were dropped), keeping its removal count.
  t.add('c', 'd', 2);
  const removals = t.removals;
  t.remove('a');
  t.remove('c');
  assert.equal(t.removals, removals + 2);
  assert.equal(t.add('e', 'f', 3), 0);
});

test('KeyTable: the last-key cache always gives what the index gives (random adds, removes, clears, equal keys as other strings)', () => {
  const t = new KeyTable<number>();
  const ref = new Map<string, number>();
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  // Keys rebuilt from parts each time: equal content, a different string object (as argv is).
  const key = (): string => ['k', String(rnd(40))].join('');
  for (let step = 0; step < 20000; step++) {
    const k = key();
    const op = rnd(100);
    if (op < 40) {
      const i = t.slot(k);
      assert.equal(i < 0 ? undefined : t.value(i), ref.get(k), `slot ${k} at step ${step}`);
    } else if (op < 65) {
      if (!ref.has(k)) {
        t.add(k, step, 0);
        ref.set(k, step);
      }
    } else if (op < 95) {
      assert.equal(t.remove(k), ref.get(k));
      ref.delete(k);
    } else if (op === 99) {
      t.clear();
      ref.clear();
    } else {
      const i = t.slot(k);
      if (i >= 0) {
        t.replace(i, -step);
        ref.set(k, -step);
      }
    }
    assert.equal(t.get(k), ref.get(k));
    assert.equal(t.has(k), ref.has(k));
  }
});
