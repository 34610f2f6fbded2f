// Remote wipe (MS-ASPROV 2.2.2.1 RemoteWipe / AccountOnlyRemoteWipe), as the admin API (doWipeDevice,
// CancelPendingRemoteWipe) and the account's own page (a lost phone) request and cancel it: one set of
// rules. A wipe must be confirmed; an account-only wipe needs a 16.1 device (a full RemoteWipe sent
// instead would erase the whole phone); a wiped device stays wiped until removed. `by` and `via` name
// who asked, for the log.
import type { DeviceId } from '../core/ids.js';
import { DeviceStatus, type Account, type Device } from '../store/types.js';
import type { AdminDeps } from './context.js';
import { HttpError, notFound } from './http-errors.js';
import { isoTimeOrNull } from './views.js';

const STATUS_NAMES = ['needs provisioning', 'ok', 'suspended', 'wipe requested', 'wipe done'];
export const wipeView = (a: Account, d: Device) => ({
  account: a.email, deviceId: d.deviceId, deviceType: d.deviceType, model: d.info.model ?? null, protocolVersion: d.protocolVersion,
  status: d.status, statusName: STATUS_NAMES[d.status] ?? String(d.status),
  accountOnly: d.status >= DeviceStatus.wipeRequested && d.wipeAccountOnly, wipeRequestedAt: isoTimeOrNull(d.wipeRequestedAt), wipeDoneAt: isoTimeOrNull(d.wipeDoneAt),
});
const describe = (d: Device): string => `${d.deviceId} (${[d.deviceType, d.info.model, d.protocolVersion && `EAS ${d.protocolVersion}`].filter(Boolean).join(', ')})`;
/** "16.1" -> 161; AccountOnlyRemoteWipe exists from 16.1 on (MS-ASPROV 2.2.2.1). */
export const versionOf = (v: string): number => (/^\d{1,2}\.\d$/.test(v) ? Math.round(Number(v) * 10) : 0);
const conflict = (message: string): HttpError => new HttpError(409, 'conflict', message);

export interface Asker {
  by: string;
  via: 'admin' | 'self';
}

export async function requestWipe(deps: AdminDeps, account: Account, deviceId: DeviceId, opts: { accountOnly: boolean; confirm: boolean }, who: Asker) {
  const { accountOnly, confirm } = opts;
  const r = await deps.store.transaction(async (tx) => {
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
  if (r.changed) deps.log.warn({ event: 'device-wipe-requested', account: account.email, deviceId, accountOnly, by: who.by, via: who.via }, 'remote wipe requested');
  // Whatever the device holds open ends, so it comes back and meets the wipe order at once.
  deps.sessions.endFor(account.id, deviceId);
  return { wipe: wipeView(account, r.device), changed: r.changed };
}

export async function cancelWipe(deps: AdminDeps, account: Account, deviceId: DeviceId, who: Asker) {
  const d = await deps.store.transaction(async (tx) => {
    const cur = await tx.devices.get(account.id, deviceId);
    if (!cur) throw notFound(`device ${deviceId} of ${account.email}`);
    if (cur.status === DeviceStatus.wiped) throw conflict(`device ${deviceId} of ${account.email} has already acknowledged the wipe: it cannot be cancelled`);
    if (cur.status !== DeviceStatus.wipeRequested) throw conflict(`no wipe is pending for device ${deviceId} of ${account.email}`);
    // Back to normal sync with the key it holds, or to "needs provisioning" if it never got one.
    const status = cur.policyKey !== 0 ? DeviceStatus.ok : DeviceStatus.needsProvisioning;
    return tx.devices.update(account.id, deviceId, { status, wipeAccountOnly: false, wipeRequestedAt: null, wipeDoneAt: null });
  });
  deps.log.info({ event: 'device-wipe-cancelled', account: account.email, deviceId, by: who.by, via: who.via }, 'remote wipe cancelled');
  deps.sessions.endFor(account.id, deviceId);
  return { wipe: wipeView(account, d) };
}
