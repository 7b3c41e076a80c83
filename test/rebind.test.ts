// CONFIG SET port / bind at run time: the listeners move (new ones first, old ones closed, the
// connections they accepted kept), a port or address that cannot be listened on changes nothing,
// and the reply waits for the sockets while the client's further input is held.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RawConn, freePort, haveRedis, startRedis, startServer, type RefServer, type TestServer } from './helpers.js';

const HAVE_REDIS = haveRedis();
const SKIP = HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped';

const PORT_FAILED = "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n";
const BIND_FAILED = "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n";

/** True when a TCP connection to host:port is accepted. */
function accepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Holds a port on 127.0.0.1 so that nobody else can listen there. */
function occupy(): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer((c) => c.destroy());
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

const portOf = (s: net.Server): number => (s.address() as net.AddressInfo).port;
const closeServer = (s: net.Server): Promise<void> => new Promise((r) => s.close(() => r()));

/** 127.0.0.2 is usable here (Linux routes all of 127.0.0.0/8 to lo). */
const HAVE_127_0_0_2 = await new Promise<boolean>((resolve) => {
  const s = net.createServer();
  s.once('error', () => resolve(false));
  s.listen(0, '127.0.0.2', () => s.close(() => resolve(true)));
});

describe('CONFIG SET port', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(() => t.close());

  it('moves the listener to a free port; the connection that asked stays open', async () => {
    const c = await RawConn.connect(t.port);
    try {
      const oldPort = t.port;
      const port = await freePort();
      assert.equal(await c.call('CONFIG', 'SET', 'port', String(port)), '+OK\r\n');
      assert.equal(await accepts(oldPort), false, 'old port still accepts');
      assert.equal(await accepts(port), true, 'new port refuses');
      assert.equal(await c.call('PING'), '+PONG\r\n');
      assert.equal(await c.call('CONFIG', 'GET', 'port'), `*2\r\n$4\r\nport\r\n$${String(port).length}\r\n${port}\r\n`);
      assert.match(await c.call('INFO', 'server'), new RegExp(`tcp_port:${port}\r\n`));
      assert.deepEqual(t.server.boundPorts, [port]);
      const d = await RawConn.connect(port);
      assert.equal(await d.call('PING'), '+PONG\r\n');
      // and back, from the new connection
      assert.equal(await d.call('CONFIG', 'SET', 'port', String(oldPort)), '+OK\r\n');
      assert.equal(await accepts(oldPort), true);
      assert.equal(await accepts(port), false);
      assert.equal(await c.call('PING'), '+PONG\r\n');
      assert.equal(await d.call('PING'), '+PONG\r\n');
      d.close();
    } finally {
      c.close();
    }
  });

  it('to a busy port fails with Redis text, rolls back the other values and keeps listening', async () => {
    const c = await RawConn.connect(t.port);
    const busy = await occupy();
    try {
      const before = await c.call('CONFIG', 'GET', 'maxmemory');
      const qbl = await c.call('CONFIG', 'GET', 'client-query-buffer-limit');
      const portBefore = await c.call('CONFIG', 'GET', 'port');
      assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '10000001', 'port', String(portOf(busy)), 'client-query-buffer-limit', '10m'), PORT_FAILED);
      assert.equal(await c.call('CONFIG', 'GET', 'maxmemory'), before);
      assert.equal(await c.call('CONFIG', 'GET', 'client-query-buffer-limit'), qbl);
      assert.equal(await c.call('CONFIG', 'GET', 'port'), portBefore);
      assert.equal(await accepts(t.port), true);
      assert.equal(await c.call('PING'), '+PONG\r\n');
      assert.ok(t.logs.some((l) => l.includes(`127.0.0.1:${portOf(busy)}`)), 'the reason is logged');
      // the failure is counted as a failed call
      assert.match(await c.call('INFO', 'commandstats'), /cmdstat_config\|set:calls=\d+,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=[1-9]/);
    } finally {
      c.close();
      await closeServer(busy);
    }
  });

  it('holds pipelined input until the reply is written', async () => {
    const c = await RawConn.connect(t.port);
    try {
      const port = await freePort();
      c.write(`*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$4\r\nport\r\n$${String(port).length}\r\n${port}\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n`);
      assert.equal(await c.reply(), '+OK\r\n');
      assert.equal(await c.reply(), '+PONG\r\n');
      assert.equal(await c.reply(), '$1\r\nx\r\n');
      assert.equal(await accepts(port), true);
      assert.equal(await c.call('CONFIG', 'SET', 'port', String(t.port)), '+OK\r\n');
    } finally {
      c.close();
    }
  });

  it('CLIENT REPLY SKIP drops the deferred reply', async () => {
    const c = await RawConn.connect(t.port);
    try {
      const port = await freePort();
      c.send('CLIENT', 'REPLY', 'SKIP');
      c.send('CONFIG', 'SET', 'port', String(port));
      assert.equal(await c.call('PING'), '+PONG\r\n');
      assert.equal(await accepts(port), true);
      assert.equal(await c.call('CONFIG', 'SET', 'port', String(t.port)), '+OK\r\n');
    } finally {
      c.close();
    }
  });

  it('inside MULTI/EXEC is refused (the EXEC reply cannot wait); other values still apply', async () => {
    const c = await RawConn.connect(t.port);
    try {
      const port = await freePort();
      assert.equal(await c.call('MULTI'), '+OK\r\n');
      assert.equal(await c.call('CONFIG', 'SET', 'port', String(port)), '+QUEUED\r\n');
      assert.equal(await c.call('CONFIG', 'SET', 'port', String(t.port), 'hz', '10'), '+QUEUED\r\n');
      const r = await c.call('EXEC');
      assert.match(r, /^\*2\r\n-ERR CONFIG SET failed \(possibly related to argument 'port'\) - changing port inside MULTI\/EXEC is not supported by Redoubt\r\n\+OK\r\n$/);
      assert.equal(await accepts(port), false);
    } finally {
      c.close();
    }
  });

  it('the same port again is a plain OK', async () => {
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(await c.call('CONFIG', 'SET', 'port', String(t.port)), '+OK\r\n');
      assert.equal(await accepts(t.port), true);
    } finally {
      c.close();
    }
  });

  it('concurrent changes from two clients are applied one after the other', async () => {
    const a = await RawConn.connect(t.port);
    const b = await RawConn.connect(t.port);
    try {
      const p1 = await freePort();
      const p2 = await freePort();
      a.send('CONFIG', 'SET', 'port', String(p1));
      b.send('CONFIG', 'SET', 'port', String(p2));
      assert.equal(await a.reply(), '+OK\r\n');
      assert.equal(await b.reply(), '+OK\r\n');
      assert.equal(await accepts(p2), true);
      assert.equal(await accepts(p1), false);
      assert.deepEqual(t.server.boundPorts, [p2]);
      assert.equal(await a.call('CONFIG', 'SET', 'port', String(t.port)), '+OK\r\n');
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('CONFIG SET bind', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(() => t.close());

  it('to 127.0.0.2 and back', { skip: HAVE_127_0_0_2 ? false : '127.0.0.2 not available' }, async () => {
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(await c.call('CONFIG', 'SET', 'bind', '127.0.0.2'), '+OK\r\n');
      assert.equal(await accepts(t.port, '127.0.0.1'), false);
      assert.equal(await accepts(t.port, '127.0.0.2'), true);
      assert.equal(await c.call('CONFIG', 'GET', 'bind'), '*2\r\n$4\r\nbind\r\n$9\r\n127.0.0.2\r\n');
      const d = await RawConn.connect(t.port, '127.0.0.2');
      try {
        assert.equal(await d.call('CONFIG', 'SET', 'bind', '127.0.0.1'), '+OK\r\n');
        assert.equal(await accepts(t.port, '127.0.0.1'), true);
        assert.equal(await accepts(t.port, '127.0.0.2'), false);
        assert.equal(await d.call('PING'), '+PONG\r\n');
      } finally {
        d.close();
      }
      // two addresses, then one of them: the kept one is not reopened
      assert.equal(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1 127.0.0.2'), '+OK\r\n');
      assert.equal(await accepts(t.port, '127.0.0.2'), true);
      assert.equal(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1'), '+OK\r\n');
      assert.equal(await accepts(t.port, '127.0.0.2'), false);
      assert.equal(await c.call('PING'), '+PONG\r\n');
    } finally {
      c.close();
    }
  });

  it('to an address that cannot be bound changes nothing', async () => {
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(await c.call('CONFIG', 'SET', 'bind', '999.999.999.999'), BIND_FAILED);
      assert.equal(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1 127.0.0.1'), BIND_FAILED);
      assert.equal(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1 -999.1.1.1'), BIND_FAILED);
      assert.equal(await c.call('CONFIG', 'GET', 'bind'), '*2\r\n$4\r\nbind\r\n$9\r\n127.0.0.1\r\n');
      assert.equal(await accepts(t.port), true);
    } finally {
      c.close();
    }
  });

  it('empty bind closes every listener; existing connections go on', async () => {
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(await c.call('CONFIG', 'SET', 'bind', ''), '+OK\r\n');
      assert.equal(await accepts(t.port), false);
      assert.equal(await c.call('PING'), '+PONG\r\n');
      assert.equal(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1'), '+OK\r\n');
      assert.equal(await accepts(t.port), true);
    } finally {
      c.close();
    }
  });

  it('port and bind together: the error names the first of them', async () => {
    const c = await RawConn.connect(t.port);
    const busy = await occupy();
    try {
      const p = String(portOf(busy));
      assert.equal(await c.call('CONFIG', 'SET', 'port', p, 'bind', '127.0.0.1'), PORT_FAILED);
      assert.equal(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1', 'port', p), BIND_FAILED);
      const free = await freePort();
      assert.equal(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1', 'port', String(free)), '+OK\r\n');
      assert.equal(await accepts(free), true);
      assert.equal(await c.call('CONFIG', 'SET', 'port', String(t.port)), '+OK\r\n');
    } finally {
      c.close();
      await closeServer(busy);
    }
  });
});

describe('CONFIG SET port/bind failures, differential', { skip: SKIP }, () => {
  let t: TestServer;
  let ref: RefServer;
  before(async () => {
    t = await startServer();
    ref = await startRedis();
  });
  after(async () => {
    await t.close();
    await ref.close();
  });

  it('same reply bytes as redis-server', async () => {
    const a = await RawConn.connect(t.port);
    const b = await RawConn.connect(ref.port);
    const busy = await occupy();
    try {
      const p = String(portOf(busy));
      const cmds = [
        ['CONFIG', 'SET', 'maxmemory', '10000001', 'port', p, 'client-query-buffer-limit', '10m'],
        ['CONFIG', 'GET', 'maxmemory'],
        ['CONFIG', 'SET', 'port', p, 'bind', '127.0.0.1'],
        ['CONFIG', 'SET', 'bind', '127.0.0.1', 'port', p],
        ['CONFIG', 'SET', 'bind', '999.999.999.999'],
        ['CONFIG', 'SET', 'bind', '127.0.0.1 127.0.0.1'],
        ['CONFIG', 'GET', 'bind'],
        ['CONFIG', 'SET', 'bind', '127.0.0.1'],
        ['PING'],
      ];
      for (const cmd of cmds) assert.equal(await a.call(...cmd), await b.call(...cmd), cmd.join(' '));
    } finally {
      a.close();
      b.close();
      await closeServer(busy);
    }
  });
});
