// Where POST /api/admin/backup may write: like the account loggers' files (src/devices/logger-files.ts),
// an absolute, normalized path inside CARBONIO_BACKUP_DIR whose directory exists and does not lead out of
// it through a symbolic link, and that does not exist yet (a backup never overwrites a file). A bare file
// name (no slash) is taken inside CARBONIO_BACKUP_DIR, which is created (0700) when missing.
import fs from 'node:fs/promises';
import path from 'node:path';
import { StoreError } from '../core/errors.js';

const MAX_PATH = 1024;
const invalid = (message: string): StoreError => new StoreError('invalid', message);
const within = (dir: string, child: string): boolean => child.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

export async function checkBackupPath(backupDir: string, given: string): Promise<string> {
  if (given.length === 0 || given.length > MAX_PATH || given.includes('\0')) throw invalid(`the backup file must be a path of 1 to ${MAX_PATH} characters`);
  const file = given.includes('/') ? given : path.join(backupDir, given);
  if (!path.isAbsolute(file)) throw invalid(`the backup file must be a file name or an absolute path inside ${backupDir}, not "${given}"`);
  if (file.split('/').some((s) => s === '..' || s === '.') || path.normalize(file) !== file || file.endsWith('/')) {
    throw invalid(`the backup file must be a normalized path without "." or ".." segments, not "${given}"`);
  }
  if (!within(backupDir, file)) throw invalid(`the backup file must be inside the backup directory ${backupDir} (CARBONIO_BACKUP_DIR), not "${given}"`);
  await fs.mkdir(backupDir, { recursive: true, mode: 0o700 });
  const realDir = await fs.realpath(backupDir);
  let realParent: string;
  try {
    realParent = await fs.realpath(path.dirname(file));
  } catch {
    throw invalid(`the directory of the backup file does not exist: ${path.dirname(file)}`);
  }
  if (realParent !== realDir && !within(realDir, realParent)) throw invalid(`the backup file's directory leads out of the backup directory ${backupDir} (symbolic link)`);
  try {
    await fs.lstat(file);
    throw new StoreError('exists', `${file} exists: a backup never overwrites a file; choose another name`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return file;
}
