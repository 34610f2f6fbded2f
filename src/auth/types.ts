// The one authentication entry point, shared by every front end (ARCHITECTURE.md section 3).
import type { CredentialId } from '../core/ids.js';
import type { Account, FamiliarSource, GuardCounter, Service } from '../store/types.js';

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
  | LockoutReason
  | 'malformed';

/**
 * Refused without checking the secret: the client address is blocked (all accounts), the account is
 * throttled for sources unfamiliar to it, or this address is locked out of this account.
 */
export type LockoutReason = 'address-blocked' | 'account-throttled' | 'locked';

export const isLockout = (r: FailureReason): r is LockoutReason => r === 'address-blocked' || r === 'account-throttled' || r === 'locked';

export interface VerifyContext {
  /** The client's address, for per-address counting and logs. */
  remoteAddress?: string;
  /** The address is a trusted proxy's own (no client address known): never counted or blocked per address. */
  addressIsProxy?: boolean;
  /** The EAS DeviceId, when the front end knows it: a device that logged in before is familiar to the account. */
  deviceId?: string;
}

export type VerifyResult =
  | { ok: true; account: Account; credentialId: CredentialId | null; cached: boolean }
  /** `lockedUntil`: for a lockout, when it ends (epoch ms). */
  | { ok: false; reason: FailureReason; login: string; lockedUntil?: number };

/** The brute-force counters as an admin sees and clears them. */
export interface LockoutControl {
  list(filter: { account?: string; address?: string }): Promise<{ counters: GuardCounter[]; familiar: FamiliarSource[] | null }>;
  /** Clears the counters and locks of an account or an address; returns how many counters went. */
  clear(target: { account: string } | { address: string }): Promise<number>;
}

export interface Authenticator {
  verify(login: string, secret: string, protocol: Protocol, ctx?: VerifyContext): Promise<VerifyResult>;
  readonly lockouts: LockoutControl;
}
