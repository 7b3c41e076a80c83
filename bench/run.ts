// Side-by-side benchmark: Redoubt and redis-server 7.0.15 under redis-benchmark.
// Each server is pinned to CPU 0, redis-benchmark to CPU 1. For each test (non-pipelined -c 50,
// and pipelined -P 16) it reports requests/s and server CPU time per request (utime + stime from
// /proc/<pid>/stat), then the cost of the ACL check (the guide's restricted user against the
// default user, GET/SET), then the cost of the AUTH lockout and the audit log on GET/SET, then TLS's cost on each server (cleartext against mutual TLS), then
// memory per key after loading N keys and per entry of an N-entry stream, then the latency other clients see while a BGSAVE runs
// under a GET/SET load (N keys), then building and deleting values of --big elements, then SET/GET
// throughput, RSS and disconnections while clients that never read abuse a server with requirepass
// (bench/abuse.ts). Prints Markdown tables.
//
//   npm run bench -- [-n REQUESTS] [--quick] [--keys N] [--big N] [--only commands,floor,inprocess,acl,defenses,tls,memory,tail,bgsave,bigkeys,abuse,embed]
import { Buffer } from 'node:buffer';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
import { SPECS, TESTS, type TestName, type TestSpec } from './specs.js';
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

const SECTIONS = ['commands', 'floor', 'inprocess', 'acl', 'defenses', 'tls', 'memory', 'tail', 'bgsave', 'bigkeys', 'abuse', 'embed'] as const;
type Section = (typeof SECTIONS)[number];

interface Options {
  requests: number;
  keys: number;
  /** Elements per value in the bigkeys section (--big). */
  big: number;
  /** The parts to run (--only), all by default. */
  only: Set<Section>;
  /** Alternating rounds per row of the commands and floor tables (--rounds); each row shows their median, and ratios the median of the rounds' ratios. */
  rounds: number;
}

/**
 * Node flags Redoubt runs with: those of `npm start` (package.json), so that the bench measures
 * what users run, then --node-args (heap tuning experiments).
 */
const START_FLAGS = ((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(/\s+/)).filter((a) => a.startsWith('--'));
let redoubtNodeArgs: string[] = [...START_FLAGS];

function parseOptions(argv: string[]): Options {
  const o: Options = { requests: 100_000, keys: 1_000_000, big: 10_000_000, only: new Set(SECTIONS), rounds: 5 };
  let quick = false;
  let requests: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '-n' || a === '--keys' || a === '--big' || a === '--rounds') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v <= 0) throw new Error(`${a} needs a positive integer`);
      if (a === '-n') requests = v;
      else if (a === '--keys') o.keys = v;
      else if (a === '--rounds') o.rounds = v;
      else o.big = v;
    } else if (a === '--only') {
      const parts = (argv[++i] ?? '').split(',');
      for (const p of parts) if (!(SECTIONS as readonly string[]).includes(p)) throw new Error(`--only takes ${SECTIONS.join(',')}`);
      o.only = new Set(parts as Section[]);
    } else if (a === '--node-args') {
      redoubtNodeArgs = [...START_FLAGS, ...(argv[++i] ?? '').split(/\s+/).filter((x) => x !== '')];
    } else if (a === '-h' || a === '--help') {
      console.log(`usage: npm run bench -- [-n REQUESTS (default 100000)] [--keys N (default 1000000)] [--big N (default 10000000)] [--rounds N (default 5)] [--quick] [--only ${SECTIONS.join(',')}] [--node-args "FLAGS"]`);
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (quick) {
    o.requests = 20_000;
    if (!argv.includes('--rounds')) o.rounds = 1;
    if (!argv.includes('--keys')) o.keys = 200_000;
    if (!argv.includes('--big')) o.big = 1_000_000;
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
function rawCall(port: number, argv: string[], timeoutMs = 10_000): Promise<string> {
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
    }, timeoutMs);
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

/** Every process the bench started and that has not exited: stopped on SIGINT/SIGTERM. */
const live = new Set<ChildProcess>();
/** Temporary directories of the bgsave section, removed on SIGINT/SIGTERM too. */
const tempDirs = new Set<string>();

function track<T extends ChildProcess>(p: T): T {
  live.add(p);
  p.once('exit', () => live.delete(p));
  return p;
}

function cpuSet(cpu: number): string[] {
  return os.cpus().length > cpu ? ['taskset', '-c', String(cpu)] : [];
}

async function startServer(name: string, cmd: string[]): Promise<Bench> {
  const [bin, ...args] = cmd as [string, ...string[]];
  const proc = track(spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: ROOT }));
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = Number(args[args.indexOf('--port') + 1]);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}: ${stderr}`);
    try {
      // With requirepass set (the abuse section), NOAUTH is the answer of a server that is up.
      if (/^(\+PONG|-NOAUTH)/.test(await rawCall(port, ['PING']))) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name, port, proc };
}

async function startRedoubt(extra: string[] = []): Promise<Bench> {
  const port = await freePort();
  return startServer('Redoubt', [...cpuSet(0), process.execPath, ...redoubtNodeArgs, 'dist/src/main.js', '--port', String(port), '--save', '', ...extra]);
}

async function startRedis(extra: string[] = []): Promise<Bench> {
  const port = await freePort();
  return startServer('Redis', [...cpuSet(0), 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra]);
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
    const p = track(spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    // A child that exits without reading its input (redis-server --version) closes the pipe
    // first: EPIPE there is not a failure, its exit code and output tell the rest.
    p.stdin.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') reject(e);
    });
    p.stdin.end(input ?? Buffer.alloc(0));
  });
}

interface Result {
  rps: number;
  cpuPerReq: number;
}

/** A server's median over alternating rounds, and each round's figures (in round order). */
interface Rounds extends Result {
  runs: Result[];
}

/**
 * The median over rounds of a's figure divided by b's in the same round: a slow or fast phase of
 * the machine, which the two servers of one round share, cancels out of each round's ratio.
 */
function pairedRatio(a: Rounds, b: Rounds, figure: (r: Result) => number): number {
  return median(a.runs.map((r, i) => figure(r) / figure(b.runs[i]!)));
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

/** The median of some measurements (the middle one of an odd count; sorts them in place). */
function median(xs: number[]): number {
  return xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
}

/**
 * benchOne against each server for `rounds` rounds, the order reversed every other round (so that
 * warm-up and the VM's drift favour none): each server's median request rate and CPU per request.
 * A server that does not implement the test has no entry.
 */
async function alternatingRounds(servers: Bench[], test: TestName, requests: number, pipeline: number, rounds: number): Promise<Map<string, Rounds>> {
  const runs = new Map<string, Result[]>(servers.map((b) => [b.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const b of round % 2 === 0 ? servers : [...servers].reverse()) {
      const r = await benchOne(b, test, requests, pipeline);
      if (r !== null) runs.get(b.name)!.push(r);
    }
  }
  // A server that refused the test in some round is left out: its rounds would not pair with the
  // others' (pairedRatio).
  for (const [name, rs] of runs) if (rs.length !== rounds) runs.delete(name);
  const medians = new Map<string, Rounds>();
  for (const [name, rs] of runs) medians.set(name, { rps: median(rs.map((r) => r.rps)), cpuPerReq: median(rs.map((r) => r.cpuPerReq)), runs: rs });
  return medians;
}

/**
 * Node's floor (bench/floor.ts: read, find each command's end, write a reply) beside both servers:
 * server CPU per request of SET and GET, plain and with -P 16, the median of `rounds` alternating
 * rounds. Rows: test, Redoubt, floor, Redis (µs/req), then Redoubt/Redis, floor/Redis, Redoubt/floor
 * (each the median of the rounds' ratios).
 */
async function floorCost(redoubt: Bench, redis: Bench, requests: number, rounds: number): Promise<string[]> {
  const rows: string[] = [];
  let floor: Bench | null = null;
  try {
    floor = await startServer('Node floor', [...cpuSet(0), process.execPath, path.join(ROOT, 'dist/bench/floor.js'), '--port', String(await freePort())]);
    for (const pipeline of [1, 16]) {
      for (const test of ['SET', 'GET'] as const) {
        const n = pipeline > 1 ? requests * 10 : requests;
        const res = await alternatingRounds([redoubt, floor, redis], test, n, pipeline, rounds);
        const of = (b: Bench): Rounds => {
          const r = res.get(b.name);
          if (r === undefined) throw new Error(`${b.name} refused ${test}`);
          return r;
        };
        const [a, f, r] = [of(redoubt), of(floor), of(redis)];
        const cpu = (x: Result): number => x.cpuPerReq;
        rows.push(`| ${test}${pipeline > 1 ? ` -P ${pipeline}` : ''} | ${fmt(a.cpuPerReq, 2)} | ${fmt(f.cpuPerReq, 2)} | ${fmt(r.cpuPerReq, 2)} | ${fmt(pairedRatio(a, r, cpu), 2)} | ${fmt(pairedRatio(f, r, cpu), 2)} | ${fmt(pairedRatio(a, f, cpu), 2)} |`);
        process.stderr.write(`${rows[rows.length - 1]}\n`);
      }
    }
  } finally {
    await stop(floor);
  }
  return rows;
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
 * The cost of Redoubt's own defenses on GET/SET, server CPU µs per request (median of 3 rounds,
 * off and on alternating): the AUTH lockout bookkeeping (its thresholds at their defaults
 * against 0, which turns it off) and the audit log (a server writing one against one without).
 */
async function defensesCost(requests: number): Promise<string[]> {
  const rows: string[] = [];
  const tests: [string, string[]][] = [
    ['SET', ['SET', 'key:__rand_int__', 'xxx']],
    ['GET', ['GET', 'key:__rand_int__']],
  ];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'redoubt-bench-audit-'));
  const plain = await startRedoubt();
  let audited: Bench | null = null;
  try {
    audited = await startRedoubt(['--audit-log', path.join(dir, 'audit.log')]);
    const lockout = async (on: boolean): Promise<void> => {
      for (const [k, v] of [['auth-lockout-threshold', on ? '100' : '0'], ['auth-lockout-user-threshold', on ? '1000' : '0']] as const) {
        const r = await rawCall(plain.port, ['CONFIG', 'SET', k, v]);
        if (!r.startsWith('+OK')) throw new Error(`CONFIG SET ${k} failed: ${r}`);
      }
    };
    for (const pipeline of [1, 16]) {
      const n = pipeline > 1 ? requests * 10 : requests;
      for (const [name, cmd] of tests) {
        const label = `${name}${pipeline > 1 ? ` -P ${pipeline}` : ''}`;
        const lockOff: number[] = [];
        const lockOn: number[] = [];
        const auditOff: number[] = [];
        const auditOn: number[] = [];
        for (let round = 0; round < 3; round++) {
          await lockout(false);
          lockOff.push(await benchAs(plain, cmd, n, pipeline, false));
          await lockout(true);
          lockOn.push(await benchAs(plain, cmd, n, pipeline, false));
          auditOff.push(await benchAs(plain, cmd, n, pipeline, false));
          auditOn.push(await benchAs(audited, cmd, n, pipeline, false));
        }
        for (const [what, off, on] of [['AUTH lockout', lockOff, lockOn], ['audit log', auditOff, auditOn]] as const) {
          const a = median(off);
          const b = median(on);
          rows.push(`| ${label} | ${what} | ${fmt(a, 2)} | ${fmt(b, 2)} | ${fmt(((b - a) / a) * 100, 1)}% |`);
          process.stderr.write(`${rows[rows.length - 1]}\n`);
        }
      }
    }
  } finally {
    await stop(plain);
    await stop(audited);
    rmSync(dir, { recursive: true, force: true });
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
        ? [...cpuSet(0), process.execPath, ...redoubtNodeArgs, 'dist/src/main.js', '--port', String(port), '--save', '', ...tlsArgs(tlsPort)]
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

/** `n` entries appended to one stream (XADD bench:memstream * field <n> value xxx), as loadData. */
function loadStream(n: number): Buffer {
  // In chunks: 10M requests are more text than one JavaScript string may hold.
  const chunks: Buffer[] = [];
  for (let start = 0; start < n; start += 100_000) {
    const parts: string[] = [];
    for (let i = start; i < Math.min(n, start + 100_000); i++) {
      const v = String(i);
      parts.push(`*7\r\n$4\r\nXADD\r\n$15\r\nbench:memstream\r\n$1\r\n*\r\n$5\r\nfield\r\n$${v.length}\r\n${v}\r\n$5\r\nvalue\r\n$3\r\nxxx\r\n`);
    }
    chunks.push(Buffer.from(parts.join(''), 'latin1'));
  }
  return Buffer.concat(chunks);
}

/** Memory growth per request of `data` (n requests); null when the server refuses `probe`. */
async function memoryPerKey(start: () => Promise<Bench>, data: Buffer, n: number, probe: string[] = ['SET', '__bench_probe', 'x']): Promise<Memory | null> {
  const b = await start();
  try {
    if ((await rawCall(b.port, probe)).startsWith('-')) return null;
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

/** Idle connections for the memory section: at most this many, fewer under a lower open-files limit. */
const IDLE_CONNECTIONS = 5000;
/** How long they stay idle before the server's RSS is read: past both servers' query buffer release (2 s idle) and Redis's reply buffer shrink (its peak resets every 5 s). */
const IDLE_MS = 8000;

/** This process's soft limit on open files (/proc/self/limits), or 1024 when it cannot be read. */
function openFilesLimit(): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
  return m === null ? 1024 : m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

/**
 * RSS growth per connection for `n` connections that each sent one PING (and read its reply), then
 * stayed idle IDLE_MS: what thousands of pooled or abandoned connections cost.
 */
async function idleConnectionCost(start: (extra: string[]) => Promise<Bench>, n: number): Promise<number> {
  const b = await start(['--maxclients', String(n + 64)]);
  const socks: net.Socket[] = [];
  try {
    await delay(500);
    const rss0 = rssBytes(b.proc.pid!);
    for (let i = 0; i < n; i++) {
      const s = net.connect({ port: b.port, host: '127.0.0.1' });
      socks.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.once('connect', () => {
          s.once('data', () => resolve());
          s.write('PING\r\n');
        });
      });
    }
    await delay(IDLE_MS);
    return (rssBytes(b.proc.pid!) - rss0) / n;
  } finally {
    for (const s of socks) s.destroy();
    await stop(b);
  }
}

/** Wall-clock time in ms since the epoch, sub-millisecond, comparable with the probe's sample times. */
const now = (): number => performance.timeOrigin + performance.now();
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Samples {
  /** Completion time of each round trip (ms since the epoch), ascending. */
  ends: number[];
  rtts: number[];
}

interface Probe {
  /** Ends the probe and returns its samples. */
  stop(): Promise<Samples>;
  /** Kills the probe if it is still running (clean-up on error). */
  kill(): void;
}

/** Starts bench/probe.ts (one GET of `key` at a time over one connection), pinned to CPU 1. */
async function startProbe(port: number, key: string): Promise<Probe> {
  const cmd = [...cpuSet(1), process.execPath, path.join(ROOT, 'dist/bench/probe.js'), String(port), key];
  const p = track(spawn(cmd[0]!, cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  p.stdin.on('error', () => {}); // a probe that died is reported by stop() from its exit code
  const closed = new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
  const deadline = Date.now() + 10_000;
  while (!stdout.startsWith('ready\n')) {
    if (p.exitCode !== null || Date.now() > deadline) {
      p.kill('SIGKILL');
      throw new Error(`the latency probe did not start: ${stderr}`);
    }
    await delay(10);
  }
  return {
    async stop() {
      p.stdin.end();
      const code = await closed;
      const lines = stdout.split('\n');
      const head = /^samples (\d+) errors (\d+)$/.exec(lines[1] ?? '');
      if (code !== 0 || head === null) throw new Error(`the latency probe failed (${code}): ${stderr}`);
      if (head[2] !== '0') throw new Error(`the latency probe got ${head[2]} error replies: ${stderr}`);
      const s: Samples = { ends: [], rtts: [] };
      for (const l of lines.slice(2, 2 + Number(head[1]))) {
        const [end, rtt] = l.split(' ');
        s.ends.push(Number(end));
        s.rtts.push(Number(rtt));
      }
      return s;
    },
    kill() {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    },
  };
}

interface Latency {
  samples: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Latency of the round trips that completed within [from, to] (nearest-rank percentiles). */
function latency(s: Samples, from: number, to: number): Latency {
  const xs: number[] = [];
  for (let i = 0; i < s.ends.length; i++) if (s.ends[i]! >= from && s.ends[i]! <= to) xs.push(s.rtts[i]!);
  xs.sort((a, b) => a - b);
  const rank = (q: number): number => (xs.length === 0 ? NaN : xs[Math.max(0, Math.ceil(q * xs.length) - 1)]!);
  return { samples: xs.length, p50: rank(0.5), p99: rank(0.99), p999: rank(0.999), max: rank(1) };
}

async function infoField(port: number, section: string, field: string): Promise<string> {
  const info = await rawCall(port, ['INFO', section], 120_000);
  const m = new RegExp(`\\r\\n${field}:([^\\r]*)\\r\\n`).exec(info);
  if (m === null) throw new Error(`INFO ${section} has no ${field}: ${info.slice(0, 300)}`);
  return m[1]!;
}

const TAIL_WARMUP_MS = 2000;
/** Long enough for V8's major collections of a 1M-key heap under this load to fall inside it. */
const TAIL_WINDOW_MS = 30_000;

/**
 * The latency other clients see under a steady GET/SET load on `keys` keys (the tail section):
 * the probe's round trips over TAIL_WINDOW_MS, and for Redoubt the GC pauses in that window.
 */
async function tailLatency(start: (extra: string[]) => Promise<Bench>, data: Buffer, keys: number): Promise<string> {
  let b: Bench | null = null;
  try {
    b = await start([]);
    const name = b.name;
    return await underLoad(b, data, keys, async (probe, stillLoading) => {
      await delay(TAIL_WARMUP_MS);
      await rawCall(b!.port, ['CONFIG', 'RESETSTAT']);
      const t0 = now();
      await delay(TAIL_WINDOW_MS);
      const t1 = now();
      const info = await rawCall(b!.port, ['INFO', 'stats'], 120_000);
      stillLoading();
      const l = latency(await probe.stop(), t0, t1);
      const field = (f: string): string | null => new RegExp(`\\r\\n${f}:([^\\r]*)\\r\\n`).exec(info)?.[1] ?? null;
      const pauses = field('gc_pauses');
      let gc = '| n/a | n/a | n/a | n/a | n/a |';
      if (pauses !== null) {
        // Pauses longer than 10 ms: the histogram's buckets past le10.
        const hist = Object.fromEntries((field('gc_pause_histogram_ms') ?? '').split(',').map((kv) => kv.split('=') as [string, string]));
        const over10 = ['le20', 'le50', 'le100', 'inf'].reduce((n, k) => n + Number(hist[k] ?? 0), 0);
        gc = `| ${fmt(Number(pauses))} | ${fmt(Number(field('gc_major_pauses')))} | ${fmt(Number(field('gc_pause_total_ms')), 1)} | ${fmt(Number(field('gc_pause_max_ms')), 1)} | ${fmt(over10)} |`;
      }
      const row = `| ${name} | ${fmt(l.samples)} | ${fmt(l.p50, 2)} | ${fmt(l.p99, 2)} | ${fmt(l.p999, 2)} | ${fmt(l.max, 2)} ${gc}`;
      process.stderr.write(`${row}\n`);
      return row;
    });
  } finally {
    await stop(b);
  }
}

/**
 * Loads `data` (SETs of `keys` keys) into `b`, then runs `body` while redis-benchmark runs SET/GET
 * on those keys (random keys, -c 50, pinned to CPU 1) and the probe times one GET at a time.
 * `stillLoading()` throws if redis-benchmark stopped early. The load and the probe are stopped
 * afterwards, whatever happens; the server is the caller's.
 */
async function underLoad<T>(b: Bench, data: Buffer, keys: number, body: (probe: Probe, stillLoading: () => void) => Promise<T>): Promise<T> {
  const r = await run(['redis-cli', '-h', '127.0.0.1', '-p', String(b.port), '--pipe'], data);
  if (r.code !== 0 || !r.stdout.includes(`errors: 0, replies: ${keys}`)) throw new Error(`loading keys into ${b.name} failed: ${r.stdout.slice(-500)} ${r.stderr.slice(-500)}`);
  let loadErr = '';
  const bench = [...cpuSet(1), 'redis-benchmark', '-h', '127.0.0.1', '-p', String(b.port), '-t', 'set,get', '-r', String(keys), '-c', '50', '-l', '-q'];
  const load = track(spawn(bench[0]!, bench.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] }));
  load.stderr?.on('data', (d: Buffer) => (loadErr += d.toString()));
  let probe: Probe | null = null;
  try {
    probe = await startProbe(b.port, 'key:' + '0'.padStart(12, '0'));
    return await body(probe, () => {
      if (load.exitCode !== null) throw new Error(`redis-benchmark against ${b.name} stopped early: ${loadErr.slice(-500)}`);
    });
  } finally {
    probe?.kill();
    if (load.exitCode === null && load.signalCode === null) {
      const exited = new Promise((resolve) => load.once('exit', resolve));
      load.kill('SIGTERM');
      await exited;
    }
  }
}

/** Probing windows of the bgsave section: the baseline (GET/SET load, no snapshot) before the BGSAVE. */
const BGSAVE_WARMUP_MS = 1000;
const BGSAVE_BASELINE_MS = 3000;

/**
 * The latency other clients see while a snapshot is taken: `keys` keys loaded, redis-benchmark
 * running SET/GET on them (random keys, -c 50, pinned to CPU 1), and the probe timing one GET at a
 * time, first for a baseline window, then from BGSAVE until INFO shows it finished. Returns table rows.
 */
async function bgsaveLatency(start: (extra: string[]) => Promise<Bench>, data: Buffer, keys: number): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'redoubt-bench-bgsave-'));
  tempDirs.add(dir);
  let b: Bench | null = null;
  try {
    b = await start(['--dir', dir]);
    const { port, name } = b;
    return await underLoad(b, data, keys, async (probe, stillLoading) => {
      await delay(BGSAVE_WARMUP_MS);
      const base0 = now();
      await delay(BGSAVE_BASELINE_MS);
      const base1 = now();
      if ((await infoField(port, 'persistence', 'rdb_bgsave_in_progress')) !== '0') throw new Error(`${name}: a BGSAVE is already running`);
      const t0 = now();
      const reply = await rawCall(port, ['BGSAVE'], 120_000);
      if (!reply.startsWith('+Background saving started')) throw new Error(`BGSAVE on ${name}: ${reply.trim()}`);
      const replied = now();
      const deadline = Date.now() + 600_000;
      while ((await infoField(port, 'persistence', 'rdb_bgsave_in_progress')) !== '0') {
        if (Date.now() > deadline) throw new Error(`BGSAVE on ${name} did not finish within 10 minutes`);
        await delay(10);
      }
      const t1 = now();
      const status = await infoField(port, 'persistence', 'rdb_last_bgsave_status');
      if (status !== 'ok') throw new Error(`BGSAVE on ${name} failed: rdb_last_bgsave_status:${status}`);
      stillLoading();
      const samples = await probe.stop();
      const row = (window: string, l: Latency, extra: string): string =>
        `| ${window} | ${name} | ${fmt(l.samples)} | ${fmt(l.p50, 2)} | ${fmt(l.p99, 2)} | ${fmt(l.max, 2)} | ${extra} |`;
      const rows = [
        row('baseline', latency(samples, base0, base1), `${fmt(BGSAVE_BASELINE_MS)} ms window`),
        row('BGSAVE', latency(samples, t0, t1), `${fmt(t1 - t0)} ms (reply after ${fmt(replied - t0, 1)} ms)`),
      ];
      for (const x of rows) process.stderr.write(`${x}\n`);
      return rows;
    });
  } finally {
    await stop(b);
    rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
  }
}

/**
 * Sends every command of `commands` on one connection, at most `window` unanswered at a time.
 * Every reply must be one line (integer, status): an error reply fails the run.
 */
function pipelined(port: number, commands: Iterable<string[]>, window = 64): Promise<void> {
  return new Promise((resolve, reject) => {
    const it = commands[Symbol.iterator]();
    const s = net.connect(port, '127.0.0.1');
    let inflight = 0;
    let done = false;
    let rest = '';
    const fail = (e: Error): void => {
      s.destroy();
      reject(e);
    };
    const fill = (): void => {
      while (!done && inflight < window) {
        const next = it.next();
        if (next.done === true) {
          done = true;
          break;
        }
        const argv = next.value;
        const parts = [`*${argv.length}\r\n`];
        for (const a of argv) parts.push(`$${Buffer.byteLength(a, 'latin1')}\r\n`, a, '\r\n');
        s.write(Buffer.from(parts.join(''), 'latin1'));
        inflight++;
      }
      if (done && inflight === 0) {
        s.end();
        resolve();
      }
    };
    s.on('connect', fill);
    s.on('data', (d: Buffer) => {
      const text = rest + d.toString('latin1');
      const lines = text.split('\r\n');
      rest = lines.pop()!;
      for (const l of lines) {
        if (l.startsWith('-')) return fail(new Error(`error reply while loading: ${l}`));
        inflight--;
      }
      fill();
    });
    s.on('error', fail);
  });
}

/** The bigkeys section's values: how each is built (1,000 elements per command) and counted. */
const BIG_VALUES: { type: string; key: string; count: string; command: (from: number, to: number) => string[] }[] = [
  { type: 'list', key: 'big:list', count: 'LLEN', command: (a, z) => ['RPUSH', 'big:list', ...range(a, z, (i) => [`element:${i}`])] },
  { type: 'set', key: 'big:set', count: 'SCARD', command: (a, z) => ['SADD', 'big:set', ...range(a, z, (i) => [`member:${i}`])] },
  { type: 'hash', key: 'big:hash', count: 'HLEN', command: (a, z) => ['HSET', 'big:hash', ...range(a, z, (i) => [`field:${i}`, String(i)])] },
  { type: 'zset', key: 'big:zset', count: 'ZCARD', command: (a, z) => ['ZADD', 'big:zset', ...range(a, z, (i) => [String(i), `member:${i}`])] },
];
const BIG_BATCH = 1000;
/** How long the probe keeps running after a DEL/FLUSHALL replied (Node collects the garbage later). */
const BIG_AFTER_MS = 1000;

function range(from: number, to: number, f: (i: number) => string[]): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(...f(i));
  return out;
}

function* batches(n: number, command: (from: number, to: number) => string[]): Generator<string[]> {
  for (let i = 0; i < n; i += BIG_BATCH) yield command(i, Math.min(n, i + BIG_BATCH));
}

/** Builds one value of `n` elements and checks its size; returns the load time (ms) and RSS growth. */
async function buildBig(b: Bench, v: (typeof BIG_VALUES)[number], n: number): Promise<{ ms: number; rss: number }> {
  const rss0 = rssBytes(b.proc.pid!);
  const t0 = now();
  await pipelined(b.port, batches(n, v.command));
  const ms = now() - t0;
  const rss1 = rssBytes(b.proc.pid!);
  const count = await rawCall(b.port, [v.count, v.key]);
  if (count !== `:${n}\r\n`) throw new Error(`${b.name}: ${v.count} ${v.key} replied ${JSON.stringify(count)}, expected :${n}`);
  return { ms, rss: rss1 - rss0 };
}

/**
 * Values of `n` elements: building each (time, RSS growth), then, with the probe running, DEL of
 * each and FLUSHALL ASYNC of a rebuilt one: the reply time and the probe's latency from the
 * command until BIG_AFTER_MS after its reply. Returns rows of the build table and the delete table.
 */
async function bigKeys(start: () => Promise<Bench>, n: number): Promise<{ build: string[]; del: string[] }> {
  const build: string[] = [];
  const del: string[] = [];
  let b: Bench | null = null;
  let probe: Probe | null = null;
  try {
    b = await start();
    for (const v of BIG_VALUES) {
      const r = await buildBig(b, v, n);
      build.push(`| ${v.type} | ${b.name} | ${fmt(r.ms / 1000, 2)} | ${fmt(r.rss / 1048576, 1)} | ${fmt(r.rss / n, 1)} |`);
      process.stderr.write(`${build[build.length - 1]}\n`);
    }
    const rebuilt = BIG_VALUES[1]!;
    const probeKey = 'bench:probe';
    if (!(await rawCall(b.port, ['SET', probeKey, 'xxx'])).startsWith('+OK')) throw new Error(`SET on ${b.name} failed`);
    probe = await startProbe(b.port, probeKey);
    const base0 = now();
    await delay(BIG_AFTER_MS);
    const windows: { label: string; t0: number; t1: number; reply: number }[] = [{ label: 'none (baseline)', t0: base0, t1: now(), reply: NaN }];
    const timed = async (label: string, argv: string[], expect: string): Promise<void> => {
      const t0 = now();
      const reply = await rawCall(b!.port, argv, 600_000);
      const t1 = now();
      if (reply !== expect) throw new Error(`${argv.join(' ')} on ${b!.name} replied ${JSON.stringify(reply)}`);
      await delay(BIG_AFTER_MS);
      windows.push({ label, t0, t1: t1 + BIG_AFTER_MS, reply: t1 - t0 });
    };
    for (const v of BIG_VALUES) await timed(`DEL ${v.type}`, ['DEL', v.key], ':1\r\n');
    // The probe pauses while the value is rebuilt, so that the build does not count in any window.
    const first = await probe.stop();
    probe = null;
    const rb = await buildBig(b, rebuilt, n);
    process.stderr.write(`(${rebuilt.type} rebuilt on ${b.name} in ${fmt(rb.ms / 1000, 2)} s)\n`);
    probe = await startProbe(b.port, probeKey);
    await timed(`FLUSHALL ASYNC (${rebuilt.type})`, ['FLUSHALL', 'ASYNC'], '+OK\r\n');
    const second = await probe.stop();
    probe = null;
    const samples: Samples = { ends: [...first.ends, ...second.ends], rtts: [...first.rtts, ...second.rtts] };
    for (const w of windows) {
      const l = latency(samples, w.t0, w.t1);
      del.push(`| ${w.label} | ${b.name} | ${Number.isNaN(w.reply) ? 'n/a' : fmt(w.reply, 1)} | ${fmt(l.samples)} | ${fmt(l.p99, 2)} | ${fmt(l.max, 2)} |`);
      process.stderr.write(`${del[del.length - 1]}\n`);
    }
    return { build, del };
  } finally {
    probe?.kill();
    await stop(b);
  }
}

/** The abuse section: requirepass (strangers lack it) and the user the benchmark logs in as. */
const ABUSE_PASS = 'abuse-bench-requirepass';
const ABUSE_USER = ['bench', 'abuse-bench-user-pass'] as const;
const ABUSE_ATTACKERS = 20;
const ABUSE_SUBSCRIBERS = 20;
/** How long the attack runs before redis-benchmark starts (buffers fill, limits are reached). */
const ABUSE_WARMUP_MS = 2000;
/** Time limits of each redis-benchmark run (SET, GET) without and with the attack. */
const ABUSE_BASELINE_MS = 30_000;
const ABUSE_ATTACKED_MS = 10_000;
/** The server's RSS at which the attack is cut short, so that the bench cannot exhaust the machine. */
const ABUSE_RSS_CAP = 4 * 1024 ** 3;
const ABUSE_SAMPLE_MS = 20;

/** End of the RESP2 reply that starts at `at` in `buf`, or -1 while it is incomplete. */
function replyEnd(buf: Buffer, at: number): number {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return -1;
  const n = Number(buf.toString('latin1', at + 1, eol));
  if (buf[at] === 0x24 /* $ */) return n < 0 ? eol + 2 : buf.length >= eol + 4 + n ? eol + 4 + n : -1;
  if (buf[at] !== 0x2a /* * */) return eol + 2;
  let p = eol + 2;
  for (let i = 0; i < n && p >= 0; i++) p = replyEnd(buf, p);
  return p;
}

/** AUTH as `user`, then one command, on a fresh connection: the command's raw reply. */
function callAs(port: number, user: string, pass: string, argv: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const finish = (e: Error | null, reply = ''): void => {
      clearTimeout(timer);
      s.destroy();
      if (e === null) resolve(reply);
      else reject(e);
    };
    const timer = setTimeout(() => finish(new Error(`no reply to ${argv[0]} within ${timeoutMs} ms`)), timeoutMs);
    s.on('connect', () => {
      const parts: string[] = [];
      for (const cmd of [['AUTH', user, pass], argv]) {
        parts.push(`*${cmd.length}\r\n`);
        for (const a of cmd) parts.push(`$${Buffer.byteLength(a, 'latin1')}\r\n`, a, '\r\n');
      }
      s.write(Buffer.from(parts.join(''), 'latin1'));
    });
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const auth = replyEnd(buf, 0);
      if (auth < 0) return;
      if (buf.toString('latin1', 0, auth) !== '+OK\r\n') return finish(new Error(`AUTH ${user}: ${buf.toString('latin1', 0, auth).trim()}`));
      const end = replyEnd(buf, auth);
      if (end >= 0) finish(null, buf.toString('latin1', auth, end));
    });
    s.on('error', (e) => finish(e));
    s.on('close', () => finish(new Error('connection closed before the reply')));
  });
}

interface Limited {
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; killed: string | null }>;
  /** Stops the process (SIGKILL); `why` is reported as `killed`. */
  kill(why: string): void;
}

/** Runs a command, killed after `ms` (reported as 'partial'), or earlier by kill(). */
function runLimited(cmd: string[], ms: number): Limited {
  const [bin, ...args] = cmd as [string, ...string[]];
  const p = track(spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  let killed: string | null = null;
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const kill = (why: string): void => {
    if (p.exitCode !== null || p.signalCode !== null) return;
    killed ??= why;
    p.kill('SIGKILL');
  };
  const timer = setTimeout(() => kill('partial'), ms);
  const done = new Promise<Awaited<Limited['done']>>((resolve) => {
    p.on('error', (e) => (stderr += String(e)));
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, killed });
    });
  });
  return { done, kill };
}

/** Requests per second of one test, and why it is partial or missing ('' when it completed). */
interface Rate {
  rps: number | null;
  note: string;
}

/**
 * redis-benchmark -t `test` as ABUSE_USER, stopped after `limitMs`; `started` gets the run, so that
 * it can be cut short. A run that was stopped reports the overall rate of its last progress line
 * (redis-benchmark prints one every 250 ms).
 */
async function abuseRate(b: Bench, test: 'SET' | 'GET', requests: number, limitMs: number, started: (l: Limited) => void = () => {}): Promise<Rate> {
  const l = runLimited(
    [...cpuSet(1), 'redis-benchmark', '-h', '127.0.0.1', '-p', String(b.port), '--user', ABUSE_USER[0], '-a', ABUSE_USER[1], '-n', String(requests), '-c', '50', '-q', '-t', test.toLowerCase()],
    limitMs,
  );
  started(l);
  const r = await l.done;
  let rps: number | null = null;
  let final = false;
  for (const line of r.stdout.split(/[\r\n]/)) {
    const done = new RegExp(`^${test}: ([\\d.]+) requests per second`).exec(line);
    const progress = new RegExp(`^${test}: rps=\\S+ \\(overall: ([\\d.]+)\\)`).exec(line);
    if (done !== null) [rps, final] = [Number(done[1]), true];
    else if (progress !== null) rps = Number(progress[1]);
  }
  // Killed before anything completed, it printed no rate ("overall: -nan"): none in that time.
  if (r.killed !== null) return { rps: rps ?? 0, note: r.killed };
  if (r.code !== 0 || !final) {
    // A server that died resets redis-benchmark's connections: its exit may be seen a moment later.
    const exited = (): boolean => b.proc.exitCode !== null || b.proc.signalCode !== null;
    for (let i = 0; i < 50 && !exited(); i++) await delay(10);
    if (exited()) return { rps, note: 'server exited' };
    process.stderr.write(`redis-benchmark -t ${test} against ${b.name} failed (${r.code ?? r.signal}): ${(r.stdout + r.stderr).trim().slice(-300)}\n`);
    return { rps: final ? rps : null, note: 'failed' };
  }
  return { rps, note: '' };
}

interface AbuseCounts {
  attackers: { connections: number; drops: number; failed: number; bytes: number };
  subscribers: { connections: number; drops: number; failed: number };
  publisher: { connections: number; drops: number; failed: number; published: number; errors: number };
}

interface Attack {
  /** Tells the child to stop (closes its stdin); stop() then collects its counts. */
  end(): void;
  /** Ends the attack and returns its counts. */
  stop(): Promise<AbuseCounts>;
  /** Kills the child if it is still running (clean-up on error). */
  kill(): void;
}

/** Starts bench/abuse.ts against `port`, pinned to CPU 1 with redis-benchmark. */
async function startAttack(port: number): Promise<Attack> {
  const cmd = [...cpuSet(1), process.execPath, path.join(ROOT, 'dist/bench/abuse.js'), String(port), ...ABUSE_USER, String(ABUSE_ATTACKERS), String(ABUSE_SUBSCRIBERS)];
  const p = track(spawn(cmd[0]!, cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  p.stdin.on('error', () => {}); // a child that died is reported by stop() from its exit code
  const closed = new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
  const kill = (): void => {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  };
  const deadline = Date.now() + 10_000;
  while (!stdout.startsWith('ready\n')) {
    if (p.exitCode !== null || Date.now() > deadline) {
      kill();
      throw new Error(`the abuse clients did not start: ${stderr}`);
    }
    await delay(10);
  }
  return {
    end() {
      p.stdin.end();
    },
    async stop() {
      p.stdin.end();
      const t = setTimeout(kill, 10_000);
      const code = await closed;
      clearTimeout(t);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) throw new Error(`the abuse clients failed (${code}): ${stderr}`);
      return JSON.parse(last) as AbuseCounts;
    },
    kill,
  };
}

/** INFO stats total_net_input_bytes (as ABUSE_USER), or null when the server does not answer in 5 s. */
async function netInput(port: number): Promise<number | null> {
  const info = await callAs(port, ...ABUSE_USER, ['INFO', 'stats'], 5000).catch(() => '');
  const m = /\r\ntotal_net_input_bytes:(\d+)\r\n/.exec(info);
  return m === null ? null : Number(m[1]);
}

/**
 * One server under abuse: started with requirepass, SET/GET as ABUSE_USER without an attack, then
 * again while the attackers, the silent subscribers and the publisher run; its RSS sampled
 * throughout the attack (and its VmHWM, reset before it), then PING. A server that dies or stops
 * answering is reported in the row, not thrown. Returns the table row.
 */
async function abuseOne(start: (extra: string[]) => Promise<Bench>, requests: number): Promise<string> {
  let b: Bench | null = null;
  // Set from callbacks: the attack, the running redis-benchmark, timers, the server's exit listener.
  const st: { attack: Attack | null; load: Limited | null; sampler: NodeJS.Timeout | null; warmup: NodeJS.Timeout | null; onExit: (() => void) | null } = {
    attack: null,
    load: null,
    sampler: null,
    warmup: null,
    onExit: null,
  };
  try {
    b = await start(['--requirepass', ABUSE_PASS]);
    const srv = b;
    const pid = srv.proc.pid!;
    const acl = await callAs(srv.port, 'default', ABUSE_PASS, ['ACL', 'SETUSER', ABUSE_USER[0], 'reset', 'on', `>${ABUSE_USER[1]}`, '~*', '&*', '+@all']);
    if (acl !== '+OK\r\n') throw new Error(`ACL SETUSER on ${srv.name}: ${acl.trim()}`);
    const stranger = await rawCall(srv.port, ['PING']);
    if (!stranger.startsWith('-NOAUTH')) throw new Error(`${srv.name} answers PING without AUTH: ${stranger.trim()}`);
    let gone: string | null = null;
    const exited = new Promise<void>((resolve) => {
      st.onExit = () => {
        gone = `exited (${srv.proc.signalCode ?? `code ${srv.proc.exitCode}`})`;
        st.load?.kill('server exited');
        resolve();
      };
      srv.proc.once('exit', st.onExit);
    });
    // Warm-up (not measured), then the baseline.
    for (const t of ['SET', 'GET'] as const) await abuseRate(srv, t, Math.min(requests, 20_000), ABUSE_ATTACKED_MS);
    const base = { set: await abuseRate(srv, 'SET', requests, ABUSE_BASELINE_MS), get: await abuseRate(srv, 'GET', requests, ABUSE_BASELINE_MS) };
    // /proc/<pid> disappears when the server dies: NaN then, reported as n/a.
    const orNaN = (f: () => number): number => {
      try {
        return f();
      } catch {
        return NaN;
      }
    };
    const rss0 = orNaN(() => rssBytes(pid));
    let peak = rss0;
    let hwmReset = true;
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
    } catch {
      hwmReset = false;
    }
    let capped = false;
    const seen = (rss: number): void => {
      if (!Number.isNaN(rss)) peak = Number.isNaN(peak) ? rss : Math.max(peak, rss);
    };
    st.sampler = setInterval(() => {
      seen(orNaN(() => rssBytes(pid)));
      if (peak > ABUSE_RSS_CAP && !capped) {
        capped = true;
        st.load?.kill('RSS cap');
        st.attack?.end();
      }
    }, ABUSE_SAMPLE_MS);
    const input0 = await netInput(srv.port);
    st.attack = await startAttack(srv.port);
    await Promise.race([exited, new Promise<void>((r) => (st.warmup = setTimeout(r, ABUSE_WARMUP_MS)))]);
    clearTimeout(st.warmup ?? undefined);
    const cpu0 = orNaN(() => cpuMicros(pid));
    const t0 = now();
    const attacked = async (test: 'SET' | 'GET'): Promise<Rate> =>
      gone !== null || capped ? { rps: null, note: gone !== null ? 'server exited' : 'RSS cap' } : abuseRate(srv, test, requests, ABUSE_ATTACKED_MS, (l) => (st.load = l));
    const hit = { set: await attacked('SET'), get: await attacked('GET') };
    st.load = null;
    const cpu = ((orNaN(() => cpuMicros(pid)) - cpu0) / ((now() - t0) * 1000)) * 100;
    let ping: string;
    if (gone !== null) ping = `no: ${gone}`;
    else {
      const p0 = now();
      ping = await callAs(srv.port, ...ABUSE_USER, ['PING'], 5000).then(
        (r) => (r === '+PONG\r\n' ? `yes (${fmt(now() - p0, 1)} ms)` : `no: ${r.trim()}`),
        (e: unknown) => `no: ${(e as Error).message}`,
      );
    }
    const input1 = gone === null ? await netInput(srv.port) : null;
    const counts = await st.attack.stop();
    st.attack = null;
    clearInterval(st.sampler);
    st.sampler = null;
    if (hwmReset) seen(orNaN(() => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? NaN) * 1024));
    if (counts.publisher.errors > 0) process.stderr.write(`(${srv.name}: the publisher got ${counts.publisher.errors} error replies)\n`);
    const cell = (r: Rate): string => (r.rps === null ? r.note || 'n/a' : fmt(r.rps) + (r.note ? ` (${r.note})` : ''));
    const mib = (n: number): string => (Number.isNaN(n) ? 'n/a' : fmt(n / 1048576, 1));
    const row =
      `| ${srv.name} | ${cell(base.set)} | ${cell(hit.set)} | ${cell(base.get)} | ${cell(hit.get)} | ${Number.isNaN(cpu) ? 'n/a' : fmt(cpu)} | ` +
      `${mib(rss0)} | ${mib(peak)}${capped ? ' (cap)' : ''} | ${fmt(counts.attackers.drops)} | ${mib(counts.attackers.bytes)} | ` +
      `${input0 === null || input1 === null ? 'n/a' : mib(input1 - input0)} | ` +
      `${fmt(counts.subscribers.drops)} | ${fmt(counts.publisher.published)} | ${ping} |`;
    process.stderr.write(`${row}\n`);
    return row;
  } finally {
    st.load?.kill('error');
    st.attack?.kill();
    if (st.sampler !== null) clearInterval(st.sampler);
    if (st.warmup !== null) clearTimeout(st.warmup);
    if (b !== null && st.onExit !== null) b.proc.off('exit', st.onExit);
    await stop(b);
  }
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A Markdown table (`left` columns left-aligned, the others right-aligned) after a blank line, and after its caption when given. */
function printTable(header: string, rows: readonly string[], left: number, caption?: string): void {
  console.log('');
  if (caption !== undefined) {
    console.log(caption);
    console.log('');
  }
  const cols = header.split('|').length - 2;
  console.log(header);
  console.log('|' + Array.from({ length: cols }, (_, i) => (i < left ? '---' : '---:')).join('|') + '|');
  for (const r of rows) console.log(r);
}

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
    const all = [...live];
    const exited = all.map((p) => new Promise<void>((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve()))));
    for (const p of all) p.kill('SIGTERM');
    const t = setTimeout(() => all.forEach((p) => p.kill('SIGKILL')), 5000);
    void Promise.all(exited).then(() => {
      clearTimeout(t);
      for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const rows: string[] = [];
  let memRows: string[] = [];
  let idleCount = 0;
  let aclRows: string[] = [];
  let floorRows: string[] = [];
  let inprocessRows: string[] = [];
  let defenseRows: string[] = [];
  let tls: { rows: string[]; overhead: Map<string, number[]> } = { rows: [], overhead: new Map() };
  const bgsaveRows: string[] = [];
  const tailRows: string[] = [];
  const bigBuildRows: string[] = [];
  const bigDelRows: string[] = [];
  const abuseRows: string[] = [];
  let embedRows: { starts: string[]; loop: string[] } = { starts: [], loop: [] };
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
    for (const pipeline of opt.only.has('commands') ? [1, 16] : []) {
      for (const test of TESTS) {
        // Pipelined tests run 10x the requests, so that CPU time (counted in 10 ms ticks) stays measurable.
        const spec: TestSpec = SPECS[test];
        const n = pipeline > 1 && spec.heavy !== true ? opt.requests * 10 : opt.requests;
        const res = await alternatingRounds([redoubt, redis], test, n, pipeline, opt.rounds);
        const a = res.get(redoubt.name) ?? null;
        const r = res.get(redis.name) ?? null;
        const label = `${test}${pipeline > 1 ? ` -P ${pipeline}` : ''}`;
        if (a === null || r === null) {
          rows.push(`| ${label} | ${a ? fmt(a.rps) : 'n/a'} | ${r ? fmt(r.rps) : 'n/a'} | n/a | ${a ? fmt(a.cpuPerReq, 2) : 'n/a'} | ${r ? fmt(r.cpuPerReq, 2) : 'n/a'} | n/a |`);
        } else {
          rows.push(`| ${label} | ${fmt(a.rps)} | ${fmt(r.rps)} | ${fmt(pairedRatio(a, r, (x) => x.rps), 2)} | ${fmt(a.cpuPerReq, 2)} | ${fmt(r.cpuPerReq, 2)} | ${fmt(pairedRatio(a, r, (x) => x.cpuPerReq), 2)} |`);
        }
        process.stderr.write(`${rows[rows.length - 1]}\n`);
      }
    }
    if (opt.only.has('floor')) floorRows = await floorCost(redoubt, redis, opt.requests, opt.rounds);
    if (opt.only.has('inprocess')) inprocessRows = await inprocessCost();
    if (opt.only.has('acl')) aclRows = await aclCost([redoubt, redis], opt.requests);
    await cleanup();
    redoubt = redis = null;
    if (opt.only.has('defenses')) defenseRows = await defensesCost(opt.requests);
    if (opt.only.has('tls')) tls = await tlsCost(opt.requests);
    const data = opt.only.has('memory') || opt.only.has('bgsave') || opt.only.has('tail') ? loadData(opt.keys) : null;
    const ma = data === null || !opt.only.has('memory') ? null : await memoryPerKey(startRedoubt, data, opt.keys);
    const mr = data === null || !opt.only.has('memory') ? null : await memoryPerKey(startRedis, data, opt.keys);
    const cell = (v: number | null | undefined): string => (v === null || v === undefined ? 'n/a' : fmt(v, 1));
    const ratio = (x: number | null | undefined, y: number | null | undefined): string => (x === null || x === undefined || y === null || y === undefined ? 'n/a' : fmt(x / y, 2));
    memRows = [
      `| RSS delta per key | ${cell(ma?.rssPerKey)} | ${cell(mr?.rssPerKey)} | ${ratio(ma?.rssPerKey, mr?.rssPerKey)} |`,
      `| used_memory delta per key | ${cell(ma?.usedPerKey)} | ${cell(mr?.usedPerKey)} | ${ratio(ma?.usedPerKey, mr?.usedPerKey)} |`,
    ];
    if (opt.only.has('memory')) {
      idleCount = Math.min(IDLE_CONNECTIONS, openFilesLimit() - 256);
      if (idleCount >= 500) {
        const ia = await idleConnectionCost(startRedoubt, idleCount);
        const ir = await idleConnectionCost(startRedis, idleCount);
        memRows.push(`| RSS per idle connection | ${cell(ia)} | ${cell(ir)} | ${ratio(ia, ir)} |`);
      }
      // --big entries (10M by default): at 1M, V8's young generation growing under the load
      // (a fixed ~40 MB) is half of Redoubt's RSS growth and hides the per-entry cost.
      const stream = loadStream(opt.big);
      const probe = ['XADD', '__bench_probe_x', '*', 'f', 'v'];
      const sa = await memoryPerKey(startRedoubt, stream, opt.big, probe);
      const sr = await memoryPerKey(startRedis, stream, opt.big, probe);
      memRows.push(
        `| stream RSS delta per entry | ${cell(sa?.rssPerKey)} | ${cell(sr?.rssPerKey)} | ${ratio(sa?.rssPerKey, sr?.rssPerKey)} |`,
        `| stream used_memory delta per entry | ${cell(sa?.usedPerKey)} | ${cell(sr?.usedPerKey)} | ${ratio(sa?.usedPerKey, sr?.usedPerKey)} |`,
      );
    }
    if (data !== null && opt.only.has('tail')) {
      for (const start of [startRedoubt, startRedis]) tailRows.push(await tailLatency(start, data, opt.keys));
    }
    if (data !== null && opt.only.has('bgsave')) {
      for (const start of [startRedoubt, startRedis]) bgsaveRows.push(...(await bgsaveLatency(start, data, opt.keys)));
    }
    if (opt.only.has('bigkeys')) {
      for (const start of [startRedoubt, startRedis]) {
        const r = await bigKeys(() => start(), opt.big);
        bigBuildRows.push(...r.build);
        bigDelRows.push(...r.del);
      }
    }
    if (opt.only.has('abuse')) {
      for (const start of [startRedoubt, startRedis]) abuseRows.push(await abuseOne(start, opt.requests * 2));
    }
    if (opt.only.has('embed')) embedRows = await embedCost(opt.requests);
  } finally {
    await cleanup();
  }
  console.log(`Redoubt vs ${version.stdout.trim().split(' ').slice(0, 3).join(' ')}; redis-benchmark -c 50, ${fmt(opt.requests)} requests per test (${fmt(opt.requests * 10)} with -P 16 but for ${TESTS.filter((t) => (SPECS[t] as TestSpec).heavy === true).join(' and ')}), median of ${opt.rounds} alternating round${opt.rounds > 1 ? 's' : ''} (a ratio: the median of the rounds' ratios); servers on CPU 0, redis-benchmark on CPU 1 (${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}).`);
  // Only the sections that ran: a partial run (--only) prints no empty tables.
  if (opt.only.has('commands')) {
    printTable('| Test | Redoubt req/s | Redis req/s | Redoubt/Redis | Redoubt CPU µs/req | Redis CPU µs/req | Redoubt/Redis |', rows, 1);
  }
  if (opt.only.has('floor')) {
    printTable('| Test | Redoubt | Node floor | Redis | Redoubt/Redis | floor/Redis | Redoubt/floor |', floorRows, 1, `Node's floor: a Node server that only finds each command's end and writes +OK (bench/floor.ts) beside both servers, server CPU µs per request (median of ${opt.rounds} alternating rounds; a ratio: the median of the rounds' ratios):`);
  }
  if (opt.only.has('inprocess')) {
    printTable('| Test | ns/req | min | max |', inprocessRows, 1, 'In-process cost: each test\'s request run by a Redoubt server without sockets (bench/inprocess.ts), in reads of 16 pipelined requests; ns per request, median, min and max of 7 rounds:');
  }
  if (opt.only.has('acl')) {
    printTable('| Test | Server | default user | app_cache | difference |', aclRows, 2, `The ACL's cost: the guide's user (${ACL_RULES.slice(2).join(' ')}) versus the default user, server CPU µs per request (median of 3), keys cache:<random>:`);
  }
  if (opt.only.has('defenses')) {
    printTable('| Test | Defense | off | on | difference |', defenseRows, 2, "Redoubt's own defenses on GET/SET, server CPU µs per request (median of 3): the AUTH lockout bookkeeping (default thresholds against 0, off) and the audit log (audit-log set against empty):");
  }
  if (opt.only.has('tls')) {
    printTable('| Test | Server | TCP | TLS | TLS overhead |', tls.rows, 2, 'TLS: the same commands in cleartext and over mutual TLS, server CPU µs per request, and the difference:');
    const sum = (xs: number[] | undefined): number => (xs ?? []).reduce((a, b) => a + b, 0);
    const ours = sum(tls.overhead.get('Redoubt'));
    const theirs = sum(tls.overhead.get('Redis'));
    console.log('');
    console.log(`Total TLS overhead (sum over the four tests): Redoubt ${fmt(ours, 2)} µs, Redis ${fmt(theirs, 2)} µs (Redoubt/Redis ${theirs > 0 ? fmt(ours / theirs, 2) : 'n/a'}).`);
  }
  if (opt.only.has('memory')) {
    const idle = idleCount >= 500 ? `; then of ${fmt(idleCount)} connections that each sent a PING, ${fmt(IDLE_MS / 1000)} s after, bytes per connection` : '';
    printTable('| Memory | Redoubt | Redis | Redoubt/Redis |', memRows, 1, `Memory after loading ${fmt(opt.keys)} keys (12-digit keys, 3-byte values), bytes per key${idle}; then of one stream of ${fmt(opt.big)} entries (XADD * field <i> value xxx), bytes per entry:`);
  }
  if (opt.only.has('tail')) {
    printTable('| Server | probe samples | p50 ms | p99 ms | p99.9 ms | max ms | GC pauses | of them major | GC ms in all | longest GC ms | GC pauses > 10 ms |', tailRows, 1, `The tail under load: ${fmt(opt.keys)} keys, redis-benchmark -t set,get -r ${fmt(opt.keys)} -c 50 running throughout; a probe sends one GET at a time on one connection. ` +
        `Its round trips (ms) over a ${fmt(TAIL_WINDOW_MS / 1000)} s window after ${fmt(TAIL_WARMUP_MS / 1000)} s of load, and Redoubt's garbage-collection pauses in that window (INFO stats after CONFIG RESETSTAT):`);
  }
  if (opt.only.has('bgsave')) {
    printTable('| Window | Server | probe samples | p50 ms | p99 ms | max ms | duration |', bgsaveRows, 2, `BGSAVE under load: ${fmt(opt.keys)} keys, redis-benchmark -t set,get -r ${fmt(opt.keys)} -c 50 running throughout; a probe sends one GET at a time on one connection. ` +
        `Probe round trips in ms, in a ${fmt(BGSAVE_BASELINE_MS)} ms window without a snapshot (baseline) and from BGSAVE until INFO shows rdb_bgsave_in_progress:0:`);
  }
  if (opt.only.has('bigkeys')) {
    printTable('| Value | Server | load s | RSS growth MiB | RSS bytes/element |', bigBuildRows, 2, `Values of ${fmt(opt.big)} elements, built with pipelined RPUSH/SADD/HSET/ZADD of ${fmt(BIG_BATCH)} elements each over one connection:`);
    printTable('| Command | Server | reply ms | probe samples | probe p99 ms | probe max ms |', bigDelRows, 2, `Deleting them while a probe sends one GET at a time: the command's reply time, and the probe's round trips (ms) from the command until ${fmt(BIG_AFTER_MS)} ms after its reply ` +
        `(Redis with its default lazyfree-lazy-user-del no; FLUSHALL ASYNC after rebuilding the ${BIG_VALUES[1]!.type}):`);
  }
  if (opt.only.has('abuse')) {
    printTable('| Server | SET req/s | SET req/s attacked | GET req/s | GET req/s attacked | server CPU % attacked | RSS before MiB | RSS peak attacked MiB | attacker drops | attacker MiB written | server MiB read | subscriber drops | messages published | PING at the end |', abuseRows, 1, `Abuse: each server started with requirepass; redis-benchmark -t set, then -t get, -n ${fmt(opt.requests * 2)} -c 50 as an ACL user, first alone (after a warm-up), ` +
        `then while ${ABUSE_ATTACKERS} unauthenticated clients write PING without ever reading (reconnecting when dropped), ${ABUSE_SUBSCRIBERS} logged-in subscribers ` +
        `never read and one client PUBLISHes 1 KB messages to their channel (bench/abuse.ts, pinned to CPU 1 with redis-benchmark; the attack runs ${fmt(ABUSE_WARMUP_MS)} ms first). ` +
        `An attacked run is stopped after ${fmt(ABUSE_ATTACKED_MS / 1000)} s and then reports redis-benchmark's overall rate so far (partial). Server CPU: % of one core during the attacked runs. ` +
        `RSS peak: VmRSS every ${fmt(ABUSE_SAMPLE_MS)} ms and VmHWM (reset before the attack); the attack is cut short at ${fmt(ABUSE_RSS_CAP / 1024 ** 3)} GiB (cap). ` +
        `Attacker MiB written: what the kernel accepted from the attackers, read by the server or not; server MiB read: total_net_input_bytes over the attack, all clients ` +
        `(the publisher's 1,068 bytes per message included). PING: as the user, after the attacked runs, with the attack still on:`);
  }
  if (opt.only.has('embed')) {
    printTable('| Start | first ms | median ms | max ms | stop median ms | stop max ms |', embedRows.starts, 1, `Embedding (bench/embed.ts in a fresh Node process, ${EMBED_ROUNDS} rounds each): startServer() until the first PONG on a new connection, and stop(); ` +
        `the first round apart (it compiles the code); then a server as a process of its own until its first PONG (polled every ${PROCESS_POLL_MS} ms, median of ${PROCESS_ROUNDS}), for comparison:`);
    printTable('| Host event loop | p50 ms | p99 ms | max ms |', embedRows.loop, 1, "The host's event-loop delay (ms) with an embedded server: none, an idle server (its cron), and while redis-benchmark -t set,get -c 50 loads it from another process:");
  }
}

const EMBED_ROUNDS = 20;
const PROCESS_ROUNDS = 5;
const PROCESS_POLL_MS = 5;

/** Spawn to first PONG of a server process, polling every PROCESS_POLL_MS; stopped afterwards. */
async function processStartMs(cmd: string[], port: number): Promise<number> {
  const t0 = performance.now();
  const [bin, ...args] = cmd as [string, ...string[]];
  const proc = track(spawn(bin, args, { stdio: 'ignore', cwd: ROOT }));
  const b: Bench = { name: bin, port, proc };
  try {
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`${cmd.join(' ')} exited with ${proc.exitCode}`);
      try {
        if ((await rawCall(port, ['PING'])).startsWith('+PONG')) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      if (performance.now() - t0 > 15_000) throw new Error(`${cmd.join(' ')} did not start`);
      await new Promise((r) => setTimeout(r, PROCESS_POLL_MS));
    }
  } finally {
    await stop(b);
  }
}

/**
 * The in-process section: bench/inprocess.ts for each test, a process each (pinned as the servers,
 * with Redoubt's Node flags). Rows: test, ns per request (median, min, max of 7 rounds).
 */
async function inprocessCost(): Promise<string[]> {
  const rows: string[] = [];
  for (const t of TESTS) {
    const r = await run([...cpuSet(0), process.execPath, ...redoubtNodeArgs, path.join(ROOT, 'dist/bench/inprocess.js'), t]);
    if (r.code !== 0) {
      rows.push(`| ${t} | n/a | | |`);
      continue;
    }
    const j = JSON.parse(r.stdout) as { nsPerRequest: number; min: number; max: number };
    rows.push(`| ${t} | ${fmt(j.nsPerRequest, 0)} | ${fmt(j.min, 0)} | ${fmt(j.max, 0)} |`);
  }
  return rows;
}

async function embedCost(requests: number): Promise<{ starts: string[]; loop: string[] }> {
  const r = await run([...cpuSet(0), process.execPath, path.join(ROOT, 'dist/bench/embed.js'), String(EMBED_ROUNDS), String(requests)]);
  if (r.code !== 0) throw new Error(`bench/embed.js failed: ${r.stderr.slice(-1000)}`);
  type T = { median: number; max: number };
  type M = { first: number; start: T; stop: T };
  type L = { p50: number; p99: number; max: number };
  const j = JSON.parse(r.stdout) as { importMs: number; plain: M; withTls: M; hardened: M; loop: { alone: L; idle: L; loaded: L } };
  const row = (name: string, m: M) => `| ${name} | ${fmt(m.first, 1)} | ${fmt(m.start.median, 1)} | ${fmt(m.start.max, 1)} | ${fmt(m.stop.median, 1)} | ${fmt(m.stop.max, 1)} |`;
  const starts = [
    `| import 'redoubt' | ${fmt(j.importMs, 1)} | | | | |`,
    row('startServer()', j.plain),
    row('startServer({ tls: true })', j.withTls),
    row('startHardenedServer()', j.hardened),
  ];
  for (const [name, cmd] of [
    ['redoubt process', (port: number) => [...cpuSet(0), process.execPath, ...redoubtNodeArgs, 'dist/src/main.js', '--port', String(port), '--save', '', '--appendonly', 'no']],
    ['redis-server process', (port: number) => [...cpuSet(0), 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']],
  ] as const) {
    const ms: number[] = [];
    for (let i = 0; i < PROCESS_ROUNDS; i++) {
      const port = await freePort();
      ms.push(await processStartMs(cmd(port), port));
    }
    ms.sort((a, b) => a - b);
    starts.push(`| ${name} | | ${fmt(ms[Math.floor(ms.length / 2)]!, 1)} | ${fmt(ms[ms.length - 1]!, 1)} | | |`);
  }
  const l = (name: string, x: L) => `| ${name} | ${fmt(x.p50, 2)} | ${fmt(x.p99, 2)} | ${fmt(x.max, 2)} |`;
  return { starts, loop: [l('no server', j.loop.alone), l('idle server', j.loop.idle), l('server under redis-benchmark', j.loop.loaded)] };
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
