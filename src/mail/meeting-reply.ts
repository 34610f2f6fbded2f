// The answer to a meeting invitation, as mail to the organizer (iMIP, RFC 6047): a short human text and
// the iTIP REPLY (or COUNTER, when the attendee proposes other times) as a text/calendar; method=... part,
// composed by nodemailer so the MIME is what calendar clients expect. Sent through the one sending path.
import MailComposer from 'nodemailer/lib/mail-composer';
import type { EventData } from '../pim/event-model.js';
import { itipReply } from '../pim/ical.js';
import type { Account } from '../store/types.js';

export type PartStat = 'ACCEPTED' | 'TENTATIVE' | 'DECLINED';

const VERB: Record<PartStat, string> = { ACCEPTED: 'Accepted', TENTATIVE: 'Tentative', DECLINED: 'Declined' };

export interface MeetingReplyInput {
  from: Account;
  event: EventData;
  partstat: PartStat;
  now: number;
  recurrenceId?: number;
  comment?: string;
  proposed?: { start: number; end: number };
}

export function buildMeetingReply(input: MeetingReplyInput): Promise<Buffer> {
  const { from, event, partstat } = input;
  const ics = itipReply(event, { email: from.email, name: from.displayName }, partstat, {
    now: input.now,
    // The reply names the version of the invitation it answers (RFC 5546 2.1.4).
    ...(event.sequence !== undefined ? { sequence: event.sequence } : {}),
    ...(input.recurrenceId !== undefined ? { recurrenceId: input.recurrenceId } : {}),
    ...(input.comment ? { comment: input.comment } : {}),
    ...(input.proposed ? { proposed: input.proposed } : {}),
  });
  const method = /^METHOD:(\w+)/m.exec(ics)?.[1] ?? 'REPLY';
  const who = from.displayName || from.email;
  const text = input.comment?.trim() || `${who} has ${VERB[partstat].toLowerCase()} this invitation${partstat === 'TENTATIVE' ? ' tentatively' : ''}.`;
  const composer = new MailComposer({
    from: from.displayName ? { name: from.displayName, address: from.email } : from.email,
    to: event.organizerName ? { name: event.organizerName, address: event.organizerEmail ?? '' } : event.organizerEmail ?? '',
    subject: `${VERB[partstat]}: ${event.subject}`,
    text,
    icalEvent: { method, content: ics },
  });
  return composer.compile().build();
}
