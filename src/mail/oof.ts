// Out-of-office (MS-ASCMD 2.2.3.122 Oof: OofState, StartTime/EndTime, one OofMessage per audience)
// and the automatic reply it makes inbound delivery send, following RFC 3834: never to automatic
// or bulk mail, list mail, bounces, robots or oneself; at most one reply per sender per day; the
// reply marked `Auto-Submitted: auto-replied` and threaded with In-Reply-To/References.
// Settings live in store.settings, scope `account:<id>`: `oof` (the settings) and `oof-replied`
// (who got a reply when). Protocol-neutral: EAS Settings reads and writes the same record.
import { prefixOf, type ByteParts } from '../core/byte-parts.js';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Logger } from '../core/logger.js';
import type { AccountId } from '../core/ids.js';
import type { Account, MessageMeta, Store } from '../store/types.js';
import { htmlToText } from './parse.js';
import { classifyRecipient, domainOf, normalizeAddress } from './recipients.js';
import type { Relay } from './relay.js';

/** 0 disabled, 1 on until switched off, 2 on between start and end (MS-ASCMD 2.2.3.126). */
export type OofState = 0 | 1 | 2;
export type OofAudience = 'internal' | 'externalKnown' | 'externalUnknown';
export const oofAudiences: readonly OofAudience[] = ['internal', 'externalKnown', 'externalUnknown'];
export type OofBodyType = 'Text' | 'HTML';

export interface OofMessage {
  enabled: boolean;
  /** The reply as the user wrote it, in `bodyType`. */
  reply: string;
  bodyType: OofBodyType;
}

export interface OofSettings {
  state: OofState;
  /** Epoch ms; used when state is 2. */
  start: number | null;
  end: number | null;
  messages: Partial<Record<OofAudience, OofMessage>>;
}

export const MAX_OOF_REPLY_CHARS = 64 * 1024;
const SETTINGS_KEY = 'oof';
const MEMORY_KEY = 'oof-replied';
const DAY_MS = 24 * 60 * 60 * 1000;
/** A flood guard: past this many distinct senders in a day, nobody else gets a reply. */
const MAX_SENDERS_PER_DAY = 5000;

export const oofScope = (accountId: AccountId): string => `account:${accountId}`;
export const disabledOof = (): OofSettings => ({ state: 0, start: null, end: null, messages: {} });

/** The stored settings; anything unreadable counts as disabled rather than failing delivery. */
export async function loadOof(store: Pick<Store, 'settings'>, accountId: AccountId): Promise<OofSettings> {
  const raw = await store.settings.get(oofScope(accountId), SETTINGS_KEY);
  if (!raw) return disabledOof();
  try {
    const v = JSON.parse(raw) as Partial<OofSettings>;
    const state = v.state === 1 || v.state === 2 ? v.state : 0;
    return { state, start: typeof v.start === 'number' ? v.start : null, end: typeof v.end === 'number' ? v.end : null, messages: v.messages ?? {} };
  } catch {
    return disabledOof();
  }
}

/** Stores the settings and forgets who already got a reply: new settings, new replies. */
export function saveOof(store: Pick<Store, 'settings'>, accountId: AccountId, s: OofSettings): Promise<void> {
  return withAccountLock(accountId, async () => {
    await store.settings.set(oofScope(accountId), SETTINGS_KEY, JSON.stringify(s));
    await store.settings.set(oofScope(accountId), MEMORY_KEY, '{}');
  });
}

export function isOutOfOffice(s: OofSettings, now: number): boolean {
  if (s.state === 1) return true;
  return s.state === 2 && s.start !== null && s.end !== null && s.start <= now && now < s.end;
}

/** A message in the body type a client asked for (Get with BodyType). */
export function oofMessageAs(m: OofMessage, type: OofBodyType): string {
  if (m.bodyType === type) return m.reply;
  if (type === 'Text') return htmlToText(m.reply).replace(/[ \t]+\n/g, '\n').trim();
  const esc = m.reply.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return `<html><body>${esc.replace(/\r?\n/g, '<br>\n')}</body></html>`;
}

// Serialises the read-modify-write of one account's reply memory within this process, so two
// messages from the same sender delivered at once still produce one reply.
const locks = new Map<string, Promise<unknown>>();
function withAccountLock<T>(accountId: AccountId, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(accountId) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => undefined);
  locks.set(accountId, tail);
  void tail.then(() => {
    if (locks.get(accountId) === tail) locks.delete(accountId);
  });
  return run;
}

/** Records a reply to `sender` unless one went out in the last 24 hours. True: go ahead and reply. */
async function claimReply(store: Pick<Store, 'settings'>, accountId: AccountId, sender: string, now: number): Promise<boolean> {
  return withAccountLock(accountId, async () => {
    let seen: Record<string, number> = {};
    try {
      const parsed: unknown = JSON.parse((await store.settings.get(oofScope(accountId), MEMORY_KEY)) ?? '{}');
      if (typeof parsed === 'object' && parsed !== null) seen = parsed as Record<string, number>;
    } catch {
      // A damaged record is forgotten: at worst a sender gets a second reply.
    }
    // Only the last day is kept, so the record stays as small as the day's distinct senders.
    const recent = Object.fromEntries(Object.entries(seen).filter(([, at]) => typeof at === 'number' && at > now - DAY_MS && at <= now));
    if (recent[sender] !== undefined || Object.keys(recent).length >= MAX_SENDERS_PER_DAY) return false;
    recent[sender] = now;
    await store.settings.set(oofScope(accountId), MEMORY_KEY, JSON.stringify(recent));
    return true;
  });
}

/** The header fields of a raw message (lower-cased names, unfolded values), read from its head only. */
export function headerFields(raw: Uint8Array): Map<string, string[]> {
  const head = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, 256 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const block = (end < 0 ? head : head.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const out = new Map<string, string[]>();
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    out.set(name, [...(out.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return out;
}

const ROBOT = /^(mailer-daemon|postmaster|listserv|majordomo|mdaemon)$|^owner-|-(request|owner|bounces?)$|^bounces?(?:[+.=-]|$)|no-?reply|do-?not-?reply/i;

/** Why a message must not get an automatic reply (RFC 3834 section 2), or null when it may. */
export function suppressionReason(h: Map<string, string[]>, sender: string | null, from: string | null, account: Account): string | null {
  if (!sender) return 'null-sender';
  const first = (name: string): string | undefined => h.get(name)?.[0]?.toLowerCase();
  const auto = first('auto-submitted');
  if (auto !== undefined && auto.split(';')[0]?.trim() !== 'no') return 'auto-submitted';
  if (/^(bulk|list|junk)\b/.test(first('precedence') ?? '')) return 'precedence';
  if (h.has('list-id') || h.has('list-unsubscribe') || h.has('list-post')) return 'mailing-list';
  // Microsoft's own opt-out, set by Exchange and Outlook on their automatic mail.
  if (/\b(all|oof|autoreply)\b/.test(first('x-auto-response-suppress') ?? '')) return 'suppressed';
  for (const a of [sender, from]) if (a && ROBOT.test(a.slice(0, a.lastIndexOf('@')))) return 'robot-sender';
  if (sender === account.email || from === account.email) return 'self';
  return null;
}

/** Where the reply goes: the envelope sender when known, else Return-Path, else From (RFC 3834 section 4). */
function replyAddress(envelopeFrom: string | undefined, h: Map<string, string[]>, meta: MessageMeta): string | null {
  if (envelopeFrom !== undefined) return envelopeFrom === '' ? null : normalizeAddress(envelopeFrom);
  const rp = h.get('return-path')?.[0];
  if (rp !== undefined) {
    const inner = /<([^>]*)>/.exec(rp)?.[1] ?? rp;
    return inner.trim() === '' ? null : normalizeAddress(inner);
  }
  const from = meta.from[0]?.address;
  return from ? normalizeAddress(from) : null;
}

/** "Internal" is the account's own domain. Contacts are not stored yet, so every other sender is an unknown external. */
const audienceOf = (sender: string, account: Account): OofAudience => (domainOf(sender) === domainOf(account.email) ? 'internal' : 'externalUnknown');

export function buildOofReply(account: Account, to: string, m: OofMessage, meta: MessageMeta): Promise<Buffer> {
  const subject = meta.subject.replace(/[\r\n]+/g, ' ').trim();
  const refs = meta.messageId ? [...meta.references, meta.messageId] : meta.references;
  const composer = new MailComposer({
    from: { name: account.displayName, address: account.email },
    to,
    subject: subject ? `Automatic reply: ${subject}` : 'Automatic reply',
    ...(m.bodyType === 'HTML' ? { html: m.reply, text: oofMessageAs(m, 'Text') } : { text: m.reply }),
    ...(meta.messageId ? { inReplyTo: meta.messageId } : {}),
    ...(refs.length > 0 ? { references: refs } : {}),
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
  });
  return composer.compile().build();
}

export interface AutoReplyOutbound {
  /** Where replies to external senders go; without it they are skipped (and logged). */
  relay?: Relay | null;
  log?: Logger;
}

/** Local delivery as the responder needs it (LocalDelivery, without importing it back). */
export interface LocalDeliverer {
  deliver(recipients: ReadonlyArray<Account>, raw: Uint8Array): Promise<unknown>;
}

export class OofResponder {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly store: Store, private readonly local: LocalDeliverer, private readonly outbound: AutoReplyOutbound = {}) {}

  /**
   * Called once a message is stored: each Inbox copy whose owner is out of office may answer. Never
   * throws, since the message is already committed and a failure here must not make the sender retry.
   */
  async afterDelivery(copies: ReadonlyArray<{ accountId: AccountId; folder: string }>, raw: ByteParts, meta: MessageMeta, envelopeFrom?: string): Promise<void> {
    let headers: Map<string, string[]> | null = null;
    for (const copy of copies) {
      if (copy.folder !== 'inbox') continue;
      try {
        const settings = await loadOof(this.store, copy.accountId);
        const now = Date.now();
        if (!isOutOfOffice(settings, now)) continue;
        const account = await this.store.accounts.getById(copy.accountId);
        if (!account) continue;
        headers ??= headerFields(prefixOf(raw, 256 * 1024));
        await this.answer(account, settings, headers, meta, envelopeFrom, now);
      } catch (err) {
        this.outbound.log?.error({ err, event: 'oof-failed', accountId: copy.accountId }, 'automatic reply failed');
      }
    }
  }

  /** Resolves once replies handed to the relay have been sent or have failed. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async answer(
    account: Account, settings: OofSettings, headers: Map<string, string[]>, meta: MessageMeta, envelopeFrom: string | undefined, now: number,
  ): Promise<void> {
    const log = this.outbound.log;
    const sender = replyAddress(envelopeFrom, headers, meta);
    const from = meta.from[0]?.address ? normalizeAddress(meta.from[0].address) : null;
    const reason = suppressionReason(headers, sender, from, account);
    if (reason || !sender) {
      log?.debug({ event: 'oof-skipped', account: account.email, reason }, 'no automatic reply');
      return;
    }
    const audience = audienceOf(sender, account);
    const m = settings.messages[audience];
    if (!m?.enabled || m.reply.trim() === '') return;
    if (!(await claimReply(this.store, account.id, sender, now))) {
      log?.debug({ event: 'oof-skipped', account: account.email, reason: 'already-replied' }, 'no automatic reply');
      return;
    }
    const reply = await buildOofReply(account, sender, m, meta);
    const target = await classifyRecipient(this.store, sender);
    if (target.kind === 'local') {
      await this.local.deliver([target.account], reply);
      log?.info({ event: 'oof-replied', account: account.email, audience, route: 'local' }, 'automatic reply delivered');
    } else if (target.kind === 'foreign') {
      const relay = this.outbound.relay;
      if (!relay) {
        log?.info({ event: 'oof-not-relayed', account: account.email, audience }, 'automatic reply to an external sender skipped: no relay configured');
        return;
      }
      // In the background: a slow or unreachable relay must not hold up the delivery being answered.
      // The null envelope sender keeps a bounce of the reply from bouncing back here (RFC 3834 section 3.3).
      const p = relay.send({ from: '', to: [target.address] }, reply).then(
        () => log?.info({ event: 'oof-replied', account: account.email, audience, route: 'relay' }, 'automatic reply relayed'),
        (err: unknown) => log?.warn({ event: 'oof-relay-failed', account: account.email, reason: err instanceof Error ? err.message : String(err) }, 'automatic reply not relayed'),
      );
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    }
    // Unknown or disabled local addresses get nothing: there is no one to tell.
  }
}
