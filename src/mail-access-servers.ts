// The mail-access protocols the server runs (src/access/index.ts): one line each.
import type { MailAccessStarter } from './access/index.js';
import { startPop3 } from './pop3/index.js';

export const mailAccessStarters: readonly MailAccessStarter[] = [
  startPop3,
  // IMAP (src/imap/index.ts) is listed here.
];
