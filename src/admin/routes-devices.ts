// Admin API: the device registry of an account, as Carbonio's GetDeviceStatus shows it (id, type,
// protocol, ua, the Settings DeviceInformation fields, status, provisionable, firstReqReceived,
// lastUsedDate, remote wipe times) plus what we also know: last address, whether a policy key is
// held, the User-Agent history. Read-only here; wipe and provisioning live in routes-provisioning.ts.
import type { FastifyInstance } from 'fastify';
import { asDeviceId } from '../core/ids.js';
import type { Device, DeviceStatus } from '../store/types.js';
import { authenticate, manageableAccount, type AdminDeps } from './context.js';
import { notFound } from './http-errors.js';

type P<T extends string> = { Params: Record<T, string> };

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
  enable_outbound_sms: d.info.enableOutboundSms ?? null,
  status: d.status,
  statusMeaning: deviceStatusMeaning[d.status] ?? 'unknown',
  // Known once the device took part in Provision: it was handed a key, or holds one.
  provisionable: d.policyKey !== 0 || d.pendingPolicyKey !== 0,
  hasPolicyKey: d.policyKey !== 0,
  firstReqReceived: seconds(d.firstSeen),
  lastUsedDate: new Date(d.lastSeen).toISOString(),
  lastAddress: d.lastAddress,
  remoteWipeReqTime: seconds(d.wipeRequestedAt),
  remoteWipeAckTime: seconds(d.wipeDoneAt),
  wipeAccountOnly: d.wipeAccountOnly,
  userAgentHistory: (d.info.userAgentHistory ?? []).map((h) => ({ ua: h.userAgent, firstSeen: seconds(h.firstSeen) })),
});

/** DeviceIds as the ActiveSync endpoint accepts them (MS-ASHTTP; hex for binary ones). */
const DEVICE_ID_RE = /^[A-Za-z0-9]{1,64}$/;

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
    const id = req.params.deviceId;
    if (!DEVICE_ID_RE.test(id)) throw notFound(`device ${id.slice(0, 64)}`);
    // Admins copy ids from logs in whatever case; the exact id first, then a case-insensitive match.
    const d = (await store.devices.get(a.id, asDeviceId(id)))
      ?? (await store.devices.list(a.id)).find((x) => x.deviceId.toLowerCase() === id.toLowerCase())
      ?? null;
    if (!d) throw notFound(`device ${id}`);
    return { account: a.email, device: deviceView(d) };
  });
}
