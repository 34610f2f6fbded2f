// Search (MS-ASCMD 2.2.1.16) of Store Mailbox (src/eas/search/mailbox.ts) and GAL (src/eas/search/gal.ts).
// Response: Search{Status, Response{Store{Status, Result*, Range, Total}}}; no match is one empty Result
// and Total 0 (MS-ASCMD 2.2.3.146). A request we cannot read is Search Status 2 at the top; a store we
// do not serve (DocumentLibrary) and a malformed query are Store Status 2 (2.2.3.177.13); a CollectionId
// the device should not know (deleted folder) is Store Status 11, FolderSync required.
import { defineCommand, EasStatusError, type EasContext } from '../command.js';
import { galLookup, galProperties } from '../search/gal.js';
import { searchMailbox, type MailboxHit } from '../search/mailbox.js';
import { parseSearch, SearchRequestError, SearchStatus, type SearchRequest } from '../search/request.js';
import { ns, type WbxmlElement } from '../wbxml/index.js';

const s = ns('Search');
const as = ns('AirSync');

interface Outcome {
  status: number;
  results: WbxmlElement[];
  total: number;
  range: { start: number; end: number };
}

function mailboxResult(h: MailboxHit): WbxmlElement {
  return s('Result', as('Class', 'Email'), s('LongId', h.longId), as('CollectionId', h.collectionId), s('Properties', h.properties));
}

async function execute(ctx: EasContext, req: SearchRequest): Promise<Outcome> {
  if (req.store === 'mailbox') {
    const r = await searchMailbox(ctx, req);
    return { status: r.status, results: r.hits.map(mailboxResult), total: r.total, range: req.range };
  }
  if (req.store === 'gal') {
    if (!req.galText) return { status: SearchStatus.invalidRequest, results: [], total: 0, range: req.range };
    const all = await galLookup(ctx, req.galText);
    const page = all.slice(req.range.start, req.range.end + 1);
    const maxPictures = req.picture?.maxPictures;
    const results = page.map((a, i) => s('Result', s('Properties', galProperties(a, req.picture && (maxPictures === undefined || i < maxPictures) ? req.picture : null))));
    return { status: SearchStatus.ok, results, total: all.length, range: req.range };
  }
  return { status: SearchStatus.invalidRequest, results: [], total: 0, range: req.range };
}

function render(o: Outcome): WbxmlElement {
  const shown = o.results.length;
  const store = s('Store',
    s('Status', o.status),
    o.status === SearchStatus.ok && (shown > 0 ? o.results : s('Result')),
    o.status === SearchStatus.ok && shown > 0 && s('Range', `${o.range.start}-${o.range.start + shown - 1}`),
    o.status === SearchStatus.ok && s('Total', o.total));
  return s('Search', s('Status', SearchStatus.ok), s('Response', store));
}

export const searchCommand = defineCommand<SearchRequest, Outcome>({
  name: 'Search',
  provisioning: 'required',
  body: { kind: 'wbxml', root: 'Search:Search' },
  invalidRequest: SearchStatus.invalidRequest,
  parse(root) {
    try {
      return parseSearch(root);
    } catch (err) {
      if (err instanceof SearchRequestError) throw new EasStatusError(SearchStatus.invalidRequest, err.message);
      throw err;
    }
  },
  execute,
  render: (o) => ({ kind: 'wbxml', root: render(o) }),
});
