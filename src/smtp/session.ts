// What the two SMTP listeners share: per-session transaction state (RFC 5321 section 3.3: a mail
// transaction is MAIL, RCPT..., DATA), the DATA collector with its hard size cap (RFC 1870 SIZE),
// the in-flight tracker that lets close() wait for messages being received, and the glue that turns
// our async handlers into smtp-server callbacks without floating promises.
import type { SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import type { Config } from '../config.js';
import { parseTrustEntry } from '../core/addresses.js';
import type { Logger } from '../core/logger.js';
import type { Account, Store } from '../store/types.js';
import type { Authenticator } from '../auth/types.js';
import type { LocalDelivery } from '../mail/delivery.js';
import type { Relay } from '../mail/relay.js';
import { MIN_TLS_VERSION, type TlsMaterial } from '../tls/material.js';
import { isSmtpReply, replies, type SmtpReply } from './replies.js';

/** What the SMTP sessions read of the configuration: the size cap, PROXY protocol, proxies, the plain-text AUTH switch. */
export type SmtpSessionConfig = Pick<Config, 'maxMessageBytes' | 'smtpProxyProtocol' | 'trustedProxies' | 'allowPlaintextAuth'>;

export interface SmtpContext {
  config: SmtpSessionConfig;
  store: Store;
  auth: Authenticator;
  log: Logger;
  delivery: LocalDelivery;
  relay: Relay | null;
  inFlight: InFlight;
  /** The certificate for STARTTLS and implicit TLS; null: no TLS at all. */
  tls: TlsMaterial | null;
}

/** One connection's state beyond what smtp-server keeps: who logged in, and how each RCPT resolved. */
export interface SessionState {
  /** The authenticated account (submission only). */
  account: Account | null;
  /** Accepted local recipients of the current transaction, by lower-cased address. */
  local: Map<string, Account>;
  /** Accepted external recipients of the current transaction (submission with a relay only). */
  external: Set<string>;
}

const states = new WeakMap<SMTPServerSession, SessionState>();

export function stateOf(session: SMTPServerSession): SessionState {
  let s = states.get(session);
  if (!s) {
    s = { account: null, local: new Map(), external: new Set() };
    states.set(session, s);
  }
  return s;
}

/** MAIL FROM starts a new transaction (RSET and a finished DATA end the previous one). */
export function resetTransaction(session: SMTPServerSession): SessionState {
  const s = stateOf(session);
  s.local = new Map();
  s.external = new Set();
  return s;
}

/**
 * STARTTLS (RFC 3207) with our certificate, or disabled outright when none is configured: a hidden
 * STARTTLS still works in smtp-server, with its built-in test key whose private half is public.
 * `implicit`: TLS from the first byte (RFC 8314 submissions port).
 */
export function tlsOptions(ctx: SmtpContext, implicit = false): Pick<SMTPServerOptions, 'secure' | 'key' | 'cert' | 'minVersion' | 'disabledCommands'> {
  if (!ctx.tls) return { disabledCommands: ['STARTTLS'] };
  const p = ctx.tls.current;
  return { secure: implicit, key: p.key, cert: p.cert, minVersion: MIN_TLS_VERSION, disabledCommands: implicit ? ['STARTTLS'] : [] };
}

/** Loopback as the plaintext-AUTH exemption means it: this host's own clients, 127.0.0.1 and ::1 only. */
export const isLoopback = (address: string | undefined): boolean =>
  address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';

/** How long close() lets a message being received (or delivered) finish before cutting it off. */
export const CLOSE_GRACE_MS = 10_000;
/** How long close() then waits for the sockets to go away. */
export const CLOSE_DRAIN_MS = 2_000;

/** Options both listeners use; each adds its own AUTH policy. */
export function baseOptions(config: Pick<Config, 'maxMessageBytes' | 'smtpProxyProtocol' | 'trustedProxies'>): SMTPServerOptions {
  return {
    banner: 'carbonio-mobile',
    size: config.maxMessageBytes,
    // The library answers an over-limit DATA with 552 5.3.4 itself, whatever onData says.
    rejectOversized: true,
    hideENHANCEDSTATUSCODES: false,
    disableReverseLookup: true,
    logger: false,
    // RFC 5321 section 4.5.3.2.7: a server should wait 5 minutes for the next command.
    socketTimeout: 5 * 60_000,
    maxRecipients: 1000,
    // The library's own bound on close(), a backstop behind ours (see index.ts).
    closeTimeout: CLOSE_GRACE_MS + CLOSE_DRAIN_MS,
    // HAProxy's PROXY protocol from the trusted proxies only (v1 read by smtp-server, v2 by proxy-v2.ts):
    // the session's remoteAddress is then the client the proxy names. smtp-server matches exact
    // addresses, so CIDR ranges of CARBONIO_TRUSTED_PROXIES do not apply here (README).
    ...(config.smtpProxyProtocol ? { useProxy: proxyAddresses(config.trustedProxies) } : {}),
  };
}

/** The single addresses of the trusted proxies (a /32 or /128 range is one address). */
export function proxyAddresses(entries: readonly string[]): string[] {
  return entries.map(parseTrustEntry).filter((e) => e !== null && (e.prefix === null || e.prefix === (e.family === 'ipv4' ? 32 : 128))).map((e) => e!.address);
}

/** Counts handlers still running, so close() can let a message being received finish. */
export class InFlight {
  closing = false;
  private running = 0;
  private waiters: Array<() => void> = [];

  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      if (this.running === 0) for (const w of this.waiters.splice(0)) w();
    }
  }

  idle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

/**
 * Runs an async handler and reports to smtp-server's callback: our SmtpReply errors become that
 * reply, anything else is logged and answered 451 (the client keeps the message and retries).
 */
export function respond<T>(ctx: SmtpContext, what: string, fn: () => Promise<T>, callback: (err: SmtpReply | null, value?: T) => void): void {
  ctx.inFlight.run(fn).then(
    (value) => callback(null, value),
    (err: unknown) => {
      if (isSmtpReply(err)) return callback(err);
      ctx.log.error({ err, handler: what }, 'smtp handler failed');
      callback(replies.localError());
    },
  ).catch((err: unknown) => ctx.log.error({ err, handler: what }, 'smtp callback failed'));
}

export type Collected =
  | { kind: 'complete'; raw: Buffer }
  | { kind: 'too-big'; bytes: number }
  | { kind: 'aborted'; bytes: number };

/**
 * Reads the DATA stream (already dot-unstuffed by smtp-server) into one buffer, never holding more
 * than `max` bytes: past the cap the rest is read and dropped so the client still gets its reply.
 * Only 'end', which smtp-server emits after the terminating <CRLF>.<CRLF>, yields a message; a
 * connection lost mid-DATA destroys the stream instead, and nothing may be stored then.
 */
export function collectMessage(stream: SMTPServerDataStream, max: number): Promise<Collected> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let over = false;
    let settled = false;
    const settle = (c: Collected): void => {
      if (settled) return;
      settled = true;
      resolve(c);
    };
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (over) return;
      if (bytes > max) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    stream.once('end', () => settle(over || stream.sizeExceeded ? { kind: 'too-big', bytes } : { kind: 'complete', raw: Buffer.concat(chunks, bytes) }));
    // 'close' without 'end' (or an 'error') is the connection going away before the final dot.
    stream.once('error', () => settle({ kind: 'aborted', bytes }));
    stream.once('close', () => settle({ kind: 'aborted', bytes }));
  });
}

/**
 * The DATA phase both listeners share: collect, refuse what is too big, forget what was cut off,
 * and hand a complete message to `deliver` (which returns the log fields of what it did).
 */
export function handleData(
  ctx: SmtpContext, port: 'inbound' | 'submission', stream: SMTPServerDataStream, session: SMTPServerSession,
  deliver: (raw: Buffer, state: SessionState) => Promise<Record<string, unknown>>,
  callback: (err?: Error | null, message?: string) => void,
): void {
  const started = Date.now();
  respond(ctx, 'data', async () => {
    const got = await collectMessage(stream, ctx.config.maxMessageBytes);
    if (got.kind === 'aborted') {
      ctx.log.info({ event: 'smtp-aborted', port, session: session.id, bytes: got.bytes }, 'connection closed before the end of DATA; nothing stored');
      throw replies.aborted();
    }
    if (got.kind === 'too-big') {
      ctx.log.info({ event: 'smtp-too-big', port, session: session.id, bytes: got.bytes, limit: ctx.config.maxMessageBytes }, 'message over the size limit refused');
      throw replies.tooBig(ctx.config.maxMessageBytes);
    }
    const fields = await deliver(got.raw, stateOf(session));
    ctx.log.info({ event: 'smtp-delivered', port, session: session.id, size: got.raw.length, ...fields, ms: Date.now() - started }, 'message accepted');
  }, (err) => (err ? callback(err) : callback(null, 'Message accepted')));
}
