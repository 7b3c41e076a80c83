// DUMP / RESTORE payloads: the value in RDB form, then the RDB version (u16 LE) and a CRC-64 of
// everything before it (u64 LE).
import { Buffer } from 'node:buffer';
import type { Value } from '../../store/db.js';
import { crc64 } from './crc64.js';
import { RDB_VERSION, readObject, readObjectType, writeObject, type LoadLimits, type WriteOptions } from './object.js';
import { RdbReader } from './reader.js';
import { RdbWriter } from './writer.js';

const FOOTER = 10;

/** DUMP's serialization of a value (createDumpPayload). */
export function createDumpPayload(v: Value, opts: WriteOptions): Buffer {
  const w = new RdbWriter();
  writeObject(w, v, opts);
  w.u16le(RDB_VERSION);
  w.u64le(crc64(w.view()));
  return w.take();
}

/** True when the footer holds a version Redoubt reads (<= 10) and the checksum matches (verifyDumpPayload). */
export function verifyDumpPayload(p: Buffer): boolean {
  if (p.length < FOOTER) return false;
  const version = p.readUInt16LE(p.length - FOOTER);
  if (version > RDB_VERSION) return false;
  return crc64(p, 0n, 0, p.length - 8) === p.readBigUInt64LE(p.length - 8);
}

/**
 * The value in a verified payload. Throws RdbError when the data is malformed (or a module
 * value). As Redis does, the value is read from the whole payload: bytes left
 * between the value and the footer are ignored, and a value may run into the footer's bytes.
 */
export function loadDumpPayload(p: Buffer, lim: LoadLimits): Value {
  const r = new RdbReader(p);
  const type = readObjectType(r);
  return readObject(r, type, lim);
}
