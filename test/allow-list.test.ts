// allow-from: parsing, matching (IPv4, IPv6, IPv4-mapped), and the folded refusal log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AllowList, parseAllowFrom } from '../src/security/allow-list.js';
import { Logger } from '../src/server/log.js';
import { ConfigFileError, loadConfigText } from '../src/config/loader.js';

function list(value: string, intervalMs = 60_000): { a: AllowList; lines: string[] } {
  const log = new Logger();
  const lines: string[] = [];
  log.file = '/dev/null';
  log.sink = (l) => lines.push(l);
  const a = new AllowList(log, intervalMs);
  a.set(value);
  return { a, lines };
}

test('parseAllowFrom accepts addresses and CIDR blocks of both families, and names the first bad word', () => {
  assert.deepEqual(parseAllowFrom('  10.0.5.20   10.0.6.0/24 fd00::/8 ::1/128 '), { ok: true, value: '10.0.5.20 10.0.6.0/24 fd00::/8 ::1' });
  assert.deepEqual(parseAllowFrom(''), { ok: true, value: '' });
  for (const bad of ['10.0.0.256', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', 'fd00::/129', 'localhost', '10.0.0.0/8/8']) {
    assert.deepEqual(parseAllowFrom(`127.0.0.1 ${bad}`), { ok: false, error: `invalid address or CIDR block '${bad}'` }, bad);
  }
});

test('matching: blocks, single addresses, IPv4-mapped IPv6 peers, unknown peers; empty allows all', () => {
  const { a } = list('10.0.5.20 192.168.0.0/16 fd00::/8');
  assert.equal(a.allows('10.0.5.20'), true);
  assert.equal(a.allows('10.0.5.21'), false);
  assert.equal(a.allows('192.168.44.1'), true);
  assert.equal(a.allows('::ffff:192.168.1.1'), true);
  assert.equal(a.allows('::ffff:10.0.5.21'), false);
  assert.equal(a.allows('fd12::1'), true);
  assert.equal(a.allows('fe80::1'), false);
  assert.equal(a.allows(undefined), false);
  a.set('');
  assert.equal(a.allows('203.0.113.9'), true);
  assert.throws(() => a.set('nonsense'), /invalid address/);
});

test('a flood of refusals is logged as one line per address, then one folded count per interval', () => {
  const { a, lines } = list('127.0.0.1', 60_000);
  for (let i = 0; i < 100; i++) a.refused('10.9.9.9', i);
  a.refused('10.8.8.8', 5);
  assert.equal(a.rejected, 101);
  assert.deepEqual(
    lines.map((l) => l.replace(/^.* # /, '')),
    ['Refused connection from 10.9.9.9: not in allow-from (127.0.0.1)', 'Refused connection from 10.8.8.8: not in allow-from (127.0.0.1)'],
  );
  a.tick(30_000);
  assert.equal(lines.length, 2);
  a.tick(60_100);
  assert.equal(lines.length, 3);
  assert.match(lines[2]!, /Refused 99 more connection\(s\) from 10\.9\.9\.9 in the last 60s: not in allow-from/);
  // A quiet address is forgotten: its next refusal is logged in full again.
  a.tick(200_000);
  a.refused('10.9.9.9', 200_001);
  assert.match(lines[lines.length - 1]!, /Refused connection from 10\.9\.9\.9: not in allow-from/);
});

test('an IPv6 entry covering IPv4-mapped addresses is refused unless the IPv4 entries admit them; families match apart', () => {
  const broad = (e: string) =>
    `allow-from entry '${e}' covers the IPv4-mapped addresses ::ffff:0:0/96, but IPv4 clients are admitted by IPv4 entries only: ` +
    `write '0.0.0.0/0 ${e}' if both IPv4 and IPv6 clients are meant, or list the IPv4 blocks to admit`;
  assert.deepEqual(parseAllowFrom('::/0'), { ok: false, error: broad('::/0') });
  assert.deepEqual(parseAllowFrom('10.0.0.0/8 ::/0'), { ok: false, error: broad('::/0') }, 'IPv4 entries must admit all of it');
  assert.deepEqual(parseAllowFrom('fd00::/8 ::/80'), { ok: false, error: broad('::/80') });
  assert.deepEqual(parseAllowFrom('::ffff:10.0.0.0/104'), {
    ok: false,
    error: "allow-from entry '::ffff:10.0.0.0/104' is an IPv4-mapped block, but IPv4 clients are admitted by IPv4 entries only: write it as '10.0.0.0/8'",
  });
  assert.deepEqual(parseAllowFrom('::ffff:10.1.2.3'), {
    ok: false,
    error: "allow-from entry '::ffff:10.1.2.3' is an IPv4-mapped block, but IPv4 clients are admitted by IPv4 entries only: write it as '10.1.2.3'",
  });
  for (const good of ['0.0.0.0/0 ::/0', '::/0 0.0.0.0/1 128.0.0.0/1', '::/81', '8000::/1', '10.0.0.0/8 ::ffff:10.0.0.0/104', '::1 fd00::/8']) {
    assert.equal(parseAllowFrom(good).ok, true, good);
  }
  assert.throws(() => list('::/0'), /'::\/0' covers the IPv4-mapped addresses/);
  // A config file names the line.
  assert.throws(() => loadConfigText('port 7000\nallow-from ::/0\n', 'redoubt.conf'), (e: unknown) => {
    assert.ok(e instanceof ConfigFileError);
    assert.equal(e.report(), `Reading the configuration file, at redoubt.conf:2\n>>> 'allow-from ::/0'\n${broad('::/0')}`);
    return true;
  });

  // Both spelled out: every client of both families.
  const all = list('0.0.0.0/0 ::/0').a;
  for (const peer of ['203.0.113.9', '::ffff:203.0.113.9', '2001:db8::1', '::1']) assert.equal(all.allows(peer), true, peer);
  // An IPv6 block never admits an IPv4 client, however it arrives.
  const v6 = list('10.0.0.0/8 ::/81').a;
  assert.equal(v6.allows('::1'), true);
  assert.equal(v6.allows('10.1.1.1'), true);
  assert.equal(v6.allows('::ffff:10.1.1.1'), true);
  assert.equal(v6.allows('11.1.1.1'), false);
  assert.equal(v6.allows('::ffff:11.1.1.1'), false);
});
