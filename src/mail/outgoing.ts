// Mail a user sends from a phone (EAS SendMail; the same rules as SMTP submission): the From is the
// sender's own address (MS-ASCMD R448: a phone cannot send as someone else), Bcc is taken out of the
// copy that travels (and kept in the sender's Sent copy only, which is theirs to read: MS-ASEMAIL
// email2:Bcc), Date and Message-ID are added when missing; recipients come from To, Cc and Bcc.
// Then, as for submission: the relay first (if it refuses, nothing is stored), then the local copies and
// the sender's Sent copy in one transaction.
import { randomUUID } from 'node:crypto';
import { simpleParser, type AddressObject } from 'mailparser';
import { prefixOf, sliceFrom, type ByteParts } from '../core/byte-parts.js';
import type { Account, Store } from '../store/types.js';
import type { Threading } from './compose.js';
import type { LocalDelivery } from './delivery.js';
import { classifyRecipient } from './recipients.js';
import type { Relay } from './relay.js';

export class OutgoingError extends Error {
  override readonly name = 'OutgoingError';
  constructor(readonly reason: 'invalid-mime' | 'no-recipients' | 'unresolved' | 'no-relay' | 'relay-refused', message: string) {
    super(message);
  }
}

export interface PreparedMessage {
  /** What travels and what recipients store: no Bcc. The rewritten header block, then a view of the body as it came. */
  raw: ByteParts;
  /** The sender's Sent copy: `raw` with the Bcc header back (the same parts when there was none). */
  sentCopy: ByteParts;
  recipients: string[];
}

const quoteName = (name: string): string => `"${name.replace(/["\\\r\n]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : ' '))}"`;

/** The end of the header block (the index of the blank line's first byte), or -1. */
function headerEnd(head: string): number {
  const m = /\r?\n\r?\n/.exec(head);
  return m ? m.index : -1;
}

/**
 * Rewrites the header block: the sender's From, no Bcc, a Date and Message-ID if the phone left them out,
 * and In-Reply-To / References for a reply or forward that has none. Only the header block is parsed and
 * rewritten; the body bytes are reused as they are (a 10 MiB attachment is not decoded or copied twice).
 */
export async function prepareOutgoing(raw: ByteParts, sender: Account, now = Date.now(), threading?: Threading | null): Promise<PreparedMessage> {
  // Only the first 256 KiB can hold a header block we accept; the body is never scanned as text.
  const head = prefixOf(raw, 256 * 1024).toString('latin1'); // byte-preserving
  const end = headerEnd(head);
  if (end <= 0) throw new OutgoingError('invalid-mime', 'the message has no header block');
  const header = head.slice(0, end);
  // Views into the parts the message came in (a SendMail body's socket chunks), never one new buffer.
  const body = sliceFrom(raw, end);
  const parsed = await simpleParser(Buffer.from(`${header}\r\n\r\n`, 'latin1'), { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const list = (a: AddressObject | AddressObject[] | undefined): string[] =>
    (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.flatMap((v) => (v.address ? [v.address.toLowerCase()] : [])));
  const recipients = [...new Set([...list(parsed.to), ...list(parsed.cc), ...list(parsed.bcc)])];
  const kept: string[] = [];
  const bcc: string[] = [];
  let drop = false;
  let inBcc = false;
  let hasDate = false;
  let hasId = false;
  let hasReplyTo = false;
  let hasRefs = false;
  for (const line of header.split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) {
      if (!drop) kept.push(line);
      else if (inBcc) bcc.push(line);
      continue;
    }
    const name = line.slice(0, line.indexOf(':')).trim().toLowerCase();
    drop = name === 'from' || name === 'bcc' || name === 'sender';
    inBcc = name === 'bcc';
    if (inBcc) bcc.push(line);
    if (name === 'date') hasDate = true;
    if (name === 'message-id') hasId = true;
    if (name === 'in-reply-to') hasReplyTo = true;
    if (name === 'references') hasRefs = true;
    if (!drop) kept.push(line);
  }
  const from = sender.displayName ? `${quoteName(sender.displayName)} <${sender.email}>` : sender.email;
  const added = [`From: ${from}`];
  if (!hasDate) added.push(`Date: ${new Date(now).toUTCString().replace('GMT', '+0000')}`);
  if (!hasId) added.push(`Message-ID: <${randomUUID()}@${sender.email.slice(sender.email.indexOf('@') + 1)}>`);
  if (threading && !hasReplyTo) added.push(`In-Reply-To: ${threading.inReplyTo}`);
  if (threading && !hasRefs) added.push(`References: ${threading.references}`);
  // The body is never copied: both versions are a new header block followed by the same view of the body.
  const travelling = [Buffer.from([...added, ...kept].join('\r\n'), 'latin1'), ...body];
  const sentCopy = bcc.length === 0 ? travelling : [Buffer.from([...added, ...kept, ...bcc].join('\r\n'), 'latin1'), ...body];
  return { raw: travelling, sentCopy, recipients };
}

export interface OutgoingDeps {
  store: Store;
  delivery: LocalDelivery;
  relay: Relay | null;
}

export interface SendResult {
  local: number;
  relayed: number;
  savedInSent: boolean;
}

export async function sendOutgoing(deps: OutgoingDeps, sender: Account, msg: PreparedMessage, saveInSent: boolean): Promise<SendResult> {
  if (msg.recipients.length === 0) throw new OutgoingError('no-recipients', 'the message names no recipient');
  const local: Account[] = [];
  const external: string[] = [];
  for (const address of msg.recipients) {
    const r = await classifyRecipient(deps.store, address);
    if (r.kind === 'local') local.push(r.account);
    else if (r.kind === 'foreign') external.push(r.address);
    else throw new OutgoingError('unresolved', `recipient ${address} does not exist here`);
  }
  if (external.length > 0) {
    if (!deps.relay) throw new OutgoingError('no-relay', 'no outbound relay is configured for external recipients');
    try {
      await deps.relay.send({ from: sender.email, to: external }, msg.raw);
    } catch (err) {
      throw new OutgoingError('relay-refused', `the relay refused the message: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const targets = [
    ...local.map((a) => ({ recipient: a, folder: 'inbox' as const })),
    ...(saveInSent ? [{ recipient: sender, folder: 'sent' as const, raw: msg.sentCopy }] : []),
  ];
  if (targets.length > 0) await deps.delivery.deliverTo(targets, msg.raw, { envelopeFrom: sender.email });
  return { local: local.length, relayed: external.length, savedInSent: saveInSent };
}
