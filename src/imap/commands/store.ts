// STORE and UID STORE (RFC 9051 6.4.6; RFC 7162 3.1.3 UNCHANGEDSINCE and MODIFIED): the flags map onto the
// item's (src/imap/flags.ts), so \Seen here is Read at the phone's next Sync; \Deleted is IMAP's own.
import { formatSeqSet } from '../protocol/parser.js';
import { fetchResponse, flagList, raw, type ImapValue } from '../protocol/writer.js';
import { flagsOf, storeChange } from '../flags.js';
import type { ImapSession } from '../session.js';
import { entriesOf, seqSetInRange } from './sets.js';
import { bad, no, ok, type Cmd, type Done } from './types.js';

export async function store(s: ImapSession, cmd: Cmd<'STORE'>): Promise<Done> {
  const view = s.selected!;
  const acct = s.accountOrThrow;
  if (view.readOnly) return no('Mailbox is read-only', { name: 'READ-ONLY' });
  if (!cmd.uid && !seqSetInRange(cmd.set, view.exists)) return bad('Message sequence number out of range');
  if (cmd.unchangedSince !== undefined) s.condstore = true;
  const targets = await entriesOf(s, view, cmd.set, cmd.uid);
  const modified: number[] = [];
  const setDeleted: number[] = [];
  const clearDeleted: number[] = [];
  const touched = new Set<number>();
  const skipped = new Set<number>();
  if (targets.length === 0) return ok(`${cmd.uid ? 'UID ' : ''}STORE completed`);
  const lo = targets[0]!.uid;
  const hi = targets.at(-1)!.uid;
  await s.deps.store.transaction(async (tx) => {
    // The messages as they are now, not as this session last saw them: another client may have changed
    // them (UNCHANGEDSINCE compares the current MODSEQ; +FLAGS adds to the current keywords).
    const current = new Map((await tx.imap.entries(acct.id, view.folderId, { minUid: lo, maxUid: hi })).map((e) => [e.uid, e]));
    for (const v of targets) {
      const now = current.get(v.uid);
      if (!now) continue; // gone meanwhile: its EXPUNGE follows
      // RFC 7162 3.1.3: a message changed since the client's modseq is not touched, and is reported.
      if (cmd.unchangedSince !== undefined && now.modseq > cmd.unchangedSince) {
        modified.push(cmd.uid ? v.uid : view.seqOf(v.uid));
        skipped.add(v.uid);
        continue;
      }
      const change = storeChange(now, cmd.op, cmd.flags);
      if (change.patch) {
        await tx.mailbox.updateItem(acct.id, v.entry.itemId, change.patch);
        touched.add(v.uid);
      }
      if (change.deleted === true) setDeleted.push(v.uid);
      if (change.deleted === false) clearDeleted.push(v.uid);
    }
    await tx.imap.setDeleted(acct.id, view.folderId, setDeleted, true);
    await tx.imap.setDeleted(acct.id, view.folderId, clearDeleted, false);
  });
  for (const u of [...setDeleted, ...clearDeleted]) touched.add(u);
  // The new state of what changed (and, without .SILENT, of every message named: RFC 9051 6.4.6).
  const report = cmd.silent ? targets.filter((v) => touched.has(v.uid) && s.condstore) : targets.filter((v) => !skipped.has(v.uid));
  if (touched.size > 0 || report.length > 0) {
    const fresh = new Map((await s.deps.store.imap.entries(acct.id, view.folderId, { minUid: lo, maxUid: hi })).map((e) => [e.uid, e]));
    // What is reported now is not reported again by the next update (selected.ts skips a known MODSEQ).
    // Nor is what .SILENT changed: the client asked not to hear its own change back (RFC 9051 6.4.6), and
    // without this the update after the command echoed it as a FETCH FLAGS anyway (seen with mbsync,
    // which stores with +FLAGS.SILENT).
    for (const v of targets) {
      const e = fresh.get(v.uid);
      if (!e || (!touched.has(v.uid) && !report.includes(v))) continue;
      v.entry = e;
      view.markTold(e.uid, e.modseq);
    }
    for (const v of report) {
      const items: Array<[string, ImapValue]> = [];
      if (cmd.uid) items.push(['UID', v.uid]);
      // .SILENT still reports the new MODSEQ to CONDSTORE clients (RFC 7162 3.1.3); FLAGS only without it.
      if (!cmd.silent) items.push(['FLAGS', flagList(flagsOf(v.entry))]);
      if (s.condstore) items.push(['MODSEQ', raw(`(${v.entry.modseq})`)]);
      if (items.length > 0) await s.send(fetchResponse(view.seqOf(v.uid), items));
    }
  }
  if (modified.length > 0) return ok('Some messages were modified meanwhile', { name: 'MODIFIED', args: formatSeqSet([...modified].sort((a, b) => a - b)) });
  return ok(`${cmd.uid ? 'UID ' : ''}STORE completed`);
}
