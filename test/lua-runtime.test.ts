// The Lua engine's compiler, runtime and base library (src/scripting/lua): semantics and error
// messages as Lua 5.1 in redis-server 7.0.15 has them (a differential run over snippets asks a live
// redis-server when there is one), the budget driver (suspend, kill), stack overflow and speed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../src/scripting/lua/compile.js';
import { parse } from '../src/scripting/lua/parser.js';
import { LuaRun, runScript, setStringMetatable } from '../src/scripting/lua/runtime.js';
import { stringLibrary } from '../src/scripting/lua/lib/string.js';
import { openBase } from '../src/scripting/lua/lib/base.js';
import { LuaError, LuaTable, type LuaResults, type LuaValue } from '../src/scripting/lua/value.js';
import type { Chunk } from '../src/scripting/lua/ast.js';
import { haveRedis, parseReply, referenceRedis } from './helpers.js';

function newEnv(): LuaTable {
  const env = new LuaTable();
  openBase(env);
  const string = stringLibrary();
  env.set('string', string);
  const mt = new LuaTable();
  mt.set('__index', string);
  setStringMetatable(mt);
  return env;
}

function run(src: string, args: LuaValue[] = [], env = newEnv()): LuaResults {
  return runScript(compile(parse(src, 'user_script'), env), args);
}

function runError(src: string): LuaValue {
  try {
    run(src);
  } catch (e) {
    assert.ok(e instanceof LuaError, `not a LuaError: ${String(e)}`);
    return e.value;
  }
  assert.fail(`no error from ${src}`);
}

// Serializes any results to one string, in Lua, so both engines print the same thing.
const SER =
  "local function S(...) local n = select('#', ...) local o = tostring(n) .. ':' " +
  "for i = 1, n do o = o .. ' | ' .. tostring((select(i, ...))) end return o end ";

/** Snippets: `return S(<snippet>)` must print the same on both engines. */
const SNIPPETS: string[] = [
  // arithmetic, coercion, numbers printed as %.14g
  "1 + 2, 10 / 4, 7 % 3, -7 % 3, 7 % -3, 5.5 % 2, 2 ^ 10, -2 ^ 2, 1 / 0, -1 / 0, 0 / 0 ~= 0 / 0",
  "'10' + 1, '0x10' + 0, ' 5 ' * 2, 10 .. 1, 1e15 .. '', 2^53 .. '', 1e100, 0.1 + 0.2",
  "'3' * '4', -'2', 10 - '2.5', '1e2' / 4",
  // string to number as C's strtod: hex exponents, subnormals, long mantissas, a NUL ends the string
  "tonumber('0x0p99999'), tonumber('0x3p-1076') > 0, tonumber('0x100p-1080') > 0, 0x0p99999, tonumber('0x1.' .. string.rep('0', 300))",
  "tonumber('0x1.0000000000000800000000001p0') > 1, tonumber('1\\0x'), '2\\0x' * 2, string.rep('a', '2\\0x')",
  // luaL_checkint: the double cast to ptrdiff_t, then to int
  "select(2^32 + 2, 'a', 'b', 'c'), pcall(select, 0/0, 'a'), unpack({1, 2, 3}, 1, 2^32 + 1), tonumber('10', 2^32 + 16)",
  // comparison, equality, logic
  "1 < 2, 'a' < 'b', 'abc' < 'abd', 'Z' < 'a', '' < 'a', 1 == 1.0, '1' == 1, nil == false",
  "1 and 2, nil and 1, false or 'x', nil or false, 1 or error('no'), not nil, not 0",
  // multiple results, varargs, truncation
  "(function(...) return select('#', ...) end)(1, nil, 3, nil)",
  "(function(...) return ... end)(1, 2, 3)",
  "((function() return 1, 2 end)())",
  "(function() return 1, 2 end)(), 10",
  "select(-1, 1, 2, 3), select(2, 'a', 'b', 'c')",
  "select('#', (function() end)())",
  // multiple assignment
  "(function() local a, b, c = 1, 2 return a, b, c end)()",
  "(function() local a, b = 1, 2 a, b = b, a return a, b end)()",
  "(function() local t, i = {}, 1 i, t[i] = i + 1, 20 return i, t[1], t[2] end)()",
  "(function() local a, b, c = (function() return 1, 2, 3 end)() return a, b, c end)()",
  // closures per iteration
  "(function() local fs = {} for i = 1, 3 do fs[i] = function() return i end end return fs[1](), fs[2](), fs[3]() end)()",
  "(function() local fs = {} for _, v in ipairs({'a', 'b'}) do fs[#fs + 1] = function() return v end end return fs[1](), fs[2]() end)()",
  "(function() local fs, i = {}, 0 while i < 3 do i = i + 1 local j = i fs[i] = function() j = j + 10 return j end end return fs[1](), fs[1](), fs[2]() end)()",
  // loops
  "(function() local s = 0 for i = 10, 1, -2 do s = s + i end return s end)()",
  "(function() local s = 0 for i = 1, 3 do local i = i * 2 s = s + i end return s end)()",
  "(function() local n = 0 for i = 1, 0 do n = n + 1 end return n end)()",
  "(function() local n = 0 for i = '1', '3' do n = n + i end return n end)()",
  "(function() local n = 0 for i = 1, 2, 0.5 do n = n + 1 end return n end)()",
  "(function() local x = 0 repeat local y = x x = x + 1 until y >= 3 return x end)()",
  "(function() local x = 0 while true do x = x + 1 if x > 5 then break end end return x end)()",
  // tables, length, next, pairs order
  "#{1, 2, 3}, #{1, 2, nil}, #{nil, nil, 3}, #{n = 1}, #'abc'",
  "(function() local t = {10, 20, 30, x = 1} local o = '' for k, v in pairs(t) do o = o .. k .. '=' .. v .. ' ' end return o end)()",
  "(function() local t = {} for i = 1, 10 do t['k' .. i] = i end local n = 0 for k, v in pairs(t) do t[k] = nil n = n + v end return n, next(t) end)()",
  "(function() local t = {[1] = 5, 10} return t[1] end)()",
  "(function() local t = {1, 2, 3} t[5] = 5 return #t, t[4], t[5] end)()",
  "next({}), type(next({1})), rawequal('a', 'a'), rawequal({}, {})",
  "unpack({1, 2, 3}), unpack({1, 2, 3}, 2), unpack({1, 2, 3}, 2, 5)",
  // metatables
  "setmetatable({}, {__index = function(t, k) return k .. '!' end}).foo",
  "setmetatable({}, {__index = {a = 1}}).a, rawget(setmetatable({}, {__index = {a = 1}}), 'a')",
  "(function() local log = {} local t = setmetatable({}, {__newindex = function(t, k, v) rawset(t, k, v * 2) end}) t.x = 2 return t.x end)()",
  "setmetatable({}, {__add = function(a, b) return 42 end}) + 1, 1 + setmetatable({}, {__add = function(a, b) return 43 end})",
  "-setmetatable({}, {__unm = function(a) return 'neg' end})",
  "setmetatable({}, {__concat = function(a, b) return 'cat' end}) .. 'x', 'x' .. setmetatable({}, {__concat = function(a, b) return type(a) end})",
  "(function() local mt = {__eq = function() return true end} return setmetatable({}, mt) == setmetatable({}, mt), setmetatable({}, mt) == setmetatable({}, {__eq = mt.__eq}) end)()",
  "(function() local mt = {__lt = function(a, b) return true end} local a, b = setmetatable({}, mt), setmetatable({}, mt) return a < b, a > b, a <= b end)()",
  "setmetatable({}, {__call = function(self, x) return x * 2 end})(21)",
  "tostring(setmetatable({}, {__tostring = function() return 'T' end}))",
  "getmetatable(setmetatable({}, {__metatable = 'locked'})), pcall(setmetatable, setmetatable({}, {__metatable = 1}), {})",
  "#setmetatable({1, 2}, {__len = function() return 99 end})",
  // tostring / tonumber
  "tostring(nil), tostring(true), tostring(1/0), tostring(-1/0), tostring(-0), tostring(1e100), tostring(2^63)",
  "tonumber('0x10'), tonumber('  10  '), tonumber('1e'), tonumber('0x'), tonumber('1 2'), tonumber(''), tonumber('-0x10'), tonumber('.5'), tonumber('5.')",
  "tonumber('10', 16), tonumber('0x10', 16), tonumber('  ff  ', 16), tonumber('-1', 16), tonumber('z', 36), tonumber('8', 8), tonumber('1e1', 16), tonumber(nil)",
  "pcall(tonumber, '10', 99), pcall(tonumber), type(tostring)",
  "type(1), type('x'), type({}), type(type), type(nil), type(true), type(coroutine.create(function() end))",
  // errors: values, levels, positions
  "pcall(error, 'x'), pcall(error)",
  "pcall(function() error('y') end)",
  "pcall(function() error('z', 0) end)",
  "pcall(function() local function f() error('w', 2) end f() end)",
  "pcall(function() error(12) end)",
  "pcall(function() error() end)",
  "pcall(function() local t = setmetatable({}, {__index = function(t, k) error('idx', 2) end}) return t.x end)",
  "pcall(function() assert(false) end)",
  "pcall(function() assert(nil, 'msg') end)",
  "pcall(function() assert(false, {}) end)",
  "assert(1, 2, 3)",
  "xpcall(function() error('e') end, function(m) return 'H:' .. m end)",
  "xpcall(function() return 1, 2 end, tostring)",
  "pcall(function() local x return x + 1 end)",
  "pcall(function() local x = {} return 1 + x end)",
  "pcall(function() local x = {} return x.y + 1 end)",
  "pcall(function() local x = {y = {}} return 'a' + x.y end)",
  "pcall(function() local a = 'a' return -a end)",
  "pcall(function() local a, b = 'x' return a .. b .. 'y' end)",
  "pcall(function() local a, b = {}, 'x' return a .. b .. 'y' end)",
  "pcall(function() return {} .. 'x' end)",
  "pcall(function() local a return #a end)",
  "pcall(function() return #5 end)",
  "pcall(function() return {} < {} end)",
  "pcall(function() return 1 < nil end)",
  "pcall(function() return 1 > nil end)",
  "pcall(function() return 'x' <= 1 end)",
  "pcall(function() local a return a.b.c end)",
  "pcall(function() local a = {} return a.b.c end)",
  "pcall(function() local a = {} a.b.c = 1 end)",
  "pcall(function() local a = {} a:m() end)",
  "pcall(function() local a a:m() end)",
  "pcall(function() local a = {} a.b() end)",
  "pcall(function() local a = {} a[1]() end)",
  "pcall(function() local t = {} return t[1].x end)",
  "pcall(function() local a = 1 a() end)",
  "pcall(function() local a = 1 local function g() return a() end return g() end)",
  "pcall(function() local a local function g() return a.x end return g() end)",
  "pcall(function() return ('x')() end)",
  "pcall(function() local t = {} t[nil] = 1 end)",
  "pcall(function() local t = {} t[0/0] = 1 end)",
  "pcall(function() return {[nil] = 1} end)",
  "pcall(function() local s = 'x' s.y = 1 end)",
  "pcall(function() local s = 5 return s.y end)",
  "pcall(function() for i = 'a', 2 do end end)",
  "pcall(function() for i = 1, 'x' do end end)",
  "pcall(function() for i = 1, 2, {} do end end)",
  "pcall(function() for k in nil do end end)",
  "pcall(function() local t = {} for k in t do end end)",
  "pcall(next, {}, 'nope')",
  "pcall(select, 0, 1)",
  "pcall(setmetatable, 1, {})",
  "pcall(unpack, {}, 1, 1e8)",
  "pcall(rawset, {}, nil, 1)",
  "pcall(function() local function f() return f() + 1 end return f() end)",
  // loadstring / load
  "loadstring('return 1 + 1')(), loadstring('return ...')(1, 2)",
  "loadstring('x(')",
  "loadstring('x(', '=nm')",
  "loadstring('x(', 'nm')",
  "pcall(loadstring('error(\"e\")'))",
  "pcall(loadstring('local a = 1\\nerror(\"e\")'))",
  "loadstring(string.char(27) .. 'Lua')",
  // string.dump gives an opaque string with a 5.1 binary-chunk header that no loader accepts
  "type(string.dump(function() end)), string.sub(string.dump(function() end), 1, 4), string.byte(string.dump(function() return 1 end), 5, 12)",
  "loadstring(string.dump(function() return 1 end))",
  "loadstring(string.dump(function() return 1 end), '=x')",
  "pcall(loadstring(string.dump(function() return 1 end)))",
  "(function() local s, i = string.dump(function() return 1 end), 0 return load(function() i = i + 1 if i == 1 then return s end end) end)()",
  "pcall(load, 'return 1'), pcall(string.dump, type), pcall(string.dump, 1)",
  "_VERSION, type(collectgarbage('count')), collectgarbage(), type(gcinfo())",
  // coroutines
  "coroutine.resume(coroutine.create(function(a, b) local c = coroutine.yield(a + b) return c * 2 end), 1, 2)",
  "(function() local co = coroutine.create(function(a) local b = coroutine.yield(a) return b * 2 end) local r1, v1 = coroutine.resume(co, 5) local r2, v2 = coroutine.resume(co, 7) return v1, v2, coroutine.status(co), coroutine.resume(co) end)()",
  "coroutine.resume(coroutine.create(function() error('x') end))",
  "pcall(coroutine.wrap(function() error('boom') end))",
  "(function() local g = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end) return g(), g(), g() end)()",
  "(function() local co co = coroutine.create(function() return coroutine.status(co), coroutine.running() == co end) return coroutine.resume(co) end)()",
  "coroutine.running(), pcall(coroutine.create, type)",
  "pcall(coroutine.yield, 1)",
  "(function() local co = coroutine.create(function() pcall(function() coroutine.yield(1) end) return 2 end) return coroutine.resume(co), coroutine.resume(co) end)()",
  // method calls evaluate the object once
  "(function() local n = 0 local o = {m = function(self, x) return x end} local function get() n = n + 1 return o end return get():m(5), n end)()",
];

describe('Lua runtime: semantics', () => {
  it('runs arithmetic with inline fast paths and slow paths', () => {
    assert.deepEqual(run('local a, b = 3, 4 return a + b, a * b, b / a, b % a, a ^ 2, -a'), [7, 12, 4 / 3, 1, 9, -3]);
    assert.deepEqual(run("return '10' + 1, 10 .. 1"), [11, '101']);
  });

  it('passes arguments and varargs', () => {
    assert.deepEqual(run('local a, b = ... return b, a, select("#", ...)', ['x', 'y', 'z']), ['y', 'x', 3]);
  });

  it('runs hand-built trees (the compiler contract, independent of the parser)', () => {
    const decl = { name: 'x', id: 0, captured: false };
    const chunk: Chunk = {
      source: 'user_script',
      localCount: 1,
      main: {
        line: 0,
        name: 'main',
        params: [],
        isVararg: true,
        body: {
          stats: [
            { kind: 'Local', line: 1, decls: [decl], values: [{ kind: 'Number', line: 1, value: 41 }] },
            {
              kind: 'Return',
              line: 2,
              values: [{ kind: 'Binary', line: 2, op: '+', left: { kind: 'Local', line: 2, decl }, right: { kind: 'Number', line: 2, value: 1 } }],
            },
          ],
        },
      },
    };
    assert.deepEqual(runScript(compile(chunk, newEnv()), []), [42]);
  });

  it('generated code names no host identifier', () => {
    // A Lua global named like a JavaScript global reaches only the environment table.
    assert.deepEqual(run('return process, globalThis, Math, require, constructor'), [undefined, undefined, undefined, undefined, undefined]);
    assert.deepEqual(run("local t = {} return t.constructor, t.__proto__"), [undefined, undefined]);
  });

  it('raises positioned errors as Lua 5.1 words them', () => {
    assert.equal(runError('local t = nil\nreturn t.x'), "user_script:2: attempt to index local 't' (a nil value)");
    assert.equal(runError('x()'), "user_script:1: attempt to call global 'x' (a nil value)");
    assert.equal(runError('local t = {}\n\nreturn t.y + 1'), "user_script:3: attempt to perform arithmetic on field 'y' (a nil value)");
    assert.equal(runError("local o = {} o:m()"), "user_script:1: attempt to call method 'm' (a nil value)");
    assert.equal(runError('error("x", 2)'), 'x');
    assert.deepEqual(runError('error({1})') instanceof LuaTable, true);
    const [ok, v] = run('return pcall(function() error({code = 1}) end)');
    assert.equal(ok, false);
    assert.ok(v instanceof LuaTable && v.get('code') === 1);
  });

  it('read-only tables refuse writes with Redis wording', () => {
    const env = newEnv();
    const ro = new LuaTable();
    ro.readonly = true;
    env.set('ro', ro);
    assert.throws(() => run('ro.x = 1', [], env), (e: LuaError) => e.value === 'user_script:1: Attempt to modify a readonly table');
    assert.deepEqual(run("return pcall(rawset, ro, 'x', 1)", [], env), [false, 'Attempt to modify a readonly table']);
  });

  it('turns deep recursion into a Lua "stack overflow" error, catchable by pcall', () => {
    assert.equal(runError('local function f() return f() + 1 end return f()'), 'user_script:1: stack overflow');
    const [ok, msg] = run('return pcall(function() local function f(n) return f(n + 1) + 1 end return f(1) end)');
    assert.equal(ok, false);
    assert.match(String(msg), /stack overflow$/);
    // The engine is usable afterwards.
    assert.deepEqual(run('local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end return f(1000)'), [1000]);
  });
});

describe('Lua runtime: budget driver', () => {
  it('suspends a runaway script and then kills it; pcall cannot catch the kill', () => {
    const fn = compile(parse('local n = 0 while true do n = n + 1 pcall(function() end) end', 'user_script'), newEnv());
    let asked = 0;
    const r = new LuaRun(fn, [], { quantum: 1000, onBudget: () => (++asked <= 2 ? 'continue' : 'suspend') });
    assert.equal(r.step(), undefined);
    assert.equal(r.step(), undefined);
    r.kill();
    assert.throws(() => r.step(), (e: LuaError) => e instanceof LuaError && e.uncatchable);
    assert.ok(asked >= 3);
  });

  it('kill from onBudget is uncatchable by pcall', () => {
    const fn = compile(parse('return pcall(function() while true do end end)', 'user_script'), newEnv());
    assert.throws(
      () => runScript(fn, [], { quantum: 100, onBudget: () => 'kill', killMessage: 'killed' }),
      (e: LuaError) => e.uncatchable && e.value === 'killed',
    );
  });

  it('a budget suspension inside a coroutine passes up to the driver', () => {
    const src = 'local co = coroutine.wrap(function() local s = 0 for i = 1, 20000 do s = s + i end coroutine.yield(s) end) return co()';
    const fn = compile(parse(src, 'user_script'), newEnv());
    let suspensions = 0;
    const r = new LuaRun(fn, [], { quantum: 1000, onBudget: () => 'suspend' });
    let res: LuaResults | undefined;
    while ((res = r.step()) === undefined) suspensions++;
    assert.deepEqual(res, [200010000]);
    assert.ok(suspensions >= 10);
  });

  it('runs a 1e7 numeric loop well under a second', () => {
    const t0 = performance.now();
    assert.deepEqual(run('local s = 0 for i = 1, 1e7 do s = s + i end return s'), [50000005000000]);
    const ms = performance.now() - t0;
    assert.ok(ms < 700, `took ${ms} ms`);
  });
});

describe('Lua runtime: snippets against redis-server 7.0.15', { skip: !haveRedis() }, () => {
  const redis = referenceRedis();

  const norm = (s: string): string => s.replace(/0x[0-9a-f]+/g, '0xADDR');

  for (const snippet of SNIPPETS) {
    it(snippet, async () => {
      const script = `${SER}return S(${snippet})`;
      const want = parseReply(await redis.conn.call('EVAL', script, '0'));
      let got: string;
      try {
        got = String(run(script)[0]);
      } catch (e) {
        got = `ERROR ${e instanceof LuaError ? String(e.value) : String(e)}`;
      }
      const expected = typeof want === 'string' ? want : `ERROR ${JSON.stringify(want)}`;
      assert.equal(norm(got), norm(expected));
    });
  }
});
