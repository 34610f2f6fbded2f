// The server's certificate and key (PEM files named by CARBONIO_TLS_CERT_FILE / CARBONIO_TLS_KEY_FILE),
// shared by HTTPS, STARTTLS and implicit-TLS submission. A pair is used only once it is known to be
// whole: the certificate parses, the key parses, the key belongs to the certificate, and OpenSSL accepts
// both in a context. Reloads (SIGHUP, or a change to either file, as certbot and acme.sh make) swap the
// pair for new connections only; established connections and held Pings keep theirs. A bad new pair is
// refused with the reason in the log and the old one stays, so a half-written renewal never takes the
// listeners down (the way Stalwart and maddy reload certificates).
import { EventEmitter } from 'node:events';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { TlsFiles } from '../config.js';
import type { Logger } from '../core/logger.js';

/** What every TLS listener of ours uses: TLS 1.2 at least, Node's default (modern) cipher list. */
export const MIN_TLS_VERSION = 'TLSv1.2' as const;
/** Renewal tools write the key and the certificate one after the other: wait for both. */
const SETTLE_MS = 300;

export interface TlsPair {
  key: Buffer;
  cert: Buffer;
  /** Hex serial number of the leaf certificate, for the log and for checks. */
  serial: string;
  subject: string;
  validTo: string;
  fingerprint256: string;
}

export class TlsPairError extends Error {
  override readonly name = 'TlsPairError';
}

function read(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new TlsPairError(`cannot read the ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Reads and checks a pair; throws TlsPairError saying what is wrong with it. */
export function loadPair(files: TlsFiles): TlsPair {
  const cert = read(files.certFile, 'certificate');
  const key = read(files.keyFile, 'key');
  let leaf: X509Certificate;
  try {
    // The file is a chain, leaf first: X509Certificate reads the first PEM block.
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw new TlsPairError(`${files.certFile} is not a PEM certificate: ${(err as Error).message}`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new TlsPairError(`${files.keyFile} is not a PEM private key: ${(err as Error).message}`);
  }
  if (!leaf.checkPrivateKey(privateKey)) throw new TlsPairError(`the key in ${files.keyFile} does not belong to the certificate in ${files.certFile}`);
  try {
    tls.createSecureContext({ key, cert, minVersion: MIN_TLS_VERSION });
  } catch (err) {
    throw new TlsPairError(`OpenSSL refuses the pair: ${(err as Error).message}`);
  }
  return { key, cert, serial: leaf.serialNumber, subject: leaf.subject.replace(/\n/g, ', '), validTo: leaf.validTo, fingerprint256: leaf.fingerprint256 };
}

/**
 * The current pair, reloaded on demand and when its files change. Listeners subscribe with onChange and
 * swap their context (https.Server.setSecureContext, SMTPServer.updateSecureContext).
 */
export class TlsMaterial {
  private pair: TlsPair;
  private readonly events = new EventEmitter();
  private readonly watchers: fs.FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly files: TlsFiles, private readonly log: Logger) {
    this.pair = loadPair(files);
    this.logPair('TLS certificate loaded');
  }

  get current(): TlsPair {
    return this.pair;
  }

  onChange(listener: (pair: TlsPair) => void): void {
    this.events.on('change', listener);
  }

  /** Loads the files again; true when a new pair is now in use. A bad pair is logged and the old one kept. */
  reload(reason: string): boolean {
    let next: TlsPair;
    try {
      next = loadPair(this.files);
    } catch (err) {
      this.log.warn({ event: 'tls-reload-refused', reason, error: (err as Error).message, keptSerial: this.pair.serial }, 'new TLS certificate refused; the current one stays in use');
      return false;
    }
    if (next.fingerprint256 === this.pair.fingerprint256 && next.key.equals(this.pair.key)) {
      this.log.info({ event: 'tls-certificate', serial: next.serial, reason }, 'TLS certificate unchanged');
      return false;
    }
    this.pair = next;
    this.logPair('TLS certificate reloaded', reason);
    this.events.emit('change', next);
    return true;
  }

  /**
   * Watches the folders of both files: renewal tools replace files by rename (a new inode), which a
   * watch on the file itself would miss.
   */
  watch(): void {
    const dirs = new Set([path.dirname(this.files.certFile), path.dirname(this.files.keyFile)]);
    const names = new Set([path.basename(this.files.certFile), path.basename(this.files.keyFile)]);
    for (const dir of dirs) {
      try {
        const w = fs.watch(dir, { persistent: false }, (_event, name) => {
          if (name === null || names.has(name.toString())) this.schedule();
        });
        w.on('error', (err) => this.log.warn({ err, dir }, 'TLS file watch failed; SIGHUP still reloads'));
        this.watchers.push(w);
      } catch (err) {
        this.log.warn({ err, dir }, 'cannot watch the TLS files; SIGHUP still reloads');
      }
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
    this.events.removeAllListeners();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reload('file change');
    }, SETTLE_MS);
    this.timer.unref();
  }

  private logPair(msg: string, reason?: string): void {
    const p = this.pair;
    this.log.info({ event: 'tls-certificate', serial: p.serial, subject: p.subject, validTo: p.validTo, ...(reason ? { reason } : {}) }, msg);
    if (Date.parse(p.validTo) < Date.now()) this.log.warn({ serial: p.serial, validTo: p.validTo }, 'the TLS certificate has expired');
  }
}
