// WATCH / UNWATCH / MULTI / EXEC: differential against redis-server 7.0.15 (writes by another
// connection, SELECT, SWAPDB, FLUSHDB, RENAME, EXPIRE, MOVE, COPY, RESP3 null), then the
// expiry rules of Redis 7.0 driven by a ManualClock: a key that expires after WATCH fails EXEC,
// a key already stale at WATCH does not, nor does its removal (lazy, FLUSHDB, SWAPDB).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../src/store/clock.js';
import { RawConn, haveRedis, hideClientId, startServer, waitFor, type TestServer, differentialServers } from './helpers.js';
import { sameScenario, type Step } from './scenario.js';

const HAVE_REDIS = haveRedis();
const SKIP = HAVE_REDIS ? false : 'redis-server not installed: differential WATCH tests skipped';

/** WATCH key on `a`, run `change` on `b`, then MULTI PING EXEC on `a`. */
function watched(keys: string[], change: string[][]): Step[] {
  return [['a', 'WATCH', ...keys], ...change.map((c) => ['b', ...c]), ['a', 'MULTI'], ['a', 'PING'], ['a', 'EXEC']];
}

describe('differential: WATCH', { skip: SKIP }, () => {
  const servers = differentialServers();

  const same = (steps: Step[]) => sameScenario(servers.t.port, servers.ref.port, steps);

  it('EXEC replies null when a WATCHed key changed; UNWATCH, DISCARD and EXEC forget keys', async () => {
    await same([
      ['a', 'FLUSHALL'],
      ['a', 'WATCH', 'x'],
      ['a', 'MULTI'],
      ['a', 'WATCH', 'y'], // refused, but does not doom the transaction
      ['a', 'PING'],
      ['a', 'EXEC'],
      ...watched(['x'], [['SET', 'x', '1']]),
      ...watched(['k1', 'k2', 'x', 'k4', 'k5'], [['INCR', 'x']]),
      ...watched(['x'], [['GET', 'x'], ['SET', 'unrelated', '1']]),
      // a doomed transaction aborts before the WATCH check
      ['a', 'WATCH', 'x'],
      ['b', 'SET', 'x', '2'],
      ['a', 'MULTI'],
      ['a', 'NOSUCH'],
      ['a', 'EXEC'],
      // UNWATCH queued inside MULTI does not save it
      ['a', 'WATCH', 'x'],
      ['b', 'SET', 'x', '3'],
      ['a', 'MULTI'],
      ['a', 'UNWATCH'],
      ['a', 'EXEC'],
      ['a', 'UNWATCH'],
      ['a', 'WATCH', 'x'],
      ['b', 'SET', 'x', '4'],
      ['a', 'UNWATCH'],
      ['a', 'MULTI'],
      ['a', 'GET', 'x'],
      ['a', 'EXEC'],
      // DISCARD clears the dirty flag and the keys
      ['a', 'WATCH', 'x'],
      ['b', 'SET', 'x', '10'],
      ['a', 'MULTI'],
      ['a', 'DISCARD'],
      ['a', 'MULTI'],
      ['a', 'INCR', 'x'],
      ['a', 'EXEC'],
      // after EXEC (failed or not) the key is no longer watched
      ...watched(['x'], [['SET', 'x', '5']]),
      ['b', 'SET', 'x', '6'],
      ['a', 'MULTI'],
      ['a', 'GET', 'x'],
      ['a', 'EXEC'],
      // the client's own writes count too
      ['a', 'WATCH', 'x'],
      ['a', 'SET', 'x', '7'],
      ['a', 'MULTI'],
      ['a', 'EXEC'],
      // a refused EXEC (arity) discards and unwatches
      ['a', 'WATCH', 'x'],
      ['a', 'MULTI'],
      ['a', 'EXEC', 'extra'],
      ['a', 'EXEC'],
    ]);
  });

  it('every kind of key write touches WATCH; the database of a WATCH is remembered', async () => {
    await same([
      ['a', 'FLUSHALL'],
      ['b', 'SET', 'x', '1'],
      ...watched(['x'], [['RENAME', 'x', 'y']]),
      ...watched(['y'], [['EXPIRE', 'y', '100']]),
      ...watched(['y'], [['PERSIST', 'y']]),
      ...watched(['y'], [['PERSIST', 'y']]), // no-op: no change
      ...watched(['y'], [['APPEND', 'y', 'z']]),
      ...watched(['y'], [['SETRANGE', 'y', '0', 'q']]),
      ...watched(['y'], [['SETBIT', 'y', '1', '1']]),
      ...watched(['y'], [['COPY', 'y', 'z']]),
      ...watched(['z'], [['COPY', 'y', 'z', 'REPLACE']]),
      ...watched(['z'], [['MOVE', 'z', '3']]),
      ...watched(['nokey'], [['DEL', 'nokey']]),
      ...watched(['y'], [['GETDEL', 'y']]),
      ...watched(['m'], [['MSET', 'm', '1', 'n', '2']]),
      ...watched(['m'], [['INCRBYFLOAT', 'm', '1.5']]),
      ['a', 'SELECT', '5'],
      ['a', 'SET', 'x', '30'],
      ['a', 'WATCH', 'x'],
      ['a', 'SELECT', '1'],
      ['a', 'SET', 'x', '10'],
      ['a', 'SELECT', '5'],
      ['a', 'MULTI'],
      ['a', 'PING'],
      ['a', 'EXEC'],
      ['a', 'SELECT', '0'],
    ]);
  });

  it('FLUSHDB, FLUSHALL and SWAPDB touch the WATCHed keys they affect, only those', async () => {
    await same([
      ['a', 'FLUSHALL'],
      ['b', 'SET', 'x', '1'],
      ...watched(['x'], [['FLUSHALL']]),
      ...watched(['x'], [['SET', 'x', '1'], ['SELECT', '1'], ['FLUSHDB'], ['SELECT', '0']]),
      ...watched(['x'], [['FLUSHDB']]),
      ...watched(['absent'], [['SET', 'other', '1'], ['FLUSHDB']]),
      ...watched(['absent'], [['FLUSHALL']]),
      ['b', 'SET', 'x', '30'],
      ...watched(['x'], [['SWAPDB', '0', '1']]), // x leaves db 0
      ...watched(['x'], [['SWAPDB', '0', '1']]), // x comes back
      ...watched(['x'], [['SWAPDB', '2', '3']]),
      ['a', 'MSET', 'a', 'a', 'b', 'b'],
      ['a', 'WATCH', 'b', 'a'],
      ['a', 'FLUSHALL'],
      ['a', 'PING'],
      ['a', 'MULTI'],
      ['a', 'EXEC'],
    ]);
  });

  it('RESP3: a failed EXEC is a null', async () => {
    await same([{ on: 'a', cmd: ['HELLO', '3'], normalize: hideClientId }, ...watched(['x'], [['SET', 'x', '1']]), ['a', 'MULTI'], ['a', 'EXEC']]);
  });
});

describe('WATCH and expiry (ManualClock)', () => {
  const clock = new ManualClock(1_700_000_000_000);
  let t: TestServer;
  let a: RawConn;
  let b: RawConn;
  before(async () => {
    t = await startServer({ hz: '1' }, clock);
    a = await RawConn.connect(t.port);
    b = await RawConn.connect(t.port);
  });
  after(async () => {
    a?.close();
    b?.close();
    await t?.close();
  });

  async function execPing(): Promise<string> {
    assert.equal(await a.call('MULTI'), '+OK\r\n');
    assert.equal(await a.call('PING'), '+QUEUED\r\n');
    return a.call('EXEC');
  }
  const OK_EXEC = '*1\r\n+PONG\r\n';
  const FAILED = '*-1\r\n';

  it('a key that expires after WATCH fails EXEC, even if nothing removed it', async () => {
    await a.call('FLUSHALL');
    await a.call('SET', 'key', '1', 'PX', '100');
    await a.call('WATCH', 'key');
    clock.advance(101);
    assert.equal(await execPing(), FAILED);
  });

  it('a key that expires after WATCH and is removed lazily fails EXEC', async () => {
    await a.call('FLUSHALL');
    await a.call('SET', 'key', '1', 'PX', '100');
    await a.call('WATCH', 'key');
    clock.advance(101);
    assert.equal(await b.call('EXISTS', 'key'), ':0\r\n');
    assert.equal(await execPing(), FAILED);
  });

  it('a key already stale at WATCH does not fail EXEC, nor does its removal', async () => {
    await a.call('FLUSHALL');
    await a.call('SET', 'x', 'foo', 'PX', '1');
    clock.advance(2);
    await a.call('WATCH', 'x');
    assert.equal(await execPing(), OK_EXEC);

    await a.call('SET', 'x', 'foo', 'PX', '1');
    clock.advance(2);
    await a.call('WATCH', 'x');
    assert.equal(await b.call('EXISTS', 'x'), ':0\r\n'); // lazy removal: no logical change
    assert.equal(await execPing(), OK_EXEC);

    await a.call('SET', 'x', 'foo', 'PX', '1');
    clock.advance(2);
    await a.call('WATCH', 'x');
    await b.call('FLUSHDB');
    assert.equal(await execPing(), OK_EXEC);
  });

  it('a stale WATCHed key that is written again fails EXEC', async () => {
    await a.call('FLUSHALL');
    await a.call('SET', 'x', 'foo', 'PX', '1');
    clock.advance(2);
    await a.call('WATCH', 'x');
    await b.call('SET', 'x', 'bar');
    assert.equal(await execPing(), FAILED);
  });

  it('SWAPDB: stale keys replaced by nothing or by stale keys are no change', async () => {
    // stale key replaced with no key
    await a.call('FLUSHALL');
    await a.call('SELECT', '1');
    await a.call('SET', 'x', 'foo', 'PX', '1');
    clock.advance(2);
    await a.call('WATCH', 'x');
    await b.call('SWAPDB', '0', '1');
    assert.equal(await execPing(), OK_EXEC);
    // no key replaced with a stale key
    await a.call('FLUSHALL');
    await a.call('SELECT', '0');
    await a.call('SET', 'x', 'foo', 'PX', '1');
    clock.advance(2);
    await a.call('SELECT', '1');
    await a.call('WATCH', 'x');
    await b.call('SWAPDB', '0', '1');
    assert.equal(await execPing(), OK_EXEC);
    // stale key replaced with another stale key
    await a.call('FLUSHALL');
    await a.call('SELECT', '1');
    await a.call('SET', 'x', 'foo', 'PX', '1');
    await a.call('SELECT', '0');
    await a.call('SET', 'x', 'bar', 'PX', '1');
    clock.advance(2);
    await a.call('SELECT', '1');
    await a.call('WATCH', 'x');
    await b.call('SWAPDB', '0', '1');
    assert.equal(await execPing(), OK_EXEC);
    // a live key replacing a stale one is a change
    await a.call('FLUSHALL');
    await a.call('SELECT', '1');
    await a.call('SET', 'x', 'foo', 'PX', '1');
    await a.call('SELECT', '0');
    await a.call('SET', 'x', 'bar');
    clock.advance(2);
    await a.call('SELECT', '1');
    await a.call('WATCH', 'x');
    await b.call('SWAPDB', '0', '1');
    assert.equal(await execPing(), FAILED);
    await a.call('SELECT', '0');
  });

  it('active expiry of a WATCHed key fails EXEC', async () => {
    await a.call('FLUSHALL');
    await a.call('SET', 'x', 'foo');
    await a.call('EXPIRE', 'x', '1');
    await a.call('WATCH', 'x');
    clock.advance(1001);
    t.server.cron();
    await waitFor(() => t.server.ks.db(0).size === 0, 5000, 'active expiry');
    assert.equal(await execPing(), FAILED);
  });

  it('registrations are dropped on EXEC, DISCARD, UNWATCH, RESET and disconnection', async () => {
    const ev = t.server.events;
    await a.call('UNWATCH');
    assert.equal(ev.watchedKeyCount, 0);
    await a.call('WATCH', 'p', 'q', 'p');
    assert.equal(ev.watchedKeyCount, 2);
    await a.call('MULTI');
    await a.call('EXEC');
    assert.equal(ev.watchedKeyCount, 0);
    await a.call('WATCH', 'p');
    await a.call('MULTI');
    await a.call('DISCARD');
    assert.equal(ev.watchedKeyCount, 0);
    await a.call('WATCH', 'p');
    await a.call('RESET');
    assert.equal(ev.watchedKeyCount, 0);
    const c = await RawConn.connect(t.port);
    await c.call('WATCH', 'r');
    assert.equal(ev.watchedKeyCount, 1);
    c.close();
    await waitFor(() => ev.watchedKeyCount === 0, 5000, 'unwatch on disconnect');
  });
});
