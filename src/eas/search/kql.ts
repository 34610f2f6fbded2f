// Find's FreeText is KQL (MS-ASCMD 2.2.3.73 FreeText, Keyword Query Language). We search words through
// the full-text index, every word required, as Search does; this reduces a KQL string to such words
// without pretending to evaluate what we cannot:
// - `subject:budget`, `from:carol`, `body:"next week"`: a text property restricts where a word is found;
//   we keep the word and search it everywhere (more results, never fewer).
// - other properties (`received>=2024-01-01`, `size>1000`, `hasattachment:true`): dropped, since their
//   value is no word to look for.
// - AND / OR / NOT (upper case, as KQL spells operators), parentheses and quotes: dropped; OR becomes
//   AND (fewer results), a NOT term and a `-term` are left out (more results).
// What remains may be empty: the caller answers that as a request it cannot run.

/** KQL property names whose value is text we index (subject, sender, recipients, body, attachment names). */
const TEXT_PROPERTIES = new Set(['subject', 'title', 'from', 'sender', 'to', 'cc', 'bcc', 'participants', 'recipients', 'body', 'content', 'attachment', 'attachments', 'attachmentnames', 'filename']);

/** A term: an optional `-`, an optional property with its operator, then a quoted phrase or a run of non-spaces. */
const TERM = /(-?)(?:([\p{L}\p{N}_]+)(:|>=|<=|=|<>|>|<))?("[^"]*"?|[^\s"]+)/gu;

export function kqlText(freeText: string): string {
  const out: string[] = [];
  let skipNext = false;
  for (const m of freeText.matchAll(TERM)) {
    const [, minus, prop, , value = ''] = m;
    if (!prop && (value === 'AND' || value === 'OR')) continue;
    if (!prop && value === 'NOT') {
      skipNext = true;
      continue;
    }
    if (skipNext || minus) {
      skipNext = false;
      continue;
    }
    if (prop && !TEXT_PROPERTIES.has(prop.toLowerCase())) continue;
    const word = value.replace(/["()]/g, ' ').trim();
    if (word) out.push(word);
  }
  return out.join(' ');
}
