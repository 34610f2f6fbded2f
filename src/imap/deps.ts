// What the IMAP front end is given: the shared mail-access dependencies (src/access/index.ts), and what
// the sessions of one IMAP server share.
import type { MailAccessDeps } from '../access/index.js';
import type { AccountId, FolderId } from '../core/ids.js';
import type { ImapFolderState, ImapRepo } from '../store/imap-types.js';
import type { MailboxRepo } from '../store/types.js';

type SyncRepos = { imap: Pick<ImapRepo, 'sync'>; mailbox: Pick<MailboxRepo, 'currentModseq'> };

/**
 * UID syncs of one folder asked for by several sessions at once (ten IDLE connections on one Inbox, all woken
 * by the same delivery) run once: a caller that arrives while one runs shares the next one, which starts
 * after it (the running one may have started before the caller's change was committed).
 */
export class FolderSyncs {
  private readonly running = new Map<string, { run: Promise<ImapFolderState>; next: Promise<ImapFolderState> | null }>();
  /**
   * Per folder, the account modseq read before the last complete sync in this process: a later sync with
   * nothing of the folder in the change log since then is one indexed read (ImapRepo.sync `since`).
   */
  private readonly synced = new Map<string, number>();

  sync(repo: SyncRepos, accountId: AccountId, folderId: FolderId): Promise<ImapFolderState> {
    const key = `${accountId}/${folderId}`;
    const cur = this.running.get(key);
    if (cur) {
      cur.next ??= cur.run.catch(() => undefined).then(() => this.start(repo, accountId, folderId, key));
      return cur.next;
    }
    return this.start(repo, accountId, folderId, key);
  }

  private start(repo: SyncRepos, accountId: AccountId, folderId: FolderId, key: string): Promise<ImapFolderState> {
    const run = (async () => {
      const mark = await repo.mailbox.currentModseq(accountId);
      const st = await repo.imap.sync(accountId, folderId, this.synced.get(key));
      if (mark > (this.synced.get(key) ?? 0)) this.synced.set(key, mark);
      return st;
    })();
    const entry = { run, next: null };
    this.running.set(key, entry);
    const done = (): void => {
      if (this.running.get(key) === entry) this.running.delete(key);
    };
    run.then(done, done);
    return run;
  }
}

export interface ImapDeps extends MailAccessDeps {
  syncs: FolderSyncs;
}
