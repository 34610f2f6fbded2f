// Admin API: online backup of a SQLite store (issue 17 part 1; the copy is src/store/sql/online-backup.ts):
//   POST /backup {file}   start a backup into CARBONIO_BACKUP_DIR (202, the job to poll)
//   GET  /backup          the backups this server process ran recently
//   GET  /backup/:id      one of them: running (pages done / total), done (bytes) or failed (why)
// Global admins only: a backup holds every domain's mail and password hashes. Restore is not here: it
// needs the server stopped (`carbonio backup restore`, src/store/sql/backup-restore.ts).
import type { FastifyInstance } from 'fastify';
import { asBody, reqString } from './body.js';
import { BackupJobs, type BackupJob } from './backup-jobs.js';
import { checkBackupPath } from './backup-path.js';
import { authenticate, type AdminDeps } from './context.js';
import { forbidden, HttpError, notFound } from './http-errors.js';
import { isGlobal } from './policy.js';
import { PG_BACKUP_HINT } from '../store/backup-types.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export const backupView = (j: BackupJob) => ({
  id: j.id, file: j.file, state: j.state, pagesDone: j.pagesDone, pagesTotal: j.pagesTotal, bytes: j.bytes,
  error: j.error, started: iso(j.startedAt), finished: iso(j.finishedAt), by: j.by,
});

export function registerBackupRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const jobs = deps.onlineBackup ? new BackupJobs(deps.onlineBackup, deps.log.child({ svc: 'backup' }), deps.config.backupStepPages) : null;

  const globalOnly = async (req: Parameters<typeof authenticate>[1]): Promise<string> => {
    const p = await authenticate(deps, req);
    if (!isGlobal(p)) throw forbidden();
    return p.account.email;
  };

  app.post('/backup', async (req, reply) => {
    const by = await globalOnly(req);
    if (!jobs) throw new HttpError(409, 'unsupported', PG_BACKUP_HINT);
    const file = await checkBackupPath(deps.config.backupDir, reqString(asBody(req.body), 'file'));
    return reply.code(202).send({ backup: backupView(jobs.start(file, by)) });
  });

  app.get('/backup', async (req) => {
    await globalOnly(req);
    return { backups: (jobs?.list() ?? []).map(backupView) };
  });

  app.get<{ Params: { id: string } }>('/backup/:id', async (req) => {
    await globalOnly(req);
    const j = jobs?.get(req.params.id);
    if (!j) throw notFound(`backup ${req.params.id.slice(0, 40)}`);
    return { backup: backupView(j) };
  });
}
