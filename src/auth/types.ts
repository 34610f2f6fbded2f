// The one authentication entry point, shared by every front end (ARCHITECTURE.md section 3).
import type { CredentialId } from '../core/ids.js';
import type { Account, Service } from '../store/types.js';

/** Where a secret is being presented. */
export type Protocol = 'eas' | 'webui' | 'admin' | 'mobileapp' | 'dav' | 'smtp' | 'imap' | 'pop3';

/** The Carbonio Auth service a credential must be bound to for it to work on a protocol. */
export const serviceOf: Record<Protocol, Service> = {
  eas: 'EAS',
  webui: 'WebUI',
  admin: 'WebAdminUI',
  mobileapp: 'MobileApp',
  dav: 'Dav',
  smtp: 'SMTP',
  imap: 'IMAP',
  pop3: 'POP3',
};

/** Why a verification failed. Logged, never sent to the client. */
export type FailureReason =
  | 'unknown-account'
  | 'bad-secret'
  /** The account password was presented over EAS while an enabled mobile password exists. */
  | 'mobile-password-required'
  | 'account-locked'
  | 'account-closed'
  | 'rate-limited'
  | 'malformed';

export interface VerifyContext {
  /** The client's address, for per-address rate limiting and logs. */
  remoteAddress?: string;
}

export type VerifyResult =
  | { ok: true; account: Account; credentialId: CredentialId | null; cached: boolean }
  | { ok: false; reason: FailureReason; login: string };

export interface Authenticator {
  verify(login: string, secret: string, protocol: Protocol, ctx?: VerifyContext): Promise<VerifyResult>;
}
