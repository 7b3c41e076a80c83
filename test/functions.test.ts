// Redis 7.0 functions: FUNCTION LOAD / LIST / DELETE / FLUSH / DUMP / RESTORE / STATS / KILL /
// HELP, FCALL and FCALL_RO, compared byte for byte with redis-server 7.0.15 (load-time errors,
// the load-time environment, call errors, a rate limiter library, RESP3 shapes); payloads moved
// between the two servers both ways; libraries in RDB files (Redoubt's and Redis's, both ways)
// and in the AOF; a runaway function answered BUSY to others and stopped by FUNCTION KILL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  RawConn,
  differentialPair,
  haveRedis,
  infoField,
  parseReply,
  sameReplies,
  startRedis,
  startRedoubtProcess,
  startServer,
  waitFor,
  type DiffCmd,
  type TestServer,
} from './helpers.js';

const HAVE_REDIS = haveRedis();
const SKIP = HAVE_REDIS ? false : 'redis-server not installed: differential function tests skipped';

const lib = (name: string, body: string): string => `#!lua name=${name}\n${body}`;

/** A sliding-window rate limiter as a library: allow / peek (no-writes) / reset. */
const LIMITER = lib(
  'ratelimit',
  [
    "local function allow(keys, args)",
    '  local key, limit, window, now = keys[1], tonumber(args[1]), tonumber(args[2]), tonumber(args[3])',
    "  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)",
    "  local count = redis.call('ZCARD', key)",
    '  if count >= limit then return {0, count} end',
    "  redis.call('ZADD', key, now, args[4])",
    "  redis.call('PEXPIRE', key, window)",
    '  return {1, count + 1}',
    'end',
    "redis.register_function('rl_allow', allow)",
    "redis.register_function{function_name = 'rl_peek', callback = function(keys) return redis.call('ZCARD', keys[1]) end,",
    "  flags = {'no-writes'}, description = 'requests in the window'}",
    "redis.register_function('rl_reset', function(keys) return redis.call('DEL', keys[1]) end)",
  ].join('\n'),
);

/** FUNCTION LIST WITHCODE as each library's name and code (Redis lists functions in its hash table's order). */
const libraryCodes: DiffCmd = {
  cmd: ['FUNCTION', 'LIST', 'WITHCODE'],
  normalize: (r) => JSON.stringify((parseReply(r) as unknown[][]).map((l) => [l[1], l[7]]).sort()),
};

/** Each code loaded on an empty registry: the reply of FUNCTION LOAD. */
const loads = (codes: string[]): DiffCmd[] => codes.flatMap((c) => [['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', c]]);

describe('functions compared with redis-server', { skip: SKIP }, () => {
  const pair = differentialPair();
  before(async () => {
    await sameReplies(pair.a, pair.b, [['FLUSHALL'], ['FUNCTION', 'FLUSH']]);
  });

  it('FUNCTION LOAD: the library metadata line', async () => {
    const reg = "\nredis.register_function('qq', function() return 1 end)";
    await sameReplies(
      pair.a,
      pair.b,
      loads([
        'return 1', '#!lua', '#!lua name=ab', '#!lua name=', '#!lua name=a-b', ' #!lua name=y', '# name=a',
        ...['#!lua name', '#!lua a=b=c', '#!lua name=a=b', '#!lua =x', '#!lua x', '#!lua name=x y', '#!lua name=x name=y', '#!lua foo=bar name=x',
          '#!lua name=x ', '#!lua\tname=x', '#!lua name=x;', '#!LUA name=y', '#!python name=y', '#!lua', '#! name=y', '#!lua NAME=y', '#!lua "name=y"',
          '#!lua "name=y', '#!lua name="y z"', '#!"lua" name=y', '#!lua name=', '#!python foo', '#!python name=x!', '#!lua name=x! foo', '#!lua name=Lib_9'].map((s) => s + reg),
      ]),
    );
  });

  it('FUNCTION LOAD: registering functions and the load-time environment', async () => {
    const codes = [
      "redis.call('set','x','y')", "redis.pcall('ping')", "redis.register_function('a-b', function() end)", "redis.register_function('', function() end)",
      "redis.register_function('x', 5)", "redis.register_function('x')", "redis.register_function(5, function() end)", "redis.register_function({}, function() end)",
      "redis.register_function{function_name='x', callback=function() end, flags={'bad'}}",
      "redis.register_function{function_name='x', callback=function() end, flags='no-writes'}",
      "redis.register_function{function_name='x', callback=function() end, foo=1}", "redis.register_function{function_name='x'}",
      "redis.register_function{callback=function() end}", "redis.register_function{function_name='x', callback=function() end, description=5}",
      "redis.register_function{function_name='x', callback=5}", "redis.register_function{function_name=5, callback=function() end}",
      "redis.register_function{function_name={}, callback=function() end}", "redis.register_function{function_name='a', callback=function() end, description={}}",
      "redis.register_function{function_name='x', callback=function() end, flags={5}}", "redis.register_function{'x', function() end}",
      "redis.register_function('x', function() end)\nredis.register_function('x', function() end)", "error('boom')", 'syntax error', 'return foo',
      "redis.register_function('x', function() end, 3)", 'redis.register_function()', "redis.register_function('x', function() end)\nreturn 5",
      "redis.log(redis.LOG_WARNING, 'hi') redis.register_function('x', function() end)", "redis.setresp(3) redis.register_function('x', function() end)",
      "redis.register_function('x', function() end) x = 5", 'local x = 1',
      "redis.register_function('v', function() return 1 end) assert(type(redis.REDIS_VERSION_NUM) == 'number')",
      "redis.register_function{function_name='x', callback=function() end, flags={'no-writes', 'no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}}",
    ];
    await sameReplies(pair.a, pair.b, loads(codes.map((c) => lib('ab', c))));
  });

  it('FUNCTION LOAD REPLACE, name collisions, DELETE, FLUSH and their errors', async () => {
    const one = lib('lib1', "redis.register_function('f1', function() return 1 end)");
    await sameReplies(pair.a, pair.b, [
      ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', one], ['FUNCTION', 'LOAD', one], ['FUNCTION', 'LOAD', 'REPLACE', one],
      ['FUNCTION', 'LOAD', lib('lib2', "redis.register_function('f1', function() return 2 end)")],
      ['FUNCTION', 'LOAD', 'REPLACE', lib('lib1', "redis.register_function('f2', function() return 2 end)")],
      ['FCALL', 'f1', '0'], ['FCALL', 'f2', '0'],
      ['FUNCTION', 'LOAD', 'REPLACE'], ['FUNCTION', 'LOAD', 'foo', one], ['FUNCTION', 'LOAD', 'replace', 'replace', one], ['FUNCTION', 'LOAD'],
      ['FUNCTION', 'DELETE', 'nosuch'], ['FUNCTION', 'DELETE'], ['FUNCTION', 'DELETE', 'lib1'], ['FCALL', 'f2', '0'], ['FUNCTION', 'DELETE', 'lib1'],
      ['FUNCTION', 'FLUSH', 'x'], ['FUNCTION', 'FLUSH', 'async', 'x'], ['FUNCTION', 'FLUSH', 'ASYNC'], ['FUNCTION', 'FLUSH', 'sync'], ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'LIST'],
    ]);
  });

  it('FCALL and FCALL_RO: arguments, flags, replies and errors', async () => {
    const code = lib(
      'mylib',
      [
        'redis.register_function("f1", function(keys, args) return {keys[1], args[1], #keys, #args} end)',
        'redis.register_function{function_name="f2", callback=function(k,a) return redis.call("get", k[1]) end, flags={"no-writes", "allow-oom"}, description="desc"}',
        'redis.register_function("w", function(k,a) return redis.call("set", k[1], a[1]) end)',
        'redis.register_function("e", function(k,a) return redis.call("nosuch") end)',
        'redis.register_function("e2", function(k,a)\n local x = nil\n return x.y end)',
        'redis.register_function("g", function(k,a) return {type(KEYS), tostring(#k)} end)',
        'redis.register_function{function_name="ro", callback=function(k) return redis.call("set", k[1], "x") end, flags={"no-writes"}}',
        'redis.register_function("pe", function() return redis.pcall("incr", "fk") end)',
        'redis.register_function("er", function() return redis.error_reply("MY custom") end)',
        'redis.register_function("gw", function() x = 1 end)',
        'redis.register_function("sel", function(k) redis.call("select", 1) return redis.call("get", k[1]) end)',
      ].join('\n'),
    );
    await sameReplies(pair.a, pair.b, [
      ['FUNCTION', 'FLUSH'], ['FLUSHALL'], ['FUNCTION', 'LOAD', code],
      ['FCALL', 'f1', '1', 'k', 'a'], ['FCALL', 'f1', '0'], ['FCALL', 'f1', '2', 'k1', 'k2', 'a1', 'a2', 'a3'],
      ['FCALL_RO', 'f1', '1', 'k', 'a'], ['FCALL_RO', 'f2', '1', 'k'], ['FCALL', 'f2', '1', 'k'],
      ['FCALL', 'w', '1', 'k', 'v'], ['FCALL_RO', 'w', '1', 'k', 'v'], ['FCALL_RO', 'f2', '1', 'k'], ['FCALL', 'ro', '1', 'k'], ['FCALL_RO', 'ro', '1', 'k'],
      ['FCALL', 'e', '0'], ['FCALL', 'e2', '0'], ['FCALL', 'g', '0'], ['SET', 'fk', 'x'], ['FCALL', 'pe', '0'], ['FCALL', 'er', '0'], ['FCALL', 'gw', '0'],
      ['FCALL', 'sel', '1', 'k'], ['GET', 'k'],
      ['FCALL', 'nosuch', '0'], ['FCALL', 'nosuch', 'x'], ['FCALL_RO', 'nosuch', '0'], ['FCALL', 'f1', 'x'], ['FCALL', 'f1', '-1'], ['FCALL', 'f1', '3', 'a'],
      ['FCALL'], ['FCALL', 'f1'], ['FCALL_RO', 'f1'],
    ]);
  });

  it('FUNCTION LIST, STATS, KILL and HELP', async () => {
    await sameReplies(pair.a, pair.b, [
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'LOAD', lib('lib1', 'redis.register_function("f1", function(keys, args) return 1 end)')],
      ['FUNCTION', 'LOAD', lib('lib2', 'redis.register_function{function_name="g", callback=function() return 2 end, flags={"no-writes"}, description="dd"}')],
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'lib1'], ['FUNCTION', 'LIST', 'withcode', 'libraryname', 'li?2'], ['FUNCTION', 'LIST', 'LIBRARYNAME', 'x*'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'lib2', 'WITHCODE'], ['FUNCTION', 'LIST', 'LIBRARYNAME'], ['FUNCTION', 'LIST', 'foo'],
      ['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'], ['FUNCTION', 'LIST', 'LIBRARYNAME', 'a', 'LIBRARYNAME', 'b'],
      ['FUNCTION', 'STATS'], ['FUNCTION', 'STATS', 'x'], ['FUNCTION', 'KILL'], ['FUNCTION', 'KILL', 'x'], ['FUNCTION', 'HELP'], ['FUNCTION', 'HELP', 'x'],
      ['FUNCTION'], ['FUNCTION', 'NOSUCH'],
      ['FUNCTION', 'DELETE', 'lib2'], ['FUNCTION', 'LIST'],
    ]);
  });

  it('RESP3 shapes of FUNCTION LIST and STATS', async () => {
    await sameReplies(pair.a, pair.b, [
      { cmd: ['HELLO', '3'], normalize: () => '' },
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'LOAD', lib('lib_f', 'redis.register_function{function_name="x", callback=function() return {double = 1.5} end, flags={"no-cluster","allow-stale","no-writes"}}')],
      ['FUNCTION', 'LIST'], ['FUNCTION', 'LIST', 'WITHCODE'], ['FUNCTION', 'STATS'], ['FCALL', 'x', '0'],
      { cmd: ['HELLO', '2'], normalize: () => '' },
    ]);
  });

  it('a rate limiter library', async () => {
    const cmds: DiffCmd[] = [['FUNCTION', 'FLUSH'], ['FLUSHALL'], ['FUNCTION', 'LOAD', LIMITER]];
    for (let i = 0; i < 6; i++) cmds.push(['FCALL', 'rl_allow', '1', 'rl:user1', '3', '1000', String(1000 + i * 100), `req${i}`]);
    cmds.push(['FCALL_RO', 'rl_peek', '1', 'rl:user1'], ['FCALL', 'rl_allow', '1', 'rl:user1', '3', '1000', '2500', 'late'], ['ZRANGE', 'rl:user1', '0', '-1', 'WITHSCORES']);
    cmds.push(['FCALL_RO', 'rl_reset', '1', 'rl:user1'], ['FCALL', 'rl_reset', '1', 'rl:user1'], ['FCALL_RO', 'rl_peek', '1', 'rl:user1']);
    await sameReplies(pair.a, pair.b, cmds);
  });

  it('FUNCTION DUMP and RESTORE: policies and errors', async () => {
    const l1 = lib('lib1', "redis.register_function('f1', function() return 1 end)");
    const l2 = lib('lib2', "redis.register_function{function_name='g', callback=function() return 2 end, flags={'no-writes'}, description='dd'}");
    await sameReplies(pair.a, pair.b, [['FUNCTION', 'FLUSH'], ['FUNCTION', 'DUMP'], ['FUNCTION', 'LOAD', l1], ['FUNCTION', 'DUMP']]);
    await sameReplies(pair.a, pair.b, [['FUNCTION', 'LOAD', l2]]);
    // Each side's own payload (two libraries: their order is the hash table's in Redis).
    const pa = Buffer.from(parseReply(await pair.a.call('FUNCTION', 'DUMP')) as string, 'latin1');
    const pb = Buffer.from(parseReply(await pair.b.call('FUNCTION', 'DUMP')) as string, 'latin1');
    await sameReplies(pair.a, pair.b, [['SET', 'k', 'v']]);
    const keyPayload = Buffer.from(parseReply(await pair.b.call('DUMP', 'k')) as string, 'latin1');
    for (const [x, p] of [[pair.a, pa], [pair.b, pb]] as const) {
      // The first library of the payload that exists (Redis's payload is in its hash table's order).
      assert.match(await x.call('FUNCTION', 'RESTORE', p), /^-ERR Library lib[12] already exists\r\n$/);
      assert.match(await x.call('FUNCTION', 'RESTORE', p, 'APPEND'), /^-ERR Library lib[12] already exists\r\n$/);
      assert.equal(await x.call('FUNCTION', 'RESTORE', p, 'FLUSH'), '+OK\r\n');
      assert.equal(await x.call('FUNCTION', 'RESTORE', p, 'replace'), '+OK\r\n');
      assert.equal(await x.call('FUNCTION', 'RESTORE', p, 'bad'), '-ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.\r\n');
      assert.equal(await x.call('FUNCTION', 'RESTORE', p, 'x', 'y'), "-ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP.\r\n");
      assert.equal(await x.call('FUNCTION', 'DELETE', 'lib2'), '+OK\r\n');
      assert.equal(await x.call('FUNCTION', 'RESTORE', p, 'APPEND'), '-ERR Library lib1 already exists\r\n');
      assert.equal(await x.call('FUNCTION', 'FLUSH'), '+OK\r\n');
      assert.equal(await x.call('FUNCTION', 'LOAD', lib('libx', "redis.register_function('f1', function() return 1 end)")), '$4\r\nlibx\r\n');
      assert.equal(await x.call('FUNCTION', 'RESTORE', p, 'REPLACE'), '-ERR Function f1 already exists\r\n');
      assert.equal(await x.call('FUNCTION', 'RESTORE', p, 'FLUSH'), '+OK\r\n');
      assert.equal(await x.call('FUNCTION', 'LOAD', lib('lib1', "redis.register_function('zz', function() return 1 end)")), "-ERR Library 'lib1' already exists\r\n");
      assert.equal(await x.call('FUNCTION', 'RESTORE', p, 'REPLACE'), '+OK\r\n');
      assert.equal(await x.call('FCALL', 'g', '0'), ':2\r\n');
      assert.equal(await x.call('FUNCTION', 'RESTORE', keyPayload), '-ERR given type is not a function\r\n');
    }
    await sameReplies(pair.a, pair.b, [['FUNCTION', 'RESTORE', 'xxxxxxxxxxxxxxxxxxx'], ['FUNCTION', 'RESTORE', ''], ['FUNCTION', 'RESTORE'], ['FUNCTION', 'DUMP', 'x']]);
  });

  it('a FUNCTION DUMP payload moves between Redoubt and redis-server both ways', async () => {
    await sameReplies(pair.a, pair.b, [['FUNCTION', 'FLUSH']]);
    assert.equal(await pair.a.call('FUNCTION', 'LOAD', LIMITER), '$9\r\nratelimit\r\n');
    const fromRedoubt = Buffer.from(parseReply(await pair.a.call('FUNCTION', 'DUMP')) as string, 'latin1');
    assert.equal(await pair.b.call('FUNCTION', 'RESTORE', fromRedoubt), '+OK\r\n');
    await sameReplies(pair.a, pair.b, [libraryCodes, ['FCALL', 'rl_allow', '1', 'rlx', '2', '1000', '5', 'a'], ['FCALL_RO', 'rl_peek', '1', 'rlx']]);
    // The reverse: Redis's payload of another library into an empty Redoubt.
    await sameReplies(pair.a, pair.b, [['FUNCTION', 'FLUSH']]);
    assert.equal(await pair.b.call('FUNCTION', 'LOAD', lib('fromredis', "redis.register_function('hello', function(k, a) return 'hello ' .. a[1] end)")), '$9\r\nfromredis\r\n');
    const fromRedis = Buffer.from(parseReply(await pair.b.call('FUNCTION', 'DUMP')) as string, 'latin1');
    assert.equal(await pair.a.call('FUNCTION', 'RESTORE', fromRedis), '+OK\r\n');
    await sameReplies(pair.a, pair.b, [libraryCodes, ['FCALL', 'hello', '0', 'world'], ['FUNCTION', 'DUMP']]);
  });

  it('MONITOR shows FCALL before the commands the function runs', async () => {
    const seen: string[][] = [];
    for (const port of [pair.t.port, pair.ref.port]) {
      const c = await RawConn.connect(port);
      const mon = await RawConn.connect(port);
      try {
        await c.call('FUNCTION', 'LOAD', 'REPLACE', lib('mon', "redis.register_function('mset', function() return redis.call('set', 'foo', 'bar') end)"));
        assert.equal(await mon.call('MONITOR'), '+OK\r\n');
        assert.equal(await c.call('FCALL', 'mset', '0'), '+OK\r\n');
        // Drop the time stamps and client addresses: the commands and their order remain.
        seen.push([await mon.reply(), await mon.reply()].map((l) => l.replace(/^\+[\d.]+ \[\d+ [^\]]+\] /, '')));
      } finally {
        c.close();
        mon.close();
      }
    }
    assert.deepEqual(seen[0], seen[1]);
    assert.deepEqual(seen[0], ['"FCALL" "mset" "0"\r\n', '"set" "foo" "bar"\r\n']);
  });

  it('INFO counts functions and libraries', async () => {
    await sameReplies(pair.a, pair.b, [['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', LIMITER], ['FUNCTION', 'LOAD', lib('l2', "redis.register_function('one', function() return 1 end)")]]);
    for (const f of ['number_of_functions', 'number_of_libraries']) assert.equal(await infoField(pair.a, f, 'memory'), await infoField(pair.b, f, 'memory'), f);
    assert.equal(await infoField(pair.a, 'number_of_functions'), '4');
    assert.ok(Number(await infoField(pair.a, 'used_memory_functions')) > 0);
  });
});

describe('function names are case-insensitive', { skip: SKIP }, () => {
  const pair = differentialPair();
  it('FCALL finds a function whatever the case; a name differing only in case is taken', async () => {
    await sameReplies(pair.a, pair.b, [
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'LOAD', "#!lua name=caselib\nredis.register_function('Abc', function() return 1 end)"],
      ['FCALL', 'ABC', '0'],
      ['FCALL', 'abc', '0'],
      ['FCALL_RO', 'aBc', '0'],
      ['FUNCTION', 'LOAD', "#!lua name=caselib2\nredis.register_function('abc', function() return 2 end)"],
      ['FUNCTION', 'LOAD', "#!lua name=caselib3\nredis.register_function('x', function() return 2 end)\nredis.register_function('X', function() return 3 end)"],
      ['FUNCTION', 'FLUSH'],
    ]);
  });
});

describe('functions above maxmemory', { skip: SKIP }, () => {
  const pair = differentialPair();
  it('a function without no-writes or allow-oom is refused with OOM; no-writes and allow-oom ones run', async () => {
    const code = [
      '#!lua name=oomlib',
      "redis.register_function('plain', function() return 1 end)",
      "redis.register_function{function_name='ro', callback=function() return 2 end, flags={'no-writes'}}",
      "redis.register_function{function_name='oomok', callback=function() return 3 end, flags={'allow-oom'}}",
    ].join('\n');
    await sameReplies(pair.a, pair.b, [['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', code], ['CONFIG', 'SET', 'maxmemory', '1']]);
    try {
      await sameReplies(pair.a, pair.b, [['FCALL', 'plain', '0'], ['FCALL', 'ro', '0'], ['FCALL_RO', 'ro', '0'], ['FCALL', 'oomok', '0']]);
    } finally {
      await sameReplies(pair.a, pair.b, [['CONFIG', 'SET', 'maxmemory', '0'], ['FUNCTION', 'FLUSH']]);
    }
  });
});

describe('runaway functions', () => {
  let t: TestServer;
  let a: RawConn;
  let b: RawConn;
  before(async () => {
    t = await startServer({ 'busy-reply-threshold': '20' });
    a = await RawConn.connect(t.port);
    b = await RawConn.connect(t.port);
    const code = lib('busy', "redis.register_function('spin', function() while true do end end)\nredis.register_function('spinw', function()\nredis.call('set','a','b')\nwhile true do end end)");
    assert.equal(await a.call('FUNCTION', 'LOAD', code), '$4\r\nbusy\r\n');
  });
  after(async () => {
    a.close();
    b.close();
    await t.close();
  });

  it('others get BUSY, FUNCTION STATS shows it, FUNCTION KILL stops it', async () => {
    a.send('FCALL', 'spin', '0');
    await waitFor(async () => (await b.call('PING')).startsWith('-BUSY'), 10000, 'BUSY while the function runs');
    const stats = parseReply(await b.call('FUNCTION', 'STATS')) as unknown[];
    assert.equal(stats[0], 'running_script');
    const running = stats[1] as unknown[];
    assert.deepEqual(running.slice(0, 4), ['name', 'spin', 'command', ['FCALL', 'spin', '0']]);
    assert.equal(await b.call('SCRIPT', 'KILL'), '-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n');
    assert.equal(await b.call('FUNCTION', 'KILL'), '+OK\r\n');
    assert.equal(await a.reply(), '-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n');
    assert.equal(await b.call('FUNCTION', 'KILL'), '-NOTBUSY No scripts in execution right now.\r\n');
    assert.equal(await b.call('PING'), '+PONG\r\n');
  });

  it('a function that wrote is UNKILLABLE; FUNCTION KILL refuses an EVAL script', async () => {
    a.send('EVAL', 'while true do end', '0');
    await waitFor(async () => (await b.call('PING')).startsWith('-BUSY'), 10000, 'BUSY while the script runs');
    assert.equal(await b.call('FUNCTION', 'KILL'), '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
    assert.equal(await b.call('SCRIPT', 'KILL'), '+OK\r\n');
    assert.match(await a.reply(), /^-ERR Script killed by user/);
    a.send('FCALL', 'spinw', '0');
    await waitFor(async () => (await b.call('PING')).startsWith('-BUSY'), 10000, 'BUSY while the function runs');
    assert.match(await b.call('FUNCTION', 'KILL'), /^-UNKILLABLE /);
  });
});

describe('functions in the AOF', () => {
  it('LOAD, DELETE, FLUSH and RESTORE are propagated as called; a restart has the libraries back', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-fn-aof-'));
    const settings = { dir, appendonly: 'yes', appendfsync: 'always', 'aof-use-rdb-preamble': 'no' };
    const aofServer = async (extra: Record<string, string> = {}): Promise<TestServer> => {
      const s = await startServer({ ...settings, ...extra });
      s.server.aof.startup();
      return s;
    };
    let t = await aofServer();
    let c = await RawConn.connect(t.port);
    try {
      const one = lib('one', "redis.register_function('one', function() return 1 end)");
      assert.equal(await c.call('FUNCTION', 'LOAD', LIMITER), '$9\r\nratelimit\r\n');
      assert.equal(await c.call('FUNCTION', 'LOAD', one), '$3\r\none\r\n');
      const payload = Buffer.from(parseReply(await c.call('FUNCTION', 'DUMP')) as string, 'latin1');
      assert.equal(await c.call('FUNCTION', 'DELETE', 'one'), '+OK\r\n');
      assert.equal(await c.call('FUNCTION', 'FLUSH'), '+OK\r\n');
      assert.equal(await c.call('FUNCTION', 'RESTORE', payload), '+OK\r\n');
      assert.equal(await c.call('FUNCTION', 'DELETE', 'one'), '+OK\r\n');
      assert.deepEqual(parseReply(await c.call('FCALL', 'rl_allow', '1', 'rl', '5', '1000', '1', 'x')), [1, 1]);
      const incr = readFileSync(path.join(dir, 'appendonlydir', readdirSync(path.join(dir, 'appendonlydir')).find((f) => f.endsWith('.incr.aof'))!), 'latin1');
      const ops = [...incr.matchAll(/\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n(?:\$\d+\r\n([A-Za-z]+)\r\n)?/g)].map((m) => `${m[1]} ${m[2] ?? ''}`.trim());
      assert.deepEqual(
        ops.filter((o) => !o.startsWith('SELECT')),
        ['FUNCTION LOAD', 'FUNCTION LOAD', 'FUNCTION DELETE', 'FUNCTION FLUSH', 'FUNCTION RESTORE', 'FUNCTION DELETE', 'MULTI', 'ZADD rl', 'PEXPIREAT rl', 'EXEC'],
      );
      c.close();
      await t.close();
      t = await aofServer();
      c = await RawConn.connect(t.port);
      assert.deepEqual(parseReply(await c.call('FCALL_RO', 'rl_peek', '1', 'rl')), 1);
      assert.equal(await c.call('FCALL', 'one', '0'), '-ERR Function not found\r\n');
      // A rewrite with an RDB preamble keeps them in its base.
      assert.equal(await c.call('CONFIG', 'SET', 'aof-use-rdb-preamble', 'yes'), '+OK\r\n');
      assert.match(await c.call('BGREWRITEAOF'), /^\+/);
      await waitFor(async () => (await infoField(c, 'aof_rewrite_in_progress')) === '0' && (await infoField(c, 'aof_rewrite_scheduled')) === '0', 10000, 'the rewrite');
      c.close();
      await t.close();
      t = await aofServer({ 'aof-use-rdb-preamble': 'yes' });
      c = await RawConn.connect(t.port);
      assert.equal(await c.call('FUNCTION', 'LIST', 'LIBRARYNAME', 'ratelimit', 'WITHCODE').then((r) => (parseReply(r) as unknown[][])[0]![7]), LIMITER);
      // A rewrite in command form starts its base with FUNCTION LOAD, as Redis's: nothing is lost.
      assert.equal(await c.call('CONFIG', 'SET', 'aof-use-rdb-preamble', 'no'), '+OK\r\n');
      assert.match(await c.call('BGREWRITEAOF'), /^\+/);
      await waitFor(async () => (await infoField(c, 'aof_rewrite_in_progress')) === '0' && (await infoField(c, 'aof_rewrite_scheduled')) === '0', 10000, 'the rewrite');
      const base = readdirSync(path.join(dir, 'appendonlydir')).find((f) => f.endsWith('.base.aof'))!;
      assert.ok(readFileSync(path.join(dir, 'appendonlydir', base), 'latin1').startsWith('*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n'));
      c.close();
      await t.close();
      t = await aofServer();
      c = await RawConn.connect(t.port);
      assert.equal(await c.call('FUNCTION', 'LIST', 'LIBRARYNAME', 'ratelimit', 'WITHCODE').then((r) => (parseReply(r) as unknown[][])[0]![7]), LIMITER);
    } finally {
      c.close();
      await t.close();
    }
  });
});

describe('DEBUG RELOAD and functions, compared with redis-server', { skip: SKIP }, () => {
  it('NOFLUSH without MERGE fails on a library that exists and changes nothing; MERGE replaces it; NOSAVE NOFLUSH MERGE adds', async () => {
    const t = await startServer({ 'enable-debug-command': 'yes' });
    const ref = await startRedis();
    const a = await RawConn.connect(t.port);
    const b = await RawConn.connect(ref.port);
    const fn = (name: string): string => lib(name, `redis.register_function('${name}', function() return '${name}' end)`);
    try {
      await sameReplies(a, b, [
        ['FUNCTION', 'LOAD', fn('test')],
        ['DEBUG', 'RELOAD', 'NOFLUSH'],
        libraryCodes,
        ['DEBUG', 'RELOAD', 'NOFLUSH', 'MERGE'],
        libraryCodes,
        ['FCALL', 'test', '0'],
        ['SET', 'x', '1'],
        ['DEBUG', 'RELOAD'],
        ['FUNCTION', 'LOAD', fn('test2')],
        ['DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE'],
        libraryCodes,
        ['FCALL', 'test', '0'],
        ['FCALL', 'test2', '0'],
        ['GET', 'x'],
      ]);
    } finally {
      a.close();
      b.close();
      await t.close();
      await ref.close();
    }
  });
});

describe('functions in RDB files', { skip: SKIP }, () => {
  it('Redoubt saves and loads them; a dump.rdb moves between Redoubt and redis-server both ways', async () => {
    // Redoubt -> Redoubt (SAVE, then a process started on the file) -> redis-server.
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-fn-rdb-'));
    let t = await startServer({ dir, 'enable-debug-command': 'yes' });
    let c = await RawConn.connect(t.port);
    assert.equal(await c.call('FUNCTION', 'LOAD', LIMITER), '$9\r\nratelimit\r\n');
    assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
    assert.equal(await c.call('DEBUG', 'RELOAD'), '+OK\r\n');
    assert.equal(await c.call('FCALL_RO', 'rl_peek', '1', 'nokey'), ':0\r\n');
    assert.equal(await c.call('SAVE'), '+OK\r\n');
    c.close();
    await t.close();
    const child = await startRedoubtProcess(['--save', ''], { dir });
    c = await RawConn.connect(child.port);
    assert.equal(await c.call('FUNCTION', 'LIST', 'WITHCODE').then((r) => (parseReply(r) as unknown[][])[0]![7]), LIMITER);
    assert.equal(await c.call('GET', 'k'), '$1\r\nv\r\n');
    c.close();
    await child.kill();
    const ref = await startRedis(['--dir', dir]);
    c = await RawConn.connect(ref.port);
    try {
      assert.equal(await c.call('FUNCTION', 'LIST', 'WITHCODE').then((r) => (parseReply(r) as unknown[][])[0]![7]), LIMITER);
      assert.deepEqual(parseReply(await c.call('FCALL', 'rl_allow', '1', 'rl', '5', '1000', '1', 'x')), [1, 1]);
      // redis-server -> Redoubt.
      assert.equal(await c.call('FUNCTION', 'LOAD', lib('fromredis', "redis.register_function('hello', function(k, a) return 'hello ' .. a[1] end)")), '$9\r\nfromredis\r\n');
      assert.equal(await c.call('SAVE'), '+OK\r\n');
    } finally {
      c.close();
      await ref.close();
    }
    const dir2 = mkdtempSync(path.join(tmpdir(), 'redoubt-fn-rdb2-'));
    copyFileSync(path.join(dir, 'dump.rdb'), path.join(dir2, 'dump.rdb'));
    t = await startServer({ dir: dir2 });
    await t.server.snapshots.load();
    c = await RawConn.connect(t.port);
    try {
      assert.equal(await c.call('FCALL', 'hello', '0', 'world'), '$11\r\nhello world\r\n');
      assert.deepEqual(parseReply(await c.call('FCALL_RO', 'rl_peek', '1', 'rl')), 1);
      assert.equal(await infoField(c, 'number_of_libraries'), '2');
    } finally {
      c.close();
      await t.close();
    }
  });
});
