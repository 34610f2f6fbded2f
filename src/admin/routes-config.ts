// Admin API: settings changeable while running (`carbonio config get|set global ...`), global admin only;
// abqMode also per domain and account (routes-config-abq.ts).
//   GET /config/global[?key=<name>]   the push tuning settings (or one), as stored now (defaults when unset)
//   PUT /config/global {key, value}   validate and store one; 400 names the allowed values
// Push tuning and anti-DoS settings (src/devices/settings-registry.ts). Keys take Carbonio's spellings too (ZxMobile_NotificationsLatency, ...), in any case (push-settings.ts).
// The change applies to new Pings at once on this server and within a few seconds on the others.
import type { FastifyInstance } from 'fastify';
import { resolveSettingKey, setSetting, settingViews, SETTING_KEYS, unknownSetting } from '../devices/settings-registry.js';
import { asBody, reqString } from './body.js';
import { authenticate, type AdminDeps } from './context.js';
import { badRequest } from './http-errors.js';
import { requireGlobal } from './policy.js';
import { modeAt } from '../devices/abq-mode.js';
import { abqSettingView, isAbqKey, putAbqMode, registerAbqConfigRoutes } from './routes-config-abq.js';

type Req = { Params: { scope: string }; Querystring: Record<string, string | undefined> };

/** Only the global scope exists: every server of an installation shares one database. */
function checkScope(scope: string): void {
  if (scope.toLowerCase() !== 'global') throw badRequest(`unknown scope "${scope}": settings are global (every server shares them)`);
}

export function registerConfigRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store } = deps;
  registerAbqConfigRoutes(app, deps);

  app.get<Req>('/config/:scope', async (req) => {
    const p = await authenticate(deps, req);
    requireGlobal(p);
    checkScope(req.params.scope);
    const name = req.query.key;
    // abqMode (issue 15) lives beside the registry's settings; per domain and account too (routes-config-abq.ts).
    const abqMode = await modeAt(store, { kind: 'global' });
    const abq = abqSettingView(abqMode, abqMode ?? 'Disabled', 'global');
    if (isAbqKey(name)) return { scope: 'global', settings: [abq] };
    let keys = SETTING_KEYS;
    if (name !== undefined && name !== '') {
      const key = resolveSettingKey(name);
      if (!key) throw unknownSetting(name);
      keys = [key];
    }
    return { scope: 'global', settings: [...(await settingViews(store, keys)), ...(name ? [] : [abq])] };
  });

  app.put<Req>('/config/:scope', async (req) => {
    const p = await authenticate(deps, req);
    requireGlobal(p);
    checkScope(req.params.scope);
    const body = asBody(req.body);
    const name = reqString(body, 'key');
    if (!('value' in body) || body.value === null) throw badRequest('"value" is required');
    if (isAbqKey(name)) return putAbqMode(deps, p, { kind: 'global' }, 'global', body.value);
    const r = await setSetting(store, name, body.value);
    deps.log.info({ event: 'setting-changed', scope: 'global', key: r.key, value: r.value, previous: r.previous, by: p.account.email }, 'setting changed');
    return { scope: 'global', key: r.key, value: r.value, previous: r.previous };
  });
}
