// ABQ tables (migration 012, store/abq-types.ts). '' stands for "no account / no domain" in the keys.
import { sql } from 'kysely';
import { asAccountId, asDeviceId, asDomainId, type AccountId, type DeviceId, type DomainId } from '../../core/ids.js';
import { ABQ_STATUSES, type AbqEntry, type AbqMessage, type AbqMessageKind, type AbqRepo, type AbqRule, type AbqStatus, type AbqView } from '../abq-types.js';
import { write, type SqlContext } from './context.js';
import type { AbqDevicesTable, AbqMessagesTable, AbqRulesTable } from './schema.js';

const statusOf = (s: string): AbqStatus => (ABQ_STATUSES as readonly string[]).includes(s) ? (s as AbqStatus) : 'Blocked';
const key = (id: string | null): string => id ?? '';

function toEntry(r: AbqDevicesTable): AbqEntry {
  return {
    deviceId: asDeviceId(r.device_id), accountId: r.account_id === '' ? null : asAccountId(r.account_id), status: statusOf(r.status),
    origin: r.origin === 'auto' ? 'auto' : 'admin', updatedAt: Number(r.updated_at), updatedBy: r.updated_by, notifiedAt: r.notified_at === null ? null : Number(r.notified_at),
  };
}

function toRule(r: AbqRulesTable): AbqRule {
  return {
    domainId: r.domain_id === '' ? null : asDomainId(r.domain_id), pattern: r.pattern, status: statusOf(r.status), order: Number(r.ord),
    createdAt: Number(r.created_at), createdBy: r.created_by,
  };
}

function toMessage(r: AbqMessagesTable): AbqMessage {
  return {
    domainId: r.domain_id === '' ? null : asDomainId(r.domain_id), kind: r.kind === 'blocked' ? 'blocked' : 'quarantined', locale: r.locale,
    from: r.from_address, replyTo: r.reply_to, subject: r.subject, bodyPlain: r.body_plain, bodyHtml: r.body_html, updatedAt: Number(r.updated_at),
  };
}

export class SqlAbqRepo implements AbqRepo {
  constructor(private readonly ctx: SqlContext) {}

  async entriesFor(deviceId: DeviceId): Promise<AbqEntry[]> {
    return (await this.ctx.db.selectFrom('abq_devices').selectAll().where('device_id', '=', deviceId).execute()).map(toEntry);
  }

  async list(status?: AbqStatus): Promise<AbqEntry[]> {
    let q = this.ctx.db.selectFrom('abq_devices').selectAll();
    if (status) q = q.where('status', '=', status);
    return (await q.orderBy('device_id').orderBy('account_id').execute()).map(toEntry);
  }

  put(e: Omit<AbqEntry, 'notifiedAt'>): Promise<AbqEntry | null> {
    return write(this.ctx, async (db) => {
      const old = await db.selectFrom('abq_devices').selectAll().where('device_id', '=', e.deviceId).where('account_id', '=', key(e.accountId)).executeTakeFirst();
      const notified = old && old.status === e.status ? old.notified_at : null;
      const row = { device_id: e.deviceId, account_id: key(e.accountId), status: e.status, origin: e.origin, updated_at: e.updatedAt, updated_by: e.updatedBy, notified_at: notified };
      await db.insertInto('abq_devices').values(row)
        .onConflict((oc) => oc.columns(['device_id', 'account_id']).doUpdateSet({ status: row.status, origin: row.origin, updated_at: row.updated_at, updated_by: row.updated_by, notified_at: row.notified_at }))
        .execute();
      return old ? toEntry(old) : null;
    });
  }

  delete(deviceId: DeviceId, accountId: AccountId | null): Promise<AbqEntry | null> {
    return write(this.ctx, async (db) => {
      const old = await db.selectFrom('abq_devices').selectAll().where('device_id', '=', deviceId).where('account_id', '=', key(accountId)).executeTakeFirst();
      if (!old) return null;
      await db.deleteFrom('abq_devices').where('device_id', '=', deviceId).where('account_id', '=', key(accountId)).execute();
      return toEntry(old);
    });
  }

  async importKnownDevices(at: number, by: string): Promise<number> {
    const r = await this.ctx.db.insertInto('abq_devices')
      .columns(['device_id', 'account_id', 'status', 'origin', 'updated_at', 'updated_by'])
      .expression((eb) => eb.selectFrom('devices').select([
        'device_id', 'account_id', sql<string>`${'Allowed'}`.as('status'), sql<string>`${'admin'}`.as('origin'),
        sql<number>`${at}`.as('updated_at'), sql<string>`${by}`.as('updated_by'),
      // SQLite needs a WHERE in an INSERT ... SELECT ... ON CONFLICT (its parsing ambiguity with a join's ON).
      ]).where(sql<boolean>`1 = 1`))
      .onConflict((oc) => oc.columns(['device_id', 'account_id']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0);
  }

  async markNotified(keys: ReadonlyArray<{ deviceId: DeviceId; accountId: AccountId | null }>, at: number): Promise<void> {
    for (const k of keys) {
      await this.ctx.db.updateTable('abq_devices').set({ notified_at: at })
        .where('device_id', '=', k.deviceId).where('account_id', '=', key(k.accountId)).where('status', '=', 'Quarantined').execute();
    }
  }

  async rules(): Promise<AbqRule[]> {
    return (await this.ctx.db.selectFrom('abq_rules').selectAll().orderBy('ord').orderBy('created_at').execute()).map(toRule);
  }

  async putRule(r: AbqRule): Promise<void> {
    const row = { domain_id: key(r.domainId), pattern: r.pattern, status: r.status, ord: r.order, created_at: r.createdAt, created_by: r.createdBy };
    await this.ctx.db.insertInto('abq_rules').values(row)
      .onConflict((oc) => oc.columns(['domain_id', 'pattern']).doUpdateSet({ status: row.status, ord: row.ord, created_at: row.created_at, created_by: row.created_by }))
      .execute();
  }

  async deleteRule(domainId: DomainId | null, pattern: string): Promise<boolean> {
    const r = await this.ctx.db.deleteFrom('abq_rules').where('domain_id', '=', key(domainId)).where('pattern', '=', pattern).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async messages(): Promise<AbqMessage[]> {
    return (await this.ctx.db.selectFrom('abq_messages').selectAll().orderBy('domain_id').orderBy('kind').orderBy('locale').execute()).map(toMessage);
  }

  async putMessage(m: AbqMessage): Promise<void> {
    const row = {
      domain_id: key(m.domainId), kind: m.kind, locale: m.locale, from_address: m.from, reply_to: m.replyTo,
      subject: m.subject, body_plain: m.bodyPlain, body_html: m.bodyHtml, updated_at: m.updatedAt,
    };
    const { domain_id: _d, kind: _k, locale: _l, ...rest } = row;
    await this.ctx.db.insertInto('abq_messages').values(row).onConflict((oc) => oc.columns(['domain_id', 'kind', 'locale']).doUpdateSet(rest)).execute();
  }

  async deleteMessage(domainId: DomainId | null, kind: AbqMessageKind, locale: string): Promise<boolean> {
    const r = await this.ctx.db.deleteFrom('abq_messages').where('domain_id', '=', key(domainId)).where('kind', '=', kind).where('locale', '=', locale).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async getView(accountId: AccountId, deviceId: DeviceId): Promise<AbqView | null> {
    const r = await this.ctx.db.selectFrom('abq_views').select(['status', 'since']).where('account_id', '=', accountId).where('device_id', '=', deviceId).executeTakeFirst();
    return r ? { status: statusOf(r.status), since: Number(r.since) } : null;
  }

  async putView(accountId: AccountId, deviceId: DeviceId, view: AbqView | null): Promise<void> {
    if (view === null) {
      await this.ctx.db.deleteFrom('abq_views').where('account_id', '=', accountId).where('device_id', '=', deviceId).execute();
      return;
    }
    await this.ctx.db.insertInto('abq_views').values({ account_id: accountId, device_id: deviceId, status: view.status, since: view.since })
      .onConflict((oc) => oc.columns(['account_id', 'device_id']).doUpdateSet({ status: view.status, since: view.since })).execute();
  }

  endHeld(accountId: AccountId, deviceId: DeviceId): void {
    if (this.ctx.collector) this.ctx.collector.endDevice(accountId, deviceId);
    else this.ctx.emit([{ accountId, folderIds: [], hierarchy: false, endDevices: [deviceId] }]);
  }

  async claimRun(job: string, now: number, intervalMs: number): Promise<boolean> {
    const r = await this.ctx.db.insertInto('abq_job_runs').values({ job, last_run: now })
      .onConflict((oc) => oc.column('job').doUpdateSet({ last_run: now }).where('abq_job_runs.last_run', '<=', now - intervalMs))
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async lastRun(job: string): Promise<number | null> {
    const r = await this.ctx.db.selectFrom('abq_job_runs').select('last_run').where('job', '=', job).executeTakeFirst();
    return r ? Number(r.last_run) : null;
  }
}
