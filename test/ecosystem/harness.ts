// What the job-queue library tests (Bull, BullMQ) share: one Redoubt per test file, and every
// library object a test opens closed after it, with any error the library reported through an
// 'error' event failing the test (none may pass unnoticed).
import { after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RedoubtServer } from '../../src/embed/index.js';

interface Closable {
  close(): Promise<unknown>;
  on(event: 'error', listener: (e: Error) => void): unknown;
}

export interface Harness {
  /** The file's server (started before its first test). */
  server(): RedoubtServer;
  /** Registers a library object: its errors are collected, it is closed after the test. */
  track<T extends Closable>(o: T, what: string): T;
}

/** Installs the hooks; `library` names the library in the failure message. */
export function libraryHarness(library: string): Harness {
  let srv: RedoubtServer | undefined;
  let open: Closable[] = [];
  const errors: string[] = [];
  before(async () => {
    srv = await startServer();
  });
  afterEach(async () => {
    // The last opened first (workers stop fetching before their queues close).
    const all = open.reverse();
    open = [];
    for (const o of all) await o.close().catch((e: Error) => errors.push(`close: ${e.message}`));
    assert.deepEqual(errors.splice(0), [], `${library} reported errors`);
  });
  after(async () => {
    for (const o of open) await o.close().catch(() => {});
    await srv?.stop();
  });
  return {
    server: () => srv!,
    track(o, what) {
      o.on('error', (e: Error) => errors.push(`${what}: ${e.message}`));
      open.push(o);
      return o;
    },
  };
}
