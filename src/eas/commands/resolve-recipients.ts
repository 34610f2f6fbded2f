// ResolveRecipients (MS-ASCMD 2.2.1.15): each To (a name or an address, at most 100) is looked up in the
// GAL and the user's contacts (src/eas/resolve/directory.ts). Response Status per To (2.2.3.177.12): 1 one
// match, 2 several (all listed), 3 more than MaxAmbiguousRecipients (that many listed, RecipientCount says
// how many there are), 4 none. With Options/Availability the free/busy of each recipient on this server
// comes as MergedFreeBusy (Availability Status 1), others get 163 (no free/busy for them). We hold no
// S/MIME certificates: CertificateRetrieval 2 or 3 answers Certificates Status 7 (no valid certificate), and
// Picture Status 173 (no photo).
import { defineCommand, EasStatusError, type EasContext } from '../command.js';
import { candidatesFor, freeBusyOf, type Candidate } from '../resolve/directory.js';
import { PictureStatus } from '../statuses.js';
import { child, children, intOf, ns, text, textOf, type WbxmlElement } from '../wbxml/index.js';

const rr = ns('ResolveRecipients');

/** ResolveRecipients Status values (MS-ASCMD 2.2.3.177.12), by the element that carries them. */
const Status = { ok: 1, protocolError: 5, serverError: 6 } as const;
const ResponseStatus = { resolved: 1, ambiguous: 2, ambiguousPartial: 3, notResolved: 4 } as const;
type ResponseStatus = (typeof ResponseStatus)[keyof typeof ResponseStatus];
const AvailabilityStatus = { ok: 1, freeBusyUnavailable: 163 } as const;
const CertificatesStatus = { ok: 1, noValidCertificate: 7, limitReached: 8 } as const;

const MAX_TO = 100;
const DEFAULT_AMBIGUOUS = 19;
/** Free/busy spans longer than this are cut (Exchange serves up to 42 days). */
const MAX_SPAN_MS = 42 * 86_400_000;

interface Request {
  to: string[];
  certificates: number;
  maxAmbiguous: number;
  availability: { start: number; end: number } | null;
  picture: boolean;
}

interface Resolved {
  to: string;
  status: ResponseStatus;
  count: number;
  recipients: Array<Candidate & { freeBusy: string | null }>;
}

interface Outcome {
  req: Request;
  results: Resolved[];
}

const bad = (message: string): EasStatusError => new EasStatusError(Status.protocolError, message);

function parse(root: WbxmlElement): Request {
  const to = children(root, 'ResolveRecipients:To').map((e) => text(e).trim()).filter(Boolean);
  if (to.length === 0) throw bad('ResolveRecipients needs at least one To');
  if (to.length > MAX_TO) throw bad(`at most ${MAX_TO} To elements`);
  const options = child(root, 'ResolveRecipients:Options');
  const av = child(options, 'ResolveRecipients:Availability');
  let availability: Request['availability'] = null;
  if (av) {
    const start = Date.parse(textOf(av, 'ResolveRecipients:StartTime') ?? '');
    const endText = textOf(av, 'ResolveRecipients:EndTime');
    const end = endText ? Date.parse(endText) : start + 86_400_000;
    if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) throw bad('Availability needs StartTime before EndTime');
    availability = { start, end: Math.min(end, start + MAX_SPAN_MS) };
  }
  return {
    to,
    certificates: intOf(options, 'ResolveRecipients:CertificateRetrieval') ?? 1,
    maxAmbiguous: Math.max(0, intOf(options, 'ResolveRecipients:MaxAmbiguousRecipients') ?? DEFAULT_AMBIGUOUS),
    availability,
    picture: child(options, 'ResolveRecipients:Picture') !== undefined,
  };
}

async function execute(ctx: EasContext, req: Request): Promise<Outcome> {
  const out: Resolved[] = [];
  for (const to of req.to) {
    const all = await candidatesFor(ctx, to);
    const status = all.length === 0 ? ResponseStatus.notResolved : all.length === 1 ? ResponseStatus.resolved
      : all.length <= req.maxAmbiguous ? ResponseStatus.ambiguous : ResponseStatus.ambiguousPartial;
    const shown = status === ResponseStatus.ambiguousPartial ? all.slice(0, req.maxAmbiguous) : all;
    const recipients = [];
    for (const c of shown) {
      const freeBusy = req.availability && c.account ? await freeBusyOf(ctx, c.account, req.availability.start, req.availability.end) : null;
      recipients.push({ ...c, freeBusy });
    }
    out.push({ to, status, count: all.length, recipients });
  }
  return { req, results: out };
}

function render({ results, req }: Outcome): WbxmlElement {
  return rr('ResolveRecipients', rr('Status', Status.ok), results.map((r) => rr('Response',
    rr('To', r.to), rr('Status', r.status), rr('RecipientCount', r.count),
    r.recipients.map((c) => rr('Recipient',
      rr('Type', c.type), rr('DisplayName', c.displayName), rr('EmailAddress', c.email),
      req.availability && rr('Availability', c.freeBusy !== null ? [rr('Status', AvailabilityStatus.ok), rr('MergedFreeBusy', c.freeBusy)] : rr('Status', AvailabilityStatus.freeBusyUnavailable)),
      req.certificates > 1 && r.status === ResponseStatus.resolved && rr('Certificates', rr('Status', CertificatesStatus.noValidCertificate), rr('CertificateCount', 0)),
      req.picture && rr('Picture', rr('Status', PictureStatus.noPhoto)))))));
}

export const resolveRecipientsCommand = defineCommand<Request, Outcome>({
  name: 'ResolveRecipients',
  provisioning: 'required',
  body: { kind: 'wbxml', root: 'ResolveRecipients:ResolveRecipients' },
  invalidRequest: Status.protocolError,
  parse,
  execute,
  render: (o) => ({ kind: 'wbxml', root: render(o) }),
});
