// Users and passwords. Passwords exist only as SHA-256 hashes and are compared in constant time.
// This holds the default user and `requirepass`; the full ACL (users, rules, selectors) builds on it.
import { createHash, timingSafeEqual } from 'node:crypto';

export interface User {
  name: string;
  enabled: boolean;
  /** Any password is accepted (Redis's "nopass"). */
  nopass: boolean;
  /** SHA-256 digests of the accepted passwords. */
  passwords: Buffer[];
}

export function hashPassword(pw: string): Buffer {
  return createHash('sha256').update(Buffer.from(pw, 'latin1')).digest();
}

export class Users {
  readonly users = new Map<string, User>();

  constructor() {
    this.users.set('default', { name: 'default', enabled: true, nopass: true, passwords: [] });
  }

  get defaultUser(): User {
    return this.users.get('default')!;
  }

  /** `requirepass`: "" clears the default user's password (nopass), anything else replaces it. */
  setRequirePass(pw: string): void {
    const u = this.defaultUser;
    if (pw === '') {
      u.nopass = true;
      u.passwords = [];
    } else {
      u.nopass = false;
      u.passwords = [hashPassword(pw)];
    }
  }

  /** Whether a new connection starts authenticated (as the default user). */
  defaultLoginFree(): boolean {
    const u = this.defaultUser;
    return u.enabled && u.nopass;
  }

  /** Checks a username/password pair. */
  check(name: string, pw: string): User | null {
    const u = this.users.get(name);
    // SECURITY: hash and compare against every stored digest in constant time, whether or not
    // the user exists, so timing does not reveal which part was wrong.
    const digest = hashPassword(pw);
    let ok = false;
    for (const p of u?.passwords ?? []) if (timingSafeEqual(p, digest)) ok = true;
    if (u === undefined || !u.enabled) return null;
    return u.nopass || ok ? u : null;
  }
}
