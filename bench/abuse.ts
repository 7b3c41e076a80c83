// Abusive clients for the benchmark's `abuse` section (bench/run.ts starts it as a child process):
//
//   node dist/bench/abuse.js PORT USER PASSWORD ATTACKERS SUBSCRIBERS
//
// against 127.0.0.1:PORT, all at once:
//   - ATTACKERS connections that never authenticate and never read: each writes "PING\r\n" as fast
//     as the kernel takes it (16 KB of them per write, the next write when the socket drains), and
//     reconnects when the server drops it;
//   - SUBSCRIBERS connections that log in as USER, SUBSCRIBE to one channel and never read. A
//     socket that does not read sees no FIN, so each writes "PING\r\n" every 200 ms: once the
//     server has closed it, that write fails. They reconnect too;
//   - one publisher, logged in as USER, that PUBLISHes 1 KB messages to that channel, at most 32
//     unanswered at a time (it reads its replies).
// It prints "ready" once everything has been started and runs until its stdin closes; then it
// closes every socket, prints one JSON line of counts and exits (a handle left open is an error).
import { Buffer } from 'node:buffer';
import net from 'node:net';

const RETRY_MS = 100; // after a refused connection
const POKE_MS = 200;
const PUBLISH_WINDOW = 32;
const CHANNEL = 'bench:abuse';
const PINGS = Buffer.from('PING\r\n'.repeat(Math.floor(16384 / 6)), 'latin1');

function resp(argv: string[]): Buffer {
  const parts = [`*${argv.length}\r\n`];
  for (const a of argv) parts.push(`$${Buffer.byteLength(a, 'latin1')}\r\n`, a, '\r\n');
  return Buffer.from(parts.join(''), 'latin1');
}

interface Counts {
  /** Connections established. */
  connections: number;
  /** Established connections the server closed. */
  drops: number;
  /** Connection attempts that failed (refused, reset before connecting). */
  failed: number;
}
const counts = {
  attackers: { connections: 0, drops: 0, failed: 0, bytes: 0 },
  subscribers: { connections: 0, drops: 0, failed: 0 },
  publisher: { connections: 0, drops: 0, failed: 0, published: 0, errors: 0 },
};

let stopping = false;
const sockets = new Set<net.Socket>();
const timers = new Set<NodeJS.Timeout>();

function after(ms: number, f: () => void): void {
  const t = setTimeout(() => {
    timers.delete(t);
    if (!stopping) f();
  }, ms);
  timers.add(t);
}

/**
 * One connection of a client that reconnects: `onConnect` runs once connected, `onClose` when it
 * closed (whoever closed it). Reconnects at once after a drop, after RETRY_MS after a failure.
 */
function connection(port: number, c: Counts, paused: boolean, onConnect: (s: net.Socket) => void, onClose: () => void = () => {}): void {
  const s = net.connect(port, '127.0.0.1');
  sockets.add(s);
  // Paused before it connects, the socket never starts reading.
  if (paused) s.pause();
  let connected = false;
  s.on('connect', () => {
    connected = true;
    c.connections++;
    onConnect(s);
  });
  s.on('error', () => {}); // 'close' follows
  s.on('close', () => {
    sockets.delete(s);
    onClose();
    if (stopping) return;
    if (connected) c.drops++;
    else c.failed++;
    after(connected ? 0 : RETRY_MS, () => connection(port, c, paused, onConnect, onClose));
  });
}

function attacker(port: number): void {
  connection(port, counts.attackers, true, (s) => {
    const pump = (): void => {
      // At most 64 writes per turn of the event loop, so that the others get theirs.
      for (let i = 0; i < 64; i++) {
        if (stopping || s.destroyed) return;
        const ok = s.write(PINGS, (err) => {
          if (!err) counts.attackers.bytes += PINGS.length;
        });
        if (!ok) {
          s.once('drain', pump);
          return;
        }
      }
      setImmediate(pump);
    };
    pump();
  });
}

function subscriber(port: number, user: string, pass: string): void {
  let poke: NodeJS.Timeout | null = null;
  connection(
    port,
    counts.subscribers,
    true,
    (s) => {
      s.write(Buffer.concat([resp(['AUTH', user, pass]), resp(['SUBSCRIBE', CHANNEL])]));
      poke = setInterval(() => s.write('PING\r\n'), POKE_MS);
      timers.add(poke);
    },
    () => {
      if (poke === null) return;
      clearInterval(poke);
      timers.delete(poke);
      poke = null;
    },
  );
}

function publisher(port: number, user: string, pass: string): void {
  const message = resp(['PUBLISH', CHANNEL, 'x'.repeat(1024)]);
  connection(port, counts.publisher, false, (s) => {
    // Every reply here is one line (+OK, :N, -ERR ...). The first is AUTH's.
    let inflight = 1;
    let authed = false;
    let rest = '';
    const fill = (): void => {
      while (inflight < PUBLISH_WINDOW && !stopping && !s.destroyed) {
        s.write(message);
        inflight++;
      }
    };
    s.on('data', (d: Buffer) => {
      const lines = (rest + d.toString('latin1')).split('\r\n');
      rest = lines.pop()!;
      for (const l of lines) {
        inflight--;
        if (l.startsWith('-')) counts.publisher.errors++;
        else if (authed) counts.publisher.published++;
        authed = true;
      }
      fill();
    });
    s.write(resp(['AUTH', user, pass]));
    fill();
  });
}

function main(): void {
  const [port, attackers, subscribers] = [2, 5, 6].map((i) => Number(process.argv[i])) as [number, number, number];
  const user = process.argv[3];
  const pass = process.argv[4];
  if (!Number.isInteger(port) || port <= 0 || user === undefined || pass === undefined || !Number.isInteger(attackers) || !Number.isInteger(subscribers)) {
    throw new Error('usage: abuse.js PORT USER PASSWORD ATTACKERS SUBSCRIBERS');
  }
  for (let i = 0; i < attackers; i++) attacker(port);
  for (let i = 0; i < subscribers; i++) subscriber(port, user, pass);
  publisher(port, user, pass);
  process.stdout.write('ready\n');
  process.stdin.resume();
  process.stdin.on('end', () => {
    stopping = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    for (const s of sockets) s.destroy();
    process.stdout.write(JSON.stringify(counts) + '\n');
    // Everything is closed: the process exits by itself. If it does not, something leaked.
    setTimeout(() => {
      process.stderr.write(`abuse: still running 3 s after stopping (${sockets.size} sockets open)\n`);
      process.exit(2);
    }, 3000).unref();
  });
}

main();
