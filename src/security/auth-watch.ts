// Watching AUTH failures (the guide's "monitor your logs for AUTH errors"). Each failure is logged
// at warning level with its source and user name, never the password, until
// `auth-failure-log-limit` lines were written in the current window of
// `auth-failure-log-interval` seconds; further failures are folded into one summary line at the end
// of the window. When a window holds `auth-failure-spike-threshold` failures or more, one clear
// warning names the top sources; it is raised again only after a quiet window.
import type { Config } from '../config/config.js';
import type { Logger } from '../server/log.js';

export interface AuthWatchSettings {
  /** Failures logged one by one per window. */
  logLimit: number;
  /** Window length, seconds. */
  intervalSec: number;
  /** Failures per window that make a spike; 0 disables the spike warning. */
  spikeThreshold: number;
}

const TOP = 5;

export class AuthWatch {
  private windowStart = -1;
  private inWindow = 0;
  private logged = 0;
  /** Failures folded (not logged one by one) in this window, by source and by user. */
  private foldedBySource = new Map<string, number>();
  private foldedUsers = new Set<string>();
  /** All failures of this window by source, for the spike warning. */
  private bySource = new Map<string, number>();
  private spikeRaised = false;
  /** When the last window with failures ended (ms); spikeRaised implies one has ended or is open. */
  private lastWindowEnd = -1;

  constructor(
    private readonly log: Logger,
    readonly settings: AuthWatchSettings,
  ) {}

  /** An AuthWatch on the auth-failure-* directives, kept current as they change. */
  static configured(log: Logger, config: Config): AuthWatch {
    const settings = config.follow({} as AuthWatchSettings, {
      logLimit: 'auth-failure-log-limit',
      intervalSec: 'auth-failure-log-interval',
      spikeThreshold: 'auth-failure-spike-threshold',
    });
    return new AuthWatch(log, settings);
  }

  /**
   * Records one failed authentication at `now` (ms) from `addr` ("ip:port") for `user` (already
   * escaped for the log). `reason` names why when it was not a wrong password (the client is
   * never told: it gets the wrong-password reply).
   */
  failure(now: number, addr: string, user: string, reason?: string): void {
    this.tick(now);
    if (this.windowStart < 0) this.windowStart = now;
    const source = hostOf(addr);
    this.inWindow++;
    this.bySource.set(source, (this.bySource.get(source) ?? 0) + 1);
    if (this.logged < this.settings.logLimit) {
      this.logged++;
      // SECURITY: source and user name only; the password never reaches the log.
      this.log.warning(`AUTH failed for user '${user}' from ${addr}${reason === undefined ? '' : ` (${reason})`}`);
    } else {
      this.foldedBySource.set(source, (this.foldedBySource.get(source) ?? 0) + 1);
      if (this.foldedUsers.size < 100) this.foldedUsers.add(user);
    }
    const threshold = this.settings.spikeThreshold;
    if (threshold > 0 && !this.spikeRaised && this.inWindow >= threshold) {
      this.spikeRaised = true;
      this.log.warning(
        `Possible password-guessing attack: ${this.inWindow} failed authentications in ${Math.max(1, Math.round((now - this.windowStart) / 1000))} s ` +
          `(auth-failure-spike-threshold ${threshold}), from ${top(this.bySource)}. Check the sources and the ACL LOG.`,
      );
    }
  }

  /**
   * Ends the window when its time is over, and re-arms the spike warning after a quiet window
   * (called by cron and on each failure).
   */
  tick(now: number): void {
    const interval = this.settings.intervalSec * 1000;
    if (this.windowStart >= 0 && now - this.windowStart >= interval) this.endWindow(this.windowStart + interval);
    // SECURITY: a whole window without any failure is the calmest window there is: it ends the
    // spike, so the next attack is reported again.
    if (this.spikeRaised && this.windowStart < 0 && now - this.lastWindowEnd >= interval) this.spikeRaised = false;
  }

  private endWindow(end: number): void {
    const folded = [...this.foldedBySource.values()].reduce((a, b) => a + b, 0);
    if (folded > 0) {
      this.log.warning(
        `${folded} more failed authentications in the last ${this.settings.intervalSec} s not logged one by one ` +
          `(auth-failure-log-limit ${this.settings.logLimit}), from ${top(this.foldedBySource)}; users: ${[...this.foldedUsers].slice(0, TOP).map((u) => `'${u}'`).join(', ')}`,
      );
    }
    const threshold = this.settings.spikeThreshold;
    // The warning stays raised while whole windows keep reaching the threshold; a calmer window
    // (or a window with no failure at all, see tick) ends the spike, so a later one is reported again.
    this.spikeRaised = this.spikeRaised && threshold > 0 && this.inWindow >= threshold;
    this.lastWindowEnd = end;
    this.windowStart = -1;
    this.inWindow = 0;
    this.logged = 0;
    this.foldedBySource = new Map();
    this.foldedUsers = new Set();
    this.bySource = new Map();
  }
}

/** "1.2.3.4:5678" or "[::1]:5678" style addresses to their host part. */
function hostOf(addr: string): string {
  const i = addr.lastIndexOf(':');
  return i < 0 ? addr : addr.slice(0, i);
}

function top(counts: Map<string, number>): string {
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, TOP).map(([s, n]) => `${s} (${n})`);
  if (sorted.length > TOP) shown.push(`and ${sorted.length - TOP} more`);
  return shown.join(', ');
}
