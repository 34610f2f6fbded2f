// `carbonio mobile` provisioning and wipe commands. Filled in by the provisioning work.
import type { Command } from './command.js';

export const mobileProvisioningCommands: readonly Command[] = [];
