// A 16.0 device's Add or Change of a draft in the Drafts folder (see drafts.ts for the protocol side):
// the MIME is built or rebuilt (src/mail/draft.ts), or taken whole when the phone sent the draft as a
// message (Body Type 4, src/mail/draft-mime.ts), stored with the \Draft flag, indexed for Search, and
// held as the device's version so it is not sent back to it. Read, Flag and Categories sent in the same
// ApplicationData are applied too (MS-ASEMAIL 2.2.2.51 Read, 2.2.2.34 Flag).
import { buildDraft } from '../../mail/draft.js';
import { draftFromMime, NotAMessageError } from '../../mail/draft-mime.js';
import { readContent } from '../../mail/content.js';
import { parseMessage } from '../../mail/parse.js';
import type { Account, Folder, Item, ItemPatch } from '../../store/types.js';
import { parseEmailChange } from '../classes/email.js';
import { ClassError, type DraftImport } from '../classes/registry.js';
import { child, type WbxmlElement } from '../wbxml/index.js';
import { itemServerId } from './collection-state.js';
import { addedAttachmentsData, parseDraft, type DraftRequest } from './drafts.js';
import type { ImportInput, ImportResponse } from './importer.js';
import { SyncStatus } from './sync-request.js';

export const isDraftFolder = (folder: Folder, version: number): boolean => version >= 160 && folder.kind === 'mail' && folder.role === 'drafts';

const DRAFT_FIELDS = ['Email:To', 'Email:Cc', 'Email2:Bcc', 'Email:Subject', 'Email:Importance', 'AirSyncBase:Body', 'AirSyncBase:Attachments'] as const;

/** Whether a Change edits the draft itself, not only its flags (Read, Flag, Categories). */
export const hasDraftFields = (data: WbxmlElement): boolean => DRAFT_FIELDS.some((q) => child(data, q) !== undefined);

/** The draft's new MIME: the phone's message taken whole, or built from the edit on top of the current one. */
async function draftBytes(account: Account, req: DraftRequest, current: { raw: Uint8Array; messageId: string | null } | null): Promise<Buffer> {
  if (req.mime) {
    // The message is authoritative for its own fields (a phone that sends To or Subject beside it derived
    // them from it); only attachments named apart are applied on top.
    const whole = draftFromMime(account, req.mime, current?.messageId ?? null);
    const { addAttachments, deleteAttachments } = req.edit;
    return addAttachments.length + deleteAttachments.length > 0 ? buildDraft(account, { addAttachments, deleteAttachments }, whole) : whole;
  }
  return buildDraft(account, req.edit, current ? Buffer.from(current.raw.buffer, current.raw.byteOffset, current.raw.byteLength) : null);
}

/** Read, Flag and Categories of the same ApplicationData; null when they cannot be stored (a bad Flag Status). */
function statePatch(data: WbxmlElement): ItemPatch | null {
  try {
    return parseEmailChange(data);
  } catch (err) {
    if (err instanceof ClassError) return null;
    throw err;
  }
}

/** The state patch applied after the MIME (nothing when none was sent). */
async function applyState(input: ImportInput, item: Item, patch: ItemPatch): Promise<Item> {
  if (Object.keys(patch).length === 0) return item;
  return input.tx.mailbox.updateItem(input.ctx.account.id, item.id, patch);
}

export async function addDraft(input: ImportInput, clientId: string, data: WbxmlElement, send: boolean): Promise<ImportResponse> {
  const { ctx, tx, folder } = input;
  const state = statePatch(data);
  if (!state) return { kind: 'add', clientId, status: SyncStatus.conversionError };
  const req = await parseDraft(data, null);
  let raw: Buffer;
  try {
    raw = await draftBytes(ctx.account, req, null);
  } catch (err) {
    if (!(err instanceof NotAMessageError)) throw err;
    ctx.log.info({ event: 'eas-draft-refused', reason: err.message }, 'draft refused');
    return { kind: 'add', clientId, status: SyncStatus.conversionError };
  }
  const [parsed, content] = await Promise.all([parseMessage(raw), readContent(raw)]);
  const added = await tx.mailbox.addMessage(ctx.account.id, folder.id, { raw, meta: parsed.meta, text: parsed.text, content, flags: { draft: true, seen: true }, receivedAt: input.now });
  const item = await applyState(input, added, state);
  input.changes.hold(item.id, item.modseq);
  const serverId = itemServerId(folder.id, item.id);
  const answer = await addedAttachmentsData(req, serverId, raw);
  const resp: ImportResponse = { kind: 'add', clientId, status: SyncStatus.ok, serverId, ...(answer ? { data: answer } : {}) };
  if (send) input.sends.push({ item, setStatus: (s) => { resp.status = s; } });
  return resp;
}

/** The edited draft, or null when the phone's MIME is not a message or its Flag cannot be stored (the Change gets Status 6, nothing changes). */
export async function changeDraft(input: ImportInput, item: Item, serverId: string, data: WbxmlElement): Promise<Item | null> {
  const { ctx, tx } = input;
  const state = statePatch(data);
  if (!state) return null;
  if (!hasDraftFields(data)) return applyState(input, item, state);
  const current = item.blobId ? await tx.blobs.get(item.blobId) : null;
  const req = await parseDraft(data, current ? { serverId, raw: current } : null);
  let raw: Buffer;
  try {
    raw = await draftBytes(ctx.account, req, current ? { raw: current, messageId: item.meta?.messageId ?? null } : null);
  } catch (err) {
    if (!(err instanceof NotAMessageError)) throw err;
    ctx.log.info({ event: 'eas-draft-refused', reason: err.message }, 'draft change refused');
    return null;
  }
  const [parsed, content] = await Promise.all([parseMessage(raw), readContent(raw)]);
  const replaced = await tx.mailbox.replaceMessage(ctx.account.id, item.id, { raw, meta: parsed.meta, text: parsed.text, content });
  return applyState(input, replaced, state);
}

/** The Email class's draft hook (registry.ts DraftImport): Adds into Drafts, and Changes of a draft there. */
export const draftImport: DraftImport = {
  takesAdd: isDraftFolder,
  takesChange: (folder, version, item, data, send) => item.flags.draft && isDraftFolder(folder, version) && (send || hasDraftFields(data)),
  add: addDraft,
  change: changeDraft,
};
