// What each client holds in memory, and the limits on it: client-output-buffer-limit (normal,
// replica, pubsub classes; hard, and soft for so many seconds), the output limit of
// unauthenticated clients, and maxmemory-clients (client eviction). As Redis keeps it, a client's
// memory is its query buffer, the arguments of a request being read, its MULTI queue, WATCHed keys,
// subscriptions, tracking prefixes, its reply buffer and the replies not yet taken by the kernel. The sum over all
// clients is kept current as clients read, run commands and are written to, so that used_memory
// and eviction never depend on when V8 collects garbage.
import type { Client } from './client.js';
import type { Server } from './server.js';

/** The reply buffer every client has (ReplyWriter's initial size, Redis's 16 KiB static buffer). */
export const REPLY_BUFFER = 16 * 1024;
/**
 * SECURITY: an unauthenticated client may not pile up more than this many reply bytes beyond a
 * reply buffer's worth (Redis's fix for CVE-2025-21605): one that sends without reading is dropped.
 */
export const UNAUTH_OUTPUT_MAX = 1024;
/** The objects of one connection (socket, handle, parser, session) outside its buffers. */
const CLIENT_BASE = 4096;
/** A client idle longer than this gives its query buffer back (Redis: idle for more than 2 s). */
const QUERY_BUF_IDLE_MS = 2000;
/**
 * A queued MULTI command, a WATCHed key, a subscription, a tracking prefix (CLIENT TRACKING
 * BCAST PREFIX): what one entry costs beside its strings.
 */
const QUEUED_ENTRY = 48;
const WATCH_ENTRY = 64;
const SUB_ENTRY = 48;
const PREFIX_ENTRY = 48;

export interface OutputLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

export type ClientClass = 'normal' | 'replica' | 'pubsub';

/** A client's memory as CLIENT LIST shows it. */
export interface ClientMemory {
  qbuf: number;
  qbufFree: number;
  argvMem: number;
  multiMem: number;
  /** Reply buffer size and use (rbs, rbp). */
  rbs: number;
  rbp: number;
  /** Reply bytes beyond the reply buffer plus bytes the socket has not written yet. */
  omem: number;
  totMem: number;
}

export class ClientLimits {
  readonly output: Record<ClientClass, OutputLimit> = {
    normal: { hard: 0, soft: 0, softSeconds: 0 },
    replica: { hard: 0, soft: 0, softSeconds: 0 },
    pubsub: { hard: 0, soft: 0, softSeconds: 0 },
  };
  /** Sum of every client's accounted memory (Client.memAccounted). */
  total = 0;
  /** maxmemory-clients in bytes (resolved from a percentage of maxmemory); 0: no client eviction. */
  evictionLimit = 0;
  evictedClients = 0;
  /** Clients closed for their output buffer (INFO client_output_buffer_limit_disconnections). */
  outputDisconnections = 0;

  /** Follows client-output-buffer-limit, maxmemory-clients and maxmemory (a lower limit evicts at once). */
  constructor(private readonly server: Server) {
    const config = server.config;
    this.configureOutput(config.str('client-output-buffer-limit'));
    config.onChange('client-output-buffer-limit', (v) => this.configureOutput(v as string));
    const applyEviction = (): void => {
      this.configureEviction(config.num('maxmemory-clients'), config.num('maxmemory'));
      this.evict();
    };
    applyEviction();
    config.onChange('maxmemory-clients', applyEviction);
    config.onChange('maxmemory', applyEviction);
  }

  /** client-output-buffer-limit's value: "normal h s secs slave h s secs pubsub h s secs". */
  configureOutput(value: string): void {
    const w = value.split(/\s+/).filter(Boolean);
    for (let i = 0; i + 3 < w.length; i += 4) {
      const name = w[i]!.toLowerCase();
      const cls: ClientClass | null = name === 'normal' ? 'normal' : name === 'slave' || name === 'replica' ? 'replica' : name === 'pubsub' ? 'pubsub' : null;
      if (cls === null) continue;
      this.output[cls] = { hard: Number(w[i + 1]), soft: Number(w[i + 2]), softSeconds: Number(w[i + 3]) };
    }
  }

  /** maxmemory-clients: bytes, or (stored negated) a percentage of maxmemory. */
  configureEviction(maxmemoryClients: number, maxmemory: number): void {
    this.evictionLimit = maxmemoryClients >= 0 ? maxmemoryClients : Math.floor((maxmemory * -maxmemoryClients) / 100);
  }

  classOf(c: Client): ClientClass {
    // MONITOR clients are normal clients here, as in Redis.
    if (c.replica !== null) return 'replica';
    return c.subs !== null ? 'pubsub' : 'normal';
  }

  /** Reply bytes not yet taken by the kernel: written by handlers, or still held by the socket (omem). */
  outputBytes(c: Client): number {
    // A replica's stream held during its synchronisation is output too (the RDB file is not).
    return c.out.len + c.socketHeld + (c.replica === null ? 0 : c.replica.heldBytes);
  }

  memory(c: Client, currentArgv: string[] | null = null): ClientMemory {
    const p = c.parser;
    const argvMem = argvMemory(c, currentArgv);
    const qbuf = p.pending + (currentArgv === null ? 0 : requestBytes(currentArgv));
    // As Redis's qbuf + qbuf-free, the two add up to the query buffer's size (the request being run included).
    const qbufFree = Math.max(0, p.allocated - qbuf);
    const multiMem = multiMemory(c);
    const totMem = qbuf + qbufFree + argvMem + multiMem + otherMemory(c);
    return { qbuf, qbufFree, argvMem, multiMem, rbs: c.out.rbSize, rbp: c.out.len, omem: this.outputBytes(c), totMem };
  }

  /** memory(c).totMem, without the other fields (update() runs at every read and write). */
  totalOf(c: Client): number {
    const p = c.parser;
    const qbuf = p.pending;
    const allocated = p.allocated;
    return (allocated > qbuf ? allocated : qbuf) + argvMemory(c, null) + multiMemory(c) + otherMemory(c);
  }

  /** Refreshes the client's share of `total`; evicts clients when maxmemory-clients is passed. */
  update(c: Client): void {
    // A client being closed has left the total already (forget) and must not come back into it.
    if (c.closed || c.closingAsap) return;
    const now = this.totalOf(c);
    this.total += now - c.memAccounted;
    c.memAccounted = now;
    if (this.evictionLimit > 0 && this.total >= this.evictionLimit) this.evict();
  }

  /** A client is gone: its memory leaves the total at once. */
  forget(c: Client): void {
    this.total -= c.memAccounted;
    c.memAccounted = 0;
  }

  /**
   * Whether the client has passed its output limit: the hard limit, the soft limit for longer than
   * its seconds, or (unauthenticated) UNAUTH_OUTPUT_MAX. Tracks when the soft limit was reached.
   */
  outputOverLimit(c: Client, now: number): boolean {
    const used = this.outputBytes(c);
    // SECURITY: a client that has not logged in gets no room to pile up replies it does not read.
    if (!c.authenticated && used > REPLY_BUFFER + UNAUTH_OUTPUT_MAX) return true;
    const lim = this.output[this.classOf(c)];
    if (lim.hard > 0 && used >= lim.hard) return true;
    if (lim.soft > 0 && used >= lim.soft) {
      if (c.softLimitSince === 0) {
        c.softLimitSince = now;
        return false;
      }
      return now - c.softLimitSince > lim.softSeconds * 1000;
    }
    c.softLimitSince = 0;
    return false;
  }

  /** The smallest output size at which some limit may apply to `c` (a cheap pre-check). */
  checkFloor(c: Client): number {
    if (!c.authenticated) return REPLY_BUFFER + UNAUTH_OUTPUT_MAX;
    const lim = this.output[this.classOf(c)];
    const a = lim.hard > 0 ? lim.hard : Infinity;
    const b = lim.soft > 0 ? lim.soft : Infinity;
    return a < b ? a : b;
  }

  /**
   * Closes the client (as soon as the running command returns) if it passed its output limit.
   * True when it did. Replies it has not been sent are dropped.
   */
  enforceOutput(c: Client): boolean {
    if (c.closed || c.closingAsap) return c.closingAsap;
    if (this.outputBytes(c) < this.checkFloor(c) && c.softLimitSince === 0) return false;
    if (!this.outputOverLimit(c, this.server.clock.now())) return false;
    this.outputDisconnections++;
    // Folded: a flood of clients that do not read must not turn into a flood of log lines.
    this.server.warnFolded('output buffer limit', () => `Client ${c.describe()} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    c.closeAsap();
    return true;
  }

  /**
   * maxmemory-clients: while clients together hold more than the limit, the largest ones that
   * may be evicted (not CLIENT NO-EVICT) are closed, largest first.
   */
  evict(): void {
    const limit = this.evictionLimit;
    if (limit <= 0 || this.total < limit) return;
    const candidates: Client[] = [];
    for (const c of this.server.clients.values()) if (!c.noEvict && c.replica === null && !c.closingAsap && !c.closed) candidates.push(c);
    candidates.sort((a, b) => b.memAccounted - a.memAccounted);
    let total = this.total;
    for (const c of candidates) {
      if (total < limit) break;
      total -= c.memAccounted;
      this.evictedClients++;
      this.server.log.verbose(`Evicting client: ${c.describe()}`);
      c.closeAsap();
    }
  }

  /** Where cron() left off in the client list. */
  private cronCursor: Iterator<Client> | null = null;

  /**
   * serverCron: refreshes clients' memory (sockets drain without a command), enforces soft output
   * limits on clients that get no more traffic and trims query buffers (RespParser.resize). Like
   * Redis's clientsCron, each call visits a share of the clients so that all are seen about once a
   * second: `perCall` of them, at least 5.
   */
  cron(perCall: number): void {
    const clients = this.server.clients;
    const now = this.server.clock.now();
    let n = Math.min(clients.size, Math.max(5, Math.ceil(perCall)));
    while (n-- > 0) {
      this.cronCursor ??= clients.values();
      const next = this.cronCursor.next();
      if (next.done === true) {
        this.cronCursor = null;
        if (clients.size === 0) return;
        continue;
      }
      const c = next.value;
      if (c.closed || c.closingAsap) continue;
      if (this.enforceOutput(c)) continue;
      c.parser.resize(now - c.lastInteraction > QUERY_BUF_IDLE_MS);
      const resized = c.out.resize(now, this.server.replyBufferResizing, this.server.replyBufferPeakResetMs);
      if (resized === 'shrunk') this.server.stats.replyBufferShrinks++;
      else if (resized === 'expanded') this.server.stats.replyBufferExpands++;
      this.update(c);
    }
  }
}

/** Arguments held: of the request being read, and of the one running or blocked. */
function argvMemory(c: Client, currentArgv: string[] | null): number {
  let n = c.parser.argvBytes;
  const argv = currentArgv ?? c.blockedArgv;
  if (argv !== null) for (const a of argv) n += a.length;
  return n;
}

/** WATCHed keys and the MULTI queue. */
function multiMemory(c: Client): number {
  let n = c.watching.length * WATCH_ENTRY;
  if (c.multi !== null) n += c.multiBytes + c.multi.length * QUEUED_ENTRY;
  return n;
}

/**
 * The connection's objects, subscriptions and tracking prefixes, and the replies: the reply
 * buffers' allocation (rbs, and a spill buffer kept for big turns) however much of it is in use,
 * and replies handed to the socket and not yet taken by the kernel beside them.
 */
function otherMemory(c: Client): number {
  let n = CLIENT_BASE + c.out.allocated + c.socketHeld;
  if (c.subs !== null) n += (c.subs.channels.size + c.subs.patterns.size + c.subs.shard.size) * SUB_ENTRY;
  const t = c.tracking;
  if (t !== null && t.prefixes !== null) n += t.prefixes.size * PREFIX_ENTRY + t.prefixBytes;
  return n;
}

/** Size of argv as a multibulk request. */
export function requestBytes(argv: string[]): number {
  let n = 3 + String(argv.length).length;
  for (const a of argv) n += 5 + String(a.length).length + a.length;
  return n;
}

/** What a queued MULTI command adds to the client's memory: its arguments' bytes. */
export function queuedBytes(argv: string[]): number {
  let n = 0;
  for (const a of argv) n += a.length;
  return n;
}
