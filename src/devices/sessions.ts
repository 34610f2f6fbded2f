// Requests a device holds open (Ping, a Sync with a wait), so that device management can end them:
// doRemoveDevice, doResetDevice, doSuspendDeviceSync and doWipeDevice say "anything it holds open ends"
// (carbonio-features.md 3.1). A held request registers an abort and unregisters when it finishes on
// its own; the admin operations call endFor once their change is committed. In-process: one instance
// per server (made in app.ts, handed to the EAS front and the admin API).
import type { AccountId, DeviceId } from '../core/ids.js';

export type Abort = () => void;

export class DeviceSessions {
  private readonly byAccount = new Map<AccountId, Map<DeviceId, Set<Abort>>>();

  /** Records a held request of the device; the returned function unregisters it (idempotent). */
  register(accountId: AccountId, deviceId: DeviceId, abort: Abort): () => void {
    let devices = this.byAccount.get(accountId);
    if (!devices) this.byAccount.set(accountId, (devices = new Map<DeviceId, Set<Abort>>()));
    let aborts = devices.get(deviceId);
    if (!aborts) devices.set(deviceId, (aborts = new Set<Abort>()));
    // A function registered twice must still be called once per registration: wrap it.
    const entry: Abort = () => abort();
    aborts.add(entry);
    return () => this.remove(accountId, deviceId, entry);
  }

  /**
   * Ends the held requests of one device, or (no deviceId) of every device of the account: each abort
   * is unregistered, then called once. An abort that throws does not stop the others; its error is
   * handed to `onError`. Returns how many were ended.
   */
  endFor(accountId: AccountId, deviceId?: DeviceId, onError?: (err: unknown) => void): number {
    const devices = this.byAccount.get(accountId);
    if (!devices) return 0;
    const ids = deviceId === undefined ? [...devices.keys()] : [deviceId];
    const ended: Abort[] = [];
    for (const id of ids) {
      const aborts = devices.get(id);
      if (!aborts) continue;
      ended.push(...aborts);
      devices.delete(id);
    }
    if (devices.size === 0) this.byAccount.delete(accountId);
    for (const abort of ended) {
      try {
        abort();
      } catch (err) {
        onError?.(err);
      }
    }
    return ended.length;
  }

  /** Ends every held request (shutdown). */
  endAll(onError?: (err: unknown) => void): number {
    let n = 0;
    for (const accountId of [...this.byAccount.keys()]) n += this.endFor(accountId, undefined, onError);
    return n;
  }

  /** How many held requests are registered: of one device, of an account, or in all. */
  count(accountId?: AccountId, deviceId?: DeviceId): number {
    const sum = (m: Map<DeviceId, Set<Abort>>): number => [...m.values()].reduce((n, s) => n + s.size, 0);
    if (accountId === undefined) return [...this.byAccount.values()].reduce((n, m) => n + sum(m), 0);
    const devices = this.byAccount.get(accountId);
    if (!devices) return 0;
    return deviceId === undefined ? sum(devices) : devices.get(deviceId)?.size ?? 0;
  }

  private remove(accountId: AccountId, deviceId: DeviceId, entry: Abort): void {
    const devices = this.byAccount.get(accountId);
    const aborts = devices?.get(deviceId);
    if (!devices || !aborts) return;
    aborts.delete(entry);
    if (aborts.size === 0) devices.delete(deviceId);
    if (devices.size === 0) this.byAccount.delete(accountId);
  }
}


