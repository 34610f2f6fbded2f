// Admin API: simulated sync (issue 15 part 6, Carbonio's `carbonio mobile doSimulateSync`), for global and
// delegated admins (an account of their domains, manageableAccount):
//   POST /accounts/:email/simulate-sync {deviceId, initial?, days?, deviceType?, windowSize?, maxWindows?}
//     deviceId    `new` (a device that never synced) or the id of one of the account's devices (404 if none)
//     initial     true (default): a full initial sync from SyncKey 0; false: the device's next incremental
//                 Sync from its SyncState (refused for `new`, which has none)
//     days        0 (default, everything) to 180: the FilterType cut-off, rounded up to an EAS FilterType
//     deviceType  iphone | android: the client profile (src/eas/sync/simulate-profiles.ts); default: guessed
//                 from the device's type, iphone for `new`
//     windowSize  1..512: overrides the profile's (and the device's own) WindowSize
//     maxWindows  1..1000 (default 200): windows simulated per folder at most
//     maxMs       1..10000 (default 10000): the wall-clock budget of the whole run
// The answer is the report (src/devices/sync-simulation.ts). It changes nothing: the simulator keeps the
// device's SyncState in memory and writes nothing (src/eas/sync/simulate-state.ts). One log line per run
// names who ran it.
import type { FastifyInstance } from 'fastify';
import { asDeviceId } from '../core/ids.js';
import { SIMULATED_DEVICE_TYPES, SIMULATION_LIMITS, type SimulatedDeviceType, type SimulationRequest } from '../devices/sync-simulation.js';
import type { Device } from '../store/types.js';
import { asBody, optBool, reqString, type Body } from './body.js';
import { authenticate, manageableAccount, type AdminDeps } from './context.js';
import { badRequest, notFound } from './http-errors.js';

/** A whole number in [min, max] (a JSON number or its decimal text); undefined when absent. */
function optInt(b: Body, key: string, min: number, max: number): number | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d{1,9}\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw badRequest(`"${key}" must be a whole number from ${min} to ${max}`);
  return n;
}

function deviceTypeOf(b: Body, device: Device | null): SimulatedDeviceType {
  const v = b.deviceType;
  if (v === undefined || v === null) return device && !/ip(hone|ad|od)|apple/i.test(device.deviceType) ? 'android' : 'iphone';
  const t = typeof v === 'string' ? v.toLowerCase() : '';
  const known = SIMULATED_DEVICE_TYPES.find((x) => x === t);
  if (!known) throw badRequest(`"deviceType" must be one of ${SIMULATED_DEVICE_TYPES.join(', ')}`);
  return known;
}

export function registerSimulateSyncRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.post<{ Params: { email: string } }>('/accounts/:email/simulate-sync', async (req) => {
    const p = await authenticate(deps, req);
    const account = await manageableAccount(deps, p, req.params.email);
    const b = asBody(req.body);
    const id = reqString(b, 'deviceId');
    const isNew = id.toLowerCase() === 'new';
    const device = isNew ? null : await deps.store.devices.get(account.id, asDeviceId(id));
    if (!isNew && !device) throw notFound(`device ${id.slice(0, 64)} of ${account.email}`);
    const initial = optBool(b, 'initial') ?? true;
    if (isNew && !initial) throw badRequest('a new device has no SyncState: "initial" false needs an existing device');
    const request: SimulationRequest = {
      account,
      deviceId: device?.deviceId ?? null,
      initial,
      days: optInt(b, 'days', 0, SIMULATION_LIMITS.maxDays) ?? 0,
      deviceType: deviceTypeOf(b, device),
      windowSize: optInt(b, 'windowSize', 1, SIMULATION_LIMITS.maxWindowSize) ?? null,
      maxWindows: optInt(b, 'maxWindows', 1, SIMULATION_LIMITS.maxWindowsPerFolder) ?? SIMULATION_LIMITS.defaultWindowsPerFolder,
      maxMs: optInt(b, 'maxMs', 1, SIMULATION_LIMITS.maxMs) ?? SIMULATION_LIMITS.maxMs,
    };
    const report = await deps.simulateSync(request);
    deps.log.info({
      event: 'simulate-sync', account: account.email, deviceId: report.device, initial, days: request.days, deviceType: request.deviceType,
      items: report.total.items, windows: report.total.windows, bytes: report.total.bytes, ms: report.total.ms, capped: report.capped, by: p.account.email,
    }, 'simulated sync run');
    return report;
  });
}
