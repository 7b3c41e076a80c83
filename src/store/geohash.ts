// Geohash arithmetic for the geo commands, with the numbers Redis 7.0.15 uses: 52-bit scores
// interleaving a 26-bit latitude cell index (even bits) with a 26-bit longitude cell index (odd
// bits) over longitude -180..180 and latitude -85.05112878..85.05112878 (Web Mercator's range),
// cell centres as decoded coordinates, haversine distances on a sphere of radius
// 6372797.560856 m, and the choice of the 3x3 block of cells a radius or box search scans.
//
// A cell is kept as its two indexes (lat, lon) and step (bits per coordinate) rather than as the
// interleaved word: moving to a neighbour is then index arithmetic modulo 2^step, the same as the
// interleaved carry tricks. An index may equal 2^step for a coordinate exactly on the upper edge of
// the range (the encoding does not clamp it); such a cell is kept as is, as Redis keeps its bits.

export const GEO_STEP_MAX = 26;
// Exported bindings live in cells that V8's optimizing compiler does not fold: a fractional one
// used in arithmetic there is a number allocated per use. This file computes with private copies.
const LAT_MIN = -85.05112878;
const LAT_MAX = 85.05112878;
const EARTH_RADIUS = 6372797.560856;
export const GEO_LAT_MIN = LAT_MIN;
export const GEO_LAT_MAX = LAT_MAX;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
export const EARTH_RADIUS_IN_METERS = EARTH_RADIUS;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;
const TWO32 = 4294967296;
const INV_TWO32 = 1 / TWO32;
/** 2^-26: one over the cell count per axis at GEO_STEP_MAX. */
const INV_STEP_MAX = 1 / 67108864;
const LAT_SCALE = LAT_MAX - LAT_MIN;
const LON_SCALE = GEO_LONG_MAX - GEO_LONG_MIN;

/** A geohash cell: latitude and longitude indexes at `step` bits each; `zero` is Redis's GZERO (skipped). */
export interface Cell {
  lat: number;
  lon: number;
  step: number;
  zero: boolean;
}

/** A cell's extent in degrees. */
export interface Area {
  latMin: number;
  latMax: number;
  lonMin: number;
  lonMax: number;
}

/**
 * Encodes a coordinate into a cell at `step` over the latitude range [latMin, latMax] (the
 * longitude range is always -180..180). Null when outside the geo limits (the same limits for
 * the standard -90..90 geohash: Redis checks the Mercator ones whatever the range).
 */
export function encode(lon: number, lat: number, step: number, latMin = LAT_MIN, latMax = LAT_MAX): Cell | null {
  if (lon > 180 || lon < -180 || lat > LAT_MAX || lat < LAT_MIN) return null;
  let latOff = (lat - latMin) / (latMax - latMin);
  let lonOff = (lon - GEO_LONG_MIN) / (GEO_LONG_MAX - GEO_LONG_MIN);
  const scale = 2 ** step;
  latOff *= scale;
  lonOff *= scale;
  // C's conversion to uint32_t: truncation (the offsets are never negative here).
  return { lat: Math.trunc(latOff) >>> 0, lon: Math.trunc(lonOff) >>> 0, step, zero: false };
}

/** Spreads the low 16 bits of v to the even bit positions of a 32-bit word. */
function spread(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v;
}

/** The inverse of spread: the even bits of a 32-bit word as a 16-bit number. */
function squash(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v;
}

/** The interleaved word of two 32-bit indexes as [high 32 bits, low 32 bits]. */
function interleave(lat: number, lon: number): [number, number] {
  const lo = (spread(lat) | (spread(lon) << 1)) >>> 0;
  const hi = (spread(lat >>> 16) | (spread(lon >>> 16) << 1)) >>> 0;
  return [hi, lo];
}

/** The 52-bit score of a cell (its word shifted to 52 bits), as a double (exact below 2^53). */
export function cellScore(c: Cell): number {
  const [hi, lo] = interleave(c.lat, c.lon);
  return (hi * TWO32 + lo) * 2 ** (52 - c.step * 2);
}

/** The score text GEOADD hands to ZADD: the 52-bit word as a decimal integer. */
export function scoreText(c: Cell): string {
  const [hi, lo] = interleave(c.lat, c.lon);
  if (hi < 0x200000) return String(hi * TWO32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString(); // an index on the upper edge: past 2^53
}

/** The step-26 cell a score stands for (C's conversion of the double to uint64_t). */
export function scoreCell(score: number): Cell {
  let hi: number;
  let lo: number;
  if (score >= 0 && score < 18446744073709551616) {
    const t = Math.trunc(score);
    hi = Math.floor(t / TWO32);
    lo = t - hi * TWO32;
  } else if (score < 0 && score > -9223372036854775808) {
    const w = BigInt.asUintN(64, BigInt(Math.trunc(score)));
    hi = Number(w >> 32n);
    lo = Number(w & 0xffffffffn);
  } else {
    // What x86-64 code makes of an out-of-range conversion: 0 above, 2^63 below.
    hi = score > 0 ? 0 : 0x80000000;
    lo = 0;
  }
  hi >>>= 0;
  lo >>>= 0;
  return {
    lat: (squash(lo) | (squash(hi) << 16)) >>> 0,
    lon: (squash(lo >>> 1) | (squash(hi >>> 1) << 16)) >>> 0,
    step: GEO_STEP_MAX,
    zero: false,
  };
}

/** A cell's extent over the Mercator ranges. */
export function cellArea(c: Cell): Area {
  const scale = 2 ** c.step;
  return {
    latMin: LAT_MIN + (c.lat / scale) * LAT_SCALE,
    latMax: LAT_MIN + ((c.lat + 1) / scale) * LAT_SCALE,
    lonMin: GEO_LONG_MIN + (c.lon / scale) * LON_SCALE,
    lonMax: GEO_LONG_MIN + ((c.lon + 1) / scale) * LON_SCALE,
  };
}

/**
 * decodeScore of the score in p[4], into p[0] (lon) and p[1] (lat) (p has five places or more): a
 * search decodes hundreds of scores, and a number passed to a call that is not inlined is an
 * allocation.
 */
export function decodePoint(p: Float64Array): void {
  decodeScore(p[4]!, p);
}

/** The coordinates of a score: its cell's centre, clamped to the geo limits. [lon, lat] in `out`. */
export function decodeScore(score: number, out: Float64Array): void {
  let lat: number;
  let lon: number;
  if (score >= 0 && score < 4503599627370496) {
    // The common case (GEOADD's scores), without allocating.
    // Dividing by a power of two is exact: multiplying by its inverse gives the same bits, faster.
    const hi = Math.floor(score * INV_TWO32) >>> 0;
    const lo = (score - hi * TWO32) >>> 0;
    lat = (squash(lo) | (squash(hi) << 16)) >>> 0;
    lon = (squash(lo >>> 1) | (squash(hi >>> 1) << 16)) >>> 0;
  } else {
    const c = scoreCell(score);
    lat = c.lat;
    lon = c.lon;
  }
  // The same operations as cellArea, at step 26 (its division by 2^26 as the exact product by 2^-26).
  const latMin = LAT_MIN + lat * INV_STEP_MAX * LAT_SCALE;
  const latMax = LAT_MIN + (lat + 1) * INV_STEP_MAX * LAT_SCALE;
  const lonMin = GEO_LONG_MIN + lon * INV_STEP_MAX * LON_SCALE;
  const lonMax = GEO_LONG_MIN + (lon + 1) * INV_STEP_MAX * LON_SCALE;
  let x = (lonMin + lonMax) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (latMin + latMax) / 2;
  if (y > LAT_MAX) y = LAT_MAX;
  if (y < LAT_MIN) y = LAT_MIN;
  out[0] = x;
  out[1] = y;
}

const ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/** GEOHASH's 11-character string of a score: its centre re-encoded over latitude -90..90. */
export function geohashString(score: number): string {
  const xy = new Float64Array(2);
  decodeScore(score, xy);
  const c = encode(xy[0]!, xy[1]!, GEO_STEP_MAX, -90, 90)!;
  const [hi, lo] = interleave(c.lat, c.lon);
  // 52 bits: ten 5-bit characters from the top, then a '0' (the format has 55 bits).
  const top = hi & 0xfffff; // bits 32..51
  let s = '';
  for (let i = 0; i < 10; i++) {
    const shift = 52 - (i + 1) * 5; // the character's lowest bit
    let idx: number;
    if (shift >= 32) idx = (top >>> (shift - 32)) & 0x1f;
    else if (shift + 5 <= 32) idx = (lo >>> shift) & 0x1f;
    else idx = ((lo >>> shift) | (top << (32 - shift))) & 0x1f;
    s += ALPHABET[idx];
  }
  return s + '0';
}

// ---------------------------------------------------------------------------------------------
// Correctly rounded sin, cos and asin. redis-server calls glibc's, which round correctly in
// practice; V8's (fdlibm) are off by one unit in the last place for a few percent of arguments,
// which shows in stored distances (STOREDIST) and at the edge of a radius. These compute in
// double-double arithmetic (about 106 bits) and round once.

const SPLITTER = 134217729; // 2^27 + 1
/** Scratch for the double-double helpers: [hi, lo]. */
const T = [0, 0];

/** a * b exactly, as T = [hi, lo]. */
function twoProd(a: number, b: number): void {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  T[0] = p;
  T[1] = ah * bh - p + ah * bl + al * bh + al * bl;
}

/** (ah, al) * (bh, bl) as T. */
function ddMul(ah: number, al: number, bh: number, bl: number): void {
  twoProd(ah, bh);
  const lo = T[1]! + (ah * bl + al * bh);
  const hi = T[0]!;
  const s = hi + lo;
  T[1] = lo - (s - hi);
  T[0] = s;
}

/** (ah, al) + (bh, bl) as T. */
function ddAdd(ah: number, al: number, bh: number, bl: number): void {
  const s = ah + bh;
  const bb = s - ah;
  let e = ah - (s - bb) + (bh - bb);
  e += al + bl;
  const h = s + e;
  T[1] = e - (h - s);
  T[0] = h;
}

/** 1/n! for n = 0..30 as double-doubles [hi, lo]. */
const INV_FACT: [number, number][] = [];
{
  let f = 1; // n! (exact up to 22!, close enough beyond: those terms are tiny)
  for (let n = 0; n <= 30; n++) {
    if (n > 0) f *= n;
    const q = 1 / f;
    twoProd(q, f);
    const rem = 1 - T[0]! - T[1]!;
    INV_FACT.push([q, rem / f]);
  }
}

// pi/2 in three parts (33 + 33 + 53 bits) and a fourth for the last bits.
const PIO2_1 = 1.5707963267341256;
const PIO2_2 = 6.077100506303966e-11;
const PIO2_3 = 2.0222662487111665e-21;
const PIO2_3T = 8.4784276603689e-32;

/**
 * sin (odd) or cos (even) of the double-double r, |r| <= pi/4, by its Taylor series; as T. The
 * terms past r^6 are below 2^-10 of the result and are summed in plain doubles; the others in
 * double-double.
 */
function taylor(rh: number, rl: number, odd: boolean): void {
  ddMul(rh, rl, rh, rl);
  const r2h = T[0]!;
  const r2l = T[1]!;
  // Coefficient of r^n: (-1)^(n/2) / n!.
  let n = odd ? 29 : 30;
  let p = 0;
  for (; n >= 7; n -= 2) p = p * r2h + (((n >> 1) & 1) === 1 ? -INV_FACT[n]![0] : INV_FACT[n]![0]);
  let ah = p;
  let al = 0;
  for (; n >= 0; n -= 2) {
    ddMul(ah, al, r2h, r2l);
    const f = INV_FACT[n]!;
    if (((n >> 1) & 1) === 1) ddAdd(T[0]!, T[1]!, -f[0], -f[1]);
    else ddAdd(T[0]!, T[1]!, f[0], f[1]);
    ah = T[0]!;
    al = T[1]!;
  }
  if (odd) ddMul(ah, al, rh, rl);
  else {
    T[0] = ah;
    T[1] = al;
  }
}

/** sin(x) (cos(x) when `cos`) as a double-double in T, for |x| up to a few times pi. */
function sinCosDD(x: number, cos: boolean): void {
  const k = Math.round(x * (2 / Math.PI));
  let rh = x;
  let rl = 0;
  if (k !== 0) {
    // r = x - k * pi/2, exactly enough: k * PIO2_1 and k * PIO2_2 are exact for small k.
    ddAdd(x - k * PIO2_1, 0, -k * PIO2_2, 0);
    ddAdd(T[0]!, T[1]!, -k * PIO2_3, -k * PIO2_3T);
    rh = T[0]!;
    rl = T[1]!;
  }
  const q = ((cos ? k + 1 : k) % 4 + 4) % 4;
  // sin(r + q pi/2): q = 0: sin r; 1: cos r; 2: -sin r; 3: -cos r.
  taylor(rh, rl, (q & 1) === 0);
  if (q >= 2) {
    T[0] = -T[0]!;
    T[1] = -T[1]!;
  }
}

export function sin(x: number): number {
  if (x === 0 || !Number.isFinite(x) || Math.abs(x) > 100) return Math.sin(x);
  sinCosDD(x, false);
  return T[0]! + T[1]!;
}

export function cos(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x) > 100) return Math.cos(x);
  sinCosDD(x, true);
  return T[0]! + T[1]!;
}

/** asin by one Newton step from V8's value, in double-double. */
export function asin(x: number): number {
  const y0 = Math.asin(x);
  if (x === 0 || !(Math.abs(x) < 1)) return y0;
  sinCosDD(y0, false);
  ddAdd(T[0]!, T[1]!, -x, 0); // sin(y0) - x, tiny: the divisor needs no extra precision
  return y0 - (T[0]! + T[1]!) / Math.cos(y0);
}

// ---------------------------------------------------------------------------------------------
// Distances

function degRad(d: number): number {
  return d * D_R;
}

function radDeg(r: number): number {
  return r / D_R;
}

/** The distance along a meridian between two latitudes. */
export function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS * Math.abs(degRad(lat2) - degRad(lat1));
}

/** The haversine distance in meters (a meridian's length when the longitudes are the same). */
export function distance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  return distanceCos(lon1, lat1, lon2, lat2, NaN, NaN);
}

/** distance() given cos of either latitude (in radians) when already known (NaN: not known). */
function distanceCos(lon1: number, lat1: number, lon2: number, lat2: number, cos1: number, cos2: number): number {
  const lon1r = degRad(lon1);
  const lon2r = degRad(lon2);
  const v = sin((lon2r - lon1r) / 2);
  if (v === 0) return latDistance(lat1, lat2);
  const lat1r = degRad(lat1);
  const lat2r = degRad(lat2);
  const u = sin((lat2r - lat1r) / 2);
  if (Number.isNaN(cos1)) cos1 = cos(lat1r);
  if (Number.isNaN(cos2)) cos2 = lat2 === lat1 ? cos1 : cos(lat2r);
  const a = u * u + cos1 * cos2 * v * v;
  return 2.0 * EARTH_RADIUS * asin(Math.sqrt(a));
}

// ---------------------------------------------------------------------------------------------
// Search areas

/** A search shape: centre, meters per unit, and a radius or a box (in units). */
export interface Shape {
  lon: number;
  lat: number;
  conversion: number;
  /** 'radius': radius set; 'box': width and height set. */
  type: 'radius' | 'box';
  radius: number;
  width: number;
  height: number;
  /** cos of the centre's latitude, once computed (NaN before). */
  cosLat: number;
  /**
   * For a radius: how far (degrees) a point's latitude and longitude may be from the centre's
   * and still be within it, once computed (undefined before; Infinity: no bound). Wider than needed.
   */
  latBand?: number;
  lonBand?: number;
  /** roughCos of the centre's latitude, once computed (undefined before). */
  roughCos?: number;
}

/**
 * The bands of a radius search: a point farther in latitude than latBand, or in longitude than
 * lonBand, is beyond the radius, whatever the rounding, so no distance is computed for it. The
 * haversine distance is at least R·|Δφ|, and, for latitudes within the band, at least
 * 2R·asin(cos(φmax)·|sin(Δλ/2)|).
 */
function radiusBands(s: Shape, r: number): void {
  const slack = 1 + 1e-6;
  const latBand = (r / EARTH_RADIUS / D_R) * slack + 1e-9;
  s.latBand = latBand;
  s.lonBand = Infinity;
  const maxLat = Math.abs(s.lat) + latBand;
  const half = r / (2 * EARTH_RADIUS);
  if (maxLat >= 89 || half >= 1) return;
  const x = Math.sin(half * slack) / Math.cos(maxLat * D_R);
  if (x >= 1) return;
  s.lonBand = (2 * Math.asin(x)) / D_R * slack + 1e-9;
}

/**
 * The haversine distance with V8's Math functions: within a few ulps of `distance`, much cheaper.
 * cos1 and cos2: Math.cos of each latitude in radians (roughCos), given as a search knows them.
 */
function roughDistance(lon1: number, lat1: number, lon2: number, lat2: number, cos1: number, cos2: number): number {
  const v = Math.sin((lon2 - lon1) * (D_R / 2));
  const u = Math.sin((lat2 - lat1) * (D_R / 2));
  const a = u * u + cos1 * cos2 * v * v;
  return 2.0 * EARTH_RADIUS * Math.asin(Math.sqrt(a));
}

/** The cosine roughDistance takes for a latitude in degrees. */
function roughCos(lat: number): number {
  return Math.cos(lat * D_R);
}

/** roughCos of the shape's centre, computed at its first candidate. */
function centreRoughCos(s: Shape): number {
  if (s.roughCos === undefined) s.roughCos = roughCos(s.lat);
  return s.roughCos;
}

/**
 * How far a rough distance may be from the exact one, with a wide safety factor: a few ulps in
 * practice. Past FAR (close to antipodal points, where asin amplifies errors) the rough one is
 * not used.
 */
export function tolerance(d: number): number {
  return 1e-9 * d + 1e-6;
}
const FAR = 19e6;

/** True when a rough distance is surely beyond `limit` meters (the exact one is then too). */
function surelyBeyond(rough: number, limit: number): boolean {
  return rough > limit + tolerance(rough);
}

/** True when a rough distance is surely within `limit` meters. */
function surelyWithin(rough: number, limit: number): boolean {
  return rough < limit - tolerance(rough) && rough < FAR;
}

/** Two distances, one of them rough, that might compare otherwise exactly. */
export function roughlyEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= tolerance(Math.max(a, b));
}

/** A rough distance (in units) whose printf("%.<decimals>f") might differ from the exact one's. */
export function roughlyHalfway(d: number, decimals: number): boolean {
  const q = d * 10 ** decimals;
  const frac = q - Math.floor(q);
  return Math.abs(frac - 0.5) <= tolerance(d) * 10 ** decimals + 1e-6 || d >= FAR;
}

/** The exact distance from the shape's centre to (lon, lat). */
export function exactDistance(s: Shape, lon: number, lat: number): number {
  if (Number.isNaN(s.cosLat)) s.cosLat = cos(degRad(s.lat));
  return distanceCos(s.lon, s.lat, lon, lat, s.cosLat, NaN);
}

/**
 * Whether the point p[0] (lon), p[1] (lat) is inside the shape (a circle: at most the radius from
 * its centre; a box: within half the height along the meridian and half the width along the
 * point's parallel); when it is, p[2] is its distance from the centre and p[3] 1 when that is exact
 * (as Redis computes it), 0 when rough (within a tolerance: store/geohash.ts). A cheap rough
 * distance settles the points clearly outside or inside; the exact one decides the others, and is
 * always given when `exact`. The point comes and goes in `p`, not as numbers: a search tries
 * thousands per call, and numbers passed to or returned by a call are each an allocation.
 */
export function pointInShape(s: Shape, p: Float64Array, exact: boolean): boolean {
  const lon = p[0]!;
  const lat = p[1]!;
  if (s.type === 'radius') {
    const r = s.radius * s.conversion;
    if (s.latBand === undefined) radiusBands(s, r);
    if (Math.abs(lat - s.lat) > s.latBand!) return false;
    if (s.lonBand !== Infinity) {
      let dl = Math.abs(lon - s.lon);
      if (dl > 180) dl = 360 - dl;
      if (dl > s.lonBand!) return false;
    }
    const rough = roughDistance(s.lon, s.lat, lon, lat, centreRoughCos(s), roughCos(lat));
    if (surelyBeyond(rough, r)) return false;
    if (!exact && surelyWithin(rough, r)) {
      p[2] = rough;
      p[3] = 0;
      return true;
    }
    const d = exactDistance(s, lon, lat);
    p[2] = d;
    p[3] = 1;
    return d <= r;
  }
  const heightM = s.height * s.conversion;
  const halfW = (s.width * s.conversion) / 2;
  if (latDistance(lat, s.lat) > heightM / 2) return false;
  const latCos = roughCos(lat);
  const roughW = roughDistance(lon, lat, s.lon, lat, latCos, latCos);
  if (surelyBeyond(roughW, halfW)) return false;
  if (!surelyWithin(roughW, halfW)) {
    const c = cos(degRad(lat));
    if (distanceCos(lon, lat, s.lon, lat, c, c) > halfW) return false;
  }
  if (!exact) {
    const rough = roughDistance(s.lon, s.lat, lon, lat, centreRoughCos(s), latCos);
    if (rough < FAR) {
      p[2] = rough;
      p[3] = 0;
      return true;
    }
  }
  p[2] = exactDistance(s, lon, lat);
  p[3] = 1;
  return true;
}

/** How many bits per coordinate cells should have for a search of this size at this latitude. */
export function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2; // so that the range fits in most cases
  // Cells narrow towards the poles.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

function moved(c: Cell, dLon: number, dLat: number): Cell {
  const mask = 2 ** c.step - 1;
  return {
    lat: dLat === 0 ? c.lat : (c.lat + dLat) & mask,
    lon: dLon === 0 ? c.lon : (c.lon + dLon) & mask,
    step: c.step,
    zero: false,
  };
}

/**
 * The cells a search scans, in Redis's order: the centre's cell, then north, south, east, west,
 * north-east, north-west, south-east, south-west; cells that cannot hold a match are marked zero.
 */
export function searchCells(s: Shape): Cell[] {
  const halfH = s.conversion * (s.type === 'radius' ? s.radius : s.height / 2);
  const halfW = s.conversion * (s.type === 'radius' ? s.radius : s.width / 2);
  const latDelta = radDeg(halfH / EARTH_RADIUS);
  const lonDeltaTop = radDeg(halfW / EARTH_RADIUS / cos(degRad(s.lat + latDelta)));
  const lonDeltaBottom = radDeg(halfW / EARTH_RADIUS / cos(degRad(s.lat - latDelta)));
  const south = s.lat < 0;
  const minLon = south ? s.lon - lonDeltaBottom : s.lon - lonDeltaTop;
  const maxLon = south ? s.lon + lonDeltaBottom : s.lon + lonDeltaTop;
  const minLat = s.lat - latDelta;
  const maxLat = s.lat + latDelta;

  let radiusM = s.type === 'radius' ? s.radius : Math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  radiusM *= s.conversion;
  let steps = estimateSteps(radiusM, s.lat);
  let hash = encode(s.lon, s.lat, steps)!;
  let n = neighbours(hash);
  // A step too coarse at the edges of the covered area: one step coarser still.
  const north = cellArea(n[1]!);
  const southA = cellArea(n[2]!);
  const east = cellArea(n[3]!);
  const west = cellArea(n[4]!);
  const decrease = north.latMax < maxLat || southA.latMin > minLat || east.lonMax < maxLon || west.lonMin > minLon;
  if (steps > 1 && decrease) {
    steps--;
    hash = encode(s.lon, s.lat, steps)!;
    n = neighbours(hash);
  }
  if (steps >= 2) {
    const area = cellArea(hash);
    if (area.latMin < minLat) n[2]!.zero = n[8]!.zero = n[7]!.zero = true; // S, SW, SE
    if (area.latMax > maxLat) n[1]!.zero = n[5]!.zero = n[6]!.zero = true; // N, NE, NW
    if (area.lonMin < minLon) n[4]!.zero = n[8]!.zero = n[6]!.zero = true; // W, SW, NW
    if (area.lonMax > maxLon) n[3]!.zero = n[7]!.zero = n[5]!.zero = true; // E, SE, NE
  }
  return n;
}

/** [cell, N, S, E, W, NE, NW, SE, SW]. */
function neighbours(h: Cell): Cell[] {
  return [h, moved(h, 0, 1), moved(h, 0, -1), moved(h, 1, 0), moved(h, -1, 0), moved(h, 1, 1), moved(h, -1, 1), moved(h, 1, -1), moved(h, -1, -1)];
}

/** The score range [min, max) of the points inside a cell. */
export function cellScoreRange(c: Cell): [number, number] {
  const min = cellScore(c);
  const [hi, lo] = interleave(c.lat, c.lon);
  const max = (hi * TWO32 + lo + 1) * 2 ** (52 - c.step * 2);
  return [min, max];
}

/** Two cells the same (Redis compares their words and steps). */
export function sameCell(a: Cell, b: Cell): boolean {
  return a.lat === b.lat && a.lon === b.lon && a.step === b.step;
}

// ---------------------------------------------------------------------------------------------
// Number formatting as C's printf does (glibc: the exact value, ties to even).

/**
 * printf("%.<f>f") of a double: toFixed is exact but rounds a tie away from zero; glibc rounds
 * it to even. A double is a tie at f decimals only when it is an odd multiple of 2^-(f+1).
 */
export function fixed(x: number, f: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Number.isNaN(x)) return x < 0 ? '-nan' : 'nan';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s: string;
  if (a >= 1e21) {
    s = BigInt(a).toString() + (f > 0 ? '.' + '0'.repeat(f) : '');
  } else {
    s = a.toFixed(f);
    const t = a * 2 ** (f + 1);
    if (Number.isInteger(t) && t % 2 === 1 && t < 2 ** 53) {
      // A tie: toFixed rounded up; keep it only if that made the last digit even.
      const last = s.charCodeAt(s.length - 1) - 48;
      if (last % 2 === 1) s = s.slice(0, -1) + String(last - 1);
    }
  }
  return neg ? '-' + s : s;
}

/** Redis's human long double form of a double: "%.17Lf" without trailing zeros (and no "-0"). */
export function human(x: number): string {
  let s = fixed(x, 17);
  if (s.indexOf('.') >= 0) {
    let end = s.length;
    while (s.charCodeAt(end - 1) === 48) end--;
    if (s.charCodeAt(end - 1) === 46) end--;
    s = s.slice(0, end);
  }
  return s === '-0' ? '0' : s;
}
