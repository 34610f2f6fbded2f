// Devices per (account, DeviceId): what the phone reported, its provisioning and wipe state.
import type { Selectable } from 'kysely';
import { StoreError } from '../../core/errors.js';
import { asAccountId, asDeviceId, type AccountId, type DeviceId, type DomainId } from '../../core/ids.js';
import type { Device, DeviceContact, DeviceInfo, DevicePatch, DeviceRepo, DeviceSearch, DeviceSearchResult, DeviceStatus } from '../types.js';
import { bit, bool, write, type SqlContext } from './context.js';
import { deviceSearchColumns } from './device-columns.js';
import { searchDevices } from './device-search.js';
import type { DevicesTable } from './schema.js';

const MAX_UA_HISTORY = 20;

export const toDevice = (r: Selectable<DevicesTable>): Device => ({
  accountId: asAccountId(r.account_id),
  deviceId: asDeviceId(r.device_id),
  deviceType: r.device_type,
  userAgent: r.user_agent,
  protocolVersion: r.protocol_version,
  info: JSON.parse(r.info) as DeviceInfo,
  status: Number(r.status) as DeviceStatus,
  policyKey: Number(r.policy_key),
  pendingPolicyKey: Number(r.pending_policy_key),
  policyHash: r.policy_hash,
  wipeAccountOnly: bool(r.wipe_account_only),
  wipeRequestedAt: r.wipe_requested_at === null ? null : Number(r.wipe_requested_at),
  wipeDoneAt: r.wipe_done_at === null ? null : Number(r.wipe_done_at),
  firstSeen: Number(r.first_seen),
  lastSeen: Number(r.last_seen),
  lastAddress: r.last_address,
});

function withAgent(info: DeviceInfo, userAgent: string, at: number): DeviceInfo {
  if (!userAgent) return info;
  const history = info.userAgentHistory ?? [];
  if (history.some((h) => h.userAgent === userAgent)) return info;
  return { ...info, userAgentHistory: [...history, { userAgent, firstSeen: at }].slice(-MAX_UA_HISTORY) };
}

export class SqlDeviceRepo implements DeviceRepo {
  constructor(private readonly ctx: SqlContext) {}

  async get(accountId: AccountId, deviceId: DeviceId): Promise<Device | null> {
    const r = await this.ctx.db.selectFrom('devices').selectAll().where('account_id', '=', accountId).where('device_id', '=', deviceId).executeTakeFirst();
    return r ? toDevice(r) : null;
  }

  async list(accountId: AccountId): Promise<Device[]> {
    const rows = await this.ctx.db.selectFrom('devices').selectAll().where('account_id', '=', accountId).orderBy('device_id').execute();
    return rows.map(toDevice);
  }

  async listAll(options: { domainIds?: DomainId[] } = {}): Promise<Device[]> {
    let q = this.ctx.db.selectFrom('devices').innerJoin('accounts', 'accounts.id', 'devices.account_id').selectAll('devices');
    if (options.domainIds) {
      if (options.domainIds.length === 0) return [];
      q = q.where('accounts.domain_id', 'in', options.domainIds);
    }
    return (await q.orderBy('accounts.email').orderBy('devices.device_id').execute()).map(toDevice);
  }

  search(options: DeviceSearch): Promise<DeviceSearchResult> {
    return searchDevices(this.ctx.db, this.ctx.dialect, options);
  }

  recordContact(accountId: AccountId, deviceId: DeviceId, c: DeviceContact): Promise<Device> {
    return write(this.ctx, async (db) => {
      const r = await db.selectFrom('devices').selectAll().where('account_id', '=', accountId).where('device_id', '=', deviceId).executeTakeFirst();
      if (!r) {
        const info = withAgent({}, c.userAgent, c.at);
        const row = {
          account_id: accountId, device_id: deviceId, device_type: c.deviceType, user_agent: c.userAgent, protocol_version: c.protocolVersion,
          info: JSON.stringify(info), status: 0, policy_key: 0, first_seen: c.at, last_seen: c.at,
          last_address: c.address, pending_policy_key: 0, policy_hash: '', wipe_account_only: 0, wipe_requested_at: null, wipe_done_at: null,
          ...deviceSearchColumns(deviceId, c.deviceType, info),
        };
        // Two first requests of a new phone may race: the loser simply reads the winner's row.
        const res = await db.insertInto('devices').values(row).onConflict((oc) => oc.columns(['account_id', 'device_id']).doNothing()).executeTakeFirst();
        if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 1) return toDevice(row);
        const again = await db.selectFrom('devices').selectAll().where('account_id', '=', accountId).where('device_id', '=', deviceId).executeTakeFirstOrThrow();
        return toDevice(again);
      }
      const cur = toDevice(r);
      const info = withAgent(cur.info, c.userAgent, c.at);
      const deviceType = c.deviceType || r.device_type;
      const set = {
        device_type: deviceType,
        user_agent: c.userAgent || r.user_agent,
        protocol_version: c.protocolVersion || r.protocol_version,
        info: JSON.stringify(info),
        last_seen: c.at,
        last_address: c.address,
        ...deviceSearchColumns(deviceId, deviceType, info),
      };
      await db.updateTable('devices').set(set).where('account_id', '=', accountId).where('device_id', '=', deviceId).execute();
      return toDevice({ ...r, ...set });
    });
  }

  update(accountId: AccountId, deviceId: DeviceId, patch: DevicePatch): Promise<Device> {
    return write(this.ctx, async (db) => {
      const set: Partial<Omit<DevicesTable, 'account_id' | 'device_id'>> = {};
      if (patch.info !== undefined) {
        // The search columns are derived from the info and the type (device-columns.ts).
        const cur = await db.selectFrom('devices').select('device_type').where('account_id', '=', accountId).where('device_id', '=', deviceId).executeTakeFirst();
        if (!cur) throw new StoreError('not-found', `device ${deviceId} not found`);
        Object.assign(set, { info: JSON.stringify(patch.info), ...deviceSearchColumns(deviceId, cur.device_type, patch.info) });
      }
      if (patch.status !== undefined) set.status = patch.status;
      if (patch.policyKey !== undefined) set.policy_key = patch.policyKey;
      if (patch.pendingPolicyKey !== undefined) set.pending_policy_key = patch.pendingPolicyKey;
      if (patch.policyHash !== undefined) set.policy_hash = patch.policyHash;
      if (patch.wipeAccountOnly !== undefined) set.wipe_account_only = bit(patch.wipeAccountOnly);
      if (patch.wipeRequestedAt !== undefined) set.wipe_requested_at = patch.wipeRequestedAt;
      if (patch.wipeDoneAt !== undefined) set.wipe_done_at = patch.wipeDoneAt;
      if (Object.keys(set).length > 0) {
        const res = await db.updateTable('devices').set(set).where('account_id', '=', accountId).where('device_id', '=', deviceId).executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) throw new StoreError('not-found', `device ${deviceId} not found`);
      }
      const r = await db.selectFrom('devices').selectAll().where('account_id', '=', accountId).where('device_id', '=', deviceId).executeTakeFirst();
      if (!r) throw new StoreError('not-found', `device ${deviceId} not found`);
      return toDevice(r);
    });
  }

  delete(accountId: AccountId, deviceId: DeviceId): Promise<void> {
    return write(this.ctx, async (db) => {
      await db.deleteFrom('sync_states').where('account_id', '=', accountId).where('device_id', '=', deviceId).execute();
      await db.deleteFrom('sync_items').where('account_id', '=', accountId).where('device_id', '=', deviceId).execute();
      await db.deleteFrom('hierarchy_states').where('account_id', '=', accountId).where('device_id', '=', deviceId).execute();
      await db.deleteFrom('device_records').where('account_id', '=', accountId).where('device_id', '=', deviceId).execute();
      const res = await db.deleteFrom('devices').where('account_id', '=', accountId).where('device_id', '=', deviceId).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw new StoreError('not-found', `device ${deviceId} not found`);
    });
  }
}
