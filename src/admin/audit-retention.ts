// The audit trail's retention (issue 17 part 3): entries older than CARBONIO_AUDIT_DAYS are deleted
// soon after start and then every hour. Every server process runs it: the delete is idempotent, so two
// processes doing it at once delete each row once and cost one cheap indexed statement more.
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/types.js';

const DAY_MS = 86_400_000;
const INTERVAL_MS = 3_600_000;
const FIRST_RUN_MS = 60_000;

/** Deletes the entries older than `days` days before `now`; returns how many. */
export async function pruneAudit(store: Pick<Store, 'audit'>, days: number, now: number): Promise<number> {
  return store.audit.prune(now - days * DAY_MS);
}

/** Starts the periodic prune; returns the function that stops it. */
export function startAuditRetention(store: Pick<Store, 'audit'>, days: number, log: Logger): () => void {
  const run = () => {
    pruneAudit(store, days, Date.now())
      .then((n) => { if (n > 0) log.info({ deleted: n, days }, 'old audit entries deleted'); })
      .catch((err: unknown) => log.warn({ err }, 'pruning the audit trail failed'));
  };
  // Not at once: a start is busy enough, and tests that never live a minute never prune behind their back.
  const first = setTimeout(run, FIRST_RUN_MS);
  const timer = setInterval(run, INTERVAL_MS);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
