// Replays an AOF file at start-up: every command through the command table's own handlers, with
// a client that has no connection (no replies kept, no authentication or ACL checks: the file is
// trusted as the dataset's own history). Redis's rules for damaged files:
// - a file that ends inside a command (a crash during a write) is truncated at that command's
//   start with a warning, when it is the last file and aof-load-truncated is yes; otherwise the
//   server refuses to start;
// - a file that ends inside MULTI without EXEC is treated the same way at the MULTI;
// - bytes that are not a command, an unknown command or a wrong argument count refuse start-up
//   with a message naming the file and the offset.
// Start-up stops at the first error, before any client is served: the server never half-loads.
//
// Nothing expires while a file is replayed (Keyspace.loading), as in Redis: a key whose time has
// passed (an expired key in the RDB preamble, a PEXPIREAT to a past time) keeps taking the file's
// later commands, and expires once loading is over.
import { Buffer } from 'node:buffer';
import { closeSync, ftruncateSync, openSync, readFileSync } from 'node:fs';
import { Client } from '../../server/client.js';
import type { Server } from '../../server/server.js';
import type { Command } from '../../commands/types.js';
import { AofReader } from './format.js';
import { installDataset } from '../rdb/file.js';
import { RdbError } from '../rdb/reader.js';
import { parseLogged } from '../rdb/snapshots.js';

export class AofLoadError extends Error {}

export interface LoadOptions {
  isBase: boolean;
  /** Only the last file of the AOF may be truncated and loaded anyway. */
  isLast: boolean;
  allowTruncated: boolean;
}

export interface LoadResult {
  commands: number;
  /** Set when the file was cut at this offset (aof-load-truncated). */
  truncatedAt: number | null;
}

/** A client for replaying commands: no socket, replies dropped. */
export function loadingClient(server: Server): Client {
  return Client.detached(server);
}

const REDIS_CHECK_HINT = 'make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>';

/** Loads one AOF file into the server's keyspace; throws AofLoadError when it must not start. */
export function loadFile(server: Server, file: string, opts: LoadOptions): LoadResult {
  const ks = server.ks;
  const wasLoading = ks.loading;
  ks.loading = true;
  try {
    return replayFile(server, file, opts);
  } finally {
    ks.loading = wasLoading;
  }
}

function replayFile(server: Server, file: string, opts: LoadOptions): LoadResult {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (e) {
    throw new AofLoadError(`Can't open the append-only file ${file}: ${(e as Error).message}`);
  }
  // An RDB base (aof-use-rdb-preamble, or a Redis 6 single file with a preamble): the snapshot
  // first, then any commands after it.
  let rdbKeys = 0;
  /** Bytes of the RDB preamble: command offsets are relative to what follows it. */
  let preamble = 0;
  if (data.length >= 5 && data.toString('latin1', 0, 5) === 'REDIS') {
    let ds;
    try {
      // Keys already expired are kept: the commands that follow may still change them.
      ds = parseLogged(server, data, true);
    } catch (e) {
      if (e instanceof RdbError) throw new AofLoadError(`Bad RDB preamble in the append only file ${file}: ${e.message}`);
      throw e;
    }
    installDataset(server.ks, ds);
    server.log.notice(`Done loading RDB, keys loaded: ${ds.loaded}, keys expired: ${ds.expired}.`);
    rdbKeys = ds.loaded;
    preamble = ds.end;
    data = data.subarray(ds.end);
  }
  const client = loadingClient(server);
  const reader = new AofReader(data);
  let commands = 0;
  /** Commands queued since MULTI, and where the MULTI began; null outside a transaction. */
  let queued: { cmd: Command; argv: string[] }[] | null = null;
  let multiAt = 0;
  for (;;) {
    const argv = reader.next();
    if (argv === null) break;
    const name = argv[0]!.toLowerCase();
    if (name === 'multi') {
      if (queued !== null) throw new AofLoadError(`Bad file format reading the append only file ${file} at offset ${reader.start}: nested MULTI; ${REDIS_CHECK_HINT}`);
      queued = [];
      multiAt = reader.start;
      continue;
    }
    if (name === 'exec') {
      if (queued === null) throw new AofLoadError(`Bad file format reading the append only file ${file} at offset ${reader.start}: EXEC without MULTI; ${REDIS_CHECK_HINT}`);
      for (const q of queued) run(server, client, q.cmd, q.argv, file, reader.start);
      commands += queued.length;
      queued = null;
      continue;
    }
    const cmd = resolve(server, argv, file, reader.start);
    if (queued !== null) queued.push({ cmd, argv });
    else {
      run(server, client, cmd, argv, file, reader.start);
      commands++;
    }
  }
  const stop = reader.stop;
  if (stop.kind === 'corrupt') {
    throw new AofLoadError(`Bad file format reading the append only file ${file} at offset ${preamble + stop.offset} (${stop.reason}): ${REDIS_CHECK_HINT}`);
  }
  let cutAt: number | null = null;
  if (stop.kind === 'truncated') cutAt = preamble + (queued !== null ? multiAt : stop.offset);
  else if (queued !== null) {
    server.log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${file}`);
    cutAt = preamble + multiAt;
  }
  if (cutAt !== null) {
    if (!opts.allowTruncated || !opts.isLast) {
      throw new AofLoadError(
        `Unexpected end of file reading the append only file ${file} at offset ${cutAt}` +
          (opts.isLast
            ? `. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`
            : ': only the last file of an AOF may be truncated'),
      );
    }
    server.log.warning(`!!! Warning: short read while loading the AOF file ${file}!!!`);
    server.log.warning(`!!! Truncating the AOF ${file} at offset ${cutAt} !!!`);
    try {
      const fd = openSync(file, 'r+');
      try {
        ftruncateSync(fd, cutAt);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      throw new AofLoadError(`Error truncating the AOF file ${file} at offset ${cutAt}: ${(e as Error).message}`);
    }
    server.log.warning(`AOF ${file} loaded anyway because aof-load-truncated is enabled`);
  }
  return { commands: commands + rdbKeys, truncatedAt: cutAt };
}

function resolve(server: Server, argv: string[], file: string, offset: number): Command {
  let cmd = server.table.lookup(argv[0]!);
  if (cmd === undefined) throw new AofLoadError(`Unknown command '${printable(argv[0]!)}' reading the append only file ${file} at offset ${offset}`);
  if (cmd.subcommands !== null && argv.length > 1) {
    const sub = cmd.subcommands.get(argv[1]!.toLowerCase());
    if (sub === undefined) throw new AofLoadError(`Unknown subcommand '${printable(argv[1]!)}' reading the append only file ${file} at offset ${offset}`);
    cmd = sub;
  }
  const arity = cmd.meta.arity;
  if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
    throw new AofLoadError(`Wrong number of arguments for '${cmd.fullName}' reading the append only file ${file} at offset ${offset}`);
  }
  return cmd;
}

/**
 * Runs one command. An error reply means the file does not fit this server (a SELECT past
 * `databases`, a value of another type): loading it anyway would put data in the wrong place, so
 * start-up is refused (Redis ignores such replies; this is a deliberate difference).
 */
function run(server: Server, client: Client, cmd: Command, argv: string[], file: string, offset: number): void {
  const errors = client.out.errors;
  try {
    // The dispatcher's one call path, as a replay: no propagation, stats or MONITOR.
    server.dispatcher.call(client, cmd, argv, 'aof');
  } catch (e) {
    throw new AofLoadError(`Internal error replaying '${cmd.fullName}' from the append only file ${file} at offset ${offset}: ${(e as Error).message}`);
  }
  if (client.out.errors !== errors) {
    const reply = client.out.buf.toString('latin1', 0, client.out.len).split('\r\n').find((l) => l.startsWith('-')) ?? '';
    throw new AofLoadError(`Error replaying '${cmd.fullName}' from the append only file ${file} at offset ${offset}: ${printable(reply.slice(1))}`);
  }
  client.out.len = 0;
  client.propagateAs = null;
}

function printable(s: string): string {
  return s.length > 64 ? s.slice(0, 64) + '...' : s.replace(/[^\x20-\x7e]/g, '?');
}
