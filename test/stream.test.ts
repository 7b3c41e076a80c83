// Streams: differential tests against redis-server 7.0.15 (identical reply bytes, explicit IDs so
// replies are deterministic), blocking XREAD / XREADGROUP, and unit tests of the value type
// (64-bit IDs, node limits, trimming, copy).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, differentialPair, haveRedis, sameReplies, startServer, waitFor, type DiffCmd, type TestServer } from './helpers.js';
import { ManualClock } from '../src/store/clock.js';
import { MAX_ID, MIN_ID, StreamGroup, StreamValue, idIncr, idText, makeId, parseU64 } from '../src/store/types/stream.js';

const HAVE_REDIS = haveRedis();

describe('stream commands vs redis-server', { skip: HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped' }, () => {
  const pair = differentialPair();
  const same = (cmds: DiffCmd[]): Promise<string[]> => sameReplies(pair.a, pair.b, cmds);

  test('XADD XLEN XRANGE XREVRANGE XDEL XTRIM: replies and errors', async () => {
    await same([
      ['DEL', 's', 'str'],
      ['SET', 'str', 'x'],
      ['XADD', 'str', '1-1', 'a', 'b'],
      ['XADD', 's', '1-1', 'a', '1'],
      ['XADD', 's', '1-1', 'a', '1'],
      ['XADD', 's', '0-0', 'a', '1'],
      ['XADD', 's', '1-*', 'b', '2'],
      ['XADD', 's', '5', 'c', '3', 'd', '4'],
      ['XADD', 's', 'abc', 'c', '3'],
      ['XADD', 's', '6-1', 'c'],
      ['XADD', 's', 'MAXLEN', '-1', '7-1', 'c', '3'],
      ['XADD', 's', 'MAXLEN', '3', 'MINID', '1', '7-1', 'c', '3'],
      ['XADD', 's', 'LIMIT', '3', '7-1', 'c', '3'],
      ['XADD', 's', 'MAXLEN', '3', 'LIMIT', '3', '7-1', 'c', '3'],
      ['XADD', 'nos', 'NOMKSTREAM', '1-1', 'a', 'b'],
      ['EXISTS', 'nos'],
      ['XADD', 's', '18446744073709551615-18446744073709551615', 'x', 'y'],
      ['XADD', 's', '*', 'x', 'y'],
      ['XLEN', 's'],
      ['XLEN', 'missing'],
      ['XRANGE', 's', '-', '+'],
      ['XRANGE', 's', '(1-1', '+', 'COUNT', '2'],
      ['XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'],
      ['XRANGE', 's', '-', '+', 'COUNT', '0'],
      ['XRANGE', 's', '-', '+', 'COUNT'],
      ['XREVRANGE', 's', '+', '-', 'COUNT', '2'],
      ['XREVRANGE', 's', '5', '(1-2'],
      ['XRANGE', 'str', '-', '+'],
      ['XDEL', 's', '1-2', '1-2', '99-0'],
      ['XDEL', 's', 'bad'],
      ['XTRIM', 's', 'MAXLEN', '1'],
      ['XTRIM', 's', 'FOO', '1'],
      ['XTRIM', 's', 'MAXLEN', '=', '1', 'LIMIT', '10'],
      ['XRANGE', 's', '-', '+'],
      ['DEL', 'r'],
      ['XADD', 'r', '1-1', 'a', '1'],
      ['XADD', 'r', '2-1', 'b', '2'],
      ['XREAD', 'STREAMS', 'r', '1-1'],
      ['XDEL', 'r', '2-1'],
      ['XREAD', 'STREAMS', 'r', '1-1'],
      ['XREAD', 'STREAMS', 'r', '0-0'],
      ['XREAD', 'STREAMS', 'r', '18446744073709551615-18446744073709551615'],
      ['TYPE', 's'],
      ['OBJECT', 'ENCODING', 's'],
    ]);
  });

  test('XRANGE / XREVRANGE of long, empty and binary values across nodes (replies written from the packed bytes)', async () => {
    const cmds: DiffCmd[] = [['DEL', 'v'], ['CONFIG', 'SET', 'stream-node-max-entries', '3']];
    for (let i = 1; i <= 12; i++) cmds.push(['XADD', 'v', `${i}-${i}`, 'f', i % 4 === 0 ? '' : 'x'.repeat(i * 7) + '\x00\xff\r\n', ...(i % 3 === 0 ? ['g', String(i)] : [])]);
    cmds.push(
      ['XDEL', 'v', '5-5'],
      ['XRANGE', 'v', '-', '+'],
      ['XRANGE', 'v', '3-3', '(9-9', 'COUNT', '4'],
      ['XREVRANGE', 'v', '+', '-'],
      ['XREVRANGE', 'v', '11', '4-4', 'COUNT', '5'],
      ['XREAD', 'COUNT', '2', 'STREAMS', 'v', '6-0'],
      ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
    );
    await same(cmds);
  });

  test('consumer groups: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XINFO, XSETID', async () => {
    await same([
      ['DEL', 'g'],
      ['XGROUP', 'CREATE', 'g', 'grp', '$'],
      ['XGROUP', 'CREATE', 'g', 'grp', '$', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 'g', 'grp', '$'],
      ['XADD', 'g', '1-1', 'a', '1'],
      ['XADD', 'g', '2-1', 'b', '2'],
      ['XADD', 'g', '3-1', 'c', '3'],
      ['XREADGROUP', 'GROUP', 'grp', 'alice', 'COUNT', '2', 'STREAMS', 'g', '>'],
      ['XREADGROUP', 'GROUP', 'nogrp', 'alice', 'STREAMS', 'g', '>'],
      ['XREADGROUP', 'GROUP', 'grp', 'alice', 'STREAMS', 'g', '$'],
      ['XREAD', 'STREAMS', 'g', '>'],
      ['XREADGROUP', 'GROUP', 'grp', 'alice', 'STREAMS', 'g', '0'],
      ['XPENDING', 'g', 'grp'],
      ['XPENDING', 'g', 'grp', '-', '+', '10', 'bob'],
      ['XPENDING', 'g', 'nogrp'],
      ['XACK', 'g', 'grp', '1-1', '9-9'],
      ['XACK', 'g', 'grp', 'bad'],
      ['XCLAIM', 'g', 'grp', 'bob', '0', '2-1', 'JUSTID'],
      ['XCLAIM', 'g', 'grp', 'bob', '0', '2-1', 'BOGUS'],
      ['XCLAIM', 'g', 'grp', 'bob', 'x', '2-1'],
      ['XAUTOCLAIM', 'g', 'grp', 'bob', '0', '0', 'COUNT', '0'],
      ['XAUTOCLAIM', 'g', 'grp', 'carol', '0', '0', 'JUSTID'],
      ['XGROUP', 'CREATECONSUMER', 'g', 'grp', 'dave'],
      ['XGROUP', 'CREATECONSUMER', 'g', 'grp', 'dave'],
      ['XGROUP', 'DELCONSUMER', 'g', 'grp', 'carol'],
      ['XINFO', 'GROUPS', 'g'],
      ['XGROUP', 'SETID', 'g', 'grp', '0', 'ENTRIESREAD', '-2'],
      ['XGROUP', 'SETID', 'g', 'grp', '1-1', 'ENTRIESREAD', '1'],
      ['XINFO', 'GROUPS', 'g'],
      ['XINFO', 'STREAM', 'g'],
      ['XINFO', 'STREAM', 'nokey'],
      ['XINFO', 'GROUPS', 'nokey'],
      ['XINFO', 'CONSUMERS', 'nokey', 'grp'],
      ['XSETID', 'nokey', '1-1'],
      ['XGROUP', 'SETID', 'nokey', 'grp', '0'],
      ['XGROUP', 'DESTROY', 'nokey', 'grp'],
      ['XGROUP', 'CREATECONSUMER', 'nokey', 'grp', 'dave'],
      ['XGROUP', 'DELCONSUMER', 'nokey', 'grp', 'dave'],
      ['XINFO', 'CONSUMERS', 'g', 'nogrp'],
      ['XSETID', 'g', '1-1'],
      ['XSETID', 'g', '9-9', 'ENTRIESADDED', '1'],
      ['XSETID', 'g', '9-9', 'ENTRIESADDED', '7', 'MAXDELETEDID', '2-2'],
      ['XINFO', 'STREAM', 'g'],
      ['XGROUP', 'DESTROY', 'g', 'grp'],
      ['XGROUP', 'DESTROY', 'g', 'grp'],
    ]);
  });
});

describe('XREAD / XREADGROUP under RESP3 vs redis-server', { skip: HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped' }, () => {
  const pair = differentialPair();

  // RESP3 replies with a map of key -> entries (no [key, entries] pair inside); a client reading
  // the pair as the map's key desyncs and waits forever (BullMQ's QueueEvents never got events).
  test('a map of stream -> entries, for one and several streams, read and group read', async () => {
    await pair.a.call('HELLO', '3');
    await pair.b.call('HELLO', '3');
    await sameReplies(pair.a, pair.b, [
      ['DEL', 'r3', 'q3'],
      ['XADD', 'r3', '1-1', 'a', '1'],
      ['XADD', 'r3', '2-1', 'b', '2'],
      ['XADD', 'q3', '3-1', 'c', '3'],
      ['XREAD', 'STREAMS', 'r3', '0'],
      ['XREAD', 'COUNT', '1', 'STREAMS', 'r3', 'q3', '0', '0'],
      ['XREAD', 'STREAMS', 'r3', 'q3', '2-1', '0'],
      ['XREAD', 'STREAMS', 'r3', '9-9'],
      ['XGROUP', 'CREATE', 'r3', 'grp', '0'],
      ['XREADGROUP', 'GROUP', 'grp', 'alice', 'STREAMS', 'r3', '>'],
      ['XREADGROUP', 'GROUP', 'grp', 'alice', 'STREAMS', 'r3', '0'],
      ['XREADGROUP', 'GROUP', 'grp', 'alice', 'STREAMS', 'r3', '>'],
      ['PING'],
    ]);
  });
});

describe('blocking XREAD / XREADGROUP', () => {
  let t: TestServer;
  const conns: RawConn[] = [];
  const conn = async (): Promise<RawConn> => {
    const c = await RawConn.connect(t.port);
    conns.push(c);
    return c;
  };
  test('setup', async () => {
    t = await startServer();
  });

  test('XREAD BLOCK is served by XADD after $ (only newer entries), and times out with a null array', async () => {
    const a = await conn();
    const b = await conn();
    await a.call('XADD', 'bs', '1-1', 'old', 'x');
    b.send('XREAD', 'BLOCK', '0', 'STREAMS', 'bs', '$');
    await waitFor(() => t.server.blocking.count === 1);
    assert.equal(await a.call('XADD', 'bs', '2-1', 'new', 'y'), '$3\r\n2-1\r\n');
    assert.equal(await b.reply(), '*1\r\n*2\r\n$2\r\nbs\r\n*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$3\r\nnew\r\n$1\r\ny\r\n');
    assert.equal(await b.call('XREAD', 'BLOCK', '10', 'STREAMS', 'bs', '$'), '*-1\r\n');
  });

  test('under RESP3, XREAD BLOCK served by an XADD from a script replies with a map', async () => {
    const a = await conn();
    const b = await conn();
    await b.call('HELLO', '3');
    await a.call('XADD', 'bs3', '1-1', 'old', 'x');
    b.send('XREAD', 'BLOCK', '0', 'STREAMS', 'bs3', '$');
    await waitFor(() => t.server.blocking.count === 1);
    await a.call('EVAL', "redis.call('XADD', KEYS[1], '2-1', 'new', 'y') return redis.call('XADD', KEYS[1], '2-2', 'n', 'z')", '1', 'bs3');
    assert.equal(await b.reply(), '%1\r\n$3\r\nbs3\r\n*2\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$3\r\nnew\r\n$1\r\ny\r\n*2\r\n$3\r\n2-2\r\n*2\r\n$1\r\nn\r\n$1\r\nz\r\n');
    assert.equal(await b.call('PING'), '+PONG\r\n');
  });

  test('XREADGROUP BLOCK is unblocked with an error by DEL and by XGROUP DESTROY', async () => {
    const a = await conn();
    const b = await conn();
    await a.call('XGROUP', 'CREATE', 'bg', 'grp', '$', 'MKSTREAM');
    b.send('XREADGROUP', 'GROUP', 'grp', 'c1', 'BLOCK', '0', 'STREAMS', 'bg', '>');
    await waitFor(() => t.server.blocking.count === 1);
    await a.call('DEL', 'bg');
    assert.match(await b.reply(), /^-UNBLOCKED the stream key no longer exists/);
    await a.call('XGROUP', 'CREATE', 'bg', 'grp', '$', 'MKSTREAM');
    b.send('XREADGROUP', 'GROUP', 'grp', 'c1', 'BLOCK', '0', 'STREAMS', 'bg', '>');
    await waitFor(() => t.server.blocking.count === 1);
    await a.call('XGROUP', 'DESTROY', 'bg', 'grp');
    assert.match(await b.reply(), /^-NOGROUP the consumer group this client was blocked on no longer exists/);
  });

  test('teardown', async () => {
    for (const c of conns) c.close();
    await t.close();
  });
});

describe('blocking XREAD keeps its deadline when it waits again', () => {
  test('a reader re-run by DEL and by SET of its key still times out at its first deadline', async () => {
    const clock = new ManualClock();
    const t = await startServer({}, clock);
    const a = await RawConn.connect(t.port);
    const b = await RawConn.connect(t.port);
    try {
      await a.call('XADD', 'rs', '1-1', 'f', 'v');
      b.send('XREAD', 'BLOCK', '1000', 'STREAMS', 'rs', '$');
      await waitFor(() => t.server.blocking.count === 1);
      clock.advance(600);
      assert.equal(await a.call('DEL', 'rs'), ':1\r\n');
      assert.equal(await a.call('SET', 'rs', 'x'), '+OK\r\n');
      assert.equal(t.server.blocking.count, 1, 'XREAD waits again after its stream is gone');
      clock.advance(400);
      t.server.cron();
      assert.equal(t.server.blocking.count, 1, 'at its deadline it still waits');
      clock.advance(1);
      t.server.cron();
      assert.equal(await b.reply(), '*-1\r\n');
    } finally {
      a.close();
      b.close();
      await t.close();
    }
  });
});

describe('StreamValue', () => {
  const lim = { maxEntries: 100, maxBytes: 4096 };

  test('IDs cover the full 64-bit range in order', () => {
    const max = parseU64('18446744073709551615')!;
    assert.equal(max + max, MAX_ID);
    assert.equal(idText(MAX_ID), '18446744073709551615-18446744073709551615');
    assert.equal(idIncr(MAX_ID), null);
    assert.equal(idText(idIncr(makeId(5, 2 ** 53 - 1))!), '5-9007199254740992');
    assert.ok(makeId(2 ** 53, 0) > makeId(2 ** 53 - 1, 5));
    assert.equal(parseU64('18446744073709551616'), null);
  });

  test('nodes follow stream-node-max-entries; ranges, delete, trim and copy', () => {
    const s = new StreamValue();
    for (let i = 1; i <= 250; i++) s.append(makeId(i, 0), ['f', String(i)], { maxEntries: 10, maxBytes: 0 });
    assert.equal(s.nodeCount, 25);
    const seen: string[] = [];
    s.forEach(makeId(9, 0), makeId(12, 0), true, (id) => {
      seen.push(idText(id));
    });
    assert.deepEqual(seen, ['12-0', '11-0', '10-0', '9-0']);
    assert.ok(s.delete(makeId(10, 0)));
    assert.equal(s.get(makeId(10, 0)), undefined);
    assert.equal(s.trim('maxlen', 200, true, 0), 49); // whole nodes only
    assert.equal(s.trim('maxlen', 195, false, 0), 5);
    assert.equal(idText(s.firstId()), '56-0');
    const c = s.copy();
    s.trim('minid', MAX_ID, false, 0);
    assert.equal(s.length, 0);
    assert.equal(c.length, 195);
    assert.deepEqual(c.get(makeId(250, 0)), ['f', '250']);
    assert.equal(c.firstId() > MIN_ID, true);
  });

  test('copy() copies groups: consumers, pending entries owned by the copy\'s consumers', () => {
    const s = new StreamValue();
    s.append(makeId(1, 1), ['f', 'v'], { maxEntries: 100, maxBytes: 4096 });
    const g = new StreamGroup('g', makeId(1, 1), 1);
    s.groups.set('g', g);
    const bob = g.createConsumer('bob', 5)!;
    g.createConsumer('idle', 6);
    const e = { id: makeId(1, 1), consumer: bob, deliveryTime: 7, deliveryCount: 2 };
    g.pel.set(e.id, e);
    bob.pel.set(e.id, e);
    const cg = s.copy().groups.get('g')!;
    assert.deepEqual([cg.name, cg.lastId, cg.entriesRead], ['g', makeId(1, 1), 1]);
    assert.deepEqual(cg.sortedConsumers().map((c) => [c.name, c.seenTime, c.pel.size]), [['bob', 5, 1], ['idle', 6, 0]]);
    const ce = cg.pel.get(makeId(1, 1))!;
    assert.deepEqual([ce.deliveryTime, ce.deliveryCount], [7, 2]);
    assert.equal(ce.consumer, cg.consumers.get('bob'));
    assert.notEqual(ce, e);
    assert.equal(cg.deleteConsumer('bob'), 1);
    assert.equal(g.pel.size, 1);
  });

  test('stream-node-max-bytes splits nodes; big IDs get their own node', () => {
    const s = new StreamValue();
    for (let i = 1; i <= 50; i++) s.append(makeId(i, 0), ['field', 'x'.repeat(100)], { maxEntries: 0, maxBytes: 500 });
    assert.ok(s.nodeCount >= 10);
    s.append(makeId(2n ** 60n, 1n), ['a', 'b'], lim);
    s.append(makeId(2n ** 60n, 2n), ['a', 'c'], lim);
    assert.deepEqual(s.get(makeId(2n ** 60n, 2n)), ['a', 'c']);
    assert.equal(s.length, 52);
  });

  test('forEachPacked visits what forEach visits (ranges, reverse, deletions, other fields, big IDs)', () => {
    const s = new StreamValue();
    for (let i = 1; i <= 60; i++) {
      s.append(makeId(100 + (i >> 2), i), i % 9 === 0 ? ['other', 'x'.repeat(i), 'b', ''] : ['f', `v${i}`], { maxEntries: 7, maxBytes: 0 });
      if (i % 5 === 0) s.delete(makeId(100 + (i >> 2), i));
    }
    s.append(makeId(2n ** 60n, 1n), ['big', 'id'], lim);
    const ids = [MIN_ID, makeId(101, 0), makeId(103, 13), makeId(108, 33), makeId(115, 60), MAX_ID];
    for (const a of ids) {
      for (const b of ids) {
        for (const rev of [false, true]) {
          const want: string[] = [];
          s.forEach(a, b, rev, (_id, f, text) => {
            want.push(text + ' ' + f.join(','));
          });
          const got: string[] = [];
          const vals: number[] = [];
          s.forEachPacked(a, b, rev, vals, (text, names, buf) => {
            const at = vals.length - 2 * names.length;
            got.push(text + ' ' + names.map((n, j) => n + ',' + buf.toString('latin1', vals[at + 2 * j]!, vals[at + 2 * j + 1]!)).join(','));
          });
          assert.deepEqual(got, want, `${idText(a)} ${idText(b)} ${rev}`);
        }
      }
    }
  });

  test('nextId (XADD *): the clock, lastId + 1, 2^53 and 64-bit edges, XSETID; append from an offset', () => {
    const s = new StreamValue();
    const add = (now: number): string => {
      const id = s.nextId(now);
      const text = s.nextText;
      assert.equal(text, idText(id));
      s.append(id, ['XADD', 'k', '*', 'f', 'v'], lim, 3);
      return text;
    };
    assert.deepEqual([add(1000), add(1000), add(999), add(1001), add(1001)], ['1000-0', '1000-1', '1000-2', '1001-0', '1001-1']);
    assert.deepEqual(s.get(makeId(1000, 2)), ['f', 'v']);
    s.lastId = makeId(5000, 2 ** 53 - 2);
    assert.deepEqual([add(10), add(10), add(10)], ['5000-9007199254740991', '5000-9007199254740992', '5000-9007199254740993']);
    s.lastId = makeId(5000n, 2n ** 64n - 1n);
    assert.equal(add(10), '5001-0');
    s.lastId = makeId(2n ** 60n, 7n);
    assert.deepEqual([add(10), add(10)], ['1152921504606846976-8', '1152921504606846976-9']);
    s.lastId = makeId(2 ** 53 - 1, 3);
    assert.deepEqual([add(10), add(2 ** 53 - 1), add(2 ** 53 - 1)], ['9007199254740991-4', '9007199254740991-5', '9007199254740991-6']);
    s.lastId = makeId(2 ** 53 - 1, 100); // XSETID: the parts kept for the last ID are not used
    assert.equal(add(5), '9007199254740991-101');
    assert.equal(s.length, 15);
    const texts: string[] = [];
    s.forEach(MIN_ID, MAX_ID, false, (id, f, text) => {
      texts.push(text);
      assert.equal(text, idText(id));
      assert.deepEqual(f, ['f', 'v']);
    });
    assert.equal(texts.length, 15);
    assert.equal(texts[14], '9007199254740991-101');
  });
});
