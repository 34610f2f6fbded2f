// APPEND (RFC 9051 6.3.12; RFC 4315 APPENDUID; RFC 3516 literal8; MULTIAPPEND-shaped lists from the parser
// are stored in one go): the message is parsed as delivery parses it (src/mail/parse.ts, content.ts), so a
// client saving to Sent or Drafts puts a message the phones render like any other.
import { readContent } from '../../mail/content.js';
import { parseMessage } from '../../mail/parse.js';
import type { NewMessage } from '../../store/types.js';
import { formatSeqSet } from '../protocol/parser.js';
import { storeChange } from '../flags.js';
import { findMailbox, listMailboxes } from '../folders.js';
import type { ImapSession } from '../session.js';
import { no, ok, type Cmd, type Done } from './types.js';

/** Bytes IMAP gives the message in, as RFC 5322 wants them: a message appended with bare LFs is stored as sent. */
export async function append(s: ImapSession, cmd: Cmd<'APPEND'>): Promise<Done> {
  const acct = s.accountOrThrow;
  const { store } = s.deps;
  const box = findMailbox(await listMailboxes(store.mailbox, acct.id), cmd.mailbox);
  if (!box) return no('No such mailbox', { name: 'TRYCREATE' });
  const none = { flags: { seen: false, flagged: false, answered: false, forwarded: false, draft: false }, deleted: false, categories: [] as string[] };
  const prepared: Array<{ message: NewMessage; categories: string[]; deleted: boolean }> = [];
  for (const m of cmd.messages) {
    if (m.message.length === 0) return no('Empty message', { name: 'CANNOT' });
    const parsed = await parseMessage(m.message);
    const content = parsed.content ?? (await readContent(m.message));
    const change = storeChange(none, 'set', m.flags ?? []);
    prepared.push({
      message: { raw: m.message, meta: parsed.meta, text: parsed.text, content, flags: { ...none.flags, ...change.patch?.flags }, receivedAt: m.date?.getTime() ?? Date.now() },
      categories: change.patch?.categories ?? [],
      deleted: change.deleted === true,
    });
  }
  const before = await store.imap.sync(acct.id, box.folder.id);
  const ids = await store.transaction(async (tx) => {
    const out = [];
    for (const p of prepared) {
      const item = await tx.mailbox.addMessage(acct.id, box.folder.id, p.message);
      if (p.categories.length > 0) await tx.mailbox.updateItem(acct.id, item.id, { categories: p.categories });
      out.push(item.id);
    }
    return out;
  });
  await store.imap.sync(acct.id, box.folder.id);
  const byItem = new Map((await store.imap.entries(acct.id, box.folder.id, { minUid: before.uidNext })).map((e) => [e.itemId, e.uid]));
  const uids = ids.map((id) => byItem.get(id)).filter((u): u is number => u !== undefined);
  await store.imap.setDeleted(acct.id, box.folder.id, prepared.map((p, i) => (p.deleted ? byItem.get(ids[i]!) : undefined)).filter((u): u is number => u !== undefined), true);
  if (s.selected?.folderId === box.folder.id) s.selected.dirty = true;
  return ok('APPEND completed', uids.length === ids.length ? { name: 'APPENDUID', args: `${before.uidValidity} ${formatSeqSet(uids)}` } : undefined);
}
