// Sequence sets and UID sets against the selected view (RFC 9051 9 sequence-set; "$" is RFC 5182 SEARCHRES),
// and the messages they name as the store has them now.
import type { ImapEntry } from '../../store/imap-types.js';
import { resolveSeqSet } from '../protocol/parser.js';
import type { SequenceSet } from '../protocol/types.js';
import type { SelectedView } from '../selected.js';
import type { ImapSession } from '../session.js';

/** One message a command works on. */
export interface Target {
  uid: number;
  entry: ImapEntry;
}

/** The UIDs a set names among those the client knows (not the gone ones), ascending. */
export function uidsIn(s: ImapSession, view: SelectedView, set: SequenceSet, uid: boolean): number[] {
  if (set.saved) return s.saved.filter((u) => view.isLive(u)).sort((a, b) => a - b);
  const out: number[] = [];
  if (!uid) {
    for (const [a, b] of resolveSeqSet(set, view.exists)) {
      for (let i = Math.max(a, 1); i <= Math.min(b, view.exists); i++) {
        const u = view.uidAt(i)!;
        if (view.isLive(u)) out.push(u);
      }
    }
    return out;
  }
  // "*" in a UID set is the highest UID in the mailbox (RFC 9051 6.4.9); 0 in an empty one.
  const ranges = resolveSeqSet(set, view.maxUid);
  // A few UIDs (a client fetching one message): looked up one by one, not by walking the whole view.
  if (ranges.reduce((n, [a, b]) => n + (b - a + 1), 0) <= 1024) {
    for (const [a, b] of ranges) for (let u = a; u <= b; u++) if (view.isLive(u)) out.push(u);
    return out;
  }
  let r = 0;
  for (const u of view.liveUids()) {
    while (r < ranges.length && ranges[r]![1] < u) r++;
    if (r >= ranges.length) break;
    if (u >= ranges[r]![0]) out.push(u);
  }
  return out;
}

/** The messages of these UIDs as they are in the store now (one query); UIDs gone meanwhile are left out. */
export async function entriesFor(s: ImapSession, view: SelectedView, uids: readonly number[]): Promise<Target[]> {
  if (uids.length === 0) return [];
  const want = new Set(uids);
  const rows = await s.deps.store.imap.entries(s.accountOrThrow.id, view.folderId, { minUid: uids[0]!, maxUid: uids.at(-1)! });
  return rows.filter((e) => want.has(e.uid)).map((entry) => ({ uid: entry.uid, entry }));
}

/** The messages a set names. */
export function entriesOf(s: ImapSession, view: SelectedView, set: SequenceSet, uid: boolean): Promise<Target[]> {
  return entriesFor(s, view, uidsIn(s, view, set, uid));
}

/** Whether a sequence set is syntactically a set of sequence numbers the view has (RFC 9051 6.4.5: BAD for a number past EXISTS). */
export function seqSetInRange(set: SequenceSet, exists: number): boolean {
  if (set.saved) return true;
  return set.ranges.every((r) => (r.from === '*' || r.from <= exists) && (r.to === '*' || r.to <= exists));
}

/** Membership in a UID set (UID EXPUNGE, QRESYNC known-uids), '*' as `max`. */
export function uidsOf(set: SequenceSet, max: number, saved: readonly number[]): (uid: number) => boolean {
  if (set.saved) {
    const s = new Set(saved);
    return (u) => s.has(u);
  }
  const ranges = resolveSeqSet(set, max);
  return (u) => ranges.some(([a, b]) => u >= a && u <= b);
}
