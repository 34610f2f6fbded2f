// Self-service device API under /api/self (Zimbra's urn:zimbraSync user requests GetDeviceStatus,
// RemoveDevice, SuspendDevice, ResumeDevice, carbonio-features.md 4.1, plus Carbonio's reset): any
// account, with HTTP Basic and a password valid for the web UI (or the web console's session cookie),
// manages its own devices and only them.
//   GET    /devices                      its devices          GET /devices/:deviceId[?verbose=true]
//   DELETE /devices/:deviceId            remove               POST /devices[/:deviceId]/reset
//   POST   /devices/:deviceId/suspend    suspend              POST /devices[/:deviceId]/resume
// Its credentials: routes-self-credentials.ts; its remote wipe and out-of-office: routes-self-extra.ts.
// Same JSON and error shapes as the admin API; the same operations (devices/management.ts).
import { isProxyAddress } from '../core/addresses.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseBasicAuth } from '../core/basic-auth.js';
import { DeviceManagement, findDevice } from '../devices/management.js';
import { effectivePolicy } from '../devices/policy.js';
import { deviceProgress } from '../devices/progress.js';
import type { Account } from '../store/types.js';
import type { AdminDeps } from './context.js';
import { HttpError, sendError, toHttpError } from './http-errors.js';
import { applyRouteSchemas } from './route-schemas.js';
import { noteActor, registerAudit } from './audit-hook.js';
import { deviceActions, registerActionTable } from './routes-device-actions.js';
import { registerSelfCredentialRoutes } from './routes-self-credentials.js';
import { registerSelfExtraRoutes } from './routes-self-extra.js';
import { sessionOf, wantsBasicChallenge } from './session-auth.js';
import { deviceView, progressView, queryBool } from './routes-devices.js';

type P<T extends string> = { Params: Record<T, string>; Querystring: Record<string, string | undefined> };

export function selfApi(deps: AdminDeps) {
  return (app: FastifyInstance): Promise<void> => {
    const { store, log } = deps;
    const devices = new DeviceManagement(store, { sessions: deps.sessions, onAbortError: (err) => log.warn({ err }, 'ending a held device request failed') });
    const actions = deviceActions(log, devices, 'self');

    app.setErrorHandler((err, req, reply) => {
      const e = toHttpError(err);
      if (e.status >= 500) req.log.error({ err }, 'self-service API error');
      else req.log.info({ status: e.status, code: e.code }, e.message);
      if (e.status === 401 && wantsBasicChallenge(req)) void reply.header('www-authenticate', 'Basic realm="carbonio", charset="UTF-8"');
      return sendError(reply, e);
    });
    app.setNotFoundHandler((_req, reply) => sendError(reply, new HttpError(404, 'not-found', 'no such endpoint')));
    app.removeContentTypeParser('text/plain');
    applyRouteSchemas(app, 'self');
    registerAudit(app, deps, 'self');

    /** The account itself, by its own password (or a credential bound to WebUI). */
    async function me(req: FastifyRequest): Promise<Account> {
      if (req.headers.authorization === undefined) return (await sessionOf(deps.webSessions, req, 'user')).account;
      const creds = parseBasicAuth(req.headers.authorization);
      if (!creds) throw new HttpError(401, 'unauthorized', 'authentication required');
      const r = await deps.auth.verify(creds.user, creds.pass, 'webui', { remoteAddress: req.ip, addressIsProxy: isProxyAddress(deps.config.trustedProxies, req.ip) });
      if (!r.ok) throw new HttpError(401, 'unauthorized', 'authentication failed');
      noteActor(req, r.account);
      return r.account;
    }

    app.get('/devices', async (req) => {
      const a = await me(req);
      // Whether a device without a policy key is refused (needs provisioning) or simply syncs without a policy.
      const policyEnforced = (await effectivePolicy(store, a)).enabled;
      return { account: a.email, policyEnforced, devices: (await store.devices.list(a.id)).map(deviceView) };
    });

    app.get<P<'deviceId'>>('/devices/:deviceId', async (req) => {
      const a = await me(req);
      const verbose = queryBool(req.query.verbose, 'verbose');
      const d = await findDevice(store, a, req.params.deviceId);
      if (!verbose) return { account: a.email, device: deviceView(d) };
      return { account: a.email, device: deviceView(d), sync: (await deviceProgress(store, a, d.deviceId)).map(progressView) };
    });

    // remove, reset, suspend, resume: the admin API's table, for the account itself.
    registerActionTable(app, '/devices', actions, async (req) => {
      const a = await me(req);
      return { account: a, by: a.email };
    });

    registerSelfCredentialRoutes(app, deps, me);
    registerSelfExtraRoutes(app, deps, me);
    return Promise.resolve();
  };
}
