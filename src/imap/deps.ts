// What the IMAP front end is given: the shared mail-access dependencies (src/access/index.ts).
import type { MailAccessDeps } from '../access/index.js';

export type ImapDeps = MailAccessDeps;
