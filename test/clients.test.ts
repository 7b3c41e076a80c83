// Real clients against Redoubt: ioredis (default RESP3 and RESP2), node-redis (RESP3 and RESP2),
// and redis-cli (commands, binary values through -x, and --pipe mass insertion).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient, RESP_TYPES } from 'redis';
import { redisCli, startServer, type TestServer } from './helpers.js';

/** Every byte value, plus CR LF and a NUL in the middle: survives only a binary-safe path. */
const BINARY = (() => {
  const b = Buffer.alloc(300);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7) & 0xff;
  b.write('\r\n\0', 100, 'latin1');
  return b;
})();
const INVALID_UTF8 = Buffer.from([0xff, 0xfe, 0x80, 0xc3, 0x28]);

let srv: TestServer;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.close();
});

describe('ioredis', () => {
  for (const protocol of [undefined, 2] as const) {
    const label = protocol === undefined ? 'default protocol (RESP3)' : 'RESP2';
    describe(label, () => {
      let r: Redis;
      before(async () => {
        r = new Redis({ host: '127.0.0.1', port: srv.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...(protocol === undefined ? {} : { protocol }) });
        const errors: string[] = [];
        r.on('error', (e: Error) => errors.push(e.message));
        await r.connect().catch((e: Error) => {
          throw new Error(`ioredis could not connect (${e.message}); errors: ${errors.join(' | ')}`);
        });
      });
      after(() => {
        r?.disconnect();
      });

      it('connects and PINGs', async () => {
        assert.equal(r.status, 'ready');
        assert.equal(await r.ping(), 'PONG');
        assert.equal(await r.echo('hello'), 'hello');
      });

      it('SET/GET binary values and keys', async () => {
        const key = `ioredis:${label}:bin`;
        assert.equal(await r.set(key, BINARY), 'OK');
        assert.ok((await r.getBuffer(key))!.equals(BINARY));
        assert.equal(await r.set(INVALID_UTF8, INVALID_UTF8), 'OK');
        assert.ok((await r.getBuffer(INVALID_UTF8))!.equals(INVALID_UTF8));
        assert.equal(await r.get(`ioredis:${label}:missing`), null);
      });

      it('pipelines', async () => {
        const key = `ioredis:${label}:counter`;
        const res = await r.pipeline().set(key, '41').incr(key).get(key).del(key).get(key).exec();
        assert.deepEqual(res, [
          [null, 'OK'],
          [null, 42],
          [null, '42'],
          [null, 1],
          [null, null],
        ]);
      });

      it('a pipeline of 1000 commands', async () => {
        const p = r.pipeline();
        for (let i = 0; i < 1000; i++) p.set(`ioredis:${label}:k${i}`, `v${i}`);
        for (let i = 0; i < 1000; i++) p.get(`ioredis:${label}:k${i}`);
        const res = (await p.exec())!;
        assert.equal(res.length, 2000);
        for (let i = 0; i < 1000; i++) assert.deepEqual(res[1000 + i], [null, `v${i}`]);
      });

      it('MULTI/EXEC', async () => {
        const key = `ioredis:${label}:tx`;
        const res = await r.multi().set(key, '1').incr(key).get(key).exec();
        assert.deepEqual(res, [
          [null, 'OK'],
          [null, 2],
          [null, '2'],
        ]);
      });

      it('error replies reject the command, the connection stays usable', async () => {
        await assert.rejects(r.call('NOSUCHCOMMAND'), /ERR unknown command 'NOSUCHCOMMAND'/);
        assert.equal(await r.ping(), 'PONG');
      });
    });
  }
});

describe('node-redis', () => {
  for (const RESP of [3, 2] as const) {
    describe(`RESP${RESP}`, () => {
      const client = () => createClient({ socket: { host: '127.0.0.1', port: srv.port, reconnectStrategy: false }, RESP });
      let c: ReturnType<typeof client>;
      before(async () => {
        c = client();
        const errors: string[] = [];
        c.on('error', (e: Error) => errors.push(e.message));
        await c.connect().catch((e: Error) => {
          throw new Error(`node-redis could not connect (${e.message}); errors: ${errors.join(' | ')}`);
        });
      });
      after(() => {
        c?.destroy();
      });

      it('connects and PINGs', async () => {
        assert.ok(c.isReady);
        assert.equal(await c.ping(), 'PONG');
        assert.equal(await c.sendCommand(['ECHO', 'hi']), 'hi');
      });

      it('SET/GET binary values and keys', async () => {
        const key = `node-redis:${RESP}:bin`;
        const bin = c.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
        assert.equal(await c.set(key, BINARY), 'OK');
        assert.ok((await bin.get(key))!.equals(BINARY));
        assert.equal(await c.set(INVALID_UTF8, INVALID_UTF8), 'OK');
        assert.ok((await bin.get(INVALID_UTF8))!.equals(INVALID_UTF8));
        assert.equal(await c.get(`node-redis:${RESP}:missing`), null);
      });

      it('pipelines (commands issued in the same tick)', async () => {
        const key = `node-redis:${RESP}:counter`;
        const res = await Promise.all([c.set(key, '41'), c.incr(key), c.get(key), c.del(key), c.get(key)]);
        assert.deepEqual(res, ['OK', 42, '42', 1, null]);
        const piped = await c.multi().set(key, 'a').append(key, 'b').get(key).execAsPipeline();
        assert.deepEqual(piped, ['OK', 2, 'ab']);
      });

      it('MULTI/EXEC', async () => {
        const key = `node-redis:${RESP}:tx`;
        assert.deepEqual(await c.multi().set(key, '1').incr(key).get(key).exec(), ['OK', 2, '2']);
      });

      it('error replies reject the command, the connection stays usable', async () => {
        await assert.rejects(c.sendCommand(['NOSUCHCOMMAND']), /ERR unknown command 'NOSUCHCOMMAND'/);
        assert.equal(await c.ping(), 'PONG');
      });
    });
  }
});

describe('clients authenticate with requirepass', () => {
  let locked: TestServer;
  before(async () => {
    locked = await startServer({ requirepass: 'client-test-secret' });
  });
  after(async () => {
    await locked?.close();
  });

  it('ioredis (HELLO 3 AUTH) and node-redis (RESP2: AUTH; RESP3: HELLO AUTH)', async () => {
    const r = new Redis({ host: '127.0.0.1', port: locked.port, password: 'client-test-secret', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await r.connect();
      assert.equal(await r.ping(), 'PONG');
    } finally {
      r.disconnect();
    }
    for (const RESP of [2, 3] as const) {
      const c = createClient({ socket: { host: '127.0.0.1', port: locked.port, reconnectStrategy: false }, password: 'client-test-secret', RESP });
      c.on('error', () => {});
      try {
        await c.connect();
        assert.equal(await c.ping(), 'PONG');
      } finally {
        c.destroy();
      }
    }
  });

  it('a wrong password is refused', async () => {
    const r = new Redis({ host: '127.0.0.1', port: locked.port, password: 'wrong', protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const errors: string[] = [];
    r.on('error', (e: Error) => errors.push(e.message));
    try {
      await assert.rejects(r.connect());
      assert.ok(errors.some((m) => m.startsWith('WRONGPASS invalid username-password pair or user is disabled.')), JSON.stringify(errors));
    } finally {
      r.disconnect();
    }
  });
});


describe('redis-cli', () => {
  it('PING, SET, GET', async () => {
    assert.equal((await redisCli(srv.port, ['ping'])).stdout.toString(), 'PONG\n');
    assert.equal((await redisCli(srv.port, ['set', 'cli:k', 'hello world'])).stdout.toString(), 'OK\n');
    assert.equal((await redisCli(srv.port, ['get', 'cli:k'])).stdout.toString(), 'hello world\n');
    assert.equal((await redisCli(srv.port, ['get', 'cli:missing'])).stdout.toString(), '\n');
  });

  it('binary values through -x and --raw', async () => {
    assert.equal((await redisCli(srv.port, ['-x', 'set', 'cli:bin'], BINARY)).stdout.toString(), 'OK\n');
    const got = await redisCli(srv.port, ['--raw', 'get', 'cli:bin']);
    assert.ok(got.stdout.equals(Buffer.concat([BINARY, Buffer.from('\n')])));
  });

  it('--pipe mass insertion', async () => {
    const n = 20_000;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      const k = `pipe:${i}`;
      const v = `value-${i}-${'x'.repeat(i % 50)}`;
      parts.push(`*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`);
    }
    const res = await redisCli(srv.port, ['--pipe'], Buffer.from(parts.join(''), 'latin1'));
    const out = res.stdout.toString();
    // On failure show the summary and the first lines (one per error reply), not all of them.
    const summary = /errors: \d+, replies: \d+/.exec(out)?.[0] ?? out.slice(0, 300);
    assert.equal(summary, `errors: 0, replies: ${n}`, out.split('\n').slice(0, 5).join('\n'));
    assert.equal(res.code, 0, res.stderr.slice(0, 300));
    assert.equal((await redisCli(srv.port, ['get', 'pipe:0'])).stdout.toString(), 'value-0-\n');
    assert.equal((await redisCli(srv.port, ['get', `pipe:${n - 1}`])).stdout.toString(), `value-${n - 1}-${'x'.repeat((n - 1) % 50)}\n`);
    let found = 0;
    for (let i = 0; i < n; i++) if (srv.server.ks.dbs[0]!.lookupRead(`pipe:${i}`) !== undefined) found++;
    assert.equal(found, n);
  });

  it('a server error is reported, not fatal', async () => {
    const res = await redisCli(srv.port, ['nosuchcommand', 'a']);
    assert.match(res.stdout.toString(), /ERR unknown command 'nosuchcommand'/);
  });
});
