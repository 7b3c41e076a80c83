// Keyspace notifications: the events of the string and generic key commands compared with
// redis-server 7.0.15 (a subscriber on every channel, then a marker message ends the stream),
// class masks, "new" key events, CONFIG SET/GET of notify-keyspace-events; then "expired"
// events (lazy and active) driven by a ManualClock.
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../src/store/clock.js';
import { RawConn, haveRedis, startServer, type TestServer, differentialServers } from './helpers.js';
import { sameScenario, type Step } from './scenario.js';

const HAVE_REDIS = haveRedis();
const SKIP = HAVE_REDIS ? false : 'redis-server not installed: differential notification tests skipped';
const END = 'zz-end-of-events';

/**
 * The steps of one run: `cmds` on connection c with notifications set to `flags`, a PSUBSCRIBE *
 * subscriber s, whose messages are read up to a marker message.
 */
function events(flags: string, cmds: string[][]): Step[] {
  return [
    // Keys a command list leaves expired-but-present must not be reclaimed by an active expiry
    // cycle mid-run: its timing differs between the two servers, so it is off while they run.
    ['c', 'DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['c', 'FLUSHALL'],
    ['c', 'CONFIG', 'SET', 'notify-keyspace-events', flags],
    ['s', 'PSUBSCRIBE', '*'],
    ...cmds.map((cmd) => ['c', ...cmd]),
    ['c', 'PUBLISH', END, 'x'],
    { on: 's', readUntil: END },
    ['c', 'CONFIG', 'SET', 'notify-keyspace-events', ''],
    ['c', 'DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ];
}

describe('differential: keyspace notifications', { skip: SKIP }, () => {
  const servers = differentialServers({ 'enable-debug-command': 'yes' });

  async function same(flags: string, cmds: string[][]): Promise<void> {
    const log = await sameScenario(servers.t.port, servers.ref.port, events(flags, cmds));
    assert.equal(log[0], `c DEBUG SET-ACTIVE-EXPIRE 0 -> ${JSON.stringify('+OK\r\n')}`);
  }

  const STRING_CMDS = [
    ['SET', 'k', 'v'], ['SET', 'k', 'v2', 'EX', '100'], ['SET', 'k', 'v3', 'KEEPTTL'], ['SET', 'k', 'v', 'NX'], ['SET', 'k', 'v', 'XX', 'GET'],
    ['SETNX', 'k', 'z'], ['SETNX', 'k2', 'z'], ['SETEX', 'k3', '1000', 'v'], ['PSETEX', 'k4', '1000000', 'v'], ['GETSET', 'k', 'x'],
    ['GETEX', 'k', 'EX', '50'], ['GETEX', 'k', 'PERSIST'], ['GETEX', 'k'], ['GETEX', 'nokey', 'EX', '5'], ['GETDEL', 'k'], ['GETDEL', 'k'],
    ['MSET', 'm1', '1', 'm2', '2'], ['MSETNX', 'm3', '1', 'm4', '2'], ['MSETNX', 'm3', '1'], ['APPEND', 'm1', 'x'], ['APPEND', 'newapp', 'x'],
    ['INCR', 'i'], ['DECR', 'i'], ['INCRBY', 'i', '5'], ['DECRBY', 'i', '5'], ['INCRBYFLOAT', 'f', '1.5'], ['INCR', 'm1'],
    ['SETRANGE', 'sr', '2', 'ab'], ['SETRANGE', 'sr', '0', ''], ['SETRANGE', 'nokey', '0', ''],
    ['SETBIT', 'b', '3', '1'], ['SETBIT', 'b', '3', '1'], ['BITOP', 'OR', 'b2', 'b', 'm1'], ['BITOP', 'AND', 'b3', 'none1', 'none2'],
    ['BITFIELD', 'bf', 'SET', 'u8', '0', '5'], ['BITFIELD', 'bf', 'GET', 'u8', '0'], ['BITFIELD', 'bf', 'INCRBY', 'u8', '0', '1'],
    ['GETEX', 'k3', 'PX', '1'], ['SET', 'e', 'v', 'EXAT', '1'], ['GETEX', 'm2', 'EXAT', '1'],
  ];
  const GENERIC_CMDS = [
    ['MSET', 'm1', '1', 'm2', '2', 'm3', '3', 'm4', '4', 'i', '1'],
    ['DEL', 'm1', 'm2', 'nokey'], ['UNLINK', 'm3'], ['DEL', 'm3'],
    ['EXPIRE', 'm4', '100'], ['PEXPIRE', 'm4', '100000'], ['EXPIREAT', 'm4', '9999999999'], ['PEXPIREAT', 'm4', '9999999999000'],
    ['EXPIRE', 'm4', '10', 'NX'], ['EXPIRE', 'nokey', '10'], ['PERSIST', 'm4'], ['PERSIST', 'm4'], ['EXPIRE', 'm4', '-1'],
    ['SET', 'i', '1', 'PX', '100000'], ['RENAME', 'i', 'i2'], ['SET', 'i', '2'], ['RENAME', 'i', 'i2'], ['RENAMENX', 'i2', 'i2'],
    ['SET', 'f', '1'], ['RENAMENX', 'i2', 'f'], ['RENAMENX', 'i2', 'i3'], ['COPY', 'i3', 'i4'], ['COPY', 'i3', 'i4'],
    ['COPY', 'i3', 'i4', 'REPLACE'], ['COPY', 'i3', 'i5', 'DB', '2'], ['MOVE', 'i4', '1'], ['MOVE', 'i3', '2'], ['MOVE', 'nokey', '1'],
    ['SWAPDB', '0', '1'], ['SWAPDB', '0', '1'], ['TOUCH', 'i3'], ['FLUSHDB'], ['FLUSHALL'],
  ];

  it('string and bitmap commands: all classes, keyspace and keyevent', async () => {
    await same('KEA', STRING_CMDS);
  });

  it('generic key commands: all classes, keyspace and keyevent', async () => {
    await same('KEA', GENERIC_CMDS);
  });

  it('class masks: only generic, only strings, keyevent only, keyspace only', async () => {
    await same('Kg', [...STRING_CMDS.slice(0, 15), ...GENERIC_CMDS.slice(0, 12)]);
    await same('E$', [...STRING_CMDS.slice(0, 15), ...GENERIC_CMDS.slice(0, 12)]);
    await same('K', [['SET', 'k', 'v'], ['DEL', 'k']]);
    await same('A', [['SET', 'k', 'v'], ['DEL', 'k']]);
  });

  const FAMILY_CMDS = [
    ['XGROUP', 'CREATE', 'st', 'g', '$', 'MKSTREAM'], ['XGROUP', 'CREATE', 'st', 'g', '$'], ['XGROUP', 'CREATECONSUMER', 'st', 'g', 'bob'],
    ['XADD', 'st', '1-1', 'f', 'v'], ['XADD', 'st', 'MAXLEN', '1', '2-1', 'f', 'v'], ['XADD', 'nost', 'NOMKSTREAM', '1-1', 'f', 'v'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 'st', '>'], ['XCLAIM', 'st', 'g', 'mike', '0', '2-1', 'FORCE'],
    ['XGROUP', 'DELCONSUMER', 'st', 'g', 'nobody'], ['XAUTOCLAIM', 'st', 'g', 'bob', '0', '0'], ['XGROUP', 'DELCONSUMER', 'st', 'g', 'bob'],
    ['XACK', 'st', 'g', '2-1'], ['XGROUP', 'SETID', 'st', 'g', '0'], ['XSETID', 'st', '5-0'], ['XDEL', 'st', '2-1'], ['XDEL', 'st', '9-9'],
    ['XTRIM', 'st', 'MAXLEN', '0'], ['XGROUP', 'DESTROY', 'st', 'g'], ['XGROUP', 'DESTROY', 'st', 'g'],
    ['PFADD', 'h', 'a', 'b'], ['PFADD', 'h', 'a'], ['PFADD', 'h2'], ['PFCOUNT', 'h'], ['PFMERGE', 'h3', 'h', 'h2'],
    ['GEOADD', 'geo', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'], ['GEOADD', 'geo', 'XX', '13', '38', 'Palermo'],
    ['GEOSEARCHSTORE', 'gdst', 'geo', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'], ['GEOSEARCHSTORE', 'gdst', 'geo', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
    ['GEORADIUS', 'geo', '15', '37', '200', 'km', 'STORE', 'gdst2'],
  ];

  it('stream, HyperLogLog and geo commands: all classes, keyspace and keyevent, and "new" keys', async () => {
    await same('KEA', FAMILY_CMDS);
    await same('KE$n', FAMILY_CMDS);
  });

  it('"new" key events: only when a key is added', async () => {
    await same('En', [...STRING_CMDS, ...GENERIC_CMDS]);
    await same('KE$n', [['SET', 'a', '1'], ['SET', 'a', '2'], ['INCR', 'c'], ['RENAME', 'c', 'a']]);
  });

  it('CONFIG SET/GET notify-keyspace-events as Redis prints it', async () => {
    const vals = ['gKE', '$lshzxeKE', 'KA', 'EA', 'AKE', 'gn', 'nE', 'Em', 'm', 'xe', 'g$lshzxetd', 'tdK', '', 'Q', 'AQ'];
    await sameScenario(servers.t.port, servers.ref.port, [
      ...vals.flatMap((v) => [['c', 'CONFIG', 'SET', 'notify-keyspace-events', v], ['c', 'CONFIG', 'GET', 'notify-keyspace-events']]),
      ['c', 'CONFIG', 'SET', 'notify-keyspace-events', ''],
    ]);
  });
});

describe('expired events (ManualClock)', () => {
  const clock = new ManualClock(1_700_000_000_000);
  let t: TestServer;
  let c: RawConn;
  let s: RawConn;
  before(async () => {
    t = await startServer({ hz: '1', 'notify-keyspace-events': 'Ex' }, clock);
    c = await RawConn.connect(t.port);
    s = await RawConn.connect(t.port);
    await s.call('SUBSCRIBE', '__keyevent@0__:expired');
  });
  after(async () => {
    c?.close();
    s?.close();
    await t?.close();
  });

  const msg = (key: string) => `*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$${key.length}\r\n${key}\r\n`;

  it('a key found expired on access sends "expired" once', async () => {
    await c.call('PSETEX', 'foo', '100', '1');
    clock.advance(101);
    assert.equal(await c.call('EXISTS', 'foo'), ':0\r\n');
    assert.equal(await c.call('EXISTS', 'foo'), ':0\r\n');
    assert.equal(await s.reply(), msg('foo'));
    await c.call('PUBLISH', '__keyevent@0__:expired', 'marker');
    assert.equal(await s.reply(), msg('marker'), 'no second event');
  });

  it('active expiry sends "expired"', async () => {
    await c.call('PSETEX', 'bar', '100', '1');
    clock.advance(101);
    t.server.cron();
    assert.equal(await s.reply(), msg('bar'));
  });

  it('the flags follow CONFIG SET, and no events flow once cleared', async () => {
    assert.equal(await c.call('CONFIG', 'SET', 'notify-keyspace-events', ''), '+OK\r\n');
    assert.equal(t.server.events.flags, 0);
    await c.call('PSETEX', 'baz', '100', '1');
    clock.advance(101);
    await c.call('EXISTS', 'baz');
    await c.call('PUBLISH', '__keyevent@0__:expired', 'marker');
    assert.equal(await s.reply(), msg('marker'));
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'Ex');
  });
});

test("notify-keyspace-events with A and n: 'new' events fire, CONFIG GET prints AKE as Redis does", async () => {
  const t = await startServer();
  const sub = await RawConn.connect(t.port);
  const c = await RawConn.connect(t.port);
  try {
    assert.equal(await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEAn'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'GET', 'notify-keyspace-events'), '*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n');
    await sub.call('SUBSCRIBE', '__keyevent@0__:new');
    assert.equal(await c.call('SET', 'fresh', 'v'), '+OK\r\n');
    assert.equal(await sub.reply(), '*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:new\r\n$5\r\nfresh\r\n');
  } finally {
    sub.close();
    c.close();
    await t.close();
  }
});
