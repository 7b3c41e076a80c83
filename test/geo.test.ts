// Geo commands: unit tests of store/geohash.ts, and differential tests against redis-server
// 7.0.15 (identical reply bytes): GEOADD/GEOPOS/GEODIST/GEOHASH, every error case, randomised
// searches (radius and box, every option, RESP2 and RESP3, STORE forms), keyspace notifications
// and AOF propagation.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RawConn, differentialPair, haveRedis, infoField, rng, sameReplies, startRedis, startServer, type DiffCmd, type Normalized } from './helpers.js';
import { sameScenario, type Step } from './scenario.js';
import { parseManifest } from '../src/persistence/aof/manifest.js';
import { AofReader } from '../src/persistence/aof/format.js';
import * as gh from '../src/store/geohash.js';
import { parseDouble } from '../src/commands/strtod.js';
import { nthSmallest } from '../src/commands/geo.js';

const HAVE_REDIS = haveRedis();
/** HELLO's reply names the server: only its type is compared. */
const HELLO3: Normalized = { cmd: ['HELLO', '3'], normalize: (r) => r.slice(0, 1) };
const HELLO2: Normalized = { cmd: ['HELLO', '2'], normalize: (r) => r.slice(0, 1) };

/**
 * Named relaxation for distances stored by STOREDIST (read back at full precision): Redoubt's
 * sin/cos/asin round correctly, glibc's are off by one unit in the last place in about 0.1% of
 * calls, so a stored distance may differ in its 17th digit. Members and their order must match;
 * scores are compared to 14 significant digits. (Replies print distances to 4 decimals: exact.)
 */
const storedDistances = (cmd: string[]): Normalized => ({
  cmd,
  normalize: (raw) =>
    raw
      .split('\r\n')
      .map((line) => (/^-?\d+\.\d+(e[-+]\d+)?$/.test(line) ? Number(line).toPrecision(14) : line.startsWith('$') ? '$' : line))
      .join('\r\n'),
});

describe('geohash arithmetic', () => {
  test('scores, cell centres and geohash strings of known places', () => {
    const palermo = gh.encode(13.361389, 38.115556, 26)!;
    assert.equal(gh.scoreText(palermo), '3479099956230698');
    assert.equal(gh.cellScore(palermo), 3479099956230698);
    const xy = new Float64Array(2);
    gh.decodeScore(3479099956230698, xy);
    assert.equal(gh.human(xy[0]!), '13.36138933897018433');
    assert.equal(gh.human(xy[1]!), '38.11555639549629859');
    assert.equal(gh.geohashString(3479099956230698), 'sqc8b49rny0');
    assert.deepEqual(gh.scoreCell(3479099956230698), palermo);
    assert.equal(gh.encode(180.0001, 0, 26), null);
    assert.equal(gh.encode(0, 85.06, 26), null);
  });

  test("decodeScore gives each cell's centre as cellArea computes it (Redis's divisions), for random cells and the edges", () => {
    const r = rng(907);
    const xy = new Float64Array(4);
    const cells: gh.Cell[] = [];
    for (let i = 0; i < 50000; i++) cells.push({ lat: Math.floor(r() * 2 ** 26), lon: Math.floor(r() * 2 ** 26), step: 26, zero: false });
    cells.push({ lat: 0, lon: 0, step: 26, zero: false }, { lat: 2 ** 26 - 1, lon: 2 ** 26 - 1, step: 26, zero: false });
    for (const cell of cells) {
      gh.decodeScore(gh.cellScore(cell), xy);
      const a = gh.cellArea(cell);
      const x = Math.min(gh.GEO_LONG_MAX, Math.max(gh.GEO_LONG_MIN, (a.lonMin + a.lonMax) / 2));
      const y = Math.min(gh.GEO_LAT_MAX, Math.max(gh.GEO_LAT_MIN, (a.latMin + a.latMax) / 2));
      assert.equal(xy[0], x, `lon of cell ${cell.lat},${cell.lon}`);
      assert.equal(xy[1], y, `lat of cell ${cell.lat},${cell.lon}`);
    }
  });

  test('nthSmallest: the k-th of the sorted values, for random arrays with and without repeats', () => {
    const r = rng(4242);
    for (let round = 0; round < 3000; round++) {
      const n = 1 + Math.floor(r() * 300);
      const distinct = r() < 0.5 ? n : 1 + Math.floor(r() * 5);
      const a = new Float64Array(n + 7);
      for (let i = 0; i < n; i++) a[i] = Math.floor(r() * distinct) * 1.5 + (distinct === n ? r() : 0);
      const sorted = Float64Array.from(a.subarray(0, n)).sort();
      const k = Math.floor(r() * n);
      assert.equal(nthSmallest(a, n, k), sorted[k], `n ${n} k ${k}`);
    }
  });

  test('GEOADD hands ZADD the score its score text parses to: random cells and the upper edges', () => {
    const r = rng(2612);
    const cells: gh.Cell[] = [];
    for (let i = 0; i < 20000; i++) cells.push({ lat: Math.floor(r() * 2 ** 26), lon: Math.floor(r() * 2 ** 26), step: 26, zero: false });
    // An index equal to 2^26 (a coordinate on the range's upper edge): scores past 2^53.
    cells.push(gh.encode(180, 0, 26)!, gh.encode(0, gh.GEO_LAT_MAX, 26)!, gh.encode(180, gh.GEO_LAT_MAX, 26)!);
    let past = 0;
    for (const cell of cells) {
      const text = gh.scoreText(cell);
      if (BigInt(text) > 2n ** 53n) past++;
      assert.equal(gh.cellScore(cell), parseDouble(text), `cell ${cell.lat},${cell.lon}: ${text}`);
    }
    assert.ok(past >= 2, 'the edges give scores past 2^53');
  });

  test('printf formatting: exact digits, ties to even', () => {
    assert.equal(gh.fixed(1.03125, 4), '1.0312'); // a tie: glibc keeps the even 2
    assert.equal(gh.fixed(1.09375, 4), '1.0938'); // a tie: the odd 7 rounds up
    assert.equal(gh.fixed(0.1, 4), '0.1000');
    assert.equal(gh.fixed(200, 6), '200.000000');
    assert.equal(gh.fixed(-Infinity, 6), '-inf');
    assert.equal(gh.fixed(1e300, 6).length, 301 + 7);
    assert.equal(gh.human(0.5), '0.5');
    assert.equal(gh.human(-0), '0');
    assert.equal(gh.human(12), '12');
  });

  test('the latitude and longitude bands of a radius search never drop a point within it', () => {
    const r = rng(4242);
    let dropped = 0;
    for (let i = 0; i < 50000; i++) {
      // Centres anywhere, poles and the antimeridian included; points near them; radii from meters to thousands of km.
      const lat = i % 10 === 0 ? (r() < 0.5 ? -1 : 1) * (85 + r() * 0.05112878) : (r() * 2 - 1) * 85.05112878;
      const lon = i % 7 === 0 ? (r() < 0.5 ? -180 : 180) - (r() * 2 - 1) * 0.5 : r() * 360 - 180;
      const radius = 10 ** (r() * 7);
      const plat = Math.max(-85.05112878, Math.min(85.05112878, lat + (r() * 2 - 1) * (radius / 111000) * 1.5));
      let plon = lon + (r() * 2 - 1) * Math.min(180, (radius / 111000) * 3);
      if (plon > 180) plon -= 360;
      if (plon < -180) plon += 360;
      const banded: gh.Shape = { lon, lat, conversion: 1, type: 'radius', radius, width: 0, height: 0, cosLat: NaN };
      const plain: gh.Shape = { ...banded, latBand: Infinity, lonBand: Infinity };
      const pa = Float64Array.of(plon, plat, 0, 0);
      const pb = Float64Array.of(plon, plat, 0, 0);
      const a = gh.pointInShape(banded, pa, true);
      const b = gh.pointInShape(plain, pb, true);
      assert.equal(a, b, `centre ${lon},${lat} radius ${radius} point ${plon},${plat}`);
      if (a) assert.deepEqual([pa[2], pa[3]], [pb[2], 1]);
      if (!b) dropped++;
    }
    assert.ok(dropped > 1000, 'the test reaches points beyond the radius');
  });

  test('neighbour cells wrap around and the search block is 3x3 at most', () => {
    const cells = gh.searchCells({ lon: 179.9, lat: 0, conversion: 1000, type: 'radius', radius: 50, width: 0, height: 0, cosLat: NaN });
    assert.equal(cells.length, 9);
    const step = cells[0]!.step;
    const east = cells[3]!;
    assert.equal(east.lon, (cells[0]!.lon + 1) % 2 ** step); // across the antimeridian
    assert.equal(gh.estimateSteps(0, 0), 26);
    assert.equal(gh.estimateSteps(1e9, 0), 1);
  });
});

describe('geo commands vs redis-server', { skip: HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped' }, () => {
  const pair = differentialPair();
  const same = (cmds: DiffCmd[], note = ''): Promise<string[]> => sameReplies(pair.a, pair.b, cmds, note);

  test('GEOADD (NX, XX, CH), GEOPOS, GEODIST, GEOHASH: replies in RESP2 and RESP3', async () => {
    const cmds: DiffCmd[] = [
      ['DEL', 'g', 'str', 'z'],
      ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
      ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo'],
      ['GEOADD', 'g', 'CH', '13.361390', '38.115556', 'Palermo', '1', '1', 'new'],
      ['GEOADD', 'g', 'NX', 'ch', '0', '0', 'Palermo', '2', '2', 'nx'],
      ['GEOADD', 'g', 'xx', 'CH', '3', '3', 'nx', '4', '4', 'absent'],
      ['GEOADD', 'g', 'xx', '5', '5', 'nx'],
      ['GEOADD', 'g', '-180', '-85.05112878', 'corner1', '180', '85.05112878', 'corner2', '0', '0', 'zero', '-0.0', '1e-300', 'tiny'],
      ['GEOADD', 'g', '180', '0', 'east-edge', '0', '85.05112878', 'north-edge', '-180', '0', 'west-edge'],
      ['ZRANGE', 'g', '0', '-1', 'WITHSCORES'],
      ['GEOPOS', 'g', 'Palermo', 'missing', 'Catania', 'corner1', 'corner2', 'zero', 'tiny', 'east-edge', 'north-edge', 'west-edge'],
      ['GEOPOS', 'g'],
      ['GEOPOS', 'nokey', 'a', 'b'],
      ['GEOHASH', 'g', 'Palermo', 'Catania', 'missing', 'corner1', 'corner2', 'zero', 'east-edge', 'north-edge'],
      ['GEOHASH', 'g'],
      ['GEOHASH', 'nokey', 'a'],
      ['GEODIST', 'g', 'Palermo', 'Catania'],
      ['GEODIST', 'g', 'Palermo', 'Catania', 'km'],
      ['GEODIST', 'g', 'Palermo', 'Catania', 'MI'],
      ['GEODIST', 'g', 'Palermo', 'Catania', 'Ft'],
      ['GEODIST', 'g', 'Palermo', 'Catania', 'm'],
      ['GEODIST', 'g', 'Palermo', 'Palermo'],
      ['GEODIST', 'g', 'corner1', 'corner2', 'km'],
      ['GEODIST', 'g', 'east-edge', 'west-edge'],
      ['GEODIST', 'g', 'Palermo', 'missing'],
      ['GEODIST', 'g', 'missing', 'Palermo'],
      ['GEODIST', 'nokey', 'a', 'b'],
      // Plain sorted-set scores decode too (negative, fractional, huge).
      ['ZADD', 'z', '-5', 'neg', '1.5', 'frac', '9007199254740993', 'big', '0', 'zero', '4503599627370495', 'top'],
      ['ZADD', 'z', '1e300', 'huge', 'inf', 'pinf', '-inf', 'ninf', '-1e300', 'nhuge', '18446744073709551615', 'u64', '-9223372036854775808', 'i64'],
      ['GEOPOS', 'z', 'frac', 'zero', 'big', 'top', 'neg', 'huge', 'pinf', 'ninf', 'nhuge', 'u64', 'i64'],
      ['GEOHASH', 'z', 'frac', 'zero', 'big', 'top', 'neg', 'huge', 'pinf', 'ninf', 'nhuge', 'u64', 'i64'],
      ['GEODIST', 'z', 'frac', 'top'],
      ['GEODIST', 'z', 'huge', 'ninf', 'km'],
      ['GEOSEARCH', 'z', 'FROMMEMBER', 'huge', 'BYBOX', '50000', '50000', 'km', 'DESC', 'WITHHASH', 'WITHCOORD'],
      ['GEOSEARCH', 'z', 'FROMMEMBER', 'neg', 'BYRADIUS', '30000', 'km', 'ASC', 'WITHDIST', 'WITHHASH'],
    ];
    await same(cmds);
    await same([HELLO3, ...cmds.slice(10), HELLO2]);
  });

  test('error cases, wrong types and missing keys', async () => {
    await same([
      ['DEL', 'g', 'str', 'dst'],
      ['SET', 'str', 'v'],
      ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
      // GEOADD
      ['GEOADD', 'g', 'xx', 'nx', '1', '1', 'a'],
      ['GEOADD', 'g', 'foo', '1', '1', 'a'],
      ['GEOADD', 'g', '1', '1', 'a', '2'],
      ['GEOADD', 'g', 'ch', 'ch', 'ch'],
      ['GEOADD', 'g', 'ch', 'ch', 'ch', 'ch'],
      ['GEOADD', 'g', '200', '10', 'a'],
      ['GEOADD', 'g', '-180.000001', '10', 'a'],
      ['GEOADD', 'g', '10', '85.06', 'a'],
      ['GEOADD', 'g', '10', '-90', 'a'],
      ['GEOADD', 'g', '1e300', '10', 'a'],
      ['GEOADD', 'g', '-inf', '10', 'a'],
      ['GEOADD', 'g', '10', 'inf', 'a'],
      ['GEOADD', 'g', 'abc', '10', 'a'],
      ['GEOADD', 'g', '10', 'nan', 'a'],
      ['GEOADD', 'g', ' 10', '10', 'a'],
      ['GEOADD', 'g', '1', '1', 'ok', '200', '1', 'bad'],
      ['ZCARD', 'g'],
      ['GEOADD', 'str', '1', '1', 'a'],
      ['GEOADD', 'str', '200', '1', 'a'],
      ['GEOADD', 'g'],
      ['GEOADD', 'g', '1', '2'],
      // GEOPOS / GEODIST / GEOHASH
      ['GEOPOS', 'str', 'a'],
      ['GEOHASH', 'str', 'a'],
      ['GEODIST', 'str', 'a', 'b'],
      ['GEODIST', 'g', 'Palermo', 'Catania', 'yards'],
      ['GEODIST', 'g', 'Palermo', 'Catania', 'km', 'extra'],
      ['GEODIST', 'str', 'a', 'b', 'yards'],
      ['GEODIST', 'g', 'Palermo'],
      // GEOSEARCH / GEOSEARCHSTORE
      ['GEOSEARCH', 'str', 'fromlonlat', '0', '0', 'byradius', '1', 'km'],
      ['GEOSEARCH', 'str', 'bogus'],
      ['GEOSEARCHSTORE', 'dst', 'str', 'fromlonlat', '0', '0', 'byradius', '1', 'km'],
      ['GEOSEARCH', 'nokey', 'fromlonlat', '0', '0', 'byradius', '1', 'km'],
      ['GEOSEARCH', 'nokey', 'frommember', 'x', 'bybox', '1', '1', 'km'],
      ['GEOSEARCH', 'nokey', 'frommember', 'x'],
      ['GEOSEARCH', 'nokey', 'bybox', '1', '1', 'km'],
      ['GEOSEARCH', 'nokey', 'frommember', 'x', 'bybox', '1', '1', 'km', 'any'],
      ['GEOSEARCH', 'g', 'frommember', 'missing', 'byradius', '1', 'km'],
      ['GEOSEARCH', 'g', 'fromlonlat', '200', '0', 'byradius', '1', 'km'],
      ['GEOSEARCH', 'g', 'fromlonlat', 'x', '0', 'byradius', '1', 'km'],
      ['GEOSEARCH', 'g', 'fromlonlat', '0', '0', 'byradius', '-1', 'km'],
      ['GEOSEARCH', 'g', 'fromlonlat', '0', '0', 'byradius', 'abc', 'km'],
      ['GEOSEARCH', 'g', 'fromlonlat', '0', '0', 'byradius', '1', 'parsec'],
      ['GEOSEARCH', 'g', 'fromlonlat', '0', '0', 'byradius', '1'],
      ['GEOSEARCH', 'g', 'fromlonlat', '0', '0', 'bybox', 'w', '1', 'km'],
      ['GEOSEARCH', 'g', 'fromlonlat', '0', '0', 'bybox', '1', 'h', 'km'],
      ['GEOSEARCH', 'g', 'fromlonlat', '0', '0', 'bybox', '1', '-1', 'km'],
      ['GEOSEARCH', 'g', 'fromlonlat', '0', '0', 'bybox', '-1', 'x', 'km'],
      ['GEOSEARCH', 'g', 'fromlonlat', '0', '0', 'bybox', '1', '1', 'furlong'],
      ['GEOSEARCH', 'g', 'fromlonlat', '0', '0', 'bybox', '1', '1'],
      ['GEOSEARCH', 'g', 'fromlonlat', '0', '0', 'frommember', 'Palermo', 'bybox', '1', '1', 'km'],
      ['GEOSEARCH', 'g', 'frommember', 'Palermo', 'fromlonlat', '0', '0', 'bybox', '1', '1', 'km'],
      ['GEOSEARCH', 'g', 'frommember', 'Palermo', 'byradius', '1', 'km', 'bybox', '1', '1', 'km'],
      ['GEOSEARCH', 'g', 'frommember', 'Palermo', 'bybox', '1', '1', 'km', 'byradius', '1', 'km'],
      ['GEOSEARCH', 'g', 'byradius', '1', 'km'],
      ['geosearch', 'g', 'byradius', '1', 'km'],
      ['GeoSearch', 'g', 'frommember', 'Palermo'],
      ['GEOSEARCH', 'g', 'frommember', 'Palermo', 'byradius', '1', 'km', 'count', '0'],
      ['GEOSEARCH', 'g', 'frommember', 'Palermo', 'byradius', '1', 'km', 'count', '-3'],
      ['GEOSEARCH', 'g', 'frommember', 'Palermo', 'byradius', '1', 'km', 'count', 'x'],
      ['GEOSEARCH', 'g', 'frommember', 'Palermo', 'byradius', '1', 'km', 'count'],
      ['GEOSEARCH', 'g', 'frommember', 'Palermo', 'byradius', '1', 'km', 'any'],
      ['GEOSEARCH', 'g', 'frommember', 'Palermo', 'byradius', '1', 'km', 'storedist'],
      ['GEOSEARCH', 'g', 'frommember', 'Palermo', 'byradius', '1', 'km', 'store', 'dst'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'frommember', 'Palermo', 'byradius', '1', 'km', 'withdist'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'frommember', 'Palermo', 'byradius', '1', 'km', 'withcoord', 'storedist'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'frommember', 'Palermo', 'byradius', '1', 'km', 'store', 'x'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'frommember', 'Palermo'],
      // GEORADIUS family
      ['GEORADIUS', 'str', '0', '0', '1', 'km'],
      ['GEORADIUS', 'nokey', '0', '0', '1', 'km'],
      ['GEORADIUS', 'nokey', '200', '0', '1', 'km'],
      ['GEORADIUS', 'nokey', '0', '0', '-1', 'km'],
      ['GEORADIUS', 'nokey', '0', '0', 'x', 'km'],
      ['GEORADIUS', 'nokey', '0', '0', '1', 'yd'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'store'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'storedist'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'store', 'dst', 'withdist'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'withhash', 'storedist', 'dst'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'withcoord', 'store', 'dst'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'ANY', 'ASC'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'COUNT'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'frommember', 'Palermo'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'bybox', '1', '1', 'km'],
      ['GEORADIUS_RO', 'g', '15', '37', '200', 'km', 'store', 'dst'],
      ['GEORADIUS_RO', 'g', '15', '37', '200', 'km', 'storedist', 'dst'],
      ['GEORADIUSBYMEMBER', 'g', 'missing', '1', 'km'],
      ['GEORADIUSBYMEMBER', 'g', 'Palermo', '-1', 'km'],
      ['GEORADIUSBYMEMBER', 'g', 'Palermo', '1', 'x'],
      ['GEORADIUSBYMEMBER', 'str', 'Palermo', '1', 'km'],
      ['GEORADIUSBYMEMBER', 'nokey', 'Palermo', 'notanumber', 'notaunit'],
      ['GEORADIUSBYMEMBER', 'nokey', 'Palermo', 'notanumber', 'notaunit', 'bogus'],
      ['GEORADIUSBYMEMBER_RO', 'g', 'Palermo', '300', 'km', 'store', 'dst'],
      ['GEORADIUSBYMEMBER_RO', 'g', 'Palermo', '300', 'km', 'asc', 'withdist'],
      // A missing source with a store key: the destination is deleted.
      ['SET', 'dst', 'x'],
      ['GEORADIUS', 'nokey', '0', '0', '1', 'km', 'store', 'dst'],
      ['EXISTS', 'dst'],
      ['SET', 'dst', 'x'],
      ['GEORADIUSBYMEMBER', 'nokey', 'm', 'x', 'y', 'storedist', 'dst'],
      ['EXISTS', 'dst'],
      ['SET', 'dst', 'x'],
      ['GEOSEARCHSTORE', 'dst', 'nokey', 'frommember', 'm', 'byradius', '1', 'km'],
      ['EXISTS', 'dst'],
      // No match with a store key: the destination is deleted too.
      ['SET', 'dst', 'x'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'fromlonlat', '0', '0', 'byradius', '1', 'km'],
      ['EXISTS', 'dst'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'fromlonlat', '0', '0', 'byradius', '1', 'km'],
      // The store key may hold any type: it is replaced.
      ['SET', 'dst', 'x'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'fromlonlat', '15', '37', 'byradius', '200', 'km', 'storedist'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['TYPE', 'dst'],
      ['OBJECT', 'ENCODING', 'dst'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'count', '1', 'desc', 'store', 'dst'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['GEORADIUSBYMEMBER', 'g', 'Palermo', '200', 'km', 'store', 'dst', 'storedist', 'dst'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ]);
  });

  test('randomised searches over random points: identical replies (radius, box, every option, RESP2 and RESP3, STORE)', async () => {
    const rand = rng(14003);
    const between = (lo: number, hi: number): number => lo + rand() * (hi - lo);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const num = (x: number): string => String(Math.round(x * 1e6) / 1e6);
    // Cluster centres, some near the poles and the antimeridian.
    const centres: [number, number][] = [];
    for (let i = 0; i < 8; i++) centres.push([between(-180, 180), between(-80, 80)]);
    centres.push([179.5, 10], [-179.5, -20], [20, 84.5], [-40, -84.5], [0, 0]);
    const add: string[] = ['GEOADD', 'pts'];
    const members: string[] = [];
    for (let i = 0; i < 600; i++) {
      let lon: number;
      let lat: number;
      if (i % 3 === 0) {
        lon = between(-180, 180);
        lat = between(-85.05, 85.05);
      } else {
        const c = pick(centres);
        const spread = pick([0.01, 0.3, 3]);
        lon = Math.max(-180, Math.min(180, c[0] + between(-spread, spread)));
        lat = Math.max(-85.05, Math.min(85.05, c[1] + between(-spread, spread)));
      }
      add.push(num(lon), num(lat), `p${i}`);
      members.push(`p${i}`);
    }
    await same([['DEL', 'pts', 'dst'], add, ['ZCARD', 'pts']]);

    const units = ['m', 'km', 'mi', 'ft'] as const;
    const perUnit = { m: 1, km: 1000, mi: 1609.34, ft: 0.3048 };
    const size = (unit: (typeof units)[number]): string => num((10 ** between(1, 7.3)) / perUnit[unit]);
    const cmds: DiffCmd[] = [];
    for (let n = 0; n < 500; n++) {
      const byMember = rand() < 0.4;
      const c = pick(centres);
      const lon = Math.max(-180, Math.min(180, c[0] + between(-2, 2)));
      const lat = Math.max(-85.05, Math.min(85.05, c[1] + between(-2, 2)));
      const unit = pick(units);
      const opts: string[] = [];
      if (rand() < 0.4) opts.push('WITHCOORD');
      if (rand() < 0.5) opts.push('WITHDIST');
      if (rand() < 0.3) opts.push('WITHHASH');
      const order = rand();
      if (order < 0.35) opts.push('ASC');
      else if (order < 0.6) opts.push('DESC');
      if (rand() < 0.35) {
        opts.push('COUNT', String(1 + Math.floor(rand() * 20)));
        if (rand() < 0.3) opts.push('ANY');
      }
      const kind = rand();
      if (kind < 0.5) {
        const from = byMember ? ['FROMMEMBER', pick(members)] : ['FROMLONLAT', num(lon), num(lat)];
        const by = rand() < 0.5 ? ['BYRADIUS', size(unit), unit] : ['BYBOX', size(unit), size(unit), unit];
        cmds.push(['GEOSEARCH', 'pts', ...from, ...by, ...opts]);
      } else if (kind < 0.65) {
        cmds.push([rand() < 0.5 ? 'GEORADIUS' : 'GEORADIUS_RO', 'pts', num(lon), num(lat), size(unit), unit, ...opts]);
      } else if (kind < 0.8) {
        cmds.push([rand() < 0.5 ? 'GEORADIUSBYMEMBER' : 'GEORADIUSBYMEMBER_RO', 'pts', pick(members), size(unit), unit, ...opts]);
      } else {
        // The store forms, then the stored set.
        const plain = opts.filter((o) => !o.startsWith('WITH'));
        const dist = rand() < 0.5;
        if (rand() < 0.5) {
          const by = rand() < 0.5 ? ['BYRADIUS', size(unit), unit] : ['BYBOX', size(unit), size(unit), unit];
          cmds.push(['GEOSEARCHSTORE', 'dst', 'pts', 'FROMLONLAT', num(lon), num(lat), ...by, ...plain, ...(dist ? ['STOREDIST'] : [])]);
        } else {
          cmds.push(['GEORADIUS', 'pts', num(lon), num(lat), size(unit), unit, ...plain, dist ? 'STOREDIST' : 'STORE', 'dst']);
        }
        const read = ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'];
        cmds.push(dist ? storedDistances(read) : read, ['OBJECT', 'ENCODING', 'dst']);
      }
    }
    await same(cmds);
    // The same searches in RESP3 (coordinates as doubles, nested arrays).
    await same([HELLO3, ...cmds.slice(0, 150), HELLO2]);
    // Positions, hashes and pairwise distances of every point.
    const pos: DiffCmd[] = [['GEOPOS', 'pts', ...members], ['GEOHASH', 'pts', ...members]];
    for (let i = 0; i < 300; i++) pos.push(['GEODIST', 'pts', pick(members), pick(members), pick(units)]);
    await same(pos);
  });

  test('the Tcl suite\'s edge vectors: poles, antimeridian, huge radiuses, tiny distances', async () => {
    await same([
      ['DEL', 'e', 'e2'],
      ['GEOADD', 'e', '-122.407107', '37.794300', '1', '-122.227336', '37.794300', '2'],
      ['GEORADIUS', 'e', '-122.407107', '37.794300', '30', 'mi', 'ASC', 'WITHDIST'],
      ['GEOADD', 'e', '-179.99', '0', 'w', '179.99', '0', 'ea', '0', '85.05', 'n', '90', '85.05', 'n2', '0', '-85.05', 's', '180', '-85.05', 's2'],
      ['GEOSEARCH', 'e', 'FROMLONLAT', '180', '0', 'BYBOX', '200', '200', 'km', 'ASC', 'WITHDIST', 'WITHCOORD'],
      ['GEOSEARCH', 'e', 'FROMLONLAT', '-180', '0', 'BYRADIUS', '50', 'km', 'DESC', 'WITHHASH'],
      ['GEOSEARCH', 'e', 'FROMLONLAT', '0', '85.05112878', 'BYRADIUS', '2000', 'km', 'WITHDIST'],
      ['GEOSEARCH', 'e', 'FROMLONLAT', '180', '-85.05112878', 'BYBOX', '20000', '500', 'km', 'WITHDIST'],
      ['GEOSEARCH', 'e', 'FROMMEMBER', 'n', 'BYRADIUS', '30000', 'km', 'WITHDIST'],
      ['GEORADIUS', 'e', '0', '0', '50000', 'km', 'WITHDIST', 'ASC'],
      ['GEORADIUS', 'e', '0', '0', '0', 'km', 'WITHDIST'],
      ['GEOSEARCH', 'e', 'FROMMEMBER', 'w', 'BYBOX', '0', '0', 'm', 'WITHDIST'],
      ['GEORADIUS', 'e', '0', '0', 'inf', 'km', 'WITHDIST', 'ASC'],
      ['GEORADIUS', 'e', '0', '0', 'inf', 'km', 'WITHDIST', 'DESC'],
      ['GEORADIUS', 'e', '0', '0', 'inf', 'km', 'COUNT', '1', 'ANY'],
      // Points at the same place (equal distances: the sort keeps Redis's scan order).
      ['GEOADD', 'e', '10', '10', 'same-b', '10', '10', 'same-a', '10', '10', 'same-c', '10.0001', '10', 'near', '9.9999', '10', 'near2'],
      ['GEOSEARCH', 'e', 'FROMLONLAT', '10.00005', '10', 'BYRADIUS', '100', 'km', 'ASC', 'WITHDIST'],
      ['GEOSEARCH', 'e', 'FROMLONLAT', '10.00005', '10', 'BYRADIUS', '100', 'km', 'DESC', 'WITHDIST'],
      ['GEOSEARCH', 'e', 'FROMMEMBER', 'same-a', 'BYBOX', '100', '100', 'km', 'ASC'],
      ['GEOSEARCH', 'e', 'FROMMEMBER', 'same-a', 'BYBOX', '100', '100', 'km', 'DESC', 'WITHDIST', 'WITHCOORD'],
      ['GEOSEARCHSTORE', 'e2', 'e', 'FROMMEMBER', 'same-a', 'BYBOX', '100', '100', 'km', 'ASC', 'STOREDIST'],
      ['ZRANGE', 'e2', '0', '-1', 'WITHSCORES'],
      // (COUNT under the number of matches with equal distances: Redis's unstable partial sort
      // may order them otherwise: see geo.ts.)
    ]);
  });
});

describe('geo keyspace notifications and propagation vs redis-server', { skip: HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped' }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const steps: string[][] = [
    ['DEL', 'g', 'dst', 'other'],
    ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
    ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo'],
    ['GEOADD', 'g', 'XX', 'CH', '13.5', '38.1', 'Palermo', '1', '1', 'absent'],
    ['GEOADD', 'g', 'NX', '1', '1', 'Palermo'],
    ['GEOADD', 'g', '200', '1', 'bad'],
    ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'dst'],
    ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STOREDIST', 'dst'],
    ['GEORADIUSBYMEMBER', 'g', 'Palermo', '10', 'km', 'STORE', 'dst'],
    ['GEOSEARCHSTORE', 'dst', 'g', 'FROMMEMBER', 'Catania', 'BYBOX', '500', '500', 'km', 'STOREDIST'],
    ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm'],
    ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm'],
    ['GEOSEARCHSTORE', 'other', 'nokey', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm'],
    ['SET', 'other', 'x'],
    ['GEORADIUS', 'nokey', '0', '0', '1', 'm', 'STORE', 'other'],
    ['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
    ['GEORADIUS_RO', 'g', '15', '37', '200', 'km'],
    // Inside a transaction and a script.
    ['MULTI'],
    ['GEOADD', 'g', 'CH', '2', '2', 'Palermo', '3', '3', 'x'],
    ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '2', '2', 'BYRADIUS', '500', 'km', 'STOREDIST'],
    ['EXEC'],
    ['EVAL', "redis.call('geoadd', KEYS[1], 4, 4, 'y'); return redis.call('georadius', KEYS[1], 4, 4, 1000, 'km', 'store', KEYS[2])", '2', 'g', 'dst'],
    ['SET', 'marker', 'done'],
  ];

  test('keyspace and keyevent notifications', async () => {
    const t = await startServer({ 'notify-keyspace-events': 'KEA' });
    const ref = await startRedis(['--notify-keyspace-events', 'KEA']);
    try {
      const scenario: Step[] = [['s', 'PSUBSCRIBE', '__key*__:*'], ...steps.map((s) => ['w', ...s]), { on: 's', readUntil: 'marker' }];
      await sameScenario(t.port, ref.port, scenario);
      // The same changes counted (ZADD's per element, one per stored element, one per deletion).
      const changes = async (port: number): Promise<string> => {
        const c = await RawConn.connect(port);
        try {
          return await infoField(c, 'rdb_changes_since_last_save', 'persistence');
        } finally {
          c.close();
        }
      };
      const ours = await changes(t.port);
      assert.equal(ours, await changes(ref.port));
      assert.ok(Number(ours) > 10, `changes counted: ${ours}`);
    } finally {
      await t.close();
      await ref.close();
    }
  });

  test('AOF: GEOADD as the ZADD it ran, the STORE forms as given, nothing for reads or no-ops', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-geo-aof-'));
    dirs.push(dir);
    const t = await startServer({ dir, appendonly: 'yes', appendfsync: 'always', 'aof-use-rdb-preamble': 'no' });
    t.server.aof.startup();
    const ref = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
    const a = await RawConn.connect(t.port);
    const b = await RawConn.connect(ref.port);
    try {
      await sameReplies(a, b, steps);
      const refDir = (await b.call('CONFIG', 'GET', 'dir')).split('\r\n')[4]!;
      const read = (d: string): string[][] => {
        const ad = path.join(d, 'appendonlydir');
        const m = parseManifest(readFileSync(path.join(ad, 'appendonly.aof.manifest'), 'latin1'));
        const r = new AofReader(Buffer.concat(m.incrs.map((f) => readFileSync(path.join(ad, f.name)))));
        const out: string[][] = [];
        for (let x = r.next(); x !== null; x = r.next()) out.push(x);
        return out;
      };
      const ours = read(dir);
      const theirs = read(refDir);
      assert.deepEqual(ours, theirs);
      assert.ok(theirs.some((x) => x[0] === 'zadd' && x[2] === 'XX' && x[3] === 'CH'), 'GEOADD propagates as zadd with its options');
    } finally {
      a.close();
      b.close();
      await t.close();
      await ref.close();
    }
  });
});
