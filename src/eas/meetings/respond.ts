// Answering a meeting from the phone (MS-ASCMD 2.2.1.11 MeetingResponse): the request names a meeting
// request mail (RequestId or LongId in the Inbox) or the event itself (14.1+: from the calendar), with an
// optional InstanceId for one occurrence. Accept and tentative keep the event with ResponseType 3 / 2 and
// BusyStatus busy / tentative; decline removes it (the occurrence only, with InstanceId). The request mail
// leaves the Inbox for Trash, as Exchange does. From 16.0, SendResponse makes the server send the iTIP
// REPLY (or COUNTER with proposed times) to the organizer; before 16.0 the phone sends its own reply with
// SendMail (MS-ASCMD 2.2.3.156), so the server sends nothing.
// iOS answers twice in a row (ZP-1617): an answer this device already gave for the same request within
// ten minutes is answered the same way again, without a second reply mail.
import { withDeviceLock } from '../../devices/device-lock.js';
import { applyInvitations, calendarPart, findEvent } from '../../mail/invitations.js';
import { buildMeetingReply, type PartStat } from '../../mail/meeting-reply.js';
import { prepareOutgoing, sendOutgoing } from '../../mail/outgoing.js';
import { eventData, eventWindowDate, type EventData } from '../../pim/event-model.js';
import { parseICalendar } from '../../pim/ical.js';
import type { Item } from '../../store/types.js';
import type { EasContext } from '../command.js';
import { itemServerId } from '../sync/collection-state.js';
import { readRecord, writeRecord } from '../sync/device-records.js';
import { itemAt } from '../sync/item-fetch.js';

/** UserResponse, in each MeetingResponse Request (MS-ASCMD 2.2.3.150.2). */
export const UserResponse = { accepted: 1, tentative: 2, declined: 3 } as const;
export type UserResponse = (typeof UserResponse)[keyof typeof UserResponse];
/** BusyStatus the answered event gets (MS-ASCAL BusyStatus). */
const BusyStatus = { tentative: 1, busy: 2 } as const;

export interface MeetingAnswer {
  userResponse: UserResponse;
  collectionId: string | undefined;
  requestId: string | undefined;
  longId: string | undefined;
  /** Epoch ms of the occurrence (InstanceId), or undefined for the whole series. */
  instanceId: number | undefined;
  sendResponse: { comment?: string; proposed?: { start: number; end: number } } | null;
}

/** MeetingResponse Status per Result (MS-ASCMD 2.2.3.177.9). */
export const MeetingResponseStatus = { ok: 1, invalidMeetingRequest: 2, mailboxError: 3, serverError: 4 } as const;
export type MeetingResponseStatus = (typeof MeetingResponseStatus)[keyof typeof MeetingResponseStatus];

export interface MeetingResult {
  status: MeetingResponseStatus;
  requestId: string;
  calendarId?: string;
}

const REMEMBER_MS = 10 * 60_000;

const RESPONSE_TYPE = { 1: 3, 2: 2, 3: 4 } as const;
const PARTSTAT: Record<1 | 2 | 3, PartStat> = { 1: 'ACCEPTED', 2: 'TENTATIVE', 3: 'DECLINED' };

/** The item a RequestId / LongId names in this account. */
async function named(ctx: EasContext, a: MeetingAnswer): Promise<Item | null> {
  const id = a.longId ?? (a.requestId && !a.requestId.includes(':') && a.collectionId ? `${a.collectionId}:${a.requestId}` : a.requestId);
  return id ? itemAt(ctx, id) : null;
}

/** The event the answer is about: the named one, or the one the request mail's invitation put (or puts) in the calendar. */
async function eventFor(ctx: EasContext, item: Item): Promise<Item | null> {
  if (item.kind === 'event') return item;
  if (item.kind !== 'message' || !item.blobId) return null;
  const raw = await ctx.deps.store.blobs.get(item.blobId);
  const ics = raw ? await calendarPart(raw) : null;
  const uid = ics ? parseICalendar(ics).events[0]?.data.uid : undefined;
  if (!raw || !uid) return null;
  const found = await findEvent(ctx.deps.store, ctx.account, uid);
  if (found) return found;
  await applyInvitations(ctx.deps.store, [ctx.account], raw, ctx.log);
  return findEvent(ctx.deps.store, ctx.account, uid);
}

function answered(e: EventData, a: MeetingAnswer, email: string, now: number): EventData | null {
  const responseType = RESPONSE_TYPE[a.userResponse];
  const busyStatus = a.userResponse === UserResponse.accepted ? BusyStatus.busy : BusyStatus.tentative;
  const attendees = e.attendees.map((x) => (x.email.toLowerCase() === email ? { ...x, status: responseType } : x));
  if (a.instanceId !== undefined) {
    const others = e.exceptions.filter((x) => x.originalStart !== a.instanceId);
    const old = e.exceptions.find((x) => x.originalStart === a.instanceId);
    const x = a.userResponse === UserResponse.declined ? { originalStart: a.instanceId, deleted: true } : { ...old, originalStart: a.instanceId, responseType, busyStatus, appointmentReplyTime: now };
    return { ...e, exceptions: [...others, x] };
  }
  if (a.userResponse === UserResponse.declined) return null;
  return { ...e, responseType, busyStatus, attendees, appointmentReplyTime: now };
}

export async function respond(ctx: EasContext, a: MeetingAnswer): Promise<MeetingResult> {
  const requestId = a.longId ?? a.requestId ?? '';
  return withDeviceLock(ctx.account.id, ctx.device.deviceId, async () => {
    const { store } = ctx.deps;
    const now = Date.now();
    const key = `${requestId}|${a.instanceId ?? ''}|${a.userResponse}`;
    const memory = ((ctx.persistentDevice ? await readRecord(ctx, 'meeting-answers') : null) ?? []).filter((m) => m.at > now - REMEMBER_MS);
    const again = memory.find((m) => m.key === key);
    if (again) return { status: MeetingResponseStatus.ok, requestId, ...(again.calendarId ? { calendarId: again.calendarId } : {}) };

    const item = await named(ctx, a);
    if (!item) return { status: MeetingResponseStatus.invalidMeetingRequest, requestId };
    const event = await eventFor(ctx, item);
    if (!event) return { status: MeetingResponseStatus.invalidMeetingRequest, requestId };
    const before = eventData(event.data, event.receivedAt);
    const next = answered(before, a, ctx.account.email, now);
    if (next) await store.mailbox.updateItemData(ctx.account.id, event.id, next, event.categories, eventWindowDate(next));
    else await store.mailbox.deleteItem(ctx.account.id, event.id);
    if (item.kind === 'message') {
      const trash = await store.mailbox.getFolderByRole(ctx.account.id, 'trash');
      if (trash && trash.id !== item.folderId) await store.mailbox.moveItem(ctx.account.id, item.id, trash.id);
    }
    if (ctx.version >= 160 && a.sendResponse && before.organizerEmail && before.organizerEmail.toLowerCase() !== ctx.account.email) {
      const mime = await buildMeetingReply({
        from: ctx.account, event: before, partstat: PARTSTAT[a.userResponse], now,
        ...(a.instanceId !== undefined ? { recurrenceId: a.instanceId } : {}),
        ...(a.sendResponse.comment ? { comment: a.sendResponse.comment } : {}),
        ...(a.sendResponse.proposed ? { proposed: a.sendResponse.proposed } : {}),
      });
      const prepared = await prepareOutgoing(mime, ctx.account, now);
      await sendOutgoing(ctx.deps.outgoing, ctx.account, prepared, true);
      ctx.log.info({ event: 'eas-meeting-reply', response: PARTSTAT[a.userResponse] }, 'meeting reply sent');
    }
    const calendarId = next ? itemServerId(event.folderId, event.id) : undefined;
    if (ctx.persistentDevice) {
      const kept = [...memory, { key, at: now, ...(calendarId ? { calendarId } : {}) }].slice(-100);
      await writeRecord(ctx, 'meeting-answers', kept);
    }
    return { status: MeetingResponseStatus.ok, requestId, ...(calendarId ? { calendarId } : {}) };
  });
}
