// The config table, the redis.conf loader and CONFIG GET/SET/RESETSTAT/REWRITE/HELP, compared with
// redis-server 7.0.15 where Redis has an answer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Config } from '../src/config/config.js';
import { ConfigFileError, loadConfig, loadConfigLines, loadConfigText } from '../src/config/loader.js';
import { rewriteConfigText } from '../src/config/rewrite.js';
import { CONFIG_TABLE } from '../src/config/schema.js';
import { Logger } from '../src/server/log.js';
import { Server } from '../src/server/server.js';
import { buildCommandTable } from '../src/commands/index.js';
import { RawConn, bulkStrings, haveRedis, startRedis, startServer, type RefServer, type TestServer } from './helpers.js';

const HAVE_REDIS = haveRedis();
const SKIP = HAVE_REDIS ? false : 'redis-server not installed: differential tests skipped';

/** A CONFIG GET reply as a map. */
function pairs(reply: string): Map<string, string> {
  const a = bulkStrings(reply);
  const m = new Map<string, string>();
  for (let i = 0; i < a.length; i += 2) m.set(a[i]!, a[i + 1]!);
  return m;
}

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'redoubt-config-'));
}

function loadError(args: string[]): ConfigFileError {
  try {
    loadConfig(args);
  } catch (e) {
    if (e instanceof ConfigFileError) return e;
    throw e;
  }
  throw new Error('expected a config error');
}

describe('config table', () => {
  it('has each name once, defaults that parse, and Redoubt\'s hardened bind', () => {
    const names = new Set<string>();
    for (const d of CONFIG_TABLE) {
      for (const n of [d.name, ...(d.aliases ?? [])]) {
        assert.ok(!names.has(n), `${n} twice`);
        names.add(n);
      }
    }
    const c = new Config();
    assert.equal(c.str('bind'), '127.0.0.1 -::1');
    assert.equal(c.display('client-query-buffer-limit'), '1073741824');
    assert.equal(c.display('save'), '3600 1 300 100 60 10000');
    assert.equal(c.display('dir'), process.cwd());
    assert.equal(c.def('dir')!.protected, true);
    assert.equal(c.def('requirepass')!.sensitive, true);
    assert.equal(c.def('daemonize')!.mutable, false);
    // Directives the server reads are never listed as without effect.
    for (const n of ['port', 'bind', 'hz', 'loglevel', 'logfile', 'pidfile', 'timeout', 'maxclients', 'databases', 'proto-max-bulk-len', 'client-query-buffer-limit', 'slowlog-log-slower-than', 'slowlog-max-len', 'tcp-keepalive', 'daemonize', 'dir', 'requirepass', 'protected-mode']) {
      assert.ok(!c.def(n)!.noEffect, `${n} is read by the server`);
    }
  });

  it('lists the same directives as redis-server CONFIG GET *, with the same defaults', { skip: SKIP }, async () => {
    const ref = await startRedis();
    const ours = await startServer();
    try {
      const a = await RawConn.connect(ref.port);
      const b = await RawConn.connect(ours.port);
      const theirs = pairs(await a.call('CONFIG', 'GET', '*'));
      const mine = pairs(await b.call('CONFIG', 'GET', '*'));
      const own = new Set(CONFIG_TABLE.filter((d) => d.own).map((d) => d.name));
      assert.deepEqual([...mine.keys()].filter((k) => !own.has(k)).sort(), [...theirs.keys()].sort());
      // Differences by design (bind, dir) or from how each was started (port, save, ...).
      const started = new Set(['port', 'bind', 'save', 'appendonly', 'enable-debug-command', 'dir', 'daemonize', 'pidfile', 'logfile', 'supervised']);
      for (const [k, v] of theirs) if (!started.has(k)) assert.equal(mine.get(k), v, k);
      a.close();
      b.close();
    } finally {
      await ref.close();
      await ours.close();
    }
  });
});

describe('file names', () => {
  it('dbfilename, appendfilename and appenddirname are names inside dir, not paths (as Redis)', () => {
    const c = new Config();
    for (const [name, what] of [
      ['dbfilename', 'filename'],
      ['appendfilename', 'filename'],
      ['appenddirname', 'dirname'],
    ] as const) {
      for (const bad of ['/tmp/x', 'a/b', '..\\x']) {
        assert.throws(() => c.set(name, bad), new RegExp(`^.*${name} can't be a path, just a ${what}$`), `${name} ${bad}`);
      }
      c.set(name, 'plain.name');
      assert.equal(c.str(name), 'plain.name');
    }
  });
});

describe('redis.conf loader', () => {
  it('loads the stock Debian /etc/redis/redis.conf unchanged', { skip: existsSync('/etc/redis/redis.conf') ? false : 'no /etc/redis/redis.conf' }, () => {
    const l = loadConfig(['/etc/redis/redis.conf']);
    assert.equal(l.config.str('bind'), '127.0.0.1 -::1');
    assert.equal(l.config.bool('daemonize'), true);
    assert.equal(l.config.display('client-output-buffer-limit'), 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
    assert.equal(l.config.display('auto-aof-rewrite-min-size'), '67108864');
    assert.equal(l.file, '/etc/redis/redis.conf');
  });

  it('accepts and ignores the deprecated directives, Redoubt\'s former access-tracking among them', () => {
    const l = loadConfigText('list-max-ziplist-entries 5\naccess-tracking always\nmaxmemory-policy allkeys-lru\n');
    assert.equal(l.config.str('maxmemory-policy'), 'allkeys-lru');
    assert.throws(() => loadConfigText('access-trackin always\n'), ConfigFileError);
  });

  it('splits arguments with Redis quoting and escapes', () => {
    const l = loadConfigText('requirepass "a \\"b\\" \\x41"\nmasterauth \'it\\\'s\'\nlogfile    /tmp/x.log   \n');
    assert.equal(l.config.str('requirepass'), 'a "b" A');
    assert.equal(l.config.str('masterauth'), "it's");
    assert.equal(l.config.str('logfile'), '/tmp/x.log');
  });

  it('accumulates save lines, lets save "" clear them, and keeps the last bind', () => {
    let l = loadConfigText('save 900 1\nsave 300 10\nbind 127.0.0.1\nbind 127.0.0.1 -::1\n');
    assert.equal(l.config.str('save'), '900 1 300 10');
    assert.equal(l.config.str('bind'), '127.0.0.1 -::1');
    l = loadConfigText('save 900 1\nsave ""\n');
    assert.equal(l.config.str('save'), '');
    l = loadConfigText('client-output-buffer-limit normal 1 2 3\nclient-output-buffer-limit pubsub 4 5 6\n');
    assert.equal(l.config.display('client-output-buffer-limit'), 'normal 1 2 3 slave 268435456 67108864 60 pubsub 4 5 6');
  });

  it('reads the command line after the file; --save "" clears the file\'s points', () => {
    const dir = tmp();
    try {
      const f = path.join(dir, 'r.conf');
      writeFileSync(f, 'port 7000\nsave 900 1\nhz 20\n');
      const l = loadConfig([f, '--port', '7001', '--save', '', '--bind', '127.0.0.1', '::1']);
      assert.equal(l.config.num('port'), 7001);
      assert.equal(l.config.str('save'), '');
      assert.equal(l.config.num('hz'), 20);
      assert.equal(l.config.str('bind'), '127.0.0.1 ::1');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('follows include, with globs in the file name, in name order', () => {
    const dir = tmp();
    try {
      writeFileSync(path.join(dir, 'main.conf'), `hz 11\ninclude ${dir}/conf.d/*.conf\ninclude "${dir}/last.conf"\n`);
      writeFileSync(path.join(dir, 'last.conf'), 'maxclients 77\n');
      // conf.d holds two files: b.conf (hz 13) is read after a.conf (hz 12)
      const d = path.join(dir, 'conf.d');
      mkdirSync(d);
      writeFileSync(path.join(d, 'b.conf'), 'hz 13\n');
      writeFileSync(path.join(d, 'a.conf'), 'hz 12\ntimeout 5\n');
      writeFileSync(path.join(d, 'skip.txt'), 'hz 99\n');
      const l = loadConfig([path.join(dir, 'main.conf')]);
      assert.equal(l.config.num('hz'), 13);
      assert.equal(l.config.num('timeout'), 5);
      assert.equal(l.config.num('maxclients'), 77);
      // A missing included file refuses start-up, naming the include line.
      writeFileSync(path.join(dir, 'bad.conf'), `include ${dir}/nope.conf\n`);
      const e = loadError([path.join(dir, 'bad.conf')]);
      assert.match(e.report(), /bad\.conf:1\n>>> 'include .*nope\.conf'\nFatal error, can't open config file '.*nope\.conf': No such file or directory/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('refuses bad lines naming file:line, the line and the reason', () => {
    const dir = tmp();
    try {
      const f = path.join(dir, 'bad.conf');
      writeFileSync(f, '# comment\nport 7000\n\ndatabases 0\n');
      assert.equal(loadError([f]).report(), `Reading the configuration file, at ${f}:4\n>>> 'databases 0'\nargument must be between 1 and 2147483647 inclusive`);
      writeFileSync(f, 'foo bar\n');
      assert.equal(loadError([f]).report(), `Reading the configuration file, at ${f}:1\n>>> 'foo bar'\nBad directive or wrong number of arguments`);
      writeFileSync(f, 'requirepass "abc\n');
      assert.match(loadError([f]).report(), /Unbalanced quotes in configuration line/);
      writeFileSync(f, 'loglevel loud\n');
      assert.match(loadError([f]).report(), /argument\(s\) must be one of the following: debug, verbose, notice, warning/);
      writeFileSync(f, 'loadmodule /x.so\n');
      assert.match(loadError([f]).report(), /modules/);
      assert.equal(loadError(['--hz', 'x']).report(), `Reading the configuration file, at command line\n>>> 'hz "x"'\nargument couldn't be parsed into an integer`);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('reads command-line options as redis-server does: a "--" word is a value until the option before has one', { skip: SKIP }, () => {
    // Each of these refuses start-up in redis-server 7.0.15 before it opens anything: the
    // offending line (as Redis rebuilt it) and the reason must be the same.
    const cases = [
      ['--port'],
      ['--port', '6380', '--loglevel'],
      ['--port', '6379', '6380'],
      ['--port', '--loglevel', 'verbose'],
      ['--port', '--bla', '--loglevel', 'verbose'],
      ['--logfile', '--my--log--file', '--loglevel', '--bla'],
      ['--shutdown-on-sigint'],
      ['--shutdown-on-sigint', 'now force', '--shutdown-on-sigterm'],
      ['--replicaof', '127.0.0.1', 'abc'],
      ['--replicaof', '--127.0.0.1', 'abc'],
      ['--replicaof', '--127.0.0.1', '--abc'],
      ['--replicaof', '127.0.0.1'],
      ['--notify-keyspace-events'],
      ['--oom-score-adj-values'],
      ['--no-such-thing', '1'],
      ['--hz', '10', '--port'],
    ];
    for (const args of cases) {
      const r = spawnSync('redis-server', args, { encoding: 'latin1', timeout: 10_000 });
      const theirs = /(>>> .*\n.*)/.exec(r.stderr)?.[1];
      assert.ok(theirs !== undefined, `redis-server ${args.join(' ')} refused nothing: ${r.stderr}`);
      const ours = /(>>> .*\n.*)/.exec(loadError(args).report())?.[1];
      assert.equal(ours, theirs, args.join(' '));
    }
    // Accepted as redis-server accepts them: values before any option, an option and its value in
    // one argument, a "--" value once the option has one, and a bare --save before another option.
    const dir = tmp();
    const f = path.join(dir, 'r.conf');
    writeFileSync(f, 'hz 11\n');
    const l = loadConfig([f, 'loglevel', 'verbose', '--maxmemory 700mb', '--proc-title-template', '--my--title--template', '--save', '--hz', '12']);
    rmSync(dir, { recursive: true });
    assert.equal(l.config.str('loglevel'), 'verbose');
    assert.equal(l.config.num('maxmemory'), 734003200);
    assert.equal(l.config.str('proc-title-template'), '--my--title--template');
    assert.equal(l.config.str('save'), '');
    assert.equal(l.config.num('hz'), 12);
  });

  it('the embedding API\'s lines keep joining words into one value (a dir with a space), redis.conf does not', () => {
    const dir = tmp();
    try {
      const spaced = path.join(dir, 'a b');
      mkdirSync(spaced);
      assert.equal(loadConfigLines(null, [`dir ${spaced}`], 'startServer options').config.str('dir'), spaced);
      const f = path.join(dir, 'r.conf');
      writeFileSync(f, `dir ${spaced}\n`);
      assert.match(loadError([f]).report(), /wrong number of arguments$/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('keeps rename-command and user lines for the server to apply', () => {
    const l = loadConfigText('rename-command FLUSHALL ""\nrename-command CONFIG cfg-9f2\nuser alice on >pw ~* +@all\n');
    assert.deepEqual(l.renames.map((r) => [r.from, r.to]), [['FLUSHALL', ''], ['CONFIG', 'cfg-9f2']]);
    assert.deepEqual(l.users[0]!.args, ['alice', 'on', '>pw', '~*', '+@all']);
  });
});

describe('CONFIG command', () => {
  let ours: TestServer;
  let ref: RefServer | null = null;
  let a: RawConn;
  let b: RawConn | null = null;
  before(async () => {
    ours = await startServer();
    a = await RawConn.connect(ours.port);
    if (HAVE_REDIS) {
      ref = await startRedis();
      b = await RawConn.connect(ref.port);
    }
  });
  after(async () => {
    a.close();
    b?.close();
    await ours.close();
    await ref?.close();
  });

  /** Sends to both servers; asserts identical reply bytes. */
  async function same(...cmd: string[]): Promise<string> {
    const mine = await a.call(...cmd);
    if (b !== null) assert.equal(mine, await b.call(...cmd), cmd.join(' '));
    return mine;
  }

  it('answers errors and edge cases byte for byte as Redis', { skip: SKIP }, async () => {
    const cases: string[][] = [
      ['CONFIG', 'SET', 'maxmemory', '1', 'maxmemory', '2'],
      ['CONFIG', 'SET', 'maxmemory', '1', 'MAXMEMORY', '2'],
      ['CONFIG', 'SET', 'foo', '1'],
      ['CONFIG', 'SET', 'hz', '10', 'foo', '1'],
      ['CONFIG', 'SET', 'hz'],
      ['CONFIG', 'SET', 'hz', '10', 'port'],
      ['CONFIG', 'SET', 'hz', '10', 'port', 'abc', 'daemonize', 'yes'],
      ['CONFIG', 'SET', 'dir', '/tmp'],
      ['CONFIG', 'SET', 'dbfilename', 'x.rdb'],
      ['CONFIG', 'SET', 'hz', '010'],
      ['CONFIG', 'SET', 'hz', '-1'],
      ['CONFIG', 'SET', 'maxmemory', '1.5mb'],
      ['CONFIG', 'SET', 'maxmemory-clients', '200%'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'lru'],
      ['CONFIG', 'SET', 'lazyfree-lazy-expire', 'maybe'],
      ['CONFIG', 'SET', 'save', '100'],
      ['CONFIG', 'SET', 'save', '100 x'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'foo 1 2 3'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 2 x'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 2'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'q'],
      ['CONFIG', 'SET', 'oom-score-adj-values', '1 2'],
      ['CONFIG', 'SET', 'oom-score-adj-values', '1 2 3000'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 101'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', 'x'],
      ['CONFIG', 'SET', 'shutdown-on-sigterm', 'save nosave'],
      ['CONFIG', 'SET', 'proto-max-bulk-len', '1k'],
      ['CONFIG', 'SET', 'activedefrag', 'yes'],
      ['CONFIG', 'SET', 'proc-title-template', '{nope}'],
      ['CONFIG', 'SET', 'maxmemory', '10000002', 'maxmemory-clients', '200%', 'client-query-buffer-limit', 'invalid'],
      ['CONFIG', 'GET', 'maxmemory'],
      ['CONFIG', 'GET', 'nothing-matches'],
      ['CONFIG', 'GET', 'key-load-delay'],
      ['CONFIG', 'GET', 'SLAVEOF'],
      ['CONFIG', 'GET'],
      ['CONFIG', 'HELP'],
      ['CONFIG', 'FOO'],
      ['CONFIG'],
    ];
    for (const c of cases) await same(...c);
  });

  it('prints special values as Redis does', { skip: SKIP }, async () => {
    const sets: [string, string][] = [
      ['notify-keyspace-events', 'KEA'],
      ['notify-keyspace-events', 'Elg'],
      ['notify-keyspace-events', 'xKnd'],
      ['notify-keyspace-events', 'An'],
      ['notify-keyspace-events', '$lshzxetdnKEm'],
      ['notify-keyspace-events', ''],
      ['client-output-buffer-limit', 'normal 1mb 2k 3 pubsub 10 20 30'],
      ['client-output-buffer-limit', 'replica 1 2 3'],
      ['client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'],
      ['save', '100 10 200 20'],
      ['save', ''],
      ['shutdown-on-sigterm', 'now nosave'],
      ['shutdown-on-sigterm', 'default now'],
      ['shutdown-on-sigterm', 'default'],
      ['oom-score-adj', 'relative'],
      ['oom-score-adj', 'no'],
      ['maxmemory', '5Gb'],
      ['maxmemory', '010'],
      ['maxmemory', '0'],
      ['maxmemory-clients', '10%'],
      ['maxmemory-clients', '0'],
      ['loglevel', 'WARNING'],
      ['loglevel', 'notice'],
      ['hz', '0'],
      ['hz', '1000'],
      ['hz', '10'],
      ['latency-tracking-info-percentiles', '50.0 99.90 1e1'],
      ['latency-tracking-info-percentiles', '50 99 99.9'],
    ];
    for (const [k, v] of sets) {
      await same('CONFIG', 'SET', k, v);
      await same('CONFIG', 'GET', k);
    }
  });

  it('CONFIG sanity: setting every directive to its own value changes nothing (unit/introspection)', async () => {
    // The same skip list as Redis's own test (immutable and environment-specific directives).
    const skip = new Set(('rdbchecksum daemonize io-threads-do-reads tcp-backlog always-show-logo syslog-enabled cluster-enabled disable-thp aclfile ' +
      'unixsocket pidfile syslog-ident appendfilename appenddirname supervised syslog-facility databases io-threads logfile unixsocketperm replicaof ' +
      'slaveof requirepass server_cpulist bio_cpulist aof_rewrite_cpulist bgsave_cpulist set-proc-title cluster-config-file cluster-port oom-score-adj ' +
      'oom-score-adj-values enable-protected-configs enable-debug-command enable-module-command dbfilename logfile dir socket-mark-id').split(' '));
    const before = pairs(await a.call('CONFIG', 'GET', '*'));
    for (const [k, v] of before) {
      if (skip.has(k)) continue;
      assert.equal(await a.call('CONFIG', 'SET', k, v), '+OK\r\n', `CONFIG SET ${k} ${v}`);
    }
    const after = pairs(await a.call('CONFIG', 'GET', '*'));
    for (const [k, v] of before) if (!skip.has(k)) assert.equal(after.get(k), v, k);
  });

  it('CONFIG GET takes several patterns, case-insensitively, each match once, aliases included', async () => {
    const res = bulkStrings(await a.call('CONFIG', 'GET', 'maxmemory', 'MAXMEMORY*', 'bind', '*of'));
    const m = pairs(await a.call('CONFIG', 'GET', 'maxmemory', 'MAXMEMORY*', 'bind', '*of'));
    assert.equal(m.size * 2, res.length);
    for (const k of ['slaveof', 'replicaof', 'maxmemory', 'maxmemory-samples', 'maxmemory-clients', 'bind']) assert.ok(m.has(k), k);
    // Hidden directives answer only to their own name.
    assert.ok(!pairs(await a.call('CONFIG', 'GET', '*')).has('key-load-delay'));
    assert.ok(pairs(await a.call('CONFIG', 'GET', 'key-load-delay')).has('key-load-delay'));
    // RESP3: a map.
    await a.call('HELLO', '3');
    assert.equal(await a.call('CONFIG', 'GET', 'hz'), '%1\r\n$2\r\nhz\r\n$2\r\n10\r\n');
    await a.call('HELLO', '2');
  });

  it('CONFIG GET with patterns past the glob caps answers promptly, as Redis', { skip: SKIP }, async () => {
    const t0 = performance.now();
    for (const pat of ['a*'.repeat(1001) + 'b', '*?'.repeat(1200), '*' + 'a*'.repeat(100) + 'z', 'M*A*X*M*E*M*O*R*Y-P*'.repeat(1) + '*'.repeat(3000), '*?'.repeat(5) + '-S*'.repeat(1001)]) {
      await same('CONFIG', 'GET', pat);
    }
    assert.ok(performance.now() - t0 < 2000, 'took too long');
  });

  it('CONFIG SET sets several pairs at once, or none of them', async () => {
    assert.equal(await a.call('CONFIG', 'SET', 'maxmemory', '10000001', 'repl-backlog-size', '10000002', 'save', '3000 5'), '+OK\r\n');
    const m = pairs(await a.call('CONFIG', 'GET', 'maxmemory', 'repl-backlog-size', 'save'));
    assert.deepEqual([m.get('maxmemory'), m.get('repl-backlog-size'), m.get('save')], ['10000001', '10000002', '3000 5']);
    assert.match(await a.call('CONFIG', 'SET', 'maxmemory', '5', 'hz', 'x'), /possibly related to argument 'hz'/);
    assert.equal(pairs(await a.call('CONFIG', 'GET', 'maxmemory')).get('maxmemory'), '10000001');
    await a.call('CONFIG', 'SET', 'maxmemory', '0', 'repl-backlog-size', '1mb', 'save', '');
  });

  it('CONFIG SET drives the running server (hz, loglevel, proto-max-bulk-len, slowlog)', async () => {
    await a.call('CONFIG', 'SET', 'loglevel', 'warning', 'proto-max-bulk-len', '2mb', 'slowlog-log-slower-than', '-1');
    assert.equal(ours.server.log.level, 'warning');
    assert.equal(ours.server.maxBulkLen, 2 * 1024 * 1024);
    assert.equal(ours.server.slowlogThreshold, -1);
    await a.call('CONFIG', 'SET', 'loglevel', 'notice', 'proto-max-bulk-len', '512mb', 'slowlog-log-slower-than', '10000');
  });

  // Moving the listeners (a new port or bind) is tested in rebind.test.ts.
  it('CONFIG SET accepts the current port as a plain OK', async () => {
    assert.equal(await a.call('CONFIG', 'SET', 'port', String(ours.port === 0 ? 0 : ours.server.config.num('port'))), '+OK\r\n');
  });

  it('protected configs follow enable-protected-configs (no, yes, local)', async () => {
    for (const [mode, expect] of [['no', /can't set protected config/], ['yes', /^\+OK/], ['local', /^\+OK/]] as const) {
      const s = await startServer({ 'enable-protected-configs': mode });
      const c = await RawConn.connect(s.port);
      try {
        assert.match(await c.call('CONFIG', 'SET', 'dir', process.cwd()), expect, mode);
      } finally {
        c.close();
        await s.close();
      }
    }
  });

  it('CONFIG RESETSTAT clears statistics but keeps the slow log', async () => {
    const s = await startServer({ 'slowlog-log-slower-than': '0' });
    const c = await RawConn.connect(s.port);
    try {
      await c.call('SET', 'k', 'v');
      await c.call('GET', 'k');
      await c.call('GET', 'missing');
      assert.ok(s.server.ks.stats.hits > 0 && s.server.ks.stats.misses > 0);
      assert.equal(await c.call('CONFIG', 'RESETSTAT'), '+OK\r\n');
      assert.equal(s.server.ks.stats.hits, 0);
      assert.equal(s.server.ks.stats.misses, 0);
      assert.equal(s.server.table.byFullName('get')!.stats.calls, 0);
      assert.ok(s.server.slowlog.entries.length > 0);
      // Latency histograms go too, and start again from the next call.
      assert.doesNotMatch(await c.call('INFO', 'latencystats'), /latency_percentiles_usec_get:/);
      await c.call('GET', 'k');
      await c.call('GET', 'k');
      assert.match(await c.call('LATENCY', 'HISTOGRAM', 'get'), /calls\r\n:2\r\n/);
      assert.match(await c.call('INFO', 'latencystats'), /latency_percentiles_usec_get:/);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('CONFIG REWRITE without a config file', { skip: SKIP }, async () => {
    await same('CONFIG', 'REWRITE');
  });
});

describe('CONFIG REWRITE', () => {
  it('rewrites lines in place, blanks surplus ones, appends after the marker, keeps the rest', () => {
    const old = [
      '# top comment',
      'port 16401',
      'hz 10',
      'slave-priority 50',
      'bind 127.0.0.1',
      'bind 127.0.0.1 -::1',
      'rename-command FLUSHALL ""',
      '  # indented comment',
      'maxmemory 1gb',
      'client-output-buffer-limit normal 1 2 3',
      'client-output-buffer-limit pubsub 4 5 6',
      '',
    ].join('\n');
    const l = loadConfigText(old);
    const c = l.config;
    c.set('hz', '11');
    c.set('maxmemory', '2gb');
    c.set('notify-keyspace-events', 'Kg');
    c.set('requirepass', 'a"b');
    c.set('maxmemory-clients', '5%');
    c.set('save', '900 1 300 10');
    const text = rewriteConfigText(c, old);
    assert.equal(
      text,
      [
        '# top comment',
        'port 16401',
        'hz 11',
        'replica-priority 50',
        'bind 127.0.0.1 -::1',
        '',
        'rename-command FLUSHALL ""',
        '  # indented comment',
        'maxmemory 2gb',
        'client-output-buffer-limit normal 1 2 3',
        'client-output-buffer-limit replica 256mb 64mb 60',
        '',
        '# Generated by CONFIG REWRITE',
        'client-output-buffer-limit pubsub 4 5 6',
        `dir ${JSON.stringify(process.cwd())}`,
        'latency-tracking-info-percentiles 50 99 99.9',
        'maxmemory-clients 5%',
        'notify-keyspace-events "gK"',
        'requirepass "a\\"b"',
        'save 900 1',
        'save 300 10',
        '',
      ].join('\n'),
    );
    // Idempotent, and the result loads back to the same values.
    assert.equal(rewriteConfigText(c, text), text);
    const back = loadConfigText(text).config;
    for (const d of CONFIG_TABLE) assert.equal(back.display(d.name), c.display(d.name), d.name);
  });

  it('writes save "" when the points were removed, and keeps the marker single', () => {
    const old = 'save 900 1\n\n# Generated by CONFIG REWRITE\nhz 12\n';
    const c = loadConfigText(old).config;
    c.set('save', '');
    c.set('timeout', '7');
    const text = rewriteConfigText(c, old);
    assert.equal(text, `save ""\n\n# Generated by CONFIG REWRITE\nhz 12\ndir ${JSON.stringify(process.cwd())}\nlatency-tracking-info-percentiles 50 99 99.9\ntimeout 7\n`);
  });

  it('writes every save point, the default ones too, as redis-server does', { skip: SKIP }, async () => {
    // The file has one save line; the points set are Redis's defaults (three): all three are written.
    const dir = tmp();
    const file = path.join(dir, 'r.conf');
    writeFileSync(file, 'save 900 1\nhz 10\n');
    const ref = await startRedis([], { configFile: file });
    const c = await RawConn.connect(ref.port);
    try {
      assert.equal(await c.call('CONFIG', 'SET', 'save', '3600 1 300 100 60 10000'), '+OK\r\n');
      assert.equal(await c.call('CONFIG', 'REWRITE'), '+OK\r\n');
      const saves = (t: string) => t.split('\n').filter((l) => /^(save|latency-tracking-info-percentiles) /.test(l));
      const theirs = saves(readFileSync(file, 'latin1'));
      assert.equal(theirs.length, 4);
      const ours = loadConfigText('save 900 1\nhz 10\n').config;
      ours.set('save', '3600 1 300 100 60 10000');
      const text = rewriteConfigText(ours, 'save 900 1\nhz 10\n');
      // Redis appends new lines in its config dict's order, which changes from run to run (a
      // seeded hash): compared as sets; the save points' own order is checked by loading back.
      assert.deepEqual([...saves(text)].sort(), [...theirs].sort());
      assert.equal(loadConfigText(text).config.str('save'), '3600 1 300 100 60 10000');
    } finally {
      c.close();
      await ref.close();
      rmSync(dir, { recursive: true });
    }
  });

  it('DEBUG CONFIG-REWRITE-FORCE-ALL writes every directive (defaults included) and the file loads back the same', { skip: SKIP }, async () => {
    const dir = tmp();
    const file = path.join(dir, 'redoubt.conf');
    const refFile = path.join(dir, 'redis.conf');
    writeFileSync(file, 'hz 11\n');
    writeFileSync(refFile, 'hz 11\n');
    const loaded = loadConfig([file, '--port', '0', '--bind', '127.0.0.1', '--dir', dir, '--enable-debug-command', 'yes']);
    const log = new Logger();
    log.file = '/dev/null';
    const server = new Server(loaded.config, { configFile: loaded.file, log, table: buildCommandTable() });
    await server.listen();
    const c = await RawConn.connect(server.boundPorts[0]!);
    const ref = await startRedis([], { configFile: refFile });
    const r = await RawConn.connect(ref.port);
    try {
      assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '3mb'), '+OK\r\n');
      assert.equal(await c.call('DEBUG', 'CONFIG-REWRITE-FORCE-ALL'), '+OK\r\n');
      assert.equal(await r.call('DEBUG', 'CONFIG-REWRITE-FORCE-ALL'), '+OK\r\n');
      assert.equal(await c.call('DEBUG', 'CONFIG-REWRITE-FORCE-ALL', 'x'), await r.call('DEBUG', 'CONFIG-REWRITE-FORCE-ALL', 'x'));
      const text = readFileSync(file, 'latin1');
      const names = (t: string) => new Set(t.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split(' ')[0]!));
      const ours = names(text);
      // Every directive Redis writes (that Redoubt knows) is written, and no other Redis one: unset
      // strings (pidfile, requirepass, tls files, ...) and an unset replicaof stay out.
      const known = new Set(CONFIG_TABLE.filter((d) => !d.own).map((d) => d.name));
      const theirs = [...names(readFileSync(refFile, 'latin1'))].filter((n) => known.has(n) || n === 'user');
      assert.deepEqual([...ours].filter((n) => known.has(n) || n === 'user').sort(), theirs.sort());
      for (const d of CONFIG_TABLE.filter((x) => x.own && !(x.kind === 'string' && loaded.config.get(x.name) === ''))) assert.ok(ours.has(d.name), d.name);
      const back = loadConfig([file]).config;
      for (const d of CONFIG_TABLE) assert.equal(back.display(d.name), server.config.display(d.name), d.name);
    } finally {
      c.close();
      r.close();
      await server.close();
      await ref.close();
      rmSync(dir, { recursive: true });
    }
  });

  it('CONFIG REWRITE writes the server\'s config file', async () => {
    const dir = tmp();
    const file = path.join(dir, 'redoubt.conf');
    writeFileSync(file, '# mine\nhz 10\nrename-command KEYS ""\n');
    const loaded = loadConfig([file, '--port', '0', '--bind', '127.0.0.1']);
    const log = new Logger();
    log.file = '/dev/null';
    const server = new Server(loaded.config, { configFile: loaded.file, log, table: buildCommandTable() });
    await server.listen();
    const c = await RawConn.connect(server.boundPorts[0]!);
    try {
      assert.equal(await c.call('CONFIG', 'SET', 'hz', '15'), '+OK\r\n');
      assert.equal(await c.call('CONFIG', 'REWRITE'), '+OK\r\n');
      const text = readFileSync(file, 'latin1');
      assert.match(text, /^# mine\nhz 15\nrename-command KEYS ""\n\n# Generated by CONFIG REWRITE\n/);
      assert.match(text, /\nbind 127\.0\.0\.1\n/);
      assert.match(text, /\nport 0\n/);
    } finally {
      c.close();
      await server.close();
      rmSync(dir, { recursive: true });
    }
  });
});
