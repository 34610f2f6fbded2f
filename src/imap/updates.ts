// Unsolicited responses for the selected mailbox (RFC 9051 7.4.1, 7.5.1, 7.5.2; RFC 7162 3.2.10): what
// changed elsewhere since the last report. EXPUNGE (or VANISHED once QRESYNC is enabled) only where the RFC
// allows it (`expunge`), then EXISTS for new mail, then FETCH (FLAGS, and MODSEQ for CONDSTORE clients).
import { isStoreError } from '../core/errors.js';
import { formatSeqSet } from './protocol/parser.js';
import { atom, fetchResponse, flagList, raw } from './protocol/writer.js';
import { flagsOf } from './flags.js';
import type { ImapSession } from './session.js';

export async function reportUpdates(s: ImapSession, expunge: boolean): Promise<void> {
  const view = s.selected;
  if (!view) return;
  let u;
  try {
    u = await view.refresh(s.deps, expunge);
  } catch (err) {
    // The folder was deleted elsewhere (a phone, another client): nothing left to be selected in.
    if (!isStoreError(err, 'not-found')) throw err;
    s.selected = null;
    s.state = 'logout';
    await s.send(Buffer.from('* BYE Selected mailbox was deleted, have to disconnect\r\n'));
    s.conn.end();
    return;
  }
  if (u.expunged.length > 0) {
    if (s.qresync) {
      await s.untagged(atom('VANISHED'), raw(formatSeqSet(u.expunged.map((e) => e.uid).sort((a, b) => a - b))));
    } else {
      for (const e of u.expunged) await s.untagged(e.seq, atom('EXPUNGE'));
    }
  }
  if (u.exists !== null) await s.untagged(u.exists, atom('EXISTS'));
  for (const c of u.changed) {
    const items: Array<[string, ReturnType<typeof flagList> | number]> = [['UID', c.entry.uid], ['FLAGS', flagList(flagsOf(c.entry))]];
    if (s.condstore) items.push(['MODSEQ', raw(`(${c.entry.modseq})`)]);
    await s.send(fetchResponse(c.seq, items));
  }
}
