// The wire protocol against redis-server 7.0.15: pipelining, requests split at every byte, inline
// commands with quotes, protocol errors (exact text, then the connection closes), huge and negative
// lengths, RESP3 reply shapes after HELLO 3, and isolation of a misbehaving client.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, haveRedis, hideClientId, startRedis, startServer, waitFor, type RefServer, type TestServer } from './helpers.js';

const HAVE_REDIS = haveRedis();
const SKIP = HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped';

/** Writes raw bytes on a fresh connection and returns everything received until the server closes it. */
async function untilClosed(port: number, data: string): Promise<string> {
  const c = await RawConn.connect(port);
  try {
    c.write(data);
    await c.waitClosed();
    return c.buffered.toString('latin1');
  } finally {
    c.close();
  }
}

/** Writes raw bytes and reads `n` replies. */
async function replies(c: RawConn, data: string | Buffer, n: number): Promise<string[]> {
  c.write(data);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await c.reply());
  return out;
}

const enc = (...args: string[]) => `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join('');

describe('protocol', () => {
  let ours: TestServer;
  let redis: RefServer | null = null;
  before(async () => {
    ours = await startServer();
    if (HAVE_REDIS) redis = await startRedis();
  });
  after(async () => {
    await ours?.close();
    await redis?.close();
  });

  it('answers a pipeline of 1000 commands in order', async () => {
    const c = await RawConn.connect(ours.port);
    try {
      let req = '';
      for (let i = 0; i < 1000; i++) req += i % 2 === 0 ? enc('ECHO', String(i)) : 'PING\r\n';
      const got = await replies(c, req, 1000);
      for (let i = 0; i < 1000; i++) assert.equal(got[i], i % 2 === 0 ? `$${String(i).length}\r\n${i}\r\n` : '+PONG\r\n');
    } finally {
      c.close();
    }
  });

  it('replies stay intact while the client does not read (socket writes that do not complete at once)', async () => {
    const c = await RawConn.connect(ours.port);
    try {
      const big = 'b'.repeat(8 * 1024 * 1024);
      assert.equal(await c.call('SET', 'slowreader:big', big), '+OK\r\n');
      c.socket.pause();
      const stats = ours.server.stats;
      let expected = stats.commands;
      // More than the loopback socket buffers hold: the server's write cannot complete at once,
      // and the small replies after it are written, one event-loop turn each, behind it.
      for (const args of [['GET', 'slowreader:big'], ...Array.from({ length: 40 }, (_, i) => ['ECHO', `reply-${i}`])]) {
        c.send(...args);
        expected++;
        await waitFor(() => stats.commands >= expected, 5000, `${args[0]} processed`);
      }
      c.socket.resume();
      assert.equal(await c.reply(), `$${big.length}\r\n${big}\r\n`);
      for (let i = 0; i < 40; i++) assert.equal(await c.reply(), `$${`reply-${i}`.length}\r\nreply-${i}\r\n`);
    } finally {
      c.close();
    }
  });

  it('parses requests split at every byte', async () => {
    const req = Buffer.from(enc('ECHO', 'hello\r\nworld') + 'ECHO "a b" \'c\'\r\n' + enc('PING') + '\r\n' + enc('ECHO', ''), 'latin1');
    const whole = await RawConn.connect(ours.port);
    const split = await RawConn.connect(ours.port);
    try {
      const expected = await replies(whole, req, 4);
      assert.deepEqual(expected, ['$12\r\nhello\r\nworld\r\n', '-ERR wrong number of arguments for \'echo\' command\r\n', '+PONG\r\n', '$0\r\n\r\n']);
      for (let i = 0; i < req.length; i++) {
        split.write(req.subarray(i, i + 1));
        await new Promise((r) => setImmediate(r));
      }
      const got: string[] = [];
      for (let i = 0; i < 4; i++) got.push(await split.reply());
      assert.deepEqual(got, expected);
    } finally {
      whole.close();
      split.close();
    }
  });

  it('inline commands with quotes and escapes equal Redis', { skip: SKIP }, async () => {
    const lines = [
      'ECHO "a b"', "ECHO 'a b'", 'ECHO "\\x41\\x42\\n"', "ECHO 'it\\'s'", 'ECHO "tab\\there"', 'ECHO   spaced   ', 'PING', 'ping "x"',
      'ECHO ""', "ECHO ''", 'echo \\x41', '   ', 'ECHO "\\xZZ"',
    ];
    const a = await RawConn.connect(ours.port);
    const b = await RawConn.connect(redis!.port);
    try {
      for (const l of lines) {
        if (l.trim() === '') {
          a.write(l + '\r\n');
          b.write(l + '\r\n');
          continue;
        }
        const [x] = await replies(a, l + '\r\n', 1);
        const [y] = await replies(b, l + '\r\n', 1);
        assert.equal(x, y, l);
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('protocol errors reply the exact Redis text and close the connection', { skip: SKIP }, async () => {
    const cases = [
      '*3000000000\r\n',
      '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n',
      '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n',
      '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n',
      '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n',
      '*1\r\nfoo\r\n',
      '*abc\r\n',
      '*1\r\n$-1\r\n',
      '*1\r\n$99999999999999999999999\r\n',
      'SET "test-key test-value\r\nPING\r\n',
      'ECHO "a"b\r\n',
      'x'.repeat(70 * 1024),
      '*' + '1'.repeat(70 * 1024),
      '*1\r\n$' + '1'.repeat(70 * 1024),
    ];
    for (const data of cases) {
      const [x, y] = [await untilClosed(ours.port, data), await untilClosed(redis!.port, data)];
      assert.equal(x, y, JSON.stringify(data.slice(0, 60)));
    }
  });

  it('empty lines and negative multibulk counts are ignored, as Redis does', { skip: SKIP }, async () => {
    for (const port of [ours.port, redis!.port]) {
      const c = await RawConn.connect(port);
      try {
        assert.deepEqual(await replies(c, '\r\n*-10\r\n*0\r\n' + enc('PING'), 1), ['+PONG\r\n']);
      } finally {
        c.close();
      }
    }
  });

  it('RESP3 reply shapes after HELLO 3 equal Redis', { skip: SKIP }, async () => {
    const cmds = [
      ['PING'], ['ECHO', 'x'], ['CLIENT', 'GETNAME'], ['COMMAND', 'INFO', 'get', 'nosuch'], ['MEMORY', 'USAGE', 'nosuch'], ['INFO', 'nosuch'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'append', 'a', 'b'], ['COMMAND', 'DOCS', 'nosuch'], ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'echo'],
      ['SLOWLOG', 'GET', '0'], ['LATENCY', 'LATEST'], ['TIME', 'x'], ['CLIENT', 'NO-EVICT', 'off'], ['MULTI'], ['PING'], ['EXEC'],
    ];
    const a = await RawConn.connect(ours.port);
    const b = await RawConn.connect(redis!.port);
    try {
      const [ha, hb] = [await a.call('HELLO', '3'), await b.call('HELLO', '3')];
      assert.equal(hideClientId(ha), hideClientId(hb));
      for (const c of cmds) assert.equal(await a.call(...c), await b.call(...c), c.join(' '));
    } finally {
      a.close();
      b.close();
    }
  });

  it('a client sending garbage does not disturb another', async () => {
    const good = await RawConn.connect(ours.port);
    const bad = await RawConn.connect(ours.port);
    try {
      good.write(enc('ECHO', 'part').slice(0, 10));
      bad.write('*1\r\n$-5\r\n');
      await bad.waitClosed();
      assert.match(bad.buffered.toString('latin1'), /^-ERR Protocol error: invalid bulk length\r\n$/);
      good.write(enc('ECHO', 'part').slice(10));
      assert.equal(await good.reply(), '$4\r\npart\r\n');
      const junk = await RawConn.connect(ours.port);
      junk.write(Buffer.from([0, 255, 13, 10, 42, 13, 10]));
      assert.equal(await good.call('PING'), '+PONG\r\n');
      junk.close();
    } finally {
      good.close();
      bad.close();
    }
  });
});
