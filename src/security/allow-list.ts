// allow-from: the client networks a connection may come from (IPv4 and IPv6 addresses and CIDR
// blocks). Empty means no restriction beyond bind and protected mode. Refusals are counted and
// logged, folded under a flood: one line per address at most every interval, with the count.
import net from 'node:net';
import type { Logger } from '../server/log.js';

/** Checks and normalizes an allow-from value; returns the error text, or the value as stored. */
export function parseAllowFrom(raw: string): { ok: true; value: string } | { ok: false; error: string } {
  const out: string[] = [];
  for (const w of raw.split(/\s+/).filter(Boolean)) {
    const e = parseEntry(w);
    if (e === null) return { ok: false, error: `invalid address or CIDR block '${w}'` };
    out.push(e.text);
  }
  return { ok: true, value: out.join(' ') };
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

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is checked as the IPv4 address it carries. */
function normalize(addr: string): [string, 'ipv4' | 'ipv6'] | null {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (m) return [m[1]!, 'ipv4'];
  const v = net.isIP(addr);
  if (v === 0) return null;
  return [addr, v === 4 ? 'ipv4' : 'ipv6'];
}

export class AllowList {
  private list: net.BlockList | null = null;
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

  set(value: string): void {
    const parsed = parseAllowFrom(value);
    if (!parsed.ok) throw new Error(parsed.error);
    this.text = parsed.value;
    if (parsed.value === '') {
      this.list = null;
      return;
    }
    const bl = new net.BlockList();
    for (const w of parsed.value.split(' ')) {
      const e = parseEntry(w)!;
      bl.addSubnet(e.addr, e.prefix, e.family);
    }
    this.list = bl;
  }

  /** True when a peer address may connect (always with no list; never with an unknown address). */
  allows(remote: string | undefined): boolean {
    if (this.list === null) return true;
    if (remote === undefined) return false;
    const n = normalize(remote);
    return n !== null && this.list.check(n[0], n[1]);
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
