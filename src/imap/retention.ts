// How long imap_expunged keeps the UIDs that left a folder (RFC 7162 QRESYNC: VANISHED (EARLIER) reads
// them). Without a bound the table grows with every message ever deleted. Thirty days covers a laptop
// left closed over a holiday; a client back after longer resyncs from the floor (commands/select.ts): it is
// told every UID it may know that is not in the folder, correct and only larger. The change log itself is not
// pruned, so only these records are. Every server process runs it, as the audit retention does: the delete
// is idempotent, and the first run waits a minute (a start is busy enough; short tests never prune).
import type { Logger } from '../core/logger.js';
import { startHourlyPrune } from '../core/hourly-prune.js';
import type { ImapRepo } from '../store/imap-types.js';

export const EXPUNGED_RETENTION_DAYS = 30;

/** Starts the periodic prune; returns the function that stops it. */
export function startExpungedRetention(imap: Pick<ImapRepo, 'pruneExpunged'>, log: Logger): () => void {
  return startHourlyPrune({
    prune: (cutoff) => imap.pruneExpunged(cutoff), days: EXPUNGED_RETENTION_DAYS,
    deleted: 'old IMAP expunge records deleted', failed: 'pruning IMAP expunge records failed',
  }, log);
}
