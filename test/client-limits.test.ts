// Client memory and its limits (server/client-limits.ts): CLIENT LIST's memory fields,
// client-output-buffer-limit, the pre-login output limit, maxmemory-clients and used_memory.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RawConn, infoField, startServer, waitFor } from './helpers.js';
import { REPLY_BUFFER, UNAUTH_OUTPUT_MAX } from '../src/server/client-limits.js';
import { QUERY_BUF } from '../src/protocol/parser.js';
import { ManualClock } from '../src/store/clock.js';

/** One field of a CLIENT LIST line. */
function field(line: string, name: string): number {
  const m = new RegExp(`(?:^| )${name}=(\\d+)`).exec(line);
  assert.ok(m, `${name} in ${line}`);
  return Number(m[1]);
}

async function clientLine(conn: RawConn, clientName: string): Promise<string | undefined> {
  const list = await conn.call('CLIENT', 'LIST');
  return list.split('\n').find((l) => l.includes(` name=${clientName} `));
}

describe('client memory in CLIENT LIST', () => {
  it('counts a request being read (qbuf, argv-mem) and a MULTI queue (multi-mem)', async () => {
    const t = await startServer();
    const ctl = await RawConn.connect(t.port);
    const c = await RawConn.connect(t.port);
    try {
      await c.call('CLIENT', 'SETNAME', 'reader');
      // The first argument complete, the second still arriving.
      c.write(`*3\r\n$3\r\nSET\r\n$5000\r\n${'k'.repeat(5000)}\r\n$100000\r\n${'v'.repeat(40000)}`);
      await waitFor(async () => field((await clientLine(ctl, 'reader'))!, 'qbuf') >= 40000, 5000, 'the partial request');
      const line = (await clientLine(ctl, 'reader'))!;
      assert.equal(field(line, 'argv-mem'), 5003); // SET and the key
      assert.ok(field(line, 'tot-mem') >= 100000 + 5003, line); // the big argument's whole buffer
      c.write('v'.repeat(60000) + '\r\n');
      assert.equal(await c.reply(), '+OK\r\n');
      const after = (await clientLine(ctl, 'reader'))!;
      assert.equal(field(after, 'qbuf'), 0);
      assert.equal(field(after, 'argv-mem'), 0);

      await c.call('MULTI');
      await c.call('SET', 'a', 'x'.repeat(3000));
      await c.call('SET', 'b', 'y'.repeat(2000));
      const queued = (await clientLine(ctl, 'reader'))!;
      assert.ok(field(queued, 'multi-mem') >= 5000 + 6 + 2, queued);
      await c.call('EXEC');
      assert.equal(field((await clientLine(ctl, 'reader'))!, 'multi-mem'), 0);
    } finally {
      c.close();
      ctl.close();
      await t.close();
    }
  });

  it('used_memory counts clients and gives their memory back when they go', async () => {
    const t = await startServer();
    const ctl = await RawConn.connect(t.port);
    try {
      // ctl's own query buffer is counted from its first command on.
      await ctl.call('PING');
      const before = Number(await infoField(ctl, 'used_memory'));
      const c = await RawConn.connect(t.port);
      c.write(`*2\r\n$3\r\nGET\r\n$500000\r\n${'k'.repeat(100000)}`);
      await waitFor(async () => Number(await infoField(ctl, 'used_memory')) >= before + 500000, 5000, 'the request in used_memory');
      c.close();
      // ctl's own reply buffers may grow meanwhile (INFO's replies are bigger than its first 1 KiB):
      // a few KiB, against the half megabyte given back.
      await waitFor(async () => Number(await infoField(ctl, 'used_memory')) <= before + 64 * 1024, 5000, 'the client memory to be given back');
    } finally {
      ctl.close();
      await t.close();
    }
  });
});

describe('the query buffer, as Redis keeps it', () => {
  const size = (line: string): number => field(line, 'qbuf') + field(line, 'qbuf-free');

  it('exists from the first read and is given back after 2 s idle', async () => {
    const clock = new ManualClock(Date.now());
    const t = await startServer({}, clock);
    const ctl = await RawConn.connect(t.port);
    const c = await RawConn.connect(t.port);
    try {
      await c.call('CLIENT', 'SETNAME', 'idler');
      assert.equal(size((await clientLine(ctl, 'idler'))!), QUERY_BUF);
      clock.advance(2500);
      await waitFor(async () => size((await clientLine(ctl, 'idler'))!) === 0, 5000, 'the idle query buffer to be dropped');
      // The next read gets a fresh one.
      await c.call('PING');
      assert.equal(size((await clientLine(ctl, 'idler'))!), QUERY_BUF);
    } finally {
      c.close();
      ctl.close();
      await t.close();
    }
  });

  it('keeps a fat argument\'s size, then shrinks to the recent peak while the client stays busy', async () => {
    const t = await startServer();
    const ctl = await RawConn.connect(t.port);
    const c = await RawConn.connect(t.port);
    try {
      await c.call('CLIENT', 'SETNAME', 'fat');
      assert.equal(await c.call('SET', 'x', 'A'.repeat(400000)), '+OK\r\n');
      const grown = size((await clientLine(ctl, 'fat'))!);
      assert.ok(grown >= 400000, `${grown}`);
      let now = grown;
      await waitFor(
        async () => {
          await c.call('SET', 'x', 'A'.repeat(100));
          now = size((await clientLine(ctl, 'fat'))!);
          return now < grown;
        },
        5000,
        'the query buffer to shrink',
      );
      assert.ok(now > 0 && now < 32 * 1024, `${now}`);
      assert.equal(await c.call('GET', 'x'), `$100\r\n${'A'.repeat(100)}\r\n`);
    } finally {
      c.close();
      ctl.close();
      await t.close();
    }
  });

  it('a client closed while its last replies drain takes no query buffer for bytes that arrive after', async () => {
    const t = await startServer();
    const ctl = await RawConn.connect(t.port);
    let sock: net.Socket | null = null;
    try {
      assert.equal(await ctl.call('SET', 'big', 'x'.repeat(8_000_000)), '+OK\r\n');
      sock = net.connect({ port: t.port, host: '127.0.0.1' });
      await new Promise((r) => sock!.once('connect', r));
      sock.pause(); // never reads: the server's replies cannot drain
      sock.write('CLIENT SETNAME drainer\r\n');
      await waitFor(() => [...t.server.clients.values()].some((c) => c.name === 'drainer'), 5000, 'the client to be named');
      const client = [...t.server.clients.values()].find((c) => c.name === 'drainer')!;
      sock.write('GET big\r\nGET big\r\nQUIT\r\n');
      await waitFor(() => client.closed, 5000, 'QUIT to close the client');
      assert.equal(client.parser.allocated, 0, 'its query buffer was given back');
      const before = client.socket.bytesRead;
      sock.write('*1\r\n$4\r\nPI');
      await waitFor(() => client.socket.bytesRead >= before + 10, 5000, 'the late bytes to be read');
      assert.equal(client.parser.allocated, 0, 'no query buffer taken for them');
    } finally {
      sock?.destroy();
      ctl.close();
      await t.close();
    }
  });

  it('keeps a spill buffer grown by a big reply for the next turn, at most 256 KiB, counted in tot-mem, and the cron gives it back', async () => {
    const t = await startServer();
    const ctl = await RawConn.connect(t.port);
    const c = await RawConn.connect(t.port);
    const line = async (): Promise<string> => (await clientLine(ctl, 'big-replies'))!;
    try {
      await c.call('CLIENT', 'SETNAME', 'big-replies');
      assert.equal(await ctl.call('SET', 'v100k', 'x'.repeat(100_000)), '+OK\r\n');
      assert.equal(await ctl.call('SET', 'v300k', 'y'.repeat(300_000)), '+OK\r\n');
      t.server.cronPaused = true;
      const base = field(await line(), 'tot-mem');
      assert.equal((await c.call('GET', 'v100k')).length, 100_000 + 11);
      const kept = field(await line(), 'tot-mem') - base;
      assert.ok(kept > 100_000 && kept <= 256 * 1024, `kept: ${kept}`);
      assert.equal(field(await line(), 'rbs'), 1024, 'the reply buffer itself is not the spill');
      // Past 256 KiB a spill buffer is not kept.
      assert.equal((await c.call('GET', 'v300k')).length, 300_000 + 11);
      assert.equal(field(await line(), 'tot-mem'), base);
      assert.equal((await c.call('GET', 'v100k')).length, 100_000 + 11);
      assert.ok(field(await line(), 'tot-mem') > base + 100_000);
      // Small replies from then on: the cron gives it back.
      t.server.cronPaused = false;
      // (The reply buffer itself may have doubled meanwhile: the big turns filled it.)
      await waitFor(async () => (await c.call('PING')) === '+PONG\r\n' && field(await line(), 'tot-mem') < base + 16 * 1024, 5000, 'the spill buffer to be given back');
    } finally {
      c.close();
      ctl.close();
      await t.close();
    }
  });

  it("sizes reply buffers as Redis's cron does: an idle client's shrinks to 1 KiB, a busy one's doubles up to 16 KiB (DEBUG REPLYBUFFER, INFO)", async () => {
    const t = await startServer({ 'enable-debug-command': 'yes' });
    const ctl = await RawConn.connect(t.port);
    const c = await RawConn.connect(t.port);
    const rbs = async (): Promise<number> => field((await clientLine(ctl, 'sized'))!, 'rbs');
    try {
      await c.call('CLIENT', 'SETNAME', 'sized');
      // A new client's is 1 KiB (Redis's is 16 KiB, shrunk to 1 KiB once idle).
      assert.equal(await rbs(), 1024);
      assert.equal(await ctl.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', '100'), '+OK\r\n');
      assert.equal(await ctl.call('SET', 'bigval', 'x'.repeat(32768)), '+OK\r\n');
      assert.equal(await ctl.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'never'), '+OK\r\n');
      const seen = new Set<number>();
      await waitFor(
        async () => {
          assert.equal((await c.call('GET', 'bigval')).length, 32768 + 10);
          seen.add(await rbs());
          return seen.has(REPLY_BUFFER);
        },
        10000,
        "the busy client's reply buffer to grow back",
      );
      assert.ok([2048, 4096, 8192].every((n) => seen.has(n)), `doubling: ${[...seen].join(' ')}`);
      assert.ok(Number(await infoField(ctl, 'reply_buffer_expands')) >= 4);
      // Idle again, its peak reset every 100 ms: back to 1 KiB.
      assert.equal(await ctl.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', '100'), '+OK\r\n');
      await waitFor(async () => (await rbs()) === 1024, 5000, "the idle client's reply buffer to shrink");
      assert.ok(Number(await infoField(ctl, 'reply_buffer_shrinks')) >= 1);
      // RESIZING 0: left as it is, however idle.
      assert.equal(await ctl.call('DEBUG', 'REPLYBUFFER', 'RESIZING', '0'), '+OK\r\n');
      assert.equal(await ctl.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'reset'), '+OK\r\n');
      assert.equal(await ctl.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'soon'), '-ERR value is not an integer or out of range\r\n');
      assert.equal(await ctl.call('DEBUG', 'REPLYBUFFER', 'SIZE', '1'), "-ERR unknown subcommand or wrong number of arguments for 'REPLYBUFFER'. Try DEBUG HELP.\r\n");
      const shrinks = await infoField(ctl, 'reply_buffer_shrinks');
      assert.equal((await c.call('GET', 'bigval')).length, 32768 + 10);
      for (let i = 0; i < 3; i++) t.server.clientLimits.cron(1000);
      assert.equal(await rbs(), 1024);
      assert.equal(await infoField(ctl, 'reply_buffer_shrinks'), shrinks);
    } finally {
      c.close();
      ctl.close();
      await t.close();
    }
  });
});

describe('INFO memory and MEMORY STATS', () => {
  it('split used memory the same way: the dataset, and the clients as overhead', async () => {
    const t = await startServer();
    const c = await RawConn.connect(t.port);
    try {
      for (let i = 0; i < 50; i++) await c.call('SET', `k${i}`, 'v'.repeat(100));
      // One command reads both, so nothing changes between them.
      c.send('MULTI');
      c.send('INFO', 'memory');
      c.send('MEMORY', 'STATS');
      c.send('EXEC');
      for (let i = 0; i < 3; i++) await c.reply();
      const exec = await c.reply();
      const num = (re: RegExp): number => Number(re.exec(exec)![1]);
      const dataset = num(/used_memory_dataset:(\d+)/);
      const overhead = num(/used_memory_overhead:(\d+)/);
      assert.ok(dataset > 50 * 100, exec);
      assert.equal(num(/\$13\r\ndataset\.bytes\r\n:(\d+)/), dataset);
      assert.equal(num(/\$14\r\noverhead\.total\r\n:(\d+)/), overhead);
      assert.equal(num(/\$15\r\ntotal\.allocated\r\n:(\d+)/), num(/used_memory:(\d+)/));
    } finally {
      c.close();
      await t.close();
    }
  });
});

describe('client-output-buffer-limit', () => {
  it('closes a client whose reply passes the hard limit, sending none of it', async () => {
    const t = await startServer({ 'client-output-buffer-limit': 'normal 100000 0 0' });
    const ctl = await RawConn.connect(t.port);
    try {
      for (let i = 0; i < 150; i++) await ctl.call('RPUSH', 'big', 'x'.repeat(1000));
      const c = await RawConn.connect(t.port);
      await c.call('CLIENT', 'SETNAME', 'greedy');
      c.send('LRANGE', 'big', '0', '-1');
      await c.waitClosed();
      assert.equal(c.buffered.length, 0);
      assert.equal(await clientLine(ctl, 'greedy'), undefined);
      assert.equal(Number(await infoField(ctl, 'client_output_buffer_limit_disconnections')), 1);
      // Smaller replies are fine.
      assert.match(await ctl.call('LRANGE', 'big', '0', '9'), /^\*10\r\n/);
    } finally {
      ctl.close();
      await t.close();
    }
  });

  it('stops HRANDFIELD/SRANDMEMBER/ZRANDMEMBER with a huge negative count mid-run', async () => {
    const t = await startServer({ 'client-output-buffer-limit': 'normal 1000000 0 0' });
    const ctl = await RawConn.connect(t.port);
    try {
      await ctl.call('HSET', 'h', 'a', 'b');
      await ctl.call('SADD', 's', 'a');
      await ctl.call('ZADD', 'z', '1', 'a');
      for (const cmd of [['HRANDFIELD', 'h'], ['SRANDMEMBER', 's'], ['ZRANDMEMBER', 'z']]) {
        const c = await RawConn.connect(t.port);
        c.send(...cmd, '-999999999');
        await c.waitClosed(10000);
      }
      assert.equal(await ctl.call('PING'), '+PONG\r\n');
    } finally {
      ctl.close();
      await t.close();
    }
  });

  it('disconnects a subscriber that stays past the soft limit for longer than its seconds (cron, no traffic)', async () => {
    let now = 1_000_000;
    const t = await startServer({ 'client-output-buffer-limit': 'pubsub 0 50000 2' }, { now: () => now });
    const ctl = await RawConn.connect(t.port);
    const sub = await RawConn.connect(t.port);
    try {
      await sub.call('CLIENT', 'SETNAME', 'slow');
      await sub.call('SUBSCRIBE', 'ch');
      sub.socket.pause(); // never reads again
      // Fill the kernel's buffers until the server itself holds more than the soft limit.
      const msg = 'm'.repeat(20000);
      await waitFor(async () => {
        await ctl.call('PUBLISH', 'ch', msg);
        const line = await clientLine(ctl, 'slow');
        return line !== undefined && field(line, 'omem') >= 50000;
      }, 20000, 'the subscriber to pass the soft limit');
      t.server.cron();
      assert.notEqual(await clientLine(ctl, 'slow'), undefined, 'not yet: the soft limit has just been reached');
      now += 2000;
      t.server.cron();
      assert.notEqual(await clientLine(ctl, 'slow'), undefined, 'still within its 2 seconds');
      now += 1001;
      // cron visits a share of the clients per call: a few calls see them all.
      for (let i = 0; i < 5; i++) t.server.cron();
      assert.equal(await clientLine(ctl, 'slow'), undefined);
    } finally {
      sub.close();
      ctl.close();
      await t.close();
    }
  });

  it('CONFIG SET checks the value as Redis does and CONFIG GET shows it', async () => {
    const t = await startServer();
    const c = await RawConn.connect(t.port);
    try {
      assert.match(await c.call('CONFIG', 'SET', 'client-output-buffer-limit', 'wrong number'), /Wrong number of arguments/);
      assert.match(await c.call('CONFIG', 'SET', 'client-output-buffer-limit', 'master 1mb 1mb 60'), /Invalid client class/);
      assert.match(await c.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 10mbs 1mb 60'), /hard, soft or soft_seconds/);
      assert.equal(await c.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 2mb 60 replica 3mb 4mb 70 pubsub 5mb 6mb 80'), '+OK\r\n');
      assert.match(await c.call('CONFIG', 'GET', 'client-output-buffer-limit'), /normal 1048576 2097152 60 slave 3145728 4194304 70 pubsub 5242880 6291456 80/);
      assert.deepEqual(t.server.clientLimits.output.pubsub, { hard: 5242880, soft: 6291456, softSeconds: 80 });
    } finally {
      c.close();
      await t.close();
    }
  });
});

describe('the output limit before login', () => {
  it('drops an unauthenticated client that sends without reading; a client that reads is unaffected', async () => {
    const t = await startServer({ requirepass: 'secret' });
    const ctl = await RawConn.connect(t.port);
    try {
      assert.equal(await ctl.call('AUTH', 'secret'), '+OK\r\n');
      // A client that reads gets every NOAUTH, however many (a few hundred at a time fit the
      // reply buffer, as in Redis).
      const polite = await RawConn.connect(t.port);
      for (let round = 1; round <= 10; round++) {
        polite.write('PING\r\n'.repeat(300));
        await waitFor(() => polite.buffered.length >= round * 300 * '-NOAUTH Authentication required.\r\n'.length, 5000, 'all replies');
      }
      assert.equal(polite.closed, false);
      polite.close();
      // One that never reads is dropped once a reply buffer and 1 KB are waiting.
      const flood = net.connect({ port: t.port, host: '127.0.0.1' });
      flood.on('error', () => {});
      flood.pause();
      let closed = false;
      flood.on('close', () => (closed = true));
      const chunk = Buffer.from('PING\r\n'.repeat(10000));
      let sent = 0;
      await waitFor(() => {
        if (!closed && flood.writableLength < 1 << 20) {
          flood.write(chunk);
          sent += chunk.length;
        }
        return closed;
      }, 20000, 'the flooding client to be dropped');
      // The server held at most a reply buffer and 1 KB for it beyond what the kernel took.
      assert.ok(REPLY_BUFFER + UNAUTH_OUTPUT_MAX < 20000);
      assert.ok(sent < 64 << 20, `dropped after ${sent} bytes`);
      assert.ok(Number(await infoField(ctl, 'client_output_buffer_limit_disconnections')) >= 1);
      assert.equal(await ctl.call('PING'), '+PONG\r\n');
    } finally {
      ctl.close();
      await t.close();
    }
  });
});

describe('maxmemory-clients', () => {
  it('evicts the largest clients, never a no-evict one, until below the limit', async () => {
    const t = await startServer({ 'maxmemory-clients': '0' });
    const ctl = await RawConn.connect(t.port);
    const clients: RawConn[] = [];
    try {
      await ctl.call('CLIENT', 'NO-EVICT', 'on');
      await ctl.call('CLIENT', 'SETNAME', 'control');
      const sizes = [100000, 300000, 300000, 800000];
      for (const [i, n] of sizes.entries()) {
        const c = await RawConn.connect(t.port);
        clients.push(c);
        await c.call('CLIENT', 'SETNAME', `c${i}`);
        c.write(`*2\r\n$${n}\r\n${'v'.repeat(n)}\r\n`); // a complete first argument, held as argv
        await waitFor(async () => field((await clientLine(ctl, `c${i}`))!, 'argv-mem') === n, 5000, 'the argument');
      }
      const total = Number(await infoField(ctl, 'mem_clients_normal'));
      // Room for everything but the largest client: it alone goes.
      assert.equal(await ctl.call('CONFIG', 'SET', 'maxmemory-clients', String(total - 700000)), '+OK\r\n');
      await waitFor(() => clients[3]!.closed, 5000, 'the largest client to be evicted');
      for (const i of [0, 1, 2]) assert.notEqual(await clientLine(ctl, `c${i}`), undefined);
      assert.equal(Number(await infoField(ctl, 'evicted_clients')), 1);
      // A limit below everything evicts every client that may be evicted, never control.
      assert.equal(await ctl.call('CONFIG', 'SET', 'maxmemory-clients', '1'), '+OK\r\n');
      await waitFor(() => clients.every((c) => c.closed), 5000, 'all evictable clients to go');
      assert.equal(await ctl.call('PING'), '+PONG\r\n');
      assert.equal(Number(await infoField(ctl, 'evicted_clients')), 4);
    } finally {
      for (const c of clients) c.close();
      ctl.close();
      await t.close();
    }
  });

  it('counts tracking prefixes: a client adding BCAST prefixes without end is evicted', async () => {
    const t = await startServer({ 'maxmemory-clients': '200000' });
    const ctl = await RawConn.connect(t.port);
    const c = await RawConn.connect(t.port);
    try {
      await ctl.call('CLIENT', 'NO-EVICT', 'on');
      await c.call('CLIENT', 'SETNAME', 'prefixes');
      const before = field((await clientLine(ctl, 'prefixes'))!, 'tot-mem');
      for (let j = 0; j < 100; j++) assert.equal(await c.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', String(j).padStart(12, '0')), '+OK\r\n');
      assert.ok(field((await clientLine(ctl, 'prefixes'))!, 'tot-mem') >= before + 100 * 12, 'prefixes are in tot-mem');
      for (let j = 100; j < 200000 && !c.closed; j++) {
        const r = await c.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', String(j).padStart(12, '0')).catch(() => 'closed');
        if (r !== '+OK\r\n') break;
      }
      await waitFor(() => c.closed, 5000, 'the client to be evicted');
      assert.equal(Number(await infoField(ctl, 'evicted_clients')), 1);
    } finally {
      c.close();
      ctl.close();
      await t.close();
    }
  });

  it('takes a percentage of maxmemory', async () => {
    const t = await startServer({ maxmemory: '10mb', 'maxmemory-clients': '5%' });
    const ctl = await RawConn.connect(t.port);
    try {
      await ctl.call('CLIENT', 'NO-EVICT', 'on');
      assert.equal(t.server.clientLimits.evictionLimit, Math.floor((10 * 1024 * 1024 * 5) / 100));
      const c = await RawConn.connect(t.port);
      c.write(`*1\r\n$600000\r\n${'v'.repeat(60000)}`);
      await c.waitClosed();
      assert.equal(await ctl.call('CONFIG', 'GET', 'maxmemory-clients'), '*2\r\n$17\r\nmaxmemory-clients\r\n$2\r\n5%\r\n');
    } finally {
      ctl.close();
      await t.close();
    }
  });
});

describe('maxclients', () => {
  it('refuses the connection past maxclients with an error and closes it at once', async () => {
    const t = await startServer({ maxclients: '2' });
    const a = await RawConn.connect(t.port);
    const b = await RawConn.connect(t.port);
    try {
      assert.equal(await a.call('PING'), '+PONG\r\n');
      assert.equal(await b.call('PING'), '+PONG\r\n');
      const c = await RawConn.connect(t.port);
      // The server closes it: the test never ends its side.
      await c.waitClosed();
      assert.equal(c.buffered.toString(), '-ERR max number of clients reached\r\n');
    } finally {
      a.close();
      b.close();
      await t.close();
    }
  });

  it('CONFIG SET maxclients above what the open-files limit allows is refused', async () => {
    const t = await startServer();
    const c = await RawConn.connect(t.port);
    try {
      const reply = await c.call('CONFIG', 'SET', 'maxclients', '4000000000');
      assert.match(reply, /The operating system is not able to handle the specified number of clients, try with \d+/);
      assert.equal(await c.call('CONFIG', 'SET', 'maxclients', '100'), '+OK\r\n');
    } finally {
      c.close();
      await t.close();
    }
  });
});
