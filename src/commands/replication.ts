// Replication, the master's side: SYNC, PSYNC and REPLCONF (what a replica sends), ROLE and WAIT.
// The replicas and the stream live in server/replication.ts. Redoubt is never a replica:
// REPLICAOF/SLAVEOF and FAILOVER answer that they are not supported.
import { err } from '../errors.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { parseInteger, parseMsTimeout } from './args.js';
import { inTransaction } from './transactions.js';
import type { HandlerMap } from './types.js';

/** SYNC / PSYNC: the connection becomes a replica (nothing happens for one that already is). */
function sync(c: Client, server: Server, psync: boolean): void {
  if (c.replica !== null) return;
  if (c.out.len > 0) {
    c.out.error(err.syncPendingOutput());
    return;
  }
  server.replication.attach(c, psync);
}

export const replicationCommands: HandlerMap = {
  sync(c, _argv, server) {
    sync(c, server, false);
  },

  // PSYNC replicationid offset: always a full resynchronisation (no backlog is kept).
  psync(c, _argv, server) {
    sync(c, server, true);
  },

  // REPLCONF option value [option value ...]
  replconf(c, argv, server) {
    if (argv.length % 2 === 0) {
      c.out.error(err.syntax());
      return;
    }
    const link = c.replica;
    for (let i = 1; i < argv.length; i += 2) {
      const opt = argv[i]!.toLowerCase();
      const val = argv[i + 1]!;
      if (opt === 'ack' || opt === 'fack') {
        // From a replica, no reply; from anyone else, ignored (and no reply either), as in Redis.
        if (opt === 'ack') {
          const off = parseInteger(val);
          if (link !== null && off !== null) server.replication.acked(c, off);
        }
        return;
      }
      if (opt === 'getack') {
        // Only a master asks this of its replica: Redoubt is never a replica.
        return;
      }
      if (opt === 'listening-port') {
        const port = parseInteger(val);
        if (port === null) {
          c.out.error(err.notInteger());
          return;
        }
        c.replicaPort = port;
      } else if (opt === 'ip-address') {
        c.replicaIp = val;
      } else if (opt !== 'capa' && opt !== 'rdb-only' && opt !== 'rdb-filter-only') {
        c.out.error(err.replconfOption(argv[i]!));
        return;
      }
    }
    c.out.ok();
  },

  // ROLE: "master", the offset, then [ip, port, acknowledged offset] per replica.
  role(c, _argv, server) {
    const r = server.replication;
    const online = [...r.replicas].filter((x) => x.replica!.phase === 'online');
    c.out.array(3);
    c.out.bulk('master');
    c.out.int(r.offset);
    c.out.array(online.length);
    for (const x of online) {
      c.out.array(3);
      c.out.bulk(r.ip(x));
      c.out.bulk(String(x.replicaPort));
      c.out.bulk(String(x.replica!.ackOffset));
    }
  },

  // WAIT numreplicas timeout: the number of replicas that acknowledged every write made so far,
  // once numreplicas did or the timeout (ms, 0: none) passed, with or without replicas. Inside
  // EXEC or a script it does not block, as in Redis.
  wait(c, argv, server) {
    const want = parseInteger(argv[1]!);
    if (want === null) {
      c.out.error(err.notInteger());
      return;
    }
    const timeout = parseMsTimeout(c, argv[2]!);
    if (timeout === null) return;
    const r = server.replication;
    const offset = r.offset;
    const now = r.ackedAt(offset);
    if (now >= want || inTransaction(c)) {
      c.out.int(now);
      return;
    }
    c.deferReply(r.waitFor(c, offset, want, timeout).then(() => () => c.out.int(r.ackedAt(offset))));
  },

  replicaof(c) {
    c.out.error(err.replicaofUnsupported());
  },

  slaveof(c) {
    c.out.error(err.replicaofUnsupported());
  },

  failover(c) {
    c.out.error(err.failoverUnsupported());
  },
};
