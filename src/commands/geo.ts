// Geo commands (Redis 7.0): GEOADD GEOPOS GEODIST GEOHASH GEOSEARCH GEOSEARCHSTORE GEORADIUS
// GEORADIUSBYMEMBER GEORADIUS_RO GEORADIUSBYMEMBER_RO, on sorted sets whose scores are 52-bit
// geohashes (store/geohash.ts), with redis-server 7.0.15's replies, errors and events.
//
// GEOADD runs ZADD with the arguments it builds (scores as integers) and propagates that ZADD, as
// Redis does. A search scans the 3x3 block of cells Redis scans, in its order, so results and
// their unsorted order are Redis's.
//
// Deliberate difference: with COUNT smaller than the number of matches, Redis partially sorts
// with an unstable quicksort; Redoubt sorts stably, so points at exactly the same distance may
// come (or be cut) in another order.
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import { NOTIFY } from '../server/events.js';
import { propagateAs } from '../server/propagate.js';
import type { ReplyWriter } from '../protocol/writer.js';
import * as gh from '../store/geohash.js';
import type { ZSet } from '../store/types/zset.js';
import { is, parseInteger } from './args.js';
import { parseDouble } from './strtod.js';
import type { DataContext, HandlerMap } from './types.js';
import { getZset, storeResult, zaddGeneric } from './zset.js';

const SYNTAX = err.syntax();

/** A double argument (getDoubleFromObjectOrReply), or null after replying `msg`. */
function doubleArg(c: Client, s: string, msg: string): number | null {
  const v = parseDouble(s);
  if (v === null) c.out.error(msg);
  return v;
}

/** Longitude and latitude at argv[i], argv[i+1], in the geo limits; null after replying. */
function lonLatArg(c: Client, argv: string[], i: number): [number, number] | null {
  const lon = doubleArg(c, argv[i]!, err.notFloat());
  if (lon === null) return null;
  const lat = doubleArg(c, argv[i + 1]!, err.notFloat());
  if (lat === null) return null;
  if (lon < gh.GEO_LONG_MIN || lon > gh.GEO_LONG_MAX || lat < gh.GEO_LAT_MIN || lat > gh.GEO_LAT_MAX) {
    c.out.error(err.geoInvalidPair(gh.fixed(lon, 6), gh.fixed(lat, 6)));
    return null;
  }
  return [lon, lat];
}

/** Meters per unit (m, km, ft, mi), or -1 after replying. */
function unitArg(c: Client, s: string): number {
  const u = s.toLowerCase();
  if (u === 'm') return 1;
  if (u === 'km') return 1000;
  if (u === 'ft') return 0.3048;
  if (u === 'mi') return 1609.34;
  c.out.error(err.geoUnit());
  return -1;
}

/** A coordinate as Redis's human long double: a bulk string in RESP2, a double in RESP3. */
function replyCoord(out: ReplyWriter, d: number): void {
  const s = gh.human(d);
  if (out.resp === 2) out.bulk(s);
  else out.raw(',' + s + '\r\n');
}

/** A member's decoded coordinates, or null when it is not in the set. */
function memberLonLat(zs: ZSet, member: string): Float64Array | null {
  const score = zs.score(member);
  if (score === undefined) return null;
  const xy = new Float64Array(2);
  gh.decodeScore(score, xy);
  return xy;
}

// ---------------------------------------------------------------------------------------------
// GEOADD

function geoadd(c: Client, argv: string[], server: DataContext): void {
  let nx = false;
  let xx = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (is(a, 'nx')) nx = true;
    else if (is(a, 'xx')) xx = true;
    else if (!is(a, 'ch')) break;
  }
  if ((argv.length - i) % 3 !== 0 || (xx && nx)) {
    c.out.error(SYNTAX);
    return;
  }
  // ZADD key [options as given] score member ...
  const zargv: string[] = ['zadd', ...argv.slice(1, i)];
  const scores: number[] = [];
  for (let j = i; j < argv.length; j += 3) {
    const xy = lonLatArg(c, argv, j);
    if (xy === null) return;
    const cell = gh.encode(xy[0], xy[1], gh.GEO_STEP_MAX)!;
    // The score as ZADD would parse its text (cellScore rounds the same way above 2^53).
    scores.push(gh.cellScore(cell));
    zargv.push(gh.scoreText(cell), argv[j + 2]!);
  }
  const dirty = server.ks.stats.dirty;
  zaddGeneric(c, zargv, server, 0, scores);
  if (server.ks.stats.dirty !== dirty) propagateAs(c, zargv);
}

// ---------------------------------------------------------------------------------------------
// GEOSEARCH and the GEORADIUS family

const RADIUS_COORDS = 1; // GEORADIUS: centre and radius in fixed places
const RADIUS_MEMBER = 2; // GEORADIUSBYMEMBER
const NOSTORE = 4; // the _RO forms
const SEARCH = 8; // GEOSEARCH
const SEARCHSTORE = 16; // GEOSEARCHSTORE

const SORT_NONE = 0;
const SORT_ASC = 1;
const SORT_DESC = 2;

interface GeoPoint {
  member: string;
  score: number;
  /** Meters: exact (as Redis computes it) or rough (store/geohash.ts: within a tolerance). */
  dist: number;
  exact: boolean;
  lon: number;
  lat: number;
  /** Position in scan order (sorts are stable, as glibc's qsort). */
  idx: number;
}

/** Where pointsInShape copies distances to find the edge of the kept ones (reused, grown as needed). */
let distScratch = new Float64Array(256);

/**
 * The points one search finds, field by field, before the kept ones become GeoPoints: a point
 * object per point found (its four numbers boxed) made a search allocate about 90 KB for 200
 * points, a young-generation collection every 45 searches. Reused, grown as needed.
 */
const found = {
  n: 0,
  member: [] as (string | undefined)[],
  score: new Float64Array(256),
  dist: new Float64Array(256),
  lon: new Float64Array(256),
  lat: new Float64Array(256),
  exact: new Uint8Array(256),
};

function growFound(): void {
  const size = 2 * found.score.length;
  const grown = <T extends Float64Array | Uint8Array>(a: T, b: T): T => {
    b.set(a);
    return b;
  };
  found.score = grown(found.score, new Float64Array(size));
  found.dist = grown(found.dist, new Float64Array(size));
  found.lon = grown(found.lon, new Float64Array(size));
  found.lat = grown(found.lat, new Float64Array(size));
  found.exact = grown(found.exact, new Uint8Array(size));
}

/**
 * The points of zs inside the shape, cell by cell as Redis scans them; at most `limit` (0: all).
 * `exact`: every distance is Redis's (else some may be rough: see GeoPoint). When only the first
 * `keep` in distance order will be wanted (COUNT; farthest first if `desc`), points surely beyond
 * them are left out: those farther (nearer for DESC) than the keep-th distance by more than a
 * rough distance can be off.
 */
function pointsInShape(zs: ZSet, shape: gh.Shape, limit: number, exact: boolean, keep = 0, desc = false): GeoPoint[] {
  const cells = gh.searchCells(shape);
  const tree = zs.tree;
  // The candidate's lon, lat, then its distance and whether that is exact (gh.pointInShape), and
  // its score (gh.decodePoint).
  const p = new Float64Array(5);
  found.n = 0;
  const visit = (members: readonly string[], scores: readonly number[], from: number, to: number): void => {
    for (let j = from; j < to; j++) {
      const i = found.n;
      if (limit > 0 && i >= limit) return;
      const score = scores[j]!;
      p[4] = score;
      gh.decodePoint(p);
      if (!gh.pointInShape(shape, p, exact)) continue;
      if (i === found.score.length) growFound();
      found.member[i] = members[j]!;
      found.score[i] = score;
      found.dist[i] = p[2]!;
      found.exact[i] = p[3]!;
      found.lon[i] = p[0]!;
      found.lat[i] = p[1]!;
      found.n = i + 1;
    }
  };
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    if (cell.zero) continue;
    // Huge radiuses make neighbours repeat: skip a cell equal to the last one scanned.
    if (last !== 0 && gh.sameCell(cell, cells[last]!)) continue;
    if (limit > 0 && found.n >= limit) break;
    const [min, max] = gh.cellScoreRange(cell);
    const lo = tree.firstScoreRank(min, false);
    const hi = tree.lastScoreRank(max, true);
    if (hi >= lo) tree.forRuns(lo, hi - lo + 1, visit);
    last = i;
  }
  const n = found.n;
  let near = Infinity;
  let far = -Infinity;
  if (keep > 0 && keep * 4 < n) {
    if (distScratch.length < n) distScratch = new Float64Array(Math.max(n, 2 * distScratch.length));
    distScratch.set(found.dist.subarray(0, n));
    // The keep-th distance from the near end (far end for DESC), as a sort would place it.
    const edge = nthSmallest(distScratch, n, desc ? n - keep : keep - 1);
    const margin = 4 * gh.tolerance(Math.abs(edge));
    if (desc) far = edge - margin;
    else near = edge + margin;
  }
  const out: GeoPoint[] = [];
  for (let i = 0; i < n; i++) {
    const dist = found.dist[i]!;
    if (!(dist > near || dist < far)) out.push({ member: found.member[i]!, score: found.score[i]!, dist, exact: found.exact[i] === 1, lon: found.lon[i]!, lat: found.lat[i]!, idx: i });
    // Members found are not kept past the search.
    found.member[i] = undefined;
  }
  return out;
}

/**
 * The value at index k (0-based) of a[0, n) once sorted ascending, found by selection (Hoare's
 * partition around a median of three, on the side holding k): reorders a[0, n).
 */
export function nthSmallest(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    // a[lo, j] <= pivot <= a[i, hi], and a[j+1, i-1] equal the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return pivot;
  }
  return a[k]!;
}

/**
 * Orders points by distance, stably; rough distances too close to a neighbour's are made exact
 * first.
 */
function sortPoints(shape: gh.Shape, points: GeoPoint[], desc: boolean): void {
  const cmp = desc
    ? (x: GeoPoint, y: GeoPoint): number => (x.dist > y.dist ? -1 : x.dist < y.dist ? 1 : x.idx - y.idx)
    : (x: GeoPoint, y: GeoPoint): number => (x.dist < y.dist ? -1 : x.dist > y.dist ? 1 : x.idx - y.idx);
  points.sort(cmp);
  let fixed = false;
  for (let i = 1; i < points.length; i++) {
    const p = points[i - 1]!;
    const q = points[i]!;
    if ((!p.exact || !q.exact) && gh.roughlyEqual(p.dist, q.dist)) {
      for (const x of [p, q]) {
        if (!x.exact) {
          x.dist = gh.exactDistance(shape, x.lon, x.lat);
          x.exact = true;
        }
      }
      fixed = true;
    }
  }
  if (fixed) points.sort(cmp);
}

/** Redis's georadiusGeneric: the source key at argv[srcIdx]. */
function searchGeneric(c: Client, argv: string[], server: DataContext, srcIdx: number, flags: number): void {
  const db = c.db;
  const zs = getZset(c, argv[srcIdx]!, false);
  if (zs === undefined) return;
  const shape: gh.Shape = { lon: 0, lat: 0, conversion: 1, type: 'radius', radius: 0, width: 0, height: 0, cosLat: NaN };
  let storeKey: string | null = null;
  let storeDist = false;
  let base: number;

  /** BYRADIUS-style radius and unit at argv[k], argv[k+1]. */
  const radiusArgs = (k: number): boolean => {
    const r = doubleArg(c, argv[k]!, err.geoNeedRadius());
    if (r === null) return false;
    if (r < 0) {
      c.out.error(err.geoRadiusNegative());
      return false;
    }
    const conv = unitArg(c, argv[k + 1]!);
    if (conv < 0) return false;
    shape.type = 'radius';
    shape.radius = r;
    shape.conversion = conv;
    return true;
  };

  if (flags & RADIUS_COORDS) {
    base = 6;
    const xy = lonLatArg(c, argv, 2);
    if (xy === null) return;
    shape.lon = xy[0];
    shape.lat = xy[1];
    if (!radiusArgs(4)) return;
  } else if (flags & RADIUS_MEMBER) {
    base = 5;
    // Without a source key the arguments are still parsed, to choose the reply.
    if (zs !== null) {
      const xy = memberLonLat(zs, argv[2]!);
      if (xy === null) {
        c.out.error(err.geoMemberDecode());
        return;
      }
      shape.lon = xy[0]!;
      shape.lat = xy[1]!;
      if (!radiusArgs(3)) return;
    }
  } else {
    base = 2;
    if (flags & SEARCHSTORE) {
      base = 3;
      storeKey = argv[1]!;
    }
  }

  let withDist = false;
  let withHash = false;
  let withCoord = false;
  let fromMember = false;
  let fromLoc = false;
  let byRadius = false;
  let byBox = false;
  let sort = SORT_NONE;
  let any = false;
  let count = 0;
  const search = (flags & SEARCH) !== 0;
  const canStore = !(flags & NOSTORE) && !search;
  for (let i = base; i < argv.length; i++) {
    const a = argv[i]!;
    const left = argv.length - i - 1; // arguments after this one
    if (is(a, 'withdist')) withDist = true;
    else if (is(a, 'withhash')) withHash = true;
    else if (is(a, 'withcoord')) withCoord = true;
    else if (is(a, 'any')) any = true;
    else if (is(a, 'asc')) sort = SORT_ASC;
    else if (is(a, 'desc')) sort = SORT_DESC;
    else if (is(a, 'count') && left >= 1) {
      const n = parseInteger(argv[i + 1]!);
      if (n === null) {
        c.out.error(err.notInteger());
        return;
      }
      if (n <= 0) {
        c.out.error(err.geoCount());
        return;
      }
      count = n;
      i++;
    } else if (is(a, 'store') && left >= 1 && canStore) {
      storeKey = argv[++i]!;
      storeDist = false;
    } else if (is(a, 'storedist') && left >= 1 && canStore) {
      storeKey = argv[++i]!;
      storeDist = true;
    } else if (is(a, 'storedist') && search && flags & SEARCHSTORE) {
      storeDist = true;
    } else if (is(a, 'frommember') && left >= 1 && search && !fromLoc) {
      if (zs !== null) {
        const xy = memberLonLat(zs, argv[i + 1]!);
        if (xy === null) {
          c.out.error(err.geoMemberDecode());
          return;
        }
        shape.lon = xy[0]!;
        shape.lat = xy[1]!;
      }
      fromMember = true;
      i++;
    } else if (is(a, 'fromlonlat') && left >= 2 && search && !fromMember) {
      const xy = lonLatArg(c, argv, i + 1);
      if (xy === null) return;
      shape.lon = xy[0];
      shape.lat = xy[1];
      fromLoc = true;
      i += 2;
    } else if (is(a, 'byradius') && left >= 2 && search && !byBox) {
      if (!radiusArgs(i + 1)) return;
      byRadius = true;
      i += 2;
    } else if (is(a, 'bybox') && left >= 3 && search && !byRadius) {
      const w = doubleArg(c, argv[i + 1]!, err.geoNeedWidth());
      if (w === null) return;
      const h = doubleArg(c, argv[i + 2]!, err.geoNeedHeight());
      if (h === null) return;
      if (h < 0 || w < 0) {
        c.out.error(err.geoBoxNegative());
        return;
      }
      const conv = unitArg(c, argv[i + 3]!);
      if (conv < 0) return;
      shape.type = 'box';
      shape.width = w;
      shape.height = h;
      shape.conversion = conv;
      byBox = true;
      i += 3;
    } else {
      c.out.error(SYNTAX);
      return;
    }
  }

  if (storeKey !== null && (withDist || withHash || withCoord)) {
    c.out.error(err.geoStoreWith(flags & SEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'));
    return;
  }
  if (search && !(fromMember || fromLoc)) {
    c.out.error(err.geoFrom(argv[0]!));
    return;
  }
  if (search && !(byRadius || byBox)) {
    c.out.error(err.geoBy(argv[0]!));
    return;
  }
  if (any && count === 0) {
    c.out.error(err.geoAnyNeedsCount());
    return;
  }

  if (zs === null) {
    if (storeKey !== null) {
      if (db.delete(storeKey)) server.events.written(db, storeKey, NOTIFY.generic, 'del');
      c.out.int(0);
    } else c.out.array(0);
    return;
  }

  // COUNT needs an order (the nearest N), unless ANY takes the first N found.
  if (count !== 0 && sort === SORT_NONE && !any) sort = SORT_ASC;

  // Stored distances are exact; rough ones are made exact where they could sort or print otherwise.
  const points = pointsInShape(zs, shape, any ? count : 0, storeDist, sort !== SORT_NONE ? count : 0, sort === SORT_DESC);
  if (points.length === 0 && storeKey === null) {
    c.out.array(0);
    return;
  }
  const returned = count === 0 || points.length < count ? points.length : count;
  if (sort !== SORT_NONE) sortPoints(shape, points, sort === SORT_DESC);

  if (storeKey === null) {
    const out = c.out;
    const opts = (withDist ? 1 : 0) + (withHash ? 1 : 0) + (withCoord ? 1 : 0);
    out.array(returned);
    for (let i = 0; i < returned; i++) {
      const p = points[i]!;
      if (opts > 0) out.array(opts + 1);
      out.bulk(p.member);
      if (withDist) {
        if (!p.exact && gh.roughlyHalfway(p.dist / shape.conversion, 4)) p.dist = gh.exactDistance(shape, p.lon, p.lat);
        out.bulk(gh.fixed(p.dist / shape.conversion, 4));
      }
      // C's (long long) of the score: out of range, INT64_MIN on x86-64.
      if (withHash) out.int(Math.abs(p.score) < 9223372036854775808 ? Math.trunc(p.score) : -9223372036854775808n);
      if (withCoord) {
        out.array(2);
        replyCoord(out, p.lon);
        replyCoord(out, p.lat);
      }
    }
    return;
  }

  // STORE / STOREDIST / GEOSEARCHSTORE: a sorted set of the results (scores or distances).
  const stored = points.slice(0, returned).map((p) => ({ m: p.member, s: storeDist ? p.dist / shape.conversion : p.score }));
  stored.sort((x, y) => (x.s < y.s ? -1 : x.s > y.s ? 1 : x.m < y.m ? -1 : x.m > y.m ? 1 : 0));
  storeResult(
    c,
    server,
    storeKey,
    stored.map((e) => e.m),
    stored.map((e) => e.s),
    search ? 'geosearchstore' : 'georadiusstore',
    returned,
  );
}

// ---------------------------------------------------------------------------------------------
// Handlers

export const geoCommands: HandlerMap<DataContext> = {
  // GEOADD key [NX|XX] [CH] longitude latitude member [longitude latitude member ...]
  geoadd,

  // GEOPOS key [member ...]
  geopos(c, argv) {
    const zs = getZset(c, argv[1]!, false);
    if (zs === undefined) return;
    const out = c.out;
    out.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) {
      const xy = zs === null ? null : memberLonLat(zs, argv[i]!);
      if (xy === null) out.nullArray();
      else {
        out.array(2);
        replyCoord(out, xy[0]!);
        replyCoord(out, xy[1]!);
      }
    }
  },

  // GEODIST key member1 member2 [M|KM|FT|MI]
  geodist(c, argv) {
    let toMeter = 1;
    if (argv.length === 5) {
      toMeter = unitArg(c, argv[4]!);
      if (toMeter < 0) return;
    } else if (argv.length > 5) {
      c.out.error(SYNTAX);
      return;
    }
    const zs = getZset(c, argv[1]!, false);
    if (zs === undefined) return;
    const a = zs === null ? null : memberLonLat(zs, argv[2]!);
    const b = zs === null || a === null ? null : memberLonLat(zs, argv[3]!);
    if (a === null || b === null) {
      c.out.nullBulk();
      return;
    }
    c.out.bulk(gh.fixed(gh.distance(a[0]!, a[1]!, b[0]!, b[1]!) / toMeter, 4));
  },

  // GEOHASH key [member ...]
  geohash(c, argv) {
    const zs = getZset(c, argv[1]!, false);
    if (zs === undefined) return;
    const out = c.out;
    out.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) {
      const score = zs === null ? undefined : zs.score(argv[i]!);
      if (score === undefined) out.nullBulk();
      else out.bulk(gh.geohashString(score));
    }
  },

  // GEOSEARCH key FROMMEMBER member|FROMLONLAT lon lat BYRADIUS r unit|BYBOX w h unit
  //   [ASC|DESC] [COUNT n [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
  geosearch(c, argv, server) {
    searchGeneric(c, argv, server, 1, SEARCH);
  },

  // GEOSEARCHSTORE dst src FROMMEMBER ...|FROMLONLAT ... BYRADIUS ...|BYBOX ... [ASC|DESC]
  //   [COUNT n [ANY]] [STOREDIST]
  geosearchstore(c, argv, server) {
    searchGeneric(c, argv, server, 2, SEARCH | SEARCHSTORE);
  },

  // GEORADIUS key lon lat radius unit [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT n [ANY]]
  //   [ASC|DESC] [STORE key|STOREDIST key]
  georadius(c, argv, server) {
    searchGeneric(c, argv, server, 1, RADIUS_COORDS);
  },

  // GEORADIUSBYMEMBER key member radius unit [...as GEORADIUS]
  georadiusbymember(c, argv, server) {
    searchGeneric(c, argv, server, 1, RADIUS_MEMBER);
  },

  // GEORADIUS_RO key lon lat radius unit [...without STORE]
  georadius_ro(c, argv, server) {
    searchGeneric(c, argv, server, 1, RADIUS_COORDS | NOSTORE);
  },

  // GEORADIUSBYMEMBER_RO key member radius unit [...without STORE]
  georadiusbymember_ro(c, argv, server) {
    searchGeneric(c, argv, server, 1, RADIUS_MEMBER | NOSTORE);
  },
};
