// Glob matching with Redis's semantics (util.c stringmatchlen): `*`, `?`, `[abc]`, `[^a-z]`, `\x`.
// Iterative (no recursion, CVE-2024-31228 class): on a mismatch we resume after the last `*`,
// which is exact here because every other token matches exactly one character.
// Redis details kept on purpose:
// - an empty string matches only the empty pattern (so "*" does not match ""; KEYS and SCAN
//   special-case the pattern "*" themselves);
// - range bounds and the tested byte compare as C `char`, which is signed: bytes 0x80-0xff
//   sort below 0x00 ("[a-\xff]" is the range \xff..a);
// - `\x` inside a class compares case-sensitively even with nocase;
// - an unterminated class extends to the end of the pattern; "[a-]" is the range a..].
//
// Caps, applied here so that every caller (KEYS, the SCAN family, pub/sub patterns, PUBSUB
// CHANNELS, CONFIG GET, COMMAND LIST FILTERBY PATTERN, ACL key and channel patterns) gets them;
// a pattern past a cap matches nothing, it is not an error:
// - Redis's: matching gives up (no match) on reaching the 1001st `*` group that is not at the end
//   of the pattern (stringmatchlen's nesting limit; a trailing `*` still matches);
// - Redoubt's own (SECURITY, a deliberate difference): a pattern longer than GLOB_MAX_PATTERN
//   matches nothing, which bounds the matcher's work at GLOB_MAX_PATTERN steps per string byte.

/** Patterns longer than this match nothing (Redoubt's limit; Redis has none). */
export const GLOB_MAX_PATTERN = 64 * 1024;
/** The most `*` groups matching may pass before giving up (Redis's nesting limit). */
export const GLOB_MAX_STARS = 1000;

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** A byte as a signed C char. */
function signed(c: number): number {
  return c >= 128 ? c - 256 : c;
}

/**
 * Matches one character class starting at p (just after '['). Returns the index of the
 * pattern's last consumed character (the ']' or the pattern's end) and whether it matched.
 */
function matchClass(pat: string, p: number, ch: number, nocase: boolean): [number, boolean] {
  const plen = pat.length;
  let not = false;
  if (p < plen && pat.charCodeAt(p) === 94 /* ^ */) {
    not = true;
    p++;
  }
  let match = false;
  for (;;) {
    if (p >= plen) {
      p--; // unterminated class: it ends with the pattern
      break;
    }
    const c = pat.charCodeAt(p);
    if (c === 92 /* \ */ && plen - p >= 2) {
      p++;
      if (pat.charCodeAt(p) === ch) match = true;
    } else if (c === 93 /* ] */) {
      break;
    } else if (plen - p >= 3 && pat.charCodeAt(p + 1) === 45 /* - */) {
      let start = signed(c);
      let end = signed(pat.charCodeAt(p + 2));
      let x = signed(ch);
      if (start > end) [start, end] = [end, start];
      if (nocase) {
        start = lower(start);
        end = lower(end);
        x = lower(x);
      }
      p += 2;
      if (x >= start && x <= end) match = true;
    } else if (nocase ? lower(c) === lower(ch) : c === ch) {
      match = true;
    }
    p++;
  }
  return [p, not ? !match : match];
}

export function globMatch(pat: string, str: string, nocase = false): boolean {
  const plen = pat.length;
  const slen = str.length;
  // SECURITY: the length cap bounds the work of every caller (see the module comment).
  if (plen > GLOB_MAX_PATTERN) return false;
  if (slen === 0) return plen === 0;
  let p = 0;
  let s = 0;
  let starP = -1; // pattern index just after the last '*'
  let starS = 0; // string index that '*' is currently extended to
  let stars = 0; // '*' groups passed (a mismatch only ever resumes after the last one)
  while (s < slen || p < plen) {
    if (p < plen) {
      const c = pat.charCodeAt(p);
      if (c === 42 /* * */) {
        while (p < plen && pat.charCodeAt(p) === 42) p++;
        if (p === plen) return true;
        // SECURITY: Redis's nesting limit, as it applies it: no match past it.
        if (++stars > GLOB_MAX_STARS) return false;
        starP = p;
        starS = s;
        continue;
      }
      if (s < slen) {
        const ch = str.charCodeAt(s);
        let ok: boolean;
        let np: number;
        if (c === 63 /* ? */) {
          ok = true;
          np = p + 1;
        } else if (c === 91 /* [ */) {
          const [end, m] = matchClass(pat, p + 1, ch, nocase);
          ok = m;
          np = end + 1;
        } else if (c === 92 /* \ */ && plen - p >= 2) {
          const e = pat.charCodeAt(p + 1);
          ok = nocase ? lower(e) === lower(ch) : e === ch;
          np = p + 2;
        } else {
          ok = nocase ? lower(c) === lower(ch) : c === ch;
          np = p + 1;
        }
        if (ok) {
          p = np;
          s++;
          continue;
        }
      }
    }
    // Mismatch (or one side exhausted): let the last '*' swallow one more character.
    if (starP >= 0 && starS < slen) {
      starS++;
      s = starS;
      p = starP;
      continue;
    }
    return false;
  }
  return true;
}
