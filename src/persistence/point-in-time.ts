// Point-in-time snapshots without fork(): BGSAVE and the AOF rewrite write the dataset as it was
// when they started, while the server goes on serving and changing it.
//
// The dataset is walked in slices of about a millisecond between event-loop turns. Meanwhile
// every Db method that reads or changes a key first calls `preserve` (store/db.ts): a key the
// walk has not reached yet is written out right then, as it still is, and the walk skips it
// later. A key created after the start is marked the same way and never written. Whole-database
// operations (FLUSHDB, FLUSHALL, SWAPDB, DEBUG RELOAD) first `complete` the walk synchronously.
// Each key is written exactly once, with the value, expiry and access data it had at the start.
//
// What is written, and how, is the encoder's business: an RDB file (rdb/file.ts) or an AOF base
// in command form (aof/aof.ts). One value is always written whole, within one slice.
import { open } from 'node:fs/promises';
import type { Db, Keyspace, SnapshotHook, Value } from '../store/db.js';

/** Turns keys into file bytes. Databases may be selected more than once, in any order. */
export interface KeyEncoder {
  /** Output for database `db` follows; `first` on the first time it is selected. */
  select(db: Db, first: boolean): void;
  /** One key, with its value and (read from `db`) its expiry and access data. */
  key(db: Db, key: string, value: Value): void;
  /** Bytes encoded and not yet taken. */
  readonly buffered: number;
  /** Takes the bytes encoded so far. */
  take(): Buffer;
  /** Ends the output (EOF marker, checksum) and takes the rest. */
  end(): Buffer;
}

/** The walk runs this long (ms) per event-loop turn. */
export const SLICE_MS = 1;
/** Encoded bytes are handed to the file in chunks of about this size. */
const CHUNK = 1 << 20;

export class PointInTime implements SnapshotHook {
  /** Per database: keys already written or known absent at the start; null once finished. */
  private readonly seen: (Set<string> | null)[];
  private readonly selected: boolean[];
  private current = -1;
  private dbIndex = 0;
  private walk: Iterator<[string, Value]> | null = null;
  /** Keys written so far (INFO, and the pace under rdb-key-save-delay). */
  keys = 0;
  /** True once every key is written (the file may still be being written out). */
  walked = false;
  aborted = false;

  constructor(
    private readonly ks: Keyspace,
    readonly encoder: KeyEncoder,
  ) {
    this.seen = ks.dbs.map(() => new Set<string>());
    this.selected = ks.dbs.map(() => false);
  }

  /** SnapshotHook: called before `key` in `db` is read or changed. */
  preserve(db: Db, key: string): void {
    const seen = this.seen[db.id];
    if (seen === null || seen === undefined || seen.has(key)) return;
    seen.add(key);
    const v = db.data.get(key);
    if (v !== undefined) this.emit(db, key, v);
  }

  /** SnapshotHook: writes every remaining key now (before a whole-database change). */
  complete(): void {
    this.step(Infinity, Infinity);
  }

  private emit(db: Db, key: string, v: Value): void {
    if (this.current !== db.id) {
      this.current = db.id;
      this.encoder.select(db, !this.selected[db.id]);
      this.selected[db.id] = true;
    }
    this.encoder.key(db, key, v);
    this.keys++;
  }

  /**
   * Walks on for up to `budgetMs`, writing at most `maxKeys` keys; true once every database is
   * walked (the hook is then removed from the keyspace).
   */
  step(budgetMs: number, maxKeys: number): boolean {
    if (this.walked) return true;
    const dbs = this.ks.dbs;
    const deadline = performance.now() + budgetMs;
    const limit = this.keys + maxKeys;
    let n = 0;
    while (this.dbIndex < dbs.length) {
      const db = dbs[this.dbIndex]!;
      const seen = this.seen[db.id]!;
      if (this.walk === null) this.walk = db.data.entries();
      for (;;) {
        if (this.keys >= limit) return false;
        const r = this.walk.next();
        if (r.done === true) break;
        const [key, v] = r.value;
        if (seen.has(key)) continue;
        seen.add(key);
        this.emit(db, key, v);
        if ((++n & 31) === 0 && performance.now() > deadline) return false;
      }
      this.seen[db.id] = null;
      this.walk = null;
      this.dbIndex++;
    }
    this.finishWalk();
    return true;
  }

  private finishWalk(): void {
    this.walked = true;
    if (this.ks.cow === this) this.ks.cow = null;
  }

  /** Stops the walk; what was encoded is dropped by the caller. */
  abort(): void {
    this.aborted = true;
    this.finishWalk();
  }
}

export interface SnapshotRun {
  job: PointInTime;
  /** Resolves with the file's size once it is written and synced; rejects on error or abort. */
  done: Promise<number>;
}

/**
 * Starts a point-in-time snapshot of `ks` into `file` (created, written, fsynced; renaming it is
 * the caller's business). `keyDelayUs` (rdb-key-save-delay) paces the walk to at most one key per
 * that many microseconds. Throws if another snapshot is running.
 */
export function startSnapshot(ks: Keyspace, encoder: KeyEncoder, file: string, keyDelayUs = 0): SnapshotRun {
  if (ks.cow !== null) throw new Error('another snapshot is in progress');
  const job = new PointInTime(ks, encoder);
  ks.cow = job;
  const done = (async () => {
    const fh = await open(file, 'w', 0o644);
    let size = 0;
    try {
      const started = performance.now();
      for (;;) {
        if (job.aborted) throw new Error('snapshot aborted');
        let finished: boolean;
        if (keyDelayUs > 0) {
          const allowed = Math.floor(((performance.now() - started) * 1000) / keyDelayUs) + 1;
          finished = job.step(SLICE_MS, Math.max(0, allowed - job.keys));
        } else finished = job.step(SLICE_MS, Infinity);
        if (finished) break;
        if (encoder.buffered >= CHUNK) {
          const chunk = encoder.take();
          await fh.write(chunk);
          size += chunk.length;
        } else if (keyDelayUs >= 1000) await new Promise((r) => setTimeout(r, Math.min(1000, Math.floor(keyDelayUs / 1000))));
        else await new Promise((r) => setImmediate(r));
      }
      if (job.aborted) throw new Error('snapshot aborted');
      const rest = Buffer.concat([encoder.take(), encoder.end()]);
      await fh.write(rest);
      size += rest.length;
      await fh.sync();
    } catch (e) {
      if (!job.walked) job.abort();
      throw e;
    } finally {
      await fh.close();
    }
    return size;
  })();
  return { job, done };
}

/** The whole dataset through `encoder`, now, in one go (SAVE, shutdown, turning the AOF on). */
export function encodeDataset(ks: Keyspace, encoder: KeyEncoder): Buffer {
  const parts: Buffer[] = [];
  for (const db of ks.dbs) {
    if (db.size === 0) continue;
    encoder.select(db, true);
    for (const [key, value] of db.data.entries()) {
      encoder.key(db, key, value);
      if (encoder.buffered >= CHUNK) parts.push(encoder.take());
    }
  }
  parts.push(encoder.take(), encoder.end());
  return parts.length === 2 && parts[0]!.length === 0 ? parts[1]! : Buffer.concat(parts);
}
