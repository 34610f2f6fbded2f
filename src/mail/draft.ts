// Drafts written on a phone (EAS 16.0+: Sync Add / Change in Drafts, MS-ASEMAIL 2.2.2 and MS-ASAIRS
// 2.2.2.2 Add / 2.2.2.17 Delete of attachments). A draft is kept as what it will be when sent: a MIME
// message in the Drafts folder with the \Draft flag, From the account, Bcc kept in the stored copy (it is
// taken out only when the draft is sent, src/mail/outgoing.ts). A change rebuilds the message from the
// stored one: the fields the phone sent replace theirs, the others are kept, attachments are added or
// deleted one by one; the Message-ID stays, so the draft keeps its identity across edits.
import { createHash, randomUUID } from 'node:crypto';
import { simpleParser, type AddressObject } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import type { Account } from '../store/types.js';

export interface DraftAttachment {
  fileName: string;
  contentType: string;
  content: Buffer;
  inline: boolean;
  contentId?: string;
}

export interface DraftEdit {
  to?: string;
  cc?: string;
  bcc?: string;
  subject?: string;
  importance?: 0 | 1 | 2;
  /** 1 plain text, 2 HTML. */
  body?: { type: 1 | 2; data: string };
  addAttachments: DraftAttachment[];
  /** Attachments to remove, named by their bytes (the caller resolved each FileReference to its part). */
  deleteAttachments: Buffer[];
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const text = (a: AddressObject | AddressObject[] | undefined): string => (Array.isArray(a) ? a.map((x) => x.text).join(', ') : a?.text ?? '');
const importanceHeader = { 0: 'low', 1: 'normal', 2: 'high' } as const;

/** The draft's MIME: `edit` applied on top of `current` (null for a new draft). */
export async function buildDraft(sender: Account, edit: DraftEdit, current: Buffer | null): Promise<Buffer> {
  const base = current ? await simpleParser(current, { skipImageLinks: true, skipTextToHtml: true }) : null;
  const deleted = new Set(edit.deleteAttachments.map(sha));
  const kept = (base?.attachments ?? []).filter((a) => !deleted.has(sha(a.content)));
  const prio = base?.headers.get('priority');
  const importance = edit.importance ?? (prio === 'high' ? 2 : prio === 'low' ? 0 : 1);
  const body = edit.body ?? (base ? (typeof base.html === 'string' ? { type: 2 as const, data: base.html } : { type: 1 as const, data: base.text ?? '' }) : { type: 1 as const, data: '' });
  const domain = sender.email.slice(sender.email.indexOf('@') + 1);
  const attachments: Mail.Attachment[] = [
    ...kept.map((a) => ({
      content: a.content, contentType: a.contentType, contentDisposition: a.contentDisposition === 'inline' ? 'inline' as const : 'attachment' as const,
      ...(a.filename ? { filename: a.filename } : {}), ...(a.cid ? { cid: a.cid } : {}),
    })),
    ...edit.addAttachments.map((a) => ({
      content: a.content, contentType: a.contentType, filename: a.fileName, contentDisposition: a.inline ? 'inline' as const : 'attachment' as const,
      ...(a.contentId ? { cid: a.contentId } : {}),
    })),
  ];
  const composer = new MailComposer({
    from: sender.displayName ? { name: sender.displayName, address: sender.email } : sender.email,
    to: edit.to ?? text(base?.to), cc: edit.cc ?? text(base?.cc), bcc: edit.bcc ?? text(base?.bcc),
    subject: edit.subject ?? base?.subject ?? '',
    messageId: base?.messageId ?? `<${randomUUID()}@${domain}>`,
    ...(body.type === 2 ? { html: body.data } : { text: body.data }),
    attachments,
    headers: importance === 1 ? {} : { Importance: importanceHeader[importance] },
  });
  const node = composer.compile();
  // A draft keeps its Bcc; it is removed from what travels when the draft is sent.
  (node as unknown as { keepBcc: boolean }).keepBcc = true;
  return node.build();
}
