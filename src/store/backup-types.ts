// What the store offers for backups (issue 17 part 1): SQLite's online backup, which copies the live
// database page by page while the server keeps serving (https://sqlite.org/backup.html). PostgreSQL
// has none here: it is backed up with pg_dump (README, "Backup and restore").

/** What `backup create` and `backup restore` answer for a PostgreSQL store. */
export const PG_BACKUP_HINT =
  'the store is PostgreSQL: back it up with pg_dump -Fc and restore it with pg_restore, server stopped (README, "Backup and restore")';

export interface BackupProgress {
  pagesDone: number;
  pagesTotal: number;
}

export interface BackupResult {
  file: string;
  pages: number;
  bytes: number;
  ms: number;
}

export interface OnlineBackup {
  /**
   * Copies the whole database (mail bodies included: blobs live in it) to `file`, which must not exist
   * and whose directory must. The copy is consistent as of its end; it appears under `file` only once
   * complete and on disk, as a self-contained file (rollback journal, no -wal beside it).
   * StoreError 'exists' when the file exists. `stepPages`: pages copied per step between requests
   * (CARBONIO_BACKUP_STEP_PAGES).
   */
  run(file: string, onProgress?: (p: BackupProgress) => void, stepPages?: number): Promise<BackupResult>;
}
