// SQLite's online backup API (https://sqlite.org/backup.html; sqlite3_backup_step through
// better-sqlite3's db.backup()) on the server's own connection. Why that connection: pages written
// through the connection that runs the backup are copied into the destination as they change, so the
// copy never restarts under load; a second connection (another process) would restart it on every
// write by anyone else. Why not a file copy: with WAL, committed data sits in the -wal file until a
// checkpoint, and copying the two files at different moments gives a torn database.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../../core/errors.js';
import type { BackupProgress, BackupResult, OnlineBackup } from '../backup-types.js';

/**
 * Pages copied per step (1 MiB with SQLite's default 4 KiB pages). Each step runs on the event loop
 * between requests: bigger steps finish sooner but hold requests longer. bench/backup.ts, 704 MB store
 * (100,000 messages), 2 shared cores under load 15-18, two runs: 64 pages 17-30 s with GET /health p50
 * 10-14 ms; 256 pages 8.5-17 s, p50 20-35 ms; 1024 pages 6-9 s, p50 55-63 ms, p99 0.7 s; idle p50 1-4 ms.
 */
export const STEP_PAGES = 256;

/** fsync off the event loop (libuv's pool): flushing hundreds of MB must not stall the requests being served. */
async function fsyncPath(p: string): Promise<void> {
  const fh = await fsp.open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const removeQuietly = (p: string): void => {
  for (const f of [p, `${p}-journal`, `${p}-wal`, `${p}-shm`]) fs.rmSync(f, { force: true });
};

/** `defaultStep`: STEP_PAGES unless a benchmark compares step sizes (bench/backup.ts); a run may name its own. */
export function sqliteOnlineBackup(source: Database.Database, defaultStep = STEP_PAGES): OnlineBackup {
  return {
    async run(file: string, onProgress?: (p: BackupProgress) => void, stepPages = defaultStep): Promise<BackupResult> {
      const started = Date.now();
      if (fs.existsSync(file)) throw new StoreError('exists', `${file} exists: choose another name or remove it`);
      const dir = path.dirname(file);
      if (!fs.existsSync(dir)) throw new StoreError('invalid', `the directory of the backup does not exist: ${dir}`);
      // Written under a hidden temporary name beside the target, so that a failed or interrupted backup
      // never leaves something that looks like a backup.
      const tmp = path.join(dir, `.${path.basename(file)}.partial-${randomBytes(6).toString('hex')}`);
      // Created 0600 first: mail and password hashes, for the server's user only.
      fs.closeSync(fs.openSync(tmp, 'wx', 0o600));
      try {
        const done = await source.backup(tmp, {
          progress: ({ totalPages, remainingPages }) => {
            onProgress?.({ pagesDone: totalPages - remainingPages, pagesTotal: totalPages });
            return stepPages;
          },
        });
        onProgress?.({ pagesDone: done.totalPages, pagesTotal: done.totalPages });
        // The copy says "WAL" in its header, like its source; a backup is a single file, so switch it to
        // a rollback journal (the server sets WAL again when it opens a restored store).
        const copy = new Database(tmp);
        try {
          copy.pragma('journal_mode = DELETE');
        } finally {
          copy.close();
        }
        await fsyncPath(tmp);
        // link() fails if the name appeared meanwhile: never overwrite a file (rename would).
        try {
          await fsp.link(tmp, file);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new StoreError('exists', `${file} exists: choose another name or remove it`);
          throw err;
        }
        await fsp.rm(tmp, { force: true });
        await fsyncPath(dir);
        return { file, pages: done.totalPages, bytes: (await fsp.stat(file)).size, ms: Date.now() - started };
      } finally {
        removeQuietly(tmp);
      }
    },
  };
}
