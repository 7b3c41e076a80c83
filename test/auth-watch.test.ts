// AUTH failure watching: one line per failure up to the limit, folded summaries per window, one
// spike warning per sustained attack; never the password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthWatch } from '../src/security/auth-watch.js';
import { Logger } from '../src/server/log.js';
import { RawConn, startServer } from './helpers.js';

function watch(logLimit: number, intervalSec: number, spikeThreshold: number) {
  const log = new Logger();
  const lines: string[] = [];
  log.file = '/dev/null';
  log.sink = (l) => lines.push(l);
  return { w: new AuthWatch(log, { logLimit, intervalSec, spikeThreshold }), lines };
}

test('failures past the limit are folded into one summary per window, naming sources and users', () => {
  const { w, lines } = watch(3, 60, 0);
  for (let i = 0; i < 10; i++) w.failure(1000 + i, i < 8 ? '10.0.0.1:5000' : '10.0.0.2:6000', i % 2 ? 'admin' : 'root');
  assert.equal(lines.filter((l) => l.includes('AUTH failed for user')).length, 3);
  assert.equal(lines.length, 3, 'nothing more until the window ends');
  w.tick(1000 + 59_000);
  assert.equal(lines.length, 3, 'the window is not over yet');
  w.tick(1000 + 60_000);
  assert.equal(lines.length, 4);
  assert.match(lines[3]!, /7 more failed authentications in the last 60 s not logged one by one \(auth-failure-log-limit 3\), from 10\.0\.0\.1 \(5\), 10\.0\.0\.2 \(2\); users: '(admin|root)', '(admin|root)'/);
  // A new window logs one by one again.
  w.failure(200_000, '10.0.0.3:1', 'x');
  assert.match(lines[4]!, /AUTH failed for user 'x' from 10\.0\.0\.3:1/);
  w.tick(500_000);
  assert.equal(lines.length, 5, 'no summary when nothing was folded');
});

test('a spike raises one warning, again only after a calm window', () => {
  const { w, lines } = watch(0, 10, 50);
  const spikes = () => lines.filter((l) => l.includes('Possible password-guessing attack')).length;
  let now = 0;
  for (let win = 0; win < 3; win++) {
    for (let i = 0; i < 60; i++) w.failure(now + i * 100, `192.168.1.${i % 3}:40000`, 'default');
    now += 10_000;
    w.tick(now);
  }
  assert.equal(spikes(), 1, 'a sustained attack warns once');
  assert.match(lines.find((l) => l.includes('attack'))!, /50 failed authentications in 5 s \(auth-failure-spike-threshold 50\), from 192\.168\.1\.\d \(17\), /);
  for (let i = 0; i < 5; i++) w.failure(now + i, '192.168.1.9:1', 'default');
  now += 10_000;
  w.tick(now);
  for (let i = 0; i < 50; i++) w.failure(now + i, '192.168.1.9:1', 'default');
  assert.equal(spikes(), 2, 'a new spike after a calm window warns again');
});

test('a quiet window with no failures at all re-arms the spike warning', () => {
  for (const cron of [true, false]) {
    const { w, lines } = watch(0, 10, 50);
    const spikes = () => lines.filter((l) => l.includes('Possible password-guessing attack')).length;
    const burst = (from: number) => {
      for (let i = 0; i < 60; i++) w.failure(from + i * 100, '203.0.113.7:40000', 'default');
    };
    burst(0);
    assert.equal(spikes(), 1);
    // The window [0, 10 s) ends; a pause shorter than a window is not a quiet window.
    if (cron) w.tick(10_000);
    burst(15_000);
    assert.equal(spikes(), 1, `${cron ? 'cron' : 'no cron'}: a pause shorter than a window keeps the warning raised`);
    // The window [15 s, 25 s) ends; nothing happens during [25 s, 35 s).
    if (cron) for (let t = 25_000; t <= 40_000; t += 1000) w.tick(t);
    burst(40_000);
    assert.equal(spikes(), 2, `${cron ? 'cron' : 'no cron'}: a new attack after a quiet window warns again`);
  }
});

test('the server folds AUTH failures by its config directives and never logs the password', async () => {
  const t = await startServer({ requirepass: 'right', 'auth-failure-log-limit': '2', 'auth-failure-spike-threshold': '5' });
  const c = await RawConn.connect(t.port);
  try {
    for (let i = 0; i < 6; i++) assert.match(await c.call('AUTH', `secret-guess-${i}`), /^-WRONGPASS/);
    assert.equal(t.logs.filter((l) => l.includes('AUTH failed for user')).length, 2);
    assert.equal(t.logs.filter((l) => l.includes('Possible password-guessing attack: 5 failed authentications')).length, 1);
    assert.ok(!t.logs.some((l) => l.includes('secret-guess')));
    assert.equal(await c.call('AUTH', 'right'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'GET', 'auth-failure-log-interval'), '*2\r\n$25\r\nauth-failure-log-interval\r\n$2\r\n60\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'auth-failure-log-limit', '100'), '+OK\r\n');
    assert.equal(t.server.authWatch.settings.logLimit, 100);
  } finally {
    c.close();
    await t.close();
  }
});
