// RDB files (Redis 7.0, version 10): the whole dataset as "REDIS0010", auxiliary fields, the
// function libraries (each one's code after RDB_OPCODE_FUNCTION2), then per
// non-empty database SELECTDB and RESIZEDB followed by its keys (each with its expire time and,
// under an LRU/LFU policy, its idle time or frequency), EOF and a CRC-64 of everything before it.
// Parsing builds the complete dataset aside and throws an RdbError naming the offset on any
// problem: a file is loaded whole or not at all.
import { Buffer } from 'node:buffer';
import type { Db, Keyspace, Value } from '../../store/db.js';
import { crc64 } from './crc64.js';
import { ChunkQueue, encodeDataset, type KeyEncoder, type KeySteps } from '../point-in-time.js';
import { RDB_VERSION, isObjectType, objectType, readObject, writeValue, writeValueSteps, type LoadLimits, type WriteOptions } from './object.js';
import { RdbChecksumError, RdbReader, RdbUnsupportedError } from './reader.js';
import { RdbWriter } from './writer.js';

const OP_FUNCTION2 = 0xf5;
const OP_FUNCTION = 0xf6;
const OP_MODULE_AUX = 0xf7;
const OP_IDLE = 0xf8;
const OP_FREQ = 0xf9;
const OP_AUX = 0xfa;
const OP_RESIZEDB = 0xfb;
const OP_EXPIRETIME_MS = 0xfc;
const OP_EXPIRETIME = 0xfd;
const OP_SELECTDB = 0xfe;
const OP_EOF = 0xff;

export interface SaveOptions extends WriteOptions {
  /** rdbchecksum: write the CRC-64 (else eight zero bytes). */
  checksum: boolean;
  /** Server time in ms (the ctime field). */
  now: number;
  usedMem: number;
  /** Written as the base of an AOF (aof-base 1). */
  aofBase: boolean;
  /** Per-key LRU idle seconds / LFU counter, when the policy evicts by them. */
  access: 'lru' | 'lfu' | null;
  /** The LFU counter of a key's access data, and the idle seconds of its LRU clock. */
  lfuCounter: (state: number) => number;
  idleSeconds: (clock: number) => number;
  /** The function libraries' code, saved after the auxiliary fields (RDB_OPCODE_FUNCTION2). */
  functions?: readonly string[];
}

/**
 * An RDB file, key by key (point-in-time.ts's KeyEncoder): the header and auxiliary fields at
 * construction, SELECTDB (and RESIZEDB, the first time) per database switch, each key with its
 * expiry and access data, then EOF and the CRC-64, computed over the bytes as they are taken.
 */
export class RdbEncoder implements KeyEncoder {
  private readonly w = new RdbWriter(1 << 16);
  /** Bytes before those in `w`. */
  private readonly queue = new ChunkQueue();
  private crc = 0n;

  constructor(private readonly o: SaveOptions) {
    const w = this.w;
    w.latin1(`REDIS${String(RDB_VERSION).padStart(4, '0')}`);
    const aux = (k: string, v: string): void => {
      w.byte(OP_AUX);
      w.string(k, false);
      w.string(v, false);
    };
    aux('redis-ver', '7.0.15');
    aux('redis-bits', '64');
    aux('ctime', String(Math.floor(o.now / 1000)));
    aux('used-mem', String(o.usedMem));
    aux('aof-base', o.aofBase ? '1' : '0');
    for (const code of o.functions ?? []) {
      w.byte(OP_FUNCTION2);
      w.string(code, o.compress);
    }
  }

  select(db: Db, first: boolean): void {
    const w = this.w;
    w.byte(OP_SELECTDB);
    w.len(db.id);
    if (first) {
      w.byte(OP_RESIZEDB);
      w.len(db.size);
      w.len(db.expires.size);
    }
  }

  key(db: Db, key: string, value: Value): void {
    this.header(this.w, db, key, value);
    writeValue(this.w, value, this.o);
  }

  keySteps(db: Db, key: string, value: Value): KeySteps {
    const side = new RdbWriter(1 << 16);
    this.header(side, db, key, value);
    return {
      steps: writeValueSteps(side, value, this.o),
      get buffered() {
        return side.length;
      },
      take: () => side.take(),
    };
  }

  /** Expiry, access data, type byte and key name. */
  private header(w: RdbWriter, db: Db, key: string, value: Value): void {
    const o = this.o;
    const at = db.expires.size > 0 ? db.expires.get(key) : undefined;
    if (at !== undefined) {
      w.byte(OP_EXPIRETIME_MS);
      w.u64le(BigInt(at));
    }
    const seen = o.access === null ? undefined : db.data.clockOf(key);
    if (seen !== undefined && o.access === 'lru') {
      w.byte(OP_IDLE);
      w.len(o.idleSeconds(seen));
    } else if (seen !== undefined && o.access === 'lfu') {
      w.byte(OP_FREQ);
      w.byte(o.lfuCounter(seen));
    }
    w.byte(objectType(value));
    w.string(key, o.compress);
  }

  append(bytes: Buffer): void {
    if (this.w.length > 0) this.queue.push(this.w.take());
    this.queue.push(bytes);
  }

  get buffered(): number {
    return this.queue.size + this.w.length;
  }

  take(max = Infinity): Buffer {
    if (this.w.length > 0) this.queue.push(this.w.take());
    const out = this.queue.take(max);
    if (this.o.checksum) this.crc = crc64(out, this.crc);
    return out;
  }

  end(): Buffer {
    const w = this.w;
    w.byte(OP_EOF);
    const body = this.take();
    const tail = Buffer.alloc(8);
    tail.writeBigUInt64LE(this.o.checksum ? this.crc : 0n);
    return Buffer.concat([body, tail]);
  }
}

/** The dataset as an RDB file, now (SAVE, DEBUG RELOAD, shutdown). */
export function serializeDataset(ks: Keyspace, o: SaveOptions): Buffer {
  return encodeDataset(ks, new RdbEncoder(o));
}

export interface LoadedKey {
  key: string;
  value: Value;
  /** Absolute expiry in ms. */
  expireAt: number | undefined;
  /** The file's LRU idle seconds or LFU counter for the key, if any. */
  idle: number | null;
  freq: number | null;
}

export interface LoadedDataset {
  /** Keys per database index. */
  dbs: Map<number, LoadedKey[]>;
  /** Keys whose time had passed at load, not loaded (as Redis on a master). */
  expired: number;
  loaded: number;
  aux: Map<string, string>;
  /** Offset just after the file (an AOF with an RDB preamble goes on with commands there). */
  end: number;
  /** The file was written with rdbchecksum no (its CRC-64 is zero): nothing was checked. */
  checksumDisabled: boolean;
  /** The function libraries' code (RDB_OPCODE_FUNCTION2), in file order. */
  functions: string[];
}

export interface ParseOptions {
  /**
   * Keep keys whose time has passed (an AOF's RDB preamble: the commands after it may still
   * change them, and Redis keeps them while it loads). Otherwise they are left out, as Redis
   * does for a snapshot it loads as a master.
   */
  keepExpired?: boolean;
  /** rdbchecksum: compare the file's CRC-64 (true unless set to false). */
  verifyChecksum?: boolean;
}

/**
 * Parses an RDB file completely. Throws RdbError (with the offset) on anything wrong; the
 * messages of the failures Redis reports in its own words are Redis's (reader.ts, rdbErrorLog).
 */
export function parseRdbFile(buf: Buffer, lim: LoadLimits, now: number, dbCount: number, opts: ParseOptions = {}): LoadedDataset {
  const r = new RdbReader(buf);
  const magic = r.bytes(9, 'header').toString('latin1');
  if (!magic.startsWith('REDIS')) r.fail('Wrong signature trying to load DB from file', 0, 'fatal');
  // Four digits, as every RDB file has (Redis reads them with atoi, so it would take "001x" as
  // version 1 and skip the checksum: Redoubt refuses that instead).
  const raw = magic.slice(5);
  const version = /^\d{4}$/.test(raw) ? Number(raw) : -1;
  if (version < 1 || version > RDB_VERSION) r.fail(`Can't handle RDB format version ${version < 0 ? JSON.stringify(raw) : version}`, 5, 'fatal');
  const out: LoadedDataset = { dbs: new Map(), expired: 0, loaded: 0, aux: new Map(), end: 0, checksumDisabled: false, functions: [] };
  let db = 0;
  let expireAt: number | undefined;
  let idle: number | null = null;
  let freq: number | null = null;
  for (;;) {
    const at = r.pos;
    const op = r.byte();
    if (op === OP_EOF) break;
    switch (op) {
      case OP_EXPIRETIME_MS:
        expireAt = Number(r.bytes(8, 'expire time').readBigInt64LE(0));
        continue;
      case OP_EXPIRETIME:
        expireAt = r.bytes(4, 'expire time').readInt32LE(0) * 1000;
        continue;
      case OP_IDLE:
        idle = r.len();
        continue;
      case OP_FREQ:
        freq = r.byte();
        continue;
      case OP_SELECTDB:
        db = r.len();
        if (db >= dbCount) r.fail(`FATAL: Data file was created with a Redis server configured to handle more than ${dbCount} databases. Exiting`, at, 'fatal');
        continue;
      case OP_RESIZEDB:
        r.len();
        r.len();
        continue;
      case OP_AUX: {
        const k = r.string();
        out.aux.set(k, r.string());
        continue;
      }
      case OP_MODULE_AUX:
        throw new RdbUnsupportedError('module auxiliary data', at);
      case OP_FUNCTION2:
        out.functions.push(r.string());
        continue;
      case OP_FUNCTION:
        // The 7.0 release candidates' form, which Redis 7.0.15 refuses too.
        throw new RdbUnsupportedError('pre-release function libraries', at);
    }
    if (!isObjectType(op)) r.fail(`Unknown RDB encoding type ${op}`, at);
    r.pos = at;
    const type = r.byte();
    const key = r.string();
    const value = readObject(r, type, lim);
    const when = expireAt;
    const keyIdle = idle;
    const keyFreq = freq;
    expireAt = undefined;
    idle = freq = null;
    if (when !== undefined && when < now && opts.keepExpired !== true) {
      out.expired++;
      continue;
    }
    let list = out.dbs.get(db);
    if (list === undefined) out.dbs.set(db, (list = []));
    list.push({ key, value, expireAt: when, idle: keyIdle, freq: keyFreq });
    out.loaded++;
  }
  // Version 5+ files end with a CRC-64 (zero when written with rdbchecksum no).
  if (version >= 5) {
    const end = r.pos;
    const stored = r.bytes(8, 'checksum').readBigUInt64LE(0);
    if (opts.verifyChecksum !== false) {
      if (stored === 0n) out.checksumDisabled = true;
      else {
        const expected = crc64(buf, 0n, 0, end);
        if (stored !== expected) throw new RdbChecksumError(expected, stored, end);
      }
    }
  }
  out.end = r.pos;
  return out;
}

/** Stores a parsed dataset: replacing the keyspace's contents, or over them (flush false). */
export function installDataset(ks: Keyspace, data: LoadedDataset, flush = true): void {
  if (flush) ks.flushAll();
  for (const [i, keys] of data.dbs) {
    const db = ks.dbs[i]!;
    for (const k of keys) {
      db.set(k.key, k.value);
      if (k.expireAt !== undefined) db.setExpire(k.key, k.expireAt);
      ks.setAccess(db, k.key, k.idle, k.freq);
    }
  }
}
