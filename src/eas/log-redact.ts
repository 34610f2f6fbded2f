// What an account logger may write of a WBXML tree (issue 15 part 3): a copy with secrets and, below
// trace, message content replaced. Secrets are always hidden: every `Password` element (Settings
// DevicePassword/Password, MS-ASCMD 2.2.3.130.1; ItemOperations and Search Password and UserName, the
// credentials of a document-library fetch or search, 2.2.3.130.2-3 / 2.2.3.186.2-3). Content (below trace): bodies and their previews,
// MIME, RTF, attachment and picture data (AirSyncBase Body/Data and Preview, Email Body/MIMEData for 2.5,
// Calendar/Contacts/Tasks Body and Rtf, ComposeMail Mime, ItemOperations Data, Contacts/GAL Picture and
// Data) become `[N bytes redacted]`, N the size of what was there.
import { Buffer } from 'node:buffer';
import { isElement, qnameOf, type WbxmlElement, type WbxmlNode } from './wbxml/index.js';

const SECRET = new Set(['ItemOperations:UserName', 'Search:UserName']);
const CONTENT_TAGS = new Set(['Data', 'Body', 'Rtf', 'MIMEData', 'Mime', 'Picture', 'Preview']);
/** Provision:Data carries the policy (or the 12.x WAP document): settings, not content. */
const CONTENT_EXEMPT_NAMESPACES = new Set(['Provision']);

const size = (n: Exclude<WbxmlNode, WbxmlElement>): number => (typeof n === 'string' ? Buffer.byteLength(n, 'utf8') : n.byteLength);

function isSecret(e: WbxmlElement): boolean {
  return e.tag === 'Password' || SECRET.has(qnameOf(e));
}

function isContent(e: WbxmlElement): boolean {
  if (!CONTENT_TAGS.has(e.tag)) return false;
  const q = qnameOf(e);
  return !CONTENT_EXEMPT_NAMESPACES.has(q.slice(0, q.indexOf(':')));
}

/** A copy of the tree for the log: secrets always replaced, content too unless `keepContent` (trace). */
export function redactForLog(root: WbxmlElement, keepContent: boolean): WbxmlElement {
  const walk = (e: WbxmlElement): WbxmlElement => {
    // Only leaf content is replaced: a container (AirSyncBase:Body, GAL:Picture) keeps its structure.
    const leaf = !e.children.some(isElement);
    if (leaf && e.children.length > 0) {
      if (isSecret(e)) return { page: e.page, tag: e.tag, children: ['[redacted]'] };
      if (!keepContent && isContent(e)) {
        const n = e.children.reduce((sum, c) => sum + (isElement(c) ? 0 : size(c)), 0);
        return { page: e.page, tag: e.tag, children: [`[${n} bytes redacted]`] };
      }
      return e;
    }
    return { page: e.page, tag: e.tag, children: e.children.map((c) => (isElement(c) ? walk(c) : c)) };
  };
  return walk(root);
}
