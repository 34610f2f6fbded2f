// `abqMode` in the admin API's settings (carbonio-features.md 5.6; `carbonio config get|set`): global,
// per domain and per account, the most specific set one wins (src/devices/abq-mode.ts). The value
// `default` removes a scope's own value. Global: global admins; a domain or an account: its admins too
// (delegated admins for their domains). Other keys exist only globally (400 names the one key here).
//   GET /config/domain/:name[?key=abqMode]    GET /config/account/:name[?key=abqMode]
//   PUT /config/domain/:name {key, value}     PUT /config/account/:name {key, value}
// The global scope's abqMode goes through routes-config.ts (abqSettingView, putGlobalAbqMode).
import type { FastifyInstance } from 'fastify';
import { asAccountId, asDomainId } from '../core/ids.js';
import { reapply } from '../devices/abq.js';
import { ABQ_MODE_KEY, ABQ_MODES, loadMode, modeAt, setMode, type AbqMode, type ModeScope } from '../devices/abq-mode.js';
import type { Account } from '../store/types.js';
import { asBody, reqString } from './body.js';
import { authenticate, manageableAccount, manageableDomain, type AdminDeps } from './context.js';
import { badRequest } from './http-errors.js';
import type { Principal } from './policy.js';

export const isAbqKey = (name: string | undefined): boolean => name !== undefined && name.trim().toLowerCase() === ABQ_MODE_KEY.toLowerCase();

/** The setting as `config get` shows it: the scope's own value (`default` when it inherits), and what applies there. */
export function abqSettingView(own: AbqMode | null, effective: AbqMode, scope: string) {
  return {
    key: ABQ_MODE_KEY, value: own ?? (scope === 'global' ? 'Disabled' : 'default'), effective, default: scope === 'global' ? 'Disabled' : 'default',
    allowed: `${ABQ_MODES.join(', ')}, or default (remove this scope's value)`, aliases: [] as string[],
    description: 'ABQ: Permissive blocks only listed devices, Interactive quarantines unknown ones, Strict blocks them, Disabled checks nothing',
  };
}

/** Stores abqMode at a scope; the answer of `config set`. */
export async function putAbqMode(deps: AdminDeps, p: Principal, scope: ModeScope, label: string, value: unknown) {
  if (value === undefined || value === null) throw badRequest('"value" is required');
  const r = await setMode(deps.store, scope, value, p.account.email);
  // Devices whose mailbox changes with the mode move now (their held Pings end), not at their next request.
  const moved = await reapply(deps.store, scope.kind === 'global' ? scope : scope.kind === 'domain' ? { kind: 'domain', id: asDomainId(scope.id) } : { kind: 'account', id: asAccountId(scope.id) });
  deps.log.info({ event: 'setting-changed', scope: label, key: ABQ_MODE_KEY, value: r.mode ?? 'default', previous: r.previous ?? 'default', imported: r.imported, moved, by: p.account.email }, 'setting changed');
  return {
    scope: label, key: ABQ_MODE_KEY, value: r.mode ?? 'default', previous: r.previous ?? 'default',
    ...(r.imported !== null ? { imported: r.imported } : {}), moved,
  };
}

function checkKey(key: string | undefined): void {
  if (key !== undefined && key !== '' && !isAbqKey(key)) throw badRequest(`unknown setting "${key}" for this scope: only ${ABQ_MODE_KEY} is set per domain or account (other settings are global)`);
}

export function registerAbqConfigRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store } = deps;
  type Req = { Params: { kind: string; name: string }; Querystring: { key?: string } };

  const resolve = async (p: Principal, kind: string, name: string): Promise<{ scope: ModeScope; label: string; account: Account | null }> => {
    if (kind === 'domain') {
      const d = await manageableDomain(deps, p, name.toLowerCase());
      return { scope: { kind: 'domain', id: d.id }, label: `domain ${d.name}`, account: null };
    }
    if (kind === 'account') {
      const a = await manageableAccount(deps, p, name.toLowerCase());
      return { scope: { kind: 'account', id: a.id }, label: `account ${a.email}`, account: a };
    }
    throw badRequest(`unknown scope "${kind}" (global, domain or account)`);
  };

  app.get<Req>('/config/:kind/:name', async (req) => {
    const p = await authenticate(deps, req);
    checkKey(req.query.key);
    const { scope, label, account } = await resolve(p, req.params.kind.toLowerCase(), req.params.name);
    const own = await modeAt(store, scope);
    let effective: AbqMode;
    if (account) effective = (await loadMode(store, account)).mode;
    else effective = own ?? (await modeAt(store, { kind: 'global' })) ?? 'Disabled';
    return { scope: label, settings: [abqSettingView(own, effective, label)] };
  });

  app.put<Req>('/config/:kind/:name', async (req) => {
    const p = await authenticate(deps, req);
    const body = asBody(req.body);
    checkKey(reqString(body, 'key'));
    const { scope, label } = await resolve(p, req.params.kind.toLowerCase(), req.params.name);
    return putAbqMode(deps, p, scope, label, body.value);
  });
}
