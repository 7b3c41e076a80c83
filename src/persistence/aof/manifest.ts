// The AOF manifest (appendonly.aof.manifest) of Redis 7.0's multi-part layout: one line per file,
// `file <name> seq <n> type <b|h|i>`, base first, then history, then incremental files in
// sequence order. Names that need it are quoted as Redis's sdscatrepr does.
import { reprArg, splitArgs } from '../../protocol/parser.js';

export { splitArgs };

/** b: the base (an AOF or RDB snapshot); i: incremental; h: history (awaiting deletion). */
export type AofFileType = 'b' | 'h' | 'i';

export interface AofFileInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export interface Manifest {
  base: AofFileInfo | null;
  incrs: AofFileInfo[];
  history: AofFileInfo[];
}

export class ManifestError extends Error {}

/** Longest manifest line Redis accepts (its MANIFEST_MAX_LINE). */
const MAX_LINE = 1024;

export function emptyManifest(): Manifest {
  return { base: null, incrs: [], history: [] };
}

/** The manifest as Redis writes it. */
export function formatManifest(m: Manifest): string {
  let out = '';
  const line = (f: AofFileInfo): string => `file ${quoteName(f.name)} seq ${f.seq} type ${f.type}\n`;
  if (m.base !== null) out += line(m.base);
  for (const h of m.history) out += line(h);
  for (const i of m.incrs) out += line(i);
  return out;
}

/**
 * Parses a manifest; throws ManifestError naming the line for anything Redis would refuse
 * (and for file names with a path separator: the files live in the AOF directory only).
 */
export function parseManifest(text: string): Manifest {
  const m = emptyManifest();
  const lines = text.split('\n');
  // A final line without a newline is still a line; the empty string after the last \n is not.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let lastIncr = 0;
  let n = 0;
  for (const raw of lines) {
    n++;
    if (raw.length > MAX_LINE) throw new ManifestError(`The AOF manifest file is invalid format (line ${n} is too long)`);
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('#')) continue;
    const words = splitArgs(line);
    if (words === null) throw new ManifestError(`Invalid AOF manifest file format (unbalanced quotes, line ${n})`);
    if (words.length < 6 || words.length % 2 !== 0) throw new ManifestError(`Invalid AOF manifest file format (line ${n})`);
    let name: string | null = null;
    let seq: number | null = null;
    let type: string | null = null;
    for (let i = 0; i < words.length; i += 2) {
      const k = words[i]!;
      const v = words[i + 1]!;
      if (k === 'file') name = v;
      else if (k === 'seq') {
        if (!/^[0-9]{1,15}$/.test(v)) throw new ManifestError(`Invalid AOF manifest file format (bad seq '${v}', line ${n})`);
        seq = Number(v);
      } else if (k === 'type') type = v;
      // Other keys are ignored, as Redis does (room for future fields).
    }
    if (name === null || seq === null || type === null) throw new ManifestError(`Invalid AOF manifest file format (line ${n})`);
    // SECURITY: a manifest names files inside the AOF directory only; no path may escape it.
    if (name === '' || name.includes('/') || name.includes('\\') || name === '.' || name === '..' || name.includes('\0')) {
      throw new ManifestError(`Invalid AOF file name '${name}' in the manifest (line ${n})`);
    }
    const info: AofFileInfo = { name, seq, type: type as AofFileType };
    if (type === 'b') {
      if (m.base !== null) throw new ManifestError(`Found duplicate base file information (line ${n})`);
      m.base = info;
    } else if (type === 'h') {
      m.history.push(info);
    } else if (type === 'i') {
      if (seq <= lastIncr) throw new ManifestError(`Found a non-monotonic sequence number (line ${n})`);
      lastIncr = seq;
      m.incrs.push(info);
    } else {
      throw new ManifestError(`Unknown AOF file type '${type}' (line ${n})`);
    }
  }
  if (m.base === null && m.incrs.length === 0 && m.history.length === 0) throw new ManifestError('Found an empty AOF manifest');
  return m;
}

/** True when a name must be quoted (Redis's sdsneedsrepr). */
function needsQuote(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 0x22 || c === 0x27 || c === 0x5c) return true;
  }
  return s.length === 0;
}

function quoteName(s: string): string {
  return needsQuote(s) ? `"${reprArg(s)}"` : s;
}

