// The listeners of one mail-access protocol (IMAP or POP3): a plain TCP listener (STARTTLS / STLS when
// TLS is configured) and, with a certificate, an implicit-TLS listener (RFC 8314), both on
// CARBONIO_BIND_ADDRESS. A new certificate is used by the next connection and the next STARTTLS; open
// sessions keep theirs. Each accepted connection takes a per-address slot (limits.ts) or is told so and
// closed. close() stops accepting, asks every open session to end (its protocol's goodbye, or the
// session's own shutdown handler), and cuts off whoever is still there after a short drain.
//
// The PROXY protocol is not read here (SMTP's is bound to smtp-server): behind a TCP proxy every
// connection would come from the proxy's address, so keep IMAP/POP3 direct or raise the per-address limit.
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../core/logger.js';
import { MIN_TLS_VERSION, type TlsMaterial } from '../tls/material.js';
import { AccessConnection } from './connection.js';
import type { ConnectionLimits } from './limits.js';
import type { AccessProtocol } from './login.js';
import { TlsContexts } from './starttls.js';

/** How long close() waits for sessions to end after the goodbye before destroying their sockets. */
export const CLOSE_DRAIN_MS = 2_000;
/** Implicit-TLS handshakes that do not complete in this time are dropped. */
const HANDSHAKE_TIMEOUT_MS = 30_000;

export interface ListenOptions {
  protocol: AccessProtocol;
  bindAddress: string;
  /** null: no plain listener. */
  plainPort: number | null;
  /** null: no implicit-TLS listener; ignored without TLS material. */
  tlsPort: number | null;
  tls: TlsMaterial | null;
  limits: ConnectionLimits;
  log: Logger;
  /**
   * Runs one session. `starttls` is null without a certificate (do not offer STARTTLS / STLS) or on the
   * implicit-TLS listener. The connection (and its per-address slot) is released when the socket closes.
   */
  onConnection(conn: AccessConnection, starttls: TlsContexts | null): void;
  /** Written to a client refused because its address has the maximum of connections open, then closed. */
  tooManyLine: string;
  /** Written to clients still connected when the server stops, unless their session set onShutdown. */
  goodbyeLine: string;
}

export interface AccessListeners {
  /** Bound ports (useful with port 0); null when that listener is not running. */
  plainPort: number | null;
  tlsPort: number | null;
  /** Open connections, for close() and for tests. */
  readonly connections: ReadonlySet<AccessConnection>;
  close(): Promise<void>;
}

export async function startListeners(opts: ListenOptions): Promise<AccessListeners> {
  const log = opts.log;
  const contexts = opts.tls ? new TlsContexts(opts.tls) : null;
  const open = new Set<AccessConnection>();
  let closing = false;

  const accept = (socket: net.Socket, secure: boolean): void => {
    socket.on('error', () => undefined);
    // An answer is several writes (untagged lines, then the tagged one); with Nagle's algorithm on, each
    // write after the first waited for the client's delayed ACK (40 ms on Linux): SELECT and LIST took
    // 45 ms on an empty account, and an mbsync run over 8 folders 600 ms. The writes are whole lines.
    socket.setNoDelay(true);
    if (closing) {
      socket.destroy();
      return;
    }
    const conn = new AccessConnection(socket, secure);
    const lease = opts.limits.acquireAddress(conn.remoteAddress);
    if (!lease) {
      log.warn({ event: `${opts.protocol}-too-many-connections`, remote: conn.remoteAddress }, `${opts.protocol.toUpperCase()} connection refused from ${conn.remoteAddress}: too many connections from the address`);
      conn.end(opts.tooManyLine);
      return;
    }
    open.add(conn);
    void conn.whenClosed().then(() => {
      lease.release();
      open.delete(conn);
    });
    try {
      opts.onConnection(conn, secure ? null : contexts);
    } catch (err) {
      log.error({ err, conn: conn.id }, `${opts.protocol} session failed to start`);
      conn.destroy();
    }
  };

  const plain = opts.plainPort !== null ? net.createServer((s) => accept(s, false)) : null;
  const implicit = contexts && opts.tlsPort !== null && opts.tls
    ? tls.createServer({ key: opts.tls.current.key, cert: opts.tls.current.cert, minVersion: MIN_TLS_VERSION, handshakeTimeout: HANDSHAKE_TIMEOUT_MS }, (s) => accept(s, true))
    : null;
  if (implicit) {
    opts.tls?.onChange((p) => implicit.setSecureContext({ key: p.key, cert: p.cert, minVersion: MIN_TLS_VERSION }));
    // A failed handshake (a scanner, a client that distrusts the certificate) is the client's problem.
    implicit.on('tlsClientError', (err) => log.debug({ err: { message: err.message }, protocol: opts.protocol }, 'TLS handshake failed'));
  }

  let plainPort: number | null = null;
  let tlsPort: number | null = null;
  try {
    if (plain) plainPort = await listen(plain, opts.plainPort ?? 0, opts.bindAddress);
    if (implicit) tlsPort = await listen(implicit, opts.tlsPort ?? 0, opts.bindAddress);
  } catch (err) {
    await Promise.all([closeServer(plain), closeServer(implicit)]);
    throw err;
  }

  let closed: Promise<void> | null = null;
  return {
    plainPort,
    tlsPort,
    connections: open,
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = Promise.all([closeServer(plain), closeServer(implicit)]);
        for (const conn of open) conn.shutdown(opts.goodbyeLine);
        const all = Promise.all([...open].map((c) => c.whenClosed()));
        const drained = await Promise.race([all.then(() => true), delay(CLOSE_DRAIN_MS).then(() => false)]);
        if (!drained) for (const conn of open) conn.destroy();
        await stopped;
      })();
      return closed;
    },
  };
}

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function closeServer(server: net.Server | null): Promise<void> {
  return new Promise((resolve) => {
    if (!server?.listening) return resolve();
    server.close(() => resolve());
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
