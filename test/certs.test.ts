// `redoubt certs` replaces existing files by renaming fresh ones over them: a process holding the
// old key open keeps its old contents, keys are 0600 whatever the umask or the old file's mode, a
// planted symbolic link is replaced (not written through) and no temporary file is left behind.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, closeSync, lstatSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { certsCommand } from '../src/tls/certs.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'redoubt-certs-'));
  dirs.push(d);
  return d;
}

function certs(dir: string): void {
  let err = '';
  const code = certsCommand([dir, '--client', 'alice'], () => {}, (t) => (err += t));
  assert.equal(code, 0, err);
}

function readFd(fd: number): string {
  const buf = Buffer.alloc(64 * 1024);
  const n = readSync(fd, buf, 0, buf.length, 0);
  return buf.subarray(0, n).toString('latin1');
}

describe('redoubt certs over existing files', () => {
  it('writes each file anew and renames it over the old one: new inode, keys 0600, old readers keep the old key', () => {
    const dir = tmp();
    certs(dir);
    const keyFile = path.join(dir, 'server.key');
    const before = statSync(keyFile);
    const oldKey = readFileSync(keyFile, 'latin1');
    // A loosened old key file must not lend its mode to the new one.
    chmodSync(keyFile, 0o644);
    const fd = openSync(keyFile, 'r');
    const umask = process.umask(0o000);
    try {
      certs(dir);
      const now = statSync(keyFile);
      assert.notEqual(now.ino, before.ino, 'the key file is a new file');
      assert.equal(now.mode & 0o777, 0o600);
      const newKey = readFileSync(keyFile, 'latin1');
      assert.notEqual(newKey, oldKey);
      assert.match(newKey, /^-----BEGIN PRIVATE KEY-----/);
      assert.equal(readFd(fd), oldKey, 'a process holding the old file reads the old key, never the new one');
      for (const n of ['ca', 'server', 'alice']) {
        assert.equal(statSync(path.join(dir, `${n}.key`)).mode & 0o777, 0o600, `${n}.key`);
      }
    } finally {
      process.umask(umask);
      closeSync(fd);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['alice.crt', 'alice.key', 'ca.crt', 'ca.key', 'server.crt', 'server.key'], 'no temporary file is left');
  });

  it('replaces a symbolic link at a key path instead of writing through it', () => {
    const dir = tmp();
    const elsewhere = path.join(tmp(), 'victim');
    writeFileSync(elsewhere, 'do not overwrite\n', { mode: 0o644 });
    symlinkSync(elsewhere, path.join(dir, 'ca.key'));
    certs(dir);
    assert.equal(readFileSync(elsewhere, 'latin1'), 'do not overwrite\n');
    const st = lstatSync(path.join(dir, 'ca.key'));
    assert.ok(st.isFile() && !st.isSymbolicLink());
    assert.equal(st.mode & 0o777, 0o600);
  });
});
