// Known Redis CVEs by version: a short table of facts checked against the Redis security
// advisories and release notes (the CVE record, the advisory's "fixed in" versions). Fewer
// entries that are certainly right beat a long list: this is a reminder to upgrade, not a scanner.
// A distribution may backport a fix without changing the version number; each finding says so.

export interface Cve {
  id: string;
  /** What it allows, in a few words. */
  summary: string;
  /** Remote code execution (high) or less (medium). */
  rce: boolean;
  /** First affected version; '0' when every earlier version is affected. */
  introduced: string;
  /** The fixed release of each maintained line, oldest line first. */
  fixed: string[];
}

export const REDIS_CVES: readonly Cve[] = [
  {
    id: 'CVE-2022-24834',
    summary: 'a crafted Lua script overflows the heap in the cjson/cmsgpack libraries (authenticated users who may run scripts)',
    rce: true,
    introduced: '2.6.0',
    fixed: ['6.0.20', '6.2.13', '7.0.12'],
  },
  {
    id: 'CVE-2023-28856',
    summary: 'HINCRBYFLOAT can create an invalid hash field that crashes the server on access (authenticated users)',
    rce: false,
    introduced: '6.0.0',
    fixed: ['6.0.19', '6.2.12', '7.0.11'],
  },
  {
    id: 'CVE-2023-45145',
    summary: 'the unix socket listens before its permissions are set: a local process may connect during start-up (only with unixsocket and a permissive umask)',
    rce: false,
    introduced: '2.6.0',
    fixed: ['6.2.14', '7.0.14', '7.2.2'],
  },
  {
    id: 'CVE-2024-31228',
    summary: 'very long match patterns (KEYS, SCAN, PSUBSCRIBE, ACL rules ...) recurse without bound and crash the server (authenticated users)',
    rce: false,
    introduced: '0',
    fixed: ['6.2.16', '7.2.6', '7.4.1'],
  },
  {
    id: 'CVE-2024-31449',
    summary: 'a crafted Lua script overflows the stack in the bit library (authenticated users who may run scripts)',
    rce: true,
    introduced: '2.6.0',
    fixed: ['6.2.16', '7.2.6', '7.4.1'],
  },
  {
    id: 'CVE-2024-46981',
    summary: 'a crafted Lua script manipulates the garbage collector (use after free; authenticated users who may run scripts)',
    rce: true,
    introduced: '2.6.0',
    fixed: ['6.2.17', '7.2.7', '7.4.2'],
  },
  {
    id: 'CVE-2025-49844',
    summary: 'a crafted Lua script triggers a use after free in the parser/garbage collector (authenticated users who may run scripts)',
    rce: true,
    introduced: '2.6.0',
    fixed: ['6.2.20', '7.2.11', '7.4.6', '8.2.2'],
  },
];

/** "7.0.15" -> [7, 0, 15]; null when it is not a version. */
export function parseVersion(v: string): number[] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v.trim());
  return m === null ? null : [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i]! !== b[i]!) return a[i]! - b[i]!;
  return 0;
}

/**
 * Whether `version` is affected, and the fix to move to: affected when it is at or after
 * `introduced` and before the fixed release of its own line; a line between the fixed ones with no
 * fix of its own (an end-of-life line such as 7.0 for the 2024 fixes) is affected; a line newer
 * than every fixed one shipped with the fix.
 */
export function affects(cve: Cve, version: string): { affected: boolean; upgradeTo: string } | null {
  const v = parseVersion(version);
  if (v === null) return null;
  const fixes = cve.fixed.map((f) => parseVersion(f)!);
  const newest = cve.fixed[cve.fixed.length - 1]!;
  if (cve.introduced !== '0' && compareVersions(v, parseVersion(cve.introduced)!) < 0) return { affected: false, upgradeTo: '' };
  const sameLine = fixes.findIndex((f) => f[0] === v[0] && f[1] === v[1]);
  if (sameLine >= 0) {
    const affected = compareVersions(v, fixes[sameLine]!) < 0;
    return { affected, upgradeTo: cve.fixed[sameLine]! };
  }
  const last = fixes[fixes.length - 1]!;
  if (compareVersions(v, last) > 0) return { affected: false, upgradeTo: '' };
  // No fix in this line: the first fixed release of a newer line.
  const next = cve.fixed.find((_f, i) => compareVersions(fixes[i]!, v) > 0) ?? newest;
  return { affected: true, upgradeTo: next };
}
