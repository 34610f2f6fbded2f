// Server side of `carbonio mailbox importMail` / `exportMail` (issue 17 part 2): one batch of raw
// messages into one folder of one account, in one transaction. Each message is parsed with the delivery
// path's parser (meta, full text, the rendered content) before the transaction, so no lock is held while
// parsing. A message whose bytes (SHA-256, the blob id) are already in that folder is a duplicate and is
// skipped: that covers the Message-ID too (same bytes, same Message-ID), and makes an interrupted import
// safe to run again. The store's onChange publishes the change notice after commit (held Pings wake).
import { createHash } from 'node:crypto';
import { StoreError } from '../core/errors.js';
import { asBlobId, type BlobId, type FolderId } from '../core/ids.js';
import type { Account, Folder, ItemFlags, NewMessage, Repos, Store } from '../store/types.js';
import { readContent } from './content.js';
import { parseMessage } from './parse.js';

export interface ImportedMessage {
  raw: Uint8Array;
  flags: Partial<ItemFlags>;
  receivedAt?: number;
}

export interface ImportBatchResult {
  folder: string;
  imported: number;
  duplicates: number;
  foldersCreated: number;
}

/** The folder at this path of names (case-insensitive), created as mail folders where missing; [] is the Inbox. */
async function folderAt(tx: Repos, account: Account, path: readonly string[]): Promise<{ folder: Folder; created: number }> {
  const inbox = await tx.mailbox.getFolderByRole(account.id, 'inbox');
  if (!inbox) throw new StoreError('not-found', `${account.email} has no Inbox`);
  if (path.length === 0) return { folder: inbox, created: 0 };
  const all = await tx.mailbox.listFolders(account.id);
  let parent: FolderId | null = null;
  let current: Folder | undefined;
  let created = 0;
  for (const name of path) {
    const clean = name.trim();
    if (!clean) throw new StoreError('invalid', 'a folder name is empty');
    current = all.find((f) => f.parentId === parent && f.name.toLowerCase() === clean.toLowerCase());
    if (current && current.kind !== 'mail') throw new StoreError('invalid', `folder ${clean} is not a mail folder`);
    if (!current) {
      current = await tx.mailbox.createFolder(account.id, { parentId: parent, name: clean, kind: 'mail' });
      all.push(current);
      created++;
    }
    parent = current.id;
  }
  return { folder: current!, created };
}

/** The folder at this path if it exists (no creation): for the duplicate check before parsing. */
async function existingFolder(store: Store, account: Account, path: readonly string[]): Promise<Folder | null> {
  if (path.length === 0) return store.mailbox.getFolderByRole(account.id, 'inbox');
  const all = await store.mailbox.listFolders(account.id);
  let parent: FolderId | null = null;
  let current: Folder | undefined;
  for (const name of path) {
    current = all.find((f) => f.parentId === parent && f.name.toLowerCase() === name.trim().toLowerCase());
    if (!current) return null;
    parent = current.id;
  }
  return current ?? null;
}

export async function importMailBatch(store: Store, account: Account, path: readonly string[], messages: readonly ImportedMessage[]): Promise<ImportBatchResult> {
  // The blob id is this digest (src/store/sql/blob-store.ts blobIdOf).
  const digests = messages.map((m) => asBlobId(createHash('sha256').update(m.raw).digest('hex')));
  // What is already there is not parsed at all (a re-run of an interrupted import is mostly duplicates);
  // the check is repeated in the transaction, which is what makes it exact under concurrent imports.
  const before = await existingFolder(store, account, path);
  const known = before ? await store.mailbox.blobsInFolder(account.id, before.id, digests) : new Set<BlobId>();
  const parsed: Array<{ id: BlobId; msg: NewMessage }> = [];
  for (const [i, m] of messages.entries()) {
    const id = digests[i]!;
    if (known.has(id)) continue;
    const p = await parseMessage(m.raw);
    const content = await readContent(m.raw).catch(() => undefined);
    parsed.push({
      id,
      msg: { raw: m.raw, meta: p.meta, text: p.text, flags: m.flags, ...(m.receivedAt !== undefined ? { receivedAt: m.receivedAt } : {}), ...(content ? { content } : {}) },
    });
  }
  return store.transaction(async (tx) => {
    const { folder, created } = await folderAt(tx, account, path);
    const have = parsed.length > 0 ? await tx.mailbox.blobsInFolder(account.id, folder.id, parsed.map((p) => p.id)) : known;
    const fresh: NewMessage[] = [];
    for (const p of parsed) {
      // The same bytes twice in one batch count as a duplicate too.
      if (have.has(p.id)) continue;
      have.add(p.id);
      fresh.push(p.msg);
    }
    if (fresh.length > 0) await tx.mailbox.addMessages(account.id, folder.id, fresh);
    return { folder: path.length ? path.join('/') : folder.name, imported: fresh.length, duplicates: messages.length - fresh.length, foldersCreated: created };
  });
}

/** Every mail folder of the account with its path of names (for a Maildir++ export). */
export async function mailFolderPaths(store: Store, account: Account): Promise<Array<{ id: FolderId; role: string | null; path: string[] }>> {
  const all = await store.mailbox.listFolders(account.id);
  const byId = new Map(all.map((f) => [f.id, f]));
  const pathOf = (f: Folder): string[] => {
    const out: string[] = [];
    for (let c: Folder | undefined = f; c; c = c.parentId ? byId.get(c.parentId) : undefined) out.unshift(c.name);
    return out;
  };
  return all.filter((f) => f.kind === 'mail').map((f) => ({ id: f.id, role: f.role, path: pathOf(f) }));
}
