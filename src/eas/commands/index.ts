// The command table: one entry per implemented EAS command (MS-ASCMD 2.2.1). A command missing here
// is answered 501 by the dispatcher and is not advertised in MS-ASProtocolCommands.
import type { EasCommand } from '../command.js';

const all: EasCommand[] = [];

export const commands: ReadonlyMap<string, EasCommand> = new Map(all.map((c) => [c.name.toLowerCase(), c]));
