// SELECT / EXAMINE (RFC 9051 6.3.2, 6.3.3; RFC 7162 3.1.2 CONDSTORE and 3.2.5 QRESYNC), CLOSE, UNSELECT,
// EXPUNGE and UID EXPUNGE (RFC 4315 2.1). EXPUNGE deletes the messages marked \Deleted from the store, so
// phones get a Delete at their next Sync.
import { formatSeqSet, resolveSeqSet } from '../protocol/parser.js';
import { atom, fetchResponse, flagList, raw } from '../protocol/writer.js';
import { FLAGS_LIST, PERMANENT_FLAGS, flagsOf } from '../flags.js';
import { findMailbox, listMailboxes } from '../folders.js';
import { SelectedView } from '../selected.js';
import type { ImapSession } from '../session.js';
import { entriesFor, uidsOf } from './sets.js';
import { wireName } from './mailboxes.js';
import { bad, no, ok, type Cmd, type Done } from './types.js';

export async function select(s: ImapSession, cmd: Cmd<'SELECT' | 'EXAMINE'>): Promise<Done> {
  const acct = s.accountOrThrow;
  if (cmd.qresync && !s.qresync) return bad('QRESYNC is not enabled');
  // Selecting again deselects first, without expunging (RFC 9051 6.3.2); [CLOSED] tells QRESYNC clients.
  if (s.selected) {
    s.selected = null;
    s.state = 'authenticated';
    await s.send(Buffer.from('* OK [CLOSED] Previous mailbox closed\r\n'));
  }
  const box = findMailbox(await listMailboxes(s.deps.store.mailbox, acct.id), cmd.mailbox);
  if (!box) return no('No such mailbox', { name: 'NONEXISTENT' });
  if (cmd.condstore || cmd.qresync) s.condstore = true;
  const readOnly = cmd.name === 'EXAMINE';
  const view = new SelectedView(acct.id, box.folder.id, readOnly);
  await view.load(s.deps);
  await s.untagged(atom('FLAGS'), flagList(FLAGS_LIST));
  await s.send(Buffer.from(`* OK [PERMANENTFLAGS (${readOnly ? '' : PERMANENT_FLAGS.join(' ')})] Flags permitted\r\n`));
  await s.untagged(view.exists, atom('EXISTS'));
  if (!s.rev2) await s.untagged(0, atom('RECENT'));
  await s.send(Buffer.from(`* OK [UIDVALIDITY ${view.uidValidity}] UIDs valid\r\n* OK [UIDNEXT ${view.uidNext}] Predicted next UID\r\n* OK [HIGHESTMODSEQ ${view.modseq}] Highest\r\n`));
  if (s.rev2) await s.untagged(atom('LIST'), raw('()'), '/', wireName(s, box.name));
  s.selected = view;
  s.state = 'selected';
  const q = cmd.qresync;
  if (q && q.uidValidity === view.uidValidity) {
    // RFC 7162 3.2.5: what vanished and what changed since the client's modseq, within its known UIDs.
    const known = q.knownUids ? uidsOf(q.knownUids, Number.MAX_SAFE_INTEGER, s.saved) : () => true;
    const floor = await s.deps.store.imap.expungedFloor(acct.id, box.folder.id);
    if (q.modseq < floor) {
      // Expunge records after the client's modseq were pruned (src/imap/retention.ts): every UID below
      // UIDNEXT that is not in the folder, within its known UIDs, may be one it has. Telling it of UIDs it
      // never had is harmless (RFC 7162 3.2.10: a client ignores those); missing one is not.
      const absent = absentRanges(view.liveUids(), view.uidNext - 1);
      const ranges = q.knownUids && !q.knownUids.saved ? intersect(absent, resolveSeqSet(q.knownUids, view.uidNext - 1)) : absent;
      if (ranges.length > 0) await s.untagged(atom('VANISHED'), raw(`(EARLIER) ${formatSeqSet(ranges)}`));
    } else {
      const vanished = (await s.deps.store.imap.vanishedSince(acct.id, box.folder.id, q.modseq)).filter(known);
      if (vanished.length > 0) await s.untagged(atom('VANISHED'), raw(`(EARLIER) ${formatSeqSet(vanished)}`));
    }
    for (const e of await s.deps.store.imap.entries(acct.id, box.folder.id, { changedSince: q.modseq, maxUid: view.maxUid })) {
      if (!known(e.uid) || !view.isLive(e.uid)) continue;
      await s.send(fetchResponse(view.seqOf(e.uid), [['UID', e.uid], ['FLAGS', flagList(flagsOf(e))], ['MODSEQ', raw(`(${e.modseq})`)]]));
    }
  }
  return ok(`${cmd.name} completed`, { name: readOnly ? 'READ-ONLY' : 'READ-WRITE' });
}

/** The ranges of [1, max] not in `uids` (ascending). */
export function absentRanges(uids: readonly number[], max: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let next = 1;
  for (const u of uids) {
    if (u > max) break;
    if (u > next) out.push([next, u - 1]);
    next = u + 1;
  }
  if (next <= max) out.push([next, max]);
  return out;
}

/** The intersection of two ascending lists of disjoint ranges. */
export function intersect(a: ReadonlyArray<readonly [number, number]>, b: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i]![0], b[j]![0]);
    const hi = Math.min(a[i]![1], b[j]![1]);
    if (lo <= hi) out.push([lo, hi]);
    if (a[i]![1] < b[j]![1]) i++;
    else j++;
  }
  return out;
}

/** Deletes the view's \Deleted messages (within `only` when given); returns how many. */
async function expungeDeleted(s: ImapSession, only?: (uid: number) => boolean): Promise<number> {
  const view = s.selected!;
  const acct = s.accountOrThrow;
  const live = view.liveUids();
  const doomed = (await entriesFor(s, view, only ? live.filter(only) : live)).filter((v) => v.entry.deleted).map((v) => v.entry.itemId);
  if (doomed.length === 0) return 0;
  // One transaction and one change notice for the lot (300 messages: a few statements, not 300 deletes). A
  // message already deleted elsewhere (a phone) or moved out meanwhile is skipped by the store.
  const gone = await s.deps.store.mailbox.deleteItems(acct.id, doomed, { folderId: view.folderId });
  view.dirty = true;
  return gone.length;
}

export async function expunge(s: ImapSession, cmd: Cmd<'EXPUNGE'>): Promise<Done> {
  const view = s.selected!;
  if (view.readOnly) return no('Mailbox is read-only', { name: 'READ-ONLY' });
  await expungeDeleted(s, cmd.uid && cmd.uids ? uidsOf(cmd.uids, view.maxUid, s.saved) : undefined);
  // The EXPUNGE (or VANISHED) responses follow from the update report after the command (session.ts).
  return ok('EXPUNGE completed');
}

export async function close(s: ImapSession, name: 'CLOSE' | 'UNSELECT'): Promise<Done> {
  const view = s.selected!;
  // CLOSE expunges silently (RFC 9051 6.4.1); UNSELECT does not (RFC 3691).
  if (name === 'CLOSE' && !view.readOnly) await expungeDeleted(s);
  s.selected = null;
  s.state = 'authenticated';
  return ok(`${name} completed`);
}
