// File descriptors: the process may hold `ulimit -n` of them. Every client is one, and the server
// needs more for its listeners, the AOF and RDB files, the log and Node's own handles. As Redis
// does at start-up, maxclients is lowered to what the limit allows after a reserve, and logged, so
// that the excess connections are refused with an error instead of the server running out of
// descriptors. (Node already raises the soft limit to the hard limit when it starts; a process
// cannot go beyond the hard limit, so there is nothing more to ask the OS for.)
import { readFileSync, readdirSync } from 'node:fs';

/** Descriptors kept free beyond those open at start-up: listeners, persistence files, logs (Redis keeps 32). */
export const RESERVED_FDS = 32;

/** The soft RLIMIT_NOFILE from /proc/self/limits, or null where it cannot be read. */
export function openFilesLimit(): number | null {
  try {
    const text = readFileSync('/proc/self/limits', 'latin1');
    const m = /^Max open files\s+(\S+)/m.exec(text);
    if (m === null || m[1] === 'unlimited') return null;
    const n = Number(m[1]);
    return Number.isSafeInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** Descriptors open now (0 where /proc is not there). */
export function openFileCount(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

/** How many clients `limit` descriptors allow when `inUse` are already open: what the reserve leaves. */
export function clientsAllowed(limit: number, inUse: number): number {
  return Math.max(1, limit - inUse - RESERVED_FDS);
}
