// Side-by-side benchmark: Redoubt and redis-server 7.0.15 under redis-benchmark.
// Each server is pinned to CPU 0, redis-benchmark to CPU 1. For each test (non-pipelined -c 50,
// and pipelined -P 16) it reports requests/s and server CPU time per request (utime + stime from
// /proc/<pid>/stat), then the cost of the ACL check (the guide's restricted user against the
// default user, GET/SET), then TLS's cost on each server (cleartext against mutual TLS), then
// memory per key after loading N keys. Prints Markdown tables.
//
//   npm run bench -- [-n REQUESTS] [--quick] [--keys N] [--only commands,acl,tls,memory]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * The measured tests: redis-benchmark's own (`-t name`) or a custom command, the CSV label that
 * reports it, requests that must not fail (an unimplemented command gets "n/a"), and set-up.
 */
interface TestSpec {
  args: string[];
  csv: string;
  probes: string[][];
  setup?: string[][];
}
const ZRANGE_MEMBERS = Array.from({ length: 100 }, (_, i) => [String(i), `member:${String(i).padStart(3, '0')}`]).flat();
const SPECS = {
  SET: { args: ['-t', 'set'], csv: 'SET', probes: [['SET', '__bench_probe', 'x']] },
  GET: { args: ['-t', 'get'], csv: 'GET', probes: [['GET', '__bench_probe']] },
  INCR: { args: ['-t', 'incr'], csv: 'INCR', probes: [['INCR', '__bench_probe_n']] },
  LPUSH: { args: ['-t', 'lpush'], csv: 'LPUSH', probes: [['LPUSH', '__bench_probe_l', 'x']] },
  LPOP: { args: ['-t', 'lpop'], csv: 'LPOP', probes: [['LPOP', '__bench_probe_l']] },
  MSET: { args: ['-t', 'mset'], csv: 'MSET', probes: [['MSET', '__bench_probe_a', 'x', '__bench_probe_b', 'y']] },
  SADD: { args: ['-t', 'sadd'], csv: 'SADD', probes: [['SADD', '__bench_probe_s', 'x']] },
  HSET: { args: ['-t', 'hset'], csv: 'HSET', probes: [['HSET', '__bench_probe_h', 'f', 'x']] },
  ZADD: { args: ['-t', 'zadd'], csv: 'ZADD', probes: [['ZADD', '__bench_probe_z', '1', 'x']] },
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
} satisfies Record<string, TestSpec>;
type TestName = keyof typeof SPECS;
const TESTS = Object.keys(SPECS) as TestName[];
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

const SECTIONS = ['commands', 'acl', 'tls', 'memory'] as const;
type Section = (typeof SECTIONS)[number];

interface Options {
  requests: number;
  keys: number;
  /** The parts to run (--only), all by default. */
  only: Set<Section>;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { requests: 100_000, keys: 1_000_000, only: new Set(SECTIONS) };
  let quick = false;
  let requests: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '-n' || a === '--keys') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v <= 0) throw new Error(`${a} needs a positive integer`);
      if (a === '-n') requests = v;
      else o.keys = v;
    } else if (a === '--only') {
      const parts = (argv[++i] ?? '').split(',');
      for (const p of parts) if (!(SECTIONS as readonly string[]).includes(p)) throw new Error(`--only takes ${SECTIONS.join(',')}`);
      o.only = new Set(parts as Section[]);
    } else if (a === '-h' || a === '--help') {
      console.log(`usage: npm run bench -- [-n REQUESTS (default 100000)] [--keys N (default 1000000)] [--quick] [--only ${SECTIONS.join(',')}]`);
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (quick) {
    o.requests = 20_000;
    if (!argv.includes('--keys')) o.keys = 200_000;
  }
  if (requests !== null) o.requests = requests;
  return o;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

/** Sends one command on a fresh connection and returns the raw reply (first chunk is enough here). */
function rawCall(port: number, argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      let req = `*${argv.length}\r\n`;
      for (const a of argv) req += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
      s.write(Buffer.from(req, 'latin1'));
    });
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no reply to ${argv[0]} on port ${port}`));
    }, 10_000);
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.endsWith('\r\n')) {
        clearTimeout(timer);
        s.destroy();
        resolve(buf);
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

interface Bench {
  name: string;
  port: number;
  proc: ChildProcess;
}

function cpuSet(cpu: number): string[] {
  return os.cpus().length > cpu ? ['taskset', '-c', String(cpu)] : [];
}

async function startServer(name: string, cmd: string[]): Promise<Bench> {
  const [bin, ...args] = cmd as [string, ...string[]];
  const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: ROOT });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = Number(args[args.indexOf('--port') + 1]);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}: ${stderr}`);
    try {
      if ((await rawCall(port, ['PING'])).startsWith('+PONG')) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name, port, proc };
}

async function startRedoubt(): Promise<Bench> {
  const port = await freePort();
  return startServer('Redoubt', [...cpuSet(0), process.execPath, 'dist/src/main.js', '--port', String(port), '--save', '']);
}

async function startRedis(): Promise<Bench> {
  const port = await freePort();
  return startServer('Redis', [...cpuSet(0), 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
}

function stop(b: Bench | null): Promise<void> {
  return new Promise((resolve) => {
    if (b === null || b.proc.exitCode !== null || b.proc.signalCode !== null) return resolve();
    const t = setTimeout(() => b.proc.kill('SIGKILL'), 5000);
    b.proc.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    b.proc.kill('SIGTERM');
  });
}

/** CPU time (user + system) of a process, in microseconds. */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) + Number(rest[12])) * 1e6) / CLK_TCK;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  if (m === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

async function usedMemory(port: number): Promise<number | null> {
  const info = await rawCall(port, ['INFO', 'memory']).catch(() => '');
  const m = /\r\nused_memory:(\d+)\r\n/.exec(info);
  return m === null ? null : Number(m[1]);
}

function run(cmd: string[], input?: Buffer): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [bin, ...args] = cmd as [string, ...string[]];
    const p = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(input ?? Buffer.alloc(0));
  });
}

interface Result {
  rps: number;
  cpuPerReq: number;
}

/** False when the server answers the test's probe with an error (the command is not implemented). */
async function supports(b: Bench, test: TestName): Promise<boolean> {
  const spec: TestSpec = SPECS[test];
  for (const req of [...(spec.setup ?? []), ...spec.probes]) {
    if ((await rawCall(b.port, req)).startsWith('-')) return false;
  }
  return true;
}

async function benchOne(b: Bench, test: TestName, requests: number, pipeline: number): Promise<Result | null> {
  if (!(await supports(b, test))) return null;
  const spec: TestSpec = SPECS[test];
  const cpu0 = cpuMicros(b.proc.pid!);
  const args = [...cpuSet(1), 'redis-benchmark', '-h', '127.0.0.1', '-p', String(b.port), '-n', String(requests), '-c', '50', '-P', String(pipeline), '--csv', ...spec.args];
  const r = await run(args);
  const cpu1 = cpuMicros(b.proc.pid!);
  if (r.code !== 0) throw new Error(`redis-benchmark failed against ${b.name}: ${r.stderr.slice(-500)}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith(`"${spec.csv}`));
  if (line === undefined) throw new Error(`no ${test} result from redis-benchmark against ${b.name}: ${r.stdout} ${r.stderr}`);
  const rps = Number(JSON.parse(`[${line}]`)[1]);
  // MSET sets 10 keys per request; CPU is still divided by requests, as redis-benchmark counts them.
  return { rps, cpuPerReq: (cpu1 - cpu0) / requests };
}

/** The guide's restricted user, benchmarked against the default user (the cost of the ACL check). */
const ACL_USER = ['app_cache', 'StrongPassword123!'] as const;
const ACL_RULES = ['on', `>${ACL_USER[1]}`, '~cache:*', '+@all', '-@dangerous'];
const ACL_TESTS: [string, string[]][] = [
  ['SET', ['SET', 'cache:__rand_int__', 'xxx']],
  ['GET', ['GET', 'cache:__rand_int__']],
];

/** Server CPU µs per request of a custom command, as the default user or as ACL_USER. */
async function benchAs(b: Bench, cmd: string[], requests: number, pipeline: number, asUser: boolean): Promise<number> {
  const auth = asUser ? ['--user', ACL_USER[0], '-a', ACL_USER[1]] : [];
  const cpu0 = cpuMicros(b.proc.pid!);
  const r = await run([...cpuSet(1), 'redis-benchmark', '-h', '127.0.0.1', '-p', String(b.port), ...auth, '-n', String(requests), '-r', '100000', '-c', '50', '-P', String(pipeline), '-q', ...cmd]);
  const cpu1 = cpuMicros(b.proc.pid!);
  if (r.code !== 0 || /ERR|NOPERM|NOAUTH|WRONGPASS/.test(r.stdout + r.stderr)) throw new Error(`redis-benchmark (ACL) failed against ${b.name}: ${(r.stdout + r.stderr).slice(-500)}`);
  return (cpu1 - cpu0) / requests;
}

/**
 * The ACL's cost: each test alternately as the default user and as ACL_USER, several rounds, the
 * median of each. Returns table rows.
 */
async function aclCost(servers: Bench[], requests: number): Promise<string[]> {
  const rows: string[] = [];
  for (const b of servers) {
    const set = await rawCall(b.port, ['ACL', 'SETUSER', ACL_USER[0], ...ACL_RULES]);
    if (!set.startsWith('+OK')) throw new Error(`ACL SETUSER failed on ${b.name}: ${set}`);
  }
  const median = (xs: number[]): number => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  for (const pipeline of [1, 16]) {
    const n = pipeline > 1 ? requests * 10 : requests;
    for (const [name, cmd] of ACL_TESTS) {
      for (const b of servers) {
        const plain: number[] = [];
        const user: number[] = [];
        for (let round = 0; round < 3; round++) {
          plain.push(await benchAs(b, cmd, n, pipeline, false));
          user.push(await benchAs(b, cmd, n, pipeline, true));
        }
        const p = median(plain);
        const u = median(user);
        rows.push(`| ${name}${pipeline > 1 ? ` -P ${pipeline}` : ''} | ${b.name} | ${fmt(p, 2)} | ${fmt(u, 2)} | ${fmt(((u - p) / p) * 100, 1)}% |`);
        process.stderr.write(`${rows[rows.length - 1]}\n`);
      }
    }
  }
  return rows;
}

/**
 * TLS's cost on each server: SET and GET in cleartext and over mutual TLS (certificates from
 * `redoubt certs`), server CPU µs per request. Returns table rows and the overheads.
 */
async function tlsCost(requests: number): Promise<{ rows: string[]; overhead: Map<string, number[]> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'redoubt-bench-tls-'));
  const certs = await run([process.execPath, path.join(ROOT, 'dist/src/main.js'), 'certs', dir, '--client', 'client']);
  if (certs.code !== 0) throw new Error(`redoubt certs failed: ${certs.stderr}`);
  const file = (f: string): string => path.join(dir, f);
  const tlsArgs = (tlsPort: number): string[] => [
    '--tls-port', String(tlsPort), '--tls-cert-file', file('server.crt'), '--tls-key-file', file('server.key'), '--tls-ca-cert-file', file('ca.crt'),
  ];
  const clientTls = ['--tls', '--cacert', file('ca.crt'), '--cert', file('client.crt'), '--key', file('client.key')];
  const rows: string[] = [];
  const overhead = new Map<string, number[]>();
  for (const name of ['Redoubt', 'Redis']) {
    const port = await freePort();
    const tlsPort = await freePort();
    const cmd =
      name === 'Redoubt'
        ? [...cpuSet(0), process.execPath, 'dist/src/main.js', '--port', String(port), '--save', '', ...tlsArgs(tlsPort)]
        : [...cpuSet(0), 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...tlsArgs(tlsPort)];
    const b = await startServer(name, cmd);
    try {
      const cpuOf = async (tls: boolean, test: string, n: number, pipeline: number): Promise<number> => {
        const cpu0 = cpuMicros(b.proc.pid!);
        const r = await run([...cpuSet(1), 'redis-benchmark', '-h', '127.0.0.1', '-p', String(tls ? tlsPort : port), ...(tls ? clientTls : []), '-n', String(n), '-c', '50', '-P', String(pipeline), '-q', '-t', test]);
        const cpu1 = cpuMicros(b.proc.pid!);
        if (r.code !== 0) throw new Error(`redis-benchmark (${tls ? 'TLS' : 'TCP'}) failed against ${name}: ${r.stderr.slice(-500)}`);
        return (cpu1 - cpu0) / n;
      };
      // Warm-up, not measured.
      await cpuOf(true, 'set', 10_000, 1);
      await cpuOf(false, 'set', 10_000, 1);
      const list: number[] = [];
      for (const pipeline of [1, 16]) {
        const n = pipeline > 1 ? requests * 10 : requests;
        for (const test of ['set', 'get']) {
          const tcp = await cpuOf(false, test, n, pipeline);
          const tls = await cpuOf(true, test, n, pipeline);
          list.push(tls - tcp);
          rows.push(`| ${test.toUpperCase()}${pipeline > 1 ? ` -P ${pipeline}` : ''} | ${name} | ${fmt(tcp, 2)} | ${fmt(tls, 2)} | ${fmt(tls - tcp, 2)} |`);
          process.stderr.write(`${rows[rows.length - 1]}\n`);
        }
      }
      overhead.set(name, list);
    } finally {
      await stop(b);
    }
  }
  return { rows, overhead };
}

/** Loads `n` keys (key:NNNNNNNNNN -> 3-byte value, as redis-benchmark's defaults) with redis-cli --pipe. */
function loadData(n: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = 'key:' + String(i).padStart(12, '0');
    parts.push(`*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$3\r\nxxx\r\n`);
  }
  return Buffer.from(parts.join(''), 'latin1');
}

interface Memory {
  rssPerKey: number;
  usedPerKey: number | null;
}

async function memoryPerKey(start: () => Promise<Bench>, data: Buffer, n: number): Promise<Memory | null> {
  const b = await start();
  try {
    if ((await rawCall(b.port, ['SET', '__bench_probe', 'x'])).startsWith('-')) return null;
    const rss0 = rssBytes(b.proc.pid!);
    const used0 = await usedMemory(b.port);
    const r = await run(['redis-cli', '-h', '127.0.0.1', '-p', String(b.port), '--pipe'], data);
    if (r.code !== 0 || !r.stdout.includes(`errors: 0, replies: ${n}`)) throw new Error(`loading keys into ${b.name} failed: ${r.stdout.slice(-500)} ${r.stderr.slice(-500)}`);
    const rss1 = rssBytes(b.proc.pid!);
    const used1 = await usedMemory(b.port);
    return { rssPerKey: (rss1 - rss0) / n, usedPerKey: used0 !== null && used1 !== null ? (used1 - used0) / n : null };
  } finally {
    await stop(b);
  }
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main(): Promise<void> {
  const opt = parseOptions(process.argv.slice(2));
  if (os.cpus().length < 2) console.warn('warning: fewer than 2 CPUs; servers and redis-benchmark share CPU 0');
  const version = await run(['redis-server', '--version']);
  let redoubt: Bench | null = null;
  let redis: Bench | null = null;
  const cleanup = async () => {
    await Promise.all([stop(redoubt), stop(redis)]);
  };
  const onSignal = () => {
    void cleanup().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const rows: string[] = [];
  let memRows: string[] = [];
  let aclRows: string[] = [];
  let tls: { rows: string[]; overhead: Map<string, number[]> } = { rows: [], overhead: new Map() };
  try {
    redoubt = await startRedoubt();
    redis = await startRedis();
    // Warm-up (not measured): lets V8 compile Redoubt's hot path before the first measured test.
    // redis-benchmark stops at the first error reply: warm up only what the server implements.
    for (const b of opt.only.has('commands') ? [redoubt, redis] : []) {
      for (const t of TESTS) {
        if (!(await supports(b, t))) continue;
        const r = await run([...cpuSet(1), 'redis-benchmark', '-h', '127.0.0.1', '-p', String(b.port), '-n', String(Math.max(10_000, opt.requests / 4)), '-c', '50', '-q', ...SPECS[t].args]);
        if (r.code !== 0) throw new Error(`warm-up against ${b.name} failed: ${r.stderr.slice(-500)}`);
      }
    }
    let turn = 0;
    for (const pipeline of opt.only.has('commands') ? [1, 16] : []) {
      for (const test of TESTS) {
        // Alternate which server goes first, so warm-up and thermal effects do not favour one.
        const order = turn++ % 2 === 0 ? [redoubt, redis] : [redis, redoubt];
        const res = new Map<string, Result | null>();
        // Pipelined tests run 10x the requests, so that CPU time (counted in 10 ms ticks) stays measurable.
        const n = pipeline > 1 ? opt.requests * 10 : opt.requests;
        for (const b of order) res.set(b.name, await benchOne(b, test, n, pipeline));
        const a = res.get('Redoubt') ?? null;
        const r = res.get('Redis') ?? null;
        const label = `${test}${pipeline > 1 ? ` -P ${pipeline}` : ''}`;
        if (a === null || r === null) {
          rows.push(`| ${label} | ${a ? fmt(a.rps) : 'n/a'} | ${r ? fmt(r.rps) : 'n/a'} | n/a | ${a ? fmt(a.cpuPerReq, 2) : 'n/a'} | ${r ? fmt(r.cpuPerReq, 2) : 'n/a'} | n/a |`);
        } else {
          rows.push(`| ${label} | ${fmt(a.rps)} | ${fmt(r.rps)} | ${fmt(a.rps / r.rps, 2)} | ${fmt(a.cpuPerReq, 2)} | ${fmt(r.cpuPerReq, 2)} | ${fmt(a.cpuPerReq / r.cpuPerReq, 2)} |`);
        }
        process.stderr.write(`${rows[rows.length - 1]}\n`);
      }
    }
    if (opt.only.has('acl')) aclRows = await aclCost([redoubt, redis], opt.requests);
    await cleanup();
    redoubt = redis = null;
    if (opt.only.has('tls')) tls = await tlsCost(opt.requests);
    const data = opt.only.has('memory') ? loadData(opt.keys) : null;
    const ma = data === null ? null : await memoryPerKey(startRedoubt, data, opt.keys);
    const mr = data === null ? null : await memoryPerKey(startRedis, data, opt.keys);
    const cell = (v: number | null | undefined): string => (v === null || v === undefined ? 'n/a' : fmt(v, 1));
    const ratio = (x: number | null | undefined, y: number | null | undefined): string => (x === null || x === undefined || y === null || y === undefined ? 'n/a' : fmt(x / y, 2));
    memRows = [
      `| RSS delta per key | ${cell(ma?.rssPerKey)} | ${cell(mr?.rssPerKey)} | ${ratio(ma?.rssPerKey, mr?.rssPerKey)} |`,
      `| used_memory delta per key | ${cell(ma?.usedPerKey)} | ${cell(mr?.usedPerKey)} | ${ratio(ma?.usedPerKey, mr?.usedPerKey)} |`,
    ];
  } finally {
    await cleanup();
  }
  console.log(`Redoubt vs ${version.stdout.trim().split(' ').slice(0, 3).join(' ')}; redis-benchmark -c 50, ${fmt(opt.requests)} requests per test (${fmt(opt.requests * 10)} with -P 16); servers on CPU 0, redis-benchmark on CPU 1 (${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}).`);
  console.log('');
  console.log('| Test | Redoubt req/s | Redis req/s | Redoubt/Redis | Redoubt CPU µs/req | Redis CPU µs/req | Redoubt/Redis |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
  console.log('');
  console.log(`The ACL's cost: the guide's user (${ACL_RULES.slice(2).join(' ')}) versus the default user, server CPU µs per request (median of 3), keys cache:<random>:`);
  console.log('');
  console.log('| Test | Server | default user | app_cache | difference |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of aclRows) console.log(r);
  console.log('');
  console.log('TLS: the same commands in cleartext and over mutual TLS, server CPU µs per request, and the difference:');
  console.log('');
  console.log('| Test | Server | TCP | TLS | TLS overhead |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of tls.rows) console.log(r);
  const sum = (xs: number[] | undefined): number => (xs ?? []).reduce((a, b) => a + b, 0);
  const ours = sum(tls.overhead.get('Redoubt'));
  const theirs = sum(tls.overhead.get('Redis'));
  console.log('');
  console.log(`Total TLS overhead (sum over the four tests): Redoubt ${fmt(ours, 2)} µs, Redis ${fmt(theirs, 2)} µs (Redoubt/Redis ${theirs > 0 ? fmt(ours / theirs, 2) : 'n/a'}).`);
  console.log('');
  console.log(`Memory after loading ${fmt(opt.keys)} keys (12-digit keys, 3-byte values), bytes per key:`);
  console.log('');
  console.log('| Memory | Redoubt | Redis | Redoubt/Redis |');
  console.log('|---|---:|---:|---:|');
  for (const r of memRows) console.log(r);
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
