// What `carbonio backup verify` and `backup restore` run in the CLI's own process (issue 17 part 1): they
// work on files on this machine, with no server to ask (restore needs it stopped). At the top like serve.ts,
// and loaded the same way (dynamic import from src/cli), because the CLI is otherwise a client of the admin
// API that never opens the store; this is the one place where it does.
import { loadConfig } from './config.js';
import { ConfigError } from './core/errors.js';
import { PG_BACKUP_HINT } from './store/backup-types.js';
import { restoreBackup, type RestoreResult } from './store/sql/backup-restore.js';

export type { BackupReport } from './store/sql/backup-verify.js';
export { isHealthy, verifyBackup } from './store/sql/backup-verify.js';
export type { RestoreResult } from './store/sql/backup-restore.js';

/** Restores `file` into the store the environment names (CARBONIO_DATA_DIR, CARBONIO_DB_URL); PostgreSQL is refused with the pg_restore pointer. */
export async function restoreIntoConfiguredStore(env: Readonly<Record<string, string | undefined>>, file: string, force: boolean): Promise<RestoreResult> {
  const config = loadConfig(env);
  if (config.db.kind !== 'sqlite') throw new ConfigError(PG_BACKUP_HINT);
  return restoreBackup(file, config.db.file, { force });
}
