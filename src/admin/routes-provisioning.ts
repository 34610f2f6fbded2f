// Admin API: EAS device policies per domain and per account (Carbonio get/setProvisioning, with
// domain where Carbonio has COS) and remote wipe (doWipeDevice, CancelPendingRemoteWipe).
//   GET /provisioning/(account|domain)/:name[?key=]   PUT /provisioning/(account|domain)/:name {key, value}
//   GET|POST|DELETE /accounts/:email/devices/:deviceId/wipe   (POST {confirm: true, accountOnly?})
// The settings, their validation and their levels are src/devices/policy.ts, shared with the EAS front;
// '' marks a removed setting.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { accountScope, canonicalKey, defaultValue, domainScope, invalidatePolicyLevel, levelSettings, normalizeValue, POLICY_KEYS } from '../devices/policy.js';
import { asDeviceId } from '../core/ids.js';
import type { Account, Store } from '../store/types.js';
import { asBody, optBool, reqString } from './body.js';
import { authenticate, manageableAccount, manageableDomain, type AdminDeps } from './context.js';
import { badRequest, notFound } from './http-errors.js';
import type { Principal } from './policy.js';
import { cancelWipe, requestWipe, wipeView } from './wipe.js';

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
    invalidatePolicyLevel(store, scopeOf(t));
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
    return requestWipe(deps, account, deviceId, { accountOnly: optBool(body, 'accountOnly') ?? false, confirm: optBool(body, 'confirm') ?? false }, { by: p.account.email, via: 'admin' });
  });

  app.delete<P<'email' | 'deviceId'>>('/accounts/:email/devices/:deviceId/wipe', async (req) => {
    const { p, account, deviceId } = await device(req);
    return cancelWipe(deps, account, deviceId, { by: p.account.email, via: 'admin' });
  });
}
