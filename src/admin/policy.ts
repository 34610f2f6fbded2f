// Who may do what in the admin API. A global admin may do everything; a delegated admin only what
// concerns accounts of the domains granted to him, never a global admin's account, never roles;
// a plain account may do nothing here.
import type { DomainId } from '../core/ids.js';
import type { Account } from '../store/types.js';
import { forbidden } from './http-errors.js';

export interface Principal {
  account: Account;
  /** Domains granted as delegated admin (empty for a global admin: he has them all). */
  domains: ReadonlySet<DomainId>;
}

export const isGlobal = (p: Principal): boolean => p.account.isGlobalAdmin;
export const isAdmin = (p: Principal): boolean => p.account.isGlobalAdmin || p.domains.size > 0;

export function canManageDomain(p: Principal, domainId: DomainId): boolean {
  return isGlobal(p) || p.domains.has(domainId);
}

export function canManageAccount(p: Principal, target: Account): boolean {
  if (isGlobal(p)) return true;
  // A delegated admin must not be able to take over a global admin (e.g. by resetting his password).
  return !target.isGlobalAdmin && p.domains.has(target.domainId);
}

/** Global admins only: a delegated admin is told why (issue 17: reasons in errors). */
export function requireGlobal(p: Principal): void {
  if (!isGlobal(p)) throw forbidden(`${p.account.email} is a delegated admin; only a global admin may do this`);
}
