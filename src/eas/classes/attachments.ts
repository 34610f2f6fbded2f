// Attachments of the Email class: MS-ASAIRS Attachments / 2.2.2.7 Attachment (12.0 and later:
// DisplayName, 2.2.2.24.1 FileReference, Method, 2.2.2.23 EstimatedDataSize, ContentId,
// ContentLocation, IsInline) and the 2.5 form of MS-ASEMAIL (email:Attachments with AttName, AttSize,
// AttMethod, DisplayName; AttName is what the 2.5 GetAttachment command is given back).
import { el, type WbxmlElement } from '../wbxml/index.js';
import { MAX_LISTED_ATTACHMENTS, type MimePart } from './mime-message.js';

/** Method values of MS-ASAIRS (Method of Attachment): 1 a normal attachment, 5 an embedded message (.eml). */
const METHOD_NORMAL = 1;
const METHOD_EMBEDDED_MESSAGE = 5;

const SERVER_ID = /^[1-9]\d{0,14}:[1-9]\d{0,14}$/;
const PART_INDEX = /^(?:0|[1-9]\d{0,3})$/;

/**
 * FileReference of an attachment: `<folder>:<item>:<part>`. It names no account: whoever resolves it
 * (ItemOperations Fetch, GetAttachment) looks the item up in the authenticated account only, exactly
 * as with a ServerId, so a reference copied from another account's device names nothing there.
 * The part number is the attachment's position in document order (see mime-message.ts), which depends
 * on the message bytes alone and so is stable for the life of the item.
 */
export function attachmentReference(serverId: string, partIndex: number): string {
  return `${serverId}:${partIndex}`;
}

/** The inverse of attachmentReference; null unless the reference is in exactly the form we hand out. */
export function parseAttachmentReference(ref: string): { serverId: string; partIndex: number } | null {
  if (typeof ref !== 'string' || ref.length > 40) return null;
  const cut = ref.lastIndexOf(':');
  if (cut <= 0) return null;
  const serverId = ref.slice(0, cut);
  const part = ref.slice(cut + 1);
  if (!SERVER_ID.test(serverId) || !PART_INDEX.test(part)) return null;
  const partIndex = Number(part);
  return partIndex < MAX_LISTED_ATTACHMENTS ? { serverId, partIndex } : null;
}

const methodOf = (p: MimePart): number => (p.contentType === 'message/rfc822' ? METHOD_EMBEDDED_MESSAGE : METHOD_NORMAL);

/** airsyncbase:Attachments (12.0+), or null when there is nothing to list. */
export function airSyncBaseAttachments(parts: readonly MimePart[], serverId: string): WbxmlElement | null {
  if (parts.length === 0) return null;
  return el('AirSyncBase:Attachments', parts.map((p) => el('AirSyncBase:Attachment',
    el('AirSyncBase:DisplayName', p.fileName),
    el('AirSyncBase:FileReference', attachmentReference(serverId, p.index)),
    el('AirSyncBase:Method', methodOf(p)),
    el('AirSyncBase:EstimatedDataSize', p.size),
    p.contentId ? el('AirSyncBase:ContentId', p.contentId) : null,
    p.contentLocation ? el('AirSyncBase:ContentLocation', p.contentLocation) : null,
    // Only inline parts say so: the element is optional and absent means "not inline".
    p.inline && el('AirSyncBase:IsInline', 1))));
}

/** email:Attachments of protocol 2.5, or null when there is nothing to list. */
export function legacyAttachments(parts: readonly MimePart[], serverId: string): WbxmlElement | null {
  if (parts.length === 0) return null;
  return el('Email:Attachments', parts.map((p) => el('Email:Attachment',
    el('Email:AttName', attachmentReference(serverId, p.index)),
    el('Email:AttSize', p.size),
    el('Email:AttMethod', methodOf(p)),
    el('Email:DisplayName', p.fileName))));
}
