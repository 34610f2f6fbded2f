// `carbonio tls selfSigned <hostname> <dir> [days N] [force true]`: a self-signed certificate and key
// for trying HTTPS and STARTTLS out before a real certificate exists (made with the `selfsigned`
// library, not hand-written ASN.1). Writes <dir>/cert.pem and <dir>/key.pem (0600) and prints the two
// environment variables that use them. Runs locally: no server is needed.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { generate } from 'selfsigned';
import { isValidDomain } from '../config.js';
import { positional, UsageError } from './args.js';
import { defineCommand, type Command } from './command.js';
import { formatTree, joinLines } from './format.js';

const DEFAULT_DAYS = 365;

export const tlsCommands: readonly Command[] = [
  defineCommand('tls', {
    name: 'selfSigned', positionals: ['hostname', 'dir'],
    keys: [{ name: 'days', value: '<n>' }, { name: 'force', value: 'true|false' }],
    summary: 'write a self-signed certificate (cert.pem) and key (key.pem, 0600) for <hostname> into <dir>, for testing',
  }, async (_api, a, usage) => {
    const hostname = positional(a, 'hostname').toLowerCase();
    const ip = net.isIP(hostname) !== 0;
    if (!ip && hostname !== 'localhost' && !isValidDomain(hostname)) throw new UsageError(`not a host name or IP address: "${hostname}"`, usage);
    const days = Number(a.options.get('days') ?? DEFAULT_DAYS);
    if (!Number.isInteger(days) || days < 1 || days > 3650) throw new UsageError('days must be a whole number from 1 to 3650', usage);
    const dir = path.resolve(positional(a, 'dir'));
    const certFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    const force = a.options.get('force') === 'true';
    for (const f of [certFile, keyFile]) {
      if (!force && fs.existsSync(f)) throw new UsageError(`${f} exists; give force true to replace it`, usage);
    }
    const notAfter = new Date(Date.now() + days * 86_400_000);
    const pem = await generate([{ name: 'commonName', value: hostname }], {
      keySize: 2048, algorithm: 'sha256', notAfterDate: notAfter,
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        // Clients check the subjectAltName, not the common name (RFC 6125).
        { name: 'subjectAltName', altNames: [ip ? { type: 7, ip: hostname } : { type: 2, value: hostname }] },
      ],
    });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // The key is written 0600 from its first byte (no window where it is readable by others).
    fs.writeFileSync(keyFile, pem.private, { mode: 0o600 });
    fs.chmodSync(keyFile, 0o600);
    fs.writeFileSync(certFile, pem.cert, { mode: 0o644 });
    const cert = new X509Certificate(pem.cert);
    const out = { hostname, certFile, keyFile, serial: cert.serialNumber, fingerprint256: cert.fingerprint256, validTo: cert.validTo };
    const text = joinLines([
      ...formatTree(out),
      '',
      'Use it with:',
      `  CARBONIO_TLS_CERT_FILE=${certFile}`,
      `  CARBONIO_TLS_KEY_FILE=${keyFile}`,
      'Phones and mail clients will warn about a self-signed certificate: use a real one for production.',
    ]);
    return { json: out, text };
  }),
];
