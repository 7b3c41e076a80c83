// Expiry driven by a ManualClock: lazy expiry on access, active expiry from the server cron,
// TTL arithmetic. No test sleeps: the clock moves by hand and the cron is called directly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../src/store/clock.js';
import { Keyspace } from '../src/store/db.js';
import { RawConn, startServer, type TestServer } from './helpers.js';

const clock = new ManualClock(1_700_000_000_000);
let t: TestServer;
let c: RawConn;

before(async () => {
  t = await startServer({ hz: '1' }, clock);
  c = await RawConn.connect(t.port);
});

after(async () => {
  c?.close();
  await t?.close();
});

const int = (n: number) => `:${n}\r\n`;

test('lazy expiry: a key lives through its last millisecond and is gone after it', async () => {
  await c.call('FLUSHALL');
  const expiredBefore = t.server.ks.stats.expiredKeys;
  assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
  assert.equal(await c.call('PEXPIRE', 'k', '100'), int(1));
  clock.advance(100); // exactly at its time: still there, TTL 0
  assert.equal(await c.call('PTTL', 'k'), int(0));
  assert.equal(await c.call('EXISTS', 'k'), int(1));
  clock.advance(1);
  assert.equal(await c.call('DBSIZE'), int(1), 'not yet removed: nothing touched it');
  assert.equal(await c.call('GET', 'k'), '$-1\r\n');
  assert.equal(await c.call('DBSIZE'), int(0));
  assert.equal(t.server.ks.stats.expiredKeys, expiredBefore + 1);
  assert.equal(await c.call('TTL', 'k'), int(-2));
});

test('TTL PTTL EXPIRETIME PEXPIRETIME follow the clock, with Redis\'s rounding', async () => {
  await c.call('FLUSHALL');
  await c.call('SET', 'k', 'v');
  assert.equal(await c.call('EXPIRE', 'k', '10'), int(1));
  const at = clock.now() + 10_000;
  assert.equal(await c.call('TTL', 'k'), int(10));
  assert.equal(await c.call('PEXPIRETIME', 'k'), int(at));
  assert.equal(await c.call('EXPIRETIME', 'k'), int(Math.trunc((at + 500) / 1000)));
  clock.advance(4500);
  assert.equal(await c.call('PTTL', 'k'), int(5500));
  assert.equal(await c.call('TTL', 'k'), int(6)); // (5500 + 500) / 1000
  clock.advance(1);
  assert.equal(await c.call('TTL', 'k'), int(5));
  // A time in the past deletes at once; "now" counts as the past for EXPIRE.
  assert.equal(await c.call('PEXPIREAT', 'k', String(clock.now())), int(1));
  assert.equal(await c.call('EXISTS', 'k'), int(0));
});

test('expired keys are invisible to KEYS, SCAN, EXISTS, TYPE, RANDOMKEY, RENAME, COPY, MOVE', async () => {
  await c.call('FLUSHALL');
  await c.call('SET', 'live', '1');
  await c.call('SET', 'dead', '1');
  await c.call('PEXPIRE', 'dead', '10');
  clock.advance(11);
  assert.equal(await c.call('KEYS', '*'), '*1\r\n$4\r\nlive\r\n');
  assert.equal(await c.call('SCAN', '0'), '*2\r\n$1\r\n0\r\n*1\r\n$4\r\nlive\r\n');
  assert.equal(await c.call('EXISTS', 'dead'), int(0));
  await c.call('SET', 'dead2', '1');
  await c.call('PEXPIRE', 'dead2', '10');
  clock.advance(11);
  assert.equal(await c.call('TYPE', 'dead2'), '+none\r\n');
  await c.call('SET', 'd3', '1');
  await c.call('PEXPIRE', 'd3', '10');
  await c.call('SET', 'd4', '1');
  await c.call('PEXPIRE', 'd4', '10');
  await c.call('SET', 'd5', '1');
  await c.call('PEXPIRE', 'd5', '10');
  clock.advance(11);
  assert.equal(await c.call('RENAME', 'd3', 'x'), '-ERR no such key\r\n');
  assert.equal(await c.call('COPY', 'd4', 'x'), int(0));
  assert.equal(await c.call('MOVE', 'd5', '1'), int(0));
  for (let i = 0; i < 20; i++) assert.equal(await c.call('RANDOMKEY'), '$4\r\nlive\r\n');
  // The target of RENAME/COPY/MOVE that has expired counts as absent.
  await c.call('SET', 'src', 'v');
  await c.call('SET', 'dst', 'old');
  await c.call('PEXPIRE', 'dst', '10');
  clock.advance(11);
  assert.equal(await c.call('RENAMENX', 'src', 'dst'), int(1));
  assert.equal(await c.call('TTL', 'dst'), int(-1));
});

test('EXPIRE NX XX GT LT compare against the stored time', async () => {
  await c.call('FLUSHALL');
  await c.call('SET', 'k', 'v');
  assert.equal(await c.call('EXPIRE', 'k', '100', 'GT'), int(0), 'no TTL counts as infinite');
  assert.equal(await c.call('EXPIRE', 'k', '100', 'LT'), int(1));
  clock.advance(1000);
  assert.equal(await c.call('EXPIRE', 'k', '99', 'GT'), int(0), 'same absolute time is not greater');
  assert.equal(await c.call('EXPIRE', 'k', '100', 'GT'), int(1));
  assert.equal(await c.call('EXPIRE', 'k', '100', 'LT'), int(0));
  assert.equal(await c.call('EXPIRE', 'k', '50', 'LT', 'XX'), int(1));
  assert.equal(await c.call('TTL', 'k'), int(50));
});

test('active expiry: the cron removes expired keys nobody touches, sampling incrementally', async () => {
  await c.call('FLUSHALL');
  for (let i = 0; i < 2000; i++) c.send('SET', `v:${i}`, '1', 'PX', String(100 + (i % 3)));
  for (let i = 0; i < 500; i++) c.send('SET', `p:${i}`, '1');
  for (let i = 0; i < 2500; i++) await c.reply();
  const before = t.server.ks.stats.expiredKeys;
  t.server.cron();
  assert.equal(t.server.ks.db(0).size, 2500, 'nothing has expired yet');
  clock.advance(200);
  // Each cycle samples 20 keys per loop and continues while more than 10% were expired.
  for (let i = 0; i < 50 && t.server.ks.db(0).size > 500; i++) t.server.cron();
  assert.equal(await c.call('DBSIZE'), int(500));
  assert.equal(t.server.ks.stats.expiredKeys - before, 2000);
  assert.equal(t.server.ks.db(0).expires.size, 0);
});

test('active expiry stops a cycle when few sampled keys are stale, and resumes where it left off', () => {
  const ck = new ManualClock(0);
  const ks = new Keyspace(1, ck, 64);
  const db = ks.db(0);
  const removed: string[] = [];
  ks.onExpired = (_d, k) => removed.push(k);
  // 1000 volatile keys of which only every 20th is expired (5% < 10%): one loop per cycle.
  for (let i = 0; i < 1000; i++) {
    db.set(`k${i}`, 'v');
    db.setExpire(`k${i}`, i % 20 === 0 ? 5 : 1_000_000);
  }
  ck.advance(10);
  ks.activeExpireCycle(1000, 1);
  assert.ok(removed.length >= 1 && removed.length <= 2, `one loop of 20 samples: ${removed.length}`);
  for (let i = 0; i < 60; i++) ks.activeExpireCycle(1000, 1);
  assert.equal(removed.length, 50, 'the sampling cursor moves on, so every key is reached');
  assert.equal(db.size, 950);
  assert.ok(db.avgTtl > 0);
  assert.ok(ks.stats.expiredStalePerc > 0);
});

test('expiry in other databases, SWAPDB carries TTLs', async () => {
  await c.call('FLUSHALL');
  await c.call('SELECT', '3');
  await c.call('SET', 'k', 'v');
  await c.call('PEXPIRE', 'k', '50');
  await c.call('SWAPDB', '3', '4');
  assert.equal(await c.call('EXISTS', 'k'), int(0));
  await c.call('SELECT', '4');
  assert.equal(await c.call('PTTL', 'k'), int(50));
  clock.advance(51);
  t.server.cron();
  assert.equal(t.server.ks.db(4).size, 0);
  await c.call('SELECT', '0');
});

test('RANDOMKEY finds the one live key among many expired ones, and null when all are expired', () => {
  const ck = new ManualClock(0);
  const ks = new Keyspace(1, ck);
  const db = ks.db(0);
  for (let i = 0; i < 1000; i++) {
    db.set(`dead${i}`, 'v');
    db.setExpire(`dead${i}`, 5);
  }
  db.set('live', 'v');
  ck.advance(10);
  assert.equal(db.randomKey(), 'live');
  db.setExpire('live', 5);
  assert.equal(db.randomKey(), null);
  assert.equal(db.size, 0);
});

test('PEXPIRE k 1 sets a TTL even when the clock ticks between readings (judged at the instant it added to)', async () => {
  // A clock that moves 1 ms at every reading: the time the command computed is already behind
  // the next reading. Redis never deletes for a positive relative TTL; neither may Redoubt.
  let t = 1_700_000_000_000;
  const s = await startServer({}, { now: () => ++t });
  const c = await RawConn.connect(s.port);
  try {
    assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
    assert.equal(await c.call('PEXPIRE', 'k', '1'), ':1\r\n');
    // It then expires by its TTL (counted as expired), not deleted by PEXPIRE (which is not).
    assert.equal(await c.call('EXISTS', 'k'), ':0\r\n');
    assert.match(await c.call('INFO', 'stats'), /\r\nexpired_keys:1\r\n/);
  } finally {
    c.close();
    await s.close();
  }
});
