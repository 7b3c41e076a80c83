// A numkeys argument Redis's keynum spec rejects ("02", "+2", " 2", "2abc") still names keys: Redis
// falls back to the command's own routine, which reads numkeys with atoi. The ACL key check must see
// those keys, so a restricted user gets NOPERM and an ACL LOG entry before the handler refuses the
// number. Compared with redis-server 7.0.15 when it is installed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { atoi, keysOf } from '../src/commands/keyspecs.js';
import { CommandTable } from '../src/commands/table.js';
import { ALL_GROUPS } from '../src/commands/index.js';
import { RawConn, haveRedis, sameReplies, startRedis, startServer, type RefServer, type TestServer } from './helpers.js';

/** Each numkeys command with N where numkeys goes, over the keys a and b (dst: a destination). */
const COMMANDS: readonly (readonly string[])[] = [
  ['ZUNIONSTORE', 'dst', 'N', 'a', 'b'],
  ['ZINTERSTORE', 'dst', 'N', 'a', 'b'],
  ['ZDIFFSTORE', 'dst', 'N', 'a', 'b'],
  ['ZUNION', 'N', 'a', 'b'],
  ['ZINTER', 'N', 'a', 'b'],
  ['ZDIFF', 'N', 'a', 'b'],
  ['ZINTERCARD', 'N', 'a', 'b'],
  ['SINTERCARD', 'N', 'a', 'b'],
  ['LMPOP', 'N', 'a', 'b', 'LEFT'],
  ['ZMPOP', 'N', 'a', 'b', 'MIN'],
  ['BLMPOP', '0', 'N', 'a', 'b', 'LEFT'],
  ['BZMPOP', '0', 'N', 'a', 'b', 'MIN'],
  ['EVAL', 'return 1', 'N', 'a', 'b'],
  ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 'N', 'a', 'b'],
  ['EVAL_RO', 'return 1', 'N', 'a', 'b'],
  ['EVALSHA_RO', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 'N', 'a', 'b'],
  ['FCALL', 'f', 'N', 'a', 'b'],
  ['FCALL_RO', 'f', 'N', 'a', 'b'],
];
const SCRIPTING = new Set(['EVAL', 'EVALSHA', 'EVAL_RO', 'EVALSHA_RO', 'FCALL', 'FCALL_RO']);
const with_ = (cmd: readonly string[], n: string): string[] => cmd.map((a) => (a === 'N' ? n : a));
/** Spellings of 2 that Redis's keynum spec refuses and atoi reads as 2. */
const MALFORMED_TWO = ['02', '+2', ' 2', '\t2', '2abc', '2 '];
const NOPERM_KEY = '-NOPERM this user has no permissions to access one of the keys used as arguments\r\n';

const table = new CommandTable(ALL_GROUPS);

/** Loosely decodes a RESP2 reply (arrays, bulks, integers, simple strings). */
function decode(raw: string): unknown {
  let pos = 0;
  const line = (): string => {
    const end = raw.indexOf('\r\n', pos);
    const l = raw.slice(pos, end);
    pos = end + 2;
    return l;
  };
  const item = (): unknown => {
    const l = line();
    const t = l[0];
    if (t === '*') return Array.from({ length: Number(l.slice(1)) }, item);
    if (t === '$') {
      const n = Number(l.slice(1));
      if (n < 0) return null;
      const s = raw.slice(pos, pos + n);
      pos += n + 2;
      return s;
    }
    if (t === ':') return Number(l.slice(1));
    return l.slice(1);
  };
  return item();
}

function field(entry: unknown[], name: string): unknown {
  return entry[entry.indexOf(name) + 1];
}

describe('numkeys read as Redis reads it when the keynum spec cannot be applied', () => {
  it('atoi is glibc atoi: white space, a sign, digits up to the first other byte, cut to 32 bits', () => {
    const cases: [string, number][] = [
      ['2', 2], ['02', 2], ['+2', 2], [' 2', 2], ['\t\n\v\f\r2', 2], ['2abc', 2], ['2 ', 2], ['-3', -3], ['', 0], ['+-2', 0],
      ['- 2', 0], ['0x2', 0], ['4294967298', 2], ['-4294967294', 2], ['2147483648', -2147483648], ['99999999999999999999', -1],
      ['-99999999999999999999', 0], ['9223372036854775807', -1], ['4611686018427387906', 2],
    ];
    for (const [s, n] of cases) assert.equal(atoi(s), n, JSON.stringify(s));
  });

  it('keysOf: the keynum spec for a plain numkeys, the atoi routine (no flags, destination last) otherwise', () => {
    const zus = table.lookup('zunionstore')!;
    assert.deepEqual(keysOf(zus, ['ZUNIONSTORE', 'dst', '2', 'a', 'b']), [
      { pos: 1, flags: ['OW', 'update'] },
      { pos: 3, flags: ['RO', 'access'] },
      { pos: 4, flags: ['RO', 'access'] },
    ]);
    for (const n of MALFORMED_TWO) {
      assert.deepEqual(keysOf(zus, ['ZUNIONSTORE', 'dst', n, 'a', 'b']), [{ pos: 3, flags: [] }, { pos: 4, flags: [] }, { pos: 1, flags: [] }], JSON.stringify(n));
    }
    for (const n of ['0', '00', '-1', '3', '+-2', '99999999999999999999']) assert.deepEqual(keysOf(zus, ['ZUNIONSTORE', 'dst', n, 'a', 'b']), [], n);
    // The keynum spec casts the count to an int as Redis does: 4294967298 is 2 (flags from the spec).
    assert.deepEqual(keysOf(zus, ['ZUNIONSTORE', 'dst', '4294967298', 'a', 'b']).map((k) => k.pos), [1, 3, 4]);
    // Past a long long the spec fails and atoi clamps it (to -1): no key.
    assert.deepEqual(keysOf(zus, ['ZUNIONSTORE', 'dst', '9223372036854775808', 'a', 'b']), []);
    assert.deepEqual(keysOf(table.lookup('bzmpop')!, ['BZMPOP', '0', '+2', 'a', 'b', 'MIN']), [{ pos: 3, flags: [] }, { pos: 4, flags: [] }]);
    assert.deepEqual(keysOf(table.lookup('eval')!, ['EVAL', 's', '02', 'a', 'b']), [{ pos: 3, flags: [] }, { pos: 4, flags: [] }]);
  });

  describe('through the server', () => {
    let t: TestServer;
    let admin: RawConn;
    before(async () => {
      t = await startServer();
      admin = await RawConn.connect(t.port);
      assert.equal(await admin.call('ACL', 'SETUSER', 'u', 'on', 'nopass', '~b*', '~dst*', '+@all'), '+OK\r\n');
      // %W~a*: the atoi routine's keys carry no access flags, so any pattern matching the key admits it.
      assert.equal(await admin.call('ACL', 'SETUSER', 'w', 'on', 'nopass', '%W~a*', '~b*', '~dst*', '+@all'), '+OK\r\n');
    });
    after(async () => {
      admin.close();
      await t.close();
    });

    it('a user whose patterns exclude a key gets NOPERM and an ACL LOG entry for 02 and +2', async () => {
      const u = await RawConn.connect(t.port);
      try {
        assert.equal(await u.call('AUTH', 'u', 'x'), '+OK\r\n');
        for (const cmd of COMMANDS) {
          for (const n of ['02', '+2']) {
            assert.equal(await admin.call('ACL', 'LOG', 'RESET'), '+OK\r\n');
            const argv = with_(cmd, n);
            assert.equal(await u.call(...argv), NOPERM_KEY, argv.join(' '));
            const log = decode(await admin.call('ACL', 'LOG')) as unknown[][];
            assert.equal(log.length, 1, argv.join(' '));
            assert.deepEqual(['reason', 'context', 'object', 'username'].map((f) => field(log[0]!, f)), ['key', 'toplevel', 'a', 'u'], argv.join(' '));
          }
        }
      } finally {
        u.close();
      }
    });

    it('keys the patterns admit reach the handler, which refuses the number', async () => {
      const w = await RawConn.connect(t.port);
      try {
        assert.equal(await w.call('AUTH', 'w', 'x'), '+OK\r\n');
        assert.equal(await w.call('ZUNIONSTORE', 'dst', '02', 'a', 'b'), '-ERR value is not an integer or out of range\r\n');
        assert.equal(await w.call('SINTERCARD', '+2', 'a', 'b'), '-ERR numkeys should be greater than 0\r\n');
        // The keynum spec applies to a plain 2: a is read, and %W~a* does not allow reading.
        assert.equal(await w.call('ZUNIONSTORE', 'dst', '2', 'a', 'b'), NOPERM_KEY);
      } finally {
        w.close();
      }
    });
  });

  describe('compared with redis-server 7.0.15', { skip: haveRedis() ? false : 'redis-server is not installed' }, () => {
    let t: TestServer;
    let ref: RefServer;
    const conns: RawConn[] = [];
    before(async () => {
      t = await startServer();
      ref = await startRedis();
    });
    after(async () => {
      for (const c of conns) c.close();
      await t?.close();
      await ref?.close();
    });
    const pair = async (): Promise<[RawConn, RawConn]> => {
      const p: [RawConn, RawConn] = [await RawConn.connect(t.port), await RawConn.connect(ref.port)];
      conns.push(...p);
      return p;
    };

    it('COMMAND GETKEYSANDFLAGS answers the same for every spelling of numkeys', async () => {
      const [a, b] = await pair();
      const spellings = ['2', '1', ...MALFORMED_TWO, '3', '0', '00', '-1', '+-2', '0x2', '99999999999999999999', '-4294967294', '4294967298', '4294967296', '9223372036854775807', '9223372036854775808'];
      for (const cmd of COMMANDS) {
        await sameReplies(a, b, spellings.map((n) => ['COMMAND', 'GETKEYSANDFLAGS', ...with_(cmd, n)]));
      }
    });

    it('NOPERM replies and ACL LOG entries are the same', async () => {
      const [a, b] = await pair();
      await sameReplies(a, b, [
        ['ACL', 'SETUSER', 'u', 'on', 'nopass', '~b*', '~dst*', '+@all'],
        ['ACL', 'SETUSER', 'w', 'on', 'nopass', '%W~a*', '~b*', '~dst*', '+@all'],
        ['ACL', 'SETUSER', 'v', 'on', 'nopass', '~b*', '+@all'],
      ]);
      const [ua, ub] = await pair();
      const [wa, wb] = await pair();
      const [va, vb] = await pair();
      await sameReplies(ua, ub, [['AUTH', 'u', 'x']]);
      await sameReplies(wa, wb, [['AUTH', 'w', 'x']]);
      await sameReplies(va, vb, [['AUTH', 'v', 'x']]);
      for (const cmd of COMMANDS) {
        for (const n of ['2', ...MALFORMED_TWO]) {
          const argv = with_(cmd, n);
          await sameReplies(a, b, [['ACL', 'LOG', 'RESET']]);
          await sameReplies(ua, ub, [argv], ' (user u)');
          // v may touch b only: the first key refused is dst with the spec, a with the atoi routine.
          await sameReplies(va, vb, [argv], ' (user v)');
          if (!SCRIPTING.has(cmd[0]!)) await sameReplies(wa, wb, [argv], ' (user w)');
          const strip = (e: unknown[]) => ['count', 'reason', 'context', 'object', 'username'].map((f) => field(e, f));
          const ours = (decode(await a.call('ACL', 'LOG')) as unknown[][]).map(strip);
          const theirs = (decode(await b.call('ACL', 'LOG')) as unknown[][]).map(strip);
          assert.deepEqual(ours, theirs, argv.join(' '));
        }
      }
    });
  });
});
