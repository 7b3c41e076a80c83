// startHardenedServer(): the hardening guide's blueprint in one call, for a project's tests to run
// against the security it has in production: TLS only with client certificates required (mutual
// TLS), the default user off, an application user limited to its keys and without @dangerous
// commands, and an admin user for the test's own set-up and clean-up.
import { randomBytes } from 'node:crypto';
import { startServer, type ClientTls, type RedoubtServer, type StartOptions } from './server.js';

export interface HardenedOptions extends Omit<StartOptions, 'tls'> {
  /** The application user's name (default "app"). */
  username?: string;
  /** Key patterns the application user may touch (default every key: ["*"]). */
  keys?: readonly string[];
  /** Further ACL rules for the application user, appended after `+@all -@dangerous`. */
  rules?: string;
  /** Certificate files instead of throw-away ones (the CA must sign the clients' certificates). */
  tls?: { cert: string; key: string; ca: string; client: ClientTls };
}

export interface Credentials {
  username: string;
  password: string;
}

export interface HardenedServer extends RedoubtServer {
  /** The application user (random password), `+@all -@dangerous` on its key patterns. */
  readonly app: Credentials;
  /** A user with every permission, for set-up and clean-up (FLUSHALL, CONFIG ...). */
  readonly admin: Credentials;
  readonly clientTls: ClientTls;
  /** ioredis options for `who` (default the application user): `new Redis(server.ioredisOptions())`. */
  ioredisOptions(who?: Credentials): { host: string; port: number; username: string; password: string; tls: ClientTls & { servername: string } };
  /** node-redis options for `who`: `createClient(server.nodeRedisOptions())`. */
  nodeRedisOptions(who?: Credentials): { url: string; username: string; password: string; socket: ClientTls & { tls: true; servername: string } };
}

export async function startHardenedServer(options: HardenedOptions = {}): Promise<HardenedServer> {
  const app: Credentials = { username: options.username ?? 'app', password: randomBytes(24).toString('hex') };
  const admin: Credentials = { username: app.username === 'admin' ? 'ops' : 'admin', password: randomBytes(24).toString('hex') };
  const keys = (options.keys ?? ['*']).map((k) => `~${k}`).join(' ');
  const users = ['default off resetpass -@all', `${app.username} on >${app.password} ${keys} &* +@all -@dangerous ${options.rules ?? ''}`.trim(), `${admin.username} on >${admin.password} ~* &* +@all`];
  const given = options.config?.['user'];
  const extra = given === undefined ? [] : Array.isArray(given) ? given : [given];
  const { tls, username: _u, keys: _k, rules: _r, ...rest } = options;
  const srv = await startServer({
    ...rest,
    ...(tls === undefined ? { tls: true } : { tls: { cert: tls.cert, key: tls.key, ca: tls.ca } }),
    config: { ...options.config, 'tls-auth-clients': 'yes', 'protected-mode': 'yes', user: [...users, ...extra] },
  });
  const clientTls = tls?.client ?? srv.clientTls!;
  const servername = 'localhost';
  return Object.assign(srv, {
    app,
    admin,
    clientTls,
    ioredisOptions: (who: Credentials = app) => ({ host: srv.host, port: srv.port, username: who.username, password: who.password, tls: { ...clientTls, servername } }),
    nodeRedisOptions: (who: Credentials = app) => ({ url: srv.url, username: who.username, password: who.password, socket: { ...clientTls, tls: true as const, servername } }),
  });
}
