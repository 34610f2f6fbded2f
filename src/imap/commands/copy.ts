// COPY, MOVE and their UID forms (RFC 9051 6.4.7, RFC 6851 MOVE, RFC 4315 COPYUID). MOVE is the store's
// moveItem, so the phones see a move (not a delete and an add); COPY adds new messages with the same bytes
// (the blob is stored once), flags and keywords.
import type { ItemId } from '../../core/ids.js';
import { parseMessage } from '../../mail/parse.js';
import { formatSeqSet } from '../protocol/parser.js';
import { findMailbox, listMailboxes } from '../folders.js';
import type { ImapSession } from '../session.js';
import { entriesOf, seqSetInRange } from './sets.js';
import { bad, no, ok, type Cmd, type Done } from './types.js';

export async function copy(s: ImapSession, cmd: Cmd<'COPY' | 'MOVE'>): Promise<Done> {
  const view = s.selected!;
  const acct = s.accountOrThrow;
  const { store } = s.deps;
  if (!cmd.uid && !seqSetInRange(cmd.set, view.exists)) return bad('Message sequence number out of range');
  if (cmd.name === 'MOVE' && view.readOnly) return no('Mailbox is read-only', { name: 'READ-ONLY' });
  const dest = findMailbox(await listMailboxes(store.mailbox, acct.id), cmd.mailbox);
  if (!dest) return no('No such mailbox', { name: 'TRYCREATE' });
  const targets = await entriesOf(s, view, cmd.set, cmd.uid);
  if (targets.length === 0) return ok(`${cmd.name} completed (nothing to do)`);
  // UIDs in the destination are assigned now (below its UIDNEXT), in the order of the source UIDs.
  const before = await store.imap.sync(acct.id, dest.folder.id);
  const newIds: ItemId[] = [];
  if (cmd.name === 'MOVE') {
    if (dest.folder.id === view.folderId) return no('Source and destination are the same mailbox', { name: 'CANNOT' });
    await store.transaction(async (tx) => {
      for (const v of targets) newIds.push((await tx.mailbox.moveItem(acct.id, v.entry.itemId, dest.folder.id)).id);
    });
    view.dirty = true;
  } else {
    const items = new Map((await store.mailbox.getItems(acct.id, targets.map((v) => v.entry.itemId))).map((i) => [i.id, i]));
    for (const v of targets) {
      const item = items.get(v.entry.itemId);
      const bytes = item?.blobId ? await store.blobs.get(item.blobId) : null;
      if (!item || !bytes || !item.meta) continue;
      // The body text for the full-text index (a copy is searchable like the original).
      const parsed = await parseMessage(bytes);
      const added = await store.transaction(async (tx) => {
        const a = await tx.mailbox.addMessage(acct.id, dest.folder.id, { raw: bytes, meta: item.meta!, text: parsed.text, flags: item.flags, receivedAt: item.receivedAt });
        if (item.categories.length > 0) await tx.mailbox.updateItem(acct.id, a.id, { categories: item.categories });
        return a;
      });
      newIds.push(added.id);
    }
  }
  await store.imap.sync(acct.id, dest.folder.id);
  const assigned = new Map((await store.imap.entries(acct.id, dest.folder.id, { minUid: before.uidNext })).map((e) => [e.itemId, e.uid]));
  const pairs = targets.map((v, i) => [v.uid, assigned.get(newIds[i]!)] as const).filter((p): p is readonly [number, number] => p[1] !== undefined);
  // \Deleted goes with a copy too (RFC 9051 6.4.7: flags are preserved).
  if (cmd.name === 'COPY') {
    const deleted = targets.filter((v) => v.entry.deleted).map((v) => assigned.get(newIds[targets.indexOf(v)]!)).filter((u): u is number => u !== undefined);
    await store.imap.setDeleted(acct.id, dest.folder.id, deleted, true);
  }
  const code = pairs.length > 0
    ? { name: 'COPYUID', args: `${before.uidValidity} ${formatSeqSet(pairs.map((p) => p[0]))} ${formatSeqSet(pairs.map((p) => p[1]))}` }
    : undefined;
  if (cmd.name === 'MOVE') {
    // RFC 6851 3.3: COPYUID in an untagged OK before the expunges, which the update report sends.
    if (code) await s.send(Buffer.from(`* OK [COPYUID ${code.args}] Moved\r\n`));
    return ok(`${cmd.uid ? 'UID ' : ''}MOVE completed`);
  }
  return ok(`${cmd.uid ? 'UID ' : ''}COPY completed`, code);
}
