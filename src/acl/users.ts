// ACL users: flags, passwords (SHA-256 only, compared in constant time) and selectors, with
// Redis 7.0's rule grammar (ACL SETUSER, `user` config lines, the ACL file) and its descriptions.
import { Buffer } from 'node:buffer';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AllowList, parseAllowFrom } from '../security/allow-list.js';
import { Logger } from '../server/log.js';
import { CATEGORIES } from './catalog.js';
import { type Denial, type RuleError, Selector, hasSpaces } from './selector.js';
import type { CatalogEntry } from './catalog.js';

export { CATEGORIES };

/** SHA-256 of a password as lower-case hex, the only form a password is kept in. */
export function hashPassword(pw: string): string {
  return createHash('sha256').update(Buffer.from(pw, 'latin1')).digest('hex');
}

/** Redis's texts for rule errors (ACL SETUSER, config lines, ACL files). */
export function ruleErrorText(e: RuleError): string {
  switch (e) {
    case 'unknown':
      return 'Unknown command or category name in ACL';
    case 'syntax':
      return 'Syntax error';
    case 'keys-after-star':
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case 'channels-after-star':
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
    case 'no-such-password':
      return 'The password you are trying to remove from the user does not exist';
    case 'bad-hash':
      return 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
    case 'subcommand-first-arg':
      return 'Allowing first-arg of a subcommand is not supported';
    case 'bad-from':
      return "'from:' needs an IPv4 or IPv6 address or CIDR block, such as from:10.0.0.5, from:10.1.0.0/16 or from:fd00::/8";
  }
}

const HASH = /^[0-9a-f]{64}$/;

export class User {
  enabled = false;
  nopass = false;
  /** "sanitize-payload", "skip-sanitize-payload" or neither (RESTORE payload checks). */
  sanitize: '' | 'sanitize-payload' | 'skip-sanitize-payload' = '';
  /** SHA-256 hex digests, in the order added. */
  passwords: string[] = [];
  /** The root selector first, then the `(...)` selectors. */
  selectors: Selector[];
  /**
   * Redoubt's `from:` rules, as written back (normalized: "10.0.0.5", "10.1.0.0/16"); empty: a
   * login is allowed from any address.
   */
  from: string[] = [];
  /** The `from:` rules as allow-from's matcher, built on first use (null: not built yet). */
  private fromList: AllowList | null = null;
  /** Cached description (ACL LIST), cleared by every change. */
  private described: string | null = null;
  /** Root selector allows every command, key and channel: the dispatcher's fast path. */
  unrestricted = false;

  constructor(
    readonly name: string,
    allChannels: boolean,
  ) {
    this.selectors = [new Selector(allChannels)];
  }

  get root(): Selector {
    return this.selectors[0]!;
  }

  clone(name = this.name): User {
    const u = new User(name, false);
    u.copyFrom(this);
    return u;
  }

  /** Takes over another user's rules (the name stays). */
  copyFrom(src: User): void {
    this.enabled = src.enabled;
    this.nopass = src.nopass;
    this.sanitize = src.sanitize;
    this.passwords = [...src.passwords];
    this.from = [...src.from];
    this.selectors = src.selectors.map((s) => s.clone());
    this.refresh();
  }

  private refresh(): void {
    this.described = null;
    this.fromList = null;
    const r = this.root;
    this.unrestricted = r.allCommands && r.allKeys && r.allChannels;
  }

  /** Applies one rule (flags, passwords, selectors, or a root-selector rule); null on success. */
  apply(op: string, allChannelsDefault: boolean): RuleError | null {
    const e = this.applyRule(op, allChannelsDefault);
    this.refresh();
    return e;
  }

  private applyRule(op: string, allChannelsDefault: boolean): RuleError | null {
    if (op === '') return null;
    const lower = op.length <= 21 ? op.toLowerCase() : '';
    if (lower === 'on') this.enabled = true;
    else if (lower === 'off') this.enabled = false;
    else if (lower === 'skip-sanitize-payload') this.sanitize = 'skip-sanitize-payload';
    else if (lower === 'sanitize-payload') this.sanitize = 'sanitize-payload';
    else if (lower === 'nopass') {
      this.nopass = true;
      this.passwords = [];
    } else if (lower === 'resetpass') {
      this.nopass = false;
      this.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      let digest: string;
      if (op[0] === '>') digest = hashPassword(op.slice(1));
      else {
        digest = op.slice(1);
        if (!HASH.test(digest)) return 'bad-hash';
      }
      if (!this.passwords.includes(digest)) this.passwords.push(digest);
      this.nopass = false;
    } else if (op[0] === '<' || op[0] === '!') {
      let digest: string;
      if (op[0] === '<') digest = hashPassword(op.slice(1));
      else {
        digest = op.slice(1);
        if (!HASH.test(digest)) return 'bad-hash';
      }
      const i = this.passwords.indexOf(digest);
      if (i < 0) return 'no-such-password';
      this.passwords.splice(i, 1);
    } else if (op.slice(0, 5).toLowerCase() === 'from:') {
      // Redoubt's own: `from:<address|CIDR>` restricts where the user may log in from.
      const parsed = parseAllowFrom(op.slice(5));
      if (!parsed.ok || parsed.value === '' || parsed.value.includes(' ')) return 'bad-from';
      if (!this.from.includes(parsed.value)) this.from.push(parsed.value);
    } else if (lower === 'resetfrom') {
      this.from = [];
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      const s = Selector.fromOpSet(op, allChannelsDefault);
      if (typeof s === 'string') return s;
      this.selectors.push(s);
    } else if (lower === 'clearselectors') {
      this.selectors.length = 1;
    } else if (lower === 'reset') {
      this.nopass = false;
      this.passwords = [];
      this.from = [];
      this.root.apply('resetkeys');
      this.root.apply('resetchannels');
      if (allChannelsDefault) this.root.apply('allchannels');
      this.enabled = false;
      this.sanitize = 'sanitize-payload';
      this.selectors.length = 1;
      this.root.apply('-@all');
    } else {
      return this.root.apply(op);
    }
    return null;
  }

  /**
   * SECURITY: whether a login from `remote` (a socket's remoteAddress; undefined for a unix
   * socket) is allowed by the `from:` rules. No rules: any source. With rules, an IPv4 client
   * (also as ::ffff:a.b.c.d) is matched by IPv4 rules only, an IPv6 client by IPv6 rules only,
   * and a unix-socket client, which has no address, by none.
   */
  allowsSource(remote: string | undefined): boolean {
    if (this.from.length === 0) return true;
    if (remote === undefined) return false;
    if (this.fromList === null) {
      // allow-from's matcher (it never logs here: only its refused() does).
      this.fromList = new AllowList(new Logger());
      this.fromList.set(this.from.join(' '));
    }
    return this.fromList.allows(remote);
  }

  /** Checks a password against every digest in constant time. */
  passwordMatches(pw: string): boolean {
    const digest = Buffer.from(hashPassword(pw), 'latin1');
    let ok = false;
    for (const p of this.passwords) {
      // SECURITY: constant-time comparison of equal-length digests; no early exit.
      if (timingSafeEqual(Buffer.from(p, 'latin1'), digest)) ok = true;
    }
    return ok;
  }

  /**
   * Checks a request against every selector. Null when one allows it; otherwise the denial to
   * report: a command denial if no selector allows the command, else the key or channel at the
   * highest argv position that no selector allowed (Redis's choice).
   */
  check(e: CatalogEntry, argv: readonly string[]): { denial: Denial; pos: number } | null {
    if (this.selectors.length === 1) return this.root.check(e, argv);
    let worst: { denial: Denial; pos: number } | null = null;
    for (const s of this.selectors) {
      const r = s.check(e, argv);
      if (r === null) return null;
      if (worst === null || rank(r.denial) > rank(worst.denial) || (r.denial === worst.denial && r.pos > worst.pos)) worst = r;
    }
    return worst;
  }

  /** May some selector run this request and read (or write) every key of the keyspace? (SORT BY/GET) */
  mayAccessEveryKey(e: CatalogEntry, argv: readonly string[], access: number): boolean {
    return this.selectors.some((s) => s.check(e, argv) === null && s.allowsEveryKey(access));
  }

  /** May some selector use this channel? */
  allowsChannel(channel: string, isPattern: boolean): boolean {
    return this.selectors.some((s) => s.allowsChannel(channel, isPattern));
  }

  /** "on nopass sanitize-payload #<hash> ~* &* +@all (~x* resetchannels -@all +get)" */
  describe(): string {
    if (this.described !== null) return this.described;
    let out = this.enabled ? 'on ' : 'off ';
    if (this.nopass) out += 'nopass ';
    if (this.sanitize !== '') out += this.sanitize + ' ';
    for (const p of this.passwords) out += '#' + p + ' ';
    for (const f of this.from) out += 'from:' + f + ' ';
    out += this.root.describe();
    for (const s of this.selectors.slice(1)) out += ` (${s.describe()})`;
    this.described = out;
    return out;
  }

  /** ACL GETUSER's flags. */
  flags(): string[] {
    const f = [this.enabled ? 'on' : 'off'];
    if (this.nopass) f.push('nopass');
    if (this.sanitize !== '') f.push(this.sanitize);
    return f;
  }
}

function rank(d: Denial): number {
  return d === 'command' ? 0 : d === 'key' ? 1 : 2;
}

/**
 * ACL SETUSER and config files accept a selector split over several arguments ("(~x*" "+get)"):
 * arguments from one starting with "(" up to one ending with ")" are joined with spaces. Returns
 * the index of the unmatched opening argument when there is no closing one.
 */
export function mergeSelectorArgs(args: readonly string[]): string[] | { unmatched: number } {
  const out: string[] = [];
  let open = -1;
  let acc = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j]!;
    if (open < 0 && op[0] === '(' && op[op.length - 1] !== ')') {
      acc = op;
      open = j;
      continue;
    }
    if (open >= 0) {
      acc += ' ' + op;
      if (op[op.length - 1] === ')') {
        out.push(acc);
        open = -1;
      }
      continue;
    }
    out.push(op);
  }
  return open >= 0 ? { unmatched: open } : out;
}

/**
 * Told of each change of the user set as it is made (the server closes the sessions the change
 * invalidates: acl/sessions.ts). `by` is the connection whose command made the change, null for none.
 */
export interface UserListener {
  /** An existing user is about to take `next`'s rules (ACL SETUSER). */
  changing(user: User, next: User, by: unknown): void;
  /** A user's rules changed (ACL SETUSER). */
  changed(user: User, by: unknown): void;
  /** A user was deleted (ACL DELUSER) or replaced (ACL LOAD). */
  removed(user: User, by: unknown): void;
}

export class Users {
  /** By name. Private: changes go through commit, delete and replaceAll, which tell the listener. */
  private readonly users = new Map<string, User>();
  /** `acl-pubsub-default allchannels`: new users and `reset` get &*. */
  allChannelsDefault = false;
  private listener: UserListener | null = null;

  constructor() {
    this.users.set('default', Users.makeDefault());
  }

  /** Sets the one listener told of user changes. */
  listen(listener: UserListener): void {
    this.listener = listener;
  }

  static makeDefault(): User {
    const u = new User('default', false);
    u.apply('+@all', false);
    u.apply('~*', false);
    u.apply('&*', false);
    u.apply('on', false);
    u.apply('nopass', false);
    return u;
  }

  get defaultUser(): User {
    return this.users.get('default')!;
  }

  get(name: string): User | undefined {
    return this.users.get(name);
  }

  has(name: string): boolean {
    return this.users.has(name);
  }

  /** Users in Redis's order (byte order of the names). */
  sorted(): User[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** `requirepass`: "" makes the default user nopass, anything else its only password. */
  setRequirePass(pw: string): void {
    const u = this.defaultUser;
    u.apply('resetpass', this.allChannelsDefault);
    u.apply(pw === '' ? 'nopass' : '>' + pw, this.allChannelsDefault);
  }

  /** Whether a new connection starts authenticated (as the default user). */
  defaultLoginFree(): boolean {
    const u = this.defaultUser;
    return u.enabled && u.nopass;
  }

  /** Checks a username/password pair: the user, or null (unknown, disabled or wrong password). */
  check(name: string, pw: string): User | null {
    const u = this.users.get(name);
    // SECURITY: the password is hashed and compared whether or not the user exists or is enabled,
    // so timing does not tell which part was wrong.
    const ok = u !== undefined ? u.passwordMatches(pw) : new User('', false).passwordMatches(pw);
    if (u === undefined || !u.enabled) return null;
    return u.nopass || ok ? u : null;
  }

  /**
   * Applies rules to a copy of `name` (or a new user) and returns the copy, or Redis's error text.
   * Nothing changes until the caller commits the copy with `commit`.
   */
  stage(name: string, args: readonly string[]): User | string {
    const merged = mergeSelectorArgs(args);
    if (!Array.isArray(merged)) return `Unmatched parenthesis in acl selector starting at '${args[merged.unmatched]!}'.`;
    const existing = this.users.get(name);
    const u = existing !== undefined ? existing.clone() : new User(name, this.allChannelsDefault);
    for (const op of merged) {
      const e = u.apply(op, this.allChannelsDefault);
      if (e !== null) return `Error in ACL SETUSER modifier '${op}': ${ruleErrorText(e)}`;
    }
    return u;
  }

  /**
   * Makes a staged user live: an existing user object is updated in place (clients hold it). `by`
   * is the connection committing it (see UserListener).
   */
  commit(staged: User, by: unknown = null): User {
    const existing = this.users.get(staged.name);
    if (existing === undefined) {
      this.users.set(staged.name, staged);
      this.listener?.changed(staged, by);
      return staged;
    }
    this.listener?.changing(existing, staged, by);
    existing.copyFrom(staged);
    this.listener?.changed(existing, by);
    return existing;
  }

  /** Deletes a user (ACL DELUSER; never the default user); false when there is none by that name. */
  delete(name: string, by: unknown = null): boolean {
    const u = this.users.get(name);
    if (u === undefined || u === this.defaultUser) return false;
    this.users.delete(name);
    this.listener?.removed(u, by);
    return true;
  }

  /**
   * Parses an ACL file's text into a complete new user set, all or nothing. Returns the users, or
   * every error found (Redis's single-line report).
   */
  parseFile(text: string, filename: string): Map<string, User> | string {
    const users = new Map<string, User>();
    let errors = '';
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const linenum = i + 1;
      const line = lines[i]!.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '') continue;
      const argv = line.split(' ').filter((a) => a !== '');
      if (argv.length === 0) continue;
      if (argv[0] !== 'user' || argv.length < 2) {
        errors += `${filename}:${linenum} should start with user keyword followed by the username. `;
        continue;
      }
      const name = argv[1]!;
      if (hasSpaces(name)) {
        errors += `'${filename}:${linenum}: username '${name}' contains invalid characters. `;
        continue;
      }
      if (users.has(name)) {
        errors += `WARNING: Duplicate user '${name}' found on line ${linenum}. `;
        continue;
      }
      const u = new User(name, this.allChannelsDefault);
      users.set(name, u);
      const merged = mergeSelectorArgs(argv.slice(2));
      if (!Array.isArray(merged)) {
        errors += `${filename}:${linenum}: Unmatched parenthesis in selector definition.`;
        continue;
      }
      let syntaxError = false;
      for (const raw of merged) {
        const op = raw.replace(/^[\t\r\n]+|[\t\r\n]+$/g, '');
        const e = u.apply(op, this.allChannelsDefault);
        if (e === null) continue;
        if (e === 'unknown') errors += `${filename}:${linenum}: Error in applying operation '${op}': ${ruleErrorText(e)}. `;
        else if (!syntaxError) {
          errors += `${filename}:${linenum}: ${ruleErrorText(e)}. `;
          syntaxError = true;
        }
      }
    }
    if (errors !== '') return errors + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed';
    return users;
  }

  /**
   * Replaces the user set (ACL LOAD, aclfile at start-up). The default user object is kept and
   * takes the new rules (a file without it gets a fresh default user). The users removed or
   * replaced are reported to the listener as removed.
   */
  replaceAll(next: Map<string, User>, by: unknown = null): void {
    const gone: User[] = [];
    const def = this.defaultUser;
    def.copyFrom(next.get('default') ?? Users.makeDefault());
    for (const u of this.users.values()) if (u !== def) gone.push(u);
    this.users.clear();
    this.users.set('default', def);
    for (const [name, u] of next) if (name !== 'default') this.users.set(name, u);
    for (const u of gone) this.listener?.removed(u, by);
  }

  /** The ACL file text: "user <name> <rules>" per user, in byte order of the names. */
  fileText(): string {
    return this.sorted()
      .map((u) => `user ${u.name} ${u.describe()}\n`)
      .join('');
  }
}
