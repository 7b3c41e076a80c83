// rename-command: a target that names an existing command refuses start-up, as Redis 7.0.15 does
// ("Target command name already exists" after the file:line and the line), from a config file
// and from the command line; the rename rules Redis allows still work.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CommandTable } from '../src/commands/table.js';
import { ALL_GROUPS } from '../src/commands/index.js';
import { RawConn, freePort, haveRedis, runRedoubt, sameReplies, startRedis, startRedoubtProcess } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-rename-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the program; a program that wrongly starts is killed by the timeout (code null). */
const run = (args: string[]): ReturnType<typeof runRedoubt> => runRedoubt(args, { timeoutMs: 15000 });

describe('rename-command', () => {
  it('follows Redis: a target naming an existing command (any case) is refused, itself and removed names are not', () => {
    const t = new CommandTable(ALL_GROUPS);
    const get = t.lookup('get')!;
    assert.equal(t.rename('get', 'FlushAll'), 'target-exists');
    assert.equal(t.lookup('FLUSHALL')!.fullName, 'flushall', 'a refused rename changes nothing');
    assert.equal(t.lookup('GET'), get);
    // A Redis command Redoubt does not implement still owns its name.
    assert.equal(t.rename('get', 'xadd'), 'target-exists');
    assert.equal(t.rename('nosuch', 'x'), 'no-such-command');
    assert.equal(t.rename('get', 'GET'), 'ok');
    assert.equal(t.lookup('get'), get);
    assert.equal(t.rename('flushall', ''), 'ok');
    assert.equal(t.rename('get', 'flushall'), 'ok', 'a removed name is free');
    assert.equal(t.lookup('FLUSHALL'), get);
    assert.equal(t.lookup('get'), undefined);
    assert.equal(t.rename('set', 'get'), 'ok', 'a renamed-away name is free');
    assert.equal(t.rename('flushall', 'g2'), 'ok', 'looked up by its current name');
    assert.equal(t.lookup('g2'), get);
    assert.equal(t.rename('del', 'G2'), 'target-exists');
    // The name looked up last (CommandTable keeps it) renamed away or removed: gone at once.
    assert.equal(t.lookup('del')!.fullName, 'del');
    assert.equal(t.rename('del', 'remove'), 'ok');
    assert.equal(t.lookup('del'), undefined);
    assert.equal(t.lookup('remove')!.fullName, 'del');
    assert.equal(t.rename('remove', ''), 'ok');
    assert.equal(t.lookup('remove'), undefined);
  });

  it('refuses to start with rename-command GET FLUSHALL in a config file, naming file:line', async () => {
    const file = path.join(dir, 'get-flushall.conf');
    writeFileSync(file, 'port 0\n\nrename-command get flushall\n');
    const r = await run(['--test-config', file]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(
      r.stderr.includes(`*** FATAL CONFIG FILE ERROR`) &&
        r.stderr.includes(`Reading the configuration file, at ${file}:3\n>>> 'rename-command get flushall'\nTarget command name already exists\n`),
      r.stderr,
    );
  });

  it('refuses to start with --rename-command get flushall on the command line', async () => {
    const port = await freePort();
    const r = await run(['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--rename-command', 'get', 'flushall']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(`>>> 'rename-command "get" "flushall"'\nTarget command name already exists\n`), r.stderr);
  });
});

describe('COMMAND after rename-command, against redis-server', { skip: !haveRedis() && 'redis-server not installed' }, () => {
  it('INFO and DOCS find a renamed command by its new name only, and a removed one not at all; LIST and COUNT leave the removed out', async () => {
    const renames = ['--rename-command', 'get', 'foo', '--rename-command', 'flushall', ''];
    const ours = await startRedoubtProcess(['--save', '', ...renames]);
    const ref = await startRedis(renames);
    const a = await RawConn.connect(ours.port);
    const b = await RawConn.connect(ref.port);
    try {
      await sameReplies(a, b, [
        ['COMMAND', 'INFO', 'get'],
        ['COMMAND', 'INFO', 'foo'],
        ['COMMAND', 'INFO', 'FOO', 'flushall', 'set'],
        ['COMMAND', 'INFO', 'config|get'],
        ['COMMAND', 'DOCS', 'get'],
        ['COMMAND', 'DOCS', 'flushall'],
        ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'fo*'],
        ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'flushal?'],
        ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'ge?'],
        ['COMMAND', 'GETKEYS', 'foo', 'k'],
      ]);
      // DOCS under the new name gives the command's docs, under its own name.
      assert.match(await a.call('COMMAND', 'DOCS', 'foo'), /^\*2\r\n\$3\r\nget\r\n/);
      // COUNT: one fewer than with nothing removed (the two servers implement different sets).
      const plain = await startRedoubtProcess(['--save', '']);
      const p = await RawConn.connect(plain.port);
      try {
        const n = (r: string): number => Number(r.slice(1, -2));
        assert.equal(n(await a.call('COMMAND', 'COUNT')), n(await p.call('COMMAND', 'COUNT')) - 1);
      } finally {
        p.close();
        await plain.kill();
      }
    } finally {
      a.close();
      b.close();
      await ours.kill();
      await ref.close();
    }
  });
});
