// Free/busy of a calendar over a time span, as ResolveRecipients' MergedFreeBusy wants it (MS-ASCMD
// 2.2.3.107): one digit per 30-minute slot from the start, 0 free, 1 tentative, 2 busy, 3 out of office,
// 4 working elsewhere. A slot takes the strongest status of the occurrences that overlap it; strongest
// first: out of office, busy, working elsewhere, tentative (free time does not count). An event without a
// BusyStatus is busy, as in Exchange.
import { eventData, recurringView } from './event-model.js';
import { occurrences } from './recurrence.js';

export const SLOT_MS = 30 * 60_000;

const STRENGTH: Record<number, number> = { 0: 0, 1: 1, 4: 2, 2: 3, 3: 4 };

/** `events`: stored event data (Item.data), read defensively. */
export function mergedFreeBusy(events: Iterable<unknown>, start: number, end: number): string {
  const slots = Math.max(0, Math.ceil((end - start) / SLOT_MS));
  const out = new Array<number>(slots).fill(0);
  for (const raw of events) {
    const e = eventData(raw);
    if (e.meetingStatus === 5 || e.meetingStatus === 7) continue; // cancelled meetings hold no time
    const byStart = new Map(e.exceptions.map((x) => [x.originalStart, x]));
    for (const o of occurrences(recurringView(e), start, end)) {
      const status = (o.exception ? byStart.get(o.instanceId)?.busyStatus : undefined) ?? e.busyStatus ?? 2;
      if (!STRENGTH[status]) continue;
      const first = Math.max(0, Math.floor((o.start - start) / SLOT_MS));
      const last = Math.min(slots, Math.ceil((Math.max(o.end, o.start + 1) - start) / SLOT_MS));
      for (let i = first; i < last; i++) if ((STRENGTH[status] ?? 0) > (STRENGTH[out[i]!] ?? 0)) out[i] = status;
    }
  }
  return out.join('');
}
