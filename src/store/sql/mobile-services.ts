// Anti-DoS jails and mobile service states (MobileServicesRepo) for both dialects. Jailing is one atomic
// upsert that only replaces an expired row, so when two server processes detect the same burst only one
// of them learns it made the jail (and mails the admins).
import type { Selectable } from 'kysely';
import type { AccountId, DeviceId } from '../../core/ids.js';
import type { MobileJail, MobileServicesRepo, MobileServiceState } from '../types.js';
import type { SqlContext } from './context.js';
import type { MobileJailsTable } from './schema.js';

const toJail = (r: Selectable<MobileJailsTable>): MobileJail => ({
  accountId: r.account_id as AccountId,
  deviceId: r.device_id as DeviceId,
  jailedAt: Number(r.jailed_at),
  until: Number(r.until),
  requests: Number(r.requests),
  windowMs: Number(r.window_ms),
});

export class SqlMobileServicesRepo implements MobileServicesRepo {
  constructor(private readonly ctx: SqlContext) {}

  async jail(j: MobileJail): Promise<boolean> {
    const row = { account_id: j.accountId, device_id: j.deviceId, jailed_at: j.jailedAt, until: j.until, requests: j.requests, window_ms: j.windowMs };
    const r = await this.ctx.db.insertInto('mobile_jails').values(row)
      .onConflict((oc) => oc.columns(['account_id', 'device_id'])
        .doUpdateSet({ jailed_at: row.jailed_at, until: row.until, requests: row.requests, window_ms: row.window_ms })
        // A live jail is never extended or restarted by another process's detection of the same burst.
        .where('mobile_jails.until', '<=', j.jailedAt))
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async liveJails(now: number): Promise<MobileJail[]> {
    const rows = await this.ctx.db.selectFrom('mobile_jails').selectAll().where('until', '>', now).orderBy('jailed_at').execute();
    return rows.map(toJail);
  }

  async release(target: 'all' | { accountId: AccountId; deviceId?: DeviceId }, now: number): Promise<number> {
    let q = this.ctx.db.deleteFrom('mobile_jails');
    if (target !== 'all') {
      q = q.where('account_id', '=', target.accountId);
      if (target.deviceId !== undefined) q = q.where('device_id', '=', target.deviceId);
    }
    const live = await q.where('until', '>', now).executeTakeFirst();
    // Expired rows are dead weight: cleared on the way.
    await this.ctx.db.deleteFrom('mobile_jails').where('until', '<=', now).execute();
    return Number(live.numDeletedRows);
  }

  async services(): Promise<MobileServiceState[]> {
    const rows = await this.ctx.db.selectFrom('mobile_services').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, running: Number(r.running) === 1, changedAt: Number(r.changed_at), changedBy: r.changed_by }));
  }

  async setService(s: MobileServiceState): Promise<void> {
    const row = { name: s.name, running: s.running ? 1 : 0, changed_at: s.changedAt, changed_by: s.changedBy };
    await this.ctx.db.insertInto('mobile_services').values(row)
      .onConflict((oc) => oc.column('name').doUpdateSet({ running: row.running, changed_at: row.changed_at, changed_by: row.changed_by }))
      .execute();
  }
}
