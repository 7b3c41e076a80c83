// Reads into one reused buffer (src/server/reads.ts): the parser keeps nothing of it between
// reads, over TCP and TLS; and on this Node the mechanism is in effect for both.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import v8 from 'node:v8';
import vm from 'node:vm';
import { freePort, RawConn, startServer, waitFor, type TestServer } from './helpers.js';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { RespParser } from '../src/protocol/parser.js';
import { Client } from '../src/server/client.js';
import { directHandle, writeDirect } from '../src/server/socket-io.js';
import { makeCa, makeLeaf } from '../src/tls/certs.js';

describe('RespParser.release', () => {
  it('copies the unparsed bytes out of a reused read buffer', () => {
    const p = new RespParser({ maxBulkLen: 512 * 1024 * 1024, authRequired: false });
    const reused = Buffer.alloc(64);
    const req = Buffer.from('*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n*1\r\n$4\r\nPI');
    req.copy(reused);
    p.feed(reused.subarray(0, req.length));
    assert.deepEqual(p.next(), ['GET', 'key']);
    assert.equal(p.next(), null);
    p.release();
    reused.fill(0x78); // the next read overwrites the buffer
    const rest = Buffer.from('NG\r\n');
    rest.copy(reused);
    p.feed(reused.subarray(0, rest.length));
    assert.deepEqual(p.next(), ['PING']);
    p.release();
    assert.equal(p.pending, 0);
  });
});

const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-reads-'));
const f = (name: string): string => path.join(dir, name);
let tcp: TestServer;
let secure: TestServer;
let caPem = '';

before(async () => {
  const ca = makeCa();
  const srv = makeLeaf(ca, 'localhost', { hosts: ['localhost', '127.0.0.1'] });
  caPem = ca.cert;
  writeFileSync(f('ca.crt'), ca.cert);
  writeFileSync(f('server.crt'), srv.cert);
  writeFileSync(f('server.key'), srv.key, { mode: 0o600 });
  tcp = await startServer();
  secure = await startServer({
    'tls-port': String(await freePort()),
    'tls-cert-file': f('server.crt'),
    'tls-key-file': f('server.key'),
    'tls-ca-cert-file': f('ca.crt'),
    'tls-auth-clients': 'no',
  });
});

after(async () => {
  await tcp.close();
  await secure.close();
  rmSync(dir, { recursive: true, force: true });
});

function tlsConn(t: TestServer): Promise<RawConn> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: t.server.tlsBoundPorts[0]!, servername: 'localhost', ca: caPem });
    s.once('secureConnect', () => resolve(RawConn.wrap(s)));
    s.once('error', reject);
  });
}

for (const kind of ['tcp', 'tls'] as const) {
  describe(`reads over ${kind}`, () => {
    const server = (): TestServer => (kind === 'tcp' ? tcp : secure);
    const open = (): Promise<RawConn> => (kind === 'tcp' ? RawConn.connect(tcp.port) : tlsConn(secure));

    it('reads into the reused buffer (no data events) on this Node', async () => {
      const c = await open();
      try {
        assert.equal(await c.call('PING'), '+PONG\r\n');
        const served = [...server().server.clients.values()].filter((x) => x.transport === kind);
        assert.ok(served.length > 0);
        for (const x of served) assert.equal(x.socket.listenerCount('data'), 0);
        // Replies skip the stream on TCP only: a TLS socket's handle would send them unencrypted.
        for (const x of served) assert.equal(directHandle(x.socket) !== null, kind === 'tcp');
      } finally {
        c.close();
      }
    });

    it('keeps a blocked client\'s pipelined requests while other reads reuse the buffer', async () => {
      const a = await open();
      const b = await open();
      try {
        const key = `rk-${kind}`;
        // One write: a blocking pop, then two requests that wait in the parser until it is served,
        // the last one cut in the middle.
        a.write(`*3\r\n$5\r\nBLPOP\r\n$${key.length}\r\n${key}\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$5\r\nhello\r\n*2\r\n$3\r\nGET\r\n$2\r\nk`);
        await waitFor(() => [...server().server.clients.values()].some((x) => x.blockedArgv !== null), 5000, 'client blocked');
        // Other traffic overwrites the read buffer meanwhile.
        for (let i = 0; i < 20; i++) assert.equal(await b.call('SET', `other${i}`, 'x'.repeat(200 + i)), '+OK\r\n');
        a.write('2\r\n');
        assert.equal(await b.call('RPUSH', key, 'v'), ':1\r\n');
        assert.equal(await a.reply(), `*2\r\n$${key.length}\r\n${key}\r\n$1\r\nv\r\n`);
        assert.equal(await a.reply(), '+OK\r\n');
        assert.equal(await a.reply(), '$5\r\nhello\r\n');
      } finally {
        a.close();
        b.close();
      }
    });

    it('parses requests split at every byte', async () => {
      const c = await open();
      try {
        const req = Buffer.from('*3\r\n$3\r\nSET\r\n$5\r\nsplit\r\n$6\r\nv\x00\xff\r\nz\r\n*2\r\n$3\r\nGET\r\n$5\r\nsplit\r\n', 'latin1');
        for (let i = 0; i < req.length; i++) {
          c.write(req.subarray(i, i + 1));
          // Each byte its own read: wait until the server has taken it in.
          if (i % 7 === 0) await waitFor(() => c.socket.writableLength === 0, 5000, 'byte sent');
        }
        assert.equal(await c.reply(), '+OK\r\n');
        assert.equal(await c.reply(), '$6\r\nv\x00\xff\r\nz\r\n');
      } finally {
        c.close();
      }
    });
  });
}

describe('writes over tcp', () => {
  it('writeDirect: a write the kernel cannot take at once keeps its bytes alive until it completes, whoever else lets them go', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const size = 8 * 1024 * 1024;
    let held = -1;
    const srv = net.createServer((s) => {
      s.on('error', () => {});
      const handle = directHandle(s);
      assert.ok(handle !== null);
      held = writeDirect(s, handle, Buffer.alloc(size, 'a'), () => {});
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const client = net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
    client.pause();
    try {
      await waitFor(() => held >= 0, 5000, 'written');
      assert.equal(held, size, 'the kernel took part of it at most');
      // Nothing but the handle's request refers to the bytes now: collect, and reuse the memory.
      for (let i = 0; i < 5; i++) {
        gc();
        const junk = Buffer.alloc(size, 'z');
        assert.equal(junk[size - 1], 0x7a);
      }
      let got = 0;
      let wrong = 0;
      client.on('data', (d: Buffer) => {
        for (const byte of d) if (byte !== 0x61) wrong++;
        got += d.length;
      });
      client.resume();
      await waitFor(() => got >= size, 10_000, 'all bytes read');
      assert.equal(got, size);
      assert.equal(wrong, 0);
    } finally {
      client.destroy();
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
  });

  it('a client whose replies stopped going out at once (a big reply it did not read) is written to directly again once its socket has drained, replies in order', async () => {
    const srv = await startServer();
    const c = await RawConn.connect(srv.port);
    try {
      const size = 8 * 1024 * 1024;
      c.send('SET', 'big', Buffer.alloc(size, 'b'));
      assert.equal(await c.reply(), '+OK\r\n');
      const client = [...srv.server.clients.values()][0] as unknown as { writesComplete: boolean; streamWritten: boolean };
      assert.equal(client.writesComplete, true);
      c.socket.pause();
      c.send('GET', 'big');
      await waitFor(() => !client.writesComplete, 5000, 'a reply the kernel could not take at once');
      // Replies made while the big one is still being written queue behind it.
      c.send('SET', 'k', 'v1');
      c.send('GET', 'k');
      const header = `$${size}\r\n`;
      const total = header.length + size + 2 + '+OK\r\n'.length + '$2\r\nv1\r\n'.length;
      c.socket.resume();
      await waitFor(() => c.socket.bytesRead >= total, 10_000, 'every reply read');
      const all = c.buffered;
      assert.equal(all.length, total);
      assert.equal(all.subarray(0, header.length).toString('latin1'), header);
      assert.ok(all.subarray(header.length, header.length + size).equals(Buffer.alloc(size, 'b')));
      assert.equal(all.subarray(header.length + size).toString('latin1'), '\r\n+OK\r\n$2\r\nv1\r\n');
      await c.reply();
      await c.reply();
      await c.reply();
      // Drained: the replies after it go to the socket's handle again, not through its stream.
      for (let i = 1; i <= 5; i++) {
        c.send('INCR', 'n');
        assert.equal(await c.reply(), `:${i}\r\n`);
      }
      assert.equal(client.writesComplete, true);
      assert.equal(client.streamWritten, false);
    } finally {
      c.socket.destroy();
      await srv.close();
    }
  });

  it('writeDirect to the handle of a socket destroyed meanwhile fails the write, before and after the handle has closed', async () => {
    const results: number[] = [];
    let closed = false;
    const srv = net.createServer((s) => {
      s.on('error', () => {});
      const handle = directHandle(s);
      assert.ok(handle !== null);
      assert.equal(writeDirect(s, handle, Buffer.from('+OK\r\n'), () => {}), 0);
      s.destroy();
      // Closing: the socket has let go of its handle, whose close has not completed.
      results.push(writeDirect(s, handle, Buffer.from('+late\r\n'), () => {}));
      s.once('close', () => {
        // Closed: the handle is detached from anything native.
        setImmediate(() => {
          results.push(writeDirect(s, handle, Buffer.from('+later\r\n'), () => {}));
          closed = true;
        });
      });
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const client = net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
    let got = '';
    client.on('data', (d: Buffer) => (got += d.toString()));
    client.on('error', () => {});
    try {
      await waitFor(() => closed, 5000, 'both late writes tried');
      assert.deepEqual(results, [0, 0]);
      await waitFor(() => client.destroyed || client.readableEnded, 5000, 'client sees the end');
      assert.ok(!got.includes('late'), got);
    } finally {
      client.destroy();
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
  });

  it('replies go to the socket handle, past the Writable stream, on this Node', async () => {
    const c = await RawConn.connect(tcp.port);
    try {
      assert.equal(await c.call('PING'), '+PONG\r\n');
      const served = [...tcp.server.clients.values()].filter((x) => x.transport === 'tcp');
      assert.equal(served.length, 1);
      const socket = served[0]!.socket;
      let streamWrites = 0;
      const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
      socket.write = ((...args: unknown[]) => {
        streamWrites++;
        return write(...args);
      }) as typeof socket.write;
      for (let i = 0; i < 5; i++) assert.equal(await c.call('ECHO', `m${i}`), `$2\r\nm${i}\r\n`);
      assert.equal(streamWrites, 0);
    } finally {
      c.close();
    }
  });

  it('a read that comes while the loop waits sends its replies before its callback returns; later reads before it waits again, and reads while something waits, leave them for the turn\'s end', async () => {
    let inRead = false;
    let waiting = false;
    let flushes: boolean[] = [];
    const proto = Client.prototype;
    const { onData, flush } = proto;
    proto.onData = function (this: Client, chunk: Buffer): void {
      inRead = true;
      // Another client's replies (or BCAST invalidations) waiting for the turn's end.
      if (waiting) this.server.scheduleFlush();
      onData.call(this, chunk);
      inRead = false;
    };
    proto.flush = function (this: Client): void {
      flushes.push(inRead);
      flush.call(this);
    };
    const a = await RawConn.connect(tcp.port);
    const b = await RawConn.connect(tcp.port);
    try {
      // A client on another thread: its requests arrive while this loop waits in its poll.
      const worker = new Worker(
        `const net = require('node:net');
        const { workerData, parentPort } = require('node:worker_threads');
        const s = net.connect(workerData.port, '127.0.0.1');
        let left = 10, got = '';
        const next = () => s.write('*2\\r\\n$4\\r\\nECHO\\r\\n$1\\r\\nw\\r\\n');
        s.on('connect', next);
        s.on('data', (d) => {
          got += d;
          while (got.startsWith('$1\\r\\nw\\r\\n')) {
            got = got.slice(7);
            if (--left === 0) { parentPort.postMessage('done'); s.end(); } else next();
          }
        });`,
        { eval: true, workerData: { port: tcp.port } },
      );
      try {
        await new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
          worker.once('exit', () => reject(new Error('the client thread ended first')));
        });
      } finally {
        await worker.terminate();
      }
      assert.equal(flushes.length, 10);
      assert.ok(flushes.some((inline) => inline), `sent at once: ${flushes.join(' ')}`);
      // Both requests are in the kernel before the loop polls again: one turn reads both, and
      // the second leaves its replies for the turn's end.
      flushes = [];
      a.send('ECHO', 'x');
      b.send('ECHO', 'y');
      const until = Date.now() + 50;
      while (Date.now() < until); // holds the event loop (this process runs the server)
      assert.equal(await a.reply(), '$1\r\nx\r\n');
      assert.equal(await b.reply(), '$1\r\ny\r\n');
      assert.equal(flushes.length, 2);
      assert.equal(flushes[1], false);
      flushes = [];
      waiting = true;
      for (let i = 0; i < 5; i++) assert.equal(await a.call('ECHO', 'later'), '$5\r\nlater\r\n');
      assert.deepEqual(flushes, [false, false, false, false, false]);
    } finally {
      proto.onData = onData;
      proto.flush = flush;
      a.close();
      b.close();
    }
  });

  it('a reader that stops: the write the kernel could not take is held and counted (omem), and every reply arrives whole and in order', async () => {
    const a = await RawConn.connect(tcp.port);
    const b = await RawConn.connect(tcp.port);
    try {
      const size = 2 * 1024 * 1024;
      const letters = ['a', 'b', 'c'];
      for (const l of letters) assert.equal(await b.call('SET', `big-${l}`, l.repeat(size)), '+OK\r\n');
      const id = await a.call('CLIENT', 'ID');
      a.socket.pause();
      for (const l of letters) a.send('GET', `big-${l}`);
      // The first reply's rest waits in the server's handle, the next ones behind it.
      await waitFor(
        async () => {
          const line = (await b.call('CLIENT', 'LIST', 'ID', id.slice(1).trim())).split('\n')[1] ?? '';
          const omem = Number(/ omem=(\d+)/.exec(line)?.[1] ?? 0);
          return omem >= size;
        },
        5000,
        'replies held for the reader',
      );
      // The bytes the handle holds must outlive the reply buffer the writer let go: full
      // collections, and memory reused for other bytes meanwhile.
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as () => void;
      for (let i = 0; i < 3; i++) {
        gc();
        const junk = Buffer.alloc(size * 2, 'z');
        assert.equal(junk[size], 0x7a);
      }
      a.socket.resume();
      for (const l of letters) assert.equal(await a.reply(10_000), `$${size}\r\n${l.repeat(size)}\r\n`);
      assert.equal(await a.call('PING'), '+PONG\r\n');
    } finally {
      a.close();
      b.close();
    }
  });
});
