// Memory accounting of the dataset (DESIGN.md "Memory is accounted, not sampled"): each value's
// memBytes, kept by its own mutations; each database's `used`, kept by every change of keys; and
// the dispatcher's reaccounting of values changed in place, checked through MEMORY USAGE.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RawConn, startServer, waitFor, type TestServer } from './helpers.js';
import { ManualClock } from '../src/store/clock.js';
import { Keyspace, entryBytes, valueOf, type Db, type TypedValue, type Value } from '../src/store/db.js';
import { ListValue } from '../src/store/types/list.js';
import { HashValue, type HashLimits } from '../src/store/types/hash.js';
import { SetValue } from '../src/store/types/set.js';
import { ZSet } from '../src/store/types/zset.js';
import * as M from '../src/store/memsize.js';

const LIM: HashLimits = { entries: 128, value: 64 };
const MAX_INTSET = 512;

/** Every database's count equals a recount from scratch. */
function assertExact(ks: Keyspace, what = ''): void {
  for (const db of ks.dbs) assert.equal(db.used, db.recount(), `db ${db.id} ${what}`);
  let sum = 0;
  for (const db of ks.dbs) sum += db.recount();
  assert.equal(ks.datasetBytes(), sum);
}

/**
 * A value's bytes computed from scratch from its elements and encoding (the formulas of
 * store/memsize.ts), against which the incrementally kept memBytes is checked.
 */
function fromScratch(v: TypedValue): number {
  let n = 0;
  if (v instanceof ListValue) {
    for (const x of v.toArray()) n += M.listpackEntryBytes(x.length);
    return M.OBJ_HEADER + M.QUICKLIST_HEADER + n + M.QUICKLIST_NODE * Math.ceil(n / M.QUICKLIST_NODE_BYTES);
  }
  if (v instanceof HashValue) {
    const p = v.pairs();
    for (let i = 0; i < p.length; i += 2) {
      const [f, x] = [p[i]!.length, p[i + 1]!.length];
      n += v.listpack ? M.listpackEntryBytes(f) + M.listpackEntryBytes(x) : M.DICT_ENTRY + M.sdsBytes(f) + M.sdsBytes(x);
    }
    return M.OBJ_HEADER + (v.listpack ? M.LISTPACK_HEADER : M.DICT_HEADER) + n;
  }
  if (v instanceof SetValue) {
    const ms = v.ordered();
    if (v.intset) return M.OBJ_HEADER + M.INTSET_HEADER + ms.length * Math.max(2, ...ms.map(M.intWidth));
    for (const x of ms) n += M.DICT_ENTRY + M.sdsBytes(x.length);
    return M.OBJ_HEADER + M.DICT_HEADER + n;
  }
  if (v instanceof ZSet) {
    for (const [x] of v.tree.ascending()) {
      n += v.listpack ? M.LISTPACK_SCORE + M.listpackEntryBytes(x.length) : M.DICT_ENTRY + M.SKIPLIST_NODE + M.sdsBytes(x.length);
    }
    return M.OBJ_HEADER + (v.listpack ? M.LISTPACK_HEADER : M.SKIPLIST_HEADER) + n;
  }
  throw new Error('unknown value type');
}

/** Every typed value's memBytes equals its from-scratch figure. */
function assertValuesExact(ks: Keyspace, what: string): void {
  for (const db of ks.dbs) {
    for (const [k, v] of db.data.entries()) {
      if (typeof v === 'object') assert.equal(v.memBytes!(), fromScratch(v), `${v.type} ${v.encoding()} at ${JSON.stringify(k)} after ${what}`);
    }
  }
}

// ---- generators ----------------------------------------------------------------------------

const elem = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', 'x', '\u00ff', '\u0000'), maxLength: 6 }),
  fc.nat({ max: 300 }).map((n) => 'v'.repeat(n)),
  fc.constantFrom('0', '7', '-5', '40000', '-3000000000', '9223372036854775807', '12a'),
);
const intElem = fc.constantFrom('0', '1', '-1', '300', '32767', '32768', '-32769', '70000', '2147483648', '-9223372036854775808');
const setElem = fc.oneof(intElem, intElem, elem);

type Spec =
  | { t: 'string'; s: string }
  | { t: 'list'; items: string[] }
  | { t: 'hash'; pairs: [string, string][]; lim: boolean }
  | { t: 'set'; members: string[] }
  | { t: 'zset'; members: [string, number][]; listpack: boolean; sorted: boolean };

const spec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ t: fc.constant('string' as const), s: elem }),
  fc.record({ t: fc.constant('list' as const), items: fc.array(elem, { maxLength: 40 }) }),
  fc.record({ t: fc.constant('hash' as const), pairs: fc.array(fc.tuple(elem, elem), { maxLength: 40 }), lim: fc.boolean() }),
  fc.record({ t: fc.constant('set' as const), members: fc.array(setElem, { maxLength: 80 }) }),
  fc.record({
    t: fc.constant('zset' as const),
    members: fc.array(fc.tuple(elem, fc.integer({ min: -5, max: 5 })), { maxLength: 50 }),
    listpack: fc.boolean(),
    sorted: fc.boolean(),
  }),
);

function build(s: Spec): Value {
  switch (s.t) {
    case 'string':
      return s.s;
    case 'list':
      return ListValue.from(s.items);
    case 'hash': {
      const h = new HashValue();
      for (const [f, v] of s.pairs) h.set(f, v, s.lim ? LIM : null);
      return h;
    }
    case 'set': {
      const st = new SetValue();
      for (const m of s.members) st.add(m, MAX_INTSET);
      return st;
    }
    case 'zset': {
      const seen = new Map<string, number>();
      for (const [m, sc] of s.members) seen.set(m, sc);
      if (s.sorted) {
        const es = [...seen].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        return ZSet.fromSorted(
          es.map((e) => e[0]),
          es.map((e) => e[1]),
          s.listpack,
        );
      }
      const z = new ZSet(s.listpack);
      for (const [m, sc] of seen) z.insert(m, sc);
      return z;
    }
  }
}

/** One in-place change of a typed value, chosen by `pick` and `x` (as a command would make it). */
function mutate(v: TypedValue, pick: number, x: string, n: number): void {
  if (v instanceof ListValue) {
    const len = v.length;
    switch (pick % 9) {
      case 0:
        return v.pushHead(x);
      case 1:
        return v.pushTail(x);
      case 2:
        v.popHead();
        return;
      case 3:
        v.popTail();
        return;
      case 4:
        if (len > 0) v.setAt(n % len, x);
        return;
      case 5:
        return v.insertAt(n % (len + 1), x);
      case 6:
        v.trim(n % 3, (n >> 2) % 3);
        return;
      case 7:
        if (len > 0) v.remove(v.at(n % len), n % 3, n % 2 === 0);
        return;
      default:
        if (n % 5 === 0) v.clear();
        else v.pushTail(x);
        return;
    }
  }
  if (v instanceof HashValue) {
    if (pick % 3 === 2 && v.size > 0) v.delete(v.fieldAt(n % v.size));
    else if (pick % 3 === 1 && v.size > 0) v.set(v.fieldAt(n % v.size), x, LIM);
    else v.set(x, String(n), pick % 2 === 0 ? LIM : null);
    return;
  }
  if (v instanceof SetValue) {
    if (pick % 2 === 1 && v.size > 0) v.remove(v.memberAt(n % v.size));
    else v.add(pick % 4 === 0 ? String(n * 7919 - 100000) : x, MAX_INTSET);
    return;
  }
  if (v instanceof ZSet) {
    const s = v.score(x);
    if (pick % 4 === 3) v.listpack = false;
    else if (s === undefined) v.insert(x, n % 7);
    else if (pick % 2 === 0) v.update(x, s, s + 1);
    else v.remove(x);
    if (v.size > 0 && pick % 5 === 0) v.remove(v.tree.memberAt(n % v.size));
  }
}

const KEYS = ['a', 'b', 'c', 'key:with-a-longer-name', ''];
const key = fc.constantFrom(...KEYS);
const dbi = fc.nat({ max: 2 });

type Op =
  | { op: 'set'; db: number; key: string; v: Spec; keepTtl: boolean }
  | { op: 'mutate'; db: number; key: string; steps: { pick: number; x: string; n: number }[] }
  | { op: 'del'; db: number; key: string }
  | { op: 'expire'; db: number; key: string; ms: number }
  | { op: 'persist'; db: number; key: string }
  | { op: 'advance'; ms: number; db: number; key: string }
  | { op: 'activeExpire' }
  | { op: 'flush'; db: number }
  | { op: 'flushAll' }
  | { op: 'swap'; a: number; b: number }
  | { op: 'rename'; db: number; src: string; dst: string }
  | { op: 'move'; from: number; to: number; key: string }
  | { op: 'copy'; from: number; to: number; src: string; dst: string }
  | { op: 'takePut' }
  | { op: 'notifyNew'; on: boolean }
  | { op: 'addDel'; db: number; v: Spec; ttl: boolean }
  | { op: 'roundTrip'; db: number; key: string; x: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('set' as const), db: dbi, key, v: spec, keepTtl: fc.boolean() }), weight: 4 },
  {
    arbitrary: fc.record({
      op: fc.constant('mutate' as const),
      db: dbi,
      key,
      steps: fc.array(fc.record({ pick: fc.nat(), x: elem, n: fc.nat({ max: 1000 }) }), { minLength: 1, maxLength: 8 }),
    }),
    weight: 8,
  },
  fc.record({ op: fc.constant('del' as const), db: dbi, key }),
  fc.record({ op: fc.constant('expire' as const), db: dbi, key, ms: fc.integer({ min: -10, max: 100 }) }),
  fc.record({ op: fc.constant('persist' as const), db: dbi, key }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.nat({ max: 60 }), db: dbi, key }),
  fc.constant({ op: 'activeExpire' as const }),
  fc.record({ op: fc.constant('flush' as const), db: dbi }),
  { arbitrary: fc.constant({ op: 'flushAll' as const }), weight: 1 },
  fc.record({ op: fc.constant('swap' as const), a: dbi, b: dbi }),
  fc.record({ op: fc.constant('rename' as const), db: dbi, src: key, dst: key }),
  fc.record({ op: fc.constant('move' as const), from: dbi, to: dbi, key }),
  fc.record({ op: fc.constant('copy' as const), from: dbi, to: dbi, src: key, dst: key }),
  fc.constant({ op: 'takePut' as const }),
  fc.record({ op: fc.constant('notifyNew' as const), on: fc.boolean() }),
  fc.record({ op: fc.constant('addDel' as const), db: dbi, v: spec, ttl: fc.boolean() }),
  fc.record({ op: fc.constant('roundTrip' as const), db: dbi, key, x: elem }),
);

/** Adds then removes one element (the same bytes) in place; memBytes must come back exactly. */
function roundTrip(v: TypedValue, x: string): void {
  const enc = v.encoding();
  const before = v.memBytes!();
  if (v instanceof ListValue) {
    v.pushHead(x);
    assert.ok(v.memBytes() > before);
    v.popHead();
    v.pushTail(x);
    v.popTail();
    v.insertAt(v.length >> 1, x);
    v.remove(x, 1, false);
  } else if (v instanceof HashValue) {
    const f = 'rt:' + x;
    if (v.has(f)) return;
    v.set(f, x, LIM);
    if (v.encoding() === enc) assert.ok(v.memBytes() > before);
    v.delete(f);
  } else if (v instanceof SetValue) {
    if (v.has(x)) return;
    v.add(x, MAX_INTSET);
    if (v.encoding() === enc) assert.ok(v.memBytes() > before);
    v.remove(x);
  } else if (v instanceof ZSet) {
    if (v.score(x) !== undefined) return;
    v.insert(x, 1.5);
    assert.ok(v.memBytes() > before);
    v.remove(x);
  }
  // A conversion (listpack to hashtable, intset to hashtable) is one-way, as in Redis.
  if (v.encoding() === enc) assert.equal(v.memBytes!(), before, `${v.type} ${enc} round trip of ${JSON.stringify(x)}`);
}

function run(ks: Keyspace, clock: ManualClock, o: Op): void {
  const db = (i: number): Db => ks.db(i);
  switch (o.op) {
    case 'set':
      db(o.db).set(o.key, build(o.v), o.keepTtl);
      return;
    case 'mutate': {
      const d = db(o.db);
      const v = d.lookup(o.key);
      if (v === undefined || typeof v === 'string') return;
      for (const st of o.steps) mutate(v, st.pick, st.x, st.n);
      // As the dispatcher does after a write command; an emptied value is deleted, as handlers do.
      d.reaccount(o.key);
      if ((v as { size?: number; length?: number }).size === 0 || (v as { length?: number }).length === 0) d.delete(o.key);
      return;
    }
    case 'del':
      db(o.db).delete(o.key);
      return;
    case 'expire':
      if (db(o.db).exists(o.key)) db(o.db).setExpire(o.key, clock.now() + o.ms);
      return;
    case 'persist':
      db(o.db).persist(o.key);
      return;
    case 'advance':
      clock.advance(o.ms);
      db(o.db).lookupRead(o.key);
      return;
    case 'activeExpire':
      ks.activeExpireCycle(1000, 1);
      return;
    case 'flush':
      db(o.db).flush();
      return;
    case 'flushAll':
      ks.flushAll();
      return;
    case 'swap':
      ks.swap(o.a, o.b);
      return;
    case 'rename': {
      // As RENAME does (commands/keys.ts).
      const d = db(o.db);
      const v = d.lookup(o.src);
      if (v === undefined || o.src === o.dst) return;
      const at = d.getExpire(o.src);
      if (d.lookup(o.dst) !== undefined) d.delete(o.dst);
      d.set(o.dst, v);
      if (at !== undefined) d.setExpire(o.dst, at);
      d.delete(o.src);
      return;
    }
    case 'move': {
      const from = db(o.from);
      const to = db(o.to);
      if (o.from === o.to) return;
      const v = from.lookup(o.key);
      if (v === undefined || to.lookup(o.key) !== undefined) return;
      const at = from.getExpire(o.key);
      to.set(o.key, v);
      if (at !== undefined) to.setExpire(o.key, at);
      from.delete(o.key);
      return;
    }
    case 'copy': {
      const from = db(o.from);
      const to = db(o.to);
      if (o.from === o.to && o.src === o.dst) return;
      const v = from.lookupRead(o.src);
      if (v === undefined) return;
      const at = from.getExpire(o.src);
      to.delete(o.dst);
      to.set(o.dst, typeof v === 'string' ? v : v.copy!());
      if (at !== undefined) to.setExpire(o.dst, at);
      return;
    }
    case 'takePut': {
      const before = ks.datasetBytes();
      const taken = ks.takeContents();
      assert.equal(ks.datasetBytes(), 0);
      assertExact(ks, 'taken');
      ks.putContents(taken);
      assert.equal(ks.datasetBytes(), before);
      return;
    }
    case 'notifyNew':
      ks.onNewKey = o.on ? () => {} : null;
      return;
    case 'addDel': {
      const d = db(o.db);
      const before = d.used;
      const k = 'fresh-key-not-in-the-pool';
      d.set(k, build(o.v));
      if (o.ttl) d.setExpire(k, clock.now() + 1000);
      assert.ok(d.used > before);
      assert.ok(d.delete(k));
      assert.equal(d.used, before, 'add then delete');
      return;
    }
    case 'roundTrip': {
      const d = db(o.db);
      const v = d.lookup(o.key);
      if (v === undefined || typeof v === 'string') return;
      roundTrip(v, o.x);
      d.reaccount(o.key);
      return;
    }
  }
}

// Small flat layouts, so the properties reach the big layouts (a Map, a Set) of hashes and sets too.
HashValue.smallMax = 4;
SetValue.smallMax = 4;

describe('memBytes of each value type', () => {
  test('more and longer elements cost more; removing them gives the bytes back exactly', () => {
    fc.assert(
      fc.property(spec, fc.array(elem, { minLength: 1, maxLength: 30 }), (s, xs) => {
        const v = build(s);
        if (typeof v === 'string') return;
        assert.equal(v.memBytes!(), fromScratch(v));
        for (const x of xs) roundTrip(v, x);
        assert.equal(v.memBytes!(), fromScratch(v));
      }),
      { numRuns: 300 },
    );
  });

  test('lists: a quicklist of listpack entries, a node per 8 kB', () => {
    const l = new ListValue();
    const empty = l.memBytes();
    l.pushTail('x'.repeat(100));
    const one = l.memBytes();
    assert.ok(one - empty > 100 && one - empty < 200, `${one - empty}`);
    for (let i = 0; i < 99; i++) l.pushTail('x'.repeat(100));
    assert.ok(l.memBytes() - empty >= 10_000);
    const lengths = [0, 1, 63, 64, 127, 128, 4095, 4096, 20_000];
    for (let i = 1; i < lengths.length; i++) {
      assert.ok(ListValue.from(['y'.repeat(lengths[i]!)]).memBytes() > ListValue.from(['y'.repeat(lengths[i - 1]!)]).memBytes());
    }
    const c = l.copy();
    assert.equal(c.memBytes(), l.memBytes());
    l.trim(10, 20);
    l.remove('x'.repeat(100), 5, true);
    l.setAt(0, 'short');
    assert.equal(l.memBytes(), ListValue.from(l.toArray()).memBytes());
    l.clear();
    assert.equal(l.memBytes(), empty);
  });

  test('hashes: listpack bytes while small, a hash table of entries once converted', () => {
    const h = new HashValue();
    for (let i = 0; i < 10; i++) h.set(`f${i}`, `v${i}`, LIM);
    assert.equal(h.encoding(), 'listpack');
    const packed = h.memBytes();
    h.set('f0', 'x'.repeat(65), LIM);
    assert.equal(h.encoding(), 'hashtable');
    h.set('f0', 'v0', LIM);
    // The same pairs cost more in a hash table (an entry per field) than packed.
    assert.ok(h.memBytes() > packed + 10 * 24, `${h.memBytes()} vs ${packed}`);
    assert.equal(h.copy().memBytes(), h.memBytes());
  });

  test('sets: an intset of 2, 4 or 8 bytes per member, a hash table otherwise', () => {
    const s = new SetValue();
    for (let i = 0; i < 10; i++) s.add(String(i), MAX_INTSET);
    const narrow = s.memBytes();
    s.add('1', MAX_INTSET);
    assert.equal(s.memBytes(), narrow);
    s.add('100000', MAX_INTSET);
    assert.equal(s.memBytes() - narrow, 11 * 4 - 10 * 2);
    s.add('-9223372036854775808', MAX_INTSET);
    assert.equal(s.memBytes() - narrow, 12 * 8 - 10 * 2);
    assert.equal(s.copy().memBytes(), s.memBytes());
    s.remove('-9223372036854775808');
    s.remove('100000');
    assert.equal(s.memBytes(), narrow);
    assert.equal(s.encoding(), 'intset');
    s.add('m', MAX_INTSET);
    assert.equal(s.encoding(), 'hashtable');
    assert.ok(s.memBytes() > narrow + 11 * 24);
    assert.equal(s.copy().memBytes(), s.memBytes());
  });

  test('sorted sets: listpack or skiplist by the encoding flag, whoever sets it', () => {
    const z = new ZSet(true);
    for (let i = 0; i < 50; i++) z.insert(`m${i}`, i);
    const packed = z.memBytes();
    z.update('m3', 3, 100);
    assert.equal(z.memBytes(), packed);
    assert.equal(z.copy().memBytes(), packed);
    z.listpack = false;
    assert.ok(z.memBytes() > packed + 50 * 50);
    const [ms, ss] = z.tree.toArrays();
    assert.equal(ZSet.fromSorted(ms, ss, false).memBytes(), z.memBytes());
  });
});

describe('Db.used', () => {
  test('equals a recount after random operations of every kind', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const clock = new ManualClock();
        const ks = new Keyspace(3, clock);
        const start = ks.datasetBytes();
        for (const o of ops) {
          run(ks, clock, o);
          assertExact(ks, o.op);
          assertValuesExact(ks, o.op);
        }
        ks.flushAll();
        assert.equal(ks.datasetBytes(), start);
      }),
      { numRuns: 400 },
    );
  });

  test('a key costs its entryBytes: key, value, expires entry', () => {
    const ks = new Keyspace(1, new ManualClock());
    const db = ks.db(0);
    db.set('k', 'value');
    assert.equal(db.used, entryBytes('k', 'value', false));
    db.setExpire('k', Date.now() + 1000);
    assert.equal(db.used, entryBytes('k', 'value', true));
    db.setExpire('k', Date.now() + 2000);
    assert.equal(db.used, entryBytes('k', 'value', true));
    db.set('k', 'other value', true);
    assert.equal(db.used, entryBytes('k', 'other value', true));
    db.set('k', 'v');
    assert.equal(db.used, entryBytes('k', 'v', false));
    const l = ListValue.from(['a', 'b']);
    db.set('k', l);
    assert.equal(db.used, entryBytes('k', l, false));
    assert.ok(db.delete('k'));
    assert.equal(db.used, 0);
  });

  test('a value changed in place counts once reaccounted; before that, deleting it takes back what was added', () => {
    const ks = new Keyspace(2, new ManualClock());
    const db = ks.db(0);
    const l = ListValue.from(['a']);
    db.set('l', l);
    const added = db.used;
    for (let i = 0; i < 10; i++) l.pushTail('x'.repeat(50));
    assert.equal(db.used, added);
    assert.notEqual(db.recount(), db.used);
    db.reaccount('l');
    assert.equal(db.used, db.recount());
    db.reaccount('l');
    db.reaccount('missing');
    assert.equal(db.used, db.recount());
    // Stale (changed but not yet reaccounted) when deleted: exact anyway.
    l.pushTail('more');
    db.delete('l');
    assert.equal(db.used, 0);
  });

  test('a stale value renamed or moved keeps both databases exact once its new key is reaccounted', () => {
    const ks = new Keyspace(2, new ManualClock());
    const [a, b] = [ks.db(0), ks.db(1)];
    const h = new HashValue();
    h.set('f', 'v', LIM);
    a.set('h', h);
    a.set('other', 'x');
    h.set('g', 'w'.repeat(40), LIM);
    // RENAME h h2 as the handler does it; the dispatcher then reaccounts both keys.
    a.set('h2', h);
    a.delete('h');
    a.reaccount('h');
    a.reaccount('h2');
    assert.equal(a.used, a.recount());
    // MOVE h2 1 after another in-place change.
    h.set('z', 'z'.repeat(100), LIM);
    b.set('h2', h);
    a.delete('h2');
    a.reaccount('h2');
    assert.equal(a.used, a.recount());
    assert.equal(a.used, entryBytes('other', 'x', false));
    b.reaccount('h2');
    assert.equal(b.used, b.recount());
    assert.equal(b.used, entryBytes('h2', h, false));
  });

  test('expiry (lazy and active), SWAPDB and flushes keep the counts exact', () => {
    const clock = new ManualClock();
    const ks = new Keyspace(2, clock);
    const db = ks.db(0);
    for (let i = 0; i < 100; i++) {
      db.set(`k${i}`, i % 2 === 0 ? 'v'.repeat(i) : ListValue.from(['a', 'b'.repeat(i)]));
      if (i % 3 === 0) db.setExpire(`k${i}`, clock.now() + i);
    }
    const full = db.used;
    assert.equal(full, db.recount());
    clock.advance(50);
    assert.equal(db.lookupRead('k3'), undefined);
    ks.activeExpireCycle(1000, 1);
    assert.ok(db.used < full);
    assertExact(ks);
    ks.swap(0, 1);
    assert.equal(ks.db(0).used, 0);
    assertExact(ks);
    ks.db(1).flush();
    assert.equal(ks.datasetBytes(), 0);
  });
});

describe('MEMORY USAGE through the server', () => {
  let ours: TestServer;
  let c: RawConn;
  const clock = new ManualClock();
  before(async () => {
    ours = await startServer({ 'enable-debug-command': 'yes' }, clock);
    c = await RawConn.connect(ours.port);
  });
  after(async () => {
    c?.close();
    await ours?.close();
  });

  const usage = async (k: string): Promise<number> => {
    const r = await c.call('MEMORY', 'USAGE', k);
    assert.match(r, /^:\d+\r\n$/, r);
    return Number(r.slice(1, -2));
  };
  const exact = (what: string): void => assertExact(ours.server.ks, what);

  test('LPUSH of 100 elements of 100 bytes grows the key by 10,000 bytes or more; LPOP gives them back', async () => {
    const start = ours.server.ks.datasetBytes();
    assert.equal(await c.call('RPUSH', 'biglist', 'first'), ':1\r\n');
    const base = await usage('biglist');
    const items = Array.from({ length: 100 }, (_, i) => String(i).padStart(3, '0') + 'e'.repeat(97));
    assert.equal(await c.call('LPUSH', 'biglist', ...items), ':101\r\n');
    const grown = await usage('biglist');
    assert.ok(grown - base >= 10_000, `grew by ${grown - base}`);
    exact('after LPUSH');
    for (let i = 0; i < 100; i++) await c.call('LPOP', 'biglist');
    assert.equal(await usage('biglist'), base);
    exact('after LPOP');
    assert.equal(await c.call('LPOP', 'biglist'), '$5\r\nfirst\r\n');
    assert.equal(await c.call('MEMORY', 'USAGE', 'biglist'), '$-1\r\n');
    assert.equal(ours.server.ks.datasetBytes(), start);
  });

  test('MEMORY USAGE reports what the accounting counts', async () => {
    await c.call('SET', 's', 'hello');
    await c.call('EXPIRE', 's', '100');
    const db = ours.server.ks.db(0);
    assert.equal(await usage('s'), entryBytes('s', 'hello', true));
    await c.call('HSET', 'h', 'f', 'v');
    assert.equal(await usage('h'), entryBytes('h', valueOf(db.data.get('h')!), false));
    await c.call('DEL', 's', 'h');
  });

  test('write commands of every type, blocking, MULTI, keyspace moves, expiry and reloads keep the dataset count exact', async () => {
    const big = 'q'.repeat(70);
    const steps: string[][] = [
      ['RPUSH', 'l', 'a', 'b', 'c', big],
      ['LSET', 'l', '0', big],
      ['LINSERT', 'l', 'BEFORE', 'b', 'x'],
      ['LREM', 'l', '0', big],
      ['LTRIM', 'l', '0', '1'],
      ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'],
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['HSET', 'h', 'c', big],
      ['HINCRBY', 'h', 'a', '100000'],
      ['HDEL', 'h', 'b'],
      ['SADD', 's', '1', '2', '3'],
      ['SADD', 's', '5000000000'],
      ['SREM', 's', '5000000000'],
      ['SADD', 's', 'member'],
      ['SMOVE', 's', 's2', 'member'],
      ['SPOP', 's'],
      ['SUNIONSTORE', 'su', 's', 's2'],
      ['ZADD', 'z', '1', 'a', '2', 'b'],
      ['ZINCRBY', 'z', '5', 'a'],
      ['ZADD', 'z', '3', big],
      ['ZREM', 'z', 'b'],
      ['ZUNIONSTORE', 'zu', '1', 'z'],
      ['ZPOPMIN', 'zu'],
      // SORT converts a listpack sorted set to a skiplist (as Redis does): its size changes.
      ['SORT', 'zu', 'STORE', 'zsorted'],
      ['SORT', 'l2', 'ALPHA', 'STORE', 'sorted'],
      ['MULTI'],
      ['RPUSH', 'ml', 'x', 'y'],
      ['SELECT', '1'],
      ['RPUSH', 'ml', 'in-db-1'],
      ['SELECT', '0'],
      ['EXEC'],
      ['RENAME', 'h', 'h-renamed'],
      ['HSET', 'h-renamed', 'new', 'field'],
      ['COPY', 'h-renamed', 'h-copy', 'DB', '2'],
      ['MOVE', 'z', '3'],
      ['SWAPDB', '0', '3'],
      ['SWAPDB', '0', '3'],
      ['SET', 'str', 'abc'],
      ['APPEND', 'str', 'defgh'],
      ['PEXPIRE', 'l2', '10'],
      ['DEL', 'su'],
      ['SET', 'counter', '10'],
      ['INCR', 'counter'],
      // Counters INCR keeps as numbers (Stored): accounted as their digits, across digit counts.
      ['SET', 'c9', '9'],
      ['INCR', 'c9'],
      ['INCRBY', 'c9', '89'],
      ['INCR', 'c9'],
      ['DECRBY', 'c9', '109'],
      ['DECR', 'c9'],
      ['INCRBY', 'cbig', '9007199254740990'],
      ['INCR', 'cbig'],
      ['INCR', 'cbig'],
      ['RENAME', 'counter', 'counter2'],
      ['COPY', 'counter2', 'counter3'],
      ['MOVE', 'counter3', '4'],
      ['APPEND', 'c9', 'x'],
    ];
    for (const s of steps) {
      await c.call(...s);
      exact(s.join(' '));
    }
    const dump = await c.call('DUMP', 'sorted');
    assert.match(dump, /^\$\d+\r\n/);
    const payload = Buffer.from(dump, 'latin1').subarray(dump.indexOf('\r\n') + 2, -2);
    await c.call('RESTORE', 'restored', '0', payload);
    exact('RESTORE');
    clock.advance(20);
    assert.equal(await c.call('EXISTS', 'l2'), ':0\r\n');
    exact('expired');
    // A client blocked on a list is served by another's push: the served BLMOVE changes two lists.
    const d = await RawConn.connect(ours.port);
    try {
      d.send('BLMOVE', 'bl', 'bl-dst', 'LEFT', 'LEFT', '0');
      await waitFor(async () => /blocked_clients:1\r\n/.test(await c.call('INFO', 'clients')), 5000, 'BLMOVE blocked');
      await c.call('RPUSH', 'bl', 'one', 'two');
      assert.equal(await d.reply(), '$3\r\none\r\n');
      exact('served BLMOVE');
    } finally {
      d.close();
    }
    const before = ours.server.ks.datasetBytes();
    assert.equal(await c.call('DEBUG', 'RELOAD'), '+OK\r\n');
    exact('DEBUG RELOAD');
    assert.ok(ours.server.ks.datasetBytes() > 0);
    assert.ok(Math.abs(ours.server.ks.datasetBytes() - before) < before, 'reload keeps about the same bytes');
    await c.call('FLUSHALL');
    assert.equal(ours.server.ks.datasetBytes(), 0);
  });
});
