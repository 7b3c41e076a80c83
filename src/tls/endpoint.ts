// The TLS side of the listeners: a tls.Server that never listens itself. The listener gate hands
// it each accepted socket (server.emit('connection')), so a reload swaps in a new tls.Server
// atomically: new handshakes use the new one, established connections keep theirs.
import { Buffer } from 'node:buffer';
import tls from 'node:tls';
import type net from 'node:net';
import type { TlsMaterial } from './context.js';

/** TLS 1.2 session-id resumption: a bounded cache with expiry (tls-session-cache-size/-timeout). */
export class SessionCache {
  private readonly map = new Map<string, { data: Buffer; expires: number }>();
  constructor(
    public size: number,
    public timeoutSec: number,
  ) {}

  put(id: Buffer, data: Buffer, now: number): void {
    const k = id.toString('hex');
    this.map.delete(k);
    this.map.set(k, { data, expires: now + this.timeoutSec * 1000 });
    // Size 0 means no limit in OpenSSL; a hard bound still keeps memory in check.
    const limit = this.size === 0 ? 1_000_000 : this.size;
    while (this.map.size > limit) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  get(id: Buffer, now: number): Buffer | null {
    const k = id.toString('hex');
    const e = this.map.get(k);
    if (e === undefined) return null;
    if (e.expires <= now) {
      this.map.delete(k);
      return null;
    }
    return e.data;
  }

  clear(): void {
    this.map.clear();
  }

  get count(): number {
    return this.map.size;
  }
}

export interface EndpointHooks {
  /** A handshake completed, under the material that was current when it started. */
  secure(socket: tls.TLSSocket, material: TlsMaterial): void;
  /** A handshake failed (or timed out). */
  failed(error: Error, socket: tls.TLSSocket): void;
}

export class TlsEndpoint {
  private server: tls.Server;
  readonly sessions: SessionCache;

  constructor(
    private material: TlsMaterial,
    private readonly hooks: EndpointHooks,
    sessionCacheSize: number,
    private readonly now: () => number,
  ) {
    this.sessions = new SessionCache(sessionCacheSize, Number(material.options.sessionTimeout ?? 300));
    this.server = this.build(material);
  }

  get current(): TlsMaterial {
    return this.material;
  }

  private build(m: TlsMaterial): tls.Server {
    const srv = tls.createServer(m.options);
    srv.on('secureConnection', (s: tls.TLSSocket) => this.hooks.secure(s, m));
    srv.on('tlsClientError', (e: Error, s: tls.TLSSocket) => this.hooks.failed(e, s));
    if (m.options.sessionIdContext !== undefined) {
      srv.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => {
        this.sessions.put(id, data, this.now());
        cb();
      });
      srv.on('resumeSession', (id: Buffer, cb: (err: Error | null, data: Buffer | null) => void) => {
        cb(null, this.sessions.get(id, this.now()));
      });
    }
    return srv;
  }

  /** Starts the handshake on an accepted (paused) socket. */
  handle(socket: net.Socket): void {
    this.server.emit('connection', socket);
  }

  /**
   * Switches to new material. Sessions of the old context are forgotten (a resumed session would
   * skip the new client-certificate checks), and so are its ticket keys (a new tls.Server has new ones).
   */
  reload(m: TlsMaterial): void {
    const next = this.build(m);
    this.material = m;
    this.server = next;
    this.sessions.clear();
    this.sessions.timeoutSec = Number(m.options.sessionTimeout ?? 300);
  }
}
