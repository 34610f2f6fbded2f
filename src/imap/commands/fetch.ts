// FETCH and UID FETCH (RFC 9051 6.4.5, 7.5.2; RFC 3516 BINARY; RFC 7162 3.1.4 CHANGEDSINCE and 3.2.6
// VANISHED). Flags, UID, sizes and dates come from the UID map (no message read); ENVELOPE, BODYSTRUCTURE
// and sections from the raw message, parsed once per message (src/imap/fetch/message.ts). A body fetched
// without PEEK marks the message \Seen, which is Read on the phones.
import { envelopeFromHeaders, envelopeValue } from '../fetch/envelope.js';
import { FetchMessage } from '../fetch/message.js';
import { formatSeqSet } from '../protocol/parser.js';
import type { FetchAtt } from '../protocol/types.js';
import { atom, fetchResponse, flagList, formatInternalDate, literal, raw, sectionLabel, type ImapValue } from '../protocol/writer.js';
import { flagsOf } from '../flags.js';
import type { ImapSession } from '../session.js';
import { entriesOf, seqSetInRange, uidsOf, type Target } from './sets.js';
import { bad, no, ok, type Cmd, type Done } from './types.js';

/** Items that need the message's bytes. */
const needsRaw = (a: FetchAtt): boolean =>
  a.kind === 'ENVELOPE' || a.kind === 'BODY' || a.kind === 'BODYSTRUCTURE' || a.kind === 'RFC822' || a.kind === 'RFC822.HEADER' ||
  a.kind === 'RFC822.TEXT' || a.kind === 'BODY[]' || a.kind === 'BINARY' || a.kind === 'BINARY.SIZE';

/** Items that set \Seen (RFC 9051 6.4.5: BODY[...] without .PEEK, BINARY without .PEEK, RFC822, RFC822.TEXT). */
const setsSeen = (a: FetchAtt): boolean => ((a.kind === 'BODY[]' || a.kind === 'BINARY') && !a.peek) || a.kind === 'RFC822' || a.kind === 'RFC822.TEXT';

export async function fetch(s: ImapSession, cmd: Cmd<'FETCH'>): Promise<Done> {
  const view = s.selected!;
  const acct = s.accountOrThrow;
  if (!cmd.uid && !seqSetInRange(cmd.set, view.exists)) return bad('Message sequence number out of range');
  if (cmd.vanished && (!cmd.uid || !s.qresync || cmd.changedSince === undefined)) return bad('VANISHED needs UID FETCH, QRESYNC and CHANGEDSINCE');
  const items = [...cmd.items];
  if (cmd.changedSince !== undefined) s.condstore = true;
  if ((cmd.changedSince !== undefined || items.some((i) => i.kind === 'MODSEQ')) && !items.some((i) => i.kind === 'MODSEQ')) items.push({ kind: 'MODSEQ' });
  if (items.some((i) => i.kind === 'MODSEQ')) s.condstore = true;
  // UID FETCH always answers the UID (RFC 9051 6.4.9).
  if (cmd.uid && !items.some((i) => i.kind === 'UID')) items.unshift({ kind: 'UID' });
  let targets = await entriesOf(s, view, cmd.set, cmd.uid);
  if (cmd.vanished && cmd.changedSince !== undefined) {
    const inSet = uidsOf(cmd.set, view.maxUid, s.saved);
    const gone = (await s.deps.store.imap.vanishedSince(acct.id, view.folderId, cmd.changedSince)).filter(inSet);
    if (gone.length > 0) await s.untagged(atom('VANISHED'), raw(`(EARLIER) ${formatSeqSet(gone)}`));
  }
  if (cmd.changedSince !== undefined) targets = targets.filter((v) => v.entry.modseq > cmd.changedSince!);
  const withRaw = items.some(needsRaw);
  // ENVELOPE alone (what a client lists a folder with) needs only the header: read in bulk.
  const headerOnly = withRaw && items.every((a) => !needsRaw(a) || a.kind === 'ENVELOPE');
  const markSeen = !view.readOnly && items.some(setsSeen);
  const CHUNK = 200;
  for (let i = 0; i < targets.length; i += CHUNK) {
    const part = targets.slice(i, i + CHUNK);
    const heads = headerOnly ? await s.deps.store.imap.heads(part.map((v) => v.entry.blobId).filter((b) => b !== null), HEAD_BYTES) : null;
    for (const v of part) {
      let src: Source | null = null;
      if (withRaw) {
        src = await source(s, v, heads);
        if (!src) continue; // deleted meanwhile: its EXPUNGE follows later
      }
      const r = await fetchOne(s, v, items, src, markSeen);
      if (r) return r;
    }
  }
  return ok(`${cmd.uid ? 'UID ' : ''}FETCH completed`);
}

/** Bytes read for a header-only FETCH; a longer header falls back to the whole message. */
const HEAD_BYTES = 64 * 1024;

/** What a message's data items are made from: the whole message, or (ENVELOPE alone) its header. */
type Source = { msg: FetchMessage; envelope?: undefined } | { msg?: undefined; envelope: ImapValue };

const asBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** The end of the header block (after its blank line), or -1 when the bytes hold no complete header. */
function headerEnd(b: Buffer): number {
  const crlf = b.indexOf('\r\n\r\n');
  const lf = b.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return -1;
  return crlf >= 0 && (lf < 0 || crlf + 2 <= lf) ? crlf + 4 : lf + 2;
}

async function source(s: ImapSession, v: Target, heads: Map<string, Uint8Array> | null): Promise<Source | null> {
  const id = v.entry.blobId;
  if (!id) return null;
  const head = heads?.get(id);
  if (head) {
    const b = asBuffer(head);
    const end = headerEnd(b);
    if (end >= 0) return { envelope: envelopeValue(envelopeFromHeaders(b.subarray(0, end))) };
    // A message without a body (no blank line) that fits in the head is all there.
    if (b.length < HEAD_BYTES) return { envelope: envelopeValue(envelopeFromHeaders(b)) };
  }
  if (heads && !head) return null;
  const bytes = await s.deps.store.blobs.get(id);
  return bytes ? { msg: new FetchMessage(asBuffer(bytes)) } : null;
}

async function fetchOne(s: ImapSession, v: Target, items: readonly FetchAtt[], src: Source | null, markSeen: boolean): Promise<Done | null> {
  const view = s.selected!;
  const msg = src?.msg ?? null;
  let flagsChanged = false;
  if (markSeen && !v.entry.flags.seen) {
    const updated = await s.deps.store.mailbox.updateItem(s.accountOrThrow.id, v.entry.itemId, { flags: { seen: true } });
    v.entry = { ...v.entry, flags: updated.flags, modseq: Math.max(v.entry.modseq, updated.modseq) };
    view.markTold(v.uid, v.entry.modseq);
    flagsChanged = true;
  }
  const out: Array<[string, ImapValue]> = [];
  for (const a of items) {
    switch (a.kind) {
      case 'UID': out.push(['UID', v.uid]); break;
      case 'FLAGS': out.push(['FLAGS', flagList(flagsOf(v.entry))]); break;
      case 'MODSEQ': out.push(['MODSEQ', raw(`(${v.entry.modseq})`)]); break;
      case 'INTERNALDATE': out.push(['INTERNALDATE', formatInternalDate(new Date(v.entry.receivedAt))]); break;
      case 'RFC822.SIZE': out.push(['RFC822.SIZE', v.entry.size]); break;
      case 'ENVELOPE': out.push(['ENVELOPE', src?.envelope ?? msg!.envelopeValue()]); break;
      case 'BODYSTRUCTURE': out.push(['BODYSTRUCTURE', msg!.bodyStructure(true)]); break;
      case 'BODY': out.push(['BODY', msg!.bodyStructure(false)]); break;
      case 'RFC822': out.push(['RFC822', literal(msg!.raw)]); break;
      case 'RFC822.HEADER': out.push(['RFC822.HEADER', literal(msg!.section({ part: [], text: 'HEADER' }) ?? Buffer.alloc(0))]); break;
      case 'RFC822.TEXT': out.push(['RFC822.TEXT', literal(msg!.section({ part: [], text: 'TEXT' }) ?? Buffer.alloc(0))]); break;
      case 'BODY[]': {
        const bytes = msg!.section(a.section, a.partial);
        out.push([sectionLabel('BODY', a.section, a.partial?.offset), bytes ? literal(bytes) : null]);
        break;
      }
      case 'BINARY': {
        const r = msg!.binary(a.part, a.partial);
        if (r && 'unknownCte' in r) return no(`Unknown Content-Transfer-Encoding ${r.unknownCte}`, { name: 'UNKNOWN-CTE' });
        out.push([sectionLabel('BINARY', { part: a.part }, a.partial?.offset), r ? literal(r.bytes, r.bytes.includes(0)) : null]);
        break;
      }
      case 'BINARY.SIZE': {
        const r = msg!.binarySize(a.part);
        if (r && 'unknownCte' in r) return no(`Unknown Content-Transfer-Encoding ${r.unknownCte}`, { name: 'UNKNOWN-CTE' });
        out.push([sectionLabel('BINARY.SIZE', { part: a.part }), r ? r.size : null]);
        break;
      }
    }
  }
  // \Seen just set: FLAGS goes with the data (RFC 9051 6.4.5), once.
  if (flagsChanged && !items.some((a) => a.kind === 'FLAGS')) out.push(['FLAGS', flagList(flagsOf(v.entry))]);
  await s.send(fetchResponse(view.seqOf(v.uid), out, { utf8: s.utf8 }));
  return null;
}
