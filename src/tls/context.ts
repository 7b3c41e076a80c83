// TLS material from the tls-* directives: files read and checked (readable, parseable, key
// matching certificate, validity dates, passphrase), protocols, ciphers and client-certificate
// mode turned into tls.Server options. Every failure names the directive, the file and the problem.
import { Buffer } from 'node:buffer';
import { constants as C, createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { Config } from '../config/config.js';

/** The tls-* directives whose change rebuilds the TLS context. */
export const TLS_CONTEXT_CONFIGS = [
  'tls-cert-file', 'tls-key-file', 'tls-key-file-pass', 'tls-ca-cert-file', 'tls-ca-cert-dir', 'tls-auth-clients',
  'tls-protocols', 'tls-ciphers', 'tls-ciphersuites', 'tls-prefer-server-ciphers', 'tls-session-caching',
  'tls-session-cache-timeout', 'tls-dh-params-file',
];

export class TlsConfigError extends Error {}

export type ClientAuth = 'yes' | 'no' | 'optional';

export interface TlsMaterial {
  /** Options for a tls.Server (secure context plus client-certificate mode). */
  options: tls.TlsOptions;
  clientAuth: ClientAuth;
  /** Every file read, with a digest of its content, and "dir:" + the CA directory with a digest of its listing (auto-reload compares them). */
  files: Map<string, string>;
  /** The server certificate's subject and expiry, for the log. */
  summary: string;
}

const PROTOCOLS: Record<string, tls.SecureVersion> = {
  tlsv1: 'TLSv1',
  'tlsv1.1': 'TLSv1.1',
  'tlsv1.2': 'TLSv1.2',
  'tlsv1.3': 'TLSv1.3',
};
const ORDER: tls.SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const NO_FLAG: Record<string, number> = {
  TLSv1: C.SSL_OP_NO_TLSv1,
  'TLSv1.1': C.SSL_OP_NO_TLSv1_1,
  'TLSv1.2': C.SSL_OP_NO_TLSv1_2,
  'TLSv1.3': C.SSL_OP_NO_TLSv1_3,
};

/** tls-protocols: "" is TLS 1.2 and 1.3; otherwise the words given (Redis's names, any case). */
export function parseProtocols(raw: string): { min: tls.SecureVersion; max: tls.SecureVersion; secureOptions: number } {
  const words = raw.split(/\s+/).filter(Boolean);
  const wanted = new Set<tls.SecureVersion>();
  for (const w of words) {
    const v = PROTOCOLS[w.toLowerCase()];
    if (v === undefined) throw new TlsConfigError("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
    wanted.add(v);
  }
  if (wanted.size === 0) {
    wanted.add('TLSv1.2');
    wanted.add('TLSv1.3');
  }
  const list = ORDER.filter((v) => wanted.has(v));
  const min = list[0]!;
  const max = list[list.length - 1]!;
  let secureOptions = 0;
  // A gap (TLSv1.1 and TLSv1.3 without TLSv1.2) is switched off inside the range.
  for (let i = ORDER.indexOf(min); i <= ORDER.indexOf(max); i++) if (!wanted.has(ORDER[i]!)) secureOptions |= NO_FLAG[ORDER[i]!]!;
  return { min, max, secureOptions };
}

/** tls-ciphersuites (TLS 1.3) and tls-ciphers (TLS 1.2 and below) as one OpenSSL cipher string. */
export function cipherString(ciphers: string, suites: string): string {
  const defaults = tls.DEFAULT_CIPHERS.split(':');
  const d13 = defaults.filter((c) => c.startsWith('TLS_')).join(':');
  const d12 = defaults.filter((c) => !c.startsWith('TLS_')).join(':');
  return `${suites === '' ? d13 : suites}:${ciphers === '' ? d12 : ciphers}`;
}

function digest(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return (e as Error).message;
}

function readFile(directive: string, file: string, files: Map<string, string>): Buffer {
  let b: Buffer;
  try {
    b = readFileSync(file);
  } catch (e) {
    throw new TlsConfigError(`${directive} ${file}: cannot read it (${why(e)})`);
  }
  files.set(file, digest(b));
  return b;
}

/** The PEM certificate blocks in a buffer. */
function pemCertificates(b: Buffer): string[] {
  return b.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function when(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

/** Reads and checks the files the tls-* directives name; throws TlsConfigError naming the file and the problem. */
export function loadTlsMaterial(config: Config, now: number = Date.now()): TlsMaterial {
  const files = new Map<string, string>();
  const certFile = config.str('tls-cert-file');
  const keyFile = config.str('tls-key-file');
  if (certFile === '') throw new TlsConfigError('tls-cert-file is not set: a TLS port needs a server certificate');
  if (keyFile === '') throw new TlsConfigError('tls-key-file is not set: a TLS port needs the private key of tls-cert-file');
  const certPem = readFile('tls-cert-file', certFile, files);
  const keyPem = readFile('tls-key-file', keyFile, files);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (e) {
    throw new TlsConfigError(`tls-cert-file ${certFile}: not a PEM certificate (${(e as Error).message})`);
  }
  const pass = config.str('tls-key-file-pass');
  let key: KeyObject;
  try {
    key = createPrivateKey(pass === '' ? { key: keyPem } : { key: keyPem, passphrase: pass });
  } catch (e) {
    const msg = (e as Error).message;
    const encrypted = /ENCRYPTED/.test(keyPem.toString('latin1'));
    if (encrypted) {
      throw new TlsConfigError(
        pass === ''
          ? `tls-key-file ${keyFile}: the private key is encrypted and tls-key-file-pass is not set`
          : `tls-key-file ${keyFile}: cannot decrypt the private key with tls-key-file-pass (wrong passphrase?)`,
      );
    }
    throw new TlsConfigError(`tls-key-file ${keyFile}: not a PEM private key (${msg})`);
  }
  if (!cert.checkPrivateKey(key)) throw new TlsConfigError(`tls-key-file ${keyFile} does not match the certificate in tls-cert-file ${certFile}`);
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now < from.getTime()) throw new TlsConfigError(`tls-cert-file ${certFile}: the certificate is not valid yet (not before ${when(from)})`);
  if (now > to.getTime()) throw new TlsConfigError(`tls-cert-file ${certFile}: the certificate expired on ${when(to)}`);

  const clientAuth = config.str('tls-auth-clients') as ClientAuth;
  const ca: string[] = [];
  const caFile = config.str('tls-ca-cert-file');
  const caDir = config.str('tls-ca-cert-dir');
  if (caFile !== '') {
    const certs = pemCertificates(readFile('tls-ca-cert-file', caFile, files));
    if (certs.length === 0) throw new TlsConfigError(`tls-ca-cert-file ${caFile}: no PEM certificate in it`);
    ca.push(...certs);
  }
  if (caDir !== '') {
    let names: string[];
    try {
      names = readdirSync(caDir).sort();
    } catch (e) {
      throw new TlsConfigError(`tls-ca-cert-dir ${caDir}: cannot read the directory (${why(e)})`);
    }
    // The listing too: a certificate added to the directory is a change auto-reload picks up.
    files.set(DIR_PREFIX + caDir, digest(Buffer.from(names.join('\n'))));
    for (const n of names) {
      const f = path.join(caDir, n);
      try {
        if (!statSync(f).isFile()) continue;
      } catch {
        continue;
      }
      ca.push(...pemCertificates(readFile('tls-ca-cert-dir', f, files)));
    }
    if (caFile === '' && ca.length === 0) throw new TlsConfigError(`tls-ca-cert-dir ${caDir}: no PEM certificate in it`);
  }
  for (const c of ca) {
    try {
      new X509Certificate(c);
    } catch (e) {
      throw new TlsConfigError(`${caFile !== '' ? `tls-ca-cert-file ${caFile}` : `tls-ca-cert-dir ${caDir}`}: a certificate in it cannot be read (${(e as Error).message})`);
    }
  }
  if (clientAuth !== 'no' && ca.length === 0) {
    throw new TlsConfigError('Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!');
  }

  const proto = parseProtocols(config.str('tls-protocols'));
  const caching = config.bool('tls-session-caching');
  const options: tls.TlsOptions = {
    cert: certPem,
    // Decrypted once here, so the passphrase is not needed again.
    key: key.export({ type: 'pkcs8', format: 'pem' }),
    minVersion: proto.min,
    maxVersion: proto.max,
    ciphers: cipherString(config.str('tls-ciphers'), config.str('tls-ciphersuites')),
    honorCipherOrder: config.bool('tls-prefer-server-ciphers'),
    secureOptions: proto.secureOptions | (caching ? 0 : C.SSL_OP_NO_TICKET),
    requestCert: clientAuth !== 'no',
    rejectUnauthorized: clientAuth === 'yes',
    handshakeTimeout: 30_000,
  };
  if (caching) {
    options.sessionTimeout = Math.max(1, config.num('tls-session-cache-timeout'));
    options.sessionIdContext = 'redoubt';
  }
  if (ca.length > 0) options.ca = ca;
  const dhFile = config.str('tls-dh-params-file');
  if (dhFile !== '') options.dhparam = readFile('tls-dh-params-file', dhFile, files);
  // Building the context checks what remains: cipher strings, DH parameters, protocol bounds.
  try {
    tls.createSecureContext(options);
  } catch (e) {
    const msg = (e as Error).message;
    if (/cipher/i.test(msg)) throw new TlsConfigError(`Failed to configure ciphers (tls-ciphers '${config.str('tls-ciphers')}', tls-ciphersuites '${config.str('tls-ciphersuites')}'): ${msg}`);
    if (dhFile !== '' && /dh/i.test(msg)) throw new TlsConfigError(`tls-dh-params-file ${dhFile}: ${msg}`);
    throw new TlsConfigError(`cannot build the TLS context: ${msg}`);
  }
  return { options, clientAuth, files, summary: `${cert.subject.replace(/\n/g, ', ')}, valid until ${when(to)}` };
}

const DIR_PREFIX = 'dir:';

/** True when a file of `m` has changed (or vanished), or the CA directory's listing has, since it was read. */
export function materialChanged(m: TlsMaterial): boolean {
  for (const [f, d] of m.files) {
    try {
      const now = f.startsWith(DIR_PREFIX) ? Buffer.from(readdirSync(f.slice(DIR_PREFIX.length)).sort().join('\n')) : readFileSync(f);
      if (digest(now) !== d) return true;
    } catch {
      return true;
    }
  }
  return false;
}
