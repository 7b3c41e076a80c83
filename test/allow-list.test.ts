// allow-from: parsing, matching (IPv4, IPv6, IPv4-mapped), and the folded refusal log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AllowList, parseAllowFrom } from '../src/security/allow-list.js';
import { Logger } from '../src/server/log.js';

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
