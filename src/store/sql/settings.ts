// Key/value settings by scope ("global", "domain:<id>", "account:<id>"), changeable while running.
import type { SettingsRepo } from '../types.js';
import type { SqlContext } from './context.js';

export class SqlSettingsRepo implements SettingsRepo {
  constructor(private readonly ctx: SqlContext) {}

  async get(scope: string, key: string): Promise<string | null> {
    const r = await this.ctx.db.selectFrom('settings').select('value').where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    return r?.value ?? null;
  }

  async set(scope: string, key: string, value: string): Promise<void> {
    await this.ctx.db.insertInto('settings').values({ scope, key, value })
      .onConflict((oc) => oc.columns(['scope', 'key']).doUpdateSet({ value })).execute();
  }

  async list(scope: string): Promise<Record<string, string>> {
    const rows = await this.ctx.db.selectFrom('settings').select(['key', 'value']).where('scope', '=', scope).orderBy('key').execute();
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async delete(scope: string, key: string): Promise<boolean> {
    const r = await this.ctx.db.deleteFrom('settings').where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
