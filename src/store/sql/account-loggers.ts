// Per-account EAS loggers (AccountLoggerRepo, migration 014) for both dialects. The add-or-renew is one
// INSERT ... ON CONFLICT (file) DO UPDATE ... WHERE same account, so two admins adding at once cannot
// leave two rows for one file, and a file that is another account's logger is refused, not taken over.
import { asAccountId, asDomainId } from '../../core/ids.js';
import { StoreError } from '../../core/errors.js';
import type { AccountLogger, AccountLoggerInput, AccountLoggerLevel, AccountLoggerRepo } from '../account-logger-types.js';
import type { SqlContext } from './context.js';

interface Row {
  id: number; account_id: string; level: string; file: string; window_size: number | null; created_at: number; expires_at: number;
  email: string; domain_id: string;
}

const toLogger = (r: Row): AccountLogger => ({
  id: Number(r.id), accountId: asAccountId(r.account_id), accountEmail: r.email, domainId: asDomainId(r.domain_id),
  // The column only ever receives a checked level (devices/account-loggers.ts).
  level: r.level as AccountLoggerLevel, file: r.file, windowSize: r.window_size === null ? null : Number(r.window_size),
  createdAt: Number(r.created_at), expiresAt: Number(r.expires_at),
});

export class SqlAccountLoggerRepo implements AccountLoggerRepo {
  constructor(private readonly ctx: SqlContext) {}

  private select() {
    return this.ctx.db.selectFrom('account_loggers as l').innerJoin('accounts as a', 'a.id', 'l.account_id')
      .select(['l.id', 'l.account_id', 'l.level', 'l.file', 'l.window_size', 'l.created_at', 'l.expires_at', 'a.email', 'a.domain_id']);
  }

  async upsert(input: AccountLoggerInput): Promise<{ logger: AccountLogger; renewed: boolean }> {
    const before = await this.ctx.db.selectFrom('account_loggers').select('id').where('file', '=', input.file).where('account_id', '=', input.accountId).executeTakeFirst();
    const values = { level: input.level, window_size: input.windowSize, created_at: input.createdAt, expires_at: input.expiresAt };
    const r = await this.ctx.db.insertInto('account_loggers').values({ account_id: input.accountId, file: input.file, ...values })
      .onConflict((oc) => oc.column('file').doUpdateSet(values).where('account_loggers.account_id', '=', input.accountId))
      .returning('id').executeTakeFirst();
    if (!r) throw new StoreError('exists', `${input.file} is already the log file of another account's logger`);
    const row = await this.select().where('l.id', '=', r.id).executeTakeFirstOrThrow();
    return { logger: toLogger(row), renewed: before !== undefined };
  }

  async purgeExpired(now: number): Promise<number> {
    const r = await this.ctx.db.deleteFrom('account_loggers').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async listActive(now: number): Promise<AccountLogger[]> {
    const rows = await this.select().where('l.expires_at', '>', now).orderBy('l.id').execute();
    return rows.map(toLogger);
  }

  async delete(ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await this.ctx.db.deleteFrom('account_loggers').where('id', 'in', [...ids]).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
