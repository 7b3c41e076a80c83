// Pub/Sub against redis-server 7.0.15, byte for byte, in RESP2 and RESP3 with several
// connections: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB *, the RESP2
// subscribed context (errors, PING), CLIENT REPLY OFF with pushes, RESET, QUIT, MULTI/EXEC.
// Then Redoubt-only checks: clean-up on disconnect, CLIENT LIST/KILL TYPE pubsub, delivery flush.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, haveRedis, hideClientId, startServer, waitFor, type TestServer, differentialServers } from './helpers.js';
import { sameScenario, type Step } from './scenario.js';

const HAVE_REDIS = haveRedis();
const SKIP = HAVE_REDIS ? false : 'redis-server not installed: differential pub/sub tests skipped';

describe('differential: pub/sub', { skip: SKIP }, () => {
  const servers = differentialServers();

  const same = (steps: Step[]) => sameScenario(servers.t.port, servers.ref.port, steps);

  it('RESP2: subscribe, publish to two clients, unsubscribe, counts', async () => {
    await same([
      { on: 'a', cmd: ['SUBSCRIBE', 'c1', 'c2', 'c1'], replies: 3 },
      { on: 'b', cmd: ['SUBSCRIBE', 'c1'] },
      ['p', 'PUBLISH', 'c1', 'hello'],
      { on: 'a', read: 1 },
      { on: 'b', read: 1 },
      ['p', 'PUBLISH', 'c2', 'x\r\n\x00\xff'],
      { on: 'a', read: 1 },
      ['p', 'PUBLISH', 'nobody', 'x'],
      ['p', 'PUBSUB', 'NUMSUB', 'c1', 'c2', 'c3'],
      ['p', 'PUBSUB', 'NUMSUB'],
      ['p', 'PUBSUB', 'NUMPAT'],
      ['a', 'UNSUBSCRIBE', 'c1'],
      ['a', 'UNSUBSCRIBE', 'nope'],
      ['a', 'UNSUBSCRIBE'],
      ['a', 'UNSUBSCRIBE'],
      ['p', 'PUBLISH', 'c1', 'again'],
      { on: 'b', read: 1 },
      ['b', 'UNSUBSCRIBE'],
      ['p', 'PUBSUB', 'NUMSUB', 'c1', 'c2'],
      ['p', 'PUBSUB', 'CHANNELS'],
    ]);
  });

  it('RESP2: patterns, pmessage, NUMPAT counts unique patterns, PUBSUB CHANNELS pattern', async () => {
    await same([
      { on: 'a', cmd: ['PSUBSCRIBE', 'foo.*', 'bar.*'], replies: 2 },
      { on: 'b', cmd: ['PSUBSCRIBE', 'foo.*', 'q?x'], replies: 2 },
      ['p', 'PUBSUB', 'NUMPAT'],
      ['p', 'PUBLISH', 'foo.1', 'm1'],
      { on: 'a', read: 1 },
      { on: 'b', read: 1 },
      ['p', 'PUBLISH', 'qzx', 'm2'],
      { on: 'b', read: 1 },
      ['p', 'PUBLISH', 'bar', 'none'],
      { on: 'c', cmd: ['SUBSCRIBE', 'foo.1'] },
      { on: 'c', cmd: ['PSUBSCRIBE', 'zzz*'] },
      ['p', 'PUBLISH', 'foo.1', 'm3'],
      { on: 'c', read: 1 },
      { on: 'a', read: 1 },
      { on: 'b', read: 1 },
      ['p', 'PUBSUB', 'CHANNELS', 'foo*'],
      ['p', 'PUBSUB', 'CHANNELS', 'x*'],
      ['a', 'PUNSUBSCRIBE', 'foo.*'],
      ['a', 'PUNSUBSCRIBE', 'none.*'],
      ['a', 'PUNSUBSCRIBE'],
      ['a', 'PUNSUBSCRIBE'],
      ['p', 'PUBSUB', 'NUMPAT'],
      ['c', 'UNSUBSCRIBE'],
      ['c', 'PUNSUBSCRIBE'],
      { on: 'b', cmd: ['PUNSUBSCRIBE', 'foo.*', 'q?x'], replies: 2 },
      ['p', 'PUBSUB', 'NUMPAT'],
    ]);
  });

  it('RESP2: the subscribed context refuses other commands with Redis\'s error; PING is an array', async () => {
    await same([
      ['a', 'SUBSCRIBE', 'ch'],
      ['a', 'PING'],
      ['a', 'PING', 'hi'],
      ['a', 'GET', 'x'],
      ['a', 'GET'],
      ['a', 'NOSUCHCMD', 'x'],
      ['a', 'SUBSCRIBE'],
      ['a', 'PUBSUB', 'NUMSUB'],
      ['a', 'CLIENT', 'REPLY', 'OFF'],
      ['a', 'MULTI'],
      ['a', 'EXEC'],
      ['a', 'SSUBSCRIBE', 's1'],
      ['a', 'UNSUBSCRIBE'],
      ['a', 'GET', 'x'], // still shard-subscribed: refused
      ['a', 'PING'],
      ['a', 'SUNSUBSCRIBE'],
      ['a', 'GET', 'x'],
      ['a', 'PING'],
      ['b', 'PSUBSCRIBE', 'x'],
      ['b', 'SET', 'k', 'v'],
      ['b', 'RESET'],
      ['b', 'PING'],
      ['p', 'PUBSUB', 'NUMPAT'],
      ['q', 'SUBSCRIBE', 'c'],
      ['q', 'QUIT'],
    ]);
  });

  it('RESP3: push messages, any command allowed, self-publish order, null unsubscribe', async () => {
    await same([
      { on: 'a', cmd: ['HELLO', '3'], normalize: hideClientId },
      { on: 'a', cmd: ['SUBSCRIBE', 'c1', 'c2'], replies: 2 },
      ['a', 'PSUBSCRIBE', 'c*'],
      ['a', 'SET', 'k', 'v'],
      ['a', 'GET', 'k'],
      ['a', 'PING'],
      ['a', 'PING', 'x'],
      { on: 'a', cmd: ['PUBLISH', 'c1', 'self'], replies: 3 },
      { on: 'b', cmd: ['HELLO', '3'], normalize: hideClientId },
      ['b', 'SSUBSCRIBE', 's'],
      ['p', 'SPUBLISH', 's', 'sm'],
      { on: 'b', read: 1 },
      ['p', 'PUBLISH', 'c2', 'two'],
      { on: 'a', read: 2 },
      // (UNSUBSCRIBE without names goes through Redis's dict in hash order: name them.)
      { on: 'a', cmd: ['UNSUBSCRIBE', 'c1', 'c2'], replies: 2 },
      ['a', 'PUNSUBSCRIBE'],
      ['a', 'UNSUBSCRIBE'],
      ['a', 'PUNSUBSCRIBE'],
      ['b', 'SUNSUBSCRIBE'],
      ['b', 'SUNSUBSCRIBE'],
      ['b', 'DEL', 'k'],
    ]);
  });

  it('RESP2 and RESP3: pushes survive CLIENT REPLY OFF and SKIP', async () => {
    for (const proto of ['2', '3']) {
      await same([
        { on: 'a', cmd: ['HELLO', proto], normalize: hideClientId },
        { on: 'a', cmd: ['CLIENT', 'REPLY', 'OFF'], replies: 0 },
        ['a', 'SUBSCRIBE', 'channel'],
        ['a', 'PSUBSCRIBE', 'ch*'],
        ['p', 'PUBLISH', 'channel', 'hello'],
        { on: 'a', read: 2 },
        { on: 'a', cmd: ['PING'], replies: 0 },
        ['a', 'UNSUBSCRIBE', 'channel'],
        ['a', 'PUNSUBSCRIBE', 'ch*'],
        { on: 'a', cmd: ['CLIENT', 'REPLY', 'ON'] },
        { on: 'a', cmd: ['CLIENT', 'REPLY', 'SKIP'], replies: 0 },
        ['a', 'SUBSCRIBE', 'z'],
        ['a', 'UNSUBSCRIBE', 'z'],
        ['a', 'PING'],
      ]);
    }
  });

  it('SUBSCRIBE inside MULTI, refused commands in a transaction, shard and plain channels apart', async () => {
    await same([
      ['a', 'MULTI'],
      ['a', 'SUBSCRIBE', 'z'],
      ['a', 'PING'],
      ['a', 'EXEC'],
      ['a', 'PING'],
      ['a', 'GET', 'x'],
      ['a', 'UNSUBSCRIBE'],
      { on: 'b', cmd: ['HELLO', '3'], normalize: hideClientId },
      ['b', 'MULTI'],
      ['b', 'SSUBSCRIBE', 'q'], // refused inside EXEC (DENY BLOCKING)
      ['b', 'PUBLISH', 'q', 'm'],
      ['b', 'EXEC'],
      ['b', 'SSUBSCRIBE', 'q'],
      ['b', 'MULTI'],
      ['b', 'SPUBLISH', 'q', 'm'],
      { on: 'b', cmd: ['EXEC'], replies: 1 },
      ['s', 'SUBSCRIBE', 'q'],
      ['p', 'PUBLISH', 'q', 'plain'],
      { on: 's', read: 1 },
      ['p', 'SPUBLISH', 'q', 'sharded'],
      { on: 'b', read: 1 },
      ['p', 'PUBSUB', 'SHARDCHANNELS'],
      ['p', 'PUBSUB', 'SHARDCHANNELS', 'q'],
      ['p', 'PUBSUB', 'SHARDCHANNELS', 'x*'],
      ['p', 'PUBSUB', 'SHARDNUMSUB', 'q', 'r'],
      ['p', 'PUBSUB', 'SHARDNUMSUB'],
      ['p', 'PUBSUB', 'NUMSUB', 'q'],
      ['b', 'SUNSUBSCRIBE', 'q'],
      ['s', 'UNSUBSCRIBE'],
    ]);
  });

  it('glob caps: PSUBSCRIBE delivery, PUNSUBSCRIBE and PUBSUB CHANNELS with patterns past 1000 star groups, promptly, as Redis', async () => {
    const long = 'a'.repeat(2000) + 'b';
    const p1000 = 'a*'.repeat(1000) + 'b'; // matches long
    const p1001 = 'a*'.repeat(1001) + 'b'; // past Redis's nesting cap: matches nothing
    const trailing = 'a*'.repeat(1001); // a trailing star group still matches
    const slow = 'a*'.repeat(100) + 'c'; // backtracks over the whole of a long channel
    const t0 = performance.now();
    // One pattern per connection: Redis delivers to one client's patterns in hash order.
    await same([
      { on: 'a', cmd: ['PSUBSCRIBE', p1000], replies: 1 },
      { on: 'c', cmd: ['PSUBSCRIBE', p1001], replies: 1 },
      { on: 'd', cmd: ['PSUBSCRIBE', trailing], replies: 1 },
      { on: 'e', cmd: ['PSUBSCRIBE', slow, p1001], replies: 2 },
      { on: 'b', cmd: ['SUBSCRIBE', long, 'ab'], replies: 2 },
      ['p', 'PUBLISH', long, 'm1'],
      { on: 'a', read: 1 },
      { on: 'd', read: 1 },
      { on: 'b', read: 1 },
      ['p', 'PUBLISH', 'a'.repeat(500) + 'c', 'm2'],
      { on: 'e', read: 1 },
      ['p', 'PUBSUB', 'CHANNELS', p1000],
      ['p', 'PUBSUB', 'CHANNELS', p1001],
      ['p', 'PUBSUB', 'CHANNELS', trailing],
      ['p', 'PUBSUB', 'CHANNELS', slow],
      ['p', 'PUBSUB', 'NUMPAT'],
      { on: 'e', cmd: ['PUNSUBSCRIBE', p1001, slow], replies: 2 },
      { on: 'd', cmd: ['PUNSUBSCRIBE', 'a*'.repeat(1002)], replies: 1 },
      ['p', 'PUBSUB', 'NUMPAT'],
      ['p', 'PUBLISH', long, 'm3'],
      { on: 'a', read: 1 },
      { on: 'd', read: 1 },
      { on: 'b', read: 1 },
    ]);
    assert.ok(performance.now() - t0 < 5000, 'took too long');
  });

  it('PUBSUB errors and HELP', async () => {
    await same([
      ['a', 'PUBSUB', 'HELP'],
      ['a', 'PUBSUB', 'FOO'],
      ['a', 'PUBSUB'],
      ['a', 'PUBSUB', 'NUMPAT', 'x'],
      ['a', 'PUBSUB', 'CHANNELS', 'a', 'b'],
      ['a', 'PUBSUB', 'SHARDCHANNELS', 'a', 'b'],
      ['a', 'PUBLISH', 'a'],
      ['a', 'SPUBLISH', 'a', 'b', 'c'],
      ['a', 'PSUBSCRIBE'],
    ]);
  });
});

describe('pub/sub: Redoubt state', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(async () => {
    await t?.close();
  });

  it('a closed connection loses its subscriptions', async () => {
    const a = await RawConn.connect(t.port);
    const p = await RawConn.connect(t.port);
    try {
      await a.call('SUBSCRIBE', 'gone');
      await a.call('PSUBSCRIBE', 'g*');
      await a.call('SSUBSCRIBE', 'sg');
      assert.equal(await p.call('PUBSUB', 'NUMSUB', 'gone'), '*2\r\n$4\r\ngone\r\n:1\r\n');
      a.close();
      await waitFor(() => t.server.pubsub.channels.size === 0 && t.server.pubsub.patterns.size === 0 && t.server.pubsub.shardChannels.size === 0, 5000, 'subscriptions dropped');
      assert.equal(await p.call('PUBLISH', 'gone', 'x'), ':0\r\n');
      assert.equal(await p.call('PUBSUB', 'NUMPAT'), ':0\r\n');
    } finally {
      a.close();
      p.close();
    }
  });

  it('CLIENT LIST shows sub/psub/ssub counts and the P flag; CLIENT KILL TYPE pubsub', async () => {
    const a = await RawConn.connect(t.port);
    const p = await RawConn.connect(t.port);
    try {
      await a.call('SUBSCRIBE', 'x', 'y');
      await a.call('SUBSCRIBE', 'y'); // 2 replies above, 1 here; read the second of the first
      await a.reply();
      await a.call('PSUBSCRIBE', 'z*');
      await a.call('SSUBSCRIBE', 's');
      const list = await p.call('CLIENT', 'LIST', 'TYPE', 'pubsub');
      assert.match(list, /flags=P db=0 sub=2 psub=1 ssub=1 /);
      assert.equal((list.match(/id=/g) ?? []).length, 1, 'one pubsub client');
      assert.doesNotMatch(await p.call('CLIENT', 'LIST', 'TYPE', 'normal'), /flags=P/);
      assert.equal(await p.call('CLIENT', 'KILL', 'TYPE', 'pubsub'), ':1\r\n');
      await a.waitClosed();
      await waitFor(() => t.server.pubsub.channels.size === 0, 5000, 'subscriptions dropped');
    } finally {
      a.close();
      p.close();
    }
  });

  it('RESET drops subscriptions silently and leaves the subscribed context', async () => {
    const a = await RawConn.connect(t.port);
    try {
      await a.call('SUBSCRIBE', 'r');
      assert.equal(await a.call('RESET'), '+RESET\r\n');
      assert.equal(await a.call('PING'), '+PONG\r\n');
      assert.equal(t.server.pubsub.channels.size, 0);
    } finally {
      a.close();
    }
  });

  it('a burst of messages reaches a subscriber in order', async () => {
    const a = await RawConn.connect(t.port);
    const p = await RawConn.connect(t.port);
    try {
      await a.call('SUBSCRIBE', 'burst');
      const n = 500;
      for (let i = 0; i < n; i++) p.send('PUBLISH', 'burst', String(i));
      for (let i = 0; i < n; i++) assert.equal(await p.reply(), ':1\r\n');
      for (let i = 0; i < n; i++) {
        const s = String(i);
        assert.equal(await a.reply(), `*3\r\n$7\r\nmessage\r\n$5\r\nburst\r\n$${s.length}\r\n${s}\r\n`);
      }
    } finally {
      a.close();
      p.close();
    }
  });
});
