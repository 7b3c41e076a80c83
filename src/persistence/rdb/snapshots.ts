// RDB snapshots on disk: SAVE, BGSAVE, save points, loading at start-up, DEBUG RELOAD, saving at
// shutdown. A file is written under a temporary name, fsynced and renamed over `dbfilename` in
// `dir`, so a crash mid-save never damages the previous snapshot.
//
// Node has no fork(): BGSAVE takes its point-in-time copy in slices between event-loop turns,
// keeping the old version of any key changed meanwhile (persistence/point-in-time.ts).
import { performance } from 'node:perf_hooks';
import { Buffer } from 'node:buffer';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { rename as renameAsync, unlink as unlinkAsync } from 'node:fs/promises';
import path from 'node:path';
import type { Server } from '../../server/server.js';
import type { LoadLimits } from './object.js';
import { RdbEncoder, installDataset, parseRdbFile, serializeDataset, type LoadedDataset, type SaveOptions } from './file.js';
import { RdbError, rdbErrorLog } from './reader.js';
import { startSnapshot, type PointInTime, type SnapshotRun } from '../point-in-time.js';
import { savedAccess } from '../../store/evict.js';

/** Redis's wait before retrying a failed automatic BGSAVE. */
const BGSAVE_RETRY_MS = 5000;

export class Snapshots {
  bgsaveInProgress = false;
  lastBgsaveOk = true;
  /** Server time (ms) of the last save attempt, for the retry delay. */
  lastTry = 0;
  lastBgsaveSeconds = -1;
  bgsaveStartedAt = -1;
  saves = 0;
  lastLoadLoaded = 0;
  lastLoadExpired = 0;

  constructor(private readonly server: Server) {}

  /** dir/dbfilename. */
  file(): string {
    const cfg = this.server.config;
    return path.resolve(cfg.str('dir'), cfg.str('dbfilename'));
  }

  options(aofBase = false): SaveOptions {
    const s = this.server;
    const cfg = s.config;
    return {
      compress: cfg.bool('rdbcompression'),
      checksum: cfg.bool('rdbchecksum'),
      listMaxListpackSize: s.ks.limits.listMaxListpackSize,
      listPackedThreshold: s.ks.limits.listPackedThreshold,
      streamNodeMaxEntries: s.ks.limits.streamNodeMaxEntries,
      streamNodeMaxBytes: s.ks.limits.streamNodeMaxBytes,
      now: s.clock.now(),
      usedMem: s.memory.used(),
      aofBase,
      // As Redis, the file carries idle times under an LRU policy and counters under an LFU one.
      access: savedAccess(cfg.str('maxmemory-policy')),
      lfuCounter: (state) => s.ks.lfuCounter(state),
      idleSeconds: (clock) => s.ks.idleSeconds(clock),
      functions: s.scripts.functions.codes(),
    };
  }

  /**
   * The encoding limits loaded values follow (the listpack / intset thresholds, and the
   * list-compress-depth loaded lists keep, as Redis's loader applies the current one): RDB files.
   */
  limits(): LoadLimits {
    return this.server.ks.limits;
  }

  /** SAVE (and shutdown, FLUSHALL, DEBUG RELOAD): writes the snapshot now. Null, or the error. */
  saveSync(): string | null {
    const s = this.server;
    const dirtyBefore = s.ks.stats.dirty;
    const target = this.file();
    const tmp = path.join(path.dirname(target), `temp-${process.pid}.rdb`);
    this.lastTry = s.clock.now();
    try {
      const data = serializeDataset(s.ks, this.options());
      const fd = openSync(tmp, 'w', 0o644);
      try {
        writeSync(fd, data);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, target);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // not created
      }
      const msg = `Failed saving the DB: ${(e as Error).message}`;
      s.log.warning(msg);
      this.lastBgsaveOk = false;
      return msg;
    }
    s.log.notice('DB saved on disk');
    this.saved(dirtyBefore);
    this.lastBgsaveOk = true;
    return null;
  }

  private saved(dirtyBefore: number): void {
    const s = this.server;
    s.ks.stats.dirty -= dirtyBefore;
    s.lastSave = Math.floor(s.clock.now() / 1000);
    this.saves++;
  }

  /**
   * BGSAVE: a point-in-time snapshot written while the server goes on serving
   * (persistence/point-in-time.ts). Returns false when one is already running; the caller checks
   * for an AOF rewrite first (one snapshot at a time, as Redis runs one child at a time).
   */
  bgsave(): boolean {
    if (this.bgsaveInProgress) return false;
    const s = this.server;
    const dirtyBefore = s.ks.stats.dirty;
    const started = performance.now();
    this.bgsaveScheduled = false;
    this.lastTry = s.clock.now();
    this.bgsaveStartedAt = s.clock.now();
    this.bgsaveInProgress = true;
    const target = this.file();
    const tmp = path.join(path.dirname(target), `temp-bg-${process.pid}-${++this.bgsaveSeq}.rdb`);
    let run: SnapshotRun;
    try {
      run = startSnapshot(s.ks, new RdbEncoder(this.options()), tmp, () => s.config.num('rdb-key-save-delay'));
    } catch (e) {
      this.finishBgsave(false, started, 0, `Background saving error: ${(e as Error).message}`);
      return true;
    }
    this.running = run.job;
    s.log.notice('Background saving started');
    const job = run.job;
    run.done
      .then(async () => {
        // An abandoned save (abortBgsave) never replaces the file.
        if (this.running !== job) throw new Error('abandoned');
        await renameAsync(tmp, target);
      })
      .then(
        () => this.finishBgsave(true, started, dirtyBefore, 'Background saving terminated with success'),
        (e: unknown) => {
          void unlinkAsync(tmp).catch(() => {});
          if (this.running === job) this.finishBgsave(false, started, 0, `Background saving error: ${(e as Error).message}`);
        },
      );
    return true;
  }

  /** An AOF rewrite ended: a scheduled BGSAVE can start. */
  rewriteFinished(): void {
    if (this.bgsaveScheduled && !this.bgsaveInProgress) this.bgsave();
  }

  /** BGSAVE SCHEDULE while an AOF rewrite runs: started by cron once nothing else runs. */
  bgsaveScheduled = false;
  private running: PointInTime | null = null;
  private bgsaveSeq = 0;

  /**
   * Stops a BGSAVE in progress and removes its temporary file (FLUSHALL, shutdown), as Redis kills
   * its child; the last save status is left as it was.
   */
  abortBgsave(): void {
    const job = this.running;
    if (job === null) return;
    job.abort();
    this.running = null;
    this.bgsaveInProgress = false;
    this.bgsaveStartedAt = -1;
    this.server.log.warning('Background saving stopped: the snapshot in progress was abandoned');
    this.server.replication.snapshotEnded(false, this.file(), true);
  }

  private finishBgsave(ok: boolean, started: number, dirtyBefore: number, msg: string): void {
    const s = this.server;
    this.running = null;
    this.bgsaveInProgress = false;
    this.bgsaveStartedAt = -1;
    this.lastBgsaveSeconds = Math.round((performance.now() - started) / 1000);
    this.lastBgsaveOk = ok;
    if (ok) {
      this.saved(dirtyBefore);
      s.log.notice(msg);
    } else s.log.warning(msg);
    s.aof.snapshotFinished();
    s.replication.snapshotEnded(ok, this.file());
  }

  /** `save <seconds> <changes>` points, checked by cron. */
  cron(): void {
    const s = this.server;
    if (this.bgsaveInProgress || s.ks.cow !== null) return;
    if (this.bgsaveScheduled) {
      this.bgsave();
      return;
    }
    const points = s.config.str('save').split(' ').filter((x) => x !== '').map(Number);
    const now = s.clock.now();
    const dirty = s.ks.stats.dirty;
    for (let i = 0; i + 1 < points.length; i += 2) {
      const seconds = points[i]!;
      const changes = points[i + 1]!;
      if (dirty >= changes && now / 1000 - s.lastSave > seconds && (this.lastBgsaveOk || now - this.lastTry > BGSAVE_RETRY_MS)) {
        s.log.notice(`${changes} changes in ${seconds} seconds. Saving...`);
        this.bgsave();
        return;
      }
    }
  }

  /** Whether save points are configured (SHUTDOWN saves then; FLUSHALL saves then). */
  hasSavePoints(): boolean {
    return this.server.config.str('save').trim() !== '';
  }

  /**
   * stop-writes-on-bgsave-error: writes are refused while the last save failed and save points
   * are configured (Redis's MISCONF).
   */
  writesDenied(): boolean {
    return !this.lastBgsaveOk && this.hasSavePoints() && this.server.config.bool('stop-writes-on-bgsave-error');
  }

  /**
   * DEBUG RELOAD's load: the file replaces the dataset (flush), or is added to it (NOFLUSH; a key
   * present on both sides is an error unless MERGE, where the file wins). The file is parsed
   * completely before anything changes. Returns null, or the error.
   */
  reload(flush: boolean, merge: boolean): string | null {
    const s = this.server;
    let data;
    try {
      data = parseRdbFile(readFileSync(this.file()), this.limits(), s.clock.now(), s.ks.dbs.length, { verifyChecksum: s.config.bool('rdbchecksum') });
    } catch (e) {
      s.log.warning(`DEBUG RELOAD: ${(e as Error).message}`);
      return 'Error trying to load the RDB dump';
    }
    if (!flush && !merge) {
      for (const [i, keys] of data.dbs) {
        const db = s.ks.dbs[i]!;
        if (keys.some((k) => db.data.has(k.key))) return 'Error trying to load the RDB dump: duplicate keys (use MERGE)';
      }
    }
    try {
      // Without MERGE a library that exists fails the load, as in Redis (functions come first in
      // the file, so nothing has changed yet).
      s.scripts.functions.installAll(data.functions, flush ? 'flush' : merge ? 'replace' : 'append');
    } catch (e) {
      s.log.warning(`DEBUG RELOAD: ${(e as Error).message}`);
      return 'Error trying to load the RDB dump';
    }
    // Emptying the dataset is a flush, as in Redis: WATCHed keys are touched, tracking clients
    // get a flush invalidation.
    if (flush) for (const db of s.ks.dbs) s.events.touchAllIn(db, null, 0);
    installDataset(s.ks, data, flush);
    s.log.warning('DB reloaded by DEBUG RELOAD');
    return null;
  }

  /**
   * Loads the snapshot file into the keyspace, all or nothing. Returns null when there is no
   * file, else the number of keys loaded; throws RdbError (naming the offset) when it is broken,
   * after logging the failure in Redis's words (rdbErrorLog).
   */
  load(): number | null {
    const file = this.file();
    if (!existsSync(file)) return null;
    const s = this.server;
    const data = parseLogged(s, readFileSync(file));
    installDataset(s.ks, data);
    this.lastLoadLoaded = data.loaded;
    this.lastLoadExpired = data.expired;
    s.log.notice(`Done loading RDB, keys loaded: ${data.loaded}, keys expired: ${data.expired}.`);
    return data.loaded;
  }
}

/**
 * Parses a whole RDB file read at start-up (the snapshot, an AOF's RDB base), reporting what
 * Redis reports: a file written with rdbchecksum no, and a file that cannot be loaded, with
 * Redis's key phrases (the RdbError is thrown on after that). The file's function libraries are
 * compiled and put in place of the current ones here (a library that does not load fails the
 * file, as in Redis); the caller installs the keys.
 */
export function parseLogged(s: Server, data: Buffer, keepExpired = false): LoadedDataset {
  const verifyChecksum = s.config.bool('rdbchecksum');
  let ds: LoadedDataset;
  try {
    ds = parseRdbFile(data, s.snapshots.limits(), s.clock.now(), s.ks.dbs.length, { keepExpired, verifyChecksum });
  } catch (e) {
    if (e instanceof RdbError) for (const line of rdbErrorLog(e)) s.log.warning(line);
    throw e;
  }
  if (ds.checksumDisabled) s.log.warning('RDB file was saved with checksum disabled: no check performed.');
  try {
    s.scripts.functions.installAll(ds.functions);
  } catch (e) {
    const failure = new RdbError((e as Error).message, ds.end, 'fatal');
    for (const line of rdbErrorLog(failure)) s.log.warning(line);
    throw failure;
  }
  return ds;
}
