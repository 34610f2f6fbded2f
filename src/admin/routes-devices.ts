// Admin API: the device registry, as Carbonio's GetDeviceStatus shows it (id, type, protocol, ua, the
// Settings DeviceInformation fields, status, provisionable, firstReqReceived, lastUsedDate, remote wipe
// times) plus what we also know: last address, whether a policy key is held, the User-Agent history.
//   GET /accounts/:email/devices                      getDeviceList
//   GET /accounts/:email/devices/:deviceId[?verbose=true]  getDeviceInfo (verbose: per-folder sync progress)
//   GET /devices[?domains=d1,d2][&q=&sort=&order=&offset=&limit=]  getAllDevices (a delegated admin: his
//       domains only, never a global admin's devices); searched, sorted and paged by the database
//       (device-query.ts for the parameters); without a limit, every matching device
//   GET /accounts/:email/devices/:deviceId/recovery-password  the recovery password the device set
//       (Settings DevicePassword, when its policy enables recovery); views only say recoveryPasswordSet
// Read-only here; the do* commands are routes-device-actions.ts, wipe and provisioning routes-provisioning.ts.
import type { FastifyInstance } from 'fastify';
import type { DomainId } from '../core/ids.js';
import { findDevice } from '../devices/management.js';
import { deviceProgress, type CollectionProgress } from '../devices/progress.js';
import type { Device, DeviceStatus } from '../store/types.js';
import { authenticate, domainNames, manageableAccount, manageableDomain, type AdminDeps } from './context.js';
import { one, parseDevicePageQuery } from './device-query.js';
import { badRequest } from './http-errors.js';
import { isGlobal } from './policy.js';
import { isoTime, isoTimeOrNull } from './views.js';

type P<T extends string> = { Params: Record<T, string>; Querystring: Record<string, string | undefined> };

/** Carbonio's meanings of the device status codes (GetDeviceStatusResponse). */
export const deviceStatusMeaning: Record<DeviceStatus, string> = {
  0: 'needs provisioning',
  1: 'ok',
  2: 'suspended',
  3: 'remote wipe requested',
  4: 'remote wipe complete',
};

/** Carbonio counts these in seconds since the epoch. */
const seconds = (ms: number | null): number | null => (ms === null ? null : Math.floor(ms / 1000));

export const deviceView = (d: Device) => ({
  id: d.deviceId,
  type: d.deviceType,
  protocol: d.protocolVersion,
  ua: d.userAgent,
  model: d.info.model ?? null,
  imei: d.info.imei ?? null,
  friendly_name: d.info.friendlyName ?? null,
  os: d.info.os ?? null,
  os_language: d.info.osLanguage ?? null,
  phone_number: d.info.phoneNumber ?? null,
  operator: d.info.operator ?? null,
  enableOutboundSms: d.info.enableOutboundSms ?? null,
  status: d.status,
  statusMeaning: deviceStatusMeaning[d.status] ?? 'unknown',
  // Known once the device took part in Provision: it was handed a key, or holds one.
  provisionable: d.policyKey !== 0 || d.pendingPolicyKey !== 0,
  hasPolicyKey: d.policyKey !== 0,
  // Carbonio's keys, in ISO like every time; its seconds since the epoch under ...Epoch.
  firstReqReceived: isoTimeOrNull(d.firstSeen),
  firstReqReceivedEpoch: seconds(d.firstSeen),
  lastUsedDate: isoTime(d.lastSeen),
  lastAddress: d.lastAddress,
  remoteWipeReqTime: isoTimeOrNull(d.wipeRequestedAt),
  remoteWipeReqTimeEpoch: seconds(d.wipeRequestedAt),
  remoteWipeAckTime: isoTimeOrNull(d.wipeDoneAt),
  remoteWipeAckTimeEpoch: seconds(d.wipeDoneAt),
  wipeAccountOnly: d.wipeAccountOnly,
  // The password itself only through its own route (Carbonio's GetDeviceStatus recoveryPassword).
  recoveryPasswordSet: d.info.recoveryPassword !== undefined,
  userAgentHistory: (d.info.userAgentHistory ?? []).map((h) => ({ ua: h.userAgent, firstSeen: isoTimeOrNull(h.firstSeen) })),
});

/** One collection's SyncState: the folder, the key's counter, when it last moved, how much the device holds. */
export const progressView = (c: CollectionProgress) => ({
  collectionId: c.collectionId,
  kind: c.kind,
  folderId: c.folderId,
  folder: c.kind === 'hierarchy' ? '(folder hierarchy)' : c.kind === 'deleted' ? '(deleted folder)' : c.folder,
  syncKey: c.syncKey,
  lastSync: isoTime(c.updatedAt),
  held: c.held,
  total: c.total,
  progress: c.held === null || c.total === null ? null
    : `${c.total === 0 ? 100 : Math.min(100, Math.floor((c.held * 100) / c.total))}% (${c.held}/${c.total})`,
  attentionNeeded: c.attentionNeeded,
});

/** `true`/`false` (or absent: false) in a query string. */
export function queryBool(v: string | undefined, name: string): boolean {
  if (v === undefined || v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw badRequest(`"${name}" must be true or false`);
}

export function registerDeviceRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store } = deps;

  app.get<P<'email'>>('/accounts/:email/devices', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    return { account: a.email, devices: (await store.devices.list(a.id)).map(deviceView) };
  });

  app.get<P<'email' | 'deviceId'>>('/accounts/:email/devices/:deviceId', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    const verbose = queryBool(req.query.verbose, 'verbose');
    // Admins copy ids from logs in whatever case; the exact id first, then a case-insensitive match.
    const d = await findDevice(store, a, req.params.deviceId);
    if (!verbose) return { account: a.email, device: deviceView(d) };
    return { account: a.email, device: deviceView(d), sync: (await deviceProgress(store, a, d.deviceId)).map(progressView) };
  });

  app.get<P<'email' | 'deviceId'>>('/accounts/:email/devices/:deviceId/recovery-password', async (req) => {
    const p = await authenticate(deps, req);
    const a = await manageableAccount(deps, p, req.params.email);
    const d = await findDevice(store, a, req.params.deviceId);
    // Who read it is on record; the password is not.
    deps.log.info({ event: 'device-recovery-password-read', account: a.email, deviceId: d.deviceId, by: p.account.email }, 'device recovery password read');
    return { account: a.email, deviceId: d.deviceId, recoveryPassword: d.info.recoveryPassword ?? null };
  });

  app.get<P<never>>('/devices', async (req) => {
    const p = await authenticate(deps, req);
    const page = parseDevicePageQuery(req.query);
    const names = one(req.query, 'domains').split(',').map((n) => n.trim().toLowerCase()).filter(Boolean);
    let domainIds: DomainId[] | undefined;
    // manageableDomain answers 403 for a domain outside a delegated admin's, whether or not it exists.
    if (names.length > 0) domainIds = await Promise.all(names.map(async (n) => (await manageableDomain(deps, p, n)).id));
    else if (!isGlobal(p)) domainIds = [...p.domains];
    // A delegated admin does not see the devices of a global admin of his domains (he cannot manage him:
    // policy.ts canManageAccount, applied by the query).
    const found = await store.devices.search({ ...page, ...(domainIds ? { domainIds } : {}), excludeGlobalAdmins: !isGlobal(p) });
    const scope = names.length > 0 ? names : isGlobal(p) ? null : await domainNames(store, p.domains);
    return {
      domains: scope, total: found.total, offset: page.offset, limit: page.limit ?? null,
      devices: found.rows.map((x) => ({ account: x.account.email, ...deviceView(x.device) })),
    };
  });
}

