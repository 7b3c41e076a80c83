// Connection commands against redis-server 7.0.15: HELLO (RESP2/RESP3, errors, SETNAME, AUTH),
// RESET, PING/ECHO/SELECT, and the CLIENT family (errors byte for byte; LIST/INFO format; KILL;
// REPLY ON/OFF/SKIP; PAUSE/UNPAUSE; not-implemented subcommands).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, both, haveRedis, hideClientId, startRedis, startServer, waitFor, type RefServer, type TestServer } from './helpers.js';
import { ManualClock } from '../src/store/clock.js';

const HAVE_REDIS = haveRedis();
const SKIP = HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped';

describe('differential: connection commands', { skip: SKIP }, () => {
  let ours: TestServer;
  let redis: RefServer;
  let a: RawConn;
  let b: RawConn;
  before(async () => {
    ours = await startServer();
    redis = await startRedis();
    a = await RawConn.connect(ours.port);
    b = await RawConn.connect(redis.port);
  });
  after(async () => {
    a?.close();
    b?.close();
    await ours?.close();
    await redis?.close();
  });

  it('HELLO replies and errors equal Redis', async () => {
    for (const [x, y] of await both(a, b, [
      ['HELLO'], ['HELLO', '3'], ['PING'], ['PING', 'x'], ['ECHO', 'y'], ['CLIENT', 'GETNAME'], ['HELLO', '2'],
      ['HELLO', '4'], ['HELLO', '1'], ['HELLO', '-1'], ['HELLO', 'abc'], ['HELLO', '3', 'foo'], ['HELLO', '3', 'AUTH'], ['HELLO', '3', 'AUTH', 'a'],
      ['HELLO', '3', 'SETNAME'], ['HELLO', '2', 'SETNAME', 'a b'], ['HELLO', '2', 'SETNAME', 'a\nb'], ['HELLO', '2', 'SETNAME', 'n1'], ['CLIENT', 'GETNAME'],
      ['HELLO', '2', 'setname', 'x', 'setname', 'y'], ['CLIENT', 'GETNAME'], ['HELLO', '2', 'AUTH', 'default', 'any'], ['HELLO', '2', 'AUTH', 'nobody', 'x'],
      ['HELLO', '3'], ['RESET'], ['CLIENT', 'GETNAME'], ['SELECT', '1'], ['SELECT', '99'], ['SELECT', 'x'], ['RESET'],
    ])) assert.equal(hideClientId(x), hideClientId(y));
  });

  it('CLIENT errors and simple replies equal Redis', async () => {
    for (const [x, y] of await both(a, b, [
      ['CLIENT'], ['CLIENT', 'FOO'], ['CLIENT', 'NO-TOUCH', 'on'], ['CLIENT', 'KILL'], ['CLIENT', 'KILL', 'id', '10', 'wrong_arg'], ['CLIENT', 'KILL', 'id', 'str'],
      ['CLIENT', 'KILL', 'id', '0'], ['CLIENT', 'KILL', 'id', '-1'], ['CLIENT', 'KILL', 'type', 'wrong_type'], ['CLIENT', 'KILL', 'user', 'wrong_user'],
      ['CLIENT', 'KILL', 'skipme', 'yes_or_no'], ['CLIENT', 'KILL', '1.2.3.4:5'], ['CLIENT', 'KILL', 'id', '999999'], ['CLIENT', 'KILL', 'addr', '1.2.3.4:5'],
      ['CLIENT', 'KILL', 'laddr', '1.2.3.4:5', 'id'], ['CLIENT', 'KILL', 'maxage', '100'], ['CLIENT', 'KILL', 'type', 'pubsub'], ['CLIENT', 'KILL', 'type', 'master'],
      ['CLIENT', 'KILL', 'type', 'slave'], ['CLIENT', 'KILL', 'type', 'normal', 'skipme', 'yes', 'user', 'default', 'laddr', '1.1.1.1:1'], ['CLIENT', 'KILL', 'a', 'b', 'c'],
      ['CLIENT', 'LIST', 'TYPE', 'foo'], ['CLIENT', 'LIST', 'TYPE', 'normal', 'x'], ['CLIENT', 'LIST', 'ID'], ['CLIENT', 'LIST', 'ID', 'abc'], ['CLIENT', 'LIST', 'ID', '0', '-1'],
      ['CLIENT', 'LIST', 'foo'], ['CLIENT', 'LIST', 'TYPE', 'pubsub'],
      ['CLIENT', 'PAUSE'], ['CLIENT', 'PAUSE', 'abc'], ['CLIENT', 'PAUSE', '-1'], ['CLIENT', 'PAUSE', '10', 'foo'], ['CLIENT', 'PAUSE', '10', 'write', 'x'],
      ['CLIENT', 'UNPAUSE'], ['CLIENT', 'REPLY', 'foo'], ['CLIENT', 'NO-EVICT', 'foo'], ['CLIENT', 'NO-EVICT', 'on'], ['CLIENT', 'NO-EVICT', 'OFF'],
      ['CLIENT', 'SETNAME', 'a b'], ['CLIENT', 'SETNAME', 'x'], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', ''], ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'é'], ['CLIENT', 'REPLY', 'ON'],
    ])) assert.equal(x, y);
  });

  it('CLIENT INFO and LIST lines have Redis fields in Redis order', async () => {
    const line = (s: string) => s.slice(s.indexOf('\r\n') + 2);
    const shape = (s: string) =>
      line(s)
        .replace(/=[^ \r\n]*/g, '=')
        .trim();
    const [x, y] = [await a.call('CLIENT', 'INFO'), await b.call('CLIENT', 'INFO')];
    assert.equal(shape(x), shape(y));
    assert.match(line(x), /^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name= age=\d+ idle=\d+ flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 /);
    assert.match(line(x), / cmd=client\|info user=default redir=-1 resp=2\n\r\n$/);
    const l = await a.call('CLIENT', 'LIST');
    assert.match(l, / qbuf=26 .* cmd=client\|list /);
    const id = (await a.call('CLIENT', 'ID')).slice(1, -2);
    assert.match(await a.call('CLIENT', 'LIST', 'ID', id, '999999'), new RegExp(`^\\$\\d+\\r\\nid=${id} [^\\n]*\\n\\r\\n$`));
  });
});

describe('CLIENT behaviour', () => {
  let ours: TestServer;
  before(async () => {
    ours = await startServer({ requirepass: 'secret' });
  });
  after(async () => {
    await ours?.close();
  });

  it('HELLO AUTH logs in (and fails with WRONGPASS); HELLO before auth says NOAUTH', async () => {
    const c = await RawConn.connect(ours.port);
    try {
      // Redis 7.0.15's text, word for word (7.2 added "<proto>" after HELLO; clients show it to users).
      assert.equal(
        await c.call('HELLO', '3'),
        '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> ' +
          'option can be used to authenticate the client and select the RESP protocol version at the same time\r\n',
      );
      assert.equal(await c.call('HELLO', '3', 'AUTH', 'default', 'wrong'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
      assert.ok(ours.logs.some((l) => l.includes("AUTH failed for user 'default'")));
      assert.ok(!ours.logs.some((l) => l.includes('wrong')));
      assert.match(await c.call('HELLO', '3', 'AUTH', 'default', 'secret', 'SETNAME', 'me'), /^%7\r\n/);
      assert.equal(await c.call('CLIENT', 'GETNAME'), '$2\r\nme\r\n');
      // RESET logs the connection out: the default user needs a password.
      assert.equal(await c.call('RESET'), '+RESET\r\n');
      assert.match(await c.call('PING'), /^-NOAUTH/);
    } finally {
      c.close();
    }
  });

  it('KILL by id, addr, and SKIPME NO closes the caller after its reply', async () => {
    const c = await RawConn.connect(ours.port);
    const d = await RawConn.connect(ours.port);
    const e = await RawConn.connect(ours.port);
    try {
      for (const x of [c, d, e]) await x.call('AUTH', 'secret');
      const did = (await d.call('CLIENT', 'ID')).slice(1, -2);
      assert.equal(await c.call('CLIENT', 'KILL', 'ID', did), ':1\r\n');
      await d.waitClosed();
      const info = await e.call('CLIENT', 'INFO');
      const addr = /addr=(\S+)/.exec(info)![1]!;
      assert.equal(await c.call('CLIENT', 'KILL', addr), '+OK\r\n');
      await e.waitClosed();
      assert.equal(await c.call('CLIENT', 'KILL', 'SKIPME', 'no'), ':1\r\n');
      await c.waitClosed();
    } finally {
      c.close();
      d.close();
      e.close();
    }
  });

  it('REPLY OFF/ON and SKIP drop exactly the replies Redis drops', async () => {
    const c = await RawConn.connect(ours.port);
    try {
      await c.call('AUTH', 'secret');
      c.send('CLIENT', 'REPLY', 'OFF');
      c.send('PING', 'a');
      c.send('CLIENT', 'REPLY', 'ON');
      assert.equal(await c.reply(), '+OK\r\n');
      c.send('CLIENT', 'REPLY', 'SKIP');
      c.send('PING', 'b');
      assert.equal(await c.call('PING', 'c'), '$1\r\nc\r\n');
      c.send('CLIENT', 'REPLY', 'SKIP');
      assert.equal(await c.call('CLIENT', 'REPLY', 'ON'), '+OK\r\n');
      assert.equal(await c.call('PING'), '+PONG\r\n');
    } finally {
      c.close();
    }
  });

  it('PAUSE holds commands until UNPAUSE', async () => {
    const c = await RawConn.connect(ours.port);
    const d = await RawConn.connect(ours.port);
    try {
      await c.call('AUTH', 'secret');
      await d.call('AUTH', 'secret');
      assert.equal(await c.call('CLIENT', 'PAUSE', '100000', 'ALL'), '+OK\r\n');
      d.send('PING');
      await waitFor(() => ours.server.pause.waiting.size === 1, 2000, 'the paused client');
      assert.equal(d.buffered.length, 0);
      ours.server.pause.end();
      assert.equal(await d.reply(), '+PONG\r\n');
      assert.equal(await c.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
      // Client-side caching is test/tracking.test.ts's.
      assert.equal(await c.call('CLIENT', 'GETREDIR'), ':-1\r\n');
      assert.match(await c.call('CLIENT', 'HELP'), /^\*\d+\r\n\+CLIENT <subcommand>/);
    } finally {
      c.close();
      d.close();
    }
  });

  it('runs what a pause held after the command that ended it (UNPAUSE inside MULTI: after EXEC), as Redis', async () => {
    const a = await RawConn.connect(ours.port);
    const b = await RawConn.connect(ours.port);
    try {
      await a.call('AUTH', 'secret');
      await b.call('AUTH', 'secret');
      await a.call('DEL', 'pause:x');
      assert.equal(await a.call('CLIENT', 'PAUSE', '100000', 'WRITE'), '+OK\r\n');
      b.send('INCR', 'pause:x');
      await waitFor(() => ours.server.pause.waiting.size === 1, 2000, 'the paused client');
      assert.equal(await a.call('MULTI'), '+OK\r\n');
      assert.equal(await a.call('CLIENT', 'UNPAUSE'), '+QUEUED\r\n');
      assert.equal(await a.call('GET', 'pause:x'), '+QUEUED\r\n');
      assert.equal(await a.call('EXEC'), '*2\r\n+OK\r\n$-1\r\n');
      assert.equal(await b.reply(), ':1\r\n');
      assert.equal(await a.call('GET', 'pause:x'), '$1\r\n1\r\n');
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('timeout (idle clients)', () => {
  it('closes an idle client, never a subscriber or a blocked client (as Redis)', async () => {
    const clock = new ManualClock(Date.now());
    const t = await startServer({ timeout: '1' }, clock);
    const idle = await RawConn.connect(t.port);
    const sub = await RawConn.connect(t.port);
    const blocked = await RawConn.connect(t.port);
    try {
      assert.equal(await idle.call('PING'), '+PONG\r\n');
      assert.equal(await sub.call('SUBSCRIBE', 'ch'), '*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n');
      blocked.send('BLPOP', 'nothing', '0');
      await waitFor(() => [...t.server.clients.values()].some((c) => c.blockedArgv !== null), 5000, 'BLPOP to block');
      clock.advance(5000);
      t.server.cron();
      await waitFor(() => idle.closed, 5000, 'the idle client to be closed');
      assert.equal(sub.closed, false);
      assert.equal(blocked.closed, false);
      assert.equal(t.server.clients.size, 2);
    } finally {
      idle.close();
      sub.close();
      blocked.close();
      await t.close();
    }
  });
});
