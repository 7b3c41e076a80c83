// ACL LOG: recent denials and failed authentications, newest first. A new entry that matches one of
// the ten newest (same reason, context, object and user, within 60 seconds) bumps that entry's
// count and moves it to the front instead, as Redis does. Never holds a password.

export type AclLogReason = 'command' | 'key' | 'channel' | 'auth';
export type AclLogContext = 'toplevel' | 'multi' | 'lua' | 'module';

export interface AclLogEntry {
  count: number;
  reason: AclLogReason;
  context: AclLogContext;
  object: string;
  username: string;
  /** Milliseconds (server clock) of the last update. */
  ctime: number;
  clientInfo: string;
}

const GROUPING_MS = 60_000;
const MATCH_SCAN = 10;

export class AclLog {
  /** Newest first. */
  entries: AclLogEntry[] = [];
  /** INFO's acl_access_denied_* counters (Redis 7.2 names). */
  readonly denied = { auth: 0, cmd: 0, key: 0, channel: 0 };

  add(e: Omit<AclLogEntry, 'count'>, maxLen: number): void {
    if (e.reason === 'auth') this.denied.auth++;
    else if (e.reason === 'command') this.denied.cmd++;
    else if (e.reason === 'key') this.denied.key++;
    else this.denied.channel++;
    const n = Math.min(MATCH_SCAN, this.entries.length);
    for (let i = 0; i < n; i++) {
      const cur = this.entries[i]!;
      if (
        cur.reason === e.reason &&
        cur.context === e.context &&
        Math.abs(cur.ctime - e.ctime) <= GROUPING_MS &&
        cur.object === e.object &&
        cur.username === e.username
      ) {
        cur.count++;
        cur.ctime = e.ctime;
        cur.clientInfo = e.clientInfo;
        this.entries.splice(i, 1);
        this.entries.unshift(cur);
        return;
      }
    }
    this.entries.unshift({ count: 1, ...e });
    if (this.entries.length > maxLen) this.entries.length = maxLen;
  }

  reset(): void {
    this.entries = [];
  }

  resetStats(): void {
    this.denied.auth = this.denied.cmd = this.denied.key = this.denied.channel = 0;
  }
}
