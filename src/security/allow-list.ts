// allow-from: the client networks a connection may come from (IPv4 and IPv6 addresses and CIDR
// blocks). Empty means no restriction beyond bind and protected mode. Refusals are counted and
// logged, folded under a flood: one line per address at most every interval, with the count.
//
// The two families are matched apart: an IPv4 client (also one that reaches a dual-stack socket as
// the IPv4-mapped ::ffff:a.b.c.d) is admitted by IPv4 entries only, an IPv6 client by IPv6 entries
// only. An IPv6 entry that covers IPv4-mapped addresses (::/0 up to ::/80, ::ffff:0:0/96 and the
// blocks inside it) reads as admitting IPv4 clients too, so it is refused unless the IPv4 entries
// already admit all of them: `allow-from ::/0` is an error, `allow-from 0.0.0.0/0 ::/0` is not.
import net from 'node:net';
import type { Config } from '../config/config.js';
import type { Logger } from '../server/log.js';

/** Checks and normalizes an allow-from value; returns the error text, or the value as stored. */
export function parseAllowFrom(raw: string): { ok: true; value: string } | { ok: false; error: string } {
  const entries: Entry[] = [];
  for (const w of raw.split(/\s+/).filter(Boolean)) {
    const e = parseEntry(w);
    if (e === null) return { ok: false, error: `invalid address or CIDR block '${w}'` };
    entries.push(e);
  }
  const bad = mappedOutsideIpv4(entries);
  if (bad !== null) return { ok: false, error: bad };
  return { ok: true, value: entries.map((e) => e.text).join(' ') };
}

interface Entry {
  addr: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
  text: string;
}

function parseEntry(w: string): Entry | null {
  const slash = w.indexOf('/');
  const addr = slash < 0 ? w : w.slice(0, slash);
  const v = net.isIP(addr);
  if (v === 0) return null;
  const max = v === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = w.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > max) return null;
    prefix = Number(p);
  }
  return { addr, prefix, family: v === 4 ? 'ipv4' : 'ipv6', text: prefix === max ? addr : `${addr}/${prefix}` };
}

const MAPPED_BASE = 0xffffn << 32n;
const MAPPED_END = MAPPED_BASE + (1n << 32n) - 1n;

/**
 * The first IPv6 entry that covers IPv4-mapped addresses the IPv4 entries do not admit, as an
 * error text naming it; null when there is none.
 */
function mappedOutsideIpv4(entries: Entry[]): string | null {
  const v4 = entries.filter((e) => e.family === 'ipv4').map((e) => block(ipv4ToInt(e.addr), e.prefix, 32));
  for (const e of entries) {
    if (e.family !== 'ipv6') continue;
    const [lo, hi] = block(ipv6ToBigInt(e.addr), e.prefix, 128);
    // Two CIDR blocks are nested or apart: the entry holds all of ::ffff:0:0/96, part of it, or none.
    if (hi < MAPPED_BASE || lo > MAPPED_END) continue;
    const v4lo = lo <= MAPPED_BASE ? 0n : lo - MAPPED_BASE;
    const v4hi = hi >= MAPPED_END ? (1n << 32n) - 1n : hi - MAPPED_BASE;
    if (covered(v4, v4lo, v4hi)) continue;
    // SECURITY: a silently broad rule: `::/0` must not read as "every client" when it would only
    // be matched against IPv6 clients (or, matched as Node's BlockList does, admit every IPv4 one).
    if (lo <= MAPPED_BASE && hi >= MAPPED_END && e.prefix < 96) {
      return (
        `allow-from entry '${e.text}' covers the IPv4-mapped addresses ::ffff:0:0/96, but IPv4 clients are admitted by IPv4 entries only: ` +
        `write '0.0.0.0/0 ${e.text}' if both IPv4 and IPv6 clients are meant, or list the IPv4 blocks to admit`
      );
    }
    const v4text = e.prefix === 128 ? intToIpv4(v4lo) : `${intToIpv4(v4lo)}/${e.prefix - 96}`;
    return `allow-from entry '${e.text}' is an IPv4-mapped block, but IPv4 clients are admitted by IPv4 entries only: write it as '${v4text}'`;
  }
  return null;
}

/** The first and last address of a CIDR block, as integers of `bits` bits. */
function block(addr: bigint, prefix: number, bits: number): [bigint, bigint] {
  const size = 1n << BigInt(bits - prefix);
  const lo = addr - (addr % size);
  return [lo, lo + size - 1n];
}

/** True when the union of `blocks` holds every address from lo to hi. */
function covered(blocks: [bigint, bigint][], lo: bigint, hi: bigint): boolean {
  let next = lo;
  for (const [a, b] of [...blocks].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) {
    if (a > next) break;
    if (b >= next) next = b + 1n;
    if (next > hi) return true;
  }
  return next > hi;
}

function ipv4ToInt(a: string): bigint {
  return a.split('.').reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n);
}

function intToIpv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
}

/** An IPv6 address (already checked by net.isIP; a zone "%eth0" is ignored) as a 128-bit integer. */
function ipv6ToBigInt(a: string): bigint {
  const pct = a.indexOf('%');
  let text = pct < 0 ? a : a.slice(0, pct);
  // A dotted IPv4 tail is two 16-bit groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v = ipv4ToInt(dotted[1]!);
    text = text.slice(0, dotted.index) + `${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is checked as the IPv4 address it carries. */
function normalize(addr: string): [string, 'ipv4' | 'ipv6'] | null {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (m) return [m[1]!, 'ipv4'];
  const v = net.isIP(addr);
  if (v === 0) return null;
  return [addr, v === 4 ? 'ipv4' : 'ipv6'];
}

export class AllowList {
  /** The IPv4 entries and the IPv6 entries, matched apart (see the top of this file); null: no list. */
  private list: { v4: net.BlockList; v6: net.BlockList } | null = null;
  /** The value as configured (normalized), for the log. */
  text = '';
  /** Connections refused since start (INFO allowlist_rejected_connections). */
  rejected = 0;
  /** Per address: when it was last logged and how many refusals since. */
  private readonly folded = new Map<string, { last: number; since: number }>();

  constructor(
    private readonly log: Logger,
    public intervalMs = 60_000,
  ) {}

  /**
   * The list of allow-from, kept current as it changes (each change logged); refusals are folded
   * over auth-failure-log-interval, the window of AUTH failures.
   */
  static configured(log: Logger, config: Config): AllowList {
    const a = new AllowList(log, config.num('auth-failure-log-interval') * 1000);
    config.onChange('auth-failure-log-interval', (v) => (a.intervalMs = (v as number) * 1000));
    a.set(config.str('allow-from'));
    config.onChange('allow-from', (v) => {
      a.set(v as string);
      log.notice(v === '' ? 'allow-from cleared: connections are accepted from any address bind allows' : `allow-from set: connections are accepted only from ${v as string}`);
    });
    return a;
  }

  set(value: string): void {
    const parsed = parseAllowFrom(value);
    if (!parsed.ok) throw new Error(parsed.error);
    this.text = parsed.value;
    if (parsed.value === '') {
      this.list = null;
      return;
    }
    const list = { v4: new net.BlockList(), v6: new net.BlockList() };
    for (const w of parsed.value.split(' ')) {
      const e = parseEntry(w)!;
      (e.family === 'ipv4' ? list.v4 : list.v6).addSubnet(e.addr, e.prefix, e.family);
    }
    this.list = list;
  }

  /** True when a peer address may connect (always with no list; never with an unknown address). */
  allows(remote: string | undefined): boolean {
    if (this.list === null) return true;
    if (remote === undefined) return false;
    const n = normalize(remote);
    // SECURITY: each family against its own entries: Node's BlockList would let an IPv6 block
    // that holds ::ffff:0:0/96 admit IPv4 clients.
    return n !== null && (n[1] === 'ipv4' ? this.list.v4 : this.list.v6).check(n[0], n[1]);
  }

  /** Counts and logs a refusal; under a flood one line per address per interval, with the count. */
  refused(remote: string | undefined, now: number): void {
    this.rejected++;
    const addr = remote === undefined ? '?' : (normalize(remote)?.[0] ?? remote);
    let f = this.folded.get(addr);
    if (f === undefined) {
      if (this.folded.size >= 10_000) this.prune(now);
      f = { last: now, since: 0 };
      this.folded.set(addr, f);
      this.log.warning(`Refused connection from ${addr}: not in allow-from (${this.text})`);
      return;
    }
    f.since++;
    if (now - f.last >= this.intervalMs) {
      this.log.warning(`Refused ${f.since} more connection(s) from ${addr} in the last ${Math.round((now - f.last) / 1000)}s: not in allow-from`);
      f.last = now;
      f.since = 0;
    }
  }

  /** From the server cron: reports folded counts whose interval has passed, and forgets quiet addresses. */
  tick(now: number): void {
    for (const [a, f] of this.folded) {
      if (now - f.last < this.intervalMs) continue;
      if (f.since > 0) {
        this.log.warning(`Refused ${f.since} more connection(s) from ${a} in the last ${Math.round((now - f.last) / 1000)}s: not in allow-from`);
        f.last = now;
        f.since = 0;
      } else this.folded.delete(a);
    }
  }

  /** Forgets quiet addresses (and, if still too many, all), reporting folded counts first. */
  private prune(now: number): void {
    for (const [a, f] of this.folded) {
      if (now - f.last >= this.intervalMs) {
        if (f.since > 0) this.log.warning(`Refused ${f.since} more connection(s) from ${a}: not in allow-from`);
        this.folded.delete(a);
      }
    }
    if (this.folded.size >= 10_000) {
      let total = 0;
      for (const f of this.folded.values()) total += f.since;
      if (total > 0) this.log.warning(`Refused ${total} more connection(s) from ${this.folded.size} addresses: not in allow-from`);
      this.folded.clear();
    }
  }
}
