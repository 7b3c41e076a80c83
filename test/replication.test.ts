// Replication, the master's side (server/replication.ts, commands/replication.ts): a real
// redis-server 7.0.15 replicating from Redoubt, the raw stream compared with redis-server's own,
// PSYNC's answer, min-replicas-to-write, a replica attaching during a BGSAVE, a replica that never
// reads, ACL and the refused REPLICAOF/SLAVEOF/FAILOVER.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  RawConn,
  bulkStrings,
  infoField,
  infoValue,
  parseReply,
  pollUntil,
  sameReplies,
  sortedReply,
  startRedis,
  startServer,
  type RefServer,
  type TestServer,
} from './helpers.js';
import { err } from '../src/errors.js';

/**
 * A replica's end of a replication stream read by hand: the `$<size>` payload (after the newlines a
 * master sends while it prepares it), then the commands.
 */
class StreamReader {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<StreamReader> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(new StreamReader(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits (with a deadline) until `parse` finds what it wants in the buffer (it consumes it). */
  private async until<T>(what: string, parse: () => T | undefined, ms = 15000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = parse();
      if (v !== undefined) return v;
      if (this.closed) throw new Error(`stream closed waiting for ${what}; buffered: ${JSON.stringify(this.buf.toString('latin1', 0, 200))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; buffered: ${JSON.stringify(this.buf.toString('latin1', 0, 200))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  send(...args: string[]): void {
    this.socket.write(args.length === 0 ? '' : `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  }

  /** One line (without its CRLF), e.g. +FULLRESYNC. */
  line(): Promise<string> {
    return this.until('a line', () => {
      const nl = this.buf.indexOf('\r\n');
      if (nl < 0) return undefined;
      const s = this.buf.toString('latin1', 0, nl);
      this.buf = this.buf.subarray(nl + 2);
      return s;
    });
  }

  /** Skips the keep-alive newlines and the `$<size>\r\n<bytes>` payload; returns its bytes. */
  payload(): Promise<Buffer> {
    return this.until('the payload', () => {
      let p = 0;
      while (p < this.buf.length && this.buf[p] === 0x0a) p++;
      if (p >= this.buf.length) return undefined;
      assert.equal(String.fromCharCode(this.buf[p]!), '$', `payload header: ${JSON.stringify(this.buf.toString('latin1', p, p + 40))}`);
      const nl = this.buf.indexOf('\r\n', p);
      if (nl < 0) return undefined;
      const size = Number(this.buf.toString('latin1', p + 1, nl));
      if (this.buf.length < nl + 2 + size) return undefined;
      const body = this.buf.subarray(nl + 2, nl + 2 + size);
      this.buf = this.buf.subarray(nl + 2 + size);
      return body;
    });
  }

  /** The next command of the stream, as its arguments. */
  command(): Promise<string[]> {
    return this.until('a command', () => {
      const b = this.buf;
      if (b.length === 0) return undefined;
      assert.equal(String.fromCharCode(b[0]!), '*', `command: ${JSON.stringify(b.toString('latin1', 0, 80))}`);
      let nl = b.indexOf('\r\n');
      if (nl < 0) return undefined;
      const n = Number(b.toString('latin1', 1, nl));
      const args: string[] = [];
      let p = nl + 2;
      for (let i = 0; i < n; i++) {
        nl = b.indexOf('\r\n', p);
        if (nl < 0) return undefined;
        const len = Number(b.toString('latin1', p + 1, nl));
        if (b.length < nl + 2 + len + 2) return undefined;
        args.push(b.toString('latin1', nl + 2, nl + 2 + len));
        p = nl + 2 + len + 2;
      }
      this.buf = b.subarray(p);
      return args;
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The dataset of one database, key by key: type, contents, absolute expiry (compared across servers). */
async function dbContents(c: RawConn, db: number): Promise<string[]> {
  assert.equal(await c.call('SELECT', String(db)), '+OK\r\n');
  const keys = bulkStrings(await c.call('KEYS', '*')).sort();
  const out: string[] = [];
  for (const k of keys) {
    const type = parseReply(await c.call('TYPE', k)) as string;
    let v: string;
    switch (type) {
      case 'string': v = await c.call('GET', k); break;
      case 'list': v = await c.call('LRANGE', k, '0', '-1'); break;
      case 'set': v = sortedReply(await c.call('SMEMBERS', k)); break;
      case 'zset': v = await c.call('ZRANGE', k, '0', '-1', 'WITHSCORES'); break;
      case 'hash': v = sortedReply(await c.call('HGETALL', k), 2); break;
      case 'stream': v = await c.call('XRANGE', k, '-', '+'); break;
      default: v = `?${type}`;
    }
    out.push(`${k} ${type} ${JSON.stringify(v)} expires ${JSON.stringify(await c.call('PEXPIRETIME', k))}`);
  }
  return out;
}

/** Both databases 0 and 1 of `a` and `b` hold the same data (polled: `b` is a replica catching up). */
async function sameData(a: RawConn, b: RawConn, what: string): Promise<void> {
  let last: [string[], string[]] = [[], []];
  try {
    await pollUntil(what, async () => {
      for (const db of [0, 1]) {
        last = [await dbContents(a, db), await dbContents(b, db)];
        if (JSON.stringify(last[0]) !== JSON.stringify(last[1])) return false;
      }
      return true;
    }, 15000);
  } catch (e) {
    assert.deepEqual(last[1], last[0], (e as Error).message);
  }
}

/** Writes one key of every type into the selected database of `c`, some with a TTL. */
async function writeEveryType(c: RawConn, tag: string): Promise<void> {
  const cmds = [
    ['SET', `str:${tag}`, `value ${tag}`],
    ['SET', `strttl:${tag}`, 'v', 'EX', '5000'],
    ['SET', `int:${tag}`, '12345'],
    ['RPUSH', `list:${tag}`, 'a', 'b', 'c', tag],
    ['SADD', `set:${tag}`, 'x', 'y', 'z', '1', '2'],
    ['ZADD', `zset:${tag}`, '1.5', 'one', '-2', 'two', '3e10', 'three'],
    ['HSET', `hash:${tag}`, 'f1', 'v1', 'f2', 'v2'],
    ['PEXPIRE', `hash:${tag}`, '7000000'],
    ['XADD', `stream:${tag}`, '1-1', 'field', 'value'],
    ['XADD', `stream:${tag}`, '*', 'f', tag],
    ['SETEX', `setex:${tag}`, '9000', 'v'],
    // Binary and UTF-8 bytes (the stream offset counts bytes), and a value larger than one piece of the file sent.
    ['SET', `bin:${tag}`, Buffer.from([0, 0x80, 0xff, 0xc3, 0xa9, 13, 10]).toString('latin1')],
    ['SET', `utf8:${tag}`, Buffer.from('é€😀', 'utf8').toString('latin1')],
    ['SET', `big:${tag}`, `${tag}`.repeat(200 * 1024)],
  ];
  for (const cmd of cmds) {
    const r = await c.call(...cmd);
    assert.ok(!r.startsWith('-'), `${cmd.join(' ')}: ${r}`);
  }
}

/** A redis-server 7.0.15 replicating from Redoubt (its own --dir, no save points: startRedis). */
function startReplica(masterPort: number, extra: string[] = []): Promise<RefServer> {
  return startRedis(['--replicaof', '127.0.0.1', String(masterPort), ...extra]);
}

/** The slave0 line of Redoubt's INFO replication, once the replica is online. */
function replicaOnline(c: RawConn): Promise<string> {
  return pollUntil('the replica online', async () => {
    const info = await c.call('INFO', 'replication');
    const m = /\r\nslave0:([^\r]*)\r\n/.exec(info);
    return m !== null && m[1]!.includes('state=online') ? m[1]! : undefined;
  }, 15000);
}

async function connectedSlaves(c: RawConn): Promise<number> {
  return Number(await infoField(c, 'connected_slaves', 'replication'));
}

/** What a test opens through withServers, all closed by it. */
interface Servers {
  /** Redoubt, in this process. */
  t: TestServer;
  /** A raw connection to `port`. */
  connect(port: number): Promise<RawConn>;
  /** A replica's end of a connection to `port` (Redoubt's by default), read by hand. */
  stream(port?: number): Promise<StreamReader>;
  /** A redis-server replicating from `t` (startReplica). */
  addReplica(extra?: string[]): Promise<RefServer>;
  /** The reference redis-server (startRedis, `extra` arguments); one a test. */
  redis(extra?: string[]): Promise<RefServer>;
}

/**
 * Starts Redoubt (`settings`) and runs `body` with it; afterwards, even when it failed, closes
 * the connections and streams, then the replicas (in the order started), the reference server, Redoubt.
 */
async function withServers(body: (s: Servers) => Promise<void>, settings: Record<string, string> = {}): Promise<void> {
  let t: TestServer | undefined;
  let ref: RefServer | undefined;
  const replicas: RefServer[] = [];
  const conns: { close(): void }[] = [];
  const opened = <T extends { close(): void }>(c: T): T => (conns.push(c), c);
  try {
    const server = await startServer(settings);
    t = server;
    await body({
      t: server,
      connect: async (port) => opened(await RawConn.connect(port)),
      stream: async (port = server.port) => opened(await StreamReader.connect(port)),
      addReplica: async (extra = []) => {
        const r = await startReplica(server.port, extra);
        replicas.push(r);
        return r;
      },
      redis: async (extra = []) => {
        assert.equal(ref, undefined, 'one reference server a test');
        ref = await startRedis(extra);
        return ref;
      },
    });
  } finally {
    for (const c of conns) c.close();
    for (const r of replicas) await r.close();
    await ref?.close();
    await t?.close();
  }
}

describe('a redis-server replica of Redoubt', () => {
  it('syncs every type in two databases with TTLs, follows later writes, and shows in WAIT, ROLE, INFO, CLIENT LIST; CLIENT KILL TYPE replica drops it', () =>
    withServers(async ({ t, connect, addReplica }) => {
      const m = await connect(t.port);
      await writeEveryType(m, 'a');
      assert.equal(await m.call('SELECT', '1'), '+OK\r\n');
      await writeEveryType(m, 'b');
      assert.equal(await m.call('SELECT', '0'), '+OK\r\n');

      const replica = await addReplica();
      const r = await connect(replica.port);
      await pollUntil('the replica link up', async () => (await infoField(r, 'master_link_status', 'replication')) === 'up', 15000);
      const check = await connect(t.port);
      await sameData(check, r, 'the replica to load the snapshot');
      // What was compared: 12 keys a database, 3 of them with a TTL.
      for (const db of [0, 1]) {
        const keys = await dbContents(check, db);
        assert.equal(keys.length, 12, keys.join('\n'));
        assert.equal(keys.filter((k) => /expires ":\d{13}\\r\\n"$/.test(k)).length, 3, keys.join('\n'));
      }

      // Later writes, in both databases (a transaction, a script, an expiry, a deletion).
      await writeEveryType(m, 'c');
      assert.equal(await m.call('DEL', 'str:a'), ':1\r\n');
      assert.equal(await m.call('SELECT', '1'), '+OK\r\n');
      await writeEveryType(m, 'd');
      assert.equal(await m.call('MULTI'), '+OK\r\n');
      await m.call('INCR', 'int:b');
      await m.call('LPUSH', 'list:b', 'head');
      assert.equal(await m.call('EXEC'), '*2\r\n:12346\r\n:5\r\n');
      assert.equal(await m.call('EVAL', "redis.call('set', KEYS[1], 'lua'); return redis.call('expire', KEYS[1], 1234)", '1', 'fromlua'), ':1\r\n');
      assert.equal(await m.call('SELECT', '0'), '+OK\r\n');
      await sameData(check, r, 'the replica to follow the later writes');

      assert.equal(await m.call('WAIT', '1', '5000'), ':1\r\n');

      // ROLE: master, offset, [[ip, port, offset]] with the port and offset as strings.
      const replicaPort = String(replica.port);
      const role = await pollUntil('ROLE to list the replica', async () => {
        const v = parseReply(await m.call('ROLE')) as [string, number, [string, string, string][]];
        return v[2].length === 1 ? v : undefined;
      });
      assert.equal(role[0], 'master');
      assert.equal(typeof role[1], 'number');
      const [ip, port, offset] = role[2][0]!;
      assert.equal(ip, '127.0.0.1');
      assert.equal(port, replicaPort);
      assert.match(offset, /^\d+$/);
      assert.ok(Number(offset) <= role[1], `replica offset ${offset} <= master offset ${role[1]}`);
      assert.ok(Number(offset) > 0);

      const info = await m.call('INFO', 'replication');
      assert.match(info, /\r\nrole:master\r\n/);
      assert.match(info, /\r\nconnected_slaves:1\r\n/);
      assert.match(info, new RegExp(`\\r\\nslave0:ip=127\\.0\\.0\\.1,port=${replicaPort},state=online,offset=\\d+,lag=\\d+\\r\\n`));
      assert.match(info, /\r\nmaster_repl_offset:\d+\r\n/);

      const list = await m.call('CLIENT', 'LIST');
      const replicaLines = list.split('\n').filter((l) => / flags=S /.test(l));
      assert.equal(replicaLines.length, 1, list);
      assert.equal(await m.call('CLIENT', 'LIST', 'TYPE', 'replica').then((s) => s.split('\n').filter((l) => l.includes('flags=S')).length), 1);

      // The replica reconnects about a second later: the count is polled at once and often.
      const lost = (): number => t.logs.filter((l) => l.includes('Connection with replica')).length;
      assert.equal(lost(), 0);
      assert.equal(await m.call('CLIENT', 'KILL', 'TYPE', 'replica'), ':1\r\n');
      await pollUntil('connected_slaves to drop to 0', async () => (await connectedSlaves(m)) === 0 || undefined, 5000);
      assert.equal(lost(), 1);
    }));
});

/** A command of a stream with argv[0] lowercased and millisecond timestamps masked. */
function normalized(argv: string[]): string {
  return [argv[0]!.toLowerCase(), ...argv.slice(1).map((a) => (/^\d{13}$/.test(a) ? '<ms>' : a))].join(' ');
}

/** Reads commands until `SET <sentinel>`; PINGs and REPLCONF GETACK left out; runs of DELs sorted (hash order). */
async function readUntil(s: StreamReader, sentinel: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const argv = await s.command();
    const n = normalized(argv);
    if (n === 'ping' || n.startsWith('replconf getack')) continue;
    out.push(n);
    if (n === `set ${sentinel} 1`) break;
  }
  const sorted: string[] = [];
  for (let i = 0; i < out.length; ) {
    let j = i;
    while (j < out.length && out[j]!.startsWith('del ')) j++;
    if (j > i) {
      sorted.push(...out.slice(i, j).sort());
      i = j;
    } else sorted.push(out[i++]!);
  }
  return sorted;
}

/** Redoubt and redis-server, each with a normal connection and a SYNC socket past its payload. */
interface SyncedPair {
  a: RawConn;
  b: RawConn;
  sa: StreamReader;
  sb: StreamReader;
}

/** Runs `fn` with a SyncedPair (PINGs every hour, DEBUG enabled), stopping everything afterwards. */
function withSyncedPair(fn: (p: SyncedPair) => Promise<void>): Promise<void> {
  return withServers(async ({ t, connect, stream, redis }) => {
    const ref = await redis(['--repl-diskless-sync', 'no']);
    const a = await connect(t.port);
    const b = await connect(ref.port);
    for (const c of [a, b]) assert.equal(await c.call('CONFIG', 'SET', 'repl-ping-replica-period', '3600'), '+OK\r\n');
    const sa = await stream(t.port);
    const sb = await stream(ref.port);
    sa.send('SYNC');
    sb.send('SYNC');
    const [pa, pb] = await Promise.all([sa.payload(), sb.payload()]);
    assert.equal(pa.toString('latin1', 0, 5), 'REDIS');
    assert.equal(pb.toString('latin1', 0, 5), 'REDIS');
    await fn({ a, b, sa, sb });
  }, { 'enable-debug-command': 'yes' });
}

/** Sets two keys with a 10 ms TTL in `db` on both servers (active expiry off) and waits until they have expired. */
async function twoExpiredKeys(a: RawConn, b: RawConn, db: string): Promise<void> {
  await sameReplies(a, b, [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['SELECT', db],
    ['SET', 'e1', 'x', 'PX', '10'],
    ['SET', 'e2', 'x', 'PX', '10'],
  ]);
  // Nothing touches them meanwhile (the active cycle is off): both are still in the keyspace.
  const until = Date.now() + 30;
  await pollUntil('the keys to expire', async () => Date.now() > until);
}

describe('the replication stream, compared with redis-server', () => {
  it('SELECT, SET ... PXAT, MULTI/EXEC, PUBLISH, lazy expiry DELs (SCAN), scripts', () =>
    withSyncedPair(async ({ a, b, sa, sb }) => {
      await sameReplies(a, b, [
        ['SET', 'k1', 'v1'],
        ['SELECT', '1'],
        ['SET', 'k2', 'v2'],
        ['SET', 'k3', 'v3', 'EX', '100'],
        ['MULTI'], ['SET', 'a', '1'], ['INCR', 'b'], ['EXEC'],
        ['MULTI'], ['SET', 'c', '1'], ['GET', 'c'], ['EXEC'],
        ['PUBLISH', 'ch', 'hello'],
      ]);
      await twoExpiredKeys(a, b, '2');
      await sameReplies(a, b, [
        { cmd: ['SCAN', '0', 'COUNT', '100'], normalize: (r) => r },
        ['SELECT', '1'],
        ['EVAL', "redis.call('set', KEYS[1], 'x'); redis.call('incr', KEYS[2]); return 1", '2', 's1', 's2'],
        ['SET', 'end', '1'],
      ]);
      const [ra, rb] = await Promise.all([readUntil(sa, 'end'), readUntil(sb, 'end')]);
      assert.deepEqual(ra, rb);
      // What the comparison covered (a change in both servers would otherwise go unseen).
      assert.deepEqual(rb, [
        'select 0', 'set k1 v1',
        'select 1', 'set k2 v2',
        'set k3 v3 PXAT <ms>',
        'multi', 'set a 1', 'incr b', 'exec',
        'set c 1',
        'publish ch hello',
        'select 2', 'set e1 x PXAT <ms>', 'set e2 x PXAT <ms>',
        'del e1', 'del e2',
        'select 1', 'multi', 'set s1 x', 'incr s2', 'exec',
        'set end 1',
      ]);
    }));

  // redis-server 7.0.15 wraps the expiries a command finds in MULTI/EXEC unless the command may
  // touch arbitrary keys (SCAN, KEYS, RANDOMKEY): MGET's two are a transaction there.
  it('MGET finding two expired keys', () =>
    withSyncedPair(async ({ a, b, sa, sb }) => {
      await twoExpiredKeys(a, b, '0');
      await sameReplies(a, b, [
        ['MGET', 'e1', 'e2'],
        ['SET', 'end', '1'],
      ]);
      const [ra, rb] = await Promise.all([readUntil(sa, 'end'), readUntil(sb, 'end')]);
      assert.deepEqual(rb, ['select 0', 'set e1 x PXAT <ms>', 'set e2 x PXAT <ms>', 'multi', 'del e1', 'del e2', 'exec', 'set end 1']);
      assert.deepEqual(ra, rb);
    }));
});

describe('a raw replica as INFO, ROLE and CLIENT LIST show it, compared with redis-server', () => {
  it('slave0 line, ROLE entry, CLIENT LIST flags and cmd', () =>
    withSyncedPair(async ({ a, b, sa, sb }) => {
      for (const s of [sa, sb]) s.send('REPLCONF', 'ACK', '0');
      const view = async (c: RawConn): Promise<string[]> => {
        const info = await c.call('INFO', 'replication');
        const slave = /\r\n(slave0:[^\r]*)\r\n/.exec(info)?.[1] ?? 'none';
        const role = parseReply(await c.call('ROLE')) as [string, number, string[][]];
        const line = (parseReply(await c.call('CLIENT', 'LIST', 'TYPE', 'replica')) as string).split('\n')[0]!;
        const fields = line.split(' ').filter((f) => /^(flags|cmd|db|sub|psub|multi)=/.test(f));
        return [
          slave.replace(/port=\d+/, 'port=P').replace(/offset=\d+/, 'offset=N'),
          infoValue(info, 'connected_slaves'),
          JSON.stringify([role[0], role[2].map((x) => [x[0], x[1]])]),
          fields.join(' '),
        ];
      };
      // redis-server counts the replica online once it acknowledged: poll both to the same view.
      let last: [string[], string[]] = [[], []];
      try {
        await pollUntil('the same view', async () => {
          last = [await view(a), await view(b)];
          return JSON.stringify(last[0]) === JSON.stringify(last[1]) && last[1][0]!.includes('state=online') && last[1][3]!.includes('flags=S');
        }, 5000);
      } catch (e) {
        assert.deepEqual(last[0], last[1], (e as Error).message);
      }
    }));
});

describe('PSYNC', () => {
  it('PSYNC ? -1 answers +FULLRESYNC <40 hex> <offset> before the payload', () =>
    withServers(async ({ t, connect, stream }) => {
      const c = await connect(t.port);
      const s = await stream();
      await c.call('SET', 'k', 'v');
      s.send('PSYNC', '?', '-1');
      const line = await s.line();
      const m = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)$/.exec(line);
      assert.ok(m, line);
      assert.equal(m[2], await infoField(c, 'master_repl_offset', 'replication'));
      assert.equal(m[1], await infoField(c, 'master_replid', 'replication'));
      const body = await s.payload();
      assert.equal(body.toString('latin1', 0, 5), 'REDIS');
      await c.call('SET', 'after', '1');
      assert.deepEqual(await s.command(), ['SELECT', '0']);
      assert.deepEqual(await s.command(), ['SET', 'after', '1']);
    }));
});

describe('min-replicas-to-write', () => {
  it('refuses writes as redis-server does without a replica, and allows them once one is online', () =>
    withServers(async ({ t, connect, addReplica, redis }) => {
      const ref = await redis();
      const a = await connect(t.port);
      const b = await connect(ref.port);
      await sameReplies(a, b, [
        ['SET', 'k', 'before'],
        ['CONFIG', 'SET', 'min-replicas-to-write', '1'],
        ['SET', 'k', 'v'],
        ['EVAL', "return redis.call('set', KEYS[1], 'v')", '1', 'k'],
        ['MULTI'], ['SET', 'k', 'v'], ['EXEC'],
        ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", '1', 'k'],
        ['GET', 'k'],
      ]);
      assert.equal(await a.call('SET', 'k', 'v'), `-${err.noReplicas()}\r\n`);
      assert.equal(await a.call('GET', 'k'), '$6\r\nbefore\r\n');

      await addReplica();
      await replicaOnline(a);
      await pollUntil('SET to be accepted', async () => (await a.call('SET', 'k', 'v')) === '+OK\r\n');
      assert.equal(await a.call('GET', 'k'), '$1\r\nv\r\n');
    }));
});

describe('a replica attaching during a BGSAVE', () => {
  it('waits for a snapshot of its own and ends with all the data', () =>
    withServers(async ({ t, connect, addReplica }) => {
      const m = await connect(t.port);
      for (let i = 0; i < 100; i++) assert.equal(await m.call('SET', `k${i}`, `v${i}`), '+OK\r\n');
      // 20 ms a key: the BGSAVE lasts about 2 s unless the delay is lifted.
      assert.equal(await m.call('CONFIG', 'SET', 'rdb-key-save-delay', '20000'), '+OK\r\n');
      assert.equal(await m.call('BGSAVE'), '+Background saving started\r\n');
      // Written after that snapshot's instant, before the replica arrives: only a snapshot of its own has them.
      for (let i = 0; i < 10; i++) assert.equal(await m.call('SET', `between${i}`, `v${i}`), '+OK\r\n');
      assert.equal(await m.call('DEL', 'k1'), ':1\r\n');
      const replica = await addReplica();
      const r = await connect(replica.port);
      await pollUntil('the replica to wait for a snapshot', async () => {
        const info = await m.call('INFO', 'replication');
        return /\r\nslave0:[^\r]*state=wait_bgsave/.test(info);
      });
      assert.equal(await infoField(m, 'rdb_bgsave_in_progress', 'persistence'), '1');
      // Written while the first BGSAVE runs: in neither that snapshot nor (held) stream of it.
      for (let i = 0; i < 20; i++) assert.equal(await m.call('SET', `late${i}`, `v${i}`), '+OK\r\n');
      assert.equal(await m.call('DEL', 'k0'), ':1\r\n');
      // 5 ms a key: the first BGSAVE ends within 0.5 s, then the replica's own starts (about 0.65 s).
      assert.equal(await m.call('CONFIG', 'SET', 'rdb-key-save-delay', '5000'), '+OK\r\n');
      await pollUntil('the replica\'s own snapshot', async () => t.logs.some((l) => l.includes('Starting BGSAVE for SYNC')), 10000);
      // Written during the replica's own snapshot: the stream held for it.
      for (let i = 0; i < 5; i++) assert.equal(await m.call('SET', `during${i}`, `v${i}`), '+OK\r\n');
      assert.equal(await m.call('DEL', 'late0'), ':1\r\n');
      assert.equal(await m.call('RPUSH', 'list', 'a', 'b'), ':2\r\n');
      assert.match(await m.call('INFO', 'replication'), /\r\nslave0:[^\r]*state=wait_bgsave/, 'the writes above were made during the snapshot');
      assert.equal(await m.call('CONFIG', 'SET', 'rdb-key-save-delay', '0'), '+OK\r\n');
      await replicaOnline(m);
      assert.equal(await m.call('SET', 'after', '1'), '+OK\r\n');
      await sameData(m, r, 'the replica to hold all the data');
      assert.equal(await r.call('DBSIZE'), ':0\r\n'); // db 1 selected by sameData: empty
      assert.equal(await r.call('SELECT', '0'), '+OK\r\n');
      assert.equal(await r.call('DBSIZE'), ':134\r\n');
      // One synchronisation, no retry.
      assert.equal(t.logs.filter((l) => l.includes('asks for synchronization')).length, 1, t.logs.join('\n'));
    }));
});

describe('two replicas sharing a snapshot', () => {
  it('both end with all the data and acknowledge the same offsets (WAIT 2)', () =>
    withServers(async ({ t, connect, addReplica }) => {
      const replicas: RefServer[] = [];
      const m = await connect(t.port);
      for (let i = 0; i < 100; i++) assert.equal(await m.call('SET', `k${i}`, `v${i}`), '+OK\r\n');
      // 20 ms a key: the replicas' snapshot lasts about 2 s unless the delay is lifted.
      assert.equal(await m.call('CONFIG', 'SET', 'rdb-key-save-delay', '20000'), '+OK\r\n');
      replicas.push(await addReplica());
      await pollUntil('the snapshot for the first replica', async () => t.logs.some((l) => l.includes('Starting BGSAVE for SYNC')));
      for (let i = 0; i < 10; i++) assert.equal(await m.call('SET', `first${i}`, 'v'), '+OK\r\n');
      replicas.push(await addReplica());
      await pollUntil('the second replica attached', async () => (await connectedSlaves(m)) === 2);
      for (let i = 0; i < 10; i++) assert.equal(await m.call('SET', `second${i}`, 'v'), '+OK\r\n');
      assert.equal(await m.call('SELECT', '1'), '+OK\r\n');
      assert.equal(await m.call('SET', 'db1', 'v'), '+OK\r\n');
      assert.equal(await m.call('SELECT', '0'), '+OK\r\n');
      assert.match(await m.call('INFO', 'replication'), /\r\nslave1:[^\r]*state=wait_bgsave/, 'the writes above were made during the snapshot');
      assert.equal(await m.call('CONFIG', 'SET', 'rdb-key-save-delay', '0'), '+OK\r\n');
      for (const r of replicas) {
        const c = await connect(r.port);
        await sameData(m, c, `replica ${r.port} to hold all the data`);
      }
      assert.equal(t.logs.filter((l) => l.includes('Starting BGSAVE for SYNC')).length, 1, 'one snapshot shared');
      assert.equal(await m.call('SET', 'last', '1'), '+OK\r\n');
      assert.equal(await m.call('WAIT', '2', '5000'), ':2\r\n');
      // Both acknowledge the master's whole stream (the GETACK after WAIT's offset too, within a second).
      await pollUntil('both replicas at the master offset', async () => {
        const role = parseReply(await m.call('ROLE')) as [string, number, string[][]];
        assert.equal(role[2].length, 2);
        return role[2].every((x) => Number(x[2]) === role[1]);
      });
    }));
});

describe('min-replicas-max-lag', () => {
  it('a replica that does not acknowledge for longer than the lag stops counting (NOREPLICAS)', () =>
    withServers(async ({ t, connect, stream }) => {
      const c = await connect(t.port);
      const s = await stream();
      s.send('SYNC');
      await s.payload();
      await replicaOnline(c);
      assert.equal(await c.call('CONFIG', 'SET', 'min-replicas-max-lag', '1'), '+OK\r\n');
      assert.equal(await c.call('CONFIG', 'SET', 'min-replicas-to-write', '1'), '+OK\r\n');
      assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
      // Lag 2 s without an ACK (the replica never sends one).
      await pollUntil('writes refused', async () => (await c.call('SET', 'k', 'v')) === `-${err.noReplicas()}\r\n`, 5000);
      // An acknowledgement makes it good again.
      s.send('REPLCONF', 'ACK', '0');
      await pollUntil('writes accepted', async () => (await c.call('SET', 'k', 'w')) === '+OK\r\n', 2000);
    }));
});

describe('a replica that never reads', () => {
  it('is disconnected at its output limit (replica class); the server keeps answering', () =>
    withServers(async ({ t, connect, stream }) => {
      const c = await connect(t.port);
      const s = await stream();
      assert.equal(await c.call('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 1mb 0 0'), '+OK\r\n');
      s.send('SYNC');
      await s.payload();
      s.socket.pause();
      await pollUntil('the replica online', async () => /state=online/.test(await c.call('INFO', 'replication')));
      const big = 'x'.repeat(100 * 1024);
      // About 5 MB fit in the socket buffers of the two ends; the limit is passed after that.
      let written = 0;
      while ((await connectedSlaves(c)) === 1) {
        assert.ok(written < 200, `still connected after ${written} writes of 100 KB`);
        assert.equal(await c.call('SET', 'big', big), '+OK\r\n');
        written++;
      }
      assert.ok(written >= 10, `closed after ${written} writes of 100 KB (the limit is 1 MB)`);
      assert.equal(await c.call('PING'), '+PONG\r\n');
      assert.equal(await connectedSlaves(c), 0);
      assert.ok(t.logs.some((l) => / flags=S .* scheduled to be closed ASAP for overcoming of output buffer limits/.test(l)), t.logs.join('\n'));
      s.socket.resume();
      await pollUntil('the replica connection closed', async () => s.closed, 10000);
    }));
});

describe('SYNC and PSYNC under ACL', () => {
  it('a user without @admin gets NOPERM, as from redis-server', () =>
    withServers(async ({ t, connect, redis }) => {
      const ref = await redis();
      const a = await connect(t.port);
      const b = await connect(ref.port);
      const replies = await sameReplies(a, b, [
        ['ACL', 'SETUSER', 'u', 'on', '>pw', '~*', '&*', '+@all', '-@admin'],
        ['AUTH', 'u', 'pw'],
        ['SYNC'],
        ['PSYNC', '?', '-1'],
        ['SET', 'k', 'v'],
      ]);
      assert.match(replies[2]!, /^-NOPERM /);
      assert.match(replies[3]!, /^-NOPERM /);
      assert.equal(await connectedSlaves(await connect(t.port)), 0);
    }));
});

describe('WAIT', () => {
  it('counts the replicas that acknowledged the offset (REPLCONF ACK from a raw replica)', () =>
    withServers(async ({ t, connect, stream }) => {
      const c = await connect(t.port);
      const s = await stream();
      s.send('REPLCONF', 'listening-port', '7929');
      assert.equal(await s.line(), '+OK');
      s.send('SYNC');
      await s.payload();
      await replicaOnline(c);
      assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
      assert.deepEqual(await s.command(), ['SELECT', '0']);
      assert.deepEqual(await s.command(), ['SET', 'k', 'v']);
      // No acknowledgement: 0 after the timeout; the replica was asked for one.
      const t0 = Date.now();
      assert.equal(await c.call('WAIT', '1', '200'), ':0\r\n');
      assert.ok(Date.now() - t0 >= 150, `WAIT returned after ${Date.now() - t0} ms`);
      assert.deepEqual(await s.command(), ['REPLCONF', 'GETACK', '*']);
      // Acknowledging the current offset (the GETACK included) answers a WAIT at once.
      const offset = Number(await infoField(c, 'master_repl_offset', 'replication'));
      s.send('REPLCONF', 'ACK', String(offset));
      assert.equal(await c.call('WAIT', '1', '0'), ':1\r\n');
      assert.match(await c.call('INFO', 'replication'), new RegExp(`\\r\\nslave0:ip=127\\.0\\.0\\.1,port=7929,state=online,offset=${offset},lag=0\\r\\n`));
      const role = parseReply(await c.call('ROLE')) as [string, number, string[][]];
      assert.deepEqual(role[2], [['127.0.0.1', '7929', String(offset)]]);
      // A later write is not acknowledged yet.
      assert.equal(await c.call('SET', 'k', 'w'), '+OK\r\n');
      assert.equal(await c.call('WAIT', '1', '50'), ':0\r\n');
    }));

  it('without replicas blocks until its timeout, as redis-server', () =>
    withServers(async ({ t, connect, redis }) => {
      const ref = await redis();
      for (const port of [ref.port, t.port]) {
        const c = await connect(port);
        const t0 = Date.now();
        assert.equal(await c.call('WAIT', '1', '300'), ':0\r\n');
        const took = Date.now() - t0;
        assert.ok(took >= 250, `${port === ref.port ? 'redis-server' : 'Redoubt'} answered WAIT 1 300 after ${took} ms`);
      }
    }));
});

describe('a snapshot for replicas abandoned by FLUSHALL', () => {
  it('a SYNC replica is sent a snapshot of the new dataset; a PSYNC one is disconnected', () =>
    withServers(async ({ t, connect, stream: openStream }) => {
      const c = await connect(t.port);
      const sync = await openStream();
      const psync = await openStream();
      for (let i = 0; i < 50; i++) assert.equal(await c.call('SET', `k${i}`, 'v'), '+OK\r\n');
      assert.equal(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '20000'), '+OK\r\n');
      psync.send('PSYNC', '?', '-1');
      assert.match(await psync.line(), /^\+FULLRESYNC [0-9a-f]{40} \d+$/);
      sync.send('SYNC');
      await pollUntil('both replicas waiting', async () => (await c.call('INFO', 'replication')).includes('slave1:'));
      assert.equal(await c.call('FLUSHALL'), '+OK\r\n');
      assert.equal(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0'), '+OK\r\n');
      assert.equal(await c.call('SET', 'after', '1'), '+OK\r\n');
      await pollUntil('the PSYNC replica closed', async () => psync.closed);
      const body = await sync.payload();
      assert.equal(body.toString('latin1', 0, 5), 'REDIS');
      // What the SYNC replica ends with is the flushed dataset: a snapshot taken after the flush, or
      // one taken before it (inside FLUSHALL: see the report of this test's commit) then FLUSHALL.
      const stream: string[] = [];
      for (;;) {
        const cmd = (await sync.command()).join(' ');
        if (cmd.startsWith('SELECT')) continue;
        stream.push(cmd);
        if (cmd === 'SET after 1') break;
      }
      const before = body.includes('\x03k49\x01v');
      assert.deepEqual(stream, before ? ['FLUSHALL', 'SET after 1'] : ['SET after 1'], `snapshot of the old dataset: ${before}`);
      await pollUntil('one replica left', async () => (await connectedSlaves(c)) === 1);
    }));
});

describe('SYNC and REPLCONF from a normal client, compared with redis-server', () => {
  it('SYNC in MULTI, REPLCONF options', () =>
    withServers(async ({ t, connect, redis }) => {
      const ref = await redis();
      const a = await connect(t.port);
      const b = await connect(ref.port);
      await sameReplies(a, b, [
        ['MULTI'], ['SYNC'], ['PSYNC', '?', '-1'], ['EXEC'],
        ['REPLCONF', 'listening-port', '1234'],
        ['REPLCONF', 'listening-port', 'x'],
        ['REPLCONF', 'capa', 'eof', 'capa', 'psync2'],
        ['REPLCONF', 'ip-address', '10.0.0.1'],
        ['REPLCONF', 'nosuch', 'x'],
        ['REPLCONF', 'listening-port'],
      ]);
      // REPLCONF ACK has no reply from either.
      a.send('REPLCONF', 'ACK', '10');
      b.send('REPLCONF', 'ACK', '10');
      await sameReplies(a, b, [['PING']]);
    }));
});

describe('REPLICAOF, SLAVEOF, FAILOVER', () => {
  it('are refused: a Redoubt server is a master only', () =>
    withServers(async ({ t, connect }) => {
      const c = await connect(t.port);
      assert.equal(await c.call('REPLICAOF', '127.0.0.1', '6379'), `-${err.replicaofUnsupported()}\r\n`);
      assert.equal(await c.call('REPLICAOF', 'NO', 'ONE'), `-${err.replicaofUnsupported()}\r\n`);
      assert.equal(await c.call('SLAVEOF', '127.0.0.1', '6379'), `-${err.replicaofUnsupported()}\r\n`);
      assert.equal(await c.call('FAILOVER'), `-${err.failoverUnsupported()}\r\n`);
      assert.match(err.replicaofUnsupported(), /^ERR REPLICAOF is not supported/);
      assert.match(err.failoverUnsupported(), /^ERR FAILOVER is not supported/);
      assert.match(await c.call('ROLE'), /^\*3\r\n\$6\r\nmaster\r\n/);
    }));
});
