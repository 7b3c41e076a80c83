// Client-side caching (CLIENT TRACKING): invalidation messages in RESP3 and through a RESP2
// redirect client subscribed to __redis__:invalidate, BCAST prefixes, OPTIN/OPTOUT/NOLOOP,
// invalidation on expiry, eviction and flushes, tracking-table-max-keys, the errors and the
// introspection fields. Most cases run the same flow on Redoubt and on redis-server 7.0.15 and
// require the same bytes (client ids hidden).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, haveRedis, infoField, startRedis, startRedoubtProcess, startServer, waitFor, type RefServer, type TestServer } from './helpers.js';

const PUSH = (...keys: string[]): string => `>2\r\n$10\r\ninvalidate\r\n*${keys.length}\r\n${keys.map((k) => `$${k.length}\r\n${k}\r\n`).join('')}`;
const MESSAGE = (...keys: string[]): string =>
  `*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*${keys.length}\r\n${keys.map((k) => `$${k.length}\r\n${k}\r\n`).join('')}`;

/** A flow opens its own connections on `port`, returns what it saw, and closes them. */
type Flow = (port: number, log: string[], open: (resp?: 2 | 3) => Promise<RawConn>) => Promise<void>;

async function runFlow(port: number, flow: Flow): Promise<string[]> {
  const conns: RawConn[] = [];
  const log: string[] = [];
  const open = async (resp: 2 | 3 = 2): Promise<RawConn> => {
    const c = await RawConn.connect(port);
    conns.push(c);
    if (resp === 3) await c.call('HELLO', '3');
    return c;
  };
  try {
    const ctl = await open();
    await ctl.call('FLUSHALL');
    await ctl.call('CONFIG', 'SET', 'tracking-table-max-keys', '1000000');
    await flow(port, log, open);
  } finally {
    for (const c of conns) c.close();
  }
  return log;
}

async function idOf(c: RawConn): Promise<string> {
  return (await c.call('CLIENT', 'ID')).slice(1, -2);
}

/** Replies with client ids replaced (they differ between the two servers). */
function hideIds(s: string, ids: string[]): string {
  let out = s;
  for (const id of ids) out = out.split(`:${id}\r\n`).join(':<id>\r\n').split(`redir=${id} `).join('redir=<id> ');
  return out;
}

describe('client-side caching (CLIENT TRACKING)', () => {
  let t: TestServer;
  let ref: RefServer | null = null;
  before(async () => {
    t = await startServer();
    if (haveRedis()) ref = await startRedis();
  });
  after(async () => {
    await t.close();
    await ref?.close();
  });

  /** Runs `flow` on Redoubt and, when redis-server is here, on it too: same log required. */
  async function same(flow: Flow): Promise<string[]> {
    const mine = await runFlow(t.port, flow);
    if (ref !== null) assert.deepEqual(mine, await runFlow(ref.port, flow));
    return mine;
  }

  it('RESP3: a key read is invalidated once by a push, after the reply of the command that changed it', async () => {
    const log = await same(async (_p, log, open) => {
      const c = await open(3);
      const w = await open();
      log.push(await c.call('CLIENT', 'TRACKING', 'on'));
      await w.call('SET', 'k', '1');
      log.push(await c.call('GET', 'k'));
      await w.call('SET', 'k', '2');
      log.push(await c.call('PING')); // the push arrived first
      log.push(await c.reply());
      await w.call('SET', 'k', '3'); // no longer remembered: no second message
      log.push(await c.call('PING'));
      // The client's own change: the push follows the command's reply.
      await c.call('HSET', 'h', 'f', '1');
      log.push(await c.call('HGET', 'h', 'f'));
      log.push(await c.call('HDEL', 'h', 'f'));
      log.push(await c.reply());
      // Inside MULTI: the push follows EXEC's reply.
      log.push(await c.call('GET', 'a'));
      await c.call('MULTI');
      await c.call('INCR', 'a');
      log.push(await c.call('EXEC'));
      log.push(await c.reply());
    });
    assert.equal(log[2], PUSH('k'));
    assert.equal(log[3], '+PONG\r\n');
    assert.equal(log[4], '+PONG\r\n');
    assert.equal(log[6], ':1\r\n');
    assert.equal(log[7], PUSH('h'));
    assert.equal(log[10], PUSH('a'));
  });

  it('RESP2: invalidations reach a redirect client subscribed to __redis__:invalidate (node-redis / ioredis style)', async () => {
    const log = await same(async (_p, log, open) => {
      const sub = await open();
      const c = await open();
      const w = await open();
      const sid = await idOf(sub);
      log.push(await sub.call('SUBSCRIBE', '__redis__:invalidate'));
      log.push(await c.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', sid));
      log.push(hideIds(await c.call('CLIENT', 'GETREDIR'), [sid]));
      await c.call('MGET', 'a', 'b', 'c');
      await w.call('MSET', 'a', '1', 'b', '2', 'x', '3');
      log.push(await sub.reply());
      log.push(await sub.reply());
      // A flush: a null instead of keys.
      await c.call('GET', 'a');
      await w.call('FLUSHALL');
      log.push(await sub.reply());
      log.push(await sub.call('PING'));
      // Without redirection a RESP2 client gets nothing (no push in RESP2).
      const plain = await open();
      await plain.call('CLIENT', 'TRACKING', 'on');
      await plain.call('GET', 'p');
      await w.call('SET', 'p', '1');
      log.push(await plain.call('PING'));
    });
    assert.equal(log[3], MESSAGE('a'));
    assert.equal(log[4], MESSAGE('b'));
    assert.equal(log[5], '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n');
    assert.equal(log[6], '*2\r\n$4\r\npong\r\n$0\r\n\r\n');
    assert.equal(log[7], '+PONG\r\n');
  });

  it('a redirect client that went away: tracking-redir-broken (RESP3), flag R and broken_redirect', async () => {
    const log = await same(async (_p, log, open) => {
      const sub = await open();
      const c = await open(3);
      const w = await open();
      const sid = await idOf(sub);
      await c.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', sid);
      await c.call('GET', 'k');
      sub.close();
      await waitFor(async () => !(await w.call('CLIENT', 'LIST')).includes(`id=${sid} `), 5000, 'the redirect client to go');
      await w.call('SET', 'k', '1');
      log.push(hideIds(await c.call('PING'), [sid]));
      log.push(await c.reply());
      log.push(hideIds(await c.call('CLIENT', 'TRACKINGINFO'), [sid]));
      const info = await c.call('CLIENT', 'INFO');
      log.push(/ flags=(\S+) /.exec(info)![1]!);
      log.push(hideIds(/ redir=\S+ /.exec(info)![0], [sid]));
    });
    assert.equal(log[0], '>2\r\n$21\r\ntracking-redir-broken\r\n:<id>\r\n');
    assert.equal(log[1], '+PONG\r\n');
    assert.match(log[2]!, /broken_redirect/);
    assert.equal(log[3], 'tR');
  });

  it('BCAST: one message per prefix with the keys changed in the turn, PREFIX additions, NOLOOP', async () => {
    const log = await same(async (_p, log, open) => {
      const c = await open(3);
      const w = await open();
      log.push(await c.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a:', 'PREFIX', 'b:'));
      await w.call('MULTI');
      for (const k of ['a:2', 'a:1', 'b:1', 'c:1']) await w.call('INCR', k);
      await w.call('EXEC');
      log.push(await c.call('PING'));
      log.push(await c.reply());
      log.push(await c.reply());
      log.push(await c.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'c:'));
      await w.call('SET', 'c:9', '1');
      log.push(await c.call('PING'));
      log.push(await c.reply());
      log.push(await c.call('CLIENT', 'TRACKINGINFO'));
      // NOLOOP: the client's own changes are left out.
      await c.call('CLIENT', 'TRACKING', 'off');
      log.push(await c.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP'));
      await c.call('SET', 'mine', '1');
      log.push(await c.call('PING'));
      await w.call('SET', 'theirs', '1');
      log.push(await c.call('PING'));
      log.push(await c.reply());
    });
    assert.equal(log[1], PUSH('a:1', 'a:2'));
    assert.equal(log[2], PUSH('b:1'));
    assert.equal(log[3], '+PONG\r\n');
    assert.equal(log[5], PUSH('c:9'));
    assert.equal(log[9], '+PONG\r\n');
    assert.equal(log[10], PUSH('theirs'));
  });

  it('NOLOOP in default mode, and keys read before switching to BCAST are not told', async () => {
    const log = await same(async (_p, log, open) => {
      const c = await open(3);
      const w = await open();
      await c.call('CLIENT', 'TRACKING', 'on', 'NOLOOP');
      await c.call('MGET', 'x', 'y');
      log.push(await c.call('SET', 'x', '1'));
      log.push(await c.call('PING')); // no push for its own change
      await w.call('SET', 'y', '1');
      log.push(await c.call('PING'));
      log.push(await c.reply());
      await c.call('GET', 'z');
      await c.call('CLIENT', 'TRACKING', 'off');
      await c.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'q');
      await w.call('SET', 'z', '1');
      log.push(await c.call('PING'));
    });
    assert.deepEqual(log, ['+OK\r\n', '+PONG\r\n', PUSH('y'), '+PONG\r\n', '+PONG\r\n']);
  });

  it('OPTIN and OPTOUT with CLIENT CACHING, for the next command or transaction', async () => {
    const log = await same(async (_p, log, open) => {
      const c = await open(3);
      const w = await open();
      await c.call('CLIENT', 'TRACKING', 'on', 'OPTIN');
      await c.call('GET', 'a'); // not tracked
      log.push(await c.call('CLIENT', 'CACHING', 'yes'));
      log.push(await c.call('CLIENT', 'TRACKINGINFO'));
      await c.call('GET', 'b'); // tracked
      await c.call('GET', 'c'); // not: CACHING applied to one command
      await c.call('CLIENT', 'CACHING', 'yes');
      await c.call('MULTI');
      await c.call('GET', 'd');
      await c.call('GET', 'e');
      await c.call('EXEC'); // both tracked
      await w.call('MSET', 'a', '1', 'b', '1', 'c', '1', 'd', '1', 'e', '1');
      log.push(await c.call('PING'));
      log.push(await c.reply());
      log.push(await c.reply());
      log.push(await c.reply());
      await c.call('CLIENT', 'TRACKING', 'off');
      await c.call('CLIENT', 'TRACKING', 'on', 'OPTOUT');
      await c.call('CLIENT', 'CACHING', 'no');
      await c.call('GET', 'a'); // not tracked
      await c.call('GET', 'b'); // tracked
      await w.call('MSET', 'a', '2', 'b', '2');
      log.push(await c.call('PING'));
      log.push(await c.reply());
    });
    assert.equal(log[2], PUSH('b'));
    assert.equal(log[3], PUSH('d'));
    assert.equal(log[4], PUSH('e'));
    assert.equal(log[5], '+PONG\r\n');
    assert.equal(log[6], PUSH('b'));
  });

  it('tracking turned on inside MULTI tracks the transaction\'s reads; CLIENT CACHING is used up by a refused command', async () => {
    const log = await same(async (_p, log, open) => {
      const c = await open(3);
      const w = await open();
      await c.call('MULTI');
      await c.call('CLIENT', 'TRACKING', 'on');
      await c.call('GET', 'q');
      await c.call('SET', 'q', '2');
      log.push(await c.call('EXEC'));
      log.push(await c.reply()); // its own write, after EXEC's reply
      await c.call('GET', 'q');
      await w.call('SET', 'q', '1');
      log.push(await c.call('PING'));
      log.push(await c.reply());
      await c.call('CLIENT', 'TRACKING', 'off');
      await c.call('CLIENT', 'TRACKING', 'on', 'OPTIN');
      await c.call('CLIENT', 'CACHING', 'yes');
      log.push(await c.call('NOSUCHCMD'));
      await c.call('GET', 'o'); // not tracked: CACHING went with the refused command
      await c.call('CLIENT', 'CACHING', 'yes');
      await c.call('CLIENT', 'TRACKINGINFO'); // CLIENT subcommands keep it
      await c.call('GET', 'o2');
      await w.call('MSET', 'o', '1', 'o2', '1');
      log.push(await c.call('PING'));
      log.push(await c.reply());
    });
    assert.equal(log[0], '*3\r\n+OK\r\n_\r\n+OK\r\n');
    assert.equal(log[1], PUSH('q'));
    assert.equal(log[2], PUSH('q'));
    assert.equal(log[5], PUSH('o2'));
    assert.equal(log[6], '+PONG\r\n');
  });

  it('expiry (active and lazy) invalidates; BCAST NOLOOP is told of an expiry after its own write', async () => {
    const log = await same(async (_p, log, open) => {
      const c = await open(3);
      const w = await open();
      await c.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP');
      await c.call('SET', 'gone', 'v', 'PX', '1');
      await c.call('SET', 'stays', 'v');
      log.push(await c.reply(5000)); // active expiry
      await c.call('CLIENT', 'TRACKING', 'off');
      // Lazy expiry while reading, in default mode: the push follows the reply.
      await w.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      await c.call('CLIENT', 'TRACKING', 'on');
      await w.call('SET', 'y', '1', 'PX', '5');
      await c.call('GET', 'y');
      const t0 = Date.now();
      await waitFor(() => Date.now() - t0 > 20, 1000, 'y to be past its time');
      log.push(await c.call('MGET', 'x', 'y'));
      log.push(await c.reply());
      await w.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    });
    assert.equal(log[0], PUSH('gone'));
    assert.equal(log[1], '*2\r\n_\r\n_\r\n');
    assert.equal(log[2], PUSH('y'));
  });

  it('FLUSHDB and FLUSHALL send one null to every tracking client and empty the table', async () => {
    const log = await same(async (_p, log, open) => {
      const c = await open(3);
      const b = await open(3);
      const w = await open();
      await c.call('CLIENT', 'TRACKING', 'on');
      await b.call('CLIENT', 'TRACKING', 'on', 'BCAST');
      await c.call('MGET', 'k1', 'k2');
      log.push(await infoField(w, 'tracking_total_keys'));
      await w.call('FLUSHALL');
      log.push(await c.call('PING'));
      log.push(await c.reply());
      log.push(await b.call('PING'));
      log.push(await b.reply());
      log.push(await infoField(w, 'tracking_total_keys'));
      // The flushing client's own null follows EXEC's reply.
      await c.call('MULTI');
      await c.call('FLUSHDB');
      log.push(await c.call('EXEC'));
      log.push(await c.reply());
      log.push(await c.call('PING'));
    });
    assert.deepEqual(log, ['2', '>2\r\n$10\r\ninvalidate\r\n_\r\n', '+PONG\r\n', '>2\r\n$10\r\ninvalidate\r\n_\r\n', '+PONG\r\n', '0', '*1\r\n+OK\r\n', '>2\r\n$10\r\ninvalidate\r\n_\r\n', '+PONG\r\n']);
  });

  it('tracking-table-max-keys: keys past the limit are forgotten with an invalidation, before a queued command', async () => {
    const log = await same(async (_p, log, open) => {
      const sub = await open();
      const c = await open();
      const w = await open();
      const sid = await idOf(sub);
      await sub.call('SUBSCRIBE', '__redis__:invalidate');
      await c.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', sid);
      await c.call('MGET', 'k1', 'k2', 'k3', 'k4', 'k5');
      log.push(await infoField(w, 'tracking_total_keys'));
      await w.call('CONFIG', 'SET', 'tracking-table-max-keys', '2');
      // The cron (or the next command) brings the table under the limit.
      for (let i = 0; i < 3; i++) assert.match(await sub.reply(), /^\*3\r\n\$7\r\nmessage\r\n\$20\r\n__redis__:invalidate\r\n\*1\r\n\$2\r\nk\d\r\n$/);
      log.push(await infoField(w, 'tracking_total_keys'));
      log.push(await infoField(w, 'tracking_total_items'));
      await w.call('CONFIG', 'SET', 'tracking-table-max-keys', '1000000');
      await c.call('CLIENT', 'TRACKING', 'off');
      await w.call('FLUSHALL'); // an empty table
      // A RESP3 client in MULTI gets its invalidation before QUEUED.
      const r = await open(3);
      await r.call('CLIENT', 'TRACKING', 'on');
      await r.call('MGET', 'q1', 'q2');
      await r.call('MULTI');
      await w.call('CONFIG', 'SET', 'tracking-table-max-keys', '1');
      r.send('PING');
      r.send('EXEC');
      const first = await r.reply();
      log.push(first === PUSH('q1') || first === PUSH('q2') ? 'push' : first);
      log.push(await r.reply());
      log.push(await r.reply());
    });
    assert.deepEqual(log, ['5', '2', '2', 'push', '+QUEUED\r\n', '*1\r\n+PONG\r\n']);
  });

  it('reads inside scripts track the script\'s declared keys; a script that only writes tracks none', async () => {
    const log = await same(async (_p, log, open) => {
      const c = await open(3);
      const w = await open();
      await c.call('CLIENT', 'TRACKING', 'on');
      await c.call('EVAL', "redis.call('set', 'k3', 'bar')", '2', 'k1', 'k2');
      await w.call('MSET', 'k1', '1', 'k2', '1');
      log.push(await c.call('PING'));
      await c.call('EVAL', "redis.call('get', 'k3')", '2', 'k1', 'k2');
      await c.call('EVAL_RO', "redis.call('ping')", '1', 'k4');
      await w.call('MSET', 'k2', '2', 'k1', '2', 'k4', '1', 'k3', '1');
      log.push(await c.call('PING'));
      log.push(await c.reply());
      log.push(await c.reply());
    });
    assert.deepEqual(log, ['+PONG\r\n', PUSH('k2'), PUSH('k1'), '+PONG\r\n']);
  });

  it('pushes go out with CLIENT REPLY OFF, and to a RESP3 redirect client', async () => {
    const log = await same(async (_p, log, open) => {
      const c = await open(3);
      const w = await open();
      const r = await open(3);
      const rid = await idOf(r);
      await c.call('CLIENT', 'TRACKING', 'on');
      await c.call('GET', 'foo');
      c.send('CLIENT', 'REPLY', 'OFF');
      await w.call('SET', 'foo', 'bar');
      log.push(await c.reply());
      log.push(await c.call('CLIENT', 'REPLY', 'ON'));
      const d = await open(2);
      await d.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', rid);
      await d.call('GET', 'bar');
      await w.call('SET', 'bar', '1');
      log.push(await r.call('PING'));
      log.push(await r.reply());
    });
    assert.deepEqual(log, [PUSH('foo'), '+OK\r\n', PUSH('bar'), '+PONG\r\n']);
  });

  it('errors as Redis words them', async () => {
    const log = await same(async (_p, log, open) => {
      const c = await open();
      const other = await open();
      const oid = await idOf(other);
      const cmds: string[][] = [
        ['CLIENT', 'TRACKING'],
        ['CLIENT', 'TRACKING', 'maybe'],
        ['CLIENT', 'TRACKING', 'on', 'foo'],
        ['CLIENT', 'TRACKING', 'on', 'REDIRECT', 'abc'],
        ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '999999'],
        ['CLIENT', 'TRACKING', 'on', 'REDIRECT', oid, 'REDIRECT', oid],
        ['CLIENT', 'TRACKING', 'off', 'REDIRECT', '999999'],
        ['CLIENT', 'TRACKING', 'on', 'PREFIX', 'a'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN'],
        ['CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FOOBAR', 'PREFIX', 'FOO'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX'],
        ['CLIENT', 'CACHING', 'yes'],
        ['CLIENT', 'TRACKING', 'on', 'OPTIN'],
        ['CLIENT', 'CACHING', 'no'],
        ['CLIENT', 'CACHING', 'maybe'],
        ['CLIENT', 'TRACKING', 'on', 'OPTOUT'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST'],
        ['CLIENT', 'TRACKING', 'off'],
        ['CLIENT', 'TRACKING', 'on', 'OPTOUT'],
        ['CLIENT', 'CACHING', 'yes'],
        ['CLIENT', 'TRACKING', 'off'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FOO', 'PREFIX', 'BAR'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FO'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'BARB'],
        ['CLIENT', 'TRACKING', 'on'],
        ['CLIENT', 'GETREDIR', 'x'],
        ['CLIENT', 'TRACKINGINFO', 'x'],
      ];
      for (const cmd of cmds) log.push(`${cmd.map((a) => (a === oid ? '<id>' : a)).join(' ')} -> ${await c.call(...cmd)}`);
    });
    assert.ok(log.some((l) => l.includes("ERR Prefix 'FOOBAR' overlaps with another provided prefix 'FOO'")));
    assert.ok(log.some((l) => l.includes("ERR Prefix 'FO' overlaps with an existing prefix 'FOO'")));
  });

  it('CLIENT TRACKINGINFO, GETREDIR, CLIENT LIST flags and redir, INFO tracking fields', async () => {
    const log = await same(async (_p, log, open) => {
      const c = await open();
      const b = await open();
      const w = await open();
      const bid = await idOf(b);
      const show = async (): Promise<void> => {
        log.push(hideIds(await c.call('CLIENT', 'TRACKINGINFO'), [bid]));
        log.push(hideIds(await c.call('CLIENT', 'GETREDIR'), [bid]));
        const line = await c.call('CLIENT', 'INFO');
        log.push(hideIds(`${/ flags=\S+/.exec(line)![0]}${/ redir=\S+ /.exec(line)![0]}`, [bid]));
      };
      await show();
      await c.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', bid, 'NOLOOP');
      await show();
      await c.call('CLIENT', 'TRACKING', 'off');
      await c.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'foo', 'PREFIX', 'bar');
      await show();
      await c.call('CLIENT', 'TRACKING', 'off');
      await c.call('CLIENT', 'TRACKING', 'on', 'OPTOUT');
      await c.call('CLIENT', 'CACHING', 'no');
      await show();
      await c.call('HELLO', '3');
      await show();
      // INFO: two tracking clients, two keys, three items, one prefix.
      await c.call('CLIENT', 'TRACKING', 'off');
      await c.call('CLIENT', 'TRACKING', 'on');
      await b.call('CLIENT', 'TRACKING', 'on');
      await c.call('MGET', 'k1', 'k2');
      await b.call('GET', 'k1');
      const p = await open();
      await p.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x');
      for (const f of ['tracking_clients', 'tracking_total_keys', 'tracking_total_items', 'tracking_total_prefixes']) log.push(`${f}:${await infoField(w, f)}`);
      p.close();
      await waitFor(async () => (await infoField(w, 'tracking_clients')) === '2', 5000, 'the closed client to stop tracking');
      log.push(`tracking_total_prefixes:${await infoField(w, 'tracking_total_prefixes')}`);
      await c.call('RESET');
      log.push(`after RESET tracking_clients:${await infoField(w, 'tracking_clients')}`);
    });
    assert.ok(log.includes('tracking_clients:3'));
    assert.ok(log.includes('tracking_total_items:3'));
    assert.ok(log.includes('tracking_total_prefixes:0'));
    assert.ok(log.includes(' flags=t redir=<id> '));
    assert.ok(log.includes(' flags=tB redir=0 '));
  });

  it('eviction invalidates, before the reply of the command that made room (Redoubt only: memory figures differ)', async () => {
    const s = await startServer();
    const c = await RawConn.connect(s.port);
    try {
      await c.call('HELLO', '3');
      await c.call('CLIENT', 'TRACKING', 'on');
      await c.call('SETEX', 'volatile-key', '10000', 'x');
      await c.call('GET', 'volatile-key');
      const used = Number(await infoField(c, 'used_memory'));
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-random');
      await c.call('CONFIG', 'SET', 'maxmemory', String(used + 100 * 1024));
      await c.call('SETBIT', 'big-key', '1600000', '0');
      assert.equal(await c.call('GETBIT', 'big-key', '0'), PUSH('volatile-key'));
      assert.equal(await c.reply(), ':0\r\n');
    } finally {
      c.close();
      await s.close();
    }
  });

  it('with no tracking client left the dispatcher has nothing to do (tracking.on is false)', async () => {
    const c = await RawConn.connect(t.port);
    try {
      await c.call('FLUSHALL');
      await c.call('CLIENT', 'TRACKING', 'on');
      await c.call('GET', 'k');
      assert.equal(t.server.tracking.on, true);
      await c.call('CLIENT', 'TRACKING', 'off');
      await c.call('SET', 'k', '1'); // forgets the key
      await waitFor(() => t.server.tracking.clients === 0, 5000, 'no tracking client');
      assert.equal(t.server.tracking.on, false);
      assert.equal(t.server.tracking.current, null);
      // On again: its own change still follows its reply (no stale running client left behind).
      await c.call('HELLO', '3');
      await c.call('CLIENT', 'TRACKING', 'on');
      await c.call('GET', 'k');
      assert.equal(await c.call('SET', 'k', '2'), '+OK\r\n');
      assert.equal(await c.reply(), PUSH('k'));
      await c.call('CLIENT', 'TRACKING', 'off');
    } finally {
      c.close();
    }
  });
});

describe('client tracking attacked by a stranger (a real process)', () => {
  it('a client reading many keys: the table stays within tracking-table-max-keys', async () => {
    const s = await startRedoubtProcess(['--save', '', '--tracking-table-max-keys', '1000']);
    const reader = await RawConn.connect(s.port);
    const ctl = await RawConn.connect(s.port);
    try {
      assert.equal(await reader.call('CLIENT', 'TRACKING', 'on'), '+OK\r\n');
      // 100 000 distinct keys read, 2 000 per MGET (missing keys are remembered too).
      for (let b = 0; b < 50; b++) {
        const keys: string[] = [];
        for (let i = 0; i < 2000; i++) keys.push(`k:${b}:${i}`);
        assert.match(await reader.call('MGET', ...keys), /^\*2000\r\n/);
      }
      // Before each command and in the cron the oldest keys are forgotten, with a growing effort.
      await waitFor(async () => Number(await infoField(ctl, 'tracking_total_keys')) <= 1000, 10000, 'the table under its limit');
      assert.ok(Number(await infoField(ctl, 'tracking_total_items')) <= 1000);
      assert.equal(await reader.call('PING'), '+PONG\r\n');
    } finally {
      reader.close();
      ctl.close();
      await s.kill();
    }
  });

  it('a client piling up BCAST prefixes pays for them in its memory: maxmemory-clients evicts it', async () => {
    const s = await startRedoubtProcess(['--save', '', '--maxmemory-clients', '4mb']);
    const attacker = await RawConn.connect(s.port);
    const ctl = await RawConn.connect(s.port);
    try {
      // 1 KB prefixes, 200 a command: about 4 000 of them reach the limit.
      let added = 0;
      for (let b = 0; b < 100 && !attacker.closed; b++) {
        const args = ['CLIENT', 'TRACKING', 'on', 'BCAST'];
        for (let i = 0; i < 200; i++) args.push('PREFIX', `${b}:${i}:${'x'.repeat(1000)}`);
        const r = await attacker.call(...args).catch(() => 'closed');
        if (r === '+OK\r\n') added += 200;
      }
      await waitFor(() => attacker.closed, 10000, 'the attacker to be evicted');
      assert.ok(added >= 1000 && added < 20000, `added ${added}`);
      assert.equal(await infoField(ctl, 'evicted_clients'), '1');
      // Its prefixes went with it, and the server still answers.
      assert.equal(await infoField(ctl, 'tracking_total_prefixes'), '0');
      assert.equal(await infoField(ctl, 'tracking_clients'), '0');
      assert.equal(await ctl.call('SET', '1:0:x', 'v'), '+OK\r\n');
    } finally {
      attacker.close();
      ctl.close();
      await s.kill();
    }
  });
});
