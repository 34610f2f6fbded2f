// The audit trail's retention (issue 17 part 3): entries older than CARBONIO_AUDIT_DAYS are deleted
// soon after start and then every hour. Every server process runs it: the delete is idempotent, so two
// processes doing it at once delete each row once and cost one cheap indexed statement more.
import type { Logger } from '../core/logger.js';
import { DAY_MS, startHourlyPrune } from '../core/hourly-prune.js';
import type { Store } from '../store/types.js';

/** Deletes the entries older than `days` days before `now`; returns how many. */
export async function pruneAudit(store: Pick<Store, 'audit'>, days: number, now: number): Promise<number> {
  return store.audit.prune(now - days * DAY_MS);
}

/** Starts the periodic prune; returns the function that stops it. */
export function startAuditRetention(store: Pick<Store, 'audit'>, days: number, log: Logger): () => void {
  return startHourlyPrune({
    prune: (cutoff) => store.audit.prune(cutoff), days,
    deleted: 'old audit entries deleted', failed: 'pruning the audit trail failed',
  }, log);
}
