// Start-up with a broken RDB snapshot: the real program (node dist/src/main.js) and redis-server
// 7.0.15 each start in a directory of their own holding the same crafted dump.rdb (truncated, a
// bad checksum, an unknown type byte, a bad signature or version, a database index past
// `databases`), and both must end the same way (exit status 1, or serving) and Redoubt's log must
// hold every line Redis logs about the file, so that tools grepping for Redis's words find them.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serializeDataset } from '../src/persistence/rdb/file.js';
import { RdbChecksumError, RdbError, rdbErrorLog } from '../src/persistence/rdb/reader.js';
import { ManualClock } from '../src/store/clock.js';
import { Keyspace } from '../src/store/db.js';
import { MAIN, freePort, haveRedis, spawnProcess, waitFor } from './helpers.js';

const dirs: string[] = [];

after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A sound snapshot: two strings in database 0, written by Redoubt's own encoder. */
function goodFile(): Buffer {
  const ks = new Keyspace(16, new ManualClock());
  ks.db(0).set('foo', 'bar');
  ks.db(0).set('k2', 'v2');
  return serializeDataset(ks, { compress: false, checksum: true, listMaxListpackSize: -2, now: Date.now(), usedMem: 0, aofBase: false, access: null, lfuCounter: () => 0, idleSeconds: () => 0 });
}

interface Outcome {
  /** Exit status, or null when the server is serving. */
  code: number | null;
  /** "<mark> <message>" per log line. */
  lines: string[];
}

/** Starts a server on `rdb` in a directory of its own; returns how it ended up, and its log. */
async function outcome(cmd: string[], rdb: Buffer, extra: string[]): Promise<Outcome> {
  const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-rdberr-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'dump.rdb'), rdb);
  const log = path.join(dir, 'log');
  const port = await freePort();
  const p = spawnProcess(cmd[0]!, [...cmd.slice(1), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--logfile', log, '--save', '', '--appendonly', 'no', ...extra]);
  const text = (): string => (existsSync(log) ? readFileSync(log, 'latin1') : '');
  try {
    await waitFor(() => p.proc.exitCode !== null || text().includes('Ready to accept connections'), 15000, `${path.basename(cmd[cmd.length - 1]!)} to start or stop`);
    let code: number | null = null;
    if (p.proc.exitCode !== null || p.proc.signalCode !== null) code = await p.exited;
    const lines: string[] = [];
    for (const l of text().split('\n')) {
      const m = /^\d+:[A-Z] \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} ([#*.-]) (.*)$/.exec(l);
      if (m !== null) lines.push(`${m[1]} ${m[2]}`);
    }
    return { code, lines };
  } finally {
    await p.kill(); // a server still serving has told all it had to
  }
}

/** Redis names its source line after the offset, and its offset is where its progress report was. */
function normalize(line: string): string {
  return line.replace(/Internal error in RDB reading offset \d+(?:, function at rdb\.c:\d+)? -> /, 'Internal error in RDB reading offset N -> ');
}

/**
 * Lines of Redis's log that Redoubt does not write word for word, each named: the operating
 * system's warnings; the creation facts Redis reads from the file's auxiliary fields before it
 * fails; "Fatal error loading the DB: <errno text>. Exiting." (Redoubt's line names the file and
 * the problem); "DB loaded from disk" (Redoubt adds the key count); start-up lines around loading.
 */
const NOT_COMPARED = [
  /^# WARNING /,
  /^\* (Loading RDB produced by version|RDB age|RDB memory usage when created)/,
  /^# Fatal error loading the DB: /,
  /^\* DB loaded from disk: /,
  /^\* Ready to accept connections/,
];

describe('rdbErrorLog', () => {
  it("words failures as Redis does", () => {
    assert.deepEqual(rdbErrorLog(new RdbChecksumError(0x67335e9e0155f38an, 0x335e9e0155f38an, 122)), [
      'Wrong RDB checksum expected: (67335e9e0155f38a) but got (335e9e0155f38a). Aborting now.',
      'Internal error in RDB reading offset 122 -> RDB CRC error',
    ]);
    assert.deepEqual(rdbErrorLog(new RdbError('truncated string: 3 bytes needed, 1 left', 96, 'eof')), [
      'Short read or OOM loading DB. Unrecoverable error, aborting now.',
      'Internal error in RDB reading offset 96 -> Unexpected EOF reading RDB file',
    ]);
    assert.deepEqual(rdbErrorLog(new RdbError('Unknown RDB encoding type 85', 113)), ['Internal error in RDB reading offset 113 -> Unknown RDB encoding type 85']);
    assert.deepEqual(rdbErrorLog(new RdbError("Can't handle RDB format version 11", 5, 'fatal')), ["Can't handle RDB format version 11"]);
  });
});

describe('a broken dump.rdb at start-up, against redis-server 7.0.15', { skip: !haveRedis() && 'redis-server not installed' }, () => {
  const good = goodFile();
  const typeAt = good.indexOf(Buffer.from('\x03foo', 'latin1')) - 1;
  const selectAt = good.indexOf(Buffer.from([0xfe, 0x00, 0xfb]));
  const cases: { name: string; rdb: Buffer; extra?: string[]; serves?: true; expect: RegExp[] }[] = [
    {
      name: 'truncated inside a key',
      rdb: good.subarray(0, typeAt + 3),
      expect: [/^# Short read or OOM loading DB\. Unrecoverable error, aborting now\.$/, /^# Internal error in RDB reading offset N -> Unexpected EOF reading RDB file$/],
    },
    { name: 'empty', rdb: Buffer.alloc(0), expect: [/^# Short read or OOM loading DB/] },
    {
      name: 'a wrong checksum',
      rdb: Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([good[good.length - 1]! ^ 0xff])]),
      expect: [/^# Wrong RDB checksum expected: \([0-9a-f]+\) but got \([0-9a-f]+\)\. Aborting now\.$/, /-> RDB CRC error$/],
    },
    { name: 'an unknown type byte', rdb: Buffer.concat([good.subarray(0, typeAt), Buffer.from([0x55]), good.subarray(typeAt + 1)]), expect: [/^# Internal error in RDB reading offset N -> Unknown RDB encoding type 85$/] },
    { name: 'a wrong signature', rdb: Buffer.concat([Buffer.from('X'), good.subarray(1)]), expect: [/^# Wrong signature trying to load DB from file$/] },
    { name: 'a version from the future', rdb: Buffer.concat([Buffer.from('REDIS0011'), good.subarray(9)]), expect: [/^# Can't handle RDB format version 11$/] },
    {
      name: 'a database index past databases',
      rdb: Buffer.concat([good.subarray(0, selectAt + 1), Buffer.from([20]), good.subarray(selectAt + 2)]),
      expect: [/^# FATAL: Data file was created with a Redis server configured to handle more than 16 databases\. Exiting$/],
    },
    {
      name: 'no checksum (rdbchecksum no when saved)',
      rdb: Buffer.concat([good.subarray(0, good.length - 8), Buffer.alloc(8)]),
      serves: true,
      expect: [/^# RDB file was saved with checksum disabled: no check performed\.$/, /^\* Done loading RDB, keys loaded: 2, keys expired: 0\.$/],
    },
    { name: 'a wrong checksum under rdbchecksum no', rdb: Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([0])]), extra: ['--rdbchecksum', 'no'], serves: true, expect: [/^\* Done loading RDB/] },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.serves ? 'loads' : 'exit status 1'}, with Redis's log lines`, async () => {
      const [mine, theirs] = await Promise.all([outcome([process.execPath, MAIN], c.rdb, c.extra ?? []), outcome(['redis-server'], c.rdb, c.extra ?? [])]);
      assert.equal(theirs.code, c.serves ? null : 1, theirs.lines.join('\n'));
      assert.equal(mine.code, theirs.code, mine.lines.join('\n'));
      const from = theirs.lines.indexOf('# Server initialized');
      const wanted = theirs.lines.slice(from + 1).filter((l) => !NOT_COMPARED.some((re) => re.test(l)));
      const have = new Set(mine.lines.map(normalize));
      for (const l of wanted) assert.ok(have.has(normalize(l)), `Redis logs ${JSON.stringify(l)}; Redoubt's log:\n${mine.lines.join('\n')}`);
      for (const re of c.expect) {
        assert.ok(theirs.lines.some((l) => re.test(normalize(l))), `redis-server: ${re}`);
        assert.ok(mine.lines.some((l) => re.test(normalize(l))), `Redoubt: ${re}\n${mine.lines.join('\n')}`);
      }
      if (!c.serves) assert.ok(mine.lines.some((l) => l.startsWith('# Fatal error loading the DB ')), mine.lines.join('\n'));
    });
  }
});
