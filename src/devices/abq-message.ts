// The notice a Blocked or Quarantined device finds in its stand-in Inbox (carbonio-features.md 3.5
// setABQMessage / getABQMessage / deleteABQMessage): set per domain (or globally), per kind (blocked,
// quarantined) and per locale (or `default`). Which one a device gets: its language (the OS language the
// device reported, when it looks like a locale: we keep no locale per account), then its base language,
// then `default`; the domain's before the global one at each step; else the built-in English text.
// Messages are cached per store for CACHE_TTL_MS; the MIME is built once per message version.
import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { StoreError } from '../core/errors.js';
import type { DomainId } from '../core/ids.js';
import type { AbqMessage, AbqMessageKind } from '../store/abq-types.js';
import type { Repos } from '../store/types.js';

const CACHE_TTL_MS = 5_000;
export const MESSAGE_FIELDS = ['from', 'reply_to', 'subject', 'body_plain', 'body_html'] as const;
export type MessageField = (typeof MESSAGE_FIELDS)[number];
const FIELD_MAX = 100_000;

export const DEFAULT_MESSAGES: Readonly<Record<AbqMessageKind, { subject: string; bodyPlain: string }>> = {
  quarantined: {
    subject: 'Your device is waiting for approval',
    bodyPlain: [
      'This device has been quarantined: it cannot synchronize your mailbox until an administrator approves it.',
      '',
      'You do not need to do anything. Once the device is allowed, your mail, contacts and calendars will',
      'appear on it automatically. If you need access sooner, contact your administrator and mention the',
      'device listed in your phone\'s account settings.',
    ].join('\n'),
  },
  blocked: {
    subject: 'Your device is not allowed to synchronize',
    bodyPlain: [
      'An administrator has blocked this device: it cannot synchronize your mailbox.',
      '',
      'If you think this is a mistake, contact your administrator.',
    ].join('\n'),
  },
};

/** `default`, or a locale like `de`, `pt_BR` (a dash is taken as an underscore); else 'invalid'. */
export function parseLocale(raw: string): string {
  const v = raw.trim();
  if (v.toLowerCase() === 'default' || v.toLowerCase() === 'all') return v.toLowerCase();
  const m = /^([a-zA-Z]{2,3})(?:[_-]([a-zA-Z]{2}|\d{3}))?$/.exec(v);
  if (!m) throw new StoreError('invalid', `invalid locale "${raw.slice(0, 20)}" (expected default or a locale such as de or pt_BR)`);
  return m[2] ? `${(m[1] ?? '').toLowerCase()}_${m[2].toUpperCase()}` : (m[1] ?? '').toLowerCase();
}

export function parseKind(raw: string): AbqMessageKind {
  const v = raw.trim().toLowerCase();
  if (v === 'blocked' || v === 'quarantined') return v;
  throw new StoreError('invalid', `invalid message kind "${raw.slice(0, 20)}" (expected blocked or quarantined)`);
}

/** Checks the fields given to setABQMessage: known names, bounded size, an address in `from` / `reply_to`. */
export function checkFields(fields: Readonly<Partial<Record<MessageField, string>>>): void {
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (v.length > FIELD_MAX) throw new StoreError('invalid', `${k} is longer than ${FIELD_MAX} characters`);
    if ((k === 'from' || k === 'reply_to') && v !== '' && !/^[^\s@<>]+@[^\s@<>]+$|<[^\s@<>]+@[^\s@<>]+>$/.test(v)) throw new StoreError('invalid', `${k} must be an address (user@domain or Name <user@domain>)`);
    if ((k === 'subject' || k === 'from' || k === 'reply_to') && /[\r\n]/.test(v)) throw new StoreError('invalid', `${k} must be one line`);
  }
}

const cache = new WeakMap<object, { at: number; value: Promise<AbqMessage[]> }>();

function allMessages(store: Pick<Repos, 'abq'>, now: number): Promise<AbqMessage[]> {
  const hit = cache.get(store.abq);
  if (hit && now - hit.at < CACHE_TTL_MS) return hit.value;
  const value = store.abq.messages();
  const entry = { at: now, value };
  cache.set(store.abq, entry);
  value.catch(() => cache.delete(store.abq));
  return value;
}

export function invalidateAbqMessages(store: Pick<Repos, 'abq'>): void {
  cache.delete(store.abq);
}

/** The locales to try for a device's reported language, most specific first, ending with `default`. */
export function localeChain(osLanguage: string | undefined): string[] {
  let exact: string | null = null;
  try {
    exact = osLanguage ? parseLocale(osLanguage) : null;
  } catch {
    exact = null;
  }
  if (!exact || exact === 'default' || exact === 'all') return ['default'];
  const base = exact.split('_')[0] ?? exact;
  return [...new Set([exact, base, 'default'])];
}

/** The message a device of that domain and language gets; the built-in text when none is set. */
export async function noticeFor(store: Pick<Repos, 'abq'>, domainId: DomainId, kind: AbqMessageKind, osLanguage: string | undefined, now = Date.now()): Promise<AbqMessage> {
  const all = (await allMessages(store, now)).filter((m) => m.kind === kind);
  for (const locale of localeChain(osLanguage)) {
    const found = all.find((m) => m.domainId === domainId && m.locale === locale) ?? all.find((m) => m.domainId === null && m.locale === locale);
    if (found) return found;
  }
  const d = DEFAULT_MESSAGES[kind];
  return { domainId: null, kind, locale: 'default', from: '', replyTo: '', subject: d.subject, bodyPlain: d.bodyPlain, bodyHtml: '', updatedAt: 0 };
}

const mimeCache = new Map<string, Promise<Buffer>>();
const MIME_CACHE_MAX = 200;

/** The notice as a MIME message dated `date`, from `fallbackFrom` when the message names no sender. */
export function noticeMime(m: AbqMessage, to: string, fallbackFrom: string, date: number): Promise<Buffer> {
  const id = createHash('sha256').update(JSON.stringify([m.kind, m.locale, m.from, m.replyTo, m.subject, m.bodyPlain, m.bodyHtml, to, fallbackFrom, date])).digest('hex').slice(0, 32);
  const hit = mimeCache.get(id);
  if (hit) return hit;
  const composer = new MailComposer({
    from: m.from || fallbackFrom, to, subject: m.subject, date: new Date(date), messageId: `<abq-${id}@${fallbackFrom.slice(fallbackFrom.lastIndexOf('@') + 1)}>`,
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
    text: m.bodyPlain || (m.bodyHtml ? undefined : ' '),
    ...(m.bodyHtml ? { html: m.bodyHtml } : {}),
    headers: { 'Auto-Submitted': 'auto-generated' },
  });
  const built = composer.compile().build();
  if (mimeCache.size >= MIME_CACHE_MAX) mimeCache.clear();
  mimeCache.set(id, built);
  built.catch(() => mimeCache.delete(id));
  return built;
}
