// Drafts from 16.0 devices (MS-ASCMD 2.2.3.7.2 Add / 2.2.3.24 Change in the Drafts folder; MS-ASEMAIL
// 2.2.2 To, Cc, email2:Bcc, Subject, Importance, email2:Send; MS-ASAIRS 2.2.2.2 Attachments/Add {ClientId,
// ContentType, Content, DisplayName, Method, IsInline, ContentId} and 2.2.2.17 Attachments/Delete
// {FileReference}). The ApplicationData becomes a DraftEdit (src/mail/draft.ts builds the MIME); the Add
// response tells the device the FileReference of each attachment it added (MS-ASCMD 2.2.3.11, 16.0).
// Sending (email2:Send) happens after the Sync transaction commits (sendDrafts), through the same path
// as SendMail; a draft whose recipients cannot be resolved stays a draft and its command gets Status 183.
import type { DraftAttachment, DraftEdit } from '../../mail/draft.js';
import { OutgoingError, prepareOutgoing, sendOutgoing } from '../../mail/outgoing.js';
import type { Item } from '../../store/types.js';
import { attachmentReference, extractAttachment, parseAttachmentReference, readMessage } from '../classes/email.js';
import type { EasContext } from '../command.js';
import { bytesOf, child, children, el, intOf, textOf, type WbxmlElement } from '../wbxml/index.js';

/** Sync status of a draft that cannot be sent because of its recipients (MS-ASCMD 2.2.3.177.17, 16.0). */
export const DRAFT_RECIPIENTS_INVALID = 183;
const SERVER_ERROR = 5;

export interface DraftRequest {
  edit: DraftEdit;
  /** The whole draft as an RFC 5322 message, when the phone sent its Body as Type 4 (MIME). */
  mime?: Uint8Array;
  /** ClientIds of the attachments added, in order, to answer with their FileReferences. */
  addedClientIds: string[];
}

/** The phone's ApplicationData as an edit of the draft whose raw MIME is `current` (null for an Add). */
export async function parseDraft(appData: WbxmlElement, current: { serverId: string; raw: Uint8Array } | null): Promise<DraftRequest> {
  const edit: DraftEdit = { addAttachments: [], deleteAttachments: [] };
  const to = textOf(appData, 'Email:To');
  const cc = textOf(appData, 'Email:Cc');
  const bcc = textOf(appData, 'Email2:Bcc');
  const subject = textOf(appData, 'Email:Subject');
  const importance = intOf(appData, 'Email:Importance');
  if (to !== undefined) edit.to = to;
  if (cc !== undefined) edit.cc = cc;
  if (bcc !== undefined) edit.bcc = bcc;
  if (subject !== undefined) edit.subject = subject;
  if (importance === 0 || importance === 1 || importance === 2) edit.importance = importance;
  const body = child(appData, 'AirSyncBase:Body');
  const bodyType = intOf(body, 'AirSyncBase:Type');
  let mime: Uint8Array | undefined;
  // Type 4: Data is the whole message (headers, parts, attachments), not a text body.
  if (body && bodyType === 4) mime = bytesOf(body, 'AirSyncBase:Data') ?? new Uint8Array();
  else if (body) edit.body = { type: bodyType === 2 ? 2 : 1, data: textOf(body, 'AirSyncBase:Data') ?? '' };
  const atts = child(appData, 'AirSyncBase:Attachments');
  const addedClientIds: string[] = [];
  for (const a of children(atts, 'AirSyncBase:Add')) {
    const content = bytesOf(a, 'AirSyncBase:Content') ?? new TextEncoder().encode(textOf(a, 'AirSyncBase:Content') ?? '');
    const att: DraftAttachment = {
      fileName: textOf(a, 'AirSyncBase:DisplayName') ?? 'attachment',
      contentType: textOf(a, 'AirSyncBase:ContentType') ?? 'application/octet-stream',
      content: Buffer.from(content.buffer, content.byteOffset, content.byteLength),
      inline: intOf(a, 'AirSyncBase:IsInline') === 1,
    };
    const cid = textOf(a, 'AirSyncBase:ContentId');
    if (cid) att.contentId = cid;
    edit.addAttachments.push(att);
    addedClientIds.push(textOf(a, 'AirSyncBase:ClientId') ?? '');
  }
  for (const d of children(atts, 'AirSyncBase:Delete')) {
    const ref = parseAttachmentReference(textOf(d, 'AirSyncBase:FileReference') ?? '');
    if (!ref || !current || ref.serverId !== current.serverId) continue;
    const part = await extractAttachment(current.raw, ref.partIndex);
    if (part) edit.deleteAttachments.push(part.data);
  }
  return { edit, addedClientIds, ...(mime ? { mime } : {}) };
}

/** Attachments/Attachment{ClientId, FileReference} for what the device added (null when it added none). */
export async function addedAttachmentsData(req: DraftRequest, serverId: string, raw: Uint8Array): Promise<WbxmlElement | null> {
  if (req.addedClientIds.length === 0) return null;
  const parts = (await readMessage(raw)).attachments;
  const used = new Set<number>();
  const out: WbxmlElement[] = [];
  req.edit.addAttachments.forEach((a, i) => {
    // The added parts come last, in order; match each by name and size, latest first.
    const part = [...parts].reverse().find((p) => !used.has(p.index) && p.fileName === a.fileName && p.size === a.content.length);
    if (!part) return;
    used.add(part.index);
    out.push(el('AirSyncBase:Attachment', el('AirSyncBase:ClientId', req.addedClientIds[i] ?? ''), el('AirSyncBase:FileReference', attachmentReference(serverId, part.index))));
  });
  return el('AirSync:ApplicationData', el('AirSyncBase:Attachments', out));
}

export interface DraftSend {
  item: Item;
  /** Set to the outcome: 1 sent, 183 recipients invalid. */
  setStatus(status: number): void;
}

/** Sends the drafts marked with Send, after the Sync committed: each sent draft leaves Drafts (a copy is in Sent). */
export async function sendDrafts(ctx: EasContext, sends: readonly DraftSend[]): Promise<void> {
  const { store } = ctx.deps;
  for (const s of sends) {
    const raw = s.item.blobId ? await store.blobs.get(s.item.blobId) : null;
    if (!raw) continue;
    try {
      const prepared = await prepareOutgoing(raw, ctx.account);
      await sendOutgoing(ctx.deps.outgoing, ctx.account, prepared, true);
      await store.mailbox.deleteItem(ctx.account.id, s.item.id);
      ctx.log.info({ event: 'eas-draft-sent', recipients: prepared.recipients.length, bytes: prepared.raw.length }, 'draft sent');
    } catch (err) {
      // The Sync itself has committed: a draft that cannot go stays a draft, and only its command fails.
      const recipients = err instanceof OutgoingError && (err.reason === 'no-recipients' || err.reason === 'unresolved' || err.reason === 'invalid-mime');
      s.setStatus(recipients ? DRAFT_RECIPIENTS_INVALID : SERVER_ERROR);
      ctx.log.warn({ event: 'eas-draft-not-sent', reason: err instanceof OutgoingError ? err.reason : err instanceof Error ? err.message : String(err) }, 'draft not sent');
    }
  }
}
