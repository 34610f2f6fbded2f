// Requests a device holds open (Ping, a Sync with a wait), so that device management can end them:
// doRemoveDevice, doResetDevice, doSuspendDeviceSync and doWipeDevice say "anything it holds open ends"
// (carbonio-features.md 3.1). A held request registers an abort and unregisters when it finishes on
// its own; the admin operations call endFor once their change is committed. In-process: one instance
// per server (made in app.ts, handed to the EAS front and the admin API). What each request is
// (command, heartbeat, since) is kept for `carbonio mobile getActiveSessions` and the metrics.
import type { AccountId, DeviceId } from '../core/ids.js';

export type Abort = () => void;

/** What a held request is, as getActiveSessions shows it. */
export interface SessionInfo {
  /** The EAS command: Ping or Sync. */
  command: string;
  /** How long it may be held, in seconds. */
  heartbeat: number;
  /** When it started waiting (epoch ms). */
  since: number;
}

export interface HeldRequest {
  accountId: AccountId;
  deviceId: DeviceId;
  /** Null for a request registered without its details. */
  command: string | null;
  heartbeat: number | null;
  since: number;
}

/** One registration: its abort and what it is. An object per registration, so one function registered twice is still called once per registration. */
interface Entry {
  abort: Abort;
  command: string | null;
  heartbeat: number | null;
  since: number;
}

export class DeviceSessions {
  // Per device a list, not a Map: a device holds one request nearly always, and a server holds one per
  // phone (a one-entry Map costs some 150 bytes more, issue 16 part 2).
  private readonly byAccount = new Map<AccountId, Map<DeviceId, Entry[]>>();

  /** Records a held request of the device; the returned function unregisters it (idempotent). */
  register(accountId: AccountId, deviceId: DeviceId, abort: Abort, info?: SessionInfo): () => void {
    let devices = this.byAccount.get(accountId);
    if (!devices) this.byAccount.set(accountId, (devices = new Map<DeviceId, Entry[]>()));
    const entry: Entry = info ? { abort, command: info.command, heartbeat: info.heartbeat, since: info.since } : { abort, command: null, heartbeat: null, since: Date.now() };
    const entries = devices.get(deviceId);
    if (entries) entries.push(entry);
    else devices.set(deviceId, [entry]);
    return () => this.remove(accountId, deviceId, entry);
  }

  /** The held requests of an account, or of every account, oldest first. */
  list(accountId?: AccountId): HeldRequest[] {
    const out: HeldRequest[] = [];
    for (const [a, devices] of this.byAccount) {
      if (accountId !== undefined && a !== accountId) continue;
      for (const [deviceId, entries] of devices) {
        for (const { command, heartbeat, since } of entries) out.push({ accountId: a, deviceId, command, heartbeat, since });
      }
    }
    return out.sort((x, y) => x.since - y.since);
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
      const entries = devices.get(id);
      if (!entries) continue;
      for (const e of entries) ended.push(e.abort);
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
    const sum = (m: Map<DeviceId, Entry[]>): number => [...m.values()].reduce((n, s) => n + s.length, 0);
    if (accountId === undefined) return [...this.byAccount.values()].reduce((n, m) => n + sum(m), 0);
    const devices = this.byAccount.get(accountId);
    if (!devices) return 0;
    return deviceId === undefined ? sum(devices) : devices.get(deviceId)?.length ?? 0;
  }

  private remove(accountId: AccountId, deviceId: DeviceId, entry: Entry): void {
    const devices = this.byAccount.get(accountId);
    const entries = devices?.get(deviceId);
    if (!devices || !entries) return;
    const i = entries.indexOf(entry);
    if (i < 0) return;
    entries.splice(i, 1);
    if (entries.length === 0) devices.delete(deviceId);
    if (devices.size === 0) this.byAccount.delete(accountId);
  }
}
