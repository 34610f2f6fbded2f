// STARTTLS (IMAP, RFC 9051 section 6.2.1) and STLS (POP3, RFC 2595 section 4): the plain connection
// becomes a TLS connection in place. The session writes its go-ahead reply first (and waits for it to be
// flushed), then calls upgradeToTls. Anything the client sent after the command and before the handshake
// is thrown away (RFC 2595 section 3.1 rule 3; CVE-2011-0411): it came in clear and must not run as if it
// had come over TLS.
import tls from 'node:tls';
import type { Logger } from '../core/logger.js';
import { MIN_TLS_VERSION, type TlsMaterial } from '../tls/material.js';
import type { AccessConnection } from './connection.js';
import type { LineReader } from './line-reader.js';

/** A client that starts a handshake and stalls is dropped after this long. */
const HANDSHAKE_TIMEOUT_MS = 30_000;

/** The secure context of the current certificate, rebuilt when it changes (SIGHUP, file renewal). */
export class TlsContexts {
  private ctx: tls.SecureContext;

  constructor(material: TlsMaterial) {
    this.ctx = build(material.current);
    material.onChange((pair) => {
      this.ctx = build(pair);
    });
  }

  /** For the next STARTTLS; sessions already upgraded keep theirs. */
  get current(): tls.SecureContext {
    return this.ctx;
  }
}

function build(pair: { key: Buffer; cert: Buffer }): tls.SecureContext {
  return tls.createSecureContext({ key: pair.key, cert: pair.cert, minVersion: MIN_TLS_VERSION });
}

export type UpgradeResult =
  | { ok: true; /** Bytes sent in clear after the command, discarded. */ discarded: number }
  | { ok: false; error: string };

/**
 * Upgrades `conn` to TLS with `contexts.current`, moving `reader` onto the TLS socket. On failure the
 * connection is closed (there is no way back to clear text after a half handshake).
 */
export function upgradeToTls(conn: AccessConnection, reader: LineReader, contexts: TlsContexts, log?: Logger): Promise<UpgradeResult> {
  const discarded = reader.detach().length;
  if (discarded > 0) log?.info({ event: 'starttls-injection', conn: conn.id, remote: conn.remoteAddress, bytes: discarded }, 'bytes sent in clear after STARTTLS discarded');
  const plain = conn.socket;
  const secure = new tls.TLSSocket(plain, { isServer: true, secureContext: contexts.current });
  conn.replaceSocket(secure);
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: UpgradeResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      secure.off('secure', onSecure);
      secure.off('error', onError);
      secure.off('close', onClose);
      if (r.ok) reader.attach(secure);
      else secure.destroy();
      resolve(r);
    };
    const onSecure = (): void => finish({ ok: true, discarded });
    const onError = (err: Error): void => finish({ ok: false, error: err.message });
    const onClose = (): void => finish({ ok: false, error: 'connection closed during the TLS handshake' });
    const timer = setTimeout(() => finish({ ok: false, error: 'TLS handshake timed out' }), HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    secure.once('secure', onSecure);
    secure.on('error', onError);
    secure.once('close', onClose);
  });
}
