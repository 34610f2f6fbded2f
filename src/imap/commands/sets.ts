// Sequence sets and UID sets against the selected view (RFC 9051 9 sequence-set; "$" is RFC 5182 SEARCHRES).
import { resolveSeqSet } from '../protocol/parser.js';
import type { SequenceSet } from '../protocol/types.js';
import type { SelectedView, ViewEntry } from '../selected.js';
import type { ImapSession } from '../session.js';

/** The view entries a set names, in sequence order; gone entries left out unless `withGone`. */
export function entriesOf(s: ImapSession, view: SelectedView, set: SequenceSet, uid: boolean, withGone = false): ViewEntry[] {
  const all = view.entries;
  const keep = (v: ViewEntry | undefined): v is ViewEntry => v !== undefined && (withGone || !v.gone);
  if (set.saved) return s.saved.map((u) => view.entryOf(u)).filter(keep).sort((a, b) => a.uid - b.uid);
  if (!uid) {
    const out: ViewEntry[] = [];
    for (const [a, b] of resolveSeqSet(set, all.length)) {
      for (let i = Math.max(a, 1); i <= Math.min(b, all.length); i++) out.push(all[i - 1]!);
    }
    return out.filter(keep);
  }
  // "*" in a UID set is the highest UID in the mailbox (RFC 9051 6.4.9); 0 in an empty one.
  const ranges = resolveSeqSet(set, view.maxUid);
  const out: ViewEntry[] = [];
  if (ranges.length === 1 && ranges[0]![1] - ranges[0]![0] < 64) {
    for (let u = ranges[0]![0]; u <= ranges[0]![1]; u++) {
      const v = view.entryOf(u);
      if (keep(v)) out.push(v);
    }
    return out;
  }
  let r = 0;
  for (const v of all) {
    while (r < ranges.length && ranges[r]![1] < v.uid) r++;
    if (r >= ranges.length) break;
    if (v.uid >= ranges[r]![0] && keep(v)) out.push(v);
  }
  return out;
}

/** Whether a sequence set is syntactically a set of sequence numbers the view has (RFC 9051 6.4.5: BAD for a number past EXISTS). */
export function seqSetInRange(set: SequenceSet, exists: number): boolean {
  if (set.saved) return true;
  return set.ranges.every((r) => (r.from === '*' || r.from <= exists) && (r.to === '*' || r.to <= exists));
}

/** UIDs of a set as a plain list (UID EXPUNGE, QRESYNC known-uids), '*' as `max`. */
export function uidsOf(set: SequenceSet, max: number, saved: readonly number[]): (uid: number) => boolean {
  if (set.saved) {
    const s = new Set(saved);
    return (u) => s.has(u);
  }
  const ranges = resolveSeqSet(set, max);
  return (u) => ranges.some(([a, b]) => u >= a && u <= b);
}
