// The commands the benchmark measures (bench/run.ts's commands, floor and in-process sections;
// bench/inprocess.ts runs them without sockets).
import { createHash } from 'node:crypto';

/**
 * The measured tests: redis-benchmark's own (`-t name`) or a custom command, the CSV label that
 * reports it, requests that must not fail (an unimplemented command gets "n/a"), and set-up.
 */
export interface TestSpec {
  args: string[];
  csv: string;
  probes: string[][];
  setup?: string[][];
  /** For a `-t` test, the request redis-benchmark sends (without -r): the in-process section runs it. */
  sends?: string[];
  /**
   * A list the test pops from: the commands table runs LPOP after LPUSH filled it; the in-process
   * section pushes as many elements as a round has requests before each round, untimed.
   */
  popsFrom?: string;
  /**
   * Tens of µs per request: the commands table's pipelined run sends the plain request count, not
   * ten times it (at that cost its CPU time is well measurable in 10 ms ticks, and ten times
   * would take minutes per round).
   */
  heavy?: boolean;
}
const ZRANGE_MEMBERS = Array.from({ length: 100 }, (_, i) => [String(i), `member:${String(i).padStart(3, '0')}`]).flat();
/** The EVALSHA test's script and its digest (SCRIPT LOAD replies it). */
const RATE_SCRIPT = "local n = redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], 60) return n";
const RATE_SHA = createHash('sha1').update(RATE_SCRIPT).digest('hex');

/** 1,000 points on a grid around (15, 37) for the GEOSEARCH test (lon, lat, member triples). */
const GEO_POINTS = Array.from({ length: 1000 }, (_, i) => [(13 + (i % 40) * 0.1).toFixed(4), (35 + Math.floor(i / 40) * 0.16).toFixed(4), `place:${i}`]).flat();

export const SPECS = {
  SET: { args: ['-t', 'set'], csv: 'SET', probes: [['SET', '__bench_probe', 'x']], sends: ['SET', 'key:__rand_int__', 'xxx'] },
  GET: { args: ['-t', 'get'], csv: 'GET', probes: [['GET', '__bench_probe']], sends: ['GET', 'key:__rand_int__'] },
  INCR: { args: ['-t', 'incr'], csv: 'INCR', probes: [['INCR', '__bench_probe_n']], sends: ['INCR', 'counter:__rand_int__'] },
  LPUSH: { args: ['-t', 'lpush'], csv: 'LPUSH', probes: [['LPUSH', '__bench_probe_l', 'x']], sends: ['LPUSH', 'mylist', 'xxx'] },
  LPOP: { args: ['-t', 'lpop'], csv: 'LPOP', probes: [['LPOP', '__bench_probe_l']], sends: ['LPOP', 'mylist'], popsFrom: 'mylist' },
  MSET: { args: ['-t', 'mset'], csv: 'MSET', probes: [['MSET', '__bench_probe_a', 'x', '__bench_probe_b', 'y']], sends: ['MSET', ...Array.from({ length: 10 }, () => ['key:__rand_int__', 'xxx']).flat()] },
  SADD: { args: ['-t', 'sadd'], csv: 'SADD', probes: [['SADD', '__bench_probe_s', 'x']], sends: ['SADD', 'myset', 'element:__rand_int__'] },
  HSET: { args: ['-t', 'hset'], csv: 'HSET', probes: [['HSET', '__bench_probe_h', 'f', 'x']], sends: ['HSET', 'myhash', 'element:__rand_int__', 'xxx'] },
  ZADD: { args: ['-t', 'zadd'], csv: 'ZADD', probes: [['ZADD', '__bench_probe_z', '1', 'x']], sends: ['ZADD', 'myzset', '0', 'element:__rand_int__'] },
  'ZRANGE 0 99': {
    args: ['ZRANGE', 'bench:zset', '0', '99'],
    csv: 'ZRANGE',
    probes: [['ZRANGE', 'bench:zset', '0', '0']],
    setup: [['DEL', 'bench:zset'], ['ZADD', 'bench:zset', ...ZRANGE_MEMBERS]],
  },
  // redis-benchmark's own lrange_100 first runs as many LPUSHes, which would count in the CPU time.
  LRANGE_100: {
    args: ['LRANGE', 'bench:list', '0', '99'],
    csv: 'LRANGE',
    probes: [['LRANGE', 'bench:list', '0', '0']],
    setup: [['DEL', 'bench:list'], ['RPUSH', 'bench:list', ...Array.from({ length: 100 }, () => 'xxx')]],
  },
  // A small script as rate limiters and counters use them: INCR then EXPIRE, called by digest.
  EVALSHA: {
    args: ['EVALSHA', RATE_SHA, '1', 'bench:rate:__rand_int__'],
    csv: 'EVALSHA',
    probes: [['EVALSHA', RATE_SHA, '1', '__bench_probe_rate']],
    setup: [['SCRIPT', 'LOAD', RATE_SCRIPT]],
  },
  // The stream, HyperLogLog and geo families (issue 14's measure).
  XADD: {
    args: ['XADD', 'bench:stream', '*', 'field', '__rand_int__'],
    csv: 'XADD',
    probes: [['XADD', '__bench_probe_x', '*', 'f', 'v']],
    setup: [['DEL', 'bench:stream']],
  },
  XRANGE_100: {
    args: ['XRANGE', 'bench:xrange', '-', '+', 'COUNT', '100'],
    csv: 'XRANGE',
    heavy: true,
    probes: [['XRANGE', 'bench:xrange', '-', '+', 'COUNT', '1']],
    setup: [['DEL', 'bench:xrange'], ...Array.from({ length: 100 }, (_, i) => ['XADD', 'bench:xrange', `1-${i + 1}`, 'field', `value:${i}`])],
  },
  PFADD: {
    args: ['PFADD', 'bench:hll', 'element:__rand_int__'],
    csv: 'PFADD',
    probes: [['PFADD', '__bench_probe_hll', 'x']],
    setup: [['DEL', 'bench:hll']],
  },
  PFCOUNT: {
    args: ['PFCOUNT', 'bench:hllcount'],
    csv: 'PFCOUNT',
    probes: [['PFCOUNT', 'bench:hllcount']],
    setup: [['DEL', 'bench:hllcount'], ['PFADD', 'bench:hllcount', ...Array.from({ length: 5000 }, (_, i) => `element:${i}`)]],
  },
  GEOADD: {
    args: ['GEOADD', 'bench:geoadd', '13.361389', '38.115556', 'member:__rand_int__'],
    csv: 'GEOADD',
    probes: [['GEOADD', '__bench_probe_geo', '13.361389', '38.115556', 'x']],
    setup: [['DEL', 'bench:geoadd']],
  },
  GEOSEARCH: {
    args: ['GEOSEARCH', 'bench:geo', 'FROMLONLAT', '15', '37', 'BYRADIUS', '100', 'km', 'ASC', 'COUNT', '10'],
    csv: 'GEOSEARCH',
    heavy: true,
    probes: [['GEOSEARCH', 'bench:geo', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'km']],
    setup: [['DEL', 'bench:geo'], ['GEOADD', 'bench:geo', ...GEO_POINTS]],
  },
} satisfies Record<string, TestSpec>;
export type TestName = keyof typeof SPECS;
export const TESTS = Object.keys(SPECS) as TestName[];

/** The request a test sends: its own command, or what redis-benchmark sends for `-t`. */
export function requestOf(spec: TestSpec): string[] {
  return spec.sends ?? spec.args;
}
