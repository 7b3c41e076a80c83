// express-session with connect-redis (v9, on a node-redis client) against Redoubt, behind a real
// Express 5 server on 127.0.0.1: a login creates a session and its cookie, the cookie brings the
// session back, the session lives in Redoubt as `sess:<id>` with the cookie's TTL, touching and
// rolling sessions renew that TTL, logout deletes the key, and the store's SCAN-based listing works.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { createClient } from 'redis';
import { RedisStore } from 'connect-redis';
import { startServer, type RedoubtServer } from '../../src/embed/index.js';
import { pollUntil } from '../helpers.js';

// express and express-session ship no type declarations (and @types/* are not installed): load
// them through require and describe the little the test uses.
interface Session {
  user?: string;
  views?: number;
  destroy(cb: (err?: unknown) => void): void;
}
type Req = IncomingMessage & { session: Session; sessionID: string; query: Record<string, string> };
type Res = ServerResponse & { json(body: unknown): void; send(body: string): void };
interface App {
  use(mw: unknown): void;
  get(path: string, fn: (req: Req, res: Res) => void): void;
  post(path: string, fn: (req: Req, res: Res) => void): void;
  listen(port: number, host: string, cb: () => void): HttpServer;
}
const require = createRequire(import.meta.url);
const express = require('express') as () => App;
const session = require('express-session') as (opts: Record<string, unknown>) => unknown;

const SECRET = 'ecosystem-test-secret';
const MAX_AGE_MS = 60_000;

let srv: RedoubtServer;
/** The node-redis client and store of the protocol (RESP2, RESP3) under test. */
let client: ReturnType<typeof createClient>;
let store: RedisStore;
const clients: ReturnType<typeof createClient>[] = [];
const http: HttpServer[] = [];

/** An Express app with sessions in Redoubt, listening on a free loopback port; returns its base URL. */
async function app(options: { rolling?: boolean } = {}): Promise<string> {
  const a = express();
  a.use(session({ store, secret: SECRET, resave: false, saveUninitialized: false, rolling: options.rolling ?? false, cookie: { maxAge: MAX_AGE_MS } }));
  a.post('/login', (req, res) => {
    req.session.user = req.query.user ?? 'nobody';
    req.session.views = 0;
    res.json({ sid: req.sessionID });
  });
  a.get('/me', (req, res) => {
    if (req.session.user !== undefined) req.session.views = (req.session.views ?? 0) + 1;
    res.json({ user: req.session.user ?? null, views: req.session.views ?? null });
  });
  a.get('/peek', (req, res) => res.json({ user: req.session.user ?? null }));
  a.post('/logout', (req, res) => req.session.destroy((err) => res.send(err ? 'error' : 'bye')));
  const server = await new Promise<HttpServer>((resolve) => {
    const s = a.listen(0, '127.0.0.1', () => resolve(s));
  });
  http.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  srv = await startServer();
});

after(async () => {
  for (const s of http) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  for (const c of clients) c.destroy();
  await srv?.stop();
});

interface Reply {
  status: number;
  body: Record<string, unknown> | string;
  /** The `connect.sid` cookie the server set, if any ("name=value"). */
  cookie: string | undefined;
  setCookie: string | undefined;
}

async function request(url: string, method: 'GET' | 'POST', cookie?: string): Promise<Reply> {
  const res = await fetch(url, { method, headers: cookie ? { cookie } : {} });
  // The body is read to its end: express-session saves or touches the session before it ends it.
  const text = await res.text();
  const setCookie = res.headers.get('set-cookie') ?? undefined;
  let body: Reply['body'] = text;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { status: res.status, body, cookie: setCookie?.split(';')[0], setCookie };
}

/** The session ID inside a signed `connect.sid=s:<id>.<signature>` cookie. */
function sidOf(cookie: string): string {
  const m = /^connect\.sid=s%3A([^.]+)\./.exec(cookie);
  assert.ok(m, `unexpected cookie ${cookie}`);
  return m[1]!;
}

async function sessionKeys(): Promise<string[]> {
  return (await client.keys('sess:*')).sort();
}

for (const RESP of [2, 3] as const) {
  describe(`node-redis over RESP${RESP}`, () => {
    before(async () => {
      client = createClient({ socket: { host: srv.host, port: srv.port, reconnectStrategy: false }, RESP });
      clients.push(client);
      client.on('error', () => {});
      await client.connect();
      await client.flushDb();
      store = new RedisStore({ client });
    });

  describe('express-session with connect-redis', () => {
    let base: string;
    before(async () => {
      base = await app();
      await client.flushDb();
    });

    it('an anonymous visit stores nothing and sets no cookie (saveUninitialized: false)', async () => {
      const r = await request(`${base}/me`, 'GET');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { user: null, views: null });
      assert.equal(r.setCookie, undefined);
      assert.deepEqual(await sessionKeys(), []);
    });

    it('login creates the session in Redoubt with the cookie TTL; the cookie brings it back', async () => {
      const login = await request(`${base}/login?user=alice`, 'POST');
      assert.ok(login.cookie, 'a session cookie is set');
      assert.match(login.setCookie!, /HttpOnly/);
      const sid = sidOf(login.cookie);
      assert.equal((login.body as { sid: string }).sid, sid);

      const key = `sess:${sid}`;
      assert.deepEqual(await sessionKeys(), [key]);
      const stored = JSON.parse((await client.get(key))!) as { user: string; views: number; cookie: { originalMaxAge: number; expires: string } };
      assert.equal(stored.user, 'alice');
      assert.equal(stored.views, 0);
      assert.equal(stored.cookie.originalMaxAge, MAX_AGE_MS);
      const ttl = await client.ttl(key);
      assert.ok(ttl > 55 && ttl <= 60, `ttl ${ttl}`);

      // The cookie brings the same session back, and changes are written to Redoubt.
      assert.deepEqual((await request(`${base}/me`, 'GET', login.cookie)).body, { user: 'alice', views: 1 });
      assert.deepEqual((await request(`${base}/me`, 'GET', login.cookie)).body, { user: 'alice', views: 2 });
      assert.equal((JSON.parse((await client.get(key))!) as { views: number }).views, 2);

      // A forged signature or an unknown ID gets no session.
      const forged = login.cookie.replace(/\.[^.]+$/, '.forged');
      assert.deepEqual((await request(`${base}/me`, 'GET', forged)).body, { user: null, views: null });
      await client.del(key);
      assert.deepEqual((await request(`${base}/me`, 'GET', login.cookie)).body, { user: null, views: null });
    });

    it('an unmodified request touches the session: its TTL is renewed', async () => {
      const login = await request(`${base}/login?user=bob`, 'POST');
      const key = `sess:${sidOf(login.cookie!)}`;
      assert.equal(await client.expire(key, 5), 1);
      const before = await client.get(key);
      const r = await request(`${base}/peek`, 'GET', login.cookie);
      assert.deepEqual(r.body, { user: 'bob' });
      assert.equal(r.setCookie, undefined, 'not rolling: no new cookie');
      const ttl = await client.ttl(key);
      assert.ok(ttl > 55 && ttl <= 60, `touched ttl ${ttl}`);
      assert.equal(await client.get(key), before, 'touch changes only the TTL');
    });

    it('a session whose key expires in Redoubt is gone', async () => {
      const login = await request(`${base}/login?user=carol`, 'POST');
      const key = `sess:${sidOf(login.cookie!)}`;
      assert.equal(await client.pExpire(key, 50), 1);
      await pollUntil('the session key to expire', async () => ((await client.exists(key)) === 0 ? true : undefined));
      assert.deepEqual((await request(`${base}/me`, 'GET', login.cookie)).body, { user: null, views: null });
    });

    it('logout destroys the session: the key is deleted', async () => {
      const login = await request(`${base}/login?user=dave`, 'POST');
      const key = `sess:${sidOf(login.cookie!)}`;
      assert.equal(await client.exists(key), 1);
      const out = await request(`${base}/logout`, 'POST', login.cookie);
      assert.equal(out.body, 'bye');
      assert.equal(await client.exists(key), 0);
      assert.deepEqual((await request(`${base}/me`, 'GET', login.cookie)).body, { user: null, views: null });
    });

    it('the store lists, reads all and clears sessions (SCAN, MGET, DEL), leaving other keys', async () => {
      await client.flushDb();
      await client.set('not-a-session', 'x');
      const sids: string[] = [];
      for (const user of ['u1', 'u2', 'u3']) sids.push(sidOf((await request(`${base}/login?user=${user}`, 'POST')).cookie!));
      assert.equal(await store.length(), 3);
      assert.deepEqual(((await store.ids()) as string[]).sort(), [...sids].sort());
      const all = (await store.all()) as { id: string; user: string }[];
      assert.deepEqual(all.map((s) => `${s.id}=${s.user}`).sort(), sids.map((sid, i) => `${sid}=u${i + 1}`).sort());
      await store.clear();
      assert.deepEqual(await sessionKeys(), []);
      assert.equal(await client.get('not-a-session'), 'x');
    });
  });

  describe('express-session with rolling sessions', () => {
    it('every response re-sets the cookie and renews the TTL in Redoubt', async () => {
      const base = await app({ rolling: true });
      const login = await request(`${base}/login?user=erin`, 'POST');
      const key = `sess:${sidOf(login.cookie!)}`;
      const firstExpires = Date.parse(/Expires=([^;]+)/.exec(login.setCookie!)![1]!);
      assert.equal(await client.expire(key, 5), 1);
      // Cookie Expires has a one-second resolution: wait until a renewed cookie would differ.
      await pollUntil('the clock to move a second', async () => (Date.now() >= firstExpires - MAX_AGE_MS + 1000 ? true : undefined));
      const r = await request(`${base}/peek`, 'GET', login.cookie);
      assert.deepEqual(r.body, { user: 'erin' });
      assert.ok(r.setCookie, 'rolling: the cookie is set again');
      assert.equal(r.cookie, login.cookie, 'same session');
      assert.ok(Date.parse(/Expires=([^;]+)/.exec(r.setCookie)![1]!) > firstExpires, 'a later Expires');
      const ttl = await client.ttl(key);
      assert.ok(ttl > 55 && ttl <= 60, `renewed ttl ${ttl}`);
    });
  });
  });
}
