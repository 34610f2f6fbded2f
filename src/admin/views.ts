// What the admin API shows of stored records. Never a password, a hash or a secret.
import type { Account, Credential, Domain } from '../store/types.js';

/** Every time the API shows: ISO 8601 UTC to the second (issue 17: one format in text and JSON). */
export const isoTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
export const isoTimeOrNull = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : isoTime(ms));

export const domainView = (d: Domain) => ({ id: d.id, name: d.name, createdAt: isoTime(d.createdAt) });

export const accountView = (a: Account, delegatedDomains: string[] = []) => ({
  id: a.id,
  email: a.email,
  domain: a.email.slice(a.email.lastIndexOf('@') + 1),
  displayName: a.displayName,
  status: a.status,
  mobileSyncEnabled: a.mobileSyncEnabled,
  isGlobalAdmin: a.isGlobalAdmin,
  delegatedDomains,
  createdAt: isoTime(a.createdAt),
  // The address-book fields, when an admin set any.
  ...(Object.keys(a.profile).length > 0 ? { profile: a.profile } : {}),
});

export const credentialView = (c: Credential) => ({
  id: c.id,
  label: c.label,
  services: c.services,
  enabled: c.enabled,
  generated: c.generated,
  qrcode: c.qrcode,
  createdAt: isoTime(c.createdAt),
  lastUsedAt: isoTimeOrNull(c.lastUsedAt),
});
