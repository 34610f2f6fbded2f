// Admin API: EAS device policies per domain and per account (Carbonio get/setProvisioning, with
// domain where Carbonio has COS) and remote wipe (doWipeDevice, CancelPendingRemoteWipe).
//   GET /provisioning/(account|domain)/:name[?key=]   PUT /provisioning/(account|domain)/:name {key, value}
//   GET|POST|DELETE /accounts/:email/devices/:deviceId/wipe   (POST {confirm: true, accountOnly?})
// The settings, their validation and their levels are src/devices/policy.ts, shared with the EAS front;
// '' marks a removed setting.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { accountScope, canonicalKey, defaultValue, domainScope, levelSettings, normalizeValue, POLICY_KEYS } from '../devices/policy.js';
import { asDeviceId } from '../core/ids.js';
import { DeviceStatus, type Account, type Device, type Store } from '../store/types.js';
import { asBody, optBool, reqString } from './body.js';
import { authenticate, manageableAccount, manageableDomain, type AdminDeps } from './context.js';
import { badRequest, HttpError, notFound } from './http-errors.js';
import type { Principal } from './policy.js';

type Target = { kind: 'account'; account: Account; name: string } | { kind: 'domain'; domainId: string; name: string };
type Source = 'account' | 'domain' | 'default';
const scopeOf = (t: Target): string => (t.kind === 'account' ? accountScope(t.account.id) : domainScope(t.domainId));

/** Every key's effective value at the target and where it comes from (null: unset, sent empty or not at all). */
async function levelView(store: Store, t: Target) {
  const layers: Array<[Source, Record<string, string>]> = [['domain', await levelSettings(store, domainScope(t.kind === 'account' ? t.account.domainId : t.domainId))]];
  if (t.kind === 'account') layers.push(['account', await levelSettings(store, scopeOf(t))]);
  const settings = POLICY_KEYS.map((key) => {
    const found = [...layers].reverse().find(([, vals]) => vals[key] !== undefined);
    if (found) return { key, value: found[1][key] ?? null, source: found[0] };
    const d = defaultValue(key);
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
    const stored = text === '' || text.toLowerCase() === 'default' ? null : normalizeValue(key, text);
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
    // Whatever the device holds open ends, so it comes back and meets the wipe order at once.
    deps.sessions.endFor(account.id, deviceId);
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
    deps.sessions.endFor(account.id, deviceId);
    return { wipe: wipeView(account, d) };
  });
}
