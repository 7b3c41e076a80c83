// Blocking commands (BLPOP, BLMOVE, BLMPOP, BZPOPMIN, ...): clients waiting for keys.
//
// A handler that finds nothing to serve calls `block(client, argv, kind, keys, deadline)` and
// writes no reply; the client stops processing input. Writers signal a key that may now serve a
// waiter with `signalKeyAsReady(db, key)` (every `events.modified` does, so RENAME, MOVE, COPY,
// SWAPDB... signal too). After the current top-level command (after EXEC for a transaction) the
// dispatcher calls `handleReady()`: for each ready key, in the order signalled, the clients
// blocked on it are served in the order they blocked while the key holds a value of the kind
// they wait for. Serving re-runs the client's command with `servingKey` set to that key, so
// the handler pops from that key only (Redis 7.0 serves from the key that became ready).
// Timeouts come from the injectable clock: `checkTimeouts()` runs from server cron and from a
// timer armed for the earliest deadline.
import { err } from '../errors.js';
import type { Command } from '../commands/types.js';
import { parseFloatArg } from '../commands/args.js';
import type { Db } from '../store/db.js';
import type { Clock } from '../store/clock.js';
import type { Client } from './client.js';
import type { Server } from './server.js';

/** The value type a blocked client waits for. */
export type BlockKind = 'list' | 'zset' | 'stream';

interface BlockState {
  client: Client;
  cmd: Command;
  argv: string[];
  kind: BlockKind;
  db: Db;
  /** Distinct keys, in command order. */
  keys: string[];
  /** Absolute deadline in ms, 0 for none. */
  deadline: number;
  /** Position in the timeout heap, -1 when not in it. */
  heapIndex: number;
  /** Time spent in the handler so far (microseconds), for commandstats. */
  usec: number;
}

export class Blocking {
  /** While a blocked client's command is re-run because a key became ready: that key. */
  servingKey: string | null = null;
  /** The state of the client being served (its deadline is kept if it blocks again). */
  private reblock: BlockState | null = null;
  private readonly states = new Map<Client, BlockState>();
  /** db -> key -> clients blocked on it, in blocking order. */
  private readonly byDb = new Map<Db, Map<string, Set<Client>>>();
  private ready: [Db, string][] = [];
  private readonly readySet = new Map<Db, Set<string>>();
  private handling = false;
  /** Min-heap of blocked clients with a deadline. */
  private readonly heap: BlockState[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  /** Clients unblocked since the last pass: their pending input is processed later. */
  private unblocked: Client[] = [];
  private unblockedScheduled = false;
  private readonly onTimer = (): void => {
    this.timer = null;
    this.timerAt = Infinity;
    this.checkTimeouts();
  };
  private readonly processUnblocked = (): void => {
    this.unblockedScheduled = false;
    const list = this.unblocked;
    this.unblocked = [];
    for (const c of list) {
      if (c.closed || c.blockedArgv !== null) continue;
      c.processInput();
      c.flush();
    }
  };

  constructor(private readonly server: Server) {}

  /** Clients blocked on keys. */
  get count(): number {
    return this.states.size;
  }

  /** Blocked clients with a timeout (INFO clients_in_timeout_table). */
  get withTimeout(): number {
    return this.heap.length;
  }

  /** Keys with at least one blocked client, over all databases. */
  get keyCount(): number {
    let n = 0;
    for (const m of this.byDb.values()) n += m.size;
    return n;
  }

  /** True when signalled keys wait for handleReady(). */
  get pending(): boolean {
    return this.ready.length > 0;
  }

  isBlocked(c: Client): boolean {
    return this.states.has(c);
  }

  /**
   * Blocks `client` on `keys` of its current db until one holds a `kind` value, or until
   * `deadline` (absolute ms, 0 for never). The handler writes no reply. Must not be called
   * inside MULTI/EXEC (handlers reply as on timeout there).
   */
  block(client: Client, argv: string[], kind: BlockKind, keys: readonly string[], deadline: number): void {
    const cmd = this.server.table.lookup(argv[0]!);
    if (cmd === undefined) throw new Error('block: unknown command');
    // A served command that waits again keeps its original deadline.
    if (this.reblock !== null && this.reblock.client === client) deadline = this.reblock.deadline;
    const db = client.db;
    const distinct = [...new Set(keys)];
    const st: BlockState = { client, cmd, argv, kind, db, keys: distinct, deadline, heapIndex: -1, usec: 0 };
    this.states.set(client, st);
    let m = this.byDb.get(db);
    if (m === undefined) this.byDb.set(db, (m = new Map()));
    for (const k of distinct) {
      let set = m.get(k);
      if (set === undefined) m.set(k, (set = new Set()));
      set.add(client);
    }
    client.blockedArgv = argv;
    if (deadline > 0) {
      this.heapPush(st);
      this.armTimer();
    }
  }

  /** A key may now serve a blocked client; it is looked at after the current command. */
  signalKeyAsReady(db: Db, key: string): void {
    if (this.states.size === 0) return;
    const waiting = this.byDb.get(db);
    if (waiting === undefined || !waiting.has(key)) return;
    let set = this.readySet.get(db);
    if (set === undefined) this.readySet.set(db, (set = new Set()));
    if (set.has(key)) return;
    set.add(key);
    this.ready.push([db, key]);
  }

  /** Every key of `db` with waiters may now serve them (SWAPDB, FLUSHDB...). */
  signalAllIn(db: Db): void {
    const waiting = this.byDb.get(db);
    if (waiting === undefined) return;
    for (const key of waiting.keys()) this.signalKeyAsReady(db, key);
  }

  /**
   * Serves clients blocked on the keys signalled so far, until no key is left ready. Not while a
   * script runs (an allow-busy command during a suspended one must not serve them mid-script):
   * the keys stay signalled until the command that ran it has completed.
   */
  handleReady(): void {
    if (this.handling || this.server.scripts.running !== null) return;
    this.handling = true;
    try {
      while (this.ready.length > 0) {
        const batch = this.ready;
        this.ready = [];
        this.readySet.clear();
        for (const [db, key] of batch) this.serveKey(db, key);
      }
    } finally {
      this.handling = false;
    }
    this.scheduleUnblocked();
  }

  private serveKey(db: Db, key: string): void {
    const waiting = this.byDb.get(db)?.get(key);
    if (waiting === undefined) return;
    // Clients that block on this key while it is being served wait for the next signal.
    for (const c of [...waiting]) {
      const st = this.states.get(c);
      if (st === undefined || !waiting.has(c)) continue;
      // Stream readers are re-run whatever the key holds now (their handler looks it up):
      // XREADGROUP answers an error when its stream or group is gone (as Redis 7.0 does), XREAD
      // waits again. Others are served only while the key holds their kind.
      if (st.kind !== 'stream') {
        const v = db.lookup(key);
        if (v === undefined) return;
        // A value of another kind serves nobody waiting for this kind; others may still match.
        if (typeof v === 'string' || v.type !== st.kind) continue;
      }
      this.serve(st, key);
    }
  }

  /**
   * Re-runs a blocked client's command for the key that became ready, through the dispatcher's one
   * call path (origin 'unblocked'), which counts it once with the time it already ran.
   */
  private serve(st: BlockState, key: string): void {
    const c = st.client;
    this.remove(st);
    this.servingKey = key;
    this.reblock = st;
    try {
      this.server.dispatcher.call(c, st.cmd, st.argv, 'unblocked', st.usec);
    } finally {
      this.servingKey = null;
      this.reblock = null;
    }
    // Blocked again (a handler found nothing after all): stays waiting, no reply.
    if (this.states.has(c)) return;
    this.server.markPending(c);
    this.unblocked.push(c);
  }

  /** Time a blocked command ran before blocking (again): added to what it is counted for when it replies. */
  addUsec(c: Client, usec: number): void {
    const st = this.states.get(c);
    if (st !== undefined) st.usec += usec;
  }

  /** Stats for a blocked command that has now replied (served, timed out or unblocked). */
  private finish(st: BlockState, usec: number, failed: boolean, mark: number): void {
    const c = st.client;
    const server = this.server;
    const stats = st.cmd.stats;
    stats.calls++;
    stats.usec += st.usec + usec;
    if (failed) stats.failed++;
    server.stats.commands++;
    server.stats.recordCall(st.cmd, st.usec + usec, server.clock);
    if (c.replyMode === 'off') c.out.len = mark;
    server.markPending(c);
    this.unblocked.push(c);
  }

  private scheduleUnblocked(): void {
    if (this.unblocked.length > 0 && !this.unblockedScheduled) {
      this.unblockedScheduled = true;
      setImmediate(this.processUnblocked);
    }
  }

  /** Removes a client's blocked state (no reply). */
  private remove(st: BlockState): void {
    const c = st.client;
    this.states.delete(c);
    const m = this.byDb.get(st.db);
    if (m !== undefined) {
      for (const k of st.keys) {
        const set = m.get(k);
        if (set === undefined) continue;
        set.delete(c);
        if (set.size === 0) m.delete(k);
      }
      if (m.size === 0) this.byDb.delete(st.db);
    }
    if (st.heapIndex >= 0) this.heapRemove(st);
    c.blockedArgv = null;
  }

  /** Replies to a blocked client as on timeout (a null array) and unblocks it. */
  private timeOut(st: BlockState): void {
    const mark = st.client.out.len;
    this.remove(st);
    st.client.out.nullArray();
    this.finish(st, 0, false, mark);
  }

  /**
   * CLIENT UNBLOCK: ends the wait of a client blocked on keys, as a timeout or with an
   * UNBLOCKED error. False when the client is not blocked on keys.
   */
  unblock(c: Client, withError: boolean): boolean {
    const st = this.states.get(c);
    if (st === undefined) return false;
    if (withError) {
      const mark = c.out.len;
      this.remove(st);
      c.out.error(err.unblocked());
      this.finish(st, 0, true, mark);
    } else {
      this.timeOut(st);
    }
    this.scheduleUnblocked();
    return true;
  }

  /** A client went away: forget its wait. */
  disconnected(c: Client): void {
    const st = this.states.get(c);
    if (st !== undefined) this.remove(st);
  }

  /** Times out every client whose deadline has passed (Redis: deadline < now). */
  checkTimeouts(): void {
    const now = this.server.clock.now();
    while (this.heap.length > 0 && this.heap[0]!.deadline < now) this.timeOut(this.heap[0]!);
    this.scheduleUnblocked();
    this.armTimer();
  }

  /** Arms the real-time timer for the earliest deadline (cron checks too, for manual clocks). */
  private armTimer(): void {
    const top = this.heap[0];
    if (top === undefined) {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer !== null && this.timerAt <= top.deadline) return;
    if (this.timer !== null) clearTimeout(this.timer);
    const delay = Math.min(2 ** 31 - 1, Math.max(0, top.deadline - this.server.clock.now() + 1));
    this.timerAt = top.deadline;
    this.timer = setTimeout(this.onTimer, delay);
    this.timer.unref();
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  // Indexed binary min-heap by (deadline, blocking order).
  private less(a: BlockState, b: BlockState): boolean {
    return a.deadline < b.deadline;
  }

  private heapPush(st: BlockState): void {
    st.heapIndex = this.heap.length;
    this.heap.push(st);
    this.siftUp(st.heapIndex);
  }

  private heapRemove(st: BlockState): void {
    const h = this.heap;
    const i = st.heapIndex;
    const last = h.pop()!;
    st.heapIndex = -1;
    if (last === st) return;
    h[i] = last;
    last.heapIndex = i;
    this.siftUp(i);
    this.siftDown(last.heapIndex);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    const x = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const y = h[p]!;
      if (!this.less(x, y)) break;
      h[i] = y;
      y.heapIndex = i;
      i = p;
    }
    h[i] = x;
    x.heapIndex = i;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const x = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && this.less(h[r]!, h[l]!) ? r : l;
      const y = h[m]!;
      if (!this.less(y, x)) break;
      h[i] = y;
      y.heapIndex = i;
      i = m;
    }
    h[i] = x;
    x.heapIndex = i;
  }
}

const HEX_RE = /^([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?[0-9]+))?$/;
const DEC_RE = /^[+-]?(?:([0-9]*)\.?([0-9]*))(?:[eE]([+-]?[0-9]+))?$/;
/** Largest and smallest decimal exponents an x87 long double holds (beyond: ERANGE). */
const LDBL_MAX_10_EXP = 4932;
const LDBL_MIN_10_EXP = -4951;

/**
 * A blocking command's timeout in seconds (Redis reads a long double: decimal, hex, inf),
 * as milliseconds relative to now (0: wait forever), or an error text.
 */
export function parseTimeoutMs(arg: string): number | string {
  if (arg.length === 0 || arg.length > 5 * 1024) return err.timeoutNotFloat();
  let v: number | null;
  let log10: number | null = null;
  const hex = HEX_RE.exec(arg);
  if (hex !== null) {
    const neg = hex[1] === '-';
    const int = hex[2] ?? '';
    const frac = hex[3] ?? hex[4] ?? '';
    const exp = Number(hex[5] ?? '0');
    const digits = (int + frac).replace(/^0+/, '');
    if (digits === '') v = 0;
    else {
      // Binary exponent of the value, to tell long double overflow/underflow (ERANGE) apart.
      const lead = parseInt(digits[0]!, 16);
      const bits = (digits.length - 1) * 4 + Math.floor(Math.log2(lead)) - frac.length * 4 + exp;
      if (bits > 16383 || bits < -16445) return err.timeoutNotFloat();
      let m = 0;
      for (const d of int + frac) m = m * 16 + parseInt(d, 16);
      v = m * 2 ** (exp - frac.length * 4);
      if (v === 0) v = Number.MIN_VALUE; // below a double, not below a long double
    }
    if (neg) v = -v;
  } else {
    v = parseFloatArg(arg);
    if (v === null) return err.timeoutNotFloat();
    const dec = DEC_RE.exec(arg);
    if (dec !== null) {
      const digits = (dec[1] ?? '') + (dec[2] ?? '');
      const first = digits.search(/[1-9]/);
      if (first >= 0) {
        log10 = (dec[1] ?? '').length - 1 - first + Number(dec[3] ?? '0');
        if (log10 > LDBL_MAX_10_EXP || log10 < LDBL_MIN_10_EXP) return err.timeoutNotFloat();
        if (v === 0) v = arg.startsWith('-') ? -Number.MIN_VALUE : Number.MIN_VALUE;
      }
    }
  }
  // (long long) ceill(seconds * 1000): at or beyond 2^63 the conversion yields LLONG_MIN.
  const ms = Math.ceil(v * 1000);
  if (!(ms < 2 ** 63) || ms < 0) return err.timeoutNegative();
  return ms === 0 ? 0 : ms;
}

/**
 * Parses a timeout argument into an absolute deadline (0: none) for `block`, or writes the
 * error reply and returns null.
 */
export function timeoutDeadline(c: Client, arg: string, server: { readonly clock: Clock }): number | null {
  const ms = parseTimeoutMs(arg);
  if (typeof ms === 'string') {
    c.out.error(ms);
    return null;
  }
  return ms === 0 ? 0 : server.clock.now() + ms;
}
