// Replication, the master's side. A replica attaches with SYNC or PSYNC (redis-server as a
// replica, `redis-cli --replica`, Redis's own test helpers), gets a snapshot of the dataset as an
// RDB file, then every change as the command stream the AOF also receives (server/propagate.ts),
// PINGs every repl-ping-replica-period seconds, and REPLCONF GETACK when a client WAITs.
//
// Every synchronisation is a full one (PSYNC answers +FULLRESYNC): Redoubt keeps no backlog for
// partial ones. Redoubt is never a replica itself (REPLICAOF is refused).
//
// The snapshot is a BGSAVE to the RDB file (persistence/rdb/snapshots.ts), as Redis's disk-based
// replication: the stream from the instant it starts is held for the replica until the file has
// been sent. A replica that arrives while a BGSAVE for replicas runs shares it (the stream held
// for the first is copied); one that arrives during another snapshot waits for the next.
import { Buffer } from 'node:buffer';
import { open } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { Client } from './client.js';
import type { Server } from './server.js';
import { StreamEncoder, type PropagatedOp } from './propagate.js';

/** Where a replica is in its synchronisation (INFO shows wait_bgsave, send_bulk, online). */
export type ReplicaPhase = 'waiting' | 'snapshot' | 'sending' | 'online';

/** What the master keeps of one replica connection (Client.replica). */
export class ReplicaLink {
  phase: ReplicaPhase = 'waiting';
  /** Answers +FULLRESYNC when its snapshot starts (PSYNC), or nothing (SYNC). */
  readonly psync: boolean;
  /** The stream since its snapshot started, held until the file has been sent. */
  held: string[] = [];
  heldBytes = 0;
  /** Last REPLCONF ACK: the offset it has processed, and when (ms). */
  ackOffset = 0;
  ackTime = 0;

  constructor(psync: boolean) {
    this.psync = psync;
  }
}

/** The bytes one pre-synchronisation keep-alive writes (Redis sends a newline a second). */
const KEEPALIVE = '\n';
const PING = '*1\r\n$4\r\nPING\r\n';
const GETACK = '*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n';
/** Size of the pieces the RDB file is sent in (waiting for the socket to drain between them). */
const SEND_CHUNK = 64 * 1024;

interface AckWaiter {
  client: Client;
  offset: number;
  count: number;
  resolve: () => void;
}

export class Replication {
  /** The replication ID (Redis's master_replid): random per process. */
  readonly replid = randomBytes(20).toString('hex');
  /** master_repl_offset: bytes of stream produced since the first replica attached. */
  offset = 0;
  /** Replica connections in the order they attached. */
  readonly replicas = new Set<Client>();
  private readonly stream = new StreamEncoder();
  /** The BGSAVE running was started for replicas (they wait for its end). */
  private snapshotForReplicas = false;
  /** master_repl_offset when that snapshot started (PSYNC's +FULLRESYNC offset for latecomers). */
  private snapshotOffset = 0;
  private lastPing = 0;
  private lastKeepalive = 0;
  private ackRequested = false;
  private readonly waiters: AckWaiter[] = [];
  /** min-replicas-to-write / min-replicas-max-lag, followed from the configuration (writes check them). */
  private readonly min: { toWrite: number; maxLag: number };

  constructor(private readonly server: Server) {
    this.min = server.config.follow({ toWrite: 0, maxLag: 0 }, { toWrite: 'min-replicas-to-write', maxLag: 'min-replicas-max-lag' });
  }

  /** SYNC / PSYNC: `c` becomes a replica and is sent the dataset, then the stream. */
  attach(c: Client, psync: boolean): void {
    const s = this.server;
    const link = new ReplicaLink(psync);
    link.ackTime = s.clock.now();
    c.replica = link;
    if (this.replicas.size === 0) this.lastPing = s.clock.now();
    this.replicas.add(c);
    s.log.notice(`Replica ${this.describe(c)} asks for synchronization`);
    s.log.notice(`Full resync requested by replica ${this.describe(c)}`);
    if (!s.propagator.replicating) s.propagator.setSink('repl', (ops) => this.feed(ops));
    // A snapshot for replicas already runs: share it, with the stream held for another since it started.
    if (this.snapshotForReplicas) {
      const other = [...this.replicas].find((r) => r !== c && r.replica!.phase === 'snapshot');
      if (other !== undefined) {
        link.phase = 'snapshot';
        link.held = [...other.replica!.held];
        link.heldBytes = other.replica!.heldBytes;
        this.announce(c, this.snapshotOffset);
        return;
      }
    }
    this.startSnapshot();
  }

  /** A replica connection is gone. */
  detach(c: Client): void {
    if (!this.replicas.delete(c)) return;
    this.server.log.notice(`Connection with replica ${this.describe(c)} lost.`);
    if (this.replicas.size === 0) this.server.propagator.setSink('repl', null);
  }

  /** A replica's address: the one it announced (REPLCONF ip-address), or its connection's. */
  ip(c: Client): string {
    return c.replicaIp ?? c.addr.slice(0, c.addr.lastIndexOf(':'));
  }

  /** How a replica is named in the log: its address and the port it listens on. */
  describe(c: Client): string {
    return `${this.ip(c)}:${c.replicaPort}`;
  }

  /** Starts a BGSAVE for the replicas waiting for one, unless a snapshot runs (cron retries). */
  private startSnapshot(): void {
    const s = this.server;
    const waiting = [...this.replicas].filter((c) => c.replica!.phase === 'waiting');
    // Not while a script is suspended (its writes so far would be in the snapshot and again in
    // the stream when its unit closes) nor during another snapshot: cron tries again.
    if (waiting.length === 0 || s.snapshots.bgsaveInProgress || s.ks.cow !== null || s.scripts.running !== null) return;
    // The stream after the snapshot starts with a SELECT, whatever the last one chose.
    this.stream.selectedDb = -1;
    for (const c of waiting) c.replica!.phase = 'snapshot';
    this.snapshotForReplicas = true;
    this.snapshotOffset = this.offset;
    s.log.notice('Starting BGSAVE for SYNC with target: disk');
    // bgsave() may end at once (a failure to start): snapshotEnded then sees the replicas.
    for (const c of waiting) this.announce(c, this.offset);
    s.snapshots.bgsave();
  }

  /** PSYNC's answer, written before anything else of the synchronisation. */
  private announce(c: Client, offset: number): void {
    if (!c.replica!.psync || c.closed) return;
    c.socket.write(`+FULLRESYNC ${this.replid} ${offset}\r\n`, 'latin1');
  }

  /**
   * A BGSAVE ended (Snapshots calls this; `ok` false also when it was abandoned). Replicas that
   * waited for it are sent the file, or closed when it failed; those waiting for a snapshot of
   * their own get one now.
   */
  snapshotEnded(ok: boolean, file: string, abandoned = false): void {
    const mine = this.snapshotForReplicas;
    this.snapshotForReplicas = false;
    if (this.replicas.size === 0) return;
    if (mine) {
      for (const c of [...this.replicas]) {
        const link = c.replica!;
        if (link.phase !== 'snapshot') continue;
        if (abandoned) {
          // FLUSHALL and the like drop a snapshot in progress. A SYNC replica gets a new one of the
          // new dataset (started once the command has run); a PSYNC replica was told the old one's
          // offset and must ask again.
          if (link.psync) c.close();
          link.phase = 'waiting';
          link.held = [];
          link.heldBytes = 0;
          continue;
        }
        if (!ok) {
          this.server.log.warning(`SYNC failed. BGSAVE child returned an error`);
          c.close();
          continue;
        }
        link.phase = 'sending';
        void this.sendFile(c, file);
      }
    }
    if (abandoned) setImmediate(() => this.startSnapshot());
    else this.startSnapshot();
  }

  /** Sends the RDB file (`$<size>` then its bytes, in pieces), then what was held, then goes online. */
  private async sendFile(c: Client, file: string): Promise<void> {
    const s = this.server;
    let fh;
    try {
      fh = await open(file, 'r');
      const { size } = await fh.stat();
      if (c.closed) return;
      c.socket.write(`$${size}\r\n`, 'latin1');
      const buf = Buffer.allocUnsafe(Math.min(SEND_CHUNK, Math.max(1, size)));
      let pos = 0;
      while (pos < size) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
        if (bytesRead === 0) throw new Error('the snapshot file ended early');
        if (c.closed) return;
        pos += bytesRead;
        // A copy: the socket may hold the piece after write() returns.
        if (!c.socket.write(Buffer.from(buf.subarray(0, bytesRead)))) await drained(c);
        if (c.closed) return;
      }
    } catch (e) {
      s.log.warning(`SYNC failed: can't send the snapshot to replica ${this.describe(c)}: ${(e as Error).message}`);
      c.close();
      return;
    } finally {
      await fh?.close();
    }
    const link = c.replica!;
    link.phase = 'online';
    link.ackTime = s.clock.now();
    const held = link.held.join('');
    link.held = [];
    link.heldBytes = 0;
    if (held.length > 0) c.out.raw(held);
    s.log.notice(`Synchronization with replica ${this.describe(c)} succeeded`);
    s.markPending(c);
  }

  /** A unit of propagated ops: encoded once, sent to online replicas, held for the others. */
  feed(ops: readonly PropagatedOp[]): void {
    this.append(this.stream.unit(ops));
  }

  /** Adds bytes to the stream (counted in the offset) for every replica past its snapshot's start. */
  private append(text: string): void {
    this.offset += text.length;
    const s = this.server;
    for (const c of this.replicas) {
      const link = c.replica!;
      if (link.phase === 'online') {
        c.out.raw(text);
        s.markPending(c);
      } else if (link.phase !== 'waiting') {
        link.held.push(text);
        link.heldBytes += text.length;
        // SECURITY: what is held for a replica counts against its output limit (replica class).
        s.clientLimits.enforceOutput(c);
      }
    }
  }

  /** Replicas that are in sync and acknowledged within min-replicas-max-lag seconds. */
  goodReplicas(): number {
    const maxLag = this.min.maxLag;
    const now = this.server.clock.now();
    let n = 0;
    for (const c of this.replicas) {
      const link = c.replica!;
      if (link.phase === 'online' && Math.floor((now - link.ackTime) / 1000) <= maxLag) n++;
    }
    return n;
  }

  /** min-replicas-to-write: whether writes are refused for lack of good replicas (NOREPLICAS). */
  writesDenied(): boolean {
    const min = this.min;
    return min.toWrite > 0 && min.maxLag > 0 && this.goodReplicas() < min.toWrite;
  }

  /** REPLCONF ACK from a replica. */
  acked(c: Client, offset: number): void {
    const link = c.replica;
    if (link === null) return;
    if (offset > link.ackOffset) link.ackOffset = offset;
    link.ackTime = this.server.clock.now();
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (this.ackedAt(w.offset) >= w.count) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** Replicas that acknowledged at least `offset`. */
  ackedAt(offset: number): number {
    let n = 0;
    for (const c of this.replicas) if (c.replica!.phase === 'online' && c.replica!.ackOffset >= offset) n++;
    return n;
  }

  /**
   * WAIT: resolves once `count` replicas acknowledged `offset`, or after `timeoutMs` (0: never).
   * Asks the replicas for an acknowledgement (REPLCONF GETACK) once this turn.
   */
  waitFor(client: Client, offset: number, count: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const w: AckWaiter = {
        client,
        offset,
        count,
        resolve: () => {
          if (timer !== null) clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(w);
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve();
        }, timeoutMs);
      }
      if (!this.ackRequested) {
        this.ackRequested = true;
        setImmediate(() => {
          this.ackRequested = false;
          if (this.replicas.size > 0) this.append(GETACK);
        });
      }
    });
  }

  /**
   * Once per cron run: PINGs in the stream every repl-ping-replica-period seconds, a newline a
   * second to replicas still waiting for their snapshot (as Redis keeps them from timing out),
   * and the snapshot a waiting replica needs once nothing else runs.
   */
  cron(): void {
    // A WAIT whose client has gone (with no timeout, it would wait for ever) is dropped.
    for (let i = this.waiters.length - 1; i >= 0; i--) if (this.waiters[i]!.client.closed) this.waiters.splice(i, 1)[0]!.resolve();
    if (this.replicas.size === 0) return;
    const s = this.server;
    const now = s.clock.now();
    if (now - this.lastPing >= s.config.num('repl-ping-replica-period') * 1000) {
      this.lastPing = now;
      this.append(PING);
    }
    if (now - this.lastKeepalive >= 1000) {
      this.lastKeepalive = now;
      for (const c of this.replicas) if (c.replica!.phase === 'waiting' || c.replica!.phase === 'snapshot') c.socket.write(KEEPALIVE, 'latin1');
    }
    if (!this.snapshotForReplicas) this.startSnapshot();
  }

  /** INFO replication's lines about replicas. */
  infoLines(): string[] {
    const lines = [`connected_slaves:${this.replicas.size}`];
    const now = this.server.clock.now();
    let i = 0;
    for (const c of this.replicas) {
      const link = c.replica!;
      const state = link.phase === 'online' ? 'online' : link.phase === 'sending' ? 'send_bulk' : 'wait_bgsave';
      const lag = Math.floor((now - link.ackTime) / 1000);
      lines.push(`slave${i++}:ip=${this.ip(c)},port=${c.replicaPort},state=${state},offset=${link.ackOffset},lag=${lag}`);
    }
    return lines;
  }
}

function drained(c: Client): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      c.socket.off('drain', done);
      c.socket.off('close', done);
      resolve();
    };
    c.socket.on('drain', done);
    c.socket.on('close', done);
  });
}
