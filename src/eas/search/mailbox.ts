// Search of Store Mailbox (MS-ASCMD 2.2.1.16, 2.2.3.135.2): free text over subject, sender, recipients and
// body through the database's full-text index (src/store/sql/search.ts; no scan of the messages), in
// the named folders (with their subfolders on DeepTraversal) or in every mail folder, optionally within a
// DateReceived range, or by that range alone (And{Class, CollectionId, GreaterThan, LessThan} without
// FreeText: an indexed query by folder and date); newest first. Find (src/eas/commands/find.ts) runs
// its mailbox queries through queryMailbox here too. Every result carries a LongId (`<folder>:<item>`, the form
// ItemOperations Fetch and SmartReply/SmartForward accept) and its Email-class properties rendered with
// the request's BodyPreference. We keep no result sets between requests, so RebuildResults is always
// honoured: every Search runs against the mailbox as it is.
import type { FolderId } from '../../core/ids.js';
import type { Folder, Item } from '../../store/types.js';
import { classForItem } from '../classes/catalog.js';
import type { EasContext } from '../command.js';
import { itemServerId } from '../sync/collection-state.js';
import { messageContents } from '../sync/message-contents.js';
import { elements, type WbxmlElement } from '../wbxml/index.js';
import { SearchStatus, type MailboxQuery, type SearchRequest } from './request.js';

export interface MailboxHit {
  longId: string;
  collectionId: string;
  properties: WbxmlElement[];
}

export interface MailboxOutcome {
  status: number;
  hits: MailboxHit[];
  total: number;
}

function withSubfolders(all: readonly Folder[], roots: readonly FolderId[]): FolderId[] {
  const out = new Set<FolderId>(roots);
  for (let grew = true; grew;) {
    grew = false;
    for (const f of all) {
      if (f.parentId !== null && out.has(f.parentId) && !out.has(f.id)) {
        out.add(f.id);
        grew = true;
      }
    }
  }
  return [...out];
}

/** What a mailbox query came to, before any command renders it (Search and Find share it). */
export type MailQueryOutcome =
  /** `folders`: the account's mail folders, for what a render needs of an item's folder (its role). */
  | { kind: 'ok'; items: Item[]; total: number; folders: Folder[] }
  /** Neither words nor a date range: we do not list a whole mailbox as a "search". */
  | { kind: 'invalid' }
  /** A CollectionId that is not one of the account's mail folders (deleted, or never synced). */
  | { kind: 'unknown-folder' };

/**
 * The messages of a mailbox query, a page of them and how many in all: words through the full-text
 * index, or (without words) a DateReceived range alone; in the named folders (with their subfolders
 * on deep traversal) or in every mail folder.
 */
export async function queryMailbox(ctx: EasContext, q: MailboxQuery, page: { offset: number; limit: number; deepTraversal: boolean }): Promise<MailQueryOutcome> {
  if (!q.freeText && q.receivedAfter === undefined && q.receivedBefore === undefined) return { kind: 'invalid' };
  // Only mail is searched here: a query for other classes alone finds nothing.
  if (q.classes.length > 0 && !q.classes.some((c) => c.toLowerCase() === 'email')) return { kind: 'ok', items: [], total: 0, folders: [] };
  const { mailbox } = ctx.deps.store;
  const folders = (await mailbox.listFolders(ctx.account.id)).filter((f) => f.kind === 'mail');
  let folderIds: FolderId[] | undefined;
  if (q.collectionIds.length > 0) {
    const named = q.collectionIds.map((id) => folders.find((f) => String(f.id) === id));
    if (named.some((f) => f === undefined)) return { kind: 'unknown-folder' };
    const ids = named.map((f) => f!.id);
    folderIds = page.deepTraversal ? withSubfolders(folders, ids) : ids;
  } else {
    // Every mail folder the phone has, named: folders excluded from mobile sync are not in the list (synced-store.ts).
    folderIds = folders.map((f) => f.id);
  }
  const found = await mailbox.searchMessages(ctx.account.id, {
    offset: page.offset, limit: page.limit,
    ...(q.freeText ? { text: q.freeText } : {}),
    ...(folderIds ? { folderIds } : {}),
    ...(q.receivedAfter !== undefined ? { receivedAfter: q.receivedAfter } : {}),
    ...(q.receivedBefore !== undefined ? { receivedBefore: q.receivedBefore } : {}),
  });
  return { kind: 'ok', items: found.items, total: found.total, folders };
}

export async function searchMailbox(ctx: EasContext, req: SearchRequest): Promise<MailboxOutcome> {
  if (!req.mailbox) return { status: SearchStatus.invalidRequest, hits: [], total: 0 };
  const found = await queryMailbox(ctx, req.mailbox, { offset: req.range.start, limit: req.range.end - req.range.start + 1, deepTraversal: req.deepTraversal });
  if (found.kind === 'invalid') return { status: SearchStatus.invalidRequest, hits: [], total: 0 };
  if (found.kind === 'unknown-folder') return { status: SearchStatus.folderSyncRequired, hits: [], total: 0 };
  const { blobs } = ctx.deps.store;
  // The kept MessageContent of the page in one read: hits render without a MIME parse (migration 016).
  const contents = messageContents(blobs, found.items);
  // Rendered side by side: a hit may still read its blob (MIME, or content not kept yet), and one after
  // the other a page of ten would wait for ten database round trips in a row (the slowest part of a Search
  // on PostgreSQL). The page is at most 100 hits (the Range cap); the pool bounds the reads at once.
  const hits = await Promise.all(found.items.map(async (item): Promise<MailboxHit> => {
    const longId = itemServerId(item.folderId, item.id);
    // Only mail is searched (queryMailbox), but each hit is rendered by its class like any other item.
    const data = await classForItem(item.kind).render(item, {
      version: ctx.version, bodyPreferences: req.bodyPreferences, now: Date.now(), serverId: longId, mimeSupport: req.mimeSupport,
      loadBlob: (id) => blobs.get(id), contents,
      mailbox: { address: ctx.account.email, folderRole: found.folders.find((f) => f.id === item.folderId)?.role ?? null },
    });
    return { longId, collectionId: String(item.folderId), properties: elements(data) };
  }));
  await contents.flush();
  return { status: SearchStatus.ok, hits, total: found.total };
}
