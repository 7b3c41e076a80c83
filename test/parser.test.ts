// RESP request parser: unit tests (limits, exact error texts, inline rules) and property tests
// (any pipeline of commands, split anywhere, parses back to the same argv).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtocolError, RespParser, splitArgs, INLINE_MAX, QUERY_BUF, UNAUTH_MAX_ARGS, UNAUTH_MAX_BULK, type ParserLimits } from '../src/protocol/parser.js';
import { RawConn, haveRedis, waitFor, differentialServers, rng } from './helpers.js';

const OPEN: ParserLimits = { maxBulkLen: 512 * 1024 * 1024, authRequired: false };

/** Encodes argv (latin1 strings) as one multibulk request. */
function multibulk(argv: string[]): Buffer {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

/** Feeds chunks one at a time, draining complete commands after each; empty requests are dropped. */
function parseChunks(chunks: Buffer[], limits: ParserLimits = OPEN): string[][] {
  const p = new RespParser(limits);
  const out: string[][] = [];
  for (const c of chunks) {
    p.feed(c);
    for (let argv = p.next(); argv !== null; argv = p.next()) if (argv.length > 0) out.push(argv);
  }
  return out;
}

function parseAll(data: string | Buffer, limits: ParserLimits = OPEN): string[][] {
  return parseChunks([typeof data === 'string' ? Buffer.from(data, 'latin1') : data], limits);
}

/** The ProtocolError message the input provokes (after the commands before it parsed fine). */
function protocolError(data: string | Buffer, limits: ParserLimits = OPEN): string {
  try {
    parseAll(data, limits);
  } catch (e) {
    assert.ok(e instanceof ProtocolError, `expected a ProtocolError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('no protocol error');
}

/** Splits `b` at the given cut points (any numbers; reduced modulo the length, sorted, deduplicated). */
function cut(b: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => (b.length === 0 ? 0 : p % (b.length + 1))))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of at) {
    out.push(b.subarray(prev, p));
    prev = p;
  }
  out.push(b.subarray(prev));
  return out;
}

/** Quotes an argument for an inline request so that splitArgs returns it unchanged. */
function quoteInline(a: string): string {
  let s = '"';
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    if (c >= 0x21 && c <= 0x7e && c !== 0x22 && c !== 0x5c && c !== 0x27) s += a[i];
    else s += '\\x' + c.toString(16).padStart(2, '0');
  }
  return s + '"';
}

const latin1 = (u: Uint8Array): string => Buffer.from(u).toString('latin1');
const binaryArg = fc.uint8Array({ maxLength: 40 }).map(latin1);
const command = fc.array(binaryArg, { minLength: 1, maxLength: 6 });

describe('RESP parser: multibulk', () => {
  it('parses one command and a pipeline', () => {
    assert.deepEqual(parseAll('*1\r\n$4\r\nPING\r\n'), [['PING']]);
    assert.deepEqual(parseAll('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n'), [
      ['SET', 'k', 'value'],
      ['GET', 'k'],
    ]);
  });

  it('returns null until a command is complete, at every split point', () => {
    const req = multibulk(['SET', 'key', 'value']);
    for (let i = 0; i < req.length; i++) {
      const p = new RespParser(OPEN);
      p.feed(req.subarray(0, i));
      assert.equal(p.next(), null, `after ${i} bytes`);
      p.feed(req.subarray(i));
      assert.deepEqual(p.next(), ['SET', 'key', 'value']);
      assert.equal(p.next(), null);
      assert.equal(p.pending, 0);
    }
  });

  it('keeps binary arguments byte for byte (NUL, CR, LF, high bytes, invalid UTF-8)', () => {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const args = [all.toString('latin1'), '\r\n', '\x00', '\xff\xfe\x80', '$3\r\n*1\r\n', ''];
    const [argv] = parseAll(multibulk(['ECHO', ...args]));
    assert.deepEqual(argv, ['ECHO', ...args]);
    assert.ok(Buffer.from(argv![1]!, 'latin1').equals(all));
  });

  it('treats *0 and negative counts as empty requests, as Redis does', () => {
    assert.deepEqual(parseAll('*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n'), [['PING']]);
  });

  it('accepts an empty bulk argument', () => {
    assert.deepEqual(parseAll('*2\r\n$4\r\nECHO\r\n$0\r\n\r\n'), [['ECHO', '']]);
  });

  it('skips the two bytes after a bulk without checking them, as Redis does', () => {
    assert.deepEqual(parseAll('*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n'), [['PING'], ['PING']]);
  });

  it('collects a big bulk argument arriving over many chunks', () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    const req = Buffer.concat([multibulk(['SET', 'k']), Buffer.from(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${big.length}\r\n`), big, Buffer.from('\r\n'), multibulk(['GET', 'k'])]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < req.length; i += 65536) chunks.push(req.subarray(i, i + 65536));
    const p = new RespParser(OPEN);
    const out: string[][] = [];
    let maxPending = 0;
    for (const c of chunks) {
      p.feed(c);
      maxPending = Math.max(maxPending, p.pending);
      for (let a = p.next(); a !== null; a = p.next()) out.push(a);
    }
    assert.equal(out.length, 3);
    assert.deepEqual(out[0], ['SET', 'k']);
    assert.equal(out[1]![0], 'SET');
    assert.ok(Buffer.from(out[1]![2]!, 'latin1').equals(big));
    assert.deepEqual(out[2], ['GET', 'k']);
    assert.equal(p.pending, 0);
    assert.ok(maxPending >= big.length, 'pending counts the partly received big argument');
  });

  it('collects a big argument fed one small chunk at a time, followed by more commands in the last chunk', () => {
    const big = 'x'.repeat(100_000);
    const req = Buffer.concat([multibulk(['SET', 'k', big]), multibulk(['PING'])]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < req.length; i += 997) chunks.push(req.subarray(i, i + 997));
    const out = parseChunks(chunks);
    assert.equal(out.length, 2);
    assert.equal(out[0]![2], big);
    assert.deepEqual(out[1], ['PING']);
  });
});

describe('RESP parser: inline commands', () => {
  it('splits on spaces and accepts LF or CRLF endings', () => {
    assert.deepEqual(parseAll('PING\r\n'), [['PING']]);
    assert.deepEqual(parseAll('  SET  k   v \n'), [['SET', 'k', 'v']]);
    assert.deepEqual(parseAll('\r\n\r\nPING\n'), [['PING']]);
  });

  it('mixes with multibulk in one buffer', () => {
    assert.deepEqual(parseAll('PING\n*1\r\n$4\r\nPING\r\nECHO x\r\n'), [['PING'], ['PING'], ['ECHO', 'x']]);
  });

  it('waits for the end of the line', () => {
    const p = new RespParser(OPEN);
    p.feed(Buffer.from('SET k'));
    assert.equal(p.next(), null);
    p.feed(Buffer.from(' v\r\n'));
    assert.deepEqual(p.next(), ['SET', 'k', 'v']);
  });

  it('unquotes with Redis rules', () => {
    assert.deepEqual(parseAll('ECHO "a\\nb"\n'), [['ECHO', 'a\nb']]);
    assert.deepEqual(parseAll('ECHO "\\x41\\x4g"\r\n'), [['ECHO', 'Ax4g']]);
    assert.deepEqual(parseAll("ECHO 'a\\'b'\r\n"), [['ECHO', "a'b"]]);
    assert.deepEqual(parseAll('ECHO a"b"\n'), [['ECHO', 'ab']]);
    assert.deepEqual(parseAll('ECHO ""\n'), [['ECHO', '']]);
    assert.deepEqual(parseAll('ECHO "a" ""\n'), [['ECHO', 'a', '']]);
    assert.deepEqual(parseAll('ECHO "\\t\\r\\b\\a\\\\\\""\n'), [['ECHO', '\t\r\b\x07\\"']]);
  });

  it('rejects unbalanced quotes', () => {
    assert.equal(protocolError('SET "a"b c\r\n'), 'Protocol error: unbalanced quotes in request');
    assert.equal(protocolError('PING "x\r\n'), 'Protocol error: unbalanced quotes in request');
    assert.equal(protocolError("PING 'x\r\n"), 'Protocol error: unbalanced quotes in request');
  });
});

describe('splitArgs (inline requests and config lines)', () => {
  it('returns [] for a blank line and null for unbalanced quotes', () => {
    assert.deepEqual(splitArgs(''), []);
    assert.deepEqual(splitArgs('   \t '), []);
    assert.equal(splitArgs('"abc'), null);
    assert.equal(splitArgs("'abc"), null);
    assert.equal(splitArgs('"abc"def'), null);
  });
});

describe('RESP parser: limits and exact error texts (as redis-server 7.0.15)', () => {
  const cases: [string, string | Buffer, string][] = [
    ['non-numeric multibulk count', '*x\r\n', 'Protocol error: invalid multibulk length'],
    ['multibulk count with a plus sign', '*+1\r\n$4\r\nPING\r\n', 'Protocol error: invalid multibulk length'],
    ['multibulk count with a leading zero', '*01\r\n$4\r\nPING\r\n', 'Protocol error: invalid multibulk length'],
    ['multibulk count -0', '*-0\r\nPING\r\n', 'Protocol error: invalid multibulk length'],
    ['multibulk count over INT_MAX', '*3000000000\r\n', 'Protocol error: invalid multibulk length'],
    ['multibulk count of 25 digits', '*' + '9'.repeat(25) + '\r\n', 'Protocol error: invalid multibulk length'],
    ['LF-only count line', '*1\n$4\r\nPING\r\n', 'Protocol error: invalid multibulk length'],
    ['non-$ argument', '*1\r\n+PING\r\n', "Protocol error: expected '$', got '+'"],
    ['negative bulk length', '*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
    ['bulk length -0', '*1\r\n$-0\r\n\r\n', 'Protocol error: invalid bulk length'],
    ['bulk length with a leading zero', '*1\r\n$04\r\nPING\r\n', 'Protocol error: invalid bulk length'],
    ['bulk length 00', '*1\r\n$00\r\n\r\n', 'Protocol error: invalid bulk length'],
    ['bulk length with a plus sign', '*1\r\n$+3\r\nabc\r\n', 'Protocol error: invalid bulk length'],
    ['bulk length with a space', '*1\r\n$ 4\r\nPING\r\n', 'Protocol error: invalid bulk length'],
    ['non-numeric bulk length', '*1\r\n$abc\r\n', 'Protocol error: invalid bulk length'],
    ['bulk length over proto-max-bulk-len', '*1\r\n$600000000\r\n', 'Protocol error: invalid bulk length'],
    ['bulk length of 25 digits', '*1\r\n$' + '9'.repeat(25) + '\r\n', 'Protocol error: invalid bulk length'],
    ['LF-only bulk length line', '*1\r\n$4\nPING\r\n', 'Protocol error: invalid bulk length'],
    ['inline request without newline over 64 KiB', 'A'.repeat(INLINE_MAX + 1), 'Protocol error: too big inline request'],
    ['multibulk count line over 64 KiB', '*' + '1'.repeat(INLINE_MAX + 1), 'Protocol error: too big mbulk count string'],
    ['bulk count line over 64 KiB', '*1\r\n$' + '1'.repeat(INLINE_MAX + 1), 'Protocol error: too big bulk count string'],
    ['garbage bulk count line over 64 KiB', '*1\r\n' + '$'.repeat(INLINE_MAX + 1), 'Protocol error: too big bulk count string'],
  ];
  for (const [what, input, msg] of cases) {
    it(what, () => assert.equal(protocolError(input), msg));
  }

  it('reports the error only after the commands before it', () => {
    const p = new RespParser(OPEN);
    p.feed(Buffer.from('*1\r\n$4\r\nPING\r\n*x\r\n'));
    assert.deepEqual(p.next(), ['PING']);
    assert.throws(() => p.next(), { message: 'Protocol error: invalid multibulk length' });
  });

  it('does not fail early on up to 64 KiB of incomplete input', () => {
    const p = new RespParser(OPEN);
    p.feed(Buffer.from('A'.repeat(INLINE_MAX)));
    assert.equal(p.next(), null);
    const q = new RespParser(OPEN);
    q.feed(Buffer.from('*' + '1'.repeat(INLINE_MAX - 1)));
    assert.equal(q.next(), null);
  });

  it('bulk lengths of every digit count parse back, whole and cut inside the header', () => {
    const cmds = [1, 9, 10, 99, 100, 999, 1000, 9999, 65535, 100000, 1048576].map((n) => ['SET', 'k'.repeat(Math.min(n, 64)), 'v'.repeat(n)]);
    assert.deepEqual(parseAll(Buffer.concat(cmds.map(multibulk))), cmds);
    for (const cmd of cmds.slice(0, 6)) {
      const wire = multibulk(cmd);
      const header = wire.indexOf('$' + cmd[2]!.length);
      for (let cutAt = header; cutAt <= header + String(cmd[2]!.length).length + 3; cutAt++) assert.deepEqual(parseChunks([wire.subarray(0, cutAt), wire.subarray(cutAt)]), [cmd]);
    }
  });

  it('honours proto-max-bulk-len (read on every request)', () => {
    const limits = { maxBulkLen: 100, authRequired: false };
    assert.deepEqual(parseAll(multibulk(['ECHO', 'x'.repeat(100)]), limits)[0]![1]!.length, 100);
    assert.equal(protocolError('*2\r\n$4\r\nECHO\r\n$101\r\n', limits), 'Protocol error: invalid bulk length');
  });

  it('caps arguments and bulk size before authentication', () => {
    const pre = { maxBulkLen: 512 * 1024 * 1024, authRequired: true };
    const args = Array.from({ length: UNAUTH_MAX_ARGS }, () => 'a');
    assert.equal(parseAll(multibulk(args), pre).length, 1);
    assert.equal(protocolError(`*${UNAUTH_MAX_ARGS + 1}\r\n`, pre), 'Protocol error: unauthenticated multibulk length');
    assert.equal(parseAll(multibulk(['AUTH', 'x'.repeat(UNAUTH_MAX_BULK)]), pre).length, 1);
    assert.equal(protocolError(`*2\r\n$4\r\nAUTH\r\n$${UNAUTH_MAX_BULK + 1}\r\n`, pre), 'Protocol error: unauthenticated bulk length');
    // After authentication the same requests are fine.
    assert.equal(parseAll(`*${UNAUTH_MAX_ARGS + 1}\r\n` + `$1\r\na\r\n`.repeat(UNAUTH_MAX_ARGS + 1)).length, 1);
  });

  it('follows authRequired as it changes on the connection', () => {
    const limits = { maxBulkLen: 512 * 1024 * 1024, authRequired: true };
    const p = new RespParser(limits);
    p.feed(multibulk(['AUTH', 'pw']));
    assert.deepEqual(p.next(), ['AUTH', 'pw']);
    limits.authRequired = false;
    p.feed(multibulk(Array.from({ length: 50 }, () => 'a')));
    assert.equal(p.next()!.length, 50);
  });
});

describe('RESP parser: properties', () => {
  it('any pipeline of binary commands, split anywhere, parses back to the same argv', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (cmds, points) => {
        const wire = Buffer.concat(cmds.map(multibulk));
        assert.deepEqual(parseChunks(cut(wire, points)), cmds);
      }),
      { numRuns: 500 },
    );
  });

  it('reads into one reused buffer (as from the shared read buffer), split anywhere, parse back; nothing is pending once all is parsed, and the query buffer goes when idle', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (cmds, points) => {
        const wire = Buffer.concat(cmds.map(multibulk));
        const chunks = cut(wire, points);
        const reused = Buffer.alloc(Math.max(1, ...chunks.map((c) => c.length)));
        const p = new RespParser(OPEN);
        const out: string[][] = [];
        for (const c of chunks) {
          c.copy(reused);
          p.feed(reused.subarray(0, c.length));
          for (let argv = p.next(); argv !== null; argv = p.next()) if (argv.length > 0) out.push(argv);
          p.release();
          // What the parser kept must survive the next read overwriting the buffer.
          reused.fill(0x2a);
          assert.ok(p.allocated >= p.pending);
        }
        assert.deepEqual(out, cmds);
        assert.equal(p.pending, 0);
        // The query buffer stays while the client is active; idle, it is given back.
        assert.ok(p.allocated >= QUERY_BUF);
        p.resize(true);
        assert.equal(p.allocated, 0);
      }),
      { numRuns: 500 },
    );
  });

  it('clients interleaved, each through its own query buffer (taken, grown, shrunk, given back and taken again), never see each other\'s bytes', () => {
    const arg = fc.oneof(fc.string({ maxLength: 40 }), fc.nat({ max: 40_000 }).map((n) => 'b'.repeat(n)));
    const client = fc.record({
      cmds: fc.array(fc.array(arg, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }),
      points: fc.array(fc.nat(), { maxLength: 8 }),
    });
    fc.assert(
      fc.property(fc.array(client, { minLength: 2, maxLength: 5 }), fc.array(fc.nat({ max: 3 }), { maxLength: 30 }), (clients, events) => {
        const states = clients.map((c) => ({
          p: new RespParser(OPEN),
          chunks: cut(Buffer.concat(c.cmds.map((a) => multibulk(a.map((x) => Buffer.from(x, 'latin1').toString('latin1'))))), c.points),
          out: [] as string[][],
          want: c.cmds,
        }));
        const reused = Buffer.alloc(Math.max(1, ...states.flatMap((st) => st.chunks.map((c) => c.length))));
        let e = 0;
        for (let turn = 0; states.some((st) => st.chunks.length > 0); turn++) {
          const st = states[turn % states.length]!;
          const c = st.chunks.shift();
          if (c === undefined) continue;
          c.copy(reused);
          st.p.feed(reused.subarray(0, c.length));
          for (let argv = st.p.next(); argv !== null; argv = st.p.next()) if (argv.length > 0) st.out.push(argv);
          st.p.release();
          reused.fill(0x2a, 0, c.length);
          // The cron: another client's buffer shrunk or dropped (idle), or a finished client gone.
          const other = states[(turn + 1) % states.length]!;
          const ev = events[e++ % Math.max(1, events.length)] ?? 0;
          if (ev === 1) other.p.resize(false);
          else if (ev === 2) other.p.resize(true);
          else if (ev === 3 && other.chunks.length === 0) other.p.discard();
        }
        for (const st of states) assert.deepEqual(st.out, st.want);
      }),
      { numRuns: 200 },
    );
  });

  it('short arguments (decoded in JavaScript and shared through a slot table) keep every byte', () => {
    // Every 1- and 2-byte value, then many 3- and 4-byte ones: slots are reused by different bytes.
    const values: string[] = [];
    for (let a = 0; a < 256; a++) {
      values.push(String.fromCharCode(a));
      for (let b = 0; b < 256; b += 3) values.push(String.fromCharCode(a, b));
    }
    const rand = rng(7);
    for (let i = 0; i < 20_000; i++) {
      const n = 3 + (i % 2);
      values.push(String.fromCharCode(...Array.from({ length: n }, () => Math.floor(rand() * 256))));
    }
    const cmds = [...values, ...values.reverse()].map((v) => ['SET', v, '', v]);
    assert.deepEqual(parseAll(Buffer.concat(cmds.map(multibulk))), cmds);
  });

  it('arguments repeated from the previous request (reused strings) and near-repeats (same length, one byte changed) keep every byte', () => {
    // Few distinct values of the remembered lengths, so that most arguments repeat the one at
    // their place in the request before, and the rest differ from it in one byte, first or last.
    const rand = rng(11);
    const base = ['key:000000000001', 'e7fb793085a6712633dcedd18b7b1d3ea4eaef44', 'x'.repeat(64), 'y'.repeat(65), 'element:1'];
    const pick = (): string => {
      const v = base[Math.floor(rand() * base.length)]!;
      const r = rand();
      if (r < 0.6) return v;
      const at = r < 0.8 ? 0 : v.length - 1;
      return v.slice(0, at) + String.fromCharCode(Math.floor(rand() * 256)) + v.slice(at + 1);
    };
    const cmds: string[][] = [];
    for (let i = 0; i < 5000; i++) cmds.push(Array.from({ length: 1 + Math.floor(rand() * 10) }, pick));
    assert.deepEqual(parseAll(Buffer.concat(cmds.map(multibulk))), cmds);
    // Split anywhere too (a request cut by the end of a read).
    const all = Buffer.concat(cmds.slice(0, 300).map(multibulk));
    const cuts = [0, ...Array.from({ length: 40 }, () => Math.floor(rand() * all.length)).sort((a, b) => a - b), all.length];
    assert.deepEqual(parseChunks(cuts.slice(1).map((e, i) => all.subarray(cuts[i]!, e))), cmds.slice(0, 300));
  });

  it('never remembers a password for the next request (AUTH, HELLO ... AUTH, CONFIG SET requirepass)', () => {
    const p = new RespParser(OPEN);
    const reqs: string[][] = [];
    for (let i = 0; i < 32; i++) reqs.push(['AUTH', `user${i}`, `password-${i}`], ['hello', '3', `AUTH-${i}`], ['CONFIG', 'SET', `requirepass-${i}`]);
    p.feed(Buffer.concat(reqs.map(multibulk)));
    while (p.next() !== null);
    const recent = (p as unknown as { recent: string[] }).recent;
    assert.ok(recent.every((s) => !/password-|AUTH-|requirepass-|user/.test(s)), recent.join(','));
    // Other commands' arguments are remembered.
    for (let i = 0; i < 16; i++) p.feed(multibulk(['GET', `key:${i}`]));
    while (p.next() !== null);
    assert.match(recent[1]!, /^key:/);
    // Up to the eighth place (XADD's and HSET's repeated field names).
    for (let i = 0; i < 16; i++) p.feed(multibulk(['XADD', 'sensors', '*', 'temperature', `${i}.5`, 'humidity', `${i}`, 'pressure-hpa']));
    while (p.next() !== null);
    assert.equal(recent[5], 'humidity');
    assert.equal(recent[7], 'pressure-hpa');
  });

  it('big arguments (over the 32 KiB threshold) split anywhere parse back', () => {
    const bigArg = fc.tuple(fc.integer({ min: 30 * 1024, max: 80 * 1024 }), fc.integer({ min: 0, max: 255 })).map(([n, b]) => String.fromCharCode(b).repeat(n) + '\r\n\x00end');
    const cmd = fc.array(fc.oneof(binaryArg, bigArg), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 20 }), (cmds, points) => {
        const wire = Buffer.concat(cmds.map(multibulk));
        assert.deepEqual(parseChunks(cut(wire, points)), cmds);
      }),
      { numRuns: 60 },
    );
  });

  it('inline commands with quoted binary arguments, mixed with multibulk and split anywhere, parse back', () => {
    const entry = fc.tuple(fc.boolean(), fc.array(binaryArg, { minLength: 1, maxLength: 5 }));
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (entries, points) => {
        const parts = entries.map(([inline, argv]) => (inline ? Buffer.from(argv.map(quoteInline).join(' ') + '\r\n', 'latin1') : multibulk(argv)));
        assert.deepEqual(
          parseChunks(cut(Buffer.concat(parts), points)),
          entries.map(([, argv]) => argv),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but ProtocolError on random bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }), (chunks) => {
        try {
          parseChunks(chunks.map((c) => Buffer.from(c)));
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws anything but ProtocolError on mutated valid requests', () => {
    const mutated = fc
      .tuple(fc.array(command, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
      .map(([cmds, edits]) => {
        const b = Buffer.from(Buffer.concat(cmds.map(multibulk)));
        for (const [at, byte] of edits) b[at % b.length] = byte;
        return b;
      });
    fc.assert(
      fc.property(mutated, fc.array(fc.nat(), { maxLength: 6 }), (wire, points) => {
        try {
          parseChunks(cut(wire, points));
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('protocol errors over the wire equal redis-server (reply bytes, then the connection closes)', { skip: haveRedis() ? false : 'redis-server not installed' }, () => {
  const servers = differentialServers();

  /** Sends raw bytes, returns everything received until the server closes (or a quiet period), and whether it closed. */
  async function exchange(port: number, data: Buffer, marker: boolean): Promise<[string, boolean]> {
    const c = await RawConn.connect(port);
    try {
      c.write(data);
      // A marker, answered only if the connection survived. Not after an unterminated line: its
      // newline would end the line, and where it lands depends on how reads split the input.
      if (marker) c.send('PING');
      else {
        await c.waitClosed(5000);
        return [c.buffered.toString('latin1'), c.closed];
      }
      try {
        await c.waitClosed(1000);
      } catch {
        await waitFor(() => c.buffered.toString('latin1').endsWith('+PONG\r\n'), 5000, 'the marker PONG');
      }
      return [c.buffered.toString('latin1'), c.closed];
    } finally {
      c.close();
    }
  }

  const inputs: [string, string][] = [
    ['pipeline of good commands', '*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$3\r\n\x00\xff\x80\r\nPING\r\n'],
    ['empty requests', '*0\r\n*-1\r\n\r\n\r\n'],
    ['bad multibulk count', '*1\r\n$4\r\nPING\r\n*x\r\n'],
    ['multibulk count with a leading zero', '*01\r\n$4\r\nPING\r\n'],
    ['bulk length -0', '*1\r\n$-0\r\n\r\n'],
    ['expected $', '*1\r\n+PING\r\n'],
    ['bulk too big', '*1\r\n$600000000\r\n'],
    ['unbalanced quotes', 'ECHO "abc\r\n'],
    ['quote then a letter', 'ECHO "a"b\r\n'],
    ['inline escapes', 'ECHO "\\x41\\x4g\\n"\r\n'],
    ['too big inline request', 'A'.repeat(70_000)],
    ['too big mbulk count', '*' + '1'.repeat(70_000)],
    ['too big bulk count', '*1\r\n$' + '1'.repeat(70_000)],
  ];
  for (const [what, input] of inputs) {
    it(what, async () => {
      const data = Buffer.from(input, 'latin1');
      const marker = !what.startsWith('too big');
      assert.deepEqual(await exchange(servers.t.port, data, marker), await exchange(servers.ref.port, data, marker));
    });
  }
});

describe('RESP parser: query buffers given back', () => {
  it('a closed or idle client\'s query buffer serves the next client without mixing their bytes', () => {
    const wire = (args: string[]): Buffer => Buffer.from(`*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`, 'latin1');
    for (let round = 0; round < 3; round++) {
      // A client leaves with a cut request in its query buffer; another goes idle after one.
      const gone = new RespParser(OPEN);
      gone.feed(wire(['SET', 'secret', 'x'.repeat(500)]).subarray(0, 300));
      assert.equal(gone.next(), null);
      gone.discard();
      const idle = new RespParser(OPEN);
      idle.feed(wire(['AUTH', 'hunter2']).subarray(0, 10));
      assert.equal(idle.next(), null);
      // Idle with nothing held: the buffer goes back; with bytes held it stays (they are still needed).
      idle.resize(true);
      assert.ok(idle.allocated > 0);
      // New clients reading cut requests through whatever buffers they are given.
      for (let n = 0; n < 4; n++) {
        const p = new RespParser(OPEN);
        const w = wire(['SET', `k${n}`, `v${n}`.repeat(100)]);
        p.feed(w.subarray(0, 7));
        assert.equal(p.next(), null);
        p.feed(w.subarray(7));
        assert.deepEqual(p.next(), ['SET', `k${n}`, `v${n}`.repeat(100)]);
        assert.equal(p.pending, 0);
        p.resize(true);
        assert.equal(p.allocated, 0);
      }
      idle.feed(wire(['AUTH', 'hunter2']).subarray(10));
      assert.deepEqual(idle.next(), ['AUTH', 'hunter2']);
    }
  });
});
