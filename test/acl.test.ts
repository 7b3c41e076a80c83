// ACLs: rules, descriptions, ACL commands and NOPERM texts compared with redis-server; generated
// permission cases for every command in the table; ACL LOG, EXEC re-checks, user deletion, channel
// revocation, ACL files, `user` config lines and the guide's step 2 through redis-cli.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CommandTable } from '../src/commands/table.js';
import { ALL_GROUPS } from '../src/commands/index.js';
import { hasKeys, keysOf } from '../src/commands/keyspecs.js';
import { COMMAND_META, REDOUBT_ONLY } from '../src/commands/meta.js';
import { catalog } from '../src/acl/catalog.js';
import { KEY_READ, Selector } from '../src/acl/selector.js';
import { globMatch } from '../src/store/glob.js';
import fc from 'fast-check';
import type { Command, CommandDocs } from '../src/commands/types.js';
import { RawConn, bulkStrings, differentialPair, freePort, haveRedis, parseReply, redisCli, runRedoubt, sameReplies, spawnRedoubt, startServer, type TestServer } from './helpers.js';

/** Rule tokens as a sorted multiset: single-command rules come out in hash order on Redis. */
function tokens(rules: string): string[] {
  return rules.split(' ').sort();
}

function field(flat: unknown, name: string): unknown {
  const a = flat as unknown[];
  const i = a.indexOf(name);
  return i < 0 ? undefined : a[i + 1];
}

describe('ACL against redis-server', { skip: !haveRedis() && 'redis-server not installed' }, () => {
  const d = differentialPair();

  it('SETUSER, GETUSER, LIST, USERS, WHOAMI, DELUSER and their errors reply as Redis', async () => {
    await sameReplies(d.a, d.b, [
      ['ACL', 'SETUSER', 'app_cache', 'on', '>StrongPassword123!', '~cache:*', '+@all', '-@dangerous'],
      ['ACL', 'GETUSER', 'app_cache'],
      ['ACL', 'SETUSER', 'u2', '+get', '+set', '-get', '+@string', '-@string', '+config|get', '%R~r*', '(~x* +get)', 'resetchannels', '&ch*'],
      ['ACL', 'GETUSER', 'u2'],
      ['ACL', 'SETUSER', 'u3', '%RW~a', '%R~b', '%W~c', '%WR~d', '(~x', '+get)', '(+set ~y)'],
      ['ACL', 'GETUSER', 'u3'],
      ['ACL', 'SETUSER', 'u4', '+@all', '-client|kill'],
      ['ACL', 'SETUSER', 'u5', '+memory|doctor'],
      ['ACL', 'GETUSER', 'u5'],
      ['ACL', 'SETUSER', 'u5', '+memory'],
      ['ACL', 'SETUSER', 'u6', 'reset', 'skip-sanitize-payload', 'nopass', 'allkeys', 'allchannels', '+select|0', '+select|1'],
      ['ACL', 'SETUSER', 'u7', 'on', '#34344e4d60c2b6d639b7bd22e18f2b0b91bc34bf0ac5f9952744435093cfb4e6', '>x', '<x'],
      ['ACL', 'LIST'],
      ['ACL', 'USERS'],
      ['ACL', 'WHOAMI'],
      ['ACL', 'GETUSER', 'nosuch'],
      // Errors: every kind, and nothing applied when one rule fails.
      ['ACL', 'SETUSER', 'a a'],
      ['ACL', 'SETUSER', 'u8', 'on', '+nosuch'],
      ['ACL', 'SETUSER', 'u8', '+@nosuch'],
      ['ACL', 'SETUSER', 'u8', '~a*', 'allkeys', '~b'],
      ['ACL', 'SETUSER', 'u8', '&*', '&b'],
      ['ACL', 'SETUSER', 'u8', '#abc'],
      ['ACL', 'SETUSER', 'u8', '!abc'],
      ['ACL', 'SETUSER', 'u8', '<nopw'],
      ['ACL', 'SETUSER', 'u8', '(~x', '+get'],
      ['ACL', 'SETUSER', 'u8', '(~x +nosuch)'],
      ['ACL', 'SETUSER', 'u8', '+config|get|x'],
      ['ACL', 'SETUSER', 'u8', '+config|asdf'],
      ['ACL', 'SETUSER', 'u8', '-get|a|b'],
      ['ACL', 'SETUSER', 'u8', '+get|'],
      ['ACL', 'SETUSER', 'u8', '%RX~a'],
      ['ACL', 'SETUSER', 'u8', '~a b'],
      ['ACL', 'SETUSER', 'u8', 'bogus'],
      ['ACL', 'GETUSER', 'u8'],
      ['ACL', 'DELUSER', 'default'],
      ['ACL', 'DELUSER', 'u7', 'nosuch', 'u6'],
      ['ACL', 'USERS'],
    ]);
  });

  it('describes command rules as Redis does (single-command rules compared as a set)', async () => {
    const cases: string[][] = [
      ['reset', '+@all', '~*', '-@string', '+incr', '-debug', '+debug|digest'],
      ['reset', '+@string', '-incr', '+acl', '+debug|digest', '+debug|segfault'],
      ['+@all', '-client', '+client|id', '+client|setname'],
      ['-@all', '+acl', '+config', '-config|set'],
      ['+@all', '+client|id'],
      ['+@all', '-@write', '+set', '-@read', '+@hash'],
    ];
    for (const rules of cases) {
      const x = await d.a.call('ACL', 'SETUSER', 'desc', 'reset', ...rules);
      const y = await d.b.call('ACL', 'SETUSER', 'desc', 'reset', ...rules);
      assert.equal(x, y);
      const ours = field(parseReply(await d.a.call('ACL', 'GETUSER', 'desc')), 'commands') as string;
      const theirs = field(parseReply(await d.b.call('ACL', 'GETUSER', 'desc')), 'commands') as string;
      assert.deepEqual(tokens(ours), tokens(theirs), rules.join(' '));
    }
    // Every category alone comes back as written, from either side.
    for (const cat of parseReply(await d.b.call('ACL', 'CAT')) as string[]) {
      for (const [start, op] of [['+@all', '-'], ['-@all', '+']] as const) {
        await d.a.call('ACL', 'SETUSER', 'desc', 'reset', start, `${op}@${cat}`);
        assert.equal(field(parseReply(await d.a.call('ACL', 'GETUSER', 'desc')), 'commands'), `${start} ${op}@${cat}`);
      }
    }
  });

  it('ACL CAT lists the same categories, and for each the same commands and subcommands', async () => {
    await sameReplies(d.a, d.b, [['ACL', 'CAT'], ['ACL', 'CAT', 'NON_EXISTS'], ['ACL', 'CAT', 'a', 'b']]);
    for (const cat of parseReply(await d.b.call('ACL', 'CAT')) as string[]) {
      assert.deepEqual(bulkStrings(await d.a.call('ACL', 'CAT', cat)).filter((n) => !REDOUBT_ONLY.has(n)).sort(), bulkStrings(await d.b.call('ACL', 'CAT', cat)).sort(), `@${cat}`);
    }
  });

  it('DRYRUN, GENPASS, LOG, HELP, LOAD and SAVE (no ACL file) reply as Redis', async () => {
    await sameReplies(d.a, d.b, [
      ['ACL', 'SETUSER', 'dry', 'on', 'nopass', '~x*', '%R~r*', '&ch*', '+get', '+set', '+publish', '+subscribe', '+psubscribe', '+config|get', '+readonly', '-eval_ro'],
      ['ACL', 'DRYRUN', 'dry', 'get', 'x1'],
      ['ACL', 'DRYRUN', 'dry', 'get', 'r1'],
      ['ACL', 'DRYRUN', 'dry', 'get', 'z1'],
      ['ACL', 'DRYRUN', 'dry', 'set', 'r1', 'v'],
      ['ACL', 'DRYRUN', 'dry', 'set', 'x1', 'v'],
      ['ACL', 'DRYRUN', 'dry', 'publish', 'ch1', 'm'],
      ['ACL', 'DRYRUN', 'dry', 'publish', 'other', 'm'],
      ['ACL', 'DRYRUN', 'dry', 'psubscribe', 'ch*'],
      ['ACL', 'DRYRUN', 'dry', 'psubscribe', 'ch1*'],
      ['ACL', 'DRYRUN', 'dry', 'subscribe', 'ch1', 'bad'],
      ['ACL', 'DRYRUN', 'dry', 'config', 'get', 'x'],
      ['ACL', 'DRYRUN', 'dry', 'config', 'set', 'x', 'y'],
      ['ACL', 'DRYRUN', 'dry', 'config'],
      ['ACL', 'DRYRUN', 'dry', 'config', 'nosuch'],
      ['ACL', 'DRYRUN', 'dry', 'eval_ro', '', '0'],
      ['ACL', 'DRYRUN', 'dry', 'xadd', 'x1', '*', 'a', 'b'],
      ['ACL', 'DRYRUN', 'dry', 'mset', 'x1', 'v', 'z1', 'v'],
      ['ACL', 'DRYRUN', 'dry', 'get', 'a', 'b'],
      ['ACL', 'DRYRUN', 'dry', 'nosuch'],
      ['ACL', 'DRYRUN', 'nouser', 'get', 'x'],
      ['ACL', 'GENPASS', '0'],
      ['ACL', 'GENPASS', '4097'],
      ['ACL', 'GENPASS', 'x'],
      ['ACL', 'GENPASS', '1', '2'],
      ['ACL', 'LOG', 'x'],
      ['ACL', 'LOG', '1', '2'],
      ['ACL', 'LOG', 'RESET'],
      ['ACL', 'LOG'],
      ['ACL', 'HELP'],
      ['ACL', 'HELP', 'x'],
      ['ACL', 'LOAD'],
      ['ACL', 'SAVE'],
      ['ACL', 'NOSUCH'],
    ]);
    for (const bits of ['1', '5', '8', '255', '256', '4096']) {
      const ours = parseReply(await d.a.call('ACL', 'GENPASS', bits)) as string;
      const theirs = parseReply(await d.b.call('ACL', 'GENPASS', bits)) as string;
      assert.equal(ours.length, theirs.length, `GENPASS ${bits}`);
      assert.match(ours, /^[0-9a-f]*$/);
    }
  });

  it('NOPERM texts and ACL LOG entries, at top level and in MULTI/EXEC, match Redis', async () => {
    const [ua, ub] = [await RawConn.connect(d.t.port), await RawConn.connect(d.ref.port)];
    try {
      await sameReplies(d.a, d.b, [
        ['ACL', 'LOG', 'RESET'],
        ['ACL', 'SETUSER', 'antirez', 'reset', 'on', '>foo', '+set', '~object:1234', '+multi', '+exec', '+incr', 'resetchannels', '+publish', '+subscribe', '&allowed'],
      ]);
      await sameReplies(ua, ub, [
        ['AUTH', 'antirez', 'wrong'],
        ['AUTH', 'antirez', 'foo'],
        ['ACL', 'WHOAMI'],
        ['GET', 'foo'],
        ['GET', 'foo'],
        ['SET', 'somekeynotallowed', '1'],
        ['SET', 'object:1234', '1'],
        ['PUBLISH', 'somechannelnotallowed', 'x'],
        ['PUBLISH', 'allowed', 'x'],
        ['MULTI'],
        ['GET', 'foo'],
        ['INCR', 'object:1234'],
        ['EXEC'],
        ['MULTI'],
        ['INCR', 'object:1234'],
      ]);
      // Revoked between queueing and EXEC: refused at EXEC with Redis's text.
      await sameReplies(d.a, d.b, [['ACL', 'SETUSER', 'antirez', '-incr']]);
      await sameReplies(ua, ub, [['EXEC'], ['SUBSCRIBE', 'allowed', 'nope']]);
      const ours = parseReply(await d.a.call('ACL', 'LOG')) as unknown[][];
      const theirs = parseReply(await d.b.call('ACL', 'LOG')) as unknown[][];
      const strip = (e: unknown[]) => ['count', 'reason', 'context', 'object', 'username'].map((f) => field(e, f));
      assert.deepEqual(ours.map(strip), theirs.map(strip));
      assert.match(field(ours[0], 'client-info') as string, /^id=\d+ addr=127\.0\.0\.1:\d+ .* user=antirez /);
      assert.match(String(field(ours[0], 'age-seconds')), /^\d+(\.\d+)?(e-\d+)?$/);
      await sameReplies(d.a, d.b, [['ACL', 'LOG', '-1']]);
      assert.equal((parseReply(await d.a.call('ACL', 'LOG', '2')) as unknown[]).length, 2);
    } finally {
      ua.close();
      ub.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Generated permission cases for every command in the table.

/** Arguments for a command from its documented argument tree: required ones, first alternatives. */
function synthArgs(args: readonly unknown[] | undefined): string[] {
  const out: string[] = [];
  for (const raw of args ?? []) {
    const a = raw as { type: string; name: string; token?: string; flags?: string[]; arguments?: unknown[] };
    if (a.flags?.includes('optional') && a.type !== 'key') continue;
    if (a.token !== undefined && a.type !== 'pure-token') out.push(a.token);
    switch (a.type) {
      case 'pure-token':
        out.push(a.token!);
        break;
      case 'oneof':
        out.push(...synthArgs(a.arguments!.slice(0, 1)));
        break;
      case 'block':
        out.push(...synthArgs(a.arguments));
        break;
      case 'key':
        out.push('allowed:k');
        break;
      case 'integer':
      case 'unix-time':
        out.push('1');
        break;
      case 'double':
        out.push('1');
        break;
      default:
        out.push('x');
    }
  }
  return out;
}

function docsOf(cmd: Command): CommandDocs | undefined {
  if (cmd.parent === null) return cmd.meta.docs;
  return cmd.parent.meta.docs?.subcommands?.[cmd.fullName];
}

/** A request for the command that satisfies its arity, keys at their documented places. */
function requestFor(cmd: Command): string[] {
  const name = cmd.fullName.split('|');
  const argv = [...name, ...synthArgs(docsOf(cmd)?.arguments)];
  while (argv.length < Math.abs(cmd.meta.arity)) argv.push('x');
  return argv;
}

describe('generated ACL cases for every command in the table', () => {
  let t: TestServer;
  const table = new CommandTable(ALL_GROUPS);
  const commands = [...table.commands(true)].filter((c) => c.subcommands === null || c.meta.arity === -1 || c.fullName === 'command');

  before(async () => {
    // DEBUG's and MODULE's own gates are open, so the ACL check is what refuses them.
    t = await startServer({ 'enable-debug-command': 'yes', 'enable-module-command': 'yes' });
  });
  after(() => t.close());

  async function as(rules: string[], run: (c: RawConn) => Promise<void>): Promise<void> {
    const admin = await RawConn.connect(t.port);
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(await admin.call('ACL', 'SETUSER', 'gen', 'reset', 'on', 'nopass', ...rules), '+OK\r\n');
      assert.equal(await c.call('AUTH', 'gen', 'x'), '+OK\r\n');
      await run(c);
    } finally {
      c.close();
      admin.close();
    }
  }

  it('a user without the command gets NOPERM for it (commands exempt from AUTH still run)', async () => {
    for (const cmd of commands) {
      const argv = requestFor(cmd);
      await as(['~*', '&*', '+@all', `-${cmd.fullName}`], async (c) => {
        const reply = await c.call(...argv);
        const noperm = `NOPERM this user has no permissions to run the '${cmd.fullName}' command`;
        if (cmd.noAuth) assert.ok(!reply.startsWith('-NOPERM'), `${cmd.fullName} is exempt: ${reply}`);
        // A refused EXEC aborts the transaction, with the reason (as Redis).
        else if (cmd.fullName === 'exec') assert.equal(reply, `-EXECABORT Transaction discarded because of: ${noperm}\r\n`);
        else assert.equal(reply, `-NOPERM this user has no permissions to run the '${cmd.fullName}' command\r\n`, argv.join(' '));
      });
    }
  });

  it('a user whose key patterns exclude a key position gets NOPERM, for each position', async () => {
    let checked = 0;
    await as(['~allowed:*', '&*', '+@all'], async (c) => {
      for (const cmd of commands) {
        const argv = requestFor(cmd);
        const keys = keysOf(cmd, argv);
        for (const k of keys) {
          const bad = [...argv];
          bad[k.pos] = 'denied:k';
          const reply = await c.call(...bad);
          assert.equal(reply, '-NOPERM this user has no permissions to access one of the keys used as arguments\r\n', bad.join(' '));
          checked++;
        }
      }
    });
    const withKeys = commands.filter((cmd) => hasKeys(cmd));
    const covered = withKeys.filter((cmd) => keysOf(cmd, requestFor(cmd)).length > 0);
    assert.deepEqual(
      withKeys.filter((c) => !covered.includes(c)).map((c) => c.fullName),
      [],
      'every command with key specs got a request naming a key',
    );
    assert.ok(checked >= covered.length);
  });

  it('read-only key patterns refuse every write and allow every read (ACL DRYRUN, the same check)', async () => {
    await as(['%R~*', '&*', '+@all'], async (c) => {
      const admin = await RawConn.connect(t.port);
      try {
        for (const cmd of commands) {
          const argv = requestFor(cmd);
          const keys = keysOf(cmd, argv);
          if (keys.length === 0) continue;
          const writes = keys.some((k) => k.flags.some((f) => f === 'insert' || f === 'delete' || f === 'update'));
          const dry = parseReply(await admin.call('ACL', 'DRYRUN', 'gen', ...argv));
          if (writes) {
            assert.equal(await c.call(...argv), '-NOPERM this user has no permissions to access one of the keys used as arguments\r\n', argv.join(' '));
            assert.match(String(dry), /^This user has no permissions to access the '.*' key$/, argv.join(' '));
          } else assert.equal(dry, 'OK', argv.join(' '));
        }
      } finally {
        admin.close();
      }
    });
  });

  it('write-only key patterns refuse reads', async () => {
    await as(['%W~*', '&*', '+@all'], async (c) => {
      assert.equal(await c.call('GET', 'k'), '-NOPERM this user has no permissions to access one of the keys used as arguments\r\n');
      assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
      assert.equal(await c.call('LPUSH', 'l', 'v'), ':1\r\n');
      assert.match(await c.call('RPOPLPUSH', 'l', 'm'), /^-NOPERM/, 'RPOPLPUSH reads its source');
    });
  });

  it("the ACL check's plain-range fast path finds the same keys as the key specs", () => {
    let n = 0;
    for (const e of catalog.byId) {
      const r = e.keyRange;
      if (r === null) continue;
      for (let argc = Math.abs(e.meta.arity); argc < Math.abs(e.meta.arity) + 6; argc++) {
        const argv = Array.from({ length: argc }, (_, i) => (i === 0 ? e.fullName : `a${i}`));
        const last = r.last >= 0 ? r.first + r.last : argc + r.last;
        const fast: number[] = [];
        if (last < argc && last >= r.first && r.first < argc) for (let i = r.first; i <= last; i += r.step) fast.push(i);
        const slow = keysOf(e.meta, argv).map((k) => k.pos);
        assert.deepEqual(fast, slow, `${e.fullName} argc ${argc}`);
        n++;
      }
    }
    assert.ok(n > 500);
  });

  it('key patterns "<literal>*" checked as a prefix allow exactly what the glob matcher allows', () => {
    const chars = fc.constantFrom('a', 'b', ':', '*', '?', '[', ']', '\\', '^', '-', '\x00', '\xff');
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 6 }), fc.array(chars, { maxLength: 8 }), (pat, key) => {
        const s = new Selector(false);
        if (s.apply('%R~' + pat.join('') + '*') !== null) return;
        const k = key.join('');
        assert.equal(s.allowsKey(k, KEY_READ), globMatch(pat.join('') + '*', k), `${JSON.stringify(pat.join(''))}* vs ${JSON.stringify(k)}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('covers every command of the ACL catalog the table implements', () => {
    const implemented = new Set(commands.map((c) => c.fullName));
    for (const m of COMMAND_META) if (table.byFullName(m.name) !== undefined && (m.subcommands ?? []).length === 0) assert.ok(implemented.has(m.name), m.name);
  });
});

// ---------------------------------------------------------------------------------------------
// Connections, files and configuration

describe('ACL effects on connections', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(() => t.close());

  it('DELUSER closes the user\'s connections; the one that asked gets its reply first', async () => {
    const admin = await RawConn.connect(t.port);
    const a = await RawConn.connect(t.port);
    const b = await RawConn.connect(t.port);
    try {
      assert.equal(await admin.call('ACL', 'SETUSER', 'gone', 'on', '>pw', '+@all', '~*'), '+OK\r\n');
      assert.equal(await a.call('AUTH', 'gone', 'pw'), '+OK\r\n');
      assert.equal(await b.call('AUTH', 'gone', 'pw'), '+OK\r\n');
      assert.equal(await b.call('ACL', 'DELUSER', 'gone'), ':1\r\n');
      await b.waitClosed();
      await a.waitClosed();
      assert.equal(await admin.call('PING'), '+PONG\r\n');
    } finally {
      admin.close();
      a.close();
      b.close();
    }
  });

  it('revoking channels disconnects the subscribers they no longer allow, and only those', async () => {
    const admin = await RawConn.connect(t.port);
    const keep = await RawConn.connect(t.port);
    const lose = await RawConn.connect(t.port);
    try {
      assert.equal(await admin.call('ACL', 'SETUSER', 'sub', 'on', 'nopass', '+@all', 'resetchannels', '&news', '&sports'), '+OK\r\n');
      for (const c of [keep, lose]) assert.equal(await c.call('AUTH', 'sub', 'x'), '+OK\r\n');
      assert.match(await keep.call('SUBSCRIBE', 'news'), /news/);
      assert.match(await lose.call('SUBSCRIBE', 'sports'), /sports/);
      // Adding a channel keeps everyone.
      assert.equal(await admin.call('ACL', 'SETUSER', 'sub', '&weather'), '+OK\r\n');
      assert.equal(await admin.call('ACL', 'SETUSER', 'sub', 'resetchannels', '&news'), '+OK\r\n');
      await lose.waitClosed();
      assert.equal(keep.closed, false);
      assert.equal(await admin.call('PUBLISH', 'news', 'hi'), ':1\r\n');
      assert.match(await keep.reply(), /hi/);
    } finally {
      admin.close();
      keep.close();
      lose.close();
    }
  });

  it('a disabled default user makes new connections authenticate; the connection that disabled it keeps working', async () => {
    const admin = await RawConn.connect(t.port);
    try {
      assert.equal(await admin.call('ACL', 'SETUSER', 'default', 'off'), '+OK\r\n');
      const c = await RawConn.connect(t.port);
      assert.equal(await c.call('PING'), '-NOAUTH Authentication required.\r\n');
      assert.equal(await c.call('AUTH', 'default', 'x'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
      c.close();
      assert.equal(await admin.call('ACL', 'SETUSER', 'default', 'on'), '+OK\r\n');
    } finally {
      admin.close();
    }
  });

  it('a change that would refuse a login closes the other connections that used it; other changes close none', async () => {
    const admin = await RawConn.connect(t.port);
    const conns: RawConn[] = [];
    const open = async (...auth: string[]): Promise<RawConn> => {
      const c = await RawConn.connect(t.port);
      conns.push(c);
      if (auth.length > 0) assert.equal(await c.call('AUTH', ...auth), '+OK\r\n');
      return c;
    };
    try {
      assert.equal(await admin.call('ACL', 'SETUSER', 'ops', 'on', '>one', '>two', '+@all', '~*'), '+OK\r\n');
      const withOne = await open('ops', 'one');
      const withTwo = await open('ops', 'two');
      // Permissions change: nobody is closed.
      assert.equal(await admin.call('ACL', 'SETUSER', 'ops', '-debug', 'resetkeys', '~cache:*'), '+OK\r\n');
      assert.equal(await withOne.call('PING'), '+PONG\r\n');
      // Password "one" removed: only the connection that logged in with it is closed.
      assert.equal(await admin.call('ACL', 'SETUSER', 'ops', '<one'), '+OK\r\n');
      await withOne.waitClosed();
      assert.equal(await withTwo.call('PING'), '+PONG\r\n');
      // Disabled: every connection of the user, except the one making the change.
      const self = await open('ops', 'two');
      assert.equal(await self.call('ACL', 'SETUSER', 'ops', 'off'), '+OK\r\n');
      await withTwo.waitClosed();
      assert.equal(await self.call('PING'), '+PONG\r\n');
      // The default user: connections let in without a password are closed once one is required.
      const anon = await open();
      assert.equal(await anon.call('PING'), '+PONG\r\n');
      assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', 'S3cret!pass'), '+OK\r\n');
      await anon.waitClosed();
      assert.equal(await admin.call('PING'), '+PONG\r\n');
      const fresh = await open('S3cret!pass');
      assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', ''), '+OK\r\n');
      assert.equal(await fresh.call('PING'), '+PONG\r\n', 'a password no longer needed keeps the login valid');
      assert.ok(t.logs.some((l) => /its login is no longer valid/.test(l)));
    } finally {
      await admin.call('ACL', 'DELUSER', 'ops');
      admin.close();
      for (const c of conns) c.close();
    }
  });

  it('SORT BY and GET need read access to every key', async () => {
    const admin = await RawConn.connect(t.port);
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(await admin.call('ACL', 'SETUSER', 'sorter', 'on', 'nopass', '+@all', '~list*', '&*'), '+OK\r\n');
      assert.equal(await c.call('AUTH', 'sorter', 'x'), '+OK\r\n');
      assert.equal(await c.call('RPUSH', 'list1', '2', '1'), ':2\r\n');
      assert.equal(await c.call('SORT', 'list1'), '*2\r\n$1\r\n1\r\n$1\r\n2\r\n');
      assert.equal(await c.call('SORT', 'list1', 'BY', 'w_*'), '-ERR BY option of SORT denied due to insufficient ACL permissions.\r\n');
      assert.equal(await c.call('SORT', 'list1', 'GET', 'v_*'), '-ERR GET option of SORT denied due to insufficient ACL permissions.\r\n');
      assert.equal(await c.call('SORT', 'list1', 'BY', 'nosort'), '*2\r\n$1\r\n2\r\n$1\r\n1\r\n');
      assert.equal(await admin.call('ACL', 'SETUSER', 'sorter', '%R~*'), '+OK\r\n');
      assert.equal(await c.call('SORT', 'list1', 'GET', '#'), '*2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    } finally {
      admin.close();
      c.close();
    }
  });

  it('INFO counts denials by kind', async () => {
    const admin = await RawConn.connect(t.port);
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(await admin.call('CONFIG', 'RESETSTAT'), '+OK\r\n');
      assert.equal(await admin.call('ACL', 'SETUSER', 'counted', 'on', '>pw', '+get', '+publish', '~a*', 'resetchannels'), '+OK\r\n');
      await c.call('AUTH', 'counted', 'bad');
      await c.call('AUTH', 'counted', 'pw');
      await c.call('SET', 'a', '1');
      await c.call('GET', 'b');
      await c.call('GET', 'c');
      await c.call('PUBLISH', 'ch', 'm');
      const info = await admin.call('INFO', 'stats');
      for (const [k, v] of [['auth', 1], ['cmd', 1], ['key', 2], ['channel', 1]] as const) assert.match(info, new RegExp(`acl_access_denied_${k}:${v}\r\n`));
    } finally {
      admin.close();
      c.close();
    }
  });
});

describe('ACL files and config', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-acl-'));

  it('ACL SAVE writes the users; ACL LOAD is all or nothing and names the line', async () => {
    const file = path.join(dir, 'users.acl');
    writeFileSync(file, 'user alice on allcommands allkeys &* >alice\nuser bob on -@all +@set +acl ~set* &* >bob\n');
    const t = await startServer({ aclfile: file });
    const c = await RawConn.connect(t.port);
    try {
      assert.equal(await c.call('ACL', 'LOAD'), '+OK\r\n');
      assert.deepEqual(bulkStrings(await c.call('ACL', 'USERS')).sort(), ['alice', 'bob', 'default']);
      assert.equal(await c.call('ACL', 'SETUSER', 'carol', 'on', '>c', '~c*', '+get'), '+OK\r\n');
      assert.equal(await c.call('ACL', 'SAVE'), '+OK\r\n');
      const saved = readFileSync(file, 'latin1');
      assert.match(saved, /^user alice on #[0-9a-f]{64} ~\* &\* \+@all\nuser bob /);
      assert.match(saved, /\nuser carol on #[0-9a-f]{64} ~c\* resetchannels -@all \+get\nuser default on nopass ~\* &\* \+@all\n$/);
      assert.ok(!saved.includes('>'), 'no clear-text password in the file');
      // A bad file changes nothing.
      writeFileSync(file, saved + 'user dave on +nosuch\nuser alice off\nnot a user line\n');
      const e = await c.call('ACL', 'LOAD');
      assert.match(e, new RegExp(`^-ERR ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5: Error in applying operation '\\+nosuch': Unknown command or category name in ACL\\. `));
      assert.match(e, /WARNING: Duplicate user 'alice' found on line 6\. /);
      assert.match(e, /:7 should start with user keyword followed by the username\. /);
      assert.match(e, /WARNING: ACL errors detected, no change to the previously active ACL rules was performed\r\n$/);
      assert.deepEqual(bulkStrings(await c.call('ACL', 'USERS')).sort(), ['alice', 'bob', 'carol', 'default']);
      // Loading replaces the users: their connections are closed.
      const alice = await RawConn.connect(t.port);
      assert.equal(await alice.call('AUTH', 'alice', 'alice'), '+OK\r\n');
      writeFileSync(file, saved);
      assert.equal(await c.call('ACL', 'LOAD'), '+OK\r\n');
      await alice.waitClosed();
    } finally {
      c.close();
      await t.close();
    }
  });

  it('user lines in the config file create users; a bad line refuses start-up; aclfile and user lines are exclusive', async () => {
    const conf = path.join(dir, 'redoubt.conf');
    const run = (args: string[]) => runRedoubt(args);
    writeFileSync(conf, 'port 0\nuser bob on badop\n');
    let r = await run(['--test-config', conf]);
    assert.equal(r.code, 1);
    assert.match(r.out, /:2\n>>> 'user bob on badop'\nError in user declaration 'badop': Syntax error/);
    r = await run(['--test-config', '--port', '0', '--user', 'foo', '--user', 'foo']);
    assert.equal(r.code, 1);
    assert.match(r.out, /Duplicate user found/);
    writeFileSync(conf, `port 0\nsave ""\nuser bob on\naclfile ${path.join(dir, 'none.acl')}\n`);
    r = await run([conf]);
    assert.equal(r.code, 1);
    assert.match(r.out, /users defined in redis\.conf and at the same setting an ACL file path is invalid/);
    writeFileSync(conf, 'port 0\nsave ""\nuser bob on +nosuch\n');
    r = await run([conf]);
    assert.equal(r.code, 1);
    assert.match(r.out, /Error loading ACL rule '\+nosuch' for the user named 'bob': Unknown command or category name in ACL/);
  });

  it('user lines apply at start-up and CONFIG REWRITE writes the users back', async () => {
    const conf = path.join(dir, 'rewrite.conf');
    writeFileSync(conf, 'user default on nopass ~* +@all -flushdb\n');
    const port = await freePort();
    const p = await spawnRedoubt([conf, '--port', String(port), '--save', '', '--bind', '127.0.0.1']);
    try {
      assert.match(p.output(), /Ready to accept connections/);
      const c = await RawConn.connect(port);
      try {
        assert.equal(await c.call('FLUSHDB'), "-NOPERM this user has no permissions to run the 'flushdb' command\r\n");
        assert.equal(await c.call('ACL', 'SETUSER', 'extra', 'on', '>pw', '~e*', '+get'), '+OK\r\n');
        assert.equal(await c.call('CONFIG', 'REWRITE'), '+OK\r\n');
        const text = readFileSync(conf, 'latin1');
        assert.match(text, /^user default on nopass sanitize-payload ~\* resetchannels \+@all -flushdb$/m);
        assert.match(text, /^user extra on #[0-9a-f]{64} ~e\* resetchannels -@all \+get$/m);
      } finally {
        c.close();
      }
    } finally {
      await p.kill();
    }
  });
});

describe("the guide's step 2, verbatim through redis-cli", () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(() => t.close());

  const cli = async (args: string[]) => (await redisCli(t.port, args)).stdout.toString();
  const asApp = (args: string[]) => cli(['--user', 'app_cache', '--pass', 'StrongPassword123!', '--no-auth-warning', ...args]);

  it('app_cache reads and writes cache:* and nothing else, and may not run dangerous commands', async () => {
    assert.equal(await cli(['ACL', 'SETUSER', 'app_cache', 'on', '>StrongPassword123!', '~cache:*', '+@all', '-@dangerous']), 'OK\n');
    assert.equal(await asApp(['SET', 'cache:user:1', 'alice']), 'OK\n');
    assert.equal(await asApp(['GET', 'cache:user:1']), 'alice\n');
    assert.equal(await asApp(['EXPIRE', 'cache:user:1', '60']), '1\n');
    assert.match(await asApp(['GET', 'session:1']), /NOPERM this user has no permissions to access one of the keys used as arguments/);
    assert.match(await asApp(['SET', 'other', 'x']), /NOPERM/);
    for (const cmd of [['FLUSHALL'], ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'SET', 'maxmemory', '1'], ['KEYS', '*'], ['SHUTDOWN']]) {
      assert.match(await asApp(cmd), new RegExp(`NOPERM this user has no permissions to run the '${cmd.slice(0, cmd[0] === 'CONFIG' ? 2 : 1).join('|').toLowerCase()}' command`), cmd.join(' '));
    }
    assert.equal(t.server.ks.dbs[0]!.lookupRead('cache:user:1') !== undefined, true, 'FLUSHALL did not run');
  });

  it('after ACL SETUSER default off, new connections must authenticate', async () => {
    assert.equal(await cli(['ACL', 'SETUSER', 'default', 'off']), 'OK\n');
    assert.match(await cli(['PING']), /NOAUTH Authentication required/);
    assert.equal(await asApp(['PING']), 'PONG\n');
    assert.equal(await asApp(['GET', 'cache:user:1']), 'alice\n');
  });
});
