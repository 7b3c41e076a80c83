// Latency probe for the benchmark (bench/run.ts starts it as a child process):
//
//   node dist/bench/probe.js PORT KEY
//
// One connection to 127.0.0.1:PORT, one GET KEY at a time: the next request goes out when the
// previous reply is complete, and each round trip is timed with performance.now(). It prints
// "ready" once connected and probes until its stdin closes; then it prints "samples N errors E"
// and one line per sample, "<completion time, ms since the epoch> <round trip, ms>", and exits.
import { Buffer } from 'node:buffer';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

/** Bytes of the first complete RESP reply in `buf` (bulk, simple, error or integer), or -1 if incomplete. */
function replyLength(buf: Buffer): number {
  const eol = buf.indexOf('\r\n');
  if (eol < 0) return -1;
  if (buf[0] !== 0x24 /* $ */) return eol + 2;
  const len = Number(buf.toString('latin1', 1, eol));
  if (len < 0) return eol + 2;
  const total = eol + 2 + len + 2;
  return buf.length >= total ? total : -1;
}

function main(): void {
  const port = Number(process.argv[2]);
  const key = process.argv[3] ?? 'bench:probe';
  if (!Number.isInteger(port) || port <= 0) throw new Error('usage: probe.js PORT [KEY]');
  const request = Buffer.from(`*2\r\n$3\r\nGET\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n`);
  const ends: number[] = [];
  const rtts: number[] = [];
  let errors = 0;
  let stopping = false;
  let sentAt = 0;
  let pending: Buffer = Buffer.alloc(0);
  const sock = net.connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  const send = (): void => {
    sentAt = performance.now();
    sock.write(request);
  };
  const finish = (): void => {
    sock.destroy();
    const lines = [`samples ${ends.length} errors ${errors}`];
    for (let i = 0; i < ends.length; i++) lines.push(`${ends[i]!.toFixed(3)} ${rtts[i]!.toFixed(3)}`);
    process.stdout.write(lines.join('\n') + '\n');
  };
  sock.on('connect', () => {
    process.stdout.write('ready\n');
    send();
  });
  sock.on('data', (d: Buffer) => {
    pending = pending.length === 0 ? d : Buffer.concat([pending, d]);
    const n = replyLength(pending);
    if (n < 0) return;
    const now = performance.now();
    if (pending[0] === 0x2d /* - */) {
      errors++;
      if (errors <= 3) process.stderr.write(`probe: ${pending.toString('latin1', 0, n).trim()}\n`);
    }
    ends.push(performance.timeOrigin + now);
    rtts.push(now - sentAt);
    pending = pending.subarray(n);
    if (stopping) finish();
    else send();
  });
  sock.on('error', (e) => {
    process.stderr.write(`probe: ${e.message}\n`);
    process.exit(1);
  });
  sock.on('close', () => {
    if (!stopping) {
      process.stderr.write('probe: the server closed the connection\n');
      process.exit(1);
    }
  });
  process.stdin.resume();
  process.stdin.on('end', () => {
    stopping = true;
  });
}

main();
