// In-process cost per request (bench/run.ts's `inprocess` section starts it, pinned as the servers):
//
//   node dist/bench/inprocess.js TEST [ROUNDS]
//
// A Redoubt server without sockets: a detached client (Client.detached, as AOF replay and scripts
// use) is fed the benchmark's request for TEST (bench/specs.ts) in reads of 16 pipelined requests,
// and its replies are dropped after each read. What is timed is the whole path of a request inside
// Redoubt (parsing, the dispatch path's checks, the handler, the reply's encoding, stats), without
// the event loop, streams and socket calls the `floor` section measures. On this VM the servers'
// CPU figures move by 10-30% between runs; these move by a few percent, so they show what a code
// change gains. Prints one JSON object: {"test", "nsPerRequest" (median of ROUNDS), "min", "max"}.
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { Config } from '../src/config/config.js';
import { Logger } from '../src/server/log.js';
import { Server } from '../src/server/server.js';
import { Client } from '../src/server/client.js';
import { buildCommandTable } from '../src/commands/index.js';
import { encodeCommand as encode } from '../src/persistence/aof/format.js';
import { SPECS, requestOf, type TestName, type TestSpec } from './specs.js';

const PIPELINE = 16;
/** Each round runs reads for at least this long. */
const ROUND_MS = 250;

function main(): void {
  const name = process.argv[2] as TestName;
  const spec: TestSpec | undefined = SPECS[name];
  if (spec === undefined) throw new Error(`usage: inprocess.js TEST [ROUNDS]; TEST one of ${Object.keys(SPECS).join(', ')}`);
  const rounds = Number(process.argv[3] ?? 7);
  const config = new Config();
  config.set('save', '');
  config.set('appendonly', 'no');
  const log = new Logger();
  log.file = '/dev/null';
  log.sink = () => {};
  const server = new Server(config, { log, table: buildCommandTable() });
  const client = Client.detached(server);
  const send = (data: Buffer): void => {
    client.onData(data);
    client.out.len = 0;
  };
  for (const cmd of spec.setup ?? []) send(Buffer.from(encode(cmd), 'latin1'));
  // redis-benchmark without -r sends __rand_int__ as it is: the same request every time.
  const read = Buffer.from(encode(requestOf(spec)).repeat(PIPELINE), 'latin1');
  // The first reply must not be an error (a test that cannot run is not measured). Run past onData,
  // which may send the replies (and empty the writer) at once.
  client.parser.feed(read.subarray(0, read.length / PIPELINE));
  client.processInput();
  const first = client.out.pending().toString('latin1');
  if (first.startsWith('-')) throw new Error(`${name}: ${first.trim()}`);
  client.out.len = 0;
  let batch = 1000;
  // A test that pops (specs.ts popsFrom) gets as many elements pushed before each round, untimed.
  const list = spec.popsFrom;
  const refill = (): void => {
    if (list === undefined) return;
    const chunk = Buffer.from(encode(['RPUSH', list, ...new Array<string>(1000).fill('xxx')]), 'latin1');
    for (let n = 0; n < batch * PIPELINE + 1000; n += 1000) send(chunk);
  };
  // Warm-up (the JIT), then timed rounds of as many reads as fit in ROUND_MS.
  for (let w = 0; w < 8; w++) {
    refill();
    for (let i = 0; i < batch; i++) send(read);
  }
  refill();
  const t0 = performance.now();
  for (let i = 0; i < batch; i++) send(read);
  batch = Math.max(1, Math.ceil((ROUND_MS * batch) / Math.max(0.01, performance.now() - t0)));
  const ns: number[] = [];
  for (let r = 0; r < rounds; r++) {
    refill();
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) send(read);
    ns.push(Number(process.hrtime.bigint() - start) / (batch * PIPELINE));
  }
  ns.sort((a, b) => a - b);
  console.log(JSON.stringify({ test: name, nsPerRequest: ns[Math.floor(ns.length / 2)], min: ns[0], max: ns[ns.length - 1] }));
  process.exit(0);
}

main();
