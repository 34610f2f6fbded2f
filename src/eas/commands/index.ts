// The command table: one entry per implemented EAS command (MS-ASCMD 2.2.1). A command missing here
// is answered 501 by the dispatcher and is not advertised in MS-ASProtocolCommands.
import type { EasCommand } from '../command.js';
import { findCommand } from './find.js';
import { folderCreateCommand } from './folder-create.js';
import { folderDeleteCommand } from './folder-delete.js';
import { folderSyncCommand } from './folder-sync.js';
import { folderUpdateCommand } from './folder-update.js';
import { getItemEstimateCommand } from './get-item-estimate.js';
import { itemOperationsCommand } from './item-operations.js';
import { meetingResponseCommand } from './meeting-response.js';
import { moveItemsCommand } from './move-items.js';
import { pingCommand } from './ping.js';
import { provisionCommand } from './provision.js';
import { resolveRecipientsCommand } from './resolve-recipients.js';
import { searchCommand } from './search.js';
import { sendMailCommand } from './send-mail.js';
import { settingsCommand } from './settings.js';
import { smartForwardCommand } from './smart-forward.js';
import { smartReplyCommand } from './smart-reply.js';
import { syncCommand } from './sync.js';

const all: EasCommand[] = [
  provisionCommand, settingsCommand,
  folderSyncCommand, folderCreateCommand, folderUpdateCommand, folderDeleteCommand,
  syncCommand, pingCommand,
  getItemEstimateCommand, itemOperationsCommand, moveItemsCommand,
  sendMailCommand, smartReplyCommand, smartForwardCommand,
  searchCommand, resolveRecipientsCommand, meetingResponseCommand, findCommand,
];

export const commands: ReadonlyMap<string, EasCommand> = new Map(all.map((c) => [c.name.toLowerCase(), c]));
