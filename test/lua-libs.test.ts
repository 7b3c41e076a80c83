// The bundled Lua libraries (cjson, cmsgpack, bit, struct), called directly as natives.
// Pinned values were observed on redis-server 7.0.15; the differential suite at the end asks a
// live redis-server the same calls (skipped when it is not installed).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LuaError, LuaTable, LuaUserdata, type LuaValue } from '../src/scripting/lua/value.js';
import { cjsonLibrary, cjsonNull } from '../src/scripting/lua/lib/cjson.js';
import { cmsgpackLibrary } from '../src/scripting/lua/lib/cmsgpack.js';
import { bitLibrary } from '../src/scripting/lua/lib/bit.js';
import { structLibrary } from '../src/scripting/lua/lib/struct.js';
import { haveRedis, referenceRedis, replyItems } from './helpers.js';

type Lib = 'cjson' | 'cmsgpack' | 'bit' | 'struct';
const build: Record<Lib, () => LuaTable> = { cjson: cjsonLibrary, cmsgpack: cmsgpackLibrary, bit: bitLibrary, struct: structLibrary };

/** Calls lib.fn with args; returns results or the error text. */
function run(lib: LuaTable, fn: string, ...args: LuaValue[]): LuaValue[] | string {
  const f = lib.get(fn);
  assert.ok(f !== undefined && typeof f === 'object' && 'native' in f && f.native !== null, `${fn} is a native`);
  try {
    return f.native(args);
  } catch (e) {
    if (e instanceof LuaError) return String(e.value);
    throw e;
  }
}

/** A Lua table from an array part and hash entries. */
function T(arr: LuaValue[] = [], hash: [LuaValue, LuaValue][] = []): LuaTable {
  const t = new LuaTable();
  arr.forEach((v, i) => t.set(i + 1, v));
  for (const [k, v] of hash) t.set(k, v);
  return t;
}

function nested(depth: number, key: LuaValue = 1): LuaTable {
  const root = new LuaTable();
  let c = root;
  for (let i = 1; i < depth; i++) {
    const n = new LuaTable();
    c.set(key, n);
    c = n;
  }
  return root;
}

const hex = (s: LuaValue): string =>
  [...(s as string)].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join(' ');
const bytes = (h: string): string => String.fromCharCode(...h.split(' ').map((x) => parseInt(x, 16)));

describe('cjson', () => {
  const cj = cjsonLibrary();
  const enc = (v: LuaValue): LuaValue => {
    const r = run(cj, 'encode', v);
    return typeof r === 'string' ? `error: ${r}` : r[0];
  };
  const dec = (s: string): LuaValue => {
    const r = run(cj, 'decode', s);
    return typeof r === 'string' ? `error: ${r}` : r[0];
  };

  test('encode as redis-server 7.0.15 does', () => {
    assert.equal(enc(T([1, 2, T([], [['a', 3]])])), '[1,2,{"a":3}]');
    assert.equal(enc(T()), '{}');
    assert.equal(enc(T([], [[1, 1], [2, 2], [4, 4]])), '[1,2,null,4]');
    assert.equal(enc(T([], [[1, 1], [10, 2]])), '[1,null,null,null,null,null,null,null,null,2]');
    assert.equal(enc(T([], [[1, 1], [11, 2]])), 'error: Cannot serialise table: excessively sparse array');
    assert.equal(enc(T([], [[2, 1]])), '[null,1]');
    assert.equal(enc(T([], [[0, 1]])), '{"0":1}');
    assert.equal(enc(T([], [[1.5, 1]])), '{"1.5":1}');
    assert.equal(enc(T([], [[1e20, 1]])), '{"1e+20":1}');
    assert.equal(enc(T([], [[2 ** 31, 1]])), '{"2147483648":1}');
    assert.equal(enc(T([], [[2 ** 31 - 1, 1]])), 'error: Cannot serialise table: excessively sparse array');
    assert.equal(enc(T([1], [['a', 2]])), '{"1":1,"a":2}');
    assert.equal(enc(T([], [[true, 1]])), 'error: Cannot serialise boolean: table key must be a number or string');
    assert.equal(enc(T([], [[T(), 1]])), 'error: Cannot serialise table: table key must be a number or string');
    assert.equal(enc(T([], [['f', bitLibrary().get('tobit')]])), 'error: Cannot serialise function: type not supported');
    for (const n of [Infinity, -Infinity, NaN]) assert.equal(enc(n), 'error: Cannot serialise number: must not be NaN or Inf');
    assert.equal(enc(0.1), '0.1');
    assert.equal(enc(-0), '-0');
    assert.equal(enc(1e300), '1e+300');
    assert.equal(enc(1.2345678901234568e17), '1.2345678901235e+17');
    assert.equal(enc(3.14159265358979), '3.1415926535898');
    assert.equal(enc(1e-7), '1e-07');
    assert.equal(enc(cjsonNull), 'null');
    assert.equal(enc(undefined), 'null');
    assert.equal(enc(T([cjsonNull, true, false])), '[null,true,false]');
    assert.equal(enc('a/b"\\\b\t\n\f\r\x00\x01\x1f\x7f\x80\xff'), '"a\\/b\\"\\\\\\b\\t\\n\\f\\r\\u0000\\u0001\\u001f\\u007f\x80\xff"');
    assert.deepEqual(run(cj, 'encode'), "bad argument #1 to 'encode' (expected 1 argument)");
    assert.deepEqual(run(cj, 'encode', 1, 2), "bad argument #1 to 'encode' (expected 1 argument)");
  });

  test('encode nesting: 1000 levels, then the limit; cycles stop there too', () => {
    assert.equal((enc(nested(1000)) as string).length, 2000);
    assert.equal(enc(nested(1001)), 'error: Cannot serialise, excessive nesting (1001)');
    const cyc = new LuaTable();
    cyc.set(1, cyc);
    assert.equal(enc(cyc), 'error: Cannot serialise, excessive nesting (1001)');
    // Raised limits meet Redis's Lua stack: arrays at 7998 levels, objects at 4000.
    const c = cjsonLibrary();
    run(c, 'encode_max_depth', 100000);
    assert.deepEqual(run(c, 'encode', nested(20000)), 'Cannot serialise, excessive nesting (7998)');
    assert.deepEqual(run(c, 'encode', nested(20000, 'a')), 'Cannot serialise, excessive nesting (4000)');
  });

  test('decode values, strings and numbers', () => {
    const t = dec('[[[1]],{"a":[2]}]') as LuaTable;
    assert.equal(((t.get(2) as LuaTable).get('a') as LuaTable).get(1), 2);
    assert.equal(((dec('[true,false,null]') as LuaTable).get(3)), cjsonNull);
    const o = dec('{"a":1,"a":2,"1":3}') as LuaTable;
    assert.equal(o.get('a'), 2);
    assert.equal(o.get('1'), 3);
    assert.equal(o.get(1), undefined);
    assert.equal((dec('[]') as LuaTable).length(), 0);
    assert.equal(hex(dec('"\\uD83D\\uDE00\\u00e9\\u0000\\u20AC"')), 'f0 9f 98 80 c3 a9 00 e2 82 ac');
    assert.equal(hex(dec('"\\uDBFF\\uDFFF\\u07FF\\u0080\\u007f"')), 'f4 8f bf bf df bf c2 80 7f');
    assert.equal(dec('"a\x01\tb"'), 'a\x01\tb');
    assert.equal(dec('"\\/\\"\\\\\\b\\f\\n\\r\\t"'), '/"\\\b\f\n\r\t');
    const nums: [string, number][] = [
      ['0x10', 16], ['-0x10', -16], ['01', 1], ['1.', 1], ['+1', 1], ['1e5', 100000], ['1E+2', 100], ['inf', Infinity],
      ['-Infinity', -Infinity], ['iNf', Infinity], ['0X1p4', 16], ['0x1.8', 1.5], [' 1e400', Infinity], ['-.5', -0.5], ['00', 0],
      ['123456789012345678901234567890', 1.2345678901234568e29], ['0.e1', 0],
    ];
    for (const [s, n] of nums) assert.equal(dec(s), n, s);
    assert.ok(Object.is(dec('-0'), -0));
    assert.ok(Number.isNaN(dec('nan(123)')));
    assert.ok(Number.isNaN(dec('NAN')));
    assert.equal(run(cj, 'decode', 123)[0], 123);
  });

  test('decode errors as cjson words them', () => {
    const errs: [string, string][] = [
      ['', 'Expected value but found T_END at character 1'],
      ['x', 'Expected value but found invalid token at character 1'],
      ['  [1,2', 'Expected comma or array end but found T_END at character 7'],
      ['[1,2,]', 'Expected value but found T_ARR_END at character 6'],
      ['[1 2]', 'Expected comma or array end but found T_NUMBER at character 4'],
      ['{1:2}', 'Expected object key string but found T_NUMBER at character 2'],
      ['{"a" 2}', 'Expected colon but found T_NUMBER at character 6'],
      ['{"a":2,}', 'Expected object key string but found T_OBJ_END at character 8'],
      ['{"a":2 3}', 'Expected comma or object end but found T_NUMBER at character 8'],
      ['1 2', 'Expected the end but found T_NUMBER at character 3'],
      ['{', 'Expected object key string but found T_END at character 2'],
      ['}', 'Expected value but found T_OBJ_END at character 1'],
      [':', 'Expected value but found T_COLON at character 1'],
      [',', 'Expected value but found T_COMMA at character 1'],
      ['"abc', 'Expected value but found unexpected end of string at character 5'],
      ['"a\\qc"', 'Expected value but found invalid escape code at character 3'],
      ['"abc\\', 'Expected value but found invalid escape code at character 5'],
      ['"\\u12"', 'Expected value but found invalid unicode escape code at character 2'],
      ['"\\uD800"', 'Expected value but found invalid unicode escape code at character 2'],
      ['"\\uD800\\u0041"', 'Expected value but found invalid unicode escape code at character 2'],
      ['"\\uDC00"', 'Expected value but found invalid unicode escape code at character 2'],
      ['tru', 'Expected value but found invalid token at character 1'],
      ['truex', 'Expected the end but found invalid token at character 5'],
      ['-', 'Expected value but found invalid number at character 1'],
      ['.5', 'Expected value but found invalid token at character 1'],
      ['1e', 'Expected the end but found invalid token at character 2'],
      ['12abc', 'Expected the end but found invalid token at character 3'],
      ['in', 'Expected value but found invalid token at character 1'],
      ['+x', 'Expected value but found invalid number at character 1'],
      ['-infinit', 'Expected the end but found invalid token at character 5'],
      ['null1', 'Expected the end but found T_NUMBER at character 5'],
      ['truefalse', 'Expected the end but found T_BOOLEAN at character 5'],
      ['\f1', 'Expected value but found invalid token at character 1'],
      ['[1 {', 'Expected comma or array end but found T_OBJ_BEGIN at character 4'],
      ['[1 "s"', 'Expected comma or array end but found T_STRING at character 4'],
      ['[1 null', 'Expected comma or array end but found T_NULL at character 4'],
      ['1 [', 'Expected the end but found T_ARR_BEGIN at character 3'],
      ['[' .repeat(1001) + ']'.repeat(1001), 'Found too many nested data structures (1001) at character 1001'],
      ['{"a":'.repeat(1001), 'Found too many nested data structures (1001) at character 5001'],
    ];
    for (const [s, e] of errs) assert.equal(dec(s), `error: ${e}`, JSON.stringify(s));
    assert.deepEqual(run(cj, 'decode'), "bad argument #1 to 'decode' (expected 1 argument)");
    assert.deepEqual(run(cj, 'decode', T()), "bad argument #1 to 'decode' (string expected, got table)");
    assert.deepEqual(run(cj, 'decode', undefined), "bad argument #1 to 'decode' (string expected, got nil)");
  });

  test('decode_invalid_numbers off: strict JSON numbers only', () => {
    const c = cjsonLibrary();
    run(c, 'decode_invalid_numbers', false);
    for (const s of ['0x10', '01', '-01', '00', '-inf', '-']) assert.deepEqual(run(c, 'decode', s), 'Expected value but found invalid number at character 1', s);
    for (const s of ['inf', 'nan', '+1', 'Infinity']) assert.deepEqual(run(c, 'decode', s), 'Expected value but found invalid token at character 1', s);
    assert.deepEqual(run(c, 'decode', '0.5'), [0.5]);
    assert.deepEqual(run(c, 'decode', '1.'), [1]);
  });

  test('settings: values, validation, effects, and cjson.new independence', () => {
    const c = cjsonLibrary();
    assert.deepEqual(run(c, 'encode_max_depth'), [1000]);
    assert.deepEqual(run(c, 'encode_max_depth', 1.5), [1]);
    assert.deepEqual(run(c, 'encode_max_depth', '3'), [3]);
    assert.deepEqual(run(c, 'encode_max_depth', undefined), [3]);
    assert.deepEqual(run(c, 'encode_max_depth', 1e10), [1410065408]);
    for (const v of [0, 2147483648, -0.5, NaN, Infinity]) {
      assert.deepEqual(run(c, 'encode_max_depth', v), "bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647)");
    }
    assert.deepEqual(run(c, 'encode_max_depth', 'x'), "bad argument #1 to 'encode_max_depth' (number expected, got string)");
    assert.deepEqual(run(c, 'encode_max_depth', 1, 2), "bad argument #2 to 'encode_max_depth' (found too many arguments)");
    assert.deepEqual(run(c, 'decode_max_depth', 0), "bad argument #1 to 'decode_max_depth' (expected integer between 1 and 2147483647)");
    assert.deepEqual(run(c, 'encode_number_precision', 15), "bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)");
    assert.deepEqual(run(c, 'encode_sparse_array'), [false, 2, 10]);
    assert.deepEqual(run(c, 'encode_sparse_array', true, -1), "bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647)");
    assert.deepEqual(run(c, 'encode_sparse_array', true, 2, 3, 4), "bad argument #4 to 'encode_sparse_array' (found too many arguments)");
    assert.deepEqual(run(c, 'encode_sparse_array', 1), "bad argument #1 to 'encode_sparse_array' (invalid option '1')");
    assert.deepEqual(run(c, 'encode_sparse_array', T()), "bad argument #1 to 'encode_sparse_array' (string expected, got table)");
    assert.deepEqual(run(c, 'encode_sparse_array', 'on', 0, 0), [true, 0, 0]);
    assert.deepEqual(run(c, 'encode_invalid_numbers', 'yes'), "bad argument #1 to 'encode_invalid_numbers' (invalid option 'yes')");
    assert.deepEqual(run(c, 'encode_invalid_numbers', 'null'), ['null']);
    assert.deepEqual(run(c, 'decode_invalid_numbers', 'null'), "bad argument #1 to 'decode_invalid_numbers' (invalid option 'null')");
    assert.deepEqual(run(c, 'encode_keep_buffer', 0), "bad argument #1 to 'encode_keep_buffer' (invalid option '0')");
    assert.deepEqual(run(c, 'encode_keep_buffer', false), [false]);

    const e = cjsonLibrary();
    run(e, 'encode_invalid_numbers', true);
    assert.deepEqual(run(e, 'encode', T([Infinity, -Infinity, NaN])), ['[inf,-inf,nan]']);
    run(e, 'encode_invalid_numbers', 'null');
    assert.deepEqual(run(e, 'encode', T([Infinity, NaN])), ['[null,null]']);
    run(e, 'encode_number_precision', 3);
    assert.deepEqual(run(e, 'encode', T([3.14159, 12345, 0.0001234, T([], [[1.2345, 1]])])), ['[3.14,1.23e+04,0.000123,{"1.23":1}]']);
    run(e, 'encode_sparse_array', true);
    assert.deepEqual(run(e, 'encode', T([], [[1, 1], [20, 2]])), ['{"1":1,"20":2}']);
    run(e, 'encode_sparse_array', false, 1, 0);
    assert.deepEqual(run(e, 'encode', T([], [[2, 2]])), 'Cannot serialise table: excessively sparse array');
    run(e, 'encode_max_depth', 2);
    assert.deepEqual(run(e, 'encode', T([T([T()])])), 'Cannot serialise, excessive nesting (3)');
    run(e, 'decode_max_depth', 2);
    assert.deepEqual(run(e, 'decode', '[{"a":{}}]'), 'Found too many nested data structures (3) at character 7');

    const fresh = (run(e, 'new') as LuaValue[])[0] as LuaTable;
    assert.notEqual(fresh, e);
    assert.deepEqual(run(fresh, 'encode_max_depth'), [1000]);
    assert.equal(fresh.get('null'), cjsonNull);
    assert.ok(cjsonNull instanceof LuaUserdata);
    assert.equal(fresh.get('_NAME'), 'cjson');
    assert.equal(fresh.get('_VERSION'), '2.1.0');
  });

  test('hostile input: deep nesting within the raised limits, never a host stack overflow', () => {
    const c = cjsonLibrary();
    run(c, 'decode_max_depth', 100000);
    assert.ok(Array.isArray(run(c, 'decode', '['.repeat(7998) + ']'.repeat(7998))));
    assert.deepEqual(run(c, 'decode', '['.repeat(7999) + ']'.repeat(7999)), 'Found too many nested data structures (7999) at character 7999');
    assert.ok(Array.isArray(run(c, 'decode', '{"a":'.repeat(3999) + '1' + '}'.repeat(3999))));
    assert.deepEqual(run(c, 'decode', '{"a":'.repeat(4000) + '1' + '}'.repeat(4000)), 'Found too many nested data structures (4000) at character 19996');
    assert.equal(typeof run(c, 'decode', '['.repeat(200000)), 'string');
  });

  test('round trips', () => {
    const v = T([1, 'two', T([], [['x', T([true, false, cjsonNull])], ['y', 0.5]]), -3e-9, '\x00\xff/"']);
    const s = (run(cj, 'encode', v) as LuaValue[])[0] as string;
    const back = (run(cj, 'decode', s) as LuaValue[])[0];
    assert.deepEqual(run(cj, 'encode', back), [s]);
  });
});

describe('cmsgpack', () => {
  const mp = cmsgpackLibrary();
  const pack = (...v: LuaValue[]): string => {
    const r = run(mp, 'pack', ...v);
    return typeof r === 'string' ? `error: ${r}` : hex(r[0]);
  };

  test('pack as redis-server 7.0.15 does', () => {
    const cases: [LuaValue, string][] = [
      [0, '00'], [127, '7f'], [128, 'cc 80'], [255, 'cc ff'], [256, 'cd 01 00'], [65535, 'cd ff ff'], [65536, 'ce 00 01 00 00'],
      [4294967295, 'ce ff ff ff ff'], [4294967296, 'cf 00 00 00 01 00 00 00 00'], [2 ** 53, 'cf 00 20 00 00 00 00 00 00'],
      [2 ** 63, 'ca 5f 00 00 00'], [2 ** 64, 'ca 5f 80 00 00'], [-1, 'ff'], [-32, 'e0'], [-33, 'd0 df'], [-128, 'd0 80'],
      [-129, 'd1 ff 7f'], [-32768, 'd1 80 00'], [-32769, 'd2 ff ff 7f ff'], [-2147483648, 'd2 80 00 00 00'],
      [-2147483649, 'd3 ff ff ff ff 7f ff ff ff'], [-(2 ** 63), 'd3 80 00 00 00 00 00 00 00'], [-(2 ** 64), 'ca df 80 00 00'],
      [0.5, 'ca 3f 00 00 00'], [0.1, 'cb 3f b9 99 99 99 99 99 9a'], [-0.5, 'ca bf 00 00 00'], [3.4e38, 'cb 47 ef f9 33 c7 8c df ad'],
      [Infinity, 'ca 7f 80 00 00'], [-Infinity, 'ca ff 80 00 00'], [NaN, 'cb ff f8 00 00 00 00 00 00'], [-0, '00'],
      [2 ** 70, 'ca 62 80 00 00'], ['a', 'a1 61'], ['', 'a0'], [true, 'c3'], [false, 'c2'], [undefined, 'c0'], [cjsonNull, 'c0'],
      [T(), '90'], [T([1, 2]), '92 01 02'], [T([], [['a', 1]]), '81 a1 61 01'], [T([], [[2, 1]]), '81 02 01'],
      [T([], [[1, 1], [3, 3]]), '82 01 01 03 03'], [T([], [[1.5, 1]]), '81 ca 3f c0 00 00 01'], [T([], [[true, 1]]), '81 c3 01'],
[T([1, 2], [['x', 3]]), '83 01 01 02 02 a1 78 03'],
    ];
    for (const [v, h] of cases) assert.equal(pack(v), h, String(v));
    assert.equal(pack(1, 2, 3), '01 02 03');
    assert.equal(pack('x'.repeat(31)).slice(0, 2), 'bf');
    assert.equal(pack('x'.repeat(32)).slice(0, 5), 'd9 20');
    assert.equal(pack('x'.repeat(255)).slice(0, 5), 'd9 ff');
    assert.equal(pack('x'.repeat(256)).slice(0, 8), 'da 01 00');
    assert.equal(pack('x'.repeat(65536)).slice(0, 14), 'db 00 01 00 00');
    assert.equal(pack(T(Array.from({ length: 16 }, (_, i) => i))).slice(0, 8), 'dc 00 10');
    assert.equal(pack(T(Array.from({ length: 65536 }, () => 1))).slice(0, 14), 'dd 00 01 00 00');
    assert.equal(pack(T([], Array.from({ length: 16 }, (_, i) => [`k${i}`, i]))).slice(0, 8), 'de 00 10');
    assert.equal(pack(nested(20)), '91 '.repeat(16) + 'c0');
    assert.equal(pack(nested(20, 'a')), '81 a1 61 '.repeat(16) + 'c0');
    const cyc = new LuaTable();
    cyc.set(1, cyc);
    assert.equal(pack(cyc), '91 '.repeat(16) + 'c0');
    assert.equal(pack(), "error: bad argument #0 to 'pack' (MessagePack pack needs input.)");
  });

  test('unpack, unpack_one and unpack_limit', () => {
    const s = bytes('01 02 03');
    const u = (fn: string, ...a: LuaValue[]): LuaValue[] | string => run(mp, fn, ...a);
    assert.deepEqual(u('unpack', s), [1, 2, 3]);
    assert.deepEqual(u('unpack', ''), []);
    assert.deepEqual(u('unpack', 12), [49, 50]);
    assert.deepEqual(u('unpack_one', s), [1, 1]);
    assert.deepEqual(u('unpack_one', s, 1), [2, 2]);
    assert.deepEqual(u('unpack_one', s, 2), [-1, 3]);
    assert.deepEqual(u('unpack_one', s, 3), [-1]);
    assert.deepEqual(u('unpack_one', s, 4), 'Start offset 4 greater than input length 3.');
    assert.deepEqual(u('unpack_one', s, -1), 'Invalid request to unpack with offset of -1 and limit of 3.');
    assert.deepEqual(u('unpack_one', bytes('01 02'), 2 ** 32 + 1), 'Start offset 1 greater than input length 2.');
    assert.deepEqual(u('unpack_one', ''), [-1]);
    assert.deepEqual(u('unpack_one', bytes('01 cc')), [1, 1]);
    assert.deepEqual(u('unpack_one', bytes('01 cc'), 1), 'Missing bytes in input.');
    assert.deepEqual(u('unpack_one', bytes('01'), 'x'), "bad argument #2 to 'unpack_one' (number expected, got string)");
    assert.deepEqual(u('unpack_limit', s, 2), [2, 1, 2]);
    assert.deepEqual(u('unpack_limit', s, 2, 2), [-1, 3]);
    assert.deepEqual(u('unpack_limit', s, 0), [1, 2, 3]);
    assert.deepEqual(u('unpack_limit', s, 0, 1), [1]);
    assert.deepEqual(u('unpack_limit', s, 0, 3), [-1]);
    assert.deepEqual(u('unpack_limit', s, 3, 1), [-1, 2, 3]);
    assert.deepEqual(u('unpack_limit', s, 5), [-1, 1, 2, 3]);
    assert.deepEqual(u('unpack_limit', s, 1.7, 1.2), [2, 2]);
    assert.deepEqual(u('unpack_limit', s, -1), 'Invalid request to unpack with offset of 0 and limit of 3.');
    assert.deepEqual(u('unpack_limit', s), "bad argument #2 to 'unpack_limit' (number expected, got no value)");
    assert.deepEqual(u('unpack'), "bad argument #1 to 'unpack' (string expected, got no value)");
    assert.deepEqual(u('unpack', bytes('cf ff ff ff ff ff ff ff ff')), [-1]);
    assert.deepEqual(u('unpack', bytes('d3 80 00 00 00 00 00 00 01')), [-(2 ** 63)]);
    assert.deepEqual(u('unpack', bytes('ce ff ff ff ff')), [4294967295]);
    assert.deepEqual(u('unpack', bytes('ca 3d cc cc cd')), [Math.fround(0.1)]);
    assert.deepEqual(u('unpack', bytes('d0 ff d1 ff fe d2 ff ff ff fd e0 f0')), [-1, -2, -3, -32, -16]);
    assert.deepEqual(u('unpack', bytes('d9 02 61 62 da 00 02 63 64 db 00 00 00 01 65')), ['ab', 'cd', 'e']);
    assert.deepEqual(u('unpack', bytes('c0 c0')), [undefined, undefined]);
    const m = (u('unpack', bytes('df 00 00 00 01 01 02')) as LuaValue[])[0] as LuaTable;
    assert.equal(m.get(1), 2);
    assert.deepEqual(u('unpack', bytes('82 c0 01 02 03')), 'table index is nil');
  });

  test('bad and truncated input', () => {
    for (const h of ['c1', 'c4 02 61 62', 'c7 01 01 61', 'd4 01 01']) assert.deepEqual(run(mp, 'unpack', bytes(h)), 'Bad data format in input.', h);
    for (const h of ['cc', '01 cc', 'db ff ff ff ff', 'dd ff ff ff ff', 'df ff ff ff ff', '91', 'cb 00 00', 'a5 61']) {
      assert.deepEqual(run(mp, 'unpack', bytes(h)), 'Missing bytes in input.', h);
    }
    // Declared lengths are not allocated up front: a 4G-element array header fails at once.
    const t0 = Date.now();
    assert.deepEqual(run(mp, 'unpack', bytes('dd ff ff ff ff 01 02')), 'Missing bytes in input.');
    assert.deepEqual(run(mp, 'unpack', bytes('df ff ff ff ff 01 02')), 'Missing bytes in input.');
    assert.ok(Date.now() - t0 < 1000);
  });

  test('hostile nesting: Redis Lua stack budget, never a host stack overflow', () => {
    const depth = (v: LuaValue): number => {
      let d = 0;
      while (v instanceof LuaTable) {
        d++;
        v = v.get(1);
      }
      return d;
    };
    const ok = run(mp, 'unpack', '\x91'.repeat(3999) + '\x01') as LuaValue[];
    assert.equal(depth(ok[0]), 3999);
    assert.deepEqual(run(mp, 'unpack', '\x91'.repeat(4000) + '\x01'), 'stack overflow (in function mp_decode_to_lua_array)');
    assert.deepEqual(run(mp, 'unpack', '\x91'.repeat(100000)), 'stack overflow (in function mp_decode_to_lua_array)');
    const tooMany = 'stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)';
    assert.deepEqual(run(mp, 'unpack', '\x81\x01'.repeat(4000) + '\x01'), tooMany);
    assert.equal((run(mp, 'unpack', '\x81\x01'.repeat(3999) + '\x01') as LuaValue[]).length, 1);
    assert.deepEqual(run(mp, 'unpack', '\x91'.repeat(3999) + '\x81\x01\x01'), tooMany);
    assert.equal((run(mp, 'unpack', '\x01'.repeat(7999)) as LuaValue[]).length, 7999);
    assert.deepEqual(run(mp, 'unpack', '\x01'.repeat(8000)), tooMany);
    assert.equal((run(mp, 'unpack', '\x01'.repeat(7798) + '\x91'.repeat(100) + '\x01') as LuaValue[]).length, 7799);
    assert.deepEqual(run(mp, 'unpack', '\x01'.repeat(7799) + '\x91'.repeat(100) + '\x01'), 'stack overflow (in function mp_decode_to_lua_array)');
    assert.equal((run(mp, 'unpack_limit', '\x01'.repeat(7998), 7998) as LuaValue[]).length, 7999);
    assert.deepEqual(run(mp, 'unpack_limit', '\x01'.repeat(7999), 7999), tooMany);
  });

  test('round trips', () => {
    const values: LuaValue[] = [0, -1, 1e300, 0.1, 2 ** 53, -(2 ** 63), 'x'.repeat(70000), true, false, T([1, T([], [['k', 'v']]), 'z'])];
    const packed = (run(mp, 'pack', ...values) as LuaValue[])[0];
    const back = run(mp, 'unpack', packed) as LuaValue[];
    assert.deepEqual(run(mp, 'pack', ...back), [packed]);
    assert.equal(back[6], 'x'.repeat(70000));
  });
});

describe('bit', () => {
  const b = bitLibrary();
  const one = (fn: string, ...a: LuaValue[]): LuaValue => {
    const r = run(b, fn, ...a);
    return typeof r === 'string' ? r : r[0];
  };

  test('tobit normalises as LuaBitOp does', () => {
    const cases: [number | string, number][] = [
      [2 ** 32 + 1, 1], [0.5, 0], [1.5, 2], [2.5, 2], [-0.5, 0], [-1.5, -2], [2 ** 31, -2147483648], [2 ** 52, 0], [2 ** 53 + 2, 1],
      [2 ** 60 + 3 * 2 ** 20, 12288], [-(2 ** 31) - 1, 2147483647], [1e300, -2013235812], [Infinity, 0], [NaN, 0], ['12', 12],
      ['0x10', 16], [2 ** 51 + 0.5, 0], [2 ** 52 + 1, 0], [2 ** 63, 0], [-(2 ** 63), 0], [2 ** 53 + 1, 0], [2 ** 52 + 2, 1],
      [-(2 ** 52) - 1.5, -8], [3.5, 4], [-2.5, -2], ['  5  ', 5],
    ];
    for (const [v, r] of cases) assert.ok(Object.is(one('tobit', v), r), `tobit(${v})`);
  });

  test('operations', () => {
    assert.equal(one('bnot', 0), -1);
    assert.equal(one('band', 7), 7);
    assert.equal(one('band', 7, 3, 2), 2);
    assert.equal(one('bor', 1, 2, 4, 8), 15);
    assert.equal(one('bxor', 1, 3, 7), 5);
    assert.equal(one('lshift', 1, 31), -2147483648);
    assert.equal(one('lshift', 1, 32), 1);
    assert.equal(one('lshift', 1, 33), 2);
    assert.equal(one('rshift', -1, 28), 15);
    assert.equal(one('arshift', -16, 2), -4);
    assert.equal(one('arshift', -1, 31), -1);
    assert.equal(one('rol', 0x80000001, 1), 3);
    assert.equal(one('ror', 1, 1), -2147483648);
    assert.equal(one('bswap', 0x12345678), 2018915346);
    assert.equal(one('lshift', 1, -1), -2147483648);
    assert.equal(one('rshift', 0x80000000, -31), 1073741824);
    assert.equal(one('rol', 1, 2 ** 32 + 1), 2);
    assert.equal(one('lshift', 3, 1.5), 12);
    assert.equal(one('bswap', -1), -1);
    assert.equal(one('bswap', 0x80), -2147483648);
    assert.equal(one('band'), "bad argument #1 to 'band' (number expected, got no value)");
    assert.equal(one('band', 1, 'x'), "bad argument #2 to 'band' (number expected, got string)");
    assert.equal(one('band', 1, undefined), "bad argument #2 to 'band' (number expected, got nil)");
    assert.equal(one('lshift', 1), "bad argument #2 to 'lshift' (number expected, got no value)");
    assert.equal(one('bnot', T()), "bad argument #1 to 'bnot' (number expected, got table)");
  });

  test('tohex', () => {
    const cases: [LuaValue[], string][] = [
      [[255], '000000ff'], [[-1], 'ffffffff'], [[255, 2], 'ff'], [[255, -2], 'FF'], [[0x1234abcd, -8], '1234ABCD'], [[1, 0], ''],
      [[1, 9], '00000001'], [[1, -9], '00000001'], [[0xabc, 1.5], 'bc'], [[0xabc, -0.5], ''], [[0xabc, 2 ** 32 + 3], 'abc'],
      [[0xabc, -(2 ** 31)], '00000ABC'], [[2 ** 31], '80000000'], [[-(2 ** 31), 3], '000'], [[0x12345678, 4], '5678'],
    ];
    for (const [a, r] of cases) assert.equal(one('tohex', ...a), r, `tohex(${a.join(',')})`);
    assert.equal(one('tohex', 1, 'x'), "bad argument #2 to 'tohex' (number expected, got string)");
  });
});

describe('struct', () => {
  const st = structLibrary();
  const pack = (fmt: string, ...a: LuaValue[]): string => {
    const r = run(st, 'pack', fmt, ...a);
    return typeof r === 'string' ? r : hex(r[0]);
  };
  const unpack = (...a: LuaValue[]): LuaValue[] | string => run(st, 'unpack', ...a);
  const size = (fmt: string): LuaValue => {
    const r = run(st, 'size', fmt);
    return typeof r === 'string' ? r : r[0];
  };

  test('pack', () => {
    const cases: [string, LuaValue[], string][] = [
      ['b', [-1], 'ff'], ['B', [255], 'ff'], ['B', [256], '00'], ['B', [-1], 'ff'], ['b', [200], 'c8'], ['h', [1], '01 00'],
      ['>h', [1], '00 01'], ['<H>H', [1, 1], '01 00 00 01'], ['l', [-2], 'fe ff ff ff ff ff ff ff'], ['L', [2 ** 64], '00 00 00 00 00 00 00 00'],
      ['L', [2 ** 63], '00 00 00 00 00 00 00 80'], ['L', [-1], 'ff ff ff ff ff ff ff ff'], ['l', [2 ** 63], '00 00 00 00 00 00 00 80'],
      ['i', [1], '01 00 00 00'], ['i3', [-2], 'fe ff ff'], ['I3', [2 ** 24 + 5], '05 00 00'], ['i9', [-2], 'fe ff ff ff ff ff ff ff 00'],
      ['>i10', [1], '00 00 00 00 00 00 00 00 00 01'], ['i0', [1], ''], ['T', [5], '05 00 00 00 00 00 00 00'], ['f', [1.5], '00 00 c0 3f'],
      ['>d', [0.1], '3f b9 99 99 99 99 99 9a'], ['s', ['ab'], '61 62 00'], ['c', ['ab'], '61'], ['c0', ['abc'], '61 62 63'],
      ['c2', ['abc'], '61 62'], ['x', [], '00'], ['bxh', [1, 2], '01 00 02 00'], ['!2bd', [1, 2], '01 00 00 00 00 00 00 00 00 40'],
      ['!bd', [1, 2], '01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 40'], ['!16bd', [1, 2], '01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 40'],
      ['!4bi8', [1, 2], '01 00 00 00 02 00 00 00 00 00 00 00'], ['!4bi3', [1, 2], '01 00 00 02 00 00'], ['!b c2 h', [1, 'ab', 2], '01 61 62 00 02 00'],
      ['b', ['12'], '0c'], ['s', [12], '31 32 00'], ['b', [1.7], '01'], ['b', [-1.7], 'ff'], ['B', [-1.7], 'ff'], ['I', [2 ** 32 + 1], '01 00 00 00'],
      ['i', [NaN], '00 00 00 00'], ['I', [-0.5], '00 00 00 00'], ['l', [1e30], '00 00 00 00 00 00 00 00'], ['s', ['a\0b'], '61 00 62 00'],
      ['', [1], ''], ['  b  ', [1], '01'], ['b\0b', [1, 2], '01'], ['c0', [1], '31'], ['I2', [65536 + 258], '02 01'],
    ];
    for (const [f, a, h] of cases) assert.equal(pack(f, ...a), h, `pack(${JSON.stringify(f)}, ${a.join(',')})`);
    const errs: [string, LuaValue[], string][] = [
      ['i33', [1], 'integral size 33 is larger than limit of 32'],
      ['c5', ['abc'], "bad argument #3 to 'pack' (string too short)"],
      ['!3bd', [1, 2], 'alignment 3 is not a power of 2'],
      ['y', [1], "bad argument #1 to 'pack' (invalid format option 'y')"],
      ['=h', [1], "bad argument #1 to 'pack' (invalid format option '=')"],
      ['b3', [1], "bad argument #1 to 'pack' (invalid format option '3')"],
      ['b', [], "bad argument #2 to 'pack' (number expected, got nil)"],
      ['b', ['x'], "bad argument #2 to 'pack' (number expected, got string)"],
      ['s', [T()], "bad argument #2 to 'pack' (string expected, got table)"],
      ['i2i', [1], "bad argument #3 to 'pack' (number expected, got nil)"],
      ['c0', [undefined], "bad argument #2 to 'pack' (string expected, got nil)"],
    ];
    for (const [f, a, e] of errs) assert.equal(pack(f, ...a), e, f);
    assert.deepEqual(run(st, 'pack'), "bad argument #1 to 'pack' (string expected, got no value)");
  });

  test('unpack', () => {
    const ok: [LuaValue[], LuaValue[]][] = [
      [['b', '\xff'], [-1, 2]], [['B', '\xff'], [255, 2]], [['<h>h', '\x01\0\0\x01'], [1, 1, 5]], [['i3', '\xfe\xff\xff'], [-2, 4]],
      [['I3', '\xfe\xff\xff'], [16777214, 4]], [['l', bytes('ff ff ff ff ff ff ff 7f')], [2 ** 63, 9]],
      [['L', bytes('ff ff ff ff ff ff ff ff')], [2 ** 64, 9]], [['l', bytes('ff ff ff ff ff ff ff ff')], [-1, 9]],
      [['i9', bytes('fe ff ff ff ff ff ff ff ff')], [-2, 10]], [['i9', bytes('fe ff ff ff ff ff ff ff 00')], [-2, 10]],
      [['I9', bytes('01 00 00 00 00 00 00 00 01')], [1, 10]], [['>i10', bytes('ff ff 01 00 00 00 00 00 00 00')], [-32768, 11]],
      [['i0', ''], [0, 1]], [['s', 'ab\0cd\0'], ['ab', 4]], [['bc0', '\x02abcd'], ['ab', 4]], [['sc0', '5\0abcdefg'], ['abcde', 8]],
      [['b', '\x01\x02\x03', 2], [2, 3]], [['b', '\x01\x02\x03', 1.9], [1, 2]], [['!bd', bytes('01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 40')], [1, 2, 17]],
      [['xxb', '\x01\x02\x03'], [3, 4]], [['b', 1], [49, 2]], [['!4 b i', bytes('01 00 00 00 02 00 00 00')], [1, 2, 9]], [['', 'abc'], [1]],
      [['c', 'a'], ['a', 2]], [['>I2', '\x01\x02'], [258, 3]], [['<d', bytes('9a 99 99 99 99 99 b9 3f')], [0.1, 9]],
      [['f', bytes('cd cc cc 3d')], [Math.fround(0.1), 5]],
    ];
    for (const [a, r] of ok) assert.deepEqual(unpack(...a), r, JSON.stringify(a));
    const errs: [LuaValue[], string][] = [
      [['s', 'ab'], 'unfinished string in data'],
      [['c2c0', 'abcd'], "format 'c0' needs a previous size"],
      [['c0', 'abcd'], "format 'c0' needs a previous size"],
      [['c9', 'abcd'], "bad argument #2 to 'unpack' (data string too short)"],
      [['b', ''], "bad argument #2 to 'unpack' (data string too short)"],
      [['b', '\x01\x02\x03', 0], "bad argument #3 to 'unpack' (offset must be 1 or greater)"],
      [['b', '\x01\x02\x03', 4], "bad argument #2 to 'unpack' (data string too short)"],
      [['b', '\x01\x02\x03', -1], "bad argument #2 to 'unpack' (data string too short)"],
      [['x', ''], "bad argument #2 to 'unpack' (data string too short)"],
      [['b'], "bad argument #2 to 'unpack' (string expected, got no value)"],
      [['bc0', '\x05ab'], "bad argument #2 to 'unpack' (data string too short)"],
      [['i4', 'abc'], "bad argument #2 to 'unpack' (data string too short)"],
      [['y', 'ab'], "bad argument #1 to 'unpack' (invalid format option 'y')"],
      [['c2147483647', 'ab'], "bad argument #2 to 'unpack' (data string too short)"],
    ];
    for (const [a, e] of errs) assert.deepEqual(unpack(...a), e, JSON.stringify(a));
  });

  test('size', () => {
    const cases: [string, LuaValue][] = [
      ['b', 1], ['!bd', 16], ['i', 4], ['hi3', 5], ['!hi3', 5], ['c5', 5], ['T l L d f x', 37], ['', 0], ['c', 1], ['y', 0], ['bq', 1],
      ['!', 0], ['!1d', 8], ['!8bd', 16], ['!64bd', 16], ['!bxd', 16], ['!bc3d', 16], ['!bfd', 16], ['!bTd', 24], ['<>!2', 0], ['\0', 0],
      ['b3', 1], ['c2147483647', 2147483647], ['c2147483647c2', 2147483649], ['i32', 32],
      ['s', "bad argument #1 to 'size' (option 's' has no fixed size)"], ['c0', "bad argument #1 to 'size' (option 'c0' has no fixed size)"],
      ['!3', 'alignment 3 is not a power of 2'], ['!0b', 'alignment 0 is not a power of 2'], ['!6', 'alignment 6 is not a power of 2'],
      ['i99999999999', 'integral size overflow'], ['c2147483648', 'integral size overflow'], ['!2147483648', 'integral size overflow'],
      ['i33', 'integral size 33 is larger than limit of 32'],
    ];
    for (const [f, r] of cases) assert.equal(size(f), r, JSON.stringify(f));
  });

  test('round trips', () => {
    const fmt = '>!4 b B h H l i3 I5 f d s c3 c0 T';
    const vals: LuaValue[] = [-5, 200, -300, 60000, -(2 ** 40), -70000, 2 ** 39, 1.5, Math.PI, 'zero-terminated', 'abc', 'rest', 77];
    const packed = (run(st, 'pack', fmt, ...vals) as LuaValue[])[0] as string;
    const back = run(st, 'unpack', fmt.replace('c0', 'c4'), packed) as LuaValue[];
    assert.deepEqual(back.slice(0, -1), vals);
    assert.equal(back[back.length - 1], packed.length + 1);
  });
});

// ---- differential: the same calls on a live redis-server 7.0.15 ----

/** A Lua expression for a value built in JavaScript. */
function lua(v: LuaValue): string {
  if (v === undefined) return 'nil';
  if (v === cjsonNull) return 'cjson.null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '(0/0)';
    if (!Number.isFinite(v)) return v > 0 ? '(1/0)' : '(-1/0)';
    return Object.is(v, -0) ? '(-0)' : `(${v})`;
  }
  if (typeof v === 'string') return '"' + [...v].map((c) => `\\${c.charCodeAt(0)}`).join('') + '"';
  if (v instanceof LuaTable) {
    const parts: string[] = [];
    v.arr.forEach((x, i) => parts.push(`[${i + 1}]=${lua(x)}`));
    if (v.hash !== null) for (const [k, x] of v.hash) parts.push(`[${lua(k)}]=${lua(x)}`);
    return `{${parts.join(',')}}`;
  }
  throw new Error('no Lua literal for this value');
}

/** Results as tagged text, both sides alike: s:<hex>, n:<%.17g>, b:, nil, t, u. */
function tag(v: LuaValue): string {
  if (v === undefined) return 'nil';
  if (typeof v === 'string') return 's:' + hex(v);
  if (typeof v === 'number') return Number.isNaN(v) ? 'n:nan' : `n:${v}`;
  if (typeof v === 'boolean') return `b:${v}`;
  return v instanceof LuaTable ? 't' : 'u';
}

const LUA_TAGGER = `
local function hx(s) local r = {} for i = 1, #s do r[i] = string.format('%02x', s:byte(i)) end return table.concat(r, ' ') end
local function tag(v)
  local t = type(v)
  if t == 'nil' then return 'nil' elseif t == 'string' then return 's:' .. hx(v)
  elseif t == 'number' then if v ~= v then return 'n:nan' end return 'n:' .. string.format('%.17g', v)
  elseif t == 'boolean' then return 'b:' .. tostring(v) elseif t == 'table' then return 't' else return 'u' end
end
local function f() return CALL end
local r = {pcall(f)}
local n = select('#', pcall(f))
local out = {}
if not r[1] then return {'error', string.gsub(r[2], '^user_script:%d+: ', '')} end
for i = 2, n do out[#out + 1] = tag(r[i]) end
return out`;

function jsNumberText(s: string): string {
  if (s === 'n:nan' || s === 'n:-nan') return 'n:nan';
  const m = /^n:(.*)$/.exec(s);
  if (m === null) return s;
  const x = m[1]!;
  const n = x === 'inf' ? Infinity : x === '-inf' ? -Infinity : Number(x);
  return `n:${n}`;
}

describe('bundled libraries vs redis-server 7.0.15', { skip: haveRedis() ? false : 'redis-server not installed: differential tests skipped' }, () => {
  const redis = referenceRedis();

  const cases: [Lib, string, LuaValue[]][] = [];
  const add = (lib: Lib, fn: string, ...args: LuaValue[]): void => void cases.push([lib, fn, args]);
  // Pseudo-random tables and numbers, the same every run.
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const numbers = [0, 1, -1, 0.5, 1e-300, 1e300, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53, 2 ** 63, -(2 ** 63), 1 / 3, -2.5, 123456.789, 1e15, 1e16, 65535, 65536, -32769, 3.4028234663852886e38];
  const strings = ['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'héllo', '\x00\x01\x7f\x80\xff', '"\\/', 'y'.repeat(300)];
  const randomValue = (d: number): LuaValue => {
    const r = rnd();
    if (r < 0.3) return numbers[Math.floor(rnd() * numbers.length)];
    if (r < 0.5) return strings[Math.floor(rnd() * strings.length)];
    if (r < 0.6 || d > 3) return rnd() < 0.5;
    const n = Math.floor(rnd() * 5);
    // Maps get one key at most: Lua's hash order is not insertion order.
    return rnd() < 0.5 ? T(Array.from({ length: n }, () => randomValue(d + 1))) : T([], n > 0 ? [[`k${n}`, randomValue(d + 1)]] : []);
  };
  for (const v of [...numbers, ...strings, true, false, T(), cjsonNull]) {
    add('cjson', 'encode', v);
    add('cmsgpack', 'pack', v);
  }
  for (let i = 0; i < 40; i++) {
    const v = randomValue(0);
    add('cjson', 'encode', v);
    add('cmsgpack', 'pack', v);
    add('cmsgpack', 'pack', v, randomValue(0));
  }
  for (const s of ['[1,2,3]', '{"a":{"b":[null,true,1.5e3]}}', '"\\u00e9\\ud834\\udd1e"', '[1,', '01', '0x1F', '-Inf', ' "x" ', '{"a":1,}', '[1e309]', '1.7976931348623157e308']) {
    add('cjson', 'decode', s);
  }
  for (const h of ['93 01 02 03', '82 a1 61 01 a1 62 02', 'cb 3f f0 00 00 00 00 00 00', 'c1', 'd9', 'dc 00 02 01', 'cf 00 00 00 01 00 00 00 00']) {
    add('cmsgpack', 'unpack', bytes(h));
    add('cmsgpack', 'unpack_one', bytes(h), 0);
    add('cmsgpack', 'unpack_limit', bytes(h), 2, 1);
  }
  for (const n of [...numbers, 0.5, 1.5, 2.5, -0.5, 2 ** 52 + 0.5, NaN, Infinity, 1e20]) {
    add('bit', 'tobit', n);
    add('bit', 'tohex', n);
    add('bit', 'bswap', n);
    add('bit', 'rol', n, 7);
    add('bit', 'arshift', n, 3);
  }
  for (const [f, ...a] of [['>i5 <I6 b', -1, 2 ** 40, 7], ['!8 b d h', 1, 0.1, -2], ['i16 I16', -3, 3], ['s c4', 'abc', 'defg'], ['L l', 2 ** 63 + 2 ** 11, -(2 ** 62)], ['f', 1e40]] as [string, ...LuaValue[]][]) {
    add('struct', 'pack', f, ...a);
    add('struct', 'size', f);
  }

  // A NUL ends a number given as a string, as C's strtod sees it.
  add('bit', 'band', '1\0x', 3);
  add('struct', 'pack', 'd', '1\0x');
  add('cmsgpack', 'unpack_one', bytes('01 02'), '1\0x');

  test('the same results and errors for a wide set of inputs', async () => {
    for (const [lib, fn, args] of cases) {
      // Called from a Lua function (not straight from pcall) so errors name the function.
      const script = LUA_TAGGER.replace('CALL', `${lib}.${fn}(${args.map(lua).join(', ')})`);
      const reply = await redis.conn.call('EVAL', script, '0');
      const want = replyItems(reply).items.map((x) => x.replace(/^\$\d+\r\n/, '').replace(/\r\n$/, ''));
      const r = run(build[lib](), fn, ...args);
      const got = typeof r === 'string' ? ['error', r] : r.map(tag);
      const norm = (xs: string[]): string[] => xs.map(jsNumberText);
      assert.deepEqual(norm(got), norm(want.slice(0, got[0] === 'error' ? 2 : want.length)), `${lib}.${fn}(${args.map(lua).join(', ')})`);
    }
  });
});
