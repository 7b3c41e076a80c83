// Node's floor for the benchmark (bench/run.ts starts it as a child process, pinned as the servers):
//
//   node dist/bench/floor.js --port PORT
//
// A server on 127.0.0.1:PORT that does the least any Redis server written on Node's net module must
// do per request: it reads the socket, finds where each RESP command ends, and writes one reply
// per command (+PONG to PING, +OK to anything else), all the replies of one read in one write, as
// Redoubt writes them. Its reads and writes take Redoubt's paths (src/server/socket-io.ts: the
// shared read buffer, writes to the socket's handle). No parsing into arguments, no keyspace, no
// dispatch. Its CPU time per request is what Node's event loop and socket calls cost before any
// of Redoubt's work: the floor under Redoubt's figures in the commands table.
import { Buffer } from 'node:buffer';
import net from 'node:net';
import { directHandle, readIntoSharedBuffer, writeDirect, type DirectHandle } from '../src/server/socket-io.js';

const OK = Buffer.from('+OK\r\n');
const PONG = Buffer.from('+PONG\r\n');
/** Where one read's replies are put together, then copied into the one write. */
let scratch = Buffer.allocUnsafe(65536);

/** Position of the LF ending the decimal number at `pos` (its value in `value`), or -1 if incomplete. */
let value = 0;
function number(buf: Buffer, pos: number): number {
  let n = 0;
  for (let p = pos; p < buf.length; p++) {
    const c = buf[p]!;
    if (c === 0x0d) {
      value = n;
      return p + 1 < buf.length ? p + 1 : -1;
    }
    n = n * 10 + (c - 0x30);
  }
  return -1;
}

/** Whether the command commandEnd found last is PING (its first argument: 4 bytes, P I N G in any case). */
let ping = false;

/** Where the multibulk command starting at `pos` ends, or -1 if it is not complete. */
function commandEnd(buf: Buffer, pos: number): number {
  if (pos >= buf.length) return -1;
  if (buf[pos] !== 0x2a /* * */) throw new Error('the floor server reads multibulk commands only');
  let p = number(buf, pos + 1);
  if (p < 0) return -1;
  const args = value;
  ping = false;
  for (let i = 0; i < args; i++) {
    p = number(buf, p + 2);
    if (p < 0) return -1;
    const start = p + 1;
    p = start + value + 1;
    if (p >= buf.length) return -1;
    if (i === 0 && value === 4) ping = (buf[start]! | 0x20) === 0x70 && (buf[start + 1]! | 0x20) === 0x69 && (buf[start + 2]! | 0x20) === 0x6e && (buf[start + 3]! | 0x20) === 0x67;
  }
  return p + 1;
}

/** Writes one read's replies: to the socket's handle while writes complete at once (as Redoubt), else through the stream. */
function send(socket: net.Socket, n: number, direct: { handle: DirectHandle | null }): void {
  const data = scratch.subarray(0, n);
  const held = direct.handle !== null ? writeDirect(socket, direct.handle, data, () => {}) : -1;
  if (held < 0) {
    socket.write(Buffer.from(data));
  } else if (held > 0) {
    // The handle holds the scratch buffer until the write completes: the next replies go in a new one.
    scratch = Buffer.allocUnsafe(scratch.length);
    direct.handle = null;
  }
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let carry: Buffer | null = null;
  const direct = { handle: directHandle(socket) };
  // Reads land in Redoubt's shared read buffer where this Node allows it: a cut request is copied out.
  const onBytes = (chunk: Buffer): void => {
    const buf = carry === null ? chunk : Buffer.concat([carry, chunk]);
    let pos = 0;
    let n = 0;
    for (let end = commandEnd(buf, pos); end >= 0; end = commandEnd(buf, pos)) {
      const reply = ping ? PONG : OK;
      if (n + reply.length > scratch.length) {
        send(socket, n, direct);
        n = 0;
      }
      n += reply.copy(scratch, n);
      pos = end;
    }
    carry = pos < buf.length ? Buffer.from(buf.subarray(pos)) : null;
    if (n > 0) send(socket, n, direct);
  };
  if (!readIntoSharedBuffer(socket, onBytes)) socket.on('data', onBytes);
  socket.on('error', () => socket.destroy());
});
server.listen(Number(process.argv[process.argv.indexOf('--port') + 1]), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
