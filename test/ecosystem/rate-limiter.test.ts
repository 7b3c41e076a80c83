// rate-limiter-flexible's RateLimiterRedis against Redoubt, through ioredis (its Lua script defined
// as a command, run by EVALSHA) and through node-redis (`useRedisPackage`, the script by EVAL):
// points consumed within a window, rejection past it, the window's reset, penalty and reward,
// blocking, and a least-privilege ACL user. Each outcome is checked in the limiter's answer and
// in the key it keeps in Redoubt.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { startServer, type RedoubtServer } from '../../src/embed/index.js';
import { pollUntil } from '../helpers.js';

let srv: RedoubtServer;
/** Reads what the limiter left in Redoubt, independently of the client under test. */
let inspect: Redis;
let ioredis: Redis;
let nodeRedis: ReturnType<typeof createClient>;
let nodeRedis3: ReturnType<typeof createClient>;

before(async () => {
  srv = await startServer();
  inspect = new Redis({ host: srv.host, port: srv.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  ioredis = new Redis({ host: srv.host, port: srv.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  nodeRedis = createClient({ socket: { host: srv.host, port: srv.port, reconnectStrategy: false } });
  nodeRedis3 = createClient({ socket: { host: srv.host, port: srv.port, reconnectStrategy: false }, RESP: 3 });
  for (const c of [nodeRedis, nodeRedis3]) {
    c.on('error', () => {});
    await c.connect();
  }
  await ioredis.ping();
});

after(async () => {
  inspect?.disconnect();
  ioredis?.disconnect();
  nodeRedis?.destroy();
  nodeRedis3?.destroy();
  await srv?.stop();
});

/** A rejected consume must be the limiter's answer (a RateLimiterRes), never a server error. */
async function rejection(p: Promise<unknown>): Promise<RateLimiterRes> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RateLimiterRes) return e;
    throw e;
  }
  assert.fail('expected the consume to be rejected');
}

const variants = [
  { name: 'ioredis', prefix: 'rl-io', client: () => ({ storeClient: ioredis }) },
  { name: 'node-redis (useRedisPackage)', prefix: 'rl-nr', client: () => ({ storeClient: nodeRedis, useRedisPackage: true }) },
  { name: 'node-redis over RESP3', prefix: 'rl-nr3', client: () => ({ storeClient: nodeRedis3, useRedisPackage: true }) },
];

// The clients' tests run side by side (their keys differ by prefix): each waits for windows and
// blocks to end, and one after the other they would take three times as long.
describe('RateLimiterRedis', { concurrency: true }, () => {
  for (const v of variants) {
    describe(`with ${v.name}`, () => {
      const limiter = (opts: { points: number; duration: number; blockDuration?: number }) => new RateLimiterRedis({ ...v.client(), keyPrefix: v.prefix, ...opts });
      const key = (k: string) => `${v.prefix}:${k}`;

      it('consumes points within the limit; the counter and its TTL are in Redoubt', async () => {
        const rl = limiter({ points: 3, duration: 10 });
        const first = await rl.consume('user1');
        assert.equal(first.consumedPoints, 1);
        assert.equal(first.remainingPoints, 2);
        assert.equal(first.isFirstInDuration, true);
        assert.ok(first.msBeforeNext > 9000 && first.msBeforeNext <= 10_000, `msBeforeNext ${first.msBeforeNext}`);
        const second = await rl.consume('user1', 2);
        assert.equal(second.consumedPoints, 3);
        assert.equal(second.remainingPoints, 0);
        assert.equal(second.isFirstInDuration, false);
        assert.equal(await inspect.get(key('user1')), '3');
        const pttl = await inspect.pttl(key('user1'));
        assert.ok(pttl > 9000 && pttl <= 10_000, `pttl ${pttl}`);
        // Another key has its own budget.
        assert.equal((await rl.consume('user2')).remainingPoints, 2);
      });

      it('rejects past the limit with msBeforeNext', async () => {
        const rl = limiter({ points: 2, duration: 10 });
        await rl.consume('over');
        await rl.consume('over');
        const res = await rejection(rl.consume('over'));
        assert.equal(res.remainingPoints, 0);
        assert.equal(res.consumedPoints, 3);
        assert.ok(res.msBeforeNext > 9000 && res.msBeforeNext <= 10_000, `msBeforeNext ${res.msBeforeNext}`);
        // Consuming more than the whole budget at once is refused too.
        const big = await rejection(limiter({ points: 2, duration: 10 }).consume('big', 5));
        assert.equal(big.consumedPoints, 5);
      });

      it('the window resets after the duration', async () => {
        const rl = limiter({ points: 1, duration: 1 });
        await rl.consume('reset');
        const rejected = await rejection(rl.consume('reset'));
        assert.ok(rejected.msBeforeNext > 0 && rejected.msBeforeNext <= 1000, `msBeforeNext ${rejected.msBeforeNext}`);
        const fresh = await pollUntil('the window to reset', () => rl.consume('reset').catch((e: unknown) => {
          if (e instanceof RateLimiterRes) return undefined;
          throw e;
        }), 3000);
        assert.equal(fresh.consumedPoints, 1);
        assert.equal(fresh.isFirstInDuration, true);
        assert.equal(await inspect.get(key('reset')), '1');
      });

      it('penalty, reward, get and delete', async () => {
        const rl = limiter({ points: 5, duration: 10 });
        assert.equal((await rl.penalty('pr', 3)).consumedPoints, 3);
        assert.equal((await rl.reward('pr', 2)).consumedPoints, 1);
        assert.equal(await inspect.get(key('pr')), '1');
        const got = await rl.get('pr');
        assert.ok(got);
        assert.equal(got.consumedPoints, 1);
        assert.equal(got.remainingPoints, 4);
        assert.ok(got.msBeforeNext > 0 && got.msBeforeNext <= 10_000);
        // A penalty counts against consume: 1 + 4 = 5 is the limit, one more is refused.
        await rl.consume('pr', 4);
        await rejection(rl.consume('pr'));
        assert.equal(await rl.delete('pr'), true);
        assert.equal(await inspect.exists(key('pr')), 0);
        assert.equal(await rl.get('pr'), null);
        assert.equal(await rl.delete('pr'), false);
        assert.equal((await rl.consume('pr')).consumedPoints, 1);
      });

      it('blockDuration blocks a key past the limit, then lets it through again', async () => {
        const rl = limiter({ points: 1, duration: 30, blockDuration: 1 });
        await rl.consume('blk');
        const blocked = await rejection(rl.consume('blk'));
        assert.equal(blocked.msBeforeNext, 1000);
        // The block replaced the 30 s window with a 1 s key.
        const pttl = await inspect.pttl(key('blk'));
        assert.ok(pttl > 0 && pttl <= 1000, `pttl ${pttl}`);
        // Still blocked: a consume within the block is refused.
        await rejection(rl.consume('blk'));
        const after = await pollUntil('the block to end', () => rl.consume('blk').catch((e: unknown) => {
          if (e instanceof RateLimiterRes) return undefined;
          throw e;
        }), 3000);
        assert.equal(after.consumedPoints, 1);
        const windowTtl = await inspect.pttl(key('blk'));
        assert.ok(windowTtl > 29_000, `a fresh 30 s window, pttl ${windowTtl}`);
      });

      it('block() and set() write the key with the given TTL', async () => {
        const rl = limiter({ points: 2, duration: 10 });
        const res = await rl.block('manual', 5);
        assert.equal(res.consumedPoints, 3);
        assert.equal(await inspect.get(key('manual')), '3');
        const pttl = await inspect.pttl(key('manual'));
        assert.ok(pttl > 4000 && pttl <= 5000, `pttl ${pttl}`);
        await rejection(rl.consume('manual'));
        await rl.set('manual', 1, 20);
        assert.equal(await inspect.get(key('manual')), '1');
        assert.ok((await inspect.pttl(key('manual'))) > 19_000);
        assert.equal((await rl.consume('manual')).consumedPoints, 2);
      });
    });
  }
});

describe('RateLimiterRedis as a least-privilege ACL user', () => {
  // As in production: the default user is off, the application's user may touch only its keys.
  let acl: RedoubtServer;
  let app: Redis;
  before(async () => {
    acl = await startServer({ config: { user: ['default off', 'limiter on >s3cret-pass ~rl-acl:* +@all -@dangerous'] } });
    app = new Redis({ host: acl.host, port: acl.port, username: 'limiter', password: 's3cret-pass', maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false }); // INFO is @dangerous: no ready check
    await app.ping();
  });
  after(async () => {
    app?.disconnect();
    await acl?.stop();
  });

  it('limits within its key pattern; a prefix outside it is refused by the server', async () => {
    const rl = new RateLimiterRedis({ storeClient: app, keyPrefix: 'rl-acl', points: 1, duration: 10 });
    assert.equal((await rl.consume('u')).remainingPoints, 0);
    await rejection(rl.consume('u'));
    assert.equal(await app.get('rl-acl:u'), '2');
    const outside = new RateLimiterRedis({ storeClient: app, keyPrefix: 'rl-other', points: 1, duration: 10 });
    await assert.rejects(outside.consume('u'), (e: unknown) => !(e instanceof RateLimiterRes) && /^NOPERM .*keys/.test((e as Error).message));
  });

  it('the default user cannot connect', async () => {
    const anon = new Redis({ host: acl.host, port: acl.port, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    const errors: string[] = [];
    anon.on('error', (e: Error) => errors.push(e.message));
    try {
      // ioredis opens with HELLO 3, which an unauthenticated connection may not send: it reports
      // the server's NOAUTH and gives up the connection.
      await assert.rejects(anon.connect().then(() => anon.get('rl-acl:u')));
      assert.ok(
        errors.some((m) => m.startsWith('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option')),
        errors.join(' | '),
      );
    } finally {
      anon.disconnect();
    }
  });
});
