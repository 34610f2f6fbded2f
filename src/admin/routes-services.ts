// Admin API: the mobile services (carbonio-features.md 3.6, `carbonio mobile getServices`,
// `doStartService|doStopService|doRestartService <service>`) and the anti-DoS jails (5.7).
//   GET    /mobile/services                          every service: running, could_start, could_stop, [could_not_start_because]
//   POST   /mobile/services/:name/start|stop|restart  change one (aliases activesync-services, abq-services)
//   GET    /antidos/jails                            live jails (a delegated admin: his domains' accounts only)
//   DELETE /antidos/jails                            free every jailed device (global admin)
//   DELETE /antidos/jails/:email[/:deviceId]          free an account's devices, or one
// Services are global admin only: they act on the whole installation. Each change logs one line.
import type { FastifyInstance } from 'fastify';
import { asDeviceId } from '../core/ids.js';
import { resetAntiDosState } from '../devices/anti-dos.js';
import { changeService, invalidateSnapshot, listServices, resolveService, unknownService, type ServiceAction } from '../devices/services.js';
import type { Account, MobileJail } from '../store/types.js';
import { authenticate, manageableAccount, type AdminDeps } from './context.js';
import { notFound } from './http-errors.js';
import { canManageAccount, isGlobal, requireGlobal } from './policy.js';
import { isoTime } from './views.js';

const ACTIONS: readonly ServiceAction[] = ['start', 'stop', 'restart'];

const jailView = (j: MobileJail, account: Account | undefined, now: number) => ({
  account: account?.email ?? String(j.accountId), deviceId: j.deviceId, jailedAt: isoTime(j.jailedAt),
  until: isoTime(j.until), secondsLeft: Math.max(0, Math.ceil((j.until - now) / 1000)), requests: j.requests, windowMs: j.windowMs,
});

export function registerServiceRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store } = deps;

  app.get('/mobile/services', async (req) => {
    const p = await authenticate(deps, req);
    requireGlobal(p);
    return { services: await listServices(store) };
  });

  app.post<{ Params: { name: string; action: string } }>('/mobile/services/:name/:action', async (req) => {
    const p = await authenticate(deps, req);
    requireGlobal(p);
    const name = resolveService(req.params.name);
    if (!name) throw unknownService(req.params.name);
    const action = ACTIONS.find((a) => a === req.params.action);
    if (!action) throw notFound(`action ${req.params.action.slice(0, 32)} (start, stop or restart)`);
    const r = await changeService(store, name, action, p.account.email);
    if (name === 'anti-dos') resetAntiDosState(store);
    deps.log.warn({ event: 'mobile-service-changed', service: name, action, running: r.service.running, jailsReleased: r.released, by: p.account.email },
      `mobile service ${name} ${action === 'stop' ? 'stopped' : action === 'start' ? 'started' : 'restarted'} by ${p.account.email}`);
    return { service: r.service, ...(name === 'anti-dos' && action === 'restart' ? { jailsReleased: r.released } : {}) };
  });

  app.get('/antidos/jails', async (req) => {
    const p = await authenticate(deps, req);
    const now = Date.now();
    const jails = await store.mobileServices.liveJails(now);
    const accounts = new Map<string, Account | null>();
    const out = [];
    for (const j of jails) {
      if (!accounts.has(j.accountId)) accounts.set(j.accountId, await store.accounts.getById(j.accountId));
      const a = accounts.get(j.accountId) ?? null;
      if (!isGlobal(p) && !(a && canManageAccount(p, a))) continue;
      out.push(jailView(j, a ?? undefined, now));
    }
    return { jails: out };
  });

  app.delete('/antidos/jails', async (req) => {
    const p = await authenticate(deps, req);
    requireGlobal(p);
    const released = await store.mobileServices.release('all', Date.now());
    freed(deps, released, 'every device', p.account.email);
    return { released };
  });

  const releaseOne = async (req: { params: { email: string; deviceId?: string } } & Parameters<typeof authenticate>[1]) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    const deviceId = req.params.deviceId;
    const released = await store.mobileServices.release({ accountId: a.id, ...(deviceId !== undefined ? { deviceId: asDeviceId(deviceId) } : {}) }, Date.now());
    freed(deps, released, deviceId !== undefined ? `device ${deviceId} of ${a.email}` : `the devices of ${a.email}`, p.account.email);
    return { account: a.email, ...(deviceId !== undefined ? { deviceId } : {}), released };
  };
  app.delete<{ Params: { email: string } }>('/antidos/jails/:email', (req) => releaseOne(req));
  app.delete<{ Params: { email: string; deviceId: string } }>('/antidos/jails/:email/:deviceId', (req) => releaseOne(req));
}

/** This process forgets its own jails and counts at once; the others follow their next snapshot (a second). */
function freed(deps: AdminDeps, released: number, what: string, by: string): void {
  invalidateSnapshot(deps.store);
  resetAntiDosState(deps.store);
  deps.log.info({ event: 'anti-dos-release', released, what, by }, `anti-dos: ${what} freed by ${by} (${released} jail(s))`);
}
