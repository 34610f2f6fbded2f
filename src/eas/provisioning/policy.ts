// The effective EAS device policy of an account (MS-ASPROV EASProvisionDoc settings): the domain's
// settings with the account's on top. Stored in the settings table under `eas-policy:domain:<id>` and
// `eas-policy:account:<id>`. Its hash is over the stored values, not over a rendered document, so it
// does not depend on the protocol version a device speaks (the grommunio-sync #26 loop).
// A setting removed at a level is stored as '' (the settings repository has no delete) and ignored.
import { createHash } from 'node:crypto';
import type { Account, Repos, Store } from '../../store/types.js';

/** Not EASProvisionDoc elements: whether a policy is enforced, and how strictly. */
export const MANAGEMENT_KEYS = ['MobileDeviceManagement', 'AllowNonProvisionableDevices'] as const;

export interface EffectivePolicy {
  /** A policy is enforced: devices must hold a current policy key. Off by default. */
  enabled: boolean;
  /** Devices that cannot apply every setting (they acknowledge with Status 2) still get a key. On by default. */
  allowNonProvisionable: boolean;
  /** EASProvisionDoc settings by element name, as stored (strings). */
  values: Record<string, string>;
  hash: string;
}

export const domainScope = (a: Pick<Account, 'domainId'>): string => `eas-policy:domain:${a.domainId}`;
export const accountScope = (a: Pick<Account, 'id'>): string => `eas-policy:account:${a.id}`;

/** The settings stored at one level (scope), without removed ones. */
export async function levelSettings(store: Pick<Repos, 'settings'>, scope: string): Promise<Record<string, string>> {
  const all = await store.settings.list(scope);
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== ''));
}

export async function effectivePolicy(store: Store, account: Account): Promise<EffectivePolicy> {
  const [dom, acc] = await Promise.all([levelSettings(store, domainScope(account)), levelSettings(store, accountScope(account))]);
  return mergePolicy(dom, acc);
}

/** The policy of stacked levels, lowest first (domain, then account): later levels win key by key. */
export function mergePolicy(...levels: Array<Record<string, string>>): EffectivePolicy {
  const merged: Record<string, string> = Object.assign({}, ...levels) as Record<string, string>;
  const enabled = merged.MobileDeviceManagement === 'true';
  const allowNonProvisionable = merged.AllowNonProvisionableDevices !== 'false';
  const values: Record<string, string> = {};
  for (const k of Object.keys(merged).sort()) if (!(MANAGEMENT_KEYS as readonly string[]).includes(k)) values[k] = merged[k]!;
  const hash = createHash('sha256').update(JSON.stringify({ enabled, allowNonProvisionable, values })).digest('hex').slice(0, 16);
  return { enabled, allowNonProvisionable, values, hash };
}
