// The command table's static facts against redis-server 7.0.15: for every command and subcommand,
// arity, flags, first/last key and step, ACL categories, tips and key specs equal what
// `redis-cli --json COMMAND INFO` reports, and `ACL CAT <category>` lists exactly the commands the
// table puts in that category. Also: arity errors for every implemented command equal Redis's bytes.
// (Redoubt's own COMMAND INFO reply bytes are compared in test/server.test.ts.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { COMMAND_META, REDOUBT_ONLY } from '../src/commands/meta.js';
import { CommandTable } from '../src/commands/table.js';
import { ALL_GROUPS } from '../src/commands/index.js';
import type { CommandMeta } from '../src/commands/types.js';
import { RawConn, haveRedis, startRedis, type RefServer, differentialServers } from './helpers.js';

const HAVE_REDIS = haveRedis();
const SKIP = HAVE_REDIS ? false : 'redis-server not installed: the reference comparison is skipped (CI installs it and fails instead)';

/** One COMMAND INFO entry as redis-cli --json prints it. */
type InfoEntry = [string, number, string[], number, number, number, string[], string[], unknown[], InfoEntry[]];

function cli(port: number, ...args: string[]): string {
  return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'latin1', maxBuffer: 64 * 1024 * 1024 });
}

/** The table's facts for one command, in COMMAND INFO's order. */
function facts(m: CommandMeta): unknown[] {
  return [m.name, m.arity, m.flags, m.firstKey, m.lastKey, m.step, m.categories, m.tips, m.keySpecs];
}

function allMeta(): CommandMeta[] {
  const out: CommandMeta[] = [];
  for (const m of COMMAND_META) {
    out.push(m);
    for (const s of m.subcommands ?? []) if (!REDOUBT_ONLY.has(s.name)) out.push(s);
  }
  return out;
}

describe('command table facts equal redis-server 7.0.15', { skip: SKIP }, () => {
  let redis: RefServer;
  const info = new Map<string, InfoEntry>();

  before(async () => {
    redis = await startRedis();
    const entries = JSON.parse(cli(redis.port, '--json', 'COMMAND', 'INFO')) as InfoEntry[];
    for (const e of entries) {
      info.set(e[0], e);
      for (const s of e[9]) info.set(s[0], s);
    }
  });
  after(async () => {
    await redis?.close();
  });

  it('knows exactly the commands and subcommands Redis knows', () => {
    const ours = allMeta().map((m) => m.name).sort();
    const theirs = [...info.keys()].sort();
    assert.deepEqual(ours, theirs);
    assert.equal(COMMAND_META.length, Number(cli(redis.port, 'COMMAND', 'COUNT').trim()));
  });

  it('has the same arity, flags, key positions, categories, tips and key specs for each', () => {
    const diffs: string[] = [];
    for (const m of allMeta()) {
      const e = info.get(m.name);
      if (e === undefined) {
        diffs.push(`${m.name}: unknown to redis-server`);
        continue;
      }
      try {
        assert.deepEqual(facts(m), e.slice(0, 9));
      } catch {
        diffs.push(`${m.name}: table ${JSON.stringify(facts(m))} vs redis ${JSON.stringify(e.slice(0, 9))}`);
      }
      const subs = (m.subcommands ?? []).map((s) => s.name).filter((n) => !REDOUBT_ONLY.has(n)).sort();
      const theirSubs = e[9].map((s) => s[0]).sort();
      if (JSON.stringify(subs) !== JSON.stringify(theirSubs)) diffs.push(`${m.name}: subcommands ${subs} vs ${theirSubs}`);
    }
    assert.deepEqual(diffs, []);
  });

  it('puts each command in the same ACL categories as ACL CAT <category>', () => {
    const cats = cli(redis.port, 'ACL', 'CAT').split('\n').filter((l) => l !== '');
    assert.ok(cats.length >= 21, `ACL CAT listed ${cats.length} categories`);
    const known = new Set(cats.map((c) => '@' + c));
    const diffs: string[] = [];
    for (const m of allMeta()) {
      for (const c of m.categories) if (!known.has(c)) diffs.push(`${m.name}: category ${c} unknown to ACL CAT`);
    }
    for (const cat of cats) {
      const theirs = new Set(cli(redis.port, 'ACL', 'CAT', cat).split('\n').filter((l) => l !== ''));
      const ours = new Set(allMeta().filter((m) => m.categories.includes('@' + cat)).map((m) => m.name));
      for (const n of theirs) if (!ours.has(n)) diffs.push(`@${cat}: redis lists ${n}, the table does not`);
      for (const n of ours) if (!theirs.has(n)) diffs.push(`@${cat}: the table lists ${n}, redis does not`);
    }
    assert.deepEqual(diffs, []);
  });
});

describe('the built command table', () => {
  const table = new CommandTable(ALL_GROUPS);

  it('gives every implemented command its metadata and derives the hot-path flags from it', () => {
    let n = 0;
    for (const cmd of table.commands(true)) {
      n++;
      const m = cmd.meta;
      assert.equal(cmd.fullName, m.name);
      assert.equal(cmd.isWrite, m.flags.includes('write'), m.name);
      assert.equal(cmd.isDenyOom, m.flags.includes('denyoom'), m.name);
      assert.equal(cmd.noAuth, m.flags.includes('no_auth'), m.name);
      assert.equal(cmd.noMulti, m.flags.includes('no_multi'), m.name);
      assert.equal(cmd.isAdmin, m.flags.includes('admin'), m.name);
      assert.equal(table.byFullName(cmd.fullName), cmd);
      if (cmd.parent !== null) assert.ok(m.name.startsWith(cmd.parent.fullName + '|'), m.name);
    }
    assert.ok(n > 0, 'no command implemented');
  });

  it('registers a container only with at least one implemented subcommand', () => {
    for (const cmd of table.commands()) {
      if (cmd.subcommands !== null) assert.ok(cmd.subcommands.size > 0, cmd.fullName);
      else assert.equal((cmd.meta.subcommands ?? []).length, 0, `${cmd.fullName} has subcommands in meta but none registered`);
    }
  });
});

/** A request with the wrong number of arguments for `m`, or null when every count is valid. */
function wrongArity(m: CommandMeta): string[] | null {
  const words = m.name.split('|');
  if (m.arity > 0) return [...words, ...Array.from({ length: m.arity + 1 - words.length }, (_, i) => `a${i}`)];
  const min = -m.arity;
  if (min - 1 < words.length) return null; // -1 for a command, -2 for a subcommand: nothing is too few
  return [...words, ...Array.from({ length: min - 1 - words.length }, (_, i) => `a${i}`)];
}

describe('arity errors for every implemented command equal Redis bytes', { skip: SKIP }, () => {
  const servers = differentialServers();

  it('too many or too few arguments', async () => {
    const a = await RawConn.connect(servers.t.port);
    const b = await RawConn.connect(servers.ref.port);
    try {
      const diffs: string[] = [];
      let checked = 0;
      for (const cmd of servers.t.server.table.commands(true)) {
        if (cmd.subcommands !== null || REDOUBT_ONLY.has(cmd.fullName)) continue;
        const req = wrongArity(cmd.meta);
        if (req === null) continue;
        checked++;
        const [x, y] = [await a.call(...req), await b.call(...req)];
        if (x !== y) diffs.push(`${req.join(' ')}: redoubt ${JSON.stringify(x)} vs redis ${JSON.stringify(y)}`);
      }
      assert.deepEqual(diffs, []);
      assert.ok(checked > 0);
    } finally {
      a.close();
      b.close();
    }
  });

  it('a container command without a subcommand (when that is an arity error)', async () => {
    const a = await RawConn.connect(servers.t.port);
    const b = await RawConn.connect(servers.ref.port);
    try {
      for (const cmd of servers.t.server.table.commands()) {
        if (cmd.subcommands === null) continue;
        const arity = cmd.meta.arity;
        if (arity > 0 ? arity === 1 : arity === -1) continue; // COMMAND alone is a command of its own
        assert.equal(await a.call(cmd.fullName), await b.call(cmd.fullName), cmd.fullName);
      }
    } finally {
      a.close();
      b.close();
    }
  });
});
