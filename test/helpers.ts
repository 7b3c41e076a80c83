// Shared test harness: in-process Redoubt servers, a raw RESP connection that returns reply
// bytes, and a reference redis-server for differential tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { Config } from '../src/config/config.js';
import { Logger } from '../src/server/log.js';
import { Server } from '../src/server/server.js';
import { buildCommandTable } from '../src/commands/index.js';
import type { Clock } from '../src/store/clock.js';

export interface TestServer {
  server: Server;
  port: number;
  logs: string[];
  close(): Promise<void>;
}

/** Starts Redoubt in this process on a free loopback port. `settings` are CONFIG-style pairs. */
export async function startServer(settings: Record<string, string> = {}, clock?: Clock): Promise<TestServer> {
  const config = new Config();
  config.set('port', '0');
  config.set('bind', '127.0.0.1');
  // Files (snapshots, AOF) go to a directory of the test's own, never the working tree; no save
  // points unless a test sets them.
  config.set('dir', mkdtempSync(path.join(tmpdir(), 'redoubt-test-')));
  config.set('save', '');
  for (const [k, v] of Object.entries(settings)) config.set(k, v);
  const log = new Logger();
  const logs: string[] = [];
  log.file = '/dev/null';
  log.sink = (l) => logs.push(l);
  const server = new Server(config, clock ? { clock, log, table: buildCommandTable() } : { log, table: buildCommandTable() });
  await server.listen();
  return { server, port: server.boundPorts[0]!, logs, close: () => server.close() };
}

/** A raw connection: send bytes, read reply bytes. */
export class RawConn {
  private chunks: Buffer[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.chunks.push(d);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Wraps a connected socket (a TLS socket, a unix socket). */
  static wrap(socket: net.Socket): RawConn {
    return new RawConn(socket);
  }

  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(localAddress ? { port, host, localAddress } : { port, host }, () => resolve(new RawConn(s)));
      s.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Sends a command as a multibulk request. */
  send(...args: (string | Buffer)[]): void {
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
    for (const a of args) {
      const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
      parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
    }
    this.socket.write(Buffer.concat(parts));
  }

  get buffered(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Waits (with a deadline) until one complete reply is buffered, and returns its bytes. */
  async reply(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = this.buffered;
      const end = replyEnd(all, 0);
      if (end > 0) {
        this.chunks = end < all.length ? [all.subarray(end)] : [];
        return all.subarray(0, end).toString('latin1');
      }
      if (this.closed) throw new Error(`connection closed; buffered: ${JSON.stringify(all.toString('latin1'))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no complete reply within ${timeoutMs} ms; buffered: ${JSON.stringify(all.toString('latin1'))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Sends a command and returns its reply bytes. */
  async call(...args: (string | Buffer)[]): Promise<string> {
    this.send(...args);
    return this.reply();
  }

  /** Waits until the server closes the connection. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection not closed');
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** End offset of the RESP2/RESP3 reply starting at `pos`, or -1 when incomplete. */
export function replyEnd(b: Buffer, pos: number): number {
  if (pos >= b.length) return -1;
  const nl = b.indexOf('\r\n', pos);
  if (nl < 0) return -1;
  const type = String.fromCharCode(b[pos]!);
  const head = b.toString('latin1', pos + 1, nl);
  const after = nl + 2;
  switch (type) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
      return after;
    case '$': case '=': case '!': {
      const n = Number(head);
      if (n < 0) return after;
      return b.length >= after + n + 2 ? after + n + 2 : -1;
    }
    case '*': case '~': case '>': case '%': case '|': {
      let n = Number(head);
      if (n < 0) return after;
      if (type === '%' || type === '|') n *= 2;
      let p = after;
      for (let i = 0; i < n; i++) {
        p = replyEnd(b, p);
        if (p < 0) return -1;
      }
      if (type === '|') return replyEnd(b, p);
      return p;
    }
    default:
      return after; // inline garbage: treat the line as one reply
  }
}

/** Polls `check` until it returns true or the deadline passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

export function haveRedis(): boolean {
  const ok = spawnSync('redis-server', ['--version']).status === 0;
  // CI sets REDOUBT_REQUIRE_REDIS=1: there a missing redis-server fails the differential suites.
  if (!ok && process.env['REDOUBT_REQUIRE_REDIS'] === '1') throw new Error('redis-server is required (REDOUBT_REQUIRE_REDIS=1) but was not found');
  return ok;
}

export interface RefServer {
  port: number;
  proc: ChildProcess;
  close(): Promise<void>;
}

/**
 * Polls until `port` accepts a connection; throws at once if `proc` exits first (with `output()`,
 * when given, in the message).
 */
export async function waitAccepting(port: number, proc: ChildProcess, timeoutMs: number, what: string, output: () => string = () => ''): Promise<void> {
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}): ${output()}`);
      try {
        const c = await RawConn.connect(port);
        c.close();
        return true;
      } catch {
        return false;
      }
    },
    timeoutMs,
    what,
  );
}

/** Redoubt as a process of its own (crash and attack tests): its port and what it printed. */
export interface ChildServer {
  proc: ChildProcess;
  port: number;
  output: () => string;
  /** SIGKILL (if it still runs), resolved once it has exited. */
  kill(): Promise<void>;
}

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.js');

/**
 * Starts `node dist/src/main.js --port <free> --bind 127.0.0.1 ...args` and waits until it
 * accepts connections. `ulimit`: run it under `ulimit -n <n>`. The caller stops it (kill()).
 */
export async function startRedoubtProcess(args: string[], opts: { ulimit?: number } = {}): Promise<ChildServer> {
  const port = await freePort();
  const argv = [MAIN, '--port', String(port), '--bind', '127.0.0.1', ...args];
  const proc =
    opts.ulimit === undefined
      ? spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('bash', ['-c', `ulimit -n ${opts.ulimit} && exec "$0" "$@"`, process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const kill = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
  };
  try {
    await waitAccepting(port, proc, 15000, 'the server to accept connections', () => out);
  } catch (e) {
    await kill();
    throw e;
  }
  return { proc, port, output: () => out, kill };
}

/** Starts a reference redis-server 7.0.15 on a free loopback port (no persistence). */
export async function startRedis(extra: string[] = []): Promise<RefServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'redis-ref-'));
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes', ...extra], { stdio: 'ignore' });
  await waitAccepting(port, proc, 10000, 'redis-server to start');
  // redis-server accepts connections while it still loads its files: wait until it has.
  const c = await RawConn.connect(port);
  try {
    await waitFor(async () => /\r\nloading:0\r\n/.test(await c.call('INFO', 'persistence')), 10000, 'redis-server to load its data');
  } finally {
    c.close();
  }
  return {
    port,
    proc,
    close: () =>
      new Promise<void>((r) => {
        // Gone already (an exit code, or killed by a signal): a second close returns at once.
        if (proc.exitCode !== null || proc.signalCode !== null) return r();
        proc.once('exit', () => r());
        proc.kill('SIGKILL');
      }),
  };
}

/**
 * Differential check: runs each command on both servers (fresh connections, same order) and
 * returns the pairs of reply bytes for comparison.
 */
export async function both(a: RawConn, b: RawConn, cmds: (string | Buffer)[][]): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const c of cmds) out.push([await a.call(...c), await b.call(...c)]);
  return out;
}

/** A Redoubt and a reference redis-server, with one raw connection to each (differential tests). */
export interface Pair {
  t: TestServer;
  ref: RefServer;
  a: RawConn;
  b: RawConn;
}

/** Closes what was opened (parts may be missing when set-up failed half way). */
export async function closePair(p: Partial<Pair>): Promise<void> {
  p.a?.close();
  p.b?.close();
  await p.t?.close();
  await p.ref?.close();
}

/** Reads a part opened by a `before` hook; throws a clear error when it is not (yet) open. */
function opened<K extends keyof Pair>(p: Partial<Pair>, k: K): Pair[K] {
  const v = p[k];
  if (v === undefined) throw new Error(`differential set-up: '${k}' is not open (before hook not run or failed)`);
  return v;
}

/**
 * Registers before/after hooks in the current describe that start an in-process Redoubt (`t`)
 * and a reference redis-server (`ref`), and stop them afterwards.
 */
export function differentialServers(config: Record<string, string> = {}): { readonly t: TestServer; readonly ref: RefServer } {
  const p: Partial<Pair> = {};
  before(async () => {
    p.t = await startServer(config);
    p.ref = await startRedis();
  });
  after(() => closePair(p));
  return {
    get t() { return opened(p, 't'); },
    get ref() { return opened(p, 'ref'); },
  };
}

/** Like differentialServers, plus one raw connection to each: `a` to Redoubt, `b` to redis-server. */
export function differentialPair(): { readonly a: RawConn; readonly b: RawConn; readonly t: TestServer; readonly ref: RefServer } {
  const p: Partial<Pair> = {};
  before(async () => {
    p.t = await startServer();
    p.ref = await startRedis();
    p.a = await RawConn.connect(p.t.port);
    p.b = await RawConn.connect(p.ref.port);
  });
  after(() => closePair(p));
  return {
    get a() { return opened(p, 'a'); },
    get b() { return opened(p, 'b'); },
    get t() { return opened(p, 't'); },
    get ref() { return opened(p, 'ref'); },
  };
}

/**
 * Sends every command to both connections (pipelined) and requires identical reply bytes;
 * returns the replies. `note` is appended to the failure message.
 */
export async function sameReplies(x: RawConn, y: RawConn, cmds: readonly (readonly (string | Buffer)[])[], note = ''): Promise<string[]> {
  for (const c of cmds) {
    x.send(...c);
    y.send(...c);
  }
  const out: string[] = [];
  for (const c of cmds) {
    const ra = await x.reply();
    const rb = await y.reply();
    assert.equal(ra, rb, `reply to ${JSON.stringify(c.map((v) => v.toString().slice(0, 80)))}${note}`);
    out.push(ra);
  }
  return out;
}

/** A small seeded PRNG, so randomised tests reproduce. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CliRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs redis-cli asynchronously (the server runs in this process: a sync spawn would deadlock). */
export function redisCli(port: number, args: string[], input?: Buffer): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const p = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
    p.stdin.end(input ?? Buffer.alloc(0));
  });
}
