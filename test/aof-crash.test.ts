// Crash tests of the append-only file: the real program (node dist/src/main.js) as a child
// process, a writer that records every acknowledged write, SIGKILL at random moments over many
// cycles, restart (the AOF is loaded, a torn last command truncated), and no acknowledged write
// may be missing.
//
// A SIGKILL keeps the OS's page cache, so data written without fsync survives it: the crash
// cycles show that acknowledged writes reach the file (write()) in time, never that they were
// synced. That everysec syncs is checked in-process, by observing the server's background sync
// calls (Aof.backgroundSync) against the file's contents.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fstatSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RawConn, parseReply, rng, startRedoubtProcess, startServer, waitFor, type Resp } from './helpers.js';

const dirs: string[] = [];

after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});


/**
 * Writes SET <prefix><i> <i> with up to `window` requests in flight until the connection dies;
 * returns the acknowledgement time of each write, in order (replies come in request order).
 */
function writer(port: number, prefix: string, window: number): { acked: number[]; done: Promise<void>; sock: net.Socket } {
  const acked: number[] = [];
  const sock = net.connect({ port, host: '127.0.0.1' });
  let sent = 0;
  let pending = '';
  const pump = (): void => {
    let batch = '';
    while (sent - acked.length < window) {
      const k = prefix + sent;
      const v = String(sent);
      batch += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`;
      sent++;
    }
    if (batch !== '') sock.write(batch);
  };
  sock.on('connect', pump);
  sock.on('data', (d: Buffer) => {
    pending += d.toString('latin1');
    const now = Date.now();
    while (pending.startsWith('+OK\r\n')) {
      acked.push(now);
      pending = pending.slice(5);
    }
    if (pending.length >= 5) throw new Error(`unexpected reply ${JSON.stringify(pending)}`);
    pump();
  });
  const done = new Promise<void>((r) => {
    sock.on('close', () => r());
    sock.on('error', () => undefined);
  });
  return { acked, done, sock };
}

/** Every key of prefix 0..n-1 must hold its index; returns how many of them are missing. */
async function missing(port: number, prefix: string, acked: number[], lost: number[]): Promise<void> {
  const c = await RawConn.connect(port);
  try {
    for (let from = 0; from < acked.length; from += 500) {
      const to = Math.min(acked.length, from + 500);
      const keys: string[] = [];
      for (let i = from; i < to; i++) keys.push(prefix + i);
      // Parsed, not split into lines: a null takes one line, a value two.
      const values = parseReply(await c.call('MGET', ...keys));
      assert.ok(Array.isArray(values) && values.length === keys.length, `MGET of ${keys.length} keys replied ${JSON.stringify(values)}`);
      for (let i = from; i < to; i++) {
        const v: Resp = (values as Resp[])[i - from]!;
        if (v === null) lost.push(i);
        else assert.equal(v, String(i), `value of ${prefix}${i}`);
      }
    }
  } finally {
    c.close();
  }
}

async function crashCycles(fsync: string, cycles: number, seed: number): Promise<{ lostLate: number; acked: number; maxLossMs: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-crash-'));
  dirs.push(dir);
  const rand = rng(seed);
  const history: { prefix: string; acked: number[]; killedAt: number }[] = [];
  let total = 0;
  let maxLossMs = 0;
  for (let cycle = 0; cycle < cycles; cycle++) {
    const child = await startRedoubtProcess(['--appendonly', 'yes', '--appendfsync', fsync], { dir });
    // Everything acknowledged in earlier lives must be there after this restart.
    for (const h of history) {
      const lost: number[] = [];
      await missing(child.port, h.prefix, h.acked, lost);
      if (fsync === 'always') assert.deepEqual(lost, [], `cycle ${cycle}: acknowledged writes of ${h.prefix} lost; server output: ${child.output()}`);
      for (const i of lost) maxLossMs = Math.max(maxLossMs, h.killedAt - h.acked[i]!);
    }
    const prefix = `c${cycle}:`;
    const w = writer(child.port, prefix, 1 + Math.floor(rand() * 32));
    const minAcks = 1 + Math.floor(rand() * 400);
    await waitFor(() => w.acked.length >= minAcks, 10000, 'acknowledged writes');
    child.proc.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((r) => child.proc.once('exit', r));
    await w.done;
    total += w.acked.length;
    history.push({ prefix, acked: w.acked.slice(), killedAt });
  }
  // One last restart checks the last cycle's writes.
  const child = await startRedoubtProcess(['--appendonly', 'yes', '--appendfsync', fsync], { dir });
  let lostLate = 0;
  for (const h of history) {
    const lost: number[] = [];
    await missing(child.port, h.prefix, h.acked, lost);
    if (fsync === 'always') assert.deepEqual(lost, [], `acknowledged writes of ${h.prefix} lost`);
    for (const i of lost) maxLossMs = Math.max(maxLossMs, h.killedAt - h.acked[i]!);
    lostLate += lost.length;
  }
  await child.kill();
  return { lostLate, acked: total, maxLossMs };
}

describe('AOF crash tests (SIGKILL at random moments)', () => {
  it('appendfsync always: no acknowledged write is lost over many kill/restart cycles', async () => {
    const r = await crashCycles('always', 14, 6001);
    assert.ok(r.acked > 14, `writes were acknowledged (${r.acked})`);
    assert.equal(r.lostLate, 0);
  });

  it('SIGTERM writes and syncs the AOF before exiting (appendfsync no)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-crash-'));
    dirs.push(dir);
    const child = await startRedoubtProcess(['--appendonly', 'yes', '--appendfsync', 'no'], { dir });
    const c = await RawConn.connect(child.port);
    assert.equal(await c.call('SET', 'term', 'ok'), '+OK\r\n');
    c.close();
    const exited = new Promise<number | null>((r) => child.proc.once('exit', (code) => r(code)));
    child.proc.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(child.output(), /Calling fsync\(\) on the AOF file/);
    const again = await startRedoubtProcess(['--appendonly', 'yes', '--appendfsync', 'no'], { dir });
    const c2 = await RawConn.connect(again.port);
    assert.equal(await c2.call('GET', 'term'), '$2\r\nok\r\n');
    c2.close();
    await again.kill();
  });

  it('appendfsync everysec: a SIGKILL loses at most about one second of acknowledged writes (written, not necessarily synced)', async () => {
    const r = await crashCycles('everysec', 6, 6002);
    assert.ok(r.acked > 6);
    assert.ok(r.maxLossMs <= 1500, `lost writes acknowledged up to ${r.maxLossMs} ms before the kill`);
  });

  it('appendfsync everysec: each acknowledged write is in the file at once and synced within about a second', async () => {
    const t = await startServer({ appendonly: 'yes', appendfsync: 'everysec' });
    const aof = t.server.aof;
    aof.startup(); // as main.ts does
    // Every background sync: when it was asked for, of which file, how big the file was then,
    // and whether it completed without error.
    const syncs: { at: number; ino: number; size: number; ok: boolean }[] = [];
    const real = aof.backgroundSync;
    aof.backgroundSync = (fd, done) => {
      const st = fstatSync(fd);
      const s = { at: Date.now(), ino: st.ino, size: st.size, ok: false };
      syncs.push(s);
      real(fd, (e) => {
        s.ok = e === null;
        done(e);
      });
    };
    const c = await RawConn.connect(t.port);
    try {
      const incrs = aof.currentManifest().incrs;
      const file = path.join(aof.dirPath, incrs[incrs.length - 1]!.name);
      for (let i = 0; i < 3; i++) {
        const sentAt = Date.now();
        assert.equal(await c.call('SET', `everysec:${i}`, 'v'), '+OK\r\n');
        // Written before the reply (reading the file needs no fsync)...
        assert.ok(readFileSync(file, 'latin1').includes(`everysec:${i}`), `write ${i} is in ${file} when acknowledged`);
        const st = statSync(file);
        // ...and a sync of that file, asked for once it held the write, completes within ~2 s.
        await waitFor(() => syncs.some((s) => s.ok && s.ino === st.ino && s.size >= st.size && s.at >= sentAt), 2000, `a completed sync of the AOF covering write ${i}`);
      }
      assert.match(await c.call('INFO', 'persistence'), /\r\naof_last_write_status:ok\r\n/);
    } finally {
      c.close();
      await t.close();
    }
  });
});
