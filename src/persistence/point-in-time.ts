// Point-in-time snapshots without fork(): BGSAVE and the AOF rewrite write the dataset as it was
// when they started, while the server goes on serving and changing it.
//
// The dataset is walked in slices of a quarter of a millisecond between event-loop turns. Meanwhile
// every Db method that reads or changes a key first calls `preserve` (store/db.ts): a key the
// walk has not reached yet is written out right then, as it still is, and the walk skips it
// later. A key created after the start is marked the same way and never written. Whole-database
// operations (FLUSHDB, FLUSHALL, SWAPDB, DEBUG RELOAD) first `complete` the walk synchronously.
// Each key is written exactly once, with the value, expiry and access data it had at the start.
//
// A large value (more than LARGE_VALUE elements) is written in steps across slices, into a buffer
// of its own that joins the file when complete; other keys go on being written meanwhile. Only a
// read or change of that very key makes the rest of it be written at once.
//
// What is written, and how, is the encoder's business: an RDB file (rdb/file.ts) or an AOF base
// in command form (aof/aof.ts).
import { performance } from 'node:perf_hooks';
import { Buffer } from 'node:buffer';
import { open } from 'node:fs/promises';
import { valueOf, type Db, type Keyspace, type SnapshotHook, type Stored, type Value } from '../store/db.js';
import { STEP_ELEMENTS, elementCount } from './rdb/object.js';

/** A key whose value is written in steps: `steps` writes it, `take` returns the bytes so far. */
export interface KeySteps {
  steps: Iterator<void>;
  readonly buffered: number;
  take(): Buffer;
}

/** Bytes waiting for the file, taken in pieces of a bounded size without copying large buffers. */
export class ChunkQueue {
  private readonly q: Buffer[] = [];
  size = 0;

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.q.push(b);
    this.size += b.length;
  }

  /** Up to `max` bytes, in order. */
  take(max = Infinity): Buffer {
    const parts: Buffer[] = [];
    let n = 0;
    while (this.q.length > 0 && n < max) {
      const b = this.q[0]!;
      const want = max - n;
      if (b.length <= want) {
        parts.push(b);
        this.q.shift();
        n += b.length;
      } else {
        parts.push(b.subarray(0, want));
        this.q[0] = b.subarray(want);
        n += want;
      }
    }
    this.size -= n;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }
}

/** Turns keys into file bytes. Databases may be selected more than once, in any order. */
export interface KeyEncoder {
  /** Output for database `db` follows; `first` on the first time it is selected. */
  select(db: Db, first: boolean): void;
  /** One key, with its value and (read from `db`) its expiry and access data. */
  key(db: Db, key: string, value: Value): void;
  /** The same, in steps, apart from the output; `append` adds the result once complete. */
  keySteps(db: Db, key: string, value: Value): KeySteps;
  append(bytes: Buffer): void;
  /** Bytes encoded and not yet taken. */
  readonly buffered: number;
  /** Takes the bytes encoded so far, or the first `max` of them. */
  take(max?: number): Buffer;
  /** Ends the output (EOF marker, checksum) and takes the rest. */
  end(): Buffer;
}

/** The walk runs this long (ms) per event-loop turn. */
export const SLICE_MS = 0.25;
/**
 * Encoded bytes go to the file in pieces of this size, one per event-loop turn (an RDB's
 * checksum is computed over each piece as it is taken).
 */
const CHUNK = 1 << 18;
/** Values with more elements than this are written in steps. */
export const LARGE_VALUE = 8 * STEP_ELEMENTS;

export class PointInTime implements SnapshotHook {
  /** Per database: keys already written or known absent at the start; null once finished. */
  private readonly seen: (Set<string> | null)[];
  private readonly selected: boolean[];
  private current = -1;
  private dbIndex = 0;
  private walk: Iterator<[string, Stored]> | null = null;
  /** The large value being written in steps. */
  private large: { db: Db; key: string; steps: KeySteps; parts: Buffer[] } | null = null;
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
    const large = this.large;
    if (large !== null && large.key === key && large.db === db) {
      this.stepLarge(Infinity);
      return;
    }
    const seen = this.seen[db.id];
    if (seen === null || seen === undefined || seen.has(key)) return;
    seen.add(key);
    const v = db.data.get(key);
    if (v !== undefined) this.emit(db, key, valueOf(v));
  }

  /** SnapshotHook: writes every remaining key now (before a whole-database change). */
  complete(): void {
    this.step(Infinity, Infinity);
  }

  private emit(db: Db, key: string, v: Value): void {
    this.select(db);
    this.encoder.key(db, key, v);
    this.keys++;
  }

  private select(db: Db): void {
    if (this.current === db.id) return;
    this.current = db.id;
    this.encoder.select(db, !this.selected[db.id]);
    this.selected[db.id] = true;
  }

  /** Writes on the large value until `deadline`; true once it is complete (and appended). */
  private stepLarge(deadline: number): boolean {
    const large = this.large!;
    const s = large.steps;
    for (;;) {
      if (s.steps.next().done === true) break;
      // Taken in pieces, so that no buffer has to grow (and be copied) to the value's size.
      if (s.buffered >= CHUNK) large.parts.push(s.take());
      if (performance.now() > deadline) return false;
    }
    this.large = null;
    this.select(large.db);
    for (const p of large.parts) this.encoder.append(p);
    this.encoder.append(s.take());
    this.keys++;
    return true;
  }

  /**
   * Walks on for up to `budgetMs`, writing at most `maxKeys` keys; true once every database is
   * walked (the hook is then removed from the keyspace).
   */
  step(budgetMs: number, maxKeys: number): boolean {
    if (this.walked) return true;
    const dbs = this.ks.dbs;
    const deadline = performance.now() + budgetMs;
    if (this.large !== null && !this.stepLarge(deadline)) return false;
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
        if (typeof v === 'object' && elementCount(v) > LARGE_VALUE) {
          this.large = { db, key, steps: this.encoder.keySteps(db, key, v), parts: [] };
          if (!this.stepLarge(deadline)) return false;
          continue;
        }
        this.emit(db, key, valueOf(v));
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
    this.large = null;
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
 * the caller's business). `keyDelayUs` (rdb-key-save-delay, read as the walk goes) paces the
 * walk to at most one key per that many microseconds. Throws if another snapshot is running.
 */
export function startSnapshot(ks: Keyspace, encoder: KeyEncoder, file: string, keyDelayUs: () => number = () => 0): SnapshotRun {
  if (ks.cow !== null) throw new Error('another snapshot is in progress');
  const job = new PointInTime(ks, encoder);
  ks.cow = job;
  const done = (async () => {
    const fh = await open(file, 'w', 0o644);
    let size = 0;
    try {
      // Keys the pace allows the walk to write now.
      let credit = 1;
      let last = performance.now();
      for (;;) {
        if (job.aborted) throw new Error('snapshot aborted');
        const delay = keyDelayUs();
        let finished: boolean;
        if (delay > 0) {
          const now = performance.now();
          credit += ((now - last) * 1000) / delay;
          last = now;
          const before = job.keys;
          finished = job.step(SLICE_MS, Math.floor(credit));
          credit -= job.keys - before;
        } else finished = job.step(SLICE_MS, Infinity);
        if (finished) break;
        if (encoder.buffered >= CHUNK) {
          const chunk = encoder.take(CHUNK);
          await fh.write(chunk);
          size += chunk.length;
        } else if (delay >= 1000) await new Promise((r) => setTimeout(r, Math.min(1000, Math.floor(delay / 1000))));
        else await new Promise((r) => setImmediate(r));
      }
      if (job.aborted) throw new Error('snapshot aborted');
      while (encoder.buffered > 0) {
        const chunk = encoder.take(CHUNK);
        await fh.write(chunk);
        size += chunk.length;
      }
      const rest = encoder.end();
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
      encoder.key(db, key, valueOf(value));
      if (encoder.buffered >= CHUNK) parts.push(encoder.take());
    }
  }
  parts.push(encoder.take(), encoder.end());
  return parts.length === 2 && parts[0]!.length === 0 ? parts[1]! : Buffer.concat(parts);
}
