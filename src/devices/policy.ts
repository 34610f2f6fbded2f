// Device policies (MS-ASPROV EASProvisionDoc settings, Carbonio's get/setProvisioning): the one table
// of settings with their spec ranges, the lowest protocol version that has each, and the permissive
// value a device gets when nobody set it; the two switches; and the levels (domain, then account) they
// are stored at. Shared by the EAS front (rendering, enforcement) and the admin API (validation).
// Its hash is over the stored values, not over a rendered document, so it does not depend on the
// protocol version a device speaks (the grommunio-sync #26 loop). A setting removed at a level is
// stored as '' and ignored. Every EAS command checks the policy (src/eas/gate.ts): each process serves
// a level it read for POLICY_TTL_MS, so a change made through another process applies within a second,
// and one made through this one at once (invalidatePolicyLevel), as services.ts does for service states.
import { createHash } from 'node:crypto';
import { StoreError } from '../core/errors.js';
import type { Account, Repos, SettingsRepo } from '../store/types.js';

export type SettingKind = { t: 'bool' } | { t: 'int'; min: number; max: number } | { t: 'enum'; values: Record<string, string> } | { t: 'list'; item: 'ApplicationName' | 'Hash' };

export interface PolicySetting {
  /** The EASProvisionDoc element name. */
  name: string;
  /** Lowest protocol version (times ten) whose EASProvisionDoc has the element. */
  since: 120 | 121;
  /** Sent when unset: '' means an empty element ("no such rule"), or for lists nothing at all. */
  permissive: string;
  kind: SettingKind;
}

const I32 = 2 ** 31 - 1;
const s = (name: string, since: 120 | 121, kind: SettingKind, permissive: string): PolicySetting => ({ name, since, kind, permissive });
const bool = { t: 'bool' } as const;
const int = (min: number, max: number): SettingKind => ({ t: 'int', min, max });
const oneOf = (values: Record<string, string>): SettingKind => ({ t: 'enum', values });

/**
 * Every setting in token order (Exchange's order). The 12.0 set is Exchange 2007 RTM's (password rules
 * and attachments); the rest came with 12.1. Defaults follow the spec's "a missing element means"
 * rules, so an unmanaged device is restricted in nothing.
 */
export const POLICY_SETTINGS: readonly PolicySetting[] = [
  s('DevicePasswordEnabled', 120, bool, '0'), s('AlphanumericDevicePasswordRequired', 120, bool, '0'),
  s('RequireStorageCardEncryption', 121, bool, '0'), s('PasswordRecoveryEnabled', 120, bool, '0'), s('AttachmentsEnabled', 120, bool, '1'),
  s('MinDevicePasswordLength', 120, int(1, 16), ''), s('MaxInactivityTimeDeviceLock', 120, int(1, 9999), ''),
  s('MaxDevicePasswordFailedAttempts', 120, int(4, 16), ''), s('MaxAttachmentSize', 120, int(0, I32), ''),
  s('AllowSimpleDevicePassword', 120, bool, '1'), s('DevicePasswordExpiration', 120, int(0, 730), ''), s('DevicePasswordHistory', 120, int(0, 50), '0'),
  s('AllowStorageCard', 121, bool, '1'), s('AllowCamera', 121, bool, '1'), s('RequireDeviceEncryption', 121, bool, '0'),
  s('AllowUnsignedApplications', 121, bool, '1'), s('AllowUnsignedInstallationPackages', 121, bool, '1'),
  s('MinDevicePasswordComplexCharacters', 121, int(1, 4), '1'), s('AllowWiFi', 121, bool, '1'), s('AllowTextMessaging', 121, bool, '1'),
  s('AllowPOPIMAPEmail', 121, bool, '1'), s('AllowBluetooth', 121, oneOf({ 0: 'disabled', 1: 'hands-free only', 2: 'allowed' }), '2'),
  s('AllowIrDA', 121, bool, '1'), s('RequireManualSyncWhenRoaming', 121, bool, '0'), s('AllowDesktopSync', 121, bool, '1'),
  s('MaxCalendarAgeFilter', 121, oneOf({ 0: 'all', 4: '2 weeks', 5: '1 month', 6: '3 months', 7: '6 months' }), '0'),
  s('AllowHTMLEmail', 121, bool, '1'),
  s('MaxEmailAgeFilter', 121, oneOf({ 0: 'all', 1: '1 day', 2: '3 days', 3: '1 week', 4: '2 weeks', 5: '1 month' }), '0'),
  s('MaxEmailBodyTruncationSize', 121, int(-1, I32), '-1'), s('MaxEmailHTMLBodyTruncationSize', 121, int(-1, I32), '-1'),
  s('RequireSignedSMIMEMessages', 121, bool, '0'), s('RequireEncryptedSMIMEMessages', 121, bool, '0'),
  s('RequireSignedSMIMEAlgorithm', 121, oneOf({ 0: 'SHA1', 1: 'MD5' }), '0'),
  s('RequireEncryptionSMIMEAlgorithm', 121, oneOf({ 0: 'TripleDES', 1: 'DES', 2: 'RC2 128-bit', 3: 'RC2 64-bit', 4: 'RC2 40-bit' }), '0'),
  s('AllowSMIMEEncryptionAlgorithmNegotiation', 121, oneOf({ 0: 'not allowed', 1: 'strong algorithms only', 2: 'any algorithm' }), '2'),
  s('AllowSMIMESoftCerts', 121, bool, '1'), s('AllowBrowser', 121, bool, '1'), s('AllowConsumerEmail', 121, bool, '1'),
  s('AllowRemoteDesktop', 121, bool, '1'), s('AllowInternetSharing', 121, bool, '1'),
  // Lists are never sent empty: an empty ApprovedApplicationList would forbid every application.
  s('UnapprovedInROMApplicationList', 121, { t: 'list', item: 'ApplicationName' }, ''),
  s('ApprovedApplicationList', 121, { t: 'list', item: 'Hash' }, ''),
];

/** Not EASProvisionDoc elements: whether a policy is enforced (off by default), and whether devices that cannot apply all of it get in (on). */
export const SWITCHES: Readonly<Record<string, 'true' | 'false'>> = { MobileDeviceManagement: 'false', AllowNonProvisionableDevices: 'true' };

const settingByName = new Map(POLICY_SETTINGS.map((d) => [d.name, d]));
export const POLICY_KEYS: readonly string[] = [...Object.keys(SWITCHES), ...POLICY_SETTINGS.map((d) => d.name)];
const byLower = new Map([...POLICY_KEYS.map((k): [string, string] => [k.toLowerCase(), k]), ['zimbrafeaturemobilepolicyenabled', 'MobileDeviceManagement']]);

/** The canonical key: any case, and Carbonio's zimbraMobilePolicy<Name> spelling. */
export function canonicalKey(key: string): string {
  const k = key.trim().toLowerCase();
  const name = byLower.get(k) ?? byLower.get(k.replace(/^zimbramobilepolicy/, ''));
  if (!name) throw new StoreError('invalid', `unknown provisioning key "${key}": carbonio mobile getProvisioning domain <domain> (GET /api/admin/provisioning/domain/<domain>) lists the keys`);
  return name;
}

const asBool = (v: string): boolean | null => (/^(1|true)$/i.test(v) ? true : /^(0|false)$/i.test(v) ? false : null);

/** The stored form of a value ('0'/'1' for settings, 'true'/'false' for the switches); 'invalid' when out of range. */
export function normalizeValue(name: string, raw: string): string {
  const v = raw.trim();
  const bad = (expected: string): never => {
    throw new StoreError('invalid', `invalid value "${raw}" for ${name}: expected ${expected}`);
  };
  const def = settingByName.get(name);
  if (!def) return asBool(v) === null ? bad('true or false') : String(asBool(v));
  const k = def.kind;
  if (k.t === 'bool') return asBool(v) === null ? bad('0, 1, true or false') : asBool(v) ? '1' : '0';
  if (k.t === 'int') return /^-?\d{1,10}$/.test(v) && Number(v) >= k.min && Number(v) <= k.max ? String(Number(v)) : bad(`an integer from ${k.min} to ${k.max}`);
  if (k.t === 'enum') return Object.hasOwn(k.values, v) ? v : bad(`one of ${Object.entries(k.values).map(([x, m]) => `${x} (${m})`).join(', ')}`);
  const items = v.split(',').map((i) => i.trim()).filter(Boolean);
  return items.length > 0 && items.every((i) => /^[^\u0000-\u001f]{1,255}$/.test(i)) ? items.join(',') : bad(`a comma-separated list of ${k.item} values`);
}

/** The value a device gets for a key nobody set ('' = unset). */
export const defaultValue = (key: string): string => SWITCHES[key] ?? settingByName.get(key)?.permissive ?? '';

export const domainScope = (domainId: string): string => `eas-policy:domain:${domainId}`;
export const accountScope = (accountId: string): string => `eas-policy:account:${accountId}`;

/** The settings stored at one level (scope), without removed ones. */
export async function levelSettings(store: Pick<Repos, 'settings'>, scope: string): Promise<Record<string, string>> {
  const all = await store.settings.list(scope);
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== ''));
}

export interface EffectivePolicy {
  /** A policy is enforced: devices must hold a current policy key. */
  enabled: boolean;
  /** Devices that cannot apply every setting (they acknowledge with Status 2 to 4) still get a key. */
  allowNonProvisionable: boolean;
  /** EASProvisionDoc settings by element name, as stored (strings). */
  values: Record<string, string>;
  hash: string;
}

/** How long a process serves a policy level from what it read: two settings queries per command were a sixth of a Sync window's on PostgreSQL. */
export const POLICY_TTL_MS = 1_000;
/** Levels kept per store at most; past it, the expired ones go (all of them if none has expired). */
const MAX_CACHED_LEVELS = 10_000;

interface CachedLevel {
  at: number;
  settings: Promise<Record<string, string>>;
}

/** Per store (by its settings repository), so several servers in one process keep apart. */
const levelCache = new WeakMap<SettingsRepo, Map<string, CachedLevel>>();

/** A level's settings as read at most POLICY_TTL_MS ago; concurrent misses share one read, a failed read is not kept. */
function cachedLevel(store: Pick<Repos, 'settings'>, scope: string, now: number): Promise<Record<string, string>> {
  let levels = levelCache.get(store.settings);
  if (!levels) levelCache.set(store.settings, (levels = new Map<string, CachedLevel>()));
  const hit = levels.get(scope);
  if (hit && now - hit.at < POLICY_TTL_MS && now >= hit.at) return hit.settings;
  if (levels.size >= MAX_CACHED_LEVELS) {
    for (const [k, v] of levels) if (now - v.at >= POLICY_TTL_MS) levels.delete(k);
    if (levels.size >= MAX_CACHED_LEVELS) levels.clear();
  }
  const entry: CachedLevel = { at: now, settings: levelSettings(store, scope) };
  levels.set(scope, entry);
  const map = levels;
  entry.settings.catch(() => {
    if (map.get(scope) === entry) map.delete(scope);
  });
  return entry.settings;
}

/** Forgets what this process read of a level (after a change made here): the next command reads it again. */
export function invalidatePolicyLevel(store: Pick<Repos, 'settings'>, scope: string): void {
  levelCache.get(store.settings)?.delete(scope);
}

/** The account's policy as its devices get it: its domain's level under its own, each read at most POLICY_TTL_MS ago. */
export async function effectivePolicy(store: Pick<Repos, 'settings'>, account: Account, now = Date.now()): Promise<EffectivePolicy> {
  const [dom, acc] = await Promise.all([cachedLevel(store, domainScope(account.domainId), now), cachedLevel(store, accountScope(account.id), now)]);
  return mergePolicy(dom, acc);
}

/** The policy of stacked levels, lowest first (domain, then account): later levels win key by key. */
export function mergePolicy(...levels: Array<Record<string, string>>): EffectivePolicy {
  const merged: Record<string, string> = Object.assign({}, ...levels) as Record<string, string>;
  const enabled = merged.MobileDeviceManagement === 'true';
  const allowNonProvisionable = merged.AllowNonProvisionableDevices !== 'false';
  const values: Record<string, string> = {};
  for (const k of Object.keys(merged).sort()) if (!(k in SWITCHES)) values[k] = merged[k]!;
  const hash = createHash('sha256').update(JSON.stringify({ enabled, allowNonProvisionable, values })).digest('hex').slice(0, 16);
  return { enabled, allowNonProvisionable, values, hash };
}
