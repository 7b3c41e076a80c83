// Scripting (EVAL, EVALSHA, SCRIPT): replies compared byte for byte with redis-server 7.0.15 for
// the language, the libraries, the redis.* API and its errors; scripts from the ecosystem (a
// Redlock unlock, a token-bucket rate limiter, a cmsgpack + cjson job script); every escape
// route of the sandbox; a runaway script answered BUSY to others and killed; propagation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { Clock } from '../src/store/clock.js';
import { RawConn, differentialPair, haveRedis, sameReplies, startRedoubtProcess, startServer, waitFor, type TestServer } from './helpers.js';

const HAVE_REDIS = haveRedis();
const SKIP = HAVE_REDIS ? false : 'redis-server not installed: differential scripting tests skipped';

const evals = (scripts: string[]): string[][] => scripts.map((s) => ['EVAL', s, '0']);

describe('scripts compared with redis-server', { skip: SKIP }, () => {
  const pair = differentialPair();
  before(async () => {
    await sameReplies(pair.a, pair.b, [['FLUSHALL'], ['SCRIPT', 'FLUSH']]);
  });

  it('return values and their conversion to replies', async () => {
    await sameReplies(
      pair.a,
      pair.b,
      evals([
        'return 1', 'return -7', 'return 3.99', 'return -3.99', 'return 1e20', 'return 0/0', 'return "x"', 'return true', 'return false', 'return nil',
        'return {1, 2, {3, "x"}, nil, 4}', "return {err = 'bad'}", "return {ok = 'fine'}", "return {err = 5}", "return {1, {err = 'e'}}",
        "return redis.error_reply('x')", "return redis.error_reply('MY x')", "return redis.error_reply('-abc def')", "return redis.status_reply('a\\nb')",
        'return {}', 'return {1, 2, 3, foo = "bar"}', 'return tostring(10/2)', 'return tostring(123456789012345)', 'return tostring(1e15)',
        'return 2^53', 'return {0.5, 1.5, -0.5}',
      ]),
    );
  });

  it('integer and bulk replies read by redis.call, of every digit count and sign (as Lua numbers and strings)', async () => {
    const cmds: string[][] = [['SET', 'big', '0']];
    for (const v of ['0', '-1', '7', '999999999999999', '1000000000000000', '-999999999999999', '-1000000000000000', '9007199254740993', '9223372036854775807', '-9223372036854775808', '123456789012345678']) {
      cmds.push(
        ['SET', 'n', v],
        ['EVAL', "local n = redis.call('INCRBY', KEYS[1], 0) return {tostring(n), n == tonumber(ARGV[1]), type(n)}", '1', 'n', v],
        ['EVAL', "local s = redis.call('GET', KEYS[1]) return {s, #s, type(s)}", '1', 'n'],
      );
    }
    cmds.push(['SET', 'e', ''], ['EVAL', "local s = redis.call('GET', 'e') return {s, #s}", '0'], ['EVAL', "return {redis.call('GET', 'nosuch'), redis.call('STRLEN', 'nosuch')}", '0']);
    await sameReplies(pair.a, pair.b, cmds);
  });

  it('KEYS, ARGV and numkeys', async () => {
    await sameReplies(pair.a, pair.b, [
      ['EVAL', 'return {KEYS[1], KEYS[2], ARGV[1], #KEYS, #ARGV}', '2', 'k1', 'k2', 'a1'],
      ['EVAL', 'return 1', '-1'], ['EVAL', 'return 1', '5'], ['EVAL', 'return 1', 'x'],
      ['EVAL', 'return ARGV', '0', 'a', 'b'],
    ]);
  });

  it('redis.call and redis.pcall: replies as Lua values, and their errors', async () => {
    await sameReplies(pair.a, pair.b, [
      ['EVAL', "return redis.call('set', KEYS[1], ARGV[1])", '1', 'k', 'v'],
      ['EVAL', "return redis.call('get', KEYS[1])", '1', 'k'],
      ['EVAL', "return redis.call('get', 'nosuchkey')", '0'],
      ['EVAL', "return type(redis.call('get', 'nosuchkey'))", '0'],
      ['EVAL', "redis.call('rpush', 'l', 'a', 'b', 'c') return redis.call('lrange', 'l', 0, -1)", '0'],
      ['EVAL', "return redis.call('incr', 'k')", '0'],
      ['EVAL', "return redis.pcall('incr', 'k')", '0'],
      ['EVAL', "return redis.call('nosuch')", '0'],
      ['EVAL', "return redis.pcall('nosuch')", '0'],
      ['EVAL', "return redis.call('get')", '0'],
      ['EVAL', "return redis.call()", '0'],
      ['EVAL', "return redis.call('get', {})", '0'],
      ['EVAL', "return redis.call('eval', 'return 1', 0)", '0'],
      ['EVAL', "local ok, e = pcall(redis.call, 'nosuch') return {ok and 1 or 0, e}", '0'],
      ['EVAL', "local ok, e = pcall(function() error({err = 'x'}) end) return e", '0'],
      ['EVAL', "return redis.call('set', 'n', 1.5)", '0'],
      ['EVAL', "return redis.call('get', 'n')", '0'],
      ['EVAL', "return redis.call('hset', 'h', 'f', 'v')", '0'],
      ['EVAL', "return redis.call('hgetall', 'h')", '0'],
      ['EVAL', "return redis.call('ping')", '0'],
      ['EVAL', "return redis.call('select', 1)", '0'],
      ['EVAL', "return redis.call('blpop', 'nolist', 0)", '0'],
    ]);
  });

  it('errors raised by scripts: their digest and line', async () => {
    await sameReplies(
      pair.a,
      pair.b,
      evals([
        "error('x')", "error({err = 'WRONGTYPE x'})", "error({err = 'x'})", 'local t = nil; return t.x', 'return 1 + {}', 'local x = 5 x()', 'return y', 'x = 5',
        '\n\nerror("third line")', 'string.foo = 1', "rawset(_G, 'x', 1)", 'redis.call = nil', 'return redis.log(9, "x")', 'return redis.setresp(4)',
        'return redis.sha1hex()', 'return redis.error_reply()', 'return redis.status_reply(1)', 'syntax error here', 'return (',
      ]),
    );
  });

  it('shebang flags, EVAL_RO and EVALSHA', async () => {
    await sameReplies(pair.a, pair.b, [
      ['EVAL', "#!lua\nerror('x')", '0'],
      ['EVAL', "#!lua flags=no-writes\nreturn redis.call('set', 'a', 'b')", '0'],
      ['EVAL', '#!lua flags=bad\nreturn 1', '0'],
      ['EVAL', '#!luax\nreturn 1', '0'],
      ['EVAL', '#!lua name=x\nreturn 1', '0'],
      ['EVAL_RO', "return redis.call('set', 'a', 'b')", '0'],
      ['EVAL_RO', "return redis.call('get', 'a')", '0'],
      ['SCRIPT', 'LOAD', 'return ARGV[1]'],
      ['EVALSHA', '098e0f0d1448c0a81dafe820f66d460eb09263da', '0', 'hi'],
      ['EVALSHA', '098E0F0D1448C0A81DAFE820F66D460EB09263DA', '0', 'hi'],
      ['EVALSHA_RO', '098e0f0d1448c0a81dafe820f66d460eb09263da', '0', 'ro'],
      ['EVALSHA', 'nosuch', '0'],
      ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', 'x'],
      ['SCRIPT', 'EXISTS', '098e0f0d1448c0a81dafe820f66d460eb09263da', 'ffffffffffffffffffffffffffffffffffffffff', 'x'],
      ['SCRIPT', 'FLUSH', 'x'], ['SCRIPT', 'FLUSH', 'ASYNC'],
      ['SCRIPT', 'EXISTS', '098e0f0d1448c0a81dafe820f66d460eb09263da'],
      ['SCRIPT', 'KILL'],
      ['SCRIPT', 'LOAD', 'return &'],
    ]);
  });

  it('the libraries: string, table, math, cjson, cmsgpack, bit, struct', async () => {
    await sameReplies(
      pair.a,
      pair.b,
      evals([
        "return string.format('%5.2f|%d|%s|%q|%x', 3.14159, 3.9, 'a', 'a\\nb', 255)", "return ('x'):rep(3)", "return string.gsub('hello world', 'o', '0')",
        "return {string.find('hello', 'l+')}", "return string.match('key:42', '(%a+):(%d+)')", 'local t = {3, 1, 2} table.sort(t) return t',
        "return table.concat({1, 2, 3}, ',')", 'return math.floor(3.7)', "return cjson.encode({1, 2, {a = 3}})", "return cjson.decode('[1,2,{\"a\":3}]')[3].a",
        "return cmsgpack.unpack(cmsgpack.pack({1, 2, 'x'}))", "return {string.byte(cmsgpack.pack(1, 'a', true), 1, -1)}", 'return bit.band(0xff, 0x0f)',
        "return bit.tohex(65535)", "return struct.pack('>I2', 258)", "return {struct.unpack('>I2', struct.pack('>I2', 258))}", 'return type(cjson.null)',
        'return {math.huge > 0, math.pi > 3}', 'return select("#", 1, 2, 3)', 'return {unpack({1, 2, 3})}', 'return tonumber("0x10")', 'return tonumber("  12  ")',
      ]),
    );
  });

  it('ecosystem scripts: Redlock unlock, a token-bucket limiter, a cmsgpack + cjson job script', async () => {
    const unlock = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    const bucket = [
      'local key, rate, capacity, now, requested = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])',
      "local data = redis.call('hmget', key, 'tokens', 'ts')",
      'local tokens = tonumber(data[1]) or capacity',
      'local ts = tonumber(data[2]) or now',
      'tokens = math.min(capacity, tokens + (now - ts) * rate)',
      'local allowed = tokens >= requested',
      'if allowed then tokens = tokens - requested end',
      "redis.call('hset', key, 'tokens', tokens, 'ts', now)",
      "redis.call('pexpire', key, math.ceil(capacity / rate * 1000))",
      'return {allowed and 1 or 0, tostring(tokens)}',
    ].join('\n');
    const job = [
      "local job = {id = redis.call('incr', KEYS[1]), name = ARGV[1], data = cjson.decode(ARGV[2]), attempts = 0}",
      "redis.call('hset', KEYS[2] .. job.id, 'packed', cmsgpack.pack(job.id, job.name, job.data.n), 'json', cjson.encode(job.data))",
      "local id, name, n = cmsgpack.unpack(redis.call('hget', KEYS[2] .. job.id, 'packed'))",
      "return {id, name, n, redis.call('hget', KEYS[2] .. job.id, 'json')}",
    ].join('\n');
    await sameReplies(pair.a, pair.b, [
      ['SET', 'lock', 'token-1'],
      ['EVAL', unlock, '1', 'lock', 'token-2'],
      ['EVAL', unlock, '1', 'lock', 'token-1'],
      ['EXISTS', 'lock'],
      ['EVAL', bucket, '1', 'bucket', '2', '10', '1000', '3'],
      ['EVAL', bucket, '1', 'bucket', '2', '10', '1001', '5'],
      ['EVAL', bucket, '1', 'bucket', '2', '10', '1002', '5'],
      ['EVAL', bucket, '1', 'bucket', '2', '10', '1010', '1'],
      ['HGETALL', 'bucket'],
      ['EVAL', job, '2', 'jobid', 'job:', 'email', '{"n":7}'],
      ['EVAL', job, '2', 'jobid', 'job:', 'sms', '{"n":8.5}'],
    ]);
  });

  it('no way out: every escape route is refused as Redis refuses it', async () => {
    await sameReplies(
      pair.a,
      pair.b,
      evals([
        'return os', 'return io', 'return package', "return require('os')", "return dofile('/etc/passwd')", "return loadfile('/etc/passwd')", 'return debug',
        'return print', 'return module', 'return getfenv', 'return setfenv', 'return newproxy',
        "return loadstring('\\27Lua')", "return type(loadstring('return 1'))", "return loadstring('return 1')()", 'return getmetatable(_G)',
        "return getmetatable('').__index == string", "getmetatable('').__index = {}", 'setmetatable(_G, nil)', 'return rawget(_G, "os")',
        "local t = {} for k in pairs(_G) do if k ~= '__redis__err__handler' then t[#t + 1] = k end end table.sort(t) return t", 'return _G._G == _G', "return pcall(function() return os.execute('id') end)",
        'return collectgarbage("count") > 0',
      ]),
    );
  });

  it('string.dump gives a string with a 5.1 binary-chunk header that no loader accepts (Redis: real bytecode, refused the same way)', async () => {
    await sameReplies(
      pair.a,
      pair.b,
      evals([
        'return type(string.dump(function() end))',
        'return string.sub(string.dump(function() end), 1, 4)',
        'return {string.byte(string.dump(function() return 1 end), 1, 12)}',
        'return loadstring(string.dump(function() return 1 end))()',
        'return {pcall(loadstring(string.dump(function() return 1 end)))}',
        'return select(2, loadstring(string.dump(function() return 1 end)))',
        'return load(string.dump(function() return 1 end))',
        'return string.dump(tostring)',
      ]),
    );
  });

  it('XREAD and XREADGROUP with BLOCK are refused from scripts and functions (not run non-blocking as in MULTI)', async () => {
    const lib = "#!lua name=xrb\nredis.register_function('xrb', function(keys, args) return redis.pcall('xread', 'BLOCK', 0, 'STREAMS', 's', '$') end)";
    await sameReplies(pair.a, pair.b, [
      ['DEL', 's'],
      ['XADD', 's', '1-1', 'f', 'v'],
      ['XGROUP', 'CREATE', 's', 'g', '$'],
      ...evals([
        "return redis.pcall('xread', 'STREAMS', 's', '0')",
        "return redis.pcall('xread', 'BLOCK', 0, 'STREAMS', 's', '$')",
        "return redis.call('xread', 'BLOCK', 0, 'STREAMS', 's', '$')",
        "return redis.pcall('XRead', 'COUNT', 1, 'BLOCK', 10, 'STREAMS', 's', '0')",
        "return redis.pcall('xread', 'BLOCK', -1, 'STREAMS', 's', '$')",
        "return redis.pcall('xread', 'BLOCK', 'abc', 'STREAMS', 's')",
        "return redis.pcall('xread', 'COUNT', 'x', 'BLOCK', 0, 'STREAMS', 's', '$')",
        "return redis.pcall('xreadgroup', 'group', 'g', 'c', 'STREAMS', 's', '>')",
        "return redis.pcall('xreadgroup', 'group', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>')",
        "return redis.pcall('XREADGROUP', 'group', 'nogroup', 'c', 'BLOCK', 0, 'STREAMS', 's', '>')",
      ]),
      ['FUNCTION', 'LOAD', 'REPLACE', lib],
      ['FCALL', 'xrb', '0'],
      ['FUNCTION', 'DELETE', 'xrb'],
      ['MULTI'],
      ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'],
      ['EXEC'],
    ]);
  });

  it('state does not leak between EVAL calls', async () => {
    await sameReplies(
      pair.a,
      pair.b,
      evals(['local x = 1 return x', 'return x', 'a = 1', 'return a', "return pcall(function() string.x = 1 end)", 'return string.x']),
    );
  });
});

describe("a script's time", () => {
  it('is the reading that started its command (Clock.at), not a later read of the clock', async () => {
    // A clock whose at() (the command's start, from the reading that times it) is a second after
    // now(): a key due in between is alive for plain commands and expired for a script.
    const base = 1_800_000_000_000;
    const clock: Clock = { now: () => base, at: () => base + 1000 };
    const t = await startServer({}, clock);
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
      assert.equal(await c.call('PEXPIREAT', 'k', String(base + 500)), ':1\r\n');
      assert.equal(await c.call('EXISTS', 'k'), ':1\r\n');
      assert.equal(await c.call('EVAL', "return redis.call('EXISTS', KEYS[1])", '1', 'k'), ':0\r\n');
    } finally {
      c.close();
      await t.close();
    }
  });
});

describe('a script held by CLIENT PAUSE', () => {
  it('starts when the pause ends: its keys expire as of then, not as of when it arrived', async () => {
    const t = await startServer({ 'enable-debug-command': 'yes' });
    const a = await RawConn.connect(t.port);
    const b = await RawConn.connect(t.port);
    try {
      // Nothing deletes the key meanwhile: only its time decides what the script sees.
      assert.equal(await a.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), '+OK\r\n');
      assert.equal(await a.call('SET', 'k', 'v', 'PX', '100'), '+OK\r\n');
      assert.equal(await a.call('CLIENT', 'PAUSE', '400', 'ALL'), '+OK\r\n');
      // Held until the pause times out, 300 ms after the key's time.
      assert.equal(await b.call('EVAL', "return redis.call('EXISTS', KEYS[1])", '1', 'k'), ':0\r\n');
      // Nor does its time include the pause (400 ms).
      const usec = Number(/cmdstat_eval:calls=1,usec=(\d+),/.exec(await a.call('INFO', 'commandstats'))?.[1]);
      assert.ok(usec < 200_000, `EVAL took ${usec} us by its stats`);
    } finally {
      a.close();
      b.close();
      await t.close();
    }
  });
});

describe('runaway scripts', () => {
  let t: TestServer;
  let a: RawConn;
  let b: RawConn;
  before(async () => {
    t = await startServer({ 'busy-reply-threshold': '20', 'enable-debug-command': 'yes' });
    a = await RawConn.connect(t.port);
    b = await RawConn.connect(t.port);
  });
  after(async () => {
    a?.close();
    b?.close();
    await t?.close();
  });

  it('past busy-reply-threshold others get BUSY, SCRIPT KILL stops a script that did not write', async () => {
    a.send('EVAL', 'local i = 0 while true do i = i + 1 end', '0');
    let reply = '';
    await waitFor(async () => (reply = await b.call('PING')).startsWith('-BUSY'), 10000, 'BUSY while the script runs');
    assert.equal(reply, '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
    assert.equal(await b.call('SCRIPT', 'KILL'), '+OK\r\n');
    assert.match(await a.reply(), /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
    assert.equal(await b.call('PING'), '+PONG\r\n');
    assert.equal(await a.call('PING'), '+PONG\r\n');
    assert.equal(await b.call('SCRIPT', 'KILL'), '-NOTBUSY No scripts in execution right now.\r\n');
  });

  it('a command allowed while busy does not serve a client blocked on a key the script pushed to: the script ends first', async () => {
    const c = await RawConn.connect(t.port);
    try {
      c.send('BLPOP', 'bq', '0');
      await waitFor(async () => /blocked_clients:1/.test(await b.call('INFO', 'clients')), 10000, 'BLPOP to block');
      assert.equal(await b.call('DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1'), '+OK\r\n');
      a.send(
        'EVAL',
        "redis.call('lpush', KEYS[1], 'y') while not string.find(redis.call('client', 'list'), 'abortscript') do end redis.call('lpush', KEYS[1], 'z') return 1",
        '1',
        'bq',
      );
      await waitFor(async () => (await b.call('PING')).startsWith('-BUSY'), 10000, 'BUSY while the script runs');
      // HELLO may run while busy; it must not hand 'y' to the blocked client before the script ends.
      assert.match(await b.call('HELLO', '2', 'SETNAME', 'abortscript'), /^\*14\r\n/);
      assert.equal(await a.reply(), ':1\r\n');
      assert.equal(await c.reply(), '*2\r\n$2\r\nbq\r\n$1\r\nz\r\n');
    } finally {
      c.close();
      await b.call('DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '0');
      await b.call('CLIENT', 'SETNAME', '');
      await b.call('DEL', 'bq');
    }
  });

  it('a suspended script whose caller disconnects still ends: the server is not left BUSY', async () => {
    const gone = await RawConn.connect(t.port);
    gone.send('EVAL', 'local i = 0 while i < 4e7 do i = i + 1 end return i', '0');
    await waitFor(async () => (await b.call('PING')).startsWith('-BUSY'), 10000, 'BUSY while the script runs');
    gone.close();
    await waitFor(async () => (await b.call('PING')) === '+PONG\r\n', 30000, 'the script to end and the server to answer');
    assert.equal(await b.call('SCRIPT', 'KILL'), '-NOTBUSY No scripts in execution right now.\r\n');
  });

  it('a script that wrote cannot be killed (UNKILLABLE); one that ends replies normally', async () => {
    a.send('EVAL', "redis.call('set', 'w', '1') local i = 0 while i < 3e7 do i = i + 1 end return i", '0');
    await waitFor(async () => (await b.call('PING')).startsWith('-BUSY'), 10000, 'BUSY while the script runs');
    assert.match(await b.call('SCRIPT', 'KILL'), /^-UNKILLABLE Sorry the script already executed write commands/);
    assert.equal(await a.reply(), ':30000000\r\n');
    assert.equal(await b.call('GET', 'w'), '$1\r\n1\r\n');
  });
});

describe('a long script inside EXEC', () => {
  it('is suspended past busy-reply-threshold like any script: others get BUSY, SCRIPT KILL stops it, EXEC goes on with its queue as one unit', async () => {
    const t = await startServer({ 'busy-reply-threshold': '10' });
    const a = await RawConn.connect(t.port);
    const b = await RawConn.connect(t.port);
    const units: string[][] = [];
    t.server.propagator.setSink('repl', (ops) => units.push(ops.map((o) => o.argv.join(' '))));
    try {
      for (const cmd of [['MULTI'], ['SET', 'x1', 'a'], ['EVAL', 'while true do end', '0'], ['SET', 'x2', 'b']]) a.send(...cmd);
      for (const r of ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '+QUEUED\r\n']) assert.equal(await a.reply(), r);
      a.send('EXEC');
      a.send('GET', 'x2');
      await waitFor(async () => (await b.call('PING')).startsWith('-BUSY'), 10000, 'BUSY while the script runs');
      assert.equal(await b.call('SCRIPT', 'KILL'), '+OK\r\n');
      const exec = await a.reply();
      assert.match(exec, /^\*3\r\n\+OK\r\n-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n\+OK\r\n/);
      // The command sent after EXEC ran after the whole transaction.
      const rest = exec.slice(exec.lastIndexOf('+OK\r\n') + 5) || (await a.reply());
      assert.equal(rest, '$1\r\nb\r\n');
      assert.deepEqual(units, [['SET x1 a', 'SET x2 b']]);
      assert.equal(await b.call('PING'), '+PONG\r\n');
    } finally {
      a.close();
      b.close();
      await t.close();
    }
  });

  it('a client blocked on a key a suspended script in EXEC pushed to is served after the whole EXEC', async () => {
    const t = await startServer({ 'busy-reply-threshold': '10' });
    const a = await RawConn.connect(t.port);
    const w = await RawConn.connect(t.port);
    try {
      w.send('BLPOP', 'q', '0');
      await waitFor(() => [...t.server.clients.values()].some((c) => c.blockedArgv !== null), 5000, 'BLPOP to block');
      for (const cmd of [['MULTI'], ['EVAL', "redis.call('rpush', 'q', 'first') local i = 0 while i < 2e7 do i = i + 1 end return 1", '0'], ['RPUSH', 'q', 'second'], ['LPOP', 'q'], ['EXEC']]) a.send(...cmd);
      for (const r of ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '+QUEUED\r\n']) assert.equal(await a.reply(), r);
      // Inside the transaction LPOP takes 'first'; the blocked client gets 'second' afterwards.
      assert.equal(await a.reply(20000), '*3\r\n:1\r\n:2\r\n$5\r\nfirst\r\n');
      assert.equal(await w.reply(), '*2\r\n$1\r\nq\r\n$6\r\nsecond\r\n');
    } finally {
      a.close();
      w.close();
      await t.close();
    }
  });

  it('EXEC replies in order when a script in it runs past busy-reply-threshold', async () => {
    const t = await startServer({ 'busy-reply-threshold': '10' });
    const a = await RawConn.connect(t.port);
    try {
      assert.equal(await a.call('MULTI'), '+OK\r\n');
      assert.equal(await a.call('EVAL', 'local i = 0 while i < 2e7 do i = i + 1 end return i', '0'), '+QUEUED\r\n');
      assert.equal(await a.call('PING'), '+QUEUED\r\n');
      assert.equal(await a.call('EXEC'), '*2\r\n:20000000\r\n+PONG\r\n');
    } finally {
      a.close();
      await t.close();
    }
  });
});

describe('SHUTDOWN NOSAVE during a runaway script (real process)', () => {
  it('stops the server', async () => {
    const s = await startRedoubtProcess(['--busy-reply-threshold', '20', '--save', '']);
    const a = await RawConn.connect(s.port);
    const b = await RawConn.connect(s.port);
    try {
      a.send('EVAL', "redis.call('set', 'w', '1') while true do end", '0');
      await waitFor(async () => (await b.call('PING')).startsWith('-BUSY'), 10000, 'BUSY while the script runs');
      assert.match(await b.call('SHUTDOWN'), /^-BUSY/);
      // The moment the connection that asked is closed, the listening socket is closed too: a new
      // connection is refused, not accepted and dropped (as once Redis has exited).
      const refused = new Promise<string>((resolve) => {
        b.socket.once('end', () => {
          const sock = net.connect(s.port, '127.0.0.1');
          sock.on('connect', () => (sock.destroy(), resolve('accepted')));
          sock.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        });
      });
      b.send('SHUTDOWN', 'NOSAVE');
      assert.equal(await refused, 'ECONNREFUSED');
      await waitFor(() => s.proc.exitCode !== null, 10000, 'the process to exit');
    } finally {
      a.close();
      b.close();
      await s.kill();
    }
  });
});

describe('script-max-memory (beyond Redis)', () => {
  let t: TestServer;
  let c: RawConn;
  before(async () => {
    t = await startServer({ 'script-max-memory': '32mb' });
    c = await RawConn.connect(t.port);
  });
  after(async () => {
    c?.close();
    await t?.close();
  });

  it('a script filling a table is stopped past the cap; the server and its data stay', async () => {
    assert.equal(await c.call('SET', 'keep', 'me'), '+OK\r\n');
    const reply = await c.call('EVAL', "local t = {} while true do t[#t + 1] = string.rep('x', 1000) .. #t end", '0');
    assert.match(reply, /^-ERR Script used more than script-max-memory \(33554432 bytes\) and was stopped script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
    assert.equal(await c.call('GET', 'keep'), '$2\r\nme\r\n');
    assert.equal(await c.call('EVAL', 'return 1', '0'), ':1\r\n');
  });

  it('pcall cannot catch the cap', async () => {
    const reply = await c.call('EVAL', "local ok = pcall(function() local t = {} while true do t[#t + 1] = string.rep('y', 1000) .. #t end end) return 'caught'", '0');
    assert.match(reply, /^-ERR Script used more than script-max-memory/);
  });

  it('one string longer than the cap, or than the host can hold, is "not enough memory"', async () => {
    assert.match(await c.call('EVAL', "return string.rep('x', 64 * 1024 * 1024)", '0'), /^-ERR user_script:1: not enough memory script: /);
    assert.match(await c.call('EVAL', "local s = 'x' while true do s = s .. s end", '0'), /^-ERR user_script:1: not enough memory script: |^-ERR Script used more than script-max-memory/);
    assert.equal(await c.call('PING'), '+PONG\r\n');
  });
});

describe('script-max-memory against a real process', () => {
  it('a stranger\'s table-filling EVAL is stopped; the process stays small and keeps serving', async () => {
    const s = await startRedoubtProcess(['--script-max-memory', '64mb', '--save', '']);
    const c = await RawConn.connect(s.port);
    try {
      const rss = (): number => Number(readFileSync(`/proc/${s.proc.pid}/statm`, 'utf8').split(' ')[1]) * 4096;
      assert.equal(await c.call('SET', 'keep', 'me'), '+OK\r\n');
      const before = rss();
      const reply = await c.call('EVAL', "local t = {} while true do t[#t + 1] = string.rep('z', 4096) .. #t end", '0');
      assert.match(reply, /^-ERR Script used more than script-max-memory \(67108864 bytes\) and was stopped script: /);
      // Without the cap the loop grows until the process dies; with it, growth stays near the cap.
      assert.ok(rss() - before < 512 * 1024 * 1024, `RSS grew by ${rss() - before} bytes`);
      assert.equal(await c.call('GET', 'keep'), '$2\r\nme\r\n');
      assert.equal(await c.call('EVAL', 'return 1', '0'), ':1\r\n');
      assert.equal(s.proc.exitCode, null);
    } finally {
      c.close();
      await s.kill();
    }
  });
});

