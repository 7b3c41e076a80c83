// Certificate identity: the common name of a verified client certificate, read from the DER bytes
// with node-forge's ASN.1 reader, so that no printer escapes, truncates or re-encodes it.
import { Buffer } from 'node:buffer';
import type forge from 'node-forge';
import { lazyRequire } from '../lazy.js';

const forgeLib = lazyRequire<typeof forge>('node-forge');

const CN_OID = '2.5.4.3';

/** String types whose content bytes are the text (UTF-8 or a subset of it). */
const TEXT_TYPES = new Set<number>([
  12, // UTF8String
  19, // PrintableString
  22, // IA5String
  26, // VisibleString
]);

export type CommonName = { ok: true; name: string } | { ok: false; reason: string };

/**
 * The subject CN of a DER certificate, as a latin1 string of its bytes (the form ACL user names
 * take). SECURITY: refuses, never truncates or escapes, a name with NUL, control bytes or DEL, a
 * subject with no CN or more than one, and string types other than UTF8/Printable/IA5/Visible.
 */
export function certificateCommonName(der: Buffer): CommonName {
  let root: forge.asn1.Asn1;
  try {
    root = forgeLib().asn1.fromDer(forgeLib().util.createBuffer(der.toString('latin1')), true);
  } catch (e) {
    return { ok: false, reason: `unreadable certificate (${(e as Error).message})` };
  }
  const tbs = children(root)[0];
  if (tbs === undefined) return { ok: false, reason: 'unreadable certificate' };
  const fields = children(tbs);
  // tbsCertificate: [0] version (optional), serial, signature, issuer, validity, subject, ...
  const first = fields[0];
  const at = first !== undefined && first.tagClass === forgeLib().asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const subject = fields[at + 4];
  if (subject === undefined) return { ok: false, reason: 'certificate has no subject' };
  const found: forge.asn1.Asn1[] = [];
  for (const rdn of children(subject)) {
    for (const atv of children(rdn)) {
      const [oid, value] = children(atv);
      if (oid === undefined || value === undefined || typeof oid.value !== 'string') continue;
      if (forgeLib().asn1.derToOid(oid.value) === CN_OID) found.push(value);
    }
  }
  if (found.length === 0) return { ok: false, reason: 'certificate subject has no CN' };
  if (found.length > 1) return { ok: false, reason: 'certificate subject has more than one CN' };
  const v = found[0]!;
  if (!TEXT_TYPES.has(v.type) || typeof v.value !== 'string') return { ok: false, reason: `CN has an unsupported string type (${v.type})` };
  const name = v.value;
  if (name === '') return { ok: false, reason: 'CN is empty' };
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return { ok: false, reason: `CN contains a ${c === 0 ? 'NUL' : 'control'} byte at offset ${i}` };
  }
  return { ok: true, name };
}

function children(node: forge.asn1.Asn1): forge.asn1.Asn1[] {
  return Array.isArray(node.value) ? node.value : [];
}

/** A name as it may appear in a log line: non-printable bytes as \xNN, at most 128 bytes. */
export function printableName(s: string): string {
  let out = '';
  for (let i = 0; i < s.length && i < 128; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x20 && c < 0x7f && c !== 0x5c ? s[i] : '\\x' + c.toString(16).padStart(2, '0');
  }
  return s.length > 128 ? out + '...' : out;
}
