// Keyv (v5) with its Redis adapter @keyv/redis (v5, on its own node-redis client), and
// cache-manager (v7) on that Keyv store, against Redoubt: values, namespaces, TTLs, batch reads
// and writes, clear() limited to a namespace, and wrap() computing a value once. The adapter
// swallows server errors by default (an 'error' event and an empty answer), so the tests make it
// throw and also collect every 'error' event: a server error can never pass as a cache miss.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import Keyv from 'keyv';
import KeyvRedis from '@keyv/redis';
import { createCache, type Cache } from 'cache-manager';
import { startServer, type RedoubtServer } from '../../src/embed/index.js';
import { pollUntil } from '../helpers.js';

let srv: RedoubtServer;
/** Reads what the libraries left in Redoubt, independently of them. */
let inspect: Redis;
const errors: string[] = [];
const adapters: KeyvRedis<unknown>[] = [];

/**
 * A Keyv over its own @keyv/redis adapter (own connection), in `namespace`: from a URL (RESP2),
 * or from client options asking for RESP3.
 */
function keyv(namespace: string | undefined, resp3 = false): Keyv {
  const connect = resp3 ? { url: srv.url, RESP: 3 as const } : srv.url;
  const adapter = new KeyvRedis<unknown>(connect, { throwOnErrors: true, throwOnConnectError: true });
  adapter.on('error', (e: Error) => errors.push(`adapter: ${e.message}`));
  adapters.push(adapter);
  const kv = new Keyv({ store: adapter, ...(namespace === undefined ? {} : { namespace }), throwOnErrors: true });
  kv.on('error', (e: Error) => errors.push(`keyv: ${e.message}`));
  return kv;
}

before(async () => {
  srv = await startServer();
  inspect = new Redis({ host: srv.host, port: srv.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  await inspect.ping();
});

after(async () => {
  for (const a of adapters) await a.disconnect().catch(() => {});
  inspect?.disconnect();
  await srv?.stop();
});

afterEach(() => {
  assert.deepEqual(errors, [], 'the store reported errors');
});

for (const resp3 of [false, true]) {
  describe(`Keyv with @keyv/redis, ${resp3 ? 'RESP3' : 'RESP2'}`, () => {
    let users: Keyv;
    let orders: Keyv;
    before(async () => {
      users = keyv('users', resp3);
      orders = keyv('orders', resp3);
      await inspect.flushdb();
    });

    it('set/get/delete values of every JSON shape; keys are namespaced in Redoubt', async () => {
      const value = { name: 'Ada', tags: ['x', 'y'], n: 3.5, nested: { ok: true, none: null } };
      assert.equal(await users.set('ada', value), true);
      assert.deepEqual(await users.get('ada'), value);
      assert.equal(await users.set('count', 42), true);
      assert.equal(await users.get('count'), 42);
      assert.equal(await users.set('text', 'héllo\r\nwörld'), true);
      assert.equal(await users.get('text'), 'héllo\r\nwörld');

      // Keyv prefixes the key with `users:` and the adapter prefixes that with `users::`.
      const keys = (await inspect.keys('*')).sort();
      assert.deepEqual(keys, ['users::users:ada', 'users::users:count', 'users::users:text']);
      assert.deepEqual((JSON.parse((await inspect.get('users::users:ada'))!) as { value: unknown }).value, value);
      assert.equal(await inspect.ttl('users::users:ada'), -1, 'no TTL given, none set');

      assert.equal(await users.delete('ada'), true);
      assert.equal(await users.get('ada'), undefined);
      assert.equal(await inspect.exists('users::users:ada'), 0);
      assert.equal(await users.delete('ada'), false);
    });

    it('namespaces do not see each other', async () => {
      await users.set('shared-name', 'user');
      await orders.set('shared-name', 'order');
      assert.equal(await users.get('shared-name'), 'user');
      assert.equal(await orders.get('shared-name'), 'order');
      await orders.delete('shared-name');
      assert.equal(await users.get('shared-name'), 'user');
      assert.equal(await orders.get('shared-name'), undefined);
    });

    it('has, getMany, setMany, deleteMany', async () => {
      assert.equal(await users.has('count'), true);
      assert.equal(await users.has('nope'), false);
      assert.equal(await orders.has('count'), false);
      await orders.setMany([
        { key: 'o1', value: { total: 1 } },
        { key: 'o2', value: { total: 2 }, ttl: 60_000 },
      ]);
      assert.deepEqual(await orders.getMany(['o1', 'missing', 'o2']), [{ total: 1 }, undefined, { total: 2 }]);
      const pttl = await inspect.pttl('orders::orders:o2');
      assert.ok(pttl > 55_000 && pttl <= 60_000, `pttl ${pttl}`);
      assert.deepEqual(await orders.hasMany(['o1', 'o3']), [true, false]);
      assert.equal(await orders.deleteMany(['o1', 'o2']), true);
      assert.deepEqual(await orders.getMany(['o1', 'o2']), [undefined, undefined]);
    });

    it('a TTL is set in Redoubt and the value expires', async () => {
      await users.set('short', 'soon gone', 150);
      const pttl = await inspect.pttl('users::users:short');
      assert.ok(pttl > 0 && pttl <= 150, `pttl ${pttl}`);
      assert.equal(await users.get('short'), 'soon gone');
      await pollUntil('the key to expire in Redoubt', async () => ((await inspect.exists('users::users:short')) === 0 ? true : undefined));
      assert.equal(await users.get('short'), undefined);
      assert.equal(await users.has('short'), false);
    });

    it('iterates a namespace', async () => {
      await orders.set('i1', 1);
      await orders.set('i2', 2);
      const seen: [string, unknown][] = [];
      for await (const [k, v] of orders.iterator!(undefined)) seen.push([k as string, v]);
      assert.deepEqual(seen.sort(), [['i1', 1], ['i2', 2]]);
    });

    it('clear() deletes only its own namespace', async () => {
      await inspect.set('foreign', 'kept');
      await orders.set('c1', 1);
      await users.set('c1', 1);
      await orders.clear();
      assert.deepEqual((await inspect.keys('orders::*')), []);
      assert.equal(await users.get('c1'), 1);
      assert.equal(await inspect.get('foreign'), 'kept');
    });
  });
}

describe('cache-manager with a Keyv/@keyv/redis store', () => {
  let cache: Cache;
  before(async () => {
    await inspect.flushdb();
    cache = createCache({ stores: [keyv('cache')], ttl: 60_000 });
  });
  after(async () => {
    await cache.disconnect();
  });

  it('set/get/del with the default TTL and a per-key TTL', async () => {
    assert.deepEqual(await cache.set('user:1', { name: 'Ada' }), { name: 'Ada' });
    assert.deepEqual(await cache.get('user:1'), { name: 'Ada' });
    const pttl = await inspect.pttl('cache::cache:user:1');
    assert.ok(pttl > 55_000 && pttl <= 60_000, `default ttl, pttl ${pttl}`);

    await cache.set('user:2', 'two', 5000);
    const pttl2 = await inspect.pttl('cache::cache:user:2');
    assert.ok(pttl2 > 4000 && pttl2 <= 5000, `per-key ttl, pttl ${pttl2}`);
    // ttl() answers the expiry time.
    const expires = await cache.ttl('user:2');
    assert.ok(expires !== undefined && expires > Date.now() + 4000 && expires <= Date.now() + 5000, `ttl() ${expires}`);

    assert.equal(await cache.del('user:1'), true);
    assert.equal(await cache.get('user:1'), undefined);
    assert.equal(await inspect.exists('cache::cache:user:1'), 0);
  });

  it('a short TTL expires', async () => {
    await cache.set('brief', 'x', 150);
    await pollUntil('the cached value to expire', async () => ((await cache.get('brief')) === undefined ? true : undefined));
    assert.equal(await inspect.exists('cache::cache:brief'), 0);
  });

  it('mset/mget/mdel', async () => {
    await cache.mset<unknown>([
      { key: 'm1', value: 1 },
      { key: 'm2', value: { two: 2 }, ttl: 10_000 },
    ]);
    assert.deepEqual(await cache.mget(['m1', 'nope', 'm2']), [1, undefined, { two: 2 }]);
    const pttl = await inspect.pttl('cache::cache:m2');
    assert.ok(pttl > 9000 && pttl <= 10_000, `pttl ${pttl}`);
    assert.equal(await cache.mdel(['m1', 'm2']), true);
    assert.deepEqual(await cache.mget(['m1', 'm2']), [undefined, undefined]);
  });

  it('wrap() computes once, concurrently and later, and stores the result in Redoubt', async () => {
    let calls = 0;
    const compute = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 30));
      return { answer: 42 };
    };
    const results = await Promise.all([cache.wrap('wrapped', compute, 10_000), cache.wrap('wrapped', compute, 10_000)]);
    assert.deepEqual(results, [{ answer: 42 }, { answer: 42 }]);
    assert.deepEqual(await cache.wrap('wrapped', compute, 10_000), { answer: 42 });
    assert.equal(calls, 1);
    const pttl = await inspect.pttl('cache::cache:wrapped');
    assert.ok(pttl > 9000 && pttl <= 10_000, `pttl ${pttl}`);
    // Once the key is gone from Redoubt, wrap() computes again.
    await inspect.del('cache::cache:wrapped');
    assert.deepEqual(await cache.wrap('wrapped', compute, 10_000), { answer: 42 });
    assert.equal(calls, 2);
  });

  it('clear() empties the cache namespace', async () => {
    await cache.set('a', 1);
    await inspect.set('outside', 'kept');
    assert.equal(await cache.clear(), true);
    assert.equal(await cache.get('a'), undefined);
    assert.deepEqual(await inspect.keys('cache::*'), []);
    assert.equal(await inspect.get('outside'), 'kept');
  });
});
