// Admin API: Carbonio's device commands over SyncStates (carbonio-features.md 3.1), for global and
// delegated admins (an account of their domains); the operations are src/devices/management.ts.
//   DELETE /accounts/:email/devices/:deviceId            doRemoveDevice
//   POST   /accounts/:email/devices/:deviceId/reset      doResetDevice <account> <device_id>
//   POST   /accounts/:email/devices/reset                doResetDevice <account> (all) / doResetAccount
//   POST   /accounts/:email/devices/:deviceId/suspend    doSuspendDeviceSync
//   POST   /accounts/:email/devices/:deviceId/resume     doResumeDeviceSync <account> device_id <id>
//   POST   /accounts/:email/devices/resume               doResumeDeviceSync <account> (all)
//   POST   /devices/purge {retentionPeriod}              doPurgeMobileState (global admin only)
// doWipeDevice / doCancelWipeDevice stay in routes-provisioning.ts; a hook here ends the device's held
// requests once either has answered 200. Each change logs one line naming who made it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '../core/logger.js';
import { DeviceManagement, parseRetentionDays, type ResetDevice, type ResumeOutcome } from '../devices/management.js';
import type { Account, Device } from '../store/types.js';
import { asBody } from './body.js';
import { authenticate, manageableAccount, type AdminDeps } from './context.js';
import { forbidden } from './http-errors.js';
import { isGlobal } from './policy.js';
import { deviceStatusMeaning, deviceView } from './routes-devices.js';

type P<T extends string> = { Params: Record<T, string> };

const brief = (d: Device) => ({ id: d.deviceId, type: d.deviceType, model: d.info.model ?? null, protocol: d.protocolVersion });

const resetView = (r: ResetDevice) => ({ ...brief(r.device), collections: r.collections });

const resumeMessage: Record<Exclude<ResumeOutcome, { changed: true }>['reason'], string> = {
  'not-suspended': 'not suspended: nothing to resume',
  'wipe-pending': 'a remote wipe is pending: left as it is',
  wiped: 'wiped: left as it is',
};
const resumeView = (r: ResumeOutcome) => ({
  ...brief(r.device),
  status: r.device.status,
  statusMeaning: deviceStatusMeaning[r.device.status],
  changed: r.changed,
  message: r.changed ? `resumed (${deviceStatusMeaning[r.device.status]})` : resumeMessage[r.reason],
});

/**
 * The account-level operations with their answer and log line, shared with the self-service API:
 * `by` is who asked (an admin's email, or the account itself), `via` which API.
 */
export function deviceActions(log: Logger, devices: DeviceManagement, via: 'admin' | 'self') {
  return {
    async remove(a: Account, id: string, by: string) {
      const r = await devices.remove(a, id);
      log.info({ event: 'device-removed', account: a.email, deviceId: r.device.deviceId, collections: r.collections, by, via }, 'device removed');
      return { account: a.email, removed: { ...brief(r.device), collections: r.collections } };
    },
    async reset(a: Account, id: string | undefined, by: string) {
      const r = await devices.reset(a, id);
      const collections = r.reduce((n, d) => n + d.collections.length, 0);
      log.info({ event: 'device-reset', account: a.email, deviceIds: r.map((d) => d.device.deviceId), collections, by, via }, id === undefined ? 'all devices of the account reset' : 'device reset');
      return { account: a.email, all: id === undefined, devices: r.map(resetView), collectionsDropped: collections };
    },
    async suspend(a: Account, id: string, by: string) {
      const r = await devices.suspend(a, id);
      log.info({ event: 'device-suspended', account: a.email, deviceId: r.device.deviceId, changed: r.changed, by, via }, 'device sync suspended');
      return { account: a.email, device: deviceView(r.device), changed: r.changed };
    },
    async resume(a: Account, id: string | undefined, by: string) {
      const r = await devices.resume(a, id);
      log.info({ event: 'device-resumed', account: a.email, deviceIds: r.filter((x) => x.changed).map((x) => x.device.deviceId), by, via }, 'device sync resumed');
      return { account: a.email, all: id === undefined, devices: r.map(resumeView), resumed: r.filter((x) => x.changed).length };
    },
  };
}


export function registerDeviceActionRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store, log } = deps;
  const devices = new DeviceManagement(store, { sessions: deps.sessions, onAbortError: (err) => log.warn({ err }, 'ending a held device request failed') });
  const actions = deviceActions(log, devices, 'admin');

  const target = async (req: FastifyRequest, email: string) => {
    const p = await authenticate(deps, req);
    return { by: p.account.email, account: await manageableAccount(deps, p, email) };
  };

  app.delete<P<'email' | 'deviceId'>>('/accounts/:email/devices/:deviceId', async (req) => {
    const t = await target(req, req.params.email);
    return actions.remove(t.account, req.params.deviceId, t.by);
  });

  app.post<P<'email' | 'deviceId'>>('/accounts/:email/devices/:deviceId/reset', async (req) => {
    const t = await target(req, req.params.email);
    return actions.reset(t.account, req.params.deviceId, t.by);
  });

  app.post<P<'email'>>('/accounts/:email/devices/reset', async (req) => {
    const t = await target(req, req.params.email);
    return actions.reset(t.account, undefined, t.by);
  });

  app.post<P<'email' | 'deviceId'>>('/accounts/:email/devices/:deviceId/suspend', async (req) => {
    const t = await target(req, req.params.email);
    return actions.suspend(t.account, req.params.deviceId, t.by);
  });

  app.post<P<'email' | 'deviceId'>>('/accounts/:email/devices/:deviceId/resume', async (req) => {
    const t = await target(req, req.params.email);
    return actions.resume(t.account, req.params.deviceId, t.by);
  });

  app.post<P<'email'>>('/accounts/:email/devices/resume', async (req) => {
    const t = await target(req, req.params.email);
    return actions.resume(t.account, undefined, t.by);
  });

  app.post('/devices/purge', async (req) => {
    const p = await authenticate(deps, req);
    if (!isGlobal(p)) throw forbidden();
    const days = parseRetentionDays(asBody(req.body).retentionPeriod);
    const r = await devices.purge(days);
    const removed = r.removed.map((x) => ({ account: x.account.email, ...brief(x.device), lastUsedDate: new Date(x.device.lastSeen).toISOString() }));
    log.info({ event: 'mobile-state-purged', retentionDays: days, removed: removed.length, devices: removed.map((x) => `${x.account}/${x.id}`), by: p.account.email }, 'stale devices purged');
    return { retentionPeriod: days, cutoff: new Date(r.cutoff).toISOString(), count: removed.length, removed };
  });
}
