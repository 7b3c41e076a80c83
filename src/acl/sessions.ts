// The sessions of changed users: when a user is changed, deleted or replaced (ACL SETUSER, ACL
// DELUSER, ACL LOAD, requirepass), the connections it would no longer let in are closed and the
// subscribers whose channels it no longer allows are disconnected. The user store (users.ts) tells
// this module of each change; `by` is the connection that made it, which gets its reply first.
import type { Logger } from '../server/log.js';
import type { Client } from '../server/client.js';
import { printableName } from '../tls/identity.js';
import { channelInList } from './selector.js';
import type { User, UserListener, Users } from './users.js';

/** What the session rules need of the server. */
export interface SessionHost {
  readonly clients: ReadonlyMap<number, Client>;
  readonly users: Users;
  readonly log: Logger;
}

export class UserSessions implements UserListener {
  constructor(private readonly host: SessionHost) {}

  /** An existing user is about to take new rules: its revoked subscribers go. */
  changing(user: User, next: User, by: unknown): void {
    this.killRevokedSubscribers(user, next, by);
  }

  /** A user's rules changed: its logins that are no longer valid go. */
  changed(user: User, by: unknown): void {
    this.closeStaleLogins(user, by);
  }

  /** A user was deleted or replaced: all its connections go. */
  removed(user: User, by: unknown): void {
    this.disconnectUser(user, by);
  }

  /**
   * SECURITY: after a user is changed (ACL SETUSER, requirepass), its other connections that the
   * user would no longer let in are closed: the user was disabled, the password a connection gave
   * was removed, a password is now required where none was, or its address is not among the
   * user's new from: rules. The connection that made the
   * change keeps its session (it may be fixing its own user), as Redis keeps all of them.
   */
  closeStaleLogins(u: User, current: unknown): void {
    for (const c of [...this.host.clients.values()]) {
      if (c.user !== u || c === current || !c.authenticated) continue;
      const valid =
        u.enabled &&
        (c.credential === 'cert' || u.nopass || (c.credential !== 'nopass' && u.passwords.includes(c.credential))) &&
        u.allowsSource(c.transport === 'unix' ? undefined : c.socket.remoteAddress);
      if (valid) continue;
      this.host.log.notice(`Closing ${c.addr} (user '${printableName(u.name)}'): its login is no longer valid for the changed user`);
      c.close();
    }
  }

  /**
   * SECURITY: a deleted (or replaced) user's connections are logged out and closed; the one running
   * the command gets its reply first.
   */
  private disconnectUser(u: User, current: unknown): void {
    for (const c of [...this.host.clients.values()]) {
      if (c.user !== u) continue;
      c.user = this.host.users.defaultUser;
      c.authenticated = false;
      if (c === current) c.closeAfterReply = true;
      else c.close();
    }
  }

  /**
   * SECURITY: after ACL SETUSER, the user's subscribers whose channels or patterns the new rules no
   * longer allow are disconnected (Redis's rule: nothing happens when the new channel list keeps
   * every old one, or allows all channels).
   */
  private killRevokedSubscribers(original: User, next: User, current: unknown): void {
    if (next.selectors.some((s) => s.allChannels)) return;
    const upcoming = next.selectors.flatMap((s) => s.channels);
    const kept = original.selectors.every((s) => !s.allChannels && s.channels.every((c) => upcoming.includes(c)));
    if (kept) return;
    const allowed = (ch: string, isPattern: boolean): boolean => channelInList(upcoming, ch, isPattern);
    for (const c of [...this.host.clients.values()]) {
      if (c.user !== original || c.subs === null) continue;
      const subs = c.subs;
      let kill = false;
      for (const p of subs.patterns) if (!allowed(p, true)) kill = true;
      for (const ch of subs.channels) if (!allowed(ch, false)) kill = true;
      for (const ch of subs.shard) if (!allowed(ch, false)) kill = true;
      if (!kill) continue;
      if (c === current) c.closeAfterReply = true;
      else c.close();
    }
  }
}
