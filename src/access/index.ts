// What the mail-access front ends (src/imap, src/pop3) share, and how the server starts and stops them:
// each protocol exports a MailAccessStarter, listed in src/mail-access-servers.ts; app.ts starts them all
// with one ConnectionLimits (so the per-account and per-address maxima count IMAP and POP3 together) and
// closes them on shutdown before the store goes.
import type { Config } from '../config.js';
import type { Logger } from '../core/logger.js';
import type { Authenticator } from '../auth/types.js';
import type { Bus } from '../bus/types.js';
import type { LocalDelivery } from '../mail/delivery.js';
import type { Store } from '../store/types.js';
import type { TlsMaterial } from '../tls/material.js';
import { ConnectionLimits } from './limits.js';
import type { AccessProtocol } from './login.js';

export { AccessConnection } from './connection.js';
export { LineReader, type ReadResult } from './line-reader.js';
export { ConnectionLimits, authAllowed, isLoopback, type Lease } from './limits.js';
export { protocolLogin, type AccessProtocol, type LoginDeps, type LoginOutcome } from './login.js';
export { startListeners, type AccessListeners, type ListenOptions } from './listeners.js';
export { TlsContexts, upgradeToTls, type UpgradeResult } from './starttls.js';
export { decodeBase64, parsePlain, type PlainCredentials } from './sasl.js';

export interface MailAccessDeps {
  config: Config;
  store: Store;
  auth: Authenticator;
  /** Change notices (IMAP IDLE; POP3 publishes nothing itself: the store's onChange does). */
  bus: Bus;
  log: Logger;
  /** The certificate for STARTTLS / STLS and the implicit-TLS ports; null: no TLS. */
  tls: TlsMaterial | null;
  /** Shared by every protocol: the maxima count IMAP and POP3 connections together. */
  limits: ConnectionLimits;
  /** The server's local delivery (IMAP APPEND stores through the same parsing as SMTP). */
  delivery: LocalDelivery;
}

export interface MailAccessServer {
  protocol: AccessProtocol;
  /** Bound ports; null when that listener is off (or, for TLS, without a certificate). */
  plainPort: number | null;
  tlsPort: number | null;
  /** Stops accepting, says goodbye to open sessions, resolves when they are gone (bounded). */
  close(): Promise<void>;
}

/** Starts one protocol's listeners; null when its ports are all turned off. */
export type MailAccessStarter = (deps: MailAccessDeps) => Promise<MailAccessServer | null>;

export interface MailAccess {
  readonly servers: readonly MailAccessServer[];
  readonly limits: ConnectionLimits;
  /** The bound port of a protocol's listener, or null. */
  port(protocol: AccessProtocol, which: 'plain' | 'tls'): number | null;
  close(): Promise<void>;
}

export async function startMailAccess(deps: Omit<MailAccessDeps, 'limits'>, starters: readonly MailAccessStarter[]): Promise<MailAccess> {
  const limits = new ConnectionLimits(deps.config.mailAccess);
  const servers: MailAccessServer[] = [];
  try {
    for (const start of starters) {
      const server = await start({ ...deps, limits });
      if (server) servers.push(server);
    }
  } catch (err) {
    await Promise.allSettled(servers.map((s) => s.close()));
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    servers,
    limits,
    port(protocol, which) {
      const s = servers.find((x) => x.protocol === protocol);
      return (which === 'plain' ? s?.plainPort : s?.tlsPort) ?? null;
    },
    close() {
      closing ??= Promise.allSettled(servers.map((s) => s.close())).then(() => undefined);
      return closing;
    },
  };
}
