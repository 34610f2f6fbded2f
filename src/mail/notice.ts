// A non-delivery notice for the sender (the human-readable part of an RFC 3464 report), composed
// with nodemailer's MailComposer so headers and encodings are right. Used when a relay accepts a
// message for some recipients but refuses others after we already said 250 to RCPT.
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MessageMeta } from '../store/types.js';
import { domainOf } from './recipients.js';

export interface NonDeliveryInput {
  sender: string;
  failed: string[];
  reason: string;
  original: MessageMeta;
}

export function buildNonDeliveryNotice(input: NonDeliveryInput): Promise<Buffer> {
  const subject = input.original.subject ? `Undelivered Mail: ${input.original.subject}` : 'Undelivered Mail Returned to Sender';
  const lines = [
    'Your message could not be delivered to the following recipients:',
    '',
    ...input.failed.map((r) => `  <${r}>`),
    '',
    input.reason,
    '',
    `Original subject: ${input.original.subject || '(none)'}`,
    ...(input.original.messageId ? [`Original Message-ID: ${input.original.messageId}`] : []),
  ];
  const composer = new MailComposer({
    from: { name: 'Mail Delivery System', address: `postmaster@${domainOf(input.sender)}` },
    to: input.sender,
    subject,
    text: lines.join('\r\n'),
    ...(input.original.messageId ? { inReplyTo: input.original.messageId, references: [input.original.messageId] } : {}),
    headers: { 'Auto-Submitted': 'auto-replied' },
  });
  return composer.compile().build();
}
