// A 16.0 device's Add or Change of a draft in the Drafts folder (see drafts.ts for the protocol side):
// the MIME is built or rebuilt (src/mail/draft.ts), stored with the \Draft flag, indexed for Search, and
// held as the device's version so it is not sent back to it.
import { buildDraft } from '../../mail/draft.js';
import { parseMessage } from '../../mail/parse.js';
import type { Folder, Item } from '../../store/types.js';
import { child, type WbxmlElement } from '../wbxml/index.js';
import { itemServerId } from './collection-state.js';
import { addedAttachmentsData, parseDraft } from './drafts.js';
import type { ImportInput, ImportResponse } from './importer.js';
import { SyncStatus } from './sync-request.js';

export const isDraftFolder = (folder: Folder, version: number): boolean => version >= 160 && folder.kind === 'mail' && folder.role === 'drafts';

const DRAFT_FIELDS = ['Email:To', 'Email:Cc', 'Email2:Bcc', 'Email:Subject', 'Email:Importance', 'AirSyncBase:Body', 'AirSyncBase:Attachments'] as const;

/** Whether a Change edits the draft itself, not only its flags (Read, Flag, Categories). */
export const hasDraftFields = (data: WbxmlElement): boolean => DRAFT_FIELDS.some((q) => child(data, q) !== undefined);

export async function addDraft(input: ImportInput, clientId: string, data: WbxmlElement, send: boolean): Promise<ImportResponse> {
  const { ctx, tx, folder } = input;
  const req = await parseDraft(data, null);
  const raw = await buildDraft(ctx.account, req.edit, null);
  const parsed = await parseMessage(raw);
  const item = await tx.mailbox.addMessage(ctx.account.id, folder.id, { raw, meta: parsed.meta, text: parsed.text, flags: { draft: true, seen: true }, receivedAt: input.now });
  input.changes.hold(item.id, item.modseq);
  const serverId = itemServerId(folder.id, item.id);
  const answer = await addedAttachmentsData(req, serverId, raw);
  const resp: ImportResponse = { kind: 'add', clientId, status: SyncStatus.ok, serverId, ...(answer ? { data: answer } : {}) };
  if (send) input.sends.push({ item, setStatus: (s) => { resp.status = s; } });
  return resp;
}

export async function changeDraft(input: ImportInput, item: Item, serverId: string, data: WbxmlElement): Promise<Item> {
  const { ctx, tx } = input;
  if (!hasDraftFields(data)) return item;
  const current = item.blobId ? await tx.blobs.get(item.blobId) : null;
  const req = await parseDraft(data, current ? { serverId, raw: current } : null);
  const raw = await buildDraft(ctx.account, req.edit, current ? Buffer.from(current.buffer, current.byteOffset, current.byteLength) : null);
  const parsed = await parseMessage(raw);
  return tx.mailbox.replaceMessage(ctx.account.id, item.id, { raw, meta: parsed.meta, text: parsed.text });
}
