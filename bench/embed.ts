// The embedding API measured in a fresh Node process (run by bench/run.ts, section `embed`):
// import 'redoubt', startServer() to the first PONG, stop(), the same with throw-away TLS and with
// startHardenedServer(), and what an embedded server costs the host's event loop (its delay while
// the server idles and while redis-benchmark, in another process, loads it). Prints one JSON object.
import net from 'node:net';
import tls from 'node:tls';
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const ROUNDS = Number(process.argv[2] ?? 20);
const LOAD_REQUESTS = Number(process.argv[3] ?? 50_000);

interface Timing {
  median: number;
  max: number;
}

function timing(xs: number[]): Timing {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, max: s[s.length - 1]! };
}

/** One PING on a fresh connection (TLS when `secure` is given); resolves at the reply. */
function ping(port: number, secure?: tls.ConnectionOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (s: net.Socket) => {
      s.once('data', (d) => {
        s.destroy();
        // The hardened server's default user is off: NOAUTH is the reply of a server that is up.
        if (/^(\+PONG|-NOAUTH)/.test(d.toString())) resolve();
        else reject(new Error(`PING: ${d.toString()}`));
      });
      s.once('error', reject);
      s.write('PING\r\n');
    };
    if (secure === undefined) {
      const s = net.connect(port, '127.0.0.1', () => done(s));
      s.once('error', reject);
    } else {
      const s = tls.connect({ ...secure, port, host: '127.0.0.1' }, () => done(s));
      s.once('error', reject);
    }
  });
}

/** The host's event-loop delay (ms: p50, p99, max) over `ms` milliseconds, or until `until` settles. */
async function loopDelay(ms: number, until?: Promise<unknown>): Promise<{ p50: number; p99: number; max: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await (until ?? new Promise((r) => setTimeout(r, ms)));
  h.disable();
  const ns = 1e6;
  return { p50: h.percentile(50) / ns, p99: h.percentile(99) / ns, max: h.max / ns };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const { startServer, startHardenedServer } = await import('../src/embed/index.js');
  const importMs = performance.now() - t0;
  const measure = async (start: () => Promise<{ port: number; stop(): Promise<void> }>, secure?: (s: unknown) => tls.ConnectionOptions) => {
    const starts: number[] = [];
    const stops: number[] = [];
    let first = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const a = performance.now();
      const s = await start();
      await ping(s.port, secure?.(s));
      const b = performance.now();
      await s.stop();
      const c = performance.now();
      if (i === 0) first = b - a;
      starts.push(b - a);
      stops.push(c - b);
    }
    return { first, start: timing(starts), stop: timing(stops) };
  };
  const plain = await measure(() => startServer());
  const withTls = await measure(
    () => startServer({ tls: true }),
    (s) => ({ ...(s as { clientTls: tls.ConnectionOptions }).clientTls, servername: 'localhost' }),
  );
  const hardened = await measure(
    () => startHardenedServer(),
    (s) => ({ ...(s as { clientTls: tls.ConnectionOptions }).clientTls, servername: 'localhost' }),
  );
  // The host's event loop: alone, beside an idle server, and while redis-benchmark loads the server.
  const alone = await loopDelay(2000);
  const s = await startServer();
  const idle = await loopDelay(2000);
  const bench = spawn('redis-benchmark', ['-h', '127.0.0.1', '-p', String(s.port), '-t', 'set,get', '-n', String(LOAD_REQUESTS), '-c', '50', '-q'], { stdio: 'ignore' });
  const loaded = await loopDelay(0, new Promise((r) => bench.on('exit', r)));
  await s.stop();
  process.stdout.write(JSON.stringify({ importMs, plain, withTls, hardened, loop: { alone, idle, loaded } }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
