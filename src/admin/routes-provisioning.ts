// Admin API: EAS device policies per domain and per account (Carbonio get/setProvisioning, with
// domain where Carbonio has COS) and remote wipe (doWipeDevice, CancelPendingRemoteWipe).
//   GET /provisioning/(account|domain)/:name[?key=]   PUT /provisioning/(account|domain)/:name {key, value}
//   GET|POST|DELETE /accounts/:email/devices/:deviceId/wipe   (POST {confirm: true, accountOnly?})
// The settings are the EASProvisionDoc elements (MS-ASPROV 2.2.2.28) with their spec ranges. src/admin
// may not import src/eas, so this table repeats the names and permissive values of
// src/eas/provisioning/settings.ts; test/eas-provision-admin.test.ts fails if the two drift apart.
// Stored under the scopes src/eas/provisioning/policy.ts reads; '' marks a removed setting.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { asDeviceId } from '../core/ids.js';
import { DeviceStatus, type Account, type Device, type Store } from '../store/types.js';
import { asBody, optBool, reqString } from './body.js';
import { authenticate, manageableAccount, manageableDomain, type AdminDeps } from './context.js';
import { badRequest, HttpError, notFound } from './http-errors.js';
import type { Principal } from './policy.js';

type Kind = { t: 'bool' } | { t: 'int'; min: number; max: number } | { t: 'enum'; values: Record<string, string> } | { t: 'list'; item: string };
interface Def { kind: Kind; permissive: string }
const b = (permissive: '0' | '1'): Def => ({ kind: { t: 'bool' }, permissive });
const n = (min: number, max: number, permissive = ''): Def => ({ kind: { t: 'int', min, max }, permissive });
const e = (values: Record<string, string>, permissive: string): Def => ({ kind: { t: 'enum', values }, permissive });
const list = (item: string): Def => ({ kind: { t: 'list', item }, permissive: '' });
const I32 = 2 ** 31 - 1;

/** Every EASProvisionDoc setting in token order, with the value devices get when nobody set it ('' = unset). */
export const POLICY_SETTINGS: Readonly<Record<string, Def>> = {
  DevicePasswordEnabled: b('0'), AlphanumericDevicePasswordRequired: b('0'), RequireStorageCardEncryption: b('0'),
  PasswordRecoveryEnabled: b('0'), AttachmentsEnabled: b('1'), MinDevicePasswordLength: n(1, 16),
  MaxInactivityTimeDeviceLock: n(1, 9999), MaxDevicePasswordFailedAttempts: n(4, 16), MaxAttachmentSize: n(0, I32),
  AllowSimpleDevicePassword: b('1'), DevicePasswordExpiration: n(0, 730), DevicePasswordHistory: n(0, 50, '0'),
  AllowStorageCard: b('1'), AllowCamera: b('1'), RequireDeviceEncryption: b('0'), AllowUnsignedApplications: b('1'),
  AllowUnsignedInstallationPackages: b('1'), MinDevicePasswordComplexCharacters: n(1, 4, '1'), AllowWiFi: b('1'),
  AllowTextMessaging: b('1'), AllowPOPIMAPEmail: b('1'), AllowBluetooth: e({ 0: 'disabled', 1: 'hands-free only', 2: 'allowed' }, '2'),
  AllowIrDA: b('1'), RequireManualSyncWhenRoaming: b('0'), AllowDesktopSync: b('1'),
  MaxCalendarAgeFilter: e({ 0: 'all', 4: '2 weeks', 5: '1 month', 6: '3 months', 7: '6 months' }, '0'), AllowHTMLEmail: b('1'),
  MaxEmailAgeFilter: e({ 0: 'all', 1: '1 day', 2: '3 days', 3: '1 week', 4: '2 weeks', 5: '1 month' }, '0'),
  MaxEmailBodyTruncationSize: n(-1, I32, '-1'), MaxEmailHTMLBodyTruncationSize: n(-1, I32, '-1'),
  RequireSignedSMIMEMessages: b('0'), RequireEncryptedSMIMEMessages: b('0'), RequireSignedSMIMEAlgorithm: e({ 0: 'SHA1', 1: 'MD5' }, '0'),
  RequireEncryptionSMIMEAlgorithm: e({ 0: 'TripleDES', 1: 'DES', 2: 'RC2 128-bit', 3: 'RC2 64-bit', 4: 'RC2 40-bit' }, '0'),
  AllowSMIMEEncryptionAlgorithmNegotiation: e({ 0: 'not allowed', 1: 'strong algorithms only', 2: 'any algorithm' }, '2'),
  AllowSMIMESoftCerts: b('1'), AllowBrowser: b('1'), AllowConsumerEmail: b('1'), AllowRemoteDesktop: b('1'), AllowInternetSharing: b('1'),
  UnapprovedInROMApplicationList: list('ApplicationName'), ApprovedApplicationList: list('Hash'),
};
/** The switches: enforce the policy (off by default), let devices that cannot apply all of it in (on by default). */
const SWITCHES: Readonly<Record<string, string>> = { MobileDeviceManagement: 'false', AllowNonProvisionableDevices: 'true' };
const KEYS = [...Object.keys(SWITCHES), ...Object.keys(POLICY_SETTINGS)];
const byLower = new Map([...KEYS.map((k): [string, string] => [k.toLowerCase(), k]), ['zimbrafeaturemobilepolicyenabled', 'MobileDeviceManagement']]);

/** Canonical key: any case, Carbonio's zimbraMobilePolicy<Name> spelling accepted. */
function canonicalKey(key: string): string {
  const k = key.trim().toLowerCase();
  const name = byLower.get(k) ?? byLower.get(k.replace(/^zimbramobilepolicy/, ''));
  if (!name) throw new HttpError(400, 'unknown-key', `unknown provisioning key "${key}": GET /api/admin/provisioning/domain/<domain> (carbonio mobile getProvisioning domain <domain>) lists the keys`);
  return name;
}

const asBool = (v: string): boolean | null => (/^(1|true)$/i.test(v) ? true : /^(0|false)$/i.test(v) ? false : null);

/** The stored form of a value: '0'/'1' for settings, 'true'/'false' for the switches; 400 when out of range. */
function normalize(name: string, raw: string): string {
  const v = raw.trim();
  const bad = (expected: string): never => {
    throw new HttpError(400, 'invalid-value', `invalid value "${raw}" for ${name}: expected ${expected}`);
  };
  const def = POLICY_SETTINGS[name];
  if (!def) return asBool(v) === null ? bad('true or false') : String(asBool(v));
  const k = def.kind;
  if (k.t === 'bool') return asBool(v) === null ? bad('0, 1, true or false') : asBool(v) ? '1' : '0';
  if (k.t === 'int') return /^-?\d{1,10}$/.test(v) && Number(v) >= k.min && Number(v) <= k.max ? String(Number(v)) : bad(`an integer from ${k.min} to ${k.max}`);
  if (k.t === 'enum') return Object.hasOwn(k.values, v) ? v : bad(`one of ${Object.entries(k.values).map(([x, m]) => `${x} (${m})`).join(', ')}`);
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  return items.length > 0 && items.every((i) => /^[^\u0000-\u001f]{1,255}$/.test(i)) ? items.join(',') : bad(`a comma-separated list of ${k.item} values`);
}

type Target = { kind: 'account'; account: Account; name: string } | { kind: 'domain'; domainId: string; name: string };
type Source = 'account' | 'domain' | 'default';
const domainScope = (domainId: string): string => `eas-policy:domain:${domainId}`;
const scopeOf = (t: Target): string => (t.kind === 'account' ? `eas-policy:account:${t.account.id}` : domainScope(t.domainId));

async function level(store: Store, scope: string): Promise<Record<string, string>> {
  return Object.fromEntries(Object.entries(await store.settings.list(scope)).filter(([, v]) => v !== ''));
}

/** Every key's effective value at the target and where it comes from (null: unset, sent empty or not at all). */
async function levelView(store: Store, t: Target) {
  const layers: Array<[Source, Record<string, string>]> = [['domain', await level(store, domainScope(t.kind === 'account' ? t.account.domainId : t.domainId))]];
  if (t.kind === 'account') layers.push(['account', await level(store, scopeOf(t))]);
  const settings = KEYS.map((key) => {
    const found = [...layers].reverse().find(([, vals]) => vals[key] !== undefined);
    if (found) return { key, value: found[1][key] ?? null, source: found[0] };
    const d = SWITCHES[key] ?? POLICY_SETTINGS[key]?.permissive ?? '';
    return { key, value: d === '' ? null : d, source: 'default' };
  });
  return { target: { type: t.kind, name: t.name }, enforced: settings.some((s) => s.key === 'MobileDeviceManagement' && s.value === 'true'), settings };
}

const STATUS_NAMES = ['needs provisioning', 'ok', 'suspended', 'wipe requested', 'wipe done'];
const wipeView = (a: Account, d: Device) => ({
  account: a.email, deviceId: d.deviceId, deviceType: d.deviceType, model: d.info.model ?? null, protocolVersion: d.protocolVersion,
  status: d.status, statusName: STATUS_NAMES[d.status] ?? String(d.status),
  accountOnly: d.status >= DeviceStatus.wipeRequested && d.wipeAccountOnly, wipeRequestedAt: d.wipeRequestedAt, wipeDoneAt: d.wipeDoneAt,
});
const describe = (d: Device): string => `${d.deviceId} (${[d.deviceType, d.info.model, d.protocolVersion && `EAS ${d.protocolVersion}`].filter(Boolean).join(', ')})`;
/** "16.1" -> 161; AccountOnlyRemoteWipe exists from 16.1 on (MS-ASPROV 2.2.2.1). */
const versionOf = (v: string): number => (/^\d{1,2}\.\d$/.test(v) ? Math.round(Number(v) * 10) : 0);
const conflict = (message: string): HttpError => new HttpError(409, 'conflict', message);

type P<T extends string> = { Params: Record<T, string>; Querystring: Record<string, string | undefined> };

export function registerProvisioningRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store } = deps;

  async function target(p: Principal, kind: string, name: string): Promise<Target> {
    if (kind === 'account') {
      const account = await manageableAccount(deps, p, name);
      return { kind, account, name: account.email };
    }
    if (kind === 'domain') {
      const d = await manageableDomain(deps, p, name);
      return { kind, domainId: d.id, name: d.name };
    }
    throw badRequest(`the level must be "account" or "domain", not "${kind}"`);
  }

  app.get<P<'level' | 'name'>>('/provisioning/:level/:name', async (req) => {
    const t = await target(await authenticate(deps, req), req.params.level, req.params.name);
    const view = await levelView(store, t);
    if (req.query.key === undefined) return view;
    const key = canonicalKey(req.query.key);
    return { target: view.target, enforced: view.enforced, setting: view.settings.find((s) => s.key === key) };
  });

  app.put<P<'level' | 'name'>>('/provisioning/:level/:name', async (req) => {
    const p = await authenticate(deps, req);
    const t = await target(p, req.params.level, req.params.name);
    const body = asBody(req.body);
    const key = canonicalKey(reqString(body, 'key'));
    const raw = body.value;
    if (raw !== null && typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      throw badRequest('"value" is required: a string, number or boolean, or null or "default" to remove the setting');
    }
    const text = raw === null ? '' : String(raw).trim();
    const stored = text === '' || text.toLowerCase() === 'default' ? null : normalize(key, text);
    await store.settings.set(scopeOf(t), key, stored ?? '');
    deps.log.info({ event: 'provisioning-set', level: t.kind, target: t.name, key, value: stored, by: p.account.email }, 'provisioning setting changed');
    const view = await levelView(store, t);
    return { target: view.target, key, stored, effective: view.settings.find((s) => s.key === key), enforced: view.enforced };
  });

  async function device(req: FastifyRequest<P<'email' | 'deviceId'>>) {
    const p = await authenticate(deps, req);
    return { p, account: await manageableAccount(deps, p, req.params.email), deviceId: asDeviceId(req.params.deviceId) };
  }

  app.get<P<'email' | 'deviceId'>>('/accounts/:email/devices/:deviceId/wipe', async (req) => {
    const { account, deviceId } = await device(req);
    const d = await store.devices.get(account.id, deviceId);
    if (!d) throw notFound(`device ${deviceId} of ${account.email}`);
    return { wipe: wipeView(account, d) };
  });

  app.post<P<'email' | 'deviceId'>>('/accounts/:email/devices/:deviceId/wipe', async (req) => {
    const { p, account, deviceId } = await device(req);
    const body = asBody(req.body);
    const accountOnly = optBool(body, 'accountOnly') ?? false;
    const confirm = optBool(body, 'confirm') ?? false;
    const r = await store.transaction(async (tx) => {
      const d = await tx.devices.get(account.id, deviceId);
      if (!d) throw notFound(`device ${deviceId} of ${account.email}`);
      if (d.status === DeviceStatus.wiped) throw conflict(`device ${deviceId} of ${account.email} was already wiped; remove the device to let it connect again`);
      if (d.status === DeviceStatus.wipeRequested) {
        if (d.wipeAccountOnly === accountOnly) return { device: d, changed: false };
        throw conflict(`a ${d.wipeAccountOnly ? 'account-only' : 'full'} wipe of device ${deviceId} is already pending; cancel it first`);
      }
      if (accountOnly && versionOf(d.protocolVersion) < 161) {
        // Sending a full RemoteWipe instead would erase a whole phone when only the account was meant.
        throw new HttpError(409, 'unsupported', `device ${describe(d)} cannot do an account-only wipe (that needs EAS 16.1): request a full wipe, or wait until the device uses EAS 16.1`);
      }
      if (!confirm) {
        const what = accountOnly ? `erase the data of ${account.email} from device ${describe(d)}` : `erase ALL data on device ${describe(d)} (factory reset)`;
        throw new HttpError(400, 'confirmation-required', `not confirmed: this would ${what} at its next connection; repeat with confirm true`);
      }
      const patch = { status: DeviceStatus.wipeRequested, wipeAccountOnly: accountOnly, wipeRequestedAt: Date.now(), wipeDoneAt: null };
      return { device: await tx.devices.update(account.id, deviceId, patch), changed: true };
    });
    if (r.changed) deps.log.warn({ event: 'device-wipe-requested', account: account.email, deviceId, accountOnly, by: p.account.email }, 'remote wipe requested');
    return { wipe: wipeView(account, r.device), changed: r.changed };
  });

  app.delete<P<'email' | 'deviceId'>>('/accounts/:email/devices/:deviceId/wipe', async (req) => {
    const { p, account, deviceId } = await device(req);
    const d = await store.transaction(async (tx) => {
      const cur = await tx.devices.get(account.id, deviceId);
      if (!cur) throw notFound(`device ${deviceId} of ${account.email}`);
      if (cur.status === DeviceStatus.wiped) throw conflict(`device ${deviceId} of ${account.email} has already acknowledged the wipe: it cannot be cancelled`);
      if (cur.status !== DeviceStatus.wipeRequested) throw conflict(`no wipe is pending for device ${deviceId} of ${account.email}`);
      // Back to normal sync with the key it holds, or to "needs provisioning" if it never got one.
      const status = cur.policyKey !== 0 ? DeviceStatus.ok : DeviceStatus.needsProvisioning;
      return tx.devices.update(account.id, deviceId, { status, wipeAccountOnly: false, wipeRequestedAt: null, wipeDoneAt: null });
    });
    deps.log.info({ event: 'device-wipe-cancelled', account: account.email, deviceId, by: p.account.email }, 'remote wipe cancelled');
    return { wipe: wipeView(account, d) };
  });
}
