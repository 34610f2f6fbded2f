// Find (MS-ASCMD 2.2.1.2, EAS 16.1) of the mailbox and of the GAL, over the same full-text index and GAL
// lookup as Search (src/eas/search/mailbox.ts queryMailbox, src/eas/search/gal.ts). Response per
// FindResponse.xsd (MS-ASCMD 6.8): Find{Status, Response{itemoperations:Store, Status, Result*{airsync:Class,
// airsync:ServerId, airsync:CollectionId, Properties}, Range, Total}}. A mail Result's ServerId is the one
// Sync uses (`<folder>:<item>`), so ItemOperations Fetch with it and the CollectionId reads the message.
// Statuses (2.2.3.177.2): a request we cannot read (no criterion, bad Range, nothing searchable in FreeText)
// is Find Status 2; a CollectionId that is not one of the account's mail folders is Find Status 3
// (FolderSync required). We keep no result sets between requests (each Find runs on the mailbox as it
// is), so a Range that does not begin at 0 is served rather than answered with Status 4.
import type { Account, Item } from '../../store/types.js';
import { defineCommand, EasStatusError, type EasContext } from '../command.js';
import { displayTo, easDate, formatAddressList } from '../classes/email-fields.js';
import { FindRequestError, FindStatus, parseFind, type FindRequest } from '../search/find-request.js';
import { galLookup, galProperties } from '../search/gal.js';
import { queryMailbox } from '../search/mailbox.js';
import type { SearchRequest } from '../search/request.js';
import { itemServerId } from '../sync/collection-state.js';
import { el, ns, type WbxmlElement } from '../wbxml/index.js';

const f = ns('Find');
const as = ns('AirSync');

interface Outcome {
  store: 'Mailbox' | 'GAL';
  results: WbxmlElement[];
  total: number;
  start: number;
}

/** The mail properties Find returns, in FindResponse.xsd's order; all from the stored summary (no MIME read). */
function mailProperties(item: Item): WbxmlElement[] {
  const meta = item.meta;
  if (!meta) return [];
  const to = displayTo(meta.to);
  const cc = displayTo(meta.cc);
  const from = formatAddressList(meta.from);
  // No DisplayBcc: Bcc recipients are not part of a stored message's summary.
  return [
    el('Email:Subject', meta.subject),
    el('Email:DateReceived', easDate(item.receivedAt)),
    to ? el('Email:DisplayTo', to) : null,
    cc ? f('DisplayCc', cc) : null,
    el('Email:Importance', meta.importance),
    el('Email:Read', item.flags.seen ? 1 : 0),
    el('Email2:IsDraft', item.flags.draft ? 1 : 0),
    meta.preview ? f('Preview', meta.preview.slice(0, 255)) : null,
    f('HasAttachments', meta.hasAttachments ? 1 : 0),
    from ? el('Email:From', from) : null,
  ].filter((e): e is WbxmlElement => e !== null);
}

function mailResult(item: Item): WbxmlElement {
  return f('Result', as('Class', 'Email'), as('ServerId', itemServerId(item.folderId, item.id)), as('CollectionId', String(item.folderId)), f('Properties', mailProperties(item)));
}

/** A GAL entry has no folder or item: its Result carries Properties only (the GAL fields Search returns). */
function galResult(a: Account, picture: SearchRequest['picture']): WbxmlElement {
  return f('Result', f('Properties', galProperties(a, picture)));
}

async function execute(ctx: EasContext, req: FindRequest): Promise<Outcome> {
  const { start, end } = req.range;
  const t = req.target;
  if (t.store === 'mailbox') {
    const found = await queryMailbox(ctx, t.query, { offset: start, limit: end - start + 1, deepTraversal: t.deepTraversal });
    if (found.kind === 'unknown-folder') throw new EasStatusError(FindStatus.folderSyncRequired, 'CollectionId is not a mail folder of the account');
    if (found.kind === 'invalid') throw new EasStatusError(FindStatus.invalidRequest, 'nothing to search for');
    return { store: 'Mailbox', results: found.items.map(mailResult), total: found.total, start };
  }
  const all = await galLookup(ctx, t.text);
  const max = t.picture?.maxPictures;
  const results = all.slice(start, end + 1).map((a, i) => galResult(a, t.picture && (max === undefined || i < max) ? t.picture : null));
  return { store: 'GAL', results, total: all.length, start };
}

function render(o: Outcome): WbxmlElement {
  const shown = o.results.length;
  return f('Find', f('Status', FindStatus.ok), f('Response',
    el('ItemOperations:Store', o.store),
    f('Status', FindStatus.ok),
    o.results,
    shown > 0 && f('Range', `${o.start}-${o.start + shown - 1}`),
    f('Total', o.total)));
}

export const findCommand = defineCommand<FindRequest, Outcome>({
  name: 'Find',
  provisioning: 'required',
  minVersion: 161,
  body: { kind: 'wbxml', root: 'Find:Find' },
  invalidRequest: FindStatus.invalidRequest,
  parse(root) {
    try {
      return parseFind(root);
    } catch (err) {
      if (err instanceof FindRequestError) throw new EasStatusError(FindStatus.invalidRequest, err.message);
      throw err;
    }
  },
  execute,
  render: (o) => ({ kind: 'wbxml', root: render(o) }),
});
