// maxmemory: OOM refusals as redis-server gives them (noeviction), and eviction by each policy,
// driven by an exact memory measure and the injectable clock.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../src/store/clock.js';
import { RawConn, differentialPair, haveRedis, sameReplies, startServer, type TestServer } from './helpers.js';

describe('maxmemory with noeviction, against redis-server', { skip: !haveRedis() && 'redis-server not installed' }, () => {
  const d = differentialPair();

  it('refuses commands that may use memory, inside MULTI nearly everything, and lets reads run', async () => {
    await sameReplies(d.a, d.b, [
      ['SET', 'x', 'value'],
      ['MULTI'],
      ['GET', 'x'],
      ['PING'],
      ['CONFIG', 'SET', 'maxmemory', '1'],
      ['EXEC'],
      ['SET', 'y', '1'],
      ['LPUSH', 'l', 'a'],
      ['GET', 'x'],
      ['DEL', 'x'],
      ['MULTI'],
      ['GET', 'x'],
      ['DISCARD'],
      ['CONFIG', 'SET', 'maxmemory', '0'],
      ['MULTI'],
      ['SET', 'a', '1'],
      ['CONFIG', 'SET', 'maxmemory', '1'],
      ['EXEC'],
      ['CONFIG', 'SET', 'maxmemory', '0'],
      ['SET', 'y', '1'],
    ]);
  });
});

describe('eviction policies', () => {
  let t: TestServer;
  let c: RawConn;
  const clock = new ManualClock();

  before(async () => {
    t = await startServer({}, clock);
    c = await RawConn.connect(t.port);
    // Memory is 100 bytes per key: maxmemory 1000 holds ten keys.
    t.server.memory.measure = () => t.server.ks.dbs.reduce((n, db) => n + db.size, 0) * 100;
  });
  after(async () => {
    c.close();
    await t.close();
  });

  async function fill(n: number, ttl = false): Promise<void> {
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '0'), '+OK\r\n');
    assert.equal(await c.call('FLUSHALL'), '+OK\r\n');
    for (let i = 0; i < n; i++) {
      clock.advance(1000);
      assert.equal(await c.call('SET', `k${i}`, 'v', ...(ttl ? ['EX', String(1000 + i)] : [])), '+OK\r\n');
    }
  }

  const keys = async () => (await c.call('KEYS', 'k*')).split('\r\n').filter((l) => l.startsWith('k')).sort();

  it('allkeys-random evicts down to the limit, counts and notifies each eviction', async () => {
    await fill(20);
    const sub = await RawConn.connect(t.port);
    try {
      assert.equal(await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'Ee'), '+OK\r\n');
      assert.match(await sub.call('SUBSCRIBE', '__keyevent@0__:evicted'), /subscribe/);
      assert.equal(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random', 'maxmemory', '1000'), '+OK\r\n');
      assert.equal(t.server.memory.evictedKeys, 10, 'CONFIG SET maxmemory evicts at once');
      assert.equal(await c.call('PING'), '+PONG\r\n');
      assert.equal(await c.call('DBSIZE'), ':10\r\n');
      assert.match(await c.call('INFO', 'stats'), /evicted_keys:10\r\n/);
      assert.match(await sub.reply(), /evicted/);
    } finally {
      sub.close();
      await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    }
  });

  it('volatile-ttl evicts the keys that expire first; with no volatile key, OOM', async () => {
    await fill(12, true);
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl', 'maxmemory-samples', '1000', 'maxmemory', '1000'), '+OK\r\n');
    assert.equal(await c.call('PING'), '+PONG\r\n');
    assert.deepEqual(await keys(), ['k10', 'k11', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9']);
    await fill(12);
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '1000'), '+OK\r\n');
    assert.equal(await c.call('SET', 'x', 'y'), "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    assert.equal(await c.call('GET', 'k1'), '$1\r\nv\r\n');
  });

  it('allkeys-lru evicts the least recently used keys', async () => {
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru', 'maxmemory-samples', '1000'), '+OK\r\n');
    await fill(10);
    clock.advance(1000);
    assert.equal(await c.call('GET', 'k0'), '$1\r\nv\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '900'), '+OK\r\n');
    assert.equal(await c.call('SET', 'k10', 'v'), '+OK\r\n');
    // k1 (oldest access) went to make room for the limit, then k2 for the new key.
    assert.deepEqual(await keys(), ['k0', 'k10', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9']);
  });

  it('allkeys-lfu evicts the least frequently used keys', async () => {
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu', 'lfu-log-factor', '0', 'maxmemory-samples', '1000'), '+OK\r\n');
    await fill(10);
    for (let i = 0; i < 10; i++) if (i !== 7) for (let j = 0; j < 3; j++) await c.call('GET', `k${i}`);
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '900'), '+OK\r\n');
    assert.equal(await c.call('PING'), '+PONG\r\n');
    assert.ok(!(await keys()).includes('k7'), 'the key never read went first');
    assert.equal((await keys()).length, 9);
  });

  it('noeviction refuses writes and keeps every key', async () => {
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction'), '+OK\r\n');
    await fill(10);
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '500'), '+OK\r\n');
    assert.equal(await c.call('SET', 'k0', 'new'), "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    assert.equal(await c.call('DBSIZE'), ':10\r\n');
    assert.equal(await c.call('DEL', 'k0'), ':1\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '0'), '+OK\r\n');
  });
});
