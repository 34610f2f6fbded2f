// Who a submitted message says it is from (RFC 5322 3.6.2 From and Sender), read from the header block
// only. Submission (RFC 6409 8) lets the MSA enforce that these name the authenticated user, as EAS
// SendMail already does by rewriting them: a logged-in user cannot put someone else's name on mail.
import addressparser from 'nodemailer/lib/addressparser';

export interface HeaderIdentity {
  /** Every address of every From field (groups flattened), as written. */
  from: string[];
  sender: string[];
}

/** The header block's unfolded fields named `name` (lower-case), in order. */
function fields(raw: Buffer, names: ReadonlySet<string>): Array<{ name: string; value: string }> {
  const end = raw.indexOf('\r\n\r\n');
  const lfEnd = raw.indexOf('\n\n');
  const stop = end === -1 ? lfEnd : lfEnd === -1 ? end : Math.min(end, lfEnd);
  const header = raw.subarray(0, stop === -1 ? raw.length : stop).toString('utf8');
  const out: Array<{ name: string; value: string }> = [];
  for (const line of header.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (names.has(name)) out.push({ name, value: line.slice(colon + 1).trim() });
  }
  return out;
}

export function headerIdentity(raw: Buffer): HeaderIdentity {
  const id: HeaderIdentity = { from: [], sender: [] };
  for (const f of fields(raw, new Set(['from', 'sender']))) {
    const addresses = addressparser(f.value, { flatten: true }).map((a) => a.address).filter(Boolean);
    // A field whose value parses to no address still counts: it names no one we could accept.
    (f.name === 'from' ? id.from : id.sender).push(...(addresses.length > 0 ? addresses : [f.value]));
  }
  return id;
}
