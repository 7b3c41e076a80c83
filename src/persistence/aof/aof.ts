// The append-only file in Redis 7.0's multi-part layout: a directory (appenddirname) holding a
// base file, incremental files and the manifest that lists them (manifest.ts). Writes reach the
// current incremental file before any reply is sent (Client.flush calls flush()); appendfsync
// says when they are synced: always (before the replies), everysec (about once a second, off the
// event loop), no (left to the OS).
//
// The base is an RDB snapshot (`.base.rdb`) with aof-use-rdb-preamble yes, else commands
// (`.base.aof`), as Redis writes them.
//
// BGREWRITEAOF and the automatic rewrite write the new base in the background, as a point-in-time
// snapshot (persistence/point-in-time.ts); writes meanwhile go to a new incremental file that the
// manifest lists from the start. Turning the AOF on writes its first base at once.
//
// aof-timestamp-enabled yes: a `#TS:<unix seconds>` annotation line goes before the first command
// written in each new second, and at the top of a base in command form, as Redis 7.0 writes them
// (redis-check-aof --truncate-to-timestamp uses them; loading skips them).
//
// A Redis 6 single file (`appendonly.aof` in `dir`, no manifest) is upgraded as Redis 7.0 does it:
// the AOF directory is created, a manifest listing the old file as the base is written, the file is
// moved into the directory under its own name, and an incremental file is created beside it.
import { performance } from 'node:perf_hooks';
import { Buffer } from 'node:buffer';
import { RdbEncoder } from '../rdb/file.js';
import { ChunkQueue, encodeDataset, startSnapshot, type KeyEncoder, type KeySteps, type PointInTime } from '../point-in-time.js';
import {
  closeSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { Server } from '../../server/server.js';
import type { Client } from '../../server/client.js';
import { StreamEncoder, type PropagatedOp } from '../../server/propagate.js';
import type { Db, Value } from '../../store/db.js';
import type { ListValue } from '../../store/types/list.js';
import type { HashValue } from '../../store/types/hash.js';
import type { SetValue } from '../../store/types/set.js';
import type { ZSet } from '../../store/types/zset.js';
import { MAX_ID, MIN_ID, entryChunks, idText, type StreamValue } from '../../store/types/stream.js';
import { encodeCommand } from './format.js';
import { type AofFileInfo, type Manifest, emptyManifest, formatManifest, parseManifest, ManifestError } from './manifest.js';
import { AofLoadError, loadFile } from './loader.js';

export type FsyncPolicy = 'always' | 'everysec' | 'no';

/** Elements per command in a rewritten base (Redis's AOF_REWRITE_ITEMS_PER_CMD). */
const ITEMS_PER_CMD = 64;

export class Aof {
  /** True while the AOF is on (appendonly yes and the files are open). */
  on = false;
  /** Bytes waiting to be written to the current incremental file. */
  pendingBytes = 0;
  private pending: string[] = [];
  private fd: number | null = null;
  private manifest: Manifest = emptyManifest();
  /** The incremental file's command stream (its SELECTs: none yet in a new file). */
  private readonly stream = new StreamEncoder();
  /** Highest incremental sequence number used (the next is one more). */
  private incrSeq = 0;
  policy: FsyncPolicy = 'everysec';
  /** Sizes for INFO and the automatic rewrite. */
  baseSize = 0;
  private incrSize = 0;
  /** Size of the AOF (base + incrementals) after the last rewrite or load. */
  private rewriteBaseSize = 0;
  private lastFsync = 0;
  private fsyncInFlight = false;
  /** everysec's background sync (node:fs fdatasync); a seam for tests that observe the calls. */
  backgroundSync: (fd: number, done: (e: NodeJS.ErrnoException | null) => void) => void = fdatasync;
  delayedFsync = 0;
  lastWriteStatus: 'ok' | 'err' = 'ok';
  /** The last write error's message, for the MISCONF error writes get meanwhile. */
  lastWriteError = '';
  lastBgrewriteStatus: 'ok' | 'err' = 'ok';
  rewrites = 0;
  rewritesConsecutiveFailures = 0;
  lastRewriteTimeSec = -1;
  private flushScheduled = false;
  /** aof-timestamp-enabled. */
  private timestamps = false;
  /** Unix second of the last `#TS:` annotation written to the incremental files (0: none yet). */
  private curTimestamp = 0;
  private readonly flushSoon = (): void => {
    this.flushScheduled = false;
    if (this.pendingBytes > 0) this.flush();
  };

  constructor(private readonly server: Server) {
    const config = server.config;
    this.policy = config.str('appendfsync') as FsyncPolicy;
    config.onChange('appendfsync', (v) => {
      this.policy = v as FsyncPolicy;
      if (this.on && this.fd !== null && this.policy === 'always') this.syncNow();
    });
    this.timestamps = config.bool('aof-timestamp-enabled');
    config.onChange('aof-timestamp-enabled', (v) => {
      this.timestamps = v === true;
    });
    config.onChange('appendonly', (v) => {
      if (v === true) this.start();
      else this.stop();
    });
  }

  /** The AOF directory (appenddirname inside dir). */
  get dirPath(): string {
    return path.resolve(this.server.config.str('dir'), this.server.config.str('appenddirname'));
  }

  private get prefix(): string {
    return this.server.config.str('appendfilename');
  }

  get manifestPath(): string {
    return path.join(this.dirPath, this.prefix + '.manifest');
  }

  get currentSize(): number {
    return this.baseSize + this.incrSize;
  }

  /** A copy of the manifest in force (tests, INFO). */
  currentManifest(): Manifest {
    return { base: this.manifest.base, incrs: [...this.manifest.incrs], history: [...this.manifest.history] };
  }

  // ---- start-up -------------------------------------------------------------------------------

  /**
   * DEBUG LOADAOF: writes out what is pending, then replaces the dataset with what the AOF on disk
   * holds. The files are replayed into a fresh keyspace first; on a load error the dataset is
   * left as it was and the error is thrown.
   */
  reloadFromDisk(): void {
    if (this.on) this.flush();
    const text = readFileSync(this.manifestPath, 'latin1');
    const m = parseManifest(text);
    const ks = this.server.ks;
    // Emptying the dataset is a flush, as in Redis: WATCHed keys are touched, tracking clients
    // get a flush invalidation.
    for (const db of ks.dbs) this.server.events.touchAllIn(db, null, 0);
    const saved = ks.takeContents();
    const propagate = this.server.propagator.sink;
    this.server.propagator.sink = null;
    try {
      this.loadManifestFiles(m);
    } catch (e) {
      // Put the old dataset back: a failed load changes nothing.
      ks.putContents(saved);
      throw e;
    } finally {
      this.server.propagator.sink = propagate;
    }
    this.baseSize = 0;
    this.incrSize = 0;
    for (const f of [...(m.base ? [m.base] : []), ...m.incrs]) {
      const size = statSync(path.join(this.dirPath, f.name)).size;
      if (f.type === 'b') this.baseSize = size;
      else this.incrSize += size;
    }
  }

  /**
   * With appendonly yes at start-up: loads the AOF (base, then incrementals) if there is one and
   * opens it for appending; creates it otherwise. A Redis 6 single file is upgraded first
   * (upgradeOldStyle). Throws AofLoadError (nothing is served then).
   */
  startup(): void {
    const mpath = this.manifestPath;
    let m: Manifest | null = null;
    if (existsSync(mpath)) {
      let text: string;
      try {
        text = readFileSync(mpath, 'latin1');
      } catch (e) {
        throw new AofLoadError(`Can't read the AOF manifest ${mpath}: ${(e as Error).message}`);
      }
      try {
        m = parseManifest(text);
      } catch (e) {
        if (e instanceof ManifestError) throw new AofLoadError(`${e.message} in ${mpath}`);
        throw e;
      }
    }
    if (this.oldStyleToUpgrade(m)) m = this.upgradeOldStyle(m);
    if (m !== null && (m.base !== null || m.incrs.length > 0)) {
      this.loadManifestFiles(m);
      this.manifest = m;
      this.incrSeq = m.incrs.reduce((a, f) => Math.max(a, f.seq), 0);
      this.removeHistory();
      this.openForAppend();
      this.rewriteBaseSize = this.currentSize;
      this.on = true;
      this.server.propagator.setSink('aof', (ops) => this.feed(ops));
      return;
    }
    // No AOF yet (a manifest listing only history files counts as none, as in Redis): the first
    // base is written from the dataset; the files the manifest listed are removed with it.
    if (m !== null) this.manifest = m;
    this.start(true);
  }

  /**
   * Whether `appendfilename` in `dir` is a Redis 6 single AOF to upgrade, by Redis 7.0's rules:
   * the file exists and there is no AOF directory, or no manifest (or one listing neither a base
   * nor an incremental file), or a manifest listing only that file as the base while the file is
   * not in the directory yet (an upgrade interrupted between writing the manifest and moving the
   * file).
   */
  private oldStyleToUpgrade(m: Manifest | null): boolean {
    const old = path.resolve(this.server.config.str('dir'), this.prefix);
    if (!isFile(old)) return false;
    if (!existsSync(this.dirPath) || m === null || (m.base === null && m.incrs.length === 0)) return true;
    return m.base !== null && m.incrs.length === 0 && m.base.name === this.prefix && !existsSync(path.join(this.dirPath, this.prefix));
  }

  /**
   * The upgrade of a Redis 6 single AOF, in Redis 7.0's order (each step safe to repeat after a
   * crash): the AOF directory is created; a manifest listing the old file, under its own name, as
   * the base (seq 1) is written; the file is moved into the directory. Loading then goes on as
   * for any manifest, and an incremental file is created beside the base.
   */
  private upgradeOldStyle(m: Manifest | null): Manifest {
    const dir = this.dirPath;
    const old = path.resolve(this.server.config.str('dir'), this.prefix);
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new AofLoadError(`Can't open or create append-only dir ${this.server.config.str('appenddirname')}: ${(e as Error).message}`);
    }
    const next: Manifest = { base: { name: this.prefix, seq: 1, type: 'b' }, incrs: [], history: m?.history ?? [] };
    try {
      this.writeManifest(next);
    } catch (e) {
      throw new AofLoadError(`Can't write the AOF manifest ${this.manifestPath}: ${(e as Error).message}`);
    }
    try {
      renameSync(old, path.join(dir, this.prefix));
    } catch (e) {
      throw new AofLoadError(`Error trying to move the old AOF file ${this.prefix} into dir ${this.server.config.str('appenddirname')}: ${(e as Error).message}`);
    }
    syncDir(path.dirname(old));
    this.server.log.notice(`Successfully migrated an old-style AOF file (${this.prefix}) into the AOF directory (${this.server.config.str('appenddirname')}).`);
    return next;
  }

  /** Loads every file of a manifest, base first; the last file may be truncated (aof-load-truncated). */
  private loadManifestFiles(m: Manifest): void {
    const server = this.server;
    const started = performance.now();
    const files: AofFileInfo[] = [];
    if (m.base !== null) files.push(m.base);
    files.push(...m.incrs);
    if (m.base === null && m.incrs.length === 0) throw new AofLoadError(`The AOF manifest ${this.manifestPath} lists no base and no incremental file`);
    let total = 0;
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      const p = path.join(this.dirPath, f.name);
      const isBase = f.type === 'b';
      if (!existsSync(p)) throw new AofLoadError(`The AOF file ${p} listed in the manifest doesn't exist`);
      const t0 = performance.now();
      total += this.loadOne(p, isBase, i === files.length - 1);
      server.log.notice(`DB loaded from ${isBase ? 'base' : 'incr'} file ${f.name}: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
      const size = statSync(p).size;
      if (isBase) this.baseSize = size;
      else this.incrSize += size;
    }
    server.ks.stats.dirty = 0;
    server.log.notice(`DB loaded from append only file: ${((performance.now() - started) / 1000).toFixed(3)} seconds (${total} commands)`);
  }

  private loadOne(p: string, isBase: boolean, isLast: boolean): number {
    const r = loadFile(this.server, p, { isBase, isLast, allowTruncated: this.server.config.bool('aof-load-truncated') });
    return r.commands;
  }

  /** Opens the last incremental file for appending (creating one, and a manifest entry, if none). */
  private openForAppend(): void {
    const last = this.manifest.incrs[this.manifest.incrs.length - 1];
    if (last === undefined) {
      const info = this.newIncr();
      this.manifest = { ...this.manifest, incrs: [info] };
      this.writeManifest(this.manifest);
      this.server.log.notice(`Creating AOF incr file ${info.name} on server start`);
      return;
    }
    this.fd = openSync(path.join(this.dirPath, last.name), 'a');
    this.stream.selectedDb = -1;
  }

  private newIncr(): AofFileInfo {
    const seq = ++this.incrSeq;
    const info: AofFileInfo = { name: `${this.prefix}.${seq}.incr.aof`, seq, type: 'i' };
    const fd = openSync(path.join(this.dirPath, info.name), 'a');
    fsyncSync(fd);
    if (this.fd !== null) closeSync(this.fd);
    this.fd = fd;
    this.stream.selectedDb = -1;
    this.incrSize = 0;
    return info;
  }

  private removeHistory(): void {
    if (this.manifest.history.length === 0) return;
    for (const h of this.manifest.history) this.unlinkQuiet(path.join(this.dirPath, h.name));
    this.manifest = { ...this.manifest, history: [] };
    this.writeManifest(this.manifest);
  }

  // ---- appending ------------------------------------------------------------------------------

  /** A unit of propagated ops (server/propagate.ts): one op as is, several inside MULTI/EXEC. */
  feed(unit: readonly PropagatedOp[]): void {
    if (!this.on) return;
    // What goes to replicas only (PUBLISH) is not a change of the dataset.
    const ops = unit.some((op) => op.replOnly === true) ? unit.filter((op) => op.replOnly !== true) : unit;
    if (ops.length === 0) return;
    let s = '';
    if (this.timestamps) {
      // Before the unit's first command (and its SELECT), once per second, as Redis does.
      const sec = Math.floor(this.server.clock.now() / 1000);
      if (this.curTimestamp < sec) {
        this.curTimestamp = sec;
        s = timestampLine(sec);
      }
    }
    s += this.stream.unit(ops);
    this.pending.push(s);
    this.pendingBytes += s.length;
    if (!this.flushScheduled) {
      // Replies flush the AOF first (Client.flush); this covers writes no reply follows
      // (active expiry, evictions, clients with CLIENT REPLY OFF).
      this.flushScheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /**
   * Called by Client.flush while writes are pending. Under appendfsync always the client's replies
   * are held (returns true) until one write and sync for everything this event-loop turn produced
   * (as Redis's beforeSleep does for all clients); otherwise the AOF is written now (returns false).
   */
  holdReplies(client: Client): boolean {
    if (this.policy !== 'always' || !this.on) {
      this.flush();
      return false;
    }
    this.held.add(client);
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      setImmediate(this.commit);
    }
    return true;
  }

  private readonly held = new Set<Client>();
  private commitScheduled = false;
  private readonly commit = (): void => {
    this.commitScheduled = false;
    this.flush();
    const clients = [...this.held];
    this.held.clear();
    for (const c of clients) c.flush();
  };

  /**
   * Writes what is pending to the incremental file; with appendfsync always, syncs it too. Called
   * before replies are sent. A failed write under "always" stops the server (an acknowledged write
   * could otherwise be lost), as Redis does; otherwise it is retried and reported in INFO.
   */
  flush(): void {
    if (this.fd === null || this.pendingBytes === 0) return;
    const data = Buffer.from(this.pending.length === 1 ? this.pending[0]! : this.pending.join(''), 'latin1');
    try {
      let off = 0;
      while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
      if (this.policy === 'always') fdatasyncSync(this.fd);
    } catch (e) {
      this.writeFailed(e as Error);
      return;
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.incrSize += data.length;
    if (this.lastWriteStatus === 'err') this.server.log.warning('AOF write error looks solved, Redis can write again.');
    this.lastWriteStatus = 'ok';
  }

  private writeFailed(e: Error): void {
    const log = this.server.log;
    this.lastWriteStatus = 'err';
    this.lastWriteError = e.message;
    if (this.policy === 'always') {
      log.warning(`Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting... (${e.message})`);
      this.server.onFatal();
      return;
    }
    log.warning(`Error writing to the AOF file: ${e.message}`);
  }

  private syncNow(): void {
    if (this.fd === null) return;
    try {
      fdatasyncSync(this.fd);
      this.lastFsync = Date.now();
    } catch (e) {
      this.writeFailed(e as Error);
    }
  }

  /** serverCron: everysec's fsync (in the thread pool, never twice at once) and the automatic rewrite. */
  cron(): void {
    if (this.rewriteScheduled && this.rewriting === null && !this.server.snapshots.bgsaveInProgress) this.startRewrite();
    if (!this.on) return;
    if (this.pendingBytes > 0) this.flush();
    const now = Date.now();
    if (this.policy === 'everysec' && this.fd !== null && now - this.lastFsync >= 1000) {
      if (this.fsyncInFlight) {
        this.delayedFsync++;
      } else {
        this.fsyncInFlight = true;
        const fd = this.fd;
        this.lastFsync = now;
        this.backgroundSync(fd, (e) => {
          this.fsyncInFlight = false;
          if (e !== null && fd === this.fd) this.writeFailed(e);
        });
      }
    }
    const pct = this.server.config.num('auto-aof-rewrite-percentage');
    const min = this.server.config.num('auto-aof-rewrite-min-size');
    if (pct > 0 && this.currentSize > min && this.rewriting === null && !this.rewriteScheduled && !this.server.snapshots.bgsaveInProgress) {
      const base = this.rewriteBaseSize > 0 ? this.rewriteBaseSize : 1;
      const growth = Math.floor((this.currentSize * 100) / base) - 100;
      if (growth >= pct) {
        this.server.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
        this.bgrewrite();
      }
    }
  }

  // ---- on, off, shutdown ------------------------------------------------------------------------

  /**
   * appendonly yes at run time (or a first start, `atStartup`): writes the dataset as a new base
   * and turns on.
   */
  start(atStartup = false): void {
    if (this.on) return;
    this.abortRewrite();
    if (!this.rewriteNow(atStartup)) throw new Error("AOF can't be turned on. Check server logs");
    this.on = true;
    this.server.propagator.setSink('aof', (ops) => this.feed(ops));
  }

  /** appendonly no: flushes, syncs and closes the file; nothing more is appended. */
  stop(): void {
    this.abortRewrite();
    this.rewriteScheduled = false;
    if (!this.on) return;
    this.server.propagator.setSink('aof', null);
    this.flush();
    this.syncNow();
    this.on = false;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.pending = [];
    this.pendingBytes = 0;
    const clients = [...this.held];
    this.held.clear();
    for (const c of clients) c.flush();
  }

  /** SHUTDOWN and SIGTERM: everything pending written and synced; throws when that fails. */
  shutdown(): void {
    this.abortRewrite();
    if (!this.on || this.fd === null) return;
    const data = Buffer.from(this.pending.join(''), 'latin1');
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
    this.pending = [];
    this.pendingBytes = 0;
    fsyncSync(this.fd);
    this.server.log.notice('Calling fsync() on the AOF file.');
  }

  // ---- rewrite ----------------------------------------------------------------------------------

  /** The background rewrite in progress. */
  private rewriting: { job: PointInTime; started: number; tmp: string; incrs: AofFileInfo[]; ext: string } | null = null;
  /** BGREWRITEAOF during a BGSAVE: started once the BGSAVE ends. */
  rewriteScheduled = false;

  get rewriteInProgress(): boolean {
    return this.rewriting !== null;
  }

  /** Seconds the rewrite in progress has run, or -1. */
  get currentRewriteSeconds(): number {
    return this.rewriting === null ? -1 : Math.floor((performance.now() - this.rewriting.started) / 1000);
  }

  /** The encoder of a new base: an RDB (aof-use-rdb-preamble yes) or commands. */
  private baseEncoder(): { encoder: KeyEncoder; ext: string } {
    const server = this.server;
    if (server.config.bool('aof-use-rdb-preamble')) return { encoder: new RdbEncoder(server.snapshots.options(true)), ext: 'rdb' };
    return { encoder: new CommandEncoder(server.clock.now(), this.timestamps, server.scripts.functions.codes()), ext: 'aof' };
  }

  /**
   * BGREWRITEAOF and the automatic rewrite. Scheduled while a BGSAVE runs (as Redis does while
   * its RDB child runs), refused while a rewrite runs.
   */
  bgrewrite(): 'started' | 'scheduled' | 'in-progress' | 'failed' {
    if (this.rewriting !== null) return 'in-progress';
    if (this.server.snapshots.bgsaveInProgress) {
      this.rewriteScheduled = true;
      return 'scheduled';
    }
    return this.startRewrite() ? 'started' : 'failed';
  }

  /** A BGSAVE ended: a scheduled rewrite can start. */
  snapshotFinished(): void {
    if (this.rewriteScheduled && this.rewriting === null) this.startRewrite();
  }

  /**
   * Starts a background rewrite: with the AOF on, later writes go to a new incremental file, listed
   * in the manifest at once (a crash meanwhile loses nothing); the new base, the dataset as it is
   * now, is written while the server goes on serving (persistence/point-in-time.ts).
   */
  private startRewrite(): boolean {
    const server = this.server;
    this.rewriteScheduled = false;
    const tmp = path.join(this.dirPath, `temp-rewriteaof-bg-${process.pid}.aof`);
    try {
      mkdirSync(this.dirPath, { recursive: true });
      let incrs: AofFileInfo[] = [];
      if (this.on) {
        this.flush();
        const carried = this.incrSize;
        const info = this.newIncr();
        this.incrSize = carried;
        this.incrCarried = carried;
        incrs = [info];
        this.manifest = { ...this.manifest, incrs: [...this.manifest.incrs, info] };
        this.writeManifest(this.manifest);
      }
      const { encoder, ext } = this.baseEncoder();
      const run = startSnapshot(server.ks, encoder, tmp, () => server.config.num('rdb-key-save-delay'));
      const rewriting = { job: run.job, started: performance.now(), tmp, incrs, ext };
      this.rewriting = rewriting;
      run.done.then(
        (size) => this.finishRewrite(rewriting, size),
        (e: unknown) => this.rewriteFailed(rewriting, e as Error),
      );
      server.log.notice('Background append only file rewriting started');
      return true;
    } catch (e) {
      this.unlinkQuiet(tmp);
      this.lastBgrewriteStatus = 'err';
      this.rewritesConsecutiveFailures++;
      server.log.warning(`Can't start the background AOF rewrite: ${(e as Error).message}`);
      return false;
    }
  }

  /** Incremental bytes written before the rewrite in progress switched files. */
  private incrCarried = 0;

  private finishRewrite(r: NonNullable<typeof this.rewriting>, size: number): void {
    if (this.rewriting !== r) return;
    this.rewriting = null;
    try {
      const base = this.nextBase(r.ext);
      renameSync(r.tmp, path.join(this.dirPath, base.name));
      this.incrSize -= this.incrCarried;
      this.incrCarried = 0;
      this.installRewrite(base, size, r.incrs, r.started);
    } catch (e) {
      this.rewriteFailed(r, e as Error);
    }
    this.server.snapshots.rewriteFinished();
  }

  private rewriteFailed(r: NonNullable<typeof this.rewriting>, e: Error): void {
    if (this.rewriting === r) this.rewriting = null;
    this.unlinkQuiet(r.tmp);
    this.incrCarried = 0;
    this.lastBgrewriteStatus = 'err';
    this.rewritesConsecutiveFailures++;
    this.server.log.warning(`Background AOF rewrite failed: ${e.message}`);
    this.server.snapshots.rewriteFinished();
  }

  /** Stops the rewrite in progress (appendonly no, shutdown); the AOF in force stays as it is. */
  private abortRewrite(): void {
    const r = this.rewriting;
    if (r === null) return;
    this.rewriting = null;
    r.job.abort();
    this.unlinkQuiet(r.tmp);
    this.server.log.warning('Background AOF rewrite stopped');
  }

  /** The next base file (`ext`: rdb or aof, as its encoder writes it). */
  private nextBase(ext: string): AofFileInfo {
    const seq = (this.manifest.base?.seq ?? 0) + 1;
    return { name: `${this.prefix}.${seq}.base.${ext}`, seq, type: 'b' };
  }

  /**
   * Turning the AOF on: the dataset is written as a new base now, with a new empty incremental
   * file, the manifest replaced atomically (written to a temporary name, synced, renamed), then
   * the old files removed. Returns false (logged, INFO aof_last_bgrewrite_status:err) on
   * failure; the old AOF then stays in force.
   */
  private rewriteNow(atStartup: boolean): boolean {
    const server = this.server;
    const started = performance.now();
    const dir = this.dirPath;
    const tmpBase = path.join(dir, `temp-rewriteaof-${process.pid}.aof`);
    let newFd: number | null = null;
    try {
      mkdirSync(dir, { recursive: true });
      const { encoder, ext } = this.baseEncoder();
      const data = encodeDataset(server.ks, encoder);
      // Redis writes the first base at start-up in the server process itself, so the annotation
      // at its top counts as the last one written: a write in the same second gets none. At run
      // time the base is written by a child process, whose annotation the server never sees.
      if (atStartup && encoder instanceof CommandEncoder && encoder.timestamp !== null) this.curTimestamp = encoder.timestamp;
      const fd = openSync(tmpBase, 'w');
      try {
        writeAll(fd, data);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      const base = this.nextBase(ext);
      renameSync(tmpBase, path.join(dir, base.name));
      const incrSeq = Math.max(this.incrSeq, this.manifest.incrs.reduce((a, f) => Math.max(a, f.seq), 0)) + 1;
      const incr: AofFileInfo = { name: `${this.prefix}.${incrSeq}.incr.aof`, seq: incrSeq, type: 'i' };
      newFd = openSync(path.join(dir, incr.name), 'a');
      fsyncSync(newFd);
      this.incrSeq = incrSeq;
      const oldFd = this.fd;
      this.fd = newFd;
      newFd = null;
      if (oldFd !== null) closeSync(oldFd);
      this.stream.selectedDb = -1;
      this.pending = [];
      this.pendingBytes = 0;
      this.incrSize = 0;
      this.installRewrite(base, data.length, [incr], started);
      return true;
    } catch (e) {
      this.unlinkQuiet(tmpBase);
      if (newFd !== null) closeSync(newFd);
      this.lastBgrewriteStatus = 'err';
      this.rewritesConsecutiveFailures++;
      server.log.warning(`AOF rewrite failed: ${(e as Error).message}`);
      return false;
    }
  }

  /**
   * The end of a rewrite: the manifest lists the new base and `incrs` (written to a temporary
   * name, synced, renamed); the files it no longer lists are removed.
   */
  private installRewrite(base: AofFileInfo, baseBytes: number, incrs: AofFileInfo[], started: number): void {
    const old = this.manifest;
    const next: Manifest = { base, incrs, history: [] };
    this.writeManifest(next);
    this.manifest = next;
    const keep = new Set([base.name, ...incrs.map((f) => f.name)]);
    for (const f of [...(old.base ? [old.base] : []), ...old.incrs, ...old.history]) if (!keep.has(f.name)) this.unlinkQuiet(path.join(this.dirPath, f.name));
    this.baseSize = baseBytes;
    this.rewriteBaseSize = this.currentSize;
    this.rewrites++;
    this.rewritesConsecutiveFailures = 0;
    this.lastBgrewriteStatus = 'ok';
    this.lastRewriteTimeSec = Math.floor((performance.now() - started) / 1000);
    this.server.log.notice(`Background AOF rewrite finished successfully (${baseBytes} bytes of base written)`);
  }

  /** The manifest written to a temporary file, synced, renamed over the old one, directory synced. */
  private writeManifest(m: Manifest): void {
    const dir = this.dirPath;
    const tmp = path.join(dir, `temp-${this.prefix}.manifest`);
    const fd = openSync(tmp, 'w');
    try {
      writeAll(fd, formatManifest(m));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.manifestPath);
    syncDir(dir);
  }

  private unlinkQuiet(p: string): void {
    try {
      unlinkSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.server.log.warning(`Can't remove the AOF file ${p}: ${(e as Error).message}`);
    }
  }

  /** The size of the file being appended to, from the file system (tests). */
  incrFileSize(): number {
    return this.fd === null ? 0 : fstatSync(this.fd).size;
  }

  /** INFO persistence's AOF fields, in Redis's order (those shown only while the AOF is on last). */
  infoFields(): { main: string[]; extra: string[] } {
    const main = [
      `aof_enabled:${this.on ? 1 : 0}`,
      `aof_rewrite_in_progress:${this.rewriting === null ? 0 : 1}`,
      `aof_rewrite_scheduled:${this.rewriteScheduled ? 1 : 0}`,
      `aof_last_rewrite_time_sec:${this.lastRewriteTimeSec}`,
      `aof_current_rewrite_time_sec:${this.currentRewriteSeconds}`,
      `aof_last_bgrewrite_status:${this.lastBgrewriteStatus}`,
      `aof_rewrites:${this.rewrites}`,
      `aof_rewrites_consecutive_failures:${this.rewritesConsecutiveFailures}`,
      `aof_last_write_status:${this.lastWriteStatus}`,
      'aof_last_cow_size:0',
    ];
    const extra = this.on
      ? [
          `aof_current_size:${this.currentSize}`,
          `aof_base_size:${this.baseSize}`,
          'aof_pending_rewrite:0',
          `aof_buffer_length:${this.pendingBytes}`,
          `aof_pending_bio_fsync:${this.fsyncInFlight ? 1 : 0}`,
          `aof_delayed_fsync:${this.delayedFsync}`,
        ]
      : [];
    return { main, extra };
  }
}

/** Commands in RESP form, collected as text and taken as bytes. */
class TextParts {
  private parts: string[] = [];
  length = 0;

  readonly put = (argv: readonly string[]): void => {
    this.raw(encodeCommand(argv));
  };

  raw(s: string): void {
    this.parts.push(s);
    this.length += s.length;
  }

  take(): Buffer {
    const out = Buffer.from(this.parts.join(''), 'latin1');
    this.parts = [];
    this.length = 0;
    return out;
  }
}

/**
 * An AOF base in command form (aof-use-rdb-preamble no), key by key (point-in-time.ts's
 * KeyEncoder): with aof-timestamp-enabled a `#TS:` annotation of the start time first, then per
 * database SELECT, then per key its commands and PEXPIREAT. Keys whose time had passed at the
 * start are left out, as Redis's rewrite does.
 */
class CommandEncoder implements KeyEncoder {
  /** Commands not yet turned into bytes. */
  private text = new TextParts();
  private readonly queue = new ChunkQueue();
  /** The unix second annotated at the top, or null (aof-timestamp-enabled no). */
  readonly timestamp: number | null;

  constructor(
    private readonly now: number,
    timestamps: boolean,
    /** The function libraries' code: a base in command form starts by loading them, as Redis's. */
    functions: readonly string[] = [],
  ) {
    this.timestamp = timestamps ? Math.floor(now / 1000) : null;
    if (this.timestamp !== null) this.text.raw(timestampLine(this.timestamp));
    for (const code of functions) this.text.put(['FUNCTION', 'LOAD', code]);
  }

  get buffered(): number {
    return this.queue.size + this.text.length;
  }

  select(db: Db): void {
    this.text.put(['SELECT', String(db.id)]);
  }

  key(db: Db, key: string, value: Value): void {
    const steps = this.commands(this.text.put, db, key, value);
    while (steps.next().done !== true);
  }

  keySteps(db: Db, key: string, value: Value): KeySteps {
    const text = new TextParts();
    return {
      steps: this.commands(text.put, db, key, value),
      get buffered() {
        return text.length;
      },
      take: () => text.take(),
    };
  }

  private *commands(put: (argv: readonly string[]) => void, db: Db, key: string, value: Value): Generator<void, void, void> {
    const at = db.getExpire(key);
    if (at !== undefined && at < this.now) return;
    yield* emitValue(put, key, value);
    if (at !== undefined) put(['PEXPIREAT', key, String(at)]);
  }

  append(bytes: Buffer): void {
    this.queue.push(this.text.take());
    this.queue.push(bytes);
  }

  take(max = Infinity): Buffer {
    this.queue.push(this.text.take());
    return this.queue.take(max);
  }

  end(): Buffer {
    return this.take();
  }
}

/** The commands that recreate one key (Redis's rewrite: RPUSH, SADD, ZADD, HMSET in batches). */
function* emitValue(put: (argv: readonly string[]) => void, key: string, value: Value): Generator<void, void, void> {
  if (typeof value === 'string') {
    put(['SET', key, value]);
    return;
  }
  // Commands of ITEMS_PER_CMD elements; a yield every 16 commands.
  const batches = function* (cmd: string, items: Iterable<string>, per: number): Generator<void, void, void> {
    let batch = [cmd, key];
    let n = 0;
    for (const x of items) {
      batch.push(x);
      if (batch.length === 2 + per) {
        put(batch);
        batch = [cmd, key];
        if (++n % 16 === 0) yield;
      }
    }
    if (batch.length > 2) put(batch);
  };
  switch (value.type) {
    case 'list': {
      const list = value as ListValue;
      yield* batches('RPUSH', (function* () {
        for (let i = 0; i < list.length; i++) yield list.at(i);
      })(), ITEMS_PER_CMD);
      return;
    }
    case 'set':
      yield* batches('SADD', (value as SetValue).members(), ITEMS_PER_CMD);
      return;
    case 'hash':
      yield* batches('HMSET', (function* () {
        for (const [f, v] of (value as HashValue).entries()) yield* [f, v];
      })(), ITEMS_PER_CMD * 2);
      return;
    case 'zset':
      yield* batches('ZADD', (function* () {
        for (const [m, score] of (value as ZSet).tree.ascending()) yield* [formatScore(score), m];
      })(), ITEMS_PER_CMD * 2);
      return;
    case 'stream':
      yield* emitStream(put, key, value as StreamValue);
      return;
    default:
      throw new Error(`the AOF rewrite cannot write a value of type ${value.type}`);
  }
}

/**
 * A stream as Redis 7.0 rewrites it: an XADD per entry (an empty stream as XADD MAXLEN 0 of a
 * 0-1 entry), XSETID with the last ID, entries added and max deleted ID, then per group (name
 * order) XGROUP CREATE with its entries read, and per consumer (name order) an XCLAIM ... FORCE
 * of each of its pending entries, or XGROUP CREATECONSUMER when it has none.
 */
function* emitStream(put: (argv: readonly string[]) => void, key: string, s: StreamValue): Generator<void, void, void> {
  if (s.length === 0) put(['XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y']);
  for (const chunk of entryChunks(s, ITEMS_PER_CMD)) {
    for (const [id, fields] of chunk) put(['XADD', key, idText(id), ...fields]);
    yield;
  }
  put(['XSETID', key, idText(s.lastId), 'ENTRIESADDED', String(s.entriesAdded), 'MAXDELETEDID', idText(s.maxDeletedId)]);
  for (const g of s.sortedGroups()) {
    put(['XGROUP', 'CREATE', key, g.name, idText(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
    for (const c of g.sortedConsumers()) {
      if (c.pel.size === 0) {
        put(['XGROUP', 'CREATECONSUMER', key, g.name, c.name]);
        continue;
      }
      c.pel.forEach(MIN_ID, MAX_ID, (e) => {
        put(['XCLAIM', key, g.name, c.name, '0', idText(e.id), 'TIME', String(e.deliveryTime), 'RETRYCOUNT', String(e.deliveryCount), 'JUSTID', 'FORCE']);
      });
    }
    yield;
  }
}

/** A score as text that parses back to the same double ("inf"/"-inf" as Redis writes them). */
function formatScore(x: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(x);
}

/** Redis's timestamp annotation line. */
function timestampLine(sec: number): string {
  return `#TS:${sec}\r\n`;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function writeAll(fd: number, s: string | Buffer): number {
  if (s.length === 0) return 0;
  const data = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
  return data.length;
}

function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse to sync a directory; the rename is still atomic.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
