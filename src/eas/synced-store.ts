// The store as phones see it (issue 15, Carbonio's disableFolderSync): a folder an admin excluded from
// mobile sync, and its sub-folders (a phone cannot hold a folder whose parent it lacks), do not exist
// for the ActiveSync front end. Hiding them here, under every command, is the one place the exclusion is
// applied: FolderSync leaves them out (a device that had one gets a Delete from the hierarchy diff), and
// Sync, Ping, GetItemEstimate, ItemOperations, MoveItems, FolderCreate/Update/Delete and Search resolve
// their CollectionIds through listFolders / getFolder, so they answer as they do for an unknown folder.
import type { AccountId, FolderId } from '../core/ids.js';
import { syncedFolders } from '../devices/folder-sync.js';
import type { Folder, MailboxRepo, Repos, Store } from '../store/types.js';

function syncedMailbox(mailbox: MailboxRepo): MailboxRepo {
  const list = async (accountId: AccountId): Promise<Folder[]> => syncedFolders(await mailbox.listFolders(accountId));
  const get = async (accountId: AccountId, id: FolderId): Promise<Folder | null> => {
    const folder = await mailbox.getFolder(accountId, id);
    // Most folders have no exclusion anywhere above them: only then is the whole list read.
    if (!folder || (!folder.syncDisabled && folder.parentId === null)) return folder;
    return (await list(accountId)).find((f) => f.id === id) ?? null;
  };
  // Every other method passes through unchanged (writes, items, the change log).
  return new Proxy(mailbox, {
    get(target, prop, receiver) {
      if (prop === 'listFolders') return list;
      if (prop === 'getFolder') return get;
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

const syncedRepos = (r: Repos): Repos => ({ ...pick(r), mailbox: syncedMailbox(r.mailbox) });

/** The repositories by name (a class instance's own fields; spelled out so none is lost to a spread). */
function pick(r: Repos): Repos {
  return {
    domains: r.domains, devices: r.devices, deviceState: r.deviceState, accounts: r.accounts, credentials: r.credentials,
    mailbox: r.mailbox, blobs: r.blobs, settings: r.settings, authGuard: r.authGuard, webSessions: r.webSessions,
    easFilters: r.easFilters,
    accountLoggers: r.accountLoggers,
    mobileServices: r.mobileServices,
    abq: r.abq,
    audit: r.audit,
    imap: r.imap,
  };
}

/** `store` with excluded folders hidden, in transactions too. */
export function syncedStore(store: Store): Store {
  return {
    ...syncedRepos(store),
    dialect: store.dialect,
    transaction: (fn) => store.transaction((tx) => fn(syncedRepos(tx))),
    onChange: (listener) => store.onChange(listener),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
