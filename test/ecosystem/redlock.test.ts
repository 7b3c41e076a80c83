// Redlock (v4) against three independent Redoubt servers, as its README recommends: each server
// holds its own copy of the lock key and a lock stands when a majority agrees. Driven through
// ioredis clients (one over RESP2, two over RESP3), so the lock, extend and unlock scripts run as
// EVALSHA (EVAL on NOSCRIPT).
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import { startServer, type RedoubtServer } from '../../src/embed/index.js';
import { pollUntil } from '../helpers.js';

// redlock 4 ships no type declarations: load it through require and describe what the test uses.
interface Lock {
  resource: string[];
  value: string;
  expiration: number;
  unlock(): Promise<void>;
  extend(ttl: number): Promise<Lock>;
}
interface RedlockInstance {
  lock(resource: string | string[], ttl: number): Promise<Lock>;
  on(event: 'clientError', fn: (e: Error) => void): void;
}
interface RedlockClass {
  new (clients: Redis[], options: { driftFactor?: number; retryCount?: number; retryDelay?: number; retryJitter?: number }): RedlockInstance;
  LockError: new (...args: unknown[]) => Error;
}
const Redlock = createRequire(import.meta.url)('redlock') as RedlockClass;

const servers: RedoubtServer[] = [];
const clients: Redis[] = [];
/** Errors a server returned to a script call: Redlock only emits them, so they are collected and must stay empty. */
const clientErrors: string[] = [];
/** One attempt, no retry: a lock either stands at once or fails. */
let redlock: RedlockInstance;

before(async () => {
  for (let i = 0; i < 3; i++) {
    const srv = await startServer();
    servers.push(srv);
    // ioredis speaks RESP3 by default; one client keeps RESP2, as older deployments do.
    const r = new Redis({ host: srv.host, port: srv.port, maxRetriesPerRequest: 0, retryStrategy: () => null, ...(i === 0 ? { protocol: 2 as const } : {}) });
    clients.push(r);
    await r.ping();
  }
  redlock = new Redlock(clients, { retryCount: 0, retryJitter: 0 });
  redlock.on('clientError', (e) => clientErrors.push(e.message));
});

after(async () => {
  for (const c of clients) c.disconnect();
  for (const s of servers) await s.stop();
});

afterEach(() => {
  assert.deepEqual(clientErrors, [], 'a server replied with an error to a Redlock script');
});

/** The lock key's value and PTTL on each server. */
async function onServers(key: string): Promise<{ value: string | null; pttl: number }[]> {
  return Promise.all(clients.map(async (c) => ({ value: await c.get(key), pttl: await c.pttl(key) })));
}

describe('Redlock with three Redoubt servers', () => {
  it('acquires a lock: every server holds the same random value with the TTL', async () => {
    const lock = await redlock.lock('locks:acquire', 2000);
    assert.match(lock.value, /^[0-9a-f]{32}$/);
    assert.ok(lock.expiration > Date.now());
    for (const { value, pttl } of await onServers('locks:acquire')) {
      assert.equal(value, lock.value);
      assert.ok(pttl > 0 && pttl <= 2000, `pttl ${pttl}`);
    }
    await lock.unlock();
  });

  it('a second lock on a held resource fails; the holder keeps it', async () => {
    const lock = await redlock.lock('locks:contended', 5000);
    await assert.rejects(redlock.lock('locks:contended', 5000), (e: Error) => e instanceof Redlock.LockError && /Exceeded 0 attempts/.test(e.message));
    for (const { value } of await onServers('locks:contended')) assert.equal(value, lock.value);
    // A different resource is independent.
    const other = await redlock.lock('locks:contended:other', 5000);
    await other.unlock();
    await lock.unlock();
  });

  it('extend renews the TTL on every server, keeping the value', async () => {
    const lock = await redlock.lock('locks:extend', 1000);
    const before = lock.expiration;
    const extended = await lock.extend(10_000);
    assert.equal(extended.value, lock.value);
    assert.ok(extended.expiration > before + 5000);
    for (const { value, pttl } of await onServers('locks:extend')) {
      assert.equal(value, lock.value);
      assert.ok(pttl > 5000 && pttl <= 10_000, `pttl ${pttl}`);
    }
    await lock.unlock();
  });

  it('release deletes the key everywhere and lets another caller lock at once', async () => {
    const lock = await redlock.lock('locks:release', 10_000);
    await lock.unlock();
    for (const { value, pttl } of await onServers('locks:release')) {
      assert.equal(value, null);
      assert.equal(pttl, -2);
    }
    const next = await redlock.lock('locks:release', 10_000);
    assert.notEqual(next.value, lock.value);
    // Releasing the old lock again must not delete the new holder's key (the value is compared).
    await assert.rejects(lock.unlock(), Redlock.LockError);
    for (const { value } of await onServers('locks:release')) assert.equal(value, next.value);
    await next.unlock();
  });

  it('an expired lock lets another caller acquire, and cannot be extended', async () => {
    // Long enough that the contending attempt surely falls inside it on a loaded machine.
    const lock = await redlock.lock('locks:expiry', 800);
    await assert.rejects(redlock.lock('locks:expiry', 150), Redlock.LockError);
    const next = await pollUntil('the lock to expire', () => redlock.lock('locks:expiry', 5000).catch(() => undefined));
    assert.notEqual(next.value, lock.value);
    assert.ok(Date.now() >= lock.expiration);
    await assert.rejects(lock.extend(5000), Redlock.LockError);
    // A quorum holds the new lock; a server whose copy of the old one had not yet expired when it
    // was taken (the three were set one after another) refused it and holds nothing now.
    const values = (await onServers('locks:expiry')).map((s) => s.value);
    assert.ok(values.filter((v) => v === next.value).length >= 2, `values ${values.join(' ')}`);
    assert.ok(values.every((v) => v === next.value || v === null), `values ${values.join(' ')}`);
    await next.unlock();
  });

  it('a majority suffices; a minority fails and its votes are withdrawn', async () => {
    // One server holds the resource for someone else: 2 of 3 still grant the lock.
    await clients[0]!.set('locks:quorum', 'someone-else', 'PX', 10_000);
    const lock = await redlock.lock('locks:quorum', 5000);
    assert.deepEqual((await onServers('locks:quorum')).map((s) => s.value), ['someone-else', lock.value, lock.value]);
    await lock.unlock(); // server 0's key is not ours, but a quorum (2 of 3) releases
    assert.deepEqual((await onServers('locks:quorum')).map((s) => s.value), ['someone-else', null, null]);

    // Two servers hold it for someone else: the lock fails, and the one server that granted it
    // is released again.
    await clients[1]!.set('locks:quorum', 'someone-else', 'PX', 10_000);
    await assert.rejects(redlock.lock('locks:quorum', 5000), Redlock.LockError);
    assert.deepEqual((await onServers('locks:quorum')).map((s) => s.value), ['someone-else', 'someone-else', null]);
  });

  it('locks several resources at once, all or nothing', async () => {
    const lock = await redlock.lock(['locks:multi:a', 'locks:multi:b'], 5000);
    for (const key of ['locks:multi:a', 'locks:multi:b']) for (const { value } of await onServers(key)) assert.equal(value, lock.value);
    // One of them held: a lock over both and the other fails, and does not leave the other set.
    await assert.rejects(redlock.lock(['locks:multi:b', 'locks:multi:c'], 5000), Redlock.LockError);
    for (const { value } of await onServers('locks:multi:c')) assert.equal(value, null);
    await lock.unlock();
    for (const key of ['locks:multi:a', 'locks:multi:b']) for (const { value } of await onServers(key)) assert.equal(value, null);
  });

  it('with retries, a waiting caller gets the lock once the holder releases it', async () => {
    const patient = new Redlock(clients, { retryCount: 50, retryDelay: 20, retryJitter: 5 });
    patient.on('clientError', (e) => clientErrors.push(e.message));
    const lock = await redlock.lock('locks:wait', 10_000);
    const waiting = patient.lock('locks:wait', 5000);
    setTimeout(() => void lock.unlock(), 100);
    const got = await waiting;
    assert.notEqual(got.value, lock.value);
    for (const { value } of await onServers('locks:wait')) assert.equal(value, got.value);
    await got.unlock();
  });
});
