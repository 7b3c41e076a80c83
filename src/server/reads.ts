// Socket reads into one reused buffer instead of a fresh one per read.
//
// By default every read of a socket allocates a buffer (64 KiB cut down to the bytes read for
// TCP, one per TLS record for TLS) and passes it through the Readable stream ('data'). net has a
// cheaper mode, `onread`: the handle reads into a buffer given once and calls back with the
// count. net offers it only to sockets it connects itself (net.connect / tls.connect), not to
// accepted sockets nor to TLS sockets wrapping them, so it is switched on here the way net does
// it for its own sockets: the socket's onread buffer and callback slots, then the handle's
// useUserBuffer. Where this Node does not have them, nothing changes and the caller reads 'data'.
import type net from 'node:net';

/** The largest read: libuv's suggested size for stream reads (a TLS record is at most 16 KiB). */
export const READ_BUFFER_SIZE = 64 * 1024;

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

interface UserBufferHandle {
  useUserBuffer?: unknown;
}

function slot(socket: net.Socket, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(socket).find((s) => s.description === description);
}

/**
 * Makes `socket` deliver its bytes to `onBytes` as a view of the shared read buffer, valid only
 * until `onBytes` returns (the socket emits no 'data' then). Returns false, changing nothing, when
 * this Node does not offer the mechanism or bytes already wait in the socket's stream buffer.
 */
export function readIntoSharedBuffer(socket: net.Socket, onBytes: (view: Buffer) => void): boolean {
  const handle = (socket as unknown as { _handle?: UserBufferHandle | null })._handle;
  if (handle === null || handle === undefined || typeof handle.useUserBuffer !== 'function' || socket.readableLength > 0) return false;
  const kBuffer = slot(socket, 'kBuffer');
  const kBufferCb = slot(socket, 'kBufferCb');
  const kBufferGen = slot(socket, 'kBufferGen');
  if (kBuffer === undefined || kBufferCb === undefined || kBufferGen === undefined) return false;
  const s = socket as unknown as Record<symbol, unknown>;
  if (s[kBuffer] !== null || s[kBufferCb] !== null || s[kBufferGen] !== null) return false;
  const buf = sharedBuffer();
  s[kBuffer] = buf;
  s[kBufferCb] = (n: number): void => onBytes(viewOf(buf, n));
  (handle.useUserBuffer as (b: Uint8Array) => void).call(handle, buf);
  return true;
}
