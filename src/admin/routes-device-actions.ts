// Admin API: Carbonio's device commands over SyncStates (carbonio-features.md 3.1), for global and
// delegated admins (an account of their domains); the operations are src/devices/management.ts.
//   DELETE /accounts/:email/devices/:deviceId            doRemoveDevice
//   POST   /accounts/:email/devices/:deviceId/reset      doResetDevice <account> <device_id>
//   POST   /accounts/:email/devices/reset                doResetDevice <account> (all) / doResetAccount
//   POST   /accounts/:email/devices/:deviceId/suspend    doSuspendDeviceSync
//   POST   /accounts/:email/devices/:deviceId/resume     doResumeDeviceSync <account> device_id <id>
//   POST   /accounts/:email/devices/resume               doResumeDeviceSync <account> (all)
//   POST   /devices/purge {retentionPeriod}              doPurgeMobileState (global admin only)
// The six account-level routes are one table (ACTION_ROUTES), also registered by the self-service API
// under /api/self/devices. doWipeDevice / doCancelWipeDevice stay in routes-provisioning.ts, which ends
// the device's held requests itself. Each change logs one line naming who made it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '../core/logger.js';
import { DeviceManagement, parseRetentionDays, type ResetDevice, type ResumeOutcome } from '../devices/management.js';
import type { Account, Device } from '../store/types.js';
import { asBody } from './body.js';
import { authenticate, manageableAccount, type AdminDeps } from './context.js';
import { requireGlobal } from './policy.js';
import { deviceStatusMeaning, deviceView } from './routes-devices.js';
import { isoTime } from './views.js';

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


type DeviceActions = ReturnType<typeof deviceActions>;

/** Who acts, on which account: an admin on an account he manages, or the account itself. */
export type ActionTarget = (req: FastifyRequest, params: ActionParams) => Promise<{ account: Account; by: string }>;
type ActionParams = Partial<Record<'email' | 'deviceId', string>>;

/** A route under the API's device collection (/accounts/:email/devices, or /devices for the account itself). */
type ActionRoute = { method: 'DELETE' | 'POST'; path: string } & (
  /** The path names the device (:deviceId). */
  | { one: (actions: DeviceActions, account: Account, deviceId: string, by: string) => Promise<unknown> }
  /** Every device of the account. */
  | { all: (actions: DeviceActions, account: Account, by: string) => Promise<unknown> });

const ACTION_ROUTES: readonly ActionRoute[] = [
  { method: 'DELETE', path: '/:deviceId', one: (x, a, id, by) => x.remove(a, id, by) },
  { method: 'POST', path: '/:deviceId/reset', one: (x, a, id, by) => x.reset(a, id, by) },
  { method: 'POST', path: '/reset', all: (x, a, by) => x.reset(a, undefined, by) },
  { method: 'POST', path: '/:deviceId/suspend', one: (x, a, id, by) => x.suspend(a, id, by) },
  { method: 'POST', path: '/:deviceId/resume', one: (x, a, id, by) => x.resume(a, id, by) },
  { method: 'POST', path: '/resume', all: (x, a, by) => x.resume(a, undefined, by) },
];

/** Registers the table under `base`; each answer and log line is the action's (deviceActions). */
export function registerActionTable(app: FastifyInstance, base: string, actions: DeviceActions, target: ActionTarget): void {
  for (const r of ACTION_ROUTES) {
    app.route<{ Params: ActionParams }>({
      method: r.method,
      url: `${base}${r.path}`,
      handler: async (req) => {
        const t = await target(req, req.params);
        // A `one` route's path has :deviceId, so the router always fills it.
        return 'one' in r ? r.one(actions, t.account, req.params.deviceId ?? '', t.by) : r.all(actions, t.account, t.by);
      },
    });
  }
}

export function registerDeviceActionRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store, log } = deps;
  const devices = new DeviceManagement(store, { sessions: deps.sessions, onAbortError: (err) => log.warn({ err }, 'ending a held device request failed') });

  registerActionTable(app, '/accounts/:email/devices', deviceActions(log, devices, 'admin'), async (req, params) => {
    const p = await authenticate(deps, req);
    return { by: p.account.email, account: await manageableAccount(deps, p, params.email ?? '') };
  });

  app.post('/devices/purge', async (req) => {
    const p = await authenticate(deps, req);
    requireGlobal(p);
    const days = parseRetentionDays(asBody(req.body).retentionPeriod);
    const r = await devices.purge(days);
    const removed = r.removed.map((x) => ({ account: x.account.email, ...brief(x.device), lastUsedDate: isoTime(x.device.lastSeen) }));
    log.info({ event: 'mobile-state-purged', retentionDays: days, removed: removed.length, devices: removed.map((x) => `${x.account}/${x.id}`), by: p.account.email }, 'stale devices purged');
    return { retentionPeriod: days, cutoff: isoTime(r.cutoff), count: removed.length, removed };
  });
}
