// Socket reads and writes past net's stream machinery, where this Node allows it.
//
// Reads: by default every read of a socket allocates a buffer (64 KiB cut down to the bytes read
// for TCP, one per TLS record for TLS) and passes it through the Readable stream ('data'). net
// has a cheaper mode, `onread`: the handle reads into a buffer given once and calls back with the
// count. net offers it only to sockets it connects itself (net.connect / tls.connect), not to
// accepted sockets nor to TLS sockets wrapping them, so it is switched on here the way net does
// it for its own sockets: the socket's onread buffer and callback slots, then the handle's
// useUserBuffer. The handle's read callback is then replaced by one that hands a read's bytes
// over directly and leaves everything else (end of input, errors) to net's.
//
// Writes: socket.write goes through the Writable stream (its state, a write request object made
// for each write, a deferred callback) even when the kernel takes the bytes at once, as it does
// for nearly every reply. writeDirect hands them to the handle itself, with one request object
// reused for as long as writes complete at once.
//
// Where this Node does not have what either needs, nothing changes: the caller reads 'data' and
// calls socket.write.
import { Buffer } from 'node:buffer';
import type net from 'node:net';

/** The largest read: libuv's suggested size for stream reads (a TLS record is at most 16 KiB). */
export const READ_BUFFER_SIZE = 64 * 1024;

/** A request object for a handle's write (net's WriteWrap); the handle calls oncomplete if it completes later. */
interface WriteReq {
  oncomplete: ((this: WriteReq, status: number) => void) | null;
  done: ((status: number) => void) | null;
  /** The bytes of a write in progress: held here so the garbage collector keeps them while the handle writes from them. */
  buffer: Uint8Array | null;
}

interface StreamWrap {
  WriteWrap: new () => WriteReq;
  /** Where a handle leaves a read's byte count and a write's outcome. */
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
}

interface Handle {
  useUserBuffer?: (b: Uint8Array) => void;
  onread?: (this: Handle, arrayBuffer: unknown) => unknown;
  writeBuffer?: (req: WriteReq, data: Uint8Array) => number;
}

/** net's stream binding (the one net itself uses), or null where this Node does not expose it. */
const streamWrap: StreamWrap | null = ((): StreamWrap | null => {
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamWrap> }).binding('stream_wrap');
    if (typeof b.WriteWrap !== 'function' || !(b.streamBaseState instanceof Int32Array)) return null;
    if (typeof b.kReadBytesOrError !== 'number' || typeof b.kLastWriteWasAsync !== 'number') return null;
    return b as StreamWrap;
  } catch {
    return null;
  }
})();

function handleOf(socket: net.Socket): Handle | null {
  return (socket as unknown as { _handle?: Handle | null })._handle ?? null;
}

/**
 * One buffer for every connection: a read's bytes are handed over synchronously and the consumer
 * copies what it keeps (RespParser.release) before returning, so the next read may overwrite them.
 */
let shared: Buffer | null = null;

function sharedBuffer(): Buffer {
  shared ??= Buffer.allocUnsafe(READ_BUFFER_SIZE);
  return shared;
}

/** Views of the shared buffer's first n bytes for reads of up to VIEW_CACHE bytes, made once each. */
const VIEW_CACHE = 4096;
const views: (Buffer | undefined)[] = new Array<Buffer | undefined>(VIEW_CACHE + 1).fill(undefined);

function viewOf(buf: Buffer, n: number): Buffer {
  if (n > VIEW_CACHE) return buf.subarray(0, n);
  return (views[n] ??= buf.subarray(0, n));
}

function slot(socket: net.Socket, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(socket).find((s) => s.description === description);
}

/**
 * Makes `socket` deliver its bytes to `onBytes` as a view of the shared read buffer, valid only
 * until `onBytes` returns (the socket emits no 'data' then). Returns false, changing nothing, when
 * this Node does not offer the mechanism or bytes already wait in the socket's stream buffer.
 * The socket must have no timeout (setTimeout): reads handed over directly do not restart it.
 */
export function readIntoSharedBuffer(socket: net.Socket, onBytes: (view: Buffer) => void): boolean {
  const handle = handleOf(socket);
  if (handle === null || typeof handle.useUserBuffer !== 'function' || socket.readableLength > 0) return false;
  const kBuffer = slot(socket, 'kBuffer');
  const kBufferCb = slot(socket, 'kBufferCb');
  const kBufferGen = slot(socket, 'kBufferGen');
  if (kBuffer === undefined || kBufferCb === undefined || kBufferGen === undefined) return false;
  const s = socket as unknown as Record<symbol, unknown>;
  if (s[kBuffer] !== null || s[kBufferCb] !== null || s[kBufferGen] !== null) return false;
  const buf = sharedBuffer();
  s[kBuffer] = buf;
  s[kBufferCb] = (n: number): void => onBytes(viewOf(buf, n));
  handle.useUserBuffer.call(handle, buf);
  const netOnRead = handle.onread;
  if (streamWrap !== null && typeof netOnRead === 'function') {
    const state = streamWrap.streamBaseState;
    const k = streamWrap.kReadBytesOrError;
    // Bytes go straight to the consumer (net's callback would also look the socket up, restart
    // its timeout and offer a next buffer); the end of input and errors go to net's.
    handle.onread = function (this: Handle, arrayBuffer: unknown): unknown {
      const n = state[k]!;
      if (n > 0) {
        onBytes(viewOf(buf, n));
        return undefined;
      }
      return netOnRead.call(this, arrayBuffer);
    };
  }
  return true;
}

/** A socket's handle as writeDirect writes to it. */
export type DirectHandle = Handle & { writeBuffer: (req: WriteReq, data: Uint8Array) => number };

/**
 * The handle writeDirect writes to for this socket, or null when it cannot: not a TCP or unix
 * socket, or a Node that does not allow it. Not a TLS socket: its handle would take cleartext the
 * TLS layer has not encrypted. Taken once per socket: reading `_handle` at every write is a lookup
 * on sockets of many shapes (megamorphic).
 */
export function directHandle(socket: net.Socket): DirectHandle | null {
  if ((socket as { encrypted?: boolean }).encrypted === true || streamWrap === null) return null;
  const handle = handleOf(socket);
  return handle !== null && typeof handle.writeBuffer === 'function' ? (handle as DirectHandle) : null;
}

/** The request object of the next write: reused while writes complete at once. */
let spareReq: WriteReq | null = null;

function onWriteComplete(this: WriteReq, status: number): void {
  const done = this.done;
  this.done = null;
  this.buffer = null;
  if (done !== null) done(status);
}

/**
 * Writes `data` to `handle` (directHandle(socket)), past the socket's Writable stream, and only
 * while that stream holds nothing (bytes it queued would be overtaken). Returns 0 when the kernel
 * took every byte at once or the write failed (the socket is then destroyed; a handle closed
 * meanwhile fails the write), so that `data` may be reused; or data.length when the rest is
 * written later: the handle holds `data` until it calls `done` (status < 0: failed, the socket is
 * then destroyed). Later writes, direct or not, queue behind it in the handle.
 */
export function writeDirect(socket: net.Socket, handle: DirectHandle, data: Uint8Array, done: (status: number) => void): number {
  const req = spareReq ?? new streamWrap!.WriteWrap();
  spareReq = null;
  // A closed handle answers an error code, or nothing once Node has detached it from its socket.
  const err = handle.writeBuffer(req, data);
  if (err !== 0) {
    spareReq = req;
    socket.destroy();
    return 0;
  }
  if (streamWrap!.streamBaseState[streamWrap!.kLastWriteWasAsync] === 0) {
    spareReq = req;
    return 0;
  }
  // The handle keeps this request until the write completes (the next write gets a new one), and
  // the request keeps the bytes: nothing else may hold them (the reply writer lets its buffer go).
  req.buffer = data;
  req.oncomplete = onWriteComplete;
  req.done = (status: number): void => {
    if (status < 0) socket.destroy();
    done(status);
  };
  return data.length;
}
