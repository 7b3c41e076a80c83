// Start-up and shutdown of the real program (node dist/src/main.js) as a child process: log lines,
// logfile, pidfile, rename-command from the file, SIGTERM/SIGINT, refusals, --version, --help,
// --test-config.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawConn, freePort, waitFor } from './helpers.js';

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.js');
const dirs: string[] = [];
const procs: ChildProcess[] = [];

function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'redoubt-life-'));
  dirs.push(d);
  return d;
}

after(async () => {
  for (const p of procs) {
    if (p.exitCode === null && p.signalCode === null) {
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await gone;
    }
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Started {
  proc: ChildProcess;
  port: number;
  log: () => string;
  exited: Promise<number | null>;
}

/** Starts the program with a config file and waits for "Ready to accept connections" in its log. */
async function start(conf: string, extra: string[] = []): Promise<Started> {
  const dir = tmp();
  const port = await freePort();
  const logfile = path.join(dir, 'redoubt.log');
  const file = path.join(dir, 'redoubt.conf');
  writeFileSync(file, `port ${port}\nbind 127.0.0.1\nsave ""\nlogfile ${logfile}\n${conf}`);
  const proc = spawn(process.execPath, [MAIN, file, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(proc);
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.stdout!.resume();
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const log = () => (existsSync(logfile) ? readFileSync(logfile, 'utf8') : '');
  await waitFor(() => log().includes('Ready to accept connections') || proc.exitCode !== null, 15000, `start-up; log: ${log()} stderr: ${stderr}`);
  assert.ok(log().includes('Ready to accept connections'), `did not start: ${stderr}`);
  return { proc, port, log, exited };
}

describe('life cycle', () => {
  it('logs start-up as Redis does, writes the pid file, applies rename-command, stops on SIGTERM', async () => {
    const dir = tmp();
    const pidfile = path.join(dir, 'redoubt.pid');
    const s = await start(`pidfile ${pidfile}\nloglevel verbose\nrename-command FLUSHALL ""\nrename-command CONFIG cfg-7a1\n`);
    const log = s.log();
    assert.match(log, / PID: \d+/);
    assert.ok(log.includes(` PID: ${s.proc.pid}`));
    assert.match(log, /Server initialized/);
    assert.match(log, /Configuration loaded/);
    assert.equal(readFileSync(pidfile, 'utf8').trim(), String(s.proc.pid));
    const c = await RawConn.connect(s.port);
    try {
      assert.match(await c.call('FLUSHALL'), /^-ERR unknown command 'FLUSHALL'/);
      assert.match(await c.call('CONFIG', 'GET', 'hz'), /^-ERR unknown command 'CONFIG'/);
      assert.equal(await c.call('cfg-7a1', 'GET', 'loglevel'), '*2\r\n$8\r\nloglevel\r\n$7\r\nverbose\r\n');
    } finally {
      c.close();
    }
    s.proc.kill('SIGTERM');
    assert.equal(await s.exited, 0);
    assert.ok(!existsSync(pidfile), 'pid file removed at shutdown');
    assert.match(s.log(), /Received SIGTERM scheduling shutdown/);
  });

  it('appends to an existing logfile and stops on SIGINT; loglevel warning hides notices', async () => {
    const s = await start('loglevel notice\n');
    const first = s.log();
    s.proc.kill('SIGINT');
    assert.equal(await s.exited, 0);
    assert.match(s.log(), /Received SIGINT scheduling shutdown/);
    assert.ok(s.log().startsWith(first));
  });

  it('prints the version and the usage', () => {
    const v = run(['--version']);
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^Redoubt server v=\S+ redis_version=7\.0\.15/);
    assert.equal(run(['-v']).stdout, v.stdout);
    const h = run(['--help']);
    assert.equal(h.status, 0);
    assert.match(h.stdout, /^Usage: redoubt \[\/path\/to\/redis\.conf\] \[options\]/);
    assert.match(h.stdout, /--test-config/);
  });

  it('--test-config validates a file without starting', () => {
    const dir = tmp();
    const good = path.join(dir, 'good.conf');
    writeFileSync(good, 'port 7000\nhz 20\nrename-command KEYS ""\n');
    const ok = run(['--test-config', good]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /is OK/);
    const bad = path.join(dir, 'bad.conf');
    writeFileSync(bad, 'port 7000\nmaxmemory lots\n');
    const r = run(['--test-config', bad]);
    assert.equal(r.status, 1);
    assert.ok(r.stderr.includes(`*** FATAL CONFIG FILE ERROR`), r.stderr);
    assert.ok(r.stderr.includes(`${bad}:2\n>>> 'maxmemory lots'\nargument must be a memory value`), r.stderr);
    writeFileSync(bad, 'rename-command NOSUCH other\n');
    assert.match(run(['--test-config', bad]).stderr, /:1\n>>> 'rename-command NOSUCH other'\nNo such command in rename-command/);
    if (existsSync('/etc/redis/redis.conf')) assert.equal(run(['--test-config', '/etc/redis/redis.conf']).status, 0);
  });

  it('refuses daemonize yes, a bad directive, and a port in use, clearly', async () => {
    const d = run(['--daemonize', 'yes', '--port', '0']);
    assert.equal(d.status, 1);
    assert.match(d.stderr, /daemonize yes" is not supported/);
    const b = run(['--no-such-directive', '1']);
    assert.equal(b.status, 1);
    assert.match(b.stderr, />>> 'no-such-directive "1"'\nBad directive or wrong number of arguments/);
    const s = await start('');
    try {
      const r = run(['--port', String(s.port), '--bind', '127.0.0.1', '--save', '']);
      assert.equal(r.status, 1);
      assert.match(r.stdout, /Failed listening on port \d+ \(tcp\), aborting/);
    } finally {
      s.proc.kill('SIGTERM');
      await s.exited;
    }
  });
});
