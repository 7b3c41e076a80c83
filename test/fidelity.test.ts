// Fidelity details compared with redis-server 7.0.15: the connection's cmd= (CLIENT LIST, CLIENT
// INFO, ACL LOG), EXEC's failed_calls, MEMORY STATS's shape, MODULE and LOLWUT, OBJECT IDLETIME
// and FREQ under every maxmemory-policy, EVALSHA of an unknown script, and a bare `save` line.
// Where the servers legitimately differ (addresses, sizes, timings, LOLWUT's art) the comparison
// says what it relaxes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/loader.js';
import { Logger } from '../src/server/log.js';
import { Server } from '../src/server/server.js';
import { buildCommandTable } from '../src/commands/index.js';
import { REDOUBT_VERSION } from '../src/version.js';
import { RawConn, bulkBytes, closePair, differentialPair, haveRedis, parseReply, sameReplies, startRedis, startServer, type Pair, type Resp } from './helpers.js';

const HAVE_REDIS = haveRedis();
const SKIP = HAVE_REDIS ? false : 'redis-server not installed: differential fidelity tests skipped';

/** The cmd= field of the CLIENT LIST line of the connection named `name`. */
async function cmdField(observer: RawConn, name: string): Promise<string> {
  const list = parseReply(await observer.call('CLIENT', 'LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  assert.ok(line !== undefined, `no client named ${name} in ${list}`);
  return / cmd=(\S+)/.exec(line)![1]!;
}

/** Two connections per server: `x` runs commands, `o` observes it through CLIENT LIST. */
interface Watched {
  x: RawConn;
  o: RawConn;
}

describe('cmd= in CLIENT LIST, CLIENT INFO and ACL LOG', { skip: SKIP }, () => {
  const pair = differentialPair();
  const conns: RawConn[] = [];
  let ours: Watched;
  let theirs: Watched;

  before(async () => {
    const open = async (port: number): Promise<Watched> => {
      const w = { x: await RawConn.connect(port), o: await RawConn.connect(port) };
      conns.push(w.x, w.o);
      return w;
    };
    ours = await open(pair.t.port);
    theirs = await open(pair.ref.port);
    await sameReplies(ours.x, theirs.x, [['CLIENT', 'SETNAME', 'watched']]);
  });
  after(() => {
    for (const c of conns) c.close();
  });

  /** Runs `cmds` on the watched connections (same replies), then compares their cmd= fields. */
  async function step(cmds: string[][], expect: string): Promise<void> {
    await sameReplies(ours.x, theirs.x, cmds);
    const [a, b] = [await cmdField(ours.o, 'watched'), await cmdField(theirs.o, 'watched')];
    assert.equal(b, expect, `Redis shows cmd=${b} after ${JSON.stringify(cmds)}`);
    assert.equal(a, b, `cmd= after ${JSON.stringify(cmds)}`);
  }

  it('unknown commands and subcommands show NULL; arity errors and queued commands their name', async () => {
    await step([['PING']], 'ping');
    await step([['NOSUCHCMD', 'x']], 'NULL');
    await step([['GET']], 'get');
    await step([['CLIENT', 'NOSUCH']], 'NULL');
    await step([['CLIENT']], 'client');
    await step([['CONFIG', 'GET']], 'config|get');
    await step([['SET', 's', 'abc']], 'set');
    await step([['MULTI']], 'multi');
    await step([['INCR', 's']], 'incr');
    await step([['NOSUCH']], 'NULL');
    await step([['EXEC']], 'exec');
    await step([['MULTI'], ['INCR', 's']], 'incr');
    await step([['EXEC']], 'exec');
  });

  it('CLIENT INFO shows itself, also right after an unknown command', async () => {
    const own = async (c: RawConn) => / cmd=(\S+)/.exec(parseReply(await c.call('CLIENT', 'INFO')) as string)![1];
    for (const before of [[], [['NOSUCH']]]) {
      await sameReplies(ours.x, theirs.x, before);
      const [a, b] = [await own(ours.x), await own(theirs.x)];
      assert.equal(b, 'client|info');
      assert.equal(a, b);
    }
  });

  it('an ACL-refused command shows its name, in CLIENT LIST and in its ACL LOG entry', async () => {
    await step(
      [
        ['ACL', 'LOG', 'RESET'],
        ['ACL', 'SETUSER', 'fid', 'on', 'nopass', '+@all', '-get', '~a*'],
        ['AUTH', 'fid', 'x'],
      ],
      'auth',
    );
    await step([['GET', 'a1']], 'get');
    await step([['SET', 'zz', '1']], 'set');
    await step([['MULTI'], ['GET', 'a1']], 'get');
    await step([['DISCARD'], ['AUTH', 'default', 'x']], 'auth');
    // Each entry: reason, context, object and the client-info cmd= (newest first).
    const entries = async (c: RawConn) =>
      (parseReply(await c.call('ACL', 'LOG')) as Resp[][]).map((e) => {
        const m = new Map<string, Resp>();
        for (let i = 0; i < e.length; i += 2) m.set(e[i] as string, e[i + 1]!);
        return [m.get('reason'), m.get('context'), m.get('object'), / cmd=(\S+)/.exec(m.get('client-info') as string)![1]];
      });
    const [a, b] = [await entries(ours.x), await entries(theirs.x)];
    assert.deepEqual(b, [
      ['command', 'multi', 'get', 'get'],
      ['key', 'toplevel', 'zz', 'set'],
      ['command', 'toplevel', 'get', 'get'],
    ]);
    assert.deepEqual(a, b);
    await sameReplies(ours.x, theirs.x, [['ACL', 'DELUSER', 'fid'], ['ACL', 'LOG', 'RESET']]);
  });

  it('an unknown subcommand is not a rejected call of its container (INFO commandstats)', async () => {
    const stats = async (c: RawConn) => (parseReply(await c.call('INFO', 'commandstats')) as string).split('\r\n').filter((l) => l.startsWith('cmdstat_client'));
    await sameReplies(ours.x, theirs.x, [['CONFIG', 'RESETSTAT'], ['CLIENT', 'NOSUCH']]);
    assert.deepEqual(await stats(ours.x), await stats(theirs.x));
  });
});

/** INFO commandstats lines of the named commands, without the timings (which differ). */
async function cmdstats(c: RawConn, names: string[]): Promise<string[]> {
  const text = parseReply(await c.call('INFO', 'commandstats')) as string;
  return text
    .split('\r\n')
    .filter((l) => names.some((n) => l.startsWith(`cmdstat_${n}:`)))
    .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''))
    .sort();
}

describe('INFO commandstats: EXEC failed_calls', { skip: SKIP }, () => {
  const pair = differentialPair();
  let other: [RawConn, RawConn];
  before(async () => {
    other = [await RawConn.connect(pair.t.port), await RawConn.connect(pair.ref.port)];
  });
  after(() => other.forEach((c) => c.close()));

  // Redis counts EXEC failed only for an error after its last queued command ran: EXEC without
  // MULTI, EXECABORT, or a NOPERM at EXEC time for the last command. A queued command's own error
  // counts for that command, not EXEC.
  const cases: { name: string; cmds: string[][]; revokeSet?: boolean; expectExecFailed: number }[] = [
    { name: 'a failing queued command', cmds: [['MULTI'], ['INCR', 's'], ['EXEC']], expectExecFailed: 0 },
    { name: 'a failing queued command, then one that succeeds', cmds: [['MULTI'], ['INCR', 's'], ['GET', 's'], ['EXEC']], expectExecFailed: 0 },
    { name: 'a failing last queued command', cmds: [['MULTI'], ['GET', 's'], ['INCR', 's'], ['EXEC']], expectExecFailed: 0 },
    { name: 'no failure', cmds: [['MULTI'], ['GET', 's'], ['EXEC']], expectExecFailed: 0 },
    { name: 'EXEC without MULTI', cmds: [['EXEC']], expectExecFailed: 1 },
    { name: 'EXECABORT (unknown command queued)', cmds: [['MULTI'], ['NOSUCH'], ['EXEC']], expectExecFailed: 1 },
    { name: 'EXECABORT (arity)', cmds: [['MULTI'], ['GET'], ['EXEC']], expectExecFailed: 1 },
    { name: 'NOPERM at EXEC for the first command', cmds: [['MULTI'], ['SET', 'a', '1'], ['GET', 's'], ['EXEC']], revokeSet: true, expectExecFailed: 0 },
    { name: 'NOPERM at EXEC for the last command', cmds: [['MULTI'], ['GET', 's'], ['SET', 'a', '1'], ['EXEC']], revokeSet: true, expectExecFailed: 1 },
  ];
  for (const k of cases) {
    it(k.name, async () => {
      const { a, b } = pair;
      await sameReplies(a, b, [['SET', 's', 'abc'], ['CONFIG', 'RESETSTAT']]);
      const last = k.cmds.length - 1;
      await sameReplies(a, b, k.cmds.slice(0, last));
      if (k.revokeSet) await sameReplies(other[0], other[1], [['ACL', 'SETUSER', 'default', '-set']]);
      await sameReplies(a, b, [k.cmds[last]!]);
      if (k.revokeSet) await sameReplies(other[0], other[1], [['ACL', 'SETUSER', 'default', '+set']]);
      const names = ['exec', 'incr', 'get', 'set'];
      const [x, y] = [await cmdstats(a, names), await cmdstats(b, names)];
      assert.ok(y.some((l) => l.startsWith('cmdstat_exec:') && l.endsWith(`failed_calls=${k.expectExecFailed}`)), `Redis: ${y.join(' ')}`);
      assert.deepEqual(x, y);
    });
  }
});

/** Key names and reply types of a MEMORY STATS reply (RESP2: integers ':' and doubles '$'). */
function memoryStatsShape(reply: string): string[] {
  const out: string[] = [];
  let p = 0;
  const line = () => {
    const nl = reply.indexOf('\r\n', p);
    const s = reply.slice(p, nl);
    p = nl + 2;
    return s;
  };
  const bulk = (head: string) => {
    const n = Number(head.slice(1));
    const s = reply.slice(p, p + n);
    p += n + 2;
    return s;
  };
  const map = (prefix: string) => {
    const n = Number(line().slice(1)) / 2;
    for (let i = 0; i < n; i++) {
      const key = bulk(line());
      const head = reply.slice(p, reply.indexOf('\r\n', p));
      if (head[0] === '*') {
        out.push(`${prefix}${key}: map`);
        map(`${prefix}${key}.`);
      } else {
        line();
        if (head[0] === '$') p += Number(head.slice(1)) + 2;
        out.push(`${prefix}${key}: ${head[0]}`);
      }
    }
  };
  map('');
  return out;
}

describe('MEMORY STATS', { skip: SKIP }, () => {
  const pair = differentialPair();

  it("has Redis's fields in Redis's order, rss-overhead included (values differ)", async () => {
    const { a, b } = pair;
    await sameReplies(a, b, [['SET', 'k1', 'v'], ['SET', 'k2', 'v'], ['EXPIRE', 'k2', '100']]);
    const [x, y] = [await a.call('MEMORY', 'STATS'), await b.call('MEMORY', 'STATS')];
    assert.deepEqual(memoryStatsShape(x), memoryStatsShape(y));
    assert.ok(memoryStatsShape(y).includes('rss-overhead.ratio: $'));
    const stats = parseReply(x) as Resp[];
    const at = (k: string) => stats[stats.indexOf(k) + 1];
    assert.ok((at('keys.bytes-per-key') as number) >= 0);
    assert.equal(at('keys.count'), 2);
  });

  it('keys.bytes-per-key is never negative, and 0 without keys', async () => {
    const { a } = pair;
    await a.call('FLUSHALL');
    const stats = parseReply(await a.call('MEMORY', 'STATS')) as Resp[];
    assert.equal(stats[stats.indexOf('keys.bytes-per-key') + 1], 0);
  });
});

describe('MODULE', { skip: SKIP }, () => {
  const pair = differentialPair();
  const refusal =
    '-ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, ' +
    'otherwise you need to set this option in the configuration file, and then restart the server.\r\n';

  it('LIST answers an empty array; LOAD, LOADEX and UNLOAD are refused by enable-module-command, as Redis', async () => {
    const replies = await sameReplies(pair.a, pair.b, [
      ['MODULE', 'LIST'],
      ['module', 'list'],
      ['MODULE', 'LOAD', '/nonexistent.so'],
      ['MODULE', 'LOAD', '/nonexistent.so', 'arg'],
      ['MODULE', 'LOADEX', '/nonexistent.so', 'CONFIG', 'a', 'b'],
      ['MODULE', 'UNLOAD', 'foo'],
      ['MODULE'],
      ['MODULE', 'FOO'],
      ['MODULE', 'LIST', 'x'],
      ['MODULE', 'LOAD'],
      ['MODULE', 'UNLOAD'],
      ['MODULE', 'HELP', 'x'],
    ]);
    assert.equal(replies[0], '*0\r\n');
    assert.equal(replies[2], refusal);
  });

  it('the refusals are counted in INFO commandstats as Redis counts them', async () => {
    const { a, b } = pair;
    await sameReplies(a, b, [['CONFIG', 'RESETSTAT'], ['MODULE', 'LOAD', '/x.so'], ['MODULE', 'LIST']]);
    assert.deepEqual(await cmdstats(a, ['module|load', 'module|list']), await cmdstats(b, ['module|load', 'module|list']));
  });

  it('HELP lists the same subcommands with the same syntax (the descriptions are Redoubt\'s own)', async () => {
    const [x, y] = [parseReply(await pair.a.call('MODULE', 'HELP')) as string[], parseReply(await pair.b.call('MODULE', 'HELP')) as string[]];
    assert.equal(x.length, y.length);
    assert.deepEqual(
      x.filter((_, i) => i % 2 === 1),
      y.filter((_, i) => i % 2 === 1),
    );
    assert.equal(x[0], y[0]);
  });
});

describe('MODULE with enable-module-command yes', { skip: SKIP }, () => {
  const p: Partial<Pair> = {};
  before(async () => {
    p.t = await startServer({ 'enable-module-command': 'yes' });
    p.ref = await startRedis(['--enable-module-command', 'yes']);
    p.a = await RawConn.connect(p.t.port);
    p.b = await RawConn.connect(p.ref.port);
  });
  after(() => closePair(p));

  it('LOAD and LOADEX fail as for a library that cannot be loaded; UNLOAD finds no module', async () => {
    await sameReplies(p.a!, p.b!, [
      ['MODULE', 'LOAD', '/nonexistent.so'],
      ['MODULE', 'LOADEX', '/nonexistent.so', 'ARGS', 'x'],
      ['MODULE', 'UNLOAD', 'foo'],
      ['MODULE', 'LIST'],
    ]);
    assert.ok(p.t!.logs.some((l) => l.includes('Module /nonexistent.so failed to load')));
  });
});

describe('LOLWUT', { skip: SKIP }, () => {
  const pair = differentialPair();
  /** Redis's version line with Redoubt's name and version, as a reply of `resp` 2 or 3. */
  const ourLine = (resp: 2 | 3) => {
    const text = `Redoubt ver. ${REDOUBT_VERSION}\n`;
    return resp === 2 ? `$${text.length}\r\n${text}\r\n` : `=${text.length + 4}\r\ntxt:${text}\r\n`;
  };

  it("prints a version line in Redis's shape: Redis's name and version there, Redoubt's here", async () => {
    for (const resp of [2, 3] as const) {
      // HELLO's replies name each server: not compared.
      await pair.a.call('HELLO', String(resp));
      await pair.b.call('HELLO', String(resp));
      for (const cmd of [['LOLWUT'], ['LOLWUT', 'VERSION', '7'], ['LOLWUT', 'foo'], ['LOLWUT', 'VERSION'], ['LOLWUT', 'VERSION', '4', 'junk'], ['lolwut', 'version', '-1']]) {
        const [x, y] = [await pair.a.call(...cmd), await pair.b.call(...cmd)];
        const redisText = 'Redis ver. 7.0.15\n';
        assert.equal(y, resp === 2 ? `$${redisText.length}\r\n${redisText}\r\n` : `=${redisText.length + 4}\r\ntxt:${redisText}\r\n`, `Redis: ${cmd.join(' ')}`);
        assert.equal(x, ourLine(resp), cmd.join(' '));
      }
    }
    await pair.a.call('HELLO', '2');
    await pair.b.call('HELLO', '2');
  });

  it('checks VERSION and the options of versions 5 and 6 as Redis does', async () => {
    await sameReplies(pair.a, pair.b, [
      ['LOLWUT', 'VERSION', 'x'],
      ['LOLWUT', 'VERSION', '5.0'],
      ['LOLWUT', 'VERSION', '99999999999999999999'],
      ['LOLWUT', 'VERSION', '5', 'x'],
      ['LOLWUT', 'VERSION', '5', '1', 'x'],
      ['LOLWUT', 'VERSION', '5', '1', '1', 'x'],
      ['LOLWUT', 'VERSION', '6', 'x'],
      ['LOLWUT', 'VERSION', '6', '1', 'x'],
    ]);
  });

  it('versions 5 and 6: Redis draws, Redoubt prints its version line (deliberate difference)', async () => {
    for (const cmd of [['LOLWUT', 'VERSION', '5', '1', '1', '1', 'x'], ['LOLWUT', 'VERSION', '6', '1', '1', 'x']]) {
      const [x, y] = [await pair.a.call(...cmd), await pair.b.call(...cmd)];
      assert.match(y, /Redis ver\. 7\.0\.15\n\r\n$/);
      assert.equal(x, ourLine(2));
    }
  });
});

describe('OBJECT IDLETIME and FREQ under every maxmemory-policy', { skip: SKIP }, () => {
  const pair = differentialPair();
  const policies = ['noeviction', 'allkeys-lru', 'volatile-lru', 'allkeys-lfu', 'volatile-lfu', 'allkeys-random', 'volatile-random', 'volatile-ttl'];
  const lfu = (policy: string): boolean => policy.endsWith('-lfu');

  /** OBJECT IDLETIME on both servers: the same error, or idle times from `least` up to a second more (a second may tick between two commands). */
  async function sameIdle(key: string, least: number): Promise<void> {
    const [x, y] = [await pair.a.call('OBJECT', 'IDLETIME', key), await pair.b.call('OBJECT', 'IDLETIME', key)];
    if (y.startsWith('-')) {
      assert.equal(x, y);
      return;
    }
    for (const r of [x, y]) {
      const m = /^:(\d+)\r\n$/.exec(r);
      assert.ok(m !== null && Number(m[1]) >= least && Number(m[1]) <= least + 1, `OBJECT IDLETIME ${key}: ${JSON.stringify([x, y])}`);
    }
  }

  for (const policy of policies) {
    it(policy, async () => {
      await sameReplies(pair.a, pair.b, [
        ['FLUSHALL'],
        ['CONFIG', 'SET', 'maxmemory-policy', policy],
        ['SET', 'k', 'v'],
        ['OBJECT', 'FREQ', 'k'],
        ['OBJECT', 'IDLETIME', 'nokey'],
        ['OBJECT', 'FREQ', 'nokey'],
        ['TOUCH', 'k', 'nokey'],
      ]);
      await sameIdle('k', 0);
      // An idle time set by RESTORE is kept wherever the LRU clock is.
      const payload = bulkBytes(await pair.b.call('DUMP', 'k'));
      await sameReplies(pair.a, pair.b, [['RESTORE', 'r', '0', payload, 'IDLETIME', '1000']]);
      await sameIdle('r', lfu(policy) ? 0 : 1000);
    });
  }
});

describe('EVALSHA of an unknown script', { skip: SKIP }, () => {
  const pair = differentialPair();
  const sha = 'f'.repeat(40);

  it('answers NOSCRIPT after the numkeys checks Redis makes for a 40-character digest', async () => {
    await sameReplies(pair.a, pair.b, [
      ['EVALSHA', 'abc', '0'],
      ['EVALSHA', 'abc', 'x'],
      ['EVALSHA', 'abc', '-1'],
      ['EVALSHA', 'abc', '2', 'k'],
      ['EVALSHA', sha, '0'],
      ['EVALSHA', sha.toUpperCase(), '1', 'k'],
      ['EVALSHA', sha, 'x'],
      ['EVALSHA', sha, '-1'],
      ['EVALSHA', sha, '2', 'k'],
      ['EVALSHA', sha + 'f', '2', 'k'],
      ['EVALSHA', 'abc'],
      ['EVALSHA_RO', 'abc', '0'],
      ['EVALSHA_RO', sha, 'x'],
      ['EVALSHA_RO', sha, '3', 'a'],
      ['EVALSHA_RO', sha, '1', 'a'],
    ]);
  });

  it('inside MULTI: queued, and NOSCRIPT in the EXEC reply', async () => {
    await sameReplies(pair.a, pair.b, [['MULTI'], ['EVALSHA', sha, '0'], ['EXEC']]);
  });

  it('a script run by EVAL is then known to EVALSHA, as in Redis', async () => {
    const body = 'return 42';
    await sameReplies(pair.a, pair.b, [['SCRIPT', 'FLUSH'], ['EVAL', body, '0'], ['EVALSHA', '1fa00e76656cc152ad327c13fe365858fd7be306', '0']]);
  });
});

describe('a bare `save` line in a config file', { skip: SKIP }, () => {
  /** CONFIG GET save from redis-server started with `text` as its config file plus `extra`. */
  async function redisSave(text: string, extra: string[] = []): Promise<string> {
    const dir = mkdtempSync(path.join(tmpdir(), 'redis-fid-'));
    const file = path.join(dir, 'redis.conf');
    writeFileSync(file, text);
    const ref = await startRedis(extra, { configFile: file });
    try {
      const c = await RawConn.connect(ref.port);
      const r = await c.call('CONFIG', 'GET', 'save');
      c.close();
      return r;
    } finally {
      await ref.close();
    }
  }

  /** CONFIG GET save from Redoubt started from the same file. */
  async function ourSave(text: string, extra: string[] = []): Promise<string> {
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-fid-'));
    const file = path.join(dir, 'redoubt.conf');
    writeFileSync(file, text);
    const { config } = loadConfig([file, ...extra]);
    config.set('port', '0');
    config.set('bind', '127.0.0.1');
    config.set('dir', dir);
    const log = new Logger();
    log.file = '/dev/null';
    log.sink = () => {};
    const server = new Server(config, { log, table: buildCommandTable() });
    await server.listen();
    try {
      const c = await RawConn.connect(server.boundPorts[0]!);
      const r = await c.call('CONFIG', 'GET', 'save');
      c.close();
      return r;
    } finally {
      await server.close();
    }
  }

  const cases: { text: string; extra?: string[] }[] = [
    { text: 'save\n' },
    { text: 'SAVE\n' },
    { text: 'save 100 10\nsave\n' },
    { text: 'save\nsave 100 10\n' },
    { text: 'save 100 10\nsave\nsave 200 20\n' },
    { text: 'save 100 10\nsave ""\nsave\n' },
    { text: 'save 100 10\n', extra: ['--save'] },
    { text: 'save 100 10\n', extra: ['--save', '5', '5'] },
    { text: '', extra: ['--save'] },
  ];
  for (const k of cases) {
    it(`${JSON.stringify(k.text)} ${(k.extra ?? []).join(' ')}`, async () => {
      const [x, y] = [await ourSave(k.text, k.extra), await redisSave(k.text, k.extra)];
      assert.equal(x, y);
    });
  }
});

describe('COMMAND DOCS facts', { skip: SKIP }, () => {
  const pair = differentialPair();
  const PROSE = new Set(['summary', 'complexity', 'replaced_by', 'history']);
  /** A docs map (flat key/value array) without Redis's prose fields, subcommands included. */
  const facts = (m: Resp[]): Resp[] => {
    const out: Resp[] = [];
    for (let i = 0; i < m.length; i += 2) {
      const k = m[i] as string;
      if (PROSE.has(k)) continue;
      if (k === 'subcommands') {
        const subs = m[i + 1] as Resp[];
        const sorted: [string, Resp[]][] = [];
        for (let j = 0; j < subs.length; j += 2) sorted.push([subs[j] as string, facts(subs[j + 1] as Resp[])]);
        sorted.sort((x, y) => (x[0] < y[0] ? -1 : 1));
        out.push(k, sorted.flat());
      } else {
        out.push(k, m[i + 1] as Resp);
      }
    }
    return out;
  };

  it('doc_flags and deprecated_since as Redis gives them, in its order, with the prose left out', async () => {
    const { a, b } = pair;
    for (const name of ['getset', 'rpoplpush', 'zrangebyscore', 'debug', 'get', 'object', 'hmset']) {
      const [x, y] = [parseReply(await a.call('COMMAND', 'DOCS', name)) as Resp[], parseReply(await b.call('COMMAND', 'DOCS', name)) as Resp[]];
      assert.ok(Array.isArray(x[1]) && Array.isArray(y[1]), `${name}: ${JSON.stringify([x, y])}`);
      assert.deepEqual(facts(x[1] as Resp[]), facts(y[1] as Resp[]), name);
    }
    const getset = parseReply(await a.call('COMMAND', 'DOCS', 'getset')) as Resp[];
    const d = getset[1] as Resp[];
    assert.deepEqual(d.slice(4, 8), ['doc_flags', ['deprecated'], 'deprecated_since', '6.2.0']);
  });

  it('RESP3: doc_flags is a set of simple strings, as Redis sends it', async () => {
    const { a, b } = pair;
    const x = await a.call('HELLO', '3');
    const y = await b.call('HELLO', '3');
    assert.ok(x.startsWith('%') && y.startsWith('%'));
    const flags = '$9\r\ndoc_flags\r\n~1\r\n+syscmd\r\n';
    assert.ok((await b.call('COMMAND', 'DOCS', 'debug')).includes(flags));
    assert.ok((await a.call('COMMAND', 'DOCS', 'debug')).includes(flags));
    await a.call('HELLO', '2');
    await b.call('HELLO', '2');
  });
});
