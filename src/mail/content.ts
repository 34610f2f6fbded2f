// The MessageContent of a message (store/types.ts): one mailparser pass (mime-message.ts) reduced to what
// ActiveSync renders beyond the MessageMeta, kept with the blob at delivery so that a Sync window, Search
// or ItemOperations never parse MIME again, except for the MIME itself (Type 4) or an attachment's bytes.
// The record holds exactly what the parse gives, so rendering from it is rendering from the parse: the
// Email class turns it back into a MimeMessage (toMimeMessage) and takes the same code path.
import type { MessageContent } from '../store/types.js';
import { addresses, readMessage, type MimeMessage } from './mime-message.js';

/** The format of the records written here; a record of another format is ignored and written again. */
export const CONTENT_VERSION = 1;

/**
 * Bodies larger than this (UTF-16 units of text and HTML together) are not kept twice: the blob has them,
 * and such a message is parsed when rendered, as every message was before (it is rare, and slow to send
 * anyway). It also bounds the JSON read for a Sync window.
 */
export const MAX_KEPT_BODY = 512 * 1024;

/** The record for a parsed message. */
export function contentOf(msg: MimeMessage): MessageContent {
  const keep = msg.text.length + (msg.html?.length ?? 0) <= MAX_KEPT_BODY;
  return {
    v: CONTENT_VERSION,
    bodies: keep ? { text: msg.text, html: msg.html } : null,
    attachments: msg.attachments.map((p) => ({ ...p })),
    smime: msg.smime,
    calendar: msg.calendar,
    bcc: msg.headers ? addresses(msg.headers.get('bcc')) : [],
  };
}

/** Parses the message and gives its record (delivery, drafts, the background fill); never throws. */
export async function readContent(raw: Uint8Array): Promise<MessageContent> {
  return contentOf(await readMessage(raw));
}

/** A record that can stand in for a parse. */
export type UsableContent = MessageContent & { bodies: NonNullable<MessageContent['bodies']> };

/** Whether a stored record can stand in for a parse: current format, bodies kept. */
export function usableContent(c: MessageContent | null | undefined): c is UsableContent {
  return !!c && c.v === CONTENT_VERSION && c.bodies !== null;
}

/** A record as the parse it was made from (without root headers: the Bcc travels in `bcc`). */
export function toMimeMessage(c: UsableContent): MimeMessage {
  return { headers: null, text: c.bodies.text, html: c.bodies.html, attachments: c.attachments, smime: c.smime, calendar: c.calendar };
}
