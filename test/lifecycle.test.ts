// Start-up and shutdown of the real program (node dist/src/main.js) as a child process: log lines,
// logfile, pidfile, rename-command from the file, SIGTERM/SIGINT, refusals, --version, --help,
// --test-config.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { RawConn, MAIN, freePort, runRedoubt, spawnRedoubt, type Proc } from './helpers.js';
import { loadConfig } from '../src/config/loader.js';

const dirs: string[] = [];

function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'redoubt-life-'));
  dirs.push(d);
  return d;
}

after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Starts the program with a config file and waits for "Ready to accept connections" in its log. */
async function start(conf: string, extra: string[] = []): Promise<Proc & { port: number; log(): string }> {
  const dir = tmp();
  const port = await freePort();
  const logfile = path.join(dir, 'redoubt.log');
  const file = path.join(dir, 'redoubt.conf');
  writeFileSync(file, `port ${port}\nbind 127.0.0.1\nsave ""\nlogfile ${logfile}\n${conf}`);
  const s = await spawnRedoubt([file, ...extra], { logfile });
  assert.ok(s.log().includes('Ready to accept connections'), `did not start: ${s.stderr()}`);
  return { ...s, port };
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

  it('prints the version and the usage', async () => {
    const v = (await runRedoubt(['--version']));
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^Redoubt server v=\S+ redis_version=7\.0\.15/);
    assert.equal((await runRedoubt(['-v'])).stdout, v.stdout);
    // As redis-server prints it: the usage on standard error, status 1.
    const h = (await runRedoubt(['--help']));
    assert.equal(h.code, 1);
    assert.equal(h.stdout, '');
    assert.match(h.stderr, /^Usage: redoubt \[\/path\/to\/redis\.conf\] \[options\] \[-\]/);
    assert.match(h.stderr, /--test-config/);
    assert.equal((await runRedoubt(['-h'])).stderr, h.stderr);
  });

  it('reads config lines from standard input with "-", after the file and before the options', () => {
    const dir = tmp();
    const conf = path.join(dir, 'base.conf');
    writeFileSync(conf, 'hz 20\nmaxmemory 1mb\n');
    const run = (args: string[], input: string) => spawnSync(process.execPath, [MAIN, ...args], { input, encoding: 'latin1' });
    const ok = run(['--test-config', conf, '--maxmemory', '3mb', '-'], 'maxmemory 2mb\nport 7001\n');
    assert.equal(ok.status, 0, ok.stderr);
    const bad = run(['--test-config', '-'], 'port 7001\nmaxmemory lots\n');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /stdin:2\n>>> 'maxmemory lots'\nargument must be a memory value/);
    const lines = loadConfig([conf, '--maxmemory', '3mb', '-'], () => 'maxmemory 2mb\nhz 30\n');
    assert.equal(lines.config.num('hz'), 30, 'stdin after the file');
    assert.equal(lines.config.num('maxmemory'), 3 * 1024 * 1024, 'options after stdin');
    assert.equal(loadConfig(['-'], () => 'hz 40\n').config.num('hz'), 40);
  });

  it('--test-config validates a file without starting', async () => {
    const dir = tmp();
    const good = path.join(dir, 'good.conf');
    writeFileSync(good, 'port 7000\nhz 20\nrename-command KEYS ""\n');
    const ok = (await runRedoubt(['--test-config', good]));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /is OK/);
    const bad = path.join(dir, 'bad.conf');
    writeFileSync(bad, 'port 7000\nmaxmemory lots\n');
    const r = (await runRedoubt(['--test-config', bad]));
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(`*** FATAL CONFIG FILE ERROR`), r.stderr);
    assert.ok(r.stderr.includes(`${bad}:2\n>>> 'maxmemory lots'\nargument must be a memory value`), r.stderr);
    writeFileSync(bad, 'rename-command NOSUCH other\n');
    assert.match((await runRedoubt(['--test-config', bad])).stderr, /:1\n>>> 'rename-command NOSUCH other'\nNo such command in rename-command/);
    if (existsSync('/etc/redis/redis.conf')) assert.equal((await runRedoubt(['--test-config', '/etc/redis/redis.conf'])).code, 0);
  });

  it('refuses daemonize yes, a bad directive, and a port in use, clearly', async () => {
    const d = (await runRedoubt(['--daemonize', 'yes', '--port', '0']));
    assert.equal(d.code, 1);
    assert.match(d.stderr, /daemonize yes" is not supported/);
    const b = (await runRedoubt(['--no-such-directive', '1']));
    assert.equal(b.code, 1);
    assert.match(b.stderr, />>> 'no-such-directive "1"'\nBad directive or wrong number of arguments/);
    const s = await start('');
    try {
      const r = (await runRedoubt(['--port', String(s.port), '--bind', '127.0.0.1', '--save', '']));
      assert.equal(r.code, 1);
      assert.match(r.stdout, /Failed listening on port \d+ \(tcp\), aborting/);
    } finally {
      s.proc.kill('SIGTERM');
      await s.exited;
    }
  });
});
