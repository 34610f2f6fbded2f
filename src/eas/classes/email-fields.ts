// Scalar fields of the Email class: address lists (MS-ASEMAIL 2.2.2.79 To, Cc, From, ReplyTo: RFC 5322
// mailboxes separated by commas), DisplayTo (2.2.2.29: names separated by semicolons), ThreadTopic,
// DateReceived, and the conversation fields of MS-ASCON 2.2.2.3.3 ConversationId (MS-ASEMAIL
// 2.2.2.21; 16 bytes here) and MS-ASCON 2.2.2.4 ConversationIndex (a 5-byte header from the send time).
import { createHash } from 'node:crypto';
import type { Address } from '../../store/types.js';

/** MS-ASEMAIL caps To and From at 32,768 characters; longer lists are cut at a whole mailbox. */
const MAX_ADDRESS_LIST = 32768;

/** One mailbox as RFC 5322 writes it: `"Name" <addr>`, or the bare address when there is no name. */
export function formatMailbox(a: Address): string {
  const address = a.address.replace(/[\s<>]/g, '');
  const name = a.name.replace(/[\r\n\t]+/g, ' ').trim();
  if (!name || name === address) return address;
  // Always a quoted string, as Exchange writes it: "Doe, John" must not read as two mailboxes, and
  // some clients split the list on the quotes rather than parse RFC 5322.
  const phrase = `"${name.replace(/[\\"]/g, '\\$&')}"`;
  return address ? `${phrase} <${address}>` : phrase;
}

/** A comma-separated address list; mailboxes with neither name nor address are skipped. */
export function formatAddressList(list: readonly Address[]): string {
  let out = '';
  for (const a of list) {
    if (!a.address && !a.name) continue;
    const one = formatMailbox(a);
    if (out.length + one.length + 2 > MAX_ADDRESS_LIST) break;
    out = out ? `${out}, ${one}` : one;
  }
  return out;
}

/** DisplayTo: the names of the To recipients (the address where there is no name), joined by "; ". */
export function displayTo(list: readonly Address[]): string {
  return list.map((a) => a.name.replace(/[\r\n\t;]+/g, ' ').trim() || a.address).filter(Boolean).join('; ');
}

// Reply and forward prefixes of the common mail clients, in the languages they ship: Re, Fw, Fwd,
// AW/WG (de), SV/VS (nordic), Antw (nl), TR/RE (fr), RIF/I (it), RV (es), with "Re[2]:" counters.
const PREFIX = /^\s*(?:(?:re|fwd?|aw|wg|sv|vs|antw|tr|rif|rv|r)(?:\s*\[\d{1,4}\])?\s*:\s*)+/i;

/** ThreadTopic: the subject without its reply and forward prefixes, so a whole thread shares it. */
export function threadTopic(subject: string): string {
  return subject.replace(PREFIX, '').trim();
}

/** The dateTime form of MS-ASDTYPE 2.3 the Email class uses: `2025-07-01T09:30:00.000Z`. */
export function easDate(ms: number): string {
  const t = Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? Math.floor(ms / 1000) * 1000 : 0;
  return new Date(t).toISOString();
}

/** The first `<id>` of a header value, or the trimmed value when it has no angle brackets. */
function firstId(v: string | null | undefined): string | null {
  if (!v) return null;
  const m = /<([^<>\s]+)>/.exec(v);
  const id = (m?.[1] ?? v).trim();
  return id || null;
}

/**
 * ConversationId: 16 bytes that every message of a thread shares. The thread root is named by the
 * first References entry, else In-Reply-To, else the message's own Message-ID; a message without any
 * of these is a thread of its own (named by `fallback`, stable for the item).
 */
export function conversationId(
  meta: { references: readonly string[]; inReplyTo: string | null; messageId: string | null },
  fallback: string,
): Uint8Array {
  const root = firstId(meta.references[0]) ?? firstId(meta.inReplyTo) ?? firstId(meta.messageId) ?? `item:${fallback}`;
  // SHA-256 rather than MD5 so that a FIPS-mode OpenSSL cannot take conversation view down.
  return new Uint8Array(createHash('sha256').update(root).digest().subarray(0, 16));
}

const FILETIME_EPOCH_MS = 11644473600000n;

/**
 * ConversationIndex header: the 40 high bits of the FILETIME (100 ns since 1601) of the send time,
 * big-endian, as the Conversation Index Header of MS-OXOMSG 2.2.1.3 (5 bytes; no response levels).
 */
export function conversationIndex(ms: number): Uint8Array {
  const safe = Number.isFinite(ms) && ms > -11644473600000 && ms < 8.64e15 ? Math.floor(ms) : 0;
  let v = ((BigInt(safe) + FILETIME_EPOCH_MS) * 10000n) >> 24n;
  const out = new Uint8Array(5);
  for (let i = 4; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
