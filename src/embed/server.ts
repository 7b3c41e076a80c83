// The embedding API: `import { startServer } from 'redoubt'` starts a server inside the calling
// Node process, on a free loopback port, in a temporary directory, and `stop()` takes it all away.
//
// In-process, not a child: a child process pays Node's start and the module loading again (about
// half a second on a small machine) where an embedded server starts in milliseconds once the module
// is loaded. Each server is its own Server object (its own databases, users, config, cron timer and
// listeners; of the server, nothing is kept in module state), so several run side by side. What it costs the host:
// the server's work runs on the host's event loop, each command between two of the host's own
// callbacks, plus a cron tick every 1/hz seconds (10 per second by default). A test suite's
// commands take microseconds; a KEYS over a million keys blocks the host as long as it blocks
// the server. The host's working directory is never changed: relative paths in `config` are taken
// from the host's working directory, except the RDB and AOF names, which live in `dir`.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfigLines, ConfigFileError, quote } from '../config/loader.js';
import { createServer, openServer, StartError } from '../start.js';
import { Logger, type LogLevel } from '../server/log.js';
import type { Server } from '../server/server.js';
import { makeCa, makeLeaf, DEFAULT_HOSTS, type KeyPairPem } from '../tls/certs.js';

/** A config value as it follows the directive's name on a redis.conf line; an array gives one line each. */
export type ConfigValue = string | number | boolean;

export interface TlsFiles {
  /** The server's certificate and key (PEM files). */
  cert: string;
  key: string;
  /** The CA that signs client certificates (needed with tls-auth-clients yes, the default). */
  ca?: string;
}

export interface StartOptions {
  /** TCP port; 0 (the default) picks a free one. With `tls` and no `port`, plain TCP is off. */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  bind?: string;
  /** Any directive: name -> value as written after the name in redis.conf (`{ save: '' }`, `{ user: ['app on >pw ~* +@all'] }`). */
  config?: Record<string, ConfigValue | readonly ConfigValue[]>;
  /** A redis.conf to read first; `config` and the options above are applied after it. */
  configFile?: string;
  /** TLS: certificate files, or `true` for throw-away ones (a CA, a server and a client certificate) made in `dir`. */
  tls?: boolean | TlsFiles;
  /** TLS port; 0 (the default) picks a free one. */
  tlsPort?: number;
  /** Where the RDB, AOF and generated certificates go; by default a temporary directory, removed by stop(). */
  dir?: string;
  /** Log level (loglevel directive). */
  logLevel?: LogLevel;
  /** Receives each log line; without it (and without a logfile directive) nothing is logged. */
  logger?: (line: string) => void;
}

/** What a client needs to connect over the generated TLS (ioredis `tls`, node-redis `socket`). */
export interface ClientTls {
  ca: string;
  cert: string;
  key: string;
}

export interface RedoubtServer extends AsyncDisposable {
  readonly host: string;
  /** The port clients connect to: the TCP port, or the TLS port when plain TCP is off. */
  readonly port: number;
  /** redis://host:port, or rediss://host:port when the server listens on TLS only. */
  readonly url: string;
  /** The TLS port, or null without TLS. */
  readonly tlsPort: number | null;
  readonly dir: string;
  /** With `tls: true`: the CA and a client certificate (CN "client") signed by it, as PEM text. */
  readonly clientTls: ClientTls | null;
  /** The server object itself (in-process): for what no command offers. Not a stable API. */
  readonly server: Server;
  /** Closes every connection and listener (a final save only when save points are configured); removes a temporary dir. */
  stop(): Promise<void>;
}

/** Starts a server in this process. Rejects with the reason when the config or a port is refused. */
export async function startServer(options: StartOptions = {}): Promise<RedoubtServer> {
  const host = options.bind ?? '127.0.0.1';
  const ownDir = options.dir === undefined;
  const dir = path.resolve(options.dir ?? mkdtempSync(path.join(tmpdir(), 'redoubt-')));
  try {
    const picks = (p: number | undefined) => p === undefined || p === 0;
    const picked = ((options.tls ?? false) === false || options.port !== undefined ? picks(options.port) : false) || ((options.tls ?? false) !== false && picks(options.tlsPort));
    // A port picked free can be taken before it is listened on: then another is picked.
    for (let attempt = 1; ; attempt++) {
      try {
        return await startOnce(options, host, dir, ownDir);
      } catch (e) {
        if (!(e instanceof StartError) || !/EADDRINUSE/.test(e.message) || !picked || attempt >= 5) throw e;
      }
    }
  } catch (e) {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function startOnce(options: StartOptions, host: string, dir: string, ownDir: boolean): Promise<RedoubtServer> {
  const lines: string[] = [];
  const put = (name: string, value: ConfigValue) => lines.push(`${name} ${configText(value)}`);
  // Paths are one argument whatever they hold (spaces, quotes, backslashes).
  const putPath = (name: string, p: string) => lines.push(`${name} ${quote(p)}`);
  const tls = options.tls ?? false;
  const plain = tls === false || options.port !== undefined;
  // Without a config file: no save points and no AOF (a throw-away server), unless `config` says so.
  if (options.configFile === undefined) {
    put('save', '');
    put('appendonly', 'no');
  }
  put('bind', host);
  putPath('dir', dir);
  put('daemonize', 'no');
  put('port', plain ? await portFor(options.port, host) : 0);
  let clientTls: ClientTls | null = null;
  if (tls !== false) {
    let files: TlsFiles = tls as TlsFiles;
    if (tls === true) {
      const made = throwAwayCerts(dir, host);
      files = made;
      clientTls = made.client;
    }
    put('tls-port', await portFor(options.tlsPort, host));
    putPath('tls-cert-file', path.resolve(files.cert));
    putPath('tls-key-file', path.resolve(files.key));
    if (files.ca !== undefined) putPath('tls-ca-cert-file', path.resolve(files.ca));
  }
  if (options.logLevel !== undefined) put('loglevel', options.logLevel);
  for (const [name, value] of Object.entries(options.config ?? {})) {
    if (Array.isArray(value)) for (const v of value as readonly ConfigValue[]) put(name, v);
    else put(name, value as ConfigValue);
  }
  let loaded;
  try {
    loaded = loadConfigLines(options.configFile ?? null, lines, 'startServer options');
  } catch (e) {
    if (e instanceof ConfigFileError) throw new Error(`Redoubt refused its configuration: ${e.report()}`);
    throw e;
  }
  const log = new Logger();
  const logfile = loaded.config.str('logfile');
  log.file = logfile;
  log.console = logfile !== '';
  if (options.logger !== undefined) log.sink = options.logger;
  const server = createServer(loaded, log);
  let stopped: Promise<void> | null = null;
  const cleanUp = () => {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  // SHUTDOWN from a client ends this server, never the host process.
  server.onShutdown = () => {
    stopped ??= Promise.resolve();
    cleanUp();
  };
  try {
    await openServer(server, loaded);
  } catch (e) {
    await server.close();
    const msg = e instanceof StartError ? e.message : (e as Error).message;
    throw e instanceof StartError ? new StartError(`Redoubt did not start: ${msg}`) : e;
  }
  const config = loaded.config;
  const tcpPort = config.num('port');
  const tlsPort = config.num('tls-port');
  const port = tcpPort !== 0 ? tcpPort : tlsPort;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  // What ends a redoubt process (an AOF write failing with appendfsync always) ends this server:
  // its clients are dropped before any reply of the failed write goes out, and it stops.
  server.onFatal = () => {
    for (const c of server.clients.values()) c.socket.destroy();
    void stop();
  };
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      // A failed final save is reported; the server closes anyway (the host decided to stop it).
      if (server.prepareShutdown() !== null) server.log.warning('stop(): closing without the final save');
      await server.shutdown().catch(() => server.close());
      cleanUp();
    })();
    return stopped;
  };
  return {
    host,
    port,
    url: `${tcpPort !== 0 ? 'redis' : 'rediss'}://${shownHost}:${port}`,
    tlsPort: tlsPort !== 0 ? tlsPort : null,
    dir,
    clientTls,
    server,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** `value` as it follows a directive name on a config line ("" for an empty string, yes/no for booleans). */
function configText(value: ConfigValue): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return String(value);
  return value === '' ? '""' : value;
}

/** The port asked for, or (0, undefined) a free one on `host`. */
async function portFor(wanted: number | undefined, host: string): Promise<number> {
  if (wanted !== undefined && wanted !== 0) return wanted;
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Throw-away certificates, made once per process and host (three RSA keys cost about half a second)
 * and shared by the servers of this process: certificates are no server state, and a CA made in
 * this process signs nothing else.
 */
const throwAway = new Map<string, { ca: KeyPairPem; server: KeyPairPem; client: KeyPairPem }>();

/** A CA, a server certificate for the loopback names and `host`, and a client certificate, written to dir/tls. */
function throwAwayCerts(dir: string, host: string): TlsFiles & { ca: string; client: ClientTls } {
  const tlsDir = path.join(dir, 'tls');
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  let set = throwAway.get(host);
  if (set === undefined) {
    const ca = makeCa({ cn: `Redoubt throw-away CA ${randomBytes(4).toString('hex')}` });
    const hosts = [...new Set([...DEFAULT_HOSTS, '::1', host])];
    set = { ca, server: makeLeaf(ca, hosts[0]!, { hosts }), client: makeLeaf(ca, 'client', {}) };
    throwAway.set(host, set);
  }
  const { ca, server: srv, client } = set;
  const file = (name: string, text: string) => {
    const f = path.join(tlsDir, name);
    // SECURITY: private keys readable by their owner only.
    writeFileSync(f, text, { mode: name.endsWith('.key') ? 0o600 : 0o644 });
    return f;
  };
  return {
    ca: file('ca.crt', ca.cert),
    cert: file('server.crt', srv.cert),
    key: file('server.key', srv.key),
    client: { ca: ca.cert, cert: client.cert, key: client.key },
  };
}
