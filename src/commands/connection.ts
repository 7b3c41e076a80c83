// Connection commands: PING ECHO QUIT SELECT HELLO RESET and the CLIENT family.
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import { REDIS_VERSION } from '../version.js';
import { is, parseInteger, parseMsTimeout } from './args.js';
import type { HandlerMap } from './types.js';

const BAD_CLIENT_NAME = err.badClientName();

/** A client name may hold only printable ASCII without spaces ('!' to '~'). */
function validName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

/** CLIENT LIST / KILL TYPE names ("master" matches nothing: Redoubt is never a replica). */
type ClientType = 'normal' | 'master' | 'replica' | 'pubsub';

function parseClientType(s: string): ClientType | null {
  const t = s.toLowerCase();
  if (t === 'normal' || t === 'master' || t === 'replica' || t === 'pubsub') return t;
  if (t === 'slave') return 'replica';
  return null;
}

function clientType(c: Client): ClientType {
  return c.server.clientLimits.classOf(c);
}

/** Writes the HELLO reply map. */
function helloReply(c: Client): void {
  const out = c.out;
  out.map(7);
  out.bulk('server');
  out.bulk('redis');
  out.bulk('version');
  out.bulk(REDIS_VERSION);
  out.bulk('proto');
  out.int(c.resp);
  out.bulk('id');
  out.int(c.id);
  out.bulk('mode');
  out.bulk('standalone');
  out.bulk('role');
  out.bulk('master');
  out.bulk('modules');
  out.array(0);
}

/** Closes another client (CLIENT KILL); the caller itself closes once its reply is written. */
function killClient(self: Client, target: Client): void {
  if (target === self) {
    self.closeAfterReply = true;
    return;
  }
  target.close();
}

const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    In OPTIN (YES) or OPTOUT (NO) tracking: whether the next command\'s keys are tracked.',
  'GETREDIR',
  '    The id invalidations are redirected to (0: none, -1: tracking off).',
  'GETNAME',
  '    The name of this connection, or nil.',
  'ID',
  '    The numeric ID of this connection.',
  'INFO',
  '    One line describing this connection, as CLIENT LIST prints it.',
  'KILL <ip:port>',
  '    Close the connection from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Close every connection matching all the filters; replies with how many. Filters:',
  '    * ID <client-id>',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      The remote address of the connection.',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      The local address the connection was made to.',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '    * USER <username>',
  '    * SKIPME (YES|NO)',
  '      Whether the calling connection is spared (default YES).',
  'LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <client-id> [<client-id> ...]]',
  '    One line per connection, optionally filtered.',
  'UNPAUSE',
  '    End a CLIENT PAUSE now.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Hold the commands of all clients (or only writes) for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Turn replies to this connection on or off, or skip the next one.',
  'SETNAME <name>',
  '    Name this connection (no spaces or special characters; empty clears it).',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Turn client-side caching invalidation messages on or off for this connection.',
  'TRACKINGINFO',
  '    This connection\'s tracking flags, redirect id and prefixes.',
  'NO-EVICT (ON|OFF)',
  '    Exempt this connection from client eviction.',
  'HELP',
  '    Print this help.',
];

export const connectionCommands: HandlerMap = {
  // PING [message]. Subscribed clients in RESP2 get the array ["pong", message or ""].
  ping(c, argv) {
    if (argv.length > 2) {
      c.out.error(err.wrongArity('ping'));
      return;
    }
    if (c.subs !== null && c.resp === 2) {
      c.out.array(2);
      c.out.bulk('pong');
      c.out.bulk(argv.length === 2 ? argv[1]! : '');
    } else if (argv.length === 2) c.out.bulk(argv[1]!);
    else c.out.raw('+PONG\r\n');
  },

  // ECHO message
  echo(c, argv) {
    c.out.bulk(argv[1]!);
  },

  // QUIT: reply OK, then close once the reply is written; pipelined commands after it never run.
  quit(c) {
    c.out.ok();
    c.closeAfterReply = true;
  },

  // SELECT index
  select(c, argv, server) {
    const n = parseInteger(argv[1]!);
    if (n === null) {
      c.out.error(err.notInteger());
      return;
    }
    if (n < 0 || n >= server.ks.dbs.length) {
      c.out.error(err.invalidDbIndex());
      return;
    }
    c.dbIndex = n;
    c.out.ok();
  },

  // HELLO [protover [AUTH username password] [SETNAME clientname]]
  hello(c, argv, server) {
    let ver = 0;
    if (argv.length >= 2) {
      const v = parseInteger(argv[1]!);
      if (v === null) {
        c.out.error(err.protocolVersion());
        return;
      }
      if (v < 2 || v > 3) {
        c.out.error('NOPROTO unsupported protocol version');
        return;
      }
      ver = v;
    }
    let user: string | null = null;
    let pass: string | null = null;
    let name: string | null = null;
    for (let j = 2; j < argv.length; j++) {
      const more = argv.length - 1 - j;
      const opt = argv[j]!;
      if (is(opt, 'auth') && more >= 2) {
        user = argv[j + 1]!;
        pass = argv[j + 2]!;
        j += 2;
      } else if (is(opt, 'setname') && more >= 1) {
        name = argv[j + 1]!;
        if (!validName(name)) {
          c.out.error(BAD_CLIENT_NAME);
          return;
        }
        j++;
      } else {
        c.out.error(err.helloOption(opt));
        return;
      }
    }
    // SECURITY: HELLO AUTH goes through the same authentication (and failure logging) as AUTH.
    if (user !== null && pass !== null && !server.authenticate(c, user, pass, argv[0]!)) {
      c.out.error(err.wrongPass());
      return;
    }
    if (!c.authenticated) {
      c.out.error(err.helloNoAuth());
      return;
    }
    if (name !== null) c.name = name;
    if (ver !== 0) c.out.resp = ver as 2 | 3;
    helloReply(c);
  },

  // RESET: back to a fresh connection's state (no MULTI, no MONITOR, db 0, RESP2, no name, replies on).
  reset(c, _argv, server) {
    c.multi = null;
    c.multiDirty = false;
    server.events.unwatchAll(c);
    server.pubsub.dropClient(c);
    server.tracking.disable(c);
    if (c.monitor) {
      c.monitor = false;
      server.monitors.delete(c);
    }
    c.dbIndex = 0;
    c.out.resp = 2;
    c.name = '';
    c.replyMode = 'on';
    c.skipNext = false;
    c.noEvict = false;
    // SECURITY: the connection is logged back in as the default user only if that needs no password.
    c.user = server.users.defaultUser;
    c.authenticated = server.users.defaultLoginFree();
    c.credential = 'nopass';
    c.out.simple('RESET');
  },

  // CLIENT ID
  'client|id'(c) {
    c.out.int(c.id);
  },

  // CLIENT INFO
  'client|info'(c, argv, server) {
    c.out.verbatim(server.clientInfo(c, argv) + '\n');
  },

  // CLIENT LIST [TYPE type] [ID id [id ...]]
  'client|list'(c, argv, server) {
    let type: ClientType | null = null;
    let ids: Set<number> | null = null;
    if (argv.length === 4 && is(argv[2], 'type')) {
      type = parseClientType(argv[3]!);
      if (type === null) {
        c.out.error(err.unknownClientType(argv[3]!));
        return;
      }
    } else if (argv.length > 3 && is(argv[2], 'id')) {
      ids = new Set();
      for (let j = 3; j < argv.length; j++) {
        const id = parseInteger(argv[j]!);
        if (id === null) {
          c.out.error(err.invalidClientId());
          return;
        }
        ids.add(id);
      }
    } else if (argv.length !== 2) {
      c.out.error(err.syntax());
      return;
    }
    let text = '';
    for (const other of server.clients.values()) {
      if (type !== null && clientType(other) !== type) continue;
      if (ids !== null && !ids.has(other.id)) continue;
      text += server.clientInfo(other, other === c ? argv : null) + '\n';
    }
    c.out.verbatim(text);
  },

  // CLIENT SETNAME name ("" clears it)
  'client|setname'(c, argv) {
    const name = argv[2]!;
    if (!validName(name)) {
      c.out.error(BAD_CLIENT_NAME);
      return;
    }
    c.name = name;
    c.out.ok();
  },

  // CLIENT GETNAME
  'client|getname'(c) {
    c.out.bulkOrNull(c.name === '' ? null : c.name);
  },

  // CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE t] [USER u] [ADDR a] [LADDR a] [SKIPME yes|no] ...
  'client|kill'(c, argv, server) {
    if (argv.length === 3) {
      // Old form: one address, error when nobody matches.
      const addr = argv[2]!;
      for (const other of server.clients.values()) {
        if (other.addr === addr) {
          killClient(c, other);
          c.out.ok();
          return;
        }
      }
      c.out.error(err.noSuchClient());
      return;
    }
    if (argv.length % 2 !== 0) {
      c.out.error(err.syntax());
      return;
    }
    let id: number | null = null;
    let type: ClientType | null = null;
    let user: string | null = null;
    let addr: string | null = null;
    let laddr: string | null = null;
    let skipme = true;
    for (let j = 2; j < argv.length; j += 2) {
      const opt = argv[j]!;
      const val = argv[j + 1]!;
      if (is(opt, 'id')) {
        const n = parseInteger(val);
        if (n === null || n <= 0) {
          c.out.error(err.clientIdPositive());
          return;
        }
        id = n;
      } else if (is(opt, 'type')) {
        type = parseClientType(val);
        if (type === null) {
          c.out.error(err.unknownClientType(val));
          return;
        }
      } else if (is(opt, 'user')) {
        if (!server.users.has(val)) {
          c.out.error(err.noSuchUser(val));
          return;
        }
        user = val;
      } else if (is(opt, 'addr')) {
        addr = val;
      } else if (is(opt, 'laddr')) {
        laddr = val;
      } else if (is(opt, 'skipme')) {
        if (is(val, 'yes')) skipme = true;
        else if (is(val, 'no')) skipme = false;
        else {
          c.out.error(err.syntax());
          return;
        }
      } else {
        c.out.error(err.syntax());
        return;
      }
    }
    let killed = 0;
    for (const other of [...server.clients.values()]) {
      if (id !== null && other.id !== id) continue;
      if (type !== null && clientType(other) !== type) continue;
      if (user !== null && other.user.name !== user) continue;
      if (addr !== null && other.addr !== addr) continue;
      if (laddr !== null && other.laddr !== laddr) continue;
      if (skipme && other === c) continue;
      killClient(c, other);
      killed++;
    }
    c.out.int(killed);
  },

  // CLIENT PAUSE timeout [WRITE|ALL]
  'client|pause'(c, argv, server) {
    const timeout = parseMsTimeout(c, argv[2]!);
    if (timeout === null) return;
    let mode: 'write' | 'all' = 'all';
    if (argv.length === 4) {
      if (is(argv[3], 'write')) mode = 'write';
      else if (!is(argv[3], 'all')) {
        c.out.error(err.pauseMode());
        return;
      }
    } else if (argv.length > 4) {
      c.out.error(err.subcommandSyntax(argv[1]!, 'client'));
      return;
    }
    server.pause.start(mode, server.clock.now() + timeout);
    c.out.ok();
  },

  // CLIENT UNPAUSE
  'client|unpause'(c, _argv, server) {
    if (server.pause.mode !== null) server.pause.end();
    c.out.ok();
  },

  // CLIENT REPLY ON|OFF|SKIP. The dispatcher drops the replies; ON also cancels a pending SKIP.
  'client|reply'(c, argv) {
    const mode = argv[2]!;
    if (is(mode, 'on')) {
      c.replyMode = 'on';
      c.skipNext = false;
      c.out.ok();
    } else if (is(mode, 'off')) {
      c.replyMode = 'off';
    } else if (is(mode, 'skip')) {
      if (c.replyMode === 'on') c.replyMode = 'skip';
    } else {
      c.out.error(err.syntax());
    }
  },

  // CLIENT NO-EVICT ON|OFF
  'client|no-evict'(c, argv) {
    if (is(argv[2], 'on')) c.noEvict = true;
    else if (is(argv[2], 'off')) c.noEvict = false;
    else {
      c.out.error(err.syntax());
      return;
    }
    c.out.ok();
  },

  // CLIENT HELP
  'client|help'(c) {
    c.out.simples(CLIENT_HELP);
  },

  // CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP]
  // (server/tracking.ts). Deliberate difference: Redis 7.0.15 answers an error and then OK (two
  // replies, tracking enabled) when two PREFIXes other than the first overlap; Redoubt answers the
  // error only and leaves tracking as it was, as Redis does for the first PREFIX.
  'client|tracking'(c, argv, server) {
    let redirect = 0;
    const opts = { bcast: false, optin: false, optout: false, noloop: false };
    const prefixes: string[] = [];
    for (let j = 3; j < argv.length; j++) {
      const opt = argv[j]!;
      const more = j < argv.length - 1;
      if (is(opt, 'redirect') && more) {
        j++;
        if (redirect !== 0) {
          c.out.error(err.trackingRedirectTwice());
          return;
        }
        const id = parseInteger(argv[j]!);
        if (id === null) {
          c.out.error(err.notInteger());
          return;
        }
        // The client must exist now (it may go later: the redirect is then broken).
        if (!server.clients.has(id)) {
          c.out.error(err.trackingRedirectMissing());
          return;
        }
        redirect = id;
      } else if (is(opt, 'bcast')) opts.bcast = true;
      else if (is(opt, 'optin')) opts.optin = true;
      else if (is(opt, 'optout')) opts.optout = true;
      else if (is(opt, 'noloop')) opts.noloop = true;
      else if (is(opt, 'prefix') && more) prefixes.push(argv[++j]!);
      else {
        c.out.error(err.syntax());
        return;
      }
    }
    if (is(argv[2], 'on')) {
      const t = c.tracking;
      let refusal: string | null = null;
      if (!opts.bcast && prefixes.length > 0) refusal = err.trackingPrefixNeedsBcast();
      else if (t !== null && t.bcast !== opts.bcast) refusal = err.trackingBcastSwitch();
      else if (opts.bcast && (opts.optin || opts.optout)) refusal = err.trackingOptBcast();
      else if (opts.optin && opts.optout) refusal = err.trackingOptBoth();
      else if (t !== null && ((opts.optin && t.optout) || (opts.optout && t.optin))) refusal = err.trackingOptSwitch();
      else if (opts.bcast) {
        const col = server.tracking.prefixCollision(c, prefixes);
        if (col !== null) refusal = col.existing ? err.trackingPrefixExisting(col.prefix, col.other) : err.trackingPrefixProvided(col.prefix, col.other);
      }
      if (refusal !== null) {
        c.out.error(refusal);
        return;
      }
      server.tracking.enable(c, redirect, opts, prefixes);
    } else if (is(argv[2], 'off')) {
      server.tracking.disable(c);
    } else {
      c.out.error(err.syntax());
      return;
    }
    c.out.ok();
  },

  // CLIENT CACHING YES|NO: for the next command (or transaction) only, in OPTIN / OPTOUT mode.
  'client|caching'(c, argv) {
    const t = c.tracking;
    if (t === null) {
      c.out.error(err.cachingNeedsTracking());
      return;
    }
    if (is(argv[2], 'yes')) {
      if (!t.optin) {
        c.out.error(err.cachingYesNeedsOptin());
        return;
      }
    } else if (is(argv[2], 'no')) {
      if (!t.optout) {
        c.out.error(err.cachingNoNeedsOptout());
        return;
      }
    } else {
      c.out.error(err.syntax());
      return;
    }
    t.caching = true;
    c.out.ok();
  },

  // CLIENT GETREDIR: the REDIRECT id, 0 without one, -1 when tracking is off.
  'client|getredir'(c) {
    c.out.int(c.tracking === null ? -1 : c.tracking.redirect);
  },

  // CLIENT TRACKINGINFO: flags (a set), redirect, prefixes (in byte order).
  'client|trackinginfo'(c) {
    const t = c.tracking;
    const out = c.out;
    out.map(3);
    out.bulk('flags');
    if (t === null) {
      out.set(1);
      out.bulk('off');
    } else {
      const flags = ['on'];
      if (t.bcast) flags.push('bcast');
      if (t.optin) flags.push('optin');
      if (t.optin && t.caching) flags.push('caching-yes');
      if (t.optout) flags.push('optout');
      if (t.optout && t.caching) flags.push('caching-no');
      if (t.noloop) flags.push('noloop');
      if (t.brokenRedirect) flags.push('broken_redirect');
      out.set(flags.length);
      for (const f of flags) out.bulk(f);
    }
    out.bulk('redirect');
    out.int(t === null ? -1 : t.redirect);
    out.bulk('prefixes');
    const prefixes = t?.prefixes === null || t === null ? [] : [...t.prefixes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    out.bulks(prefixes);
  },
  // CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends the wait of a client blocked on keys (blocking.ts).
  // A client postponed by CLIENT PAUSE is not blocked on keys: 0 (redis-server 7.0.15 crashes).
  'client|unblock'(c, argv, server) {
    if (argv.length > 4) {
      c.out.error(err.subcommandSyntax(argv[1]!, 'client'));
      return;
    }
    const id = parseInteger(argv[2]!);
    if (id === null) {
      c.out.error(err.notInteger());
      return;
    }
    let withError = false;
    if (argv.length === 4) {
      if (is(argv[3], 'error')) withError = true;
      else if (!is(argv[3], 'timeout')) {
        c.out.error(err.unblockReason());
        return;
      }
    }
    const target = server.clients.get(id);
    c.out.int(target !== undefined && server.blocking.unblock(target, withError) ? 1 : 0);
  },
};
