// Meeting invitations that arrive as mail (iTIP, RFC 5546, in a text/calendar part; RFC 6047 iMIP): what
// Exchange does with them, so the phone's calendar shows the meeting before the user answers.
//   REQUEST  the event is created (or updated, when the organizer changed it) in the recipient's calendar,
//            tentative (BusyStatus 1), MeetingStatus 3 "received", ResponseType 5 "not responded"; a new
//            SEQUENCE resets an earlier answer, the same SEQUENCE keeps it; a REQUEST for one occurrence
//            (RECURRENCE-ID) becomes an exception of the series.
//   CANCEL   the event stays, marked cancelled (MeetingStatus 7) and free; one occurrence is deleted.
//   REPLY    (to the organizer) the attendee's status in the organizer's event is updated.
// The organizer's own copy of their invitation is left alone. Failures are logged, never bounce the mail.
import { joined, someIncludes, type ByteParts } from '../core/byte-parts.js';
import { simpleParser } from 'mailparser';
import type { Logger } from '../core/logger.js';
import { eventData, eventWindowDate, type EventData } from '../pim/event-model.js';
import { parseICalendar, type ParsedEvent } from '../pim/ical.js';
import { findInFolder } from '../store/pages.js';
import type { Account, Item, Store } from '../store/types.js';

/** The text of the first text/calendar part, or null (a cheap byte check first: most mail has none). */
export async function calendarPart(raw: ByteParts): Promise<string | null> {
  if (!someIncludes(raw, 'text/calendar') && !someIncludes(raw, 'TEXT/CALENDAR')) return null;
  const parsed = await simpleParser(joined(raw), { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const part = parsed.attachments.find((a) => a.contentType.toLowerCase() === 'text/calendar');
  return part ? part.content.toString('utf8') : null;
}

/** The event with this UID in the account's calendars, if any. */
export async function findEvent(store: Store, account: Account, uid: string): Promise<Item | null> {
  for (const folder of (await store.mailbox.listFolders(account.id)).filter((f) => f.kind === 'calendar')) {
    const hit = await findInFolder(store.mailbox, account.id, folder.id, (i) => i.kind === 'event' && eventData(i.data).uid === uid);
    if (hit) return hit;
  }
  return null;
}


function received(ev: ParsedEvent, previous: EventData | null): EventData {
  const keepAnswer = previous && previous.responseType !== undefined && (previous.sequence ?? 0) >= ev.sequence;
  return {
    ...ev.data,
    meetingStatus: 3,
    responseRequested: ev.data.responseRequested ?? true,
    responseType: keepAnswer ? previous.responseType! : 5,
    busyStatus: keepAnswer ? previous.busyStatus ?? 1 : 1,
    sequence: ev.sequence,
  };
}

async function apply(store: Store, account: Account, method: string, ev: ParsedEvent, now: number): Promise<void> {
  const uid = ev.data.uid;
  if (!uid) return;
  const organizer = ev.data.organizerEmail?.toLowerCase();
  const existing = await findEvent(store, account, uid);
  const prev = existing ? eventData(existing.data) : null;
  if (method === 'REPLY') {
    if (!existing || !prev || organizer !== account.email) return;
    const who = new Map(ev.data.attendees.map((a) => [a.email.toLowerCase(), a.status]));
    const attendees = prev.attendees.map((a) => (who.has(a.email.toLowerCase()) ? { ...a, status: who.get(a.email.toLowerCase()) ?? a.status } : a));
    await store.mailbox.updateItemData(account.id, existing.id, { ...prev, attendees }, existing.categories);
    return;
  }
  if (organizer === account.email) return; // the organizer's own invitation
  if (method === 'CANCEL') {
    if (!existing || !prev) return;
    const next: EventData = ev.recurrenceId !== null
      ? { ...prev, exceptions: [...prev.exceptions.filter((x) => x.originalStart !== ev.recurrenceId), { originalStart: ev.recurrenceId, deleted: true, dtStamp: now }] }
      : { ...prev, meetingStatus: 7, busyStatus: 0 };
    await store.mailbox.updateItemData(account.id, existing.id, next, existing.categories, eventWindowDate(next));
    return;
  }
  if (method !== 'REQUEST') return;
  if (ev.recurrenceId !== null && existing && prev) {
    // One occurrence changed: an exception of the series the recipient already has.
    const { uid: _u, recurrence: _r, exceptions: _x, ...fields } = ev.data;
    const next: EventData = { ...prev, exceptions: [...prev.exceptions.filter((x) => x.originalStart !== ev.recurrenceId), { ...fields, originalStart: ev.recurrenceId }] };
    await store.mailbox.updateItemData(account.id, existing.id, next, existing.categories, eventWindowDate(next));
    return;
  }
  const data = received(ev, prev);
  if (existing) await store.mailbox.updateItemData(account.id, existing.id, data, ev.categories, eventWindowDate(data));
  else {
    const cal = await store.mailbox.getFolderByRole(account.id, 'calendar');
    if (cal) await store.mailbox.addItem(account.id, cal.id, { kind: 'event', data, categories: ev.categories, receivedAt: eventWindowDate(data) });
  }
}

/** Applies an invitation (or cancellation, or reply) that reached these accounts' Inboxes. */
export async function applyInvitations(store: Store, accounts: readonly Account[], raw: ByteParts, log: Logger, now = Date.now()): Promise<void> {
  if (accounts.length === 0) return;
  try {
    const ics = await calendarPart(raw);
    if (!ics) return;
    const cal = parseICalendar(ics, { now });
    const method = (cal.method ?? '').toUpperCase();
    for (const account of accounts) for (const ev of cal.events) await apply(store, account, method, ev, now);
  } catch (err) {
    log.warn({ event: 'invitation-not-applied', err: err instanceof Error ? err.message : String(err) }, 'a meeting invitation could not be applied to the calendar');
  }
}
