// The Email class (MS-ASEMAIL 2.2.2, with MS-ASAIRS 2.2.2 for bodies and attachments and MS-ASCON
// 2.2.2.3.3/2.2.2.4 for conversations): a stored message as the ApplicationData of Sync Add / Fetch and
// ItemOperations Fetch, a flags-only Change, and a client's Change back to what the store keeps.
// Pure apart from parsing the message (or reading the blob through the loader it is given, when the
// MessageContent kept at delivery stands in for the parse): no store access of its own. Elements are written in the order of
// the Email namespace schema (MS-ASEMAIL 6.1 AllProps), then AirSyncBase, then Email2; what each
// protocol version carries:
//   2.5   To, Cc, From, Subject, ReplyTo, DateReceived, DisplayTo, ThreadTopic, Importance, Read,
//         MessageClass, MeetingRequest, InternetCPID, email:Attachments, email:Body or MIMEData
//   12.x  + Flag, ContentClass, airsyncbase:Attachments, airsyncbase:Body, NativeBodyType
//   14.x  + Categories, Body Preview, ConversationId, ConversationIndex, LastVerbExecuted,
//         LastVerbExecutionTime, ReceivedAsBcc (MS-ASEMAIL 2.2.2.58)
//   16.x  + IsDraft, Bcc (2.2.2.9) of the user's own copies; meeting requests use calendar:UID and
//         airsyncbase:Location
import type { Address, FolderRole, Item, MessageMeta } from '../../store/types.js';
import { toMimeMessage, type UsableContent } from '../../mail/content.js';
import { el, type WbxmlElement } from '../wbxml/index.js';
import { airSyncBaseAttachments, legacyAttachments } from './attachments.js';
import { Bodies, airSyncBaseBody, bodyCandidates, legacyBody, type BodyPreference } from './email-body.js';
import { conversationId, conversationIndex, displayTo, easDate, formatAddressList, threadTopic } from './email-fields.js';
import { categoriesElement, flagElement, lastVerbElements } from './email-flags.js';
import { meetingMessageClass, meetingRequest, parseInvitation } from './meeting.js';
import { addresses, metaFromHeaders, readMessage, type MimeMessage } from './mime-message.js';

export type { BodyPreference } from './email-body.js';
export { mimeTruncationBytes, truncationBytes } from './email-body.js';
export { attachmentReference, parseAttachmentReference } from './attachments.js';
export { parseEmailChange, renderEmailChange } from './email-flags.js';
export { extractAttachment, readMessage } from './mime-message.js';
export type { MimeMessage } from './mime-message.js';

export interface EmailOptions {
  /** In client order; empty = the 2.5-style defaults (truncation, MIMESupport with mimeTruncation). */
  bodyPreferences: BodyPreference[];
  /** MIMESupport: 0 never, 1 S/MIME messages only, 2 always. */
  mimeSupport: 0 | 1 | 2;
  /** MIMETruncation as a byte limit (mimeTruncationBytes turns the request's code into one; undefined: none). */
  mimeTruncation?: number | undefined;
  /** 2.5 Truncation of email:Body as a byte limit (truncationBytes turns the request's code into one). */
  truncation?: number | undefined;
  /** Protocol version x10: 25, 120, 121, 140, 141, 160, 161. */
  version: number;
  /** Server id of the item as the device knows it: `${folderServerId}:${itemId}`, used for FileReference. */
  serverId: string;
  /**
   * MIME (Type 4, 2.5 MIMEData) goes as OPAQUE bytes by default: byte-exact for 8-bit and binary
   * parts. Set this for a client that only reads inline strings; the message is then decoded as
   * UTF-8, which is exact for 7-bit and UTF-8 messages and lossy for 8-bit legacy charsets.
   */
  mimeAsText?: boolean | undefined;
  /**
   * Whose mailbox the message is in, and which folder: the user's own copies (Sent, drafts) show their
   * Bcc (16.0+), and a message delivered to this address without naming it in To or Cc is ReceivedAsBcc
   * (14.0+). Omitted: ReceivedAsBcc is never set and only drafts show Bcc.
   */
  mailbox?: { address: string; folderRole: FolderRole | null } | undefined;
}

const CONTENT_CLASS = 'urn:content-classes:message';
const CONTENT_CLASS_MEETING = 'urn:content-classes:calendarmessage';
/** UTF-8: every string we send is UTF-8, whatever charset the message came in. */
const INTERNET_CPID = '65001';

/** The full ApplicationData of a message (Sync Add / Fetch, ItemOperations Fetch). */
export async function renderEmail(item: Item, raw: Uint8Array, opts: EmailOptions): Promise<WbxmlElement> {
  return renderParsedEmail(item, raw, await readMessage(raw), opts);
}

/** renderEmail after the parse: synchronous, for callers (and the benchmark) that parse separately. */
export function renderParsedEmail(item: Item, raw: Uint8Array, msg: MimeMessage, opts: EmailOptions): WbxmlElement {
  return renderFrom(item, raw, msg, () => (msg.headers ? addresses(msg.headers.get('bcc')) : []), opts);
}

/**
 * The same ApplicationData from the MessageContent kept at delivery (src/mail/content.ts) instead of a
 * parse: byte for byte what renderEmail gives (test/eas-render-parity.test.ts). The blob is read only
 * when the MIME itself is sent (Type 4, 2.5 MIMEData). The item must have its MessageMeta.
 */
export async function renderStoredEmail(
  item: Item & { meta: MessageMeta }, content: UsableContent, loadRaw: () => Promise<Uint8Array>, opts: EmailOptions,
): Promise<WbxmlElement> {
  const raw = mimeWanted(opts, content.smime !== null) ? await loadRaw() : NO_BYTES;
  return renderFrom(item, raw, toMimeMessage(content), () => content.bcc, opts);
}

const NO_BYTES = new Uint8Array();

/** Whether the body rendered for these options may be the MIME message itself (the only use of the blob). */
function mimeWanted(opts: EmailOptions, smime: boolean): boolean {
  if (opts.version < 120) return opts.mimeSupport === 2 || (opts.mimeSupport === 1 && smime);
  return bodyCandidates(opts, smime).some((c) => c.type === 4);
}

function renderFrom(item: Item, raw: Uint8Array, msg: MimeMessage, bcc: () => Address[], opts: EmailOptions): WbxmlElement {
  const v = opts.version;
  const meta = item.meta ?? metaFromHeaders(msg.headers);
  const sentAt = meta.sentAt ?? item.receivedAt;
  const bodies = new Bodies(msg, raw);
  const smime = msg.smime !== null;

  const invitation = msg.calendar ? parseInvitation(msg.calendar.text) : null;
  const meeting = invitation ? meetingRequest(invitation, v, sentAt) : null;
  const meetingClass = invitation ? meetingMessageClass(invitation) : null;
  // The invitation part is the meeting itself once rendered as one, not a file to download.
  const shownAsMeeting = meeting !== null && msg.calendar ? msg.calendar.index : -1;
  const parts = msg.attachments.filter((p) => !p.calendarAlternative && p.index !== shownAsMeeting);
  const messageClass = meetingClass
    ?? (msg.smime === 'signed' ? 'IPM.Note.SMIME.MultipartSigned' : msg.smime === 'encrypted' ? 'IPM.Note.SMIME' : 'IPM.Note');

  const to = formatAddressList(meta.to);
  const cc = formatAddressList(meta.cc);
  const from = formatAddressList(meta.from);
  const replyTo = formatAddressList(meta.replyTo);
  const shownTo = displayTo(meta.to);
  const topic = threadTopic(meta.subject);

  return el('AirSync:ApplicationData',
    to ? el('Email:To', to) : null,
    cc ? el('Email:Cc', cc) : null,
    from ? el('Email:From', from) : null,
    el('Email:Subject', meta.subject),
    replyTo ? el('Email:ReplyTo', replyTo) : null,
    el('Email:DateReceived', easDate(item.receivedAt)),
    shownTo ? el('Email:DisplayTo', shownTo) : null,
    topic ? el('Email:ThreadTopic', topic) : null,
    el('Email:Importance', meta.importance),
    el('Email:Read', item.flags.seen ? 1 : 0),
    el('Email:MessageClass', messageClass),
    meeting,
    el('Email:InternetCPID', INTERNET_CPID),
    v >= 120 && flagElement(item),
    v >= 120 && el('Email:ContentClass', meetingClass ? CONTENT_CLASS_MEETING : CONTENT_CLASS),
    v >= 140 && item.categories.length > 0 && categoriesElement(item.categories),
    v < 120
      ? [legacyAttachments(parts, opts.serverId), legacyBody(bodies, opts, smime)]
      : [
        airSyncBaseAttachments(parts, opts.serverId),
        airSyncBaseBody(bodies, bodyCandidates(opts, smime), opts),
        el('AirSyncBase:NativeBodyType', bodies.nativeType),
      ],
    v >= 140 && [
      el('Email2:ConversationId', conversationId(meta, String(item.id))),
      el('Email2:ConversationIndex', conversationIndex(sentAt)),
      lastVerbElements(item, false),
      receivedAsBcc(item, meta, opts.mailbox) && el('Email2:ReceivedAsBcc', 1),
    ],
    v >= 160 && el('Email2:IsDraft', item.flags.draft ? 1 : 0),
    // The Bcc of a draft or of a sent message is the user's own data (MS-ASEMAIL 2.2.2.9): shown so an
    // edit on the phone keeps it and the Sent copy says who was blind-copied. Never on received mail.
    v >= 160 && (item.flags.draft || opts.mailbox?.folderRole === 'sent') && ownBcc(bcc()));
}

function ownBcc(list: Address[]): WbxmlElement | null {
  const bcc = formatAddressList(list);
  return bcc ? el('Email2:Bcc', bcc) : null;
}

/**
 * Delivered to the user without naming them in To or Cc. The headers are all there is to go by, so mail
 * from a list the user is on counts too. Not for what the user wrote: a draft, anything in Sent or
 * Drafts, or a message from the user's own address.
 */
function receivedAsBcc(item: Item, meta: MessageMeta, mailbox: EmailOptions['mailbox']): boolean {
  if (!mailbox || item.flags.draft || mailbox.folderRole === 'sent' || mailbox.folderRole === 'drafts') return false;
  const me = mailbox.address.toLowerCase();
  const named = (list: MessageMeta['to']): boolean => list.some((a) => a.address.toLowerCase() === me);
  return !named(meta.from) && !named(meta.to) && !named(meta.cc);
}
