// `redoubt doctor` against real processes: a default redis-server (exit 1: the default user has no
// password), Redoubt configured as the hardening guide's full blueprint (TLS only with mutual TLS,
// default user off, an admin user, the guide's app_cache user, renamed commands, audit log when
// the directive exists: exit 0), and servers it cannot reach or log in to (exit 2). Ports are free
// ones chosen at run time (freePort).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, haveRedis, runRedoubt, spawnProcess, spawnRedoubt, waitAccepting, type Proc } from './helpers.js';
import { certsCommand } from '../src/tls/certs.js';
import { CONFIG_TABLE } from '../src/config/schema.js';
import { affects, REDIS_CVES } from '../src/doctor/cves.js';
import { runChecks, type Facts, type Finding } from '../src/doctor/checks.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'redoubt-doctor-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Report {
  target: string;
  server: { product: string; version: string | null; redoubt_version: string | null };
  findings: Finding[];
  unchecked: string[];
  counts: Record<string, number>;
  exit: number;
}

async function doctorJson(args: string[]): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await runRedoubt(['doctor', ...args, '--json']);
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch (e) {
    throw new Error(`--json output does not parse (${(e as Error).message}): ${r.out}`);
  }
  assert.equal(report.exit, r.code, 'the JSON exit matches the exit status');
  return { code: r.code, report, stderr: r.stderr };
}

const byId = (rep: Report, id: string) => rep.findings.find((f) => f.id === id);

describe('redoubt doctor against a default redis-server', { skip: !haveRedis() && 'redis-server is not installed' }, () => {
  let redis: Proc;
  let redisPort: number;
  before(async () => {
    const dir = tmp();
    redisPort = await freePort();
    redis = spawnProcess('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { encoding: 'latin1' });
    await waitAccepting(redisPort, redis.proc, 10000, 'redis-server to start', redis.output);
  });
  after(() => redis.kill());

  it('exits 1: the default user is enabled without a password (high), with the line that fixes it', async () => {
    const r = await runRedoubt(['doctor', `redis://127.0.0.1:${redisPort}`]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.stdout, /\[HIGH\] +The default user is enabled without a password/);
    assert.match(r.stdout, /fix: user default off/);
    assert.match(r.stdout, /- Redis 7\.\d+\.\d+/);
  });

  it('--json parses: the findings, their severities and the server', async () => {
    const { code, report } = await doctorJson([`redis://127.0.0.1:${redisPort}`]);
    assert.equal(code, 1);
    assert.equal(report.server.product, 'redis');
    assert.match(report.server.version ?? '', /^\d+\.\d+\.\d+$/);
    assert.equal(byId(report, 'default-user')?.severity, 'high');
    assert.equal(byId(report, 'default-user')?.fix.startsWith('user default off'), true);
    // The default Redis config read through CONFIG GET: loopback bind, TLS off, nothing renamed.
    assert.equal(byId(report, 'bind')?.severity, 'info');
    assert.equal(byId(report, 'tls')?.severity, 'low');
    assert.match(byId(report, 'rename-command-present')?.title ?? '', /FLUSHALL/);
    assert.ok(report.counts['high']! >= 1);
    for (const f of report.findings) assert.ok(['high', 'medium', 'low', 'info'].includes(f.severity), f.id);
  });

  it('a password given to a server that has none is no login failure (as redis-cli): the report runs', async () => {
    const r = await runRedoubt(['doctor', `redis://127.0.0.1:${redisPort}`, '--pass', 'unneeded']);
    assert.equal(r.code, 1, r.out);
    assert.match(r.stdout, /The default user is enabled without a password/);
  });

  it('exits 2 when the login fails', async () => {
    const r = await runRedoubt(['doctor', `redis://127.0.0.1:${redisPort}`, '--user', 'nobody', '--pass', 'wrong']);
    assert.equal(r.code, 2, r.out);
    assert.match(r.stderr, /cannot log in as nobody: WRONGPASS/);
  });
});

describe('redoubt doctor against Redoubt as the guide\'s blueprint', () => {
  const dir = tmp();
  const f = (n: string) => path.join(dir, n);
  const adminPass = 'a9F3kLq2Zx7Wm4Rt8Vb1Nc6Hy5Pd0Ge';
  const appPass = 'Qm4Zt7Lp2Xv9Kc3Rb8Wn1Fy6Hd5Js0Ta';
  const hasAudit = CONFIG_TABLE.some((d) => d.name === 'audit-log');
  const conf = f('redoubt.conf');
  let server: Proc;
  let blueprintPort: number;
  const tlsArgs = () => ['--cacert', f('ca.crt'), '--cert', f('admin.crt'), '--key', f('admin.key')];

  before(async () => {
    let err = '';
    assert.equal(certsCommand([dir, '--host', '127.0.0.1', '--client', 'admin'], () => {}, (t) => (err += t)), 0, err);
    blueprintPort = await freePort();
    const lines = [
      'port 0',
      `tls-port ${blueprintPort}`,
      'bind 127.0.0.1',
      'protected-mode yes',
      `tls-cert-file ${f('server.crt')}`,
      `tls-key-file ${f('server.key')}`,
      `tls-ca-cert-file ${f('ca.crt')}`,
      'tls-auth-clients yes',
      `dir ${dir}`,
      'save ""',
      'appendonly no',
      'user default off',
      `user admin on >${adminPass} ~* &* +@all`,
      `user app_cache on >${appPass} ~cache:* +@all -@dangerous`,
      'rename-command FLUSHALL MGMT_FLUSH_8831',
      'rename-command CONFIG MGMT_CONFIG_2219',
      'rename-command SHUTDOWN ""',
    ];
    // The audit-log directive is another part of issue 15: used when this build has it.
    if (hasAudit) lines.push(`audit-log ${f('audit.jsonl')}`);
    writeFileSync(conf, lines.join('\n') + '\n');
    server = await spawnRedoubt([conf]);
    assert.equal(server.proc.exitCode, null, server.output());
  });
  after(() => server.kill());

  it('exits 0: TLS only with mutual TLS, default user off, the administrator reported (not failed), renamed commands seen', async () => {
    const { code, report } = await doctorJson([`rediss://127.0.0.1:${blueprintPort}`, '--user', 'admin', '--pass', adminPass, '--config-command', 'MGMT_CONFIG_2219', ...tlsArgs()]);
    assert.equal(code, 0, JSON.stringify(report, null, 2));
    assert.equal(report.counts['high'], 0);
    assert.equal(report.server.product, 'redoubt');
    assert.equal(byId(report, 'default-user')?.severity, 'info');
    const admin = byId(report, 'admin-users');
    assert.equal(admin?.severity, 'info');
    assert.match(admin?.title ?? '', /"admin"/);
    assert.match(admin?.detail ?? '', /"app_cache"/);
    assert.equal(byId(report, 'dangerous-app_cache'), undefined, 'app_cache (-@dangerous) is restricted');
    assert.match(byId(report, 'tls')?.title ?? '', /TLS only with mutual TLS/);
    assert.equal(byId(report, 'tls-auth-clients'), undefined);
    // FLUSHALL and SHUTDOWN no longer answer under their names (probed inside a discarded MULTI).
    const renamed = byId(report, 'rename-command')?.detail ?? '';
    assert.match(renamed, /renamed: CONFIG -> MGMT_CONFIG_2219/);
    assert.match(renamed, /not under their own names \(renamed or removed\): FLUSHALL, SHUTDOWN\./);
    assert.match(byId(report, 'rename-command-present')?.title ?? '', /^FLUSHDB, KEYS, DEBUG answer/);
    assert.equal(byId(report, 'rename-command-present')?.severity, 'info', 'ACL users already keep them from applications');
    // The config was read through the renamed CONFIG: nothing about it is left unchecked.
    assert.ok(!report.unchecked.some((u) => /bind, protected mode/.test(u)), report.unchecked.join('; '));
    assert.equal(byId(report, 'cve')?.severity, 'info', 'Redis\'s CVE table is not applied to Redoubt');
    const audit = byId(report, 'audit-log');
    assert.equal(audit?.severity, hasAudit ? 'info' : 'info');
    assert.match(audit?.title ?? '', hasAudit ? /^Audit log: / : /not in this version/);
  });

  it('with CONFIG renamed and its new name not given, says what it could not check, still exit 0', async () => {
    const { code, report } = await doctorJson([`rediss://127.0.0.1:${blueprintPort}`, '--user', 'admin', '--pass', adminPass, ...tlsArgs()]);
    assert.equal(code, 0, JSON.stringify(report, null, 2));
    assert.ok(report.unchecked.some((u) => /^bind, protected mode, TLS.*--config-command NAME/.test(u)), report.unchecked.join('; '));
    assert.equal(byId(report, 'tls'), undefined);
    assert.equal(byId(report, 'admin-users')?.severity, 'info');
  });

  it('the same in the human report', async () => {
    const r = await runRedoubt(['doctor', `rediss://127.0.0.1:${blueprintPort}`, '--user', 'admin', '--pass', adminPass, ...tlsArgs()]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, new RegExp(`^redoubt doctor: rediss://127\\.0\\.0\\.1:${blueprintPort} - Redoubt `));
    assert.match(r.stdout, /0 high, \d+ medium, \d+ low, \d+ info: exit 0\n$/);
    assert.doesNotMatch(r.stdout, new RegExp(adminPass), 'the password is never printed');
  });

  it('the blueprint config file checked without a server (--config) also exits 0', async () => {
    const { code, report } = await doctorJson(['--config', conf]);
    assert.equal(code, 0, JSON.stringify(report, null, 2));
    assert.equal(byId(report, 'admin-users')?.severity, 'info');
    assert.ok(report.unchecked.some((u) => /known CVEs/.test(u)));
  });

  it('exits 2 when it cannot log in: wrong password, no password, no client certificate', async () => {
    let r = await runRedoubt(['doctor', `rediss://127.0.0.1:${blueprintPort}`, '--user', 'admin', '--pass', 'wrong', ...tlsArgs()]);
    assert.equal(r.code, 2, r.out);
    assert.match(r.stderr, /cannot log in as admin/);
    r = await runRedoubt(['doctor', `rediss://127.0.0.1:${blueprintPort}`, ...tlsArgs()]);
    assert.equal(r.code, 2, r.out);
    assert.match(r.stderr, /requires a login/);
    r = await runRedoubt(['doctor', `rediss://127.0.0.1:${blueprintPort}`, '--user', 'admin', '--pass', adminPass, '--cacert', f('ca.crt')]);
    assert.equal(r.code, 2, r.out);
    // Cleartext to a TLS port: no RESP reply ever comes.
    r = await runRedoubt(['doctor', `redis://127.0.0.1:${blueprintPort}`, '--user', 'admin', '--pass', adminPass, '--timeout', '1000']);
    assert.equal(r.code, 2, r.out);
  });
});

describe('redoubt doctor without a server', () => {
  it('exits 2 when nothing listens (and --json says why)', async () => {
    // A port nothing listens on: free a moment ago, and not bound by this test.
    const closedPort = await freePort();
    const r = await runRedoubt(['doctor', `redis://127.0.0.1:${closedPort}`]);
    assert.equal(r.code, 2, r.out);
    assert.match(r.stderr, new RegExp(`cannot connect to 127\\.0\\.0\\.1:${closedPort}`));
    const { code, report } = await doctorJson([`redis://127.0.0.1:${closedPort}`]);
    assert.equal(code, 2);
    assert.match((report as unknown as { error: string }).error, /ECONNREFUSED/);
  });

  it('a config file exposing the server: every interface, protected mode off, default user open: exit 1', async () => {
    const dir = tmp();
    const conf = path.join(dir, 'open.conf');
    writeFileSync(conf, `bind 0.0.0.0\nprotected-mode no\nenable-module-command yes\ndir ${dir}\nrequirepass foobared\n`);
    const { code, report } = await doctorJson(['--config', conf]);
    assert.equal(code, 1);
    // requirepass is set, so the default user has a password: but a published one.
    assert.equal(byId(report, 'published-password-default')?.severity, 'high');
    assert.equal(byId(report, 'enable-module-command')?.severity, 'high');
    assert.equal(byId(report, 'bind')?.severity, 'medium');
    assert.equal(byId(report, 'protected-mode')?.severity, 'low');
  });

  it('the CVE table: affected within a line before its fix, an end-of-life line between fixed ones, not a line newer than every fix', () => {
    const cve = REDIS_CVES.find((c) => c.id === 'CVE-2022-24834')!;
    assert.deepEqual(affects(cve, '7.0.11'), { affected: true, upgradeTo: '7.0.12' });
    assert.deepEqual(affects(cve, '7.0.12'), { affected: false, upgradeTo: '7.0.12' });
    assert.deepEqual(affects(cve, '7.2.0'), { affected: false, upgradeTo: '' });
    assert.deepEqual(affects(cve, '2.4.0'), { affected: false, upgradeTo: '' });
    const bit = REDIS_CVES.find((c) => c.id === 'CVE-2024-31449')!;
    assert.deepEqual(affects(bit, '7.0.15'), { affected: true, upgradeTo: '7.2.6' });
    assert.equal(affects(bit, 'not a version'), null);
  });

  it('users: some @dangerous commands is medium (named), every user an administrator is medium, nopass is high', () => {
    const facts = (users: string[]): Facts => ({
      mode: 'live', product: 'redis', version: '7.2.11', redoubtVersion: null, config: null, configWhy: 'test', users, usersWhy: '',
      plainPasswords: new Map(), commands: null, commandsWhy: 'test', connection: null, local: false,
    });
    const digest = 'a'.repeat(64);
    let r = runChecks(facts(['user default off', `user ops on #${digest} ~* +@read +keys +flushdb`, `user admin on #${digest} ~* &* +@all`]));
    const ops = r.findings.find((x) => x.id === 'dangerous-ops');
    assert.equal(ops?.severity, 'medium');
    assert.match(ops?.detail ?? '', /FLUSHDB/);
    assert.match(ops?.detail ?? '', /KEYS/);
    assert.equal(ops?.fix, 'ACL SETUSER ops -@dangerous');
    // ops holds some dangerous commands, so no user is restricted: the administrator is a finding.
    assert.equal(r.findings.find((x) => x.id === 'admin-users')?.severity, 'medium');
    r = runChecks(facts(['user default off', 'user svc on nopass ~app:* +get', `user admin on #${digest} ~* &* +@all`]));
    assert.equal(r.findings.find((x) => x.id === 'nopass-svc')?.severity, 'high');
    assert.equal(r.findings.find((x) => x.id === 'admin-users')?.severity, 'info');
    assert.ok(r.unchecked.some((u) => /^bind, protected mode/.test(u)));
  });
});
