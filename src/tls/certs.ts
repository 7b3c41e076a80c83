// `redoubt certs <dir>`: a CA, a server certificate and client certificates for people who have
// none yet. Keys come from Node's crypto (RSA 2048); the X.509 structures from node-forge.
import { Buffer } from 'node:buffer';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import type forge from 'node-forge';
import { lazyRequire } from '../lazy.js';

const forgeLib = lazyRequire<typeof forge>('node-forge');

export interface CertOptions {
  /** Subject alternative names of the server certificate (DNS names or IP addresses). */
  hosts: string[];
  /** Client certificate names; each is the CN (the ACL user name for certificate login). */
  clients: string[];
  /** Validity in days (default 365; the CA gets ten times as long). */
  days?: number;
  /** Validity start (default now); tests use it for expired and not-yet-valid certificates. */
  notBefore?: Date;
}

export interface KeyPairPem {
  cert: string;
  key: string;
}

export const DEFAULT_HOSTS = ['localhost', '127.0.0.1'];

/** A fresh RSA key pair: [forge private key, forge public key, PKCS#8 PEM of the private key]. */
function newKeys(): { priv: forge.pki.rsa.PrivateKey; pub: forge.pki.rsa.PublicKey; pem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const priv = forgeLib().pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  const pub = forgeLib().pki.setRsaPublicKey(priv.n, priv.e);
  return { priv, pub, pem };
}

/** A positive serial number of 16 random bytes, hex. */
function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

function validity(cert: forge.pki.Certificate, notBefore: Date, days: number): void {
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = new Date(notBefore.getTime() + days * 86400_000);
}

/** A CA certificate (self-signed, may sign certificates only). */
export function makeCa(opts: { days?: number; notBefore?: Date; cn?: string } = {}): KeyPairPem & { forgeKey: forge.pki.rsa.PrivateKey; forgeCert: forge.pki.Certificate } {
  const k = newKeys();
  const cert = forgeLib().pki.createCertificate();
  cert.publicKey = k.pub;
  cert.serialNumber = serial();
  validity(cert, opts.notBefore ?? new Date(Date.now() - 60_000), opts.days ?? 3650);
  const subject = [
    { shortName: 'O', value: 'Redoubt' },
    // A random tag keeps CAs made on different runs apart (same-name CAs in one bundle confuse verification).
    { shortName: 'CN', value: opts.cn ?? `Redoubt Certificate Authority ${randomBytes(4).toString('hex')}` },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(k.priv, forgeLib().md.sha256.create());
  return { cert: forgeLib().pki.certificateToPem(cert), key: k.pem, forgeKey: k.priv, forgeCert: cert };
}

/**
 * A certificate signed by `ca`. `cn` is the common name, written as a UTF8String (any character,
 * NUL and control characters included, so tests can make hostile names). `hosts` become subject alternative names
 * (server certificates); without hosts the certificate is a client certificate.
 */
export function makeLeaf(
  ca: { forgeKey: forge.pki.rsa.PrivateKey; forgeCert: forge.pki.Certificate },
  cn: string,
  opts: { hosts?: string[]; days?: number; notBefore?: Date } = {},
): KeyPairPem {
  const k = newKeys();
  const cert = forgeLib().pki.createCertificate();
  cert.publicKey = k.pub;
  cert.serialNumber = serial();
  validity(cert, opts.notBefore ?? new Date(Date.now() - 60_000), opts.days ?? 365);
  cert.setSubject([
    { shortName: 'O', value: 'Redoubt' },
    { shortName: 'CN', value: cn, valueTagClass: forgeLib().asn1.Type.UTF8 as unknown as forge.asn1.Class },
  ]);
  cert.setIssuer(ca.forgeCert.subject.attributes);
  const server = opts.hosts !== undefined && opts.hosts.length > 0;
  const ext: object[] = [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: server, clientAuth: true },
    { name: 'subjectKeyIdentifier' },
  ];
  if (server) {
    ext.push({
      name: 'subjectAltName',
      altNames: opts.hosts!.map((h) => (isIP(h) !== 0 ? { type: 7, ip: h } : { type: 2, value: h })),
    });
  }
  cert.setExtensions(ext);
  cert.sign(ca.forgeKey, forgeLib().md.sha256.create());
  return { cert: forgeLib().pki.certificateToPem(cert), key: k.pem };
}

/**
 * Replaces `file` with `text` without ever changing the existing file: the text goes to a fresh
 * file in the same directory, which is then renamed over `file`. A process holding the old file
 * open keeps reading the old contents, a symbolic link at `file` is replaced rather than written
 * through, and a crash leaves the old file or the new one, never half of one.
 */
export function replaceFile(file: string, text: string, mode: number, exactMode: boolean): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  // SECURITY: O_EXCL: a new file of our own (never an existing file or a planted link), created
  // with the final mode so a key is never readable by others, not even for a moment.
  const fd = openSync(tmp, 'wx', mode);
  try {
    try {
      // The umask may only have narrowed the mode; keys get exactly 0600 whatever it is.
      if (exactMode) fchmodSync(fd, mode);
      const data = Buffer.from(text, 'latin1');
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or gone
    }
    throw e;
  }
  try {
    const d = openSync(path.dirname(file), 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  } catch {
    // Best effort: some file systems do not sync directories.
  }
}

/** A client name must be usable as a file name and as an ACL user name. */
export function checkClientName(name: string): string | null {
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name) || name === '.' || name === '..') {
    return `invalid client name '${name}': use 1-64 letters, digits, '.', '_', '@' or '-'`;
  }
  if (name === 'ca' || name === 'server') return `invalid client name '${name}': ${name}.crt is written already`;
  return null;
}

/** Writes ca.crt/ca.key, server.crt/server.key and NAME.crt/NAME.key into `dir`; returns the files written. */
export function writeCerts(dir: string, opts: CertOptions): string[] {
  for (const c of opts.clients) {
    const bad = checkClientName(c);
    if (bad !== null) throw new Error(bad);
  }
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const written: string[] = [];
  const put = (name: string, pair: KeyPairPem) => {
    const crt = path.join(dir, `${name}.crt`);
    const key = path.join(dir, `${name}.key`);
    replaceFile(crt, pair.cert, 0o644, false);
    // SECURITY: a private key is readable by its owner only (mode 0600).
    replaceFile(key, pair.key, 0o600, true);
    written.push(crt, key);
  };
  const nb = opts.notBefore;
  const ca = makeCa(nb === undefined ? {} : { notBefore: nb });
  put('ca', ca);
  const hosts = opts.hosts.length > 0 ? opts.hosts : DEFAULT_HOSTS;
  const leafOpts = (extra: { hosts?: string[] }) => ({ ...extra, ...(opts.days === undefined ? {} : { days: opts.days }), ...(nb === undefined ? {} : { notBefore: nb }) });
  put('server', makeLeaf(ca, hosts[0]!, leafOpts({ hosts })));
  for (const c of opts.clients) put(c, makeLeaf(ca, c, leafOpts({})));
  return written;
}

export const CERTS_USAGE = `Usage: redoubt certs <dir> [--host NAME-OR-IP ...] [--client NAME ...] [--days N]

Writes into <dir>:
  ca.crt, ca.key            a new certificate authority
  server.crt, server.key    the server certificate, for the names given by --host
                            (default: localhost and 127.0.0.1)
  NAME.crt, NAME.key        a client certificate per --client NAME (its CN is NAME, the ACL
                            user it logs in as with tls-auth-clients-user CN)
Private keys are written with mode 0600. Existing files of those names are replaced: each new
file is written beside them and renamed over the old one, never written into it.
`;

/** `redoubt certs ...`: returns the exit code. */
export function certsCommand(args: string[], out: (s: string) => void, errOut: (s: string) => void): number {
  let dir: string | null = null;
  const hosts: string[] = [];
  const clients: string[] = [];
  let days: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--help' || a === '-h') {
      out(CERTS_USAGE);
      return 0;
    }
    if (a === '--host' || a === '--client' || a === '--days') {
      const v = args[++i];
      if (v === undefined || v === '') {
        errOut(`${a} needs a value\n${CERTS_USAGE}`);
        return 1;
      }
      if (a === '--host') hosts.push(v);
      else if (a === '--client') clients.push(v);
      else {
        if (!/^[1-9]\d{0,4}$/.test(v)) {
          errOut(`--days needs a whole number of days from 1 to 99999, not '${v}'\n`);
          return 1;
        }
        days = Number(v);
      }
      continue;
    }
    if (a.startsWith('-') || dir !== null) {
      errOut(`unexpected argument '${a}'\n${CERTS_USAGE}`);
      return 1;
    }
    dir = a;
  }
  if (dir === null) {
    errOut(CERTS_USAGE);
    return 1;
  }
  try {
    const files = writeCerts(dir, { hosts, clients, ...(days === undefined ? {} : { days }) });
    out(files.map((f) => `wrote ${f}\n`).join(''));
    return 0;
  } catch (e) {
    errOut(`redoubt certs: ${(e as Error).message}\n`);
    return 1;
  }
}
