// SmartReply and SmartForward (MS-ASCMD 2.2.1.19 / 2.2.1.20): the phone sends only what the user wrote and
// names the original; unless ReplaceMime is set, the server adds the original. We choose what Exchange
// and the mail clients users know do:
//   - reply: the new text, then "On <date>, <sender> wrote:" and the original text quoted with "> "
//     (HTML: the original in a <blockquote type="cite">); the original's inline images come along so a
//     quoted HTML body still shows them; its other attachments do not (a reply never carries them);
//   - forward: the new text, then a "Forwarded message" block with the original's From, Date, Subject,
//     To and Cc and its body unquoted; every attachment of the original is kept, byte for byte once
//     decoded (ZP-364 and ZP-391 are the peers' bugs of losing them).
// The headers the phone wrote (To, Cc, Subject, Importance...) are kept as written; the new message is
// rebuilt by nodemailer's MailComposer so the MIME structure and encodings are right.
// Threading (RFC 5322 3.6.4): In-Reply-To is the original's Message-ID, References its References plus
// its Message-ID; a phone that set its own keeps them.
import { randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { simpleParser, type AddressObject, type Attachment, type ParsedMail } from 'mailparser';

export type SmartKind = 'reply' | 'forward';

export interface Threading {
  inReplyTo: string;
  references: string;
}

const parse = (raw: Buffer): Promise<ParsedMail> => simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });

/** In-Reply-To and References for an answer to `original`, or null when it has no Message-ID. */
export function threadingFor(original: ParsedMail): Threading | null {
  const id = original.messageId;
  if (!id) return null;
  const refs = Array.isArray(original.references) ? original.references : original.references ? [original.references] : [];
  return { inReplyTo: id, references: [...refs.filter((r) => r !== id), id].join(' ') };
}

const addresses = (a: AddressObject | AddressObject[] | undefined): string => (Array.isArray(a) ? a.map((x) => x.text).join(', ') : a?.text ?? '');

const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

const plainToHtml = (s: string): string => escapeHtml(s).replace(/\r?\n/g, '<br>\r\n');

/** The inside of <body>, so a quoted document does not nest <html> in <html>. */
function bodyInner(html: string): string {
  const m = /<body[^>]*>([\s\S]*)<\/body>/i.exec(html);
  return m?.[1] ?? html.replace(/<\/?(html|head)[^>]*>/gi, '');
}

function introLines(kind: SmartKind, original: ParsedMail): string[] {
  const date = original.date ? original.date.toUTCString() : '';
  const from = addresses(original.from) || 'unknown sender';
  if (kind === 'reply') return [`On ${date || 'an earlier date'}, ${from} wrote:`];
  return [
    '---------- Forwarded message ----------',
    `From: ${from}`,
    ...(date ? [`Date: ${date}`] : []),
    `Subject: ${original.subject ?? ''}`,
    ...(addresses(original.to) ? [`To: ${addresses(original.to)}`] : []),
    ...(addresses(original.cc) ? [`Cc: ${addresses(original.cc)}`] : []),
  ];
}

function asComposerAttachment(a: Attachment): Mail.Attachment {
  return {
    content: a.content,
    contentType: a.contentType,
    ...(a.filename ? { filename: a.filename } : {}),
    ...(a.cid ? { cid: a.cid } : {}),
    contentDisposition: a.contentDisposition === 'inline' ? 'inline' : 'attachment',
  };
}

const list = (a: AddressObject | AddressObject[] | undefined): Mail.Address[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.flatMap((v) => (v.address ? [{ name: v.name, address: v.address }] : [])));

/**
 * The phone's own header lines, minus those MailComposer writes itself: the body structure, and the
 * address fields, which it takes only as options (given parsed, so encoded names are not encoded twice).
 */
function keptHeaders(msg: ParsedMail): Array<{ key: string; value: { prepared: true; value: string } }> {
  const skip = /^(content-[a-z-]+|mime-version|to|cc|bcc|from|reply-to|sender|message-id)$/i;
  return msg.headerLines
    .filter((h) => !skip.test(h.key))
    .map((h) => ({ key: h.line.slice(0, h.line.indexOf(':')), value: { prepared: true as const, value: h.line.slice(h.line.indexOf(':') + 1).replace(/^[ \t]+/, '') } }));
}

/**
 * The message to send for a SmartReply / SmartForward without ReplaceMime: the phone's message with the
 * original added as described above. Throws on a message mailparser cannot read at all.
 */
export async function composeSmart(kind: SmartKind, clientMime: Buffer, originalRaw: Buffer, messageIdDomain: string): Promise<Buffer> {
  const [client, original] = await Promise.all([parse(clientMime), parse(originalRaw)]);
  const intro = introLines(kind, original);
  const origText = original.text ?? (typeof original.html === 'string' ? original.html.replace(/<[^>]+>/g, '') : '');
  const quoted = kind === 'reply' ? origText.split(/\r?\n/).map((l) => (l ? `> ${l}` : '>')).join('\r\n') : origText;
  const clientText = client.text ?? '';
  const text = `${clientText.replace(/\s+$/, '')}\r\n\r\n${intro.join('\r\n')}\r\n${kind === 'forward' ? '\r\n' : ''}${quoted}`;
  const wantsHtml = typeof client.html === 'string' || typeof original.html === 'string';
  let html: string | undefined;
  if (wantsHtml) {
    const mine = typeof client.html === 'string' ? bodyInner(client.html) : plainToHtml(clientText);
    const theirs = typeof original.html === 'string' ? bodyInner(original.html) : plainToHtml(origText);
    const head = `<div>${intro.map(escapeHtml).join('<br>\r\n')}</div>`;
    const quotedHtml = kind === 'reply' ? `<blockquote type="cite" style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">${theirs}</blockquote>` : `<div>${theirs}</div>`;
    html = `<html><body>${mine}<br>\r\n${head}\r\n${quotedHtml}</body></html>`;
  }
  const carried = original.attachments.filter((a) => kind === 'forward' || (a.related && a.cid && html?.includes(`cid:${a.cid}`)));
  const composer = new MailComposer({
    headers: keptHeaders(client),
    to: list(client.to), cc: list(client.cc), bcc: list(client.bcc), replyTo: list(client.replyTo),
    messageId: client.messageId ?? `<${randomUUID()}@${messageIdDomain}>`,
    text,
    ...(html !== undefined ? { html } : {}),
    attachments: [...client.attachments, ...carried].map(asComposerAttachment),
  });
  return composer.compile().build();
}

/** Parses an original for its threading headers only (the headers, not the attachments). */
export async function threadingOf(originalRaw: Buffer): Promise<Threading | null> {
  const end = originalRaw.indexOf('\r\n\r\n');
  const head = end >= 0 ? originalRaw.subarray(0, end + 4) : originalRaw;
  return threadingFor(await parse(head));
}
