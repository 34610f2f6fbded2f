// Device management over SyncStates, shared by the admin API and the self-service API (Carbonio's
// `carbonio mobile` doRemoveDevice, doResetDevice, doResetAccount, doSuspendDeviceSync,
// doResumeDeviceSync, doPurgeMobileState, getAllDevices; carbonio-features.md 3.1, eas-protocol.md 4.9):
// - remove: the device record, all its SyncState, held items and device records (Ping parameters...) go;
//   its next request is a new device.
// - reset: the SyncState, held items and device records go, the record stays; the old keys then fail (FolderSync 9,
//   Sync 3) and the device downloads everything again.
// - suspend / resume: status 2, and back to 1 (0 when it holds no policy key); refused while a wipe
//   is pending or done.
// - purge: devices unseen for the retention period are removed.
// Rights are the caller's business; errors are StoreErrors (not-found, conflict, invalid). Once a
// change is committed, the device's held requests are ended (sessions.ts).
import { StoreError } from '../core/errors.js';
import { asDeviceId, type AccountId, type DeviceId, type DomainId } from '../core/ids.js';
import { DeviceStatus, type Account, type Device, type Repos, type Store } from '../store/types.js';
import { deviceStates } from './progress.js';
import type { DeviceSessions } from './sessions.js';

/**
 * DeviceIds as the ActiveSync endpoint accepts them (MS-ASHTTP 2.2.1.1.1.2.3; hex for binary ones):
 * letters, digits, `-` and `_`, which real clients use (GUID-style and Android ids), up to 64.
 */
export const DEVICE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const DEFAULT_RETENTION_DAYS = 90;
const MAX_RETENTION_DAYS = 36_500;
const DAY_MS = 86_400_000;

export interface ResetDevice {
  device: Device;
  /** The collection ids whose SyncState was dropped ('hierarchy', folder ids). */
  collections: string[];
}

export type ResumeOutcome = { device: Device; changed: true } | { device: Device; changed: false; reason: 'not-suspended' | 'wipe-pending' | 'wiped' };

export interface PurgedDevice {
  account: Account;
  device: Device;
}

export interface ManagementOptions {
  sessions: DeviceSessions;
  /** Called when ending a held request throws (the operation itself has succeeded). */
  onAbortError?: (err: unknown) => void;
}

const notFound = (what: string): StoreError => new StoreError('not-found', `${what} not found`);
const conflict = (message: string): StoreError => new StoreError('conflict', message);

/** The device named by an id as an admin typed it: the exact id first, then a case-insensitive match. */
export async function findDevice(repos: Pick<Repos, 'devices'>, account: Account, id: string): Promise<Device> {
  if (!DEVICE_ID_RE.test(id)) throw notFound(`device ${id.slice(0, 64)} of ${account.email}`);
  const d = (await repos.devices.get(account.id, asDeviceId(id)))
    ?? (await repos.devices.list(account.id)).find((x) => x.deviceId.toLowerCase() === id.toLowerCase())
    ?? null;
  if (!d) throw notFound(`device ${id} of ${account.email}`);
  return d;
}

/** A positive whole number of days, from a number or a numeric string. */
export function parseRetentionDays(v: unknown): number {
  if (v === undefined || v === null || v === '') return DEFAULT_RETENTION_DAYS;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d{1,9}\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_RETENTION_DAYS) {
    throw new StoreError('invalid', `the retention period must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, not ${JSON.stringify(v)?.slice(0, 40) ?? 'that'}`);
  }
  return n;
}

export class DeviceManagement {
  private readonly sessions: DeviceSessions;

  constructor(private readonly store: Store, private readonly options: ManagementOptions) {
    this.sessions = options.sessions;
  }

  /** Every device with its account (by email, then device id), optionally only of accounts in some domains. */
  async listAll(domainIds?: DomainId[]): Promise<Array<{ account: Account; device: Device }>> {
    // One query joining the accounts, rather than one account read per account.
    return (await this.store.devices.search({ ...(domainIds ? { domainIds } : {}), sort: 'account', order: 'asc', offset: 0 })).rows;
  }

  /** doRemoveDevice: the record, SyncState and held items go; the device's next request registers it anew. */
  async remove(account: Account, id: string): Promise<{ device: Device; collections: number }> {
    const r = await this.store.transaction(async (tx) => {
      const device = await findDevice(tx, account, id);
      const collections = (await deviceStates(tx.deviceState, account, device.deviceId)).length;
      await tx.devices.delete(account.id, device.deviceId);
      return { device, collections };
    });
    this.end(account.id, r.device.deviceId);
    return r;
  }

  /** doResetDevice / doResetAccount: drops the SyncState of one device, or of all the account's devices (no id). */
  async reset(account: Account, id?: string): Promise<ResetDevice[]> {
    const r = await this.store.transaction(async (tx) => {
      const devices = id === undefined ? await tx.devices.list(account.id) : [await findDevice(tx, account, id)];
      const out: ResetDevice[] = [];
      for (const device of devices) {
        const collections = (await deviceStates(tx.deviceState, account, device.deviceId)).map((c) => c.collectionId);
        await tx.deviceState.reset(account.id, device.deviceId);
        out.push({ device, collections });
      }
      return out;
    });
    for (const d of r) this.end(account.id, d.device.deviceId);
    return r;
  }

  /** doSuspendDeviceSync: status 2, every command refused until resumed. `changed` false when it already was. */
  async suspend(account: Account, id: string): Promise<{ device: Device; changed: boolean }> {
    const r = await this.store.transaction(async (tx) => {
      const d = await findDevice(tx, account, id);
      refuseWiped(account, d, 'suspended');
      if (d.status === DeviceStatus.suspended) return { device: d, changed: false };
      return { device: await tx.devices.update(account.id, d.deviceId, { status: DeviceStatus.suspended }), changed: true };
    });
    this.end(account.id, r.device.deviceId);
    return r;
  }

  /**
   * doResumeDeviceSync: a suspended device goes back to 1, or to 0 (needs provisioning) when it holds no
   * policy key. One device: a wipe pending or done is a conflict, an unsuspended device a no-op. All
   * devices (no id): only the suspended ones change; the others are reported as they are.
   */
  async resume(account: Account, id?: string): Promise<ResumeOutcome[]> {
    return this.store.transaction(async (tx) => {
      const devices = id === undefined ? await tx.devices.list(account.id) : [await findDevice(tx, account, id)];
      const out: ResumeOutcome[] = [];
      for (const d of devices) {
        if (id !== undefined) refuseWiped(account, d, 'resumed');
        if (d.status === DeviceStatus.wipeRequested || d.status === DeviceStatus.wiped) {
          out.push({ device: d, changed: false, reason: d.status === DeviceStatus.wiped ? 'wiped' : 'wipe-pending' });
        } else if (d.status !== DeviceStatus.suspended) {
          out.push({ device: d, changed: false, reason: 'not-suspended' });
        } else {
          const status = d.policyKey !== 0 ? DeviceStatus.ok : DeviceStatus.needsProvisioning;
          out.push({ device: await tx.devices.update(account.id, d.deviceId, { status }), changed: true });
        }
      }
      return out;
    });
  }

  /** doPurgeMobileState: removes every device not seen for `retentionDays` days (checked again as each is removed). */
  async purge(retentionDays: number, now = Date.now()): Promise<{ cutoff: number; removed: PurgedDevice[] }> {
    const days = parseRetentionDays(retentionDays);
    const cutoff = now - days * DAY_MS;
    const stale = (await this.listAll()).filter((x) => x.device.lastSeen < cutoff);
    const removed: PurgedDevice[] = [];
    for (const { account, device } of stale) {
      const gone = await this.store.transaction(async (tx) => {
        const cur = await tx.devices.get(device.accountId, device.deviceId);
        if (!cur || cur.lastSeen >= cutoff) return false;
        await tx.devices.delete(device.accountId, device.deviceId);
        return true;
      });
      if (!gone) continue;
      this.end(device.accountId, device.deviceId);
      removed.push({ account, device });
    }
    return { cutoff, removed };
  }

  /** Ends the held requests of a device whose state just changed (wipe, or anything done elsewhere). */
  end(accountId: AccountId, deviceId?: DeviceId): number {
    return this.sessions.endFor(accountId, deviceId, this.options.onAbortError);
  }
}

function refuseWiped(account: Account, d: Device, what: 'suspended' | 'resumed'): void {
  if (d.status === DeviceStatus.wipeRequested) {
    throw conflict(`a remote wipe of device ${d.deviceId} of ${account.email} is pending: it cannot be ${what} (cancel the wipe first)`);
  }
  if (d.status === DeviceStatus.wiped) {
    throw conflict(`device ${d.deviceId} of ${account.email} was wiped: it cannot be ${what} (remove the device to let it connect again)`);
  }
}
