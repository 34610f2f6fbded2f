// A retention job every server process runs (the audit trail, IMAP's expunge records): one idempotent
// delete of what is older than the cut-off, a minute after start (a start is busy enough, and tests that never
// live a minute never prune behind their back) and then every hour. Two processes pruning at once delete each
// row once.
import type { Logger } from './logger.js';

const INTERVAL_MS = 3_600_000;
const FIRST_RUN_MS = 60_000;
export const DAY_MS = 86_400_000;

export interface PruneJob {
  /** Deletes what is older than `cutoff` (epoch ms); resolves to how many rows went. */
  prune(cutoff: number): Promise<number>;
  days: number;
  /** The log line for a run that deleted something, and for a failed one. */
  deleted: string;
  failed: string;
}

/** Starts the periodic prune; returns the function that stops it. */
export function startHourlyPrune(job: PruneJob, log: Logger): () => void {
  const run = (): void => {
    job.prune(Date.now() - job.days * DAY_MS)
      .then((n) => { if (n > 0) log.info({ deleted: n, days: job.days }, job.deleted); })
      .catch((err: unknown) => log.warn({ err }, job.failed));
  };
  const first = setTimeout(run, FIRST_RUN_MS);
  const timer = setInterval(run, INTERVAL_MS);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
