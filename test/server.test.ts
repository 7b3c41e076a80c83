// Server and introspection commands against redis-server 7.0.15: COMMAND INFO bytes for every
// implemented command (RESP2 and RESP3), key extraction (keysOf) against COMMAND GETKEYSANDFLAGS,
// INFO sections, SLOWLOG, LATENCY, MEMORY, TIME, WAIT, SHUTDOWN, FUNCTION FLUSH, MULTI/EXEC/DISCARD.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { COMMAND_META, REDOUBT_ONLY } from '../src/commands/meta.js';
import { keysOf } from '../src/commands/keyspecs.js';
import type { CommandMeta } from '../src/commands/types.js';
import { ManualClock } from '../src/store/clock.js';
import { RawConn, both, haveRedis, replyEnd, startRedis, startServer, type RefServer, type TestServer } from './helpers.js';

const HAVE_REDIS = haveRedis();
const SKIP = HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped';

function metaByName(name: string): CommandMeta | undefined {
  const [top, sub] = name.split('|');
  const m = COMMAND_META.find((x) => x.name === top);
  return sub === undefined ? m : m?.subcommands?.find((s) => s.name === name);
}

/** Encodes keysOf's answer as Redis writes COMMAND GETKEYSANDFLAGS (RESP2), or its error. */
function encodeKeys(argv: string[]): string {
  const top = metaByName(argv[0]!.toLowerCase())!;
  const meta = top.subcommands ? metaByName(`${top.name}|${argv[1]!.toLowerCase()}`)! : top;
  const keys = keysOf(meta, argv);
  if (keys.length === 0 && !meta.flags.includes('no_mandatory_keys')) return '-ERR Invalid arguments specified for command\r\n';
  let s = `*${keys.length}\r\n`;
  for (const k of keys) {
    const key = argv[k.pos]!;
    s += `*2\r\n$${key.length}\r\n${key}\r\n*${k.flags.length}\r\n` + k.flags.map((f) => `+${f}\r\n`).join('');
  }
  return s;
}

/**
 * Redis lists a container's subcommands in its dict order, which depends on a per-process hash
 * seed: sort the subcommand entries of a COMMAND INFO reply so two runs compare.
 */
function sortSubcommands(reply: string): string {
  const b = Buffer.from(reply, 'latin1');
  if (!reply.startsWith('*1\r\n*10\r\n')) return reply;
  let p = 9;
  for (let i = 0; i < 9; i++) p = replyEnd(b, p);
  const nl = b.indexOf('\r\n', p);
  const n = Number(b.toString('latin1', p + 1, nl));
  let q = nl + 2;
  const subs: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = replyEnd(b, q);
    const entry = b.toString('latin1', q, e);
    // Redoubt's own subcommands (meta.ts REDOUBT_ONLY) are not Redis's to compare.
    if (![...REDOUBT_ONLY].some((r) => entry.startsWith(`*10\r\n$${r.length}\r\n${r}\r\n`))) subs.push(entry);
    q = e;
  }
  return `${b.toString('latin1', 0, p)}*${subs.length}\r\n` + subs.sort().join('') + b.toString('latin1', q);
}

describe('differential: server commands', { skip: SKIP }, () => {
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

  it('COMMAND INFO of every implemented command equals Redis, RESP2 and RESP3', async () => {
    const names: string[] = [];
    for (const cmd of ours.server.table.commands(true)) if (!REDOUBT_ONLY.has(cmd.fullName)) names.push(cmd.fullName);
    assert.ok(names.length > 50);
    for (const proto of ['2', '3']) {
      await both(a, b, [['HELLO', proto]]);
      const diffs: string[] = [];
      for (const n of names) {
        const [x, y] = [sortSubcommands(await a.call('COMMAND', 'INFO', n)), sortSubcommands(await b.call('COMMAND', 'INFO', n))];
        if (x !== y) diffs.push(`RESP${proto} ${n}: ${JSON.stringify(x).slice(0, 200)} vs ${JSON.stringify(y).slice(0, 200)}`);
      }
      assert.deepEqual(diffs, []);
    }
    await both(a, b, [['HELLO', '2']]);
  });

  it('keysOf equals COMMAND GETKEYSANDFLAGS for index, keyword, range and keynum specs and special cases', async () => {
    const reqs = [
      ['get', 'k'], ['set', 'k', 'v'], ['set', 'k', 'v', 'GET'], ['set', 'k', 'v', 'ex', '10'], ['mset', 'a', '1', 'b', '2'],
      ['mget', 'a', 'b', 'c'], ['del', 'a', 'b'], ['lmove', 'a', 'b', 'left', 'right'], ['rename', 'a', 'b'],
      ['eval', 'x', '2', 'a', 'b', 'c'], ['eval', 'x', '0'], ['eval', 'x', '3', 'a', 'b'], ['fcall', 'f', '1', 'a'],
      ['zunionstore', 'd', '2', 'a', 'b', 'weights', '1', '2'], ['zunionstore', 'd', '0', 'a'], ['zinter', '2', 'a', 'b'],
      ['lmpop', '2', 'a', 'b', 'left'], ['sintercard', '1', 'a', 'limit', '2'],
      ['xread', 'count', '2', 'streams', 'a', 'b', '0', '0'], ['xread', 'streams', 'a', 'b', '0'],
      ['xreadgroup', 'group', 'g', 'c', 'streams', 'a', '>'],
      ['georadius', 'a', '1', '2', '3', 'm', 'store', 'b'], ['georadius', 'a', '1', '2', '3', 'm', 'storedist', 'b'],
      ['sort', 'a'], ['sort', 'a', 'by', 'x', 'limit', '0', '1', 'store', 'd'], ['sort_ro', 'a', 'by', 'x'],
      ['migrate', 'h', '1', 'k', '0', '5'], ['migrate', 'h', '1', '', '0', '5', 'KEYS', 'a', 'b'],
      ['bitfield', 'a', 'get', 'u8', '0'], ['bitfield', 'a', 'set', 'u8', '0', '1'], ['bitfield', 'a', 'overflow', 'wrap', 'get', 'u8', '0'],
      ['object', 'encoding', 'k'], ['memory', 'usage', 'k'], ['blmove', 'a', 'b', 'left', 'left', '0'], ['bzpopmin', 'a', 'b', '0'],
      ['smove', 'a', 'b', 'm'], ['copy', 'a', 'b'], ['lcs', 'a', 'b'], ['pfmerge', 'd', 'a', 'b'], ['xautoclaim', 'a', 'g', 'c', '0', '0'],
    ];
    const diffs: string[] = [];
    for (const r of reqs) {
      const theirs = await b.call('COMMAND', 'GETKEYSANDFLAGS', ...r);
      const mine = encodeKeys(r);
      if (mine !== theirs) diffs.push(`${r.join(' ')}: keysOf ${JSON.stringify(mine)} vs redis ${JSON.stringify(theirs)}`);
    }
    assert.deepEqual(diffs, []);
  });

  it('COMMAND GETKEYS errors, COUNT/LIST/DOCS shapes and HELP', async () => {
    for (const [x, y] of await both(a, b, [
      ['COMMAND', 'GETKEYS'], ['COMMAND', 'GETKEYS', 'ping', 'x'], ['COMMAND', 'GETKEYS', 'nosuch', 'x'], ['COMMAND', 'GETKEYS', 'client', 'nosuch', 'x'],
      ['COMMAND', 'GETKEYS', 'client', 'list'], ['COMMAND', 'GETKEYS', 'memory', 'usage', 'k'], ['COMMAND', 'GETKEYSANDFLAGS', 'memory', 'usage', 'k'],
      ['COMMAND', 'LIST', 'FILTERBY'], ['COMMAND', 'LIST', 'FILTERBY', 'foo', 'bar'], ['COMMAND', 'LIST', 'foo'], ['COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'x'],
      ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nosuch'], ['COMMAND', 'INFO', 'nosuch'], ['COMMAND', 'DOCS', 'nosuch'], ['COMMAND', 'FOO'],
      ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'client|getn*'],
    ])) assert.equal(x, y);
    assert.equal(await a.call('COMMAND', 'COUNT'), `:${ours.server.table.all.size}\r\n`);
    const list = await a.call('COMMAND', 'LIST');
    assert.match(list, /\$11\r\nclient\|list\r\n/);
    const docs = await a.call('COMMAND', 'DOCS', 'client|kill');
    assert.match(docs, /^\*2\r\n\$11\r\nclient\|kill\r\n\*6\r\n\$5\r\nsince\r\n\$5\r\n2\.4\.0\r\n\$5\r\ngroup\r\n\$10\r\nconnection\r\n\$9\r\narguments\r\n/);
    assert.match(await a.call('COMMAND', 'HELP'), /^\*\d+\r\n\+COMMAND <subcommand>/);
  });

  it('COMMAND LIST FILTERBY PATTERN past the glob caps answers promptly, as Redis', async () => {
    const t0 = performance.now();
    const pats = ['a*'.repeat(1001) + 'b', '*?'.repeat(1200), '*' + 'e*'.repeat(100) + 'z', 'C*L*I*E*N*T*|*G*E*T*N*' + '*'.repeat(3000), '?'.repeat(5) + '*|*'.repeat(1001)];
    for (const [x, y] of await both(a, b, pats.map((p) => ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', p]))) assert.equal(x, y);
    assert.ok(performance.now() - t0 < 2000, 'took too long');
  });

  it('WAIT, FUNCTION FLUSH, SHUTDOWN argument errors, SLOWLOG/LATENCY/MEMORY errors equal Redis', async () => {
    for (const [x, y] of await both(a, b, [
      ['WAIT', '0', '0'], ['WAIT', 'a', '0'], ['WAIT', '0', 'a'], ['WAIT', '0', '-1'], ['WAIT', 'a', 'b'], ['WAIT', '1', '10'],
      ['FUNCTION', 'FLUSH'], ['FUNCTION', 'FLUSH', 'async'], ['FUNCTION', 'FLUSH', 'SYNC'], ['FUNCTION', 'FLUSH', 'foo'], ['FUNCTION', 'FLUSH', 'a', 'b'],
      ['SHUTDOWN', 'foo'], ['SHUTDOWN', 'NOSAVE', 'SAVE'], ['SHUTDOWN', 'ABORT'], ['SHUTDOWN', 'NOW', 'ABORT'],
      ['SLOWLOG', 'GET', 'abc'], ['SLOWLOG', 'GET', '-2'], ['SLOWLOG', 'FOO'], ['SLOWLOG', 'RESET'], ['SLOWLOG', 'LEN'],
      ['LATENCY', 'LATEST'], ['LATENCY', 'HISTORY', 'command'], ['LATENCY', 'RESET'], ['LATENCY', 'RESET', 'a', 'b'], ['LATENCY', 'GRAPH', 'command'],
      ['LATENCY', 'HISTOGRAM', 'nosuch'], ['LATENCY', 'FOO'],
      ['MEMORY', 'USAGE', 'nosuch'], ['MEMORY', 'USAGE', 'nosuch', 'SAMPLES'], ['MEMORY', 'USAGE', 'nosuch', 'SAMPLES', 'abc'], ['MEMORY', 'USAGE', 'nosuch', 'foo', 'bar'],
      ['MEMORY', 'PURGE'], ['MEMORY', 'FOO'], ['LASTSAVE', 'a'],
    ])) assert.equal(x, y);
  });

  it('MULTI EXEC DISCARD equal Redis', async () => {
    for (const [x, y] of await both(a, b, [
      ['MULTI'], ['MULTI'], ['PING'], ['ECHO', 'x'], ['EXEC'], ['EXEC'], ['DISCARD'],
      ['MULTI'], ['NOSUCH'], ['PING'], ['EXEC'],
      ['MULTI'], ['PING', 'a', 'b'], ['EXEC'],
      ['MULTI'], ['PING'], ['DISCARD'], ['EXEC'],
      ['MULTI'], ['SELECT', '1'], ['SELECT', 'x'], ['EXEC'],
      ['MULTI'], ['MONITOR'], ['EXEC'], ['SELECT', '0'],
    ])) assert.equal(x, y);
  });
});

describe('INFO', () => {
  let ours: TestServer;
  let c: RawConn;
  before(async () => {
    ours = await startServer();
    c = await RawConn.connect(ours.port);
  });
  after(async () => {
    c?.close();
    await ours?.close();
  });

  const info = async (...args: string[]) => {
    const r = await c.call('INFO', ...args);
    return r.slice(r.indexOf('\r\n') + 2);
  };

  it('selects sections as Redis does (default, all, everything, several, unknown)', async () => {
    const headers = (s: string) => [...s.matchAll(/^# (\w+)/gm)].map((m) => m[1]);
    const dflt = ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Errorstats', 'Cluster', 'Keyspace'];
    const all = ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Commandstats', 'Errorstats', 'Latencystats', 'Cluster', 'Keyspace'];
    assert.deepEqual(headers(await info()), dflt);
    assert.deepEqual(headers(await info('default')), dflt);
    assert.deepEqual(headers(await info('all')), all);
    assert.deepEqual(headers(await info('everything')), all);
    assert.deepEqual(headers(await info('cpu', 'SERVER', 'cpu')), ['Server', 'CPU']);
    assert.equal(await c.call('INFO', 'nosuch'), '$0\r\n\r\n');
    assert.equal(await c.call('INFO', 'keyspace'), '$12\r\n# Keyspace\r\n\r\n');
    const s = await info('server');
    assert.match(s, /^redis_version:7\.0\.15\r\n/m);
    assert.match(s, /^redoubt_version:/m);
    assert.match(s, /^tcp_port:\d+\r\n/m);
    assert.match(await info('cpu'), /^used_cpu_user:\d+\.\d{6}\r\n/m);
    assert.match(await info('memory'), /^used_memory:\d+\r\n/m);
  });

  it('reports real counters: clients, keyspace, commandstats, errorstats, latencystats', async () => {
    ours.server.ks.dbs[0]!.set('k1', 'v');
    ours.server.ks.dbs[0]!.set('k2', 'v');
    ours.server.ks.dbs[0]!.setExpire('k2', ours.server.clock.now() + 100000);
    assert.match(await info('keyspace'), /^db0:keys=2,expires=1,avg_ttl=\d+\r\n/m);
    const d = await RawConn.connect(ours.port);
    await d.call('PING');
    assert.match(await info('clients'), /^connected_clients:2\r\n/m);
    d.close();
    await c.call('NOSUCHCMD');
    await c.call('HELLO', '9');
    const cs = await info('commandstats');
    assert.match(cs, /^cmdstat_hello:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1\r\n/m);
    assert.match(cs, /^cmdstat_ping:calls=0,usec=0,usec_per_call=0\.00,rejected_calls=0,failed_calls=0\r\n$|^cmdstat_info:calls=\d+/m);
    const es = await info('errorstats');
    assert.match(es, /^errorstat_ERR:count=1\r\n/m);
    assert.match(es, /^errorstat_NOPROTO:count=1\r\n/m);
    assert.match(await info('stats'), /^total_error_replies:2\r\n/m);
    assert.match(await info('latencystats'), /^latency_percentiles_usec_hello:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n/m);
  });

  it('is a verbatim string in RESP3', async () => {
    ours.server.ks.dbs[0]!.flush();
    await c.call('HELLO', '3');
    assert.equal(await c.call('INFO', 'keyspace'), '=16\r\ntxt:# Keyspace\r\n\r\n');
    await c.call('HELLO', '2');
  });
});

describe('TIME, SLOWLOG, LATENCY HISTOGRAM, MEMORY USAGE, SHUTDOWN', () => {
  let ours: TestServer;
  let c: RawConn;
  const clock = new ManualClock(1_700_000_000_123);
  before(async () => {
    ours = await startServer({ 'slowlog-log-slower-than': '0', 'slowlog-max-len': '4' }, clock);
    c = await RawConn.connect(ours.port);
  });
  after(async () => {
    c?.close();
    await ours?.close();
  });

  it('TIME reads the server clock', async () => {
    assert.equal(await c.call('TIME'), '*2\r\n$10\r\n1700000000\r\n$6\r\n123000\r\n');
    assert.equal(await c.call('LASTSAVE'), ':1700000000\r\n');
  });

  it('SLOWLOG keeps the newest entries up to slowlog-max-len', async () => {
    await c.call('SLOWLOG', 'RESET');
    await c.call('CLIENT', 'SETNAME', 'slow');
    await c.call('ECHO', 'x'.repeat(200));
    await c.call('PING');
    assert.equal(await c.call('SLOWLOG', 'LEN'), ':4\r\n');
    const r = await c.call('SLOWLOG', 'GET', '1');
    assert.match(r, /^\*1\r\n\*6\r\n:\d+\r\n:1700000000\r\n:\d+\r\n\*2\r\n\$7\r\nSLOWLOG\r\n\$3\r\nLEN\r\n\$\d+\r\n127\.0\.0\.1:\d+\r\n\$4\r\nslow\r\n$/);
    const all = await c.call('SLOWLOG', 'GET', '-1');
    assert.match(all, /\$\d+\r\nx{128}\.\.\. \(72 more bytes\)\r\n/);
  });

  it('LATENCY HISTOGRAM reports calls and cumulative power-of-two buckets', async () => {
    await c.call('CLIENT', 'ID');
    await c.call('CLIENT', 'ID');
    const r = await c.call('LATENCY', 'HISTOGRAM', 'client|id');
    assert.match(r, /^\*2\r\n\$9\r\nclient\|id\r\n\*4\r\n\$5\r\ncalls\r\n:2\r\n\$14\r\nhistogram_usec\r\n\*(\d+)\r\n(:\d+\r\n)+$/);
    const all = await c.call('LATENCY', 'HISTOGRAM', 'client');
    assert.match(all, /client\|id/);
  });

  it('MEMORY USAGE estimates a string key', async () => {
    ours.server.ks.dbs[0]!.set('key', 'value');
    const r = await c.call('MEMORY', 'USAGE', 'key');
    const n = Number(r.slice(1));
    assert.ok(n >= 40 && n < 200, r);
    assert.match(await c.call('MEMORY', 'STATS'), /^\*\d+\r\n\$14\r\npeak\.allocated\r\n:\d+\r\n/);
  });

  it('SHUTDOWN closes the server and calls onShutdown', async () => {
    let called = false;
    ours.server.onShutdown = () => {
      called = true;
    };
    c.send('SHUTDOWN', 'NOSAVE');
    await c.waitClosed();
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (called) {
          clearInterval(t);
          r();
        }
      }, 5);
    });
    assert.ok(ours.server.shuttingDown);
  });
});
