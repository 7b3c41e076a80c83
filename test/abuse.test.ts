// Attacks against a real Redoubt process, as an outsider would make them: a client that floods
// without reading (before login), more connections than file descriptors, a subscriber that never
// reads, a crowd of refused connections, and corrupted stream and HyperLogLog values. Each must
// leave the server answering and the data in place.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RawConn, infoValue, startRedoubtProcess, waitFor } from './helpers.js';
import { crc64 } from '../src/persistence/rdb/crc64.js';

const sockets: net.Socket[] = [];

after(() => {
  for (const s of sockets) s.destroy();
});

/** The payload of a bulk string reply. */
function bulk(reply: string): string {
  return reply.slice(reply.indexOf('\r\n') + 2, -2);
}

/** A connection that writes `chunk` whenever its socket has room and never reads; counts what it sent. */
function flooder(port: number, chunk: Buffer): { sock: net.Socket; sent: () => number; closed: () => boolean } {
  const sock = net.connect({ port, host: '127.0.0.1' });
  sockets.push(sock);
  sock.on('error', () => {});
  sock.pause();
  let sent = 0;
  let closed = false;
  sock.on('close', () => (closed = true));
  const pump = (): void => {
    while (!closed && sock.write(chunk)) sent += chunk.length;
    if (!closed) sent += chunk.length;
  };
  sock.on('connect', pump);
  sock.on('drain', pump);
  return { sock, sent: () => sent, closed: () => closed };
}

describe('attacks against a real process', () => {
  it('an unauthenticated client flooding without reading is dropped; no key is evicted', async () => {
    const s = await startRedoubtProcess(['--save', '', '--requirepass', 'pw', '--maxmemory', '150mb', '--maxmemory-policy', 'allkeys-lru']);
    const ctl = await RawConn.connect(s.port);
    try {
      assert.equal(await ctl.call('AUTH', 'pw'), '+OK\r\n');
      let batch = '';
      for (let i = 0; i < 20000; i++) batch += `SET key:${i} ${'v'.repeat(100)}\r\n`;
      ctl.write(batch);
      await waitFor(() => ctl.buffered.length >= 20000 * 5, 10000, 'the keys to be written');
      ctl.close();
      const ctl2 = await RawConn.connect(s.port);
      assert.equal(await ctl2.call('AUTH', 'pw'), '+OK\r\n');
      const before = await ctl2.call('INFO', 'memory');
      const f = flooder(s.port, Buffer.from('PING\r\n'.repeat(10000)));
      await waitFor(() => f.closed(), 30000, 'the flooding client to be dropped');
      assert.equal(await ctl2.call('DBSIZE'), ':20000\r\n');
      const stats = await ctl2.call('INFO', 'everything');
      assert.equal(Number(infoValue(stats, 'evicted_keys')), 0);
      assert.ok(Number(infoValue(stats, 'client_output_buffer_limit_disconnections')) >= 1);
      // What it made the server hold is gone with it.
      assert.ok(Number(infoValue(stats, 'used_memory')) <= Number(infoValue(before, 'used_memory')) + 64 * 1024, stats);
      ctl2.close();
    } finally {
      await s.kill();
    }
  });

  it('before AUTH, an argument past 16 KiB sent whole in one write is refused and the connection closed; the server keeps serving', async () => {
    const s = await startRedoubtProcess(['--save', '', '--requirepass', 'pw']);
    try {
      // The header and the whole bulk in one write: the parser's read of complete arguments sees it.
      const a = await RawConn.connect(s.port);
      a.write(Buffer.concat([Buffer.from('*2\r\n$4\r\nAUTH\r\n$16385\r\n'), Buffer.alloc(16385, 0x61), Buffer.from('\r\n')]));
      assert.equal(await a.reply(), '-ERR Protocol error: unauthenticated bulk length\r\n');
      await a.waitClosed();
      // At the limit it is read (and is only a wrong password).
      const b = await RawConn.connect(s.port);
      b.write(Buffer.concat([Buffer.from('*2\r\n$4\r\nAUTH\r\n$16384\r\n'), Buffer.alloc(16384, 0x61), Buffer.from('\r\n')]));
      assert.match(await b.reply(), /^-WRONGPASS /);
      assert.equal(await b.call('AUTH', 'pw'), '+OK\r\n');
      assert.equal(await b.call('PING'), '+PONG\r\n');
      b.close();
    } finally {
      await s.kill();
    }
  });

  it('HTTP sent to the port (POST or Host: in any case, inline or multibulk) is closed unanswered and logged; names near them are unknown commands', async () => {
    const s = await startRedoubtProcess(['--save', '']);
    try {
      const pre = await RawConn.connect(s.port);
      assert.equal(await pre.call('SET', 'canary', '1'), '+OK\r\n');
      pre.close();
      const attacks: (string | string[])[] = ['post / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nFLUSHALL\r\n', 'HOST: 127.0.0.1\r\n', ['PoSt', 'x'], ['host:', 'x']];
      for (const attack of attacks) {
        const c = await RawConn.connect(s.port);
        try {
          if (typeof attack === 'string') c.write(attack);
          else c.send(...attack);
          await c.waitClosed();
          assert.equal(c.buffered.length, 0, `${JSON.stringify(attack)}: nothing is answered`);
        } finally {
          c.close();
        }
      }
      await waitFor(() => /Possible SECURITY ATTACK detected from 127\.0\.0\.1:/.test(s.output()), 5000, 'the attack to be logged');
      const c = await RawConn.connect(s.port);
      try {
        for (const name of ['POS', 'POSTS', 'HOST', 'PONG', 'HOSTS', 'hoSt;']) assert.match(await c.call(name), /^-ERR unknown command/, name);
        assert.equal(await c.call('PING'), '+PONG\r\n');
        assert.equal(await c.call('DBSIZE'), ':1\r\n', 'the FLUSHALL after the HTTP headers never ran');
      } finally {
        c.close();
      }
    } finally {
      await s.kill();
    }
  });

  it('clients declaring huge arguments are evicted under maxmemory-clients; no key is evicted', async () => {
    const s = await startRedoubtProcess(['--save', '', '--maxmemory', '200mb', '--maxmemory-policy', 'allkeys-lru', '--maxmemory-clients', '50mb']);
    const ctl = await RawConn.connect(s.port);
    const attackers: net.Socket[] = [];
    try {
      assert.equal(await ctl.call('CLIENT', 'NO-EVICT', 'on'), '+OK\r\n');
      let batch = '';
      for (let i = 0; i < 10000; i++) batch += `SET key:${i} ${'v'.repeat(100)}\r\n`;
      ctl.write(batch);
      await waitFor(() => ctl.buffered.length >= 10000 * 5, 10000, 'the keys to be written');
      ctl.close();
      const ctl2 = await RawConn.connect(s.port);
      // Each declares a 100 MB argument and sends a little of it: the server reserves the whole
      // argument, which counts as that client's memory.
      let closed = 0;
      for (let i = 0; i < 10; i++) {
        const sock = net.connect({ port: s.port, host: '127.0.0.1' });
        sockets.push(sock);
        attackers.push(sock);
        sock.on('error', () => {});
        sock.on('close', () => closed++);
        sock.write(`*2\r\n$3\r\nGET\r\n$100000000\r\n${'x'.repeat(64 * 1024)}`);
      }
      await waitFor(async () => Number(/evicted_clients:(\d+)/.exec(await ctl2.call('INFO', 'stats'))![1]) >= 10, 20000, 'the attackers to be evicted');
      await waitFor(() => closed === 10, 10000, 'the attackers to see their connections closed');
      assert.equal(await ctl2.call('DBSIZE'), ':10000\r\n');
      const stats = await ctl2.call('INFO', 'everything');
      assert.equal(Number(infoValue(stats, 'evicted_keys')), 0);
      assert.ok(Number(infoValue(stats, 'mem_clients_normal')) < 1024 * 1024, stats);
      ctl2.close();
    } finally {
      for (const a of attackers) a.destroy();
      await s.kill();
    }
  });

  it('requests that never end, cut across reads, are dropped at client-query-buffer-limit; the server keeps serving', async () => {
    // The parser keeps a request cut by the end of a read in a buffer of the connection's own:
    // strangers who keep such requests growing must be cut off at the limit, however they send.
    const s = await startRedoubtProcess(['--save', '', '--client-query-buffer-limit', '1mb']);
    const ctl = await RawConn.connect(s.port);
    try {
      assert.equal(await ctl.call('SET', 'kept', 'v'), '+OK\r\n');
      const arg = 'a'.repeat(1000);
      const attacks = [
        // Many complete 1 KB arguments of a request announced as 100,000 long.
        Buffer.from('*100000\r\n' + `$1000\r\n${arg}\r\n`.repeat(3000), 'latin1'),
        // One 10 MB argument, 3 MB of it sent.
        Buffer.from('*2\r\n$3\r\nGET\r\n$10000000\r\n' + 'x'.repeat(3_000_000), 'latin1'),
        // A pipeline whose last request is cut in the middle of a length line, resent in 7-byte pieces.
        Buffer.from('*1\r\n$4\r\nPING\r\n'.repeat(10) + '*2\r\n$3\r\nGET\r\n$99', 'latin1'),
      ];
      const closed: boolean[] = [];
      for (const [i, data] of attacks.entries()) {
        const sock = net.connect({ port: s.port, host: '127.0.0.1' });
        sockets.push(sock);
        closed[i] = false;
        sock.on('error', () => {});
        sock.on('close', () => (closed[i] = true));
        await new Promise((r) => sock.once('connect', r));
        if (i < 2) {
          // In pieces of varying size, so that the requests are cut anywhere.
          for (let at = 0; at < data.length && !closed[i]; ) {
            const n = 1 + ((at * 7919) % 65536);
            sock.write(data.subarray(at, at + n));
            at += n;
          }
        } else {
          for (let at = 0; at < data.length; at += 7) sock.write(data.subarray(at, at + 7));
        }
      }
      await waitFor(() => closed[0] === true && closed[1] === true, 20000, 'the two over the limit to be dropped');
      // The third stays under the limit: still connected, its cut request waiting.
      assert.equal(closed[2], false);
      const info = await ctl.call('INFO', 'clients');
      assert.equal(Number(infoValue(info, 'connected_clients')), 2, info);
      assert.ok(Number(infoValue(info, 'client_recent_max_input_buffer')) < 2 * 1024 * 1024, info);
      assert.equal(await ctl.call('GET', 'kept'), '$1\r\nv\r\n');
      assert.match(s.output(), /closing client that reached max query buffer length|Closing client that reached max query buffer length/i);
    } finally {
      ctl.close();
      await s.kill();
    }
  });

  it('hundreds of connections that send a cut request and fall silent give their query buffers back, and keep the bytes they sent', async () => {
    // Each connection's first read gets it a 16 KiB query buffer (as Redis's); a crowd that sends a
    // few bytes and waits must not hold them: after 2 s idle only the bytes sent stay.
    const s = await startRedoubtProcess(['--save', '']);
    const ctl = await RawConn.connect(s.port);
    const n = 300;
    try {
      const clientMem = async (): Promise<number> => Number(infoValue(await ctl.call('INFO', 'memory'), 'mem_clients_normal'));
      const base = await clientMem();
      const head = '*2\r\n$4\r\nECHO\r\n$11\r\nhell';
      const crowd: net.Socket[] = [];
      const replies: string[] = [];
      for (let i = 0; i < n; i++) {
        const sock = net.connect({ port: s.port, host: '127.0.0.1' });
        sockets.push(sock);
        crowd.push(sock);
        replies.push('');
        sock.on('error', () => {});
        sock.setEncoding('latin1');
        sock.on('data', (d: string) => (replies[i] += d));
        await new Promise((r) => sock.once('connect', r));
        sock.write(head);
      }
      await waitFor(async () => (await clientMem()) - base >= n * (5 + 16) * 1024, 10000, 'the crowd holding a query buffer each');
      // What stays is each connection's own (its objects and 1 KiB reply buffer, 5 KiB) and the bytes it sent.
      await waitFor(async () => (await clientMem()) - base < n * 6 * 1024, 15000, 'the idle query buffers to be given back');
      // The cut requests were kept: finished now, each is answered whole.
      for (const sock of crowd) sock.write('o-world\r\n');
      await waitFor(() => replies.every((r) => r.length >= 18), 10000, 'every reply');
      for (const r of replies) assert.equal(r, '$11\r\nhello-world\r\n');
    } finally {
      ctl.close();
      await s.kill();
    }
  });

  it('400 connections under ulimit -n 300 leave the server answering', async () => {
    const s = await startRedoubtProcess(['--save', ''], { ulimit: 300 });
    const ctl = await RawConn.connect(s.port);
    const conns: net.Socket[] = [];
    try {
      assert.match(s.output(), /maxclients has been reduced to \d+ to compensate for low ulimit/);
      const max = Number(/maxclients:(\d+)/.exec(await ctl.call('INFO', 'clients'))![1]);
      assert.ok(max < 300, `maxclients ${max}`);
      let refused = 0;
      let closedByServer = 0;
      for (let i = 0; i < 400; i++) {
        const sock = net.connect({ port: s.port, host: '127.0.0.1' });
        sockets.push(sock);
        conns.push(sock);
        sock.on('error', () => {});
        sock.on('data', (d) => {
          if (d.toString().startsWith('-ERR max number of clients reached')) refused++;
        });
        sock.on('close', () => closedByServer++);
      }
      // Everything past maxclients is refused and closed by the server (the test closes nothing).
      await waitFor(() => refused + 1 >= 400 - max && closedByServer >= refused, 20000, `refusals (${refused}, ${closedByServer} closed)`);
      assert.equal(await ctl.call('PING'), '+PONG\r\n');
      assert.equal(s.proc.exitCode, null);
      for (const c of conns) c.destroy();
      await waitFor(async () => Number(/connected_clients:(\d+)/.exec(await ctl.call('INFO', 'clients'))![1]) === 1, 10000, 'the connections to go');
      const again = await RawConn.connect(s.port);
      assert.equal(await again.call('PING'), '+PONG\r\n');
      again.close();
      // A save still finds a descriptor (the reserve).
      assert.equal(await ctl.call('SAVE'), '+OK\r\n');
    } finally {
      ctl.close();
      await s.kill();
    }
  });

  it('a client that asks for big replies and never reads is dropped at the normal limit, the bytes its socket holds counted', async () => {
    const s = await startRedoubtProcess(['--save', '', '--client-output-buffer-limit', 'normal 32mb 0 0']);
    const ctl = await RawConn.connect(s.port);
    try {
      assert.equal(await ctl.call('SET', 'big', 'b'.repeat(1024 * 1024)), '+OK\r\n');
      const reader = net.connect({ port: s.port, host: '127.0.0.1' });
      sockets.push(reader);
      reader.on('error', () => {});
      await new Promise((r) => reader.once('connect', r));
      reader.pause();
      const batch = '*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n'.repeat(24);
      const present = async (): Promise<boolean> => (await ctl.call('CLIENT', 'LIST')).includes(' cmd=get ');
      // 24 MiB of replies: under the limit; what the kernel cannot take (most of it) stays held.
      reader.write(batch);
      await waitFor(present, 5000, 'the first batch served');
      await waitFor(async () => {
        const line = (await ctl.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes(' cmd=get ')) ?? '';
        return Number(/ omem=(\d+)/.exec(line)?.[1] ?? 0) >= 12 * 1024 * 1024;
      }, 5000, 'the held replies counted');
      // 24 MiB more while the first are still held: past 32 MB only if the held bytes count.
      reader.write(batch);
      await waitFor(async () => !(await present()), 5000, 'the reader dropped');
      const stats = await ctl.call('INFO', 'everything');
      assert.ok(Number(infoValue(stats, 'client_output_buffer_limit_disconnections')) >= 1);
      assert.equal(await ctl.call('PING'), '+PONG\r\n');
    } finally {
      ctl.close();
      await s.kill();
    }
  });

  it('a client that reads its big replies, then stops reading, is still dropped at the normal limit (its replies written directly again)', async () => {
    const s = await startRedoubtProcess(['--save', '', '--client-output-buffer-limit', 'normal 32mb 0 0']);
    const ctl = await RawConn.connect(s.port);
    try {
      assert.equal(await ctl.call('SET', 'big', 'b'.repeat(1024 * 1024)), '+OK\r\n');
      const reader = net.connect({ port: s.port, host: '127.0.0.1' });
      sockets.push(reader);
      reader.on('error', () => {});
      reader.on('data', () => {});
      await new Promise((r) => reader.once('connect', r));
      const batch = '*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n'.repeat(24);
      const replies = 24 * (1024 * 1024 + '$1048576\r\n\r\n'.length);
      // 24 MiB of replies, more than the kernel takes at once: its writes stop completing at once.
      // The reader reads them all, so the server's socket drains.
      reader.write(batch);
      await waitFor(() => reader.bytesRead >= replies, 10_000, 'the first batch read');
      assert.equal(reader.bytesRead, replies);
      // Now it stops reading: 24 MiB more, written to the socket's handle again and mostly held
      // there, then 24 MiB on top: past 32 MB only if the held bytes count.
      reader.pause();
      const line = async (): Promise<string> => (await ctl.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes(' cmd=get ')) ?? '';
      reader.write(batch);
      await waitFor(async () => Number(/ omem=(\d+)/.exec(await line())?.[1] ?? 0) >= 12 * 1024 * 1024, 5000, 'the held replies counted');
      reader.write(batch);
      await waitFor(async () => (await line()) === '', 5000, 'the reader dropped');
      const stats = await ctl.call('INFO', 'everything');
      assert.ok(Number(infoValue(stats, 'client_output_buffer_limit_disconnections')) >= 1);
      assert.equal(await ctl.call('PING'), '+PONG\r\n');
    } finally {
      ctl.close();
      await s.kill();
    }
  });

  it('a subscriber that never reads is disconnected at the default pubsub limit', async () => {
    const s = await startRedoubtProcess(['--save', '']);
    const ctl = await RawConn.connect(s.port);
    try {
      const sub = net.connect({ port: s.port, host: '127.0.0.1' });
      sockets.push(sub);
      sub.on('error', () => {});
      sub.write('SUBSCRIBE news\r\n');
      await new Promise((r) => sub.once('data', r));
      // It never reads again (so it would not even notice being closed: the server's side is checked).
      sub.pause();
      const subscribed = async (): Promise<boolean> => (await ctl.call('CLIENT', 'LIST')).includes(' flags=P ');
      assert.equal(await subscribed(), true);
      const msg = 'm'.repeat(64 * 1024);
      let published = 0;
      await waitFor(async () => {
        for (let i = 0; i < 20; i++) ctl.send('PUBLISH', 'news', msg);
        for (let i = 0; i < 20; i++) await ctl.reply();
        published += 20;
        return !(await subscribed());
      }, 60000, 'the subscriber to be dropped');
      // The default hard limit is 32 MB: the server dropped it after about that much plus what
      // the kernel's buffers took, not after hundreds of MB.
      assert.ok(published * msg.length < 128 * 1024 * 1024, `published ${published}`);
      const stats = await ctl.call('INFO', 'everything');
      assert.ok(Number(infoValue(stats, 'client_output_buffer_limit_disconnections')) >= 1);
      assert.ok(Number(infoValue(stats, 'mem_clients_normal')) < 1024 * 1024);
    } finally {
      ctl.close();
      await s.kill();
    }
  });

  it('corrupted stream payloads (RESTORE) and HyperLogLog strings (PFCOUNT, PFADD, PFMERGE) are refused; the server keeps serving', async () => {
    const s = await startRedoubtProcess(['--save', '']);
    const c = await RawConn.connect(s.port);
    try {
      for (let i = 1; i <= 300; i++) assert.doesNotMatch(await c.call('XADD', 'st', `1-${i}`, i % 3 === 0 ? 'g' : 'f', String(i)), /^-/);
      assert.equal(await c.call('XGROUP', 'CREATE', 'st', 'grp', '0'), '+OK\r\n');
      assert.match(await c.call('XREADGROUP', 'GROUP', 'grp', 'eve', 'COUNT', '5', 'STREAMS', 'st', '>'), /^\*1/);
      assert.doesNotMatch(await c.call('PFADD', 'hll', ...Array.from({ length: 50 }, (_, i) => `e${i}`)), /^-/);
      const dump = Buffer.from(bulk(await c.call('DUMP', 'st')), 'latin1');
      const hll = Buffer.from(bulk(await c.call('GET', 'hll')), 'latin1');
      let seed = 7;
      let refused = 0;
      const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
      for (let i = 0; i < 300; i++) {
        // Flip bytes of the body and give it a valid checksum: the stream loader itself must refuse it.
        const bad = Buffer.from(dump);
        for (let k = 0; k < 3; k++) {
          const j = rnd(bad.length - 10);
          bad[j] = bad[j]! ^ (1 + rnd(255));
        }
        bad.writeBigUInt64LE(crc64(bad.subarray(0, bad.length - 8)), bad.length - 8);
        const restored = await c.call('RESTORE', `r${i}`, '0', bad);
        assert.match(restored, /^(\+OK|-ERR Bad data format)\r\n$/);
        if (restored === '-ERR Bad data format\r\n') refused++;
        const badH = Buffer.from(hll);
        for (let k = 0; k < 3; k++) {
          const j = 4 + rnd(badH.length - 4);
          badH[j] = badH[j]! ^ (1 + rnd(255));
        }
        assert.equal(await c.call('SET', 'bad', badH), '+OK\r\n');
        for (const cmd of [['PFCOUNT', 'bad'], ['PFADD', 'bad', `x${i}`], ['PFMERGE', 'out', 'bad', 'hll'], ['PFCOUNT', 'bad', 'hll']]) {
          assert.match(await c.call(...cmd), /^(:\d+|\+OK|-INVALIDOBJ .*|-WRONGTYPE .*)\r\n$/, cmd.join(' '));
        }
      }
      assert.ok(refused > 100, `only ${refused} corrupted stream payloads were refused`);
      assert.equal(await c.call('PING'), '+PONG\r\n');
      assert.equal(await c.call('XLEN', 'st'), ':300\r\n');
      assert.equal(s.proc.exitCode, null);
    } finally {
      c.close();
      await s.kill();
    }
  });

  it('protected-mode refusals are closed at once, counted, and not logged one by one', async () => {
    // 127.0.0.2 is not "local" for protected mode (Redis's rule): it stands for an outside address.
    const s = await startRedoubtProcess(['--save', '', '--protected-mode', 'yes']);
    const ctl = await RawConn.connect(s.port);
    try {
      const n = 50;
      let denied = 0;
      let closed = 0;
      for (let i = 0; i < n; i++) {
        const sock = net.connect({ port: s.port, host: '127.0.0.1', localAddress: '127.0.0.2' });
        sockets.push(sock);
        sock.on('error', () => {});
        sock.on('data', (d) => {
          if (d.toString().startsWith('-DENIED')) denied++;
        });
        sock.on('close', () => closed++);
      }
      await waitFor(() => closed === n, 10000, `the refused connections to be closed (${closed})`);
      assert.equal(denied, n);
      const stats = await ctl.call('INFO', 'everything');
      assert.equal(Number(infoValue(stats, 'protected_mode_rejected_connections')), n);
      assert.doesNotMatch(s.output(), /Refused connection from/);
    } finally {
      ctl.close();
      await s.kill();
    }
  });

  it('a script that never ends inside MULTI/EXEC, and a slow one whose caller leaves, do not take the server', async () => {
    const s = await startRedoubtProcess(['--save', '', '--busy-reply-threshold', '50']);
    const ctl = await RawConn.connect(s.port);
    const attacker = await RawConn.connect(s.port);
    try {
      // A transaction whose script loops for ever: others are told BUSY, SCRIPT KILL ends it.
      attacker.send('MULTI');
      attacker.send('EVAL', 'while true do end', '0');
      attacker.send('EXEC');
      await waitFor(async () => (await ctl.call('PING')).startsWith('-BUSY'), 10000, 'BUSY during the looping transaction');
      assert.equal(await ctl.call('SCRIPT', 'KILL'), '+OK\r\n');
      assert.equal(await ctl.call('PING'), '+PONG\r\n');
      // A slow script whose caller disconnects: the server is BUSY only until the script ends.
      const leaver = await RawConn.connect(s.port);
      leaver.send('EVAL', 'local i = 0 while i < 4e7 do i = i + 1 end return i', '0');
      await waitFor(async () => (await ctl.call('PING')).startsWith('-BUSY'), 10000, 'BUSY during the slow script');
      leaver.close();
      await waitFor(async () => (await ctl.call('PING')) === '+PONG\r\n', 60000, 'the server to answer once the script ended');
      assert.equal(await ctl.call('SCRIPT', 'KILL'), '-NOTBUSY No scripts in execution right now.\r\n');
    } finally {
      ctl.close();
      attacker.close();
      await s.kill();
    }
  });

  it('a replica that never reads is dropped at the replica output limit; the server keeps serving', async () => {
    const s = await startRedoubtProcess(['--save', '', '--client-output-buffer-limit', 'replica 1mb 0 0']);
    const ctl = await RawConn.connect(s.port);
    try {
      const replica = net.connect({ port: s.port, host: '127.0.0.1' });
      sockets.push(replica);
      replica.on('error', () => {});
      replica.write('SYNC\r\n');
      // It never reads anything (so it would not even notice being closed: the server's side is checked).
      replica.pause();
      const replicas = async (): Promise<number> => Number(infoValue(await ctl.call('INFO', 'replication'), 'connected_slaves'));
      await waitFor(async () => (await replicas()) === 1, 10000, 'the replica to attach');
      const value = 'v'.repeat(64 * 1024);
      let written = 0;
      await waitFor(async () => {
        for (let i = 0; i < 16; i++) ctl.send('SET', `k${i}`, value);
        for (let i = 0; i < 16; i++) assert.equal(await ctl.reply(), '+OK\r\n');
        written += 16;
        return (await replicas()) === 0;
      }, 60000, 'the replica to be dropped');
      // Dropped after about the 1 MB limit plus what the kernel's buffers took, not hundreds of MB.
      assert.ok(written * value.length < 64 * 1024 * 1024, `written ${written} values`);
      assert.equal(await ctl.call('PING'), '+PONG\r\n');
      assert.ok(Number(infoValue(await ctl.call('INFO', 'stats'), 'client_output_buffer_limit_disconnections')) >= 1);
    } finally {
      ctl.close();
      await s.kill();
    }
  });
});
