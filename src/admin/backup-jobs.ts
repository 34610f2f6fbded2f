// Backups running in this server process (POST /api/admin/backup), as Carbonio runs its backup
// operations: started by a request, watched by polling (`carbonio backup create` draws the progress).
// One at a time: two copies of the same store would only compete for the disk. In memory only: a
// SQLite store has one server process, and a finished job is only a report (the file is the result).
import { randomUUID } from 'node:crypto';
import { errorMessage, StoreError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { OnlineBackup } from '../store/backup-types.js';

export interface BackupJob {
  id: string;
  file: string;
  state: 'running' | 'done' | 'failed';
  pagesDone: number;
  pagesTotal: number;
  bytes: number | null;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
  by: string;
}

/** Finished jobs remembered for polling and for `GET /backup`. */
const KEEP = 20;

export class BackupJobs {
  private readonly jobs = new Map<string, BackupJob>();

  constructor(private readonly backup: OnlineBackup, private readonly log: Logger, private readonly stepPages?: number) {}

  /** Starts a backup to `file` (already checked); StoreError 'conflict' while another one runs. */
  start(file: string, by: string): BackupJob {
    const running = [...this.jobs.values()].find((j) => j.state === 'running');
    if (running) throw new StoreError('conflict', `a backup is already running (${running.id}, to ${running.file}); wait for it to finish`);
    const job: BackupJob = {
      id: randomUUID(), file, state: 'running', pagesDone: 0, pagesTotal: 0, bytes: null, error: null, startedAt: Date.now(), finishedAt: null, by,
    };
    this.jobs.set(job.id, job);
    this.prune();
    this.log.info({ event: 'backup-started', id: job.id, file, by }, 'backup started');
    this.backup.run(file, (p) => {
      job.pagesDone = p.pagesDone;
      job.pagesTotal = p.pagesTotal;
    }, this.stepPages).then((r) => {
      Object.assign(job, { state: 'done', bytes: r.bytes, pagesDone: r.pages, pagesTotal: r.pages, finishedAt: Date.now() });
      this.log.info({ event: 'backup-done', id: job.id, file, pages: r.pages, bytes: r.bytes, ms: r.ms, by }, 'backup done');
    }, (err: unknown) => {
      Object.assign(job, { state: 'failed', error: errorMessage(err), finishedAt: Date.now() });
      this.log.error({ event: 'backup-failed', id: job.id, file, err, by }, 'backup failed');
    });
    return job;
  }

  get(id: string): BackupJob | undefined {
    return this.jobs.get(id);
  }

  list(): BackupJob[] {
    return [...this.jobs.values()];
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.state !== 'running');
    for (const j of finished.slice(0, Math.max(0, this.jobs.size - KEEP))) this.jobs.delete(j.id);
  }
}
