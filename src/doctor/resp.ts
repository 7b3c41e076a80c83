// The small RESP2 client `redoubt doctor` talks to a server with (plain TCP or TLS), one request
// at a time. Replies: bulk and simple strings as latin1 strings, integers as numbers, errors as
// RespError values (not thrown), nil as null.
import { Buffer } from 'node:buffer';
import net from 'node:net';
import tls from 'node:tls';

export class RespError {
  constructor(readonly message: string) {}
}

export type Reply = string | number | null | RespError | Reply[];

/** Where and how to connect. */
export interface Target {
  host: string;
  port: number;
  tls: boolean;
  /** PEM contents (already read). */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Milliseconds for the connection and for each reply. */
  timeoutMs: number;
}

/** Parses one reply starting at `pos`; null when the buffer does not hold all of it yet. */
export function parseReply(b: Buffer, pos: number): { value: Reply; end: number } | null {
  if (pos >= b.length) return null;
  const eol = b.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const type = String.fromCharCode(b[pos]!);
  const line = b.toString('latin1', pos + 1, eol);
  switch (type) {
    case '+':
      return { value: line, end: eol + 2 };
    case '-':
      return { value: new RespError(line), end: eol + 2 };
    case ':':
      return { value: Number(line), end: eol + 2 };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      if (b.length < eol + 2 + n + 2) return null;
      return { value: b.toString('latin1', eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      const items: Reply[] = [];
      let p = eol + 2;
      for (let i = 0; i < n; i++) {
        const r = parseReply(b, p);
        if (r === null) return null;
        items.push(r.value);
        p = r.end;
      }
      return { value: items, end: p };
    }
    default:
      throw new Error(`unexpected reply type byte 0x${b[pos]!.toString(16)}`);
  }
}

function encode(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const a of args) {
    const v = Buffer.from(a, 'utf8');
    parts.push(Buffer.from(`$${v.length}\r\n`, 'latin1'), v, Buffer.from('\r\n', 'latin1'));
  }
  return Buffer.concat(parts);
}

export class RespClient {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  private constructor(
    private readonly socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.deliver();
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      const w = this.waiting;
      this.waiting = null;
      w?.reject(this.failure);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the server closed the connection')));
  }

  /** Connects (and completes the TLS handshake); rejects with the reason. */
  static connect(t: Target): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      let socket: net.Socket;
      const ready = () => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        resolve(new RespClient(socket, t.timeoutMs));
      };
      const onError = (e: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(e);
      };
      if (t.tls) {
        const opts: tls.ConnectionOptions = { host: t.host, port: t.port };
        // SNI carries host names only, never addresses.
        if (net.isIP(t.host) === 0) opts.servername = t.host;
        if (t.ca !== undefined) opts.ca = t.ca;
        if (t.cert !== undefined) opts.cert = t.cert;
        if (t.key !== undefined) opts.key = t.key;
        socket = tls.connect(opts, ready);
      } else {
        socket = net.connect({ host: t.host, port: t.port }, ready);
      }
      socket.once('error', onError);
      const timer = setTimeout(() => onError(new Error(`no connection within ${t.timeoutMs} ms`)), t.timeoutMs);
    });
  }

  private deliver(): void {
    if (this.waiting === null) return;
    const r = parseReply(this.buf, 0);
    if (r === null) return;
    this.buf = this.buf.subarray(r.end);
    const w = this.waiting;
    this.waiting = null;
    w.resolve(r.value);
  }

  /** Sends one command and waits for its reply (an error reply is a RespError value). */
  call(...args: string[]): Promise<Reply> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        reject(new Error(`no reply to ${args[0]} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiting = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.socket.write(encode(args));
      this.deliver();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
