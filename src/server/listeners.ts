// The listening sockets: TCP and TLS ports on the `bind` addresses, and the unix socket. Every
// accepted socket goes to the server's listener gate (ListenerHost.accept) paused, before a byte
// of it is read. CONFIG SET port/bind/tls-port move them with rebind().
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import type { Config } from '../config/config.js';
import type { Logger } from './log.js';
import { type BindAddress, parseBindAddresses } from './bind.js';

/** How a connection reached the server. */
export type Transport = 'tcp' | 'tls' | 'unix';

/** What the listeners need of the server. */
export interface ListenerHost {
  readonly config: Config;
  readonly log: Logger;
  /** The listener gate: takes every accepted socket. */
  accept(socket: net.Socket, kind: Transport): void;
  /** Makes sure the TLS material is loaded (a TLS port is being opened); throws on bad files. */
  ensureTls(): void;
  warnFolded(kind: string, line: string): void;
}

export class Listeners {
  /** Open listeners, each with the address and port it was opened on. */
  private list: Listener[] = [];
  /** Ports actually listened on (port 0 in tests picks a free one). */
  boundPorts: number[] = [];
  /** TLS ports actually listened on. */
  tlsBoundPorts: number[] = [];
  /** Set by the server's close(): a rebind still under way must not leave listeners open. */
  closing = false;

  constructor(private readonly host: ListenerHost) {}

  async listenOn(kind: 'tcp' | 'tls', port: number): Promise<void> {
    const what = kind === 'tls' ? 'TLS' : 'TCP';
    let chosen = port;
    for (const [addr, optional] of parseBindAddresses(this.host.config.str('bind'))) {
      try {
        const l = await this.listenOne(addr, chosen, kind);
        this.list.push(l);
        chosen = l.port; // with port 0 (tests), every address shares the first free port
        const bound = kind === 'tls' ? this.tlsBoundPorts : this.boundPorts;
        if (!bound.includes(l.port)) bound.push(l.port);
      } catch (e) {
        if (optional && isSkippable(e)) {
          this.host.log.warning(`Could not create server ${what} listening socket ${addr}:${chosen}: ${(e as Error).message} (optional address, skipped)`);
          continue;
        }
        throw new Error(`Could not create server ${what} listening socket ${addr}:${port}: ${(e as Error).message}`);
      }
    }
  }

  /** unixsocket: a stale socket file is removed first; unixsocketperm sets its mode. */
  listenUnix(file: string): Promise<void> {
    try {
      if (lstatSync(file).isSocket()) unlinkSync(file);
    } catch {
      // no such file
    }
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ pauseOnConnect: true }, (socket) => this.host.accept(socket, 'unix'));
      srv.once('error', (e) => reject(new Error(`Failed opening Unix socket ${file}: ${e.message}`)));
      srv.listen({ path: file, backlog: this.host.config.num('tcp-backlog') }, () => {
        srv.removeAllListeners('error');
        srv.on('error', (e) => this.host.warnFolded('listener', `Listener error: ${e.message}`));
        const perm = parseInt(this.host.config.str('unixsocketperm'), 8);
        try {
          if (perm !== 0) chmodSync(file, perm);
        } catch (e) {
          srv.close();
          reject(new Error(`Failed setting the permissions of Unix socket ${file}: ${(e as Error).message}`));
          return;
        }
        this.list.push({ addr: file, port: 0, srv, kind: 'unix' });
        this.host.log.notice(`The server is now ready to accept connections at ${file}`);
        resolve();
      });
    });
  }

  /**
   * CONFIG SET port / bind: listens on `addresses` at `port` (0: no TCP listener, as in Redis).
   * Listeners already open on a wanted address and port are kept; the missing ones are opened
   * first, and only when all of them are open are the unwanted old ones closed (their accepted
   * connections stay open). On failure every new listener is closed again, the old ones keep
   * serving, and the promise rejects with the first error. Where a new address overlaps an old
   * listener on the same port (127.0.0.1 -> *), the old ones are closed first and reopened if the
   * new ones still cannot be opened.
   */
  async rebind(addresses: readonly BindAddress[], port: number, kind: 'tcp' | 'tls' = 'tcp'): Promise<void> {
    const wanted = port === 0 ? [] : addresses;
    // A TLS port being opened needs good TLS material first.
    if (kind === 'tls' && port !== 0) this.host.ensureTls();
    const others = this.list.filter((x) => x.kind !== kind);
    const mine = this.list.filter((x) => x.kind === kind);
    const setBound = (p: number[]) => {
      if (kind === 'tls') this.tlsBoundPorts = p;
      else this.boundPorts = p;
    };
    const kept: Listener[] = [];
    const missing: BindAddress[] = [];
    for (const a of wanted) {
      const l = mine.find((x) => x.addr === a[0] && x.port === port && !kept.includes(x));
      if (l !== undefined) kept.push(l);
      else missing.push(a);
    }
    const dropped = mine.filter((l) => !kept.includes(l));
    let opened: Listener[];
    try {
      opened = await this.openAll(missing, port, kind);
      if (this.closing) {
        await closeListeners(opened);
        throw new Error('server is shutting down');
      }
    } catch (e) {
      const overlap = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && dropped.some((l) => l.port === port);
      if (!overlap) throw e;
      // The port may be held by one of our own listeners on an overlapping address.
      await closeListeners(dropped);
      try {
        opened = await this.openAll(missing, port, kind);
      } catch (e2) {
        if (!this.closing) await this.reopen(dropped);
        throw e2;
      }
      if (this.closing) {
        await closeListeners(opened);
        throw new Error('server is shutting down');
      }
      this.list = this.list.filter((l) => !dropped.includes(l)).concat(opened);
      setBound(port === 0 ? [] : [port]);
      return;
    }
    this.list = others.concat(kept, opened);
    setBound(port === 0 ? [] : [port]);
    await closeListeners(dropped);
  }

  /** Opens listeners on every address, in order; all or none (optional addresses may be skipped). */
  private async openAll(addresses: readonly BindAddress[], port: number, kind: 'tcp' | 'tls'): Promise<Listener[]> {
    const opened: Listener[] = [];
    for (const [addr, optional] of addresses) {
      try {
        opened.push(await this.listenOne(addr, port, kind));
      } catch (e) {
        if (optional && isSkippable(e)) {
          this.host.log.warning(`Could not create server TCP listening socket ${addr}:${port}: ${(e as Error).message} (optional address, skipped)`);
          continue;
        }
        this.host.log.warning(`Could not create server TCP listening socket ${addr}:${port}: ${(e as Error).message}`);
        await closeListeners(opened);
        throw e;
      }
    }
    return opened;
  }

  /** Reopens listeners closed for a rebind that then failed; logs what cannot be reopened. */
  private async reopen(closed: readonly Listener[]): Promise<void> {
    const back: Listener[] = [];
    for (const l of closed) {
      try {
        back.push(await this.listenOne(l.addr, l.port, l.kind === 'tls' ? 'tls' : 'tcp'));
      } catch (e) {
        this.host.log.warning(`Could not restore the listening socket ${l.addr}:${l.port}: ${(e as Error).message}`);
      }
    }
    this.list = this.list.filter((l) => !closed.includes(l)).concat(back);
  }

  private listenOne(addr: string, port: number, kind: 'tcp' | 'tls'): Promise<Listener> {
    return new Promise((resolve, reject) => {
      // Paused: not a byte is read before the listener gate has admitted the connection.
      const srv = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) => this.host.accept(socket, kind));
      srv.once('error', reject);
      srv.listen({ host: addr, port, backlog: this.host.config.num('tcp-backlog'), ipv6Only: addr.includes(':') }, () => {
        srv.removeListener('error', reject);
        srv.on('error', (e) => this.host.warnFolded('listener', `Listener error: ${e.message}`));
        resolve({ addr, port: (srv.address() as net.AddressInfo).port, srv, kind });
      });
    });
  }

  /** Stops listening everywhere (net.Server removes its unix socket file on close). */
  async closeAll(): Promise<void> {
    await Promise.all(this.list.map((l) => new Promise<void>((r) => l.srv.close(() => r()))));
    this.list = [];
  }
}

interface Listener {
  /** The bind address, or the unix socket's path. */
  addr: string;
  port: number;
  srv: net.Server;
  kind: Transport;
}

/** An optional bind address is skipped when the host has no such address or family. */
function isSkippable(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'EINVAL';
}

/**
 * Stops accepting on each listener. Connections it accepted stay open (net.Server's close
 * callback would wait for them, so only the listening handle is awaited: one loop turn).
 */
async function closeListeners(list: readonly Listener[]): Promise<void> {
  if (list.length === 0) return;
  for (const l of list) l.srv.close();
  await new Promise<void>((r) => setImmediate(r));
}

