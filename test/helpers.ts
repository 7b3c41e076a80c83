// Shared test harness: in-process Redoubt servers, a raw RESP connection that returns reply
// bytes, and a reference redis-server for differential tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/**
 * Polls `fn` every 20 ms until it returns a value (anything but undefined or false) and returns
 * that value; fails after `ms` naming `what`.
 */
export async function pollUntil<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A loopback port free now (nothing holds it once returned: see startRedoubtProcess for a retry). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/**
 * `n` free loopback ports, all different: held together while they are chosen (freePort called
 * twice may give the same port twice), then released like freePort's.
 */
export async function freePorts(n: number): Promise<number[]> {
  const held: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      held.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', resolve);
      });
    }
    return held.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(held.map((s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r()))));
  }
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
  /** What it printed so far, byte for byte (latin1). */
  output(): string;
  /** Resolved once it has exited and its output is complete. */
  closed: Promise<void>;
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

/** A program run as a child process of a test, its output collected. */
export interface Proc {
  proc: ChildProcess;
  /** What it printed so far: standard output and error, in arrival order. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Its exit code (null when a signal ended it), once it has exited. */
  exited: Promise<number | null>;
  /** Resolved once it has exited and its output is complete. */
  closed: Promise<void>;
  /** Sends `signal` (SIGKILL by default) if it still runs; resolved once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Processes still running; the file's `after` hook kills them (a test stops what it starts, even when it fails). */
const running = new Set<Proc>();
after(async () => {
  for (const p of running) await p.kill();
});

/** Starts `cmd args` (working directory `cwd`), collecting what it prints (decoded as `encoding`, utf8 by default). */
export function spawnProcess(cmd: string, args: string[], opts: { cwd?: string; encoding?: BufferEncoding } = {}): Proc {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }) });
  let out = '';
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString(opts.encoding);
    stdout += d.toString(opts.encoding);
  });
  proc.stderr!.on('data', (d: Buffer) => {
    out += d.toString(opts.encoding);
    stderr += d.toString(opts.encoding);
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  // 'close': its output is complete too (a child it forked may hold the pipes open longer).
  const closed = new Promise<void>((r) => proc.once('close', () => r()));
  const p: Proc = {
    proc,
    output: () => out,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    closed,
    kill: async (signal = 'SIGKILL') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
  proc.once('error', () => undefined);
  running.add(p);
  void exited.then(() => running.delete(p));
  return p;
}

/** Runs a program to its end (SIGKILL after `timeoutMs`); its exit code (null: killed) and output. */
export async function runProcess(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<{ code: number | null; out: string; stdout: string; stderr: string }> {
  const p = spawnProcess(cmd, args, opts);
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
  await p.closed;
  const code = await p.exited;
  clearTimeout(timer);
  return { code, out: p.output(), stdout: p.stdout(), stderr: p.stderr() };
}

/** The program: dist/src/main.js. */
export const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.js');

/** Runs `node dist/src/main.js ...args` to its end (options as runProcess). */
export function runRedoubt(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): ReturnType<typeof runProcess> {
  return runProcess(process.execPath, [MAIN, ...args], opts);
}

/**
 * Starts `node dist/src/main.js ...args` and waits until it prints "Ready to accept connections" or
 * exits (a refused start-up: see `exited`). `logfile`: read that file instead of its output.
 */
export async function spawnRedoubt(args: string[], opts: { cwd?: string; logfile?: string; timeoutMs?: number } = {}): Promise<Proc & { log(): string }> {
  const p = spawnProcess(process.execPath, [MAIN, ...args], opts);
  const file = opts.logfile;
  const log = file === undefined ? p.output : () => (existsSync(file) ? readFileSync(file, 'latin1') : '');
  await waitFor(() => log().includes('Ready to accept connections') || p.proc.exitCode !== null, opts.timeoutMs ?? 15_000, `start-up; log: ${log()} output: ${p.output()}`);
  return { ...p, log };
}

/** Redoubt as a process of its own (crash and attack tests): its port and what it printed. */
export interface ChildServer extends Proc {
  port: number;
}

/**
 * Starts `node dist/src/main.js --port <free> --bind 127.0.0.1 --dir <dir> ...args` and waits
 * until it accepts connections. `dir`: its files' directory (by default a fresh one, never the
 * working tree). `ulimit`: run it under `ulimit -n <n>`. Stopped by kill() (or at the end of the file).
 */
export async function startRedoubtProcess(args: string[], opts: { ulimit?: number; dir?: string } = {}): Promise<ChildServer> {
  // freePort's port may be taken by another test's server before the child binds it (test files
  // run two at a time), and a connect would then reach that server: wait for the child's own
  // "Ready to accept connections", and on a taken port try anew.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), 'redoubt-child-'));
    const argv = [MAIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args];
    const p =
      opts.ulimit === undefined
        ? spawnProcess(process.execPath, argv)
        : spawnProcess('bash', ['-c', `ulimit -n ${opts.ulimit} && exec "$0" "$@"`, process.execPath, ...argv]);
    try {
      await waitFor(() => p.output().includes('Ready to accept connections') || p.proc.exitCode !== null, 15000, `the server to start; output: ${p.output()}`);
      if (p.proc.exitCode !== null) {
        await p.closed;
        if (/EADDRINUSE/.test(p.output()) && attempt < 3) continue;
        throw new Error(`server exited (${p.proc.exitCode}): ${p.output()}`);
      }
      await waitAccepting(port, p.proc, 15000, 'the server to accept connections', p.output);
    } catch (e) {
      await p.kill();
      throw e;
    }
    return { ...p, port };
  }
}

/**
 * Starts a reference redis-server 7.0.15 on a free loopback port (no persistence, DEBUG enabled),
 * `extra` arguments last. `configFile`: started from that file, whose save lines (or Redis's
 * default ones) are then kept: no --save ''.
 */
export async function startRedis(extra: string[] = [], opts: { configFile?: string } = {}): Promise<RefServer> {
  // freePort's port may be taken by another test's server before redis-server binds it (test
  // files run two at a time): then redis-server exits, and what answered was not it. Try anew.
  for (let attempt = 1; ; attempt++) {
    const ref = await startRedisOnce(extra, opts);
    if (ref !== null) return ref;
    if (attempt === 3) throw new Error('redis-server: three ports taken by other servers before it bound them');
  }
}

/** startRedis on one port; null when what answers on it is not the redis-server started (a port taken meanwhile). */
async function startRedisOnce(extra: string[], opts: { configFile?: string }): Promise<RefServer | null> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'redis-ref-'));
  const file = opts.configFile;
  const args = [...(file === undefined ? [] : [file]), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
  if (file === undefined) args.push('--save', '');
  const p = spawnProcess('redis-server', [...args, '--appendonly', 'no', '--enable-debug-command', 'yes', ...extra], { encoding: 'latin1' });
  const proc = p.proc;
  try {
    await waitAccepting(port, proc, 10000, 'redis-server to start', p.output);
  } catch (e) {
    if (!/Address already in use/.test(p.output())) throw e;
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  // redis-server accepts connections while it still loads its files: wait until it has.
  const c = await RawConn.connect(port);
  try {
    if (!(await c.call('INFO', 'server')).includes(`\r\nprocess_id:${proc.pid}\r\n`)) {
      await p.kill();
      rmSync(dir, { recursive: true, force: true });
      return null;
    }
    await waitFor(async () => /\r\nloading:0\r\n/.test(await c.call('INFO', 'persistence')), 10000, 'redis-server to load its data');
  } finally {
    c.close();
  }
  return {
    port,
    proc,
    output: p.output,
    closed: p.closed,
    // Gone already (an exit code, or killed by a signal): a second close returns at once.
    close: () => p.kill(),
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
 * Registers before/after hooks in the current describe that start a reference redis-server with
 * one raw connection to it (`conn`), and stop both afterwards.
 */
export function referenceRedis(): { readonly conn: RawConn; readonly ref: RefServer } {
  const p: Partial<Pair> = {};
  before(async () => {
    p.ref = await startRedis();
    p.b = await RawConn.connect(p.ref.port);
  });
  after(() => closePair(p));
  return {
    get conn() { return opened(p, 'b'); },
    get ref() { return opened(p, 'ref'); },
  };
}

/** A command whose two replies are compared after `normalize` (e.g. sortedReply, for an order Redis leaves to its hash table). */
export interface Normalized {
  cmd: readonly (string | Buffer)[];
  normalize: (reply: string) => string;
}

/** A differential step: a command whose replies must be identical bytes, or a Normalized one. */
export type DiffCmd = readonly (string | Buffer)[] | Normalized;

/**
 * The scenario runner for one connection per server: sends every command to both (pipelined) and
 * requires identical reply bytes (after `normalize` where given); returns the (normalized) replies.
 * `note` is appended to the failure message. scenario.ts runs steps over several connections.
 */
export async function sameReplies(x: RawConn, y: RawConn, cmds: readonly DiffCmd[], note = ''): Promise<string[]> {
  const argv = (c: DiffCmd): readonly (string | Buffer)[] => ('cmd' in c ? c.cmd : c);
  for (const c of cmds) {
    x.send(...argv(c));
    y.send(...argv(c));
  }
  const out: string[] = [];
  for (const c of cmds) {
    let ra = await x.reply();
    let rb = await y.reply();
    if ('normalize' in c) {
      ra = c.normalize(ra);
      rb = c.normalize(rb);
    }
    assert.equal(ra, rb, `reply to ${JSON.stringify(argv(c).map((v) => v.toString().slice(0, 80)))}${note}`);
    out.push(ra);
  }
  return out;
}

/** The elements of an aggregate reply (a map's keys and values each count), as raw bytes each. */
export function replyItems(raw: string): { head: string; items: string[] } {
  const b = Buffer.from(raw, 'latin1');
  const nl = b.indexOf('\r\n');
  let n = Number(raw.slice(1, nl));
  if (raw[0] === '%') n *= 2;
  const out: string[] = [];
  let p = nl + 2;
  for (let i = 0; i < n; i++) {
    const e = replyEnd(b, p);
    out.push(raw.slice(p, e));
    p = e;
  }
  return { head: raw.slice(0, nl + 2), items: out };
}

/** An array, set or map reply with its elements in groups of `n` (2: field/value pairs) sorted; other replies unchanged. */
export function sortedReply(raw: string, n = 1): string {
  if (!'*~%'.includes(raw[0]!) || raw.startsWith('*-1')) return raw;
  const { head, items } = replyItems(raw);
  const groups: string[] = [];
  for (let i = 0; i < items.length; i += n) groups.push(items.slice(i, i + n).join(''));
  return head + groups.sort().join('');
}

/** A HELLO reply with its client id, which differs between two servers, read as ID. */
export function hideClientId(raw: string): string {
  return raw.replace(/\$2\r\nid\r\n:\d+\r\n/g, '$2\r\nid\r\n:ID\r\n');
}

/** The strings of a flat array (set, push, or map: key, value, ...) reply of bulk strings; a null one reads '(nil)'. */
/** The payload bytes of a bulk reply (a DUMP payload, say). */
export function bulkBytes(reply: string): Buffer {
  assert.equal(reply[0], '$', `not a bulk reply: ${reply.slice(0, 80)}`);
  return Buffer.from(parseReply(reply) as string, 'latin1');
}

export function bulkStrings(raw: string): string[] {
  assert.ok('*~>%'.includes(raw[0]!), `not an array reply: ${raw.slice(0, 80)}`);
  return replyItems(raw).items.map((x) => (x.startsWith('$-1') ? '(nil)' : x.slice(x.indexOf('\r\n') + 2, x.length - 2)));
}

/**
 * A reply decoded for field access: simple, bulk and verbatim strings (its text) as strings,
 * integers and doubles as numbers, big numbers as their digits, booleans, nulls as null, errors
 * as { error }, arrays, sets, pushes and maps (flat: key, value, ...) as arrays; attributes skipped.
 */
export type Resp = string | number | boolean | null | Resp[] | { error: string };

/** Decodes one RESP2 or RESP3 reply (nested ones too); throws on a type it does not know. */
export function parseReply(raw: string): Resp {
  let p = 0;
  const line = (): string => {
    const nl = raw.indexOf('\r\n', p);
    if (nl < 0) throw new Error(`incomplete reply ${JSON.stringify(raw.slice(0, 80))}`);
    const s = raw.slice(p, nl);
    p = nl + 2;
    return s;
  };
  const blob = (n: number): string => {
    const s = raw.slice(p, p + n);
    p += n + 2;
    return s;
  };
  const one = (): Resp => {
    const l = line();
    const t = l[0]!;
    const rest = l.slice(1);
    switch (t) {
      case '+': case '(':
        return rest;
      case '-':
        return { error: rest };
      case ':':
        return Number(rest);
      case ',':
        return rest === 'inf' ? Infinity : rest === '-inf' ? -Infinity : Number(rest);
      case '#':
        return rest === 't';
      case '_':
        return null;
      case '$': case '=': case '!': {
        const n = Number(rest);
        if (n < 0) return null;
        const s = blob(n);
        return t === '$' ? s : t === '=' ? s.slice(4) : { error: s };
      }
      case '*': case '~': case '>': case '%': case '|': {
        const n = Number(rest) * ('%|'.includes(t) ? 2 : 1);
        if (n < 0) return null;
        const out: Resp[] = [];
        for (let i = 0; i < n; i++) out.push(one());
        return t === '|' ? one() : out;
      }
      default:
        throw new Error(`unexpected reply ${JSON.stringify(l)}`);
    }
  };
  return one();
}

/** One field of an INFO reply already read (several fields of one moment); throws when absent. */
export function infoValue(info: string, field: string): string {
  const m = new RegExp(`(?:^|\\r\\n|\\n)${field}:([^\\r\\n]*)`).exec(info);
  if (m === null) throw new Error(`INFO has no field ${field}`);
  return m[1]!;
}

/** One field of the server's INFO (`section`: all sections by default); throws when absent. */
export async function infoField(c: RawConn, field: string, section = 'everything'): Promise<string> {
  return infoValue(await c.call('INFO', section), field);
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
